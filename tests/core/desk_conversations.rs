//! Conversations past their first message (issue 12), in English and Polish, on the desk in
//! process: what the user sees (the desk's sentences from `texts.rs`, the buttons offered) and
//! what the store holds afterwards (status, rating, priority, incident links, who did what).
//! Each table row is one conversation; every row runs on its own temporary store.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use frontline::config::Config;
use frontline::desk::texts::{Text, text};
use frontline::desk::{Action, AgentCommand, Choice, Desk, Event, Incoming, Processed};
use frontline::pack::{Pack, Priority};
use frontline::store::{Filter, OutboxFilter, SledStore, Store};
use frontline::tickets::{Actor, Status, Ticket, UserRef};
use frontline::triage::Triage;

// ---------------------------------------------------------------------------------------------
// A desk, a clock, and what each person saw

fn triage() -> Arc<Triage> {
    static T: OnceLock<Arc<Triage>> = OnceLock::new();
    T.get_or_init(|| {
        let pack = Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
            .unwrap_or_else(|e| panic!("default pack: {e}"));
        Arc::new(Triage::new(pack).expect("default pack compiles"))
    })
    .clone()
}

/// One reply or notice: to whom (`local:jan`), the text, the buttons offered.
#[derive(Debug, Clone)]
struct Said {
    to: String,
    text: String,
    buttons: Vec<Choice>,
}

/// What one turn sent.
#[derive(Debug, Default)]
struct Seen {
    said: Vec<Said>,
    /// The tickets whose cards were posted to a queue.
    posted: Vec<String>,
}

impl Seen {
    /// Everything `who` was told in this turn, one message a line.
    fn to(&self, who: &str) -> String {
        let key = format!("local:{who}");
        self.said
            .iter()
            .filter(|s| s.to == key)
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The buttons offered to `who` in this turn.
    fn buttons(&self, who: &str) -> Vec<Choice> {
        let key = format!("local:{who}");
        self.said
            .iter()
            .filter(|s| s.to == key)
            .flat_map(|s| s.buttons.clone())
            .collect()
    }
}

/// A desk on a temporary store with a clock the test moves (one second per event).
struct Talk {
    desk: Desk,
    now: u64,
}

impl Talk {
    fn new() -> Talk {
        let store: Arc<dyn Store> = Arc::new(SledStore::temporary().expect("temporary store"));
        Talk {
            desk: Desk::new(triage(), Config::default_config(), store),
            now: 1_800_000_000_000,
        }
    }

    fn event(&mut self, event: Event) -> Seen {
        self.now += 1_000;
        let processed = self
            .desk
            .process(Incoming::plain(event), self.now)
            .expect("processed");
        let posted = match &processed {
            Processed::Committed(c) => c
                .actions()
                .filter_map(|a| match a {
                    Action::PostCard { card, .. } => Some(card.ticket.clone()),
                    _ => None,
                })
                .collect(),
            Processed::Duplicate => vec![],
        };
        let said = match processed {
            Processed::Committed(c) => c
                .actions()
                .filter_map(|a| match a {
                    Action::Reply {
                        to, text, buttons, ..
                    } => Some(Said {
                        to: to.key(),
                        text: text.clone(),
                        buttons: buttons.clone(),
                    }),
                    Action::Notify { to, text, .. } => Some(Said {
                        to: to.key(),
                        text: text.clone(),
                        buttons: vec![],
                    }),
                    _ => None,
                })
                .collect(),
            Processed::Duplicate => panic!("a fresh event was taken for a duplicate"),
        };
        Seen { said, posted }
    }

    /// `who` writes `text`; what they were told.
    fn says(&mut self, who: &str, msg: &str) -> String {
        self.says_seen(who, msg).to(who)
    }

    fn says_seen(&mut self, who: &str, msg: &str) -> Seen {
        self.event(Event::UserMessage {
            user: UserRef::local(who),
            text: msg.into(),
        })
    }

    fn presses(&mut self, who: &str, choice: Choice) -> Seen {
        self.event(Event::UserChoice {
            user: UserRef::local(who),
            choice,
        })
    }

    fn agent(&mut self, who: &str, command: AgentCommand) -> Seen {
        self.event(Event::Agent {
            by: UserRef::local(who),
            roles: vec![],
            command,
        })
    }

    fn claim(&mut self, id: &str) -> Seen {
        self.agent("alice", AgentCommand::Claim { ticket: id.into() })
    }

    fn resolve(&mut self, id: &str, note: &str) -> Seen {
        self.agent(
            "alice",
            AgentCommand::Resolve {
                activity: Default::default(),
                ticket: id.into(),
                note: note.into(),
                minutes: 10,
                outcome: None,
            },
        )
    }

    fn ticket(&self, id: &str) -> Ticket {
        self.desk
            .store()
            .ticket(id)
            .unwrap()
            .unwrap_or_else(|| panic!("{id} is not stored"))
    }

    fn tickets(&self) -> Vec<Ticket> {
        self.desk.store().list(&Filter::default()).unwrap()
    }

    /// The kinds of the ticket's events, in order.
    fn kinds(&self, id: &str) -> Vec<&'static str> {
        self.desk
            .store()
            .events(id)
            .unwrap()
            .iter()
            .map(|e| e.change.kind())
            .collect()
    }

    /// The ticket's last event: its kind and who did it.
    fn last_event(&self, id: &str) -> (&'static str, Actor) {
        let events = self.desk.store().events(id).unwrap();
        let e = events.last().expect("an event");
        (e.change.kind(), e.actor.clone())
    }
}

fn en(t: Text) -> &'static str {
    text("en", t)
}
fn pl(t: Text) -> &'static str {
    text("pl", t)
}

/// The part of a desk sentence before its first `{placeholder}`: a fragment every filled-in
/// version contains.
fn head(s: &str) -> &str {
    s.split('{').next().unwrap()
}

/// `seen` contains each of `parts`, in this order.
#[track_caller]
fn assert_says(seen: &str, parts: &[&str]) {
    let mut from = 0;
    for p in parts {
        match seen[from..].find(p) {
            Some(i) => from += i + p.len(),
            None => panic!("{p:?} missing (or out of order) in what the user saw:\n{seen}"),
        }
    }
}

#[track_caller]
fn assert_not_says(seen: &str, parts: &[&str]) {
    for p in parts {
        assert!(
            !seen.contains(p),
            "{p:?} must not be said, but was:\n{seen}"
        );
    }
}

