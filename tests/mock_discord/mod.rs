//! A mock Discord (REST API + WebSocket gateway) on 127.0.0.1 that the real serenity 0.12.5 client
//! talks to, so integration tests can drive the Discord adapter over the wire.
//!
//! # Pointing serenity at the mock
//!
//! ```ignore
//! let mock = MockDiscord::start().await;
//! // REST: the proxy replaces `https://discord.com` in every route, so requests go to
//! // `http://127.0.0.1:PORT/api/v10/...`. Serenity's rate limiter builds its requests *without*
//! // the proxy, so it must be disabled or every call still goes to discord.com.
//! let http = serenity::http::HttpBuilder::new("mock-token")
//!     .proxy(mock.api_base())          // "http://127.0.0.1:PORT", no trailing /api/v10
//!     .ratelimiter_disabled(true)
//!     .build();
//! // `Client::builder(token, intents)` builds its own `Http` without the proxy: use new_with_http.
//! let mut client = serenity::client::ClientBuilder::new_with_http(http, intents)
//!     .event_handler(handler)
//!     .await?;                         // awaits GET /api/v10/gateway on the mock
//! // The mock's GET /gateway answers `ws://127.0.0.1:PORT2/gateway`, so the line below only
//! // matters if that call failed: serenity then silently falls back to wss://gateway.discord.gg.
//! *client.ws_url.lock().await = mock.gateway_url();
//! tokio::spawn(async move { client.start().await });   // serenity appends `?v=10`
//! ```
//!
//! [`MockDiscord::client_builder`] does exactly this (bar the spawn).
//!
//! # What the mock does
//!
//! REST (`api_base()`): every request is recorded ([`Recorded`]: method, path without `/api/v10`,
//! query, JSON body or a multipart `payload_json`, attachment file names, status). Known routes get
//! Discord-shaped answers that serenity 0.12.5 deserializes; anything else gets a 404 with a
//! Discord-style JSON error, so [`MockDiscord::unexpected`] shows calls nobody planned for.
//!
//! Gateway (`gateway_url()`): HELLO, then IDENTIFY is recorded ([`Identify`]) and answered with
//! READY; heartbeats get ACKs. [`MockDiscord::inject`] queues a dispatch (`{"t": .., "d": ..}`);
//! queued events go out after READY with increasing `s`. `inject` first parses the frame with
//! serenity's own `GatewayEvent` and panics if serenity would not deliver it: a known event that
//! misses a required field silently becomes `Event::Unknown`, no handler method sees it and
//! nothing is logged, so the test would just time out. The event constructors in `events.rs` fill
//! in every field 0.12.5 requires (e.g. `attachment_size_limit` on interactions).
//!
//! Behaviour copied from Discord, so adapter bugs show: an interaction takes one callback (a second
//! gets 400 / code 40060) and follow-ups only after it (else 404 / 10015); a reply of type 4 or 5
//! becomes the `@original` message; a thread started from a message has the message's id; a user
//! who DMed the bot gets that same channel from "create DM". GET /channels/{id} of a channel the
//! mock never saw answers a text channel in the default guild (add others with `add_channel`).
//! A message posted with `"enforce_nonce": true` and the nonce of an earlier message in the same
//! channel gets that message back and creates nothing ([`MockDiscord::posts`] still lists the
//! attempt); a second thread on one message is refused with 400 / 160004; an interaction injected
//! again (a redelivery) keeps the answered state it had.
//!
//! Serenity runs each event handler call on its own task: never assume handler order, wait for the
//! recorded effect instead ([`MockDiscord::wait_for`]). Do not use `tokio::time::pause()` with the
//! mock: waits on real sockets would make the paused clock jump and every timeout fire at once.
#![allow(dead_code)] // each test crate uses its own subset

mod events;
mod gateway;
mod rest;

