//! Storage behind the desk: the [`Store`] trait the desk and the platform workers talk to, so the
//! core never sees sled, and the sled implementation. The contract every implementation keeps
//! (checked by the conformance suite in `tests/store_conformance.rs`):
//!
//! - a [`Turn`] is committed whole or not at all, and is durable when `commit` returns;
//! - a turn built on a ticket or conversation that another turn has changed since is refused
//!   with [`StoreError::Conflict`] (the desk rebuilds it), so of many concurrent claims one wins;
//! - a turn whose idempotency key is already stored is refused with [`StoreError::Duplicate`];
//! - ticket numbers are reserved from the store and never handed out twice, across restarts;
//! - log offsets and outbox ids increase in commit order;
//! - an outbox entry is pending until a worker records its delivery.

pub mod accounts;
pub mod backup;
pub mod compact;
pub mod highwater;
pub mod privacy;
pub mod reports;
pub mod schedule;
pub mod sled_store;
pub mod verify;

use crate::desk::action::{Delivery, OutboxEntry, Outcome};
use crate::desk::conversation::Conversation;
use crate::desk::log::LogRecord;
use crate::desk::turn::{Committed, ConversationWrite, TicketWrite, Turn};
use crate::tickets::{Actor, Change, Platform, Status, Ticket, TicketError, TicketEvent};

pub use sled_store::SledStore;

use std::path::PathBuf;

/// What went wrong in a store. Each error about the store's files names its data directory and
/// says what to do, in one sentence a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Ticket(#[from] TicketError),
    /// An I/O error outside any store (a scratch directory).
    #[error("storage: {0}")]
    Io(String),
    #[error(
        "storage error in the store in {}: {detail}; if it happens again, run `frontline verify --data {0}`",
        dir.display()
    )]
    Storage { dir: PathBuf, detail: String },
    #[error(
        "no space left on the disk holding the store in {}: free some space and try again (what was confirmed is kept)",
        dir.display()
    )]
    DiskFull { dir: PathBuf },
    #[error(
        "damaged record {key} in the store in {} ({message}): run `frontline verify --data {0}`, and if it finds problems restore the latest backup",
        dir.display()
    )]
    Corrupt {
        dir: PathBuf,
        key: String,
        message: String,
    },
    /// sled cannot read its files.
    #[error(
        "the store in {} cannot be read ({detail}): run `frontline verify --data {0}`; if it is damaged, restore the latest backup with `frontline restore --from FILE --data {0} --force`",
        dir.display()
    )]
    Damaged { dir: PathBuf, detail: String },
    /// Another process has the store open.
    #[error(
        "the store in {} is locked by another frontline process (a running `frontline run`, or another command): stop it or wait for it to finish",
        dir.display()
    )]
    Locked { dir: PathBuf },
    /// The store's ticket counter is below the high-water mark: tickets confirmed to people are
    /// gone, and their numbers would be given out again.
    #[error(
        "the store in {} has lost tickets: it would continue at T-{next}, but numbers up to T-{} were already given out (were store files deleted, or rolled back to an older copy?); restore the latest backup with `frontline restore --from FILE --data {0} --force`, or keep the store as it is with `frontline verify --data {0} --accept-loss` (no ticket number is reused)",
        dir.display(),
        floor.saturating_sub(1)
    )]
    LostTickets { dir: PathBuf, next: u64, floor: u64 },
    /// The high-water mark file cannot be read or written.
    #[error(
        "the high-water mark {} cannot be used ({detail}); if the store is intact (`frontline verify --data {}`), `frontline verify --data {1} --accept-loss` writes it again",
        dir.join(highwater::FILE).display(),
        dir.display()
    )]
    Mark { dir: PathBuf, detail: String },
    #[error(
        "the store in {} was written by a newer frontline (store format {found}; this binary reads format {supported} and older): upgrade the binary",
        dir.display()
    )]
    TooNew {
        dir: PathBuf,
        found: u32,
        supported: u32,
    },
    /// The turn was built on a version another turn has changed since.
    #[error("conflict on {0}: changed by another turn")]
    Conflict(String),
    /// The event's idempotency key is already stored: it was handled before.
    #[error("event {0} was already handled")]
    Duplicate(String),
}

