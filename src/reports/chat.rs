//! Reports in chat: the period words of `/stats` (English and Polish), and the short summaries
//! the desk sends: an agent's `/stats`, the weekly digest, an organisation contact's monthly
//! summary. Pure functions of a [`Report`] and the words typed; the desk computes the report.

use jiff::civil::Date;
use jiff::{Span, ToSpan};

use super::charts::Lang;
use super::{Durations, Period, Report};
use crate::triage::normalize::normalize;

/// The days a chat report covers and how its volume is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First and last day, inclusive, in the configuration's time zone.
    pub from: Date,
    pub to: Date,
    pub by: Period,
}

/// The longest range `/stats` reads: two years of days.
const MAX_DAYS: i64 = 731;

/// The grouping a range of `days` reads best in: days up to a month, weeks up to half a year,
/// months beyond.
fn grouping(days: i64) -> Period {
    match days {
        ..=31 => Period::Day,
        32..=186 => Period::Week,
        _ => Period::Month,
    }
}

fn range(from: Date, to: Date) -> Option<Range> {
    let days = (to - from).get_days() as i64 + 1;
    (1..=MAX_DAYS).contains(&days).then(|| Range {
        from,
        to,
        by: grouping(days),
    })
}

fn minus(d: Date, span: Span) -> Option<Date> {
    d.checked_sub(span).ok()
}

fn month_start(d: Date) -> Option<Date> {
    Date::new(d.year(), d.month(), 1).ok()
}

fn month_range(y: i16, m: i8, today: Date) -> Option<Range> {
    let from = Date::new(y, m, 1).ok()?;
    let last = from.last_of_month();
    range(from, last.min(today).max(from))
}

/// A date written `2026-11-27`.
fn day(s: &str) -> Option<Date> {
    (s.len() == 10).then(|| s.parse().ok()).flatten()
}

/// `2026-11`.
fn month(s: &str) -> Option<(i16, i8)> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let (y, m): (i16, i8) = (y.parse().ok()?, m.parse().ok()?);
    (1..=12).contains(&m).then_some((y, m))
}

/// `2026-W47` (or `2026-w47`).
fn iso_week(s: &str) -> Option<Date> {
    let (y, w) = s.split_once("-w")?;
    let (y, w): (i16, i8) = (y.parse().ok()?, w.parse().ok()?);
    jiff::civil::ISOWeekDate::new(y, w, jiff::civil::Weekday::Monday)
        .ok()
        .map(|d| d.date())
}

/// A number of days, weeks or months: `30d`, `30 days`, `4 weeks`, `ostatnie 30 dni`, `3 mies`.
fn last_n(words: &[&str]) -> Option<(i64, char)> {
    let unit = |w: &str| -> Option<char> {
        const DAYS: &[&str] = &["d", "day", "days", "dzien", "dni"];
        const WEEKS: &[&str] = &["w", "wk", "week", "weeks", "tydzien", "tygodnie", "tygodni"];
        const MONTHS: &[&str] = &[
            "m", "mo", "month", "months", "mies", "miesiac", "miesiace", "miesiecy",
        ];
        if DAYS.contains(&w) {
            Some('d')
        } else if WEEKS.contains(&w) {
            Some('w')
        } else if MONTHS.contains(&w) {
            Some('m')
        } else {
            None
        }
    };
    let rest: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| {
            !matches!(
                *w,
                "last" | "past" | "the" | "ostatnie" | "ostatnich" | "ostatni"
            )
        })
        .collect();
    match rest.as_slice() {
        [one] => {
            let split = one.find(|c: char| !c.is_ascii_digit())?;
            let (n, u) = one.split_at(split);
            Some((n.parse().ok()?, unit(u)?))
        }
        [n, u] => Some((n.parse().ok()?, unit(u)?)),
        _ => None,
    }
}

