//! What reports need to know about one ticket, folded from its events as they are applied
//! ([`ReportFacts::observe`], called by `Ticket::apply`) and completed by the desk with what needs
//! configuration (business time in the ticket's calendar, SLA outcomes, the requester's
//! department: [`annotate`]). The store keeps a fixed-size [`FactRecord`] of every ticket beside
//! it, written in the same transaction as the events, so a report reads one compact record per
//! ticket instead of the whole event log.

use serde::{Deserialize, Serialize};

use crate::clocks::calendar::Calendar;
use crate::config::SlaTarget;
use crate::tickets::{Actor, Change, Status, Ticket, Tier};

/// How an SLA clock ended for a ticket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaOutcome {
    /// Not decided: still running, or the ticket has no such clock.
    #[default]
    None,
    Met,
    Breached,
}

impl SlaOutcome {
    fn is_none(&self) -> bool {
        *self == SlaOutcome::None
    }
}

/// The outcome of a change (a ticket marked as one), given when it is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOutcome {
    Successful,
    Failed,
    RolledBack,
}

impl ChangeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOutcome::Successful => "successful",
            ChangeOutcome::Failed => "failed",
            ChangeOutcome::RolledBack => "rolled_back",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeOutcome> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "successful" | "success" | "ok" | "udana" | "udany" | "sukces" => {
                Some(ChangeOutcome::Successful)
            }
            "failed" | "fail" | "nieudana" | "nieudany" | "porazka" | "porażka" => {
                Some(ChangeOutcome::Failed)
            }
            "rolled_back" | "rollback" | "rolledback" | "wycofana" | "wycofany" => {
                Some(ChangeOutcome::RolledBack)
            }
            _ => None,
        }
    }

    fn code(self) -> u8 {
        match self {
            ChangeOutcome::Successful => 1,
            ChangeOutcome::Failed => 2,
            ChangeOutcome::RolledBack => 3,
        }
    }

    fn from_code(c: u8) -> Option<ChangeOutcome> {
        match c {
            1 => Some(ChangeOutcome::Successful),
            2 => Some(ChangeOutcome::Failed),
            3 => Some(ChangeOutcome::RolledBack),
            _ => None,
        }
    }
}

/// A ticket that is a change: its planned window and, once resolved, how it went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeRequest {
    /// Who marked it (an agent, or `rule:NAME` for an automation).
    pub by: String,
    pub marked_ms: u64,
    /// The planned window, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_start_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_end_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ChangeOutcome>,
}

/// Facts for reports, folded from the ticket's events (see the module's doc and the README's
/// "Reports" section for what each one means).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportFacts {
    /// An agent's first message to the requester (a reply or a question; never a claim, never
    /// the bot's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reply_ms: Option<u64>,
    /// Business seconds from opening to `first_reply_ms` in the ticket's calendar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reply_business_s: Option<u32>,
    /// Since when a message of the requester's (after the first agent reply) waits for an
    /// agent's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<u64>,
    /// Waits answered since the desk last measured them: (since, answered).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmeasured_waits: Vec<(u64, u64)>,
    /// The longest answered wait for a next response, wall-clock and business seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_wait_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_wait_business_s: Option<u32>,
    /// The last resolution (after any reopenings); none while the ticket is open again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_resolved_ms: Option<u64>,
    /// Business seconds from opening to `last_resolved_ms`, without the spans the resolution
    /// clock was paused (waiting on the requester, resolved until reopened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_business_s: Option<u32>,
    #[serde(default, skip_serializing_if = "is_zero16")]
    pub resolutions: u16,
    #[serde(default, skip_serializing_if = "is_zero16")]
    pub reopens: u16,
    /// The highest tier it reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tier: Option<Tier>,
    /// It went to another queue, tier or agent after opening (escalated, transferred,
    /// unclaimed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub handed_on: bool,
    /// The agent who claimed it first, and the agent of the last resolution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
    /// The requester's department in their organisation, when they have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "SlaOutcome::is_none")]
    pub sla_first_response: SlaOutcome,
    #[serde(default, skip_serializing_if = "SlaOutcome::is_none")]
    pub sla_next_response: SlaOutcome,
    #[serde(default, skip_serializing_if = "SlaOutcome::is_none")]
    pub sla_resolution: SlaOutcome,
}

fn is_zero16(n: &u16) -> bool {
    *n == 0
}

