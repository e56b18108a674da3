//! A store that fails loudly: what sled leaves behind after a crash or a full disk never stops
//! it from opening; a store that has lost tickets refuses to start and says to restore, and
//! never hands a number out twice; a newer store format, a held store and a full disk each get
//! a sentence naming the data directory and what to do.

use std::path::Path;

use frontline::store::{SledStore, Store, StoreError};

use crate::support::{copy_dir, opened_ids, run, stderr, stdout};

/// A data directory with `users.len()` tickets opened through `frontline chat`; returns the ids.
fn chats(data: &Path, users: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for u in users {
        let o = run(
            &["chat", "--data", data.to_str().unwrap(), "--as", u],
            "my laptop screen is cracked\n",
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let opened = opened_ids(&stdout(&o));
        assert_eq!(opened.len(), 1, "{u}'s chat opens a ticket: {}", stdout(&o));
        ids.extend(opened);
    }
    ids
}

fn listed(data: &Path) -> String {
    let o = run(&["tickets", "list", "--data", data.to_str().unwrap()], "");
    assert!(o.status.success(), "tickets list: {}", stderr(&o));
    stdout(&o)
}

/// Regression: an empty `snap.*.generating` (sled killed, or out of disk, while writing a
/// snapshot) made every command fail with `Read corrupted data` until deleted by hand.
#[test]
fn an_unfinished_snapshot_left_behind_does_not_stop_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ids = chats(&data, &["ann", "bob"]);
    // The highest-named snapshot is the one sled reads: an empty one named above the real one.
    std::fs::write(data.join("snap.7FFFFFFFFFFFFFFF.generating"), b"").unwrap();
    std::fs::write(data.join("snap.7FFFFFFFFFFFFFFE.generating"), b"partial").unwrap();
    let list = listed(&data);
    for id in &ids {
        assert!(list.contains(id.as_str()), "{id} listed: {list}");
    }
    let more = chats(&data, &["cid"]);
    assert!(
        !ids.contains(&more[0]),
        "a new number: {more:?} after {ids:?}"
    );
    let left: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".generating"))
        .collect();
    assert!(left.is_empty(), "unfinished snapshots removed: {left:?}");
}

/// A `conf` torn while sled created the store (killed, or out of disk) used to fail every open.
#[test]
fn a_torn_sled_configuration_is_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ids = chats(&data, &["ann"]);
    let conf = std::fs::read(data.join("conf")).unwrap();
    std::fs::write(data.join("conf"), &conf[..conf.len() / 2]).unwrap();
    assert!(listed(&data).contains(ids[0].as_str()));
}

/// sled's files rolled back to an earlier copy (a snapshot restored under a running system, a
/// file-level backup put back): tickets confirmed since are gone from the store. Without the
/// high-water mark the next person was told `T-1002` again, a number already given to someone.
#[test]
fn a_store_that_lost_tickets_refuses_to_start_and_never_reissues_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let early = chats(&data, &["ann", "bob"]);
    let earlier = dir.path().join("earlier");
    copy_dir(&data, &earlier);
    let late = chats(&data, &["cid", "dan"]);
    let backup = dir.path().join("all.flbackup");
    let o = run(
        &["backup", "--data", d, "--to", backup.to_str().unwrap()],
        "",
    );
    assert!(o.status.success(), "backup: {}", stderr(&o));

    // Roll sled's files back; the mark stays.
    for entry in std::fs::read_dir(&data).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap() != "highwater" {
            if p.is_dir() {
                std::fs::remove_dir_all(&p).unwrap();
            } else {
                std::fs::remove_file(&p).unwrap();
            }
        }
    }
    for entry in std::fs::read_dir(&earlier).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().unwrap() != "highwater" {
            let to = data.join(p.file_name().unwrap());
            if p.is_dir() {
                copy_dir(&p, &to);
            } else {
                std::fs::copy(&p, &to).unwrap();
            }
        }
    }

    let o = run(&["tickets", "list", "--data", d], "");
    assert!(!o.status.success(), "a read-only listing refuses too");
    let e = stderr(&o);
    assert!(e.contains("has lost tickets"), "{e}");
    assert!(
        e.contains(&format!("frontline restore --from FILE --data {d}")),
        "{e}"
    );
    assert!(e.contains(d), "names the data directory: {e}");
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    let o = run(
        &["chat", "--data", d, "--as", "eve"],
        "my laptop screen is cracked\n",
    );
    assert!(!o.status.success());
    assert!(
        opened_ids(&stdout(&o)).is_empty(),
        "no ticket opened: {}",
        stdout(&o)
    );
    let o = run(&["verify", "--data", d], "");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("tickets were lost"),
        "verify names it: {}",
        stdout(&o)
    );

    // Accepting the loss keeps the store as it is and numbers continue past every one given.
    let accepted = dir.path().join("accepted");
    copy_dir(&data, &accepted);
    let a = accepted.to_str().unwrap();
    let o = run(&["verify", "--data", a, "--accept-loss"], "");
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let next = chats(&accepted, &["fay"]);
    for id in early.iter().chain(&late) {
        assert_ne!(&next[0], id, "{id} is not given out again");
    }
    let n = |id: &str| id[2..].parse::<u64>().unwrap();
    assert!(
        n(&next[0]) > late.iter().map(|i| n(i)).max().unwrap(),
        "{next:?} after {late:?}"
    );

    // Restoring the latest backup brings every ticket back.
    let o = run(
        &[
            "restore",
            "--from",
            backup.to_str().unwrap(),
            "--data",
            d,
            "--force",
        ],
        "",
    );
    assert!(o.status.success(), "restore: {}", stderr(&o));
    let list = listed(&data);
    for id in early.iter().chain(&late) {
        assert!(list.contains(id.as_str()), "{id} restored: {list}");
    }
    let next = chats(&data, &["gus"]);
    assert!(!early.contains(&next[0]) && !late.contains(&next[0]));
}

