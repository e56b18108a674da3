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
use crate::desk::{ActionId, Address, Desk, Event, Incoming, Interaction};
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
}

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
    ) -> Ingress {
        Ingress {
            outbox,
            api,
            bot_user,
            support_channels: settings.support_channels.clone(),
            names: Mutex::new(HashMap::new()),
            forms: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, form_secret),
        }
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
                tokio::spawn(async move { me.on_event(body).await });
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
                        roles: vec![user_id.to_string()],
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
            other => {
                tracing::debug!("Slack event `{other}` ignored");
                return;
            }
        };
        self.process(incoming).await;
    }

    /// An interactive payload (`block_actions`, `view_submission`, `message_action`,
    /// `shortcut`); what needs answering at once (a view's field errors) is the ack.
    pub fn interactive(self: &Arc<Self>, p: Value) -> Ack {
        match s(&p["type"]) {
            "block_actions" => {
                let me = self.clone();
                tokio::spawn(async move { me.on_actions(p).await });
                Ack::Empty
            }
            "view_submission" => self.on_view(p),
            "message_action" | "shortcut" => {
                let me = self.clone();
                tokio::spawn(async move { me.on_shortcut(p).await });
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
                    roles: vec![user_id.clone()],
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
                .filter(|k| k.as_str() == "minutes")
                .map(|k| (k.clone(), Value::String(problem.clone())))
                .collect();
            return Ack::Json(serde_json::json!({ "response_action": "errors", "errors": errors }));
        }
        let key = format!("slack:view:{}", s(&view["id"]));
        let me = self.clone();
        let values_again = values.clone();
        tokio::spawn(async move {
            let who = me.user(&user_id).await;
            let field = |f: &str| values_again.get(f).cloned().unwrap_or_default();
            let (event, reply_to) = match submitted {
                Some(Ok(command)) => (
                    Event::Agent {
                        by: who,
                        roles: vec![user_id.clone()],
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

    /// The "Create ticket" message shortcut: the message becomes a ticket for the person whose
    /// message it is not necessarily: for the one who used the shortcut, about that message.
    async fn on_shortcut(&self, p: Value) {
        if s(&p["callback_id"]) != "create_ticket" {
            tracing::warn!(
                "unknown shortcut `{}`: add it to the app or remove it",
                s(&p["callback_id"])
            );
            return;
        }
        let user_id = s(&p["user"]["id"]).to_string();
        let channel = s(&p["channel"]["id"]).to_string();
        let text = s(&p["message"]["text"]).to_string();
        let ts = s(&p["message"]["ts"]).to_string();
        let thread = {
            let t = s(&p["message"]["thread_ts"]);
            if t.is_empty() {
                ts.clone()
            } else {
                t.to_string()
            }
        };
        let subject: String = text.lines().next().unwrap_or("").chars().take(80).collect();
        let user = self.user(&user_id).await;
        let key = format!("slack:shortcut:{}", s(&p["trigger_id"]));
        let address = if channel.starts_with('D') || channel.is_empty() {
            Address::direct()
        } else {
            Address::thread(&channel, &thread_key(&channel, &thread))
        };
        let incoming = Incoming::keyed(
            key,
            Event::OpenTicket {
                user,
                subject,
                description: text,
            },
        )
        .at(address)
        .answering(Interaction {
            id: channel,
            token: String::new(),
        });
        self.process(incoming).await;
    }

    /// A slash command (`/ticket`, `/status`, `/faq words`, `/hours`), as form fields.
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
        tokio::spawn(async move {
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
