//! Approvals on Discord, against the mock: a hardware request from the `/ticket` form waits for
//! the organisation's named approver (Dana, who is no agent). Dana gets a DM with Approve / Deny;
//! the card in the queue shows the same buttons instead of Claim. Eve (no agent) and Alice (an L2
//! agent by role) pressing a forged Approve, or Claim, change nothing and are told why; Dana's
//! Approve puts the ticket in the queue (the card offers Claim) and Jan is told in his DM.

use crate::discord_e2e::{
    Bot, CH_WORKPLACE, JAN, JAN_DM, alice, card_message_id, config_toml, dump, eve, field,
    followup_of, inject_then, jan, labels, nth, parse_config, post_in, store, ticket, ticket_id_in,
};
use crate::mock_discord::{MockDiscord, Person, Place};

use frontline::tickets::{ApprovalState, Status};

const DANA: u64 = 400_000_000_000_000_042;

fn dana() -> Person {
    Person::user(DANA, "dana")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_named_approver_approves_in_a_dm_and_forged_presses_change_nothing() {
    let mock = MockDiscord::start().await;
    let store = store();
    let config = parse_config(&format!(
        "{}\n[[organisations]]\nid = \"acme\"\nname = \"ACME\"\nusers = [\"discord:{JAN}\"]\napprover = \"discord:{DANA}\"\n",
        config_toml(&mock)
    ));
    let bot = Bot::start_with(&mock, store.clone(), 1, config).await;

    // Jan asks for a monitor with the /ticket form.
    let dm = Place::dm(JAN_DM);
    let submit = mock.modal_submit(
        dm,
        &jan(),
        "fl:ticket-form",
        &[
            ("subject", "I need a new monitor for my desk"),
            ("description", "two 27 inch monitors for design work"),
        ],
    );
    let told = inject_then(&mock, submit.clone(), |r| {
        r.content().contains("needs approval by")
    })
    .await;
    let id = ticket_id_in(told.content());
    assert_eq!(
        told.content(),
        format!(
            "Your request {id} needs approval by <@{DANA}> before an agent can start on it. I'll tell you when it is decided."
        )
    );
    // The card waits for approval: Approve / Deny, no Claim.
    let card = nth(&mock, post_in(CH_WORKPLACE), 1).await;
    assert_eq!(labels(&card), ["Approve", "Deny"], "{card}");
    assert!(
        field(&card, "Approval").contains("awaiting approval by"),
        "{card}"
    );
    let mid = card_message_id(&mock, &card, &id);
    // Dana is asked in a DM, with the buttons.
    let dana_dm = {
        let mut found = None;
        for _ in 0..200 {
            found = mock.dm_channel_of(DANA);
            if found.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        found.expect("a DM to the approver")
    };
    let asked = nth(&mock, post_in(dana_dm), 1).await;
    assert!(
        asked
            .content()
            .starts_with(&format!("Approval needed for {id}.")),
        "{asked}"
    );
    assert_eq!(
        asked.custom_ids(),
        [format!("fl:approve:{id}"), format!("fl:deny:{id}")]
    );

    // Forged presses on the card: Eve (no agent) and Alice (an L2 agent) are not the approver;
    // a Claim waits for the approval.
    let queue = mock.guild(CH_WORKPLACE);
    for (who, custom_id, said) in [
        (
            eve(),
            format!("fl:approve:{id}"),
            format!("Only <@{DANA}> (or an admin) can approve {id}."),
        ),
        (
            alice(),
            format!("fl:approve:{id}"),
            format!("Only <@{DANA}> (or an admin) can approve {id}."),
        ),
        (
            alice(),
            format!("fl:claim:{id}"),
            format!("{id} is awaiting approval by <@{DANA}>; it can be claimed once approved"),
        ),
    ] {
        let press = mock.component_press(queue, &who, &custom_id, mid);
        let answer = inject_then(&mock, press.clone(), followup_of(&mock, &press)).await;
        assert_eq!(answer.content(), said, "{answer}");
        assert!(answer.ephemeral(), "{answer}");
    }
    let t = ticket(&store, &id);
    assert_eq!(t.approval.as_ref().unwrap().state, ApprovalState::Pending);
    assert_eq!((t.status, t.assignee), (Status::Escalated, None));

    // Dana approves from her DM: she is answered, Jan is told, the card offers Claim.
    let card_path = format!("/channels/{CH_WORKPLACE}/messages/{mid}");
    let press = mock.button_press(Place::dm(dana_dm), &dana(), &format!("fl:approve:{id}"));
    let answer = inject_then(&mock, press.clone(), followup_of(&mock, &press)).await;
    assert_eq!(
        answer.content(),
        format!(
            "{id} approved; it is waiting in l2-workplace for an agent, and jan has been told."
        )
    );
    let edit = nth(&mock, |r| r.is("PATCH", &card_path), 1).await;
    assert_eq!(labels(&edit)[0], "Claim", "{edit}");
    let jan_told = nth(
        &mock,
        |r| r.content().starts_with("Good news: your request"),
        1,
    )
    .await;
    assert_eq!(
        jan_told.content(),
        format!(
            "Good news: your request {id} was approved by dana. It is now waiting for an agent."
        )
    );
    let t = ticket(&store, &id);
    assert_eq!(t.approval.as_ref().unwrap().state, ApprovalState::Approved);

    // Pressing again is refused politely.
    let press = mock.button_press(Place::dm(dana_dm), &dana(), &format!("fl:approve:{id}"));
    let answer = inject_then(&mock, press.clone(), followup_of(&mock, &press)).await;
    assert_eq!(
        answer.content(),
        format!("{id} was already approved by dana; nothing changed.")
    );
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}
