//! Personal data (GDPR / RODO): what an erasure or a retention purge changes on a ticket, the
//! turn that does it (built the same way by `frontline privacy erase` and by the desk when a
//! person asks in chat), the export of everything stored about a person, and the audit records.
//! Pure: reads go through the [`Store`] trait; the store removes the keys an [`Erase`] names in
//! the turn's transaction, and rewrites its files afterwards (`store/compact.rs`) so the bytes
//! are gone from the disk too.

use serde::{Deserialize, Serialize};

use crate::desk::turn::{TicketWrite, Turn};
use crate::store::{Filter, OutboxFilter, Store, StoreError};
use crate::tickets::{Actor, Change, Ticket, TicketEvent, UserRef};

/// `[privacy]` as the desk uses it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrivacySettings {
    /// Closed tickets older than this many days lose their transcripts (a daily durable timer).
    pub retention_days: Option<u32>,
}

/// The id of the one retention timer (it belongs to no ticket).
pub const RETENTION_TIMER: &str = "privacy:retention";

/// A day, in milliseconds: how often the retention timer fires.
pub const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// What a turn erases, beside the ticket writes it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Erase {
    /// Everything about a person: their tickets' messages (the turn carries the anonymised
    /// tickets), their conversation, log records, outbox entries addressed to them, their
    /// idempotency keys and links, timers that would write to them.
    Person {
        user: UserRef,
        /// What replaces their id and name (see [`pseudonym`]).
        pseudonym: String,
        /// Who asked (`cli:NAME`, or the pseudonym when the person asked in chat).
        by: String,
    },
    /// The personal text of these tickets' events (retention): the turn carries the tickets with
    /// their transcripts cleared.
    Transcripts { tickets: Vec<String>, by: String },
}

/// One line of the audit log (`frontline privacy audit`): who exported, erased or purged what,
/// and when. A person appears only by a pseudonym, never by their id or name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at_ms: u64,
    /// `export`, `erase` or `purge`.
    pub action: String,
    /// Who did it (`cli:NAME`; in chat, the person themself by their pseudonym; `retention`).
    pub by: String,
    /// The person concerned, by pseudonym (`erased-…`); empty for a purge.
    #[serde(default)]
    pub subject: String,
    /// The tickets concerned.
    pub tickets: Vec<String>,
    /// Messages (personal texts) exported, erased or purged.
    pub messages: usize,
}

/// A fresh pseudonym: `erased-` and 16 random hex digits. Random rather than derived from the
/// id, so nobody holding the store can test candidate ids against it.
pub fn pseudonym() -> String {
    let mut bytes = [0u8; 8];
    use ring::rand::SecureRandom;
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        // No system randomness: hash what differs between calls (never the id).
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes = (n as u64 ^ std::process::id() as u64).to_be_bytes();
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("erased-{hex}")
}

/// Reads `platform:id` as the commands and the stores name people (`local:anna`,
/// `discord:123`, `slack:U123`); a bare name is a local user.
pub fn parse_user(s: &str) -> Result<UserRef, String> {
    let s = s.trim();
    let (platform, id) = match s.split_once(':') {
        Some((p, id)) => (p, id),
        None => ("local", s),
    };
    let platform = crate::tickets::Platform::parse(platform)
        .ok_or_else(|| format!("`{s}` is not PLATFORM:ID (local, discord or slack)"))?;
    if id.is_empty() {
        return Err(format!("`{s}` has no id after the platform"));
    }
    Ok(UserRef {
        platform,
        id: id.to_string(),
        name: id.to_string(),
    })
}

/// The ticket with the person's identity replaced by `pseudonym` and every text written on it
/// (by them, by agents, by vendors) removed. What statistics and statements use stays: number,
/// queue, priority, status, tier, timestamps, minutes, category, tags, rating score.
pub fn anonymise(ticket: &Ticket, pseudonym: &str) -> Ticket {
    let mut t = purged(ticket);
    let user = &ticket.requester;
    t.requester = UserRef {
        platform: user.platform,
        id: pseudonym.to_string(),
        name: pseudonym.to_string(),
    };
    t.channel = String::new();
    t.subject = String::new();
    t.detection.why = String::new();
    t.priority_reason = String::new();
    if let Some(v) = &mut t.visit {
        v.place = None;
    }
    t
}

