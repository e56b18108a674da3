//! Load benchmark of the Discord adapter: simulated users DM the bot through the mock Discord
//! (`tests/mock_discord`, REST + gateway on 127.0.0.1, in this same process) and the bot (the real
//! serenity client from `frontline::platform::discord::client`, the default pack, a durable sled store in a
//! temporary directory) answers over REST.
//!
//! ```sh
//! cargo run --release --example discord_load [-- --users 500 --messages 20 --concurrency 100]
//! ```
//!
//! Each user sends its messages one after another (the next once the bot has answered the previous
//! one completely); `--concurrency` users are in conversation at once. The messages are the pack's
//! example phrases in both languages, drawn with a fixed seed, so some lead to FAQ answers, some to
//! follow-up questions and tickets (durable writes), some to replies on open tickets.
//!
//! Latency is measured per message from the injection into the mock's gateway to the arrival of the
//! bot's first reply (POST /channels/{dm}/messages) at the mock's REST side; "all" is to the last
//! REST call the message causes (replies, card post or edit). How many that is per message is
//! learned beforehand by replaying every user's script through a separate desk on a temporary
//! store. Peak RSS is the process's VmHWM and includes the mock (which forgets what it recorded
//! every 200 ms) and that replay.

#[path = "../tests/mock_discord/mod.rs"]
#[allow(unused_imports)]
mod mock_discord;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use frontline::config::Config;
use frontline::desk::{Action, Address, Desk, Event, Incoming};
use frontline::pack::Pack;
use frontline::platform::discord::render::split_message;
use frontline::store::{Filter, SledStore, Store};
use frontline::tickets::{Platform, UserRef, now_ms};
use frontline::triage::Triage;
use mock_discord::{MockDiscord, Person};
use tokio::sync::oneshot;

const USER_BASE: u64 = 700_000_000_000_000_000;
const DM_BASE: u64 = 600_000_000_000_000_000;
const CHANNEL_BASE: u64 = 220_000_000_000_000_000;
const L2_ROLE: u64 = 300_000_000_000_000_002;

struct Args {
    users: usize,
    messages: usize,
    concurrency: usize,
    seed: u64,
}

fn args() -> Result<Args> {
    let mut a = Args {
        users: 500,
        messages: 20,
        concurrency: 100,
        seed: 42,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or_else(|| anyhow!("{k} needs a value"))?;
        let n: u64 = v.parse().with_context(|| format!("{k} {v}"))?;
        match k.as_str() {
            "--users" => a.users = n as usize,
            "--messages" => a.messages = n as usize,
            "--concurrency" => a.concurrency = (n as usize).max(1),
            "--seed" => a.seed = n,
            _ => bail!("unknown option {k} (--users, --messages, --concurrency, --seed)"),
        }
    }
    Ok(a)
}

fn config(api_base: &str) -> Result<Config> {
    let queues = [
        ("l2-general", "L2"),
        ("l2-accounts", "L2"),
        ("l2-network", "L2"),
        ("l2-collaboration", "L2"),
        ("l2-workplace", "L2"),
        ("l2-security", "L2"),
        ("l3-engineering", "L3"),
    ];
    let mut toml = format!(
        "l3_queue = \"l3-engineering\"\n\n[discord]\napi_base = \"{api_base}\"\n\n\
         [[platform_roles]]\nplatform = \"discord\"\nid = \"{L2_ROLE}\"\nrole = \"L2\"\n\n"
    );
    for (i, (id, tier)) in queues.iter().enumerate() {
        toml.push_str(&format!(
            "[[queues]]\nid = \"{id}\"\ntier = \"{tier}\"\nplatform = \"discord\"\nchannel = \"{}\"\n\n",
            CHANNEL_BASE + 1 + i as u64
        ));
    }
    for (p, f, r) in [
        ("P1", 15, 240),
        ("P2", 60, 480),
        ("P3", 240, 1440),
        ("P4", 480, 4320),
    ] {
        toml.push_str(&format!(
            "[sla.{p}]\nfirst_response_minutes = {f}\nresolution_minutes = {r}\n\n"
        ));
    }
    Config::parse(Path::new("discord_load.toml"), &toml).map_err(|e| anyhow!("{e}"))
}

