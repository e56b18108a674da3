//! Triage on hostile or odd input (empty, huge, emoji, right-to-left, combining marks, control
//! characters): never a panic, always a well-formed decision a desk can act on.

use crate::common;

use common::engine;
use frontline::triage::normalize::MAX_INPUT_BYTES;
use frontline::triage::{Decision, NextAction};

/// Decides `message` and checks what holds for every decision; returns it for further checks.
fn check(label: &str, message: &str) -> Decision {
    let d = engine().decide(message);
    let pack = engine().pack();
    assert!(
        (0.0..=1.0).contains(&d.confidence),
        "{label}: confidence {}",
        d.confidence
    );
    assert!(
        (0.0..=1.0).contains(&d.model_confidence),
        "{label}: model confidence {}",
        d.model_confidence
    );
    assert!(
        pack.languages.contains(&d.language),
        "{label}: language {:?}",
        d.language
    );
    assert!(
        d.is_out_of_scope() || pack.intent(&d.intent).is_some(),
        "{label}: unknown intent {:?}",
        d.intent
    );
    assert_eq!(
        d.action == NextAction::Fallback,
        d.is_out_of_scope(),
        "{label}: fallback exactly when out of scope: {d:?}"
    );
    assert_eq!(
        d.priority.is_none(),
        d.is_out_of_scope(),
        "{label}: priority {d:?}"
    );
    assert!(d.faq.len() <= 3, "{label}: {} FAQ hits", d.faq.len());
    assert!(!d.why.trim().is_empty(), "{label}: empty why");
    assert!(
        serde_json::to_string(&d).is_ok(),
        "{label}: decision does not serialise"
    );
    d
}

fn check_fallback(label: &str, message: &str) {
    let d = check(label, message);
    assert_eq!(d.intent, "out_of_scope", "{label}: {}", d.why);
    assert_eq!(d.action, NextAction::Fallback, "{label}");
    assert_eq!(d.priority, None, "{label}");
    assert!(
        d.faq.is_empty(),
        "{label}: FAQ hits for nothing: {:?}",
        d.faq
    );
    assert!(!d.truncated, "{label}");
}

#[test]
fn empty_and_whitespace_fall_back() {
    check_fallback("empty", "");
    for (label, m) in [
        ("spaces", "     "),
        ("tabs and newlines", "\t\n\r\n  \t"),
        ("unicode spaces", "\u{a0}\u{2003}\u{3000}\u{2028}"),
        ("zero-width", "\u{200b}\u{200d}\u{feff}"),
    ] {
        check_fallback(label, m);
    }
    let d = engine().decide("");
    assert_eq!(d.language, engine().pack().default_language);
}

#[test]
fn one_megabyte_message_is_truncated() {
    let mut m = String::new();
    while m.len() < 1 << 20 {
        m.push_str("my vpn keeps disconnecting from home, globalprotect drops ");
    }
    let started = std::time::Instant::now();
    let d = check("1 MB", &m);
    let took = started.elapsed();
    assert!(d.truncated, "1 MB message not marked truncated");
    assert!(d.why.contains("truncated"), "why: {}", d.why);
    assert!(
        d.why.contains(&MAX_INPUT_BYTES.to_string()),
        "why: {}",
        d.why
    );
    assert_eq!(
        d.intent, "vpn",
        "the start of the message is still read: {}",
        d.why
    );
    assert!(took.as_secs() < 2, "1 MB message took {took:?}");
}

#[test]
fn long_message_cut_inside_a_multibyte_character() {
    // 'ż' is two bytes; an odd prefix puts the cut in the middle of one.
    let m = format!("a{}", "ż".repeat(MAX_INPUT_BYTES));
    let d = check("multibyte cut", &m);
    assert!(d.truncated);
    let m = "🔥".repeat(MAX_INPUT_BYTES / 4 + 1);
    assert!(check("emoji cut", &m).truncated);
}

#[test]
fn a_message_just_under_the_limit_is_not_truncated() {
    let mut m = "printer broken ".repeat(MAX_INPUT_BYTES / 15);
    m.truncate(MAX_INPUT_BYTES);
    let d = check("at limit", &m);
    assert!(!d.truncated, "{} bytes marked truncated", m.len());
    assert!(!d.why.contains("truncated"), "why: {}", d.why);
}

#[test]
fn emoji_only() {
    for (label, m) in [
        ("faces", "😀😃😄😁😆"),
        ("flag and zwj family", "🇵🇱 👨‍👩‍👧‍👦 🏳️‍🌈"),
        ("skin tones", "👍🏽👍🏿"),
    ] {
        check_fallback(label, m);
    }
    // Emoji around real words must not hide them.
    let d = check("emoji around words", "🔥🔥 my printer is jammed again 🖨️😡");
    assert_eq!(d.intent, "printer", "{}", d.why);
}

