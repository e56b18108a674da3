//! The core in process: the triage decision table and robustness inputs, and the desk's table of
//! turns (events in, outbox actions and log records out) on a temporary store.

#[path = "../common/mod.rs"]
mod common;

mod desk_table;
mod triage_robustness;
mod triage_table;
mod triage_understanding;
