//! Contracts and time, all pure: an organisation's [`Account`] (its people, its contracts and
//! what each contract has used per month), the [`Entry`]s of its ledger (each time entry and
//! refund, already split over the contracts it was charged to), the charging order, balances,
//! threshold alerts and monthly statements.
//!
//! Dates are the organisation's local dates (`YYYY-MM-DD`, months `YYYY-MM`; both sort as text):
//! the caller turns an instant into one with [`local_date`] in the organisation's time zone, so a
//! plan's hours reset on the 1st where the customer is.
//!
//! Charging order for `minutes` logged on `date` (see [`Account::charge`]):
//! 1. the monthly hours of managed-service plans running that day (oldest first);
//! 2. the yearly hours of annual commitments running that day (oldest first);
//! 3. unless a running plan sends what is past its hours to overage (`past = overage`): blocks
//!    running that day, the oldest unexpired first (expiry day included), then blocks past
//!    their expiry whose hours roll over;
//! 4. overage (the rest, on no contract).
//!
//! An account keeps per contract and month the minutes charged (`used`), and per month the
//! overage; every ledger entry adds its splits to the month it was made in, so a month's
//! statement sums exactly to the change of the balances it shows.

pub mod statement;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

pub use statement::{Statement, StatementRow};

/// The kinds of contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Prepaid hours (10/20/50/100 or any number), used until gone or expired.
    Block,
    /// A managed-service plan: a monthly fee with hours included each month.
    Plan,
    /// An annual commitment: hours per year at an agreed rate, billed monthly or quarterly.
    Annual,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Block => "block",
            Kind::Plan => "plan",
            Kind::Annual => "annual",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim().to_lowercase().as_str() {
            "block" => Some(Kind::Block),
            "plan" => Some(Kind::Plan),
            "annual" => Some(Kind::Annual),
            _ => None,
        }
    }
}

/// What an agent's time was spent on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activity {
    #[default]
    Remote,
    OnSite,
    Phone,
    Travel,
}

impl Activity {
    pub const ALL: [Activity; 4] = [
        Activity::Remote,
        Activity::OnSite,
        Activity::Phone,
        Activity::Travel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Remote => "remote",
            Activity::OnSite => "on-site",
            Activity::Phone => "phone",
            Activity::Travel => "travel",
        }
    }

    /// The forms agents type, in English and Polish (`on-site`, `onsite`, `na miejscu`...).
    pub fn parse(s: &str) -> Option<Activity> {
        let s = s.trim().to_lowercase().replace(['_', ' '], "-");
        Some(match s.as_str() {
            "remote" | "zdalnie" | "zdalna" | "zdalne" => Activity::Remote,
            "on-site" | "onsite" | "site" | "na-miejscu" | "wizyta" | "u-klienta" => {
                Activity::OnSite
            }
            "phone" | "call" | "telefon" | "telefonicznie" => Activity::Phone,
            "travel" | "dojazd" | "podroz" | "podróż" => Activity::Travel,
            _ => return None,
        })
    }
}

/// What a plan does with time past its monthly hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Past {
    /// Draw down the organisation's blocks, then overage.
    #[default]
    Blocks,
    /// Straight to overage at the plan's rate.
    Overage,
}

/// How an annual commitment is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Billing {
    #[default]
    Monthly,
    Quarterly,
}

/// Hours added to a block after its purchase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topup {
    /// The local date from which the hours count.
    pub date: String,
    pub minutes: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_cents: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    /// `C-1001`: unique in the store, never reused.
    pub id: String,
    pub kind: Kind,
    /// Block: the hours bought; plan: included per month; annual: per year (in minutes).
    pub minutes: i64,
    /// Block: its price; plan and annual: none (see the fee and rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_cents: Option<i64>,
    /// The first local date it counts (block: purchase date).
    pub start: String,
    /// The last local date it counts, if it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Block: hours left at expiry stay usable (after every unexpired block); plan: a month's
    /// unused hours carry into the next month; annual: a year's into the next year (each at
    /// most one period's hours).
    #[serde(default)]
    pub rollover: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_fee_cents: Option<i64>,
    /// Per hour, for time past a plan's hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overage_rate_cents: Option<i64>,
    #[serde(default)]
    pub past: Past,
    /// Annual: the agreed rate per hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_cents: Option<i64>,
    #[serde(default)]
    pub billing: Billing,
    /// A ticket of the organisation may be resolved only once time was logged on it.
    #[serde(default)]
    pub require_time: bool,
    #[serde(default)]
    pub topups: Vec<Topup>,
    /// The local date from which it no longer counts (closed early), if closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<String>,
    pub created_ms: u64,
}

