//! Language identification among a pack's languages: naive Bayes over the character n-grams the
//! classifier already extracted (no second pass over the text), learned from the pack's own
//! examples and articles, plus the strong hint of Polish letters (ą, ł, ż, ...).

use super::features::{IdMap, is_word_feature};

pub struct LangModel {
    languages: Vec<String>,
    /// Per character n-gram hash: where its log-probabilities (one per language) start in `table`.
    /// One flat table instead of a vector per n-gram saves a pointer chase per lookup.
    logp: IdMap<u32>,
    table: Vec<f32>,
    /// Log-probability of an unseen n-gram, per language.
    unseen: Vec<f32>,
}

impl LangModel {
    /// Learns from `(language index, feature hashes)` samples; word features are ignored.
    pub fn train(languages: &[String], samples: &[(usize, Vec<u64>)]) -> LangModel {
        let l = languages.len();
        let mut counts: IdMap<Vec<f32>> = IdMap::default();
        let mut totals = vec![0f32; l];
        for (lang, hashes) in samples {
            for &h in hashes.iter().filter(|h| !is_word_feature(**h)) {
                counts.entry(h).or_insert_with(|| vec![0.0; l])[*lang] += 1.0;
                totals[*lang] += 1.0;
            }
        }
        let v = counts.len() as f32 + 1.0;
        let unseen: Vec<f32> = totals.iter().map(|t| (1.0 / (t + v)).ln()).collect();
        let mut logp: IdMap<u32> = IdMap::default();
        logp.reserve(counts.len());
        let mut table = Vec::with_capacity(counts.len() * l);
        for (h, c) in counts {
            logp.insert(h, table.len() as u32);
            table.extend(
                c.iter()
                    .zip(&totals)
                    .map(|(c, t)| ((c + 1.0) / (t + v)).ln()),
            );
        }
        LangModel {
            languages: languages.to_vec(),
            logp,
            table,
            unseen,
        }
    }

    /// The most likely language index for a message's feature hashes; `default` when there is
    /// nothing to go on.
    pub fn detect(&self, hashes: &[u64], polish_letters: bool, default: usize) -> usize {
        if self.languages.len() < 2 {
            return default;
        }
        if polish_letters && let Some(pl) = self.languages.iter().position(|l| l == "pl") {
            return pl;
        }
        let l = self.languages.len();
        let mut score = vec![0f32; l];
        let mut known = 0;
        for h in hashes.iter().filter(|h| !is_word_feature(**h)) {
            let lp = match self.logp.get(h) {
                Some(&at) => {
                    known += 1;
                    &self.table[at as usize..at as usize + l]
                }
                None => &self.unseen[..],
            };
            for (s, p) in score.iter_mut().zip(lp) {
                *s += p;
            }
        }
        if known == 0 {
            return default;
        }
        let mut best = default;
        for (i, s) in score.iter().enumerate() {
            if *s > score[best] {
                best = i;
            }
        }
        best
    }
}