pub use events::{Person, Place, snowflake};

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use serenity::all::GatewayIntents;
use serenity::client::ClientBuilder;
use serenity::http::{Http, HttpBuilder};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// The token [`MockDiscord::http`] and [`MockDiscord::client_builder`] use; the mock accepts any
/// unless [`MockConfig::token`] says otherwise.
pub const MOCK_TOKEN: &str = "mock-token";

/// Identities the mock plays. Ids are distinct so a test that mixes them up fails.
#[derive(Clone, Debug)]
pub struct MockConfig {
    pub bot_user_id: u64,
    pub bot_name: String,
    pub application_id: u64,
    /// The guild of channels the mock has not been told about.
    pub guild_id: u64,
    /// The only bot token accepted, if set: as Discord does, REST requests with another answer
    /// 401 and an IDENTIFY with another is closed with code 4004. `None` accepts any.
    pub token: Option<String>,
    /// Whether the bot may use privileged intents (MESSAGE_CONTENT, GUILD_MEMBERS,
    /// GUILD_PRESENCES): when not, an IDENTIFY asking for one is closed with code 4014, as
    /// Discord does for a bot whose switches are off in the developer portal.
    pub privileged_intents: bool,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            bot_user_id: 100_000_000_000_000_001,
            bot_name: "frontline".into(),
            application_id: 100_000_000_000_000_002,
            guild_id: 100_000_000_000_000_003,
            token: None,
            privileged_intents: true,
        }
    }
}

/// One REST request as the mock saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path without the `/api/v10` prefix, e.g. `/channels/42/messages`.
    pub path: String,
    /// Query string without `?` (serenity sends e.g. `&wait=true`); empty if none.
    pub query: String,
    /// The JSON body, or a multipart request's `payload_json`; `Null` if there was none.
    pub body: Value,
    /// File names of multipart attachments.
    pub files: Vec<String>,
    /// Their bytes, in the same order.
    pub file_bytes: Vec<Vec<u8>>,
    pub authorization: Option<String>,
    /// The status the mock answered with.
    pub status: u16,
}

impl Recorded {
    /// `method` and `path` (without `/api/v10`) match exactly.
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path == path
    }

    /// The message text: `content`, or `data.content` of an interaction callback; "" if none.
    pub fn content(&self) -> &str {
        self.body["content"]
            .as_str()
            .or_else(|| self.body["data"]["content"].as_str())
            .unwrap_or("")
    }

    /// Everything a user would read: content plus embed titles, descriptions, field names and
    /// values, footers, and modal titles and component labels.
    pub fn text(&self) -> String {
        let mut out = Vec::new();
        collect_text(&self.body, &mut out);
        out.join("\n")
    }

    /// Every `custom_id` in the body (buttons, selects, modals); arrays keep their order.
    pub fn custom_ids(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_key(&self.body, "custom_id", &mut out);
        out
    }

    /// The interaction callback type (4 message, 5 deferred, 6 deferred update, 7 update, 9 modal).
    pub fn callback_type(&self) -> Option<u64> {
        self.body["type"].as_u64()
    }

    /// Whether an interaction reply or follow-up asks to be ephemeral (flag 64).
    pub fn ephemeral(&self) -> bool {
        let flags = self.body["flags"]
            .as_u64()
            .or_else(|| self.body["data"]["flags"].as_u64());
        flags.is_some_and(|f| f & 64 != 0)
    }
}

impl fmt::Display for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        write!(f, "{} {}{} -> {}", self.method, self.path, q, self.status)?;
        if !self.body.is_null() {
            write!(f, " {}", self.body)?;
        }
        Ok(())
    }
}

fn collect_text(v: &Value, out: &mut Vec<String>) {
    const TEXT_KEYS: [&str; 7] = [
        "content",
        "title",
        "description",
        "name",
        "value",
        "text",
        "label",
    ];
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                match child {
                    Value::String(s) if TEXT_KEYS.contains(&k.as_str()) => out.push(s.clone()),
                    _ => collect_text(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_text(i, out)),
        _ => {}
    }
}

