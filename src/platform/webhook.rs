//! Webhooks called by automation rules (`[automations.webhooks.NAME]`): the desk writes each call
//! to the outbox in the turn that decided it (the body fixed then), and this worker POSTs it,
//! retrying with the outbox's exponential backoff until the receiver answers 2xx. The desk never
//! waits for a receiver.
//!
//! Every request carries, for the receiver to check and deduplicate:
//! - `X-Frontline-Delivery`: the same id on every retry of one call;
//! - `X-Frontline-Timestamp`: Unix seconds when this attempt was sent;
//! - `X-Frontline-Signature`: `sha256=` and the hex HMAC-SHA256 of `"{timestamp}.{body}"` keyed
//!   with the webhook's secret (from the environment variable its `secret_env` names);
//! - `X-Frontline-Event`: `ticket.opened`, `ticket.sla_breach`...

use std::collections::BTreeMap;
use std::time::Duration;

use ring::hmac;

use crate::config::Webhook;
use crate::desk::{Action, OutboxEntry, Placed};
use crate::platform::worker::Deliver;
use crate::tickets::Platform;

/// How long one attempt may take before it counts as failed (and is retried).
const TIMEOUT: Duration = Duration::from_secs(10);

/// The signature header's value for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &[u8], timestamp: u64, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let tag = hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

struct Hook {
    url: String,
    secret: Vec<u8>,
}

pub struct WebhookDelivery {
    http: reqwest::Client,
    hooks: BTreeMap<String, Hook>,
}

impl WebhookDelivery {
    /// The webhooks of the configuration with their secrets read from the environment; a
    /// secret that is not set is an error naming the variable and the webhook.
    pub fn from_env(webhooks: &BTreeMap<String, Webhook>) -> anyhow::Result<WebhookDelivery> {
        let mut hooks = BTreeMap::new();
        for (name, w) in webhooks {
            let secret = std::env::var(&w.secret_env)
                .ok()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{} is not set: the signing secret of webhook `{name}` ([automations.webhooks.{name}] secret_env)",
                        w.secret_env
                    )
                })?;
            hooks.insert(
                name.clone(),
                Hook {
                    url: w.url.clone(),
                    secret: secret.into_bytes(),
                },
            );
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("frontline/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(WebhookDelivery { http, hooks })
    }
}

impl Deliver for WebhookDelivery {
    fn platform(&self) -> Platform {
        Platform::Webhook
    }

    /// No handler delivers webhook entries as its turn commits: the worker takes them at once.
    fn fresh_grace(&self) -> Duration {
        Duration::ZERO
    }

    async fn deliver(&self, entry: &OutboxEntry) -> Result<Option<Placed>, String> {
        let Action::Webhook {
            hook,
            delivery,
            body,
        } = &entry.action
        else {
            return Err(format!("not a webhook: {}", entry.action.summary()));
        };
        let Some(h) = self.hooks.get(hook) else {
            return Err(format!("no webhook `{hook}` in the configuration"));
        };
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let event = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["event"].as_str().map(str::to_string))
            .unwrap_or_default();
        let sent = self
            .http
            .post(&h.url)
            .header("content-type", "application/json")
            .header("x-frontline-delivery", delivery)
            .header("x-frontline-timestamp", timestamp.to_string())
            .header(
                "x-frontline-signature",
                signature(&h.secret, timestamp, body),
            )
            .header("x-frontline-event", event)
            .body(body.clone())
            .send()
            .await
            .map_err(|e| format!("webhook {hook}: {e}"))?;
        let status = sent.status();
        if status.is_success() {
            Ok(None)
        } else {
            Err(format!("webhook {hook}: the receiver answered {status}"))
        }
    }
}
