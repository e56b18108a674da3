//! `[reports]` as written, and its checks (see `config/reports.rs` for what it means).

use serde::Deserialize;
use toml::Spanned;

use super::security::{ChannelFile, channel_on_platform, time_of_day};
use super::{Checker, Text};
use crate::config::reports::{
    DEFAULT_DIGEST_AT, DEFAULT_DIGEST_WEEKDAY, DigestSchedule, ReportSettings, WEEKDAYS,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct ReportsFile {
    /// `false` turns the digest off while keeping the rest.
    digest: Option<Spanned<bool>>,
    digest_channel: Option<Spanned<ChannelFile>>,
    digest_weekday: Text,
    digest_at: Text,
    language: Text,
}

/// Checks `[reports]`.
pub(super) fn reports(c: &mut Checker, s: &Spanned<ReportsFile>) -> ReportSettings {
    let f = s.get_ref();
    let weekday = match c.optional(&f.digest_weekday, "reports.digest_weekday") {
        Some(v) => {
            let name = v.get_ref().trim().to_lowercase();
            match WEEKDAYS.iter().position(|d| *d == name || d[..3] == name) {
                Some(i) => i as u8 + 1,
                None => {
                    c.at(
                        v.span().start,
                        "reports.digest_weekday",
                        format!(
                            "`{}` is not a day of the week: one of {}",
                            v.get_ref(),
                            WEEKDAYS.join(", ")
                        ),
                    );
                    DEFAULT_DIGEST_WEEKDAY
                }
            }
        }
        None => DEFAULT_DIGEST_WEEKDAY,
    };
    let at_minute = match c.optional(&f.digest_at, "reports.digest_at") {
        Some(v) => time_of_day(v.get_ref()).unwrap_or_else(|| {
            c.at(
                v.span().start,
                "reports.digest_at",
                format!(
                    "`{}` is not a local time of day like \"09:00\"",
                    v.get_ref()
                ),
            );
            DEFAULT_DIGEST_AT
        }),
        None => DEFAULT_DIGEST_AT,
    };
    let language = c.optional(&f.language, "reports.language").map(|v| {
        c.lines
            .insert("reports.language".into(), c.line(v.span().start));
        v.get_ref().clone()
    });
    let off = f.digest.as_ref().is_some_and(|d| !*d.get_ref());
    let Some(ch) = &f.digest_channel else {
        let asked = f.digest.as_ref().is_some_and(|d| *d.get_ref())
            || f.digest_weekday.is_some()
            || f.digest_at.is_some();
        if asked && !off {
            c.at(
                s.span().start,
                "reports.digest_channel",
                "missing field: where the weekly digest goes, digest_channel = { platform = \"slack\", channel = \"C0123ABCD\" } (platform slack, discord or local)",
            );
        }
        return ReportSettings::default();
    };
    c.lines
        .insert("reports.digest_channel".into(), c.line(ch.span().start));
    let Some((platform, channel)) = channel_on_platform(c, ch, "reports.digest_channel") else {
        return ReportSettings::default();
    };
    if off {
        return ReportSettings::default();
    }
    ReportSettings {
        digest: Some(DigestSchedule {
            platform,
            channel,
            weekday,
            at_minute,
            language,
        }),
    }
}
