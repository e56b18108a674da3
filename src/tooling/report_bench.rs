//! `frontline bench report`: how long `frontline report` takes over a large desk (the issue's
//! target: every report over 1,000,000 tickets and 10,000,000 events in under 1 s on one core,
//! with bounded memory). A year of tickets is generated, each with a ten-event history applied
//! through `Ticket::apply` and completed by `reports::facts::annotate` (business time in a
//! Warsaw office calendar, SLA outcomes) exactly as the desk does on each turn; the store keeps
//! what reports read, one 64-byte record per ticket in chunks (`facts`), as a commit writes it.
//! The events themselves are not written to the store: no report reads them. The store is then
//! reopened and each report is computed and serialised to JSON, as `frontline report --format
//! json` does, on one thread. Medians are reported with the spread.

use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

use anyhow::Context;

use super::bench::median;
use super::store_bench::{mix, sample};
use crate::clocks::calendar::Calendar;
use crate::config::SlaTarget;
use crate::pack::Priority;
use crate::reports::facts::{self, CHUNK, FactRecord, RECORD_BYTES};
use crate::reports::{self, Filters, Params, Period};
use crate::store::{SledStore, Store};
use crate::tickets::{Actor, Change, Ticket};

/// One report's timing.
#[derive(Debug, Clone)]
pub struct Timing {
    pub name: String,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub json_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct ReportFigures {
    pub tickets: u64,
    pub events: u64,
    pub runs: usize,
    pub fill_s: f64,
    pub bytes_on_disk: u64,
    pub timings: Vec<Timing>,
    /// Peak resident memory of the process (VmHWM), and the part the reports added over the
    /// setup's peak.
    pub peak_rss_mb: f64,
    pub report_rss_mb: f64,
}

impl fmt::Display for ReportFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} tickets ({} events folded), generated and stored in {:.1} s, {:.1} MB on disk",
            self.tickets,
            self.events,
            self.fill_s,
            self.bytes_on_disk as f64 / 1e6
        )?;
        writeln!(
            f,
            "report (compute + JSON, one thread), median of {} runs:",
            self.runs
        )?;
        for t in &self.timings {
            writeln!(
                f,
                "  {:<44} {:>8.1} ms  (fastest {:.1}, slowest {:.1}; {} KB of JSON)",
                t.name,
                t.median_ms,
                t.min_ms,
                t.max_ms,
                t.json_bytes / 1024
            )?;
        }
        write!(
            f,
            "peak resident memory {:.0} MB ({:.0} MB more while reporting)",
            self.peak_rss_mb, self.report_rss_mb
        )
    }
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn target(p: Priority) -> SlaTarget {
    let (first, resolution) = match p {
        Priority::P1 => (15, 240),
        Priority::P2 => (60, 480),
        Priority::P3 => (240, 1440),
        Priority::P4 => (480, 4320),
    };
    SlaTarget {
        first_response_minutes: first,
        resolution_minutes: resolution,
        next_response_minutes: Some(120),
        warn_at_percent: None,
    }
}

