//! `frontline report` as a desk's owner runs it: after people opened tickets, agents answered,
//! resolved (one of them a change that failed), a requester rated and another reopened, and an
//! FAQ answer helped someone, the report (table, CSV and the JSON contract of issue 17) shows
//! those figures for today, in the configured time zone; mistakes in the arguments are refused
//! with a sentence.

use serde_json::Value;

use crate::common::desk::{TestDesk, err_of, text_of};

fn today() -> String {
    // The built-in configuration reports in Europe/Warsaw.
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Warsaw").unwrap())
        .date()
        .to_string()
}

fn desk_with_history() -> TestDesk {
    let desk = TestDesk::new();
    let a = desk.open_ticket("jan");
    let b = desk.open_ticket("anna");
    let c = desk.open_ticket("piotr");
    // An FAQ answer that helped: no ticket.
    let out = desk.chat("ola", &["my printer has a paper jam", "yes"]);
    assert!(!out.contains("I've opened ticket"), "{out}");
    let said = desk.agent(
        "alice",
        &[
            &format!("claim {a}"),
            &format!("reply {a} Please restart the laptop."),
            &format!("resolve {a} 20 replaced the screen"),
            &format!("claim {b}"),
            &format!("change {b}"),
            &format!("resolve {b} 30 failed the new screen was faulty too"),
            &format!("reopen {b} still broken"),
            &format!("claim {c}"),
        ],
    );
    assert!(said.contains("Change failed."), "{said}");
    desk.chat("jan", &["4"]);
    desk
}

#[test]
fn the_json_report_has_the_figures_of_the_day() {
    let desk = desk_with_history();
    let day = today();
    let o = desk.run(
        &[
            "report", "--from", &day, "--to", &day, "--by", "day", "--format", "json",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", err_of(&o));
    let r: Value = serde_json::from_str(&text_of(&o)).expect("one JSON object");
    assert_eq!(
        r["volume"],
        serde_json::json!([{"period": day, "tickets": 3}])
    );
    assert_eq!(r["tickets"], 3);
    for k in ["first_response", "resolution"] {
        for f in [
            "median_minutes",
            "p90_minutes",
            "mean_minutes",
            "business_median_minutes",
        ] {
            assert!(r[k].get(f).is_some(), "{k}.{f} in {}", r[k]);
        }
    }
    // Only `a` got a message from an agent (claims are not responses): one first response.
    assert_eq!(r["first_response"]["count"], 1);
    // `a` stays resolved; `b` was reopened, so only `a` counts as resolved now.
    assert_eq!(r["resolution"]["count"], 1);
    assert_eq!(
        r["reopen_rate"], 0.5,
        "one of two resolved tickets reopened"
    );
    assert_eq!(r["csat_average"], 4.0);
    assert_eq!(
        r["csat"]["distribution"],
        serde_json::json!([0, 0, 0, 1, 0])
    );
    // The change failed, and it is reopened: it completed once, unsuccessfully.
    assert_eq!(r["changes"]["marked"], 1);
    assert_eq!(r["change_success_rate"], Value::Null, "{}", r["changes"]);
    assert_eq!(r["deflection"]["helped"], 1);
    assert_eq!(r["deflection_rate"], 1.0);
    let heatmap = r["heatmap"].as_array().expect("heatmap");
    assert_eq!(heatmap.len(), 7);
    assert!(
        heatmap
            .iter()
            .all(|row| row.as_array().unwrap().len() == 24)
    );
    let total: u64 = heatmap
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()))
        .sum();
    assert_eq!(total, 3);
    assert_eq!(r["timezone"], "Europe/Warsaw");
    // One organisation only (jan and anna are ACME's in the built-in configuration).
    let o = desk.run(
        &[
            "report",
            "--from",
            &day,
            "--to",
            &day,
            "--format",
            "json",
            "--organisation",
            "acme",
        ],
        b"",
    );
    let acme: Value = serde_json::from_str(&text_of(&o)).unwrap();
    assert_eq!(acme["tickets"], 2, "{}", acme["volume_by"]["organisation"]);
}

