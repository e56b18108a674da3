//! Security awareness from the command line: a suspicious e-mail told to `frontline chat` (in
//! English and Polish) is a phishing report that `frontline security reports` counts by month,
//! while "I clicked it" is an incident it does not count; the security tips' timer shows in
//! `frontline timers list`, and `timers fire --until` posts one tip per period, the next tip each
//! time, and nothing once tips are off.

use std::path::Path;

use serde_json::Value;

use crate::common::{assert_ok, run_in, stdout, write};

fn frontline(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--config", "frontline.toml", "--data", "store"]);
    run_in(dir, &all, stdin.as_bytes())
}

fn ok(dir: &Path, args: &[&str], stdin: &str) -> String {
    let o = frontline(dir, args, stdin);
    assert_ok(&o, &args.join(" "));
    stdout(&o)
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let out = ok(dir, args, "");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn phishing_reports_are_told_what_to_do_and_counted_by_month() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "frontline.toml", frontline::config::DEFAULT_CONFIG);
    assert_eq!(
        ok(dir, &["security", "reports"], "").trim(),
        "no phishing reports"
    );

    let jan = ok(dir, &["chat", "--as", "jan"], "I got a weird e-mail\n");
    for words in [
        "do not click its links or open its attachments",
        "do not reply to it and do not forward it to anyone",
        "delete it",
        "If you already clicked a link, opened an attachment or typed your password, change your password now and tell me here",
        "I've opened ticket T-1000 (priority P3)",
    ] {
        assert!(jan.contains(words), "{words:?} not in:\n{jan}");
    }
    let ola = ok(
        dir,
        &["chat", "--as", "ola"],
        "dostałam podejrzanego maila z prośbą o hasło\n",
    );
    for words in [
        "nie klikaj linków w tej wiadomości i nie otwieraj załączników",
        "nie odpowiadaj na nią i nie przesyłaj jej nikomu dalej",
        "natychmiast zmień hasło",
        "T-1001",
    ] {
        assert!(ola.contains(words), "{words:?} not in:\n{ola}");
    }
    // Clicking is an incident: in the security queue too, but not a report.
    let clicked = ok(
        dir,
        &["chat", "--as", "jan"],
        "I already clicked the link in it and typed my password\n",
    );
    assert!(clicked.contains("T-1002 (priority P1)"), "{clicked}");

    let report = json(dir, &["tickets", "show", "T-1000", "--json"]);
    let t = if report["ticket"].is_object() {
        &report["ticket"]
    } else {
        &report
    };
    assert_eq!(t["category"], "phishing", "{report}");
    assert_eq!(t["queue"], "l2-security", "{report}");
    let created = t["created_ms"].as_u64().expect("created_ms");
    let month: String = frontline::clocks::calendar::Calendar::always("UTC")
        .format(created)
        .chars()
        .take(7)
        .collect();
    assert_eq!(
        json(dir, &["security", "reports", "--json"]),
        serde_json::json!([{"month": month, "reports": 2}])
    );
    let table = ok(dir, &["security", "reports"], "");
    assert!(table.contains(&format!("{month}  2")), "{table}");
}

const TIPS: &str = r#"
[calendars.office-pl]
timezone = "Europe/Warsaw"
[calendars.office-pl.hours]
mon = ["08:00-16:00"]
tue = ["08:00-16:00"]
wed = ["08:00-16:00"]
thu = ["08:00-16:00"]
fri = ["08:00-16:00"]

[security]
tips_channel = { platform = "local", channel = "security-news" }
tips_at = "09:30"
calendar = "office-pl"
language = "pl"
"#;

