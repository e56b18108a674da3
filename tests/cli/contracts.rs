//! A block-hours customer from purchase to statement, as an admin and an agent type it: an
//! organisation added with its people and domain, a 10-hour block bought from the price list
//! and a plan, a user's ticket, time logged on site and by phone, an entry split over two
//! contracts, overage past both, a refund of a mistaken entry, a non-billable entry, the month's
//! statement in every format summing exactly, `verify` checking the balances, and the mistakes
//! an admin makes answered with what to write instead.

use serde_json::Value;

use crate::common::{assert_ok, run_in, stdout, write};

const PRICING: &str = r#"
[pricing]
currency = "PLN"
hourly_rate = 200
overage_rate = "250.00"
discounts = { 20 = 5, 50 = 10, 100 = 15 }

[contracts]
alert_thresholds = [80, 100]
"#;

fn setup() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let config = format!("{}{PRICING}", frontline::config::DEFAULT_CONFIG);
    write(tmp.path(), "frontline.toml", &config);
    tmp
}

fn fl(dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--config", "frontline.toml", "--data", "store"]);
    run_in(dir, &all, stdin.as_bytes())
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), err(o)))
}

fn this_month() -> String {
    frontline::contracts::local_date(
        frontline::tickets::now_ms(),
        &jiff::tz::TimeZone::get("Europe/Warsaw").unwrap(),
    )[..7]
        .to_string()
}