/// xorshift64*: a fixed, dependency-free sequence.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn user_ref(u: usize) -> UserRef {
    UserRef {
        platform: Platform::Discord,
        id: (USER_BASE + u as u64).to_string(),
        name: format!("user{u}"),
    }
}

/// How many messages the user receives for each of their messages: the desk's replies and notices
/// addressed to them, each split as the adapter splits it.
fn replies_to<'a>(user: &UserRef, actions: impl Iterator<Item = &'a Action>) -> usize {
    actions
        .map(|a| match a {
            Action::Reply { to, text, .. } | Action::Notify { to, text, .. } if to == user => {
                split_message(text).len()
            }
            _ => 0,
        })
        .sum()
}

/// How many card posts and edits (REST calls carrying the requester's card) a message causes.
fn card_calls<'a>(actions: impl Iterator<Item = &'a Action>) -> usize {
    actions
        .filter(|a| {
            matches!(a, Action::PostCard { platform, .. } | Action::UpdateCard { platform, .. }
                if *platform == Platform::Discord)
        })
        .count()
}

/// The user a REST call is for: a DM reply (by its channel) or a card (by its Requester field).
fn user_of(r: &mock_discord::Recorded) -> Option<(usize, bool)> {
    let rest = r.path.strip_prefix("/channels/")?;
    let (channel, tail) = rest.split_once('/')?;
    let channel: u64 = channel.parse().ok()?;
    if r.method == "POST" && tail == "messages" && (DM_BASE..USER_BASE).contains(&channel) {
        return Some(((channel - DM_BASE) as usize, true));
    }
    if (CHANNEL_BASE..CHANNEL_BASE + 100).contains(&channel) && tail.starts_with("messages") {
        let requester = r.body["embeds"][0]["fields"]
            .as_array()?
            .iter()
            .find(|f| f["name"] == "Requester")?["value"]
            .as_str()?;
        let id: u64 = requester
            .split("(discord:")
            .nth(1)?
            .trim_end_matches(')')
            .parse()
            .ok()?;
        return Some(((id - USER_BASE) as usize, false));
    }
    None
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// A message waiting for its replies.
struct Waiter {
    expected: usize,
    got: usize,
    first: Option<Instant>,
    done: Option<oneshot::Sender<(Instant, Instant)>>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = args()?;
    let total = args.users * args.messages;
    println!(
        "discord_load: {} users x {} messages = {total}, {} users at a time, seed {}",
        args.users, args.messages, args.concurrency, args.seed
    );

    let t = Instant::now();
    let pack = Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
        .map_err(|e| anyhow!("{e}"))?;
    let triage = Arc::new(Triage::new(pack).map_err(|e| anyhow!("{e}"))?);
    println!("pack and triage built in {}", ms(t.elapsed()));

    // The scripts: example phrases of every intent, both languages.
    let pool: Vec<String> = triage
        .pack()
        .intents
        .iter()
        .flat_map(|i| i.examples.iter().map(|e| e.text.clone()))
        .collect();
    let mut rng = Rng(args.seed.max(1));
    let scripts: Vec<Vec<String>> = (0..args.users)
        .map(|_| {
            (0..args.messages)
                .map(|_| pool[(rng.next() % pool.len() as u64) as usize].clone())
                .collect()
        })
        .collect();

    // Replay every script through a separate desk to learn how many replies each message gets.
    let t = Instant::now();
    let shadow_cfg = config("http://127.0.0.1:9")?;
    let shadow = Desk::new(
        triage.clone(),
        shadow_cfg,
        Arc::new(SledStore::temporary().map_err(|e| anyhow!("{e}"))?),
    );
    let expected: Vec<Vec<usize>> = std::thread::scope(|s| {
        let chunk = args.users.div_ceil(8).max(1);
        let handles: Vec<_> = scripts
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let shadow = &shadow;
                s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, script)| {
                            let user = user_ref(c * chunk + i);
                            script
                                .iter()
                                .map(|text| {
                                    let event = Event::UserMessage {
                                        user: user.clone(),
                                        text: text.clone(),
                                    };
                                    let p = shadow
                                        .process(
                                            Incoming::plain(event).at(Address::direct()),
                                            now_ms(),
                                        )
                                        .expect("shadow desk");
                                    let actions = || p.outbox().iter().map(|e| &e.action);
                                    replies_to(&user, actions()) + card_calls(actions())
                                })
                                .collect::<Vec<usize>>()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("shadow thread"))
            .collect()
    });
    let shadow_tickets = shadow
        .store()
        .list(&Filter::default())
        .map_err(|e| anyhow!("{e}"))?
        .len();
    let expected_calls: usize = expected.iter().flatten().sum();
    drop(shadow);
    println!(
        "replayed the scripts on a separate desk in {}: {expected_calls} replies and card posts/edits, {shadow_tickets} tickets expected",
        ms(t.elapsed())
    );

    // The bot on a durable store, against the mock.
    let mock = Arc::new(MockDiscord::start().await);
    let dir = tempfile::tempdir()?;
    let sled = Arc::new(SledStore::open(dir.path()).map_err(|e| anyhow!("{e}"))?);
    let store: Arc<dyn Store> = sled.clone();
    let flushes_before = sled.flush_count();
    let cfg = config(&mock.api_base())?;
    cfg.check_against(triage.pack())
        .map_err(|e| anyhow!("{e}"))?;
    let settings = cfg.discord.clone().expect("[discord]");
    let desk = Arc::new(Desk::new(triage.clone(), cfg, store.clone()));
    let built = frontline::platform::discord::client(desk, settings, "mock-token").await?;
    let (stop_outbox, outbox_stopped) = tokio::sync::watch::channel(false);
    let outbox = built.spawn_outbox(outbox_stopped);
    let mut client = built.client;
    *client.ws_url.lock().await = mock.gateway_url();
    let shards = client.shard_manager.clone();
    let bot = tokio::spawn(async move { client.start().await });
    let app = mock.application_id();
    mock.wait_for(
        |r| r.is("PUT", &format!("/applications/{app}/commands")),
        Duration::from_secs(10),
    )
    .await
    .map_err(|e| anyhow!("the bot never became ready: {e}"))?;

    // Replies are timed by the mock's REST side as they arrive.
    let waiters: Arc<Mutex<HashMap<usize, Waiter>>> = Arc::default();
    let other_posts = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    {
        let waiters = waiters.clone();
        let other_posts = other_posts.clone();
        let failed = failed.clone();
        mock.observe(move |r| {
            let now = Instant::now();
            if r.status >= 400 {
                failed.fetch_add(1, Ordering::Relaxed);
            }
            let Some((user, is_reply)) = user_of(r) else {
                if r.method != "PUT" && r.path != "/users/@me/channels" && r.status < 400 {
                    other_posts.fetch_add(1, Ordering::Relaxed);
                }
                return;
            };
            let mut w = waiters.lock().unwrap();
            let Some(waiter) = w.get_mut(&user) else {
                failed.fetch_add(1, Ordering::Relaxed);
                eprintln!("a call nobody waited for: {r}");
                return;
            };
            waiter.got += 1;
            if is_reply {
                waiter.first.get_or_insert(now);
            }
            if waiter.got == waiter.expected {
                let first = waiter.first.unwrap_or(now);
                if let Some(done) = waiter.done.take() {
                    let _ = done.send((first, now));
                }
                w.remove(&user);
            }
        });
    }
    let forget = {
        let mock = mock.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                mock.clear_history();
            }
        })
    };

    let rss_before = status_kb("VmHWM:");
    let next_user = Arc::new(AtomicUsize::new(0));
    let scripts = Arc::new(scripts);
    let expected = Arc::new(expected);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency.min(args.users) {
        let (mock, waiters, next_user, scripts, expected) = (
            mock.clone(),
            waiters.clone(),
            next_user.clone(),
            scripts.clone(),
            expected.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut first = Vec::new();
            let mut complete = Vec::new();
            let mut lost = 0usize;
            loop {
                let u = next_user.fetch_add(1, Ordering::Relaxed);
                if u >= scripts.len() {
                    break;
                }
                let person = Person::user(USER_BASE + u as u64, &format!("user{u}"));
                let dm = DM_BASE + u as u64;
                for (text, &n) in scripts[u].iter().zip(&expected[u]) {
                    let event = mock.dm_message(dm, &person, text);
                    let (tx, rx) = oneshot::channel();
                    waiters.lock().unwrap().insert(
                        u,
                        Waiter {
                            expected: n,
                            got: 0,
                            first: None,
                            done: Some(tx),
                        },
                    );
                    let sent = Instant::now();
                    mock.inject(event);
                    match tokio::time::timeout(Duration::from_secs(10), rx).await {
                        Ok(Ok((f, last))) => {
                            first.push(f - sent);
                            complete.push(last - sent);
                        }
                        _ => {
                            lost += 1;
                            waiters.lock().unwrap().remove(&u);
                        }
                    }
                }
            }
            (first, complete, lost)
        }));
    }
    let mut first = Vec::with_capacity(total);
    let mut complete = Vec::with_capacity(total);
    let mut lost = 0;
    for t in tasks {
        let (f, c, l) = t.await?;
        first.extend(f);
        complete.extend(c);
        lost += l;
    }
    let elapsed = started.elapsed();
    let flushes = sled.flush_count() - flushes_before;
    forget.abort();
    let rss_peak = status_kb("VmHWM:");
    let rss_now = status_kb("VmRSS:");
    first.sort();
    complete.sort();
    let tickets = store.list(&Filter::default()).map_err(|e| anyhow!("{e}"))?;

    println!();
    println!(
        "messages answered     {} of {total} ({lost} without their expected replies within 10 s)",
        first.len()
    );
    println!(
        "wall time             {:.2} s, {:.0} messages/s",
        elapsed.as_secs_f64(),
        first.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "store flushes         {flushes} for {total} messages ({:.2} per message; group commit shares one flush among the turns waiting for it)",
        flushes as f64 / total as f64
    );
    println!(
        "first reply latency   p50 {}  p90 {}  p99 {}  max {}",
        ms(pct(&first, 0.50)),
        ms(pct(&first, 0.90)),
        ms(pct(&first, 0.99)),
        ms(pct(&first, 1.0))
    );
    println!(
        "all replies latency   p50 {}  p90 {}  p99 {}  max {}",
        ms(pct(&complete, 0.50)),
        ms(pct(&complete, 0.90)),
        ms(pct(&complete, 0.99)),
        ms(pct(&complete, 1.0))
    );
    println!(
        "tickets               {} opened (replay expected {shadow_tickets}); {} other REST calls; {} REST errors or stray calls",
        tickets.len(),
        other_posts.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    println!(
        "peak RSS (VmHWM)      {:.1} MB ({:.1} MB before the load: pack, replay, mock, client); VmRSS now {:.1} MB",
        rss_peak as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        rss_now as f64 / 1024.0
    );
    println!("                      the mock Discord runs in this process and is included");

    shards.shutdown_all().await;
    bot.abort();
    let _ = stop_outbox.send(true);
    let _ = outbox.await;
    if lost > 0 || tickets.len() != shadow_tickets {
        bail!(
            "the run did not match the replay: {lost} messages lost, {} tickets",
            tickets.len()
        );
    }
    Ok(())
}
