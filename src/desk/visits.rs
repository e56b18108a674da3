//! Visits and remote sessions: an agent proposes a time (and a place or a remote session, and a
//! technician) on a ticket; the requester confirms it or asks for another time (buttons on Discord
//! and Slack, words anywhere); both are reminded before a confirmed visit (`visit_reminder` timers,
//! `[visits] remind_before_minutes`), and the visit is on the card, in `tickets show` and in the
//! ticket's log.
//!
//! Times are read and shown in the ticket's calendar's time zone (the organisation's or the
//! queue's calendar, else UTC), and every sentence with a time names the zone: the agent types
//! `2026-12-01 14:00` meaning the requester's 14:00. A proposal is `Change::VisitProposed`; the
//! requester's answers are `VisitConfirmed` / `VisitAnotherTime` (with what they wrote); an agent's
//! cancellation is `VisitCancelled`; resolving or closing the ticket ends the visit
//! ([`crate::tickets::Ticket::apply`]). The requester's buttons carry the proposal's event number,
//! so a button under an earlier proposal answers nothing, and only the requester may press them.

use jiff::Timestamp;

use super::conversation::Conversation;
use super::event::{AgentCommand, Choice};
use super::texts::{Text, fill, text};
use super::timers::fired;
pub use super::visit_words::{
    Answer, card_line, parse_visit, read_answer, read_when, when_short, when_words,
};
use super::visit_words::{capitalised, place_words, what, who_words};
use super::{Action, Cx, DeskError};
use crate::clocks::timer::{Timer, TimerKind, TimerWrite};
use crate::config::Agent;
use crate::tickets::{Actor, Change, Ticket, UserRef, Visit, VisitState};

fn language_of(t: &Ticket) -> String {
    if t.detection.language.is_empty() {
        "en".into()
    } else {
        t.detection.language.clone()
    }
}

