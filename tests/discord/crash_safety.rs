//! Crash safety of `frontline run`: the real binary serves the mock Discord of `tests/mock_discord`
//! (which runs in this test process and outlives the bot), 200 scripted DM conversations run
//! against it (FAQ, "no", the follow-up questions, the ticket, an agent's Claim on the card and a
//! message in the ticket thread relayed to the user), 20 at a time, and a killer SIGKILLs the bot
//! 20 times and starts it again on the same data directory: kill k once k/21 of all steps are done
//! and the bot has been connected a random 150–600 ms, so kills spread over the run and land in
//! whatever the bot is doing (turns in flight, deliveries, the drain after the previous crash).
//!
//! The mock delivers gateway events only to a connected bot, so a step whose answer did not come
//! is sent again with the same message or interaction id once the next bot is up: a redelivery,
//! which the event's idempotency key must make count once. The mock honours `enforce_nonce` as
//! Discord does, so a reply the bot sends again after a crash shows once.
//!
//! Afterwards, read through the CLI: every conversation has exactly one ticket; every message a
//! user saw is an outbox entry for that user with that text and has a `message` record in the log;
//! every outbox entry is delivered and visible exactly once, or still pending; each user message
//! and agent message was recorded once however often it was delivered. Interaction follow-ups
//! (webhooks) take no nonce: one sent again after a crash is counted in the summary, not failed.
//!
//! `CRASH_SEED=<n>` sets the seed of the kill delays (printed with the summary; the moments still
//! depend on timing). A failed run keeps its data directory, config and bot output for a look.

use crate::discord_e2e::{CH_NETWORK, L2_ROLE};
use crate::mock_discord;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontline::desk::log::{BotEvent, LogEntry, LogRecord};
use frontline::desk::{Action, Delivery, OutboxEntry};
use frontline::platform::discord::render::{mention_ids, split_message};
use frontline::tickets::Ticket;
use mock_discord::{MockDiscord, Person, Place, Post, snowflake};
use serde_json::Value;
use tokio::process::{Child, Command};

const CONVERSATIONS: usize = 200;
/// Conversations under way at once.
const CONCURRENCY: usize = 20;
/// SIGKILLs over the run.
const KILLS: usize = 20;
/// Events each conversation sends: message, "no", two answers, Claim, the agent's message.
const STEPS: usize = 6;
/// A kill lands at the earliest this long (ms, drawn uniformly) after the bot connected.
const UPTIME_MS: (u64, u64) = (150, 600);

/// How often a waiting step looks at the mock.
const POLL: Duration = Duration::from_millis(20);
/// After a restart, how long a step waits for an answer from the outbox before sending again.
const GRACE: Duration = Duration::from_millis(1200);
/// A live bot that has not answered in this long lost the event: send it again.
const RESEND_AFTER: Duration = Duration::from_secs(10);
/// A step that has no answer in this long fails the test.
const STEP_DEADLINE: Duration = Duration::from_secs(90);
/// How long a bot may take to connect.
const START_DEADLINE: Duration = Duration::from_secs(60);

const AGENT: u64 = 400_000_000_000_000_777;
const USER_BASE: u64 = 500_000_000_000_000_000;
const DM_BASE: u64 = 510_000_000_000_000_000;

fn agent() -> Person {
    Person::user(AGENT, "agent").with_roles(&[L2_ROLE])
}

fn user(i: usize) -> Person {
    Person::user(USER_BASE + i as u64, &format!("user{i}"))
}

fn dm(i: usize) -> u64 {
    DM_BASE + i as u64
}

/// A small seeded generator (splitmix64): the kill schedule of a run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// The Discord stories' deployment (every queue on Discord, agents by role).
fn config_text(mock: &MockDiscord) -> String {
    crate::discord_e2e::config_toml(mock)
}

/// Whether a bot is connected, and since when.
#[derive(Default)]
struct Life {
    /// When the running bot identified on the gateway; `None` while it is down or starting.
    ready_at: Option<Instant>,
    /// Bots started so far.
    starts: usize,
}

