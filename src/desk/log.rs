//! The event log as the complete record: one global, time-ordered stream with an offset per
//! record, holding every ticket change, every turn of the bot's own (FAQ offered and whether it
//! helped, out-of-scope, follow-up questions and answers, CSAT) and every message sent. Reports
//! and automations read it from an offset (`frontline events --since N`).
//!
//! Personal text (what people wrote: answers, replies, notes) is kept apart from the records and
//! joined in when read, so erasing it leaves the log's shape and order intact.

use serde::{Deserialize, Serialize};

use crate::tickets::{Platform, TicketEvent};

/// Something the bot did or learned in a conversation, without a ticket's involvement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BotEvent {
    /// An FAQ article was offered as the answer.
    FaqOffered {
        intent: String,
        articles: Vec<String>,
        confidence: f32,
    },
    /// The user said whether the article helped (`helped: true` is a deflection).
    FaqAnswered {
        article: String,
        helped: bool,
        /// The intent the article was offered for (empty in logs written before reports).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        intent: String,
    },
    /// A conversational intent answered by its reply (greeting, thanks, hours).
    Answered { intent: String },
    /// The message was not understood.
    OutOfScope { suggested: Vec<String> },
    /// A follow-up question was asked before opening a ticket.
    FollowUpAsked { intent: String, question: String },
    /// The user answered it (the answer is personal text).
    FollowUpAnswered {
        intent: String,
        question: String,
        answer: String,
    },
    /// The user asked about their tickets.
    StatusAnswered { open: usize },
    /// The user searched the knowledge base.
    FaqSearched { hits: Vec<String> },
    /// The ticket was resolved and the user was asked for a rating.
    CsatAsked { ticket: String },
    /// The user rated the resolution.
    CsatAnswered { ticket: String, score: u8 },
    /// An empty message, a refusal or anything else the bot answered without acting.
    Acknowledged { why: String },
    /// A security tip was posted (`[security]`): which one (its place in the pack's list), where,
    /// and the timer that fired.
    SecurityTipPosted {
        timer: String,
        tip: usize,
        channel: String,
    },
    /// An organisation's contract crossed an alert threshold (or went into overage, or nears
    /// its expiry); the contact and admins were told `alert`.
    ContractAlert { org: String, alert: String },
    /// The desk's figures were sent: `what` is `stats` (an agent's `/stats`), `digest` (the
    /// weekly digest, `to` its channel) or `summary` (an organisation contact's monthly summary,
    /// `organisation` theirs); the days it covered and the tickets in it.
    ReportSent {
        what: String,
        from: String,
        to: String,
        tickets: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        organisation: Option<String>,
    },
    /// An organisation's account changed outside a ticket (organisation added or edited,
    /// contract added, topped up or closed, month closed): what, in words.
    AccountChanged { org: String, change: String },
}

impl BotEvent {
    pub fn personal_text_mut(&mut self) -> Option<&mut String> {
        match self {
            BotEvent::FollowUpAnswered { answer, .. } => Some(answer),
            _ => None,
        }
    }
}

/// One record of the global log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    /// Position in the stream: increasing in commit order; a reader resumes after the last one
    /// it saw.
    pub offset: u64,
    pub at_ms: u64,
    #[serde(flatten)]
    pub entry: LogEntry,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogEntry {
    /// A ticket changed (the event as `tickets show` prints it).
    Ticket { event: TicketEvent },
    /// The bot's own turn in a user's conversation (`user` is `platform:id`).
    Bot { user: String, event: BotEvent },
    /// An outbox entry was committed (what was sent to whom; `frontline outbox list` has its
    /// delivery state).
    Message {
        outbox: u64,
        platform: Platform,
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
}

impl LogRecord {
    /// One line for terminals: offset, time, kind and what happened.
    pub fn line(&self) -> String {
        let what = match &self.entry {
            LogEntry::Ticket { event } => format!(
                "ticket {} #{} {} by {}",
                event.ticket,
                event.seq,
                event.change.kind(),
                match &event.actor {
                    crate::tickets::Actor::User(u) => format!("user {u}"),
                    crate::tickets::Actor::Agent(a) => format!("agent {a}"),
                    crate::tickets::Actor::Bot => "bot".into(),
                }
            ),
            LogEntry::Bot { user, event } => format!(
                "bot {user} {}",
                serde_json::to_string(event).unwrap_or_default()
            ),
            LogEntry::Message {
                outbox,
                platform,
                summary,
                ..
            } => format!("message #{outbox} on {platform}: {summary}"),
        };
        format!(
            "{} {} {}",
            self.offset,
            super::card::fmt_time(self.at_ms),
            what
        )
    }
}
