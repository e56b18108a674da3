//! Gateway dispatches as Discord sends them, with every field serenity 0.12.5 requires: messages
//! in a guild channel or a DM, and interactions (button, select, modal submit, slash command).
//!
//! Each constructor returns `{"t": .., "d": ..}` for [`MockDiscord::inject`]; a test may change
//! the JSON before injecting it.

use serde_json::{Value, json};

use super::{InteractionInfo, MockConfig, MockDiscord, State};

/// Discord sends ids as strings; accepts a string or a number.
pub fn snowflake(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.parse().unwrap_or_else(|_| panic!("not a snowflake: {v}")),
        _ => v.as_u64().unwrap_or_else(|| panic!("not a snowflake: {v}")),
    }
}

pub(super) fn now() -> String {
    serenity::model::Timestamp::now().to_string()
}

pub(super) fn bot_user(config: &MockConfig) -> Value {
    json!({
        "id": config.bot_user_id.to_string(),
        "username": config.bot_name,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": true,
        "verified": true,
        "mfa_enabled": false,
        "flags": 0,
    })
}

/// Someone who writes or clicks: a user or another bot, with roles when in a guild.
#[derive(Clone, Debug)]
pub struct Person {
    pub id: u64,
    pub name: String,
    pub bot: bool,
    /// Role ids; sent as the member's roles in guild events.
    pub roles: Vec<u64>,
}

impl Person {
    pub fn user(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_string(),
            bot: false,
            roles: Vec::new(),
        }
    }

    /// Another bot (sets the author's `bot` flag).
    pub fn bot(id: u64, name: &str) -> Self {
        Self {
            bot: true,
            ..Self::user(id, name)
        }
    }

    pub fn with_roles(mut self, roles: &[u64]) -> Self {
        self.roles = roles.to_vec();
        self
    }

    pub fn user_json(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.name,
            "avatar": null,
            "bot": self.bot,
            "public_flags": 0,
        })
    }

    /// The guild member object, without `user` (messages carry it as `author`).
    fn member_json(&self) -> Value {
        json!({
            "roles": self.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "nick": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
        })
    }
}

/// Where an event happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Guild { guild_id: u64, channel_id: u64 },
    Dm { channel_id: u64 },
}

impl Place {
    pub fn dm(channel_id: u64) -> Self {
        Place::Dm { channel_id }
    }

    pub fn channel_id(self) -> u64 {
        match self {
            Place::Guild { channel_id, .. } | Place::Dm { channel_id } => channel_id,
        }
    }

    pub fn guild_id(self) -> Option<u64> {
        match self {
            Place::Guild { guild_id, .. } => Some(guild_id),
            Place::Dm { .. } => None,
        }
    }
}

/// Permissions a typical member and the bot have (view, send, threads, embeds, history, …).
const PERMISSIONS: &str = "563224831456832";

impl MockDiscord {
    /// A text channel in the mock's default guild.
    pub fn guild(&self, channel_id: u64) -> Place {
        Place::Guild {
            guild_id: self.guild_id(),
            channel_id,
        }
    }

    /// MESSAGE_CREATE from `author`. Mentioning the bot as `<@id>` in `content` also fills
    /// `mentions`, as Discord does.
    pub fn message_create(&self, place: Place, author: &Person, content: &str) -> Value {
        let bot_mention = format!("<@{}>", self.bot_user_id());
        let mentions = if content.contains(&bot_mention) {
            json!([bot_user(self.config())])
        } else {
            json!([])
        };
        let mut d = json!({
            "id": self.fresh_id().to_string(),
            "channel_id": place.channel_id().to_string(),
            "author": author.user_json(),
            "content": content,
            "timestamp": now(),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": mentions,
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": false,
            "type": 0,
            "flags": 0,
            "nonce": self.fresh_id().to_string(),
        });
        if let Some(guild_id) = place.guild_id() {
            d["guild_id"] = json!(guild_id.to_string());
            d["member"] = author.member_json();
        }
        json!({"t": "MESSAGE_CREATE", "d": d})
    }

