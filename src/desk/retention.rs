//! Retention (`[privacy] retention_days`): a ticketless durable timer (`privacy:retention`) that
//! fires daily and purges the transcripts of tickets closed more than that many days ago, with a
//! `transcript_purged` event on each; the store removes their events' personal texts in the same
//! turn and records the purge in the audit log.

use super::{Cx, DeskError};
use crate::clocks::timer::{Timer, TimerKind, TimerWrite};
use crate::privacy::{DAY_MS, Erase, RETENTION_TIMER, purge_into};
use crate::store::Filter;
use crate::tickets::{Change, Status};

/// At most this many tickets are purged in one turn; the rest on the next firing.
const PER_TURN: usize = 200;

impl Cx<'_> {
    /// Sets the retention timer when retention is on and none is pending; removes it when off.
    pub(super) fn schedule_retention(&mut self) -> Result<(), DeskError> {
        let pending = self.desk.store.timer(RETENTION_TIMER)?;
        match (self.desk.config.privacy.retention_days, pending) {
            (Some(_), None) => self
                .turn
                .timers
                .push(TimerWrite::Set(retention_timer(self.now + DAY_MS))),
            (None, Some(_)) => self
                .turn
                .timers
                .push(TimerWrite::Cancel(RETENTION_TIMER.into())),
            _ => {}
        }
        Ok(())
    }

    /// The retention timer fired (removed by the caller's turn): purges what is due and sets
    /// itself for the next day.
    pub(super) fn retention_purge(&mut self) -> Result<(), DeskError> {
        let Some(days) = self.desk.config.privacy.retention_days else {
            return Ok(());
        };
        let cutoff = self.now.saturating_sub(u64::from(days) * DAY_MS);
        let closed = self.desk.store.list(&Filter {
            status: Some(Status::Closed),
            ..Filter::default()
        })?;
        let mut purged = Vec::new();
        for t in closed {
            if purged.len() >= PER_TURN {
                break;
            }
            if t.updated_ms > cutoff {
                continue;
            }
            let events = self.desk.store.events(&t.id)?;
            let done = events.iter().any(|e| {
                matches!(
                    e.change,
                    Change::TranscriptPurged | Change::PersonalDataErased { .. }
                )
            });
            if done {
                continue;
            }
            purge_into(&mut self.turn, &t, self.now)?;
            purged.push(t.id);
        }
        if !purged.is_empty() {
            self.turn.erase.push(Erase::Transcripts {
                tickets: purged,
                by: "retention".into(),
            });
        }
        self.turn
            .timers
            .push(TimerWrite::Set(retention_timer(self.now + DAY_MS)));
        Ok(())
    }
}

fn retention_timer(due_ms: u64) -> Timer {
    Timer {
        id: RETENTION_TIMER.into(),
        ticket: String::new(),
        kind: TimerKind::RetentionPurge,
        about: String::new(),
        due_ms,
    }
}
