//! SLA clocks of a ticket: first response, next response and resolution, each counted in the
//! business hours of the ticket's calendar. A ticket keeps only facts ([`ClockFacts`] and its
//! times: opened, first response, resolved); due times, what is left and each clock's state are
//! worked out from them, the targets and the calendar at a given instant, so a pause moves a
//! deadline by the business time it lasted, a reopened ticket resumes its resolution clock with
//! what was left, and no clock overrules another.

use serde::Serialize;

use super::calendar::{Calendar, Span};
use crate::config::SlaTarget;
use crate::tickets::{ClockFacts, Ticket};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl ClockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::FirstResponse => "first_response",
            ClockKind::NextResponse => "next_response",
            ClockKind::Resolution => "resolution",
        }
    }

    /// As people read it on a card.
    pub fn words(self) -> &'static str {
        match self {
            ClockKind::FirstResponse => "first response",
            ClockKind::NextResponse => "next response",
            ClockKind::Resolution => "resolution",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    Paused,
    Met,
    Breached,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Paused => "paused",
            ClockState::Met => "met",
            ClockState::Breached => "breached",
        }
    }
}

/// One clock as it stands at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub kind: ClockKind,
    /// When it started (the ticket opened; the message waiting for an answer).
    pub started_ms: u64,
    /// When it is (or was) due; while paused, as if the pause ended now.
    pub due_ms: u64,
    pub state: ClockState,
    /// Business milliseconds left (negative: by how much it is over); 0 once met.
    pub remaining_ms: i64,
    /// The business minutes it allows.
    pub budget_minutes: u64,
    /// When the warning share of it is used (as `due_ms`, while paused as if the pause ended
    /// now).
    pub warn_ms: u64,
}

/// The pauses as spans, the open one ending at `until`.
fn spans(facts: &ClockFacts, until: u64) -> Vec<Span> {
    facts
        .paused
        .iter()
        .map(|&(a, b)| (a, b.unwrap_or(until).max(a)))
        .collect()
}

/// One clock: from `start`, `budget` business minutes, stopped at `stopped` (met) if it was,
/// paused now if `paused_now`.
struct Spec<'a> {
    kind: ClockKind,
    start: u64,
    budget: u64,
    pauses: &'a [Span],
    stopped: Option<u64>,
    paused_now: bool,
    warn_percent: u64,
}

fn clock(cal: &Calendar, now: u64, spec: Spec) -> Clock {
    let Spec {
        kind,
        start,
        budget,
        pauses,
        stopped,
        paused_now,
        warn_percent,
    } = spec;
    let budget_ms = budget.saturating_mul(60_000);
    let end = stopped.unwrap_or(now).max(start);
    // Pauses that end after the clock stopped do not move its deadline.
    let pauses: Vec<Span> = pauses
        .iter()
        .map(|&(a, b)| (a, b.min(end)))
        .filter(|(a, b)| a < b)
        .collect();
    let elapsed = cal.business_ms(start, end, &pauses);
    let due = cal.due_ms(start, budget_ms, &pauses).unwrap_or(u64::MAX);
    let warn = cal
        .due_ms(start, budget_ms / 100 * warn_percent.min(100), &pauses)
        .unwrap_or(u64::MAX);
    let state = match stopped {
        Some(at) if at <= due => ClockState::Met,
        Some(_) => ClockState::Breached,
        None if elapsed >= budget_ms && now >= due => ClockState::Breached,
        None if paused_now => ClockState::Paused,
        None => ClockState::Running,
    };
    let remaining_ms = match state {
        ClockState::Met => 0,
        _ => budget_ms as i64 - elapsed as i64,
    };
    Clock {
        kind,
        started_ms: start,
        due_ms: due,
        state,
        remaining_ms,
        budget_minutes: budget,
        warn_ms: warn,
    }
}

/// The ticket's clocks at `now` for `target` in `cal`: first response (until an agent first
/// answered or claimed it), next response (after the requester wrote again, until an agent
/// answered; shown once there was such a wait) and resolution (paused while waiting on the
/// requester and while resolved; stopped by the resolution).
pub fn clocks(t: &Ticket, target: &SlaTarget, cal: &Calendar, now: u64) -> Vec<Clock> {
    let facts = &t.clock;
    let warn_percent = u64::from(target.warn_at_percent.unwrap_or(80));
    let mut out = vec![clock(
        cal,
        now,
        Spec {
            kind: ClockKind::FirstResponse,
            start: t.created_ms,
            budget: target.first_response_minutes,
            pauses: &[],
            stopped: t.first_response_ms,
            paused_now: false,
            warn_percent,
        },
    )];
    if let Some(minutes) = target.next_response_minutes {
        let waited = match (facts.awaiting_since, facts.last_answered) {
            (Some(since), _) if t.status.is_open() => Some((since, None)),
            (_, Some((since, answered))) => Some((since, Some(answered))),
            _ => None,
        };
        if let Some((since, answered)) = waited {
            out.push(clock(
                cal,
                now,
                Spec {
                    kind: ClockKind::NextResponse,
                    start: since,
                    budget: minutes,
                    pauses: &[],
                    stopped: answered,
                    paused_now: false,
                    warn_percent,
                },
            ));
        }
    }
    let open_pause = facts.paused.last().is_some_and(|(_, b)| b.is_none());
    let resolved = if t.status.is_open() {
        None
    } else {
        t.resolved_ms.or(Some(t.updated_ms))
    };
    let pauses = spans(facts, now);
    out.push(clock(
        cal,
        now,
        Spec {
            kind: ClockKind::Resolution,
            start: t.created_ms,
            budget: target.resolution_minutes,
            pauses: &pauses,
            stopped: resolved,
            paused_now: open_pause && t.status.is_open(),
            warn_percent,
        },
    ));
    out
}

/// The clocks as `tickets show --json` prints them: `{"kind", "due", "state", "remaining_minutes",
/// "budget_minutes"}`, `due` as RFC 3339 in the calendar's offset (`null` when the calendar has no
/// business time left to reach it).
pub fn to_json(clocks: &[Clock], cal: &Calendar) -> serde_json::Value {
    clocks
        .iter()
        .map(|c| {
            serde_json::json!({
                "kind": c.kind.as_str(),
                "due": (c.due_ms != u64::MAX).then(|| cal.format(c.due_ms)),
                "state": c.state.as_str(),
                "remaining_minutes": c.remaining_ms / 60_000,
                "budget_minutes": c.budget_minutes,
                "calendar": cal.name,
            })
        })
        .collect()
}
