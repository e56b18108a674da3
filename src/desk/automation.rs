//! Automation rules (`[[automations.rules]]`): when something happens to a ticket (it is opened,
//! updated, the requester writes, an SLA clock warns or breaches, a timer fires) and the ticket
//! matches the rule's conditions, the desk does the rule's actions in the same turn, each recorded
//! in the ticket's log. What a rule would do to a ticket is worked out by [`check`], which both the
//! desk and `frontline automations test` use, so the explanation is the decision.
//!
//! A turn runs the rules once, on what happened before them: what a rule changes does not trigger
//! rules again in that turn, so rules cannot chase each other in a loop.

use serde::Serialize;

use super::action::Action;
use super::texts::fill;
use super::{Cx, DeskError};
use crate::pack::Priority;
use crate::tickets::{Actor, Change, Status, Ticket, TicketEvent, Tier, UserRef};

/// What starts a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Opened,
    /// Any change other than opening, a message from the requester or a timer.
    Updated,
    /// The requester wrote on the ticket.
    Message,
    SlaWarning,
    SlaBreach,
    /// Any other durable timer fired (`reminder`, `auto_close`, `unclaimed_bump`...).
    Timer,
}

impl Trigger {
    pub const ALL: [Trigger; 6] = [
        Trigger::Opened,
        Trigger::Updated,
        Trigger::Message,
        Trigger::SlaWarning,
        Trigger::SlaBreach,
        Trigger::Timer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Opened => "opened",
            Trigger::Updated => "updated",
            Trigger::Message => "message",
            Trigger::SlaWarning => "sla_warning",
            Trigger::SlaBreach => "sla_breach",
            Trigger::Timer => "timer",
        }
    }

    pub fn parse(s: &str) -> Option<Trigger> {
        Trigger::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A rule's conditions; every one given must hold (an empty list is no condition).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    pub intent: Vec<String>,
    pub category: Vec<String>,
    pub priority: Vec<Priority>,
    pub organisation: Vec<String>,
    pub queue: Vec<String>,
    pub status: Vec<Status>,
    pub tier: Vec<Tier>,
    pub language: Vec<String>,
    /// Any of these words in the text (the message for `message`, else the subject and what the
    /// requester wrote), whole words, case and Polish diacritics ignored; `*` ends a prefix.
    pub keywords: Vec<String>,
    /// The ticket is at least this old (minutes since it was opened).
    pub older_than_minutes: Option<u64>,
    /// Within (`true`) or outside (`false`) the ticket's calendar's business hours.
    pub business_hours: Option<bool>,
    /// For `timer`, `sla_warning` and `sla_breach`: the kinds of timer (`reminder`, `auto_close`...).
    pub timer: Vec<String>,
}

/// What a rule does, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleAction {
    /// Move to a queue (its tier comes with it).
    Route(String),
    SetPriority(Priority),
    SetCategory(String),
    Tag(String),
    /// Give to an agent of the configuration, by name.
    Assign(String),
    /// Post `text` in a channel.
    Notify {
        platform: crate::tickets::Platform,
        channel: String,
        text: String,
    },
    /// Tell one person (`platform:id`, or an agent's name).
    Dm {
        to: UserRef,
        text: String,
    },
    /// Send the event to a webhook of `[automations.webhooks]`.
    Webhook(String),
    /// Escalate to the next tier, with a note for it.
    Escalate(String),
    /// Wait for an approver (`[approvals]`) before L2 work, with the reason.
    RequestApproval(String),
    /// Answer the requester with a FAQ article of the pack.
    ReplyArticle(String),
    /// Close the ticket, telling the requester `text` (nothing when empty).
    Close(String),
    /// Mark the ticket as a change (its outcome is asked for on resolve).
    MarkChange,
}

