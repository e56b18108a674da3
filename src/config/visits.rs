//! `[visits]`: visits and remote sessions agents propose on tickets. Today when people are
//! reminded of one that is confirmed. Read and checked in `read/visits.rs`; the workflow is
//! `desk/visits.rs`.

/// The `[visits]` table as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitSettings {
    /// Minutes before a confirmed visit when the requester and the technician are reminded, one
    /// reminder each; largest first, no duplicates. Empty: no reminders. Default `[60]`.
    pub remind_before_minutes: Vec<u32>,
}

impl Default for VisitSettings {
    fn default() -> Self {
        VisitSettings {
            remind_before_minutes: vec![60],
        }
    }
}
