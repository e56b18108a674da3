//! Discord end to end: the mock Discord in `tests/mock_discord` (REST and gateway on 127.0.0.1)
//! driven by the real serenity client (the adapter's stories and the mock's smoke test) and by the
//! real binary (`frontline run`, SIGKILLed and restarted in the crash-safety test; the terminal
//! commands running inside it through its control socket; failing fast at start-up; stopping
//! when the disk fills and answering again once restarted; serving /healthz and /metrics).

#[path = "../mock_discord/mod.rs"]
mod mock_discord;

mod approvals;
mod balance;
mod bot_process;
mod control_socket;
mod crash_safety;
mod discord_e2e;
mod discord_mock_smoke;
mod disk_full;
mod fail_fast;
mod observability;
mod stats;
mod visits;
