//! The mock's Web API: `POST /api/METHOD` with a JSON or form body, answered in Slack's documented
//! shapes (HTTP 200 and `"ok": false` for errors, 429 with `Retry-After` when rate-limited), and
//! POSTs to response URLs. Every call is recorded.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::blocks;
use super::payloads::{APP_ID, BOT_ID, BOT_USER, TEAM_ID};
use super::{Call, Shared, State};

/// Methods the mock knows; any other answers `unknown_method`.
const METHODS: [&str; 16] = [
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "conversations.replies",
    "usergroups.list",
    "auth.test",
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "conversations.open",
    "views.open",
    "views.update",
    "views.push",
    "views.publish",
    "users.info",
    "apps.connections.open",
    "response_url",
];

/// Read methods: like Slack, they take their arguments from a form body or the query string and
/// ignore a JSON body.
const READ_METHODS: [&str; 4] = [
    "users.info",
    "conversations.replies",
    "usergroups.list",
    "files.getUploadURLExternal",
];

/// Slack truncates nothing silently past this: `msg_too_long`.
const MAX_TEXT: usize = 40_000;

/// Form fields Slack reads as JSON text.
const JSON_FIELDS: [&str; 4] = ["blocks", "view", "attachments", "metadata"];

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// The DM channel of the bot with `user`: `U123` → `D123` (stable, as Slack's is).
pub(super) fn dm_channel(user: &str) -> String {
    let suffix = user
        .strip_prefix('U')
        .or_else(|| user.strip_prefix('W'))
        .unwrap_or(user);
    format!("D{suffix}")
}

/// Where a post to `channel` lands: a user id means the bot's DM with that user, as in Slack.
pub(super) fn resolve_channel(channel: &str) -> String {
    if channel.starts_with('U') || channel.starts_with('W') {
        dm_channel(channel)
    } else {
        channel.to_string()
    }
}

async fn handle(
    AxState(shared): AxState<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (mut args, malformed) = parse_body(&content_type, &body);
    if let Some(query) = uri.query() {
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            args.entry(k.into_owned()).or_insert(json!(v.into_owned()));
        }
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let token = bearer.or_else(|| {
        let from_form = content_type.starts_with("application/x-www-form-urlencoded");
        args.get("token")
            .and_then(Value::as_str)
            .filter(|_| from_form)
            .map(str::to_string)
    });
    let path = uri.path();
    let method = if let Some(m) = path.strip_prefix("/api/") {
        m.to_string()
    } else if path.starts_with("/response/") {
        "response_url".to_string()
    } else if let Some(file) = path.strip_prefix("/upload/") {
        // The upload URL `files.getUploadURLExternal` gave: the file's bytes, no token (the URL
        // is the credential), answered in plain text as Slack does.
        let mut state = shared.lock();
        let known = match state.uploads.get_mut(file) {
            Some(u) => {
                u.2 = Some(body.to_vec());
                true
            }
            None => false,
        };
        state.calls.push(Call {
            method: "upload".into(),
            body: json!({"file": file, "size": body.len()}),
            token: None,
            content_type,
            status: if known { 200 } else { 404 },
            response: json!({"ok": known}),
            limited: false,
            at: Instant::now(),
        });
        drop(state);
        shared.bump();
        return if known {
            (StatusCode::OK, format!("OK - {}", body.len())).into_response()
        } else {
            (StatusCode::NOT_FOUND, "no such upload").into_response()
        };
    } else {
        return (StatusCode::NOT_FOUND, "mock Slack: the Web API is at /api/").into_response();
    };
    if READ_METHODS.contains(&method.as_str()) && content_type.starts_with("application/json") {
        args.clear();
        if let Some(query) = uri.query() {
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                args.insert(k.into_owned(), json!(v.into_owned()));
            }
        }
    }
    let args = Value::Object(args);

    let mut retry_after = None;
    let response = {
        let mut state = shared.lock();
        let limit = state.rate_limits.get_mut(&method).filter(|(n, _)| *n > 0);
        if let Some((left, secs)) = limit {
            *left -= 1;
            retry_after = Some(*secs);
            json!({"ok": false, "error": "ratelimited"})
        } else {
            answer(
                &shared,
                &mut state,
                &method,
                &args,
                token.as_deref(),
                malformed,
            )
        }
    };
    let status = if retry_after.is_some() { 429 } else { 200 };
    let call = Call {
        method,
        body: args,
        token,
        content_type,
        status,
        response: response.clone(),
        limited: retry_after.is_some(),
        at: Instant::now(),
    };
    shared.lock().calls.push(call);
    shared.bump();
    match retry_after {
        Some(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, secs.to_string())],
            axum::Json(response),
        )
            .into_response(),
        None => axum::Json(response).into_response(),
    }
}

