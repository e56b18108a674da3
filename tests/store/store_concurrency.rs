//! The sled store under concurrent requesters and agents: of many simultaneous claims exactly one
//! wins, concurrent openings get unique numbers and complete indexes, and concurrent changes to
//! different tickets lose no update.

use std::collections::HashSet;

use frontline::pack::Priority;
use frontline::store::{Filter, SledStore, Store, StoreError};
use frontline::tickets::{Actor, Change, Detection, Status, Ticket, TicketError, Tier, UserRef};

fn store() -> (tempfile::TempDir, SledStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open(dir.path()).expect("store opens");
    (dir, store)
}

/// A ticket as the desk drafts it: escalated to an L2 queue.
pub(crate) fn draft(user: &str, queue: &str) -> impl Fn(u64) -> Ticket {
    let user = UserRef::local(user);
    let queue = queue.to_string();
    move |number| Ticket {
        assignee_user: None,
        id: format!("T-{number}"),
        number,
        requester: user.clone(),
        organisation: None,
        channel: "dm".into(),
        subject: "VPN keeps disconnecting".into(),
        category: "network".into(),
        priority: Priority::P3,
        status: Status::Escalated,
        tier: Tier::L2,
        queue: queue.clone(),
        assignee: None,
        detection: Detection::default(),
        answers: vec![],
        transcript: vec![],
        created_ms: 1_000,
        updated_ms: 1_000,
        first_response_due_ms: None,
        resolution_due_ms: None,
        first_response_ms: None,
        resolved_ms: None,
        minutes_spent: 0,
        event_count: 0,
        rating: None,
        rating_comment: None,
        priority_reason: String::new(),
        incident: None,
        linked: vec![],
        l3_note: None,
        notes: vec![],
        clock: Default::default(),
        tags: vec![],
        approval: None,
        vendors: vec![],
        visit: None,
        change: None,
        report: Default::default(),
    }
}

fn open(store: &SledStore, user: &str) -> Ticket {
    store
        .open_ticket(&draft(user, "l2-network"), &Actor::User(user.into()), 1_000)
        .expect("ticket opens")
}

#[test]
fn of_64_simultaneous_claims_exactly_one_wins() {
    let (_dir, store) = store();
    let t = open(&store, "jan");
    let barrier = std::sync::Barrier::new(64);
    let results: Vec<(String, Result<Ticket, StoreError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..64)
            .map(|i| {
                let (store, barrier, id) = (&store, &barrier, &t.id);
                s.spawn(move || {
                    let agent = format!("agent{i}");
                    barrier.wait();
                    let r = store.change(
                        id,
                        &Actor::Agent(agent.clone()),
                        &Change::Claimed {
                            user: None,
                            agent: agent.clone(),
                        },
                        2_000,
                    );
                    (agent, r.map(|(t, _)| t))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<&String> = results
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(a, _)| a)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one claim succeeds");
    let winner = winners[0].clone();
    for (agent, r) in &results {
        match r {
            Ok(t) => assert_eq!(t.assignee.as_deref(), Some(agent.as_str())),
            Err(StoreError::Ticket(TicketError::AlreadyClaimed { ticket, by })) => {
                assert_eq!((ticket, by), (&t.id, &winner), "{agent} is told who won");
            }
            Err(e) => panic!("{agent}: unexpected error {e}"),
        }
    }
    let stored = store.ticket(&t.id).unwrap().expect("ticket exists");
    assert_eq!(stored.assignee.as_deref(), Some(winner.as_str()));
    assert_eq!(stored.status, Status::Claimed);
    let claims: Vec<_> = store
        .events(&t.id)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.change, Change::Claimed { .. }))
        .collect();
    assert_eq!(claims.len(), 1, "one Claimed event in the log");
    assert_eq!(
        claims[0].change,
        Change::Claimed {
            user: None,
            agent: winner.clone()
        }
    );
    assert_eq!(
        stored.event_count as usize,
        store.events(&t.id).unwrap().len()
    );
}

#[test]
fn concurrent_openings_get_unique_numbers_and_complete_indexes() {
    let (_dir, store) = store();
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..32)
            .map(|th| {
                let store = &store;
                s.spawn(move || {
                    (0..10_000 / 32 + usize::from(th < 10_000 % 32))
                        .map(|i| open(store, &format!("user{th}-{i}")).id)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(ids.len(), 10_000);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 10_000, "every opening got its own number");
    assert_eq!(store.ticket_count(), 10_000);
    let open = store
        .list(&Filter {
            open: true,
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(open.len(), 10_000);
    let listed: HashSet<&String> = open.iter().map(|t| &t.id).collect();
    assert_eq!(listed, unique);
    assert!(
        open.windows(2).all(|w| w[0].number < w[1].number),
        "oldest first"
    );
    let queue = store
        .list(&Filter {
            open: true,
            queue: Some("l2-network".into()),
            limit: Some(50),
            ..Filter::default()
        })
        .unwrap();
    assert_eq!(
        queue.iter().map(|t| t.number).collect::<Vec<_>>(),
        open[..50].iter().map(|t| t.number).collect::<Vec<_>>(),
        "a queue's view is its 50 oldest open tickets"
    );
    assert_eq!(store.verify_indexes().unwrap(), 10_000);
}

#[test]
fn concurrent_changes_to_different_tickets_lose_no_update() {
    let (_dir, store) = store();
    let tickets: Vec<Ticket> = (0..16).map(|i| open(&store, &format!("u{i}"))).collect();
    std::thread::scope(|s| {
        for (i, t) in tickets.iter().enumerate() {
            let store = &store;
            s.spawn(move || {
                let agent = format!("agent{i}");
                let a = Actor::Agent(agent.clone());
                for (k, change) in [
                    Change::Claimed {
                        user: None,
                        agent: agent.clone(),
                    },
                    Change::AgentReplied {
                        text: format!("looking into it, {i}"),
                    },
                    Change::TimeLogged {
                        minutes: 3,
                        activity: Default::default(),
                        billable: true,
                    },
                    Change::Resolved {
                        activity: Default::default(),
                        note: "done".into(),
                        minutes: i as u32 + 1,
                    },
                ]
                .iter()
                .enumerate()
                {
                    store
                        .change(&t.id, &a, change, 3_000 + k as u64)
                        .unwrap_or_else(|e| panic!("{}: {e}", t.id));
                }
            });
        }
    });
    for (i, t) in tickets.iter().enumerate() {
        let stored = store.ticket(&t.id).unwrap().unwrap();
        assert_eq!(stored.status, Status::Resolved, "{}", t.id);
        assert_eq!(stored.assignee, Some(format!("agent{i}")));
        assert_eq!(stored.minutes_spent, 3 + i as u32 + 1, "{}", t.id);
        assert_eq!(stored.transcript.len(), 1);
        assert_eq!(store.events(&t.id).unwrap().len(), 5, "{}", t.id);
    }
    assert_eq!(store.verify_indexes().unwrap(), 16);
}
