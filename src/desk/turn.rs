//! A turn: everything one event changes, handed by the desk to the store to commit at once. The
//! desk builds it without writing anything; the store checks the versions it was built on and
//! commits it whole (with one flush) or not at all.

use super::action::{Action, OutboxEntry};
use super::conversation::Conversation;
use super::log::BotEvent;
use crate::tickets::{Ticket, TicketEvent};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Turn {
    /// The incoming event's idempotency key: committing a turn whose key is already stored fails
    /// with [`crate::store::StoreError::Duplicate`] and writes nothing.
    pub key: Option<String>,
    /// The conversation's new state, if it changed.
    pub conversation: Option<ConversationWrite>,
    /// Tickets opened or changed, with their new events.
    pub tickets: Vec<TicketWrite>,
    /// The bot's own events, per user key (`platform:id`).
    pub bot_events: Vec<(String, BotEvent)>,
    /// For each bot event, how many ticket events the turn had made before it, so the log keeps
    /// the order things happened in ("answered the last question", then "ticket opened"). Missing
    /// entries mean "after them all".
    pub bot_event_positions: Vec<usize>,
    /// What the platforms must do, in order.
    pub outbox: Vec<Action>,
    /// Desk bookkeeping: which thread is whose, where a ticket's card lives (key, value).
    pub links: Vec<(String, String)>,
    /// Timers scheduled, moved or cancelled, in order.
    pub timers: Vec<crate::clocks::timer::TimerWrite>,
    /// Organisations' accounts changed (contracts, balances), with their new ledger entries.
    pub accounts: Vec<AccountWrite>,
    /// Personal data the store removes in the same transaction (see [`crate::privacy`]).
    pub erase: Vec<crate::privacy::Erase>,
}

/// An organisation's account after the turn and the ledger entries it adds.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountWrite {
    /// The account after the turn (`rev` one above the stored one).
    pub account: crate::contracts::Account,
    /// The revision the turn was built on (`None`: a new account). The store refuses the turn
    /// if another turn changed the account since, so no minute is lost or counted twice.
    pub expected_rev: Option<u64>,
    /// New ledger entries, numbered after the stored ones.
    pub entries: Vec<crate::contracts::Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversationWrite {
    /// `platform:id`.
    pub user: String,
    pub state: Conversation,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketWrite {
    /// The ticket after the turn.
    pub ticket: Ticket,
    /// Its new events, in order, with sequence numbers following the stored ones.
    pub events: Vec<TicketEvent>,
    /// The number of events the ticket had when the desk read it (`None`: a new ticket). The
    /// store refuses the turn if another turn changed the ticket since.
    pub expected_events: Option<u32>,
}

impl Turn {
    pub fn say(&mut self, action: Action) {
        self.outbox.push(action);
    }

    pub fn note(&mut self, user: &str, event: BotEvent) {
        let before: usize = self.tickets.iter().map(|w| w.events.len()).sum();
        self.bot_events.push((user.to_string(), event));
        self.bot_event_positions.push(before);
    }

    /// Whether the turn changes nothing but its key.
    pub fn is_empty(&self) -> bool {
        self.conversation.is_none()
            && self.tickets.is_empty()
            && self.bot_events.is_empty()
            && self.outbox.is_empty()
            && self.links.is_empty()
            && self.timers.is_empty()
            && self.accounts.is_empty()
            && self.erase.is_empty()
    }
}

/// What a committed turn produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Committed {
    /// The turn's outbox entries as stored (ids assigned), in order.
    pub outbox: Vec<OutboxEntry>,
    /// The tickets as stored after the turn.
    pub tickets: Vec<Ticket>,
    /// Whether anything was written (a turn that changes nothing is not).
    pub wrote: bool,
    /// People whose data the turn erased (`platform:id`): once its messages are delivered, the
    /// process calls [`crate::store::Store::finish_erasure`] for each.
    pub erased: Vec<String>,
}

impl Committed {
    /// Whether the turn wrote nothing (it changed nothing).
    pub fn is_empty(&self) -> bool {
        self.outbox.is_empty() && self.tickets.is_empty() && !self.wrote
    }

    /// The actions of the turn, in order.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.outbox.iter().map(|e| &e.action)
    }
}
