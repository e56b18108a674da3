//! `frontline run` serving Slack as a child process of a test: its own configuration (every queue
//! on a Slack channel of the mock, one L2 agent by Slack user id) and data directory, stderr
//! collected while it runs, killed when the test drops it.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::mock_slack::{MockSlack, SlackClient};

pub const SECRET: &str = "test-signing-secret";
/// The queue channels, by queue.
pub const CH_NETWORK: &str = "C0NETWORK";
pub const CH_GENERAL: &str = "C0GENERAL";
pub const CH_SUPPORT: &str = "C0SUPPORT";
pub const AGENT: &str = "U0AGENT";
pub const LIMIT: Duration = Duration::from_secs(30);

pub fn config(mock: &MockSlack) -> String {
    let queue = |id: &str, tier: &str, ch: &str| {
        format!(
            "[[queues]]\nid = \"{id}\"\ntier = \"{tier}\"\nplatform = \"slack\"\nchannel = \"{ch}\"\n\n"
        )
    };
    let mut c = format!(
        "l3_queue = \"l3-engineering\"\n\n[slack]\nlisten = \"127.0.0.1:0\"\napi_base = \"{}\"\nsupport_channels = [\"{CH_SUPPORT}\"]\n\n",
        mock.api_base()
    );
    for (id, ch) in [
        ("l2-general", CH_GENERAL),
        ("l2-accounts", "C0ACCOUNTS"),
        ("l2-network", CH_NETWORK),
        ("l2-collaboration", "C0COLLAB"),
        ("l2-workplace", "C0WORKPLACE"),
        ("l2-security", "C0SECURITY"),
    ] {
        c += &queue(id, "L2", ch);
    }
    c += &queue("l3-engineering", "L3", "C0ENGINEERING");
    c += &format!("[[platform_roles]]\nplatform = \"slack\"\nid = \"{AGENT}\"\nrole = \"L2\"\n");
    c
}

/// The same deployment over Socket Mode (no listener).
pub fn socket_config(mock: &MockSlack) -> String {
    config(mock).replace("listen = \"127.0.0.1:0\"", "socket_mode = true")
}

pub struct Bot {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
    pub client: SlackClient,
    /// `http://127.0.0.1:PORT` of the Slack endpoints.
    pub base: String,
    pub dir: tempfile::TempDir,
}

impl Bot {
    /// Starts `frontline run` on `config` and waits for its Slack endpoint's address.
    pub async fn start(config: &str) -> Bot {
        Bot::start_in(config, tempfile::tempdir().expect("temporary directory")).await
    }

    /// Starts `frontline run` on `config` with the data directory `dir` (of a bot stopped before).
    pub async fn start_in(config: &str, dir: tempfile::TempDir) -> Bot {
        let (child, stderr, dir) = spawn(config, dir);
        let mut bot = Bot {
            child,
            stderr,
            client: SlackClient::new("http://127.0.0.1:9", SECRET),
            base: String::new(),
            dir,
        };
        let base = bot.endpoint().await;
        bot.client = SlackClient::new(base.clone(), SECRET);
        bot.base = base;
        bot
    }

    /// Starts `frontline run` over Socket Mode and waits until it is connected to the mock.
    pub async fn start_socket(mock: &MockSlack, config: &str) -> Bot {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (child, stderr, dir) = spawn(config, dir);
        let bot = Bot {
            child,
            stderr,
            client: SlackClient::new("http://127.0.0.1:9", SECRET),
            base: String::new(),
            dir,
        };
        mock.socket_ready().await;
        bot
    }

    /// The Slack endpoint's base address from the bot's log line.
    async fn endpoint(&mut self) -> String {
        let (child, stderr) = (&mut self.child, &self.stderr);
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            let found = stderr.lock().unwrap().iter().find_map(|l| {
                let at = l.find("Slack endpoints on http://")?;
                let rest = &l[at + "Slack endpoints on ".len()..];
                Some(rest[..rest.find("/slack/events")?].to_string())
            });
            if let Some(b) = found {
                return b;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "frontline run exited ({status}):\n{}",
                    stderr.lock().unwrap().join("\n")
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no Slack endpoint within {LIMIT:?}:\n{}",
                stderr.lock().unwrap().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

type Lines = Arc<Mutex<Vec<String>>>;

/// `frontline run` on `config` in `dir`, with the Slack tokens in its environment.
fn spawn(config: &str, dir: tempfile::TempDir) -> (Child, Lines, tempfile::TempDir) {
    {
        let path = dir.path().join("frontline.toml");
        std::fs::write(&path, config).expect("write the configuration");
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontline"))
            .arg("run")
            .arg("--config")
            .arg(&path)
            .arg("--data")
            .arg(dir.path().join("data"))
            .env("SLACK_BOT_TOKEN", "xoxb-test")
            .env("SLACK_SIGNING_SECRET", SECRET)
            .env("SLACK_APP_TOKEN", "xapp-test")
            .env("DISCORD_TOKEN", "mock-token")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("frontline run starts");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let into = stderr.clone();
        let pipe = child.stderr.take().expect("piped stderr");
        tokio::spawn(async move {
            let mut lines = BufReader::new(pipe).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                into.lock().unwrap().push(l);
            }
        });
        (child, stderr, dir)
    }
}

impl Bot {
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Stops the bot as Ctrl-C does; its data directory stays for a restart.
    pub async fn stop(mut self) -> tempfile::TempDir {
        let pid = self.child.id().expect("running");
        let _ = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status();
        let status = tokio::time::timeout(LIMIT, self.child.wait())
            .await
            .expect("frontline run stops on SIGINT")
            .expect("wait");
        assert!(status.success(), "{status}:\n{}", self.log());
        self.dir
    }

    /// Waits until every agent thread the desk asked for is on record as delivered (the desk
    /// knows the thread belongs to the ticket from then on: a message written there a moment
    /// earlier would find nobody's thread, as a person could not type that fast).
    pub async fn agent_threads_recorded(&self) {
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            let list = self.cli(&["outbox", "list", "--json"]).await;
            // One JSON object per line.
            let entries: Vec<serde_json::Value> = list
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            let threads: Vec<&serde_json::Value> = entries
                .iter()
                .filter(|e| e["action"]["action"] == "open_agent_thread")
                .collect();
            if !threads.is_empty() && threads.iter().all(|e| e["state"] == "delivered") {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no agent thread on record within {LIMIT:?}: {list}\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The frontline CLI on this bot's data directory (through its control socket).
    pub async fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_frontline"))
            .args(args)
            .arg("--config")
            .arg(self.dir.path().join("frontline.toml"))
            .arg("--data")
            .arg(self.dir.path().join("data"))
            .output()
            .await
            .expect("frontline runs");
        // A command that printed nothing says why (its error), for the assertion's message.
        if out.stdout.is_empty() {
            return String::from_utf8_lossy(&out.stderr).into_owned();
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
