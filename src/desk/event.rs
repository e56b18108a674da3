//! What reaches the desk: one closed [`Event`] enum for every platform, wrapped in an [`Incoming`]
//! that carries the event's idempotency key and the address its replies go to.

use serde::{Deserialize, Serialize};

use crate::tickets::UserRef;

/// A button a user can press (or words they can type) in answer to the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Solved,
    StillNeedHelp,
    /// Confirming what the bot asked ("close T-1000?", "reopen it?").
    Yes,
    No,
    /// "Is this about T-1000 or something new?"
    SameTicket,
    NewProblem,
    /// The n-th (from 1) of the options the bot listed.
    Pick(u8),
    /// Talk to a person now.
    Person,
    /// A rating of the help on a resolved ticket, 1 (worst) to 5 (best): the buttons under the
    /// question; typing the number does the same.
    Rate(u8),
    /// The requester's answer to a proposed visit: the ticket's number and the event that
    /// proposed it (a button under an earlier proposal answers nothing).
    VisitConfirm {
        ticket: u64,
        proposal: u32,
    },
    VisitAnotherTime {
        ticket: u64,
        proposal: u32,
    },
}

/// What an agent asks the desk to do.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentCommand {
    Claim {
        ticket: String,
    },
    Unclaim {
        ticket: String,
    },
    /// Mark the ticket as a change, with its planned window in words (`2026-12-01 10:00 to
    /// 2026-12-01 12:00`, in the configured time zone), or none.
    MarkChange {
        ticket: String,
        window: String,
    },
    TransferToAgent {
        ticket: String,
        agent: String,
    },
    TransferToQueue {
        ticket: String,
        queue: String,
    },
    Reply {
        ticket: String,
        text: String,
    },
    Ask {
        ticket: String,
        text: String,
    },
    EscalateL3 {
        ticket: String,
        note: String,
    },
    Resolve {
        ticket: String,
        note: String,
        minutes: u32,
        /// What the minutes were spent on.
        activity: crate::contracts::Activity,
        /// How it went, when the ticket is a change (also read from the note's first word:
        /// `resolve T-1 30 failed the switch did not come back`).
        outcome: Option<crate::reports::ChangeOutcome>,
    },
    LogTime {
        ticket: String,
        minutes: u32,
        activity: crate::contracts::Activity,
        /// Whether the organisation is charged for it.
        billable: bool,
    },
    /// Takes back a time entry logged by mistake (its number in the organisation's ledger).
    RefundTime {
        ticket: String,
        entry: u64,
    },
    Reopen {
        ticket: String,
        reason: String,
    },
    /// An internal note for other agents; the requester never sees it.
    Note {
        ticket: String,
        text: String,
    },
    /// The approver (or an admin) says yes to a request waiting for approval. Not only agents:
    /// an organisation's named approver may be anyone.
    Approve {
        ticket: String,
    },
    /// ... or no, with the reason the requester is told.
    Deny {
        ticket: String,
        reason: String,
    },
    /// Send the case outside the desk (tier L4/L5): to `vendor`, or the next tier's only vendor.
    EscalateVendor {
        ticket: String,
        vendor: Option<String>,
        note: String,
    },
    /// Record what the vendor said: their case number, their reply, or both.
    VendorReply {
        ticket: String,
        reference: Option<String>,
        text: String,
    },
    /// Propose a visit or remote session to the requester. `when` is as typed (`2026-12-01
    /// 14:00`, `tomorrow 9:30`, RFC 3339): the desk reads it in the ticket's calendar's time
    /// zone at the instant it handles the command.
    Visit {
        ticket: String,
        when: String,
        place: Option<String>,
        technician: Option<String>,
        remote: bool,
    },
    /// Call off the ticket's visit; the requester (and technician) are told.
    CancelVisit {
        ticket: String,
        reason: String,
    },
}

