//! SLA clocks through the desk with a controlled clock: every event is processed at a chosen
//! instant of a business week in Warsaw (Mon-Fri 08:00-16:00), and the clocks are read at chosen
//! instants, as `tickets show --json` prints them. Waiting on the requester pauses the
//! resolution clock and moves its deadline by the business time paused; the requester's message
//! starts the next-response clock; resolving stops the clocks and reopening resumes the
//! resolution clock with what was left, without an instant breach; the first response is never
//! overruled by another clock.

use std::path::Path;
use std::sync::Arc;

use frontline::clocks::calendar::parse_instant;
use frontline::clocks::sla::{ClockKind, ClockState};
use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::desk::{AgentCommand, Desk, Event, Incoming};
use frontline::store::{SledStore, Store};
use frontline::tickets::{Status, UserRef};

use frontline::pack::Pack;
use frontline::triage::Triage;

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&crate::common::default_pack()).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

fn config() -> Config {
    let text = regex::Regex::new(r"first_response_minutes = \d+")
        .unwrap()
        .replace_all(DEFAULT_CONFIG, "first_response_minutes = 240");
    let text = regex::Regex::new(r"resolution_minutes = \d+")
        .unwrap()
        .replace_all(
            &text,
            "resolution_minutes = 1440\nnext_response_minutes = 60",
        );
    let text = text.replace(
        "users = [\"local:jan\", \"local:anna\"]",
        "users = [\"local:jan\", \"local:anna\"]\ncalendar = \"office-pl\"",
    ) + r#"
[calendars.office-pl]
timezone = "Europe/Warsaw"
[calendars.office-pl.hours]
mon = ["08:00-16:00"]
tue = ["08:00-16:00"]
wed = ["08:00-16:00"]
thu = ["08:00-16:00"]
fri = ["08:00-16:00"]
"#;
    Config::parse(Path::new("sla.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> u64 {
    parse_instant(s).unwrap()
}

fn agent(command: AgentCommand) -> Incoming {
    Incoming::plain(Event::Agent {
        by: UserRef::local("alice"),
        roles: vec![],
        command,
    })
}

fn jan(text: &str) -> Incoming {
    Incoming::plain(Event::UserMessage {
        user: UserRef::local("jan"),
        text: text.into(),
    })
}

/// Each clock as (kind, due in Warsaw, state).
fn clocks(desk: &Desk, now: &str) -> Vec<(ClockKind, String, ClockState)> {
    let t = desk.store().ticket("T-1000").unwrap().expect("T-1000");
    let cal = desk
        .config()
        .calendar_for(t.organisation.as_deref(), &t.queue);
    desk.config()
        .clocks(&t, at(now))
        .into_iter()
        .map(|c| (c.kind, cal.format(c.due_ms), c.state))
        .collect()
}

#[test]
fn clocks_pause_resume_and_never_overrule_each_other() {
    use ClockKind::*;
    use ClockState::*;
    let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
    let desk = Desk::new(engine(), config(), store);
    let run = |incoming: Incoming, when: &str| {
        desk.process(incoming, at(when)).expect("processed");
    };
    let d = |s: &str| s.to_string();

    // Monday 30 November, 15:00: a ticket from the form. First response 240 business minutes:
    // Monday's last hour and Tuesday until 11:00. Resolution 1,440: Thursday 15:00.
    run(
        Incoming::plain(Event::OpenTicket {
            user: UserRef::local("jan"),
            subject: "VPN drops".into(),
            description: "every few minutes since this morning".into(),
        }),
        "2026-11-30T15:00:00+01:00",
    );
    assert_eq!(
        clocks(&desk, "2026-11-30T15:30:00+01:00"),
        [
            (FirstResponse, d("2026-12-01T11:00:00+01:00"), Running),
            (Resolution, d("2026-12-03T15:00:00+01:00"), Running),
        ]
    );
    // Past 11:00 on Tuesday with nobody answering: the first response is breached.
    assert_eq!(
        clocks(&desk, "2026-12-01T11:00:00+01:00")[0],
        (FirstResponse, d("2026-12-01T11:00:00+01:00"), Breached)
    );
    // Alice claims at 09:00 Tuesday (met), and at 10:00 asks Jan something: the resolution
    // clock pauses; its deadline moves with every business minute Jan takes.
    run(
        agent(AgentCommand::Claim {
            ticket: "T-1000".into(),
        }),
        "2026-12-01T09:00:00+01:00",
    );
    run(
        agent(AgentCommand::Ask {
            ticket: "T-1000".into(),
            text: "Which client version?".into(),
        }),
        "2026-12-01T10:00:00+01:00",
    );
    // At 12:00, two business hours paused: Thursday 15:00 + 2 h is Friday 09:00.
    assert_eq!(
        clocks(&desk, "2026-12-01T12:00:00+01:00"),
        [
            (FirstResponse, d("2026-12-01T11:00:00+01:00"), Met),
            (Resolution, d("2026-12-04T09:00:00+01:00"), Paused),
        ]
    );
    // Jan answers on Wednesday at 10:00: paused Tuesday 10:00-16:00 and Wednesday 08:00-10:00
    // (8 business hours), so resolution is due Friday 15:00; his message starts the
    // next-response clock (60 minutes: Wednesday 11:00).
    run(jan("version 6.1, on Windows"), "2026-12-02T10:00:00+01:00");
    let t = desk.store().ticket("T-1000").unwrap().unwrap();
    assert_eq!(t.status, Status::Claimed, "{:?}", t.clock);
    assert_eq!(
        clocks(&desk, "2026-12-02T10:30:00+01:00"),
        [
            (FirstResponse, d("2026-12-01T11:00:00+01:00"), Met),
            (NextResponse, d("2026-12-02T11:00:00+01:00"), Running),
            (Resolution, d("2026-12-04T15:00:00+01:00"), Running),
        ]
    );
    // Alice answers at 12:30, late: next response breached; the first response stays met.
    run(
        agent(AgentCommand::Reply {
            ticket: "T-1000".into(),
            text: "Please update to 6.2".into(),
        }),
        "2026-12-02T12:30:00+01:00",
    );
    assert_eq!(
        clocks(&desk, "2026-12-02T13:00:00+01:00"),
        [
            (FirstResponse, d("2026-12-01T11:00:00+01:00"), Met),
            (NextResponse, d("2026-12-02T11:00:00+01:00"), Breached),
            (Resolution, d("2026-12-04T15:00:00+01:00"), Running),
        ]
    );
    // Resolved Thursday 09:00 (met); reopened by Jan at 10:00: the resolution clock resumes
    // with what was left, due an hour later than before, not breached.
    run(
        agent(AgentCommand::Resolve {
            activity: Default::default(),
            ticket: "T-1000".into(),
            note: "updated".into(),
            minutes: 20,
            outcome: None,
        }),
        "2026-12-03T09:00:00+01:00",
    );
    assert_eq!(
        clocks(&desk, "2026-12-03T09:30:00+01:00")[2],
        (Resolution, d("2026-12-04T15:00:00+01:00"), Met)
    );
    run(jan("reopen"), "2026-12-03T10:00:00+01:00");
    let t = desk.store().ticket("T-1000").unwrap().unwrap();
    assert!(t.status.is_open(), "{:?}", t.status);
    assert_eq!(
        clocks(&desk, "2026-12-03T10:00:00+01:00")[2],
        (Resolution, d("2026-12-04T16:00:00+01:00"), Running)
    );
    assert_eq!(
        clocks(&desk, "2026-12-07T08:30:00+01:00")[2],
        (Resolution, d("2026-12-04T16:00:00+01:00"), Breached)
    );
    // The card and the stored due times say the same.
    assert_eq!(t.resolution_due_ms, Some(at("2026-12-04T16:00:00+01:00")));
    assert_eq!(
        t.first_response_due_ms,
        Some(at("2026-12-01T11:00:00+01:00"))
    );
}
