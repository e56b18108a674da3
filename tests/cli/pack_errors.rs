//! Pack loader errors: each broken pack is reported with the file, the line and the field a pack
//! author has to fix, and `PackError` displays as `file:line: field: message`.

use std::fs;
use std::path::{Path, PathBuf};

use frontline::pack::{Action, Pack, PackError, Priority};

const PACK_TOML: &str = r#"name = "mini"
languages = ["en", "pl"]
default_language = "en"
"#;

const VPN_TOML: &str = r#"id = "vpn"
description = "VPN problems."
category = "network"
action = "answer"
priority = "P3"
queue = "l2-network"
faq = ["vpn-help"]

[[rules]]
keywords = ["vpn*", "globalprotect"]
weight = 0.7

[examples]
en = ["vpn won't connect", "globalprotect keeps disconnecting"]
pl = ["vpn nie łączy", "globalprotect się rozłącza"]

[reply]
en = "Let's fix your VPN."
pl = "Naprawmy VPN."
"#;

const PRINTER_TOML: &str = r#"id = "printer"
description = "Printer problems."
category = "devices"
action = "ask"
priority = "P4"
queue = "l1-devices"

[examples]
en = ["the printer is offline", "paper jam on the second floor"]
pl = ["drukarka nie drukuje", "zaciął się papier"]

[reply]
en = "Which printer is it?"
pl = "Która to drukarka?"
"#;

fn article(language: &str) -> String {
    format!(
        r#"id = "vpn-help"
language = "{language}"
title = "VPN help ({language})"
questions = ["vpn does not connect"]
tags = ["vpn"]
body = "Restart GlobalProtect."
"#
    )
}

/// Writes the minimal valid pack: two intents, one FAQ article in each language.
fn write_pack(dir: &Path) {
    fs::write(dir.join("pack.toml"), PACK_TOML).unwrap();
    fs::write(dir.join("vpn.toml"), VPN_TOML).unwrap();
    fs::write(dir.join("printer.toml"), PRINTER_TOML).unwrap();
    for lang in ["en", "pl"] {
        let faq = dir.join("faq").join(lang);
        fs::create_dir_all(&faq).unwrap();
        fs::write(faq.join("vpn-help.toml"), article(lang)).unwrap();
    }
}

/// A mutation that replaces `from` by `to` in `file` (relative to the pack); `from` must be there.
fn replace(file: &'static str, from: &'static str, to: &'static str) -> impl FnOnce(&Path) {
    move |dir| {
        let path = dir.join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no `{from}` to replace");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
}

/// Writes the valid pack, applies `mutation` and loads it: the load must fail with an error naming a
/// file ending in `file`, the 1-based `line` in the mutated file (0: the file itself), the `field`,
/// and a message containing `message`.
fn check_error(
    mutation: impl FnOnce(&Path),
    (file, line, field, message): (&str, usize, &str, &str),
) -> PackError {
    let tmp = tempfile::tempdir().unwrap();
    write_pack(tmp.path());
    mutation(tmp.path());
    let err = match Pack::load(tmp.path()) {
        Ok(_) => panic!("the mutated pack loaded; expected an error on {field}"),
        Err(e) => e,
    };
    let shown = err.to_string();
    eprintln!("{shown}");
    assert!(err.file.ends_with(file), "file: want …{file}\n  {shown}");
    assert_eq!(err.line, line, "line\n  {shown}");
    assert_eq!(err.field, field, "field\n  {shown}");
    assert!(
        err.message.contains(message),
        "message: want {message:?}\n  {shown}"
    );
    err
}

#[test]
fn minimal_pack_loads() {
    let tmp = tempfile::tempdir().unwrap();
    write_pack(tmp.path());
    let pack = Pack::load(tmp.path()).expect("the minimal pack is valid");
    assert_eq!(pack.name, "mini");
    assert_eq!(pack.languages, ["en", "pl"]);
    assert_eq!(pack.default_language, "en");
    let ids: Vec<&str> = pack.intents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        ["printer", "vpn"],
        "intent files load in file-name order"
    );
    let vpn = pack.intent("vpn").unwrap();
    assert_eq!(vpn.action, Action::Answer);
    assert_eq!(vpn.priority, Priority::P3);
    assert_eq!(vpn.faq, ["vpn-help"]);
    assert_eq!(vpn.rules.len(), 1);
    assert_eq!(vpn.examples.len(), 4);
    assert_eq!(vpn.reply["pl"], "Naprawmy VPN.");
    assert_eq!(pack.intent("printer").unwrap().action, Action::Ask);
    assert_eq!(pack.articles.len(), 2);
    assert_eq!(
        pack.article("vpn-help", "pl").unwrap().title,
        "VPN help (pl)"
    );
}

