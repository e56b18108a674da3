//! Tiers L4/L5 on Slack, through the real binary and the mock Web API: Carol (L3) claims Alice's
//! ticket, escalates it to engineering with the card's form, claims it there, and sends it to
//! the vendor with "Escalate to vendor" (a form: vendor and note). The card shows who has the
//! case; Alice reads that a vendor has it; "Vendor reply" records the vendor's case number on
//! the card. Alice, who is no agent, cannot do either.

use serde_json::Value;

use crate::bot::{Bot, LIMIT, config};
use crate::mock_slack::{Call, MockSlack};
use crate::story::{ok, post_with, ticket_by_form};

const ALICE: &str = "U0ALICE";
const CAROL: &str = "U0CAROL";
const CH_ENGINEERING: &str = "C0ENGINEERING";

/// Carol presses `action` and gets the `n`-th form the bot opened.
async fn form(
    mock: &MockSlack,
    bot: &Bot,
    who: &str,
    card: &Call,
    action: &str,
    n: usize,
) -> Value {
    let press = mock.press_button(who, card.channel(), card.ts().unwrap(), action);
    ok(bot.client.interactive(&press).await).await;
    mock.wait_for_n(|c| c.method == "views.open" && c.ok(), n, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no form for {action}: {e:?}\n{}", bot.log()));
    mock.last_view().expect("a form")
}

/// The `n`-th update of the card at `ts`.
async fn updated(mock: &MockSlack, bot: &Bot, ts: &str, n: usize) -> Call {
    mock.wait_for_n(
        |c| c.method == "chat.update" && c.ok() && c.body["ts"] == ts,
        n,
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("card {ts} not updated {n} times: {e:?}\n{}", bot.log()));
    mock.calls()
        .into_iter()
        .filter(|c| c.method == "chat.update" && c.body["ts"] == ts)
        .nth(n - 1)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_l3_agent_sends_the_case_to_the_vendor_from_the_card() {
    let mock = MockSlack::start().await;
    mock.add_user(ALICE, "alice");
    mock.add_user(CAROL, "carol");
    let config = config(&mock)
        + &format!(
            "\n[[agents]]\nname = \"carol\"\nrole = \"L3\"\nplatform = \"slack\"\nid = \"{CAROL}\"\n\n[[vendors]]\nid = \"acme-hw\"\nname = \"ACME Hardware\"\ntier = \"L4\"\nemail = \"support@acme-hw.example\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nfrom = \"help@desk.example\"\n"
        );
    let bot = Bot::start(&config).await;
    let dm = mock.dm_channel_of(ALICE);

    ticket_by_form(
        &mock,
        &bot,
        ALICE,
        "Laptop screen flickers with green lines",
        "since this morning",
    )
    .await;
    let l2 = mock
        .wait_for(
            |c| {
                c.method == "chat.postMessage"
                    && c.ok()
                    && c.thread_ts().is_none()
                    && !c.channel().starts_with('D')
                    && c.text().contains("T-1000 ")
            },
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no card: {e:?}\n{}", bot.log()));
    let press = mock.press_button(CAROL, l2.channel(), l2.ts().unwrap(), "fl:claim:T-1000");
    ok(bot.client.interactive(&press).await).await;
    updated(&mock, &bot, l2.ts().unwrap(), 1).await;
    let view = form(&mock, &bot, CAROL, &l2, "fl:escalate:T-1000", 2).await;
    let submit = mock.submit_view(
        CAROL,
        view["id"].as_str().unwrap(),
        &[("note", "note", "GPU artefacts after BIOS update")],
    );
    ok(bot.client.interactive(&submit).await).await;
    let l3 = post_with(&mock, CH_ENGINEERING, "T-1000", &bot).await;
    let buttons: Vec<String> = l3.buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(
        buttons,
        [
            "fl:claim:T-1000",
            "fl:transfer:T-1000",
            "fl:vendor:T-1000",
            "fl:resolve:T-1000"
        ]
    );
    let l3_ts = l3.ts().unwrap().to_string();
    let press = mock.press_button(CAROL, CH_ENGINEERING, &l3_ts, "fl:claim:T-1000");
    ok(bot.client.interactive(&press).await).await;
    updated(&mock, &bot, &l3_ts, 1).await;

    // Alice is no agent: her submission of the vendor form sends nothing.
    let view = form(&mock, &bot, ALICE, &l3, "fl:vendor:T-1000", 3).await;
    let forged = mock.submit_view(
        ALICE,
        view["id"].as_str().unwrap(),
        &[("vendor", "vendor", "acme-hw"), ("note", "note", "hi")],
    );
    let _ = bot.client.interactive(&forged).await;

    let view = form(&mock, &bot, CAROL, &l3, "fl:vendor:T-1000", 4).await;
    assert_eq!(view["callback_id"], "fl:vendor-form:T-1000", "{view}");
    let submit = mock.submit_view(
        CAROL,
        view["id"].as_str().unwrap(),
        &[
            ("vendor", "vendor", ""),
            ("note", "note", "Please replace the panel, serial 5CD123."),
        ],
    );
    ok(bot.client.interactive(&submit).await).await;
    let told = post_with(&mock, &dm, "needs help from", &bot).await;
    assert!(
        told.text().contains(
            "Ticket T-1000 needs help from ACME Hardware: we have sent them the case and carol stays on it with you."
        ),
        "{}",
        told.text()
    );
    let card = updated(&mock, &bot, &l3_ts, 2).await;
    assert!(
        card.text().contains(
            "ACME Hardware (L4, e-mail to support@acme-hw.example), no case number yet; no reply yet"
        ),
        "{}",
        card.text()
    );
    let buttons: Vec<String> = card.buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(
        buttons,
        [
            "fl:unclaim:T-1000",
            "fl:transfer:T-1000",
            "fl:vendor-reply:T-1000",
            "fl:log:T-1000",
            "fl:resolve:T-1000",
            "fl:visit:T-1000"
        ]
    );

    let view = form(&mock, &bot, CAROL, &card, "fl:vendor-reply:T-1000", 5).await;
    assert_eq!(view["callback_id"], "fl:vendor-reply-form:T-1000", "{view}");
    let submit = mock.submit_view(
        CAROL,
        view["id"].as_str().unwrap(),
        &[
            ("reference", "reference", "ACME-4471"),
            ("text", "text", ""),
        ],
    );
    ok(bot.client.interactive(&submit).await).await;
    let card = updated(&mock, &bot, &l3_ts, 3).await;
    assert!(
        card.text().contains("their case ACME-4471"),
        "{}",
        card.text()
    );

    let shown = bot.cli(&["tickets", "show", "T-1000", "--json"]).await;
    let t: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(t["ticket"]["tier"], "L4", "{t}");
    let cases = t["ticket"]["vendors"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "Alice's form sent nothing: {t}");
    assert_eq!(cases[0]["by"], "carol");
    assert_eq!(cases[0]["reference"], "ACME-4471");
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}
