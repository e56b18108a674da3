//! Reports against a brute-force recomputation from the raw events: random histories are played
//! through the real desk and sled store at chosen instants (around both of 2026's DST changes in
//! Warsaw, in and out of business hours), with claims, replies, questions that pause the
//! resolution clock, the requester's answers, escalations, resolutions, reopenings, ratings,
//! changes with outcomes and FAQ answers; then every figure of `reports::compute` is recomputed
//! here from each ticket's event log and the bot's log records alone, and must be equal.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use frontline::clocks::calendar::parse_instant;
use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::desk::log::{BotEvent, LogEntry};
use frontline::desk::{AgentCommand, Desk, Event, Incoming};
use frontline::pack::Pack;
use frontline::reports::{self, Filters, Params, Period, Report};
use frontline::store::{SledStore, Store};
use frontline::tickets::{Actor, Change, Ticket, TicketEvent, Tier, UserRef};
use frontline::triage::Triage;
use jiff::civil::Date;

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&crate::common::default_pack()).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

/// The default configuration (reports in Warsaw), with ACME's people (by e-mail domain) on business hours
/// (Mon-Fri 08:00-16:00) and a next-response target.
fn config() -> Config {
    let text = regex::Regex::new(r"resolution_minutes = \d+")
        .unwrap()
        .replace_all(DEFAULT_CONFIG, "$0\nnext_response_minutes = 120");
    let text = text
        .replace(
            "users = [\"local:jan\", \"local:anna\"]",
            "users = [\"local:jan\", \"local:anna\"]\ndomains = [\"acme.example\"]\ncalendar = \"office-pl\"",
        )
        + r#"
[calendars.office-pl]
timezone = "Europe/Warsaw"
[calendars.office-pl.hours]
mon = ["08:00-16:00"]
tue = ["08:00-16:00"]
wed = ["08:00-16:00"]
thu = ["08:00-16:00"]
fri = ["08:00-16:00"]
"#;
    Config::parse(Path::new("reports.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

/// splitmix64: a small deterministic generator, so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

const SUBJECTS: &[(&str, &str)] = &[
    ("VPN drops", "GlobalProtect disconnects every few minutes"),
    (
        "printer broken",
        "the printer on the 2nd floor shows error 50",
    ),
    (
        "new laptop",
        "I need a laptop for a new hire starting Monday",
    ),
    ("password reset", "I forgot my password and I'm locked out"),
    (
        "Outlook",
        "Outlook does not sync my mailbox since this morning",
    ),
    (
        "firewall change",
        "please open port 443 for the new supplier portal",
    ),
];

fn agent(by: &str, command: AgentCommand) -> Incoming {
    Incoming::plain(Event::Agent {
        by: UserRef::local(by),
        roles: vec![],
        command,
    })
}

/// One random history: tickets opened at instants around the DST days and worked on.
fn play(desk: &Desk, seed: u64) {
    let mut rng = Rng(seed);
    let starts = [
        "2026-03-27T15:30:00+01:00",
        "2026-03-28T22:10:00+01:00",
        "2026-03-29T01:30:00+01:00",
        "2026-03-30T07:45:00+02:00",
        "2026-10-23T15:50:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:30:00+01:00",
        "2026-10-26T09:00:00+01:00",
    ];
    let step_minutes = [1u64, 7, 30, 95, 240, 600, 1500, 3000];
    let agents = ["alice", "bob", "carol"];
    for n in 0..28 {
        let mut now = parse_instant(starts[rng.below(starts.len() as u64) as usize]).unwrap()
            + rng.below(48 * 3_600_000);
        let user = match rng.below(4) {
            0 | 1 => format!("u{seed}x{n}@acme.example"),
            2 => format!("u{seed}x{n}@other.example"),
            _ => "jan".to_string(),
        };
        let who = UserRef::local(&user);
        // Some conversations are FAQ answers: offered, then helpful or not.
        if rng.below(4) == 0 {
            let _ = desk.process(
                Incoming::plain(Event::UserMessage {
                    user: who.clone(),
                    text: "my printer has a paper jam".into(),
                }),
                now,
            );
            now += 60_000;
            let answer = if rng.below(2) == 0 { "yes" } else { "cancel" };
            let _ = desk.process(
                Incoming::plain(Event::UserMessage {
                    user: who.clone(),
                    text: answer.into(),
                }),
                now,
            );
            continue;
        }
        let (subject, description) = *rng.pick(SUBJECTS);
        let before = desk.store().next_ticket_number().unwrap_or(0);
        desk.process(
            Incoming::plain(Event::OpenTicket {
                user: who.clone(),
                subject: subject.into(),
                description: description.into(),
            }),
            now,
        )
        .expect("opened");
        let after = desk.store().next_ticket_number().unwrap_or(0);
        if after <= before {
            continue;
        }
        // Ids are reserved as numbers; the ticket just opened is the newest one.
        let Some(id) = desk
            .store()
            .list(&Default::default())
            .unwrap()
            .into_iter()
            .max_by_key(|t| t.number)
            .map(|t| t.id)
        else {
            continue;
        };
        let mut assignee = rng.pick(&agents[..]).to_string();
        if rng.below(5) > 0 {
            now += rng.pick(&step_minutes[..]) * 60_000;
            desk.process(
                agent(&assignee, AgentCommand::Claim { ticket: id.clone() }),
                now,
            )
            .expect("processed");
        }
        for _ in 0..rng.below(12) {
            now += rng.pick(&step_minutes[..]) * 60_000 + rng.below(59_000);
            let ticket = id.clone();
            let incoming = match rng.below(16) {
                0 => {
                    assignee = rng.pick(&agents[..]).to_string();
                    agent(&assignee, AgentCommand::Claim { ticket })
                }
                2 | 3 => agent(
                    &assignee,
                    AgentCommand::Reply {
                        ticket,
                        text: "Please try restarting it.".into(),
                    },
                ),
                4 => agent(
                    &assignee,
                    AgentCommand::Ask {
                        ticket,
                        text: "Which version do you have?".into(),
                    },
                ),
                5 | 12 | 13 => Incoming::plain(Event::UserMessage {
                    user: who.clone(),
                    text: "still broken, version 6.2".into(),
                }),
                6 => agent(
                    &assignee,
                    AgentCommand::EscalateL3 {
                        ticket,
                        note: "needs engineering".into(),
                    },
                ),
                7 => agent(
                    &assignee,
                    AgentCommand::MarkChange {
                        ticket,
                        window: String::new(),
                    },
                ),
                8 | 9 | 14 => agent(
                    &assignee,
                    AgentCommand::Resolve {
                        ticket,
                        note: format!(
                            "{} done",
                            ["successful", "failed", "rolled-back"][rng.below(3) as usize]
                        ),
                        minutes: rng.below(90) as u32,
                        activity: Default::default(),
                        outcome: None,
                    },
                ),
                10 | 15 => Incoming::plain(Event::UserMessage {
                    user: who.clone(),
                    text: ["5", "4", "2", "1"][rng.below(4) as usize].into(),
                }),
                _ => agent(
                    &assignee,
                    AgentCommand::Reopen {
                        ticket,
                        reason: "it is back".into(),
                    },
                ),
            };
            desk.process(incoming, now).expect("processed");
        }
    }
}

/// What the brute force makes of one ticket's events.
#[derive(Debug, Default)]
struct Brute {
    created: u64,
    first_reply: Option<u64>,
    sla_first_stop: Option<u64>,
    waits: Vec<(u64, u64)>,
    last_resolved: Option<u64>,
    resolved_final: bool,
    closed_unresolved: bool,
    pauses: Vec<(u64, Option<u64>)>,
    reopens: u32,
    ever_resolved: bool,
    handed_on: bool,
    max_tier: Option<Tier>,
    first_agent: Option<String>,
    resolver: Option<String>,
    rating: Option<u8>,
    change: bool,
    outcome: Option<String>,
    minutes: i64,
}

fn brute(events: &[TicketEvent], config: &Config) -> Brute {
    let mut b = Brute::default();
    let mut open = true;
    let mut waiting_on_user = false;
    let mut wait_since: Option<u64> = None;
    let pause = |b: &mut Brute, at: u64| {
        if !b.pauses.last().is_some_and(|(_, e)| e.is_none()) {
            b.pauses.push((at, None));
        }
    };
    let resume = |b: &mut Brute, at: u64| {
        if let Some((a, e)) = b.pauses.last_mut()
            && e.is_none()
        {
            *e = Some(at.max(*a));
        }
    };
    for e in events {
        let at = e.at_ms;
        let by_agent = matches!(e.actor, Actor::Agent(_));
        match &e.change {
            Change::Opened { queue, .. } => {
                b.created = at;
                b.max_tier = config.queue(queue).map(|q| q.tier);
            }
            Change::Claimed { agent, .. } => {
                b.first_agent.get_or_insert(agent.clone());
                b.sla_first_stop.get_or_insert(at);
            }
            Change::AgentReplied { .. } | Change::AskedUser { .. } => {
                b.sla_first_stop.get_or_insert(at);
                if by_agent {
                    b.first_reply.get_or_insert(at);
                    if let Some(s) = wait_since.take() {
                        b.waits.push((s, at));
                    }
                }
                if matches!(e.change, Change::AskedUser { .. }) {
                    waiting_on_user = true;
                    pause(&mut b, at);
                } else {
                    waiting_on_user = false;
                    resume(&mut b, at);
                }
            }
            Change::UserReplied { .. } => {
                if waiting_on_user {
                    waiting_on_user = false;
                    resume(&mut b, at);
                }
                if open && b.first_reply.is_some() && wait_since.is_none() {
                    wait_since = Some(at);
                }
            }
            Change::Escalated { tier, .. } => {
                b.handed_on = true;
                waiting_on_user = false;
                b.max_tier = b.max_tier.max(Some(*tier));
            }
            Change::Unclaimed { .. } => {
                b.handed_on = true;
                waiting_on_user = false;
            }
            Change::Transferred { to_tier, .. } => {
                b.handed_on = true;
                waiting_on_user = false;
                b.max_tier = b.max_tier.max(*to_tier);
            }
            Change::Resolved { minutes, .. } => {
                open = false;
                waiting_on_user = false;
                wait_since = None;
                b.last_resolved = Some(at);
                b.ever_resolved = true;
                b.minutes += i64::from(*minutes);
                if let Actor::Agent(a) = &e.actor {
                    b.resolver = Some(a.clone());
                }
                pause(&mut b, at);
            }
            Change::Reopened { .. } => {
                open = true;
                b.reopens += 1;
                b.last_resolved = None;
                b.rating = None;
                resume(&mut b, at);
            }
            Change::Closed => {
                open = false;
            }
            Change::Rated { score, .. } => b.rating = Some(*score),
            Change::MarkedAsChange { .. } => b.change = true,
            Change::ChangeOutcomeSet { outcome } => b.outcome = Some(outcome.as_str().into()),
            Change::TimeLogged { minutes, .. } => b.minutes += i64::from(*minutes),
            Change::TimeRefunded { minutes, .. } => b.minutes -= i64::from(*minutes),
            Change::VendorEscalated { tier, .. } => b.max_tier = b.max_tier.max(Some(*tier)),
            _ => {}
        }
    }
    b.resolved_final = !open && b.last_resolved.is_some();
    b.closed_unresolved = !open && b.last_resolved.is_none();
    b
}

fn minutes(s: f64) -> f64 {
    (s / 60.0 * 100.0).round() / 100.0
}

/// Count, median (mean of the middle two when even), p90 (nearest rank), mean, as minutes.
fn summary(mut v: Vec<u64>) -> (u64, Option<f64>, Option<f64>, Option<f64>) {
    if v.is_empty() {
        return (0, None, None, None);
    }
    v.sort_unstable();
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0
    };
    let p90 = v[(n * 9).div_ceil(10) - 1] as f64;
    let mean = v.iter().sum::<u64>() as f64 / n as f64;
    (
        n as u64,
        Some(minutes(median)),
        Some(minutes(p90)),
        Some(minutes(mean)),
    )
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| (a as f64 / b as f64 * 10_000.0).round() / 10_000.0)
}

fn check_durations(what: &str, got: &reports::Durations, wall: Vec<u64>, business: Vec<u64>) {
    let (c, m, p, a) = summary(wall);
    assert_eq!(
        (
            got.count,
            got.median_minutes,
            got.p90_minutes,
            got.mean_minutes
        ),
        (c, m, p, a),
        "{what}: wall-clock"
    );
    let (c, m, p, a) = summary(business);
    assert_eq!(
        (
            got.business_count,
            got.business_median_minutes,
            got.business_p90_minutes,
            got.business_mean_minutes
        ),
        (c, m, p, a),
        "{what}: business"
    );
}

fn local_day(ms: u64) -> Date {
    jiff::Timestamp::from_millisecond(ms as i64)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Warsaw").unwrap())
        .date()
}

/// Every figure of `r` recomputed from the raw events.
fn verify(store: &dyn Store, config: &Config, r: &Report, from: Date, to: Date, by: Period) {
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw").unwrap();
    let tickets: Vec<Ticket> = store.list(&Default::default()).unwrap();
    let mut volume: BTreeMap<String, u64> = BTreeMap::new();
    let mut heatmap = vec![[0u64; 24]; 7];
    let (mut fr, mut frb, mut nr, mut nrb, mut rs, mut rsb) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut fr_p1: HashMap<String, (Vec<u64>, Vec<u64>)> = HashMap::new();
    let (mut resolved, mut ever, mut reopened, mut fcr) = (0u64, 0u64, 0u64, 0u64);
    let mut sla = [[0u64; 2]; 3];
    let mut reached = [0u64; 3];
    let mut csat = [0u64; 5];
    let (mut completed, mut successful) = (0u64, 0u64);
    let mut hours: BTreeMap<String, u64> = BTreeMap::new();
    let mut agents: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    let periods: Vec<String> = r.volume.iter().map(|v| v.period.clone()).collect();
    let period_end: Vec<u64> = {
        // The first instant after each period, from the labels' days.
        let mut ends = vec![];
        let mut d = from;
        let mut last = reports::period_label(by, d);
        while d <= to {
            let next = d.tomorrow().unwrap();
            let label = if next <= to {
                reports::period_label(by, next)
            } else {
                String::new()
            };
            if label != last {
                ends.push(reports::day_start_ms(next, &tz));
                last = label;
            }
            d = next;
        }
        ends
    };
    let mut backlog = vec![0u64; periods.len()];
    let judge = |ms: u64, budget: u64| if ms <= budget * 60_000 { 0 } else { 1 };
    for t in &tickets {
        let events = store.events(&t.id).unwrap();
        let b = brute(&events, config);
        let cal = config.calendar_for(t.organisation.as_deref(), &t.queue);
        // Backlog: every ticket, whenever it was created.
        for (i, end) in period_end.iter().enumerate() {
            let open_at_end = b.created < *end
                && !b.closed_unresolved
                && (!b.resolved_final || b.last_resolved.unwrap() >= *end);
            if open_at_end {
                backlog[i] += 1;
            }
        }
        let day = local_day(b.created);
        if day < from || day > to {
            continue;
        }
        *volume.entry(reports::period_label(by, day)).or_default() += 1;
        let z = jiff::Timestamp::from_millisecond(b.created as i64)
            .unwrap()
            .to_zoned(tz.clone());
        heatmap[z.weekday().to_monday_zero_offset() as usize][z.hour() as usize] += 1;
        let secs = |ms: u64| ms / 1000;
        if let Some(at) = b.first_reply {
            fr.push(secs(at - b.created));
            frb.push(secs(cal.business_ms(b.created, at, &[])));
            let e = fr_p1.entry(t.priority.to_string()).or_default();
            e.0.push(secs(at - b.created));
            e.1.push(secs(cal.business_ms(b.created, at, &[])));
        }
        let target = config.sla_for(t.priority, t.organisation.as_deref());
        if !b.waits.is_empty() {
            let wall = b.waits.iter().map(|(s, a)| secs(a - s)).max().unwrap();
            let bus = b
                .waits
                .iter()
                .map(|(s, a)| secs(cal.business_ms(*s, *a, &[])))
                .max()
                .unwrap();
            nr.push(wall);
            nrb.push(bus);
            if let Some(m) = target.and_then(|t| t.next_response_minutes) {
                sla[1][judge(bus * 1000, m)] += 1;
            }
        }
        if let (Some(stop), Some(tg)) = (b.sla_first_stop, target) {
            sla[0][judge(
                cal.business_ms(b.created, stop, &[]),
                tg.first_response_minutes,
            )] += 1;
        }
        if b.resolved_final {
            let at = b.last_resolved.unwrap();
            let pauses: Vec<(u64, u64)> = b
                .pauses
                .iter()
                .map(|&(a, e)| (a, e.unwrap_or(at).min(at)))
                .filter(|(a, e)| a < e)
                .collect();
            let bus = secs(cal.business_ms(b.created, at, &pauses));
            resolved += 1;
            rs.push(secs(at - b.created));
            rsb.push(bus);
            if let Some(tg) = target {
                sla[2][judge(bus * 1000, tg.resolution_minutes)] += 1;
            }
            if b.reopens == 0 && !b.handed_on {
                fcr += 1;
            }
            if b.change
                && let Some(o) = &b.outcome
            {
                completed += 1;
                successful += u64::from(o == "successful");
            }
            if let Some(a) = &b.resolver {
                let x = agents.entry(a.clone()).or_default();
                x[1] += 1;
                x[2] += b.minutes as u64;
            }
        }
        if let Some(a) = &b.first_agent {
            agents.entry(a.clone()).or_default()[0] += 1;
        }
        if b.ever_resolved {
            ever += 1;
            reopened += u64::from(b.reopens > 0);
        }
        for (i, n) in reached.iter_mut().enumerate() {
            if b.max_tier.unwrap_or(Tier::L2) as usize > i {
                *n += 1;
            }
        }
        if let Some(s) = b.rating {
            csat[usize::from(s) - 1] += 1;
        }
        if let Some(o) = &t.organisation {
            *hours.entry(o.clone()).or_default() += b.minutes as u64;
        }
    }
    let got_volume: BTreeMap<String, u64> = r
        .volume
        .iter()
        .filter(|v| v.tickets > 0)
        .map(|v| (v.period.clone(), v.tickets))
        .collect();
    assert_eq!(got_volume, volume, "volume by {by:?}");
    assert_eq!(r.tickets, volume.values().sum::<u64>(), "tickets");
    assert_eq!(r.heatmap, heatmap, "heatmap");
    assert_eq!(
        r.backlog.iter().map(|b| b.open).collect::<Vec<_>>(),
        backlog,
        "backlog"
    );
    check_durations("first response", &r.first_response, fr, frb);
    check_durations("next response", &r.next_response, nr, nrb);
    check_durations("resolution", &r.resolution, rs, rsb);
    for g in &r.first_response_by.priority {
        let (w, b) = fr_p1.remove(&g.name).unwrap_or_default();
        check_durations(&format!("first response {}", g.name), &g.durations, w, b);
    }
    assert!(fr_p1.is_empty(), "priorities missing: {fr_p1:?}");
    assert_eq!(r.resolved, resolved, "resolved");
    assert_eq!(r.reopen_rate, ratio(reopened, ever), "reopen rate");
    assert_eq!(r.first_contact_resolution_rate, ratio(fcr, resolved), "FCR");
    let got_sla = [
        &r.sla.first_response,
        &r.sla.next_response,
        &r.sla.resolution,
    ]
    .map(|a| [a.met, a.breached]);
    assert_eq!(got_sla, sla, "SLA met/breached per clock");
    assert_eq!(
        [
            r.escalation.reached_l2,
            r.escalation.reached_l3,
            r.escalation.reached_vendor
        ],
        reached,
        "tiers reached"
    );
    assert_eq!(r.csat.distribution, csat, "CSAT distribution");
    let rated: u64 = csat.iter().sum();
    let sum: u64 = csat
        .iter()
        .enumerate()
        .map(|(i, n)| (i as u64 + 1) * n)
        .sum();
    assert_eq!(
        r.csat_average,
        (rated > 0).then(|| (sum as f64 / rated as f64 * 100.0).round() / 100.0),
        "CSAT average"
    );
    assert_eq!(r.csat.asked, ever, "CSAT asked");
    assert_eq!(
        (r.changes.completed, r.changes.successful),
        (completed, successful),
        "changes"
    );
    assert_eq!(
        r.change_success_rate,
        ratio(successful, completed),
        "change success rate"
    );
    let got_hours: BTreeMap<String, u64> = r
        .hours
        .iter()
        .map(|h| (h.organisation.clone(), h.minutes))
        .collect();
    assert_eq!(got_hours, hours, "hours per organisation");
    let got_agents: BTreeMap<String, [u64; 3]> = r
        .agents
        .iter()
        .map(|a| (a.agent.clone(), [a.claimed, a.resolved, a.handling_minutes]))
        .collect();
    assert_eq!(got_agents, agents, "agents' workload");
    // Deflection: the bot's own log records of the range.
    let (from_ms, to_ms) = (
        reports::day_start_ms(from, &tz),
        reports::day_start_ms(to.tomorrow().unwrap(), &tz),
    );
    let (mut offered, mut helped) = (0u64, 0u64);
    for rec in store.log(0, usize::MAX).unwrap() {
        if rec.at_ms < from_ms || rec.at_ms >= to_ms {
            continue;
        }
        if let LogEntry::Bot { event, .. } = rec.entry {
            match event {
                BotEvent::FaqOffered { .. } => offered += 1,
                BotEvent::FaqAnswered { helped: true, .. } => helped += 1,
                _ => {}
            }
        }
    }
    assert_eq!(
        (r.deflection.offered, r.deflection.helped),
        (offered, helped),
        "FAQ offered and helped"
    );
    assert_eq!(r.deflection_rate, ratio(helped, offered), "deflection rate");
}

#[test]
fn every_figure_equals_a_brute_force_recomputation_from_the_events() {
    let config = config();
    let engine = engine();
    // What the histories covered, over every seed: each case must occur for the comparison to
    // mean something.
    let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
    for seed in 1..=12u64 {
        let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
        let desk = Desk::new(engine.clone(), config.clone(), store.clone());
        play(&desk, seed);
        for (from, to, by) in [
            ("2026-03-20", "2026-11-05", Period::Month),
            ("2026-03-23", "2026-11-01", Period::Week),
            ("2026-03-26", "2026-04-02", Period::Day),
            ("2026-10-22", "2026-10-29", Period::Day),
        ] {
            let (from, to): (Date, Date) = (from.parse().unwrap(), to.parse().unwrap());
            let params = Params {
                from,
                to,
                by,
                tz: config.timezone.clone(),
                tz_name: config.timezone_name.clone(),
                filters: Filters::default(),
            };
            let r = reports::compute(store.as_ref(), params, &mut |_| {}).unwrap();
            verify(store.as_ref(), &config, &r, from, to, by);
            if by == Period::Month {
                let reopened = (r.reopen_rate.unwrap_or(0.0) * r.csat.asked as f64).round() as u64;
                for (k, v) in [
                    ("tickets", r.tickets),
                    ("resolved", r.resolved),
                    ("reopened", reopened),
                    ("next responses", r.next_response.count),
                    (
                        "business time differs",
                        u64::from(r.resolution.business_mean_minutes != r.resolution.mean_minutes),
                    ),
                    ("L3", r.escalation.reached_l3),
                    ("changes completed", r.changes.completed),
                    ("ratings", r.csat.rated),
                    ("FAQ helped", r.deflection.helped),
                    (
                        "SLA breached",
                        r.sla.first_response.breached + r.sla.resolution.breached,
                    ),
                    ("SLA met", r.sla.first_response.met + r.sla.resolution.met),
                ] {
                    *seen.entry(k).or_default() += v;
                }
            }
            if by == Period::Day {
                *seen.entry("tickets on DST weeks").or_default() += r.tickets;
            }
        }
        // A filter keeps exactly the organisation's tickets.
        let params = Params {
            from: "2026-03-20".parse().unwrap(),
            to: "2026-11-05".parse().unwrap(),
            by: Period::Month,
            tz: config.timezone.clone(),
            tz_name: config.timezone_name.clone(),
            filters: Filters {
                organisation: Some("acme".into()),
                ..Filters::default()
            },
        };
        let r = reports::compute(store.as_ref(), params, &mut |_| {}).unwrap();
        let acme = store
            .list(&Default::default())
            .unwrap()
            .iter()
            .filter(|t| t.organisation.as_deref() == Some("acme"))
            .count() as u64;
        assert_eq!(r.tickets, acme, "seed {seed}: acme's tickets");
        assert!(acme > 0, "seed {seed}: the history has ACME tickets");
    }
    for (k, v) in &seen {
        assert!(*v > 0, "no history covered {k}: {seen:?}");
    }
    eprintln!("covered: {seen:?}");
}
