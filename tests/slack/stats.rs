//! `/stats` and the weekly digest on Slack: `frontline run` as a child process, signed slash
//! commands, the mock Web API. The agent types `/stats` in the support channel: the figures come
//! as a notice only they see there, and the volume chart is uploaded (Slack's external upload:
//! an upload URL, the bytes, the completion) and shared in their DM. A person who is no agent is
//! refused and gets no file. The digest's timer, fired through the running bot's socket, posts
//! the figures in the reports channel with the chart shared there, and its count of tickets is
//! the one `frontline report` gives for the same days.

use serde_json::Value;

use crate::bot::{AGENT, Bot, CH_SUPPORT, LIMIT, config};
use crate::mock_slack::{Call, MockSlack, payloads};
use crate::story::{ok, post_with, ticket_by_form};

const ALICE: &str = "U0ALICE";
const CH_REPORTS: &str = "C0REPORTS";

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 2000
}

fn ephemeral_to(user: &str) -> impl Fn(&Call) -> bool + '_ {
    move |c| c.method == "chat.postEphemeral" && c.ok() && c.body["user"] == user
}

/// `- Tickets: 3 opened` → 3.
fn opened(text: &str) -> u64 {
    let rest = text
        .split("- Tickets: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no ticket line: {text}"));
    rest.split(' ').next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_for_an_agent_with_the_chart_in_their_dm_and_the_digest_in_its_channel() {
    let mock = MockSlack::start().await;
    mock.add_user(ALICE, "alice");
    mock.add_user(AGENT, "agent");
    let mut toml = config(&mock);
    toml.push_str(&format!(
        "\n[reports]\ndigest_channel = {{ platform = \"slack\", channel = \"{CH_REPORTS}\" }}\n"
    ));
    let bot = Bot::start(&toml).await;
    ticket_by_form(&mock, &bot, ALICE, "VPN drops every hour", "since Monday").await;
    post_with(&mock, &mock.dm_channel_of(ALICE), "T-1000", &bot).await;

    // The agent, in the support channel.
    let cmd = payloads::slash_command("/stats", "", AGENT, CH_SUPPORT, &mock.fresh_trigger());
    ok(bot.client.command_json(&cmd).await).await;
    let notice = mock
        .wait_for_n(ephemeral_to(AGENT), 1, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()))
        .remove(0);
    assert_eq!(notice.body["channel"], CH_SUPPORT);
    let text = notice.text();
    assert!(text.starts_with("Support desk figures for "), "{text}");
    assert_eq!(opened(&text), 1, "{text}");
    mock.wait_for_n(
        |c| c.method == "files.completeUploadExternal" && c.ok(),
        1,
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("no upload: {e:?}\n{}", bot.log()));
    let files = mock.files();
    assert_eq!(files.len(), 1, "{files:?}");
    let chart = &files[0];
    assert_eq!(
        chart.channel,
        mock.dm_channel_of(AGENT),
        "shared in their DM only"
    );
    assert!(chart.filename.starts_with("volume-") && chart.filename.ends_with(".png"));
    assert_eq!(chart.title, "Tickets per day");
    assert!(is_png(&chart.bytes), "{} bytes", chart.bytes.len());
    let asked = &mock.calls_to("files.getUploadURLExternal")[0];
    assert_eq!(
        asked.body["length"].as_str(),
        Some(chart.bytes.len().to_string().as_str())
    );

    // Alice is no agent: refused where she typed, nothing uploaded.
    let cmd = payloads::slash_command(
        "/stats",
        "last month",
        ALICE,
        CH_SUPPORT,
        &mock.fresh_trigger(),
    );
    ok(bot.client.command_json(&cmd).await).await;
    let refusal = mock
        .wait_for_n(ephemeral_to(ALICE), 1, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()))
        .remove(0);
    assert!(
        refusal
            .text()
            .starts_with("Only support agents and admins can see the desk's figures."),
        "{}",
        refusal.text()
    );

    // The digest: its timer fired through the running bot, as the timer loop would at the time.
    let until = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(8 * 24))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let fired = bot
        .cli(&["timers", "fire", "--until", &until, "--json"])
        .await;
    let fired: Value = serde_json::from_str(&fired).unwrap_or_else(|e| panic!("{e}: {fired}"));
    assert!(
        fired
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "report_digest"),
        "{fired}"
    );
    let digest = post_with(&mock, CH_REPORTS, "Weekly support digest.", &bot).await;
    let text = digest.text();
    // The days it covers, and what `frontline report` says of them.
    let days = text
        .split("figures for ")
        .nth(1)
        .and_then(|r| r.split(" (").next())
        .unwrap_or_else(|| panic!("{text}"));
    let (from, to) = days.split_once(" – ").unwrap_or_else(|| panic!("{days}"));
    let report = bot
        .cli(&["report", "--from", from, "--to", to, "--format", "json"])
        .await;
    let report: Value = serde_json::from_str(&report).unwrap_or_else(|e| panic!("{e}: {report}"));
    assert_eq!(report["tickets"].as_u64(), Some(opened(&text)), "{text}");
    mock.wait_for_n(
        |c| c.method == "files.completeUploadExternal" && c.ok(),
        2,
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("no digest chart: {e:?}\n{}", bot.log()));
    let files = mock.files();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[1].channel, CH_REPORTS);
    assert!(is_png(&files[1].bytes));
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}
