//! frontline: the L1 line of an IT support desk.
//!
//! - The core, platform-neutral and free of I/O and clock reads: [`triage`] (text → decision),
//!   [`desk`] (events → turns), [`tickets`] (the ticket state machine), [`pack`] and [`config`]
//!   (data, validated at load), and the [`store`] trait with its sled implementation.
//! - [`platform`]: the adapters (local terminals, Discord) that turn payloads into desk events and
//!   deliver their platform's outbox.
//! - [`tooling`]: evaluation, benchmarks and generated packs, apart from the core.

pub mod clocks;
pub mod config;
pub mod contracts;
pub mod desk;
pub mod pack;
pub mod platform;
pub mod privacy;
pub mod reports;
pub mod security;
pub mod setup;
pub mod store;
pub mod tickets;
pub mod tooling;
pub mod triage;
