//! Charging, hand-checked: an organisation's contracts, a sequence of time entries at real
//! instants (turned into the organisation's local dates, so its time zone matters), where each
//! entry's minutes go, the balances after, and the month's statement. Every figure below was
//! worked out by hand from the charging order in `src/contracts/mod.rs` (plan hours, annual
//! hours, the oldest unexpired block, expired blocks that roll over, overage).
//!
//! The table's little language:
//! - a contract: `C-1 block 10h from 2026-01-01 until 2026-03-31 rollover topup 2026-03-10 5h
//!   closed 2026-03-15` (kinds `block`, `plan`, `annual`; a plan may add `past-overage`);
//! - an entry: (RFC 3339 instant, `90` | `30 free` (not billable) | `refund 2` (of entry 2),
//!   the splits expected: `C-1 60, overage 30`, or `none`);
//! - balances after the last entry, on its local date: `C-1 30/120` (minutes left / of);
//! - a statement: `2026-03: opening 660 added 0 charged 150 overage 30 expired 540 closing 0`
//!   (optionally `free 30` for minutes not billable); with no figures (`2026-03`) only its sum is
//!   checked; empty: the month of the last entry, sum only.

use frontline::clocks::calendar::parse_instant;
use frontline::contracts::{
    Account, Contract, Entry, Kind, Past, Pricing, Split, Statement, Topup, local_date,
};
use jiff::tz::TimeZone;