/// The arguments as a JSON object, and whether a JSON body failed to parse. Form fields are
/// strings, except JSON text in [`JSON_FIELDS`], parsed as Slack does.
fn parse_body(content_type: &str, body: &[u8]) -> (Map<String, Value>, bool) {
    let mut args = Map::new();
    if body.is_empty() {
        return (args, false);
    }
    if content_type.starts_with("application/json") {
        return match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => {
                args = map;
                for field in JSON_FIELDS {
                    if let Some(Value::String(text)) = args.get(field)
                        && let Ok(parsed) = serde_json::from_str::<Value>(text)
                    {
                        args.insert(field.to_string(), parsed);
                    }
                }
                (args, false)
            }
            _ => (args, true),
        };
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        for (k, v) in form_urlencoded::parse(body) {
            let value = if JSON_FIELDS.contains(&k.as_ref()) {
                serde_json::from_str(&v).unwrap_or_else(|_| json!(v.as_ref()))
            } else {
                json!(v.as_ref())
            };
            args.insert(k.into_owned(), value);
        }
    }
    // Any other content type: Slack ignores the body, so the arguments are missing.
    (args, false)
}

fn err(code: &str) -> Value {
    json!({"ok": false, "error": code})
}

/// Slack's answer to a Block Kit violation: the code plus one message per violation.
fn rejected(code: &str, problems: &[String]) -> Value {
    let messages: Vec<String> = problems.iter().map(|p| format!("[ERROR] {p}")).collect();
    json!({
        "ok": false,
        "error": code,
        "errors": problems,
        "response_metadata": {"messages": messages},
    })
}

