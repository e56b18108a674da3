//! Service clocks: business-hours calendars ([`calendar`]) and what counts in them. Part of the
//! platform-neutral core: no I/O, no clock read (instants are handed in).

pub mod calendar;
pub mod sla;
pub mod timer;