struct Case {
    name: &'static str,
    zone: &'static str,
    contracts: &'static [&'static str],
    entries: &'static [(&'static str, &'static str, &'static str)],
    balances: &'static str,
    statement: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "a block, then overage",
        zone: "UTC",
        contracts: &["C-1 block 10h from 2026-03-01"],
        entries: &[
            ("2026-03-10T10:00:00Z", "540", "C-1 540"),
            ("2026-03-11T10:00:00Z", "90", "C-1 60, overage 30"),
        ],
        balances: "C-1 0/600",
        statement: "2026-03: opening 0 added 600 charged 630 overage 30 expired 0 closing 0",
    },
    Case {
        name: "a block used to the minute, the next minute is overage",
        zone: "UTC",
        contracts: &["C-1 block 1h from 2026-01-01"],
        entries: &[
            ("2026-03-02T08:00:00Z", "60", "C-1 60"),
            ("2026-03-02T09:00:00Z", "1", "overage 1"),
        ],
        balances: "C-1 0/60",
        statement: "2026-03: opening 60 added 0 charged 61 overage 1 expired 0 closing 0",
    },
    Case {
        name: "no contract at all: everything is overage",
        zone: "UTC",
        contracts: &[],
        entries: &[("2026-03-02T08:00:00Z", "60", "overage 60")],
        balances: "",
        statement: "2026-03: opening 0 added 0 charged 60 overage 60 expired 0 closing 0",
    },
    Case {
        name: "two blocks: the oldest purchase first, whatever the order they were added in",
        zone: "UTC",
        contracts: &[
            "C-1 block 10h from 2026-02-01",
            "C-2 block 5h from 2026-01-15",
        ],
        entries: &[("2026-03-02T09:00:00Z", "120", "C-2 120")],
        balances: "C-1 600/600, C-2 180/300",
        statement: "2026-03: opening 900 added 0 charged 120 overage 0 expired 0 closing 780",
    },
    Case {
        name: "an entry split across two blocks",
        zone: "UTC",
        contracts: &[
            "C-1 block 2h from 2026-01-01",
            "C-2 block 10h from 2026-02-01",
        ],
        entries: &[
            ("2026-03-03T08:00:00Z", "90", "C-1 90"),
            ("2026-03-04T08:00:00Z", "60", "C-1 30, C-2 30"),
        ],
        balances: "C-1 0/120, C-2 570/600",
        statement: "2026-03: opening 720 added 0 charged 150 overage 0 expired 0 closing 570",
    },
    Case {
        name: "an entry split across two blocks and overage",
        zone: "UTC",
        contracts: &[
            "C-1 block 1h from 2026-01-01",
            "C-2 block 1h from 2026-02-01",
        ],
        entries: &[("2026-03-03T08:00:00Z", "150", "C-1 60, C-2 60, overage 30")],
        balances: "C-1 0/60, C-2 0/60",
        statement: "2026-03: opening 120 added 0 charged 150 overage 30 expired 0 closing 0",
    },
    Case {
        name: "expiry on the day in Warsaw: usable at 22:00 on its expiry date, not at 00:30 the day after",
        zone: "Europe/Warsaw",
        contracts: &["C-1 block 10h from 2026-01-01 until 2026-03-31"],
        entries: &[
            // 22:00 CEST on 31 March.
            ("2026-03-31T20:00:00Z", "60", "C-1 60"),
            // 00:30 CEST on 1 April.
            ("2026-03-31T22:30:00Z", "60", "overage 60"),
        ],
        balances: "",
        statement: "2026-03: opening 600 added 0 charged 60 overage 0 expired 540 closing 0",
    },
    Case {
        name: "the same instants in UTC are both still 31 March: the block covers both",
        zone: "UTC",
        contracts: &["C-1 block 10h from 2026-01-01 until 2026-03-31"],
        entries: &[
            ("2026-03-31T20:00:00Z", "60", "C-1 60"),
            ("2026-03-31T22:30:00Z", "60", "C-1 60"),
        ],
        balances: "C-1 480/600",
        statement: "2026-03: opening 600 added 0 charged 120 overage 0 expired 480 closing 0",
    },
    Case {
        name: "an expiring block is used before a newer one up to its last minute, then the newer one",
        zone: "UTC",
        contracts: &[
            "C-1 block 5h from 2026-01-01 until 2026-02-28",
            "C-2 block 5h from 2026-02-01",
        ],
        entries: &[
            ("2026-02-28T23:59:00Z", "30", "C-1 30"),
            ("2026-03-01T00:00:00Z", "30", "C-2 30"),
        ],
        balances: "C-2 270/300",
        statement: "2026-02: opening 300 added 300 charged 30 overage 0 expired 270 closing 300",
    },
    Case {
        name: "a block bought later in the month in Warsaw counts from its purchase date there",
        zone: "Europe/Warsaw",
        contracts: &["C-1 block 1h from 2026-03-15"],
        entries: &[
            // 23:30 CET on 14 March: not yet bought.
            ("2026-03-14T22:30:00Z", "30", "overage 30"),
            // 00:30 CET on 15 March.
            ("2026-03-14T23:30:00Z", "30", "C-1 30"),
        ],
        balances: "C-1 30/60",
        statement: "2026-03: opening 0 added 60 charged 60 overage 30 expired 0 closing 30",
    },
    Case {
        name: "an expired block without rollover is gone, hours and all",
        zone: "UTC",
        contracts: &["C-1 block 10h from 2025-01-01 until 2025-12-31"],
        entries: &[("2026-01-02T10:00:00Z", "45", "overage 45")],
        balances: "",
        statement: "2025-12: opening 600 added 0 charged 0 overage 0 expired 600 closing 0",
    },
    Case {
        name: "an expired rollover block is used only after the unexpired blocks",
        zone: "UTC",
        contracts: &[
            "C-1 block 5h from 2026-01-01 until 2026-02-28 rollover",
            "C-2 block 2h from 2026-02-15",
        ],
        entries: &[
            ("2026-02-20T10:00:00Z", "60", "C-1 60"),
            ("2026-03-05T10:00:00Z", "150", "C-2 120, C-1 30"),
        ],
        balances: "C-1 210/300, C-2 0/120",
        statement: "2026-03: opening 360 added 0 charged 150 overage 0 expired 0 closing 210",
    },
    Case {
        name: "expired rollover blocks among themselves: the oldest first, then overage",
        zone: "UTC",
        contracts: &[
            "C-1 block 1h from 2025-06-01 until 2025-12-31 rollover",
            "C-2 block 1h from 2025-09-01 until 2026-01-31 rollover",
        ],
        entries: &[
            ("2026-02-10T10:00:00Z", "90", "C-1 60, C-2 30"),
            ("2026-02-11T10:00:00Z", "60", "C-2 30, overage 30"),
        ],
        balances: "C-1 0/60, C-2 0/60",
        statement: "2026-02: opening 120 added 0 charged 150 overage 30 expired 0 closing 0",
    },
    Case {
        name: "plan hours reset on the 1st in Warsaw: 23:30 UTC on 31 January is February there",
        zone: "Europe/Warsaw",
        contracts: &["C-1 plan 2h from 2026-01-01"],
        entries: &[
            ("2026-01-31T12:00:00Z", "100", "C-1 100"),
            ("2026-01-31T23:30:00Z", "60", "C-1 60"),
        ],
        balances: "C-1 60/120",
        statement: "2026-02: opening 120 added 0 charged 60 overage 0 expired 0 closing 60",
    },
    Case {
        name: "the same plan in UTC: 23:30 on 31 January is still January, past its hours",
        zone: "UTC",
        contracts: &["C-1 plan 2h from 2026-01-01"],
        entries: &[
            ("2026-01-31T12:00:00Z", "100", "C-1 100"),
            ("2026-01-31T23:30:00Z", "60", "C-1 20, overage 40"),
        ],
        balances: "C-1 0/120",
        statement: "2026-01: opening 120 added 0 charged 160 overage 40 expired 0 closing 0",
    },
    Case {
        name: "plan hours reset in Warsaw in summer time too (23:30 UTC on 31 March is 1 April)",
        zone: "Europe/Warsaw",
        contracts: &["C-1 plan 1h from 2026-01-01"],
        entries: &[
            ("2026-03-31T21:30:00Z", "60", "C-1 60"),
            ("2026-03-31T23:30:00Z", "60", "C-1 60"),
        ],
        balances: "C-1 0/60",
        statement: "2026-04: opening 60 added 0 charged 60 overage 0 expired 0 closing 0",
    },
    Case {
        name: "a plan's hours come before an older block, then the block",
        zone: "UTC",
        contracts: &[
            "C-1 plan 1h from 2026-01-01",
            "C-2 block 10h from 2025-12-01",
        ],
        entries: &[("2026-03-10T10:00:00Z", "90", "C-1 60, C-2 30")],
        balances: "C-1 0/60, C-2 570/600",
        statement: "2026-03: opening 660 added 0 charged 90 overage 0 expired 0 closing 570",
    },
    Case {
        name: "a plan with past = overage skips the blocks",
        zone: "UTC",
        contracts: &[
            "C-1 plan 1h from 2026-01-01 past-overage",
            "C-2 block 10h from 2025-12-01",
        ],
        entries: &[("2026-03-10T10:00:00Z", "90", "C-1 60, overage 30")],
        balances: "C-1 0/60, C-2 600/600",
        statement: "2026-03: opening 660 added 0 charged 90 overage 30 expired 0 closing 600",
    },
    Case {
        name: "a closed plan with past = overage no longer keeps the blocks from being used",
        zone: "UTC",
        contracts: &[
            "C-1 plan 1h from 2026-01-01 past-overage closed 2026-03-01",
            "C-2 block 10h from 2025-12-01",
        ],
        entries: &[
            ("2026-02-27T10:00:00Z", "90", "C-1 60, overage 30"),
            ("2026-03-02T10:00:00Z", "90", "C-2 90"),
        ],
        balances: "C-2 510/600",
        statement: "2026-03: opening 600 added 0 charged 90 overage 0 expired 0 closing 510",
    },
    Case {
        name: "the month the plan above was closed in: its statement",
        zone: "UTC",
        contracts: &[
            "C-1 plan 1h from 2026-01-01 past-overage closed 2026-03-01",
            "C-2 block 10h from 2025-12-01",
        ],
        entries: &[("2026-02-27T10:00:00Z", "90", "C-1 60, overage 30")],
        balances: "C-1 0/60, C-2 600/600",
        statement: "2026-02: opening 660 added 0 charged 90 overage 30 expired 0 closing 600",
    },
    Case {
        name: "a plan that starts mid-month counts from its start",
        zone: "UTC",
        contracts: &["C-1 plan 1h from 2026-03-15"],
        entries: &[
            ("2026-03-10T10:00:00Z", "30", "overage 30"),
            ("2026-03-20T10:00:00Z", "30", "C-1 30"),
        ],
        balances: "C-1 30/60",
        statement: "2026-03: opening 60 added 0 charged 60 overage 30 expired 0 closing 30",
    },
    Case {
        name: "two plans: the oldest first",
        zone: "UTC",
        contracts: &["C-1 plan 1h from 2026-02-01", "C-2 plan 1h from 2026-01-01"],
        entries: &[("2026-03-01T00:00:00Z", "90", "C-2 60, C-1 30")],
        balances: "C-1 30/60, C-2 0/60",
        statement: "2026-03: opening 120 added 0 charged 90 overage 0 expired 0 closing 30",
    },
    Case {
        name: "plan rollover: January's unused 90 minutes are usable in February, then overage",
        zone: "UTC",
        contracts: &["C-1 plan 2h from 2026-01-01 rollover"],
        entries: &[
            ("2026-01-10T10:00:00Z", "30", "C-1 30"),
            ("2026-02-10T10:00:00Z", "200", "C-1 200"),
            ("2026-02-20T10:00:00Z", "20", "C-1 10, overage 10"),
        ],
        balances: "C-1 0/210",
        statement: "2026-02: opening 210 added 0 charged 220 overage 10 expired 0 closing 0",
    },
    Case {
        name: "plan rollover carries at most one month's hours: two idle months give two months, not three",
        zone: "UTC",
        contracts: &["C-1 plan 1h from 2026-01-01 rollover"],
        entries: &[("2026-03-05T10:00:00Z", "150", "C-1 120, overage 30")],
        balances: "C-1 0/120",
        statement: "2026-03: opening 120 added 0 charged 150 overage 30 expired 0 closing 0",
    },
    Case {
        name: "plan rollover: carried hours are used first (oldest first), so February's own 30 minutes left carry into March",
        zone: "UTC",
        contracts: &["C-1 plan 1h from 2026-01-01 rollover"],
        entries: &[
            // February has 60 carried + 60 of its own; 90 uses the 60 carried and 30 of its own.
            ("2026-02-10T10:00:00Z", "90", "C-1 90"),
            // March: 60 of its own + the 30 February left of its own.
            ("2026-03-03T10:00:00Z", "100", "C-1 90, overage 10"),
        ],
        balances: "C-1 0/90",
        statement: "2026-03: opening 90 added 0 charged 100 overage 10 expired 0 closing 0",
    },
    Case {
        name: "plan rollover in Warsaw: the month ends at midnight there",
        zone: "Europe/Warsaw",
        contracts: &["C-1 plan 1h from 2026-01-01 rollover"],
        entries: &[
            // 00:30 CET on 1 February: February's hours plus January's unused hour.
            ("2026-01-31T23:30:00Z", "100", "C-1 100"),
        ],
        balances: "C-1 20/120",
        statement: "2026-02: opening 120 added 0 charged 100 overage 0 expired 0 closing 20",
    },
    Case {
        name: "an annual commitment: a year of 12 months from its start month, then a fresh year",
        zone: "UTC",
        contracts: &["C-1 annual 10h from 2025-04-15"],
        entries: &[
            ("2025-05-01T10:00:00Z", "300", "C-1 300"),
            ("2026-03-31T10:00:00Z", "360", "C-1 300, overage 60"),
            ("2026-04-01T10:00:00Z", "60", "C-1 60"),
        ],
        balances: "C-1 540/600",
        statement: "2026-04: opening 600 added 0 charged 60 overage 0 expired 0 closing 540",
    },
    Case {
        name: "the same annual commitment: the last month of its first year",
        zone: "UTC",
        contracts: &["C-1 annual 10h from 2025-04-15"],
        entries: &[
            ("2025-05-01T10:00:00Z", "300", "C-1 300"),
            ("2026-03-31T10:00:00Z", "360", "C-1 300, overage 60"),
        ],
        balances: "C-1 0/600",
        statement: "2026-03: opening 300 added 0 charged 360 overage 60 expired 0 closing 0",
    },
    Case {
        name: "an annual commitment's year turns at midnight in New York, not in UTC",
        zone: "America/New_York",
        contracts: &["C-1 annual 1h from 2025-06-01"],
        entries: &[
            // 22:00 EDT on 31 May 2026: the first year's last hour.
            ("2026-06-01T02:00:00Z", "60", "C-1 60"),
            // 01:00 EDT on 1 June 2026: the second year.
            ("2026-06-01T05:00:00Z", "60", "C-1 60"),
        ],
        balances: "C-1 0/60",
        statement: "2026-06: opening 60 added 0 charged 60 overage 0 expired 0 closing 0",
    },
    Case {
        name: "annual rollover: the first year's unused hours add to the second year",
        zone: "UTC",
        contracts: &["C-1 annual 10h from 2025-01-01 rollover"],
        entries: &[
            ("2025-03-01T10:00:00Z", "240", "C-1 240"),
            ("2026-02-01T10:00:00Z", "900", "C-1 900"),
        ],
        balances: "C-1 60/960",
        statement: "2026-02: opening 960 added 0 charged 900 overage 0 expired 0 closing 60",
    },
    Case {
        name: "plan, then annual, then block: the charging order, whatever their ages",
        zone: "UTC",
        contracts: &[
            "C-1 block 1h from 2025-01-01",
            "C-2 annual 1h from 2025-06-01",
            "C-3 plan 30m from 2026-01-01",
        ],
        entries: &[("2026-02-10T10:00:00Z", "150", "C-3 30, C-2 60, C-1 60")],
        balances: "C-1 0/60, C-2 0/60, C-3 0/30",
        statement: "2026-02: opening 150 added 0 charged 150 overage 0 expired 0 closing 0",
    },
    Case {
        name: "an annual commitment closed early: the block takes over from the closing day",
        zone: "UTC",
        contracts: &[
            "C-1 annual 10h from 2025-01-01 closed 2025-07-01",
            "C-2 block 1h from 2025-01-01",
        ],
        entries: &[
            ("2025-06-30T10:00:00Z", "30", "C-1 30"),
            ("2025-07-01T10:00:00Z", "30", "C-2 30"),
        ],
        balances: "C-2 30/60",
        statement: "2025-07: opening 60 added 0 charged 30 overage 0 expired 0 closing 30",
    },
    Case {
        name: "a closed block: usable the day before closing, its hours lost from the closing day",
        zone: "UTC",
        contracts: &[
            "C-1 block 10h from 2026-01-01 closed 2026-03-15",
            "C-2 block 1h from 2026-02-01",
        ],
        entries: &[
            ("2026-03-14T10:00:00Z", "60", "C-1 60"),
            ("2026-03-15T10:00:00Z", "60", "C-2 60"),
            ("2026-03-16T10:00:00Z", "30", "overage 30"),
        ],
        balances: "C-2 0/60",
        statement: "2026-03: opening 660 added 0 charged 150 overage 30 expired 540 closing 0",
    },
    Case {
        name: "a top-up counts from its date, not before",
        zone: "UTC",
        contracts: &["C-1 block 2h from 2026-01-01 topup 2026-03-10 5h"],
        entries: &[
            ("2026-03-09T10:00:00Z", "150", "C-1 120, overage 30"),
            ("2026-03-10T10:00:00Z", "150", "C-1 150"),
        ],
        balances: "C-1 150/420",
        statement: "2026-03: opening 120 added 300 charged 300 overage 30 expired 0 closing 150",
    },
    Case {
        name: "a block bought and topped up in the same month",
        zone: "UTC",
        contracts: &["C-1 block 1h from 2026-04-02 topup 2026-04-20 1h"],
        entries: &[("2026-04-25T10:00:00Z", "90", "C-1 90")],
        balances: "C-1 30/120",
        statement: "2026-04: opening 0 added 120 charged 90 overage 0 expired 0 closing 30",
    },
    Case {
        name: "a time entry not billable: no splits, the balance untouched",
        zone: "UTC",
        contracts: &["C-1 block 1h from 2026-01-01"],
        entries: &[
            ("2026-03-02T10:00:00Z", "30 free", "none"),
            ("2026-03-03T10:00:00Z", "45", "C-1 45"),
        ],
        balances: "C-1 15/60",
        statement: "2026-03: opening 60 added 0 charged 45 overage 0 expired 0 closing 15 free 30",
    },
    Case {
        name: "a refund of a mistaken entry: the same minutes back to the block and off the overage",
        zone: "UTC",
        contracts: &["C-1 block 2h from 2026-01-01"],
        entries: &[
            ("2026-03-02T10:00:00Z", "90", "C-1 90"),
            ("2026-03-02T11:00:00Z", "90", "C-1 30, overage 60"),
            ("2026-03-02T12:00:00Z", "refund 2", "C-1 -30, overage -60"),
        ],
        balances: "C-1 30/120",
        statement: "2026-03: opening 120 added 0 charged 90 overage 0 expired 0 closing 30",
    },
    Case {
        name: "a refund of an entry split over two blocks gives each back its share",
        zone: "UTC",
        contracts: &[
            "C-1 block 1h from 2026-01-01",
            "C-2 block 1h from 2026-02-01",
        ],
        entries: &[
            ("2026-03-05T10:00:00Z", "90", "C-1 60, C-2 30"),
            ("2026-03-06T10:00:00Z", "refund 1", "C-1 -60, C-2 -30"),
        ],
        balances: "C-1 60/60, C-2 60/60",
        statement: "2026-03: opening 120 added 0 charged 0 overage 0 expired 0 closing 120",
    },
    Case {
        name: "a refund after the block expired is an overage credit",
        zone: "UTC",
        contracts: &[
            "C-1 block 2h from 2026-01-01 until 2026-03-31",
            "C-2 block 2h from 2026-03-01",
        ],
        entries: &[
            ("2026-03-30T10:00:00Z", "60", "C-1 60"),
            ("2026-04-02T10:00:00Z", "refund 1", "overage -60"),
        ],
        balances: "C-2 120/120",
        statement: "2026-04: opening 120 added 0 charged -60 overage -60 expired 0 closing 120",
    },
    Case {
        name: "a refund after a rollover block expired goes back to the block",
        zone: "UTC",
        contracts: &["C-1 block 2h from 2026-01-01 until 2026-03-31 rollover"],
        entries: &[
            ("2026-03-30T10:00:00Z", "60", "C-1 60"),
            ("2026-04-02T10:00:00Z", "refund 1", "C-1 -60"),
        ],
        balances: "C-1 120/120",
        statement: "2026-04: opening 60 added 0 charged -60 overage 0 expired 0 closing 120",
    },
    Case {
        name: "a refund after the block was closed is an overage credit; the block's rest is lost",
        zone: "UTC",
        contracts: &["C-1 block 2h from 2026-01-01 closed 2026-03-10"],
        entries: &[
            ("2026-03-05T10:00:00Z", "60", "C-1 60"),
            ("2026-03-12T10:00:00Z", "refund 1", "overage -60"),
        ],
        balances: "",
        statement: "2026-03: opening 120 added 0 charged 0 overage -60 expired 60 closing 0",
    },
    Case {
        name: "a refund of overage in the next month is an overage credit there",
        zone: "UTC",
        contracts: &[],
        entries: &[
            ("2026-03-31T10:00:00Z", "60", "overage 60"),
            ("2026-04-01T10:00:00Z", "refund 1", "overage -60"),
        ],
        balances: "",
        statement: "2026-04: opening 0 added 0 charged -60 overage -60 expired 0 closing 0",
    },
    Case {
        name: "a refund of an entry not billable moves nothing",
        zone: "UTC",
        contracts: &["C-1 block 1h from 2026-01-01"],
        entries: &[
            ("2026-03-02T10:00:00Z", "30 free", "none"),
            ("2026-03-02T11:00:00Z", "refund 1", "none"),
        ],
        balances: "C-1 60/60",
        statement: "2026-03: opening 60 added 0 charged 0 overage 0 expired 0 closing 60 free 0",
    },
    Case {
        name: "a refund of plan time in the same month gives the month its hours back",
        zone: "UTC",
        contracts: &[
            "C-1 plan 1h from 2026-01-01",
            "C-2 block 1h from 2026-01-01",
        ],
        entries: &[
            ("2026-03-02T10:00:00Z", "90", "C-1 60, C-2 30"),
            ("2026-03-03T10:00:00Z", "refund 1", "C-1 -60, C-2 -30"),
            ("2026-03-04T10:00:00Z", "30", "C-1 30"),
        ],
        balances: "C-1 30/60, C-2 60/60",
        statement: "2026-03: opening 120 added 0 charged 30 overage 0 expired 0 closing 90",
    },
];

