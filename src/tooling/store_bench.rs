//! `frontline bench store`: durable ticket openings per second from many concurrent requesters,
//! and, on a store prefilled to a realistic size, reopen time, one queue's view and bytes per
//! ticket. Tickets are built the way the desk builds them; medians are reported.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::bench::median;
use crate::pack::Priority;
use crate::store::{Filter, SledStore, Store, StoreError};
use crate::tickets::{
    Actor, Change, Detection, Line, Platform, Status, Ticket, TicketEvent, Tier, UserRef,
};

/// What to measure.
#[derive(Debug, Clone)]
pub struct StoreBench {
    /// Store directory; a fresh temporary one (removed afterwards) when `None`.
    pub data: Option<PathBuf>,
    /// Tickets to open through `Store::open_ticket`, each confirmed only once durable.
    pub tickets: u64,
    /// Requester threads opening them at once.
    pub concurrency: usize,
    /// Fill the store to this many tickets first, then measure reopen, queue view and size.
    pub prefill: Option<u64>,
}

/// Figures for a store already holding many tickets.
#[derive(Debug, Clone)]
pub struct PrefillFigures {
    pub tickets: usize,
    pub load_s: f64,
    /// Close and open again, median of 3.
    pub reopen_ms: f64,
    /// The busiest queue, as an agent's view: its 50 oldest open tickets.
    pub queue: String,
    pub queue_open: usize,
    pub list_ms: f64,
    pub listed: usize,
    pub bytes_per_ticket: f64,
}

/// Figures for the durable openings.
#[derive(Debug, Clone)]
pub struct OpenFigures {
    pub tickets: u64,
    pub concurrency: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub median_ms: f64,
    pub p99_ms: f64,
    /// Store flushes during the run: tickets per flush shows the group commit at work.
    pub flushes: u64,
}

#[derive(Debug, Clone)]
pub struct StoreFigures {
    pub dir: PathBuf,
    pub prefill: Option<PrefillFigures>,
    pub open: Option<OpenFigures>,
}

