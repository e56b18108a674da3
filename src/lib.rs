//! frontline: the L1 line of an IT support desk. The library holds the platform-neutral core; the
//! binary wires it to the terminal (and, later, to Discord and Slack).

pub mod bench;
pub mod config;
pub mod desk;
pub mod discord;
pub mod eval;
pub mod local;
pub mod pack;
pub mod store;
pub mod synth;
pub mod tickets;
pub mod triage;