impl RuleAction {
    /// In words, for the log and `automations test`.
    pub fn describe(&self) -> String {
        match self {
            RuleAction::Route(q) => format!("route to {q}"),
            RuleAction::SetPriority(p) => format!("set priority {p}"),
            RuleAction::SetCategory(c) => format!("set category {c}"),
            RuleAction::Tag(t) => format!("tag {t}"),
            RuleAction::Assign(a) => format!("assign to {a}"),
            RuleAction::Notify {
                platform, channel, ..
            } => format!("notify {platform} channel {channel}"),
            RuleAction::Dm { to, .. } => format!("message {}", to.key()),
            RuleAction::Webhook(h) => format!("call webhook {h}"),
            RuleAction::Escalate(_) => "escalate to the next tier".into(),
            RuleAction::RequestApproval(_) => "request approval".into(),
            RuleAction::ReplyArticle(a) => format!("answer with article {a}"),
            RuleAction::Close(_) => "close".into(),
            RuleAction::MarkChange => "mark as a change".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    /// Its place among `[[automations.rules]]` (from 0), for messages.
    pub index: usize,
    pub enabled: bool,
    pub when: Vec<Trigger>,
    pub conditions: Conditions,
    pub actions: Vec<RuleAction>,
}

/// What a rule is checked against.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub ticket: &'a Ticket,
    pub trigger: Trigger,
    /// The requester's message for `message`.
    pub message: Option<&'a str>,
    /// The timer's kind for timer triggers.
    pub timer: Option<&'a str>,
    pub now: u64,
    /// Whether the ticket's calendar is open at `now`.
    pub in_hours: bool,
}

/// One condition, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    pub condition: String,
    pub passed: bool,
    /// What the ticket has, in words.
    pub found: String,
}

/// A rule checked against facts: whether it fires, and each reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub rule: String,
    pub fires: bool,
    pub enabled: bool,
    pub trigger_matches: bool,
    pub checks: Vec<Checked>,
    pub actions: Vec<String>,
}

/// Lower case with Polish diacritics folded, as the pack's rules see text.
fn fold(s: &str) -> String {
    crate::triage::normalize::normalize(s).text
}

