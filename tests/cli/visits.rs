//! Visits from the command line, through the real binary: `tickets visit` proposes a time in the
//! ticket's calendar's zone (refusing the past, garbage and unknown technicians with exit 1), the
//! requester confirms in `frontline chat`, the reminders are `visit_reminder` timers in `timers
//! list` that `timers fire --until` sends to the requester and the technician, `tickets show`
//! carries the visit (text and JSON), and `tickets visit --cancel` removes the reminders.

use std::path::Path;

use serde_json::Value;

use crate::common::{run_in, stderr, stdout, write};

fn frontline(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--config", "frontline.toml", "--data", "store"]);
    run_in(dir, &all, stdin.as_bytes())
}

/// A `tickets visit ... --json` answer and its exit code.
fn visit(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["tickets", "visit", "T-1000"];
    all.extend_from_slice(args);
    all.push("--json");
    let o = frontline(dir, &all, "");
    let v = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap_or(-1), v)
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let o = frontline(dir, args, "");
    assert!(o.status.success(), "{}: {}", args.join(" "), stdout(&o));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

fn chat(dir: &Path, who: &str, lines: &str) -> String {
    let o = frontline(dir, &["chat", "--as", who], lines);
    assert!(o.status.success(), "chat as {who}");
    stdout(&o)
}

