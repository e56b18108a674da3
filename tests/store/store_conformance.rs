//! The store contract (`src/store/mod.rs`) as one suite of checks over `&dyn Backend`, run for
//! every implementation. A new backend implements [`Backend`] and adds one line to the
//! `conformance!` invocation at the bottom; every check then runs against it.
//!
//! Checks assert only what a caller of the [`Store`] trait can observe.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use frontline::desk::action::{Action, Delivery, MAX_ATTEMPTS, OutboxEntry, Outcome, backoff_ms};
use frontline::desk::conversation::Conversation;
use frontline::desk::log::{BotEvent, LogEntry, LogRecord};
use frontline::desk::turn::{ConversationWrite, TicketWrite, Turn};
use frontline::desk::{Address, Card};
use frontline::pack::Priority;
use frontline::store::{Filter, OutboxFilter, SledStore, Store, StoreError};
use frontline::tickets::{
    Actor, Change, Detection, Platform, Status, Ticket, TicketError, TicketEvent, Tier, UserRef,
};

// ---------------------------------------------------------------------------------------------
// Backends

/// One implementation of the store, fresh for each check.
trait Backend {
    /// The store. Called once per check; later handles come from [`Backend::reopen`].
    fn open(&self) -> Arc<dyn Store>;
    /// Drops `store` (the caller's last handle) and opens the same data again, as a restart
    /// does. A backend that cannot outlive its handle returns it unchanged, and the restart
    /// checks reduce to their in-process part.
    fn reopen(&self, store: Arc<dyn Store>) -> Arc<dyn Store>;
    /// A store opened on a copy of what is on disk right now while `store` stays open, as a
    /// crash (SIGKILL) would leave it; `None` where there is no disk.
    fn crash_copy(&self, store: &Arc<dyn Store>) -> Option<Arc<dyn Store>>;
}

/// `SledStore::open` on a temporary directory.
struct SledOnDisk {
    dir: tempfile::TempDir,
    copies: Mutex<Vec<tempfile::TempDir>>,
}

impl SledOnDisk {
    fn new() -> SledOnDisk {
        SledOnDisk {
            dir: tempfile::tempdir().expect("temp dir"),
            copies: Mutex::new(vec![]),
        }
    }