impl ReportFacts {
    /// Folds one applied change (`t` is the ticket after it).
    pub fn observe(&mut self, t: &Ticket, actor: &Actor, change: &Change, now: u64) {
        let by_agent = matches!(actor, Actor::Agent(_));
        match change {
            Change::Opened { .. } => self.max_tier = Some(t.tier),
            Change::AgentReplied { .. } | Change::AskedUser { .. } if by_agent => {
                self.first_reply_ms.get_or_insert(now);
                if let Some(since) = self.waiting_since.take() {
                    self.unmeasured_waits.push((since, now));
                    let wall = secs(now.saturating_sub(since));
                    self.next_wait_s = Some(self.next_wait_s.map_or(wall, |w| w.max(wall)));
                }
            }
            Change::UserReplied { .. } if t.status.is_open() && self.first_reply_ms.is_some() => {
                self.waiting_since.get_or_insert(now);
            }
            Change::Claimed { agent, .. } => {
                self.first_agent.get_or_insert_with(|| agent.clone());
            }
            Change::Escalated { .. } | Change::Unclaimed { .. } | Change::Transferred { .. } => {
                self.handed_on = true;
            }
            Change::Resolved { .. } => {
                self.last_resolved_ms = Some(now);
                self.resolution_business_s = None;
                self.resolutions = self.resolutions.saturating_add(1);
                self.waiting_since = None;
                if let Actor::Agent(a) = actor {
                    self.resolver = Some(a.clone());
                }
            }
            Change::Reopened { .. } => {
                self.last_resolved_ms = None;
                self.resolution_business_s = None;
                self.reopens = self.reopens.saturating_add(1);
            }
            _ => {}
        }
        if self.max_tier.is_none_or(|m| t.tier > m) {
            self.max_tier = Some(t.tier);
        }
    }
}

fn secs(ms: u64) -> u32 {
    u32::try_from(ms / 1000).unwrap_or(u32::MAX - 1)
}

/// What the desk adds after a turn, with the ticket's calendar and SLA targets at `now`:
/// business time of the first reply, the answered waits and the last resolution; the SLA
/// clocks' outcomes once decided; the requester's `department`.
pub fn annotate(
    t: &mut Ticket,
    cal: &Calendar,
    target: Option<&SlaTarget>,
    department: Option<String>,
    now: u64,
) {
    let created = t.created_ms;
    let paused = pauses_until(t, t.report.last_resolved_ms.unwrap_or(now));
    let f = &mut t.report;
    if f.department.is_none() {
        f.department = department;
    }
    if let (Some(at), None) = (f.first_reply_ms, f.first_reply_business_s) {
        f.first_reply_business_s = Some(secs(cal.business_ms(created, at, &[])));
    }
    for (since, answered) in std::mem::take(&mut f.unmeasured_waits) {
        let b = secs(cal.business_ms(since, answered, &[]));
        f.next_wait_business_s = Some(f.next_wait_business_s.map_or(b, |w| w.max(b)));
    }
    if let (Some(at), None) = (f.last_resolved_ms, f.resolution_business_s) {
        f.resolution_business_s = Some(secs(cal.business_ms(created, at, &paused)));
    }
    // SLA outcomes, judged again on every turn with the ticket's targets as they are (a
    // priority change changes them): a clock is decided once it stopped, met when the business
    // time it ran is within its budget.
    let judge = |ms: u64, minutes: u64| {
        if ms <= minutes.saturating_mul(60_000) {
            SlaOutcome::Met
        } else {
            SlaOutcome::Breached
        }
    };
    let first_stop = t.first_response_ms;
    let f = &mut t.report;
    let Some(target) = target else {
        f.sla_first_response = SlaOutcome::None;
        f.sla_next_response = SlaOutcome::None;
        f.sla_resolution = SlaOutcome::None;
        return;
    };
    f.sla_first_response = match first_stop {
        Some(stop) => judge(
            cal.business_ms(created, stop, &[]),
            target.first_response_minutes,
        ),
        None => SlaOutcome::None,
    };
    f.sla_next_response = match (target.next_response_minutes, f.next_wait_business_s) {
        (Some(m), Some(b)) => judge(u64::from(b) * 1000, m),
        _ => SlaOutcome::None,
    };
    f.sla_resolution = match (f.last_resolved_ms, f.resolution_business_s) {
        (Some(_), Some(b)) => judge(u64::from(b) * 1000, target.resolution_minutes),
        _ => SlaOutcome::None,
    };
    let _ = now;
}

/// The resolution clock's pauses up to `until` (see `clocks::sla`): spans waiting on the
/// requester and resolved until reopened.
fn pauses_until(t: &Ticket, until: u64) -> Vec<(u64, u64)> {
    t.clock
        .paused
        .iter()
        .map(|&(a, b)| (a, b.unwrap_or(until).min(until)))
        .filter(|(a, b)| a < b)
        .collect()
}

/// Small numbers for names (intents, categories, queues, organisations, departments, agents,
/// languages) in fact records: the store keeps the table.
pub type NameId = u16;
/// The id of "none" (no organisation, no department...).
pub const NO_NAME: NameId = 0;
/// Seconds meaning "never happened" in a record.
pub const NEVER: u32 = u32::MAX;

