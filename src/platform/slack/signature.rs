//! Slack's request signing (v0): every request Slack sends carries `X-Slack-Request-Timestamp` and
//! `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">` keyed with the app's
//! signing secret. Checked on the raw bytes before anything is parsed; the comparison is constant
//! time (`ring::hmac::verify`), and a timestamp more than five minutes from now is refused so a
//! captured request cannot be replayed later.

use ring::hmac;

/// How far a request's timestamp may be from this machine's clock.
pub const MAX_SKEW_SECS: i64 = 300;

/// Why a request was refused (logged; the sender only sees 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("no X-Slack-Request-Timestamp or X-Slack-Signature header")]
    MissingHeaders,
    #[error("the timestamp `{0}` is not a number")]
    BadTimestamp(String),
    #[error("the timestamp is {0} s away from this machine's clock (at most 300)")]
    Stale(i64),
    #[error("the signature is not `v0=` and 64 hex digits")]
    Malformed,
    #[error("the signature does not match the signing secret")]
    Mismatch,
}

/// The signing secret, ready to check requests with.
pub struct Verifier {
    key: hmac::Key,
}

impl Verifier {
    pub fn new(secret: &str) -> Verifier {
        Verifier {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()),
        }
    }

    /// Checks one request: its headers' values (`None` when absent), its raw body and the time
    /// now (seconds since the epoch; the caller reads the clock).
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now_secs: i64,
    ) -> Result<(), Refused> {
        let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
            return Err(Refused::MissingHeaders);
        };
        let ts: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| Refused::BadTimestamp(timestamp.chars().take(20).collect()))?;
        let skew = now_secs.saturating_sub(ts);
        if skew.abs() > MAX_SKEW_SECS {
            return Err(Refused::Stale(skew));
        }
        let mac = signature
            .strip_prefix("v0=")
            .and_then(decode_hex)
            .filter(|m| m.len() == 32)
            .ok_or(Refused::Malformed)?;
        let mut signed = Vec::with_capacity(body.len() + 24);
        signed.extend_from_slice(b"v0:");
        signed.extend_from_slice(timestamp.trim().as_bytes());
        signed.push(b':');
        signed.extend_from_slice(body);
        hmac::verify(&self.key, &signed, &mac).map_err(|_| Refused::Mismatch)
    }
}

/// `v0=<hex>` for `body` at `timestamp` (what Slack sends; the load client and tests sign with it).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = format!("v0:{timestamp}:").into_bytes();
    signed.extend_from_slice(body);
    let tag = hmac::sign(&key, &signed);
    let mut out = String::from("v0=");
    for b in tag.as_ref() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slack's documented example ("Verifying requests from Slack").
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: i64 = 1531420618;
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn slacks_documented_example_signs_and_verifies() {
        assert_eq!(sign(SECRET, TS, BODY.as_bytes()), SIGNATURE);
        let v = Verifier::new(SECRET);
        let ts = TS.to_string();
        assert_eq!(
            v.verify(Some(&ts), Some(SIGNATURE), BODY.as_bytes(), TS + 10),
            Ok(())
        );
    }

    #[test]
    fn every_way_a_request_is_refused() {
        let v = Verifier::new(SECRET);
        let ts = TS.to_string();
        let body = BODY.as_bytes();
        assert_eq!(
            v.verify(None, Some(SIGNATURE), body, TS),
            Err(Refused::MissingHeaders)
        );
        assert_eq!(
            v.verify(Some(&ts), None, body, TS),
            Err(Refused::MissingHeaders)
        );
        assert!(matches!(
            v.verify(Some("soon"), Some(SIGNATURE), body, TS),
            Err(Refused::BadTimestamp(_))
        ));
        assert_eq!(
            v.verify(Some(&ts), Some(SIGNATURE), body, TS + 301),
            Err(Refused::Stale(301))
        );
        assert_eq!(
            v.verify(Some(&ts), Some(SIGNATURE), body, TS - 301),
            Err(Refused::Stale(-301))
        );
        assert_eq!(
            v.verify(Some(&ts), Some("v1=abc"), body, TS),
            Err(Refused::Malformed)
        );
        assert_eq!(
            v.verify(Some(&ts), Some("v0=zz"), body, TS),
            Err(Refused::Malformed)
        );
        let mut tampered = body.to_vec();
        tampered[0] = b'T';
        assert_eq!(
            v.verify(Some(&ts), Some(SIGNATURE), &tampered, TS),
            Err(Refused::Mismatch)
        );
        assert_eq!(
            Verifier::new("another secret").verify(Some(&ts), Some(SIGNATURE), body, TS),
            Err(Refused::Mismatch)
        );
    }
}
