//! The desk against bad input, through the real binary: huge messages, unknown tickets, people who
//! are not agents, missing queues, broken configuration files. Each refusal must be told to the
//! person and must leave the store as it was.

use crate::common;

use std::path::Path;

use common::desk::{
    TestDesk, err_of, event_types, id_announced, run_with_input, snapshot, text_of,
};
use serde_json::Value;

const MB: usize = 1 << 20;

// --- Huge messages ----------------------------------------------------------------------------

/// Any ticket in the store keeps only the start of a huge message.
fn assert_tickets_small(desk: &TestDesk) {
    for t in desk.list() {
        let subject = t["subject"].as_str().unwrap();
        assert!(
            subject.chars().count() <= 200,
            "subject of {} chars",
            subject.len()
        );
        for line in t["transcript"].as_array().unwrap() {
            let text = line["text"].as_str().unwrap();
            assert!(
                text.len() <= 8 * 1024,
                "transcript line of {} bytes",
                text.len()
            );
        }
        for a in t["answers"].as_array().unwrap() {
            let text = a[1].as_str().unwrap();
            assert!(text.len() <= 8 * 1024, "answer of {} bytes", text.len());
        }
        let whole = serde_json::to_string(&t).unwrap().len();
        assert!(
            whole <= 32 * 1024,
            "ticket of {whole} bytes from a 1 MB message"
        );
    }
}

/// A message of at least 1 MB: `start` and then ordinary words.
fn huge(start: &str) -> String {
    let mut s = start.to_string();
    while s.len() < MB {
        s.push_str(" lorem ipsum dolor sit amet");
    }
    s
}

#[test]
fn a_one_megabyte_message_is_answered_and_only_its_start_kept() {
    let desk = TestDesk::new();
    let message = huge("my laptop screen is cracked");
    let out = desk.chat_raw("jan", format!("{message}\n").as_bytes());
    let id = id_announced(&out, "I've opened ticket");
    assert!(
        out.len() < 16 * 1024,
        "the bot echoed the message: {} bytes",
        out.len()
    );
    let t = desk.show(&id);
    assert!(
        t["ticket"]["subject"]
            .as_str()
            .unwrap()
            .starts_with("my laptop screen is cracked"),
        "{}",
        t["ticket"]["subject"]
    );
    assert_tickets_small(&desk);
}

#[test]
fn one_megabyte_messages_at_every_step_of_a_conversation() {
    let desk = TestDesk::new();
    // An FAQ question, "no", huge follow-up answers, then huge additions to the open ticket.
    let lines = [
        huge("how do I reset my password"),
        "no".to_string(),
        huge("outlook"),
        huge("yes I tried, it said error"),
        huge("more details"),
        "x".repeat(MB),
    ];
    let out = desk.chat_raw("jan", format!("{}\n", lines.join("\n")).as_bytes());
    let id = id_announced(&out, "I've opened ticket");
    assert_eq!(
        out.matches(&format!("Added to ticket {id}")).count(),
        2,
        "each addition acknowledged:\n{}",
        &out[..out.len().min(4000)]
    );
    assert_eq!(
        event_types(&desk.show(&id)),
        ["opened", "user_replied", "user_replied"]
    );
    assert_tickets_small(&desk);
}

#[test]
fn a_one_megabyte_message_without_words_gets_an_answer() {
    let desk = TestDesk::new();
    let out = desk.chat_raw("jan", format!("{}\n", "a".repeat(MB)).as_bytes());
    let replies: Vec<&str> = out.lines().filter(|l| l.starts_with("bot: ")).collect();
    assert_eq!(replies.len(), 1, "{}", &out[..out.len().min(4000)]);
    assert!(replies[0].len() < 4096);
    assert_tickets_small(&desk);
}

#[test]
fn a_line_that_is_not_utf8_does_not_end_the_chat() {
    let desk = TestDesk::new();
    let o = desk.run(
        &["chat", "--as", "jan"],
        b"hello \xff\xfe there\nmy laptop screen is cracked\n",
    );
    assert!(o.status.success(), "{}: {}", o.status, err_of(&o));
    id_announced(&text_of(&o), "I've opened ticket");
}

// --- Refused agent commands leave the ticket as it was ----------------------------------------

/// A desk with one open ticket (jan's cracked screen), its id and its `tickets show --json` text.
fn desk_with_ticket() -> (TestDesk, String, String) {
    let desk = TestDesk::new();
    let id = desk.open_ticket("jan");
    let shown = desk.show_text(&id);
    (desk, id, shown)
}

