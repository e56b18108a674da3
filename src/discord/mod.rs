//! The Discord adapter (serenity 0.12). It translates gateway events into desk [`Event`]s and the
//! desk's [`Action`]s into REST calls, and holds no business rules: who may act as an agent, what a
//! message means and what happens to a ticket are the desk's decisions.
//!
//! End users write in direct messages or in configured support channels (each conversation gets a
//! thread there); escalation cards are embeds with buttons in each queue's channel; the buttons'
//! custom ids carry the ticket id, so cards posted before a restart keep working.

pub mod render;

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result, anyhow};
use serenity::all::{
    ActionRowComponent, ChannelId, CommandInteraction, ComponentInteraction, Context,
    CreateActionRow, CreateCommand, CreateCommandOption, CreateInputText,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    CreateMessage, CreateModal, CreateThread, EditMessage, EventHandler, GatewayIntents,
    HttpBuilder, InputTextStyle, Interaction, Message, MessageId, ModalInteraction, Ready, UserId,
};
use serenity::all::{Command, CommandOptionType};
use serenity::async_trait;

use crate::config::DiscordSettings;
use crate::desk::{Action, AgentCommand, Choice, Desk, Event};
use crate::tickets::{UserRef, now_ms};
use render::{CustomId, card_buttons, card_embed, split_message, user_buttons};

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

/// Remembers recent event ids so a duplicate delivery (a gateway replay after a resume) is
/// handled once.
struct Seen {
    order: VecDeque<u64>,
    set: HashSet<u64>,
}

impl Seen {
    const CAPACITY: usize = 10_000;

