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
        out.extend(tokens.iter().filter_map(|t| self.term(t, language)));
    }

    /// The index term of one token, or `None` for a stop word.
    fn term(&self, t: &str, language: &str) -> Option<u64> {
        match language {
            "pl" => {
                if STOP_PL.contains(&t) {
                    return None;
                }
                let end = t.char_indices().nth(6).map(|(i, _)| i).unwrap_or(t.len());
                Some(word_hash(&t[..end]))
            }
            "en" => {
                if STOP_EN.contains(&t) {
                    return None;
                }
                Some(word_hash(&self.english.stem(t)))
            }
            _ => Some(word_hash(t)),
        }
    }
}

/// The analysed terms of the tokens seen in one language's articles, keyed by the token's word
/// hash (the token itself is kept to rule out a collision). A query's words are mostly the
/// articles' words, so a search looks their stems up here instead of running the stemmer and the
/// stop-word scan again (they were a tenth of a decision on the default pack).
#[derive(Default)]
struct TermCache {
    terms: IdMap<(Box<str>, Option<u64>)>,
}

impl TermCache {
    fn add(&mut self, analyzer: &Analyzer, tokens: &[String], language: &str) {
        for t in tokens {
            self.terms
                .entry(word_hash(t))
                .or_insert_with(|| (t.as_str().into(), analyzer.term(t, language)));
        }
    }

