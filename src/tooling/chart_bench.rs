//! The charts benchmark (`frontline bench charts [--runs N]`): how long drawing every chart of a
//! large report takes, SVG and PNG (the target: under 1 s). The report is made the way
//! `frontline report` makes it, by the reports [`Builder`] from generated ticket records and the
//! bot's counters: a year by day (365 periods, a line with thinned labels), 200 organisations,
//! 40 intents, spikes, every priority, ratings and time logged, so every chart has its most
//! expensive shape. Building the report is not timed; each run draws the seven charts in both
//! formats, as `frontline report --charts` does, and the median run is reported.

use std::time::Instant;

use jiff::civil::date;
use jiff::tz::TimeZone;

use super::bench::median;
use crate::reports::charts;
use crate::reports::{
    BotCount, BotCountKind, Builder, FactRecord, Filters, NEVER, Names, Params, Period, Report,
    day_start_ms,
};

/// Organisations and intents of the generated report.
pub const ORGANISATIONS: usize = 200;
pub const INTENTS: usize = 40;
/// Tickets generated (spread over the year with a weekday and hour pattern).
pub const TICKETS: u64 = 100_000;

/// A deterministic generator (SplitMix64): the same report on every machine.
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
        self.next() % n.max(1)
    }
}

/// The benchmark's report: 2025 by day in Europe/Warsaw.
pub fn sample_report() -> Report {
    sample_report_by(Period::Day)
}

/// The same history grouped by `by`.
pub fn sample_report_by(by: Period) -> Report {
    sample_report_days(365, by)
}

/// The history's first `days` days (from 2025-01-01, at least one), grouped by `by`; with no
/// tickets at all when `days` is 0 (an empty report over January).
pub fn sample_report_days(days: u64, by: Period) -> Report {
    let tz = TimeZone::get("Europe/Warsaw").unwrap_or(TimeZone::UTC);
    let from = date(2025, 1, 1);
    let to = from
        .checked_add(jiff::Span::new().days(days.clamp(1, 3650) as i64 - 1))
        .unwrap_or(from);
    let (to, days) = if days == 0 {
        (date(2025, 1, 31), 0)
    } else {
        (to, days)
    };
    let mut names = vec![String::new()];
    let org0 = names.len();
    for i in 0..ORGANISATIONS {
        names.push(format!("Organisation {:03} & Co", i + 1));
    }
    let intent0 = names.len();
    for i in 0..INTENTS {
        names.push(format!("intent_{:02}", i + 1));
    }
    let names = Names(names);
    let params = Params {
        from,
        to,
        by,
        tz: tz.clone(),
        tz_name: "Europe/Warsaw".into(),
        filters: Filters::default(),
    };
    let mut b = Builder::new(params, &names);
    let start = day_start_ms(from, &tz);
    let mut rng = Rng(17);
    // Weekdays busier than weekends, office hours busier than nights; two release spikes.
    let weekday_weight = [10, 9, 9, 8, 7, 2, 1];
    let hour_weight = [
        1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 12, 10, 12, 13, 12, 10, 7, 4, 3, 2, 2, 1, 1,
    ];
    let hour_total: u64 = hour_weight.iter().sum();
    let spike_days = [days * 26 / 100, days * 68 / 100];
    let mut number = 0u64;
    // 52 weeks of weights summing to 46.
    let per_weight = TICKETS / (52 * 46);
    for day in 0..days {
        let weekday = ((day + 2) % 7) as usize; // 2025-01-01 was a Wednesday
        let mut n = weekday_weight[weekday] * per_weight;
        if spike_days.contains(&day) {
            n *= 4;
        }
        for _ in 0..n {
            let mut pick = rng.below(hour_total);
            let mut hour = 0u64;
            while pick >= hour_weight[hour as usize] {
                pick -= hour_weight[hour as usize];
                hour += 1;
            }
            let created_ms = start + (day * 24 + hour) * 3_600_000 + rng.below(3_600_000);
            // A few organisations bring most tickets (a long tail, like real customers).
            let org = (rng.below(ORGANISATIONS as u64) * rng.below(1000) / 1000) as usize;
            let intent = rng.below(INTENTS as u64) as usize;
            let priority = rng.below(4) as u8;
            let resolved = rng.below(10) < 9;
            let first_reply = 60 + rng.below(3600 * (u64::from(priority) + 1)) as u32;
            number += 1;
            b.ticket(&FactRecord {
                number,
                created_ms,
                first_reply_s: first_reply,
                first_reply_business_s: first_reply,
                next_wait_s: NEVER,
                next_wait_business_s: NEVER,
                resolved_s: if resolved {
                    first_reply + rng.below(86_400 * (u64::from(priority) + 1)) as u32
                } else {
                    NEVER
                },
                resolution_business_s: NEVER,
                minutes: rng.below(90) as u32,
                intent: (intent0 + intent) as u16,
                organisation: (org0 + org) as u16,
                priority,
                status: if resolved { 1 } else { 0 },
                rating: if resolved && rng.below(3) == 0 {
                    (3 + rng.below(3)) as u8 - u8::from(rng.below(5) == 0) * 2
                } else {
                    0
                },
                max_tier: 1,
                flags: if resolved { 16 } else { 0 },
                ..FactRecord::default()
            });
        }
    }
    let first_hour = (start / 3_600_000) as u32;
    for h in 0..days as u32 * 24 {
        for i in 0..INTENTS {
            let offered = rng.below(4);
            if offered == 0 {
                continue;
            }
            let intent = (intent0 + i) as u16;
            let count = |kind, n| BotCount {
                hour: first_hour + h,
                kind,
                platform: 0,
                intent,
                article: intent,
                n,
            };
            b.bot(&count(BotCountKind::FaqOffered, offered));
            b.bot(&count(BotCountKind::FaqHelped, rng.below(offered + 1)));
        }
    }
    b.finish(&names, vec![])
}

/// Draws every chart of the sample report `runs` times (after one warm-up run) and says the
/// median time per set of seven charts in both formats, and for the chat's volume PNG alone.
pub fn run(runs: usize) -> String {
    let runs = runs.max(1);
    let report = sample_report();
    let mut bytes = (0usize, 0usize);
    let warm = charts::render_all(&report, "en");
    if let Err(e) = &warm {
        return format!("charts: {e}");
    }
    let mut sets = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        match charts::render_all(&report, "en") {
            Ok(all) => {
                bytes = all
                    .iter()
                    .fold((0, 0), |(s, p), c| (s + c.svg.len(), p + c.png.len()));
            }
            Err(e) => return format!("charts: {e}"),
        }
        sets.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut volume = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        let _ = std::hint::black_box(charts::volume_png(&report, "en"));
        volume.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let min = sets.iter().copied().fold(f64::INFINITY, f64::min);
    let max = sets.iter().copied().fold(0.0, f64::max);
    format!(
        "charts: {} charts (SVG + PNG, {}x{}) of {} tickets over {} days, {} organisations, \
         {} intents: median {:.1} ms per set (min {:.1}, max {:.1}, {} runs); the volume PNG \
         alone (chat): median {:.1} ms; {} KiB of SVG and {} KiB of PNG per set",
        charts::NAMES.len(),
        charts::WIDTH,
        charts::HEIGHT,
        report.tickets,
        report.volume.len(),
        report.hours.len(),
        report.deflection.by_intent.len(),
        median(sets),
        min,
        max,
        runs,
        median(volume),
        bytes.0 / 1024,
        bytes.1 / 1024,
    )
}