/// `tickets ARGS --json` fails with a message containing `expected`, and changes nothing.
fn check_refused_cli(desk: &TestDesk, args: &[&str], expected: &str) {
    let before = snapshot_of_tickets(desk);
    let mut all = vec!["tickets"];
    all.extend_from_slice(args);
    all.push("--json");
    let o = desk.run(&all, b"");
    assert!(!o.status.success(), "{args:?} succeeded: {}", text_of(&o));
    let answer: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: no JSON ({e}): {}{}", text_of(&o), err_of(&o)));
    assert_eq!(answer["ok"], false, "{answer}");
    let message = answer["message"].as_str().unwrap_or("");
    assert!(
        message.contains(expected),
        "{args:?}: told {message:?}, expected {expected:?}"
    );
    assert_eq!(
        snapshot_of_tickets(desk),
        before,
        "{args:?} changed the store"
    );
}

/// The agent terminal answers `command` with a line containing `expected`, and changes nothing.
fn check_refused_terminal(desk: &TestDesk, agent: &str, command: &str, expected: &str) {
    let before = snapshot_of_tickets(desk);
    let out = desk.agent(agent, &[command]);
    let told: Vec<&str> = out.lines().skip(1).collect();
    assert!(
        told.iter().any(|l| l.contains(expected)),
        "{agent} `{command}`: told {told:?}, expected {expected:?}"
    );
    assert_eq!(
        snapshot_of_tickets(desk),
        before,
        "{agent} `{command}` changed the store"
    );
}

/// Every ticket with its event log, as `tickets show --json` prints them.
fn snapshot_of_tickets(desk: &TestDesk) -> Vec<String> {
    desk.list()
        .iter()
        .map(|t| desk.show_text(t["id"].as_str().unwrap()))
        .collect()
}

#[test]
fn claiming_an_unknown_ticket_is_refused() {
    let (desk, _id, _) = desk_with_ticket();
    check_refused_cli(&desk, &["claim", "T-99999", "--as", "alice"], "not found");
    check_refused_terminal(&desk, "alice", "claim T-99999", "not found");
    check_refused_terminal(&desk, "alice", "claim nonsense", "not found");
}

#[test]
fn a_non_agent_is_refused() {
    let (desk, id, shown) = desk_with_ticket();
    let only_agents = "Only support agents can do that.";
    check_refused_cli(&desk, &["claim", &id, "--as", "mallory"], only_agents);
    let resolve = [
        "resolve",
        &id,
        "--as",
        "mallory",
        "--minutes",
        "5",
        "--note",
        "done",
    ];
    check_refused_cli(&desk, &resolve, only_agents);
    for command in [
        format!("claim {id}"),
        format!("reply {id} hello"),
        format!("escalate {id} please"),
        format!("transfer {id} l2-general"),
        format!("resolve {id} 5 done"),
    ] {
        check_refused_terminal(&desk, "mallory", &command, only_agents);
    }
    // The requester is not an agent either.
    check_refused_terminal(&desk, "jan", &format!("claim {id}"), only_agents);
    assert_eq!(desk.show_text(&id), shown);
}

#[test]
fn transfer_to_a_missing_queue_is_refused() {
    let (desk, id, _) = desk_with_ticket();
    let transfer = format!("transfer {id} no-such-queue");
    check_refused_terminal(&desk, "alice", &transfer, "No queue named no-such-queue");
    // Also once claimed, by the assignee.
    desk.agent("alice", &[&format!("claim {id}")]);
    check_refused_terminal(&desk, "alice", &transfer, "No queue named no-such-queue");
    assert_eq!(desk.show(&id)["ticket"]["assignee"], "alice");
}

#[test]
fn resolving_someone_elses_ticket_is_refused() {
    let (desk, id, _) = desk_with_ticket();
    let by = |who: &'static str| -> [&str; 8] {
        [
            "resolve",
            &id,
            "--as",
            who,
            "--minutes",
            "5",
            "--note",
            "done",
        ]
    };
    // Unclaimed: nobody can resolve it yet.
    check_refused_cli(&desk, &by("bob"), "claimed");
    desk.agent("alice", &[&format!("claim {id}")]);
    check_refused_cli(&desk, &by("bob"), "assigned to alice");
    let resolve = format!("resolve {id} 5 done");
    check_refused_terminal(&desk, "bob", &resolve, "assigned to alice");
    // Not even an L3 agent resolves alice's ticket.
    check_refused_cli(&desk, &by("carol"), "assigned to alice");
    let t = desk.show(&id);
    assert_eq!(t["ticket"]["status"], "claimed");
    assert_eq!(t["ticket"]["assignee"], "alice");
    assert_eq!(t["ticket"]["minutes_spent"], 0);
}

#[test]
fn transferring_someone_elses_claimed_ticket_to_a_queue_is_refused() {
    let (desk, id, _) = desk_with_ticket();
    desk.agent("alice", &[&format!("claim {id}")]);
    check_refused_terminal(
        &desk,
        "bob",
        &format!("transfer {id} l2-general"),
        id.as_str(),
    );
    assert_eq!(desk.show(&id)["ticket"]["assignee"], "alice");
}

