//! Load benchmark of the Slack adapter's Events API endpoint: simulated people DM the bot, each
//! event a signed `POST /slack/events` as Slack sends it, and the bot (the real adapter from
//! `frontline::platform::slack::run`, the default pack, a durable sled store in a temporary
//! directory) answers through the mock Slack Web API (`tests/mock_slack`, on 127.0.0.1, in this
//! same process).
//!
//! ```sh
//! cargo run --release --example slack_load [-- --events 2000 --concurrency 50 --runs 3]
//! ```
//!
//! Every person sends exactly one event, so each reply belongs to one event. The events go out over
//! `--concurrency` keep-alive connections (one HTTP client per connection, one request at a time
//! on each), each as soon as its connection's last ack came, or paced at `--rate` events/s in all. The texts are the pack's example phrases in both languages, drawn with a fixed seed,
//! so some lead to FAQ answers, some to follow-up questions, some to tickets (durable writes and a
//! card in a queue channel).
//!
//! Per event, the ack latency is from the request being sent to its HTTP 200 arriving; the reply
//! latency is from the same moment to the mock recording the bot's first `chat.postMessage` to
//! that person's DM channel. Each run starts a fresh mock, store and adapter; the figures of every
//! run are printed, then their medians (the machine these ran on is shared, so single runs are
//! noisy). Peak RSS is the process's VmHWM so far (it only grows over runs) and includes the mock
//! and the load client.

#[path = "../tests/mock_slack/mod.rs"]
#[allow(unused_imports)]
mod mock_slack;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use frontline::config::Config;
use frontline::desk::Desk;
use frontline::pack::Pack;
use frontline::platform::observe::Observe;
use frontline::platform::slack::SlackTokens;
use frontline::store::{Filter, SledStore, Store};
use frontline::triage::Triage;
use mock_slack::{MockSlack, sign, unix_now};

const SECRET: &str = "load-signing-secret";
/// How long the bot gets to answer the last event after it was acknowledged.
const REPLY_LIMIT: Duration = Duration::from_secs(30);

struct Args {
    events: usize,
    concurrency: usize,
    runs: usize,
    seed: u64,
    /// Events per second offered in all (0: each connection sends as soon as its last ack came).
    rate: u64,
}

fn args() -> Result<Args> {
    let mut a = Args {
        events: 2000,
        concurrency: 50,
        runs: 3,
        seed: 42,
        rate: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or_else(|| anyhow!("{k} needs a value"))?;
        let n: u64 = v.parse().with_context(|| format!("{k} {v}"))?;
        match k.as_str() {
            // One event per person, so the two are the same number.
            "--events" | "--users" => a.events = (n as usize).max(1),
            "--concurrency" => a.concurrency = (n as usize).max(1),
            "--runs" => a.runs = (n as usize).max(1),
            "--seed" => a.seed = n,
            "--rate" => a.rate = n,
            _ => bail!(
                "unknown option {k} (--events or --users, --concurrency, --runs, --seed, --rate)"
            ),
        }
    }
    Ok(a)
}

/// Every queue on a Slack channel, the endpoint on `listen`.
fn config(api_base: &str, listen: SocketAddr) -> Result<Config> {
    let mut toml = format!(
        "l3_queue = \"l3-engineering\"\n\n[slack]\nlisten = \"{listen}\"\napi_base = \"{api_base}\"\n\n"
    );
    for (id, tier, channel) in [
        ("l2-general", "L2", "C0GENERAL"),
        ("l2-accounts", "L2", "C0ACCOUNTS"),
        ("l2-network", "L2", "C0NETWORK"),
        ("l2-collaboration", "L2", "C0COLLAB"),
        ("l2-workplace", "L2", "C0WORKPLACE"),
        ("l2-security", "L2", "C0SECURITY"),
        ("l3-engineering", "L3", "C0ENGINEERING"),
    ] {
        toml.push_str(&format!(
            "[[queues]]\nid = \"{id}\"\ntier = \"{tier}\"\nplatform = \"slack\"\nchannel = \"{channel}\"\n\n"
        ));
    }
    toml.push_str("[[platform_roles]]\nplatform = \"slack\"\nid = \"U0AGENT\"\nrole = \"L2\"\n");
    Config::parse(Path::new("slack_load.toml"), &toml).map_err(|e| anyhow!("{e}"))
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

fn user_id(i: usize) -> String {
    format!("U0LOAD{i:06}")
}

/// A free port on 127.0.0.1: bound, read and released (the adapter binds it again at once).
fn free_addr() -> Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?)
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

