//! Business-hours deadlines as a table: each row a calendar, a start, a number of business minutes
//! and pauses, and the deadline worked out by hand (weekends, holidays, the lunch break, 24x7 over
//! midnight, an overnight shift, pauses across days, a reopened ticket's resumed clock, and the
//! spring and autumn clock changes in Europe/Warsaw (29 March and 25 October 2026) and
//! America/New_York (8 March and 1 November 2026)). The calendars come from a configuration file,
//! as an administrator writes them.

use std::path::Path;

use frontline::clocks::calendar::parse_instant;
use frontline::config::{Config, DEFAULT_CONFIG};

const CALENDARS: &str = r#"
[calendars.office-pl]
timezone = "Europe/Warsaw"
holidays = ["2026-11-11", "2026-12-24", "2026-12-25", "2026-12-26"]
[calendars.office-pl.hours]
mon = ["08:00-12:00", "12:30-16:00"]
tue = ["08:00-12:00", "12:30-16:00"]
wed = ["08:00-12:00", "12:30-16:00"]
thu = ["08:00-12:00", "12:30-16:00"]
fri = ["08:00-12:00", "12:30-16:00"]

[calendars.ny]
timezone = "America/New_York"
[calendars.ny.hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]

[calendars.always-pl]
timezone = "Europe/Warsaw"
hours = "24x7"

[calendars.always-ny]
timezone = "America/New_York"
hours = "24x7"

[calendars.utc]
timezone = "UTC"
hours = "24x7"

[calendars.night]
timezone = "Europe/Warsaw"
[calendars.night.hours]
mon = ["00:00-06:00", "22:00-24:00"]
tue = ["00:00-06:00", "22:00-24:00"]
wed = ["00:00-06:00", "22:00-24:00"]
thu = ["00:00-06:00", "22:00-24:00"]
fri = ["00:00-06:00", "22:00-24:00"]

[calendars.sunday-early]
timezone = "Europe/Warsaw"
[calendars.sunday-early.hours]
sun = ["01:00-04:00"]
"#;

/// (calendar, from, business minutes, pauses, expected deadline in the calendar's offset, why)
type Case = (
    &'static str,
    &'static str,
    u64,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
);

