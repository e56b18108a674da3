//! Approvals in chat through the desk, with a controlled clock: a hardware or access request
//! waits for its approver (an admin by default, or the organisation's named approver) before
//! anyone may claim it; the requester is told in their language when approval is asked and when
//! it is decided; only the approver or an admin decides, once; a denial closes the ticket with
//! the reason; a reminder goes to the approver every `remind_after_hours` business hours until
//! someone decides. Each row of a story is what one person does and what each person reads.

use std::path::Path;
use std::sync::Arc;

use frontline::clocks::calendar::parse_instant;
use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::desk::{Action, AgentCommand, CardAction, Desk, Event, Incoming, Processed};
use frontline::pack::Pack;
use frontline::store::{SledStore, Store};
use frontline::tickets::{ApprovalState, Status, UserRef};
use frontline::triage::Triage;

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&crate::common::default_pack()).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

/// The shipped `[approvals]` lines.
const INTENTS: &str = "intents = [\"hardware_request\", \"access_request\"]";
const REMIND: &str = "remind_after_hours = 24";

/// The shipped configuration with ACME's approver when given, and `(line, instead)` changes.
fn config(approver: Option<&str>, changes: &[(&str, &str)]) -> Config {
    let mut text = DEFAULT_CONFIG.to_string();
    for (line, instead) in changes {
        assert!(text.contains(line), "the shipped config has {line}");
        text = text.replace(line, instead);
    }
    if let Some(a) = approver {
        text = text.replace(
            "users = [\"local:jan\", \"local:anna\"]",
            &format!("users = [\"local:jan\", \"local:anna\"]\napprover = \"{a}\""),
        );
    }
    Config::parse(Path::new("approvals.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> u64 {
    parse_instant(s).unwrap()
}

const OPENED: &str = "2026-11-30T09:00:00Z";

/// A request in each language: what jan writes, and what he must read.
struct Lang {
    code: &'static str,
    subject: &'static str,
    needs_admin: &'static str,
    needs_dana: &'static str,
    approved: &'static str,
    denied: &'static str,
    closed: &'static str,
}

const EN: Lang = Lang {
    code: "en",
    subject: "I need a new monitor for my desk, two 27 inch monitors",
    needs_admin: "Your request T-1000 needs approval by an admin before an agent can start on it.",
    needs_dana: "Your request T-1000 needs approval by local:dana before an agent can start on it.",
    approved: "Good news: your request T-1000 was approved by root. It is now waiting for an agent.",
    denied: "Your request T-1000 was not approved by root: over this year's budget",
    closed: "The ticket is closed; write to me if you have questions.",
};

const PL: Lang = Lang {
    code: "pl",
    subject: "potrzebuję nowego monitora do biurka, dwa monitory 27 cali",
    needs_admin: "Twoje zgłoszenie T-1000 wymaga zatwierdzenia przez: administratora, zanim konsultant się nim zajmie.",
    needs_dana: "Twoje zgłoszenie T-1000 wymaga zatwierdzenia przez: local:dana, zanim konsultant się nim zajmie.",
    approved: "Dobra wiadomość: Twoje zgłoszenie T-1000 zostało zatwierdzone (zatwierdził(a): root). Czeka teraz na konsultanta.",
    denied: "Twoje zgłoszenie T-1000 nie zostało zatwierdzone (odmówił(a): root): over this year's budget",
    closed: "Zgłoszenie jest zamknięte; napisz, jeśli masz pytania.",
};

/// One desk on a temporary store, driven at chosen instants.
struct Story {
    desk: Desk,
}

/// What one turn made people read and the cards it drew: `(recipient or queue, text)`.
type Said = Vec<(String, String)>;

impl Story {
    fn new(config: Config) -> Story {
        let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
        Story {
            desk: Desk::new(engine(), config, store),
        }
    }

    fn run(&self, event: Event, when: &str) -> Said {
        let processed = self
            .desk
            .process(Incoming::plain(event), at(when))
            .expect("processed");
        let Processed::Committed(c) = processed else {
            return vec![];
        };
        c.outbox
            .iter()
            .filter_map(|e| match &e.action {
                Action::Reply { to, text, .. } | Action::Notify { to, text, .. } => {
                    Some((to.key(), text.clone()))
                }
                Action::AskApproval { to, ticket, text } => {
                    Some((format!("ask {} {ticket}", to.key()), text.clone()))
                }
                Action::PostCard { queue, card, .. } | Action::UpdateCard { queue, card, .. } => {
                    Some((
                        format!("card {queue}"),
                        format!(
                            "{} {} [{}] {}",
                            card.ticket,
                            card.status.as_str(),
                            card.actions
                                .iter()
                                .map(|a| a.label())
                                .collect::<Vec<_>>()
                                .join(","),
                            card.approval.as_deref().unwrap_or("-")
                        ),
                    ))
                }
                _ => None,
            })
            .collect()
    }

    fn open(&self, l: &Lang) -> Said {
        let said = self.run(
            Event::OpenTicket {
                user: UserRef::local("jan"),
                subject: l.subject.into(),
                description: String::new(),
            },
            OPENED,
        );
        let t = self.desk.store().ticket("T-1000").unwrap().expect("T-1000");
        assert_eq!(
            (t.detection.intent.as_str(), t.detection.language.as_str()),
            ("hardware_request", l.code),
            "the test's request reads as one"
        );
        said
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

    fn approval(&self) -> (ApprovalState, Option<String>, Option<String>) {
        let t = self.desk.store().ticket("T-1000").unwrap().unwrap();
        let a = t.approval.expect("an approval");
        (a.state, a.decided_by, a.reason)
    }

    fn status(&self) -> Status {
        self.desk.store().ticket("T-1000").unwrap().unwrap().status
    }

    fn kinds(&self) -> Vec<String> {
        self.desk
            .store()
            .events("T-1000")
            .unwrap()
            .iter()
            .map(|e| e.change.kind().to_string())
            .collect()
    }

    /// Pending timers as `(kind, due)`.
    fn timers(&self) -> Vec<(String, u64)> {
        self.desk
            .store()
            .timers(u64::MAX, Some("T-1000"), 100)
            .unwrap()
            .into_iter()
            .filter(|t| t.kind.as_str() == "approval_reminder")
            .map(|t| (t.kind.as_str().to_string(), t.due_ms))
            .collect()
    }
}

fn approve() -> AgentCommand {
    AgentCommand::Approve {
        ticket: "T-1000".into(),
    }
}

fn deny(reason: &str) -> AgentCommand {
    AgentCommand::Deny {
        ticket: "T-1000".into(),
        reason: reason.into(),
    }
}

fn claim() -> AgentCommand {
    AgentCommand::Claim {
        ticket: "T-1000".into(),
    }
}

/// Every `(to, text)` expected is in what was said (text contained), and nothing else goes to a
/// recipient the row does not name.
#[track_caller]
fn check(said: &Said, expected: &[(&str, &str)]) {
    for (to, text) in expected {
        assert!(
            said.iter().any(|(t, s)| t == to && s.contains(text)),
            "no {to:?} reading {text:?} in:\n{said:#?}"
        );
    }
    for (to, text) in said {
        assert!(
            expected.iter().any(|(t, _)| t == to),
            "unexpected {to:?} reading {text:?}"
        );
    }
}

#[test]
fn an_admin_approves_then_an_agent_claims() {
    for l in [&EN, &PL] {
        let s = Story::new(config(None, &[]));
        // The request: jan is told who decides; root (the admin) is asked; the card has
        // Approve / Deny and says what it waits for.
        let said = s.open(l);
        check(
            &said,
            &[
                ("local:jan", "T-1000"),
                ("local:jan", l.needs_admin),
                ("ask local:root T-1000", "Approval needed for T-1000."),
                (
                    "ask local:root T-1000",
                    "Type `approve T-1000` or `deny T-1000 REASON`",
                ),
                (
                    "card l2-workplace",
                    "T-1000 escalated [Approve,Deny] awaiting approval by an admin",
                ),
            ],
        );
        assert_eq!(s.approval(), (ApprovalState::Pending, None, None));
        // L2 work waits: alice cannot claim it, nor decide it.
        check(
            &s.by("alice", claim(), "2026-11-30T09:05:00Z"),
            &[(
                "local:alice",
                "T-1000 is awaiting approval by an admin; it can be claimed once approved",
            )],
        );
        check(
            &s.by("alice", approve(), "2026-11-30T09:06:00Z"),
            &[("local:alice", "Only an admin can approve T-1000.")],
        );
        assert_eq!(s.status(), Status::Escalated);
        // root approves: jan is told in his language, the card offers Claim.
        check(
            &s.by("root", approve(), "2026-11-30T10:00:00Z"),
            &[
                (
                    "local:root",
                    "T-1000 approved; it is waiting in l2-workplace for an agent, and jan has been told.",
                ),
                ("local:jan", l.approved),
                (
                    "card l2-workplace",
                    "T-1000 escalated [Claim,Transfer,Escalate to L3,Resolve] approved by root",
                ),
            ],
        );
        // Deciding twice is refused politely, and changes nothing.
        check(
            &s.by("root", deny("changed my mind"), "2026-11-30T10:01:00Z"),
            &[(
                "local:root",
                "T-1000 was already approved by root; nothing changed.",
            )],
        );
        check(
            &s.by("alice", claim(), "2026-11-30T10:05:00Z"),
            &[
                ("local:alice", "T-1000 is yours"),
                ("local:jan", "alice"),
                ("card l2-workplace", "T-1000 claimed [Unclaim,"),
            ],
        );
        assert_eq!(
            s.kinds(),
            ["opened", "approval_requested", "approved", "claimed"]
        );
        assert_eq!(s.timers(), [], "the decision cancels the reminder");
    }
}

#[test]
fn a_denial_closes_the_ticket_with_the_reason() {
    for l in [&EN, &PL] {
        let s = Story::new(config(None, &[]));
        s.open(l);
        // Deny needs a reason (the requester is told it).
        check(
            &s.by("root", deny("  "), "2026-11-30T09:30:00Z"),
            &[("local:root", "Say why: `deny T-1000 REASON`")],
        );
        check(
            &s.by(
                "root",
                deny("over this year's budget"),
                "2026-11-30T09:31:00Z",
            ),
            &[
                (
                    "local:root",
                    "T-1000 denied and closed; jan has been told why.",
                ),
                ("local:jan", l.denied),
                ("local:jan", l.closed),
                (
                    "card l2-workplace",
                    "T-1000 closed [] denied by root: over this year's budget",
                ),
            ],
        );
        assert_eq!(s.status(), Status::Closed);
        assert_eq!(
            s.approval(),
            (
                ApprovalState::Denied,
                Some("root".into()),
                Some("over this year's budget".into())
            )
        );
        check(
            &s.by("root", approve(), "2026-11-30T09:32:00Z"),
            &[(
                "local:root",
                "T-1000 was already denied by root; nothing changed.",
            )],
        );
        assert_eq!(
            s.kinds(),
            ["opened", "approval_requested", "denied", "closed"]
        );
        assert_eq!(s.timers(), []);
        // Reopened, a denied request waits for a new decision: no claim before it.
        check(
            &s.by("root", reopen(), "2026-11-30T09:40:00Z"),
            &[
                ("local:root", "T-1000 reopened"),
                ("local:jan", l.needs_admin),
                ("ask local:root T-1000", "Approval needed for T-1000."),
                (
                    "card l2-workplace",
                    "T-1000 escalated [Approve,Deny] awaiting approval by an admin",
                ),
            ],
        );
        check(
            &s.by("alice", claim(), "2026-11-30T09:41:00Z"),
            &[("local:alice", "T-1000 is awaiting approval by an admin")],
        );
        assert_eq!(s.approval().0, ApprovalState::Pending);
        assert_eq!(s.timers().len(), 1, "reminded again");
    }
}

fn reopen() -> AgentCommand {
    AgentCommand::Reopen {
        ticket: "T-1000".into(),
        reason: "the budget was found".into(),
    }
}

#[test]
fn the_organisations_named_approver_decides_and_nobody_else() {
    for l in [&EN, &PL] {
        let s = Story::new(config(Some("local:dana"), &[]));
        check(
            &s.open(l),
            &[
                ("local:jan", l.needs_dana),
                ("ask local:dana T-1000", "Approval needed for T-1000."),
                ("card l2-workplace", "awaiting approval by local:dana"),
            ],
        );
        // An agent who is not the approver, and someone who is no agent at all, are refused.
        check(
            &s.by("alice", approve(), "2026-11-30T09:10:00Z"),
            &[(
                "local:alice",
                "Only local:dana (or an admin) can approve T-1000.",
            )],
        );
        check(
            &s.by("eve", deny("no"), "2026-11-30T09:11:00Z"),
            &[(
                "local:eve",
                "Only local:dana (or an admin) can deny T-1000.",
            )],
        );
        assert_eq!(s.approval().0, ApprovalState::Pending);
        // dana (not an agent) approves.
        check(
            &s.by("dana", approve(), "2026-11-30T09:20:00Z"),
            &[
                ("local:dana", "T-1000 approved"),
                ("local:jan", "T-1000"),
                ("card l2-workplace", "approved by dana"),
            ],
        );
        let events = s.desk.store().events("T-1000").unwrap();
        assert_eq!(
            serde_json::to_value(&events[2].actor).unwrap(),
            serde_json::json!({"kind": "user", "name": "local:dana"}),
            "the log says who decided"
        );
    }
}

#[test]
fn an_admin_may_decide_for_a_named_approver() {
    let s = Story::new(config(Some("local:dana"), &[]));
    s.open(&EN);
    check(
        &s.by("root", approve(), "2026-11-30T09:20:00Z"),
        &[
            ("local:root", "T-1000 approved"),
            ("local:jan", "approved by root"),
            ("card l2-workplace", "approved by root"),
        ],
    );
}

#[test]
fn nothing_to_approve_is_said_plainly() {
    let s = Story::new(config(None, &[]));
    s.run(
        Event::OpenTicket {
            user: UserRef::local("jan"),
            subject: "VPN keeps disconnecting".into(),
            description: String::new(),
        },
        OPENED,
    );
    assert_eq!(
        s.desk.store().ticket("T-1000").unwrap().unwrap().approval,
        None
    );
    check(
        &s.by("root", approve(), "2026-11-30T09:01:00Z"),
        &[("local:root", "T-1000 does not need approval.")],
    );
    check(
        &s.by("eve", approve(), "2026-11-30T09:01:00Z"),
        &[(
            "local:eve",
            "Only support agents or a request's approver can do that.",
        )],
    );
    check(
        &s.by(
            "root",
            AgentCommand::Approve {
                ticket: "T-9".into(),
            },
            "2026-11-30T09:02:00Z",
        ),
        &[("local:root", "Ticket T-9 not found.")],
    );
}

#[test]
fn which_intents_need_approval_is_configuration() {
    let s = Story::new(config(None, &[(INTENTS, "intents = [\"access_request\"]")]));
    s.open(&EN);
    assert_eq!(
        s.desk.store().ticket("T-1000").unwrap().unwrap().approval,
        None
    );
    check(
        &s.by("alice", claim(), "2026-11-30T09:05:00Z"),
        &[
            ("local:alice", "T-1000 is yours"),
            ("local:jan", "alice"),
            ("card l2-workplace", "T-1000 claimed"),
        ],
    );
}

#[test]
fn the_approver_is_reminded_until_someone_decides() {
    // 24x7: a reminder every 24 hours; with `remind_after_hours = 0`, none.
    let s = Story::new(config(None, &[]));
    s.open(&EN);
    let first = at("2026-12-01T09:00:00Z");
    assert_eq!(s.timers(), [("approval_reminder".into(), first)]);
    let fire = |due: u64, when: &str| {
        s.run(
            Event::TimerFired {
                id: "T-1000:approval_reminder:approval".into(),
                ticket: "T-1000".into(),
                due_ms: due,
            },
            when,
        )
    };
    check(
        &fire(first, "2026-12-01T09:00:00Z"),
        &[(
            "ask local:root T-1000",
            "Reminder: T-1000 has waited for approval since 2026-11-30T09:00.",
        )],
    );
    assert_eq!(
        s.timers(),
        [("approval_reminder".into(), at("2026-12-02T09:00:00Z"))],
        "the next one a day later"
    );
    // The same firing delivered again does nothing.
    check(&fire(first, "2026-12-01T09:00:01Z"), &[]);
    s.by("root", approve(), "2026-12-01T12:00:00Z");
    assert_eq!(s.timers(), []);
    assert_eq!(
        s.kinds(),
        ["opened", "approval_requested", "timer_fired", "approved"]
    );

    let quiet = Story::new(config(None, &[(REMIND, "remind_after_hours = 0")]));
    quiet.open(&EN);
    assert_eq!(quiet.timers(), []);
}

#[test]
fn reminders_count_business_hours() {
    // Warsaw office hours Mon-Fri 08:00-16:00: 4 business hours after Friday 14:00 is Monday
    // 10:00.
    let calendar = r#"
[calendars.office-pl]
timezone = "Europe/Warsaw"
[calendars.office-pl.hours]
mon = ["08:00-16:00"]
tue = ["08:00-16:00"]
wed = ["08:00-16:00"]
thu = ["08:00-16:00"]
fri = ["08:00-16:00"]
"#;
    let text = DEFAULT_CONFIG
        .replace(
            "users = [\"local:jan\", \"local:anna\"]",
            "users = [\"local:jan\", \"local:anna\"]\ncalendar = \"office-pl\"",
        )
        .replace(REMIND, "remind_after_hours = 4")
        + calendar;
    let config = Config::parse(Path::new("approvals.toml"), &text).unwrap();
    let s = Story::new(config);
    s.run(
        Event::OpenTicket {
            user: UserRef::local("jan"),
            subject: EN.subject.into(),
            description: String::new(),
        },
        "2026-12-04T14:00:00+01:00",
    );
    assert_eq!(
        s.timers(),
        [("approval_reminder".into(), at("2026-12-07T10:00:00+01:00"))]
    );
}

#[test]
fn the_card_offers_approve_and_deny_only_while_pending() {
    let s = Story::new(config(None, &[]));
    s.open(&EN);
    let t = s.desk.store().ticket("T-1000").unwrap().unwrap();
    assert_eq!(
        frontline::desk::Card::actions_for(&t, false),
        [CardAction::Approve, CardAction::Deny]
    );
}

#[test]
fn bad_approval_configuration_names_the_line() {
    let text = DEFAULT_CONFIG
        .replace(
            "users = [\"local:jan\", \"local:anna\"]",
            "users = [\"local:jan\", \"local:anna\"]\napprover = \"dana\"",
        )
        .replace(
            &format!("role = \"admin\"\n{REMIND}"),
            "role = \"boss\"\nremind_after_hours = -3",
        );
    let e = Config::parse(Path::new("approvals.toml"), &text)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("organisations[0].approver")
            && e.contains("`dana` is not a person as `platform:user-id`"),
        "{e}"
    );
    assert!(
        e.contains("approvals.role") && e.contains("`boss` is not a role"),
        "{e}"
    );
    assert!(e.contains("approvals.remind_after_hours"), "{e}");
    // Intents are checked against the pack.
    let text = DEFAULT_CONFIG.replace(INTENTS, "intents = [\"hardware_requests\"]");
    let config = Config::parse(Path::new("approvals.toml"), &text).unwrap();
    let pack = Pack::load(&crate::common::default_pack()).unwrap();
    let e = config
        .check_against(&pack)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("approvals.toml:")
            && e.contains("approvals.intents[0]")
            && e.contains("no intent `hardware_requests`"),
        "{e}"
    );
}
