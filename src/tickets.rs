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
    /// Not a place people are: outbox entries for the webhooks of `[automations.webhooks]`.
    Webhook,
    /// Not a place people are: outbox entries for e-mail to vendors (`[smtp]`).
    Email,
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
            Platform::Webhook => "webhook",
            Platform::Email => "email",
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

fn is_remote(a: &crate::contracts::Activity) -> bool {
    *a == crate::contracts::Activity::Remote
}

fn billable() -> bool {
    true
}

fn is_billable(b: &bool) -> bool {
    *b
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
    /// The bot.
    L1,
    /// The support desk's agents (`[[queues]]` with `tier = "L2"`).
    L2,
    /// Engineering (`l3_queue`).
    L3,
    /// Outside the desk: a vendor (`[[vendors]]` with `tier = "L4"`)...
    L4,
    /// ... or the manufacturer (`tier = "L5"`).
    L5,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::L1 => "L1",
            Tier::L2 => "L2",
            Tier::L3 => "L3",
            Tier::L4 => "L4",
            Tier::L5 => "L5",
        }
    }

    /// Tiers outside the desk, reached by e-mail or webhook rather than a queue.
    pub fn is_external(self) -> bool {
        matches!(self, Tier::L4 | Tier::L5)
    }
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
    /// Impact signals triage saw (`security`, `many_people`, `deadline`, `frustrated`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<String>,
    /// The priority triage gave the message, and why, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub priority_reason: String,
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
    /// What the requester wrote with their rating, if anything.
    #[serde(default)]
    pub rating_comment: Option<String>,
    /// Why the ticket has its priority, in words (impact signals, escalations by the desk).
    #[serde(default)]
    pub priority_reason: String,
    /// On a user's report linked to a known incident: the incident ticket.
    #[serde(default)]
    pub incident: Option<String>,
    /// On an incident: the reports linked to it, oldest first.
    #[serde(default)]
    pub linked: Vec<String>,
    /// The note the ticket was escalated to L3 with (the latest escalation).
    #[serde(default)]
    pub l3_note: Option<String>,
    /// Agents' internal notes: never sent to the requester.
    #[serde(default)]
    pub notes: Vec<Line>,
    /// What the SLA clocks are worked out from (see `clocks::sla`).
    #[serde(default)]
    pub clock: ClockFacts,
    /// Labels automation rules put on it (`vip`, `printer`), in the order added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Whether the request waits for (or got, or was refused) an approver's decision; none for
    /// tickets that never needed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    /// Escalations outside the desk (tiers L4/L5), oldest first; the last is the current one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendors: Vec<VendorCase>,
    /// The latest visit or remote session proposed for it (see `desk/visits.rs`); none until an
    /// agent proposes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<Visit>,
    /// When the ticket is a change: its window and outcome (see `reports`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<crate::reports::ChangeRequest>,
    /// What reports read (see `reports::facts`).
    #[serde(default)]
    pub report: crate::reports::ReportFacts,
}

/// A ticket's case with a vendor or manufacturer: who, how they were reached, their reference
/// for it, and the replies an agent attached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VendorCase {
    /// The vendor's id in `[[vendors]]`.
    pub vendor: String,
    /// Their name as configured at the time.
    pub name: String,
    pub tier: Tier,
    /// How they were reached, in words (`e-mail to support@acme.example`, `webhook acme`).
    pub via: String,
    pub escalated_ms: u64,
    /// Who escalated it.
    pub by: String,
    /// What the agent wrote to them with the case.
    pub note: String,
    /// Their case number, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Their replies, as agents attached them (`from` is `vendor:ID`, the text redacted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<Line>,
}

impl Ticket {
    /// The vendor case now open, if the ticket is outside the desk.
    pub fn vendor_case(&self) -> Option<&VendorCase> {
        self.vendors.last().filter(|_| self.tier.is_external())
    }
}

/// Where a proposed visit (or remote session) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitState {
    /// Waiting for the requester's answer.
    Proposed,
    Confirmed,
    /// The requester asked for another time: the agent proposes again.
    AnotherTime,
    Cancelled,
    /// The ticket was resolved or closed with the visit confirmed.
    Done,
}

impl VisitState {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitState::Proposed => "proposed",
            VisitState::Confirmed => "confirmed",
            VisitState::AnotherTime => "another_time",
            VisitState::Cancelled => "cancelled",
            VisitState::Done => "done",
        }
    }
}

/// A visit or remote session, kept up to date by [`Ticket::apply`] from the `visit_*` changes.
/// `when` is kept both as an instant and as RFC 3339 in the time zone it was proposed in, so a
/// reader of the ticket's JSON sees the local time the requester was told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub state: VisitState,
    /// RFC 3339 with the offset of `timezone` at that instant.
    pub when: String,
    pub when_ms: u64,
    /// The IANA time zone the time was proposed in (the ticket's calendar's), or `UTC`.
    pub timezone: String,
    #[serde(default)]
    pub place: Option<String>,
    /// The configured agent who comes (or runs the session); none: whoever the queue sends.
    #[serde(default)]
    pub technician: Option<String>,
    #[serde(default)]
    pub remote: bool,
    /// The agent who proposed it.
    pub proposed_by: String,
    pub proposed_ms: u64,
    /// The ticket event that proposed it: the requester's buttons carry it, so a button under an
    /// earlier proposal cannot confirm a later one.
    pub proposal: u32,
    /// What the requester wrote when asking for another time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wish: Option<String>,
    /// Reminders sent so far (`visit_reminder` firings).
    #[serde(default)]
    pub reminders: u32,
}