/// Every file of sled's deleted (a wrong `rm`, a volume not mounted): an empty store must not
/// start handing out numbers from T-1000 again.
#[test]
fn a_store_whose_files_are_gone_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    chats(&data, &["ann"]);
    for name in ["db", "conf"] {
        std::fs::remove_file(data.join(name)).unwrap();
    }
    for entry in std::fs::read_dir(&data).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("snap.")
        {
            std::fs::remove_file(p).unwrap();
        }
    }
    match SledStore::open(&data) {
        Err(StoreError::LostTickets { next, floor, .. }) => {
            assert_eq!((next, floor), (1000, 1001))
        }
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("an emptied store opened"),
    }
}

#[test]
fn a_store_from_a_newer_frontline_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    chats(&data, &["ann"]);
    {
        let db = sled::open(&data).unwrap();
        let meta = db.open_tree("meta").unwrap();
        meta.insert("format", &99u32.to_be_bytes()[..]).unwrap();
        db.flush().unwrap();
    }
    let o = run(&["tickets", "list", "--data", data.to_str().unwrap()], "");
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("written by a newer frontline (store format 99") && e.contains("upgrade"),
        "{e}"
    );
}

/// Format 1 had no index of open tickets by intent: opening such a store writes it, and the
/// store then verifies as format 2.
#[test]
fn a_format_1_store_is_migrated_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ids = chats(&data, &["ann", "bob"]);
    let intent_keys =
        |db: &sled::Db| -> usize { db.open_tree("index").unwrap().scan_prefix(b"i").count() };
    {
        let db = sled::open(&data).unwrap();
        assert_eq!(
            intent_keys(&db),
            2,
            "each open ticket is indexed by its intent"
        );
        let index = db.open_tree("index").unwrap();
        for k in index.scan_prefix(b"i").keys() {
            index.remove(k.unwrap()).unwrap();
        }
        let meta = db.open_tree("meta").unwrap();
        meta.insert("format", &1u32.to_be_bytes()[..]).unwrap();
        db.flush().unwrap();
    }
    let o = run(&["verify", "--data", data.to_str().unwrap()], "");
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("store format 2, 2 tickets"),
        "{}",
        stdout(&o)
    );
    {
        let db = sled::open(&data).unwrap();
        assert_eq!(intent_keys(&db), 2, "the migration wrote them again");
    }
    let listed = listed(&data);
    for id in &ids {
        assert!(listed.contains(id.as_str()), "{listed}");
    }
}

#[test]
fn a_store_held_by_another_process_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let held = SledStore::open(dir.path()).unwrap();
    held.flush().unwrap();
    match SledStore::open(dir.path()) {
        Err(e @ StoreError::Locked { .. }) => {
            let m = e.to_string();
            assert!(m.contains("locked by another frontline process"), "{m}");
            assert!(m.contains(&dir.path().display().to_string()), "{m}");
        }
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("opened twice"),
    }
}

/// Runs `script` as root of a new user and mount namespace (so it can mount a small tmpfs), or
/// says why it cannot here.
fn in_namespace(script: &str) -> Result<std::process::Output, String> {
    let probe = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg("mount -t tmpfs -o size=1m tmpfs /mnt")
        .output()
        .map_err(|e| format!("unshare is not available: {e}"))?;
    if !probe.status.success() {
        return Err(format!(
            "cannot mount a tmpfs in a user namespace here: {}",
            String::from_utf8_lossy(&probe.stderr).trim()
        ));
    }
    std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(script)
        .output()
        .map_err(|e| format!("unshare: {e}"))
}

