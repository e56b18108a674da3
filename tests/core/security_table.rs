//! Security awareness in the core: a suspicious message reported (typed, pasted, or with a
//! platform's shortcut) is a phishing report in the security queue with the safe first answer, in
//! English and Polish, and never steals the messages of its neighbours (e-mail trouble, password
//! resets, "I clicked it", which stays a security incident); the security tips' timer (no ticket)
//! posts the pack's tips in turn, once per firing, and never when tips are off.

use std::path::Path;

use frontline::clocks::calendar::parse_instant;
use frontline::clocks::timer::{Timer, TimerKind};
use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::desk::{Desk, Event, Incoming, Processed, Quoted};
use frontline::pack::Priority;
use frontline::tickets::{Platform, UserRef};
use frontline::triage::NextAction;

use crate::common::engine;
use crate::desk_table::{check, desk, desk_with, log_lines, says, table, ticket, triage};

/// (message, intent): confusable messages in both languages and where each must go.
#[rustfmt::skip]
const CONFUSABLE: &[(&str, &str)] = &[
    // reports: nothing done yet
    ("I got a weird e-mail", "phishing_report"),
    ("someone sent me a suspicious message asking for my password", "phishing_report"),
    ("I got a phishing email pretending to be from Microsoft", "phishing_report"),
    ("there is an email from the CEO asking me to buy gift cards, looks fake", "phishing_report"),
    ("is this email legit? it asks me to update my bank details", "phishing_report"),
    ("Dear user, your mailbox is full. Click here http://bit.ly/xx to verify your password or your account will be suspended.", "phishing_report"),
    ("dostałem dziwnego maila", "phishing_report"),
    ("dostalem dziwnego maila", "phishing_report"),
    ("ktoś wysłał mi podejrzaną wiadomość z prośbą o hasło", "phishing_report"),
    ("czy ten mail to phishing?", "phishing_report"),
    ("mam podejrzanego smsa od kuriera", "phishing_report"),
    ("Szanowny kliencie, Twoje konto zostanie zablokowane. Kliknij w link aby potwierdzić dane: http://x.pl", "phishing_report"),
    // done already: an incident
    ("I clicked the link in that email", "security_incident"),
    ("already clicked it and typed my password", "security_incident"),
    ("I opened an attachment from a weird email", "security_incident"),
    ("got an email about a sign-in to my account from Brazil, I'm in Poznan", "security_incident"),
    ("kliknąłem w link", "security_incident"),
    ("kliknąłem w ten link i wpisałem hasło", "security_incident"),
    ("otworzyłem załącznik z dziwnego maila", "security_incident"),
    // the neighbours keep theirs
    ("my outlook doesn't receive emails", "email"),
    ("spam keeps arriving in my inbox", "email"),
    ("outlook nie wysyła maili", "email"),
    ("nie przychodzą mi maile od klienta", "email"),
    ("I forgot my password", "password_reset"),
    ("I want to change my password", "password_reset"),
    ("nie pamiętam hasła", "password_reset"),
    ("jak zmienić hasło do poczty", "password_reset"),
];

#[test]
fn phishing_reports_and_their_neighbours() {
    let mut wrong = vec![];
    for &(message, intent) in CONFUSABLE {
        let d = engine().decide(message);
        let ok = d.intent == intent
            && d.action == first_action(intent)
            && (intent != "phishing_report"
                || (d.priority == Some(Priority::P3)
                    && !d.signals.iter().any(|s| s == "security")
                    && d.candidates.is_empty()));
        if !ok {
            wrong.push(format!(
                "{message:?}: {} {:?} {:?} {:?}\n      why: {}",
                d.intent, d.action, d.priority, d.signals, d.why
            ));
        }
    }
    assert!(wrong.is_empty(), "\n  {}", wrong.join("\n  "));
}

/// The action a row's intent starts with.
fn first_action(intent: &str) -> NextAction {
    match intent {
        "phishing_report" | "security_incident" => NextAction::Escalate,
        _ => NextAction::Answer,
    }
}

