//! `frontline demo`: fills a fresh store with a generated history, so that every report and
//! chart can be seen on a new machine. Nothing is written behind the desk's back: organisations
//! and contracts are added as `frontline orgs add` / `contracts add` add them, and every ticket
//! lives through [`Desk::handle`]: people's messages (English and Polish examples of the intent
//! pack, which triage reads as people's words), their answers to the bot's questions, FAQ offers
//! taken or declined, `/ticket` forms, agents' commands, ratings, and the SLA timers fired when
//! their time comes. The desk is handed each event's instant, so the history is simply in the
//! past. One simulated clock orders everything (a heap of what happens next), so the event log
//! reads in time order and every turn sees the store as it was at that instant.
//!
//! Turns are committed without waiting for a flush and the store (opened by `frontline demo`
//! with [`crate::store::SledStore::open_bulk`]) is flushed once at the end: a crash midway leaves
//! a partial demo, which is no loss. What a turn would send (replies, cards,
//! notices) is dropped before the commit, never stored: the demo's people are made up, a later
//! `frontline run` must not send them (or the agents) a year of old messages, and the reports
//! read tickets and the log, not the outbox.
//!
//! - `shape.rs`: the seeded generator and when things happen (seasons, office hours, holidays,
//!   the release's spike);
//! - `people.rs`: organisations, departments, contracts, people and their names;
//! - `texts.rs`: what people write.

mod people;
mod shape;
mod texts;

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use serde::Serialize;

use crate::desk::accounts::OrgSpec;
use crate::desk::conversation::Step;
use crate::desk::{AgentCommand, Choice, Desk, DeskError, Event, Incoming, Turn, agent_ref};
use crate::pack::Priority;
use crate::reports::ChangeOutcome;
use crate::store::{Filter, Store, StoreError};
use crate::tickets::{Actor, ApprovalState, Change, Status, Ticket, TicketEvent, Tier, UserRef};
use people::People;
use shape::{Arrivals, DAY, HOUR, MINUTE, Rng, awake, next_office};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub tickets: u64,
    pub seed: u64,
    pub months: u32,
    /// The history ends here (ms since the epoch): now, or the end of `--until`'s day.
    pub end_ms: u64,
}

/// What was generated: the summary line `frontline demo` prints.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub tickets: u64,
    /// Events on the tickets' logs.
    pub ticket_events: u64,
    /// The bot's own log records (FAQ offered and whether it helped, questions, ratings...).
    pub bot_events: u64,
    /// Turns the desk handled.
    pub turns: u64,
    /// Conversations that ended with the FAQ article helping: no ticket.
    pub deflected: u64,
    pub organisations: usize,
    pub people: usize,
    /// Tickets still open when the history ends.
    pub open: u64,
    /// The history's first and last day in the desk's time zone.
    pub from: String,
    pub to: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// Said to the user as it is.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Desk(#[from] DeskError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the demo must not run on this store, if it must not: it already has tickets or
/// organisations, and a real desk is never to be filled with made-up ones.
pub fn refusal(store: &dyn Store) -> Result<Option<String>, StoreError> {
    let tickets = store.list(&Filter {
        limit: Some(1),
        ..Filter::default()
    })?;
    if !tickets.is_empty() {
        return Ok(Some(
            "this store already has tickets; `frontline demo` fills only a new, empty store, so that a real desk is never filled with made-up tickets (give it an empty --data directory)".into(),
        ));
    }
    if !store.accounts()?.is_empty() {
        return Ok(Some(
            "this store already has organisations; `frontline demo` fills only a new, empty store (give it an empty --data directory)".into(),
        ));
    }
    Ok(None)
}

/// An intent the history uses: the pack's examples that triage reads as it, per language.
struct IntentPlan {
    id: String,
    weight: f64,
    /// English and Polish messages.
    texts: [Vec<String>; 2],
    /// How likely a ticket of it is a change.
    change: f64,
    /// Answered from the FAQ first (a conversation can end there).
    faq: bool,
}

/// How often each intent of the default pack comes, relative to the others; intents of another
/// pack come at 1.0. Conversational intents and questions the bot answers itself open no ticket.
fn intent_weight(id: &str) -> Option<f64> {
    Some(match id {
        "greeting"
        | "thanks"
        | "ticket_status"
        | "support_hours"
        | "support_hours_balance"
        | "data_privacy" => return None,
        "password_reset" => 14.0,
        "account_access" => 10.0,
        "vpn" => 9.0,
        "email" => 9.0,
        "printer" => 8.0,
        "software_install" => 8.0,
        "slow_computer" => 7.0,
        "hardware_fault" => 7.0,
        "access_request" => 6.0,
        "network" => 5.0,
        "hardware_request" => 4.0,
        "backup_restore" => 3.0,
        "phishing_report" => 3.0,
        "human_agent" => 2.0,
        "security_incident" => 1.0,
        "outage" => 0.5,
        _ => 1.0,
    })
}

fn change_share(id: &str) -> f64 {
    match id {
        "software_install" => 0.35,
        "hardware_request" => 0.3,
        "access_request" => 0.25,
        "network" => 0.15,
        "backup_restore" => 0.1,
        "email" => 0.06,
        _ => 0.02,
    }
}

