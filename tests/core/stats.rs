//! The desk's figures in chat, through the desk with a controlled clock (issue 17, part 4):
//! `/stats [period]` gives agents and admins a summary and the volume chart as a PNG, and
//! refuses everyone else; a period it does not know is explained; the weekly digest is posted
//! in its channel by a durable timer that sets itself again; an organisation's contact asks for
//! their own organisation's monthly summary (English or Polish, this month or the last), and
//! nobody else gets it.
//!
//! Every figure the bot says is checked against `reports::compute` over the same days, and the
//! counts against the tickets the story opened (so a summary of zeros cannot pass).

use std::path::Path;
use std::sync::Arc;

use frontline::clocks::calendar::parse_instant;
use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::contracts::Account;
use frontline::desk::turn::AccountWrite;
use frontline::desk::{Action, AgentCommand, Attachment, Desk, Event, Incoming, Processed, Turn};
use frontline::pack::Pack;
use frontline::reports::{Filters, Params, Period, Report};
use frontline::store::{SledStore, Store};
use frontline::tickets::{Platform, UserRef};
use frontline::triage::Triage;

fn engine() -> Arc<Triage> {
    let pack = Pack::load(&crate::common::default_pack()).unwrap_or_else(|e| panic!("{e}"));
    Arc::new(Triage::new(pack).expect("default pack compiles"))
}

const DIGEST: &str = "\n[reports]\ndigest_channel = { platform = \"local\", channel = \"reports\" }\ndigest_weekday = \"monday\"\ndigest_at = \"09:00\"\n";