/// Which tickets to list. Empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    /// Only open tickets (new, escalated, claimed, waiting on user).
    pub open: bool,
    pub queue: Option<String>,
    /// `platform:id`.
    pub requester: Option<String>,
    pub organisation: Option<String>,
    /// Only tickets detected as one of these intents (none: any). With `open`, an index narrows
    /// the read to those intents' open tickets.
    pub intents: Vec<String>,
    /// Newest first rather than oldest first (with `limit`, the newest ones).
    pub newest_first: bool,
    pub limit: Option<usize>,
}

/// Which outbox entries to list. Empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    /// Only entries still waiting for delivery.
    pub pending: bool,
    pub platform: Option<Platform>,
    /// Only entries for this person (`platform:id`).
    pub recipient: Option<String>,
    pub limit: Option<usize>,
}

pub trait Store: Send + Sync {
    fn ticket(&self, id: &str) -> Result<Option<Ticket>, StoreError>;

    /// A ticket's events in order, with their personal text joined in.
    fn events(&self, id: &str) -> Result<Vec<TicketEvent>, StoreError>;

    /// Tickets matching `filter`, oldest first (newest first with `filter.newest_first`).
    fn list(&self, filter: &Filter) -> Result<Vec<Ticket>, StoreError>;

    /// A user's conversation (`platform:id`). A state this version cannot read is `None`.
    fn conversation(&self, user_key: &str) -> Result<Option<Conversation>, StoreError>;

