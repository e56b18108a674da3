//! Security awareness reports: phishing reports (tickets of the pack's `phishing` category,
//! intent `phishing_report`, however they were made: typed to the bot or reported with a
//! platform's shortcut) counted by the month they were made. A fold over the stored tickets; it
//! reads and never writes.

use std::collections::BTreeMap;

use crate::store::{Filter, Store, StoreError};
use crate::tickets::Ticket;

/// Whether a ticket is a phishing report.
pub fn is_phishing_report(t: &Ticket) -> bool {
    t.category == crate::triage::PHISHING_CATEGORY || t.detection.intent == "phishing_report"
}

/// `YYYY-MM` of an instant, in UTC.
fn month(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|ts| ts.strftime("%Y-%m").to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Phishing reports per month (UTC), oldest month first; months without any are left out.
pub fn reports_by_month(store: &dyn Store) -> Result<Vec<(String, usize)>, StoreError> {
    let mut months: BTreeMap<String, usize> = BTreeMap::new();
    for t in store.list(&Filter::default())? {
        if is_phishing_report(&t) {
            *months.entry(month(t.created_ms)).or_default() += 1;
        }
    }
    Ok(months.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::month;

    #[test]
    fn months_are_utc() {
        // 2026-11-30T23:30:00Z is November's; an hour later it is December in UTC.
        assert_eq!(month(1_796_081_400_000), "2026-11");
        assert_eq!(month(1_796_081_400_000 + 3_600_000), "2026-12");
    }
}
