//! The escalation card as agents see it, on tickets built in code: each row is a ticket, its
//! context and a moment, and what must (and must not) appear in the terminal rendering and in the
//! Discord embed (serialised as Discord receives it). The default pack supplies the words: the
//! Polish follow-up questions, the article's title, the rules behind the detection.

use std::path::Path;
use std::sync::OnceLock;

use frontline::desk::Card;
use frontline::desk::card::{CardContext, PreviousTicket, event_line, list_line};
use frontline::pack::{Pack, Priority};
use frontline::platform::discord::render::card_embed;
use frontline::tickets::{
    Actor, Change, Detection, Line, Platform, Status, Ticket, TicketEvent, Tier, UserRef,
};
use frontline::triage::Triage;
use serde_json::Value;

fn triage() -> &'static Triage {
    static T: OnceLock<Triage> = OnceLock::new();
    T.get_or_init(|| {
        let pack = Pack::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("intents"))
            .unwrap_or_else(|e| panic!("default pack: {e}"));
        Triage::new(pack).expect("default pack compiles")
    })
}

fn pack() -> &'static Pack {
    triage().pack()
}

/// 2026-11-27 12:00 UTC.
const OPENED: u64 = 1_795_780_800_000;
const MIN: u64 = 60_000;
const JAN: &str = "123456789012345678";
const ALICE: &str = "500000000000000001";

fn jan() -> UserRef {
    UserRef {
        platform: Platform::Discord,
        id: JAN.into(),
        name: "Jan Kowalski".into(),
    }
}

/// Jan writes in Polish about his VPN; the article did not help, he answered both follow-up
/// questions, and the ticket waits in l2-network with an hour to the first response.
fn vpn_pl() -> Ticket {
    let message = "mój vpn ciągle się rozłącza";
    let d = triage().decide(message);
    assert_eq!((d.intent.as_str(), d.language.as_str()), ("vpn", "pl"));
    let line = |min: u64, from: &str, text: &str| Line {
        at_ms: OPENED - 10 * MIN + min * MIN,
        from: from.into(),
        text: text.into(),
    };
    Ticket {
        id: "T-1000".into(),
        number: 1000,
        requester: jan(),
        organisation: Some("acme".into()),
        channel: "dm".into(),
        subject: message.into(),
        category: "network".into(),
        priority: Priority::P3,
        status: Status::Escalated,
        tier: Tier::L2,
        queue: "l2-network".into(),
        assignee: None,
        assignee_user: None,
        detection: Detection {
            intent: d.intent.clone(),
            confidence: d.confidence,
            why: d.why.clone(),
            language: d.language.clone(),
            faq_offered: d.faq.iter().map(|f| f.id.clone()).collect(),
            faq_helped: Some(false),
            ..Default::default()
        },
        answers: vec![
            ("location".into(), "z domu, internet działa".into()),
            ("error".into(), "łączy i po minucie zrywa".into()),
        ],
        transcript: vec![
            line(0, "user", message),
            line(1, "bot", "Czy to rozwiązało problem? (tak/nie)"),
            line(2, "user", "nie"),
        ],
        created_ms: OPENED,
        updated_ms: OPENED,
        first_response_due_ms: Some(OPENED + 60 * MIN),
        resolution_due_ms: Some(OPENED + 8 * 60 * MIN),
        first_response_ms: None,
        resolved_ms: None,
        minutes_spent: 0,
        event_count: 1,
        rating: None,
        rating_comment: None,
        priority_reason: String::new(),
        incident: None,
        linked: vec![],
        l3_note: None,
        notes: vec![],
        clock: Default::default(),
        tags: vec![],
        approval: None,
        vendors: vec![],
        visit: None,
        change: None,
        report: Default::default(),
    }
}

fn previous() -> Vec<PreviousTicket> {
    vec![
        PreviousTicket {
            id: "T-990".into(),
            status: Status::Resolved,
            subject: "drukarka nie drukuje".into(),
            created_ms: OPENED - 3 * 24 * 60 * MIN,
        },
        PreviousTicket {
            id: "T-950".into(),
            status: Status::Closed,
            subject: "nowy laptop".into(),
            created_ms: OPENED - 30 * 24 * 60 * MIN,
        },
    ]
}