/// The bot process: `frontline run` on one data directory, its output appended to one file.
struct Bot {
    config: PathBuf,
    data: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    life: Arc<Mutex<Life>>,
}

impl Bot {
    /// Starts the bot and waits until it has identified on the mock's gateway.
    async fn start(&mut self, mock: &MockDiscord) {
        assert!(self.child.is_none(), "one bot at a time");
        let before = mock.identify_count();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("bot log file");
        let child = Command::new(env!("CARGO_BIN_EXE_frontline"))
            .arg("run")
            .arg("--config")
            .arg(&self.config)
            .arg("--data")
            .arg(&self.data)
            .env("DISCORD_TOKEN", "mock-token")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().expect("bot log file")))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("frontline run starts");
        self.child = Some(child);
        let started = Instant::now();
        while mock.identify_count() == before {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "frontline run exited before connecting ({status}):\n{}",
                    tail(&self.log)
                );
            }
            assert!(
                started.elapsed() < START_DEADLINE,
                "frontline run did not connect within {START_DEADLINE:?}:\n{}",
                tail(&self.log)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut life = self.life.lock().unwrap();
        life.ready_at = Some(Instant::now());
        life.starts += 1;
    }

    /// SIGKILL, and wait until the process is gone (its store lock with it).
    async fn kill(&mut self) {
        self.life.lock().unwrap().ready_at = None;
        let mut child = self.child.take().expect("a bot to kill");
        child.start_kill().expect("SIGKILL");
        child.wait().await.expect("killed bot reaped");
    }

    /// Stops the bot as Ctrl-C does: intake stops, the outbox drains, the store flushes.
    async fn stop(&mut self) {
        self.life.lock().unwrap().ready_at = None;
        let mut child = self.child.take().expect("a bot to stop");
        let pid = child.id().expect("running bot has a pid");
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .expect("kill -INT runs");
        assert!(sent.success(), "SIGINT to the bot");
        let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
            .await
            .unwrap_or_else(|_| panic!("the bot did not stop on SIGINT:\n{}", tail(&self.log)))
            .expect("bot reaped");
        assert!(
            status.success(),
            "clean shutdown after the crashes failed ({status}):\n{}",
            tail(&self.log)
        );
    }
}

/// The last lines of the bot's output, for failure messages.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(40);
    format!(
        "--- bot output ({} lines, last 40) ---\n{}",
        lines.len(),
        lines[from..].join("\n")
    )
}

/// What the conversations share.
struct Cx {
    mock: MockDiscord,
    life: Arc<Mutex<Life>>,
    log: PathBuf,
    steps_done: AtomicUsize,
    /// Steps sent and not answered yet.
    waiting: AtomicUsize,
    resends: AtomicUsize,
    questions: [String; 2],
}

impl Cx {
    fn ready_at(&self) -> Option<Instant> {
        self.life.lock().unwrap().ready_at
    }

    /// Injects `event` and waits until `answered` finds its answer in the mock; sends the same
    /// event again (same id) when a restart happened since it was sent and the answer did not come
    /// from the outbox within [`GRACE`], or when a live bot has ignored it for [`RESEND_AFTER`].
    async fn step<T>(
        &self,
        conversation: usize,
        what: &str,
        event: Option<&Value>,
        answered: impl Fn(&MockDiscord) -> Option<T>,
    ) -> T {
        let started = Instant::now();
        let mut last_sent = Instant::now();
        if let Some(e) = event {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            self.mock.inject(e.clone());
        }
        loop {
            if let Some(t) = answered(&self.mock) {
                if event.is_some() {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    self.steps_done.fetch_add(1, Ordering::SeqCst);
                }
                return t;
            }
            tokio::time::sleep(POLL).await;
            if let (Some(e), Some(ready)) = (event, self.ready_at()) {
                let now = Instant::now();
                let missed_restart = last_sent < ready && now - ready >= GRACE;
                let ignored = now - last_sent.max(ready) >= RESEND_AFTER;
                if missed_restart || ignored {
                    self.mock.inject(e.clone());
                    self.resends.fetch_add(1, Ordering::SeqCst);
                    last_sent = now;
                }
            }
            if started.elapsed() > STEP_DEADLINE {
                panic!(
                    "conversation {conversation}: no answer to {what} within {STEP_DEADLINE:?}; its DM:\n{}\n{}",
                    dm_dump(&self.mock, dm(conversation)),
                    tail(&self.log)
                );
            }
        }
    }
}

