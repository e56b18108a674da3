//! Durable timers: everything the desk schedules (SLA warnings and breaches, reminders, automatic
//! closing, approval and visit reminders) is a
//! [`Timer`] record in the store, written in the same transaction as the ticket change that made
//! it ([`TimerWrite`] in a turn) and deleted in the transaction of its firing. Ids are
//! deterministic (`T-1000:sla_breach:resolution`), so scheduling again moves the one timer and
//! cancelling needs no lookup; a firing is a desk event keyed by the id and due instant, so it is
//! handled once however often it is delivered.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// A share of an SLA clock's budget has gone (`[sla] warn_at`, 80% by default).
    SlaWarning,
    /// An SLA clock is due.
    SlaBreach,
    /// The requester has not answered a question for `[automations] waiting_reminder_days`.
    Reminder,
    /// A ticket closes by itself: waiting on the requester too long, or resolved and not
    /// reopened.
    AutoClose,
    /// A ticket nobody claimed is announced again (and after enough times, escalated).
    UnclaimedBump,
    /// A resolved ticket not rated yet: the requester is asked once more
    /// (`[automations] csat_reminder_hours`).
    Csat,
    /// A request still waits for its approver: they are reminded (`[approvals]
    /// remind_after_hours` business hours after the request, and as often again).
    ApprovalReminder,
    /// A confirmed visit or remote session is near: the requester and the technician are
    /// reminded (`[visits] remind_before_minutes` before it).
    VisitReminder,
    /// The next security tip is posted (`[security]`); belongs to no ticket.
    SecurityTip,
    /// A block of hours nears its expiry (`[contracts] expiry_warning_days`): the organisation's
    /// contact and the admins are told once; belongs to no ticket (`about` is the organisation).
    ContractExpiry,
    /// Closed tickets past `[privacy] retention_days` lose their transcripts; belongs to no
    /// ticket, fires daily.
    RetentionPurge,
    /// The weekly digest of the desk's figures is posted (`[reports] digest_channel`); belongs
    /// to no ticket.
    ReportDigest,
}

impl TimerKind {
    pub const ALL: [TimerKind; 8] = [
        TimerKind::SlaWarning,
        TimerKind::SlaBreach,
        TimerKind::Reminder,
        TimerKind::AutoClose,
        TimerKind::UnclaimedBump,
        TimerKind::Csat,
        TimerKind::ApprovalReminder,
        TimerKind::VisitReminder,
    ];

    pub fn parse(s: &str) -> Option<TimerKind> {
        TimerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Every kind's name, for messages: `sla_warning, sla_breach, ...`.
    pub fn names() -> String {
        TimerKind::ALL.map(TimerKind::as_str).join(", ")
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::SlaWarning => "sla_warning",
            TimerKind::SlaBreach => "sla_breach",
            TimerKind::Reminder => "reminder",
            TimerKind::AutoClose => "auto_close",
            TimerKind::UnclaimedBump => "unclaimed_bump",
            TimerKind::Csat => "csat",
            TimerKind::ApprovalReminder => "approval_reminder",
            TimerKind::VisitReminder => "visit_reminder",
            TimerKind::SecurityTip => "security_tip",
            TimerKind::ContractExpiry => "contract_expiry",
            TimerKind::RetentionPurge => "retention_purge",
            TimerKind::ReportDigest => "report_digest",
        }
    }
}

/// A pending timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub id: String,
    /// The ticket it belongs to; empty for the desk's own timers (the security tips), which
    /// carry no ticket and log their firing in the bot's log instead.
    pub ticket: String,
    pub kind: TimerKind,
    /// What it is about (`first_response`, `next_response`, `resolution`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub about: String,
    pub due_ms: u64,
}

impl Timer {
    /// The id of the one timer of the security tips.
    pub const SECURITY_TIP: &'static str = "security:tip";
    /// The id of the one timer of the weekly report digest.
    pub const REPORT_DIGEST: &'static str = "reports:digest";

    /// Whether it belongs to a ticket (the security tips' and contracts' expiry warnings do
    /// not).
    pub fn has_ticket(&self) -> bool {
        !self.ticket.is_empty()
    }

    /// The id of `ticket`'s timer of `kind` about `about`.
    pub fn id_of(ticket: &str, kind: TimerKind, about: &str) -> String {
        format!("{ticket}:{}:{about}", kind.as_str())
    }
}

/// A change to the timers, part of a turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerWrite {
    /// Schedule (or move) this timer.
    Set(Timer),
    /// Remove the timer with this id, if there is one.
    Cancel(String),
}