/// Runs the benchmark; `confirmed` is called with each ticket id right after `open_ticket`
/// returns (so after the flush that made it durable).
pub fn run(
    args: &StoreBench,
    confirmed: &(dyn Fn(&str) + Sync),
) -> Result<StoreFigures, StoreError> {
    let (dir, scratch) = match &args.data {
        Some(d) => (d.clone(), false),
        None => (scratch_dir()?, true),
    };
    let result = measure(args, &dir, confirmed);
    if scratch {
        // Best effort: a leftover scratch directory in the temp dir is harmless.
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn measure(
    args: &StoreBench,
    dir: &Path,
    confirmed: &(dyn Fn(&str) + Sync),
) -> Result<StoreFigures, StoreError> {
    let prefill = match args.prefill {
        Some(m) => Some(prefill(dir, m)?),
        None => None,
    };
    let open = if args.tickets > 0 {
        let store = SledStore::open(dir)?;
        Some(open_tickets(
            &store,
            args.tickets,
            args.concurrency.max(1),
            confirmed,
        )?)
    } else {
        None
    };
    Ok(StoreFigures {
        dir: dir.to_path_buf(),
        prefill,
        open,
    })
}

fn scratch_dir() -> Result<PathBuf, StoreError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "frontline-bench-store-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| StoreError::Io(e.to_string()))?;
    Ok(dir)
}

/// Opens `n` tickets from `concurrency` threads, each a requester waiting for its confirmation.
fn open_tickets(
    store: &SledStore,
    n: u64,
    concurrency: usize,
    confirmed: &(dyn Fn(&str) + Sync),
) -> Result<OpenFigures, StoreError> {
    let next = AtomicU64::new(0);
    let now = crate::tickets::now_ms();
    let flushes_before = store.flush_count();
    let started = Instant::now();
    let per_thread: Vec<Result<Vec<f64>, StoreError>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                s.spawn(|| {
                    let mut latencies = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return Ok(latencies);
                        }
                        let (draft, actor) = desk_draft(i, now);
                        let t0 = Instant::now();
                        let t = store.open_ticket(&draft, &actor, now)?;
                        latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
                        confirmed(&t.id);
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("requester threads do not panic"))
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    for r in per_thread {
        latencies.extend(r?);
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let p99 = latencies
        .get((latencies.len() * 99 / 100).min(latencies.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    Ok(OpenFigures {
        tickets: n,
        concurrency,
        seconds,
        per_second: n as f64 / seconds,
        median_ms: median(latencies),
        p99_ms: p99,
        flushes: store.flush_count() - flushes_before,
    })
}

/// Fills the store in `dir` to `m` tickets (bulk, one flush at the end), then measures it.
fn prefill(dir: &Path, m: u64) -> Result<PrefillFigures, StoreError> {
    let started = Instant::now();
    {
        let store = SledStore::open(dir)?;
        let have = store.ticket_count() as u64;
        let now = crate::tickets::now_ms();
        let mut i = have;
        const BATCH: u64 = 2_000;
        while i < m {
            let k = BATCH.min(m - i);
            let base = i;
            store.load_batch(k as usize, &|j, number| {
                historic_ticket(base + j as u64, m, number, now)
            })?;
            i += k;
        }
        store.flush()?;
    }
    let load_s = started.elapsed().as_secs_f64();

    let mut reopens = Vec::new();
    let mut store = None;
    for _ in 0..3 {
        drop(store.take());
        let t0 = Instant::now();
        let s = SledStore::open(dir)?;
        // Usable means readable: one lookup is part of the reopen.
        s.ticket("T-1000")?;
        reopens.push(t0.elapsed().as_secs_f64() * 1000.0);
        store = Some(s);
    }
    let store = store.expect("opened three times");

    // The busiest queue by open tickets: the worst case of an agent's queue view.
    let mut best = (String::new(), 0usize);
    for q in QUEUES {
        let open = store
            .list(&Filter {
                open: true,
                queue: Some(q.to_string()),
                ..Filter::default()
            })?
            .len();
        if open > best.1 {
            best = (q.to_string(), open);
        }
    }
    let view = Filter {
        open: true,
        queue: Some(best.0.clone()),
        limit: Some(50),
        ..Filter::default()
    };
    let mut lists = Vec::new();
    let mut listed = 0;
    for _ in 0..20 {
        let t0 = Instant::now();
        listed = store.list(&view)?.len();
        lists.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let count = store.ticket_count();
    Ok(PrefillFigures {
        tickets: count,
        load_s,
        reopen_ms: median(reopens),
        queue: best.0,
        queue_open: best.1,
        list_ms: median(lists),
        listed,
        bytes_per_ticket: store.size_on_disk() as f64 / count.max(1) as f64,
    })
}

const QUEUES: [&str; 7] = [
    "l2-general",
    "l2-accounts",
    "l2-network",
    "l2-collaboration",
    "l2-workplace",
    "l2-security",
    "l3-engineering",
];

/// (intent, category, priority, queue index, subject in English, subject in Polish).
const INTENTS: [(&str, &str, Priority, usize, &str, &str); 10] = [
    (
        "password_reset",
        "accounts",
        Priority::P3,
        1,
        "I forgot my password and my account is locked",
        "zapomniałem hasła, konto zablokowane",
    ),
    (
        "account_access",
        "accounts",
        Priority::P3,
        1,
        "cannot log in to the CRM, it says access denied",
        "nie mogę się zalogować do CRM, brak dostępu",
    ),
    (
        "vpn",
        "network",
        Priority::P2,
        2,
        "VPN keeps disconnecting every few minutes from home",
        "VPN rozłącza się co kilka minut",
    ),
    (
        "network",
        "network",
        Priority::P3,
        2,
        "wifi on the 3rd floor is very slow since the morning",
        "wifi na 3 piętrze bardzo wolne od rana",
    ),
    (
        "email",
        "email",
        Priority::P3,
        3,
        "Outlook does not sync my calendar with the phone",
        "Outlook nie synchronizuje kalendarza z telefonem",
    ),
    (
        "printer",
        "hardware",
        Priority::P4,
        4,
        "printer in room 204 prints blank pages",
        "drukarka w pokoju 204 drukuje puste strony",
    ),
    (
        "hardware_fault",
        "hardware",
        Priority::P3,
        4,
        "my laptop screen flickers and then goes black",
        "ekran laptopa miga i gaśnie",
    ),
    (
        "security_incident",
        "security",
        Priority::P1,
        5,
        "I clicked a link in a suspicious e-mail and entered my password",
        "kliknąłem link w podejrzanym mailu i podałem hasło",
    ),
    (
        "outage",
        "general",
        Priority::P1,
        6,
        "the invoicing system is down for the whole team",
        "system fakturowy nie działa dla całego zespołu",
    ),
    (
        "human_agent",
        "general",
        Priority::P3,
        0,
        "I need to talk to someone about my new starter setup",
        "chcę porozmawiać z kimś o stanowisku dla nowej osoby",
    ),
];

/// SplitMix64: a fixed, dependency-free stream so every run builds the same tickets.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn sla_minutes(p: Priority) -> (u64, u64) {
    match p {
        Priority::P1 => (15, 240),
        Priority::P2 => (60, 480),
        Priority::P3 => (240, 1440),
        Priority::P4 => (480, 4320),
    }
}

/// The `i`-th sample ticket as `Desk::open_ticket` drafts it: escalated to an L2 queue, with the
/// detection, the follow-up answers and the redacted transcript. Requesters are spread over
/// 50,000 users on three platforms; intents (and so queues) are skewed like a real desk's.
pub(crate) fn sample(i: u64, number: u64, now: u64) -> (Ticket, Actor) {
    let r = mix(i);
    // Skew: the first intents are the common ones.
    let pick = ((r % 100) as f64 / 100.0).powf(1.6) * INTENTS.len() as f64;
    let (intent, category, priority, queue, en, pl) = INTENTS[pick as usize % INTENTS.len()];
    let polish = (r >> 8).is_multiple_of(3);
    let user = (r >> 16) % 50_000;
    let platform = [Platform::Discord, Platform::Slack, Platform::Local][((r >> 32) % 3) as usize];
    let requester = UserRef {
        platform,
        id: format!(
            "{}{user:06}",
            if platform == Platform::Slack {
                "U0"
            } else {
                ""
            }
        ),
        name: format!("user{user}"),
    };
    let organisation = (!user.is_multiple_of(5)).then(|| format!("org{}", user % 40));
    let subject = if polish { pl } else { en };
    let (first, resolution) = sla_minutes(priority);
    let language = if polish { "pl" } else { "en" };
    let transcript = vec![
        Line {
            at_ms: now.saturating_sub(90_000),
            from: "user".into(),
            text: subject.to_string(),
        },
        Line {
            at_ms: now.saturating_sub(60_000),
            from: "bot".into(),
            text: format!("FAQ offered: {intent}-basics"),
        },
        Line {
            at_ms: now.saturating_sub(30_000),
            from: "user".into(),
            text: if polish {
                "nie pomogło"
            } else {
                "that did not help"
            }
            .into(),
        },
    ];
    let ticket = Ticket {
        assignee_user: None,
        id: format!("T-{number}"),
        number,
        requester: requester.clone(),
        organisation,
        channel: if (r >> 40).is_multiple_of(2) {
            "dm".into()
        } else {
            format!("C{:08}", (r >> 44) % 1000)
        },
        subject: subject.chars().take(120).collect(),
        category: category.into(),
        priority,
        status: Status::Escalated,
        tier: Tier::L2,
        queue: QUEUES[queue].into(),
        assignee: None,
        detection: Detection {
            intent: intent.into(),
            confidence: 0.55 + ((r >> 20) % 45) as f32 / 100.0,
            why: format!("rule {intent}/1 fired; nearest example \"{subject}\""),
            language: language.into(),
            faq_offered: vec![format!("{intent}-basics")],
            faq_helped: Some(false),
            ..Default::default()
        },
        answers: vec![
            (
                "device".into(),
                if polish {
                    "laptop służbowy"
                } else {
                    "work laptop"
                }
                .into(),
            ),
            (
                "when".into(),
                if polish {
                    "od wczoraj"
                } else {
                    "since yesterday"
                }
                .into(),
            ),
        ],
        transcript,
        created_ms: now,
        updated_ms: now,
        first_response_due_ms: Some(now + first * 60_000),
        resolution_due_ms: Some(now + resolution * 60_000),
        first_response_ms: None,
        resolved_ms: None,
        minutes_spent: 0,
        event_count: 0,
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
    };
    (ticket, Actor::User(requester.key()))
}

/// A draft for `Store::open_ticket` and the requester who opens it.
fn desk_draft(i: u64, now: u64) -> (impl Fn(u64) -> Ticket, Actor) {
    let (_, actor) = sample(i, 0, now);
    (move |number| sample(i, number, now).0, actor)
}

/// Ticket `i` of `m` as it looks in a desk that has been running for a while: the older it is, the
/// likelier it is resolved or closed (about 3% of all tickets are still open, the newest ones
/// mostly). Its event log is produced by [`Ticket::apply`], as the desk would have.
fn historic_ticket(i: u64, m: u64, number: u64, now: u64) -> (Ticket, Vec<TicketEvent>) {
    // Spread creation over the last year, oldest first.
    let year = 365 * 24 * 3600 * 1000u64;
    let created = now - year + year / m.max(1) * i;
    let (mut t, actor) = sample(i, number, created);
    let mut events = vec![TicketEvent {
        ticket: t.id.clone(),
        seq: 0,
        at_ms: created,
        actor,
        change: Change::Opened {
            queue: t.queue.clone(),
            priority: t.priority,
        },
    }];
    t.event_count = 1;
    let r = mix(i ^ 0xA5A5);
    let age = m - i; // 1 = newest
    let open = age <= m * 2 / 100 || r.is_multiple_of(100);
    let agent = format!("agent{}", r % 60);
    let mut step = |t: &mut Ticket, actor: Actor, change: Change, at: u64| {
        t.apply(&actor, &change, at)
            .expect("sample history is valid");
        events.push(TicketEvent {
            ticket: t.id.clone(),
            seq: t.event_count,
            at_ms: at,
            actor,
            change,
        });
        t.event_count += 1;
    };
    let a = Actor::Agent(agent.clone());
    let stage = (r >> 8) % 10;
    if !open || stage >= 5 {
        step(
            &mut t,
            a.clone(),
            Change::Claimed {
                user: None,
                agent: agent.clone(),
            },
            created + 600_000,
        );
    }
    if open {
        if stage >= 8 {
            step(
                &mut t,
                a.clone(),
                Change::AskedUser {
                    text: "Which building are you in?".into(),
                },
                created + 900_000,
            );
        }
    } else {
        step(
            &mut t,
            a.clone(),
            Change::AgentReplied {
                text: "I have reset it on our side, please try again.".into(),
            },
            created + 1_200_000,
        );
        step(
            &mut t,
            a.clone(),
            Change::Resolved {
                activity: Default::default(),
                note: "fixed".into(),
                minutes: 5 + (r % 40) as u32,
            },
            created + 3_600_000,
        );
        if r.is_multiple_of(3) {
            let user = Actor::User(t.requester.key());
            step(
                &mut t,
                user,
                Change::Rated {
                    score: 3 + (r % 3) as u8,
                    comment: None,
                },
                created + 4_000_000,
            );
        }
        if age > m / 10 {
            step(
                &mut t,
                Actor::Bot,
                Change::Closed,
                created + 7 * 24 * 3_600_000,
            );
        }
    }
    (t, events)
}
