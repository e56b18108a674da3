//! The Events API endpoints: `POST /slack/events` (JSON), `POST /slack/interactive` (form field
//! `payload`) and `POST /slack/commands` (form). Every request's signature is checked on the raw
//! body before anything is parsed (see [`super::signature`]); a body over 1 MB is refused with 413
//! before it is read in full, a bad or missing signature with 401 and a log line, never a reply.
//! Valid requests are answered at once and the work happens after (Slack wants an answer within
//! 3 s). Slack's retries carry `X-Slack-Retry-Num` and the same `event_id`: the desk's
//! idempotency key (stored with the turn) makes a retried or replayed event count once, also
//! after a restart.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Result;

use crate::platform::observe::http::Listener;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use super::signature::Verifier;
use super::{Ack, Ingress};

/// The largest request body taken.
pub const BODY_LIMIT: usize = 1 << 20;

struct Shared {
    ingress: Arc<Ingress>,
    verifier: Verifier,
}

/// Binds `addr` (a start-up error when it cannot) and serves until stopped.
pub async fn serve(
    ingress: Arc<Ingress>,
    signing_secret: &str,
    addr: SocketAddr,
) -> Result<Listener> {
    let shared = Arc::new(Shared {
        ingress,
        verifier: Verifier::new(signing_secret),
    });
    let app = Router::new()
        .route("/slack/events", post(events))
        .route("/slack/interactive", post(interactive))
        .route("/slack/commands", post(commands))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared);
    crate::platform::observe::http::serve_on_own_thread(app, addr, "[slack] listen").await
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// The signature check every endpoint starts with; `Err` is the response.
fn verified(
    shared: &Shared,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Box<Response>> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    shared
        .verifier
        .verify(
            header(headers, "x-slack-request-timestamp"),
            header(headers, "x-slack-signature"),
            body,
            now,
        )
        .map_err(|why| {
            tracing::warn!("refused a request to {path}: {why}");
            Box::new((StatusCode::UNAUTHORIZED, "invalid signature").into_response())
        })
}

fn answer(path: &str, ack: Ack) -> Response {
    match ack {
        Ack::Empty => StatusCode::OK.into_response(),
        Ack::Json(v) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            v.to_string(),
        )
            .into_response(),
        Ack::Bad(why) => {
            tracing::warn!("refused a request to {path}: {why}");
            (StatusCode::BAD_REQUEST, "not understood").into_response()
        }
    }
}

fn bad(path: &str, why: String) -> Response {
    answer(path, Ack::Bad(why))
}

async fn events(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/slack/events";
    if let Err(r) = verified(&shared, PATH, &headers, &body) {
        return *r;
    }
    if let Some(n) = header(&headers, "x-slack-retry-num") {
        tracing::info!(
            retry = n,
            reason = header(&headers, "x-slack-retry-reason").unwrap_or(""),
            "Slack retried an event"
        );
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(v) => answer(PATH, shared.ingress.event(v)),
        Err(e) => bad(PATH, format!("the body is not JSON ({e})")),
    }
}

async fn interactive(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const PATH: &str = "/slack/interactive";
    if let Err(r) = verified(&shared, PATH, &headers, &body) {
        return *r;
    }
    let form: HashMap<String, String> = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(e) => return bad(PATH, format!("the body is not a form ({e})")),
    };
    let Some(payload) = form.get("payload") else {
        return bad(PATH, "no `payload` field".into());
    };
    match serde_json::from_str::<Value>(payload) {
        Ok(v) => answer(PATH, shared.ingress.interactive(v)),
        Err(e) => bad(PATH, format!("the payload is not JSON ({e})")),
    }
}

async fn commands(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    const PATH: &str = "/slack/commands";
    if let Err(r) = verified(&shared, PATH, &headers, &body) {
        return *r;
    }
    match serde_urlencoded::from_bytes::<HashMap<String, String>>(&body) {
        Ok(f) => answer(PATH, shared.ingress.command(f)),
        Err(e) => bad(PATH, format!("the body is not a form ({e})")),
    }
}
