//! The store: the conformance suite every `Store` implementation runs, crash durability (a
//! process SIGKILLed while opening tickets, commands killed while they open the store), faults
//! (unfinished snapshots, lost tickets, a full disk), backups, restores and `verify`, and
//! concurrency.

mod store_backup;
mod store_concurrency;
mod store_conformance;
mod store_durability;
mod store_faults;
mod store_kill;
mod store_time;
mod store_timers;
mod support;
