//! The Slack Web API, as much of it as the adapter uses: `chat.postMessage`, `chat.update`,
//! `chat.postEphemeral`, `conversations.open`, `views.open`, `views.publish`, `users.info`,
//! `conversations.replies`, `usergroups.list`, `auth.test` and `apps.connections.open`. Write
//! methods get JSON POSTs; read methods (`users.info`, `conversations.replies`, `usergroups.list`)
//! do not read JSON bodies, so they get form-encoded ones. The token goes as a bearer; Slack answers HTTP 200
//! with `ok: false` and an `error` code for refusals, and HTTP 429 with `Retry-After` when a
//! method's rate limit is reached: the call then waits that long (per method, so one busy method
//! does not hold the others) and is made again, a few times.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

/// Slack's own Web API.
pub const DEFAULT_BASE: &str = "https://slack.com/api/";
/// How often a rate-limited call is made again before it is reported as an error (the outbox
/// then retries the entry after its own backoff).
const RATE_LIMIT_TRIES: u32 = 3;
/// The longest `Retry-After` waited for inside one call.
const LONGEST_WAIT: Duration = Duration::from_secs(60);
/// One call's time limit.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A refused or failed call, as a sentence for the log and the outbox's `last_error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// `ok: false` with Slack's error code (`channel_not_found`, `invalid_auth`, ...).
    #[error("Slack refused {method}: {code}")]
    Refused { method: String, code: String },
    #[error("Slack rate-limited {method} {tries} times in a row")]
    RateLimited { method: String, tries: u32 },
    #[error("cannot reach the Slack API at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("Slack answered {method} with HTTP {status}")]
    Status { method: String, status: u16 },
}

