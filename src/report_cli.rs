//! `frontline report`: the desk's figures for a range of days in the configured time zone, as a
//! table, CSV or one JSON object, and `--charts DIR` (SVG and PNG). The figures are
//! `frontline::reports`'s; this is the arguments and the printing.

use std::path::PathBuf;

use anyhow::{Context, Result};
use jiff::civil::Date;

use crate::{DeskArgs, local_setup};
use frontline::platform::control::Io;
use frontline::platform::terminal;
use frontline::reports::{self, Durations, Filters, Params, Period, Report};
use frontline::tickets::now_ms;

#[derive(clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub desk: DeskArgs,
    /// First day, YYYY-MM-DD (inclusive; default: a year before --to).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (inclusive; default: today in the configured time zone).
    #[arg(long)]
    pub to: Option<String>,
    /// day, week (ISO) or month (default: day up to 62 days, week up to 400, else month).
    #[arg(long)]
    pub by: Option<String>,
    /// Only this organisation's tickets (its id).
    #[arg(long, alias = "org")]
    pub organisation: Option<String>,
    /// Only tickets of requesters in this department (of their organisation).
    #[arg(long)]
    pub department: Option<String>,
    /// Only tickets in this queue (where they are now).
    #[arg(long)]
    pub queue: Option<String>,
    /// Only tickets of this intent.
    #[arg(long)]
    pub intent: Option<String>,
    /// Only tickets of requesters on this platform (local, discord, slack).
    #[arg(long)]
    pub platform: Option<String>,
    /// table, csv or json.
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Also write the charts (SVG and PNG) into this directory.
    #[arg(long)]
    pub charts: Option<PathBuf>,
    /// The charts' language: en or pl.
    #[arg(long, default_value = "en")]
    pub lang: String,
}

fn refused(io: &mut Io, why: &str) -> Result<i32> {
    writeln!(io.err, "error: {}", terminal::line(why))?;
    Ok(1)
}

fn date(s: &str, flag: &str) -> Result<Date, String> {
    s.trim()
        .parse::<Date>()
        .map_err(|_| format!("{flag} `{s}`: a day as YYYY-MM-DD, such as 2026-11-01"))
}