const CASES: &[Case] = &[
    // office-pl: Mon-Fri 08:00-12:00 and 12:30-16:00, Warsaw; 27 Nov 2026 is a Friday.
    (
        "office-pl",
        "2026-11-27T09:00:00+01:00",
        60,
        &[],
        "2026-11-27T10:00:00+01:00",
        "inside a morning",
    ),
    (
        "office-pl",
        "2026-11-27T11:30:00+01:00",
        60,
        &[],
        "2026-11-27T13:00:00+01:00",
        "across lunch",
    ),
    (
        "office-pl",
        "2026-11-27T15:00:00+01:00",
        60,
        &[],
        "2026-11-27T16:00:00+01:00",
        "ends at closing time",
    ),
    (
        "office-pl",
        "2026-11-27T15:00:00+01:00",
        61,
        &[],
        "2026-11-30T08:01:00+01:00",
        "one minute past closing: Monday",
    ),
    (
        "office-pl",
        "2026-11-28T10:00:00+01:00",
        30,
        &[],
        "2026-11-30T08:30:00+01:00",
        "from a Saturday",
    ),
    (
        "office-pl",
        "2026-11-29T23:59:00+01:00",
        1,
        &[],
        "2026-11-30T08:01:00+01:00",
        "from late Sunday",
    ),
    (
        "office-pl",
        "2026-11-27T16:00:00+01:00",
        1,
        &[],
        "2026-11-30T08:01:00+01:00",
        "from closing time",
    ),
    (
        "office-pl",
        "2026-11-27T07:00:00+01:00",
        10,
        &[],
        "2026-11-27T08:10:00+01:00",
        "before opening",
    ),
    (
        "office-pl",
        "2026-11-27T12:10:00+01:00",
        20,
        &[],
        "2026-11-27T12:50:00+01:00",
        "from inside lunch",
    ),
    (
        "office-pl",
        "2026-11-30T11:59:00+01:00",
        1,
        &[],
        "2026-11-30T12:00:00+01:00",
        "ends when lunch starts",
    ),
    (
        "office-pl",
        "2026-11-30T11:59:00+01:00",
        2,
        &[],
        "2026-11-30T12:31:00+01:00",
        "one minute more: after lunch",
    ),
    (
        "office-pl",
        "2026-11-30T12:00:00+01:00",
        1,
        &[],
        "2026-11-30T12:31:00+01:00",
        "from lunch's start",
    ),
    (
        "office-pl",
        "2026-11-27T08:00:00+01:00",
        450,
        &[],
        "2026-11-27T16:00:00+01:00",
        "a whole day",
    ),
    (
        "office-pl",
        "2026-11-27T08:00:00+01:00",
        451,
        &[],
        "2026-11-30T08:01:00+01:00",
        "a day and a minute",
    ),
    (
        "office-pl",
        "2026-11-30T08:00:00+01:00",
        2250,
        &[],
        "2026-12-04T16:00:00+01:00",
        "a whole week",
    ),
    (
        "office-pl",
        "2026-11-30T08:00:00+01:00",
        2251,
        &[],
        "2026-12-07T08:01:00+01:00",
        "a week and a minute",
    ),
    (
        "office-pl",
        "2026-11-10T15:00:00+01:00",
        120,
        &[],
        "2026-11-12T09:00:00+01:00",
        "11 November is a holiday",
    ),
    (
        "office-pl",
        "2026-11-10T16:00:00+01:00",
        1,
        &[],
        "2026-11-12T08:01:00+01:00",
        "closing before a holiday",
    ),
    (
        "office-pl",
        "2026-12-23T15:00:00+01:00",
        120,
        &[],
        "2026-12-28T09:00:00+01:00",
        "Christmas and a weekend",
    ),
    (
        "office-pl",
        "2026-11-28T10:00:00+01:00",
        0,
        &[],
        "2026-11-28T10:00:00+01:00",
        "zero minutes: the start itself",
    ),
    // Pauses (waiting on the user, resolved and reopened): half-open, merged, outside hours no matter.
    (
        "office-pl",
        "2026-11-27T15:00:00+01:00",
        120,
        &[("2026-11-27T15:30:00+01:00", "2026-11-30T09:00:00+01:00")],
        "2026-11-30T10:30:00+01:00",
        "a pause across a weekend",
    ),
    (
        "office-pl",
        "2026-11-27T15:00:00+01:00",
        120,
        &[("2026-11-28T10:00:00+01:00", "2026-11-29T10:00:00+01:00")],
        "2026-11-30T09:00:00+01:00",
        "a pause outside hours changes nothing",
    ),
    (
        "office-pl",
        "2026-11-30T08:00:00+01:00",
        60,
        &[
            ("2026-11-30T08:10:00+01:00", "2026-11-30T08:30:00+01:00"),
            ("2026-11-30T08:20:00+01:00", "2026-11-30T08:40:00+01:00"),
        ],
        "2026-11-30T09:30:00+01:00",
        "overlapping pauses count once",
    ),
    (
        "office-pl",
        "2026-11-30T08:00:00+01:00",
        30,
        &[("2026-11-30T07:00:00+01:00", "2026-11-30T08:15:00+01:00")],
        "2026-11-30T08:45:00+01:00",
        "a pause over the start",
    ),
    (
        "office-pl",
        "2026-11-30T08:00:00+01:00",
        60,
        &[("2026-11-30T08:00:00+01:00", "2026-11-30T16:00:00+01:00")],
        "2026-12-01T09:00:00+01:00",
        "paused all day",
    ),
    (
        "office-pl",
        "2026-11-30T08:00:00+01:00",
        240,
        &[("2026-11-30T10:00:00+01:00", "2026-12-01T09:00:00+01:00")],
        "2026-12-01T11:00:00+01:00",
        "resolved at 10:00, reopened next day at 09:00: the rest, not a breach",
    ),
    (
        "office-pl",
        "2026-11-30T08:00:00+01:00",
        60,
        &[("2026-11-30T08:30:00+01:00", "2026-11-30T08:30:00+01:00")],
        "2026-11-30T09:00:00+01:00",
        "an empty pause",
    ),
    // Clock changes in Warsaw: 29 March 02:00 -> 03:00, 25 October 03:00 -> 02:00.
    (
        "office-pl",
        "2026-03-27T15:00:00+01:00",
        120,
        &[],
        "2026-03-30T09:00:00+02:00",
        "a weekend over spring forward",
    ),
    (
        "office-pl",
        "2026-10-23T15:00:00+02:00",
        120,
        &[],
        "2026-10-26T09:00:00+01:00",
        "a weekend over fall back",
    ),
    (
        "always-pl",
        "2026-03-28T23:00:00+01:00",
        240,
        &[],
        "2026-03-29T04:00:00+02:00",
        "24x7 over spring forward: four real hours",
    ),
    (
        "always-pl",
        "2026-10-24T23:00:00+02:00",
        240,
        &[],
        "2026-10-25T02:00:00+01:00",
        "24x7 over fall back: four real hours",
    ),
    (
        "always-pl",
        "2026-11-27T23:30:00+01:00",
        60,
        &[],
        "2026-11-28T00:30:00+01:00",
        "24x7 has no gap at midnight",
    ),
    (
        "sunday-early",
        "2026-03-29T01:00:00+01:00",
        120,
        &[],
        "2026-03-29T04:00:00+02:00",
        "01:00-04:00 on the spring-forward night is two hours",
    ),
    (
        "sunday-early",
        "2026-03-29T01:00:00+01:00",
        121,
        &[],
        "2026-04-05T01:01:00+02:00",
        "and a minute more is next Sunday",
    ),
    (
        "sunday-early",
        "2026-10-25T01:00:00+02:00",
        240,
        &[],
        "2026-10-25T04:00:00+01:00",
        "01:00-04:00 on the fall-back night is four hours",
    ),
    // New York: Mon-Fri 09:00-17:00; 8 March 02:00 -> 03:00, 1 November 02:00 -> 01:00.
    (
        "ny",
        "2026-03-06T16:00:00-05:00",
        120,
        &[],
        "2026-03-09T10:00:00-04:00",
        "a weekend over spring forward",
    ),
    (
        "ny",
        "2026-10-30T16:00:00-04:00",
        120,
        &[],
        "2026-11-02T10:00:00-05:00",
        "a weekend over fall back",
    ),
    (
        "ny",
        "2026-11-30T08:59:00-05:00",
        1,
        &[],
        "2026-11-30T09:01:00-05:00",
        "a minute before opening",
    ),
    (
        "ny",
        "2026-12-05T12:00:00-05:00",
        480,
        &[],
        "2026-12-07T17:00:00-05:00",
        "from a Saturday, Monday's whole day",
    ),
    (
        "ny",
        "2026-11-27T15:00:00+01:00",
        60,
        &[],
        "2026-11-27T10:00:00-05:00",
        "a start in another offset",
    ),
    (
        "always-ny",
        "2026-03-08T01:30:00-05:00",
        60,
        &[],
        "2026-03-08T03:30:00-04:00",
        "24x7 across the skipped hour",
    ),
    (
        "always-ny",
        "2026-11-01T00:30:00-04:00",
        120,
        &[],
        "2026-11-01T01:30:00-05:00",
        "24x7 into the repeated hour",
    ),
    (
        "always-ny",
        "2026-12-31T23:30:00-05:00",
        60,
        &[],
        "2027-01-01T00:30:00-05:00",
        "over the new year",
    ),
    (
        "utc",
        "2026-11-27T10:00:00Z",
        1440,
        &[],
        "2026-11-28T10:00:00+00:00",
        "a day in UTC",
    ),
    // An overnight shift written as two intervals: no gap at midnight.
    (
        "night",
        "2026-11-30T23:00:00+01:00",
        120,
        &[],
        "2026-12-01T01:00:00+01:00",
        "over midnight",
    ),
    (
        "night",
        "2026-11-27T23:30:00+01:00",
        60,
        &[],
        "2026-11-30T00:30:00+01:00",
        "Friday night to Monday night",
    ),
    (
        "night",
        "2026-11-30T06:00:00+01:00",
        1,
        &[],
        "2026-11-30T22:01:00+01:00",
        "from the morning's end to the evening",
    ),
];

