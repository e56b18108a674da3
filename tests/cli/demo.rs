//! `frontline demo` as someone trying the reports on a new machine runs it: a year of generated
//! history on an empty store, read back with the ordinary commands (`tickets list`, `events`,
//! `outbox list`, `verify`): tickets across the months, of many intents and organisations, on
//! several platforms, worked, reopened, rated, changes with outcomes, SLA breaches; the same
//! seed gives the same tickets; a store that has tickets is refused, so a real desk never gets
//! made-up ones; nothing is left for a later `frontline run` to send.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::desk::{TestDesk, err_of, text_of};

const DEMO: &[&str] = &[
    "demo",
    "--tickets",
    "300",
    "--seed",
    "7",
    "--until",
    "2025-06-30",
];

fn demo(desk: &TestDesk) -> String {
    let o = desk.run(DEMO, b"");
    assert!(
        o.status.success(),
        "demo: {}\nstderr: {}",
        o.status,
        err_of(&o)
    );
    text_of(&o)
}

fn events(desk: &TestDesk) -> Vec<Value> {
    let o = desk.run(&["events", "--json"], b"");
    assert!(o.status.success(), "events: {}", err_of(&o));
    text_of(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn change_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["kind"] == "ticket")
        .map(|e| {
            e["event"]["change"]["type"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn month(ms: u64) -> String {
    frontline::contracts::local_date(ms, &jiff::tz::TimeZone::get("Europe/Warsaw").unwrap())[..7]
        .to_string()
}

/// What identifies the history a seed made: each ticket's id, requester, intent, organisation,
/// status, creation and rating.
fn fingerprint(tickets: &[Value]) -> Vec<String> {
    tickets
        .iter()
        .map(|t| {
            format!(
                "{} {} {} {} {} {} {}",
                t["id"],
                t["requester"]["id"],
                t["detection"]["intent"],
                t["organisation"],
                t["status"],
                t["created_ms"],
                t["rating"]
            )
        })
        .collect()
}

#[test]
fn a_year_of_history_on_an_empty_store_read_back_with_the_usual_commands() {
    let desk = TestDesk::new();
    let said = demo(&desk);
    assert!(
        said.starts_with("demo: 300 tickets,") && said.contains("2024-07-01 to 2025-06-30"),
        "{said}"
    );
    let tickets = desk.list();
    assert_eq!(tickets.len(), 300);

    let months: BTreeSet<String> = tickets
        .iter()
        .map(|t| month(t["created_ms"].as_u64().unwrap()))
        .collect();
    assert!(months.len() >= 10, "tickets in {months:?}");
    let intents: BTreeSet<&str> = tickets
        .iter()
        .filter_map(|t| t["detection"]["intent"].as_str())
        .collect();
    assert!(intents.len() >= 8, "intents {intents:?}");
    let orgs: BTreeSet<&str> = tickets
        .iter()
        .filter_map(|t| t["organisation"].as_str())
        .collect();
    assert!(orgs.len() >= 5, "organisations {orgs:?}");
    let departments: BTreeSet<&str> = tickets
        .iter()
        .filter_map(|t| t["report"]["department"].as_str())
        .collect();
    assert!(departments.len() >= 3, "departments {departments:?}");
    let platforms: BTreeSet<&str> = tickets
        .iter()
        .filter_map(|t| t["requester"]["platform"].as_str())
        .collect();
    assert!(
        ["local", "slack", "discord"]
            .iter()
            .all(|p| platforms.contains(p)),
        "platforms {platforms:?}"
    );
    // Worked by the configured agents.
    let agents: BTreeSet<&str> = tickets
        .iter()
        .filter_map(|t| t["assignee"].as_str())
        .collect();
    assert!(
        agents
            .iter()
            .all(|a| ["alice", "bob", "carol", "root"].contains(a))
    );
    assert!(
        agents.contains("alice") && agents.contains("carol"),
        "{agents:?}"
    );

    let status = |s: &str| tickets.iter().filter(|t| t["status"] == s).count();
    assert!(status("closed") + status("resolved") > 200);
    let open = ["new", "escalated", "claimed", "waiting_on_user"]
        .iter()
        .map(|s| status(s))
        .sum::<usize>();
    assert!(
        open >= 1,
        "some tickets are still open when the history ends"
    );

    let ratings: Vec<u64> = tickets
        .iter()
        .filter_map(|t| t["rating"].as_u64())
        .collect();
    assert!(ratings.len() > 60, "{} ratings", ratings.len());
    let high = ratings.iter().filter(|r| **r >= 4).count();
    assert!(high * 10 > ratings.len() * 6, "mostly 4-5: {ratings:?}");
    assert!(ratings.iter().any(|r| *r <= 2), "some 1-2: {ratings:?}");

    let changes: Vec<&Value> = tickets.iter().filter(|t| !t["change"].is_null()).collect();
    assert!(!changes.is_empty(), "some tickets are changes");
    let outcomes: BTreeSet<&str> = changes
        .iter()
        .filter_map(|t| t["change"]["outcome"].as_str())
        .collect();
    assert!(outcomes.contains("successful"), "{outcomes:?}");

    let breached = tickets
        .iter()
        .filter(|t| {
            t["report"]["sla_first_response"] == "breached"
                || t["report"]["sla_resolution"] == "breached"
        })
        .count();
    assert!(breached > 0 && breached < 150, "{breached} SLA breaches");

    let log = events(&desk);
    let types = change_types(&log);
    let count = |ty: &str| types.iter().filter(|t| *t == ty).count();
    for ty in [
        "claimed",
        "agent_replied",
        "asked_user",
        "user_replied",
        "escalated",
        "transferred",
        "time_logged",
        "resolved",
        "reopened",
        "rated",
        "approved",
        "marked_as_change",
        "change_outcome_set",
    ] {
        assert!(count(ty) > 0, "no {ty} event in the history");
    }
    let bot = |ty: &str| {
        log.iter()
            .filter(|e| e["kind"] == "bot" && e["event"]["type"] == ty)
            .count()
    };
    assert!(bot("faq_offered") > 0 && bot("faq_answered") > 0);
    // Ticket events are logged in time order: one clock drove the history.
    let times: Vec<u64> = log.iter().filter_map(|e| e["at_ms"].as_u64()).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "the log goes back in time"
    );

    // Nothing waits to be sent to the made-up people.
    let o = desk.run(&["outbox", "list", "--pending", "--json"], b"");
    assert!(o.status.success(), "{}", err_of(&o));
    // One JSON object per entry: none.
    let pending = text_of(&o);
    assert!(pending.trim().is_empty(), "entries pending: {pending}");

    let o = desk.run(&["verify"], b"");
    assert!(o.status.success(), "verify: {}{}", text_of(&o), err_of(&o));

    // Organisations and their contracts as `orgs` shows them.
    let o = desk.run(&["orgs", "list", "--json"], b"");
    assert!(o.status.success(), "{}", err_of(&o));
    let listed: Vec<Value> = serde_json::from_str(&text_of(&o)).unwrap();
    assert!(listed.len() >= 6);
    assert!(
        listed
            .iter()
            .filter(|o| !o["contracts"].as_array().unwrap().is_empty())
            .count()
            >= 5
    );

    // A second demo on the same store is refused with a sentence, and changes nothing.
    let o = desk.run(DEMO, b"");
    assert_eq!(o.status.code(), Some(1), "{}", text_of(&o));
    assert!(err_of(&o).contains("already has tickets"), "{}", err_of(&o));
    assert_eq!(desk.list().len(), 300);

    // The same seed makes the same history on another store; another seed another one.
    let again = TestDesk::new();
    demo(&again);
    assert_eq!(fingerprint(&again.list()), fingerprint(&tickets));
    let other = TestDesk::new();
    let o = other.run(
        &[
            "demo",
            "--tickets",
            "40",
            "--seed",
            "8",
            "--until",
            "2025-06-30",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", err_of(&o));
    let first: Vec<String> = fingerprint(&other.list());
    assert_eq!(first.len(), 40);
    assert_ne!(first[..5], fingerprint(&tickets)[..5]);
}
