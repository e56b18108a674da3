//! Durable timers across a crash: 3,000 tickets with a due SLA timer each, `frontline timers fire`
//! SIGKILLed in the middle of the burst (after it printed 200 firings, each committed before it
//! is printed) and run again: every timer fired exactly once (one `timer_fired` event per
//! ticket, none left pending), every firing printed before the kill is in the store, and the
//! firings are in the log in due order, as after a clock jumped forward past all of them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use frontline::clocks::timer::{Timer, TimerKind, TimerWrite};
use frontline::desk::Turn;
use frontline::desk::log::LogEntry;
use frontline::desk::turn::TicketWrite;
use frontline::store::{SledStore, Store};
use frontline::tickets::{Actor, Change, TicketEvent};

use crate::store_concurrency::draft;

const TICKETS: usize = 3_000;
/// 2027-01-15 (a Friday) 09:00 UTC: due instants a second apart from here.
const BASE: u64 = 1_799_994_000_000;

fn fire(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_frontline"));
    c.args([
        "timers",
        "fire",
        "--until",
        "2027-12-31T00:00:00Z",
        "--data",
        dir.to_str().unwrap(),
    ])
    .env_remove("RUST_BACKTRACE")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    c
}

#[test]
fn a_burst_of_firings_killed_midway_loses_none_and_doubles_none() {
    burst(TICKETS, 200);
}

/// The target's size: 100,000 pending timers written, the store closed, `timers fire` (a new
/// process: a restart) SIGKILLed after 5,000 firings and run again: each fired exactly once, in
/// due order.
#[test]
fn a_hundred_thousand_timers_survive_restarts_and_fire_once_each() {
    burst(100_000, 5_000);
}

fn burst(tickets: usize, kill_after: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("store");
    {
        let store = SledStore::open(&data).unwrap();
        let mut turn = Turn::default();
        for i in 0..tickets {
            let number = store.next_ticket_number().unwrap();
            let mut t = draft(&format!("user{i}"), "l2-general")(number);
            t.event_count = 1;
            turn.tickets.push(TicketWrite {
                events: vec![TicketEvent {
                    ticket: t.id.clone(),
                    seq: 0,
                    at_ms: 1_000,
                    actor: Actor::User(t.requester.key()),
                    change: Change::Opened {
                        queue: t.queue.clone(),
                        priority: t.priority,
                    },
                }],
                expected_events: None,
                ticket: t.clone(),
            });
            turn.timers.push(TimerWrite::Set(Timer {
                id: Timer::id_of(&t.id, TimerKind::SlaBreach, "resolution"),
                ticket: t.id.clone(),
                kind: TimerKind::SlaBreach,
                about: "resolution".into(),
                // Due in the reverse order of the tickets: the log must follow due order.
                due_ms: BASE + (tickets - i) as u64 * 1_000,
            }));
        }
        store.commit(&turn, 1_000, true).unwrap();
    }

    // The burst, killed after 200 printed firings.
    let mut child = fire(&data).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut printed = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("fired ") {
            printed.push(id.split_whitespace().next().unwrap().to_string());
        }
        if printed.len() == kill_after {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(printed.len(), kill_after, "the burst ended before the kill");
    {
        let store = SledStore::open(&data).unwrap();
        let left = store.timers(u64::MAX, None, usize::MAX).unwrap().len();
        assert!(
            left > 0 && left <= tickets - kill_after,
            "{left} left after the kill: not mid-burst, or printed before committed"
        );
    }

    // Run again to the end.
    let o = fire(&data).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let store = SledStore::open(&data).unwrap();
    assert!(store.timers(u64::MAX, None, usize::MAX).unwrap().is_empty());
    let mut fired_order = Vec::new();
    for r in store.log(0, usize::MAX).unwrap() {
        if let LogEntry::Ticket { event } = r.entry
            && let Change::TimerFired { timer, .. } = &event.change
        {
            fired_order.push((event.ticket.clone(), timer.clone()));
        }
    }
    assert_eq!(
        fired_order.len(),
        tickets,
        "one firing per timer, no more, no fewer"
    );
    // Due order is the reverse ticket order.
    let numbers: Vec<u64> = fired_order
        .iter()
        .map(|(t, _)| t.trim_start_matches("T-").parse().unwrap())
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[0] > w[1]),
        "firings out of due order"
    );
    for id in &printed {
        assert!(
            fired_order.iter().any(|(_, t)| t == id),
            "{id} printed but not stored"
        );
    }
    for (ticket, _) in fired_order.iter().take(5) {
        let kinds: Vec<&str> = store
            .events(ticket)
            .unwrap()
            .iter()
            .map(|e| e.change.kind())
            .collect();
        assert_eq!(kinds, ["opened", "timer_fired"], "{ticket}");
    }
}