/// Ticket `i` of `n` with a ten-event history over the year before `now`: claimed, a question
/// and its answer (pausing the resolution clock), replies, a further message and its answer,
/// resolved, rated, closed; some reopened and resolved again, some still open.
fn history(i: u64, n: u64, now: u64, cal: &Calendar) -> (Ticket, u64) {
    let year = 365 * 24 * 3_600_000u64;
    let r = mix(i ^ 0x5EED);
    // Office hours are busier: move a third of the night tickets into the day.
    let mut created = now - year + year / n.max(1) * i + r % 3_600_000;
    if (r >> 5).is_multiple_of(3) {
        created = created / 86_400_000 * 86_400_000 + (8 + (r >> 9) % 8) * 3_600_000;
    }
    let (mut t, opener) = sample(i, 1000 + i, created);
    t.event_count = 1;
    let agent = format!("agent{}", r % 60);
    let a = Actor::Agent(agent.clone());
    let user = Actor::User(t.requester.key());
    let mut at = created;
    let mut events = 1u64;
    let mut step = |t: &mut Ticket, actor: &Actor, change: Change, after_min: u64| {
        at += after_min * 60_000 + (mix(at) % 60_000);
        if t.apply(actor, &change, at).is_ok() {
            t.event_count += 1;
            events += 1;
            facts::annotate(t, cal, Some(&target(t.priority)), None, at);
        }
    };
    let _ = opener;
    let open = i + n / 50 >= n || r.is_multiple_of(97);
    step(
        &mut t,
        &a,
        Change::Claimed {
            agent: agent.clone(),
            user: None,
        },
        5 + r % 240,
    );
    step(
        &mut t,
        &a,
        Change::AskedUser {
            text: "Which version?".into(),
        },
        3 + (r >> 3) % 60,
    );
    step(
        &mut t,
        &user,
        Change::UserReplied { text: "6.2".into() },
        10 + (r >> 6) % 900,
    );
    step(
        &mut t,
        &a,
        Change::AgentReplied {
            text: "Try this.".into(),
        },
        5 + (r >> 9) % 300,
    );
    step(
        &mut t,
        &user,
        Change::UserReplied {
            text: "Still broken.".into(),
        },
        30 + (r >> 12) % 600,
    );
    step(
        &mut t,
        &a,
        Change::AgentReplied {
            text: "Fixed now?".into(),
        },
        5 + (r >> 15) % 200,
    );
    if !open {
        let resolved = Change::Resolved {
            activity: Default::default(),
            note: "fixed".into(),
            minutes: 5 + (r % 40) as u32,
        };
        step(&mut t, &a, resolved.clone(), 10 + (r >> 18) % 2000);
        if r.is_multiple_of(11) {
            step(
                &mut t,
                &user,
                Change::Reopened {
                    reason: "back".into(),
                },
                600,
            );
            step(&mut t, &a, resolved, 120);
        }
        step(
            &mut t,
            &user,
            Change::Rated {
                score: 1 + ((r >> 21) % 5) as u8,
                comment: None,
            },
            30,
        );
        step(&mut t, &Actor::Bot, Change::Closed, 7 * 24 * 60);
    }
    (t, events)
}

