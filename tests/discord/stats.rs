//! `/stats` and the weekly digest on Discord, against the mock with the real serenity client:
//! Alice (an L2 agent by role) types `/stats` in the support channel and gets the figures and
//! the volume chart as a PNG file, only she sees them; Eve (no agent role) is refused, with no
//! file; a period the bot does not know is explained; the digest's timer firing posts the
//! figures and the chart in the reports channel.

use std::sync::Arc;

use serde_json::json;

use crate::discord_e2e::{
    Bot, CH_GENERAL, SUPPORT, alice, config_toml, eve, followup_of, inject_then, parse_config,
    post_in, store, triage,
};
use crate::mock_discord::{MockDiscord, Recorded};

use frontline::desk::{Desk, Event, Incoming};
use frontline::store::Store;
use frontline::tickets::{UserRef, now_ms};

const DAY: u64 = 86_400_000;

/// The deployment of the other stories, with the weekly digest in the general channel.
fn config(mock: &MockDiscord) -> frontline::config::Config {
    let mut toml = config_toml(mock);
    toml.push_str(&format!(
        "\n[reports]\ndigest_channel = {{ platform = \"discord\", channel = \"{CH_GENERAL}\" }}\n"
    ));
    parse_config(&toml)
}

/// Two tickets: one a week ago (last ISO week, for the digest), one an hour ago.
fn history(desk: &Desk) {
    for (who, subject, ago) in [
        ("ola", "Printer on floor 2 jams", 7 * DAY),
        ("piotr", "VPN drops every hour", 3_600_000),
    ] {
        desk.process(
            Incoming::plain(Event::OpenTicket {
                user: UserRef::local(who),
                subject: subject.into(),
                description: String::new(),
            }),
            now_ms() - ago,
        )
        .expect("ticket opened");
    }
}

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 2000
}

fn one_png(r: &Recorded) -> &[u8] {
    assert_eq!(r.files.len(), 1, "one file: {r}");
    assert!(
        r.files[0].starts_with("volume-") && r.files[0].ends_with(".png"),
        "{:?}",
        r.files
    );
    let bytes = &r.file_bytes[0];
    assert!(is_png(bytes), "a PNG of {} bytes", bytes.len());
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_types_stats_and_sees_the_figures_and_the_chart() {
    let mock = MockDiscord::start().await;
    let store = store();
    history(&Desk::new(triage(), config(&mock), store.clone()));
    let bot = Bot::start_with(&mock, store.clone(), 1, config(&mock)).await;
    let registered = mock
        .commands(None)
        .into_iter()
        .find(|c| c["name"] == "stats")
        .expect("/stats is registered");
    assert_eq!(registered["options"][0]["name"], "period", "{registered}");
    assert_ne!(registered["options"][0]["required"], true, "{registered}");

    let place = mock.guild(SUPPORT);
    let cmd = mock.slash_command(place, &alice(), "stats", &[]);
    let answer = inject_then(&mock, cmd.clone(), followup_of(&mock, &cmd)).await;
    assert!(answer.ephemeral(), "only she sees it: {answer}");
    let said = answer.content();
    assert!(said.starts_with("Support desk figures for "), "{answer}");
    assert!(said.contains("- Tickets: 1 opened, 0 resolved"), "{answer}");
    one_png(&answer);

    // Last month's, a period in Polish (answered in Polish), one it does not know.
    let cmd = mock.slash_command(
        place,
        &alice(),
        "stats",
        &[("period", json!("ten tydzień"))],
    );
    let answer = inject_then(&mock, cmd.clone(), followup_of(&mock, &cmd)).await;
    assert!(
        answer.content().starts_with("Wyniki helpdesku za "),
        "{answer}"
    );
    one_png(&answer);
    let cmd = mock.slash_command(place, &alice(), "stats", &[("period", json!("fortnight"))]);
    let answer = inject_then(&mock, cmd.clone(), followup_of(&mock, &cmd)).await;
    assert!(
        answer
            .content()
            .starts_with("I don't know the period \"fortnight\"."),
        "{answer}"
    );
    assert!(answer.files.is_empty(), "{answer}");

    // Eve holds no agent role: refused, no figures, no file.
    let cmd = mock.slash_command(place, &eve(), "stats", &[("period", json!("this year"))]);
    let answer = inject_then(&mock, cmd.clone(), followup_of(&mock, &cmd)).await;
    assert!(
        answer
            .content()
            .starts_with("Only support agents and admins can see the desk's figures."),
        "{answer}"
    );
    assert!(answer.files.is_empty() && answer.ephemeral(), "{answer}");
    assert!(!answer.content().contains("Tickets"), "{answer}");
    assert!(mock.unexpected().is_empty());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_weekly_digest_is_posted_with_its_chart_in_the_reports_channel() {
    let mock = MockDiscord::start().await;
    let store: Arc<dyn Store> = store();
    let desk = Desk::new(triage(), config(&mock), store.clone());
    history(&desk);
    let bot = Bot::start_with(&mock, store.clone(), 1, config(&mock)).await;

    // As `frontline run` does at start, then as its timer loop does when the instant comes.
    desk.process(Incoming::plain(Event::Schedule), now_ms())
        .unwrap();
    let timer = store
        .timer("reports:digest")
        .unwrap()
        .expect("the digest's timer");
    assert!(timer.due_ms > now_ms() && timer.due_ms <= now_ms() + 7 * DAY);
    desk.process(
        Incoming::keyed(
            format!("timer:{}:{}", timer.id, timer.due_ms),
            Event::TimerFired {
                id: timer.id.clone(),
                ticket: String::new(),
                due_ms: timer.due_ms,
            },
        ),
        now_ms(),
    )
    .unwrap();
    let post = mock
        .wait_for_n(
            |r| post_in(CH_GENERAL)(r) && r.content().starts_with("Weekly support digest."),
            1,
            std::time::Duration::from_secs(15),
        )
        .await
        .expect("the digest is posted")
        .pop()
        .unwrap();
    // The ISO week before today (UTC in this deployment) holds the ticket of a week ago, and
    // the one of an hour ago too when today is a Monday before 01:00.
    let day = |ms: u64| {
        jiff::Timestamp::from_millisecond(ms as i64)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
    };
    let today = day(now_ms());
    let monday = today
        .checked_sub(jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
        .unwrap();
    let last_week = |ms: u64| {
        let d = day(ms);
        d < monday && d >= monday.checked_sub(jiff::Span::new().days(7)).unwrap()
    };
    let expected = [now_ms() - 7 * DAY, now_ms() - 3_600_000]
        .into_iter()
        .filter(|ms| last_week(*ms))
        .count();
    assert!(
        post.content()
            .contains(&format!("- Tickets: {expected} opened")),
        "{post}"
    );
    assert!(expected >= 1);
    one_png(&post);
    // Set again for the week after.
    let next = store.timer("reports:digest").unwrap().unwrap();
    assert_eq!(next.due_ms, timer.due_ms + 7 * DAY);
    bot.stop().await;
}