#[test]
fn business_hours_deadlines_match_the_hand_checked_table() {
    let text = format!("{DEFAULT_CONFIG}\n{CALENDARS}");
    let config = Config::parse(Path::new("calendars.toml"), &text)
        .unwrap_or_else(|e| panic!("the calendars: {e}"));
    assert!(CASES.len() >= 40, "{} cases", CASES.len());
    let mut wrong = vec![];
    for (name, from, minutes, pauses, want, why) in CASES {
        let cal = &config.calendars[*name];
        let pauses: Vec<(u64, u64)> = pauses
            .iter()
            .map(|(a, b)| (parse_instant(a).unwrap(), parse_instant(b).unwrap()))
            .collect();
        let due = cal
            .due(parse_instant(from).unwrap(), *minutes, &pauses)
            .unwrap_or_else(|e| panic!("{name} {from} +{minutes}: {e}"));
        let got = cal.format(due);
        if got != *want {
            wrong.push(format!(
                "{name} {from} +{minutes} ({why}): want {want}, got {got}"
            ));
        }
        // The business time from the start to the deadline is the budget, pauses taken out.
        let counted = cal.business_ms(parse_instant(from).unwrap(), due, &pauses);
        if counted != minutes * 60_000 {
            wrong.push(format!(
                "{name} {from} +{minutes} ({why}): {counted} ms of business time to the deadline"
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
