//! The platform adapters. Each translates its payloads into desk [`crate::desk::Incoming`]
//! events and performs its platform's outbox entries; none holds a business rule. They change the
//! store only through [`crate::desk::Desk::process`] and the delivery records of [`worker`] (the
//! local terminals also read it for their listings: queues, tickets, a person's waiting messages).

pub mod control;
pub mod discord;
pub mod local;
pub mod observe;
pub mod slack;
pub mod terminal;
pub mod worker;
