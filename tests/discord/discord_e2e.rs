//! End-to-end stories of the Discord adapter: the real serenity client built by
//! `frontline::platform::discord::client` talks to the mock Discord in `tests/mock_discord` on 127.0.0.1, the
//! desk runs on the default pack and a temporary sled store per test, and the assertions are on
//! what users and agents would see (the REST calls the mock recorded) and on the stored tickets.

use crate::mock_discord;

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use frontline::config::Config;
use frontline::desk::Desk;
use frontline::pack::Pack;
use frontline::store::{SledStore, Store};
use frontline::tickets::{Status, Ticket};
use frontline::triage::Triage;
use mock_discord::{MockDiscord, Person, Place, Recorded, snowflake};
use serde_json::{Value, json};
use serenity::all::ShardManager;
use tokio::task::JoinHandle;

/// Generous for a loaded machine; each step normally takes milliseconds.
const WAIT: Duration = Duration::from_secs(10);
/// How long to watch for something that must not happen.
const QUIET: Duration = Duration::from_millis(600);

pub(crate) const SUPPORT: u64 = 210_000_000_000_000_001;
pub(crate) const CH_GENERAL: u64 = 220_000_000_000_000_001;
const CH_ACCOUNTS: u64 = 220_000_000_000_000_002;
pub(crate) const CH_NETWORK: u64 = 220_000_000_000_000_003;
const CH_COLLAB: u64 = 220_000_000_000_000_004;
pub(crate) const CH_WORKPLACE: u64 = 220_000_000_000_000_005;
const CH_SECURITY: u64 = 220_000_000_000_000_006;
const CH_L3: u64 = 220_000_000_000_000_007;
pub(crate) const L2_ROLE: u64 = 300_000_000_000_000_002;
const L3_ROLE: u64 = 300_000_000_000_000_003;
const OTHER_ROLE: u64 = 300_000_000_000_000_009;

pub(crate) const JAN: u64 = 400_000_000_000_000_001;
pub(crate) const JAN_DM: u64 = 410_000_000_000_000_001;
pub(crate) const EVE: u64 = 400_000_000_000_000_002;
const ALICE: u64 = 400_000_000_000_000_003;
const CAROL: u64 = 400_000_000_000_000_004;

pub(crate) fn jan() -> Person {
    Person::user(JAN, "jan")
}
/// Not an agent: a member with an unrelated role.
pub(crate) fn eve() -> Person {
    Person::user(EVE, "eve").with_roles(&[OTHER_ROLE])
}
/// An L2 agent by Discord role.
pub(crate) fn alice() -> Person {
    Person::user(ALICE, "alice").with_roles(&[OTHER_ROLE, L2_ROLE])
}

/// The default pack's engine, built once per test binary.
pub(crate) fn triage() -> Arc<Triage> {
    static T: OnceLock<Arc<Triage>> = OnceLock::new();
    T.get_or_init(|| {
        let pack = Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
            .unwrap_or_else(|e| panic!("default pack: {e}"));
        Arc::new(Triage::new(pack).expect("default pack compiles"))
    })
    .clone()
}

fn config(mock: &MockDiscord) -> Config {
    parse_config(&config_toml(mock))
}

pub(crate) fn parse_config(toml: &str) -> Config {
    let c = Config::parse(Path::new("discord_e2e.toml"), toml).expect("test config parses");
    c.check_against(triage().pack())
        .expect("every intent routes to a queue");
    c
}

/// The test deployment: every queue on Discord, agents by Discord role.
pub(crate) fn config_toml(mock: &MockDiscord) -> String {
    format!(
        r#"
l3_queue = "l3-engineering"

[discord]
api_base = "{api}"
support_channels = ["{SUPPORT}"]

[[queues]]
id = "l2-general"
tier = "L2"
platform = "discord"
channel = "{CH_GENERAL}"

[[queues]]
id = "l2-accounts"
tier = "L2"
platform = "discord"
channel = "{CH_ACCOUNTS}"

[[queues]]
id = "l2-network"
tier = "L2"
platform = "discord"
channel = "{CH_NETWORK}"

[[queues]]
id = "l2-collaboration"
tier = "L2"
platform = "discord"
channel = "{CH_COLLAB}"

[[queues]]
id = "l2-workplace"
tier = "L2"
platform = "discord"
channel = "{CH_WORKPLACE}"

[[queues]]
id = "l2-security"
tier = "L2"
platform = "discord"
channel = "{CH_SECURITY}"

[[queues]]
id = "l3-engineering"
tier = "L3"
platform = "discord"
channel = "{CH_L3}"

[[routing]]
priority = "P1"
category = "security"
queue = "l2-security"

[[platform_roles]]
platform = "discord"
id = "{L2_ROLE}"
role = "L2"

[[platform_roles]]
platform = "discord"
id = "{L3_ROLE}"
role = "L3"

[sla.P1]
first_response_minutes = 15
resolution_minutes = 240

[sla.P2]
first_response_minutes = 60
resolution_minutes = 480

[sla.P3]
first_response_minutes = 240
resolution_minutes = 1440

[sla.P4]
first_response_minutes = 480
resolution_minutes = 4320
"#,
        api = mock.api_base()
    )
}

