//! The sled store. Key layout (all numbers big-endian so keys sort in order):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `tickets` | number (u64) | ticket, JSON |
//! | `events` | number (u64) + seq (u32) | event, JSON |
//! | `index` | `s` status `\0` queue `\0` number | empty: by status and queue |
//! | `index` | `r` platform:user `\0` number | empty: by requester |
//! | `index` | `o` organisation `\0` number | empty: by organisation |
//! | `index` | `c` created_ms (u64) number | empty: by creation time |
//! | `conversations` | platform:user | the desk's conversation state |
//! | `outbox` | platform:user `\0` id (u64) | a message waiting for the user |
//! | `counters` | name | u64: deflections and other tallies |
//!
//! A ticket, its event and its index entries are written in one transaction. Durability is a group
//! commit: every writer waits for a flush that started after its write, and one flush serves all
//! writers waiting at that moment.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Transactional, Tree};

use super::{Filter, Store, StoreError};
use crate::tickets::{Actor, Change, Ticket, TicketError, TicketEvent};

/// Ticket numbers start here, so ids look like `T-1042` from the first ticket on.
const FIRST_NUMBER: u64 = 1000;

pub struct SledStore {
    db: sled::Db,
    tickets: Tree,
    events: Tree,
    index: Tree,
    conversations: Tree,
    outbox: Tree,
    counters: Tree,
    /// Count of writes committed; a flush that starts after a write covers it.
    written: AtomicU64,
    /// Highest write count known to be on disk. The mutex serialises flushes so that writers
    /// arriving during one flush share the next.
    flushed: Mutex<u64>,
}

fn io(e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(e.to_string())
}

fn number_of(id: &str) -> Option<u64> {
    id.trim()
        .strip_prefix("T-")
        .or_else(|| id.trim().strip_prefix("t-"))?
        .parse()
        .ok()
}

fn status_key(t: &Ticket) -> Vec<u8> {
    let mut k = format!("s{}\0{}\0", t.status.as_str(), t.queue).into_bytes();
    k.extend_from_slice(&t.number.to_be_bytes());
    k
}

fn index_keys(t: &Ticket) -> Vec<Vec<u8>> {
    let mut keys = vec![status_key(t)];
    let mut r = format!("r{}\0", t.requester.key()).into_bytes();
    r.extend_from_slice(&t.number.to_be_bytes());
    keys.push(r);
    if let Some(org) = &t.organisation {
        let mut o = format!("o{org}\0").into_bytes();
        o.extend_from_slice(&t.number.to_be_bytes());
        keys.push(o);
    }
    let mut c = b"c".to_vec();
    c.extend_from_slice(&t.created_ms.to_be_bytes());
    c.extend_from_slice(&t.number.to_be_bytes());
    keys.push(c);
    keys
}

fn event_key(number: u64, seq: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&number.to_be_bytes());
    k[8..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        key: key.to_string(),
        message: e.to_string(),
    })
}

fn abort<T>(e: StoreError) -> Result<T, ConflictableTransactionError<StoreError>> {
    Err(ConflictableTransactionError::Abort(e))
}

fn tx_err(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => io(e),
    }
}

fn write_event(
    events: &TransactionalTree,
    ev: &TicketEvent,
    number: u64,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    let bytes = serde_json::to_vec(ev).expect("events serialise");
    events.insert(&event_key(number, ev.seq)[..], bytes)?;
    Ok(())
}

