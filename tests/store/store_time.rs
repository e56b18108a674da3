//! Time entries against one organisation under load and under SIGKILL: 64 writers logging time
//! on their own tickets at once lose and double-count no minute (the account's revision is
//! checked in the turn's transaction, the loser rebuilds its entry), and a `frontline run`
//! SIGKILLed during a burst of `tickets log` commands leaves every confirmed entry in the ledger
//! and every balance equal to the sum of its entries (`frontline verify`).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontline::config::Config;
use frontline::desk::accounts::ContractSpec;
use frontline::desk::{AgentCommand, Desk, Event, Incoming};
use frontline::pack::Pack;
use frontline::store::{SledStore, Store};
use frontline::tickets::{Actor, Change, Status, UserRef};
use frontline::triage::Triage;

use crate::store_concurrency::draft;
use crate::support::{bin, run, stderr, stdout};

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
        .unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

const WRITERS: usize = 64;
const ENTRIES: usize = 12;

#[test]
fn sixty_four_writers_logging_time_lose_and_double_count_no_minute() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SledStore::open(dir.path()).unwrap());
    let desk = Arc::new(Desk::new(engine(), Config::default_config(), store.clone()));
    let now = 1_795_000_000_000; // 2026-11-18
    // The built-in configuration's organisation `acme`: a 10-hour block, then overage.
    let (_, block) = desk
        .add_contract(
            &ContractSpec {
                org: "acme".into(),
                kind: "block".into(),
                hours: "10".into(),
                start: Some("2026-11-01".into()),
                ..ContractSpec::default()
            },
            now,
        )
        .unwrap()
        .unwrap();
    let alice = UserRef::local("alice");
    let mut tickets = vec![];
    for i in 0..WRITERS {
        let mut t = store
            .open_ticket(
                &|n| {
                    let mut t = draft(&format!("u{i}"), "l2-general")(n);
                    t.organisation = Some("acme".into());
                    t
                },
                &Actor::Bot,
                now,
            )
            .unwrap();
        let (claimed, _) = store
            .change(
                &t.id,
                &Actor::Agent("alice".into()),
                &Change::Claimed {
                    agent: "alice".into(),
                    user: Some(alice.clone()),
                },
                now,
            )
            .unwrap();
        t = claimed;
        assert_eq!(t.status, Status::Claimed);
        tickets.push(t.id);
    }
    // Writer i logs ENTRIES entries of 1..=7 minutes on its own ticket, all at once.
    let minutes = |i: usize, k: usize| ((i * 31 + k * 7) % 7 + 1) as u32;
    std::thread::scope(|s| {
        for (i, id) in tickets.iter().enumerate() {
            let desk = desk.clone();
            let alice = alice.clone();
            s.spawn(move || {
                for k in 0..ENTRIES {
                    desk.process(
                        Incoming::keyed(
                            format!("log:{id}:{k}"),
                            Event::Agent {
                                by: alice.clone(),
                                roles: vec![],
                                command: AgentCommand::LogTime {
                                    ticket: id.clone(),
                                    minutes: minutes(i, k),
                                    activity: Default::default(),
                                    billable: true,
                                },
                            },
                        ),
                        now + 1_000 + k as u64,
                    )
                    .unwrap_or_else(|e| panic!("writer {i} entry {k}: {e}"));
                }
            });
        }
    });
    let total: i64 = (0..WRITERS)
        .flat_map(|i| (0..ENTRIES).map(move |k| minutes(i, k) as i64))
        .sum();
    assert!(total > 600, "the burst goes past the block: {total} min");
    let account = store.account("acme").unwrap().unwrap();
    let ledger = store.ledger("acme", None).unwrap();
    assert_eq!(
        ledger.len(),
        WRITERS * ENTRIES,
        "one ledger entry per time entry"
    );
    assert_eq!(account.entries, (WRITERS * ENTRIES) as u64);
    let mut seqs: Vec<u64> = ledger.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=(WRITERS * ENTRIES) as u64).collect::<Vec<_>>());
    assert_eq!(ledger.iter().map(|e| e.minutes).sum::<i64>(), total);
    // The block took exactly its 600 minutes, the rest is overage: no minute lost or doubled.
    assert_eq!(account.used[&block.id]["2026-11"], 600);
    assert_eq!(account.overage["2026-11"], total - 600);
    for (i, id) in tickets.iter().enumerate() {
        let t = store.ticket(id).unwrap().unwrap();
        let mine: u32 = (0..ENTRIES).map(|k| minutes(i, k)).sum();
        assert_eq!(t.minutes_spent, mine, "{id}");
        assert_eq!(
            ledger
                .iter()
                .filter(|e| e.ticket == *id)
                .map(|e| e.minutes)
                .sum::<i64>(),
            mine as i64,
            "{id}'s entries"
        );
    }
    drop(desk);
    drop(store);
    let o = run(&["verify", "--data", dir.path().to_str().unwrap()], "");
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(&format!("1 accounts, {} time entries", WRITERS * ENTRIES)),
        "{}",
        stdout(&o)
    );
}

