//! Conversations past their first message (issue 12) through the real binary, in English and
//! Polish: `frontline chat` as the user (with `--new`), `frontline agent` as alice, and the store
//! as `tickets show --json` records it (status, rating and comment, priority and its reason,
//! incident links, who did what). Ends with secrets typed everywhere a user can type, searched for
//! in every byte under the data directory.

use crate::common;

use common::desk::{TestDesk, event_types, id_announced, snapshot};
use serde_json::Value;

/// Per language: what the user types and the sentences they must see.
struct Lang {
    code: &'static str,
    broken: &'static str,
    /// A different problem that offers an FAQ article.
    other: &'static str,
    /// A different problem with three follow-up questions, and answers to them.
    access: &'static str,
    access_answers: [&'static str; 3],
    same: &'static str,
    new: &'static str,
    yes: &'static str,
    no: &'static str,
    close: &'static str,
    cancel: &'static str,
    opened: &'static str,
    added: &'static str,
    ticket_or_new: &'static str,
    did_this_solve_it: &'static str,
    glad: &'static str,
    how_can_i_help: &'static str,
    confirm_close: &'static str,
    closed: &'static str,
    kept_open: &'static str,
    follow_up_cancelled: &'static str,
    offer_reopen: &'static str,
    reopened: &'static str,
    complaint: &'static str,
    frustrated: &'static str,
    sorry: &'static str,
    /// Polish status names in the list, English ones otherwise.
    waiting: &'static str,
    /// An access request's status until it is approved.
    awaiting_approval: &'static str,
}

const EN: Lang = Lang {
    code: "en",
    broken: "my laptop screen is cracked",
    other: "outlook wont open",
    access: "I need access to the finance shared folder",
    access_answers: [
        "the finance share, read only",
        "it is for me",
        "my manager Ewa Nowak",
    ],
    same: "same",
    new: "new",
    yes: "yes",
    no: "no",
    close: "close my ticket",
    cancel: "cancel",
    opened: "I've opened ticket",
    added: "Added to ticket",
    ticket_or_new: "or something new? (same/new)",
    did_this_solve_it: "Did this solve it? (yes/no)",
    glad: "glad that helped",
    how_can_i_help: "OK. Tell me what you need help with.",
    confirm_close: "Close ticket",
    closed: "is closed. If the problem comes back",
    kept_open: "stays open",
    follow_up_cancelled: "OK, I won't open a ticket.",
    offer_reopen: "Shall I reopen",
    reopened: "I've reopened ticket",
    complaint: "it's broken again",
    frustrated: "third time I'm writing and nobody helps!!!",
    sorry: "I'm sorry this has been so frustrating",
    waiting: "waiting for an agent",
    awaiting_approval: "waiting for approval",
};

const PL: Lang = Lang {
    code: "pl",
    broken: "ekran w laptopie jest pęknięty",
    other: "outlook sie nie otwiera",
    access: "potrzebuję dostępu do folderu finansów",
    access_answers: [
        "folder Finanse, tylko odczyt",
        "to dla mnie",
        "moja kierowniczka Ewa Nowak",
    ],
    same: "to samo",
    new: "nowe",
    yes: "tak",
    no: "nie",
    close: "zamknij zgłoszenie",
    cancel: "anuluj",
    opened: "Otworzyłem zgłoszenie",
    added: "Dopisałem to do zgłoszenia",
    ticket_or_new: "czy to nowa sprawa? (to samo/nowe)",
    did_this_solve_it: "Czy to rozwiązało problem? (tak/nie)",
    glad: "cieszę się, że pomogło",
    how_can_i_help: "Dobrze. Napisz, w czym mogę pomóc.",
    confirm_close: "Zamknąć zgłoszenie",
    closed: "jest zamknięte. Jeśli problem wróci",
    kept_open: "pozostaje otwarte",
    follow_up_cancelled: "Dobrze, nie zakładam zgłoszenia.",
    offer_reopen: "Otworzyć ponownie",
    reopened: "Otworzyłem ponownie zgłoszenie",
    complaint: "dalej nie działa",
    frustrated: "to już trzeci raz piszę i nikt nie pomaga",
    sorry: "Przepraszam, że to tyle trwa",
    waiting: "czeka na konsultanta",
    awaiting_approval: "czeka na zatwierdzenie",
};

const LANGS: [&Lang; 2] = [&EN, &PL];

/// `haystack` contains `needles` in this order.
#[track_caller]
fn assert_in_order(haystack: &str, needles: &[&str]) {
    let mut from = 0;
    for n in needles {
        match haystack[from..].find(n) {
            Some(i) => from += i + n.len(),
            None => panic!("{n:?} missing (or out of order) in:\n{haystack}"),
        }
    }
}

fn ticket(shown: &Value) -> &Value {
    &shown["ticket"]
}

/// The bot's lines of a chat transcript (without the banner).
fn bot(out: &str) -> String {
    out.lines().skip(1).collect::<Vec<_>>().join("\n")
}

/// How many times `needle` occurs in `haystack`.
fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// A ticket opened at once by `user`; its id.
fn open(desk: &TestDesk, user: &str, l: &Lang) -> String {
    let out = desk.chat(user, &[l.broken]);
    id_announced(&out, l.opened)
}

/// alice claims and resolves `id`.
fn claim_and_resolve(desk: &TestDesk, id: &str) {
    let out = desk.agent(
        "alice",
        &[
            &format!("claim {id}"),
            &format!("resolve {id} 15 replaced it"),
        ],
    );
    assert!(out.contains(&format!("{id} resolved")), "{out}");
}

// --- Never trapped ------------------------------------------------------------------------------

/// "same"/"to samo" adds the message to the open ticket; "new"/"nowe" handles it as a new problem
/// and a second ticket opens.
#[test]
fn same_and_new_typed_in_the_terminal() {
    for l in LANGS {
        let desk = TestDesk::new();
        let id = open(&desk, "jan", l);
        let out = desk.chat("jan", &[l.other, l.same]);
        assert_in_order(&out, &[l.ticket_or_new, &format!("{} {id}", l.added)]);
        let shown = desk.show(&id);
        assert_eq!(
            event_types(&shown),
            ["opened", "user_replied"],
            "[{}]",
            l.code
        );
        assert_eq!(shown["events"][1]["actor"]["kind"], "user");
        assert_eq!(desk.list().len(), 1);

        let desk = TestDesk::new();
        let id = open(&desk, "jan", l);
        let mut messages = vec![l.access, l.new];
        messages.extend(l.access_answers);
        let out = desk.chat("jan", &messages);
        assert_eq!(
            count(&out, l.added),
            0,
            "[{}] nothing added:\n{out}",
            l.code
        );
        let second = id_announced(&out, l.opened);
        assert_ne!(second, id);
        let list = desk.list();
        assert_eq!(list.len(), 2, "[{}] two tickets", l.code);
        assert!(list.iter().all(|t| t["status"] == "escalated"), "{list:?}");
        assert_eq!(event_types(&desk.show(&id)), ["opened"]);
        assert_eq!(
            ticket(&desk.show(&second))["detection"]["intent"],
            "access_request"
        );

        // Status lists both, in the user's language.
        let out = desk.chat("jan", &["status"]);
        assert_in_order(
            &out,
            &[
                &format!("- {second} ({})", l.awaiting_approval),
                &format!("- {id} ({}) {}", l.waiting, l.broken),
            ],
        );
    }
}

/// Close asks first; "no" keeps the ticket, "yes" closes it with the requester's `closed` event.
#[test]
fn close_in_the_terminal_asks_and_records_the_requester() {
    for l in LANGS {
        let desk = TestDesk::new();
        let id = open(&desk, "jan", l);
        let out = desk.chat("jan", &[l.close, l.no]);
        assert_in_order(&out, &[l.confirm_close, &id, l.kept_open]);
        assert_eq!(
            ticket(&desk.show(&id))["status"],
            "escalated",
            "[{}]",
            l.code
        );

        let out = desk.chat("jan", &[l.close, l.yes]);
        assert_in_order(&out, &[l.confirm_close, &id, l.closed]);
        let shown = desk.show(&id);
        assert_eq!(ticket(&shown)["status"], "closed", "[{}]", l.code);
        assert_eq!(event_types(&shown), ["opened", "closed"], "[{}]", l.code);
        let closed = &shown["events"][1];
        assert_eq!(closed["actor"]["kind"], "user", "{closed}");
        assert_eq!(closed["actor"]["name"], "local:jan", "{closed}");
    }
}

/// `chat --new` drops a pending "did this solve it?": the answer is no answer any more, and the
/// tickets stay as they were.
#[test]
fn chat_new_drops_the_pending_question_and_keeps_tickets() {
    for l in LANGS {
        let desk = TestDesk::new();
        let id = open(&desk, "jan", l);
        let out = desk.chat("jan", &[l.other, l.new]);
        assert_in_order(&out, &[l.ticket_or_new, l.did_this_solve_it]);

        let o = desk.run(
            &["chat", "--new", "--as", "jan"],
            format!("{}\n", l.yes).as_bytes(),
        );
        assert!(o.status.success(), "{}", common::stderr(&o));
        let out = common::stdout(&o);
        assert!(
            !out.contains(l.glad),
            "[{}] the dropped question was answered:\n{out}",
            l.code
        );
        assert!(out.contains(l.how_can_i_help), "[{}]\n{out}", l.code);
        let list = desk.list();
        assert_eq!(list.len(), 1, "[{}]", l.code);
        assert_eq!(list[0]["id"], id.as_str());
        assert_eq!(list[0]["status"], "escalated");
        assert_eq!(event_types(&desk.show(&id)), ["opened"]);
    }
}

/// Leaving the follow-up questions with "cancel"/"anuluj" opens no ticket.
#[test]
fn cancel_in_follow_up_questions_opens_no_ticket() {
    for l in LANGS {
        let desk = TestDesk::new();
        let out = desk.chat("jan", &[l.access, l.access_answers[0], l.cancel]);
        assert!(out.contains(l.follow_up_cancelled), "[{}]\n{out}", l.code);
        assert!(!out.contains(l.opened), "[{}]\n{out}", l.code);
        assert_eq!(desk.list(), Vec::<Value>::new(), "[{}] no ticket", l.code);
    }
}

// --- Natural answers ----------------------------------------------------------------------------

/// A rating with a comment after the agent resolves: the score and the comment are stored.
#[test]
fn rating_with_a_comment_is_stored() {
    let rows: &[(&str, u64, Option<&str>)] = &[
        ("5/5", 5, None),
        ("5 stars", 5, None),
        ("piątka", 5, None),
        ("⭐⭐⭐⭐", 4, None),
        (
            "super, działa, dzięki! 5",
            5,
            Some("super, działa, dzięki!"),
        ),
    ];
    for (msg, score, comment) in rows {
        let desk = TestDesk::new();
        let id = open(&desk, "jan", &EN);
        claim_and_resolve(&desk, &id);
        let out = desk.chat("jan", &[msg]);
        assert_in_order(&out, &["has been resolved", "1 to 5"]);
        assert!(
            out.contains("Thank you for the rating") || out.contains("Dziękuję za ocenę"),
            "{msg:?}:\n{out}"
        );
        let t = desk.show(&id);
        assert_eq!(ticket(&t)["rating"], *score, "{msg:?}");
        match comment {
            Some(c) => assert_eq!(ticket(&t)["rating_comment"], *c, "{msg:?}"),
            None => assert_eq!(ticket(&t)["rating_comment"], Value::Null, "{msg:?}"),
        }
        assert_eq!(ticket(&t)["status"], "resolved");
    }
}

/// A complaint after the resolution offers to reopen; yes puts it back with alice.
#[test]
fn complaint_after_resolution_reopens_on_yes() {
    for l in LANGS {
        let desk = TestDesk::new();
        let id = open(&desk, "jan", l);
        claim_and_resolve(&desk, &id);
        let out = desk.chat("jan", &[l.complaint, l.yes]);
        assert_in_order(&out, &[l.offer_reopen, &id, l.reopened, &id]);
        let t = desk.show(&id);
        assert_eq!(ticket(&t)["status"], "claimed", "[{}]", l.code);
        assert_eq!(ticket(&t)["assignee"], "alice");
        assert_eq!(
            ticket(&t)["rating"],
            Value::Null,
            "[{}] not a rating",
            l.code
        );
        let types = event_types(&t);
        assert_eq!(
            types[..4],
            ["opened", "claimed", "resolved", "reopened"],
            "{types:?}"
        );
        let reopened = &t["events"][3];
        assert_eq!(reopened["actor"]["kind"], "user", "{reopened}");
    }
}

// --- Replies, priorities, incidents ---------------------------------------------------------------

/// A frustrated user: an apology and a ticket at once, one step above the usual priority, with
/// the reason on the ticket.
#[test]
fn frustrated_user_ticket_is_raised_a_step() {
    for l in LANGS {
        let desk = TestDesk::new();
        let out = desk.chat("jan", &[l.frustrated]);
        assert_in_order(&out, &[l.sorry, l.opened]);
        let id = id_announced(&out, l.opened);
        let t = desk.show(&id);
        assert_eq!(ticket(&t)["priority"], "P2", "[{}]", l.code);
        let reason = ticket(&t)["priority_reason"].as_str().unwrap();
        assert!(reason.contains("frustrated"), "[{}] {reason}", l.code);
        let sorry = bot(&out).matches(l.sorry).count();
        assert_eq!(sorry, 1, "[{}] one apology:\n{out}", l.code);
    }
}

/// Three people report the office internet down: one incident, two linked reports; resolving the
/// incident tells each reporter in their language at their next chat, and resolves their reports.
#[test]
fn office_internet_down_is_one_incident_in_the_store() {
    let desk = TestDesk::new();
    let out = desk.chat("ania", &["the internet is down for the whole office"]);
    let incident = id_announced(&out, "I've opened ticket");
    let out = desk.chat("bartek", &["internet nie działa w całym biurze"]);
    assert!(out.contains("To wygląda na znany problem"), "{out}");
    assert!(out.contains(&incident), "{out}");
    assert!(!out.contains("Otworzyłem zgłoszenie"), "{out}");
    let out = desk.chat(
        "cezary",
        &["nobody in the office can get online, internet is down for everyone"],
    );
    assert!(out.contains("This looks like a known problem"), "{out}");

    let list = desk.list();
    assert_eq!(list.len(), 3);
    let reports: Vec<String> = list
        .iter()
        .filter(|t| t["id"] != incident.as_str())
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let inc = desk.show(&incident);
    assert_eq!(ticket(&inc)["priority"], "P1");
    assert_eq!(ticket(&inc)["linked"], serde_json::json!(reports));
    assert_eq!(ticket(&inc)["incident"], Value::Null);
    for r in &reports {
        assert_eq!(ticket(&desk.show(r))["incident"], incident.as_str(), "{r}");
    }

    claim_and_resolve(&desk, &incident);
    let out = desk.chat("bartek", &[]);
    assert_in_order(
        &out,
        &[
            &format!("Problem, który zgłaszałeś(-aś), został naprawiony ({incident})"),
            "alice napisał(a): replaced it",
        ],
    );
    let out = desk.chat("cezary", &[]);
    assert_in_order(
        &out,
        &[&format!(
            "The problem you reported is fixed ({incident}). alice wrote: replaced it"
        )],
    );
    for r in &reports {
        assert_eq!(ticket(&desk.show(r))["status"], "resolved", "{r}");
    }
}

/// An agent's internal note never reaches the user's terminal; their reply does, with their name,
/// in Polish around it for a Polish user.
#[test]
fn agent_note_stays_internal_and_reply_is_signed() {
    let desk = TestDesk::new();
    let id = open(&desk, "ola", &PL);
    desk.agent(
        "alice",
        &[
            &format!("claim {id}"),
            &format!("note {id} warranty expired, bill the department"),
            &format!("reply {id} please bring the laptop to room 12"),
        ],
    );
    let out = desk.chat("ola", &[]);
    assert_in_order(
        &out,
        &[
            &format!("alice zajmuje się teraz zgłoszeniem {id}"),
            &format!("alice (wsparcie, {id}): please bring the laptop to room 12"),
        ],
    );
    assert!(
        !out.contains("warranty"),
        "the note reached the user:\n{out}"
    );
    assert!(
        !out.contains("(support,"),
        "English around the reply:\n{out}"
    );
}

// --- Redaction end to end -------------------------------------------------------------------------

/// Secrets typed in first messages, follow-up answers, messages to a ticket and rating comments
/// never reach the data directory (raw bytes of every file) nor `tickets show --json`; ordinary
/// words about passwords stay.
#[test]
fn secrets_never_reach_the_data_directory() {
    let desk = TestDesk::new();
    // A first message and follow-up answers.
    let out = desk.chat(
        "jan",
        &[
            "I forgot my password, my password is Hunter2!",
            "no",
            "outlook pw=abc123",
            "skip",
        ],
    );
    let forgot = id_announced(&out, "I've opened ticket");
    let out = desk.chat(
        "ola",
        &[
            "zapomniałem hasła do poczty, hasło: Zima2024!",
            "nie",
            "poczta, hasło: Zima2024!",
            "pomiń",
        ],
    );
    let zima = id_announced(&out, "Otworzyłem zgłoszenie");
    // Messages to an open ticket.
    let out = desk.chat(
        "ewa",
        &[
            "my laptop screen is cracked, aws key AKIAIOSFODNN7EXAMPLE",
            "the gitlab token is glpat-AbCdEf1234567890XyZq",
            "refund to my IBAN PL61 1090 1014 0000 0712 1981 2874",
        ],
    );
    let laptop = id_announced(&out, "I've opened ticket");
    assert_eq!(out.matches("Added to ticket").count(), 2, "{out}");
    // Rating comments.
    claim_and_resolve(&desk, &laptop);
    desk.chat("ewa", &["great job, 5 - btw my new password is Hunter2!"]);
    let pl_laptop = open(&desk, "piotr", &PL);
    claim_and_resolve(&desk, &pl_laptop);
    desk.chat("piotr", &["5, dzięki! nowe hasło: Zima2024!"]);

    let secrets = [
        "Hunter2",
        "Zima2024",
        "abc123",
        "AKIAIOSFODNN7EXAMPLE",
        "glpat-AbCdEf1234567890XyZq",
        "AbCdEf1234567890XyZq",
        "PL61 1090 1014 0000 0712 1981 2874",
        "PL61109010140000071219812874",
        "1090 1014 0000 0712",
    ];
    let files = snapshot(&desk.data());
    assert!(!files.is_empty(), "the data directory holds files");
    let mut found = vec![];
    for (path, bytes) in &files {
        for s in secrets {
            if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                found.push(format!("{s:?} in {}", path.display()));
            }
        }
    }
    for id in [&forgot, &zima, &laptop, &pl_laptop] {
        let json = desk.show_text(id);
        for s in secrets {
            if json.contains(s) {
                found.push(format!("{s:?} in tickets show {id} --json"));
            }
        }
    }
    assert!(found.is_empty(), "secrets stored:\n{}", found.join("\n"));

