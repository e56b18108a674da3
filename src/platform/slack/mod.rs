//! The Slack adapter: Events API requests (signed HTTP, see [`http`]) become desk events, and the
//! Slack outbox is drained by [`deliver`]. Like the Discord adapter it holds no business rule:
//! which buttons exist, what a form means and who may act as an agent are the desk's
//! (`desk::grammar`, the configuration's agents and platform roles).
//!
//! Identities: a person is `slack:<user id>`; their roles for the configuration are their user id
//! (map it in `[[agents]]` or `[[platform_roles]]`). A thread is `CHANNEL:THREAD_TS`
//! ([`deliver::thread_key`]); a DM conversation has no address (the DM is opened on delivery).

pub mod api;
pub mod deliver;
pub mod http;
pub mod render;
pub mod signature;
pub mod socket;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow};
use serde_json::Value;

use crate::config::SlackSettings;
use crate::desk::grammar::Pressed;
use crate::desk::{ActionId, Address, Desk, Event, Incoming, Interaction, Quoted};
use crate::platform::observe::{CheckFuture, Connectivity, Observe};
use crate::platform::worker::Outbox;
use crate::tickets::{Platform, UserRef};

use api::SlackApi;
use deliver::{SlackDelivery, thread_key};

/// The secrets the adapter needs, from the environment.
#[derive(Clone)]
pub struct SlackTokens {
    /// `SLACK_BOT_TOKEN` (`xoxb-…`): the Web API.
    pub bot: String,
    /// `SLACK_SIGNING_SECRET`: checks every HTTP request.
    pub signing_secret: String,
    /// `SLACK_APP_TOKEN` (`xapp-…`): Socket Mode.
    pub app: Option<String>,
}

impl SlackTokens {
    /// The tokens `settings` needs, from the environment; a missing one is named.
    pub fn from_env(settings: &SlackSettings) -> Result<SlackTokens> {
        let var = |name: &str, what: &str| -> Result<String> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
                _ => Err(anyhow!(
                    "{name} is not set: export {what} from the Slack app's settings (api.slack.com/apps)"
                )),
            }
        };
        let bot = var(
            "SLACK_BOT_TOKEN",
            "the Bot User OAuth Token (OAuth & Permissions)",
        )?;
        let signing_secret = if settings.listen.is_some() {
            var(
                "SLACK_SIGNING_SECRET",
                "the Signing Secret (Basic Information)",
            )?
        } else {
            String::new()
        };
        let app = if settings.socket_mode {
            Some(var(
                "SLACK_APP_TOKEN",
                "an App-Level Token with connections:write (Basic Information)",
            )?)
        } else {
            None
        };
        Ok(SlackTokens {
            bot,
            signing_secret,
            app,
        })
    }
}

/// What turns Slack payloads into desk events; shared by the HTTP endpoints and Socket Mode.
pub struct Ingress {
    outbox: Arc<Outbox<SlackDelivery>>,
    api: Arc<SlackApi>,
    bot_user: String,
    support_channels: Vec<String>,
    /// Display names by user id; a std mutex held only for a lookup.
    names: Mutex<HashMap<String, String>>,
    /// Signs the channel a form was opened from into its `private_metadata`, so a submission of a
    /// view this app never opened (or whose metadata was altered) is refused.
    forms: ring::hmac::Key,
    /// Who is in the user groups the configuration maps to agent roles.
    groups: Groups,
    /// The runtime the work after an ack runs on (the HTTP endpoints answer on a thread of
    /// their own), and how many of those jobs may run at once.
    runtime: tokio::runtime::Handle,
    in_flight: Arc<tokio::sync::Semaphore>,
}

/// Jobs after an ack running at once; more wait their turn (parked, costing nothing), so a flood
/// of events does not crowd out the acks nor share the desk's flushes among thousands of turns.
const IN_FLIGHT: usize = 32;

/// How long the members of user groups are trusted before `usergroups.list` is asked again
/// (a Tier 2 method: 20 calls a minute).
const GROUPS_FRESH: std::time::Duration = std::time::Duration::from_secs(60);