fn visit_reminders(dir: &Path) -> Vec<(String, String)> {
    json(dir, &["timers", "list", "--ticket", "T-1000", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "visit_reminder")
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["due"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn propose_confirm_remind_and_cancel_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut config = frontline::config::DEFAULT_CONFIG
        .replace(
            "users = [\"local:jan\", \"local:anna\"]",
            "users = [\"local:jan\", \"local:anna\"]\ncalendar = \"office-pl\"",
        )
        .replace(
            "remind_before_minutes = 60\n",
            "remind_before_minutes = [1440, 60]\n",
        );
    config.push_str("\n[calendars.office-pl]\ntimezone = \"Europe/Warsaw\"\nhours = \"24x7\"\n");
    write(dir, "frontline.toml", &config);
    let said = chat(
        dir,
        "jan",
        "my laptop screen is flickering and goes black\n",
    );
    assert!(said.contains("T-1000"), "{said}");

    // Refused, exit 1, nothing proposed: the past, garbage, an unknown technician.
    let (code, v) = visit(
        dir,
        &["--at", "2020-01-01 10:00", "--remote", "--as", "alice"],
    );
    assert_eq!(code, 1, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("T-1000: Wed 2020-01-01 10:00 Europe/Warsaw is in the past (it is "),
        "{v}"
    );
    let (code, v) = visit(dir, &["--at", "next week-ish", "--as", "alice"]);
    assert_eq!(code, 1, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("is not a time I can read: write YYYY-MM-DD HH:MM (Europe/Warsaw)"),
        "{v}"
    );
    let (code, v) = visit(
        dir,
        &[
            "--at",
            "2099-12-01 14:00",
            "--technician",
            "zed",
            "--as",
            "alice",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("no agent named `zed`"),
        "{v}"
    );
    assert!(v["ticket"]["visit"].is_null(), "{v}");
    // Nobody named and nobody assigned: say who.
    let o = frontline(
        dir,
        &["tickets", "visit", "T-1000", "--at", "2099-12-01 14:00"],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("T-1000 has no assignee; say who acts with --as AGENT"),
        "{}",
        stderr(&o)
    );

    // alice claims it; the proposal (hers, as the assignee), in Warsaw time as typed.
    let o = frontline(dir, &["tickets", "claim", "T-1000", "--as", "alice"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let (code, v) = visit(
        dir,
        &[
            "--at",
            "2099-12-01 14:00",
            "--place",
            "Room 2.14",
            "--technician",
            "bob",
        ],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        v["message"],
        "T-1000: visit proposed for Tue 2099-12-01 14:00 Europe/Warsaw (2099-12-01T14:00:00+01:00), at Room 2.14, technician bob; jan has been asked to confirm."
    );
    assert_eq!(v["ticket"]["visit"]["state"], "proposed");
    assert!(visit_reminders(dir).is_empty(), "not confirmed yet");

    // jan reads it and confirms in words.
    let said = chat(dir, "jan", "potwierdzam\n");
    assert!(
        said.contains("alice is now handling ticket T-1000."),
        "{said}"
    );
    assert!(
        said.contains("alice proposes an on-site visit for your ticket T-1000:\n     - When: Tuesday, 1 December 2099, 14:00 (Europe/Warsaw)\n     - Where: Room 2.14\n     - Who: bob"),
        "{said}"
    );
    assert!(
        said.contains("Confirmed: an on-site visit for T-1000 on Tuesday, 1 December 2099, 14:00 (Europe/Warsaw). I'll remind you before it."),
        "{said}"
    );

    // Two reminders, a day and an hour before, in the timers list.
    assert_eq!(
        visit_reminders(dir),
        [
            (
                "T-1000:visit_reminder:1440".to_string(),
                "2099-11-30T14:00:00+01:00".to_string()
            ),
            (
                "T-1000:visit_reminder:60".to_string(),
                "2099-12-01T13:00:00+01:00".to_string()
            ),
        ]
    );
    let fired = json(
        dir,
        &[
            "timers",
            "fire",
            "--until",
            "2099-11-30T14:00:00+01:00",
            "--json",
        ],
    );
    assert!(
        fired
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == "T-1000:visit_reminder:1440"),
        "{fired}"
    );
    let said = chat(dir, "jan", "");
    assert!(
        said.contains("Reminder about T-1000: an on-site visit on Tuesday, 1 December 2099, 14:00 (Europe/Warsaw)."),
        "{said}"
    );
    let o = frontline(dir, &["agent", "--as", "bob"], "inbox\n");
    assert!(
        stdout(&o).contains(
            "[T-1000] Reminder: visit with jan on Tue 2099-12-01 14:00 Europe/Warsaw, Room 2.14"
        ),
        "{}",
        stdout(&o)
    );

    // The visit in `tickets show`, as JSON and as text.
    let shown = json(dir, &["tickets", "show", "T-1000", "--json"]);
    let v = &shown["visit"];
    assert_eq!(
        (
            &v["state"],
            &v["when"],
            &v["place"],
            &v["technician"],
            &v["remote"]
        ),
        (
            &Value::from("confirmed"),
            &Value::from("2099-12-01T14:00:00+01:00"),
            &Value::from("Room 2.14"),
            &Value::from("bob"),
            &Value::from(false)
        )
    );
    let o = frontline(dir, &["tickets", "show", "T-1000"], "");
    let text = stdout(&o);
    assert!(
        text.contains(
            "visit: confirmed: Tue 2099-12-01 14:00 Europe/Warsaw, on site at Room 2.14, technician bob"
        ),
        "{text}"
    );
    assert!(
        text.contains("alice  visit proposed for Tue 2099-12-01 14:00 Europe/Warsaw at Room 2.14, technician bob"),
        "{text}"
    );
    assert!(text.contains("jan  visit confirmed"), "{text}");

    // Cancelled: the remaining reminder goes, jan reads why.
    let o = frontline(
        dir,
        &[
            "tickets",
            "visit",
            "T-1000",
            "--cancel",
            "--reason",
            "fixed remotely",
            "--as",
            "alice",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "T-1000: the visit for Tue 2099-12-01 14:00 Europe/Warsaw is cancelled; jan has been told."
    );
    assert!(visit_reminders(dir).is_empty());
    let said = chat(dir, "jan", "");
    assert!(
        said.contains("An on-site visit for T-1000 on Tuesday, 1 December 2099, 14:00 (Europe/Warsaw) is cancelled (fixed remotely)."),
        "{said}"
    );
    // --cancel with a time is a usage error.
    let o = frontline(
        dir,
        &[
            "tickets",
            "visit",
            "T-1000",
            "--cancel",
            "--at",
            "2099-12-01 14:00",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
}
