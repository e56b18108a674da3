//! Backups, restores and `verify`: a backup taken while tickets are opened at ~500/s (and messages
//! delivered) restores to a store `verify` accepts holding every ticket confirmed before it began; a truncated,
//! bit-flipped or foreign file is refused and changes nothing; `verify` finds inconsistencies
//! planted in sled directly; scheduled backups are written and pruned.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use frontline::desk::action::{Action, Outcome};
use frontline::desk::turn::Turn;
use frontline::store::schedule::BackupConfig;
use frontline::store::{SledStore, Store, backup};
use frontline::tickets::{Actor, Ticket, UserRef};

use crate::store_concurrency::draft;
use crate::support::{run, stderr, stdout};

pub fn open_one(store: &SledStore, user: &str) -> Ticket {
    store
        .open_ticket(&draft(user, "l2-network"), &Actor::User(user.into()), 1_000)
        .expect("ticket opens")
}

/// A store in `dir` with `n` tickets, closed.
fn store_with(dir: &Path, n: usize) -> Vec<String> {
    let store = SledStore::open(dir).unwrap();
    (0..n)
        .map(|i| open_one(&store, &format!("user{i}")).id)
        .collect()
}

fn ids_in(dir: &Path) -> Vec<String> {
    let o = run(
        &["tickets", "list", "--data", dir.to_str().unwrap(), "--json"],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let tickets: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
    tickets
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect()
}

fn verify_ok(dir: &Path) {
    let o = run(&["verify", "--data", dir.to_str().unwrap()], "");
    assert!(
        o.status.success() && stdout(&o).contains(": OK"),
        "verify {}: {}{}",
        dir.display(),
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn a_backup_taken_under_load_restores_every_ticket_confirmed_before_it() {
    const WORKERS: u32 = 4;
    // Each worker opens one ticket every 8 ms: about 500 per second together.
    const EVERY: Duration = Duration::from_millis(8);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("live.flbackup");
    let store = SledStore::open(&data).unwrap();
    let confirmed: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    let count = || confirmed.lock().unwrap().len();
    let (before, said, rate) = std::thread::scope(|s| {
        for w in 0..WORKERS {
            let (store, confirmed, stop) = (&store, &confirmed, &stop);
            s.spawn(move || {
                let mut next = Instant::now();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let t = open_one(store, &format!("w{w}-{i}"));
                    confirmed.lock().unwrap().push(t.id);
                    i += 1;
                    next += EVERY;
                    std::thread::sleep(next.saturating_duration_since(Instant::now()));
                }
            });
        }
        // Meanwhile messages are committed and their deliveries recorded, as the outbox worker
        // records them: outside turns.
        {
            let (store, stop) = (&store, &stop);
            s.spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let turn = Turn {
                        outbox: vec![Action::Notify {
                            to: UserRef::local("ann"),
                            text: format!("message {i}"),
                            interaction: None,
                            attachment: None,
                        }],
                        ..Turn::default()
                    };
                    let committed = store.commit(&turn, 1_000, false).expect("commit");
                    for e in &committed.outbox {
                        store
                            .record_delivery(e.id, &Outcome::Delivered, 1_001)
                            .expect("delivery recorded");
                    }
                    i += 1;
                    std::thread::sleep(Duration::from_millis(2));
                }
            });
        }
        while count() < 300 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let before: Vec<String> = confirmed.lock().unwrap().clone();
        let started = Instant::now();
        let mut said = Vec::new();
        let written = backup::backup(&store, &file, &mut said).expect("backup");
        assert!(written.tickets >= before.len() as u64);
        // The load goes on after the backup.
        let at_backup = count();
        while count() < at_backup + 200 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let rate = (count() - before.len()) as f64 / started.elapsed().as_secs_f64();
        stop.store(true, Ordering::SeqCst);
        (before, String::from_utf8(said).unwrap(), rate)
    });
    eprintln!("{said}openings around the backup: {rate:.0}/s");
    assert!(
        said.starts_with("backed up ") && said.contains(" bytes, crc32 "),
        "{said}"
    );
    drop(store);

    let restored = dir.path().join("restored");
    let o = run(
        &[
            "restore",
            "--from",
            file.to_str().unwrap(),
            "--data",
            restored.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "restore: {}", stderr(&o));
    assert!(
        stdout(&o).contains("verify found no problem"),
        "{}",
        stdout(&o)
    );
    verify_ok(&restored);
    let ids = ids_in(&restored);
    let missing: Vec<&String> = before.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "confirmed before the backup, not in it: {missing:?}"
    );
}

