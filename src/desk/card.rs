//! The escalation card: everything an agent needs about a ticket, platform-neutral. Adapters render
//! it (a Discord embed, Slack blocks, terminal text); the transcript on it is already redacted.
//!
//! A card is built when the desk posts or updates it, from the ticket and a [`CardContext`]: the
//! requester's earlier tickets (from the store) and the pack, which turns the ids the ticket keeps
//! (follow-up questions, FAQ articles, rules) into the words the requester and the agent saw. The
//! card is stored in the outbox as built; times on it are absolute, and a terminal rendering is
//! handed `now` to say how long is left.

use serde::{Deserialize, Serialize};

use super::grammar::CardAction;
use crate::pack::Pack;
use crate::platform::terminal::line as printable;
use crate::store::{Filter, Store, StoreError};
use crate::tickets::{Actor, Change, Detection, Line, Status, Ticket, TicketEvent, UserRef};
use crate::triage::normalize::normalize;

/// How many of the requester's earlier tickets a card lists (the latest ones).
pub const PREVIOUS_SHOWN: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub ticket: String,
    pub subject: String,
    /// `name (platform:id)`.
    pub requester: String,
    pub organisation: Option<String>,
    pub priority: String,
    pub status: Status,
    pub tier: String,
    pub queue: String,
    pub assignee: Option<String>,
    /// Where the assignee is reached, when known (adapters render a mention from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_user: Option<UserRef>,
    /// The buttons an agent has on this card, in order.
    pub actions: Vec<CardAction>,
    /// SLA due times, ms since the epoch.
    pub first_response_due_ms: Option<u64>,
    pub resolution_due_ms: Option<u64>,
    pub intent: String,
    pub confidence: f32,
    /// Triage's own explanation (rule ids, classifier figures); [`Card::why_words`] reads better.
    pub why: String,
    /// Every article triage found; the requester was shown the first (see [`Card::faq_seen`]).
    pub faq_offered: Vec<String>,
    pub faq_helped: Option<bool>,
    /// Follow-up question ids and answers; [`Card::questions`] has the questions' words.
    pub answers: Vec<(String, String)>,
    pub transcript: Vec<Line>,
    /// Who asked (adapters render a mention from it).
    #[serde(default)]
    pub requester_user: Option<UserRef>,
    /// The requester's language (`en`, `pl`), as triage detected it.
    #[serde(default)]
    pub language: String,
    /// Why the ticket has its priority, in words.
    #[serde(default)]
    pub priority_reason: String,
    #[serde(default)]
    pub created_ms: u64,
    /// When an agent first responded; until then the first-response SLA runs.
    #[serde(default)]
    pub first_response_ms: Option<u64>,
    #[serde(default)]
    pub resolved_ms: Option<u64>,
    #[serde(default)]
    pub minutes_spent: u32,
    /// The detection in words: "detected as vpn (confidence 0.82): matched 'vpn', similar to ...".
    #[serde(default)]
    pub why_words: String,
    /// The article the requester was shown, and what they said about it.
    #[serde(default)]
    pub faq_seen: Option<FaqSeen>,
    /// The follow-up questions as the requester read them, with their answers.
    #[serde(default)]
    pub questions: Vec<Answered>,
    #[serde(default)]
    pub l3_note: Option<String>,
    /// On a report: the incident it belongs to.
    #[serde(default)]
    pub incident: Option<String>,
    /// On an incident: the reports linked to it.
    #[serde(default)]
    pub linked: Vec<String>,
    /// Agents' internal notes (the card is for agents only).
    #[serde(default)]
    pub notes: Vec<Line>,
    /// The requester's latest earlier tickets, newest first.
    #[serde(default)]
    pub previous: Vec<PreviousTicket>,
    /// Where the request's approval stands, in words (`awaiting approval by an admin`), when it
    /// needed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<String>,
    /// The vendor who has the case (L4/L5), in words: who, how reached, their case number and
    /// their latest reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The ticket's visit or remote session in words (`confirmed: Tue 2026-12-01 14:00
    /// Europe/Warsaw, remote session, technician bob`), when one was proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<String>,
    /// The requester's organisation's contracts when the card was drawn (`C-1001 block, 7 h 30
    /// min left of 10 h, until 2027-03-31; this month 2 h 30 min`), when it has an account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// The SLA clocks when the card was drawn (business hours of the ticket's calendar).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clocks: Vec<CardClock>,
}

