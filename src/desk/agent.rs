//! The agents' side of the desk: who may act as an agent and on which tickets, what each command
//! changes, and who is told what. Agent turns never write the requester's conversation: what the
//! user's next message means follows from the ticket's status.

use super::event::{Address, AgentCommand};
use super::log::BotEvent;
use super::texts::{Text, fill, text};
use super::{Action, Cx, DeskError, links};
use crate::config::{Agent, Role};
use crate::tickets::{Actor, Change, Ticket, Tier, UserRef};

/// The platform user an agent of the configuration is.
pub fn agent_ref(a: &Agent) -> UserRef {
    UserRef {
        platform: a.platform,
        id: a.id.clone().unwrap_or_else(|| a.name.clone()),
        name: a.name.clone(),
    }
}

/// Whether `role` may do `command` to `ticket`.
fn allowed(role: Role, command: &AgentCommand, ticket: &Ticket) -> bool {
    match role {
        Role::Admin | Role::L3 => true,
        // L2 agents work L2 tickets; an L3 ticket is for L3 (they may still see it).
        // Past L3 (a vendor has it) likewise.
        Role::L2 => ticket.tier <= Tier::L2 || matches!(command, AgentCommand::Reopen { .. }),
    }
}

/// `2026-12-01 22:00` in `tz`.
fn local_minute(ms: u64, tz: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms as i64)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// What the agent who acted is told.
fn confirmation(command: &AgentCommand, t: &Ticket, tz: &jiff::tz::TimeZone) -> String {
    let who = &t.requester.name;
    match command {
        AgentCommand::Claim { .. } => format!("{} is yours; {who} has been told.", t.id),
        AgentCommand::Unclaim { .. } => format!("{} is back in {}.", t.id, t.queue),
        AgentCommand::MarkChange { .. } => match &t.change {
            Some(c) => match (c.window_start_ms, c.window_end_ms) {
                (Some(a), Some(b)) => format!(
                    "{} is a change, planned {} to {}; resolve it with how it went (successful, failed or rolled-back).",
                    t.id,
                    local_minute(a, tz),
                    local_minute(b, tz)
                ),
                _ => format!(
                    "{} is a change; resolve it with how it went (successful, failed or rolled-back).",
                    t.id
                ),
            },
            None => String::new(),
        },
        AgentCommand::TransferToAgent { agent, .. } => format!("{} transferred to {agent}.", t.id),
        AgentCommand::TransferToQueue { queue, .. } => format!("{} moved to {queue}.", t.id),
        AgentCommand::Reply { .. } => format!("{}: sent to {who}.", t.id),
        AgentCommand::Ask { .. } => format!("{}: asked {who}; waiting for the answer.", t.id),
        AgentCommand::EscalateL3 { .. } => format!("{} escalated to {} (L3).", t.id, t.queue),
        AgentCommand::Resolve {
            minutes, outcome, ..
        } => {
            let change = outcome
                .map(|o| format!(" Change {}.", o.as_str().replace('_', " ")))
                .unwrap_or_default();
            format!(
                "{} resolved; {minutes} min logged ({} in total).{change}",
                t.id, t.minutes_spent
            )
        }
        AgentCommand::LogTime { minutes, .. } => format!(
            "{}: {minutes} min logged ({} in total).",
            t.id, t.minutes_spent
        ),
        AgentCommand::Reopen { .. } => format!("{} reopened ({}).", t.id, t.status.as_str()),
        AgentCommand::RefundTime { .. } => String::new(),
        AgentCommand::Note { .. } => format!("{}: internal note added (not sent to {who}).", t.id),
        // Said by `approvals.rs`, `vendors.rs` and `visits.rs`, which decide these.
        AgentCommand::Approve { .. }
        | AgentCommand::Deny { .. }
        | AgentCommand::EscalateVendor { .. }
        | AgentCommand::VendorReply { .. }
        | AgentCommand::Visit { .. }
        | AgentCommand::CancelVisit { .. } => String::new(),
    }
}

