//! A confirmed ticket survives a crash: `frontline bench store --print-confirmed` is killed with
//! SIGKILL mid-run, and every ticket it had confirmed must be in the reopened store with
//! consistent indexes. Three rounds on one directory also cover recovering a recovered store.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use frontline::store::{SledStore, Store};

const CONFIRMED_BEFORE_KILL: usize = 300;

#[test]
fn confirmed_tickets_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut all_confirmed: Vec<String> = Vec::new();
    for round in 1..=3 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontline"))
            .args(["bench", "store", "--data"])
            .arg(dir.path())
            .args([
                "--tickets",
                "100000",
                "--concurrency",
                "8",
                "--print-confirmed",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("frontline starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout piped")).lines();
        let mut confirmed = Vec::new();
        while confirmed.len() < CONFIRMED_BEFORE_KILL {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("round {round}: output ended after {confirmed:?}"))
                .expect("utf-8 line");
            let id = line
                .strip_prefix("confirmed ")
                .unwrap_or_else(|| panic!("round {round}: unexpected line {line:?}"));
            confirmed.push(id.to_string());
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("child reaped");
        all_confirmed.extend(confirmed);

        let store = SledStore::open(dir.path())
            .unwrap_or_else(|e| panic!("round {round}: store reopens after SIGKILL: {e}"));
        let missing: Vec<&String> = all_confirmed
            .iter()
            .filter(|id| store.ticket(id).expect("readable").is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "round {round}: confirmed but lost: {missing:?}"
        );
        let n = store
            .verify_indexes()
            .unwrap_or_else(|e| panic!("round {round}: indexes after recovery: {e}"));
        assert!(n >= all_confirmed.len(), "round {round}: {n} tickets");
        for id in &all_confirmed {
            assert_eq!(
                store.events(id).expect("readable").len(),
                1,
                "{id} has its Opened event"
            );
        }
    }
    let unique: std::collections::HashSet<&String> = all_confirmed.iter().collect();
    assert_eq!(
        unique.len(),
        all_confirmed.len(),
        "no number confirmed twice across crashes"
    );
}