/// The disk fills up, twice: first while tickets are opened (the openings fail with a sentence
/// naming the full disk and the data directory), then with someone else's file while the store
/// has recovery to do on its next open, which left an empty `snap.*.generating` that bricked
/// the store after space was freed. Commands fail the same clear way while the disk is full,
/// and once space is freed the store works again by itself with every confirmed ticket.
#[test]
fn a_full_disk_fails_clearly_and_the_store_recovers_by_itself_once_space_is_freed() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let bin = env!("CARGO_BIN_EXE_frontline");
    let m = mnt.display();
    // Each step's output is kept in a file under the temporary directory (outside the tmpfs).
    let out = dir.path().display();
    let script = format!(
        r#"
        set -u
        mount -t tmpfs -o size=6m tmpfs {m} || exit 90
        D={m}/data
        # Someone else's file, deleted later to free space.
        dd if=/dev/zero of={m}/other bs=1k count=1536 2>/dev/null
        {bin} bench store --data $D --tickets 1000000 --concurrency 4 --print-confirmed > {out}/confirmed 2> {out}/bench.err
        echo $? > {out}/bench.rc
        {bin} tickets list --data $D > /dev/null 2> {out}/list-full.err
        echo $? > {out}/list-full.rc
        echo 'my laptop screen is cracked' | {bin} chat --data $D --as ann > {out}/chat-full.out 2> {out}/chat-full.err
        echo $? > {out}/chat-full.rc
        rm {m}/other
        {bin} tickets list --data $D --json > {out}/list.json 2> {out}/list.err
        echo $? > {out}/list.rc
        echo 'my laptop screen is cracked' | {bin} chat --data $D --as bob > {out}/chat.out 2> {out}/chat.err
        echo $? > {out}/chat.rc
        dd if=/dev/zero of={m}/other bs=4k 2>/dev/null
        {bin} tickets list --data $D > /dev/null 2> {out}/list-full2.err
        echo $? > {out}/list-full2.rc
        ls $D > {out}/left
        rm {m}/other
        {bin} tickets list --data $D --json > {out}/list2.json 2> {out}/list2.err
        echo $? > {out}/list2.rc
        echo 'my laptop screen is cracked' | {bin} chat --data $D --as cid > {out}/chat2.out 2> {out}/chat2.err
        echo $? > {out}/chat2.rc
        {bin} verify --data $D > {out}/verify.out 2>&1
        echo $? > {out}/verify.rc
        "#
    );
    let ran = match in_namespace(&script) {
        Ok(o) => o,
        Err(why) => {
            eprintln!("SKIPPED: the disk-full test needs a small filesystem: {why}");
            return;
        }
    };
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let read = |name: &str| {
        std::fs::read_to_string(dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let rc = |name: &str| read(&format!("{name}.rc")).trim().to_string();
    let full = format!("no space left on the disk holding the store in {m}/data");
    assert_eq!(
        rc("bench"),
        "1",
        "opening tickets stops when the disk is full"
    );
    assert!(read("bench.err").contains(&full), "{}", read("bench.err"));
    let mut confirmed: Vec<String> = read("confirmed")
        .lines()
        .map(|l| l.strip_prefix("confirmed ").unwrap().to_string())
        .collect();
    assert!(confirmed.len() > 100, "{} confirmed", confirmed.len());
    for step in ["list-full", "chat-full", "list-full2"] {
        assert_eq!(rc(step), "1", "{step} fails while the disk is full");
        let e = read(&format!("{step}.err"));
        assert!(
            e.contains(&full) && e.contains("free some space"),
            "{step}: {e}"
        );
        assert_eq!(e.lines().count(), 1, "{step}: one line: {e}");
    }
    assert!(opened_ids(&read("chat-full.out")).is_empty());
    assert!(
        read("left").contains(".generating"),
        "the second fill leaves an unfinished snapshot, as it did when it bricked the store: {}",
        read("left")
    );

    let ids_in = |name: &str| -> std::collections::HashSet<String> {
        let tickets: Vec<serde_json::Value> = serde_json::from_str(&read(name)).unwrap();
        tickets
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        rc("list"),
        "0",
        "after space is freed: {}",
        read("list.err")
    );
    let listed = ids_in("list.json");
    let missing: Vec<&String> = confirmed.iter().filter(|c| !listed.contains(*c)).collect();
    assert!(missing.is_empty(), "confirmed but lost: {missing:?}");
    assert_eq!(rc("chat"), "0", "{}", read("chat.err"));
    let opened = opened_ids(&read("chat.out"));
    assert_eq!(opened.len(), 1, "{}", read("chat.out"));
    assert!(
        !confirmed.contains(&opened[0]),
        "{opened:?} is a new number"
    );
    confirmed.extend(opened);

    assert_eq!(
        rc("list2"),
        "0",
        "after space is freed again: {}",
        read("list2.err")
    );
    let listed = ids_in("list2.json");
    let missing: Vec<&String> = confirmed.iter().filter(|c| !listed.contains(*c)).collect();
    assert!(missing.is_empty(), "confirmed but lost: {missing:?}");
    assert_eq!(rc("chat2"), "0", "{}", read("chat2.err"));
    let opened = opened_ids(&read("chat2.out"));
    assert_eq!(opened.len(), 1, "{}", read("chat2.out"));
    assert!(
        !confirmed.contains(&opened[0]),
        "{opened:?} is a new number"
    );
    assert_eq!(rc("verify"), "0", "{}", read("verify.out"));
    assert!(
        read("verify.out").contains(": OK"),
        "{}",
        read("verify.out")
    );
}

/// The library view of the same promise: the store's tickets survive being reopened.
#[test]
fn a_reopened_store_continues_its_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let s = SledStore::open(dir.path()).unwrap();
        crate::store_backup::open_one(&s, "ann").id
    };
    // sled lets go of its files shortly after a close: a reopen in the same process waits.
    let s = SledStore::open_waiting(dir.path(), std::time::Duration::from_secs(10)).unwrap();
    let second = crate::store_backup::open_one(&s, "bob").id;
    assert_eq!((first.as_str(), second.as_str()), ("T-1000", "T-1001"));
    assert!(s.ticket(&first).unwrap().is_some());
}

