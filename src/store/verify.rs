//! `frontline verify`: checks the store's invariants on an image taken at one point in commit
//! order (so it can run beside a live bot): every ticket readable and indexed, every index entry
//! pointing at a ticket in that state, every ticket's event log complete (`event_count` events,
//! seq 0..n), log and outbox ids dense and pointing at what exists, counters above what they
//! count, the format version and the high-water mark.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::backup::Image;
use super::sled_store::{
    DeliveryRecord, FORMAT, Stored, StoredRecord, event_key, event_text_key, index_keys,
    log_text_key, pending_key,
};
use super::{SledStore, StoreError};
use crate::desk::action::{Delivery, OutboxEntry};
use crate::tickets::{Ticket, TicketEvent};

/// Problems kept in a report; past this only the count grows.
const MAX_LISTED: usize = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Which invariant: `ticket`, `index`, `events`, `log`, `outbox`, `counter`, `format`, `mark`,
    /// `accounts`, `ledger`, `balance`.
    pub check: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dir: String,
    pub ok: bool,
    pub format: u32,
    pub tickets: u64,
    pub events: u64,
    pub index_entries: u64,
    pub log_records: u64,
    pub outbox_entries: u64,
    /// Organisations' accounts and their time entries (each balance is checked against them).
    pub accounts: u64,
    pub ledger_entries: u64,
    /// The next ticket number the store hands out.
    pub next_ticket: u64,
    /// The high-water mark found: every number below `floor` was confirmed to someone, none at
    /// or above `ceiling` was handed out.
    pub mark_floor: Option<u64>,
    pub mark_ceiling: Option<u64>,
    pub problem_count: usize,
    /// The first problems found (all of them up to a thousand).
    pub problems: Vec<Problem>,
}

struct Found {
    problems: Vec<Problem>,
    count: usize,
}

impl Found {
    fn add(&mut self, check: &'static str, detail: String) {
        self.count += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(Problem { check, detail });
        }
    }
}

fn contains(entries: &[(sled::IVec, sled::IVec)], key: &[u8]) -> bool {
    get(entries, key).is_some()
}

fn get<'a>(entries: &'a [(sled::IVec, sled::IVec)], key: &[u8]) -> Option<&'a sled::IVec> {
    entries
        .binary_search_by(|(k, _)| k.as_ref().cmp(key))
        .ok()
        .map(|i| &entries[i].1)
}

