//! `frontline run` fails fast at start-up: a token the mock Discord rejects, an API address where
//! nothing listens, privileged intents refused at the gateway, or a gateway that never says READY
//! each end the process with exit code 1 and one line on stderr that starts with `error:` and
//! names the cause and the address (regression: the bot retried forever, printing serenity's
//! coloured WARN every 5 s). Output is not a terminal here, so it must hold no colour codes.

use crate::bot_process::{BotProcess, has_escape};
use crate::discord_e2e::config_toml;
use crate::mock_discord::{MockConfig, MockDiscord};

/// The one thing the bot printed: exactly one line, on stderr, starting with `error:`, and no
/// escape sequence anywhere.
async fn only_error_line(bot: &mut BotProcess) -> String {
    let status = bot.exit().await;
    assert_eq!(status.code(), Some(1), "{}", bot.output());
    let lines: Vec<String> = bot
        .stderr()
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got:\n{}", bot.output());
    assert!(bot.stdout().is_empty(), "{}", bot.output());
    let line = lines[0].clone();
    assert!(line.starts_with("error: "), "{line}");
    assert!(!has_escape(&line), "colour codes in {line:?}");
    line
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_one_error_naming_the_token_and_the_address() {
    let mock = MockDiscord::start_with(MockConfig {
        token: Some("the-real-token".into()),
        ..MockConfig::default()
    })
    .await;
    let mut bot = BotProcess::start(&config_toml(&mock), "an-old-token", &[]);
    let line = only_error_line(&mut bot).await;
    let address = format!("{}/api/v10/users/@me", mock.api_base());
    assert_eq!(
        line,
        format!("error: Discord rejected the bot token (401 from {address}): check DISCORD_TOKEN")
    );
    assert_eq!(
        mock.identify_count(),
        0,
        "no gateway session with a bad token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_address_where_nothing_listens_is_one_error_naming_it() {
    let mock = MockDiscord::start().await;
    // A port that was free a moment ago, and now has no listener.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", l.local_addr().expect("address"))
    };
    let config = config_toml(&mock).replace(&mock.api_base(), &dead);
    let mut bot = BotProcess::start(&config, "mock-token", &[]);
    let line = only_error_line(&mut bot).await;
    let address = format!("{dead}/api/v10/users/@me");
    assert!(
        line.starts_with(&format!(
            "error: cannot reach the Discord API at {address}: "
        )),
        "{line}"
    );
    assert!(line.to_lowercase().contains("connection refused"), "{line}");
    assert!(mock.requests().is_empty(), "nothing went to the mock");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileged_intents_refused_at_the_gateway_are_one_error_saying_what_to_enable() {
    let mock = MockDiscord::start_with(MockConfig {
        privileged_intents: false,
        ..MockConfig::default()
    })
    .await;
    let mut bot = BotProcess::start(&config_toml(&mock), "mock-token", &[]);
    let line = only_error_line(&mut bot).await;
    assert_eq!(
        line,
        format!(
            "error: Discord refused the privileged gateway intents (close code 4014 from {}): enable MESSAGE CONTENT INTENT under Bot → Privileged Gateway Intents in the developer portal",
            mock.gateway_url()
        )
    );
    assert_eq!(mock.identify_count(), 1, "one IDENTIFY, no retries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_never_says_ready_is_one_error_naming_it() {
    let mock = MockDiscord::start().await;
    // The address takes TCP connections but drops them before the WebSocket handshake.
    mock.gateway_down();
    let mut bot = BotProcess::start(&config_toml(&mock), "mock-token", &[]);
    let line = only_error_line(&mut bot).await;
    assert!(
        line.starts_with(&format!(
            "error: no READY from the Discord gateway at {} within ",
            mock.gateway_url()
        )),
        "{line}"
    );
}
