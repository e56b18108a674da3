//! The mock's REST side: records every request, answers the routes serenity's Discord adapter
//! uses with objects serenity 0.12.5 parses, and answers anything else 404 in Discord's format.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serenity::model::application::Command;
use serenity::model::channel::{Channel, Message};
use tokio::net::TcpListener;

use super::events::{bot_user, now};
use super::{Recorded, Shared, State};

pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    use axum::serve::ListenerExt;
    let app = Router::new().fallback(handle).with_state(shared);
    // Like Discord's edge, answer without Nagle's delay: on loopback a small write otherwise waits
    // for the peer's delayed ACK (~40 ms) and the bot's latency would be the mock's.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    // Ends only when the mock drops (the task is aborted) or the socket fails.
    let _ = axum::serve(listener, app).await;
}

enum Reply {
    Json(u16, Value),
    Empty(u16),
}

impl Reply {
    fn status(&self) -> u16 {
        match self {
            Reply::Json(s, _) | Reply::Empty(s) => *s,
        }
    }
}

fn ok(v: Value) -> Reply {
    Reply::Json(200, v)
}

/// Discord's error body: `{"code": .., "message": ..}` (serenity reads it into `DiscordJsonError`).
fn error(status: u16, code: u32, message: &str) -> Reply {
    Reply::Json(status, json!({"code": code, "message": message}))
}

async fn handle(
    AxState(shared): AxState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (body, files, file_bytes) = parse_body(&headers, &body);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let rejected = shared
        .config
        .token
        .as_ref()
        .is_some_and(|t| authorization.as_deref() != Some(format!("Bot {t}").as_str()));
    let (path, reply) = match uri.path().strip_prefix("/api/v10") {
        // Discord's answer to a bad token, on every route.
        Some(path) if rejected => (path.to_string(), error(401, 0, "401: Unauthorized")),
        Some(path) => (
            path.to_string(),
            route(&shared, method.as_str(), path, &body),
        ),
        None => (
            uri.path().to_string(),
            error(404, 0, "404: Not Found (mock: no /api/v10 prefix)"),
        ),
    };
    let recorded = Recorded {
        method: method.as_str().to_string(),
        path,
        query: uri.query().unwrap_or("").to_string(),
        body,
        files,
        file_bytes,
        authorization,
        status: reply.status(),
    };
    let observer = shared
        .observer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if let Some(observe) = observer {
        observe(&recorded);
    }
    shared.lock().requests.push(recorded);
    shared.bump();
    match reply {
        Reply::Json(status, v) => (code(status), axum::Json(v)).into_response(),
        Reply::Empty(status) => code(status).into_response(),
    }
}

fn code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A JSON body, or the `payload_json` part and the files (names and bytes) of a multipart one.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> (Value, Vec<String>, Vec<Vec<u8>>) {
    if body.is_empty() {
        return (Value::Null, Vec::new(), Vec::new());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = content_type
        .strip_prefix("multipart/")
        .and_then(|rest| rest.split("boundary=").nth(1))
        .map(|b| {
            b.split(';')
                .next()
                .unwrap_or("")
                .trim_matches('"')
                .to_string()
        })
    else {
        let v = serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
        return (v, Vec::new(), Vec::new());
    };
    // Parts are separated by `--boundary` lines; a part's headers end at a blank line and its
    // content (binary for files) ends with the CRLF before the next boundary.
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut framed = b"\r\n".to_vec();
    framed.extend_from_slice(body);
    let mut payload = Value::Null;
    let (mut files, mut bytes) = (Vec::new(), Vec::new());
    for part in split_bytes(&framed, &delimiter).into_iter().skip(1) {
        let Some(blank) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..blank]);
        let content = &part[blank + 4..];
        if let Some(rest) = head.split("filename=\"").nth(1) {
            files.push(rest.split('"').next().unwrap_or("").to_string());
            bytes.push(content.to_vec());
        } else if head.contains("name=\"payload_json\"") {
            payload = serde_json::from_slice(content).unwrap_or(Value::Null);
        }
    }
    (payload, files, bytes)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `hay` split at every `delimiter`.