#[test]
fn right_to_left_scripts() {
    for (label, m) in [
        ("arabic", "مرحبا، لا أستطيع الاتصال بالشبكة"),
        ("hebrew", "שלום, המדפסת לא עובדת"),
        ("rtl override", "\u{202e}tcennoc t'now npv\u{202c}"),
        ("mixed direction", "VPN לא עובד, الطابعة معطلة"),
    ] {
        check(label, m);
    }
}

#[test]
fn combining_characters() {
    // "café" with a combining acute, and Polish written with combining marks (z + dot above, etc.).
    check("decomposed latin", "cafe\u{301} e\u{301}e\u{301}e\u{301}");
    let decomposed = "zapomnia\u{142}em has\u{142}a, nie mog\u{119} si\u{119} zalogowa\u{107}"
        .chars()
        .collect::<String>();
    let d = check("precomposed polish", &decomposed);
    assert_eq!(d.language, "pl");
    let nfd = "zapomnialem hasla do komputera, prosze o reset; z\u{307}o\u{301}\u{142}w";
    let d = check("nfd polish", nfd);
    assert_eq!(d.intent, "password_reset", "{}", d.why);

    let zalgo = "v\u{334}\u{31b}\u{35d}p\u{337}\u{321}\u{35a}n\u{338}\u{330} \u{335}\u{35b}d\u{336}o\u{334}e\u{337}s\u{335} n\u{338}o\u{336}t\u{334} w\u{337}o\u{335}r\u{336}k\u{338}";
    let d = check("zalgo", zalgo);
    assert_eq!(d.intent, "vpn", "zalgo marks should fold away: {}", d.why);
    check(
        "only combining marks",
        "\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}",
    );
    check(
        "thousands of marks",
        &format!("a{}", "\u{301}".repeat(3000)),
    );
}

#[test]
fn control_characters() {
    check_fallback("nul", "\u{0}");
    check_fallback("nuls", "\u{0}\u{0}\u{0}\u{1}\u{2}");
    check_fallback("del", "\u{7f}\u{7f}");
    let d = check("nul between words", "my\u{0}vpn\u{0}won't\u{0}connect");
    assert_eq!(d.intent, "vpn", "{}", d.why);
    for (label, m) in [
        ("bell and backspace", "\u{7}\u{8}\u{8}hello"),
        ("c1 controls", "\u{85}\u{9b}31m\u{9c}"),
        ("form feed, vertical tab", "printer\u{c}\u{b}offline"),
        ("ansi cursor moves", "\u{1b}[2J\u{1b}[H\u{1b}]0;title\u{7}"),
    ] {
        check(label, m);
    }
}

#[test]
fn ansi_escapes_do_not_hide_words() {
    // A message pasted from a coloured terminal reads as the same words without the colours.
    let plain = check("plain", "the printer on the third floor is offline");
    assert_eq!(plain.intent, "printer", "{}", plain.why);
    for (label, m) in [
        (
            "ansi colour",
            "\u{1b}[31mthe printer on the third floor is offline\u{1b}[0m",
        ),
        (
            "ansi bold word",
            "the \u{1b}[1mprinter\u{1b}[0m on the third floor is offline",
        ),
    ] {
        let d = check(label, m);
        assert_eq!(
            d.intent, plain.intent,
            "{label}: ANSI escapes must not hide words: {}",
            d.why
        );
    }
}

#[test]
fn odd_but_valid_utf8() {
    for (label, m) in [
        ("replacement chars", "\u{fffd}\u{fffd}\u{fffd}"),
        ("noncharacters", "\u{fdd0}\u{fffe}\u{ffff}\u{10ffff}"),
        ("private use", "\u{e000}\u{f8ff}\u{f0000}"),
        ("bom first", "\u{feff}my printer is offline"),
        ("surrogate-looking text", "\\ud83d\\ude00 vpn"),
        ("fullwidth", "ＶＰＮ ｗｏｎ'ｔ ｃｏｎｎｅｃｔ"),
        ("ligatures", "ﬁle ﬂoor printer"),
        ("cjk", "我的打印机坏了"),
        ("mathematical bold", "𝐯𝐩𝐧 𝐢𝐬 𝐝𝐨𝐰𝐧"),
        ("turkish dotted i", "İSTANBUL ofisinde İnternet yok"),
        ("single quote", "'"),
        ("punctuation", "?!?!... --- ;;;"),
        ("digits", "1234567890"),
        ("url", "https://example.com/?q=%00%ff"),
    ] {
        check(label, m);
    }
    let d = check("fullwidth vpn", "ＶＰＮ ｗｏｎ'ｔ ｃｏｎｎｅｃｔ");
    assert_eq!(d.intent, "vpn", "NFKC folds fullwidth letters: {}", d.why);
}

#[test]
fn many_words_each_one_letter() {
    let m = "a ".repeat(2000);
    check("one-letter words", &m);
    let m = "ą ".repeat(1000);
    assert_eq!(check("polish letters only", &m).language, "pl");
}
