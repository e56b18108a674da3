//! The `frontline` command line contract for triage and pack checking: `triage --json` output on
//! stdin and arguments, and `check` on the default pack and on broken ones.

use crate::common;

use std::path::Path;

use common::{assert_ok, default_pack, run, run_in, stderr, stdout, write};
use serde_json::Value;

const KEYS: [&str; 7] = [
    "intent",
    "confidence",
    "action",
    "priority",
    "faq",
    "language",
    "why",
];

/// One `triage --json` line: the contract's keys with their types and ranges.
fn check_decision(line: &str) -> Value {
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    let o = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {line}"));
    for key in KEYS {
        assert!(o.contains_key(key), "missing `{key}`: {line}");
    }
    assert!(!o["intent"].as_str().unwrap().is_empty(), "{line}");
    let c = o["confidence"].as_f64().expect("confidence is a number");
    assert!((0.0..=1.0).contains(&c), "confidence {c}");
    let action = o["action"].as_str().expect("action is a string");
    let actions = ["answer", "ask", "escalate", "fallback"];
    assert!(actions.contains(&action), "action {action}");
    match &o["priority"] {
        Value::Null => {}
        Value::String(p) => assert!(["P1", "P2", "P3", "P4"].contains(&p.as_str()), "{p}"),
        p => panic!("priority {p}"),
    }
    let faq = o["faq"].as_array().expect("faq is an array");
    assert!(faq.len() <= 3, "{} FAQ hits", faq.len());
    for f in faq {
        let ok = f["id"].is_string() && f["title"].is_string() && f["score"].is_number();
        assert!(ok, "FAQ hit {f}");
    }
    let lang = o["language"].as_str().unwrap();
    assert!(["en", "pl"].contains(&lang), "language {lang}");
    assert!(o["why"].is_string(), "why");
    v
}

/// The decision's (intent, action, priority, language), priority `null` as "-".
fn summary(d: &Value) -> (String, String, String, String) {
    let s = |k: &str| d[k].as_str().unwrap_or("-").to_string();
    (s("intent"), s("action"), s("priority"), s("language"))
}

fn expect(d: &Value, intent: &str, action: &str, priority: &str, lang: &str) {
    let want = (intent.into(), action.into(), priority.into(), lang.into());
    assert_eq!(summary(d), want, "{d}");
}

#[test]
fn triage_json_from_stdin_one_object_per_line() {
    let input = "my vpn won't connect from home\n\
                 zapomniałem hasła do komputera\n\
                 \n\
                 the ERP is down for the whole company\r\n\
                 what's the weather tomorrow\n";
    let o = run(&["triage", "--json"], input.as_bytes());
    assert_ok(&o, "triage --json");
    let out = stdout(&o);
    let d: Vec<Value> = out.lines().map(check_decision).collect();
    assert_eq!(
        d.len(),
        5,
        "one object per input line, the empty one too:\n{out}"
    );
    expect(&d[0], "vpn", "answer", "P3", "en");
    assert!(!d[0]["faq"].as_array().unwrap().is_empty());
    expect(&d[1], "password_reset", "answer", "P3", "pl");
    expect(&d[2], "out_of_scope", "fallback", "-", "en");
    assert_eq!(d[2]["priority"], Value::Null);
    expect(&d[3], "outage", "escalate", "P1", "en"); // the CR is stripped
    expect(&d[4], "out_of_scope", "fallback", "-", "en");
}

#[test]
fn triage_json_from_arguments() {
    let args = [
        "triage",
        "--json",
        "the printer on the third floor is offline",
        "thanks a lot!",
    ];
    let o = run(&args, b"stdin is ignored when messages are given\n");
    assert_ok(&o, "triage args");
    let out = stdout(&o);
    let d: Vec<Value> = out.lines().map(check_decision).collect();
    assert_eq!(d.len(), 2, "{out}");
    expect(&d[0], "printer", "answer", "P4", "en");
    expect(&d[1], "thanks", "answer", "P4", "en");
}

#[test]
fn triage_reads_invalid_utf8_lines() {
    let o = run(
        &["triage", "--json"],
        b"\xff\xfe printer \xc3 offline\n\x00\x1b[31m\n",
    );
    assert_ok(&o, "triage invalid UTF-8");
    let out = stdout(&o);
    assert_eq!(out.lines().map(check_decision).count(), 2, "{out}");
}

