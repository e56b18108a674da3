//! Measuring triage on public datasets: intent classification (`frontline eval`) and FAQ retrieval
//! (`frontline eval-faq`). Reads JSON Lines; builds packs from the data alone, no rules.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::pack::{Article, Pack};
use crate::triage::{EngineConfig, OUT_OF_SCOPE, Triage};

#[derive(Deserialize)]
struct Labelled {
    text: String,
    intent: String,
}

/// Reads `{"text","intent"}` lines from each file, in order.
pub fn read_labelled(files: &[impl AsRef<Path>]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for f in files {
        let f = f.as_ref();
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let l: Labelled = serde_json::from_str(line).with_context(|| {
                format!(
                    "{}:{}: not a {{\"text\",\"intent\"}} object",
                    f.display(),
                    i + 1
                )
            })?;
            out.push((l.text, l.intent));
        }
    }
    if out.is_empty() {
        bail!(
            "no examples in {:?}",
            files
                .iter()
                .map(|f| f.as_ref().display().to_string())
                .collect::<Vec<_>>()
        );
    }
    Ok(out)
}

#[derive(Debug, Serialize)]
pub struct ClassScore {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Debug, Serialize)]
pub struct IntentReport {
    pub train_examples: usize,
    pub test_examples: usize,
    pub intents: usize,
    /// Accuracy over all test messages (= micro-F1 with one label per message).
    pub accuracy: f64,
    pub correct: usize,
    pub macro_f1: f64,
    /// Accuracy over test messages whose label is not the out-of-scope label.
    pub in_scope_accuracy: Option<f64>,
    pub oos_recall: Option<f64>,
    pub threshold: f32,
    pub train_ms: f64,
    pub us_per_message: f64,
    pub per_intent: BTreeMap<String, ClassScore>,
    /// Misclassified test messages: (text, expected, predicted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<(String, String, String)>,
}

/// Whether a predicted or gold label means "out of scope".
fn is_oos(label: &str, oos: Option<&str>) -> bool {
    label == OUT_OF_SCOPE || Some(label) == oos
}

/// Picks the out-of-scope threshold on `val` for `goal`.
pub fn tune_threshold(
    engine: &Triage,
    val: &[(String, String)],
    oos: Option<&str>,
    goal: ThresholdGoal,
) -> f32 {
    let mut scored: Vec<(f32, bool, bool)> = val
        .iter()
        .map(|(t, gold)| {
            let n = crate::triage::normalize::normalize(t);
            let s = engine.scores(&n);
            let label = engine.class_label(s.best);
            (
                s.confidence,
                is_oos(gold, oos),
                !is_oos(gold, oos) && label == gold,
            )
        })
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n_oos = scored.iter().filter(|s| s.1).count() as f64;
    let n_in = scored.len() as f64 - n_oos;
    // Threshold just above scored[k].0 rejects the first k+1 messages.
    let mut correct_kept = scored.iter().filter(|s| s.2).count() as f64;
    let mut oos_rejected = 0.0;
    let objective = |c: f64, o: f64| {
        let a = if n_in > 0.0 { c / n_in } else { 0.0 };
        let r = if n_oos > 0.0 { o / n_oos } else { 0.0 };
        a + r
    };
    let mut best = (objective(correct_kept, 0.0), 0.0f32);
    for k in 0..scored.len() {
        if scored[k].2 {
            correct_kept -= 1.0;
        }
        if scored[k].1 {
            oos_rejected += 1.0;
        }
        if k + 1 < scored.len() && scored[k + 1].0 == scored[k].0 {
            continue;
        }
        let next = scored.get(k + 1).map(|s| s.0).unwrap_or(1.0);
        let threshold = (scored[k].0 + next) / 2.0;
        if let ThresholdGoal::OosRecall(r) = goal {
            // In-scope accuracy only falls as the threshold rises: the first that reaches the recall wins.
            if n_oos > 0.0 && oos_rejected / n_oos >= r {
                return threshold;
            }
            continue;
        }
        let o = objective(correct_kept, oos_rejected);
        if o > best.0 {
            best = (o, threshold);
        }
    }
    best.1
}

/// How `--threshold-from` picks the out-of-scope threshold on the validation data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThresholdGoal {
    /// Maximise in-scope accuracy + out-of-scope recall.
    Balanced,
    /// The lowest threshold whose out-of-scope recall on the validation data reaches this value.
    OosRecall(f64),
}

pub struct IntentEval<'a> {
    pub train: &'a [(String, String)],
    pub test: &'a [(String, String)],
    pub validation: Option<&'a [(String, String)]>,
    pub oos_label: Option<&'a str>,
    pub goal: ThresholdGoal,
    pub config: EngineConfig,
}