/// The ticket with its transcript purged (retention): what people wrote and were told.
pub fn purged(ticket: &Ticket) -> Ticket {
    let mut t = ticket.clone();
    t.transcript.clear();
    t.answers.clear();
    t.notes.clear();
    t.rating_comment = None;
    t.l3_note = None;
    for v in &mut t.vendors {
        v.note = String::new();
        v.replies.clear();
    }
    t
}

/// How many of a ticket's events carry personal text.
fn texts_in(events: &[TicketEvent]) -> usize {
    events
        .iter()
        .filter(|e| {
            let mut c = e.change.clone();
            c.personal_text_mut().is_some_and(|t| !t.is_empty())
        })
        .count()
}

/// What an erasure of a person will remove, before it is done (`erase` without `--yes`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub tickets: Vec<String>,
    pub messages: usize,
    pub conversation: bool,
    pub outbox: usize,
}

/// Counts what erasing `user` removes.
pub fn summary(store: &dyn Store, user: &UserRef) -> Result<Summary, StoreError> {
    let tickets = requester_tickets(store, user)?;
    let mut messages = 0;
    for t in &tickets {
        messages += texts_in(&store.events(&t.id)?);
    }
    Ok(Summary {
        tickets: tickets.iter().map(|t| t.id.clone()).collect(),
        messages,
        conversation: store.conversation(&user.key())?.is_some(),
        outbox: store
            .outbox(&OutboxFilter {
                recipient: Some(user.key()),
                ..OutboxFilter::default()
            })?
            .len(),
    })
}

fn requester_tickets(store: &dyn Store, user: &UserRef) -> Result<Vec<Ticket>, StoreError> {
    store.list(&Filter {
        requester: Some(user.key()),
        ..Filter::default()
    })
}

/// Adds to `turn` the erasure of `user`: each of their tickets anonymised with a
/// `personal_data_erased` event by `actor`, and the [`Erase::Person`] the store completes in the
/// same transaction. Returns what it erases.
pub fn erase_into(
    turn: &mut Turn,
    store: &dyn Store,
    user: &UserRef,
    pseudonym: &str,
    by: &str,
    actor: &Actor,
    now: u64,
) -> Result<Summary, StoreError> {
    let summary = summary(store, user)?;
    for before in requester_tickets(store, user)? {
        let mut t = anonymise(&before, pseudonym);
        let change = Change::PersonalDataErased {
            pseudonym: pseudonym.to_string(),
        };
        t.apply(actor, &change, now)?;
        let event = TicketEvent {
            ticket: t.id.clone(),
            seq: before.event_count,
            at_ms: now,
            actor: actor.clone(),
            change,
        };
        t.event_count += 1;
        turn.tickets.push(TicketWrite {
            ticket: t,
            events: vec![event],
            expected_events: Some(before.event_count),
        });
    }
    // Their membership of stored organisations (by id; a domain names nobody): the account
    // keeps its contracts and ledger, which name tickets, never people.
    let key = user.key();
    for mut a in store.accounts()? {
        let before = (
            a.users.len(),
            a.departments.values().flatten().count(),
            a.contact.clone(),
            a.approver.clone(),
        );
        a.users.retain(|u| *u != key);
        for members in a.departments.values_mut() {
            members.retain(|u| *u != key);
        }
        a.departments.retain(|_, m| !m.is_empty());
        if a.contact.as_deref() == Some(key.as_str()) {
            a.contact = None;
        }
        if a.approver.as_deref() == Some(key.as_str()) {
            a.approver = None;
        }
        let after = (
            a.users.len(),
            a.departments.values().flatten().count(),
            a.contact.clone(),
            a.approver.clone(),
        );
        if before != after {
            let expected = Some(a.rev);
            a.rev += 1;
            turn.accounts.push(crate::desk::turn::AccountWrite {
                account: a,
                expected_rev: expected,
                entries: vec![],
            });
        }
    }
    turn.erase.push(Erase::Person {
        user: user.clone(),
        pseudonym: pseudonym.to_string(),
        by: by.to_string(),
    });
    Ok(summary)
}

