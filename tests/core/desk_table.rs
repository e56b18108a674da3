//! The desk as tables: each test is a conversation, one row per event — who did what, at which
//! time — and what the desk sent for it, summarised one action a line:
//!
//! ```text
//! reply local:jan "<text contains this>" [solved,still_need_help]
//! notice local:alice "<text contains this>"
//! post card T-1000 in queue l2-network (escalated)
//! update card T-1000 in queue l2-network (claimed alice)
//! open agent thread T-1000 in <channel>
//! duplicate
//! ```
//!
//! The quoted text only has to be contained in what was said; everything outside the quotes must
//! match exactly. Desks run the default pack and configuration on `SledStore::temporary()`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::desk::log::{BotEvent, LogEntry};
use frontline::desk::{
    Action, AgentCommand, Card, Choice, Desk, Event, Incoming, Processed, Quoted,
};
use frontline::pack::Pack;
use frontline::store::{OutboxFilter, SledStore, Store};
use frontline::tickets::{Actor, Change, Platform, Status, Ticket, UserRef};
use frontline::triage::Triage;

// ---------------------------------------------------------------------------------------------
// The desk and its events

pub(crate) fn triage() -> Arc<Triage> {
    static T: OnceLock<Arc<Triage>> = OnceLock::new();
    T.get_or_init(|| {
        let pack = Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
            .unwrap_or_else(|e| panic!("default pack: {e}"));
        Arc::new(Triage::new(pack).expect("default pack compiles"))
    })
    .clone()
}

pub(crate) fn desk_with(config: Config) -> Desk {
    let store: Arc<dyn Store> = Arc::new(SledStore::temporary().expect("temporary store"));
    Desk::new(triage(), config, store)
}

pub(crate) fn desk() -> Desk {
    desk_with(Config::default_config())
}

/// The default configuration plus Discord role `555` mapped to L2.
fn desk_with_discord_roles() -> Desk {
    let text = format!(
        "{DEFAULT_CONFIG}\n[[platform_roles]]\nplatform = \"discord\"\nid = \"555\"\nrole = \"L2\"\n"
    );
    desk_with(Config::parse(Path::new("roles.toml"), &text).expect("config with roles"))
}

fn discord(id: &str, name: &str) -> UserRef {
    UserRef {
        platform: Platform::Discord,
        id: id.into(),
        name: name.into(),
    }
}

/// `who` writes `text` (a local user).
pub(crate) fn says(who: &str, text: &str) -> Incoming {
    Incoming::plain(Event::UserMessage {
        user: UserRef::local(who),
        text: text.into(),
    })
}

/// `who` presses a button the bot offered.
fn presses(who: &str, choice: Choice) -> Incoming {
    Incoming::plain(Event::UserChoice {
        user: UserRef::local(who),
        choice,
    })
}

/// `who` fills in the `/ticket` form.
fn ticket_form(who: &str, subject: &str, description: &str) -> Incoming {
    Incoming::plain(Event::OpenTicket {
        user: UserRef::local(who),
        subject: subject.into(),
        description: description.into(),
    })
}

/// `by` gives an agent command, holding platform `roles`.
fn command_as(by: UserRef, roles: &[&str], command: AgentCommand) -> Incoming {
    Incoming::plain(Event::Agent {
        by,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        command,
    })
}

/// A local agent (or anyone local) gives an agent command.
fn agent(who: &str, command: AgentCommand) -> Incoming {
    command_as(UserRef::local(who), &[], command)
}

