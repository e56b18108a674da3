//! The desk's durable timers: which a ticket needs after a turn (its SLA clocks' warnings and
//! breaches, see [`crate::clocks::timer`]), and what a timer does when it fires. Nothing here reads
//! a clock: a firing is an event processed at the instant it is handed.

use super::texts::{Text, fill, text};
use super::{Cx, DeskError};
use crate::clocks::sla::{ClockKind, ClockState};
use crate::clocks::timer::{Timer, TimerKind, TimerWrite};
use crate::pack::Priority;
use crate::tickets::{Actor, Change, Status, Ticket};

/// The event a firing leaves on its ticket.
pub(super) fn fired(timer: &Timer) -> Change {
    Change::TimerFired {
        timer: timer.id.clone(),
        kind: timer.kind.as_str().to_string(),
        about: timer.about.clone(),
    }
}

const KINDS: [ClockKind; 3] = [
    ClockKind::FirstResponse,
    ClockKind::NextResponse,
    ClockKind::Resolution,
];

impl Cx<'_> {
    /// After a turn: for every ticket it changed, a warning and a breach timer for each running
    /// SLA clock still ahead, and none for clocks that are paused, met, breached or gone. Timers
    /// this turn already wrote (a firing moving its own) stand.
    pub(super) fn schedule_timers(&mut self) {
        let tickets: Vec<Ticket> = self.turn.tickets.iter().map(|w| w.ticket.clone()).collect();
        for t in tickets {
            let clocks = if t.status.is_open() {
                self.desk.config.clocks(&t, self.now)
            } else {
                vec![]
            };
            for about in KINDS {
                let clock = clocks.iter().find(|c| c.kind == about);
                for kind in [TimerKind::SlaWarning, TimerKind::SlaBreach] {
                    let id = Timer::id_of(&t.id, kind, about.as_str());
                    let written = self.turn.timers.iter().any(|w| match w {
                        TimerWrite::Set(x) => x.id == id,
                        TimerWrite::Cancel(x) => *x == id,
                    });
                    if written {
                        continue;
                    }
                    let write = match clock.map(|c| (c.state, c)) {
                        Some((ClockState::Running, c)) => {
                            let at = match kind {
                                TimerKind::SlaWarning => c.warn_ms,
                                _ => c.due_ms,
                            };
                            // One already due stays to fire; one ahead is set (or moved).
                            if at <= self.now || at == u64::MAX {
                                continue;
                            }
                            TimerWrite::Set(Timer {
                                id,
                                ticket: t.id.clone(),
                                kind,
                                about: about.as_str().to_string(),
                                due_ms: at,
                            })
                        }
                        // Breached: what is scheduled fires as it is.
                        Some((ClockState::Breached, _)) => continue,
                        // Paused, met, or no such clock: nothing to warn about.
                        _ => TimerWrite::Cancel(id),
                    };
                    self.turn.timers.push(write);
                }
            }
            self.schedule_automations(&t);
            self.schedule_approval(&t);
            self.schedule_visit(&t);
        }
    }

    /// The built-in automations' timers for `t`: a reminder and the closing of a ticket waiting
    /// on its requester, the closing of a resolved one; cancelled when the status changes.
    fn schedule_automations(&mut self, t: &Ticket) {
        let a = self.desk.config.automations;
        let day = 86_400_000u64;
        let after = |since: Option<u64>, days: u32| {
            since
                .filter(|_| days > 0)
                .map(|s| s + u64::from(days) * day)
        };
        let waiting_since = if t.status == Status::WaitingOnUser {
            t.clock
                .paused
                .last()
                .filter(|(_, end)| end.is_none())
                .map(|(start, _)| *start)
        } else {
            None
        };
        let resolved = (t.status == Status::Resolved)
            .then_some(t.resolved_ms)
            .flatten();
        let bump = match t.clock.unclaimed_since {
            // A report linked to an incident waits with it: the incident's card is the one
            // re-announced.
            Some(since)
                if t.status.is_open()
                    && t.assignee.is_none()
                    && t.incident.is_none()
                    && a.unclaimed_bump_minutes > 0 =>
            {
                let cal = self
                    .desk
                    .config
                    .calendar_for(t.organisation.as_deref(), &t.queue);
                let minutes = u64::from(a.unclaimed_bump_minutes) * u64::from(t.clock.bumps + 1);
                cal.due(since, minutes, &[]).ok()
            }
            _ => None,
        };
        let plan = [
            (TimerKind::UnclaimedBump, "queue", bump),
            (
                TimerKind::Reminder,
                "waiting",
                after(waiting_since, a.waiting_reminder_days),
            ),
            (
                TimerKind::AutoClose,
                "waiting",
                after(waiting_since, a.waiting_close_days),
            ),
            (
                TimerKind::AutoClose,
                "resolved",
                after(resolved, a.resolved_close_days),
            ),
            (
                TimerKind::Csat,
                "rating",
                resolved
                    .filter(|_| a.csat_reminder_hours > 0 && t.rating.is_none())
                    .map(|r| r + u64::from(a.csat_reminder_hours) * 3_600_000),
            ),
        ];
        for (kind, about, at) in plan {
            let id = Timer::id_of(&t.id, kind, about);
            // A timer this turn set stands; one it cancelled (its own firing) comes back only
            // for a later instant, never for the same one.
            let set = self
                .turn
                .timers
                .iter()
                .any(|w| matches!(w, TimerWrite::Set(x) if x.id == id));
            let cancelled = self
                .turn
                .timers
                .iter()
                .any(|w| matches!(w, TimerWrite::Cancel(x) if *x == id));
            // (The next re-announcement is a later instant than the one that fired, so it may be
            // due already when catching up; a reminder or a closing is the same instant again.)
            let next_occurrence = kind == TimerKind::UnclaimedBump && at.is_some();
            if set || (cancelled && !next_occurrence && at.is_none_or(|at| at <= self.now)) {
                continue;
            }
            self.turn.timers.push(match at {
                Some(due_ms) => TimerWrite::Set(Timer {
                    id,
                    ticket: t.id.clone(),
                    kind,
                    about: about.to_string(),
                    due_ms,
                }),
                None => TimerWrite::Cancel(id),
            });
        }
    }

    /// A timer fired: if it is still the one scheduled (not cancelled, not moved) it does its job
    /// and is removed, with an event on its ticket carrying its id.
    pub(super) fn timer_fired(&mut self, id: &str, due_ms: u64) -> Result<(), DeskError> {
        let Some(timer) = self.desk.store.timer(id)? else {
            return Ok(());
        };
        if timer.due_ms != due_ms {
            return Ok(());
        }
        self.turn.timers.push(TimerWrite::Cancel(timer.id.clone()));
        if timer.kind == TimerKind::SecurityTip {
            return self.security_tip(&timer);
        }
        if timer.kind == TimerKind::ContractExpiry {
            return self.contract_expiry(&timer);
        }
        if timer.kind == TimerKind::RetentionPurge {
            return self.retention_purge();
        }
        if timer.kind == TimerKind::ReportDigest {
            return self.report_digest(&timer);
        }
        let Some(t) = self.ticket(&timer.ticket)? else {
            return Ok(());
        };
        match timer.kind {
            TimerKind::SlaWarning | TimerKind::SlaBreach => self.sla_timer(&timer, &t),
            TimerKind::Reminder | TimerKind::AutoClose => self.automation_timer(&timer, &t),
            TimerKind::UnclaimedBump => self.unclaimed_bump(&timer, &t),
            TimerKind::Csat => self.csat_reminder(&timer, &t),
            TimerKind::ApprovalReminder => self.approval_reminder(&timer, &t),
            TimerKind::VisitReminder => self.visit_reminder(&timer, &t),
            // Handled above: they have no ticket.
            TimerKind::SecurityTip
            | TimerKind::ContractExpiry
            | TimerKind::RetentionPurge
            | TimerKind::ReportDigest => Ok(()),
        }
    }

    /// Still resolved and not rated: the requester is asked once more, with the rating buttons.
    fn csat_reminder(&mut self, timer: &Timer, t: &Ticket) -> Result<(), DeskError> {
        if t.status != Status::Resolved || t.rating.is_some() {
            return Ok(());
        }
        let t = self.change(t, Actor::Bot, fired(timer))?;
        let lang = if t.detection.language.is_empty() {
            "en".to_string()
        } else {
            t.detection.language.clone()
        };
        let mut c = self.desk.load(&t.requester)?;
        c.language = lang.clone();
        self.reply_with(
            &t.requester,
            &c,
            fill(text(&lang, Text::CsatReminder), &[("id", &t.id)]),
            (1..=5).map(crate::desk::Choice::Rate).collect(),
        );
        self.turn.note(
            &t.requester.key(),
            super::log::BotEvent::CsatAsked {
                ticket: t.id.clone(),
            },
        );
        Ok(())
    }

    /// Nobody has claimed it: announced again in its queue (a new card), and after
    /// `unclaimed_escalate_after` announcements an L2 ticket goes to the L3 queue.
    fn unclaimed_bump(&mut self, timer: &Timer, t: &Ticket) -> Result<(), DeskError> {
        if !t.status.is_open() || t.assignee.is_some() || t.incident.is_some() {
            return Ok(());
        }
        let before_queue = t.queue.clone();
        let t = self.change(t, Actor::Bot, fired(timer))?;
        let a = self.desk.config.automations;
        let escalate = a.unclaimed_escalate_after > 0
            && t.clock.bumps >= a.unclaimed_escalate_after
            && t.tier == crate::tickets::Tier::L2
            && self.desk.config.queue(&self.desk.config.l3_queue).is_some();
        if escalate {
            let minutes = u64::from(a.unclaimed_bump_minutes) * u64::from(t.clock.bumps);
            let t = self.change(
                &t,
                Actor::Bot,
                Change::Escalated {
                    queue: self.desk.config.l3_queue.clone(),
                    tier: crate::tickets::Tier::L3,
                    note: Some(format!(
                        "nobody claimed it in {minutes} business minutes in {before_queue}"
                    )),
                },
            )?;
            self.card_update_in(&t, Some(&before_queue))?;
            self.card_post(&t);
        } else {
            // A new message in the queue's channel: people see it again.
            self.card_post(&t);
        }
        Ok(())
    }

    /// A reminder or an automatic closing, if the ticket is still as it was when scheduled.
    fn automation_timer(&mut self, timer: &Timer, t: &Ticket) -> Result<(), DeskError> {
        let waiting = timer.about == "waiting";
        let still = if waiting {
            t.status == Status::WaitingOnUser
        } else {
            t.status == Status::Resolved
        };
        if !still {
            return Ok(());
        }
        let fired = fired(timer);
        let requester = t.requester.clone();
        let c = self.desk.load(&requester)?;
        let lang = if t.detection.language.is_empty() {
            "en".to_string()
        } else {
            t.detection.language.clone()
        };
        let t = self.change(t, Actor::Bot, fired)?;
        match (timer.kind, waiting) {
            (TimerKind::Reminder, _) => {
                let a = self.desk.config.automations;
                let close_at = t
                    .clock
                    .paused
                    .last()
                    .map(|(since, _)| since + u64::from(a.waiting_close_days) * 86_400_000);
                let cal = self
                    .desk
                    .config
                    .calendar_for(t.organisation.as_deref(), &t.queue);
                let date = close_at
                    .filter(|_| a.waiting_close_days > 0)
                    .map(|at| cal.format(at).chars().take(10).collect::<String>());
                let text = match date {
                    Some(d) => fill(
                        text(&lang, Text::WaitingReminder),
                        &[("id", &t.id), ("date", &d)],
                    ),
                    None => fill(text(&lang, Text::WaitingReminderNoClose), &[("id", &t.id)]),
                };
                self.reply(&requester, &c, text);
            }
            (_, true) => {
                let t = self.change(&t, Actor::Bot, Change::Closed)?;
                self.card_update(&t)?;
                self.reply(
                    &requester,
                    &c,
                    fill(text(&lang, Text::ClosedNoAnswer), &[("id", &t.id)]),
                );
            }
            (_, false) => {
                let t = self.change(&t, Actor::Bot, Change::Closed)?;
                self.card_update(&t)?;
            }
        }
        Ok(())
    }

    fn sla_timer(&mut self, timer: &Timer, t: &Ticket) -> Result<(), DeskError> {
        let clocks = self.desk.config.clocks(t, self.now);
        let Some(clock) = clocks
            .iter()
            .find(|c| c.kind.as_str() == timer.about)
            .cloned()
        else {
            return Ok(());
        };
        // Outside the calendar's hours only P1 wakes people; the rest waits for the opening.
        let cal = self
            .desk
            .config
            .calendar_for(t.organisation.as_deref(), &t.queue)
            .into_owned();
        if t.status.is_open() && t.priority != Priority::P1 && !cal.is_open(self.now) {
            let opening = cal
                .due_ms(self.now, 1, &[])
                .map(|at| at.saturating_sub(1))
                .unwrap_or(u64::MAX);
            if opening != u64::MAX && opening > self.now {
                self.turn.timers.push(TimerWrite::Set(Timer {
                    due_ms: opening,
                    ..timer.clone()
                }));
                return Ok(());
            }
        }
        let t = self.change(t, Actor::Bot, fired(timer))?;
        // People are told only what is still true: a warning for a clock that is running, a
        // breach for one that is breached (a late warning after the breach says nothing more).
        let tell = t.status.is_open()
            && match timer.kind {
                TimerKind::SlaWarning => clock.state == ClockState::Running,
                _ => clock.state == ClockState::Breached,
            };
        if !tell {
            return Ok(());
        }
        let what = clock.kind.words();
        let due = cal.format(clock.due_ms);
        let said = match timer.kind {
            TimerKind::SlaWarning => format!(
                "[{}] SLA warning: {what} due {due} ({} business min left): {}",
                t.id,
                clock.remaining_ms.max(0) / 60_000,
                t.subject
            ),
            _ => format!(
                "[{}] SLA breached: {what} was due {due}: {}",
                t.id, t.subject
            ),
        };
        // The queue sees it on the card; the assignee is told where they work on it.
        self.card_update(&t)?;
        self.tell_assignee(&t, &said)?;
        Ok(())
    }
}
