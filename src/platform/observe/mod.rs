//! Operating `frontline run`: its logs ([`logs`]), and an optional HTTP listener
//! (`[observability] listen`, [`http`]) with `/healthz` and `/metrics`.
//!
//! Where things are counted. The core stays free of I/O and knows nothing of metrics; everything
//! is counted in the platform layer from what passes through it:
//! - events, where an adapter hands them to the desk (the outbox worker's `process`, shared by
//!   every platform);
//! - decisions (what the desk did with a message: FAQ offered, answered, asked, ticket opened, out
//!   of scope) and tickets opened, from each turn the store commits: the desk is given an
//!   [`store::Observed`] store that times commits and flushes and reads the committed [`Turn`]s,
//!   which hold everything the desk decided for an event;
//! - deliveries and their latency (commit to delivered), where the worker records them;
//! - the outbox backlog, read from the store at each scrape.
//!
//! An observer trait implemented by the desk's callers was the other way; it would have had to
//! be threaded through `Desk::process` and would see less than the turn does.
//!
//! [`Turn`]: crate::desk::turn::Turn

pub mod http;
pub mod logs;
pub mod metrics;
pub mod store;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

pub use metrics::Metrics;

use crate::desk::turn::Turn;
use crate::store::{OutboxFilter, Store};
use crate::tickets::{Platform, now_ms};

/// `[observability]` in the configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservabilitySettings {
    /// Where to serve `/healthz` and `/metrics` (`"127.0.0.1:9187"`); not served when absent. Port
    /// 0 picks a free port, which the log names.
    #[serde(default, deserialize_with = "socket_address")]
    pub listen: Option<SocketAddr>,
}

/// An IP address and port, or an error saying what is expected (serde's own names no field).
fn socket_address<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map(Some).map_err(|_| {
        serde::de::Error::custom(format!(
            "invalid value `{s}`: expected an IP address and port, such as \"127.0.0.1:9187\""
        ))
    })
}

/// What a health check of a platform connection returns: `Ok`, or why not in a few words.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// A platform connection `/healthz` checks (the Discord adapter's shards, for one).
pub trait Connectivity: Send + Sync {
    fn platform(&self) -> Platform;
    fn check(&self) -> CheckFuture<'_>;
}

/// The bookkeeping key the store check writes (a desk link nothing reads).
pub const HEALTH_KEY: &str = "health:probe";
/// How long one check may take before it counts as failed.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a store check's result is reused: a busy prober costs one write a second at most.
const STORE_CHECK_REUSE: Duration = Duration::from_secs(1);

/// One process's metrics and health checks.
pub struct Observe {
    metrics: Arc<Metrics>,
    store: Arc<dyn Store>,
    failed: Arc<store::StoreFailure>,
    /// A std mutex: held only to push or clone the list.
    platforms: Mutex<Vec<Arc<dyn Connectivity>>>,
    /// The last store check; a tokio mutex, held across the check so concurrent probes share it.
    last_store_check: tokio::sync::Mutex<Option<(Instant, Result<(), String>)>>,
}

/// The outcome of the health checks, by name (`store`, `discord`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub checks: BTreeMap<String, Result<(), String>>,
}

impl Health {
    pub fn ok(&self) -> bool {
        self.checks.values().all(Result::is_ok)
    }

    /// `{"status": "ok" | "failing", "failed": [names], "checks": {name: "ok" | why}}`.
    pub fn json(&self) -> serde_json::Value {
        let failed: Vec<&str> = self
            .checks
            .iter()
            .filter(|(_, r)| r.is_err())
            .map(|(n, _)| n.as_str())
            .collect();
        let checks: serde_json::Map<String, serde_json::Value> = self
            .checks
            .iter()
            .map(|(n, r)| {
                let v = match r {
                    Ok(()) => "ok".to_string(),
                    Err(why) => why.clone(),
                };
                (n.clone(), serde_json::Value::String(v))
            })
            .collect();
        serde_json::json!({
            "status": if failed.is_empty() { "ok" } else { "failing" },
            "failed": failed,
            "checks": checks,
        })
    }
}

impl Observe {
    /// Watches `store`: give the desk [`Observe::store`] so its commits are counted.
    pub fn new(store: Arc<dyn Store>) -> Arc<Observe> {
        let metrics = Arc::new(Metrics::new());
        let failed = Arc::new(store::StoreFailure::default());
        let store: Arc<dyn Store> =
            Arc::new(store::Observed::new(store, metrics.clone(), failed.clone()));
        Arc::new(Observe {
            metrics,
            store,
            failed,
            platforms: Mutex::new(Vec::new()),
            last_store_check: tokio::sync::Mutex::new(None),
        })
    }

    /// The store to build the desk on.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    /// The first write the store refused for good, if any (see [`store::StoreFailure`]).
    pub fn store_failure(&self) -> &store::StoreFailure {
        &self.failed
    }

