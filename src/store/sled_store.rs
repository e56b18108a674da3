//! The sled store. Key layout (all numbers big-endian so keys sort in order):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `tickets` | number (u64) | ticket, JSON |
//! | `events` | number (u64) + seq (u32) | ticket event, JSON, personal text taken out |
//! | `index` | `s` status `\0` queue `\0` number | empty: by status and queue |
//! | `index` | `r` platform:user `\0` number | empty: by requester |
//! | `index` | `o` organisation `\0` number | empty: by organisation |
//! | `index` | `c` created_ms (u64) number | empty: by creation time |
//! | `index` | `i` intent `\0` number | empty: open tickets by detected intent (format 2) |
//! | `conversations` | platform:user | the desk's conversation state, JSON |
//! | `log` | offset (u64) | a log record: a ticket event's key, a bot event, an outbox id |
//! | `outbox` | id (u64) | an outbox entry as committed, JSON |
//! | `delivery` | id (u64) | its delivery state, attempts, last error (absent: not tried yet) |
//! | `pending` | platform `\0` id (u64) | empty: entries waiting for that platform |
//! | `seen` | idempotency key | the log offset at which it was committed (u64) |
//! | `texts` | `e` number seq / `l` offset | personal text of a ticket event / a bot event |
//! | `links` | link key | desk bookkeeping (threads, cards) |
//! | `accounts` | organisation id | its account: contracts, minutes used per contract and month, alerts sent, JSON |
//! | `ledger` | organisation `\0` month `YYYY-MM` `\0` seq (u64) | a time entry or refund as charged (compact binary, `accounts::encode_entry`) |
//! | `meta` | `next_ticket` | u64: the lowest ticket number never handed out |
//! | `meta` | `format` | u32: the store format version ([`FORMAT`]) |
//! | `meta` | `next_contract` | u64: the lowest contract number never handed out |
//!
//! Beside sled's files in the data directory (`db`, `conf`, `blobs/`, `snap.*`) the store keeps
//! its high-water mark (`highwater`, see [`super::highwater`]).
//!
//! A turn is one sled transaction over all of these, taken under the sequencer lock so log
//! offsets and outbox ids follow commit order; durability is a group commit: each committer waits
//! for a flush that began after its write, and one flush confirms every committer waiting.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, RwLock};

use crate::clocks::timer::{Timer, TimerWrite};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::Tree;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::highwater::{self, Mark};
use super::{Filter, OutboxFilter, Store, StoreError};
use crate::desk::action::{Delivery, MAX_ATTEMPTS, OutboxEntry, Outcome, backoff_ms};
use crate::desk::conversation::Conversation;
use crate::desk::log::{BotEvent, LogEntry, LogRecord};
use crate::desk::turn::{Committed, Turn};
use crate::tickets::{Platform, Ticket, TicketEvent};

/// sled's page cache (its default is 1 GiB, which a busy desk fills with pages it rarely reads
/// again: the working set is recent conversations, open tickets and the outbox's tail).
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// Ticket numbers start here, so ids look like `T-1042` from the first ticket on.
const FIRST_NUMBER: u64 = 1000;

/// An index scan, in either direction.
type Scan = Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>>;

/// The store format this binary writes (`meta/format`). 0 was the layout before the format was
/// recorded, which 1 keeps unchanged: migrating from it is recording the format. 2 adds the
/// index of open tickets by intent ([`migrate`] writes it). A change to the key layout raises
/// it and adds its migration to [`migrate`].
pub const FORMAT: u32 = 2;

/// How a store is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// For use: refuses a store below its high-water mark, keeps the mark.
    Serve,
    /// For `frontline verify`: reports what it finds, changes nothing about the mark.
    Inspect,
    /// As `Serve`, for one process filling the store in one go (`frontline demo`): a page cache
    /// of [`BULK_CACHE_BYTES`] and no flush but the caller's.
    Bulk,
}

/// The page cache of a store opened with [`SledStore::open_bulk`]: a demo of 100,000 tickets
/// rereads its recent tickets and conversations far more often than a desk does.
const BULK_CACHE_BYTES: u64 = 512 * 1024 * 1024;

/// How the store's database at `dir` is opened: for a desk, or for bulk writing.
pub(crate) fn sled_config(dir: &Path, bulk: bool) -> sled::Config {
    let config = sled::Config::new().path(dir);
    if bulk {
        config.cache_capacity(BULK_CACHE_BYTES).flush_every_ms(None)
    } else {
        config.cache_capacity(CACHE_BYTES)
    }
}

/// The high-water mark as this process keeps it.
struct Keeper {
    /// The mark on disk. A std mutex, held while a new mark is written (see `reserve_through`).
    mark: Mutex<Mark>,
    /// `mark.ceiling`, read without the lock on every reservation.
    ceiling: AtomicU64,
    /// Whether this process writes the mark (not when inspecting).
    writes: bool,
}

/// What the high-water mark said when the store was opened.
#[derive(Debug, Clone)]
pub struct MarkStatus {
    /// The mark found, if there was one.
    pub found: Option<Mark>,
    /// The store's own counter: one past the highest ticket number its files know of.
    pub counter: u64,
    /// The counter is below the mark's floor: tickets confirmed to people are gone.
    pub lost: bool,
    /// The mark file could not be read (why).
    pub unreadable: Option<String>,
}

/// sled's database and its trees: behind a lock in [`SledStore`] so that a rewrite of the files
/// (an erasure, see [`super::compact`]) can put a fresh database in place inside a running
/// process.
pub(crate) struct Trees {
    pub(crate) db: sled::Db,
    pub(crate) tickets: Tree,
    pub(crate) events: Tree,
    pub(crate) index: Tree,
    pub(crate) conversations: Tree,
    pub(crate) log: Tree,
    pub(crate) outbox: Tree,
    /// Delivery attempts per outbox entry (absent: none yet).
    pub(crate) delivery: Tree,
    pub(crate) pending: Tree,
    pub(crate) seen: Tree,
    pub(crate) texts: Tree,
    pub(crate) links: Tree,
    /// Organisations' accounts and their ledgers (see [`super::accounts`]).
    pub(crate) accounts: Tree,
    pub(crate) ledger: Tree,
    /// Pending timers by id (JSON), and the same ids by due instant (`due ms BE ++ id`).
    pub(crate) timers: Tree,
    pub(crate) timer_due: Tree,
    pub(crate) meta: Tree,
    /// Who exported, erased or purged personal data, and when (see [`super::privacy`]).
    pub(crate) audit: Tree,
    /// What reports read (see [`super::reports`]).
    pub(crate) facts: Tree,
    pub(crate) names: Tree,
    pub(crate) botcounts: Tree,
}

impl Trees {
    pub(crate) fn open(db: sled::Db, dir: &Path) -> Result<Trees, StoreError> {
        let tree = |name: &str| db.open_tree(name).map_err(|e| classify(dir, e));
        Ok(Trees {
            tickets: tree("tickets")?,
            events: tree("events")?,
            index: tree("index")?,
            conversations: tree("conversations")?,
            log: tree("log")?,
            outbox: tree("outbox")?,
            delivery: tree("delivery")?,
            pending: tree("pending")?,
            seen: tree("seen")?,
            texts: tree("texts")?,
            links: tree("links")?,
            timers: tree("timers")?,
            timer_due: tree("timer_due")?,
            meta: tree("meta")?,
            audit: tree("audit")?,
            accounts: tree("accounts")?,
            ledger: tree("ledger")?,
            facts: tree("facts")?,
            names: tree("names")?,
            botcounts: tree("botcounts")?,
            db,
        })
    }
}

