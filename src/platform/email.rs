//! E-mail to vendors (tiers L4/L5) through `[smtp]`: the desk writes each case to the outbox in
//! the turn that sent it, and this worker hands it to the mail server with lettre, retrying with
//! the outbox's backoff until the server accepts it. Every retry carries the same `Message-ID`,
//! so a mail system that saw an attempt succeed can drop the repeat.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpSettings, SmtpTls};
use crate::desk::{Action, OutboxEntry, Placed};
use crate::platform::worker::Deliver;
use crate::tickets::Platform;

/// How long one attempt may take before it counts as failed (and is retried).
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct EmailDelivery {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The right-hand side of Message-IDs: the sender's domain.
    domain: String,
}

impl EmailDelivery {
    /// The mail server of `[smtp]`, with the password read from the environment; a password
    /// variable that is not set is an error naming it.
    pub fn from_env(smtp: &SmtpSettings) -> anyhow::Result<EmailDelivery> {
        let from: Mailbox = smtp
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("[smtp] from `{}`: {e}", smtp.from))?;
        let domain = from.email.domain().to_string();
        let builder = match smtp.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
            SmtpTls::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                    .map_err(|e| anyhow::anyhow!("[smtp] host `{}`: {e}", smtp.host))?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
                .map_err(|e| anyhow::anyhow!("[smtp] host `{}`: {e}", smtp.host))?,
        };
        let mut builder = builder
            .port(smtp.port)
            .timeout(Some(TIMEOUT))
            .hello_name(ClientId::Domain(domain.clone()));
        if let (Some(user), Some(var)) = (&smtp.username, &smtp.password_env) {
            let password = std::env::var(var)
                .ok()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{var} is not set: the password of the mail server ([smtp] password_env)"
                    )
                })?;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(EmailDelivery {
            transport: builder.build(),
            from,
            domain,
        })
    }
}

/// `T-1042:vendor:acme:1` as a Message-ID's left part (dot-atom: no colons).
fn message_id(id: &str, domain: &str) -> String {
    let left: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '.'
            }
        })
        .collect();
    format!("<{left}@{domain}>")
}

impl Deliver for EmailDelivery {
    fn platform(&self) -> Platform {
        Platform::Email
    }

    /// No handler sends e-mail as its turn commits: the worker takes entries at once.
    fn fresh_grace(&self) -> Duration {
        Duration::ZERO
    }

    async fn deliver(&self, entry: &OutboxEntry) -> Result<Option<Placed>, String> {
        let Action::Email {
            to,
            subject,
            body,
            message_id: id,
        } = &entry.action
        else {
            return Err(format!("not an e-mail: {}", entry.action.summary()));
        };
        let to: Mailbox = to.parse().map_err(|e| format!("e-mail to `{to}`: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.clone())
            .subject(subject.clone())
            .message_id(Some(message_id(id, &self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(body.clone())
            .map_err(|e| format!("e-mail to {to}: {e}"))?;
        self.transport
            .send(message)
            .await
            .map_err(|e| format!("e-mail to {to}: {e}"))?;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn message_ids_are_dot_atoms() {
        assert_eq!(
            super::message_id("T-1042:vendor:acme:1", "example.com"),
            "<T-1042.vendor.acme.1@example.com>"
        );
    }
}