    // What was said stays readable around the secret.
    let t = desk.show(&forgot);
    let subject = ticket(&t)["subject"].as_str().unwrap();
    assert!(subject.starts_with("I forgot my password"), "{subject}");
    assert!(subject.contains("[redacted: password]"), "{subject}");
    let answers = serde_json::to_string(&ticket(&t)["answers"]).unwrap();
    assert!(answers.contains("outlook"), "{answers}");
    assert_eq!(
        ticket(&desk.show(&zima))["subject"]
            .as_str()
            .unwrap()
            .matches("[redacted: password]")
            .count(),
        1
    );
    let t = desk.show(&laptop);
    assert_eq!(ticket(&t)["rating"], 5);
    assert!(ticket(&t)["rating_comment"].is_string(), "{t}");
    assert_eq!(ticket(&desk.show(&pl_laptop))["rating"], 5);
}

/// A rating whose comment gives away a password: the score is taken, the comment kept, the
/// password replaced once by the redaction mark (nothing of a second redaction around it).
#[test]
fn rating_comment_with_a_secret_is_redacted_once() {
    let rows: &[(&Lang, &str, &str, &str)] = &[
        (
            &EN,
            "great job, 5 - btw my new password is Hunter2!",
            "Hunter2",
            "my new password is [redacted: password]",
        ),
        (
            &EN,
            "super, my password is Hunter2!",
            "Hunter2",
            "super, my password is [redacted: password]",
        ),
        (
            &PL,
            "5, dzięki! nowe hasło: Zima2024!",
            "Zima2024",
            "dzięki! nowe hasło: [redacted: password]",
        ),
    ];
    let mut failures = vec![];
    for (l, msg, secret, ending) in rows {
        let desk = TestDesk::new();
        let id = open(&desk, "jan", l);
        claim_and_resolve(&desk, &id);
        let out = desk.chat("jan", &[msg]);
        let t = desk.show(&id);
        let comment = ticket(&t)["rating_comment"]
            .as_str()
            .unwrap_or("")
            .to_string();
        if ticket(&t)["rating"] != 5
            || comment.contains(secret)
            || comment.matches("[redacted: password]").count() != 1
            || !comment.ends_with(ending)
        {
            failures.push(format!(
                "[{}] {msg:?}: rating {}, rating_comment {comment:?} (expected it to end with {ending:?}); the user saw:\n{}",
                l.code,
                ticket(&t)["rating"],
                bot(&out)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