fn claim(t: &str) -> AgentCommand {
    AgentCommand::Claim { ticket: t.into() }
}
fn unclaim(t: &str) -> AgentCommand {
    AgentCommand::Unclaim { ticket: t.into() }
}
fn answer(t: &str, text: &str) -> AgentCommand {
    AgentCommand::Reply {
        ticket: t.into(),
        text: text.into(),
    }
}
fn escalate(t: &str, note: &str) -> AgentCommand {
    AgentCommand::EscalateL3 {
        ticket: t.into(),
        note: note.into(),
    }
}
fn resolve(t: &str, note: &str) -> AgentCommand {
    AgentCommand::Resolve {
        activity: Default::default(),
        ticket: t.into(),
        note: note.into(),
        minutes: 20,
        outcome: None,
    }
}
fn reopen(t: &str) -> AgentCommand {
    AgentCommand::Reopen {
        ticket: t.into(),
        reason: "it is back".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Summaries and the table check

fn summary(a: &Action) -> String {
    match a {
        Action::Reply {
            to, text, buttons, ..
        } => {
            let mut s = format!("reply {} {text:?}", to.key());
            if !buttons.is_empty() {
                let b: Vec<String> = buttons
                    .iter()
                    .map(|c| match serde_json::to_value(c).unwrap() {
                        serde_json::Value::String(s) => s,
                        // `Rate(5)`, `Pick(2)`: `rate:5`, as the button id reads.
                        v => v.to_string().replace(['{', '}', '"'], ""),
                    })
                    .collect();
                s.push_str(&format!(" [{}]", b.join(",")));
            }
            s
        }
        Action::Notify { to, text, .. } => format!("notice {} {text:?}", to.key()),
        Action::AskApproval { to, ticket, text } => {
            format!("ask approval {ticket} of {} {text:?}", to.key())
        }
        Action::PostCard { queue, card, .. } => {
            format!(
                "post card {} in queue {queue} ({})",
                card.ticket,
                card_state(card)
            )
        }
        Action::UpdateCard { queue, card, .. } => {
            format!(
                "update card {} in queue {queue} ({})",
                card.ticket,
                card_state(card)
            )
        }
        Action::OpenAgentThread {
            ticket, channel, ..
        } => format!("open agent thread {ticket} in {channel}"),
        Action::ShowTickets { to, tickets, .. } => {
            let t: Vec<String> = tickets
                .iter()
                .map(|t| format!("{} {}", t.id, t.status))
                .collect();
            format!("show {} [{}]", to.key(), t.join(", "))
        }
        Action::Post { channel, text, .. } => format!("post in {channel} {text:?}"),
        Action::Webhook { hook, .. } => format!("webhook {hook}"),
        Action::Email { to, subject, .. } => format!("e-mail {to} {subject:?}"),
    }
}

/// A card's status, and its assignee when it has one: `claimed alice`.
fn card_state(card: &Card) -> String {
    match &card.assignee {
        Some(a) => format!("{} {a}", card.status.as_str()),
        None => card.status.as_str().to_string(),
    }
}

/// Whether an actual summary matches an expected one: equal outside the quotes, and the quoted
/// text contained in the actual text.
fn matches(expected: &str, actual: &str) -> bool {
    let split = |s: &str| -> Option<(String, String, String)> {
        let (head, rest) = s.split_once('"')?;
        let (text, tail) = rest.rsplit_once('"')?;
        Some((head.to_string(), text.to_string(), tail.to_string()))
    };
    match (split(expected), split(actual)) {
        (Some((eh, et, etail)), Some((ah, at, atail))) => {
            // Both texts as written in Rust (`\n` is a line break).
            let unescape = |t: String| serde_json::from_str(&format!("\"{t}\"")).unwrap_or(t);
            let (et, at) = (unescape(et), unescape(at));
            eh == ah && etail == atail && at.contains(&et)
        }
        (None, None) => expected == actual,
        _ => false,
    }
}

/// Processes one event at `now`; the summaries of what the desk sent.
fn actions(desk: &Desk, incoming: Incoming, now: u64) -> Vec<String> {
    match desk.process(incoming, now).expect("processed") {
        Processed::Committed(c) => c.actions().map(summary).collect(),
        Processed::Duplicate => vec!["duplicate".into()],
    }
}

/// One row: the event, when, and what the desk must send for it.
pub(crate) type Row = (Incoming, u64, Vec<&'static str>);

/// Rows written as a table, one per event: `time  event => [actions];`.
macro_rules! table {
    ($($now:literal $event:expr => [$($action:expr),* $(,)?];)*) => {
        vec![$(($event, $now, vec![$($action),*])),*]
    };
}
pub(crate) use table;

/// Runs the rows in order on `desk`, checking each row's actions; reports every mismatching row
/// with what was sent instead.
pub(crate) fn check(desk: &Desk, rows: Vec<Row>) {
    let mut failures = vec![];
    for (i, (incoming, now, expected)) in rows.into_iter().enumerate() {
        let what = format!("{:?}", incoming.event);
        let got = actions(desk, incoming, now);
        let ok =
            got.len() == expected.len() && expected.iter().zip(&got).all(|(e, a)| matches(e, a));
        if !ok {
            failures.push(format!(
                "row {i} at {now}: {what}\n  expected:\n    {}\n  got:\n    {}",
                expected.join("\n    "),
                got.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The bot's own log events and ticket events from offset `since`, summarised.
pub(crate) fn log_lines(store: &dyn Store, since: u64) -> Vec<String> {
    store
        .log(since, usize::MAX)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.entry {
            LogEntry::Ticket { event } => Some(format!(
                "{} {} by {}",
                event.ticket,
                event.change.kind(),
                match event.actor {
                    Actor::User(u) => u,
                    Actor::Agent(a) => a,
                    Actor::Bot => "bot".into(),
                }
            )),
            LogEntry::Bot { event, .. } => Some(match event {
                BotEvent::FaqOffered { intent, .. } => format!("faq_offered {intent}"),
                BotEvent::FaqAnswered { helped, .. } => format!("faq_answered helped={helped}"),
                BotEvent::FollowUpAsked { intent, question } => {
                    format!("follow_up_asked {intent}/{question}")
                }
                BotEvent::FollowUpAnswered {
                    intent,
                    question,
                    answer,
                } => format!("follow_up_answered {intent}/{question} {answer:?}"),
                BotEvent::CsatAsked { ticket } => format!("csat_asked {ticket}"),
                BotEvent::CsatAnswered { ticket, score } => {
                    format!("csat_answered {ticket} {score}")
                }
                BotEvent::Acknowledged { why } => format!("acknowledged {why:?}"),
                other => serde_json::to_string(&other).unwrap(),
            }),
            LogEntry::Message { .. } => None,
        })
        .collect()
}

pub(crate) fn ticket(desk: &Desk, id: &str) -> Ticket {
    desk.store().ticket(id).unwrap().expect("ticket stored")
}

fn event_kinds(desk: &Desk, id: &str) -> Vec<&'static str> {
    desk.store()
        .events(id)
        .unwrap()
        .iter()
        .map(|e| e.change.kind())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tables

/// An FAQ answer that solves it: no ticket, a deflection in the log.
#[test]
fn faq_answer_that_helps_is_a_deflection() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 says("jan", "how do I reset my password") => [
                r#"reply local:jan "**Reset a forgotten password**" [solved,still_need_help]"#,
            ];
            2_000 says("jan", "yes") => [r#"reply local:jan "Great, glad that helped!""#];
        },
    );
    assert_eq!(
        log_lines(d.store().as_ref(), 0),
        ["faq_offered password_reset", "faq_answered helped=true"]
    );
    assert!(d.store().ticket("T-1000").unwrap().is_none(), "no ticket");
}

/// An FAQ answer that does not help: the intent's follow-up questions, then a ticket in the
/// intent's queue, its card first, then the id to the user.
#[test]
fn faq_answer_that_does_not_help_leads_to_a_ticket() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 says("jan", "my VPN keeps disconnecting every few minutes") => [
                r#"reply local:jan "Did this solve it? (yes/no)" [solved,still_need_help]"#,
            ];
            2_000 says("jan", "no") => [
                r#"reply local:jan "Sorry that didn't help. I'll pass this to the support team; first a question so they can help faster:\nWhere are you connecting from""#,
            ];
            3_000 says("jan", "from home, the internet works") => [
                r#"reply local:jan "What does GlobalProtect show""#,
            ];
            4_000 says("jan", "endless connecting") => [
                "post card T-1000 in queue l2-network (escalated)",
                r#"reply local:jan "I've opened ticket T-1000 (priority P3)""#,
            ];
        },
    );
    assert_eq!(
        log_lines(d.store().as_ref(), 0),
        [
            "faq_offered vpn",
            "faq_answered helped=false",
            "follow_up_asked vpn/location",
            r#"follow_up_answered vpn/location "from home, the internet works""#,
            "follow_up_asked vpn/error",
            r#"follow_up_answered vpn/error "endless connecting""#,
            "T-1000 opened by local:jan",
        ]
    );
    let t = ticket(&d, "T-1000");
    assert_eq!(
        (t.status, t.queue.as_str()),
        (Status::Escalated, "l2-network")
    );
    assert_eq!(t.detection.faq_helped, Some(false));
    assert_eq!(
        t.answers,
        [
            ("location".into(), "from home, the internet works".into()),
            ("error".into(), "endless connecting".into()),
        ]
    );
}

/// The same in Polish: Polish words understood, Polish answers given.
#[test]
fn polish_conversation() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 says("jan", "jak zresetować hasło") => [
                r#"reply local:jan "Czy to rozwiązało problem? (tak/nie)" [solved,still_need_help]"#,
            ];
            2_000 says("jan", "nie") => [
                r#"reply local:jan "Przykro mi, że to nie pomogło. Przekażę sprawę do zespołu wsparcia; najpierw pytanie, żeby mogli szybciej pomóc:\nKtórego systemu lub aplikacji dotyczy hasło?""#,
            ];
            3_000 says("jan", "poczta") => [
                r#"reply local:jan "Czy próbowałeś/aś samodzielnego resetu""#,
            ];
            4_000 says("jan", "tak, nie działa") => [
                "post card T-1000 in queue l2-accounts (escalated)",
                r#"reply local:jan "Otworzyłem zgłoszenie T-1000 (priorytet P3)""#,
            ];
        },
    );
    let t = ticket(&d, "T-1000");
    assert_eq!(t.detection.language, "pl");
    assert_eq!(
        t.answers,
        [
            ("system".into(), "poczta".into()),
            ("self_service".into(), "tak, nie działa".into()),
        ]
    );
    assert_eq!(
        log_lines(d.store().as_ref(), 0)[..2],
        ["faq_offered password_reset", "faq_answered helped=false"]
    );
}

