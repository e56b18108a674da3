//! Language identification among a pack's languages: naive Bayes over character trigrams learned from
//! the pack's own examples and articles, plus the strong hint of Polish letters (ą, ł, ż, ...).

use super::features::{FeatureConfig, IdMap, extract};

pub struct LangModel {
    languages: Vec<String>,
    /// Per trigram hash: log-probability per language.
    logp: IdMap<Vec<f32>>,
    /// Log-probability of an unseen trigram, per language.
    unseen: Vec<f32>,
}

const TRIGRAMS: FeatureConfig = FeatureConfig {
    word_max: 0,
    char_min: 3,
    char_max: 3,
    word_share: 0.0,
};

impl LangModel {
    /// Learns from `(language index, tokens)` samples.
    pub fn train(languages: &[String], samples: &[(usize, Vec<String>)]) -> LangModel {
        let l = languages.len();
        let mut counts: IdMap<Vec<f32>> = IdMap::default();
        let mut totals = vec![0f32; l];
        let mut buf = Vec::new();
        for (lang, tokens) in samples {
            buf.clear();
            extract(tokens, &TRIGRAMS, &mut buf);
            // `extract` emits word unigrams first; skip them, trigrams follow.
            for &h in &buf[tokens.len()..] {
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

    /// The most likely language index for these tokens; `default` when there is nothing to go on.
    pub fn detect(&self, tokens: &[String], polish_letters: bool, default: usize) -> usize {
        if self.languages.len() < 2 {
            return default;
        }
        if polish_letters && let Some(pl) = self.languages.iter().position(|l| l == "pl") {
            return pl;
        }
        let mut buf = Vec::new();
        extract(tokens, &TRIGRAMS, &mut buf);
        let mut score = vec![0f32; self.languages.len()];
        let mut known = 0;
        for h in &buf[tokens.len()..] {
            match self.logp.get(h) {
                Some(lp) => {
                    known += 1;
                    for (s, p) in score.iter_mut().zip(lp) {
                        *s += p;
                    }
                }
                None => {
                    for (s, p) in score.iter_mut().zip(&self.unseen) {
                        *s += p;
                    }
                }
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
