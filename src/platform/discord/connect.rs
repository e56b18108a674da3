//! Connecting to Discord, and knowing whether we are. Before the gateway client starts, the
//! token and the addresses are checked over REST (`GET /users/@me`, `GET /gateway/bot`) and the
//! gateway's address is tried, so a rejected token or an unreachable API is one sentence naming
//! the cause and the address, within seconds, instead of a client retrying forever. The first
//! READY must then come within the start-up budget; after it, lost connections are retried as
//! serenity does. [`Link`] is the connection's state as `/healthz` reads it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serenity::all::{ConnectionStage, ShardManager};
use serenity::http::{Http, HttpError};
use tokio::time::Instant;

use crate::platform::observe::{CheckFuture, Connectivity};
use crate::platform::terminal;
use crate::tickets::Platform;

/// How long a start may take, from the first REST call to the first READY.
pub const START_BUDGET: Duration = Duration::from_secs(25);
/// One REST call or the gateway's TCP connect, at most.
const STEP: Duration = Duration::from_secs(10);

/// Where the REST API is: the configured `api_base` or Discord's.
pub fn api_base(configured: Option<&str>) -> String {
    configured
        .unwrap_or("https://discord.com")
        .trim_end_matches('/')
        .to_string()
}

/// What the REST checks learned.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// The gateway's address, as Discord gave it.
    pub url: String,
    /// The shard count Discord recommends.
    pub shards: u32,
}

/// Checks the token and the API, then that the gateway's address takes a connection; errors are
/// one sentence naming the cause and the address.
pub async fn preflight(http: &Http, base: &str, deadline: Instant) -> Result<Gateway, String> {
    let me = format!("{base}/api/v10/users/@me");
    let user = within(deadline, &me, http.get_current_user()).await?;
    tracing::debug!("the token belongs to {}", user.name);
    let bot = format!("{base}/api/v10/gateway/bot");
    let gateway = within(deadline, &bot, http.get_bot_gateway()).await?;
    if gateway.session_start_limit.remaining == 0 {
        return Err(format!(
            "Discord allows no more gateway sessions for this bot for {} s (from {bot}): wait, or check what else uses the token",
            gateway.session_start_limit.reset_after.div_ceil(1000)
        ));
    }
    reach(&gateway.url, deadline).await?;
    Ok(Gateway {
        url: gateway.url,
        shards: gateway.shards.max(1),
    })
}

/// A REST call within the deadline, its failure in words.
async fn within<T>(
    deadline: Instant,
    url: &str,
    call: impl Future<Output = serenity::Result<T>>,
) -> Result<T, String> {
    let started = Instant::now();
    let until = deadline.min(started + STEP);
    match tokio::time::timeout_at(until, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(rest_error(&e, url)),
        Err(_) => Err(format!(
            "the Discord API did not answer within {} s ({url}): check the network and [discord] api_base",
            until.saturating_duration_since(started).as_secs().max(1)
        )),
    }
}

/// A failed REST call as one sentence for the person starting the bot.
pub fn rest_error(e: &serenity::Error, url: &str) -> String {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) if r.status_code == 401 => {
            format!("Discord rejected the bot token (401 from {url}): check DISCORD_TOKEN")
        }
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => format!(
            "the Discord API answered {} from {url}: {}",
            r.status_code.as_u16(),
            terminal::line(&r.error.message)
        ),
        serenity::Error::Http(HttpError::Request(e)) => {
            format!("cannot reach the Discord API at {url}: {}", root_cause(e))
        }
        other => format!("the Discord API at {url} failed: {other}"),
    }
}

/// The innermost cause of an error ("Connection refused (os error 111)", "failed to lookup
/// address information: ..."): the outer layers only say that a request failed.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    terminal::line(&cause.to_string())
}

/// `host:port` of a `ws://` or `wss://` address.
fn host_port(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme {
        "ws" | "http" => 80,
        "wss" | "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if authority.is_empty() {
        return None;
    }
    // `[::1]:8080`, `[::1]`, `host:8080`, `host`.
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().ok()?,
                None if after.is_empty() => default,
                None => return None,
            };
            (host.to_string(), port)
        }
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()?),
            None => (authority.to_string(), default),
        },
    };
    Some((host, port))
}

