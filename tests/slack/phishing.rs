//! Security awareness on Slack, through the real binary and the mock: the "Report phishing"
//! message shortcut (callback id `report_phishing`) makes a phishing report of the person who
//! used it, with the reported message on the card in the security queue and the safe first
//! answer in their DM; and a security tip fired by `frontline timers fire` through the running
//! bot is one post for the configured Slack channel, once.

use serde_json::Value;

use crate::bot::{Bot, CH_GENERAL, LIMIT, config};
use crate::mock_slack::{MockSlack, payloads};
use crate::story::{ok, posted_in};

const DAVE: &str = "U0DAVE";
const CAROL: &str = "U0CAROL";
const MALLORY: &str = "U0MALLORY";
const CH_SECURITY: &str = "C0SECURITY";
const CH_TIPS: &str = "C0SECTIPS";

fn report(mock: &MockSlack, by: &str, ts: &str, text: &str) -> Value {
    payloads::message_shortcut(
        by,
        MALLORY,
        CH_GENERAL,
        ts,
        None,
        "report_phishing",
        &mock.fresh_trigger(),
        text,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_reported_with_the_shortcut_is_a_phishing_report() {
    let mock = MockSlack::start().await;
    for (id, name) in [(DAVE, "dave"), (CAROL, "carol"), (MALLORY, "mallory")] {
        mock.add_user(id, name);
    }
    let bot = Bot::start(&config(&mock)).await;
    let slack = &bot.client;
    let lure = "Hi team, IT here: your mailbox is full, log in at http://mail-examp1e.com/verify today or it is closed";
    let ts = mock.user_posted(MALLORY, CH_GENERAL, lure, None);

    // Dave reports it.
    ok(slack.interactive(&report(&mock, DAVE, &ts, lure)).await).await;
    let card = mock
        .wait_for(
            |c| posted_in(CH_SECURITY)(c) && c.text().contains("T-1000"),
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no card in the security queue: {e:?}\n{}", bot.log()));
    let text = card.text();
    for needle in ["mallory", "mailbox is full", "Report phishing shortcut"] {
        assert!(
            text.contains(needle),
            "`{needle}` missing from the card:\n{text}"
        );
    }
    // Dave, in his DM: what to do, and the ticket.
    let dm = mock.dm_channel_of(DAVE);
    let answer = mock
        .wait_for(
            |c| posted_in(&dm)(c) && c.text().contains("do not click its links"),
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("Dave not told what to do: {e:?}\n{}", bot.log()));
    assert!(
        answer
            .text()
            .contains("If you already clicked a link, opened an attachment or typed your password, change your password now"),
        "{}",
        answer.text()
    );
    mock.wait_for(
        |c| posted_in(&dm)(c) && c.text().contains("opened ticket T-1000"),
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("Dave not told the ticket: {e:?}\n{}", bot.log()));
    // Mallory, whose message it is, hears nothing.
    let mallory = mock.dm_channel_of(MALLORY);
    assert!(
        mock.posted(&mallory).is_empty(),
        "{:?}",
        mock.posted(&mallory)
    );

    // Dave again on the same message: nothing new. Carol on it: a report of her own.
    ok(slack.interactive(&report(&mock, DAVE, &ts, lure)).await).await;
    ok(slack.interactive(&report(&mock, CAROL, &ts, lure)).await).await;
    let carol = mock.dm_channel_of(CAROL);
    let told = mock
        .wait_for(
            |c| posted_in(&carol)(c) && c.text().contains("opened ticket"),
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("Carol not told: {e:?}\n{}", bot.log()));
    assert!(told.text().contains("T-1001"), "{}", told.text());

    let shown = bot.cli(&["tickets", "show", "T-1000", "--json"]).await;
    let t: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(t["ticket"]["requester"]["id"], DAVE, "{t}");
    assert_eq!(t["ticket"]["category"], "phishing", "{t}");
    assert_eq!(t["ticket"]["queue"], "l2-security", "{t}");
    let reports = bot.cli(&["security", "reports", "--json"]).await;
    let reports: Value =
        serde_json::from_str(&reports).unwrap_or_else(|e| panic!("{e}: {reports}"));
    assert_eq!(reports[0]["reports"], 2, "{reports}");
    assert!(mock.errors().is_empty(), "{:?}", mock.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_security_tip_is_one_post_for_the_slack_channel() {
    let mock = MockSlack::start().await;
    let conf = format!(
        "{}\n[security]\ntips_channel = {{ platform = \"slack\", channel = \"{CH_TIPS}\" }}\ntips_every_days = 7\n",
        config(&mock)
    );
    let bot = Bot::start(&conf).await;
    // `frontline run` set the tips' timer when it started.
    let listed = bot.cli(&["timers", "list", "--json"]).await;
    let listed: Value = serde_json::from_str(&listed).unwrap_or_else(|e| panic!("{e}: {listed}"));
    let due = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "security_tip")
        .and_then(|t| t["due"].as_str())
        .unwrap_or_else(|| panic!("no security tip timer: {listed}"))
        .to_string();
    let fired = bot.cli(&["timers", "fire", "--until", &due]).await;
    assert!(fired.contains("fired security:tip"), "{fired}");
    assert!(
        fired.contains(&format!(
            "to post in slack:{CH_TIPS} (by frontline run): Security tip: IT will never ask for your password"
        )),
        "{fired}"
    );
    // Fired again up to the same instant: nothing more.
    let again = bot.cli(&["timers", "fire", "--until", &due]).await;
    assert_eq!(again.trim(), "nothing due", "{again}");
    // One post for Slack's worker, made as if the clock read `due`: it goes out at that instant
    // (an outbox entry is due from the instant its turn was made), so here it waits.
    let outbox = bot.cli(&["outbox", "list", "--json"]).await;
    let posts: Vec<&str> = outbox
        .lines()
        .filter(|l| l.contains("\"post\"") && l.contains(CH_TIPS))
        .collect();
    assert_eq!(posts.len(), 1, "{outbox}");
    assert!(
        posts[0].contains("Security tip: IT will never ask"),
        "{outbox}"
    );
}
