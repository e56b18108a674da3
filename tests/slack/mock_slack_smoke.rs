//! Smoke test for the mock Slack in `tests/mock_slack`, with plain reqwest and tokio-tungstenite
//! clients, so the mock is proven before the adapter's tests lean on it: each Web API method
//! answers Slack's documented shape, Block Kit limits are refused as Slack refuses them, rate
//! limits and bad tokens answer as Slack's do, signatures match Slack's documented example, and
//! Socket Mode says hello, carries envelopes and acks, disconnects, refuses and goes silent.

use crate::mock_slack::{self, MockSlack, SlackClient, body_text, buttons_of, sign, text_of};

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Long enough for a loaded CI machine; everything here normally takes milliseconds.
const WAIT: Duration = Duration::from_secs(5);
const BOT: &str = "xoxb-test";
const APP: &str = "xapp-test";

/// What the mock answered: status, `Retry-After`, JSON body.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    json: Value,
}

async fn read(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.bytes().await.expect("mock answer body");
    let json = serde_json::from_slice(&bytes).expect("mock answers JSON");
    Answer {
        status,
        retry_after,
        json,
    }
}

/// A Web API call with a JSON body, as the adapter makes them.
async fn api(mock: &MockSlack, method: &str, token: Option<&str>, body: Value) -> Answer {
    let mut req = reqwest::Client::new()
        .post(format!("{}{method}", mock.api_base()))
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string());
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    read(req.send().await.expect("mock Slack reachable")).await
}

