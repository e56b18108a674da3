//! Tickets: what a request is, its status machine, and the append-only event log that records every
//! change. A ticket's status changes only through [`Ticket::apply`], which checks the transition and
//! returns the event to store with it.

use serde::{Deserialize, Serialize};

use crate::pack::Priority;

/// The platforms a person can reach the desk from. Serialised lower-case (`"discord"`), the form
/// configuration files and stored records use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// The terminals on this machine (`frontline chat`, `frontline agent`, `frontline tickets`).
    Local,
    Discord,
    Slack,
    Web,
}

impl Platform {
    pub const ALL: [Platform; 4] = [
        Platform::Local,
        Platform::Discord,
        Platform::Slack,
        Platform::Web,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Local => "local",
            Platform::Discord => "discord",
            Platform::Slack => "slack",
            Platform::Web => "web",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A platform-neutral reference to a person: where they are and who they are there. Identity is
/// `{platform, id}`; the name is only for display.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserRef {
    pub platform: Platform,
    /// The platform's user id.
    pub id: String,
    /// Display name at the time (not an identity).
    pub name: String,
}

impl UserRef {
    pub fn local(name: &str) -> UserRef {
        UserRef {
            platform: Platform::Local,
            id: name.into(),
            name: name.into(),
        }
    }

    /// `platform:id`, the key under which the user's conversation and index entries are stored.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform, self.id)
    }

    /// Whether two references name the same person (names are not identities).
    pub fn same_person(&self, other: &UserRef) -> bool {
        self.platform == other.platform && self.id == other.id
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Escalated,
    Claimed,
    WaitingOnUser,
    Resolved,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Escalated => "escalated",
            Status::Claimed => "claimed",
            Status::WaitingOnUser => "waiting_on_user",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::New,
            Status::Escalated,
            Status::Claimed,
            Status::WaitingOnUser,
            Status::Resolved,
            Status::Closed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Open tickets are the ones agents still have to act on.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Tier {
    L1,
    L2,
    L3,
}

/// One line of a conversation, already redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub at_ms: u64,
    /// `user`, `bot` or `agent:<name>`.
    pub from: String,
    pub text: String,
}

/// What triage found, kept with the ticket for the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Detection {
    pub intent: String,
    pub confidence: f32,
    pub why: String,
    pub language: String,
    /// FAQ articles offered to the user, and whether the user said they helped.
    pub faq_offered: Vec<String>,
    pub faq_helped: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// `T-1042`.
    pub id: String,
    pub number: u64,
    pub requester: UserRef,
    /// Customer account, from configuration.
    pub organisation: Option<String>,
    /// Where the user wrote from (platform channel id; `dm` for direct messages).
    pub channel: String,
    pub subject: String,
    pub category: String,
    pub priority: Priority,
    pub status: Status,
    pub tier: Tier,
    pub queue: String,
    pub assignee: Option<String>,
    /// Where the assignee is reached (their platform identity), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_user: Option<UserRef>,
    pub detection: Detection,
    /// Follow-up question id and the user's answer, in order asked.
    pub answers: Vec<(String, String)>,
    pub transcript: Vec<Line>,
    pub created_ms: u64,
    pub updated_ms: u64,
    pub first_response_due_ms: Option<u64>,
    pub resolution_due_ms: Option<u64>,
    pub first_response_ms: Option<u64>,
    pub resolved_ms: Option<u64>,
    pub minutes_spent: u32,
    /// Number of events in the ticket's log (the next event's sequence number).
    pub event_count: u32,
    /// The requester's satisfaction rating, 1-5, after resolution.
    pub rating: Option<u8>,
}

/// Who did something to a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Actor {
    User(String),
    Agent(String),
    Bot,
}

/// Every change to a ticket, as stored in its append-only log. Reports are derived from these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Change {
    Opened {
        queue: String,
        priority: Priority,
    },
    Escalated {
        queue: String,
        tier: Tier,
        note: Option<String>,
    },
    Claimed {
        agent: String,
        /// The agent's platform identity, so replies reach them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<UserRef>,
    },
    Unclaimed {
        agent: String,
    },
    Transferred {
        to_agent: Option<String>,
        to_queue: Option<String>,
        /// The tier of the queue moved to (a queue belongs to one tier).
        #[serde(default)]
        to_tier: Option<Tier>,
        /// The platform identity of the agent transferred to, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_user: Option<UserRef>,
    },
    AgentReplied {
        text: String,
    },
    AskedUser {
        text: String,
    },
    UserReplied {
        text: String,
    },
    Resolved {
        note: String,
        minutes: u32,
    },
    TimeLogged {
        minutes: u32,
    },
    Reopened {
        reason: String,
    },
    Rated {
        score: u8,
    },
    Closed,
}

impl Change {
    /// The free text a person wrote that this change carries (a reply, a note, a reason), which
    /// the store keeps apart from the event so an erasure can remove it without rewriting the log.
    pub fn personal_text_mut(&mut self) -> Option<&mut String> {
        match self {
            Change::AgentReplied { text }
            | Change::AskedUser { text }
            | Change::UserReplied { text } => Some(text),
            Change::Resolved { note, .. } => Some(note),
            Change::Escalated { note, .. } => note.as_mut(),
            Change::Reopened { reason } => Some(reason),
            _ => None,
        }
    }

    /// The change's `type` as serialised (`claimed`, `agent_replied`...).
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Opened { .. } => "opened",
            Change::Escalated { .. } => "escalated",
            Change::Claimed { .. } => "claimed",
            Change::Unclaimed { .. } => "unclaimed",
            Change::Transferred { .. } => "transferred",
            Change::AgentReplied { .. } => "agent_replied",
            Change::AskedUser { .. } => "asked_user",
            Change::UserReplied { .. } => "user_replied",
            Change::Resolved { .. } => "resolved",
            Change::TimeLogged { .. } => "time_logged",
            Change::Reopened { .. } => "reopened",
            Change::Rated { .. } => "rated",
            Change::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub ticket: String,
    pub seq: u32,
    pub at_ms: u64,
    pub actor: Actor,
    pub change: Change,
}