/// The user groups `[[platform_roles]]` maps (S…) and, once asked, their members.
struct Groups {
    mapped: Vec<String>,
    /// (when asked, group ids by member); a tokio mutex: held across the call so one caller asks.
    known: tokio::sync::Mutex<Option<(std::time::Instant, GroupsByMember)>>,
}

/// Mapped user group ids by member user id.
type GroupsByMember = HashMap<String, Vec<String>>;

/// What to call the reaction that makes a message a ticket (`:ticket:`).
const TICKET_REACTION: &str = "ticket";
/// The most messages of a thread copied into a ticket.
const THREAD_LIMIT: usize = 50;

/// What the HTTP endpoint (or the Socket Mode ack) answers at once.
#[derive(Debug, Clone, PartialEq)]
pub enum Ack {
    /// 200, empty body.
    Empty,
    /// 200 with this JSON body (`url_verification`'s challenge, a view's field errors).
    Json(Value),
    /// 400: not a payload this app understands (logged).
    Bad(String),
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

impl Ingress {
    pub fn new(
        outbox: Arc<Outbox<SlackDelivery>>,
        api: Arc<SlackApi>,
        bot_user: String,
        settings: &SlackSettings,
        form_secret: &[u8],
        role_groups: Vec<String>,
    ) -> Ingress {
        Ingress {
            outbox,
            api,
            bot_user,
            support_channels: settings.support_channels.clone(),
            names: Mutex::new(HashMap::new()),
            forms: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, form_secret),
            groups: Groups {
                mapped: role_groups,
                known: tokio::sync::Mutex::new(None),
            },
            runtime: tokio::runtime::Handle::current(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT)),
        }
    }

    /// Runs `work` (what a request asked for) on the adapter's runtime once one of the
    /// [`IN_FLIGHT`] places is free; counted as under way from the start, so a shutdown waits
    /// for it.
    fn after_ack(self: &Arc<Self>, work: impl std::future::Future<Output = ()> + Send + 'static) {
        let me = self.clone();
        self.runtime.spawn(async move {
            let _active = me.outbox.enter();
            let Ok(_place) = me.in_flight.clone().acquire_owned().await else {
                return;
            };
            work.await;
        });
    }

    /// The roles a person holds for `[[platform_roles]]`: their user id and the mapped user
    /// groups they are in (asked of Slack at most once a minute, and only when a group is mapped).
    async fn roles(&self, user_id: &str) -> Vec<String> {
        let mut roles = vec![user_id.to_string()];
        if self.groups.mapped.is_empty() {
            return roles;
        }
        let mut known = self.groups.known.lock().await;
        let stale = known
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() > GROUPS_FRESH);
        if stale {
            match self.api.user_groups().await {
                Ok(groups) => {
                    let mut by_member = GroupsByMember::new();
                    for (group, members) in groups {
                        if !self.groups.mapped.contains(&group) {
                            continue;
                        }
                        for m in members {
                            by_member.entry(m).or_default().push(group.clone());
                        }
                    }
                    *known = Some((std::time::Instant::now(), by_member));
                }
                // The last answer stands (or nobody is in a group yet): a person is refused
                // rather than trusted when Slack cannot say.
                Err(e) => tracing::warn!("usergroups.list: {e}; user group roles as last known"),
            }
        }
        if let Some((_, by_member)) = known.as_ref()
            && let Some(groups) = by_member.get(user_id)
        {
            roles.extend(groups.iter().cloned());
        }
        roles
    }

    /// The person behind a user id, named as Slack shows them (looked up once per process).
    async fn user(&self, id: &str) -> UserRef {
        let known = self
            .names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned();
        let name = match known {
            Some(n) => n,
            None => {
                let n = match self.api.user_name(id).await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!("users.info for {id}: {e}");
                        id.to_string()
                    }
                };
                self.names
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(id.to_string(), n.clone());
                n
            }
        };
        UserRef {
            platform: Platform::Slack,
            id: id.to_string(),
            name,
        }
    }

    async fn process(&self, incoming: Incoming) {
        let _active = self.outbox.enter();
        self.outbox.process(incoming).await;
    }

    /// `private_metadata` for a form opened from `channel`: the channel and its tag.
    fn metadata(&self, callback: &str, channel: &str) -> String {
        let tag = ring::hmac::sign(&self.forms, format!("{callback}|{channel}").as_bytes());
        let hex: String = tag.as_ref()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{channel}|{hex}")
    }

    /// The channel in a form's `private_metadata`, if this app wrote it for that form.
    fn metadata_channel(&self, callback: &str, metadata: &str) -> Option<String> {
        let (channel, _) = metadata.rsplit_once('|')?;
        (self.metadata(callback, channel) == metadata).then(|| channel.to_string())
    }

    /// Opens `form` for the person who pressed or typed (`trigger_id` lasts 3 s).
    async fn open_form(&self, form: &crate::desk::grammar::Form, trigger: &str, channel: &str) {
        let callback = form.id.encode();
        let view = render::form_view(form, &self.metadata(&callback, channel));
        if let Err(e) = self.api.open_view(trigger, view).await {
            tracing::error!("cannot open the form {callback}: {e}");
        }
    }

    /// An Events API envelope (`event_callback`); the work happens after the ack.
    pub fn event(self: &Arc<Self>, body: Value) -> Ack {
        match s(&body["type"]) {
            "url_verification" => Ack::Json(serde_json::json!({ "challenge": body["challenge"] })),
            "event_callback" => {
                let me = self.clone();
                self.after_ack(async move { me.on_event(body).await });
                Ack::Empty
            }
            other => Ack::Bad(format!("unknown Events API type `{other}`")),
        }
    }

    async fn on_event(&self, body: Value) {
        let event_id = s(&body["event_id"]).to_string();
        let e = &body["event"];
        if event_id.is_empty() {
            tracing::warn!("an event without event_id: ignored");
            return;
        }
        let key = format!("slack:event:{event_id}");
        let user_id = s(&e["user"]);
        // The bot's own messages and other bots' are never requests; edits and joins neither.
        if user_id.is_empty()
            || user_id == self.bot_user
            || !e["bot_id"].is_null()
            || (e.get("subtype").is_some() && s(&e["subtype"]) != "file_share")
        {
            return;
        }
        let channel = s(&e["channel"]).to_string();
        let ts = s(&e["ts"]).to_string();
        let thread_ts = s(&e["thread_ts"]).to_string();
        let text = s(&e["text"]).to_string();
        let incoming = match s(&e["type"]) {
            "message" if s(&e["channel_type"]) == "im" => {
                let user = self.user(user_id).await;
                Incoming::keyed(key, Event::UserMessage { user, text }).at(Address::direct())
            }
            // A reply in a thread: a user's conversation, a ticket's agent thread, or nobody's;
            // the desk knows which.
            "message" if !thread_ts.is_empty() && thread_ts != ts => {
                let by = self.user(user_id).await;
                Incoming::keyed(
                    key,
                    Event::ThreadMessage {
                        by,
                        roles: self.roles(user_id).await,
                        thread: thread_key(&channel, &thread_ts),
                        text,
                    },
                )
            }
            // Top-level channel messages come again as `app_mention` when they are for the app.
            "message" => return,
            // A mention inside a thread also comes as a `message` with `thread_ts` (above),
            // which the desk routes to the conversation or ticket the thread belongs to.
            "app_mention" if !thread_ts.is_empty() && thread_ts != ts => return,
            "app_mention" => {
                if !self.support_channels.contains(&channel) {
                    tracing::debug!(channel, "a mention outside the support channels: ignored");
                    return;
                }
                let text = text.replace(&format!("<@{}>", self.bot_user), "");
                let text = text.trim().to_string();
                let root = if thread_ts.is_empty() {
                    &ts
                } else {
                    &thread_ts
                };
                let user = self.user(user_id).await;
                Incoming::keyed(key, Event::UserMessage { user, text })
                    .at(Address::thread(&channel, &thread_key(&channel, root)))
            }
            "reaction_added" => {
                let item = &e["item"];
                let channel = s(&item["channel"]);
                if s(&e["reaction"]) != TICKET_REACTION
                    || s(&item["type"]) != "message"
                    || !self.support_channels.iter().any(|c| c == channel)
                {
                    return;
                }
                let Some(incoming) = self
                    .ticket_from_message(
                        user_id,
                        channel,
                        s(&item["ts"]),
                        Some((s(&e["item_user"]).to_string(), String::new(), String::new())),
                        "a :ticket: reaction",
                        None,
                    )
                    .await
                else {
                    return;
                };
                incoming
            }
            "app_home_opened" if s(&e["tab"]) == "home" => {
                let user = self.user(user_id).await;
                Incoming::keyed(key, Event::HomeOpened { user })
            }
            other => {
                tracing::debug!("Slack event `{other}` ignored");
                return;
            }
        };
        self.process(incoming).await;
    }

    /// A ticket made of the message `ts` in `channel` and its thread, asked for by `by_id`: the
    /// message's author is the requester (whoever asked, when a bot wrote it). Keyed by the
    /// message, so a second shortcut or reaction on it opens nothing new. `known` is the message
    /// as the payload carried it (author, text, thread ts), used when the thread cannot be read
    /// (the app is not in that channel).
    async fn ticket_from_message(
        &self,
        by_id: &str,
        channel: &str,
        ts: &str,
        known: Option<(String, String, String)>,
        how: &str,
        interaction: Option<Interaction>,
    ) -> Option<Incoming> {
        if channel.is_empty() || ts.is_empty() {
            return None;
        }
        let hint = known
            .as_ref()
            .map(|(.., thread)| thread.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| ts.to_string());
        // The whole thread the message starts or is in; else the message alone.
        let mut thread = match self.api.thread(channel, &hint, THREAD_LIMIT).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("conversations.replies in {channel}: {e}; the message alone");
                Vec::new()
            }
        };
        if thread.is_empty()
            && let Some((author, text, thread_ts)) = &known
        {
            thread.push(api::ChannelMessage {
                user: author.clone(),
                text: text.clone(),
                ts: ts.to_string(),
                thread_ts: thread_ts.clone(),
            });
        }
        let root = thread
            .first()
            .map(|m| {
                if m.thread_ts.is_empty() {
                    m.ts.clone()
                } else {
                    m.thread_ts.clone()
                }
            })
            .filter(|r| !r.is_empty())
            .unwrap_or(hint);
        // The author of the message asked about, not necessarily the thread's starter.
        let author = known
            .as_ref()
            .map(|(a, ..)| a.clone())
            .filter(|a| !a.is_empty())
            .or_else(|| thread.iter().find(|m| m.ts == ts).map(|m| m.user.clone()))
            .unwrap_or_default();
        if !thread
            .iter()
            .any(|m| !m.user.is_empty() && !m.text.trim().is_empty())
        {
            tracing::warn!("a ticket asked for from {channel} {ts}: no message with text found");
            return None;
        }
        // A bot's message (or one whose author is unknown) is the asker's request.
        let requester_id = if author.is_empty() || author == self.bot_user {
            by_id.to_string()
        } else {
            author
        };
        let user = self.user(&requester_id).await;
        let by = self.user(by_id).await;
        let mut messages = Vec::new();
        for m in thread {
            if m.user.is_empty() || m.user == self.bot_user {
                continue;
            }
            let name = self.user(&m.user).await.name;
            messages.push(Quoted {
                name,
                by_requester: m.user == requester_id,
                text: m.text,
            });
        }
        let mut incoming = Incoming::keyed(
            format!("slack:message-ticket:{channel}:{ts}"),
            Event::TicketFromMessages {
                user,
                by,
                how: how.to_string(),
                messages,
            },
        )
        .at(if channel.starts_with('D') {
            Address::direct()
        } else {
            Address::thread(channel, &thread_key(channel, &root))
        });
        incoming.interaction = interaction;
        Some(incoming)
    }

    /// An interactive payload (`block_actions`, `view_submission`, `message_action`,
    /// `shortcut`); what needs answering at once (a view's field errors) is the ack.
    pub fn interactive(self: &Arc<Self>, p: Value) -> Ack {
        match s(&p["type"]) {
            "block_actions" => {
                let me = self.clone();
                self.after_ack(async move { me.on_actions(p).await });
                Ack::Empty
            }
            "view_submission" => self.on_view(p),
            "message_action" | "shortcut" => {
                let me = self.clone();
                self.after_ack(async move { me.on_shortcut(p).await });
                Ack::Empty
            }
            "view_closed" => Ack::Empty,
            other => Ack::Bad(format!("unknown interactive payload type `{other}`")),
        }
    }

    async fn on_actions(&self, p: Value) {
        let user_id = s(&p["user"]["id"]).to_string();
        let channel = s(&p["channel"]["id"]).to_string();
        let trigger = s(&p["trigger_id"]).to_string();
        let message_ts = s(&p["container"]["message_ts"]).to_string();
        let thread_ts = {
            let t = s(&p["container"]["thread_ts"]);
            if t.is_empty() {
                s(&p["message"]["thread_ts"]).to_string()
            } else {
                t.to_string()
            }
        };
        let Some(actions) = p["actions"].as_array() else {
            return;
        };
        for a in actions {
            let raw = s(&a["action_id"]);
            let Some(id) = ActionId::decode(raw).filter(|id| !id.is_form()) else {
                tracing::warn!("unknown button `{raw}` from slack:{user_id}: ignored");
                continue;
            };
            if let Some(form) = id.form() {
                self.open_form(&form, &trigger, &channel).await;
                continue;
            }
            let Some(pressed) = id.pressed() else {
                continue;
            };
            let who = self.user(&user_id).await;
            let event = match pressed {
                Pressed::Choice(choice) => Event::UserChoice { user: who, choice },
                Pressed::Agent(command) => Event::Agent {
                    by: who,
                    roles: self.roles(&user_id).await,
                    command,
                },
            };
            // One interaction, one trigger id (Slack's `action_ts` is only as fine as a
            // microsecond, and a replayed payload carries the same trigger).
            let key = format!("slack:action:{trigger}:{raw}");
            let mut incoming = Incoming::keyed(key, event).answering(Interaction {
                id: channel.clone(),
                token: String::new(),
            });
            if matches!(incoming.event, Event::UserChoice { .. }) {
                // Their answer is read in their conversation: a DM, or the thread it lives in.
                incoming.reply_to = Some(if channel.starts_with('D') {
                    Address::direct()
                } else {
                    let root = if thread_ts.is_empty() {
                        &message_ts
                    } else {
                        &thread_ts
                    };
                    Address::thread(&channel, &thread_key(&channel, root))
                });
            }
            self.process(incoming).await;
        }
    }

    fn on_view(self: &Arc<Self>, p: Value) -> Ack {
        let view = &p["view"];
        let callback = s(&view["callback_id"]);
        let user_id = s(&p["user"]["id"]).to_string();
        let Some(id) = ActionId::decode(callback).filter(ActionId::is_form) else {
            tracing::warn!("a submitted view `{callback}` this app does not make: ignored");
            return Ack::Empty;
        };
        let Some(channel) = self.metadata_channel(callback, s(&view["private_metadata"])) else {
            tracing::warn!(
                "a submitted view `{callback}` from slack:{user_id} that this app did not open: ignored"
            );
            return Ack::Empty;
        };
        let values = render::view_values(view);
        let field = |f: &str| values.get(f).cloned().unwrap_or_default();
        let submitted = id.submitted(field);
        if let Some(Err(problem)) = &submitted {
            // Said in the form, next to its fields; nothing recorded.
            let errors: serde_json::Map<String, Value> = values
                .keys()
                .filter(|k| matches!(k.as_str(), "minutes" | "reason" | "when"))
                .map(|k| (k.clone(), Value::String(problem.clone())))
                .collect();
            return Ack::Json(serde_json::json!({ "response_action": "errors", "errors": errors }));
        }
        let key = format!("slack:view:{}", s(&view["id"]));
        let me = self.clone();
        let values_again = values.clone();
        self.after_ack(async move {
            let who = me.user(&user_id).await;
            let field = |f: &str| values_again.get(f).cloned().unwrap_or_default();
            let (event, reply_to) = match submitted {
                Some(Ok(command)) => (
                    Event::Agent {
                        by: who,
                        roles: me.roles(&user_id).await,
                        command,
                    },
                    None,
                ),
                Some(Err(_)) => return,
                None => (
                    Event::OpenTicket {
                        user: who,
                        subject: field("subject"),
                        description: field("description"),
                    },
                    Some(if channel.is_empty() || channel.starts_with('D') {
                        Address::direct()
                    } else {
                        Address {
                            channel: Some(channel.clone()),
                            thread: None,
                        }
                    }),
                ),
            };
            let mut incoming = Incoming::keyed(key, event).answering(Interaction {
                id: channel,
                token: String::new(),
            });
            incoming.reply_to = reply_to;
            me.process(incoming).await;
        });
        Ack::Empty
    }

    /// The "Create ticket" message shortcut: the message and its thread become a ticket of the
    /// message's author; whoever used the shortcut is told its id.
    async fn on_shortcut(&self, p: Value) {
        if s(&p["callback_id"]) == "report_phishing" {
            return self.on_report_phishing(p).await;
        }
        if s(&p["callback_id"]) != "create_ticket" {
            tracing::warn!(
                "unknown shortcut `{}`: add it to the app or remove it",
                s(&p["callback_id"])
            );
            return;
        }
        let user_id = s(&p["user"]["id"]).to_string();
        let channel = s(&p["channel"]["id"]).to_string();
        let m = &p["message"];
        let known = (
            s(&m["user"]).to_string(),
            s(&m["text"]).to_string(),
            s(&m["thread_ts"]).to_string(),
        );
        let interaction = Interaction {
            id: channel.clone(),
            token: String::new(),
        };
        if let Some(incoming) = self
            .ticket_from_message(
                &user_id,
                &channel,
                s(&m["ts"]),
                Some(known),
                "the Create ticket shortcut",
                Some(interaction),
            )
            .await
        {
            self.process(incoming).await;
        }
    }

    /// The "Report phishing" message shortcut (callback id `report_phishing`): the message it is
    /// used on becomes a phishing report of whoever used it (never of the message's author, who
    /// may be the attacker); they get the safe first answer, visible only to them. Keyed by the
    /// message and the reporter: a second use by the same person opens nothing new, another
    /// person's report is a report of its own (how many people reported it counts).
    async fn on_report_phishing(&self, p: Value) {
        let user_id = s(&p["user"]["id"]).to_string();
        let channel = s(&p["channel"]["id"]).to_string();
        let m = &p["message"];
        let (ts, text) = (s(&m["ts"]), s(&m["text"]));
        if user_id.is_empty() || channel.is_empty() || ts.is_empty() {
            tracing::warn!("a Report phishing shortcut without user, channel or message: ignored");
            return;
        }
        let author = s(&m["user"]);
        let name = if author.is_empty() {
            // A message from a bot or an integration: its name as Slack shows it, if any.
            let shown = s(&m["username"]);
            if shown.is_empty() {
                "unknown sender".to_string()
            } else {
                shown.to_string()
            }
        } else {
            self.user(author).await.name
        };
        let user = self.user(&user_id).await;
        let mut incoming = Incoming::keyed(
            format!("slack:phishing-report:{channel}:{ts}:{user_id}"),
            Event::PhishingReport {
                user,
                how: "the Report phishing shortcut".into(),
                reported: vec![Quoted {
                    name,
                    by_requester: author == user_id,
                    text: text.to_string(),
                }],
            },
        )
        .at(Address::direct());
        incoming.interaction = Some(Interaction {
            id: channel,
            token: String::new(),
        });
        self.process(incoming).await;
    }

    /// A slash command (`/ticket`, `/status`, `/faq words`, `/hours`, `/stats [period]`), as
    /// form fields.
    pub fn command(self: &Arc<Self>, f: HashMap<String, String>) -> Ack {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        let (command, user_id, channel, trigger, text) = (
            get("command"),
            get("user_id"),
            get("channel_id"),
            get("trigger_id"),
            get("text"),
        );
        if user_id.is_empty() {
            return Ack::Bad("a command without user_id".into());
        }
        let me = self.clone();
        self.after_ack(async move {
            let who = me.user(&user_id).await;
            let event = match command.trim_start_matches('/') {
                "ticket" => {
                    me.open_form(&ActionId::ticket_form(), &trigger, &channel)
                        .await;
                    return;
                }
                "status" => Event::StatusRequest { user: who },
                "faq" => Event::FaqSearch {
                    user: who,
                    query: text,
                },
                "hours" => Event::FaqSearch {
                    user: who,
                    query: "support hours".into(),
                },
                "stats" => Event::Stats {
                    roles: me.roles(&user_id).await,
                    by: who,
                    period: text,
                },
                other => {
                    tracing::warn!("unknown command /{other}");
                    return;
                }
            };
            let incoming =
                Incoming::keyed(format!("slack:command:{trigger}"), event).answering(Interaction {
                    id: channel,
                    token: String::new(),
                });
            me.process(incoming).await;
        });
        Ack::Empty
    }
}