    /// A message in a text channel of the default guild.
    pub fn guild_message(&self, channel_id: u64, author: &Person, content: &str) -> Value {
        self.message_create(self.guild(channel_id), author, content)
    }

    /// A direct message to the bot.
    pub fn dm_message(&self, channel_id: u64, author: &Person, content: &str) -> Value {
        self.message_create(Place::dm(channel_id), author, content)
    }

    /// INTERACTION_CREATE of `kind` (2 command, 3 component, 5 modal submit) with `data`: the
    /// common part. In a guild the user comes as `member` (with roles), in a DM as `user`.
    pub fn interaction(&self, place: Place, user: &Person, kind: u8, data: Value) -> Value {
        let id = self.fresh_id();
        let channel_type = if place.guild_id().is_some() { 0 } else { 1 };
        let mut d = json!({
            "id": id.to_string(),
            "application_id": self.application_id().to_string(),
            "type": kind,
            "data": data,
            "channel_id": place.channel_id().to_string(),
            "channel": {"id": place.channel_id().to_string(), "type": channel_type},
            "token": format!("mock-interaction-token-{id}"),
            "version": 1,
            "app_permissions": PERMISSIONS,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 26_214_400,
        });
        match place.guild_id() {
            Some(guild_id) => {
                let mut member = user.member_json();
                member["user"] = user.user_json();
                member["permissions"] = json!(PERMISSIONS);
                d["guild_id"] = json!(guild_id.to_string());
                d["guild_locale"] = json!("en-US");
                d["member"] = member;
                d["authorizing_integration_owners"] = json!({"0": guild_id.to_string()});
                d["context"] = json!(0);
            }
            None => {
                d["user"] = user.user_json();
                // "0": guild-installed app, invoked in the bot's DM.
                d["authorizing_integration_owners"] = json!({"0": "0"});
                d["context"] = json!(1);
            }
        }
        json!({"t": "INTERACTION_CREATE", "d": d})
    }

    /// A button press on the bot's last message in the channel (a stub message if it sent none).
    pub fn button_press(&self, place: Place, user: &Person, custom_id: &str) -> Value {
        let last = self
            .shared
            .lock()
            .last_bot_message
            .get(&place.channel_id())
            .copied();
        let message_id = last.unwrap_or_else(|| self.fresh_id());
        self.component_press(place, user, custom_id, message_id)
    }

    /// A button press on message `message_id`.
    pub fn component_press(
        &self,
        place: Place,
        user: &Person,
        custom_id: &str,
        message_id: u64,
    ) -> Value {
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.component_interaction(place, user, data, message_id)
    }

    /// A string-select choice on the bot's last message in the channel.
    pub fn select_choice(
        &self,
        place: Place,
        user: &Person,
        custom_id: &str,
        values: &[&str],
    ) -> Value {
        let last = self
            .shared
            .lock()
            .last_bot_message
            .get(&place.channel_id())
            .copied();
        let message_id = last.unwrap_or_else(|| self.fresh_id());
        let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
        self.component_interaction(place, user, data, message_id)
    }

    fn component_interaction(
        &self,
        place: Place,
        user: &Person,
        data: Value,
        message_id: u64,
    ) -> Value {
        let stored = self.message(message_id);
        let message = stored.unwrap_or_else(|| {
            json!({
                "id": message_id.to_string(),
                "channel_id": place.channel_id().to_string(),
                "author": bot_user(self.config()),
                "content": "",
                "timestamp": now(),
                "edited_timestamp": null,
                "tts": false,
                "mention_everyone": false,
                "mentions": [],
                "mention_roles": [],
                "attachments": [],
                "embeds": [],
                "components": [],
                "pinned": false,
                "type": 0,
                "flags": 0,
            })
        });
        let mut event = self.interaction(place, user, 3, data);
        event["d"]["message"] = message;
        event
    }