/// Why a change cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TicketError {
    #[error("ticket {0} not found")]
    NotFound(String),
    #[error("{ticket} is already claimed by {by}")]
    AlreadyClaimed { ticket: String, by: String },
    #[error("{ticket} is {status} and cannot be {action}")]
    BadTransition {
        ticket: String,
        status: &'static str,
        action: &'static str,
    },
    #[error("{ticket} is assigned to {assignee}, not {agent}")]
    NotAssignee {
        ticket: String,
        assignee: String,
        agent: String,
    },
    #[error("{0}")]
    Invalid(String),
}

impl Ticket {
    /// Applies `change` by `actor` at `now`, checking the transition; on success the ticket is
    /// updated and the change is what the log must record.
    pub fn apply(&mut self, actor: &Actor, change: &Change, now: u64) -> Result<(), TicketError> {
        let bad = |t: &Ticket, action: &'static str| TicketError::BadTransition {
            ticket: t.id.clone(),
            status: t.status.as_str(),
            action,
        };
        let agent_name = match actor {
            Actor::Agent(a) => Some(a.as_str()),
            _ => None,
        };
        let must_be_assignee = |t: &Ticket| -> Result<(), TicketError> {
            match (&t.assignee, agent_name) {
                (Some(a), Some(n)) if a == n => Ok(()),
                (Some(a), Some(n)) => Err(TicketError::NotAssignee {
                    ticket: t.id.clone(),
                    assignee: a.clone(),
                    agent: n.to_string(),
                }),
                _ => Err(bad(t, "handled before it is claimed")),
            }
        };
        match change {
            Change::Opened { .. } => return Err(bad(self, "opened twice")),
            Change::Escalated { queue, tier, .. } => {
                if !self.status.is_open() {
                    return Err(bad(self, "escalated"));
                }
                if matches!(self.status, Status::Claimed | Status::WaitingOnUser) {
                    must_be_assignee(self)?;
                }
                self.queue = queue.clone();
                self.tier = *tier;
                self.assignee = None;
                self.assignee_user = None;
                self.status = Status::Escalated;
            }
            Change::Claimed { agent, user } => match (&self.assignee, self.status) {
                (Some(by), _) => {
                    return Err(TicketError::AlreadyClaimed {
                        ticket: self.id.clone(),
                        by: by.clone(),
                    });
                }
                (None, Status::New | Status::Escalated) => {
                    self.assignee = Some(agent.clone());
                    self.assignee_user = user.clone();
                    self.status = Status::Claimed;
                    self.first_response_ms.get_or_insert(now);
                }
                _ => return Err(bad(self, "claimed")),
            },
            Change::Unclaimed { .. } => {
                must_be_assignee(self)?;
                self.assignee = None;
                self.assignee_user = None;
                self.status = Status::Escalated;
            }
            Change::Transferred {
                to_agent,
                to_queue,
                to_tier,
                to_user,
            } => {
                if !self.status.is_open() {
                    return Err(bad(self, "transferred"));
                }
                if let Some(q) = to_queue {
                    self.queue = q.clone();
                }
                if let Some(t) = to_tier {
                    self.tier = *t;
                }
                match to_agent {
                    Some(a) => {
                        self.assignee = Some(a.clone());
                        self.assignee_user = to_user.clone();
                        self.status = Status::Claimed;
                    }
                    None => {
                        self.assignee = None;
                        self.assignee_user = None;
                        self.status = Status::Escalated;
                    }
                }
            }
            Change::AgentReplied { text } | Change::AskedUser { text } => {
                must_be_assignee(self)?;
                if !self.status.is_open() {
                    return Err(bad(self, "answered"));
                }
                self.transcript.push(Line {
                    at_ms: now,
                    from: format!("agent:{}", agent_name.unwrap_or("?")),
                    text: text.clone(),
                });
                self.first_response_ms.get_or_insert(now);
                // Asking waits for the user; a plain reply keeps the ticket with the agent.
                self.status = match change {
                    Change::AskedUser { .. } => Status::WaitingOnUser,
                    _ => Status::Claimed,
                };
            }
            Change::UserReplied { text } => {
                self.transcript.push(Line {
                    at_ms: now,
                    from: "user".into(),
                    text: text.clone(),
                });
                if self.status == Status::WaitingOnUser {
                    self.status = Status::Claimed;
                }
            }
            Change::Resolved { minutes, .. } => {
                must_be_assignee(self)?;
                if !self.status.is_open() {
                    return Err(bad(self, "resolved"));
                }
                self.status = Status::Resolved;
                self.resolved_ms = Some(now);
                self.minutes_spent += minutes;
            }
            Change::TimeLogged { minutes } => {
                must_be_assignee(self)?;
                self.minutes_spent += minutes;
            }
            Change::Reopened { .. } => {
                if self.status.is_open() {
                    return Err(bad(self, "reopened"));
                }
                self.status = if self.assignee.is_some() {
                    Status::Claimed
                } else {
                    Status::Escalated
                };
                self.resolved_ms = None;
            }
            Change::Rated { score } => {
                if self.status.is_open() || !(1..=5).contains(score) {
                    return Err(bad(self, "rated"));
                }
                self.rating = Some(*score);
            }
            Change::Closed => {
                if self.status == Status::Closed {
                    return Err(bad(self, "closed"));
                }
                self.status = Status::Closed;
            }
        }
        self.updated_ms = now;
        Ok(())
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