/// "I got a weird e-mail": the safe answer and a phishing report in the security queue; the
/// message pasted after it joins the report (redacted); "I already clicked it" is an incident
/// of its own.
#[test]
fn a_weird_email_is_reported_then_the_user_clicked_it() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 says("jan", "I got a weird e-mail") => [
                r#"reply local:jan "do not click its links or open its attachments, do not reply to it and do not forward it to anyone; once you have reported it, delete it. If you already clicked a link, opened an attachment or typed your password, change your password now and tell me here""#,
                "post card T-1000 in queue l2-security (escalated)",
                r#"reply local:jan "I've opened ticket T-1000 (priority P3)""#,
            ];
            2_000 says("jan", "From: IT Helpdesk <it-desk@examp1e.com>\nSubject: password expires today\nKeep it at http://examp1e.com/keep") => [
                "update card T-1000 in queue l2-security (escalated)",
                r#"reply local:jan "Added to ticket T-1000""#,
            ];
            3_000 says("jan", "oh no, I already clicked the link and typed my password") => [
                r#"reply local:jan "Thank you for reporting this. We treat it as urgent""#,
                "post card T-1001 in queue l2-security (escalated)",
                r#"reply local:jan "I've opened ticket T-1001 (priority P1)""#,
            ];
        },
    );
    let report = ticket(&d, "T-1000");
    assert_eq!(report.category, "phishing");
    assert_eq!(report.detection.intent, "phishing_report");
    assert_eq!(report.queue, "l2-security");
    assert_eq!(report.priority, Priority::P3);
    let said: Vec<&str> = report.transcript.iter().map(|l| l.text.as_str()).collect();
    assert!(
        said.iter().any(|t| t.contains("password expires today")),
        "{said:?}"
    );
    // Redacted as usual: the sender's address is not kept.
    assert!(
        !said.iter().any(|t| t.contains("it-desk@examp1e.com")),
        "{said:?}"
    );
    let incident = ticket(&d, "T-1001");
    assert_eq!(incident.detection.intent, "security_incident");
    assert_eq!(incident.priority, Priority::P1);
    assert!(
        incident
            .detection
            .why
            .contains("after phishing report T-1000"),
        "{}",
        incident.detection.why
    );
}

#[test]
fn a_weird_email_in_polish() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 says("ola", "dostałam dziwnego maila z prośbą o podanie hasła") => [
                r#"reply local:ola "nie klikaj linków w tej wiadomości i nie otwieraj załączników, nie odpowiadaj na nią i nie przesyłaj jej nikomu dalej; po zgłoszeniu usuń ją. Jeśli już kliknąłeś/aś link, otworzyłeś/aś załącznik lub wpisałeś/aś hasło, natychmiast zmień hasło""#,
                "post card T-1000 in queue l2-security (escalated)",
                r#"reply local:ola "T-1000""#,
            ];
            1_500 says("ola", "Od: Bank <info@bank.example>\nTemat: Your account is locked\nhttp://bank-examp1e.com/unlock") => [
                "update card T-1000 in queue l2-security (escalated)",
                r#"reply local:ola "Dopisałem to do zgłoszenia T-1000""#,
            ];
            2_000 says("ola", "kliknęłam w link z tego maila") => [
                r#"reply local:ola "Dziękuję za zgłoszenie. Traktujemy to jako pilne""#,
                "post card T-1001 in queue l2-security (escalated)",
                r#"reply local:ola "T-1001""#,
            ];
        },
    );
    assert_eq!(ticket(&d, "T-1000").category, "phishing");
    assert_eq!(ticket(&d, "T-1000").detection.language, "pl");
    assert_eq!(ticket(&d, "T-1001").detection.intent, "security_incident");
}

/// A phishing report is never swallowed by an open ticket about something else.
#[test]
fn a_report_beside_an_open_ticket_is_a_ticket_of_its_own() {
    let d = desk();
    check(
        &d,
        table! {
            1_000 says("jan", "my laptop screen is cracked after it fell") => [
                r#"reply local:jan "Sorry to hear your equipment is broken""#,
                "post card T-1000 in queue l2-workplace (escalated)",
                r#"reply local:jan "T-1000""#,
            ];
            2_000 says("jan", "also I got a suspicious email asking for my password") => [
                r#"reply local:jan "do not click its links""#,
                "post card T-1001 in queue l2-security (escalated)",
                r#"reply local:jan "I've opened ticket T-1001""#,
            ];
        },
    );
}

fn slack(id: &str, name: &str) -> UserRef {
    UserRef {
        platform: Platform::Slack,
        id: id.into(),
        name: name.into(),
    }
}