#[test]
fn damaged_truncated_and_foreign_backups_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ids = store_with(&data, 5);
    let file = dir.path().join("good.flbackup");
    let o = run(
        &[
            "backup",
            "--data",
            data.to_str().unwrap(),
            "--to",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("backed up 5 tickets"),
        "{}",
        stdout(&o)
    );
    let good = std::fs::read(&file).unwrap();

    // The good one restores.
    let fresh = dir.path().join("fresh");
    let o = run(
        &[
            "restore",
            "--from",
            file.to_str().unwrap(),
            "--data",
            fresh.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(ids_in(&fresh), ids);

    // Into a directory holding a store: refused without --force.
    let o = run(
        &[
            "restore",
            "--from",
            file.to_str().unwrap(),
            "--data",
            fresh.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("already holds a store: pass --force"),
        "{}",
        stderr(&o)
    );

    let mut bad: Vec<(String, Vec<u8>)> = Vec::new();
    for len in [0, 10, 17, 40, good.len() / 2, good.len() - 1] {
        bad.push((format!("truncated to {len} bytes"), good[..len].to_vec()));
    }
    for at in [
        3,
        20,
        30,
        good.len() / 3,
        good.len() / 2,
        good.len() - 6,
        good.len() - 2,
    ] {
        for bit in [0, 5] {
            let mut b = good.clone();
            b[at] ^= 1 << bit;
            bad.push((format!("bit {bit} of byte {at} flipped"), b));
        }
    }
    let mut longer = good.clone();
    longer.extend_from_slice(b"more");
    bad.push(("with bytes after its end".into(), longer));
    bad.push((
        "a text file".into(),
        b"[queues]\nid = \"l2\"\n".repeat(100).to_vec(),
    ));
    bad.push((
        "sled's own data file".into(),
        std::fs::read(data.join("db")).unwrap(),
    ));
    for (what, bytes) in &bad {
        let f = dir.path().join("bad.flbackup");
        std::fs::write(&f, bytes).unwrap();
        // Into a new directory, and over the existing store with --force.
        let target = dir.path().join("target");
        for (into, force) in [(&target, false), (&fresh, true)] {
            let mut args = vec![
                "restore",
                "--from",
                f.to_str().unwrap(),
                "--data",
                into.to_str().unwrap(),
            ];
            if force {
                args.push("--force");
            }
            let o = run(&args, "");
            assert_eq!(o.status.code(), Some(1), "{what} restored into {into:?}");
            let e = stderr(&o);
            assert!(
                (e.contains("is damaged") || e.contains("is not a frontline backup"))
                    && e.contains("nothing was changed"),
                "{what}: {e}"
            );
            assert_eq!(e.lines().count(), 1, "{what}: {e}");
        }
        assert!(!target.exists(), "{what}: nothing left behind");
        assert_eq!(
            ids_in(&fresh),
            ids,
            "{what}: the store forced over is unchanged"
        );
    }
    verify_ok(&fresh);
}

#[test]
fn a_backup_from_a_newer_frontline_is_refused_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(&dir.path().join("data")).unwrap();
    open_one(&store, "ann");
    let file = dir.path().join("b.flbackup");
    backup::backup(&store, &file, &mut std::io::sink()).unwrap();
    // What a newer writer would put: a higher version, with a header checksum that matches.
    let good = std::fs::read(&file).unwrap();
    let text = String::from_utf8_lossy(&good);
    let header_end = text[17..].find('\n').unwrap() + 17;
    let json = text[17..header_end].split('\t').next().unwrap();
    let newer = json.replace("\"version\":1", "\"version\":2");
    let mut bytes = good[..17].to_vec();
    bytes.extend_from_slice(newer.as_bytes());
    bytes.extend_from_slice(format!("\t{:08x}", crc32fast::hash(newer.as_bytes())).as_bytes());
    bytes.extend_from_slice(&good[header_end..]);
    std::fs::write(&file, bytes).unwrap();
    let target = dir.path().join("target");
    let err = backup::restore(&file, &target, false, &mut std::io::sink()).unwrap_err();
    assert!(
        err.to_string()
            .contains("written by a newer frontline (backup format 2"),
        "{err}"
    );
}

#[test]
fn verify_finds_inconsistencies_planted_in_sled() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    store_with(&data, 4);
    verify_ok(&data);
    {
        // What a bug or a damaged disk could leave: written with sled itself, not the store.
        let db = sled::open(&data).unwrap();
        let index = db.open_tree("index").unwrap();
        let events = db.open_tree("events").unwrap();
        let ends_with = |n: u64| {
            let suffix = n.to_be_bytes();
            move |k: &sled::IVec| k.starts_with(b"s") && k.ends_with(&suffix)
        };
        let status_of_1001 = index
            .iter()
            .keys()
            .map(|k| k.unwrap())
            .find(ends_with(1001))
            .expect("T-1001 is indexed");
        index.remove(&status_of_1001).unwrap();
        let mut stale = status_of_1001.to_vec();
        let len = stale.len();
        stale[len - 8..].copy_from_slice(&5000u64.to_be_bytes());
        index.insert(stale, &[][..]).unwrap();
        let mut first_event = 1002u64.to_be_bytes().to_vec();
        first_event.extend_from_slice(&0u32.to_be_bytes());
        assert!(events.remove(first_event).unwrap().is_some());
        db.flush().unwrap();
    }
    let o = run(&["verify", "--data", data.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let said = stdout(&o);
    for expected in [
        "T-1001 is missing from the index (status and queue: escalated l2-network)",
        "points at T-5000, which does not exist",
        "T-1002 has 1 events but event 0 is missing",
    ] {
        assert!(said.contains(expected), "{expected:?} in:\n{said}");
    }
    let o = run(&["verify", "--data", data.to_str().unwrap(), "--json"], "");
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["tickets"], 4);
    let checks: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["check"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains(&"index") && checks.contains(&"events"),
        "{checks:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_are_written_and_pruned_to_keep() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = std::sync::Arc::new(SledStore::open(&data).unwrap());
    open_one(&store, "ann");
    let cfg = BackupConfig {
        every: Duration::from_millis(300),
        keep: 2,
        dir: "backups".into(),
    };
    let backups = data.join("backups");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(frontline::store::schedule::run_scheduled(
        store.clone(),
        cfg,
        async {
            let _ = stopped.await;
        },
    ));
    let mut seen = std::collections::BTreeSet::new();
    let waiting = Instant::now();
    while seen.len() < 4 {
        assert!(
            waiting.elapsed() < Duration::from_secs(60),
            "backups written: {seen:?}"
        );
        if let Ok(entries) = std::fs::read_dir(&backups) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                // Not the temporary file of one being written.
                if name.ends_with(".flbackup") {
                    seen.insert(name);
                }
            }
        }
        open_one(&store, "bob");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    task.await.unwrap();
    let mut left: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".flbackup"))
        .collect();
    left.sort();
    assert_eq!(left.len(), 2, "kept the newest two: {left:?}");
    assert_eq!(
        &left[..],
        &seen.iter().rev().take(2).rev().cloned().collect::<Vec<_>>()[..]
    );
    drop(store);
    let restored = dir.path().join("restored");
    let o = run(
        &[
            "restore",
            "--from",
            backups.join(&left[1]).to_str().unwrap(),
            "--data",
            restored.to_str().unwrap(),
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(ids_in(&restored).len() >= 2);
    verify_ok(&restored);
}
