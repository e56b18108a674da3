//! Visits on Discord, against the mock: Jan's ticket is claimed by Alice (an L2 agent by role),
//! whose card then offers Propose visit; the form's time, place and technician become a proposal
//! Jan reads in his DM with Confirm / Another time (ids carrying the proposal). Eve pressing Jan's
//! Confirm is refused and changes nothing; Jan's press confirms, and the card says so.

use crate::discord_e2e::{
    Bot, CH_WORKPLACE, JAN_DM, alice, callback_of, card_message_id, config_toml, dump, eve, field,
    followup_of, inject_then, jan, labels, modal_inputs, nth, parse_config, post_in, store, ticket,
    ticket_id_in,
};
use crate::mock_discord::{MockDiscord, Place};

use frontline::tickets::VisitState;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visit_proposed_from_the_card_is_confirmed_with_jans_button_and_nobody_elses() {
    let mock = MockDiscord::start().await;
    let store = store();
    let config = parse_config(&config_toml(&mock));
    let bot = Bot::start_with(&mock, store.clone(), 1, config).await;

    // Jan's broken laptop, from the /ticket form; the card in the workplace queue.
    let submit = mock.modal_submit(
        Place::dm(JAN_DM),
        &jan(),
        "fl:ticket-form",
        &[
            ("subject", "my laptop screen is flickering and goes black"),
            (
                "description",
                "since this morning, also on the external monitor",
            ),
        ],
    );
    let told = inject_then(&mock, submit.clone(), followup_of(&mock, &submit)).await;
    let id = ticket_id_in(told.content());
    let card = nth(&mock, post_in(CH_WORKPLACE), 1).await;
    let mid = card_message_id(&mock, &card, &id);
    let queue = mock.guild(CH_WORKPLACE);
    let card_path = format!("/channels/{CH_WORKPLACE}/messages/{mid}");

    // Claimed, the card offers Propose visit, which opens the form.
    let press = mock.component_press(queue, &alice(), &format!("fl:claim:{id}"), mid);
    let edit = inject_then(&mock, press.clone(), |r| r.is("PATCH", &card_path)).await;
    assert_eq!(
        labels(&edit),
        [
            "Unclaim",
            "Transfer",
            "Escalate to L3",
            "Log time",
            "Resolve",
            "Propose visit"
        ],
        "{edit}"
    );
    let press = mock.component_press(queue, &alice(), &format!("fl:visit:{id}"), mid);
    let form = inject_then(&mock, press.clone(), callback_of(&press)).await;
    assert_eq!(form.callback_type(), Some(9), "{form}");
    assert_eq!(
        modal_inputs(&form),
        ["when", "place", "technician"],
        "{form}"
    );

    let submit = mock.modal_submit(
        queue,
        &alice(),
        &format!("fl:visit-form:{id}"),
        &[
            ("when", "2099-12-01 14:00"),
            ("place", "Room 2.14"),
            ("technician", ""),
        ],
    );
    let proposed = inject_then(&mock, submit.clone(), |r| {
        post_in(JAN_DM)(r) && r.content().contains("proposes")
    })
    .await;
    assert_eq!(
        proposed.content(),
        format!(
            "alice proposes an on-site visit for your ticket {id}:\n- When: Tuesday, 1 December 2099, 14:00 (UTC)\n- Where: Room 2.14\n- Who: a technician of the support team\nDoes this time suit you? Confirm, or tell me when would suit you better."
        )
    );
    let ids = proposed.custom_ids();
    assert_eq!(ids.len(), 2, "{proposed}");
    assert!(
        ids[0].starts_with(&format!("fl:visit-ok:{id}:")),
        "{proposed}"
    );
    assert!(
        ids[1].starts_with(&format!("fl:visit-other:{id}:")),
        "{proposed}"
    );
    let agent_told = nth(&mock, followup_of(&mock, &submit), 1).await;
    assert!(
        agent_told
            .content()
            .contains("visit proposed for Tue 2099-12-01 14:00 UTC"),
        "{agent_told}"
    );

    // Eve presses Jan's Confirm (the id copied into a message of hers): refused, no change.
    let press = mock.component_press(queue, &eve(), &ids[0], mid);
    let answer = inject_then(&mock, press.clone(), followup_of(&mock, &press)).await;
    assert_eq!(
        answer.content(),
        "That button is for the person the visit is for; nothing changed."
    );
    assert!(answer.ephemeral(), "{answer}");
    assert_eq!(
        ticket(&store, &id).visit.unwrap().state,
        VisitState::Proposed
    );

    // Jan confirms: he is answered, and the card shows the confirmed visit.
    let press = mock.button_press(Place::dm(JAN_DM), &jan(), &ids[0]);
    let answer = inject_then(&mock, press.clone(), followup_of(&mock, &press)).await;
    assert!(
        answer.content().starts_with(&format!(
            "Confirmed: an on-site visit for {id} on Tuesday, 1 December 2099, 14:00 (UTC)."
        )),
        "{answer}"
    );
    let edit = nth(
        &mock,
        |r| r.is("PATCH", &card_path) && r.body.to_string().contains("confirmed: Tue 2099"),
        1,
    )
    .await;
    assert_eq!(
        field(&edit, "Visit"),
        "confirmed: Tue 2099-12-01 14:00 UTC, on site at Room 2.14",
        "{edit}"
    );
    assert_eq!(
        ticket(&store, &id).visit.unwrap().state,
        VisitState::Confirmed
    );
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}