fn split_bytes<'a>(hay: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = vec![];
    let mut rest = hay;
    while let Some(i) = find(rest, delimiter) {
        parts.push(&rest[..i]);
        rest = &rest[i + delimiter.len()..];
    }
    parts.push(rest);
    parts
}

fn id(s: &str) -> Option<u64> {
    s.parse().ok().filter(|&n| n != 0)
}

fn route(shared: &Shared, method: &str, path: &str, body: &Value) -> Reply {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let app = shared.config.application_id.to_string();
    let mut st = shared.lock();
    let st = &mut *st;
    match (method, segs.as_slice()) {
        ("GET", ["gateway"]) => ok(json!({"url": shared.gateway_url})),
        ("GET", ["gateway", "bot"]) => ok(json!({
            "url": shared.gateway_url,
            "shards": 1,
            "session_start_limit":
                {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        })),
        ("GET", ["users", "@me"]) => ok(bot_user(&shared.config)),
        ("GET", ["users", user]) => match id(user).and_then(|u| st.users.get(&u)) {
            Some(u) => ok(u.clone()),
            None => error(404, 10013, "Unknown User"),
        },
        ("POST", ["users", "@me", "channels"]) => create_dm(shared, st, body),
        ("GET", ["channels", ch]) => match id(ch) {
            Some(ch) => ok(channel(shared, st, ch)),
            None => error(404, 10003, "Unknown Channel"),
        },
        ("POST", ["channels", ch, "messages"]) => match id(ch) {
            Some(ch) => ok(post_message(shared, st, ch, body)),
            None => error(404, 10003, "Unknown Channel"),
        },
        ("GET", ["channels", _, "messages", mid]) => {
            match id(mid).and_then(|m| st.messages.get(&m)) {
                Some(m) => ok(m.clone()),
                None => error(404, 10008, "Unknown Message"),
            }
        }
        ("PATCH", ["channels", ch, "messages", mid]) => match (id(ch), id(mid)) {
            (Some(ch), Some(mid)) => ok(edit_message(shared, st, ch, mid, body)),
            _ => error(404, 10008, "Unknown Message"),
        },
        ("DELETE", ["channels", _, "messages", _]) | ("POST", ["channels", _, "typing"]) => {
            Reply::Empty(204)
        }
        ("POST", ["channels", ch, "messages", mid, "threads"]) => match (id(ch), id(mid)) {
            // A message has at most one thread.
            (Some(_), Some(mid))
                if st
                    .channels
                    .get(&mid)
                    .is_some_and(|c| c["parent_id"].is_string()) =>
            {
                error(
                    400,
                    160004,
                    "A thread has already been created for this message",
                )
            }
            // Discord gives a thread started from a message the message's id.
            (Some(ch), Some(mid)) => ok(new_thread(shared, st, ch, mid, body)),
            _ => error(404, 10008, "Unknown Message"),
        },
        ("POST", ["channels", ch, "threads"]) => match id(ch) {
            Some(ch) => {
                let thread = shared.fresh_id();
                ok(new_thread(shared, st, ch, thread, body))
            }
            None => error(404, 10003, "Unknown Channel"),
        },
        ("PUT", ["channels", _, "thread-members", _]) => Reply::Empty(204),
        ("POST", ["interactions", _, token, "callback"]) => callback(shared, st, token, body),
        ("GET" | "PATCH" | "POST", ["webhooks", a, token, "messages", "@original"])
            if *a == app =>
        {
            original(shared, st, method, token, body)
        }
        ("POST", ["webhooks", a, token]) if *a == app => followup(shared, st, token, body),
        ("PATCH", ["webhooks", a, token, "messages", mid]) if *a == app => {
            match (st.interactions.get(*token).map(|i| i.channel_id), id(mid)) {
                (Some(ch), Some(mid)) if st.messages.contains_key(&mid) => {
                    ok(edit_message(shared, st, ch, mid, body))
                }
                _ => error(404, 10008, "Unknown Message"),
            }
        }
        ("PUT", ["applications", a, "commands"]) if *a == app => {
            put_commands(shared, st, None, body)
        }
        ("PUT", ["applications", a, "guilds", g, "commands"]) if *a == app => match id(g) {
            Some(g) => put_commands(shared, st, Some(g), body),
            None => error(404, 10004, "Unknown Guild"),
        },
        ("POST", ["applications", a, "commands"]) if *a == app => {
            let mut all = st.commands.get(&None).cloned().unwrap_or_default();
            all.retain(|c| c["name"] != body["name"]);
            all.push(body.clone());
            match put_commands(shared, st, None, &Value::Array(all)) {
                Reply::Json(_, Value::Array(cmds)) => ok(cmds
                    .into_iter()
                    .find(|c| c["name"] == body["name"])
                    .unwrap_or_default()),
                other => other,
            }
        }
        ("GET", ["applications", a, "commands"]) if *a == app => ok(Value::Array(
            st.commands.get(&None).cloned().unwrap_or_default(),
        )),
        ("GET", ["applications", a, "guilds", g, "commands"]) if *a == app => ok(Value::Array(
            st.commands.get(&id(g)).cloned().unwrap_or_default(),
        )),
        (_, ["applications", ..] | ["webhooks", ..]) => error(404, 10002, "Unknown Application"),
        _ => error(404, 0, "404: Not Found (mock Discord has no such route)"),
    }
}

/// `v` if it parses as `T`; otherwise logs why and returns `fallback(v)`, so one odd field in a
/// request does not turn into a serde error inside the code under test.
fn fit<T: DeserializeOwned>(v: Value, fallback: impl FnOnce(&mut Value)) -> Value {
    let Err(e) = serde_json::from_value::<T>(v.clone()) else {
        return v;
    };
    eprintln!(
        "mock Discord: answer is not a valid {} ({e}); simplifying it",
        std::any::type_name::<T>()
    );
    let mut v = v;
    fallback(&mut v);
    v
}

fn user_json(st: &State, user: u64) -> Value {
    st.users.get(&user).cloned().unwrap_or_else(|| {
        let name = format!("user-{user}");
        json!({"id": user.to_string(), "username": name, "discriminator": "0"})
    })
}

fn create_dm(shared: &Shared, st: &mut State, body: &Value) -> Reply {
    let recipient = match &body["recipient_id"] {
        Value::String(s) => id(s),
        v => v.as_u64(),
    };
    let Some(recipient) = recipient else {
        return error(400, 50035, "Invalid Form Body");
    };
    let channel_id = *st
        .dm_by_user
        .entry(recipient)
        .or_insert_with(|| shared.fresh_id());
    let dm = json!({
        "id": channel_id.to_string(),
        "type": 1,
        "last_message_id": null,
        "recipients": [user_json(st, recipient)],
    });
    st.channels.insert(channel_id, dm.clone());
    ok(dm)
}

/// A known channel, or a text channel in the default guild.
fn channel(shared: &Shared, st: &State, ch: u64) -> Value {
    st.channels.get(&ch).cloned().unwrap_or_else(|| {
        json!({
            "id": ch.to_string(),
            "type": 0,
            "guild_id": shared.config.guild_id.to_string(),
            "name": format!("channel-{ch}"),
            "position": 0,
            "permission_overwrites": [],
            "nsfw": false,
            "topic": null,
            "last_message_id": null,
            "parent_id": null,
            "rate_limit_per_user": 0,
        })
    })
}

fn guild_of(shared: &Shared, st: &State, ch: u64) -> Option<String> {
    match st.channels.get(&ch) {
        Some(c) if c["type"] == 1 => None,
        Some(c) => c["guild_id"].as_str().map(str::to_string),
        None => Some(shared.config.guild_id.to_string()),
    }
}

/// A nonce as Discord reads it: a string or an integer.
fn nonce_of(body: &Value) -> Option<String> {
    match &body["nonce"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// POST /channels/{id}/messages. With `"enforce_nonce": true` and the nonce of a message created
/// earlier in the channel, Discord returns that message and creates nothing (for a few minutes;
/// the mock for ever), so a client that sends again after a crash shows the message once.
fn post_message(shared: &Shared, st: &mut State, ch: u64, body: &Value) -> Value {
    let nonce = nonce_of(body);
    if body["enforce_nonce"].as_bool() == Some(true)
        && let Some(n) = &nonce
        && let Some(&mid) = st.nonces.get(&(ch, n.clone()))
        && let Some(earlier) = st.messages.get(&mid).cloned()
    {
        st.posts.push(super::Post {
            channel: ch,
            nonce,
            message: mid,
            deduplicated: true,
        });
        return earlier;
    }
    let msg = new_message(shared, st, ch, body, false);
    let mid = snowflake_of(&msg);
    if let Some(n) = &nonce {
        st.nonces.entry((ch, n.clone())).or_insert(mid);
    }
    st.channel_posts.entry(ch).or_default().push(mid);
    st.posts.push(super::Post {
        channel: ch,
        nonce,
        message: mid,
        deduplicated: false,
    });
    msg
}

fn new_message(shared: &Shared, st: &mut State, ch: u64, body: &Value, webhook: bool) -> Value {
    let id = shared.fresh_id();
    let mut msg = json!({
        "id": id.to_string(),
        "channel_id": ch.to_string(),
        "author": bot_user(&shared.config),
        "content": body["content"].as_str().unwrap_or(""),
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": body["tts"].as_bool().unwrap_or(false),
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": body.get("embeds").cloned().unwrap_or_else(|| json!([])),
        "components": body.get("components").cloned().unwrap_or_else(|| json!([])),
        "pinned": false,
        "type": 0,
        "flags": body["flags"].as_u64().unwrap_or(0),
    });
    if let Some(attachments) = body["attachments"].as_array() {
        msg["attachments"] = attachments
            .iter()
            .map(|a| {
                let name = a["filename"].as_str().unwrap_or("file");
                json!({
                    "id": shared.fresh_id().to_string(),
                    "filename": name,
                    "size": 0,
                    "url": format!("http://127.0.0.1/attachments/{ch}/{name}"),
                    "proxy_url": format!("http://127.0.0.1/attachments/{ch}/{name}"),
                })
            })
            .collect();
    }
    if let Some(nonce) = nonce_of(body) {
        msg["nonce"] = json!(nonce);
    }
    if let Some(reference) = body.get("message_reference") {
        msg["message_reference"] = reference.clone();
        msg["type"] = json!(19);
    }
    if webhook {
        msg["webhook_id"] = json!(shared.config.application_id.to_string());
        msg["application_id"] = json!(shared.config.application_id.to_string());
    }
    let msg = fit::<Message>(msg, simplify_message);
    st.messages.insert(id, msg.clone());
    st.last_bot_message.insert(ch, id);
    msg
}

fn simplify_message(m: &mut Value) {
    m["embeds"] = json!([]);
    m["components"] = json!([]);
    m["attachments"] = json!([]);
    if let Some(obj) = m.as_object_mut() {
        obj.remove("message_reference");
    }
    m["type"] = json!(0);
}

/// Applies an edit's fields; a message the mock never created is created as the bot's.
fn edit_message(shared: &Shared, st: &mut State, ch: u64, mid: u64, body: &Value) -> Value {
    let mut msg = match st.messages.get(&mid) {
        Some(m) => m.clone(),
        None => {
            let mut m = new_message(shared, st, ch, &json!({}), false);
            st.messages.remove(&snowflake_of(&m));
            st.last_bot_message.insert(ch, mid);
            m["id"] = json!(mid.to_string());
            m
        }
    };
    for key in ["content", "embeds", "components", "flags", "attachments"] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            msg[key] = v.clone();
        }
    }
    msg["edited_timestamp"] = json!(now());
    let msg = fit::<Message>(msg, simplify_message);
    st.messages.insert(mid, msg.clone());
    msg
}

fn snowflake_of(v: &Value) -> u64 {
    super::snowflake(&v["id"])
}

fn new_thread(shared: &Shared, st: &mut State, parent: u64, thread: u64, body: &Value) -> Value {
    let guild = guild_of(shared, st, parent).unwrap_or_else(|| shared.config.guild_id.to_string());
    let duration = body["auto_archive_duration"].as_u64().unwrap_or(1440);
    let v = json!({
        "id": thread.to_string(),
        "type": body["type"].as_u64().unwrap_or(11),
        "guild_id": guild,
        "parent_id": parent.to_string(),
        "owner_id": shared.config.bot_user_id.to_string(),
        "name": body["name"].as_str().unwrap_or("thread"),
        "last_message_id": null,
        "rate_limit_per_user": body["rate_limit_per_user"].as_u64().unwrap_or(0),
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": duration,
            "archive_timestamp": now(),
            "locked": false,
            "create_timestamp": now(),
        },
    });
    let v = fit::<Channel>(v, |v| {
        v["thread_metadata"]["auto_archive_duration"] = json!(1440)
    });
    st.channels.insert(thread, v.clone());
    v
}