/// Erases `user` from the command line: one transaction, then the store's files rewritten.
pub fn erase(
    store: &crate::store::SledStore,
    user: &UserRef,
    by: &str,
    now: u64,
) -> Result<(Summary, String), StoreError> {
    let pseudonym = pseudonym();
    loop {
        let mut turn = Turn::default();
        let summary = erase_into(&mut turn, store, user, &pseudonym, by, &Actor::Bot, now)?;
        match store.commit(&turn, now, true) {
            Ok(_) => {
                store.finish_erasure(&user.key())?;
                return Ok((summary, pseudonym));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Adds to `turn` the purge of `ticket`'s transcript (retention), with its event.
pub fn purge_into(turn: &mut Turn, before: &Ticket, now: u64) -> Result<(), StoreError> {
    let mut t = purged(before);
    t.apply(&Actor::Bot, &Change::TranscriptPurged, now)?;
    let event = TicketEvent {
        ticket: t.id.clone(),
        seq: before.event_count,
        at_ms: now,
        actor: Actor::Bot,
        change: Change::TranscriptPurged,
    };
    t.event_count += 1;
    turn.tickets.push(TicketWrite {
        ticket: t,
        events: vec![event],
        expected_events: Some(before.event_count),
    });
    Ok(())
}

/// Everything stored about `user`, as one JSON document (`frontline privacy export`).
pub fn export(store: &dyn Store, user: &UserRef) -> Result<serde_json::Value, StoreError> {
    let key = user.key();
    let tickets = requester_tickets(store, user)?;
    let ids: Vec<String> = tickets.iter().map(|t| t.id.clone()).collect();
    let mut shown = Vec::new();
    for t in &tickets {
        let events = store.events(&t.id)?;
        let timers = store.timers(u64::MAX, Some(&t.id), usize::MAX)?;
        shown.push(serde_json::json!({
            "ticket": t,
            "events": events,
            "timers": timers,
        }));
    }
    let outbox = store.outbox(&OutboxFilter {
        recipient: Some(key.clone()),
        ..OutboxFilter::default()
    })?;
    let outbox_ids: Vec<u64> = outbox.iter().map(|e| e.id).collect();
    let mut log = Vec::new();
    let mut since = 0;
    loop {
        let batch = store.log(since, 1000)?;
        let Some(last) = batch.last() else { break };
        since = last.offset + 1;
        for r in batch {
            let about = match &r.entry {
                crate::desk::log::LogEntry::Bot { user, .. } => user == &key,
                crate::desk::log::LogEntry::Message { outbox, .. } => outbox_ids.contains(outbox),
                crate::desk::log::LogEntry::Ticket { event } => ids.contains(&event.ticket),
            };
            if about {
                log.push(r);
            }
        }
    }
    let audit: Vec<AuditRecord> = store
        .audit()?
        .into_iter()
        .filter(|a| a.tickets.iter().any(|t| ids.contains(t)))
        .collect();
    Ok(serde_json::json!({
        "user": key,
        "tickets": shown,
        "conversation": store.conversation(&key)?,
        "outbox": outbox,
        "log": log,
        "audit": audit,
    }))
}

/// The audit record of an export of `user`'s data, which names their tickets, not them.
pub fn export_record(export: &serde_json::Value, by: &str, now: u64) -> AuditRecord {
    let tickets: Vec<String> = export["tickets"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["ticket"]["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let messages = export["tickets"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["events"].as_array())
                .flatten()
                .filter(|e| {
                    serde_json::from_value::<TicketEvent>((*e).clone())
                        .map(|e| texts_in(std::slice::from_ref(&e)) > 0)
                        .unwrap_or(false)
                })
                .count()
        })
        .unwrap_or(0);
    AuditRecord {
        at_ms: now,
        action: "export".into(),
        by: by.to_string(),
        subject: String::new(),
        tickets,
        messages,
    }
}
