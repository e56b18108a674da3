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
    /// A ticket is open: the user's messages go to it. Once an agent resolves it, the next
    /// message is read as a 1-5 rating (or "reopen"): the resolution does not write the user's
    /// conversation, the ticket's status says so.
    InTicket { ticket: String },
    /// Stores written before resolutions stopped writing conversations; read as `InTicket`.
    Csat { ticket: String },
}
