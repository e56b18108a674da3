//! What the desk asks the platforms to do. Every [`Action`] of a turn is stored in the outbox with
//! the turn, addressed to one platform, and delivered by that platform's worker; an action for a
//! platform the running process does not serve waits for one that does.

use serde::{Deserialize, Serialize};

use super::card::Card;
use super::event::{Address, Choice, Interaction};
use crate::tickets::{Platform, UserRef};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Say something to a person in their conversation (their thread, or a direct message), with
    /// buttons to offer, in their language.
    Reply {
        to: UserRef,
        #[serde(default)]
        address: Address,
        text: String,
        #[serde(default)]
        buttons: Vec<Choice>,
        #[serde(default)]
        language: String,
        /// Answer this interaction (visible only to them) rather than writing in the channel.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interaction: Option<Interaction>,
    },
    /// Tell one person something only they need to see (refusals, confirmations to agents,
    /// `/stats` with its chart).
    Notify {
        to: UserRef,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interaction: Option<Interaction>,
        /// A file shown with the text (the volume chart of `/stats`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<Attachment>,
    },
    /// Post a new escalation card in a queue's channel.
    PostCard {
        platform: Platform,
        queue: String,
        channel: String,
        card: Card,
    },
    /// Update the card of a ticket already posted; `message` is where it was placed, when the
    /// platform reported it (otherwise the adapter posts a new one).
    UpdateCard {
        platform: Platform,
        queue: String,
        channel: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        card: Card,
    },
    /// Open a thread for the assignee on the ticket's card, where what they write reaches the
    /// user; the adapter reports the thread back as [`super::Placed::AgentThread`].
    OpenAgentThread {
        platform: Platform,
        ticket: String,
        channel: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        title: String,
        greeting: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<UserRef>,
    },
    /// Ask one person to approve or deny a request: a direct message with Approve / Deny buttons
    /// where the platform has buttons (Deny opens a form for the reason); the text says the
    /// commands for a terminal.
    AskApproval {
        to: UserRef,
        ticket: String,
        text: String,
    },
    /// Show a person their tickets where the platform has a page of the app for them (Slack's
    /// App Home), newest first, in their language.
    ShowTickets {
        to: UserRef,
        #[serde(default)]
        language: String,
        title: String,
        /// What to show when there are none.
        empty: String,
        tickets: Vec<TicketLine>,
    },
    /// Post a message in a channel, for everyone in it: an automation rule's `notify`, a
    /// security tip.
    Post {
        platform: Platform,
        channel: String,
        text: String,
        /// A file shown with the text (the weekly digest's chart).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<Attachment>,
    },
    /// Send signed JSON to a webhook of `[automations.webhooks]`; `delivery` is the id the
    /// receiver deduplicates retries by, `body` the JSON text (fixed at commit, so every retry
    /// sends the same bytes).
    Webhook {
        hook: String,
        delivery: String,
        body: String,
    },
    /// Send an e-mail through `[smtp]` (a case for a vendor); `message_id` is the same on every
    /// retry, so the receiving side can tell a repeat.
    Email {
        to: String,
        subject: String,
        body: String,
        message_id: String,
    },
}

/// A file that goes with a message: made by the desk at commit (a chart drawn in memory), kept
/// in the outbox entry so every retry sends the same bytes. Stored as base64 in the entry's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's name as the platform shows it (`volume.png`).
    pub name: String,
    /// What it shows, in the reader's language: a title or alt text where the platform has one.
    pub title: String,
    /// `image/png`.
    pub content_type: String,
    #[serde(with = "base64_bytes")]
    pub bytes: Vec<u8>,
}

impl Attachment {
    pub fn png(name: &str, title: &str, bytes: Vec<u8>) -> Attachment {
        Attachment {
            name: name.to_string(),
            title: title.to_string(),
            content_type: "image/png".into(),
            bytes,
        }
    }
}