/// `10h`, `30m`.
fn minutes(s: &str) -> i64 {
    if let Some(h) = s.strip_suffix('h') {
        h.parse::<i64>().expect("hours") * 60
    } else if let Some(m) = s.strip_suffix('m') {
        m.parse().expect("minutes")
    } else {
        panic!("`{s}` is not a duration like 10h or 30m")
    }
}

fn contract(spec: &str, n: usize) -> Contract {
    let mut w = spec.split_whitespace();
    let id = w.next().expect("an id").to_string();
    let kind = Kind::parse(w.next().expect("a kind")).expect("a known kind");
    let mut c = Contract {
        id,
        kind,
        minutes: minutes(w.next().expect("hours")),
        price_cents: None,
        start: String::new(),
        expires: None,
        rollover: false,
        monthly_fee_cents: None,
        overage_rate_cents: None,
        past: Past::Blocks,
        rate_cents: None,
        billing: Default::default(),
        require_time: false,
        topups: vec![],
        closed: None,
        created_ms: n as u64,
    };
    while let Some(word) = w.next() {
        let mut arg = || w.next().expect("an argument").to_string();
        match word {
            "from" => c.start = arg(),
            "until" => c.expires = Some(arg()),
            "closed" => c.closed = Some(arg()),
            "rollover" => c.rollover = true,
            "past-overage" => c.past = Past::Overage,
            "topup" => {
                let date = arg();
                c.topups.push(Topup {
                    date,
                    minutes: minutes(&arg()),
                    price_cents: None,
                })
            }
            other => panic!("`{other}` in contract `{spec}`"),
        }
    }
    assert!(!c.start.is_empty(), "contract `{spec}` needs `from`");
    c
}

