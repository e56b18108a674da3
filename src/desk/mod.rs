//! The desk: the platform-neutral core of the workflow. Adapters hand it [`Incoming`] events;
//! [`Desk::handle`] reads what it needs through the [`Store`] trait and returns a [`Turn`]:
//! everything the event changes (the conversation, tickets and their events, the bot's own log
//! events, the outbox, bookkeeping links), which [`Desk::process`] commits at once. The desk reads
//! no clock (it is handed `now`), does no I/O other than through the store trait, and holds no
//! platform types.
//!
//! - `event.rs`: what comes in; `action.rs`: what goes out (outbox entries);
//! - `user.rs`: a user's conversation (FAQ, follow-up questions, tickets, CSAT);
//! - `agent.rs`: agent commands and who may do them;
//! - `approvals.rs`: requests that wait for an approver's decision before L2 work starts;
//! - `visits.rs`: visits and remote sessions proposed, answered, reminded (`visit_words.rs`: what
//!   they read and say);
//! - `grammar.rs`: button and form ids, forms, labels and the typed command grammar;
//! - `turn.rs`, `log.rs`: the unit of commit and the event log's records;
//! - `balance.rs`: support-hours balances asked in chat, on cards, and blocks' expiry warnings;
//! - `card.rs`, `conversation.rs`, `redact.rs`, `texts.rs`: the pieces those use.

pub mod accounts;
pub mod action;
mod agent;
pub mod approvals;
pub mod automation;
pub mod balance;
pub mod card;
pub mod conversation;
pub mod event;
pub mod grammar;
pub mod log;
pub mod redact;
mod retention;
mod security;
mod stats;
pub mod texts;
pub mod time;
mod timers;
pub mod turn;
mod user;
mod vendors;
mod visit_words;
pub mod visits;
pub mod words;

use std::sync::{Arc, Mutex};

use crate::config::{Config, Queue};
use crate::store::{Store, StoreError};
use crate::tickets::{Actor, Change, Ticket, TicketError, TicketEvent, UserRef};
use crate::triage::Triage;
pub use action::{Action, Attachment, Delivery, OutboxEntry, TicketLine};
pub use agent::agent_ref;
pub use card::Card;
use conversation::Conversation;
pub use event::{Address, AgentCommand, Choice, Event, Incoming, Interaction, Placed, Quoted};
pub use grammar::{ActionId, CardAction, parse_agent_command};
pub use turn::{Committed, Turn};

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<TicketError> for DeskError {
    fn from(e: TicketError) -> Self {
        DeskError::Store(StoreError::Ticket(e))
    }
}

/// What processing an event came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Processed {
    Committed(Committed),
    /// The event's key was already stored: it was handled before (a redelivery), nothing changed.
    Duplicate,
}

impl Processed {
    /// The committed outbox entries (none for a duplicate).
    pub fn outbox(&self) -> &[OutboxEntry] {
        match self {
            Processed::Committed(c) => &c.outbox,
            Processed::Duplicate => &[],
        }
    }
}

/// Turns of one conversation (or one ticket) are serialised through one of these stripes; a std
/// mutex because it is held only on blocking threads, around reading and committing a turn.
const STRIPES: usize = 64;

/// How many times a turn is rebuilt when another turn changed what it read.
const RETRIES: usize = 64;
/// After this many lost races a turn waits its turn behind the other losers (see
/// [`Desk::process`]).
const CONTENDED_AFTER: usize = 3;

/// The desk: triage engine, configuration and store.
pub struct Desk {
    triage: Arc<Triage>,
    config: Config,
    store: Arc<dyn Store>,
    stripes: Vec<Mutex<()>>,
    /// Held by a turn that lost [`CONTENDED_AFTER`] races: losers retry one at a time, so many
    /// people joining one ticket at once (an outage's incident) each get through instead of
    /// running out of retries together.
    contended: Mutex<()>,
}