fn answer(
    shared: &Shared,
    state: &mut State,
    method: &str,
    args: &Value,
    token: Option<&str>,
    malformed: bool,
) -> Value {
    if !METHODS.contains(&method) {
        return err("unknown_method");
    }
    if method == "response_url" {
        return json!({"ok": true});
    }
    let wanted = if method == "apps.connections.open" {
        &shared.config.app_token
    } else {
        &shared.config.bot_token
    };
    match token {
        None => return err("not_authed"),
        Some(t) if t != wanted => return err("invalid_auth"),
        Some(_) => {}
    }
    if malformed {
        return err("invalid_json");
    }
    if let Some(code) = state.failures.get_mut(method).and_then(|q| q.pop_front()) {
        return err(&code);
    }
    let s = |k: &str| args[k].as_str().unwrap_or("").to_string();
    match method {
        "auth.test" => json!({
            "ok": true,
            "url": "https://mock.slack.com/",
            "team": "Mock",
            "user": "frontline",
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": false,
        }),
        "chat.postMessage" => post_message(state, args),
        "chat.update" => update_message(state, args),
        "chat.postEphemeral" => {
            if let Some(e) = message_problem(args, s("channel").is_empty()) {
                return e;
            }
            if s("user").is_empty() {
                return err("user_not_found");
            }
            json!({"ok": true, "message_ts": state.next_ts()})
        }
        "conversations.open" => {
            let users: Vec<&str> = args["users"]
                .as_str()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .collect();
            match users.as_slice() {
                [] => err("users_list_not_supplied"),
                [one] => json!({"ok": true, "channel": {"id": dm_channel(one)}}),
                many => json!({"ok": true, "channel": {"id": format!("G{}", many.join("_"))}}),
            }
        }
        "views.open" | "views.push" => {
            if s("trigger_id").is_empty() {
                return err("invalid_arguments");
            }
            open_view(state, args, None)
        }
        "views.update" => {
            let id = match (args["view_id"].as_str(), args["external_id"].as_str()) {
                (Some(id), _) if state.views.contains_key(id) => id.to_string(),
                (None, Some(ext)) => match state
                    .views
                    .iter()
                    .find(|(_, v)| v["external_id"].as_str() == Some(ext))
                {
                    Some((id, _)) => id.clone(),
                    None => return err("not_found"),
                },
                _ => return err("not_found"),
            };
            let hash = &state.views[&id]["hash"];
            if args["hash"].is_string() && &args["hash"] != hash {
                return err("hash_conflict");
            }
            open_view(state, args, Some(id))
        }
        "views.publish" => publish_home(state, args),
        "files.getUploadURLExternal" => {
            let length = s("length").parse::<u64>().ok().filter(|n| *n > 0);
            let (filename, Some(length)) = (s("filename"), length) else {
                return err("invalid_arguments");
            };
            if filename.is_empty() {
                return err("invalid_arguments");
            }
            let id = format!("F{:08}", state.next_serial());
            state.uploads.insert(id.clone(), (filename, length, None));
            json!({
                "ok": true,
                "upload_url": format!("http://{}/upload/{id}", shared.addr),
                "file_id": id,
            })
        }
        "files.completeUploadExternal" => {
            let Some(files) = args["files"].as_array().filter(|f| !f.is_empty()) else {
                return err("invalid_arguments");
            };
            let mut done = vec![];
            for f in files {
                let id = f["id"].as_str().unwrap_or("");
                let Some((filename, length, Some(bytes))) = state.uploads.get(id).cloned() else {
                    return err("file_not_found");
                };
                if bytes.len() as u64 != length {
                    return err("file_size_mismatch");
                }
                let title = f["title"].as_str().unwrap_or(&filename).to_string();
                state.files.push(super::SharedFile {
                    id: id.to_string(),
                    filename,
                    title: title.clone(),
                    channel: s("channel_id"),
                    bytes,
                });
                done.push(json!({"id": id, "title": title}));
            }
            json!({"ok": true, "files": done})
        }
        "conversations.replies" => replies(state, &s("channel"), &s("ts"), &s("limit")),
        "usergroups.list" => {
            let with_users = s("include_users") == "true";
            let groups: Vec<Value> = state
                .usergroups
                .iter()
                .map(|(id, users)| {
                    let mut g = json!({"id": id, "team_id": TEAM_ID, "handle": id.to_lowercase()});
                    if with_users {
                        g["users"] = json!(users);
                    }
                    g
                })
                .collect();
            json!({"ok": true, "usergroups": groups})
        }
        "users.info" => match state.users.get(args["user"].as_str().unwrap_or("")) {
            Some(user) => json!({"ok": true, "user": user}),
            None => err("user_not_found"),
        },
        "apps.connections.open" => {
            let n = state.next_serial();
            let ticket = format!("mock-ticket-{n}");
            state.tickets.push(ticket.clone());
            let url = format!(
                "ws://{}/socket?ticket={ticket}&app_id={APP_ID}",
                shared.addr
            );
            json!({"ok": true, "url": url})
        }
        _ => err("unknown_method"),
    }
}

/// `conversations.replies`: the thread `ts` starts or is in, the parent first; a message in no
/// thread alone.
fn replies(state: &State, channel: &str, ts: &str, limit: &str) -> Value {
    if channel.is_empty() || ts.is_empty() {
        return err("invalid_arguments");
    }
    let channel = resolve_channel(channel);
    let Some(message) = state.messages.get(&(channel.clone(), ts.to_string())) else {
        return err("thread_not_found");
    };
    let root = message["thread_ts"].as_str().unwrap_or(ts).to_string();
    let mut thread: Vec<&Value> = state
        .messages
        .iter()
        .filter(|((c, t), m)| *c == channel && (*t == root || m["thread_ts"] == root.as_str()))
        .map(|(_, m)| m)
        .collect();
    thread.sort_by(|a, b| a["ts"].as_str().cmp(&b["ts"].as_str()));
    let limit = limit.parse::<usize>().unwrap_or(1000).clamp(1, 1000);
    thread.truncate(limit);
    json!({"ok": true, "messages": thread, "has_more": false})
}

/// Why Slack would refuse this message's channel or content, if it would.
fn message_problem(args: &Value, no_channel: bool) -> Option<Value> {
    if no_channel {
        return Some(err("channel_not_found"));
    }
    let text = args["text"].as_str().unwrap_or("");
    let blocks = &args["blocks"];
    let has_blocks = blocks.as_array().is_some_and(|b| !b.is_empty());
    if text.trim().is_empty() && !has_blocks && args["attachments"].is_null() {
        return Some(err("no_text"));
    }
    if text.chars().count() > MAX_TEXT {
        return Some(err("msg_too_long"));
    }
    if !blocks.is_null() {
        let problems = blocks::check_message_blocks(blocks);
        if !problems.is_empty() {
            return Some(rejected("invalid_blocks", &problems));
        }
    }
    None
}