/// Reads the period of `/stats` as typed, `today` being the local date where it is asked.
/// Empty is the last seven days. `None`: not a period it knows (the caller shows
/// [`period_help`]).
pub fn parse_period(typed: &str, today: Date) -> Option<Range> {
    let folded = normalize(typed).text;
    let text = folded.trim();
    let words: Vec<&str> = text.split_whitespace().collect();
    let this = |w: &str| matches!(w, "this" | "current" | "ten" | "ta" | "biezacy" | "obecny");
    let last = |w: &str| {
        matches!(
            w,
            "last" | "previous" | "prior" | "zeszly" | "poprzedni" | "ubiegly" | "ostatni"
        )
    };
    let unit = |w: &str| match w {
        "week" | "tydzien" => Some('w'),
        "month" | "miesiac" => Some('m'),
        "year" | "rok" => Some('y'),
        _ => None,
    };
    let week_start = minus(
        today,
        (today.weekday().to_monday_zero_offset() as i64).days(),
    )?;
    let named = |u: char, previous: bool| -> Option<Range> {
        match (u, previous) {
            ('w', false) => range(week_start, today),
            ('w', true) => {
                let from = minus(week_start, 7.days())?;
                range(from, minus(week_start, 1.day())?)
            }
            ('m', false) => range(month_start(today)?, today),
            ('m', true) => {
                let end = minus(month_start(today)?, 1.day())?;
                range(month_start(end)?, end)
            }
            ('y', false) => range(Date::new(today.year(), 1, 1).ok()?, today),
            ('y', true) => {
                let y = today.year() - 1;
                range(Date::new(y, 1, 1).ok()?, Date::new(y, 12, 31).ok()?)
            }
            _ => None,
        }
    };
    match words.as_slice() {
        [] => return range(minus(today, 6.days())?, today),
        ["today" | "dzis" | "dzisiaj"] => return range(today, today),
        ["yesterday" | "wczoraj"] => {
            let y = minus(today, 1.day())?;
            return range(y, y);
        }
        [u] if unit(u).is_some() => return named(unit(u)?, false),
        [w, u] if unit(u).is_some() && (this(w) || last(w)) => return named(unit(u)?, last(w)),
        _ => {}
    }
    if let Some((n, u)) = last_n(&words) {
        if n < 1 {
            return None;
        }
        let from = match u {
            'd' => minus(today, (n - 1).days()),
            'w' => minus(today, (n * 7 - 1).days()),
            _ => minus(today, n.months()).and_then(|d| d.tomorrow().ok()),
        }?;
        return range(from, today);
    }
    // Dates: one day, a month, an ISO week, a year, or two days with `..`, `to`, `do`, `–`.
    let compact = text
        .replace(" to ", "..")
        .replace(" do ", "..")
        .replace(" - ", "..")
        .replace('–', "..");
    let compact = compact.replace(' ', "");
    if let Some((a, b)) = compact.split_once("..") {
        return range(day(a)?, day(b)?).filter(|r| r.from <= r.to);
    }
    if let Some(d) = day(&compact) {
        return range(d, d);
    }
    if let Some((y, m)) = month(&compact) {
        return month_range(y, m, today);
    }
    if let Some(monday) = iso_week(&compact) {
        let sunday = monday.checked_add(6.days()).ok()?;
        return range(monday, sunday.min(today).max(monday));
    }
    if compact.len() == 4
        && let Ok(y) = compact.parse::<i16>()
    {
        let from = Date::new(y, 1, 1).ok()?;
        return range(from, Date::new(y, 12, 31).ok()?.min(today).max(from));
    }
    None
}

/// What `/stats` accepts, for a period it did not understand.
pub fn period_help(lang: &str) -> &'static str {
    Lang::of(lang).t(
        "I can show: today, yesterday, this week, last week, this month, last month, this year, last year, 30 days (or 30d, 4 weeks, 3 months), a day 2026-11-27, a month 2026-11, a week 2026-W47, a year 2026, or 2026-11-01..2026-11-15. Nothing after /stats is the last 7 days.",
        "Mogę pokazać: dziś, wczoraj, ten tydzień, zeszły tydzień, ten miesiąc, zeszły miesiąc, ten rok, zeszły rok, 30 dni (albo 30d, 4 tygodnie, 3 miesiące), dzień 2026-11-27, miesiąc 2026-11, tydzień 2026-W47, rok 2026 albo 2026-11-01..2026-11-15. Samo /stats to ostatnie 7 dni.",
    )
}

/// Minutes as people read a duration: `45 min`, `3 h 5 min`, `2 d 4 h`.
pub fn duration(minutes: f64, lang: Lang) -> String {
    let m = minutes.max(0.0).round() as u64;
    let d = match (lang, m / 1440) {
        (Lang::Pl, 1) => "dzień",
        (Lang::Pl, _) => "dni",
        _ => "d",
    };
    match (m / 1440, (m % 1440) / 60, m % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (days, 0, _) => format!("{days} {d}"),
        (days, h, _) => format!("{days} {d} {h} h"),
    }
}

fn or_none(v: Option<String>, lang: Lang) -> String {
    v.unwrap_or_else(|| lang.t("none yet", "brak").to_string())
}

