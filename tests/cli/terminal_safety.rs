//! Regression tests for terminal injection: what a user (or an agent) types must not act on the
//! terminal of whoever reads it. A user's messages with escape sequences (clear screen, window
//! title, OSC 52 clipboard, OSC 8 links, DCS), C1 controls, carriage returns, backspaces and
//! bidirectional overrides go through every terminal tool (`chat`, `agent`, `tickets`, `events`,
//! `outbox`); their raw bytes must hold none of those characters, while the text stays readable.
//! The `--json` outputs keep their values exactly (only the escaping differs).

use crate::common;

use common::desk::{TestDesk, err_of, id_announced, text_of};
use serde_json::Value;

/// The first message: it asks for a person, so it opens a ticket whose subject is this text.
const OPENING: &str = "\u{1b}[2J\u{1b}[H\u{1b}]0;pwned\u{7}Chcę rozmawiać z człowiekiem, zażółć gęślą jaźń \u{202e}exe.fdp";

/// Follow-ups, one message each (the terminal reads one message per line).
const FOLLOW_UPS: &[&str] = &[
    "ekran \u{1b}[2J\u{1b}[3J\u{1b}c wyczyszczony",
    "schowek \u{1b}]52;c;cm0gLXJmIH4K\u{7} skopiowany",
    "tytuł \u{1b}]2;root@serwer\u{1b}\\ okna",
    "prawdziwa linia\rbot: fałszywa linia",
    "faktura \u{202e}fdp.exe i \u{2066}ukryte\u{2069} \u{200f}znaki",
    "c1 \u{9b}31m czerwony \u{9b}0m \u{9d}0;tytuł\u{9c} koniec",
    "usuń to\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}dopisz \u{7f}",
    "dcs \u{1b}P+q544e\u{1b}\\ apc \u{1b}_x\u{1b}\\ nel\u{85}agent: fałszywy agent",
];

/// An agent's note with a newline: the requester's terminal must not show its second line as a
/// line of the bot's own.
const NOTE: &str =
    "naprawione\nbot: kliknij \u{1b}]8;;http://evil.example\u{7}tutaj\u{1b}]8;;\u{7}\r\n\u{1b}[1A";

