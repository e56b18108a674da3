//! Tiers L4 and L5: cases sent outside the desk to a vendor or the manufacturer. The agent who
//! has the ticket sends it (`vendor T-1042 acme note`, or `escalate` from L3 when the next tier
//! has one vendor); the case goes out from the outbox as an e-mail (`[smtp]`) or a signed
//! webhook, written in the same turn as the ticket change; the ticket stays with the agent, who
//! records the vendor's case number and attaches their replies as they come. The requester is
//! told who has their case, never the vendor's address; the vendor gets the problem, what was
//! tried and the redacted conversation, never who the requester is.

use super::agent::agent_ref;
use super::redact::redact;
use super::texts::{Text, fill, text};
use super::{Action, Cx, DeskError};
use crate::config::{Agent, NextTier, Vendor, VendorReach};
use crate::tickets::{Actor, Change, Ticket, Tier};

impl Cx<'_> {
    /// Which vendor `escalate`/`vendor` means for `t`: the one named, else the next tier's only
    /// one. An error is the sentence for the agent.
    pub(super) fn pick_vendor(&self, t: &Ticket, named: Option<&str>) -> Result<Vendor, String> {
        let config = &self.desk.config;
        if let Some(id) = named {
            let id = id.trim();
            return match config.vendor(id) {
                Some(v) if v.tier < t.tier => Err(format!(
                    "{} is already at {}; {} is {}.",
                    t.id,
                    t.tier.as_str(),
                    v.id,
                    v.tier.as_str()
                )),
                Some(v) => Ok(v.clone()),
                None => Err(format!("No vendor `{id}` ({}).", vendor_list(config))),
            };
        }
        match config.next_tier(t.tier) {
            NextTier::Vendors(_, vendors) if vendors.len() == 1 => Ok(vendors[0].clone()),
            NextTier::Vendors(tier, vendors) => Err(format!(
                "Which {} vendor? `vendor {} ID note` with one of: {}.",
                tier.as_str(),
                t.id,
                vendors
                    .iter()
                    .map(|v| v.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ if config.vendors.is_empty() => Err(format!(
                "{} is at {}: no vendors are configured above it (see README, \"Tiers L1 to L5\").",
                t.id,
                t.tier.as_str()
            )),
            _ => Err(format!(
                "{} is at {}, the last tier configured.",
                t.id,
                t.tier.as_str()
            )),
        }
    }

    /// Sends `t` to `vendor`: the ticket change, the e-mail or webhook in the outbox, the card,
    /// the requester told. The agent is told by the caller.
    pub(super) fn escalate_to_vendor(
        &mut self,
        before: &Ticket,
        agent: &Agent,
        shown: &str,
        vendor: &Vendor,
        note: &str,
    ) -> Result<Result<Ticket, String>, DeskError> {
        let t = match self.change(
            before,
            Actor::Agent(agent.name.clone()),
            Change::VendorEscalated {
                vendor: vendor.id.clone(),
                name: vendor.name.clone(),
                tier: vendor.tier,
                via: vendor.reach.describe(),
                note: note.to_string(),
            },
        ) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let cases = t.vendors.iter().filter(|c| c.vendor == vendor.id).count();
        // The same id on every retry: the receiver can tell a repeat.
        let delivery = format!("{}:vendor:{}:{cases}", t.id, vendor.id);
        let customer = t.organisation.as_deref().map(|o| {
            self.desk
                .config
                .organisations
                .iter()
                .find(|x| x.id == o)
                .map_or(o.to_string(), |x| x.name.clone())
        });
        let mail = case_text(&t, vendor, shown, note, customer.as_deref());
        match &vendor.reach {
            VendorReach::Email(to) => self.turn.say(Action::Email {
                to: to.clone(),
                subject: format!("[{}] {}", t.id, one_line(&t.subject)),
                body: mail,
                message_id: delivery,
            }),
            VendorReach::Webhook(hook) => {
                let body = serde_json::json!({
                    "id": delivery,
                    "event": "ticket.vendor_escalated",
                    "at_ms": self.now,
                    "vendor": vendor.id,
                    "tier": vendor.tier.as_str(),
                    "ticket": {
                        "id": t.id,
                        "subject": t.subject,
                        "priority": t.priority.to_string(),
                        "category": t.category,
                        "intent": t.detection.intent,
                        "organisation": t.organisation,
                    },
                    "agent": shown,
                    "note": note,
                    "case": mail,
                });
                self.turn.say(Action::Webhook {
                    hook: hook.clone(),
                    delivery,
                    body: body.to_string(),
                });
            }
        }
        self.card_update(&t)?;
        let lang = if t.detection.language.is_empty() {
            "en".to_string()
        } else {
            t.detection.language.clone()
        };
        let mut c = self.desk.load(&t.requester)?;
        c.language = lang.clone();
        self.reply(
            &t.requester,
            &c,
            fill(
                text(&lang, Text::EscalatedToVendor),
                &[("id", &t.id), ("vendor", &vendor.name), ("agent", shown)],
            ),
        );
        Ok(Ok(t))
    }

    /// Records what the vendor said: their case number and/or their reply (redacted). Nobody
    /// else is told: the agent passes on to the requester what they choose.
    pub(super) fn vendor_replied(
        &mut self,
        before: &Ticket,
        agent: &Agent,
        reference: Option<&str>,
        reply: &str,
    ) -> Result<Result<String, String>, DeskError> {
        let Some(case) = before.vendors.last() else {
            return Ok(Err(format!(
                "{} has no vendor case: send it first with `vendor {} ID note`.",
                before.id, before.id
            )));
        };
        let vendor = case.vendor.clone();
        let name = case.name.clone();
        let actor = Actor::Agent(agent.name.clone());
        let mut t = before.clone();
        let mut said = Vec::new();
        if let Some(r) = reference.map(str::trim).filter(|r| !r.is_empty()) {
            let r: String = one_line(r).chars().take(120).collect();
            if case.reference.as_deref() != Some(r.as_str()) {
                t = match self.change(
                    &t,
                    actor.clone(),
                    Change::VendorReference {
                        vendor: vendor.clone(),
                        reference: r.clone(),
                    },
                ) {
                    Ok(t) => t,
                    Err(e) => return Ok(Err(e.to_string())),
                };
            }
            said.push(format!("{name}'s case number is {r}"));
        }
        let reply = reply.trim();
        if !reply.is_empty() {
            t = match self.change(
                &t,
                actor,
                Change::VendorReplied {
                    vendor: vendor.clone(),
                    text: redact(reply),
                },
            ) {
                Ok(t) => t,
                Err(e) => return Ok(Err(e.to_string())),
            };
            said.push(format!(
                "{name}'s reply is attached; {} has not been told (`reply {} ...` passes it on)",
                t.requester.name, t.id
            ));
        }
        if said.is_empty() {
            return Ok(Err("Give their case number, their reply, or both.".into()));
        }
        self.card_update(&t)?;
        Ok(Ok(format!("{}: {}.", t.id, said.join("; "))))
    }

    /// L1 and L2 merged: a ticket that lands in a queue with an agent on duty is theirs at once.
    /// `None` when the queue has nobody on duty or the claim cannot be made (awaiting approval).
    pub(super) fn hand_to_on_duty(&mut self, t: &Ticket) -> Option<(Ticket, String)> {
        let desk = self.desk;
        let queue = desk.config.queue(&t.queue)?;
        let name = queue.on_duty.as_deref()?;
        let agent = desk.config.agent_named(name)?;
        if t.assignee.is_some() {
            return None;
        }
        // Assigned, not claimed: the first response is still theirs to give (the SLA counts it).
        let claimed = self
            .change(
                t,
                Actor::Bot,
                Change::Transferred {
                    to_agent: Some(agent.name.clone()),
                    to_queue: None,
                    to_tier: None,
                    to_user: Some(agent_ref(agent)),
                },
            )
            .ok()?;
        Some((claimed, agent.name.clone()))
    }
}

fn vendor_list(config: &crate::config::Config) -> String {
    if config.vendors.is_empty() {
        return "no vendors are configured".into();
    }
    let v: Vec<String> = config
        .vendors
        .iter()
        .map(|v| format!("{} ({})", v.id, v.tier.as_str()))
        .collect();
    format!("vendors: {}", v.join(", "))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The case as the vendor reads it: the problem, what the desk already knows and tried, the
/// conversation (already redacted when stored), and the reference to quote. Who the requester
/// is stays at the desk (their organisation is named: the vendor's contract is with it).
fn case_text(
    t: &Ticket,
    vendor: &Vendor,
    agent: &str,
    note: &str,
    customer: Option<&str>,
) -> String {
    let tier = match vendor.tier {
        Tier::L5 => "the manufacturer's support",
        _ => "vendor support",
    };
    let mut s = format!(
        "Hello {},\n\nWe are passing a support case to you as {tier} ({}). Please quote {} in every reply.\n\n",
        vendor.name,
        vendor.tier.as_str(),
        t.id
    );
    s.push_str(&format!(
        "Case: {}\nSubject: {}\n",
        t.id,
        one_line(&t.subject)
    ));
    s.push_str(&format!(
        "Priority: {}\nCategory: {}\n",
        t.priority, t.category
    ));
    if let Some(o) = customer {
        s.push_str(&format!("Customer: {o}\n"));
    }
    s.push_str(&format!(
        "\nFrom {agent}, who handles it at our desk:\n{note}\n"
    ));
    if let Some(n) = &t.l3_note {
        s.push_str(&format!("\nEngineering's note:\n{n}\n"));
    }
    let tried: Vec<String> = t
        .detection
        .faq_offered
        .iter()
        .map(|a| {
            format!(
                "- self-help article {a} offered{}",
                match t.detection.faq_helped {
                    Some(false) => " (did not help)",
                    _ => "",
                }
            )
        })
        .chain(t.answers.iter().map(|(q, a)| format!("- {q}: {a}")))
        .collect();
    if !tried.is_empty() {
        s.push_str(&format!(
            "\nAlready tried or asked:\n{}\n",
            tried.join("\n")
        ));
    }
    // What the tier below already did: the manufacturer sees the vendor's case and replies.
    for earlier in t.vendors.iter().rev().skip(1).rev() {
        s.push_str(&format!(
            "\nEarlier with {} ({}){}:\n{}\n",
            earlier.name,
            earlier.tier.as_str(),
            earlier
                .reference
                .as_ref()
                .map(|r| format!(", their case {r}"))
                .unwrap_or_default(),
            earlier.note
        ));
        for r in &earlier.replies {
            s.push_str(&format!("[{}] {}\n", earlier.name, r.text));
        }
    }
    if !t.transcript.is_empty() {
        s.push_str("\nConversation so far (secrets removed):\n");
        for l in &t.transcript {
            let who = match l.from.as_str() {
                "user" => "customer".to_string(),
                "bot" => "bot".to_string(),
                from => from.strip_prefix("agent:").unwrap_or(from).to_string(),
            };
            s.push_str(&format!("[{who}] {}\n", l.text));
        }
    }
    s.push_str(&format!(
        "\nPlease reply quoting {}. Thank you.\n-- \nfrontline support desk\n",
        t.id
    ));
    // What people wrote goes out as plain text: no control characters but line breaks and tabs.
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}
