//! Automation rules through the desk with a controlled clock: what each trigger does to a ticket,
//! what people are told and what goes to the outbox; a disabled rule never fires whatever
//! happens; a rule's own changes do not set rules off again; configuration mistakes name the
//! file, line and field.

use std::path::Path;
use std::sync::Arc;

use frontline::clocks::calendar::parse_instant;
use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::desk::{Action, AgentCommand, Desk, Event, Incoming, Processed};
use frontline::pack::Pack;
use frontline::store::{SledStore, Store};
use frontline::tickets::{Change, UserRef};
use frontline::triage::Triage;

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&crate::common::default_pack()).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

const RULES: &str = r#"
[automations.webhooks.ops]
url = "http://127.0.0.1:9/hooks"
secret_env = "OPS_SECRET"

[[automations.rules]]
name = "printers to general"
when = "opened"
if = { intent = "printer", keywords = ["toner", "jam*"] }
then = [{ route = "l2-general" }, { tag = "printer" }, { set_priority = "P2" }, { notify = { channel = "ops", text = "{ticket}: {subject} ({priority})" } }]

[[automations.rules]]
name = "switched off"
enabled = false
when = ["opened", "updated", "message", "sla_warning", "sla_breach", "timer"]
then = [{ tag = "never" }, { set_priority = "P1" }]

[[automations.rules]]
name = "urgent"
when = "message"
if = { keywords = ["urgent", "pilne"] }
then = [{ set_priority = "P1" }, { dm = { to = "carol", text = "{ticket} is urgent" } }]

[[automations.rules]]
name = "breach goes up"
when = "sla_breach"
if = { timer = "sla_breach" }
then = [{ escalate = "SLA breached ({rule})" }, { webhook = "ops" }]

[[automations.rules]]
name = "claimed P2 gets tagged"
when = "updated"
if = { priority = "P2", status = "claimed" }
then = [{ tag = "watched" }, { set_priority = "P2" }]
"#;