/// One share of a ledger entry: minutes on a contract, or overage (`contract: None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub contract: Option<String>,
    pub minutes: i64,
}

/// A ledger entry: time logged on a ticket (or its refund), as charged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub org: String,
    /// Its number in the organisation's ledger, from 1.
    pub seq: u64,
    pub at_ms: u64,
    /// The organisation's local date it was logged on.
    pub date: String,
    pub ticket: String,
    /// The ticket event that logged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<u32>,
    /// Who logged it.
    pub agent: String,
    /// Negative for a refund.
    pub minutes: i64,
    pub activity: Activity,
    pub billable: bool,
    /// The entry this one refunds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_of: Option<u64>,
    /// Where its minutes went (empty when not billable).
    pub splits: Vec<Split>,
}

impl Entry {
    pub fn month(&self) -> &str {
        &self.date[..7.min(self.date.len())]
    }
}

/// An organisation with its contracts and what they have used. The account of an organisation
/// declared in the configuration holds only its contracts; its people come from the file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// Members as `platform:user-id`.
    #[serde(default)]
    pub users: Vec<String>,
    /// E-mail domains whose people belong to it (`acme.example`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Departments or user groups: name → members.
    #[serde(default)]
    pub departments: BTreeMap<String, Vec<String>>,
    /// Who is told about balances and alerts (`platform:user-id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// The business-hours calendar its SLAs count in (`[calendars.NAME]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// Its IANA time zone, when no calendar gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Declared in the configuration file (its people and calendar come from there).
    #[serde(default)]
    pub configured: bool,
    #[serde(default)]
    pub contracts: Vec<Contract>,
    /// Minutes charged per contract and month (refunds subtract in the month they are made).
    #[serde(default)]
    pub used: BTreeMap<String, BTreeMap<String, i64>>,
    /// Overage minutes per month.
    #[serde(default)]
    pub overage: BTreeMap<String, i64>,
    /// Ledger entries so far (the next entry is `entries + 1`).
    #[serde(default)]
    pub entries: u64,
    /// Alerts already sent (`C-1001:80`, `C-1002:2026-11:100`, `overage:2026-11`, `C-1001:expiry`).
    #[serde(default)]
    pub alerts: BTreeSet<String>,
    /// Months closed: their entries are billed.
    #[serde(default)]
    pub billed: BTreeSet<String>,
    /// Changes committed; a write built on an older revision is refused.
    #[serde(default)]
    pub rev: u64,
    #[serde(default)]
    pub created_ms: u64,
}

/// The local date of an instant in a zone.
pub fn local_date(ms: u64, tz: &TimeZone) -> String {
    let ts = i64::try_from(ms)
        .ok()
        .and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.to_zoned(tz.clone()).date().to_string()
}

/// An instant as RFC 3339 in a zone.
pub fn local_instant(ms: u64, tz: &TimeZone) -> String {
    let ts = i64::try_from(ms)
        .ok()
        .and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    crate::clocks::calendar::rfc3339(&ts.to_zoned(tz.clone()))
}