/// Per language: the user's words and the desk's sentences they must see.
struct Lang {
    code: &'static str,
    /// Opens a ticket at once (hardware_fault, escalated).
    broken: &'static str,
    /// More about the same problem.
    more_of_it: &'static str,
    /// A different problem (access request: three follow-up questions).
    other: &'static str,
    other_questions: [&'static str; 3],
    /// Answers to those questions, in the same language.
    other_answers: [&'static str; 3],
    /// A different problem that opens a second ticket at once (security).
    security: &'static str,
    same: &'static str,
    new: &'static str,
    yes: &'static str,
    no: &'static str,
    close: &'static str,
    human: &'static str,
    status: &'static str,
    waiting: &'static str,
    in_progress: &'static str,
}

const EN: Lang = Lang {
    code: "en",
    broken: "my laptop screen is cracked",
    more_of_it: "the laptop screen also flickers now",
    other: "I need access to the finance shared folder",
    other_questions: [
        "Which system, folder, mailbox or group",
        "Is the access for you or for someone else?",
        "Who is your manager or the owner",
    ],
    other_answers: [
        "the finance share, read only",
        "it is for me",
        "my manager Ewa Nowak",
    ],
    security: "I clicked a link in a phishing email",
    same: "same",
    new: "new",
    yes: "yes",
    no: "no",
    close: "close my ticket",
    human: "human",
    status: "status",
    waiting: "waiting for an agent",
    in_progress: "in progress",
};

const PL: Lang = Lang {
    code: "pl",
    broken: "ekran w laptopie jest pęknięty",
    more_of_it: "ekran w laptopie teraz też miga",
    other: "potrzebuję dostępu do folderu finansów",
    other_questions: [
        "Do jakiego systemu, folderu, skrzynki lub grupy",
        "Czy dostęp jest dla Ciebie, czy dla kogoś innego?",
        "Kto jest Twoim przełożonym lub właścicielem",
    ],
    other_answers: [
        "folder Finanse, tylko odczyt",
        "to dla mnie",
        "moja kierowniczka Ewa Nowak",
    ],
    security: "kliknąłem w link w podejrzanym mailu",
    same: "to samo",
    new: "nowe",
    yes: "tak",
    no: "nie",
    close: "zamknij zgłoszenie",
    human: "człowiek",
    status: "status",
    waiting: "czeka na konsultanta",
    in_progress: "w trakcie",
};

const LANGS: [&Lang; 2] = [&EN, &PL];

impl Lang {
    fn t(&self, t: Text) -> &'static str {
        text(self.code, t)
    }
    fn opened(&self, id: &str) -> String {
        format!("{} {id}", head(self.t(Text::TicketOpened)).trim_end())
    }
    fn added(&self, id: &str) -> String {
        frontline::desk::texts::fill(self.t(Text::SentToAgent), &[("id", id)])
    }
}

/// A ticket opened by `who` at once; checks it is T-1000 on a fresh desk.
fn with_ticket(talk: &mut Talk, who: &str, l: &Lang) -> String {
    let seen = talk.says(who, l.broken);
    assert_says(&seen, &[&l.opened("T-1000")]);
    "T-1000".to_string()
}

// ---------------------------------------------------------------------------------------------
// 1. Never trapped

/// With a ticket open, more about the same problem goes to it, in both languages.
#[test]
fn a_message_about_the_open_ticket_is_added_to_it() {
    for l in LANGS {
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        let seen = talk.says_seen("jan", l.more_of_it);
        assert_eq!(seen.to("jan"), l.added(&id), "[{}]", l.code);
        assert!(seen.buttons("jan").is_empty());
        assert_eq!(talk.kinds(&id), ["opened", "user_replied"], "[{}]", l.code);
    }
}

/// A different problem is asked about ("T-1000 or something new?") with the two buttons; the
/// SameTicket button adds the message to the ticket, the NewProblem button handles it as new
/// and a second ticket can be opened.
#[test]
fn a_different_problem_asks_and_each_button_does_its_part() {
    for l in LANGS {
        // Same ticket.
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        let seen = talk.says_seen("jan", l.other);
        assert_says(
            &seen.to("jan"),
            &[head(l.t(Text::TicketOrNew)), &id, l.broken],
        );
        assert_eq!(
            seen.buttons("jan"),
            [Choice::SameTicket, Choice::NewProblem],
            "[{}]",
            l.code
        );
        assert_eq!(talk.kinds(&id), ["opened"], "asking adds nothing");
        let seen = talk.presses("jan", Choice::SameTicket);
        assert_eq!(seen.to("jan"), l.added(&id), "[{}]", l.code);
        assert_eq!(talk.kinds(&id), ["opened", "user_replied"]);
        assert_eq!(talk.tickets().len(), 1);

        // Something new: its own questions, then its own ticket.
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        talk.says("jan", l.other);
        let seen = talk.presses("jan", Choice::NewProblem);
        assert_says(&seen.to("jan"), &[l.other_questions[0]]);
        assert_not_says(&seen.to("jan"), &[&l.added(&id)]);
        assert_says(
            &talk.says("jan", l.other_answers[0]),
            &[l.other_questions[1]],
        );
        assert_says(
            &talk.says("jan", l.other_answers[1]),
            &[l.other_questions[2]],
        );
        let seen = talk.says("jan", l.other_answers[2]);
        assert_says(&seen, &[&l.opened("T-1001")]);
        assert_eq!(
            talk.kinds(&id),
            ["opened"],
            "[{}] nothing added to {id}",
            l.code
        );
        let second = talk.ticket("T-1001");
        assert_eq!(second.detection.intent, "access_request");
        assert_eq!(second.status, Status::Escalated);
        assert_eq!(talk.ticket(&id).status, Status::Escalated);
    }
}

/// The same question answered in words: "same"/"to samo" appends, "new"/"nowe" takes the message
/// as a new problem (a security report here: a second ticket at once).
#[test]
fn same_or_new_typed_in_words() {
    for l in LANGS {
        for (answer, same) in [(l.same, true), (l.new, false)] {
            let mut talk = Talk::new();
            let id = with_ticket(&mut talk, "jan", l);
            let asked = talk.says("jan", l.other);
            assert_says(&asked, &[head(l.t(Text::TicketOrNew))]);
            let seen = talk.says("jan", answer);
            let what = format!("[{}] {answer:?}", l.code);
            if same {
                assert_eq!(seen, l.added(&id), "{what}");
                assert_eq!(talk.kinds(&id), ["opened", "user_replied"], "{what}");
                let events = talk.desk.store().events(&id).unwrap();
                let appended = serde_json::to_string(&events[1].change).unwrap();
                assert!(
                    appended.contains(l.other),
                    "{what}: the message itself is added: {appended}"
                );
            } else {
                assert_says(&seen, &[l.other_questions[0]]);
                assert_eq!(talk.kinds(&id), ["opened"], "{what}");
            }
        }
    }
}

/// Thanks and greetings with a ticket open are answered, never appended and never asked about.
#[test]
fn thanks_and_greetings_are_acknowledged_not_appended() {
    let rows: &[(&Lang, &str, &str)] = &[
        (&EN, "thanks", en(Text::Welcome)),
        (&EN, "thank you so much!", en(Text::Welcome)),
        (&EN, "hi", "Hello!"),
        (&EN, "good morning", "Hello!"),
        (&PL, "dzięki", pl(Text::Welcome)),
        (&PL, "dziekuje bardzo", pl(Text::Welcome)),
        (&PL, "cześć", "Dzień dobry!"),
        (&PL, "dzien dobry", "Dzień dobry!"),
    ];
    let mut failures = vec![];
    for (l, msg, expected) in rows {
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        let seen = talk.says_seen("jan", msg);
        let text = seen.to("jan");
        if !text.contains(expected)
            || text.contains(head(l.t(Text::TicketOrNew)))
            || text.contains(&l.added(&id))
            || talk.kinds(&id) != ["opened"]
            || !seen.buttons("jan").is_empty()
        {
            failures.push(format!(
                "[{}] {msg:?}: saw {text:?}, events {:?} (expected {expected:?}, nothing appended)",
                l.code,
                talk.kinds(&id)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// "human"/"człowiek" with a ticket open: the ticket's team is told a person is wanted.
#[test]
fn human_always_works() {
    for l in LANGS {
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        // Even in the middle of a question.
        talk.says("jan", l.other);
        let seen = talk.says("jan", l.human);
        assert_eq!(
            seen,
            frontline::desk::texts::fill(l.t(Text::HumanAlready), &[("id", &id)]),
            "[{}]",
            l.code
        );
        assert_eq!(talk.tickets().len(), 1, "[{}] no second ticket", l.code);
        // And with no ticket: what is it about, then a ticket for a person.
        let mut talk = Talk::new();
        let seen = talk.says("ewa", l.human);
        assert_eq!(seen, l.t(Text::HumanWhat), "[{}]", l.code);
        let seen = talk.says("ewa", l.broken);
        assert_says(&seen, &[&l.opened("T-1000")]);
    }
}

/// The ways people ask for a person, typos and missing diacritics included, reach the open
/// ticket's team and open nothing new.
#[test]
fn asking_for_a_person_in_many_words() {
    let rows: &[(&Lang, &str)] = &[
        (&EN, "human"),
        (&EN, "talk to a person"),
        (&EN, "I want to speak to a human please"),
        (&EN, "agent pls"),
        (&PL, "człowiek"),
        (&PL, "czlowiek"),
        (&PL, "chcę rozmawiać z konsultantem"),
        (&PL, "chce rozmawiac z czlowiekiem"),
        (&PL, "konsutlant"),
    ];
    let mut failures = vec![];
    for (l, msg) in rows {
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        let seen = talk.says("jan", msg);
        let expected = frontline::desk::texts::fill(l.t(Text::HumanAlready), &[("id", &id)]);
        if seen != expected || talk.tickets().len() != 1 {
            failures.push(format!(
                "[{}] {msg:?}: saw {seen:?}, {} tickets (expected {expected:?})",
                l.code,
                talk.tickets().len()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// "cancel", "stop", "anuluj" leave a pending question; nothing is appended or opened.
#[test]
fn cancel_and_stop_leave_a_pending_question() {
    let rows: &[(&Lang, &str)] = &[
        (&EN, "cancel"),
        (&EN, "stop"),
        (&EN, "cancle"),
        (&PL, "anuluj"),
        (&PL, "anuluj!"),
        (&PL, "stop"),
    ];
    for (l, word) in rows {
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        talk.says("jan", l.other);
        let seen = talk.says("jan", word);
        assert_eq!(seen, l.t(Text::Cancelled), "[{}] {word:?}", l.code);
        assert_eq!(talk.kinds(&id), ["opened"], "[{}] {word:?}", l.code);
        assert_eq!(talk.tickets().len(), 1);
        // The question is gone: a "same" button now is stale.
        let seen = talk.presses("jan", Choice::SameTicket);
        assert_eq!(
            seen.to("jan"),
            l.t(Text::StaleButton),
            "[{}] {word:?}",
            l.code
        );
        assert_eq!(talk.kinds(&id), ["opened"]);
    }
}

/// "close my ticket" asks first; yes closes it (the requester's `closed` event), no keeps it.
#[test]
fn close_my_ticket_asks_then_yes_closes_and_no_keeps() {
    let rows: &[(&Lang, &str)] = &[
        (&EN, "close my ticket"),
        (&EN, "please close the ticket, it works now"),
        (&PL, "zamknij zgłoszenie"),
        (&EN, "pls clsoe it"),
        (&PL, "zamknij zgloszenie prosze"),
        (&PL, "możesz zamknąć to zgłoszenie"),
    ];
    for (l, close) in rows {
        let what = format!("[{}] {close:?}", l.code);
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        let seen = talk.says_seen("jan", close);
        assert_says(
            &seen.to("jan"),
            &[head(l.t(Text::ConfirmClose)), &id, l.broken],
        );
        assert_eq!(seen.buttons("jan"), [Choice::Yes, Choice::No], "{what}");
        assert_eq!(
            talk.ticket(&id).status,
            Status::Escalated,
            "{what}: asked first"
        );
        let seen = talk.says("jan", l.yes);
        assert_says(&seen, &[head(l.t(Text::ClosedByUser)), &id]);
        assert_eq!(talk.ticket(&id).status, Status::Closed, "{what}");
        assert_eq!(
            talk.last_event(&id),
            ("closed", Actor::User("local:jan".into())),
            "{what}"
        );

        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        talk.says("jan", close);
        let seen = talk.says("jan", l.no);
        assert_eq!(
            seen,
            frontline::desk::texts::fill(l.t(Text::KeptOpen), &[("id", &id)]),
            "{what}"
        );
        assert_eq!(talk.ticket(&id).status, Status::Escalated, "{what}");
        assert_eq!(talk.kinds(&id), ["opened"], "{what}");
    }
}

/// Several open tickets: close asks which (numbered, newest first), the number picks, the
/// answer confirms; status lists every ticket in the user's language.
#[test]
fn several_open_tickets_close_asks_which_and_status_lists_all() {
    for l in LANGS {
        let mut talk = Talk::new();
        let first = with_ticket(&mut talk, "jan", l);
        let seen = talk.says("jan", l.security);
        assert_says(&seen, &[&l.opened("T-1001")]);

        let seen = talk.says_seen("jan", l.status);
        let listed = seen.to("jan");
        assert_says(
            &listed,
            &[
                l.t(Text::YourTickets),
                &format!("- T-1001 ({})", l.waiting),
                &format!("- {first} ({}) {}", l.waiting, l.broken),
            ],
        );
        talk.claim(&first);
        let listed = talk.says("jan", l.status);
        assert_says(
            &listed,
            &[&format!("- {first} ({}) {}", l.in_progress, l.broken)],
        );

        let seen = talk.says_seen("jan", l.close);
        let asked = seen.to("jan");
        assert_says(
            &asked,
            &[
                l.t(Text::WhichTicket),
                "\n1. T-1001 ",
                &format!("\n2. {first} {}", l.broken),
            ],
        );
        assert_eq!(
            seen.buttons("jan"),
            [Choice::Pick(1), Choice::Pick(2)],
            "[{}]",
            l.code
        );
        let seen = talk.says("jan", "2");
        assert_says(&seen, &[head(l.t(Text::ConfirmClose)), &first]);
        let seen = talk.says("jan", l.yes);
        assert_says(&seen, &[head(l.t(Text::ClosedByUser)), &first]);
        assert_eq!(talk.ticket(&first).status, Status::Closed, "[{}]", l.code);
        assert_eq!(
            talk.ticket("T-1001").status,
            Status::Escalated,
            "[{}]",
            l.code
        );
    }
}

/// The same questions answered with the buttons a chat platform shows: which ticket (Pick),
/// close it (Yes), and after a resolution, reopen it (Yes).
#[test]
fn buttons_answer_which_ticket_close_and_reopen() {
    for l in LANGS {
        let mut talk = Talk::new();
        let first = with_ticket(&mut talk, "jan", l);
        talk.says("jan", l.security);
        let seen = talk.says_seen("jan", l.close);
        assert_eq!(seen.buttons("jan"), [Choice::Pick(1), Choice::Pick(2)]);
        let seen = talk.presses("jan", Choice::Pick(2));
        assert_says(&seen.to("jan"), &[head(l.t(Text::ConfirmClose)), &first]);
        assert_eq!(seen.buttons("jan"), [Choice::Yes, Choice::No]);
        let seen = talk.presses("jan", Choice::Yes);
        assert_says(&seen.to("jan"), &[head(l.t(Text::ClosedByUser)), &first]);
        assert_eq!(talk.ticket(&first).status, Status::Closed, "[{}]", l.code);
        assert_eq!(
            talk.ticket("T-1001").status,
            Status::Escalated,
            "[{}]",
            l.code
        );

        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        talk.claim(&id);
        talk.resolve(&id, "replaced the screen");
        let seen = talk.says_seen(
            "jan",
            if l.code == "pl" {
                "dalej nie działa"
            } else {
                "it's broken again"
            },
        );
        assert_eq!(
            seen.buttons("jan"),
            [Choice::Yes, Choice::No],
            "[{}]",
            l.code
        );
        let seen = talk.presses("jan", Choice::Yes);
        assert_says(&seen.to("jan"), &[head(l.t(Text::Reopened)), &id]);
        assert_eq!(talk.ticket(&id).status, Status::Claimed, "[{}]", l.code);
    }
}

/// Leaving the follow-up questions with "cancel"/"stop"/"anuluj" opens no ticket.
#[test]
fn cancel_during_follow_up_questions_opens_no_ticket() {
    let monitor_en = ("I need a new monitor for my desk", "two 27 inch monitors");
    let monitor_pl = ("potrzebuję nowego monitora", "dwa monitory 27 cali");
    let rows: &[(&Lang, (&str, &str), &str)] = &[
        (&EN, monitor_en, "cancel"),
        (&EN, monitor_en, "stop"),
        (&EN, monitor_en, "never mind"),
        (&PL, monitor_pl, "anuluj"),
        (&PL, monitor_pl, "nieważne"),
        (&PL, monitor_pl, "anuluj to"),
    ];
    for (l, (first, answer), cancel) in rows {
        let what = format!("[{}] {cancel:?}", l.code);
        let mut talk = Talk::new();
        let asked = talk.says("jan", first);
        assert_says(&asked, &[l.t(Text::QuestionsHint)]);
        let seen = talk.says("jan", answer);
        assert_not_says(&seen, &[head(l.t(Text::TicketOpened))]);
        let seen = talk.says("jan", cancel);
        assert_eq!(seen, l.t(Text::FollowUpCancelled), "{what}");
        assert_eq!(talk.tickets().len(), 0, "{what}: no ticket");
        // Nothing is waiting any more: the next message is a new one.
        let seen = talk.says("jan", "my manager is Ewa");
        assert_not_says(&seen, &[head(l.t(Text::TicketOpened))]);
        assert_eq!(
            talk.tickets().len(),
            0,
            "{what}: no ticket afterwards either"
        );
    }
}

/// With a ticket open, a new problem's follow-up questions left with "cancel"/"anuluj" open no
/// second ticket and add nothing to the first.
#[test]
fn cancel_during_a_new_problems_questions_keeps_the_ticket_count() {
    for l in LANGS {
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        talk.says("jan", l.other);
        talk.presses("jan", Choice::NewProblem);
        talk.says("jan", l.other_answers[0]);
        let word = if l.code == "pl" { "anuluj" } else { "cancel" };
        let seen = talk.says("jan", word);
        assert_eq!(seen, l.t(Text::FollowUpCancelled), "[{}]", l.code);
        assert_eq!(talk.tickets().len(), 1, "[{}]", l.code);
        assert_eq!(talk.kinds(&id), ["opened"], "[{}]", l.code);
    }
}

/// A fresh start (`chat --new`) drops a pending follow-up question; the tickets stay.
#[test]
fn start_fresh_drops_the_pending_question_and_keeps_tickets() {
    for l in LANGS {
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        talk.says("jan", l.other);
        let seen = talk.presses("jan", Choice::NewProblem);
        assert_says(&seen.to("jan"), &[l.other_questions[0]]);
        talk.event(Event::StartFresh {
            user: UserRef::local("jan"),
        });
        // The answer to the dropped question is no answer now.
        let seen = talk.says("jan", l.other_answers[0]);
        assert_not_says(&seen, &[l.other_questions[1]]);
        assert_eq!(talk.tickets().len(), 1, "[{}]", l.code);
        assert!(talk.ticket(&id).status.is_open(), "[{}]", l.code);
        let listed = talk.says("jan", l.status);
        assert_says(&listed, &[&format!("- {id} ({})", l.waiting)]);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Natural answers

/// "Did this solve it?" answered as people answer.
#[test]
fn did_this_solve_it_in_natural_words() {
    let rows: &[(&str, &str, bool)] = &[
        ("how do I reset my password", "yes it did", true),
        ("how do I reset my password", "yep, works now", true),
        ("jak zresetować hasło", "tak, dzięki", true),
        ("jak zresetowac haslo", "tak dziala", true),
        ("how do I reset my password", "still doesnt work", false),
        ("how do I reset my password", "nope", false),
        ("jak zresetować hasło", "dalej nie działa", false),
        ("jak zresetowac haslo", "no to co mam zrobic??", false),
        ("jak zresetowac haslo", "nie pomoglo", false),
    ];
    let mut failures = vec![];
    for (first, answer, solved) in rows {
        let lang = if first.starts_with("jak") { "pl" } else { "en" };
        let mut talk = Talk::new();
        let offered = talk.says_seen("jan", first);
        assert_eq!(
            offered.buttons("jan"),
            [Choice::Solved, Choice::StillNeedHelp]
        );
        let seen = talk.says("jan", answer);
        let expected = if *solved {
            text(lang, Text::GladItHelped)
        } else {
            text(lang, Text::NotSolvedAsk)
        };
        if !seen.contains(expected) {
            failures.push(format!(
                "{answer:?} after {first:?}: expected {expected:?}, saw {seen:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// After an agent resolves, ratings as people write them; a comment is kept.
#[test]
fn ratings_in_natural_words() {
    let rows: &[(&str, u8, Option<&str>)] = &[
        ("5", 5, None),
        ("5/5", 5, None),
        ("5 stars", 5, None),
        ("piątka", 5, None),
        ("piatka", 5, None),
        ("⭐⭐⭐⭐", 4, None),
        (
            "super, działa, dzięki! 5",
            5,
            Some("super, działa, dzięki!"),
        ),
        // A password in the comment is redacted once, cleanly.
        (
            "super, my password is Hunter2!",
            5,
            Some("super, my password is [redacted: password]"),
        ),
    ];
    let mut failures = vec![];
    for (msg, score, comment) in rows {
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", &EN);
        talk.claim(&id);
        let seen = talk.resolve(&id, "replaced the screen");
        assert_says(&seen.to("jan"), &[en(Text::AskCsat)]);
        let seen = talk.says("jan", msg);
        let t = talk.ticket(&id);
        let thanks = if comment.is_some() {
            Text::ThanksForRatingComment
        } else {
            Text::ThanksForRating
        };
        let thanked = seen == en(thanks) || seen == pl(thanks);
        if t.rating != Some(*score) || t.rating_comment.as_deref() != *comment || !thanked {
            failures.push(format!(
                "{msg:?}: rating {:?} comment {:?}, said {seen:?} (expected {score}, {comment:?})",
                t.rating, t.rating_comment
            ));
        }
        assert_eq!(t.status, Status::Resolved);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A complaint after the resolution offers to reopen that ticket: yes reopens it (back to its
/// agent), no leaves it resolved.
#[test]
fn complaint_after_resolution_offers_to_reopen() {
    let rows: &[(&Lang, &str)] = &[
        (&PL, "dalej nie działa"),
        (&PL, "dalej nie dziala"),
        (&EN, "it's broken again"),
        (&EN, "still not working"),
    ];
    for (l, complaint) in rows {
        let what = format!("[{}] {complaint:?}", l.code);
        for accept in [true, false] {
            let mut talk = Talk::new();
            let id = with_ticket(&mut talk, "jan", l);
            talk.claim(&id);
            talk.resolve(&id, "replaced the screen");
            let seen = talk.says_seen("jan", complaint);
            assert_says(&seen.to("jan"), &[head(l.t(Text::OfferReopen)), &id]);
            assert_eq!(seen.buttons("jan"), [Choice::Yes, Choice::No], "{what}");
            assert_eq!(
                talk.ticket(&id).status,
                Status::Resolved,
                "{what}: asked first"
            );
            assert_eq!(talk.ticket(&id).rating, None, "{what}: not a rating");
            if accept {
                let seen = talk.says("jan", l.yes);
                assert_says(&seen, &[head(l.t(Text::Reopened)), &id]);
                let t = talk.ticket(&id);
                assert_eq!(
                    (t.status, t.assignee.as_deref()),
                    (Status::Claimed, Some("alice")),
                    "{what}"
                );
                assert!(talk.kinds(&id).contains(&"reopened"), "{what}");
            } else {
                let seen = talk.says("jan", l.no);
                assert_eq!(seen, l.t(Text::NotReopened), "{what}");
                assert_eq!(talk.ticket(&id).status, Status::Resolved, "{what}");
            }
        }
    }
}

/// Follow-up questions the first message already answers are not asked: the printer and its
/// error named in the message lead straight to a ticket after "no"; a named printer alone
/// skips only that question.
#[test]
fn follow_up_questions_already_answered_are_skipped() {
    let rows: &[(&Lang, &str)] = &[
        (
            &EN,
            "the HP printer on the 3rd floor shows error 0x80070005",
        ),
        (&PL, "drukarka HP na 2 piętrze pokazuje błąd E-52"),
    ];
    for (l, msg) in rows {
        let mut talk = Talk::new();
        talk.says("jan", msg);
        let seen = talk.says("jan", l.no);
        assert_says(&seen, &[l.t(Text::NotSolvedEscalate), &l.opened("T-1000")]);
        let t = talk.ticket("T-1000");
        assert_eq!(t.detection.intent, "printer", "[{}]", l.code);
        assert!(t.answers.is_empty(), "[{}] {:?}", l.code, t.answers);
    }
    let rows: &[(&Lang, &str, &str, &str)] = &[
        (
            &EN,
            "my printer on the 3rd floor is jammed",
            "What does the printer display",
            "Which printer is it",
        ),
        (
            &PL,
            "moja drukarka na 3 piętrze zacina papier",
            "Co wyświetla drukarka",
            "Której drukarki to dotyczy",
        ),
    ];
    for (l, msg, asked, not_asked) in rows {
        let mut talk = Talk::new();
        talk.says("jan", msg);
        let seen = talk.says("jan", l.no);
        assert_says(&seen, &[asked]);
        assert_not_says(&seen, &[not_asked]);
    }
}

/// "skip"/"pomiń" skips a question; the ticket records it as skipped.
#[test]
fn skip_skips_a_question() {
    let rows: &[(&Lang, &str, &str, &str, &str)] = &[
        (
            &EN,
            "my VPN keeps disconnecting every few minutes",
            "skip",
            "What does GlobalProtect show",
            "endless connecting",
        ),
        (
            &PL,
            "VPN ciągle się rozłącza co kilka minut",
            "pomiń",
            "Co pokazuje GlobalProtect",
            "ciągle pokazuje łączenie",
        ),
        (
            &PL,
            "VPN ciagle sie rozlacza",
            "pomin",
            "Co pokazuje GlobalProtect",
            "ciągle pokazuje łączenie",
        ),
    ];
    for (l, msg, skip, second, answer) in rows {
        let mut talk = Talk::new();
        talk.says("jan", msg);
        talk.says("jan", l.no);
        let seen = talk.says("jan", skip);
        assert_says(&seen, &[second]);
        let seen = talk.says("jan", answer);
        assert_says(&seen, &[&l.opened("T-1000")]);
        let t = talk.ticket("T-1000");
        assert_eq!(
            t.answers,
            [
                ("location".to_string(), l.t(Text::Skipped).to_string()),
                ("error".to_string(), answer.to_string()),
            ],
            "[{}] {skip:?}",
            l.code
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Replies

/// How many times a turn says it passes the problem on.
fn passes(seen: &str) -> usize {
    let re = regex::Regex::new(r"(?i)\bpass(ing)? (this|it)\b|\bprzeka(z|ż)\w*").unwrap();
    re.find_iter(seen).count()
}

/// Escalation is announced once per turn, however the ticket came about.
#[test]
fn escalation_says_it_once() {
    let rows: &[(&str, &[&str])] = &[
        ("en hardware", &["my laptop screen is cracked"]),
        ("pl hardware", &["ekran w laptopie jest pęknięty"]),
        ("en outage", &["the internet is down for the whole office"]),
        ("pl outage", &["internet nie działa w całym biurze"]),
        ("en one-user outage", &["teams is not working"]),
        (
            "en printer, all answered",
            &[
                "the HP printer on the 3rd floor shows error 0x80070005",
                "no",
            ],
        ),
        (
            "pl printer, all answered",
            &["drukarka HP na 2 piętrze pokazuje błąd E-52", "nie"],
        ),
        (
            "en vpn questions",
            &[
                "my VPN keeps disconnecting every few minutes",
                "no",
                "from home",
                "endless connecting",
            ],
        ),
        (
            "en frustrated",
            &["third time I'm writing and nobody helps!!!"],
        ),
        (
            "pl frustrated",
            &["to już trzeci raz piszę i nikt nie pomaga"],
        ),
        ("en human", &["human", "my laptop screen is cracked"]),
        ("pl human", &["człowiek", "ekran w laptopie jest pęknięty"]),
    ];
    let mut failures = vec![];
    for (name, messages) in rows {
        let mut talk = Talk::new();
        for m in *messages {
            let seen = talk.says("jan", m);
            if passes(&seen) > 1 {
                failures.push(format!(
                    "{name}: {m:?} said it {} times:\n{seen}",
                    passes(&seen)
                ));
            }
        }
        if talk.tickets().len() != 1 {
            failures.push(format!(
                "{name}: {} tickets, expected 1",
                talk.tickets().len()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The number of sentences in `s` (ends of sentences: `.`, `!`, `?` before a space or the end).
fn sentences(s: &str) -> usize {
    regex::Regex::new(r"[.!?](\s|$)")
        .unwrap()
        .find_iter(s.trim())
        .count()
}

/// "When are you open?" is answered in at most three sentences with the configured hours, also
/// with a ticket open (and is not added to it).
#[test]
fn support_hours_answer_is_short_and_configured() {
    let config = Config::default_config();
    let rows: &[(&str, &str)] = &[
        ("en", "when are you open"),
        ("en", "when is IT support open?"),
        ("en", "what are your opening hours?"),
        ("pl", "kiedy pracujecie"),
        ("pl", "w jakich godzinach działa helpdesk?"),
    ];
    let mut failures = vec![];
    for (lang, msg) in rows {
        let hours = config.support.hours.get(lang);
        for ticket_open in [false, true] {
            let mut talk = Talk::new();
            if ticket_open {
                with_ticket(&mut talk, "jan", if *lang == "pl" { &PL } else { &EN });
            }
            let seen = talk.says("jan", msg);
            let appended = ticket_open && talk.kinds("T-1000") != ["opened"];
            if !seen.contains(hours) || sentences(&seen) > 3 || appended {
                failures.push(format!(
                    "{msg:?} (ticket open: {ticket_open}): {} sentences, hours {hours:?} in it: {}, appended: {appended}:\n{seen}",
                    sentences(&seen),
                    seen.contains(hours)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// `faq vpn` lists numbered articles with buttons; "1" opens the first listed; `faq <id>` opens
/// that article.
#[test]
fn faq_search_lists_and_opens() {
    for (query, lang) in [("faq vpn", "en"), ("faq drukarka nie drukuje", "pl")] {
        let mut talk = Talk::new();
        let seen = talk.says_seen("jan", query);
        let list = seen.to("jan");
        assert_says(&list, &[text(lang, Text::FaqSuggestions), "\n1. "]);
        let n = list
            .lines()
            .filter(|l| l.starts_with(char::is_numeric))
            .count();
        assert!(n >= 2, "{query}: a list of articles:\n{list}");
        assert_eq!(
            seen.buttons("jan"),
            (1..=n as u8).map(Choice::Pick).collect::<Vec<_>>()
        );
        let first = list.lines().find(|l| l.starts_with("1. ")).unwrap();
        let (title, id) = first[3..].rsplit_once(" (faq ").expect("title (faq id)");
        let id = id.trim_end_matches(')');
        let shown = talk.says("jan", "1");
        assert!(
            shown.starts_with(&format!("**{title}**\n")),
            "{query} then 1: the article {id} ({title}), saw:\n{shown}"
        );
        if lang == "en" {
            // The id itself opens it too.
            let mut talk = Talk::new();
            let shown = talk.says("jan", &format!("faq {id}"));
            assert!(
                shown.starts_with(&format!("**{title}**\n")),
                "faq {id}, saw:\n{shown}"
            );
        }
    }
    let mut talk = Talk::new();
    let shown = talk.says("jan", "faq vpn-connect");
    assert!(
        shown.starts_with("**How do I install and connect the GlobalProtect VPN?**"),
        "{shown}"
    );
    assert_eq!(talk.tickets().len(), 0);
}

/// A Polish user typing `faq <article-id>` (as the desk itself suggests: „faq {article}”)
/// gets the article in Polish: the id's English-looking words do not switch the conversation.
#[test]
fn faq_article_id_keeps_a_polish_users_language() {
    let mut talk = Talk::new();
    let list = talk.says("jan", "faq drukarka nie drukuje");
    assert_says(&list, &[pl(Text::FaqSuggestions)]);
    let first = list.lines().find(|l| l.starts_with("1. ")).unwrap();
    let (title, id) = first[3..].rsplit_once(" (faq ").expect("title (faq id)");
    let id = id.trim_end_matches(')');
    let shown = talk.says("jan", &format!("faq {id}"));
    assert!(
        shown.starts_with(&format!("**{title}**\n")),
        "faq {id} after a Polish conversation: expected the Polish article {title:?}, saw:\n{shown}"
    );
}

/// A frustrated user gets an apology and a ticket at once, one priority step up; with a ticket
/// open, that ticket is raised instead.
#[test]
fn frustrated_user_gets_an_apology_and_a_raised_priority() {
    let rows: &[(&Lang, &str)] = &[
        (&EN, "third time I'm writing and nobody helps!!!"),
        (&EN, "third time im writing and noone helps"),
        (&PL, "to już trzeci raz piszę i nikt nie pomaga"),
        (&PL, "to juz trzeci raz pisze i nikt nie pomaga!!!"),
    ];
    let mut failures = vec![];
    for (l, msg) in rows {
        let mut talk = Talk::new();
        let seen = talk.says("jan", msg);
        let ok_first = seen.contains(l.t(Text::Sorry)) && seen.contains(&l.opened("T-1000"));
        let raised = talk
            .tickets()
            .first()
            .map(|t| (t.priority, t.priority_reason.clone()));
        let ok_raised = matches!(&raised, Some((Priority::P2, r)) if r.contains("frustrated"));
        if !ok_first || !ok_raised {
            failures.push(format!("[{}] {msg:?}: {raised:?}, saw:\n{seen}", l.code));
        }

        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        assert_eq!(talk.ticket(&id).priority, Priority::P3);
        let seen = talk.says("jan", msg);
        let t = talk.ticket(&id);
        if !seen.contains(l.t(Text::Sorry))
            || !seen.contains(&l.added(&id))
            || t.priority != Priority::P2
            || talk.tickets().len() != 1
        {
            failures.push(format!(
                "[{}] {msg:?} with {id} open: {} ({}), {} tickets, saw:\n{seen}",
                l.code,
                t.priority,
                t.priority_reason,
                talk.tickets().len()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Off-topic messages are told what the bot helps with; no ticket.
#[test]
fn off_topic_says_what_the_bot_can_do() {
    let rows: &[(&str, &str)] = &[
        ("en", "what's the weather"),
        ("en", "whats the weather like tomorrow"),
        ("pl", "jaka jutro będzie pogoda"),
    ];
    for (lang, msg) in rows {
        let mut talk = Talk::new();
        let seen = talk.says("jan", msg);
        assert_says(&seen, &[text(lang, Text::NotUnderstood)]);
        assert_eq!(talk.tickets().len(), 0, "{msg:?}");
    }
}

/// The agent's reply reaches the user with the agent's name, in the user's language around it;
/// an internal note never reaches them.
#[test]
fn agent_reply_reaches_the_user_and_a_note_never_does() {
    for l in LANGS {
        let mut talk = Talk::new();
        let id = with_ticket(&mut talk, "jan", l);
        let seen = talk.claim(&id);
        assert_eq!(
            seen.to("jan"),
            frontline::desk::texts::fill(
                l.t(Text::AgentJoined),
                &[("agent", "alice"), ("id", &id)]
            )
        );
        let seen = talk.agent(
            "alice",
            AgentCommand::Reply {
                ticket: id.clone(),
                text: "Please restart the laptop".into(),
            },
        );
        assert_eq!(
            seen.to("jan"),
            frontline::desk::texts::fill(
                l.t(Text::AgentSays),
                &[
                    ("agent", "alice"),
                    ("id", &id),
                    ("text", "Please restart the laptop")
                ]
            ),
            "[{}]",
            l.code
        );
        let note = "internal: warranty expired, charge the department";
        let seen = talk.agent(
            "alice",
            AgentCommand::Note {
                ticket: id.clone(),
                text: note.into(),
            },
        );
        assert_eq!(seen.to("jan"), "", "[{}] a note is not sent", l.code);
        let next = talk.says("jan", l.more_of_it);
        assert_not_says(&next, &["warranty"]);
        let resolved = talk.resolve(&id, "screen replaced").to("jan");
        assert_says(
            &resolved,
            &[
                &frontline::desk::texts::fill(
                    l.t(Text::TicketResolvedNote),
                    &[("id", &id), ("note", "screen replaced"), ("agent", "alice")],
                ),
                l.t(Text::AskCsat),
            ],
        );
        // Nothing the user was ever sent carries the note.
        let all = talk.desk.store().outbox(&OutboxFilter::default()).unwrap();
        for e in all {
            if let Action::Reply { to, text, .. } | Action::Notify { to, text, .. } = &e.action
                && to.key() == "local:jan"
            {
                assert!(!text.contains("warranty"), "[{}] note sent: {text}", l.code);
            }
        }
    }
    // A Polish user sees no English around the agent's words.
    let mut talk = Talk::new();
    let id = with_ticket(&mut talk, "ola", &PL);
    let mut seen = talk.claim(&id).to("ola");
    seen.push_str(
        &talk
            .agent(
                "alice",
                AgentCommand::Reply {
                    ticket: id.clone(),
                    text: "restart please".into(),
                },
            )
            .to("ola"),
    );
    seen.push_str(&talk.resolve(&id, "replaced").to("ola"));
    assert_not_says(
        &seen,
        &[
            "is now handling",
            "(support,",
            "has been resolved",
            "How would you rate",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Calm priorities and incidents

/// "nie działa" alone is asked about, not filed; "teams nie dziala" is one person's problem.
#[test]
fn vague_or_one_person_problems_are_not_p1() {
    let rows: &[(&str, &str)] = &[
        ("pl", "nie działa"),
        ("pl", "nie dziala!!"),
        ("pl", "znowu nie działa"),
        ("pl", "nie działa."),
    ];
    let mut failures = vec![];
    for (lang, msg) in rows {
        let mut talk = Talk::new();
        let seen = talk.says("jan", msg);
        if seen != text(lang, Text::VagueProblem) || !talk.tickets().is_empty() {
            failures.push(format!(
                "{msg:?}: saw {seen:?}, {} tickets (expected the question what)",
                talk.tickets().len()
            ));
        }
    }
    for msg in [
        "teams nie dziala",
        "teams nie działa od rana",
        "teams is not working",
    ] {
        let mut talk = Talk::new();
        talk.says("jan", msg);
        let priorities: Vec<Priority> = talk.tickets().iter().map(|t| t.priority).collect();
        if priorities.contains(&Priority::P1) {
            failures.push(format!("{msg:?}: P1 ticket {priorities:?}"));
        }
    }
    // "nie działa", then what: a ticket, not P1.
    let mut talk = Talk::new();
    talk.says("jan", "nie działa");
    talk.says("jan", "teams nie dziala");
    let t = talk.tickets();
    if t.len() != 1 || t[0].priority == Priority::P1 {
        failures.push(format!(
            "\"nie działa\" then \"teams nie dziala\": {:?}",
            t.iter().map(|t| t.priority).collect::<Vec<_>>()
        ));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The person whose ticket carries an incident closes it ("it works for me now") while two
/// others' reports still wait on it: the oldest report carries the incident from then on (the
/// other linked to it, its card posted to the queue), so nobody's report waits forever on a
/// closed ticket. A report linked to an incident is never re-announced on its own.
#[test]
fn an_incident_closed_by_its_requester_hands_its_reports_over() {
    let mut talk = Talk::new();
    talk.says("ania", "the internet is down for the whole office");
    talk.says("bartek", "internet nie działa w całym biurze");
    talk.says(
        "cezary",
        "nobody in the office can get online, internet is down for everyone",
    );
    let bumps = |talk: &Talk, id: &str| {
        talk.desk
            .store()
            .timers(u64::MAX, Some(id), 100)
            .unwrap()
            .iter()
            .filter(|t| t.id.contains("unclaimed_bump"))
            .count()
    };
    assert_eq!(bumps(&talk, "T-1000"), 1, "the incident is re-announced");
    assert_eq!(bumps(&talk, "T-1001"), 0, "a linked report is not");

    talk.says("ania", "close my ticket");
    let seen = talk.presses("ania", Choice::Yes);
    assert_says(&seen.to("ania"), &[head(en(Text::ClosedByUser)), "T-1000"]);
    assert_eq!(talk.ticket("T-1000").status, Status::Closed);
    let lead = talk.ticket("T-1001");
    assert!(lead.status.is_open());
    assert_eq!(lead.incident, None);
    assert_eq!(lead.linked, ["T-1002"]);
    assert_eq!(
        talk.kinds("T-1001"),
        [
            "opened",
            "linked_to_incident",
            "incident_moved",
            "report_linked"
        ]
    );
    let other = talk.ticket("T-1002");
    assert_eq!(other.incident.as_deref(), Some("T-1001"));
    assert!(other.status.is_open());
    assert_eq!(seen.posted, ["T-1001"], "the new incident's card is posted");
    assert_eq!(
        bumps(&talk, "T-1001"),
        1,
        "and re-announced while unclaimed"
    );
    assert_eq!(bumps(&talk, "T-1002"), 0);

    // The next report joins the incident where it is now; resolving it resolves both reports.
    let fourth = talk.says("dorota", "the internet is down in the whole office again");
    assert_says(&fourth, &[head(en(Text::IncidentKnown)), "T-1001"]);
    talk.claim("T-1001");
    talk.resolve("T-1001", "the router is replaced");
    for id in ["T-1001", "T-1002", "T-1003"] {
        assert_eq!(talk.ticket(id).status, Status::Resolved, "{id}");
    }
    assert_eq!(talk.ticket("T-1000").status, Status::Closed);
}

/// Three people report the office internet down: the second and third reports are linked to the
/// first ticket and told it is known; resolving the incident tells each and resolves their
/// reports.
#[test]
fn office_internet_down_is_one_incident() {
    let mut talk = Talk::new();
    let first = talk.says("ania", "the internet is down for the whole office");
    assert_says(&first, &[&EN.opened("T-1000")]);
    let second = talk.says("bartek", "internet nie działa w całym biurze");
    assert_says(&second, &[head(pl(Text::IncidentKnown)), "T-1000"]);
    let third = talk.says(
        "cezary",
        "nobody in the office can get online, internet is down for everyone",
    );
    assert_says(&third, &[head(en(Text::IncidentKnown)), "T-1000"]);

    let incident = talk.ticket("T-1000");
    assert_eq!(incident.linked, ["T-1001", "T-1002"]);
    assert_eq!(incident.priority, Priority::P1);
    assert_eq!(incident.incident, None);
    for report in ["T-1001", "T-1002"] {
        let r = talk.ticket(report);
        assert_eq!(r.incident.as_deref(), Some("T-1000"), "{report}");
        assert!(r.status.is_open(), "{report}");
    }

    talk.claim("T-1000");
    let seen = talk.resolve("T-1000", "the router is replaced");
    assert_says(
        &seen.to("bartek"),
        &[
            &frontline::desk::texts::fill(
                pl(Text::IncidentResolved),
                &[
                    ("id", "T-1000"),
                    ("agent", "alice"),
                    ("note", "the router is replaced"),
                ],
            ),
            pl(Text::AskCsat),
        ],
    );
    assert_says(
        &seen.to("cezary"),
        &[&frontline::desk::texts::fill(
            en(Text::IncidentResolved),
            &[
                ("id", "T-1000"),
                ("agent", "alice"),
                ("note", "the router is replaced"),
            ],
        )],
    );
    assert_says(
        &seen.to("ania"),
        &[head(en(Text::TicketResolvedNote)), "T-1000"],
    );
    for id in ["T-1000", "T-1001", "T-1002"] {
        assert_eq!(talk.ticket(id).status, Status::Resolved, "{id}");
    }
    // A linked reporter's rating goes to their report.
    let rated = talk.says("cezary", "5");
    assert_eq!(rated, en(Text::ThanksForRating));
    assert_eq!(talk.ticket("T-1002").rating, Some(5));
}
