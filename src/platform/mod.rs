//! The platform adapters. Each translates its payloads into desk [`crate::desk::Incoming`]
//! events and performs its platform's outbox entries; none holds a business rule or touches the
//! store except through [`crate::desk::Desk::process`] and the outbox calls of [`worker`].

pub mod discord;
pub mod local;
pub mod worker;