impl Visit {
    /// Waiting for the requester, or agreed: what reminders and answers are about.
    pub fn is_live(&self) -> bool {
        matches!(self.state, VisitState::Proposed | VisitState::Confirmed)
    }
}

/// Where a ticket's approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    Pending,
    Approved,
    Denied,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::Pending => "pending",
            ApprovalState::Approved => "approved",
            ApprovalState::Denied => "denied",
        }
    }
}

/// A request's approval, kept up to date by [`Ticket::apply`] from the `approval_*` changes. Until
/// it is approved nobody can claim the ticket: L2 work starts with the approver's yes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub state: ApprovalState,
    /// Who decides: `role:admin` (any agent of that role, by configuration or platform role) or
    /// a person as `platform:id` (`discord:1234`, `local:dana`), who need not be an agent.
    pub approver: String,
    /// How the approver is shown: a person's configured name, or the role.
    #[serde(default)]
    pub approver_name: String,
    /// Why approval was asked (`hardware_request needs approval`, an automation's reason).
    #[serde(default)]
    pub requested_because: String,
    pub requested_ms: u64,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub decided_ms: Option<u64>,
    /// The approver's reason for a denial.
    #[serde(default)]
    pub reason: Option<String>,
    /// Reminders sent to the approver so far (`approval_reminder` firings).
    #[serde(default)]
    pub reminders: u32,
}

impl Approval {
    pub fn is_pending(&self) -> bool {
        self.state == ApprovalState::Pending
    }
}