    /// True the first time an id is seen.
    fn first(&mut self, id: u64) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > Self::CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

pub struct Handler {
    desk: Arc<Desk>,
    settings: DiscordSettings,
    seen: Mutex<Seen>,
    /// DM channel per user id (a DM channel never changes).
    dms: Mutex<std::collections::HashMap<u64, ChannelId>>,
}

fn user_ref(u: &serenity::all::User) -> UserRef {
    UserRef {
        platform: "discord".into(),
        id: u.id.get().to_string(),
        name: u.name.clone(),
    }
}

fn parse_id(s: &str) -> Option<u64> {
    s.trim().parse().ok().filter(|n| *n != 0)
}

/// The person who pressed a button or sent a form, and their guild role ids.
fn actor(
    user: &serenity::all::User,
    member: Option<&serenity::all::Member>,
) -> (UserRef, Vec<String>) {
    let roles = member
        .map(|m| m.roles.iter().map(|r| r.get().to_string()).collect())
        .unwrap_or_default();
    (user_ref(user), roles)
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

fn text_modal(
    custom_id: String,
    title: &str,
    fields: &[(&str, &str, InputTextStyle)],
) -> CreateInteractionResponse {
    let rows = fields
        .iter()
        .map(|(id, label, style)| {
            CreateActionRow::InputText(CreateInputText::new(*style, *label, *id))
        })
        .collect();
    CreateInteractionResponse::Modal(CreateModal::new(custom_id, title).components(rows))
}

/// Where the answer to an interaction goes: the interaction's own follow-up (visible to the person
/// who pressed), used for replies and notices addressed to them.
enum Respond<'a> {
    None,
    Component(&'a ComponentInteraction),
    Modal(&'a ModalInteraction),
    Command(&'a CommandInteraction),
}

impl Handler {
    pub fn new(desk: Arc<Desk>, settings: DiscordSettings) -> Handler {
        Handler {
            desk,
            settings,
            dms: Mutex::new(std::collections::HashMap::new()),
            seen: Mutex::new(Seen {
                order: VecDeque::new(),
                set: HashSet::new(),
            }),
        }
    }

    fn first_time(&self, id: u64) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .first(id)
    }

    /// Runs the desk (which writes and flushes the store) off the async threads.
    async fn desk(&self, event: Event) -> Vec<Action> {
        let desk = self.desk.clone();
        match tokio::task::spawn_blocking(move || desk.handle(event, now_ms())).await {
            Ok(Ok(actions)) => actions,
            Ok(Err(e)) => {
                tracing::error!("desk error: {e}");
                vec![]
            }
            Err(e) => {
                tracing::error!("desk task failed: {e}");
                vec![]
            }
        }
    }

    fn meta(&self, key: &str) -> Option<String> {
        self.desk.store().get_meta(key).ok().flatten()
    }

    fn set_meta(&self, key: &str, value: &str) {
        if let Err(e) = self.desk.store().put_meta(key, value) {
            tracing::error!("storing {key}: {e}");
        }
    }

    fn is_support_channel(&self, id: ChannelId) -> bool {
        self.settings
            .support_channels
            .iter()
            .any(|c| parse_id(c) == Some(id.get()))
    }

    /// Performs the desk's actions on Discord. Failures are logged: the desk's state is already
    /// stored, and a lost message must not undo it.
    async fn perform(
        &self,
        ctx: &Context,
        actions: Vec<Action>,
        respond: Respond<'_>,
        actor: Option<&UserRef>,
    ) {
        for action in actions {
            let result = match action {
                Action::Reply { to, text, buttons } => {
                    self.send_to_user(ctx, &to, &text, &buttons, &respond, actor)
                        .await
                }
                Action::Notify { to, text } => {
                    self.send_to_user(ctx, &to, &text, &[], &respond, actor)
                        .await
                }
                Action::PostCard {
                    platform,
                    channel,
                    card,
                    ..
                } if platform == "discord" => self.post_card(ctx, &channel, &card).await,
                Action::UpdateCard {
                    platform,
                    channel,
                    card,
                    ..
                } if platform == "discord" => self.update_card(ctx, &channel, &card).await,
                Action::PostCard { platform, .. } | Action::UpdateCard { platform, .. } => {
                    tracing::warn!("queue on platform {platform} is not served by this process");
                    Ok(())
                }
            };
            if let Err(e) = result {
                tracing::error!("discord action failed: {e:#}");
            }
        }
    }

    async fn send_to_user(
        &self,
        ctx: &Context,
        to: &UserRef,
        text: &str,
        buttons: &[Choice],
        respond: &Respond<'_>,
        actor: Option<&UserRef>,
    ) -> Result<()> {
        if to.platform != "discord" {
            tracing::warn!("cannot reach {} on {} from Discord", to.name, to.platform);
            return Ok(());
        }
        let text = &mention_ids(text);
        let language = self.language_of(to);
        let components = user_buttons(buttons, &language);
        // Addressed to whoever pressed the button or ran the command: answer the interaction.
        if actor == Some(to) && !matches!(respond, Respond::None) {
            for (i, part) in split_message(text).into_iter().enumerate() {
                let mut f = CreateInteractionResponseFollowup::new()
                    .content(part)
                    .ephemeral(true);
                if i == 0 {
                    f = f.components(components.clone());
                }
                match respond {
                    Respond::Component(c) => c.create_followup(&ctx.http, f).await.map(|_| ())?,
                    Respond::Modal(m) => m.create_followup(&ctx.http, f).await.map(|_| ())?,
                    Respond::Command(c) => c.create_followup(&ctx.http, f).await.map(|_| ())?,
                    Respond::None => {}
                }
            }
            return Ok(());
        }
        let uid = parse_id(&to.id).ok_or_else(|| anyhow!("bad Discord user id {}", to.id))?;
        // The conversation's own thread in a support channel, else a direct message.
        let channel = match self
            .meta(&format!("discord:thread:{}", to.id))
            .and_then(|c| parse_id(&c))
        {
            Some(thread) => ChannelId::new(thread),
            None => self.dm_channel(ctx, uid).await?,
        };
        let parts = split_message(text);
        let last = parts.len() - 1;
        for (i, part) in parts.into_iter().enumerate() {
            let mut m = CreateMessage::new().content(part);
            if i == last {
                m = m.components(components.clone());
            }
            channel
                .send_message(&ctx.http, m)
                .await
                .context("sending a reply")?;
        }
        Ok(())
    }

    /// A user's DM channel, opened once per process.
    async fn dm_channel(&self, ctx: &Context, uid: u64) -> Result<ChannelId> {
        if let Some(c) = self.dms.lock().unwrap_or_else(|p| p.into_inner()).get(&uid) {
            return Ok(*c);
        }
        let c = UserId::new(uid)
            .create_dm_channel(&ctx.http)
            .await
            .context("opening a DM")?
            .id;
        self.dms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(uid, c);
        Ok(c)
    }

    fn language_of(&self, user: &UserRef) -> String {
        self.desk
            .store()
            .conversation(&user.key())
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| {
                v.get("language")
                    .and_then(|l| l.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "en".into())
    }

    async fn post_card(
        &self,
        ctx: &Context,
        channel: &str,
        card: &crate::desk::Card,
    ) -> Result<()> {
        let channel = ChannelId::new(
            parse_id(channel)
                .ok_or_else(|| anyhow!("queue channel `{channel}` is not a Discord id"))?,
        );
        let msg = channel
            .send_message(
                &ctx.http,
                CreateMessage::new()
                    .embed(card_embed(card))
                    .components(card_buttons(card)),
            )
            .await
            .context("posting an escalation card")?;
        self.set_meta(
            &format!("discord:card:{}", card.ticket),
            &format!("{}/{}", channel.get(), msg.id.get()),
        );
        Ok(())
    }

    async fn update_card(
        &self,
        ctx: &Context,
        channel: &str,
        card: &crate::desk::Card,
    ) -> Result<()> {
        let Some((ch, mid)) = self
            .meta(&format!("discord:card:{}", card.ticket))
            .and_then(|v| {
                v.split_once('/')
                    .and_then(|(c, m)| Some((parse_id(c)?, parse_id(m)?)))
            })
        else {
            return self.post_card(ctx, channel, card).await;
        };
        let (ch, mid) = (ChannelId::new(ch), MessageId::new(mid));
        ch.edit_message(
            &ctx.http,
            mid,
            EditMessage::new()
                .embed(card_embed(card))
                .components(card_buttons(card)),
        )
        .await
        .context("updating an escalation card")?;
        // On claim, a thread on the card joins the agent to the ticket: what they write there is
        // relayed to the user.
        if let Some(assignee) = &card.assignee
            && card.status == "claimed"
            && self
                .meta(&format!("discord:ticket-thread:{}", card.ticket))
                .is_none()
        {
            let thread = ch
                .create_thread_from_message(
                    &ctx.http,
                    mid,
                    CreateThread::new(
                        format!("{} {}", card.ticket, card.subject)
                            .chars()
                            .take(90)
                            .collect::<String>(),
                    ),
                )
                .await
                .context("opening the ticket thread")?;
            self.set_meta(
                &format!("discord:ticket-thread:{}", card.ticket),
                &thread.id.get().to_string(),
            );
            self.set_meta(
                &format!("discord:thread-ticket:{}", thread.id.get()),
                &card.ticket,
            );
            if let Some(uid) = assignee.strip_prefix("discord:").and_then(parse_id) {
                let _ = thread
                    .id
                    .add_thread_member(&ctx.http, UserId::new(uid))
                    .await;
            }
            thread
                .id
                .say(
                    &ctx.http,
                    format!(
                        "{}: what you write here is sent to {}.",
                        card.ticket, card.requester
                    ),
                )
                .await
                .context("greeting the ticket thread")?;
        }
        Ok(())
    }

    async fn on_message(&self, ctx: Context, msg: Message) {
        // Our own messages and other bots' are never requests.
        if msg.author.bot || !self.first_time(msg.id.get()) {
            return;
        }
        let user = user_ref(&msg.author);
        let text = msg.content.clone();
        let event = if msg.guild_id.is_none() {
            self.set_meta(&format!("discord:thread:{}", user.id), "dm");
            Event::UserMessage {
                user: user.clone(),
                channel: "dm".into(),
                text,
            }
        } else if self.is_support_channel(msg.channel_id) {
            // A new conversation in a support channel gets a thread of its own.
            let name: String = format!("{}: {}", msg.author.name, msg.content)
                .chars()
                .take(90)
                .collect();
            let thread = match msg
                .channel_id
                .create_thread_from_message(&ctx.http, msg.id, CreateThread::new(name))
                .await
            {
                Ok(t) => t.id,
                Err(e) => {
                    tracing::error!("cannot open a thread: {e}");
                    msg.channel_id
                }
            };
            self.set_meta(
                &format!("discord:thread:{}", user.id),
                &thread.get().to_string(),
            );
            self.set_meta(&format!("discord:thread-owner:{}", thread.get()), &user.id);
            Event::UserMessage {
                user: user.clone(),
                channel: thread.get().to_string(),
                text,
            }
        } else if let Some(owner) =
            self.meta(&format!("discord:thread-owner:{}", msg.channel_id.get()))
        {
            if owner != user.id {
                return;
            }
            // Writing in their thread brings the conversation back there (after a DM, say).
            self.set_meta(
                &format!("discord:thread:{}", user.id),
                &msg.channel_id.get().to_string(),
            );
            Event::UserMessage {
                user: user.clone(),
                channel: msg.channel_id.get().to_string(),
                text,
            }
        } else if let Some(ticket) =
            self.meta(&format!("discord:thread-ticket:{}", msg.channel_id.get()))
        {
            // An agent writing in a ticket thread: a reply to the user (the desk checks it is the
            // assignee).
            let roles = msg
                .member
                .as_ref()
                .map(|m| m.roles.iter().map(|r| r.get().to_string()).collect())
                .unwrap_or_default();
            Event::AgentWithRoles {
                by: user.clone(),
                roles,
                command: AgentCommand::Reply { ticket, text },
            }
        } else {
            return;
        };
        let actions = self.desk(event).await;
        self.perform(&ctx, actions, Respond::None, None).await;
    }

    async fn on_component(&self, ctx: Context, c: ComponentInteraction) {
        if !self.first_time(c.id.get()) {
            return;
        }
        let (who, roles) = actor(&c.user, c.member.as_ref());
        // Form ids belong to forms: a button carrying one is not ours either.
        let Some(id) = CustomId::decode(&c.data.custom_id).filter(|id| !id.is_form()) else {
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
        let modal = match &id {
            CustomId::Resolve(t) => Some(text_modal(
                CustomId::ResolveForm(t.clone()).encode(),
                &format!("Resolve {t}"),
                &[
                    ("note", "Resolution note", InputTextStyle::Paragraph),
                    ("minutes", "Minutes spent", InputTextStyle::Short),
                ],
            )),
            CustomId::Escalate(t) => Some(text_modal(
                CustomId::EscalateForm(t.clone()).encode(),
                &format!("Escalate {t} to L3"),
                &[("note", "Note for L3", InputTextStyle::Paragraph)],
            )),
            CustomId::Transfer(t) => Some(text_modal(
                CustomId::TransferForm(t.clone()).encode(),
                &format!("Transfer {t}"),
                &[("target", "@agent name or queue id", InputTextStyle::Short)],
            )),
            _ => None,
        };
        if let Some(m) = modal {
            if let Err(e) = c.create_response(&ctx.http, m).await {
                tracing::error!("cannot open a form: {e}");
            }
            return;
        }
        // Acknowledge at once; the desk's answer follows.
        if let Err(e) = c.defer_ephemeral(&ctx.http).await {
            tracing::error!("cannot acknowledge an interaction: {e}");
        }
        let event = match id {
            CustomId::Solved => Event::UserChoice {
                user: who.clone(),
                choice: Choice::Solved,
            },
            CustomId::StillNeedHelp => Event::UserChoice {
                user: who.clone(),
                choice: Choice::StillNeedHelp,
            },
            CustomId::Claim(ticket) => Event::AgentWithRoles {
                by: who.clone(),
                roles,
                command: AgentCommand::Claim { ticket },
            },
            CustomId::Unclaim(ticket) => Event::AgentWithRoles {
                by: who.clone(),
                roles,
                command: AgentCommand::Unclaim { ticket },
            },
            _ => return,
        };
        let actions = self.desk(event).await;
        self.perform(&ctx, actions, Respond::Component(&c), Some(&who))
            .await;
    }

    async fn on_modal(&self, ctx: Context, m: ModalInteraction) {
        if !self.first_time(m.id.get()) {
            return;
        }
        let (who, roles) = actor(&m.user, m.member.as_ref());
        if let Err(e) = m.defer_ephemeral(&ctx.http).await {
            tracing::error!("cannot acknowledge a form: {e}");
        }
        let event = match CustomId::decode(&m.data.custom_id) {
            Some(CustomId::ResolveForm(ticket)) => {
                let note = modal_field(&m, "note");
                let Ok(minutes) = modal_field(&m, "minutes").trim().parse::<u32>() else {
                    let _ = m
                        .create_followup(
                            &ctx.http,
                            CreateInteractionResponseFollowup::new()
                                .content("Minutes must be a whole number.")
                                .ephemeral(true),
                        )
                        .await;
                    return;
                };
                AgentCommand::Resolve {
                    ticket,
                    note,
                    minutes,
                }
            }
            Some(CustomId::EscalateForm(ticket)) => AgentCommand::EscalateL3 {
                ticket,
                note: modal_field(&m, "note"),
            },
            Some(CustomId::TransferForm(ticket)) => {
                let target = modal_field(&m, "target");
                match target.trim().strip_prefix('@') {
                    Some(agent) => AgentCommand::TransferToAgent {
                        ticket,
                        agent: agent.to_string(),
                    },
                    None => AgentCommand::TransferToQueue {
                        ticket,
                        queue: target.trim().to_string(),
                    },
                }
            }
            Some(CustomId::TicketForm) => {
                let event = Event::OpenTicket {
                    user: who.clone(),
                    channel: m.channel_id.get().to_string(),
                    subject: modal_field(&m, "subject"),
                    description: modal_field(&m, "description"),
                };
                let actions = self.desk(event).await;
                self.perform(&ctx, actions, Respond::Modal(&m), Some(&who))
                    .await;
                return;
            }
            _ => {
                tracing::warn!("unknown form `{}` from {}", m.data.custom_id, who.key());
                return;
            }
        };
        let actions = self
            .desk(Event::AgentWithRoles {
                by: who.clone(),
                roles,
                command: event,
            })
            .await;
        self.perform(&ctx, actions, Respond::Modal(&m), Some(&who))
            .await;
    }

    async fn on_command(&self, ctx: Context, c: CommandInteraction) {
        if !self.first_time(c.id.get()) {
            return;
        }
        let who = user_ref(&c.user);
        let event = match c.data.name.as_str() {
            "ticket" => {
                let form = text_modal(
                    CustomId::TicketForm.encode(),
                    "New ticket",
                    &[
                        ("subject", "Subject", InputTextStyle::Short),
                        ("description", "Description", InputTextStyle::Paragraph),
                    ],
                );
                if let Err(e) = c.create_response(&ctx.http, form).await {
                    tracing::error!("cannot open the ticket form: {e}");
                }
                return;
            }
            "status" => Event::StatusRequest { user: who.clone() },
            "faq" => {
                let query = c
                    .data
                    .options
                    .iter()
                    .find(|o| o.name == "query")
                    .and_then(|o| o.value.as_str())
                    .unwrap_or("")
                    .to_string();
                Event::FaqSearch {
                    user: who.clone(),
                    query,
                }
            }
            "hours" => Event::FaqSearch {
                user: who.clone(),
                query: "support hours".into(),
            },
            other => {
                tracing::warn!("unknown command /{other}");
                return;
            }
        };
        if let Err(e) = c.defer_ephemeral(&ctx.http).await {
            tracing::error!("cannot acknowledge a command: {e}");
        }
        let actions = self.desk(event).await;
        self.perform(&ctx, actions, Respond::Command(&c), Some(&who))
            .await;
    }
}

/// Agents known by their Discord identity are named `discord:<id>` by the desk; on Discord that
/// reads better as a mention.
fn mention_ids(text: &str) -> String {
    static ID: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\bdiscord:(\d{5,20})\b").expect("valid"));
    ID.replace_all(text, "<@$1>").into_owned()
}

/// The slash commands the bot offers.
pub fn commands() -> Vec<CreateCommand> {
    vec![
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
        if let Err(e) = Command::set_global_commands(&ctx.http, commands()).await {
            tracing::error!(
                "cannot register slash commands (is the bot invited with the applications.commands scope?): {e}"
            );
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        self.on_message(ctx, msg).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Component(c) => self.on_component(ctx, c).await,
            Interaction::Modal(m) => self.on_modal(ctx, m).await,
            Interaction::Command(c) => self.on_command(ctx, c).await,
            _ => {}
        }
    }
}

/// Builds the serenity client: REST through `api_base` when set (a proxy or a test server, with
/// serenity's own rate limiter off since it ignores the proxy), production defaults otherwise.
pub async fn client(
    desk: Arc<Desk>,
    settings: DiscordSettings,
    token: &str,
) -> Result<serenity::Client> {
    let mut http = HttpBuilder::new(token);
    if let Some(base) = &settings.api_base {
        http = http
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    serenity::all::ClientBuilder::new_with_http(http.build(), intents())
        .event_handler(Handler::new(desk, settings))
        .await
        .context("building the Discord client")
}

/// Runs the adapter until `shutdown` resolves or the connection fails for good. Start-up errors are
/// turned into sentences that say what to fix.
pub async fn run(
    desk: Arc<Desk>,
    settings: DiscordSettings,
    token: String,
    shards: Shards,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    if token.trim().is_empty() {
        return Err(anyhow!(
            "DISCORD_TOKEN is empty: set it to the bot token from the Discord developer portal"
        ));
    }
    let mut client = client(desk, settings, &token).await?;
    let manager = client.shard_manager.clone();
    tokio::spawn(async move {
        shutdown.await;
        manager.shutdown_all().await;
    });
    let result = match shards {
        Shards::Auto => client.start_autosharded().await,
        Shards::Fixed(n) => client.start_shards(n).await,
    };
    result.map_err(|e| match e {
        serenity::Error::Gateway(serenity::gateway::GatewayError::InvalidAuthentication) => {
            anyhow!("Discord rejected DISCORD_TOKEN: check the bot token in the developer portal")
        }
        serenity::Error::Gateway(serenity::gateway::GatewayError::DisallowedGatewayIntents) => anyhow!(
            "Discord refused the gateway intents: enable MESSAGE CONTENT INTENT on the bot's page in the developer portal"
        ),
        serenity::Error::Gateway(serenity::gateway::GatewayError::InvalidGatewayIntents) => {
            anyhow!("invalid gateway intents requested")
        }
        other => anyhow!("Discord connection ended: {other}"),
    })
}
