//! The escalation card: everything an agent needs about a ticket, platform-neutral. Adapters render
//! it (a Discord embed, Slack blocks, terminal text); the transcript on it is already redacted.

use serde::{Deserialize, Serialize};

use super::grammar::CardAction;
use crate::tickets::{Line, Status, Ticket, UserRef};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub ticket: String,
    pub subject: String,
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
    pub why: String,
    pub faq_offered: Vec<String>,
    pub faq_helped: Option<bool>,
    pub answers: Vec<(String, String)>,
    pub transcript: Vec<Line>,
}

impl Card {
    pub fn of(t: &Ticket) -> Card {
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
            actions: Card::actions_for(t),
            first_response_due_ms: t.first_response_due_ms,
            resolution_due_ms: t.resolution_due_ms,
            intent: t.detection.intent.clone(),
            confidence: t.detection.confidence,
            why: t.detection.why.clone(),
            faq_offered: t.detection.faq_offered.clone(),
            faq_helped: t.detection.faq_helped,
            answers: t.answers.clone(),
            transcript: t.transcript.clone(),
        }
    }

    /// The buttons a ticket's card offers: claim or unclaim, transfer, escalate, resolve while it
    /// is open; none once it is resolved or closed.
    pub fn actions_for(t: &Ticket) -> Vec<CardAction> {
        if !t.status.is_open() {
            return vec![];
        }
        let claim = if t.assignee.is_some() {
            CardAction::Unclaim
        } else {
            CardAction::Claim
        };
        vec![
            claim,
            CardAction::Transfer,
            CardAction::Escalate,
            CardAction::Resolve,
        ]
    }

    /// Plain-text rendering (terminal, logs).
    pub fn render_text(&self) -> String {
        let mut s = format!(
            "== {} [{} {} {}] {}\nrequester: {}{}\nqueue: {}  assignee: {}\n",
            self.ticket,
            self.priority,
            self.tier,
            self.status.as_str(),
            self.subject,
            self.requester,
            self.organisation
                .as_ref()
                .map(|o| format!("  organisation: {o}"))
                .unwrap_or_default(),
            self.queue,
            self.assignee.as_deref().unwrap_or("-"),
        );
        if let Some(due) = self.first_response_due_ms {
            s.push_str(&format!("first response due: {}\n", fmt_time(due)));
        }
        s.push_str(&format!(
            "detected: {} ({:.2}) because {}\n",
            self.intent, self.confidence, self.why
        ));
        if !self.faq_offered.is_empty() {
            let helped = match self.faq_helped {
                Some(true) => "helped",
                Some(false) => "did not help",
                None => "no answer",
            };
            s.push_str(&format!(
                "FAQ offered: {} ({helped})\n",
                self.faq_offered.join(", ")
            ));
        }
        for (q, a) in &self.answers {
            s.push_str(&format!("{q}: {a}\n"));
        }
        if !self.transcript.is_empty() {
            s.push_str("transcript:\n");
            for l in &self.transcript {
                s.push_str(&format!("  {}: {}\n", l.from, l.text));
            }
        }
        s
    }
}

/// UTC `YYYY-MM-DD HH:MM` from ms since the epoch.
pub fn fmt_time(ms: u64) -> String {
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
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}
