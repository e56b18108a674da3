//! Automation rules from the command line: `frontline run` (no chat platform, only webhooks)
//! delivers a rule's webhook to a receiver on 127.0.0.1 that fails twice and then accepts: it
//! gets the event once accepted, the same delivery id on every attempt, each signed with the
//! secret from the environment; a disabled rule with the same webhook never calls it.
//! `frontline automations test` explains which rules would fire on a ticket, and why.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontline::config::DEFAULT_CONFIG;
use serde_json::Value;

use crate::common::{assert_ok, run_in, stdout, write};

/// One request the receiver got: its headers (lower-case names) and body, and what it answered.
#[derive(Debug, Clone)]
struct Got {
    headers: Vec<(String, String)>,
    body: String,
    status: u16,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// An HTTP receiver on 127.0.0.1 that answers 500 to the first `fail` requests, then 200.
fn receiver(fail: usize) -> (String, Arc<Mutex<Vec<Got>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/frontline", listener.local_addr().unwrap());
    let got: Arc<Mutex<Vec<Got>>> = Arc::default();
    let log = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let mut reader = BufReader::new(stream);
            let mut headers = Vec::new();
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                continue;
            }
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((n, v)) = line.trim().split_once(':') {
                    headers.push((n.trim().to_lowercase(), v.trim().to_string()));
                }
            }
            let len: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let mut all = log.lock().unwrap();
            let status = if all.len() < fail { 500 } else { 200 };
            all.push(Got {
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                status,
            });
            drop(all);
            let reason = if status == 200 {
                "OK"
            } else {
                "Internal Server Error"
            };
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    (url, got)
}

fn config(url: &str) -> String {
    // Every queue written local: `frontline run` serves no chat platform here.
    let local = DEFAULT_CONFIG.replace("\ntier = ", "\nplatform = \"local\"\ntier = ");
    format!(
        r#"{local}
[automations.webhooks.ops]
url = "{url}"
secret_env = "OPS_WEBHOOK_SECRET"

[[automations.rules]]
name = "security to ops"
when = "opened"
if = {{ category = "security" }}
then = [{{ webhook = "ops" }}, {{ tag = "ops-told" }}]

[[automations.rules]]
name = "old rule"
enabled = false
when = ["opened", "updated", "message"]
then = [{{ webhook = "ops" }}, {{ tag = "never" }}]
"#
    )
}

fn frontline(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--config", "frontline.toml", "--data", "store"]);
    run_in(dir, &all, stdin.as_bytes())
}

