//! A mock Slack on 127.0.0.1 for the Slack adapter's tests: the Web API (`/api/METHOD`), Socket
//! Mode (`apps.connections.open` and a WebSocket at `/socket` on the same port), and the signed
//! requests Slack sends to an app (`SlackClient`, `sign`, and payload builders in Slack's shapes).
//!
//! # Web API
//!
//! `api_base()` is `http://127.0.0.1:PORT/api/`, the value for `[slack] api_base`. Every call is
//! recorded ([`Call`]); JSON bodies and form bodies are both accepted, as Slack does, and a form
//! field holding JSON text (`blocks`, `view`, `attachments`, `metadata`) is recorded parsed, so a
//! test reads the same [`Call::body`] whichever encoding the adapter chose. Answers follow Slack's
//! documented shapes, errors included: HTTP 200 with `{"ok": false, "error": ..}` (`invalid_auth`
//! for a wrong token, `unknown_method`, `invalid_blocks` for a message that breaks a Block Kit
//! limit, `invalid_arguments` for such a view, as Slack answers `views.*`), and HTTP 429 with
//! `Retry-After` for a method the test rate-limited ([`MockSlack::rate_limit`]). Calls nobody
//! planned for (unknown methods, rejected blocks or views) are listed by [`MockSlack::unexpected`]:
//! a story should end by asserting it is empty, because the adapter may not see these failures.
//!
//! # Socket Mode
//!
//! `apps.connections.open` (app token only) answers a single-use `ws://127.0.0.1:PORT/socket`
//! URL; the WebSocket says `hello` and then carries what the test sends
//! ([`MockSlack::send_envelope`]); the client's acknowledgements are recorded
//! ([`MockSlack::wait_ack`]). [`MockSlack::disconnect`], [`MockSlack::go_silent`] (a half-open
//! socket: nothing sent, pings unanswered) and [`MockSlack::refuse_connections`] exercise the
//! client's reconnection. Each of these acts on the current connection (the newest one still
//! talking), so after them [`MockSlack::socket_ready`] waits for the client's next connection.
//!
//! Do not use `tokio::time::pause()` with the mock: waits on real sockets would make the paused
//! clock jump and every timeout fire at once.
#![allow(dead_code)] // each test crate uses its own subset

mod blocks;
pub mod payloads;
mod signed;
mod socket;
mod web;

pub use blocks::{buttons_of, text_in, text_of};
pub use payloads::*;
pub use signed::{SlackClient, body_text, form, sign, unix_now};

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// The tokens the mock accepts and the identities it plays.
#[derive(Clone, Debug)]
pub struct MockSlackConfig {
    /// The only bot token (`xoxb-…`) the Web API accepts.
    pub bot_token: String,
    /// The only app-level token (`xapp-…`) `apps.connections.open` accepts.
    pub app_token: String,
}

impl Default for MockSlackConfig {
    fn default() -> Self {
        Self {
            bot_token: "xoxb-test".into(),
            app_token: "xapp-test".into(),
        }
    }
}

/// One Web API call (or a POST to a response URL) as the mock saw it.
#[derive(Clone, Debug)]
pub struct Call {
    /// The Web API method (`chat.postMessage`), or `response_url` for a POST to
    /// [`MockSlack::response_url`].
    pub method: String,
    /// The arguments: the JSON body, or a form body as an object of strings with JSON-text
    /// fields (`blocks`, `view`, …) parsed; query parameters are merged in.
    pub body: Value,
    /// The bearer token from `Authorization` (or a form body's `token` field, which Slack also
    /// reads).
    pub token: Option<String>,
    pub content_type: String,
    /// The HTTP status answered: 200, or 429 when rate-limited.
    pub status: u16,
    /// The JSON the mock answered.
    pub response: Value,
    /// Answered 429 by [`MockSlack::rate_limit`].
    pub limited: bool,
    pub at: Instant,
}

impl Call {
    /// `"ok": true` in the answer.
    pub fn ok(&self) -> bool {
        self.response["ok"].as_bool() == Some(true)
    }

    /// Slack's `error` code, if the call failed.
    pub fn error(&self) -> Option<&str> {
        self.response["error"].as_str()
    }

