//! What visits read and say, apart from the workflow (`visits.rs`): the typed `visit` command,
//! times read in a time zone (`2026-12-01 14:00`, `tomorrow 9:30`, RFC 3339) and shown in one
//! (`Tuesday, 1 December 2026, 14:00 (Europe/Warsaw)`), the visit in words for cards, and the
//! requester's answer read from what they wrote (EN/PL, typos tolerated). All pure.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::event::AgentCommand;
use crate::tickets::{Visit, VisitState};

/// How the typed command is written, for refusals.
const USAGE: &str = "visit T-1042 YYYY-MM-DD HH:MM [remote | at PLACE] [by TECHNICIAN]  (or `visit T-1042 cancel [REASON]`)";

/// `visit T-1042 ...` after the ticket: `2026-12-01 14:00 remote`, `tomorrow 9:30 at "Room 2.14"
/// by bob`, `cancel [reason]`. The time stays text: the desk reads it in the ticket's time zone.
pub fn parse_visit(ticket: String, rest: &str) -> Result<AgentCommand, String> {
    let words = split_quoted(rest)?;
    if words.is_empty() {
        return Err(format!("`visit` needs a time: `{USAGE}`"));
    }
    if matches!(
        words[0].to_lowercase().as_str(),
        "cancel" | "off" | "--cancel"
    ) {
        return Ok(AgentCommand::CancelVisit {
            ticket,
            reason: words[1..].join(" "),
        });
    }
    let mut when = Vec::new();
    let mut place: Option<String> = None;
    let mut technician: Option<String> = None;
    let mut remote = false;
    let mut i = 0;
    while i < words.len() {
        let w = words[i].to_lowercase();
        match w.as_str() {
            "remote" | "remotely" | "online" => remote = true,
            "at" | "in" | "place" => {
                // Everything up to the next keyword is the place.
                let mut p = Vec::new();
                while i + 1 < words.len()
                    && !matches!(
                        words[i + 1].to_lowercase().as_str(),
                        "by" | "remote" | "with"
                    )
                {
                    i += 1;
                    p.push(words[i].clone());
                }
                if p.is_empty() {
                    return Err(format!("`at` needs a place: `{USAGE}`"));
                }
                place = Some(p.join(" "));
            }
            "by" | "with" | "technician" => {
                i += 1;
                let Some(name) = words.get(i) else {
                    return Err(format!("`by` needs a technician's name: `{USAGE}`"));
                };
                technician = Some(name.trim_start_matches('@').to_string());
            }
            _ if place.is_none() && technician.is_none() && !remote => when.push(words[i].clone()),
            _ => {
                return Err(format!(
                    "`{}` is not understood here: `{USAGE}`",
                    crate::platform::terminal::line(&words[i])
                ));
            }
        }
        i += 1;
    }
    if when.is_empty() {
        return Err(format!("`visit` needs a time: `{USAGE}`"));
    }
    if remote && place.is_some() {
        return Err("A visit is either `remote` or `at PLACE`, not both.".into());
    }
    Ok(AgentCommand::Visit {
        ticket,
        when: when.join(" "),
        place,
        technician,
        remote,
    })
}