/// One SLA clock on a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardClock {
    /// `first_response`, `next_response`, `resolution`.
    pub kind: String,
    pub due_ms: u64,
    /// `running`, `paused`, `met`, `breached`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaqSeen {
    pub id: String,
    /// The article's title in the requester's language, when the pack has it.
    pub title: Option<String>,
    pub helped: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answered {
    pub question: String,
    pub answer: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviousTicket {
    pub id: String,
    pub status: Status,
    pub subject: String,
    pub created_ms: u64,
}

/// What a card needs besides its ticket. The desk fills it from the store and the pack; a card
/// built without it shows ids where words would be and no earlier tickets.
#[derive(Debug, Clone, Default)]
pub struct CardContext<'a> {
    pub pack: Option<&'a Pack>,
    /// The ticket's SLA clocks, when whoever draws the card knows the configuration.
    pub clocks: Vec<crate::clocks::sla::Clock>,
    /// Whether the next tier up is outside the desk (vendors configured above the ticket's
    /// tier): the card offers "Escalate to vendor" instead of "Escalate to L3".
    pub vendors_next: bool,
    /// The requester's earlier tickets, newest first, at most [`PREVIOUS_SHOWN`].
    pub previous: Vec<PreviousTicket>,
    /// The organisation's contracts in one line ([`crate::desk::Desk::contract_card_line`]),
    /// when whoever draws the card has the desk.
    pub contract: Option<String>,
}

impl<'a> CardContext<'a> {
    /// The context for `t`: its requester's latest other tickets from the store.
    pub fn gather(
        store: &dyn Store,
        pack: &'a Pack,
        t: &Ticket,
    ) -> Result<CardContext<'a>, StoreError> {
        let theirs = store.list(&Filter {
            requester: Some(t.requester.key()),
            newest_first: true,
            limit: Some(PREVIOUS_SHOWN + 1),
            ..Filter::default()
        })?;
        let previous = theirs
            .iter()
            .filter(|p| p.id != t.id)
            .take(PREVIOUS_SHOWN)
            .map(|p| PreviousTicket {
                id: p.id.clone(),
                status: p.status,
                subject: p.subject.clone(),
                created_ms: p.created_ms,
            })
            .collect();
        Ok(CardContext {
            pack: Some(pack),
            previous,
            clocks: vec![],
            vendors_next: false,
            contract: None,
        })
    }
}