#[test]
fn weeks_and_months_are_labelled_and_the_table_and_csv_read() {
    let desk = desk_with_history();
    let day = today();
    let date: jiff::civil::Date = day.parse().unwrap();
    let week = date.iso_week_date();
    for (by, label) in [
        ("week", format!("{:04}-W{:02}", week.year(), week.week())),
        ("month", day[..7].to_string()),
    ] {
        let o = desk.run(
            &[
                "report", "--from", &day, "--to", &day, "--by", by, "--format", "json",
            ],
            b"",
        );
        let r: Value = serde_json::from_str(&text_of(&o)).unwrap();
        assert_eq!(r["volume"][0]["period"], label.as_str(), "--by {by}");
    }
    let o = desk.run(&["report", "--from", &day, "--to", &day], b"");
    let table = text_of(&o);
    assert!(table.contains("3 tickets"), "{table}");
    assert!(table.contains("first response"), "{table}");
    assert!(table.contains("CSAT average 4"), "{table}");
    let o = desk.run(
        &["report", "--from", &day, "--to", &day, "--format", "csv"],
        b"",
    );
    let csv = text_of(&o);
    assert!(csv.starts_with("section,group,key,value\n"), "{csv}");
    assert!(csv.contains(&format!("volume,,{day},3")), "{csv}");
}

#[test]
fn mistakes_are_refused_with_a_sentence() {
    let desk = TestDesk::new();
    for (args, says) in [
        (vec!["--by", "year"], "--by `year`: day, week or month"),
        (vec!["--from", "28.11.2026"], "a day as YYYY-MM-DD"),
        (
            vec!["--from", "2026-12-01", "--to", "2026-11-01"],
            "is after --to",
        ),
        (vec!["--format", "xml"], "table, csv or json"),
        (
            vec!["--platform", "telegram"],
            "local, discord, slack or web",
        ),
    ] {
        let mut all = vec!["report"];
        all.extend(args.iter());
        let o = desk.run(&all, b"");
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(err_of(&o).contains(says), "{args:?}: {}", err_of(&o));
    }
}

/// `stats` in `frontline agent` (an agent gets the figures, and is told the chart is for chat;
/// anyone else is refused), and an organisation's contact asking the chat terminal for their
/// monthly summary: ACME's tickets (jan's and anna's), not piotr's.
#[test]
fn stats_in_the_agent_terminal_and_the_contacts_monthly_summary_in_chat() {
    let desk = desk_with_history();
    let day = today();
    let said = desk.agent("alice", &["stats today", "stats next tuesday"]);
    assert!(
        said.contains(&format!("Support desk figures for {day} (Europe/Warsaw):")),
        "{said}"
    );
    assert!(said.contains("- Tickets: 3 opened, 1 resolved"), "{said}");
    assert!(said.contains("- CSAT: 4.0 / 5 (1 rating"), "{said}");
    assert!(said.contains("(with a chart, Tickets per day: "), "{said}");
    assert!(
        said.contains("I don't know the period \"next tuesday\"."),
        "{said}"
    );
    let said = desk.agent("jan", &["stats"]);
    assert!(
        said.contains("Only support agents and admins can see the desk's figures."),
        "{said}"
    );
    assert!(!said.contains("Tickets:"), "{said}");

    // Globex, added with greta as its contact: her own tickets only, never ACME's.
    let o = desk.run(
        &[
            "orgs",
            "add",
            "globex",
            "--name",
            "Globex Ltd",
            "--user",
            "local:greta",
            "--user",
            "local:gosia",
            "--contact",
            "local:greta",
        ],
        b"",
    );
    assert!(o.status.success(), "{}", err_of(&o));
    desk.open_ticket("greta");
    desk.open_ticket("gosia");
    let said = desk.chat("greta", &["can I get our monthly report?"]);
    let month_start = format!("{}-01", &day[..7]);
    let range = if month_start == day {
        day.clone()
    } else {
        format!("{month_start} – {day}")
    };
    assert!(
        said.contains(&format!(
            "Support summary for Globex Ltd, {range} (Europe/Warsaw):"
        )),
        "{said}"
    );
    assert!(said.contains("- Tickets: 2 opened, 0 resolved"), "{said}");
    let said = desk.chat("gosia", &["poproszę raport miesięczny"]);
    assert!(
        said.contains("Miesięczne podsumowanie dostaje tylko osoba kontaktowa Twojej organizacji: greta może mnie o nie poprosić."),
        "{said}"
    );
}