/// Words, with `"double quoted"` parts kept whole.
fn split_quoted(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut had = false;
    for ch in s.chars() {
        match ch {
            '"' | '“' | '”' => {
                quoted = !quoted;
                had = true;
            }
            c if c.is_whitespace() && !quoted => {
                if had || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                had = false;
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err("A quote is not closed.".into());
    }
    if had || !cur.is_empty() {
        out.push(cur);
    }
    Ok(out.into_iter().filter(|w| !w.trim().is_empty()).collect())
}

/// The instant `when` names, read in `tz` at `now`: RFC 3339 with an offset, `YYYY-MM-DD HH:MM`
/// (or with a `T`), `today|tomorrow|monday..sunday HH:MM`, `HH:MM` (today). An error is a
/// sentence for the agent.
pub fn read_when(when: &str, tz: &TimeZone, now: u64) -> Result<u64, String> {
    let s = when.trim();
    let zone = tz.iana_name().unwrap_or("UTC");
    let bad = || {
        format!(
            "`{}` is not a time I can read: write YYYY-MM-DD HH:MM ({zone}), `tomorrow 9:30`, `friday 14:00` or RFC 3339",
            crate::platform::terminal::line(s)
        )
    };
    // With an offset: the instant as written.
    if s.contains('T') && (s.ends_with('Z') || s.ends_with('z') || has_offset(s)) {
        return crate::clocks::calendar::parse_instant(s);
    }
    let lower = s.to_lowercase();
    // `2026-12-01t14:00`: the date and the time as two words.
    let mut words: Vec<&str> = Vec::new();
    for w in lower.split_whitespace() {
        match w.split_once('t') {
            Some((d, t)) if parse_date(d).is_some() => words.extend([d, t]),
            _ => words.push(w),
        }
    }
    let today = Timestamp::from_millisecond(i64::try_from(now).map_err(|_| bad())?)
        .map_err(|_| bad())?
        .to_zoned(tz.clone())
        .date();
    let (date, time, weekday) = match words.as_slice() {
        [t] => (today, *t, false),
        [d, t] | [d, "at", t] | [d, "o", t] => match *d {
            "today" | "dzis" | "dziś" => (today, *t, false),
            "tomorrow" | "jutro" => (today.tomorrow().map_err(|_| bad())?, *t, false),
            d => match weekday_of(d) {
                Some(w) => {
                    let ahead = (w.to_monday_zero_offset()
                        - today.weekday().to_monday_zero_offset())
                    .rem_euclid(7);
                    let date = today
                        .checked_add(jiff::Span::new().days(i64::from(ahead)))
                        .map_err(|_| bad())?;
                    (date, *t, true)
                }
                None => (parse_date(d).ok_or_else(bad)?, *t, false),
            },
        },
        _ => return Err(bad()),
    };
    let time = parse_time(time).ok_or_else(bad)?;
    let at = |date: Date| -> Option<u64> {
        let z = date.to_datetime(time).to_zoned(tz.clone()).ok()?;
        u64::try_from(z.timestamp().as_millisecond()).ok()
    };
    let mut ms = at(date).ok_or_else(bad)?;
    // `friday 10:00` said on a Friday afternoon is next Friday.
    if weekday && ms <= now {
        let next = date
            .checked_add(jiff::Span::new().days(7))
            .map_err(|_| bad())?;
        ms = at(next).ok_or_else(bad)?;
    }
    Ok(ms)
}

/// `...+01:00` / `...-05:30` at the end.
fn has_offset(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 6 && matches!(b[b.len() - 6], b'+' | b'-') && b[b.len() - 3] == b':'
}

fn weekday_of(w: &str) -> Option<Weekday> {
    use Weekday::*;
    Some(match w {
        "mon" | "monday" | "pon" | "poniedzialek" | "poniedziałek" => Monday,
        "tue" | "tues" | "tuesday" | "wt" | "wtorek" => Tuesday,
        "wed" | "wednesday" | "sr" | "śr" | "sroda" | "środa" | "srode" | "środę" => Wednesday,
        "thu" | "thur" | "thurs" | "thursday" | "czw" | "czwartek" => Thursday,
        "fri" | "friday" | "pt" | "piatek" | "piątek" => Friday,
        "sat" | "saturday" | "sob" | "sobota" | "sobote" | "sobotę" => Saturday,
        "sun" | "sunday" | "nd" | "niedziela" | "niedziele" | "niedzielę" => Sunday,
        _ => return None,
    })
}

/// `2026-12-01` (also `1.12.2026`).
fn parse_date(s: &str) -> Option<Date> {
    let nums = |parts: Vec<&str>| -> Option<Vec<i64>> {
        parts
            .iter()
            .map(|p| {
                (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect()
    };
    let (y, m, d) = if s.contains('-') {
        match nums(s.split('-').collect())?.as_slice() {
            [y, m, d] => (*y, *m, *d),
            _ => return None,
        }
    } else {
        match nums(s.split('.').collect())?.as_slice() {
            [d, m, y] => (*y, *m, *d),
            _ => return None,
        }
    };
    if !(1970..=9999).contains(&y) {
        return None;
    }
    Date::new(y as i16, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// `14:00`, `9:30`, `14.00`.
fn parse_time(s: &str) -> Option<Time> {
    let (h, m) = s.split_once(':').or_else(|| s.split_once('.'))?;
    let ok =
        |p: &str, n: usize| !p.is_empty() && p.len() <= n && p.bytes().all(|b| b.is_ascii_digit());
    if !ok(h, 2) || m.len() != 2 || !ok(m, 2) {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// The local time of `ms` in `tz` for the requester: `Tuesday, 1 December 2026, 14:00
/// (Europe/Warsaw)`, `wtorek, 1 grudnia 2026, 14:00 (Europe/Warsaw)`.
pub fn when_words(ms: u64, zone: &str, language: &str) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let Some(z) = i64::try_from(ms)
        .ok()
        .and_then(|m| Timestamp::from_millisecond(m).ok())
        .map(|t| t.to_zoned(tz))
    else {
        return ms.to_string();
    };
    let i = z.weekday().to_monday_zero_offset() as usize;
    let m = (z.month() - 1) as usize;
    let hm = z.strftime("%H:%M");
    if language == "pl" {
        const DAYS: [&str; 7] = [
            "poniedziałek",
            "wtorek",
            "środa",
            "czwartek",
            "piątek",
            "sobota",
            "niedziela",
        ];
        const MONTHS: [&str; 12] = [
            "stycznia",
            "lutego",
            "marca",
            "kwietnia",
            "maja",
            "czerwca",
            "lipca",
            "sierpnia",
            "września",
            "października",
            "listopada",
            "grudnia",
        ];
        format!(
            "{}, {} {} {}, {hm} ({zone})",
            DAYS[i],
            z.day(),
            MONTHS[m],
            z.year()
        )
    } else {
        const DAYS: [&str; 7] = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        format!(
            "{}, {} {} {}, {hm} ({zone})",
            DAYS[i],
            z.day(),
            MONTHS[m],
            z.year()
        )
    }
}

/// For agents: `Tue 2026-12-01 14:00 Europe/Warsaw`.
pub fn when_short(ms: u64, zone: &str) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    match i64::try_from(ms)
        .ok()
        .and_then(|m| Timestamp::from_millisecond(m).ok())
    {
        Some(t) => format!("{} {zone}", t.to_zoned(tz).strftime("%a %Y-%m-%d %H:%M")),
        None => ms.to_string(),
    }
}

/// What it is, for the requester: `an on-site visit` / `a remote session`; in Polish the
/// accusative (after "proponuje") or the nominative.
pub(super) fn what(v: &Visit, language: &str, accusative: bool) -> &'static str {
    match (language == "pl", v.remote, accusative) {
        (true, true, true) => "zdalną sesję",
        (true, true, false) => "zdalna sesja",
        (true, false, true) => "wizytę na miejscu",
        (true, false, false) => "wizyta na miejscu",
        (false, true, _) => "a remote session",
        (false, false, _) => "an on-site visit",
    }
}

/// Where, for the requester.
pub(super) fn place_words(v: &Visit, language: &str) -> String {
    match (&v.place, v.remote, language == "pl") {
        (_, true, true) => "zdalnie (technik połączy się z Tobą)".into(),
        (_, true, false) => "remotely (the technician will connect to you)".into(),
        (Some(p), _, _) => p.clone(),
        (None, _, true) => "na miejscu (miejsce do ustalenia)".into(),
        (None, _, false) => "on site (the place to be agreed)".into(),
    }
}

pub(super) fn who_words(v: &Visit, language: &str) -> String {
    match (&v.technician, language == "pl") {
        (Some(t), _) => t.clone(),
        (None, true) => "technik zespołu wsparcia".into(),
        (None, false) => "a technician of the support team".into(),
    }
}

/// The visit as the card and listings say it: `confirmed: Tue 2026-12-01 14:00 Europe/Warsaw,
/// at Room 2.14, technician bob`.
pub fn card_line(v: &Visit) -> String {
    let state = match v.state {
        VisitState::Proposed => "proposed, waiting for the requester",
        VisitState::Confirmed => "confirmed",
        VisitState::AnotherTime => "another time asked",
        VisitState::Cancelled => "cancelled",
        VisitState::Done => "done",
    };
    let place = match (&v.place, v.remote) {
        (_, true) => "remote session".to_string(),
        (Some(p), _) => format!("on site at {p}"),
        (None, _) => "on site".to_string(),
    };
    let tech = v
        .technician
        .as_deref()
        .map(|t| format!(", technician {t}"))
        .unwrap_or_default();
    let wish = match (&v.wish, v.state) {
        (Some(w), VisitState::AnotherTime) => format!(" (they wrote: \"{w}\")"),
        _ => String::new(),
    };
    format!(
        "{state}: {}, {place}{tech}{wish}",
        when_short(v.when_ms, &v.timezone)
    )
}

/// What a requester's words say about a proposed time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Confirm,
    AnotherTime,
}

/// Words that say the time suits (the whole message must be these and [`CONFIRM_FILLERS`]).
const CONFIRM: &[&str] = &[
    "ok",
    "okay",
    "okey",
    "oki",
    "okej",
    "okie",
    "kk",
    "yes",
    "yep",
    "yeah",
    "yup",
    "sure",
    "confirm",
    "confirmed",
    "confirming",
    "fine",
    "good",
    "great",
    "perfect",
    "works",
    "suits",
    "tak",
    "pasuje",
    "potwierdzam",
    "potwierdzone",
    "potwierdzone",
    "dobrze",
    "super",
    "jasne",
    "zgoda",
    "swietnie",
    "idealnie",
    "git",
    "ekstra",
    "pewnie",
    // "może być": fine by me.
    "byc",
    "+yes",
];

const CONFIRM_FILLERS: &[&str] = &[
    "that",
    "this",
    "it",
    "sounds",
    "see",
    "you",
    "then",
    "thanks",
    "thank",
    "thx",
    "dzieki",
    "dziekuje",
    "for",
    "me",
    "with",
    "is",
    "by",
    "to",
    "mi",
    "jest",
    "w",
    "porzadku",
    "will",
    "be",
    "there",
    "ill",
    "i",
    "the",
    "time",
    "termin",
    "ten",
    "ta",
    "godzina",
    "please",
    "prosze",
    "very",
    "bardzo",
    "all",
    "right",
    "alright",
    "moze",
    "byc",
    "a",
    "wtedy",
    "do",
    "zobaczenia",
    "oczywiscie",
    "of",
    "course",
    "so",
    "fajnie",
    "ok",
    "and",
    "i'm",
    "im",
    "available",
    "free",
];

/// Phrases that ask for another time, with typos tolerated word by word.
const ANOTHER: &[&[&str]] = &[
    &["another", "time"],
    &["other", "time"],
    &["different", "time"],
    &["another", "day"],
    &["other", "day"],
    &["different", "day"],
    &["another", "date"],
    &["different", "date"],
    &["reschedule"],
    &["rearrange"],
    &["postpone"],
    &["can", "we", "do"],
    &["could", "we", "do"],
    &["can", "we", "make", "it"],
    &["could", "we", "make", "it"],
    &["how", "about"],
    &["what", "about"],
    &["instead"],
    &["not", "a", "good", "time"],
    &["doesnt", "suit"],
    &["does", "not", "suit"],
    &["dont", "suit"],
    &["doesnt", "work"],
    &["does", "not", "work"],
    &["wont", "work"],
    &["cant", "make", "it"],
    &["cannot", "make", "it"],
    &["can", "not", "make", "it"],
    &["not", "available"],
    &["im", "busy"],
    &["i", "am", "busy"],
    &["prefer"],
    &["later"],
    &["earlier"],
    &["inny", "termin"],
    &["innym", "terminie"],
    &["innego", "terminu"],
    &["inna", "godzina"],
    &["inna", "godzine"],
    &["inny", "dzien"],
    &["innego", "dnia"],
    &["nie", "pasuje"],
    &["nie", "moge"],
    &["nie", "dam", "rady"],
    &["nie", "bede"],
    &["przelozyc"],
    &["przelozmy"],
    &["przesunac"],
    &["przesunmy"],
    &["zmienic", "termin"],
    &["zamiast"],
    &["a", "moze"],
    &["wolalbym"],
    &["wolalabym"],
    &["wole"],
    &["pozniej"],
    &["wczesniej"],
];

/// Standalone refusals: "no" to "does this time suit you?".
const NO: &[&str] = &["no", "nope", "nah", "nie", "-no"];

/// Whether `w` is `typed`, or one edit from it (a letter more, less, changed, or two swapped)
/// for words of four letters or more.
fn close(typed: &str, w: &str) -> bool {
    if typed == w {
        return true;
    }
    let a: Vec<char> = typed.chars().collect();
    let b: Vec<char> = w.chars().collect();
    if b.len() < 4 || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        if edits > 1 {
            return false;
        }
        if a.len() == b.len() {
            // A swap of two neighbours counts once.
            if i + 1 < a.len() && a[i] == b[j + 1] && a[i + 1] == b[j] {
                i += 2;
                j += 2;
            } else {
                i += 1;
                j += 1;
            }
        } else if a.len() > b.len() {
            i += 1;
        } else {
            j += 1;
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}

/// The message's words, case and diacritics folded, apostrophes dropped (`doesn't` →
/// `doesnt`); thumbs as `+yes` / `-no`.
fn words_of(said: &str) -> Vec<String> {
    let folded = crate::triage::normalize::normalize(said)
        .text
        .replace('ł', "l");
    let mut out = Vec::new();
    if said.contains('👍') || said.contains('👌') || said.contains('✅') {
        out.push("+yes".to_string());
    }
    if said.contains('👎') || said.contains('❌') {
        out.push("-no".to_string());
    }
    for w in folded
        .replace(['\'', '’', '`'], "")
        .split(|c: char| !(c.is_alphanumeric() || c == ':'))
        .filter(|w| !w.is_empty())
    {
        out.push(w.to_string());
    }
    out
}

/// Whether the words name a day or a time (`friday`, `jutro`, `10:00`, `2026-12-03`).
fn names_a_time(words: &[String]) -> bool {
    words.iter().any(|w| {
        parse_time(w).is_some()
            || weekday_of(w).is_some()
            || matches!(
                w.as_str(),
                "tomorrow"
                    | "jutro"
                    | "pojutrze"
                    | "morning"
                    | "afternoon"
                    | "rano"
                    | "po"
                    | "am"
                    | "pm"
            )
    })
}

/// What the requester's message says about a proposed time, if it is about it: `None` for
/// anything else (which is then handled as any message).
pub fn read_answer(said: &str) -> Option<Answer> {
    let words = words_of(said);
    if words.is_empty() {
        return None;
    }
    let phrase_at = |i: usize, p: &[&str]| {
        p.iter()
            .enumerate()
            .all(|(k, w)| words.get(i + k).is_some_and(|t| close(t, w)))
    };
    let another = (0..words.len()).any(|i| ANOTHER.iter().any(|p| phrase_at(i, p)));
    if another {
        return Some(Answer::AnotherTime);
    }
    if words.len() <= 2 && words.iter().all(|w| NO.contains(&w.as_str())) {
        return Some(Answer::AnotherTime);
    }
    // A typo of a long confirming word ("confrim", "pasjue"), never of a short one ("food" is
    // not "good") nor a known word ("time" is not "fine").
    let confirm_word = |w: &String| {
        CONFIRM.contains(&w.as_str())
            || (!CONFIRM_FILLERS.contains(&w.as_str())
                && CONFIRM
                    .iter()
                    .any(|c| c.chars().count() >= 6 && close(w, c)))
    };
    let negated = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "not" | "nie" | "no" | "dont" | "cant" | "never" | "nigdy"
        )
    });
    if !negated
        && words.len() <= 8
        && words.iter().any(confirm_word)
        && words
            .iter()
            .all(|w| confirm_word(w) || CONFIRM_FILLERS.contains(&w.as_str()))
    {
        return Some(Answer::Confirm);
    }
    // A short message naming a day or an hour, in answer to "does this time suit you?".
    if words.len() <= 6 && names_a_time(&words) && !words.iter().any(confirm_word) {
        return Some(Answer::AnotherTime);
    }
    None
}

/// The first letter upper-cased (a sentence starting with `{what}`).
pub(super) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_in_both_languages_with_typos() {
        use Answer::*;
        for (said, want) in [
            ("ok", Some(Confirm)),
            ("OK!", Some(Confirm)),
            ("yes", Some(Confirm)),
            ("confirm", Some(Confirm)),
            ("confrim", Some(Confirm)),
            ("that works for me, thanks", Some(Confirm)),
            ("👍", Some(Confirm)),
            ("pasuje", Some(Confirm)),
            ("pasjue", Some(Confirm)),
            ("tak", Some(Confirm)),
            ("potwierdzam", Some(Confirm)),
            ("Potwierdzam, dzięki", Some(Confirm)),
            ("może być", Some(Confirm)),
            ("another time", Some(AnotherTime)),
            ("anothr time please", Some(AnotherTime)),
            ("can we do friday 10:00", Some(AnotherTime)),
            ("can we do friday 10:00?", Some(AnotherTime)),
            ("friday 10:00", Some(AnotherTime)),
            ("I can't make it", Some(AnotherTime)),
            ("that doesn't suit me", Some(AnotherTime)),
            ("inny termin", Some(AnotherTime)),
            ("nie pasuje", Some(AnotherTime)),
            ("Nie pasuje mi, może jutro o 9:00?", Some(AnotherTime)),
            ("a może piątek?", Some(AnotherTime)),
            ("no", Some(AnotherTime)),
            ("nie", Some(AnotherTime)),
            ("my printer is on fire", None),
            ("that time", None),
            ("food", None),
            ("the vpn still does not connect after the update", None),
            ("", None),
            (
                "ok but my laptop also broke and the screen is black now",
                None,
            ),
        ] {
            assert_eq!(read_answer(said), want, "{said}");
        }
    }

    #[test]
    fn times_are_read_in_the_zone_and_garbage_is_refused() {
        let tz = TimeZone::get("Europe/Warsaw").unwrap();
        // 2026-11-28 09:00 UTC, a Saturday.
        let now = 1_795_856_400_000;
        let at = |s: &str| read_when(s, &tz, now).map(|ms| when_short(ms, "Europe/Warsaw"));
        assert_eq!(
            at("2026-12-01 14:00").unwrap(),
            "Tue 2026-12-01 14:00 Europe/Warsaw"
        );
        assert_eq!(
            at("2026-12-01T14:00").unwrap(),
            "Tue 2026-12-01 14:00 Europe/Warsaw"
        );
        assert_eq!(
            at("2026-12-01T13:00:00Z").unwrap(),
            "Tue 2026-12-01 14:00 Europe/Warsaw"
        );
        assert_eq!(
            at("tomorrow 9:30").unwrap(),
            "Sun 2026-11-29 09:30 Europe/Warsaw"
        );
        assert_eq!(
            at("monday 8:00").unwrap(),
            "Mon 2026-11-30 08:00 Europe/Warsaw"
        );
        // Saturday 9:00 in Warsaw is already past at 10:00 local: next Saturday.
        assert_eq!(
            at("saturday 9:00").unwrap(),
            "Sat 2026-12-05 09:00 Europe/Warsaw"
        );
        for garbage in [
            "soon",
            "2026-13-01 14:00",
            "2026-12-01 25:00",
            "2026-12-01",
            "14",
            "💣 💣 💣",
            "2026-12-01 14:00 15:00 16:00",
            "99999999999999999999-01-01 10:00",
        ] {
            assert!(at(garbage).is_err(), "{garbage}");
        }
    }

    #[test]
    fn the_typed_command_reads_place_remote_and_technician() {
        let c = parse_visit("T-1".into(), "tomorrow 9:30 at \"Room 2.14\" by @bob").unwrap();
        assert_eq!(
            c,
            AgentCommand::Visit {
                ticket: "T-1".into(),
                when: "tomorrow 9:30".into(),
                place: Some("Room 2.14".into()),
                technician: Some("bob".into()),
                remote: false,
            }
        );
        let c = parse_visit("T-1".into(), "2026-12-01 14:00 remote").unwrap();
        assert!(matches!(
            c,
            AgentCommand::Visit {
                remote: true,
                place: None,
                ..
            }
        ));
        assert!(matches!(
            parse_visit("T-1".into(), "cancel the user is away"),
            Ok(AgentCommand::CancelVisit { reason, .. }) if reason == "the user is away"
        ));
        assert!(parse_visit("T-1".into(), "").is_err());
        assert!(parse_visit("T-1".into(), "2026-12-01 14:00 at").is_err());
        assert!(parse_visit("T-1".into(), "2026-12-01 14:00 at \"Room").is_err());
        assert!(parse_visit("T-1".into(), "2026-12-01 14:00 remote at Room 1").is_err());
    }
}