/// Buttons act like yes and no, as choices, never read as text: a button pressed while a
/// follow-up question waits is not its answer, and one pressed twice is stale.
#[test]
fn buttons_are_choices_not_text() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 says("jan", "how do I reset my password") => [
                r#"reply local:jan "Did this solve it?" [solved,still_need_help]"#,
            ];
            2_000 presses("jan", Choice::StillNeedHelp) => [
                r#"reply local:jan "Which system or application is the password for?""#,
            ];
            // The FAQ answer's buttons are still on screen.
            3_000 presses("jan", Choice::Solved) => [r#"reply local:jan "That button belongs to an earlier question""#];
            4_000 says("jan", "outlook") => [r#"reply local:jan "Did you try the self-service reset""#];
        },
    );
    assert_eq!(
        log_lines(d.store().as_ref(), 0),
        [
            "faq_offered password_reset",
            "faq_answered helped=false",
            "follow_up_asked password_reset/system",
            r#"acknowledged "stale button""#,
            r#"follow_up_answered password_reset/system "outlook""#,
            "follow_up_asked password_reset/self_service",
        ]
    );

    let d = desk();
    check(
        &d,
        table! {
            1_000 says("anna", "how do I reset my password") => [
                r#"reply local:anna "Did this solve it?" [solved,still_need_help]"#,
            ];
            2_000 presses("anna", Choice::Solved) => [r#"reply local:anna "glad that helped""#];
            3_000 presses("anna", Choice::Solved) => [r#"reply local:anna "That button belongs to an earlier question""#];
        },
    );
    assert_eq!(
        log_lines(d.store().as_ref(), 0),
        [
            "faq_offered password_reset",
            "faq_answered helped=true",
            r#"acknowledged "stale button""#,
        ]
    );
}

/// A button nobody offered, and empty messages.
#[test]
fn stale_button_and_empty_message() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 presses("jan", Choice::StillNeedHelp) => [r#"reply local:jan "That button belongs to an earlier question""#];
            2_000 says("jan", "   ") => [r#"reply local:jan "I didn't get any text""#];
            3_000 says("jan", "") => [r#"reply local:jan "I didn't get any text""#];
        },
    );
    assert_eq!(
        log_lines(d.store().as_ref(), 0),
        [
            r#"acknowledged "stale button""#,
            r#"acknowledged "empty message""#,
            r#"acknowledged "empty message""#,
        ]
    );
    assert!(d.store().ticket("T-1000").unwrap().is_none());
}

/// A ticket from the form, claimed, answered, resolved and rated.
#[test]
fn agent_claims_answers_resolves_and_user_rates() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 ticket_form("jan", "VPN drops", "every few minutes since Monday") => [
                "post card T-1000 in queue l2-network (escalated)",
                r#"reply local:jan "I've opened ticket T-1000""#,
            ];
            2_000 agent("alice", claim("T-1000")) => [
                r#"notice local:alice "T-1000 is yours; jan has been told.""#,
                "update card T-1000 in queue l2-network (claimed alice)",
                r#"reply local:jan "alice is now handling ticket T-1000.""#,
            ];
            3_000 agent("alice", answer("T-1000", "Please re-add the portal profile")) => [
                r#"notice local:alice "T-1000: sent to jan.""#,
                r#"reply local:jan "alice (support, T-1000): Please re-add the portal profile""#,
            ];
            4_000 says("jan", "done, it connects now") => [
                "update card T-1000 in queue l2-network (claimed alice)",
                r#"notice local:alice "[T-1000] jan: done, it connects now""#,
                r#"reply local:jan "Added to ticket T-1000.""#,
            ];
            5_000 agent("alice", resolve("T-1000", "profile re-added")) => [
                r#"notice local:alice "T-1000 resolved; 20 min logged (20 in total).""#,
                "update card T-1000 in queue l2-network (resolved alice)",
                r#"reply local:jan "Ticket T-1000 has been resolved: profile re-added (alice)\nHow would you rate the help, 1 to 5?" [rate:1,rate:2,rate:3,rate:4,rate:5]"#,
            ];
            6_000 says("jan", "5") => [r#"reply local:jan "Thank you for the rating!""#];
        },
    );
    let t = ticket(&d, "T-1000");
    assert_eq!((t.status, t.rating), (Status::Resolved, Some(5)));
    assert_eq!(
        log_lines(d.store().as_ref(), 0),
        [
            "T-1000 opened by local:jan",
            "T-1000 claimed by alice",
            "T-1000 agent_replied by alice",
            "T-1000 user_replied by local:jan",
            "T-1000 resolved by alice",
            "csat_asked T-1000",
            "T-1000 rated by local:jan",
            "csat_answered T-1000 5",
        ]
    );
}

