//! Socket Mode: for installs without a public URL, the app opens a WebSocket to Slack
//! (`apps.connections.open` with the app-level token) and Slack sends every event, interaction and
//! slash command over it as an envelope, which is acknowledged by its `envelope_id` (with the
//! answer a view submission needs as the ack's payload). The same [`Ingress`] handles them as the
//! HTTP endpoints do.
//!
//! Connections end: Slack asks for a new one (`disconnect`, reason `refresh_requested` or
//! `warning`), which is opened at once; a dropped or half-open socket (nothing received for
//! [`IDLE`], then no answer to a ping within [`PONG_WAIT`]) is replaced after a backoff that
//! starts at 2 s and doubles to a minute, so a flapping network does not spend the Tier 1 rate
//! limit of `apps.connections.open`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Result, anyhow};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::api::SlackApi;
use super::{Ack, Ingress};
use crate::platform::observe::{CheckFuture, Connectivity};
use crate::tickets::Platform;

/// Silence after which the socket is asked for a sign of life.
pub const IDLE: Duration = Duration::from_secs(10);
/// How long a ping may go unanswered before the socket counts as dead.
pub const PONG_WAIT: Duration = Duration::from_secs(5);
const FIRST_BACKOFF: Duration = Duration::from_secs(2);
const LONGEST_BACKOFF: Duration = Duration::from_secs(60);

/// Whether a socket is up, for `/healthz`.
#[derive(Default)]
pub struct SocketLink {
    up: AtomicBool,
}

impl Connectivity for SocketLink {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move {
            if self.up.load(Ordering::Relaxed) {
                Ok(())
            } else {
                Err("no Socket Mode connection to Slack".into())
            }
        })
    }
}

/// How one connection ended.
enum Ended {
    /// Slack asked for a new connection: open it now.
    Refresh,
    /// Lost (closed, broken, silent): open a new one after the backoff.
    Lost(String),
    Stopped,
}

/// Serves envelopes until `stop` turns true. The first `apps.connections.open` must succeed (a
/// refused app token is a start-up error naming the address); later failures are retried.
pub async fn run(
    ingress: Arc<Ingress>,
    api: SlackApi,
    link: Arc<SocketLink>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<()> {
    let mut first = true;
    let mut backoff = FIRST_BACKOFF;
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let url = match api.connections_open().await {
            Ok(url) => url,
            Err(e) if first => {
                return Err(match e.code() {
                    Some(code) => anyhow!(
                        "Slack refused the app token ({code} from {}apps.connections.open): check SLACK_APP_TOKEN (an App-Level Token with connections:write)",
                        api.base()
                    ),
                    None => anyhow!("{e}"),
                });
            }
            Err(e) => {
                tracing::warn!("Socket Mode: {e}; trying again in {} s", backoff.as_secs());
                if wait(&mut stop, backoff).await {
                    return Ok(());
                }
                backoff = (backoff * 2).min(LONGEST_BACKOFF);
                continue;
            }
        };
        first = false;
        let ended = match tokio_tungstenite::connect_async(url.as_str()).await {
            Ok((ws, _)) => serve(ws, &ingress, &link, &mut stop, &mut backoff).await,
            Err(e) => Ended::Lost(format!("cannot open the Socket Mode connection: {e}")),
        };
        link.up.store(false, Ordering::Relaxed);
        match ended {
            Ended::Stopped => return Ok(()),
            Ended::Refresh => tracing::info!("Socket Mode: Slack asked for a new connection"),
            Ended::Lost(why) => {
                tracing::warn!(
                    "Socket Mode: {why}; reconnecting in {} s",
                    backoff.as_secs()
                );
                if wait(&mut stop, backoff).await {
                    return Ok(());
                }
                backoff = (backoff * 2).min(LONGEST_BACKOFF);
            }
        }
    }
}

/// Sleeps `d` unless stopped first (then true).
async fn wait(stop: &mut tokio::sync::watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        () = stopped(stop) => true,
    }
}

/// Returns once `stop` turns true (the watch's guard is not held across the caller's awaits).
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn serve(
    mut ws: Socket,
    ingress: &Arc<Ingress>,
    link: &SocketLink,
    stop: &mut tokio::sync::watch::Receiver<bool>,
    backoff: &mut Duration,
) -> Ended {
    let mut pinged = false;
    loop {
        let limit = if pinged { PONG_WAIT } else { IDLE };
        let next = tokio::select! {
            () = stopped(stop) => {
                let _ = ws.close(None).await;
                return Ended::Stopped;
            }
            next = tokio::time::timeout(limit, ws.next()) => next,
        };
        let frame = match next {
            Err(_) if pinged => {
                return Ended::Lost(format!(
                    "no answer to a ping within {} s",
                    PONG_WAIT.as_secs()
                ));
            }
            Err(_) => {
                pinged = true;
                if ws.send(Message::Ping(b"frontline".to_vec())).await.is_err() {
                    return Ended::Lost("the connection broke".into());
                }
                continue;
            }
            Ok(None) => return Ended::Lost("the connection closed".into()),
            Ok(Some(Err(e))) => return Ended::Lost(format!("the connection broke ({e})")),
            Ok(Some(Ok(frame))) => frame,
        };
        pinged = false;
        let text = match frame {
            Message::Text(t) => t,
            Message::Close(_) => return Ended::Lost("Slack closed the connection".into()),
            _ => continue,
        };
        let Ok(envelope) = serde_json::from_str::<Value>(&text) else {
            tracing::warn!("Socket Mode: a frame that is not JSON: ignored");
            continue;
        };
        match envelope["type"].as_str().unwrap_or_default() {
            "hello" => {
                link.up.store(true, Ordering::Relaxed);
                *backoff = FIRST_BACKOFF;
                tracing::info!("Slack Socket Mode connected");
                super::super::observe::logs::connected();
            }
            "disconnect" => {
                let _ = ws.close(None).await;
                return Ended::Refresh;
            }
            kind => {
                let Some(id) = envelope["envelope_id"].as_str() else {
                    tracing::debug!("Socket Mode: `{kind}` without an envelope id: ignored");
                    continue;
                };
                let payload = envelope["payload"].clone();
                let ack = match kind {
                    "events_api" => ingress.event(payload),
                    "interactive" => ingress.interactive(payload),
                    "slash_commands" => ingress.command(fields(&payload)),
                    other => Ack::Bad(format!("unknown envelope type `{other}`")),
                };
                let mut reply = json!({ "envelope_id": id });
                match ack {
                    Ack::Json(v) => reply["payload"] = v,
                    Ack::Bad(why) => tracing::warn!("Socket Mode: {why}"),
                    Ack::Empty => {}
                }
                if ws.send(Message::Text(reply.to_string())).await.is_err() {
                    return Ended::Lost("the connection broke while acknowledging".into());
                }
            }
        }
    }
}

/// A slash command's payload (a JSON object of strings) as the form fields the HTTP endpoint gets.
fn fields(payload: &Value) -> std::collections::HashMap<String, String> {
    payload
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}