/// `median 14 min, p90 1 h 20 min`.
fn times(d: &Durations, lang: Lang) -> String {
    match (d.median_minutes, d.p90_minutes) {
        (Some(med), Some(p90)) => format!(
            "{} {}, p90 {}",
            lang.t("median", "mediana"),
            duration(med, lang),
            duration(p90, lang)
        ),
        _ => lang.t("none yet", "brak").to_string(),
    }
}

fn resolution(d: &Durations, lang: Lang) -> String {
    let mut s = times(&d.clone(), lang);
    if let Some(b) = d.business_median_minutes {
        // Business time in hours: a "day" of it would read as 24 of them.
        s.push_str(&format!(
            "; {} {}",
            lang.t("median in business hours", "mediana w godzinach pracy"),
            crate::contracts::hours(b.round() as i64)
        ));
    }
    s
}

/// Tickets open at the end of the range.
fn open_at_end(r: &Report) -> u64 {
    r.backlog.last().map_or(0, |b| b.open)
}

/// The busiest weekday and hour of the heatmap: (weekday 0 = Monday, hour, tickets).
fn busiest(r: &Report) -> Option<(usize, usize, u64)> {
    let mut best: Option<(usize, usize, u64)> = None;
    for (d, row) in r.heatmap.iter().enumerate() {
        for (h, n) in row.iter().enumerate() {
            if *n > 0 && best.is_none_or(|b| *n > b.2) {
                best = Some((d, h, *n));
            }
        }
    }
    best
}

fn sla_line(r: &Report, lang: Lang) -> String {
    let part =
        |name: &str, a: &super::Attainment| a.attainment.map(|v| format!("{name} {}", lang.pct(v)));
    let parts: Vec<String> = [
        part(
            lang.t("first response", "pierwsza odpowiedź"),
            &r.sla.first_response,
        ),
        part(lang.t("resolution", "rozwiązanie"), &r.sla.resolution),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        lang.t("no clock stopped yet", "żaden zegar jeszcze nie stanął")
            .to_string()
    } else {
        parts.join(", ")
    }
}

fn csat_line(r: &Report, lang: Lang) -> String {
    match r.csat_average {
        Some(avg) => format!(
            "{} / 5 ({}{})",
            lang.num(avg, 1),
            lang.ratings(r.csat.rated),
            r.csat
                .response_rate
                .map(|v| format!(", {} {}", lang.pct(v), lang.t("answered", "odpowiedzi")))
                .unwrap_or_default()
        ),
        None => lang.t("no ratings yet", "brak ocen").to_string(),
    }
}

/// The heading's range: `2026-11-16 – 2026-11-22 (Europe/Warsaw)`.
fn heading_range(r: &Report, lang: Lang) -> String {
    format!("{} ({})", lang.range(&r.from, &r.to), r.timezone)
}

/// The heading and the lines every summary has: tickets, first response, resolution, SLA.
/// `heading` and `resolution_word` in English and Polish.
fn common_lines(
    r: &Report,
    l: Lang,
    heading: String,
    resolution_word: (&'static str, &'static str),
) -> Vec<String> {
    vec![
        heading,
        format!(
            "- {}: {} {}, {} {}; {} {}",
            l.t("Tickets", "Zgłoszenia"),
            r.tickets,
            l.t("opened", "nowych"),
            r.resolved,
            l.t("resolved", "rozwiązanych"),
            open_at_end(r),
            l.t("open at the end", "otwartych na koniec"),
        ),
        format!(
            "- {}: {}",
            l.t("First response", "Pierwsza odpowiedź"),
            times(&r.first_response, l)
        ),
        format!(
            "- {}: {}",
            l.t(resolution_word.0, resolution_word.1),
            resolution(&r.resolution, l)
        ),
        format!("- {}: {}", l.t("SLA met", "SLA dotrzymane"), sla_line(r, l)),
    ]
}

/// `- Top intents: vpn 5, email 4, password_reset 4`, under `label`, if any ticket has one.
fn top_intents(r: &Report, l: Lang, label: (&'static str, &'static str)) -> Option<String> {
    let top: Vec<String> = r
        .volume_by
        .intent
        .iter()
        .filter(|s| s.tickets > 0)
        .take(3)
        .map(|s| format!("{} {}", s.name, s.tickets))
        .collect();
    (!top.is_empty()).then(|| format!("- {}: {}", l.t(label.0, label.1), top.join(", ")))
}

/// Minutes logged in the report's organisations, as hours.
fn logged(r: &Report) -> (u64, String) {
    let minutes: u64 = r.hours.iter().map(|h| h.minutes).sum();
    (minutes, crate::contracts::hours(minutes as i64))
}