/// A message and its thread made into a ticket by someone else (Slack's shortcut or `:ticket:`
/// reaction): the author is the requester, everyone's lines are on the card, redacted, and the
/// one who asked is told; the same message again opens nothing. The person's own page lists it.
#[test]
fn a_thread_made_into_a_ticket_and_the_requesters_list_of_tickets() {
    let d = desk();
    let quoted = |name: &str, mine: bool, text: &str| Quoted {
        name: name.into(),
        by_requester: mine,
        text: text.into(),
    };
    let from_thread = |key: &str| {
        Incoming::keyed(
            key,
            Event::TicketFromMessages {
                user: UserRef::local("jan"),
                by: UserRef::local("alice"),
                how: "the Create ticket shortcut".into(),
                messages: vec![
                    quoted("jan", true, "the printer on floor 3 jams on every page"),
                    quoted("ola", false, "same here since Monday"),
                    quoted("jan", true, "my password is Hunter2Secret!"),
                ],
            },
        )
    };
    let home = |who: &str| {
        Incoming::plain(Event::HomeOpened {
            user: UserRef::local(who),
        })
    };
    check(
        &d,
        table! {
            500 home("jan") => ["show local:jan []"];
            1_000 from_thread("slack:message-ticket:C1:1.1") => [
                "post card T-1000 in queue l2-workplace (escalated)",
                r#"reply local:jan "I've opened ticket T-1000""#,
                r#"notice local:alice "Ticket T-1000 is open for jan""#,
            ];
            1_500 from_thread("slack:message-ticket:C1:1.1") => ["duplicate"];
            2_000 home("jan") => ["show local:jan [T-1000 waiting for an agent]"];
            2_500 home("alice") => ["show local:alice []"];
        },
    );
    let t = ticket(&d, "T-1000");
    assert_eq!(t.requester.id, "jan");
    let lines: Vec<(String, String)> = t
        .transcript
        .iter()
        .map(|l| (l.from.clone(), l.text.clone()))
        .collect();
    assert_eq!(
        lines[1],
        ("other:ola".into(), "same here since Monday".into())
    );
    assert!(!lines[2].1.contains("Hunter2Secret"), "{lines:?}");
    assert!(
        t.detection
            .why
            .starts_with("opened from their message by alice with the Create ticket shortcut"),
        "{}",
        t.detection.why
    );
}