// Line numbers below are those of VPN_TOML and PRINTER_TOML after the mutation.

#[test]
fn invalid_regex_names_the_pattern_line() {
    let rule = r#"keywords = ["vpn*", "globalprotect"]"#;
    check_error(
        replace("vpn.toml", rule, "pattern = '(vpn|globalprotect'"),
        ("vpn.toml", 10, "rules[0].pattern", "invalid regex"),
    );
}

#[test]
fn duplicate_intent_id_blames_the_second_file() {
    check_error(
        |d| fs::write(d.join("vpn_copy.toml"), VPN_TOML).unwrap(),
        ("vpn_copy.toml", 1, "id", "duplicate intent id `vpn`"),
    );
}

#[test]
fn dangling_faq_reference_names_the_entry_line() {
    let faq = "faq = [\n  \"vpn-help\",\n  \"no-such-article\",\n]";
    check_error(
        replace("vpn.toml", r#"faq = ["vpn-help"]"#, faq),
        ("vpn.toml", 9, "faq", "no FAQ article `no-such-article`"),
    );
}

#[test]
fn faq_article_missing_in_one_language() {
    let msg = "no FAQ article `vpn-help` in faq/pl/";
    check_error(
        |d| fs::remove_file(d.join("faq/pl/vpn-help.toml")).unwrap(),
        ("vpn.toml", 7, "faq", msg),
    );
}

const PL_EXAMPLES: &str = "pl = [\"vpn nie łączy\", \"globalprotect się rozłącza\"]\n";

#[test]
fn examples_missing_a_language() {
    for pl in ["", "pl = []\n"] {
        check_error(
            replace("vpn.toml", PL_EXAMPLES, pl),
            ("vpn.toml", 13, "examples.pl", "missing language"),
        );
    }
}

#[test]
fn examples_in_a_language_the_pack_does_not_have() {
    let de = "[examples]\nde = [\"VPN geht nicht\"]\n";
    check_error(
        replace("vpn.toml", "[examples]\n", de),
        (
            "vpn.toml",
            13,
            "examples.de",
            "not one of the pack's languages",
        ),
    );
}

#[test]
fn reply_missing_a_language() {
    check_error(
        replace("printer.toml", "pl = \"Która to drukarka?\"\n", ""),
        ("printer.toml", 12, "reply.pl", "missing language"),
    );
}

#[test]
fn unknown_field_is_named() {
    check_error(
        replace(
            "vpn.toml",
            "queue = \"l2-network\"\n",
            "queue = \"l2\"\ncolour = \"blue\"\n",
        ),
        ("vpn.toml", 7, "colour", "unknown field `colour`"),
    );
    check_error(
        replace("vpn.toml", "weight = 0.7\n", "weight = 0.7\nweigth = 0.2\n"),
        ("vpn.toml", 12, "weigth", "unknown field `weigth`"),
    );
}

#[test]
fn missing_required_field_is_named() {
    check_error(
        replace("printer.toml", "queue = \"l1-devices\"\n", ""),
        ("printer.toml", 1, "queue", "missing field `queue`"),
    );
}

#[test]
fn malformed_toml_reports_the_line() {
    check_error(
        replace(
            "printer.toml",
            "queue = \"l1-devices\"",
            "queue = \"l1-devices",
        ),
        ("printer.toml", 6, "-", "invalid basic string"),
    );
}

#[test]
fn malformed_pack_toml_reports_the_line_and_no_field() {
    // The parser notices the unclosed array on line 3, where the next key starts. There is no field
    // to name: the loader must not take the backticks in "expected `]`" for one.
    check_error(
        replace("pack.toml", "[\"en\", \"pl\"]", "[\"en\", \"pl\""),
        ("pack.toml", 3, "-", "invalid array"),
    );
}

#[test]
fn wrong_value_type_is_not_taken_for_a_field_name() {
    // serde says "invalid type: integer `5`, expected a string"; the backticks hold the value.
    let tmp = tempfile::tempdir().unwrap();
    write_pack(tmp.path());
    replace("printer.toml", "queue = \"l1-devices\"", "queue = 5")(tmp.path());
    let err = Pack::load(tmp.path()).expect_err("queue = 5 is not a string");
    assert!(err.file.ends_with("printer.toml"), "{err}");
    assert_eq!(err.line, 6, "{err}");
    assert!(err.message.contains("invalid type"), "{err}");
    assert!(
        ["queue", "-"].contains(&err.field.as_str()),
        "field {:?}: {err}",
        err.field
    );
}

#[test]
fn article_language_must_match_its_folder() {
    check_error(
        replace(
            "faq/pl/vpn-help.toml",
            "language = \"pl\"",
            "language = \"en\"",
        ),
        (
            "faq/pl/vpn-help.toml",
            2,
            "language",
            "faq/pl/ says language `en`",
        ),
    );
}

#[test]
fn weight_out_of_range_or_zero() {
    for weight in ["weight = 1.5", "weight = -1.01", "weight = 0.0"] {
        check_error(
            replace("vpn.toml", "weight = 0.7", weight),
            (
                "vpn.toml",
                11,
                "rules[0].weight",
                "must be in -1..1 and not 0",
            ),
        );
    }
}

#[test]
fn rule_with_both_pattern_and_keywords() {
    check_error(
        replace("vpn.toml", "weight = 0.7", "pattern = 'vpn'\nweight = 0.7"),
        (
            "vpn.toml",
            12,
            "rules[0]",
            "exactly one of `pattern` or `keywords`",
        ),
    );
}

#[test]
fn pack_settings_out_of_range() {
    let lang = "default_language = \"en\"";
    check_error(
        replace(
            "pack.toml",
            lang,
            "default_language = \"en\"\nthreshold = 1.2",
        ),
        ("pack.toml", 4, "threshold", "must be between 0 and 1"),
    );
    check_error(
        replace("pack.toml", lang, "default_language = \"de\""),
        (
            "pack.toml",
            3,
            "default_language",
            "`de` is not one of languages",
        ),
    );
}

#[test]
fn intent_id_out_of_scope_is_reserved() {
    check_error(
        replace("printer.toml", "id = \"printer\"", "id = \"out_of_scope\""),
        ("printer.toml", 1, "id", "not a valid intent id"),
    );
}

#[test]
fn duplicate_article_id_in_one_language() {
    check_error(
        |d| fs::write(d.join("faq/en/vpn-help2.toml"), article("en")).unwrap(),
        (
            "faq/en/vpn-help2.toml",
            1,
            "id",
            "duplicate article id `vpn-help`",
        ),
    );
}

#[test]
fn missing_pack_toml() {
    check_error(
        |d| fs::remove_file(d.join("pack.toml")).unwrap(),
        ("pack.toml", 0, "-", "cannot read"),
    );
}

#[test]
fn display_reads_file_line_field_message() {
    let err = check_error(
        replace("vpn.toml", "weight = 0.7", "weight = -3"),
        ("vpn.toml", 11, "rules[0].weight", "must be in"),
    );
    let path = err.file.display();
    let expected = format!("{path}:11: rules[0].weight: must be in -1..1 and not 0");
    assert_eq!(err.to_string(), expected);

    let hand_made = PackError {
        file: PathBuf::from("intents/vpn.toml"),
        line: 7,
        field: "faq".into(),
        message: "no FAQ article `x` in faq/pl/".into(),
    };
    let shown = "intents/vpn.toml:7: faq: no FAQ article `x` in faq/pl/";
    assert_eq!(hand_made.to_string(), shown);
}