fn intents(desk: &Desk) -> Vec<IntentPlan> {
    let triage = desk.triage();
    let pack = triage.pack();
    let mut out = vec![];
    for intent in &pack.intents {
        let Some(weight) = intent_weight(&intent.id) else {
            continue;
        };
        let mut texts: [Vec<String>; 2] = [vec![], vec![]];
        for ex in &intent.examples {
            let slot = match ex.language.as_str() {
                "en" => 0,
                "pl" => 1,
                _ => continue,
            };
            let d = triage.decide(&ex.text);
            // Read as this intent, without asking which of two, and by one person: a report
            // "for everyone" would join an incident instead of making a ticket of its own.
            if d.intent == intent.id
                && !matches!(
                    d.action,
                    crate::triage::NextAction::Clarify | crate::triage::NextAction::Fallback
                )
                && !d.signals.iter().any(|s| s == "many_people")
            {
                texts[slot].push(ex.text.clone());
            }
        }
        if texts[0].is_empty() && texts[1].is_empty() {
            continue;
        }
        out.push(IntentPlan {
            id: intent.id.clone(),
            weight,
            texts,
            change: change_share(&intent.id),
            faq: intent.action == crate::pack::Action::Answer && !intent.faq.is_empty(),
        });
    }
    out
}

/// The configured agents the history's work is shared among.
struct Staff {
    l2: Vec<UserRef>,
    l3: Vec<UserRef>,
    /// Who decides approvals: an agent of `[approvals] role`, else an admin.
    approver: Option<UserRef>,
}

impl Staff {
    fn of(desk: &Desk) -> Result<Staff, DemoError> {
        use crate::config::Role;
        let config = desk.config();
        let of = |role: Role| -> Vec<UserRef> {
            config
                .agents
                .iter()
                .filter(|a| a.role == role)
                .map(agent_ref)
                .collect()
        };
        let (mut l2, l3, admins) = (of(Role::L2), of(Role::L3), of(Role::Admin));
        if l2.is_empty() {
            l2 = l3.iter().chain(&admins).cloned().collect();
        }
        if l2.is_empty() {
            return Err(DemoError::Refused(
                "the configuration names no agents ([[agents]]): the demo's tickets need agents of the configuration to work them".into(),
            ));
        }
        let approver = of(config.approvals.role)
            .into_iter()
            .next()
            .or_else(|| admins.first().cloned());
        Ok(Staff { l2, l3, approver })
    }

    /// An agent of the tier, the first ones busier than the rest.
    fn pick(&self, tier: Tier, rng: &mut Rng) -> UserRef {
        let pool = if tier >= Tier::L3 && !self.l3.is_empty() {
            &self.l3
        } else {
            &self.l2
        };
        let weights: Vec<f64> = (0..pool.len())
            .map(|i| 1.0 / (1.0 + 0.3 * i as f64))
            .collect();
        pool[rng.weighted(&weights)].clone()
    }
}

/// What happens next in a ticket's life.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Beat {
    /// The approver says yes or no.
    Decide {
        approve: bool,
    },
    /// The requester says it works now and closes it themselves.
    UserCloses,
    Claim,
    /// The first answer: a reply, or a question for the requester.
    Respond {
        ask: bool,
    },
    UserAnswers,
    Reply,
    Transfer,
    Escalate,
    ClaimL3,
    LogTime,
    Resolve,
    Reopen {
        by_user: bool,
    },
    Rate(u8),
}

struct Life {
    ticket: String,
    person: usize,
    priority: Priority,
    rng: Rng,
    beats: Vec<Beat>,
    next: usize,
    /// The first answer comes late (an SLA breach), or the fix takes long.
    slow_answer: bool,
    slow_fix: bool,
    change: bool,
}

/// A conversation or form that comes to the desk.
struct Arrival {
    at: u64,
    person: usize,
    intent: usize,
    /// Ends with the FAQ article helping (no ticket).
    deflect: bool,
    /// Through the `/ticket` form rather than a conversation.
    form: bool,
    /// The conversation while it goes on.
    talk: Option<Talk>,
}

/// A conversation in progress.
struct Talk {
    rng: Rng,
    /// The person's first message.
    text: String,
    /// Tickets it opened so far.
    opened: Vec<String>,
    /// Messages the person has sent after the first.
    said: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Job {
    Arrive(usize),
    /// The next message of an arrival's conversation.
    Answer(usize),
    Beat(usize),
    /// An organisation buys a contract later in the history (its index, the plan's).
    Contract(usize, usize),
}

struct Sim<'a> {
    desk: &'a Desk,
    store: &'a dyn Store,
    tz: jiff::tz::TimeZone,
    seed: u64,
    people: People,
    intents: Vec<IntentPlan>,
    staff: Staff,
    arrivals: Vec<Arrival>,
    lives: Vec<Life>,
    queue: BinaryHeap<Reverse<(u64, u64, Job)>>,
    seq: u64,
    /// The last instant handled: the log never goes back in time.
    clock: u64,
    /// Contracts' hours and fees grow with the history's size (a desk of 100,000 tickets a
    /// year serves bigger customers than one of 1,000).
    scale: u64,
    /// Timers whose firing did not move or remove them (`timer id`, due): not fired again.
    stuck: BTreeSet<(String, u64)>,
    summary: Summary,
}