fn collect_key(v: &Value, key: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                match child {
                    Value::String(s) if k == key => out.push(s.clone()),
                    _ => collect_key(child, key, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_key(i, key, out)),
        _ => {}
    }
}

/// One POST /channels/{id}/messages as the mock handled it.
#[derive(Clone, Debug)]
pub struct Post {
    pub channel: u64,
    /// The request's `nonce`, as a string.
    pub nonce: Option<String>,
    /// The message returned: a new one, or the earlier one with the same enforced nonce.
    pub message: u64,
    /// An earlier message with the same nonce was returned and nothing was created, as Discord
    /// does for `"enforce_nonce": true`.
    pub deduplicated: bool,
}

/// The IDENTIFY the client sent.
#[derive(Clone, Debug)]
pub struct Identify {
    pub intents: GatewayIntents,
    pub token: String,
    /// `[shard_id, shard_count]` if sent.
    pub shard: Option<(u64, u64)>,
    /// The whole `d` object.
    pub raw: Value,
}

/// A gateway frame in either direction, in the order it crossed the socket.
#[derive(Clone, Debug)]
pub struct GatewayFrame {
    pub from_client: bool,
    pub payload: Value,
}

/// [`MockDiscord::wait_for`] gave up; its `Debug` lists what was recorded, for the panic message.
pub struct WaitTimeout {
    pub waited: Duration,
    pub wanted: usize,
    pub matched: usize,
    pub recorded: Vec<Recorded>,
}

impl fmt::Debug for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "mock Discord: {} of {} expected request(s) arrived within {:?}; recorded so far:",
            self.matched, self.wanted, self.waited
        )?;
        if self.recorded.is_empty() {
            writeln!(f, "  (nothing)")?;
        }
        for r in &self.recorded {
            writeln!(f, "  {r}")?;
        }
        Ok(())
    }
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for WaitTimeout {}

/// A running mock; both listeners and every gateway session stop when it is dropped.
pub struct MockDiscord {
    shared: Arc<Shared>,
    rest_task: JoinHandle<()>,
    gateway_task: JoinHandle<()>,
}

/// State shared by the test, the REST handler and gateway sessions.
struct Shared {
    config: MockConfig,
    api_base: String,
    gateway_url: String,
    next_id: AtomicU64,
    /// A std mutex: every critical section is a few map operations and none spans an `.await`.
    state: Mutex<State>,
    /// Bumped after every recorded request or IDENTIFY, so waiters re-check.
    changed: watch::Sender<u64>,
    /// Wakes the live gateway session when an event is queued; `notify_one` keeps a permit if the
    /// session is busy, so no event is left waiting.
    outbox_ready: Notify,
    /// Called with every REST request as it is recorded ([`MockDiscord::observe`]).
    observer: Mutex<Option<Observer>>,
    /// `true` while the gateway is down ([`MockDiscord::gateway_down`]): live sessions are
    /// closed and new connections refused.
    gateway_down: watch::Sender<bool>,
}

/// A callback that sees every REST request (load tests time replies with it).
pub type Observer = Arc<dyn Fn(&Recorded) + Send + Sync>;

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    identify: Option<Identify>,
    frames: Vec<GatewayFrame>,
    connections: Vec<String>,
    /// Dispatches (`{"t", "d"}`) not yet sent.
    outbox: VecDeque<Value>,
    /// Channel objects by id: DMs and threads the mock created, channels seen in injected events,
    /// channels added by the test.
    channels: HashMap<u64, Value>,
    dm_by_user: HashMap<u64, u64>,
    users: HashMap<u64, Value>,
    /// Messages the mock created, by id, as returned to the client (edits applied).
    messages: HashMap<u64, Value>,
    /// The last message the bot posted in each channel (for `button_press`).
    last_bot_message: HashMap<u64, u64>,
    /// Messages created by POST /channels/{id}/messages, per channel, in creation order.
    channel_posts: HashMap<u64, Vec<u64>>,
    /// The message each `(channel, nonce)` created first (for `enforce_nonce`).
    nonces: HashMap<(u64, String), u64>,
    /// Every POST /channels/{id}/messages, including those a nonce answered with an earlier one.
    posts: Vec<Post>,
    /// IDENTIFYs received, over all gateway sessions.
    identifies: usize,
    /// Injected interactions by token.
    interactions: HashMap<String, InteractionInfo>,
    /// Application commands: global under `None`, per guild under `Some(guild)`.
    commands: HashMap<Option<u64>, Vec<Value>>,
}

