//! Business-hours calendars: an IANA time zone, working intervals per weekday (or `24x7`) and
//! holidays. The one question they answer is how business time passes between instants: when
//! `N` business minutes after a start have elapsed (an SLA deadline), and how much business time
//! lies between two instants (what is left of a clock), both with pauses taken out. Instants are
//! milliseconds since the Unix epoch, as tickets hold them; nothing here reads a clock or a file
//! (the time zone data is compiled in).
//!
//! Intervals are half-open (`[08:00, 16:00)`), so a deadline that ends exactly at closing time is
//! at closing time, not at the next opening. A local time that does not exist (the hour skipped
//! when clocks go forward) is read as the instant after the gap, one that exists twice (when they
//! go back) as the first.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

/// Minutes in a day: an interval may end at `24:00`.
pub const DAY_MINUTES: u16 = 24 * 60;

/// How far ahead a deadline is looked for before the calendar is called empty.
const HORIZON_DAYS: usize = 3 * 366;

/// The weekdays as the configuration names them, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// When a calendar's people work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hours {
    /// Around the clock, with no gap at midnight.
    Always,
    /// Working intervals per weekday, Monday first, as minutes after local midnight:
    /// `(480, 960)` is 08:00-16:00. Sorted and not overlapping.
    Weekly([Vec<(u16, u16)>; 7]),
}

/// A named business-hours calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub name: String,
    pub timezone: TimeZone,
    pub hours: Hours,
    /// Local dates with no business hours.
    pub holidays: BTreeSet<Date>,
}

/// A half-open span of time `[from, to)` in ms since the epoch.
pub type Span = (u64, u64);

/// Why a deadline cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar `{0}` has no business hours within {HORIZON_DAYS} days of the start")]
    NoBusinessTime(String),
    #[error("{0} is outside the range of dates this calendar can compute")]
    OutOfRange(u64),
}

impl Calendar {
    /// Around the clock in UTC: what a desk without calendars counts in.
    pub fn always(name: &str) -> Calendar {
        Calendar {
            name: name.to_string(),
            timezone: TimeZone::UTC,
            hours: Hours::Always,
            holidays: BTreeSet::new(),
        }
    }

    /// The time zone's name (`Europe/Warsaw`), or `UTC`.
    pub fn timezone_name(&self) -> &str {
        self.timezone.iana_name().unwrap_or("UTC")
    }

