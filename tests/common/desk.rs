//! A desk on a temporary data directory, driven through the real binary: `frontline chat` as an end
//! user, `frontline agent` as an agent, `frontline tickets ...` for the store's state. Each command
//! runs to completion before the next, so the terminals take turns on one store as people would.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Output};

use serde_json::Value;

/// One test's desk: its own data directory under its own temporary directory.
pub struct TestDesk {
    dir: tempfile::TempDir,
}

impl Default for TestDesk {
    fn default() -> Self {
        TestDesk::new()
    }
}

pub use super::spawn;

/// Runs the binary to completion, feeding `stdin` from a thread so a large input cannot deadlock
/// against the child's output.
pub fn run_with_input(cwd: &Path, args: &[&str], stdin: Vec<u8>) -> Output {
    let mut child = spawn(cwd, args);
    let mut pipe = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        // The child may stop reading early (it failed); that is for the caller's assertions.
        let _ = pipe.write_all(&stdin);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

pub fn text_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err_of(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every ticket id (`T-<number>`) in `text`, in order of appearance.
pub fn ticket_ids(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\bT-\d+\b").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

/// The ticket id told to the user on the line containing `announcement` (e.g. "I've opened ticket").
pub fn id_announced(out: &str, announcement: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.contains(announcement))
        .unwrap_or_else(|| panic!("no line with {announcement:?} in:\n{out}"));
    let after = &line[line.find(announcement).unwrap()..];
    ticket_ids(after)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no ticket id after {announcement:?} in {line:?}"))
}

/// The file names and contents under `dir` (empty when it does not exist).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                files.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

impl TestDesk {
    pub fn new() -> TestDesk {
        TestDesk {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// The temporary directory: the binary's working directory, holding `data/`.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn data_arg(&self) -> String {
        self.data().to_str().unwrap().to_string()
    }

    /// Runs `frontline` with `args` plus `--data DIR`, stdin `input`.
    pub fn run(&self, args: &[&str], input: &[u8]) -> Output {
        let data = self.data_arg();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--data", &data]);
        run_with_input(self.root(), &all, input.to_vec())
    }

    /// Spawns `frontline` with `args` plus `--data DIR`, stdin closed at once.
    pub fn start(&self, args: &[&str]) -> Child {
        let data = self.data_arg();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--data", &data]);
        let mut child = spawn(self.root(), &all);
        drop(child.stdin.take());
        child
    }

    /// `frontline chat --as user` with one message per line; returns what the user saw.
    pub fn chat(&self, user: &str, messages: &[&str]) -> String {
        let mut input = messages.join("\n");
        if !messages.is_empty() {
            input.push('\n');
        }
        self.chat_raw(user, input.as_bytes())
    }

    pub fn chat_raw(&self, user: &str, input: &[u8]) -> String {
        let o = self.run(&["chat", "--as", user], input);
        assert!(
            o.status.success(),
            "chat as {user}: {}\nstderr: {}",
            o.status,
            err_of(&o)
        );
        text_of(&o)
    }

    /// `frontline agent --as name` with one command per line; returns what the agent saw.
    pub fn agent(&self, name: &str, commands: &[&str]) -> String {
        let mut input = commands.join("\n");
        input.push('\n');
        let o = self.run(&["agent", "--as", name], input.as_bytes());
        assert!(
            o.status.success(),
            "agent as {name}: {}\nstderr: {}",
            o.status,
            err_of(&o)
        );
        text_of(&o)
    }

    /// `frontline tickets show ID --json`: `{"ticket": ..., "events": [...]}`.
    pub fn show(&self, id: &str) -> Value {
        let o = self.run(&["tickets", "show", id, "--json"], b"");
        assert!(
            o.status.success(),
            "tickets show {id}: {}\nstderr: {}",
            o.status,
            err_of(&o)
        );
        serde_json::from_str(&text_of(&o)).expect("tickets show --json prints JSON")
    }

    /// The raw `tickets show ID --json` output, for searching the whole record.
    pub fn show_text(&self, id: &str) -> String {
        let o = self.run(&["tickets", "show", id, "--json"], b"");
        assert!(o.status.success(), "tickets show {id}: {}", err_of(&o));
        text_of(&o)
    }

    /// `frontline tickets list --json`.
    pub fn list(&self) -> Vec<Value> {
        let o = self.run(&["tickets", "list", "--json"], b"");
        assert!(
            o.status.success(),
            "tickets list: {}\nstderr: {}",
            o.status,
            err_of(&o)
        );
        serde_json::from_str(&text_of(&o)).expect("tickets list --json prints a JSON array")
    }

    /// A ticket opened at once by `user` ("my laptop screen is cracked" escalates); its id.
    pub fn open_ticket(&self, user: &str) -> String {
        let out = self.chat(user, &["my laptop screen is cracked"]);
        id_announced(&out, "I've opened ticket")
    }
}

/// The `type` of each event in a `tickets show --json` answer, in order.
pub fn event_types(shown: &Value) -> Vec<String> {
    shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["change"]["type"].as_str().unwrap_or("?").to_string())
        .collect()
}
