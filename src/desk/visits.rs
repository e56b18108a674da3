//! Visits and remote sessions: an agent proposes a time (and a place or a remote session, and a
//! technician) on a ticket; the requester confirms it or asks for another time (buttons on Discord
//! and Slack, words anywhere); both are reminded before a confirmed visit (`visit_reminder` timers,
//! `[visits] remind_before_minutes`), and the visit is on the card, in `tickets show` and in the
//! ticket's log.
//!
//! Times are read and shown in the ticket's calendar's time zone (the organisation's or the
//! queue's calendar, else UTC), and every sentence with a time names the zone: the agent types
//! `2026-12-01 14:00` meaning the requester's 14:00. A proposal is `Change::VisitProposed`; the
//! requester's answers are `VisitConfirmed` / `VisitAnotherTime` (with what they wrote); an agent's
//! cancellation is `VisitCancelled`; resolving or closing the ticket ends the visit
//! ([`crate::tickets::Ticket::apply`]). The requester's buttons carry the proposal's event number,
//! so a button under an earlier proposal answers nothing, and only the requester may press them.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::conversation::Conversation;
use super::event::{AgentCommand, Choice};
use super::texts::{Text, fill, text};
use super::timers::fired;
use super::{Action, Cx, DeskError};
use crate::clocks::timer::{Timer, TimerKind, TimerWrite};
use crate::config::Agent;
use crate::tickets::{Actor, Change, Ticket, UserRef, Visit, VisitState};

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
fn what(v: &Visit, language: &str, accusative: bool) -> &'static str {
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
fn place_words(v: &Visit, language: &str) -> String {
    match (&v.place, v.remote, language == "pl") {
        (_, true, true) => "zdalnie (technik połączy się z Tobą)".into(),
        (_, true, false) => "remotely (the technician will connect to you)".into(),
        (Some(p), _, _) => p.clone(),
        (None, _, true) => "na miejscu (miejsce do ustalenia)".into(),
        (None, _, false) => "on site (the place to be agreed)".into(),
    }
}