/// The 1-, 5- and 15-minute load averages.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
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

/// A signed Events API POST: `(status, body)`, or the transport error.
async fn post(
    http: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
) -> Result<(u16, String), reqwest::Error> {
    let ts = unix_now();
    let signature = sign(SECRET, ts, &body);
    let resp = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Slack-Request-Timestamp", ts.to_string())
        .header("X-Slack-Signature", signature)
        .body(body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    Ok((status, resp.text().await?))
}

/// One run's figures.
struct Run {
    events: usize,
    errors: usize,
    /// First request sent to last ack received.
    ack_wall: Duration,
    /// First request sent to last first reply recorded.
    reply_wall: Duration,
    acks: Vec<Duration>,
    replies: Vec<Duration>,
    unanswered: usize,
    /// `N x "text"` for what the unanswered people wrote.
    unanswered_texts: Vec<String>,
    api_calls: usize,
    api_errors: usize,
    tickets: usize,
    load_before: String,
    load_after: String,
    rss_peak_kb: u64,
}

impl Run {
    fn rps(&self) -> f64 {
        self.acks.len() as f64 / self.ack_wall.as_secs_f64()
    }
    fn answered_per_s(&self) -> f64 {
        self.replies.len() as f64 / self.reply_wall.as_secs_f64()
    }
}

async fn run_once(args: &Args, triage: &Arc<Triage>, texts: &[String], n: usize) -> Result<Run> {
    let mock = Arc::new(MockSlack::start().await);
    for i in 0..args.events {
        mock.add_user(&user_id(i), &format!("Load User {i}"));
    }
    let addr = free_addr()?;
    let dir = tempfile::tempdir()?;
    let sled = Arc::new(SledStore::open(dir.path()).map_err(|e| anyhow!("{e}"))?);
    let store: Arc<dyn Store> = sled;
    let cfg = config(&mock.api_base(), addr)?;
    cfg.check_against(triage.pack())
        .map_err(|e| anyhow!("{e}"))?;
    let settings = cfg.slack.clone().context("[slack]")?;
    let observe = Observe::new(store.clone());
    let desk = Arc::new(Desk::new(triage.clone(), cfg, observe.store()));
    // The bot gets its own runtime on its own threads, as `frontline run` in its own process
    // would have: the mock and the load client (this runtime) do not queue behind its tasks.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bot = std::thread::spawn(move || -> Result<()> {
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(frontline::platform::slack::run(
            desk,
            settings,
            SlackTokens {
                bot: "xoxb-test".into(),
                signing_secret: SECRET.into(),
                app: None,
            },
            observe,
            async {
                let _ = stopped.await;
            },
        ))
    });
    // Ready when a signed url_verification is answered with its challenge.
    let url = format!("http://{addr}/slack/events");
    let probe = reqwest::Client::new();
    let challenge = serde_json::to_vec(&mock_slack::url_verification("load-ready"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok((200, body)) = post(&probe, &url, challenge.clone()).await
            && body.contains("load-ready")
        {
            break;
        }
        if bot.is_finished() {
            let why = bot.join().map_err(|_| anyhow!("the adapter panicked"))?;
            bail!("the adapter stopped before serving: {why:?}");
        }
        if Instant::now() > deadline {
            bail!("the Slack endpoint on {addr} did not answer within 10 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The bodies, built beforehand: event ids unique per run, a fresh ts from the mock.
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..args.events)
            .map(|i| {
                let user = user_id(i);
                let event = mock_slack::dm_event(
                    &format!("Ev0LOAD{n:02}{i:06}"),
                    &user,
                    &mock.dm_channel_of(&user),
                    &texts[i],
                    &mock.fresh_ts(),
                );
                serde_json::to_vec(&event).expect("JSON")
            })
            .collect(),
    );

    let load_before = loadavg();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.min(args.events) {
        let (next, bodies, url, rate) = (next.clone(), bodies.clone(), url.clone(), args.rate);
        workers.push(tokio::spawn(async move {
            // One client per worker: one keep-alive connection, one request at a time.
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("HTTP client");
            let mut done = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= bodies.len() {
                    break;
                }
                if rate > 0 {
                    let at = started + Duration::from_secs_f64(i as f64 / rate as f64);
                    tokio::time::sleep_until(at.into()).await;
                }
                let sent = Instant::now();
                match post(&http, &url, bodies[i].clone()).await {
                    Ok((200, _)) => done.push((i, sent, sent.elapsed())),
                    Ok((status, body)) => {
                        errors += 1;
                        eprintln!("event {i}: HTTP {status} {body}");
                    }
                    Err(e) => {
                        errors += 1;
                        eprintln!("event {i}: {e}");
                    }
                }
            }
            (done, errors)
        }));
    }
    let mut sent_at: HashMap<String, Instant> = HashMap::with_capacity(args.events);
    let mut acks = Vec::with_capacity(args.events);
    let mut errors = 0;
    for w in workers {
        let (done, e) = w.await?;
        errors += e;
        for (i, sent, ack) in done {
            sent_at.insert(mock.dm_channel_of(&user_id(i)), sent);
            acks.push(ack);
        }
    }
    let ack_wall = started.elapsed();

    // Replies: the first successful chat.postMessage to each person's DM channel.
    let deadline = Instant::now() + REPLY_LIMIT;
    let mut first: HashMap<String, Instant> = HashMap::new();
    loop {
        first.clear();
        for c in mock.calls_to("chat.postMessage") {
            if !c.ok() {
                continue;
            }
            let channel = c.response["channel"]
                .as_str()
                .unwrap_or(c.channel())
                .to_string();
            if sent_at.contains_key(&channel) {
                first.entry(channel).or_insert(c.at);
            }
        }
        if first.len() == sent_at.len() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut replies: Vec<Duration> = first
        .iter()
        .map(|(ch, at)| at.saturating_duration_since(sent_at[ch]))
        .collect();
    let reply_wall = first
        .values()
        .max()
        .map_or(Duration::ZERO, |last| *last - started);
    let load_after = loadavg();
    // What the unanswered people had written, for the report.
    let mut unanswered_texts: HashMap<&str, usize> = HashMap::new();
    for ch in sent_at.keys().filter(|c| !first.contains_key(*c)) {
        let i: usize = ch.trim_start_matches("D0LOAD").parse().unwrap_or(0);
        *unanswered_texts.entry(texts[i].as_str()).or_default() += 1;
    }
    let mut unanswered_texts: Vec<String> = unanswered_texts
        .into_iter()
        .map(|(t, n)| format!("{n} x {t:?}"))
        .collect();
    unanswered_texts.sort();
    let rss_peak_kb = status_kb("VmHWM:");

    let _ = stop.send(());
    tokio::task::spawn_blocking(move || bot.join())
        .await?
        .map_err(|_| anyhow!("the adapter panicked"))?
        .context("the adapter")?;
    let calls = mock.calls();
    let api_errors = mock.errors();
    for e in api_errors.iter().take(5) {
        eprintln!("Web API error: {e}");
    }
    let tickets = store.list(&Filter::default()).map_err(|e| anyhow!("{e}"))?;

    acks.sort();
    replies.sort();
    Ok(Run {
        events: args.events,
        errors,
        ack_wall,
        reply_wall,
        unanswered: args.events - first.len(),
        unanswered_texts,
        acks,
        replies,
        api_calls: calls.len(),
        api_errors: api_errors.len(),
        tickets: tickets.len(),
        load_before,
        load_after,
        rss_peak_kb,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = args()?;
    // The bot's log, on stderr, only when asked for: logging every turn would be measured too.
    if std::env::var_os("RUST_LOG").is_some() {
        frontline::platform::observe::logs::init(
            frontline::platform::observe::logs::LogFormat::Text,
        )?;
    }
    println!(
        "slack_load: {} signed DM events (one per person) over {} connections, {}, {} run(s), seed {}",
        args.events,
        args.concurrency,
        match args.rate {
            0 => "each sent once its connection's last ack came".to_string(),
            r => format!("{r} events/s offered"),
        },
        args.runs,
        args.seed
    );
    println!(
        "machine: {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg()
    );

    let t = Instant::now();
    let pack = Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
        .map_err(|e| anyhow!("{e}"))?;
    let triage = Arc::new(Triage::new(pack).map_err(|e| anyhow!("{e}"))?);
    println!("pack and triage built in {}", ms(t.elapsed()));

    // The pack's example phrases of every intent, both languages, drawn with a fixed seed.
    let pool: Vec<String> = triage
        .pack()
        .intents
        .iter()
        .flat_map(|i| i.examples.iter().map(|e| e.text.clone()))
        .collect();
    let mut rng = Rng(args.seed.max(1));
    let texts: Vec<String> = (0..args.events)
        .map(|_| pool[(rng.next() % pool.len() as u64) as usize].clone())
        .collect();

    let mut runs = Vec::new();
    for n in 1..=args.runs {
        let r = run_once(&args, &triage, &texts, n).await?;
        println!();
        println!(
            "run {n}: load average {} before, {} after",
            r.load_before, r.load_after
        );
        println!(
            "  events acked        {} of {} ({} errors) in {:.2} s: {:.0} requests/s",
            r.acks.len(),
            r.events,
            r.errors,
            r.ack_wall.as_secs_f64(),
            r.rps()
        );
        println!(
            "  events answered     {} of {} ({} unanswered within {REPLY_LIMIT:?} of the last ack), the last {:.2} s after the first request: {:.0}/s",
            r.replies.len(),
            r.events,
            r.unanswered,
            r.reply_wall.as_secs_f64(),
            r.answered_per_s()
        );
        if !r.unanswered_texts.is_empty() {
            println!("  unanswered, by text {}", r.unanswered_texts.join(", "));
        }
        println!(
            "  ack latency         p50 {}  p90 {}  p99 {}  max {}",
            ms(pct(&r.acks, 0.50)),
            ms(pct(&r.acks, 0.90)),
            ms(pct(&r.acks, 0.99)),
            ms(pct(&r.acks, 1.0))
        );
        println!(
            "  reply latency       p50 {}  p90 {}  p99 {}  max {}",
            ms(pct(&r.replies, 0.50)),
            ms(pct(&r.replies, 0.90)),
            ms(pct(&r.replies, 0.99)),
            ms(pct(&r.replies, 1.0))
        );
        println!(
            "  Web API             {} calls, {} answered ok: false; {} tickets opened",
            r.api_calls, r.api_errors, r.tickets
        );
        println!(
            "  peak RSS (VmHWM)    {:.1} MB so far (mock and load client included)",
            r.rss_peak_kb as f64 / 1024.0
        );
        runs.push(r);
    }

    let med = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(f).collect());
    let med_ms = |f: &dyn Fn(&Run) -> Duration| {
        format!(
            "{:.2} ms",
            median(runs.iter().map(|r| f(r).as_secs_f64() * 1e3).collect())
        )
    };
    println!();
    println!("median of {} run(s):", runs.len());
    println!(
        "  requests/s          {:.0} (acked); answered/s {:.0}",
        med(&|r| r.rps()),
        med(&|r| r.answered_per_s())
    );
    println!(
        "  ack latency         p50 {}  p99 {}  max {}",
        med_ms(&|r| pct(&r.acks, 0.50)),
        med_ms(&|r| pct(&r.acks, 0.99)),
        med_ms(&|r| pct(&r.acks, 1.0))
    );
    println!(
        "  reply latency       p50 {}  p99 {}  max {}",
        med_ms(&|r| pct(&r.replies, 0.50)),
        med_ms(&|r| pct(&r.replies, 0.99)),
        med_ms(&|r| pct(&r.replies, 1.0))
    );
    let ack_p99 = median(
        runs.iter()
            .map(|r| pct(&r.acks, 0.99).as_secs_f64() * 1e3)
            .collect(),
    );
    println!(
        "  ack p99 < 10 ms     {} ({ack_p99:.2} ms)",
        if ack_p99 < 10.0 { "met" } else { "missed" }
    );
    println!(
        "  peak RSS (VmHWM)    {:.1} MB; load average now {}",
        status_kb("VmHWM:") as f64 / 1024.0,
        loadavg()
    );

    let failed: Vec<String> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.unanswered > 0 || r.errors > 0 || r.api_errors > 0)
        .map(|(i, r)| {
            format!(
                "run {}: {} events unanswered, {} requests failed, {} Web API errors",
                i + 1,
                r.unanswered,
                r.errors,
                r.api_errors
            )
        })
        .collect();
    if !failed.is_empty() {
        bail!(
            "not every event was acknowledged and answered:\n{}",
            failed.join("\n")
        );
    }
    println!("every event of every run was acknowledged and answered");
    Ok(())
}