/// After a resolution the user can reopen instead of rating; the assignee cannot hand a resolved
/// ticket back to the queue with "unclaim".
#[test]
fn user_reopens_a_resolved_ticket() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 ticket_form("jan", "VPN drops", "again") => [
                "post card T-1000 in queue l2-network (escalated)",
                r#"reply local:jan "I've opened ticket T-1000""#,
            ];
            2_000 agent("alice", claim("T-1000")) => [
                r#"notice local:alice "T-1000 is yours""#,
                "update card T-1000 in queue l2-network (claimed alice)",
                r#"reply local:jan "alice is now handling ticket T-1000""#,
            ];
            3_000 agent("alice", resolve("T-1000", "restarted the gateway")) => [
                r#"notice local:alice "T-1000 resolved""#,
                "update card T-1000 in queue l2-network (resolved alice)",
                r#"reply local:jan "How would you rate the help, 1 to 5?" [rate:1,rate:2,rate:3,rate:4,rate:5]"#,
            ];
            3_500 agent("alice", unclaim("T-1000")) => [
                r#"notice local:alice "T-1000 is resolved and cannot be unclaimed""#,
            ];
            4_000 says("jan", "reopen") => [
                r#"reply local:jan "I've reopened ticket T-1000;""#,
                "post card T-1000 in queue l2-network (claimed alice)",
                r#"notice local:alice "[T-1000] jan reopened the ticket.""#,
            ];
            5_000 says("jan", "still dropping") => [
                "update card T-1000 in queue l2-network (claimed alice)",
                r#"notice local:alice "[T-1000] jan: still dropping""#,
                r#"reply local:jan "Added to ticket T-1000.""#,
            ];
        },
    );
    let t = ticket(&d, "T-1000");
    assert_eq!(
        (t.status, t.assignee.as_deref(), t.rating, t.resolved_ms),
        (Status::Claimed, Some("alice"), None, None)
    );
    assert_eq!(
        event_kinds(&d, "T-1000"),
        ["opened", "claimed", "resolved", "reopened", "user_replied"]
    );
}