/// Bytes as standard base64 text in JSON.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// One ticket as its requester sees it in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketLine {
    pub id: String,
    pub subject: String,
    /// The status in the reader's language (`in progress`, `w trakcie`).
    pub status: String,
    pub open: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

impl Action {
    /// The platform that must perform it.
    pub fn platform(&self) -> Platform {
        match self {
            Action::Reply { to, .. }
            | Action::Notify { to, .. }
            | Action::AskApproval { to, .. }
            | Action::ShowTickets { to, .. } => to.platform,
            Action::PostCard { platform, .. }
            | Action::UpdateCard { platform, .. }
            | Action::OpenAgentThread { platform, .. }
            | Action::Post { platform, .. } => *platform,
            Action::Webhook { .. } => Platform::Webhook,
            Action::Email { .. } => Platform::Email,
        }
    }

    /// The person it is for, if it is for one person.
    pub fn recipient(&self) -> Option<&UserRef> {
        match self {
            Action::Reply { to, .. }
            | Action::Notify { to, .. }
            | Action::AskApproval { to, .. }
            | Action::ShowTickets { to, .. } => Some(to),
            _ => None,
        }
    }

    /// The text a person reads, for replies and notices.
    pub fn text(&self) -> Option<&str> {
        match self {
            Action::Reply { text, .. }
            | Action::Notify { text, .. }
            | Action::Post { text, .. } => Some(text),
            Action::AskApproval { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The file that goes with it, if any.
    pub fn attachment(&self) -> Option<&Attachment> {
        match self {
            Action::Notify { attachment, .. } | Action::Post { attachment, .. } => {
                attachment.as_ref()
            }
            _ => None,
        }
    }

    /// A short description for listings: `reply to discord:42`, `post card T-1042 in 1234`.
    pub fn summary(&self) -> String {
        match self {
            Action::Reply { to, .. } => format!("reply to {}", to.key()),
            Action::Notify { to, .. } => format!("notice to {}", to.key()),
            Action::AskApproval { to, ticket, .. } => {
                format!("approval of {ticket} asked of {}", to.key())
            }
            Action::PostCard { card, queue, .. } => {
                format!("post card {} in queue {queue}", card.ticket)
            }
            Action::UpdateCard { card, queue, .. } => {
                format!("update card {} in queue {queue}", card.ticket)
            }
            Action::OpenAgentThread {
                ticket, channel, ..
            } => format!("open agent thread for {ticket} in channel {channel}"),
            Action::ShowTickets { to, tickets, .. } => {
                format!("show {} ticket(s) to {}", tickets.len(), to.key())
            }
            Action::Post { channel, .. } => format!("post in channel {channel}"),
            Action::Webhook { hook, delivery, .. } => {
                format!("webhook {hook} (delivery {delivery})")
            }
            Action::Email { to, message_id, .. } => format!("e-mail to {to} ({message_id})"),
        }
    }
}

/// Where an outbox entry is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Waiting for its platform's worker (or for a retry).
    Pending,
    Delivered,
    /// Given up after repeated failures; kept for an operator to see.
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Delivered => "delivered",
            Delivery::Failed => "failed",
        }
    }
}

/// An action as stored in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Dense, in commit order; also the platform nonce that makes a re-send after a crash show once.
    pub id: u64,
    pub platform: Platform,
    pub action: Action,
    pub state: Delivery,
    pub attempts: u32,
    pub created_ms: u64,
    /// Not before this time (backoff after a failure).
    pub next_attempt_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// How many attempts before an entry is marked failed.
pub const MAX_ATTEMPTS: u32 = 8;

/// The wait before attempt `attempts + 1`: 1 s, 2 s, 4 s... capped at 5 minutes.
pub fn backoff_ms(attempts: u32) -> u64 {
    (1_000u64 << attempts.min(9)).min(300_000)
}

/// What a worker reports for one entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered,
    /// Try again later (`error` says why).
    Retry {
        error: String,
    },
}
