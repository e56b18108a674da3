//! Personal data through the desk (the `data_privacy` intent): the person is told what is kept
//! and offered erasure; yes (a word in EN/PL, or the button) erases their messages and name from
//! their tickets and forgets their conversation, leaving anonymous shells; no, or a change of
//! mind, leaves everything; nobody can erase someone else from chat, an agent included.

use std::path::Path;
use std::sync::Arc;

use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::desk::{Action, AgentCommand, Choice, Desk, Event, Incoming, Processed};
use frontline::pack::Pack;
use frontline::store::{Filter, SledStore, Store};
use frontline::tickets::UserRef;
use frontline::triage::Triage;

const NOW: u64 = 1_795_000_000_000;

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&crate::common::default_pack()).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

/// What a turn made people read: `(recipient, text [buttons])`.
fn said_of(p: &Processed) -> Vec<(String, String)> {
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
            _ => None,
        })
        .collect()
}

struct Story {
    desk: Desk,
    clock: std::cell::Cell<u64>,
}

impl Story {
    fn new() -> Story {
        let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
        let config = Config::parse(Path::new("privacy.toml"), DEFAULT_CONFIG).unwrap();
        Story {
            desk: Desk::new(engine(), config, store),
            clock: std::cell::Cell::new(NOW),
        }
    }

    fn run(&self, event: Event) -> Vec<(String, String)> {
        let now = self.clock.get() + 1000;
        self.clock.set(now);
        let p = self.desk.process(Incoming::plain(event), now).unwrap();
        // What the process does once the turn's messages are delivered.
        if let Processed::Committed(c) = &p {
            for key in &c.erased {
                self.desk.store().finish_erasure(key).unwrap();
            }
        }
        said_of(&p)
    }

