//! Personal data (GDPR / RODO) from the command line: `frontline privacy export` shows everything
//! stored about a person; `frontline privacy erase` asks first (anything but yes leaves it all),
//! then leaves no byte of the person's messages, name or id in any file of the data directory,
//! offline and through a running `frontline run`, while another person's data and the ticket
//! shells stay; `frontline privacy audit --json` names the erased person by a pseudonym only.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use frontline::config::DEFAULT_CONFIG;
use serde_json::Value;

use crate::common::{assert_ok, run_in, stdout, write};

/// What anna wrote, what the agent answered her and noted about her: none may survive.
const HERS: [&str; 4] = ["Zyxwvut", "Qqplmokn", "Ooxxzzyy", "anna"];

fn config() -> String {
    // Every queue local; a webhook so `frontline run` has something to serve (never called: no
    // rule uses it).
    let local = DEFAULT_CONFIG.replace("\ntier = ", "\nplatform = \"local\"\ntier = ");
    format!(
        "{local}\n[automations.webhooks.ops]\nurl = \"http://127.0.0.1:9/hook\"\nsecret_env = \"OPS_WEBHOOK_SECRET\"\n"
    )
}

fn frontline(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--config", "frontline.toml", "--data", "store"]);
    run_in(dir, &all, stdin.as_bytes())
}

/// Every regular file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            out.extend(files(&entry.path()));
        } else if kind.is_file() {
            out.push((
                entry.path().display().to_string(),
                std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    out
}

fn found(dir: &Path, needle: &str) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(name, _)| name)
        .collect()
}

/// anna's ticket with the agent's reply (pending: her terminal has not run since) and note;
/// bob's ticket beside it.
fn people_write(dir: &Path) {
    let o = frontline(
        dir,
        &["chat", "--as", "anna"],
        "my printer is broken, Zyxwvut error on the display\nno\nZyxwvut-3 on floor 2\n",
    );
    assert_ok(&o, "chat anna");
    assert!(
        stdout(&o).contains("I've opened ticket T-1000"),
        "{}",
        stdout(&o)
    );
    let o = frontline(
        dir,
        &["agent", "--as", "alice"],
        "claim T-1000\nreply T-1000 Hello, try Qqplmokn restart\nnote T-1000 she sits by Ooxxzzyy\n",
    );
    assert_ok(&o, "agent");
    assert!(
        stdout(&o).contains("T-1000: sent to anna."),
        "{}",
        stdout(&o)
    );
    let o = frontline(
        dir,
        &["chat", "--as", "bob"],
        "my vpn Bbvvnnmm keeps dropping\nno\nhome Bbvvnnmm\nendless connecting\n",
    );
    assert_ok(&o, "chat bob");
    assert!(stdout(&o).contains("T-1001"), "{}", stdout(&o));
    let pending = frontline(dir, &["outbox", "list", "--pending"], "");
    assert!(
        stdout(&pending).contains("reply to local:anna"),
        "{}",
        stdout(&pending)
    );
}

/// Export, a refused erasure, the erasure, and what is left.
fn export_and_erase(dir: &Path) {
    let store = dir.join("store");
    let o = frontline(
        dir,
        &["privacy", "export", "--user", "local:anna", "--json"],
        "",
    );
    assert_ok(&o, "export");
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["user"], "local:anna");
    assert_eq!(doc["tickets"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["tickets"][0]["ticket"]["id"], "T-1000");
    let text = doc.to_string();
    for what in [
        "Zyxwvut error",
        "Qqplmokn",
        "Ooxxzzyy",
        "agent_replied",
        "internal_note",
    ] {
        assert!(text.contains(what), "export lacks {what}: {doc}");
    }
    assert!(!text.contains("Bbvvnnmm"), "bob's data in anna's export");
    assert_eq!(doc["conversation"]["ticket"], "T-1000");
    assert!(
        doc["outbox"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["state"] == "pending"
                && e["action"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains("Qqplmokn")),
        "{doc}"
    );

    // Refused: everything stays.
    let o = frontline(dir, &["privacy", "erase", "--user", "local:anna"], "no\n");
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let said = stdout(&o);
    assert!(
        said.contains("This erases everything stored about local:anna: 1 ticket(s) (T-1000)"),
        "{said}"
    );
    assert!(said.contains("Nothing was erased."), "{said}");
    let again = frontline(
        dir,
        &["privacy", "export", "--user", "local:anna", "--json"],
        "",
    );
    assert!(stdout(&again).contains("Qqplmokn"), "{}", stdout(&again));

    // Confirmed in Polish.
    let o = frontline(dir, &["privacy", "erase", "--user", "local:anna"], "tak\n");
    assert_ok(&o, "erase");
    assert!(
        stdout(&o).contains("Erased local:anna: 1 ticket(s)"),
        "{}",
        stdout(&o)
    );
    for needle in HERS {
        assert_eq!(found(&store, needle), Vec::<String>::new(), "{needle} left");
    }
    // The grep finds what is there: bob's words stay.
    assert!(!found(&store, "Bbvvnnmm").is_empty());

    // The shell stays, without her.
    let o = frontline(dir, &["tickets", "show", "T-1000"], "");
    assert_ok(&o, "show");
    let shown = stdout(&o);
    assert!(shown.contains("personal data erased"), "{shown}");
    assert!(shown.contains("requester: erased-"), "{shown}");
    assert!(shown.contains("assignee: alice"), "{shown}");
    let o = frontline(
        dir,
        &["privacy", "export", "--user", "local:anna", "--json"],
        "",
    );
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["tickets"], Value::Array(vec![]), "{doc}");
    assert_eq!(doc["conversation"], Value::Null, "{doc}");

    let o = frontline(dir, &["privacy", "audit", "--json"], "");
    assert_ok(&o, "audit");
    let audit: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["export", "export", "erase", "export"], "{audit}");
    let erase = &audit[2];
    assert!(
        erase["subject"].as_str().unwrap().starts_with("erased-"),
        "{audit}"
    );
    assert_eq!(erase["tickets"], serde_json::json!(["T-1000"]));
    assert!(!audit.to_string().contains("anna"), "{audit}");
}

#[test]
fn an_erasure_offline_leaves_no_byte_of_the_person() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "frontline.toml", &config());
    people_write(dir);
    export_and_erase(dir);
    let o = frontline(dir, &["verify"], "");
    assert_ok(&o, "verify");
    // bob carries on as before.
    let o = frontline(dir, &["chat", "--as", "bob"], "status\n");
    assert_ok(&o, "chat bob");
    assert!(stdout(&o).contains("T-1001"), "{}", stdout(&o));
}

#[test]
fn an_erasure_through_a_running_bot_leaves_no_byte_of_the_person() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "frontline.toml", &config());
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
    people_write(dir);
    export_and_erase(dir);
    // The bot still works on the rewritten store: a new ticket, numbered on.
    let o = frontline(
        dir,
        &["chat", "--as", "carol"],
        "my printer is broken\nno\nHP 4\npaper jam\n",
    );
    assert_ok(&o, "chat carol");
    assert!(stdout(&o).contains("T-1002"), "{}", stdout(&o));
    assert!(bot.try_wait().unwrap().is_none(), "run stopped");
    unsafe { libc::kill(bot.id() as i32, libc::SIGINT) };
    let status = bot.wait().unwrap();
    assert!(status.success(), "{status:?}");
    for needle in HERS {
        assert_eq!(
            found(&dir.join("store"), needle),
            Vec::<String>::new(),
            "{needle} left"
        );
    }
    let o = frontline(dir, &["verify"], "");
    assert_ok(&o, "verify");
}
