//! Storage behind the desk: a trait the desk talks to, so the core never sees sled, and a sled
//! implementation. Every ticket change is written with its event and index entries in one
//! transaction, and returns only once it is on disk.

pub mod bench;
pub mod sled_store;

use crate::tickets::{Actor, Change, Status, Ticket, TicketError, TicketEvent};

pub use sled_store::SledStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Ticket(#[from] TicketError),
    #[error("storage: {0}")]
    Io(String),
    #[error("corrupt record {key}: {message}")]
    Corrupt { key: String, message: String },
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

pub trait Store: Send + Sync {
    /// Writes a new ticket built by `draft` from its number (the store assigns numbers), with its
    /// `Opened` event and index entries; returns once durable.
    fn open_ticket(
        &self,
        draft: &dyn Fn(u64) -> Ticket,
        actor: &Actor,
        now: u64,
    ) -> Result<Ticket, StoreError>;

    /// Applies `change` atomically (concurrent changes to one ticket are serialised, so of many
    /// concurrent claims exactly one succeeds); returns the ticket after it, once durable.
    fn change(
        &self,
        id: &str,
        actor: &Actor,
        change: &Change,
        now: u64,
    ) -> Result<(Ticket, TicketEvent), StoreError>;

    fn ticket(&self, id: &str) -> Result<Option<Ticket>, StoreError>;

    fn events(&self, id: &str) -> Result<Vec<TicketEvent>, StoreError>;

    /// Tickets matching `filter`, oldest first.
    fn list(&self, filter: &Filter) -> Result<Vec<Ticket>, StoreError>;

    /// A user's conversation state, as the desk serialised it.
    fn conversation(&self, user_key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    fn put_conversation(&self, user_key: &str, state: &[u8]) -> Result<(), StoreError>;

    /// Adapter bookkeeping (which platform message shows a ticket's card, which thread holds a
    /// user's conversation), kept beside conversations under a `meta:` prefix.
    fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conversation(&format!("meta:{key}"))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn put_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.put_conversation(&format!("meta:{key}"), value.as_bytes())
    }

    /// Queues a message for a user whose platform delivers later (the local terminal).
    fn push_outbox(&self, user_key: &str, text: &str) -> Result<(), StoreError>;

    /// Takes every queued message for a user, oldest first.
    fn take_outbox(&self, user_key: &str) -> Result<Vec<String>, StoreError>;

    /// Adds one to a named counter (deflections, ...) and returns the new value.
    fn count(&self, name: &str) -> Result<u64, StoreError>;

    fn counter(&self, name: &str) -> Result<u64, StoreError>;

    /// Makes every write so far durable.
    fn flush(&self) -> Result<(), StoreError>;
}