/// The security tip's timer as `timers list --json` shows it.
fn tip_timer(dir: &Path) -> Option<Value> {
    json(dir, &["timers", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "security_tip")
        .cloned()
}

#[test]
fn security_tips_are_posted_once_per_period_and_never_when_off() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "frontline.toml",
        &format!("{}{TIPS}", frontline::config::DEFAULT_CONFIG),
    );
    let t = tip_timer(dir).expect("the tips' timer is listed");
    assert_eq!(t["id"], "security:tip");
    assert_eq!(t["ticket"], Value::Null);
    let due = t["due"].as_str().unwrap().to_string();
    assert!(due.ends_with("T09:30:00+01:00"), "{t}");

    let fired = ok(dir, &["timers", "fire", "--until", &due], "");
    assert!(fired.contains("fired security:tip"), "{fired}");
    let posted: Vec<&str> = fired.lines().filter(|l| l.contains("posted in")).collect();
    assert_eq!(
        posted,
        [
            "  posted in local:security-news: Porada bezpieczeństwa: dział IT nigdy nie prosi o hasło, ani mailem, ani na czacie, ani przez telefon. Kto o nie prosi, nie jest z IT: zgłoś taką wiadomość tutaj."
        ],
        "{fired}"
    );
    // Once: the same instant again fires nothing.
    assert_eq!(
        ok(dir, &["timers", "fire", "--until", &due], "").trim(),
        "nothing due"
    );
    // The next period: a week later, the next tip.
    let next = tip_timer(dir).expect("set again");
    let next_due = next["due"].as_str().unwrap().to_string();
    assert_ne!(next_due, due);
    assert!(next_due.ends_with("T09:30:00+01:00"), "{next}");
    let fired = ok(dir, &["timers", "fire", "--until", &next_due, "--json"], "");
    let fired: Value = serde_json::from_str(&fired).unwrap();
    assert_eq!(fired.as_array().unwrap().len(), 1, "{fired}");
    assert_eq!(fired[0]["kind"], "security_tip");
    let outbox = ok(dir, &["outbox", "list", "--json"], "");
    assert!(outbox.contains("najedź na niego kursorem"), "{outbox}");

    // Tips off: the timer goes, and nothing is posted however far the clock moves.
    write(
        dir,
        "frontline.toml",
        &format!(
            "{}{}",
            frontline::config::DEFAULT_CONFIG,
            TIPS.replace("[security]", "[security]\ntips = false")
        ),
    );
    assert_eq!(tip_timer(dir), None);
    let far = ok(
        dir,
        &["timers", "fire", "--until", "2030-01-01T00:00:00+00:00"],
        "",
    );
    assert!(!far.contains("posted"), "{far}");
    assert!(!far.contains("security:tip"), "{far}");
}

#[test]
fn security_tips_config_mistakes_stop_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "frontline.toml",
        &format!(
            "{}\n[security]\ntips_channel = {{ platform = \"slack\", channel = \"#security\" }}\n",
            frontline::config::DEFAULT_CONFIG
        ),
    );
    let o = frontline(dir, &["timers", "list"], "");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    let line = frontline::config::DEFAULT_CONFIG.lines().count() + 3;
    assert!(
        err.contains(&format!(
            "frontline.toml:{line}: security.tips_channel.channel: `#security` is not a Slack channel id"
        )),
        "{err}"
    );
}

/// The weekly digest's settings are checked like the tips': a day that is no weekday, a time
/// that is no time, a language the pack does not speak, a table with no channel, each named by
/// file, line and field, and nothing runs.
#[test]
fn report_digest_config_mistakes_stop_the_command() {
    let base = frontline::config::DEFAULT_CONFIG.lines().count();
    for (table, field, message) in [
        (
            "[reports]\ndigest_channel = { platform = \"local\", channel = \"reports\" }\ndigest_weekday = \"mondai\"\n",
            (base + 4, "reports.digest_weekday"),
            "`mondai` is not a day of the week: one of monday, tuesday",
        ),
        (
            "[reports]\ndigest_channel = { platform = \"local\", channel = \"reports\" }\ndigest_at = \"9am\"\n",
            (base + 4, "reports.digest_at"),
            "`9am` is not a local time of day like \"09:00\"",
        ),
        (
            "[reports]\ndigest_weekday = \"friday\"\n",
            (base + 2, "reports.digest_channel"),
            "missing field: where the weekly digest goes",
        ),
        (
            "[reports]\ndigest_channel = { platform = \"discord\", channel = \"reports\" }\n",
            (base + 3, "reports.digest_channel.channel"),
            "`reports` is not a Discord channel id",
        ),
        (
            "[reports]\ndigest_channel = { platform = \"local\", channel = \"reports\" }\nlanguage = \"de\"\n",
            (base + 4, "reports.language"),
            "pack `it-support` is not written in `de`",
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(
            dir,
            "frontline.toml",
            &format!("{}\n{table}", frontline::config::DEFAULT_CONFIG),
        );
        let o = frontline(dir, &["timers", "list"], "");
        assert!(!o.status.success(), "{table}");
        let err = String::from_utf8_lossy(&o.stderr);
        let (line, field) = field;
        assert!(
            err.contains(&format!("frontline.toml:{line}: {field}: {message}")),
            "{table}\n{err}"
        );
    }
}
