//! The sled side of an erasure or a retention purge ([`crate::privacy::Erase`]): the keys a turn's
//! erasure removes or rewrites, found before the turn's transaction (sled transactions cannot
//! scan) and applied inside it, the audit tree, and the clean-up after the confirmation was
//! delivered. The bytes leave the files when [`SledStore::compact`] rewrites them.

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::sled_store::{
    SledStore, Stored, StoredRecord, Trees, event_key, log_text_key, pending_key,
};
use super::{Store, StoreError};
use crate::clocks::timer::{Timer, TimerKind};
use crate::desk::action::OutboxEntry;
use crate::desk::turn::Turn;
use crate::privacy::{AuditRecord, Erase};
use crate::tickets::{Actor, TicketEvent, UserRef};

/// Indexes of the trees in the commit's transaction (see `SledStore::commit`).
const EVENTS: usize = 1;
const CONVERSATIONS: usize = 3;
const LOG: usize = 4;
const OUTBOX: usize = 5;
const PENDING: usize = 6;
const SEEN: usize = 7;
const TEXTS: usize = 8;
const LINKS: usize = 9;
const TIMERS: usize = 10;
const TIMER_DUE: usize = 11;
const DELIVERY: usize = 12;
const AUDIT: usize = 13;

/// A log record that points at nothing: what replaces a record about an erased person, so log
/// offsets are never reused (a reader resumes at the last offset it saw).
fn tombstone(at_ms: u64, outbox: Option<u64>) -> Vec<u8> {
    serde_json::to_vec(&StoredRecord {
        at_ms,
        what: Stored::Erased { outbox },
    })
    .expect("log records serialise")
}

/// Writes an erasure makes in the turn's transaction.
#[derive(Default)]
pub(crate) struct Plan {
    remove: Vec<(usize, Vec<u8>)>,
    insert: Vec<(usize, Vec<u8>, Vec<u8>)>,
}

impl Plan {
    pub(crate) fn apply(
        &self,
        t: &[TransactionalTree],
    ) -> Result<(), ConflictableTransactionError<StoreError>> {
        for (tree, k) in &self.remove {
            t[*tree].remove(k.as_slice())?;
        }
        for (tree, k, v) in &self.insert {
            t[*tree].insert(k.as_slice(), v.as_slice())?;
        }
        Ok(())
    }
}

/// Whether `text` names the person: their `platform:id`, or their id as one `:`-separated part
/// (idempotency keys and link keys are built that way).
fn names(text: &str, key: &str, id: &str) -> bool {
    text.contains(key) || text.split([':', '\0', '/']).any(|part| part == id)
}

/// Replaces, anywhere in a JSON value, every string that is the person's id, key or one of
/// their names by the pseudonym.
fn pseudonymise(v: &mut serde_json::Value, needles: &[String], pseudonym: &str) {
    match v {
        serde_json::Value::String(s) if needles.iter().any(|n| n == s) => {
            *s = pseudonym.to_string();
        }
        serde_json::Value::Array(a) => a
            .iter_mut()
            .for_each(|v| pseudonymise(v, needles, pseudonym)),
        serde_json::Value::Object(o) => o
            .values_mut()
            .for_each(|v| pseudonymise(v, needles, pseudonym)),
        _ => {}
    }
}

