//! The Discord adapter (serenity 0.12): gateway payloads in, desk events out; outbox entries in,
//! REST calls out. It holds no business rule and no store access: who may act as an agent, what a
//! message means, which buttons a card shows and what a form's fields mean are the desk's
//! (`crate::desk::grammar`); the outbox and its retries are the worker's
//! (`crate::platform::worker`).
//!
//! End users write in direct messages or in configured support channels (each conversation gets a
//! thread there); escalation cards are embeds with buttons in each queue's channel; the buttons'
//! ids carry the ticket id, so cards posted before a restart keep working. Every event carries
//! its Discord id as the idempotency key, so a redelivery is handled once even after a restart,
//! and every message the bot creates carries its outbox id as an enforced nonce, so a re-send
//! after a crash shows once.

pub mod connect;
mod deliver;
pub mod render;

use std::sync::Arc;

use anyhow::{Context as _, Result, anyhow};
use serenity::all::{
    ActionRowComponent, ChannelId, Command, CommandInteraction, CommandOptionType, CommandType,
    ComponentInteraction, Context, CreateActionRow, CreateCommand, CreateCommandOption,
    CreateInputText, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateModal, CreateThread, EventHandler, GatewayIntents,
    HttpBuilder, InputTextStyle, Interaction as DiscordInteraction, Message, ModalInteraction,
    Ready,
};
use serenity::async_trait;

use crate::config::DiscordSettings;
use crate::desk::grammar::{Form, Pressed};
use crate::desk::{ActionId, Address, Desk, Event, Incoming, Interaction, Quoted};
use crate::platform::observe::{Metrics, Observe};
use crate::platform::worker::Outbox;
use crate::tickets::{Platform, UserRef};
pub use connect::Link;
pub use deliver::DiscordDelivery;

/// The gateway intents the bot needs: guild and direct messages, and their content.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

/// How many shards to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shards {
    /// As many as Discord recommends (`--shards auto`).
    Auto,
    Fixed(u32),
}

pub struct Handler {
    outbox: Arc<Outbox<DiscordDelivery>>,
    settings: DiscordSettings,
    link: Arc<Link>,
}

fn user_ref(u: &serenity::all::User) -> UserRef {
    UserRef {
        platform: Platform::Discord,
        id: u.id.get().to_string(),
        name: u.name.clone(),
    }
}

pub(crate) fn parse_id(s: &str) -> Option<u64> {
    s.trim().parse().ok().filter(|n| *n != 0)
}

fn roles_of(roles: Option<&[serenity::all::RoleId]>) -> Vec<String> {
    roles
        .map(|r| r.iter().map(|r| r.get().to_string()).collect())
        .unwrap_or_default()
}

/// Text inputs of a modal by custom id.
fn modal_field(m: &ModalInteraction, id: &str) -> String {
    for row in &m.data.components {
        for c in &row.components {
            if let ActionRowComponent::InputText(t) = c
                && t.custom_id == id
            {
                return t.value.clone().unwrap_or_default();
            }
        }
    }
    String::new()
}

/// A desk form as a Discord modal.
fn modal(form: &Form) -> CreateInteractionResponse {
    let rows = form
        .fields
        .iter()
        .map(|f| {
            let style = if f.long {
                InputTextStyle::Paragraph
            } else {
                InputTextStyle::Short
            };
            CreateActionRow::InputText(
                CreateInputText::new(style, f.label, f.id).required(!f.optional),
            )
        })
        .collect();
    CreateInteractionResponse::Modal(
        CreateModal::new(form.id.encode(), form.title.clone()).components(rows),
    )
}

fn answering(id: serenity::all::InteractionId, token: &str) -> Interaction {
    Interaction {
        id: id.get().to_string(),
        token: token.to_string(),
    }
}

impl Handler {
    pub fn new(
        outbox: Arc<Outbox<DiscordDelivery>>,
        settings: DiscordSettings,
        link: Arc<Link>,
    ) -> Handler {
        Handler {
            outbox,
            settings,
            link,
        }
    }

    fn is_support_channel(&self, id: ChannelId) -> bool {
        self.settings
            .support_channels
            .iter()
            .any(|c| parse_id(c) == Some(id.get()))
    }

    /// One event through the desk, its Discord entries delivered before returning.
    async fn process(&self, incoming: Incoming) {
        let _active = self.outbox.enter();
        self.outbox.process(incoming).await;
    }