impl AgentCommand {
    /// The ticket the command is about, as stored (`T-1042`).
    pub fn ticket(&self) -> String {
        match self {
            AgentCommand::Claim { ticket }
            | AgentCommand::Unclaim { ticket }
            | AgentCommand::MarkChange { ticket, .. }
            | AgentCommand::TransferToAgent { ticket, .. }
            | AgentCommand::TransferToQueue { ticket, .. }
            | AgentCommand::Reply { ticket, .. }
            | AgentCommand::Ask { ticket, .. }
            | AgentCommand::EscalateL3 { ticket, .. }
            | AgentCommand::Resolve { ticket, .. }
            | AgentCommand::LogTime { ticket, .. }
            | AgentCommand::RefundTime { ticket, .. }
            | AgentCommand::Reopen { ticket, .. }
            | AgentCommand::Note { ticket, .. }
            | AgentCommand::Approve { ticket }
            | AgentCommand::Deny { ticket, .. }
            | AgentCommand::EscalateVendor { ticket, .. }
            | AgentCommand::VendorReply { ticket, .. }
            | AgentCommand::Visit { ticket, .. }
            | AgentCommand::CancelVisit { ticket, .. } => ticket.trim().to_uppercase(),
        }
    }
}

/// Where, on their platform, a person's replies go: a channel and a thread in it. Both empty
/// means a direct message. Adapters fill it in from the payload; the desk keeps it on the
/// conversation and puts it on every reply, so no adapter needs to remember it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<String>,
}

impl Address {
    pub fn direct() -> Address {
        Address::default()
    }

    pub fn thread(channel: &str, thread: &str) -> Address {
        Address {
            channel: Some(channel.to_string()),
            thread: Some(thread.to_string()),
        }
    }

    /// The ticket's `channel` field: the thread, else the channel, else `dm`.
    pub fn label(&self) -> String {
        self.thread
            .clone()
            .or_else(|| self.channel.clone())
            .unwrap_or_else(|| "dm".into())
    }
}

/// A platform interaction still waiting for its answer (a Discord interaction token, valid for 15
/// minutes): replies to the person who caused it go there, visible only to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: String,
    pub token: String,
}

/// Where an adapter put something the desk asked for; reported back so later turns can find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Placed {
    /// The message that shows a ticket's card in a queue's channel.
    Card { channel: String, message: String },
    /// The thread where the assignee talks to the user through the bot.
    AgentThread { thread: String },
    /// The thread a support-channel conversation lives in.
    UserThread { channel: String, thread: String },
}

/// One message of a thread made into a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted {
    /// The author's name as their platform shows it.
    pub name: String,
    /// Written by the ticket's requester (otherwise by someone else in the thread).
    pub by_requester: bool,
    pub text: String,
}

/// Everything that can happen to the desk, from any platform.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A user wrote to the bot.
    UserMessage { user: UserRef, text: String },
    /// A user pressed one of the bot's buttons.
    UserChoice { user: UserRef, choice: Choice },
    /// Someone pressed an agent button or typed an agent command; the desk checks they are one.
    /// `roles` are the platform roles they hold (Discord role ids, Slack user groups), which the
    /// configuration maps to L2, L3 or admin; empty where the platform has none.
    Agent {
        by: UserRef,
        roles: Vec<String>,
        command: AgentCommand,
    },
    /// A user asked for a ticket directly (a `/ticket` form): no FAQ, no questions.
    OpenTicket {
        user: UserRef,
        subject: String,
        description: String,
    },
    /// Someone made a ticket of a message in a channel (Slack's "Create ticket" shortcut, a
    /// `:ticket:` reaction): the message's author is the requester, the message and its thread are
    /// the transcript, and `by` (who asked for it) is told the ticket's id.
    TicketFromMessages {
        user: UserRef,
        by: UserRef,
        /// How it was asked for, for the agent (`the Create ticket shortcut`).
        how: String,
        messages: Vec<Quoted>,
    },
    /// Someone reported a message as phishing (Slack's "Report phishing" shortcut): `user`, who
    /// reported it, is the requester of a phishing report in the security queue carrying the
    /// reported messages (their authors are named, never made requesters: they may be the
    /// attackers).
    PhishingReport {
        user: UserRef,
        /// How it was reported, for the agent (`the Report phishing shortcut`).
        how: String,
        reported: Vec<Quoted>,
    },
    /// The desk's own timers are set, moved or removed to match the configuration (the security
    /// tips): sent when `frontline run` starts and by `frontline timers`.
    Schedule,
    /// An agent or admin asked for the desk's figures (`/stats [period]`, `stats` in `frontline
    /// agent`): `period` as typed (`last week`, `2026-11`, `ostatni miesiąc`; empty is the last
    /// seven days). `roles` as for [`Event::Agent`]: the desk checks who may see them.
    Stats {
        by: UserRef,
        roles: Vec<String>,
        period: String,
    },
    /// A user asked for the status of their tickets (`/status`).
    StatusRequest { user: UserRef },
    /// A user opened the platform's own page for the app (Slack's App Home): it shows their
    /// tickets ([`crate::desk::Action::ShowTickets`]).
    HomeOpened { user: UserRef },
    /// A user searched the knowledge base (`/faq words`).
    FaqSearch { user: UserRef, query: String },
    /// A user starts afresh (`frontline chat --new`): pending questions and confirmations are
    /// dropped; their tickets stay as they are.
    StartFresh { user: UserRef },
    /// Someone wrote in a platform thread the adapter knows nothing about: the desk decides whether
    /// it is a user's conversation thread, a ticket's agent thread, or nobody's.
    ThreadMessage {
        by: UserRef,
        roles: Vec<String>,
        thread: String,
        text: String,
    },
    /// A durable timer's instant came (`frontline run`'s timer loop, `frontline timers fire`):
    /// `id` as scheduled for `due_ms` (a timer moved since is not this one).
    TimerFired {
        id: String,
        ticket: String,
        due_ms: u64,
    },
    /// An adapter delivered an outbox entry and reports where the result lives.
    Placed {
        platform: crate::tickets::Platform,
        ticket: Option<String>,
        user: Option<UserRef>,
        placed: Placed,
    },
}