fn word_match(text: &str, keyword: &str) -> bool {
    let k = fold(keyword);
    let (k, prefix) = match k.strip_suffix('*') {
        Some(p) => (p.to_string(), true),
        None => (k, false),
    };
    if k.is_empty() {
        return false;
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let parts: Vec<&str> = k.split_whitespace().collect();
    if parts.len() > 1 {
        // A phrase: consecutive words.
        return words
            .windows(parts.len())
            .any(|w| w.iter().zip(&parts).all(|(a, b)| a == b));
    }
    words
        .iter()
        .any(|w| if prefix { w.starts_with(&k) } else { *w == k })
}

/// Checks `rule` against `facts`: every condition given, each with what the ticket has.
pub fn check(rule: &Rule, facts: &Facts) -> Verdict {
    let t = facts.ticket;
    let c = &rule.conditions;
    let mut checks = Vec::new();
    let mut list = |name: &str, wanted: Vec<String>, has: String| {
        if !wanted.is_empty() {
            checks.push(Checked {
                condition: format!("{name} is {}", wanted.join(" or ")),
                passed: wanted.iter().any(|w| w.eq_ignore_ascii_case(&has)),
                found: if has.is_empty() { "none".into() } else { has },
            });
        }
    };
    list("intent", c.intent.clone(), t.detection.intent.clone());
    list("category", c.category.clone(), t.category.clone());
    list(
        "priority",
        c.priority.iter().map(|p| p.to_string()).collect(),
        t.priority.to_string(),
    );
    list(
        "organisation",
        c.organisation.clone(),
        t.organisation.clone().unwrap_or_default(),
    );
    list("queue", c.queue.clone(), t.queue.clone());
    list(
        "status",
        c.status.iter().map(|s| s.as_str().to_string()).collect(),
        t.status.as_str().to_string(),
    );
    list(
        "tier",
        c.tier.iter().map(|x| format!("{x:?}")).collect(),
        format!("{:?}", t.tier),
    );
    list("language", c.language.clone(), t.detection.language.clone());
    list(
        "timer",
        c.timer.clone(),
        facts.timer.unwrap_or_default().to_string(),
    );
    if !c.keywords.is_empty() {
        let text = match facts.message {
            Some(m) => fold(m),
            None => {
                let mut s = t.subject.clone();
                for l in t.transcript.iter().filter(|l| l.from == "user") {
                    s.push(' ');
                    s.push_str(&l.text);
                }
                fold(&s)
            }
        };
        let hit: Vec<&String> = c.keywords.iter().filter(|k| word_match(&text, k)).collect();
        checks.push(Checked {
            condition: format!("text has {}", c.keywords.join(" or ")),
            passed: !hit.is_empty(),
            found: if hit.is_empty() {
                "none of them".into()
            } else {
                hit.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        });
    }
    if let Some(min) = c.older_than_minutes {
        let age = facts.now.saturating_sub(t.created_ms) / 60_000;
        checks.push(Checked {
            condition: format!("older than {min} min"),
            passed: age >= min,
            found: format!("{age} min old"),
        });
    }
    if let Some(open) = c.business_hours {
        checks.push(Checked {
            condition: if open {
                "within business hours".into()
            } else {
                "outside business hours".into()
            },
            passed: facts.in_hours == open,
            found: if facts.in_hours {
                "within".into()
            } else {
                "outside".into()
            },
        });
    }
    let trigger_matches = rule.when.contains(&facts.trigger);
    Verdict {
        rule: rule.name.clone(),
        fires: rule.enabled && trigger_matches && checks.iter().all(|c| c.passed),
        enabled: rule.enabled,
        trigger_matches,
        checks,
        actions: rule.actions.iter().map(RuleAction::describe).collect(),
    }
}

/// What a ticket's new events in a turn mean for rules: each trigger once, with the message
/// or the timer's kind that came with it.
pub fn triggers(events: &[TicketEvent]) -> Vec<(Trigger, Option<String>, Option<String>)> {
    let mut out: Vec<(Trigger, Option<String>, Option<String>)> = Vec::new();
    let mut push = |t: Trigger, message: Option<String>, timer: Option<String>| {
        if !out.iter().any(|(x, _, _)| *x == t) {
            out.push((t, message, timer));
        }
    };
    for e in events {
        match &e.change {
            Change::Opened { .. } => push(Trigger::Opened, None, None),
            Change::UserReplied { text } => push(Trigger::Message, Some(text.clone()), None),
            Change::TimerFired { kind, .. } => {
                let t = match kind.as_str() {
                    "sla_warning" => Trigger::SlaWarning,
                    "sla_breach" => Trigger::SlaBreach,
                    _ => Trigger::Timer,
                };
                push(t, None, Some(kind.clone()));
            }
            Change::AutomationRan { .. } => {}
            _ => push(Trigger::Updated, None, None),
        }
    }
    // A ticket opened in this turn is not also "updated" by what else the turn did to it.
    if out.iter().any(|(t, _, _)| *t == Trigger::Opened) {
        out.retain(|(t, _, _)| *t != Trigger::Updated);
    }
    out
}

/// The text templates of a rule may say: `{ticket}`, `{subject}`, `{priority}`, `{queue}`,
/// `{requester}`, `{rule}`, `{status}`.
pub fn render(template: &str, t: &Ticket, rule: &str) -> String {
    fill(
        template,
        &[
            ("ticket", &t.id),
            ("subject", &t.subject),
            ("priority", &t.priority.to_string()),
            ("queue", &t.queue),
            ("requester", &t.requester.name),
            ("rule", rule),
            ("status", t.status.as_str()),
        ],
    )
}

/// The JSON a webhook receives for one rule firing.
pub fn webhook_body(
    id: &str,
    rule: &str,
    trigger: Trigger,
    t: &Ticket,
    now: u64,
) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "event": format!("ticket.{}", trigger.as_str()),
        "rule": rule,
        "at_ms": now,
        "ticket": {
            "id": t.id,
            "subject": t.subject,
            "status": t.status.as_str(),
            "priority": t.priority.to_string(),
            "category": t.category,
            "queue": t.queue,
            "tier": format!("{:?}", t.tier),
            "organisation": t.organisation,
            "assignee": t.assignee,
            "intent": t.detection.intent,
            "tags": t.tags,
        },
    })
}