pub fn report(a: ReportArgs, io: &mut Io) -> Result<i32> {
    if !["table", "csv", "json"].contains(&a.format.as_str()) {
        return refused(io, &format!("--format `{}`: table, csv or json", a.format));
    }
    if !["en", "pl"].contains(&a.lang.as_str()) {
        return refused(io, &format!("--lang `{}`: en or pl", a.lang));
    }
    let setup = local_setup(&a.desk, io)?;
    let config = &setup.config;
    let tz = config.timezone.clone();
    let today = jiff::Timestamp::from_millisecond(now_ms() as i64)
        .map(|t| t.to_zoned(tz.clone()).date())
        .unwrap_or(jiff::civil::date(2026, 1, 1));
    let to = match a.to.as_deref().map(|s| date(s, "--to")).transpose() {
        Ok(d) => d.unwrap_or(today),
        Err(e) => return refused(io, &e),
    };
    let from = match a.from.as_deref().map(|s| date(s, "--from")).transpose() {
        Ok(d) => d.unwrap_or_else(|| {
            to.checked_sub(jiff::Span::new().years(1))
                .and_then(|d| d.tomorrow())
                .unwrap_or(to)
        }),
        Err(e) => return refused(io, &e),
    };
    if from > to {
        return refused(io, &format!("--from {from} is after --to {to}"));
    }
    let days = (to - from).get_days() + 1;
    if days > 3660 {
        return refused(
            io,
            "the range is longer than ten years: give a shorter --from/--to",
        );
    }
    let by = match a.by.as_deref() {
        None if days <= 62 => Period::Day,
        None if days <= 400 => Period::Week,
        None => Period::Month,
        Some(s) => match Period::parse(s) {
            Some(p) => p,
            None => return refused(io, &format!("--by `{s}`: day, week or month")),
        },
    };
    if let Some(p) = &a.platform
        && frontline::tickets::Platform::parse(p).is_none()
    {
        return refused(
            io,
            &format!("--platform `{p}`: local, discord, slack or web"),
        );
    }
    let params = Params {
        from,
        to,
        by,
        tz,
        tz_name: config.timezone_name.clone(),
        filters: Filters {
            organisation: a.organisation.clone(),
            department: a.department.clone(),
            queue: a.queue.clone(),
            intent: a.intent.clone(),
            platform: a.platform.clone(),
        },
    };
    let store = setup.store()?;
    let err = &mut *io.err;
    let report = reports::compute(store.as_ref(), params, &mut |n| {
        let _ = writeln!(err, "report: {n} tickets read...");
    })?;
    match a.format.as_str() {
        "json" => writeln!(io.out, "{}", terminal::json(&report)?)?,
        "csv" => {
            // Names come from people (departments, agents): shown safe, like the table.
            for line in csv(&report).lines() {
                writeln!(io.out, "{}", terminal::line(line))?;
            }
        }
        _ => {
            for line in table(&report).lines() {
                writeln!(io.out, "{}", terminal::line(line))?;
            }
        }
    }
    if let Some(dir) = &a.charts {
        let path = io.path(dir);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let charts = reports::charts::render_all(&report, &a.lang)?;
        for c in &charts {
            for (ext, bytes) in [("svg", c.svg.as_bytes()), ("png", c.png.as_slice())] {
                let file = path.join(format!("{}.{ext}", c.name));
                std::fs::write(&file, bytes)
                    .with_context(|| format!("cannot write {}", file.display()))?;
            }
        }
        writeln!(
            io.err,
            "charts: {} written to {} ({})",
            charts.len() * 2,
            terminal::line(&dir.display().to_string()),
            charts.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
        )?;
    }
    Ok(0)
}

fn opt(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{:.1}%", x * 100.0))
}