    /// A modal submit with text inputs `(custom_id, value)`, one per action row.
    pub fn modal_submit(
        &self,
        place: Place,
        user: &Person,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Value {
        let rows: Vec<Value> = fields
            .iter()
            .map(|(id, value)| {
                let input = json!({"type": 4, "custom_id": id, "value": value});
                json!({"type": 1, "components": [input]})
            })
            .collect();
        self.interaction(
            place,
            user,
            5,
            json!({"custom_id": custom_id, "components": rows}),
        )
    }

    /// A slash command. Option types follow the JSON values: string 3, integer 4, boolean 5,
    /// other numbers 10. The command id is the registered one if the bot registered `name`.
    pub fn slash_command(
        &self,
        place: Place,
        user: &Person,
        name: &str,
        options: &[(&str, Value)],
    ) -> Value {
        let registered = {
            let state = self.shared.lock();
            let scopes = [place.guild_id(), None];
            scopes
                .iter()
                .filter_map(|g| state.commands.get(g))
                .flatten()
                .find(|c| c["name"] == name)
                .map(|c| c["id"].clone())
        };
        let command_id = registered.unwrap_or_else(|| json!(self.fresh_id().to_string()));
        let options: Vec<Value> = options
            .iter()
            .map(|(name, value)| {
                let kind = match value {
                    Value::String(_) => 3,
                    Value::Bool(_) => 5,
                    Value::Number(n) if n.is_i64() || n.is_u64() => 4,
                    Value::Number(_) => 10,
                    other => panic!("slash_command: option {name} = {other} has no simple type"),
                };
                json!({"name": name, "type": kind, "value": value})
            })
            .collect();
        let data = json!({"id": command_id, "name": name, "type": 1, "options": options});
        self.interaction(place, user, 2, data)
    }
}

/// Learns from an injected event what REST calls will refer to: channels, users, interactions.
pub(super) fn note_event(state: &mut State, event: &Value) {
    let d = &event["d"];
    let Some(channel_id) = d["channel_id"].as_str().and_then(|s| s.parse::<u64>().ok()) else {
        return;
    };
    let guild_id = d["guild_id"].as_str();
    let user = [&d["author"], &d["member"]["user"], &d["user"]]
        .into_iter()
        .find(|u| u.is_object());
    if let Some(user) = user
        && let Some(uid) = user["id"].as_str().and_then(|s| s.parse::<u64>().ok())
    {
        state.users.insert(uid, user.clone());
    }
    if let (None, Some(uid)) = (
        guild_id,
        user.and_then(|u| u["id"].as_str()?.parse::<u64>().ok()),
    ) {
        // One DM channel per user, as on Discord: the bot's "create DM" must return this one.
        state.dm_by_user.entry(uid).or_insert(channel_id);
    }
    state
        .channels
        .entry(channel_id)
        .or_insert_with(|| match guild_id {
            Some(g) => json!({
                "id": channel_id.to_string(),
                "type": 0,
                "guild_id": g,
                "name": format!("channel-{channel_id}"),
                "position": 0,
                "permission_overwrites": [],
                "nsfw": false,
                "rate_limit_per_user": 0,
            }),
            None => json!({
                "id": channel_id.to_string(),
                "type": 1,
                "last_message_id": null,
                "recipients": [user.cloned().unwrap_or(Value::Null)],
            }),
        });
    if event["t"] == "INTERACTION_CREATE"
        && let Some(token) = d["token"].as_str()
    {
        let message_id = d["message"]["id"].as_str().and_then(|s| s.parse().ok());
        // The same interaction injected again (a redelivery) keeps its state: it was answered.
        state
            .interactions
            .entry(token.to_string())
            .or_insert(InteractionInfo {
                channel_id,
                message_id,
                ..InteractionInfo::default()
            });
    }
}
