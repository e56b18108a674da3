//! Triage: one decision per message (which intent, how sure, what to do first, which FAQ articles),
//! from intent rules, a classifier learned from the pack's examples, and FAQ search.
//!
//! Invariant: this module is pure. It does no I/O and knows no platform; given a loaded [`Pack`] and
//! a message it returns a [`Decision`], the same one every time.

pub mod faq;
pub mod features;
pub mod lang;
pub mod model;
pub mod normalize;
pub mod rules;

use std::time::Instant;

use serde::Serialize;

use crate::pack::{Action, Pack, Priority};
use faq::{FaqConfig, FaqIndex};
use features::{FeatureConfig, Sparse, Vectorizer, extract};
use lang::LangModel;
use model::{Linear, TrainConfig, softmax};
use normalize::{MAX_INPUT_BYTES, Normalized, normalize};
use rules::RuleSet;

/// The intent id of messages the pack does not cover.
pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// How many logits a rule of weight 1.0 adds to its intent.
const RULE_SCALE: f32 = 4.0;

/// Engine settings; the defaults are what the CLI and the desk use.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EngineConfig {
    pub features: FeatureConfig,
    pub train: TrainConfig,
    pub faq: FaqConfig,
}

/// What the desk should do first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NextAction {
    Answer,
    Ask,
    Escalate,
    /// Out of scope: offer FAQ search or a human.
    Fallback,
}

impl From<Action> for NextAction {
    fn from(a: Action) -> Self {
        match a {
            Action::Answer => NextAction::Answer,
            Action::Ask => NextAction::Ask,
            Action::Escalate => NextAction::Escalate,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaqHit {
    pub id: String,
    pub title: String,
    pub score: f32,
}

/// A rule that fired, for the explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleHit {
    /// `intent#n`, n counting the intent's rules from 1.
    pub id: String,
    pub intent: String,
    pub rule: String,
    pub weight: f32,
}

/// The triage decision for one message. Serialises to the `frontline triage` JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// An intent id, or [`OUT_OF_SCOPE`].
    pub intent: String,
    pub confidence: f32,
    pub action: NextAction,
    pub priority: Option<Priority>,
    /// Best first, at most three.
    pub faq: Vec<FaqHit>,
    pub language: String,
    /// One line a person can read: what drove the decision.
    pub why: String,
    /// The message was longer than [`MAX_INPUT_BYTES`] and only its start was read.
    pub truncated: bool,
    /// Rules that fired, for any intent.
    pub rules: Vec<RuleHit>,
    /// The training example most like the message, within the chosen intent.
    pub example: Option<String>,
    /// The classifier's own probability for the chosen intent, before rules.
    pub model_confidence: f32,
}

impl Decision {
    pub fn is_out_of_scope(&self) -> bool {
        self.intent == OUT_OF_SCOPE
    }
}

/// A message's class scores: what the classifier and rules say, before FAQ search. The per-class
/// vectors live in per-thread scratch (see [`ScoreScratch`]); only what a decision reads is kept.
#[derive(Debug, Clone)]
pub struct Scores {
    pub best: usize,
    /// The classifier's own probability for `best`, before rules.
    pub model_confidence: f32,
    /// Feature hashes of the message (shared with language detection).
    pub hashes: Vec<u64>,
    pub vector: Sparse,
    pub rule_hits: Vec<usize>,
    /// Share of the message's words seen in training (unseen words hint at out-of-scope).
    pub coverage: f32,
    /// The best class's probability discounted by unseen words: `p * coverage`. On CLINC150 this
    /// separates out-of-scope messages better than the probability alone (see README).
    pub confidence: f32,
}

/// Per-thread buffers of [`Triage::scores`] and [`Triage::nearest_example`], reused across
/// messages so a decision does not allocate one vector per class count (500 classes: 2 KiB each).
#[derive(Default)]
struct ScoreScratch {
    logits: Vec<f32>,
    model_probs: Vec<f32>,
    probs: Vec<f32>,
    sims: Vec<f32>,
}

thread_local! {
    static SCORE_SCRATCH: std::cell::RefCell<ScoreScratch> =
        std::cell::RefCell::new(ScoreScratch::default());
}

/// A triage engine built from a pack: rules compiled, classifier trained, FAQ indexed.
pub struct Triage {
    pack: Pack,
    rules: RuleSet,
    /// For each rule in `rules`: (intent index, rule index in the intent).
    rule_owner: Vec<(usize, usize)>,
    /// For each rule in `rules`: its explanation entry, formatted once when the pack loads.
    rule_hits: Vec<RuleHit>,
    vectorizer: Vectorizer,
    model: Linear,
    /// Class index -> intent index; `None` is the pack's out-of-scope class.
    class_intent: Vec<Option<usize>>,
    intent_class: Vec<usize>,
    /// Training examples' text, per class.
    examples: Vec<Vec<String>>,
    /// The examples' word features as an inverted index (CSR): feature `f`'s postings are
    /// `example_postings[example_offsets[f]..example_offsets[f + 1]]`, each (class, example in the
    /// class, weight), sorted by class then example. The nearest example then costs the message's
    /// few words, not a dot product with every example of the class.
    example_offsets: Vec<u32>,
    example_postings: Vec<(u32, u32, f32)>,
    lang: LangModel,
    faq: FaqIndex,
    threshold: f32,
    default_language: usize,
    /// Milliseconds spent building the engine.
    pub build_ms: f64,
}

impl Triage {
    pub fn new(pack: Pack) -> Result<Triage, Box<regex_automata::meta::BuildError>> {
        Triage::with_config(pack, EngineConfig::default())
    }