    /// The `channel` argument.
    pub fn channel(&self) -> &str {
        self.body["channel"].as_str().unwrap_or("")
    }

    /// The message ts the mock answered (`ts`, or `message_ts` for an ephemeral message).
    pub fn ts(&self) -> Option<&str> {
        self.response["ts"]
            .as_str()
            .or_else(|| self.response["message_ts"].as_str())
    }

    /// The `thread_ts` argument: the thread this message was posted in.
    pub fn thread_ts(&self) -> Option<&str> {
        self.body["thread_ts"].as_str()
    }

    /// Everything a person would read, see [`text_of`].
    pub fn text(&self) -> String {
        text_of(self)
    }

    /// `(action_id, value, text)` of every button, see [`buttons_of`].
    pub fn buttons(&self) -> Vec<(String, String, String)> {
        buttons_of(self)
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let limited = if self.limited { " (rate-limited)" } else { "" };
        write!(
            f,
            "{} {} -> {}{} {}",
            self.method,
            clip(&self.body.to_string(), 1200),
            self.status,
            limited,
            clip(&self.response.to_string(), 600)
        )
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}…")
}

/// A WebSocket frame in either direction on a Socket Mode connection, in socket order.
#[derive(Clone, Debug)]
pub struct SocketFrame {
    /// Which connection (1 for the first one opened).
    pub connection: u64,
    pub from_client: bool,
    pub payload: Value,
}

/// A WebSocket upgrade the mock saw on `/socket`.
#[derive(Clone, Debug)]
pub struct SocketAttempt {
    pub uri: String,
    /// Why the upgrade was refused, if it was.
    pub refused: Option<String>,
}

/// A wait gave up; its `Debug` lists everything recorded, for the panic message.
pub struct WaitTimeout {
    pub what: String,
    pub waited: Duration,
    pub wanted: usize,
    pub matched: usize,
    pub calls: Vec<Call>,
    pub frames: Vec<SocketFrame>,
}

