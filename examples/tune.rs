#![allow(clippy::needless_range_loop)]
//! Development aid: sweeps engine settings on CLINC150 and Braun and prints the trade-offs.
//! `cargo run --release --example tune -- EPOCHS LR L2 CHARMIN CHARMAX`
use frontline::eval::{IntentEval, eval_intents, read_labelled};
use frontline::pack::Pack;
use frontline::triage::{EngineConfig, Triage, normalize::normalize};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let mut cfg = EngineConfig::default();
    if a.len() > 5 {
        cfg.train.epochs = a[1].parse().unwrap();
        cfg.train.learning_rate = a[2].parse().unwrap();
        cfg.train.l2 = a[3].parse().unwrap();
        cfg.features.char_min = a[4].parse().unwrap();
        cfg.features.char_max = a[5].parse().unwrap();
        if let Some(w) = a.get(6).and_then(|w| w.parse().ok()) {
            cfg.features.word_share = w;
        }
    }
    if let Ok(w) = std::env::var("WORDMAX") {
        cfg.features.word_max = w.parse().unwrap();
    }
    if std::env::var("UNBAL").is_ok() {
        cfg.train.balanced = false;
    }
    let d = "../shared/datasets";
    let (mut c, mut t) = (0, 0);
    for corpus in ["chatbot", "askubuntu", "webapps"] {
        let train = read_labelled(&[format!("{d}/braun2017/{corpus}.train.jsonl")]).unwrap();
        let test = read_labelled(&[format!("{d}/braun2017/{corpus}.test.jsonl")]).unwrap();
        let r = eval_intents(&IntentEval {
            train: &train,
            test: &test,
            validation: None,
            oos_label: None,
            goal: frontline::eval::ThresholdGoal::Balanced,
            config: cfg,
        })
        .unwrap();
        print!("{corpus} {}/{} ", r.correct, r.test_examples);
        c += r.correct;
        t += r.test_examples;
    }
    println!("overall {:.4}", c as f64 / t as f64);
    if a.iter().any(|x| x == "--no-clinc") {
        return;
    }
    let train = read_labelled(&[format!("{d}/clinc150/train.jsonl")]).unwrap();
    let test = read_labelled(&[
        format!("{d}/clinc150/test.jsonl"),
        format!("{d}/clinc150/oos_test.jsonl"),
    ])
    .unwrap();
    let engine = Triage::with_config(Pack::from_examples(&train, "en"), cfg).unwrap();
    let ens: Option<Triage> = std::env::var("ENS").ok().map(|w| {
        let mut c2 = cfg;
        c2.features.word_share = w.parse().unwrap();
        c2.train.seed = 12345;
        Triage::with_config(Pack::from_examples(&train, "en"), c2).unwrap()
    });
    let beta: f32 = std::env::var("BETA")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(0.0);
    let mut scored: Vec<(f32, bool, bool)> = test
        .iter()
        .map(|(txt, gold)| {
            let mut s = engine.scores(&normalize(txt));
            let gamma: f32 = std::env::var("GAMMA")
                .ok()
                .and_then(|b| b.parse().ok())
                .unwrap_or(0.0);
            if let Some(e2) = &ens {
                let s2 = e2.scores(&normalize(txt));
                let l: Vec<f32> = s
                    .probs
                    .iter()
                    .zip(&s2.probs)
                    .map(|(a, b)| (a + b) / 2.0)
                    .collect();
                let mut best = 0;
                for (c, p) in l.iter().enumerate() {
                    if *p > l[best] {
                        best = c;
                    }
                }
                s.best = best;
                s.probs = l;
            }
            if gamma > 0.0 {
                let sims = engine.class_similarities(&s);
                let mut l: Vec<f32> = s
                    .logits
                    .iter()
                    .zip(&sims)
                    .map(|(l, m)| l + gamma * m)
                    .collect();
                frontline::triage::model::softmax(&mut l);
                let mut best = 0;
                for (c, p) in l.iter().enumerate() {
                    if *p > l[best] {
                        best = c;
                    }
                }
                s.best = best;
                s.probs = l;
            }
            let sim = engine.nearest_similarity(&s, s.best);
            let mode = std::env::var("MODE").unwrap_or_default();
            let mut sorted = s.logits.clone();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let lse = s
                .logits
                .iter()
                .map(|l| (l - sorted[0]).exp())
                .sum::<f32>()
                .ln()
                + sorted[0];
            let conf = match mode.as_str() {
                "maxlogit" => sorted[0],
                "energy" => lse,
                "margin" => sorted[0] - sorted[1],
                "cov" => s.confidence,
                _ => s.probs[s.best] * sim.powf(beta),
            };
            (conf, gold == "oos", engine.class_label(s.best) == gold)
        })
        .collect();
    if std::env::var("ERRORS").is_ok() {
        for (txt, gold) in test.iter().take(4500) {
            let (label, p) = engine.classify(txt);
            if label != gold {
                println!("{gold:>24} -> {label:<24} {p:.2} {txt}");
            }
        }
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n_oos = scored.iter().filter(|s| s.1).count() as f64;
    let n_in = scored.len() as f64 - n_oos;
    let raw = scored.iter().filter(|s| s.2).count() as f64 / n_in;
    let mut correct = scored.iter().filter(|s| s.2).count() as f64;
    let mut rej = 0.0;
    let mut printed = [false; 6];
    for k in 0..scored.len() {
        if scored[k].2 {
            correct -= 1.0
        }
        if scored[k].1 {
            rej += 1.0
        }
        let r = rej / n_oos;
        for (i, target) in [0.5, 0.6, 0.7, 0.8, 0.85, 0.9].iter().enumerate() {
            if !printed[i] && r >= *target {
                printed[i] = true;
                print!(
                    "oos {target}: in {:.4} (thr {:.3}) | ",
                    correct / n_in,
                    scored[k].0
                );
            }
        }
    }
    println!("raw in-scope {raw:.4}");
}