    async fn on_message(&self, ctx: Context, msg: Message) {
        // Our own messages and other bots' are never requests.
        if msg.author.bot {
            return;
        }
        let user = user_ref(&msg.author);
        let key = format!("discord:message:{}", msg.id.get());
        let text = msg.content.clone();
        let incoming = if msg.guild_id.is_none() {
            Incoming::keyed(key, Event::UserMessage { user, text }).at(Address::direct())
        } else if self.is_support_channel(msg.channel_id) {
            // A new conversation in a support channel gets a thread of its own.
            let name: String = format!("{}: {}", msg.author.name, msg.content)
                .chars()
                .take(90)
                .collect();
            let address = match msg
                .channel_id
                .create_thread_from_message(&ctx.http, msg.id, CreateThread::new(name))
                .await
            {
                Ok(t) => {
                    Address::thread(&msg.channel_id.get().to_string(), &t.id.get().to_string())
                }
                Err(e) => {
                    tracing::error!("cannot open a thread: {e}");
                    Address {
                        channel: Some(msg.channel_id.get().to_string()),
                        thread: None,
                    }
                }
            };
            Incoming::keyed(key, Event::UserMessage { user, text }).at(address)
        } else {
            // Any other channel: a conversation's or a ticket's thread, or nothing; the desk
            // knows which.
            Incoming::keyed(
                key,
                Event::ThreadMessage {
                    by: user,
                    roles: roles_of(msg.member.as_deref().map(|m| m.roles.as_slice())),
                    thread: msg.channel_id.get().to_string(),
                    text,
                },
            )
        };
        self.process(incoming).await;
    }

    async fn on_component(&self, ctx: Context, c: ComponentInteraction) {
        let who = user_ref(&c.user);
        let decoded = ActionId::decode(&c.data.custom_id).filter(|id| !id.is_form());
        let Some(id) = decoded else {
            tracing::warn!("unknown button `{}` from {}", c.data.custom_id, who.key());
            let _ = c
                .create_response(
                    &ctx.http,
                    CreateInteractionResponse::Message(
                        CreateInteractionResponseMessage::new()
                            .content("Unknown action.")
                            .ephemeral(true),
                    ),
                )
                .await;
            return;
        };
        // Forms first: they are the response, and must come within 3 s.
        if let Some(form) = id.form() {
            if let Err(e) = c.create_response(&ctx.http, modal(&form)).await {
                tracing::error!("cannot open a form: {e}");
            }
            return;
        }
        // Acknowledge at once (the fast path inside Discord's 3 s); the desk's answer follows.
        if let Err(e) = c.defer_ephemeral(&ctx.http).await {
            tracing::error!("cannot acknowledge an interaction: {e}");
        }
        let event = match id.pressed() {
            Some(Pressed::Choice(choice)) => Event::UserChoice { user: who, choice },
            Some(Pressed::Agent(command)) => Event::Agent {
                by: who,
                roles: roles_of(c.member.as_ref().map(|m| m.roles.as_slice())),
                command,
            },
            None => return,
        };
        let incoming = Incoming::keyed(format!("discord:interaction:{}", c.id.get()), event)
            .answering(answering(c.id, &c.token));
        self.process(incoming).await;
    }

    async fn on_modal(&self, ctx: Context, m: ModalInteraction) {
        let who = user_ref(&m.user);
        if let Err(e) = m.defer_ephemeral(&ctx.http).await {
            tracing::error!("cannot acknowledge a form: {e}");
        }
        let Some(id) = ActionId::decode(&m.data.custom_id).filter(ActionId::is_form) else {
            tracing::warn!("unknown form `{}` from {}", m.data.custom_id, who.key());
            return;
        };
        let event = match id.submitted(|f| modal_field(&m, f)) {
            Some(Ok(command)) => Event::Agent {
                by: who,
                roles: roles_of(m.member.as_ref().map(|m| m.roles.as_slice())),
                command,
            },
            Some(Err(problem)) => {
                // A form filled in wrongly: said to the person, nothing to record.
                let _ = m
                    .create_followup(
                        &ctx.http,
                        CreateInteractionResponseFollowup::new()
                            .content(problem)
                            .ephemeral(true),
                    )
                    .await;
                return;
            }
            None => Event::OpenTicket {
                user: who,
                subject: modal_field(&m, "subject"),
                description: modal_field(&m, "description"),
            },
        };
        let mut incoming = Incoming::keyed(format!("discord:interaction:{}", m.id.get()), event)
            .answering(answering(m.id, &m.token));
        if matches!(incoming.event, Event::OpenTicket { .. }) {
            incoming.reply_to = Some(if m.guild_id.is_some() {
                Address {
                    channel: Some(m.channel_id.get().to_string()),
                    thread: None,
                }
            } else {
                Address::direct()
            });
        }
        self.process(incoming).await;
    }