    /// Same as [`Analyzer::terms`], from the cache where it knows the token.
    fn terms(&self, analyzer: &Analyzer, tokens: &[String], language: &str, out: &mut Vec<u64>) {
        for t in tokens {
            let term = match self.terms.get(&word_hash(t)) {
                Some((known, term)) if **known == **t => *term,
                _ => analyzer.term(t, language),
            };
            out.extend(term);
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
/// computed once at build time instead of once per posting per query. Entries are in unit order.
struct Postings {
    lists: Box<[Vec<(u32, f32)>]>,
    /// Per language: the most this term can add to one article's final score
    /// (`question_weight * best question entry + body_weight * best body entry`), for pruning.
    bound: Box<[f32]>,
}

/// A term whose list is longer than this (and than 1/64 of the units) is "common": searches try to
/// rank without walking its list (see [`FaqIndex::search`]).
const COMMON_POSTINGS: usize = 256;

/// The search index over a pack's articles.
pub struct FaqIndex {
    config: FaqConfig,
    analyzer: Analyzer,
    languages: Vec<String>,
    units: Vec<Unit>,
    postings: IdMap<Postings>,
    /// Per article: its units (contiguous: questions, then body) and its language.
    article_units: Vec<(u32, u32)>,
    article_language: Vec<u16>,
    /// Per language: number of units.
    language_units: Vec<usize>,
    /// Per language: the analysed terms of its articles' tokens.
    term_cache: Vec<TermCache>,
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
        let mut term_cache: Vec<TermCache> = Vec::new();
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
                    term_cache.push(TermCache::default());
                    languages.len() - 1
                }
            };
            article_language.push(lang as u16);
            for q in std::iter::once(&art.title).chain(&art.questions) {
                let n = super::normalize::normalize(q);
                term_cache[lang].add(&analyzer, &n.tokens, &art.language);
                analyzer.terms(&n.tokens, &art.language, &mut terms);
                add(&mut units, &mut lens, a, Kind::Question, &mut terms);
            }
            let body = format!("{} {} {}", art.body, art.tags.join(" "), art.tags.join(" "));
            let n = super::normalize::normalize_with_limit(&body, usize::MAX);
            term_cache[lang].add(&analyzer, &n.tokens, &art.language);
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
        let FaqConfig {
            k1,
            b,
            question_weight,
            body_weight,
        } = config;
        let postings = raw
            .into_iter()
            .map(|(term, list)| {
                // Document frequency per kind, for the kind's own IDF (over all languages).
                let mut df = [0f32; 2];
                for &(u, _) in &list {
                    df[units[u as usize].kind as usize] += 1.0;
                }
                let mut lists = vec![Vec::new(); languages.len()].into_boxed_slice();
                let mut best = vec![[0f32; 2]; languages.len()];
                for (u, tf) in list {
                    let unit = &units[u as usize];
                    let (n, avg) = stats[unit.kind as usize];
                    let d = df[unit.kind as usize];
                    let idf = (1.0 + (n - d + 0.5) / (d + 0.5)).ln();
                    let len = lens[u as usize];
                    let norm = tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * len / avg.max(1.0)));
                    let score = idf * norm;
                    let l = article_language[unit.article as usize] as usize;
                    lists[l].push((u, score));
                    let m = &mut best[l][unit.kind as usize];
                    *m = m.max(score);
                }
                let bound = best
                    .iter()
                    .map(|[q, body]| question_weight * q + body_weight * body)
                    .collect();
                (term, Postings { lists, bound })
            })
            .collect();
        let mut article_units = vec![(0u32, 0u32); articles.len()];
        for (u, unit) in units.iter().enumerate() {
            let r = &mut article_units[unit.article as usize];
            if r.1 == 0 {
                r.0 = u as u32;
            }
            r.1 = u as u32 + 1;
        }
        let mut language_units = vec![0; languages.len()];
        for unit in &units {
            language_units[article_language[unit.article as usize] as usize] += 1;
        }
        FaqIndex {
            config,
            analyzer,
            languages,
            units,
            postings,
            article_units,
            article_language,
            language_units,
            term_cache,
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
        SCRATCH.with(|s| {
            let s = &mut *s.borrow_mut();
            let mut terms = std::mem::take(&mut s.terms);
            terms.clear();
            match lang_filter {
                Some(l) => {
                    self.term_cache[l].terms(&self.analyzer, tokens, analyzer_lang, &mut terms)
                }
                None => self.analyzer.terms(tokens, analyzer_lang, &mut terms),
            }
            terms.sort_unstable();
            terms.dedup();
            let articles = self.article_units.len();
            if s.acc.len() < self.units.len() {
                s.acc.resize(self.units.len(), 0.0);
            }
            if s.seen.len() < articles {
                s.question.resize(articles, 0.0);
                s.body.resize(articles, 0.0);
                s.seen.resize(articles, false);
            }
            // In ascending hash order: every unit's score adds its terms' contributions in this order.
            let found: Vec<&Postings> = terms.iter().filter_map(|t| self.postings.get(t)).collect();
            s.terms = terms;
            match self.search_pruned(s, &found, lang_filter, limit) {
                Some(hits) => hits,
                None => self.search_all(s, &found, lang_filter, limit),
            }
        })
    }

    /// The language lists of a term that a search with `lang_filter` walks.
    fn lists(p: &Postings, lang_filter: Option<usize>) -> &[Vec<(u32, f32)>] {
        match lang_filter {
            Some(l) => std::slice::from_ref(&p.lists[l]),
            None => &p.lists[..],
        }
    }

    /// Exhaustive ranking: every posting of every query term.
    fn search_all(
        &self,
        s: &mut Scratch,
        found: &[&Postings],
        lang_filter: Option<usize>,
        limit: usize,
    ) -> Vec<Hit> {
        let (acc, touched) = (&mut s.acc, &mut s.touched);
        for p in found {
            for list in Self::lists(p, lang_filter) {
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
        let FaqConfig {
            question_weight,
            body_weight,
            ..
        } = self.config;
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
        top(best, limit)
    }

    /// Exact top-`limit` without walking the common terms' long lists (MaxScore-style): articles
    /// reached by the rarer terms are scored exactly (every term, looked up in its list by unit
    /// range), and if the `limit`-th of them beats the most the common terms alone could give an
    /// article, no other article can enter the top. `None` when that proof fails: the caller then
    /// ranks exhaustively, so the result is always the exhaustive one.
    fn search_pruned(
        &self,
        s: &mut Scratch,
        found: &[&Postings],
        lang_filter: Option<usize>,
        limit: usize,
    ) -> Option<Vec<Hit>> {
        let FaqConfig {
            question_weight,
            body_weight,
            ..
        } = self.config;
        if limit == 0 || question_weight < 0.0 || body_weight < 0.0 {
            return None;
        }
        let units = match lang_filter {
            Some(l) => self.language_units[l],
            None => self.units.len(),
        };
        let cut = COMMON_POSTINGS.max(units / 64);
        let len = |p: &Postings| {
            Self::lists(p, lang_filter)
                .iter()
                .map(Vec::len)
                .sum::<usize>()
        };
        let mut common_bound = 0f32;
        let mut rare = 0;
        for p in found {
            if len(p) > cut {
                common_bound += match lang_filter {
                    Some(l) => p.bound[l],
                    None => p.bound.iter().copied().fold(0.0, f32::max),
                };
            } else {
                rare += 1;
            }
        }
        if rare == 0 || rare == found.len() {
            return None;
        }
        // Candidates: articles reached by a rare term.
        for p in found.iter().filter(|p| len(p) <= cut) {
            for list in Self::lists(p, lang_filter) {
                for &(u, _) in list {
                    let a = self.units[u as usize].article;
                    if !s.seen[a as usize] {
                        s.seen[a as usize] = true;
                        s.articles.push(a);
                    }
                }
            }
        }
        let mut candidates = std::mem::take(&mut s.articles);
        for &a in &candidates {
            s.seen[a as usize] = false;
        }
        let mut hits = Vec::new();
        if candidates.len() >= limit {
            candidates.sort_unstable();
            hits = self.exact_scores(&mut s.acc, found, &candidates);
        }
        s.articles = candidates;
        s.articles.clear();
        if hits.is_empty() {
            return None;
        }
        let hits = top(hits, limit);
        // A margin far above f32 rounding of the sums keeps the proof sound.
        let threshold = hits[limit - 1].score;
        (threshold > common_bound * 1.001 + 1e-6).then_some(hits)
    }

    /// The scores of `candidates` (ascending) computed as [`FaqIndex::search_all`] would: each unit
    /// sums its terms' contributions in term order, the best question and the body are weighted and
    /// added. Candidates' unit ranges ascend with them, so each term's list is walked once, galloping
    /// over the gaps. `acc` is all zeros on entry and on return.
    fn exact_scores(&self, acc: &mut [f32], found: &[&Postings], candidates: &[u32]) -> Vec<Hit> {
        let mut cursors = vec![0usize; self.languages.len()];
        for p in found {
            cursors.fill(0);
            for &a in candidates {
                let (start, end) = self.article_units[a as usize];
                let l = self.article_language[a as usize] as usize;
                let list = &p.lists[l];
                let mut i = seek(list, cursors[l], start);
                while i < list.len() && list[i].0 < end {
                    acc[list[i].0 as usize] += list[i].1;
                    i += 1;
                }
                cursors[l] = i;
            }
        }
        let FaqConfig {
            question_weight,
            body_weight,
            ..
        } = self.config;
        candidates
            .iter()
            .map(|&a| {
                let (start, end) = self.article_units[a as usize];
                let (mut question, mut body) = (0f32, 0f32);
                let (start, end) = (start as usize, end as usize);
                for (sum, unit) in acc[start..end].iter_mut().zip(&self.units[start..end]) {
                    let score = std::mem::take(sum);
                    if score == 0.0 {
                        continue;
                    }
                    match unit.kind {
                        Kind::Question => question = question.max(score),
                        Kind::Body => body += score,
                    }
                }
                Hit {
                    article: a as usize,
                    score: question_weight * question + body_weight * body,
                }
            })
            .collect()
    }
}

/// The first index at or after `i` whose unit is at least `target` (entries before `i` are below
/// it), by galloping: cheap both for the next entry and for a long jump in a long list.
fn seek(list: &[(u32, f32)], mut i: usize, target: u32) -> usize {
    let mut hi = i;
    let mut step = 1;
    while hi < list.len() && list[hi].0 < target {
        i = hi + 1;
        hi += step;
        step *= 2;
    }
    let hi = hi.min(list.len());
    i + list[i..hi].partition_point(|&(u, _)| u < target)
}

/// The best `limit` hits, best first: score descending, then article. That is a total order, so
/// selecting the top `limit` before sorting gives the same list as sorting everything.
fn top(mut hits: Vec<Hit>, limit: usize) -> Vec<Hit> {
    let order = |x: &Hit, y: &Hit| y.score.total_cmp(&x.score).then(x.article.cmp(&y.article));
    if limit == 0 {
        hits.clear();
    } else if hits.len() > limit {
        hits.select_nth_unstable_by(limit - 1, order);
        hits.truncate(limit);
    }
    hits.sort_unstable_by(order);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pruned search must return exactly what walking every posting returns.
    #[test]
    fn pruned_search_equals_exhaustive() {
        let pack = crate::tooling::synth::pack(100, 2, 2000);
        let index = FaqIndex::build(&pack.articles, FaqConfig::default());
        let mut pruned = 0;
        for m in crate::tooling::synth::messages(&pack, 300) {
            let n = super::super::normalize::normalize(&m);
            for limit in [1, 3, 10] {
                let hits = index.search(&n.tokens, Some("en"), limit);
                let all = SCRATCH.with(|s| {
                    let s = &mut *s.borrow_mut();
                    let mut terms = Vec::new();
                    index.analyzer.terms(&n.tokens, "en", &mut terms);
                    terms.sort_unstable();
                    terms.dedup();
                    let found: Vec<&Postings> =
                        terms.iter().filter_map(|t| index.postings.get(t)).collect();
                    if index.search_pruned(s, &found, Some(0), limit).is_some() {
                        pruned += 1;
                    }
                    index.search_all(s, &found, Some(0), limit)
                });
                assert_eq!(hits, all, "{m}");
            }
        }
        assert!(
            pruned > 100,
            "pruning was tried but rarely proved: {pruned}"
        );
    }
}