pub fn eval_intents(e: &IntentEval) -> Result<IntentReport> {
    // Out-of-scope examples in the training file train their own class, as Larson et al.'s "oos-train".
    let started = Instant::now();
    let pack = Pack::from_examples(e.train, "en");
    let mut engine = Triage::with_config(pack, e.config).context("building the engine")?;
    let train_ms = started.elapsed().as_secs_f64() * 1000.0;
    let threshold = match e.validation {
        Some(val) => tune_threshold(&engine, val, e.oos_label, e.goal),
        None => 0.0,
    };
    engine.set_threshold(threshold);
    let started = Instant::now();
    let predicted: Vec<String> = e
        .test
        .iter()
        .map(|(t, _)| engine.classify(t).0.to_string())
        .collect();
    let us_per_message = started.elapsed().as_secs_f64() * 1e6 / e.test.len() as f64;

    let canon = |l: &str| {
        if is_oos(l, e.oos_label) {
            e.oos_label.unwrap_or(OUT_OF_SCOPE).to_string()
        } else {
            l.to_string()
        }
    };
    let mut tp: BTreeMap<String, usize> = BTreeMap::new();
    let mut fp: BTreeMap<String, usize> = BTreeMap::new();
    let mut support: BTreeMap<String, usize> = BTreeMap::new();
    let (mut correct, mut in_total, mut in_correct, mut oos_total, mut oos_caught) =
        (0, 0, 0, 0, 0);
    for ((_, gold), pred) in e.test.iter().zip(&predicted) {
        let (g, p) = (canon(gold), canon(pred));
        *support.entry(g.clone()).or_default() += 1;
        if g == p {
            correct += 1;
            *tp.entry(g.clone()).or_default() += 1;
        } else {
            *fp.entry(p.clone()).or_default() += 1;
        }
        if is_oos(gold, e.oos_label) {
            oos_total += 1;
            oos_caught += (g == p) as usize;
        } else {
            in_total += 1;
            in_correct += (g == p) as usize;
        }
    }
    let errors = e
        .test
        .iter()
        .zip(&predicted)
        .filter(|((_, g), p)| canon(g) != canon(p))
        .map(|((t, g), p)| (t.clone(), g.clone(), p.clone()))
        .collect();
    let mut per_intent = BTreeMap::new();
    for (label, &n) in &support {
        let t = *tp.get(label).unwrap_or(&0) as f64;
        let f = *fp.get(label).unwrap_or(&0) as f64;
        let precision = if t + f > 0.0 { t / (t + f) } else { 0.0 };
        let recall = t / n as f64;
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        per_intent.insert(
            label.clone(),
            ClassScore {
                precision,
                recall,
                f1,
                support: n,
            },
        );
    }
    let macro_f1 = per_intent.values().map(|c| c.f1).sum::<f64>() / per_intent.len() as f64;
    Ok(IntentReport {
        train_examples: e.train.len(),
        test_examples: e.test.len(),
        intents: engine.pack().intents.len(),
        accuracy: correct as f64 / e.test.len() as f64,
        correct,
        macro_f1,
        in_scope_accuracy: (e.oos_label.is_some() && in_total > 0)
            .then(|| in_correct as f64 / in_total as f64),
        oos_recall: (e.oos_label.is_some() && oos_total > 0)
            .then(|| oos_caught as f64 / oos_total as f64),
        threshold,
        train_ms,
        us_per_message,
        per_intent,
        errors,
    })
}

#[derive(Deserialize)]
struct FaqLine {
    id: String,
    question: String,
    answer: String,
    #[serde(default)]
    paraphrases: Vec<String>,
}

#[derive(Deserialize)]
struct QueryLine {
    text: String,
    faq_id: String,
    #[serde(default)]
    split: String,
}

#[derive(Debug, Serialize)]
pub struct FaqReport {
    pub articles: usize,
    pub queries: usize,
    pub map: f64,
    pub mrr: f64,
    pub p_at_1: f64,
    pub us_per_query: f64,
    pub index_ms: f64,
}

fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .with_context(|| format!("{}:{}: malformed line", path.display(), i + 1))
        })
        .collect()
}

