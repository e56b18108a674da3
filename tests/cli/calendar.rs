//! `frontline calendar due` as a script calls it, and calendar mistakes in a configuration
//! reported with the file, line and field to fix (the iCalendar file's own lines included).

use crate::common::{assert_ok, run_in, stderr, stdout, write};

const CONFIG: &str = r#"l3_queue = "l3-engineering"

[[queues]]
id = "l2-general"
tier = "L2"
platform = "local"
channel = "l2-general"
calendar = "office-pl"

[[queues]]
id = "l3-engineering"
tier = "L3"
platform = "local"
channel = "l3-engineering"

[calendars.office-pl]
timezone = "Europe/Warsaw"
holidays = ["2026-11-11"]
holidays_ics = "holidays.ics"
[calendars.office-pl.hours]
mon = ["08:00-12:00", "12:30-16:00"]
tue = ["08:00-12:00", "12:30-16:00"]
wed = ["08:00-12:00", "12:30-16:00"]
thu = ["08:00-12:00", "12:30-16:00"]
fri = ["08:00-12:00", "12:30-16:00"]
"#;

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Christmas\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:New Year\r\nDTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn calendar_due_prints_the_deadline_in_text_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let config = write(tmp.path(), "frontline.toml", CONFIG);
    write(tmp.path(), "holidays.ics", ICS);
    let due = |extra: &[&str]| {
        let mut args = vec![
            "calendar",
            "due",
            "--config",
            &config,
            "--calendar",
            "office-pl",
        ];
        args.extend_from_slice(extra);
        run_in(tmp.path(), &args, b"")
    };

    // Friday 15:00 + 60 business minutes: closing time, not Monday.
    let o = due(&[
        "--from",
        "2026-11-27T15:00:00+01:00",
        "--minutes",
        "60",
        "--json",
    ]);
    assert_ok(&o, "calendar due");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["due"], "2026-11-27T16:00:00+01:00");
    assert_eq!(v["business_minutes"], 60);

    // The iCalendar file's Christmas (24-26 December) and the weekend: Monday 28th.
    let o = due(&["--from", "2026-12-23T15:00:00+01:00", "--minutes", "120"]);
    assert_ok(&o, "calendar due");
    assert_eq!(
        stdout(&o),
        "due: 2026-12-28T09:00:00+01:00 (120 business minutes in calendar `office-pl`, Europe/Warsaw)\n"
    );
    // Its yearly New Year's Day, in a later year (1 January 2027 is a Friday).
    let o = due(&[
        "--from",
        "2026-12-31T15:00:00+01:00",
        "--minutes",
        "120",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["due"], "2027-01-04T09:00:00+01:00");

    // A start in UTC, and two pauses (one across the weekend), printed in Warsaw's offset.
    let o = due(&[
        "--from",
        "2026-11-27T14:00:00Z",
        "--minutes",
        "120",
        "--pause",
        "2026-11-27T15:30:00+01:00..2026-11-30T09:00:00+01:00",
        "--pause",
        "2026-11-30T09:30:00+01:00..2026-11-30T10:00:00+01:00",
        "--json",
    ]);
    assert_ok(&o, "calendar due with pauses");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["due"], "2026-11-30T11:00:00+01:00");

    // Mistakes: one line each, exit 1.
    for (args, says) in [
        (
            vec!["--from", "friday", "--minutes", "5"],
            "--from: `friday` is not an RFC 3339 instant",
        ),
        (
            vec![
                "--from",
                "2026-11-27T15:00:00+01:00",
                "--minutes",
                "5",
                "--pause",
                "2026-11-27T16:00:00Z",
            ],
            "--pause `2026-11-27T16:00:00Z`: write FROM..TO",
        ),
    ] {
        let o = due(&args);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).starts_with(&format!("error: {says}")),
            "{}",
            stderr(&o)
        );
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
    let o = run_in(
        tmp.path(),
        &[
            "calendar",
            "due",
            "--config",
            &config,
            "--calendar",
            "office",
            "--from",
            "2026-11-27T15:00:00Z",
            "--minutes",
            "5",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no calendar `office`") && stderr(&o).contains("office-pl"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn calendar_mistakes_name_their_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "holidays.ics",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026-12-24\nEND:VEVENT\nEND:VCALENDAR\n",
    );
    let bad = CONFIG
        .replace(
            "timezone = \"Europe/Warsaw\"",
            "timezone = \"Europe/Warsow\"",
        )
        .replace("holidays = [\"2026-11-11\"]", "holidays = [\"2026-11-31\"]")
        .replace(
            "tue = [\"08:00-12:00\", \"12:30-16:00\"]",
            "tue = [\"08:00-12:00\", \"11:30-16:00\"]",
        )
        .replace(
            "wed = [\"08:00-12:00\", \"12:30-16:00\"]",
            "wed = [\"16:00-08:00\"]",
        )
        .replace("calendar = \"office-pl\"", "calendar = \"office\"");
    let config = write(tmp.path(), "frontline.toml", &bad);
    let o = run_in(tmp.path(), &["config", "check", "--config", &config], b"");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o) + &stderr(&o);
    let line = |needle: &str| bad.lines().position(|l| l.contains(needle)).unwrap() + 1;
    for want in [
        format!(
            "frontline.toml:{}: queues[0].calendar: no calendar `office`",
            line("calendar = \"office\"")
        ),
        format!(
            "frontline.toml:{}: calendars.office-pl.timezone: `Europe/Warsow` is not an IANA time zone",
            line("Warsow")
        ),
        format!(
            "frontline.toml:{}: calendars.office-pl.holidays[0]: `2026-11-31` is not a date",
            line("2026-11-31")
        ),
        format!(
            "frontline.toml:{}: calendars.office-pl.hours.tue: 08:00-12:00 and 11:30-16:00 overlap",
            line("tue =")
        ),
        format!(
            "frontline.toml:{}: calendars.office-pl.hours.wed[0]: `16:00-08:00` ends before it starts",
            line("wed =")
        ),
        "holidays.ics:3: calendars.office-pl.holidays_ics: `2026-12-24` is not a date".to_string(),
    ] {
        assert!(out.contains(&want), "want {want:?} in:\n{out}");
    }
}
