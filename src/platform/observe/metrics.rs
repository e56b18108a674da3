//! The counters and histograms `/metrics` exposes (prometheus-client, OpenMetrics text), and the
//! one place that turns what the platform layer sees into them. Nothing here reads the clock of
//! the core or asks the desk anything: events are counted where an adapter hands them to the desk
//! ([`crate::platform::worker`]), decisions and new tickets from the turns the store commits
//! ([`super::store::Observed`]), deliveries where the worker records them.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::desk::Event;
use crate::desk::log::BotEvent;
use crate::desk::turn::Turn;
use crate::tickets::Platform;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlatformLabel {
    platform: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    platform: &'static str,
    event: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    intent: String,
    action: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TicketLabels {
    queue: String,
    priority: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    platform: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommitLabels {
    /// `true`: the turn waited for its flush; `false`: bookkeeping that rides the next one.
    durable: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Latency buckets in seconds: 0.5 ms to ~65 s, doubling (a flush is ms, a retried delivery
/// minutes; past the last bucket lands in `+Inf`).
fn latency() -> Histogram {
    Histogram::new((0..18).map(|i| 0.0005 * 2f64.powi(i)))
}

/// Every metric of one running process, in one registry.
pub struct Metrics {
    registry: Registry,
    received: Family<EventLabels, Counter>,
    decisions: Family<DecisionLabels, Counter>,
    tickets_opened: Family<TicketLabels, Counter>,
    deliveries: Family<DeliveryLabels, Counter>,
    delivery_latency: Histograms<PlatformLabel>,
    outbox_pending: Family<PlatformLabel, Gauge>,
    commit_latency: Histograms<CommitLabels>,
    flush_latency: Histogram,
    connected: Family<PlatformLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("frontline");
        let received = Family::<EventLabels, Counter>::default();
        registry.register(
            "events_received",
            "Events handed to the desk, by platform and kind (user_message, thread_message, agent, ...)",
            received.clone(),
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "decisions",
            "What the desk did with a message, by intent and action (faq, answer, ask, ticket, out_of_scope)",
            decisions.clone(),
        );
        let tickets_opened = Family::<TicketLabels, Counter>::default();
        registry.register(
            "tickets_opened",
            "Tickets opened, by queue and priority",
            tickets_opened.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "outbox_deliveries",
            "Outbox delivery attempts, by platform and outcome (delivered, failed)",
            deliveries.clone(),
        );
        let delivery_latency: Histograms<PlatformLabel> =
            Family::new_with_constructor(latency as fn() -> Histogram);
        registry.register_with_unit(
            "outbox_delivery_latency",
            "From an outbox entry's commit to its delivery, by platform",
            Unit::Seconds,
            delivery_latency.clone(),
        );
        let outbox_pending = Family::<PlatformLabel, Gauge>::default();
        registry.register(
            "outbox_pending",
            "Outbox entries waiting for delivery, by platform (read from the store at each scrape)",
            outbox_pending.clone(),
        );
        let commit_latency: Histograms<CommitLabels> =
            Family::new_with_constructor(latency as fn() -> Histogram);
        registry.register_with_unit(
            "store_commit_latency",
            "Store commits of a turn (durable ones include waiting for their flush)",
            Unit::Seconds,
            commit_latency.clone(),
        );
        let flush_latency = latency();
        registry.register_with_unit(
            "store_flush_latency",
            "Explicit store flushes (shutdown, health checks)",
            Unit::Seconds,
            flush_latency.clone(),
        );
        let connected = Family::<PlatformLabel, Gauge>::default();
        registry.register(
            "platform_connected",
            "1 while the platform's connection is up (Discord: every shard READY and not reconnecting)",
            connected.clone(),
        );
        Metrics {
            registry,
            received,
            decisions,
            tickets_opened,
            deliveries,
            delivery_latency,
            outbox_pending,
            commit_latency,
            flush_latency,
            connected,
        }
    }

    /// An event an adapter hands to the desk.
    pub fn received(&self, platform: Platform, event: &Event) {
        self.received
            .get_or_create(&EventLabels {
                platform: platform.as_str(),
                event: event_kind(event),
            })
            .inc();
    }

    /// A committed turn: what the desk decided and the tickets it opened.
    pub fn committed(&self, turn: &Turn, took: Duration, durable: bool) {
        self.commit_latency
            .get_or_create(&CommitLabels {
                durable: if durable { "true" } else { "false" },
            })
            .observe(took.as_secs_f64());
        for (_, event) in &turn.bot_events {
            let (intent, action) = match event {
                BotEvent::FaqOffered { intent, .. } => (intent.as_str(), "faq"),
                BotEvent::Answered { intent } => (intent.as_str(), "answer"),
                BotEvent::FollowUpAsked { intent, .. } => (intent.as_str(), "ask"),
                BotEvent::OutOfScope { .. } => ("out_of_scope", "out_of_scope"),
                _ => continue,
            };
            self.decide(intent, action);
        }
        for w in &turn.tickets {
            if w.expected_events.is_none() {
                let t = &w.ticket;
                self.decide(&t.detection.intent, "ticket");
                self.tickets_opened
                    .get_or_create(&TicketLabels {
                        queue: t.queue.clone(),
                        priority: t.priority.to_string(),
                    })
                    .inc();
            }
        }
    }

    fn decide(&self, intent: &str, action: &'static str) {
        self.decisions
            .get_or_create(&DecisionLabels {
                intent: intent.to_string(),
                action,
            })
            .inc();
    }

    pub fn flushed(&self, took: Duration) {
        self.flush_latency.observe(took.as_secs_f64());
    }

    /// A delivery attempt; `latency` (commit to delivery) when it succeeded.
    pub fn delivered(&self, platform: Platform, latency: Option<Duration>) {
        // The latency first: a reader who sees the delivery counted sees its latency too.
        if let Some(l) = latency {
            self.delivery_latency
                .get_or_create(&PlatformLabel {
                    platform: platform.as_str(),
                })
                .observe(l.as_secs_f64());
        }
        let outcome = if latency.is_some() {
            "delivered"
        } else {
            "failed"
        };
        self.deliveries
            .get_or_create(&DeliveryLabels {
                platform: platform.as_str(),
                outcome,
            })
            .inc();
    }

    pub fn set_pending(&self, platform: Platform, pending: usize) {
        self.outbox_pending
            .get_or_create(&PlatformLabel {
                platform: platform.as_str(),
            })
            .set(pending as i64);
    }

    pub fn set_connected(&self, platform: Platform, up: bool) {
        self.connected
            .get_or_create(&PlatformLabel {
                platform: platform.as_str(),
            })
            .set(i64::from(up));
    }

    /// The exposition, in the OpenMetrics text format (which Prometheus scrapes).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The event's kind as a metric label.
fn event_kind(event: &Event) -> &'static str {
    match event {
        Event::UserMessage { .. } => "user_message",
        Event::UserChoice { .. } => "user_choice",
        Event::Agent { .. } => "agent",
        Event::OpenTicket { .. } => "open_ticket",
        Event::TicketFromMessages { .. } => "ticket_from_messages",
        Event::PhishingReport { .. } => "phishing_report",
        Event::Schedule => "schedule",
        Event::StatusRequest { .. } => "status_request",
        Event::Stats { .. } => "stats",
        Event::HomeOpened { .. } => "home_opened",
        Event::TimerFired { .. } => "timer_fired",
        Event::FaqSearch { .. } => "faq_search",
        Event::StartFresh { .. } => "start_fresh",
        Event::ThreadMessage { .. } => "thread_message",
        Event::Placed { .. } => "placed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_counted_shows_in_the_exposition_with_its_labels() {
        let m = Metrics::new();
        let user = crate::tickets::UserRef::local("jan");
        m.received(
            Platform::Discord,
            &Event::UserMessage {
                user,
                text: "hi".into(),
            },
        );
        m.delivered(Platform::Discord, Some(Duration::from_millis(3)));
        let text = m.encode();
        assert!(
            text.contains(
                r#"frontline_events_received_total{platform="discord",event="user_message"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"frontline_outbox_delivery_latency_seconds_count{platform="discord"} 1"#
            ),
            "{text}"
        );
    }
}
