//! Performing outbox entries on Slack: replies in the person's conversation (a DM, or the thread
//! of their support-channel conversation), notices only the person sees (`chat.postEphemeral`
//! where they pressed or typed, else a DM), cards posted and updated as Block Kit messages, and
//! the assignee's thread on a card. Slack has no nonce: an entry a crash made the worker send
//! again shows twice (the crash test on Discord counts the same for interaction follow-ups).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::api::SlackApi;
use super::render::{
    approval_blocks, card_blocks, card_fallback, fallback, home_view, reply_blocks,
};
use crate::desk::{Action, Address, Attachment, Card, Choice, Interaction, OutboxEntry, Placed};
use crate::platform::worker::{Deliver, PostedCards};
use crate::tickets::{Platform, UserRef};

type Result<T> = std::result::Result<T, String>;

/// A Slack thread as the desk knows it: `CHANNEL:THREAD_TS` (a thread's ts is unique only within
/// its channel).
pub fn thread_key(channel: &str, ts: &str) -> String {
    format!("{channel}:{ts}")
}

/// The channel and thread ts of a [`thread_key`].
pub fn split_thread(key: &str) -> Option<(&str, &str)> {
    key.split_once(':')
        .filter(|(c, t)| !c.is_empty() && !t.is_empty())
}

pub struct SlackDelivery {
    api: Arc<SlackApi>,
    /// DM channel per user (it never changes); a std mutex held only for a lookup.
    dms: Mutex<HashMap<String, String>>,
    cards: PostedCards,
}

impl SlackDelivery {
    pub fn new(api: Arc<SlackApi>) -> SlackDelivery {
        SlackDelivery {
            api,
            dms: Mutex::new(HashMap::new()),
            cards: PostedCards::default(),
        }
    }

    async fn dm(&self, user: &str) -> Result<String> {
        if let Some(c) = self.dms.lock().unwrap_or_else(|p| p.into_inner()).get(user) {
            return Ok(c.clone());
        }
        let c = self
            .api
            .open_dm(user)
            .await
            .map_err(|e| format!("opening a DM: {e}"))?;
        self.dms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user.to_string(), c.clone());
        Ok(c)
    }

    /// Where a reply to `to` at `address` goes: (channel, thread ts).
    async fn place(&self, to: &UserRef, address: &Address) -> Result<(String, Option<String>)> {
        if let Some((c, ts)) = address.thread.as_deref().and_then(split_thread) {
            return Ok((c.to_string(), Some(ts.to_string())));
        }
        if let Some(c) = &address.channel {
            return Ok((c.clone(), None));
        }
        Ok((self.dm(&to.id).await?, None))
    }

    #[allow(clippy::too_many_arguments)]
    async fn say(
        &self,
        to: &UserRef,
        address: &Address,
        text: &str,
        buttons: &[Choice],
        language: &str,
        interaction: Option<&Interaction>,
        private: bool,
    ) -> Result<()> {
        let blocks = reply_blocks(text, buttons, language);
        // Only the person sees it, where they pressed or typed (not in a DM: there it is theirs).
        if private
            && let Some(i) = interaction.filter(|i| !i.id.is_empty() && !i.id.starts_with('D'))
        {
            let sent = self
                .api
                .post_ephemeral(json!({
                    "channel": i.id,
                    "user": to.id,
                    "text": fallback(text),
                    "blocks": blocks,
                }))
                .await;
            match sent {
                Ok(()) => return Ok(()),
                // Not in that channel any more (or never invited): their DM instead.
                Err(e) => tracing::warn!("an ephemeral notice failed ({e}); sending it as a DM"),
            }
            let channel = self.dm(&to.id).await?;
            return self.post(&channel, None, text, blocks).await;
        }
        let (channel, thread) = if private {
            (self.dm(&to.id).await?, None)
        } else {
            self.place(to, address).await?
        };
        self.post(&channel, thread.as_deref(), text, blocks).await
    }

    async fn post(
        &self,
        channel: &str,
        thread: Option<&str>,
        text: &str,
        blocks: Vec<serde_json::Value>,
    ) -> Result<()> {
        let mut args = json!({ "channel": channel, "text": fallback(text), "blocks": blocks });
        if let Some(ts) = thread {
            args["thread_ts"] = json!(ts);
        }
        self.api
            .post_message(args)
            .await
            .map(|_| ())
            .map_err(|e| format!("sending a reply: {e}"))
    }

    /// Shares a file in `channel` (a DM for a person's chart: an ephemeral notice cannot
    /// carry one).
    async fn share(&self, channel: &str, a: &Attachment) -> Result<()> {
        self.api
            .upload_file(channel, &a.name, &a.title, &a.bytes)
            .await
            .map(|_| ())
            .map_err(|e| format!("sharing {}: {e}", a.name))
    }

    async fn post_card(&self, channel: &str, card: &Card) -> Result<Option<Placed>> {
        let ts = self
            .api
            .post_message(json!({
                "channel": channel,
                "text": card_fallback(card),
                "blocks": card_blocks(card),
                "unfurl_links": false,
            }))
            .await
            .map_err(|e| format!("posting an escalation card: {e}"))?;
        self.cards.remember(&card.ticket, channel, &ts);
        Ok(Some(Placed::Card {
            channel: channel.to_string(),
            message: ts,
        }))
    }

    fn known_card(&self, ticket: &str, channel: &str, message: Option<&str>) -> Option<String> {
        message
            .map(str::to_string)
            .or_else(|| self.cards.find(ticket, channel))
    }

    async fn update_card(
        &self,
        channel: &str,
        message: Option<&str>,
        card: &Card,
    ) -> Result<Option<Placed>> {
        let Some(ts) = self.known_card(&card.ticket, channel, message) else {
            return self.post_card(channel, card).await;
        };
        self.api
            .update(json!({
                "channel": channel,
                "ts": ts,
                "text": card_fallback(card),
                "blocks": card_blocks(card),
            }))
            .await
            .map_err(|e| format!("updating an escalation card: {e}"))?;
        Ok(None)
    }

    async fn open_agent_thread(
        &self,
        ticket: &str,
        channel: &str,
        message: Option<&str>,
        title: &str,
        greeting: &str,
    ) -> Result<Option<Placed>> {
        // The card's own thread; without a card, a message to hang the thread on.
        let root = match self.known_card(ticket, channel, message) {
            Some(ts) => ts,
            None => self
                .api
                .post_message(json!({ "channel": channel, "text": fallback(title) }))
                .await
                .map_err(|e| format!("opening the ticket thread: {e}"))?,
        };
        self.post(
            channel,
            Some(&root),
            greeting,
            reply_blocks(greeting, &[], ""),
        )
        .await
        .map_err(|e| format!("greeting the ticket thread: {e}"))?;
        Ok(Some(Placed::AgentThread {
            thread: thread_key(channel, &root),
        }))
    }
}

