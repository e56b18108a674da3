//! The CLI beside a running bot: the real `frontline run` serves the mock Discord of
//! `tests/mock_discord` and holds the store, and the real `frontline tickets ...` and
//! `frontline chat` run inside it through its control socket (`DATA/control.sock`). Offline, the
//! same commands would wait 30 s for the store and fail, so every answer here came through the
//! socket. What they print, and their exit codes, are compared with the same commands run offline
//! on a store built by the same steps; their changes reach Discord through the running bot.
//! Also: a stale socket file, a second `frontline run`, garbage on the socket, racing clients, a
//! bot stopping under an open session, and a store held by a process that does not answer.

use crate::mock_discord;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use frontline::platform::control::{Frame, PROTOCOL};
use mock_discord::{MockDiscord, snowflake};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

/// How long a bot may take to connect, and the bot's card work to reach the mock.
const WAIT: Duration = Duration::from_secs(60);

/// The Discord stories' deployment (every queue on Discord, agents by role) and one local agent,
/// alice, for the terminal commands.
fn config_text(mock: &MockDiscord) -> String {
    crate::discord_e2e::config_toml(mock)
        + "\n[[agents]]\nname = \"alice\"\nrole = \"L2\"\nplatform = \"local\"\n"
}

/// A data directory and configuration for one store.
struct Setup {
    _dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
    log: PathBuf,
}

impl Setup {
    fn new(mock: &MockDiscord) -> Setup {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("frontline.toml");
        std::fs::write(&config, config_text(mock)).expect("config written");
        Setup {
            config,
            data: dir.path().join("data"),
            log: dir.path().join("bot.log"),
            _dir: dir,
        }
    }

    fn socket(&self) -> PathBuf {
        self.data.join("control.sock")
    }

    /// `frontline ARGS --config C --data D` with `stdin`, to the end.
    async fn frontline(&self, args: &[&str], stdin: &str) -> Ran {
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontline"))
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .arg("--data")
            .arg(&self.data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("frontline starts");
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(stdin.as_bytes())
            .await
            .expect("stdin written");
        drop(input);
        let out = child.wait_with_output().await.expect("frontline ran");
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
        }
    }

