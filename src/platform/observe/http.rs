//! The health and metrics listener (`[observability] listen`): `GET /healthz` answers 200 with
//! the checks as JSON when the store takes a durable write and every platform is connected, 503
//! with the same JSON naming the failed checks otherwise; `GET /metrics` answers the metrics in
//! the OpenMetrics text format Prometheus scrapes. It runs on the bot's runtime and stops with it.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use super::Observe;

/// What Prometheus is told the exposition is.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A running listener; [`Listener::stop`] ends it.
pub struct Listener {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Binds `addr` (a start-up error when it cannot) and serves until stopped.
pub async fn start(observe: Arc<Observe>, addr: SocketAddr) -> Result<Listener> {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(observe);
    let listener = serve(app, addr, "[observability] listen").await?;
    let addr = listener.addr();
    tracing::info!("health on http://{addr}/healthz, metrics on http://{addr}/metrics");
    Ok(listener)
}

/// Serves `app` on `addr` until stopped (shared by every HTTP listener of `frontline run`);
/// `setting` names where the address comes from when it cannot be bound.
pub async fn serve(app: Router, addr: SocketAddr, setting: &str) -> Result<Listener> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ({setting})"))?;
    let addr = listener.local_addr().context("the listener's address")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let setting = setting.to_string();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("the listener of {setting} stopped: {e}");
        }
    });
    Ok(Listener { addr, stop, task })
}

/// Like [`serve`], but on a thread and runtime of its own: what the listener answers does not
/// wait behind the work of the bot's runtime (the Slack endpoints must ack within 3 s, and ack
/// fast under a flood of events whose work piles up on the bot's runtime).
pub async fn serve_on_own_thread(app: Router, addr: SocketAddr, setting: &str) -> Result<Listener> {
    let std_listener = std::net::TcpListener::bind(addr)
        .with_context(|| format!("cannot listen on {addr} ({setting})"))?;
    std_listener
        .set_nonblocking(true)
        .context("a non-blocking listener")?;
    let addr = std_listener
        .local_addr()
        .context("the listener's address")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("the listener's runtime")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    let setting = setting.to_string();
    std::thread::Builder::new()
        .name("frontline-http".into())
        .spawn(move || {
            runtime.block_on(async move {
                let served = match tokio::net::TcpListener::from_std(std_listener) {
                    Ok(listener) => axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                if let Err(e) = served {
                    tracing::error!("the listener of {setting} stopped: {e}");
                }
            });
            let _ = done.send(());
        })
        .context("the listener's thread")?;
    let task = tokio::spawn(async move {
        let _ = finished.await;
    });
    Ok(Listener { addr, stop, task })
}

impl Listener {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops taking connections and waits for the requests under way.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

async fn healthz(State(observe): State<Arc<Observe>>) -> impl IntoResponse {
    let health = observe.health().await;
    let status = if health.ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(health.json()))
}

async fn metrics(State(observe): State<Arc<Observe>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, OPENMETRICS)],
        observe.metrics_text().await,
    )
}
