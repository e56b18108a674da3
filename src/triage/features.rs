//! Sparse TF-IDF features from word n-grams and character n-grams, by feature hashing: no strings are
//! built per message, and a vocabulary fitted on the training examples maps hashes to dense indices.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The keys are already well-mixed 64-bit hashes: hashing them again would only cost time.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("IdHasher only hashes u64 keys")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[inline]
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

#[inline]
fn finish(h: u64) -> u64 {
    // splitmix64 finaliser: spreads FNV's weak high bits.
    let mut z = h;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The lowest bit of a feature hash tells word features (1) from character n-grams (0), so the two
/// groups can be weighted apart without a side table.
#[inline]
fn word_feature(h: u64) -> u64 {
    h | 1
}

#[inline]
fn char_feature(h: u64) -> u64 {
    h & !1
}

#[inline]
pub fn is_word_feature(h: u64) -> bool {
    h & 1 == 1
}

/// Hash of a word token (used by FAQ search too).
#[inline]
pub fn word_hash(token: &str) -> u64 {
    word_feature(finish(fnv(FNV_OFFSET ^ 1, token.as_bytes())))
}

/// Which n-grams make up a message's features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureConfig {
    /// Word n-grams 1..=word_max.
    pub word_max: usize,
    /// Character n-grams char_min..=char_max inside each word padded with spaces.
    pub char_min: usize,
    pub char_max: usize,
    /// Share of a vector's weight given to word features (the rest goes to character n-grams);
    /// each group is normalised apart first, so the many n-grams do not drown the few words.
    pub word_share: f32,
    /// Add each word's stem (see [`super::enrich::stem`]) as a feature.
    pub stems: bool,
    /// Read a word the examples never used as the known word one edit away, if any.
    pub typos: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            word_max: 2,
            char_min: 2,
            char_max: 5,
            word_share: 0.2,
            stems: true,
            typos: true,
        }
    }
}

/// Appends the hashes of every feature occurrence of `tokens` to `out`.
pub fn extract(tokens: &[String], cfg: &FeatureConfig, out: &mut Vec<u64>) {
    for t in tokens {
        out.push(word_hash(t));
    }
    for n in 2..=cfg.word_max {
        for w in tokens.windows(n) {
            let mut h = fnv(FNV_OFFSET ^ n as u64, w[0].as_bytes());
            for t in &w[1..] {
                h = fnv(fnv(h, b" "), t.as_bytes());
            }
            out.push(word_feature(finish(h)));
        }
    }
    let mut padded = Vec::with_capacity(64);
    let mut bounds: Vec<usize> = Vec::with_capacity(64);
    for t in tokens {
        padded.clear();
        padded.push(b' ');
        padded.extend_from_slice(t.as_bytes());
        padded.push(b' ');
        bounds.clear();
        if t.is_ascii() {
            bounds.extend(0..=padded.len());
        } else {
            // Character boundaries in the padded bytes, so n-grams never split a character.
            let s = std::str::from_utf8(&padded).expect("token is UTF-8");
            bounds.extend(s.char_indices().map(|(i, _)| i));
            bounds.push(padded.len());
        }
        let nchars = bounds.len() - 1;
        for n in cfg.char_min..=cfg.char_max {
            if n > nchars {
                break;
            }
            let seed = FNV_OFFSET ^ (16 + n as u64);
            for i in 0..=nchars - n {
                out.push(char_feature(finish(fnv(
                    seed,
                    &padded[bounds[i]..bounds[i + n]],
                ))));
            }
        }
    }
}

/// Per-thread tables of [`Vectorizer::transform`], all zero between calls; sized to the largest
/// vocabulary seen on the thread.
#[derive(Default)]
struct TransformScratch {
    /// Occurrences per feature index.
    counts: Vec<u32>,
    /// A bit per feature index present.
    bits: Vec<u64>,
    /// A bit per non-zero word of `bits`.
    summary: Vec<u64>,
}

impl TransformScratch {
    fn fit(&mut self, features: usize) {
        if self.counts.len() < features {
            self.counts.resize(features, 0);
            let words = features.div_ceil(64);
            self.bits.resize(words, 0);
            self.summary.resize(words.div_ceil(64), 0);
        }
    }
}

thread_local! {
    static TRANSFORM_SCRATCH: std::cell::RefCell<TransformScratch> =
        std::cell::RefCell::new(TransformScratch::default());
}

/// A sparse vector: feature indices ascending, with their weights; L2-normalised.
pub type Sparse = Vec<(u32, f32)>;