impl Cx<'_> {
    /// Runs the configured rules on every ticket this turn changed, once, on the events that were
    /// there before the rules ran.
    pub(super) fn run_rules(&mut self) -> Result<(), DeskError> {
        // The desk outlives the turn: its rules are read without copying them.
        let desk = self.desk;
        if desk.config.rules.is_empty() {
            return Ok(());
        }
        let happened: Vec<(String, Vec<TicketEvent>)> = self
            .turn
            .tickets
            .iter()
            .map(|w| (w.ticket.id.clone(), w.events.clone()))
            .collect();
        for (id, events) in happened {
            for (trigger, message, timer) in triggers(&events) {
                for rule in &desk.config.rules {
                    let Some(t) = self.ticket(&id)? else { break };
                    let cal = self
                        .desk
                        .config
                        .calendar_for(t.organisation.as_deref(), &t.queue);
                    let facts = Facts {
                        ticket: &t,
                        trigger,
                        message: message.as_deref(),
                        timer: timer.as_deref(),
                        now: self.now,
                        in_hours: cal.is_open(self.now),
                    };
                    if check(rule, &facts).fires {
                        self.apply_rule(rule, trigger, &t)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Does a rule's actions to `t`, after an event saying which rule ran and why. An action that
    /// cannot be done (closing a closed ticket) is skipped and said in the log's entry.
    fn apply_rule(&mut self, rule: &Rule, trigger: Trigger, t: &Ticket) -> Result<(), DeskError> {
        let ran = Change::AutomationRan {
            rule: rule.name.clone(),
            trigger: trigger.as_str().to_string(),
            actions: rule.actions.iter().map(RuleAction::describe).collect(),
        };
        let Ok(mut t) = self.change(t, Actor::Bot, ran) else {
            return Ok(());
        };
        let before_queue = t.queue.clone();
        let before_priority = t.priority;
        let mut card_changed = false;
        for action in &rule.actions {
            let change = match action {
                RuleAction::Route(q) if *q != t.queue => {
                    let tier = self.desk.config.queue(q).map(|x| x.tier);
                    Some(Change::Transferred {
                        to_agent: None,
                        to_queue: Some(q.clone()),
                        to_tier: tier,
                        to_user: None,
                    })
                }
                RuleAction::SetPriority(p) if *p != t.priority => Some(Change::PriorityChanged {
                    priority: *p,
                    reason: format!("automation {}", rule.name),
                }),
                RuleAction::SetCategory(c) if *c != t.category => Some(Change::CategorySet {
                    category: c.clone(),
                }),
                RuleAction::Tag(tag) if !t.tags.contains(tag) => {
                    Some(Change::Tagged { tag: tag.clone() })
                }
                RuleAction::Assign(name) if t.assignee.as_deref() != Some(name) => {
                    let to_user = self
                        .desk
                        .config
                        .agent_named(name)
                        .map(super::agent::agent_ref);
                    Some(Change::Transferred {
                        to_agent: Some(name.clone()),
                        to_queue: None,
                        to_tier: None,
                        to_user,
                    })
                }
                RuleAction::Escalate(note) => {
                    self.desk
                        .config
                        .next_tier_queue(t.tier)
                        .map(|q| Change::Escalated {
                            queue: q.id.clone(),
                            tier: q.tier,
                            note: Some(render(note, &t, &rule.name)),
                        })
                }
                RuleAction::Close(_) if t.status != Status::Closed => Some(Change::Closed),
                RuleAction::MarkChange if t.change.is_none() && t.status.is_open() => {
                    Some(Change::MarkedAsChange {
                        window_start_ms: None,
                        window_end_ms: None,
                    })
                }
                _ => None,
            };
            if let Some(change) = change {
                match self.change(&t, Actor::Bot, change) {
                    Ok(n) => {
                        t = n;
                        card_changed = true;
                    }
                    Err(e) => {
                        tracing::debug!(rule = %rule.name, "automation action skipped: {e}");
                        continue;
                    }
                }
            }
            match action {
                RuleAction::Notify {
                    platform,
                    channel,
                    text,
                } => self.turn.say(Action::Post {
                    platform: *platform,
                    channel: channel.clone(),
                    text: render(text, &t, &rule.name),
                    attachment: None,
                }),
                RuleAction::Dm { to, text } => {
                    let text = render(text, &t, &rule.name);
                    self.turn.say(Action::Notify {
                        to: to.clone(),
                        text,
                        interaction: None,
                        attachment: None,
                    });
                }
                RuleAction::Webhook(hook) => {
                    let id = format!("{}:{}:{}:{hook}", t.id, t.event_count, rule.name);
                    let body = webhook_body(&id, &rule.name, trigger, &t, self.now);
                    self.turn.say(Action::Webhook {
                        hook: hook.clone(),
                        delivery: id,
                        body: body.to_string(),
                    });
                }
                RuleAction::RequestApproval(reason) => {
                    let why = render(reason, &t, &rule.name);
                    let n = self.request_approval(&t, &why)?;
                    if n != t {
                        t = n;
                        card_changed = true;
                    }
                }
                RuleAction::ReplyArticle(article) => {
                    let pack = self.desk.triage.pack();
                    let lang = &t.detection.language;
                    let a = pack
                        .article(article, lang)
                        .or_else(|| pack.article(article, &pack.default_language));
                    if let Some(a) = a {
                        let said = format!("{}: **{}**\n{}", t.id, a.title, a.body.trim());
                        let c = self.desk.load(&t.requester)?;
                        self.reply(&t.requester.clone(), &c, said);
                    }
                }
                RuleAction::Close(text) if !text.trim().is_empty() => {
                    let c = self.desk.load(&t.requester)?;
                    let said = render(text, &t, &rule.name);
                    self.reply(&t.requester.clone(), &c, said);
                }
                _ => {}
            }
        }
        if card_changed {
            self.refresh_cards(&t, &before_queue)?;
        }
        if t.priority != before_priority {
            self.restate_priority(&t, before_priority);
        }
        Ok(())
    }

    /// What this turn already tells the requester about the ticket's priority ("I've opened
    /// ticket T-1000 (priority P4)") says the priority a rule gave it.
    fn restate_priority(&mut self, t: &Ticket, before: Priority) {
        for a in self.turn.outbox.iter_mut() {
            if let Action::Reply { to, text, .. } = a
                && to.same_person(&t.requester)
            {
                for word in ["priority", "priorytet"] {
                    *text = text.replace(
                        &format!("{} ({word} {before})", t.id),
                        &format!("{} ({word} {})", t.id, t.priority),
                    );
                }
            }
        }
    }

    /// After rules changed a ticket: cards this turn already asks for show the new state (and a
    /// card about to be posted in the old queue goes to the new one); otherwise the card is
    /// updated, and posted in the new queue if it moved.
    fn refresh_cards(&mut self, t: &Ticket, before_queue: &str) -> Result<(), DeskError> {
        let card = self.card(t);
        let queue = self.desk.config.queue(&t.queue).cloned();
        let mut had = false;
        let mut posted_new = false;
        for a in self.turn.outbox.iter_mut() {
            match a {
                Action::PostCard {
                    platform,
                    queue: q,
                    channel,
                    card: c,
                } if c.ticket == t.id => {
                    had = true;
                    *c = card.clone();
                    if q.as_str() == before_queue
                        && let Some(nq) = &queue
                    {
                        *platform = nq.platform;
                        *q = nq.id.clone();
                        *channel = nq.channel.clone();
                    }
                    posted_new |= *q == t.queue;
                }
                Action::UpdateCard { card: c, .. } if c.ticket == t.id => {
                    had = true;
                    *c = card.clone();
                }
                _ => {}
            }
        }
        if !had {
            self.card_update_in(t, Some(before_queue))?;
        }
        if t.queue != before_queue && !posted_new {
            self.card_post(t);
        }
        Ok(())
    }
}