/// One ticket as reports read it: fixed size, names as [`NameId`]s, times as seconds after
/// `created_ms`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FactRecord {
    pub number: u64,
    pub created_ms: u64,
    pub first_reply_s: u32,
    pub first_reply_business_s: u32,
    pub next_wait_s: u32,
    pub next_wait_business_s: u32,
    /// Seconds from opening to the last resolution; [`NEVER`] while open.
    pub resolved_s: u32,
    pub resolution_business_s: u32,
    pub minutes: u32,
    pub intent: NameId,
    pub category: NameId,
    pub queue: NameId,
    pub organisation: NameId,
    pub department: NameId,
    pub first_agent: NameId,
    pub resolver: NameId,
    pub language: NameId,
    /// 0..=3 for P1..P4.
    pub priority: u8,
    /// `Platform` as a small number (see [`platform_code`]).
    pub platform: u8,
    /// 0 open, 1 resolved, 2 closed.
    pub status: u8,
    /// 1..=5, 0 when not rated.
    pub rating: u8,
    /// 1..=5 for L1..L5.
    pub max_tier: u8,
    pub reopens: u8,
    /// Two bits per clock: first response, next response, resolution (0 none, 1 met, 2
    /// breached).
    pub sla: u8,
    /// Bit 0: handed on; bit 1: a change; bits 2-3: the change's outcome; bit 4: ever
    /// resolved.
    pub flags: u8,
}

/// Bytes of an encoded [`FactRecord`] (without its number, which is its place).
pub const RECORD_BYTES: usize = 64;

impl FactRecord {
    pub fn is_change(&self) -> bool {
        self.flags & 2 != 0
    }

    pub fn handed_on(&self) -> bool {
        self.flags & 1 != 0
    }

    pub fn ever_resolved(&self) -> bool {
        self.flags & 16 != 0
    }

    pub fn change_outcome(&self) -> Option<ChangeOutcome> {
        ChangeOutcome::from_code((self.flags >> 2) & 3)
    }

    /// The outcome of clock `i` (0 first response, 1 next response, 2 resolution).
    pub fn sla(&self, i: u8) -> SlaOutcome {
        match (self.sla >> (2 * i)) & 3 {
            1 => SlaOutcome::Met,
            2 => SlaOutcome::Breached,
            _ => SlaOutcome::None,
        }
    }

    pub fn resolved(&self) -> bool {
        self.resolved_s != NEVER
    }

    /// The record of `t`, with `id` giving each name its number.
    pub fn of(t: &Ticket, mut id: impl FnMut(&str) -> NameId) -> FactRecord {
        let f = &t.report;
        let after = |ms: Option<u64>| match ms {
            Some(ms) => secs(ms.saturating_sub(t.created_ms)),
            None => NEVER,
        };
        let mut name = |s: Option<&str>| match s {
            Some(s) if !s.is_empty() => id(s),
            _ => NO_NAME,
        };
        let sla_code = |o: SlaOutcome| match o {
            SlaOutcome::None => 0u8,
            SlaOutcome::Met => 1,
            SlaOutcome::Breached => 2,
        };
        let resolved = if t.status.is_open() {
            None
        } else {
            f.last_resolved_ms
        };
        let mut flags = 0u8;
        if f.handed_on {
            flags |= 1;
        }
        if let Some(c) = &t.change {
            flags |= 2;
            flags |= c.outcome.map_or(0, ChangeOutcome::code) << 2;
        }
        if f.resolutions > 0 {
            flags |= 16;
        }
        FactRecord {
            number: t.number,
            created_ms: t.created_ms,
            first_reply_s: after(f.first_reply_ms),
            first_reply_business_s: f.first_reply_business_s.unwrap_or(NEVER),
            next_wait_s: f.next_wait_s.unwrap_or(NEVER),
            next_wait_business_s: f.next_wait_business_s.unwrap_or(NEVER),
            resolved_s: after(resolved),
            resolution_business_s: if resolved.is_some() {
                f.resolution_business_s.unwrap_or(NEVER)
            } else {
                NEVER
            },
            minutes: t.minutes_spent,
            intent: name(Some(&t.detection.intent)),
            category: name(Some(&t.category)),
            queue: name(Some(&t.queue)),
            organisation: name(t.organisation.as_deref()),
            department: name(f.department.as_deref()),
            first_agent: name(f.first_agent.as_deref()),
            resolver: name(f.resolver.as_deref()),
            language: name(Some(&t.detection.language)),
            priority: t.priority as u8,
            platform: platform_code(t.requester.platform),
            status: match t.status {
                Status::Resolved => 1,
                Status::Closed => 2,
                _ => 0,
            },
            rating: t.rating.unwrap_or(0),
            max_tier: f.max_tier.unwrap_or(t.tier) as u8 + 1,
            reopens: u8::try_from(f.reopens).unwrap_or(u8::MAX),
            sla: sla_code(f.sla_first_response)
                | sla_code(f.sla_next_response) << 2
                | sla_code(f.sla_resolution) << 4,
            flags,
        }
    }

