//! `frontline bench statement`: how long a month's statement takes for an organisation with many
//! time entries, read from a real sled store on disk (the target: 100,000 entries in
//! under 200 ms). The store is built the way the desk writes it (turns carrying the account and
//! its new ledger entries, the revision checked), then reopened, and each run reads the account
//! and the month's ledger, builds the statement and serialises it to JSON, as
//! `frontline statements --format json` does. Medians are reported, with the spread as the
//! machine's noise, and a 10,000-entry baseline to show how the time grows.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use jiff::tz::TimeZone;

use super::bench::median;
use crate::contracts::{
    Account, Activity, Contract, Entry, Kind, Past, Pricing, Statement, local_date,
};
use crate::desk::turn::{AccountWrite, Turn};
use crate::store::{SledStore, Store};

/// The organisation, zone and month every run uses.
const ORG: &str = "bench-org";
const ZONE: &str = "Europe/Warsaw";
const MONTH: &str = "2026-03";
/// Entries per committed turn while filling the store.
const BATCH: usize = 1_000;
/// Entries of the baseline the main figure is compared with.
const BASELINE: usize = 10_000;

/// One size measured.
#[derive(Debug, Clone)]
pub struct SizeFigures {
    pub entries: usize,
    pub runs: usize,
    /// Filling the store (turns of [`BATCH`] entries, one flush at the end), in seconds.
    pub fill_s: f64,
    /// The first statement after reopening the store (cold caches), in ms.
    pub first_ms: f64,
    /// Medians over the runs, in ms: reading the account and the month's ledger, building the
    /// statement, serialising it to JSON, and all three.
    pub read_ms: f64,
    pub build_ms: f64,
    pub json_ms: f64,
    pub total_ms: f64,
    /// The fastest and slowest whole run (the noise around the median).
    pub min_ms: f64,
    pub max_ms: f64,
    pub json_bytes: usize,
    pub rows: usize,
    pub bytes_on_disk: u64,
}

/// The figures `frontline bench statement` prints.
#[derive(Debug, Clone)]
pub struct StatementFigures {
    pub main: SizeFigures,
    /// The same at 10,000 entries, when the main size is larger.
    pub baseline: Option<SizeFigures>,
}

/// Measures a month's statement with `entries` time entries (and a 10,000-entry baseline when
/// `entries` is larger), `runs` runs each, in fresh temporary stores removed afterwards.
pub fn statement_figures(entries: usize, runs: usize) -> anyhow::Result<StatementFigures> {
    let runs = runs.max(1);
    let baseline = if entries > BASELINE {
        Some(measure_size(BASELINE, runs)?)
    } else {
        None
    };
    Ok(StatementFigures {
        main: measure_size(entries, runs)?,
        baseline,
    })
}

fn measure_size(entries: usize, runs: usize) -> anyhow::Result<SizeFigures> {
    let bench = StatementBench::new(entries)?;
    let mut first_ms = 0.0;
    let (mut reads, mut builds, mut jsons, mut totals) = (vec![], vec![], vec![], vec![]);
    let (mut json_bytes, mut rows) = (0, 0);
    // One more run than asked: the first, on cold caches, is reported apart.
    for run in 0..=runs {
        let once = bench.once()?;
        json_bytes = once.json_bytes;
        rows = once.rows;
        if run == 0 {
            first_ms = once.total_ms();
            continue;
        }
        reads.push(once.read_ms);
        builds.push(once.build_ms);
        jsons.push(once.json_ms);
        totals.push(once.total_ms());
    }
    let min_ms = totals.iter().copied().fold(f64::INFINITY, f64::min);
    let max_ms = totals.iter().copied().fold(0.0, f64::max);
    Ok(SizeFigures {
        entries,
        runs,
        fill_s: bench.fill_s,
        first_ms,
        read_ms: median(reads),
        build_ms: median(builds),
        json_ms: median(jsons),
        total_ms: median(totals),
        min_ms,
        max_ms,
        json_bytes,
        rows,
        bytes_on_disk: bench.store.size_on_disk(),
    })
}

