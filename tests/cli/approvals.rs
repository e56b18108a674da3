//! Approvals from the command line, through the real binary: a hardware request (English) and an
//! access request (Polish) wait for an admin; `tickets approve` / `tickets deny` decide them (exit
//! 0 on success, 1 when refused, JSON like the other agent commands); the approver is reminded by
//! an `approval_reminder` timer that `timers fire --until` fires; the requesters read the outcome
//! in their language at their next `frontline chat`.

use std::path::Path;

use serde_json::Value;

use crate::common::{run_in, stdout, write};

fn frontline(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--config", "frontline.toml", "--data", "store"]);
    run_in(dir, &all, stdin.as_bytes())
}

/// A `tickets approve|deny|claim ... --json` answer and its exit code.
fn decide(dir: &Path, args: &[&str]) -> (i32, Value) {
    let o = frontline(dir, args, "");
    let v = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            stdout(&o),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), v)
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let o = frontline(dir, args, "");
    assert!(o.status.success(), "{}: {}", args.join(" "), stdout(&o));
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

fn chat(dir: &Path, who: &str, lines: &str) -> String {
    let o = frontline(dir, &["chat", "--as", who], lines);
    assert!(o.status.success(), "chat as {who}");
    stdout(&o)
}

#[test]
fn approve_and_deny_from_the_command_line_with_a_reminder_between() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "frontline.toml", frontline::config::DEFAULT_CONFIG);

    let said = chat(
        dir,
        "jan",
        "I need a new monitor for my desk\ntwo 27 inch monitors\nnew, for design work\nmy manager Dana\n",
    );
    assert!(
        said.contains(
            "Your request T-1000 needs approval by an admin before an agent can start on it."
        ),
        "{said}"
    );
    let said = chat(
        dir,
        "anna",
        "potrzebuję dostępu do folderu Finanse na dysku sieciowym\nfolder Finanse, edycja\ndla mnie\nmoja kierowniczka Ewa\n",
    );
    assert!(
        said.contains("Twoje zgłoszenie T-1001 wymaga zatwierdzenia przez: administratora"),
        "{said}"
    );

    // Nobody works on them yet: alice can neither claim nor approve.
    let (code, v) = decide(
        dir,
        &["tickets", "claim", "T-1000", "--as", "alice", "--json"],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        v["message"],
        "T-1000 is awaiting approval by an admin; it can be claimed once approved"
    );
    let (code, v) = decide(
        dir,
        &["tickets", "approve", "T-1000", "--as", "alice", "--json"],
    );
    assert_eq!((code, v["ok"].clone()), (1, Value::Bool(false)), "{v}");
    assert_eq!(v["message"], "Only an admin can approve T-1000.");
    assert_eq!(v["ticket"]["approval"]["state"], "pending");

    // The reminder is a durable timer, in the list with the other timers.
    let timers = json(dir, &["timers", "list", "--ticket", "T-1000", "--json"]);
    let reminder = timers
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "approval_reminder")
        .unwrap_or_else(|| panic!("no approval_reminder in {timers}"))
        .clone();
    assert_eq!(reminder["id"], "T-1000:approval_reminder:approval");
    let due = reminder["due"].as_str().unwrap().to_string();
    let fired = json(dir, &["timers", "fire", "--until", &due, "--json"]);
    let ids: Vec<&str> = fired
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"T-1000:approval_reminder:approval"),
        "{fired}"
    );
    // root (the admin) reads the request and the reminder in their agent terminal.
    let o = frontline(dir, &["agent", "--as", "root"], "inbox\n");
    let inbox = stdout(&o);
    assert!(inbox.contains("Approval needed for T-1000."), "{inbox}");
    assert!(
        inbox.contains("Reminder: T-1000 has waited for approval since"),
        "{inbox}"
    );
    assert!(inbox.contains("approve T-1000"), "{inbox}");

    // root approves: exit 0; jan is told; the reminder goes; deciding again is refused.
    let (code, v) = decide(
        dir,
        &["tickets", "approve", "T-1000", "--as", "root", "--json"],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["ok"], true);
    assert_eq!(
        v["message"],
        "T-1000 approved; it is waiting in l2-workplace for an agent, and jan has been told."
    );
    let approval = &v["ticket"]["approval"];
    assert_eq!(
        (
            &approval["state"],
            &approval["approver"],
            &approval["decided_by"]
        ),
        (
            &Value::from("approved"),
            &Value::from("role:admin"),
            &Value::from("root")
        )
    );
    let timers = json(dir, &["timers", "list", "--ticket", "T-1000", "--json"]);
    assert!(
        !timers
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "approval_reminder"),
        "{timers}"
    );
    let (code, v) = decide(
        dir,
        &["tickets", "approve", "T-1000", "--as", "root", "--json"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        v["message"],
        "T-1000 was already approved by root; nothing changed."
    );
    let said = chat(dir, "jan", "");
    assert!(
        said.contains("Good news: your request T-1000 was approved by root."),
        "{said}"
    );
    let (code, v) = decide(
        dir,
        &["tickets", "claim", "T-1000", "--as", "alice", "--json"],
    );
    assert_eq!(code, 0, "{v}");

    // Anna's request is denied with a reason: closed, and she reads why in Polish.
    let o = frontline(
        dir,
        &[
            "tickets",
            "deny",
            "T-1001",
            "--as",
            "root",
            "--reason",
            "brak zgody kierownika",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o).trim(),
        "T-1001 denied and closed; anna has been told why."
    );
    let shown = json(dir, &["tickets", "show", "T-1001", "--json"]);
    assert_eq!(shown["ticket"]["status"], "closed");
    assert_eq!(shown["ticket"]["approval"]["state"], "denied");
    assert_eq!(
        shown["ticket"]["approval"]["reason"],
        "brak zgody kierownika"
    );
    let kinds: Vec<&str> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["change"]["type"].as_str().unwrap())
        .collect();
    // (SLA timers fired in between: the clocks ran while it waited.)
    assert_eq!(kinds[..2], ["opened", "approval_requested"], "{kinds:?}");
    assert_eq!(kinds[kinds.len() - 2..], ["denied", "closed"], "{kinds:?}");
    let said = chat(dir, "anna", "");
    assert!(
        said.contains(
            "Twoje zgłoszenie T-1001 nie zostało zatwierdzone (odmówił(a): root): brak zgody kierownika"
        ),
        "{said}"
    );
    assert!(said.contains("Zgłoszenie jest zamknięte"), "{said}");
    // The ticket as the admin reads it says the approval's state.
    let o = frontline(dir, &["tickets", "show", "T-1001"], "");
    assert!(
        stdout(&o).contains("approval: denied by root: brak zgody kierownika"),
        "{}",
        stdout(&o)
    );
}
