//! `[approvals]`: which requests wait for an approver before L2 work starts (by intent), which
//! agent role approves when the requester's organisation names nobody, and after how many
//! business hours a forgotten approval is brought up again. Each mistake names its own line.

use serde::Deserialize;
use toml::Spanned;

use super::{Checker, Text};
use crate::config::{ApprovalSettings, Role};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct ApprovalsFile {
    intents: Option<Vec<Spanned<String>>>,
    role: Text,
    remind_after_hours: Option<Spanned<i64>>,
}

/// The settings written, the defaults for what is not; a mistake is reported and the default
/// stands in for it.
pub(super) fn approvals(c: &mut Checker, raw: Option<&Spanned<ApprovalsFile>>) -> ApprovalSettings {
    let mut settings = ApprovalSettings::default();
    let Some(raw) = raw else {
        return settings;
    };
    let f = raw.get_ref();
    if let Some(intents) = &f.intents {
        settings.intents = Vec::new();
        for (j, i) in intents.iter().enumerate() {
            let field = format!("approvals.intents[{j}]");
            c.lines.insert(field.clone(), c.line(i.span().start));
            if c.not_blank(i, &field) {
                settings.intents.push(i.get_ref().trim().to_string());
            }
        }
    }
    if let Some(role) = c.optional(&f.role, "approvals.role").cloned() {
        settings.role = c.role(Some(&role), "approvals.role").unwrap_or(Role::Admin);
    }
    if let Some(h) = &f.remind_after_hours {
        match u32::try_from(*h.get_ref()) {
            Ok(hours) if hours <= 24 * 365 => settings.remind_after_hours = hours,
            _ => c.at(
                h.span().start,
                "approvals.remind_after_hours",
                format!(
                    "`{}` is not a number of business hours from 0 (no reminders) to 8760",
                    h.get_ref()
                ),
            ),
        }
    }
    settings
}
