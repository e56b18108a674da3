//! Approvals in chat: a request of an intent in `[approvals] intents` (or any ticket an automation
//! sends for approval, [`Cx::request_approval`]) waits for its approver before L2 work starts.
//!
//! The approver is the requester's organisation's named `approver` (anyone, agent or not), else
//! any agent of `[approvals] role` (configured, or by platform role); an admin may always decide.
//! While a request waits its card is in the queue with Approve / Deny instead of Claim, and
//! [`crate::tickets::Ticket::apply`] refuses a claim with a sentence naming the approver. A
//! named approver is sent a direct message with the buttons (terminals: the `approve` / `deny`
//! commands); a role's configured agents are too. Approving puts the ticket in its queue for an
//! agent to claim (the queue's unclaimed wait starts then); denying closes it with the reason.
//! The requester is told when approval is asked and when it is decided, in their language, and
//! every step is an event in the ticket's log. Until someone decides, the approver is reminded
//! every `[approvals] remind_after_hours` business hours (an `approval_reminder` timer).

use super::conversation::Conversation;
use super::event::AgentCommand;
use super::texts::{Text, fill, text};
use super::timers::fired;
use super::{Action, Cx, DeskError};
use crate::clocks::timer::{Timer, TimerKind, TimerWrite};
use crate::config::Role;
use crate::tickets::{Actor, Approval, ApprovalState, Change, Platform, Ticket, UserRef};

/// Who decides a request, as [`Approval::approver`] keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Approver {
    /// Any agent of this role (and admins).
    Role(Role),
    /// This person (and admins).
    Person(UserRef),
}

impl Approver {
    /// `role:admin`, or `platform:id`.
    pub fn parse(s: &str) -> Option<Approver> {
        if let Some(r) = s.strip_prefix("role:") {
            return [Role::L2, Role::L3, Role::Admin]
                .into_iter()
                .find(|x| x.as_str() == r)
                .map(Approver::Role);
        }
        let (p, id) = s.split_once(':')?;
        Some(Approver::Person(UserRef {
            platform: Platform::parse(p)?,
            id: id.to_string(),
            name: id.to_string(),
        }))
    }

    pub fn key(&self) -> String {
        match self {
            Approver::Role(r) => format!("role:{}", r.as_str()),
            Approver::Person(u) => u.key(),
        }
    }
}

/// The approver as a reader of `language` is told: a person's name, or the role in words.
pub fn approver_words(a: &Approval, language: &str) -> String {
    if a.approver.starts_with("role:") {
        role_words(&a.approver, language)
    } else if a.approver_name.trim().is_empty() {
        a.approver.clone()
    } else {
        a.approver_name.clone()
    }
}

/// `role:admin` in words: `an admin`, `administratora` (after "przez").
fn role_words(key: &str, language: &str) -> String {
    let pl = language == "pl";
    match key.strip_prefix("role:").unwrap_or(key) {
        "admin" if pl => "administratora".into(),
        "admin" => "an admin".into(),
        r if pl => format!("agenta {r}"),
        r => format!("an {r} agent"),
    }
}

/// The approval as the card says it: `awaiting approval by an admin`, `approved by dana`,
/// `denied by dana: over budget`.
pub fn card_line(a: &Approval) -> String {
    let by = a.decided_by.as_deref().unwrap_or("?");
    match a.state {
        ApprovalState::Pending => format!("awaiting approval by {}", approver_words(a, "en")),
        ApprovalState::Approved => format!("approved by {by}"),
        ApprovalState::Denied => format!(
            "denied by {by}: {}",
            a.reason.as_deref().unwrap_or_default()
        ),
    }
}

fn language_of(t: &Ticket) -> String {
    if t.detection.language.is_empty() {
        "en".into()
    } else {
        t.detection.language.clone()
    }
}

