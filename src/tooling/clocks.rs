//! `frontline calendar due`: when N business minutes after a start have elapsed in a configured
//! calendar, with pauses taken out; the same computation the SLA clocks use.

use std::io::Write;

use anyhow::{Result, anyhow};

use crate::clocks::calendar::{Calendar, Span, parse_instant};
use crate::config::Config;

/// Parses `FROM..TO` (two RFC 3339 instants) as a pause.
pub fn parse_pause(s: &str) -> Result<Span> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| anyhow!("--pause `{s}`: write FROM..TO, two RFC 3339 instants"))?;
    let (a, b) = (
        parse_instant(a).map_err(|e| anyhow!("--pause: {e}"))?,
        parse_instant(b).map_err(|e| anyhow!("--pause: {e}"))?,
    );
    if b < a {
        return Err(anyhow!("--pause `{s}` ends before it starts"));
    }
    Ok((a, b))
}

/// The calendar `name` of `config`; `24x7` (UTC, around the clock) when the configuration does
/// not define one by that name and the name is `24x7`.
pub fn calendar<'c>(config: &'c Config, name: &str) -> Result<std::borrow::Cow<'c, Calendar>> {
    match config.calendars.get(name) {
        Some(c) => Ok(std::borrow::Cow::Borrowed(c)),
        None if name == "24x7" => Ok(std::borrow::Cow::Owned(Calendar::always("24x7"))),
        None => {
            let known: Vec<&str> = config.calendars.keys().map(String::as_str).collect();
            Err(anyhow!(
                "no calendar `{name}` in {} (calendars: {})",
                config.source.display(),
                if known.is_empty() {
                    "none; `24x7` is always there".to_string()
                } else {
                    format!("{}, and `24x7`", known.join(", "))
                }
            ))
        }
    }
}

/// Prints the due instant (`due: ...`, or `{"due", "business_minutes"}`).
pub fn due(
    config: &Config,
    name: &str,
    from: &str,
    minutes: u64,
    pauses: &[String],
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let cal = calendar(config, name)?;
    let from = parse_instant(from).map_err(|e| anyhow!("--from: {e}"))?;
    let pauses = pauses
        .iter()
        .map(|p| parse_pause(p))
        .collect::<Result<Vec<_>>>()?;
    let due = cal.due(from, minutes, &pauses)?;
    let shown = cal.format(due);
    if json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "due": shown, "business_minutes": minutes })
        )?;
    } else {
        writeln!(
            out,
            "due: {shown} ({minutes} business minutes in calendar `{}`, {})",
            cal.name,
            cal.timezone_name()
        )?;
    }
    Ok(())
}
