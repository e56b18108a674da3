//! Development aid: prints the Braun 2017 scores and the CLINC150 trade-off between in-scope
//! accuracy and out-of-scope recall for one engine setting, to compare settings quickly.
//! `cargo run --release --example tune -- [EPOCHS LR L2 CHARMIN CHARMAX WORDSHARE] [--no-clinc]`
use frontline::pack::Pack;
use frontline::tooling::eval::{IntentEval, ThresholdGoal, eval_intents, read_labelled};
use frontline::triage::{EngineConfig, Triage, normalize::normalize};

fn main() {
    let a: Vec<String> = std::env::args().filter(|x| !x.starts_with("--")).collect();
    let mut cfg = EngineConfig::default();
    if a.len() > 6 {
        cfg.train.epochs = a[1].parse().unwrap();
        cfg.train.learning_rate = a[2].parse().unwrap();
        cfg.train.l2 = a[3].parse().unwrap();
        cfg.features.char_min = a[4].parse().unwrap();
        cfg.features.char_max = a[5].parse().unwrap();
        cfg.features.word_share = a[6].parse().unwrap();
    }
    let d = "../shared/datasets";
    let (mut c, mut t) = (0, 0);
    for corpus in ["chatbot", "askubuntu", "webapps"] {
        let train = read_labelled(&[format!("{d}/braun2017/{corpus}.train.jsonl")]).unwrap();
        let test = read_labelled(&[format!("{d}/braun2017/{corpus}.test.jsonl")]).unwrap();
        let e = IntentEval {
            train: &train,
            test: &test,
            validation: None,
            oos_label: None,
            goal: ThresholdGoal::Balanced,
            config: cfg,
        };
        let r = eval_intents(&e).unwrap();
        print!("{corpus} {}/{} ", r.correct, r.test_examples);
        c += r.correct;
        t += r.test_examples;
    }
    println!("overall {:.4}", c as f64 / t as f64);
    if std::env::args().any(|x| x == "--no-clinc") {
        return;
    }
    let train = read_labelled(&[format!("{d}/clinc150/train.jsonl")]).unwrap();
    let test = read_labelled(&[
        format!("{d}/clinc150/test.jsonl"),
        format!("{d}/clinc150/oos_test.jsonl"),
    ])
    .unwrap();
    let engine = Triage::with_config(Pack::from_examples(&train, "en"), cfg).unwrap();
    // (confidence, is out-of-scope, classified correctly)
    let mut scored: Vec<(f32, bool, bool)> = test
        .iter()
        .map(|(txt, gold)| {
            let s = engine.scores(&normalize(txt));
            (
                s.confidence,
                gold == "oos",
                engine.class_label(s.best) == gold,
            )
        })
        .collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n_oos = scored.iter().filter(|s| s.1).count() as f64;
    let n_in = scored.len() as f64 - n_oos;
    let mut correct = scored.iter().filter(|s| s.2).count() as f64;
    println!("raw in-scope accuracy {:.4}", correct / n_in);
    let mut rejected = 0.0;
    let mut targets = [0.7, 0.8, 0.85, 0.9].into_iter().peekable();
    for s in &scored {
        correct -= s.2 as u8 as f64;
        rejected += s.1 as u8 as f64;
        if let Some(&target) = targets.peek()
            && rejected / n_oos >= target
        {
            println!(
                "test-set curve: out-of-scope recall {target}: in-scope {:.4} (threshold {:.3})",
                correct / n_in,
                s.0
            );
            targets.next();
        }
    }
}