/// The Slack connection for `/healthz`: the Web API answers `auth.test`.
struct SlackLink {
    api: Arc<SlackApi>,
}

impl Connectivity for SlackLink {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move {
            self.api
                .auth_test()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}

/// Runs the adapter until `shutdown` resolves: the token is checked first (`auth.test`, one
/// error naming the address when refused), then the HTTP endpoints or the Socket Mode connection
/// serve until shutdown, after which turns in flight finish and the outbox drains.
pub async fn run(
    desk: Arc<Desk>,
    settings: SlackSettings,
    tokens: SlackTokens,
    observe: Arc<Observe>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let api = Arc::new(SlackApi::new(settings.api_base.as_deref(), &tokens.bot));
    let bot_user = api.auth_test().await.map_err(|e| match e.code() {
        Some(code) => anyhow!(
            "Slack refused the bot token ({code} from {}auth.test): check SLACK_BOT_TOKEN",
            api.base()
        ),
        None => anyhow!("{e}"),
    })?;
    let role_groups: Vec<String> = desk
        .config()
        .platform_roles
        .iter()
        .filter(|r| r.platform == Platform::Slack && r.id.starts_with('S'))
        .map(|r| r.id.clone())
        .collect();
    let delivery = Arc::new(SlackDelivery::new(api.clone()));
    let outbox = Outbox::observed(desk, delivery, observe.metrics().clone());
    // The key that tags forms' metadata: the signing secret, or in Socket Mode (which has none)
    // the app token; both are secrets only this process and Slack hold.
    let form_secret = if tokens.signing_secret.is_empty() {
        tokens.app.clone().unwrap_or_default()
    } else {
        tokens.signing_secret.clone()
    };
    let ingress = Arc::new(Ingress::new(
        outbox.clone(),
        api.clone(),
        bot_user,
        &settings,
        form_secret.as_bytes(),
        role_groups,
    ));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(outbox.clone().run(stopped));
    let served = match (&tokens.app, settings.listen) {
        (Some(app), _) if settings.socket_mode => {
            let link = Arc::new(socket::SocketLink::default());
            observe.watch(link.clone());
            let (halt, halted) = tokio::sync::watch::channel(false);
            let socket = tokio::spawn(socket::run(
                ingress.clone(),
                api.with_token(app),
                link,
                halted,
            ));
            tokio::pin!(shutdown);
            tokio::pin!(socket);
            tokio::select! {
                () = &mut shutdown => {
                    let _ = halt.send(true);
                    socket.await.unwrap_or_else(|e| Err(anyhow!("Socket Mode: {e}")))
                }
                r = &mut socket => r.unwrap_or_else(|e| Err(anyhow!("Socket Mode: {e}"))),
            }
        }
        (_, Some(addr)) => {
            observe.watch(Arc::new(SlackLink { api: api.clone() }));
            let server = http::serve(ingress.clone(), &tokens.signing_secret, addr).await?;
            tracing::info!("Slack endpoints on http://{}/slack/events", server.addr());
            shutdown.await;
            server.stop().await;
            Ok(())
        }
        _ => Err(anyhow!(
            "[slack] needs listen (the Events API over HTTP) or socket_mode = true with SLACK_APP_TOKEN"
        )),
    };
    let _ = stop.send(true);
    if let Err(e) = worker.await {
        tracing::error!("outbox worker: {e}");
    }
    served
}
