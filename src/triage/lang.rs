//! Language identification among a pack's languages: naive Bayes over the character n-grams the
//! classifier already extracted (no second pass over the text), learned from the pack's own
//! examples and articles, plus the strong hint of Polish letters (ą, ł, ż, ...).

use super::features::{IdMap, is_word_feature};

pub struct LangModel {
    languages: Vec<String>,
    /// Per character n-gram hash: log-probability per language.
    logp: IdMap<Vec<f32>>,
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
        let logp = counts
            .into_iter()
            .map(|(h, c)| {
                (
                    h,
                    c.iter()
                        .zip(&totals)
                        .map(|(c, t)| ((c + 1.0) / (t + v)).ln())
                        .collect(),
                )
            })
            .collect();
        LangModel {
            languages: languages.to_vec(),
            logp,
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
        let mut score = vec![0f32; self.languages.len()];
        let mut known = 0;
        for h in hashes.iter().filter(|h| !is_word_feature(**h)) {
            let lp = match self.logp.get(h) {
                Some(lp) => {
                    known += 1;
                    lp
                }
                None => &self.unseen,
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