fn durations_line(name: &str, d: &Durations) -> String {
    format!(
        "{name:<40} {:>7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        d.count,
        opt(d.median_minutes),
        opt(d.p90_minutes),
        opt(d.mean_minutes),
        opt(d.business_median_minutes),
        opt(d.business_p90_minutes),
        opt(d.business_mean_minutes)
    )
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The report for people: sections of aligned columns.
pub fn table(r: &Report) -> String {
    let mut s = String::new();
    let mut out = |l: String| {
        s.push_str(&l);
        s.push('\n');
    };
    out(format!(
        "Report {} to {} by {} ({}), {} tickets",
        r.from,
        r.to,
        r.by.as_str(),
        r.timezone,
        r.tickets
    ));
    let f = &r.filters;
    let filters: Vec<String> = [
        ("organisation", &f.organisation),
        ("department", &f.department),
        ("queue", &f.queue),
        ("intent", &f.intent),
        ("platform", &f.platform),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
    .collect();
    if !filters.is_empty() {
        out(format!("Filters: {}", filters.join(", ")));
    }
    out(String::new());
    out("Volume".into());
    for (v, b) in r.volume.iter().zip(&r.backlog) {
        let spike = r
            .spikes
            .iter()
            .find(|s| s.period == v.period)
            .map(|s| format!("  spike (baseline {})", s.baseline))
            .unwrap_or_default();
        out(format!(
            "  {:<10} {:>7} tickets  {:>7} open at the end{spike}",
            v.period, v.tickets, b.open
        ));
    }
    for sp in &r.spikes {
        let names = |v: &[reports::NamedCount]| {
            v.iter()
                .map(|c| format!("{} {}", c.name, c.tickets))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out(format!(
            "  spike {}: {} tickets, baseline {}; intents: {}; organisations: {}",
            sp.period,
            sp.tickets,
            sp.baseline,
            names(&sp.intents),
            names(&sp.organisations)
        ));
    }
    out(String::new());
    let splits = [
        ("intent", &r.volume_by.intent),
        ("category", &r.volume_by.category),
        ("priority", &r.volume_by.priority),
        ("queue", &r.volume_by.queue),
        ("organisation", &r.volume_by.organisation),
        ("department", &r.volume_by.department),
        ("platform", &r.volume_by.platform),
        ("language", &r.volume_by.language),
    ];
    for (dim, rows) in splits {
        let top: Vec<String> = rows
            .iter()
            .take(8)
            .map(|x| format!("{} {}", x.name, x.tickets))
            .collect();
        let more = if rows.len() > 8 {
            format!(" (+{} more)", rows.len() - 8)
        } else {
            String::new()
        };
        out(format!("By {dim:<13} {}{more}", top.join(", ")));
    }
    out(String::new());
    out("Busiest hours (tickets opened, weekday x hour)".into());
    out(format!(
        "       {}",
        (0..24).map(|h| format!("{h:>4}")).collect::<String>()
    ));
    for (d, row) in r.heatmap.iter().enumerate() {
        out(format!(
            "  {}  {}",
            WEEKDAYS[d],
            row.iter().map(|n| format!("{n:>4}")).collect::<String>()
        ));
    }
    out(String::new());
    out(format!(
        "{:<40} {:>7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "Minutes", "count", "median", "p90", "mean", "bus.median", "bus.p90", "bus.mean"
    ));
    out(durations_line("first response", &r.first_response));
    out(durations_line("next response", &r.next_response));
    out(durations_line("resolution", &r.resolution));
    for (what, by) in [
        ("first response", &r.first_response_by),
        ("resolution", &r.resolution_by),
    ] {
        for (dim, rows) in [
            ("priority", &by.priority),
            ("tier", &by.tier),
            ("category", &by.category),
            ("agent", &by.agent),
        ] {
            for g in rows.iter() {
                out(durations_line(
                    &format!("  {what}, {dim} {}", g.name),
                    &g.durations,
                ));
            }
        }
    }
    out(String::new());
    out(format!(
        "Resolved {}; reopen rate {}; first-contact resolution {}",
        r.resolved,
        pct(r.reopen_rate),
        pct(r.first_contact_resolution_rate)
    ));
    for (name, a) in [
        ("first response", &r.sla.first_response),
        ("next response", &r.sla.next_response),
        ("resolution", &r.sla.resolution),
    ] {
        out(format!(
            "SLA {name:<15} met {:>6}  breached {:>6}  attainment {}",
            a.met,
            a.breached,
            pct(a.attainment)
        ));
    }
    let e = &r.escalation;
    out(format!(
        "Escalation: reached L2 {}, L3 {}, vendor {}; L1 to L2 {}, L2 to L3 {}, L3 to vendor {}",
        e.reached_l2,
        e.reached_l3,
        e.reached_vendor,
        pct(e.l1_to_l2),
        pct(e.l2_to_l3),
        pct(e.l3_to_vendor)
    ));
    let d = &r.deflection;
    out(format!(
        "FAQ deflection {}: {} offered, {} helped, {} did not{}",
        pct(r.deflection_rate),
        d.offered,
        d.helped,
        d.not_helped,
        if d.filtered {
            ""
        } else {
            " (every organisation: the bot's counters know intent and platform only)"
        }
    ));
    for row in d.by_intent.iter().take(10) {
        out(format!(
            "  intent {:<28} {:>6} offered {:>6} helped  {}",
            row.name,
            row.offered,
            row.helped,
            pct(row.rate)
        ));
    }
    for row in d.by_article.iter().take(10) {
        out(format!(
            "  article {:<27} {:>6} offered {:>6} helped  {}",
            row.name,
            row.offered,
            row.helped,
            pct(row.rate)
        ));
    }
    let c = &r.csat;
    out(format!(
        "CSAT average {} from {} ratings of {} asked (response rate {}); 1-5: {}",
        opt(r.csat_average),
        c.rated,
        c.asked,
        pct(c.response_rate),
        c.distribution
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" / ")
    ));
    let ch = &r.changes;
    out(format!(
        "Changes: {} marked, {} completed: {} successful, {} failed, {} rolled back; success rate {}",
        ch.marked,
        ch.completed,
        ch.successful,
        ch.failed,
        ch.rolled_back,
        pct(r.change_success_rate)
    ));
    for row in ch.by_month.iter().chain(&ch.by_category) {
        out(format!(
            "  {:<20} {:>5} completed {:>5} successful  {}",
            row.name,
            row.completed,
            row.successful,
            pct(row.rate)
        ));
    }
    out(String::new());
    out("Hours per organisation (tickets opened in the range)".into());
    for h in &r.hours {
        out(format!(
            "  {:<24} {:>6} tickets {}",
            h.organisation,
            h.tickets,
            frontline::contracts::hours(h.minutes as i64)
        ));
    }
    if !r.contracts.is_empty() {
        out("Contracts (charged in the range's months)".into());
        for c in &r.contracts {
            out(format!(
                "  {:<10} {:<16} {:<8} used {}{}",
                c.contract,
                c.organisation,
                c.kind,
                frontline::contracts::hours(c.used_minutes),
                match (c.left_minutes, c.size_minutes) {
                    (Some(l), Some(s)) => format!(
                        ", {} left of {}",
                        frontline::contracts::hours(l),
                        frontline::contracts::hours(s)
                    ),
                    _ => String::new(),
                }
            ));
        }
    }
    out(String::new());
    out("Agents: claimed (first), resolved, handling time".into());
    for a in &r.agents {
        out(format!(
            "  {:<20} {:>6} {:>6}  {}",
            a.agent,
            a.claimed,
            a.resolved,
            frontline::contracts::hours(a.handling_minutes as i64)
        ));
    }
    s
}

fn esc(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The report as rows of `section,group,key,value`.
pub fn csv(r: &Report) -> String {
    let mut s = String::from("section,group,key,value\n");
    let mut row = |a: &str, b: &str, c: &str, v: String| {
        s.push_str(&format!("{},{},{},{}\n", esc(a), esc(b), esc(c), esc(&v)));
    };
    let o = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    row("tickets", "", "", r.tickets.to_string());
    for v in &r.volume {
        row("volume", "", &v.period, v.tickets.to_string());
    }
    for b in &r.backlog {
        row("backlog", "", &b.period, b.open.to_string());
    }
    for sp in &r.spikes {
        row("spike", "", &sp.period, sp.tickets.to_string());
    }
    for (dim, rows) in [
        ("intent", &r.volume_by.intent),
        ("category", &r.volume_by.category),
        ("priority", &r.volume_by.priority),
        ("queue", &r.volume_by.queue),
        ("organisation", &r.volume_by.organisation),
        ("department", &r.volume_by.department),
        ("platform", &r.volume_by.platform),
        ("language", &r.volume_by.language),
    ] {
        for x in rows.iter() {
            row(
                &format!("volume_by_{dim}"),
                &x.name,
                "",
                x.tickets.to_string(),
            );
            for (p, n) in r.volume.iter().zip(&x.periods) {
                row(
                    &format!("volume_by_{dim}"),
                    &x.name,
                    &p.period,
                    n.to_string(),
                );
            }
        }
    }
    for (d, hours) in r.heatmap.iter().enumerate() {
        for (h, n) in hours.iter().enumerate() {
            row("heatmap", WEEKDAYS[d], &format!("{h:02}"), n.to_string());
        }
    }
    let mut durations = |section: &str, group: &str, d: &Durations| {
        for (k, v) in [
            ("count", Some(d.count as f64)),
            ("median_minutes", d.median_minutes),
            ("p90_minutes", d.p90_minutes),
            ("mean_minutes", d.mean_minutes),
            ("business_median_minutes", d.business_median_minutes),
            ("business_p90_minutes", d.business_p90_minutes),
            ("business_mean_minutes", d.business_mean_minutes),
        ] {
            row(section, group, k, o(v));
        }
    };
    for (section, all, by) in [
        ("first_response", &r.first_response, &r.first_response_by),
        ("next_response", &r.next_response, &r.next_response_by),
        ("resolution", &r.resolution, &r.resolution_by),
    ] {
        durations(section, "all", all);
        for (dim, rows) in [
            ("priority", &by.priority),
            ("category", &by.category),
            ("tier", &by.tier),
            ("agent", &by.agent),
        ] {
            for g in rows.iter() {
                durations(section, &format!("{dim}:{}", g.name), &g.durations);
            }
        }
    }
    let mut row = |a: &str, b: &str, c: &str, v: String| {
        s.push_str(&format!("{},{},{},{}\n", esc(a), esc(b), esc(c), esc(&v)));
    };
    row("rates", "", "reopen_rate", o(r.reopen_rate));
    row(
        "rates",
        "",
        "first_contact_resolution_rate",
        o(r.first_contact_resolution_rate),
    );
    row("rates", "", "deflection_rate", o(r.deflection_rate));
    row("rates", "", "csat_average", o(r.csat_average));
    row("rates", "", "change_success_rate", o(r.change_success_rate));
    for (name, a) in [
        ("first_response", &r.sla.first_response),
        ("next_response", &r.sla.next_response),
        ("resolution", &r.sla.resolution),
    ] {
        row("sla", name, "met", a.met.to_string());
        row("sla", name, "breached", a.breached.to_string());
        row("sla", name, "attainment", o(a.attainment));
    }
    let e = &r.escalation;
    row("escalation", "", "reached_l2", e.reached_l2.to_string());
    row("escalation", "", "reached_l3", e.reached_l3.to_string());
    row(
        "escalation",
        "",
        "reached_vendor",
        e.reached_vendor.to_string(),
    );
    for x in &r.deflection.by_intent {
        row(
            "deflection_by_intent",
            &x.name,
            "offered",
            x.offered.to_string(),
        );
        row(
            "deflection_by_intent",
            &x.name,
            "helped",
            x.helped.to_string(),
        );
        row("deflection_by_intent", &x.name, "rate", o(x.rate));
    }
    for x in &r.deflection.by_article {
        row(
            "deflection_by_article",
            &x.name,
            "offered",
            x.offered.to_string(),
        );
        row(
            "deflection_by_article",
            &x.name,
            "helped",
            x.helped.to_string(),
        );
        row("deflection_by_article", &x.name, "rate", o(x.rate));
    }
    for (i, n) in r.csat.distribution.iter().enumerate() {
        row("csat", "", &format!("{}", i + 1), n.to_string());
    }
    row("csat", "", "asked", r.csat.asked.to_string());
    row("csat", "", "response_rate", o(r.csat.response_rate));
    for x in r.changes.by_month.iter().chain(&r.changes.by_category) {
        row("changes", &x.name, "completed", x.completed.to_string());
        row("changes", &x.name, "successful", x.successful.to_string());
        row("changes", &x.name, "rate", o(x.rate));
    }
    for h in &r.hours {
        row("hours", &h.organisation, "tickets", h.tickets.to_string());
        row("hours", &h.organisation, "minutes", h.minutes.to_string());
    }
    for c in &r.contracts {
        row(
            "contracts",
            &c.contract,
            "organisation",
            c.organisation.clone(),
        );
        row(
            "contracts",
            &c.contract,
            "used_minutes",
            c.used_minutes.to_string(),
        );
    }
    for a in &r.agents {
        row("agents", &a.agent, "claimed", a.claimed.to_string());
        row("agents", &a.agent, "resolved", a.resolved.to_string());
        row(
            "agents",
            &a.agent,
            "handling_minutes",
            a.handling_minutes.to_string(),
        );
    }
    s
}