fn post_message(state: &mut State, args: &Value) -> Value {
    let asked = args["channel"].as_str().unwrap_or("");
    if let Some(e) = message_problem(args, asked.is_empty()) {
        return e;
    }
    let channel = resolve_channel(asked);
    let ts = state.next_ts();
    let mut message = json!({
        "type": "message",
        "user": BOT_USER,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": args["text"].as_str().unwrap_or(""),
        "ts": ts,
    });
    if args["blocks"].is_array() {
        message["blocks"] = args["blocks"].clone();
    }
    if let Some(thread) = args["thread_ts"].as_str().filter(|t| !t.is_empty()) {
        message["thread_ts"] = json!(thread);
        message["parent_user_id"] = json!("");
    }
    state
        .messages
        .insert((channel.clone(), ts.clone()), message.clone());
    json!({"ok": true, "channel": channel, "ts": ts, "message": message})
}

fn update_message(state: &mut State, args: &Value) -> Value {
    let channel = resolve_channel(args["channel"].as_str().unwrap_or(""));
    if let Some(e) = message_problem(args, channel.is_empty()) {
        return e;
    }
    let ts = args["ts"].as_str().unwrap_or("").to_string();
    let Some(message) = state.messages.get_mut(&(channel.clone(), ts.clone())) else {
        return err("message_not_found");
    };
    message["text"] = json!(args["text"].as_str().unwrap_or(""));
    // Blocks left out keep the old ones; an empty array removes them, as in Slack.
    if args["blocks"].is_array() {
        message["blocks"] = args["blocks"].clone();
    }
    message["edited"] = json!({"user": BOT_USER, "ts": ts});
    json!({
        "ok": true,
        "channel": channel,
        "ts": ts,
        "text": message["text"],
        "message": message.clone(),
    })
}

/// `views.open` / `views.push` (a new view) or `views.update` (`existing`).
fn open_view(state: &mut State, args: &Value, existing: Option<String>) -> Value {
    let view = &args["view"];
    if !view.is_object() {
        return err("invalid_arguments");
    }
    let problems = blocks::check_view(view, "/view");
    if !problems.is_empty() {
        return rejected("invalid_arguments", &problems);
    }
    let id = existing.unwrap_or_else(|| format!("V{:09}", state.next_serial()));
    let stored = stored_view(state, &id, view);
    state.views.insert(id.clone(), stored.clone());
    state.last_view = Some(id);
    json!({"ok": true, "view": stored})
}

fn publish_home(state: &mut State, args: &Value) -> Value {
    let user = args["user_id"].as_str().unwrap_or("");
    if user.is_empty() {
        return err("invalid_arguments");
    }
    let view = &args["view"];
    if view["type"].as_str() != Some("home") {
        return err("invalid_arguments");
    }
    let problems = blocks::check_view(view, "/view");
    if !problems.is_empty() {
        return rejected("invalid_arguments", &problems);
    }
    let id = match state.homes.get(user) {
        Some(home) => home["id"].as_str().unwrap_or("").to_string(),
        None => format!("V{:09}", state.next_serial()),
    };
    let stored = stored_view(state, &id, view);
    state.views.insert(id, stored.clone());
    state.homes.insert(user.to_string(), stored.clone());
    json!({"ok": true, "view": stored})
}

/// The view as Slack answers it: what was sent plus id, team, app, state and a fresh hash.
fn stored_view(state: &mut State, id: &str, view: &Value) -> Value {
    let mut stored = view.clone();
    let hash = format!(
        "{}.mockhash{}",
        1_700_000_000 + state.serial,
        state.next_serial()
    );
    for (k, v) in [
        ("id", json!(id)),
        ("team_id", json!(TEAM_ID)),
        ("app_id", json!(APP_ID)),
        ("bot_id", json!(BOT_ID)),
        ("root_view_id", json!(id)),
        ("previous_view_id", Value::Null),
        ("state", json!({"values": {}})),
        ("hash", json!(hash)),
    ] {
        stored[k] = v;
    }
    for k in ["callback_id", "private_metadata", "external_id"] {
        if stored[k].is_null() {
            stored[k] = json!("");
        }
    }
    stored
}