    pub fn with_config(
        pack: Pack,
        config: EngineConfig,
    ) -> Result<Triage, Box<regex_automata::meta::BuildError>> {
        let started = Instant::now();
        let mut patterns = Vec::new();
        let mut rule_owner = Vec::new();
        for (i, intent) in pack.intents.iter().enumerate() {
            for (r, rule) in intent.rules.iter().enumerate() {
                patterns.push(rule.regex());
                rule_owner.push((i, r));
            }
        }
        let rules = RuleSet::new(&patterns)?;
        let rule_hits = rule_owner
            .iter()
            .map(|&(i, k)| {
                let rule = &pack.intents[i].rules[k];
                RuleHit {
                    id: format!("{}#{}", pack.intents[i].id, k + 1),
                    intent: pack.intents[i].id.clone(),
                    rule: rule.describe(),
                    weight: rule.weight,
                }
            })
            .collect();

        let mut class_intent: Vec<Option<usize>> = (0..pack.intents.len()).map(Some).collect();
        let intent_class: Vec<usize> = (0..pack.intents.len()).collect();
        let mut texts: Vec<(usize, &str, &str)> = Vec::new();
        for (i, intent) in pack.intents.iter().enumerate() {
            for e in &intent.examples {
                texts.push((i, &e.text, &e.language));
            }
        }
        if !pack.out_of_scope.is_empty() {
            class_intent.push(None);
            let c = class_intent.len() - 1;
            for e in &pack.out_of_scope {
                texts.push((c, &e.text, &e.language));
            }
        }
        let normalized: Vec<Normalized> = texts.iter().map(|(_, t, _)| normalize(t)).collect();
        let hashes: Vec<Vec<u64>> = normalized
            .iter()
            .map(|n| {
                let mut h = Vec::new();
                extract(&n.tokens, &config.features, &mut h);
                h
            })
            .collect();
        let vectorizer = Vectorizer::fit(config.features, &hashes);
        let mut xs = Vec::with_capacity(hashes.len());
        for h in &hashes {
            let mut v = Sparse::new();
            vectorizer.transform(h, &mut v);
            xs.push(v);
        }
        let ys: Vec<usize> = texts.iter().map(|(c, _, _)| *c).collect();
        let model = Linear::train(
            &xs,
            &ys,
            vectorizer.len(),
            class_intent.len(),
            &config.train,
        );
        let mut examples: Vec<Vec<String>> = vec![Vec::new(); class_intent.len()];
        let mut example_words: Vec<Vec<(u32, Sparse)>> = vec![Vec::new(); class_intent.len()];
        for (x, (c, t, _)) in xs.iter().zip(&texts) {
            example_words[*c].push((examples[*c].len() as u32, vectorizer.word_part(x)));
            examples[*c].push(t.to_string());
        }
        let mut example_offsets = vec![0u32; vectorizer.len() + 1];
        for (f, _) in example_words.iter().flatten().flat_map(|(_, x)| x) {
            example_offsets[*f as usize + 1] += 1;
        }
        for f in 0..vectorizer.len() {
            example_offsets[f + 1] += example_offsets[f];
        }
        let mut example_postings =
            vec![(0u32, 0u32, 0f32); example_offsets[vectorizer.len()] as usize];
        let mut fill = example_offsets.clone();
        for (c, list) in example_words.iter().enumerate() {
            for (e, x) in list {
                for &(f, w) in x {
                    example_postings[fill[f as usize] as usize] = (c as u32, *e, w);
                    fill[f as usize] += 1;
                }
            }
        }

        let lang_index = |l: &str| pack.languages.iter().position(|x| x == l).unwrap_or(0);
        // Only a pack with several languages needs a language model.
        let mut lang_samples: Vec<(usize, Vec<u64>)> = Vec::new();
        if pack.languages.len() > 1 {
            lang_samples = texts
                .iter()
                .zip(hashes)
                .map(|((_, _, l), h)| (lang_index(l), h))
                .collect();
            for a in &pack.articles {
                let text = format!("{} {} {}", a.title, a.questions.join(" "), a.body);
                let mut h = Vec::new();
                extract(
                    &normalize::normalize_with_limit(&text, usize::MAX).tokens,
                    &config.features,
                    &mut h,
                );
                lang_samples.push((lang_index(&a.language), h));
            }
        }
        let lang = LangModel::train(&pack.languages, &lang_samples);
        let faq = FaqIndex::build(&pack.articles, config.faq);
        let default_language = lang_index(&pack.default_language);
        let threshold = pack.threshold;
        Ok(Triage {
            pack,
            rules,
            rule_owner,
            rule_hits,
            vectorizer,
            model,
            class_intent,
            intent_class,
            examples,
            example_offsets,
            example_postings,
            lang,
            faq,
            threshold,
            default_language,
            build_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Sets the out-of-scope threshold (e.g. one tuned on a validation set).
    pub fn set_threshold(&mut self, t: f32) {
        self.threshold = t;
    }

    /// The intent id of class `c`, or [`OUT_OF_SCOPE`].
    pub fn class_label(&self, c: usize) -> &str {
        match self.class_intent[c] {
            Some(i) => &self.pack.intents[i].id,
            None => OUT_OF_SCOPE,
        }
    }

    /// Number of features the classifier learned.
    pub fn feature_count(&self) -> usize {
        self.vectorizer.len()
    }

    /// Bytes held by the classifier's weights.
    pub fn model_bytes(&self) -> usize {
        self.model.size_bytes()
    }

    /// Classifier and rule scores of a normalised message.
    pub fn scores(&self, n: &Normalized) -> Scores {
        let mut hashes = Vec::with_capacity(n.tokens.len() * 16);
        extract(&n.tokens, &self.vectorizer.config, &mut hashes);
        let known = hashes[..n.tokens.len()]
            .iter()
            .filter(|h| self.vectorizer.index_of(**h).is_some())
            .count();
        let coverage = if n.tokens.is_empty() {
            0.0
        } else {
            known as f32 / n.tokens.len() as f32
        };
        let mut vector = Sparse::with_capacity(hashes.len());
        self.vectorizer.transform(&hashes, &mut vector);
        SCORE_SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            let ScoreScratch {
                logits,
                model_probs,
                probs,
                ..
            } = scratch;
            logits.clear();
            logits.resize(self.model.classes, 0.0);
            self.model.scores(&vector, logits);
            model_probs.clear();
            model_probs.extend_from_slice(logits);
            softmax(model_probs);
            let mut rule_hits = Vec::new();
            if !self.rule_owner.is_empty() && !n.text.is_empty() {
                rule_hits = self.rules.matches(n.text.as_bytes());
                for &r in &rule_hits {
                    let (i, k) = self.rule_owner[r];
                    logits[self.intent_class[i]] +=
                        RULE_SCALE * self.pack.intents[i].rules[k].weight;
                }
            }
            let probs: &[f32] = if rule_hits.is_empty() {
                model_probs
            } else {
                probs.clear();
                probs.extend_from_slice(logits);
                softmax(probs);
                probs
            };
            let mut best = 0;
            for (c, p) in probs.iter().enumerate() {
                if *p > probs[best] {
                    best = c;
                }
            }
            let probs_best = probs[best];
            // A positive rule of the winner is the pack author's word that the message is in
            // scope: unseen words (typos, names) then do not discount the confidence.
            let vouched = rule_hits.iter().any(|&r| {
                let (i, k) = self.rule_owner[r];
                self.intent_class[i] == best && self.pack.intents[i].rules[k].weight > 0.0
            });
            let coverage = if vouched { 1.0 } else { coverage };
            Scores {
                best,
                model_confidence: model_probs[best],
                hashes,
                vector,
                rule_hits,
                coverage,
                confidence: probs_best * coverage,
            }
        })
    }

    /// The training example of class `c` sharing most words with the message (cosine over word
    /// features: cheap, and what a person reading the explanation can check), with its similarity.
    pub fn nearest_example(&self, s: &Scores, c: usize) -> Option<(f32, &str)> {
        // The message's word features, L2-normalised as `Vectorizer::word_part` does (same
        // operations, without building the vector).
        let is_word = |f: u32| self.vectorizer.is_word(f);
        let norm = s
            .vector
            .iter()
            .filter(|(f, _)| is_word(*f))
            .map(|(_, w)| w * w)
            .sum::<f32>()
            .sqrt();
        SCORE_SCRATCH.with(|scratch| {
            let sims = &mut scratch.borrow_mut().sims;
            sims.clear();
            sims.resize(self.examples[c].len(), 0.0);
            // Each example's similarity sums its shared features' products in ascending feature
            // order, as the sparse dot product of the two vectors does.
            for &(f, mw) in s.vector.iter().filter(|(f, _)| is_word(*f)) {
                let mw = if norm > 0.0 { mw / norm } else { mw };
                let list = &self.example_postings[self.example_offsets[f as usize] as usize
                    ..self.example_offsets[f as usize + 1] as usize];
                let lo = list.partition_point(|p| (p.0 as usize) < c);
                let hi = lo + list[lo..].partition_point(|p| p.0 as usize == c);
                for &(_, e, w) in &list[lo..hi] {
                    sims[e as usize] += w * mw;
                }
            }
            // The last of equal maxima, like `Iterator::max_by`.
            let mut best: Option<usize> = None;
            for (e, sim) in sims.iter().enumerate() {
                if best.is_none_or(|b| sim.total_cmp(&sims[b]).is_ge()) {
                    best = Some(e);
                }
            }
            best.map(|e| (sims[e], self.examples[c][e].as_str()))
                .filter(|(sim, _)| *sim > 0.0)
        })
    }

    /// The predicted label of a message and its confidence, with the out-of-scope threshold applied.
    pub fn classify(&self, text: &str) -> (&str, f32) {
        let n = normalize(text);
        let s = self.scores(&n);
        let p = s.confidence;
        if n.tokens.is_empty() || p < self.threshold {
            (OUT_OF_SCOPE, p)
        } else {
            (self.class_label(s.best), p)
        }
    }

    /// The whole decision for one message.
    pub fn decide(&self, text: &str) -> Decision {
        let n = normalize(text);
        let mut why = Vec::new();
        if n.truncated {
            why.push(format!(
                "message truncated to its first {MAX_INPUT_BYTES} bytes"
            ));
        }
        if n.tokens.is_empty() {
            why.push("no words to classify".to_string());
            return Decision {
                intent: OUT_OF_SCOPE.into(),
                confidence: 0.0,
                action: NextAction::Fallback,
                priority: None,
                faq: vec![],
                language: self.pack.languages[self.default_language].clone(),
                why: why.join("; "),
                truncated: n.truncated,
                rules: vec![],
                example: None,
                model_confidence: 0.0,
            };
        }
        let s = self.scores(&n);
        let language_idx = self
            .lang
            .detect(&s.hashes, n.polish_letters, self.default_language);
        let language = self.pack.languages[language_idx].clone();
        let confidence = s.confidence;
        let rules: Vec<RuleHit> = s
            .rule_hits
            .iter()
            .map(|&r| self.rule_hits[r].clone())
            .collect();
        let intent = self.class_intent[s.best].filter(|_| confidence >= self.threshold);
        // The nearest training example of the winning class explains the learned score.
        let example = self.nearest_example(&s, s.best);
        let model_confidence = s.model_confidence;
        let label = self.class_label(s.best).to_string();
        match (&example, intent) {
            (Some((sim, t)), _) => why.push(format!(
                "{label}: classifier {model_confidence:.2}, nearest example \"{t}\" (similarity {sim:.2})"
            )),
            (None, _) => why.push(format!("{label}: classifier {model_confidence:.2}, no similar example")),
        }
        // Rules that moved the winner: its own, and other intents' rules that fired (by id, the full
        // rule text is in `rules`).
        let fired: Vec<String> = rules
            .iter()
            .map(|r| format!("{} {:+.1}", r.id, r.weight))
            .collect();
        if !fired.is_empty() {
            why.push(format!("rules {}", fired.join(", ")));
        }
        if intent.is_none() {
            why.push(if self.class_intent[s.best].is_none() {
                "closest to the pack's out-of-scope examples".to_string()
            } else {
                format!(
                    "confidence {confidence:.2} below threshold {:.2}",
                    self.threshold
                )
            });
        }
        // Off-topic chatter recognised as such gets no articles; an unsure intent gets strong hits only.
        let faq = if self.class_intent[s.best].is_none() {
            Vec::new()
        } else {
            self.faq_for(&n, &language, intent)
        };
        let (name, action, priority) = match intent {
            Some(i) => {
                let it = &self.pack.intents[i];
                (
                    it.id.clone(),
                    NextAction::from(it.action),
                    Some(it.priority),
                )
            }
            None => (OUT_OF_SCOPE.to_string(), NextAction::Fallback, None),
        };
        Decision {
            intent: name,
            confidence,
            action,
            priority,
            faq,
            language,
            why: why.join("; "),
            truncated: n.truncated,
            rules,
            example: example.map(|(_, t)| t.to_string()),
            model_confidence,
        }
    }

    /// FAQ articles for a decision: the intent's own articles ranked by how well they match the
    /// message, then any strong search hit; for out-of-scope messages, search hits alone.
    fn faq_for(&self, n: &Normalized, language: &str, intent: Option<usize>) -> Vec<FaqHit> {
        let linked: &[String] = match intent {
            Some(i) => &self.pack.intents[i].faq,
            None => &[],
        };
        if intent.is_some() && linked.is_empty() {
            return Vec::new();
        }
        let hits = self.faq.search(&n.tokens, Some(language), 10);
        let articles = &self.pack.articles;
        let mut out: Vec<FaqHit> = Vec::new();
        for h in &hits {
            let a = &articles[h.article];
            // Search scores are unbounded; s / (s + 5) maps them to 0..1 keeping the order.
            let mut score = h.score / (h.score + 5.0);
            if linked.contains(&a.id) {
                score = 0.5 + score / 2.0;
            } else if score < 0.6 {
                // Articles outside the intent's own are offered only on a strong match.
                continue;
            } else if intent.is_some() {
                // ...and rank below the intent's own, which the pack author chose for it.
                score /= 2.0;
            }
            out.push(FaqHit {
                id: a.id.clone(),
                title: a.title.clone(),
                score,
            });
        }
        for id in linked {
            if !out.iter().any(|h| &h.id == id)
                && let Some(a) = self.pack.article(id, language)
            {
                out.push(FaqHit {
                    id: a.id.clone(),
                    title: a.title.clone(),
                    score: 0.5,
                });
            }
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(3);
        out
    }

    /// Ranks FAQ articles for free text (the `/faq` command and `eval-faq`).
    pub fn search_faq(&self, text: &str, language: Option<&str>, limit: usize) -> Vec<faq::Hit> {
        let n = normalize(text);
        self.faq.search(&n.tokens, language, limit)
    }
}