    async fn on_command(&self, ctx: Context, c: CommandInteraction) {
        let who = user_ref(&c.user);
        let event = match c.data.name.as_str() {
            "ticket" => {
                if let Err(e) = c
                    .create_response(&ctx.http, modal(&ActionId::ticket_form()))
                    .await
                {
                    tracing::error!("cannot open the ticket form: {e}");
                }
                return;
            }
            "status" => Event::StatusRequest { user: who },
            "faq" => {
                let query = c
                    .data
                    .options
                    .iter()
                    .find(|o| o.name == "query")
                    .and_then(|o| o.value.as_str())
                    .unwrap_or("")
                    .to_string();
                Event::FaqSearch { user: who, query }
            }
            "hours" => Event::FaqSearch {
                user: who,
                query: "support hours".into(),
            },
            "stats" => Event::Stats {
                by: who,
                roles: roles_of(c.member.as_ref().map(|m| m.roles.as_slice())),
                period: c
                    .data
                    .options
                    .iter()
                    .find(|o| o.name == "period")
                    .and_then(|o| o.value.as_str())
                    .unwrap_or("")
                    .to_string(),
            },
            REPORT_PHISHING => {
                // The message the command was used on: a phishing report of whoever used it
                // (never of its author, who may be the attacker), once per message and person.
                let Some(serenity::all::ResolvedTarget::Message(m)) = c.data.target() else {
                    tracing::warn!("`{REPORT_PHISHING}` without a message: ignored");
                    return;
                };
                if let Err(e) = c.defer_ephemeral(&ctx.http).await {
                    tracing::error!("cannot acknowledge a command: {e}");
                }
                let key = format!("discord:phishing-report:{}:{}", m.id.get(), c.user.id.get());
                let event = Event::PhishingReport {
                    user: who,
                    how: "the Report phishing command".into(),
                    reported: vec![Quoted {
                        name: m.author.name.clone(),
                        by_requester: m.author.id == c.user.id,
                        text: m.content.clone(),
                    }],
                };
                let incoming = Incoming::keyed(key, event)
                    .at(Address::direct())
                    .answering(answering(c.id, &c.token));
                self.process(incoming).await;
                return;
            }
            other => {
                tracing::warn!("unknown command /{other}");
                return;
            }
        };
        if let Err(e) = c.defer_ephemeral(&ctx.http).await {
            tracing::error!("cannot acknowledge a command: {e}");
        }
        let incoming = Incoming::keyed(format!("discord:interaction:{}", c.id.get()), event)
            .answering(answering(c.id, &c.token));
        self.process(incoming).await;
    }
}

/// The message context-menu command that reports a message as phishing (Apps → Report
/// phishing on a message).
pub const REPORT_PHISHING: &str = "Report phishing";

/// The slash commands the bot offers, and the message command that reports phishing.
pub fn commands() -> Vec<CreateCommand> {
    vec![
        CreateCommand::new(REPORT_PHISHING).kind(CommandType::Message),
        CreateCommand::new("ticket").description("Open a support ticket"),
        CreateCommand::new("status").description("The status of your tickets"),
        CreateCommand::new("faq")
            .description("Search the IT knowledge base")
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "query",
                    "What are you looking for?",
                )
                .required(true),
            ),
        CreateCommand::new("hours").description("When support is available"),
        CreateCommand::new("stats")
            .description("Support desk figures and the ticket volume chart (agents and admins)")
            .add_option(CreateCommandOption::new(
                CommandOptionType::String,
                "period",
                "last week, this month, 30d, 2026-11, 2026-W47... (default: the last 7 days)",
            )),
    ]
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(
            "connected to Discord as {} (shard {:?})",
            ready.user.name,
            ready.shard
        );
        self.link.ready();
        crate::platform::observe::logs::connected();
        if let Err(e) = Command::set_global_commands(&ctx.http, commands()).await {
            tracing::error!(
                "cannot register slash commands (is the bot invited with the applications.commands scope?): {e}"
            );
        }
        // Whatever waited while no process served Discord goes out now.
        self.outbox.wake();
    }

    async fn message(&self, ctx: Context, msg: Message) {
        self.on_message(ctx, msg).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: DiscordInteraction) {
        match interaction {
            DiscordInteraction::Component(c) => self.on_component(ctx, c).await,
            DiscordInteraction::Modal(m) => self.on_modal(ctx, m).await,
            DiscordInteraction::Command(c) => self.on_command(ctx, c).await,
            _ => {}
        }
    }
}

/// A built client and the outbox worker that delivers for it.
pub struct Bot {
    pub client: serenity::Client,
    pub outbox: Arc<Outbox<DiscordDelivery>>,
    /// The gateway connection's state (READY seen, shards connected).
    pub link: Arc<Link>,
}

