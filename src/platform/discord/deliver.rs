//! Performing outbox entries on Discord: replies and notices (as interaction follow-ups where the
//! entry answers one, else in the conversation's thread or a DM), cards posted and edited, agent
//! threads opened. Every message created carries the entry's id as an enforced nonce: Discord
//! returns the first message instead of creating a second when a crash made the worker send it
//! again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serenity::all::{
    ChannelId, CreateAttachment, CreateInteractionResponseFollowup, CreateMessage, CreateThread,
    EditMessage, Http, MessageId, Nonce, UserId,
};
use serenity::builder::Builder;

use super::parse_id;
use super::render::{
    approval_buttons, card_buttons, card_embed, mention_ids, split_message, user_buttons,
};
use crate::desk::{Action, Address, Attachment, Card, Choice, Interaction, OutboxEntry, Placed};
use crate::platform::worker::{Deliver, PostedCards};
use crate::tickets::{Platform, UserRef};

pub struct DiscordDelivery {
    http: OnceLock<Arc<Http>>,
    /// DM channel per user id (a DM channel never changes); a std mutex held only for a lookup.
    dms: Mutex<HashMap<u64, ChannelId>>,
    cards: PostedCards,
}

impl Default for DiscordDelivery {
    fn default() -> Self {
        DiscordDelivery::new()
    }
}

type Result<T> = std::result::Result<T, String>;

fn err(what: &str) -> impl Fn(serenity::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Discord's JSON error code for "A thread has already been created for this message".
const THREAD_ALREADY_CREATED: isize = 160004;

/// The JSON error code of a refused request.
fn discord_code(e: &serenity::Error) -> Option<isize> {
    match e {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
            Some(r.error.code)
        }
        _ => None,
    }
}

/// A file of an outbox entry as serenity uploads it (multipart), with its title as the
/// description screen readers read.
fn file(a: &Attachment) -> CreateAttachment {
    CreateAttachment::bytes(a.bytes.clone(), a.name.clone()).description(a.title.clone())
}

fn channel_id(s: &str) -> Result<ChannelId> {
    parse_id(s)
        .map(ChannelId::new)
        .ok_or_else(|| format!("`{s}` is not a Discord channel id"))
}

impl DiscordDelivery {
    pub fn new() -> DiscordDelivery {
        DiscordDelivery {
            http: OnceLock::new(),
            dms: Mutex::new(HashMap::new()),
            cards: PostedCards::default(),
        }
    }

    pub fn set_http(&self, http: Arc<Http>) {
        let _ = self.http.set(http);
    }

    fn http(&self) -> Result<&Arc<Http>> {
        self.http
            .get()
            .ok_or_else(|| "the Discord client is not built yet".to_string())
    }

    /// A user's DM channel, opened once per process.
    async fn dm_channel(&self, uid: u64) -> Result<ChannelId> {
        if let Some(c) = self.dms.lock().unwrap_or_else(|p| p.into_inner()).get(&uid) {
            return Ok(*c);
        }
        let c = UserId::new(uid)
            .create_dm_channel(self.http()?)
            .await
            .map_err(err("opening a DM"))?
            .id;
        self.dms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(uid, c);
        Ok(c)
    }

    #[allow(clippy::too_many_arguments)]
    async fn say(
        &self,
        id: u64,
        to: &UserRef,
        address: &Address,
        text: &str,
        buttons: &[Choice],
        language: &str,
        interaction: Option<&Interaction>,
    ) -> Result<()> {
        let components = user_buttons(buttons, language);
        self.say_with(id, to, address, text, components, interaction, None)
            .await
    }

