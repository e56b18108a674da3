//! The outbox worker one running adapter has per platform: it delivers a turn's entries as soon
//! as the turn is committed (the fast path, in the handler's task, so a user's replies keep their
//! order), and a background loop delivers whatever is still pending: entries written while no
//! process served the platform (`frontline tickets resolve` on a Discord user's ticket), entries
//! left by a crash, retries after a backoff. Adapters only say how to deliver one entry
//! ([`Deliver`]); this is the one place of the platform layer that reads the outbox.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::desk::action::{OutboxEntry, Outcome};
use crate::desk::{Desk, Event, Incoming, Placed};
use crate::platform::observe::Metrics;
use crate::tickets::{Platform, now_ms};

/// How one platform performs one outbox entry.
pub trait Deliver: Send + Sync + 'static {
    fn platform(&self) -> Platform;

    /// How long the background loop leaves a new entry to the handler whose turn committed it
    /// (which delivers a person's replies in order); zero where no handler delivers.
    fn fresh_grace(&self) -> Duration {
        FRESH
    }

    /// Performs the entry; `Ok(Some(placed))` reports where a card or thread now lives. An error
    /// is retried after a backoff.
    fn deliver(
        &self,
        entry: &OutboxEntry,
    ) -> impl Future<Output = Result<Option<Placed>, String>> + Send;
}

/// Cards this process posted, by (ticket, channel) → the platform's message id: an update committed
/// before the card's placement was recorded still edits that card instead of posting a second.
#[derive(Default)]
pub struct PostedCards(Mutex<std::collections::HashMap<(String, String), String>>);

impl PostedCards {
    pub fn remember(&self, ticket: &str, channel: &str, message: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(
            (ticket.to_string(), channel.to_string()),
            message.to_string(),
        );
    }

    pub fn find(&self, ticket: &str, channel: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(ticket.to_string(), channel.to_string()))
            .cloned()
    }
}

/// How often the background loop looks for pending entries when nothing wakes it.
const POLL: Duration = Duration::from_millis(500);
/// How long the background loop leaves a new entry to the handler that committed it.
const FRESH: Duration = Duration::from_secs(2);
/// Entries taken per pass of the background loop.
const BATCH: usize = 256;

pub struct Outbox<D: Deliver> {
    desk: Arc<Desk>,
    deliver: Arc<D>,
    /// Entries being delivered right now, by this process; a std mutex held only to insert or
    /// remove an id.
    in_flight: Mutex<HashSet<u64>>,
    /// Handler turns under way (see [`Outbox::enter`]); shutdown waits for them.
    active: AtomicUsize,
    wake: tokio::sync::Notify,
    /// Events received and deliveries made are counted here (see [`crate::platform::observe`]).
    metrics: Arc<Metrics>,
}

/// Held while a handler processes and delivers a turn.
pub struct Active<'a>(&'a AtomicUsize);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<D: Deliver> Outbox<D> {
    pub fn new(desk: Arc<Desk>, deliver: Arc<D>) -> Arc<Outbox<D>> {
        Outbox::observed(desk, deliver, Arc::new(Metrics::new()))
    }

    /// A worker that counts what it receives and delivers in `metrics`.
    pub fn observed(desk: Arc<Desk>, deliver: Arc<D>, metrics: Arc<Metrics>) -> Arc<Outbox<D>> {
        Arc::new(Outbox {
            desk,
            deliver,
            in_flight: Mutex::new(HashSet::new()),
            active: AtomicUsize::new(0),
            wake: tokio::sync::Notify::new(),
            metrics,
        })
    }

