//! The mock's gateway: a plain `ws://` WebSocket at /gateway speaking enough of Discord's
//! protocol for serenity: HELLO, IDENTIFY → READY, heartbeat → ACK, then queued dispatches. An
//! IDENTIFY the mock's configuration refuses is closed with Discord's code (4004 authentication
//! failed, 4014 disallowed intents); while the gateway is down, sessions close with 1001.

use std::sync::Arc;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use serenity::all::GatewayIntents;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::events::bot_user;
use super::{GatewayFrame, Identify, Shared};

/// Discord's usual interval; serenity sends its first heartbeat right after HELLO anyway.
const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    // Sessions live in the set, so aborting this task (the mock dropping) closes them all.
    let mut sessions = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // Down: the connection is dropped before the handshake, as an unreachable host would.
        if *shared.gateway_down.borrow() {
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        while sessions.try_join_next().is_some() {}
        sessions.spawn(session(stream, Arc::clone(&shared)));
    }
}

type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let mut uri = String::new();
    #[allow(clippy::result_large_err)] // tungstenite's callback signature
    let check_path = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        uri = req.uri().to_string();
        if req.uri().path() == "/gateway" {
            Ok(resp)
        } else {
            let body = Some("mock Discord: the gateway is at /gateway".to_string());
            Err(http::Response::builder()
                .status(404)
                .body(body)
                .expect("static response"))
        }
    };
    let ws = tokio_tungstenite::accept_hdr_async(stream, check_path).await;
    shared.lock().connections.push(uri);
    shared.bump();
    let Ok(ws) = ws else { return };
    let (mut tx, mut rx) = ws.split();
    let mut down = shared.gateway_down.subscribe();

    let mut seq = 0u64;
    let mut ready = false;
    let hello = json!({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}});
    if send(&shared, &mut tx, hello).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            frame = rx.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                let frame = GatewayFrame { from_client: true, payload: payload.clone() };
                shared.lock().frames.push(frame);
                let answer = match payload["op"].as_u64() {
                    Some(1) => json!({"op": 11}),
                    Some(2) => {
                        record_identify(&shared, &payload["d"]);
                        if let Some((code, reason)) = refusal(&shared, &payload["d"]) {
                            close(&mut tx, code, reason).await;
                            return;
                        }
                        seq += 1;
                        ready = true;
                        // Flush events injected before the client connected.
                        shared.outbox_ready.notify_one();
                        ready_event(&shared, seq, &payload["d"])
                    },
                    // No resuming here: ask for a fresh IDENTIFY.
                    Some(6) => json!({"op": 9, "d": false}),
                    _ => continue,
                };
                if send(&shared, &mut tx, answer).await.is_err() {
                    return;
                }
            },
            // The guard `wait_for` returns is dropped inside: it must not live across an await.
            () = async { let _ = down.wait_for(|d| *d).await; } => {
                close(&mut tx, 1001, "going away").await;
                return;
            },
            () = shared.outbox_ready.notified(), if ready => {
                loop {
                    let next = shared.lock().outbox.pop_front();
                    let Some(event) = next else { break };
                    seq += 1;
                    let frame = json!({"op": 0, "s": seq, "t": event["t"], "d": event["d"]});
                    if send(&shared, &mut tx, frame).await.is_err() {
                        return;
                    }
                }
            },
        }
    }
}

/// Why Discord would close the session at this IDENTIFY, if it would.
fn refusal(shared: &Shared, identify: &Value) -> Option<(u16, &'static str)> {
    let sent = identify["token"].as_str().unwrap_or("");
    let sent = sent.strip_prefix("Bot ").unwrap_or(sent);
    if shared.config.token.as_ref().is_some_and(|t| t != sent) {
        return Some((4004, "Authentication failed."));
    }
    let asked = GatewayIntents::from_bits_retain(identify["intents"].as_u64().unwrap_or(0));
    if !shared.config.privileged_intents && asked.intersects(GatewayIntents::privileged()) {
        return Some((4014, "Disallowed intent(s)."));
    }
    None
}

/// Sends a close frame with `code` and lets the socket go.
async fn close(tx: &mut Sink, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    };
    let _ = tx.send(Message::Close(Some(frame))).await;
    let _ = tx.close().await;
}

async fn send(shared: &Shared, tx: &mut Sink, payload: Value) -> Result<(), ()> {
    let text = payload.to_string();
    shared.lock().frames.push(GatewayFrame {
        from_client: false,
        payload,
    });
    tx.send(Message::Text(text)).await.map_err(|_| ())
}

fn record_identify(shared: &Shared, d: &Value) {
    let shard = d["shard"]
        .as_array()
        .and_then(|s| Some((s.first()?.as_u64()?, s.get(1)?.as_u64()?)));
    let identify = Identify {
        intents: GatewayIntents::from_bits_retain(d["intents"].as_u64().unwrap_or(0)),
        token: d["token"].as_str().unwrap_or("").to_string(),
        shard,
        raw: d.clone(),
    };
    {
        let mut state = shared.lock();
        state.identify = Some(identify);
        state.identifies += 1;
    }
    shared.bump();
}

fn ready_event(shared: &Shared, seq: u64, identify: &Value) -> Value {
    json!({
        "op": 0,
        "s": seq,
        "t": "READY",
        "d": {
            "v": 10,
            "user": bot_user(&shared.config),
            "guilds": [],
            "session_id": format!("mock-session-{}", shared.fresh_id()),
            "resume_gateway_url": shared.gateway_url,
            "shard": identify["shard"],
            "application": {"id": shared.config.application_id.to_string(), "flags": 0},
        },
    })
}
