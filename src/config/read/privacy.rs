//! `[privacy]` as written, and its checks: `retention_days`, after which a closed ticket's
//! transcript is purged (see `crate::privacy`).

use serde::Deserialize;
use toml::Spanned;

use super::Checker;
use crate::privacy::PrivacySettings;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct PrivacyFile {
    retention_days: Option<Spanned<i64>>,
}

/// Checks `[privacy]`.
pub(super) fn privacy(c: &mut Checker, f: &Spanned<PrivacyFile>) -> PrivacySettings {
    let Some(days) = &f.get_ref().retention_days else {
        return PrivacySettings::default();
    };
    let n = *days.get_ref();
    if !(1..=36_500).contains(&n) {
        c.at(
            days.span().start,
            "privacy.retention_days",
            format!("{n} is not a number of days from 1 to 36500"),
        );
        return PrivacySettings::default();
    }
    PrivacySettings {
        retention_days: Some(n as u32),
    }
}
