//! One deployment, both platforms: `frontline run` with `[discord]` and `[slack]` on one desk and
//! one store, against the mock Discord and the mock Slack at once. A Slack user's problem becomes a
//! ticket whose card is in a Discord queue; a Discord agent claims it there, writes in the card's
//! Discord thread and the Slack user reads it in their Slack DM; the user's answer in Slack comes
//! back to the agent on Discord.

use serde_json::Value;

use crate::bot::{Bot, LIMIT};
use crate::mock_discord::{MockDiscord, Person, Recorded, snowflake};
use crate::mock_slack::{MockSlack, payloads};

const CH_QUEUE: u64 = 720_000_000_000_000_001;
const L2_ROLE: u64 = 730_000_000_000_000_002;
const AGENT: u64 = 740_000_000_000_000_003;
const ALICE: &str = "U0ALICE";

fn config(discord: &MockDiscord, slack: &MockSlack) -> String {
    let mut c = format!(
        "l3_queue = \"l3\"\n\n[discord]\napi_base = \"{}\"\n\n[slack]\nlisten = \"127.0.0.1:0\"\napi_base = \"{}\"\n\n",
        discord.api_base(),
        slack.api_base()
    );
    // Every queue on the one Discord channel: wherever triage routes, the card is there.
    for (id, tier) in [
        ("l2-general", "L2"),
        ("l2-accounts", "L2"),
        ("l2-network", "L2"),
        ("l2-collaboration", "L2"),
        ("l2-workplace", "L2"),
        ("l2-security", "L2"),
        ("l3", "L3"),
    ] {
        c += &format!(
            "[[queues]]\nid = \"{id}\"\ntier = \"{tier}\"\nplatform = \"discord\"\nchannel = \"{CH_QUEUE}\"\n\n"
        );
    }
    c +=
        &format!("[[platform_roles]]\nplatform = \"discord\"\nid = \"{L2_ROLE}\"\nrole = \"L2\"\n");
    c
}

fn agent() -> Person {
    Person::user(AGENT, "dora").with_roles(&[L2_ROLE])
}

fn card_in(r: &Recorded) -> bool {
    r.is("POST", &format!("/channels/{CH_QUEUE}/messages"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slack_user_and_a_discord_agent_on_one_desk() {
    let discord = MockDiscord::start().await;
    let slack = MockSlack::start().await;
    slack.add_user(ALICE, "alice");
    let bot = Bot::start(&config(&discord, &slack)).await;
    discord.identified().await;
    let dm = slack.dm_channel_of(ALICE);

    // Alice, on Slack: her broken screen becomes a ticket, and the card goes to Discord.
    let says = |id: &str, text: &str| payloads::dm_event(id, ALICE, &dm, text, &slack.fresh_ts());
    let r = bot
        .client
        .event(&says("Ev900", "my laptop screen is cracked"))
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let opened = slack
        .wait_post(&dm, "opened ticket T-1000", LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    assert!(opened.text().contains("T-1000"));
    let card = discord
        .wait_for(card_in, LIMIT)
        .await
        .unwrap_or_else(|e| panic!("no card on Discord: {e:?}\n{}", bot.log()));
    let title = card.body["embeds"][0]["title"].clone();
    assert!(title.as_str().unwrap_or("").starts_with("T-1000"), "{card}");
    let card_id = discord
        .find_message(|m| m["embeds"][0]["title"] == title)
        .map(|m| snowflake(&m["id"]))
        .expect("the card message");
    let requester: String = card.body["embeds"][0]["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["name"] == "Requester")
        .map(|f| f["value"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(requester.contains("alice"), "{requester}");

    // Dora claims on Discord; Alice is told on Slack.
    let press = discord.component_press(
        discord.guild(CH_QUEUE),
        &agent(),
        "fl:claim:T-1000",
        card_id,
    );
    discord.inject(press);
    let told = slack
        .wait_post(&dm, "now handling ticket T-1000", LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    assert!(told.text().contains("dora"), "{}", told.text());

    // Dora writes in the card's Discord thread; Alice reads it in Slack.
    let thread = card_id; // a thread started from a message has the message's id
    discord
        .wait_for(
            |r| {
                r.is(
                    "POST",
                    &format!("/channels/{CH_QUEUE}/messages/{card_id}/threads"),
                )
            },
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("no agent thread: {e:?}\n{}", bot.log()));
    bot.agent_threads_recorded().await;
    discord.inject(discord.message_create(
        discord.guild(thread),
        &agent(),
        "is the screen black or cracked glass with a picture?",
    ));
    slack
        .wait_post(&dm, "is the screen black or cracked glass", LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));

    // Alice answers in Slack; Dora gets it on Discord.
    let r = bot
        .client
        .event(&says("Ev901", "cracked glass, the picture is fine"))
        .await;
    assert_eq!(r.status().as_u16(), 200);
    discord
        .wait_for(
            |r| r.method == "POST" && r.content().contains("cracked glass, the picture is fine"),
            LIMIT,
        )
        .await
        .unwrap_or_else(|e| panic!("the answer did not reach Discord: {e:?}\n{}", bot.log()));

    // The CLI beside the bot sees one ticket, from a Slack requester, claimed by a Discord agent.
    let shown = bot.cli(&["tickets", "show", "T-1000", "--json"]).await;
    let t: Value = serde_json::from_str(&shown).unwrap_or_else(|e| panic!("{e}: {shown}"));
    assert_eq!(t["ticket"]["requester"]["platform"], "slack", "{t}");
    assert_eq!(t["ticket"]["assignee_user"]["platform"], "discord", "{t}");
    assert!(slack.unexpected().is_empty(), "{:?}", slack.unexpected());
    bot.stop().await;
}
