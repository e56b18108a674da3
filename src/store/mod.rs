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

pub mod sled_store;

use crate::desk::action::{Delivery, OutboxEntry, Outcome};
use crate::desk::conversation::Conversation;
use crate::desk::log::LogRecord;
use crate::desk::turn::{Committed, ConversationWrite, TicketWrite, Turn};
use crate::tickets::{Actor, Change, Platform, Status, Ticket, TicketError, TicketEvent};

pub use sled_store::SledStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error("storage: {0}")]
    Io(String),
    #[error("corrupt record {key}: {message}")]
    Corrupt { key: String, message: String },
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

    /// Tickets matching `filter`, oldest first.
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

    /// Log records from `since` on (inclusive), at most `limit`, in offset order.
    fn log(&self, since: u64, limit: usize) -> Result<Vec<LogRecord>, StoreError>;

    /// Makes every write so far durable.
    fn flush(&self) -> Result<(), StoreError>;

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