/// A rated ticket that an agent reopens and resolves again asks for a rating again; the user's
/// answer must be taken as one.
#[test]
fn second_resolution_is_rated_too() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 ticket_form("jan", "VPN drops", "again") => [
                "post card T-1000 in queue l2-network (escalated)",
                r#"reply local:jan "I've opened ticket T-1000""#,
            ];
            2_000 agent("alice", claim("T-1000")) => [
                r#"notice local:alice "T-1000 is yours""#,
                "update card T-1000 in queue l2-network (claimed alice)",
                r#"reply local:jan "alice is now handling ticket T-1000""#,
            ];
            3_000 agent("alice", resolve("T-1000", "first fix")) => [
                r#"notice local:alice "T-1000 resolved""#,
                "update card T-1000 in queue l2-network (resolved alice)",
                r#"reply local:jan "1 to 5" [rate:1,rate:2,rate:3,rate:4,rate:5]"#,
            ];
            4_000 says("jan", "2") => [r#"reply local:jan "Thank you for the rating!""#];
            5_000 agent("alice", reopen("T-1000")) => [
                r#"notice local:alice "T-1000 reopened (claimed).""#,
                "post card T-1000 in queue l2-network (claimed alice)",
            ];
            6_000 agent("alice", resolve("T-1000", "second fix")) => [
                r#"notice local:alice "T-1000 resolved""#,
                "update card T-1000 in queue l2-network (resolved alice)",
                r#"reply local:jan "1 to 5" [rate:1,rate:2,rate:3,rate:4,rate:5]"#,
            ];
            7_000 says("jan", "5") => [r#"reply local:jan "Thank you for the rating!""#];
        },
    );
    assert_eq!(ticket(&d, "T-1000").rating, Some(5));
}