impl Desk {
    pub fn new(triage: Arc<Triage>, config: Config, store: Arc<dyn Store>) -> Desk {
        Desk {
            triage,
            config,
            store,
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
            contended: Mutex::new(()),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn triage(&self) -> &Triage {
        &self.triage
    }

    /// Handles one event at `now` (ms since the epoch) and commits its turn: the whole turn is
    /// durable when this returns, or nothing of it was written. Turns of one conversation are
    /// serialised; a turn that lost a race for a ticket is rebuilt on what the winner wrote.
    pub fn process(&self, incoming: Incoming, now: u64) -> Result<Processed, DeskError> {
        let key = incoming.event.serial_key();
        let committed = {
            let stripe = &self.stripes[stripe_of(&key)];
            let _serial = stripe.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(k) = &incoming.key
                && self.store.seen(k)?
            {
                return Ok(Processed::Duplicate);
            }
            let mut attempt = 0;
            let mut _queued = None;
            loop {
                let turn = self.handle(&incoming, now)?;
                match self.store.commit(&turn, now, false) {
                    Ok(c) => break c,
                    Err(StoreError::Duplicate(_)) => return Ok(Processed::Duplicate),
                    Err(StoreError::Conflict(_)) if attempt < RETRIES => {
                        attempt += 1;
                        if attempt == CONTENDED_AFTER {
                            _queued =
                                Some(self.contended.lock().unwrap_or_else(|p| p.into_inner()));
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        // The flush waits outside the stripe: the conversation's next turn may build on this one
        // meanwhile, and its own flush covers both (sled writes its log in order), so nothing it
        // says goes out before this turn is on disk. Where an adapter put a card is bookkeeping a
        // later turn can do without (it posts a new card): it rides the next flush.
        if !matches!(incoming.event, Event::Placed { .. }) && !committed.is_empty() {
            self.store.flush()?;
        }
        Ok(Processed::Committed(committed))
    }

    /// Builds the turn for one event: reads through the store, writes nothing.
    pub fn handle(&self, incoming: &Incoming, now: u64) -> Result<Turn, DeskError> {
        let mut cx = Cx {
            desk: self,
            now,
            turn: Turn {
                key: incoming.key.clone(),
                ..Turn::default()
            },
            actor: incoming.event.actor().cloned(),
            interaction: incoming.interaction.clone(),
            decided: None,
        };
        let reply_to = incoming.reply_to.clone();
        match &incoming.event {
            Event::UserMessage { user, text } => cx.user_message(user, reply_to, text)?,
            Event::UserChoice { user, choice } => cx.user_choice(user, reply_to, *choice)?,
            Event::OpenTicket {
                user,
                subject,
                description,
            } => cx.open_ticket_form(user, reply_to, subject, description)?,
            Event::TicketFromMessages {
                user,
                by,
                how,
                messages,
            } => cx.ticket_from_messages(user, by, how, messages, reply_to)?,
            Event::PhishingReport {
                user,
                how,
                reported,
            } => cx.phishing_report(user, how, reported, reply_to)?,
            Event::Schedule => {
                cx.schedule_desk_timers()?;
                cx.schedule_contract_timers()?;
                cx.schedule_digest()?;
            }
            Event::StatusRequest { user } => cx.status_request(user, reply_to)?,
            Event::Stats { by, roles, period } => cx.stats(by, roles, period)?,
            Event::HomeOpened { user } => cx.home_opened(user)?,
            Event::TimerFired { id, due_ms, .. } => cx.timer_fired(id, *due_ms)?,
            Event::StartFresh { user } => cx.start_fresh(user, reply_to)?,
            Event::FaqSearch { user, query } => cx.faq_search_request(user, reply_to, query)?,
            Event::Agent { by, roles, command } => cx.agent(by, roles, command.clone())?,
            Event::ThreadMessage {
                by,
                roles,
                thread,
                text,
            } => cx.thread_message(by, roles, thread, text)?,
            Event::Placed {
                platform,
                ticket,
                placed,
                ..
            } => cx.placed(*platform, ticket.as_deref(), placed),
        }
        if !cx.turn.tickets.is_empty() {
            cx.run_rules()?;
            cx.hand_over_reports()?;
            cx.schedule_timers();
            self.annotate_reports(&mut cx.turn, now)?;
        }
        Ok(cx.turn)
    }

    /// Completes the report facts of the turn's tickets with what needs the configuration:
    /// business time in each ticket's calendar, its SLA clocks' outcomes, the requester's
    /// department (see `reports::facts::annotate`).
    fn annotate_reports(&self, turn: &mut Turn, now: u64) -> Result<(), DeskError> {
        for w in &mut turn.tickets {
            let t = &mut w.ticket;
            let department = match (&t.report.department, &t.organisation) {
                (None, Some(org)) => {
                    let key = t.requester.key();
                    self.account(org)?.and_then(|a| {
                        a.departments
                            .iter()
                            .find(|(_, users)| users.contains(&key))
                            .map(|(name, _)| name.clone())
                    })
                }
                _ => None,
            };
            let cal = self
                .config
                .calendar_for(t.organisation.as_deref(), &t.queue);
            let target = self.config.sla_for(t.priority, t.organisation.as_deref());
            crate::reports::facts::annotate(t, &cal, target.as_ref(), department, now);
        }
        Ok(())
    }

    fn queue_of(&self, t: &Ticket) -> Option<&Queue> {
        self.config.queue(&t.queue)
    }

    fn load(&self, user: &UserRef) -> Result<Conversation, DeskError> {
        Ok(self.store.conversation(&user.key())?.unwrap_or_default())
    }

    fn link(&self, key: &str) -> Result<Option<String>, DeskError> {
        Ok(self.store.link(key)?)
    }
}

fn stripe_of(key: &str) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    (h.finish() as usize) % STRIPES
}

/// Link keys: which platform thread belongs to whom, where a ticket's card and agent thread are.
pub mod links {
    use crate::tickets::Platform;

    /// A thread on a platform → `user:<platform:id>` or `ticket:<T-n>`.
    pub fn thread(platform: Platform, thread: &str) -> String {
        format!("thread:{platform}:{thread}")
    }

    /// A ticket's card in a queue → the platform's message id (in the queue's channel).
    pub fn card(ticket: &str, queue: &str) -> String {
        format!("card:{ticket}:{queue}")
    }

    /// A ticket's agent thread → the thread id.
    pub fn agent_thread(ticket: &str) -> String {
        format!("agent-thread:{ticket}")
    }
}

/// The turn being built, with what every handler needs.
struct Cx<'a> {
    desk: &'a Desk,
    now: u64,
    turn: Turn,
    /// Who caused the event: replies to them answer the interaction when there is one.
    actor: Option<UserRef>,
    interaction: Option<Interaction>,
    /// The last triage decision and its text: a message is read in several steps, decided once.
    decided: Option<(String, crate::triage::Decision)>,
}

impl Cx<'_> {
    /// Triage's decision on `text`, computed once per turn for the same text.
    fn decide(&mut self, text: &str) -> crate::triage::Decision {
        if let Some((t, d)) = &self.decided
            && t == text
        {
            return d.clone();
        }
        let d = self.desk.triage.decide(text);
        self.decided = Some((text.to_string(), d.clone()));
        d
    }

    /// The interaction to answer when writing to `to`.
    fn interaction_for(&self, to: &UserRef) -> Option<Interaction> {
        match &self.actor {
            Some(a) if a.same_person(to) => self.interaction.clone(),
            _ => None,
        }
    }

    /// Says `text` to a user in their conversation.
    fn reply(&mut self, to: &UserRef, c: &Conversation, text: impl Into<String>) {
        self.reply_with(to, c, text, vec![]);
    }

    fn reply_with(
        &mut self,
        to: &UserRef,
        c: &Conversation,
        text: impl Into<String>,
        buttons: Vec<Choice>,
    ) {
        let interaction = self.interaction_for(to);
        self.turn.say(Action::Reply {
            to: to.clone(),
            address: c.address.clone(),
            text: text.into(),
            buttons,
            language: c.language.clone(),
            interaction,
        });
    }

    /// Tells one person something only they need to see.
    fn notify(&mut self, to: &UserRef, text: impl Into<String>) {
        let interaction = self.interaction_for(to);
        self.turn.say(Action::Notify {
            to: to.clone(),
            text: text.into(),
            interaction,
            attachment: None,
        });
    }

    /// The conversation's new state, part of the turn.
    fn save(&mut self, user: &UserRef, mut c: Conversation) {
        c.rev += 1;
        self.turn.conversation = Some(turn::ConversationWrite {
            user: user.key(),
            state: c,
        });
    }

    /// A ticket as this turn sees it: changed earlier in the turn, else as stored.
    fn ticket(&self, id: &str) -> Result<Option<Ticket>, DeskError> {
        if let Some(w) = self.turn.tickets.iter().find(|w| w.ticket.id == id) {
            return Ok(Some(w.ticket.clone()));
        }
        Ok(self.desk.store.ticket(id)?)
    }

    /// An incident of the turn that ended with its reports still open (its requester closed it,
    /// a rule or a timer did; an agent's resolve resolves them) hands them over: the oldest open
    /// report carries the incident from now on, with the others linked to it, and its card is
    /// posted to its queue. Otherwise they would wait, unannounced, on a closed ticket forever.
    fn hand_over_reports(&mut self) -> Result<(), DeskError> {
        let ended: Vec<Ticket> = self
            .turn
            .tickets
            .iter()
            .map(|w| &w.ticket)
            .filter(|t| !t.status.is_open() && !t.linked.is_empty())
            .cloned()
            .collect();
        for incident in ended {
            let mut open = vec![];
            for id in &incident.linked {
                if let Some(r) = self.ticket(id)?.filter(|r| {
                    r.status.is_open() && r.incident.as_deref() == Some(incident.id.as_str())
                }) {
                    open.push(r);
                }
            }
            let Some((first, rest)) = open.split_first() else {
                continue;
            };
            let from = incident.id.clone();
            let mut lead = self.change(
                first,
                Actor::Bot,
                Change::IncidentMoved {
                    from: from.clone(),
                    to: None,
                },
            )?;
            for r in rest {
                self.change(
                    r,
                    Actor::Bot,
                    Change::IncidentMoved {
                        from: from.clone(),
                        to: Some(lead.id.clone()),
                    },
                )?;
                lead = self.change(
                    &lead,
                    Actor::Bot,
                    Change::ReportLinked {
                        report: r.id.clone(),
                    },
                )?;
            }
            self.card_post(&lead);
        }
        Ok(())
    }

    /// Applies a change to a ticket (through [`Ticket::apply`], which checks the transition) and
    /// adds it and its event to the turn.
    fn change(&mut self, t: &Ticket, actor: Actor, change: Change) -> Result<Ticket, TicketError> {
        let pos = self.turn.tickets.iter().position(|w| w.ticket.id == t.id);
        let mut cur = match pos {
            Some(i) => self.turn.tickets[i].ticket.clone(),
            None => t.clone(),
        };
        cur.apply(&actor, &change, self.now)?;
        self.refresh_due(&mut cur);
        let event = TicketEvent {
            ticket: cur.id.clone(),
            seq: cur.event_count,
            at_ms: self.now,
            actor,
            change,
        };
        cur.event_count += 1;
        match pos {
            Some(i) => {
                let w = &mut self.turn.tickets[i];
                w.ticket = cur.clone();
                w.events.push(event);
            }
            None => self.turn.tickets.push(turn::TicketWrite {
                ticket: cur.clone(),
                events: vec![event],
                expected_events: Some(t.event_count),
            }),
        }
        Ok(cur)
    }

    /// The ticket's first-response and resolution due times as of now, from its SLA clocks in its
    /// calendar (a pause so far moves the resolution's).
    fn refresh_due(&self, t: &mut Ticket) {
        let clocks = self.desk.config.clocks(t, self.now);
        let due = |k: crate::clocks::sla::ClockKind| {
            clocks
                .iter()
                .find(|c| c.kind == k && c.due_ms != u64::MAX)
                .map(|c| c.due_ms)
        };
        if !clocks.is_empty() {
            t.first_response_due_ms = due(crate::clocks::sla::ClockKind::FirstResponse);
            t.resolution_due_ms = due(crate::clocks::sla::ClockKind::Resolution);
        }
    }

    /// Adds a new ticket (its number already reserved from the store) with its `Opened` event.
    fn open(&mut self, mut t: Ticket, actor: Actor) -> Ticket {
        if t.assignee.is_none() {
            t.clock.unclaimed_since = Some(self.now);
        }
        self.refresh_due(&mut t);
        let event = TicketEvent {
            ticket: t.id.clone(),
            seq: 0,
            at_ms: self.now,
            actor,
            change: Change::Opened {
                queue: t.queue.clone(),
                priority: t.priority,
            },
        };
        t.event_count = 1;
        self.turn.tickets.push(turn::TicketWrite {
            ticket: t.clone(),
            events: vec![event],
            expected_events: None,
        });
        t
    }

    fn card_message(&self, ticket: &str, queue: &str) -> Result<Option<String>, DeskError> {
        if let Some((_, v)) = self
            .turn
            .links
            .iter()
            .find(|(k, _)| k == &links::card(ticket, queue))
        {
            return Ok(Some(v.clone()));
        }
        self.desk.link(&links::card(ticket, queue))
    }

    /// The ticket's card: its requester's earlier tickets from the store, words from the pack.
    /// The earlier tickets are a courtesy: when they cannot be read the card goes without them
    /// (logged) rather than the turn failing.
    fn card(&self, t: &Ticket) -> Card {
        let pack = self.desk.triage.pack();
        let mut cx =
            card::CardContext::gather(self.desk.store.as_ref(), pack, t).unwrap_or_else(|e| {
                tracing::warn!(ticket = %t.id, "card without earlier tickets: {e}");
                card::CardContext {
                    pack: Some(pack),
                    ..Default::default()
                }
            });
        cx.clocks = self.desk.config.clocks(t, self.now);
        cx.vendors_next = self.desk.config.vendors_next(t.tier);
        cx.contract = self.contract_card_line(t);
        Card::of(t, &cx)
    }

    fn card_post(&mut self, t: &Ticket) {
        if let Some(q) = self.desk.queue_of(t) {
            let action = Action::PostCard {
                platform: q.platform,
                queue: q.id.clone(),
                channel: q.channel.clone(),
                card: self.card(t),
            };
            self.turn.say(action);
        }
    }

    /// Updates the ticket's card in `queue` (its current queue when `None`).
    fn card_update_in(&mut self, t: &Ticket, queue: Option<&str>) -> Result<(), DeskError> {
        let Some(q) = self.desk.config.queue(queue.unwrap_or(&t.queue)).cloned() else {
            return Ok(());
        };
        let message = self.card_message(&t.id, &q.id)?;
        self.turn.say(Action::UpdateCard {
            platform: q.platform,
            queue: q.id.clone(),
            channel: q.channel.clone(),
            message,
            card: self.card(t),
        });
        Ok(())
    }

    fn card_update(&mut self, t: &Ticket) -> Result<(), DeskError> {
        self.card_update_in(t, None)
    }

    /// An adapter reports where it placed a card or a thread: bookkeeping for later turns.
    fn placed(
        &mut self,
        platform: crate::tickets::Platform,
        ticket: Option<&str>,
        placed: &Placed,
    ) {
        match (placed, ticket) {
            (Placed::Card { channel, message }, Some(t)) => {
                // The queue whose channel it is (a ticket escalated to L3 has a card in each).
                let queue = self
                    .desk
                    .config
                    .queues
                    .iter()
                    .find(|q| q.platform == platform && &q.channel == channel)
                    .map(|q| q.id.clone())
                    .unwrap_or_default();
                self.turn
                    .links
                    .push((links::card(t, &queue), message.clone()));
            }
            (Placed::AgentThread { thread }, Some(t)) => {
                self.turn
                    .links
                    .push((links::agent_thread(t), thread.clone()));
                self.turn
                    .links
                    .push((links::thread(platform, thread), format!("ticket:{t}")));
            }
            // Nothing a later turn needs.
            _ => {}
        }
    }
}

/// The timers an account's contracts need (expiry warnings), set with every change of the
/// account.
fn balance_timers(
    desk: &Desk,
    account: &crate::contracts::Account,
) -> Vec<crate::clocks::timer::TimerWrite> {
    balance::contract_timers(&desk.config, account)
}