    fn open_at(path: &Path) -> Arc<dyn Store> {
        Arc::new(
            SledStore::open_waiting(path, std::time::Duration::from_secs(10))
                .unwrap_or_else(|e| panic!("store opens at {}: {e}", path.display())),
        )
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl Backend for SledOnDisk {
    fn open(&self) -> Arc<dyn Store> {
        SledOnDisk::open_at(self.dir.path())
    }

    fn reopen(&self, store: Arc<dyn Store>) -> Arc<dyn Store> {
        assert_eq!(Arc::strong_count(&store), 1, "reopen with the last handle");
        drop(store);
        SledOnDisk::open_at(self.dir.path())
    }

    fn crash_copy(&self, _store: &Arc<dyn Store>) -> Option<Arc<dyn Store>> {
        let copy = tempfile::tempdir().expect("temp dir");
        copy_dir(self.dir.path(), copy.path());
        let store = SledOnDisk::open_at(copy.path());
        self.copies.lock().unwrap().push(copy);
        Some(store)
    }
}

/// `SledStore::temporary()`: gone when dropped, so nothing to reopen.
struct SledTemporary;

impl Backend for SledTemporary {
    fn open(&self) -> Arc<dyn Store> {
        Arc::new(SledStore::temporary().expect("temporary store"))
    }

    fn reopen(&self, store: Arc<dyn Store>) -> Arc<dyn Store> {
        store
    }

    fn crash_copy(&self, _store: &Arc<dyn Store>) -> Option<Arc<dyn Store>> {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Building turns

const NOW: u64 = 1_700_000_000_000;

fn user(name: &str) -> UserRef {
    UserRef::local(name)
}

fn agent(name: &str) -> Actor {
    Actor::Agent(name.into())
}

fn draft(number: u64, requester: &str, queue: &str) -> Ticket {
    Ticket {
        id: format!("T-{number}"),
        number,
        requester: user(requester),
        organisation: None,
        channel: "dm".into(),
        subject: format!("VPN trouble for {requester}"),
        category: "network".into(),
        priority: Priority::P3,
        status: Status::Escalated,
        tier: Tier::L2,
        queue: queue.into(),
        assignee: None,
        assignee_user: None,
        detection: Detection::default(),
        answers: vec![],
        transcript: vec![],
        created_ms: NOW,
        updated_ms: NOW,
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

/// Opens a ticket for `requester` in `l2-network` through the trait's own `open_ticket`.
fn open(store: &dyn Store, requester: &str) -> Ticket {
    open_in(store, requester, "l2-network")
}

fn open_in(store: &dyn Store, requester: &str, queue: &str) -> Ticket {
    store
        .open_ticket(
            &|n| draft(n, requester, queue),
            &Actor::User(user(requester).key()),
            NOW,
        )
        .expect("ticket opens")
}

/// A new ticket as a turn writes it: its number reserved from the store, its `Opened` event.
fn new_ticket(store: &dyn Store, requester: &str) -> TicketWrite {
    let number = store.next_ticket_number().expect("number");
    let mut t = draft(number, requester, "l2-network");
    t.event_count = 1;
    let opened = TicketEvent {
        ticket: t.id.clone(),
        seq: 0,
        at_ms: NOW,
        actor: Actor::User(user(requester).key()),
        change: Change::Opened {
            queue: t.queue.clone(),
            priority: t.priority,
        },
    };
    TicketWrite {
        ticket: t,
        events: vec![opened],
        expected_events: None,
    }
}

/// `changes` applied to `t` as one ticket write built on `t` as read.
fn changed(t: &Ticket, changes: &[(Actor, Change)]) -> TicketWrite {
    let mut cur = t.clone();
    let mut events = vec![];
    for (actor, change) in changes {
        cur.apply(actor, change, NOW).expect("valid change");
        events.push(TicketEvent {
            ticket: cur.id.clone(),
            seq: cur.event_count,
            at_ms: NOW,
            actor: actor.clone(),
            change: change.clone(),
        });
        cur.event_count += 1;
    }
    TicketWrite {
        ticket: cur,
        events,
        expected_events: Some(t.event_count),
    }
}

fn claim(name: &str) -> (Actor, Change) {
    (
        agent(name),
        Change::Claimed {
            agent: name.into(),
            user: Some(user(name)),
        },
    )
}

fn conversation(who: &str, rev: u64, language: &str) -> ConversationWrite {
    ConversationWrite {
        user: user(who).key(),
        state: Conversation {
            rev,
            language: language.into(),
            ..Conversation::default()
        },
    }
}

fn reply(to: &UserRef, text: &str) -> Action {
    Action::Reply {
        to: to.clone(),
        address: Address::direct(),
        text: text.into(),
        buttons: vec![],
        language: "en".into(),
        interaction: None,
    }
}

fn notify(to: &UserRef, text: &str) -> Action {
    Action::Notify {
        to: to.clone(),
        text: text.into(),
        interaction: None,
        attachment: None,
    }
}

fn post_card(t: &Ticket) -> Action {
    Action::PostCard {
        platform: Platform::Local,
        queue: t.queue.clone(),
        channel: t.queue.clone(),
        card: Card::of(t, &Default::default()),
    }
}

fn ack(why: &str) -> BotEvent {
    BotEvent::Acknowledged { why: why.into() }
}

fn answered(answer: &str) -> BotEvent {
    BotEvent::FollowUpAnswered {
        intent: "vpn".into(),
        question: "location".into(),
        answer: answer.into(),
    }
}

fn all_log(store: &dyn Store) -> Vec<LogRecord> {
    store.log(0, usize::MAX).expect("log")
}

fn all_outbox(store: &dyn Store) -> Vec<OutboxEntry> {
    store.outbox(&OutboxFilter::default()).expect("outbox")
}

fn pending(store: &dyn Store) -> Vec<u64> {
    store
        .outbox(&OutboxFilter {
            pending: true,
            ..OutboxFilter::default()
        })
        .expect("outbox")
        .iter()
        .map(|e| e.id)
        .collect()
}

fn is_conflict<T: std::fmt::Debug>(r: &Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict(_)))
}

/// Everything observable about a store for the given users, links and keys, to compare before
/// and after a refused turn (or a restart).
#[derive(Debug, PartialEq)]
struct Snapshot {
    tickets: Vec<Ticket>,
    events: Vec<Vec<TicketEvent>>,
    log: Vec<LogRecord>,
    outbox: Vec<OutboxEntry>,
    conversations: Vec<Option<Conversation>>,
    links: Vec<Option<String>>,
    seen: Vec<bool>,
}

fn snapshot(store: &dyn Store, users: &[&str], links: &[&str], keys: &[&str]) -> Snapshot {
    let tickets = store.list(&Filter::default()).expect("list");
    Snapshot {
        events: tickets
            .iter()
            .map(|t| store.events(&t.id).expect("events"))
            .collect(),
        tickets,
        log: all_log(store),
        outbox: all_outbox(store),
        conversations: users
            .iter()
            .map(|u| store.conversation(&user(u).key()).expect("conversation"))
            .collect(),
        links: links.iter().map(|k| store.link(k).expect("link")).collect(),
        seen: keys.iter().map(|k| store.seen(k).expect("seen")).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Checks

/// A turn with a stale ticket write (or stale conversation) writes none of what it carried.
fn turn_is_written_whole_or_not_at_all(b: &dyn Backend) {
    let store = b.open();
    let s = store.as_ref();
    let t = open(s, "jan");
    let other = open(s, "anna");
    let jan = user("jan");
    let look =
        |s: &dyn Store| snapshot(s, &["jan"], &["thread:local:th-1"], &["k-stale", "k-fresh"]);
    let full_turn = |key: &str, write: TicketWrite| Turn {
        key: Some(key.into()),
        conversation: Some(conversation("jan", 1, "en")),
        tickets: vec![write],
        bot_events: vec![(jan.key(), answered("from home"))],
        outbox: vec![reply(&jan, "alice is now handling it"), post_card(&t)],
        links: vec![("thread:local:th-1".into(), format!("user:{}", jan.key()))],
        ..Turn::default()
    };
    let before = look(s);

    // The ticket was read at 0 events; it has 1.
    let mut stale = changed(&t, &[claim("alice")]);
    stale.expected_events = Some(0);
    let r = store.commit(&full_turn("k-stale", stale), NOW, true);
    assert!(is_conflict(&r), "stale ticket write: {r:?}");
    assert_eq!(look(s), before, "nothing of the refused turn is visible");

    // A "new" ticket whose number is already stored.
    let mut reused = new_ticket(s, "jan");
    reused.ticket.number = t.number;
    reused.ticket.id = t.id.clone();
    let r = store.commit(&full_turn("k-stale", reused), NOW, true);
    assert!(is_conflict(&r), "new ticket on a taken number: {r:?}");
    assert_eq!(look(s), before);

    // Two tickets: the first write is valid, the second stale; the first is not written either.
    let mut turn = full_turn("k-stale", changed(&other, &[claim("bob")]));
    let mut stale = changed(&t, &[claim("alice")]);
    stale.expected_events = Some(3);
    turn.tickets.push(stale);
    let r = store.commit(&turn, NOW, true);
    assert!(is_conflict(&r), "second ticket stale: {r:?}");
    assert_eq!(look(s), before);

    // A valid ticket write with a conversation write that does not follow the stored rev.
    let mut turn = full_turn("k-stale", changed(&t, &[claim("alice")]));
    turn.conversation = Some(conversation("jan", 2, "en"));
    let r = store.commit(&turn, NOW, true);
    assert!(is_conflict(&r), "stale conversation: {r:?}");
    assert_eq!(look(s), before);

    // Built on what is stored, the same turn lands whole.
    let fresh = full_turn("k-fresh", changed(&t, &[claim("alice")]));
    let committed = store.commit(&fresh, NOW, true).expect("fresh turn commits");
    assert_eq!(committed.outbox.len(), 2);
    assert_eq!(committed.tickets[0].status, Status::Claimed);
    let after = look(s);
    assert_eq!(
        after.conversations[0].as_ref().map(|c| c.rev),
        Some(1),
        "conversation written"
    );
    assert_eq!(after.links[0].as_deref(), Some("user:local:jan"));
    assert_eq!(after.seen, [false, true]);
    let stored = store.ticket(&t.id).unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.assignee.as_deref()),
        (Status::Claimed, Some("alice"))
    );
    assert_eq!(store.events(&t.id).unwrap().len(), 2);
    assert_eq!(after.outbox.len(), before.outbox.len() + 2);
    // One record per ticket event, bot event and outbox entry.
    assert_eq!(after.log.len(), before.log.len() + 4);
    assert_eq!(
        store.ticket(&other.id).unwrap().unwrap(),
        other,
        "untouched ticket"
    );
}

/// Everything a durable commit wrote is there after a crash (a copy of the disk taken while the
/// store is still open) and after a restart; and a reopened store carries on after it.
fn committed_turn_survives_restart(b: &dyn Backend) {
    let mut store = b.open();
    let jan = user("jan");
    let opened = new_ticket(store.as_ref(), "jan");
    let t = opened.ticket.clone();
    let turn = Turn {
        key: Some("discord:message:1".into()),
        conversation: Some(conversation("jan", 1, "pl")),
        tickets: vec![opened],
        bot_events: vec![(jan.key(), answered("z domu, hasło to ***"))],
        outbox: vec![post_card(&t), reply(&jan, "Otworzyłem zgłoszenie")],
        links: vec![(format!("card:{}:l2-network", t.id), "msg-7".into())],
        ..Turn::default()
    };
    store.commit(&turn, NOW, true).expect("commit");
    let look = |s: &dyn Store| {
        snapshot(
            s,
            &["jan"],
            &[&format!("card:{}:l2-network", t.id)],
            &["discord:message:1"],
        )
    };
    let before = look(store.as_ref());
    assert_eq!(before.tickets.len(), 1);
    assert_eq!(before.log.len(), 4);
    assert_eq!(before.seen, [true]);

    if let Some(copy) = b.crash_copy(&store) {
        assert_eq!(
            look(copy.as_ref()),
            before,
            "a durable commit is on disk when commit returns"
        );
    }
    store = b.reopen(store);
    assert_eq!(look(store.as_ref()), before, "everything after a restart");

    // The reopened store continues the sequences instead of overwriting.
    let next = Turn {
        bot_events: vec![(jan.key(), ack("after restart"))],
        outbox: vec![notify(&jan, "hello again")],
        ..Turn::default()
    };
    let c = store
        .commit(&next, NOW + 1, true)
        .expect("commit after reopen");
    let max_id = before.outbox.iter().map(|e| e.id).max().unwrap();
    assert!(c.outbox[0].id > max_id, "outbox ids continue after restart");
    let log = all_log(store.as_ref());
    assert_eq!(
        &log[..before.log.len()],
        &before.log[..],
        "old records kept"
    );
    assert_eq!(log.len(), before.log.len() + 2);
    let max_offset = before.log.last().unwrap().offset;
    assert!(
        log[before.log.len()..]
            .iter()
            .all(|r| r.offset > max_offset)
    );
    let n = store.next_ticket_number().unwrap();
    assert!(n > t.number, "ticket {n} after {}", t.number);
}

/// Of many simultaneous claims on one ticket exactly one wins, through `Store::change` and
/// through turns built on the same read.
fn of_many_claims_exactly_one_wins(b: &dyn Backend) {
    const N: usize = 16;
    let store = b.open();
    let t = open(store.as_ref(), "jan");

    let barrier = Barrier::new(N);
    let results: Vec<(String, Result<Ticket, StoreError>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let (store, barrier, id) = (&store, &barrier, &t.id);
                sc.spawn(move || {
                    let name = format!("agent{i}");
                    let (actor, change) = claim(&name);
                    barrier.wait();
                    let r = store.change(id, &actor, &change, NOW);
                    (name, r.map(|(t, _)| t))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<&String> = results
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(n, _)| n)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one claim wins: {winners:?}");
    let winner = winners[0];
    for (name, r) in &results {
        match r {
            Ok(t) => assert_eq!(t.assignee.as_ref(), Some(name)),
            Err(StoreError::Ticket(TicketError::AlreadyClaimed { by, .. })) => {
                assert_eq!(by, winner, "{name} is told who won")
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
    let events = store.events(&t.id).unwrap();
    let claims = events
        .iter()
        .filter(|e| matches!(e.change, Change::Claimed { .. }))
        .count();
    assert_eq!(claims, 1, "one Claimed event");
    assert_eq!(store.ticket(&t.id).unwrap().unwrap().event_count, 2);

    // Turns: every racer built its turn on the same read of a second ticket.
    let t2 = open(store.as_ref(), "anna");
    let barrier = Barrier::new(N);
    let results: Vec<Result<(), StoreError>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let (store, barrier, t2) = (&store, &barrier, &t2);
                sc.spawn(move || {
                    let name = format!("agent{i}");
                    let turn = Turn {
                        tickets: vec![changed(t2, &[claim(&name)])],
                        outbox: vec![notify(&user(&name), "yours")],
                        ..Turn::default()
                    };
                    barrier.wait();
                    store.commit(&turn, NOW, true).map(|_| ())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results.iter().all(|r| r.is_ok() || is_conflict(r)),
        "losers see a conflict: {results:?}"
    );
    let stored = store.ticket(&t2.id).unwrap().unwrap();
    let mut again = stored.clone();
    let (actor, change) = claim("late");
    assert!(
        matches!(
            again.apply(&actor, &change, NOW),
            Err(TicketError::AlreadyClaimed { .. })
        ),
        "rebuilt on the winner's write, a loser's claim is refused"
    );
    assert_eq!(store.events(&t2.id).unwrap().len(), 2);
    let notices = all_outbox(store.as_ref()).len();
    assert_eq!(notices, 1, "only the winner's outbox entry was written");
}

/// A conversation write must follow the stored revision.
fn conversation_writes_follow_the_stored_revision(b: &dyn Backend) {
    let store = b.open();
    let commit = |w: ConversationWrite| {
        store.commit(
            &Turn {
                conversation: Some(w),
                ..Turn::default()
            },
            NOW,
            true,
        )
    };
    let stored = |who: &str| store.conversation(&user(who).key()).unwrap();

    assert!(
        is_conflict(&commit(conversation("jan", 2, "en"))),
        "rev 2 first"
    );
    assert_eq!(stored("jan"), None);
    commit(conversation("jan", 1, "en")).expect("rev 1 first");
    assert!(
        is_conflict(&commit(conversation("jan", 1, "pl"))),
        "rev 1 again"
    );
    assert!(
        is_conflict(&commit(conversation("jan", 3, "pl"))),
        "rev 3 after 1"
    );
    assert!(is_conflict(&commit(conversation("jan", 0, "pl"))), "rev 0");
    assert_eq!(
        stored("jan").map(|c| (c.rev, c.language)),
        Some((1, "en".into()))
    );
    commit(conversation("jan", 2, "pl")).expect("rev 2 after 1");
    assert_eq!(
        stored("jan").map(|c| (c.rev, c.language)),
        Some((2, "pl".into()))
    );
    // Revisions are per user.
    commit(conversation("anna", 1, "en")).expect("another user's rev 1");
    // `put_conversation` writes the revision after the stored one.
    store
        .put_conversation(&user("jan").key(), &Conversation::default())
        .expect("put");
    assert_eq!(stored("jan").map(|c| c.rev), Some(3));

    // Eight writers built on rev 3: one wins.
    let barrier = Barrier::new(8);
    let wins = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (store, barrier) = (&store, &barrier);
                sc.spawn(move || {
                    let turn = Turn {
                        conversation: Some(conversation("jan", 4, &format!("w{i}"))),
                        ..Turn::default()
                    };
                    barrier.wait();
                    store.commit(&turn, NOW, true)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|r| r.is_ok())
            .count()
    });
    assert_eq!(wins, 1, "one of eight writers on one revision wins");
    assert_eq!(stored("jan").map(|c| c.rev), Some(4));
}

/// A second commit with a stored idempotency key is a duplicate and writes nothing, also after a
/// restart; a refused turn does not store its key.
fn idempotency_keys_are_handled_once(b: &dyn Backend) {
    let mut store = b.open();
    let jan = user("jan");
    let keys = [
        "discord:message:1",
        "discord:message:2",
        "discord:message:3",
    ];
    let look = |s: &dyn Store| snapshot(s, &["jan"], &["thread:local:9"], &keys);
    let turn = |key: &str, rev: u64, text: &str| Turn {
        key: Some(key.into()),
        conversation: Some(conversation("jan", rev, "en")),
        bot_events: vec![(jan.key(), ack(text))],
        outbox: vec![reply(&jan, text)],
        links: vec![("thread:local:9".into(), text.into())],
        ..Turn::default()
    };
    store
        .commit(&turn(keys[0], 1, "first"), NOW, true)
        .expect("first delivery");
    assert!(store.seen(keys[0]).unwrap());
    assert!(!store.seen("discord:message:404").unwrap());
    let before = look(store.as_ref());

    // The redelivery, even built differently (and on the right revision), writes nothing.
    let r = store.commit(&turn(keys[0], 2, "second"), NOW, true);
    assert!(
        matches!(&r, Err(StoreError::Duplicate(k)) if k == keys[0]),
        "{r:?}"
    );
    assert_eq!(look(store.as_ref()), before);

    // Another key is another event; its redelivery is refused in turn.
    store
        .commit(&turn(keys[1], 2, "second"), NOW, true)
        .expect("second event");
    assert!(store.seen(keys[1]).unwrap());
    let r = store.commit(&turn(keys[1], 3, "late"), NOW, true);
    assert!(matches!(r, Err(StoreError::Duplicate(_))), "{r:?}");

    // A turn refused for a conflict leaves its key free for the rebuilt turn.
    let r = store.commit(&turn(keys[2], 9, "stale"), NOW, true);
    assert!(is_conflict(&r), "{r:?}");
    assert!(
        !store.seen(keys[2]).unwrap(),
        "refused turn's key not stored"
    );
    store
        .commit(&turn(keys[2], 3, "rebuilt"), NOW, true)
        .expect("rebuilt turn with the same key");
    let before = look(store.as_ref());
    assert_eq!(before.seen, [true, true, true]);

    store = b.reopen(store);
    assert_eq!(look(store.as_ref()), before);
    for k in keys {
        let r = store.commit(&turn(k, 4, "after restart"), NOW, true);
        assert!(matches!(r, Err(StoreError::Duplicate(_))), "{k}: {r:?}");
    }
    assert_eq!(
        look(store.as_ref()),
        before,
        "nothing written after restart"
    );
}

/// Ticket numbers are never handed out twice: not after a commit and restart, not after a
/// reservation whose turn never committed, not to concurrent reservers.
fn ticket_numbers_are_never_reissued(b: &dyn Backend) {
    let mut store = b.open();
    let first = open(store.as_ref(), "jan").number;
    let reserved = store.next_ticket_number().unwrap();
    assert!(reserved > first);
    store = b.reopen(store);
    let after_restart = store.next_ticket_number().unwrap();
    assert!(
        after_restart > reserved,
        "{after_restart} handed out again after restart (reserved {reserved})"
    );

    // A turn that failed leaves its number unused, and it is not handed out again.
    let mut write = new_ticket(store.as_ref(), "jan");
    let failed = write.ticket.number;
    write.expected_events = Some(1);
    let r = store.commit(
        &Turn {
            tickets: vec![write],
            ..Turn::default()
        },
        NOW,
        true,
    );
    assert!(is_conflict(&r), "{r:?}");
    assert_eq!(store.ticket(&format!("T-{failed}")).unwrap(), None);
    let next = open(store.as_ref(), "anna").number;
    assert!(next > failed);

    // Concurrent reservations are all distinct and above everything handed out so far.
    let numbers: Vec<u64> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let store = &store;
                sc.spawn(move || {
                    (0..100)
                        .map(|_| store.next_ticket_number().unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let distinct: BTreeSet<u64> = numbers.iter().copied().collect();
    assert_eq!(distinct.len(), numbers.len(), "a number reserved twice");
    assert!(*distinct.first().unwrap() > next);
    let highest = *distinct.last().unwrap();
    store = b.reopen(store);
    let last = store.next_ticket_number().unwrap();
    assert!(
        last > highest,
        "{last} after restart, {highest} reserved before"
    );
}

/// Outbox entries are pending until delivered; `due` honours platform and backoff; after
/// `MAX_ATTEMPTS` failures an entry is failed; the filters select what they say; delivery states
/// survive a flush and restart.
fn outbox_entries_are_pending_until_delivered(b: &dyn Backend) {
    let mut store = b.open();
    let jan = user("jan");
    let anna = user("anna");
    let dana = UserRef {
        platform: Platform::Discord,
        id: "42".into(),
        name: "dana".into(),
    };
    let t = open(store.as_ref(), "jan");
    let turn = Turn {
        outbox: vec![
            reply(&jan, "one"),
            notify(&dana, "two"),
            post_card(&t),
            notify(&anna, "four"),
            reply(&jan, "five"),
        ],
        ..Turn::default()
    };
    let c = store.commit(&turn, NOW, true).unwrap();
    let ids: Vec<u64> = c.outbox.iter().map(|e| e.id).collect();
    let [one, two, card, four, five] = ids[..] else {
        panic!("five entries: {ids:?}")
    };
    for e in &c.outbox {
        assert_eq!(
            (e.state, e.attempts, e.created_ms, e.next_attempt_ms),
            (Delivery::Pending, 0, NOW, NOW)
        );
        assert_eq!(e.platform, e.action.platform());
        assert_eq!(store.outbox_entry(e.id).unwrap().as_ref(), Some(e));
    }
    assert_eq!(all_outbox(store.as_ref()), c.outbox);
    assert_eq!(pending(store.as_ref()), ids);

    let due = |s: &dyn Store, p: Platform, at: u64| -> Vec<u64> {
        s.due(p, at, 100).unwrap().iter().map(|e| e.id).collect()
    };
    assert_eq!(
        due(store.as_ref(), Platform::Local, NOW),
        [one, card, four, five]
    );
    assert_eq!(due(store.as_ref(), Platform::Discord, NOW), [two]);
    assert_eq!(due(store.as_ref(), Platform::Slack, NOW), Vec::<u64>::new());
    let first_two: Vec<u64> = store
        .due(Platform::Local, NOW, 2)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(first_two, [one, card], "limit keeps the oldest");

    // Filters.
    let list =
        |f: OutboxFilter| -> Vec<u64> { store.outbox(&f).unwrap().iter().map(|e| e.id).collect() };
    assert_eq!(
        list(OutboxFilter {
            recipient: Some(jan.key()),
            ..OutboxFilter::default()
        }),
        [one, five]
    );
    assert_eq!(
        list(OutboxFilter {
            platform: Some(Platform::Discord),
            ..OutboxFilter::default()
        }),
        [two]
    );
    assert_eq!(
        list(OutboxFilter {
            limit: Some(2),
            ..OutboxFilter::default()
        }),
        [one, two]
    );

    // Delivered: no longer pending, not due, stamped.
    let e = store
        .record_delivery(one, &Outcome::Delivered, NOW + 10)
        .unwrap()
        .expect("entry");
    assert_eq!(
        (e.state, e.attempts, e.delivered_ms),
        (Delivery::Delivered, 1, Some(NOW + 10))
    );
    assert_eq!(pending(store.as_ref()), [two, card, four, five]);
    assert_eq!(
        due(store.as_ref(), Platform::Local, NOW + 10),
        [card, four, five]
    );
    // Delivering again changes nothing.
    let again = store
        .record_delivery(one, &Outcome::Delivered, NOW + 20)
        .unwrap();
    assert_eq!(again.as_ref(), Some(&e));
    assert_eq!(
        store
            .record_delivery(9_999, &Outcome::Delivered, NOW)
            .unwrap(),
        None
    );

    // Retry: waits out the backoff, then is due again; given up after MAX_ATTEMPTS.
    let retry = Outcome::Retry {
        error: "503".into(),
    };
    let mut at = NOW + 100;
    for attempt in 1..=MAX_ATTEMPTS {
        let e = store.record_delivery(card, &retry, at).unwrap().unwrap();
        assert_eq!(e.attempts, attempt);
        assert_eq!(e.last_error.as_deref(), Some("503"));
        if attempt < MAX_ATTEMPTS {
            let wait = backoff_ms(attempt - 1);
            assert_eq!(e.state, Delivery::Pending, "attempt {attempt}");
            assert_eq!(e.next_attempt_ms, at + wait, "attempt {attempt}");
            assert!(!due(store.as_ref(), Platform::Local, at + wait - 1).contains(&card));
            assert!(pending(store.as_ref()).contains(&card));
            at += wait;
            assert!(due(store.as_ref(), Platform::Local, at).contains(&card));
        } else {
            assert_eq!(e.state, Delivery::Failed);
        }
    }
    assert!(
        !pending(store.as_ref()).contains(&card),
        "failed is not pending"
    );
    assert!(!due(store.as_ref(), Platform::Local, u64::MAX).contains(&card));
    let after = store
        .record_delivery(card, &Outcome::Delivered, at)
        .unwrap()
        .unwrap();
    assert_eq!(
        (after.state, after.attempts),
        (Delivery::Failed, MAX_ATTEMPTS),
        "a failed entry stays failed"
    );

    // One retry on `four`, then everything is made durable and survives a restart.
    let four_after = store
        .record_delivery(four, &retry, NOW + 50)
        .unwrap()
        .unwrap();
    store.flush().unwrap();
    let before = all_outbox(store.as_ref());
    store = b.reopen(store);
    assert_eq!(all_outbox(store.as_ref()), before);
    assert_eq!(pending(store.as_ref()), [two, four, five]);
    assert_eq!(
        store
            .outbox(&OutboxFilter {
                pending: true,
                platform: Some(Platform::Local),
                recipient: Some(jan.key()),
                limit: None,
            })
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [five],
        "all three filters at once"
    );
    assert_eq!(due(store.as_ref(), Platform::Local, NOW + 50), [five]);
    assert_eq!(
        due(store.as_ref(), Platform::Local, four_after.next_attempt_ms),
        [four, five]
    );
}

/// Log offsets and outbox ids increase in commit order; `log(since, limit)` starts at `since`
/// (inclusive) and stops at `limit`; message records point at their outbox entries.
fn log_and_outbox_follow_commit_order(b: &dyn Backend) {
    let store = b.open();
    let jan = user("jan");
    let mut offsets_per_turn: Vec<Vec<u64>> = vec![];
    let mut ids_per_turn: Vec<Vec<u64>> = vec![];
    for i in 0..5 {
        let w = new_ticket(store.as_ref(), "jan");
        let t = w.ticket.clone();
        let turn = Turn {
            tickets: vec![w],
            bot_events: vec![(jan.key(), ack(&format!("turn {i}")))],
            outbox: vec![post_card(&t), reply(&jan, &format!("turn {i}"))],
            ..Turn::default()
        };
        let seen_before = all_log(store.as_ref()).len();
        let c = store.commit(&turn, NOW + i, true).unwrap();
        ids_per_turn.push(c.outbox.iter().map(|e| e.id).collect());
        let log = all_log(store.as_ref());
        assert_eq!(log.len(), seen_before + 4, "turn {i}: 4 records");
        offsets_per_turn.push(log[seen_before..].iter().map(|r| r.offset).collect());
        // The turn's records: its ticket event, its bot event, its two messages.
        match &log[seen_before..] {
            [
                LogRecord {
                    entry: LogEntry::Ticket { event },
                    ..
                },
                LogRecord {
                    entry: LogEntry::Bot { event: bot, .. },
                    ..
                },
                LogRecord {
                    entry:
                        LogEntry::Message {
                            outbox: m1,
                            summary,
                            ..
                        },
                    ..
                },
                LogRecord {
                    entry:
                        LogEntry::Message {
                            outbox: m2, text, ..
                        },
                    ..
                },
            ] => {
                assert_eq!(event.ticket, t.id);
                assert_eq!(bot, &ack(&format!("turn {i}")));
                assert_eq!(vec![*m1, *m2], ids_per_turn[i as usize]);
                assert_eq!(summary, &format!("post card {} in queue l2-network", t.id));
                assert_eq!(text.as_deref(), Some(format!("turn {i}").as_str()));
            }
            other => panic!("turn {i}: unexpected records {other:?}"),
        }
    }
    let offsets: Vec<u64> = offsets_per_turn.concat();
    let ids: Vec<u64> = ids_per_turn.concat();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{offsets:?}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    // `since` is inclusive; `limit` caps.
    let third = offsets[2];
    let page: Vec<u64> = store
        .log(third, 3)
        .unwrap()
        .iter()
        .map(|r| r.offset)
        .collect();
    assert_eq!(page, offsets[2..5]);
    let tail: Vec<u64> = store
        .log(offsets[offsets.len() - 1], 100)
        .unwrap()
        .iter()
        .map(|r| r.offset)
        .collect();
    assert_eq!(tail, [offsets[offsets.len() - 1]]);
    assert!(
        store
            .log(offsets[offsets.len() - 1] + 1, 100)
            .unwrap()
            .is_empty()
    );
}

/// With many threads committing, a reader polling `log(next, ..)` from just after the last
/// offset it saw sees offsets only increase and, in the end, has seen every record: no record
/// ever appears below an offset already seen.
fn concurrent_commits_appear_in_order(b: &dyn Backend) {
    const WRITERS: usize = 8;
    const TURNS: u64 = 40;
    let store = b.open();
    let done = AtomicBool::new(false);
    let (seen, per_writer_ids) = std::thread::scope(|sc| {
        let reader = sc.spawn(|| {
            let mut seen: Vec<LogRecord> = vec![];
            let mut next = 0;
            loop {
                let finished = done.load(Ordering::SeqCst);
                for r in store.log(next, 10_000).unwrap() {
                    assert!(
                        r.offset >= next,
                        "offset {} after having seen {}",
                        r.offset,
                        next.saturating_sub(1)
                    );
                    if let LogEntry::Message { summary, .. } = &r.entry {
                        assert!(
                            !summary.is_empty(),
                            "message {} without its entry",
                            r.offset
                        );
                    }
                    next = r.offset + 1;
                    seen.push(r);
                }
                if finished {
                    return seen;
                }
            }
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store = &store;
                sc.spawn(move || {
                    let me = user(&format!("w{w}"));
                    let mut ids = vec![];
                    for i in 0..TURNS {
                        let turn = Turn {
                            conversation: Some(conversation(&format!("w{w}"), i + 1, "en")),
                            tickets: vec![new_ticket(store.as_ref(), &format!("w{w}"))],
                            bot_events: vec![(me.key(), ack(&format!("{i}")))],
                            outbox: vec![reply(&me, &format!("{i}"))],
                            ..Turn::default()
                        };
                        let c = store.commit(&turn, NOW + i, true).expect("commit");
                        ids.push(c.outbox[0].id);
                    }
                    ids
                })
            })
            .collect();
        let ids: Vec<Vec<u64>> = writers.into_iter().map(|h| h.join().unwrap()).collect();
        done.store(true, Ordering::SeqCst);
        (reader.join().unwrap(), ids)
    });
    let all = all_log(store.as_ref());
    assert_eq!(all.len(), WRITERS * TURNS as usize * 3);
    assert_eq!(seen, all, "the reader saw exactly the log, in order");

    // Each writer's turns are in its commit order, in the log and in the outbox.
    for (w, ids) in per_writer_ids.iter().enumerate() {
        assert!(ids.windows(2).all(|p| p[0] < p[1]), "writer {w}: {ids:?}");
        let mine: Vec<String> = all
            .iter()
            .filter_map(|r| match &r.entry {
                LogEntry::Bot {
                    user,
                    event: BotEvent::Acknowledged { why },
                } if user == &format!("local:w{w}") => Some(why.clone()),
                _ => None,
            })
            .collect();
        let expected: Vec<String> = (0..TURNS).map(|i| i.to_string()).collect();
        assert_eq!(mine, expected, "writer {w}");
    }
    // Outbox ids follow log order.
    let message_ids: Vec<u64> = all
        .iter()
        .filter_map(|r| match r.entry {
            LogEntry::Message { outbox, .. } => Some(outbox),
            _ => None,
        })
        .collect();
    assert!(message_ids.windows(2).all(|p| p[0] < p[1]));
    assert_eq!(message_ids.len(), WRITERS * TURNS as usize);
}

/// The texts people wrote, stored apart from events and records, come back with them from
/// `events()` and `log()`, each on its own record, also after a restart.
fn personal_texts_are_joined_back(b: &dyn Backend) {
    let mut store = b.open();
    let jan = user("jan");
    // Something before, so the texts' records do not start at the first offset.
    store
        .commit(
            &Turn {
                bot_events: vec![(jan.key(), answered("an earlier answer"))],
                ..Turn::default()
            },
            NOW,
            true,
        )
        .unwrap();
    let t = open(store.as_ref(), "jan");
    let alice = agent("alice");
    let write = changed(
        &t,
        &[
            claim("alice"),
            (
                alice.clone(),
                Change::AskedUser {
                    text: "Which laptop, jan?".into(),
                },
            ),
            (
                Actor::User(jan.key()),
                Change::UserReplied {
                    text: "the ThinkPad, serial PF-123".into(),
                },
            ),
            (
                alice.clone(),
                Change::AgentReplied {
                    text: "Re-add the portal profile".into(),
                },
            ),
            (
                alice.clone(),
                Change::Resolved {
                    activity: Default::default(),
                    note: "profile re-added".into(),
                    minutes: 10,
                },
            ),
            (
                Actor::User(jan.key()),
                Change::Reopened {
                    reason: "it drops again".into(),
                },
            ),
            (
                alice.clone(),
                Change::Escalated {
                    queue: "l3-engineering".into(),
                    tier: Tier::L3,
                    note: Some("needs a firewall rule".into()),
                },
            ),
        ],
    );
    let new_events = write.events.clone();
    let bots = vec![
        (jan.key(), answered("from home, wifi works")),
        (jan.key(), ack("no text here")),
        (
            jan.key(),
            BotEvent::FollowUpAnswered {
                intent: "vpn".into(),
                question: "error".into(),
                answer: "endless connecting".into(),
            },
        ),
        (user("anna").key(), answered("")),
    ];
    store
        .commit(
            &Turn {
                tickets: vec![write],
                bot_events: bots.clone(),
                ..Turn::default()
            },
            NOW,
            true,
        )
        .unwrap();

    for round in ["before restart", "after restart"] {
        let events = store.events(&t.id).unwrap();
        assert_eq!(events.len(), 1 + new_events.len(), "{round}");
        assert_eq!(
            &events[1..],
            &new_events[..],
            "{round}: events() has the texts"
        );
        let log = all_log(store.as_ref());
        let ticket_records: Vec<&TicketEvent> = log
            .iter()
            .filter_map(|r| match &r.entry {
                LogEntry::Ticket { event } if event.seq > 0 => Some(event),
                _ => None,
            })
            .collect();
        assert_eq!(
            ticket_records,
            new_events.iter().collect::<Vec<_>>(),
            "{round}: log() ticket records have the texts"
        );
        let bot_records: Vec<(String, BotEvent)> = log
            .iter()
            .filter_map(|r| match &r.entry {
                LogEntry::Bot { user, event } => Some((user.clone(), event.clone())),
                _ => None,
            })
            .collect();
        let mut expected = vec![(jan.key(), answered("an earlier answer"))];
        expected.extend(bots.clone());
        assert_eq!(
            bot_records, expected,
            "{round}: log() bot records have the texts"
        );
        store = b.reopen(store);
    }
}

/// Many threads committing turns for different users all succeed and all land.
fn many_users_commit_at_once(b: &dyn Backend) {
    const USERS: usize = 16;
    const TURNS: u64 = 20;
    let store = b.open();
    let barrier = Barrier::new(USERS);
    std::thread::scope(|sc| {
        for u in 0..USERS {
            let (store, barrier) = (&store, &barrier);
            sc.spawn(move || {
                let name = format!("u{u}");
                let me = user(&name);
                barrier.wait();
                for i in 0..TURNS {
                    let w = new_ticket(store.as_ref(), &name);
                    let t = w.ticket.clone();
                    let turn = Turn {
                        key: Some(format!("{name}:{i}")),
                        conversation: Some(conversation(&name, i + 1, "en")),
                        tickets: vec![w],
                        bot_events: vec![(me.key(), ack(&format!("{i}")))],
                        outbox: vec![reply(&me, &t.id)],
                        links: vec![(format!("last:{name}"), t.id.clone())],
                        ..Turn::default()
                    };
                    store
                        .commit(&turn, NOW + i, true)
                        .unwrap_or_else(|e| panic!("{name} turn {i}: {e}"));
                }
            });
        }
    });
    let n = USERS * TURNS as usize;
    assert_eq!(store.list(&Filter::default()).unwrap().len(), n);
    assert_eq!(all_outbox(store.as_ref()).len(), n);
    assert_eq!(all_log(store.as_ref()).len(), n * 3);
    for u in 0..USERS {
        let name = format!("u{u}");
        let key = user(&name).key();
        assert_eq!(
            store.conversation(&key).unwrap().map(|c| c.rev),
            Some(TURNS)
        );
        let mine = store
            .list(&Filter {
                requester: Some(key.clone()),
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(mine.len(), TURNS as usize, "{name}");
        assert_eq!(
            store.link(&format!("last:{name}")).unwrap(),
            Some(mine.last().unwrap().id.clone()),
            "{name}: the last turn's link"
        );
        for i in 0..TURNS {
            assert!(store.seen(&format!("{name}:{i}")).unwrap());
        }
        let texts: Vec<String> = store
            .outbox(&OutboxFilter {
                recipient: Some(key),
                ..OutboxFilter::default()
            })
            .unwrap()
            .iter()
            .filter_map(|e| e.action.text().map(str::to_string))
            .collect();
        let ids: Vec<String> = mine.iter().map(|t| t.id.clone()).collect();
        assert_eq!(texts, ids, "{name}: each turn's reply names its ticket");
    }
}

/// `list` reads tickets as they are now: filters by status, openness, queue, requester and
/// organisation follow every change, oldest first, up to `limit`; `change` on a missing ticket
/// is `NotFound`.
fn list_follows_ticket_changes(b: &dyn Backend) {
    let store = b.open();
    let s = store.as_ref();
    let a = open_in(s, "jan", "l2-network");
    let bt = open_in(s, "anna", "l2-accounts");
    let c = store
        .open_ticket(
            &|n| Ticket {
                organisation: Some("acme".into()),
                ..draft(n, "jan", "l2-network")
            },
            &Actor::User("local:jan".into()),
            NOW,
        )
        .unwrap();
    let (actor, change) = claim("alice");
    store.change(&a.id, &actor, &change, NOW + 1).unwrap();
    store
        .change(
            &a.id,
            &actor,
            &Change::Resolved {
                activity: Default::default(),
                note: "done".into(),
                minutes: 5,
            },
            NOW + 2,
        )
        .unwrap();
    store.change(&bt.id, &actor, &change, NOW + 3).unwrap();
    let ids =
        |f: Filter| -> Vec<u64> { s.list(&f).unwrap().into_iter().map(|t| t.number).collect() };
    let (a, bt, c) = (a.number, bt.number, c.number);
    assert_eq!(ids(Filter::default()), [a, bt, c]);
    assert_eq!(
        ids(Filter {
            open: true,
            ..Filter::default()
        }),
        [bt, c]
    );
    assert_eq!(
        ids(Filter {
            status: Some(Status::Resolved),
            ..Filter::default()
        }),
        [a]
    );
    assert_eq!(
        ids(Filter {
            status: Some(Status::Escalated),
            ..Filter::default()
        }),
        [c],
        "no stale index entry for the claimed ones"
    );
    assert_eq!(
        ids(Filter {
            status: Some(Status::Claimed),
            queue: Some("l2-accounts".into()),
            ..Filter::default()
        }),
        [bt]
    );
    assert_eq!(
        ids(Filter {
            open: true,
            queue: Some("l2-network".into()),
            ..Filter::default()
        }),
        [c]
    );
    assert_eq!(
        ids(Filter {
            requester: Some("local:jan".into()),
            ..Filter::default()
        }),
        [a, c]
    );
    assert_eq!(
        ids(Filter {
            requester: Some("local:jan".into()),
            open: true,
            ..Filter::default()
        }),
        [c]
    );
    assert_eq!(
        ids(Filter {
            organisation: Some("acme".into()),
            ..Filter::default()
        }),
        [c]
    );
    assert_eq!(
        ids(Filter {
            limit: Some(2),
            ..Filter::default()
        }),
        [a, bt]
    );
    // Newest first: the requester's latest, everything reversed.
    assert_eq!(
        ids(Filter {
            requester: Some("local:jan".into()),
            newest_first: true,
            limit: Some(1),
            ..Filter::default()
        }),
        [c]
    );
    assert_eq!(
        ids(Filter {
            newest_first: true,
            ..Filter::default()
        }),
        [c, bt, a]
    );
    // By intent: open tickets through their index, and none left behind once resolved.
    let of_intent = |requester: &str, intent: &str| {
        store
            .open_ticket(
                &|n| {
                    let mut t = draft(n, requester, "l2-network");
                    t.detection.intent = intent.into();
                    t
                },
                &Actor::User(user(requester).key()),
                NOW,
            )
            .unwrap()
    };
    let v1 = of_intent("ola", "vpn");
    let e1 = of_intent("ola", "email");
    let v2 = of_intent("piotr", "vpn");
    let v3 = of_intent("piotr", "vpn");
    store.change(&v2.id, &actor, &change, NOW + 4).unwrap();
    store
        .change(
            &v2.id,
            &actor,
            &Change::Resolved {
                activity: Default::default(),
                note: "done".into(),
                minutes: 5,
            },
            NOW + 4,
        )
        .unwrap();
    let vpn = || vec!["vpn".to_string()];
    assert_eq!(
        ids(Filter {
            open: true,
            intents: vpn(),
            ..Filter::default()
        }),
        [v1.number, v3.number]
    );
    assert_eq!(
        ids(Filter {
            open: true,
            intents: vec!["vpn".into(), "email".into(), "vpn".into()],
            newest_first: true,
            ..Filter::default()
        }),
        [v3.number, e1.number, v1.number]
    );
    assert_eq!(
        ids(Filter {
            intents: vpn(),
            ..Filter::default()
        }),
        [v1.number, v2.number, v3.number],
        "without `open`, resolved ones too"
    );
    assert_eq!(
        ids(Filter {
            status: Some(Status::Resolved),
            intents: vpn(),
            ..Filter::default()
        }),
        [v2.number]
    );
    let r = store.change("T-999999", &actor, &change, NOW);
    assert!(
        matches!(r, Err(StoreError::Ticket(TicketError::NotFound(_)))),
        "{r:?}"
    );
    assert_eq!(store.ticket("T-999999").unwrap(), None);
    assert!(store.events("T-999999").unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Every check against every backend.

macro_rules! conformance {
    (backends { $($backend:ident: $make:expr),* $(,)? } checks $checks:tt) => {
        $( conformance!(@one $backend, $make, $checks); )*
    };
    (@one $backend:ident, $make:expr, { $($check:ident),* $(,)? }) => {
        mod $backend {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $check() {
                    super::$check(&$make)
                }
            )*
        }
    };
}

conformance! {
    backends {
        sled_on_disk: SledOnDisk::new(),
        sled_temporary: SledTemporary,
    }
    checks {
        turn_is_written_whole_or_not_at_all,
        committed_turn_survives_restart,
        of_many_claims_exactly_one_wins,
        conversation_writes_follow_the_stored_revision,
        idempotency_keys_are_handled_once,
        ticket_numbers_are_never_reissued,
        outbox_entries_are_pending_until_delivered,
        log_and_outbox_follow_commit_order,
        concurrent_commits_appear_in_order,
        personal_texts_are_joined_back,
        many_users_commit_at_once,
        list_follows_ticket_changes,
    }
}