/// Escalated to L3, the ticket is refused to an L2 agent and taken by an L3 one.
#[test]
fn l2_agent_is_refused_on_an_l3_ticket() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 ticket_form("jan", "VPN drops", "needs a firewall rule") => [
                "post card T-1000 in queue l2-network (escalated)",
                r#"reply local:jan "I've opened ticket T-1000""#,
            ];
            2_000 agent("alice", claim("T-1000")) => [
                r#"notice local:alice "T-1000 is yours""#,
                "update card T-1000 in queue l2-network (claimed alice)",
                r#"reply local:jan "alice is now handling ticket T-1000""#,
            ];
            3_000 agent("alice", escalate("T-1000", "firewall rule for the new gateway")) => [
                r#"notice local:alice "T-1000 escalated to l3-engineering (L3).""#,
                "update card T-1000 in queue l2-network (escalated)",
                "post card T-1000 in queue l3-engineering (escalated)",
                r#"reply local:jan "Ticket T-1000 has been passed to specialists (L3).""#,
            ];
            4_000 agent("bob", claim("T-1000")) => [
                r#"notice local:bob "T-1000 is an L3 ticket; your role (L2) cannot do that.""#,
            ];
            4_500 agent("alice", answer("T-1000", "still mine?")) => [
                r#"notice local:alice "T-1000 is an L3 ticket; your role (L2) cannot do that.""#,
            ];
            5_000 agent("carol", claim("T-1000")) => [
                r#"notice local:carol "T-1000 is yours""#,
                "update card T-1000 in queue l3-engineering (claimed carol)",
                r#"reply local:jan "carol is now handling ticket T-1000""#,
            ];
        },
    );
    let t = ticket(&d, "T-1000");
    assert_eq!(
        (t.status, t.queue.as_str(), t.assignee.as_deref()),
        (Status::Claimed, "l3-engineering", Some("carol"))
    );
    let refused = r#"acknowledged "agent command refused: tier""#;
    let log = log_lines(d.store().as_ref(), 0);
    assert_eq!(log.iter().filter(|l| *l == refused).count(), 2, "{log:#?}");
}

