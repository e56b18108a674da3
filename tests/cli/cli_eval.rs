//! The `frontline eval` and `eval-faq` contract: reports on tiny JSON Lines fixtures, and errors
//! naming the file and line of malformed input.

use crate::common;

use common::{assert_ok, run, stderr, stdout, write};
use serde_json::{Value, json};

/// `intent: text | text | ...` lines as `{"text","intent"}` JSON Lines.
fn jsonl(spec: &str) -> String {
    let mut out = String::new();
    for line in spec.lines().filter(|l| !l.trim().is_empty()) {
        let (intent, texts) = line.split_once(':').unwrap();
        for t in texts.split('|') {
            out += &format!("{}\n", json!({"text": t.trim(), "intent": intent.trim()}));
        }
    }
    out
}

const TRAIN: &str = "
weather: what is the weather today | will it rain today | is it sunny outside | weather forecast for tomorrow | how cold is it outside | will it snow tomorrow
music: play some jazz music | play my favourite song | put on some rock music | skip this song | play the next track | turn the music up
alarm: set an alarm for 7am | wake me up at six | set my alarm for tomorrow morning | cancel my morning alarm | set an alarm in ten minutes | turn off the alarm
";
const TEST: &str = "
weather: is it going to rain tomorrow | what's the weather like outside | forecast for the weekend weather | is it cold today | will it be sunny tomorrow | weather today please
music: play a jazz song | put on my favourite music | play some music | skip to the next song | play rock | music please, jazz
alarm: set an alarm for 6am | wake me up at seven tomorrow | cancel the alarm | alarm for 8 in the morning | set alarm tomorrow morning | turn my alarm off
";

fn eval_json(args: &[&str]) -> Value {
    let o = run(args, b"");
    assert_ok(&o, "eval");
    serde_json::from_str(stdout(&o).trim()).expect("--json prints one JSON object")
}

#[test]
fn eval_on_separable_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    let train = write(tmp.path(), "train.jsonl", &jsonl(TRAIN));
    let test = write(tmp.path(), "test.jsonl", &jsonl(TEST));
    let r = eval_json(&["eval", "--train", &train, "--test", &test, "--json"]);
    assert_eq!(r["accuracy"], 1.0, "{r}");
    assert_eq!(r["correct"], 18);
    assert_eq!(r["macro_f1"], 1.0);
    assert_eq!(
        (&r["train_examples"], &r["test_examples"]),
        (&json!(18), &json!(18))
    );
    assert_eq!(r["intents"], 3);
    assert_eq!(
        r["in_scope_accuracy"],
        Value::Null,
        "no oos label, no in-scope accuracy"
    );
    assert_eq!(r["oos_recall"], Value::Null);
    let per = r["per_intent"].as_object().expect("per_intent");
    assert_eq!(
        per.keys().collect::<Vec<_>>(),
        ["alarm", "music", "weather"]
    );
    for (label, s) in per {
        for field in ["precision", "recall", "f1"] {
            assert_eq!(s[field], 1.0, "{label}.{field}");
        }
        assert_eq!(s["support"], 6, "{label}");
    }
}

#[test]
fn eval_with_oos_label_and_tuned_threshold() {
    let tmp = tempfile::tempdir().unwrap();
    let oos_train = "oos: how tall is the eiffel tower | who wrote hamlet | translate hello to french | what is the capital of peru | how many legs does a spider have | tell me about black holes";
    let oos_test =
        "oos: who painted the mona lisa | what is the capital of chile | how far away is the moon";
    let val = "
weather: rain later today? | what's the forecast | sunny this afternoon?
music: play some pop music | next song please | play a song by queen
alarm: set an alarm for noon | wake me at 5 | delete my alarm
oos: who discovered penicillin | what is the capital of kenya | how deep is the ocean
";
    let tr = write(
        tmp.path(),
        "train.jsonl",
        &jsonl(&format!("{TRAIN}\n{oos_train}")),
    );
    let te = write(
        tmp.path(),
        "test.jsonl",
        &jsonl(&format!("{TEST}\n{oos_test}")),
    );
    let va = write(tmp.path(), "val.jsonl", &jsonl(val));
    let args = ["eval", "--train", &tr, "--test", &te, "--oos-label", "oos"];
    let r = eval_json(&[&args[..], &["--threshold-from", &va, "--json"]].concat());
    let in_scope = r["in_scope_accuracy"]
        .as_f64()
        .expect("in_scope_accuracy reported");
    let recall = r["oos_recall"].as_f64().expect("oos_recall reported");
    let threshold = r["threshold"].as_f64().expect("threshold reported");
    assert!((0.0..=1.0).contains(&threshold), "threshold {threshold}");
    let per = &r["per_intent"];
    assert_eq!(per["oos"]["support"], 3, "{r}");
    assert_eq!(
        recall,
        per["oos"]["recall"].as_f64().unwrap(),
        "oos_recall is the oos recall"
    );
    let f = |l: &str, k: &str| per[l][k].as_f64().unwrap();
    let in_correct: f64 = ["weather", "music", "alarm"]
        .iter()
        .map(|l| f(l, "recall") * f(l, "support"))
        .sum();
    assert!(
        (in_scope - in_correct / 18.0).abs() < 1e-9,
        "{in_scope} vs {in_correct}/18"
    );
    // The fixture separates cleanly; a tuned threshold should keep it so.
    assert!(
        in_scope >= 0.8 && recall >= 0.99,
        "in-scope {in_scope}, oos recall {recall}: {r}"
    );
}

