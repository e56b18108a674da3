//! A month's statement for an organisation: every entry charged, per contract, with opening and
//! closing balances, overage and the amount due. Built from the account (balances per contract
//! and month) and the month's ledger entries; per contract
//! `closing = opening + added - charged - expired`, so the entries' sum is exactly the change of
//! the balances shown.

use jiff::tz::TimeZone;
use serde::Serialize;

use super::{
    Account, Contract, Entry, Kind, Pricing, last_day, money, months_between, next_month,
    prev_month,
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub org: String,
    pub name: String,
    pub month: String,
    pub timezone: String,
    pub currency: String,
    /// Minutes left on the organisation's contracts at the start of the month (a plan counts
    /// its hours for the month, an annual commitment what its year has left).
    pub opening_minutes: i64,
    /// Minutes bought during the month (new blocks, top-ups).
    pub added_minutes: i64,
    /// Billable minutes logged in the month (refunds subtract), overage included.
    pub charged_minutes: i64,
    /// The part of them no contract covered.
    pub overage_minutes: i64,
    /// Minutes lost when blocks expired or were closed during the month.
    pub expired_minutes: i64,
    pub closing_minutes: i64,
    /// Minutes logged but not billable.
    pub non_billable_minutes: i64,
    pub amount_due_cents: i64,
    pub amount_due: String,
    /// Whether the month was closed (its entries billed).
    pub billed: bool,
    pub contracts: Vec<ContractLine>,
    /// What makes up the amount due.
    pub charges: Vec<Charge>,
    pub entries: Vec<StatementRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractLine {
    pub contract: String,
    pub kind: Kind,
    pub opening_minutes: i64,
    pub added_minutes: i64,
    pub charged_minutes: i64,
    pub expired_minutes: i64,
    pub closing_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charge {
    pub what: String,
    pub amount_cents: i64,
}

/// One entry on one contract (an entry split over two contracts is two rows).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementRow {
    pub entry: u64,
    pub ticket: String,
    pub minutes: i64,
    /// The contract's id; `null` for overage and for time not billable.
    pub contract: Option<String>,
    /// RFC 3339 in the organisation's zone.
    pub at: String,
    pub billable: bool,
    pub billed: bool,
    pub activity: &'static str,
    pub agent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_of: Option<u64>,
}

impl Statement {
    /// The statement of `month` from the account and the month's entries (others are skipped).
    pub fn build<'a>(
        account: &Account,
        month: &str,
        entries: impl IntoIterator<Item = &'a Entry>,
        pricing: &Pricing,
        tz: &TimeZone,
    ) -> Statement {
        let first = format!("{month}-01");
        let last = last_day(month);
        let prev_last = last_day(&prev_month(month));
        let billed = account.billed.contains(month);
        let mut s = Statement {
            org: account.id.clone(),
            name: account.name.clone(),
            month: month.to_string(),
            timezone: tz.iana_name().unwrap_or("UTC").to_string(),
            currency: pricing.currency.clone(),
            opening_minutes: 0,
            added_minutes: 0,
            charged_minutes: 0,
            overage_minutes: 0,
            expired_minutes: 0,
            closing_minutes: 0,
            non_billable_minutes: 0,
            amount_due_cents: 0,
            amount_due: String::new(),
            billed,
            contracts: vec![],
            charges: vec![],
            entries: vec![],
        };
        let mut overage_rate = pricing.overage_rate();
        for c in &account.contracts {
            let used = account.used_in(&c.id, month);
            let line = match c.kind {
                Kind::Block => block_line(account, c, month, &first, &last, &prev_last),
                Kind::Plan | Kind::Annual => {
                    if !c.runs_in(month) && used == 0 {
                        continue;
                    }
                    let start = c.period_start(month);
                    let allowance = if c.runs_in(month) {
                        account.allowance(c, month)
                    } else {
                        0
                    };
                    let before = if start.as_str() < month {
                        account.used_between(&c.id, &start, &prev_month(month))
                    } else {
                        0
                    };
                    let opening = allowance - before;
                    Some(ContractLine {
                        contract: c.id.clone(),
                        kind: c.kind,
                        opening_minutes: opening,
                        added_minutes: 0,
                        charged_minutes: used,
                        expired_minutes: 0,
                        closing_minutes: opening - used,
                    })
                }
            };
            let Some(line) = line else { continue };
            s.opening_minutes += line.opening_minutes;
            s.added_minutes += line.added_minutes;
            s.expired_minutes += line.expired_minutes;
            s.closing_minutes += line.closing_minutes;
            s.contracts.push(line);
            // What the month bills for this contract.
            match c.kind {
                Kind::Block => {
                    if c.start.starts_with(month) {
                        s.charges.push(Charge {
                            what: format!("{} block of {}", c.id, super::hours(c.minutes)),
                            amount_cents: c.price_cents.unwrap_or(0),
                        });
                    }
                    for t in c.topups.iter().filter(|t| t.date.starts_with(month)) {
                        s.charges.push(Charge {
                            what: format!("{} top-up of {}", c.id, super::hours(t.minutes)),
                            amount_cents: t.price_cents.unwrap_or(0),
                        });
                    }
                }
                Kind::Plan if c.runs_in(month) => {
                    s.charges.push(Charge {
                        what: format!("{} monthly fee", c.id),
                        amount_cents: c.monthly_fee_cents.unwrap_or(0),
                    });
                    if let Some(r) = c.overage_rate_cents {
                        overage_rate = Some(r);
                    }
                }
                Kind::Annual if c.runs_in(month) => {
                    let yearly = c.rate_cents.unwrap_or(0) * c.minutes / 60;
                    let n = months_between(&c.start[..7], month);
                    let due = match c.billing {
                        super::Billing::Monthly => Some(("monthly instalment", yearly / 12)),
                        super::Billing::Quarterly if n % 3 == 0 => {
                            Some(("quarterly instalment", yearly / 4))
                        }
                        super::Billing::Quarterly => None,
                    };
                    if let Some((what, cents)) = due {
                        s.charges.push(Charge {
                            what: format!("{} {what}", c.id),
                            amount_cents: cents,
                        });
                    }
                }
                _ => {}
            }
        }
        let entries = entries.into_iter();
        s.entries.reserve(entries.size_hint().0);
        for e in entries.filter(|e| e.month() == month) {
            let at = rfc3339(e.at_ms, tz);
            let row = |contract: Option<String>, minutes: i64, billable: bool| StatementRow {
                entry: e.seq,
                ticket: e.ticket.clone(),
                minutes,
                contract,
                at: at.clone(),
                billable,
                billed,
                activity: e.activity.as_str(),
                agent: e.agent.clone(),
                refund_of: e.refund_of,
            };
            if !e.billable {
                s.non_billable_minutes += e.minutes;
                s.entries.push(row(None, e.minutes, false));
                continue;
            }
            s.charged_minutes += e.minutes;
            for sp in &e.splits {
                if sp.contract.is_none() {
                    s.overage_minutes += sp.minutes;
                }
                s.entries.push(row(sp.contract.clone(), sp.minutes, true));
            }
        }
        if s.overage_minutes != 0 {
            s.charges.push(Charge {
                what: format!(
                    "overage {} at {}/h",
                    super::hours(s.overage_minutes),
                    overage_rate.map(money).unwrap_or_else(|| "no rate".into())
                ),
                amount_cents: overage_rate
                    .map(|r| (r * s.overage_minutes + 30) / 60)
                    .unwrap_or(0),
            });
        }
        s.amount_due_cents = s.charges.iter().map(|c| c.amount_cents).sum();
        s.amount_due = money(s.amount_due_cents);
        s
    }

    /// The statement as JSON, written into a buffer sized for it up front (a statement of
    /// 100,000 entries is some 16 MiB, and growing the buffer by copying cost a good part of
    /// the time it may take).
    pub fn json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1024 + 192 * self.entries.len());
        serde_json::to_writer(&mut out, self).expect("statements serialise");
        out
    }

    /// Whether the entries sum exactly to the change of the balances.
    pub fn sums(&self) -> bool {
        self.opening_minutes + self.added_minutes
            - (self.charged_minutes - self.overage_minutes)
            - self.expired_minutes
            == self.closing_minutes
    }

    /// The statement as a plain-text table.
    pub fn table(&self) -> String {
        let h = super::hours;
        let mut out = format!(
            "Statement {} for {} ({}), times in {}{}\n\n",
            self.month,
            self.name,
            self.org,
            self.timezone,
            if self.billed { ", billed" } else { "" }
        );
        out.push_str(&format!(
            "{:<10} {:<7} {:>12} {:>12} {:>12} {:>12} {:>12}\n",
            "contract", "kind", "opening", "added", "charged", "expired", "closing"
        ));
        for c in &self.contracts {
            out.push_str(&format!(
                "{:<10} {:<7} {:>12} {:>12} {:>12} {:>12} {:>12}\n",
                c.contract,
                c.kind.as_str(),
                h(c.opening_minutes),
                h(c.added_minutes),
                h(c.charged_minutes),
                h(c.expired_minutes),
                h(c.closing_minutes)
            ));
        }
        out.push_str(&format!(
            "{:<10} {:<7} {:>12} {:>12} {:>12} {:>12} {:>12}\n",
            "total",
            "",
            h(self.opening_minutes),
            h(self.added_minutes),
            h(self.charged_minutes - self.overage_minutes),
            h(self.expired_minutes),
            h(self.closing_minutes)
        ));
        out.push_str(&format!(
            "\nCharged {}, of which overage {}; not billable {}.\n\n",
            h(self.charged_minutes),
            h(self.overage_minutes),
            h(self.non_billable_minutes)
        ));
        out.push_str(&format!(
            "{:>6} {:<29} {:<10} {:>8} {:<10} {:<8} {}\n",
            "entry", "at", "ticket", "minutes", "contract", "activity", "agent"
        ));
        for r in &self.entries {
            out.push_str(&format!(
                "{:>6} {:<29} {:<10} {:>8} {:<10} {:<8} {}{}\n",
                r.entry,
                r.at,
                r.ticket,
                r.minutes,
                match (&r.contract, r.billable) {
                    (Some(c), _) => c.as_str(),
                    (None, true) => "overage",
                    (None, false) => "no charge",
                },
                r.activity,
                r.agent,
                r.refund_of
                    .map(|n| format!(" (refund of {n})"))
                    .unwrap_or_default()
            ));
        }
        if self.entries.is_empty() {
            out.push_str("     (no time logged this month)\n");
        }
        out.push('\n');
        for c in &self.charges {
            out.push_str(&format!("{:<50} {:>12}\n", c.what, money(c.amount_cents)));
        }
        out.push_str(&format!(
            "{:<50} {:>12}{}\n",
            "amount due",
            self.amount_due,
            if self.currency.is_empty() {
                String::new()
            } else {
                format!(" {}", self.currency)
            }
        ));
        out
    }

    /// The entries as CSV, one row per entry and contract, with a header.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "entry,at,ticket,minutes,contract,billable,billed,activity,agent,refund_of\n",
        );
        for r in &self.entries {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\n",
                r.entry,
                r.at,
                csv_field(&r.ticket),
                r.minutes,
                r.contract.as_deref().unwrap_or(""),
                r.billable,
                r.billed,
                r.activity,
                csv_field(&r.agent),
                r.refund_of.map(|n| n.to_string()).unwrap_or_default()
            ));
        }
        out
    }
}