fn callback(shared: &Shared, st: &mut State, token: &str, body: &Value) -> Reply {
    let Some(info) = st.interactions.get(token).cloned() else {
        return error(404, 10062, "Unknown interaction");
    };
    if info.acknowledged {
        return error(400, 40060, "Interaction has already been acknowledged.");
    }
    let data = &body["data"];
    let original = match body["type"].as_u64() {
        // Reply, or "thinking…" that a later edit of @original fills in.
        Some(4 | 5) => Some(snowflake_of(&new_message(
            shared,
            st,
            info.channel_id,
            data,
            true,
        ))),
        // Update the message the component sits on.
        Some(7) => info.message_id.inspect(|&mid| {
            edit_message(shared, st, info.channel_id, mid, data);
        }),
        Some(6) => info.message_id,
        _ => None,
    };
    let entry = st.interactions.get_mut(token).expect("looked up above");
    entry.acknowledged = true;
    entry.original = original;
    Reply::Empty(204)
}

fn original(shared: &Shared, st: &mut State, method: &str, token: &str, body: &Value) -> Reply {
    let Some(info) = st.interactions.get(token).cloned() else {
        return error(404, 10015, "Unknown Webhook");
    };
    let Some(mid) = info.original.filter(|m| st.messages.contains_key(m)) else {
        return error(404, 10008, "Unknown Message");
    };
    if method == "GET" {
        return ok(st.messages[&mid].clone());
    }
    ok(edit_message(shared, st, info.channel_id, mid, body))
}