impl Event {
    /// The person whose action this is, if any.
    pub fn actor(&self) -> Option<&UserRef> {
        match self {
            Event::UserMessage { user, .. }
            | Event::UserChoice { user, .. }
            | Event::OpenTicket { user, .. }
            | Event::StatusRequest { user }
            | Event::HomeOpened { user }
            | Event::StartFresh { user }
            | Event::FaqSearch { user, .. }
            | Event::PhishingReport { user, .. } => Some(user),
            Event::Agent { by, .. }
            | Event::Stats { by, .. }
            | Event::ThreadMessage { by, .. }
            | Event::TicketFromMessages { by, .. } => Some(by),
            Event::Placed { .. } | Event::TimerFired { .. } | Event::Schedule => None,
        }
    }

    /// What the desk serialises turns on: a user's events on their conversation, an agent's on the
    /// ticket they act on, a placement on the ticket (or user) it is about.
    pub fn serial_key(&self) -> String {
        match self {
            Event::Agent { command, .. } => format!("ticket:{}", command.ticket()),
            Event::ThreadMessage { thread, by, .. } => {
                format!("thread:{}:{thread}", by.platform)
            }
            // The desk's own timers (no ticket) and their scheduling take turns.
            Event::TimerFired { ticket, .. } if ticket.is_empty() => "schedule".into(),
            Event::Schedule => "schedule".into(),
            Event::TimerFired { ticket, .. } => format!("ticket:{ticket}"),
            // The requester's conversation is what changes, whoever asked.
            Event::TicketFromMessages { user, .. } => format!("user:{}", user.key()),
            Event::Placed { ticket, user, .. } => match (ticket, user) {
                (Some(t), _) => format!("ticket:{t}"),
                (None, Some(u)) => format!("user:{}", u.key()),
                (None, None) => "placed".into(),
            },
            other => format!(
                "user:{}",
                other.actor().map(UserRef::key).unwrap_or_default()
            ),
        }
    }
}

/// An event as an adapter hands it to the desk.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The platform's id for this delivery (`discord:message:123`, `discord:interaction:456`):
    /// stored with the turn, so a redelivery, even after a restart, is handled once. None where
    /// the platform has no ids (a terminal line).
    pub key: Option<String>,
    pub event: Event,
    /// Where the actor's replies go; `None` keeps the address their conversation already has.
    pub reply_to: Option<Address>,
    /// The interaction to answer, when the event came as one.
    pub interaction: Option<Interaction>,
}

impl Incoming {
    /// An event with no idempotency key and no address (terminals).
    pub fn plain(event: Event) -> Incoming {
        Incoming {
            key: None,
            event,
            reply_to: None,
            interaction: None,
        }
    }

    pub fn keyed(key: impl Into<String>, event: Event) -> Incoming {
        Incoming {
            key: Some(key.into()),
            ..Incoming::plain(event)
        }
    }

    pub fn at(mut self, address: Address) -> Incoming {
        self.reply_to = Some(address);
        self
    }

    pub fn answering(mut self, interaction: Interaction) -> Incoming {
        self.interaction = Some(interaction);
        self
    }
}
