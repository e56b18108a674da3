//! Draws the charts of the charts benchmark's generated report (a year, 200 organisations) and
//! times them, until `frontline bench charts` runs the same: `cargo run --release --example
//! charts -- [--runs N] [--out DIR] [--lang en|pl] [--by day|week|month] [--days N]`. With
//! `--out`, the SVG and PNG files of the report's first N days (365; 0 for an empty report) are
//! written there to be looked at.

use frontline::reports::{Period, charts};
use frontline::tooling::chart_bench;

fn main() -> anyhow::Result<()> {
    let mut runs = 5;
    let mut out = None;
    let mut lang = "en".to_string();
    let mut by = Period::Day;
    let mut days = 365;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
        };
        match a.as_str() {
            "--runs" => runs = value()?.parse()?,
            "--out" => out = Some(std::path::PathBuf::from(value()?)),
            "--lang" => lang = value()?,
            "--days" => days = value()?.parse()?,
            "--by" => {
                by =
                    Period::parse(&value()?).ok_or_else(|| anyhow::anyhow!("day, week or month"))?
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(&dir)?;
        let report = chart_bench::sample_report_days(days, by);
        for c in charts::render_all(&report, &lang)? {
            std::fs::write(dir.join(format!("{}.svg", c.name)), &c.svg)?;
            std::fs::write(dir.join(format!("{}.png", c.name)), &c.png)?;
        }
        println!("charts written to {}", dir.display());
    }
    println!("{}", chart_bench::run(runs));
    Ok(())
}
