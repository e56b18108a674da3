//! One user's conversation with the bot, persisted after every message so a restart loses nothing.
//! The step says what the bot is waiting for; it changes only in the desk's handlers.

use serde::{Deserialize, Serialize};

use super::event::Address;
use crate::tickets::{Detection, Line};

/// How many lines of a conversation are kept for the escalation card.
const KEEP_LINES: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// Incremented by every turn that changes the conversation; the store refuses a write that
    /// does not follow the stored revision, so two turns cannot both build on one state.
    #[serde(default)]
    pub rev: u64,
    /// The user's language, from the last triage decision.
    pub language: String,
    /// Where replies go (the conversation's thread, or a direct message).
    #[serde(default)]
    pub address: Address,
    pub step: Step,
    /// Redacted lines since the conversation (re)started; becomes the ticket's transcript.
    pub transcript: Vec<Line>,
    /// The ticket this conversation is about (the last one opened or talked about): where
    /// follow-on messages go while it is open, what a rating or a complaint refers to once it is
    /// resolved.
    #[serde(default)]
    pub ticket: Option<String>,
}

impl Conversation {
    pub fn push_line(&mut self, line: Line) {
        self.transcript.push(line);
        if self.transcript.len() > KEEP_LINES {
            let cut = self.transcript.len() - KEEP_LINES;
            self.transcript.drain(..cut);
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Nothing pending: the next message is triaged.
    #[default]
    Idle,
    /// An FAQ answer was given; waiting for "did this solve it?".
    FaqOffered {
        detection: Detection,
        original: String,
    },
    /// Asking the intent's follow-up questions before opening a ticket.
    FollowUp {
        detection: Detection,
        original: String,
        answers: Vec<(String, String)>,
    },
    /// "Is this about T-1000 or something new?": the message waits for the answer.
    TicketOrNew {
        ticket: String,
        detection: Detection,
        original: String,
    },
    /// "Is this about A or B?": the message waits for the user to pick an intent.
    Clarify {
        candidates: Vec<String>,
        detection: Detection,
        original: String,
    },
    /// "Close T-1000?"
    ConfirmClose { ticket: String },
    /// "Which ticket?" (to close), from a numbered list.
    ChooseTicket { tickets: Vec<String> },
    /// "Shall I reopen T-1000?" after a complaint about a resolved ticket.
    ConfirmReopen { ticket: String },
    /// The user asked for a person (or a new problem) and the bot asked what it is about.
    Describe { person: bool },
    /// FAQ search results were listed, numbered.
    FaqListed { articles: Vec<String> },
    /// Stores written before conversations kept `ticket`: read as `Idle` about that ticket.
    InTicket { ticket: String },
    /// Older still; read as `InTicket`.
    Csat { ticket: String },
    /// "Shall I erase everything I keep about you?" (the `data_privacy` intent).
    ConfirmErase,
}