/// The adapter under test, running against the mock.
pub(crate) struct Bot {
    task: JoinHandle<serenity::Result<()>>,
    shards: Arc<ShardManager>,
    outbox: JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Bot {
    /// Starts `frontline::platform::discord::client` on `store` and waits until its ready handler has
    /// registered the slash commands (the `ready_no`-th registration this mock has seen).
    async fn start(mock: &MockDiscord, store: Arc<dyn Store>, ready_no: usize) -> Bot {
        Bot::start_with(mock, store, ready_no, config(mock)).await
    }

    pub(crate) async fn start_with(
        mock: &MockDiscord,
        store: Arc<dyn Store>,
        ready_no: usize,
        config: Config,
    ) -> Bot {
        let settings = config.discord.clone().expect("[discord] configured");
        let desk = Arc::new(Desk::new(triage(), config, store));
        let bot = frontline::platform::discord::client(desk, settings, "mock-token")
            .await
            .expect("client builds against the mock");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let outbox = bot.spawn_outbox(stopped);
        let mut client = bot.client;
        *client.ws_url.lock().await = mock.gateway_url();
        let shards = Arc::clone(&client.shard_manager);
        let task = tokio::spawn(async move { client.start().await });
        let app = mock.application_id();
        mock.wait_for_n(
            |r| r.method == "PUT" && r.path == format!("/applications/{app}/commands"),
            ready_no,
            WAIT,
        )
        .await
        .expect("the ready handler registers the slash commands");
        Bot {
            task,
            shards,
            outbox,
            stop,
        }
    }

    /// Stops as `frontline run` does: intake first, then the outbox drains and the store flushes.
    pub(crate) async fn stop(self) {
        self.shards.shutdown_all().await;
        self.task.abort();
        let _ = self.task.await;
        let _ = self.stop.send(true);
        let _ = self.outbox.await;
    }
}

pub(crate) fn store() -> Arc<dyn Store> {
    Arc::new(SledStore::temporary().expect("temporary store"))
}

/// Injects `event` and waits for the first request matching `what` that was not recorded before.
pub(crate) async fn inject_then(
    mock: &MockDiscord,
    event: Value,
    what: impl Fn(&Recorded) -> bool,
) -> Recorded {
    let before = mock.requests().iter().filter(|r| what(r)).count();
    mock.inject(event);
    let mut got = mock
        .wait_for_n(&what, before + 1, WAIT)
        .await
        .expect("the bot's answer");
    got.pop().expect("n > 0")
}

/// Waits for the `n`-th (1-based, counting all so far) request matching `what`.
pub(crate) async fn nth(
    mock: &MockDiscord,
    what: impl Fn(&Recorded) -> bool,
    n: usize,
) -> Recorded {
    mock.wait_for_n(&what, n, WAIT)
        .await
        .expect("the expected request")
        .pop()
        .expect("n > 0")
}

/// Requests recorded after the first `mark`.
fn since(mock: &MockDiscord, mark: usize) -> Vec<Recorded> {
    mock.requests().into_iter().skip(mark).collect()
}

pub(crate) fn dump(rs: &[Recorded]) -> String {
    rs.iter().map(|r| format!("\n  {r}")).collect()
}

pub(crate) fn post_in(channel: u64) -> impl Fn(&Recorded) -> bool {
    let path = format!("/channels/{channel}/messages");
    move |r| r.is("POST", &path)
}

fn interaction_of(event: &Value) -> (String, String) {
    let d = &event["d"];
    (
        d["id"].as_str().expect("interaction id").to_string(),
        d["token"].as_str().expect("interaction token").to_string(),
    )
}

pub(crate) fn callback_of(event: &Value) -> impl Fn(&Recorded) -> bool {
    let (id, token) = interaction_of(event);
    let path = format!("/interactions/{id}/{token}/callback");
    move |r| r.is("POST", &path)
}

pub(crate) fn followup_of(mock: &MockDiscord, event: &Value) -> impl Fn(&Recorded) -> bool {
    let (_, token) = interaction_of(event);
    let path = format!("/webhooks/{}/{token}", mock.application_id());
    move |r| r.is("POST", &path)
}

pub(crate) fn ticket(store: &Arc<dyn Store>, id: &str) -> Ticket {
    store
        .ticket(id)
        .expect("store reads")
        .unwrap_or_else(|| panic!("ticket {id} is stored"))
}

/// `T-1234` in a text.
pub(crate) fn ticket_id_in(text: &str) -> String {
    let start = text
        .find("T-")
        .unwrap_or_else(|| panic!("no ticket id in {text:?}"));
    let digits: String = text[start + 2..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(!digits.is_empty(), "no ticket number in {text:?}");
    format!("T-{digits}")
}

fn embed_fields(r: &Recorded) -> Vec<(String, String)> {
    r.body["embeds"][0]["fields"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    (
                        f["name"].as_str().unwrap_or("").to_string(),
                        f["value"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn field(r: &Recorded, name: &str) -> String {
    embed_fields(r)
        .into_iter()
        .find(|(n, _)| n.starts_with(name))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no field {name} on the card: {r}"))
}

pub(crate) fn labels(r: &Recorded) -> Vec<String> {
    let mut out = Vec::new();
    for row in r.body["components"].as_array().into_iter().flatten() {
        for c in row["components"].as_array().into_iter().flatten() {
            if let Some(l) = c["label"].as_str() {
                out.push(l.to_string());
            }
        }
    }
    out
}

/// The text inputs of a modal callback, in order.
pub(crate) fn modal_inputs(r: &Recorded) -> Vec<String> {
    let mut out = Vec::new();
    for row in r.body["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for c in row["components"].as_array().into_iter().flatten() {
            out.push(c["custom_id"].as_str().unwrap_or("").to_string());
        }
    }
    out
}

fn follow_up_question(n: usize) -> String {
    triage().pack().intent("vpn").expect("vpn intent").follow_up[n].text["en"].clone()
}

/// Story 1 up to the escalation card: returns the ticket id and the card's message id.
async fn open_vpn_ticket(mock: &MockDiscord, user: &Person, dm: u64) -> (String, u64) {
    let faq = inject_then(
        mock,
        mock.dm_message(dm, user, "my vpn keeps disconnecting"),
        post_in(dm),
    )
    .await;
    assert_eq!(faq.custom_ids(), ["fl:solved", "fl:still"], "{faq}");
    let press = mock.button_press(Place::dm(dm), user, "fl:still");
    let first_q = inject_then(mock, press.clone(), followup_of(mock, &press)).await;
    assert!(
        first_q.content().contains(&follow_up_question(0)),
        "{first_q}"
    );
    let second_q = inject_then(mock, mock.dm_message(dm, user, "from home"), post_in(dm)).await;
    assert!(
        second_q.content().contains(&follow_up_question(1)),
        "{second_q}"
    );
    let before_cards = mock
        .requests()
        .iter()
        .filter(|r| post_in(CH_NETWORK)(r))
        .count();
    let opened = inject_then(
        mock,
        mock.dm_message(dm, user, "it says gateway timeout"),
        post_in(dm),
    )
    .await;
    assert!(
        opened.content().starts_with("I've opened ticket T-"),
        "{opened}"
    );
    let id = ticket_id_in(opened.content());
    let card = nth(mock, post_in(CH_NETWORK), before_cards + 1).await;
    let mid = card_message_id(mock, &card, &id);
    (id, mid)
}

/// The id of the message the mock created for a card post (matched by the ticket id in its title).
pub(crate) fn card_message_id(mock: &MockDiscord, card: &Recorded, ticket: &str) -> u64 {
    assert!(
        card.body["embeds"][0]["title"]
            .as_str()
            .is_some_and(|t| t.starts_with(ticket)),
        "card for {ticket}: {card}"
    );
    // The mock's answer is not recorded; find the stored message by its embed title.
    find_message(mock, &card.body["embeds"][0]["title"])
}

/// The message the mock holds whose first embed has `title`.
fn find_message(mock: &MockDiscord, title: &Value) -> u64 {
    mock.find_message(|m| m["embeds"][0]["title"] == *title)
        .map(|m| snowflake(&m["id"]))
        .unwrap_or_else(|| panic!("the mock holds no message titled {title}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_1_a_dm_gets_an_faq_then_follow_ups_then_a_ticket_and_a_card() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;

    let faq = inject_then(
        &mock,
        mock.dm_message(JAN_DM, &jan(), "my vpn keeps disconnecting"),
        post_in(JAN_DM),
    )
    .await;
    assert!(
        faq.content().contains("Let's get your VPN working"),
        "{faq}"
    );
    assert!(faq.content().contains("**"), "an FAQ article title: {faq}");
    assert!(faq.content().contains("Did this solve it?"), "{faq}");
    assert_eq!(faq.custom_ids(), ["fl:solved", "fl:still"], "{faq}");
    assert_eq!(labels(&faq), ["Solved", "Still need help"], "{faq}");

    let press = mock.button_press(Place::dm(JAN_DM), &jan(), "fl:still");
    let mark = mock.requests().len();
    let question = inject_then(&mock, press.clone(), followup_of(&mock, &press)).await;
    let after = since(&mock, mark);
    let ack = after
        .iter()
        .position(|r| callback_of(&press)(r))
        .unwrap_or_else(|| panic!("no callback for the press: {}", dump(&after)));
    let q = after
        .iter()
        .position(|r| followup_of(&mock, &press)(r))
        .expect("the follow-up");
    assert!(ack < q, "acknowledged before the answer: {}", dump(&after));
    assert_eq!(
        after[ack].callback_type(),
        Some(5),
        "deferred: {}",
        after[ack]
    );
    assert_eq!(after[ack].status, 204, "{}", after[ack]);
    assert_eq!(question.status, 200, "{question}");
    assert!(
        question.content().contains(&follow_up_question(0)),
        "{question}"
    );

    let second = inject_then(
        &mock,
        mock.dm_message(JAN_DM, &jan(), "from home, the internet works"),
        post_in(JAN_DM),
    )
    .await;
    assert!(
        second.content().contains(&follow_up_question(1)),
        "{second}"
    );

    let opened = inject_then(
        &mock,
        mock.dm_message(JAN_DM, &jan(), "connected but it drops every few minutes"),
        post_in(JAN_DM),
    )
    .await;
    assert!(
        opened.content().starts_with("I've opened ticket T-"),
        "{opened}"
    );
    let id = ticket_id_in(opened.content());

    let card = nth(&mock, post_in(CH_NETWORK), 1).await;
    let title = card.body["embeds"][0]["title"].as_str().unwrap_or("");
    assert!(title.starts_with(&id), "{card}");
    assert!(title.contains("my vpn keeps disconnecting"), "{card}");
    assert!(field(&card, "Requester").contains("jan"), "{card}");
    // The requester as a mention (Discord shows their name), with their language.
    assert!(
        field(&card, "Requester").contains(&format!("<@{JAN}>")),
        "{card}"
    );
    assert!(field(&card, "Requester").contains("language: en"), "{card}");
    assert!(field(&card, "Priority").contains("l2-network"), "{card}");
    assert!(
        field(&card, "Detected").starts_with("detected as vpn"),
        "{card}"
    );
    assert!(
        !field(&card, "Detected").contains('#'),
        "no rule ids: {card}"
    );
    assert!(
        field(&card, "FAQ offered").contains("did not help"),
        "{card}"
    );
    // Follow-up answers under the questions Jan read, not their ids.
    let answers = field(&card, "Answers");
    assert!(
        answers.contains(&follow_up_question(0)) && answers.contains("from home"),
        "{card}"
    );
    let transcript = field(&card, "Transcript");
    assert!(
        transcript.contains("my vpn keeps disconnecting")
            && transcript.contains("drops every few minutes"),
        "{card}"
    );
    assert_eq!(
        card.custom_ids(),
        [
            format!("fl:claim:{id}"),
            format!("fl:transfer:{id}"),
            format!("fl:escalate:{id}"),
            format!("fl:resolve:{id}"),
        ],
        "{card}"
    );
    assert_eq!(
        labels(&card),
        ["Claim", "Transfer", "Escalate to L3", "Resolve"],
        "{card}"
    );

    let t = ticket(&store, &id);
    assert_eq!(t.status, Status::Escalated);
    assert_eq!(t.queue, "l2-network");
    assert_eq!(t.requester.key(), format!("discord:{JAN}"));
    assert_eq!(t.assignee, None);
    assert_eq!(t.answers.len(), 2, "{:?}", t.answers);
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_2_claim_relay_reply_resolve_and_csat() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;
    let (id, card_mid) = open_vpn_ticket(&mock, &jan(), JAN_DM).await;
    let network = mock.guild(CH_NETWORK);
    let card_path = format!("/channels/{CH_NETWORK}/messages/{card_mid}");
    let before = ticket(&store, &id);

    // A member without an agent role is refused privately; nothing changes.
    let press = mock.component_press(network, &eve(), &format!("fl:claim:{id}"), card_mid);
    let mark = mock.requests().len();
    let refusal = inject_then(&mock, press.clone(), followup_of(&mock, &press)).await;
    assert_eq!(
        refusal.content(),
        "Only support agents can do that.",
        "{refusal}"
    );
    assert!(refusal.ephemeral(), "{refusal}");
    tokio::time::sleep(QUIET).await;
    let after = since(&mock, mark);
    assert!(
        !after
            .iter()
            .any(|r| r.path == card_path || post_in(JAN_DM)(r)),
        "nothing but the refusal: {}",
        dump(&after)
    );
    let t = ticket(&store, &id);
    assert_eq!(t.assignee, None);
    assert_eq!(t.status, Status::Escalated);
    assert_eq!(t.event_count, before.event_count);

    // An L2 agent claims: the card shows the assignee, a thread opens on it, the user is told.
    let press = mock.component_press(network, &alice(), &format!("fl:claim:{id}"), card_mid);
    let edit = inject_then(&mock, press.clone(), |r| r.is("PATCH", &card_path)).await;
    assert!(
        field(&edit, "Status").contains(&format!("claimed · <@{ALICE}>")),
        "{edit}"
    );
    assert_eq!(
        edit.custom_ids()[0],
        format!("fl:unclaim:{id}"),
        "Claim became Unclaim: {edit}"
    );
    let thread_path = format!("/channels/{CH_NETWORK}/messages/{card_mid}/threads");
    let thread = nth(&mock, |r| r.is("POST", &thread_path), 1).await;
    assert!(
        thread.body["name"].as_str().unwrap_or("").starts_with(&id),
        "{thread}"
    );
    let thread_id = card_mid; // Discord gives a thread started from a message the message's id.
    let told = nth(&mock, post_in(JAN_DM), 4).await;
    assert_eq!(
        told.content(),
        format!("alice is now handling ticket {id}."),
        "{told}"
    );
    let confirm = nth(&mock, followup_of(&mock, &press), 1).await;
    assert!(confirm.content().contains("is yours"), "{confirm}");
    assert!(confirm.ephemeral(), "{confirm}");
    let t = ticket(&store, &id);
    assert_eq!(t.status, Status::Claimed);
    assert_eq!(
        t.assignee.as_deref(),
        Some(format!("discord:{ALICE}").as_str())
    );

    // The agent writes in the ticket thread: the user gets it by DM.
    let relayed = inject_then(
        &mock,
        mock.message_create(
            mock.guild(thread_id),
            &alice(),
            "please try the phone hotspot",
        ),
        post_in(JAN_DM),
    )
    .await;
    assert_eq!(
        relayed.content(),
        format!("alice (support, {id}): please try the phone hotspot"),
        "{relayed}"
    );

    // The user replies by DM: the ticket records it and the agent is notified.
    let events_before = ticket(&store, &id).event_count;
    let ack = inject_then(
        &mock,
        mock.dm_message(JAN_DM, &jan(), "the hotspot works fine"),
        post_in(JAN_DM),
    )
    .await;
    assert_eq!(ack.content(), format!("Added to ticket {id}."), "{ack}");
    let note = format!("[{id}] jan: the hotspot works fine");
    let notified = mock
        .wait_for(|r| r.method == "POST" && r.content() == note, WAIT)
        .await
        .expect("the agent is notified of the user's reply");
    let agent_dm = mock.dm_channel_of(ALICE);
    assert!(
        notified.path == format!("/channels/{thread_id}/messages")
            || Some(notified.path.clone()) == agent_dm.map(|d| format!("/channels/{d}/messages")),
        "the agent reads it in the ticket thread or a DM: {notified}"
    );
    let events = store.events(&id).expect("events");
    assert!(
        events[events_before as usize..]
            .iter()
            .any(|e| format!("{:?}", e.change).starts_with("UserReplied")),
        "{events:?}"
    );

    // Resolve: a form asks for the note and the minutes.
    let press = mock.component_press(network, &alice(), &format!("fl:resolve:{id}"), card_mid);
    let form = inject_then(&mock, press.clone(), callback_of(&press)).await;
    assert_eq!(form.callback_type(), Some(9), "{form}");
    assert_eq!(
        form.body["data"]["custom_id"],
        json!(format!("fl:resolve-form:{id}")),
        "{form}"
    );
    assert_eq!(
        modal_inputs(&form),
        ["note", "minutes", "activity"],
        "{form}"
    );

    let edits_before = mock
        .requests()
        .iter()
        .filter(|r| r.is("PATCH", &card_path))
        .count();
    let submit = mock.modal_submit(
        network,
        &alice(),
        &format!("fl:resolve-form:{id}"),
        &[
            ("note", "renewed the gateway certificate"),
            ("minutes", "25"),
        ],
    );
    let asked = inject_then(&mock, submit.clone(), |r| {
        post_in(JAN_DM)(r) && r.content().contains("1 to 5")
    })
    .await;
    assert!(
        asked.content().contains(&format!(
            "Ticket {id} has been resolved: renewed the gateway certificate"
        )),
        "{asked}"
    );
    let resolved_card = nth(&mock, |r| r.is("PATCH", &card_path), edits_before + 1).await;
    assert_eq!(
        resolved_card.body["components"],
        json!([]),
        "no buttons on a resolved card: {resolved_card}"
    );
    assert!(
        field(&resolved_card, "Status").starts_with("resolved"),
        "{resolved_card}"
    );
    let t = ticket(&store, &id);
    assert_eq!(t.status, Status::Resolved);
    assert_eq!(t.minutes_spent, 25);

    // The rating is recorded.
    let thanks = inject_then(&mock, mock.dm_message(JAN_DM, &jan(), "5"), post_in(JAN_DM)).await;
    assert_eq!(thanks.content(), "Thank you for the rating!", "{thanks}");
    assert_eq!(ticket(&store, &id).rating, Some(5));
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_3_duplicates_and_bots_are_ignored() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;

    // The same MESSAGE_CREATE twice (a replay): one reply.
    let event = mock.dm_message(JAN_DM, &jan(), "hello");
    mock.inject(event.clone());
    mock.inject(event);
    nth(&mock, post_in(JAN_DM), 1).await;
    tokio::time::sleep(QUIET).await;
    let replies = mock
        .requests()
        .into_iter()
        .filter(|r| post_in(JAN_DM)(r))
        .count();
    assert_eq!(replies, 1, "{}", dump(&mock.requests()));

    // Another bot, and the bot itself, in a DM and in the support channel: no answer at all.
    let mark = mock.requests().len();
    let other_bot = Person::bot(500_000_000_000_000_001, "otherbot");
    let itself = Person::bot(mock.bot_user_id(), "frontline");
    let bot_dm = 410_000_000_000_000_099;
    mock.inject(mock.dm_message(bot_dm, &other_bot, "my vpn keeps disconnecting"));
    mock.inject(mock.guild_message(SUPPORT, &other_bot, "my vpn keeps disconnecting"));
    mock.inject(mock.dm_message(JAN_DM, &itself, "my vpn keeps disconnecting"));
    mock.inject(mock.guild_message(SUPPORT, &itself, "my vpn keeps disconnecting"));
    tokio::time::sleep(QUIET * 2).await;
    let after = since(&mock, mark);
    assert!(after.is_empty(), "bots get no answer: {}", dump(&after));
    assert!(store.list(&Default::default()).unwrap().is_empty());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_3_forged_buttons_and_bad_forms_change_nothing() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;
    let (id, card_mid) = open_vpn_ticket(&mock, &jan(), JAN_DM).await;
    let network = mock.guild(CH_NETWORK);
    let snapshot = |store: &Arc<dyn Store>| {
        let t = ticket(store, &id);
        (t.status, t.assignee, t.event_count, t.minutes_spent)
    };
    let before = snapshot(&store);

    for custom_id in ["fl:nuke:T-1", "evil"] {
        let press = mock.component_press(network, &alice(), custom_id, card_mid);
        let mark = mock.requests().len();
        let answer = inject_then(&mock, press.clone(), callback_of(&press)).await;
        assert_eq!(answer.callback_type(), Some(4), "{answer}");
        assert_eq!(answer.content(), "Unknown action.", "{answer}");
        assert!(answer.ephemeral(), "{answer}");
        tokio::time::sleep(QUIET).await;
        let after = since(&mock, mark);
        assert_eq!(
            after.len(),
            1,
            "only the refusal for {custom_id}: {}",
            dump(&after)
        );
    }

    // A claim of a ticket that does not exist: a refusal naming it.
    let press = mock.component_press(network, &alice(), "fl:claim:T-999999", card_mid);
    let mark = mock.requests().len();
    let refusal = inject_then(&mock, press.clone(), followup_of(&mock, &press)).await;
    assert!(refusal.content().contains("T-999999"), "{refusal}");
    assert!(refusal.ephemeral(), "{refusal}");
    tokio::time::sleep(QUIET).await;
    let after = since(&mock, mark);
    assert!(
        after
            .iter()
            .all(|r| callback_of(&press)(r) || followup_of(&mock, &press)(r)),
        "{}",
        dump(&after)
    );
    assert!(store.ticket("T-999999").unwrap().is_none());

    // Claim, then a Resolve form with minutes "abc": refused, the ticket stays claimed.
    let press = mock.component_press(network, &alice(), &format!("fl:claim:{id}"), card_mid);
    inject_then(&mock, press.clone(), followup_of(&mock, &press)).await;
    let claimed = snapshot(&store);
    assert_eq!(claimed.0, Status::Claimed);
    let submit = mock.modal_submit(
        network,
        &alice(),
        &format!("fl:resolve-form:{id}"),
        &[("note", "done"), ("minutes", "abc")],
    );
    let refusal = inject_then(&mock, submit.clone(), followup_of(&mock, &submit)).await;
    assert!(refusal.content().contains("whole number"), "{refusal}");
    assert!(refusal.ephemeral(), "{refusal}");
    tokio::time::sleep(QUIET).await;
    assert_eq!(snapshot(&store), claimed);
    assert_ne!(claimed, before);
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}

/// A button the bot makes for forms only (`fl:resolve-form:…`, `fl:ticket-form`) pressed as a
/// button is not a valid action either: it must be answered, not left "thinking" for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_3_a_form_id_on_a_button_gets_an_answer() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;
    for custom_id in ["fl:ticket-form", "fl:resolve-form:T-1000"] {
        let press = mock.component_press(mock.guild(CH_NETWORK), &alice(), custom_id, 1);
        let mark = mock.requests().len();
        mock.inject(press.clone());
        nth(&mock, callback_of(&press), 1).await;
        tokio::time::sleep(QUIET).await;
        let after = since(&mock, mark);
        let answered = after.iter().any(|r| {
            (callback_of(&press)(r) && r.callback_type() == Some(4))
                || followup_of(&mock, &press)(r)
        });
        assert!(
            answered,
            "{custom_id} pressed as a button was acknowledged but never answered: {}",
            dump(&after)
        );
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_3_a_card_posted_before_a_restart_still_works() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;
    let (id, card_mid) = open_vpn_ticket(&mock, &jan(), JAN_DM).await;
    bot.stop().await;

    // A new client, a new desk, the same store (and a fresh in-memory duplicate filter).
    let bot = Bot::start(&mock, store.clone(), 2).await;
    assert_eq!(mock.gateway_connections().len(), 2);
    let card_path = format!("/channels/{CH_NETWORK}/messages/{card_mid}");
    let press = mock.component_press(
        mock.guild(CH_NETWORK),
        &alice(),
        &format!("fl:claim:{id}"),
        card_mid,
    );
    let edit = inject_then(&mock, press, |r| r.is("PATCH", &card_path)).await;
    assert!(field(&edit, "Status").starts_with("claimed"), "{edit}");
    let thread_path = format!("/channels/{CH_NETWORK}/messages/{card_mid}/threads");
    nth(&mock, |r| r.is("POST", &thread_path), 1).await;
    assert_eq!(ticket(&store, &id).status, Status::Claimed);
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_4_slash_commands() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;

    let mut names: Vec<String> = mock
        .commands(None)
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Report phishing",
            "faq",
            "hours",
            "stats",
            "status",
            "ticket"
        ]
    );
    let faq_cmd = mock
        .commands(None)
        .into_iter()
        .find(|c| c["name"] == "faq")
        .unwrap();
    assert_eq!(faq_cmd["options"][0]["name"], "query", "{faq_cmd}");
    assert_eq!(faq_cmd["options"][0]["required"], true, "{faq_cmd}");

    let dm = Place::dm(JAN_DM);
    // No tickets yet.
    let status = mock.slash_command(dm, &jan(), "status", &[]);
    let none = inject_then(&mock, status.clone(), followup_of(&mock, &status)).await;
    assert_eq!(none.content(), "You have no open tickets.", "{none}");
    assert!(none.ephemeral(), "{none}");
    let ack = nth(&mock, callback_of(&status), 1).await;
    assert_eq!(ack.callback_type(), Some(5), "{ack}");

    // /faq query:"printer" lists articles.
    let faq = mock.slash_command(dm, &jan(), "faq", &[("query", json!("printer"))]);
    let list = inject_then(&mock, faq.clone(), followup_of(&mock, &faq)).await;
    assert!(
        list.content()
            .starts_with("These articles may help (type a number to open one):"),
        "{list}"
    );
    assert!(list.content().lines().count() >= 2, "{list}");
    assert!(list.content().to_lowercase().contains("print"), "{list}");

    // /ticket: a form, whose submission opens a ticket and posts a card.
    let cmd = mock.slash_command(dm, &jan(), "ticket", &[]);
    let form = inject_then(&mock, cmd.clone(), callback_of(&cmd)).await;
    assert_eq!(form.callback_type(), Some(9), "{form}");
    assert_eq!(form.body["data"]["custom_id"], "fl:ticket-form", "{form}");
    assert_eq!(modal_inputs(&form), ["subject", "description"], "{form}");
    let submit = mock.modal_submit(
        dm,
        &jan(),
        "fl:ticket-form",
        &[
            ("subject", "laptop screen cracked"),
            (
                "description",
                "I dropped my laptop and the screen is cracked and black",
            ),
        ],
    );
    let opened = inject_then(&mock, submit.clone(), |r| {
        r.content().contains("I've opened ticket")
    })
    .await;
    let id = ticket_id_in(opened.content());
    let t = ticket(&store, &id);
    assert_eq!(t.subject, "laptop screen cracked");
    assert_eq!(t.status, Status::Escalated);
    let channel = match t.queue.as_str() {
        "l2-workplace" => CH_WORKPLACE,
        "l2-general" => CH_GENERAL,
        other => panic!("unexpected queue {other} for a cracked screen"),
    };
    let card = nth(&mock, post_in(channel), 1).await;
    assert!(
        card.body["embeds"][0]["title"]
            .as_str()
            .is_some_and(|s| s.starts_with(&id)),
        "{card}"
    );
    assert!(
        card.custom_ids().contains(&format!("fl:claim:{id}")),
        "{card}"
    );

    // /status now lists it.
    let status = mock.slash_command(dm, &jan(), "status", &[]);
    let mine = inject_then(&mock, status.clone(), followup_of(&mock, &status)).await;
    assert!(mine.content().starts_with("Your tickets:"), "{mine}");
    assert!(mine.content().contains(&id), "{mine}");
    assert!(mine.content().contains("laptop screen cracked"), "{mine}");
    assert!(mine.ephemeral(), "{mine}");
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}

/// The "Report phishing" message command (Apps → Report phishing on a message): a phishing
/// report of whoever used it in the security queue, with the message and its author on the
/// ticket, and the safe first answer only they see.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_4_a_message_reported_as_phishing() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;
    let registered = mock
        .commands(None)
        .into_iter()
        .find(|c| c["name"] == "Report phishing")
        .expect("the message command is registered");
    assert_eq!(registered["type"], 3, "{registered}");

    let lure = "Hi, HR here: confirm your salary details at http://hr-examp1e.com/login today";
    let message = mock.message_create(mock.guild(CH_GENERAL), &eve(), lure)["d"].clone();
    let mid = message["id"].as_str().unwrap().to_string();
    let data = json!({
        "id": registered["id"], "name": "Report phishing", "type": 3, "target_id": mid,
        "resolved": {"messages": {mid.clone(): message}},
    });
    let used = mock.interaction(mock.guild(CH_GENERAL), &jan(), 2, data);
    let answer = inject_then(&mock, used.clone(), followup_of(&mock, &used)).await;
    assert!(answer.ephemeral(), "{answer}");
    assert!(
        answer
            .content()
            .contains("do not click its links or open its attachments"),
        "{answer}"
    );
    let opened = nth(&mock, followup_of(&mock, &used), 2).await;
    let id = ticket_id_in(opened.content());
    let card = nth(&mock, post_in(CH_SECURITY), 1).await;
    assert!(
        card.body["embeds"][0]["title"]
            .as_str()
            .is_some_and(|s| s.starts_with(&id)),
        "{card}"
    );
    let t = ticket(&store, &id);
    assert_eq!(t.requester.id, JAN.to_string());
    assert_eq!(t.category, "phishing");
    assert_eq!(t.queue, "l2-security");
    assert_eq!(t.transcript[0].from, "other:eve");
    assert!(t.transcript[0].text.contains("confirm your salary details"));
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_5_a_support_channel_message_gets_a_thread_with_the_answer() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;

    let msg = mock.guild_message(SUPPORT, &jan(), "my vpn keeps disconnecting");
    let mid = snowflake(&msg["d"]["id"]);
    let thread_path = format!("/channels/{SUPPORT}/messages/{mid}/threads");
    let thread = inject_then(&mock, msg, |r| r.is("POST", &thread_path)).await;
    assert!(
        thread.body["name"]
            .as_str()
            .is_some_and(|n| n.contains("my vpn")),
        "{thread}"
    );
    let thread_id = mid;
    let answer = nth(&mock, post_in(thread_id), 1).await;
    assert!(
        answer.content().contains("Let's get your VPN working"),
        "{answer}"
    );
    assert_eq!(answer.custom_ids(), ["fl:solved", "fl:still"], "{answer}");
    tokio::time::sleep(QUIET).await;
    let in_channel: Vec<Recorded> = mock
        .requests()
        .into_iter()
        .filter(|r| post_in(SUPPORT)(r))
        .collect();
    assert!(
        in_channel.is_empty(),
        "nothing in the channel itself: {}",
        dump(&in_channel)
    );
    assert!(
        mock.dm_channel_of(JAN).is_none()
            || !mock
                .requests()
                .iter()
                .any(|r| post_in(mock.dm_channel_of(JAN).unwrap())(r)),
        "nothing by DM"
    );

    // The conversation continues in the thread.
    let q = inject_then(
        &mock,
        mock.message_create(mock.guild(thread_id), &jan(), "no"),
        post_in(thread_id),
    )
    .await;
    assert!(q.content().contains(&follow_up_question(0)), "{q}");

    // Someone else writing in jan's thread is not jan's conversation.
    let mark = mock.requests().len();
    mock.inject(mock.message_create(
        mock.guild(thread_id),
        &Person::user(CAROL, "carol"),
        "my printer is jammed",
    ));
    tokio::time::sleep(QUIET).await;
    let after = since(&mock, mark);
    assert!(after.is_empty(), "{}", dump(&after));
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}

/// A user who asked in a support channel and later wrote by DM still gets answers in the thread
/// when they write in the thread again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_5_a_reply_in_the_thread_is_answered_in_the_thread_after_a_dm() {
    let mock = MockDiscord::start().await;
    let store = store();
    let bot = Bot::start(&mock, store.clone(), 1).await;
    let msg = mock.guild_message(SUPPORT, &jan(), "my vpn keeps disconnecting");
    let thread_id = snowflake(&msg["d"]["id"]);
    inject_then(&mock, msg, post_in(thread_id)).await;
    inject_then(
        &mock,
        mock.dm_message(JAN_DM, &jan(), "hello"),
        post_in(JAN_DM),
    )
    .await;
    let mark = mock.requests().len();
    mock.inject(mock.message_create(mock.guild(thread_id), &jan(), "my printer is jammed"));
    mock.wait_for_n(
        |r| r.method == "POST" && r.path.ends_with("/messages"),
        mark_count(&mock, mark) + 1,
        WAIT,
    )
    .await
    .expect("an answer to the message in the thread");
    let after = since(&mock, mark);
    let posted: Vec<&Recorded> = after
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .collect();
    assert!(
        posted
            .iter()
            .all(|r| r.path == format!("/channels/{thread_id}/messages")),
        "the answer to a message in the thread goes to the thread: {}",
        dump(&after)
    );
    bot.stop().await;
}

fn mark_count(mock: &MockDiscord, mark: usize) -> usize {
    mock.requests()
        .iter()
        .take(mark)
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .count()
}

// --- 6. Terminals beside Discord ------------------------------------------------------------------

/// Runs the real binary on the test's data directory and configuration.
fn frontline(args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("frontline runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("frontline finishes")
}

/// An agent at a terminal (`frontline agent`, `frontline tickets resolve`) acts on a Discord user's
/// ticket while no process serves Discord: what they say waits in the outbox, and the next bot
/// that serves Discord delivers it to the user, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_6_terminal_agents_reach_a_discord_user_through_the_outbox() {
    let mock = MockDiscord::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let toml = config_toml(&mock) + "\n[[agents]]\nname = \"root\"\nrole = \"admin\"\n";
    let cfg = dir.path().join("frontline.toml");
    std::fs::write(&cfg, &toml).expect("config written");
    let data = dir.path().join("data");
    let store: Arc<dyn Store> = Arc::new(SledStore::open(&data).expect("store opens"));
    let bot = Bot::start_with(&mock, store.clone(), 1, parse_config(&toml)).await;
    let (id, card_mid) = open_vpn_ticket(&mock, &jan(), JAN_DM).await;
    bot.stop().await;
    drop(store);

    let (cfg, data) = (cfg.to_str().unwrap(), data.to_str().unwrap());
    let dm_posts = || {
        mock.requests()
            .into_iter()
            .filter(|r| post_in(JAN_DM)(r))
            .collect::<Vec<_>>()
    };
    let seen_before = dm_posts().len();
    let agent = frontline(
        &["agent", "--as", "root", "--config", cfg, "--data", data],
        &format!("claim {id}\nreply {id} I reset your VPN profile, please try again\n"),
    );
    let said = String::from_utf8_lossy(&agent.stdout);
    assert!(said.contains(&format!("{id} is yours")), "{said}");
    assert!(said.contains(&format!("{id}: sent to jan")), "{said}");
    let resolve = frontline(
        &[
            "tickets",
            "resolve",
            &id,
            "--as",
            "root",
            "--minutes",
            "10",
            "--note",
            "VPN profile reset",
            "--config",
            cfg,
            "--data",
            data,
        ],
        "",
    );
    assert!(resolve.status.success(), "{resolve:?}");
    assert_eq!(
        dm_posts().len(),
        seen_before,
        "no process serves Discord yet"
    );

    let pending = frontline(
        &[
            "outbox",
            "list",
            "--pending",
            "--platform",
            "discord",
            "--json",
            "--config",
            cfg,
            "--data",
            data,
        ],
        "",
    );
    let entries: Vec<Value> = String::from_utf8_lossy(&pending.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON entry per line"))
        .collect();
    let for_jan = entries
        .iter()
        .filter(|e| e["recipient"] == format!("discord:{JAN}"))
        .count();
    assert_eq!(
        for_jan, 3,
        "claim, reply and resolution wait for jan: {entries:#?}"
    );
    assert!(
        entries.iter().all(|e| e["state"] == "pending"),
        "{entries:#?}"
    );

    // A bot serving Discord starts: its outbox worker delivers what waited, in order.
    let store: Arc<dyn Store> = Arc::new(SledStore::open(Path::new(data)).expect("store reopens"));
    let bot = Bot::start_with(&mock, store.clone(), 2, parse_config(&toml)).await;
    let resolved = nth(&mock, post_in(JAN_DM), seen_before + 3).await;
    let told: Vec<String> = dm_posts()[seen_before..]
        .iter()
        .map(|r| r.content().to_string())
        .collect();
    assert_eq!(
        told,
        [
            format!("root is now handling ticket {id}."),
            format!("root (support, {id}): I reset your VPN profile, please try again"),
            resolved.content().to_string(),
        ],
        "{told:#?}"
    );
    assert!(
        resolved
            .content()
            .starts_with(&format!("Ticket {id} has been resolved: VPN profile reset")),
        "{resolved}"
    );
    // The card was edited in place (claimed, then resolved with no buttons left).
    let card_path = format!("/channels/{CH_NETWORK}/messages/{card_mid}");
    let edits = mock
        .wait_for_n(|r| r.is("PATCH", &card_path), 2, WAIT)
        .await
        .expect("the card is updated twice");
    assert!(edits[1].custom_ids().is_empty(), "{}", edits[1]);
    // Nothing is left waiting for Discord, and the user's rating still works.
    let waiting = |store: &Arc<dyn Store>| {
        store
            .outbox(&frontline::store::OutboxFilter {
                pending: true,
                platform: Some(frontline::tickets::Platform::Discord),
                ..Default::default()
            })
            .expect("outbox readable")
    };
    for _ in 0..100 {
        if waiting(&store).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(waiting(&store), vec![]);
    let thanks = inject_then(&mock, mock.dm_message(JAN_DM, &jan(), "5"), post_in(JAN_DM)).await;
    assert!(thanks.content().contains("Thank you"), "{thanks}");
    assert_eq!(ticket(&store, &id).rating, Some(5));
    bot.stop().await;
}

/// An L3 agent by Discord role.
fn carol() -> Person {
    Person::user(CAROL, "carol").with_roles(&[L3_ROLE])
}

// Passes alone and with `--test-threads=1`, but in a run of the whole binary the press of
// "Escalate to vendor" after the L3 claim is never answered (no request reaches the mock, even
// with one in-process bot at a time). Not understood yet: run it with
// `cargo test --release --test discord story_9 -- --ignored`.
#[ignore = "the vendor-form press is lost when the whole discord binary runs; see the comment"]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn story_9_an_l3_agent_sends_the_case_to_a_vendor_from_the_card() {
    let mock = MockDiscord::start().await;
    let store = store();
    let toml = config_toml(&mock)
        + "\n[[vendors]]\nid = \"acme-net\"\nname = \"ACME Networks\"\ntier = \"L4\"\nemail = \"support@acme-net.example\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nfrom = \"help@desk.example\"\n";
    let bot = Bot::start_with(&mock, store.clone(), 1, parse_config(&toml)).await;
    let (id, card_mid) = open_vpn_ticket(&mock, &jan(), JAN_DM).await;
    let network = mock.guild(CH_NETWORK);
    let card_path = format!("/channels/{CH_NETWORK}/messages/{card_mid}");

    // Carol (L3) claims and escalates to engineering with the card's form.
    let press = mock.component_press(network, &carol(), &format!("fl:claim:{id}"), card_mid);
    inject_then(&mock, press.clone(), |r| r.is("PATCH", &card_path)).await;
    let press = mock.component_press(network, &carol(), &format!("fl:escalate:{id}"), card_mid);
    let form = inject_then(&mock, press.clone(), callback_of(&press)).await;
    assert_eq!(modal_inputs(&form), ["note"], "{form}");
    let submit = mock.modal_submit(
        network,
        &carol(),
        &format!("fl:escalate-form:{id}"),
        &[("note", "gateway drops IPsec rekeys")],
    );
    let l3_card = inject_then(&mock, submit, post_in(CH_L3)).await;
    let l3_mid = card_message_id(&mock, &l3_card, &id);
    // At L3 the way up leads outside the desk.
    assert_eq!(
        labels(&l3_card),
        ["Claim", "Transfer", "Escalate to vendor", "Resolve"],
        "{l3_card}"
    );
    let l3 = mock.guild(CH_L3);
    let l3_path = format!("/channels/{CH_L3}/messages/{l3_mid}");
    let press = mock.component_press(l3, &carol(), &format!("fl:claim:{id}"), l3_mid);
    inject_then(&mock, press.clone(), |r| r.is("PATCH", &l3_path)).await;

    // "Escalate to vendor": a form for which vendor and the note.
    let press = mock.component_press(l3, &carol(), &format!("fl:vendor:{id}"), l3_mid);
    let form = inject_then(&mock, press.clone(), callback_of(&press)).await;
    assert_eq!(
        form.body["data"]["custom_id"],
        json!(format!("fl:vendor-form:{id}")),
        "{form}"
    );
    assert_eq!(modal_inputs(&form), ["vendor", "note"], "{form}");
    let edits_before = mock
        .requests()
        .iter()
        .filter(|r| r.is("PATCH", &l3_path))
        .count();
    let submit = mock.modal_submit(
        l3,
        &carol(),
        &format!("fl:vendor-form:{id}"),
        &[
            ("vendor", ""),
            ("note", "Please check the gateway firmware."),
        ],
    );
    let told = inject_then(&mock, submit, |r| {
        post_in(JAN_DM)(r) && r.content().contains("needs help from")
    })
    .await;
    assert_eq!(
        told.content(),
        format!(
            "Ticket {id} needs help from ACME Networks: we have sent them the case and carol stays on it with you. We will let you know what they say."
        ),
        "{told}"
    );
    let card = nth(&mock, |r| r.is("PATCH", &l3_path), edits_before + 1).await;
    // (Discord shows the address as written; the zero-width space keeps `@` from mentioning.)
    assert_eq!(
        field(&card, "Vendor").replace('\u{200b}', ""),
        "ACME Networks (L4, e-mail to support@acme-net.example), no case number yet; no reply yet",
        "{card}"
    );
    assert_eq!(
        labels(&card),
        [
            "Unclaim",
            "Transfer",
            "Vendor reply",
            "Log time",
            "Resolve",
            "Propose visit"
        ],
        "{card}"
    );
    let t = ticket(&store, &id);
    assert_eq!(t.tier, frontline::tickets::Tier::L4);
    assert_eq!(t.vendors[0].by, format!("discord:{CAROL}"));
    // The case waits in the outbox for `frontline run`'s mail worker.
    let mail = store
        .outbox(&frontline::store::OutboxFilter {
            pending: true,
            platform: Some(frontline::tickets::Platform::Email),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mock.unexpected().is_empty(), "{}", dump(&mock.unexpected()));
    bot.stop().await;
}