    /// [`DiscordDelivery::say`] with the components given, and a file under the last part.
    #[allow(clippy::too_many_arguments)]
    async fn say_with(
        &self,
        id: u64,
        to: &UserRef,
        address: &Address,
        text: &str,
        components: Vec<serenity::all::CreateActionRow>,
        interaction: Option<&Interaction>,
        attachment: Option<&Attachment>,
    ) -> Result<()> {
        let http = self.http()?;
        let text = mention_ids(text);
        let parts = split_message(&text);
        let last = parts.len() - 1;
        if let Some(i) = interaction {
            // Follow-ups need the application id, which the client learns from READY; an entry
            // left by a crash is taken up before that. Retried shortly, it answers the click
            // (else the click stays "thinking" and the answer lands in a DM).
            if http.application_id().is_none() {
                return Err("not connected yet: no application id to answer an interaction".into());
            }
            match self
                .follow_up(http, &i.token, &parts, &components, attachment)
                .await
            {
                Ok(()) => return Ok(()),
                // The interaction's token lasts 15 minutes: an entry retried later (after a
                // restart, say) goes to the person's conversation instead.
                Err(e) => tracing::warn!("answering an interaction failed ({e}); writing instead"),
            }
        }
        let channel = match address.thread.as_deref().or(address.channel.as_deref()) {
            Some(c) => channel_id(c)?,
            None => {
                let uid =
                    parse_id(&to.id).ok_or_else(|| format!("bad Discord user id {}", to.id))?;
                self.dm_channel(uid).await?
            }
        };
        for (n, part) in parts.into_iter().enumerate() {
            let mut m = CreateMessage::new()
                .content(part)
                .nonce(Nonce::String(format!("fl{id}.{n}")))
                .enforce_nonce(true);
            if n == last {
                m = m.components(components.clone());
                if let Some(a) = attachment {
                    m = m.add_file(file(a));
                }
            }
            channel
                .send_message(http, m)
                .await
                .map_err(err("sending a reply"))?;
        }
        Ok(())
    }

    async fn follow_up(
        &self,
        http: &Http,
        token: &str,
        parts: &[String],
        components: &[serenity::all::CreateActionRow],
        attachment: Option<&Attachment>,
    ) -> Result<()> {
        for (n, part) in parts.iter().enumerate() {
            let mut f = CreateInteractionResponseFollowup::new()
                .content(part.clone())
                .ephemeral(true);
            if n + 1 == parts.len() {
                f = f.components(components.to_vec());
                if let Some(a) = attachment {
                    f = f.add_file(file(a));
                }
            }
            f.execute(http, (None, token))
                .await
                .map_err(err("answering an interaction"))?;
        }
        Ok(())
    }

    async fn post_card(&self, id: u64, channel: &str, card: &Card) -> Result<Option<Placed>> {
        let ch = channel_id(channel)?;
        let msg = ch
            .send_message(
                self.http()?,
                CreateMessage::new()
                    .embed(card_embed(card))
                    .components(card_buttons(card))
                    .nonce(Nonce::String(format!("fl{id}")))
                    .enforce_nonce(true),
            )
            .await
            .map_err(err("posting an escalation card"))?;
        self.cards
            .remember(&card.ticket, channel, &msg.id.get().to_string());
        Ok(Some(Placed::Card {
            channel: channel.to_string(),
            message: msg.id.get().to_string(),
        }))
    }

    fn known_card(&self, ticket: &str, channel: &str, message: Option<&str>) -> Option<u64> {
        message.and_then(parse_id).or_else(|| {
            self.cards
                .find(ticket, channel)
                .as_deref()
                .and_then(parse_id)
        })
    }

    async fn update_card(
        &self,
        id: u64,
        channel: &str,
        message: Option<&str>,
        card: &Card,
    ) -> Result<Option<Placed>> {
        let Some(mid) = self.known_card(&card.ticket, channel, message) else {
            return self.post_card(id, channel, card).await;
        };
        channel_id(channel)?
            .edit_message(
                self.http()?,
                MessageId::new(mid),
                EditMessage::new()
                    .embed(card_embed(card))
                    .components(card_buttons(card)),
            )
            .await
            .map_err(err("updating an escalation card"))?;
        Ok(None)
    }