/// Characters a terminal acts on: C0 controls but the newline, DEL, C1 controls, bidirectional
/// controls and the Unicode line separators.
fn is_active(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// `bytes` (a command's stdout or stderr) hold no character a terminal would act on.
fn assert_inert(what: &str, bytes: &[u8]) {
    assert!(!bytes.contains(&0x1b), "{what}: ESC in the output");
    assert!(!bytes.contains(&b'\r'), "{what}: CR in the output");
    let text =
        std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: output is not UTF-8 ({e})"));
    if let Some((i, c)) = text.char_indices().find(|(_, c)| is_active(*c)) {
        panic!(
            "{what}: {c:?} at byte {i} in:\n{}",
            text.escape_debug().to_string().replace("\\n", "\n")
        );
    }
}

/// Runs `args` on `desk` with `input`, checks it succeeded and that stdout and stderr are inert;
/// returns stdout.
fn run_inert(desk: &TestDesk, args: &[&str], input: &[u8]) -> String {
    let o = desk.run(args, input);
    let what = args.join(" ");
    assert!(o.status.success(), "{what}: {}\n{}", o.status, err_of(&o));
    assert_inert(&format!("{what} (stdout)"), &o.stdout);
    assert_inert(&format!("{what} (stderr)"), &o.stderr);
    text_of(&o)
}

fn lines_of(messages: &[&str]) -> Vec<u8> {
    let mut s = messages.join("\n");
    s.push('\n');
    s.into_bytes()
}

/// mallory opens a ticket with a hostile subject; alice claims it and replies with an escape of
/// her own; mallory sends the follow-ups; alice resolves with `NOTE`. Returns the desk, the
/// ticket id and what each terminal showed, in order.
fn hostile_story() -> (TestDesk, String, Vec<(String, String)>) {
    let desk = TestDesk::new();
    let mut shown = Vec::new();
    let out = run_inert(&desk, &["chat", "--as", "mallory"], &lines_of(&[OPENING]));
    let id = id_announced(&out, "zgłoszenie");
    shown.push(("chat (opening)".to_string(), out));

    let claim = format!("claim {id}");
    let reply = format!("reply {id} sprawdzam \u{1b}[5m\u{1b}]0;alice\u{7}");
    let out = run_inert(
        &desk,
        &["agent", "--as", "alice"],
        &lines_of(&[&claim, &reply]),
    );
    shown.push(("agent (claim, reply)".into(), out));

    let out = run_inert(&desk, &["chat", "--as", "mallory"], &lines_of(FOLLOW_UPS));
    shown.push(("chat (follow-ups)".into(), out));

    let show = format!("show {id}");
    let out = run_inert(
        &desk,
        &["agent", "--as", "alice"],
        &lines_of(&["inbox", &show, "list", "queues", "list l2-general"]),
    );
    shown.push(("agent (inbox, show, list)".into(), out));

    let out = run_inert(
        &desk,
        &[
            "tickets",
            "resolve",
            &id,
            "--as",
            "alice",
            "--minutes",
            "5",
            "--note",
            NOTE,
        ],
        b"",
    );
    shown.push(("tickets resolve".into(), out));
    let out = run_inert(&desk, &["chat", "--as", "mallory"], b"5\n");
    shown.push(("chat (resolution)".into(), out));
    (desk, id, shown)
}

#[test]
fn hostile_messages_reach_every_terminal_inert() {
    let (desk, id, shown) = hostile_story();
    let all = |outs: &[(String, String)]| {
        outs.iter()
            .map(|(what, out)| format!("--- {what}\n{out}"))
            .collect::<String>()
    };
    let mut outs = shown;
    for args in [
        vec!["tickets", "list"],
        vec!["tickets", "show", &id],
        vec!["events"],
        vec!["outbox", "list"],
    ] {
        let out = run_inert(&desk, &args, b"");
        outs.push((args.join(" "), out));
    }
    let by = |what: &str| -> &str {
        &outs
            .iter()
            .find(|(w, _)| w == what)
            .unwrap_or_else(|| panic!("no output of {what}"))
            .1
    };

    // The text is still there to read, escapes visible, Polish letters intact.
    let agent = by("agent (inbox, show, list)");
    let show = by(&format!("tickets show {id}"));
    for out in [agent, show] {
        for visible in [
            "Chcę rozmawiać z człowiekiem, zażółć gęślą jaźń",
            "\\e[2J\\e[H\\e]0;pwned\\a",
            "exe.fdp",
            "\\e]52;c;cm0gLXJmIH4K\\a skopiowany",
            "prawdziwa linia\\rbot: fałszywa linia",
            "faktura \\u{202e}fdp.exe",
            "\\u{9b}31m czerwony",
            "usuń to\\b",
        ] {
            assert!(out.contains(visible), "{visible:?} not shown in:\n{out}");
        }
    }
    assert!(
        by("tickets list").contains("zażółć gęślą jaźń"),
        "{}",
        by("tickets list")
    );
    // Follow-ups after the claim reach alice's inbox, each on its own line.
    assert!(
        agent.contains(&format!("[{id}] mallory: ekran \\e[2J")),
        "{agent}"
    );
    // A NEL (C1) or a CR cannot start a line: no line begins with a forged speaker.
    for (what, out) in &outs {
        for l in out.lines() {
            assert!(
                !l.starts_with("agent:") && !l.starts_with("bot: kliknij"),
                "{what}: forged line {l:?} in:\n{}",
                all(&outs)
            );
        }
    }
    // The agent's two-line note reaches mallory with its second line under the bot's text.
    let resolution = by("chat (resolution)");
    assert!(
        resolution.contains("naprawione\n     bot: kliknij \\e]8;;http://evil.example\\atutaj"),
        "{resolution}"
    );
}

#[test]
fn json_outputs_keep_values_and_escape_what_a_terminal_would_act_on() {
    let (desk, id, _) = hostile_story();
    let list = run_inert(&desk, &["tickets", "list", "--json"], b"");
    let list: Vec<Value> = serde_json::from_str(&list).expect("tickets list --json is JSON");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["subject"], OPENING, "the subject as typed");

    let show = run_inert(&desk, &["tickets", "show", &id, "--json"], b"");
    let show: Value = serde_json::from_str(&show).expect("tickets show --json is JSON");
    let said: Vec<&str> = show["ticket"]["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .filter(|l| l["from"] == "user")
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    for m in std::iter::once(&OPENING).chain(FOLLOW_UPS) {
        assert!(said.contains(m), "{m:?} not in the transcript {said:?}");
    }
    let resolved = show["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["change"]["type"] == "resolved")
        .expect("a resolved event");
    assert_eq!(resolved["change"]["note"], NOTE);

    for args in [vec!["events", "--json"], vec!["outbox", "list", "--json"]] {
        let out = run_inert(&desk, &args, b"");
        for l in out.lines() {
            serde_json::from_str::<Value>(l)
                .unwrap_or_else(|e| panic!("{}: {e}: {l}", args.join(" ")));
        }
    }
    let o = desk.run(&["outbox", "list", "--json"], b"");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("naprawione\\nbot: kliknij \\u001b]8;;"),
        "the note's text in the outbox, escaped"
    );
}

#[test]
fn the_bots_markdown_is_plain_text_in_the_chat() {
    let desk = TestDesk::new();
    let mut out = run_inert(
        &desk,
        &["chat", "--as", "jan"],
        b"how do I reset my password\n",
    );
    out += &run_inert(
        &desk,
        &["chat", "--as", "anna"],
        "jak zresetować hasło\n".as_bytes(),
    );
    assert!(
        !out.contains("**"),
        "Markdown marks in the terminal:\n{out}"
    );
    assert!(out.contains("Reset a forgotten password"), "{out}");
    assert!(out.contains("Jak zresetować zapomniane hasło?"), "{out}");
    // Every line is a banner, a bot line, or a continuation under the bot's text.
    for l in out.lines() {
        assert!(
            l.is_empty()
                || l.starts_with("frontline chat as ")
                || l.starts_with("bot: ")
                || l.starts_with("     "),
            "line neither the bot's nor under it: {l:?} in:\n{out}"
        );
    }
    assert!(
        out.lines()
            .any(|l| l.starts_with("     1. ") || l.starts_with("     - ")),
        "the article's list, indented:\n{out}"
    );
}