/// An agent's `/stats` and the weekly digest: the desk's figures for the range, a line each.
pub fn summary(r: &Report, lang: &str) -> String {
    let l = Lang::of(lang);
    let heading = format!(
        "{} {}:",
        l.t("Support desk figures for", "Wyniki helpdesku za"),
        heading_range(r, l)
    );
    let mut lines = common_lines(
        r,
        l,
        heading,
        ("Resolution (MTTR)", "Czas rozwiązania (MTTR)"),
    );
    lines.push(format!(
        "- {}: {}; {}: {}",
        l.t("Reopened", "Ponownie otwarte"),
        or_none(r.reopen_rate.map(|v| l.pct(v)), l),
        l.t(
            "first-contact resolution",
            "rozwiązane przy pierwszym kontakcie"
        ),
        or_none(r.first_contact_resolution_rate.map(|v| l.pct(v)), l),
    ));
    lines.push(format!(
        "- {}: {}",
        l.t("FAQ deflection", "Rozwiązane przez FAQ"),
        match r.deflection_rate {
            Some(v) => format!(
                "{} ({} {} {})",
                l.pct(v),
                r.deflection.helped,
                l.t("of", "z"),
                r.deflection.offered
            ),
            None => l
                .t("no answers offered", "brak odpowiedzi z FAQ")
                .to_string(),
        }
    ));
    lines.push(format!("- CSAT: {}", csat_line(r, l)));
    if let Some(rate) = r.change_success_rate {
        lines.push(format!(
            "- {}: {} ({} {} {})",
            l.t("Changes successful", "Udane zmiany"),
            l.pct(rate),
            r.changes.successful,
            l.t("of", "z"),
            r.changes.completed
        ));
    }
    if let Some((d, h, n)) = busiest(r) {
        lines.push(format!(
            "- {}: {} {:02}:00-{:02}:00 ({})",
            l.t("Busiest hour", "Najwięcej zgłoszeń"),
            match l {
                Lang::En => l.weekday(d).to_string(),
                Lang::Pl => l.weekday(d).to_lowercase(),
            },
            h,
            (h + 1) % 24,
            l.tickets(n)
        ));
    }
    lines.extend(top_intents(r, l, ("Top intents", "Najczęstsze tematy")));
    for s in r.spikes.iter().take(2) {
        let drivers: Vec<&str> = s.intents.iter().take(2).map(|n| n.name.as_str()).collect();
        lines.push(format!(
            "- {}: {} ({} {} {}){}",
            l.t("Spike", "Skok"),
            s.period,
            l.tickets(s.tickets),
            l.t("vs about", "wobec ok."),
            l.num(s.baseline, 0),
            if drivers.is_empty() {
                String::new()
            } else {
                format!(", {} {}", l.t("mostly", "głównie"), drivers.join(", "))
            }
        ));
    }
    let (minutes, hours) = logged(r);
    if minutes > 0 {
        lines.push(format!(
            "- {}: {hours}",
            l.t("Time logged", "Zalogowany czas")
        ));
    }
    lines.join("\n")
}

/// An organisation contact's monthly summary: their own organisation's tickets only (`r` is
/// filtered by it), named `org`.
pub fn organisation_summary(r: &Report, org: &str, lang: &str) -> String {
    let l = Lang::of(lang);
    let heading = format!(
        "{} {}, {}:",
        l.t("Support summary for", "Podsumowanie wsparcia dla"),
        org,
        heading_range(r, l)
    );
    let mut lines = common_lines(r, l, heading, ("Time to resolve", "Czas rozwiązania"));
    lines.push(format!(
        "- {}: {}",
        l.t("Your ratings", "Wasze oceny"),
        csat_line(r, l)
    ));
    lines.push(format!(
        "- {}: {}",
        l.t("Time our agents logged", "Czas pracy naszych konsultantów"),
        logged(r).1
    ));
    lines.extend(top_intents(
        r,
        l,
        ("Most asked about", "Najczęstsze tematy"),
    ));
    lines.join("\n")
}