/// What the REST side needs to know about an injected interaction.
#[derive(Clone, Debug, Default)]
struct InteractionInfo {
    channel_id: u64,
    /// The message a component sits on.
    message_id: Option<u64>,
    /// The interaction got its one callback (Discord refuses a second with 40060).
    acknowledged: bool,
    /// The message `@original` refers to.
    original: Option<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fresh_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}

impl MockDiscord {
    pub async fn start() -> Self {
        Self::start_with(MockConfig::default()).await
    }

    pub async fn start_with(config: MockConfig) -> Self {
        let rest = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind mock REST listener");
        let ws = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind mock gateway listener");
        let rest_addr: SocketAddr = rest.local_addr().expect("REST address");
        let ws_addr: SocketAddr = ws.local_addr().expect("gateway address");
        let shared = Arc::new(Shared {
            config,
            api_base: format!("http://{rest_addr}"),
            gateway_url: format!("ws://{ws_addr}/gateway"),
            next_id: AtomicU64::new(900_000_000_000_000_001),
            state: Mutex::new(State::default()),
            changed: watch::channel(0).0,
            outbox_ready: Notify::new(),
            observer: Mutex::new(None),
            gateway_down: watch::channel(false).0,
        });
        let rest_task = tokio::spawn(rest::serve(rest, Arc::clone(&shared)));
        let gateway_task = tokio::spawn(gateway::serve(ws, Arc::clone(&shared)));
        Self {
            shared,
            rest_task,
            gateway_task,
        }
    }

    /// The value for `HttpBuilder::proxy`: `http://127.0.0.1:PORT`.
    pub fn api_base(&self) -> String {
        self.shared.api_base.clone()
    }

