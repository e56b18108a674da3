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
}

/// An article with its retrieval score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub article: usize,
    pub score: f32,
}

/// One term's postings, split by article language so a language-filtered search never walks the
/// other languages' units; each entry carries its finished BM25 contribution (`idf * tf norm`),
/// computed once at build time instead of once per posting per query.
type Postings = Box<[Vec<(u32, f32)>]>;

/// The search index over a pack's articles.
pub struct FaqIndex {
    config: FaqConfig,
    analyzer: Analyzer,
    languages: Vec<String>,
    units: Vec<Unit>,
    postings: IdMap<Postings>,
    articles: usize,
}

/// Per-thread accumulators reused across searches (sized to the largest index seen), so a search
/// allocates only its result.
#[derive(Default)]
struct Scratch {
    /// Per unit: its score so far.
    acc: Vec<f32>,
    touched: Vec<u32>,
    /// Per article: best question score, body score, whether it is in `articles`.
    question: Vec<f32>,
    body: Vec<f32>,
    seen: Vec<bool>,
    articles: Vec<u32>,
    terms: Vec<u64>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl FaqIndex {
    pub fn build(articles: &[Article], config: FaqConfig) -> FaqIndex {
        let analyzer = Analyzer::default();
        let mut languages: Vec<String> = Vec::new();
        let mut units = Vec::new();
        let mut lens: Vec<f32> = Vec::new();
        let mut raw: IdMap<Vec<(u32, f32)>> = IdMap::default();
        let mut article_language = Vec::new();
        let mut terms = Vec::new();
        let mut add = |units: &mut Vec<Unit>,
                       lens: &mut Vec<f32>,
                       article: usize,
                       kind: Kind,
                       terms: &mut Vec<u64>| {
            let u = units.len() as u32;
            units.push(Unit {
                article: article as u32,
                kind,
            });
            lens.push(terms.len() as f32);
            terms.sort_unstable();
            let mut i = 0;
            while i < terms.len() {
                let mut j = i;
                while j < terms.len() && terms[j] == terms[i] {
                    j += 1;
                }
                raw.entry(terms[i]).or_default().push((u, (j - i) as f32));
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
                add(&mut units, &mut lens, a, Kind::Question, &mut terms);
            }
            let body = format!("{} {} {}", art.body, art.tags.join(" "), art.tags.join(" "));
            let n = super::normalize::normalize_with_limit(&body, usize::MAX);
            analyzer.terms(&n.tokens, &art.language, &mut terms);
            add(&mut units, &mut lens, a, Kind::Body, &mut terms);
        }
        // Per kind: number of units and average length.
        let mut stats = [(0.0f32, 0.0f32); 2];
        for (u, len) in units.iter().zip(&lens) {
            let s = &mut stats[u.kind as usize];
            s.0 += 1.0;
            s.1 += len;
        }
        for s in stats.iter_mut() {
            if s.0 > 0.0 {
                s.1 /= s.0;
            }
        }
        let FaqConfig { k1, b, .. } = config;
        let postings = raw
            .into_iter()
            .map(|(term, list)| {
                // Document frequency per kind, for the kind's own IDF (over all languages).
                let mut df = [0f32; 2];
                for &(u, _) in &list {
                    df[units[u as usize].kind as usize] += 1.0;
                }
                let mut split: Postings = vec![Vec::new(); languages.len()].into_boxed_slice();
                for (u, tf) in list {
                    let unit = &units[u as usize];
                    let (n, avg) = stats[unit.kind as usize];
                    let d = df[unit.kind as usize];
                    let idf = (1.0 + (n - d + 0.5) / (d + 0.5)).ln();
                    let len = lens[u as usize];
                    let norm = tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg.max(1.0)));
                    split[article_language[unit.article as usize] as usize].push((u, idf * norm));
                }
                (term, split)
            })
            .collect();
        FaqIndex {
            config,
            analyzer,
            languages,
            units,
            postings,
            articles: articles.len(),
        }
    }

    /// Ranks articles in `language` (all languages when `None`) for the normalised query tokens; best
    /// first, at most `limit`, only articles sharing at least one term with the query.
    pub fn search(&self, tokens: &[String], language: Option<&str>, limit: usize) -> Vec<Hit> {
        let lang_filter = match language {
            Some(l) => match self.languages.iter().position(|x| x == l) {
                Some(i) => Some(i),
                None => return Vec::new(),
            },
            None => None,
        };
        let analyzer_lang = language.unwrap_or("");
        let FaqConfig {
            question_weight,
            body_weight,
            ..
        } = self.config;
        SCRATCH.with(|s| {
            let s = &mut *s.borrow_mut();
            let terms = &mut s.terms;
            terms.clear();
            self.analyzer.terms(tokens, analyzer_lang, terms);
            terms.sort_unstable();
            terms.dedup();
            if s.acc.len() < self.units.len() {
                s.acc.resize(self.units.len(), 0.0);
            }
            if s.seen.len() < self.articles {
                s.question.resize(self.articles, 0.0);
                s.body.resize(self.articles, 0.0);
                s.seen.resize(self.articles, false);
            }
            let (acc, touched) = (&mut s.acc, &mut s.touched);
            // Terms in ascending hash order, each unit at most once per term: every unit's sum adds
            // the same contributions in the same order whatever the language split.
            for t in terms.iter() {
                let Some(split) = self.postings.get(t) else {
                    continue;
                };
                let lists = match lang_filter {
                    Some(l) => std::slice::from_ref(&split[l]),
                    None => &split[..],
                };
                for list in lists {
                    for &(u, score) in list {
                        let a = &mut acc[u as usize];
                        if *a == 0.0 {
                            touched.push(u);
                        }
                        *a += score;
                    }
                }
            }
            // Per article: the best question's score and the body's score.
            for &u in touched.iter() {
                let unit = &self.units[u as usize];
                let score = acc[u as usize];
                acc[u as usize] = 0.0;
                let a = unit.article as usize;
                if !s.seen[a] {
                    s.seen[a] = true;
                    s.articles.push(unit.article);
                }
                match unit.kind {
                    Kind::Question => s.question[a] = s.question[a].max(score),
                    Kind::Body => s.body[a] += score,
                }
            }
            touched.clear();
            let mut best: Vec<Hit> = Vec::with_capacity(s.articles.len());
            for &a in &s.articles {
                let a = a as usize;
                best.push(Hit {
                    article: a,
                    score: question_weight * s.question[a] + body_weight * s.body[a],
                });
                s.question[a] = 0.0;
                s.body[a] = 0.0;
                s.seen[a] = false;
            }
            s.articles.clear();
            // Score descending, then article: a total order, so selecting the top `limit` first
            // and sorting only those gives the same list as sorting everything.
            let order =
                |x: &Hit, y: &Hit| y.score.total_cmp(&x.score).then(x.article.cmp(&y.article));
            if limit == 0 {
                best.clear();
            } else if best.len() > limit {
                best.select_nth_unstable_by(limit - 1, order);
                best.truncate(limit);
            }
            best.sort_unstable_by(order);
            best
        })
    }
}