/// A temporary store holding one organisation with `entries` time entries in one month,
/// reopened after filling; removed when dropped. The criterion bench (`benches/statement.rs`)
/// times [`StatementBench::once`] on it.
pub struct StatementBench {
    pub entries: usize,
    /// Filling the store, in seconds.
    pub fill_s: f64,
    dir: PathBuf,
    store: SledStore,
    tz: TimeZone,
    pricing: Pricing,
}

/// One statement: where the time went.
#[derive(Debug, Clone, Copy)]
pub struct Once {
    pub read_ms: f64,
    pub build_ms: f64,
    pub json_ms: f64,
    pub json_bytes: usize,
    pub rows: usize,
}

impl Once {
    pub fn total_ms(&self) -> f64 {
        self.read_ms + self.build_ms + self.json_ms
    }
}

impl StatementBench {
    pub fn new(entries: usize) -> anyhow::Result<StatementBench> {
        let dir = scratch_dir()?;
        match StatementBench::fill_in(&dir, entries) {
            Ok(b) => Ok(b),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                Err(e)
            }
        }
    }

    fn fill_in(dir: &Path, entries: usize) -> anyhow::Result<StatementBench> {
        let tz = TimeZone::get(ZONE).context("the bench's time zone")?;
        let started = Instant::now();
        {
            let store = SledStore::open(dir)?;
            fill(&store, entries, &tz)?;
            store.flush()?;
        }
        let fill_s = started.elapsed().as_secs_f64();
        Ok(StatementBench {
            entries,
            fill_s,
            dir: dir.to_path_buf(),
            store: SledStore::open(dir)?,
            tz,
            pricing: Pricing {
                currency: "PLN".into(),
                hourly_rate_cents: Some(20_000),
                overage_rate_cents: Some(25_000),
                discounts: vec![(10, 5), (50, 10), (100, 15)],
            },
        })
    }

    /// Reads the account and the month's ledger, builds the statement and serialises it with
    /// [`Statement::json`], as `frontline statements --format json` would; checks it has every entry and sums.
    pub fn once(&self) -> anyhow::Result<Once> {
        let t0 = Instant::now();
        let account = self
            .store
            .account(ORG)?
            .context("the bench's account is stored")?;
        let ledger = self.store.ledger(ORG, Some(MONTH))?;
        let t1 = Instant::now();
        let statement = Statement::build(&account, MONTH, &ledger, &self.pricing, &self.tz);
        let t2 = Instant::now();
        let json = statement.json();
        let t3 = Instant::now();
        anyhow::ensure!(
            ledger.len() == self.entries,
            "read {} entries, wrote {}",
            ledger.len(),
            self.entries
        );
        anyhow::ensure!(statement.sums(), "the statement does not sum");
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
        Ok(Once {
            read_ms: ms(t0, t1),
            build_ms: ms(t1, t2),
            json_ms: ms(t2, t3),
            json_bytes: std::hint::black_box(json).len(),
            rows: statement.entries.len(),
        })
    }
}