/// `C-1 60, overage 30` or `none`.
fn splits(s: &str) -> Vec<Split> {
    if s == "none" {
        return vec![];
    }
    s.split(',')
        .map(|part| {
            let (who, m) = part.trim().rsplit_once(' ').expect("`WHO MINUTES`");
            Split {
                contract: (who != "overage").then(|| who.to_string()),
                minutes: m.parse().expect("minutes"),
            }
        })
        .collect()
}

fn show_splits(s: &[Split]) -> String {
    if s.is_empty() {
        return "none".into();
    }
    s.iter()
        .map(|s| {
            format!(
                "{} {}",
                s.contract.as_deref().unwrap_or("overage"),
                s.minutes
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The balances as the test writes them: `C-1 30/120, C-2 0/60`.
fn show_balances(a: &Account, date: &str) -> String {
    a.balances(date)
        .iter()
        .map(|b| format!("{} {}/{}", b.contract, b.left, b.of))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_statement(s: &Statement, with_free: bool) -> String {
    let mut out = format!(
        "{}: opening {} added {} charged {} overage {} expired {} closing {}",
        s.month,
        s.opening_minutes,
        s.added_minutes,
        s.charged_minutes,
        s.overage_minutes,
        s.expired_minutes,
        s.closing_minutes
    );
    if with_free {
        out.push_str(&format!(" free {}", s.non_billable_minutes));
    }
    out
}

/// Runs one case; what differs from the table, if anything.
fn run(case: &Case) -> Vec<String> {
    let mut wrong = vec![];
    let tz = TimeZone::get(case.zone).expect("a known zone");
    let mut account = Account {
        id: "acme".into(),
        name: "ACME".into(),
        timezone: Some(case.zone.into()),
        contracts: case
            .contracts
            .iter()
            .enumerate()
            .map(|(n, s)| contract(s, n))
            .collect(),
        ..Account::default()
    };
    let mut ledger: Vec<Entry> = vec![];
    let mut last_date = String::new();
    for (n, (instant, what, expected)) in case.entries.iter().enumerate() {
        let at = parse_instant(instant).expect("an instant");
        let date = local_date(at, &tz);
        let (minutes, billable, refund_of, got) = match what.split_once(' ') {
            Some(("refund", of)) => {
                let of: u64 = of.parse().expect("an entry number");
                let original = ledger
                    .iter()
                    .find(|e| e.seq == of)
                    .expect("the refunded entry comes first")
                    .clone();
                let splits = if original.billable {
                    account.refund_splits(&original, &date)
                } else {
                    vec![]
                };
                (-original.minutes, original.billable, Some(of), splits)
            }
            Some((m, "free")) => (m.parse().expect("minutes"), false, None, vec![]),
            None => {
                let m: i64 = what.parse().expect("minutes");
                (m, true, None, account.charge(&date, m))
            }
            _ => panic!("`{what}` is not an entry"),
        };
        if got != splits(expected) {
            wrong.push(format!(
                "entry {} ({instant}, local {date}, {what}): splits `{}`, expected `{expected}`",
                n + 1,
                show_splits(&got)
            ));
        }
        let sum: i64 = got.iter().map(|s| s.minutes).sum();
        if billable && sum != minutes {
            wrong.push(format!(
                "entry {}: splits sum to {sum}, not {minutes}",
                n + 1
            ));
        }
        let entry = Entry {
            org: account.id.clone(),
            seq: account.entries + 1,
            at_ms: at,
            date: date.clone(),
            ticket: format!("T-{}", 1000 + n),
            event: None,
            agent: "ola".into(),
            minutes,
            activity: Default::default(),
            billable,
            refund_of,
            splits: got,
        };
        account.apply(&entry);
        ledger.push(entry);
        last_date = date;
    }
    let balances = show_balances(&account, &last_date);
    if balances != case.balances {
        wrong.push(format!(
            "balances on {last_date}: `{balances}`, expected `{}`",
            case.balances
        ));
    }
    let (month, figures) = match case.statement.split_once(": ") {
        Some((m, f)) => (m.to_string(), Some(f)),
        None if case.statement.is_empty() => (last_date[..7].to_string(), None),
        None => (case.statement.to_string(), None),
    };
    let pricing = Pricing::default();
    let statement = Statement::build(&account, &month, &ledger, &pricing, &tz);
    if !statement.sums() {
        wrong.push(format!(
            "statement does not sum: {}",
            show_statement(&statement, false)
        ));
    }
    // Every billable split of the month is one row; not billable entries one row each.
    let rows: usize = ledger
        .iter()
        .filter(|e| e.month() == month)
        .map(|e| if e.billable { e.splits.len() } else { 1 })
        .sum();
    if statement.entries.len() != rows {
        wrong.push(format!(
            "statement has {} rows, expected {rows}",
            statement.entries.len()
        ));
    }
    if let Some(f) = figures {
        let shown = show_statement(&statement, f.contains("free"));
        let expected = format!("{month}: {f}");
        if shown != expected {
            wrong.push(format!("statement `{shown}`, expected `{expected}`"));
        }
    }
    wrong
}

#[test]
fn charging_table() {
    assert!(CASES.len() >= 30, "at least 30 cases");
    let with_figures = CASES.iter().filter(|c| c.statement.contains(':')).count();
    assert!(
        with_figures * 3 >= CASES.len(),
        "a third with statement figures"
    );
    let mut failures = vec![];
    for case in CASES {
        let wrong = run(case);
        if !wrong.is_empty() {
            failures.push(format!("{}:\n  {}", case.name, wrong.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} charging cases differ from the table:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

/// The table checks itself: a wrong expectation is reported, so the table can fail.
#[test]
fn a_wrong_expectation_is_caught() {
    let case = Case {
        name: "deliberately wrong",
        zone: "UTC",
        contracts: &["C-1 block 1h from 2026-01-01"],
        entries: &[("2026-03-02T10:00:00Z", "90", "C-1 90")],
        balances: "C-1 60/60",
        statement: "2026-03: opening 0 added 0 charged 0 overage 0 expired 0 closing 0",
    };
    let wrong = run(&case);
    assert_eq!(wrong.len(), 3, "{wrong:?}");
    assert!(
        wrong[0].contains("splits `C-1 60, overage 30`"),
        "{wrong:?}"
    );
    assert!(wrong[1].contains("`C-1 0/60`"), "{wrong:?}");
    assert!(
        wrong[2].contains("opening 60 added 0 charged 90 overage 30 expired 0 closing 0"),
        "{wrong:?}"
    );
}

/// A statement writes each entry's instant in the organisation's zone exactly as
/// `contracts::local_instant` does (it formats them by hand, for speed): milliseconds, zones
/// east and west of UTC, summer time, UTC itself.
#[test]
fn statement_instants_read_as_local_instant() {
    use frontline::contracts::local_instant;
    for zone in [
        "UTC",
        "Europe/Warsaw",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Adelaide",
    ] {
        let tz = TimeZone::get(zone).unwrap();
        let mut account = Account {
            id: "acme".into(),
            ..Account::default()
        };
        let start = parse_instant("2026-01-01T00:00:00Z").unwrap();
        let entries: Vec<Entry> = (0..400u64)
            .map(|i| {
                // Every 22 hours, 17 minutes and 1.037 seconds: all hours, both offsets.
                let at = start + i * 80_221_037 + if i % 3 == 0 { 0 } else { i % 1000 };
                let e = Entry {
                    org: "acme".into(),
                    seq: i + 1,
                    at_ms: at,
                    date: local_date(at, &tz),
                    ticket: "T-1".into(),
                    event: None,
                    agent: "ola".into(),
                    minutes: 1,
                    activity: Default::default(),
                    billable: false,
                    refund_of: None,
                    splits: vec![],
                };
                account.apply(&e);
                e
            })
            .collect();
        for e in &entries {
            let month = e.month().to_string();
            let s = Statement::build(&account, &month, [e], &Pricing::default(), &tz);
            assert_eq!(s.entries[0].at, local_instant(e.at_ms, &tz), "{zone}");
        }
    }
}

/// The ledger keeps entries in a compact binary form: what is committed is read back the same
/// (refunds, entries not billable, overage, several splits), entries stored as JSON by earlier
/// builds still read, and a damaged record is an error, never a panic.
#[test]
fn ledger_entries_read_back_as_written() {
    use frontline::contracts::Activity;
    use frontline::desk::turn::{AccountWrite, Turn};
    use frontline::store::accounts::{decode_entry, encode_entry};
    use frontline::store::{SledStore, Store};

    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let mut account = Account {
        id: "acme".into(),
        name: "ACME".into(),
        contracts: vec![contract("C-1001 block 1h from 2026-01-01", 0)],
        ..Account::default()
    };
    let entry = |seq: u64, minutes: i64, splits: Vec<Split>| Entry {
        org: "acme".into(),
        seq,
        at_ms: parse_instant("2026-03-02T10:00:00.123Z").unwrap() + seq,
        date: "2026-03-02".into(),
        ticket: format!("T-{}", 1000 + seq),
        event: Some(seq as u32 * 70_000),
        agent: "zażółć".into(),
        minutes,
        activity: Activity::ALL[seq as usize % 4],
        billable: !splits.is_empty(),
        refund_of: (minutes < 0).then_some(1),
        splits,
    };
    let written = vec![
        entry(1, 90, account.charge("2026-03-02", 90)),
        entry(2, 30, vec![]),
        entry(3, -90, splits("C-1001 -60, overage -30")),
        entry(4, 1_000_000, splits("overage 1000000")),
    ];
    for e in &written {
        account.apply(e);
    }
    account.rev = 1;
    let turn = Turn {
        accounts: vec![AccountWrite {
            account: account.clone(),
            expected_rev: None,
            entries: written.clone(),
        }],
        ..Turn::default()
    };
    store.commit(&turn, 0, true).unwrap();
    assert_eq!(store.ledger("acme", Some("2026-03")).unwrap(), written);
    assert_eq!(store.ledger("acme", None).unwrap(), written);
    assert!(store.ledger("acme", Some("2026-04")).unwrap().is_empty());
    assert_eq!(store.account("acme").unwrap().unwrap(), account);

    for e in &written {
        let json = serde_json::to_vec(e).unwrap();
        assert_eq!(decode_entry(&json).unwrap(), *e, "JSON of earlier builds");
        let bytes = encode_entry(e);
        assert!(
            bytes.len() * 2 < json.len(),
            "{} vs {}",
            bytes.len(),
            json.len()
        );
        for cut in 0..bytes.len() {
            assert!(decode_entry(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_entry(&longer).is_err());
    }
    assert!(
        decode_entry(&[
            1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
        ])
        .is_err()
    );
    assert!(decode_entry(&[7, 1, 2]).is_err());
}