fn content(m: &Value) -> &str {
    m["content"].as_str().unwrap_or("")
}

fn dm_dump(mock: &MockDiscord, channel: u64) -> String {
    mock.channel_messages(channel)
        .iter()
        .map(|m| format!("  [{}] {}\n", m["nonce"], content(m)))
        .collect()
}

/// A message in the channel whose content satisfies `what`.
fn in_channel(mock: &MockDiscord, channel: u64, what: impl Fn(&str) -> bool) -> Option<Value> {
    mock.find_in_channel(channel, |m| what(content(m)))
}

/// `T-<digits>` where `prefix` ends with `T-`.
fn ticket_id_after(text: &str, prefix: &str) -> Option<String> {
    let rest = text.strip_prefix(prefix)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| format!("T-{digits}"))
}

/// One scripted conversation; returns the ticket the user was told about.
async fn converse(cx: &Cx, i: usize) -> String {
    let mock = &cx.mock;
    let me = user(i);
    let dm = dm(i);
    let say = |text: &str| mock.dm_message(dm, &me, text);

    cx.step(
        i,
        "the first message",
        Some(&say("my vpn does not connect")),
        |m| in_channel(m, dm, |c| c.contains("Did this solve it?")),
    )
    .await;
    cx.step(i, "\"no\"", Some(&say("no")), |m| {
        in_channel(m, dm, |c| c.contains(&cx.questions[0]))
    })
    .await;
    cx.step(
        i,
        "the first answer",
        Some(&say(&format!("from home, the internet works ({i})"))),
        |m| in_channel(m, dm, |c| c.contains(&cx.questions[1])),
    )
    .await;
    let ticket = cx
        .step(
            i,
            "the second answer",
            Some(&say(&format!("an endless connecting ({i})"))),
            |m| {
                in_channel(m, dm, |c| c.starts_with("I've opened ticket T-"))
                    .and_then(|msg| ticket_id_after(content(&msg), "I've opened ticket T-"))
            },
        )
        .await;

    // The card comes from the same turn's outbox; nothing to send again for it.
    let title = format!("{ticket} ·");
    let card = cx
        .step(i, "the card", None, |m| {
            m.find_in_channel(CH_NETWORK, |c| {
                c["embeds"][0]["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(&title))
            })
            .map(|c| snowflake(&c["id"]))
        })
        .await;

    let queue: Place = mock.guild(CH_NETWORK);
    let press = mock.component_press(queue, &agent(), &format!("fl:claim:{ticket}"), card);
    let joined = format!("agent is now handling ticket {ticket}.");
    let greeting = format!("{ticket}: what you write here is sent to user{i}.");
    let thread = cx
        .step(i, "the Claim", Some(&press), |m| {
            in_channel(m, dm, |c| c == joined)?;
            m.find_message(|msg| content(msg) == greeting && msg["nonce"].is_string())
                .map(|msg| snowflake(&msg["channel_id"]))
        })
        .await;

    let said = format!("try the phone hotspot, please ({i})");
    let relayed = format!("agent (support, {ticket}): {said}");
    let message = mock.message_create(mock.guild(thread), &agent(), &said);
    cx.step(i, "the agent's message", Some(&message), |m| {
        in_channel(m, dm, |c| c == relayed)
    })
    .await;
    ticket
}

/// Runs a `frontline` command on the data directory and returns its standard output.
fn cli(args: &[&str], config: &Path, data: &Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(data)
        .output()
        .expect("frontline runs");
    assert!(
        out.status.success(),
        "frontline {args:?} after the crashes: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn lines<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Vec<T> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{what} line {l}: {e}")))
        .collect()
}

