//! Durable timers from the command line with a controlled clock: `frontline timers fire --until`
//! fires what is due as if the clock read that instant. A ticket's SLA warning and breach timers
//! are in the store as soon as it is opened, fire once each (in due order, each with an event
//! carrying its id), move to the next opening outside business hours, and go away when their
//! reason does (a claim meets the first response; waiting on the requester pauses resolution).

use std::path::Path;

use serde_json::Value;

use crate::common::{assert_ok, run_in, stdout, write};

const CONFIG_EXTRA: &str = r#"
[calendars.office-pl]
timezone = "Europe/Warsaw"
[calendars.office-pl.hours]
mon = ["08:00-16:00"]
tue = ["08:00-16:00"]
wed = ["08:00-16:00"]
thu = ["08:00-16:00"]
fri = ["08:00-16:00"]
"#;

fn frontline(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--config", "frontline.toml", "--data", "store"]);
    run_in(dir, &all, stdin.as_bytes())
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let o = frontline(dir, args, "");
    assert_ok(&o, &args.join(" "));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

fn timer_ids(dir: &Path) -> Vec<String> {
    json(dir, &["timers", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sla_timers_fire_once_in_order_and_go_away_with_their_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = frontline::config::DEFAULT_CONFIG.replace(
        "users = [\"local:jan\", \"local:anna\"]",
        "users = [\"local:jan\", \"local:anna\"]\ncalendar = \"office-pl\"",
    ) + CONFIG_EXTRA;
    write(dir, "frontline.toml", &config);
    let o = frontline(
        dir,
        &["chat", "--as", "jan"],
        "my vpn keeps disconnecting\nno\nconnected but slow\nsince this morning\nyes\n",
    );
    assert_ok(&o, "chat");
    let shown = json(dir, &["tickets", "show", "T-1000", "--json"]);
    let clocks = shown["clocks"].as_array().unwrap().clone();
    assert!(!clocks.is_empty(), "{shown}");
    let first_due = clocks[0]["due"].as_str().unwrap().to_string();

    // Opening scheduled a warning and a breach for both clocks, soonest first.
    let listed = json(dir, &["timers", "list", "--json"]);
    let kinds: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["kind"].as_str().unwrap(), t["about"].as_str().unwrap()))
        .collect();
    // Nobody claimed it: re-announced after 60 business minutes (Monday 09:00), before the SLA
    // warning (80% of 240 minutes: 11:12) and the breach (12:00).
    assert_eq!(
        kinds,
        [
            ("unclaimed_bump", "queue"),
            ("sla_warning", "first_response"),
            ("sla_breach", "first_response"),
            ("sla_warning", "resolution"),
            ("sla_breach", "resolution")
        ],
        "{listed}"
    );
    assert_eq!(listed[0]["due"], "2026-11-30T09:00:00+01:00");
    assert_eq!(listed[2]["due"], first_due.as_str());
    for t in listed.as_array().unwrap() {
        assert_eq!(t["ticket"], "T-1000");
        assert!(t["id"].as_str().unwrap().starts_with("T-1000:"), "{t}");
    }

    // Fired up to the first-response deadline (a business instant: in office hours): the
    // warning and the breach, in that order, each once.
    let fired = json(dir, &["timers", "fire", "--until", &first_due, "--json"]);
    let all: Vec<&str> = fired
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    // Re-announced at 09:00 and 10:00, then (the second time) escalated to L3; the SLA clocks
    // go on counting from the opening.
    assert_eq!(
        all,
        [
            "T-1000:unclaimed_bump:queue",
            "T-1000:unclaimed_bump:queue",
            "T-1000:sla_warning:first_response",
            "T-1000:sla_breach:first_response"
        ]
    );
    let again = json(dir, &["timers", "fire", "--until", &first_due, "--json"]);
    assert_eq!(again, serde_json::json!([]));
    let shown = json(dir, &["tickets", "show", "T-1000", "--json"]);
    let fired_events: Vec<&str> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["change"]["type"] == "timer_fired")
        .map(|e| e["change"]["timer"].as_str().unwrap())
        .collect();
    assert_eq!(
        fired_events, all,
        "one event per firing, carrying the timer's id"
    );
    assert_eq!(shown["ticket"]["tier"], "L3", "{}", shown["ticket"]);
    assert_eq!(shown["ticket"]["queue"], "l3-engineering");
    // (`tickets show` reads the real clock, before that deadline: its clocks run on.)

    // A claim answers it; asking the requester pauses resolution: no resolution timers then.
    let o = frontline(
        dir,
        &["agent", "--as", "root"],
        "claim T-1000\nask T-1000 which client version?\n",
    );
    assert_ok(&o, "agent");
    // Waiting on Jan: no SLA timer runs; the built-in automations remind him after 3 days and
    // close the ticket after 7.
    assert_eq!(
        timer_ids(dir),
        ["T-1000:reminder:waiting", "T-1000:auto_close:waiting"]
    );
    let listed = json(dir, &["timers", "list", "--json"]);
    let reminder_due = listed[0]["due"].as_str().unwrap().to_string();
    let fired = json(dir, &["timers", "fire", "--until", &reminder_due, "--json"]);
    assert_eq!(fired.as_array().unwrap().len(), 1, "{fired}");
    let o = frontline(dir, &["chat", "--as", "jan"], "");
    let said = stdout(&o);
    assert!(said.contains("A reminder about ticket T-1000"), "{said}");
    assert!(said.contains("will be closed on"), "{said}");
    // The requester answers: the reminders go, the resolution clock runs again with its timers.
    let o = frontline(dir, &["chat", "--as", "jan"], "version 6.1\n");
    assert_ok(&o, "chat");
    let ids = timer_ids(dir);
    assert!(
        ids.contains(&"T-1000:sla_breach:resolution".to_string()),
        "{ids:?}"
    );
    assert!(!ids.iter().any(|i| i.contains("waiting")), "{ids:?}");

    // Outside business hours a P3 breach waits for the opening instead of waking anyone.
    let listed = json(dir, &["timers", "list", "--ticket", "T-1000", "--json"]);
    let breach = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "T-1000:sla_breach:resolution")
        .unwrap()
        .clone();
    let due = breach["due"].as_str().unwrap();
    let due_ms = frontline::clocks::calendar::parse_instant(due).unwrap();
    // The deadline is at the latest at closing time; 22:00 the same day is outside hours.
    let evening = frontline::config::Config::parse(Path::new("x.toml"), &config)
        .unwrap()
        .calendars["office-pl"]
        .format(due_ms - due_ms % 86_400_000 + 21 * 3_600_000);
    let o = frontline(dir, &["timers", "fire", "--until", &evening], "");
    assert_ok(&o, "timers fire");
    let out = stdout(&o);
    assert!(out.contains("moved T-1000:sla_breach:resolution"), "{out}");
    assert!(out.contains("(outside business hours)"), "{out}");

    // Resolved: asked for a rating again a day later (Jan rates: that timer goes), closed by
    // itself 5 days later unless Jan reopens it.
    let o = frontline(
        dir,
        &["agent", "--as", "root"],
        "resolve T-1000 10 updated the client\n",
    );
    assert_ok(&o, "agent");
    assert_eq!(
        timer_ids(dir),
        ["T-1000:csat:rating", "T-1000:auto_close:resolved"]
    );
    let o = frontline(dir, &["chat", "--as", "jan"], "4\n");
    assert_ok(&o, "rating");
    assert!(
        stdout(&o).contains("Thank you for the rating!"),
        "{}",
        stdout(&o)
    );
    let listed = json(dir, &["timers", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], "T-1000:auto_close:resolved");
    let due = listed[0]["due"].as_str().unwrap().to_string();
    json(dir, &["timers", "fire", "--until", &due, "--json"]);
    let shown = json(dir, &["tickets", "show", "T-1000", "--json"]);
    assert_eq!(shown["ticket"]["status"], "closed", "{}", shown["ticket"]);
    assert_eq!(timer_ids(dir), Vec::<String>::new());
}
