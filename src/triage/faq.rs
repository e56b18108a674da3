//! FAQ retrieval: BM25 over each article's questions (title and alternative questions, scored one by
//! one, best kept) and over its body and tags, with per-field weights. Stemmed per language.

use std::cell::RefCell;

use rust_stemmers::{Algorithm, Stemmer};

use super::features::{IdMap, word_hash};
use crate::pack::Article;

/// Ranking settings; defaults chosen on StackFAQ's `paraphrase` split (the `test` split stays unseen).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaqConfig {
    pub k1: f32,
    pub b: f32,
    pub question_weight: f32,
    pub body_weight: f32,
}

impl Default for FaqConfig {
    fn default() -> Self {
        FaqConfig {
            k1: 1.2,
            b: 0.75,
            question_weight: 1.0,
            body_weight: 0.5,
        }
    }
}

const STOP_EN: &[&str] = &[
    "a", "an", "the", "i", "me", "my", "is", "are", "am", "be", "to", "of", "in", "on", "for",
    "and", "or", "it", "do", "does", "can", "how", "what", "this", "that", "with", "at", "you",
    "your", "we", "please", "pls",
];
const STOP_PL: &[&str] = &[
    "i", "w", "we", "z", "ze", "na", "do", "o", "od", "sie", "jak", "co", "czy", "to", "jest",
    "mi", "mnie", "moj", "moje", "moja", "prosze", "a", "ale", "po", "za", "ten", "ta", "te",
    "jak", "mam", "nie",
];

/// Turns normalised tokens into index terms for `language`: stop words dropped, words stemmed
/// (Snowball for English; for Polish, whose inflection Snowball does not cover, the first six letters).
pub struct Analyzer {
    english: Stemmer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            english: Stemmer::create(Algorithm::English),
        }
    }
}

