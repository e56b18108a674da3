//! Visits on Slack, through the real binary and the mock Web API: Alice's ticket is claimed by the
//! agent, whose card then offers Propose visit; its form (an empty time is said in the form)
//! becomes a proposal Alice reads in her DM with Confirm / Another time. Mallory pressing Alice's
//! button is refused; Alice's Another time is recorded, she is asked when would suit her, and the
//! card says another time was asked.

use serde_json::Value;

use crate::bot::{AGENT, Bot, LIMIT, config};
use crate::mock_slack::MockSlack;
use crate::story::{ok, post_with, ticket_by_form};

const ALICE: &str = "U0ALICE";
const MALLORY: &str = "U0MALLORY";
const CH_WORKPLACE: &str = "C0WORKPLACE";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_from_the_card_form_and_alices_another_time() {
    let mock = MockSlack::start().await;
    mock.add_user(ALICE, "alice");
    mock.add_user(MALLORY, "mallory");
    let bot = Bot::start(&config(&mock)).await;
    let dm = mock.dm_channel_of(ALICE);

    ticket_by_form(
        &mock,
        &bot,
        ALICE,
        "my laptop screen is flickering and goes black",
        "since this morning",
    )
    .await;
    let card = post_with(&mock, CH_WORKPLACE, "T-1000", &bot).await;
    let card_ts = card.ts().unwrap().to_string();

    // Claimed: the card offers Propose visit.
    let press = mock.press_button(AGENT, CH_WORKPLACE, &card_ts, "fl:claim:T-1000");
    ok(bot.client.interactive(&press).await).await;
    let updated = mock
        .wait_for(
            |c| c.method == "chat.update" && c.body["ts"] == card_ts.as_str(),
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    let actions: Vec<String> = updated.buttons().into_iter().map(|b| b.0).collect();
    assert!(
        actions.contains(&"fl:visit:T-1000".to_string()),
        "{actions:?}"
    );

    // The form: an empty time is said next to the field; then a proposal.
    let press = mock.press_button(AGENT, CH_WORKPLACE, &card_ts, "fl:visit:T-1000");
    ok(bot.client.interactive(&press).await).await;
    mock.wait_for_n(|c| c.method == "views.open" && c.ok(), 2, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no visit form: {e:?}\n{}", bot.log()));
    let view = mock.last_view().expect("the visit form");
    assert_eq!(view["callback_id"], "fl:visit-form:T-1000", "{view}");
    let view_id = view["id"].as_str().unwrap().to_string();
    let empty = mock.submit_view(
        AGENT,
        &view_id,
        &[
            ("when", "when", " "),
            ("place", "place", ""),
            ("technician", "technician", ""),
        ],
    );
    let r = bot.client.interactive(&empty).await;
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["response_action"], "errors", "{body}");
    assert!(
        body["errors"]["when"]
            .as_str()
            .is_some_and(|e| e.contains("Say when")),
        "{body}"
    );
    let submit = mock.submit_view(
        AGENT,
        &view_id,
        &[
            ("when", "when", "2099-12-01 14:00"),
            ("place", "place", "remote"),
            ("technician", "technician", ""),
        ],
    );
    ok(bot.client.interactive(&submit).await).await;
    let proposed = post_with(&mock, &dm, "proposes a remote session", &bot).await;
    assert!(
        proposed
            .text()
            .contains("When: Tuesday, 1 December 2099, 14:00 (UTC)"),
        "{}",
        proposed.text()
    );
    let buttons: Vec<String> = proposed.buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(buttons.len(), 2, "{buttons:?}");
    assert!(buttons[0].starts_with("fl:visit-ok:T-1000:"), "{buttons:?}");
    assert!(
        buttons[1].starts_with("fl:visit-other:T-1000:"),
        "{buttons:?}"
    );
    let proposed_ts = proposed.ts().unwrap().to_string();

    // Mallory presses Alice's Confirm: refused where only she sees it.
    let press = mock.press_button(MALLORY, &dm, &proposed_ts, &buttons[0]);
    ok(bot.client.interactive(&press).await).await;
    mock.wait_for(
        |c| {
            (c.body["user"] == MALLORY || c.body["channel"] == mock.dm_channel_of(MALLORY).as_str())
                && c.text()
                    .contains("That button is for the person the visit is for")
        },
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("mallory not refused: {e:?}\n{}", bot.log()));

    // Alice asks for another time: she is asked when, and the card says so.
    let press = mock.press_button(ALICE, &dm, &proposed_ts, &buttons[1]);
    ok(bot.client.interactive(&press).await).await;
    mock.wait_for(
        |c| c.text().contains("OK, this time doesn't suit you"),
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("alice not answered: {e:?}\n{}", bot.log()));
    mock.wait_for(
        |c| {
            c.method == "chat.update"
                && c.body["ts"] == card_ts.as_str()
                && c.text().contains("another time asked")
        },
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("the card does not say it: {e:?}\n{}", bot.log()));
    let shown = bot.cli(&["tickets", "show", "T-1000", "--json"]).await;
    let t: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(t["visit"]["state"], "another_time", "{t}");
    assert_eq!(t["visit"]["remote"], true, "{t}");
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}