/// Serenity's REST client: through `api_base` when set (a proxy or a test server, with serenity's
/// own rate limiter off since it ignores the proxy), production defaults otherwise.
fn http(settings: &DiscordSettings, token: &str) -> serenity::http::Http {
    let mut http = HttpBuilder::new(token);
    if let Some(base) = &settings.api_base {
        http = http
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    http.build()
}

/// Builds the serenity client and its outbox worker: REST through `api_base` when set (a proxy or
/// a test server, with serenity's own rate limiter off since it ignores the proxy), production
/// defaults otherwise. The worker's background loop is not started: see [`Bot::spawn_outbox`].
pub async fn client(desk: Arc<Desk>, settings: DiscordSettings, token: &str) -> Result<Bot> {
    client_with(desk, settings, token, Arc::new(Metrics::new()), Link::new()).await
}

/// [`client`], counting what its worker receives and delivers in `metrics` and keeping its
/// connection state in `link`.
pub async fn client_with(
    desk: Arc<Desk>,
    settings: DiscordSettings,
    token: &str,
    metrics: Arc<Metrics>,
    link: Arc<Link>,
) -> Result<Bot> {
    let http = http(&settings, token);
    let delivery = Arc::new(DiscordDelivery::new());
    let outbox = Outbox::observed(desk, delivery.clone(), metrics);
    let client = serenity::all::ClientBuilder::new_with_http(http, intents())
        .event_handler(Handler::new(outbox.clone(), settings, link.clone()))
        .await
        .context("building the Discord client")?;
    delivery.set_http(client.http.clone());
    Ok(Bot {
        client,
        outbox,
        link,
    })
}

impl Bot {
    /// Starts the outbox's background loop; it stops (after draining and flushing) when
    /// `shutdown` turns true.
    pub fn spawn_outbox(
        &self,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.outbox.clone().run(shutdown))
    }
}

/// Runs the adapter until `shutdown` resolves or the connection fails for good: on shutdown the
/// shards stop taking events, turns in flight finish and deliver, the outbox drains, and the store
/// is flushed last.
///
/// Start-up fails fast: the token, the REST API and the gateway's address are checked first (see
/// [`connect`]), and the first READY must come within [`connect::START_BUDGET`]; every failure is
/// one sentence naming the cause and the address. After the first READY, lost connections are
/// retried as serenity does.
pub async fn run(
    desk: Arc<Desk>,
    settings: DiscordSettings,
    token: String,
    shards: Shards,
    observe: Arc<Observe>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    if token.trim().is_empty() {
        return Err(anyhow!(
            "DISCORD_TOKEN is empty: set it to the bot token from the Discord developer portal"
        ));
    }
    // Unhealthy until connected.
    let link = Link::new();
    observe.watch(link.clone());
    let deadline = tokio::time::Instant::now() + connect::START_BUDGET;
    let base = connect::api_base(settings.api_base.as_deref());
    let gateway = connect::preflight(&http(&settings, &token), &base, deadline)
        .await
        .map_err(|e| anyhow!(e))?;
    let Bot {
        mut client, outbox, ..
    } = client_with(
        desk,
        settings,
        &token,
        observe.metrics().clone(),
        link.clone(),
    )
    .await?;
    // Serenity asked for the gateway's address itself and falls back to Discord's on a failure:
    // the address checked above is the one to use.
    *client.ws_url.lock().await = gateway.url.clone();
    let count = match shards {
        Shards::Auto => gateway.shards,
        Shards::Fixed(n) => n,
    };
    link.attach(client.shard_manager.clone(), count);

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(outbox.clone().run(stopped));
    let manager = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown.await;
        manager.shutdown_all().await;
    });
    let started = async {
        match shards {
            Shards::Auto => client.start_autosharded().await,
            Shards::Fixed(n) => client.start_shards(n).await,
        }
    };
    tokio::pin!(started);
    // Until the first READY, a client that cannot connect would retry forever: give up at the
    // deadline instead.
    let result = tokio::select! {
        r = &mut started => r.map_err(|e| connect::gateway_error(&e, &gateway.url)),
        () = link.first_ready() => started
            .await
            .map_err(|e| connect::gateway_error(&e, &gateway.url)),
        () = tokio::time::sleep_until(deadline) => Err(format!(
            "no READY from the Discord gateway at {} within {} s: check the network and that the address is Discord's gateway",
            gateway.url,
            connect::START_BUDGET.as_secs()
        )),
    };
    // Intake has stopped: let the worker finish what is in flight, drain and flush.
    let _ = stop.send(true);
    if let Err(e) = worker.await {
        tracing::error!("outbox worker: {e}");
    }
    result.map_err(|e| anyhow!(e))
}
