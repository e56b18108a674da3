//! Payloads in the shapes Slack documents, so stories read as what happens: Events API envelopes
//! (`event_callback` with `event_id`, `event_time`, `team_id`, `api_app_id`), interactivity
//! payloads (`block_actions`, `view_submission`, `message_action`) and slash-command fields. The
//! same values go over HTTP ([`super::SlackClient`]) or in Socket Mode envelopes
//! ([`super::MockSlack::send_envelope`]). Each returns plain JSON a test may still change.

use serde_json::{Value, json};

use super::signed::unix_now;

pub const TEAM_ID: &str = "T0MOCK";
pub const TEAM_DOMAIN: &str = "mock";
pub const APP_ID: &str = "AMOCK";
/// The bot's user id, as `auth.test` answers.
pub const BOT_USER: &str = "UBOT";
pub const BOT_ID: &str = "BBOT";
/// The (deprecated) verification token Slack still puts in payloads; apps must not rely on it.
pub const VERIFICATION_TOKEN: &str = "mock-verification-token";

/// A `users.info` user object.
pub(super) fn user_object(id: &str, name: &str, is_bot: bool) -> Value {
    json!({
        "id": id,
        "team_id": TEAM_ID,
        "name": name,
        "real_name": name,
        "deleted": false,
        "is_bot": is_bot,
        "is_admin": false,
        "tz": "Europe/Berlin",
        "profile": {
            "display_name": name,
            "real_name": name,
            "real_name_normalized": name,
            "display_name_normalized": name,
        },
    })
}

/// The `event_callback` envelope around `event`, as POSTed to the events URL or carried as an
/// `events_api` envelope's payload.
pub fn event_callback(event_id: &str, event: Value) -> Value {
    json!({
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": unix_now(),
        "authorizations": [{
            "enterprise_id": null,
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "is_bot": true,
            "is_enterprise_install": false,
        }],
        "is_ext_shared_channel": false,
        "event_context": format!("4-mock-{event_id}"),
    })
}

/// The rich-text block Slack adds to a message a person typed.
fn typed_blocks(text: &str) -> Value {
    json!([{
        "type": "rich_text",
        "block_id": "typed",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }])
}

fn message(user: &str, channel: &str, channel_type: &str, text: &str, ts: &str) -> Value {
    json!({
        "type": "message",
        "channel": channel,
        "channel_type": channel_type,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "team": TEAM_ID,
        "client_msg_id": format!("00000000-0000-4000-9000-{:0>12}", ts.replace('.', "")),
        "blocks": typed_blocks(text),
    })
}

/// `channel_type` from the id: `D…` is a DM, `G…` a private channel, else a public one.
fn channel_type(channel: &str) -> &'static str {
    match channel.chars().next() {
        Some('D') => "im",
        Some('G') => "group",
        _ => "channel",
    }
}

/// A person's message in their DM with the app (`message.im`).
pub fn dm_event(event_id: &str, user: &str, channel: &str, text: &str, ts: &str) -> Value {
    event_callback(event_id, message(user, channel, "im", text, ts))
}

/// A person mentioning the app in a channel (`app_mention`). `text` is the whole message as
/// Slack sends it; if it has no `<@UBOT>`, the mention is put in front, as every app_mention has.
pub fn mention_event(event_id: &str, user: &str, channel: &str, text: &str, ts: &str) -> Value {
    let mention = format!("<@{BOT_USER}>");
    let text = if text.contains(&mention) {
        text.to_string()
    } else {
        format!("{mention} {text}")
    };
    let mut event = message(user, channel, channel_type(channel), &text, ts);
    event["type"] = json!("app_mention");
    event.as_object_mut().map(|m| m.remove("channel_type"));
    event_callback(event_id, event)
}

/// A person's reply in the thread of `thread_ts` (in a channel or a DM).
pub fn thread_message_event(
    event_id: &str,
    user: &str,
    channel: &str,
    thread_ts: &str,
    text: &str,
    ts: &str,
) -> Value {
    let mut event = message(user, channel, channel_type(channel), text, ts);
    event["thread_ts"] = json!(thread_ts);
    event_callback(event_id, event)
}

/// The app's own message coming back as an event (with `bot_id`), which an app must ignore.
pub fn bot_echo_event(event_id: &str, channel: &str, text: &str, ts: &str) -> Value {
    let mut event = message(BOT_USER, channel, channel_type(channel), text, ts);
    event["bot_id"] = json!(BOT_ID);
    event["app_id"] = json!(APP_ID);
    event.as_object_mut().map(|m| m.remove("client_msg_id"));
    event_callback(event_id, event)
}

