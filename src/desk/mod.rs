//! The desk: the platform-neutral core of the workflow. Adapters turn platform payloads into
//! [`Event`]s; the desk moves each user's conversation along, opens and changes tickets through the
//! [`Store`], and returns the [`Action`]s the adapter must perform. No platform types and no I/O
//! other than the store trait live here.

pub mod card;
pub mod conversation;
pub mod redact;
pub mod texts;

use std::sync::Arc;

use serde::Serialize;

use crate::config::{Config, Queue, Role};
use crate::pack::Priority;
use crate::store::{Filter, Store, StoreError};
use crate::tickets::{Actor, Change, Detection, Line, Status, Ticket, TicketError, Tier, UserRef};
use crate::triage::{Decision, NextAction, Triage};
pub use card::Card;
use conversation::{Conversation, Step};
use redact::redact;
use texts::{Text, fill, text};

/// A button a user can press (or words they can type) in answer to the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Choice {
    Solved,
    StillNeedHelp,
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
    },
    LogTime {
        ticket: String,
        minutes: u32,
    },
    Reopen {
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
            | AgentCommand::TransferToAgent { ticket, .. }
            | AgentCommand::TransferToQueue { ticket, .. }
            | AgentCommand::Reply { ticket, .. }
            | AgentCommand::Ask { ticket, .. }
            | AgentCommand::EscalateL3 { ticket, .. }
            | AgentCommand::Resolve { ticket, .. }
            | AgentCommand::LogTime { ticket, .. }
            | AgentCommand::Reopen { ticket, .. } => ticket.trim().to_uppercase(),
        }
    }
}

/// Everything that can happen to the desk, from any platform.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A user wrote to the bot (`channel` is where: a platform channel id, or `dm`).
    UserMessage {
        user: UserRef,
        channel: String,
        text: String,
    },
    /// A user pressed one of the bot's buttons.
    UserChoice { user: UserRef, choice: Choice },
    /// Someone pressed an agent button or typed an agent command; the desk checks they are one.
    Agent { by: UserRef, command: AgentCommand },
    /// The same, from a platform that tells which of its roles the person holds (Discord role ids,
    /// Slack user groups); the configuration maps those to L2, L3 or admin.
    AgentWithRoles {
        by: UserRef,
        roles: Vec<String>,
        command: AgentCommand,
    },
    /// A user asked for a ticket directly (a `/ticket` form): no FAQ, no questions.
    OpenTicket {
        user: UserRef,
        channel: String,
        subject: String,
        description: String,
    },
    /// A user asked for the status of their tickets (`/status`).
    StatusRequest { user: UserRef },
    /// A user searched the knowledge base (`/faq words`).
    FaqSearch { user: UserRef, query: String },
}

/// What the adapter must do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Say something to a user (in their conversation or DM), with buttons to offer.
    Reply {
        to: UserRef,
        text: String,
        buttons: Vec<Choice>,
    },
    /// Post a new escalation card in a queue's channel.
    PostCard {
        queue: String,
        platform: String,
        channel: String,
        card: Card,
    },
    /// Update the card of a ticket already posted in a queue's channel.
    UpdateCard {
        queue: String,
        platform: String,
        channel: String,
        card: Card,
    },
    /// Tell one person something only they see (refusals, confirmations to agents).
    Notify { to: UserRef, text: String },
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The desk: triage engine, configuration and store.
pub struct Desk {
    triage: Arc<Triage>,
    config: Config,
    store: Arc<dyn Store>,
}

const YES: &[&str] = &[
    "yes",
    "y",
    "yep",
    "yeah",
    "solved",
    "it did",
    "tak",
    "pomoglo",
    "pomogło",
    "dziala",
    "działa",
    "ok thanks",
];
const NO: &[&str] = &[
    "no",
    "n",
    "nope",
    "not really",
    "still need help",
    "nie",
    "nie pomoglo",
    "nie pomogło",
    "dalej nie dziala",
    "dalej nie działa",
];
const REOPEN: &[&str] = &["reopen", "otworz ponownie", "otwórz ponownie"];

fn matches_word(text: &str, words: &[&str]) -> bool {
    let t = text.trim().trim_end_matches(['.', '!', '?']).to_lowercase();
    words.contains(&t.as_str())
}