fn config(extra: &str) -> Config {
    let text = format!("{DEFAULT_CONFIG}\n{extra}");
    Config::parse(Path::new("rules.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> u64 {
    parse_instant(s).unwrap()
}

fn user(name: &str, text: &str) -> Incoming {
    Incoming::plain(Event::UserMessage {
        user: UserRef::local(name),
        text: text.into(),
    })
}

fn agent(name: &str, command: AgentCommand) -> Incoming {
    Incoming::plain(Event::Agent {
        by: UserRef::local(name),
        roles: vec![],
        command,
    })
}

fn form(name: &str, subject: &str, description: &str) -> Incoming {
    Incoming::plain(Event::OpenTicket {
        user: UserRef::local(name),
        subject: subject.into(),
        description: description.into(),
    })
}

fn actions(p: &Processed) -> Vec<Action> {
    p.outbox().iter().map(|e| e.action.clone()).collect()
}

/// The rules that ran on a ticket, in order, from its log.
fn ran(desk: &Desk, id: &str) -> Vec<String> {
    desk.store()
        .events(id)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.change {
            Change::AutomationRan { rule, trigger, .. } => Some(format!("{rule} ({trigger})")),
            _ => None,
        })
        .collect()
}

#[test]
fn rules_route_tag_notify_and_reprioritise_as_tickets_change() {
    let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
    let desk = Desk::new(engine(), config(RULES), store);
    let run = |i: Incoming, when: &str| desk.process(i, at(when)).expect("processed");

    // Opened from the form, a printer with a jam: moved to l2-general (the card goes there, not
    // to the printer queue), tagged, P2, the ops channel told; the requester is told P2.
    let p = run(
        form(
            "jan",
            "printer PRN-3",
            "paper jam again and the toner is low",
        ),
        "2026-11-30T10:00:00+01:00",
    );
    let t = desk.store().ticket("T-1000").unwrap().unwrap();
    assert_eq!(t.detection.intent, "printer");
    assert_eq!(t.queue, "l2-general");
    assert_eq!(t.tags, ["printer"]);
    assert_eq!(t.priority.to_string(), "P2");
    let acts = actions(&p);
    let cards: Vec<&str> = acts
        .iter()
        .filter_map(|a| match a {
            Action::PostCard { queue, .. } => Some(queue.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(cards, ["l2-general"], "{acts:#?}");
    assert!(
        acts.iter()
            .any(|a| matches!(a, Action::Post { channel, text, .. }
            if channel == "ops" && text == "T-1000: printer PRN-3 (P2)")),
        "{acts:#?}"
    );
    let told: Vec<&str> = acts
        .iter()
        .filter_map(|a| match a {
            Action::Reply { to, text, .. } if to.id == "jan" => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        told.iter().any(|t| t.contains("T-1000 (priority P2)")),
        "{told:?}"
    );
    assert_eq!(ran(&desk, "T-1000"), ["printers to general (opened)"]);

    // The same words without the keywords: no rule.
    run(
        form("anna", "printer PRN-4", "it prints blank pages"),
        "2026-11-30T10:05:00+01:00",
    );
    let t = desk.store().ticket("T-1001").unwrap().unwrap();
    assert!(t.tags.is_empty(), "{:?}", t.tags);
    assert!(ran(&desk, "T-1001").is_empty());

    // Anna writes again, in Polish with diacritics and capitals: "PILNE" matches `pilne`; P1,
    // and carol is told.
    let p = run(
        user("anna", "To PILNE, drukujemy faktury dziś"),
        "2026-11-30T10:20:00+01:00",
    );
    let t = desk.store().ticket("T-1001").unwrap().unwrap();
    assert_eq!(t.priority.to_string(), "P1");
    assert!(
        actions(&p)
            .iter()
            .any(|a| matches!(a, Action::Notify { to, text, .. }
            if to.id == "carol" && text == "T-1001 is urgent")),
        "{:#?}",
        actions(&p)
    );
    assert_eq!(ran(&desk, "T-1001"), ["urgent (message)"]);

    // Alice claims the P2 printer ticket: "updated" runs once; its own tag and (unchanged)
    // priority do not set it off again, and a later update finds the tag already there.
    run(
        agent(
            "alice",
            AgentCommand::Claim {
                ticket: "T-1000".into(),
            },
        ),
        "2026-11-30T10:30:00+01:00",
    );
    run(
        agent(
            "alice",
            AgentCommand::Note {
                ticket: "T-1000".into(),
                text: "ordered toner".into(),
            },
        ),
        "2026-11-30T10:31:00+01:00",
    );
    let t = desk.store().ticket("T-1000").unwrap().unwrap();
    assert_eq!(t.tags, ["printer", "watched"]);
    assert_eq!(
        ran(&desk, "T-1000"),
        [
            "printers to general (opened)",
            "claimed P2 gets tagged (updated)",
            "claimed P2 gets tagged (updated)"
        ]
    );
    let tagged = desk
        .store()
        .events("T-1000")
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.change, Change::Tagged { .. }))
        .count();
    assert_eq!(tagged, 2, "one tag event per tag");

    // The disabled rule never ran on anything that happened.
    for id in ["T-1000", "T-1001"] {
        assert!(!ran(&desk, id).iter().any(|r| r.starts_with("switched off")));
        let t = desk.store().ticket(id).unwrap().unwrap();
        assert!(!t.tags.contains(&"never".to_string()), "{:?}", t.tags);
    }
}

#[test]
fn an_sla_breach_escalates_and_calls_the_webhook_once() {
    let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
    // No re-announcements here: they would take the ticket to L3 before any breach.
    let rules = format!("[automations]\nunclaimed_bump_minutes = 0\n{RULES}");
    let desk = Desk::new(engine(), config(&rules), store);
    desk.process(
        form("jan", "VPN drops", "the vpn disconnects every few minutes"),
        at("2026-11-30T10:00:00+01:00"),
    )
    .unwrap();
    // Every timer fired in due order up to a week later, as `timers fire` does.
    let webhooks: Vec<(String, String, String)> =
        fire_until(&desk, at("2026-12-07T10:00:00+01:00"))
            .into_iter()
            .filter_map(|a| match a {
                Action::Webhook {
                    hook,
                    delivery,
                    body,
                } => Some((hook, delivery, body)),
                _ => None,
            })
            .collect();
    let t = desk.store().ticket("T-1000").unwrap().unwrap();
    assert_eq!(t.queue, "l3-engineering", "{:?}", ran(&desk, "T-1000"));
    assert_eq!(t.l3_note.as_deref(), Some("SLA breached (breach goes up)"));
    // One breach of the first response escalated it; the later breach of the resolution finds
    // no tier above L3 to go to, and still calls the webhook.
    assert!(!webhooks.is_empty(), "no webhook call");
    let first: serde_json::Value = serde_json::from_str(&webhooks[0].2).unwrap();
    assert_eq!(webhooks[0].0, "ops");
    assert_eq!(first["event"], "ticket.sla_breach");
    assert_eq!(first["rule"], "breach goes up");
    assert_eq!(first["ticket"]["id"], "T-1000");
    assert_eq!(first["id"], webhooks[0].1);
    let ids: std::collections::BTreeSet<&String> = webhooks.iter().map(|w| &w.1).collect();
    assert_eq!(
        ids.len(),
        webhooks.len(),
        "each call has its own delivery id"
    );
    assert!(
        ran(&desk, "T-1000")
            .iter()
            .all(|r| r == "breach goes up (sla_breach)")
    );
}

#[test]
fn mistakes_in_rules_name_the_file_line_and_field() {
    let cases = [
        (
            "[[automations.rules]]\nname = \"a\"\nwhen = \"closed\"\nthen = [{ tag = \"x\" }]\n",
            "automations.rules[0].when",
            "`closed` is not a trigger",
        ),
        (
            "[[automations.rules]]\nname = \"a\"\nwhen = \"opened\"\nthen = [{ route = \"nowhere\" }]\n",
            "automations.rules[0].then[0]",
            "no queue `nowhere`",
        ),
        (
            "[[automations.rules]]\nname = \"a\"\nwhen = \"opened\"\nthen = [{ rout = \"l2-general\" }]\n",
            "automations.rules",
            "unknown variant `rout`",
        ),
        (
            "[[automations.rules]]\nname = \"a\"\nwhen = \"opened\"\nif = { priority = \"P9\" }\nthen = [{ tag = \"x\" }]\n",
            "automations.rules[0].if.priority",
            "`P9` is not a priority",
        ),
        (
            "[[automations.rules]]\nname = \"a\"\nwhen = \"opened\"\nthen = [{ webhook = \"ops\" }]\n",
            "automations.rules[0].then[0]",
            "no [automations.webhooks.ops]",
        ),
        (
            "[automations.webhooks.ops]\nurl = \"ftp://x\"\nsecret_env = \"S\"\n",
            "automations.webhooks.ops.url",
            "not an http:// or https:// URL",
        ),
        (
            "[[automations.rules]]\nname = \"a\"\nwhen = \"opened\"\nthen = [{ assign = \"zed\" }]\n",
            "automations.rules[0].then[0]",
            "no agent named `zed`",
        ),
    ];
    let base_lines = DEFAULT_CONFIG.lines().count() + 1;
    for (extra, field, message) in cases {
        let text = format!("{DEFAULT_CONFIG}\n{extra}");
        let err = Config::parse(Path::new("rules.toml"), &text)
            .err()
            .unwrap_or_else(|| panic!("accepted: {extra}"))
            .to_string();
        assert!(err.contains("rules.toml:"), "{err}");
        assert!(err.contains(field), "{field} in {err}");
        assert!(err.contains(message), "{message} in {err}");
        // The line is inside the rule, not the file's start.
        let line: usize = err
            .split("rules.toml:")
            .nth(1)
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(line > base_lines, "line {line} of {err}");
    }
    // An intent the pack does not have is found when checked against the pack.
    let c = config(
        "[[automations.rules]]\nname = \"a\"\nwhen = \"opened\"\nif = { intent = \"printr\" }\nthen = [{ tag = \"x\" }]\n",
    );
    let pack = Pack::load(&crate::common::default_pack()).unwrap();
    let err = c.check_against(&pack).unwrap_err().to_string();
    assert!(
        err.contains("automations.rules[0].if.intent") && err.contains("no intent `printr`"),
        "{err}"
    );
}

/// Fires every timer due up to `until`, in due order, each at its own instant (as `timers fire`
/// does); returns what the firings asked the platforms to do.
fn fire_until(desk: &Desk, until: u64) -> Vec<Action> {
    let mut out = Vec::new();
    for _ in 0..1000 {
        let due = desk.store().timers(until, None, 1).unwrap();
        let Some(timer) = due.first().cloned() else {
            return out;
        };
        let p = desk
            .process(
                Incoming::keyed(
                    format!("timer:{}:{}", timer.id, timer.due_ms),
                    Event::TimerFired {
                        id: timer.id.clone(),
                        ticket: timer.ticket.clone(),
                        due_ms: timer.due_ms,
                    },
                ),
                timer.due_ms,
            )
            .unwrap();
        out.extend(actions(&p));
    }
    panic!("timers keep firing");
}

/// The built-in automations, on (the default) and off (each set to 0): a ticket waiting on its
/// requester is reminded and then closed with a message (in Polish for a Polish requester); a
/// resolved one is asked for a rating once more and closes by itself; with every default off nothing is scheduled, and a month of
/// firing changes nothing.
#[test]
fn built_in_automations_fire_when_on_and_never_when_off() {
    for on in [true, false] {
        let off = "[automations]\nwaiting_reminder_days = 0\nwaiting_close_days = 0\nresolved_close_days = 0\nunclaimed_bump_minutes = 0\ncsat_reminder_hours = 0\n";
        let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
        let desk = Desk::new(engine(), config(if on { "" } else { off }), store);
        let run = |i: Incoming, when: &str| desk.process(i, at(when)).expect("processed");
        run(
            form(
                "ola",
                "drukarka",
                "drukarka na 2 piętrze nie drukuje, pilne",
            ),
            "2026-11-30T10:00:00+01:00",
        );
        run(
            form("jan", "VPN drops", "the vpn disconnects every few minutes"),
            "2026-11-30T10:01:00+01:00",
        );
        for (id, who) in [("T-1000", "alice"), ("T-1001", "bob")] {
            run(
                agent(who, AgentCommand::Claim { ticket: id.into() }),
                "2026-11-30T10:05:00+01:00",
            );
        }
        run(
            agent(
                "alice",
                AgentCommand::Ask {
                    ticket: "T-1000".into(),
                    text: "Który to model drukarki?".into(),
                },
            ),
            "2026-11-30T10:10:00+01:00",
        );
        run(
            agent(
                "bob",
                AgentCommand::Resolve {
                    activity: Default::default(),
                    ticket: "T-1001".into(),
                    note: "client updated".into(),
                    minutes: 15,
                    outcome: None,
                },
            ),
            "2026-11-30T10:20:00+01:00",
        );
        let kinds: Vec<String> = desk
            .store()
            .timers(u64::MAX, None, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|t| format!("{} {}", t.ticket, t.kind.as_str()))
            .filter(|k| !k.contains("sla_"))
            .collect();
        let said: Vec<String> = fire_until(&desk, at("2026-12-30T10:00:00+01:00"))
            .iter()
            .filter_map(|a| match a {
                Action::Reply { to, text, .. } => Some(format!("{}: {text}", to.id)),
                _ => None,
            })
            .collect();
        let status = |id: &str| desk.store().ticket(id).unwrap().unwrap().status;
        if on {
            assert_eq!(
                kinds,
                // Soonest first: the rating asked again after 24 hours, the reminder after 3
                // days, the resolved ticket's closing after 5, the waiting one's after 7.
                [
                    "T-1001 csat",
                    "T-1000 reminder",
                    "T-1001 auto_close",
                    "T-1000 auto_close"
                ]
            );
            assert!(
                said.iter()
                    .any(|s| s.starts_with("ola: ") && s.contains("T-1000")),
                "{said:?}"
            );
            assert!(
                said.iter().any(|s| s
                    == "ola: Zgłoszenie T-1000 zostało zamknięte, bo nie dostaliśmy odpowiedzi. Napisz tutaj, jeśli nadal potrzebujesz pomocy."),
                "{said:?}"
            );
            assert!(
                said.iter().any(|s| s
                    == "jan: Ticket T-1001 was resolved. How would you rate the help, 1 to 5? If the problem is back, just tell me."),
                "{said:?}"
            );
            assert_eq!(status("T-1000").as_str(), "closed");
            assert_eq!(status("T-1001").as_str(), "closed");
        } else {
            assert!(kinds.is_empty(), "{kinds:?}");
            assert!(said.is_empty(), "{said:?}");
            assert_eq!(status("T-1000").as_str(), "waiting_on_user");
            assert_eq!(status("T-1001").as_str(), "resolved");
        }
    }
}

/// A rule may ask for approval for any request: the ticket waits for the approver (claims are
/// refused) and the requester is told who decides.
#[test]
fn a_rule_requests_approval_for_a_software_install() {
    let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
    let rules = r#"
[[automations.rules]]
name = "paid software needs a yes"
when = "opened"
if = { intent = "software_install", keywords = ["adobe", "photoshop"] }
then = [{ request_approval = "paid licence ({rule})" }]
"#;
    let desk = Desk::new(engine(), config(rules), store);
    let p = desk
        .process(
            form(
                "jan",
                "Photoshop",
                "please install adobe photoshop on my laptop",
            ),
            at("2026-11-30T10:00:00+01:00"),
        )
        .unwrap();
    let t = desk.store().ticket("T-1000").unwrap().unwrap();
    assert_eq!(t.detection.intent, "software_install");
    let a = t.approval.clone().expect("waiting for approval");
    assert_eq!(a.state.as_str(), "pending");
    assert_eq!(
        a.requested_because,
        "paid licence (paid software needs a yes)"
    );
    let told: Vec<String> = actions(&p)
        .iter()
        .filter_map(|a| match a {
            Action::Reply { to, text, .. } if to.id == "jan" => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert!(
        told.iter().any(|t| t.contains("needs approval")),
        "{told:?}"
    );
    let p = desk
        .process(
            agent(
                "alice",
                AgentCommand::Claim {
                    ticket: "T-1000".into(),
                },
            ),
            at("2026-11-30T10:05:00+01:00"),
        )
        .unwrap();
    assert!(
        actions(&p)
            .iter()
            .any(|a| matches!(a, Action::Notify { text, .. }
            if text.contains("awaiting approval"))),
        "{:#?}",
        actions(&p)
    );
    assert_eq!(ran(&desk, "T-1000"), ["paid software needs a yes (opened)"]);
}