    /// Starts `frontline run` and waits until it has identified on the mock's gateway.
    async fn start_bot(&self, mock: &MockDiscord) -> Child {
        let before = mock.identify_count();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("bot log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontline"))
            .arg("run")
            .arg("--config")
            .arg(&self.config)
            .arg("--data")
            .arg(&self.data)
            .env("DISCORD_TOKEN", "mock-token")
            .env("RUST_LOG", "info,serenity=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().expect("bot log file")))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .expect("frontline run starts");
        let started = Instant::now();
        while mock.identify_count() == before {
            if let Some(status) = child.try_wait().expect("bot status") {
                panic!(
                    "frontline run exited before connecting ({status}):\n{}",
                    self.bot_log()
                );
            }
            assert!(
                started.elapsed() < WAIT,
                "frontline run did not connect within {WAIT:?}:\n{}",
                self.bot_log()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        child
    }

    fn bot_log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the bot as Ctrl-C does and checks it stopped cleanly.
    async fn stop_bot(&self, mut bot: Child) {
        interrupt(&bot);
        let status = tokio::time::timeout(WAIT, bot.wait())
            .await
            .unwrap_or_else(|_| panic!("the bot did not stop on SIGINT:\n{}", self.bot_log()))
            .expect("bot reaped");
        assert!(status.success(), "{status}:\n{}", self.bot_log());
    }
}

fn interrupt(bot: &Child) {
    let pid = bot.id().expect("running bot has a pid");
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill -INT runs");
    assert!(sent.success(), "SIGINT to the bot");
}

/// What a command did, as its user sees it.
#[derive(Debug, Clone, PartialEq)]
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    /// The same with times and durations masked: the two stores were filled seconds apart.
    fn timeless(&self) -> Ran {
        let stamp = regex::Regex::new(r"\b\d{13}\b").unwrap();
        // Dates and clock times (`2026-11-27 20:32`, a transcript's `20:32`).
        let date = regex::Regex::new(r"(\d{4}-\d{2}-\d{2} )?\b\d{2}:\d{2}\b").unwrap();
        let span = regex::Regex::new(r"\b\d+[dhm]\b").unwrap();
        // Durations in seconds of the report facts (`"resolution_business_s":5`).
        let seconds = regex::Regex::new(r#"(_s":)\d+"#).unwrap();
        let mask = |s: &str| {
            let s = seconds.replace_all(s, "$1<s>");
            let s = stamp.replace_all(&s, "<ms>");
            let s = date.replace_all(&s, "<date>");
            span.replace_all(&s, "<n>").into_owned()
        };
        Ran {
            code: self.code,
            stdout: mask(&self.stdout),
            stderr: mask(&self.stderr),
        }
    }
}

/// The commands compared, each with its stdin; the first opens T-1000.
const SCRIPT: &[(&[&str], &str)] = &[
    (&["chat", "--as", "jan"], "my laptop screen is cracked\n"),
    (&["tickets", "list"], ""),
    (&["tickets", "list", "--json"], ""),
    (&["tickets", "show", "T-1000"], ""),
    (&["tickets", "claim", "T-1000", "--as", "alice"], ""),
    // Refused: already claimed. Exit 1.
    (
        &["tickets", "claim", "T-1000", "--as", "alice", "--json"],
        "",
    ),
    (
        &[
            "tickets",
            "resolve",
            "T-1000",
            "--as",
            "alice",
            "--minutes",
            "5",
            "--note",
            "replaced the screen",
            "--json",
        ],
        "",
    ),
    (
        &[
            "tickets",
            "resolve",
            "T-1000",
            "--as",
            "alice",
            "--minutes",
            "5",
            "--note",
            "again",
        ],
        "",
    ),
    (&["tickets", "list", "--status", "resolved"], ""),
    (&["tickets", "list", "--status", "bogus"], ""),
    (&["tickets", "show", "T-404"], ""),
    (&["outbox", "list", "--platform", "local", "--json"], ""),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_through_the_socket_print_what_they_print_offline_and_reach_discord() {
    let mock = MockDiscord::start().await;

    // Offline, on a store of its own: the reference.
    let offline = Setup::new(&mock);
    let mut expected = Vec::new();
    for (args, stdin) in SCRIPT {
        expected.push(offline.frontline(args, stdin).await);
    }
    assert!(
        expected[0].stdout.contains("I've opened ticket T-1000"),
        "{:?}",
        expected[0]
    );
    assert_eq!(
        expected.iter().map(|r| r.code).collect::<Vec<_>>(),
        [0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0],
        "{expected:#?}"
    );

    // The same steps beside the running bot.
    let online = Setup::new(&mock);
    let bot = online.start_bot(&mock).await;
    let mode = std::fs::metadata(online.socket())
        .expect("the control socket exists while the bot runs")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the socket is owner-only");
    let mut card = None;
    for (i, (args, stdin)) in SCRIPT.iter().enumerate() {
        let got = online.frontline(args, stdin).await;
        assert_eq!(
            got.timeless(),
            expected[i].timeless(),
            "`frontline {}` through the control socket differs from offline",
            args.join(" ")
        );
        match args[..2] {
            // The ticket's card is posted by the bot, from the turn the chat committed in it.
            ["chat", _] => {
                let posted = mock
                    .wait_for(
                        |r| {
                            r.method == "POST"
                                && r.body["embeds"][0]["title"]
                                    .as_str()
                                    .is_some_and(|t| t.starts_with("T-1000 ·"))
                        },
                        WAIT,
                    )
                    .await
                    .expect("the bot posts the card of the ticket opened through the socket");
                let id = mock
                    .find_message(|m| {
                        m["embeds"][0]["title"]
                            .as_str()
                            .is_some_and(|t| t.starts_with("T-1000 ·"))
                    })
                    .map(|m| (snowflake(&m["channel_id"]), snowflake(&m["id"])))
                    .unwrap_or_else(|| panic!("card message for {}", posted.path));
                card = Some(id);
            }
            // The claim made through the socket edits that card on Discord.
            ["tickets", "claim"] if got.code == 0 => {
                let (channel, message) = card.expect("card posted");
                mock.wait_for(
                    |r| {
                        r.method == "PATCH"
                            && r.path == format!("/channels/{channel}/messages/{message}")
                            && r.body.to_string().contains("alice")
                    },
                    WAIT,
                )
                .await
                .expect("the bot edits the card to show the claim made through the socket");
            }
            _ => {}
        }
    }
    online.stop_bot(bot).await;
    assert!(
        !online.socket().exists(),
        "the socket is removed at shutdown"
    );
    // After the bot, the same commands run offline on its store.
    let after = online
        .frontline(&["tickets", "list", "--status", "resolved"], "")
        .await;
    assert_eq!(after.timeless(), expected[8].timeless());
}

/// Reads the child's stdout until a line containing `what` (returns the lines read).
async fn read_until(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    what: &str,
) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let line = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no `{what}` within {WAIT:?}; read: {seen:#?}"))
            .expect("chat stdout")
            .unwrap_or_else(|| panic!("chat ended before `{what}`; read: {seen:#?}"));
        let found = line.contains(what);
        seen.push(line);
        if found {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interactive_chat_through_the_socket_answers_each_line_before_the_next_is_typed() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new(&mock);
    let bot = setup.start_bot(&mock).await;
    let pack = frontline::pack::Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
        .expect("default pack");
    let vpn = pack.intent("vpn").expect("vpn intent");
    let [q1, q2] = [0, 1].map(|n| vpn.follow_up[n].text["en"].clone());

    let mut chat = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["chat", "--as", "ola", "--config"])
        .arg(&setup.config)
        .arg("--data")
        .arg(&setup.data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("frontline chat starts");
    let mut typed = chat.stdin.take().expect("stdin");
    let mut lines = BufReader::new(chat.stdout.take().expect("stdout")).lines();
    read_until(&mut lines, "describe your IT problem").await;
    // Each line is typed only once the answer to the one before has been read.
    for (line, answer) in [
        ("my vpn does not connect", "Did this solve it?"),
        ("no", q1.as_str()),
        ("from home, the internet works", q2.as_str()),
        ("an endless connecting", "I've opened ticket T-1000"),
    ] {
        typed
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("line typed");
        typed.flush().await.expect("line sent");
        read_until(&mut lines, answer).await;
    }
    // The ticket is the running bot's: its card goes to the network queue's channel.
    mock.wait_for(
        |r| {
            r.method == "POST"
                && r.path == format!("/channels/{}/messages", crate::discord_e2e::CH_NETWORK)
                && r.body["embeds"][0]["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("T-1000 ·"))
        },
        WAIT,
    )
    .await
    .expect("the card of the ticket opened in the chat reaches Discord");
    drop(typed);
    let status = tokio::time::timeout(WAIT, chat.wait())
        .await
        .expect("chat ends at the end of its input")
        .expect("chat reaped");
    assert!(status.success(), "{status}");
    let list = setup.frontline(&["tickets", "list"], "").await;
    assert!(
        list.stdout.contains("T-1000") && list.stdout.contains("ola"),
        "{list:?}"
    );
    setup.stop_bot(bot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_open_when_the_bot_stops_is_told_so_and_the_bot_stops_cleanly() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new(&mock);
    let bot = setup.start_bot(&mock).await;
    let mut chat = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["agent", "--as", "alice", "--config"])
        .arg(&setup.config)
        .arg("--data")
        .arg(&setup.data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("frontline agent starts");
    let mut typed = chat.stdin.take().expect("stdin");
    let mut lines = BufReader::new(chat.stdout.take().expect("stdout")).lines();
    read_until(&mut lines, "frontline agent as alice").await;
    typed.write_all(b"queues\n").await.expect("typed");
    read_until(&mut lines, "l3-engineering (L3): 0 open").await;
    // The terminal now waits for the next line; the bot is stopped meanwhile.
    setup.stop_bot(bot).await;
    let out = tokio::time::timeout(WAIT, chat.wait_with_output())
        .await
        .expect("the session ends when the bot stops")
        .expect("agent reaped");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("frontline run is stopping"), "{stderr}");
    assert!(!setup.socket().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_socket_file_neither_misleads_the_cli_nor_blocks_the_start() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new(&mock);
    std::fs::create_dir_all(&setup.data).expect("data dir");
    // A socket file nobody listens on, as a SIGKILLed `frontline run` leaves it.
    drop(std::os::unix::net::UnixListener::bind(setup.socket()).expect("bind"));
    assert!(setup.socket().exists());

    let offline = setup.frontline(&["tickets", "list", "--json"], "").await;
    assert_eq!(
        (offline.code, offline.stdout.trim()),
        (0, "[]"),
        "{offline:?}"
    );

    let bot = setup.start_bot(&mock).await;
    let chat = setup
        .frontline(&["chat", "--as", "jan"], "my laptop screen is cracked\n")
        .await;
    assert!(
        chat.stdout.contains("I've opened ticket T-1000"),
        "{chat:?}"
    );
    let list = setup.frontline(&["tickets", "list"], "").await;
    assert_eq!(list.code, 0, "{list:?}");
    assert!(
        list.stdout.starts_with("T-1000  P3  escalated  jan"),
        "{list:?}"
    );
    setup.stop_bot(bot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_store_is_refused_at_once() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new(&mock);
    let bot = setup.start_bot(&mock).await;
    let second = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .arg("run")
        .arg("--config")
        .arg(&setup.config)
        .arg("--data")
        .arg(&setup.data)
        .env("DISCORD_TOKEN", "mock-token")
        .output()
        .await
        .expect("second run");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("another frontline run is serving") && stderr.contains("control.sock"),
        "{stderr}"
    );
    // The first one still serves.
    let list = setup.frontline(&["tickets", "list", "--json"], "").await;
    assert_eq!((list.code, list.stdout.trim()), (0, "[]"), "{list:?}");
    setup.stop_bot(bot).await;
}

/// Sends `bytes` on a fresh connection and returns the frames the server answers with.
fn poke(socket: &Path, bytes: &[u8], then_close_write: bool) -> Vec<Frame> {
    let mut s = UnixStream::connect(socket).expect("connect");
    s.set_read_timeout(Some(WAIT)).unwrap();
    let _ = s.write_all(bytes);
    if then_close_write {
        let _ = s.shutdown(std::net::Shutdown::Write);
    }
    let mut frames = Vec::new();
    while let Ok(Some(f)) = Frame::read_from(&mut s) {
        frames.push(f);
    }
    frames
}

fn hello(args: &[&str]) -> Vec<u8> {
    let mut argv = vec!["frontline".into()];
    argv.extend(args.iter().map(Into::into));
    Frame::Hello {
        protocol: PROTOCOL,
        argv,
        cwd: std::env::temp_dir(),
    }
    .encode()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_socket_is_refused_and_the_bot_keeps_serving() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new(&mock);
    let mut bot = setup.start_bot(&mock).await;
    let socket = setup.socket();
    let refused = |frames: &[Frame]| {
        matches!(frames, [Frame::Stderr(e), Frame::Exit(1)]
            if String::from_utf8_lossy(e).starts_with("error: "))
    };
    tokio::task::spawn_blocking(move || {
        // Not the protocol at all.
        let frames = poke(&socket, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", true);
        assert!(refused(&frames), "{frames:?}");
        // A frame claiming 4 GiB.
        let frames = poke(&socket, &[b'H', 0xff, 0xff, 0xff, 0xff], true);
        assert!(refused(&frames), "{frames:?}");
        // Another protocol version.
        let mut other = hello(&["tickets", "list"]);
        other[5..9].copy_from_slice(&99u32.to_be_bytes());
        let frames = poke(&socket, &other, true);
        assert!(refused(&frames), "{frames:?}");
        // A command that does not run through the socket.
        let frames = poke(&socket, &hello(&["run"]), true);
        assert!(refused(&frames), "{frames:?}");
        // Half a hello, then gone; a connection that says nothing.
        poke(&socket, &hello(&["tickets", "list"])[..7], true);
        drop(UnixStream::connect(&socket).expect("connect"));
        // A chat that sends one endless line (6 MiB, no newline) in answer to its reads, then
        // input of the wrong kind.
        let mut s = UnixStream::connect(&socket).expect("connect");
        s.set_read_timeout(Some(WAIT)).unwrap();
        s.write_all(&hello(&["chat", "--as", "mallory"])).unwrap();
        let mut sent = 0;
        let chunk = vec![b'x'; 64 * 1024];
        loop {
            match Frame::read_from(&mut s).expect("a frame") {
                Some(Frame::Read(n)) if sent < 6 << 20 => {
                    let n = (n as usize).min(chunk.len());
                    Frame::Input(chunk[..n].to_vec()).write_to(&mut s).unwrap();
                    sent += n;
                }
                Some(Frame::Read(_)) => {
                    Frame::Stdout(b"not input".to_vec())
                        .write_to(&mut s)
                        .unwrap();
                }
                Some(Frame::Exit(code)) => {
                    assert_eq!(code, 1, "malformed input ends the command");
                    break;
                }
                Some(_) => {}
                None => panic!("the server hung up without an exit code"),
            }
        }
        // A client that goes away in the middle of a chat turn.
        let mut s = UnixStream::connect(&socket).expect("connect");
        s.write_all(&hello(&["chat", "--as", "gone"])).unwrap();
        loop {
            match Frame::read_from(&mut s).expect("a frame") {
                Some(Frame::Read(_)) => break,
                Some(_) => {}
                None => panic!("hung up"),
            }
        }
        Frame::Input(b"my laptop screen is cracked\n".to_vec())
            .write_to(&mut s)
            .unwrap();
        drop(s);
    })
    .await
    .expect("pokes");
    assert!(
        bot.try_wait().expect("bot status").is_none(),
        "the bot died:\n{}",
        setup.bot_log()
    );
    // Still serving, and the turn of the client that went away was committed whole or not at all.
    let list = setup.frontline(&["tickets", "list", "--json"], "").await;
    assert_eq!(list.code, 0, "{list:?}");
    let tickets: Vec<serde_json::Value> = serde_json::from_str(&list.stdout).expect("json");
    assert!(tickets.len() <= 1, "{tickets:?}");
    let verify = setup
        .frontline(&["chat", "--as", "jan"], "my laptop screen is cracked\n")
        .await;
    assert!(
        verify.stdout.contains("I've opened ticket T-"),
        "{verify:?}"
    );
    setup.stop_bot(bot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_race_through_the_socket_and_one_claim_wins() {
    let mock = MockDiscord::start().await;
    let setup = std::sync::Arc::new(Setup::new(&mock));
    // A second local agent for the race.
    let mut config = std::fs::read_to_string(&setup.config).unwrap();
    config += "\n[[agents]]\nname = \"bob\"\nrole = \"L2\"\nplatform = \"local\"\n";
    std::fs::write(&setup.config, config).unwrap();
    let bot = setup.start_bot(&mock).await;
    let chat = setup
        .frontline(&["chat", "--as", "jan"], "my laptop screen is cracked\n")
        .await;
    assert!(chat.stdout.contains("T-1000"), "{chat:?}");
    let mut runs = tokio::task::JoinSet::new();
    for i in 0..8 {
        let setup = setup.clone();
        runs.spawn(async move {
            let who = if i % 2 == 0 { "alice" } else { "bob" };
            let args = ["tickets", "claim", "T-1000", "--as", who, "--json"];
            (who, setup.frontline(&args, "").await)
        });
    }
    let mut results = Vec::new();
    while let Some(r) = runs.join_next().await {
        let (who, ran) = r.expect("claim task");
        let v: serde_json::Value = serde_json::from_str(&ran.stdout).expect("claim json");
        assert_eq!(ran.code == 0, v["ok"] == true, "{ran:?}");
        results.push((who, ran.code, v["ticket"]["assignee"].clone()));
    }
    let winners: Vec<&str> = results
        .iter()
        .filter(|(_, code, _)| *code == 0)
        .map(|(who, _, _)| *who)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one claim wins: {results:?}");
    // Every client, winner or not, saw the ticket as the winner left it.
    assert!(
        results
            .iter()
            .all(|(_, _, a)| a.as_str() == Some(winners[0])),
        "{results:?}"
    );
    setup.stop_bot(bot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_held_by_a_process_that_does_not_answer_is_one_sentence_after_the_wait() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new(&mock);
    // This test process holds the store, as an offline command would, and serves no socket.
    let held = frontline::store::SledStore::open(&setup.data).expect("store opens");
    let ran = setup.frontline(&["tickets", "list"], "").await;
    drop(held);
    assert_eq!(ran.code, 1, "{ran:?}");
    assert_eq!(ran.stdout, "");
    assert_eq!(
        ran.stderr,
        format!(
            "error: the store in {} is in use by another frontline process (pid {}); try again when it has finished, or stop it\n",
            setup.data.display(),
            std::process::id()
        )
    );
    // Once released, the command runs.
    let ran = setup.frontline(&["tickets", "list", "--json"], "").await;
    assert_eq!((ran.code, ran.stdout.trim()), (0, "[]"), "{ran:?}");
}

/// The raw frames of a `tickets list --json` through the socket: stdout, then exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_shot_command_reads_no_input_and_answers_in_frames() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new(&mock);
    let bot = setup.start_bot(&mock).await;
    let socket = setup.socket();
    let config = setup.config.clone();
    let frames = tokio::task::spawn_blocking(move || {
        let cfg = config.to_str().unwrap().to_string();
        poke(
            &socket,
            &hello(&["tickets", "list", "--json", "--config", &cfg]),
            false,
        )
    })
    .await
    .unwrap();
    assert_eq!(
        frames,
        [Frame::Stdout(b"[]\n".to_vec()), Frame::Exit(0)],
        "no read request: the client's stdin stays untouched"
    );
    let mut s = UnixStream::connect(setup.socket()).unwrap();
    let mut nothing = Vec::new();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    s.read_to_end(&mut nothing).unwrap();
    assert!(nothing.is_empty(), "a probe gets no answer");
    setup.stop_bot(bot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_paths_are_taken_from_the_clients_directory() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new(&mock);
    // The bot runs in this test's directory; the client in the one holding the config and data.
    let bot = setup.start_bot(&mock).await;
    let here = setup.config.parent().expect("config dir").to_path_buf();
    let run = |args: &[&str], stdin: &'static str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_frontline"));
        cmd.args(args)
            .args(["--config", "frontline.toml", "--data", "data"])
            .current_dir(&here)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        async move {
            let mut child = cmd.spawn().expect("frontline starts");
            let mut input = child.stdin.take().expect("stdin");
            input.write_all(stdin.as_bytes()).await.expect("stdin");
            drop(input);
            child.wait_with_output().await.expect("frontline ran")
        }
    };
    let chat = run(&["chat", "--as", "jan"], "my laptop screen is cracked\n").await;
    let said = String::from_utf8_lossy(&chat.stdout);
    assert!(
        said.contains("I've opened ticket T-1000"),
        "{said}{}",
        String::from_utf8_lossy(&chat.stderr)
    );
    let list = run(&["tickets", "list"], "").await;
    assert_eq!(
        list.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    assert!(String::from_utf8_lossy(&list.stdout).starts_with("T-1000  P3  escalated  jan"));
    setup.stop_bot(bot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_typed_while_the_store_stays_busy_is_reported_and_can_be_typed_again() {
    let mock = MockDiscord::start().await;
    let setup = Setup::new(&mock);
    let pack = frontline::pack::Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
        .expect("default pack");
    let q1 = pack.intent("vpn").expect("vpn intent").follow_up[0].text["en"].clone();
    // Offline: no bot, the terminal opens the store for each line.
    let mut chat = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["chat", "--as", "jan", "--config"])
        .arg(&setup.config)
        .arg("--data")
        .arg(&setup.data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("frontline chat starts");
    let mut typed = chat.stdin.take().expect("stdin");
    let mut lines = BufReader::new(chat.stdout.take().expect("stdout")).lines();
    let mut errors = BufReader::new(chat.stderr.take().expect("stderr")).lines();
    typed.write_all(b"my vpn does not connect\n").await.unwrap();
    read_until(&mut lines, "Did this solve it?").await;
    // Another process takes the store between two lines and keeps it past the terminal's patience.
    let data = setup.data.clone();
    let held = tokio::task::spawn_blocking(move || {
        frontline::store::SledStore::open_waiting(&data, Duration::from_secs(30))
            .expect("the terminal lets go of the store between lines")
    })
    .await
    .unwrap();
    typed.write_all(b"no\n").await.unwrap();
    let told = tokio::time::timeout(Duration::from_secs(120), errors.next_line())
        .await
        .expect("the terminal reports the busy store")
        .unwrap()
        .expect("a line on stderr");
    assert_eq!(
        told,
        format!(
            "the store in {} is in use by another frontline process (pid {}); try again when it has finished, or stop it. Your line was not sent: type it again.",
            setup.data.display(),
            std::process::id()
        )
    );
    drop(held);
    // The conversation goes on where it was: the retyped "no" answers the FAQ question.
    typed.write_all(b"no\n").await.unwrap();
    read_until(&mut lines, &q1).await;
    drop(typed);
    let status = chat.wait().await.expect("chat reaped");
    assert!(status.success(), "{status}");
}
