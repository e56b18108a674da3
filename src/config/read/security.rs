//! `[security]` as written, and its checks (see `config/security.rs` for what it means).

use serde::Deserialize;
use toml::Spanned;

use super::{Checker, Text};
use crate::config::security::{
    DEFAULT_TIPS_AT, DEFAULT_TIPS_EVERY_DAYS, SecuritySettings, TipSchedule,
};
use crate::config::{is_slack_id, is_snowflake};
use crate::tickets::Platform;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct SecurityFile {
    /// `false` turns tips off while keeping the rest.
    tips: Option<Spanned<bool>>,
    tips_channel: Option<Spanned<ChannelFile>>,
    tips_every_days: Option<Spanned<i64>>,
    tips_at: Text,
    calendar: Text,
    language: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct ChannelFile {
    platform: Text,
    channel: Text,
}

/// `"09:30"` as minutes after midnight.
pub(super) fn time_of_day(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Checks `[security]`; `calendars` are the names defined in the file.
pub(super) fn security(
    c: &mut Checker,
    s: &Spanned<SecurityFile>,
    calendars: &[&str],
) -> SecuritySettings {
    let f = s.get_ref();
    let table = s.span().start;
    let every_days = match &f.tips_every_days {
        Some(d) if !(0..=366).contains(d.get_ref()) => {
            c.at(
                d.span().start,
                "security.tips_every_days",
                format!(
                    "{} is not a number of days from 1 to 366 (0 turns tips off)",
                    d.get_ref()
                ),
            );
            DEFAULT_TIPS_EVERY_DAYS
        }
        Some(d) => *d.get_ref() as u32,
        None => DEFAULT_TIPS_EVERY_DAYS,
    };
    let at_minute = match c.optional(&f.tips_at, "security.tips_at") {
        Some(v) => time_of_day(v.get_ref()).unwrap_or_else(|| {
            c.at(
                v.span().start,
                "security.tips_at",
                format!(
                    "`{}` is not a local time of day like \"09:00\"",
                    v.get_ref()
                ),
            );
            DEFAULT_TIPS_AT
        }),
        None => DEFAULT_TIPS_AT,
    };
    let calendar = c.optional(&f.calendar, "security.calendar").map(|v| {
        if !calendars.contains(&v.get_ref().as_str()) {
            let known = if calendars.is_empty() {
                format!("define it as [calendars.{}]", v.get_ref())
            } else {
                format!("calendars: {}", calendars.join(", "))
            };
            c.at(
                v.span().start,
                "security.calendar",
                format!("no calendar `{}` ({known})", v.get_ref()),
            );
        }
        v.get_ref().clone()
    });
    let language = c.optional(&f.language, "security.language").map(|v| {
        c.lines
            .insert("security.language".into(), c.line(v.span().start));
        v.get_ref().clone()
    });
    let off = f.tips.as_ref().is_some_and(|t| !*t.get_ref()) || every_days == 0;
    let Some(ch) = &f.tips_channel else {
        // Asking for tips without saying where is a mistake; a table with nothing is no tips.
        let asked = f.tips.as_ref().is_some_and(|t| *t.get_ref())
            || f.tips_every_days.is_some()
            || f.tips_at.is_some();
        if asked && !off {
            c.at(
                table,
                "security.tips_channel",
                "missing field: where tips go, tips_channel = { platform = \"slack\", channel = \"C0123ABCD\" } (platform slack, discord or local)",
            );
        }
        return SecuritySettings::default();
    };
    c.lines
        .insert("security.tips_channel".into(), c.line(ch.span().start));
    let channel = channel_on_platform(c, ch, "security.tips_channel");
    if off {
        return SecuritySettings::default();
    }
    SecuritySettings {
        tips: channel.map(|(platform, channel)| TipSchedule {
            platform,
            channel,
            every_days,
            at_minute,
            calendar,
            language,
        }),
    }
}

/// `{ platform = "slack", channel = "C0123ABCD" }` checked (`field` is the table's name, like
/// `security.tips_channel`): the platform, and the channel when it is there (its id checked
/// against the platform's form; a problem is recorded, the value kept).
pub(super) fn channel_on_platform(
    c: &mut Checker,
    ch: &Spanned<ChannelFile>,
    field: &str,
) -> Option<(Platform, String)> {
    let (platform, _) = c.platform(&ch.get_ref().platform, &format!("{field}.platform"));
    let at = format!("{field}.channel");
    c.required(
        &ch.get_ref().channel,
        Some(ch.span().start),
        &at,
        "the channel id it is posted in",
    )
    .map(|v| {
        let id = v.get_ref();
        let problem = match platform {
            Platform::Slack if !is_slack_id(id, "CG") => Some(super::slack_channel_problem(id)),
            Platform::Discord if !is_snowflake(id) => Some(format!(
                "`{id}` is not a Discord channel id: Discord ids are numbers like 234567890123456789"
            )),
            _ => None,
        };
        if let Some(p) = problem {
            c.at(v.span().start, &at, p);
        }
        (platform, id.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::time_of_day;

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day("09:00"), Some(540));
        assert_eq!(time_of_day("23:59"), Some(1439));
        for bad in ["24:00", "9:00", "09:60", "nine", ""] {
            assert_eq!(time_of_day(bad), None, "{bad}");
        }
    }
}
