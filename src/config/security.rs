//! `[security]`: security awareness settings. Today the schedule of security tips: which channel
//! gets them, how often, at what local time in which calendar, in which language. Read and
//! checked in `read/security.rs`; the tips themselves are the pack's (`tips.toml`).

use crate::clocks::calendar::Calendar;
use crate::tickets::Platform;

/// The `[security]` table as checked. No table, `tips = false` or `tips_every_days = 0`: no tips.
#[derive(Debug, Clone, Default)]
pub struct SecuritySettings {
    pub tips: Option<TipSchedule>,
}

/// When and where security tips are posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TipSchedule {
    pub platform: Platform,
    /// The channel id on that platform (`C0SEC`, a Discord channel id, any name for local).
    pub channel: String,
    /// Days between two tips (calendar days; a tip falling on a day the calendar has no business
    /// hours moves to the next working day).
    pub every_days: u32,
    /// Local time of day, minutes after midnight (`tips_at = "09:00"` is 540).
    pub at_minute: u16,
    /// The calendar whose time zone and working days the schedule follows (`[calendars.NAME]`);
    /// none: UTC, every day.
    pub calendar: Option<String>,
    /// The language tips are posted in; none: the pack's default.
    pub language: Option<String>,
}

/// The default local time of a tip.
pub const DEFAULT_TIPS_AT: u16 = 9 * 60;
/// The default number of days between tips.
pub const DEFAULT_TIPS_EVERY_DAYS: u32 = 7;

impl TipSchedule {
    /// The first tip's instant after `now`, in `calendar`.
    pub fn first(&self, calendar: &Calendar, now: u64) -> Option<u64> {
        calendar.next_at(now, self.at_minute, 0)
    }

    /// The tip after the one due at `due`, fired at `now`: `every_days` later, or (after downtime
    /// longer than that) the next slot after `now`, so a late catch-up posts one tip, not a burst.
    pub fn after(&self, calendar: &Calendar, due: u64, now: u64) -> Option<u64> {
        let next = calendar.next_at(due, self.at_minute, self.every_days)?;
        if next > now {
            Some(next)
        } else {
            calendar.next_at(now, self.at_minute, 0)
        }
    }
}