    /// `ws://127.0.0.1:PORT/gateway`, as the mock's GET /gateway also answers.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url.clone()
    }

    pub fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    pub fn bot_user_id(&self) -> u64 {
        self.shared.config.bot_user_id
    }

    pub fn application_id(&self) -> u64 {
        self.shared.config.application_id
    }

    pub fn guild_id(&self) -> u64 {
        self.shared.config.guild_id
    }

    /// A fresh snowflake, distinct from every id the mock hands out.
    pub fn fresh_id(&self) -> u64 {
        self.shared.fresh_id()
    }

    /// Serenity's REST client pointed at the mock (proxy set, rate limiter off). The application
    /// id is unset, as in a real bot before READY.
    pub fn http(&self) -> Http {
        HttpBuilder::new(MOCK_TOKEN)
            .proxy(self.api_base())
            .ratelimiter_disabled(true)
            .build()
    }

    /// A client builder whose REST and gateway both go to the mock. After `.await`ing it, the
    /// client's `ws_url` is the mock's (from GET /gateway); set it again to be certain.
    pub fn client_builder(&self, intents: GatewayIntents) -> ClientBuilder {
        ClientBuilder::new_with_http(self.http(), intents)
    }

    /// Queues a dispatch `{"t": "EVENT_NAME", "d": {...}}` for the gateway session; it is sent
    /// after READY with the next sequence number. Panics if serenity 0.12.5 could not parse it.
    pub fn inject(&self, event: Value) {
        let t = event["t"]
            .as_str()
            .unwrap_or_else(|| panic!("inject: no \"t\" in {event}"));
        if let Some(why) = why_serenity_ignores(t, &event["d"]) {
            panic!(
                "inject: serenity 0.12.5 would drop this {t} event ({why}):\n{:#}",
                event["d"]
            );
        }
        self.inject_unchecked(event);
    }

    /// [`Self::inject`] without the parse check, for testing malformed events.
    pub fn inject_unchecked(&self, event: Value) {
        {
            let mut state = self.shared.lock();
            events::note_event(&mut state, &event);
            state.outbox.push_back(event);
        }
        self.shared.outbox_ready.notify_one();
    }

    /// Every REST request so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// Requests answered 404: no such route in the mock, or an unknown message, user,
    /// interaction token or application id.
    pub fn unexpected(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.status == 404)
            .collect()
    }

    /// The first recorded request (including earlier ones) that satisfies `what`, waiting up to
    /// `timeout` for it. `Err` lists everything recorded, so `.expect("...")` explains a failure.
    pub async fn wait_for(
        &self,
        what: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> Result<Recorded, WaitTimeout> {
        let mut found = self.wait_for_n(what, 1, timeout).await?;
        Ok(found.remove(0))
    }

    /// The first `n` recorded requests that satisfy `what`, waiting up to `timeout` for them.
    pub async fn wait_for_n(
        &self,
        what: impl Fn(&Recorded) -> bool,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Recorded>, WaitTimeout> {
        let mut changed = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let matched: Vec<Recorded> = {
                let state = self.shared.lock();
                state
                    .requests
                    .iter()
                    .filter(|r| what(r))
                    .take(n)
                    .cloned()
                    .collect()
            };
            if matched.len() == n {
                return Ok(matched);
            }
            let woke = tokio::time::timeout_at(deadline, changed.changed()).await;
            if woke.is_err() {
                return Err(WaitTimeout {
                    waited: timeout,
                    wanted: n,
                    matched: matched.len(),
                    recorded: self.requests(),
                });
            }
        }
    }

    /// Takes the gateway down, as in an outage: every live session is closed (close code 1001,
    /// going away, which a client answers by reconnecting) and new connections are dropped before
    /// the WebSocket handshake, until [`MockDiscord::gateway_up`]. REST keeps answering.
    pub fn gateway_down(&self) {
        self.shared.gateway_down.send_replace(true);
    }

    /// Ends [`MockDiscord::gateway_down`]: connections are accepted again.
    pub fn gateway_up(&self) {
        self.shared.gateway_down.send_replace(false);
    }

    /// How many IDENTIFYs arrived, over all gateway sessions (one per client start).
    pub fn identify_count(&self) -> usize {
        self.shared.lock().identifies
    }

    /// The IDENTIFY, if one arrived.
    pub fn identify(&self) -> Option<Identify> {
        self.shared.lock().identify.clone()
    }

    /// Waits (up to 10 s, then panics listing what happened) until the client has identified.
    pub async fn identified(&self) -> Identify {
        let mut changed = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(identify) = self.identify() {
                return identify;
            }
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                let state = self.shared.lock();
                panic!(
                    "mock Discord: no IDENTIFY within 10 s; gateway connections: {:?}; REST: {:?}",
                    state.connections,
                    state
                        .requests
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    /// Gateway frames both ways, in socket order (heartbeats included).
    pub fn gateway_frames(&self) -> Vec<GatewayFrame> {
        self.shared.lock().frames.clone()
    }

    /// The request URI of every gateway connection (serenity adds `?v=10`).
    pub fn gateway_connections(&self) -> Vec<String> {
        self.shared.lock().connections.clone()
    }

    /// Makes GET /channels/{id} (and the event constructors) know a channel; `channel` is a
    /// Discord channel object with at least `id` and `type`.
    pub fn add_channel(&self, channel: Value) {
        let id = snowflake(&channel["id"]);
        self.shared.lock().channels.insert(id, channel);
    }

    /// The DM channel the mock created for `user_id`, if the client asked for one.
    pub fn dm_channel_of(&self, user_id: u64) -> Option<u64> {
        self.shared.lock().dm_by_user.get(&user_id).copied()
    }

    /// A message the mock created (with edits applied), as returned to the client.
    pub fn message(&self, message_id: u64) -> Option<Value> {
        self.shared.lock().messages.get(&message_id).cloned()
    }

    /// Messages created in `channel` by POST /channels/{id}/messages (not interaction answers), in
    /// creation order, edits applied; a post answered by an enforced nonce created nothing.
    pub fn channel_messages(&self, channel: u64) -> Vec<Value> {
        let state = self.shared.lock();
        state
            .channel_posts
            .get(&channel)
            .into_iter()
            .flatten()
            .filter_map(|id| state.messages.get(id).cloned())
            .collect()
    }

    /// The first message created in `channel` by POST /channels/{id}/messages that satisfies
    /// `what` (without copying the others).
    pub fn find_in_channel(&self, channel: u64, what: impl Fn(&Value) -> bool) -> Option<Value> {
        let state = self.shared.lock();
        state
            .channel_posts
            .get(&channel)?
            .iter()
            .filter_map(|id| state.messages.get(id))
            .find(|m| what(m))
            .cloned()
    }

    /// Every POST /channels/{id}/messages so far, oldest first.
    pub fn posts(&self) -> Vec<Post> {
        self.shared.lock().posts.clone()
    }

    /// Calls `f` with every REST request from now on, on the request's own task, right after the
    /// mock answered it and before it is recorded.
    pub fn observe(&self, f: impl Fn(&Recorded) + Send + Sync + 'static) {
        *self
            .shared
            .observer
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(f));
    }

    /// Forgets recorded requests, gateway frames and created messages (a long load run would
    /// otherwise keep them all in memory). Channels, users and commands stay.
    pub fn clear_history(&self) {
        let mut state = self.shared.lock();
        state.requests = Vec::new();
        state.frames = Vec::new();
        state.messages = HashMap::new();
        state.channel_posts = HashMap::new();
        state.nonces = HashMap::new();
        state.posts = Vec::new();
        state.interactions.retain(|_, i| !i.acknowledged);
    }

    /// A message the mock created (edits applied) that satisfies `what`, if any.
    pub fn find_message(&self, what: impl Fn(&Value) -> bool) -> Option<Value> {
        self.shared
            .lock()
            .messages
            .values()
            .find(|m| what(m))
            .cloned()
    }

    /// Application commands as last registered: `None` for global, `Some(guild)` per guild.
    pub fn commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        self.shared
            .lock()
            .commands
            .get(&guild_id)
            .cloned()
            .unwrap_or_default()
    }
}

