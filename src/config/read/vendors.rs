//! Tiers past the desk and the merged first line: `[[vendors]]` (L4 and L5, reached by e-mail or
//! by a webhook), `[smtp]` (the mail server the e-mail goes through) and a queue's `on_duty`
//! agent. Each mistake names its own line.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::Deserialize;
use toml::Spanned;

use super::{Checker, QueueFile, Text};
use crate::config::{Agent, SmtpSettings, SmtpTls, Vendor, VendorReach, Webhook};
use crate::tickets::Tier;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct VendorFile {
    id: Text,
    name: Text,
    tier: Text,
    email: Text,
    webhook: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct SmtpFile {
    host: Text,
    port: Option<Spanned<i64>>,
    tls: Text,
    from: Text,
    username: Text,
    password_env: Text,
}

/// Whether `s` is an e-mail address lettre can send to (`name@host`, or `Name <name@host>` when
/// `mailbox`).
fn is_address(s: &str, mailbox: bool) -> bool {
    if mailbox {
        lettre::message::Mailbox::from_str(s).is_ok()
    } else {
        lettre::Address::from_str(s).is_ok()
    }
}

fn is_env_name(v: &str) -> bool {
    !v.is_empty()
        && v.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        && !v.starts_with(|ch: char| ch.is_ascii_digit())
}

/// Each queue's `on_duty` names a configured agent.
pub(super) fn on_duty(c: &mut Checker, queues: &[Spanned<QueueFile>], agents: &[Agent]) {
    for (i, q) in queues.iter().enumerate() {
        let Some(name) = &q.get_ref().on_duty else {
            continue;
        };
        let n = name.get_ref().trim();
        if !n.is_empty() && !agents.iter().any(|a| a.name == n) {
            let known: Vec<&str> = agents.iter().map(|a| a.name.as_str()).collect();
            c.at(
                name.span().start,
                &format!("queues[{i}].on_duty"),
                format!(
                    "no agent `{n}` ({})",
                    if known.is_empty() {
                        "no [[agents]] are configured".to_string()
                    } else {
                        format!("agents: {}", known.join(", "))
                    }
                ),
            );
        }
    }
}

/// The vendors read, and `[smtp]` when written (needed when a vendor is reached by e-mail).
pub(super) fn vendors(
    c: &mut Checker,
    raw: &[Spanned<VendorFile>],
    smtp: Option<&Spanned<SmtpFile>>,
    webhooks: &BTreeMap<String, Webhook>,
) -> (Vec<Vendor>, Option<SmtpSettings>) {
    let mut vendors = Vec::new();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut first_email: Option<(usize, usize)> = None;
    for (i, v) in raw.iter().enumerate() {
        let at = v.span().start;
        let f = v.get_ref();
        let field = |x: &str| format!("vendors[{i}].{x}");
        c.lines.insert(format!("vendors[{i}]"), c.line(at));
        let id = c
            .required(
                &f.id,
                Some(at),
                &field("id"),
                "the vendor's short name, used by `vendor T-1042 ID note`",
            )
            .cloned();
        let id = id.and_then(|id| {
            let v = id.get_ref().trim().to_string();
            if !v
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                c.at(
                    id.span().start,
                    &field("id"),
                    format!("`{v}` is not a vendor id: letters, digits, - and _ (agents type it)"),
                );
                return None;
            }
            if let Some(first) = ids.get(&v) {
                c.at(
                    id.span().start,
                    &field("id"),
                    format!("duplicate vendor `{v}` (first on line {first})"),
                );
                return None;
            }
            ids.insert(v.clone(), c.line(id.span().start));
            Some(v)
        });
        let tier = c
            .required(&f.tier, Some(at), &field("tier"), "L4 (a vendor) or L5 (the manufacturer)")
            .cloned()
            .and_then(|t| match t.get_ref().trim() {
                "L4" => Some(Tier::L4),
                "L5" => Some(Tier::L5),
                other => {
                    c.at(
                        t.span().start,
                        &field("tier"),
                        format!(
                            "`{other}` is not a vendor tier: L4 or L5 (L2 and L3 are [[queues]] of the desk)"
                        ),
                    );
                    None
                }
            });
        let email = c.optional(&f.email, &field("email")).cloned();
        let webhook = c.optional(&f.webhook, &field("webhook")).cloned();
        let reach = match (email, webhook) {
            (Some(_), Some(w)) => {
                c.at(
                    w.span().start,
                    &field("webhook"),
                    "a vendor is reached by e-mail or by webhook, not both",
                );
                None
            }
            (None, None) => {
                c.at(
                    at,
                    &field("email"),
                    "missing field: how the vendor is reached, `email = \"support@vendor.example\"` or `webhook = \"NAME\"` (a webhook of [automations.webhooks])",
                );
                None
            }
            (Some(e), None) => {
                let to = e.get_ref().trim().to_string();
                if is_address(&to, false) {
                    first_email.get_or_insert((i, c.line(e.span().start)));
                    Some(VendorReach::Email(to))
                } else {
                    c.at(
                        e.span().start,
                        &field("email"),
                        format!("`{to}` is not an e-mail address"),
                    );
                    None
                }
            }
            (None, Some(w)) => {
                let name = w.get_ref().trim().to_string();
                if webhooks.contains_key(&name) {
                    Some(VendorReach::Webhook(name))
                } else {
                    let known: Vec<&str> = webhooks.keys().map(String::as_str).collect();
                    c.at(
                        w.span().start,
                        &field("webhook"),
                        if known.is_empty() {
                            format!(
                                "no webhook `{name}`: define it as [automations.webhooks.{name}]"
                            )
                        } else {
                            format!("no webhook `{name}` (webhooks: {})", known.join(", "))
                        },
                    );
                    None
                }
            }
        };
        let name = c
            .optional(&f.name, &field("name"))
            .map(|n| n.get_ref().trim().to_string());
        if let (Some(id), Some(tier), Some(reach)) = (id, tier, reach) {
            vendors.push(Vendor {
                name: name.unwrap_or_else(|| id.clone()),
                id,
                tier,
                reach,
            });
        }
    }
    let smtp = smtp.and_then(|s| read_smtp(c, s));
    if let (Some((i, line)), None) = (first_email, &smtp) {
        c.at_line(
            line,
            &format!("vendors[{i}].email"),
            "e-mail to vendors needs a mail server: add [smtp] with host and from (see README, \"Tiers L1 to L5\")",
        );
    }
    (vendors, smtp)
}

