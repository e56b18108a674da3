//! The Slack stories through the real binary: `frontline run` serving the Events API on
//! 127.0.0.1 with signed requests from the tests and the mock Slack Web API, as a person and an
//! agent meet it (DM, FAQ with buttons, a follow-up question, the ticket, the card in the queue's
//! channel, a refused claim, the claim, the conversation relayed both ways through the card's
//! thread, the resolve form, the rating), and hostile requests that must change nothing.

use serde_json::Value;

use crate::bot::{AGENT, Bot, CH_NETWORK, LIMIT, config};
use crate::mock_slack::{Call, MockSlack, SlackClient, payloads};

const ALICE: &str = "U0ALICE";
const MALLORY: &str = "U0MALLORY";

pub(crate) fn posted_in<'a>(channel: &'a str) -> impl Fn(&Call) -> bool + 'a {
    move |c| c.method == "chat.postMessage" && c.ok() && c.response["channel"] == channel
}

/// The `n`-th (from 1) message the bot posted in `channel`, waiting for it.
async fn nth_post(mock: &MockSlack, channel: &str, n: usize, bot: &Bot) -> Call {
    let mut found = mock
        .wait_for_n(posted_in(channel), n, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    found.remove(n - 1)
}

/// The first post in `channel` whose text has `needle`.
pub(crate) async fn post_with(mock: &MockSlack, channel: &str, needle: &str, bot: &Bot) -> Call {
    mock.wait_post(channel, needle, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()))
}

