//! Triage: one decision per message (which intent, how sure, what to do first, which FAQ articles),
//! from intent rules, a classifier learned from the pack's examples, and FAQ search.
//!
//! Invariant: this module is pure. It does no I/O and knows no platform; given a loaded [`Pack`] and
//! a message it returns a [`Decision`], the same one every time.

pub mod enrich;
pub mod faq;
pub mod features;
pub mod lang;
pub mod model;
pub mod normalize;
pub mod rules;
pub mod signals;

use std::time::Instant;

use serde::Serialize;

use crate::pack::{Action, Pack, Priority};
use enrich::Enricher;
use faq::{FaqConfig, FaqIndex};
use features::{FeatureConfig, Sparse, Vectorizer, extract};
use lang::LangModel;
use model::{Linear, TrainConfig, softmax};
use normalize::{MAX_INPUT_BYTES, Normalized, normalize};
use rules::RuleSet;
use signals::{Signal, SignalSet, Signals};

/// The intent id of messages the pack does not cover.
pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// The category of the pack's intent for reports of suspicious messages (`phishing_report`):
/// security signals do not turn such a report into an incident.
pub const PHISHING_CATEGORY: &str = "phishing";

/// How many logits a rule of weight 1.0 adds to its intent.
const RULE_SCALE: f32 = 4.0;

/// Below the threshold, a message is still given its best intent when the best FAQ article for it
/// is one of that intent's own and matches at least this well (search score mapped to 0..1), and
/// the confidence is at least [`FAQ_RESCUE_FLOOR`] times the threshold.
const FAQ_RESCUE: f32 = 0.5;
const FAQ_RESCUE_FLOOR: f32 = 0.5;

/// Two in-scope intents closer than this (probability after rules) are a close call: the desk asks
/// which one the user means. Chosen on the dev half of `tests/fixtures/people.jsonl`.
const CLARIFY_MARGIN: f32 = 0.12;

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
    /// A close call between two intents (`Decision::candidates`): ask the user which one.
    Clarify,
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