    /// The instant a local date and minute of the day is (`24:00` is the next midnight).
    fn instant(&self, date: Date, minute: u16) -> Option<u64> {
        let (date, minute) = if minute >= DAY_MINUTES {
            (date.tomorrow().ok()?, minute - DAY_MINUTES)
        } else {
            (date, minute)
        };
        let time = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).ok()?;
        let zoned = date
            .to_datetime(time)
            .to_zoned(self.timezone.clone())
            .ok()?;
        u64::try_from(zoned.timestamp().as_millisecond()).ok()
    }

    /// The local date of an instant.
    fn date_of(&self, ms: u64) -> Option<Date> {
        let ts = Timestamp::from_millisecond(i64::try_from(ms).ok()?).ok()?;
        Some(ts.to_zoned(self.timezone.clone()).date())
    }

    /// The business intervals of one local date, as instants, in order.
    pub fn day(&self, date: Date) -> Vec<Span> {
        if self.holidays.contains(&date) {
            return vec![];
        }
        let intervals: &[(u16, u16)] = match &self.hours {
            Hours::Always => &[(0, DAY_MINUTES)],
            Hours::Weekly(week) => &week[date.weekday().to_monday_zero_offset() as usize],
        };
        intervals
            .iter()
            .filter_map(|&(a, b)| Some((self.instant(date, a)?, self.instant(date, b)?)))
            .filter(|(a, b)| a < b)
            .collect()
    }

    /// The first instant after `after` that is the local time `minute` (minutes after midnight)
    /// on a working day (one with business hours) at least `skip_days` local days after
    /// `after`'s date: when a scheduled post (a security tip) goes out.
    pub fn next_at(&self, after: u64, minute: u16, skip_days: u32) -> Option<u64> {
        let mut date = self.date_of(after)?;
        for _ in 0..skip_days {
            date = date.tomorrow().ok()?;
        }
        for _ in 0..HORIZON_DAYS {
            if !self.day(date).is_empty()
                && let Some(at) = self.instant(date, minute)
                && at > after
            {
                return Some(at);
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// Whether `ms` is within business hours.
    pub fn is_open(&self, ms: u64) -> bool {
        self.date_of(ms)
            .is_some_and(|d| self.day(d).iter().any(|&(a, b)| a <= ms && ms < b))
    }

    /// The business intervals from `from` on, pauses taken out, until `visit` says stop (returns
    /// true) or the horizon is passed.
    fn walk(
        &self,
        from: u64,
        pauses: &[Span],
        mut visit: impl FnMut(Span) -> bool,
    ) -> Result<(), CalendarError> {
        let mut pauses: Vec<Span> = pauses.iter().copied().filter(|(a, b)| a < b).collect();
        pauses.sort();
        let mut date = self.date_of(from).ok_or(CalendarError::OutOfRange(from))?;
        let mut empty_days = 0;
        for _ in 0..HORIZON_DAYS * 2 {
            let day = self.day(date);
            if day.is_empty() {
                empty_days += 1;
            }
            for (a, b) in day {
                let a = a.max(from);
                if b <= a {
                    continue;
                }
                for piece in without(a, b, &pauses) {
                    if visit(piece) {
                        return Ok(());
                    }
                }
            }
            if empty_days > HORIZON_DAYS {
                break;
            }
            date = date
                .tomorrow()
                .map_err(|_| CalendarError::OutOfRange(from))?;
        }
        Err(CalendarError::NoBusinessTime(self.name.clone()))
    }

    /// The earliest instant at which `minutes` business minutes have elapsed since `from`, not
    /// counting `pauses` (half-open spans, in any order, overlapping or not).
    pub fn due(&self, from: u64, minutes: u64, pauses: &[Span]) -> Result<u64, CalendarError> {
        self.due_ms(from, minutes.saturating_mul(60_000), pauses)
    }

    /// [`Calendar::due`] for a budget in milliseconds.
    pub fn due_ms(&self, from: u64, budget_ms: u64, pauses: &[Span]) -> Result<u64, CalendarError> {
        if budget_ms == 0 {
            return Ok(from);
        }
        let mut left = budget_ms;
        let mut due = None;
        self.walk(from, pauses, |(a, b)| {
            let len = b - a;
            if left <= len {
                due = Some(a + left);
                return true;
            }
            left -= len;
            false
        })?;
        due.ok_or(CalendarError::NoBusinessTime(self.name.clone()))
    }

    /// Business milliseconds in `[from, to)`, not counting `pauses`.
    pub fn business_ms(&self, from: u64, to: u64, pauses: &[Span]) -> u64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        let walked = self.walk(from, pauses, |(a, b)| {
            if a >= to {
                return true;
            }
            total += b.min(to) - a;
            b >= to
        });
        // An empty calendar has no business time in any span.
        if walked.is_err() {
            return total;
        }
        total
    }

    /// An instant as RFC 3339 in this calendar's UTC offset at that instant
    /// (`2026-11-27T16:00:00+01:00`).
    pub fn format(&self, ms: u64) -> String {
        match i64::try_from(ms)
            .ok()
            .and_then(|m| Timestamp::from_millisecond(m).ok())
        {
            Some(ts) => rfc3339(&ts.to_zoned(self.timezone.clone())),
            None => ms.to_string(),
        }
    }
}

/// `zoned` as RFC 3339 with its offset; milliseconds only when there are some.
pub fn rfc3339(zoned: &jiff::Zoned) -> String {
    if zoned.subsec_nanosecond() == 0 {
        zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
    } else {
        zoned.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
    }
}

/// Parses an RFC 3339 instant with an offset (`2026-11-27T09:00:00+01:00`, `...Z`) as ms since
/// the epoch.
pub fn parse_instant(s: &str) -> Result<u64, String> {
    let ts: Timestamp = s
        .trim()
        .parse()
        .map_err(|e| format!("`{s}` is not an RFC 3339 instant with an offset: {e}"))?;
    u64::try_from(ts.as_millisecond()).map_err(|_| format!("`{s}` is before 1970"))
}

/// `[a, b)` without the (sorted) pauses.
fn without(a: u64, b: u64, pauses: &[Span]) -> Vec<Span> {
    let mut pieces = vec![];
    let mut at = a;
    for &(pa, pb) in pauses {
        if pb <= at || pa >= b {
            continue;
        }
        if pa > at {
            pieces.push((at, pa));
        }
        at = at.max(pb);
        if at >= b {
            break;
        }
    }
    if at < b {
        pieces.push((at, b));
    }
    pieces
}

/// Parses `"08:00-12:00"` (the end may be `24:00`) as minutes after midnight.
pub fn parse_interval(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("`{s}` is not an interval like \"08:00-16:00\""))?;
    let minute = |t: &str| -> Result<u16, String> {
        let (h, m) = t
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("`{t}` is not a time like \"08:00\""))?;
        let (h, m): (u16, u16) = (
            h.parse()
                .map_err(|_| format!("`{t}` is not a time like \"08:00\""))?,
            m.parse()
                .map_err(|_| format!("`{t}` is not a time like \"08:00\""))?,
        );
        if m >= 60 || h > 24 || (h == 24 && m > 0) || t.trim().len() != 5 {
            return Err(format!("`{t}` is not a time of day (00:00 to 24:00)"));
        }
        Ok(h * 60 + m)
    };
    let (a, b) = (minute(a)?, minute(b)?);
    if a == DAY_MINUTES {
        return Err(format!("`{s}`: an interval cannot start at 24:00"));
    }
    if b <= a {
        return Err(format!(
            "`{s}` ends before it starts (an interval past midnight is two: \"22:00-24:00\" and the next day's \"00:00-06:00\")"
        ));
    }
    Ok((a, b))
}