impl Drop for StatementBench {
    fn drop(&mut self) {
        // Best effort: a leftover scratch directory in the temp dir is harmless.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The bench's organisation: two blocks and a plan that draws them down, so entries are
/// charged to contracts, split between them and, once they are used, to overage.
fn account(now: u64) -> Account {
    let block = |id: &str, hours: i64, start: &str| Contract {
        id: id.into(),
        kind: Kind::Block,
        minutes: hours * 60,
        price_cents: Some(hours * 18_000),
        start: start.into(),
        expires: None,
        rollover: false,
        monthly_fee_cents: None,
        overage_rate_cents: None,
        past: Past::Blocks,
        rate_cents: None,
        billing: Default::default(),
        require_time: false,
        topups: vec![],
        closed: None,
        created_ms: now,
    };
    let mut plan = block("C-1003", 40, "2026-01-01");
    plan.kind = Kind::Plan;
    plan.price_cents = None;
    plan.monthly_fee_cents = Some(500_000);
    plan.overage_rate_cents = Some(25_000);
    Account {
        id: ORG.into(),
        name: "Bench Organisation".into(),
        timezone: Some(ZONE.into()),
        contracts: vec![
            block("C-1001", 100, "2026-01-10"),
            block("C-1002", 50, "2026-03-05"),
            plan,
        ],
        created_ms: now,
        ..Account::default()
    }
}

/// Writes `n` time entries spread over the month, charged as the desk charges them, in turns of
/// [`BATCH`] entries carrying the account with its revision checked.
fn fill(store: &SledStore, n: usize, tz: &TimeZone) -> anyhow::Result<()> {
    let from = crate::clocks::calendar::parse_instant("2026-03-01T00:00:00+01:00")
        .map_err(anyhow::Error::msg)?;
    let to = crate::clocks::calendar::parse_instant("2026-03-31T23:59:00+02:00")
        .map_err(anyhow::Error::msg)?;
    let step = (to - from) / n.max(1) as u64;
    let mut a = account(from);
    let mut stored_rev: Option<u64> = None;
    let mut i = 0;
    while i < n {
        let mut batch = Vec::with_capacity(BATCH);
        for _ in 0..BATCH.min(n - i) {
            let at = from + step * i as u64;
            let date = local_date(at, tz);
            let minutes = 5 + (mix(i as u64) % 120) as i64;
            let billable = !mix(i as u64 ^ 0xB111).is_multiple_of(10);
            let entry = Entry {
                org: ORG.into(),
                seq: a.entries + 1,
                at_ms: at,
                date: date.clone(),
                ticket: format!("T-{}", 1000 + mix(i as u64 ^ 0x7) % 20_000),
                event: Some((i % 40) as u32),
                agent: format!("agent{}", i % 25),
                minutes,
                activity: Activity::ALL[i % 4],
                billable,
                refund_of: None,
                splits: if billable {
                    a.charge(&date, minutes)
                } else {
                    vec![]
                },
            };
            a.apply(&entry);
            batch.push(entry);
            i += 1;
        }
        a.rev = stored_rev.map_or(1, |r| r + 1);
        let turn = Turn {
            accounts: vec![AccountWrite {
                account: a.clone(),
                expected_rev: stored_rev,
                entries: batch,
            }],
            ..Turn::default()
        };
        store.commit(&turn, from, false)?;
        stored_rev = Some(a.rev);
    }
    Ok(())
}

/// SplitMix64: the same entries on every run.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn scratch_dir() -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "frontline-bench-statement-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

impl fmt::Display for SizeFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} entries ({} statement rows, {:.1} MiB of JSON; store {:.1} MiB, filled in {:.1} s)",
            self.entries,
            self.rows,
            self.json_bytes as f64 / (1024.0 * 1024.0),
            self.bytes_on_disk as f64 / (1024.0 * 1024.0),
            self.fill_s
        )?;
        writeln!(
            f,
            "  statement: {:.1} ms median of {} (fastest {:.1}, slowest {:.1}; first after reopening {:.1})",
            self.total_ms, self.runs, self.min_ms, self.max_ms, self.first_ms
        )?;
        write!(
            f,
            "  of which: read account and ledger {:.1} ms, build {:.1} ms, JSON {:.1} ms",
            self.read_ms, self.build_ms, self.json_ms
        )
    }
}

impl fmt::Display for StatementFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "A month's statement from a sled store on disk ({MONTH}, {ZONE})"
        )?;
        if let Some(b) = &self.baseline {
            writeln!(f, "{b}")?;
        }
        writeln!(f, "{}", self.main)?;
        if let Some(b) = &self.baseline {
            writeln!(
                f,
                "{:.1}x the entries of the baseline took {:.1}x the time",
                self.main.entries as f64 / b.entries.max(1) as f64,
                self.main.total_ms / b.total_ms.max(f64::MIN_POSITIVE)
            )?;
        }
        write!(
            f,
            "target: 100,000 entries in under 200 ms{}",
            if self.main.entries >= 100_000 {
                if self.main.total_ms < 200.0 {
                    " (met)"
                } else {
                    " (NOT met)"
                }
            } else {
                ""
            }
        )
    }
}