fn read_smtp(c: &mut Checker, raw: &Spanned<SmtpFile>) -> Option<SmtpSettings> {
    let at = raw.span().start;
    let f = raw.get_ref();
    let host = c
        .required(
            &f.host,
            Some(at),
            "smtp.host",
            "the mail server's name or address",
        )
        .map(|h| h.get_ref().trim().to_string());
    let from = c
        .required(&f.from, Some(at), "smtp.from", "the sender, `Support desk <help@example.com>`")
        .cloned()
        .and_then(|v| {
            let from = v.get_ref().trim().to_string();
            if is_address(&from, true) {
                Some(from)
            } else {
                c.at(
                    v.span().start,
                    "smtp.from",
                    format!("`{from}` is not a sender: `help@example.com` or `Support desk <help@example.com>`"),
                );
                None
            }
        });
    let tls = match c.optional(&f.tls, "smtp.tls").cloned() {
        None => Some(SmtpTls::StartTls),
        Some(v) => match v.get_ref().trim() {
            "starttls" => Some(SmtpTls::StartTls),
            "tls" => Some(SmtpTls::Tls),
            "none" => Some(SmtpTls::None),
            other => {
                c.at(
                    v.span().start,
                    "smtp.tls",
                    format!("`{other}` is not a way to connect: starttls (the default), tls, or none (a relay on this machine)"),
                );
                None
            }
        },
    };
    let port = match &f.port {
        None => Some(match tls {
            Some(SmtpTls::Tls) => 465,
            Some(SmtpTls::None) => 25,
            _ => 587,
        }),
        Some(p) => match u16::try_from(*p.get_ref()) {
            Ok(port) if port > 0 => Some(port),
            _ => {
                c.at(
                    p.span().start,
                    "smtp.port",
                    format!("`{}` is not a port: 1 to 65535", p.get_ref()),
                );
                None
            }
        },
    };
    let username = c
        .optional(&f.username, "smtp.username")
        .map(|u| u.get_ref().trim().to_string());
    let password_env = c
        .optional(&f.password_env, "smtp.password_env")
        .cloned()
        .and_then(|v| {
            let name = v.get_ref().trim().to_string();
            if is_env_name(&name) {
                Some(name)
            } else {
                c.at(
                    v.span().start,
                    "smtp.password_env",
                    format!("`{name}` is not an environment variable name (letters, digits, _)"),
                );
                None
            }
        });
    if username.is_some() != f.password_env.is_some() {
        c.at(
            at,
            if username.is_some() {
                "smtp.password_env"
            } else {
                "smtp.username"
            },
            "username and password_env go together (the password is read from that environment variable)",
        );
    }
    Some(SmtpSettings {
        host: host?,
        port: port?,
        tls: tls?,
        from: from?,
        username,
        password_env,
    })
}