fn followup(shared: &Shared, st: &mut State, token: &str, body: &Value) -> Reply {
    // Discord only accepts follow-ups once the interaction has been answered.
    match st.interactions.get(token) {
        Some(info) if info.acknowledged => {
            let ch = info.channel_id;
            ok(new_message(shared, st, ch, body, true))
        }
        _ => error(404, 10015, "Unknown Webhook"),
    }
}

/// Bulk overwrite: the new list replaces the old; a command keeps its id across overwrites.
fn put_commands(shared: &Shared, st: &mut State, guild: Option<u64>, body: &Value) -> Reply {
    let Some(list) = body.as_array() else {
        return error(400, 50035, "Invalid Form Body");
    };
    let old = st.commands.get(&guild).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for cmd in list {
        let mut c = cmd.clone();
        let id = old
            .iter()
            .find(|o| o["name"] == cmd["name"])
            .map(|o| o["id"].clone())
            .unwrap_or_else(|| json!(shared.fresh_id().to_string()));
        c["id"] = id;
        c["application_id"] = json!(shared.config.application_id.to_string());
        c["version"] = json!(shared.fresh_id().to_string());
        if c["type"].is_null() {
            c["type"] = json!(1);
        }
        if c["description"].is_null() {
            c["description"] = json!("");
        }
        if let Some(g) = guild {
            c["guild_id"] = json!(g.to_string());
        }
        out.push(fit::<Command>(c, |_| {}));
    }
    st.commands.insert(guild, out.clone());
    ok(Value::Array(out))
}
