//! Reports: ticket volume and its trends, spikes, the staffing heatmap, backlog, response and
//! resolution times, SLA attainment, escalations, deflection, CSAT, changes, hours and agents'
//! workload, all from the ticket event log through its compact projection (one [`FactRecord`]
//! per ticket, kept by the store in the same transaction as the events) and the bot's counters
//! (FAQ offered and answered per hour, intent and article).
//!
//! The core does no I/O: a [`Builder`] takes records and counters one at a time (the store
//! scans them), so a report over a million tickets holds a few bytes per ticket (the durations
//! it takes medians of), never the tickets. The metrics' definitions are in the README
//! ("Reports").

pub mod charts;
pub mod chat;
pub mod facts;

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

pub use facts::{
    ChangeOutcome, ChangeRequest, FactRecord, NEVER, NO_NAME, NameId, ReportFacts, SlaOutcome,
};

/// How volume is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "day" => Some(Period::Day),
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }
}

/// Which tickets a report counts, besides their creation date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Filters {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

impl Filters {
    /// Whether only intent and platform are filtered (the bot's counters know nothing else).
    fn bot_counters_apply(&self) -> bool {
        self.organisation.is_none() && self.department.is_none() && self.queue.is_none()
    }
}

/// What to report on.
#[derive(Debug, Clone)]
pub struct Params {
    /// First and last day, inclusive, in `tz`.
    pub from: Date,
    pub to: Date,
    pub by: Period,
    pub tz: TimeZone,
    /// The zone's name as configured (`Europe/Warsaw`).
    pub tz_name: String,
    pub filters: Filters,
}

/// The names behind [`NameId`]s (index = id; 0 is "none").
#[derive(Debug, Clone, Default)]
pub struct Names(pub Vec<String>);

impl Names {
    pub fn name(&self, id: NameId) -> &str {
        match self.0.get(usize::from(id)) {
            Some(s) if id != NO_NAME => s,
            _ => "(none)",
        }
    }

    pub fn id(&self, name: &str) -> Option<NameId> {
        self.0
            .iter()
            .position(|n| n == name)
            .filter(|&i| i != 0)
            .and_then(|i| NameId::try_from(i).ok())
    }
}

/// What the bot's counters count, per UTC hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BotCountKind {
    /// An FAQ article was offered as the answer.
    FaqOffered = 1,
    /// The user said it helped: a conversation solved without a ticket.
    FaqHelped = 2,
    /// The user said it did not help.
    FaqNotHelped = 3,
}

impl BotCountKind {
    pub fn from_code(c: u8) -> Option<BotCountKind> {
        match c {
            1 => Some(BotCountKind::FaqOffered),
            2 => Some(BotCountKind::FaqHelped),
            3 => Some(BotCountKind::FaqNotHelped),
            _ => None,
        }
    }
}

/// One stored counter of the bot's turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BotCount {
    /// Hours since the Unix epoch (UTC).
    pub hour: u32,
    pub kind: BotCountKind,
    pub platform: u8,
    pub intent: NameId,
    pub article: NameId,
    pub n: u64,
}

/// A contract's use in the report's months, for the hours table (`contract` is `overage` for
/// time charged past every contract).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractHours {
    pub contract: String,
    pub organisation: String,
    pub kind: String,
    /// Minutes charged to it in the months of the range.
    pub used_minutes: i64,
    /// A block's hours (with top-ups), a plan's per month, an annual commitment's per year.
    pub size_minutes: Option<i64>,
    /// What is left on the range's last day.
    pub left_minutes: Option<i64>,
}