const FAQ: &str = r#"{"id": "reset-password", "question": "How do I reset my password?", "answer": "Open the self-service portal and choose Forgot password.", "paraphrases": ["forgot my password", "change my login password", "password reset help"]}
{"id": "vpn-setup", "question": "How do I install the VPN client?", "answer": "Install GlobalProtect from Software Center and connect to the portal.", "paraphrases": ["vpn client download", "connect to vpn from home", "globalprotect install"]}
{"id": "printer-jam", "question": "What do I do about a paper jam?", "answer": "Open tray two, pull the stuck sheet out gently and close the door.", "paraphrases": ["printer paper stuck", "clear a jam in the printer", "paper jammed in tray"]}
"#;

// The `train` rows point at the wrong articles: counting them would pull every score below 1.
const QUERIES: &str = r#"{"text": "i forgot my password", "faq_id": "reset-password", "split": "test"}
{"text": "vpn from home", "faq_id": "vpn-setup", "split": "test"}
{"text": "paper stuck in the printer", "faq_id": "printer-jam", "split": "test"}
{"text": "globalprotect client", "faq_id": "vpn-setup", "split": "test"}
{"text": "i forgot my password", "faq_id": "printer-jam", "split": "train"}
{"text": "paper stuck in the printer", "faq_id": "vpn-setup", "split": "train"}
"#;

#[test]
fn eval_faq_on_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    let faq = write(tmp.path(), "faq.jsonl", FAQ);
    let queries = write(tmp.path(), "queries.jsonl", QUERIES);
    let args = [
        "eval-faq",
        "--faq",
        &faq,
        "--queries",
        &queries,
        "--split",
        "test",
    ];
    let r = eval_json(&[&args[..], &["--with-paraphrases", "--json"]].concat());
    assert_eq!(r["articles"], 3, "{r}");
    assert_eq!(r["queries"], 4, "only the test split is scored: {r}");
    for key in ["map", "mrr", "p_at_1"] {
        assert_eq!(r[key], 1.0, "{key}: {r}");
    }
}

#[test]
fn malformed_jsonl_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| write(tmp.path(), name, text);
    // Line 3 is broken in each bad file; line 2 is blank and still counts.
    let bad = w(
        "bad.jsonl",
        "{\"text\": \"a\", \"intent\": \"x\"}\n\n{\"text\": \"b\"\n",
    );
    let good = w("good.jsonl", "{\"text\": \"a\", \"intent\": \"x\"}\n");
    let article = r#"{"id": "a", "question": "q?", "answer": "a.", "paraphrases": []}"#;
    let query = r#"{"text": "q", "faq_id": "a", "split": "test"}"#;
    let faq = w("faq.jsonl", &format!("{article}\n"));
    let queries = w("queries.jsonl", &format!("{query}\n"));
    let bad_faq = w(
        "bad_faq.jsonl",
        &format!("{article}\n{article}\n{{\"id\": \"b\", \n"),
    );
    let bad_queries = w(
        "bad_queries.jsonl",
        &format!("{query}\n\n{{\"text\": 5}}\n"),
    );
    for (args, file) in [
        (vec!["eval", "--train", &bad, "--test", &good], &bad),
        (vec!["eval", "--train", &good, "--test", &bad], &bad),
        (
            vec![
                "eval",
                "--train",
                &good,
                "--test",
                &good,
                "--threshold-from",
                &bad,
            ],
            &bad,
        ),
        (
            vec!["eval-faq", "--faq", &bad_faq, "--queries", &queries],
            &bad_faq,
        ),
        (
            vec!["eval-faq", "--faq", &faq, "--queries", &bad_queries],
            &bad_queries,
        ),
    ] {
        let o = run(&args, b"");
        assert!(!o.status.success(), "{args:?} succeeded on malformed input");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("{file}:3:")),
            "{args:?}: stderr:\n{err}"
        );
        assert!(stdout(&o).is_empty(), "{args:?} printed a report");
    }
}
