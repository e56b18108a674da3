//! `[reports]`: the weekly digest of the desk's figures, posted in a channel by a durable timer.
//! Read and checked in `read/reports.rs`; the figures are `crate::reports`', counted in the
//! configuration's top-level `timezone`.

use crate::tickets::Platform;

/// The `[reports]` table as checked. No table, no `digest_channel` or `digest = false`: no
/// digest.
#[derive(Debug, Clone, Default)]
pub struct ReportSettings {
    pub digest: Option<DigestSchedule>,
}

/// When and where the weekly digest is posted: on `weekday` at `at_minute` local time (in the
/// configuration's `timezone`), about the ISO week before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSchedule {
    pub platform: Platform,
    /// The channel id on that platform (`C0REPORTS`, a Discord channel id, any name for local).
    pub channel: String,
    /// 1 = Monday ... 7 = Sunday.
    pub weekday: u8,
    /// Local time of day, minutes after midnight (`digest_at = "09:00"` is 540).
    pub at_minute: u16,
    /// The language the digest is written in; none: the pack's default.
    pub language: Option<String>,
}

/// The default day and time of the digest: Monday 09:00.
pub const DEFAULT_DIGEST_WEEKDAY: u8 = 1;
pub const DEFAULT_DIGEST_AT: u16 = 9 * 60;

/// Weekday names as written in the file, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl DigestSchedule {
    /// The first digest instant strictly after `now` (ms), in `tz`.
    pub fn next_after(&self, now: u64, tz: &jiff::tz::TimeZone) -> Option<u64> {
        let ts = jiff::Timestamp::from_millisecond(i64::try_from(now).ok()?).ok()?;
        let today = ts.to_zoned(tz.clone()).date();
        let (h, m) = (
            i8::try_from(self.at_minute / 60).ok()?,
            i8::try_from(self.at_minute % 60).ok()?,
        );
        for ahead in 0..=7i64 {
            let day = today.checked_add(jiff::Span::new().days(ahead)).ok()?;
            if day.weekday().to_monday_one_offset() as u8 != self.weekday {
                continue;
            }
            let at = day.at(h, m, 0, 0).to_zoned(tz.clone()).ok()?;
            let ms = u64::try_from(at.timestamp().as_millisecond()).ok()?;
            if ms > now {
                return Some(ms);
            }
        }
        None
    }
}