fn who_words(v: &Visit, language: &str) -> String {
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
    let confirm_word = |w: &String| CONFIRM.iter().any(|c| close(w, c));
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

fn language_of(t: &Ticket) -> String {
    if t.detection.language.is_empty() {
        "en".into()
    } else {
        t.detection.language.clone()
    }
}

impl Cx<'_> {
    /// `visit` / `visit ... cancel` from an agent (already checked to be one, and allowed this
    /// ticket's tier): the proposal or cancellation, the requester told, the card updated.
    pub(super) fn visit_command(
        &mut self,
        by: &UserRef,
        agent: &Agent,
        shown: &str,
        before: &Ticket,
        command: &AgentCommand,
    ) -> Result<(), DeskError> {
        let config = &self.desk.config;
        let cal = config.calendar_for(before.organisation.as_deref(), &before.queue);
        let tz = cal.timezone.clone();
        let zone = cal.timezone_name().to_string();
        let id = before.id.clone();
        let actor = Actor::Agent(agent.name.clone());
        let requester = before.requester.clone();
        let lang = language_of(before);
        let mut c = self.desk.load(&requester)?;
        c.language = lang.clone();
        match command {
            AgentCommand::Visit {
                when,
                place,
                technician,
                remote,
                ..
            } => {
                if !before.status.is_open() {
                    self.notify(
                        by,
                        format!(
                            "{id} is {}: no visit can be proposed on it.",
                            before.status.as_str()
                        ),
                    );
                    return Ok(());
                }
                let when_ms = match read_when(when, &tz, self.now) {
                    Ok(ms) => ms,
                    Err(e) => {
                        self.notify(by, format!("{id}: {e}. Nothing was proposed."));
                        return Ok(());
                    }
                };
                if when_ms <= self.now {
                    self.notify(
                        by,
                        format!(
                            "{id}: {} is in the past (it is {} now). Nothing was proposed.",
                            when_short(when_ms, &zone),
                            when_short(self.now, &zone)
                        ),
                    );
                    return Ok(());
                }
                let technician = match technician.as_deref().map(str::trim) {
                    Some(name) => match config.agent_named(name) {
                        Some(a) => Some(a.name.clone()),
                        None => {
                            let names: Vec<&str> =
                                config.agents.iter().map(|a| a.name.as_str()).collect();
                            self.notify(
                                by,
                                format!(
                                    "{id}: no agent named `{}`; the technician is one of: {}. Nothing was proposed.",
                                    crate::platform::terminal::line(name),
                                    names.join(", ")
                                ),
                            );
                            return Ok(());
                        }
                    },
                    None => None,
                };
                let place = place
                    .as_deref()
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| p.chars().take(200).collect::<String>());
                let when_rfc = i64::try_from(when_ms)
                    .ok()
                    .and_then(|m| Timestamp::from_millisecond(m).ok())
                    .map(|ts| crate::clocks::calendar::rfc3339(&ts.to_zoned(tz.clone())))
                    .unwrap_or_default();
                let t = match self.change(
                    before,
                    actor,
                    Change::VisitProposed {
                        when: when_rfc,
                        when_ms,
                        timezone: zone.clone(),
                        place,
                        technician,
                        remote: *remote,
                    },
                ) {
                    Ok(t) => t,
                    Err(e) => {
                        self.notify(by, e.to_string());
                        return Ok(());
                    }
                };
                let Some(v) = t.visit.clone() else {
                    return Ok(());
                };
                self.card_update(&t)?;
                let again = before
                    .visit
                    .as_ref()
                    .is_some_and(|p| p.state != VisitState::Cancelled);
                self.notify(
                    by,
                    format!(
                        "{id}: {} {} for {} ({}), {}; {} has been asked to confirm.",
                        if v.remote { "remote session" } else { "visit" },
                        if again { "proposed again" } else { "proposed" },
                        when_short(v.when_ms, &zone),
                        v.when,
                        match (&v.technician, &v.place, v.remote) {
                            (Some(tech), Some(p), _) => format!("at {p}, technician {tech}"),
                            (Some(tech), None, true) => format!("technician {tech}"),
                            (Some(tech), None, false) => format!("on site, technician {tech}"),
                            (None, Some(p), _) => format!("at {p}, no technician named"),
                            (None, None, true) => "no technician named".into(),
                            (None, None, false) => "on site, no technician named".into(),
                        },
                        requester.name
                    ),
                );
                let said = fill(
                    text(&lang, Text::VisitProposed),
                    &[
                        ("agent", shown),
                        ("what", what(&v, &lang, true)),
                        ("id", &id),
                        ("when", &when_words(v.when_ms, &v.timezone, &lang)),
                        ("where", &place_words(&v, &lang)),
                        ("who", &who_words(&v, &lang)),
                    ],
                );
                let number = t.number;
                self.reply_with(
                    &requester,
                    &c,
                    said,
                    vec![
                        Choice::VisitConfirm {
                            ticket: number,
                            proposal: v.proposal,
                        },
                        Choice::VisitAnotherTime {
                            ticket: number,
                            proposal: v.proposal,
                        },
                    ],
                );
                if let Some(tech) = self.technician_ref(&v)
                    && !tech.same_person(by)
                {
                    self.notify(
                        &tech,
                        format!(
                            "[{id}] {shown} proposed {} with {} for {}, {}: {} (waiting for {} to confirm).",
                            if v.remote { "a remote session" } else { "a visit" },
                            requester.name,
                            when_short(v.when_ms, &zone),
                            place_words(&v, "en"),
                            t.subject,
                            requester.name
                        ),
                    );
                }
            }
            AgentCommand::CancelVisit { reason, .. } => {
                let reason = reason.trim().to_string();
                let t = match self.change(
                    before,
                    actor,
                    Change::VisitCancelled {
                        reason: reason.clone(),
                    },
                ) {
                    Ok(t) => t,
                    Err(_) => {
                        let state = before
                            .visit
                            .as_ref()
                            .map(|v| v.state.as_str())
                            .unwrap_or("none");
                        self.notify(
                            by,
                            format!(
                                "{id} has no visit to cancel (visit: {state}); nothing changed."
                            ),
                        );
                        return Ok(());
                    }
                };
                let Some(v) = t.visit.clone() else {
                    return Ok(());
                };
                self.card_update(&t)?;
                self.notify(
                    by,
                    format!(
                        "{id}: the {} for {} is cancelled; {} has been told.",
                        if v.remote { "remote session" } else { "visit" },
                        when_short(v.when_ms, &v.timezone),
                        requester.name
                    ),
                );
                let why = if reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({reason})")
                };
                let said = fill(
                    text(&lang, Text::VisitCancelled),
                    &[
                        ("what", what(&v, &lang, false)),
                        ("id", &id),
                        ("when", &when_words(v.when_ms, &v.timezone, &lang)),
                        ("reason", &why),
                    ],
                );
                self.reply(&requester, &c, capitalised(&said));
                if let Some(tech) = self.technician_ref(&v)
                    && !tech.same_person(by)
                {
                    self.notify(
                        &tech,
                        format!(
                            "[{id}] The visit with {} on {} is cancelled{why}.",
                            requester.name,
                            when_short(v.when_ms, &v.timezone)
                        ),
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Where the visit's technician is reached, when one is named and configured.
    fn technician_ref(&self, v: &Visit) -> Option<UserRef> {
        let name = v.technician.as_deref()?;
        self.desk
            .config
            .agent_named(name)
            .map(super::agent::agent_ref)
    }

    /// A Confirm / Another time button: only the requester, only for the proposal it was sent
    /// under.
    pub(super) fn visit_choice(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        choice: Choice,
    ) -> Result<(), DeskError> {
        let (number, proposal, answer) = match choice {
            Choice::VisitConfirm { ticket, proposal } => (ticket, proposal, Answer::Confirm),
            Choice::VisitAnotherTime { ticket, proposal } => {
                (ticket, proposal, Answer::AnotherTime)
            }
            _ => return Ok(()),
        };
        let id = format!("T-{number}");
        let lang = self.language_or_default(c);
        let t = self.ticket(&id)?;
        let Some(t) = t.filter(|t| t.requester.same_person(user)) else {
            // Someone else's (or a forged) button: refused, and whether the ticket exists is
            // not said.
            self.reply(user, c, text(&lang, Text::VisitNotYours));
            self.acknowledged(user, "visit answer refused: not the requester");
            return Ok(());
        };
        let current = t.visit.clone().filter(|v| v.proposal == proposal);
        match current {
            Some(v) if t.status.is_open() && v.state == VisitState::Proposed => {
                self.visit_answered(user, c, &t, answer, "")
            }
            Some(v)
                if t.status.is_open()
                    && v.state == VisitState::Confirmed
                    && answer == Answer::AnotherTime =>
            {
                self.visit_answered(user, c, &t, answer, "")
            }
            Some(v) if v.state == VisitState::Confirmed => {
                let said = fill(
                    text(&lang, Text::VisitAlreadyConfirmed),
                    &[
                        ("id", &t.id),
                        ("when", &when_words(v.when_ms, &v.timezone, &lang)),
                    ],
                );
                self.reply(user, c, said);
                self.acknowledged(user, "visit already confirmed");
                Ok(())
            }
            _ => {
                self.say_stale_visit(user, c, &t, &lang);
                Ok(())
            }
        }
    }

    fn say_stale_visit(&mut self, user: &UserRef, c: &Conversation, t: &Ticket, lang: &str) {
        let latest = match &t.visit {
            Some(v) if v.state == VisitState::Proposed || v.state == VisitState::Confirmed => {
                when_words(v.when_ms, &v.timezone, lang)
            }
            _ if lang == "pl" => "brak aktualnej propozycji".into(),
            _ => "no time is proposed now".into(),
        };
        let said = fill(
            text(lang, Text::VisitStale),
            &[("id", &t.id), ("latest", &latest)],
        );
        self.reply(user, c, said);
        self.acknowledged(user, "stale visit button");
    }

    /// A message from someone whose ticket has a proposed (or agreed) visit: the answer, when
    /// it reads as one. `Ok(false)`: not about the visit, handle it as any message.
    pub(super) fn visit_words(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        said: &str,
    ) -> Result<bool, DeskError> {
        let Some(answer) = read_answer(said) else {
            return Ok(false);
        };
        // The ticket it is about: the conversation's, else the newest with a visit waiting.
        let mut candidates: Vec<Ticket> = self
            .my_tickets(user)?
            .into_iter()
            .filter(|t| {
                t.status.is_open()
                    && t.visit.as_ref().is_some_and(|v| match answer {
                        Answer::Confirm => v.state == VisitState::Proposed,
                        // A change of mind after confirming, or the wish after the button.
                        Answer::AnotherTime => {
                            v.is_live() || (v.state == VisitState::AnotherTime && v.wish.is_none())
                        }
                    })
            })
            .collect();
        candidates.sort_by_key(|t| {
            (
                c.ticket.as_deref() != Some(t.id.as_str()),
                std::cmp::Reverse(t.visit.as_ref().map(|v| v.proposed_ms)),
            )
        });
        let Some(t) = candidates.into_iter().next() else {
            return Ok(false);
        };
        self.visit_answered(user, c, &t, answer, said)?;
        Ok(true)
    }

    /// The requester's answer recorded: the change, what they are told, the agents told, the card.
    fn visit_answered(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        t: &Ticket,
        answer: Answer,
        wish: &str,
    ) -> Result<(), DeskError> {
        let lang = self.language_or_default(c);
        let change = match answer {
            Answer::Confirm => Change::VisitConfirmed,
            Answer::AnotherTime => Change::VisitAnotherTime {
                wish: wish.trim().chars().take(500).collect(),
            },
        };
        let t = match self.change(t, Actor::User(user.key()), change) {
            Ok(t) => t,
            Err(_) => {
                self.say_stale_visit(user, c, t, &lang);
                return Ok(());
            }
        };
        let Some(v) = t.visit.clone() else {
            return Ok(());
        };
        c.ticket = Some(t.id.clone());
        self.card_update(&t)?;
        let when = when_words(v.when_ms, &v.timezone, &lang);
        let agent = v.proposed_by.clone();
        let short = when_short(v.when_ms, &v.timezone);
        let kind = if v.remote { "remote session" } else { "visit" };
        let for_agents = match answer {
            Answer::Confirm => {
                let remind = if self.desk.config.visits.remind_before_minutes.is_empty() {
                    String::new()
                } else {
                    format!(" {}", text(&lang, Text::VisitWillRemind))
                };
                let said = fill(
                    text(&lang, Text::VisitConfirmed),
                    &[
                        ("what", what(&v, &lang, false)),
                        ("id", &t.id),
                        ("when", &when),
                        ("remind", &remind),
                    ],
                );
                self.reply(user, c, capitalised(&said));
                format!("[{}] {} confirmed the {kind} on {short}.", t.id, user.name)
            }
            Answer::AnotherTime => {
                let wish = v.wish.clone().unwrap_or_default();
                let said = if wish.is_empty() {
                    fill(text(&lang, Text::VisitAnotherTimeAsk), &[("agent", &agent)])
                } else {
                    fill(
                        text(&lang, Text::VisitAnotherTimeNoted),
                        &[("agent", &agent), ("wish", &wish)],
                    )
                };
                self.reply(user, c, said);
                let wrote = if wish.is_empty() {
                    String::new()
                } else {
                    format!(": \"{wish}\"")
                };
                format!(
                    "[{}] {} asked for another time for the {kind} on {short}{wrote}. Propose one with `visit {} YYYY-MM-DD HH:MM`.",
                    t.id, user.name, t.id
                )
            }
        };
        self.tell_visit_agents(&t, &v, &for_agents)?;
        Ok(())
    }

    /// The assignee (in the ticket's agent thread), the agent who proposed and the technician,
    /// each once; nobody to tell: the queue's channel.
    fn tell_visit_agents(&mut self, t: &Ticket, v: &Visit, said: &str) -> Result<(), DeskError> {
        let mut told: Vec<UserRef> = Vec::new();
        if let Some(a) = self.assignee_ref(t) {
            self.tell_assignee(t, said)?;
            told.push(a);
        }
        let proposer = self
            .desk
            .config
            .agent_named(&v.proposed_by)
            .map(super::agent::agent_ref);
        for who in [proposer, self.technician_ref(v)].into_iter().flatten() {
            if !told.iter().any(|x| x.same_person(&who)) {
                self.notify(&who, said);
                told.push(who);
            }
        }
        if told.is_empty() {
            self.post_in_queue(t, said);
        }
        Ok(())
    }

    fn post_in_queue(&mut self, t: &Ticket, said: &str) {
        if let Some(q) = self.desk.config.queue(&t.queue) {
            let (platform, channel) = (q.platform, q.channel.clone());
            self.turn.say(Action::Post {
                platform,
                channel,
                text: said.to_string(),
            });
        }
    }

    /// A `visit_reminder` fired: the requester and the technician (else the queue) are told, if
    /// the visit is still confirmed for the time the reminder was set for.
    pub(super) fn visit_reminder(&mut self, timer: &Timer, t: &Ticket) -> Result<(), DeskError> {
        let Some(v) = t.visit.clone() else {
            return Ok(());
        };
        if !t.status.is_open() || v.state != VisitState::Confirmed {
            return Ok(());
        }
        let t = self.change(t, Actor::Bot, fired(timer))?;
        let lang = language_of(&t);
        let mut c = self.desk.load(&t.requester)?;
        c.language = lang.clone();
        let said = fill(
            text(&lang, Text::VisitReminder),
            &[
                ("what", what(&v, &lang, false)),
                ("id", &t.id),
                ("when", &when_words(v.when_ms, &v.timezone, &lang)),
                ("where", &place_words(&v, &lang)),
                ("who", &who_words(&v, &lang)),
            ],
        );
        self.reply(&t.requester.clone(), &c, said);
        let for_tech = format!(
            "[{}] Reminder: {} with {} on {}, {}: {}",
            t.id,
            if v.remote { "remote session" } else { "visit" },
            t.requester.name,
            when_short(v.when_ms, &v.timezone),
            place_words(&v, "en"),
            t.subject
        );
        match self.technician_ref(&v) {
            Some(tech) => self.notify(&tech, for_tech),
            None => self.post_in_queue(&t, &for_tech),
        }
        Ok(())
    }

    /// After a turn that changed `t`: one `visit_reminder` per `[visits] remind_before_minutes`
    /// before a confirmed visit still ahead; cancelled when the visit is moved away from
    /// confirmed, cancelled, or the ticket finishes. Timers this turn wrote stand.
    pub(super) fn schedule_visit(&mut self, t: &Ticket) {
        let Some(v) = &t.visit else {
            return;
        };
        let confirmed = v.state == VisitState::Confirmed && t.status.is_open();
        for m in self.desk.config.visits.remind_before_minutes.clone() {
            let id = Timer::id_of(&t.id, TimerKind::VisitReminder, &m.to_string());
            let written = self.turn.timers.iter().any(|w| match w {
                TimerWrite::Set(x) => x.id == id,
                TimerWrite::Cancel(x) => *x == id,
            });
            if written {
                continue;
            }
            let due = v.when_ms.saturating_sub(u64::from(m) * 60_000);
            // One due now (another timer of the ticket firing at the same instant, a catch-up
            // after a restart) stays to fire; one for an earlier time of the visit goes.
            if confirmed
                && due <= self.now
                && self
                    .desk
                    .store
                    .timer(&id)
                    .ok()
                    .flatten()
                    .is_some_and(|x| x.due_ms == due)
            {
                continue;
            }
            self.turn.timers.push(if confirmed && due > self.now {
                TimerWrite::Set(Timer {
                    id,
                    ticket: t.id.clone(),
                    kind: TimerKind::VisitReminder,
                    about: m.to_string(),
                    due_ms: due,
                })
            } else {
                TimerWrite::Cancel(id)
            });
        }
    }
}

/// The first letter upper-cased (a sentence starting with `{what}`).
fn capitalised(s: &str) -> String {
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
