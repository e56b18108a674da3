//! `[visits]`: when a confirmed visit is reminded (`remind_before_minutes = 60` or a list such as
//! `[1440, 60]`). Each mistake names its own line.

use serde::Deserialize;
use toml::Spanned;

use super::Checker;
use crate::config::visits::VisitSettings;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct VisitsFile {
    /// One number or a list: read as a value so either shape keeps its line.
    remind_before_minutes: Option<Spanned<toml::Value>>,
}

/// Two weeks: a reminder further ahead than that is no reminder.
const MAX_MINUTES: i64 = 14 * 24 * 60;

/// The settings written, the defaults for what is not; a mistake is reported and the default
/// stands in for it.
pub(super) fn visits(c: &mut Checker, raw: Option<&Spanned<VisitsFile>>) -> VisitSettings {
    let mut settings = VisitSettings::default();
    let Some(m) = raw.and_then(|r| r.get_ref().remind_before_minutes.as_ref()) else {
        return settings;
    };
    let field = "visits.remind_before_minutes";
    let values: Vec<&toml::Value> = match m.get_ref() {
        toml::Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let mut minutes = Vec::new();
    for v in values {
        match v.as_integer() {
            Some(n) if (1..=MAX_MINUTES).contains(&n) => minutes.push(n as u32),
            // `0` alone (or `[]`) turns reminders off.
            Some(0) => {}
            _ => {
                c.at(
                    m.span().start,
                    field,
                    format!(
                        "`{v}` is not a number of minutes from 1 to {MAX_MINUTES} (write 60, or a list like [1440, 60]; 0 or [] for no reminders)"
                    ),
                );
                return settings;
            }
        }
    }
    minutes.sort_unstable_by(|a, b| b.cmp(a));
    minutes.dedup();
    settings.remind_before_minutes = minutes;
    settings
}