pub struct SledStore {
    /// The database. Every operation reads it through [`SledStore::t`] (a recursive shared
    /// lock, so nested reads never wait on a queued rewrite); the rewrite after an erasure takes
    /// it exclusively, after every commit, read and delivery record in flight has finished.
    pub(crate) trees: parking_lot::RwLock<Trees>,
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
    /// Next log offset and outbox id, taken with the turn's transaction so both follow commit
    /// order (a reader at offset N never later sees a record below N appear). A std mutex held
    /// for the in-memory transaction only, never across a flush.
    sequencer: Mutex<Sequence>,
    /// The next ticket number; persisted as `meta/next_ticket` on every reservation.
    next_number: AtomicU64,
    /// Flushes done by [`SledStore::durable`] (benchmarks report tickets per flush).
    flushes: AtomicU64,
    place: Place,
    /// The high-water mark; `None` for a temporary store.
    keeper: Option<Keeper>,
    /// One past the highest ticket number confirmed durable by this process (or the mark's floor
    /// at open): the floor the next mark written can claim.
    confirmed_next: AtomicU64,
    status: MarkStatus,
    format: u32,
    /// Opened with [`SledStore::open_bulk`]: a rewrite ([`SledStore::compact`]) reopens it so.
    pub(crate) bulk: bool,
}

impl Drop for SledStore {
    /// A clean close makes everything durable and writes the exact high-water mark, so the next
    /// process continues at this one's next number instead of skipping the rest of its block.
    fn drop(&mut self) {
        let Some(k) = &self.keeper else {
            return;
        };
        if !k.writes {
            return;
        }
        let next = self.next_number.load(Ordering::SeqCst);
        let on_disk = *k.mark.lock().unwrap_or_else(|p| p.into_inner());
        if on_disk == Mark::exact(next) {
            return;
        }
        // Only once the flush made the counter durable may the floor claim it.
        if self.t().db.flush().is_ok() {
            let _ = highwater::write(&self.place.dir, &Mark::exact(next));
        }
    }
}

#[derive(Default)]
struct Commit {
    /// Highest write count known to be on disk.
    flushed: u64,
    /// A flush is under way.
    flushing: bool,
}

struct Sequence {
    next_offset: u64,
    next_outbox: u64,
}

/// A log record as stored: what it points at, not the personal text.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Stored {
    Ticket {
        number: u64,
        seq: u32,
    },
    Bot {
        user: String,
        event: BotEvent,
    },
    Message {
        outbox: u64,
    },
    /// A record about a person whose data was erased (see `store/privacy.rs`): it stays so
    /// offsets are not reused, naming the outbox entry it was about, which is gone.
    Erased {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outbox: Option<u64>,
    },
}

/// What happened to an outbox entry since it was committed.
#[derive(Serialize, Deserialize)]
pub(crate) struct DeliveryRecord {
    state: Delivery,
    attempts: u32,
    next_attempt_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delivered_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
}

impl DeliveryRecord {
    fn of(e: &OutboxEntry) -> DeliveryRecord {
        DeliveryRecord {
            state: e.state,
            attempts: e.attempts,
            next_attempt_ms: e.next_attempt_ms,
            delivered_ms: e.delivered_ms,
            last_error: e.last_error.clone(),
        }
    }

    pub(crate) fn apply(&self, e: &mut OutboxEntry) {
        e.state = self.state;
        e.attempts = self.attempts;
        e.next_attempt_ms = self.next_attempt_ms;
        e.delivered_ms = self.delivered_ms;
        e.last_error = self.last_error.clone();
    }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredRecord {
    pub(crate) at_ms: u64,
    #[serde(flatten)]
    pub(crate) what: Stored,
}

/// Where a store lives, for errors that name it.
struct Place {
    dir: PathBuf,
}

impl Place {
    /// A sled error as the user should read it: a full disk, a lock held by another process, or
    /// damaged files, each with what to do.
    fn io(&self, e: sled::Error) -> StoreError {
        classify(&self.dir, e)
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        bytes: &[u8],
    ) -> Result<T, StoreError> {
        serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
            dir: self.dir.clone(),
            key: key.to_string(),
            message: e.to_string(),
        })
    }

    fn u64_of(&self, key: &str, bytes: &[u8]) -> Result<u64, StoreError> {
        Ok(u64::from_be_bytes(bytes.try_into().map_err(|_| {
            StoreError::Corrupt {
                dir: self.dir.clone(),
                key: key.to_string(),
                message: "not an 8-byte number".into(),
            }
        })?))
    }

    fn tx_err(&self, e: TransactionError<StoreError>) -> StoreError {
        match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => self.io(e),
        }
    }
}

/// Classifies a sled error for the store in `dir`.
pub(crate) fn classify(dir: &Path, e: sled::Error) -> StoreError {
    let dir = dir.to_path_buf();
    match e {
        sled::Error::Io(e) if is_disk_full(&e) => StoreError::DiskFull { dir },
        sled::Error::Io(e) if e.to_string().contains("could not acquire lock") => {
            StoreError::Locked { dir }
        }
        sled::Error::Io(e) => StoreError::Storage {
            dir,
            detail: e.to_string(),
        },
        sled::Error::Corruption { at, .. } => StoreError::Damaged {
            dir,
            detail: match at {
                Some(at) => format!("sled found damaged data at {at:?}"),
                None => "sled found damaged data".into(),
            },
        },
        sled::Error::Unsupported(why) => StoreError::Damaged { dir, detail: why },
        other => StoreError::Storage {
            dir,
            detail: other.to_string(),
        },
    }
}

/// Whether an I/O error means the disk is full (sled passes some on as text only).
pub(crate) fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull
        || e.raw_os_error() == Some(28)
        || e.to_string().contains("No space left")
}

/// A file-system error about the store in `dir`.
pub(crate) fn fs_error(dir: &Path, e: std::io::Error) -> StoreError {
    if is_disk_full(&e) {
        StoreError::DiskFull {
            dir: dir.to_path_buf(),
        }
    } else {
        StoreError::Storage {
            dir: dir.to_path_buf(),
            detail: e.to_string(),
        }
    }
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

pub(crate) fn index_keys(t: &Ticket) -> Vec<Vec<u8>> {
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
    if t.status.is_open() {
        keys.push(intent_key(&t.detection.intent, t.number));
    }
    keys
}

/// An open ticket's entry by intent: the incident check reads the open tickets of a few intents
/// rather than every open ticket.
fn intent_key(intent: &str, number: u64) -> Vec<u8> {
    let mut k = format!("i{intent}\0").into_bytes();
    k.extend_from_slice(&number.to_be_bytes());
    k
}

/// Brings the key layout of a store (or a restored backup) written in format `from` up to
/// [`FORMAT`]: format 2's index of open tickets by intent is written for the tickets there are.
pub(crate) fn migrate(from: u32, tickets: &Tree, index: &Tree) -> Result<(), sled::Error> {
    if from < 2 {
        let mut batch = sled::Batch::default();
        for item in tickets.iter() {
            let (_, v) = item?;
            // An unreadable ticket is `verify`'s to report; it gets no entry here.
            if let Ok(t) = serde_json::from_slice::<Ticket>(&v)
                && t.status.is_open()
            {
                batch.insert(intent_key(&t.detection.intent, t.number), &[][..]);
            }
        }
        index.apply_batch(batch)?;
    }
    Ok(())
}

pub(crate) fn event_key(number: u64, seq: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&number.to_be_bytes());
    k[8..].copy_from_slice(&seq.to_be_bytes());
    k
}

