//! The timer loop of `frontline run`: fires the store's due timers ([`crate::clocks::timer`]) as
//! desk events, soonest first, each keyed by its id and due instant so a firing is handled once
//! (after a crash, the same firing is refused as a duplicate or finds the timer gone). The wall
//! clock is read here, not in the desk: after downtime or a clock jumped forward, everything due
//! fires at once, in order. What a firing says is delivered by each platform's outbox worker.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::desk::{Desk, Event, Incoming};
use crate::tickets::now_ms;

/// The longest sleep between looks at the store (a timer scheduled by another process, or by a
/// turn of this one, is picked up within it).
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// Timers fired per look.
const BATCH: usize = 256;

/// Fires due timers until `shutdown` resolves.
pub async fn run(desk: Arc<Desk>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    // The desk's own timers (the security tips) set, moved or removed as configured.
    let d = desk.clone();
    match tokio::task::spawn_blocking(move || d.process(Incoming::plain(Event::Schedule), now_ms()))
        .await
    {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::error!("scheduling the desk's timers: {e}"),
        Err(e) => tracing::error!("timer task: {e}"),
    }
    loop {
        let d = desk.clone();
        let fired = tokio::task::spawn_blocking(move || fire_due(&d, now_ms())).await;
        let more = match fired {
            Ok(Ok(n)) => n >= BATCH,
            Ok(Err(e)) => {
                tracing::error!("firing timers: {e}");
                false
            }
            Err(e) => {
                tracing::error!("timer task: {e}");
                false
            }
        };
        if more {
            continue;
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }
}

/// Fires the timers due at `now`, soonest first; how many were due.
pub fn fire_due(desk: &Desk, now: u64) -> Result<usize, crate::desk::DeskError> {
    let due = desk.store().timers(now, None, BATCH)?;
    let n = due.len();
    for t in due {
        let incoming = Incoming::keyed(
            format!("timer:{}:{}", t.id, t.due_ms),
            Event::TimerFired {
                id: t.id.clone(),
                ticket: t.ticket.clone(),
                due_ms: t.due_ms,
            },
        );
        if let Err(e) = desk.process(incoming, now) {
            tracing::error!(timer = %t.id, "firing: {e}");
        }
    }
    Ok(n)
}
