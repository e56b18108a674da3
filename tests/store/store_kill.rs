//! Regression: a SIGKILL in the first milliseconds of a command, while sled recovers and writes
//! its snapshot, left an empty `snap.*.generating` file after which every command failed with
//! `Read corrupted data`. 200 commands (`tickets list`, a `chat` turn that opens a ticket,
//! `tickets show`) are killed 0-30 ms after they take the store; after each kill the store must
//! open, and every ticket a chat confirmed must be there under its requester: none lost, none
//! handed out twice.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use frontline::store::{SledStore, Store};

use crate::support::{bin, copy_dir, holds_lock, inode, opened_ids, run, stderr, stdout};

const COMMANDS: usize = 200;
const LANES: usize = 2;

/// Records what chats confirmed; panics on a number confirmed to two people.
fn confirm(confirmed: &mut BTreeMap<String, String>, text: &str, user: &str) {
    for id in opened_ids(text) {
        if let Some(before) = confirmed.insert(id.clone(), user.to_string()) {
            assert_eq!(
                before, user,
                "{id} was confirmed to {before} and again to {user}"
            );
        }
    }
}

/// Opens a copy of `dir` as the next command would find it (a copy, so that the next killed
/// command still has sled's recovery and snapshot to do) and checks every confirmed ticket.
fn check_store(dir: &Path, confirmed: &BTreeMap<String, String>, after: &str) {
    let copy = tempfile::tempdir().expect("temp dir");
    copy_dir(dir, copy.path());
    let store = SledStore::open(copy.path())
        .unwrap_or_else(|e| panic!("the store does not open after {after}: {e}"));
    for (id, user) in confirmed {
        let t = store
            .ticket(id)
            .unwrap_or_else(|e| panic!("{id} unreadable after {after}: {e}"))
            .unwrap_or_else(|| panic!("{id}, confirmed to {user}, lost after {after}"));
        assert_eq!(&t.requester.id, user, "{id} after {after}");
    }
}

/// One data directory: a first chat, then `commands` killed commands.
fn lane(lane: usize, commands: usize) -> (usize, usize, usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let mut confirmed: BTreeMap<String, String> = BTreeMap::new();
    let first = run(
        &["chat", "--data", d, "--as", "first"],
        "my laptop screen is cracked\n",
    );
    assert!(first.status.success(), "{}", stderr(&first));
    confirm(&mut confirmed, &stdout(&first), "first");
    assert_eq!(confirmed.len(), 1, "the first chat opens a ticket");
    let db = inode(&data.join("db"));

    let (mut landed, mut in_snapshot) = (0, 0);
    for i in 0..commands {
        let user = format!("k{lane}-{i}");
        let show = confirmed.keys().last().cloned().unwrap();
        let (args, input): (Vec<&str>, String) = match i % 3 {
            0 => (
                vec!["chat", "--data", d, "--as", &user],
                format!("my laptop screen is cracked, case {i}\n"),
            ),
            1 => (vec!["tickets", "list", "--data", d], String::new()),
            _ => (vec!["tickets", "show", &show, "--data", d], String::new()),
        };
        let mut child = bin()
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("frontline starts");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(input.as_bytes());
        }
        // Wait until it holds the store, then give it 0-30 ms; every other listing after a chat
        // is killed instead the moment sled starts writing a snapshot, if it does within 30 ms.
        let waiting = Instant::now();
        while !holds_lock(child.id(), db) {
            if child.try_wait().unwrap().is_some() || waiting.elapsed() > Duration::from_secs(10) {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        if i % 6 == 1 {
            let held = Instant::now();
            while held.elapsed() < Duration::from_millis(30) && child.try_wait().unwrap().is_none()
            {
                if std::fs::read_dir(&data)
                    .unwrap()
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".generating"))
                {
                    in_snapshot += 1;
                    break;
                }
            }
        } else {
            std::thread::sleep(Duration::from_millis((i * 7 % 31) as u64));
        }
        if child.try_wait().unwrap().is_none() {
            landed += 1;
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        let mut said = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut said)
            .unwrap();
        confirm(&mut confirmed, &said, &user);
        let after = format!("killing command {i} of lane {lane} ({})", args.join(" "));
        check_store(&data, &confirmed, &after);

        // Every twentieth round, the binary runs a chat and a listing to the end.
        if i % 20 == 19 {
            let user = format!("full{lane}-{i}");
            let o = run(
                &["chat", "--data", d, "--as", &user],
                "my laptop screen is cracked\n",
            );
            assert!(o.status.success(), "chat after {after}: {}", stderr(&o));
            let before = confirmed.len();
            confirm(&mut confirmed, &stdout(&o), &user);
            assert_eq!(
                confirmed.len(),
                before + 1,
                "chat after {after} opens a ticket"
            );
            let o = run(&["tickets", "list", "--data", d], "");
            assert!(o.status.success(), "list after {after}: {}", stderr(&o));
            let listed = stdout(&o);
            for id in confirmed.keys() {
                assert!(
                    listed.contains(&format!("{id} ")),
                    "{id} listed after {after}"
                );
            }
        }
    }
    check_store(&data, &confirmed, "the last kill");
    (landed, in_snapshot, confirmed.len())
}

#[test]
fn sigkill_early_in_commands_never_bricks_the_store() {
    let started = Instant::now();
    // Two data directories at once, to keep the test short on two cores.
    let lanes: Vec<(usize, usize, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..LANES)
            .map(|l| s.spawn(move || lane(l, COMMANDS / LANES)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let sum = |f: fn(&(usize, usize, usize)) -> usize| lanes.iter().map(f).sum::<usize>();
    eprintln!(
        "{COMMANDS} commands killed ({} while running, {} while sled wrote a snapshot) in {:.1} s; {} tickets confirmed",
        sum(|l| l.0),
        sum(|l| l.1),
        started.elapsed().as_secs_f64(),
        sum(|l| l.2)
    );
}