/// `user` adding the `reaction` emoji (without colons, e.g. `ticket`) to the message
/// `(channel, item_ts)` written by `item_user`.
pub fn reaction_added(
    event_id: &str,
    user: &str,
    reaction: &str,
    channel: &str,
    item_ts: &str,
    item_user: &str,
) -> Value {
    event_callback(
        event_id,
        json!({
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item_user": item_user,
            "item": {"type": "message", "channel": channel, "ts": item_ts},
            "event_ts": format!("{}.000100", unix_now()),
        }),
    )
}

/// `user` opening the app's Home tab (their DM channel with the app is `channel`).
pub fn app_home_opened(event_id: &str, user: &str, channel: &str) -> Value {
    event_callback(
        event_id,
        json!({
            "type": "app_home_opened",
            "user": user,
            "channel": channel,
            "tab": "home",
            "event_ts": format!("{}.000100", unix_now()),
        }),
    )
}

/// The handshake Slack sends when the events URL is configured; the app answers `challenge`.
pub fn url_verification(challenge: &str) -> Value {
    json!({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"})
}

fn user_ref(user: &str) -> Value {
    json!({"id": user, "username": user.to_lowercase(), "name": user.to_lowercase(), "team_id": TEAM_ID})
}

fn team() -> Value {
    json!({"id": TEAM_ID, "domain": TEAM_DOMAIN})
}

/// `user` pressing a button (`action_id`, `value`) on the message `message_ts` in `channel`.
/// [`super::MockSlack::press_button`] builds this from a message the bot really posted.
pub fn block_action(
    user: &str,
    channel: &str,
    message_ts: &str,
    action_id: &str,
    value: &str,
    trigger_id: &str,
    response_url: &str,
) -> Value {
    json!({
        "type": "block_actions",
        "user": user_ref(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": false,
        },
        "trigger_id": trigger_id,
        "team": team(),
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": channel, "name": "mock-channel"},
        "message": {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "text": "",
            "ts": message_ts,
        },
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [{
            "action_id": action_id,
            "block_id": "mock-block",
            "text": {"type": "plain_text", "text": action_id, "emoji": true},
            "value": value,
            "type": "button",
            "action_ts": format!("{}.000200", unix_now()),
        }],
    })
}

/// `user` submitting the modal `view_id` (`callback_id`, `private_metadata` as the app set them)
/// with `values` as `(block_id, action_id, value)` typed into plain-text inputs.
/// [`super::MockSlack::submit_view`] builds this from a view the bot really opened.
pub fn view_submission(
    user: &str,
    view_id: &str,
    callback_id: &str,
    private_metadata: &str,
    values: &[(&str, &str, &str)],
) -> Value {
    let mut state = serde_json::Map::new();
    for (block_id, action_id, value) in values {
        let block = state
            .entry(block_id.to_string())
            .or_insert_with(|| json!({}));
        block[*action_id] = json!({"type": "plain_text_input", "value": value});
    }
    json!({
        "type": "view_submission",
        "team": team(),
        "user": user_ref(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": format!("{}.4700000000.mocksubmit", unix_now()),
        "view": {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "title": {"type": "plain_text", "text": "Mock"},
            "blocks": [],
            "state": {"values": state},
            "hash": "1700000000.mockhash",
            "root_view_id": view_id,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
        },
        "response_urls": [],
        "is_enterprise_install": false,
        "enterprise": null,
    })
}

/// `user` choosing the message shortcut `callback_id` on the message `message_ts` written by
/// `author` (in the thread of `thread_ts`, if any) in `channel`, whose text is `text`.
#[allow(clippy::too_many_arguments)]
pub fn message_shortcut(
    user: &str,
    author: &str,
    channel: &str,
    message_ts: &str,
    thread_ts: Option<&str>,
    callback_id: &str,
    trigger_id: &str,
    text: &str,
) -> Value {
    let mut message = json!({
        "type": "message",
        "user": author,
        "text": text,
        "ts": message_ts,
        "team": TEAM_ID,
    });
    if let Some(thread) = thread_ts {
        message["thread_ts"] = json!(thread);
    }
    json!({
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": format!("{}.000300", unix_now()),
        "team": team(),
        "user": user_ref(user),
        "channel": {"id": channel, "name": "mock-channel"},
        "is_enterprise_install": false,
        "enterprise": null,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": "",
        "message_ts": message_ts,
        "message": message,
    })
}

/// A slash command's fields (all strings), as Slack POSTs them as a form or carries them as a
/// `slash_commands` envelope's payload. `command` includes the slash (`/ticket`).
pub fn slash_command(
    command: &str,
    text: &str,
    user: &str,
    channel: &str,
    trigger_id: &str,
) -> Value {
    json!({
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": if channel.starts_with('D') { "directmessage" } else { "mock-channel" },
        "user_id": user,
        "user_name": user.to_lowercase(),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": format!("http://127.0.0.1:9/commands/{TEAM_ID}/mock"),
        "trigger_id": trigger_id,
    })
}