    #[allow(clippy::too_many_arguments)]
    async fn open_agent_thread(
        &self,
        id: u64,
        ticket: &str,
        channel: &str,
        message: Option<&str>,
        title: &str,
        greeting: &str,
        assignee: Option<&UserRef>,
    ) -> Result<Option<Placed>> {
        let http = self.http()?;
        let ch = channel_id(channel)?;
        let thread = match self.known_card(ticket, channel, message) {
            Some(mid) => match ch
                .create_thread_from_message(http, MessageId::new(mid), CreateThread::new(title))
                .await
            {
                Ok(t) => t.id,
                // This entry opened it before a crash lost the record of its delivery: Discord
                // refuses a second thread on a message, and the first one has the message's id.
                Err(e) if discord_code(&e) == Some(THREAD_ALREADY_CREATED) => ChannelId::new(mid),
                Err(e) => return Err(format!("opening the ticket thread: {e}")),
            },
            None => {
                ch.create_thread(http, CreateThread::new(title))
                    .await
                    .map_err(err("opening the ticket thread"))?
                    .id
            }
        };
        if let Some(uid) = assignee
            .filter(|a| a.platform == Platform::Discord)
            .and_then(|a| parse_id(&a.id))
        {
            let _ = thread.add_thread_member(http, UserId::new(uid)).await;
        }
        thread
            .send_message(
                http,
                CreateMessage::new()
                    .content(greeting)
                    .nonce(Nonce::String(format!("fl{id}")))
                    .enforce_nonce(true),
            )
            .await
            .map_err(err("greeting the ticket thread"))?;
        Ok(Some(Placed::AgentThread {
            thread: thread.get().to_string(),
        }))
    }
}

impl Deliver for DiscordDelivery {
    fn platform(&self) -> Platform {
        Platform::Discord
    }

    async fn deliver(&self, entry: &OutboxEntry) -> Result<Option<Placed>> {
        let id = entry.id;
        match &entry.action {
            Action::Reply {
                to,
                address,
                text,
                buttons,
                language,
                interaction,
            } => self
                .say(
                    id,
                    to,
                    address,
                    text,
                    buttons,
                    language,
                    interaction.as_ref(),
                )
                .await
                .map(|()| None),
            Action::Notify {
                to,
                text,
                interaction,
                attachment,
            } => self
                .say_with(
                    id,
                    to,
                    &Address::direct(),
                    text,
                    vec![],
                    interaction.as_ref(),
                    attachment.as_ref(),
                )
                .await
                .map(|()| None),
            // A DM with the buttons: the approver may not be in the queue's channel.
            Action::AskApproval { to, ticket, text } => self
                .say_with(
                    id,
                    to,
                    &Address::direct(),
                    text,
                    approval_buttons(ticket),
                    None,
                    None,
                )
                .await
                .map(|()| None),
            Action::PostCard { channel, card, .. } => self.post_card(id, channel, card).await,
            Action::UpdateCard {
                channel,
                message,
                card,
                ..
            } => {
                self.update_card(id, channel, message.as_deref(), card)
                    .await
            }
            Action::OpenAgentThread {
                ticket,
                channel,
                message,
                title,
                greeting,
                assignee,
                ..
            } => {
                self.open_agent_thread(
                    id,
                    ticket,
                    channel,
                    message.as_deref(),
                    title,
                    greeting,
                    assignee.as_ref(),
                )
                .await
            }
            // Discord has no page of the app for a person; nothing asks for one there.
            Action::ShowTickets { .. } => Ok(None),
            Action::Post {
                channel,
                text,
                attachment,
                ..
            } => {
                let http = self.http()?;
                let ch = channel_id(channel)?;
                let parts = split_message(&mention_ids(text));
                let last = parts.len() - 1;
                for (n, part) in parts.into_iter().enumerate() {
                    let mut m = CreateMessage::new()
                        .content(part)
                        .nonce(Nonce::String(format!("fl{id}.{n}")))
                        .enforce_nonce(true);
                    if n == last
                        && let Some(a) = attachment
                    {
                        m = m.add_file(file(a));
                    }
                    ch.send_message(http, m)
                        .await
                        .map_err(err("posting in a channel"))?;
                }
                Ok(None)
            }
            // Delivered by the webhook worker, never handed to Discord.
            Action::Webhook { .. } => Err("a webhook entry reached the Discord worker".into()),
            Action::Email { .. } => Err("an e-mail entry reached the Discord worker".into()),
        }
    }
}