    /// Whether the store takes a durable write now (`frontline run` asks before connecting).
    pub async fn store_writable(&self) -> Result<(), String> {
        self.check_store().await
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Adds a platform connection to the health checks.
    pub fn watch(&self, platform: Arc<dyn Connectivity>) {
        self.platforms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(platform);
    }

    fn platforms(&self) -> Vec<Arc<dyn Connectivity>> {
        self.platforms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs every check: the store takes a small durable write, each platform says whether it is
    /// connected.
    pub async fn health(&self) -> Health {
        let mut checks = BTreeMap::new();
        checks.insert("store".to_string(), self.check_store().await);
        for p in self.platforms() {
            let r = match tokio::time::timeout(CHECK_TIMEOUT, p.check()).await {
                Ok(r) => r,
                Err(_) => Err(format!("no answer within {}s", CHECK_TIMEOUT.as_secs())),
            };
            self.metrics.set_connected(p.platform(), r.is_ok());
            checks.insert(p.platform().to_string(), r);
        }
        Health { checks }
    }

    /// Whether the store takes a write and makes it durable: one bookkeeping link, committed as
    /// a turn is and waiting for its flush.
    async fn check_store(&self) -> Result<(), String> {
        let mut last = self.last_store_check.lock().await;
        if let Some((at, r)) = &*last
            && at.elapsed() < STORE_CHECK_REUSE
        {
            return r.clone();
        }
        let store = self.store.clone();
        let write = tokio::task::spawn_blocking(move || {
            let now = now_ms();
            let turn = Turn {
                links: vec![(HEALTH_KEY.to_string(), now.to_string())],
                ..Turn::default()
            };
            store.commit(&turn, now, true).map(|_| ())
        });
        let r = match tokio::time::timeout(CHECK_TIMEOUT, write).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(format!("not writable: {e}")),
            Ok(Err(e)) => Err(format!("the check failed: {e}")),
            Err(_) => Err(format!(
                "a write did not become durable within {}s",
                CHECK_TIMEOUT.as_secs()
            )),
        };
        *last = Some((Instant::now(), r.clone()));
        r
    }

    /// The metrics exposition, with the outbox backlog and connection gauges read now.
    pub async fn metrics_text(&self) -> String {
        let store = self.store.clone();
        let pending = tokio::task::spawn_blocking(move || {
            Platform::ALL.map(|p| {
                let filter = OutboxFilter {
                    pending: true,
                    platform: Some(p),
                    ..OutboxFilter::default()
                };
                (p, store.outbox(&filter).map(|e| e.len()))
            })
        })
        .await;
        match pending {
            Ok(counts) => {
                for (p, n) in counts {
                    match n {
                        Ok(n) => self.metrics.set_pending(p, n),
                        Err(e) => tracing::warn!("metrics: reading the outbox: {e}"),
                    }
                }
            }
            Err(e) => tracing::warn!("metrics: reading the outbox: {e}"),
        }
        for p in self.platforms() {
            let up = matches!(
                tokio::time::timeout(CHECK_TIMEOUT, p.check()).await,
                Ok(Ok(()))
            );
            self.metrics.set_connected(p.platform(), up);
        }
        self.metrics.encode()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{Config, DEFAULT_CONFIG};
    use crate::desk::action::{OutboxEntry, Outcome};
    use crate::desk::conversation::Conversation;
    use crate::desk::log::LogRecord;
    use crate::desk::turn::Committed;
    use crate::store::{Filter, SledStore, StoreError};
    use crate::tickets::{Ticket, TicketEvent};

    /// A store whose disk is full: every write fails, reads are empty.
    struct DiskFull;

    impl Store for DiskFull {
        fn audit(&self) -> Result<Vec<crate::privacy::AuditRecord>, StoreError> {
            Ok(vec![])
        }
        fn scan_facts(
            &self,
            _: &mut dyn FnMut(crate::reports::FactRecord),
        ) -> Result<(), StoreError> {
            Ok(())
        }
        fn scan_bot_counts(
            &self,
            _: u32,
            _: u32,
            _: &mut dyn FnMut(crate::reports::BotCount),
        ) -> Result<(), StoreError> {
            Ok(())
        }
        fn report_names(&self) -> Result<crate::reports::Names, StoreError> {
            Ok(crate::reports::Names::default())
        }
        fn record_audit(&self, _: &crate::privacy::AuditRecord) -> Result<(), StoreError> {
            Err(StoreError::Io("disk full".into()))
        }
        fn finish_erasure(&self, _: &str) -> Result<(), StoreError> {
            Err(StoreError::Io("disk full".into()))
        }
        fn ticket(&self, _: &str) -> Result<Option<Ticket>, StoreError> {
            Ok(None)
        }
        fn events(&self, _: &str) -> Result<Vec<TicketEvent>, StoreError> {
            Ok(vec![])
        }
        fn list(&self, _: &Filter) -> Result<Vec<Ticket>, StoreError> {
            Ok(vec![])
        }
        fn conversation(&self, _: &str) -> Result<Option<Conversation>, StoreError> {
            Ok(None)
        }
        fn link(&self, _: &str) -> Result<Option<String>, StoreError> {
            Ok(None)
        }
        fn seen(&self, _: &str) -> Result<bool, StoreError> {
            Ok(false)
        }
        fn next_ticket_number(&self) -> Result<u64, StoreError> {
            Err(StoreError::Io("No space left on device".into()))
        }
        fn commit(&self, _: &Turn, _: u64, _: bool) -> Result<Committed, StoreError> {
            Err(StoreError::Io("No space left on device".into()))
        }
        fn outbox(&self, _: &OutboxFilter) -> Result<Vec<OutboxEntry>, StoreError> {
            Ok(vec![])
        }
        fn outbox_entry(&self, _: u64) -> Result<Option<OutboxEntry>, StoreError> {
            Ok(None)
        }
        fn due(&self, _: Platform, _: u64, _: usize) -> Result<Vec<OutboxEntry>, StoreError> {
            Ok(vec![])
        }
        fn record_delivery(
            &self,
            _: u64,
            _: &Outcome,
            _: u64,
        ) -> Result<Option<OutboxEntry>, StoreError> {
            Err(StoreError::Io("No space left on device".into()))
        }
        fn log(&self, _: u64, _: usize) -> Result<Vec<LogRecord>, StoreError> {
            Ok(vec![])
        }
        fn timer(&self, _: &str) -> Result<Option<crate::clocks::timer::Timer>, StoreError> {
            Ok(None)
        }
        fn timers(
            &self,
            _: u64,
            _: Option<&str>,
            _: usize,
        ) -> Result<Vec<crate::clocks::timer::Timer>, StoreError> {
            Ok(vec![])
        }
        fn flush(&self) -> Result<(), StoreError> {
            Err(StoreError::Io("No space left on device".into()))
        }
    }

    /// A platform connection that is up or down as told.
    struct FakeLink(Result<(), String>);

    impl Connectivity for FakeLink {
        fn platform(&self) -> Platform {
            Platform::Discord
        }
        fn check(&self) -> CheckFuture<'_> {
            let r = self.0.clone();
            Box::pin(async move { r })
        }
    }

    #[tokio::test]
    async fn health_names_each_failed_check() {
        let ok = Observe::new(Arc::new(SledStore::temporary().unwrap()));
        ok.watch(Arc::new(FakeLink(Ok(()))));
        let health = ok.health().await;
        assert!(health.ok());
        assert_eq!(
            health.json(),
            serde_json::json!({"status": "ok", "failed": [], "checks": {"store": "ok", "discord": "ok"}})
        );
        // The check wrote through the store the desk is given, and waited for the flush.
        assert!(ok.store().link(HEALTH_KEY).unwrap().is_some());

        let full = Observe::new(Arc::new(DiskFull));
        full.watch(Arc::new(FakeLink(Err(
            "disconnected: 0 of 1 gateway shards connected".into(),
        ))));
        let health = full.health().await;
        assert!(!health.ok());
        assert_eq!(
            health.json(),
            serde_json::json!({
                "status": "failing",
                "failed": ["discord", "store"],
                "checks": {
                    "store": "not writable: storage: No space left on device",
                    "discord": "disconnected: 0 of 1 gateway shards connected",
                },
            })
        );
    }

    fn parse(observability: &str) -> Result<Config, String> {
        let text = format!("{DEFAULT_CONFIG}\n[observability]\n{observability}\n");
        Config::parse(Path::new("frontline.toml"), &text).map_err(|e| e.to_string())
    }

    #[test]
    fn listen_takes_an_address_and_port() {
        let config = parse("listen = \"127.0.0.1:9187\"").expect("valid");
        assert_eq!(
            config.observability.listen,
            Some("127.0.0.1:9187".parse().unwrap())
        );
        let none = Config::parse(Path::new("frontline.toml"), DEFAULT_CONFIG).expect("valid");
        assert_eq!(none.observability.listen, None);
    }

    #[test]
    fn a_bad_listen_address_names_the_line_and_the_field() {
        let line = DEFAULT_CONFIG.lines().count() + 3;
        assert_eq!(
            parse("listen = \"localhost\"").map(|_| ()),
            Err(format!(
                "frontline.toml:{line}: observability.listen: invalid value `localhost`: expected an IP address and port, such as \"127.0.0.1:9187\""
            ))
        );
        assert!(
            parse("port = 9187")
                .map(|_| ())
                .is_err_and(|e| e.contains("unknown field `port`")),
        );
    }
}
