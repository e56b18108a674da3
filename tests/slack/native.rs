//! What only Slack has, through the real binary and the mock: the "Create ticket" message
//! shortcut and the `:ticket:` reaction (a channel message and its thread become a ticket of the
//! message's author), the App Home tab listing a person's tickets, user groups as agent roles,
//! `/hours`, the transfer and escalation forms on a card, and a rate-limited Web API.

use serde_json::Value;

use crate::bot::{AGENT, Bot, CH_GENERAL, CH_SUPPORT, LIMIT, config};
use crate::mock_slack::{Call, MockSlack, payloads, text_in};
use crate::story::{ok, post_with, posted_in};

const ALICE: &str = "U0ALICE";
const CAROL: &str = "U0CAROL";
const DAVE: &str = "U0DAVE";
const GINA: &str = "U0GINA";
const MALLORY: &str = "U0MALLORY";
/// A channel the app is in that is not a support channel.
const CH_RANDOM: &str = "C0RANDOM";

/// Whether `c` posted the escalation card of `ticket`: a new message in a queue's channel (not
/// the support channel, not a DM) whose text names it.
fn is_card_of(c: &Call, ticket: &str) -> bool {
    let header = format!("{ticket} ");
    c.method == "chat.postMessage"
        && c.ok()
        && c.thread_ts().is_none()
        && c.body["text"].as_str().is_some_and(|t| t.contains(&header))
        && c.channel() != CH_SUPPORT
        && !c.channel().starts_with('D')
}