impl Card {
    pub fn of(t: &Ticket, cx: &CardContext) -> Card {
        let d = &t.detection;
        let language = d.language.clone();
        let intent = cx.pack.and_then(|p| p.intent(&d.intent));
        let questions = t
            .answers
            .iter()
            .map(|(id, answer)| Answered {
                question: intent
                    .and_then(|i| i.follow_up.iter().find(|f| &f.id == id))
                    .and_then(|f| {
                        f.text
                            .get(&language)
                            .or_else(|| f.text.get("en"))
                            .or_else(|| f.text.values().next())
                    })
                    .cloned()
                    .unwrap_or_else(|| id.clone()),
                answer: answer.clone(),
            })
            .collect();
        let faq_seen = d.faq_offered.first().map(|id| FaqSeen {
            id: id.clone(),
            title: cx.pack.and_then(|p| {
                p.article(id, &language)
                    .or_else(|| p.articles.iter().find(|a| &a.id == id))
                    .map(|a| a.title.clone())
            }),
            helped: d.faq_helped,
        });
        let priority_reason = if !t.priority_reason.trim().is_empty() {
            t.priority_reason.clone()
        } else if d.intent == crate::triage::OUT_OF_SCOPE {
            "the desk's default for a request it did not recognise".into()
        } else {
            format!("usual for {}", intent_words(&d.intent))
        };
        Card {
            ticket: t.id.clone(),
            subject: t.subject.clone(),
            requester: format!("{} ({})", t.requester.name, t.requester.key()),
            organisation: t.organisation.clone(),
            priority: t.priority.to_string(),
            status: t.status,
            tier: format!("{:?}", t.tier),
            queue: t.queue.clone(),
            assignee: t.assignee.clone(),
            assignee_user: t.assignee_user.clone(),
            actions: Card::actions_for(t, cx.vendors_next),
            first_response_due_ms: t.first_response_due_ms,
            resolution_due_ms: t.resolution_due_ms,
            intent: d.intent.clone(),
            confidence: d.confidence,
            why: d.why.clone(),
            faq_offered: d.faq_offered.clone(),
            faq_helped: d.faq_helped,
            answers: t.answers.clone(),
            transcript: t.transcript.clone(),
            requester_user: Some(t.requester.clone()),
            language,
            priority_reason,
            created_ms: t.created_ms,
            first_response_ms: t.first_response_ms,
            resolved_ms: t.resolved_ms,
            minutes_spent: t.minutes_spent,
            why_words: why_in_words(d, &t.subject, cx.pack),
            faq_seen,
            questions,
            l3_note: t.l3_note.clone(),
            incident: t.incident.clone(),
            linked: t.linked.clone(),
            notes: t.notes.clone(),
            previous: cx.previous.clone(),
            approval: t.approval.as_ref().map(super::approvals::card_line),
            // Every case, oldest first: an L5 case keeps the L4 vendor's number in sight.
            vendor: (!t.vendors.is_empty()).then(|| {
                t.vendors
                    .iter()
                    .map(vendor_line)
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            visit: t.visit.as_ref().map(super::visits::card_line),
            contract: cx.contract.clone(),
            clocks: cx
                .clocks
                .iter()
                .filter(|c| c.due_ms != u64::MAX)
                .map(|c| CardClock {
                    kind: c.kind.as_str().to_string(),
                    due_ms: c.due_ms,
                    state: c.state.as_str().to_string(),
                })
                .collect(),
        }
    }

    /// The SLA clock of `kind` (`first_response`, `next_response`, `resolution`), if drawn.
    pub fn clock(&self, kind: &str) -> Option<&CardClock> {
        self.clocks.iter().find(|c| c.kind == kind)
    }

    /// ` (breached)` or ` (paused)` for a clock in that state, else nothing.
    pub fn clock_note(&self, kind: &str) -> &'static str {
        match self.clock(kind).map(|c| c.state.as_str()) {
            Some("breached") => " (breached)",
            Some("paused") => " (paused: waiting on the requester)",
            _ => "",
        }
    }

    /// The buttons a ticket's card offers: claim or unclaim, transfer, escalate, resolve while it
    /// is open; none once it is resolved or closed.
    pub fn actions_for(t: &Ticket, vendors_next: bool) -> Vec<CardAction> {
        if !t.status.is_open() {
            return vec![];
        }
        // Nobody works on a request before its approver says yes.
        if t.approval.as_ref().is_some_and(|a| a.is_pending()) {
            return vec![CardAction::Approve, CardAction::Deny];
        }
        let claim = if t.assignee.is_some() {
            CardAction::Unclaim
        } else {
            CardAction::Claim
        };
        let mut actions = vec![claim, CardAction::Transfer];
        // From L3 up, the next tier may be outside: a vendor, the manufacturer.
        if vendors_next && t.tier >= crate::tickets::Tier::L3 {
            actions.push(CardAction::Vendor);
        } else if t.tier < crate::tickets::Tier::L3 {
            actions.push(CardAction::Escalate);
        }
        if t.vendor_case().is_some() {
            actions.push(CardAction::VendorReply);
        }
        // The one working on it logs time and proposes a visit (Discord shows five buttons to
        // a row).
        if t.assignee.is_some() {
            actions.push(CardAction::LogTime);
        }
        actions.push(CardAction::Resolve);
        if t.assignee.is_some() {
            actions.push(CardAction::Visit);
        }
        actions
    }

    /// The requester's display name (cards built before it was kept show `name (key)`).
    pub fn requester_name(&self) -> &str {
        match &self.requester_user {
            Some(u) => &u.name,
            None => &self.requester,
        }
    }

    /// The assignee as people know them: the name on their platform identity, else the desk's key.
    pub fn assignee_name(&self) -> Option<&str> {
        match (&self.assignee_user, &self.assignee) {
            (Some(u), _) if !u.name.is_empty() => Some(&u.name),
            (_, a) => a.as_deref(),
        }
    }

    /// Who wrote a transcript line, for display: the requester's name, `bot`, the agent's name, or
    /// the name of someone else in a thread made into a ticket (`other:<name>`).
    pub fn speaker<'s>(&'s self, line: &'s Line) -> &'s str {
        match line.from.as_str() {
            "user" => self.requester_name(),
            from => from
                .strip_prefix("agent:")
                .or_else(|| from.strip_prefix("other:"))
                .unwrap_or(from),
        }
    }

    /// The SLA clock that runs next on an open ticket: first response until an agent responded,
    /// then resolution. `("first response" | "resolution", due ms)`.
    pub fn next_due(&self) -> Option<(&'static str, u64)> {
        next_due(
            self.status,
            self.first_response_ms,
            self.first_response_due_ms,
            self.resolution_due_ms,
        )
    }

    /// Plain-text rendering for terminals, times against `now` (ms since the epoch). Everything
    /// people wrote is passed through [`printable`], one line each.
    pub fn render_text(&self, now: u64) -> String {
        let p = printable;
        let mut s = format!(
            "== {} [{} {} {}] {}\n",
            self.ticket,
            self.priority,
            self.tier,
            self.status.as_str(),
            p(&self.subject)
        );
        let mut who = format!("requester: {}", p(self.requester_name()));
        if let Some(u) = &self.requester_user {
            who.push_str(&format!(" ({})", p(&u.key())));
        }
        if !self.language.is_empty() {
            who.push_str(&format!("  language: {}", p(&self.language)));
        }
        if let Some(o) = &self.organisation {
            who.push_str(&format!("  organisation: {}", p(o)));
        }
        s.push_str(&who);
        s.push('\n');
        if let Some(a) = &self.approval {
            s.push_str(&format!("approval: {}\n", p(a)));
        }
        if let Some(v) = &self.vendor {
            for case in v.lines() {
                s.push_str(&format!("vendor: {}\n", p(case)));
            }
        }
        if let Some(v) = &self.visit {
            s.push_str(&format!("visit: {}\n", p(v)));
        }
        if let Some(k) = &self.contract {
            s.push_str(&format!("contract: {}\n", p(k)));
        }
        s.push_str(&format!(
            "priority: {} ({})\nqueue: {}  assignee: {}\n",
            self.priority,
            p(&self.priority_reason),
            self.queue,
            p(self.assignee_name().unwrap_or("-")),
        ));
        if self.created_ms > 0 {
            s.push_str(&format!(
                "opened: {} ({} ago)  time spent: {}\n",
                fmt_time(self.created_ms),
                fmt_duration(now.saturating_sub(self.created_ms)),
                fmt_minutes(self.minutes_spent)
            ));
        }
        let next = self.next_due().map(|(_, due)| due);
        if let Some(due) = self.first_response_due_ms {
            s.push_str(&format!(
                "first response due: {}{}\n",
                fmt_time(due),
                match self.first_response_ms {
                    Some(at) => format!(" (responded {})", fmt_time(at)),
                    None if next == Some(due) => format!(" ({})", due_in(due, now)),
                    None => String::new(),
                }
            ));
        }
        if let Some(c) = self.clock("next_response") {
            s.push_str(&format!(
                "next response due: {} ({})\n",
                fmt_time(c.due_ms),
                if c.state == "running" {
                    due_in(c.due_ms, now)
                } else {
                    c.state.clone()
                }
            ));
        }
        if let Some(due) = self.resolution_due_ms {
            s.push_str(&format!(
                "resolution due: {}{}{}\n",
                fmt_time(due),
                self.clock_note("resolution"),
                match self.resolved_ms {
                    Some(at) => format!(" (resolved {})", fmt_time(at)),
                    None if self.status.is_open() => format!(" ({})", due_in(due, now)),
                    None => String::new(),
                }
            ));
        }
        s.push_str(&format!("{}\n", p(&self.why_words)));
        if let Some(f) = &self.faq_seen {
            s.push_str(&format!("FAQ shown: {}\n", p(&f.describe())));
        }
        if !self.questions.is_empty() {
            s.push_str("answers:\n");
            for a in &self.questions {
                s.push_str(&format!("  {}\n    {}\n", p(&a.question), p(&a.answer)));
            }
        }
        if let Some(n) = &self.l3_note {
            s.push_str(&format!("L3 note: {}\n", p(n)));
        }
        if let Some(i) = &self.incident {
            s.push_str(&format!("part of incident {}\n", p(i)));
        }
        if !self.linked.is_empty() {
            s.push_str(&format!("linked reports: {}\n", p(&self.linked.join(", "))));
        }
        if !self.transcript.is_empty() {
            s.push_str("transcript:\n");
            for l in &self.transcript {
                s.push_str(&format!(
                    "  {} {}: {}\n",
                    fmt_clock(l.at_ms),
                    p(self.speaker(l)),
                    p(&l.text)
                ));
            }
        }
        if !self.notes.is_empty() {
            s.push_str("Internal notes (agents only):\n");
            for l in &self.notes {
                s.push_str(&format!(
                    "  {} {}: {}\n",
                    fmt_time(l.at_ms),
                    p(self.speaker(l)),
                    p(&l.text)
                ));
            }
        }
        if !self.previous.is_empty() {
            s.push_str(&format!(
                "previous tickets of {}:\n",
                p(self.requester_name())
            ));
            for t in &self.previous {
                s.push_str(&format!(
                    "  {} {} {} {}\n",
                    t.id,
                    fmt_time(t.created_ms),
                    t.status.as_str(),
                    p(&t.subject)
                ));
            }
        }
        s
    }

    /// The card followed by the ticket's event log, one readable line per event (`tickets show`,
    /// the agent terminal's `show`).
    pub fn render_with_events(&self, events: &[TicketEvent], now: u64) -> String {
        let mut s = self.render_text(now);
        if !events.is_empty() {
            s.push_str("events:\n");
            for e in events {
                s.push_str("  ");
                s.push_str(&event_line(e, self.requester_user.as_ref()));
                s.push('\n');
            }
        }
        s
    }
}

impl FaqSeen {
    /// `"Title" (id): did not help`.
    pub fn describe(&self) -> String {
        let helped = match self.helped {
            Some(true) => "helped",
            Some(false) => "did not help",
            None => "no answer",
        };
        match &self.title {
            Some(t) => format!("\"{t}\" ({}): {helped}", self.id),
            None => format!("{}: {helped}", self.id),
        }
    }
}

fn next_due(
    status: Status,
    responded: Option<u64>,
    first_response_due: Option<u64>,
    resolution_due: Option<u64>,
) -> Option<(&'static str, u64)> {
    if !status.is_open() {
        return None;
    }
    match (responded, first_response_due) {
        (None, Some(due)) => Some(("first response", due)),
        _ => resolution_due.map(|due| ("resolution", due)),
    }
}

/// One line of a ticket list: id, priority, status, requester, age, the next due time, queue,
/// assignee, subject (user text through [`printable`]).
pub fn list_line(t: &Ticket, now: u64) -> String {
    let due = match next_due(
        t.status,
        t.first_response_ms,
        t.first_response_due_ms,
        t.resolution_due_ms,
    ) {
        Some((what, due)) => format!("{what} {}", due_in(due, now)),
        None => "-".into(),
    };
    let assignee = match (&t.assignee_user, &t.assignee) {
        (Some(u), _) if !u.name.is_empty() => u.name.as_str(),
        (_, a) => a.as_deref().unwrap_or("-"),
    };
    let mut links = match (&t.incident, t.linked.len()) {
        (Some(i), _) => format!("  (report of {i})"),
        (None, 0) => String::new(),
        (None, n) => format!("  (incident: +{n} reports)"),
    };
    if let Some(a) = t.approval.as_ref().filter(|a| a.is_pending()) {
        links.push_str(&format!("  ({})", super::approvals::card_line(a)));
    }
    format!(
        "{}  {}  {}  {}  {} old  {}  {}  {}  {}{links}",
        t.id,
        t.priority,
        t.status.as_str(),
        printable(&t.requester.name),
        fmt_duration(now.saturating_sub(t.created_ms)),
        due,
        t.queue,
        printable(assignee),
        printable(&t.subject)
    )
}

/// One event for people: `2026-11-27 14:02  alice  claimed`.
pub fn event_line(e: &TicketEvent, requester: Option<&UserRef>) -> String {
    let who = match &e.actor {
        Actor::Agent(a) => a.clone(),
        Actor::User(key) => match requester {
            Some(r) if &r.key() == key => r.name.clone(),
            _ => key.clone(),
        },
        Actor::Bot => "bot".into(),
    };
    let what = match &e.change {
        Change::Opened { queue, priority } => format!("opened in {queue} as {priority}"),
        Change::Escalated { queue, tier, note } => format!(
            "escalated to {queue} ({tier:?}){}",
            note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
        ),
        Change::Claimed { .. } => "claimed".into(),
        Change::Unclaimed { .. } => "unclaimed".into(),
        Change::Transferred {
            to_agent, to_queue, ..
        } => match (to_agent, to_queue) {
            (Some(a), _) => format!("transferred to {a}"),
            (None, Some(q)) => format!("transferred to queue {q}"),
            (None, None) => "transferred".into(),
        },
        Change::AgentReplied { text } => format!("replied: {text}"),
        Change::AskedUser { text } => format!("asked: {text}"),
        Change::UserReplied { text } => format!("wrote: {text}"),
        Change::Resolved { note, minutes, .. } => {
            format!("resolved ({}): {note}", fmt_minutes(*minutes))
        }
        Change::TimeLogged {
            minutes,
            activity,
            billable,
        } => format!(
            "logged {} ({}{})",
            fmt_minutes(*minutes),
            activity.as_str(),
            if *billable { "" } else { ", not billable" }
        ),
        Change::TimeRefunded { entry, minutes } => {
            format!("refunded {} (entry {entry})", fmt_minutes(*minutes))
        }
        Change::Reopened { reason } => format!("reopened: {reason}"),
        Change::Rated { score, comment } => format!(
            "rated {score}/5{}",
            comment
                .as_ref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default()
        ),
        Change::Closed => "closed".into(),
        Change::InternalNote { text } => format!("internal note: {text}"),
        Change::PriorityChanged { priority, reason } => {
            format!("priority changed to {priority}: {reason}")
        }
        Change::LinkedToIncident { incident } => format!("linked to incident {incident}"),
        Change::ReportLinked { report } => format!("report {report} linked"),
        Change::IncidentMoved { from, to: None } => {
            format!("incident {from} closed unresolved: this ticket carries its reports now")
        }
        Change::IncidentMoved { from, to: Some(to) } => {
            format!("incident {from} closed unresolved: linked to {to}")
        }
        Change::TimerFired { timer, .. } => format!("timer {timer} fired"),
        Change::PersonalDataErased { .. } => "personal data erased".into(),
        Change::TranscriptPurged => "transcript purged (retention)".into(),
        Change::MarkedAsChange {
            window_start_ms,
            window_end_ms,
        } => match (window_start_ms, window_end_ms) {
            (Some(a), Some(b)) => format!(
                "marked as a change, window {} to {}",
                crate::clocks::calendar::Calendar::always("UTC").format(*a),
                crate::clocks::calendar::Calendar::always("UTC").format(*b)
            ),
            _ => "marked as a change".into(),
        },
        Change::ChangeOutcomeSet { outcome } => {
            format!("change outcome: {}", outcome.as_str().replace('_', " "))
        }
        Change::AutomationRan {
            rule,
            trigger,
            actions,
        } => format!("automation {rule} ran ({trigger}): {}", actions.join(", ")),
        Change::Tagged { tag } => format!("tagged {tag}"),
        Change::CategorySet { category } => format!("category set to {category}"),
        Change::ApprovalRequested { approver, .. } => format!("approval requested of {approver}"),
        Change::Approved { by } => format!("approved by {by}"),
        Change::Denied { by, reason } => format!("denied by {by}: {reason}"),
        Change::VendorEscalated {
            name,
            tier,
            via,
            note,
            ..
        } => format!("escalated to {name} ({}, {via}): {note}", tier.as_str()),
        Change::VendorReference { vendor, reference } => {
            format!("{vendor}'s case number: {reference}")
        }
        Change::VendorReplied { vendor, text } => format!("{vendor} replied: {text}"),
        Change::VisitProposed {
            when_ms,
            timezone,
            place,
            technician,
            remote,
            ..
        } => format!(
            "visit proposed for {}{}{}",
            super::visits::when_short(*when_ms, timezone),
            match (place, remote) {
                (_, true) => ", remote".to_string(),
                (Some(p), _) => format!(" at {p}"),
                (None, _) => String::new(),
            },
            technician
                .as_deref()
                .map(|t| format!(", technician {t}"))
                .unwrap_or_default()
        ),
        Change::VisitConfirmed => "visit confirmed".into(),
        Change::VisitAnotherTime { wish } if wish.is_empty() => "another time asked".into(),
        Change::VisitAnotherTime { wish } => format!("another time asked: {wish}"),
        Change::VisitCancelled { reason } if reason.is_empty() => "visit cancelled".into(),
        Change::VisitCancelled { reason } => format!("visit cancelled: {reason}"),
    };
    format!(
        "{}  {}  {}",
        fmt_date_time(e.at_ms),
        printable(&who),
        printable(&what)
    )
}

/// An intent id as words: `password_reset` → `password reset`.
fn intent_words(intent: &str) -> String {
    intent.replace(['_', '-'], " ")
}

/// Triage's explanation in words: what it detected, how sure, which of the intent's own rules
/// matched (the words they matched in the subject) and the training example it resembled. The
/// raw explanation stays on the ticket (`tickets show --json`, `detection.why`).
fn why_in_words(d: &Detection, subject: &str, pack: Option<&Pack>) -> String {
    let why = d.why.as_str();
    let mut s = if d.intent == crate::triage::OUT_OF_SCOPE {
        format!("not recognised (confidence {:.2})", d.confidence)
    } else {
        format!(
            "detected as {} (confidence {:.2})",
            intent_words(&d.intent),
            d.confidence
        )
    };
    // How a ticket that skipped the conversation was asked for (`opened with /ticket`, `opened
    // from their message by … with the Create ticket shortcut`).
    if why.starts_with("opened ")
        && let Some(how) = why.split("; ").next()
    {
        s = format!("{how}; {s}");
    }
    let mut reasons = Vec::new();
    // The chosen intent's positive rules, as `intent#n +w` in the `rules ...` part.
    let text = normalize(subject).text;
    let rules = why
        .split("; ")
        .find_map(|part| part.strip_prefix("rules "))
        .unwrap_or("");
    for hit in rules.split(", ") {
        let mut words = hit.split_whitespace();
        let (Some(id), Some(weight)) = (words.next(), words.next()) else {
            continue;
        };
        let Some((intent, n)) = id.rsplit_once('#') else {
            continue;
        };
        if intent != d.intent || !weight.starts_with('+') {
            continue;
        }
        let rule = pack
            .and_then(|p| p.intent(intent))
            .zip(n.parse::<usize>().ok())
            .and_then(|(i, n)| i.rules.get(n.wrapping_sub(1)));
        let Some(rule) = rule else {
            continue;
        };
        let matched = compiled(&rule.regex())
            .and_then(|re| re.find(text.as_bytes()))
            .map(|m| String::from_utf8_lossy(&text.as_bytes()[m.range()]).into_owned());
        let said = match (matched, &rule.matcher) {
            (Some(m), _) if m.chars().count() > 40 => {
                format!("'{}…'", m.chars().take(39).collect::<String>())
            }
            (Some(m), _) => format!("'{m}'"),
            (None, crate::pack::Matcher::Keywords(k)) => format!(
                "one of {}",
                k.iter()
                    .take(3)
                    .map(|k| format!("'{}'", k.trim_end_matches('*')))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, crate::pack::Matcher::Pattern(_)) => "a pattern".into(),
        };
        // A pattern's match often contains a keyword's ("vpn" in "vpn ciagle sie rozlacza"):
        // one is enough.
        let inner = said.trim_matches(['\'', '…']);
        if !reasons.iter().any(|r: &String| {
            let r = r.trim_matches(['\'', '…']);
            r.contains(inner) || inner.contains(r)
        }) {
            reasons.push(said);
        }
    }
    let mut parts = Vec::new();
    if !reasons.is_empty() {
        parts.push(format!("matched {}", reasons.join(", ")));
    }
    if let Some(start) = why.find("nearest example \"") {
        let rest = &why[start + "nearest example \"".len()..];
        if let Some(end) = rest.rfind("\" (similarity") {
            parts.push(format!("similar to '{}'", &rest[..end]));
        }
    }
    if why.contains("below threshold") {
        parts.push("too unsure to act on alone".into());
    }
    if why.contains("message truncated") {
        parts.push("only the start of a long message was read".into());
    }
    if !parts.is_empty() {
        s.push_str(": ");
        s.push_str(&parts.join(", "));
    }
    s
}

/// A rule's regex, compiled once per process: a card is rebuilt on every change to its ticket,
/// and compiling a pattern costs a few hundred microseconds. The map holds at most one entry per
/// rule of the packs loaded; a std mutex, held only around the map.
fn compiled(pattern: &str) -> Option<std::sync::Arc<regex_automata::meta::Regex>> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    // Shared, not cloned: a clone of a regex starts a new pool of search caches.
    type Compiled = HashMap<String, Option<Arc<regex_automata::meta::Regex>>>;
    static COMPILED: LazyLock<Mutex<Compiled>> = LazyLock::new(Mutex::default);
    let mut map = COMPILED.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(pattern.to_string())
        .or_insert_with(|| crate::triage::rules::compile(pattern).ok().map(Arc::new))
        .clone()
}