impl Desk {
    pub fn new(triage: Arc<Triage>, config: Config, store: Arc<dyn Store>) -> Desk {
        Desk {
            triage,
            config,
            store,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn triage(&self) -> &Triage {
        &self.triage
    }

    /// Handles one event at time `now` (ms since the epoch) and returns what to do.
    pub fn handle(&self, event: Event, now: u64) -> Result<Vec<Action>, DeskError> {
        match event {
            Event::UserMessage {
                user,
                channel,
                text,
            } => self.user_message(&user, &channel, &text, now),
            Event::UserChoice { user, choice } => {
                let words = match choice {
                    Choice::Solved => "yes",
                    Choice::StillNeedHelp => "no",
                };
                self.user_message(&user, "dm", words, now)
            }
            Event::Agent { by, command } => self.agent(&by, &[], command, now),
            Event::AgentWithRoles { by, roles, command } => self.agent(&by, &roles, command, now),
            Event::OpenTicket {
                user,
                channel,
                subject,
                description,
            } => {
                let mut c = self.load(&user)?;
                let text = format!("{subject}\n{description}");
                let d = self.triage.decide(&text);
                c.language = d.language.clone();
                c.push_line(Line {
                    at_ms: now,
                    from: "user".into(),
                    text: redact(&text),
                });
                let detection = Detection {
                    intent: if d.is_out_of_scope() {
                        "human_agent".into()
                    } else {
                        d.intent.clone()
                    },
                    confidence: d.confidence,
                    why: format!("opened with /ticket; {}", d.why),
                    language: d.language.clone(),
                    faq_offered: vec![],
                    faq_helped: None,
                };
                let actions =
                    self.open_ticket(&user, &channel, detection, &subject, vec![], &mut c, now)?;
                self.save(&user, &c)?;
                Ok(actions)
            }
            Event::StatusRequest { user } => {
                let c = self.load(&user)?;
                let lang = if c.language.is_empty() {
                    self.triage.pack().default_language.clone()
                } else {
                    c.language
                };
                self.ticket_status(&user, "", &lang)
            }
            Event::FaqSearch { user, query } => {
                let lang = self.triage.decide(&query).language;
                Ok(vec![self.faq_search(&user, &query, &lang)])
            }
        }
    }

    fn load(&self, user: &UserRef) -> Result<Conversation, DeskError> {
        Ok(match self.store.conversation(&user.key())? {
            // A state this version cannot read starts over rather than failing the user.
            Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            None => Conversation::default(),
        })
    }

    fn save(&self, user: &UserRef, c: &Conversation) -> Result<(), DeskError> {
        self.store.put_conversation(
            &user.key(),
            &serde_json::to_vec(c).expect("conversations serialise"),
        )?;
        Ok(())
    }

    fn reply(to: &UserRef, text: impl Into<String>) -> Action {
        Action::Reply {
            to: to.clone(),
            text: text.into(),
            buttons: vec![],
        }
    }

    fn user_message(
        &self,
        user: &UserRef,
        channel: &str,
        raw: &str,
        now: u64,
    ) -> Result<Vec<Action>, DeskError> {
        let mut c = self.load(user)?;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            let lang = c.language.clone();
            return Ok(vec![Self::reply(user, text(&lang, Text::EmptyMessage))]);
        }
        // Only the start of a huge paste is kept in the conversation; triage cuts it too.
        let (kept, _) =
            crate::triage::normalize::truncate(trimmed, crate::triage::normalize::MAX_INPUT_BYTES);
        c.push_line(Line {
            at_ms: now,
            from: "user".into(),
            text: redact(kept),
        });
        let mut actions = Vec::new();
        let step = std::mem::take(&mut c.step);
        match step {
            Step::InTicket { ticket } if self.triage.decide(kept).intent == "ticket_status" => {
                // "Any news on my ticket?" while it is open is a question for the bot, not the agent.
                let lang = c.language.clone();
                actions.extend(self.ticket_status(user, kept, &lang)?);
                c.step = Step::InTicket { ticket };
            }
            Step::InTicket { ticket } => {
                if let Some(t) = self.store.ticket(&ticket)?.filter(|t| t.status.is_open()) {
                    let (t, _) = self.store.change(
                        &t.id,
                        &Actor::User(user.key()),
                        &Change::UserReplied { text: redact(kept) },
                        now,
                    )?;
                    actions.extend(self.card_update(&t));
                    if let Some(agent) = t.assignee.as_ref().and_then(|a| self.assignee_ref(a)) {
                        actions.push(Action::Notify {
                            to: agent,
                            text: format!("[{}] {}: {}", t.id, user.name, redact(kept)),
                        });
                    }
                    actions.push(Self::reply(
                        user,
                        fill(text(&c.language, Text::SentToAgent), &[("id", &t.id)]),
                    ));
                    c.step = Step::InTicket { ticket };
                } else {
                    actions.extend(self.fresh_message(user, channel, kept, &mut c, now)?);
                }
            }
            Step::Csat { ticket } => {
                let score: Option<u8> = kept.trim().parse().ok().filter(|s| (1..=5).contains(s));
                if let Some(score) = score {
                    let _ = self.store.change(
                        &ticket,
                        &Actor::User(user.key()),
                        &Change::Rated { score },
                        now,
                    );
                    actions.push(Self::reply(user, text(&c.language, Text::ThanksForRating)));
                } else if matches_word(kept, REOPEN) {
                    match self.store.change(
                        &ticket,
                        &Actor::User(user.key()),
                        &Change::Reopened {
                            reason: "user".into(),
                        },
                        now,
                    ) {
                        Ok((t, _)) => {
                            actions.push(Self::reply(
                                user,
                                fill(text(&c.language, Text::Reopened), &[("id", &t.id)]),
                            ));
                            actions.extend(self.card_post(&t));
                            c.step = Step::InTicket { ticket };
                        }
                        Err(e) => actions.push(Self::reply(user, e.to_string())),
                    }
                } else {
                    actions.extend(self.fresh_message(user, channel, kept, &mut c, now)?);
                }
            }
            Step::FaqOffered {
                detection,
                original,
            } => {
                if matches_word(kept, YES) {
                    self.store.count("deflected")?;
                    actions.push(Self::reply(user, text(&c.language, Text::GladItHelped)));
                    c.transcript.clear();
                } else if matches_word(kept, NO) {
                    let mut d = detection;
                    d.faq_helped = Some(false);
                    actions.extend(self.start_follow_up(user, channel, d, original, &mut c, now)?);
                } else {
                    actions.extend(self.fresh_message(user, channel, kept, &mut c, now)?);
                }
            }
            Step::FollowUp {
                detection,
                original,
                mut answers,
            } => {
                let intent = self.triage.pack().intent(&detection.intent);
                let questions = intent.map(|i| i.follow_up.as_slice()).unwrap_or(&[]);
                if let Some(q) = questions.get(answers.len()) {
                    answers.push((q.id.clone(), redact(kept)));
                }
                if let Some(next) = questions.get(answers.len()) {
                    let q = next
                        .text
                        .get(&c.language)
                        .or_else(|| next.text.values().next())
                        .cloned()
                        .unwrap_or_default();
                    actions.push(Self::reply(user, q));
                    c.step = Step::FollowUp {
                        detection,
                        original,
                        answers,
                    };
                } else {
                    actions.extend(
                        self.open_ticket(
                            user, channel, detection, &original, answers, &mut c, now,
                        )?,
                    );
                }
            }
            Step::Idle => actions.extend(self.fresh_message(user, channel, kept, &mut c, now)?),
        }
        self.save(user, &c)?;
        Ok(actions)
    }

    /// A message outside any pending question: triage decides.
    fn fresh_message(
        &self,
        user: &UserRef,
        channel: &str,
        msg: &str,
        c: &mut Conversation,
        now: u64,
    ) -> Result<Vec<Action>, DeskError> {
        let d = self.triage.decide(msg);
        c.language = d.language.clone();
        let lang = d.language.clone();
        let detection = Detection {
            intent: d.intent.clone(),
            confidence: d.confidence,
            why: d.why.clone(),
            language: d.language.clone(),
            faq_offered: vec![],
            faq_helped: None,
        };
        if let Some(rest) = msg.trim().strip_prefix("faq ") {
            return Ok(vec![self.faq_search(user, rest, &lang)]);
        }
        let intent = self.triage.pack().intent(&d.intent);
        let reply_text = intent
            .and_then(|i| i.reply.get(&lang).cloned())
            .unwrap_or_default();
        match (d.action, intent) {
            (NextAction::Fallback, _) => {
                let mut t = text(&lang, Text::NotUnderstood).to_string();
                if !d.faq.is_empty() {
                    t.push_str("\n\n");
                    t.push_str(text(&lang, Text::FaqSuggestions));
                    for f in &d.faq {
                        t.push_str(&format!("\n- {} ({})", f.title, f.id));
                    }
                }
                Ok(vec![Self::reply(user, t)])
            }
            (_, Some(i)) if i.id == "ticket_status" => self.ticket_status(user, msg, &lang),
            (NextAction::Escalate, Some(_)) => {
                let mut actions = vec![Self::reply(
                    user,
                    format!("{reply_text}\n{}", text(&lang, Text::TicketEscalatedNow)),
                )];
                actions.extend(self.open_ticket(user, channel, detection, msg, vec![], c, now)?);
                Ok(actions)
            }
            (NextAction::Answer, Some(_)) if !d.faq.is_empty() => Ok(vec![
                self.offer_faq(user, &d, reply_text, detection, msg, c),
            ]),
            (NextAction::Answer, Some(i)) if i.follow_up.is_empty() || i.faq.is_empty() => {
                // Conversational intents (greeting, thanks, hours): the reply is the answer.
                c.transcript.clear();
                Ok(vec![Self::reply(user, reply_text)])
            }
            _ => {
                let mut actions = Vec::new();
                if !reply_text.is_empty() {
                    actions.push(Self::reply(user, reply_text));
                }
                actions.extend(self.start_follow_up(
                    user,
                    channel,
                    detection,
                    msg.to_string(),
                    c,
                    now,
                )?);
                Ok(actions)
            }
        }
    }

    fn offer_faq(
        &self,
        user: &UserRef,
        d: &Decision,
        intro: String,
        mut detection: Detection,
        msg: &str,
        c: &mut Conversation,
    ) -> Action {
        let best = &d.faq[0];
        let body = self
            .triage
            .pack()
            .article(&best.id, &d.language)
            .map(|a| a.body.trim().to_string())
            .unwrap_or_default();
        detection.faq_offered = d.faq.iter().map(|f| f.id.clone()).collect();
        let mut t = String::new();
        if !intro.is_empty() {
            t.push_str(&intro);
            t.push_str("\n\n");
        }
        t.push_str(&format!(
            "**{}**\n{}\n\n{}",
            best.title,
            body,
            text(&d.language, Text::DidThisSolveIt)
        ));
        c.push_line(Line {
            at_ms: 0,
            from: "bot".into(),
            text: format!("FAQ offered: {}", best.id),
        });
        c.step = Step::FaqOffered {
            detection,
            original: msg.to_string(),
        };
        Action::Reply {
            to: user.clone(),
            text: t,
            buttons: vec![Choice::Solved, Choice::StillNeedHelp],
        }
    }

    fn faq_search(&self, user: &UserRef, query: &str, lang: &str) -> Action {
        let hits = self.triage.search_faq(query, Some(lang), 3);
        let pack = self.triage.pack();
        let mut t = String::from(text(lang, Text::FaqSuggestions));
        for h in &hits {
            let a = &pack.articles[h.article];
            t.push_str(&format!("\n- {} ({})", a.title, a.id));
        }
        if hits.is_empty() {
            t = text(lang, Text::NotUnderstood).to_string();
        }
        Self::reply(user, t)
    }

    fn start_follow_up(
        &self,
        user: &UserRef,
        channel: &str,
        detection: Detection,
        original: String,
        c: &mut Conversation,
        now: u64,
    ) -> Result<Vec<Action>, DeskError> {
        let questions = self
            .triage
            .pack()
            .intent(&detection.intent)
            .map(|i| i.follow_up.clone())
            .unwrap_or_default();
        match questions.first() {
            None => self.open_ticket(user, channel, detection, &original, vec![], c, now),
            Some(q) => {
                let lang = c.language.clone();
                let question = q
                    .text
                    .get(&lang)
                    .or_else(|| q.text.values().next())
                    .cloned()
                    .unwrap_or_default();
                c.step = Step::FollowUp {
                    detection,
                    original,
                    answers: vec![],
                };
                Ok(vec![Self::reply(
                    user,
                    format!("{}\n{question}", text(&lang, Text::LetsOpenTicket)),
                )])
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn open_ticket(
        &self,
        user: &UserRef,
        channel: &str,
        detection: Detection,
        original: &str,
        answers: Vec<(String, String)>,
        c: &mut Conversation,
        now: u64,
    ) -> Result<Vec<Action>, DeskError> {
        let pack = self.triage.pack();
        let intent = pack
            .intent(&detection.intent)
            .or_else(|| pack.intent("human_agent"));
        let (category, priority, default_queue) = match intent {
            Some(i) => (i.category.clone(), i.priority, i.queue.clone()),
            None => (
                "general".to_string(),
                Priority::P3,
                "l2-general".to_string(),
            ),
        };
        let queue = self
            .config
            .route(&detection.intent, &category, priority, &default_queue)
            .or_else(|| self.config.queues.iter().find(|q| q.tier == Tier::L2))
            .cloned();
        let Some(queue) = queue else {
            return Ok(vec![Self::reply(
                user,
                "No support queue is configured; please contact IT directly.",
            )]);
        };
        let sla = self.config.sla.get(&priority).copied();
        let organisation = self.config.organisation_of(user).map(|o| o.id.clone());
        let subject: String = redact(original).chars().take(120).collect();
        let transcript = c.transcript.clone();
        let draft = |number: u64| Ticket {
            id: format!("T-{number}"),
            number,
            requester: user.clone(),
            organisation: organisation.clone(),
            channel: channel.to_string(),
            subject: subject.clone(),
            category: category.clone(),
            priority,
            status: Status::Escalated,
            tier: Tier::L2,
            queue: queue.id.clone(),
            assignee: None,
            detection: detection.clone(),
            answers: answers.clone(),
            transcript: transcript.clone(),
            created_ms: now,
            updated_ms: now,
            first_response_due_ms: sla.map(|s| now + s.first_response_minutes * 60_000),
            resolution_due_ms: sla.map(|s| now + s.resolution_minutes * 60_000),
            first_response_ms: None,
            resolved_ms: None,
            minutes_spent: 0,
            event_count: 0,
            rating: None,
        };
        // Returns only once the ticket is on disk: the user is told its id after that.
        let t = self
            .store
            .open_ticket(&draft, &Actor::User(user.key()), now)?;
        c.step = Step::InTicket {
            ticket: t.id.clone(),
        };
        c.transcript.clear();
        let lang = c.language.clone();
        // The card first: once the user knows the ticket id, anything they add updates that card.
        let mut actions = self.card_post(&t);
        actions.push(Self::reply(
            user,
            fill(
                text(&lang, Text::TicketOpened),
                &[("id", &t.id), ("priority", &t.priority.to_string())],
            ),
        ));
        Ok(actions)
    }

    fn ticket_status(
        &self,
        user: &UserRef,
        msg: &str,
        lang: &str,
    ) -> Result<Vec<Action>, DeskError> {
        let mine = self.store.list(&Filter {
            requester: Some(user.key()),
            ..Filter::default()
        })?;
        let asked: Option<String> = msg
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .find(|w| {
                w.len() > 2
                    && (w.starts_with("T-") || w.starts_with("t-"))
                    && w[2..].chars().all(|c| c.is_ascii_digit())
            })
            .map(|w| w.to_uppercase());
        let line = |t: &Ticket| {
            format!(
                "- {} [{}] {}{}",
                t.id,
                t.status.as_str(),
                t.subject,
                t.assignee
                    .as_ref()
                    .map(|a| format!(" ({a})"))
                    .unwrap_or_default()
            )
        };
        let reply = match asked {
            Some(id) => match mine.iter().find(|t| t.id == id) {
                Some(t) => line(t),
                // Someone else's ticket gets the same answer as a missing one: ids are guessable.
                None => fill(text(lang, Text::TicketUnknown), &[("id", &id)]),
            },
            None => {
                let open: Vec<String> = mine
                    .iter()
                    .filter(|t| t.status.is_open())
                    .map(line)
                    .collect();
                if open.is_empty() {
                    text(lang, Text::NoTickets).to_string()
                } else {
                    format!("{}\n{}", text(lang, Text::YourTickets), open.join("\n"))
                }
            }
        };
        Ok(vec![Self::reply(user, reply)])
    }

    /// The platform user behind an assignee name: a configured agent, or `platform:id` for agents
    /// known by their platform roles.
    fn assignee_ref(&self, name: &str) -> Option<UserRef> {
        if let Some(a) = self.config.agent_named(name) {
            return Some(agent_ref(a));
        }
        let (platform, id) = name.split_once(':')?;
        Some(UserRef {
            platform: platform.into(),
            id: id.into(),
            name: name.into(),
        })
    }

    fn queue_of(&self, t: &Ticket) -> Option<&Queue> {
        self.config.queue(&t.queue)
    }

    fn card_post(&self, t: &Ticket) -> Vec<Action> {
        match self.queue_of(t) {
            Some(q) => vec![Action::PostCard {
                queue: q.id.clone(),
                platform: q.platform.clone(),
                channel: q.channel.clone(),
                card: Card::of(t),
            }],
            None => vec![],
        }
    }

    fn card_update(&self, t: &Ticket) -> Vec<Action> {
        match self.queue_of(t) {
            Some(q) => vec![Action::UpdateCard {
                queue: q.id.clone(),
                platform: q.platform.clone(),
                channel: q.channel.clone(),
                card: Card::of(t),
            }],
            None => vec![],
        }
    }

    /// Whether `role` may do `command` to `ticket`.
    fn allowed(role: Role, command: &AgentCommand, ticket: &Ticket) -> bool {
        match role {
            Role::Admin | Role::L3 => true,
            // L2 agents work L2 tickets; an L3 ticket is for L3 (they may still see it).
            Role::L2 => ticket.tier != Tier::L3 || matches!(command, AgentCommand::Reopen { .. }),
        }
    }

    fn agent(
        &self,
        by: &UserRef,
        roles: &[String],
        command: AgentCommand,
        now: u64,
    ) -> Result<Vec<Action>, DeskError> {
        let refuse = |text: String| {
            Ok(vec![Action::Notify {
                to: by.clone(),
                text,
            }])
        };
        // A configured agent, or a platform user whose platform roles the configuration maps.
        let agent = match self.config.agent(by) {
            Some(a) => a.clone(),
            None => match self.config.role_for(&by.platform, roles) {
                // Named by platform identity: display names are neither unique nor stable.
                Some(role) => crate::config::Agent {
                    name: by.key(),
                    role,
                    platform: by.platform.clone(),
                    id: Some(by.id.clone()),
                },
                None => return refuse("Only support agents can do that.".into()),
            },
        };
        let name = agent.name.clone();
        let ticket_id = command.ticket();
        let Some(before) = self.store.ticket(&ticket_id)? else {
            return refuse(format!("Ticket {ticket_id} not found."));
        };
        if !Self::allowed(agent.role, &command, &before) {
            return refuse(format!(
                "{ticket_id} is an L3 ticket; your role ({:?}) cannot do that.",
                agent.role
            ));
        }
        let change = match &command {
            AgentCommand::Claim { .. } => Change::Claimed {
                agent: name.clone(),
            },
            AgentCommand::Unclaim { .. } => Change::Unclaimed {
                agent: name.clone(),
            },
            AgentCommand::TransferToAgent { agent: to, .. } => {
                if self.config.agent_named(to).is_none() {
                    return refuse(format!("No agent named {to}."));
                }
                if before.assignee.as_deref() != Some(&name) && agent.role != Role::Admin {
                    return refuse(format!(
                        "Only the assignee or an admin can transfer {ticket_id}."
                    ));
                }
                Change::Transferred {
                    to_agent: Some(to.clone()),
                    to_queue: None,
                    to_tier: None,
                }
            }
            AgentCommand::TransferToQueue { queue, .. } => {
                let Some(target) = self.config.queue(queue) else {
                    return refuse(format!("No queue named {queue}."));
                };
                // A claimed ticket is its assignee's to hand over (or an admin's).
                if before.assignee.as_ref().is_some_and(|a| a != &name) && agent.role != Role::Admin
                {
                    return refuse(format!(
                        "{ticket_id} is assigned to {}; only they or an admin can move it.",
                        before.assignee.as_deref().unwrap_or("?")
                    ));
                }
                // L2 moves a ticket up only by escalating, which records the note for L3.
                if target.tier == Tier::L3 && agent.role == Role::L2 {
                    return refuse(format!(
                        "{queue} is an L3 queue: use escalate with a note for L3."
                    ));
                }
                Change::Transferred {
                    to_agent: None,
                    to_queue: Some(queue.clone()),
                    to_tier: Some(target.tier),
                }
            }
            AgentCommand::Reply { text, .. } => Change::AgentReplied { text: text.clone() },
            AgentCommand::Ask { text, .. } => Change::AskedUser { text: text.clone() },
            AgentCommand::EscalateL3 { note, .. } => Change::Escalated {
                queue: self.config.l3_queue.clone(),
                tier: Tier::L3,
                note: Some(note.clone()),
            },
            AgentCommand::Resolve { note, minutes, .. } => Change::Resolved {
                note: note.clone(),
                minutes: *minutes,
            },
            AgentCommand::LogTime { minutes, .. } => Change::TimeLogged { minutes: *minutes },
            AgentCommand::Reopen { reason, .. } => Change::Reopened {
                reason: reason.clone(),
            },
        };
        let t = match self
            .store
            .change(&ticket_id, &Actor::Agent(name.clone()), &change, now)
        {
            Ok((t, _)) => t,
            Err(StoreError::Ticket(e)) => return refuse(e.to_string()),
            Err(e) => return Err(e.into()),
        };
        let lang = if t.detection.language.is_empty() {
            "en".to_string()
        } else {
            t.detection.language.clone()
        };
        let user = t.requester.clone();
        let mut actions = vec![Action::Notify {
            to: by.clone(),
            text: confirmation(&command, &t),
        }];
        match &command {
            AgentCommand::Claim { .. } => {
                actions.extend(self.card_update(&t));
                actions.push(Self::reply(
                    &user,
                    fill(
                        text(&lang, Text::AgentJoined),
                        &[("agent", &name), ("id", &t.id)],
                    ),
                ));
            }
            AgentCommand::Reply { text, .. } | AgentCommand::Ask { text, .. } => {
                actions.push(Self::reply(&user, format!("[{}] {name}: {text}", t.id)));
            }
            AgentCommand::EscalateL3 { .. } => {
                if let Some(q) = self.config.queue(&before.queue) {
                    actions.push(Action::UpdateCard {
                        queue: q.id.clone(),
                        platform: q.platform.clone(),
                        channel: q.channel.clone(),
                        card: Card::of(&t),
                    });
                }
                actions.extend(self.card_post(&t));
                actions.push(Self::reply(
                    &user,
                    fill(text(&lang, Text::EscalatedToL3), &[("id", &t.id)]),
                ));
            }
            AgentCommand::Resolve { note, .. } => {
                actions.extend(self.card_update(&t));
                actions.push(Self::reply(
                    &user,
                    format!(
                        "{}\n{}",
                        fill(
                            text(&lang, Text::TicketResolved),
                            &[("id", &t.id), ("note", note)]
                        ),
                        text(&lang, Text::AskCsat)
                    ),
                ));
                let mut c = self.load(&user)?;
                c.step = Step::Csat {
                    ticket: t.id.clone(),
                };
                self.save(&user, &c)?;
            }
            AgentCommand::Reopen { .. } | AgentCommand::TransferToQueue { .. } => {
                actions.extend(self.card_post(&t))
            }
            AgentCommand::Unclaim { .. }
            | AgentCommand::TransferToAgent { .. }
            | AgentCommand::LogTime { .. } => actions.extend(self.card_update(&t)),
        }
        Ok(actions)
    }
}

/// What the agent who acted is told.
fn confirmation(command: &AgentCommand, t: &Ticket) -> String {
    let who = &t.requester.name;
    match command {
        AgentCommand::Claim { .. } => format!("{} is yours; {who} has been told.", t.id),
        AgentCommand::Unclaim { .. } => format!("{} is back in {}.", t.id, t.queue),
        AgentCommand::TransferToAgent { agent, .. } => format!("{} transferred to {agent}.", t.id),
        AgentCommand::TransferToQueue { queue, .. } => format!("{} moved to {queue}.", t.id),
        AgentCommand::Reply { .. } => format!("{}: sent to {who}.", t.id),
        AgentCommand::Ask { .. } => format!("{}: asked {who}; waiting for the answer.", t.id),
        AgentCommand::EscalateL3 { .. } => format!("{} escalated to {} (L3).", t.id, t.queue),
        AgentCommand::Resolve { minutes, .. } => {
            format!(
                "{} resolved; {minutes} min logged ({} in total).",
                t.id, t.minutes_spent
            )
        }
        AgentCommand::LogTime { minutes, .. } => format!(
            "{}: {minutes} min logged ({} in total).",
            t.id, t.minutes_spent
        ),
        AgentCommand::Reopen { .. } => format!("{} reopened ({}).", t.id, t.status.as_str()),
    }
}

/// The platform user an agent of the configuration is.
pub fn agent_ref(a: &crate::config::Agent) -> UserRef {
    UserRef {
        platform: a.platform.clone(),
        id: a.id.clone().unwrap_or_else(|| a.name.clone()),
        name: a.name.clone(),
    }
}

impl From<TicketError> for DeskError {
    fn from(e: TicketError) -> Self {
        DeskError::Store(StoreError::Ticket(e))
    }
}

/// Agent commands as typed in a terminal or chat: `claim T-1042`, `reply T-1042 text`,
/// `resolve T-1042 15 note`, `escalate T-1042 note`, `transfer T-1042 @bob|queue`, `log T-1042 30`,
/// `unclaim T-1042`, `ask T-1042 text`, `reopen T-1042 reason`.
pub fn parse_agent_command(line: &str) -> Result<AgentCommand, String> {
    let mut parts = line.trim().splitn(3, char::is_whitespace);
    let verb = parts.next().unwrap_or("").to_lowercase();
    let ticket = parts
        .next()
        .ok_or("which ticket? e.g. `claim T-1042`")?
        .to_string();
    let rest = parts.next().unwrap_or("").trim().to_string();
    let need_text = |what: &str| {
        if rest.is_empty() {
            Err(format!("`{verb}` needs {what}"))
        } else {
            Ok(rest.clone())
        }
    };
    Ok(match verb.as_str() {
        "claim" => AgentCommand::Claim { ticket },
        "unclaim" => AgentCommand::Unclaim { ticket },
        "reply" => AgentCommand::Reply {
            ticket,
            text: need_text("a message")?,
        },
        "ask" => AgentCommand::Ask {
            ticket,
            text: need_text("a question")?,
        },
        "escalate" => AgentCommand::EscalateL3 {
            ticket,
            note: need_text("a note for L3")?,
        },
        "reopen" => AgentCommand::Reopen {
            ticket,
            reason: if rest.is_empty() {
                "reopened by agent".into()
            } else {
                rest
            },
        },
        "log" => AgentCommand::LogTime {
            ticket,
            minutes: rest.parse().map_err(|_| "`log T-1 MINUTES`".to_string())?,
        },
        "resolve" => {
            let (m, note) = rest
                .split_once(char::is_whitespace)
                .unwrap_or((rest.as_str(), ""));
            let minutes: u32 = m
                .parse()
                .map_err(|_| "`resolve T-1 MINUTES note`".to_string())?;
            if note.trim().is_empty() {
                return Err("`resolve` needs a note: `resolve T-1 MINUTES note`".into());
            }
            AgentCommand::Resolve {
                ticket,
                note: note.trim().to_string(),
                minutes,
            }
        }
        "transfer" => match rest.strip_prefix('@') {
            Some(agent) => AgentCommand::TransferToAgent {
                ticket,
                agent: agent.to_string(),
            },
            None if !rest.is_empty() => AgentCommand::TransferToQueue {
                ticket,
                queue: rest,
            },
            None => return Err("`transfer T-1 @agent` or `transfer T-1 queue`".into()),
        },
        other => return Err(format!("unknown command `{other}`")),
    })
}