/// The escalation card of `ticket`, waiting for it.
async fn card(mock: &MockSlack, ticket: &str, bot: &Bot) -> Call {
    mock.wait_for(|c| is_card_of(c, ticket), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no card for {ticket}: {e:?}\n{}", bot.log()))
}

fn cards_of(mock: &MockSlack, ticket: &str) -> usize {
    mock.calls()
        .iter()
        .filter(|c| is_card_of(c, ticket))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_thread_becomes_a_ticket_by_shortcut_or_reaction() {
    let mock = MockSlack::start().await;
    for (id, name) in [
        (ALICE, "alice"),
        (CAROL, "carol"),
        (DAVE, "dave"),
        (AGENT, "bob the agent"),
        (MALLORY, "mallory"),
    ] {
        mock.add_user(id, name);
    }
    let bot = Bot::start(&config(&mock)).await;
    let slack = &bot.client;

    // Alice asks in the support channel without mentioning the app; Carol adds to her thread,
    // and Alice pastes her password there by mistake.
    let root = mock.user_posted(
        ALICE,
        CH_SUPPORT,
        "the printer on the third floor jams on every page",
        None,
    );
    mock.user_posted(CAROL, CH_SUPPORT, "same here since Monday", Some(&root));
    mock.user_posted(
        ALICE,
        CH_SUPPORT,
        "it asks me to log in, my password is Hunter2Secret!",
        Some(&root),
    );

    // Bob (an agent) makes it a ticket with the message shortcut on Alice's message.
    let shortcut = payloads::message_shortcut(
        AGENT,
        ALICE,
        CH_SUPPORT,
        &root,
        None,
        "create_ticket",
        &mock.fresh_trigger(),
        "the printer on the third floor jams on every page",
    );
    ok(slack.interactive(&shortcut).await).await;
    let card = card(&mock, "T-1000", &bot).await;
    let text = card.text();
    for needle in [
        "alice",
        "the printer on the third floor jams on every page",
        "same here since Monday",
        "carol",
        "Create ticket shortcut",
    ] {
        assert!(
            text.contains(needle),
            "`{needle}` missing from the card:\n{text}"
        );
    }
    assert!(
        !text.contains("Hunter2Secret"),
        "a password on the card:\n{text}"
    );
    // Alice is told in her message's thread; Bob, only where he is, that it is done.
    let told = mock
        .wait_for(
            |c| {
                posted_in(CH_SUPPORT)(c)
                    && c.thread_ts() == Some(root.as_str())
                    && c.text().contains("opened ticket T-1000")
            },
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("Alice not told in her thread: {e:?}\n{}", bot.log()));
    assert!(!told.text().contains("Hunter2Secret"));
    let notice = mock
        .wait_for(
            |c| c.method == "chat.postEphemeral" && c.body["user"] == AGENT,
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("Bob not told: {e:?}\n{}", bot.log()));
    assert!(notice.text().contains("T-1000"), "{}", notice.text());
    assert!(notice.text().contains("alice"), "{}", notice.text());
    // The read methods were called with form bodies, as Slack reads them.
    let replies = mock.calls_to("conversations.replies");
    assert!(
        !replies.is_empty() && replies.iter().all(Call::ok),
        "{replies:?}"
    );

    // The ticket is Alice's, as the CLI shows it.
    let shown = bot.cli(&["tickets", "show", "T-1000", "--json"]).await;
    let t: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(t["ticket"]["requester"]["id"], ALICE, "{t}");

    // Carol reacts :ticket: on the same message, and Mallory uses the shortcut again: one ticket.
    let again = payloads::reaction_added("Ev300", CAROL, "ticket", CH_SUPPORT, &root, ALICE);
    ok(slack.event(&again).await).await;
    let shortcut = payloads::message_shortcut(
        MALLORY,
        ALICE,
        CH_SUPPORT,
        &root,
        None,
        "create_ticket",
        &mock.fresh_trigger(),
        "the printer on the third floor jams on every page",
    );
    ok(slack.interactive(&shortcut).await).await;

    // Dave's message gets a :ticket: reaction from Carol: his ticket. Other emoji and other
    // channels do nothing.
    let dave = mock.user_posted(
        DAVE,
        CH_SUPPORT,
        "outlook crashes whenever I open an attachment",
        None,
    );
    let elsewhere = mock.user_posted(DAVE, CH_RANDOM, "my laptop will not boot", None);
    for (id, emoji, channel, ts) in [
        ("Ev301", "thumbsup", CH_SUPPORT, &dave),
        ("Ev302", "ticket", CH_RANDOM, &elsewhere),
        ("Ev303", "ticket", CH_SUPPORT, &dave),
    ] {
        let reaction = payloads::reaction_added(id, CAROL, emoji, channel, ts, DAVE);
        ok(slack.event(&reaction).await).await;
    }
    let card = self::card(&mock, "T-1001", &bot).await;
    assert!(card.text().contains("outlook crashes"), "{}", card.text());
    assert!(card.text().contains(":ticket: reaction"), "{}", card.text());
    mock.wait_for(
        |c| {
            posted_in(CH_SUPPORT)(c)
                && c.thread_ts() == Some(dave.as_str())
                && c.text().contains("opened ticket T-1001")
        },
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("Dave not told in his thread: {e:?}\n{}", bot.log()));
    let shown = bot.cli(&["tickets", "show", "T-1001", "--json"]).await;
    let t: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(t["ticket"]["requester"]["id"], DAVE, "{t}");

    // Nothing else was opened: the list has the two tickets, each card posted once.
    let list = bot.cli(&["tickets", "list", "--json"]).await;
    let list: Value = serde_json::from_str(&list).unwrap_or_else(|e| panic!("{e}: {list}"));
    let ids: Vec<&str> = list
        .as_array()
        .or_else(|| list["tickets"].as_array())
        .expect("a list")
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{list}");
    assert_eq!(cards_of(&mock, "T-1000"), 1);
    assert_eq!(cards_of(&mock, "T-1001"), 1);

    // Dave answers in his thread: it reaches his ticket (the card's transcript grows).
    let reply = payloads::thread_message_event(
        "Ev304",
        DAVE,
        CH_SUPPORT,
        &dave,
        "it started after the last update",
        &mock.fresh_ts(),
    );
    ok(slack.event(&reply).await).await;
    mock.wait_for(
        |c| c.method == "chat.update" && c.ok() && c.text().contains("after the last update"),
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("Dave's reply is not on his card: {e:?}\n{}", bot.log()));
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_home_lists_a_persons_own_tickets() {
    let mock = MockSlack::start().await;
    mock.add_user(ALICE, "alice");
    mock.add_user(DAVE, "dave");
    let bot = Bot::start(&config(&mock)).await;
    let dm = mock.dm_channel_of(ALICE);

    // Nobody's tickets yet: the home says so.
    let open = payloads::app_home_opened("Ev400", DAVE, &mock.dm_channel_of(DAVE));
    ok(bot.client.event(&open).await).await;
    mock.wait_for(|c| c.method == "views.publish" && c.ok(), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no home published: {e:?}\n{}", bot.log()));
    let home = text_in(&mock.home_of(DAVE).expect("Dave's home"));
    assert!(home.contains("You have no open tickets"), "{home}");

    // Alice opens a ticket with /ticket, then looks at her home: it is there with its status.
    let command = payloads::slash_command("/ticket", "", ALICE, &dm, &mock.fresh_trigger());
    ok(bot.client.command_json(&command).await).await;
    mock.wait_for(|c| c.method == "views.open" && c.ok(), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no ticket form: {e:?}\n{}", bot.log()));
    let view = mock.last_view().expect("the ticket form");
    let submit = mock.submit_view(
        ALICE,
        view["id"].as_str().unwrap(),
        &[
            ("subject", "subject", "Need access to the finance share"),
            ("description", "description", "For the audit next week."),
        ],
    );
    ok(bot.client.interactive(&submit).await).await;
    post_with(&mock, &dm, "opened ticket T-1000", &bot).await;
    let open = payloads::app_home_opened("Ev401", ALICE, &dm);
    ok(bot.client.event(&open).await).await;
    mock.wait_for(
        |c| c.method == "views.publish" && c.ok() && c.body["user_id"] == ALICE,
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("no home for Alice: {e:?}\n{}", bot.log()));
    let home = text_in(&mock.home_of(ALICE).expect("Alice's home"));
    for needle in [
        "T-1000",
        "waiting for an agent",
        "Need access to the finance share",
    ] {
        assert!(
            home.contains(needle),
            "`{needle}` missing from the home:\n{home}"
        );
    }
    // Dave's home still shows nothing of Alice's.
    let again = payloads::app_home_opened("Ev402", DAVE, &mock.dm_channel_of(DAVE));
    ok(bot.client.event(&again).await).await;
    mock.wait_for_n(
        |c| c.method == "views.publish" && c.ok() && c.body["user_id"] == DAVE,
        2,
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("no second home for Dave: {e:?}\n{}", bot.log()));
    let home = text_in(&mock.home_of(DAVE).expect("Dave's home"));
    assert!(!home.contains("T-1000"), "{home}");
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}

/// Alice's ticket from /ticket in her DM: its card's ts and channel.
async fn ticket_by_form(mock: &MockSlack, bot: &Bot, subject: &str) -> Call {
    let dm = mock.dm_channel_of(ALICE);
    let command = payloads::slash_command("/ticket", "", ALICE, &dm, &mock.fresh_trigger());
    ok(bot.client.command_json(&command).await).await;
    let before = mock.calls_to("views.open").len();
    mock.wait_for_n(|c| c.method == "views.open" && c.ok(), before.max(1), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no ticket form: {e:?}\n{}", bot.log()));
    let view = mock.last_view().expect("the ticket form");
    let submit = mock.submit_view(
        ALICE,
        view["id"].as_str().unwrap(),
        &[
            ("subject", "subject", subject),
            ("description", "description", "please"),
        ],
    );
    ok(bot.client.interactive(&submit).await).await;
    card(mock, "T-1000", bot).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_group_makes_its_members_agents_and_nobody_else() {
    let mock = MockSlack::start().await;
    for (id, name) in [(ALICE, "alice"), (GINA, "gina"), (MALLORY, "mallory")] {
        mock.add_user(id, name);
    }
    mock.add_usergroup("S0HELPDESK", &[GINA]);
    mock.add_usergroup("S0OTHERS", &[MALLORY]);
    let config = config(&mock)
        + "\n[[platform_roles]]\nplatform = \"slack\"\nid = \"S0HELPDESK\"\nrole = \"L2\"\n";
    let bot = Bot::start(&config).await;
    let card = ticket_by_form(&mock, &bot, "Printer driver for the new HP").await;
    let (channel, ts) = (card.channel().to_string(), card.ts().unwrap().to_string());

    // Mallory is in another group: refused, where only she sees it; the card stays.
    let press = mock.press_button(MALLORY, &channel, &ts, "fl:claim:T-1000");
    ok(bot.client.interactive(&press).await).await;
    mock.wait_for(
        |c| c.method == "chat.postEphemeral" && c.body["user"] == MALLORY,
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("Mallory not refused: {e:?}\n{}", bot.log()));
    assert!(mock.calls_to("chat.update").is_empty(), "the card changed");

    // Gina is in the help-desk group: her claim goes through.
    let press = mock.press_button(GINA, &channel, &ts, "fl:claim:T-1000");
    ok(bot.client.interactive(&press).await).await;
    let updated = mock
        .wait_for(|c| c.method == "chat.update" && c.ok(), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("Gina's claim did not update the card: {e:?}\n{}", bot.log()));
    assert!(updated.text().contains("gina"), "{}", updated.text());
    let groups = mock.calls_to("usergroups.list");
    assert!(
        !groups.is_empty() && groups.iter().all(Call::ok),
        "{groups:?}"
    );
    assert!(
        groups.iter().all(|c| c
            .content_type
            .starts_with("application/x-www-form-urlencoded")),
        "{groups:?}"
    );
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}

/// The agent presses `action` on the card and gets the `n`-th form the bot opened.
async fn open_form(
    mock: &MockSlack,
    bot: &Bot,
    channel: &str,
    ts: &str,
    action: &str,
    n: usize,
) -> Value {
    let press = mock.press_button(AGENT, channel, ts, action);
    ok(bot.client.interactive(&press).await).await;
    mock.wait_for_n(|c| c.method == "views.open" && c.ok(), n, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no form for {action}: {e:?}\n{}", bot.log()));
    mock.last_view().expect("a form")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_and_escalation_forms_move_the_card() {
    let mock = MockSlack::start().await;
    mock.add_user(ALICE, "alice");
    mock.add_user(AGENT, "bob the agent");
    let bot = Bot::start(&config(&mock)).await;
    let card = ticket_by_form(&mock, &bot, "Cannot open the shared calendar").await;
    let (channel, ts) = (card.channel().to_string(), card.ts().unwrap().to_string());
    // Transfer to the general queue: a form with one field; the card appears there.
    let view = open_form(&mock, &bot, &channel, &ts, "fl:transfer:T-1000", 2).await;
    assert_eq!(view["callback_id"], "fl:transfer-form:T-1000");
    let target = if channel == CH_GENERAL {
        "l2-network"
    } else {
        "l2-general"
    };
    let submit = mock.submit_view(
        AGENT,
        view["id"].as_str().unwrap(),
        &[("target", "target", target)],
    );
    ok(bot.client.interactive(&submit).await).await;
    let moved_to = if target == "l2-general" {
        CH_GENERAL
    } else {
        crate::bot::CH_NETWORK
    };
    post_with(&mock, moved_to, "T-1000", &bot).await;

    // Escalate to L3 with a note: the card appears in the L3 queue's channel, the note on it.
    let view = open_form(&mock, &bot, &channel, &ts, "fl:escalate:T-1000", 3).await;
    assert_eq!(view["callback_id"], "fl:escalate-form:T-1000");
    let submit = mock.submit_view(
        AGENT,
        view["id"].as_str().unwrap(),
        &[(
            "note",
            "note",
            "calendar ACLs look corrupted on the server side",
        )],
    );
    ok(bot.client.interactive(&submit).await).await;
    let l3 = post_with(&mock, "C0ENGINEERING", "T-1000", &bot).await;
    assert!(l3.text().contains("calendar ACLs"), "{}", l3.text());
    let shown = bot.cli(&["tickets", "show", "T-1000", "--json"]).await;
    let t: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(t["ticket"]["tier"], "L3", "{t}");
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hours_and_a_rate_limited_web_api() {
    let mock = MockSlack::start().await;
    mock.add_user(ALICE, "alice");
    let bot = Bot::start(&config(&mock)).await;
    let dm = mock.dm_channel_of(ALICE);

    // Slack says "slow down" to the first reply: it arrives after Retry-After, once.
    mock.rate_limit("chat.postMessage", 1, 1);
    let hours = payloads::slash_command("/hours", "", ALICE, &dm, &mock.fresh_trigger());
    ok(bot.client.command_json(&hours).await).await;
    let reply = post_with(&mock, &dm, "hours", &bot).await;
    let limited = mock
        .calls_to("chat.postMessage")
        .into_iter()
        .find(|c| c.limited)
        .expect("the first reply was rate-limited");
    let waited = reply.at.duration_since(limited.at);
    assert!(
        waited >= std::time::Duration::from_millis(900),
        "sent again after {waited:?}, before Retry-After"
    );
    let sent: Vec<Call> = mock
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| c.ok())
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}