/// Whether the gateway's address takes a TCP connection: the client itself would retry a
/// refused one every 5 s forever.
async fn reach(url: &str, deadline: Instant) -> Result<(), String> {
    let Some((host, port)) = host_port(url) else {
        return Err(format!(
            "Discord gave a gateway address that is not a ws:// or wss:// URL: {}",
            terminal::line(url)
        ));
    };
    let until = deadline.min(Instant::now() + STEP);
    match tokio::time::timeout_at(until, tokio::net::TcpStream::connect((host.as_str(), port)))
        .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "cannot reach the Discord gateway at {}: {}",
            terminal::line(url),
            root_cause(&e)
        )),
        Err(_) => Err(format!(
            "the Discord gateway at {} did not take a connection in time",
            terminal::line(url)
        )),
    }
}

/// A gateway error that ends a start (or a running bot) for good, as one sentence.
pub fn gateway_error(e: &serenity::Error, url: &str) -> String {
    use serenity::gateway::GatewayError;
    match e {
        serenity::Error::Gateway(GatewayError::InvalidAuthentication) => format!(
            "Discord rejected the bot token (gateway close code 4004 from {url}): check DISCORD_TOKEN"
        ),
        serenity::Error::Gateway(GatewayError::DisallowedGatewayIntents) => format!(
            "Discord refused the privileged gateway intents (close code 4014 from {url}): enable MESSAGE CONTENT INTENT under Bot → Privileged Gateway Intents in the developer portal"
        ),
        serenity::Error::Gateway(GatewayError::InvalidGatewayIntents) => {
            format!("Discord refused the gateway intents as invalid (close code 4013 from {url})")
        }
        other => format!("the Discord connection ({url}) ended: {other}"),
    }
}

/// The gateway connection's state: READY seen, and every shard connected now.
pub struct Link {
    ready: tokio::sync::watch::Sender<bool>,
    manager: OnceLock<Arc<ShardManager>>,
    shards: AtomicU32,
}

impl Default for Link {
    fn default() -> Self {
        Link {
            ready: tokio::sync::watch::channel(false).0,
            manager: OnceLock::new(),
            shards: AtomicU32::new(1),
        }
    }
}

impl Link {
    pub fn new() -> Arc<Link> {
        Arc::new(Link::default())
    }

    /// The client's shards, and how many there should be.
    pub fn attach(&self, manager: Arc<ShardManager>, shards: u32) {
        let _ = self.manager.set(manager);
        self.shards.store(shards, Ordering::Relaxed);
    }

    /// A shard received READY.
    pub fn ready(&self) {
        self.ready.send_replace(true);
    }

    /// Resolves at the first READY.
    pub async fn first_ready(&self) {
        let mut rx = self.ready.subscribe();
        let _ = rx.wait_for(|r| *r).await;
    }

    /// `Ok` when every shard is connected; else how many are.
    pub async fn state(&self) -> Result<(), String> {
        if !*self.ready.borrow() {
            return Err("not connected yet (no READY from the gateway)".into());
        }
        let Some(manager) = self.manager.get() else {
            return Err("no gateway client".into());
        };
        let expected = self.shards.load(Ordering::Relaxed);
        let connected = manager
            .runners
            .lock()
            .await
            .values()
            .filter(|r| r.stage == ConnectionStage::Connected)
            .count() as u32;
        if connected >= expected {
            Ok(())
        } else {
            Err(format!(
                "disconnected: {connected} of {expected} gateway shards connected"
            ))
        }
    }
}

impl Connectivity for Link {
    fn platform(&self) -> Platform {
        Platform::Discord
    }

    fn check(&self) -> CheckFuture<'_> {
        Box::pin(self.state())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_addresses_give_host_and_port() {
        let check = |url: &str, want: Option<(&str, u16)>| {
            assert_eq!(
                host_port(url),
                want.map(|(h, p)| (h.to_string(), p)),
                "{url}"
            );
        };
        check(
            "wss://gateway.discord.gg",
            Some(("gateway.discord.gg", 443)),
        );
        check("ws://127.0.0.1:4321/gateway", Some(("127.0.0.1", 4321)));
        check("wss://gw.example:8443/?v=10", Some(("gw.example", 8443)));
        check("ws://[::1]:9000/gateway", Some(("::1", 9000)));
        check("wss://[::1]", Some(("::1", 443)));
        check("https://discord.com", Some(("discord.com", 443)));
        check("gateway.discord.gg", None);
        check("ftp://x", None);
        check("ws://host:notaport", None);
        check("ws://", None);
    }
}