/// A Web API call with a form body.
async fn api_form(mock: &MockSlack, method: &str, fields: &[(&str, &str)]) -> Answer {
    let resp = reqwest::Client::new()
        .post(format!("{}{method}", mock.api_base()))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", format!("Bearer {BOT}"))
        .body(mock_slack::form(fields))
        .send()
        .await
        .expect("mock Slack reachable");
    read(resp).await
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

fn button(action_id: &str, value: &str, text: &str) -> Value {
    json!({"type": "button", "action_id": action_id, "value": value,
           "text": {"type": "plain_text", "text": text}})
}

fn modal(title: &str, blocks: Value) -> Value {
    json!({"type": "modal", "callback_id": "ticket", "private_metadata": "q-7",
           "title": {"type": "plain_text", "text": title},
           "submit": {"type": "plain_text", "text": "Open"}, "blocks": blocks})
}

#[tokio::test]
async fn web_api_methods_answer_slacks_documented_shapes() {
    let mock = MockSlack::start().await;
    assert!(mock.api_base().starts_with("http://127.0.0.1:"));
    assert!(mock.api_base().ends_with("/api/"));

    let auth = api(&mock, "auth.test", Some(BOT), json!({})).await;
    assert_eq!(auth.status, 200);
    assert_eq!(
        auth.json,
        json!({"ok": true, "url": "https://mock.slack.com/", "team": "Mock", "user": "frontline",
               "team_id": "T0MOCK", "user_id": "UBOT", "bot_id": "BBOT",
               "is_enterprise_install": false})
    );

    // A card with blocks, sent as JSON; a thread reply sent as a form with blocks as JSON text.
    let card = api(
        &mock,
        "chat.postMessage",
        Some(BOT),
        json!({"channel": "C0QUEUE", "text": "Ticket T-1",
               "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "T-1 · P2"}},
                          section("*Requester* alice"),
                          {"type": "actions", "elements": [button("claim", "T-1", "Claim"),
                                                           button("resolve", "T-1", "Resolve")]}]}),
    )
    .await;
    assert_eq!(card.json["ok"], true, "{}", card.json);
    assert_eq!(card.json["channel"], "C0QUEUE");
    let ts = card.json["ts"].as_str().unwrap().to_string();
    assert_eq!(ts, "1700000000.000100");
    assert_eq!(card.json["message"]["ts"], ts.as_str());
    assert_eq!(card.json["message"]["bot_id"], "BBOT");
    let blocks = json!([section("Claimed by bob")]).to_string();
    let reply = api_form(
        &mock,
        "chat.postMessage",
        &[
            ("channel", "C0QUEUE"),
            ("thread_ts", &ts),
            ("text", "claimed"),
            ("blocks", &blocks),
        ],
    )
    .await;
    let reply_ts = reply.json["ts"].as_str().unwrap().to_string();
    assert!(reply_ts > ts, "{reply_ts} after {ts}");
    assert_eq!(reply.json["message"]["thread_ts"], ts.as_str());

    let posted = mock.posted("C0QUEUE");
    assert_eq!(posted.len(), 2);
    assert_eq!(
        posted[1].body["blocks"][0]["text"]["text"],
        "Claimed by bob"
    );
    assert_eq!(posted[1].thread_ts(), Some(ts.as_str()));
    assert!(
        posted[1]
            .content_type
            .starts_with("application/x-www-form-urlencoded")
    );
    assert_eq!(posted[0].token.as_deref(), Some(BOT));
    assert_eq!(
        text_of(&posted[0]),
        "Ticket T-1\nT-1 · P2\n*Requester* alice\nClaim\nResolve"
    );
    assert_eq!(
        buttons_of(&posted[0]),
        vec![
            ("claim".to_string(), "T-1".to_string(), "Claim".to_string()),
            (
                "resolve".to_string(),
                "T-1".to_string(),
                "Resolve".to_string()
            ),
        ]
    );

    // Missing pieces answer Slack's error codes.
    let no_text = api(
        &mock,
        "chat.postMessage",
        Some(BOT),
        json!({"channel": "C1"}),
    )
    .await;
    assert_eq!(no_text.json, json!({"ok": false, "error": "no_text"}));
    let no_channel = api(&mock, "chat.postMessage", Some(BOT), json!({"text": "hi"})).await;
    assert_eq!(no_channel.json["error"], "channel_not_found");

    // A post to a user id lands in the bot's DM with them.
    let to_user = api(
        &mock,
        "chat.postMessage",
        Some(BOT),
        json!({"channel": "U0ALICE", "text": "hi"}),
    )
    .await;
    assert_eq!(to_user.json["channel"], "D0ALICE");
    assert_eq!(mock.posted("D0ALICE").len(), 1);

    let update = api(
        &mock,
        "chat.update",
        Some(BOT),
        json!({"channel": "C0QUEUE", "ts": ts, "text": "Ticket T-1 (claimed)",
               "blocks": [section("Claimed by <@U0BOB>"),
                          {"type": "actions", "elements": [button("resolve", "T-1", "Resolve")]}]}),
    )
    .await;
    assert_eq!(update.json["ok"], true, "{}", update.json);
    assert_eq!(update.json["channel"], "C0QUEUE");
    assert_eq!(update.json["ts"], ts.as_str());
    let edited = mock.message("C0QUEUE", &ts).unwrap();
    assert_eq!(edited["text"], "Ticket T-1 (claimed)");
    assert_eq!(edited["blocks"][0]["text"]["text"], "Claimed by <@U0BOB>");
    let missing = api(
        &mock,
        "chat.update",
        Some(BOT),
        json!({"channel": "C0QUEUE", "ts": "1.2", "text": "x"}),
    )
    .await;
    assert_eq!(missing.json["error"], "message_not_found");

    let eph = api(
        &mock,
        "chat.postEphemeral",
        Some(BOT),
        json!({"channel": "C0QUEUE", "user": "U0EVE", "text": "Only agents can claim."}),
    )
    .await;
    assert_eq!(eph.json["ok"], true);
    assert!(eph.json["message_ts"].as_str().unwrap() > reply_ts.as_str());

    let open = api(
        &mock,
        "conversations.open",
        Some(BOT),
        json!({"users": "U0ALICE"}),
    )
    .await;
    assert_eq!(open.json, json!({"ok": true, "channel": {"id": "D0ALICE"}}));
    let again = api_form(&mock, "conversations.open", &[("users", "U0ALICE")]).await;
    assert_eq!(again.json["channel"]["id"], "D0ALICE");
    assert_eq!(mock.dm_channel_of("U0ALICE"), "D0ALICE");

    let view = modal(
        "New ticket",
        json!([{"type": "input", "block_id": "subject", "label": {"type": "plain_text", "text": "Subject"},
                "element": {"type": "plain_text_input", "action_id": "subject"}}]),
    );
    let opened = api(
        &mock,
        "views.open",
        Some(BOT),
        json!({"trigger_id": "1.2.abc", "view": view}),
    )
    .await;
    assert_eq!(opened.json["ok"], true, "{}", opened.json);
    let view_id = opened.json["view"]["id"].as_str().unwrap().to_string();
    assert!(view_id.starts_with('V'));
    assert_eq!(opened.json["view"]["callback_id"], "ticket");
    assert_eq!(opened.json["view"]["title"]["text"], "New ticket");
    assert_eq!(mock.last_view().unwrap()["id"], view_id.as_str());
    let updated = api(
        &mock,
        "views.update",
        Some(BOT),
        json!({"view_id": view_id, "view": modal("Ticket opened", json!([section("T-2 is open.")]))}),
    )
    .await;
    assert_eq!(updated.json["ok"], true, "{}", updated.json);
    assert_eq!(updated.json["view"]["id"], view_id.as_str());
    assert_eq!(mock.last_view().unwrap()["title"]["text"], "Ticket opened");
    let no_view = api(
        &mock,
        "views.update",
        Some(BOT),
        json!({"view_id": "V404", "view": view}),
    )
    .await;
    assert_eq!(no_view.json["error"], "not_found");
    let submitted = mock.submit_view("U0ALICE", &view_id, &[("subject", "subject", "VPN down")]);
    assert_eq!(submitted["type"], "view_submission");
    assert_eq!(submitted["view"]["private_metadata"], "q-7");
    assert_eq!(
        submitted["view"]["state"]["values"]["subject"]["subject"]["value"],
        "VPN down"
    );

    let home = json!({"type": "home", "blocks": [section("Your tickets: T-1 (open)")]});
    let published = api(
        &mock,
        "views.publish",
        Some(BOT),
        json!({"user_id": "U0ALICE", "view": home}),
    )
    .await;
    assert_eq!(published.json["ok"], true, "{}", published.json);
    assert!(mock_slack::text_in(&mock.home_of("U0ALICE").unwrap()).contains("T-1 (open)"));

    mock.add_user("U0ALICE", "alice");
    // A read method takes form fields, as Slack's do: a JSON body's arguments are not read.
    let json_body = api(&mock, "users.info", Some(BOT), json!({"user": "U0ALICE"})).await;
    assert_eq!(json_body.json["ok"], false, "{}", json_body.json);
    let who = api_form(&mock, "users.info", &[("user", "U0ALICE")]).await;
    assert_eq!(who.json["ok"], true);
    assert_eq!(who.json["user"]["id"], "U0ALICE");
    assert_eq!(who.json["user"]["name"], "alice");
    assert_eq!(who.json["user"]["profile"]["display_name"], "alice");
    let nobody = api_form(&mock, "users.info", &[("user", "U0NOBODY")]).await;
    assert_eq!(nobody.json, json!({"ok": false, "error": "user_not_found"}));

    // A button on the card, pressed: the payload carries what the bot drew.
    let press = mock.press_button("U0BOB", "C0QUEUE", &ts, "resolve");
    assert_eq!(press["type"], "block_actions");
    assert_eq!(press["actions"][0]["action_id"], "resolve");
    assert_eq!(press["actions"][0]["text"]["text"], "Resolve");
    assert_eq!(press["actions"][0]["value"], "T-1");
    assert_eq!(press["container"]["message_ts"], ts.as_str());
    assert_eq!(press["message"]["text"], "Ticket T-1 (claimed)");

    assert!(mock.unexpected().is_empty(), "{:?}", mock.unexpected());
    let odd = api(
        &mock,
        "chat.delete",
        Some(BOT),
        json!({"channel": "C1", "ts": ts}),
    )
    .await;
    assert_eq!(odd.json, json!({"ok": false, "error": "unknown_method"}));
    let unexpected = mock.unexpected();
    assert_eq!(unexpected.len(), 1);
    assert_eq!(unexpected[0].method, "chat.delete");

    let waited = mock
        .wait_for(
            |c| c.method == "users.info" && !c.ok() && c.body["user"].is_string(),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(waited.body["user"], "U0NOBODY");
    let err = mock
        .wait_for(|c| c.method == "chat.meMessage", Duration::from_millis(50))
        .await
        .unwrap_err();
    let listing = format!("{err:?}");
    assert!(listing.contains("chat.delete"), "{listing}");
    assert!(listing.contains("auth.test"), "{listing}");
}

#[tokio::test]
async fn block_kit_limits_answer_invalid_blocks_as_slack_does() {
    let mock = MockSlack::start().await;
    let long = |n: usize| "x".repeat(n);
    let header =
        |n: usize| json!({"type": "header", "text": {"type": "plain_text", "text": long(n)}});
    let actions = |b: Value| json!({"type": "actions", "elements": [b]});
    let sections = |n: usize| Value::Array((0..n).map(|i| section(&format!("line {i}"))).collect());
    // (what, blocks at the limit, blocks one past it)
    let cases = [
        ("50 blocks", sections(50), sections(51)),
        (
            "section text",
            json!([section(&long(3000))]),
            json!([section(&long(3001))]),
        ),
        ("header", json!([header(150)]), json!([header(151)])),
        (
            "button text",
            json!([actions(button("a", "v", &long(75)))]),
            json!([actions(button("a", "v", &long(76)))]),
        ),
        (
            "action_id",
            json!([actions(button(&long(255), "v", "Go"))]),
            json!([actions(button(&long(256), "v", "Go"))]),
        ),
        (
            "button value",
            json!([actions(button("a", &long(2000), "Go"))]),
            json!([actions(button("a", &long(2001), "Go"))]),
        ),
    ];
    for (what, ok, too_much) in cases {
        let fine = api(
            &mock,
            "chat.postMessage",
            Some(BOT),
            json!({"channel": "C1", "text": what, "blocks": ok}),
        )
        .await;
        assert_eq!(fine.json["ok"], true, "{what} at the limit: {}", fine.json);
        let refused = api(
            &mock,
            "chat.postMessage",
            Some(BOT),
            json!({"channel": "C1", "text": what, "blocks": too_much}),
        )
        .await;
        assert_eq!(refused.status, 200);
        assert_eq!(refused.json["ok"], false, "{what} past the limit");
        assert_eq!(refused.json["error"], "invalid_blocks", "{what}");
        let why = refused.json["response_metadata"]["messages"][0]
            .as_str()
            .unwrap();
        assert!(
            why.starts_with("[ERROR] ") && why.contains("json-pointer:/blocks"),
            "{why}"
        );
    }
    // chat.update is checked too, and an empty section text is refused as Slack does.
    let ts = mock.posted("C1")[0].ts().unwrap().to_string();
    let update = api(
        &mock,
        "chat.update",
        Some(BOT),
        json!({"channel": "C1", "ts": ts, "blocks": [section("")]}),
    )
    .await;
    assert_eq!(update.json["error"], "invalid_blocks");

    // Views: Slack answers invalid_arguments for a view that breaks a limit.
    let title_ok = api(
        &mock,
        "views.open",
        Some(BOT),
        json!({"trigger_id": "t", "view": modal(&long(24), sections(100))}),
    )
    .await;
    assert_eq!(title_ok.json["ok"], true, "{}", title_ok.json);
    let title = api(
        &mock,
        "views.open",
        Some(BOT),
        json!({"trigger_id": "t", "view": modal(&long(25), json!([]))}),
    )
    .await;
    assert_eq!(title.json["error"], "invalid_arguments");
    assert!(
        title.json["response_metadata"]["messages"][0]
            .as_str()
            .unwrap()
            .contains("/view/title/text")
    );
    let many = api(
        &mock,
        "views.open",
        Some(BOT),
        json!({"trigger_id": "t", "view": modal("Ok", sections(101))}),
    )
    .await;
    assert_eq!(many.json["error"], "invalid_arguments");

    let refused: Vec<_> = mock
        .unexpected()
        .iter()
        .map(|c| c.error().unwrap().to_string())
        .collect();
    assert_eq!(
        refused.iter().filter(|e| *e == "invalid_blocks").count(),
        7,
        "{refused:?}"
    );
    assert_eq!(
        refused.iter().filter(|e| *e == "invalid_arguments").count(),
        2,
        "{refused:?}"
    );
}

#[tokio::test]
async fn rate_limits_and_bad_tokens_answer_as_slack_does() {
    let mock = MockSlack::start().await;
    mock.rate_limit("chat.postMessage", 2, 7);
    let post = json!({"channel": "C1", "text": "hello"});
    for _ in 0..2 {
        let limited = api(&mock, "chat.postMessage", Some(BOT), post.clone()).await;
        assert_eq!(limited.status, 429);
        assert_eq!(limited.retry_after.as_deref(), Some("7"));
        assert_eq!(limited.json, json!({"ok": false, "error": "ratelimited"}));
    }
    // Other methods are not limited, and the third post goes through.
    assert_eq!(
        api(&mock, "auth.test", Some(BOT), json!({})).await.status,
        200
    );
    let third = api(&mock, "chat.postMessage", Some(BOT), post.clone()).await;
    assert_eq!((third.status, third.json["ok"].clone()), (200, json!(true)));
    let calls = mock.calls_to("chat.postMessage");
    assert_eq!(
        calls.iter().map(|c| c.limited).collect::<Vec<_>>(),
        [true, true, false]
    );
    assert_eq!(mock.posted("C1").len(), 1);

    let wrong = api(&mock, "chat.postMessage", Some("xoxb-wrong"), post.clone()).await;
    assert_eq!(
        (wrong.status, wrong.json.clone()),
        (200, json!({"ok": false, "error": "invalid_auth"}))
    );
    let app_token = api(&mock, "auth.test", Some(APP), json!({})).await;
    assert_eq!(app_token.json["error"], "invalid_auth");
    let none = api(&mock, "auth.test", None, json!({})).await;
    assert_eq!(none.json["error"], "not_authed");
    let recorded = mock.calls();
    let last = &recorded[recorded.len() - 3..];
    assert_eq!(last[0].token.as_deref(), Some("xoxb-wrong"));
    assert_eq!(last[2].token, None);
    assert_eq!(mock.posted("C1").len(), 1);

    mock.fail_next("chat.postMessage", "not_in_channel");
    let failed = api(&mock, "chat.postMessage", Some(BOT), post.clone()).await;
    assert_eq!(failed.json["error"], "not_in_channel");
    assert_eq!(
        api(&mock, "chat.postMessage", Some(BOT), post).await.json["ok"],
        true
    );
}

/// The worked example of Slack's "Verifying requests from Slack" page. Its body's token is
/// `xyzz0WbapA4vBCDEFasx0q6G`; with any other token the published signature does not match.
#[test]
fn sign_matches_slacks_documented_example() {
    let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    assert_eq!(
        sign(
            "8f742231b10e8888abcd99yyyzzz85a5",
            1531420618,
            body.as_bytes()
        ),
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    );
}

/// One request as a stand-in app received it.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

#[tokio::test]
async fn slack_client_sends_signed_requests_in_slacks_shapes() {
    // A stand-in for the app: records what arrives and answers 200.
    let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
    let record = Arc::clone(&seen);
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let record = Arc::clone(&record);
            async move {
                let path = uri.path().to_string();
                let body = body.to_vec();
                record.lock().unwrap().push(Received {
                    path,
                    headers,
                    body,
                });
                "ok"
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = SlackClient::new(base, "s3cret");

    let dm = mock_slack::dm_event(
        "Ev1",
        "U0ALICE",
        "D0ALICE",
        "my vpn is down",
        "1600000000.000100",
    );
    let (status, answer) = body_text(client.event(&dm).await).await;
    assert_eq!((status, answer.as_str()), (200, "ok"));
    assert_eq!(
        client.event_retry(&dm, 1, "http_timeout").await.status(),
        200
    );
    let press = mock_slack::block_action(
        "U0BOB",
        "C0QUEUE",
        "1700000000.000100",
        "claim",
        "T-1",
        "1.2.t",
        "",
    );
    client.interactive(&press).await;
    let slash = mock_slack::slash_command("/faq", "vpn", "U0ALICE", "D0ALICE", "1.2.t");
    client.command_json(&slash).await;
    server.abort();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        [
            "/slack/events",
            "/slack/events",
            "/slack/interactive",
            "/slack/commands"
        ]
    );
    for r in &seen {
        let ts: i64 = r.headers["x-slack-request-timestamp"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((ts - mock_slack::unix_now()).abs() < 60);
        let signature = r.headers["x-slack-signature"].to_str().unwrap();
        assert_eq!(signature, sign("s3cret", ts, &r.body), "{}", r.path);
    }
    let event: Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(event["type"], "event_callback");
    assert_eq!(event["event_id"], "Ev1");
    assert_eq!(event["team_id"], "T0MOCK");
    assert_eq!(event["api_app_id"], "AMOCK");
    assert!(event["event_time"].is_i64());
    assert_eq!(event["event"]["type"], "message");
    assert_eq!(event["event"]["channel_type"], "im");
    assert_eq!(event["event"]["text"], "my vpn is down");
    assert!(!seen[0].headers.contains_key("x-slack-retry-num"));
    assert_eq!(seen[1].headers["x-slack-retry-num"], "1");
    assert_eq!(seen[1].headers["x-slack-retry-reason"], "http_timeout");
    let form: Vec<(String, String)> = form_urlencoded::parse(&seen[2].body).into_owned().collect();
    assert_eq!(form.len(), 1);
    assert_eq!(form[0].0, "payload");
    let payload: Value = serde_json::from_str(&form[0].1).unwrap();
    assert_eq!(payload["actions"][0]["action_id"], "claim");
    assert_eq!(
        seen[2].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let fields: Vec<(String, String)> =
        form_urlencoded::parse(&seen[3].body).into_owned().collect();
    assert!(fields.contains(&("command".into(), "/faq".into())));
    assert!(fields.contains(&("text".into(), "vpn".into())));
    assert!(fields.contains(&("user_id".into(), "U0ALICE".into())));

    let mention = mock_slack::mention_event(
        "Ev2",
        "U0ALICE",
        "C0HELP",
        "printer jam",
        "1600000000.000200",
    );
    assert_eq!(mention["event"]["type"], "app_mention");
    assert_eq!(mention["event"]["text"], "<@UBOT> printer jam");
    let challenge = mock_slack::url_verification("abc");
    assert_eq!(challenge["challenge"], "abc");
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens a Socket Mode connection as a client does: apps.connections.open, then the URL.
async fn connect(mock: &MockSlack) -> (String, Result<Ws, tokio_tungstenite::tungstenite::Error>) {
    let open = api(mock, "apps.connections.open", Some(APP), json!({})).await;
    assert_eq!(open.json["ok"], true, "{}", open.json);
    let url = open.json["url"].as_str().unwrap().to_string();
    let ws = tokio_tungstenite::connect_async(url.as_str())
        .await
        .map(|(ws, _)| ws);
    (url, ws)
}

/// The next JSON text frame (pongs and pings skipped).
async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame from the mock")
            .expect("socket open")
            .expect("a good frame");
        match frame {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a JSON frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn socket_mode_says_hello_carries_envelopes_and_acks_and_disconnects() {
    let mock = MockSlack::start().await;
    let with_bot_token = api(&mock, "apps.connections.open", Some(BOT), json!({})).await;
    assert_eq!(
        with_bot_token.json,
        json!({"ok": false, "error": "invalid_auth"})
    );

    let (url, ws) = connect(&mock).await;
    assert!(
        url.starts_with(&format!("ws://{}/socket?ticket=", &mock.base_url()[7..])),
        "{url}"
    );
    let mut ws = ws.expect("upgrade accepted");
    let hello = next_json(&mut ws).await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["num_connections"], 1);
    mock.socket_ready().await;
    assert_eq!(mock.socket_connections(), 1);
    assert_eq!(mock.connections_open_calls(), 2);

    let dm = mock_slack::dm_event("Ev1", "U0ALICE", "D0ALICE", "hi", "1600000000.000100");
    let id = mock.send_envelope("events_api", dm.clone()).await;
    let envelope = next_json(&mut ws).await;
    assert_eq!(envelope["envelope_id"], id.as_str());
    assert_eq!(envelope["type"], "events_api");
    assert_eq!(envelope["payload"], dm);
    assert_eq!(envelope["accepts_response_payload"], false);
    assert_eq!(envelope["retry_attempt"], 0);
    assert_eq!(envelope["retry_reason"], "");
    assert!(mock.wait_ack(&id, Duration::from_millis(50)).await.is_err());
    ws.send(Message::Text(json!({"envelope_id": id}).to_string()))
        .await
        .unwrap();
    assert_eq!(
        mock.wait_ack(&id, WAIT).await.unwrap(),
        json!({"envelope_id": id})
    );

    let slash = mock_slack::slash_command("/status", "", "U0ALICE", "D0ALICE", "1.2.t");
    let id2 = mock.send_envelope("slash_commands", slash).await;
    assert_eq!(next_json(&mut ws).await["accepts_response_payload"], true);
    mock.resend_envelope(&id2).await;
    let retried = next_json(&mut ws).await;
    assert_eq!(
        (
            retried["envelope_id"].clone(),
            retried["retry_attempt"].clone()
        ),
        (json!(id2), json!(1))
    );
    assert_eq!(retried["retry_reason"], "timeout");
    let answer = json!({"envelope_id": id2, "payload": {"text": "No open tickets."}});
    ws.send(Message::Text(answer.to_string())).await.unwrap();
    assert_eq!(
        mock.wait_ack(&id2, WAIT).await.unwrap()["payload"]["text"],
        "No open tickets."
    );
    assert_eq!(mock.acks().len(), 2);

    // A ticket opens one connection only.
    let reused = tokio_tungstenite::connect_async(url.as_str()).await;
    assert!(reused.is_err(), "a used ticket must be refused");

    mock.disconnect("refresh_requested");
    let bye = next_json(&mut ws).await;
    assert_eq!(bye["type"], "disconnect");
    assert_eq!(bye["reason"], "refresh_requested");
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the mock closes the socket after a disconnect"
    );

    // Refusing: apps.connections.open still answers, the upgrade does not.
    mock.refuse_connections(true);
    let (_, refused) = connect(&mock).await;
    assert!(refused.is_err());
    assert_eq!(
        mock.socket_attempts().last().unwrap().refused.as_deref(),
        Some("refusing connections")
    );
    mock.refuse_connections(false);
    let (_, ws2) = connect(&mock).await;
    let mut ws2 = ws2.expect("accepted again");
    assert_eq!(next_json(&mut ws2).await["type"], "hello");
    mock.socket_ready().await;
    assert_eq!(mock.socket_connections(), 2);
}

#[tokio::test]
async fn a_silent_socket_answers_no_ping_until_it_talks_again() {
    let mock = MockSlack::start().await;
    let (_, ws) = connect(&mock).await;
    let mut first = ws.unwrap();
    next_json(&mut first).await;
    mock.socket_ready().await;

    first.send(Message::Ping(b"1".to_vec())).await.unwrap();
    let pong = tokio::time::timeout(WAIT, first.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(pong, Message::Pong(b"1".to_vec()));

    mock.go_silent();
    first.send(Message::Ping(b"2".to_vec())).await.unwrap();
    let nothing = tokio::time::timeout(Duration::from_millis(300), first.next()).await;
    assert!(nothing.is_err(), "a silent socket sent {nothing:?}");

    // The client's next connection talks; envelopes go there.
    let (_, ws) = connect(&mock).await;
    let mut second = ws.unwrap();
    assert_eq!(next_json(&mut second).await["type"], "hello");
    mock.socket_ready().await;
    let id = mock
        .send_envelope("interactive", json!({"type": "block_actions"}))
        .await;
    assert_eq!(next_json(&mut second).await["envelope_id"], id.as_str());

    mock.go_loud();
    let late = tokio::time::timeout(WAIT, first.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(late, Message::Pong(b"2".to_vec()));
}