/// [`super::local_instant`], written by hand: a statement formats one instant per entry, and
/// with 100,000 entries jiff's `strftime` alone took a good part of the time a statement may
/// take. Falls back to it for what this does not cover (offsets with seconds, years past 9999).
fn rfc3339(ms: u64, tz: &TimeZone) -> String {
    let Some(ts) = i64::try_from(ms)
        .ok()
        .and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
    else {
        return super::local_instant(ms, tz);
    };
    let offset = tz.to_offset(ts);
    let secs = offset.seconds();
    let dt = offset.to_datetime(ts);
    if secs % 60 != 0 || !(0..=9999).contains(&dt.year()) {
        return super::local_instant(ms, tz);
    }
    let mut out = String::with_capacity(29);
    let two = |out: &mut String, n: i32| {
        out.push((b'0' + (n / 10) as u8) as char);
        out.push((b'0' + (n % 10) as u8) as char);
    };
    let y = dt.year() as i32;
    two(&mut out, y / 100);
    two(&mut out, y % 100);
    out.push('-');
    two(&mut out, dt.month() as i32);
    out.push('-');
    two(&mut out, dt.day() as i32);
    out.push('T');
    two(&mut out, dt.hour() as i32);
    out.push(':');
    two(&mut out, dt.minute() as i32);
    out.push(':');
    two(&mut out, dt.second() as i32);
    let milli = dt.subsec_nanosecond() / 1_000_000;
    if dt.subsec_nanosecond() != 0 {
        out.push('.');
        out.push((b'0' + (milli / 100) as u8) as char);
        two(&mut out, milli % 100);
    }
    out.push(if secs < 0 { '-' } else { '+' });
    let m = secs.abs() / 60;
    two(&mut out, m / 60);
    out.push(':');
    two(&mut out, m % 60);
    out
}

