//! `frontline bench`: throughput and load-time figures measured the same way every time, for the
//! README. Medians of several runs, on one thread.

use std::time::Instant;

use crate::pack::Pack;
use crate::triage::Triage;

/// Peak resident set size of this process so far, in MiB (Linux; `None` elsewhere).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Decisions per second over `messages`, median of `runs` runs of at least ~300 ms each.
pub fn decisions_per_second(engine: &Triage, messages: &[String], runs: usize) -> f64 {
    let mut rates = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let mut n = 0usize;
        let mut sink = 0f32;
        while started.elapsed().as_millis() < 300 {
            for m in messages {
                sink += std::hint::black_box(engine.decide(m)).confidence;
                n += 1;
            }
        }
        std::hint::black_box(sink);
        rates.push(n as f64 / started.elapsed().as_secs_f64());
    }
    median(rates)
}

pub struct TriageFigures {
    pub label: String,
    pub intents: usize,
    pub examples: usize,
    pub articles: usize,
    pub build_ms: f64,
    pub decisions_per_second: f64,
    pub peak_rss_mib: Option<f64>,
}

/// Measures building an engine from `make_pack()` (median of `runs`) and deciding `messages`.
pub fn triage_figures(
    label: &str,
    make_pack: impl Fn() -> Pack,
    messages: impl Fn(&Pack) -> Vec<String>,
    runs: usize,
) -> TriageFigures {
    let mut builds = Vec::new();
    let mut engine = None;
    for _ in 0..runs {
        let started = Instant::now();
        let e = Triage::new(make_pack()).expect("pack rules compile");
        builds.push(started.elapsed().as_secs_f64() * 1000.0);
        engine = Some(e);
    }
    let engine = engine.expect("runs > 0");
    let msgs = messages(engine.pack());
    let pack = engine.pack();
    TriageFigures {
        label: label.to_string(),
        intents: pack.intents.len(),
        examples: pack.intents.iter().map(|i| i.examples.len()).sum(),
        articles: pack.articles.len(),
        build_ms: median(builds),
        decisions_per_second: decisions_per_second(&engine, &msgs, runs),
        peak_rss_mib: peak_rss_mib(),
    }
}