impl ApiError {
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

pub struct SlackApi {
    http: reqwest::Client,
    base: String,
    token: String,
    /// Per method, not before this instant (after a 429); a std mutex held only to read or write.
    resume: Mutex<HashMap<String, Instant>>,
}

/// `base` with exactly one trailing `/` (`https://slack.com/api/`).
pub fn normalise_base(base: &str) -> String {
    format!("{}/", base.trim_end_matches('/'))
}

impl SlackApi {
    /// A client for the Web API at `base` (`None`: Slack's own) with `token` (a bot token `xoxb-`
    /// or, for `apps.connections.open`, an app token `xapp-`).
    pub fn new(base: Option<&str>, token: &str) -> SlackApi {
        SlackApi {
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .build()
                .unwrap_or_default(),
            base: normalise_base(base.unwrap_or(DEFAULT_BASE)),
            token: token.to_string(),
            resume: Mutex::new(HashMap::new()),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The same API with another token (the app token for Socket Mode).
    pub fn with_token(&self, token: &str) -> SlackApi {
        SlackApi {
            http: self.http.clone(),
            base: self.base.clone(),
            token: token.to_string(),
            resume: Mutex::new(HashMap::new()),
        }
    }

    /// Calls a write `method` with `args` (a JSON object); the whole answer when `ok` is true.
    pub async fn call(&self, method: &str, args: &Value) -> Result<Value, ApiError> {
        self.request(method, Body::Json(args)).await
    }

    /// Calls a read `method` with form-encoded `args` (read methods ignore JSON bodies).
    pub async fn read(&self, method: &str, args: &[(&str, &str)]) -> Result<Value, ApiError> {
        self.request(method, Body::Form(args)).await
    }

    async fn request(&self, method: &str, body: Body<'_>) -> Result<Value, ApiError> {
        let url = format!("{}{method}", self.base);
        let mut tries = 0;
        loop {
            let wait = self
                .resume
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(method)
                .copied();
            if let Some(at) = wait {
                tokio::time::sleep_until(at).await;
            }
            let request = self.http.post(&url).bearer_auth(&self.token);
            let request = match body {
                Body::Json(args) => request.json(args),
                Body::Form(args) => request.form(args),
            };
            let response = request.send().await.map_err(|e| ApiError::Unreachable {
                url: url.clone(),
                detail: without_url(&e),
            })?;
            let status = response.status().as_u16();
            if status == 429 {
                tries += 1;
                let after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(Duration::from_secs(1), Duration::from_secs)
                    .min(LONGEST_WAIT);
                tracing::warn!(method, retry_after_s = after.as_secs(), "Slack rate limit");
                self.resume
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(method.to_string(), Instant::now() + after);
                if tries >= RATE_LIMIT_TRIES {
                    return Err(ApiError::RateLimited {
                        method: method.into(),
                        tries,
                    });
                }
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(ApiError::Status {
                    method: method.into(),
                    status,
                });
            }
            let body: Value = response.json().await.map_err(|e| ApiError::Unreachable {
                url: url.clone(),
                detail: without_url(&e),
            })?;
            if body["ok"] == true {
                return Ok(body);
            }
            return Err(ApiError::Refused {
                method: method.into(),
                code: body["error"]
                    .as_str()
                    .unwrap_or("unknown error")
                    .to_string(),
            });
        }
    }

    /// Posts a message; its `ts`.
    pub async fn post_message(&self, args: Value) -> Result<String, ApiError> {
        let r = self.call("chat.postMessage", &args).await?;
        Ok(r["ts"].as_str().unwrap_or_default().to_string())
    }

    pub async fn update(&self, args: Value) -> Result<(), ApiError> {
        self.call("chat.update", &args).await.map(|_| ())
    }

    pub async fn post_ephemeral(&self, args: Value) -> Result<(), ApiError> {
        self.call("chat.postEphemeral", &args).await.map(|_| ())
    }

    /// Uploads a file and shares it in `channel` (Slack's external upload: ask for an upload
    /// URL, POST the bytes there, complete the upload into the channel); the file's id.
    pub async fn upload_file(
        &self,
        channel: &str,
        filename: &str,
        title: &str,
        bytes: &[u8],
    ) -> Result<String, ApiError> {
        let length = bytes.len().to_string();
        let r = self
            .read(
                "files.getUploadURLExternal",
                &[
                    ("filename", filename),
                    ("length", &length),
                    ("alt_txt", title),
                ],
            )
            .await?;
        let (Some(url), Some(id)) = (r["upload_url"].as_str(), r["file_id"].as_str()) else {
            return Err(ApiError::Refused {
                method: "files.getUploadURLExternal".into(),
                code: "no upload_url in the answer".into(),
            });
        };
        let response = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(|e| ApiError::Unreachable {
                url: "the file upload URL".into(),
                detail: without_url(&e),
            })?;
        if !response.status().is_success() {
            return Err(ApiError::Status {
                method: "file upload".into(),
                status: response.status().as_u16(),
            });
        }
        self.call(
            "files.completeUploadExternal",
            &json!({ "files": [{ "id": id, "title": title }], "channel_id": channel }),
        )
        .await?;
        Ok(id.to_string())
    }

    /// The DM channel with `user`.
    pub async fn open_dm(&self, user: &str) -> Result<String, ApiError> {
        let r = self
            .call("conversations.open", &json!({ "users": user }))
            .await?;
        Ok(r["channel"]["id"].as_str().unwrap_or_default().to_string())
    }

    pub async fn open_view(&self, trigger_id: &str, view: Value) -> Result<(), ApiError> {
        self.call(
            "views.open",
            &json!({ "trigger_id": trigger_id, "view": view }),
        )
        .await
        .map(|_| ())
    }

    /// Publishes `user`'s App Home tab.
    pub async fn publish_home(&self, user: &str, view: Value) -> Result<(), ApiError> {
        self.call("views.publish", &json!({ "user_id": user, "view": view }))
            .await
            .map(|_| ())
    }

    /// The thread `ts` in `channel` belongs to (or starts), the parent first, at most `limit`
    /// messages; `ts` alone when it is in no thread.
    pub async fn thread(
        &self,
        channel: &str,
        ts: &str,
        limit: usize,
    ) -> Result<Vec<ChannelMessage>, ApiError> {
        let limit = limit.to_string();
        let r = self
            .read(
                "conversations.replies",
                &[("channel", channel), ("ts", ts), ("limit", &limit)],
            )
            .await?;
        let field = |m: &Value, k: &str| m[k].as_str().unwrap_or_default().to_string();
        Ok(r["messages"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| ChannelMessage {
                        user: if m["bot_id"].is_null() {
                            field(m, "user")
                        } else {
                            String::new()
                        },
                        text: field(m, "text"),
                        ts: field(m, "ts"),
                        thread_ts: field(m, "thread_ts"),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Every user group of the workspace with its members: `(group id, user ids)`.
    pub async fn user_groups(&self) -> Result<Vec<(String, Vec<String>)>, ApiError> {
        let r = self
            .read("usergroups.list", &[("include_users", "true")])
            .await?;
        Ok(r["usergroups"]
            .as_array()
            .map(|g| {
                g.iter()
                    .map(|g| {
                        let users = g["users"]
                            .as_array()
                            .map(|u| {
                                u.iter()
                                    .filter_map(|u| u.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (g["id"].as_str().unwrap_or_default().to_string(), users)
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// A person's display name, else real name, else handle.
    pub async fn user_name(&self, user: &str) -> Result<String, ApiError> {
        let r = self.read("users.info", &[("user", user)]).await?;
        let u = &r["user"];
        Ok([
            &u["profile"]["display_name"],
            &u["profile"]["real_name"],
            &u["real_name"],
            &u["name"],
        ]
        .iter()
        .filter_map(|v| v.as_str())
        .find(|s| !s.trim().is_empty())
        .unwrap_or(user)
        .to_string())
    }

    /// The bot's own user id (`auth.test`): checks the token before anything else.
    pub async fn auth_test(&self) -> Result<String, ApiError> {
        let r = self.call("auth.test", &json!({})).await?;
        Ok(r["user_id"].as_str().unwrap_or_default().to_string())
    }

    /// A Socket Mode WebSocket URL (needs the app token).
    pub async fn connections_open(&self) -> Result<String, ApiError> {
        let r = self.call("apps.connections.open", &json!({})).await?;
        Ok(r["url"].as_str().unwrap_or_default().to_string())
    }
}

/// A message read back from a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMessage {
    /// The author's user id; empty for a bot's message.
    pub user: String,
    pub text: String,
    pub ts: String,
    /// The thread it is in (its own ts for a thread's parent); empty outside threads.
    pub thread_ts: String,
}

/// How a call's arguments travel.
#[derive(Clone, Copy)]
enum Body<'a> {
    Json(&'a Value),
    Form(&'a [(&'a str, &'a str)]),
}

/// A reqwest error without the URL (the caller names it once).
fn without_url(e: &reqwest::Error) -> String {
    let mut e = e.to_string();
    if let Some(i) = e.find(" for url (") {
        e.truncate(i);
    }
    e
}