/// The shipped configuration (Warsaw time; ACME is jan and anna, anna its contact), with the
/// digest when `digest`.
fn config(digest: bool) -> Config {
    let mut text = DEFAULT_CONFIG.to_string();
    if digest {
        text.push_str(DIGEST);
    }
    Config::parse(Path::new("stats.toml"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn at(s: &str) -> u64 {
    parse_instant(s).unwrap()
}

/// Friday 27 November 2026, noon in Warsaw.
const NOW: &str = "2026-11-27T11:00:00Z";

fn put_account(store: &dyn Store, account: Account) {
    let expected = store.account(&account.id).unwrap().map(|a| a.rev);
    let mut account = account;
    account.rev = expected.map_or(1, |r| r + 1);
    store
        .commit(
            &Turn {
                accounts: vec![AccountWrite {
                    account,
                    expected_rev: expected,
                    entries: vec![],
                }],
                ..Turn::default()
            },
            at("2026-10-01T08:00:00Z"),
            false,
        )
        .unwrap();
}

struct Story {
    desk: Desk,
}

impl Story {
    /// ACME (anna its contact): jan opens two tickets this month (one resolved by alice) and one
    /// last month; Globex (greta, contact gina) opens one this month.
    fn new(digest: bool) -> Story {
        let store: Arc<dyn Store> = Arc::new(SledStore::temporary().unwrap());
        put_account(
            store.as_ref(),
            Account {
                id: "acme".into(),
                name: "ACME Sp. z o.o.".into(),
                configured: true,
                contact: Some("local:anna".into()),
                ..Account::default()
            },
        );
        put_account(
            store.as_ref(),
            Account {
                id: "globex".into(),
                name: "Globex Ltd".into(),
                users: vec!["local:greta".into()],
                contact: Some("local:gina".into()),
                ..Account::default()
            },
        );
        let s = Story {
            desk: Desk::new(engine(), config(digest), store),
        };
        s.open("jan", "Printer on floor 2 jams", "2026-10-14T09:00:00Z");
        s.open("jan", "VPN drops every hour", "2026-11-23T08:00:00Z");
        s.open(
            "greta",
            "Outlook asks for the password",
            "2026-11-24T10:00:00Z",
        );
        s.open("jan", "New laptop for Ola", "2026-11-25T12:00:00Z");
        let t = s.desk.store().list(&Default::default()).unwrap();
        assert_eq!(t.len(), 4, "the story's tickets");
        let vpn = t
            .iter()
            .find(|t| t.subject.contains("VPN"))
            .unwrap()
            .id
            .clone();
        for (command, when) in [
            (
                AgentCommand::Claim {
                    ticket: vpn.clone(),
                },
                "2026-11-23T08:30:00Z",
            ),
            (
                AgentCommand::Reply {
                    ticket: vpn.clone(),
                    text: "Which VPN client version do you have?".into(),
                },
                "2026-11-23T08:40:00Z",
            ),
            (
                AgentCommand::Resolve {
                    ticket: vpn.clone(),
                    note: "client updated".into(),
                    minutes: 45,
                    activity: Default::default(),
                    outcome: None,
                },
                "2026-11-23T12:00:00Z",
            ),
        ] {
            s.run(
                Event::Agent {
                    by: UserRef::local("alice"),
                    roles: vec![],
                    command,
                },
                when,
            );
        }
        s
    }

    fn open(&self, who: &str, subject: &str, when: &str) {
        self.run(
            Event::OpenTicket {
                user: UserRef::local(who),
                subject: subject.into(),
                description: String::new(),
            },
            when,
        );
    }

    fn run(&self, event: Event, when: &str) -> Processed {
        self.desk
            .process(Incoming::plain(event), at(when))
            .expect("processed")
    }

    fn stats(&self, who: &str, period: &str) -> Vec<Action> {
        actions(&self.run(
            Event::Stats {
                by: UserRef::local(who),
                roles: vec![],
                period: period.into(),
            },
            NOW,
        ))
    }

    fn says(&self, who: &str, text: &str) -> String {
        let p = self.run(
            Event::UserMessage {
                user: UserRef::local(who),
                text: text.into(),
            },
            NOW,
        );
        actions(&p)
            .iter()
            .filter_map(|a| match a {
                Action::Reply { to, text, .. } if to.id == who => Some(text.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn report(&self, from: &str, to: &str, by: Period, organisation: Option<&str>) -> Report {
        let config = self.desk.config();
        frontline::reports::compute(
            self.desk.store().as_ref(),
            Params {
                from: from.parse().unwrap(),
                to: to.parse().unwrap(),
                by,
                tz: config.timezone.clone(),
                tz_name: config.timezone_name.clone(),
                filters: Filters {
                    organisation: organisation.map(str::to_string),
                    ..Filters::default()
                },
            },
            &mut |_| {},
        )
        .unwrap()
    }
}

fn actions(p: &Processed) -> Vec<Action> {
    p.outbox().iter().map(|e| e.action.clone()).collect()
}

/// The one notice of a turn: (to, text, attachment).
fn notice(actions: &[Action]) -> (String, String, Option<Attachment>) {
    let notices: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Notify {
                to,
                text,
                attachment,
                ..
            } => Some((to.key(), text.clone(), attachment.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(notices.len(), 1, "one notice: {actions:?}");
    notices.into_iter().next().unwrap()
}

fn is_png(a: &Attachment) -> bool {
    a.content_type == "image/png"
        && a.bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        && a.bytes.len() > 2000
}

/// `median 14 min` as the summary writes a duration of minutes.
fn minutes(v: Option<f64>) -> String {
    frontline::reports::chat::duration(v.unwrap(), frontline::reports::charts::Lang::En)
}

#[test]
fn an_agent_gets_the_figures_and_the_volume_chart() {
    let s = Story::new(false);
    // Nothing typed: the last seven days, 21 to 27 November.
    let (to, text, chart) = notice(&s.stats("alice", ""));
    assert_eq!(to, "local:alice");
    let r = s.report("2026-11-21", "2026-11-27", Period::Day, None);
    assert_eq!(r.tickets, 3, "the story opened three tickets that week");
    assert_eq!(r.resolved, 1);
    assert!(
        text.starts_with("Support desk figures for 2026-11-21 – 2026-11-27 (Europe/Warsaw):"),
        "{text}"
    );
    assert!(text.contains("- Tickets: 3 opened, 1 resolved"), "{text}");
    assert!(
        text.contains(&format!(
            "- First response: median {}",
            minutes(r.first_response.median_minutes)
        )),
        "{text}"
    );
    assert!(text.contains("- First response: median 40 min"), "{text}");
    assert!(
        text.contains("- Resolution (MTTR): median 4 h, p90 4 h"),
        "{text}"
    );
    assert!(text.contains("- Time logged: 45 min"), "{text}");
    let chart = chart.expect("the volume chart goes with the figures");
    assert!(is_png(&chart), "a PNG: {} bytes", chart.bytes.len());
    assert_eq!(chart.name, "volume-2026-11-21-2026-11-27.png");
    assert_eq!(chart.title, "Tickets per day");

    // Last month, and a Polish period answered in Polish.
    let (_, text, chart) = notice(&s.stats("root", "last month"));
    assert!(text.contains("2026-10-01 – 2026-10-31"), "{text}");
    assert!(text.contains("- Tickets: 1 opened, 0 resolved"), "{text}");
    assert!(chart.is_some());
    let (_, text, chart) = notice(&s.stats("carol", "zeszły tydzień"));
    assert!(
        text.starts_with("Wyniki helpdesku za 2026-11-16 – 2026-11-22"),
        "{text}"
    );
    assert!(text.contains("Zgłoszenia: 0 nowych"), "{text}");
    assert_eq!(chart.unwrap().title, "Zgłoszenia dziennie");
    // A bot log record says what was sent, not to whom else.
    let log = s.desk.store().log(0, 1000).unwrap();
    let sent: Vec<String> = log
        .iter()
        .filter_map(|r| match &r.entry {
            frontline::desk::log::LogEntry::Bot { user, event } => {
                let json = serde_json::to_value(event).unwrap();
                (json["type"] == "report_sent" && json["what"] == "stats").then(|| user.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(sent, ["local:alice", "local:root", "local:carol"]);
}

#[test]
fn only_agents_see_the_figures_and_a_period_it_does_not_know_is_explained() {
    let s = Story::new(false);
    for who in ["jan", "anna", "mallory"] {
        let (to, text, chart) = notice(&s.stats(who, "this month"));
        assert_eq!(to, format!("local:{who}"));
        assert!(
            text.starts_with("Only support agents and admins can see the desk's figures."),
            "{text}"
        );
        assert!(chart.is_none());
    }
    // A Discord member whose role the configuration does not map is no agent either.
    let p = s.run(
        Event::Stats {
            by: UserRef {
                platform: Platform::Discord,
                id: "555000111222333444".into(),
                name: "eve".into(),
            },
            roles: vec!["999".into()],
            period: String::new(),
        },
        NOW,
    );
    assert!(notice(&actions(&p)).1.starts_with("Only support agents"));

    for bad in ["banana", "2026-13", "1000 days", "\u{1b}[2Jbanana"] {
        let (_, text, chart) = notice(&s.stats("alice", bad));
        assert!(text.starts_with("I don't know the period"), "{bad}: {text}");
        assert!(text.contains("last week, this month"), "{text}");
        assert!(
            !text.contains('\u{1b}'),
            "no escape sequence is echoed: {text:?}"
        );
        assert!(chart.is_none());
    }
    let (_, text, _) = notice(&s.stats("alice", "dwa tygodnie temu"));
    assert!(text.starts_with("Nie znam okresu"), "{text}");
    // Nothing was stored but log records: no ticket, no conversation changed.
    assert_eq!(s.desk.store().list(&Default::default()).unwrap().len(), 4);
}

#[test]
fn the_weekly_digest_is_posted_by_a_durable_timer_that_sets_itself_again() {
    let s = Story::new(true);
    let schedule = |when: &str| s.run(Event::Schedule, when);
    schedule(NOW);
    let timer = s
        .desk
        .store()
        .timer("reports:digest")
        .unwrap()
        .expect("the digest's timer");
    // Monday 30 November, 09:00 in Warsaw (08:00 UTC).
    assert_eq!(timer.due_ms, at("2026-11-30T08:00:00Z"));
    assert_eq!(timer.kind.as_str(), "report_digest");
    // Scheduling again (a restart) leaves it as it is.
    assert!(actions(&schedule("2026-11-28T10:00:00Z")).is_empty());
    assert_eq!(
        s.desk
            .store()
            .timer("reports:digest")
            .unwrap()
            .unwrap()
            .due_ms,
        timer.due_ms
    );

    let fired = s.run(
        Event::TimerFired {
            id: timer.id.clone(),
            ticket: String::new(),
            due_ms: timer.due_ms,
        },
        "2026-11-30T08:00:00Z",
    );
    let posts: Vec<_> = actions(&fired)
        .into_iter()
        .filter_map(|a| match a {
            Action::Post {
                platform,
                channel,
                text,
                attachment,
            } => Some((platform, channel, text, attachment)),
            _ => None,
        })
        .collect();
    assert_eq!(posts.len(), 1, "one digest");
    let (platform, channel, text, chart) = &posts[0];
    assert_eq!((*platform, channel.as_str()), (Platform::Local, "reports"));
    assert!(text.starts_with("Weekly support digest.\n"), "{text}");
    // The ISO week before: Monday 23 to Sunday 29 November.
    assert!(text.contains("2026-11-23 – 2026-11-29"), "{text}");
    let r = s.report("2026-11-23", "2026-11-29", Period::Day, None);
    assert!(
        text.contains(&format!(
            "- Tickets: {} opened, {} resolved",
            r.tickets, r.resolved
        )),
        "{text}"
    );
    assert_eq!(r.tickets, 3);
    assert!(is_png(chart.as_ref().expect("the digest's chart")));
    let next = s.desk.store().timer("reports:digest").unwrap().unwrap();
    assert_eq!(next.due_ms, at("2026-12-07T08:00:00Z"), "a week later");
    // The same firing delivered again does nothing more.
    let again = s.run(
        Event::TimerFired {
            id: timer.id.clone(),
            ticket: String::new(),
            due_ms: timer.due_ms,
        },
        "2026-11-30T08:00:05Z",
    );
    assert!(actions(&again).is_empty());

    // Turned off in the configuration: the next Schedule removes the timer.
    let off = Desk::new(engine(), config(false), s.desk.store().clone());
    off.process(Incoming::plain(Event::Schedule), at("2026-12-01T10:00:00Z"))
        .unwrap();
    assert!(s.desk.store().timer("reports:digest").unwrap().is_none());
}

#[test]
fn an_organisations_contact_gets_their_own_monthly_summary_and_nobody_else_does() {
    let s = Story::new(false);
    let said = s.says("anna", "can I get our monthly report");
    let r = s.report("2026-11-01", "2026-11-27", Period::Day, Some("acme"));
    assert_eq!(r.tickets, 2, "ACME's two tickets this month, not Globex's");
    assert!(
        said.starts_with(
            "Support summary for ACME Sp. z o.o., 2026-11-01 – 2026-11-27 (Europe/Warsaw):"
        ),
        "{said}"
    );
    assert!(said.contains("- Tickets: 2 opened, 1 resolved"), "{said}");
    assert!(said.contains("- Time our agents logged: 45 min"), "{said}");
    assert!(!said.contains("Outlook"), "{said}");

    // Last month, in Polish.
    let said = s.says("anna", "poproszę raport za zeszły miesiąc");
    assert!(
        said.starts_with("Podsumowanie wsparcia dla ACME Sp. z o.o., 2026-10-01 – 2026-10-31"),
        "{said}"
    );
    assert!(said.contains("Zgłoszenia: 1 nowych"), "{said}");

    // Asking about another organisation shows only their own.
    let said = s.says("anna", "send me the monthly summary for Globex");
    assert!(
        said.starts_with(
            "I can only show your own organisation's figures. Support summary for ACME"
        ),
        "{said}"
    );

    // jan is in ACME but not its contact; greta's contact is gina; mallory is in none.
    let said = s.says("jan", "monthly report please");
    assert_eq!(
        said,
        "The monthly summary goes to your organisation's contact only: anna can ask me for it."
    );
    let said = s.says("greta", "monthly summary for our company please");
    assert!(said.contains("contact only: gina"), "{said}");
    let said = s.says("mallory", "can I get our monthly report");
    assert!(
        said.starts_with("I don't know which organisation"),
        "{said}"
    );
    // No ticket was opened by any of it.
    assert_eq!(s.desk.store().list(&Default::default()).unwrap().len(), 4);
}