/// Ranks every article for every query (of `split`, or all) and reports MAP, MRR and P@1. With one
/// relevant article per query, MAP and MRR are both the mean reciprocal rank of that article.
pub fn eval_faq(
    faq: &Path,
    queries: &Path,
    split: Option<&str>,
    with_paraphrases: bool,
    config: EngineConfig,
) -> Result<FaqReport> {
    let lines: Vec<FaqLine> = read_jsonl(faq)?;
    let queries: Vec<QueryLine> = read_jsonl(queries)?;
    let queries: Vec<QueryLine> = queries
        .into_iter()
        .filter(|q| split.is_none_or(|s| q.split == s))
        .collect();
    if queries.is_empty() {
        bail!(
            "no queries{}",
            split
                .map(|s| format!(" in split `{s}`"))
                .unwrap_or_default()
        );
    }
    let articles: Vec<Article> = lines
        .into_iter()
        .map(|l| Article {
            id: l.id,
            language: "en".into(),
            title: l.question,
            questions: if with_paraphrases {
                l.paraphrases
            } else {
                vec![]
            },
            tags: vec![],
            body: l.answer,
        })
        .collect();
    let n_articles = articles.len();
    let started = Instant::now();
    let index = crate::triage::faq::FaqIndex::build(&articles, config.faq);
    let index_ms = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let (mut rr, mut p1) = (0.0, 0.0);
    for q in &queries {
        let n = crate::triage::normalize::normalize(&q.text);
        let hits = index.search(&n.tokens, Some("en"), n_articles);
        if let Some(rank) = hits.iter().position(|h| articles[h.article].id == q.faq_id) {
            rr += 1.0 / (rank + 1) as f64;
            if rank == 0 {
                p1 += 1.0;
            }
        }
    }
    let us_per_query = started.elapsed().as_secs_f64() * 1e6 / queries.len() as f64;
    let n = queries.len() as f64;
    Ok(FaqReport {
        articles: n_articles,
        queries: queries.len(),
        map: rr / n,
        mrr: rr / n,
        p_at_1: p1 / n,
        us_per_query,
        index_ms,
    })
}

/// One line of a held-out set for a whole pack: `{"text","intent","action","lang"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct PackCase {
    pub text: String,
    pub intent: String,
    pub action: String,
    #[serde(default)]
    pub lang: String,
}

/// Reads a held-out set; `split` keeps the first half of its lines (`dev`), the second (`test`)
/// or all of them (`None`).
pub fn read_pack_cases(path: &Path, split: Option<&str>) -> Result<Vec<PackCase>> {
    let all: Vec<PackCase> = read_jsonl(path)?;
    let half = all.len().div_ceil(2);
    Ok(match split {
        None | Some("all") => all,
        Some("dev") => all[..half].to_vec(),
        Some("test") => all[half..].to_vec(),
        Some(other) => bail!("unknown split `{other}` (dev, test or all)"),
    })
}

/// How a pack's decisions match what people meant: the intent, the first action, and whether
/// security incidents reached the security intent.
#[derive(Debug, Serialize)]
pub struct PackReport {
    pub messages: usize,
    pub intent_accuracy: f64,
    pub action_accuracy: f64,
    pub security_recall: f64,
    pub security_total: usize,
    /// Share of messages answered with `clarify` (each counted as a wrong first action).
    pub clarify_rate: f64,
    pub us_per_message: f64,
    /// Wrong decisions: (text, expected intent/action, decided intent/action).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<(String, String, String)>,
}

/// Decides every case with `engine` (the pack's own, rules and all) and scores the decisions.
pub fn eval_pack(engine: &Triage, cases: &[PackCase]) -> Result<PackReport> {
    if cases.is_empty() {
        bail!("no messages to evaluate");
    }
    let started = Instant::now();
    let decisions: Vec<_> = cases.iter().map(|c| engine.decide(&c.text)).collect();
    let us_per_message = started.elapsed().as_secs_f64() * 1e6 / cases.len() as f64;
    let (mut intent_ok, mut action_ok, mut sec_total, mut sec_ok, mut clarify) = (0, 0, 0, 0, 0);
    let mut errors = Vec::new();
    for (c, d) in cases.iter().zip(&decisions) {
        let action = serde_json::to_value(d.action)?
            .as_str()
            .unwrap_or_default()
            .to_string();
        let i_ok = d.intent == c.intent;
        let a_ok = action == c.action;
        intent_ok += i_ok as usize;
        action_ok += a_ok as usize;
        clarify += (action == "clarify") as usize;
        if c.intent == "security_incident" {
            sec_total += 1;
            sec_ok += i_ok as usize;
        }
        if !i_ok || !a_ok {
            errors.push((
                c.text.clone(),
                format!("{}/{}", c.intent, c.action),
                format!("{}/{} {:.2}", d.intent, action, d.confidence),
            ));
        }
    }
    let n = cases.len() as f64;
    Ok(PackReport {
        messages: cases.len(),
        intent_accuracy: intent_ok as f64 / n,
        action_accuracy: action_ok as f64 / n,
        security_recall: if sec_total > 0 {
            sec_ok as f64 / sec_total as f64
        } else {
            0.0
        },
        security_total: sec_total,
        clarify_rate: clarify as f64 / n,
        us_per_message,
        errors,
    })
}