fn hmac_hex(secret: &[u8], message: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::sign(&key, message.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_webhook_that_fails_twice_receives_the_event_once_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (url, got) = receiver(2);
    write(dir, "frontline.toml", &config(&url));

    // Without the secret in the environment `run` says which variable is missing.
    let o = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["run", "--config", "frontline.toml", "--data", "store"])
        .current_dir(dir)
        .env_remove("OPS_WEBHOOK_SECRET")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(
            "OPS_WEBHOOK_SECRET is not set: the signing secret of webhook `ops` ([automations.webhooks.ops] secret_env)"
        ),
        "{o:?}"
    );

    let mut bot = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["run", "--config", "frontline.toml", "--data", "store"])
        .current_dir(dir)
        .env("OPS_WEBHOOK_SECRET", "s3cret-for-tests")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let socket = dir.join("store").join("control.sock");
    let start = Instant::now();
    while !socket.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no control socket"
        );
        assert!(bot.try_wait().unwrap().is_none(), "run stopped");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A phishing click: security, straight to a ticket. A printer question: no rule.
    let o = frontline(
        dir,
        &["chat", "--as", "jan"],
        "I clicked a link in a suspicious email and typed my password\n",
    );
    assert_ok(&o, "chat");
    assert!(stdout(&o).contains("T-1000"), "{}", stdout(&o));
    // Three attempts: 500, 500 (after 1 s and 2 s of backoff), then 200.
    let start = Instant::now();
    while got
        .lock()
        .unwrap()
        .iter()
        .filter(|g| g.status == 200)
        .count()
        == 0
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "not delivered: {:?}",
            got.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Some time for a wrong extra attempt to show.
    std::thread::sleep(Duration::from_secs(3));
    let all = got.lock().unwrap().clone();
    assert_eq!(
        all.iter().map(|g| g.status).collect::<Vec<_>>(),
        [500, 500, 200],
        "{all:#?}"
    );
    let delivery = all[0].header("x-frontline-delivery").to_string();
    assert!(!delivery.is_empty());
    for g in &all {
        assert_eq!(
            g.header("x-frontline-delivery"),
            delivery,
            "same id each try"
        );
        assert_eq!(g.body, all[0].body, "same body each try");
        assert_eq!(g.header("x-frontline-event"), "ticket.opened");
        assert_eq!(g.header("content-type"), "application/json");
        let ts = g.header("x-frontline-timestamp");
        let want = format!(
            "sha256={}",
            hmac_hex(b"s3cret-for-tests", &format!("{ts}.{}", g.body))
        );
        assert_eq!(g.header("x-frontline-signature"), want);
        // Signed with another secret it would not verify.
        assert_ne!(
            g.header("x-frontline-signature"),
            format!("sha256={}", hmac_hex(b"other", &format!("{ts}.{}", g.body)))
        );
    }
    let body: Value = serde_json::from_str(&all[2].body).unwrap();
    assert_eq!(body["event"], "ticket.opened");
    assert_eq!(body["rule"], "security to ops");
    assert_eq!(body["ticket"]["id"], "T-1000");
    assert_eq!(body["ticket"]["category"], "security");
    assert_eq!(body["id"], delivery.as_str());

    // Jan adds to the ticket: the disabled rule (opened, updated, message) calls nothing.
    let o = frontline(
        dir,
        &["chat", "--as", "jan"],
        "the sender address was billing at paypa1 dot com\nsame\n",
    );
    assert_ok(&o, "chat");
    assert!(
        stdout(&o).contains("Added to ticket T-1000."),
        "{}",
        stdout(&o)
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(got.lock().unwrap().len(), 3);
    let shown = frontline(dir, &["tickets", "show", "T-1000", "--json"], "");
    let shown: Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(shown["ticket"]["tags"], serde_json::json!(["ops-told"]));
    let outbox = frontline(dir, &["outbox", "list", "--json"], "");
    assert!(
        stdout(&outbox).contains("\"webhook\""),
        "{}",
        stdout(&outbox)
    );

    unsafe { libc::kill(bot.id() as i32, libc::SIGINT) };
    let status = bot.wait().unwrap();
    assert!(status.success(), "run: {status}");
}

#[test]
fn automations_test_says_which_rules_would_fire_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "frontline.toml", &config("http://127.0.0.1:9/x"));
    let o = frontline(
        dir,
        &["chat", "--as", "jan"],
        "I clicked a link in a suspicious email\n",
    );
    assert_ok(&o, "chat");
    let o = frontline(dir, &["automations", "test", "--ticket", "t-1000"], "");
    assert_ok(&o, "automations test");
    let text = stdout(&o);
    for want in [
        "security to ops on opened: WOULD FIRE",
        "[x] category is security (has: security)",
        "then: call webhook ops, tag ops-told",
        "old rule on opened: disabled: never fires",
    ] {
        assert!(text.contains(want), "{want:?} in:\n{text}");
    }
    let o = frontline(
        dir,
        &["automations", "test", "--ticket", "T-1000", "--json"],
        "",
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let fires: Vec<(String, String, bool)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_string(),
                r["trigger"].as_str().unwrap().to_string(),
                r["fires"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(fires.contains(&("security to ops".into(), "opened".into(), true)));
    assert!(fires.iter().all(|(r, _, f)| r != "old rule" || !f));
    // An unknown ticket and an unknown event are said plainly.
    let o = frontline(dir, &["automations", "test", "--ticket", "T-9999"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Ticket T-9999 not found."));
    let o = frontline(
        dir,
        &[
            "automations",
            "test",
            "--ticket",
            "T-1000",
            "--when",
            "closed",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--when: `closed` is not an event"),
        "{o:?}"
    );
}
