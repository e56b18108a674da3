//! Benchmark of durable timers: `--timers` pending SLA timers (default 1,000,000) written in turns
//! of 10,000 to a durable sled store in a temporary directory, then the store's size on disk, the
//! time to open it again (a restart), the time to list what is due, and the firing throughput of
//! the loop `frontline run` uses (`platform::timers::fire_due`: one durable turn per firing) over
//! the first `--fire` timers (default 5,000), whose tickets are gone (so a firing is the timer's
//! own removal: the cost of the timer machinery, not of the card and notices a real one makes).
//!
//! ```sh
//! cargo run --release --example timer_load [-- --timers 1000000 --fire 5000]
//! ```

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, Result};
use frontline::clocks::timer::{Timer, TimerKind, TimerWrite};
use frontline::config::Config;
use frontline::desk::{Desk, Turn};
use frontline::pack::Pack;
use frontline::store::{SledStore, Store};
use frontline::triage::Triage;

const TURN: usize = 10_000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() -> Result<()> {
    let n = arg("--timers", 1_000_000);
    let fire = arg("--fire", 5_000).min(n);
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("store");
    let base: u64 = 1_800_000_000_000;
    println!("timer_load: {n} pending timers, firing {fire} of them");

    let started = Instant::now();
    {
        let store = SledStore::open(&data)?;
        for chunk in 0..n.div_ceil(TURN) {
            let turn = Turn {
                timers: (chunk * TURN..((chunk + 1) * TURN).min(n))
                    .map(|i| {
                        TimerWrite::Set(Timer {
                            id: format!("T-{}:sla_breach:resolution", 1000 + i),
                            ticket: format!("T-{}", 1000 + i),
                            kind: TimerKind::SlaBreach,
                            about: "resolution".into(),
                            // A minute apart, so the due order is the ticket order.
                            due_ms: base + i as u64 * 60_000,
                        })
                    })
                    .collect(),
                ..Turn::default()
            };
            store.commit(&turn, base, true)?;
        }
        store.flush()?;
    }
    let wrote = started.elapsed();
    println!(
        "  written             {n} timers in {:.1} s ({:.0} timers/s, turns of {TURN}, each flushed)",
        wrote.as_secs_f64(),
        n as f64 / wrote.as_secs_f64()
    );
    println!(
        "  store size          {:.1} MB on disk ({:.0} bytes per timer)",
        dir_size(&data) as f64 / 1e6,
        dir_size(&data) as f64 / n as f64
    );

    let started = Instant::now();
    let store: Arc<dyn Store> = Arc::new(SledStore::open(&data)?);
    println!(
        "  reopen (restart)    {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let all = store.timers(u64::MAX, None, usize::MAX)?;
    println!(
        "  list all pending    {} in {:.2} s",
        all.len(),
        started.elapsed().as_secs_f64()
    );
    anyhow::ensure!(all.len() == n, "{} timers survived, not {n}", all.len());
    drop(all);

    let pack = Pack::builtin().context("the built-in pack")?;
    let desk = Desk::new(
        Arc::new(Triage::new(pack)?),
        Config::default_config(),
        store.clone(),
    );
    let until = base + (fire as u64).saturating_sub(1) * 60_000;
    let started = Instant::now();
    let mut fired = 0;
    loop {
        let k = frontline::platform::timers::fire_due(&desk, until)?;
        if k == 0 {
            break;
        }
        fired += k;
    }
    let took = started.elapsed();
    println!(
        "  fired               {fired} in {:.2} s: {:.0} firings/s (one durable turn each)",
        took.as_secs_f64(),
        fired as f64 / took.as_secs_f64()
    );
    let left = store.timers(u64::MAX, None, usize::MAX)?.len();
    anyhow::ensure!(
        left == n - fire && fired == fire,
        "after firing {fired}: {left} left, expected {}",
        n - fire
    );
    let again = frontline::platform::timers::fire_due(&desk, until)?;
    anyhow::ensure!(again == 0, "{again} fired twice");
    println!("  left                {left} pending; firing again up to the same instant fires 0");
    Ok(())
}