/// `YYYY-MM-DD` checked.
pub fn parse_date(s: &str) -> Result<String, String> {
    s.trim()
        .parse::<Date>()
        .map(|d| d.to_string())
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// `YYYY-MM` checked.
pub fn parse_month(s: &str) -> Result<String, String> {
    format!("{}-01", s.trim())
        .parse::<Date>()
        .map(|d| d.to_string()[..7].to_string())
        .map_err(|_| format!("`{s}` is not a month (YYYY-MM)"))
}

/// An amount as written (`1200`, `1200.5`, `1 200,50`) in cents.
pub fn parse_amount(s: &str) -> Result<i64, String> {
    let t: String = s.trim().chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.replace(',', ".");
    let bad = || format!("`{s}` is not an amount (like 1200 or 1200.50)");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 {
        return Err(bad());
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)
}

/// Cents as `1200.50`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Minutes as `12 h 30 min` (`-` for negative).
pub fn hours(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.abs();
    match (m / 60, m % 60) {
        (0, m) => format!("{sign}{m} min"),
        (h, 0) => format!("{sign}{h} h"),
        (h, m) => format!("{sign}{h} h {m} min"),
    }
}

/// The month after `month` (`2026-12` → `2027-01`).
pub fn next_month(month: &str) -> String {
    let (y, m) = split_month(month);
    if m == 12 {
        format!("{:04}-01", y + 1)
    } else {
        format!("{y:04}-{:02}", m + 1)
    }
}

/// The month before `month`.
pub fn prev_month(month: &str) -> String {
    let (y, m) = split_month(month);
    if m == 1 {
        format!("{:04}-12", y - 1)
    } else {
        format!("{y:04}-{:02}", m - 1)
    }
}

fn split_month(month: &str) -> (i32, u32) {
    let y = month.get(..4).and_then(|y| y.parse().ok()).unwrap_or(1970);
    let m = month.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    (y, m)
}

/// Months from `a` to `b` (`a` = `b` is 0).
fn months_between(a: &str, b: &str) -> i64 {
    let (ya, ma) = split_month(a);
    let (yb, mb) = split_month(b);
    (yb as i64 - ya as i64) * 12 + (mb as i64 - ma as i64)
}

/// The last day of a month (`2026-02` → `2026-02-28`).
pub fn last_day(month: &str) -> String {
    let first: Date = format!("{month}-01")
        .parse()
        .unwrap_or(Date::constant(1970, 1, 1));
    first.last_of_month().to_string()
}

impl Contract {
    /// Whether it counts on `date` at all (started, not closed, not past its expiry).
    pub fn runs_on(&self, date: &str) -> bool {
        self.start.as_str() <= date
            && self.closed.as_deref().is_none_or(|c| date < c)
            && self.expires.as_deref().is_none_or(|e| date <= e)
    }

    /// Whether it runs on any day of `month`.
    pub fn runs_in(&self, month: &str) -> bool {
        let first = format!("{month}-01");
        let last = last_day(month);
        self.start.as_str() <= last.as_str()
            && self.closed.as_deref().is_none_or(|c| c > first.as_str())
            && self.expires.as_deref().is_none_or(|e| e >= first.as_str())
    }

    fn month(&self) -> &str {
        &self.start[..7]
    }

    /// A block's hours bought up to and including `date`, top-ups included.
    pub fn total_on(&self, date: &str) -> i64 {
        self.minutes
            + self
                .topups
                .iter()
                .filter(|t| t.date.as_str() <= date)
                .map(|t| t.minutes)
                .sum::<i64>()
    }

    /// The first month of the period (plan: the month; annual: its contract year) holding
    /// `month`.
    fn period_start(&self, month: &str) -> String {
        match self.kind {
            Kind::Annual => {
                let k = months_between(self.month(), month).max(0) / 12;
                let mut m = self.month().to_string();
                for _ in 0..k * 12 {
                    m = next_month(&m);
                }
                m
            }
            _ => month.to_string(),
        }
    }

    fn period_months(&self) -> i64 {
        if self.kind == Kind::Annual { 12 } else { 1 }
    }
}

impl Account {
    pub fn contract(&self, id: &str) -> Option<&Contract> {
        self.contracts
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(id))
    }

    fn used_in(&self, contract: &str, month: &str) -> i64 {
        self.used
            .get(contract)
            .and_then(|m| m.get(month))
            .copied()
            .unwrap_or(0)
    }

    /// Minutes charged to `contract` in the months `from..=to`.
    fn used_between(&self, contract: &str, from: &str, to: &str) -> i64 {
        self.used
            .get(contract)
            .map(|m| {
                m.range(from.to_string()..=to.to_string())
                    .map(|(_, v)| *v)
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Minutes charged to `contract` in every month up to `to`.
    fn used_through(&self, contract: &str, to: &str) -> i64 {
        self.used
            .get(contract)
            .map(|m| m.range(..=to.to_string()).map(|(_, v)| *v).sum())
            .unwrap_or(0)
    }

    /// A plan's or annual commitment's minutes for the period holding `month`, carry-over
    /// included (at most one period's hours, from the period before only).
    ///
    /// Hours carried into a period are used before the period's own (oldest first, as blocks
    /// are), and what is left of them at its end is lost: a carry never carries again. So what
    /// a period carries on is its own hours less what it used beyond the carry it had, which
    /// depends on the period before, and so on back to the contract's first period.
    pub fn allowance(&self, c: &Contract, month: &str) -> i64 {
        let start = c.period_start(month);
        if !c.rollover || start.as_str() <= c.month() {
            return c.minutes;
        }
        let mut carry = 0;
        let mut period = c.month().to_string();
        while period < start {
            let mut next = period.clone();
            for _ in 0..c.period_months() {
                next = next_month(&next);
            }
            let used = self.used_between(&c.id, &period, &prev_month(&next));
            let own_left = c.minutes - (used - carry).max(0);
            carry = own_left.clamp(0, c.minutes);
            period = next;
        }
        c.minutes + carry
    }

    /// What `c` has left on `date`: a block's hours not used; a plan's or annual commitment's
    /// hours for the period holding `date` not used so far in it. Whether it runs that day is
    /// the caller's to ask (`Contract::runs_on`).
    pub fn remaining(&self, c: &Contract, date: &str) -> i64 {
        let month = &date[..7];
        match c.kind {
            Kind::Block => c.total_on(date) - self.used_through(&c.id, "9999-12"),
            Kind::Plan | Kind::Annual => {
                let start = c.period_start(month);
                self.allowance(c, month) - self.used_between(&c.id, &start, month)
            }
        }
    }

    /// Splits `minutes` logged on `date` over the contracts in the charging order (see the
    /// module's documentation). The splits' minutes add up to `minutes`; the last is overage
    /// when the contracts do not cover it.
    pub fn charge(&self, date: &str, minutes: i64) -> Vec<Split> {
        let mut left = minutes.max(0);
        let mut splits = vec![];
        let take = |c: &Contract, left: &mut i64, splits: &mut Vec<Split>| {
            let can = self.remaining(c, date).max(0).min(*left);
            if can > 0 {
                splits.push(Split {
                    contract: Some(c.id.clone()),
                    minutes: can,
                });
                *left -= can;
            }
        };
        let mut running: Vec<&Contract> =
            self.contracts.iter().filter(|c| c.runs_on(date)).collect();
        running.sort_by(|a, b| (&a.start, a.created_ms).cmp(&(&b.start, b.created_ms)));
        for kind in [Kind::Plan, Kind::Annual] {
            for c in running.iter().filter(|c| c.kind == kind) {
                take(c, &mut left, &mut splits);
            }
        }
        let to_overage = running
            .iter()
            .any(|c| c.kind == Kind::Plan && c.past == Past::Overage);
        if !to_overage {
            for c in running.iter().filter(|c| c.kind == Kind::Block) {
                take(c, &mut left, &mut splits);
            }
            let mut rolled: Vec<&Contract> = self
                .contracts
                .iter()
                .filter(|c| {
                    c.kind == Kind::Block
                        && c.rollover
                        && c.start.as_str() <= date
                        && c.closed.as_deref().is_none_or(|x| date < x)
                        && c.expires.as_deref().is_some_and(|e| e < date)
                })
                .collect();
            rolled.sort_by(|a, b| (&a.start, a.created_ms).cmp(&(&b.start, b.created_ms)));
            for c in rolled {
                take(c, &mut left, &mut splits);
            }
        }
        if left > 0 {
            splits.push(Split {
                contract: None,
                minutes: left,
            });
        }
        splits
    }

    /// The splits that give back `entry` on `date`: the same minutes to the same contracts, or
    /// to overage (a credit) for a contract that no longer counts that day.
    pub fn refund_splits(&self, entry: &Entry, date: &str) -> Vec<Split> {
        entry
            .splits
            .iter()
            .map(|s| {
                let keeps = s
                    .contract
                    .as_deref()
                    .and_then(|id| self.contract(id))
                    .is_some_and(|c| {
                        c.runs_on(date)
                            || (c.kind == Kind::Block && c.rollover && c.closed.is_none())
                    });
                Split {
                    contract: if keeps { s.contract.clone() } else { None },
                    minutes: -s.minutes,
                }
            })
            .collect()
    }

    /// Adds a committed entry's splits to the balances.
    pub fn apply(&mut self, entry: &Entry) {
        let month = entry.month().to_string();
        for s in &entry.splits {
            match &s.contract {
                Some(c) => {
                    *self
                        .used
                        .entry(c.clone())
                        .or_default()
                        .entry(month.clone())
                        .or_default() += s.minutes
                }
                None => *self.overage.entry(month.clone()).or_default() += s.minutes,
            }
        }
        self.entries = self.entries.max(entry.seq);
    }

    /// Per-contract balance lines on `date` for people: what is left, of how much.
    pub fn balances(&self, date: &str) -> Vec<Balance> {
        let month = &date[..7];
        self.contracts
            .iter()
            .filter(|c| {
                c.runs_on(date)
                    || (c.kind == Kind::Block
                        && c.rollover
                        && c.closed.is_none()
                        && c.start.as_str() <= date)
            })
            .map(|c| {
                let of = match c.kind {
                    Kind::Block => c.total_on(date),
                    _ => self.allowance(c, month),
                };
                Balance {
                    contract: c.id.clone(),
                    kind: c.kind,
                    left: self.remaining(c, date),
                    of,
                    used_this_month: self.used_in(&c.id, month),
                    expires: c.expires.clone(),
                }
            })
            .collect()
    }

    /// Minutes charged this month (contracts and overage).
    pub fn month_usage(&self, month: &str) -> i64 {
        self.used.values().filter_map(|m| m.get(month)).sum::<i64>()
            + self.overage.get(month).copied().unwrap_or(0)
    }

    /// The alerts `entry` (just applied) crosses that were not sent before, marking them sent:
    /// each threshold once per contract (per month for a plan, per contract year for an
    /// annual commitment), overage once per month.
    pub fn crossed(&mut self, entry: &Entry, thresholds: &[u8]) -> Vec<Alert> {
        let mut out = vec![];
        let month = entry.month().to_string();
        for s in &entry.splits {
            if s.minutes <= 0 {
                continue;
            }
            let Some(id) = &s.contract else {
                // Time and materials (no contract at all) is billed by the hour, not an alarm.
                if self.contracts.is_empty() {
                    continue;
                }
                let key = format!("overage:{month}");
                if self.alerts.insert(key) {
                    out.push(Alert::Overage {
                        month: month.clone(),
                        minutes: self.overage.get(&month).copied().unwrap_or(0),
                    });
                }
                continue;
            };
            let Some(c) = self.contract(id).cloned() else {
                continue;
            };
            let (of, period) = match c.kind {
                Kind::Block => (c.total_on(&entry.date), String::new()),
                _ => (
                    self.allowance(&c, &month),
                    format!(":{}", c.period_start(&month)),
                ),
            };
            if of <= 0 {
                continue;
            }
            let left = self.remaining(&c, &entry.date);
            let used = of - left;
            for &t in thresholds {
                if used * 100 >= of * t as i64 {
                    let key = format!("{}{period}:{t}", c.id);
                    if self.alerts.insert(key) {
                        out.push(Alert::Threshold {
                            contract: c.id.clone(),
                            percent: t,
                            left,
                            of,
                        });
                    }
                }
            }
        }
        out
    }
}

/// One contract's balance on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Balance {
    pub contract: String,
    pub kind: Kind,
    /// Minutes left (negative never: time past a contract goes on).
    pub left: i64,
    /// Minutes of the block, or of the plan's month / the annual year.
    pub of: i64,
    pub used_this_month: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A threshold crossed.
#[derive(Debug, Clone, PartialEq)]
pub enum Alert {
    Threshold {
        contract: String,
        percent: u8,
        left: i64,
        of: i64,
    },
    Overage {
        month: String,
        minutes: i64,
    },
}

/// A price list (`[pricing]`): the hourly rate, discounts per block size, the overage rate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pricing {
    pub currency: String,
    /// Per hour, in cents.
    pub hourly_rate_cents: Option<i64>,
    /// Per hour past every contract, in cents (default: the hourly rate).
    pub overage_rate_cents: Option<i64>,
    /// `(hours, percent off)`, by hours ascending: a block of at least `hours` gets the discount.
    pub discounts: Vec<(i64, u8)>,
}

impl Pricing {
    /// The list price of a block of `hours`: the hourly rate less the discount of the largest
    /// size it reaches.
    pub fn block_price(&self, hours: i64) -> Option<i64> {
        let rate = self.hourly_rate_cents?;
        let off = self
            .discounts
            .iter()
            .filter(|(h, _)| *h <= hours)
            .map(|(_, d)| *d as i64)
            .next_back()
            .unwrap_or(0);
        Some((rate * hours * (100 - off) + 50) / 100)
    }

    pub fn overage_rate(&self) -> Option<i64> {
        self.overage_rate_cents.or(self.hourly_rate_cents)
    }
}

/// Settings of `[contracts]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Percent used at which the contact and admins are told (default 80 and 100).
    pub thresholds: Vec<u8>,
    /// Days before a block's expiry the contact is warned (default 14; 0: never).
    pub expiry_warning_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            thresholds: vec![80, 100],
            expiry_warning_days: 14,
        }
    }
}