/// The embed as Discord receives it.
fn embed(card: &Card) -> Value {
    serde_json::to_value(card_embed(card)).expect("an embed serialises")
}

fn field(e: &Value, name: &str) -> String {
    e["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["name"] == name)
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name:?} in {e:#}"))
        .to_string()
}

fn field_names(e: &Value) -> Vec<String> {
    e["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["name"].as_str().unwrap_or("").to_string())
        .collect()
}

/// One row: what the terminal shows (`text` must contain each of `has`, none of `lacks`) and
/// what the embed shows (`(field, contained)` pairs).
struct Row {
    name: &'static str,
    ticket: Ticket,
    previous: Vec<PreviousTicket>,
    now: u64,
    has: Vec<String>,
    lacks: Vec<&'static str>,
    fields: Vec<(&'static str, String)>,
}

fn check(row: Row) {
    let cx = CardContext {
        pack: Some(pack()),
        previous: row.previous,
        clocks: vec![],
        vendors_next: false,
        ..Default::default()
    };
    let card = Card::of(&row.ticket, &cx);
    let text = card.render_text(row.now);
    let e = embed(&card);
    let mut failures = Vec::new();
    for h in &row.has {
        if !text.contains(h.as_str()) {
            failures.push(format!("text lacks {h:?}"));
        }
    }
    for l in &row.lacks {
        if text.contains(l) {
            failures.push(format!("text shows {l:?}"));
        }
        if e.to_string().contains(l) {
            failures.push(format!("embed shows {l:?}"));
        }
    }
    for (name, want) in &row.fields {
        let got = field(&e, name);
        if !got.contains(want.as_str()) {
            failures.push(format!("field {name:?} lacks {want:?}: {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{}:\n{}\n--- text:\n{text}\n--- embed:\n{e:#}",
        row.name,
        failures.join("\n")
    );
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn a_polish_requesters_card_in_words() {
    let t = vpn_pl();
    let unix = (OPENED + 60 * MIN) / 1000;
    check(Row {
        name: "new Polish VPN ticket",
        ticket: t,
        previous: previous(),
        now: OPENED + 40 * MIN,
        has: vec![
            s("== T-1000 [P3 L2 escalated] mój vpn ciągle się rozłącza"),
            format!("requester: Jan Kowalski (discord:{JAN})  language: pl  organisation: acme"),
            s("priority: P3 (usual for vpn)"),
            s("opened: 2026-11-27 12:00 UTC (40m ago)  time spent: 0m"),
            s("first response due: 2026-11-27 13:00 UTC (due in 20m)"),
            s("resolution due: 2026-11-27 20:00 UTC (due in 7h 20m)"),
            s("detected as vpn (confidence 1.00): matched 'vpn'"),
            s("similar to 'vpn ciagle sie rozlacza'"),
            s(
                "FAQ shown: \"VPN nie łączy się albo ciągle się rozłącza – co zrobić?\" (vpn-troubleshoot): did not help",
            ),
            s("  Skąd się łączysz (dom, hotel, hotspot z telefonu)"),
            s("    z domu, internet działa"),
            s("  Co pokazuje GlobalProtect"),
            s("  11:51 bot: Czy to rozwiązało problem? (tak/nie)"),
            s("  11:52 Jan Kowalski: nie"),
            s("previous tickets of Jan Kowalski:"),
            s("  T-990 2026-11-24 12:00 UTC resolved drukarka nie drukuje"),
            s("  T-950 2026-10-28 12:00 UTC closed nowy laptop"),
        ],
        // Classifier internals, ids and the articles Jan never saw stay off the card.
        lacks: vec![
            "network#4",
            "classifier 0.",
            "location:",
            "vpn-connect",
            "vpn-slow",
        ],
        fields: vec![
            ("Requester", format!("Jan Kowalski (<@{JAN}>)")),
            ("Requester", s("language: pl")),
            ("Organisation", s("acme")),
            ("Priority", s("P3 (L2, l2-network)\nusual for vpn")),
            ("Status", s("escalated")),
            ("First response due", format!("<t:{unix}:R> (<t:{unix}:f>)")),
            ("Opened", format!("<t:{}:R>", OPENED / 1000)),
            ("Detected", s("detected as vpn (confidence 1.00)")),
            ("FAQ offered", s("did not help")),
            ("Answers", s("**Skąd się łączysz")),
            ("Transcript (redacted)", s("**bot**: Czy to")),
            ("Previous tickets", s("T-990 · resolved · drukarka")),
        ],
    });
}

#[test]
fn claimed_l3_ticket_with_notes_incident_and_time_spent() {
    let mut t = vpn_pl();
    t.status = Status::Claimed;
    t.tier = Tier::L3;
    t.queue = "l3-engineering".into();
    t.assignee = Some(format!("discord:{ALICE}"));
    t.assignee_user = Some(UserRef {
        platform: Platform::Discord,
        id: ALICE.into(),
        name: "Alice Nowak".into(),
    });
    t.first_response_ms = Some(OPENED + 30 * MIN);
    t.minutes_spent = 45;
    t.priority = Priority::P2;
    t.priority_reason = "the whole office is affected".into();
    t.l3_note = Some("needs a firewall change on the gateway".into());
    t.incident = Some("T-900".into());
    t.notes = vec![Line {
        at_ms: OPENED + 35 * MIN,
        from: format!("agent:discord:{ALICE}"),
        text: "called him, gateway cert expired".into(),
    }];
    // 8h resolution, 5h 40m in: due in 2h 20m; the met first response is no longer counting.
    let now = OPENED + (5 * 60 + 40) * MIN;
    check(Row {
        name: "claimed L3 ticket",
        ticket: t,
        previous: vec![],
        now,
        has: vec![
            s("priority: P2 (the whole office is affected)"),
            s("assignee: Alice Nowak"),
            s("time spent: 45m"),
            s("first response due: 2026-11-27 13:00 UTC (responded 2026-11-27 12:30 UTC)"),
            s("resolution due: 2026-11-27 20:00 UTC (due in 2h 20m)"),
            s("L3 note: needs a firewall change on the gateway"),
            s("part of incident T-900"),
            s("Internal notes (agents only):\n  2026-11-27 12:35 UTC discord:"),
            s("called him, gateway cert expired"),
        ],
        lacks: vec!["previous tickets"],
        fields: vec![
            ("Status", format!("claimed · <@{ALICE}>")),
            ("Priority", s("the whole office is affected")),
            ("First response due", s("met <t:")),
            ("Opened", s("time spent: 45 min")),
            ("L3 note", s("needs a firewall change")),
            ("Incident", s("part of T-900")),
            (
                "Internal notes (agents only)",
                format!("**<@{ALICE}>**: called him"),
            ),
        ],
    });
}

#[test]
fn overdue_incident_with_linked_reports() {
    let mut t = vpn_pl();
    t.linked = vec!["T-1001".into(), "T-1002".into()];
    check(Row {
        name: "overdue incident",
        ticket: t,
        previous: vec![],
        now: OPENED + 75 * MIN,
        has: vec![
            s("first response due: 2026-11-27 13:00 UTC (overdue by 15m)"),
            s("linked reports: T-1001, T-1002"),
        ],
        lacks: vec![],
        fields: vec![("Linked reports", s("T-1001, T-1002"))],
    });
}

#[test]
fn without_a_context_the_card_falls_back_to_ids() {
    let t = vpn_pl();
    let card = Card::of(&t, &CardContext::default());
    let text = card.render_text(OPENED);
    assert!(text.contains("  location\n    z domu"), "{text}");
    assert!(
        text.contains("FAQ shown: vpn-troubleshoot: did not help"),
        "{text}"
    );
    assert!(text.contains("detected as vpn (confidence 1.00): similar to"));
    // The JSON contract keeps the old fields: the raw explanation, every article, answers by id.
    let v = serde_json::to_value(&card).unwrap();
    assert!(v["why"].as_str().unwrap().contains("vpn#1"), "{v}");
    assert_eq!(v["faq_offered"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(v["answers"][0][0], "location", "{v}");
    assert_eq!(v["requester"], format!("Jan Kowalski (discord:{JAN})"));
}

/// A card stored in the outbox before these fields existed still reads (and renders).
#[test]
fn an_older_stored_card_still_reads() {
    let mut v = serde_json::to_value(Card::of(&vpn_pl(), &CardContext::default())).unwrap();
    for k in [
        "requester_user",
        "language",
        "priority_reason",
        "created_ms",
        "first_response_ms",
        "resolved_ms",
        "minutes_spent",
        "why_words",
        "faq_seen",
        "questions",
        "l3_note",
        "incident",
        "linked",
        "notes",
        "previous",
    ] {
        v.as_object_mut().unwrap().remove(k);
    }
    let card: Card = serde_json::from_value(v).expect("an older card deserialises");
    assert!(
        card.render_text(OPENED)
            .contains("requester: Jan Kowalski (discord:")
    );
    assert!(field(&embed(&card), "Requester").contains("Jan Kowalski"));
}

/// Regression: what users type must not ping or format on Discord, nor reach a terminal as
/// escape sequences.
#[test]
fn user_text_cannot_ping_or_format() {
    let mut t = vpn_pl();
    t.subject = "@everyone \x1b[31mHELP\x1b[0m [click](https://evil.example) **now**".into();
    t.requester.name = "@here".into();
    t.requester.id = "not-a-number".into();
    t.transcript.push(Line {
        at_ms: OPENED,
        from: "user".into(),
        text: "<@&42> <@1> <#7> @everyone\nsecond line".into(),
    });
    t.notes.push(Line {
        at_ms: OPENED,
        from: "agent:alice".into(),
        text: "ping @here".into(),
    });
    t.answers[0].1 = "`code` > quote # heading".into();
    let card = Card::of(&t, &CardContext::default());
    let e = embed(&card).to_string();
    for bad in [
        "@everyone",
        "@here",
        "<@&42>",
        "<@1>",
        "<#7>",
        "[click](",
        "**now**",
        "\u{1b}",
    ] {
        assert!(!e.contains(bad), "embed carries {bad:?}: {e}");
    }
    let text = card.render_text(OPENED);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(
        text.contains("<@&42> <@1> <#7> @everyone⏎second line"),
        "{text}"
    );
}

/// However long the transcript and notes, the embed stays within Discord's limits and keeps
/// the transcript's latest line.
#[test]
fn the_embed_fits_discords_limits() {
    let mut t = vpn_pl();
    t.subject = "x".repeat(300);
    for i in 0..200 {
        t.transcript.push(Line {
            at_ms: OPENED,
            from: "user".into(),
            text: format!("line {i} {}", "y".repeat(500)),
        });
        t.notes.push(Line {
            at_ms: OPENED,
            from: "agent:alice".into(),
            text: "n".repeat(300),
        });
    }
    t.l3_note = Some("z".repeat(5000));
    t.priority_reason = "r".repeat(2000);
    t.linked = (0..400).map(|i| format!("T-{i}")).collect();
    t.answers[0].1 = "a".repeat(2000);
    t.answers[1].1 = "b".repeat(2000);
    t.transcript.push(Line {
        at_ms: OPENED,
        from: "user".into(),
        text: "the very last line".into(),
    });
    let cx = CardContext {
        pack: Some(pack()),
        previous: previous(),
        clocks: vec![],
        vendors_next: false,
        ..Default::default()
    };
    let e = embed(&Card::of(&t, &cx));
    let title = e["title"].as_str().unwrap();
    assert!(title.chars().count() <= 256, "{title}");
    let fields = e["fields"].as_array().unwrap();
    assert!(fields.len() <= 25);
    let mut total = title.chars().count() + "frontline".len();
    for f in fields {
        let (n, v) = (f["name"].as_str().unwrap(), f["value"].as_str().unwrap());
        assert!(n.chars().count() <= 256 && !v.is_empty() && v.chars().count() <= 1024);
        total += n.chars().count() + v.chars().count();
    }
    assert!(total <= 6000, "embed is {total} characters");
    assert!(
        total > 5000,
        "the row must press against the limit: {total}"
    );
    assert!(field(&e, "Transcript (redacted)").ends_with("the very last line"));
    // The short fields are whole.
    assert_eq!(field(&e, "Organisation"), "acme");
    assert!(field(&e, "Previous tickets").contains("T-950"));
}

#[test]
fn list_lines_say_who_how_old_and_what_is_due() {
    let mut t = vpn_pl();
    let now = OPENED + (2 * 60 + 5) * MIN;
    // The first response is overdue; once it is given, the resolution is what is due.
    assert_eq!(
        list_line(&t, now),
        "T-1000  P3  escalated  Jan Kowalski  2h 05m old  first response overdue by 1h 05m  l2-network  -  mój vpn ciągle się rozłącza"
    );
    t.status = Status::Claimed;
    t.first_response_ms = Some(OPENED + 10 * MIN);
    t.assignee = Some("alice".into());
    t.assignee_user = Some(UserRef::local("alice"));
    assert_eq!(
        list_line(&t, now),
        "T-1000  P3  claimed  Jan Kowalski  2h 05m old  resolution due in 5h 55m  l2-network  alice  mój vpn ciągle się rozłącza"
    );
    t.status = Status::Resolved;
    assert!(list_line(&t, now).contains("2h 05m old  -  l2-network"));
}

#[test]
fn events_read_as_lines() {
    let jan = jan();
    let at = OPENED + 2 * MIN;
    let event = |actor: Actor, change: Change| TicketEvent {
        ticket: "T-1000".into(),
        seq: 1,
        at_ms: at,
        actor,
        change,
    };
    let rows = [
        (
            event(
                Actor::User(jan.key()),
                Change::Opened {
                    queue: "l2-network".into(),
                    priority: Priority::P3,
                },
            ),
            "2026-11-27 12:02  Jan Kowalski  opened in l2-network as P3",
        ),
        (
            event(
                Actor::Agent("alice".into()),
                Change::Claimed {
                    agent: "alice".into(),
                    user: None,
                },
            ),
            "2026-11-27 12:02  alice  claimed",
        ),
        (
            event(
                Actor::Agent("alice".into()),
                Change::Escalated {
                    queue: "l3-engineering".into(),
                    tier: Tier::L3,
                    note: Some("firewall".into()),
                },
            ),
            "2026-11-27 12:02  alice  escalated to l3-engineering (L3): firewall",
        ),
        (
            event(
                Actor::Agent("alice".into()),
                Change::Resolved {
                    activity: Default::default(),
                    note: "cert renewed".into(),
                    minutes: 75,
                },
            ),
            "2026-11-27 12:02  alice  resolved (1h 15m): cert renewed",
        ),
        (
            event(
                Actor::User(jan.key()),
                Change::UserReplied {
                    text: "still\x1b[2J broken\nreally".into(),
                },
            ),
            "2026-11-27 12:02  Jan Kowalski  wrote: still\\e[2J broken⏎really",
        ),
        (
            event(
                Actor::Bot,
                Change::LinkedToIncident {
                    incident: "T-900".into(),
                },
            ),
            "2026-11-27 12:02  bot  linked to incident T-900",
        ),
    ];
    for (e, want) in rows {
        assert_eq!(event_line(&e, Some(&jan)), want);
    }
}

/// A card with every section has these fields, in this order (Discord allows 25).
#[test]
fn the_embed_fields_in_order() {
    let mut t = vpn_pl();
    t.l3_note = Some("firewall".into());
    t.incident = Some("T-900".into());
    t.linked = vec!["T-1001".into()];
    t.notes = vec![Line {
        at_ms: OPENED,
        from: "agent:alice".into(),
        text: "called him".into(),
    }];
    let cx = CardContext {
        pack: Some(pack()),
        previous: previous(),
        clocks: vec![],
        vendors_next: false,
        ..Default::default()
    };
    assert_eq!(
        field_names(&embed(&Card::of(&t, &cx))),
        [
            "Requester",
            "Organisation",
            "Priority",
            "Status",
            "First response due",
            "Resolution due",
            "Opened",
            "Detected",
            "FAQ offered",
            "Answers",
            "L3 note",
            "Incident",
            "Linked reports",
            "Transcript (redacted)",
            "Internal notes (agents only)",
            "Previous tickets",
        ]
    );
}

/// A ticket opened for a message triage did not recognise says so, in words.
#[test]
fn an_unrecognised_request_says_so() {
    let mut t = vpn_pl();
    t.detection.intent = "out_of_scope".into();
    t.detection.confidence = 0.12;
    t.detection.faq_offered.clear();
    t.answers.clear();
    let cx = CardContext {
        pack: Some(pack()),
        previous: vec![],
        clocks: vec![],
        vendors_next: false,
        ..Default::default()
    };
    let text = Card::of(&t, &cx).render_text(OPENED);
    assert!(
        text.contains("priority: P3 (the desk's default for a request it did not recognise)"),
        "{text}"
    );
    assert!(text.contains("not recognised (confidence 0.12)"), "{text}");
}