    pub fn encode(&self, out: &mut [u8]) {
        let mut w = Cursor { buf: out, at: 0 };
        w.u64(self.created_ms);
        for v in [
            self.first_reply_s,
            self.first_reply_business_s,
            self.next_wait_s,
            self.next_wait_business_s,
            self.resolved_s,
            self.resolution_business_s,
            self.minutes,
        ] {
            w.u32(v);
        }
        for v in [
            self.intent,
            self.category,
            self.queue,
            self.organisation,
            self.department,
            self.first_agent,
            self.resolver,
            self.language,
        ] {
            w.u16(v);
        }
        for v in [
            self.priority,
            self.platform,
            self.status,
            self.rating,
            self.max_tier,
            self.reopens,
            self.sla,
            self.flags,
        ] {
            w.u8(v);
        }
    }

    /// The record at `b` (`RECORD_BYTES` long); `None` for an empty slot.
    pub fn decode(number: u64, b: &[u8]) -> Option<FactRecord> {
        if b.len() < RECORD_BYTES {
            return None;
        }
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or_default());
        let u16_at = |i: usize| u16::from_le_bytes(b[i..i + 2].try_into().unwrap_or_default());
        let created_ms = u64_at(0);
        if created_ms == 0 {
            return None;
        }
        Some(FactRecord {
            number,
            created_ms,
            first_reply_s: u32_at(8),
            first_reply_business_s: u32_at(12),
            next_wait_s: u32_at(16),
            next_wait_business_s: u32_at(20),
            resolved_s: u32_at(24),
            resolution_business_s: u32_at(28),
            minutes: u32_at(32),
            intent: u16_at(36),
            category: u16_at(38),
            queue: u16_at(40),
            organisation: u16_at(42),
            department: u16_at(44),
            first_agent: u16_at(46),
            resolver: u16_at(48),
            language: u16_at(50),
            priority: b[52],
            platform: b[53],
            status: b[54],
            rating: b[55],
            max_tier: b[56],
            reopens: b[57],
            sla: b[58],
            flags: b[59],
        })
    }
}

struct Cursor<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Cursor<'_> {
    fn put(&mut self, b: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.at..self.at + b.len()) {
            dst.copy_from_slice(b);
        }
        self.at += b.len();
    }
    fn u64(&mut self, v: u64) {
        self.put(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.put(&v.to_le_bytes());
    }
    fn u16(&mut self, v: u16) {
        self.put(&v.to_le_bytes());
    }
    fn u8(&mut self, v: u8) {
        self.put(&[v]);
    }
}

/// Records per stored chunk: a ticket's record lives in chunk `number / CHUNK` at slot
/// `number % CHUNK`. Each turn rewrites its tickets' chunks (1 KB each): larger chunks read
/// faster and write more.
pub const CHUNK: u64 = 16;

pub fn platform_code(p: crate::tickets::Platform) -> u8 {
    use crate::tickets::Platform::*;
    match p {
        Local => 0,
        Discord => 1,
        Slack => 2,
        Web => 3,
        Webhook => 4,
        Email => 5,
    }
}

pub fn platform_name(code: u8) -> &'static str {
    match code {
        0 => "local",
        1 => "discord",
        2 => "slack",
        3 => "web",
        4 => "webhook",
        _ => "email",
    }
}

/// Decoded records of one stored chunk (`key` is the chunk number).
pub fn decode_chunk(chunk: u64, value: &[u8], mut f: impl FnMut(FactRecord)) {
    for (slot, b) in value.chunks_exact(RECORD_BYTES).enumerate() {
        if let Some(r) = FactRecord::decode(chunk * CHUNK + slot as u64, b) {
            f(r);
        }
    }
}

/// `value` (a chunk, possibly empty or short) with `r` written into its slot.
pub fn patch_chunk(value: Option<&[u8]>, r: &FactRecord) -> Vec<u8> {
    let mut v = vec![0u8; CHUNK as usize * RECORD_BYTES];
    if let Some(old) = value {
        let n = old.len().min(v.len());
        v[..n].copy_from_slice(&old[..n]);
    }
    let slot = (r.number % CHUNK) as usize * RECORD_BYTES;
    r.encode(&mut v[slot..slot + RECORD_BYTES]);
    v
}

/// `max_tier` as a name.
pub fn tier_name(code: u8) -> &'static str {
    match code {
        1 => "L1",
        2 => "L2",
        3 => "L3",
        4 => "L4",
        _ => "L5",
    }
}