#[test]
fn triage_text_output_names_intent_and_why() {
    let o = run(&["triage", "my laptop screen is cracked"], b"");
    assert_ok(&o, "triage text");
    let out = stdout(&o);
    assert!(out.starts_with("hardware_fault ("), "{out}");
    assert!(out.contains("escalate P3 [en]"), "{out}");
    assert!(out.contains("\n  why: hardware_fault: "), "{out}");
}

/// A minimal pack whose only intent has `rule` as its first rule (on lines 10 and 11 of vpn.toml).
fn pack_with_rule(root: &Path, rule: &str) -> String {
    let pack = "name = \"broken\"\nlanguages = [\"en\", \"pl\"]\ndefault_language = \"en\"\n";
    write(root, "pack.toml", pack);
    let intent = format!(
        r#"id = "vpn"
description = "VPN problems."
category = "network"
action = "answer"
priority = "P3"
queue = "l2-network"
faq = []

[[rules]]
{rule}

[examples]
en = ["vpn won't connect", "globalprotect keeps disconnecting"]
pl = ["vpn nie łączy", "globalprotect się rozłącza"]

[reply]
en = "Let's fix your VPN."
pl = "Naprawmy VPN."
"#
    );
    write(root, "vpn.toml", &intent);
    root.to_str().unwrap().to_string()
}

const BAD_WEIGHT: &str = "keywords = [\"vpn*\"]\nweight = 1.5";

#[test]
fn triage_with_a_broken_pack_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = pack_with_rule(tmp.path(), BAD_WEIGHT);
    let o = run(&["triage", "--intents", &dir, "hello"], b"");
    assert!(!o.status.success());
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("vpn.toml:11: rules[0].weight"),
        "{}",
        stderr(&o)
    );
}

/// The per-language lines `check` prints for the default pack, computed from the library.
fn expected_counts() -> Vec<String> {
    let pack = frontline::pack::Pack::load(&default_pack()).unwrap();
    let mut lines = Vec::new();
    for l in &pack.languages {
        let examples = pack.intents.iter().flat_map(|i| &i.examples);
        let ex = examples.filter(|e| &e.language == l).count();
        let ar = pack.articles.iter().filter(|a| &a.language == l).count();
        assert!(ex > 0 && ar > 0);
        lines.push(format!("  {l}: {ex} examples, {ar} FAQ articles"));
    }
    lines
}

#[test]
fn check_default_pack() {
    let expected = expected_counts();
    assert_eq!(expected.len(), 2, "en and pl");
    // From a directory without `intents/`, `check` checks the pack compiled into the binary.
    let tmp = tempfile::tempdir().unwrap();
    let explicit = default_pack();
    for args in [vec!["check"], vec!["check", explicit.to_str().unwrap()]] {
        let o = run_in(tmp.path(), &args, b"");
        assert_ok(&o, "check");
        let out = stdout(&o);
        assert!(out.contains(": OK"), "{out}");
        assert!(out.lines().any(|l| l == "intents: 23"), "{out}");
        for line in &expected {
            assert!(
                out.lines().any(|l| l == line),
                "missing {line:?} in:\n{out}"
            );
        }
    }
}

#[test]
fn check_broken_pack_names_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = pack_with_rule(tmp.path(), BAD_WEIGHT);
    let o = run(&["check", &dir], b"");
    assert!(
        !o.status.success(),
        "check passed a broken pack: {}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(
        err.contains("vpn.toml:11: rules[0].weight: must be in -1..1"),
        "{err}"
    );
    assert!(!stdout(&o).contains("OK"));
}

#[test]
fn check_pattern_too_big_to_compile_names_file_line_and_field() {
    // The pattern parses, so the loader accepts it, but the compiled rule set exceeds its size limit.
    let tmp = tempfile::tempdir().unwrap();
    let dir = pack_with_rule(tmp.path(), "pattern = '(?:a{1000}){1000}'\nweight = 0.5");
    let o = run(&["check", &dir], b"");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("vpn.toml:10: rules[0].pattern"),
        "stderr:\n{err}"
    );
}