/// The platform shortcut: the reporter is the requester, the reported message (and its author's
/// name) is the transcript; the same report delivered twice is one ticket.
#[test]
fn a_message_reported_with_the_shortcut() {
    let d = desk();
    let report = || {
        Incoming::keyed(
            "slack:phishing-report:C1:1700000000.000100:U2",
            Event::PhishingReport {
                user: slack("U2", "Bob"),
                how: "the Report phishing shortcut".into(),
                reported: vec![Quoted {
                    name: "Mallory".into(),
                    by_requester: false,
                    text: "Hi Bob, the CEO needs 5 gift cards today, reply with the codes".into(),
                }],
            },
        )
    };
    check(
        &d,
        table! {
            1_000 report() => [
                r#"reply slack:U2 "do not click its links""#,
                "post card T-1000 in queue l2-security (escalated)",
                r#"reply slack:U2 "I've opened ticket T-1000 (priority P3)""#,
            ];
            2_000 report() => ["duplicate"];
        },
    );
    let t = ticket(&d, "T-1000");
    assert_eq!(t.requester.id, "U2");
    assert_eq!(t.category, "phishing");
    assert!(
        t.subject
            .starts_with("Reported message from Mallory: Hi Bob"),
        "{}",
        t.subject
    );
    assert!(t.detection.why.contains("the Report phishing shortcut"));
    assert_eq!(t.transcript[0].from, "other:Mallory");
    assert!(t.transcript[0].text.contains("gift cards"));
}

fn at(s: &str) -> u64 {
    parse_instant(s).unwrap()
}

fn tips_desk(security: &str) -> Desk {
    let text = format!("{DEFAULT_CONFIG}\n{security}");
    desk_with(Config::parse(Path::new("security.toml"), &text).unwrap_or_else(|e| panic!("{e}")))
}

const TIPS: &str = r#"
[calendars.office-pl]
timezone = "Europe/Warsaw"
[calendars.office-pl.hours]
mon = ["08:00-16:00"]
tue = ["08:00-16:00"]
wed = ["08:00-16:00"]
thu = ["08:00-16:00"]
fri = ["08:00-16:00"]

[security]
tips_channel = { platform = "local", channel = "security-news" }
tips_every_days = 7
tips_at = "09:30"
calendar = "office-pl"
language = "pl"
"#;

fn fire(d: &Desk, t: &Timer, now: u64) -> Vec<String> {
    let incoming = Incoming::keyed(
        format!("timer:{}:{}", t.id, t.due_ms),
        Event::TimerFired {
            id: t.id.clone(),
            ticket: t.ticket.clone(),
            due_ms: t.due_ms,
        },
    );
    match d.process(incoming, now).unwrap() {
        Processed::Committed(c) => c
            .actions()
            .map(|a| a.text().unwrap_or_default().to_string())
            .collect(),
        Processed::Duplicate => vec!["duplicate".into()],
    }
}

fn tip_timer(d: &Desk) -> Option<Timer> {
    d.store().timer(Timer::SECURITY_TIP).unwrap()
}

