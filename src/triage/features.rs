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

/// Hash of a word token (used by FAQ search too).
#[inline]
pub fn word_hash(token: &str) -> u64 {
    finish(fnv(FNV_OFFSET ^ 1, token.as_bytes()))
}

/// Which n-grams make up a message's features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureConfig {
    /// Word n-grams 1..=word_max.
    pub word_max: usize,
    /// Character n-grams char_min..=char_max inside each word padded with spaces.
    pub char_min: usize,
    pub char_max: usize,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            word_max: 2,
            char_min: 2,
            char_max: 5,
        }
    }
}

/// Kind tags folded into a feature hash; explanations only name word features.
pub const KIND_WORD: u64 = 0;

/// Appends the hashes of every feature occurrence of `tokens` to `out`.
pub fn extract(tokens: &[String], cfg: &FeatureConfig, out: &mut Vec<u64>) {
    for t in tokens {
        out.push(word_hash(t));
    }
    if cfg.word_max >= 2 {
        for w in tokens.windows(2) {
            let h = fnv(FNV_OFFSET ^ 2, w[0].as_bytes());
            let h = fnv(h, b" ");
            out.push(finish(fnv(h, w[1].as_bytes())));
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
                out.push(finish(fnv(seed, &padded[bounds[i]..bounds[i + n]])));
            }
        }
    }
}

/// A sparse vector: feature indices ascending, with their weights; L2-normalised.
pub type Sparse = Vec<(u32, f32)>;

/// Maps feature hashes to indices and inverse document frequencies, fitted on training texts.
#[derive(Debug, Clone, Default)]
pub struct Vectorizer {
    pub config: FeatureConfig,
    index: IdMap<u32>,
    idf: Vec<f32>,
}

impl Vectorizer {
    /// Fits the vocabulary on the feature hashes of each training document.
    pub fn fit(config: FeatureConfig, docs: &[Vec<u64>]) -> Vectorizer {
        let mut index: IdMap<u32> = IdMap::default();
        let mut df: Vec<u32> = Vec::new();
        let mut seen: Vec<u32> = Vec::new();
        for doc in docs {
            seen.clear();
            for &h in doc {
                let next = index.len() as u32;
                let i = *index.entry(h).or_insert(next);
                if i as usize == df.len() {
                    df.push(0);
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
        Vectorizer { config, index, idf }
    }

    pub fn len(&self) -> usize {
        self.idf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.idf.is_empty()
    }

    pub fn index_of(&self, hash: u64) -> Option<u32> {
        self.index.get(&hash).copied()
    }

    /// TF-IDF (sublinear tf) of a document's feature hashes, L2-normalised; unknown features dropped.
    pub fn transform(&self, hashes: &[u64], out: &mut Sparse) {
        out.clear();
        let mut idx: Vec<u32> = hashes
            .iter()
            .filter_map(|h| self.index.get(h).copied())
            .collect();
        idx.sort_unstable();
        let mut i = 0;
        let mut norm = 0.0f32;
        while i < idx.len() {
            let f = idx[i];
            let mut j = i;
            while j < idx.len() && idx[j] == f {
                j += 1;
            }
            let tf = (j - i) as f32;
            let w = (1.0 + tf.ln()) * self.idf[f as usize];
            norm += w * w;
            out.push((f, w));
            i = j;
        }
        if norm > 0.0 {
            let inv = 1.0 / norm.sqrt();
            for (_, w) in out.iter_mut() {
                *w *= inv;
            }
        }
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