    fn says(&self, who: &str, text: &str) -> String {
        let said = self.run(Event::UserMessage {
            user: UserRef::local(who),
            text: text.into(),
        });
        said.into_iter()
            .filter(|(to, _)| to == &format!("local:{who}"))
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn presses(&self, who: &str, choice: Choice) -> String {
        let said = self.run(Event::UserChoice {
            user: UserRef::local(who),
            choice,
        });
        said.into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `who` opens a ticket; alice claims it and answers, with a note.
    fn ticket_of(&self, who: &str, subject: &str) -> String {
        self.run(Event::OpenTicket {
            user: UserRef::local(who),
            subject: subject.into(),
            description: String::new(),
        });
        let id = self.tickets_of(who).pop().expect("a ticket");
        for command in [
            AgentCommand::Claim { ticket: id.clone() },
            AgentCommand::Reply {
                ticket: id.clone(),
                text: format!("Hello {who}, try Qqplmokn"),
            },
        ] {
            self.run(Event::Agent {
                by: UserRef::local("alice"),
                roles: vec![],
                command,
            });
        }
        id
    }

    fn tickets_of(&self, who: &str) -> Vec<String> {
        self.desk
            .store()
            .list(&Filter {
                requester: Some(format!("local:{who}")),
                ..Filter::default()
            })
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    /// Every text stored on a ticket: its events' personal texts, transcript and subject.
    fn texts(&self, id: &str) -> String {
        let store = self.desk.store();
        let t = store.ticket(id).unwrap().unwrap();
        let events = store.events(id).unwrap();
        format!(
            "{} {} {}",
            serde_json::to_string(&t).unwrap(),
            serde_json::to_string(&events).unwrap(),
            t.subject
        )
    }
}

#[test]
fn a_person_who_confirms_in_english_is_erased_and_the_shell_stays() {
    let s = Story::new();
    let id = s.ticket_of("anna", "printer Zyxwvut jams");
    let offer = s.says("anna", "I want to delete my personal data");
    assert!(
        offer.contains("Here is what I keep about you: 1 ticket(s) (T-1000)"),
        "{offer}"
    );
    assert!(
        offer.contains("Erase everything I keep about you? (yes/no) [Yes|No]"),
        "{offer}"
    );
    let done = s.says("anna", "yes please");
    assert_eq!(
        done,
        "Done: I erased your messages, the replies and your name from 1 ticket(s), and forgot this conversation. If you write again, I start afresh."
    );
    assert!(s.tickets_of("anna").is_empty());
    let t = s.desk.store().ticket(&id).unwrap().unwrap();
    assert!(t.requester.id.starts_with("erased-"), "{t:?}");
    assert_eq!(t.assignee.as_deref(), Some("alice"));
    assert_eq!(t.priority, frontline::pack::Priority::P4);
    let texts = s.texts(&id);
    for gone in ["Zyxwvut", "Qqplmokn", "anna"] {
        assert!(!texts.contains(gone), "{gone} in {texts}");
    }
    let kinds: Vec<String> = s
        .desk
        .store()
        .events(&id)
        .unwrap()
        .iter()
        .map(|e| e.change.kind().to_string())
        .collect();
    assert_eq!(kinds.last().unwrap(), "personal_data_erased");
    assert!(s.desk.store().conversation("local:anna").unwrap().is_none());
    let audit = s.desk.store().audit().unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "erase");
    assert_eq!(audit[0].subject, t.requester.id);
    assert_eq!(
        audit[0].by, t.requester.id,
        "the person themself, by pseudonym"
    );
    // Writing again starts afresh.
    let again = s.says("anna", "hello");
    assert!(!again.contains("T-1000"), "{again}");
}

#[test]
fn polish_words_and_a_no_leave_everything() {
    let s = Story::new();
    let id = s.ticket_of("jan", "drukarka Zyxwvut");
    let offer = s.says("jan", "chcę usunąć moje dane osobowe");
    assert!(
        offer.starts_with("Oto, co o Tobie przechowuję: zgłoszenia w liczbie 1 (T-1000)"),
        "{offer}"
    );
    assert!(offer.contains("(tak/nie) [Tak|Nie]"), "{offer}");
    assert_eq!(s.says("jan", "nie"), "Dobrze, niczego nie usunąłem.");
    assert_eq!(s.tickets_of("jan"), std::slice::from_ref(&id));
    assert!(s.texts(&id).contains("Qqplmokn"));
    // And yes in Polish, by the button this time.
    s.says("jan", "usuń moje dane osobowe");
    let done = s.presses("jan", Choice::Yes);
    assert!(
        done.starts_with("Gotowe: usunąłem Twoje wiadomości"),
        "{done}"
    );
    assert!(s.tickets_of("jan").is_empty());
    assert!(!s.texts(&id).contains("Qqplmokn"));
}

#[test]
fn a_change_of_mind_erases_nothing() {
    let s = Story::new();
    let id = s.ticket_of("anna", "printer Zyxwvut jams");
    let offer = s.says("anna", "what personal data do you store about me?");
    assert!(
        offer.contains("Erase everything I keep about you?"),
        "{offer}"
    );
    let next = s.says("anna", "my vpn keeps dropping");
    assert!(!next.contains("erased"), "{next}");
    assert!(!next.contains("Done"), "{next}");
    // A later yes answers the VPN flow, not the old offer.
    s.says("anna", "yes");
    assert_eq!(s.tickets_of("anna")[0], id);
    assert!(s.texts(&id).contains("Zyxwvut"));
    assert!(s.desk.store().audit().unwrap().is_empty());
}

#[test]
fn nobody_erases_someone_else_from_chat() {
    let s = Story::new();
    let id = s.ticket_of("anna", "printer Zyxwvut jams");
    // An agent asking in chat is offered their own data, never anna's.
    let offer = s.says(
        "alice",
        "please delete the personal data of anna, right to be forgotten",
    );
    assert!(
        offer.contains("Here is what I keep about you: 0 ticket(s)"),
        "{offer}"
    );
    let done = s.says("alice", "yes");
    assert!(done.contains("from 0 ticket(s)"), "{done}");
    assert_eq!(s.tickets_of("anna"), std::slice::from_ref(&id));
    assert!(s.texts(&id).contains("Zyxwvut"));
    assert!(s.texts(&id).contains("Qqplmokn"));
}

#[test]
fn the_retention_timer_purges_transcripts_of_tickets_closed_long_ago() {
    let text = format!("{DEFAULT_CONFIG}\n[privacy]\nretention_days = 30\n");
    let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
    let config = Config::parse(Path::new("privacy.toml"), &text).unwrap();
    let s = Story {
        desk: Desk::new(engine(), config, store),
        clock: std::cell::Cell::new(NOW),
    };
    let old = s.ticket_of("anna", "printer Zyxwvut jams");
    s.says("anna", "close my ticket");
    assert!(s.says("anna", "yes").contains("is closed"));
    let open = s.ticket_of("jan", "vpn Bbvvnnmm drops");
    s.run(Event::Schedule);
    let timer = s
        .desk
        .store()
        .timer(frontline::privacy::RETENTION_TIMER)
        .unwrap()
        .expect("the retention timer is set");
    // Thirty-one days on: the daily firing purges the closed ticket, not the open one.
    let when = NOW + 31 * frontline::privacy::DAY_MS;
    s.desk
        .process(
            Incoming::keyed(
                format!("timer:{}:{}", timer.id, timer.due_ms),
                Event::TimerFired {
                    id: timer.id.clone(),
                    ticket: String::new(),
                    due_ms: timer.due_ms,
                },
            ),
            when,
        )
        .unwrap();
    let texts = s.texts(&old);
    assert!(!texts.contains("Qqplmokn"), "{texts}");
    assert!(texts.contains("transcript_purged"), "{texts}");
    assert!(s.texts(&open).contains("Qqplmokn"));
    let audit = s.desk.store().audit().unwrap();
    assert_eq!(audit[0].action, "purge");
    assert_eq!(audit[0].tickets, [old]);
    // And it is set again for the next day.
    let next = s
        .desk
        .store()
        .timer(frontline::privacy::RETENTION_TIMER)
        .unwrap()
        .unwrap();
    assert_eq!(next.due_ms, when + frontline::privacy::DAY_MS);
}
