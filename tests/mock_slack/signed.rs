//! What Slack sends to an app over HTTP: requests signed with the signing secret (v0:
//! HMAC-SHA256 over `v0:{timestamp}:{body}`), to the app's events, interactivity and slash-command
//! URLs. `raw` sends anything at all, for the hostile-input tests.

use std::time::{SystemTime, UNIX_EPOCH};

use ring::hmac;
use serde_json::Value;

/// Slack's `X-Slack-Signature` for `body` sent at `timestamp` (Unix seconds):
/// `v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(format!("v0:{timestamp}:").as_bytes());
    ctx.update(body);
    let tag = ctx.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("v0={hex}")
}

/// Now, in Unix seconds, as Slack stamps a request.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Sends signed requests to the app under test at `base` (`http://127.0.0.1:PORT`), as Slack
/// does. Requests panic only if the app cannot be reached at all.
pub struct SlackClient {
    pub base: String,
    pub secret: String,
    http: reqwest::Client,
}

impl SlackClient {
    pub fn new(base: impl Into<String>, secret: impl Into<String>) -> Self {
        let base = base.into().trim_end_matches('/').to_string();
        Self {
            base,
            secret: secret.into(),
            http: reqwest::Client::new(),
        }
    }

    /// POST /slack/events with an Events API body (an `event_callback` or `url_verification`).
    pub async fn event(&self, json: &Value) -> reqwest::Response {
        self.event_retry(json, 0, "").await
    }

    /// [`Self::event`] as Slack retries it: `X-Slack-Retry-Num: retry_num` and
    /// `X-Slack-Retry-Reason: reason` (`http_timeout`, `http_error`); 0 sends neither.
    pub async fn event_retry(
        &self,
        json: &Value,
        retry_num: u32,
        reason: &str,
    ) -> reqwest::Response {
        let mut headers = Vec::new();
        if retry_num > 0 {
            headers.push(("X-Slack-Retry-Num".to_string(), retry_num.to_string()));
            headers.push(("X-Slack-Retry-Reason".to_string(), reason.to_string()));
        }
        let body = json.to_string().into_bytes();
        self.signed(
            "/slack/events",
            "application/json",
            body,
            unix_now(),
            headers,
        )
        .await
    }

    /// POST /slack/interactive with the form field `payload` holding the JSON, as Slack sends
    /// block actions, view submissions and shortcuts.
    pub async fn interactive(&self, payload: &Value) -> reqwest::Response {
        let body = form(&[("payload", payload.to_string().as_str())]);
        self.signed(
            "/slack/interactive",
            "application/x-www-form-urlencoded",
            body,
            unix_now(),
            Vec::new(),
        )
        .await
    }

    /// POST /slack/commands with the slash command's form fields.
    pub async fn command(&self, fields: &[(&str, &str)]) -> reqwest::Response {
        self.signed(
            "/slack/commands",
            "application/x-www-form-urlencoded",
            form(fields),
            unix_now(),
            Vec::new(),
        )
        .await
    }

    /// [`Self::command`] with the fields of a [`super::slash_command`] object.
    pub async fn command_json(&self, fields: &Value) -> reqwest::Response {
        let pairs: Vec<(String, String)> = fields
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.command(&refs).await
    }

    /// POST `path` with `body` signed at `timestamp` (Unix seconds; a stale one for replay tests)
    /// and `headers` added after the signature headers.
    pub async fn signed(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        timestamp: i64,
        headers: Vec<(String, String)>,
    ) -> reqwest::Response {
        let mut all = vec![
            (
                "X-Slack-Request-Timestamp".to_string(),
                timestamp.to_string(),
            ),
            (
                "X-Slack-Signature".to_string(),
                sign(&self.secret, timestamp, &body),
            ),
        ];
        all.extend(headers);
        self.raw(path, content_type, body, all).await
    }

    /// POST `path` with exactly these headers and body: nothing signed, nothing added.
    pub async fn raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
    ) -> reqwest::Response {
        let url = format!("{}{path}", self.base);
        let mut req = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send()
            .await
            .unwrap_or_else(|e| panic!("SlackClient: POST {url} failed: {e}"))
    }
}

/// A form body (`application/x-www-form-urlencoded`).
pub fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish().into_bytes()
}

/// The status and body text of an answer (the app's ack, a challenge, an error).
pub async fn body_text(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, text)
}