#[test]
fn a_block_hours_customer_from_purchase_to_statement() {
    let tmp = setup();
    let dir = tmp.path();
    let o = fl(
        dir,
        &[
            "orgs",
            "add",
            "globex",
            "--name",
            "Globex Sp. z o.o.",
            "--user",
            "local:ewa",
            "--domain",
            "globex.example",
            "--contact",
            "local:olga",
            "--timezone",
            "Europe/Warsaw",
            "--json",
        ],
        "",
    );
    assert_ok(&o, "orgs add");
    let org = json(&o);
    assert_eq!(org["id"], "globex");
    assert_eq!(org["users"][0], "local:ewa");
    assert_eq!(org["timezone"], "Europe/Warsaw");

    // A 10-hour block at the list price (10 h x 200.00, no discount below 20 h).
    let month = this_month();
    let o = fl(
        dir,
        &[
            "contracts",
            "add",
            "--org",
            "globex",
            "--kind",
            "block",
            "--hours",
            "10",
            "--start",
            &format!("{month}-01"),
            "--json",
        ],
        "",
    );
    assert_ok(&o, "contracts add");
    let block = json(&o);
    let block_id = block["id"].as_str().unwrap().to_string();
    assert!(block_id.starts_with("C-"), "{block}");
    assert_eq!(block["price_cents"], 200_000);
    assert_eq!(block["left_minutes"], 600);
    // A 20-hour block gets 5% off the list.
    let o = fl(
        dir,
        &[
            "contracts",
            "add",
            "--org",
            "globex",
            "--kind",
            "block",
            "--hours",
            "20",
            "--json",
        ],
        "",
    );
    let big = json(&o);
    assert_eq!(big["price_cents"], 380_000);
    let big_id = big["id"].as_str().unwrap().to_string();
    let o = fl(dir, &["contracts", "close", &big_id], "");
    assert_ok(&o, "contracts close");
    assert!(
        stdout(&o).contains(&format!("Closed {big_id}.")),
        "{}",
        stdout(&o)
    );

    // A person of the domain writes; alice claims and works on it.
    let o = fl(
        dir,
        &["chat", "--as", "ewa@globex.example"],
        "my laptop screen is cracked and flickering\n",
    );
    assert_ok(&o, "chat");
    let o = fl(dir, &["tickets", "show", "T-1000", "--json"], "");
    assert_eq!(
        json(&o)["ticket"]["organisation"],
        "globex",
        "the domain names the organisation"
    );
    assert_ok(
        &fl(dir, &["tickets", "claim", "T-1000", "--as", "alice"], ""),
        "claim",
    );

    let log = |minutes: &str, extra: &[&str]| {
        let mut args = vec![
            "tickets",
            "log",
            "T-1000",
            "--as",
            "alice",
            "--minutes",
            minutes,
            "--json",
        ];
        args.extend_from_slice(extra);
        let o = fl(dir, &args, "");
        assert_ok(&o, "tickets log");
        json(&o)
    };
    let e1 = log("450", &["--activity", "on-site"]);
    assert_eq!(e1["ok"], true);
    assert_eq!(e1["entries"][0]["seq"], 1);
    assert_eq!(e1["entries"][0]["activity"], "on-site");
    assert!(
        e1["message"]
            .as_str()
            .unwrap()
            .contains(&format!("7 h 30 min to {block_id}")),
        "{}",
        e1["message"]
    );
    // 200 minutes: 150 left on the block, 50 past it.
    let e2 = log("200", &["--activity", "phone"]);
    let splits = &e2["entries"][0]["splits"];
    assert_eq!(splits[0]["contract"], block_id.as_str());
    assert_eq!(splits[0]["minutes"], 150);
    assert_eq!(splits[1]["contract"], Value::Null);
    assert_eq!(splits[1]["minutes"], 50);
    // Logged by mistake, then taken back.
    let e3 = log("30", &[]);
    assert_eq!(e3["entries"][0]["splits"][0]["contract"], Value::Null);
    let o = fl(
        dir,
        &[
            "tickets", "refund", "T-1000", "--as", "alice", "--entry", "3", "--json",
        ],
        "",
    );
    assert_ok(&o, "refund");
    let r = json(&o);
    assert_eq!(r["entries"][0]["refund_of"], 3);
    assert_eq!(r["entries"][0]["minutes"], -30);
    let o = fl(
        dir,
        &[
            "tickets", "refund", "T-1000", "--as", "alice", "--entry", "3",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("Entry 3 was already refunded."),
        "{}",
        stdout(&o)
    );
    let e5 = log("15", &["--no-billable"]);
    assert_eq!(e5["entries"][0]["billable"], false);
    // Somebody else's ticket is not bob's to log on.
    let o = fl(
        dir,
        &["tickets", "log", "T-1000", "--as", "bob", "--minutes", "10"],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));

    let o = fl(
        dir,
        &[
            "statements",
            "--org",
            "globex",
            "--month",
            &month,
            "--format",
            "json",
        ],
        "",
    );
    assert_ok(&o, "statements");
    let s = json(&o);
    assert_eq!(s["opening_minutes"], 0);
    assert_eq!(
        s["added_minutes"], 1800,
        "both blocks were bought this month"
    );
    assert_eq!(s["charged_minutes"], 650, "450 + 200 + 30 - 30");
    assert_eq!(s["overage_minutes"], 50);
    assert_eq!(s["expired_minutes"], 1200, "the closed 20-hour block");
    assert_eq!(s["closing_minutes"], 0);
    assert_eq!(s["non_billable_minutes"], 15);
    // 2,000.00 + 3,800.00 for the blocks, 50 min of overage at 250.00/h = 208.33.
    assert_eq!(s["amount_due"], "6008.33");
    let rows = s["entries"].as_array().unwrap();
    let row = |i: usize| {
        (
            rows[i]["ticket"].clone(),
            rows[i]["minutes"].clone(),
            rows[i]["contract"].clone(),
            rows[i]["billable"].clone(),
        )
    };
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert_eq!(
        row(0),
        (
            "T-1000".into(),
            450.into(),
            block_id.as_str().into(),
            true.into()
        )
    );
    assert_eq!(
        row(1),
        (
            "T-1000".into(),
            150.into(),
            block_id.as_str().into(),
            true.into()
        )
    );
    assert_eq!(
        row(2),
        ("T-1000".into(), 50.into(), Value::Null, true.into())
    );
    assert_eq!(
        row(5),
        ("T-1000".into(), 15.into(), Value::Null, false.into())
    );
    let billable: i64 = rows
        .iter()
        .filter(|r| r["billable"] == true)
        .map(|r| r["minutes"].as_i64().unwrap())
        .sum();
    assert_eq!(billable, 650, "the rows sum to what was charged");
    assert!(
        rows[0]["at"].as_str().unwrap().ends_with(":00")
            || rows[0]["at"].as_str().unwrap().contains('+')
    );

    let o = fl(
        dir,
        &["statements", "--org", "globex", "--month", &month],
        "",
    );
    let table = stdout(&o);
    assert!(
        table.contains(&format!(
            "Statement {month} for Globex Sp. z o.o. (globex), times in Europe/Warsaw"
        )),
        "{table}"
    );
    assert!(
        table.contains("amount due") && table.contains("6008.33 PLN"),
        "{table}"
    );
    let o = fl(
        dir,
        &[
            "statements",
            "--org",
            "globex",
            "--month",
            &month,
            "--format",
            "csv",
        ],
        "",
    );
    let csv = stdout(&o);
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(csv.starts_with(
        "entry,at,ticket,minutes,contract,billable,billed,activity,agent,refund_of\n"
    ));

    // The balance shows what is left; `verify` checks it against the entries.
    let o = fl(dir, &["orgs", "show", "globex"], "");
    assert!(
        stdout(&o).contains(&format!("{block_id} (block): 0 min left of 10 h")),
        "{}",
        stdout(&o)
    );
    let o = fl(dir, &["verify"], "");
    assert_ok(&o, "verify");
    assert!(
        stdout(&o).contains("1 accounts, 5 time entries"),
        "{}",
        stdout(&o)
    );

    // This month is not over: it cannot be closed yet; last month can.
    let o = fl(
        dir,
        &[
            "statements",
            "--org",
            "globex",
            "--month",
            &month,
            "--close",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("has not ended"), "{}", err(&o));
    let last = frontline::contracts::prev_month(&month);
    let o = fl(
        dir,
        &[
            "statements",
            "--org",
            "globex",
            "--month",
            &last,
            "--close",
            "--format",
            "json",
        ],
        "",
    );
    assert_ok(&o, "close last month");
    assert_eq!(json(&o)["billed"], true);
}

#[test]
fn admin_mistakes_get_what_to_write_instead() {
    let tmp = setup();
    let dir = tmp.path();
    let refused = |args: &[&str], says: &str| {
        let o = fl(dir, args, "");
        assert_eq!(
            o.status.code(),
            Some(1),
            "{args:?}: {}{}",
            stdout(&o),
            err(&o)
        );
        assert!(err(&o).contains(says), "{args:?}: {}", err(&o));
    };
    refused(
        &["orgs", "add", "acme", "--name", "Again"],
        "declared in the configuration file",
    );
    refused(
        &["orgs", "add", "bad id!", "--name", "X"],
        "is not an organisation id",
    );
    refused(
        &["orgs", "add", "x", "--name", "X", "--user", "anna"],
        "write platform:id",
    );
    refused(
        &["orgs", "add", "x", "--name", "X", "--user", "local:anna"],
        "already in organisation `acme`",
    );
    refused(
        &["orgs", "add", "x", "--name", "X", "--timezone", "Mars/Base"],
        "not an IANA time zone",
    );
    refused(
        &[
            "contracts",
            "add",
            "--org",
            "nobody",
            "--kind",
            "block",
            "--hours",
            "10",
        ],
        "no organisation `nobody`",
    );
    refused(
        &[
            "contracts",
            "add",
            "--org",
            "acme",
            "--kind",
            "bundle",
            "--hours",
            "10",
        ],
        "block, plan or annual",
    );
    refused(
        &[
            "contracts",
            "add",
            "--org",
            "acme",
            "--kind",
            "block",
            "--hours",
            "ten",
        ],
        "not a number of hours",
    );
    refused(
        &[
            "contracts",
            "add",
            "--org",
            "acme",
            "--kind",
            "block",
            "--hours",
            "10",
            "--expires",
            "2026-13-01",
        ],
        "--expires",
    );
    refused(
        &[
            "contracts",
            "add",
            "--org",
            "acme",
            "--kind",
            "block",
            "--hours",
            "10",
            "--start",
            "2026-05-01",
            "--expires",
            "2026-04-30",
        ],
        "is before the start",
    );
    refused(
        &[
            "contracts",
            "add",
            "--org",
            "acme",
            "--kind",
            "plan",
            "--hours",
            "4",
            "--price",
            "10",
        ],
        "--monthly-fee",
    );
    refused(
        &["contracts", "topup", "C-9999", "--hours", "5"],
        "no contract `C-9999`",
    );
    refused(
        &["statements", "--org", "acme", "--month", "2026-13"],
        "is not a month",
    );
    refused(
        &[
            "statements",
            "--org",
            "acme",
            "--month",
            "2026-11",
            "--format",
            "pdf",
        ],
        "table, csv or json",
    );
    // A plan cannot be topped up; a block can.
    let plan = json(&fl(
        dir,
        &[
            "contracts",
            "add",
            "--org",
            "acme",
            "--kind",
            "plan",
            "--hours",
            "4",
            "--monthly-fee",
            "900",
            "--json",
        ],
        "",
    ));
    refused(
        &[
            "contracts",
            "topup",
            plan["id"].as_str().unwrap(),
            "--hours",
            "2",
        ],
        "only blocks are topped up",
    );
    let block = json(&fl(
        dir,
        &[
            "contracts",
            "add",
            "--org",
            "acme",
            "--kind",
            "block",
            "--hours",
            "10",
            "--json",
        ],
        "",
    ));
    let o = fl(
        dir,
        &[
            "contracts",
            "topup",
            block["id"].as_str().unwrap(),
            "--hours",
            "5",
            "--json",
        ],
        "",
    );
    assert_ok(&o, "topup");
    assert_eq!(json(&o)["left_minutes"], 900);
    let o = fl(dir, &["verify"], "");
    assert_ok(&o, "verify");
}