/// `user` opens a ticket with `/ticket` in their DM: the form opens, they fill in the subject
/// and description and submit it.
pub(crate) async fn ticket_by_form(
    mock: &MockSlack,
    bot: &Bot,
    user: &str,
    subject: &str,
    description: &str,
) {
    let dm = mock.dm_channel_of(user);
    let before = mock.calls_to("views.open").len();
    let command = payloads::slash_command("/ticket", "", user, &dm, &mock.fresh_trigger());
    ok(bot.client.command_json(&command).await).await;
    mock.wait_for_n(|c| c.method == "views.open" && c.ok(), before + 1, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no ticket form: {e:?}\n{}", bot.log()));
    let view = mock.last_view().expect("the ticket form");
    let submit = mock.submit_view(
        user,
        view["id"].as_str().unwrap(),
        &[
            ("subject", "subject", subject),
            ("description", "description", description),
        ],
    );
    ok(bot.client.interactive(&submit).await).await;
}

pub(crate) async fn ok(response: reqwest::Response) {
    assert_eq!(
        response.status().as_u16(),
        200,
        "{:?}",
        response.text().await
    );
}

/// How Slack reaches the app: signed HTTP requests, or envelopes over the Socket Mode WebSocket
/// the app opened (each acknowledged).
enum Via<'a> {
    Http(&'a SlackClient),
    Socket(&'a MockSlack),
}

impl Via<'_> {
    async fn event(&self, payload: &Value) {
        match self {
            Via::Http(c) => ok(c.event(payload).await).await,
            Via::Socket(m) => {
                let id = m.send_envelope("events_api", payload.clone()).await;
                m.wait_ack(&id, LIMIT)
                    .await
                    .expect("the envelope is acknowledged");
            }
        }
    }

    /// The answer the app gave at once (a view's field errors), `Null` when none.
    async fn interactive(&self, payload: &Value) -> Value {
        match self {
            Via::Http(c) => {
                let r = c.interactive(payload).await;
                assert_eq!(r.status().as_u16(), 200);
                let text = r.text().await.unwrap();
                serde_json::from_str(&text).unwrap_or(Value::Null)
            }
            Via::Socket(m) => {
                let id = m.send_envelope("interactive", payload.clone()).await;
                let ack = m
                    .wait_ack(&id, LIMIT)
                    .await
                    .expect("the envelope is acknowledged");
                ack["payload"].clone()
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_and_an_agent_meet_on_slack_from_dm_to_rating() {
    let mock = MockSlack::start().await;
    let bot = Bot::start(&config(&mock)).await;
    story(&mock, &bot, &Via::Http(&bot.client)).await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_story_over_socket_mode() {
    let mock = MockSlack::start().await;
    let bot = Bot::start_socket(&mock, &crate::bot::socket_config(&mock)).await;
    story(&mock, &bot, &Via::Socket(&mock)).await;
    assert_eq!(mock.socket_connections(), 1);
    bot.stop().await;
}

async fn story(mock: &MockSlack, bot: &Bot, slack: &Via<'_>) {
    mock.add_user(ALICE, "alice");
    mock.add_user(AGENT, "bob the agent");
    mock.add_user(MALLORY, "mallory");
    let dm = mock.dm_channel_of(ALICE);

    // Alice writes to the app; the bot offers the VPN article with its buttons.
    let say = |id: &str, text: &str| payloads::dm_event(id, ALICE, &dm, text, &mock.fresh_ts());
    slack
        .event(&say("Ev001", "my vpn keeps disconnecting"))
        .await;
    let faq = post_with(mock, &dm, "GlobalProtect", bot).await;
    let buttons: Vec<String> = faq.buttons().into_iter().map(|b| b.0).collect();
    assert!(buttons.contains(&"fl:still".to_string()), "{buttons:?}");

    // It did not help: a question, her answer, and then the ticket.
    let still = mock.press_button(ALICE, &dm, faq.ts().unwrap(), "fl:still");
    slack.interactive(&still).await;
    let question = nth_post(mock, &dm, 2, bot).await;
    assert!(question.text().contains('?'), "{}", question.text());
    let mut n = 2;
    let mut ticket_said = None;
    for (i, answer) in [
        "connected but slow, on Windows 11",
        "since this morning",
        "yes",
    ]
    .iter()
    .enumerate()
    {
        slack.event(&say(&format!("Ev01{i}"), answer)).await;
        n += 1;
        let reply = nth_post(mock, &dm, n, bot).await;
        if reply.text().contains("opened ticket T-1000") {
            ticket_said = Some(reply);
            break;
        }
    }
    let ticket_said = ticket_said.unwrap_or_else(|| panic!("no ticket:\n{}", bot.log()));
    assert!(ticket_said.text().contains("P"), "{}", ticket_said.text());

    // The card in the network queue's channel: who, what was detected and why, the transcript.
    let card = post_with(mock, CH_NETWORK, "T-1000", bot).await;
    let card_ts = card.ts().unwrap().to_string();
    let text = card.text();
    for needle in [
        "alice",
        "<@U0ALICE>",
        "vpn",
        "Transcript",
        "my vpn keeps disconnecting",
    ] {
        assert!(
            text.contains(needle),
            "`{needle}` missing from the card:\n{text}"
        );
    }
    let actions: Vec<String> = card.buttons().into_iter().map(|b| b.0).collect();
    assert!(
        actions.contains(&"fl:claim:T-1000".to_string()),
        "{actions:?}"
    );

    // Mallory is no agent: told so where only she sees it, and nothing changes.
    let press = mock.press_button(MALLORY, CH_NETWORK, &card_ts, "fl:claim:T-1000");
    slack.interactive(&press).await;
    let refusal = mock
        .wait_for(
            |c| c.method == "chat.postEphemeral" && c.body["user"] == MALLORY,
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    assert!(!refusal.text().is_empty());
    assert!(mock.calls_to("chat.update").is_empty(), "the card changed");

    // The agent claims: the card shows them, the card's thread greets, Alice is told.
    let press = mock.press_button(AGENT, CH_NETWORK, &card_ts, "fl:claim:T-1000");
    slack.interactive(&press).await;
    let updated = mock
        .wait_for(
            |c| c.method == "chat.update" && c.body["ts"] == card_ts.as_str(),
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    assert!(
        updated.text().contains("bob the agent"),
        "{}",
        updated.text()
    );
    mock.wait_for(
        |c| posted_in(CH_NETWORK)(c) && c.thread_ts() == Some(card_ts.as_str()),
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("no greeting in the card's thread: {e:?}\n{}", bot.log()));

    // Alice is told.
    post_with(
        mock,
        &dm,
        "bob the agent is now handling ticket T-1000",
        bot,
    )
    .await;
    bot.agent_threads_recorded().await;

    // What the agent writes in the card's thread reaches Alice; her answer comes back there.
    let agent_says = payloads::thread_message_event(
        "Ev020",
        AGENT,
        CH_NETWORK,
        &card_ts,
        "please restart GlobalProtect and tell me what it shows",
        &mock.fresh_ts(),
    );
    slack.event(&agent_says).await;
    post_with(mock, &dm, "please restart GlobalProtect", bot).await;
    // The agent sees what they wrote in the thread: no notice for each message.
    let agent_dm = mock.dm_channel_of(AGENT);
    assert!(
        !mock
            .calls()
            .iter()
            .any(|c| (c.channel() == agent_dm || c.body["user"] == AGENT)
                && c.text().contains("sent to")),
        "a notice for a message the agent wrote in the thread"
    );
    slack
        .event(&say("Ev021", "after the restart it says portal not found"))
        .await;
    mock.wait_for(
        |c| {
            posted_in(CH_NETWORK)(c)
                && c.thread_ts() == Some(card_ts.as_str())
                && c.text()
                    .contains("after the restart it says portal not found")
        },
        LIMIT,
    )
    .await
    .unwrap_or_else(|e| panic!("Alice's reply not in the thread: {e:?}\n{}", bot.log()));

    // Resolve: a form for the note and the minutes; a wrong number is said in the form.
    let press = mock.press_button(AGENT, CH_NETWORK, &card_ts, "fl:resolve:T-1000");
    slack.interactive(&press).await;
    mock.wait_for(|c| c.method == "views.open" && c.ok(), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no resolve form: {e:?}\n{}", bot.log()));
    let view = mock.last_view().expect("the resolve form");
    let view_id = view["id"].as_str().unwrap().to_string();
    let wrong = mock.submit_view(
        AGENT,
        &view_id,
        &[
            ("note", "note", "reinstalled"),
            ("minutes", "minutes", "a while"),
        ],
    );
    let body = slack.interactive(&wrong).await;
    assert_eq!(body["response_action"], "errors", "{body}");
    assert!(
        body["errors"]["minutes"]
            .as_str()
            .unwrap()
            .contains("whole number")
    );
    let right = mock.submit_view(
        AGENT,
        &view_id,
        &[
            ("note", "note", "reinstalled the GlobalProtect client"),
            ("minutes", "minutes", "15"),
        ],
    );
    slack.interactive(&right).await;
    let asked = post_with(mock, &dm, "1 to 5", bot).await;
    assert!(asked.text().contains("T-1000"), "{}", asked.text());

    // She rates with the buttons under the question.
    let stars: Vec<String> = asked.buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(
        stars,
        [
            "fl:rate:1",
            "fl:rate:2",
            "fl:rate:3",
            "fl:rate:4",
            "fl:rate:5"
        ],
        "{}",
        asked.text()
    );
    let rate = mock.press_button(ALICE, &dm, asked.ts().unwrap(), "fl:rate:5");
    slack.interactive(&rate).await;
    post_with(mock, &dm, "Thank you for the rating", bot).await;
    // Pressed again (or typed later): rated once.
    let again = mock.press_button(ALICE, &dm, asked.ts().unwrap(), "fl:rate:1");
    slack.interactive(&again).await;
    post_with(mock, &dm, "already rated T-1000", bot).await;

    // The same ticket as the CLI sees it beside the running bot.
    let shown = bot.cli(&["tickets", "show", "T-1000", "--json"]).await;
    let t: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(t["ticket"]["status"], "resolved", "{t}");
    assert_eq!(t["ticket"]["minutes_spent"], 15, "{t}");
    assert_eq!(t["ticket"]["rating"], 5, "{t}");
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_change_nothing_and_get_no_reply() {
    let mock = MockSlack::start().await;
    mock.add_user(ALICE, "alice");
    mock.add_user(AGENT, "bob the agent");
    let bot = Bot::start(&config(&mock)).await;
    let slack = &bot.client;
    let dm = mock.dm_channel_of(ALICE);
    let event = payloads::dm_event(
        "Ev100",
        ALICE,
        &dm,
        "my vpn keeps disconnecting",
        &mock.fresh_ts(),
    );
    let body = event.to_string().into_bytes();
    let json = "application/json";
    let now = crate::mock_slack::unix_now();

    // Unsigned, wrongly signed, stale, oversized, malformed.
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(slack.raw("/slack/events", json, body.clone(), vec![]).await),
        401
    );
    let forged = vec![
        ("X-Slack-Request-Timestamp".to_string(), now.to_string()),
        (
            "X-Slack-Signature".to_string(),
            format!("v0={}", "0".repeat(64)),
        ),
    ];
    assert_eq!(
        status(slack.raw("/slack/events", json, body.clone(), forged).await),
        401
    );
    let stale = slack
        .signed("/slack/events", json, body.clone(), now - 600, vec![])
        .await;
    assert_eq!(status(stale), 401);
    // 2 MB: refused with 413 from its Content-Length, before it is read (the server may hang up
    // while the client is still sending, which the client sees as a failed request).
    let huge = vec![b'a'; 2 << 20];
    let sent = reqwest::Client::new()
        .post(format!("{}/slack/events", bot.base))
        .header("content-type", json)
        .header("x-slack-request-timestamp", now.to_string())
        .header(
            "x-slack-signature",
            crate::mock_slack::sign(crate::bot::SECRET, now, &huge),
        )
        .body(huge)
        .send()
        .await;
    match sent {
        Ok(r) => assert_eq!(r.status().as_u16(), 413),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    let bad_json = slack
        .signed("/slack/events", json, b"{not json".to_vec(), now, vec![])
        .await;
    assert_eq!(status(bad_json), 400);
    let bad_form = slack
        .signed(
            "/slack/interactive",
            "application/x-www-form-urlencoded",
            b"payload=%7Bnope".to_vec(),
            now,
            vec![],
        )
        .await;
    assert_eq!(status(bad_form), 400);

    // A view submission for a form the bot never opened, and an unknown button: ignored.
    let never_opened = payloads::view_submission(
        AGENT,
        "V0FORGED",
        "fl:resolve-form:T-1000",
        "C0NETWORK|0000",
        &[("note", "note", "x"), ("minutes", "minutes", "1")],
    );
    ok(slack.interactive(&never_opened).await).await;
    let unknown = payloads::block_action(
        ALICE,
        &dm,
        &mock.fresh_ts(),
        "fl:launch-missiles",
        "x",
        &mock.fresh_trigger(),
        &mock.response_url(),
    );
    ok(slack.interactive(&unknown).await).await;

    // The real event, then Slack's retry of it and a replay: one answer.
    ok(slack.event(&event).await).await;
    post_with(&mock, &dm, "GlobalProtect", &bot).await;
    ok(slack.event_retry(&event, 1, "http_timeout").await).await;
    ok(slack.event(&event).await).await;
    // A later message is answered after the retries were handled, so they had their chance.
    let later = payloads::dm_event("Ev101", ALICE, &dm, "thanks", &mock.fresh_ts());
    ok(slack.event(&later).await).await;
    mock.wait_for_n(posted_in(&dm), 2, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    let vpn_answers = mock
        .posted(&dm)
        .iter()
        .filter(|c| c.text().contains("GlobalProtect"))
        .count();
    assert_eq!(vpn_answers, 1, "the retried event was answered again");

    // A forged ticket id on an agent button: the desk finds no such ticket; nothing is stored.
    let forged_claim = payloads::block_action(
        AGENT,
        CH_NETWORK,
        &mock.fresh_ts(),
        "fl:claim:T-9999",
        "T-9999",
        &mock.fresh_trigger(),
        &mock.response_url(),
    );
    ok(slack.interactive(&forged_claim).await).await;
    let list = bot.cli(&["tickets", "list", "--json"]).await;
    let tickets: Vec<Value> = serde_json::from_str(&list).unwrap_or_else(|e| panic!("{e}: {list}"));
    assert!(tickets.is_empty(), "{tickets:?}");
    assert!(mock.calls_to("views.open").is_empty());
    let log = bot.log();
    assert!(log.contains("refused a request to /slack/events"), "{log}");
    assert!(log.contains("did not open"), "{log}");
    assert!(log.contains("unknown button"), "{log}");
    let dir = bot.stop().await;

    // Restarted on the same store, Slack retries the first event once more: still one answer.
    let bot = Bot::start_in(&config(&mock), dir).await;
    ok(bot.client.event_retry(&event, 2, "http_timeout").await).await;
    let after = payloads::dm_event("Ev102", ALICE, &dm, "thank you!", &mock.fresh_ts());
    ok(bot.client.event(&after).await).await;
    mock.wait_for_n(posted_in(&dm), 3, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    let vpn_answers = mock
        .posted(&dm)
        .iter()
        .filter(|c| c.text().contains("GlobalProtect"))
        .count();
    assert_eq!(
        vpn_answers, 1,
        "the event retried after a restart was answered again"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_commands_faq_status_and_the_ticket_form() {
    let mock = MockSlack::start().await;
    mock.add_user(ALICE, "alice");
    let bot = Bot::start(&config(&mock)).await;
    let dm = mock.dm_channel_of(ALICE);
    let command = |name: &str, text: &str| {
        payloads::slash_command(name, text, ALICE, &dm, &mock.fresh_trigger())
    };

    // /faq words: the article, in her DM.
    ok(bot.client.command_json(&command("/faq", "vpn")).await).await;
    post_with(&mock, &dm, "GlobalProtect", &bot).await;

    // /ticket: a form; submitted, a ticket without FAQ or questions.
    ok(bot.client.command_json(&command("/ticket", "")).await).await;
    mock.wait_for(|c| c.method == "views.open" && c.ok(), LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no ticket form: {e:?}\n{}", bot.log()));
    let view = mock.last_view().expect("the ticket form");
    assert_eq!(view["callback_id"], "fl:ticket-form");
    let submit = mock.submit_view(
        ALICE,
        view["id"].as_str().unwrap(),
        &[
            ("subject", "subject", "New starter needs a laptop"),
            (
                "description",
                "description",
                "Anna starts on Monday in finance.",
            ),
        ],
    );
    ok(bot.client.interactive(&submit).await).await;
    post_with(&mock, &dm, "opened ticket T-1000", &bot).await;

    // /status: her open ticket.
    ok(bot.client.command_json(&command("/status", "")).await).await;
    let status = mock
        .wait_for(
            // (A new laptop needs approval: that notice is not the status either.)
            |c| {
                posted_in(&dm)(c)
                    && c.text().contains("T-1000")
                    && !c.text().contains("opened")
                    && !c.text().contains("needs approval")
            },
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no status: {e:?}\n{}", bot.log()));
    assert!(status.text().contains("New starter"), "{}", status.text());
    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    bot.stop().await;
}