    /// Marks a handler's turn as under way until the guard drops.
    pub fn enter(&self) -> Active<'_> {
        self.active.fetch_add(1, Ordering::SeqCst);
        Active(&self.active)
    }

    /// Processes one event on a blocking thread (the turn waits for its flush) and delivers what
    /// it produced for this platform at once; entries for other platforms wait in the outbox.
    pub async fn process(&self, incoming: Incoming) -> Vec<OutboxEntry> {
        self.metrics
            .received(self.deliver.platform(), &incoming.event);
        let desk = self.desk.clone();
        let processed =
            match tokio::task::spawn_blocking(move || desk.process(incoming, now_ms())).await {
                Ok(Ok(p)) => p,
                Ok(Err(e)) => {
                    tracing::error!("desk error: {e}");
                    return vec![];
                }
                Err(e) => {
                    tracing::error!("desk task failed: {e}");
                    return vec![];
                }
            };
        let entries = processed.outbox().to_vec();
        self.deliver_now(&entries).await;
        self.finish_erasures(&processed).await;
        entries
    }

    /// After a turn that erased someone's data (they asked in chat) and its confirmation was
    /// delivered: the store drops what is still addressed to them and rewrites its files.
    pub async fn finish_erasures(&self, processed: &crate::desk::Processed) {
        let crate::desk::Processed::Committed(c) = processed else {
            return;
        };
        for key in c.erased.clone() {
            let store = self.desk.store().clone();
            let done = tokio::task::spawn_blocking(move || store.finish_erasure(&key)).await;
            match done {
                Ok(Ok(())) => tracing::info!("an erasure was completed and the store rewritten"),
                Ok(Err(e)) => tracing::error!("completing an erasure: {e}"),
                Err(e) => tracing::error!("completing an erasure failed: {e}"),
            }
        }
    }

    /// Delivers a committed turn's entries for this platform, in order.
    pub async fn deliver_now(&self, entries: &[OutboxEntry]) {
        let mut other = false;
        for e in entries {
            if e.platform == self.deliver.platform() {
                self.deliver_one(e, true).await;
            } else {
                other = true;
            }
        }
        if other {
            tracing::debug!("a turn left entries for another platform in the outbox");
        }
    }

    /// Delivers one entry unless another task is on it or it is no longer pending.
    async fn deliver_one(&self, entry: &OutboxEntry, fresh: bool) {
        let id = entry.id;
        if !self.lock(id) {
            return;
        }
        // Read again under the in-flight mark: another task may have delivered it since this
        // one was listed (a fresh entry was just committed and is pending).
        let current = if fresh {
            Some(entry.clone())
        } else {
            match self.desk.store().outbox_entry(id) {
                Ok(e) => e.filter(crate::store::is_pending),
                Err(e) => {
                    tracing::error!("reading the outbox: {e}");
                    None
                }
            }
        };
        if let Some(entry) = current {
            let result = self.deliver.deliver(&entry).await;
            let latency = result
                .is_ok()
                .then(|| Duration::from_millis(now_ms().saturating_sub(entry.created_ms)));
            self.metrics.delivered(entry.platform, latency);
            let outcome = match &result {
                Ok(_) => Outcome::Delivered,
                Err(error) => {
                    tracing::warn!(
                        "delivering outbox entry {id} ({}) failed: {error}",
                        entry.action.summary()
                    );
                    Outcome::Retry {
                        error: error.clone(),
                    }
                }
            };
            // Where it went is committed before the delivery is recorded: neither is flushed on
            // its own, and a flush that makes the delivery durable then covers the place too. The
            // other order lost an agent thread's link when a crash came between two flushes: the
            // entry was not sent again and the agent's messages in the thread went nowhere. (A
            // crash before the record sends it again, which finds the same card or thread.)
            if let Ok(Some(placed)) = &result {
                self.report(&entry, placed.clone()).await;
            }
            if let Err(e) = self.desk.store().record_delivery(id, &outcome, now_ms()) {
                tracing::error!("recording delivery of outbox entry {id}: {e}");
            }
        }
        self.unlock(id);
    }

    /// Tells the desk where a card or thread was placed (bookkeeping, not flushed on its own),
    /// on a blocking thread: a commit may wait for a flush under way.
    async fn report(&self, entry: &OutboxEntry, placed: Placed) {
        use crate::desk::Action;
        let ticket = match &entry.action {
            Action::PostCard { card, .. } | Action::UpdateCard { card, .. } => {
                Some(card.ticket.clone())
            }
            Action::OpenAgentThread { ticket, .. } => Some(ticket.clone()),
            _ => None,
        };
        let event = Event::Placed {
            platform: entry.platform,
            ticket,
            user: entry.action.recipient().cloned(),
            placed,
        };
        let desk = self.desk.clone();
        let id = entry.id;
        let done =
            tokio::task::spawn_blocking(move || desk.process(Incoming::plain(event), now_ms()))
                .await;
        match done {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!("recording where outbox entry {id} went: {e}"),
            Err(e) => tracing::error!("recording where outbox entry {id} went: {e}"),
        }
    }

    fn lock(&self, id: u64) -> bool {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id)
    }

    fn unlock(&self, id: u64) {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    /// Asks the background loop to look at the outbox now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Delivers what is due, once; returns how many entries it tried. Entries committed in
    /// the last `grace` and never tried are left to the handler delivering them in order.
    pub async fn drain_due(&self, grace: Duration) -> usize {
        let platform = self.deliver.platform();
        let now = now_ms();
        let due = match self.desk.store().due(platform, now, BATCH) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!("reading the outbox: {e}");
                return 0;
            }
        };
        let fresh_since = now.saturating_sub(grace.as_millis() as u64);
        let mut tried = 0;
        for e in &due {
            // Left to the handler that committed it a moment ago; one committed "in the future"
            // (`timers fire --until` on a running bot) has no handler delivering it.
            if e.attempts == 0 && e.created_ms > fresh_since && e.created_ms <= now {
                continue;
            }
            self.deliver_one(e, false).await;
            tried += 1;
        }
        tried
    }

    /// The background loop: delivers pending entries until `shutdown` says stop, then waits for
    /// the handlers' turns in flight, drains once more, and flushes the store.
    pub async fn run(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            while self.drain_due(self.deliver.fresh_grace()).await == BATCH {}
            tokio::select! {
                _ = shutdown.changed() => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        self.finish().await;
    }

    /// Shutdown: waits (up to 10 s) for turns in flight, delivers what they left, then flushes.
    pub async fn finish(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.active.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        while self.drain_due(Duration::ZERO).await == BATCH {}
        let desk = self.desk.clone();
        match tokio::task::spawn_blocking(move || desk.store().flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!("flushing the store at shutdown: {e}"),
            Err(e) => tracing::error!("flushing the store at shutdown: {e}"),
        }
    }
}