/// Someone who is not an agent (the requester included), and an unknown ticket.
#[test]
fn non_agent_is_refused() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 ticket_form("jan", "VPN drops", "since Monday") => [
                "post card T-1000 in queue l2-network (escalated)",
                r#"reply local:jan "I've opened ticket T-1000""#,
            ];
            2_000 agent("mallory", claim("T-1000")) => [r#"notice local:mallory "Only support agents can do that.""#];
            3_000 agent("jan", resolve("T-1000", "fixed it myself")) => [r#"notice local:jan "Only support agents can do that.""#];
            4_000 agent("alice", claim("T-4040")) => [r#"notice local:alice "Ticket T-4040 not found.""#];
        },
    );
    assert_eq!(ticket(&d, "T-1000").status, Status::Escalated);
    assert_eq!(event_kinds(&d, "T-1000"), ["opened"]);
    assert_eq!(
        log_lines(d.store().as_ref(), 0)[1..],
        [
            r#"acknowledged "agent command refused: not an agent""#,
            r#"acknowledged "agent command refused: not an agent""#,
            r#"acknowledged "agent command refused: unknown ticket""#,
        ]
    );
}

/// A redelivered event (same key) is handled once: nothing new is sent, stored or logged.
#[test]
fn redelivered_event_is_handled_once() {
    let question = || {
        Incoming::keyed(
            "discord:message:1",
            Event::UserMessage {
                user: UserRef::local("jan"),
                text: "how do I reset my password".into(),
            },
        )
    };
    let solved = || {
        Incoming::keyed(
            "discord:interaction:2",
            Event::UserChoice {
                user: UserRef::local("jan"),
                choice: Choice::Solved,
            },
        )
    };
    let d = desk();
    check(
        &d,
        table! {
            1_000 question() => [r#"reply local:jan "Did this solve it?" [solved,still_need_help]"#];
            1_500 question() => ["duplicate"];
            2_000 solved() => [r#"reply local:jan "glad that helped""#];
            2_500 solved() => ["duplicate"];
            3_000 question() => ["duplicate"];
        },
    );
    let store = d.store();
    assert_eq!(store.outbox(&OutboxFilter::default()).unwrap().len(), 2);
    assert_eq!(
        log_lines(store.as_ref(), 0),
        ["faq_offered password_reset", "faq_answered helped=true"]
    );
    assert_eq!(
        store.conversation("local:jan").unwrap().map(|c| c.rev),
        Some(2)
    );
}

/// A Discord user holding a role the configuration maps to L2 acts as an agent, named by their
/// platform identity; without the role they are refused.
#[test]
fn discord_user_with_a_mapped_role_is_an_agent() {
    let d = desk_with_discord_roles();
    let dana = || discord("42", "dana");
    let eve = || discord("43", "eve");
    check(
        &d,
        table! {
            1_000 ticket_form("jan", "VPN drops", "since Monday") => [
                "post card T-1000 in queue l2-network (escalated)",
                r#"reply local:jan "I've opened ticket T-1000""#,
            ];
            2_000 command_as(eve(), &["777"], claim("T-1000")) => [r#"notice discord:43 "Only support agents can do that.""#];
            3_000 command_as(dana(), &["777", "555"], claim("t-1000")) => [
                r#"notice discord:42 "T-1000 is yours; jan has been told.""#,
                "update card T-1000 in queue l2-network (claimed discord:42)",
                r#"reply local:jan "dana is now handling ticket T-1000.""#,
            ];
            4_000 command_as(dana(), &["555"], answer("T-1000", "On it")) => [
                r#"notice discord:42 "T-1000: sent to jan.""#,
                r#"reply local:jan "dana (support, T-1000): On it""#,
            ];
            5_000 says("jan", "thanks, waiting") => [
                r#"reply local:jan "You're welcome! T-1000 is still open""#,
            ];
        },
    );
    let t = ticket(&d, "T-1000");
    assert_eq!(t.assignee.as_deref(), Some("discord:42"));
    assert!(t.assignee_user.is_some_and(|u| u.same_person(&dana())));
    let claimed = &d.store().events("T-1000").unwrap()[1];
    assert_eq!(claimed.actor, Actor::Agent("discord:42".into()));
    assert!(matches!(&claimed.change, Change::Claimed { agent, .. } if agent == "discord:42"));
}
