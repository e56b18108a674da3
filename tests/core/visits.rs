//! Visits and remote sessions through the desk, with a controlled clock: an agent proposes a time
//! in the ticket's calendar's time zone (Europe/Warsaw for ACME here); the requester confirms or
//! asks for another time, by button or in words (EN/PL); only the requester may answer, and only
//! the proposal a button was sent under; a confirmed visit is reminded to the requester and the
//! technician `[visits] remind_before_minutes` before it (durable timers fired by the test's
//! clock); asking for another time, cancelling or resolving removes pending reminders. Each row
//! is what one person does and what each person reads.

use std::path::Path;
use std::sync::Arc;

use frontline::clocks::calendar::parse_instant;
use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::desk::{Action, AgentCommand, Choice, Desk, Event, Incoming, Processed};
use frontline::pack::Pack;
use frontline::store::{SledStore, Store};
use frontline::tickets::{UserRef, VisitState};
use frontline::triage::Triage;

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&crate::common::default_pack()).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

/// The shipped configuration, ACME on Warsaw time, reminders a day and an hour before.
fn config() -> Config {
    let mut text = DEFAULT_CONFIG
        .replace(
            "users = [\"local:jan\", \"local:anna\"]",
            "users = [\"local:jan\", \"local:anna\"]\ncalendar = \"office-pl\"",
        )
        .replace(
            "remind_before_minutes = 60\n",
            "remind_before_minutes = [1440, 60]\n",
        );
    text.push_str("\n[calendars.office-pl]\ntimezone = \"Europe/Warsaw\"\nhours = \"24x7\"\n");
    Config::parse(Path::new("visits.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> u64 {
    parse_instant(s).unwrap()
}

/// What one turn made people read: `(recipient, text)`, a reply's buttons as `[labels]`, posts
/// as `post CHANNEL`, cards as `card` with their visit line.
type Said = Vec<(String, String)>;

fn said_of(p: &Processed) -> Said {
    p.outbox()
        .iter()
        .filter_map(|e| match &e.action {
            Action::Reply {
                to,
                text,
                buttons,
                language,
                ..
            } => {
                let labels: Vec<String> = buttons.iter().map(|b| b.label(language)).collect();
                let b = if labels.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", labels.join("|"))
                };
                Some((to.key(), format!("{text}{b}")))
            }
            Action::Notify { to, text, .. } => Some((to.key(), text.clone())),
            Action::Post { channel, text, .. } => Some((format!("post {channel}"), text.clone())),
            Action::UpdateCard { card, .. } | Action::PostCard { card, .. } => Some((
                "card".into(),
                card.visit.clone().unwrap_or_else(|| "-".into()),
            )),
            _ => None,
        })
        .collect()
}

struct Story {
    desk: Desk,
}

impl Story {
    fn new() -> Story {
        let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
        Story {
            desk: Desk::new(engine(), config(), store),
        }
    }

    fn run(&self, event: Event, when: &str) -> Said {
        said_of(
            &self
                .desk
                .process(Incoming::plain(event), at(when))
                .expect("processed"),
        )
    }

    fn open(&self, who: &str, subject: &str) {
        self.run(
            Event::OpenTicket {
                user: UserRef::local(who),
                subject: subject.into(),
                description: String::new(),
            },
            "2026-11-30T08:00:00Z",
        );
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

    fn says(&self, who: &str, text: &str, when: &str) -> Said {
        self.run(
            Event::UserMessage {
                user: UserRef::local(who),
                text: text.into(),
            },
            when,
        )
    }

    fn presses(&self, who: &str, choice: Choice, when: &str) -> Said {
        self.run(
            Event::UserChoice {
                user: UserRef::local(who),
                choice,
            },
            when,
        )
    }

    fn visit(&self, id: &str) -> (VisitState, u32) {
        let t = self.desk.store().ticket(id).unwrap().unwrap();
        let v = t.visit.expect("a visit");
        (v.state, v.proposal)
    }

    fn kinds(&self, id: &str) -> Vec<String> {
        self.desk
            .store()
            .events(id)
            .unwrap()
            .iter()
            .map(|e| match &e.change {
                frontline::tickets::Change::TimerFired { kind, .. } => kind.clone(),
                c => c.kind().to_string(),
            })
            .filter(|k| k.starts_with("visit") || k == "resolved")
            .collect()
    }

    /// Pending visit reminders as `(id, due)`.
    fn reminders(&self, id: &str) -> Vec<(String, u64)> {
        self.desk
            .store()
            .timers(u64::MAX, Some(id), 100)
            .unwrap()
            .into_iter()
            .filter(|t| t.kind.as_str() == "visit_reminder")
            .map(|t| (t.id, t.due_ms))
            .collect()
    }

    /// Fires every timer due up to `until`, each at its own instant, as `timers fire` does;
    /// returns what the visit reminders made people read.
    fn fire_until(&self, until: &str) -> Said {
        let mut out = Vec::new();
        for _ in 0..100 {
            let due = self.desk.store().timers(at(until), None, 1).unwrap();
            let Some(timer) = due.first().cloned() else {
                return out;
            };
            let p = self
                .desk
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
            if timer.kind.as_str() == "visit_reminder" {
                out.extend(said_of(&p));
            }
        }
        panic!("timers keep firing");
    }
}

fn visit(when: &str, place: Option<&str>, technician: Option<&str>, remote: bool) -> AgentCommand {
    AgentCommand::Visit {
        ticket: "T-1000".into(),
        when: when.into(),
        place: place.map(str::to_string),
        technician: technician.map(str::to_string),
        remote,
    }
}

fn check(said: &Said, want: &[(&str, &str)]) {
    for (who, text) in want {
        assert!(
            said.iter().any(|(w, t)| w == who && t.contains(text)),
            "{who} should read {text:?}; the turn said:\n{said:#?}"
        );
    }
}

fn confirm(proposal: u32) -> Choice {
    Choice::VisitConfirm {
        ticket: 1000,
        proposal,
    }
}

#[test]
fn propose_confirm_remind_then_another_time_and_cancel() {
    let s = Story::new();
    s.open("jan", "my laptop screen is flickering and goes black");
    s.by(
        "alice",
        AgentCommand::Claim {
            ticket: "T-1000".into(),
        },
        "2026-11-30T08:05:00Z",
    );

    // Refusals change nothing and say why, naming the zone.
    check(
        &s.by(
            "alice",
            visit("soon", None, None, true),
            "2026-11-30T08:10:00Z",
        ),
        &[(
            "local:alice",
            "T-1000: `soon` is not a time I can read: write YYYY-MM-DD HH:MM (Europe/Warsaw)",
        )],
    );
    check(
        &s.by(
            "alice",
            visit("2026-11-30 09:00", None, None, true),
            "2026-11-30T08:10:00Z",
        ),
        &[(
            "local:alice",
            "T-1000: Mon 2026-11-30 09:00 Europe/Warsaw is in the past (it is Mon 2026-11-30 09:10 Europe/Warsaw now). Nothing was proposed.",
        )],
    );
    check(
        &s.by(
            "alice",
            visit("2026-12-01 14:00", None, Some("zed"), false),
            "2026-11-30T08:10:00Z",
        ),
        &[(
            "local:alice",
            "T-1000: no agent named `zed`; the technician is one of: alice, bob, carol, root. Nothing was proposed.",
        )],
    );
    check(
        &s.by(
            "jan",
            visit("2026-12-01 14:00", None, None, true),
            "2026-11-30T08:10:00Z",
        ),
        &[("local:jan", "Only support agents can do that.")],
    );
    assert!(s.kinds("T-1000").is_empty());

    // The proposal: alice, jan (with the buttons), bob and the card each read it.
    let said = s.by(
        "alice",
        visit("2026-12-01 14:00", Some("Room 2.14"), Some("bob"), false),
        "2026-11-30T08:10:00Z",
    );
    check(
        &said,
        &[
            (
                "local:alice",
                "T-1000: visit proposed for Tue 2026-12-01 14:00 Europe/Warsaw (2026-12-01T14:00:00+01:00), at Room 2.14, technician bob; jan has been asked to confirm.",
            ),
            (
                "local:jan",
                "alice proposes an on-site visit for your ticket T-1000:\n- When: Tuesday, 1 December 2026, 14:00 (Europe/Warsaw)\n- Where: Room 2.14\n- Who: bob\nDoes this time suit you? Confirm, or tell me when would suit you better. [Confirm|Another time]",
            ),
            (
                "local:bob",
                "[T-1000] alice proposed a visit with jan for Tue 2026-12-01 14:00 Europe/Warsaw, Room 2.14",
            ),
            (
                "card",
                "proposed, waiting for the requester: Tue 2026-12-01 14:00 Europe/Warsaw, on site at Room 2.14, technician bob",
            ),
        ],
    );
    let (state, first) = s.visit("T-1000");
    assert_eq!(state, VisitState::Proposed);
    assert!(s.reminders("T-1000").is_empty(), "nothing agreed yet");

    // anna presses jan's button (a forwarded message, a forged press): refused, nothing changes.
    check(
        &s.presses("anna", confirm(first), "2026-11-30T08:20:00Z"),
        &[(
            "local:anna",
            "That button is for the person the visit is for; nothing changed.",
        )],
    );
    // A press naming a proposal that never was: nothing changes either.
    check(
        &s.presses("jan", confirm(first + 7), "2026-11-30T08:21:00Z"),
        &[(
            "local:jan",
            "That proposal for T-1000 is no longer open (now: Tuesday, 1 December 2026, 14:00 (Europe/Warsaw)); nothing changed.",
        )],
    );
    assert_eq!(s.visit("T-1000").0, VisitState::Proposed);

    // jan confirms with the button: both reminders are set, a day and an hour before.
    let said = s.presses("jan", confirm(first), "2026-11-30T08:30:00Z");
    check(
        &said,
        &[
            (
                "local:jan",
                "Confirmed: an on-site visit for T-1000 on Tuesday, 1 December 2026, 14:00 (Europe/Warsaw). I'll remind you before it.",
            ),
            (
                "local:alice",
                "[T-1000] jan confirmed the visit on Tue 2026-12-01 14:00 Europe/Warsaw.",
            ),
            (
                "local:bob",
                "[T-1000] jan confirmed the visit on Tue 2026-12-01 14:00 Europe/Warsaw.",
            ),
            ("card", "confirmed: Tue 2026-12-01 14:00 Europe/Warsaw"),
        ],
    );
    assert_eq!(
        s.reminders("T-1000"),
        [
            (
                "T-1000:visit_reminder:1440".to_string(),
                at("2026-11-30T14:00:00+01:00")
            ),
            (
                "T-1000:visit_reminder:60".to_string(),
                at("2026-12-01T13:00:00+01:00")
            ),
        ]
    );
    // Pressing Confirm again says so and changes nothing.
    check(
        &s.presses("jan", confirm(first), "2026-11-30T08:31:00Z"),
        &[(
            "local:jan",
            "You've already confirmed T-1000 for Tuesday, 1 December 2026, 14:00 (Europe/Warsaw).",
        )],
    );

    // The day-before reminder fires at its instant, not a second earlier; both are told.
    assert!(s.fire_until("2026-11-30T12:59:59Z").is_empty());
    let said = s.fire_until("2026-11-30T13:00:00Z");
    check(
        &said,
        &[
            (
                "local:jan",
                "Reminder about T-1000: an on-site visit on Tuesday, 1 December 2026, 14:00 (Europe/Warsaw).\n- Where: Room 2.14\n- Who: bob",
            ),
            (
                "local:bob",
                "[T-1000] Reminder: visit with jan on Tue 2026-12-01 14:00 Europe/Warsaw, Room 2.14: my laptop screen is flickering and goes black",
            ),
        ],
    );
    assert_eq!(said.len(), 2, "{said:#?}");
    assert!(s.fire_until("2026-11-30T13:00:00Z").is_empty(), "once");

    // A change of mind, in words: the wish goes to alice and bob, the hour-before reminder goes.
    let said = s.says(
        "jan",
        "can we do wednesday 10:00 instead",
        "2026-11-30T15:00:00Z",
    );
    check(
        &said,
        &[
            (
                "local:jan",
                "OK, I've passed it on (\"can we do wednesday 10:00 instead\"): alice will propose another time.",
            ),
            (
                "local:alice",
                "[T-1000] jan asked for another time for the visit on Tue 2026-12-01 14:00 Europe/Warsaw: \"can we do wednesday 10:00 instead\".",
            ),
            ("card", "another time asked: Tue 2026-12-01 14:00"),
        ],
    );
    assert!(s.reminders("T-1000").is_empty());

    // alice proposes again; jan's old button answers nothing; "ok" confirms the new time.
    s.by(
        "alice",
        visit("wednesday 10:00", Some("Room 2.14"), Some("bob"), false),
        "2026-11-30T15:10:00Z",
    );
    let (_, second) = s.visit("T-1000");
    assert_ne!(first, second);
    check(
        &s.presses("jan", confirm(first), "2026-11-30T15:11:00Z"),
        &[(
            "local:jan",
            "That proposal for T-1000 is no longer open (now: Wednesday, 2 December 2026, 10:00 (Europe/Warsaw))",
        )],
    );
    assert_eq!(s.visit("T-1000").0, VisitState::Proposed);
    check(
        &s.says("jan", "ok, thanks", "2026-11-30T15:12:00Z"),
        &[(
            "local:jan",
            "Confirmed: an on-site visit for T-1000 on Wednesday, 2 December 2026, 10:00 (Europe/Warsaw).",
        )],
    );
    assert_eq!(s.reminders("T-1000").len(), 2);

    // alice cancels: jan and bob are told, the reminders are gone.
    let said = s.by(
        "alice",
        AgentCommand::CancelVisit {
            ticket: "T-1000".into(),
            reason: "fixed remotely".into(),
        },
        "2026-11-30T16:00:00Z",
    );
    check(
        &said,
        &[
            (
                "local:alice",
                "T-1000: the visit for Wed 2026-12-02 10:00 Europe/Warsaw is cancelled; jan has been told.",
            ),
            (
                "local:jan",
                "An on-site visit for T-1000 on Wednesday, 2 December 2026, 10:00 (Europe/Warsaw) is cancelled (fixed remotely).",
            ),
            (
                "local:bob",
                "[T-1000] The visit with jan on Wed 2026-12-02 10:00 Europe/Warsaw is cancelled (fixed remotely).",
            ),
            ("card", "cancelled: Wed 2026-12-02 10:00"),
        ],
    );
    assert!(s.reminders("T-1000").is_empty());
    assert!(s.fire_until("2026-12-03T00:00:00Z").is_empty());
    check(
        &s.by(
            "alice",
            AgentCommand::CancelVisit {
                ticket: "T-1000".into(),
                reason: String::new(),
            },
            "2026-11-30T16:01:00Z",
        ),
        &[(
            "local:alice",
            "T-1000 has no visit to cancel (visit: cancelled); nothing changed.",
        )],
    );
    assert_eq!(
        s.kinds("T-1000"),
        [
            "visit_proposed",
            "visit_confirmed",
            "visit_reminder",
            "visit_another_time",
            "visit_proposed",
            "visit_confirmed",
            "visit_cancelled",
        ]
    );
}

#[test]
fn a_remote_session_in_polish_an_unrelated_message_and_a_resolution() {
    let s = Story::new();
    s.open("anna", "drukarka na drugim piętrze nie drukuje, błąd E04");
    s.by(
        "carol",
        AgentCommand::Claim {
            ticket: "T-1000".into(),
        },
        "2026-11-30T08:05:00Z",
    );
    let said = s.by(
        "carol",
        visit("2026-12-01 09:00", None, None, true),
        "2026-11-30T08:10:00Z",
    );
    check(
        &said,
        &[(
            "local:anna",
            "carol proponuje zdalną sesję w sprawie zgłoszenia T-1000:\n- Kiedy: wtorek, 1 grudnia 2026, 09:00 (Europe/Warsaw)\n- Gdzie: zdalnie (technik połączy się z Tobą)\n- Kto: technik zespołu wsparcia\nCzy ten termin Ci pasuje? Potwierdź albo napisz, kiedy będzie Ci wygodniej. [Potwierdzam|Inny termin]",
        )],
    );
    // Something else entirely while the time waits for an answer: handled as any message.
    let said = s.says(
        "anna",
        "a skaner na pierwszym piętrze też nie działa",
        "2026-11-30T08:20:00Z",
    );
    assert!(
        !said.iter().any(|(_, t)| t.contains("przekazuję (")),
        "{said:#?}"
    );
    assert_eq!(s.visit("T-1000").0, VisitState::Proposed);
    // The Another time button, then the wish in words.
    let (_, p) = s.visit("T-1000");
    check(
        &s.presses(
            "anna",
            Choice::VisitAnotherTime {
                ticket: 1000,
                proposal: p,
            },
            "2026-11-30T08:30:00Z",
        ),
        &[(
            "local:anna",
            "Dobrze, ten termin Ci nie pasuje: carol zaproponuje inny. Kiedy będzie Ci wygodnie? Napisz tutaj, a przekażę.",
        )],
    );
    check(
        &s.says("anna", "jutro po 12:00", "2026-11-30T08:31:00Z"),
        &[
            (
                "local:anna",
                "Dobrze, przekazuję (\"jutro po 12:00\"): carol zaproponuje inny termin.",
            ),
            ("local:carol", "\"jutro po 12:00\""),
        ],
    );
    s.by(
        "carol",
        visit("2026-12-01 12:30", None, None, true),
        "2026-11-30T08:40:00Z",
    );
    check(
        &s.says("anna", "pasjue", "2026-11-30T08:41:00Z"),
        &[(
            "local:anna",
            "Potwierdzone: zdalna sesja w sprawie T-1000, wtorek, 1 grudnia 2026, 12:30 (Europe/Warsaw). Przypomnę Ci o tym wcześniej.",
        )],
    );
    assert_eq!(s.reminders("T-1000").len(), 2);
    // Resolving the ticket ends the visit and its reminders.
    s.by(
        "carol",
        AgentCommand::Resolve {
            activity: Default::default(),
            ticket: "T-1000".into(),
            note: "printer fixed".into(),
            minutes: 10,
            outcome: None,
        },
        "2026-11-30T09:00:00Z",
    );
    assert_eq!(s.visit("T-1000").0, VisitState::Done);
    assert!(s.reminders("T-1000").is_empty());
    assert!(s.fire_until("2026-12-02T00:00:00Z").is_empty());
}

#[test]
fn with_no_technician_the_reminder_goes_to_the_queue_channel() {
    // Regression: unclaimed, the ticket's queue bump fires at the reminder's instant too; the
    // bump's turn must not cancel the reminder that is due with it.
    let s = Story::new();
    s.open("jan", "my laptop screen is flickering and goes black");
    s.by(
        "alice",
        visit("2026-12-01 14:00", None, None, true),
        "2026-11-30T08:10:00Z",
    );
    let said = s.says("jan", "yes", "2026-11-30T08:20:00Z");
    check(&said, &[("local:jan", "Confirmed: a remote session")]);
    let said = s.fire_until("2026-12-01T13:00:00Z");
    let queue = s.desk.store().ticket("T-1000").unwrap().unwrap().queue;
    let channel = s.desk.config().queue(&queue).unwrap().channel.clone();
    check(
        &said,
        &[
            (
                "local:jan",
                "Reminder about T-1000: a remote session on Tuesday, 1 December 2026, 14:00 (Europe/Warsaw).",
            ),
            (
                &format!("post {channel}"),
                "[T-1000] Reminder: remote session with jan on Tue 2026-12-01 14:00 Europe/Warsaw",
            ),
        ],
    );
}

#[test]
fn a_bad_reminder_setting_names_its_file_line_and_field() {
    for bad in ["[60, -5]", "\"an hour\"", "[60, 99999]"] {
        let text = DEFAULT_CONFIG.replace(
            "remind_before_minutes = 60\n",
            &format!("remind_before_minutes = {bad}\n"),
        );
        let line = text
            .lines()
            .position(|l| l.starts_with("remind_before_minutes"))
            .unwrap()
            + 1;
        let e = Config::parse(Path::new("visits.toml"), &text)
            .expect_err("refused")
            .to_string();
        assert!(
            e.contains(&format!(
                "visits.toml:{line}: visits.remind_before_minutes: `"
            )) && e.contains("is not a number of minutes from 1 to 20160"),
            "{bad}: {e}"
        );
    }
    // 0 (or an empty list) turns reminders off.
    let text = DEFAULT_CONFIG.replace(
        "remind_before_minutes = 60\n",
        "remind_before_minutes = 0\n",
    );
    let c = Config::parse(Path::new("visits.toml"), &text).unwrap();
    assert!(c.visits.remind_before_minutes.is_empty());
}