fn csv_field(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_control()).collect();
    // A leading sign would be a formula in a spreadsheet.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s
    };
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A block's line: what it had at the start of the month, what was bought, used and lost.
fn block_line(
    account: &Account,
    c: &Contract,
    month: &str,
    first: &str,
    last: &str,
    prev_last: &str,
) -> Option<ContractLine> {
    if c.start.as_str() > last {
        return None;
    }
    // Gone (expired without rollover, or closed) on or before a day.
    let gone_by = |day: &str| {
        c.closed.as_deref().is_some_and(|x| x <= day)
            || (!c.rollover && c.expires.as_deref().is_some_and(|e| e < day))
    };
    let started_before = c.start.as_str() < first;
    if started_before && gone_by(first) {
        // Ended in an earlier month, whose statement counted what it lost.
        return None;
    }
    let (opening, added) = if started_before {
        (
            c.total_on(prev_last) - account.used_through(&c.id, &prev_month(month)),
            c.topups
                .iter()
                .filter(|t| t.date.starts_with(month))
                .map(|t| t.minutes)
                .sum(),
        )
    } else {
        (0, c.total_on(last))
    };
    let used = account.used_in(&c.id, month);
    let next_first = format!("{}-01", next_month(month));
    let (expired, closing) = if gone_by(&next_first) {
        (opening + added - used, 0)
    } else {
        (0, opening + added - used)
    };
    Some(ContractLine {
        contract: c.id.clone(),
        kind: c.kind,
        opening_minutes: opening,
        added_minutes: added,
        charged_minutes: used,
        expired_minutes: expired,
        closing_minutes: closing,
    })
}