#[test]
fn a_ticket_in_an_l3_queue_is_an_l3_ticket() {
    let (desk, id, _) = desk_with_ticket();
    desk.agent("bob", &[&format!("transfer {id} l3-engineering")]);
    let t = desk.show(&id);
    if t["ticket"]["queue"] == "l3-engineering" {
        assert_eq!(t["ticket"]["tier"], "L3", "{}", t["ticket"]);
    }
}

// --- Broken configuration files ---------------------------------------------------------------

const EXAMPLE: &str = include_str!("../../frontline.example.toml");

/// The example configuration with the first `from` replaced by `to`, and the line number of it.
fn broken_config(from: &str, to: &str) -> (String, usize) {
    let at = EXAMPLE
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} not in the example"));
    let line = EXAMPLE[..at].matches('\n').count() + 1;
    (EXAMPLE.replacen(from, to, 1), line)
}

/// With the example config edited (`from` → `to`), every desk command exits non-zero naming the
/// file, the line and `field` on stderr, and the data directory is neither created nor changed.
fn check_bad_config(from: &str, to: &str, field: &str) {
    let (text, line) = broken_config(from, to);
    let root = tempfile::tempdir().unwrap();
    let config = root.path().join("broken.toml");
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap();

    // A data directory with a ticket in it, and one that does not exist yet.
    let desk = TestDesk::new();
    let id = desk.open_ticket("jan");
    let existing = desk.data();
    let before = snapshot(&existing);
    let missing = root.path().join("no-data-yet");

    for data in [existing.as_path(), missing.as_path()] {
        let d = data.to_str().unwrap();
        let c = ["--config", config, "--data", d];
        let with = |args: &[&'static str]| -> Vec<&str> { [args, &c[..]].concat() };
        let claim = format!("claim {id}\n");
        let commands: Vec<(Vec<&str>, &[u8])> = vec![
            (
                with(&["chat", "--as", "jan"]),
                &b"my laptop screen is cracked\n"[..],
            ),
            (with(&["agent", "--as", "alice"]), claim.as_bytes()),
            (with(&["tickets", "list"]), &b""[..]),
            ([&["tickets", "show", &id][..], &c[..]].concat(), &b""[..]),
            (
                [&["tickets", "claim", &id, "--as", "alice"][..], &c[..]].concat(),
                &b""[..],
            ),
        ];
        for (args, stdin) in commands {
            let o = run_with_input(root.path(), &args, stdin.to_vec());
            let err = err_of(&o);
            assert!(
                !o.status.success(),
                "{args:?} succeeded with a broken config"
            );
            assert!(
                err.contains(&format!("broken.toml:{line}")),
                "{args:?}: stderr does not name broken.toml:{line}: {err}"
            );
            assert!(
                err.contains(field),
                "{args:?}: stderr does not name `{field}`: {err}"
            );
            assert_eq!(err.lines().count(), 1, "one line: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    assert!(!missing.exists(), "the data directory was created");
    assert_eq!(snapshot(&existing), before, "the data directory changed");
    assert_eq!(event_types(&desk.show(&id)), ["opened"]);
}

#[test]
fn a_typo_in_a_field_name_is_reported_with_file_line_and_field() {
    check_bad_config("role = \"L3\"", "rol = \"L3\"", "rol");
    check_bad_config("l3_queue = ", "l3_queeu = ", "l3_queeu");
    check_bad_config(
        "first_response_minutes = 60",
        "first_respons_minutes = 60",
        "first_respons_minutes",
    );
}

#[test]
fn a_routing_rule_to_a_missing_queue_is_reported_with_file_line_and_field() {
    check_bad_config(
        "queue = \"l2-security\"",
        "queue = \"l2-secrity\"",
        "routing[0].queue",
    );
    check_bad_config(
        "l3_queue = \"l3-engineering\"",
        "l3_queue = \"l3-nowhere\"",
        "l3_queue",
    );
}

#[test]
fn a_value_of_the_wrong_type_names_its_field() {
    check_bad_config(
        "first_response_minutes = 15",
        "first_response_minutes = \"15\"",
        "first_response_minutes",
    );
}

#[test]
fn an_unknown_tier_names_its_field() {
    check_bad_config("tier = \"L2\"", "tier = \"L9\"", "tier");
}

#[test]
fn a_missing_config_file_is_reported() {
    let desk = TestDesk::new();
    let missing = desk.root().join("nowhere.toml");
    let o = desk.run(
        &["tickets", "list", "--config", missing.to_str().unwrap()],
        b"",
    );
    assert!(!o.status.success());
    assert!(err_of(&o).contains("nowhere.toml"), "{}", err_of(&o));
    assert!(
        !Path::new(&desk.data()).exists(),
        "the data directory was created"
    );
}
