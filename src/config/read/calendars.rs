//! `[calendars.NAME]`: business-hours calendars, checked with each mistake on its own line (the
//! time zone, every interval, every holiday, the iCalendar file and its lines).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jiff::civil::Date;
use serde::Deserialize;
use toml::Spanned;

use super::{Checker, Text};
use crate::clocks::calendar::{self, Calendar, Hours, WEEKDAYS};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct CalendarFile {
    timezone: Text,
    #[serde(default)]
    holidays: Vec<Spanned<String>>,
    holidays_ics: Text,
    hours: Option<Spanned<HoursFile>>,
}

/// `hours = "24x7"`, or a table of weekdays to interval lists.
#[derive(Deserialize)]
#[serde(untagged)]
pub(in crate::config) enum HoursFile {
    Named(String),
    Week(BTreeMap<String, Vec<String>>),
}

/// The last year an iCalendar file's yearly holidays are repeated to.
const ICS_UNTIL_YEAR: i16 = 2100;

/// Reads every calendar; a calendar with a mistake is left out (and reported).
pub(super) fn calendars(
    c: &mut Checker,
    raw: &BTreeMap<String, Spanned<CalendarFile>>,
    base: &Path,
) -> BTreeMap<String, Calendar> {
    let mut out = BTreeMap::new();
    for (name, cal) in raw {
        let at = cal.span().start;
        let f = cal.get_ref();
        let field = |x: &str| format!("calendars.{name}.{x}");
        let mut ok = true;
        let timezone = match c.required(
            &f.timezone,
            Some(at),
            &field("timezone"),
            "an IANA time zone such as \"Europe/Warsaw\" or \"UTC\"",
        ) {
            Some(tz) => match jiff::tz::TimeZone::get(tz.get_ref().trim()) {
                Ok(z) => Some(z),
                Err(_) => {
                    c.at(
                        tz.span().start,
                        &field("timezone"),
                        format!(
                            "`{}` is not an IANA time zone (such as \"Europe/Warsaw\", \"America/New_York\", \"UTC\")",
                            tz.get_ref()
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        let hours = match &f.hours {
            None => {
                c.at(
                    at,
                    &field("hours"),
                    "missing field: \"24x7\", or a table of weekdays (mon = [\"08:00-16:00\"])",
                );
                None
            }
            Some(h) => hours(c, h, name),
        };
        let mut holidays = BTreeSet::new();
        for (i, d) in f.holidays.iter().enumerate() {
            match d.get_ref().trim().parse::<Date>() {
                Ok(date) => {
                    holidays.insert(date);
                }
                Err(_) => {
                    ok = false;
                    c.at(
                        d.span().start,
                        &format!("calendars.{name}.holidays[{i}]"),
                        format!("`{}` is not a date (YYYY-MM-DD)", d.get_ref()),
                    );
                }
            }
        }
        if let Some(ics) = c.optional(&f.holidays_ics, &field("holidays_ics")) {
            let path = base.join(ics.get_ref().trim());
            match std::fs::read_to_string(&path) {
                Ok(text) => match calendar::ics_holidays(&text, ICS_UNTIL_YEAR) {
                    Ok(dates) => holidays.extend(dates),
                    Err((line, message)) => {
                        ok = false;
                        c.problems.push(crate::pack::PackError {
                            file: path,
                            line,
                            field: field("holidays_ics"),
                            message,
                        });
                    }
                },
                Err(e) => {
                    ok = false;
                    c.at(
                        ics.span().start,
                        &field("holidays_ics"),
                        format!("cannot read {}: {e}", path.display()),
                    );
                }
            }
        }
        let (Some(timezone), Some(hours), true) = (timezone, hours, ok) else {
            continue;
        };
        out.insert(
            name.clone(),
            Calendar {
                name: name.clone(),
                timezone,
                hours,
                holidays,
            },
        );
    }
    out
}

/// The line of `key` inside the table that starts at `from` (the table's own line when absent).
fn key_line(c: &Checker, from: usize, key: &str) -> usize {
    let text = &c.text[from.min(c.text.len())..];
    let mut offset = from;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with(key) && t[key.len()..].trim_start().starts_with('=') {
            return c.line(offset + (line.len() - t.len()));
        }
        offset += line.len();
    }
    c.line(from)
}

fn hours(c: &mut Checker, h: &Spanned<HoursFile>, name: &str) -> Option<Hours> {
    let at = h.span().start;
    let field = format!("calendars.{name}.hours");
    match h.get_ref() {
        HoursFile::Named(s) if s.trim().eq_ignore_ascii_case("24x7") => Some(Hours::Always),
        HoursFile::Named(s) => {
            c.at(
                at,
                &field,
                format!("`{s}`: write \"24x7\", or a table of weekdays (mon = [\"08:00-16:00\"])"),
            );
            None
        }
        HoursFile::Week(days) => {
            let mut week: [Vec<(u16, u16)>; 7] = Default::default();
            let mut ok = true;
            for (day, intervals) in days {
                let line = key_line(c, at, day);
                let Some(i) = WEEKDAYS.iter().position(|d| d == day) else {
                    c.at_line(
                        line,
                        &format!("{field}.{day}"),
                        format!("`{day}` is not a weekday: mon, tue, wed, thu, fri, sat, sun"),
                    );
                    ok = false;
                    continue;
                };
                let mut parsed = Vec::new();
                for (n, s) in intervals.iter().enumerate() {
                    match calendar::parse_interval(s) {
                        Ok(iv) => parsed.push(iv),
                        Err(e) => {
                            c.at_line(line, &format!("{field}.{day}[{n}]"), e);
                            ok = false;
                        }
                    }
                }
                parsed.sort();
                if let Some(w) = parsed.windows(2).find(|w| w[1].0 < w[0].1) {
                    let show = |(a, b): (u16, u16)| {
                        format!("{:02}:{:02}-{:02}:{:02}", a / 60, a % 60, b / 60, b % 60)
                    };
                    c.at_line(
                        line,
                        &format!("{field}.{day}"),
                        format!("{} and {} overlap", show(w[0]), show(w[1])),
                    );
                    ok = false;
                }
                week[i] = parsed;
            }
            if ok && week.iter().all(Vec::is_empty) {
                c.at(at, &field, "no working hours on any day");
                ok = false;
            }
            ok.then_some(Hours::Weekly(week))
        }
    }
}
