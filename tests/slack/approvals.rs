//! Approvals on Slack, through the real binary and the mock Web API: Alice's request for a monitor
//! (the `/ticket` form) waits for her organisation's named approver, Dana, who is no agent. Dana
//! gets a DM with Approve / Deny (Block Kit buttons); the card in the queue shows the same. Deny
//! opens a form for the reason (an empty reason is said in the form); submitted, the ticket is
//! closed, the card updated, and Alice reads the reason in her DM.

use serde_json::Value;

use crate::bot::{Bot, LIMIT, config};
use crate::mock_slack::MockSlack;
use crate::story::{ok, post_with, posted_in, ticket_by_form};

const ALICE: &str = "U0ALICE";
const DANA: &str = "U0DANA";
const CH_WORKPLACE: &str = "C0WORKPLACE";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_approver_denies_with_a_reason_in_the_form_and_the_requester_is_told() {
    let mock = MockSlack::start().await;
    mock.add_user(ALICE, "alice");
    mock.add_user(DANA, "dana");
    let config = config(&mock)
        + &format!(
            "\n[[organisations]]\nid = \"acme\"\nname = \"ACME\"\nusers = [\"slack:{ALICE}\"]\napprover = \"slack:{DANA}\"\n"
        );
    let bot = Bot::start(&config).await;
    let dm = mock.dm_channel_of(ALICE);

    // Alice asks for a monitor with /ticket.
    ticket_by_form(
        &mock,
        &bot,
        ALICE,
        "I need a new monitor for my desk",
        "two 27 inch monitors for design work",
    )
    .await;
    let told = post_with(&mock, &dm, "needs approval by", &bot).await;
    assert!(
        told.text().contains(
            "Your request T-1000 needs approval by <@U0DANA> before an agent can start on it."
        ),
        "{}",
        told.text()
    );

    // The card waits with Approve / Deny; Dana is asked in a DM with the same buttons.
    let card = post_with(&mock, CH_WORKPLACE, "T-1000", &bot).await;
    let actions: Vec<String> = card.buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(actions, ["fl:approve:T-1000", "fl:deny:T-1000"]);
    assert!(
        card.text().contains("awaiting approval by <@U0DANA>"),
        "{}",
        card.text()
    );
    let card_ts = card.ts().unwrap().to_string();
    let dana_dm = mock.dm_channel_of(DANA);
    let asked = post_with(&mock, &dana_dm, "Approval needed for T-1000.", &bot).await;
    let buttons: Vec<String> = asked.buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(buttons, ["fl:approve:T-1000", "fl:deny:T-1000"]);

    // Deny opens a form for the reason; an empty one is said in the form.
    let press = mock.press_button(DANA, &dana_dm, asked.ts().unwrap(), "fl:deny:T-1000");
    ok(bot.client.interactive(&press).await).await;
    mock.wait_for_n(|c| c.method == "views.open" && c.ok(), 2, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no deny form: {e:?}\n{}", bot.log()));
    let view = mock.last_view().expect("the deny form");
    assert_eq!(view["callback_id"], "fl:deny-form:T-1000", "{view}");
    let view_id = view["id"].as_str().unwrap().to_string();
    let empty = mock.submit_view(DANA, &view_id, &[("reason", "reason", "  ")]);
    let r = bot.client.interactive(&empty).await;
    let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["response_action"], "errors", "{body}");
    assert!(
        body["errors"]["reason"]
            .as_str()
            .is_some_and(|e| e.contains("Say why")),
        "{body}"
    );
    let reason = mock.submit_view(
        DANA,
        &view_id,
        &[("reason", "reason", "one monitor per desk this year")],
    );
    ok(bot.client.interactive(&reason).await).await;

    // Alice reads the reason in her DM; the card is closed with no buttons.
    let denied = post_with(&mock, &dm, "was not approved", &bot).await;
    assert!(
        denied.text().contains(
            "Your request T-1000 was not approved by dana: one monitor per desk this year"
        ),
        "{}",
        denied.text()
    );
    assert!(
        denied.text().contains("The ticket is closed"),
        "{}",
        denied.text()
    );
    let updated = mock
        .wait_for(
            |c| c.method == "chat.update" && c.body["ts"] == card_ts.as_str(),
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("the card was not updated: {e:?}\n{}", bot.log()));
    assert!(
        updated
            .text()
            .contains("denied by dana: one monitor per desk this year"),
        "{}",
        updated.text()
    );
    assert!(updated.buttons().is_empty(), "{:?}", updated.buttons());
    let shown = bot.cli(&["tickets", "show", "T-1000", "--json"]).await;
    let t: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(t["ticket"]["status"], "closed", "{t}");
    assert_eq!(t["ticket"]["approval"]["state"], "denied", "{t}");
    assert_eq!(t["ticket"]["approval"]["decided_by"], "dana", "{t}");
    // Dana was answered where she pressed (her DM), not elsewhere.
    assert!(
        mock.calls()
            .iter()
            .any(|c| posted_in(&dana_dm)(c) && c.text().contains("T-1000 denied and closed")),
        "{:?}",
        mock.calls_to("chat.postMessage")
    );
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}
