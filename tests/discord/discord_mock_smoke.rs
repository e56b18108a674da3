//! Smoke test for the mock Discord in `tests/mock_discord`: the real serenity client connects to
//! it on 127.0.0.1, identifies with the intents it was given, receives READY and injected events,
//! and what its handler sends back shows up as recorded REST calls that serenity could parse.

use crate::mock_discord;

use std::sync::Arc;
use std::time::Duration;

use mock_discord::{MockDiscord, Person, Place, Recorded, snowflake};
use serde_json::json;
use serenity::all::{
    ActionRowComponent, ApplicationId, ChannelId, ChannelType, Command, CommandOptionType, Context,
    CreateActionRow, CreateAttachment, CreateButton, CreateCommand, CreateCommandOption,
    CreateEmbed, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, CreateThread, EditInteractionResponse,
    EditMessage, EventHandler, GatewayIntents, GuildId, Interaction, InteractionId, Message, Ready,
    ResolvedValue, ShardManager, UserId,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Long enough for a loaded CI machine; everything here normally takes milliseconds.
const WAIT: Duration = Duration::from_secs(5);
const SUPPORT: u64 = 200_000_000_000_000_001;
const DM: u64 = 200_000_000_000_000_002;
const AGENT_ROLE: u64 = 300_000_000_000_000_001;

fn alice() -> Person {
    Person::user(400_000_000_000_000_001, "alice")
}

/// What the handler saw, reported to the test (handler calls run on their own tasks).
#[derive(Debug)]
enum Seen {
    Ready {
        user: u64,
        application: u64,
    },
    Message {
        content: String,
        in_guild: bool,
        author_bot: bool,
    },
    Button {
        custom_id: String,
        user: u64,
        roles: Vec<u64>,
    },
    Modal {
        custom_id: String,
        fields: Vec<(String, String)>,
    },
    Command {
        name: String,
        options: Vec<(String, String)>,
    },
    Failed(String),
}

struct Handler {
    seen: mpsc::UnboundedSender<Seen>,
}

impl Handler {
    fn report(&self, seen: Seen) {
        let _ = self.seen.send(seen);
    }
}

fn reply(content: String) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(content)
            .ephemeral(true),
    )
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        self.report(Seen::Ready {
            user: ready.user.id.get(),
            application: ready.application.id.get(),
        });
    }

    async fn message(&self, ctx: Context, msg: Message) {
        self.report(Seen::Message {
            content: msg.content.clone(),
            in_guild: msg.guild_id.is_some(),
            author_bot: msg.author.bot,
        });
        if msg.author.bot {
            return;
        }
        if let Err(e) = msg
            .channel_id
            .say(&ctx.http, format!("echo: {}", msg.content))
            .await
        {
            self.report(Seen::Failed(format!("say: {e:?}")));
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let result = match interaction {
            Interaction::Component(c) => {
                let roles = c
                    .member
                    .as_ref()
                    .map(|m| m.roles.iter().map(|r| r.get()).collect());
                self.report(Seen::Button {
                    custom_id: c.data.custom_id.clone(),
                    user: c.user.id.get(),
                    roles: roles.unwrap_or_default(),
                });
                c.create_response(&ctx.http, reply(format!("pressed {}", c.data.custom_id)))
                    .await
            }
            Interaction::Modal(m) => {
                let fields: Vec<(String, String)> = m
                    .data
                    .components
                    .iter()
                    .flat_map(|row| &row.components)
                    .filter_map(|c| match c {
                        ActionRowComponent::InputText(t) => {
                            Some((t.custom_id.clone(), t.value.clone().unwrap_or_default()))
                        }
                        _ => None,
                    })
                    .collect();
                let text = fields
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.report(Seen::Modal {
                    custom_id: m.data.custom_id.clone(),
                    fields,
                });
                m.create_response(&ctx.http, reply(format!("ticket filed: {text}")))
                    .await
            }
            Interaction::Command(c) => {
                let options: Vec<(String, String)> = c
                    .data
                    .options()
                    .iter()
                    .map(|o| {
                        let value = match &o.value {
                            ResolvedValue::String(s) => s.to_string(),
                            ResolvedValue::Integer(i) => i.to_string(),
                            ResolvedValue::Boolean(b) => b.to_string(),
                            other => format!("{other:?}"),
                        };
                        (o.name.to_string(), value)
                    })
                    .collect();
                let topic = options.first().map(|(_, v)| v.clone()).unwrap_or_default();
                self.report(Seen::Command {
                    name: c.data.name.clone(),
                    options,
                });
                // Reply, then edit the reply, then follow up: the three webhook-ish calls.
                let mut result = c
                    .create_response(&ctx.http, reply(format!("looking up {topic}…")))
                    .await;
                if result.is_ok() {
                    let edit = EditInteractionResponse::new().content(format!("FAQ for {topic}"));
                    result = c.edit_response(&ctx.http, edit).await.map(drop);
                }
                if result.is_ok() {
                    let more = CreateInteractionResponseFollowup::new().content("Anything else?");
                    result = c.create_followup(&ctx.http, more).await.map(drop);
                }
                result
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            self.report(Seen::Failed(format!("interaction: {e:?}")));
        }
    }
}

/// A serenity client running against the mock.
struct Bot {
    task: JoinHandle<serenity::Result<()>>,
    shards: Arc<ShardManager>,
    seen: mpsc::UnboundedReceiver<Seen>,
    /// Reports received but not yet asked for (handler order is not guaranteed).
    backlog: Vec<Seen>,
}

impl Bot {
    async fn start(mock: &MockDiscord, intents: GatewayIntents) -> Bot {
        let (tx, seen) = mpsc::unbounded_channel();
        let mut client = mock
            .client_builder(intents)
            .event_handler(Handler { seen: tx })
            .await
            .expect("client builds against the mock");
        // The mock's GET /gateway already gave this URL; setting it guards against serenity's
        // silent fallback to wss://gateway.discord.gg should that call ever fail.
        *client.ws_url.lock().await = mock.gateway_url();
        let shards = Arc::clone(&client.shard_manager);
        let task = tokio::spawn(async move { client.start().await });
        let mut bot = Bot {
            task,
            shards,
            seen,
            backlog: Vec::new(),
        };
        bot.expect(|s| matches!(s, Seen::Ready { .. })).await;
        bot
    }

    /// The first report matching `want`, in whatever order handlers ran; fails on a handler error.
    async fn expect(&mut self, want: impl Fn(&Seen) -> bool) -> Seen {
        if let Some(i) = self.backlog.iter().position(&want) {
            return self.backlog.remove(i);
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.seen.recv()).await;
            match next {
                Ok(Some(Seen::Failed(e))) => panic!("handler failed: {e}"),
                Ok(Some(seen)) if want(&seen) => return seen,
                Ok(Some(other)) => self.backlog.push(other),
                Ok(None) | Err(_) => panic!("handler never reported it; saw {:?}", self.backlog),
            }
        }
    }

    async fn stop(self) {
        self.shards.shutdown_all().await;
        self.task.abort();
    }
}