/// Holidays from an iCalendar text: the dates of each `VEVENT` from `DTSTART` to `DTEND`
/// (exclusive; one day without it), yearly ones (`RRULE:FREQ=YEARLY`) repeated up to
/// `until_year`. Errors name the line.
pub fn ics_holidays(text: &str, until_year: i16) -> Result<BTreeSet<Date>, (usize, String)> {
    // Unfold: a line starting with a space or tab continues the previous one.
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let raw = raw.trim_end_matches('\r');
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some(last) = lines.last_mut()
        {
            last.1.push_str(rest);
            continue;
        }
        lines.push((i + 1, raw.to_string()));
    }
    let mut dates = BTreeSet::new();
    let mut event: Option<(usize, Option<Date>, Option<Date>, bool)> = None;
    let date_of = |line: usize, value: &str| -> Result<Date, (usize, String)> {
        let v = value.trim();
        let d = v.get(..8).unwrap_or("");
        let (y, m, day) = (
            d.get(..4).and_then(|x| x.parse::<i16>().ok()),
            d.get(4..6).and_then(|x| x.parse::<i8>().ok()),
            d.get(6..8).and_then(|x| x.parse::<i8>().ok()),
        );
        match (y, m, day) {
            (Some(y), Some(m), Some(day)) => {
                Date::new(y, m, day).map_err(|e| (line, format!("`{v}` is not a date: {e}")))
            }
            _ => Err((line, format!("`{v}` is not a date (YYYYMMDD)"))),
        }
    };
    for (n, line) in &lines {
        let (name, value) = match line.split_once(':') {
            Some((k, v)) => (k.split(';').next().unwrap_or("").to_ascii_uppercase(), v),
            None => continue,
        };
        match (name.as_str(), value.trim()) {
            ("BEGIN", "VEVENT") => event = Some((*n, None, None, false)),
            ("DTSTART", v) if event.is_some() => {
                let d = date_of(*n, v)?;
                if let Some(e) = event.as_mut() {
                    e.1 = Some(d);
                }
            }
            ("DTEND", v) if event.is_some() => {
                let d = date_of(*n, v)?;
                if let Some(e) = event.as_mut() {
                    e.2 = Some(d);
                }
            }
            ("RRULE", v) if event.is_some() => {
                let parts: Vec<&str> = v.split(';').filter(|p| !p.is_empty()).collect();
                if parts.iter().any(|p| p.eq_ignore_ascii_case("FREQ=YEARLY")) && parts.len() == 1 {
                    if let Some(e) = event.as_mut() {
                        e.3 = true;
                    }
                } else {
                    return Err((
                        *n,
                        format!("`RRULE:{v}`: only FREQ=YEARLY (with nothing else) is understood"),
                    ));
                }
            }
            ("END", "VEVENT") => {
                let Some((start_line, start, end, yearly)) = event.take() else {
                    continue;
                };
                let start = start.ok_or((start_line, "a VEVENT without DTSTART".to_string()))?;
                let days = match end {
                    Some(end) => {
                        let span = start
                            .until(end)
                            .map_err(|e| (start_line, e.to_string()))?
                            .get_days();
                        if span <= 0 {
                            return Err((start_line, "DTEND is not after DTSTART".to_string()));
                        }
                        span
                    }
                    None => 1,
                };
                let mut first = start;
                loop {
                    let mut d = first;
                    for _ in 0..days.min(366) {
                        dates.insert(d);
                        d = match d.tomorrow() {
                            Ok(t) => t,
                            Err(_) => break,
                        };
                    }
                    if !yearly || first.year() >= until_year {
                        break;
                    }
                    first = match first.checked_add(jiff::Span::new().years(1)) {
                        Ok(f) => f,
                        Err(_) => break,
                    };
                }
            }
            _ => {}
        }
    }
    Ok(dates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warsaw() -> Calendar {
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for d in week.iter_mut().take(5) {
            *d = vec![(480, 720), (750, 960)];
        }
        Calendar {
            name: "office-pl".into(),
            timezone: TimeZone::get("Europe/Warsaw").unwrap(),
            hours: Hours::Weekly(week),
            holidays: [Date::new(2026, 11, 11).unwrap()].into_iter().collect(),
        }
    }

    fn at(s: &str) -> u64 {
        parse_instant(s).unwrap()
    }

    #[test]
    fn a_deadline_at_closing_time_stays_there() {
        let c = warsaw();
        // Friday 15:00 + 60 min = Friday 16:00, not Monday 08:00.
        let due = c.due(at("2026-11-27T15:00:00+01:00"), 60, &[]).unwrap();
        assert_eq!(c.format(due), "2026-11-27T16:00:00+01:00");
        let due = c.due(at("2026-11-27T15:00:00+01:00"), 61, &[]).unwrap();
        assert_eq!(c.format(due), "2026-11-30T08:01:00+01:00");
    }

    #[test]
    fn lunch_holidays_and_pauses_are_not_business_time() {
        let c = warsaw();
        // Tuesday 10 Nov 11:30 + 60: 30 before lunch, 30 after (12:30-13:00).
        let due = c.due(at("2026-11-10T11:30:00+01:00"), 60, &[]).unwrap();
        assert_eq!(c.format(due), "2026-11-10T13:00:00+01:00");
        // Tuesday 15:00 + 120 min: 60 on Tuesday, Wednesday 11 Nov is a holiday, 60 on Thursday.
        let due = c.due(at("2026-11-10T15:00:00+01:00"), 120, &[]).unwrap();
        assert_eq!(c.format(due), "2026-11-12T09:00:00+01:00");
        // A pause of an hour inside business time moves it by an hour.
        let pause = (
            at("2026-11-12T08:00:00+01:00"),
            at("2026-11-12T09:00:00+01:00"),
        );
        let due = c
            .due(at("2026-11-10T15:00:00+01:00"), 120, &[pause])
            .unwrap();
        assert_eq!(c.format(due), "2026-11-12T10:00:00+01:00");
        assert_eq!(
            c.business_ms(
                at("2026-11-10T15:00:00+01:00"),
                at("2026-11-12T10:00:00+01:00"),
                &[pause]
            ),
            120 * 60_000
        );
    }

    #[test]
    fn intervals_and_ics_are_read_or_refused_with_a_reason() {
        assert_eq!(parse_interval("08:00-24:00"), Ok((480, 1440)));
        assert!(
            parse_interval("16:00-08:00")
                .unwrap_err()
                .contains("ends before")
        );
        assert!(parse_interval("8-16").is_err());
        assert!(parse_interval("24:00-24:00").is_err());
        let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let d = ics_holidays(ics, 2028).unwrap();
        let has = |y, m, day| d.contains(&Date::new(y, m, day).unwrap());
        assert!(has(2026, 12, 24) && has(2026, 12, 26) && !has(2026, 12, 27));
        assert!(has(2026, 1, 1) && has(2027, 1, 1) && has(2028, 1, 1));
        let bad = "BEGIN:VEVENT\nDTSTART:2026XX01\nEND:VEVENT\n";
        assert_eq!(ics_holidays(bad, 2030).unwrap_err().0, 2);
    }
}
