//! Support-hours balances through the desk, with a controlled clock: end users ask about their
//! hours in English or Polish (typos included) and read their own organisation's running
//! contracts and this month's usage, never another organisation's; a person in no organisation
//! or whose organisation has no contract is told so and who can help; buying more hours still
//! opens a ticket; the agent's card carries the contract line; a block's expiry is warned once,
//! to the organisation's contact and the admins, by a durable timer.
//!
//! Organisations and contracts are written the way the CLI writes them: an `AccountWrite` in a
//! committed turn. ACME is the shipped configuration's organisation (jan, anna) on Warsaw time;
//! Globex (greta) and Initech (ivan, no contract) are stored organisations.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use frontline::clocks::calendar::parse_instant;
use frontline::clocks::timer::TimerWrite;
use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::contracts::{Account, Contract, Kind};
use frontline::desk::balance::contract_timers;
use frontline::desk::turn::AccountWrite;
use frontline::desk::{Action, AgentCommand, Desk, Event, Incoming, Processed, Turn};
use frontline::pack::Pack;
use frontline::store::{SledStore, Store};
use frontline::tickets::UserRef;
use frontline::triage::Triage;

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&crate::common::default_pack()).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

/// The shipped configuration, ACME on Warsaw time.
fn config() -> Config {
    let mut text = DEFAULT_CONFIG.replace(
        "users = [\"local:jan\", \"local:anna\"]",
        "users = [\"local:jan\", \"local:anna\"]\ncalendar = \"office-pl\"",
    );
    text.push_str("\n[calendars.office-pl]\ntimezone = \"Europe/Warsaw\"\nhours = \"24x7\"\n");
    Config::parse(Path::new("balance.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> u64 {
    parse_instant(s).unwrap()
}

const NOW: &str = "2026-11-30T10:00:00Z";

fn block(id: &str, hours: i64, start: &str, expires: Option<&str>) -> Contract {
    Contract {
        id: id.into(),
        kind: Kind::Block,
        minutes: hours * 60,
        price_cents: None,
        start: start.into(),
        expires: expires.map(str::to_string),
        rollover: false,
        monthly_fee_cents: None,
        overage_rate_cents: None,
        past: Default::default(),
        rate_cents: None,
        billing: Default::default(),
        require_time: false,
        topups: vec![],
        closed: None,
        created_ms: 0,
    }
}

/// Writes an account as the CLI does: one committed turn with an `AccountWrite` on the revision
/// stored (and the timers its contracts need, as the turn adding a contract writes them).
fn put_account(store: &dyn Store, config: &Config, mut account: Account) {
    let expected = store.account(&account.id).unwrap().map(|a| a.rev);
    account.rev = expected.map_or(1, |r| r + 1);
    let timers = contract_timers(config, &account);
    store
        .commit(
            &Turn {
                accounts: vec![AccountWrite {
                    account,
                    expected_rev: expected,
                    entries: vec![],
                }],
                timers,
                ..Turn::default()
            },
            at("2026-11-01T08:00:00Z"),
            false,
        )
        .unwrap();
}

/// What one turn made people read: `(recipient, text)`; cards as `card` with their contract
/// line as rendered for terminals.
type Said = Vec<(String, String)>;

fn said_of(p: &Processed) -> Said {
    p.outbox()
        .iter()
        .filter_map(|e| match &e.action {
            Action::Reply { to, text, .. } => Some((to.key(), text.clone())),
            Action::Notify { to, text, .. } => Some((to.key(), text.clone())),
            Action::UpdateCard { card, .. } | Action::PostCard { card, .. } => Some((
                "card".into(),
                card.render_text(at(NOW))
                    .lines()
                    .find(|l| l.starts_with("contract:"))
                    .unwrap_or("-")
                    .to_string(),
            )),
            _ => None,
        })
        .collect()
}

struct Story {
    desk: Desk,
}

impl Story {
    /// ACME with a 10-hour block (2 h 30 min used on jan's ticket this month), Globex with 20
    /// hours (5 used), Initech with none.
    fn new() -> Story {
        let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
        let config = config();
        put_account(
            store.as_ref(),
            &config,
            Account {
                id: "acme".into(),
                name: "ACME Sp. z o.o.".into(),
                configured: true,
                contact: Some("local:anna".into()),
                contracts: vec![block("C-1001", 10, "2026-11-01", Some("2027-03-31"))],
                ..Account::default()
            },
        );
        let mut used = BTreeMap::new();
        used.insert(
            "C-1002".to_string(),
            BTreeMap::from([("2026-11".to_string(), 300)]),
        );
        put_account(
            store.as_ref(),
            &config,
            Account {
                id: "globex".into(),
                name: "Globex Ltd".into(),
                users: vec!["local:greta".into()],
                contact: Some("local:gina".into()),
                contracts: vec![block("C-1002", 20, "2026-10-01", None)],
                used,
                ..Account::default()
            },
        );
        put_account(
            store.as_ref(),
            &config,
            Account {
                id: "initech".into(),
                name: "Initech".into(),
                users: vec!["local:ivan".into()],
                contact: Some("local:irene".into()),
                ..Account::default()
            },
        );
        let s = Story {
            desk: Desk::new(engine(), config, store),
        };
        s.run(
            Event::OpenTicket {
                user: UserRef::local("jan"),
                subject: "VPN drops every hour".into(),
                description: String::new(),
            },
            "2026-11-30T08:00:00Z",
        );
        s.by(
            "alice",
            AgentCommand::Claim {
                ticket: "T-1000".into(),
            },
        );
        s.by(
            "alice",
            AgentCommand::LogTime {
                ticket: "T-1000".into(),
                minutes: 150,
                activity: Default::default(),
                billable: true,
            },
        );
        s
    }

    fn run(&self, event: Event, when: &str) -> Said {
        said_of(
            &self
                .desk
                .process(Incoming::plain(event), at(when))
                .expect("processed"),
        )
    }

    fn by(&self, who: &str, command: AgentCommand) -> Said {
        self.run(
            Event::Agent {
                by: UserRef::local(who),
                roles: vec![],
                command,
            },
            "2026-11-30T09:00:00Z",
        )
    }

    fn says(&self, who: &str, text: &str) -> Said {
        self.run(
            Event::UserMessage {
                user: UserRef::local(who),
                text: text.into(),
            },
            NOW,
        )
    }

    fn tickets(&self) -> usize {
        self.desk.store().list(&Default::default()).unwrap().len()
    }

    /// Fires every timer due up to `until` at `until`, as `timers fire --until` does; what the
    /// contract expiry warnings made people read.
    fn fire_until(&self, until: &str) -> Said {
        let mut out = Vec::new();
        for _ in 0..200 {
            let due = self.desk.store().timers(at(until), None, 1).unwrap();
            let Some(timer) = due.first().cloned() else {
                return out;
            };
            let p = self.fire(&timer, at(until));
            if timer.kind.as_str() == "contract_expiry" {
                out.extend(said_of(&p));
            }
        }
        panic!("timers keep firing");
    }

    fn fire(&self, timer: &frontline::clocks::timer::Timer, now: u64) -> Processed {
        self.desk
            .process(
                Incoming::keyed(
                    format!("timer:{}:{}", timer.id, timer.due_ms),
                    Event::TimerFired {
                        id: timer.id.clone(),
                        ticket: timer.ticket.clone(),
                        due_ms: timer.due_ms,
                    },
                ),
                now,
            )
            .unwrap()
    }
}

/// The one reply to `who` in `said`.
fn reply_to(said: &Said, who: &str) -> String {
    let mine: Vec<&String> = said
        .iter()
        .filter(|(to, _)| to == &format!("local:{who}"))
        .map(|(_, t)| t)
        .collect();
    assert_eq!(mine.len(), 1, "one reply to {who}: {said:?}");
    mine[0].clone()
}

#[test]
fn people_of_acme_read_their_balance_in_english_and_polish_typos_included() {
    let s = Story::new();
    let before = s.tickets();
    for (who, asked) in [
        ("jan", "how many hours do we have left?"),
        ("anna", "whats our balance"),
        ("jan", "how many hous do we hav left"),
        ("anna", "how many hours have we used this month?"),
    ] {
        let said = reply_to(&s.says(who, asked), who);
        for want in [
            "Support hours of ACME Sp. z o.o. as of 2026-11-30:",
            "- C-1001 (block of hours): 7 h 30 min left of 10 h, valid until 2027-03-31",
            "Used this month (2026-11): 2 h 30 min.",
            "To buy more hours, just tell me",
        ] {
            assert!(said.contains(want), "{asked:?} -> {said}");
        }
        assert!(
            !said.contains("Globex") && !said.contains("C-1002"),
            "{said}"
        );
    }
    for (who, asked) in [
        ("anna", "ile godzin nam zostało?"),
        ("jan", "ile zużyliśmy w tym miesiącu"),
        ("anna", "ile godzin nam zostalo"),
        ("jan", "jakie mamy saldo"),
    ] {
        let said = reply_to(&s.says(who, asked), who);
        for want in [
            "Godziny wsparcia ACME Sp. z o.o. na dzień 2026-11-30:",
            "- C-1001 (pakiet godzin): zostało 7 h 30 min z 10 h, ważny do 2027-03-31",
            "Wykorzystane w tym miesiącu (2026-11): 2 h 30 min.",
        ] {
            assert!(said.contains(want), "{asked:?} -> {said}");
        }
    }
    // Questions are answered, not filed.
    assert_eq!(s.tickets(), before);
    // Opening hours are still opening hours.
    let said = reply_to(&s.says("jan", "what are your opening hours?"), "jan");
    assert!(!said.contains("C-1001"), "{said}");
    let said = reply_to(&s.says("anna", "w jakich godzinach pracujecie?"), "anna");
    assert!(!said.contains("C-1001"), "{said}");
}

#[test]
fn a_person_of_one_organisation_never_reads_anothers_figures() {
    let s = Story::new();
    let greta = reply_to(&s.says("greta", "how many hours do we have left?"), "greta");
    assert!(
        greta.contains("Support hours of Globex Ltd")
            && greta.contains("- C-1002 (block of hours): 15 h left of 20 h")
            && greta.contains("Used this month (2026-11): 5 h."),
        "{greta}"
    );
    assert!(!greta.contains("ACME") && !greta.contains("C-1001") && !greta.contains("7 h 30"));
    // Naming another company or its contract: still only their own, and told so.
    for (who, asked, own, other) in [
        ("jan", "what is Globex's balance?", "C-1001", "C-1002"),
        (
            "jan",
            "how many hours are left on C-1002?",
            "C-1001",
            "C-1002",
        ),
        (
            "greta",
            "how many hours does ACME have left?",
            "C-1002",
            "C-1001",
        ),
    ] {
        let said = reply_to(&s.says(who, asked), who);
        assert!(
            said.starts_with("I can only show your own organisation's hours."),
            "{asked:?} -> {said}"
        );
        assert!(
            said.contains(own) && !said.contains(other),
            "{asked:?} -> {said}"
        );
    }
    let said = reply_to(&s.says("greta", "jakie jest saldo firmy ACME?"), "greta");
    assert!(
        said.starts_with("Mogę pokazać tylko godziny Twojej organizacji.")
            && !said.contains("C-1001"),
        "{said}"
    );
}

#[test]
fn no_organisation_or_no_contract_is_told_who_can_help() {
    let s = Story::new();
    let before = s.tickets();
    let zoe = reply_to(&s.says("zoe", "how many hours do we have left?"), "zoe");
    assert!(
        zoe.contains("I can't find your organisation among our customers")
            && zoe.contains("write \"human\""),
        "{zoe}"
    );
    assert!(!zoe.contains("C-100"), "{zoe}");
    let zoe = reply_to(&s.says("zoe", "ile godzin nam zostało?"), "zoe");
    assert!(zoe.contains("Nie znajduję Twojej organizacji"), "{zoe}");
    let ivan = reply_to(&s.says("ivan", "what's our balance?"), "ivan");
    assert!(
        ivan.contains("Initech has no running support-hours contract right now")
            && ivan.contains("Your organisation's contact for the contract is irene."),
        "{ivan}"
    );
    assert_eq!(s.tickets(), before);
    // "human" afterwards passes the question to a person: a ticket about it.
    let said = s.says("ivan", "human");
    assert!(
        said.iter()
            .any(|(_, t)| t.contains("I've opened ticket T-1001")),
        "{said:?}"
    );
    let t = s.desk.store().ticket("T-1001").unwrap().unwrap();
    assert_eq!(t.detection.intent, "support_hours_balance");
}

#[test]
fn buying_more_hours_still_opens_a_ticket_for_a_person() {
    let s = Story::new();
    // Jan has a ticket open about his VPN: asked which, he says it is something new.
    let said = s.says("jan", "we want to buy 50 more hours");
    assert!(said[0].1.contains("or something new?"), "{said:?}");
    let said = s.says("jan", "new");
    assert!(
        said.iter()
            .any(|(_, t)| t.contains("I'll pass this to our account team"))
            && said
                .iter()
                .any(|(_, t)| t.contains("I've opened ticket T-1001")),
        "{said:?}"
    );
    for (who, asked, passed, card) in [
        (
            "greta",
            "we'd like to order another 20 hour block",
            "I'll pass this to our account team",
            "contract: C-1002 block, 15 h left of 20 h; this month 5 h",
        ),
        (
            "ivan",
            "chcemy dokupić 50 godzin supportu",
            "Przekażę to do opiekuna klienta",
            "contract: no running contract",
        ),
    ] {
        let before = s.tickets();
        let said = s.says(who, asked);
        let text: Vec<&str> = said
            .iter()
            .filter(|(to, _)| to != "card")
            .map(|(_, t)| t.as_str())
            .collect();
        assert!(
            text.iter().any(|t| t.contains(passed)),
            "{asked:?} -> {said:?}"
        );
        assert_eq!(s.tickets(), before + 1, "{asked:?} -> {said:?}");
        // The person is not answered with figures; the card shows them to the agent.
        assert!(!text.iter().any(|t| t.contains("left of")), "{said:?}");
        assert!(
            said.iter().any(|(to, t)| to == "card" && t == card),
            "{said:?}"
        );
    }
}

#[test]
fn the_agents_card_shows_the_requesters_contract_and_what_is_left() {
    let s = Story::new();
    // Logging time updates the card with the balance after the entry.
    let said = s.by(
        "alice",
        AgentCommand::LogTime {
            ticket: "T-1000".into(),
            minutes: 30,
            activity: Default::default(),
            billable: true,
        },
    );
    let card: Vec<&String> = said
        .iter()
        .filter(|(to, _)| to == "card")
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        card,
        [
            &"contract: C-1001 block, 7 h left of 10 h, until 2027-03-31; this month 3 h"
                .to_string()
        ],
        "{said:?}"
    );
    // A requester with no organisation: no contract line.
    let said = s.run(
        Event::OpenTicket {
            user: UserRef::local("zoe"),
            subject: "printer jammed".into(),
            description: String::new(),
        },
        NOW,
    );
    assert!(
        said.iter().any(|(to, t)| to == "card" && t == "-"),
        "{said:?}"
    );
    // Initech's people: the card says there is no contract to charge.
    let said = s.run(
        Event::OpenTicket {
            user: UserRef::local("ivan"),
            subject: "printer jammed".into(),
            description: String::new(),
        },
        NOW,
    );
    assert!(
        said.iter()
            .any(|(to, t)| to == "card" && t == "contract: no running contract"),
        "{said:?}"
    );
}

#[test]
fn a_blocks_expiry_is_warned_once_to_the_contact_and_the_admins() {
    let s = Story::new();
    let pending: Vec<_> = s
        .desk
        .store()
        .timers(u64::MAX, None, 100)
        .unwrap()
        .into_iter()
        .filter(|t| t.kind.as_str() == "contract_expiry")
        .collect();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].id, "contract:C-1001:expiry");
    // 14 days before 2027-03-31, at 09:00 in Warsaw (CET, UTC+1).
    assert_eq!(pending[0].due_ms, at("2027-03-17T08:00:00Z"));
    assert!(s.fire_until("2027-03-17T07:59:00Z").is_empty());
    let said = s.fire_until("2027-03-17T08:00:00Z");
    let warning = "ACME Sp. z o.o.: contract C-1001 expires on 2027-03-31 (in 14 days) with 7 h 30 min left of 10 h. Hours not used by then will be lost";
    let mut told: Vec<&str> = said
        .iter()
        .filter(|(_, t)| t.starts_with(warning))
        .map(|(to, _)| to.as_str())
        .collect();
    told.sort();
    assert_eq!(told, ["local:anna", "local:root"], "{said:?}");
    // Once: the account remembers it, scheduling again adds nothing, a redelivery says nothing.
    let a = s.desk.store().account("acme").unwrap().unwrap();
    assert!(a.alerts.contains("C-1001:expiry"));
    assert!(matches!(
        contract_timers(s.desk.config(), &a).as_slice(),
        [TimerWrite::Cancel(id)] if id == "contract:C-1001:expiry"
    ));
    s.desk
        .process(Incoming::plain(Event::Schedule), at("2027-03-18T00:00:00Z"))
        .unwrap();
    assert!(s.fire_until("2027-04-30T00:00:00Z").is_empty());
    let again = s.fire(&pending[0], at("2027-03-17T08:00:00Z"));
    assert!(said_of(&again).is_empty(), "{:?}", said_of(&again));
}

#[test]
fn a_warning_due_after_the_block_expired_or_closed_tells_nobody() {
    let s = Story::new();
    // Closed before its warning: the timer goes with the close.
    let mut a = s.desk.store().account("acme").unwrap().unwrap();
    a.contracts[0].closed = Some("2026-12-01".into());
    put_account(s.desk.store().as_ref(), s.desk.config(), a);
    assert!(s.fire_until("2027-04-30T00:00:00Z").is_empty());
    // Globex buys a block that expires in 3 days: warned at the next run, "in 3 days".
    let mut g = s.desk.store().account("globex").unwrap().unwrap();
    g.contracts
        .push(block("C-1003", 10, "2026-11-01", Some("2026-12-03")));
    put_account(s.desk.store().as_ref(), s.desk.config(), g);
    let said = s.fire_until(NOW);
    assert!(
        said.iter().any(|(to, t)| to == "local:gina"
            && t.starts_with("Globex Ltd: contract C-1003 expires on 2026-12-03 (in 3 days)")),
        "{said:?}"
    );
}