/// An intent the message may be about, for a clarifying question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub intent: String,
    pub confidence: f32,
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
    /// Why the priority is what it is, for a person: "security incident", "several people
    /// affected", "deadline today", "one person, one service", ...
    pub priority_reason: String,
    /// Impact signals found, among "security", "many_people", "deadline", "frustrated".
    pub signals: Vec<String>,
    /// With `action: clarify`, the two intents to choose from, best first; empty otherwise.
    pub candidates: Vec<Candidate>,
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
    /// The runner-up class and both probabilities after rules.
    pub second: usize,
    pub best_p: f32,
    pub second_p: f32,
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
    enricher: Enricher,
    signals: SignalSet,
    /// The intent security signals send a message to (the first of category `security`).
    security_intent: Option<usize>,
    /// Per intent: the index of its `if_widespread` intent.
    widespread: Vec<Option<usize>>,
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
        let enricher = Enricher::new(
            normalized.iter().map(|n| n.tokens.as_slice()),
            &pack.lexicon,
            config.features.stems,
            config.features.typos,
        );
        let hashes: Vec<Vec<u64>> = normalized
            .iter()
            .map(|n| {
                let mut h = Vec::new();
                extract(&n.tokens, &config.features, &mut h);
                // Training words are known by definition: no typo correction.
                enricher.extend(&n.tokens, |_| true, &mut h);
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
        let signals = SignalSet::new(&pack.signals)?;
        let security_intent = pack.intents.iter().position(|i| i.category == "security");
        let widespread = pack
            .intents
            .iter()
            .map(|i| {
                i.if_widespread
                    .as_ref()
                    .and_then(|t| pack.intents.iter().position(|x| &x.id == t))
            })
            .collect();
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
            enricher,
            signals,
            security_intent,
            widespread,
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
        let recognised = self.enricher.extend(
            &n.tokens,
            |h| self.vectorizer.index_of(h).is_some(),
            &mut hashes,
        );
        let coverage = if n.tokens.is_empty() {
            0.0
        } else {
            ((known + recognised) as f32 / n.tokens.len() as f32).min(1.0)
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
            let mut second = usize::MAX;
            for (c, p) in probs.iter().enumerate() {
                if *p > probs[best] {
                    second = best;
                    best = c;
                } else if c != best && (second == usize::MAX || *p > probs[second]) {
                    second = c;
                }
            }
            if second == usize::MAX {
                second = best;
            }
            let probs_best = probs[best];
            let second_p = if second == best { 0.0 } else { probs[second] };
            // A positive rule of the winner is the pack author's word that the message is in
            // scope: unseen words (typos, names) then do not discount the confidence.
            let vouched = rule_hits.iter().any(|&r| {
                let (i, k) = self.rule_owner[r];
                self.intent_class[i] == best && self.pack.intents[i].rules[k].weight > 0.0
            });
            let coverage = if vouched { 1.0 } else { coverage };
            Scores {
                best,
                second,
                best_p: probs_best,
                second_p,
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
                priority_reason: "no words".into(),
                signals: vec![],
                candidates: vec![],
            };
        }
        let s = self.scores(&n);
        let language_idx = self
            .lang
            .detect(&s.hashes, n.polish_letters, self.default_language);
        let language = self.pack.languages[language_idx].clone();
        let mut confidence = s.confidence;
        let rules: Vec<RuleHit> = s
            .rule_hits
            .iter()
            .map(|&r| self.rule_hits[r].clone())
            .collect();
        let mut intent = self.class_intent[s.best].filter(|_| confidence >= self.threshold);
        // The nearest training example of the winning class explains the learned score.
        let example = self.nearest_example(&s, s.best);
        let model_confidence = s.model_confidence;
        let label = self.class_label(s.best).to_string();
        match &example {
            Some((sim, t)) => why.push(format!(
                "{label}: classifier {model_confidence:.2}, nearest example \"{t}\" (similarity {sim:.2})"
            )),
            None => why.push(format!("{label}: classifier {model_confidence:.2}, no similar example")),
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
        // An unsure intent whose own FAQ article matches the message well is taken: the article's
        // words are a second opinion the classifier's examples may lack.
        if intent.is_none()
            && let Some(i) = self.class_intent[s.best]
            && confidence >= self.threshold * FAQ_RESCUE_FLOOR
            && !self.pack.intents[i].faq.is_empty()
            && let Some(h) = self.faq.search(&n.tokens, Some(&language), 1).first()
        {
            let a = &self.pack.articles[h.article];
            let score = h.score / (h.score + 5.0);
            if score >= FAQ_RESCUE && self.pack.intents[i].faq.contains(&a.id) {
                intent = Some(i);
                why.push(format!(
                    "confidence {confidence:.2} below threshold {:.2}, but its article {} matches ({score:.2})",
                    self.threshold, a.id
                ));
            }
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
        let (mut signals, security_pattern) = self.signals.detect(&n.text, text);
        // A security signal is never out of scope and never a question back: a person looks at it.
        let mut overridden = false;
        // A report of a suspicious message nobody acted on (the pack's intent of category
        // `phishing`, whose rules turn away "I clicked", "I typed my password") names the same
        // words a security signal looks for ("pretending to be", "fake login page"): it stays a
        // report, at its own priority, instead of becoming an incident.
        let reported = intent.is_some_and(|i| self.pack.intents[i].category == PHISHING_CATEGORY);
        if reported {
            if let Some(p) = security_pattern {
                why.push(format!(
                    "security signal /{p}/ in a reported message: stays a report"
                ));
            }
        } else if let Some(si) = self.security_intent {
            if let Some(p) = security_pattern {
                if intent != Some(si) {
                    overridden = true;
                    confidence = 1.0;
                    intent = Some(si);
                }
                why.push(format!("security signal /{p}/"));
            } else if intent == Some(si) {
                signals.add(Signal::Security);
            }
        }
        if reported {
            signals.remove(Signal::Security);
        }
        let security = signals.has(Signal::Security);
        if !security
            && signals.has(Signal::ManyPeople)
            && let Some(i) = intent
            && let Some(w) = self.widespread[i]
        {
            why.push(format!(
                "several people affected: {} becomes {}",
                self.pack.intents[i].id, self.pack.intents[w].id
            ));
            intent = Some(w);
            overridden = true;
        }
        let candidates = match (intent, self.class_intent[s.second]) {
            (Some(i), Some(j))
                if !security
                    && !overridden
                    && !reported
                    && self.security_intent != Some(j)
                    && self.pack.intents[j].category != PHISHING_CATEGORY
                    && s.second != s.best
                    && self.class_intent[s.best] == Some(i)
                    && s.best_p - s.second_p < CLARIFY_MARGIN =>
            {
                why.push(format!(
                    "close call: {} {:.2} or {} {:.2}",
                    self.pack.intents[i].id, s.best_p, self.pack.intents[j].id, s.second_p
                ));
                vec![
                    Candidate {
                        intent: self.pack.intents[i].id.clone(),
                        confidence: s.best_p,
                    },
                    Candidate {
                        intent: self.pack.intents[j].id.clone(),
                        confidence: s.second_p,
                    },
                ]
            }
            _ => vec![],
        };
        // Off-topic chatter recognised as such gets no articles; an unsure intent gets strong hits only.
        let faq = if self.class_intent[s.best].is_none() && intent.is_none() {
            Vec::new()
        } else {
            self.faq_for(&n, &language, intent)
        };
        let (name, action, priority, priority_reason) = match intent {
            Some(i) => {
                let it = &self.pack.intents[i];
                let (p, reason) = impact_priority(it, signals);
                let action = if candidates.is_empty() {
                    NextAction::from(it.action)
                } else {
                    NextAction::Clarify
                };
                (it.id.clone(), action, Some(p), reason)
            }
            None => (
                OUT_OF_SCOPE.to_string(),
                NextAction::Fallback,
                None,
                "not an IT request the pack covers",
            ),
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
            priority_reason: priority_reason.to_string(),
            signals: signals.names(),
            candidates,
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

/// One step more urgent (P4 -> P3 ... P1 stays P1).
fn raise(p: Priority) -> Priority {
    match p {
        Priority::P4 => Priority::P3,
        Priority::P3 => Priority::P2,
        _ => Priority::P1,
    }
}

/// A decision's priority from what the message says about its impact, starting from the intent's
/// own: security is P1; many people raise it a step (an outage stays P1); an intent the pack rates
/// P1 (an outage) affecting one person is P3, or P2 with a deadline; a deadline raises others a
/// step, to P2 at most. Words like "nie działa" or "down" alone never make a P1.
pub fn impact_priority(intent: &crate::pack::Intent, signals: Signals) -> (Priority, &'static str) {
    let base = intent.priority;
    if signals.has(Signal::Security) {
        return (Priority::P1, "security incident");
    }
    // "Hi everyone", "thanks, urgent stuff sorted": small talk reports no problem to rate.
    if intent.category == "conversation" {
        return (base, "no problem reported");
    }
    if signals.has(Signal::ManyPeople) {
        return (raise(base), "several people affected");
    }
    let deadline = signals.has(Signal::Deadline);
    if base == Priority::P1 {
        return if deadline {
            (Priority::P2, "one person, deadline today")
        } else {
            (Priority::P3, "one person, one service")
        };
    }
    if deadline {
        return (raise(base).max(Priority::P2), "deadline today");
    }
    match base {
        Priority::P4 => (base, "routine request"),
        _ => (base, "one person, one service"),
    }
}