impl fmt::Debug for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "mock Slack: {} of {} expected {} arrived within {:?}; Web API calls so far:",
            self.matched, self.wanted, self.what, self.waited
        )?;
        if self.calls.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for c in &self.calls {
            writeln!(f, "  {c}")?;
        }
        if !self.frames.is_empty() {
            writeln!(f, "Socket Mode frames:")?;
            for fr in &self.frames {
                let dir = if fr.from_client { "<-" } else { "->" };
                let text = clip(&fr.payload.to_string(), 600);
                writeln!(f, "  #{} {dir} {text}", fr.connection)?;
            }
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

/// State shared by the test, the HTTP handler and Socket Mode sessions.
struct Shared {
    config: MockSlackConfig,
    addr: SocketAddr,
    /// A std mutex: every critical section is a few map operations and none spans an `.await`.
    state: Mutex<State>,
    /// Bumped after everything recorded (calls, frames, connections), so waiters re-check.
    changed: watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    /// Counter behind message timestamps and ids, so they strictly increase.
    serial: u64,
    /// Messages posted through the API by `(channel, ts)`, edits applied, as answered.
    messages: HashMap<(String, String), Value>,
    /// `users.info` answers by user id.
    users: HashMap<String, Value>,
    /// Views opened, updated or published, by view id.
    views: HashMap<String, Value>,
    last_view: Option<String>,
    /// The App Home view published for each user.
    homes: HashMap<String, Value>,
    /// User groups (`usergroups.list`): id → member user ids.
    usergroups: Vec<(String, Vec<String>)>,
    /// Method → (calls still to answer 429, Retry-After seconds).
    rate_limits: HashMap<String, (u32, u64)>,
    /// Method → errors to answer the next calls with, in order.
    failures: HashMap<String, VecDeque<String>>,
    /// Socket Mode tickets issued by `apps.connections.open` and not used yet.
    tickets: Vec<String>,
    refuse_connections: bool,
    conns: Vec<Conn>,
    /// WebSocket connections that got their `hello`.
    opened: u64,
    attempts: Vec<SocketAttempt>,
    frames: Vec<SocketFrame>,
    /// Client frames carrying an `envelope_id`.
    acks: Vec<Value>,
    /// Envelopes sent, by id (for [`MockSlack::resend_envelope`]).
    envelopes: HashMap<String, Value>,
    /// Files asked for by `files.getUploadURLExternal`, by id: (filename, length, bytes
    /// uploaded to the URL).
    uploads: HashMap<String, (String, u64, Option<Vec<u8>>)>,
    /// Files shared by `files.completeUploadExternal`, in order.
    files: Vec<SharedFile>,
}

/// A file the bot uploaded and shared (`files.getUploadURLExternal`, a POST of its bytes to the
/// URL, `files.completeUploadExternal`).
#[derive(Debug, Clone)]
pub struct SharedFile {
    pub id: String,
    pub filename: String,
    pub title: String,
    /// Where it was shared (`channel_id`); empty when shared nowhere (private to the bot).
    pub channel: String,
    pub bytes: Vec<u8>,
}

/// A live Socket Mode connection.
struct Conn {
    id: u64,
    control: mpsc::UnboundedSender<socket::Control>,
    /// Talking: not told to disconnect and not silent. The newest such connection gets envelopes.
    current: bool,
    silent: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}

impl State {
    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// A message timestamp after every earlier one: `1700000000.000100`, `1700000000.000200`, …
    fn next_ts(&mut self) -> String {
        let micros = 1_700_000_000_000_000 + self.next_serial() * 100;
        format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
    }
}

/// A running mock; the listener and every Socket Mode session stop when it is dropped.
pub struct MockSlack {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl MockSlack {
    pub async fn start() -> Self {
        Self::start_with(MockSlackConfig::default()).await
    }

    pub async fn start_with(config: MockSlackConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind mock Slack listener");
        let addr = listener.local_addr().expect("mock Slack address");
        let mut state = State::default();
        state.users.insert(
            BOT_USER.to_string(),
            payloads::user_object(BOT_USER, "frontline", true),
        );
        let shared = Arc::new(Shared {
            config,
            addr,
            state: Mutex::new(state),
            changed: watch::channel(0).0,
        });
        let task = tokio::spawn(serve(listener, Arc::clone(&shared)));
        Self { shared, task }
    }

    /// `http://127.0.0.1:PORT/api/`, the value for `[slack] api_base`.
    pub fn api_base(&self) -> String {
        format!("http://{}/api/", self.shared.addr)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    pub fn config(&self) -> &MockSlackConfig {
        &self.shared.config
    }

    /// Makes `users.info` know a person; `name` serves as name, real name and display name.
    pub fn add_user(&self, id: &str, name: &str) {
        let user = payloads::user_object(id, name, false);
        self.shared.lock().users.insert(id.to_string(), user);
    }

    /// Makes `usergroups.list` answer a user group `id` with these members.
    pub fn add_usergroup(&self, id: &str, members: &[&str]) {
        let members = members.iter().map(|m| m.to_string()).collect();
        self.shared
            .lock()
            .usergroups
            .push((id.to_string(), members));
    }

    /// Records a person's message in a channel (what Slack holds when they post), so
    /// `conversations.replies` reads it back; `thread_ts` puts it in a thread. Returns its ts.
    pub fn user_posted(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> String {
        let mut state = self.shared.lock();
        let ts = state.next_ts();
        let mut message = serde_json::json!({
            "type": "message", "user": user, "text": text, "ts": ts, "team": payloads::TEAM_ID,
        });
        if let Some(t) = thread_ts {
            message["thread_ts"] = serde_json::json!(t);
        }
        state
            .messages
            .insert((web::resolve_channel(channel), ts.clone()), message);
        ts
    }

    /// A message timestamp after every one the mock handed out so far, for events the test
    /// makes up (a user's message), so timestamps in a story stay distinct and ordered.
    pub fn fresh_ts(&self) -> String {
        self.shared.lock().next_ts()
    }

    /// The DM channel id the mock gives the bot's conversation with `user` (`U123` → `D123`),
    /// as `conversations.open` answers.
    pub fn dm_channel_of(&self, user: &str) -> String {
        web::dm_channel(user)
    }

    /// A fresh response URL on the mock; POSTs to it are recorded as calls to `response_url`.
    pub fn response_url(&self) -> String {
        let n = self.shared.lock().next_serial();
        format!("http://{}/response/{n}", self.shared.addr)
    }

    /// Files the bot uploaded and shared, oldest first.
    pub fn files(&self) -> Vec<SharedFile> {
        self.shared.lock().files.clone()
    }

    // ---- recorded calls ----

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Every call to `method`, oldest first.
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.filtered(|c| c.method == method)
    }

    /// Calls nobody planned for: unknown methods, and messages or views Slack would reject for
    /// their blocks (`invalid_blocks`, `invalid_arguments`).
    pub fn unexpected(&self) -> Vec<Call> {
        self.filtered(|c| {
            matches!(
                c.error(),
                Some("unknown_method" | "invalid_blocks" | "invalid_arguments")
            )
        })
    }

    /// Every call answered `"ok": false` (rate-limited ones included).
    pub fn errors(&self) -> Vec<Call> {
        self.filtered(|c| !c.ok())
    }

    fn filtered(&self, what: impl Fn(&Call) -> bool) -> Vec<Call> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|c| what(c))
            .cloned()
            .collect()
    }

    /// The first recorded call (including earlier ones) that satisfies `what`, waiting up to
    /// `timeout` for it. `Err` lists everything recorded, so `.expect("...")` explains a failure.
    pub async fn wait_for(
        &self,
        what: impl Fn(&Call) -> bool,
        timeout: Duration,
    ) -> Result<Call, WaitTimeout> {
        let mut found = self.wait_for_n(what, 1, timeout).await?;
        Ok(found.remove(0))
    }

    /// The first `n` recorded calls that satisfy `what`, waiting up to `timeout` for them.
    pub async fn wait_for_n(
        &self,
        what: impl Fn(&Call) -> bool,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Call>, WaitTimeout> {
        let mut matched = Vec::new();
        let found = self
            .wait_until(timeout, || {
                matched = self.filtered(&what).into_iter().take(n).collect();
                matched.len() == n
            })
            .await;
        if found {
            Ok(matched)
        } else {
            Err(self.timeout("Web API call(s)", timeout, n, matched.len()))
        }
    }

    /// Re-checks `done` whenever something is recorded, until it holds or `timeout` passes.
    async fn wait_until(&self, timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
        let mut changed = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if done() {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                return done();
            }
        }
    }

    fn timeout(&self, what: &str, waited: Duration, wanted: usize, matched: usize) -> WaitTimeout {
        let state = self.shared.lock();
        WaitTimeout {
            what: what.to_string(),
            waited,
            wanted,
            matched,
            calls: state.calls.clone(),
            frames: state.frames.clone(),
        }
    }

    /// Forgets recorded calls, frames and acks (a load run would otherwise keep them all).
    /// Messages, views, users and connections stay.
    pub fn clear_history(&self) {
        let mut state = self.shared.lock();
        state.calls = Vec::new();
        state.frames = Vec::new();
        state.acks = Vec::new();
    }

    // ---- behaviour ----

    /// The next `times` calls to `method` answer HTTP 429 with `Retry-After: retry_after_secs`
    /// and `{"ok": false, "error": "ratelimited"}`, as Slack does; they are recorded `limited`.
    pub fn rate_limit(&self, method: &str, times: u32, retry_after_secs: u64) {
        self.shared
            .lock()
            .rate_limits
            .insert(method.to_string(), (times, retry_after_secs));
    }

    /// The next call to `method` answers `{"ok": false, "error": error}` (e.g. `not_in_channel`,
    /// `expired_trigger_id`); several calls queue up in order.
    pub fn fail_next(&self, method: &str, error: &str) {
        self.shared
            .lock()
            .failures
            .entry(method.to_string())
            .or_default()
            .push_back(error.to_string());
    }

    // ---- what people see ----

    /// Successful `chat.postMessage` calls to `channel` (thread replies included), oldest first.
    /// A post to a user id counts for that user's DM channel, where Slack puts it.
    pub fn posted(&self, channel: &str) -> Vec<Call> {
        self.filtered(|c| {
            c.method == "chat.postMessage"
                && c.ok()
                && (c.channel() == channel || c.response["channel"].as_str() == Some(channel))
        })
    }

    /// Waits up to `timeout` for a successful post in `channel` whose text ([`text_of`])
    /// contains `needle`, and returns the first such post (earlier ones included).
    pub async fn wait_post(
        &self,
        channel: &str,
        needle: &str,
        timeout: Duration,
    ) -> Result<Call, WaitTimeout> {
        let channel = channel.to_string();
        let found = self
            .wait_for(
                |c| {
                    c.method == "chat.postMessage"
                        && c.ok()
                        && (c.channel() == channel
                            || c.response["channel"].as_str() == Some(&channel))
                        && c.text().contains(needle)
                },
                timeout,
            )
            .await;
        found.map_err(|mut e| {
            e.what = format!("post in {channel} containing {needle:?}");
            e
        })
    }

    /// A message posted through the API, with `chat.update` edits applied, as Slack holds it.
    pub fn message(&self, channel: &str, ts: &str) -> Option<Value> {
        let key = (web::resolve_channel(channel), ts.to_string());
        self.shared.lock().messages.get(&key).cloned()
    }

    /// The last view opened, updated or pushed (not App Home views), as the mock holds it (with
    /// its `id`).
    pub fn last_view(&self) -> Option<Value> {
        let state = self.shared.lock();
        state
            .last_view
            .as_ref()
            .and_then(|id| state.views.get(id))
            .cloned()
    }

    /// A view by id, as the mock holds it.
    pub fn view(&self, id: &str) -> Option<Value> {
        self.shared.lock().views.get(id).cloned()
    }

    /// The App Home view last published for `user` (`views.publish`).
    pub fn home_of(&self, user: &str) -> Option<Value> {
        self.shared.lock().homes.get(user).cloned()
    }

    /// A `block_actions` payload for `user` pressing the button `action_id` on the message
    /// `(channel, ts)` the bot posted: the button's value and block id, the message as Slack
    /// holds it (thread included) and a fresh trigger id. Panics, listing the buttons there are,
    /// if the message has no such button, so a story cannot press a button nobody drew.
    pub fn press_button(&self, user: &str, channel: &str, ts: &str, action_id: &str) -> Value {
        let message = self
            .message(channel, ts)
            .unwrap_or_else(|| panic!("press_button: the bot posted no message {ts} in {channel}"));
        let (block_id, button) =
            blocks::find_button(&message["blocks"], action_id).unwrap_or_else(|| {
                panic!(
                    "press_button: no button {action_id:?} on message {ts} in {channel}; \
                     buttons: {:?}",
                    blocks::buttons_in(&message["blocks"])
                )
            });
        let trigger = self.fresh_trigger();
        let mut payload = payloads::block_action(
            user,
            &web::resolve_channel(channel),
            ts,
            action_id,
            button["value"].as_str().unwrap_or(""),
            &trigger,
            &self.response_url(),
        );
        payload["message"] = message;
        payload["actions"][0]["block_id"] = json!(block_id);
        payload["actions"][0]["text"] = button["text"].clone();
        payload
    }

    /// A `view_submission` payload for `user` submitting the view `view_id` the bot opened,
    /// with its callback id and private metadata, and `values` as `(block_id, action_id,
    /// value)` typed into its inputs. Panics if the bot never opened that view.
    pub fn submit_view(&self, user: &str, view_id: &str, values: &[(&str, &str, &str)]) -> Value {
        let view = self
            .view(view_id)
            .unwrap_or_else(|| panic!("submit_view: the bot opened no view {view_id}"));
        let mut payload = payloads::view_submission(
            user,
            view_id,
            view["callback_id"].as_str().unwrap_or(""),
            view["private_metadata"].as_str().unwrap_or(""),
            values,
        );
        let state = payload["view"]["state"].take();
        payload["view"] = view;
        payload["view"]["state"] = state;
        payload
    }

    /// A trigger id as Slack puts in interaction payloads.
    pub fn fresh_trigger(&self) -> String {
        let n = self.shared.lock().next_serial();
        format!("{n}.4700000000.mocktrigger{n:06}")
    }

    // ---- Socket Mode ----

    /// WebSocket connections opened so far (each got its `hello`).
    pub fn socket_connections(&self) -> usize {
        self.shared.lock().opened as usize
    }

    /// Calls to `apps.connections.open` so far, failed and rate-limited ones included.
    pub fn connections_open_calls(&self) -> usize {
        self.calls_to("apps.connections.open").len()
    }

    /// Every WebSocket upgrade on `/socket`, refused ones included.
    pub fn socket_attempts(&self) -> Vec<SocketAttempt> {
        self.shared.lock().attempts.clone()
    }

    /// Every Socket Mode frame both ways (pings aside), in socket order.
    pub fn socket_frames(&self) -> Vec<SocketFrame> {
        self.shared.lock().frames.clone()
    }

    /// Waits (up to 10 s, then panics listing what happened) for a connected client: a
    /// connection that got its `hello` and was not since told to disconnect or silenced.
    pub async fn socket_ready(&self) {
        let ready = self
            .wait_until(Duration::from_secs(10), || {
                self.shared.lock().conns.iter().any(|c| c.current)
            })
            .await;
        if !ready {
            panic!(
                "{:?}\nWebSocket attempts: {:?}",
                self.timeout("Socket Mode connection", Duration::from_secs(10), 1, 0),
                self.socket_attempts()
            );
        }
    }

    /// Sends an envelope of type `kind` (`events_api`, `interactive`, `slash_commands`) carrying
    /// `payload` to the connected client (waiting for one as [`Self::socket_ready`] does), and
    /// returns its envelope id. `accepts_response_payload` is true where Slack sets it: slash
    /// commands, view submissions and block suggestions.
    pub async fn send_envelope(&self, kind: &str, payload: Value) -> String {
        let accepts = kind == "slash_commands"
            || (kind == "interactive"
                && matches!(
                    payload["type"].as_str(),
                    Some("view_submission" | "block_suggestion")
                ));
        let id = {
            let n = self.shared.lock().next_serial();
            format!("00000000-0000-4000-8000-{n:012x}")
        };
        let envelope = json!({
            "envelope_id": id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts,
            "retry_attempt": 0,
            "retry_reason": "",
        });
        self.shared
            .lock()
            .envelopes
            .insert(id.clone(), envelope.clone());
        self.send_raw(envelope).await;
        id
    }

    /// Sends an envelope again as Slack does when no ack came in time: same envelope id,
    /// `retry_attempt` one higher, `retry_reason: "timeout"`.
    pub async fn resend_envelope(&self, envelope_id: &str) {
        let envelope = {
            let mut state = self.shared.lock();
            let envelope = state
                .envelopes
                .get_mut(envelope_id)
                .unwrap_or_else(|| panic!("resend_envelope: no envelope {envelope_id} was sent"));
            let attempt = envelope["retry_attempt"].as_u64().unwrap_or(0) + 1;
            envelope["retry_attempt"] = json!(attempt);
            envelope["retry_reason"] = json!("timeout");
            envelope.clone()
        };
        self.send_raw(envelope).await;
    }

    /// Sends any JSON frame to the connected client (waiting for one), e.g. a malformed
    /// envelope.
    pub async fn send_raw(&self, frame: Value) {
        self.socket_ready().await;
        let state = self.shared.lock();
        let conn = state
            .conns
            .iter()
            .rev()
            .find(|c| c.current)
            .expect("a current connection after socket_ready");
        let _ = conn.control.send(socket::Control::Send(frame));
    }

    /// Waits up to `timeout` for the client's acknowledgement of `envelope_id`, and returns it
    /// (`{"envelope_id": .., "payload"?: ..}`).
    pub async fn wait_ack(
        &self,
        envelope_id: &str,
        timeout: Duration,
    ) -> Result<Value, WaitTimeout> {
        let mut ack = None;
        let found = self
            .wait_until(timeout, || {
                ack = self
                    .shared
                    .lock()
                    .acks
                    .iter()
                    .find(|a| a["envelope_id"].as_str() == Some(envelope_id))
                    .cloned();
                ack.is_some()
            })
            .await;
        match ack {
            Some(ack) if found => Ok(ack),
            _ => Err(self.timeout(&format!("ack of envelope {envelope_id}"), timeout, 1, 0)),
        }
    }

    /// Every acknowledgement the client sent, oldest first.
    pub fn acks(&self) -> Vec<Value> {
        self.shared.lock().acks.clone()
    }

    /// Tells the current connection `{"type": "disconnect", "reason": reason}` (Slack sends
    /// `refresh_requested`, `warning`, `link_disabled`) and closes it a moment later.
    pub fn disconnect(&self, reason: &str) {
        self.control_current(socket::Control::Disconnect(reason.to_string()), false);
    }

    /// Makes the current connection half-open: it stays up, sends nothing (envelopes wait) and
    /// answers no ping, so only a read timeout tells the client. Later connections talk.
    pub fn go_silent(&self) {
        self.control_current(socket::Control::Silent, true);
    }

    /// Silenced connections that are still open talk again, sending what waited.
    pub fn go_loud(&self) {
        let mut state = self.shared.lock();
        for conn in state.conns.iter_mut().filter(|c| c.silent) {
            conn.silent = false;
            conn.current = true;
            let _ = conn.control.send(socket::Control::Loud);
        }
        drop(state);
        self.shared.bump();
    }

    /// While `true`, `apps.connections.open` still answers ok but the WebSocket upgrade is
    /// refused (HTTP 503), as during a Slack outage.
    pub fn refuse_connections(&self, refuse: bool) {
        self.shared.lock().refuse_connections = refuse;
    }

    fn control_current(&self, control: socket::Control, silent: bool) {
        let mut state = self.shared.lock();
        let conn = state
            .conns
            .iter_mut()
            .rev()
            .find(|c| c.current)
            .expect("mock Slack: no Socket Mode connection is open");
        conn.current = false;
        conn.silent = silent;
        let _ = conn.control.send(control);
    }
}

impl Drop for MockSlack {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Accepts connections and routes each by its first bytes: a `GET /socket` upgrade to a Socket
/// Mode session, anything else to the Web API (axum without its `ws` feature, which the lib does
/// not need; routing here keeps one port for both, as `apps.connections.open` answers).
async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let (http_tx, http_rx) = mpsc::channel(64);
    let app = web::router(Arc::clone(&shared));
    let handed = Handed {
        rx: http_rx,
        addr: shared.addr,
    };
    // Tasks live in the set, so aborting this task (the mock dropping) ends them all.
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(async move {
        let _ = axum::serve(handed, app).await;
    });
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // Answer without Nagle's delay, as Slack's edge does: on loopback a small write otherwise
        // waits for the peer's delayed ACK.
        let _ = stream.set_nodelay(true);
        while tasks.try_join_next().is_some() {}
        let http_tx = http_tx.clone();
        let shared = Arc::clone(&shared);
        tasks.spawn(async move {
            if is_socket_request(&stream).await {
                socket::session(stream, shared).await;
            } else {
                let _ = http_tx.send(stream).await;
            }
        });
    }
}

/// Whether the connection's request line starts `GET /socket`, peeking without consuming.
async fn is_socket_request(stream: &TcpStream) -> bool {
    const PREFIX: &[u8] = b"GET /socket";
    let mut buf = [0u8; 16];
    for _ in 0..400 {
        match stream.peek(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) if n >= PREFIX.len() => return buf.starts_with(PREFIX),
            Ok(n) if !PREFIX.starts_with(&buf[..n]) => return false,
            // A request line cut short: wait for the rest.
            Ok(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    false
}

/// The HTTP connections [`serve`] hands to axum.
struct Handed {
    rx: mpsc::Receiver<TcpStream>,
    addr: SocketAddr,
}

impl axum::serve::Listener for Handed {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match self.rx.recv().await {
                Some(stream) => {
                    let peer = stream.peer_addr().unwrap_or(self.addr);
                    return (stream, peer);
                }
                None => std::future::pending::<()>().await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.addr)
    }
}
