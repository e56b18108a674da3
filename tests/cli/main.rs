//! The command line as people use it: the binary run with scripted input on temporary data
//! directories (chat and agent stories in English and Polish, hostile input, the `tickets`,
//! `outbox` and `events` contracts, pack and configuration errors, `frontline run` start-up
//! errors, `eval`, setting up: a moved binary, `init`, `config check`, the README's Discord
//! configuration, `--help`). One test binary: each links the whole crate.

#[path = "../common/mod.rs"]
mod common;

mod approvals;
mod automations;
mod calendar;
mod chat_conversations;
mod cli;
mod cli_eval;
mod contracts;
mod demo;
mod desk_bad_input;
mod desk_stories;
mod pack_errors;
mod privacy;
mod report;
mod run_cli;
mod security;
mod setup;
mod terminal_safety;
mod timers;
mod vendors;
mod visits;
