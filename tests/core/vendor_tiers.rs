//! Tiers L1 to L5 through the desk: a hardware fault goes from the bot (L1) to an L2 agent, to
//! engineering (L3), and from there outside: to a vendor by e-mail (L4) and to the manufacturer
//! by webhook (L5). The case each of them gets, what the requester and the agents read, the
//! vendor's case number and replies on the card, and who may do what. Also the small shop that
//! merges L1 and L2 (a queue's agent on duty gets its tickets at once), and configuration
//! mistakes named by file, line and field.

use std::path::Path;
use std::sync::Arc;

use frontline::clocks::calendar::parse_instant;
use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::desk::{Action, ActionId, AgentCommand, Desk, Event, Incoming, Processed};
use frontline::pack::Pack;
use frontline::store::{SledStore, Store};
use frontline::tickets::{Tier, UserRef};
use frontline::triage::Triage;

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&crate::common::default_pack()).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

const VENDORS: &str = r#"
[automations.webhooks.maker]
url = "http://127.0.0.1:9/cases"
secret_env = "MAKER_SECRET"

[[vendors]]
id = "acme-hw"
name = "ACME Hardware"
tier = "L4"
email = "support@acme-hw.example"

[[vendors]]
id = "maker"
name = "Maker Corp"
tier = "L5"
webhook = "maker"

[smtp]
host = "127.0.0.1"
port = 2525
tls = "none"
from = "Support desk <help@desk.example>"
"#;