/// Median, 90th percentile and mean of durations, wall-clock and in business hours.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Durations {
    pub count: u64,
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<f64>,
    pub mean_minutes: Option<f64>,
    pub business_count: u64,
    pub business_median_minutes: Option<f64>,
    pub business_p90_minutes: Option<f64>,
    pub business_mean_minutes: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupDurations {
    pub name: String,
    #[serde(flatten)]
    pub durations: Durations,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DurationsBy {
    pub priority: Vec<GroupDurations>,
    pub category: Vec<GroupDurations>,
    pub tier: Vec<GroupDurations>,
    pub agent: Vec<GroupDurations>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodCount {
    pub period: String,
    pub tickets: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backlog {
    pub period: String,
    /// Tickets open at the end of the period.
    pub open: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedCount {
    pub name: String,
    pub tickets: u64,
}

/// A dimension's value with its tickets in each period (in `volume`'s order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    pub name: String,
    pub tickets: u64,
    pub periods: Vec<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VolumeBy {
    pub intent: Vec<Split>,
    pub category: Vec<Split>,
    pub priority: Vec<Split>,
    pub queue: Vec<Split>,
    pub organisation: Vec<Split>,
    pub department: Vec<Split>,
    pub platform: Vec<Split>,
    pub language: Vec<Split>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spike {
    pub period: String,
    pub tickets: u64,
    /// The trailing baseline it is compared with.
    pub baseline: f64,
    /// What drove it: the intents and organisations most above their own baselines.
    pub intents: Vec<NamedCount>,
    pub organisations: Vec<NamedCount>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Attainment {
    pub met: u64,
    pub breached: u64,
    /// met / (met + breached).
    pub attainment: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sla {
    pub first_response: Attainment,
    pub next_response: Attainment,
    pub resolution: Attainment,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Escalation {
    pub tickets: u64,
    pub reached_l2: u64,
    pub reached_l3: u64,
    pub reached_vendor: u64,
    /// Tickets / (tickets + conversations the FAQ solved).
    pub l1_to_l2: Option<f64>,
    pub l2_to_l3: Option<f64>,
    pub l3_to_vendor: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeflectionRow {
    pub name: String,
    pub offered: u64,
    pub helped: u64,
    pub not_helped: u64,
    /// helped / offered.
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Deflection {
    /// Whether the bot's counters could be filtered as asked (they know intent and platform
    /// only); when not, these figures are for every organisation.
    pub filtered: bool,
    pub offered: u64,
    pub helped: u64,
    pub not_helped: u64,
    pub by_intent: Vec<DeflectionRow>,
    pub by_article: Vec<DeflectionRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Csat {
    /// Tickets resolved (each asked for a rating).
    pub asked: u64,
    pub rated: u64,
    pub response_rate: Option<f64>,
    /// Ratings 1 to 5.
    pub distribution: [u64; 5],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRow {
    pub name: String,
    pub completed: u64,
    pub successful: u64,
    pub failed: u64,
    pub rolled_back: u64,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Changes {
    /// Tickets marked as changes (created in the range).
    pub marked: u64,
    pub completed: u64,
    pub successful: u64,
    pub failed: u64,
    pub rolled_back: u64,
    /// By the month each was completed (resolved), and by category.
    pub by_month: Vec<ChangeRow>,
    pub by_category: Vec<ChangeRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgHours {
    pub organisation: String,
    pub tickets: u64,
    pub minutes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentLoad {
    pub agent: String,
    pub claimed: u64,
    pub resolved: u64,
    pub handling_minutes: u64,
}

/// A whole report (`frontline report --format json` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub by: Period,
    pub timezone: String,
    pub filters: Filters,
    /// Tickets created in the range (matching the filters).
    pub tickets: u64,
    pub volume: Vec<PeriodCount>,
    pub volume_by: VolumeBy,
    pub spikes: Vec<Spike>,
    pub backlog: Vec<Backlog>,
    /// 7 rows (Monday first) of 24 hours: tickets by the local time they were opened.
    pub heatmap: Vec<[u64; 24]>,
    pub first_response: Durations,
    pub next_response: Durations,
    pub resolution: Durations,
    pub first_response_by: DurationsBy,
    pub next_response_by: DurationsBy,
    pub resolution_by: DurationsBy,
    pub resolved: u64,
    pub reopen_rate: Option<f64>,
    pub first_contact_resolution_rate: Option<f64>,
    pub sla: Sla,
    pub escalation: Escalation,
    pub deflection_rate: Option<f64>,
    pub deflection: Deflection,
    pub csat_average: Option<f64>,
    pub csat: Csat,
    pub change_success_rate: Option<f64>,
    pub changes: Changes,
    pub hours: Vec<OrgHours>,
    pub contracts: Vec<ContractHours>,
    pub agents: Vec<AgentLoad>,
}

/// Milliseconds since the epoch of local midnight starting `d` in `tz`.
pub fn day_start_ms(d: Date, tz: &TimeZone) -> u64 {
    d.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond().max(0) as u64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 of a civil date.
fn day_number(d: Date) -> i64 {
    let epoch = jiff::civil::date(1970, 1, 1);
    (d - epoch).get_days() as i64
}

fn date_of(n: i64) -> Date {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(n))
        .unwrap_or(jiff::civil::date(1970, 1, 1))
}

/// The period label of a date.
pub fn period_label(by: Period, d: Date) -> String {
    match by {
        Period::Day => d.to_string(),
        Period::Week => {
            let w = d.iso_week_date();
            format!("{:04}-W{:02}", w.year(), w.week())
        }
        Period::Month => format!("{:04}-{:02}", d.year(), d.month()),
    }
}

/// Local time of instants, with the zone's offset cached per UTC hour (tickets come roughly in
/// time order, so one lookup serves many).
struct Clock {
    tz: TimeZone,
    hour: i64,
    offset_s: i64,
}

impl Clock {
    fn new(tz: TimeZone) -> Clock {
        Clock {
            tz,
            hour: i64::MIN,
            offset_s: 0,
        }
    }

    /// Local seconds since the epoch (as if the zone were UTC).
    fn local_s(&mut self, ms: u64) -> i64 {
        let s = (ms / 1000) as i64;
        let hour = s.div_euclid(3600);
        if hour != self.hour {
            self.hour = hour;
            self.offset_s = jiff::Timestamp::from_second(hour * 3600)
                .map(|t| i64::from(self.tz.to_offset(t).seconds()))
                .unwrap_or(0);
        }
        s + self.offset_s
    }
}

/// The periods of a range: their labels and first day numbers.
struct Periods {
    by: Period,
    from_day: i64,
    to_day: i64,
    /// First day of each period (clamped to the range), ascending.
    starts: Vec<i64>,
    labels: Vec<String>,
}

impl Periods {
    fn new(from: Date, to: Date, by: Period) -> Periods {
        let from_day = day_number(from);
        let to_day = day_number(to);
        let mut starts = vec![];
        let mut labels = vec![];
        let mut last = String::new();
        for n in from_day..=to_day {
            let label = period_label(by, date_of(n));
            if label != last {
                starts.push(n);
                labels.push(label.clone());
                last = label;
            }
        }
        Periods {
            by,
            from_day,
            to_day,
            starts,
            labels,
        }
    }

    /// The period of a local day in the range.
    fn index(&self, day: i64) -> Option<usize> {
        if day < self.from_day || day > self.to_day {
            return None;
        }
        Some(self.starts.partition_point(|&s| s <= day) - 1)
    }

    fn len(&self) -> usize {
        self.starts.len()
    }
}

/// Durations collected for medians: seconds, wall-clock and business.
#[derive(Debug, Default, Clone)]
struct Samples {
    wall: Vec<u32>,
    business: Vec<u32>,
}

impl Samples {
    fn push(&mut self, wall: u32, business: u32) {
        if wall != NEVER {
            self.wall.push(wall);
        }
        if business != NEVER {
            self.business.push(business);
        }
    }

    fn finish(mut self) -> Durations {
        let (c, m, p, a) = stats(&mut self.wall);
        let (bc, bm, bp, ba) = stats(&mut self.business);
        Durations {
            count: c,
            median_minutes: m,
            p90_minutes: p,
            mean_minutes: a,
            business_count: bc,
            business_median_minutes: bm,
            business_p90_minutes: bp,
            business_mean_minutes: ba,
        }
    }
}

/// Minutes from seconds, to two decimals.
pub fn minutes(seconds: f64) -> f64 {
    (seconds / 60.0 * 100.0).round() / 100.0
}

/// Count, median (the mean of the two middle values when even), 90th percentile (nearest
/// rank: the value at rank ⌈0.9·n⌉) and mean of `v` seconds, as minutes.
pub fn stats(v: &mut [u32]) -> (u64, Option<f64>, Option<f64>, Option<f64>) {
    let n = v.len();
    if n == 0 {
        return (0, None, None, None);
    }
    let sum: u64 = v.iter().map(|&x| u64::from(x)).sum();
    let mean = sum as f64 / n as f64;
    let (_, &mut hi, _) = v.select_nth_unstable(n / 2);
    let median = if n % 2 == 1 {
        f64::from(hi)
    } else {
        let lo = *v[..n / 2].iter().max().unwrap_or(&hi);
        (f64::from(lo) + f64::from(hi)) / 2.0
    };
    let rank = (n * 9).div_ceil(10).max(1);
    let (_, &mut p90, _) = v.select_nth_unstable(rank - 1);
    (
        n as u64,
        Some(minutes(median)),
        Some(minutes(f64::from(p90))),
        Some(minutes(mean)),
    )
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| (a as f64 / b as f64 * 10_000.0).round() / 10_000.0)
}

/// Values by a small number ([`NameId`], priority, tier): a vector, not a hash map, since a
/// report touches them once per ticket.
#[derive(Debug, Clone)]
struct Slots<T>(Vec<Option<T>>);

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots(Vec::new())
    }
}

impl<T> Slots<T> {
    fn get_or(&mut self, k: u16, make: impl FnOnce() -> T) -> &mut T {
        let i = usize::from(k);
        if i >= self.0.len() {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i].get_or_insert_with(make)
    }

    fn into_pairs(self) -> impl Iterator<Item = (u16, T)> {
        self.0
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as u16, v)))
    }
}

impl<T: Default> Slots<T> {
    fn at(&mut self, k: u16) -> &mut T {
        self.get_or(k, T::default)
    }
}

/// Dimensions volume is split by.
const DIMS: usize = 8;

/// Groups durations are split by: priority, category, tier, agent.
#[derive(Default)]
struct ByGroups {
    groups: [Slots<Samples>; 4],
}

impl ByGroups {
    fn push(&mut self, keys: [u16; 4], wall: u32, business: u32) {
        if wall == NEVER && business == NEVER {
            return;
        }
        for (g, k) in self.groups.iter_mut().zip(keys) {
            g.at(k).push(wall, business);
        }
    }

    fn finish(self, names: &Names) -> DurationsBy {
        let [p, c, t, a] = self.groups;
        let done = |m: Slots<Samples>, name: &dyn Fn(u16) -> String| {
            let mut v: Vec<GroupDurations> = m
                .into_pairs()
                .map(|(k, s)| GroupDurations {
                    name: name(k),
                    durations: s.finish(),
                })
                .collect();
            v.sort_by(|a, b| a.name.cmp(&b.name));
            v
        };
        DurationsBy {
            priority: done(p, &|k| format!("P{}", k + 1)),
            category: done(c, &|k| names.name(k).to_string()),
            tier: done(t, &|k| facts::tier_name(k as u8).to_string()),
            agent: done(a, &|k| names.name(k).to_string()),
        }
    }
}

#[derive(Default, Clone, Copy)]
struct ChangeTally {
    completed: u64,
    successful: u64,
    failed: u64,
    rolled_back: u64,
}

impl ChangeTally {
    fn add(&mut self, o: ChangeOutcome) {
        self.completed += 1;
        match o {
            ChangeOutcome::Successful => self.successful += 1,
            ChangeOutcome::Failed => self.failed += 1,
            ChangeOutcome::RolledBack => self.rolled_back += 1,
        }
    }

    fn row(self, name: String) -> ChangeRow {
        ChangeRow {
            name,
            completed: self.completed,
            successful: self.successful,
            failed: self.failed,
            rolled_back: self.rolled_back,
            rate: ratio(self.successful, self.completed),
        }
    }
}

/// Takes records and counters one at a time and makes the report.
pub struct Builder {
    params: Params,
    periods: Periods,
    clock: Clock,
    from_ms: u64,
    /// The end of the range (exclusive).
    to_ms: u64,
    /// Filter ids: `None` = no filter; `Some(None)` = a name nobody has (matches nothing).
    f_org: Option<Option<NameId>>,
    f_dept: Option<Option<NameId>>,
    f_queue: Option<Option<NameId>>,
    f_intent: Option<Option<NameId>>,
    f_platform: Option<Option<u8>>,
    tickets: u64,
    volume: Vec<u64>,
    /// Per dimension: value → tickets per period.
    splits: [Slots<Vec<u64>>; DIMS],
    backlog_delta: Vec<i64>,
    heatmap: [[u64; 24]; 7],
    first: Samples,
    next: Samples,
    resolution: Samples,
    first_by: ByGroups,
    next_by: ByGroups,
    resolution_by: ByGroups,
    resolved: u64,
    ever_resolved: u64,
    reopened: u64,
    fcr: u64,
    sla: [[u64; 2]; 3],
    reached: [u64; 3],
    csat: [u64; 5],
    changes_marked: u64,
    changes: ChangeTally,
    changes_by_month: BTreeMap<String, ChangeTally>,
    changes_by_category: Slots<ChangeTally>,
    hours: Slots<(u64, u64)>,
    agents: Slots<[u64; 3]>,
    bot_filtered: bool,
    deflection: HashMap<(BotCountKind, u16, u16), u64>,
    /// Month labels cached per local day number.
    month_cache: (i64, String),
}

fn filter_id(names: &Names, f: &Option<String>) -> Option<Option<NameId>> {
    f.as_ref().map(|n| names.id(n))
}

impl Builder {
    pub fn new(params: Params, names: &Names) -> Builder {
        let periods = Periods::new(params.from, params.to, params.by);
        let from_ms = day_start_ms(params.from, &params.tz);
        let to_ms = day_start_ms(params.to.tomorrow().unwrap_or(params.to), &params.tz);
        let f = &params.filters;
        let f_platform = f
            .platform
            .as_ref()
            .map(|p| (0..=5u8).find(|&c| facts::platform_name(c).eq_ignore_ascii_case(p)));
        let n = periods.len();
        Builder {
            f_org: filter_id(names, &f.organisation),
            f_dept: filter_id(names, &f.department),
            f_queue: filter_id(names, &f.queue),
            f_intent: filter_id(names, &f.intent),
            f_platform,
            bot_filtered: f.bot_counters_apply(),
            clock: Clock::new(params.tz.clone()),
            params,
            periods,
            from_ms,
            to_ms,
            tickets: 0,
            volume: vec![0; n],
            splits: Default::default(),
            backlog_delta: vec![0; n + 1],
            heatmap: [[0; 24]; 7],
            first: Samples::default(),
            next: Samples::default(),
            resolution: Samples::default(),
            first_by: ByGroups::default(),
            next_by: ByGroups::default(),
            resolution_by: ByGroups::default(),
            resolved: 0,
            ever_resolved: 0,
            reopened: 0,
            fcr: 0,
            sla: [[0; 2]; 3],
            reached: [0; 3],
            csat: [0; 5],
            changes_marked: 0,
            changes: ChangeTally::default(),
            changes_by_month: BTreeMap::new(),
            changes_by_category: Slots::default(),
            hours: Slots::default(),
            agents: Slots::default(),
            deflection: HashMap::new(),
            month_cache: (i64::MIN, String::new()),
        }
    }

    fn matches(&self, r: &FactRecord) -> bool {
        fn ok(f: Option<Option<NameId>>, v: NameId) -> bool {
            match f {
                None => true,
                Some(Some(id)) => id == v,
                Some(None) => false,
            }
        }
        ok(self.f_org, r.organisation)
            && ok(self.f_dept, r.department)
            && ok(self.f_queue, r.queue)
            && ok(self.f_intent, r.intent)
            && match self.f_platform {
                None => true,
                Some(Some(p)) => p == r.platform,
                Some(None) => false,
            }
    }

    /// The period an instant falls in (`Some(len)` after the range, `Some(0)` before it: for
    /// the backlog), by its local day.
    fn backlog_slot(&mut self, ms: u64) -> usize {
        if ms < self.from_ms {
            return 0;
        }
        if ms >= self.to_ms {
            return self.periods.len();
        }
        let day = self.clock.local_s(ms).div_euclid(86_400);
        self.periods.index(day).unwrap_or(self.periods.len())
    }

    /// Takes one ticket's record.
    pub fn ticket(&mut self, r: &FactRecord) {
        if !self.matches(r) || r.created_ms >= self.to_ms {
            return;
        }
        // Backlog: open from its creation to its last resolution (closed without one: never
        // counted, see the README).
        if r.resolved() || r.status == 0 {
            let start = self.backlog_slot(r.created_ms);
            let end = if r.resolved() {
                self.backlog_slot(r.created_ms + u64::from(r.resolved_s) * 1000)
            } else {
                self.periods.len()
            };
            // Open at the end of periods start..end (end exclusive: resolved within `end`).
            if start < end {
                self.backlog_delta[start] += 1;
                self.backlog_delta[end] -= 1;
            }
        }
        if r.created_ms < self.from_ms {
            return;
        }
        let local = self.clock.local_s(r.created_ms);
        let day = local.div_euclid(86_400);
        let Some(p) = self.periods.index(day) else {
            return;
        };
        self.tickets += 1;
        self.volume[p] += 1;
        let weekday = (day + 3).rem_euclid(7) as usize;
        let hour = (local.rem_euclid(86_400) / 3600) as usize;
        self.heatmap[weekday][hour] += 1;
        let n = self.periods.len();
        let dims = [
            r.intent,
            r.category,
            u16::from(r.priority),
            r.queue,
            r.organisation,
            r.department,
            u16::from(r.platform),
            r.language,
        ];
        for (m, k) in self.splits.iter_mut().zip(dims) {
            m.get_or(k, || vec![0; n])[p] += 1;
        }
        let groups = [
            u16::from(r.priority),
            r.category,
            u16::from(r.max_tier),
            r.resolver,
        ];
        let reply_groups = [
            u16::from(r.priority),
            r.category,
            u16::from(r.max_tier),
            r.first_agent,
        ];
        self.first.push(r.first_reply_s, r.first_reply_business_s);
        self.first_by
            .push(reply_groups, r.first_reply_s, r.first_reply_business_s);
        self.next.push(r.next_wait_s, r.next_wait_business_s);
        self.next_by
            .push(reply_groups, r.next_wait_s, r.next_wait_business_s);
        if r.resolved() {
            self.resolved += 1;
            self.resolution.push(r.resolved_s, r.resolution_business_s);
            self.resolution_by
                .push(groups, r.resolved_s, r.resolution_business_s);
            if r.reopens == 0 && !r.handed_on() {
                self.fcr += 1;
            }
        }
        if r.ever_resolved() {
            self.ever_resolved += 1;
            if r.reopens > 0 {
                self.reopened += 1;
            }
        }
        for (i, row) in self.sla.iter_mut().enumerate() {
            match r.sla(i as u8) {
                SlaOutcome::Met => row[0] += 1,
                SlaOutcome::Breached => row[1] += 1,
                SlaOutcome::None => {}
            }
        }
        for (i, n) in self.reached.iter_mut().enumerate() {
            if r.max_tier >= i as u8 + 2 {
                *n += 1;
            }
        }
        if (1..=5).contains(&r.rating) {
            self.csat[usize::from(r.rating) - 1] += 1;
        }
        if r.is_change() {
            self.changes_marked += 1;
            if let (Some(o), true) = (r.change_outcome(), r.resolved()) {
                self.changes.add(o);
                let done = r.created_ms + u64::from(r.resolved_s) * 1000;
                let d = self.clock.local_s(done).div_euclid(86_400);
                if self.month_cache.0 != d {
                    self.month_cache = (d, period_label(Period::Month, date_of(d)));
                }
                self.changes_by_month
                    .entry(self.month_cache.1.clone())
                    .or_default()
                    .add(o);
                self.changes_by_category.at(r.category).add(o);
            }
        }
        let h = self.hours.at(r.organisation);
        h.0 += 1;
        h.1 += u64::from(r.minutes);
        if r.first_agent != NO_NAME {
            self.agents.at(r.first_agent)[0] += 1;
        }
        if r.resolved() && r.resolver != NO_NAME {
            let a = self.agents.at(r.resolver);
            a[1] += 1;
            a[2] += u64::from(r.minutes);
        }
    }

    /// Takes one of the bot's counters.
    pub fn bot(&mut self, c: &BotCount) {
        let ms = u64::from(c.hour) * 3_600_000;
        if ms < self.from_ms.saturating_sub(3_600_000) || ms >= self.to_ms {
            return;
        }
        let day = self.clock.local_s(ms).div_euclid(86_400);
        if self.periods.index(day).is_none() {
            return;
        }
        match self.f_intent {
            Some(Some(id)) if id != c.intent => return,
            Some(None) => return,
            _ => {}
        }
        match self.f_platform {
            Some(Some(p)) if p != c.platform => return,
            Some(None) => return,
            _ => {}
        }
        *self
            .deflection
            .entry((c.kind, c.intent, c.article))
            .or_default() += c.n;
    }

    pub fn finish(self, names: &Names, contracts: Vec<ContractHours>) -> Report {
        let labels = &self.periods.labels;
        let volume: Vec<PeriodCount> = labels
            .iter()
            .zip(&self.volume)
            .map(|(l, &n)| PeriodCount {
                period: l.clone(),
                tickets: n,
            })
            .collect();
        let [
            intent,
            category,
            priority,
            queue,
            organisation,
            department,
            platform,
            language,
        ] = self.splits;
        let split = |m: Slots<Vec<u64>>, name: &dyn Fn(u16) -> String| {
            let mut v: Vec<Split> = m
                .into_pairs()
                .map(|(k, periods)| Split {
                    name: name(k),
                    tickets: periods.iter().sum(),
                    periods,
                })
                .collect();
            v.sort_by(|a, b| b.tickets.cmp(&a.tickets).then(a.name.cmp(&b.name)));
            v
        };
        let by_name = |k: u16| names.name(k).to_string();
        let volume_by = VolumeBy {
            intent: split(intent, &by_name),
            category: split(category, &by_name),
            priority: split(priority, &|k| format!("P{}", k + 1)),
            queue: split(queue, &by_name),
            organisation: split(organisation, &by_name),
            department: split(department, &by_name),
            platform: split(platform, &|k| facts::platform_name(k as u8).to_string()),
            language: split(language, &by_name),
        };
        let spikes = spikes(&self.periods, &self.volume, &volume_by);
        let mut open = 0i64;
        let backlog = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                open += self.backlog_delta[i];
                Backlog {
                    period: l.clone(),
                    open: open.max(0) as u64,
                }
            })
            .collect();
        let att = |[met, breached]: [u64; 2]| Attainment {
            met,
            breached,
            attainment: ratio(met, met + breached),
        };
        let mut deflection = Deflection {
            filtered: self.bot_filtered,
            ..Deflection::default()
        };
        let mut by_intent: HashMap<u16, [u64; 3]> = HashMap::new();
        let mut by_article: HashMap<u16, [u64; 3]> = HashMap::new();
        for (&(kind, intent, article), &n) in &self.deflection {
            let i = kind as usize - 1;
            match kind {
                BotCountKind::FaqOffered => deflection.offered += n,
                BotCountKind::FaqHelped => deflection.helped += n,
                BotCountKind::FaqNotHelped => deflection.not_helped += n,
            }
            by_intent.entry(intent).or_default()[i] += n;
            by_article.entry(article).or_default()[i] += n;
        }
        let rows = |m: HashMap<u16, [u64; 3]>| {
            let mut v: Vec<DeflectionRow> = m
                .into_iter()
                .map(|(k, [o, h, nh])| DeflectionRow {
                    name: names.name(k).to_string(),
                    offered: o,
                    helped: h,
                    not_helped: nh,
                    rate: ratio(h, o),
                })
                .collect();
            v.sort_by(|a, b| b.offered.cmp(&a.offered).then(a.name.cmp(&b.name)));
            v
        };
        deflection.by_intent = rows(by_intent);
        deflection.by_article = rows(by_article);
        let rated: u64 = self.csat.iter().sum();
        let csat_sum: u64 = self
            .csat
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u64 + 1) * n)
            .sum();
        let mut hours: Vec<OrgHours> = self
            .hours
            .into_pairs()
            .filter(|(k, _)| *k != NO_NAME)
            .map(|(k, (t, m))| OrgHours {
                organisation: names.name(k).to_string(),
                tickets: t,
                minutes: m,
            })
            .collect();
        hours.sort_by(|a, b| {
            b.minutes
                .cmp(&a.minutes)
                .then(a.organisation.cmp(&b.organisation))
        });
        let mut agents: Vec<AgentLoad> = self
            .agents
            .into_pairs()
            .map(|(k, [c, r, m])| AgentLoad {
                agent: names.name(k).to_string(),
                claimed: c,
                resolved: r,
                handling_minutes: m,
            })
            .collect();
        agents.sort_by(|a, b| a.agent.cmp(&b.agent));
        let mut by_category: Vec<ChangeRow> = self
            .changes_by_category
            .into_pairs()
            .map(|(k, t)| t.row(names.name(k).to_string()))
            .collect();
        by_category.sort_by(|a, b| a.name.cmp(&b.name));
        let p = &self.params;
        Report {
            from: p.from.to_string(),
            to: p.to.to_string(),
            by: p.by,
            timezone: p.tz_name.clone(),
            filters: p.filters.clone(),
            tickets: self.tickets,
            volume,
            volume_by,
            spikes,
            backlog,
            heatmap: self.heatmap.to_vec(),
            first_response: self.first.finish(),
            next_response: self.next.finish(),
            resolution: self.resolution.finish(),
            first_response_by: self.first_by.finish(names),
            next_response_by: self.next_by.finish(names),
            resolution_by: self.resolution_by.finish(names),
            resolved: self.resolved,
            reopen_rate: ratio(self.reopened, self.ever_resolved),
            first_contact_resolution_rate: ratio(self.fcr, self.resolved),
            sla: Sla {
                first_response: att(self.sla[0]),
                next_response: att(self.sla[1]),
                resolution: att(self.sla[2]),
            },
            escalation: Escalation {
                tickets: self.tickets,
                reached_l2: self.reached[0],
                reached_l3: self.reached[1],
                reached_vendor: self.reached[2],
                l1_to_l2: ratio(self.tickets, self.tickets + deflection.helped),
                l2_to_l3: ratio(self.reached[1], self.reached[0]),
                l3_to_vendor: ratio(self.reached[2], self.reached[1]),
            },
            deflection_rate: ratio(deflection.helped, deflection.offered),
            deflection,
            csat_average: (rated > 0)
                .then(|| (csat_sum as f64 / rated as f64 * 100.0).round() / 100.0),
            csat: Csat {
                asked: self.ever_resolved,
                rated,
                response_rate: ratio(rated, self.ever_resolved),
                distribution: self.csat,
            },
            change_success_rate: ratio(self.changes.successful, self.changes.completed),
            changes: Changes {
                marked: self.changes_marked,
                completed: self.changes.completed,
                successful: self.changes.successful,
                failed: self.changes.failed,
                rolled_back: self.changes.rolled_back,
                by_month: self
                    .changes_by_month
                    .into_iter()
                    .map(|(m, t)| t.row(m))
                    .collect(),
                by_category,
            },
            hours,
            contracts,
            agents,
        }
    }
}

/// The trailing baseline of period `i`: for days, the mean of the same weekday in the four
/// weeks before (at least two of them in the range); for weeks and months, the mean of the four
/// periods before (at least two).
fn baseline(periods: &Periods, counts: &[u64], i: usize) -> Option<f64> {
    let prior: Vec<u64> = match periods.by {
        Period::Day => (1..=4)
            .filter_map(|w| i.checked_sub(7 * w))
            .map(|j| counts[j])
            .collect(),
        _ => (1..=4)
            .filter_map(|w| i.checked_sub(w))
            .map(|j| counts[j])
            .collect(),
    };
    (prior.len() >= 2).then(|| prior.iter().sum::<u64>() as f64 / prior.len() as f64)
}

/// Whether `n` is a spike over `base`: at least 1.5 times it and more than three Poisson
/// standard deviations (√base, at least 1) above it.
pub fn is_spike(n: u64, base: f64) -> bool {
    let n = n as f64;
    n >= 1.5 * base && n > base + 3.0 * base.sqrt().max(1.0)
}

fn spikes(periods: &Periods, volume: &[u64], by: &VolumeBy) -> Vec<Spike> {
    let mut out = vec![];
    for (i, &n) in volume.iter().enumerate() {
        let Some(base) = baseline(periods, volume, i) else {
            continue;
        };
        if !is_spike(n, base) {
            continue;
        }
        let drivers = |splits: &[Split]| {
            let mut v: Vec<(f64, NamedCount)> = splits
                .iter()
                .filter_map(|s| {
                    let b = baseline(periods, &s.periods, i).unwrap_or(0.0);
                    let excess = s.periods[i] as f64 - b;
                    (excess > 0.0).then(|| {
                        (
                            excess,
                            NamedCount {
                                name: s.name.clone(),
                                tickets: s.periods[i],
                            },
                        )
                    })
                })
                .collect();
            v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
            v.into_iter().take(3).map(|(_, c)| c).collect()
        };
        out.push(Spike {
            period: periods.labels[i].clone(),
            tickets: n,
            baseline: (base * 100.0).round() / 100.0,
            intents: drivers(&by.intent),
            organisations: drivers(&by.organisation),
        });
    }
    out
}

/// Makes a report from what `store` keeps: every ticket's record, the bot's counters of the
/// range and the organisations' contracts. `progress` is told how many records were read, every
/// 100,000 (long reports say how far they are).
pub fn compute(
    store: &dyn crate::store::Store,
    params: Params,
    progress: &mut dyn FnMut(u64),
) -> Result<Report, crate::store::StoreError> {
    let names = store.report_names()?;
    let from_hour = u32::try_from(day_start_ms(params.from, &params.tz) / 3_600_000)
        .unwrap_or(0)
        .saturating_sub(1);
    let to_hour = u32::try_from(
        day_start_ms(params.to.tomorrow().unwrap_or(params.to), &params.tz) / 3_600_000,
    )
    .unwrap_or(u32::MAX)
    .saturating_add(1);
    let mut b = Builder::new(params, &names);
    let mut read = 0u64;
    store.scan_facts(&mut |r| {
        b.ticket(&r);
        read += 1;
        if read.is_multiple_of(100_000) {
            progress(read);
        }
    })?;
    store.scan_bot_counts(from_hour, to_hour, &mut |c| b.bot(&c))?;
    let org_filter = b.params.filters.organisation.clone();
    let first_month = period_label(Period::Month, b.params.from);
    let last_month = period_label(Period::Month, b.params.to);
    let last_day = b.params.to.to_string();
    let in_range = |m: &String| *m >= first_month && *m <= last_month;
    let mut contracts = vec![];
    for a in store.accounts()? {
        if org_filter.as_ref().is_some_and(|o| *o != a.id) {
            continue;
        }
        for c in &a.contracts {
            let used = a
                .used
                .get(&c.id)
                .map(|m| m.iter().filter(|(k, _)| in_range(k)).map(|(_, v)| v).sum())
                .unwrap_or(0);
            contracts.push(ContractHours {
                contract: c.id.clone(),
                organisation: a.id.clone(),
                kind: c.kind.as_str().to_string(),
                used_minutes: used,
                size_minutes: Some(match c.kind {
                    crate::contracts::Kind::Block => c.total_on(&last_day),
                    _ => c.minutes,
                }),
                left_minutes: Some(a.remaining(c, &last_day)),
            });
        }
        let overage: i64 = a
            .overage
            .iter()
            .filter(|(k, _)| in_range(k))
            .map(|(_, v)| v)
            .sum();
        if overage > 0 {
            contracts.push(ContractHours {
                contract: "overage".into(),
                organisation: a.id.clone(),
                kind: "overage".into(),
                used_minutes: overage,
                size_minutes: None,
                left_minutes: None,
            });
        }
    }
    Ok(b.finish(&names, contracts))
}