impl SledStore {
    /// What `turn`'s erasures change, read before its transaction. A ticket of the person the
    /// turn does not rewrite is a conflict (it was opened since the desk read), and the turn is
    /// built again.
    pub(crate) fn erasure_plan(&self, s: &Trees, turn: &Turn) -> Result<Plan, StoreError> {
        let mut plan = Plan::default();
        if turn.erase.is_empty() {
            return Ok(plan);
        }
        let io = |e: sled::Error| super::sled_store::classify(self.dir(), e);
        let now = turn
            .tickets
            .iter()
            .flat_map(|w| w.events.iter().map(|e| e.at_ms))
            .max()
            .unwrap_or_else(crate::tickets::now_ms);
        let mut audit_seq = match s.audit.last().map_err(io)? {
            Some((k, _)) => u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8])) + 1,
            None => 1,
        };
        for erase in &turn.erase {
            let record = match erase {
                Erase::Transcripts { tickets, by } => {
                    let mut messages = 0;
                    for id in tickets {
                        let Some(number) = number_of(id) else {
                            continue;
                        };
                        messages += self.remove_texts(s, number, &mut plan)?;
                    }
                    AuditRecord {
                        at_ms: now,
                        action: "purge".into(),
                        by: by.clone(),
                        subject: String::new(),
                        tickets: tickets.clone(),
                        messages,
                    }
                }
                Erase::Person {
                    user,
                    pseudonym,
                    by,
                } => self.person_plan(s, turn, user, pseudonym, by, now, &mut plan)?,
            };
            plan.insert.push((
                AUDIT,
                audit_seq.to_be_bytes().to_vec(),
                serde_json::to_vec(&record).expect("audit records serialise"),
            ));
            audit_seq += 1;
        }
        Ok(plan)
    }

    /// Removes every personal text of ticket `number`'s events; returns how many.
    fn remove_texts(&self, s: &Trees, number: u64, plan: &mut Plan) -> Result<usize, StoreError> {
        let mut prefix = b"e".to_vec();
        prefix.extend_from_slice(&number.to_be_bytes());
        let mut n = 0;
        for item in s.texts.scan_prefix(&prefix) {
            let (k, _) = item.map_err(|e| super::sled_store::classify(self.dir(), e))?;
            plan.remove.push((TEXTS, k.to_vec()));
            n += 1;
        }
        Ok(n)
    }

    #[allow(clippy::too_many_arguments)]
    fn person_plan(
        &self,
        s: &Trees,
        turn: &Turn,
        user: &UserRef,
        pseudonym: &str,
        by: &str,
        now: u64,
        plan: &mut Plan,
    ) -> Result<AuditRecord, StoreError> {
        let io = |e: sled::Error| super::sled_store::classify(self.dir(), e);
        let key = user.key();
        let id = user.id.as_str();
        // Their tickets, from the requester index (the turn rewrites each).
        let mut numbers = Vec::new();
        for item in s.index.scan_prefix(format!("r{key}\0").as_bytes()) {
            let (k, _) = item.map_err(io)?;
            numbers.push(u64::from_be_bytes(
                k[k.len() - 8..].try_into().expect("8-byte suffix"),
            ));
        }
        let mut needles = vec![key.clone(), id.to_string()];
        for &n in &numbers {
            if !turn.tickets.iter().any(|w| w.ticket.number == n) {
                return Err(StoreError::Conflict(format!("T-{n}")));
            }
            if let Some(v) = s.tickets.get(n.to_be_bytes()).map_err(io)?
                && let Ok(t) = serde_json::from_slice::<crate::tickets::Ticket>(&v)
                && !t.requester.name.is_empty()
                && !needles.contains(&t.requester.name)
            {
                needles.push(t.requester.name.clone());
            }
        }
        let mut messages = 0;
        for &n in &numbers {
            messages += self.remove_texts(s, n, plan)?;
            // Each event again without the person: their id and names become the pseudonym.
            for item in s.events.scan_prefix(n.to_be_bytes()) {
                let (k, v) = item.map_err(io)?;
                let Ok(mut event) = serde_json::from_slice::<TicketEvent>(&v) else {
                    continue;
                };
                if let Some(text) = event.change.personal_text_mut() {
                    text.clear();
                }
                if let Actor::User(u) = &event.actor
                    && needles.contains(u)
                {
                    event.actor = Actor::User(pseudonym.to_string());
                }
                let mut change = serde_json::to_value(&event.change).expect("changes serialise");
                pseudonymise(&mut change, &needles, pseudonym);
                if let Ok(c) = serde_json::from_value(change) {
                    event.change = c;
                }
                let seq = u32::from_be_bytes(k[8..12].try_into().expect("12-byte key"));
                plan.insert.push((
                    EVENTS,
                    event_key(n, seq).to_vec(),
                    serde_json::to_vec(&event).expect("events serialise"),
                ));
            }
            // Timers that would write to them (reminders, rating requests, visit reminders).
            for item in s.timers.iter() {
                let (_, v) = item.map_err(io)?;
                let Ok(t) = serde_json::from_slice::<Timer>(&v) else {
                    continue;
                };
                if t.ticket == format!("T-{n}")
                    && matches!(
                        t.kind,
                        TimerKind::Reminder | TimerKind::Csat | TimerKind::VisitReminder
                    )
                {
                    plan.remove.push((TIMERS, t.id.as_bytes().to_vec()));
                    let mut due = t.due_ms.to_be_bytes().to_vec();
                    due.extend_from_slice(t.id.as_bytes());
                    plan.remove.push((TIMER_DUE, due));
                }
            }
        }
        plan.remove.push((CONVERSATIONS, key.as_bytes().to_vec()));
        // Outbox entries to them or about their tickets (cards carry their words and name).
        let ticket_ids: Vec<String> = numbers.iter().map(|n| format!("\"T-{n}\"")).collect();
        let mut removed_outbox = Vec::new();
        for item in s.outbox.iter() {
            let (k, v) = item.map_err(io)?;
            let Ok(e) = serde_json::from_slice::<OutboxEntry>(&v) else {
                continue;
            };
            let text = String::from_utf8_lossy(&v);
            let to_them = e.action.recipient().is_some_and(|u| u.same_person(user));
            if to_them
                || ticket_ids.iter().any(|t| text.contains(t.as_str()))
                || needles
                    .iter()
                    .any(|n| n.chars().count() >= 3 && text.contains(n.as_str()))
            {
                plan.remove.push((OUTBOX, k.to_vec()));
                plan.remove.push((DELIVERY, k.to_vec()));
                plan.remove.push((PENDING, pending_key(e.platform, e.id)));
                removed_outbox.push(e.id);
            }
        }
        self.scrub_log(s, &key, &removed_outbox, plan)?;
        for item in s.seen.iter() {
            let (k, _) = item.map_err(io)?;
            if names(&String::from_utf8_lossy(&k), &key, id) {
                plan.remove.push((SEEN, k.to_vec()));
            }
        }
        for item in s.links.iter() {
            let (k, v) = item.map_err(io)?;
            if names(&String::from_utf8_lossy(&k), &key, id)
                || names(&String::from_utf8_lossy(&v), &key, id)
            {
                plan.remove.push((LINKS, k.to_vec()));
            }
        }
        Ok(AuditRecord {
            at_ms: now,
            action: "erase".into(),
            by: by.to_string(),
            subject: pseudonym.to_string(),
            tickets: numbers.iter().map(|n| format!("T-{n}")).collect(),
            messages,
        })
    }

    /// Log records about the person (their conversation's bot events, messages to them) become
    /// tombstones; their texts go.
    fn scrub_log(
        &self,
        s: &Trees,
        key: &str,
        outbox: &[u64],
        plan: &mut Plan,
    ) -> Result<(), StoreError> {
        let io = |e: sled::Error| super::sled_store::classify(self.dir(), e);
        for item in s.log.iter() {
            let (k, v) = item.map_err(io)?;
            let Ok(r) = serde_json::from_slice::<StoredRecord>(&v) else {
                continue;
            };
            let about = match &r.what {
                Stored::Bot { user, .. } => (user == key).then_some(None),
                Stored::Message { outbox: id } => outbox.contains(id).then_some(Some(*id)),
                Stored::Ticket { .. } | Stored::Erased { .. } => None,
            };
            if let Some(id) = about {
                plan.insert.push((LOG, k.to_vec(), tombstone(r.at_ms, id)));
                let offset = u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8]));
                plan.remove.push((TEXTS, log_text_key(offset)));
            }
        }
        Ok(())
    }

    /// The audit log, oldest first.
    pub fn audit_records(&self) -> Result<Vec<AuditRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.t().audit.iter() {
            let (k, v) = item.map_err(|e| super::sled_store::classify(self.dir(), e))?;
            out.push(serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt {
                dir: self.dir().to_path_buf(),
                key: format!("audit {k:?}"),
                message: e.to_string(),
            })?);
        }
        Ok(out)
    }

    /// Appends one audit record, durably.
    pub fn append_audit(&self, record: &AuditRecord) -> Result<(), StoreError> {
        {
            let s = self.t();
            let io = |e: sled::Error| super::sled_store::classify(self.dir(), e);
            let next = match s.audit.last().map_err(io)? {
                Some((k, _)) => u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8])) + 1,
                None => 1,
            };
            s.audit
                .insert(
                    next.to_be_bytes(),
                    serde_json::to_vec(record).expect("audit records serialise"),
                )
                .map_err(io)?;
        }
        self.flush()
    }

    /// Removes what is still addressed to `user_key` (an erasure's confirmation, delivered by
    /// now or never to be), then rewrites the files.
    pub fn forget_and_compact(&self, user_key: &str) -> Result<(), StoreError> {
        {
            let s = self.t();
            let io = |e: sled::Error| super::sled_store::classify(self.dir(), e);
            let mut plan = Plan::default();
            let mut ids = Vec::new();
            for item in s.outbox.iter() {
                let (k, v) = item.map_err(io)?;
                let Ok(e) = serde_json::from_slice::<OutboxEntry>(&v) else {
                    continue;
                };
                if e.action.recipient().is_some_and(|u| u.key() == user_key) {
                    plan.remove.push((0, k.to_vec()));
                    plan.remove.push((1, k.to_vec()));
                    plan.remove.push((2, pending_key(e.platform, e.id)));
                    ids.push(e.id);
                }
            }
            let mut log_plan = Plan::default();
            self.scrub_log(&s, user_key, &ids, &mut log_plan)?;
            for (tree, k, v) in log_plan.insert {
                s.log.insert(k, v).map_err(io)?;
                let _ = tree;
            }
            for (_, k) in log_plan.remove {
                s.texts.remove(k).map_err(io)?;
            }
            // Ids past the removed entries are never handed out again (see `from_db`).
            if let Some(last) = s.outbox.last().map_err(io)? {
                let next = u64::from_be_bytes(last.0.as_ref().try_into().unwrap_or([0; 8])) + 1;
                s.meta
                    .fetch_and_update("outbox_floor", |old| {
                        let old = old
                            .and_then(|b| b.try_into().ok())
                            .map(u64::from_be_bytes)
                            .unwrap_or(0);
                        Some(old.max(next).to_be_bytes().to_vec())
                    })
                    .map_err(io)?;
            }
            for (tree, k) in plan.remove {
                match tree {
                    0 => s.outbox.remove(k),
                    1 => s.delivery.remove(k),
                    _ => s.pending.remove(k),
                }
                .map_err(io)?;
            }
        }
        self.flush()?;
        self.compact()
    }
}

fn number_of(id: &str) -> Option<u64> {
    id.trim().strip_prefix("T-")?.parse().ok()
}