    /// Desk bookkeeping written by turns (see [`crate::desk::links`]).
    fn link(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Whether an event with this idempotency key was committed.
    fn seen(&self, key: &str) -> Result<bool, StoreError>;

    /// Reserves a ticket number, never handed out again (a turn that fails leaves a gap).
    fn next_ticket_number(&self) -> Result<u64, StoreError>;

    /// Commits a turn atomically; when `durable`, returns only once it is on disk. Bookkeeping
    /// turns that can be rebuilt (where an adapter put a card) pass `false` and ride the next
    /// flush.
    fn commit(&self, turn: &Turn, now: u64, durable: bool) -> Result<Committed, StoreError>;

    /// Outbox entries matching `filter`, oldest first.
    fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, StoreError>;

    /// One outbox entry by id.
    fn outbox_entry(&self, id: u64) -> Result<Option<OutboxEntry>, StoreError>;

    /// Pending entries for `platform` due at `now` (retries wait out their backoff), oldest first.
    fn due(
        &self,
        platform: Platform,
        now: u64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Records a delivery attempt: delivered, or failed and to be retried after a backoff (or
    /// given up after [`crate::desk::action::MAX_ATTEMPTS`]). Made durable by the next flush.
    fn record_delivery(
        &self,
        id: u64,
        outcome: &Outcome,
        now: u64,
    ) -> Result<Option<OutboxEntry>, StoreError>;

    /// One pending timer by id.
    fn timer(&self, id: &str) -> Result<Option<crate::clocks::timer::Timer>, StoreError>;

    /// Pending timers due at or before `until` (all: `u64::MAX`), soonest first, at most `limit`;
    /// only `ticket`'s when given.
    fn timers(
        &self,
        until: u64,
        ticket: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::clocks::timer::Timer>, StoreError>;

    /// Log records from `since` on (inclusive), at most `limit`, in offset order.
    fn log(&self, since: u64, limit: usize) -> Result<Vec<LogRecord>, StoreError>;

    /// Makes every write so far durable.
    fn flush(&self) -> Result<(), StoreError>;

    /// An organisation's account (contracts, balances), if one was stored.
    fn account(&self, _org: &str) -> Result<Option<crate::contracts::Account>, StoreError> {
        Ok(None)
    }

    /// Every stored account, by id.
    fn accounts(&self) -> Result<Vec<crate::contracts::Account>, StoreError> {
        Ok(vec![])
    }

    /// An organisation's ledger entries, of one month (`YYYY-MM`) or all, in order.
    fn ledger(
        &self,
        _org: &str,
        _month: Option<&str>,
    ) -> Result<Vec<crate::contracts::Entry>, StoreError> {
        Ok(vec![])
    }

    /// Every ticket's report record (see [`crate::reports::facts`]), in ticket order. No
    /// default: a wrapper that forgot to forward it would report an empty desk.
    fn scan_facts(&self, f: &mut dyn FnMut(crate::reports::FactRecord)) -> Result<(), StoreError>;

    /// The bot's FAQ counters of UTC hours `from_hour..to_hour`.
    fn scan_bot_counts(
        &self,
        from_hour: u32,
        to_hour: u32,
        f: &mut dyn FnMut(crate::reports::BotCount),
    ) -> Result<(), StoreError>;

    /// The names behind the numbers of report records.
    fn report_names(&self) -> Result<crate::reports::Names, StoreError>;

    /// Reserves a contract number, never handed out again.
    fn next_contract_number(&self) -> Result<u64, StoreError> {
        Err(StoreError::Io("this store keeps no contracts".into()))
    }
    /// The audit log of personal data (see [`crate::privacy::AuditRecord`]), oldest first.
    fn audit(&self) -> Result<Vec<crate::privacy::AuditRecord>, StoreError>;

    /// Appends to the audit log outside a turn (an export, which changes nothing else).
    fn record_audit(&self, record: &crate::privacy::AuditRecord) -> Result<(), StoreError>;

    /// Completes an erasure committed earlier, once its turn's messages were delivered: removes
    /// what is still addressed to `user_key` (the confirmation) and rewrites the store's files so
    /// nothing erased is left in them. Required (no default): a wrapper that forgot to pass it on
    /// would leave erased bytes on disk.
    fn finish_erasure(&self, user_key: &str) -> Result<(), StoreError>;

    /// Opens a ticket outside a conversation (imports, benchmarks, tests): reserves its number,
    /// builds it with `draft` and commits it with its `Opened` event.
    fn open_ticket(
        &self,
        draft: &dyn Fn(u64) -> Ticket,
        actor: &Actor,
        now: u64,
    ) -> Result<Ticket, StoreError> {
        let number = self.next_ticket_number()?;
        let mut t = draft(number);
        t.number = number;
        t.id = format!("T-{number}");
        t.event_count = 1;
        let event = TicketEvent {
            ticket: t.id.clone(),
            seq: 0,
            at_ms: now,
            actor: actor.clone(),
            change: Change::Opened {
                queue: t.queue.clone(),
                priority: t.priority,
            },
        };
        let turn = Turn {
            tickets: vec![TicketWrite {
                ticket: t.clone(),
                events: vec![event],
                expected_events: None,
            }],
            ..Turn::default()
        };
        self.commit(&turn, now, true)?;
        Ok(t)
    }

    /// Applies one change to a ticket outside a conversation, retrying on conflicts; returns the
    /// ticket after it and its event, once durable.
    fn change(
        &self,
        id: &str,
        actor: &Actor,
        change: &Change,
        now: u64,
    ) -> Result<(Ticket, TicketEvent), StoreError> {
        loop {
            let Some(before) = self.ticket(id)? else {
                return Err(TicketError::NotFound(id.to_string()).into());
            };
            let mut t = before.clone();
            t.apply(actor, change, now)?;
            let event = TicketEvent {
                ticket: t.id.clone(),
                seq: t.event_count,
                at_ms: now,
                actor: actor.clone(),
                change: change.clone(),
            };
            t.event_count += 1;
            let turn = Turn {
                tickets: vec![TicketWrite {
                    ticket: t.clone(),
                    events: vec![event.clone()],
                    expected_events: Some(before.event_count),
                }],
                ..Turn::default()
            };
            match self.commit(&turn, now, true) {
                Ok(_) => return Ok((t, event)),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes a conversation state outside a turn (tests, imports).
    fn put_conversation(&self, user_key: &str, state: &Conversation) -> Result<(), StoreError> {
        let stored = self.conversation(user_key)?.map(|c| c.rev).unwrap_or(0);
        let mut state = state.clone();
        state.rev = stored + 1;
        let turn = Turn {
            conversation: Some(ConversationWrite {
                user: user_key.to_string(),
                state,
            }),
            ..Turn::default()
        };
        self.commit(&turn, 0, true).map(|_| ())
    }
}

/// Whether an entry still waits for delivery.
pub fn is_pending(e: &OutboxEntry) -> bool {
    e.state == Delivery::Pending
}