/// `3h 20m`, `2d 4h`, `15m`, `0m`.
pub fn fmt_duration(ms: u64) -> String {
    let m = ms / 60_000;
    let (d, h, m) = (m / 1440, m % 1440 / 60, m % 60);
    match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, h) => format!("{h}h {m:02}m"),
        (d, h) => format!("{d}d {h}h"),
    }
}

/// `due in 3h 20m` or `overdue by 15m`.
pub fn due_in(due: u64, now: u64) -> String {
    if due >= now {
        format!("due in {}", fmt_duration(due - now))
    } else {
        format!("overdue by {}", fmt_duration(now - due))
    }
}

fn fmt_minutes(m: u32) -> String {
    fmt_duration(u64::from(m) * 60_000)
}

/// UTC `YYYY-MM-DD HH:MM UTC` from ms since the epoch.
pub fn fmt_time(ms: u64) -> String {
    format!("{} UTC", fmt_date_time(ms))
}

/// UTC `HH:MM`.
fn fmt_clock(ms: u64) -> String {
    let rem = ms / 1000 % 86_400;
    format!("{:02}:{:02}", rem / 3600, rem % 3600 / 60)
}

/// UTC `YYYY-MM-DD HH:MM` from ms since the epoch.
pub fn fmt_date_time(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// A vendor case in one line for the card: `ACME Hardware (L4, e-mail to support@acme.example),
/// case ACME-77; 2 replies, latest: "..."`.
pub fn vendor_line(v: &crate::tickets::VendorCase) -> String {
    let mut s = format!("{} ({}, {})", v.name, v.tier.as_str(), v.via);
    match &v.reference {
        Some(r) => s.push_str(&format!(", their case {r}")),
        None => s.push_str(", no case number yet"),
    }
    match v.replies.last() {
        None => s.push_str("; no reply yet"),
        Some(last) => {
            let text: String = last.text.chars().take(400).collect();
            let more = if last.text.chars().count() > 400 {
                "…"
            } else {
                ""
            };
            s.push_str(&format!(
                "; {} repl{}, latest: \"{text}{more}\"",
                v.replies.len(),
                if v.replies.len() == 1 { "y" } else { "ies" }
            ));
        }
    }
    s
}