fn intents() -> GatewayIntents {
    GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

fn callback_of(event: &serde_json::Value) -> String {
    let d = &event["d"];
    format!(
        "/interactions/{}/{}/callback",
        d["id"].as_str().unwrap(),
        d["token"].as_str().unwrap()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_carries_the_requested_intents_and_ready_reaches_the_handler() {
    let mock = MockDiscord::start().await;
    let bot = Bot::start(&mock, intents()).await;

    let identify = mock.identified().await;
    assert_eq!(identify.intents, intents());
    assert_eq!(identify.token, "Bot mock-token");
    assert!(
        mock.requests().iter().any(|r| r.is("GET", "/gateway")),
        "REST went through the proxy"
    );
    assert_eq!(mock.gateway_connections().len(), 1);
    assert!(mock.gateway_connections()[0].starts_with("/gateway?v=10"));
    assert!(
        mock.unexpected().is_empty(),
        "unexpected calls: {:?}",
        mock.unexpected()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_names_the_mock_bot_and_application() {
    let mock = MockDiscord::start().await;
    let (tx, mut seen) = mpsc::unbounded_channel();
    let mut client = mock
        .client_builder(intents())
        .event_handler(Handler { seen: tx })
        .await
        .unwrap();
    let shards = Arc::clone(&client.shard_manager);
    let http = Arc::clone(&client.http);
    let task = tokio::spawn(async move { client.start().await });

    let ready = tokio::time::timeout(WAIT, seen.recv())
        .await
        .expect("READY in time");
    match ready {
        Some(Seen::Ready { user, application }) => {
            assert_eq!(user, mock.bot_user_id());
            assert_eq!(application, mock.application_id());
        }
        other => panic!("expected READY first, got {other:?}"),
    }
    // READY also hands serenity's Http the application id that command calls need.
    assert_eq!(
        http.application_id(),
        Some(ApplicationId::new(mock.application_id()))
    );
    shards.shutdown_all().await;
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_reach_the_handler_and_its_replies_are_posted() {
    let mock = MockDiscord::start().await;
    let mut bot = Bot::start(&mock, intents()).await;

    mock.inject(mock.guild_message(SUPPORT, &alice(), "my vpn is down"));
    mock.inject(mock.dm_message(DM, &alice(), "and my printer"));
    mock.inject(mock.guild_message(SUPPORT, &Person::bot(500, "otherbot"), "beep from a bot"));

    for (content, in_guild) in [("my vpn is down", true), ("and my printer", false)] {
        let seen = bot
            .expect(|s| matches!(s, Seen::Message { content: c, .. } if c == content))
            .await;
        assert!(
            matches!(seen, Seen::Message { in_guild: g, author_bot: false, .. } if g == in_guild)
        );
    }
    let guild_reply = format!("/channels/{SUPPORT}/messages");
    let r = mock
        .wait_for(
            |r| r.is("POST", &guild_reply) && r.content().contains("my vpn is down"),
            WAIT,
        )
        .await
        .expect("reply in the support channel");
    assert_eq!(r.content(), "echo: my vpn is down");
    let dm_reply = format!("/channels/{DM}/messages");
    mock.wait_for(
        |r| r.is("POST", &dm_reply) && r.content() == "echo: and my printer",
        WAIT,
    )
    .await
    .expect("reply in the DM");

    let seen = bot
        .expect(|s| matches!(s, Seen::Message { content, .. } if content == "beep from a bot"))
        .await;
    assert!(
        matches!(
            seen,
            Seen::Message {
                author_bot: true,
                ..
            }
        ),
        "bot flag reaches serenity"
    );
    let echoed_bot = mock
        .wait_for(|r| r.content().contains("beep"), Duration::from_millis(300))
        .await;
    assert!(echoed_bot.is_err(), "the handler ignores bots");

    // Sequence numbers increase across READY and the three dispatches.
    let seqs: Vec<u64> = mock
        .gateway_frames()
        .iter()
        .filter(|f| !f.from_client && f.payload["op"] == 0)
        .map(|f| f.payload["s"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_press_reaches_the_handler_and_its_response_is_recorded() {
    let mock = MockDiscord::start().await;
    let mut bot = Bot::start(&mock, intents()).await;

    let agent = Person::user(600, "bob").with_roles(&[AGENT_ROLE]);
    let in_guild = mock.button_press(mock.guild(SUPPORT), &agent, "ticket:close:42");
    let in_dm = mock.button_press(Place::dm(DM), &alice(), "faq:helpful");
    let (guild_path, dm_path) = (callback_of(&in_guild), callback_of(&in_dm));
    mock.inject(in_guild);
    mock.inject(in_dm);

    let seen = bot
        .expect(|s| matches!(s, Seen::Button { custom_id, .. } if custom_id == "ticket:close:42"))
        .await;
    assert!(
        matches!(seen, Seen::Button { user: 600, ref roles, .. } if roles == &[AGENT_ROLE]),
        "{seen:?}"
    );
    let seen = bot
        .expect(|s| matches!(s, Seen::Button { custom_id, .. } if custom_id == "faq:helpful"))
        .await;
    assert!(matches!(seen, Seen::Button { user, ref roles, .. }
            if user == alice().id && roles.is_empty()));

    let r = mock
        .wait_for(|r| r.is("POST", &guild_path), WAIT)
        .await
        .expect("guild callback");
    assert_eq!(r.callback_type(), Some(4));
    assert_eq!(r.content(), "pressed ticket:close:42");
    assert!(r.ephemeral());
    let r = mock
        .wait_for(|r| r.is("POST", &dm_path), WAIT)
        .await
        .expect("DM callback");
    assert_eq!(r.content(), "pressed faq:helpful");
    assert!(
        mock.unexpected().is_empty(),
        "unexpected calls: {:?}",
        mock.unexpected()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modal_submit_reaches_the_handler_and_its_response_is_recorded() {
    let mock = MockDiscord::start().await;
    let mut bot = Bot::start(&mock, intents()).await;

    let fields = [
        ("summary", "Laptop will not boot"),
        ("details", "Black screen since Monday"),
    ];
    let event = mock.modal_submit(mock.guild(SUPPORT), &alice(), "ticket:new", &fields);
    let path = callback_of(&event);
    mock.inject(event);

    let seen = bot.expect(|s| matches!(s, Seen::Modal { .. })).await;
    let Seen::Modal {
        custom_id,
        fields: got,
    } = seen
    else {
        unreachable!()
    };
    assert_eq!(custom_id, "ticket:new");
    let want: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want);
    let r = mock
        .wait_for(|r| r.is("POST", &path), WAIT)
        .await
        .expect("modal callback");
    assert_eq!(
        r.content(),
        "ticket filed: summary=Laptop will not boot, details=Black screen since Monday"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slash_command_gets_a_response_an_edit_and_a_follow_up() {
    let mock = MockDiscord::start().await;
    let mut bot = Bot::start(&mock, intents()).await;

    let options = [
        ("topic", json!("vpn")),
        ("urgent", json!(true)),
        ("count", json!(3)),
    ];
    let event = mock.slash_command(mock.guild(SUPPORT), &alice(), "faq", &options);
    let token = event["d"]["token"].as_str().unwrap().to_string();
    let path = callback_of(&event);
    mock.inject(event);

    let seen = bot.expect(|s| matches!(s, Seen::Command { .. })).await;
    let Seen::Command { name, options } = seen else {
        unreachable!()
    };
    assert_eq!(name, "faq");
    let pairs: Vec<(&str, &str)> = options
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("topic", "vpn"), ("urgent", "true"), ("count", "3")]
    );

    let app = mock.application_id();
    let r = mock
        .wait_for(|r| r.is("POST", &path), WAIT)
        .await
        .expect("command callback");
    assert_eq!(r.content(), "looking up vpn…");
    let original = format!("/webhooks/{app}/{token}/messages/@original");
    let r = mock
        .wait_for(|r| r.is("PATCH", &original), WAIT)
        .await
        .expect("edit of @original");
    assert_eq!(r.content(), "FAQ for vpn");
    let followup = format!("/webhooks/{app}/{token}");
    let r = mock
        .wait_for(|r| r.is("POST", &followup), WAIT)
        .await
        .expect("follow-up");
    assert_eq!(r.content(), "Anything else?");
    assert!(
        mock.unexpected().is_empty(),
        "unexpected calls: {:?}",
        mock.unexpected()
    );
    bot.stop().await;
}

/// Every REST answer of the mock must parse as serenity's model, or adapter code under test would
/// fail on the mock rather than on its own bugs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_answers_parse_as_serenity_models() {
    let mock = MockDiscord::start().await;
    let http = serenity::http::HttpBuilder::new("mock-token")
        .proxy(mock.api_base())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(mock.application_id()))
        .build();
    let support = ChannelId::new(SUPPORT);

    let me = http.get_current_user().await.expect("GET /users/@me");
    assert_eq!(me.id.get(), mock.bot_user_id());
    assert!(me.bot);

    let dm = UserId::new(alice().id)
        .create_dm_channel(&http)
        .await
        .expect("create DM");
    assert_eq!(dm.recipient.id.get(), alice().id);
    assert_eq!(mock.dm_channel_of(alice().id), Some(dm.id.get()));

    // Attachments go as multipart; the mock records the file names and the payload_json.
    let with_file = support
        .send_message(
            &http,
            CreateMessage::new()
                .content("Here is your log")
                .add_file(CreateAttachment::bytes(
                    b"line 1\nline 2\n".to_vec(),
                    "ticket-42.log",
                )),
        )
        .await
        .expect("send a message with a file");
    assert_eq!(with_file.attachments[0].filename, "ticket-42.log");
    let r = mock
        .wait_for(|r| r.content() == "Here is your log", WAIT)
        .await
        .unwrap();
    assert_eq!(r.files, ["ticket-42.log"]);

    let sent = support
        .send_message(
            &http,
            CreateMessage::new()
                .content("Is this solved?")
                .embed(
                    CreateEmbed::new()
                        .title("Ticket 42")
                        .description("VPN down")
                        .field("Queue", "network", true),
                )
                .components(vec![CreateActionRow::Buttons(vec![
                    CreateButton::new("ticket:solved:42").label("Solved"),
                ])]),
        )
        .await
        .expect("send a message with an embed and a button");
    assert_eq!(sent.embeds[0].title.as_deref(), Some("Ticket 42"));
    assert_eq!(
        sent.components.len(),
        1,
        "components come back as serenity parses them"
    );
    let r = mock
        .wait_for(
            |r| {
                r.is("POST", &format!("/channels/{SUPPORT}/messages"))
                    && r.content() == "Is this solved?"
            },
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(r.custom_ids(), ["ticket:solved:42"]);
    assert!(r.text().contains("VPN down") && r.text().contains("network"));

    let edited = support
        .edit_message(&http, sent.id, EditMessage::new().content("Solved."))
        .await
        .unwrap();
    assert_eq!((edited.id, edited.content.as_str()), (sent.id, "Solved."));
    assert!(edited.edited_timestamp.is_some());

    let thread = support
        .create_thread_from_message(&http, sent.id, CreateThread::new("Ticket 42"))
        .await
        .expect("thread from a message");
    assert_eq!(
        (thread.id.get(), thread.parent_id),
        (sent.id.get(), Some(support))
    );
    assert_eq!(thread.guild_id.get(), mock.guild_id());
    let private = support
        .create_thread(
            &http,
            CreateThread::new("Escalation").kind(ChannelType::PrivateThread),
        )
        .await
        .expect("standalone thread");
    assert_eq!(private.kind, ChannelType::PrivateThread);
    private
        .id
        .add_thread_member(&http, UserId::new(alice().id))
        .await
        .expect("add thread member");
    let fetched = http
        .get_channel(private.id)
        .await
        .expect("GET /channels/{id}");
    assert_eq!(
        fetched.guild().map(|c| c.name),
        Some("Escalation".to_string())
    );

    let commands = Command::set_global_commands(
        &http,
        vec![
            CreateCommand::new("faq")
                .description("Answer a question from the FAQ")
                .add_option(
                    CreateCommandOption::new(CommandOptionType::String, "topic", "What about")
                        .required(true),
                ),
        ],
    )
    .await
    .expect("bulk overwrite of global commands");
    assert_eq!(commands[0].name, "faq");
    assert_eq!(mock.commands(None).len(), 1);
    // A slash command event for a registered command carries its id.
    let event = mock.slash_command(
        mock.guild(SUPPORT),
        &alice(),
        "faq",
        &[("topic", json!("vpn"))],
    );
    assert_eq!(snowflake(&event["d"]["data"]["id"]), commands[0].id.get());

    // An interaction is answered once; Discord refuses a second callback.
    let event = mock.button_press(mock.guild(SUPPORT), &alice(), "ticket:solved:42");
    assert_eq!(
        snowflake(&event["d"]["message"]["id"]),
        sent.id.get(),
        "pressed on the bot's message"
    );
    let id = InteractionId::new(snowflake(&event["d"]["id"]));
    let token = event["d"]["token"].as_str().unwrap().to_string();
    mock.inject(event);
    let ack = CreateInteractionResponse::Acknowledge;
    http.create_interaction_response(id, &token, &ack, vec![])
        .await
        .expect("first callback");
    let again = http
        .create_interaction_response(id, &token, &ack, vec![])
        .await;
    assert!(
        format!("{again:?}").contains("40060"),
        "second callback refused: {again:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_get_a_discord_error_and_are_recorded() {
    let mock = MockDiscord::start().await;
    let http = mock.http();
    let err = http
        .get_guild(GuildId::new(mock.guild_id()))
        .await
        .expect_err("no such route in the mock");
    let text = format!("{err:?}");
    assert!(text.contains("404"), "{text}");
    let unexpected: Vec<Recorded> = mock.unexpected();
    assert_eq!(unexpected.len(), 1);
    assert!(unexpected[0].is("GET", &format!("/guilds/{}", mock.guild_id())));
}

/// Guards against silently lost events: serenity 0.12.5 turns an INTERACTION_CREATE it cannot
/// parse (here: no `attachment_size_limit`) into `Event::Unknown` without a word, and the test
/// would just time out; the mock refuses to send such an event and names the field instead.
#[tokio::test]
#[should_panic(expected = "missing field `attachment_size_limit`")]
async fn inject_refuses_an_event_serenity_could_not_parse() {
    let mock = MockDiscord::start().await;
    let mut event = mock.button_press(mock.guild(SUPPORT), &alice(), "ticket:close:42");
    event["d"]
        .as_object_mut()
        .unwrap()
        .remove("attachment_size_limit");
    mock.inject(event);
}
