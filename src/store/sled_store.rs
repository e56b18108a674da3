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
//! Ticket numbers are dense and handed out from memory: on open, numbering resumes after the
//! highest stored ticket (or after an older store's `next_ticket` counter, if higher).
//!
//! A ticket, its event and its index entries are written in one transaction. Durability is a group
//! commit: every writer waits for a flush that started after its write, and one flush serves all
//! writers waiting at that moment.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, RwLock};

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
    /// Group commit state; see [`SledStore::durable`]. A std mutex: held only to read or set the
    /// two fields, never across the flush.
    commit: Mutex<Commit>,
    /// Signalled when a flush ends.
    flushed: Condvar,
    /// Transactions hold it shared, a flush exclusively. sled makes a flush wait for every
    /// transaction already queued on its own lock, and those were not counted in the flush, so
    /// they needed the next one: with 64 requesters a flush covered ~15 tickets. Queued here
    /// instead, they wait out the flush (which blocks them inside sled anyway) and are all
    /// counted in the next one.
    gate: RwLock<()>,
    /// The next ticket number; see [`SledStore::first_free_number`].
    next_number: AtomicU64,
    /// Flushes done by [`SledStore::durable`] (benchmarks report tickets per flush).
    flushes: AtomicU64,
}

#[derive(Default)]
struct Commit {
    /// Highest write count known to be on disk.
    flushed: u64,
    /// A flush is under way.
    flushing: bool,
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

/// The number after the highest ticket stored, or after the `next_ticket` counter's if higher
/// (stores written before numbers were kept in memory counted there, gaps included).
fn first_free_number(tickets: &Tree, counters: &Tree) -> Result<u64, StoreError> {
    let after_last = match tickets.last().map_err(io)? {
        Some((k, _)) => {
            u64::from_be_bytes(k.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                key: format!("tickets {k:?}"),
                message: "key is not a ticket number".into(),
            })?) + 1
        }
        None => FIRST_NUMBER,
    };
    let counted = counters
        .get("next_ticket")
        .map_err(io)?
        .map(|b| FIRST_NUMBER + u64::from_be_bytes(b.as_ref().try_into().unwrap_or([0; 8])))
        .unwrap_or(FIRST_NUMBER);
    Ok(after_last.max(counted))
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
        let tickets = db.open_tree("tickets").map_err(io)?;
        let counters = db.open_tree("counters").map_err(io)?;
        let next_number = first_free_number(&tickets, &counters)?;
        Ok(SledStore {
            tickets,
            events: db.open_tree("events").map_err(io)?,
            index: db.open_tree("index").map_err(io)?,
            conversations: db.open_tree("conversations").map_err(io)?,
            outbox: db.open_tree("outbox").map_err(io)?,
            counters,
            db,
            written: AtomicU64::new(0),
            commit: Mutex::new(Commit::default()),
            flushed: Condvar::new(),
            gate: RwLock::new(()),
            next_number: AtomicU64::new(next_number),
            flushes: AtomicU64::new(0),
        })
    }

    /// Waits until every write committed before this call is on disk: group commit. One writer at
    /// a time leads a flush, outside the lock, covering every write counted before it started;
    /// writers arriving meanwhile sleep and are all woken when it ends, and the first of them
    /// still uncovered leads the next flush for everyone who arrived during this one.
    fn durable(&self) -> Result<(), StoreError> {
        let mine = self.written.fetch_add(1, Ordering::SeqCst) + 1;
        // A poisoned lock only means a flush panicked; the figures are still meaningful.
        let mut c = self.commit.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if c.flushed >= mine {
                return Ok(());
            }
            if c.flushing {
                c = self.flushed.wait(c).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            c.flushing = true;
            drop(c);
            let gate = self.gate.write().unwrap_or_else(|p| p.into_inner());
            // Read after taking the lead, before the flush starts: every write counted so far
            // was committed before its writer counted it, so this flush covers it.
            let upto = self.written.load(Ordering::SeqCst);
            let result = self.db.flush();
            drop(gate);
            c = self.commit.lock().unwrap_or_else(|p| p.into_inner());
            c.flushing = false;
            if result.is_ok() {
                c.flushed = c.flushed.max(upto);
                self.flushes.fetch_add(1, Ordering::Relaxed);
            }
            self.flushed.notify_all();
            // On failure the waiters try again themselves, and this writer reports the error.
            result.map_err(io)?;
        }
    }

    /// Flushes done so far to make writes durable.
    pub fn flush_count(&self) -> u64 {
        self.flushes.load(Ordering::Relaxed)
    }

    /// Bulk loading (benchmarks, imports): writes `n` tickets made by `make(j, number)` with their
    /// event logs and index entries in one transaction, through the same key layout as
    /// [`Store::open_ticket`], without waiting for durability; call [`Store::flush`] after the
    /// last batch. Numbers are taken from the same counter, so later openings continue after them.
    pub fn load_batch(
        &self,
        n: usize,
        make: &dyn Fn(usize, u64) -> (Ticket, Vec<TicketEvent>),
    ) -> Result<(), StoreError> {
        if n == 0 {
            return Ok(());
        }
        let first = self.next_number.fetch_add(n as u64, Ordering::SeqCst);
        let mut tickets = sled::Batch::default();
        let mut events = sled::Batch::default();
        let mut index = sled::Batch::default();
        for j in 0..n {
            let number = first + j as u64;
            let (mut t, evs) = make(j, number);
            t.number = number;
            t.id = format!("T-{number}");
            t.event_count = evs.len() as u32;
            for (seq, ev) in evs.iter().enumerate() {
                events.insert(
                    &event_key(number, seq as u32)[..],
                    serde_json::to_vec(ev).expect("events serialise"),
                );
            }
            for k in index_keys(&t) {
                index.insert(k, &[][..]);
            }
            tickets.insert(
                &number.to_be_bytes()[..],
                serde_json::to_vec(&t).expect("tickets serialise"),
            );
        }
        (&self.tickets, &self.events, &self.index)
            .transaction(|(tt, et, it)| {
                tt.apply_batch(&tickets)?;
                et.apply_batch(&events)?;
                it.apply_batch(&index)?;
                Ok(())
            })
            .map_err(tx_err)
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
        // Dense numbers from memory (sled's own id generator skips a million ids on every reopen,
        // and a counter record updated per ticket made 64 requesters queue ~7 ms each on its one
        // key): never shared while running, and after a crash numbering resumes past the highest
        // stored ticket, so a lost, never confirmed ticket's number may be reused, never a
        // confirmed one's.
        let number = self.next_number.fetch_add(1, Ordering::SeqCst);
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
        let gate = self.gate.read().unwrap_or_else(|p| p.into_inner());
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
        drop(gate);
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
        let gate = self.gate.read().unwrap_or_else(|p| p.into_inner());
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
            .map_err(tx_err);
        drop(gate);
        let result = result?;
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
        // Where every prefix is followed directly by the number, each scan yields numbers in
        // order, so the scans are merged lazily and stop at `limit`: an agent's view of a queue
        // with 100,000 open tickets reads its 50 oldest, not all of them.
        let (prefixes, in_order): (Vec<Vec<u8>>, bool) = if let Some(r) = &filter.requester {
            (vec![format!("r{r}\0").into_bytes()], true)
        } else if let Some(o) = &filter.organisation {
            (vec![format!("o{o}\0").into_bytes()], true)
        } else if filter.status.is_some() || filter.open {
            let statuses: Vec<&str> = match filter.status {
                Some(s) => vec![s.as_str()],
                None => vec!["new", "escalated", "claimed", "waiting_on_user"],
            };
            let prefixes = statuses
                .iter()
                .map(|s| match &filter.queue {
                    Some(q) => format!("s{s}\0{q}\0").into_bytes(),
                    None => format!("s{s}\0").into_bytes(),
                })
                .collect();
            (prefixes, filter.queue.is_some())
        } else {
            // No index narrows it: the tickets themselves, in number order.
            let mut out = Vec::new();
            for item in self.tickets.iter() {
                if out.len() >= limit {
                    break;
                }
                let (k, v) = item.map_err(io)?;
                let t: Ticket = decode(&format!("{k:?}"), &v)?;
                if keep(&t) {
                    out.push(t);
                }
            }
            return Ok(out);
        };
        let number_in =
            |k: &[u8]| u64::from_be_bytes(k[k.len() - 8..].try_into().expect("8-byte suffix"));
        let mut out = Vec::new();
        if in_order {
            let mut scans: Vec<sled::Iter> =
                prefixes.iter().map(|p| self.index.scan_prefix(p)).collect();
            let mut heads: Vec<Option<u64>> = Vec::with_capacity(scans.len());
            for scan in &mut scans {
                heads.push(
                    scan.next()
                        .transpose()
                        .map_err(io)?
                        .map(|(k, _)| number_in(&k)),
                );
            }
            while out.len() < limit {
                let Some(n) = heads.iter().flatten().min().copied() else {
                    break;
                };
                for (head, scan) in heads.iter_mut().zip(&mut scans) {
                    if *head == Some(n) {
                        *head = scan
                            .next()
                            .transpose()
                            .map_err(io)?
                            .map(|(k, _)| number_in(&k));
                    }
                }
                if let Some(t) = self.get(n)?
                    && keep(&t)
                {
                    out.push(t);
                }
            }
            return Ok(out);
        }
        let mut numbers: Vec<u64> = Vec::new();
        for p in prefixes {
            for item in self.index.scan_prefix(&p) {
                let (k, _) = item.map_err(io)?;
                numbers.push(number_in(&k));
            }
        }
        numbers.sort_unstable();
        numbers.dedup();
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