fn config(dir: &Path) -> std::path::PathBuf {
    // No chat platform: `frontline run` serves the control socket (and an SMTP worker nobody
    // needs) so the CLI's commands run inside it.
    let local = frontline::config::DEFAULT_CONFIG
        .replace("\ntier = ", "\nplatform = \"local\"\ntier = ")
        .replace(
            r#"users = ["local:jan", "local:anna"]"#,
            r#"users = ["local:jan", "local:anna", "local:ola", "local:piotr"]"#,
        );
    let text = format!(
        "{local}\n[smtp]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nfrom = \"desk@desk.example\"\n"
    );
    let path = dir.join("frontline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits for `frontline run` to answer on its control socket.
fn wait_for_socket(data: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !data.join("control.sock").exists() {
        assert!(Instant::now() < deadline, "frontline run did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
}

#[test]
fn a_sigkill_during_a_burst_of_time_entries_keeps_every_confirmed_one() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path());
    let data = tmp.path().join("data");
    let (c, d) = (cfg.to_str().unwrap(), data.to_str().unwrap());
    let cli = |args: &[&str], input: &str| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--config", c, "--data", d]);
        run(&all, input)
    };
    let o = cli(
        &[
            "contracts",
            "add",
            "--org",
            "acme",
            "--kind",
            "block",
            "--hours",
            "3",
            "--json",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // Four tickets of acme's people, claimed by alice.
    let mut tickets = vec![];
    for (i, who) in ["jan", "anna", "ola", "piotr"].iter().enumerate() {
        let o = cli(
            &["chat", "--as", who],
            &format!("my laptop screen is cracked, case {i}\n"),
        );
        let id = crate::support::opened_ids(&stdout(&o))
            .pop()
            .unwrap_or_else(|| panic!("no ticket: {}", stdout(&o)));
        let o = cli(&["tickets", "claim", &id, "--as", "alice"], "");
        assert!(o.status.success(), "{}", stderr(&o));
        tickets.push(id);
    }
    // Confirmed entries: (seq, ticket, minutes), as the commands printed them.
    let confirmed: Arc<Mutex<BTreeMap<u64, (String, i64)>>> = Arc::default();
    for round in 0..3 {
        let mut bot = bin()
            .args(["run", "--config", c, "--data", d])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_socket(&data);
        let killed = Arc::new(AtomicBool::new(false));
        std::thread::scope(|s| {
            for (lane, id) in tickets.iter().enumerate() {
                let (confirmed, killed) = (confirmed.clone(), killed.clone());
                s.spawn(move || {
                    let mut k = 0;
                    while !killed.load(Ordering::SeqCst) {
                        let m = ((round * 7 + lane * 3 + k) % 9 + 1).to_string();
                        k += 1;
                        let o = run(
                            &[
                                "tickets",
                                "log",
                                id,
                                "--as",
                                "alice",
                                "--minutes",
                                &m,
                                "--json",
                                "--config",
                                c,
                                "--data",
                                d,
                            ],
                            "",
                        );
                        if !o.status.success() {
                            continue;
                        }
                        let v: serde_json::Value = match serde_json::from_str(&stdout(&o)) {
                            Ok(v) => v,
                            Err(_) => continue,
                        };
                        for e in v["entries"].as_array().into_iter().flatten() {
                            let seq = e["seq"].as_u64().unwrap();
                            let before = confirmed
                                .lock()
                                .unwrap()
                                .insert(seq, (id.clone(), e["minutes"].as_i64().unwrap()));
                            assert!(before.is_none(), "entry {seq} confirmed twice");
                        }
                    }
                });
            }
            // Kill the bot in the middle of the burst.
            let start = confirmed.lock().unwrap().len();
            let deadline = Instant::now() + Duration::from_secs(120);
            while confirmed.lock().unwrap().len() < start + 12 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            bot.kill().expect("SIGKILL");
            killed.store(true, Ordering::SeqCst);
        });
        let _ = bot.wait();
        let _ = std::fs::remove_file(data.join("control.sock"));
        // Offline now: every confirmed entry is in the ledger as confirmed, the balances are
        // the sum of the entries.
        let store = SledStore::open(&data).unwrap();
        let ledger = store.ledger("acme", None).unwrap();
        let confirmed = confirmed.lock().unwrap();
        for (seq, (ticket, minutes)) in confirmed.iter() {
            let e = ledger
                .iter()
                .find(|e| e.seq == *seq)
                .unwrap_or_else(|| panic!("round {round}: confirmed entry {seq} lost"));
            assert_eq!((&e.ticket, e.minutes), (ticket, *minutes), "entry {seq}");
        }
        // What was committed but not yet confirmed when the bot died: at most one per client.
        assert!(
            ledger.len() <= confirmed.len() + tickets.len(),
            "round {round}: {} entries, {} confirmed",
            ledger.len(),
            confirmed.len()
        );
        eprintln!(
            "round {round}: {} entries confirmed in all, {} in the ledger after the SIGKILL",
            confirmed.len(),
            ledger.len()
        );
        let account = store.account("acme").unwrap().unwrap();
        let used: i64 = account.used.values().flat_map(|m| m.values()).sum::<i64>()
            + account.overage.values().sum::<i64>();
        assert_eq!(
            used,
            ledger.iter().map(|e| e.minutes).sum::<i64>(),
            "round {round}"
        );
        for t in &tickets {
            let spent = store.ticket(t).unwrap().unwrap().minutes_spent as i64;
            let logged: i64 = ledger
                .iter()
                .filter(|e| &e.ticket == t)
                .map(|e| e.minutes)
                .sum();
            assert_eq!(spent, logged, "round {round}: {t}");
        }
        drop(store);
        let o = run(&["verify", "--config", c, "--data", d], "");
        assert!(
            o.status.success(),
            "round {round}: {}{}",
            stdout(&o),
            stderr(&o)
        );
    }
    let statement = cli(
        &[
            "statements",
            "--org",
            "acme",
            "--month",
            &frontline::contracts::local_date(
                frontline::tickets::now_ms(),
                &jiff::tz::TimeZone::UTC,
            )[..7],
            "--format",
            "json",
        ],
        "",
    );
    let s: serde_json::Value = serde_json::from_str(&stdout(&statement)).unwrap();
    let rows: i64 = s["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["minutes"].as_i64().unwrap())
        .sum();
    assert_eq!(rows, s["charged_minutes"].as_i64().unwrap());
    assert_eq!(
        s["opening_minutes"].as_i64().unwrap() + s["added_minutes"].as_i64().unwrap()
            - (s["charged_minutes"].as_i64().unwrap() - s["overage_minutes"].as_i64().unwrap())
            - s["expired_minutes"].as_i64().unwrap(),
        s["closing_minutes"].as_i64().unwrap()
    );
}