impl SledStore {
    /// Opens (or creates) the store in `dir`. Another process holding the store makes this fail;
    /// [`SledStore::open_waiting`] retries.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        let db = sled::Config::new().path(dir).open().map_err(io)?;
        SledStore::from_db(db)
    }

    /// Opens the store, waiting up to `patience` for another process to release it (two terminal
    /// commands on one store take turns).
    pub fn open_waiting(
        dir: &Path,
        patience: std::time::Duration,
    ) -> Result<SledStore, StoreError> {
        let started = std::time::Instant::now();
        loop {
            match SledStore::open(dir) {
                Ok(s) => return Ok(s),
                Err(e) if started.elapsed() < patience && e.to_string().contains("lock") => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A store in a temporary directory that disappears when dropped (tests).
    pub fn temporary() -> Result<SledStore, StoreError> {
        SledStore::from_db(sled::Config::new().temporary(true).open().map_err(io)?)
    }

    fn from_db(db: sled::Db) -> Result<SledStore, StoreError> {
        Ok(SledStore {
            tickets: db.open_tree("tickets").map_err(io)?,
            events: db.open_tree("events").map_err(io)?,
            index: db.open_tree("index").map_err(io)?,
            conversations: db.open_tree("conversations").map_err(io)?,
            outbox: db.open_tree("outbox").map_err(io)?,
            counters: db.open_tree("counters").map_err(io)?,
            db,
            written: AtomicU64::new(0),
            flushed: Mutex::new(0),
        })
    }

    /// Waits until every write committed before this call is on disk.
    fn durable(&self) -> Result<(), StoreError> {
        let mine = self.written.fetch_add(1, Ordering::SeqCst) + 1;
        // A poisoned lock only means another flush panicked; the counter is still meaningful.
        let mut flushed = self.flushed.lock().unwrap_or_else(|p| p.into_inner());
        if *flushed >= mine {
            return Ok(());
        }
        let upto = self.written.load(Ordering::SeqCst);
        self.db.flush().map_err(io)?;
        *flushed = upto;
        Ok(())
    }

    /// Bytes the store takes on disk.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }

    /// Number of tickets stored.
    pub fn ticket_count(&self) -> usize {
        self.tickets.len()
    }

    /// Checks that every ticket's index entries exist and every index entry points at a ticket in
    /// that state (used after crashes in tests, and by `frontline tickets check`).
    pub fn verify_indexes(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        for item in self.tickets.iter() {
            let (k, v) = item.map_err(io)?;
            let t: Ticket = decode(&format!("{k:?}"), &v)?;
            for key in index_keys(&t) {
                if !self.index.contains_key(&key).map_err(io)? {
                    return Err(StoreError::Corrupt {
                        key: t.id.clone(),
                        message: "missing index entry".into(),
                    });
                }
            }
            n += 1;
        }
        for item in self.index.scan_prefix(b"s") {
            let (k, _) = item.map_err(io)?;
            let number = u64::from_be_bytes(k[k.len() - 8..].try_into().expect("8-byte suffix"));
            let t: Option<Ticket> = self.get(number)?;
            match t {
                Some(t) if status_key(&t) == k.to_vec() => {}
                _ => {
                    return Err(StoreError::Corrupt {
                        key: format!("index {k:?}"),
                        message: "stale entry".into(),
                    });
                }
            }
        }
        Ok(n)
    }

    /// Atomically adds one to a counter and returns the new value (not yet durable).
    fn bump(&self, name: &str) -> Result<u64, StoreError> {
        let v = self
            .counters
            .update_and_fetch(name, |old| {
                let n = old
                    .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
                    .unwrap_or(0)
                    + 1;
                Some(n.to_be_bytes().to_vec())
            })
            .map_err(io)?;
        Ok(
            v.map(|b| u64::from_be_bytes(b.as_ref().try_into().unwrap_or([0; 8])))
                .unwrap_or(0),
        )
    }

    fn get(&self, number: u64) -> Result<Option<Ticket>, StoreError> {
        match self.tickets.get(number.to_be_bytes()).map_err(io)? {
            Some(v) => Ok(Some(decode(&format!("T-{number}"), &v)?)),
            None => Ok(None),
        }
    }
}

impl Store for SledStore {
    fn open_ticket(
        &self,
        draft: &dyn Fn(u64) -> Ticket,
        actor: &Actor,
        now: u64,
    ) -> Result<Ticket, StoreError> {
        // A dense counter (sled's own id generator skips a million ids on every reopen); atomic,
        // so concurrent openings never share a number; a crash may leave a gap, never a duplicate.
        let number = FIRST_NUMBER + self.bump("next_ticket")? - 1;
        let mut ticket = draft(number);
        ticket.number = number;
        ticket.id = format!("T-{number}");
        let event = TicketEvent {
            ticket: ticket.id.clone(),
            seq: 0,
            at_ms: now,
            actor: actor.clone(),
            change: Change::Opened {
                queue: ticket.queue.clone(),
                priority: ticket.priority,
            },
        };
        ticket.event_count = 1;
        let bytes = serde_json::to_vec(&ticket).expect("tickets serialise");
        (&self.tickets, &self.events, &self.index)
            .transaction(|(tickets, events, index)| {
                tickets.insert(&number.to_be_bytes()[..], bytes.clone())?;
                write_event(events, &event, number)?;
                for k in index_keys(&ticket) {
                    index.insert(k, &[][..])?;
                }
                Ok(())
            })
            .map_err(tx_err)?;
        self.durable()?;
        Ok(ticket)
    }

    fn change(
        &self,
        id: &str,
        actor: &Actor,
        change: &Change,
        now: u64,
    ) -> Result<(Ticket, TicketEvent), StoreError> {
        let number = number_of(id).ok_or_else(|| TicketError::NotFound(id.to_string()))?;
        let result = (&self.tickets, &self.events, &self.index)
            .transaction(|(tickets, events, index)| {
                let Some(bytes) = tickets.get(number.to_be_bytes())? else {
                    return abort(TicketError::NotFound(id.to_string()).into());
                };
                let mut t: Ticket = match decode(id, &bytes) {
                    Ok(t) => t,
                    Err(e) => return abort(e),
                };
                let before = status_key(&t);
                if let Err(e) = t.apply(actor, change, now) {
                    return abort(e.into());
                }
                let event = TicketEvent {
                    ticket: t.id.clone(),
                    seq: t.event_count,
                    at_ms: now,
                    actor: actor.clone(),
                    change: change.clone(),
                };
                t.event_count += 1;
                let after = status_key(&t);
                if before != after {
                    index.remove(before)?;
                    index.insert(after, &[][..])?;
                }
                tickets.insert(
                    &number.to_be_bytes()[..],
                    serde_json::to_vec(&t).expect("tickets serialise"),
                )?;
                write_event(events, &event, number)?;
                Ok((t, event))
            })
            .map_err(tx_err)?;
        self.durable()?;
        Ok(result)
    }

    fn ticket(&self, id: &str) -> Result<Option<Ticket>, StoreError> {
        match number_of(id) {
            Some(n) => self.get(n),
            None => Ok(None),
        }
    }

    fn events(&self, id: &str) -> Result<Vec<TicketEvent>, StoreError> {
        let Some(number) = number_of(id) else {
            return Ok(vec![]);
        };
        self.events
            .scan_prefix(number.to_be_bytes())
            .map(|item| {
                let (_, v) = item.map_err(io)?;
                decode(id, &v)
            })
            .collect()
    }

    fn list(&self, filter: &Filter) -> Result<Vec<Ticket>, StoreError> {
        let limit = filter.limit.unwrap_or(usize::MAX);
        let keep = |t: &Ticket| {
            filter.status.is_none_or(|s| t.status == s)
                && (!filter.open || t.status.is_open())
                && filter.queue.as_ref().is_none_or(|q| &t.queue == q)
                && filter
                    .requester
                    .as_ref()
                    .is_none_or(|r| &t.requester.key() == r)
                && filter
                    .organisation
                    .as_ref()
                    .is_none_or(|o| t.organisation.as_ref() == Some(o))
        };
        // Pick the narrowest index for the filter; everything else is checked on the tickets.
        let prefixes: Vec<Vec<u8>> = if let Some(r) = &filter.requester {
            vec![format!("r{r}\0").into_bytes()]
        } else if let Some(o) = &filter.organisation {
            vec![format!("o{o}\0").into_bytes()]
        } else if filter.status.is_some() || filter.open {
            let statuses: Vec<&str> = match filter.status {
                Some(s) => vec![s.as_str()],
                None => vec!["new", "escalated", "claimed", "waiting_on_user"],
            };
            statuses
                .iter()
                .map(|s| match &filter.queue {
                    Some(q) => format!("s{s}\0{q}\0").into_bytes(),
                    None => format!("s{s}\0").into_bytes(),
                })
                .collect()
        } else {
            vec![b"c".to_vec()]
        };
        let mut numbers: Vec<u64> = Vec::new();
        for p in prefixes {
            for item in self.index.scan_prefix(&p) {
                let (k, _) = item.map_err(io)?;
                numbers.push(u64::from_be_bytes(
                    k[k.len() - 8..].try_into().expect("8-byte suffix"),
                ));
            }
        }
        numbers.sort_unstable();
        numbers.dedup();
        let mut out = Vec::new();
        for n in numbers {
            if out.len() >= limit {
                break;
            }
            if let Some(t) = self.get(n)?
                && keep(&t)
            {
                out.push(t);
            }
        }
        Ok(out)
    }

    fn conversation(&self, user_key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conversations
            .get(user_key)
            .map_err(io)?
            .map(|v| v.to_vec()))
    }

    fn put_conversation(&self, user_key: &str, state: &[u8]) -> Result<(), StoreError> {
        self.conversations.insert(user_key, state).map_err(io)?;
        self.durable()
    }

    fn push_outbox(&self, user_key: &str, text: &str) -> Result<(), StoreError> {
        let mut k = format!("{user_key}\0").into_bytes();
        k.extend_from_slice(&self.db.generate_id().map_err(io)?.to_be_bytes());
        self.outbox.insert(k, text.as_bytes()).map_err(io)?;
        self.durable()
    }

    fn take_outbox(&self, user_key: &str) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for item in self.outbox.scan_prefix(format!("{user_key}\0")) {
            let (k, v) = item.map_err(io)?;
            out.push(String::from_utf8_lossy(&v).into_owned());
            self.outbox.remove(k).map_err(io)?;
        }
        if !out.is_empty() {
            self.durable()?;
        }
        Ok(out)
    }

    fn count(&self, name: &str) -> Result<u64, StoreError> {
        let n = self.bump(name)?;
        self.durable()?;
        Ok(n)
    }

    fn counter(&self, name: &str) -> Result<u64, StoreError> {
        Ok(self
            .counters
            .get(name)
            .map_err(io)?
            .map(|b| u64::from_be_bytes(b.as_ref().try_into().unwrap_or([0; 8])))
            .unwrap_or(0))
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.durable()
    }
}