/// Builds the store in a temporary directory, then times the reports.
pub fn report_figures(tickets: u64, runs: usize) -> anyhow::Result<ReportFigures> {
    let dir = std::env::temp_dir().join(format!("frontline-report-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let now = crate::clocks::calendar::parse_instant("2026-11-28T12:00:00+01:00")
        .map_err(anyhow::Error::msg)?;
    let tz = jiff::tz::TimeZone::get("Europe/Warsaw")?;
    let cal = crate::config::Config::parse(
        std::path::Path::new("bench.toml"),
        &(crate::config::DEFAULT_CONFIG.to_string()
            + "\n[calendars.office]\ntimezone = \"Europe/Warsaw\"\n[calendars.office.hours]\nmon = [\"08:00-16:00\"]\ntue = [\"08:00-16:00\"]\nwed = [\"08:00-16:00\"]\nthu = [\"08:00-16:00\"]\nfri = [\"08:00-16:00\"]\n"),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?
    .calendars
    .get("office")
    .cloned()
    .context("the bench calendar")?;
    let started = Instant::now();
    let mut events = 0u64;
    {
        let store = SledStore::open(&dir)?;
        let trees = store.t();
        let mut names: HashMap<String, u16> = HashMap::new();
        let mut chunk: Vec<u8> = vec![0; CHUNK as usize * RECORD_BYTES];
        let mut chunk_no = None;
        let mut batch = sled::Batch::default();
        let mut in_batch = 0;
        for i in 0..tickets {
            let (t, e) = history(i, tickets, now, &cal);
            events += e;
            let mut id = |s: &str| {
                let next = names.len() as u16 + 1;
                *names.entry(s.to_string()).or_insert(next)
            };
            // The org field of the sample ticket is a config organisation; spread some more.
            let r = FactRecord::of(&t, &mut id);
            let c = t.number / CHUNK;
            if chunk_no.is_some_and(|n| n != c) {
                batch.insert(&chunk_no.unwrap_or(0u64).to_be_bytes()[..], chunk.clone());
                chunk.iter_mut().for_each(|b| *b = 0);
                in_batch += 1;
            }
            chunk_no = Some(c);
            let slot = (t.number % CHUNK) as usize * RECORD_BYTES;
            r.encode(&mut chunk[slot..slot + RECORD_BYTES]);
            if in_batch >= 1000 {
                trees.facts.apply_batch(std::mem::take(&mut batch))?;
                in_batch = 0;
            }
        }
        if let Some(c) = chunk_no {
            batch.insert(&c.to_be_bytes()[..], chunk.clone());
        }
        trees.facts.apply_batch(batch)?;
        let mut nb = sled::Batch::default();
        for (name, id) in &names {
            nb.insert(
                [b"n".as_slice(), name.as_bytes()].concat(),
                &id.to_le_bytes()[..],
            );
            nb.insert(
                [b"i".as_slice(), &id.to_be_bytes()].concat(),
                name.as_bytes(),
            );
        }
        trees.names.apply_batch(nb)?;
        drop(trees);
        store.flush()?;
    }
    let fill_s = started.elapsed().as_secs_f64();
    let setup_peak = peak_rss_mb();
    // sled's own threads let go of the files a moment after the store is dropped.
    let store = SledStore::open_waiting(&dir, std::time::Duration::from_secs(10))?;
    let bytes_on_disk = store.size_on_disk();
    let to = jiff::Timestamp::from_millisecond(now as i64)?
        .to_zoned(tz.clone())
        .date();
    let from = to.checked_sub(jiff::Span::new().years(1))?.tomorrow()?;
    let params = |from, by, filters: Filters| Params {
        from,
        to,
        by,
        tz: tz.clone(),
        tz_name: "Europe/Warsaw".into(),
        filters,
    };
    let last_30 = to.checked_sub(jiff::Span::new().days(29))?;
    let cases = [
        (
            "a year by week (the default)",
            params(from, Period::Week, Filters::default()),
        ),
        (
            "a year by day",
            params(from, Period::Day, Filters::default()),
        ),
        (
            "a year by month",
            params(from, Period::Month, Filters::default()),
        ),
        (
            "a year by week, one organisation",
            params(
                from,
                Period::Week,
                Filters {
                    organisation: Some("acme".into()),
                    ..Filters::default()
                },
            ),
        ),
        (
            "a year by week, one intent and platform",
            params(
                from,
                Period::Week,
                Filters {
                    intent: Some("vpn".into()),
                    platform: Some("slack".into()),
                    ..Filters::default()
                },
            ),
        ),
        (
            "the last 30 days by day",
            params(last_30, Period::Day, Filters::default()),
        ),
    ];
    let mut timings = vec![];
    for (name, p) in cases {
        let mut times = vec![];
        let mut json_bytes = 0;
        for _ in 0..runs.max(1) {
            let t0 = Instant::now();
            let r = reports::compute(&store, p.clone(), &mut |_| {})?;
            json_bytes = serde_json::to_string(&r)?.len();
            times.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        timings.push(Timing {
            name: name.into(),
            median_ms: median(times.clone()),
            min_ms: times.iter().copied().fold(f64::INFINITY, f64::min),
            max_ms: times.iter().copied().fold(0.0, f64::max),
            json_bytes,
        });
    }
    let peak = peak_rss_mb();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ReportFigures {
        tickets,
        events,
        runs,
        fill_s,
        bytes_on_disk,
        timings,
        peak_rss_mb: peak,
        report_rss_mb: (peak - setup_peak).max(0.0),
    })
}
