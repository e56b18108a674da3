//! The core in process: the triage decision table and robustness inputs, the desk's table of
//! turns (events in, outbox actions and log records out) on a temporary store, and the redaction
//! table.

#[path = "../common/mod.rs"]
mod common;

mod approvals;
mod automation_rules;
mod balance;
mod calendar_table;
mod card_table;
mod charging;
mod charts;
mod desk_conversations;
mod desk_table;
mod privacy;
mod redact_table;
mod reports;
mod security_table;
mod sla_clocks;
mod stats;
mod triage_robustness;
mod triage_table;
mod triage_understanding;
mod vendor_tiers;
mod visits;