/// Maps feature hashes to indices and inverse document frequencies, fitted on training texts.
#[derive(Debug, Clone, Default)]
pub struct Vectorizer {
    pub config: FeatureConfig,
    index: IdMap<u32>,
    idf: Vec<f32>,
    /// Per feature index: whether it is a word feature.
    word: Vec<bool>,
}

impl Vectorizer {
    /// Fits the vocabulary on the feature hashes of each training document.
    pub fn fit(config: FeatureConfig, docs: &[Vec<u64>]) -> Vectorizer {
        let mut index: IdMap<u32> = IdMap::default();
        let mut df: Vec<u32> = Vec::new();
        let mut word: Vec<bool> = Vec::new();
        let mut seen: Vec<u32> = Vec::new();
        for doc in docs {
            seen.clear();
            for &h in doc {
                let next = index.len() as u32;
                let i = *index.entry(h).or_insert(next);
                if i as usize == df.len() {
                    df.push(0);
                    word.push(is_word_feature(h));
                }
                seen.push(i);
            }
            seen.sort_unstable();
            seen.dedup();
            for &i in &seen {
                df[i as usize] += 1;
            }
        }
        let n = docs.len() as f32;
        let idf = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        Vectorizer {
            config,
            index,
            idf,
            word,
        }
    }

    pub fn len(&self) -> usize {
        self.idf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.idf.is_empty()
    }

    /// Whether feature index `f` is a word feature.
    pub fn is_word(&self, f: u32) -> bool {
        self.word[f as usize]
    }

    pub fn index_of(&self, hash: u64) -> Option<u32> {
        self.index.get(&hash).copied()
    }

    /// TF-IDF (sublinear tf) of a document's feature hashes, L2-normalised; unknown features dropped.
    ///
    /// The features come out in ascending index order without a sort: each known feature is
    /// counted in a per-thread dense table and marked in a two-level bitmap (a bit per feature and
    /// a bit per non-empty bitmap word), which is then read in order and cleared. Sorting the
    /// message's few hundred indices cost more than that walk.
    pub fn transform(&self, hashes: &[u64], out: &mut Sparse) {
        out.clear();
        TRANSFORM_SCRATCH.with(|s| {
            let s = &mut *s.borrow_mut();
            s.fit(self.idf.len());
            for h in hashes {
                if let Some(&f) = self.index.get(h) {
                    let f = f as usize;
                    s.counts[f] += 1;
                    s.bits[f / 64] |= 1 << (f % 64);
                    s.summary[f / 4096] |= 1 << (f / 64 % 64);
                }
            }
            let mut norms = [0.0f32; 2];
            for si in 0..s.summary.len() {
                let mut sw = std::mem::take(&mut s.summary[si]);
                while sw != 0 {
                    let wi = si * 64 + sw.trailing_zeros() as usize;
                    sw &= sw - 1;
                    let mut bw = std::mem::take(&mut s.bits[wi]);
                    while bw != 0 {
                        let f = wi * 64 + bw.trailing_zeros() as usize;
                        bw &= bw - 1;
                        let tf = std::mem::take(&mut s.counts[f]) as f32;
                        let w = (1.0 + tf.ln()) * self.idf[f];
                        norms[self.word[f] as usize] += w * w;
                        out.push((f as u32, w));
                    }
                }
            }
            self.finish_groups(norms, out);
        });
    }

    /// Normalises the word and character groups of `out` apart (see [`FeatureConfig::word_share`]).
    fn finish_groups(&self, norms: [f32; 2], out: &mut Sparse) {
        let share = self.config.word_share;
        let scale = |norm: f32, share: f32| {
            if norm > 0.0 {
                share.sqrt() / norm.sqrt()
            } else {
                0.0
            }
        };
        let mut group = [scale(norms[0], 1.0 - share), scale(norms[1], share)];
        // A message with only one group present puts all its weight there.
        if norms[0] == 0.0 || norms[1] == 0.0 {
            group = [scale(norms[0], 1.0), scale(norms[1], 1.0)];
        }
        for (f, w) in out.iter_mut() {
            *w *= group[self.word[*f as usize] as usize];
        }
    }
}

impl Vectorizer {
    /// The word features of `v` alone, L2-normalised.
    pub fn word_part(&self, v: &[(u32, f32)]) -> Sparse {
        let mut out: Sparse = v
            .iter()
            .copied()
            .filter(|(f, _)| self.word[*f as usize])
            .collect();
        let norm = out.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in out.iter_mut() {
                *w /= norm;
            }
        }
        out
    }
}

/// Dot product of two sparse vectors (indices ascending).
pub fn dot(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}