/// A store held open (as `frontline run` holds it) while the disk fills: openings fail with the
/// full-disk sentence and so does [`SledStore::health`] (what a health check reports); sled
/// refuses writes from then on until the store is opened again, and opened again in the same
/// process once space is freed it holds every confirmed ticket and writes again.
#[test]
fn a_store_held_open_through_a_full_disk_reports_it_and_reopens_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let me = std::env::current_exe().unwrap();
    let script = format!(
        "mount -t tmpfs -o size=4m tmpfs {m} || exit 90\nFRONTLINE_TEST_SMALL_DISK={m} {me} --exact store_faults::held_open_inner --ignored --nocapture --test-threads 1",
        m = mnt.display(),
        me = me.display()
    );
    let ran = match in_namespace(&script) {
        Ok(o) => o,
        Err(why) => {
            eprintln!("SKIPPED: the disk-full test needs a small filesystem: {why}");
            return;
        }
    };
    let said = String::from_utf8_lossy(&ran.stdout);
    eprintln!("{said}");
    assert!(
        ran.status.success() && said.contains("1 passed"),
        "{said}{}",
        String::from_utf8_lossy(&ran.stderr)
    );
}

/// The part of [`a_store_held_open_through_a_full_disk_reports_it_and_reopens_whole`] that runs
/// inside its namespace, on the small filesystem it names.
#[test]
#[ignore = "run inside a user namespace by a_store_held_open_through_a_full_disk_reports_it_and_reopens_whole"]
fn held_open_inner() {
    let mnt = std::path::PathBuf::from(
        std::env::var_os("FRONTLINE_TEST_SMALL_DISK").expect("FRONTLINE_TEST_SMALL_DISK"),
    );
    let data = mnt.join("data");
    let full = format!(
        "no space left on the disk holding the store in {}",
        data.display()
    );
    let store = SledStore::open(&data).unwrap();
    std::fs::write(mnt.join("other"), vec![0u8; 1 << 20]).unwrap();
    let mut confirmed = Vec::new();
    let err = loop {
        match store.open_ticket(
            &crate::store_concurrency::draft("ann", "l2-network"),
            &frontline::tickets::Actor::User("ann".into()),
            1_000,
        ) {
            Ok(t) => confirmed.push(t.id),
            Err(e) => break e,
        }
    };
    assert!(err.to_string().contains(&full), "{err}");
    assert!(confirmed.len() > 100, "{} confirmed", confirmed.len());
    let health = store.health().unwrap_err();
    assert!(health.to_string().contains(&full), "{health}");
    std::fs::remove_file(mnt.join("other")).unwrap();
    println!(
        "health after freeing space, before reopening: {:?}",
        store.health().map_err(|e| e.to_string())
    );
    drop(store);
    // sled's flusher thread lets go of the files shortly after the drop.
    let store = SledStore::open_waiting(&data, std::time::Duration::from_secs(10))
        .expect("reopens once space is freed");
    store.health().expect("writes again");
    let lost: Vec<&String> = confirmed
        .iter()
        .filter(|id| store.ticket(id).unwrap().is_none())
        .collect();
    assert!(lost.is_empty(), "confirmed but lost: {lost:?}");
    let next = store
        .open_ticket(
            &crate::store_concurrency::draft("bob", "l2-network"),
            &frontline::tickets::Actor::User("bob".into()),
            1_000,
        )
        .unwrap();
    assert!(!confirmed.contains(&next.id), "{} is new", next.id);
}