/// Generates the history on the desk's (empty) store. `progress` is told the tickets opened so
/// far and the instant reached, about every tenth of the way.
pub fn run(
    desk: &Desk,
    options: &Options,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Summary, DemoError> {
    let store = desk.store().as_ref();
    if let Some(why) = refusal(store)? {
        return Err(DemoError::Refused(why));
    }
    let config = desk.config();
    let tz = config.timezone.clone();
    let end = options.end_ms;
    let end_date = shape::zoned(end, &tz).date();
    let start_date = end_date
        .checked_sub(jiff::Span::new().months(options.months.max(1) as i64))
        .unwrap_or(end_date)
        .tomorrow()
        .unwrap_or(end_date);
    let start = shape::day_start(start_date, &tz);
    let mut rng = Rng::new(options.seed);
    let configured: Vec<(String, Vec<String>)> = config
        .organisations
        .iter()
        .map(|o| (o.id.clone(), o.users.clone()))
        .collect();
    let people = People::generate(options.tickets, &configured, &mut rng.fork(1));
    let intents = intents(desk);
    if intents.is_empty() {
        return Err(DemoError::Refused(
            "the intent pack has no intent whose examples open tickets".into(),
        ));
    }
    let staff = Staff::of(desk)?;
    let mut sim = Sim {
        desk,
        store,
        tz: tz.clone(),
        seed: options.seed,
        people,
        intents,
        staff,
        arrivals: vec![],
        lives: vec![],
        queue: BinaryHeap::new(),
        seq: 0,
        clock: 0,
        scale: (options.tickets / 1000).max(1),
        stuck: BTreeSet::new(),
        summary: Summary {
            from: start_date.to_string(),
            to: end_date.to_string(),
            ..Summary::default()
        },
    };
    sim.add_organisations(start, start_date, end)?;
    sim.plan_arrivals(options.tickets, start, end, &mut rng.fork(2));
    let step = (options.tickets / 10).max(1);
    let mut told = 0;
    while let Some(Reverse((at, _, job))) = sim.queue.pop() {
        if at > end {
            break;
        }
        sim.fire_timers(at)?;
        sim.clock = sim.clock.max(at);
        match job {
            Job::Arrive(i) => sim.arrive(i, at)?,
            Job::Answer(i) => sim.answer(i, at)?,
            Job::Beat(i) => sim.beat(i, at)?,
            Job::Contract(org, plan) => sim.later_contract(org, plan, at)?,
        }
        if sim.summary.tickets >= told + step {
            told = sim.summary.tickets - sim.summary.tickets % step;
            progress(sim.summary.tickets, at);
        }
    }
    sim.fire_timers(end)?;
    store.flush()?;
    sim.summary.open = store
        .list(&Filter {
            open: true,
            ..Filter::default()
        })?
        .len() as u64;
    sim.summary.organisations = sim.people.orgs.len();
    sim.summary.people = sim.people.persons.len();
    Ok(sim.summary)
}

impl Sim<'_> {
    fn schedule(&mut self, at: u64, job: Job) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, job)));
    }

    /// The organisations, their departments and contracts, the day before the history starts.
    fn add_organisations(
        &mut self,
        start: u64,
        start_date: jiff::civil::Date,
        end: u64,
    ) -> Result<(), DemoError> {
        let at = start.saturating_sub(DAY);
        let first_day = start_date.to_string();
        for (i, org) in self.people.orgs.iter().enumerate() {
            let contracts: Vec<&people::ContractPlan> = match org.plan {
                Some(plan) => {
                    let contact = org
                        .people
                        .first()
                        .map(|&p| self.people.persons[p].user.key());
                    let spec = OrgSpec {
                        id: plan.id.into(),
                        name: plan.name.into(),
                        domains: vec![plan.domain.into()],
                        departments: self.people.departments_of(i),
                        contact,
                        ..OrgSpec::default()
                    };
                    if let Err(why) = self.desk.add_org(&spec, at)? {
                        return Err(DemoError::Refused(format!(
                            "organisation {}: {why}",
                            plan.id
                        )));
                    }
                    plan.contracts.iter().collect()
                }
                // Declared in the configuration: a block of hours to draw time from.
                None => vec![&CONFIGURED_BLOCK],
            };
            for c in contracts.iter().filter(|c| !c.later) {
                let spec = c.spec(&org.id, &first_day, self.scale);
                if let Err(why) = self.desk.add_contract(&spec, at)? {
                    return Err(DemoError::Refused(format!(
                        "a contract of {}: {why}",
                        org.id
                    )));
                }
            }
        }
        // Contracts bought later: when 55% of the history has passed.
        let later = start + (end - start) * 55 / 100;
        let mut jobs = vec![];
        for (i, org) in self.people.orgs.iter().enumerate() {
            if let Some(plan) = org.plan {
                for (k, c) in plan.contracts.iter().enumerate() {
                    if c.later {
                        jobs.push((later, Job::Contract(i, k)));
                    }
                }
            }
        }
        for (at, job) in jobs {
            self.schedule(at, job);
        }
        Ok(())
    }

    fn later_contract(&mut self, org: usize, k: usize, at: u64) -> Result<(), DemoError> {
        let o = &self.people.orgs[org];
        let Some(plan) = o.plan else { return Ok(()) };
        let date = shape::zoned(at, &self.tz).date().to_string();
        let spec = plan.contracts[k].spec(&o.id, &date, self.scale);
        if let Err(why) = self.desk.add_contract(&spec, at)? {
            return Err(DemoError::Refused(format!("a contract of {}: {why}", o.id)));
        }
        Ok(())
    }

    /// When the tickets come and from whom: the ordinary pattern, the release's spike (two
    /// intents, a few organisations, a few days), and conversations the FAQ settles.
    fn plan_arrivals(&mut self, tickets: u64, start: u64, end: u64, rng: &mut Rng) {
        let ordinary = Arrivals::ordinary(start, end, &self.tz);
        let weights: Vec<f64> = self.intents.iter().map(|i| i.weight).collect();
        let spike_n = if tickets >= 50 { tickets * 4 / 100 } else { 0 };
        let release = shape::release_day(start, end, &self.tz);
        let spike = Arrivals::spike(release, 4, end, &self.tz);
        let spike_intents: Vec<usize> = ["software_install", "account_access"]
            .iter()
            .filter_map(|id| self.intents.iter().position(|i| i.id == *id))
            .collect();
        let spike_orgs: Vec<usize> = self
            .people
            .orgs
            .iter()
            .enumerate()
            .filter(|(_, o)| o.plan.is_some_and(|p| p.spike))
            .map(|(i, _)| i)
            .collect();
        let faq_intents: Vec<usize> = (0..self.intents.len())
            .filter(|&i| self.intents[i].faq)
            .collect();
        let faq_weights: Vec<f64> = faq_intents.iter().map(|&i| weights[i]).collect();
        let deflect_n = if faq_intents.is_empty() {
            0
        } else {
            tickets / 4
        };
        let mut arrivals = Vec::with_capacity((tickets + deflect_n) as usize);
        for n in 0..tickets + deflect_n {
            let deflect = n >= tickets;
            let in_spike = !deflect
                && n < spike_n
                && release < end
                && !spike_intents.is_empty()
                && !spike_orgs.is_empty();
            let (at, person, intent) = if in_spike {
                (
                    spike.sample(rng, end),
                    self.people.draw_in(&spike_orgs, rng),
                    *rng.pick(&spike_intents),
                )
            } else if deflect {
                (
                    ordinary.sample(rng, end),
                    self.people.draw(rng),
                    faq_intents[rng.weighted(&faq_weights)],
                )
            } else {
                (
                    ordinary.sample(rng, end),
                    self.people.draw(rng),
                    rng.weighted(&weights),
                )
            };
            // Forms are a Discord and Slack thing; the local terminal is a conversation.
            let on_platform =
                self.people.persons[person].user.platform != crate::tickets::Platform::Local;
            arrivals.push(Arrival {
                at,
                person,
                intent,
                deflect,
                form: !deflect && on_platform && rng.chance(0.4),
                talk: None,
            });
        }
        arrivals.sort_by_key(|a| a.at);
        for (i, a) in arrivals.iter().enumerate() {
            self.seq += 1;
            self.queue.push(Reverse((a.at, self.seq, Job::Arrive(i))));
        }
        self.arrivals = arrivals;
    }

    /// Fires the timers due by `until`, each at its instant, as `frontline run`'s timer loop
    /// would have.
    fn fire_timers(&mut self, until: u64) -> Result<(), DemoError> {
        loop {
            let due = self.store.timers(until, None, self.stuck.len() + 8)?;
            let Some(t) = due
                .into_iter()
                .find(|t| !self.stuck.contains(&(t.id.clone(), t.due_ms)))
            else {
                return Ok(());
            };
            let key = format!("timer:{}:{}", t.id, t.due_ms);
            self.clock = self.clock.max(t.due_ms);
            self.send(
                Some(key),
                Event::TimerFired {
                    id: t.id.clone(),
                    ticket: t.ticket.clone(),
                    due_ms: t.due_ms,
                },
                // Set already past due (a breach the turn that set it found): fired now.
                t.due_ms.max(self.clock),
                None,
            )?;
            if self
                .store
                .timer(&t.id)?
                .is_some_and(|now| now.due_ms == t.due_ms)
            {
                self.stuck.insert((t.id, t.due_ms));
            }
        }
    }

    /// One turn: handled by the desk at `now`, committed without a flush, its messages recorded
    /// as delivered. Returns the tickets it opened. `extra` is a change the agent makes in the
    /// same turn that no command says yet (marking a change, its outcome).
    fn send(
        &mut self,
        key: Option<String>,
        event: Event,
        now: u64,
        extra: Option<(&str, Actor, Change)>,
    ) -> Result<Vec<String>, DemoError> {
        let incoming = Incoming {
            key,
            event,
            reply_to: None,
            interaction: None,
        };
        let mut turn = self.desk.handle(&incoming, now)?;
        if let Some((id, actor, change)) = extra {
            add_change(&mut turn, id, actor, change, now);
        }
        if turn.is_empty() {
            return Ok(vec![]);
        }
        let opened: Vec<String> = turn
            .tickets
            .iter()
            .filter(|w| w.expected_events.is_none())
            .map(|w| w.ticket.id.clone())
            .collect();
        let events: usize = turn.tickets.iter().map(|w| w.events.len()).sum();
        // What the turn would send stays unsent and unstored: the people are made up, reports
        // read tickets and the log, and a year of cards written for nobody was most of the
        // demo's time and store (3,000 tickets: 52 s and 275 MB with them, 31 s and 115 MB
        // without).
        turn.outbox.clear();
        let committed = match self.store.commit(&turn, now, false) {
            Ok(c) => c,
            Err(StoreError::Duplicate(_)) => return Ok(vec![]),
            Err(e) => return Err(e.into()),
        };
        debug_assert!(committed.outbox.is_empty());
        // A report that took over an incident its requester closed is worked from here on.
        let leads: Vec<String> = turn
            .tickets
            .iter()
            .filter(|w| {
                w.events
                    .iter()
                    .any(|e| matches!(e.change, Change::IncidentMoved { to: None, .. }))
            })
            .map(|w| w.ticket.id.clone())
            .collect();
        for id in leads {
            self.take_over(&id, now)?;
        }
        self.summary.turns += 1;
        self.summary.ticket_events += events as u64;
        self.summary.bot_events += turn.bot_events.len() as u64;
        self.summary.tickets += opened.len() as u64;
        Ok(opened)
    }

    fn user_says(&mut self, person: usize, text: &str, now: u64) -> Result<Vec<String>, DemoError> {
        let user = self.people.persons[person].user.clone();
        self.send(
            None,
            Event::UserMessage {
                user,
                text: text.to_string(),
            },
            now,
            None,
        )
    }

    fn user_presses(
        &mut self,
        person: usize,
        choice: Choice,
        now: u64,
    ) -> Result<Vec<String>, DemoError> {
        let user = self.people.persons[person].user.clone();
        self.send(None, Event::UserChoice { user, choice }, now, None)
    }

    fn agent_does(
        &mut self,
        agent: &UserRef,
        command: AgentCommand,
        now: u64,
        extra: Option<(&str, Actor, Change)>,
    ) -> Result<(), DemoError> {
        self.send(
            None,
            Event::Agent {
                by: agent.clone(),
                roles: vec![],
                command,
            },
            now,
            extra,
        )?;
        Ok(())
    }

    /// A conversation (or a form) comes in: its first message (or the form). A conversation goes
    /// on with [`Sim::answer`], one job per message, so other people's turns interleave in time.
    fn arrive(&mut self, i: usize, now: u64) -> Result<(), DemoError> {
        let (person, intent, form) = {
            let a = &self.arrivals[i];
            (a.person, a.intent, a.form)
        };
        let mut rng = Rng::new(self.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let polish = self.people.persons[person].polish;
        let plan = &self.intents[intent];
        let texts = match (&plan.texts[polish as usize], &plan.texts[!polish as usize]) {
            (ours, _) if !ours.is_empty() => ours,
            (_, theirs) => theirs,
        };
        let text = rng.pick(texts).clone();
        let user = self.people.persons[person].user.clone();
        let opened = if form {
            self.send(
                None,
                Event::OpenTicket {
                    user,
                    subject: text.clone(),
                    description: String::new(),
                },
                now,
                None,
            )?
        } else {
            self.user_says(person, &text, now)?
        };
        let talk = Talk {
            rng,
            text,
            opened,
            said: 0,
        };
        self.arrivals[i].talk = Some(talk);
        if form {
            return self.settle(i, now);
        }
        let at = now
            + self.arrivals[i]
                .talk
                .as_mut()
                .map_or(0, |t| t.rng.range(15_000, 90_000));
        self.schedule(at, Job::Answer(i));
        Ok(())
    }

    /// The person answers whatever the bot asked, as they would; when it asks nothing more, the
    /// tickets the conversation opened start their lives.
    fn answer(&mut self, i: usize, now: u64) -> Result<(), DemoError> {
        let (person, intent, deflect) = {
            let a = &self.arrivals[i];
            (a.person, a.intent, a.deflect)
        };
        let Some(mut talk) = self.arrivals[i].talk.take() else {
            return Ok(());
        };
        let polish = self.people.persons[person].polish;
        let user = self.people.persons[person].user.clone();
        let c = self.store.conversation(&user.key())?.unwrap_or_default();
        let cancel = if polish { "anuluj" } else { "cancel" };
        let rng = &mut talk.rng;
        let reply = match c.step {
            _ if talk.said >= 8 => None,
            Step::Idle | Step::InTicket { .. } | Step::Csat { .. } => None,
            Step::FaqOffered { .. } if deflect => {
                self.summary.deflected += 1;
                Some(Err(Choice::Solved))
            }
            Step::FaqOffered { .. } => Some(Err(Choice::StillNeedHelp)),
            Step::FollowUp { .. } | Step::Describe { .. } if deflect => {
                Some(Ok(cancel.to_string()))
            }
            Step::FollowUp {
                detection, answers, ..
            } => {
                let pack = self.desk.triage().pack();
                let question = pack
                    .intent(&detection.intent)
                    .and_then(|i| {
                        i.follow_up
                            .iter()
                            .find(|q| !answers.iter().any(|(id, _)| *id == q.id))
                    })
                    .map(|q| q.id.clone())
                    .unwrap_or_default();
                Some(Ok(
                    texts::follow_up_answer(&question, polish, rng).to_string()
                ))
            }
            Step::Describe { .. } => Some(Ok(talk.text.clone())),
            Step::TicketOrNew { .. } => Some(Err(Choice::NewProblem)),
            Step::Clarify { candidates, .. } => {
                let n = candidates
                    .iter()
                    .position(|c| *c == self.intents[intent].id)
                    .unwrap_or(0);
                Some(Err(Choice::Pick(n as u8 + 1)))
            }
            Step::ConfirmClose { .. } | Step::ConfirmReopen { .. } | Step::ConfirmErase => {
                Some(Err(Choice::No))
            }
            Step::ChooseTicket { .. } | Step::FaqListed { .. } => Some(Ok(cancel.to_string())),
        };
        let Some(reply) = reply else {
            self.arrivals[i].talk = Some(talk);
            return self.settle(i, now);
        };
        let got = match reply {
            Ok(text) => self.user_says(person, &text, now)?,
            Err(choice) => self.user_presses(person, choice, now)?,
        };
        talk.opened.extend(got);
        talk.said += 1;
        let at = now + talk.rng.range(15_000, 90_000);
        self.arrivals[i].talk = Some(talk);
        self.schedule(at, Job::Answer(i));
        Ok(())
    }

    /// The conversation is over: the tickets it opened start their lives; one that opened none
    /// though the person needed one ends with the form after all.
    fn settle(&mut self, i: usize, now: u64) -> Result<(), DemoError> {
        let (person, intent, deflect) = {
            let a = &self.arrivals[i];
            (a.person, a.intent, a.deflect)
        };
        let Some(mut talk) = self.arrivals[i].talk.take() else {
            return Ok(());
        };
        if talk.opened.is_empty() && !deflect {
            let user = self.people.persons[person].user.clone();
            talk.opened = self.send(
                None,
                Event::OpenTicket {
                    user,
                    subject: talk.text.clone(),
                    description: String::new(),
                },
                now,
                None,
            )?;
        }
        for id in &talk.opened {
            let rng = talk.rng.fork(7);
            self.begin_life(id, person, intent, now, rng)?;
        }
        Ok(())
    }

    /// Gives a life to a report that now carries its incident: its requester and intent as they
    /// are on the ticket.
    fn take_over(&mut self, id: &str, now: u64) -> Result<(), DemoError> {
        let Some(t) = self.store.ticket(id)? else {
            return Ok(());
        };
        let key = t.requester.key();
        let person = self.people.persons.iter().position(|p| p.user.key() == key);
        let intent = self.intents.iter().position(|i| i.id == t.detection.intent);
        let (Some(person), Some(intent)) = (person, intent) else {
            return Ok(());
        };
        let rng = Rng::new(self.seed ^ t.number.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        self.begin_life(id, person, intent, now, rng)
    }

    /// Plans what happens to a new ticket and schedules its first beat.
    fn begin_life(
        &mut self,
        id: &str,
        person: usize,
        intent: usize,
        now: u64,
        mut rng: Rng,
    ) -> Result<(), DemoError> {
        let Some(t) = self.store.ticket(id)? else {
            return Ok(());
        };
        // A report linked to a known incident is resolved with the incident.
        if t.incident.is_some() {
            return Ok(());
        }
        let mut beats = vec![];
        let pending = t
            .approval
            .as_ref()
            .is_some_and(|a| a.state == ApprovalState::Pending);
        let security = matches!(t.category.as_str(), "security" | "phishing");
        let escalate = !self.staff.l3.is_empty()
            && rng.chance(if t.priority == Priority::P1 || security {
                0.25
            } else {
                0.08
            });
        let reopen = rng.chance(0.07);
        let slow_answer = rng.chance(0.08);
        let slow_fix = rng.chance(0.08);
        let mut finished = false;
        if pending {
            if self.staff.approver.is_none() {
                return Ok(());
            }
            let approve = !rng.chance(0.06);
            beats.push(Beat::Decide { approve });
            finished = !approve;
        }
        if !finished && rng.chance(0.03) {
            beats.push(Beat::UserCloses);
            finished = true;
        }
        if !finished {
            beats.push(Beat::Claim);
            let ask = rng.chance(0.3);
            beats.push(Beat::Respond { ask });
            if ask {
                beats.push(Beat::UserAnswers);
                beats.push(Beat::Reply);
            }
            if self.staff.l2.len() >= 2 && rng.chance(0.07) {
                beats.push(Beat::Transfer);
            }
            if escalate {
                beats.extend([Beat::Escalate, Beat::ClaimL3, Beat::Reply]);
            }
            if t.organisation.is_some() && rng.chance(0.55) {
                beats.push(Beat::LogTime);
                if rng.chance(0.25) {
                    beats.push(Beat::LogTime);
                }
            }
            beats.push(Beat::Resolve);
            if reopen {
                beats.extend([
                    Beat::Reopen {
                        by_user: rng.chance(0.6),
                    },
                    Beat::Reply,
                    Beat::Resolve,
                ]);
            }
            if rng.chance(0.62) {
                // Most people are pleased; a slow answer or a problem back again shows.
                let unhappy = slow_answer || slow_fix || reopen;
                let weights: &[f64] = if unhappy {
                    &[0.15, 0.15, 0.25, 0.25, 0.2]
                } else {
                    &[0.03, 0.03, 0.07, 0.27, 0.6]
                };
                beats.push(Beat::Rate(rng.weighted(weights) as u8 + 1));
            }
        }
        let change = !finished && rng.chance(self.intents[intent].change);
        let life = Life {
            ticket: id.to_string(),
            person,
            priority: t.priority,
            rng,
            beats,
            next: 0,
            slow_answer,
            slow_fix,
            change,
        };
        self.lives.push(life);
        let i = self.lives.len() - 1;
        self.schedule_next(i, now);
        Ok(())
    }

    /// Schedules the life's next beat after `now`, with the wait that beat takes.
    fn schedule_next(&mut self, i: usize, now: u64) {
        let tz = self.tz.clone();
        let life = &mut self.lives[i];
        let Some(&beat) = life.beats.get(life.next) else {
            return;
        };
        let p1 = life.priority == Priority::P1;
        let rng = &mut life.rng;
        // Agents work office hours; P1 is answered around the clock.
        let work = |t: u64, rng: &mut Rng| if p1 { t } else { next_office(t, &tz, rng) };
        let scale = match life.priority {
            Priority::P1 => 0.15,
            Priority::P2 => 0.5,
            Priority::P3 => 1.0,
            Priority::P4 => 1.6,
        };
        let scaled = |m: u64| ((m as f64 * scale) as u64).max(1) * MINUTE;
        let at = match beat {
            Beat::Decide { .. } => work(now + rng.spread(20 * MINUTE, 6 * HOUR), rng),
            Beat::UserCloses => awake(now + rng.spread(10 * MINUTE, 3 * HOUR), &tz, rng),
            // Claimed within the hour the queue re-announces it after, by whoever is on call
            // (evenings and weekends too); the answer may be slow and comes in office hours.
            Beat::Claim => now + scaled(rng.spread(2, 35)),
            Beat::Respond { .. } => {
                let wait = if life.slow_answer {
                    scaled(rng.spread(240, 1000))
                } else {
                    rng.spread(MINUTE, 40 * MINUTE)
                };
                work(now + wait, rng)
            }
            Beat::UserAnswers => awake(now + rng.spread(10 * MINUTE, 8 * HOUR), &tz, rng),
            Beat::Reply => work(now + rng.spread(5 * MINUTE, 3 * HOUR), rng),
            Beat::Transfer => work(now + rng.spread(10 * MINUTE, 4 * HOUR), rng),
            Beat::Escalate => work(now + rng.spread(20 * MINUTE, DAY), rng),
            Beat::ClaimL3 => now + rng.spread(5 * MINUTE, 50 * MINUTE),
            Beat::LogTime => work(now + rng.spread(5 * MINUTE, 2 * HOUR), rng),
            Beat::Resolve => {
                let wait = if life.slow_fix {
                    scaled(rng.spread(1440, 5000))
                } else if rng.chance(0.2) {
                    scaled(rng.spread(240, 900))
                } else {
                    scaled(rng.spread(10, 240))
                };
                work(now + wait, rng)
            }
            Beat::Reopen { .. } => awake(now + rng.spread(HOUR, 3 * DAY), &tz, rng),
            Beat::Rate(_) => awake(now + rng.spread(5 * MINUTE, 20 * HOUR), &tz, rng),
        };
        self.schedule(at.max(now), Job::Beat(i));
    }

    /// The assignee as the agent they are, claiming first (an agent of the ticket's tier) when
    /// nobody has it.
    fn worker(&mut self, i: usize, t: &Ticket, now: u64) -> Result<Option<UserRef>, DemoError> {
        if let Some(name) = &t.assignee
            && let Some(a) = self.desk.config().agent_named(name)
        {
            return Ok(Some(agent_ref(a)));
        }
        if !t.status.is_open() {
            return Ok(None);
        }
        let agent = self.staff.pick(t.tier, &mut self.lives[i].rng);
        self.agent_does(
            &agent,
            AgentCommand::Claim {
                ticket: t.id.clone(),
            },
            now,
            None,
        )?;
        Ok(Some(agent))
    }

    /// The life's next beat, at `now`; a beat that no longer fits the ticket (closed meanwhile,
    /// its rating conversation moved on) ends or skips.
    fn beat(&mut self, i: usize, now: u64) -> Result<(), DemoError> {
        let (id, person, beat) = {
            let l = &self.lives[i];
            (l.ticket.clone(), l.person, l.beats[l.next])
        };
        self.lives[i].next += 1;
        let Some(t) = self.store.ticket(&id)? else {
            return Ok(());
        };
        let polish = self.people.persons[person].polish;
        let open = t.status.is_open();
        let mut go_on = true;
        match beat {
            Beat::Decide { approve } => {
                let Some(approver) = self.staff.approver.clone() else {
                    return Ok(());
                };
                let command = if approve {
                    AgentCommand::Approve { ticket: id.clone() }
                } else {
                    AgentCommand::Deny {
                        ticket: id.clone(),
                        reason: "not in this year's budget".into(),
                    }
                };
                self.agent_does(&approver, command, now, None)?;
            }
            Beat::UserCloses if open => {
                self.user_says(person, &texts::close_words(&id, polish), now)?;
                let key = self.people.persons[person].user.key();
                if matches!(
                    self.store.conversation(&key)?.map(|c| c.step),
                    Some(Step::ConfirmClose { .. })
                ) {
                    self.user_presses(person, Choice::Yes, now)?;
                }
            }
            Beat::Claim if open && t.assignee.is_none() => {
                let agent = self.staff.pick(t.tier, &mut self.lives[i].rng);
                let extra = self.lives[i].change.then(|| {
                    let start = next_office(now + DAY, &self.tz, &mut self.lives[i].rng);
                    (
                        id.as_str(),
                        Actor::Agent(agent.name.clone()),
                        Change::MarkedAsChange {
                            window_start_ms: Some(start),
                            window_end_ms: Some(start + 2 * HOUR),
                        },
                    )
                });
                // TODO: the lead's agent command for marking a change replaces `extra` here.
                self.agent_does(
                    &agent,
                    AgentCommand::Claim { ticket: id.clone() },
                    now,
                    extra,
                )?;
            }
            Beat::Respond { .. } | Beat::Reply if open => {
                let ask = matches!(beat, Beat::Respond { ask: true });
                if let Some(agent) = self.worker(i, &t, now)? {
                    let rng = &mut self.lives[i].rng;
                    let command = if ask {
                        AgentCommand::Ask {
                            ticket: id.clone(),
                            text: texts::agent_question(polish, rng).into(),
                        }
                    } else {
                        AgentCommand::Reply {
                            ticket: id.clone(),
                            text: texts::agent_reply(polish, rng).into(),
                        }
                    };
                    self.agent_does(&agent, command, now, None)?;
                }
            }
            Beat::UserAnswers if open => {
                let key = self.people.persons[person].user.key();
                let about = self.store.conversation(&key)?.and_then(|c| c.ticket);
                let said = texts::user_answer(polish, &mut self.lives[i].rng);
                // Someone with another ticket open says which one they answer about.
                let text = if about.as_deref() == Some(id.as_str()) {
                    said.to_string()
                } else {
                    format!("{id}: {said}")
                };
                self.user_says(person, &text, now)?;
            }
            Beat::Transfer if open && t.tier == Tier::L2 => {
                if let Some(agent) = self.worker(i, &t, now)? {
                    let others: Vec<UserRef> = self
                        .staff
                        .l2
                        .iter()
                        .filter(|a| a.name != agent.name)
                        .cloned()
                        .collect();
                    if !others.is_empty() {
                        let to = self.lives[i].rng.pick(&others).name.clone();
                        self.agent_does(
                            &agent,
                            AgentCommand::TransferToAgent {
                                ticket: id.clone(),
                                agent: to,
                            },
                            now,
                            None,
                        )?;
                    }
                }
            }
            Beat::Escalate if open && t.tier == Tier::L2 => {
                if let Some(agent) = self.worker(i, &t, now)? {
                    let note = texts::escalation_note(&mut self.lives[i].rng).to_string();
                    self.agent_does(
                        &agent,
                        AgentCommand::EscalateL3 {
                            ticket: id.clone(),
                            note,
                        },
                        now,
                        None,
                    )?;
                }
            }
            Beat::ClaimL3 if open => {
                self.worker(i, &t, now)?;
            }
            Beat::LogTime if open => {
                if let Some(agent) = self.worker(i, &t, now)? {
                    let rng = &mut self.lives[i].rng;
                    let minutes = (rng.spread(10, 150) / 5 * 5).max(5) as u32;
                    let activity = match rng.weighted(&[0.7, 0.1, 0.2]) {
                        0 => crate::contracts::Activity::Remote,
                        1 => crate::contracts::Activity::OnSite,
                        _ => crate::contracts::Activity::Phone,
                    };
                    let billable = rng.chance(0.9);
                    self.agent_does(
                        &agent,
                        AgentCommand::LogTime {
                            ticket: id.clone(),
                            minutes,
                            activity,
                            billable,
                        },
                        now,
                        None,
                    )?;
                }
            }
            Beat::Resolve if open => {
                if let Some(agent) = self.worker(i, &t, now)? {
                    let rng = &mut self.lives[i].rng;
                    let minutes = (rng.spread(5, 60) / 5 * 5).max(5) as u32;
                    let note = texts::resolve_note(polish, rng);
                    let outcome = match rng.weighted(&[0.84, 0.09, 0.07]) {
                        0 => ChangeOutcome::Successful,
                        1 => ChangeOutcome::Failed,
                        _ => ChangeOutcome::RolledBack,
                    };
                    // The current state: a claim just made by `worker` is in the store.
                    let marked = self.store.ticket(&id)?.is_some_and(|t| t.change.is_some());
                    // A change's outcome needs a note (the desk refuses one without): an empty
                    // note left a fifth of the changes, incidents among them, open for good.
                    let note = match (marked, note.is_empty()) {
                        (true, true) => texts::change_note(polish),
                        _ => note,
                    }
                    .to_string();
                    // A change is resolved with how it went, as an agent says it.
                    self.agent_does(
                        &agent,
                        AgentCommand::Resolve {
                            ticket: id.clone(),
                            note,
                            minutes,
                            activity: crate::contracts::Activity::Remote,
                            outcome: marked.then_some(outcome),
                        },
                        now,
                        None,
                    )?;
                }
            }
            Beat::Reopen { by_user } if t.status == Status::Resolved => {
                let key = self.people.persons[person].user.key();
                let about = self.store.conversation(&key)?.and_then(|c| c.ticket);
                if by_user && about.as_deref() == Some(id.as_str()) {
                    self.user_says(person, texts::reopen_words(polish), now)?;
                } else {
                    let agent = match t
                        .assignee
                        .as_deref()
                        .and_then(|n| self.desk.config().agent_named(n).map(agent_ref))
                    {
                        Some(a) => a,
                        None => self.staff.pick(Tier::L2, &mut self.lives[i].rng),
                    };
                    self.agent_does(
                        &agent,
                        AgentCommand::Reopen {
                            ticket: id.clone(),
                            reason: "the requester called: the problem is back".into(),
                        },
                        now,
                        None,
                    )?;
                }
            }
            Beat::Rate(score) if t.status == Status::Resolved && t.rating.is_none() => {
                let key = self.people.persons[person].user.key();
                let about = self.store.conversation(&key)?.and_then(|c| c.ticket);
                if about.as_deref() == Some(id.as_str()) {
                    self.user_presses(person, Choice::Rate(score), now)?;
                }
            }
            // A beat that no longer fits: the ticket was closed, resolved by its incident...
            Beat::Rate(_) | Beat::Reopen { .. } => {}
            _ => go_on = open,
        }
        if go_on {
            self.schedule_next(i, now);
        }
        Ok(())
    }
}

/// The organisation declared in the configuration buys a block of hours.
const CONFIGURED_BLOCK: people::ContractPlan = people::ContractPlan {
    kind: "block",
    hours: "10",
    monthly_fee: None,
    overage_rate: None,
    past: None,
    rate: None,
    billing: None,
    require_time: false,
    later: false,
};

/// Adds a change to a ticket the turn already changes, checked by [`Ticket::apply`] and logged
/// after the turn's own events, as `Cx::change` does. Nothing when the turn left the ticket
/// alone (the command was refused) or the change does not apply.
fn add_change(turn: &mut Turn, id: &str, actor: Actor, change: Change, now: u64) {
    let Some(w) = turn.tickets.iter_mut().find(|w| w.ticket.id == id) else {
        return;
    };
    if w.ticket.apply(&actor, &change, now).is_err() {
        return;
    }
    w.events.push(TicketEvent {
        ticket: id.to_string(),
        seq: w.ticket.event_count,
        at_ms: now,
        actor,
        change,
    });
    w.ticket.event_count += 1;
}