fn config(extra: &str, changes: &[(&str, &str)]) -> Config {
    let mut text = format!("{DEFAULT_CONFIG}\n{extra}");
    for (line, instead) in changes {
        assert!(text.contains(line), "the config has {line}");
        text = text.replacen(line, instead, 1);
    }
    Config::parse(Path::new("tiers.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> u64 {
    parse_instant(s).unwrap()
}

/// What a turn made people read, the cards it drew and what it sent outside.
#[derive(Debug, Default)]
struct Said {
    /// `(platform:id, text)`.
    people: Vec<(String, String)>,
    /// `(queue, actions, vendor line)`.
    cards: Vec<(String, Vec<&'static str>, Option<String>)>,
    /// `(to, subject, body, message id)`.
    mail: Vec<(String, String, String, String)>,
    /// `(hook, body)`.
    hooks: Vec<(String, serde_json::Value)>,
}

impl Said {
    fn to(&self, who: &str) -> Vec<&str> {
        self.people
            .iter()
            .filter(|(k, _)| k == who)
            .map(|(_, t)| t.as_str())
            .collect()
    }
}

struct Story {
    desk: Desk,
}

impl Story {
    fn new(config: Config) -> Story {
        let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
        Story {
            desk: Desk::new(engine(), config, store),
        }
    }

    fn run(&self, event: Event, when: &str) -> Said {
        let Processed::Committed(c) = self
            .desk
            .process(Incoming::plain(event), at(when))
            .expect("processed")
        else {
            return Said::default();
        };
        let mut said = Said::default();
        for e in &c.outbox {
            match &e.action {
                Action::Reply { to, text, .. } | Action::Notify { to, text, .. } => {
                    said.people.push((to.key(), text.clone()))
                }
                Action::PostCard { queue, card, .. } | Action::UpdateCard { queue, card, .. } => {
                    said.cards.push((
                        queue.clone(),
                        card.actions.iter().map(|a| a.label()).collect(),
                        card.vendor.clone(),
                    ))
                }
                Action::Email {
                    to,
                    subject,
                    body,
                    message_id,
                } => said.mail.push((
                    to.clone(),
                    subject.clone(),
                    body.clone(),
                    message_id.clone(),
                )),
                Action::Webhook { hook, body, .. } => said
                    .hooks
                    .push((hook.clone(), serde_json::from_str(body).unwrap())),
                _ => {}
            }
        }
        said
    }

    fn user(&self, who: &str, text: &str, when: &str) -> Said {
        self.run(
            Event::UserMessage {
                user: UserRef::local(who),
                text: text.into(),
            },
            when,
        )
    }

    fn by(&self, who: &str, command: AgentCommand, when: &str) -> Said {
        self.run(
            Event::Agent {
                by: UserRef::local(who),
                roles: vec![],
                command,
            },
            when,
        )
    }

    fn ticket(&self) -> frontline::tickets::Ticket {
        self.desk.store().ticket("T-1000").unwrap().expect("T-1000")
    }
}

fn t() -> String {
    "T-1000".into()
}

fn escalate(note: &str) -> AgentCommand {
    AgentCommand::EscalateL3 {
        ticket: t(),
        note: note.into(),
    }
}

const SCREEN: &str = "my laptop screen flickers and shows green lines since this morning";

#[test]
fn a_case_climbs_from_the_bot_to_the_manufacturer() {
    let s = Story::new(config(VENDORS, &[]));
    s.user("jan", SCREEN, "2026-11-30T09:00:00Z");
    assert_eq!(s.ticket().tier, Tier::L2);
    s.by(
        "alice",
        AgentCommand::Claim { ticket: t() },
        "2026-11-30T09:05:00Z",
    );
    let said = s.by(
        "alice",
        escalate("GPU artefacts after BIOS update"),
        "2026-11-30T09:10:00Z",
    );
    assert_eq!(
        said.to("local:jan"),
        ["Ticket T-1000 has been passed to specialists (L3)."]
    );
    // At L3 the card offers the way out of the desk, not "Escalate to L3" again.
    let (_, actions, _) = said.cards.last().unwrap();
    assert_eq!(
        actions,
        &["Claim", "Transfer", "Escalate to vendor", "Resolve"]
    );

    // L2 cannot send an L3 ticket outside.
    let said = s.by(
        "bob",
        AgentCommand::EscalateVendor {
            ticket: t(),
            vendor: Some("acme-hw".into()),
            note: "x".into(),
        },
        "2026-11-30T09:11:00Z",
    );
    assert_eq!(
        said.to("local:bob"),
        ["T-1000 is an L3 ticket; your role (L2) cannot do that."]
    );
    assert!(said.mail.is_empty());
    // Nor can L3 before someone owns it: the vendor case needs an owner at the desk.
    let said = s.by(
        "carol",
        escalate("replace the panel"),
        "2026-11-30T09:12:00Z",
    );
    assert_eq!(
        said.to("local:carol"),
        ["T-1000 is escalated and cannot be handled before it is claimed"]
    );
    assert!(said.mail.is_empty());

    s.by(
        "carol",
        AgentCommand::Claim { ticket: t() },
        "2026-11-30T09:20:00Z",
    );
    let said = s.by(
        "carol",
        escalate("Please replace the panel, serial 5CD123."),
        "2026-11-30T09:30:00Z",
    );
    assert_eq!(
        said.to("local:carol"),
        [
            "T-1000 sent to ACME Hardware (L4, e-mail to support@acme-hw.example); jan has been told. Record their case number with `vendor-ref T-1000 NUMBER`."
        ]
    );
    assert_eq!(
        said.to("local:jan"),
        [
            "Ticket T-1000 needs help from ACME Hardware: we have sent them the case and carol stays on it with you. We will let you know what they say."
        ]
    );
    assert_eq!(said.mail.len(), 1, "{said:?}");
    let (to, subject, body, id) = &said.mail[0];
    assert_eq!(to, "support@acme-hw.example");
    assert_eq!(subject, &format!("[T-1000] {SCREEN}"));
    assert_eq!(id, "T-1000:vendor:acme-hw:1");
    for part in [
        "Hello ACME Hardware,",
        "Please quote T-1000 in every reply.",
        "Priority: P3",
        "Customer: ACME Sp. z o.o.",
        "From carol, who handles it at our desk:\nPlease replace the panel, serial 5CD123.",
        "Engineering's note:\nGPU artefacts after BIOS update",
        &format!("[customer] {SCREEN}"),
    ] {
        assert!(body.contains(part), "{part:?} in\n{body}");
    }
    // Who the requester is stays at the desk.
    assert!(!body.contains("jan"), "{body}");
    let tk = s.ticket();
    assert_eq!(tk.tier, Tier::L4);
    assert_eq!(tk.assignee.as_deref(), Some("carol"));
    let (_, actions, vendor) = said.cards.last().unwrap();
    assert_eq!(
        actions,
        &[
            "Unclaim",
            "Transfer",
            "Escalate to vendor",
            "Vendor reply",
            "Log time",
            "Resolve",
            "Propose visit"
        ]
    );
    assert_eq!(
        vendor.as_deref(),
        Some(
            "ACME Hardware (L4, e-mail to support@acme-hw.example), no case number yet; no reply yet"
        )
    );

    // Their case number and reply: on the card, a secret in it never stored; jan not told.
    let said = s.by(
        "carol",
        AgentCommand::VendorReply {
            ticket: t(),
            reference: Some("ACME-4471".into()),
            text: "Panel ships Monday. Temporary admin password: Hunter2!x".into(),
        },
        "2026-12-01T10:00:00Z",
    );
    assert_eq!(
        said.to("local:carol"),
        [
            "T-1000: ACME Hardware's case number is ACME-4471; ACME Hardware's reply is attached; jan has not been told (`reply T-1000 ...` passes it on)."
        ]
    );
    assert!(said.to("local:jan").is_empty());
    let (_, _, vendor) = said.cards.last().unwrap();
    assert_eq!(
        vendor.as_deref(),
        Some(
            "ACME Hardware (L4, e-mail to support@acme-hw.example), their case ACME-4471; 1 reply, latest: \"Panel ships Monday. Temporary admin password: [redacted: password]\""
        )
    );
    let events = s.desk.store().events("T-1000").unwrap();
    assert!(
        !serde_json::to_string(&events).unwrap().contains("Hunter2"),
        "the secret is not stored"
    );

    // ACME cannot fix it: L5, the manufacturer, by webhook, with ACME's case in the story.
    let said = s.by(
        "carol",
        escalate("ACME could not source the panel."),
        "2026-12-02T10:00:00Z",
    );
    assert!(said.mail.is_empty());
    assert_eq!(said.hooks.len(), 1, "{said:?}");
    let (hook, body) = &said.hooks[0];
    assert_eq!(hook, "maker");
    assert_eq!(body["event"], "ticket.vendor_escalated");
    assert_eq!(body["vendor"], "maker");
    assert_eq!(body["tier"], "L5");
    assert_eq!(body["id"], "T-1000:vendor:maker:1");
    assert_eq!(body["ticket"]["id"], "T-1000");
    let case = body["case"].as_str().unwrap();
    assert!(
        case.contains("Earlier with ACME Hardware (L4), their case ACME-4471:"),
        "{case}"
    );
    assert!(
        case.contains("[ACME Hardware] Panel ships Monday."),
        "{case}"
    );
    assert!(case.contains("manufacturer's support (L5)"), "{case}");
    assert_eq!(s.ticket().tier, Tier::L5);
    // Both cases on the card, oldest first.
    let (_, actions, vendor) = said.cards.last().unwrap();
    assert_eq!(
        actions,
        &[
            "Unclaim",
            "Transfer",
            "Vendor reply",
            "Log time",
            "Resolve",
            "Propose visit"
        ]
    );
    assert_eq!(vendor.as_deref().unwrap().lines().count(), 2);

    // Nothing above L5.
    let said = s.by("carol", escalate("again"), "2026-12-02T11:00:00Z");
    assert_eq!(
        said.to("local:carol"),
        ["T-1000 is at L5, the last tier configured."]
    );
    assert!(said.hooks.is_empty() && said.mail.is_empty());
    // A requester is never an agent.
    let said = s.by(
        "jan",
        AgentCommand::VendorReply {
            ticket: t(),
            reference: Some("FAKE-1".into()),
            text: String::new(),
        },
        "2026-12-02T11:05:00Z",
    );
    assert_eq!(said.to("local:jan"), ["Only support agents can do that."]);
    assert_eq!(
        s.ticket().vendors[0].reference.as_deref(),
        Some("ACME-4471")
    );
}

#[test]
fn two_vendors_at_one_tier_are_picked_by_name_and_a_polish_requester_reads_polish() {
    let two = VENDORS.replace(
        "[[vendors]]\nid = \"maker\"\nname = \"Maker Corp\"\ntier = \"L5\"",
        "[[vendors]]\nid = \"maker\"\nname = \"Maker Corp\"\ntier = \"L4\"",
    );
    let s = Story::new(config(&two, &[]));
    s.user(
        "ola",
        "mój laptop nie włącza się, ekran jest czarny",
        "2026-11-30T09:00:00Z",
    );
    assert_eq!(s.ticket().detection.language, "pl");
    s.by(
        "carol",
        AgentCommand::Claim { ticket: t() },
        "2026-11-30T09:01:00Z",
    );
    s.by("carol", escalate("board dead"), "2026-11-30T09:02:00Z");
    s.by(
        "carol",
        AgentCommand::Claim { ticket: t() },
        "2026-11-30T09:03:00Z",
    );
    let said = s.by("carol", escalate("board dead"), "2026-11-30T09:04:00Z");
    assert_eq!(
        said.to("local:carol"),
        ["Which L4 vendor? `vendor T-1000 ID note` with one of: acme-hw, maker."]
    );
    let said = s.by(
        "carol",
        AgentCommand::EscalateVendor {
            ticket: t(),
            vendor: Some("dell".into()),
            note: "board dead".into(),
        },
        "2026-11-30T09:05:00Z",
    );
    assert_eq!(
        said.to("local:carol"),
        ["No vendor `dell` (vendors: acme-hw (L4), maker (L4))."]
    );
    // The form on a card says the same as the command.
    let form = ActionId::decode("fl:vendor-form:T-1000").unwrap();
    let command = form
        .submitted(|f| match f {
            "vendor" => " maker ".into(),
            _ => "board dead, please RMA".into(),
        })
        .unwrap()
        .unwrap();
    let said = s.by("carol", command, "2026-11-30T09:06:00Z");
    assert_eq!(
        said.to("local:ola"),
        [
            "Zgłoszenie T-1000 wymaga pomocy Maker Corp: przekazaliśmy im sprawę, a carol nadal się nią zajmuje. Damy znać, co odpowiedzą."
        ]
    );
    assert_eq!(said.hooks.len(), 1);
    assert!(
        form.submitted(|_| String::new()).unwrap().is_err(),
        "an empty note is refused"
    );
}

#[test]
fn a_queue_with_an_agent_on_duty_hands_new_tickets_straight_to_them() {
    let s = Story::new(config(
        "",
        &[(
            "id = \"l2-workplace\"",
            "id = \"l2-workplace\"\non_duty = \"alice\"",
        )],
    ));
    let said = s.user("jan", SCREEN, "2026-11-30T09:00:00Z");
    assert_eq!(
        said.to("local:jan").last().copied(),
        Some(
            "I've opened ticket T-1000 (priority P3) and handed it to alice, who is on duty; they will write to you here."
        )
    );
    assert_eq!(
        said.to("local:alice"),
        [format!(
            "T-1000 is yours (on duty in l2-workplace): {SCREEN}. `reply T-1000 ...` answers jan."
        )
        .as_str()]
    );
    let tk = s.ticket();
    assert_eq!(tk.assignee.as_deref(), Some("alice"));
    // Handed over is not answered: the first response is still alice's to give.
    assert_eq!(tk.first_response_ms, None);
    let said = s.by(
        "alice",
        AgentCommand::Reply {
            ticket: t(),
            text: "Hi Jan, which model is it?".into(),
        },
        "2026-11-30T09:04:00Z",
    );
    assert_eq!(
        said.to("local:jan"),
        ["alice (support, T-1000): Hi Jan, which model is it?"]
    );
}

#[test]
fn vendor_and_on_duty_mistakes_name_file_line_and_field() {
    let cases: &[(&str, &str)] = &[
        (
            "[[vendors]]\nid = \"acme\"\ntier = \"L3\"\nemail = \"a@b.example\"\n[smtp]\nhost = \"h\"\nfrom = \"x@y.example\"",
            ": vendors[0].tier: `L3` is not a vendor tier: L4 or L5 (L2 and L3 are [[queues]] of the desk)",
        ),
        (
            "[[vendors]]\nid = \"acme\"\ntier = \"L4\"\nemail = \"a@b.example\"",
            ": vendors[0].email: e-mail to vendors needs a mail server: add [smtp] with host and from",
        ),
        (
            "[[vendors]]\nid = \"acme\"\ntier = \"L4\"\nwebhook = \"nope\"",
            ": vendors[0].webhook: no webhook `nope`: define it as [automations.webhooks.nope]",
        ),
        (
            "[[vendors]]\nid = \"acme\"\ntier = \"L4\"",
            ": vendors[0].email: missing field: how the vendor is reached",
        ),
        (
            "[[vendors]]\nid = \"acme\"\ntier = \"L4\"\nemail = \"not an address\"\n[smtp]\nhost = \"h\"\nfrom = \"x@y.example\"",
            ": vendors[0].email: `not an address` is not an e-mail address",
        ),
        (
            "[smtp]\nhost = \"h\"\nfrom = \"x@y.example\"\ntls = \"ssl\"",
            ": smtp.tls: `ssl` is not a way to connect: starttls (the default), tls, or none",
        ),
        (
            "[smtp]\nhost = \"h\"\nfrom = \"x@y.example\"\nusername = \"desk\"",
            ": smtp.password_env: username and password_env go together",
        ),
    ];
    for (extra, want) in cases {
        let text = format!("{DEFAULT_CONFIG}\n{extra}\n");
        let err = Config::parse(Path::new("tiers.toml"), &text)
            .err()
            .unwrap_or_else(|| panic!("{extra} is refused"))
            .to_string();
        assert!(err.contains(want), "{extra}\nwants {want}\ngot {err}");
        // The line named is the one the mistake is on (or its table's).
        let line: usize = err
            .split("tiers.toml:")
            .nth(1)
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a line in {err}"));
        assert!(
            line > DEFAULT_CONFIG.lines().count(),
            "line {line} is in the added part: {err}"
        );
    }
    let text = DEFAULT_CONFIG.replacen(
        "id = \"l2-workplace\"",
        "id = \"l2-workplace\"\non_duty = \"zoe\"",
        1,
    );
    let err = Config::parse(Path::new("tiers.toml"), &text)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains(".on_duty: no agent `zoe` (agents: alice, bob, carol, root)"),
        "{err}"
    );
}