/// Tips on: the timer is set for the next working day at 09:30 Warsaw time, fires once, posts
/// the first tip in Polish, and comes back a week later (to the working day) with the next tip.
#[test]
fn security_tips_rotate_once_per_firing() {
    let d = tips_desk(TIPS);
    // Saturday 2026-11-28 10:00 in Warsaw: the next working day is Monday.
    let now = at("2026-11-28T10:00:00+01:00");
    d.process(Incoming::plain(Event::Schedule), now).unwrap();
    let t = tip_timer(&d).expect("armed");
    assert_eq!(t.kind, TimerKind::SecurityTip);
    assert!(!t.has_ticket());
    assert_eq!(t.due_ms, at("2026-11-30T09:30:00+01:00"));
    // Scheduling again changes nothing.
    d.process(Incoming::plain(Event::Schedule), now + 1)
        .unwrap();
    assert_eq!(tip_timer(&d), Some(t.clone()));

    let posted = fire(&d, &t, t.due_ms);
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(posted[0].starts_with("Porada bezpieczeństwa: dział IT nigdy nie prosi o hasło"));
    assert_eq!(fire(&d, &t, t.due_ms + 5), ["duplicate"]);
    let next = tip_timer(&d).expect("re-armed");
    assert_eq!(next.due_ms, at("2026-12-07T09:30:00+01:00"));
    let posted = fire(&d, &next, next.due_ms);
    assert!(posted[0].contains("najedź na niego kursorem"), "{posted:?}");
    let log = log_lines(d.store().as_ref(), 0);
    let tips: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("security_tip_posted"))
        .collect();
    assert_eq!(tips.len(), 2, "{log:?}");
    assert!(tips[0].contains(r#""tip":0"#) && tips[1].contains(r#""tip":1"#));
}

/// A tip fired ahead of time (`timers fire --until` the next slot) is re-armed a period later,
/// and the desk scheduling again (at the next `frontline run` or `timers` command) leaves it
/// there: after the day's slot has passed, "one period from now" ends before it, which once
/// put the timer back on the slot just fired, where `timers fire` found it again.
#[test]
fn a_tip_fired_ahead_stays_re_armed_when_the_desk_schedules_again() {
    let d = tips_desk(
        "[security]\ntips_channel = { platform = \"local\", channel = \"security-news\" }\ntips_every_days = 7\ntips_at = \"09:00\"\n",
    );
    // Saturday 10:00 UTC: today's 09:00 has passed, the next slot is Sunday's.
    let now = at("2026-11-28T10:00:00Z");
    d.process(Incoming::plain(Event::Schedule), now).unwrap();
    let t = tip_timer(&d).expect("armed");
    assert_eq!(t.due_ms, at("2026-11-29T09:00:00Z"));
    assert_eq!(fire(&d, &t, t.due_ms).len(), 1);
    let next = tip_timer(&d).expect("re-armed");
    assert_eq!(next.due_ms, at("2026-12-06T09:00:00Z"));
    d.process(Incoming::plain(Event::Schedule), now + 60_000)
        .unwrap();
    assert_eq!(tip_timer(&d), Some(next));
}

/// Tips off: a pending timer is removed when the desk schedules, and one that fires anyway posts
/// nothing and is not set again.
#[test]
fn security_tips_off_never_post() {
    let on = tips_desk(TIPS);
    let now = at("2026-11-28T10:00:00+01:00");
    on.process(Incoming::plain(Event::Schedule), now).unwrap();
    let t = tip_timer(&on).expect("armed");
    let off = Desk::new(
        triage(),
        Config::parse(
            Path::new("security.toml"),
            &format!(
                "{DEFAULT_CONFIG}\n{}",
                TIPS.replace("[security]", "[security]\ntips = false")
            ),
        )
        .unwrap(),
        on.store().clone(),
    );
    assert_eq!(fire(&off, &t, t.due_ms), Vec::<String>::new());
    assert_eq!(tip_timer(&off), None);
    // And with no [security] at all, scheduling removes a pending one.
    on.process(Incoming::plain(Event::Schedule), now).unwrap();
    assert!(tip_timer(&on).is_some());
    let none = Desk::new(triage(), Config::default_config(), on.store().clone());
    none.process(Incoming::plain(Event::Schedule), now).unwrap();
    assert_eq!(tip_timer(&none), None);
}

#[test]
fn security_config_mistakes_name_file_line_and_field() {
    let bad = r#"
[security]
tips_channel = { platform = "slack", channel = "not-a-channel" }
tips_every_days = -3
tips_at = "9am"
calendar = "nowhere"
"#;
    let text = format!("{DEFAULT_CONFIG}\n{bad}");
    let e = Config::parse(Path::new("security.toml"), &text).unwrap_err();
    // The line each field is written on, as a person would count them.
    let line = |text: &str, key: &str| {
        let lines: Vec<&str> = text.lines().collect();
        lines.iter().rposition(|l| l.starts_with(key)).unwrap() + 1
    };
    let found: Vec<(usize, &str)> = e
        .problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (line(&text, "tips_channel"), "security.tips_channel.channel"),
            (line(&text, "tips_every_days"), "security.tips_every_days"),
            (line(&text, "tips_at"), "security.tips_at"),
            (line(&text, "calendar = "), "security.calendar"),
        ],
        "{e}"
    );
    assert!(e.to_string().contains("security.toml:"), "{e}");
    // Tips without a channel.
    let text = format!("{DEFAULT_CONFIG}\n[security]\ntips_every_days = 3\n");
    let e = Config::parse(Path::new("security.toml"), &text).unwrap_err();
    assert_eq!(e.problems[0].field, "security.tips_channel", "{e}");
    // A language the pack does not speak is found against the pack.
    let text = format!(
        "{DEFAULT_CONFIG}\n[security]\ntips_channel = {{ platform = \"local\", channel = \"x\" }}\nlanguage = \"de\"\n"
    );
    let c = Config::parse(Path::new("security.toml"), &text).unwrap();
    let problems = c.pack_problems(engine().pack());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].field, "security.language");
    assert_eq!(problems[0].line, line(&text, "language"));
}
