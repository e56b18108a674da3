//! Slack end to end: the mock Slack in `tests/mock_slack` (Web API, Socket Mode, and the signed
//! requests Slack sends to an app) on 127.0.0.1, proven first by its own smoke test with plain
//! HTTP and WebSocket clients.

#[path = "../mock_slack/mod.rs"]
mod mock_slack;

#[path = "../mock_discord/mod.rs"]
#[allow(unused_imports)]
mod mock_discord;

mod approvals;
mod balance;
mod bot;
mod cross;
mod mock_slack_smoke;
mod native;
mod phishing;
mod privacy;
mod stats;
mod story;
mod vendors;
mod visits;