/// The facts the SLA clocks are computed from, kept up to date by [`Ticket::apply`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockFacts {
    /// Spans the resolution clock did not run (waiting on the requester; resolved until
    /// reopened), oldest first; the last may still be open (`None`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paused: Vec<(u64, Option<u64>)>,
    /// Since when the requester has waited for an agent's next answer: a message of theirs after
    /// the first response that no agent has answered yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_since: Option<u64>,
    /// The last such wait that was answered: (since, answered at).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_answered: Option<(u64, u64)>,
    /// Since when the ticket has waited in a queue with nobody on it (opened, escalated,
    /// unclaimed, transferred to a queue); none while someone has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unclaimed_since: Option<u64>,
    /// How often it was re-announced since then (`[automations] unclaimed_bump_minutes`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bumps: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ClockFacts {
    fn pause(&mut self, now: u64) {
        if !self.paused.last().is_some_and(|(_, b)| b.is_none()) {
            self.paused.push((now, None));
        }
    }

    fn resume(&mut self, now: u64) {
        if let Some((a, b)) = self.paused.last_mut()
            && b.is_none()
        {
            *b = Some(now.max(*a));
        }
    }

    fn unclaimed(&mut self, now: Option<u64>) {
        self.unclaimed_since = now;
        self.bumps = 0;
    }

    fn answered(&mut self, now: u64) {
        if let Some(since) = self.awaiting_since.take() {
            self.last_answered = Some((since, now));
        }
    }
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
        /// What the minutes were spent on.
        #[serde(default, skip_serializing_if = "is_remote")]
        activity: crate::contracts::Activity,
    },
    TimeLogged {
        minutes: u32,
        #[serde(default, skip_serializing_if = "is_remote")]
        activity: crate::contracts::Activity,
        /// Whether the organisation is charged for it.
        #[serde(default = "billable", skip_serializing_if = "is_billable")]
        billable: bool,
    },
    /// A time entry taken back (logged by mistake): its minutes leave the ticket and return to
    /// the contracts it was charged to.
    TimeRefunded {
        /// The organisation's ledger entry refunded.
        entry: u64,
        minutes: u32,
    },
    Reopened {
        reason: String,
    },
    Rated {
        score: u8,
        /// What the requester wrote with the score.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    Closed,
    /// An agent's note for other agents; the requester never sees it.
    InternalNote {
        text: String,
    },
    /// The priority changed (frustration, more people affected), with the reason in words.
    PriorityChanged {
        priority: Priority,
        reason: String,
    },
    /// On a report: it is the same problem as a known incident.
    LinkedToIncident {
        incident: String,
    },
    /// On an incident: another user's report was linked to it.
    ReportLinked {
        report: String,
    },
    /// On a report: its incident `from` ended without resolving it (closed by its requester, a
    /// rule or a timer); `to` is the report that carries the incident now, or `None` when this
    /// one does.
    IncidentMoved {
        from: String,
        to: Option<String>,
    },
    /// The request waits for `approver`'s decision before anyone may work on it.
    ApprovalRequested {
        /// `role:NAME` or `platform:id` (see [`Approval::approver`]).
        approver: String,
        #[serde(default)]
        approver_name: String,
        #[serde(default)]
        reason: String,
    },
    /// The approver said yes: the ticket can be claimed.
    Approved {
        by: String,
    },
    /// The approver said no, with their reason (the desk closes the ticket in the same turn).
    Denied {
        by: String,
        reason: String,
    },
    /// An agent proposed a visit or remote session (again: it replaces the earlier proposal).
    VisitProposed {
        /// RFC 3339 in `timezone`.
        when: String,
        when_ms: u64,
        timezone: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        place: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        technician: Option<String>,
        #[serde(default)]
        remote: bool,
    },
    /// The requester said the proposed time suits them.
    VisitConfirmed,
    /// The requester asked for another time, with what they wrote (empty: a button).
    VisitAnotherTime {
        #[serde(default)]
        wish: String,
    },
    /// An agent cancelled the visit.
    VisitCancelled {
        #[serde(default)]
        reason: String,
    },
    /// A durable timer fired (`T-1000:sla_breach:resolution`): what it was and what it was about.
    TimerFired {
        timer: String,
        kind: String,
        #[serde(default)]
        about: String,
    },
    /// An automation rule's conditions held: what started it and what it does (its changes
    /// follow as events of their own).
    AutomationRan {
        rule: String,
        trigger: String,
        actions: Vec<String>,
    },
    /// A label put on by an automation rule.
    Tagged {
        tag: String,
    },
    /// The category changed (by an automation rule).
    CategorySet {
        category: String,
    },
    /// Escalated outside the desk (tier L4 or L5): the case is sent to the vendor; the ticket
    /// stays with the agent who sent it.
    VendorEscalated {
        vendor: String,
        name: String,
        tier: Tier,
        via: String,
        note: String,
    },
    /// The vendor's case number for it.
    VendorReference {
        vendor: String,
        reference: String,
    },
    /// A reply from the vendor, attached by an agent.
    VendorReplied {
        vendor: String,
        text: String,
    },
    /// The requester's personal data was erased (GDPR / RODO): every message of the ticket and
    /// their identity are gone; the requester is now `pseudonym` (see `crate::privacy`).
    PersonalDataErased {
        pseudonym: String,
    },
    /// The ticket's transcript (the personal text of its events) was purged under the
    /// retention setting (`[privacy] retention_days`).
    TranscriptPurged,
    /// The ticket is a change (an agent marked it, or an automation rule for change intents):
    /// its planned window, when given. Marking it again moves the window.
    MarkedAsChange {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window_start_ms: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window_end_ms: Option<u64>,
    },
    /// How the change went, given with its resolution.
    ChangeOutcomeSet {
        outcome: crate::reports::ChangeOutcome,
    },
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
            Change::InternalNote { text } => Some(text),
            Change::Rated { comment, .. } => comment.as_mut(),
            Change::Denied { reason, .. } => Some(reason),
            Change::VendorEscalated { note, .. } => Some(note),
            Change::VendorReplied { text, .. } => Some(text),
            Change::VisitAnotherTime { wish } => Some(wish),
            Change::VisitCancelled { reason } => Some(reason),
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
            Change::TimeRefunded { .. } => "time_refunded",
            Change::Reopened { .. } => "reopened",
            Change::Rated { .. } => "rated",
            Change::Closed => "closed",
            Change::InternalNote { .. } => "internal_note",
            Change::PriorityChanged { .. } => "priority_changed",
            Change::LinkedToIncident { .. } => "linked_to_incident",
            Change::ReportLinked { .. } => "report_linked",
            Change::IncidentMoved { .. } => "incident_moved",
            Change::TimerFired { .. } => "timer_fired",
            Change::AutomationRan { .. } => "automation_ran",
            Change::Tagged { .. } => "tagged",
            Change::CategorySet { .. } => "category_set",
            Change::ApprovalRequested { .. } => "approval_requested",
            Change::Approved { .. } => "approved",
            Change::Denied { .. } => "denied",
            Change::VendorEscalated { .. } => "vendor_escalated",
            Change::VendorReference { .. } => "vendor_reference",
            Change::VendorReplied { .. } => "vendor_replied",
            Change::VisitProposed { .. } => "visit_proposed",
            Change::VisitConfirmed => "visit_confirmed",
            Change::VisitAnotherTime { .. } => "visit_another_time",
            Change::VisitCancelled { .. } => "visit_cancelled",
            Change::PersonalDataErased { .. } => "personal_data_erased",
            Change::TranscriptPurged => "transcript_purged",
            Change::MarkedAsChange { .. } => "marked_as_change",
            Change::ChangeOutcomeSet { .. } => "change_outcome_set",
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
    #[error("{ticket} is awaiting approval by {approver}; it can be claimed once approved")]
    AwaitingApproval { ticket: String, approver: String },
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
            Change::Escalated { queue, tier, note } => {
                if !self.status.is_open() {
                    return Err(bad(self, "escalated"));
                }
                // The desk itself (an automation rule) may escalate a claimed ticket.
                if matches!(self.status, Status::Claimed | Status::WaitingOnUser)
                    && *actor != Actor::Bot
                {
                    must_be_assignee(self)?;
                }
                if *tier == Tier::L3 {
                    self.l3_note = note.clone();
                }
                self.queue = queue.clone();
                self.tier = *tier;
                self.assignee = None;
                self.assignee_user = None;
                self.status = Status::Escalated;
                self.clock.unclaimed(Some(now));
            }
            // Work starts with the approver's yes: until then nobody takes the ticket.
            Change::Claimed { .. }
            | Change::Transferred {
                to_agent: Some(_), ..
            } if self.approval.as_ref().is_some_and(Approval::is_pending) => {
                return Err(TicketError::AwaitingApproval {
                    ticket: self.id.clone(),
                    approver: self
                        .approval
                        .as_ref()
                        .map(|a| a.approver_name.clone())
                        .unwrap_or_default(),
                });
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
                    self.clock.unclaimed(None);
                }
                _ => return Err(bad(self, "claimed")),
            },
            Change::Unclaimed { .. } => {
                must_be_assignee(self)?;
                // A finished ticket comes back only through `Reopened`.
                if !self.status.is_open() {
                    return Err(bad(self, "unclaimed"));
                }
                self.assignee = None;
                self.assignee_user = None;
                self.status = Status::Escalated;
                self.clock.unclaimed(Some(now));
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
                        self.clock.unclaimed(None);
                    }
                    None => {
                        self.assignee = None;
                        self.assignee_user = None;
                        self.status = Status::Escalated;
                        self.clock.unclaimed(Some(now));
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
                self.clock.answered(now);
                // Asking waits for the user; a plain reply keeps the ticket with the agent.
                self.status = match change {
                    Change::AskedUser { .. } => {
                        self.clock.pause(now);
                        Status::WaitingOnUser
                    }
                    _ => {
                        self.clock.resume(now);
                        Status::Claimed
                    }
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
                    self.clock.resume(now);
                }
                // After the first response, their message waits for an agent's next answer.
                if self.status.is_open()
                    && self.first_response_ms.is_some()
                    && self.clock.awaiting_since.is_none()
                {
                    self.clock.awaiting_since = Some(now);
                }
            }
            Change::Resolved { minutes, .. } => {
                // A report linked to an incident is resolved with the incident, by the bot.
                if !(self.incident.is_some() && *actor == Actor::Bot) {
                    must_be_assignee(self)?;
                }
                if !self.status.is_open() {
                    return Err(bad(self, "resolved"));
                }
                self.status = Status::Resolved;
                self.resolved_ms = Some(now);
                self.finish_visit();
                self.minutes_spent += minutes;
                // Resolving stops every clock; the time until a reopening does not count.
                self.clock.awaiting_since = None;
                self.clock.unclaimed(None);
                self.clock.pause(now);
            }
            Change::TimeLogged { minutes, .. } => {
                must_be_assignee(self)?;
                self.minutes_spent += minutes;
            }
            Change::TimeRefunded { minutes, .. } => {
                must_be_assignee(self)?;
                self.minutes_spent = self.minutes_spent.saturating_sub(*minutes);
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
                self.clock.resume(now);
                if self.assignee.is_none() {
                    self.clock.unclaimed(Some(now));
                }
                // The next resolution is rated afresh; the log keeps the earlier rating.
                self.rating = None;
                self.rating_comment = None;
            }
            Change::Rated { score, comment } => {
                if self.status.is_open() || !(1..=5).contains(score) {
                    return Err(bad(self, "rated"));
                }
                self.rating = Some(*score);
                self.rating_comment = comment.clone();
            }
            Change::InternalNote { text } => {
                if agent_name.is_none() {
                    return Err(TicketError::Invalid(
                        "only agents write internal notes".into(),
                    ));
                }
                self.notes.push(Line {
                    at_ms: now,
                    from: format!("agent:{}", agent_name.unwrap_or("?")),
                    text: text.clone(),
                });
            }
            Change::PriorityChanged { priority, reason } => {
                if !self.status.is_open() {
                    return Err(bad(self, "reprioritised"));
                }
                self.priority = *priority;
                self.priority_reason = reason.clone();
            }
            Change::LinkedToIncident { incident } => {
                if self.incident.is_some() || !self.linked.is_empty() {
                    return Err(bad(self, "linked to an incident"));
                }
                self.incident = Some(incident.clone());
            }
            // A record of what the desk did on time; a re-announcement is counted.
            Change::TimerFired { kind, .. } => {
                if kind == "unclaimed_bump" {
                    self.clock.bumps += 1;
                }
                if kind == "approval_reminder"
                    && let Some(a) = self.approval.as_mut()
                {
                    a.reminders += 1;
                }
                if kind == "visit_reminder"
                    && let Some(v) = self.visit.as_mut()
                {
                    v.reminders += 1;
                }
            }
            Change::VisitProposed {
                when,
                when_ms,
                timezone,
                place,
                technician,
                remote,
            } => {
                if !self.status.is_open() {
                    return Err(bad(self, "given a visit"));
                }
                self.visit = Some(Visit {
                    state: VisitState::Proposed,
                    when: when.clone(),
                    when_ms: *when_ms,
                    timezone: timezone.clone(),
                    place: place.clone(),
                    technician: technician.clone(),
                    remote: *remote,
                    proposed_by: agent_name.unwrap_or("bot").to_string(),
                    proposed_ms: now,
                    proposal: self.event_count,
                    wish: None,
                    reminders: 0,
                });
            }
            Change::VisitConfirmed | Change::VisitAnotherTime { .. } => {
                // Answered while proposed; a confirmed time may still be asked to move.
                let open = self.status.is_open();
                // After the Another time button, the time they would like comes in words.
                let wish_after_button = matches!(change, Change::VisitAnotherTime { .. });
                let Some(v) = self.visit.as_mut().filter(|v| {
                    open && (v.is_live()
                        || (wish_after_button
                            && v.state == VisitState::AnotherTime
                            && v.wish.is_none()))
                }) else {
                    return Err(bad(self, "answered about a visit"));
                };
                if let Change::VisitAnotherTime { wish } = change {
                    v.state = VisitState::AnotherTime;
                    v.wish = Some(wish.clone()).filter(|w| !w.trim().is_empty());
                } else if v.state == VisitState::Proposed {
                    v.state = VisitState::Confirmed;
                } else {
                    return Err(bad(self, "confirmed twice"));
                }
            }
            Change::VisitCancelled { .. } => {
                let Some(v) = self
                    .visit
                    .as_mut()
                    .filter(|v| v.is_live() || v.state == VisitState::AnotherTime)
                else {
                    return Err(bad(self, "without a visit to cancel"));
                };
                v.state = VisitState::Cancelled;
            }
            Change::ApprovalRequested {
                approver,
                approver_name,
                reason,
            } => {
                if !self.status.is_open()
                    || self.approval.as_ref().is_some_and(Approval::is_pending)
                {
                    return Err(bad(self, "sent for approval"));
                }
                self.approval = Some(Approval {
                    state: ApprovalState::Pending,
                    approver: approver.clone(),
                    approver_name: approver_name.clone(),
                    requested_because: reason.clone(),
                    requested_ms: now,
                    decided_by: None,
                    decided_ms: None,
                    reason: None,
                    reminders: 0,
                });
                // Nobody can take it yet: the queue's wait starts with the approval.
                self.clock.unclaimed(None);
            }
            Change::Approved { by } | Change::Denied { by, .. } => {
                let Some(a) = self.approval.as_mut().filter(|a| a.is_pending()) else {
                    return Err(bad(self, "decided"));
                };
                a.decided_by = Some(by.clone());
                a.decided_ms = Some(now);
                if let Change::Denied { reason, .. } = change {
                    a.state = ApprovalState::Denied;
                    a.reason = Some(reason.clone());
                } else {
                    a.state = ApprovalState::Approved;
                    if self.status.is_open() && self.assignee.is_none() {
                        self.clock.unclaimed(Some(now));
                    }
                }
            }
            Change::IncidentMoved { from, to } => {
                if !self.status.is_open() || self.incident.as_ref() != Some(from) {
                    return Err(bad(self, "moved to another incident"));
                }
                self.incident = to.clone();
            }
            Change::ReportLinked { report } => {
                if !self.status.is_open() || self.incident.is_some() {
                    return Err(bad(self, "given reports"));
                }
                if !self.linked.contains(report) {
                    self.linked.push(report.clone());
                }
            }
            Change::AutomationRan { .. } => {}
            Change::MarkedAsChange {
                window_start_ms,
                window_end_ms,
            } => {
                if !self.status.is_open() {
                    return Err(bad(self, "marked as a change"));
                }
                if let (Some(a), Some(b)) = (window_start_ms, window_end_ms)
                    && b < a
                {
                    return Err(TicketError::Invalid(
                        "a change's window ends after it starts".into(),
                    ));
                }
                let by = match actor {
                    Actor::Agent(a) => a.clone(),
                    Actor::User(u) => u.clone(),
                    Actor::Bot => "bot".into(),
                };
                let c = self
                    .change
                    .get_or_insert_with(|| crate::reports::ChangeRequest {
                        by,
                        marked_ms: now,
                        ..Default::default()
                    });
                c.window_start_ms = *window_start_ms;
                c.window_end_ms = *window_end_ms;
            }
            Change::ChangeOutcomeSet { outcome } => {
                let Some(c) = self.change.as_mut() else {
                    return Err(TicketError::Invalid(format!(
                        "{} is not a change: mark it as one first",
                        self.id
                    )));
                };
                c.outcome = Some(*outcome);
            }
            Change::Tagged { tag } => {
                if !self.tags.contains(tag) {
                    self.tags.push(tag.clone());
                }
            }
            Change::CategorySet { category } => self.category = category.clone(),
            Change::VendorEscalated {
                vendor,
                name,
                tier,
                via,
                note,
            } => {
                if !tier.is_external() || *tier < self.tier {
                    return Err(TicketError::Invalid(format!(
                        "{} is at {}: a vendor case is L4 or L5, never lower",
                        self.id,
                        self.tier.as_str()
                    )));
                }
                if !self.status.is_open() {
                    return Err(bad(self, "escalated to a vendor"));
                }
                // Somebody at the desk owns the case while the vendor works on it.
                must_be_assignee(self)?;
                self.tier = *tier;
                self.vendors.push(VendorCase {
                    vendor: vendor.clone(),
                    name: name.clone(),
                    tier: *tier,
                    via: via.clone(),
                    escalated_ms: now,
                    by: agent_name.unwrap_or("?").to_string(),
                    note: note.clone(),
                    reference: None,
                    replies: vec![],
                });
            }
            Change::VendorReference { vendor, reference } => {
                let Some(case) = self.vendors.iter_mut().rev().find(|c| &c.vendor == vendor) else {
                    return Err(TicketError::Invalid(format!(
                        "{} was never escalated to {vendor}",
                        self.id
                    )));
                };
                case.reference = Some(reference.clone());
            }
            Change::VendorReplied { vendor, text } => {
                if agent_name.is_none() {
                    return Err(TicketError::Invalid(
                        "only agents attach a vendor's reply".into(),
                    ));
                }
                let Some(case) = self.vendors.iter_mut().rev().find(|c| &c.vendor == vendor) else {
                    return Err(TicketError::Invalid(format!(
                        "{} was never escalated to {vendor}",
                        self.id
                    )));
                };
                case.replies.push(Line {
                    at_ms: now,
                    from: format!("vendor:{vendor}"),
                    text: text.clone(),
                });
            }
            Change::Closed => {
                if self.status == Status::Closed {
                    return Err(bad(self, "closed"));
                }
                self.status = Status::Closed;
                self.finish_visit();
            }
            // The personal fields are cleared by `crate::privacy`, which builds the change;
            // only the desk itself (or an administrator's command) erases.
            Change::PersonalDataErased { .. } | Change::TranscriptPurged => {
                if agent_name.is_some() {
                    return Err(TicketError::Invalid(
                        "personal data is erased by the privacy commands, not by agents".into(),
                    ));
                }
            }
        }
        self.updated_ms = now;
        let mut facts = std::mem::take(&mut self.report);
        facts.observe(self, actor, change, now);
        self.report = facts;
        Ok(())
    }

    /// Resolving or closing the ticket ends its visit: a confirmed one is done, one still
    /// waiting for an answer or a new time will not happen.
    fn finish_visit(&mut self) {
        if let Some(v) = self.visit.as_mut() {
            v.state = match v.state {
                VisitState::Confirmed => VisitState::Done,
                VisitState::Proposed | VisitState::AnotherTime => VisitState::Cancelled,
                s => s,
            };
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The ticket state machine as a table: from a status (with or without an assignee), an actor
/// applies a change; the result is the new status and assignee, or the kind of refusal, in which
/// case the ticket is left exactly as it was. `apply` checks who may act only where the ticket
/// itself decides it (the assignee's own work); which agents may claim, transfer or reopen at all
/// is the desk's decision (`desk/agent.rs`), so those rows hold for any actor.
#[cfg(test)]
mod transitions {
    use super::*;
    use Status::*;

    /// What a row expects.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Want {
        /// Applied: the new status and assignee.
        To(Status, Option<&'static str>),
        AlreadyClaimed,
        NotAssignee,
        BadTransition,
    }
    use Want::*;

    fn kind(e: &TicketError) -> Want {
        match e {
            TicketError::AlreadyClaimed { .. } => AlreadyClaimed,
            TicketError::NotAssignee { .. } => NotAssignee,
            TicketError::BadTransition { .. } => BadTransition,
            other => panic!("unexpected error kind {other:?}"),
        }
    }

    /// `alice` is the assignee where there is one; `bob` is another agent; `jan` the requester.
    fn alice() -> Actor {
        Actor::Agent("alice".into())
    }
    fn bob() -> Actor {
        Actor::Agent("bob".into())
    }
    fn jan() -> Actor {
        Actor::User("local:jan".into())
    }

    fn opened() -> Change {
        Change::Opened {
            queue: "l2-network".into(),
            priority: Priority::P3,
        }
    }
    fn escalate_l3() -> Change {
        Change::Escalated {
            queue: "l3-engineering".into(),
            tier: Tier::L3,
            note: Some("needs a firewall change".into()),
        }
    }
    fn claim(agent: &str) -> Change {
        Change::Claimed {
            agent: agent.into(),
            user: Some(UserRef::local(agent)),
        }
    }
    fn unclaim() -> Change {
        Change::Unclaimed {
            agent: "alice".into(),
        }
    }
    fn to_agent(agent: &str) -> Change {
        Change::Transferred {
            to_agent: Some(agent.into()),
            to_queue: None,
            to_tier: None,
            to_user: Some(UserRef::local(agent)),
        }
    }
    fn to_queue(queue: &str) -> Change {
        Change::Transferred {
            to_agent: None,
            to_queue: Some(queue.into()),
            to_tier: Some(Tier::L2),
            to_user: None,
        }
    }
    fn agent_reply() -> Change {
        Change::AgentReplied {
            text: "try again".into(),
        }
    }
    fn ask() -> Change {
        Change::AskedUser {
            text: "which laptop?".into(),
        }
    }
    fn user_reply() -> Change {
        Change::UserReplied {
            text: "the old one".into(),
        }
    }
    fn resolve() -> Change {
        Change::Resolved {
            activity: Default::default(),
            note: "profile re-added".into(),
            minutes: 15,
        }
    }
    fn log_time() -> Change {
        Change::TimeLogged {
            minutes: 5,
            activity: Default::default(),
            billable: true,
        }
    }
    fn reopen() -> Change {
        Change::Reopened {
            reason: "back again".into(),
        }
    }
    fn rate(score: u8) -> Change {
        Change::Rated {
            score,
            comment: None,
        }
    }

    fn ticket(status: Status, assignee: Option<&str>) -> Ticket {
        Ticket {
            id: "T-1000".into(),
            number: 1000,
            requester: UserRef::local("jan"),
            organisation: None,
            channel: "dm".into(),
            subject: "VPN keeps disconnecting".into(),
            category: "network".into(),
            priority: Priority::P3,
            status,
            tier: Tier::L2,
            queue: "l2-network".into(),
            assignee: assignee.map(str::to_string),
            assignee_user: assignee.map(UserRef::local),
            detection: Detection::default(),
            answers: vec![],
            transcript: vec![],
            created_ms: 1_000,
            updated_ms: 1_000,
            first_response_due_ms: None,
            resolution_due_ms: None,
            first_response_ms: None,
            resolved_ms: (!status.is_open()).then_some(1_500),
            minutes_spent: 0,
            event_count: 1,
            rating: None,
            rating_comment: None,
            priority_reason: String::new(),
            incident: None,
            linked: vec![],
            l3_note: None,
            notes: vec![],
            clock: Default::default(),
            tags: vec![],
            approval: None,
            vendors: vec![],
            visit: None,
            change: None,
            report: Default::default(),
        }
    }

    const A: Option<&str> = Some("alice");
    const B: Option<&str> = Some("bob");

    /// (status, assignee, actor, change, result).
    fn table() -> Vec<(Status, Option<&'static str>, Actor, Change, Want)> {
        vec![
            // Opened is only ever the first event, written by the store; never a transition.
            (New, None, Actor::Bot, opened(), BadTransition),
            (Escalated, None, bob(), opened(), BadTransition),
            (Claimed, A, alice(), opened(), BadTransition),
            (Resolved, A, alice(), opened(), BadTransition),
            // Escalated: anyone while unclaimed; once claimed, only the assignee; never once done.
            (New, None, Actor::Bot, escalate_l3(), To(Escalated, None)),
            (Escalated, None, bob(), escalate_l3(), To(Escalated, None)),
            (Claimed, A, alice(), escalate_l3(), To(Escalated, None)),
            (Claimed, A, bob(), escalate_l3(), NotAssignee),
            (Claimed, A, jan(), escalate_l3(), BadTransition),
            (
                WaitingOnUser,
                A,
                alice(),
                escalate_l3(),
                To(Escalated, None),
            ),
            (WaitingOnUser, A, bob(), escalate_l3(), NotAssignee),
            (Resolved, A, alice(), escalate_l3(), BadTransition),
            (Closed, A, alice(), escalate_l3(), BadTransition),
            // Claimed: only an unassigned new or escalated ticket; an assigned one names its owner.
            (New, None, bob(), claim("bob"), To(Claimed, B)),
            (Escalated, None, bob(), claim("bob"), To(Claimed, B)),
            (Claimed, A, bob(), claim("bob"), AlreadyClaimed),
            (Claimed, A, alice(), claim("alice"), AlreadyClaimed),
            (WaitingOnUser, A, bob(), claim("bob"), AlreadyClaimed),
            (Resolved, A, bob(), claim("bob"), AlreadyClaimed),
            (Closed, None, bob(), claim("bob"), BadTransition),
            // Unclaimed: the assignee gives an open ticket back to its queue.
            (Claimed, A, alice(), unclaim(), To(Escalated, None)),
            (WaitingOnUser, A, alice(), unclaim(), To(Escalated, None)),
            (Claimed, A, bob(), unclaim(), NotAssignee),
            (Claimed, A, jan(), unclaim(), BadTransition),
            (Escalated, None, alice(), unclaim(), BadTransition),
            // ...but a finished ticket comes back only through Reopened.
            (Resolved, A, alice(), unclaim(), BadTransition),
            (Closed, A, alice(), unclaim(), BadTransition),
            // Transferred (the desk checks who may): to an agent claims it for them, to a queue
            // puts it back unassigned; never once finished.
            (Escalated, None, bob(), to_agent("bob"), To(Claimed, B)),
            (Claimed, A, alice(), to_agent("bob"), To(Claimed, B)),
            (WaitingOnUser, A, alice(), to_agent("bob"), To(Claimed, B)),
            (
                Claimed,
                A,
                alice(),
                to_queue("l2-general"),
                To(Escalated, None),
            ),
            (
                New,
                None,
                bob(),
                to_queue("l2-general"),
                To(Escalated, None),
            ),
            (Resolved, A, alice(), to_agent("bob"), BadTransition),
            (Closed, A, alice(), to_queue("l2-general"), BadTransition),
            // AgentReplied: the assignee, on an open ticket; it is theirs again after an answer.
            (Claimed, A, alice(), agent_reply(), To(Claimed, A)),
            (WaitingOnUser, A, alice(), agent_reply(), To(Claimed, A)),
            (Claimed, A, bob(), agent_reply(), NotAssignee),
            (Claimed, A, jan(), agent_reply(), BadTransition),
            (Escalated, None, alice(), agent_reply(), BadTransition),
            (Resolved, A, alice(), agent_reply(), BadTransition),
            // AskedUser: the same, and the ticket waits for the user.
            (Claimed, A, alice(), ask(), To(WaitingOnUser, A)),
            (WaitingOnUser, A, alice(), ask(), To(WaitingOnUser, A)),
            (Claimed, A, bob(), ask(), NotAssignee),
            (Escalated, None, bob(), ask(), BadTransition),
            (Closed, A, alice(), ask(), BadTransition),
            // UserReplied: recorded in any state; an answer ends the wait.
            (WaitingOnUser, A, jan(), user_reply(), To(Claimed, A)),
            (Claimed, A, jan(), user_reply(), To(Claimed, A)),
            (Escalated, None, jan(), user_reply(), To(Escalated, None)),
            (New, None, jan(), user_reply(), To(New, None)),
            (Resolved, A, jan(), user_reply(), To(Resolved, A)),
            // Resolved: the assignee, on an open ticket.
            (Claimed, A, alice(), resolve(), To(Resolved, A)),
            (WaitingOnUser, A, alice(), resolve(), To(Resolved, A)),
            (Claimed, A, bob(), resolve(), NotAssignee),
            (Claimed, A, jan(), resolve(), BadTransition),
            (Escalated, None, alice(), resolve(), BadTransition),
            (New, None, bob(), resolve(), BadTransition),
            (Resolved, A, alice(), resolve(), BadTransition),
            (Closed, A, alice(), resolve(), BadTransition),
            // TimeLogged: the assignee, also after resolving (time is often logged late).
            (Claimed, A, alice(), log_time(), To(Claimed, A)),
            (Resolved, A, alice(), log_time(), To(Resolved, A)),
            (Claimed, A, bob(), log_time(), NotAssignee),
            (Escalated, None, alice(), log_time(), BadTransition),
            // Reopened: only a finished ticket; back to its assignee, else to its queue.
            (Resolved, A, jan(), reopen(), To(Claimed, A)),
            (Resolved, A, bob(), reopen(), To(Claimed, A)),
            (Closed, A, alice(), reopen(), To(Claimed, A)),
            (Closed, None, bob(), reopen(), To(Escalated, None)),
            (New, None, jan(), reopen(), BadTransition),
            (Escalated, None, jan(), reopen(), BadTransition),
            (Claimed, A, jan(), reopen(), BadTransition),
            (WaitingOnUser, A, alice(), reopen(), BadTransition),
            // Rated: 1 to 5, once the ticket is finished.
            (Resolved, A, jan(), rate(5), To(Resolved, A)),
            (Resolved, A, jan(), rate(1), To(Resolved, A)),
            (Closed, A, jan(), rate(3), To(Closed, A)),
            (Resolved, A, jan(), rate(0), BadTransition),
            (Resolved, A, jan(), rate(6), BadTransition),
            (Claimed, A, jan(), rate(5), BadTransition),
            (Escalated, None, jan(), rate(5), BadTransition),
            (WaitingOnUser, A, jan(), rate(5), BadTransition),
            // Closed: from anything but closed.
            (New, None, Actor::Bot, Change::Closed, To(Closed, None)),
            (
                Escalated,
                None,
                Actor::Bot,
                Change::Closed,
                To(Closed, None),
            ),
            (Claimed, A, alice(), Change::Closed, To(Closed, A)),
            (WaitingOnUser, A, Actor::Bot, Change::Closed, To(Closed, A)),
            (Resolved, A, Actor::Bot, Change::Closed, To(Closed, A)),
            (Closed, A, Actor::Bot, Change::Closed, BadTransition),
        ]
    }

    #[test]
    fn every_change_from_every_status() {
        let mut failures = Vec::new();
        for (i, (from, assignee, actor, change, want)) in table().into_iter().enumerate() {
            let before = ticket(from, assignee);
            let mut t = before.clone();
            let got = match t.apply(&actor, &change, 9_000) {
                Ok(()) => To(
                    t.status,
                    t.assignee.as_deref().map(|a| match a {
                        "alice" => "alice",
                        "bob" => "bob",
                        other => panic!("unexpected assignee {other}"),
                    }),
                ),
                Err(e) => {
                    if t != before {
                        failures.push(format!("row {i}: refused but changed the ticket"));
                    }
                    kind(&e)
                }
            };
            if got != want {
                failures.push(format!(
                    "row {i}: {} ({assignee:?}) + {} by {actor:?}: want {want:?}, got {got:?}",
                    from.as_str(),
                    change.kind(),
                ));
            }
            if let To(..) = got {
                assert_eq!(
                    t.updated_ms, 9_000,
                    "row {i}: applied changes stamp the time"
                );
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    /// Every change variant appears in the table (a new variant needs rows).
    #[test]
    fn table_covers_every_change() {
        let kinds: std::collections::BTreeSet<&str> =
            table().iter().map(|(.., c, _)| c.kind()).collect();
        let all = [
            "opened",
            "escalated",
            "claimed",
            "unclaimed",
            "transferred",
            "agent_replied",
            "asked_user",
            "user_replied",
            "resolved",
            "time_logged",
            "reopened",
            "rated",
            "closed",
        ];
        for k in all {
            assert!(kinds.contains(k), "no row for {k}");
        }
    }

    /// What the transitions carry besides status and assignee.
    #[test]
    fn side_effects() {
        // A claim is the first response; a later claim does not move it.
        let mut t = ticket(Escalated, None);
        t.apply(&alice(), &claim("alice"), 2_000).unwrap();
        assert_eq!(t.first_response_ms, Some(2_000));
        assert_eq!(t.assignee_user, Some(UserRef::local("alice")));
        t.apply(&alice(), &unclaim(), 3_000).unwrap();
        assert_eq!(t.assignee_user, None);
        t.apply(&bob(), &claim("bob"), 4_000).unwrap();
        assert_eq!(t.first_response_ms, Some(2_000));

        // An escalation moves queue and tier and clears the assignee.
        t.apply(&bob(), &escalate_l3(), 5_000).unwrap();
        assert_eq!(
            (t.queue.as_str(), t.tier, &t.assignee),
            ("l3-engineering", Tier::L3, &None)
        );

        // Replies go to the transcript with who wrote them.
        t.apply(&alice(), &claim("alice"), 6_000).unwrap();
        t.apply(&alice(), &ask(), 6_100).unwrap();
        t.apply(&jan(), &user_reply(), 6_200).unwrap();
        let lines: Vec<(&str, &str)> = t
            .transcript
            .iter()
            .map(|l| (l.from.as_str(), l.text.as_str()))
            .collect();
        assert_eq!(
            lines,
            [("agent:alice", "which laptop?"), ("user", "the old one")]
        );

        // Resolving stamps the time and adds the minutes; logging adds more; reopening clears
        // the resolution time; a rating is kept.
        t.apply(&alice(), &resolve(), 7_000).unwrap();
        assert_eq!((t.resolved_ms, t.minutes_spent), (Some(7_000), 15));
        t.apply(&alice(), &log_time(), 7_100).unwrap();
        assert_eq!(t.minutes_spent, 20);
        t.apply(&jan(), &rate(4), 7_200).unwrap();
        assert_eq!(t.rating, Some(4));
        t.apply(&jan(), &reopen(), 8_000).unwrap();
        assert_eq!((t.status, t.resolved_ms), (Claimed, None));
    }
}
