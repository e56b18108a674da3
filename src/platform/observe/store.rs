//! The store as `frontline run` hands it to the desk: every call goes to the real store, and
//! commits and flushes are timed and counted on the way. A committed [`Turn`] is the whole of what
//! the desk decided for an event (its bot events, the tickets it opened), so counting here keeps
//! the core unaware of metrics: the desk is handed a `Store` and does not know this one watches.

use std::sync::Arc;
use std::time::Instant;

use super::metrics::Metrics;
use crate::desk::action::{OutboxEntry, Outcome};
use crate::desk::conversation::Conversation;
use crate::desk::log::LogRecord;
use crate::desk::turn::{Committed, Turn};
use crate::store::{Filter, OutboxFilter, Store, StoreError};
use crate::tickets::{Platform, Ticket, TicketEvent};

pub struct Observed {
    inner: Arc<dyn Store>,
    metrics: Arc<Metrics>,
    failed: Arc<StoreFailure>,
}

impl Observed {
    pub fn new(
        inner: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        failed: Arc<StoreFailure>,
    ) -> Observed {
        Observed {
            inner,
            metrics,
            failed,
        }
    }

    /// Passes `r` on, noting a write the store refused for good (see [`StoreFailure`]).
    fn watch<T>(&self, r: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e @ (StoreError::DiskFull { .. } | StoreError::Storage { .. })) = &r {
            self.failed.set(e);
        }
        r
    }
}

/// The first write the store refused with an I/O error. sled 0.34 keeps refusing every write on
/// a handle that has seen one (a full disk, a failing device), even after the cause is gone; only
/// a fresh open recovers, so `frontline run` stops when this is set (see `main.rs`) and its
/// service manager starts it again.
#[derive(Default)]
pub struct StoreFailure {
    error: std::sync::OnceLock<String>,
    notify: tokio::sync::Notify,
}

impl StoreFailure {
    fn set(&self, e: &StoreError) {
        if self.error.set(e.to_string()).is_ok() {
            tracing::error!("the store refused a write: {e}");
            self.notify.notify_waiters();
        }
    }

    /// The refused write's error, once there was one.
    pub fn get(&self) -> Option<&str> {
        self.error.get().map(String::as_str)
    }

    /// Returns when the store has refused a write.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            if self.get().is_some() {
                return;
            }
            notified.await;
        }
    }
}

impl Store for Observed {
    fn audit(&self) -> Result<Vec<crate::privacy::AuditRecord>, StoreError> {
        self.inner.audit()
    }

    fn record_audit(&self, record: &crate::privacy::AuditRecord) -> Result<(), StoreError> {
        self.watch(self.inner.record_audit(record))
    }

    fn finish_erasure(&self, user_key: &str) -> Result<(), StoreError> {
        self.watch(self.inner.finish_erasure(user_key))
    }

    fn ticket(&self, id: &str) -> Result<Option<Ticket>, StoreError> {
        self.inner.ticket(id)
    }

    fn events(&self, id: &str) -> Result<Vec<TicketEvent>, StoreError> {
        self.inner.events(id)
    }

    fn list(&self, filter: &Filter) -> Result<Vec<Ticket>, StoreError> {
        self.inner.list(filter)
    }

    fn conversation(&self, user_key: &str) -> Result<Option<Conversation>, StoreError> {
        self.inner.conversation(user_key)
    }

    fn link(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.inner.link(key)
    }

    fn seen(&self, key: &str) -> Result<bool, StoreError> {
        self.inner.seen(key)
    }

    fn next_ticket_number(&self) -> Result<u64, StoreError> {
        self.inner.next_ticket_number()
    }

    fn account(&self, org: &str) -> Result<Option<crate::contracts::Account>, StoreError> {
        self.inner.account(org)
    }

    fn accounts(&self) -> Result<Vec<crate::contracts::Account>, StoreError> {
        self.inner.accounts()
    }

    fn ledger(
        &self,
        org: &str,
        month: Option<&str>,
    ) -> Result<Vec<crate::contracts::Entry>, StoreError> {
        self.inner.ledger(org, month)
    }

    fn next_contract_number(&self) -> Result<u64, StoreError> {
        self.inner.next_contract_number()
    }

    fn scan_facts(&self, f: &mut dyn FnMut(crate::reports::FactRecord)) -> Result<(), StoreError> {
        self.inner.scan_facts(f)
    }

    fn scan_bot_counts(
        &self,
        from_hour: u32,
        to_hour: u32,
        f: &mut dyn FnMut(crate::reports::BotCount),
    ) -> Result<(), StoreError> {
        self.inner.scan_bot_counts(from_hour, to_hour, f)
    }

    fn report_names(&self) -> Result<crate::reports::Names, StoreError> {
        self.inner.report_names()
    }

    fn commit(&self, turn: &Turn, now: u64, durable: bool) -> Result<Committed, StoreError> {
        let started = Instant::now();
        let committed = self.watch(self.inner.commit(turn, now, durable))?;
        // Turns that changed nothing wrote nothing, and refused ones (conflicts, duplicates) are
        // rebuilt or dropped: only what was stored is counted, once.
        if !committed.is_empty() {
            self.metrics.committed(turn, started.elapsed(), durable);
        }
        Ok(committed)
    }

    fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxEntry>, StoreError> {
        self.inner.outbox(filter)
    }

    fn outbox_entry(&self, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
        self.inner.outbox_entry(id)
    }

    fn due(
        &self,
        platform: Platform,
        now: u64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        self.inner.due(platform, now, limit)
    }

    fn record_delivery(
        &self,
        id: u64,
        outcome: &Outcome,
        now: u64,
    ) -> Result<Option<OutboxEntry>, StoreError> {
        self.watch(self.inner.record_delivery(id, outcome, now))
    }

    fn timer(&self, id: &str) -> Result<Option<crate::clocks::timer::Timer>, StoreError> {
        self.inner.timer(id)
    }

    fn timers(
        &self,
        until: u64,
        ticket: Option<&str>,
        limit: usize,
    ) -> Result<Vec<crate::clocks::timer::Timer>, StoreError> {
        self.inner.timers(until, ticket, limit)
    }

    fn log(&self, since: u64, limit: usize) -> Result<Vec<LogRecord>, StoreError> {
        self.inner.log(since, limit)
    }

    fn flush(&self) -> Result<(), StoreError> {
        let started = Instant::now();
        self.watch(self.inner.flush())?;
        self.metrics.flushed(started.elapsed());
        Ok(())
    }
}