pub(crate) fn event_text_key(number: u64, seq: u32) -> Vec<u8> {
    let mut k = b"e".to_vec();
    k.extend_from_slice(&event_key(number, seq));
    k
}

pub(crate) fn log_text_key(offset: u64) -> Vec<u8> {
    let mut k = b"l".to_vec();
    k.extend_from_slice(&offset.to_be_bytes());
    k
}

pub(crate) fn pending_key(platform: Platform, id: u64) -> Vec<u8> {
    let mut k = format!("{platform}\0").into_bytes();
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// The number after the highest ticket stored, or the persisted reservation mark if higher (a
/// reserved number whose turn never committed is not reused either), or an older store's
/// `next_ticket` counter.
fn first_free_number(
    p: &Place,
    tickets: &Tree,
    meta: &Tree,
    counters: &Tree,
) -> Result<u64, StoreError> {
    let after_last = match tickets.last().map_err(|e| p.io(e))? {
        Some((k, _)) => p.u64_of("tickets (last key)", &k)? + 1,
        None => FIRST_NUMBER,
    };
    let reserved = match meta.get("next_ticket").map_err(|e| p.io(e))? {
        Some(b) => p.u64_of("meta/next_ticket", &b)?,
        None => FIRST_NUMBER,
    };
    let counted = counters
        .get("next_ticket")
        .map_err(|e| p.io(e))?
        .map(|b| FIRST_NUMBER + u64::from_be_bytes(b.as_ref().try_into().unwrap_or([0; 8])))
        .unwrap_or(FIRST_NUMBER);
    Ok(after_last.max(reserved).max(counted))
}

/// The key after the last one of `tree` read as a u64 (or `first`).
fn after_last_u64(p: &Place, tree: &Tree, first: u64, what: &str) -> Result<u64, StoreError> {
    Ok(match tree.last().map_err(|e| p.io(e))? {
        Some((k, _)) => p.u64_of(what, &k)? + 1,
        None => first,
    })
}

/// The store's format, migrated and recorded if older; a newer one is refused.
fn check_format(p: &Place, meta: &Tree, tickets: &Tree, index: &Tree) -> Result<u32, StoreError> {
    let found = match meta.get("format").map_err(|e| p.io(e))? {
        None => 0,
        Some(b) => u32::from_be_bytes(b.as_ref().try_into().map_err(|_| StoreError::Corrupt {
            dir: p.dir.clone(),
            key: "meta/format".into(),
            message: "not a 4-byte number".into(),
        })?),
    };
    if found > FORMAT {
        return Err(StoreError::TooNew {
            dir: p.dir.clone(),
            found,
            supported: FORMAT,
        });
    }
    if found < FORMAT {
        // The new entries first, then the format: a crash between them migrates again.
        migrate(found, tickets, index).map_err(|e| p.io(e))?;
        meta.insert("format", &FORMAT.to_be_bytes()[..])
            .map_err(|e| p.io(e))?;
    }
    Ok(FORMAT)
}

/// Clears what an interrupted sled leaves behind that would stop it from opening, holding
/// sled's own lock on `db` so no other process is writing those files meanwhile:
///
/// - `snap.*.generating`: a snapshot sled was writing when it was killed or the disk filled.
///   sled writes a snapshot to that name, syncs it, renames it to `snap.*` and only then
///   deletes older snapshots, so until the rename its previous snapshot and the log are the
///   store; but on open it reads the highest-named file, unfinished or not, and an empty one
///   is "Read corrupted data" for good. Removing it recovers as sled does after a crash
///   before the rename.
/// - a `conf` torn while sled created it (its checksum does not match): sled writes it once,
///   from settings this store never changes, and writes the same again when it is missing.
fn prepare_files(dir: &Path) -> Result<(), StoreError> {
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join("db"))
        .map_err(|e| fs_error(dir, e))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(StoreError::Locked {
                dir: dir.to_path_buf(),
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(fs_error(dir, e)),
    }
    // A rewrite after an erasure that was interrupted: finished or undone (see `compact.rs`).
    super::compact::recover(dir)?;
    for entry in std::fs::read_dir(dir).map_err(|e| fs_error(dir, e))? {
        let entry = entry.map_err(|e| fs_error(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&format!("{}.tmp-", highwater::FILE)) {
            // A high-water mark a crashed process did not finish writing: the mark itself is
            // whole (it is replaced by rename).
            std::fs::remove_file(entry.path()).map_err(|e| fs_error(dir, e))?;
            continue;
        }
        if name.starts_with("snap.") && name.ends_with(".generating") {
            tracing::warn!(file = %entry.path().display(), "removing a snapshot sled did not finish writing");
            std::fs::remove_file(entry.path()).map_err(|e| fs_error(dir, e))?;
        }
    }
    let conf = dir.join("conf");
    if let Ok(bytes) = std::fs::read(&conf)
        && bytes.len() > 8
    {
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if crc32fast::hash(body).to_le_bytes() != crc {
            tracing::warn!(file = %conf.display(), "removing a torn sled configuration");
            std::fs::remove_file(&conf).map_err(|e| fs_error(dir, e))?;
        }
    }
    // Unlocked when `lock` closes; sled takes the lock again as it opens.
    Ok(())
}

fn abort<T>(e: StoreError) -> Result<T, ConflictableTransactionError<StoreError>> {
    Err(ConflictableTransactionError::Abort(e))
}

/// A `timer_due` key: the due instant big-endian (so keys sort by time), then the id.
fn timer_due_key(due_ms: u64, id: &str) -> Vec<u8> {
    let mut k = due_ms.to_be_bytes().to_vec();
    k.extend_from_slice(id.as_bytes());
    k
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("store records serialise")
}

/// A ticket write: number, serialised ticket, index keys, expected event count, the ticket.
type PreparedTicket = (u64, Vec<u8>, Vec<Vec<u8>>, Option<u32>, Ticket);

/// The turn as the transaction writes it, prepared outside the transaction (sled may run the
/// closure more than once).
struct Prepared {
    tickets: Vec<PreparedTicket>,
    events: Vec<([u8; 12], Vec<u8>)>,
    texts: Vec<(Vec<u8>, Vec<u8>)>,
    log: Vec<([u8; 8], Vec<u8>)>,
    outbox: Vec<OutboxEntry>,
}

impl SledStore {
    /// Opens (or creates) the store in `dir`. Another process holding the store makes this fail
    /// ([`StoreError::Locked`]; [`SledStore::open_waiting`] retries); so does a store that has
    /// lost tickets ([`StoreError::LostTickets`]) or was written by a newer frontline.
    pub fn open(dir: &Path) -> Result<SledStore, StoreError> {
        SledStore::open_as(dir, Mode::Serve)
    }

    /// Opens the store to examine it (`frontline verify`): a store that has lost tickets or whose
    /// high-water mark is unreadable opens anyway, with what was found in
    /// [`SledStore::mark_status`]; it hands out no ticket number and leaves the mark alone.
    pub fn open_for_inspection(dir: &Path) -> Result<SledStore, StoreError> {
        if !dir.join("db").is_file() {
            return Err(StoreError::Storage {
                dir: dir.to_path_buf(),
                detail: "there is no store there".into(),
            });
        }
        SledStore::open_as(dir, Mode::Inspect)
    }

    /// Opens the store to fill it in one go ([`Mode::Bulk`]): nothing is made durable until
    /// the caller's [`Store::flush`], so a crash midway may lose what was written since the open.
    pub fn open_bulk(dir: &Path) -> Result<SledStore, StoreError> {
        SledStore::open_as(dir, Mode::Bulk)
    }

    fn open_as(dir: &Path, mode: Mode) -> Result<SledStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| fs_error(dir, e))?;
        prepare_files(dir)?;
        let mut attempts = 0;
        let db = loop {
            match sled_config(dir, mode == Mode::Bulk)
                .open()
                .map_err(|e| classify(dir, e))
            {
                Ok(db) => break db,
                // The lock was free an instant ago (`prepare_files` held it). A process forked
                // meanwhile by another thread of this one (a test spawning commands) holds a copy
                // of that lock until it runs its program: a moment.
                Err(StoreError::Locked { .. }) if attempts < 50 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(e),
            }
        };
        let mut store = SledStore::from_db(db, dir.to_path_buf())?;
        store.bulk = mode == Mode::Bulk;
        store.adopt_mark(mode)?;
        Ok(store)
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
                Err(StoreError::Locked { .. }) if started.elapsed() < patience => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A store in a temporary directory that disappears when dropped (tests).
    pub fn temporary() -> Result<SledStore, StoreError> {
        let dir = PathBuf::from("(temporary store)");
        SledStore::from_db(
            sled::Config::new()
                .temporary(true)
                .cache_capacity(CACHE_BYTES)
                .open()
                .map_err(|e| classify(&dir, e))?,
            dir,
        )
    }

    fn from_db(db: sled::Db, dir: PathBuf) -> Result<SledStore, StoreError> {
        let place = Place { dir };
        let trees = Trees::open(db, &place.dir)?;
        let counters = trees.db.open_tree("counters").map_err(|e| place.io(e))?;
        let (tickets, meta, log, outbox) = (&trees.tickets, &trees.meta, &trees.log, &trees.outbox);
        let format = check_format(&place, meta, tickets, &trees.index)?;
        let next_number = first_free_number(&place, tickets, meta, &counters)?;
        if next_number > FIRST_NUMBER && meta.get("next_ticket").map_err(|e| place.io(e))?.is_none()
        {
            // An older store counted in `counters`: the counter moves to where it is kept now.
            meta.insert("next_ticket", &next_number.to_be_bytes()[..])
                .map_err(|e| place.io(e))?;
        }
        let sequence = Sequence {
            next_offset: after_last_u64(&place, log, 1, "log (last key)")?,
            // Past entries an erasure removed too (`meta/outbox_floor`): an id is never reused.
            next_outbox: after_last_u64(&place, outbox, 1, "outbox (last key)")?.max(
                match meta.get("outbox_floor").map_err(|e| place.io(e))? {
                    Some(b) => place.u64_of("meta/outbox_floor", &b)?,
                    None => 1,
                },
            ),
        };
        Ok(SledStore {
            trees: parking_lot::RwLock::new(trees),
            written: AtomicU64::new(0),
            commit: Mutex::new(Commit::default()),
            flushed: Condvar::new(),
            gate: RwLock::new(()),
            sequencer: Mutex::new(sequence),
            next_number: AtomicU64::new(next_number),
            flushes: AtomicU64::new(0),
            place,
            keeper: None,
            confirmed_next: AtomicU64::new(0),
            status: MarkStatus {
                found: None,
                counter: next_number,
                lost: false,
                unreadable: None,
            },
            format,
            bulk: false,
        })
    }

    /// Checks the store's counter against the high-water mark and takes the mark over: a store
    /// below the mark has lost tickets (refused when serving); after a crash the numbers the
    /// crashed process had reserved are skipped, since some may have been handed out.
    fn adopt_mark(&mut self, mode: Mode) -> Result<(), StoreError> {
        let dir = self.place.dir.clone();
        let counter = self.next_number.load(Ordering::SeqCst);
        let serving = mode != Mode::Inspect;
        let mark = match highwater::read(&dir) {
            Err(detail) if serving => return Err(StoreError::Mark { dir, detail }),
            Err(detail) => {
                self.status.unreadable = Some(detail);
                Mark::exact(counter)
            }
            Ok(None) => {
                // A new store, or one from before the mark: it starts at the store's counter.
                let m = Mark::exact(counter);
                if serving {
                    highwater::write(&dir, &m).map_err(|e| fs_error(&dir, e))?;
                }
                m
            }
            Ok(Some(m)) => {
                self.status.found = Some(m);
                if counter < m.floor {
                    if serving {
                        return Err(StoreError::LostTickets {
                            dir,
                            next: counter,
                            floor: m.floor,
                        });
                    }
                    self.status.lost = true;
                }
                let next = counter.max(m.ceiling);
                if next > counter {
                    self.next_number.store(next, Ordering::SeqCst);
                    if serving {
                        // Made durable by the next flush, which comes before the exact mark is
                        // written on close.
                        self.t()
                            .meta
                            .insert("next_ticket", &next.to_be_bytes()[..])
                            .map_err(|e| self.place.io(e))?;
                    }
                }
                m
            }
        };
        self.confirmed_next.store(mark.floor, Ordering::SeqCst);
        self.keeper = Some(Keeper {
            ceiling: AtomicU64::new(mark.ceiling),
            mark: Mutex::new(mark),
            writes: serving,
        });
        Ok(())
    }

    /// Makes sure the high-water mark is above `last` before a number up to it is handed out:
    /// raises it a block at a time, durably, so a number is never confirmed above the mark.
    fn reserve_through(&self, last: u64) -> Result<(), StoreError> {
        let Some(k) = &self.keeper else {
            return Ok(());
        };
        if last < k.ceiling.load(Ordering::SeqCst) {
            return Ok(());
        }
        if !k.writes {
            return Err(StoreError::Storage {
                dir: self.place.dir.clone(),
                detail: "the store was opened for inspection and hands out no ticket numbers"
                    .into(),
            });
        }
        // A std mutex held across the file write: reservations are rare (one per block) and the
        // reserving thread must not hand out its number before the mark covers it.
        let mut m = k.mark.lock().unwrap_or_else(|p| p.into_inner());
        if last < m.ceiling {
            return Ok(());
        }
        let new = Mark {
            floor: m.floor.max(self.confirmed_next.load(Ordering::SeqCst)),
            ceiling: last + highwater::BLOCK,
        };
        highwater::write(&self.place.dir, &new).map_err(|e| fs_error(&self.place.dir, e))?;
        *m = new;
        k.ceiling.store(new.ceiling, Ordering::SeqCst);
        Ok(())
    }

    /// Every tree's entries at one point in commit order: commits wait while they are copied
    /// (the copies share sled's buffers, so this is a walk over the keys, with no encoding and
    /// no I/O beyond reading pages in). Delivery records, written outside turns, are as of some
    /// moment during the copy; every read already tolerates them being behind.
    pub fn image(&self) -> Result<super::backup::Image, StoreError> {
        let started = std::time::Instant::now();
        let gate = self.gate.write().unwrap_or_else(|p| p.into_inner());
        let mut trees = Vec::new();
        let mut names = self.t().db.tree_names();
        // Deliveries are recorded outside turns (the record, then the pending key's removal):
        // with the pending index copied before the records, an image can show a delivered entry
        // still pending (which every read tolerates), never a pending one missing from the index.
        names.sort_by_key(|n| n.as_ref() != b"pending");
        for name in names {
            let tree = self.t().db.open_tree(&name).map_err(|e| self.io(e))?;
            let entries = tree
                .iter()
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.io(e))?;
            trees.push((name.to_vec(), entries));
        }
        let next_ticket = self.next_number();
        drop(gate);
        Ok(super::backup::Image {
            trees,
            next_ticket,
            format: self.format,
            held_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Whether the store can still write: a small durable write. After a failed write (a full
    /// disk) sled refuses every later one until the store is opened again, so a long-running
    /// process whose store fails this should stop and be started again (a service manager does
    /// it) once the cause is fixed; a health check reports it.
    pub fn health(&self) -> Result<(), StoreError> {
        self.t()
            .meta
            .insert("health", &crate::tickets::now_ms().to_be_bytes()[..])
            .map_err(|e| self.io(e))?;
        self.durable()
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.place.dir
    }

    /// The store's format version (see [`FORMAT`]).
    pub fn format(&self) -> u32 {
        self.format
    }

    /// The next ticket number this store would hand out.
    pub fn next_number(&self) -> u64 {
        self.next_number.load(Ordering::SeqCst)
    }

    /// What the high-water mark said when the store was opened.
    pub fn mark_status(&self) -> &MarkStatus {
        &self.status
    }

    /// Accepts that tickets were lost (`frontline verify --accept-loss`): the counter moves past
    /// the high-water mark so no number is given out twice, and the mark is written anew.
    /// Returns the next number.
    pub fn accept_loss(&self) -> Result<u64, StoreError> {
        let next = self.next_number();
        self.t()
            .meta
            .insert("next_ticket", &next.to_be_bytes()[..])
            .map_err(|e| self.io(e))?;
        self.t().db.flush().map_err(|e| self.io(e))?;
        highwater::write(&self.place.dir, &Mark::exact(next))
            .map_err(|e| fs_error(&self.place.dir, e))?;
        if let Some(k) = &self.keeper {
            *k.mark.lock().unwrap_or_else(|p| p.into_inner()) = Mark::exact(next);
            k.ceiling.store(next, Ordering::SeqCst);
        }
        Ok(next)
    }

    fn io(&self, e: sled::Error) -> StoreError {
        self.place.io(e)
    }

    /// The database as it is now (see [`SledStore::trees`]).
    pub(crate) fn t(&self) -> parking_lot::RwLockReadGuard<'_, Trees> {
        self.trees.read_recursive()
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        bytes: &[u8],
    ) -> Result<T, StoreError> {
        self.place.decode(key, bytes)
    }

    fn u64_of(&self, key: &str, bytes: &[u8]) -> Result<u64, StoreError> {
        self.place.u64_of(key, bytes)
    }

    fn tx_err(&self, e: TransactionError<StoreError>) -> StoreError {
        self.place.tx_err(e)
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
            let result = self.t().db.flush();
            drop(gate);
            c = self.commit.lock().unwrap_or_else(|p| p.into_inner());
            c.flushing = false;
            if result.is_ok() {
                c.flushed = c.flushed.max(upto);
                self.flushes.fetch_add(1, Ordering::Relaxed);
            }
            self.flushed.notify_all();
            // On failure the waiters try again themselves, and this writer reports the error.
            result.map_err(|e| self.io(e))?;
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
        self.reserve_through(first + n as u64 - 1)?;
        self.t()
            .meta
            .insert("next_ticket", &(first + n as u64).to_be_bytes()[..])
            .map_err(|e| self.io(e))?;
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
        let s = self.t();
        (&s.tickets, &s.events, &s.index)
            .transaction(|(tt, et, it)| {
                tt.apply_batch(&tickets)?;
                et.apply_batch(&events)?;
                it.apply_batch(&index)?;
                Ok(())
            })
            .map_err(|e| self.tx_err(e))
    }

    /// Bytes the store takes on disk.
    pub fn size_on_disk(&self) -> u64 {
        self.t().db.size_on_disk().unwrap_or(0)
    }

    /// Number of tickets stored.
    pub fn ticket_count(&self) -> usize {
        self.t().tickets.len()
    }

    /// Checks that every ticket's index entries exist and every index entry points at a ticket in
    /// that state (used after crashes in tests, and by `frontline tickets check`).
    pub fn verify_indexes(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        for item in self.t().tickets.iter() {
            let (k, v) = item.map_err(|e| self.io(e))?;
            let t: Ticket = self.decode(&format!("{k:?}"), &v)?;
            for key in index_keys(&t) {
                if !self.t().index.contains_key(&key).map_err(|e| self.io(e))? {
                    return Err(StoreError::Corrupt {
                        dir: self.place.dir.clone(),
                        key: t.id.clone(),
                        message: "missing index entry".into(),
                    });
                }
            }
            n += 1;
        }
        for item in self.t().index.scan_prefix(b"s") {
            let (k, _) = item.map_err(|e| self.io(e))?;
            let number = u64::from_be_bytes(k[k.len() - 8..].try_into().expect("8-byte suffix"));
            let t: Option<Ticket> = self.get(number)?;
            match t {
                Some(t) if status_key(&t) == k.to_vec() => {}
                _ => {
                    return Err(StoreError::Corrupt {
                        dir: self.place.dir.clone(),
                        key: format!("index {k:?}"),
                        message: "stale entry".into(),
                    });
                }
            }
        }
        Ok(n)
    }

    fn entry(&self, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
        match self
            .t()
            .outbox
            .get(id.to_be_bytes())
            .map_err(|e| self.io(e))?
        {
            Some(v) => Ok(Some(
                self.with_delivery(self.decode(&format!("outbox {id}"), &v)?)?,
            )),
            None => Ok(None),
        }
    }

    /// An entry as committed, with its delivery record (if any attempt was made) applied.
    fn with_delivery(&self, mut e: OutboxEntry) -> Result<OutboxEntry, StoreError> {
        if let Some(v) = self
            .t()
            .delivery
            .get(e.id.to_be_bytes())
            .map_err(|e| self.io(e))?
        {
            let d: DeliveryRecord = self.decode(&format!("delivery {}", e.id), &v)?;
            d.apply(&mut e);
        }
        Ok(e)
    }

    fn get(&self, number: u64) -> Result<Option<Ticket>, StoreError> {
        match self
            .t()
            .tickets
            .get(number.to_be_bytes())
            .map_err(|e| self.io(e))?
        {
            Some(v) => Ok(Some(self.decode(&format!("T-{number}"), &v)?)),
            None => Ok(None),
        }
    }

    /// A stored event with its personal text joined back in.
    fn event_at(&self, number: u64, seq: u32) -> Result<Option<TicketEvent>, StoreError> {
        let Some(v) = self
            .t()
            .events
            .get(event_key(number, seq))
            .map_err(|e| self.io(e))?
        else {
            return Ok(None);
        };
        let mut e: TicketEvent = self.decode(&format!("T-{number}#{seq}"), &v)?;
        if let Some(text) = e.change.personal_text_mut()
            && let Some(t) = self
                .t()
                .texts
                .get(event_text_key(number, seq))
                .map_err(|e| self.io(e))?
        {
            *text = String::from_utf8_lossy(&t).into_owned();
        }
        Ok(Some(e))
    }

    /// Everything a turn writes, serialised once, with ids and offsets taken from `seq`.
    fn prepare(&self, turn: &Turn, now: u64, seq: &mut Sequence) -> Prepared {
        let mut p = Prepared {
            tickets: Vec::new(),
            events: Vec::new(),
            texts: Vec::new(),
            log: Vec::new(),
            outbox: Vec::new(),
        };
        // Ticket events and bot events in the order the turn made them.
        let mut ticket_records = Vec::new();
        for w in &turn.tickets {
            let t = &w.ticket;
            for e in &w.events {
                let mut stored = e.clone();
                if let Some(text) = stored.change.personal_text_mut()
                    && !text.is_empty()
                {
                    p.texts.push((
                        event_text_key(t.number, e.seq),
                        std::mem::take(text).into_bytes(),
                    ));
                }
                p.events.push((event_key(t.number, e.seq), json(&stored)));
                ticket_records.push((
                    e.at_ms,
                    Stored::Ticket {
                        number: t.number,
                        seq: e.seq,
                    },
                ));
            }
            p.tickets.push((
                t.number,
                json(t),
                index_keys(t),
                w.expected_events,
                t.clone(),
            ));
        }
        let mut log: Vec<(u64, Stored)> = Vec::new();
        let mut bot_texts: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut tickets_done = 0;
        let mut pending_tickets = ticket_records.into_iter();
        for (i, (user, event)) in turn.bot_events.iter().enumerate() {
            let position = turn
                .bot_event_positions
                .get(i)
                .copied()
                .unwrap_or(usize::MAX);
            while tickets_done < position {
                match pending_tickets.next() {
                    Some(r) => log.push(r),
                    None => break,
                }
                tickets_done += 1;
            }
            let mut event = event.clone();
            if let Some(text) = event
                .personal_text_mut()
                .map(std::mem::take)
                .filter(|t| !t.is_empty())
            {
                bot_texts.push((log.len(), text.into_bytes()));
            }
            log.push((
                now,
                Stored::Bot {
                    user: user.clone(),
                    event,
                },
            ));
        }
        log.extend(pending_tickets);
        for action in &turn.outbox {
            let id = seq.next_outbox;
            seq.next_outbox += 1;
            p.outbox.push(OutboxEntry {
                id,
                platform: action.platform(),
                action: action.clone(),
                state: Delivery::Pending,
                attempts: 0,
                created_ms: now,
                next_attempt_ms: now,
                delivered_ms: None,
                last_error: None,
            });
            log.push((now, Stored::Message { outbox: id }));
        }
        let first = seq.next_offset;
        seq.next_offset += log.len() as u64;
        for (i, (at_ms, what)) in log.into_iter().enumerate() {
            let o = first + i as u64;
            p.log
                .push((o.to_be_bytes(), json(&StoredRecord { at_ms, what })));
        }
        for (i, text) in bot_texts {
            p.texts.push((log_text_key(first + i as u64), text));
        }
        p
    }
}

impl Store for SledStore {
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
        let mut out = Vec::new();
        for item in self.t().events.scan_prefix(number.to_be_bytes()) {
            let (k, _) = item.map_err(|e| self.io(e))?;
            let seq = u32::from_be_bytes(k[8..12].try_into().map_err(|_| StoreError::Corrupt {
                dir: self.place.dir.clone(),
                key: format!("events {k:?}"),
                message: "bad event key".into(),
            })?);
            if let Some(e) = self.event_at(number, seq)? {
                out.push(e);
            }
        }
        Ok(out)
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
                && (filter.intents.is_empty() || filter.intents.contains(&t.detection.intent))
        };
        // Pick the narrowest index for the filter; everything else is checked on the tickets.
        // Where every prefix is followed directly by the number, each scan yields numbers in
        // order, so the scans are merged lazily and stop at `limit`: an agent's view of a queue
        // with 100,000 open tickets reads its 50 oldest, not all of them.
        let (prefixes, in_order): (Vec<Vec<u8>>, bool) = if let Some(r) = &filter.requester {
            (vec![format!("r{r}\0").into_bytes()], true)
        } else if let Some(o) = &filter.organisation {
            (vec![format!("o{o}\0").into_bytes()], true)
        } else if !filter.intents.is_empty()
            && (filter.open || filter.status.is_some_and(crate::tickets::Status::is_open))
        {
            // The intent index holds open tickets only.
            let mut intents = filter.intents.clone();
            intents.sort();
            intents.dedup();
            (
                intents
                    .iter()
                    .map(|i| format!("i{i}\0").into_bytes())
                    .collect(),
                true,
            )
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
            let all = self.t().tickets.iter();
            let all: Box<dyn Iterator<Item = _>> = if filter.newest_first {
                Box::new(all.rev())
            } else {
                Box::new(all)
            };
            for item in all {
                if out.len() >= limit {
                    break;
                }
                let (k, v) = item.map_err(|e| self.io(e))?;
                let t: Ticket = self.decode(&format!("{k:?}"), &v)?;
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
            let mut scans: Vec<Scan> = prefixes
                .iter()
                .map(|p| {
                    let scan = self.t().index.scan_prefix(p);
                    if filter.newest_first {
                        Box::new(scan.rev()) as Scan
                    } else {
                        Box::new(scan)
                    }
                })
                .collect();
            let mut heads: Vec<Option<u64>> = Vec::with_capacity(scans.len());
            for scan in &mut scans {
                heads.push(
                    scan.next()
                        .transpose()
                        .map_err(|e| self.io(e))?
                        .map(|(k, _)| number_in(&k)),
                );
            }
            while out.len() < limit {
                let next = if filter.newest_first {
                    heads.iter().flatten().max()
                } else {
                    heads.iter().flatten().min()
                };
                let Some(n) = next.copied() else {
                    break;
                };
                for (head, scan) in heads.iter_mut().zip(&mut scans) {
                    if *head == Some(n) {
                        *head = scan
                            .next()
                            .transpose()
                            .map_err(|e| self.io(e))?
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
            for item in self.t().index.scan_prefix(&p) {
                let (k, _) = item.map_err(|e| self.io(e))?;
                numbers.push(number_in(&k));
            }
        }
        numbers.sort_unstable();
        numbers.dedup();
        if filter.newest_first {
            numbers.reverse();
        }
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

    fn conversation(&self, user_key: &str) -> Result<Option<Conversation>, StoreError> {
        Ok(self
            .t()
            .conversations
            .get(user_key)
            .map_err(|e| self.io(e))?
            // A state this version cannot read starts over rather than failing the user.
            .and_then(|v| serde_json::from_slice(&v).ok()))
    }

    fn account(&self, org: &str) -> Result<Option<crate::contracts::Account>, StoreError> {
        super::accounts::account(&self.t().accounts, org).map_err(|e| self.io(e))
    }

    fn accounts(&self) -> Result<Vec<crate::contracts::Account>, StoreError> {
        super::accounts::accounts(&self.t().accounts).map_err(|e| self.io(e))
    }

    fn ledger(
        &self,
        org: &str,
        month: Option<&str>,
    ) -> Result<Vec<crate::contracts::Entry>, StoreError> {
        super::accounts::ledger(&self.t().ledger, org, month).map_err(|e| self.io(e))
    }

    fn scan_facts(&self, f: &mut dyn FnMut(crate::reports::FactRecord)) -> Result<(), StoreError> {
        super::reports::scan_facts(&self.t().facts, f).map_err(|e| self.io(e))
    }

    fn scan_bot_counts(
        &self,
        from_hour: u32,
        to_hour: u32,
        f: &mut dyn FnMut(crate::reports::BotCount),
    ) -> Result<(), StoreError> {
        super::reports::scan_counts(&self.t().botcounts, from_hour, to_hour, f)
            .map_err(|e| self.io(e))
    }

    fn report_names(&self) -> Result<crate::reports::Names, StoreError> {
        super::reports::names(&self.t().names).map_err(|e| self.io(e))
    }

    fn next_contract_number(&self) -> Result<u64, StoreError> {
        let old = self
            .t()
            .meta
            .fetch_and_update("next_contract", |old| {
                let old = old
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_be_bytes)
                    .unwrap_or(super::accounts::FIRST_CONTRACT);
                Some((old + 1).to_be_bytes().to_vec())
            })
            .map_err(|e| self.io(e))?;
        Ok(old
            .and_then(|b| b.as_ref().try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(super::accounts::FIRST_CONTRACT))
    }

    fn link(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .t()
            .links
            .get(key)
            .map_err(|e| self.io(e))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn seen(&self, key: &str) -> Result<bool, StoreError> {
        self.t().seen.contains_key(key).map_err(|e| self.io(e))
    }

    fn next_ticket_number(&self) -> Result<u64, StoreError> {
        let n = self.next_number.fetch_add(1, Ordering::SeqCst);
        self.reserve_through(n)?;
        // The mark goes to disk with the next flush, which the turn using this number waits
        // for: a number confirmed to anyone is never handed out again, even after a crash.
        self.t()
            .meta
            .fetch_and_update("next_ticket", |old| {
                let old = old
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_be_bytes)
                    .unwrap_or(0);
                Some(old.max(n + 1).to_be_bytes().to_vec())
            })
            .map_err(|e| self.io(e))?;
        Ok(n)
    }

    fn commit(&self, turn: &Turn, now: u64, durable: bool) -> Result<Committed, StoreError> {
        // A turn that changes nothing (chatter in a channel the desk does not follow) costs no
        // write and no flush; handling its redelivery again changes nothing either.
        if turn.is_empty() {
            return Ok(Committed::default());
        }
        let gate = self.gate.read().unwrap_or_else(|p| p.into_inner());
        let mut seq = self.sequencer.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = Sequence {
            next_offset: seq.next_offset,
            next_outbox: seq.next_outbox,
        };
        let p = self.prepare(turn, now, &mut next);
        let conversation = turn
            .conversation
            .as_ref()
            .map(|c| (c.user.clone(), c.state.rev, json(&c.state)));
        let first_offset = p.log.first().map(|(o, _)| *o);
        let s = self.t();
        // Personal data a turn erases: found before the transaction, removed in it.
        let erasure = self.erasure_plan(&s, turn)?;
        let trees = [
            &s.tickets,
            &s.events,
            &s.index,
            &s.conversations,
            &s.log,
            &s.outbox,
            &s.pending,
            &s.seen,
            &s.texts,
            &s.links,
            &s.timers,
            &s.timer_due,
            &s.delivery,
            &s.audit,
            &s.accounts,
            &s.ledger,
            &s.facts,
            &s.names,
            &s.botcounts,
        ];
        let result =
            trees[..].transaction(|t| {
                let (
                    tickets,
                    events,
                    index,
                    conversations,
                    log,
                    outbox,
                    pending,
                    seen,
                    texts,
                    links,
                ) = (
                    &t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7], &t[8], &t[9],
                );
                let (timers, timer_due) = (&t[10], &t[11]);
                super::accounts::write(&turn.accounts, &t[14], &t[15])?;
                if let Some(k) = &turn.key {
                    if seen.get(k.as_bytes())?.is_some() {
                        return abort(StoreError::Duplicate(k.clone()));
                    }
                    let at = first_offset.unwrap_or(0u64.to_be_bytes());
                    seen.insert(k.as_bytes(), &at[..])?;
                }
                if let Some((user, rev, bytes)) = &conversation {
                    let stored = match conversations.get(user.as_bytes())? {
                        Some(v) => serde_json::from_slice::<Conversation>(&v)
                            .map(|c| c.rev)
                            .unwrap_or(0),
                        None => 0,
                    };
                    if stored + 1 != *rev {
                        return abort(StoreError::Conflict(format!("conversation {user}")));
                    }
                    conversations.insert(user.as_bytes(), bytes.clone())?;
                }
                for (number, bytes, keys, expected, ticket) in &p.tickets {
                    let before: Option<Ticket> = match tickets.get(number.to_be_bytes())? {
                        Some(v) => match self.decode(&ticket.id, &v) {
                            Ok(t) => Some(t),
                            Err(e) => return abort(e),
                        },
                        None => None,
                    };
                    match (expected, &before) {
                        (None, None) => {}
                        (Some(n), Some(b)) if b.event_count == *n => {}
                        _ => return abort(StoreError::Conflict(ticket.id.clone())),
                    }
                    if let Some(b) = &before {
                        for k in index_keys(b) {
                            if !keys.contains(&k) {
                                index.remove(k)?;
                            }
                        }
                    }
                    for k in keys {
                        index.insert(k.clone(), &[][..])?;
                    }
                    tickets.insert(&number.to_be_bytes()[..], bytes.clone())?;
                }
                write_all(events, p.events.iter().map(|(k, v)| (&k[..], v)))?;
                write_all(texts, p.texts.iter().map(|(k, v)| (&k[..], v)))?;
                write_all(log, p.log.iter().map(|(k, v)| (&k[..], v)))?;
                for e in &p.outbox {
                    outbox.insert(&e.id.to_be_bytes()[..], json(e))?;
                    pending.insert(pending_key(e.platform, e.id), &[][..])?;
                }
                for (k, v) in &turn.links {
                    links.insert(k.as_bytes(), v.as_bytes())?;
                }
                for w in &turn.timers {
                    let id = match w {
                        TimerWrite::Set(t) => &t.id,
                        TimerWrite::Cancel(id) => id,
                    };
                    if let Some(old) = timers.remove(id.as_bytes())?
                        && let Ok(old) = serde_json::from_slice::<Timer>(&old)
                    {
                        timer_due.remove(timer_due_key(old.due_ms, &old.id))?;
                    }
                    if let TimerWrite::Set(t) = w {
                        timers.insert(t.id.as_bytes(), json(t))?;
                        timer_due.insert(timer_due_key(t.due_ms, &t.id), t.id.as_bytes())?;
                    }
                }
                super::reports::write_facts(p.tickets.iter().map(|x| &x.4), &t[16], &t[17])?;
                super::reports::count_bot_events(&turn.bot_events, now, &t[18], &t[17])?;
                erasure.apply(t)?;
                Ok(())
            });
        match result {
            Ok(()) => {
                *seq = next;
            }
            Err(e) => return Err(self.tx_err(e)),
        }
        drop(seq);
        drop(s);
        drop(gate);
        if durable {
            self.durable()?;
            if let Some(last) = p.tickets.iter().map(|(n, ..)| *n).max() {
                self.confirmed_next.fetch_max(last + 1, Ordering::SeqCst);
            }
        }
        Ok(Committed {
            outbox: p.outbox,
            tickets: p.tickets.into_iter().map(|(.., t)| t).collect(),
            wrote: true,
            erased: turn
                .erase
                .iter()
                .filter_map(|e| match e {
                    crate::privacy::Erase::Person { user, .. } => Some(user.key()),
                    crate::privacy::Erase::Transcripts { .. } => None,
                })
                .collect(),
        })
    }

    fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = filter.limit.unwrap_or(usize::MAX);
        let keep = |e: &OutboxEntry| {
            filter.platform.is_none_or(|p| e.platform == p)
                && filter
                    .recipient
                    .as_ref()
                    .is_none_or(|r| e.action.recipient().is_some_and(|u| &u.key() == r))
                && (!filter.pending || e.state == Delivery::Pending)
        };
        let mut out = Vec::new();
        if filter.pending {
            let prefix = filter
                .platform
                .map(|p| format!("{p}\0").into_bytes())
                .unwrap_or_default();
            let mut ids: Vec<u64> = Vec::new();
            for item in self.t().pending.scan_prefix(prefix) {
                let (k, _) = item.map_err(|e| self.io(e))?;
                ids.push(self.u64_of("pending", &k[k.len() - 8..])?);
            }
            ids.sort_unstable();
            for id in ids {
                if out.len() >= limit {
                    break;
                }
                if let Some(e) = self.entry(id)?
                    && keep(&e)
                {
                    out.push(e);
                }
            }
            return Ok(out);
        }
        for item in self.t().outbox.iter() {
            if out.len() >= limit {
                break;
            }
            let (k, v) = item.map_err(|e| self.io(e))?;
            let e: OutboxEntry = self.with_delivery(self.decode(&format!("outbox {k:?}"), &v)?)?;
            if keep(&e) {
                out.push(e);
            }
        }
        Ok(out)
    }

    fn outbox_entry(&self, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
        self.entry(id)
    }

    fn due(
        &self,
        platform: Platform,
        now: u64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut out = Vec::new();
        for item in self.t().pending.scan_prefix(format!("{platform}\0")) {
            if out.len() >= limit {
                break;
            }
            let (k, _) = item.map_err(|e| self.io(e))?;
            let id = self.u64_of("pending", &k[k.len() - 8..])?;
            // A first attempt is due whatever its commit's clock read (`timers fire --until`
            // commits at a later instant than the wall clock's); retries wait out their backoff.
            if let Some(e) = self.entry(id)?
                && e.state == Delivery::Pending
                && (e.attempts == 0 || e.next_attempt_ms <= now)
            {
                out.push(e);
            }
        }
        Ok(out)
    }

    fn record_delivery(
        &self,
        id: u64,
        outcome: &Outcome,
        now: u64,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        let Some(mut e) = self.entry(id)? else {
            return Ok(None);
        };
        if e.state != Delivery::Pending {
            return Ok(Some(e));
        }
        // The entry as committed never changes; a small delivery record beside it does, so a
        // delivery does not write the action (a card, say) again. Two plain writes, no
        // transaction and no gate: a worker on an async thread must not wait out a flush, and a
        // crash between them leaves a delivered entry in the pending index, which every read
        // checks against the record. One worker delivers an entry at a time (its in-flight set).
        let mut d = DeliveryRecord::of(&e);
        d.attempts += 1;
        match outcome {
            Outcome::Delivered => {
                d.state = Delivery::Delivered;
                d.delivered_ms = Some(now);
                d.last_error = None;
            }
            Outcome::Retry { error } => {
                d.last_error = Some(error.clone());
                if d.attempts >= MAX_ATTEMPTS {
                    d.state = Delivery::Failed;
                } else {
                    d.next_attempt_ms = now + backoff_ms(d.attempts - 1);
                }
            }
        }
        self.t()
            .delivery
            .insert(id.to_be_bytes(), json(&d))
            .map_err(|e| self.io(e))?;
        if d.state != Delivery::Pending {
            self.t()
                .pending
                .remove(pending_key(e.platform, id))
                .map_err(|e| self.io(e))?;
        }
        self.written.fetch_add(1, Ordering::SeqCst);
        d.apply(&mut e);
        Ok(Some(e))
    }

    fn timer(&self, id: &str) -> Result<Option<Timer>, StoreError> {
        match self.t().timers.get(id.as_bytes()).map_err(|e| self.io(e))? {
            Some(v) => self.place.decode(&format!("timers/{id}"), &v).map(Some),
            None => Ok(None),
        }
    }

    fn timers(
        &self,
        until: u64,
        ticket: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Timer>, StoreError> {
        let mut out = Vec::new();
        let end = timer_due_key(until, "\u{10FFFF}");
        for item in self.t().timer_due.range(..end) {
            let (_, id) = item.map_err(|e| self.io(e))?;
            let id = String::from_utf8_lossy(&id).into_owned();
            if let Some(t) = self.timer(&id)?
                && ticket.is_none_or(|k| t.ticket == k)
            {
                out.push(t);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    fn log(&self, since: u64, limit: usize) -> Result<Vec<LogRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.t().log.range(since.to_be_bytes()..) {
            if out.len() >= limit {
                break;
            }
            let (k, v) = item.map_err(|e| self.io(e))?;
            let offset = self.u64_of("log", &k)?;
            let r: StoredRecord = self.decode(&format!("log {offset}"), &v)?;
            let entry = match r.what {
                Stored::Ticket { number, seq } => match self.event_at(number, seq)? {
                    Some(event) => LogEntry::Ticket { event },
                    None => continue,
                },
                Stored::Bot { user, mut event } => {
                    if let Some(text) = event.personal_text_mut()
                        && let Some(t) = self
                            .t()
                            .texts
                            .get(log_text_key(offset))
                            .map_err(|e| self.io(e))?
                    {
                        *text = String::from_utf8_lossy(&t).into_owned();
                    }
                    LogEntry::Bot { user, event }
                }
                Stored::Erased { .. } => continue,
                Stored::Message { outbox } => {
                    let e = self.entry(outbox)?;
                    LogEntry::Message {
                        outbox,
                        platform: e.as_ref().map(|e| e.platform).unwrap_or(Platform::Local),
                        summary: e.as_ref().map(|e| e.action.summary()).unwrap_or_default(),
                        text: e.and_then(|e| e.action.text().map(str::to_string)),
                    }
                }
            };
            out.push(LogRecord {
                offset,
                at_ms: r.at_ms,
                entry,
            });
        }
        Ok(out)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.durable()
    }

    fn audit(&self) -> Result<Vec<crate::privacy::AuditRecord>, StoreError> {
        self.audit_records()
    }

    fn record_audit(&self, record: &crate::privacy::AuditRecord) -> Result<(), StoreError> {
        self.append_audit(record)
    }

    fn finish_erasure(&self, user_key: &str) -> Result<(), StoreError> {
        self.forget_and_compact(user_key)
    }
}

fn write_all<'a>(
    tree: &TransactionalTree,
    items: impl Iterator<Item = (&'a [u8], &'a Vec<u8>)>,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    for (k, v) in items {
        tree.insert(k, v.clone())?;
    }
    Ok(())
}