/// Why serenity would not hand this dispatch to an `EventHandler`, if it would not. A known event
/// with a missing field does not fail to parse: serde falls through to the untagged
/// `Event::Unknown`, which no `EventHandler` method receives and nothing logs.
fn why_serenity_ignores(t: &str, d: &Value) -> Option<String> {
    use serenity::model::event::{Event, GatewayEvent};
    let frame = serde_json::json!({"op": 0, "s": 1, "t": t, "d": d}).to_string();
    match serde_json::from_str::<GatewayEvent>(&frame) {
        Err(e) => Some(e.to_string()),
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => {
            // Re-parse as the payload type to name the field (as serenity reads text frames).
            let d = d.to_string();
            let precise = match t {
                "MESSAGE_CREATE" => serde_json::from_str::<serenity::all::Message>(&d).err(),
                "INTERACTION_CREATE" => {
                    serde_json::from_str::<serenity::all::Interaction>(&d).err()
                }
                "READY" => serde_json::from_str::<serenity::all::Ready>(&d).err(),
                _ => None,
            };
            let why = precise.map_or_else(
                || "a required field is missing or wrong, or the event is new to it".to_string(),
                |e| e.to_string(),
            );
            Some(format!("it parses as Event::Unknown: {why}"))
        }
        Ok(_) => None,
    }
}

impl Drop for MockDiscord {
    fn drop(&mut self) {
        self.rest_task.abort();
        self.gateway_task.abort();
    }
}