impl Analyzer {
    pub fn terms(&self, tokens: &[String], language: &str, out: &mut Vec<u64>) {
        for t in tokens {
            match language {
                "pl" => {
                    if STOP_PL.contains(&t.as_str()) {
                        continue;
                    }
                    let end = t.char_indices().nth(6).map(|(i, _)| i).unwrap_or(t.len());
                    out.push(word_hash(&t[..end]));
                }
                "en" => {
                    if STOP_EN.contains(&t.as_str()) {
                        continue;
                    }
                    out.push(word_hash(&self.english.stem(t)));
                }
                _ => out.push(word_hash(t)),
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Question,
    Body,
}

#[derive(Debug, Clone)]
struct Unit {
    article: u32,
    kind: Kind,
    len: f32,
}

/// An article with its retrieval score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub article: usize,
    pub score: f32,
}

/// The search index over a pack's articles.
pub struct FaqIndex {
    config: FaqConfig,
    analyzer: Analyzer,
    languages: Vec<String>,
    units: Vec<Unit>,
    postings: IdMap<Vec<(u32, f32)>>,
    /// Per kind: number of units and average length.
    stats: [(f32, f32); 2],
    article_language: Vec<u16>,
}

thread_local! {
    static SCRATCH: RefCell<(Vec<f32>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

impl FaqIndex {
    pub fn build(articles: &[Article], config: FaqConfig) -> FaqIndex {
        let analyzer = Analyzer::default();
        let mut languages: Vec<String> = Vec::new();
        let mut units = Vec::new();
        let mut postings: IdMap<Vec<(u32, f32)>> = IdMap::default();
        let mut article_language = Vec::new();
        let mut terms = Vec::new();
        let mut add = |units: &mut Vec<Unit>, article: usize, kind: Kind, terms: &mut Vec<u64>| {
            let u = units.len() as u32;
            units.push(Unit {
                article: article as u32,
                kind,
                len: terms.len() as f32,
            });
            terms.sort_unstable();
            let mut i = 0;
            while i < terms.len() {
                let mut j = i;
                while j < terms.len() && terms[j] == terms[i] {
                    j += 1;
                }
                postings
                    .entry(terms[i])
                    .or_default()
                    .push((u, (j - i) as f32));
                i = j;
            }
            terms.clear();
        };
        for (a, art) in articles.iter().enumerate() {
            let lang = match languages.iter().position(|l| *l == art.language) {
                Some(i) => i,
                None => {
                    languages.push(art.language.clone());
                    languages.len() - 1
                }
            };
            article_language.push(lang as u16);
            for q in std::iter::once(&art.title).chain(&art.questions) {
                let n = super::normalize::normalize(q);
                analyzer.terms(&n.tokens, &art.language, &mut terms);
                add(&mut units, a, Kind::Question, &mut terms);
            }
            let body = format!("{} {} {}", art.body, art.tags.join(" "), art.tags.join(" "));
            let n = super::normalize::normalize_with_limit(&body, usize::MAX);
            analyzer.terms(&n.tokens, &art.language, &mut terms);
            add(&mut units, a, Kind::Body, &mut terms);
        }
        let mut stats = [(0.0f32, 0.0f32); 2];
        for u in &units {
            let s = &mut stats[u.kind as usize];
            s.0 += 1.0;
            s.1 += u.len;
        }
        for s in stats.iter_mut() {
            if s.0 > 0.0 {
                s.1 /= s.0;
            }
        }
        FaqIndex {
            config,
            analyzer,
            languages,
            units,
            postings,
            stats,
            article_language,
        }
    }

    /// Ranks articles in `language` (all languages when `None`) for the normalised query tokens; best
    /// first, at most `limit`, only articles sharing at least one term with the query.
    pub fn search(&self, tokens: &[String], language: Option<&str>, limit: usize) -> Vec<Hit> {
        let lang_filter =
            language.map(|l| self.languages.iter().position(|x| x == l).map(|i| i as u16));
        if let Some(None) = lang_filter {
            return Vec::new();
        }
        let analyzer_lang = language.unwrap_or("");
        let mut terms = Vec::with_capacity(tokens.len());
        self.analyzer.terms(tokens, analyzer_lang, &mut terms);
        terms.sort_unstable();
        terms.dedup();
        let FaqConfig {
            k1,
            b,
            question_weight,
            body_weight,
        } = self.config;
        SCRATCH.with(|s| {
            let (acc, touched) = &mut *s.borrow_mut();
            acc.resize(self.units.len(), 0.0);
            for t in &terms {
                let Some(list) = self.postings.get(t) else {
                    continue;
                };
                // Document frequency per kind, for the kind's own IDF.
                let mut df = [0f32; 2];
                for &(u, _) in list {
                    df[self.units[u as usize].kind as usize] += 1.0;
                }
                for &(u, tf) in list {
                    let unit = &self.units[u as usize];
                    let lang = self.article_language[unit.article as usize];
                    if let Some(Some(l)) = lang_filter
                        && l != lang
                    {
                        continue;
                    }
                    let (n, avg) = self.stats[unit.kind as usize];
                    let d = df[unit.kind as usize];
                    let idf = (1.0 + (n - d + 0.5) / (d + 0.5)).ln();
                    let norm =
                        tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * unit.len / avg.max(1.0)));
                    if acc[u as usize] == 0.0 {
                        touched.push(u);
                    }
                    acc[u as usize] += idf * norm;
                }
            }
            // Per article: the best question's score and the body's score.
            let mut folded: Vec<(u32, f32, f32)> = Vec::new();
            let mut by_article: IdMap<usize> = IdMap::default();
            for &u in touched.iter() {
                let unit = &self.units[u as usize];
                let score = acc[u as usize];
                acc[u as usize] = 0.0;
                let slot = *by_article.entry(unit.article as u64).or_insert_with(|| {
                    folded.push((unit.article, 0.0, 0.0));
                    folded.len() - 1
                });
                let f = &mut folded[slot];
                match unit.kind {
                    Kind::Question => f.1 = f.1.max(score),
                    Kind::Body => f.2 += score,
                }
            }
            touched.clear();
            let mut best: Vec<Hit> = folded
                .into_iter()
                .map(|(a, q, body)| Hit {
                    article: a as usize,
                    score: question_weight * q + body_weight * body,
                })
                .collect();
            best.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.article.cmp(&y.article)));
            best.truncate(limit);
            best
        })
    }
}