impl Cx<'_> {
    /// `visit` / `visit ... cancel` from an agent (already checked to be one, and allowed this
    /// ticket's tier): the proposal or cancellation, the requester told, the card updated.
    pub(super) fn visit_command(
        &mut self,
        by: &UserRef,
        agent: &Agent,
        shown: &str,
        before: &Ticket,
        command: &AgentCommand,
    ) -> Result<(), DeskError> {
        let config = &self.desk.config;
        let cal = config.calendar_for(before.organisation.as_deref(), &before.queue);
        let tz = cal.timezone.clone();
        let zone = cal.timezone_name().to_string();
        let id = before.id.clone();
        let actor = Actor::Agent(agent.name.clone());
        let requester = before.requester.clone();
        let lang = language_of(before);
        let mut c = self.desk.load(&requester)?;
        c.language = lang.clone();
        match command {
            AgentCommand::Visit {
                when,
                place,
                technician,
                remote,
                ..
            } => {
                if !before.status.is_open() {
                    self.notify(
                        by,
                        format!(
                            "{id} is {}: no visit can be proposed on it.",
                            before.status.as_str()
                        ),
                    );
                    return Ok(());
                }
                let when_ms = match read_when(when, &tz, self.now) {
                    Ok(ms) => ms,
                    Err(e) => {
                        self.notify(by, format!("{id}: {e}. Nothing was proposed."));
                        return Ok(());
                    }
                };
                if when_ms <= self.now {
                    self.notify(
                        by,
                        format!(
                            "{id}: {} is in the past (it is {} now). Nothing was proposed.",
                            when_short(when_ms, &zone),
                            when_short(self.now, &zone)
                        ),
                    );
                    return Ok(());
                }
                let technician = match technician.as_deref().map(str::trim) {
                    Some(name) => match config.agent_named(name) {
                        Some(a) => Some(a.name.clone()),
                        None => {
                            let names: Vec<&str> =
                                config.agents.iter().map(|a| a.name.as_str()).collect();
                            self.notify(
                                by,
                                format!(
                                    "{id}: no agent named `{}`; the technician is one of: {}. Nothing was proposed.",
                                    crate::platform::terminal::line(name),
                                    names.join(", ")
                                ),
                            );
                            return Ok(());
                        }
                    },
                    None => None,
                };
                let place = place
                    .as_deref()
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| p.chars().take(200).collect::<String>());
                let when_rfc = i64::try_from(when_ms)
                    .ok()
                    .and_then(|m| Timestamp::from_millisecond(m).ok())
                    .map(|ts| crate::clocks::calendar::rfc3339(&ts.to_zoned(tz.clone())))
                    .unwrap_or_default();
                let t = match self.change(
                    before,
                    actor,
                    Change::VisitProposed {
                        when: when_rfc,
                        when_ms,
                        timezone: zone.clone(),
                        place,
                        technician,
                        remote: *remote,
                    },
                ) {
                    Ok(t) => t,
                    Err(e) => {
                        self.notify(by, e.to_string());
                        return Ok(());
                    }
                };
                let Some(v) = t.visit.clone() else {
                    return Ok(());
                };
                self.card_update(&t)?;
                let again = before
                    .visit
                    .as_ref()
                    .is_some_and(|p| p.state != VisitState::Cancelled);
                self.notify(
                    by,
                    format!(
                        "{id}: {} {} for {} ({}), {}; {} has been asked to confirm.",
                        if v.remote { "remote session" } else { "visit" },
                        if again { "proposed again" } else { "proposed" },
                        when_short(v.when_ms, &zone),
                        v.when,
                        match (&v.technician, &v.place, v.remote) {
                            (Some(tech), Some(p), _) => format!("at {p}, technician {tech}"),
                            (Some(tech), None, true) => format!("technician {tech}"),
                            (Some(tech), None, false) => format!("on site, technician {tech}"),
                            (None, Some(p), _) => format!("at {p}, no technician named"),
                            (None, None, true) => "no technician named".into(),
                            (None, None, false) => "on site, no technician named".into(),
                        },
                        requester.name
                    ),
                );
                let said = fill(
                    text(&lang, Text::VisitProposed),
                    &[
                        ("agent", shown),
                        ("what", what(&v, &lang, true)),
                        ("id", &id),
                        ("when", &when_words(v.when_ms, &v.timezone, &lang)),
                        ("where", &place_words(&v, &lang)),
                        ("who", &who_words(&v, &lang)),
                    ],
                );
                let number = t.number;
                self.reply_with(
                    &requester,
                    &c,
                    said,
                    vec![
                        Choice::VisitConfirm {
                            ticket: number,
                            proposal: v.proposal,
                        },
                        Choice::VisitAnotherTime {
                            ticket: number,
                            proposal: v.proposal,
                        },
                    ],
                );
                if let Some(tech) = self.technician_ref(&v)
                    && !tech.same_person(by)
                {
                    self.notify(
                        &tech,
                        format!(
                            "[{id}] {shown} proposed {} with {} for {}, {}: {} (waiting for {} to confirm).",
                            if v.remote { "a remote session" } else { "a visit" },
                            requester.name,
                            when_short(v.when_ms, &zone),
                            place_words(&v, "en"),
                            t.subject,
                            requester.name
                        ),
                    );
                }
            }
            AgentCommand::CancelVisit { reason, .. } => {
                let reason = reason.trim().to_string();
                let t = match self.change(
                    before,
                    actor,
                    Change::VisitCancelled {
                        reason: reason.clone(),
                    },
                ) {
                    Ok(t) => t,
                    Err(_) => {
                        let state = before
                            .visit
                            .as_ref()
                            .map(|v| v.state.as_str())
                            .unwrap_or("none");
                        self.notify(
                            by,
                            format!(
                                "{id} has no visit to cancel (visit: {state}); nothing changed."
                            ),
                        );
                        return Ok(());
                    }
                };
                let Some(v) = t.visit.clone() else {
                    return Ok(());
                };
                self.card_update(&t)?;
                self.notify(
                    by,
                    format!(
                        "{id}: the {} for {} is cancelled; {} has been told.",
                        if v.remote { "remote session" } else { "visit" },
                        when_short(v.when_ms, &v.timezone),
                        requester.name
                    ),
                );
                let why = if reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({reason})")
                };
                let said = fill(
                    text(&lang, Text::VisitCancelled),
                    &[
                        ("what", what(&v, &lang, false)),
                        ("id", &id),
                        ("when", &when_words(v.when_ms, &v.timezone, &lang)),
                        ("reason", &why),
                    ],
                );
                self.reply(&requester, &c, capitalised(&said));
                if let Some(tech) = self.technician_ref(&v)
                    && !tech.same_person(by)
                {
                    self.notify(
                        &tech,
                        format!(
                            "[{id}] The visit with {} on {} is cancelled{why}.",
                            requester.name,
                            when_short(v.when_ms, &v.timezone)
                        ),
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Where the visit's technician is reached, when one is named and configured.
    fn technician_ref(&self, v: &Visit) -> Option<UserRef> {
        let name = v.technician.as_deref()?;
        self.desk
            .config
            .agent_named(name)
            .map(super::agent::agent_ref)
    }

    /// A Confirm / Another time button: only the requester, only for the proposal it was sent
    /// under.
    pub(super) fn visit_choice(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        choice: Choice,
    ) -> Result<(), DeskError> {
        let (number, proposal, answer) = match choice {
            Choice::VisitConfirm { ticket, proposal } => (ticket, proposal, Answer::Confirm),
            Choice::VisitAnotherTime { ticket, proposal } => {
                (ticket, proposal, Answer::AnotherTime)
            }
            _ => return Ok(()),
        };
        let id = format!("T-{number}");
        let lang = self.language_or_default(c);
        let t = self.ticket(&id)?;
        let Some(t) = t.filter(|t| t.requester.same_person(user)) else {
            // Someone else's (or a forged) button: refused, and whether the ticket exists is
            // not said.
            self.reply(user, c, text(&lang, Text::VisitNotYours));
            self.acknowledged(user, "visit answer refused: not the requester");
            return Ok(());
        };
        let current = t.visit.clone().filter(|v| v.proposal == proposal);
        match current {
            Some(v) if t.status.is_open() && v.state == VisitState::Proposed => {
                self.visit_answered(user, c, &t, answer, "")
            }
            Some(v)
                if t.status.is_open()
                    && v.state == VisitState::Confirmed
                    && answer == Answer::AnotherTime =>
            {
                self.visit_answered(user, c, &t, answer, "")
            }
            Some(v) if v.state == VisitState::Confirmed => {
                let said = fill(
                    text(&lang, Text::VisitAlreadyConfirmed),
                    &[
                        ("id", &t.id),
                        ("when", &when_words(v.when_ms, &v.timezone, &lang)),
                    ],
                );
                self.reply(user, c, said);
                self.acknowledged(user, "visit already confirmed");
                Ok(())
            }
            _ => {
                self.say_stale_visit(user, c, &t, &lang);
                Ok(())
            }
        }
    }

    fn say_stale_visit(&mut self, user: &UserRef, c: &Conversation, t: &Ticket, lang: &str) {
        let latest = match &t.visit {
            Some(v) if v.state == VisitState::Proposed || v.state == VisitState::Confirmed => {
                when_words(v.when_ms, &v.timezone, lang)
            }
            _ if lang == "pl" => "brak aktualnej propozycji".into(),
            _ => "no time is proposed now".into(),
        };
        let said = fill(
            text(lang, Text::VisitStale),
            &[("id", &t.id), ("latest", &latest)],
        );
        self.reply(user, c, said);
        self.acknowledged(user, "stale visit button");
    }

    /// A message from someone whose ticket has a proposed (or agreed) visit: the answer, when
    /// it reads as one. `Ok(false)`: not about the visit, handle it as any message.
    pub(super) fn visit_words(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        said: &str,
    ) -> Result<bool, DeskError> {
        let Some(answer) = read_answer(said) else {
            return Ok(false);
        };
        // The ticket it is about: the conversation's, else the newest with a visit waiting.
        let mut candidates: Vec<Ticket> = self
            .my_tickets(user)?
            .into_iter()
            .filter(|t| {
                t.status.is_open()
                    && t.visit.as_ref().is_some_and(|v| match answer {
                        Answer::Confirm => v.state == VisitState::Proposed,
                        // A change of mind after confirming, or the wish after the button.
                        Answer::AnotherTime => {
                            v.is_live() || (v.state == VisitState::AnotherTime && v.wish.is_none())
                        }
                    })
            })
            .collect();
        candidates.sort_by_key(|t| {
            (
                c.ticket.as_deref() != Some(t.id.as_str()),
                std::cmp::Reverse(t.visit.as_ref().map(|v| v.proposed_ms)),
            )
        });
        let Some(t) = candidates.into_iter().next() else {
            return Ok(false);
        };
        self.visit_answered(user, c, &t, answer, said)?;
        Ok(true)
    }

    /// The requester's answer recorded: the change, what they are told, the agents told, the card.
    fn visit_answered(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        t: &Ticket,
        answer: Answer,
        wish: &str,
    ) -> Result<(), DeskError> {
        let lang = self.language_or_default(c);
        let change = match answer {
            Answer::Confirm => Change::VisitConfirmed,
            Answer::AnotherTime => Change::VisitAnotherTime {
                wish: wish.trim().chars().take(500).collect(),
            },
        };
        let t = match self.change(t, Actor::User(user.key()), change) {
            Ok(t) => t,
            Err(_) => {
                self.say_stale_visit(user, c, t, &lang);
                return Ok(());
            }
        };
        let Some(v) = t.visit.clone() else {
            return Ok(());
        };
        c.ticket = Some(t.id.clone());
        self.card_update(&t)?;
        let when = when_words(v.when_ms, &v.timezone, &lang);
        let agent = v.proposed_by.clone();
        let short = when_short(v.when_ms, &v.timezone);
        let kind = if v.remote { "remote session" } else { "visit" };
        let for_agents = match answer {
            Answer::Confirm => {
                let remind = if self.desk.config.visits.remind_before_minutes.is_empty() {
                    String::new()
                } else {
                    format!(" {}", text(&lang, Text::VisitWillRemind))
                };
                let said = fill(
                    text(&lang, Text::VisitConfirmed),
                    &[
                        ("what", what(&v, &lang, false)),
                        ("id", &t.id),
                        ("when", &when),
                        ("remind", &remind),
                    ],
                );
                self.reply(user, c, capitalised(&said));
                format!("[{}] {} confirmed the {kind} on {short}.", t.id, user.name)
            }
            Answer::AnotherTime => {
                let wish = v.wish.clone().unwrap_or_default();
                let said = if wish.is_empty() {
                    fill(text(&lang, Text::VisitAnotherTimeAsk), &[("agent", &agent)])
                } else {
                    fill(
                        text(&lang, Text::VisitAnotherTimeNoted),
                        &[("agent", &agent), ("wish", &wish)],
                    )
                };
                self.reply(user, c, said);
                let wrote = if wish.is_empty() {
                    String::new()
                } else {
                    format!(": \"{wish}\"")
                };
                format!(
                    "[{}] {} asked for another time for the {kind} on {short}{wrote}. Propose one with `visit {} YYYY-MM-DD HH:MM`.",
                    t.id, user.name, t.id
                )
            }
        };
        self.tell_visit_agents(&t, &v, &for_agents)?;
        Ok(())
    }

    /// The assignee (in the ticket's agent thread), the agent who proposed and the technician,
    /// each once; nobody to tell: the queue's channel.
    fn tell_visit_agents(&mut self, t: &Ticket, v: &Visit, said: &str) -> Result<(), DeskError> {
        let mut told: Vec<UserRef> = Vec::new();
        if let Some(a) = self.assignee_ref(t) {
            self.tell_assignee(t, said)?;
            told.push(a);
        }
        let proposer = self
            .desk
            .config
            .agent_named(&v.proposed_by)
            .map(super::agent::agent_ref);
        for who in [proposer, self.technician_ref(v)].into_iter().flatten() {
            if !told.iter().any(|x| x.same_person(&who)) {
                self.notify(&who, said);
                told.push(who);
            }
        }
        if told.is_empty() {
            self.post_in_queue(t, said);
        }
        Ok(())
    }

    fn post_in_queue(&mut self, t: &Ticket, said: &str) {
        if let Some(q) = self.desk.config.queue(&t.queue) {
            let (platform, channel) = (q.platform, q.channel.clone());
            self.turn.say(Action::Post {
                platform,
                channel,
                text: said.to_string(),
                attachment: None,
            });
        }
    }

    /// A `visit_reminder` fired: the requester and the technician (else the queue) are told, if
    /// the visit is still confirmed for the time the reminder was set for.
    pub(super) fn visit_reminder(&mut self, timer: &Timer, t: &Ticket) -> Result<(), DeskError> {
        let Some(v) = t.visit.clone() else {
            return Ok(());
        };
        if !t.status.is_open() || v.state != VisitState::Confirmed {
            return Ok(());
        }
        let t = self.change(t, Actor::Bot, fired(timer))?;
        let lang = language_of(&t);
        let mut c = self.desk.load(&t.requester)?;
        c.language = lang.clone();
        let said = fill(
            text(&lang, Text::VisitReminder),
            &[
                ("what", what(&v, &lang, false)),
                ("id", &t.id),
                ("when", &when_words(v.when_ms, &v.timezone, &lang)),
                ("where", &place_words(&v, &lang)),
                ("who", &who_words(&v, &lang)),
            ],
        );
        self.reply(&t.requester.clone(), &c, said);
        let for_tech = format!(
            "[{}] Reminder: {} with {} on {}, {}: {}",
            t.id,
            if v.remote { "remote session" } else { "visit" },
            t.requester.name,
            when_short(v.when_ms, &v.timezone),
            place_words(&v, "en"),
            t.subject
        );
        match self.technician_ref(&v) {
            Some(tech) => self.notify(&tech, for_tech),
            None => self.post_in_queue(&t, &for_tech),
        }
        Ok(())
    }

    /// After a turn that changed `t`: one `visit_reminder` per `[visits] remind_before_minutes`
    /// before a confirmed visit still ahead; cancelled when the visit is moved away from
    /// confirmed, cancelled, or the ticket finishes. Timers this turn wrote stand.
    pub(super) fn schedule_visit(&mut self, t: &Ticket) {
        let Some(v) = &t.visit else {
            return;
        };
        let confirmed = v.state == VisitState::Confirmed && t.status.is_open();
        for m in self.desk.config.visits.remind_before_minutes.clone() {
            let id = Timer::id_of(&t.id, TimerKind::VisitReminder, &m.to_string());
            let written = self.turn.timers.iter().any(|w| match w {
                TimerWrite::Set(x) => x.id == id,
                TimerWrite::Cancel(x) => *x == id,
            });
            if written {
                continue;
            }
            let due = v.when_ms.saturating_sub(u64::from(m) * 60_000);
            // One due now (another timer of the ticket firing at the same instant, a catch-up
            // after a restart) stays to fire; one for an earlier time of the visit goes.
            if confirmed
                && due <= self.now
                && self
                    .desk
                    .store
                    .timer(&id)
                    .ok()
                    .flatten()
                    .is_some_and(|x| x.due_ms == due)
            {
                continue;
            }
            self.turn.timers.push(if confirmed && due > self.now {
                TimerWrite::Set(Timer {
                    id,
                    ticket: t.id.clone(),
                    kind: TimerKind::VisitReminder,
                    about: m.to_string(),
                    due_ms: due,
                })
            } else {
                TimerWrite::Cancel(id)
            });
        }
    }
}