fn number(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

/// Checks `store` as it is now (commits wait while it is copied, not while it is checked).
pub fn check(store: &SledStore) -> Result<Report, StoreError> {
    let image = store.image()?;
    let mut found = Found {
        problems: Vec::new(),
        count: 0,
    };
    check_image(&image, &mut found);
    let status = store.mark_status();
    if let Some(why) = &status.unreadable {
        found.add(
            "mark",
            format!("the high-water mark file is unreadable: {why}"),
        );
    }
    if status.lost {
        let m = status.found.expect("a mark was found");
        found.add(
            "mark",
            format!(
                "tickets were lost: the store's files go up to T-{} but numbers up to T-{} were given out (restore the latest backup, or accept the loss with --accept-loss)",
                status.counter.saturating_sub(1),
                m.floor.saturating_sub(1)
            ),
        );
    }
    Ok(Report {
        dir: store.dir().display().to_string(),
        ok: found.count == 0,
        format: image.format,
        tickets: image.tree("tickets").len() as u64,
        events: image.tree("events").len() as u64,
        index_entries: image.tree("index").len() as u64,
        log_records: image.tree("log").len() as u64,
        outbox_entries: image.tree("outbox").len() as u64,
        accounts: image.tree("accounts").len() as u64,
        ledger_entries: image.tree("ledger").len() as u64,
        next_ticket: image.next_ticket,
        mark_floor: status.found.map(|m| m.floor),
        mark_ceiling: status.found.map(|m| m.ceiling),
        problem_count: found.count,
        problems: found.problems,
    })
}

/// The problems `verify` finds in `image` (its count, and the first thousand).
pub fn problems(image: &Image) -> (usize, Vec<Problem>) {
    let mut found = Found {
        problems: Vec::new(),
        count: 0,
    };
    check_image(image, &mut found);
    (found.count, found.problems)
}

fn check_image(image: &Image, found: &mut Found) {
    let tickets = check_tickets(image, found);
    check_index(image, &tickets, found);
    check_events(image, &tickets, found);
    let outbox = check_outbox(image, found);
    check_log(image, &outbox, found);
    check_texts(image, found);
    check_counters(image, &tickets, found);
    check_accounts(image, found);
}

/// Every account's balances equal the sum of its ledger entries: minutes per contract and month,
/// overage per month, the entry count; each entry sits under its own key, its splits add up to
/// its minutes and name the account's contracts, a refund names an entry before it.
fn check_accounts(image: &Image, found: &mut Found) {
    use crate::contracts::{Account, Entry};
    let mut ledger: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for (k, v) in image.tree("ledger") {
        let key = String::from_utf8_lossy(k).replace('\0', "/");
        match super::accounts::decode_entry(v) {
            Err(e) => found.add("ledger", format!("ledger entry {key} cannot be read: {e}")),
            Ok(e) => {
                if k.as_ref() != super::accounts::ledger_key(&e.org, e.month(), e.seq).as_slice() {
                    found.add(
                        "ledger",
                        format!(
                            "ledger entry {key} is stored under another entry's key ({} #{})",
                            e.org, e.seq
                        ),
                    );
                }
                ledger.entry(e.org.clone()).or_default().push(e);
            }
        }
    }
    for (k, v) in image.tree("accounts") {
        let id = String::from_utf8_lossy(k).into_owned();
        let a = match serde_json::from_slice::<Account>(v) {
            Ok(a) => a,
            Err(e) => {
                found.add("accounts", format!("account {id} cannot be read: {e}"));
                continue;
            }
        };
        let mut entries = ledger.remove(&id).unwrap_or_default();
        entries.sort_by_key(|e| e.seq);
        let mut sum = Account::default();
        for (i, e) in entries.iter().enumerate() {
            if e.seq != i as u64 + 1 {
                found.add(
                    "ledger",
                    format!(
                        "{id}: ledger entry {} where entry {} was expected",
                        e.seq,
                        i + 1
                    ),
                );
            }
            let split: i64 = e.splits.iter().map(|s| s.minutes).sum();
            if e.billable && split != e.minutes || !e.billable && !e.splits.is_empty() {
                found.add(
                    "ledger",
                    format!(
                        "{id}: entry {} of {} min is split into {split} min",
                        e.seq, e.minutes
                    ),
                );
            }
            for s in &e.splits {
                if let Some(c) = &s.contract
                    && a.contract(c).is_none()
                {
                    found.add(
                        "ledger",
                        format!("{id}: entry {} is charged to unknown contract {c}", e.seq),
                    );
                }
            }
            if let Some(r) = e.refund_of
                && r >= e.seq
            {
                found.add(
                    "ledger",
                    format!(
                        "{id}: entry {} refunds entry {r}, not an earlier one",
                        e.seq
                    ),
                );
            }
            sum.apply(e);
        }
        if sum.entries != a.entries {
            found.add(
                "balance",
                format!(
                    "{id}: the account counts {} time entries, its ledger holds {}",
                    a.entries, sum.entries
                ),
            );
        }
        let clean = |m: &BTreeMap<String, BTreeMap<String, i64>>| -> BTreeMap<String, BTreeMap<String, i64>> {
            m.iter()
                .map(|(c, months)| (c.clone(), months.iter().filter(|(_, v)| **v != 0).map(|(k, v)| (k.clone(), *v)).collect()))
                .filter(|(_, months): &(String, BTreeMap<String, i64>)| !months.is_empty())
                .collect()
        };
        let (want, have) = (clean(&sum.used), clean(&a.used));
        for c in want
            .keys()
            .chain(have.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let (w, h) = (
                want.get(c).cloned().unwrap_or_default(),
                have.get(c).cloned().unwrap_or_default(),
            );
            for m in w
                .keys()
                .chain(h.keys())
                .collect::<std::collections::BTreeSet<_>>()
            {
                let (x, y) = (
                    w.get(m).copied().unwrap_or(0),
                    h.get(m).copied().unwrap_or(0),
                );
                if x != y {
                    found.add(
                        "balance",
                        format!("{id}: contract {c} shows {y} min used in {m}, its entries sum to {x} min"),
                    );
                }
            }
        }
        let months: std::collections::BTreeSet<&String> =
            sum.overage.keys().chain(a.overage.keys()).collect();
        for m in months {
            let (x, y) = (
                sum.overage.get(m).copied().unwrap_or(0),
                a.overage.get(m).copied().unwrap_or(0),
            );
            if x != y {
                found.add(
                    "balance",
                    format!("{id}: {y} min of overage shown in {m}, its entries sum to {x} min"),
                );
            }
        }
    }
    for (org, entries) in ledger {
        found.add(
            "ledger",
            format!(
                "{} ledger entries of organisation {org}, which has no account",
                entries.len()
            ),
        );
    }
}

fn check_tickets(image: &Image, found: &mut Found) -> BTreeMap<u64, Ticket> {
    let mut tickets = BTreeMap::new();
    let index = image.tree("index");
    for (k, v) in image.tree("tickets") {
        let Some(n) = number(k) else {
            found.add("ticket", format!("a ticket key is not a number: {k:?}"));
            continue;
        };
        let t: Ticket = match serde_json::from_slice(v) {
            Ok(t) => t,
            Err(e) => {
                found.add("ticket", format!("T-{n} is unreadable: {e}"));
                continue;
            }
        };
        if t.number != n || t.id != format!("T-{n}") {
            found.add(
                "ticket",
                format!("the ticket stored as T-{n} calls itself {}", t.id),
            );
        }
        for key in index_keys(&t) {
            if !contains(index, &key) {
                found.add(
                    "index",
                    format!("T-{n} is missing from the index ({})", describe_key(&key)),
                );
            }
        }
        tickets.insert(n, t);
    }
    tickets
}

/// An index key as a person reads it: `status new, queue l2-workplace`.
fn describe_key(key: &[u8]) -> String {
    let body = &key[1..key.len().saturating_sub(8).max(1)];
    let text = String::from_utf8_lossy(body).replace('\0', " ");
    match key.first() {
        Some(b's') => format!("status and queue: {}", text.trim()),
        Some(b'r') => format!("requester {}", text.trim()),
        Some(b'o') => format!("organisation {}", text.trim()),
        Some(b'c') => "creation time".into(),
        Some(b'i') => format!("open tickets of intent {}", text.trim()),
        _ => format!("{key:?}"),
    }
}

fn check_index(image: &Image, tickets: &BTreeMap<u64, Ticket>, found: &mut Found) {
    for (k, _) in image.tree("index") {
        if k.len() < 9 || !matches!(k[0], b's' | b'r' | b'o' | b'c' | b'i') {
            found.add(
                "index",
                format!("an index entry has an unknown shape: {k:?}"),
            );
            continue;
        }
        let n = number(&k[k.len() - 8..]).expect("8 bytes");
        match tickets.get(&n) {
            None => found.add(
                "index",
                format!(
                    "an index entry ({}) points at T-{n}, which does not exist",
                    describe_key(k)
                ),
            ),
            Some(t) if !index_keys(t).iter().any(|key| key.as_slice() == k.as_ref()) => found.add(
                "index",
                format!(
                    "a stale index entry ({}) for T-{n}, which is {} in {}",
                    describe_key(k),
                    t.status.as_str(),
                    t.queue
                ),
            ),
            Some(_) => {}
        }
    }
}

fn check_events(image: &Image, tickets: &BTreeMap<u64, Ticket>, found: &mut Found) {
    let events = image.tree("events");
    for (n, t) in tickets {
        for seq in 0..t.event_count {
            let Some(v) = get(events, &event_key(*n, seq)) else {
                found.add(
                    "events",
                    format!(
                        "T-{n} has {} events but event {seq} is missing",
                        t.event_count
                    ),
                );
                continue;
            };
            match serde_json::from_slice::<TicketEvent>(v) {
                Ok(e) if e.ticket == t.id && e.seq == seq => {}
                Ok(e) => found.add(
                    "events",
                    format!(
                        "event {seq} of T-{n} is stored as event {} of {}",
                        e.seq, e.ticket
                    ),
                ),
                Err(e) => found.add("events", format!("event {seq} of T-{n} is unreadable: {e}")),
            }
        }
    }
    for (k, _) in events {
        if k.len() != 12 {
            found.add(
                "events",
                format!("an event key has an unknown shape: {k:?}"),
            );
            continue;
        }
        let n = number(&k[..8]).expect("8 bytes");
        let seq = u32::from_be_bytes(k[8..].try_into().expect("4 bytes"));
        match tickets.get(&n) {
            None => found.add(
                "events",
                format!("event {seq} of T-{n}, which does not exist"),
            ),
            Some(t) if seq >= t.event_count => found.add(
                "events",
                format!(
                    "event {seq} of T-{n} is beyond its count ({})",
                    t.event_count
                ),
            ),
            Some(_) => {}
        }
    }
}

/// Checks outbox entries, their delivery records and the pending index; returns the ids.
fn check_outbox(image: &Image, found: &mut Found) -> Vec<u64> {
    let delivery = image.tree("delivery");
    let pending = image.tree("pending");
    let mut ids = Vec::new();
    for (k, v) in image.tree("outbox") {
        let Some(id) = number(k) else {
            found.add("outbox", format!("an outbox key is not a number: {k:?}"));
            continue;
        };
        let mut e: OutboxEntry = match serde_json::from_slice(v) {
            Ok(e) => e,
            Err(e) => {
                found.add("outbox", format!("outbox entry {id} is unreadable: {e}"));
                continue;
            }
        };
        if e.id != id {
            found.add("outbox", format!("outbox entry {id} calls itself {}", e.id));
        }
        if let Some(d) = get(delivery, k) {
            match serde_json::from_slice::<DeliveryRecord>(d) {
                Ok(d) => d.apply(&mut e),
                Err(err) => found.add(
                    "outbox",
                    format!("the delivery record of outbox entry {id} is unreadable: {err}"),
                ),
            }
        }
        // A delivered entry may still be in the pending index (a crash between the two writes;
        // reads check the record), but a pending one must be there or no worker sees it.
        if e.state == Delivery::Pending && !contains(pending, &pending_key(e.platform, id)) {
            found.add(
                "outbox",
                format!(
                    "outbox entry {id} ({}) is pending but not in the pending index: it would never be delivered",
                    e.platform
                ),
            );
        }
        ids.push(id);
    }
    for (k, _) in pending {
        let id = k.len().checked_sub(8).and_then(|at| number(&k[at..]));
        match id {
            Some(id) if ids.binary_search(&id).is_ok() => {}
            Some(id) => found.add(
                "outbox",
                format!("the pending index names outbox entry {id}, which does not exist"),
            ),
            None => found.add(
                "outbox",
                format!("a pending index key has an unknown shape: {k:?}"),
            ),
        }
    }
    for (k, _) in delivery {
        if !contains(image.tree("outbox"), k) {
            found.add(
                "outbox",
                format!(
                    "a delivery record for outbox entry {:?}, which does not exist",
                    number(k)
                ),
            );
        }
    }
    // Entries an erasure removed left a tombstone in the log naming them.
    let mut counted = ids.clone();
    for (_, v) in image.tree("log") {
        if let Ok(StoredRecord {
            what: Stored::Erased { outbox: Some(id) },
            ..
        }) = serde_json::from_slice::<StoredRecord>(v)
        {
            counted.push(id);
        }
    }
    counted.sort_unstable();
    counted.dedup();
    dense("outbox", "outbox ids", &counted, found);
    ids
}

/// Ids handed out in commit order have no holes: a hole is a record lost.
fn dense(check: &'static str, what: &str, ids: &[u64], found: &mut Found) {
    for w in ids.windows(2) {
        if w[1] != w[0] + 1 {
            found.add(
                check,
                format!("{what} jump from {} to {}: records are missing", w[0], w[1]),
            );
        }
    }
}

fn check_log(image: &Image, outbox: &[u64], found: &mut Found) {
    let events = image.tree("events");
    let mut offsets = Vec::new();
    for (k, v) in image.tree("log") {
        let Some(offset) = number(k) else {
            found.add("log", format!("a log key is not a number: {k:?}"));
            continue;
        };
        offsets.push(offset);
        match serde_json::from_slice::<StoredRecord>(v) {
            Ok(r) => match r.what {
                Stored::Ticket { number, seq } if !contains(events, &event_key(number, seq)) => {
                    found.add(
                        "log",
                        format!(
                            "log record {offset} names event {seq} of T-{number}, which does not exist"
                        ),
                    )
                }
                Stored::Message { outbox: id } if outbox.binary_search(&id).is_err() => found
                    .add(
                        "log",
                        format!(
                            "log record {offset} names outbox entry {id}, which does not exist"
                        ),
                    ),
                _ => {}
            },
            Err(e) => found.add("log", format!("log record {offset} is unreadable: {e}")),
        }
    }
    dense("log", "log offsets", &offsets, found);
    let next_offset = offsets.last().map_or(1, |o| o + 1);
    for (k, v) in image.tree("seen") {
        match number(v) {
            Some(o) if o < next_offset => {}
            _ => found.add(
                "log",
                format!(
                    "handled event {} points past the log",
                    String::from_utf8_lossy(k)
                ),
            ),
        }
    }
}

fn check_texts(image: &Image, found: &mut Found) {
    let events = image.tree("events");
    let log = image.tree("log");
    for (k, _) in image.tree("texts") {
        let known = match k.first() {
            Some(b'e') if k.len() == 13 => {
                let n = number(&k[1..9]).expect("8 bytes");
                let seq = u32::from_be_bytes(k[9..13].try_into().expect("4 bytes"));
                debug_assert_eq!(event_text_key(n, seq), k.to_vec());
                contains(events, &event_key(n, seq))
            }
            Some(b'l') if k.len() == 9 => {
                let o = number(&k[1..9]).expect("8 bytes");
                debug_assert_eq!(log_text_key(o), k.to_vec());
                contains(log, &o.to_be_bytes())
            }
            _ => false,
        };
        if !known {
            found.add(
                "events",
                format!("a personal text belongs to no event or log record: {k:?}"),
            );
        }
    }
}

fn check_counters(image: &Image, tickets: &BTreeMap<u64, Ticket>, found: &mut Found) {
    let highest = tickets.keys().next_back().copied();
    let stored = get(image.tree("meta"), b"next_ticket").and_then(|v| number(v));
    if let Some(h) = highest {
        if image.next_ticket <= h {
            found.add(
                "counter",
                format!(
                    "the next ticket number T-{} is not above the highest ticket T-{h}",
                    image.next_ticket
                ),
            );
        }
        match stored {
            Some(s) if s > h => {}
            Some(s) => found.add(
                "counter",
                format!("the stored ticket counter T-{s} is not above the highest ticket T-{h}"),
            ),
            None => found.add(
                "counter",
                format!("no stored ticket counter, though tickets go up to T-{h}"),
            ),
        }
    }
    if image.format != FORMAT {
        found.add(
            "format",
            format!(
                "the store format is {}, this binary writes {FORMAT}",
                image.format
            ),
        );
    }
}

/// Prints `report`: each problem on its own line, then a summary (or one JSON object).
pub fn print(report: &Report, json: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if json {
        return writeln!(
            out,
            "{}",
            serde_json::to_string(report).expect("the report serialises")
        );
    }
    for p in &report.problems {
        writeln!(
            out,
            "problem ({}): {}",
            p.check,
            crate::platform::terminal::line(&p.detail)
        )?;
    }
    if report.problem_count > report.problems.len() {
        writeln!(
            out,
            "... and {} more problems",
            report.problem_count - report.problems.len()
        )?;
    }
    let mark = match (report.mark_floor, report.mark_ceiling) {
        (Some(f), Some(c)) if f == c => format!("high-water mark T-{f}"),
        (Some(f), Some(c)) => format!("high-water mark T-{f}..T-{c}"),
        _ => "no high-water mark".into(),
    };
    writeln!(
        out,
        "{}: store format {}, {} tickets, {} events, {} index entries, {} log records, {} outbox entries, {} accounts, {} time entries; next ticket T-{}, {mark}: {}",
        report.dir,
        report.format,
        report.tickets,
        report.events,
        report.index_entries,
        report.log_records,
        report.outbox_entries,
        report.accounts,
        report.ledger_entries,
        report.next_ticket,
        if report.ok {
            "OK".to_string()
        } else {
            format!("{} problems", report.problem_count)
        }
    )
}

/// `frontline verify`: checks `store`, prints the report and says whether it is sound. With
/// `accept_loss`, a store that lost tickets first has its counter moved past the high-water
/// mark (so no number is reused) and is checked again.
pub fn run(
    store: &SledStore,
    json: bool,
    accept_loss: bool,
    out: &mut dyn Write,
) -> Result<bool, StoreError> {
    let w = |e: std::io::Error| StoreError::Io(e.to_string());
    if accept_loss {
        let before = check(store)?;
        let next = store.accept_loss()?;
        if !json {
            let lost = before.problems.iter().any(|p| p.check == "mark");
            writeln!(
                out,
                "{}: the high-water mark is written anew; the next ticket is T-{next}{}",
                store.dir().display(),
                if lost {
                    " (the lost tickets' numbers are not given out again)"
                } else {
                    ""
                }
            )
            .map_err(w)?;
        }
    }
    let mut report = check(store)?;
    if accept_loss {
        // The mark was just written from the counter: what was found at open no longer holds.
        let listed = report.problems.len();
        report.problems.retain(|p| p.check != "mark");
        report.problem_count -= listed - report.problems.len();
        report.ok = report.problem_count == 0;
        report.mark_floor = Some(store.next_number());
        report.mark_ceiling = Some(store.next_number());
    }
    print(&report, json, out).map_err(w)?;
    Ok(report.ok)
}
