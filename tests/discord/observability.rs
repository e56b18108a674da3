//! `frontline run` with `[observability] listen`: `/healthz` answers 200 once the bot is connected
//! to the mock Discord, 503 naming the `discord` check while the mock's gateway is down, and 200
//! again after the bot reconnected by itself; `/metrics` parses as Prometheus text and its
//! counters move when a user's message is handled. Logs: plain text without colour when stderr
//! is not a terminal, one JSON object per line with `--log-format json`.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::bot_process::{BotProcess, LIMIT, has_escape};
use crate::discord_e2e::config_toml;
use crate::mock_discord::{MockDiscord, Person, Recorded};

const USER: u64 = 600_000_000_000_000_001;
const USER_DM: u64 = 610_000_000_000_000_001;

fn observed_config(mock: &MockDiscord) -> String {
    // Port 0: the bot picks a free port and logs it.
    format!(
        "{}\n[observability]\nlisten = \"127.0.0.1:0\"\n",
        config_toml(mock)
    )
}

/// `http://127.0.0.1:PORT` from the bot's `health on http://.../healthz` log line.
fn base_in(line: &str) -> String {
    let from = line.find("http://").expect("an address in the line");
    let rest = &line[from..];
    let end = rest.find("/healthz").expect("the /healthz path");
    rest[..end].to_string()
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("the listener answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// Polls `/healthz` until it answers `status`; the JSON body then.
async fn health_becomes(base: &str, status: u16, bot: &BotProcess) -> Value {
    let deadline = tokio::time::Instant::now() + LIMIT;
    let mut last = (0, String::new());
    while tokio::time::Instant::now() < deadline {
        last = get(&format!("{base}/healthz")).await;
        if last.0 == status {
            return serde_json::from_str(&last.1)
                .unwrap_or_else(|e| panic!("/healthz body is JSON ({e}): {}", last.1));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "/healthz did not answer {status} within {LIMIT:?}; last {} {}\n{}",
        last.0,
        last.1,
        bot.output()
    );
}

/// One sample of a scrape: its metric name and labels.
fn key(s: &prometheus_parse::Sample) -> String {
    let mut labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    labels.sort();
    format!("{}{{{}}}", s.metric, labels.join(","))
}

/// A scrape of `/metrics` parsed with a Prometheus text-format parser: value (or histogram
/// count) by `name{label=value,...}`. Every sample line must have parsed.
async fn scrape(base: &str) -> HashMap<String, f64> {
    let (status, text) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200, "{text}");
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let parsed = prometheus_parse::Scrape::parse(lines).expect("the exposition parses");
    let mut values = HashMap::new();
    let mut bucket_lines = 0;
    for s in &parsed.samples {
        let v = match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => {
                bucket_lines += buckets.len();
                buckets.last().map_or(0.0, |b| b.count)
            }
            prometheus_parse::Value::Summary(_) => panic!("no summaries are exposed"),
        };
        values.insert(key(s), v);
    }
    let sample_lines = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(
        parsed.samples.len()
            - parsed
                .samples
                .iter()
                .filter(|s| matches!(s.value, prometheus_parse::Value::Histogram(_)))
                .count()
            + bucket_lines,
        sample_lines,
        "every sample line parses:\n{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    values
}

/// Scrapes until `what` holds of a scrape (failing after [`LIMIT`]); that scrape.
async fn scrape_until(
    base: &str,
    what: impl Fn(&HashMap<String, f64>) -> bool,
) -> HashMap<String, f64> {
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let scraped = scrape(base).await;
        if what(&scraped) {
            return scraped;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/metrics did not show what the test waits for within {LIMIT:?}: {scraped:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn value(scrape: &HashMap<String, f64>, key: &str) -> f64 {
    scrape.get(key).copied().unwrap_or(0.0)
}

/// The sum of every sample whose key starts with `prefix`.
fn sum(scrape: &HashMap<String, f64>, prefix: &str) -> f64 {
    scrape
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, v)| v)
        .sum()
}

fn posted_in(channel: u64) -> impl Fn(&Recorded) -> bool {
    let path = format!("/channels/{channel}/messages");
    move |r| r.method == "POST" && r.path == path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_follows_the_connection_and_metrics_count_a_handled_message() {
    let mock = MockDiscord::start().await;
    let mut bot = BotProcess::start(&observed_config(&mock), "mock-token", &[]);
    let listening = bot.line(|l| l.contains("/healthz")).await;
    let base = base_in(&listening);

    let up = health_becomes(&base, 200, &bot).await;
    assert_eq!(up["status"], "ok", "{up}");
    assert_eq!(up["checks"]["store"], "ok", "{up}");
    assert_eq!(up["checks"]["discord"], "ok", "{up}");
    assert_eq!(up["failed"], serde_json::json!([]), "{up}");

    let before = scrape(&base).await;
    let user = Person::user(USER, "jan");
    mock.inject(mock.dm_message(USER_DM, &user, "my vpn keeps disconnecting"));
    let reply = mock
        .wait_for(posted_in(USER_DM), LIMIT)
        .await
        .expect("the bot answers the message");
    assert!(!reply.content().is_empty(), "{reply}");
    // The bot counts a delivery once the mock's answer is back, a moment after the mock saw it.
    let delivered = "frontline_outbox_deliveries_total{outcome=delivered,platform=discord}";
    let after = scrape_until(&base, |m| value(m, delivered) > value(&before, delivered)).await;

    let received = r#"frontline_events_received_total{event=user_message,platform=discord}"#;
    assert_eq!(value(&after, received) - value(&before, received), 1.0);
    let decisions = "frontline_decisions_total{";
    assert_eq!(
        sum(&after, decisions) - sum(&before, decisions),
        1.0,
        "{after:?}"
    );
    let latency = "frontline_outbox_delivery_latency_seconds{platform=discord}";
    assert!(
        value(&after, latency) > value(&before, latency),
        "{after:?}"
    );
    let commits = "frontline_store_commit_latency_seconds_count{";
    assert!(sum(&after, commits) > sum(&before, commits), "{after:?}");
    assert!(
        after.contains_key("frontline_outbox_pending{platform=discord}"),
        "{after:?}"
    );
    assert_eq!(
        value(&after, "frontline_platform_connected{platform=discord}"),
        1.0
    );

    // An outage: the gateway closes the session and refuses new ones.
    mock.gateway_down();
    let down = health_becomes(&base, 503, &bot).await;
    assert_eq!(down["status"], "failing", "{down}");
    assert_eq!(down["failed"], serde_json::json!(["discord"]), "{down}");
    assert_eq!(down["checks"]["store"], "ok", "{down}");
    let why = down["checks"]["discord"].as_str().unwrap_or("");
    assert!(why.contains("disconnected"), "{down}");

    // Back: the bot reconnects by itself (it retries after a first successful connection).
    mock.gateway_up();
    health_becomes(&base, 200, &bot).await;

    let status = bot.interrupt().await;
    assert!(status.success(), "{}", bot.output());
    for line in bot.stderr() {
        assert!(!has_escape(&line), "colour codes in {line:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line() {
    let mock = MockDiscord::start().await;
    let mut bot = BotProcess::start(&config_toml(&mock), "mock-token", &["--log-format", "json"]);
    bot.line(|l| l.contains("connected to Discord")).await;
    let status = bot.interrupt().await;
    assert!(status.success(), "{}", bot.output());
    let lines = bot.stderr();
    assert!(!lines.is_empty());
    for line in &lines {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(v["timestamp"].is_string(), "{line}");
        assert!(v["level"].is_string(), "{line}");
        assert!(v["message"].is_string(), "{line}");
    }
    let connected = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| {
            v["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("connected to Discord as frontline"))
        });
    assert_eq!(
        connected.map(|v| v["level"].clone()),
        Some(Value::from("INFO"))
    );
}