impl Cx<'_> {
    /// Whether a ticket of `intent` waits for approval when it is opened (`[approvals] intents`).
    pub(super) fn needs_approval(&self, intent: &str) -> bool {
        self.desk
            .config
            .approvals
            .intents
            .iter()
            .any(|i| i == intent)
    }

    /// Who approves `t`: its organisation's named approver, else the configured role; with the
    /// name people are shown (a configured agent's name for a person who is one).
    fn approver_for(&self, t: &Ticket) -> (Approver, String) {
        let config = &self.desk.config;
        match config
            .organisation(t.organisation.as_deref())
            .and_then(|o| o.approver.clone())
        {
            Some(person) => {
                let name = config
                    .agent(&person)
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| person.key());
                (Approver::Person(person), name)
            }
            None => {
                let role = Approver::Role(config.approvals.role);
                let name = role_words(&role.key(), "en");
                (role, name)
            }
        }
    }

    /// Sends `t` for approval, for any reason (the automations' "request approval" calls this):
    /// the ticket waits (nobody can claim it) until its approver decides; the requester is told
    /// who decides, the approver is asked with Approve / Deny, the card says it, and a reminder
    /// is scheduled. A ticket already waiting, or finished, is left as it is (returned unchanged).
    // The automation rules' `request_approval` action calls this; tickets of `[approvals]
    // intents` go through its two halves as they are opened.
    pub(crate) fn request_approval(
        &mut self,
        t: &Ticket,
        reason: &str,
    ) -> Result<Ticket, DeskError> {
        // A ticket opened in this turn has no card yet: its opener posts it, with the approval.
        let new = self
            .turn
            .tickets
            .iter()
            .any(|w| w.ticket.id == t.id && w.expected_events.is_none());
        let Some(t) = self.approval_requested(t, reason) else {
            return Ok(self.ticket(&t.id)?.unwrap_or_else(|| t.clone()));
        };
        if !new {
            self.card_update(&t)?;
        }
        self.announce_approval(&t, None)?;
        Ok(t)
    }

    /// The `approval_requested` event alone (no card, nobody told); `None` when the ticket cannot
    /// wait for approval (already waiting, finished).
    pub(super) fn approval_requested(&mut self, t: &Ticket, reason: &str) -> Option<Ticket> {
        let (approver, name) = self.approver_for(t);
        self.change(
            t,
            Actor::Bot,
            Change::ApprovalRequested {
                approver: approver.key(),
                approver_name: name,
                reason: reason.to_string(),
            },
        )
        .ok()
    }

    /// A denied request that is reopened needs a new decision: it waits for its approver again
    /// (the `approval_requested` event alone; the caller posts the card and announces it).
    pub(super) fn approval_again_if_denied(&mut self, t: &Ticket) -> Option<Ticket> {
        let denied = t
            .approval
            .as_ref()
            .is_some_and(|a| a.state == ApprovalState::Denied);
        if !denied {
            return None;
        }
        self.approval_requested(t, "reopened after it was denied")
    }

    /// Tells the requester their request waits for approval (in `c`, their conversation as this
    /// turn has it, else as stored) and asks the approver.
    pub(super) fn announce_approval(
        &mut self,
        t: &Ticket,
        c: Option<&Conversation>,
    ) -> Result<(), DeskError> {
        let Some(a) = t.approval.clone() else {
            return Ok(());
        };
        let lang = language_of(t);
        let mut c = match c {
            Some(c) => c.clone(),
            None => self.desk.load(&t.requester)?,
        };
        c.language = lang.clone();
        let said = fill(
            text(&lang, Text::ApprovalNeeded),
            &[("id", &t.id), ("approver", &approver_words(&a, &lang))],
        );
        self.reply(&t.requester.clone(), &c, said);
        self.ask_approvers(t, false);
        Ok(())
    }

    /// Asks the approver (a named person; a role's configured agents) to decide, or reminds them.
    /// Returns how many were asked: agents by platform role alone are reached through the card.
    fn ask_approvers(&mut self, t: &Ticket, reminder: bool) -> usize {
        let Some(a) = &t.approval else {
            return 0;
        };
        let to: Vec<UserRef> = match Approver::parse(&a.approver) {
            Some(Approver::Person(p)) => {
                // Shown by their configured name where they are an agent.
                let name = self
                    .desk
                    .config
                    .agent(&p)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| p.id.clone());
                vec![UserRef { name, ..p }]
            }
            Some(Approver::Role(r)) => self
                .desk
                .config
                .agents
                .iter()
                .filter(|x| x.role == r)
                .map(super::agent::agent_ref)
                .collect(),
            None => vec![],
        };
        let cal = self
            .desk
            .config
            .calendar_for(t.organisation.as_deref(), &t.queue);
        let head = if reminder {
            format!(
                "Reminder: {} has waited for approval since {}.",
                t.id,
                cal.format(a.requested_ms)
                    .chars()
                    .take(16)
                    .collect::<String>()
            )
        } else {
            format!("Approval needed for {}.", t.id)
        };
        let why = if a.requested_because.trim().is_empty() {
            String::new()
        } else {
            format!("\nWhy it needs approval: {}", a.requested_because)
        };
        for person in &to {
            let how = if person.platform == Platform::Local {
                format!(
                    "Type `approve {id}` or `deny {id} REASON` in `frontline agent`.",
                    id = t.id
                )
            } else {
                "Approve or deny with the buttons below (Deny asks for the reason).".into()
            };
            let said = format!(
                "{head}\n{} from {} ({}): {}{why}\n{how}",
                t.detection.intent.replace('_', " "),
                t.requester.name,
                t.priority,
                t.subject,
            );
            self.turn.say(Action::AskApproval {
                to: person.clone(),
                ticket: t.id.clone(),
                text: said,
            });
        }
        to.len()
    }

    /// `approve` / `deny` from anyone: only the approver (or an admin) decides, once.
    pub(super) fn decide_approval(
        &mut self,
        by: &UserRef,
        roles: &[String],
        command: &AgentCommand,
    ) -> Result<(), DeskError> {
        let config = &self.desk.config;
        let agent = config.agent(by).cloned();
        let role = agent
            .as_ref()
            .map(|a| a.role)
            .or_else(|| config.role_for(by.platform, roles));
        let id = command.ticket();
        let ticket = self.ticket(&id)?;
        let Some((before, a)) = ticket.and_then(|t| t.approval.clone().map(|a| (t, a))) else {
            // Only agents learn whether a ticket exists (ids are guessable).
            let said = match (role, self.ticket(&id)?) {
                (None, _) => "Only support agents or a request's approver can do that.".into(),
                (Some(_), None) => format!("Ticket {id} not found."),
                (Some(_), Some(_)) => format!("{id} does not need approval."),
            };
            self.notify(by, said);
            self.acknowledged(by, "approval refused: nothing to decide");
            return Ok(());
        };
        let may = role == Some(Role::Admin)
            || match Approver::parse(&a.approver) {
                Some(Approver::Person(p)) => p.same_person(by),
                Some(Approver::Role(r)) => role == Some(r),
                None => false,
            };
        let verb = match command {
            AgentCommand::Deny { .. } => "deny",
            _ => "approve",
        };
        if !may {
            let who = approver_words(&a, "en");
            let or_admin = if a.approver == "role:admin" {
                ""
            } else {
                " (or an admin)"
            };
            self.notify(by, format!("Only {who}{or_admin} can {verb} {id}."));
            self.acknowledged(by, "approval refused: not the approver");
            return Ok(());
        }
        if !a.is_pending() {
            let when = a.decided_by.as_deref().unwrap_or("someone");
            self.notify(
                by,
                format!(
                    "{id} was already {} by {when}; nothing changed.",
                    a.state.as_str()
                ),
            );
            self.acknowledged(by, "approval refused: already decided");
            return Ok(());
        }
        // Who decided, as people read it and as the log records it.
        let (shown, actor) = match &agent {
            Some(x) => (x.name.clone(), Actor::Agent(x.name.clone())),
            None if role.is_some() => (
                if by.name.trim().is_empty() {
                    by.key()
                } else {
                    by.name.clone()
                },
                Actor::Agent(by.key()),
            ),
            // A named approver who is no agent: their name on their platform.
            None => (
                if by.name.trim().is_empty() {
                    by.key()
                } else {
                    by.name.clone()
                },
                Actor::User(by.key()),
            ),
        };
        let lang = language_of(&before);
        let mut c = self.desk.load(&before.requester)?;
        c.language = lang.clone();
        let requester = before.requester.clone();
        match command {
            AgentCommand::Deny { reason, .. } => {
                let reason = reason.trim();
                if reason.is_empty() {
                    self.notify(
                        by,
                        format!("Say why: `deny {id} REASON` (the requester is told)."),
                    );
                    return Ok(());
                }
                let t = self.change(
                    &before,
                    actor.clone(),
                    Change::Denied {
                        by: shown.clone(),
                        reason: reason.to_string(),
                    },
                )?;
                let t = self.change(&t, actor, Change::Closed)?;
                self.card_update(&t)?;
                self.notify(
                    by,
                    format!(
                        "{id} denied and closed; {} has been told why.",
                        requester.name
                    ),
                );
                self.reply(
                    &requester,
                    &c,
                    fill(
                        text(&lang, Text::ApprovalDenied),
                        &[("id", &id), ("by", &shown), ("reason", reason)],
                    ),
                );
            }
            _ => {
                let t = self.change(&before, actor, Change::Approved { by: shown.clone() })?;
                self.card_update(&t)?;
                self.notify(
                    by,
                    format!(
                        "{id} approved; it is waiting in {} for an agent, and {} has been told.",
                        t.queue, requester.name
                    ),
                );
                self.reply(
                    &requester,
                    &c,
                    fill(
                        text(&lang, Text::ApprovalGranted),
                        &[("id", &id), ("by", &shown)],
                    ),
                );
            }
        }
        Ok(())
    }

    /// Nobody decided yet: the approver is asked again (with no one to ask by name, the card is
    /// posted again in the queue).
    pub(super) fn approval_reminder(&mut self, timer: &Timer, t: &Ticket) -> Result<(), DeskError> {
        if !t.status.is_open() || !t.approval.as_ref().is_some_and(Approval::is_pending) {
            return Ok(());
        }
        let t = self.change(t, Actor::Bot, fired(timer))?;
        if self.ask_approvers(&t, true) == 0 {
            self.card_post(&t);
        }
        Ok(())
    }

    /// After a turn that changed `t`: a reminder for a request still waiting, due
    /// `remind_after_hours` business hours after the request times the reminders so far plus
    /// one; cancelled once it is decided or the ticket is finished.
    pub(super) fn schedule_approval(&mut self, t: &Ticket) {
        let Some(a) = &t.approval else {
            return;
        };
        let id = Timer::id_of(&t.id, TimerKind::ApprovalReminder, "approval");
        if self
            .turn
            .timers
            .iter()
            .any(|w| matches!(w, TimerWrite::Set(x) if x.id == id))
        {
            return;
        }
        let hours = u64::from(self.desk.config.approvals.remind_after_hours);
        let at = if a.is_pending() && t.status.is_open() && hours > 0 {
            self.desk
                .config
                .calendar_for(t.organisation.as_deref(), &t.queue)
                .due(a.requested_ms, hours * 60 * u64::from(a.reminders + 1), &[])
                .ok()
        } else {
            None
        };
        self.turn.timers.push(match at {
            Some(due_ms) => TimerWrite::Set(Timer {
                id,
                ticket: t.id.clone(),
                kind: TimerKind::ApprovalReminder,
                about: "approval".into(),
                due_ms,
            }),
            None => TimerWrite::Cancel(id),
        });
    }
}