/// `fl<id>` or `fl<id>.<part>` → (id, part).
fn parse_nonce(nonce: &str) -> Option<(u64, Option<usize>)> {
    let rest = nonce.strip_prefix("fl")?;
    match rest.split_once('.') {
        Some((id, part)) => Some((id.parse().ok()?, Some(part.parse().ok()?))),
        None => Some((rest.parse().ok()?, None)),
    }
}

/// The messages an entry's text becomes on Discord.
fn parts(e: &OutboxEntry) -> Vec<String> {
    split_message(&mention_ids(e.action.text().unwrap_or("")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_200_conversations_loses_and_duplicates_nothing() {
    let wall = Instant::now();
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F00D);
    let mut dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let config = dir.path().join("frontline.toml");
    let log = dir.path().join("bot.log");
    let mock = MockDiscord::start().await;
    std::fs::write(&config, config_text(&mock)).expect("config written");

    let pack = frontline::pack::Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
        .expect("default pack");
    let vpn = pack.intent("vpn").expect("vpn intent");
    let questions = [0, 1].map(|n| vpn.follow_up[n].text["en"].clone());

    let life = Arc::new(Mutex::new(Life::default()));
    let mut bot = Bot {
        config: config.clone(),
        data: data.clone(),
        log: log.clone(),
        child: None,
        life: life.clone(),
    };
    bot.start(&mock).await;
    let cx = Arc::new(Cx {
        mock,
        life,
        log: log.clone(),
        steps_done: AtomicUsize::new(0),
        waiting: AtomicUsize::new(0),
        resends: AtomicUsize::new(0),
        questions,
    });

    // The conversations, CONCURRENCY at a time.
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut conversations = tokio::task::JoinSet::new();
    for i in 0..CONVERSATIONS {
        let cx = cx.clone();
        let permits = permits.clone();
        conversations.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            (i, converse(&cx, i).await)
        });
    }

    // The killer: kill k waits until k/(KILLS+1) of all steps are done, so kills spread over the
    // run, then until the bot has been up a random 150–600 ms, and kills it in whatever it does.
    let finished = Arc::new(AtomicBool::new(false));
    let killer = {
        let cx = cx.clone();
        let finished = finished.clone();
        tokio::spawn(async move {
            let mut bot = bot;
            let mut rng = Rng(seed);
            // Per kill: the bot's time up (ms) and the steps waiting for an answer.
            let mut kills: Vec<(u128, usize)> = Vec::new();
            let total = CONVERSATIONS * STEPS;
            for k in 1..=KILLS {
                let threshold = k * total / (KILLS + 1);
                while cx.steps_done.load(Ordering::SeqCst) < threshold {
                    if finished.load(Ordering::SeqCst) {
                        return (bot, kills);
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let uptime = Duration::from_millis(rng.between(UPTIME_MS.0, UPTIME_MS.1));
                let ready = cx.ready_at().expect("the bot is up between kills");
                tokio::time::sleep_until((ready + uptime).into()).await;
                kills.push((
                    ready.elapsed().as_millis(),
                    cx.waiting.load(Ordering::SeqCst),
                ));
                bot.kill().await;
                bot.start(&cx.mock).await;
            }
            (bot, kills)
        })
    };

    // The first conversation that fails stops the run.
    let mut told: BTreeMap<usize, String> = BTreeMap::new();
    while let Some(done) = conversations.join_next().await {
        match done {
            Ok((i, ticket)) => {
                told.insert(i, ticket);
            }
            Err(e) => {
                conversations.abort_all();
                killer.abort();
                dir.disable_cleanup(true);
                panic!(
                    "a conversation failed (data, config and bot output kept in {}): {e}",
                    dir.path().display()
                );
            }
        }
    }
    finished.store(true, Ordering::SeqCst);
    let (mut bot, kill_log) = killer.await.expect("killer task");
    let kills = kill_log.len();
    let up_ms: Vec<u128> = kill_log.iter().map(|k| k.0).collect();
    let waiting: Vec<usize> = kill_log.iter().map(|k| k.1).collect();
    let conversations_wall = wall.elapsed();
    bot.stop().await;
    let starts = cx.life.lock().unwrap().starts;
    let mock = &cx.mock;

    // --- The store, read through the CLI after the crashes. ---
    let tickets: Vec<Ticket> =
        serde_json::from_str(&cli(&["tickets", "list", "--json"], &config, &data))
            .expect("tickets list --json parses");
    let _ = cli(&["tickets", "list"], &config, &data);
    let outbox: Vec<OutboxEntry> = lines(
        &cli(&["outbox", "list", "--json"], &config, &data),
        "outbox",
    );
    let records: Vec<LogRecord> = lines(&cli(&["events", "--json"], &config, &data), "events");

    // No conversation has two tickets; each user's ticket is the one they were told about,
    // claimed by the agent, opened, claimed and replied to once however often events came again.
    let mut by_requester: HashMap<String, Vec<&Ticket>> = HashMap::new();
    for t in &tickets {
        by_requester.entry(t.requester.key()).or_default().push(t);
    }
    let mut problems: Vec<String> = Vec::new();
    for (i, id) in &told {
        let key = format!("discord:{}", USER_BASE + *i as u64);
        match by_requester.get(&key).map(Vec::as_slice) {
            Some([t]) if &t.id == id => {
                if t.assignee.as_deref() != Some(&format!("discord:{AGENT}")) {
                    problems.push(format!(
                        "{id} is not claimed by the agent: {:?}",
                        t.assignee
                    ));
                }
            }
            Some(ts) => problems.push(format!(
                "conversation {i} was told {id} but has tickets {:?}",
                ts.iter().map(|t| &t.id).collect::<Vec<_>>()
            )),
            None => problems.push(format!("conversation {i}: no ticket stored (told {id})")),
        }
    }
    assert_eq!(tickets.len(), CONVERSATIONS, "one ticket per conversation");

    let mut changes: HashMap<(String, &'static str), usize> = HashMap::new();
    let mut bot_events: HashMap<(String, &'static str), usize> = HashMap::new();
    let mut message_records: HashMap<u64, usize> = HashMap::new();
    let mut logged_text: HashMap<u64, Option<String>> = HashMap::new();
    for r in &records {
        match &r.entry {
            LogEntry::Ticket { event } => {
                *changes
                    .entry((event.ticket.clone(), event.change.kind()))
                    .or_default() += 1;
            }
            LogEntry::Bot { user, event } => {
                let kind = match event {
                    BotEvent::FaqOffered { .. } => "faq_offered",
                    BotEvent::FaqAnswered { .. } => "faq_answered",
                    BotEvent::FollowUpAsked { .. } => "follow_up_asked",
                    BotEvent::FollowUpAnswered { .. } => "follow_up_answered",
                    _ => "other",
                };
                *bot_events.entry((user.clone(), kind)).or_default() += 1;
            }
            LogEntry::Message { outbox, text, .. } => {
                *message_records.entry(*outbox).or_default() += 1;
                logged_text.insert(*outbox, text.clone());
            }
        }
    }
    for (i, id) in &told {
        for (kind, want) in [("opened", 1), ("claimed", 1), ("agent_replied", 1)] {
            let got = changes.get(&(id.clone(), kind)).copied().unwrap_or(0);
            if got != want {
                problems.push(format!(
                    "conversation {i}: {id} has {got} `{kind}` events, not {want}"
                ));
            }
        }
        let key = format!("discord:{}", USER_BASE + *i as u64);
        for (kind, want) in [
            ("faq_offered", 1),
            ("faq_answered", 1),
            ("follow_up_asked", 2),
            ("follow_up_answered", 2),
            ("other", 0),
        ] {
            let got = bot_events.get(&(key.clone(), kind)).copied().unwrap_or(0);
            if got != want {
                problems.push(format!(
                    "conversation {i}: {got} `{kind}` bot events in the log, not {want}"
                ));
            }
        }
    }

    // Each event made its entries once, however often it was delivered: per conversation the
    // six replies to the user, a card posted and updated, the agent thread, and one notice to
    // the agent (the Claim's confirmation; what they write in the thread is confirmed by nothing
    // but the thread itself).
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    let mut per_ticket: HashMap<(String, &'static str), usize> = HashMap::new();
    for e in &outbox {
        match &e.action {
            Action::PostCard { card, .. } => {
                *per_ticket.entry((card.ticket.clone(), "post")).or_default() += 1
            }
            Action::UpdateCard { card, .. } => {
                *per_ticket
                    .entry((card.ticket.clone(), "update"))
                    .or_default() += 1
            }
            Action::OpenAgentThread { ticket, .. } => {
                *per_ticket.entry((ticket.clone(), "thread")).or_default() += 1
            }
            a => {
                let to = a.recipient().map(|u| u.key()).unwrap_or_default();
                *per_recipient.entry(to).or_default() += 1;
            }
        }
    }
    for (i, id) in &told {
        let key = format!("discord:{}", USER_BASE + *i as u64);
        let replies = per_recipient.get(&key).copied().unwrap_or(0);
        if replies != 6 {
            problems.push(format!(
                "conversation {i}: {replies} replies in the outbox, not 6"
            ));
        }
        for kind in ["post", "update", "thread"] {
            let n = per_ticket.get(&(id.clone(), kind)).copied().unwrap_or(0);
            if n != 1 {
                problems.push(format!("{id}: {n} `{kind}` card entries, not 1"));
            }
        }
    }
    let notices = per_recipient
        .get(&format!("discord:{AGENT}"))
        .copied()
        .unwrap_or(0);
    if notices != CONVERSATIONS {
        problems.push(format!(
            "{notices} notices to the agent, not {CONVERSATIONS}"
        ));
    }
    assert_eq!(
        outbox.len(),
        10 * CONVERSATIONS,
        "outbox entries: 10 per conversation"
    );

    // Every outbox entry has exactly one `message` record, and every record an entry.
    let entries: HashMap<u64, &OutboxEntry> = outbox.iter().map(|e| (e.id, e)).collect();
    for e in &outbox {
        let n = message_records.get(&e.id).copied().unwrap_or(0);
        if n != 1 {
            problems.push(format!("outbox entry {} has {n} message records", e.id));
        }
    }
    for id in message_records.keys() {
        if !entries.contains_key(id) {
            problems.push(format!(
                "the log records message {id}, which the outbox lacks"
            ));
        }
    }

    // What the mock shows: every message the bot created carries a nonce naming an outbox entry,
    // and no nonce created two messages (a re-send after a crash was absorbed, not shown twice).
    let posts: Vec<Post> = mock.posts();
    let mut created: HashMap<String, Vec<&Post>> = HashMap::new();
    for p in posts.iter().filter(|p| !p.deduplicated) {
        match &p.nonce {
            Some(n) => created.entry(n.clone()).or_default().push(p),
            None => problems.push(format!(
                "a message without a nonce in channel {}: {:?}",
                p.channel,
                mock.message(p.message)
            )),
        }
    }
    for (nonce, ps) in &created {
        if ps.len() > 1 {
            problems.push(format!(
                "nonce {nonce} created {} messages (channels {:?})",
                ps.len(),
                ps.iter().map(|p| p.channel).collect::<Vec<_>>()
            ));
        }
        match parse_nonce(nonce) {
            Some((id, _)) if entries.contains_key(&id) => {}
            _ => problems.push(format!("nonce {nonce} names no outbox entry")),
        }
    }

    // Every message a user saw in their DM is an outbox entry for that user with that text,
    // recorded in the log, and the DM reads exactly the six answers of the script, once each.
    let mut seen_pending = 0;
    for i in 0..CONVERSATIONS {
        let key = format!("discord:{}", USER_BASE + i as u64);
        let shown = mock.channel_messages(dm(i));
        let mut answers: Vec<(u64, String)> = Vec::new();
        for m in &shown {
            let nonce = m["nonce"].as_str().unwrap_or("");
            let Some((id, Some(part))) = parse_nonce(nonce) else {
                problems.push(format!("conversation {i}: a DM without a reply nonce: {m}"));
                continue;
            };
            let Some(e) = entries.get(&id) else {
                problems.push(format!("conversation {i}: DM {nonce} has no outbox entry"));
                continue;
            };
            if e.action.recipient().map(|u| u.key()) != Some(key.clone()) {
                problems.push(format!(
                    "conversation {i}: DM {nonce} is entry {id} for {:?}: {}",
                    e.action.recipient().map(|u| u.key()),
                    e.action.summary()
                ));
            }
            if parts(e).get(part).map(String::as_str) != Some(content(m)) {
                problems.push(format!(
                    "conversation {i}: DM {nonce} reads {:?}, entry {id} says {:?}",
                    content(m),
                    e.action.text()
                ));
            }
            match logged_text.get(&id) {
                Some(Some(t)) if Some(t.as_str()) == e.action.text() => {}
                other => problems.push(format!(
                    "conversation {i}: DM {nonce} is not in the log as sent: {other:?}"
                )),
            }
            if e.state == Delivery::Pending {
                seen_pending += 1;
            }
            match answers.last_mut() {
                Some((last, text)) if *last == id => text.push_str(content(m)),
                _ => answers.push((id, content(m).to_string())),
            }
        }
        let ticket = told.get(&i).cloned().unwrap_or_default();
        let script: [&dyn Fn(&str) -> bool; 6] = [
            &|t| t.contains("Did this solve it?"),
            &|t| t.contains(&cx.questions[0]),
            &|t| t.contains(&cx.questions[1]),
            &|t| t.starts_with(&format!("I've opened ticket {ticket} ")),
            &|t| t == format!("agent is now handling ticket {ticket}."),
            &|t| t.starts_with(&format!("agent (support, {ticket}): ")),
        ];
        let fits = answers.len() == script.len()
            && answers.iter().zip(script).all(|((_, t), want)| want(t));
        if !fits {
            problems.push(format!(
                "conversation {i}: the DM does not read the script once:\n{}",
                dm_dump(mock, dm(i))
            ));
        }
    }

    // Every Discord outbox entry is delivered and visible exactly once, or still pending.
    let mut pending = 0;
    let mut followups_resent = 0;
    let mut written_instead = 0;
    let requests = mock.requests();
    for e in &outbox {
        let delivered = match e.state {
            Delivery::Delivered => true,
            Delivery::Pending => {
                pending += 1;
                false
            }
            Delivery::Failed => {
                problems.push(format!(
                    "entry {} ({}) failed: {:?}",
                    e.id,
                    e.action.summary(),
                    e.last_error
                ));
                continue;
            }
        };
        let shown = |nonce: String| created.get(&nonce).map_or(0, Vec::len);
        let counts: Vec<usize> = match &e.action {
            Action::Reply {
                interaction: Some(i),
                ..
            }
            | Action::Notify {
                interaction: Some(i),
                ..
            } => {
                // An answer to the click (a follow-up: webhooks take no nonce, so copies sent
                // again are counted, not deduplicated), or a message when the interaction could
                // not be answered any more; not both.
                let path = format!("/webhooks/{}/{}", mock.application_id(), i.token);
                parts(e)
                    .iter()
                    .enumerate()
                    .map(|(n, part)| {
                        let answers = requests
                            .iter()
                            .filter(|r| r.is("POST", &path) && r.status == 200)
                            .filter(|r| r.content() == part)
                            .count();
                        followups_resent += answers.saturating_sub(1);
                        let written = shown(format!("fl{}.{n}", e.id));
                        written_instead += written;
                        answers.min(1) + written
                    })
                    .collect()
            }
            Action::Reply { .. } | Action::Notify { .. } | Action::AskApproval { .. } => (0
                ..parts(e).len())
                .map(|n| shown(format!("fl{}.{n}", e.id)))
                .collect(),
            Action::PostCard { .. } | Action::OpenAgentThread { .. } => {
                vec![shown(format!("fl{}", e.id))]
            }
            // Slack's App Home only; never made for Discord. No automation rules here.
            Action::ShowTickets { .. } | Action::Webhook { .. } | Action::Email { .. } => vec![],
            Action::Post { text, .. } => (0..text.len().div_ceil(2000).max(1))
                .map(|n| shown(format!("fl{}.{n}", e.id)))
                .collect(),
            Action::UpdateCard { channel, card, .. } => {
                // An edit of the card (edits repeat harmlessly), or a new card posted once when
                // where the card was is unknown.
                let posted = shown(format!("fl{}", e.id));
                let prefix = format!("/channels/{channel}/messages/");
                let title = format!("{} ·", card.ticket);
                let edited = requests.iter().any(|r| {
                    r.method == "PATCH"
                        && r.path.starts_with(&prefix)
                        && r.body["embeds"][0]["title"]
                            .as_str()
                            .is_some_and(|t| t.starts_with(&title))
                });
                vec![if posted == 0 && edited { 1 } else { posted }]
            }
        };
        for n in counts {
            let ok = if delivered { n == 1 } else { n <= 1 };
            if !ok {
                problems.push(format!(
                    "entry {} ({}, {}) is visible {n} times",
                    e.id,
                    e.action.summary(),
                    e.state.as_str()
                ));
            }
        }
    }

    // No token expires in this test: every click gets its answer as a follow-up.
    if written_instead > 0 {
        problems.push(format!(
            "{written_instead} interaction answers were written as messages instead of answering \
             the click"
        ));
    }
    let absorbed = posts.iter().filter(|p| p.deduplicated).count();
    let threads_refused = requests
        .iter()
        .filter(|r| r.status == 400 && r.body.is_object() && r.path.ends_with("/threads"))
        .count();
    let unexpected = mock.unexpected();
    for r in &unexpected {
        problems.push(format!("the mock answered 404: {r}"));
    }
    let total_wall = wall.elapsed();
    eprintln!(
        "crash safety (seed {seed}): {n} conversations, {kills} kills ({starts} bot starts), \
         {resent} events re-sent, {absorbed} re-sent messages absorbed by nonce, \
         {followups_resent} interaction follow-ups re-sent, {written_instead} interaction \
         answers written as messages, {threads_refused} thread re-creations refused, {pending} outbox entries pending of {total} ({seen_pending} of them already seen), \
         {tickets} tickets; kills after {up_min}–{up_max} ms up with {w_min}–{w_max} steps \
         waiting for an answer; conversations took {conv:.1} s, the whole test {all:.1} s",
        n = told.len(),
        resent = cx.resends.load(Ordering::SeqCst),
        total = outbox.len(),
        tickets = tickets.len(),
        up_min = up_ms.iter().min().unwrap_or(&0),
        up_max = up_ms.iter().max().unwrap_or(&0),
        w_min = waiting.iter().min().unwrap_or(&0),
        w_max = waiting.iter().max().unwrap_or(&0),
        conv = conversations_wall.as_secs_f64(),
        all = total_wall.as_secs_f64(),
    );
    if !problems.is_empty() {
        dir.disable_cleanup(true);
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) after {kills} kills (data kept in {}):\n{}\n{}",
        problems.len(),
        dir.path().display(),
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        tail(&log)
    );
    assert_eq!(kills, KILLS, "every planned kill happened");
}
