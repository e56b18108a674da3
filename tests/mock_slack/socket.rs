//! The mock's Socket Mode WebSocket at `/socket`: checks the single-use ticket from
//! `apps.connections.open`, says `hello`, then sends what the test queues and records the client's
//! acknowledgements. A silenced connection reads nothing, so pings go unanswered (tungstenite
//! answers them only while reading) and the client sees a half-open socket.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http;

use super::payloads::APP_ID;
use super::{Conn, Shared, SocketAttempt, SocketFrame};

/// How long after a `disconnect` message the mock closes the socket (Slack waits ~10 s; the
/// client should already have opened its next connection).
const CLOSE_AFTER_DISCONNECT: Duration = Duration::from_millis(200);

/// What the test asks of one connection.
pub(super) enum Control {
    Send(Value),
    Disconnect(String),
    Silent,
    Loud,
}

type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;

pub(super) async fn session(stream: TcpStream, shared: Arc<Shared>) {
    let mut uri = String::new();
    let mut refused = None;
    #[allow(clippy::result_large_err)] // tungstenite's callback signature
    let check = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        uri = req.uri().to_string();
        let ticket = req
            .uri()
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "ticket")
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_default();
        let mut state = shared.lock();
        let why = if req.uri().path() != "/socket" {
            Some((404, "no such path"))
        } else if state.refuse_connections {
            Some((503, "refusing connections"))
        } else if let Some(i) = state.tickets.iter().position(|t| *t == ticket) {
            // A ticket opens one connection: a client reconnecting must call
            // apps.connections.open again.
            state.tickets.remove(i);
            None
        } else {
            Some((401, "unknown or used ticket"))
        };
        match why {
            None => Ok(resp),
            Some((status, why)) => {
                refused = Some(why.to_string());
                Err(http::Response::builder()
                    .status(status)
                    .body(Some(format!("mock Slack: {why}")))
                    .expect("static response"))
            }
        }
    };
    let ws = tokio_tungstenite::accept_hdr_async(stream, check).await;
    shared.lock().attempts.push(SocketAttempt {
        uri,
        refused: refused.clone(),
    });
    shared.bump();
    let Ok(ws) = ws else { return };
    let (mut tx, mut rx) = ws.split();

    let (control_tx, mut control) = mpsc::unbounded_channel();
    let (id, live) = {
        let mut state = shared.lock();
        state.opened += 1;
        let id = state.opened;
        state.conns.push(Conn {
            id,
            control: control_tx,
            current: false,
            silent: false,
        });
        (id, state.conns.len())
    };
    let hello = json!({
        "type": "hello",
        "num_connections": live,
        "debug_info": {
            "host": "applink-mock",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": APP_ID},
    });
    if send(&shared, id, &mut tx, hello).await.is_ok() {
        set_current(&shared, id);
        run(&shared, id, &mut tx, &mut rx, &mut control).await;
    }
    shared.lock().conns.retain(|c| c.id != id);
    shared.bump();
}

/// The connection's life after `hello`, until either side closes it.
async fn run(
    shared: &Shared,
    id: u64,
    tx: &mut Sink,
    rx: &mut futures_util::stream::SplitStream<WebSocketStream<TcpStream>>,
    control: &mut mpsc::UnboundedReceiver<Control>,
) {
    let mut silent = false;
    let mut held = VecDeque::new();
    loop {
        if silent {
            // Not reading the socket: no pong, no ack, no notice that the client left.
            match control.recv().await {
                Some(Control::Loud) => {
                    silent = false;
                    while let Some(frame) = held.pop_front() {
                        if send(shared, id, tx, frame).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Control::Send(frame)) => held.push_back(frame),
                Some(Control::Silent) => {}
                Some(Control::Disconnect(_)) | None => return,
            }
            continue;
        }
        tokio::select! {
            frame = rx.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    // Pings are answered by tungstenite itself.
                    Some(Ok(_)) => continue,
                };
                let payload = serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|_| Value::String(text.clone()));
                let mut state = shared.lock();
                if payload["envelope_id"].is_string() {
                    state.acks.push(payload.clone());
                }
                state.frames.push(SocketFrame { connection: id, from_client: true, payload });
                drop(state);
                shared.bump();
            },
            order = control.recv() => match order {
                Some(Control::Send(frame)) => {
                    if send(shared, id, tx, frame).await.is_err() {
                        return;
                    }
                }
                Some(Control::Disconnect(reason)) => {
                    let frame = json!({
                        "type": "disconnect",
                        "reason": reason,
                        "debug_info": {"host": "applink-mock"},
                    });
                    if send(shared, id, tx, frame).await.is_ok() {
                        tokio::time::sleep(CLOSE_AFTER_DISCONNECT).await;
                        let _ = tx.send(Message::Close(None)).await;
                        let _ = tx.close().await;
                    }
                    return;
                }
                Some(Control::Silent) => silent = true,
                Some(Control::Loud) => {}
                None => return,
            },
        }
    }
}

fn set_current(shared: &Shared, id: u64) {
    if let Some(conn) = shared.lock().conns.iter_mut().find(|c| c.id == id) {
        conn.current = true;
    }
    shared.bump();
}

async fn send(shared: &Shared, id: u64, tx: &mut Sink, payload: Value) -> Result<(), ()> {
    let text = payload.to_string();
    shared.lock().frames.push(SocketFrame {
        connection: id,
        from_client: false,
        payload,
    });
    shared.bump();
    tx.send(Message::Text(text)).await.map_err(|_| ())
}