impl Cx<'_> {
    /// A message in a thread the adapter did not know: the owner writing in their conversation's
    /// thread, an agent writing in a ticket's thread, or nobody's business.
    pub(super) fn thread_message(
        &mut self,
        by: &UserRef,
        roles: &[String],
        thread: &str,
        text: &str,
    ) -> Result<(), DeskError> {
        match self.desk.link(&links::thread(by.platform, thread))? {
            Some(owner) if owner.strip_prefix("user:") == Some(by.key().as_str()) => {
                // Writing in their thread brings the conversation back there (after a DM, say).
                let at = Address {
                    channel: None,
                    thread: Some(thread.to_string()),
                };
                self.user_message(by, Some(at), text)
            }
            // The agent sees what they wrote in the thread: no "sent to" notice for each message.
            Some(owner) => match owner.strip_prefix("ticket:") {
                Some(ticket) => self.agent_quietly(
                    by,
                    roles,
                    AgentCommand::Reply {
                        ticket: ticket.to_string(),
                        text: text.to_string(),
                    },
                    false,
                ),
                // Someone else's conversation thread: not theirs to write in through the bot.
                None => Ok(()),
            },
            None => Ok(()),
        }
    }

    pub(super) fn agent(
        &mut self,
        by: &UserRef,
        roles: &[String],
        command: AgentCommand,
    ) -> Result<(), DeskError> {
        self.agent_quietly(by, roles, command, true)
    }

    /// An agent command; `confirm` says whether the agent is told it was done (refusals are
    /// always told).
    fn agent_quietly(
        &mut self,
        by: &UserRef,
        roles: &[String],
        command: AgentCommand,
        confirm: bool,
    ) -> Result<(), DeskError> {
        let desk = self.desk;
        // The approver need not be an agent: approvals check who may decide themselves.
        if matches!(
            command,
            AgentCommand::Approve { .. } | AgentCommand::Deny { .. }
        ) {
            return self.decide_approval(by, roles, &command);
        }
        // A configured agent, or a platform user whose platform roles the configuration maps.
        let agent = match desk.config.agent(by) {
            Some(a) => a.clone(),
            None => match desk.config.role_for(by.platform, roles) {
                // Named by platform identity: display names are neither unique nor stable.
                Some(role) => Agent {
                    name: by.key(),
                    role,
                    platform: by.platform,
                    id: Some(by.id.clone()),
                },
                None => {
                    self.notify(by, "Only support agents can do that.");
                    self.acknowledged(by, "agent command refused: not an agent");
                    return Ok(());
                }
            },
        };
        let name = agent.name.clone();
        let ticket_id = command.ticket();
        let Some(before) = self.ticket(&ticket_id)? else {
            self.notify(by, format!("Ticket {ticket_id} not found."));
            self.acknowledged(by, "agent command refused: unknown ticket");
            return Ok(());
        };
        if !allowed(agent.role, &command, &before) {
            self.notify(
                by,
                format!(
                    "{ticket_id} is an {} ticket; your role ({:?}) cannot do that.",
                    before.tier.as_str(),
                    agent.role
                ),
            );
            self.acknowledged(by, "agent command refused: tier");
            return Ok(());
        }
        // What people read: the configured name, or the platform's display name for an agent
        // by role (whose `name` is their platform key).
        let shown = if desk.config.agent(by).is_some() || by.name.trim().is_empty() {
            name.clone()
        } else {
            by.name.clone()
        };
        let me = UserRef {
            name: shown.clone(),
            ..by.clone()
        };
        // Tiers L4/L5: `escalate` from L3 leaves the desk when vendors are configured above it.
        let to_vendor = match &command {
            AgentCommand::EscalateVendor { vendor, note, .. } => Some((vendor.as_deref(), note)),
            // From L3 up `escalate` means the next tier out (or says there is none).
            AgentCommand::EscalateL3 { note, .. } if before.tier >= Tier::L3 => Some((None, note)),
            _ => None,
        };
        if let Some((named, note)) = to_vendor {
            let said = match self.pick_vendor(&before, named) {
                Err(e) => e,
                Ok(v) => match self.escalate_to_vendor(&before, &agent, &shown, &v, note)? {
                    Ok(t) => format!(
                        "{} sent to {} ({}, {}); {} has been told. Record their case number with `vendor-ref {} NUMBER`.",
                        t.id,
                        v.name,
                        v.tier.as_str(),
                        v.reach.describe(),
                        t.requester.name,
                        t.id
                    ),
                    Err(e) => e,
                },
            };
            self.notify(by, said);
            return Ok(());
        }
        if let AgentCommand::RefundTime { entry, .. } = &command {
            let said = match self.refund_check(&before, *entry)? {
                Err(s) => s,
                Ok(e) => {
                    let change = Change::TimeRefunded {
                        entry: *entry,
                        minutes: u32::try_from(e.minutes.max(0)).unwrap_or(0),
                    };
                    match self.change(&before, Actor::Agent(name.clone()), change) {
                        Ok(t) => {
                            let said = self.refund_time(&t, &name, &e)?;
                            self.card_update(&t)?;
                            said
                        }
                        Err(e) => e.to_string(),
                    }
                }
            };
            self.notify(by, said);
            return Ok(());
        }
        if let AgentCommand::Resolve { minutes, .. } = &command
            && let Some(why) = self.time_required(&before, *minutes)?
        {
            self.notify(by, why);
            self.acknowledged(by, "resolve refused: time entry required");
            return Ok(());
        }
        // A change is resolved with how it went: the outcome is its own event, in this turn.
        let (before, command) = match self.change_outcome(&before, &name, command) {
            Ok(x) => x,
            Err(why) => {
                self.notify(by, why);
                self.acknowledged(by, "resolve refused: change outcome");
                return Ok(());
            }
        };
        if let AgentCommand::VendorReply {
            reference, text, ..
        } = &command
        {
            let said = match self.vendor_replied(&before, &agent, reference.as_deref(), text)? {
                Ok(s) | Err(s) => s,
            };
            self.notify(by, said);
            return Ok(());
        }
        let change = match &command {
            AgentCommand::Claim { .. } => Change::Claimed {
                agent: name.clone(),
                user: Some(me.clone()),
            },
            AgentCommand::Unclaim { .. } => Change::Unclaimed {
                agent: name.clone(),
            },
            AgentCommand::MarkChange { window, .. } => match self.change_window(window) {
                Ok((a, b)) => Change::MarkedAsChange {
                    window_start_ms: a,
                    window_end_ms: b,
                },
                Err(why) => {
                    self.notify(by, why);
                    return Ok(());
                }
            },
            AgentCommand::TransferToAgent { agent: to, .. } => {
                let Some(target) = desk.config.agent_named(to) else {
                    self.notify(by, format!("No agent named {to}."));
                    return Ok(());
                };
                if before.assignee.as_deref() != Some(&name) && agent.role != Role::Admin {
                    self.notify(
                        by,
                        format!("Only the assignee or an admin can transfer {ticket_id}."),
                    );
                    return Ok(());
                }
                Change::Transferred {
                    to_agent: Some(to.clone()),
                    to_queue: None,
                    to_tier: None,
                    to_user: Some(agent_ref(target)),
                }
            }
            AgentCommand::TransferToQueue { queue, .. } => {
                let Some(target) = desk.config.queue(queue) else {
                    self.notify(by, format!("No queue named {queue}."));
                    return Ok(());
                };
                // A claimed ticket is its assignee's to hand over (or an admin's).
                if before.assignee.as_ref().is_some_and(|a| a != &name) && agent.role != Role::Admin
                {
                    self.notify(
                        by,
                        format!(
                            "{ticket_id} is assigned to {}; only they or an admin can move it.",
                            before.assignee.as_deref().unwrap_or("?")
                        ),
                    );
                    return Ok(());
                }
                // L2 moves a ticket up only by escalating, which records the note for L3.
                if target.tier == Tier::L3 && agent.role == Role::L2 {
                    self.notify(
                        by,
                        format!("{queue} is an L3 queue: use escalate with a note for L3."),
                    );
                    return Ok(());
                }
                Change::Transferred {
                    to_agent: None,
                    to_queue: Some(queue.clone()),
                    to_tier: Some(target.tier),
                    to_user: None,
                }
            }
            AgentCommand::Reply { text, .. } => Change::AgentReplied { text: text.clone() },
            AgentCommand::Ask { text, .. } => Change::AskedUser { text: text.clone() },
            AgentCommand::EscalateL3 { note, .. } => Change::Escalated {
                queue: desk.config.l3_queue.clone(),
                tier: Tier::L3,
                note: Some(note.clone()),
            },
            AgentCommand::Resolve {
                note,
                minutes,
                activity,
                ..
            } => Change::Resolved {
                activity: *activity,
                note: note.clone(),
                minutes: *minutes,
            },
            AgentCommand::LogTime {
                minutes,
                activity,
                billable,
                ..
            } => Change::TimeLogged {
                minutes: *minutes,
                activity: *activity,
                billable: *billable,
            },
            AgentCommand::Reopen { reason, .. } => Change::Reopened {
                reason: reason.clone(),
            },
            AgentCommand::Note { text, .. } => Change::InternalNote { text: text.clone() },
            // Decided above.
            AgentCommand::Approve { .. }
            | AgentCommand::RefundTime { .. }
            | AgentCommand::Deny { .. }
            | AgentCommand::EscalateVendor { .. }
            | AgentCommand::VendorReply { .. } => return Ok(()),
            AgentCommand::Visit { .. } | AgentCommand::CancelVisit { .. } => {
                return self.visit_command(by, &agent, &shown, &before, &command);
            }
        };
        let t = match self.change(&before, Actor::Agent(name.clone()), change) {
            Ok(t) => t,
            Err(e) => {
                self.notify(by, e.to_string());
                return Ok(());
            }
        };
        let requester = t.requester.clone();
        let c = desk.load(&requester)?;
        let lang = if t.detection.language.is_empty() {
            "en".to_string()
        } else {
            t.detection.language.clone()
        };
        let mut c = c;
        c.language = lang.clone();
        let charged = match super::time::logged(&command) {
            Some((minutes, activity, billable)) => {
                self.charge_time(&t, &name, minutes, activity, billable)?
            }
            None => None,
        };
        if confirm {
            let mut said = confirmation(&command, &t, &desk.config.timezone);
            if let Some(c) = charged {
                said.push(' ');
                said.push_str(&c);
            }
            self.notify(by, said);
        }
        match &command {
            AgentCommand::Claim { .. } => {
                self.card_update(&t)?;
                self.open_agent_thread(&t, &me)?;
                self.reply(
                    &requester,
                    &c,
                    fill(
                        text(&lang, Text::AgentJoined),
                        &[("agent", &shown), ("id", &t.id)],
                    ),
                );
            }
            AgentCommand::Reply { text, .. } | AgentCommand::Ask { text, .. } => {
                self.reply(
                    &requester,
                    &c,
                    fill(
                        super::texts::text(&lang, Text::AgentSays),
                        &[("agent", &shown), ("id", &t.id), ("text", text)],
                    ),
                );
            }
            AgentCommand::Note { .. } => self.card_update(&t)?,
            AgentCommand::EscalateL3 { .. } => {
                self.card_update_in(&t, Some(&before.queue))?;
                self.card_post(&t);
                self.reply(
                    &requester,
                    &c,
                    fill(text(&lang, Text::EscalatedToL3), &[("id", &t.id)]),
                );
            }
            AgentCommand::Resolve { note, .. } => {
                self.card_update(&t)?;
                let resolved = if note.trim().is_empty() {
                    fill(text(&lang, Text::TicketResolved), &[("id", &t.id)])
                } else {
                    fill(
                        text(&lang, Text::TicketResolvedNote),
                        &[("id", &t.id), ("agent", &shown), ("note", note)],
                    )
                };
                self.reply_with(
                    &requester,
                    &c,
                    format!("{resolved}\n{}", text(&lang, Text::AskCsat)),
                    rating_buttons(),
                );
                self.turn.note(
                    &requester.key(),
                    BotEvent::CsatAsked {
                        ticket: t.id.clone(),
                    },
                );
                self.resolve_linked(&t, &shown, note)?;
            }
            AgentCommand::Reopen { .. } => {
                // Denied once: nobody works on it before a new decision.
                match self.approval_again_if_denied(&t) {
                    Some(t) => {
                        self.card_post(&t);
                        self.announce_approval(&t, None)?;
                    }
                    None => self.card_post(&t),
                }
            }
            AgentCommand::TransferToQueue { .. } => self.card_post(&t),
            AgentCommand::Unclaim { .. }
            | AgentCommand::MarkChange { .. }
            | AgentCommand::TransferToAgent { .. }
            | AgentCommand::LogTime { .. } => self.card_update(&t)?,
            AgentCommand::Approve { .. }
            | AgentCommand::Deny { .. }
            | AgentCommand::RefundTime { .. }
            | AgentCommand::EscalateVendor { .. }
            | AgentCommand::VendorReply { .. }
            | AgentCommand::Visit { .. }
            | AgentCommand::CancelVisit { .. } => {}
        }
        Ok(())
    }

    /// For a resolve of a change: the ticket with its outcome set (an event of this turn) and
    /// the command with the outcome word taken out of the note. A change resolved without an
    /// outcome, or an outcome for a ticket that is not a change, is refused with how to say it.
    fn change_outcome(
        &mut self,
        before: &Ticket,
        agent: &str,
        command: AgentCommand,
    ) -> Result<(Ticket, AgentCommand), String> {
        let AgentCommand::Resolve {
            ticket,
            note,
            minutes,
            activity,
            outcome,
        } = command
        else {
            return Ok((before.clone(), command));
        };
        let (outcome, note) = match outcome {
            Some(o) => (Some(o), note),
            None if before.change.is_some() => {
                let (first, rest) = note
                    .trim()
                    .split_once(char::is_whitespace)
                    .unwrap_or((note.trim(), ""));
                match crate::reports::ChangeOutcome::parse(first) {
                    Some(o) => (Some(o), rest.trim().to_string()),
                    None => (None, note),
                }
            }
            None => (None, note),
        };
        let id = &before.id;
        let outcome = match (outcome, before.change.is_some()) {
            (None, false) => {
                return Ok((
                    before.clone(),
                    AgentCommand::Resolve {
                        ticket,
                        note,
                        minutes,
                        activity,
                        outcome: None,
                    },
                ));
            }
            (None, true) => {
                return Err(format!(
                    "{id} is a change: say how it went, e.g. `resolve {id} {minutes} successful NOTE` (successful, failed or rolled-back)."
                ));
            }
            (Some(_), false) => {
                return Err(format!(
                    "{id} is not a change: mark it with `change {id}` first, or resolve it without an outcome."
                ));
            }
            (Some(o), true) => o,
        };
        if note.trim().is_empty() {
            return Err(format!(
                "`resolve` needs a note after the outcome: `resolve {id} {minutes} {} NOTE`",
                outcome.as_str().replace('_', "-")
            ));
        }
        let t = self
            .change(
                before,
                Actor::Agent(agent.to_string()),
                Change::ChangeOutcomeSet { outcome },
            )
            .map_err(|e| e.to_string())?;
        Ok((
            t,
            AgentCommand::Resolve {
                ticket,
                note,
                minutes,
                activity,
                outcome: Some(outcome),
            },
        ))
    }

    /// A change's window from words in the configured time zone: `2026-12-01 10:00 to
    /// 2026-12-01 12:00`, `2026-12-01 10:00-12:00`, `... do ...`; empty: none.
    fn change_window(&self, words: &str) -> Result<(Option<u64>, Option<u64>), String> {
        let w = words.trim();
        if w.is_empty() {
            return Ok((None, None));
        }
        let usage =
            "the window as `YYYY-MM-DD HH:MM to YYYY-MM-DD HH:MM` (or `YYYY-MM-DD HH:MM-HH:MM`)";
        let tz = &self.desk.config.timezone;
        let (a, b) = [" to ", " do ", " - ", " – ", "–"]
            .iter()
            .find_map(|sep| w.split_once(sep))
            .or_else(|| {
                // `2026-12-01 10:00-12:00`
                let (date, times) = w.split_once(' ')?;
                let (t1, t2) = times.split_once('-')?;
                Some((w.get(..date.len() + 1 + t1.len())?, t2)).map(|(a, _)| (a, t2))
            })
            .ok_or_else(|| format!("Give {usage}."))?;
        let parse = |s: &str, day: Option<jiff::civil::Date>| -> Option<jiff::civil::DateTime> {
            let s = s.trim();
            if let Ok(d) = s.replacen(' ', "T", 1).parse::<jiff::civil::DateTime>() {
                return Some(d);
            }
            // Only the time: the same day as the start (jiff reads a time out of a date-time
            // too, hence the order).
            let t = s.parse::<jiff::civil::Time>().ok()?;
            Some(day?.to_datetime(t))
        };
        let start = parse(a, None).ok_or_else(|| format!("`{}`: give {usage}.", a.trim()))?;
        let end =
            parse(b, Some(start.date())).ok_or_else(|| format!("`{}`: give {usage}.", b.trim()))?;
        let ms = |d: jiff::civil::DateTime| {
            d.to_zoned(tz.clone())
                .map(|z| z.timestamp().as_millisecond().max(0) as u64)
                .map_err(|e| e.to_string())
        };
        let (s, e) = (ms(start)?, ms(end)?);
        if e <= s {
            return Err(format!("The window ends before it starts: give {usage}."));
        }
        Ok((Some(s), Some(e)))
    }

    /// An incident's linked reports are resolved with it, and each reporter is told.
    fn resolve_linked(
        &mut self,
        incident: &Ticket,
        agent: &str,
        note: &str,
    ) -> Result<(), DeskError> {
        for id in &incident.linked {
            let Some(report) = self.ticket(id)?.filter(|r| r.status.is_open()) else {
                continue;
            };
            let Ok(r) = self.change(
                &report,
                Actor::Bot,
                Change::Resolved {
                    activity: Default::default(),
                    note: format!("resolved with {}", incident.id),
                    minutes: 0,
                },
            ) else {
                continue;
            };
            let lang = if r.detection.language.is_empty() {
                "en".to_string()
            } else {
                r.detection.language.clone()
            };
            let mut c = self.desk.load(&r.requester)?;
            c.language = lang.clone();
            self.reply_with(
                &r.requester,
                &c,
                format!(
                    "{}\n{}",
                    fill(
                        text(&lang, Text::IncidentResolved),
                        &[("id", &incident.id), ("agent", agent), ("note", note)],
                    ),
                    text(&lang, Text::AskCsat)
                ),
                rating_buttons(),
            );
            self.turn.note(
                &r.requester.key(),
                BotEvent::CsatAsked {
                    ticket: r.id.clone(),
                },
            );
        }
        Ok(())
    }

    /// Records in the log that the bot answered without acting (an empty message, a stale
    /// button, a refused command).
    pub(super) fn acknowledged(&mut self, by: &UserRef, why: &str) {
        self.turn
            .note(&by.key(), BotEvent::Acknowledged { why: why.into() });
    }

    /// On claim, a thread on the card where what the agent writes reaches the user (where the
    /// queue's platform has threads, and the ticket has none yet).
    fn open_agent_thread(&mut self, t: &Ticket, agent: &UserRef) -> Result<(), DeskError> {
        let Some(q) = self.desk.queue_of(t).cloned() else {
            return Ok(());
        };
        if q.platform == crate::tickets::Platform::Local
            || self.desk.link(&links::agent_thread(&t.id))?.is_some()
        {
            return Ok(());
        }
        let message = self.card_message(&t.id, &q.id)?;
        self.turn.say(Action::OpenAgentThread {
            platform: q.platform,
            ticket: t.id.clone(),
            channel: q.channel.clone(),
            message,
            title: format!("{} {}", t.id, t.subject).chars().take(90).collect(),
            greeting: format!(
                "{}: what you write here is sent to {}.",
                t.id, t.requester.name
            ),
            assignee: (agent.platform == q.platform).then(|| agent.clone()),
        });
        Ok(())
    }
}

/// The rating buttons under the question after a resolution (typing the number works too).
fn rating_buttons() -> Vec<crate::desk::Choice> {
    (1..=5).map(crate::desk::Choice::Rate).collect()
}