/// The month an organisation's contact asks about: `last month` / `zeszły miesiąc` (and
/// `previous`, `poprzedni`, `ubiegły`) is the one before `today`'s; a `2026-10` in the message
/// is that month; otherwise this month so far.
pub fn asked_month(said: &str, today: Date) -> Range {
    let folded = normalize(said).text;
    for w in folded.split(|c: char| c.is_whitespace() || c == ',' || c == '?' || c == '.') {
        if let Some((y, m)) = month(w)
            && let Some(r) = month_range(y, m, today)
        {
            return r;
        }
    }
    let previous = folded.split_whitespace().any(|w| {
        matches!(
            w,
            "last" | "previous" | "zeszly" | "poprzedni" | "ubiegly" | "zeszlego" | "poprzedniego"
        )
    });
    let fallback = Range {
        from: today,
        to: today,
        by: Period::Day,
    };
    let start = month_start(today).unwrap_or(today);
    if previous {
        let end = minus(start, 1.day()).unwrap_or(today);
        return range(month_start(end).unwrap_or(end), end).unwrap_or(fallback);
    }
    range(start, today).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn p(s: &str) -> Option<(String, String, Period)> {
        parse_period(s, date(2026, 11, 27)).map(|r| (r.from.to_string(), r.to.to_string(), r.by))
    }

    fn r(a: &str, b: &str, by: Period) -> Option<(String, String, Period)> {
        Some((a.into(), b.into(), by))
    }

    #[test]
    fn periods_in_english_and_polish() {
        // 2026-11-27 is a Friday.
        assert_eq!(p(""), r("2026-11-21", "2026-11-27", Period::Day));
        assert_eq!(p("today"), r("2026-11-27", "2026-11-27", Period::Day));
        assert_eq!(p("Wczoraj"), r("2026-11-26", "2026-11-26", Period::Day));
        assert_eq!(p("this week"), r("2026-11-23", "2026-11-27", Period::Day));
        assert_eq!(p("last week"), r("2026-11-16", "2026-11-22", Period::Day));
        assert_eq!(
            p("zeszły tydzień"),
            r("2026-11-16", "2026-11-22", Period::Day)
        );
        assert_eq!(p("month"), r("2026-11-01", "2026-11-27", Period::Day));
        assert_eq!(
            p("poprzedni miesiąc"),
            r("2026-10-01", "2026-10-31", Period::Day)
        );
        assert_eq!(p("this year"), r("2026-01-01", "2026-11-27", Period::Month));
        assert_eq!(p("last year"), r("2025-01-01", "2025-12-31", Period::Month));
        assert_eq!(p("30d"), r("2026-10-29", "2026-11-27", Period::Day));
        assert_eq!(
            p("ostatnie 90 dni"),
            r("2026-08-30", "2026-11-27", Period::Week)
        );
        assert_eq!(p("4 weeks"), r("2026-10-31", "2026-11-27", Period::Day));
        assert_eq!(p("3 months"), r("2026-08-28", "2026-11-27", Period::Week));
        assert_eq!(p("2026-10"), r("2026-10-01", "2026-10-31", Period::Day));
        assert_eq!(p("2026-11"), r("2026-11-01", "2026-11-27", Period::Day));
        assert_eq!(p("2026-W47"), r("2026-11-16", "2026-11-22", Period::Day));
        assert_eq!(p("2026-11-02"), r("2026-11-02", "2026-11-02", Period::Day));
        assert_eq!(
            p("2026-11-01 to 2026-11-15"),
            r("2026-11-01", "2026-11-15", Period::Day)
        );
        assert_eq!(
            p("2026-11-01 - 2026-11-15"),
            r("2026-11-01", "2026-11-15", Period::Day)
        );
        assert_eq!(
            p("2026-01-01..2026-06-30"),
            r("2026-01-01", "2026-06-30", Period::Week)
        );
        assert_eq!(p("2025"), r("2025-01-01", "2025-12-31", Period::Month));
    }

    #[test]
    fn what_is_not_a_period_is_refused() {
        for bad in [
            "banana",
            "0d",
            "2026-13",
            "2026-11-15..2026-11-01",
            "1000 days",
            "2020-01-01..2026-01-01",
            "last fortnight",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn control_characters_alone_are_nothing_typed() {
        assert_eq!(p("\u{1b}[31m"), p(""));
    }

    #[test]
    fn a_contact_asks_for_this_or_last_month() {
        let today = date(2026, 11, 27);
        let m = |s: &str| {
            let r = asked_month(s, today);
            (r.from.to_string(), r.to.to_string())
        };
        assert_eq!(
            m("monthly report please"),
            ("2026-11-01".into(), "2026-11-27".into())
        );
        assert_eq!(
            m("report for last month"),
            ("2026-10-01".into(), "2026-10-31".into())
        );
        assert_eq!(
            m("raport za zeszły miesiąc"),
            ("2026-10-01".into(), "2026-10-31".into())
        );
        assert_eq!(
            m("summary for 2026-09?"),
            ("2026-09-01".into(), "2026-09-30".into())
        );
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(14.4, Lang::En), "14 min");
        assert_eq!(duration(185.0, Lang::En), "3 h 5 min");
        assert_eq!(duration(120.0, Lang::En), "2 h");
        assert_eq!(duration(3120.0, Lang::Pl), "2 dni 4 h");
    }
}