impl Deliver for SlackDelivery {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    async fn deliver(&self, entry: &OutboxEntry) -> Result<Option<Placed>> {
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
                    to,
                    address,
                    text,
                    buttons,
                    language,
                    interaction.as_ref(),
                    false,
                )
                .await
                .map(|()| None),
            Action::Notify {
                to,
                text,
                interaction,
                attachment,
            } => {
                self.say(
                    to,
                    &Address::direct(),
                    text,
                    &[],
                    "",
                    interaction.as_ref(),
                    true,
                )
                .await?;
                // The figures where they asked; the chart in their DM, where only they see it.
                if let Some(a) = attachment {
                    let dm = self.dm(&to.id).await?;
                    self.share(&dm, a).await?;
                }
                Ok(None)
            }
            // A DM with the buttons: the approver may not be in the queue's channel.
            Action::AskApproval { to, ticket, text } => {
                let channel = self.dm(&to.id).await?;
                self.post(&channel, None, text, approval_blocks(text, ticket))
                    .await
                    .map(|()| None)
            }
            Action::PostCard { channel, card, .. } => self.post_card(channel, card).await,
            Action::UpdateCard {
                channel,
                message,
                card,
                ..
            } => self.update_card(channel, message.as_deref(), card).await,
            Action::OpenAgentThread {
                ticket,
                channel,
                message,
                title,
                greeting,
                ..
            } => {
                self.open_agent_thread(ticket, channel, message.as_deref(), title, greeting)
                    .await
            }
            Action::ShowTickets {
                to,
                title,
                empty,
                tickets,
                ..
            } => self
                .api
                .publish_home(&to.id, home_view(title, empty, tickets))
                .await
                .map(|()| None)
                .map_err(|e| format!("publishing the App Home: {e}")),
            Action::Post {
                channel,
                text,
                attachment,
                ..
            } => {
                self.post(channel, None, text, reply_blocks(text, &[], ""))
                    .await?;
                if let Some(a) = attachment {
                    self.share(channel, a).await?;
                }
                Ok(None)
            }
            // Delivered by the webhook worker, never handed to Slack.
            Action::Webhook { .. } => Err("a webhook entry reached the Slack worker".into()),
            Action::Email { .. } => Err("an e-mail entry reached the Slack worker".into()),
        }
    }
}
