//! The desk's grammars, shared by every platform: the ids its buttons and forms carry
//! (`fl:claim:T-1042`), the forms an action needs and how their fields become an agent command,
//! button labels, and the agent commands typed in a terminal or chat (`resolve T-1042 15 fixed`).
//! Adapters only render these; a Slack adapter reuses them unchanged.

use super::event::{AgentCommand, Choice};
use crate::contracts::Activity;

/// A button or form the bot made, decoded from its id. Anything not made by this bot (or forged)
/// does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionId {
    Solved,
    StillNeedHelp,
    Yes,
    No,
    SameTicket,
    NewProblem,
    Pick(u8),
    Person,
    Rate(u8),
    Claim(String),
    Unclaim(String),
    Transfer(String),
    Escalate(String),
    Resolve(String),
    TransferForm(String),
    EscalateForm(String),
    ResolveForm(String),
    TicketForm,
    Approve(String),
    /// Deny opens a form for the reason.
    Deny(String),
    DenyForm(String),
    /// Escalate to a vendor (L4/L5): a form for which vendor and the note.
    Vendor(String),
    VendorForm(String),
    /// Attach a vendor's reply or case number: a form.
    VendorReply(String),
    VendorReplyForm(String),
    /// The requester's answers to a proposed visit: the ticket and the proposal's event.
    VisitConfirm(String, u32),
    VisitAnother(String, u32),
    /// A card's Propose visit button, which opens [`ActionId::VisitForm`].
    Visit(String),
    VisitForm(String),
    /// A card's Log time button, which opens [`ActionId::LogTimeForm`].
    LogTime(String),
    LogTimeForm(String),
}

impl ActionId {
    pub fn encode(&self) -> String {
        match self {
            ActionId::Solved => "fl:solved".into(),
            ActionId::StillNeedHelp => "fl:still".into(),
            ActionId::Yes => "fl:yes".into(),
            ActionId::No => "fl:no".into(),
            ActionId::SameTicket => "fl:same".into(),
            ActionId::NewProblem => "fl:new".into(),
            ActionId::Pick(n) => format!("fl:pick:{n}"),
            ActionId::Person => "fl:person".into(),
            ActionId::Rate(n) => format!("fl:rate:{n}"),
            ActionId::Claim(t) => format!("fl:claim:{t}"),
            ActionId::Unclaim(t) => format!("fl:unclaim:{t}"),
            ActionId::Transfer(t) => format!("fl:transfer:{t}"),
            ActionId::Escalate(t) => format!("fl:escalate:{t}"),
            ActionId::Resolve(t) => format!("fl:resolve:{t}"),
            ActionId::TransferForm(t) => format!("fl:transfer-form:{t}"),
            ActionId::EscalateForm(t) => format!("fl:escalate-form:{t}"),
            ActionId::ResolveForm(t) => format!("fl:resolve-form:{t}"),
            ActionId::TicketForm => "fl:ticket-form".into(),
            ActionId::Approve(t) => format!("fl:approve:{t}"),
            ActionId::Deny(t) => format!("fl:deny:{t}"),
            ActionId::DenyForm(t) => format!("fl:deny-form:{t}"),
            ActionId::Vendor(t) => format!("fl:vendor:{t}"),
            ActionId::VendorForm(t) => format!("fl:vendor-form:{t}"),
            ActionId::VendorReply(t) => format!("fl:vendor-reply:{t}"),
            ActionId::VendorReplyForm(t) => format!("fl:vendor-reply-form:{t}"),
            ActionId::VisitConfirm(t, p) => format!("fl:visit-ok:{t}:{p}"),
            ActionId::VisitAnother(t, p) => format!("fl:visit-other:{t}:{p}"),
            ActionId::Visit(t) => format!("fl:visit:{t}"),
            ActionId::VisitForm(t) => format!("fl:visit-form:{t}"),
            ActionId::LogTime(t) => format!("fl:log:{t}"),
            ActionId::LogTimeForm(t) => format!("fl:log-form:{t}"),
        }
    }

    /// Whether this id names a form (modal) rather than a button.
    pub fn is_form(&self) -> bool {
        matches!(
            self,
            ActionId::TicketForm
                | ActionId::ResolveForm(_)
                | ActionId::EscalateForm(_)
                | ActionId::TransferForm(_)
                | ActionId::DenyForm(_)
                | ActionId::VendorForm(_)
                | ActionId::VendorReplyForm(_)
                | ActionId::VisitForm(_)
                | ActionId::LogTimeForm(_)
        )
    }

    pub fn decode(s: &str) -> Option<ActionId> {
        let rest = s.strip_prefix("fl:")?;
        if let Some(n) = rest.strip_prefix("pick:") {
            return n
                .parse::<u8>()
                .ok()
                .filter(|k| (1..=9).contains(k) && k.to_string() == n)
                .map(ActionId::Pick);
        }
        if let Some(n) = rest.strip_prefix("rate:") {
            return n
                .parse::<u8>()
                .ok()
                .filter(|k| (1..=5).contains(k) && k.to_string() == n)
                .map(ActionId::Rate);
        }
        // `visit-ok:T-1000:7`: a ticket and the proposal's event number.
        for (prefix, ok) in [("visit-ok:", true), ("visit-other:", false)] {
            if let Some(tp) = rest.strip_prefix(prefix) {
                let (t, p) = tp.split_once(':')?;
                let proposal = p.parse::<u32>().ok().filter(|k| k.to_string() == p)?;
                if !is_ticket_id(t) {
                    return None;
                }
                return Some(if ok {
                    ActionId::VisitConfirm(t.to_string(), proposal)
                } else {
                    ActionId::VisitAnother(t.to_string(), proposal)
                });
            }
        }
        let (verb, ticket) = match rest.split_once(':') {
            Some((v, t)) => (v, Some(t)),
            None => (rest, None),
        };
        let ticket = ticket.filter(|t| is_ticket_id(t)).map(str::to_string);
        Some(match (verb, ticket) {
            ("solved", None) => ActionId::Solved,
            ("still", None) => ActionId::StillNeedHelp,
            ("yes", None) => ActionId::Yes,
            ("no", None) => ActionId::No,
            ("same", None) => ActionId::SameTicket,
            ("new", None) => ActionId::NewProblem,
            ("person", None) => ActionId::Person,
            ("ticket-form", None) => ActionId::TicketForm,
            ("claim", Some(t)) => ActionId::Claim(t),
            ("unclaim", Some(t)) => ActionId::Unclaim(t),
            ("transfer", Some(t)) => ActionId::Transfer(t),
            ("escalate", Some(t)) => ActionId::Escalate(t),
            ("resolve", Some(t)) => ActionId::Resolve(t),
            ("transfer-form", Some(t)) => ActionId::TransferForm(t),
            ("escalate-form", Some(t)) => ActionId::EscalateForm(t),
            ("resolve-form", Some(t)) => ActionId::ResolveForm(t),
            ("approve", Some(t)) => ActionId::Approve(t),
            ("deny", Some(t)) => ActionId::Deny(t),
            ("deny-form", Some(t)) => ActionId::DenyForm(t),
            ("vendor", Some(t)) => ActionId::Vendor(t),
            ("vendor-form", Some(t)) => ActionId::VendorForm(t),
            ("vendor-reply", Some(t)) => ActionId::VendorReply(t),
            ("vendor-reply-form", Some(t)) => ActionId::VendorReplyForm(t),
            ("visit", Some(t)) => ActionId::Visit(t),
            ("visit-form", Some(t)) => ActionId::VisitForm(t),
            ("log", Some(t)) => ActionId::LogTime(t),
            ("log-form", Some(t)) => ActionId::LogTimeForm(t),
            _ => return None,
        })
    }

    /// What pressing this button means, when it needs no form: a user's choice or an agent
    /// command. `None` for buttons that open a form (see [`ActionId::form`]) and for form ids.
    pub fn pressed(&self) -> Option<Pressed> {
        Some(match self {
            ActionId::Solved => Pressed::Choice(Choice::Solved),
            ActionId::StillNeedHelp => Pressed::Choice(Choice::StillNeedHelp),
            ActionId::Yes => Pressed::Choice(Choice::Yes),
            ActionId::No => Pressed::Choice(Choice::No),
            ActionId::SameTicket => Pressed::Choice(Choice::SameTicket),
            ActionId::NewProblem => Pressed::Choice(Choice::NewProblem),
            ActionId::Pick(n) => Pressed::Choice(Choice::Pick(*n)),
            ActionId::Person => Pressed::Choice(Choice::Person),
            ActionId::Rate(n) => Pressed::Choice(Choice::Rate(*n)),
            ActionId::Claim(t) => Pressed::Agent(AgentCommand::Claim { ticket: t.clone() }),
            ActionId::Unclaim(t) => Pressed::Agent(AgentCommand::Unclaim { ticket: t.clone() }),
            ActionId::Approve(t) => Pressed::Agent(AgentCommand::Approve { ticket: t.clone() }),
            ActionId::VisitConfirm(t, p) => Pressed::Choice(Choice::VisitConfirm {
                ticket: ticket_number(t)?,
                proposal: *p,
            }),
            ActionId::VisitAnother(t, p) => Pressed::Choice(Choice::VisitAnotherTime {
                ticket: ticket_number(t)?,
                proposal: *p,
            }),
            _ => return None,
        })
    }

    /// The form a button opens, if it opens one.
    pub fn form(&self) -> Option<Form> {
        let field = |id: &'static str, label: &'static str, long: bool| FormField {
            id,
            label,
            long,
            optional: false,
        };
        let opt = |id: &'static str, label: &'static str, long: bool| FormField {
            id,
            label,
            long,
            optional: true,
        };
        Some(match self {
            ActionId::Resolve(t) => Form {
                id: ActionId::ResolveForm(t.clone()),
                title: format!("Resolve {t}"),
                fields: vec![
                    field("note", "Resolution note", true),
                    field("minutes", "Minutes spent", false),
                    opt(
                        "activity",
                        "Activity: remote, on-site, phone, travel",
                        false,
                    ),
                ],
            },
            ActionId::LogTime(t) => Form {
                id: ActionId::LogTimeForm(t.clone()),
                title: format!("Log time on {t}"),
                fields: vec![
                    field("minutes", "Minutes spent", false),
                    opt(
                        "activity",
                        "Activity: remote, on-site, phone, travel",
                        false,
                    ),
                    opt("billable", "Billable? (empty: yes; no: not charged)", false),
                ],
            },
            ActionId::Escalate(t) => Form {
                id: ActionId::EscalateForm(t.clone()),
                title: format!("Escalate {t} to L3"),
                fields: vec![field("note", "Note for L3", true)],
            },
            ActionId::Transfer(t) => Form {
                id: ActionId::TransferForm(t.clone()),
                title: format!("Transfer {t}"),
                fields: vec![field("target", "@agent name or queue id", false)],
            },
            ActionId::Deny(t) => Form {
                id: ActionId::DenyForm(t.clone()),
                title: format!("Deny {t}"),
                fields: vec![field("reason", "Reason (the requester is told)", true)],
            },
            ActionId::Vendor(t) => Form {
                id: ActionId::VendorForm(t.clone()),
                title: format!("{t} to a vendor"),
                fields: vec![
                    opt("vendor", "Vendor id (empty: the next tier's)", false),
                    field("note", "What you ask them (sent with the case)", true),
                ],
            },
            ActionId::VendorReply(t) => Form {
                id: ActionId::VendorReplyForm(t.clone()),
                title: format!("Vendor reply on {t}"),
                fields: vec![
                    opt("reference", "Their case number", false),
                    opt("text", "Their reply", true),
                ],
            },
            ActionId::Visit(t) => Form {
                id: ActionId::VisitForm(t.clone()),
                title: format!("Visit for {t}"),
                fields: vec![
                    field("when", "When (YYYY-MM-DD HH:MM, tomorrow 9:30)", false),
                    opt(
                        "place",
                        "Where (empty or \"remote\": a remote session)",
                        false,
                    ),
                    opt(
                        "technician",
                        "Technician (an agent's name; optional)",
                        false,
                    ),
                ],
            },
            _ => return None,
        })
    }

    /// The agent command a submitted form asks for, from its fields by id; an error is a sentence
    /// for the person who sent it. The ticket form is not an agent command (`None`).
    pub fn submitted(
        &self,
        field: impl Fn(&str) -> String,
    ) -> Option<Result<AgentCommand, String>> {
        Some(match self {
            ActionId::ResolveForm(ticket) => {
                match (
                    field("minutes").trim().parse::<u32>(),
                    form_activity(&field("activity")),
                ) {
                    (Err(_), _) => Err("Minutes must be a whole number.".into()),
                    (_, Err(e)) => Err(e),
                    (Ok(minutes), Ok(activity)) => Ok(AgentCommand::Resolve {
                        activity,
                        ticket: ticket.clone(),
                        note: field("note").trim().to_string(),
                        minutes,
                        outcome: None,
                    }),
                }
            }
            ActionId::LogTimeForm(ticket) => {
                let billable = match field("billable").trim().to_lowercase().as_str() {
                    "" | "yes" | "y" | "tak" | "true" => Ok(true),
                    "no" | "n" | "nie" | "false" => Ok(false),
                    other if NOT_BILLABLE.contains(&other) => Ok(false),
                    _ => Err("Billable: leave it empty (yes) or write no.".to_string()),
                };
                match (
                    field("minutes").trim().parse::<u32>(),
                    form_activity(&field("activity")),
                    billable,
                ) {
                    (Ok(0) | Err(_), _, _) => Err("Minutes must be a whole number above 0.".into()),
                    (_, Err(e), _) | (_, _, Err(e)) => Err(e),
                    (Ok(minutes), Ok(activity), Ok(billable)) => Ok(AgentCommand::LogTime {
                        ticket: ticket.clone(),
                        minutes,
                        activity,
                        billable,
                    }),
                }
            }
            ActionId::EscalateForm(ticket) => Ok(AgentCommand::EscalateL3 {
                ticket: ticket.clone(),
                note: field("note").trim().to_string(),
            }),
            ActionId::TransferForm(ticket) => transfer(ticket.clone(), &field("target")),
            ActionId::DenyForm(ticket) => match field("reason").trim() {
                "" => Err("Say why: the requester is told the reason.".into()),
                reason => Ok(AgentCommand::Deny {
                    ticket: ticket.clone(),
                    reason: reason.to_string(),
                }),
            },
            ActionId::VendorForm(ticket) => match field("note").trim() {
                "" => Err("Write what you ask the vendor: it is sent with the case.".into()),
                note => Ok(AgentCommand::EscalateVendor {
                    ticket: ticket.clone(),
                    vendor: Some(field("vendor").trim().to_string()).filter(|v| !v.is_empty()),
                    note: note.to_string(),
                }),
            },
            ActionId::VendorReplyForm(ticket) => {
                let reference = field("reference").trim().to_string();
                let text = field("text").trim().to_string();
                if reference.is_empty() && text.is_empty() {
                    Err("Give their case number, their reply, or both.".into())
                } else {
                    Ok(AgentCommand::VendorReply {
                        ticket: ticket.clone(),
                        reference: Some(reference).filter(|r| !r.is_empty()),
                        text,
                    })
                }
            }
            ActionId::VisitForm(ticket) => {
                let when = field("when").trim().to_string();
                let place = field("place").trim().to_string();
                let technician = field("technician")
                    .trim()
                    .trim_start_matches('@')
                    .to_string();
                if when.is_empty() {
                    Err("Say when: YYYY-MM-DD HH:MM, or tomorrow 9:30.".into())
                } else {
                    let remote = place.is_empty() || place.eq_ignore_ascii_case("remote");
                    Ok(AgentCommand::Visit {
                        ticket: ticket.clone(),
                        when,
                        place: (!remote).then_some(place),
                        technician: (!technician.is_empty()).then_some(technician),
                        remote,
                    })
                }
            }
            _ => return None,
        })
    }

    /// The ticket form users fill in with `/ticket`.
    pub fn ticket_form() -> Form {
        Form {
            id: ActionId::TicketForm,
            title: "New ticket".into(),
            fields: vec![
                FormField {
                    id: "subject",
                    label: "Subject",
                    long: false,
                    optional: false,
                },
                FormField {
                    id: "description",
                    label: "Description",
                    long: true,
                    optional: false,
                },
            ],
        }
    }
}

/// A pressed button's meaning.
#[derive(Debug, Clone, PartialEq)]
pub enum Pressed {
    Choice(Choice),
    Agent(AgentCommand),
}

/// A form (a Discord modal, a Slack view) the desk wants filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub id: ActionId,
    pub title: String,
    pub fields: Vec<FormField>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub id: &'static str,
    pub label: &'static str,
    /// A paragraph rather than one line.
    pub long: bool,
    /// May be left empty (the platforms mark the others required).
    pub optional: bool,
}

/// `@name` transfers to an agent, anything else to a queue.
fn transfer(ticket: String, target: &str) -> Result<AgentCommand, String> {
    let target = target.trim();
    match target.strip_prefix('@') {
        Some(agent) if !agent.trim().is_empty() => Ok(AgentCommand::TransferToAgent {
            ticket,
            agent: agent.trim().to_string(),
        }),
        None if !target.is_empty() => Ok(AgentCommand::TransferToQueue {
            ticket,
            queue: target.to_string(),
        }),
        _ => Err("`transfer T-1 @agent` or `transfer T-1 queue`".into()),
    }
}

/// `T-1042` → 1042.
fn ticket_number(t: &str) -> Option<u64> {
    t.strip_prefix("T-")?.parse().ok()
}

/// `T-` and 1 to 19 digits.
pub fn is_ticket_id(s: &str) -> bool {
    s.strip_prefix("T-")
        .is_some_and(|n| !n.is_empty() && n.len() < 20 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A button on an escalation card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardAction {
    Claim,
    Unclaim,
    Transfer,
    Escalate,
    Resolve,
    /// While a request waits for approval: the approver's yes...
    Approve,
    /// ... or no (a form for the reason).
    Deny,
    /// At L3 and up when vendors are configured: send the case outside (a form).
    Vendor,
    /// While a vendor has the case: attach their reply or case number (a form).
    VendorReply,
    /// Propose a visit or remote session (a form: when, where, who).
    Visit,
    /// Log time spent (a form: minutes, activity, billable).
    LogTime,
}

impl CardAction {
    pub fn label(self) -> &'static str {
        match self {
            CardAction::Claim => "Claim",
            CardAction::Unclaim => "Unclaim",
            CardAction::Transfer => "Transfer",
            CardAction::Escalate => "Escalate to L3",
            CardAction::Resolve => "Resolve",
            CardAction::Approve => "Approve",
            CardAction::Deny => "Deny",
            CardAction::Vendor => "Escalate to vendor",
            CardAction::VendorReply => "Vendor reply",
            CardAction::Visit => "Propose visit",
            CardAction::LogTime => "Log time",
        }
    }

    pub fn id(self, ticket: &str) -> ActionId {
        let t = ticket.to_string();
        match self {
            CardAction::Claim => ActionId::Claim(t),
            CardAction::Unclaim => ActionId::Unclaim(t),
            CardAction::Transfer => ActionId::Transfer(t),
            CardAction::Escalate => ActionId::Escalate(t),
            CardAction::Resolve => ActionId::Resolve(t),
            CardAction::Approve => ActionId::Approve(t),
            CardAction::Deny => ActionId::Deny(t),
            CardAction::Vendor => ActionId::Vendor(t),
            CardAction::VendorReply => ActionId::VendorReply(t),
            CardAction::Visit => ActionId::Visit(t),
            CardAction::LogTime => ActionId::LogTime(t),
        }
    }
}

impl Choice {
    pub fn label(self, language: &str) -> String {
        let pl = language == "pl";
        match self {
            Choice::Solved if pl => "Rozwiązane".into(),
            Choice::Solved => "Solved".into(),
            Choice::StillNeedHelp if pl => "Nadal potrzebuję pomocy".into(),
            Choice::StillNeedHelp => "Still need help".into(),
            Choice::Yes if pl => "Tak".into(),
            Choice::Yes => "Yes".into(),
            Choice::No if pl => "Nie".into(),
            Choice::No => "No".into(),
            Choice::SameTicket if pl => "To samo zgłoszenie".into(),
            Choice::SameTicket => "Same ticket".into(),
            Choice::NewProblem if pl => "Nowy problem".into(),
            Choice::NewProblem => "Something new".into(),
            Choice::Pick(n) => n.to_string(),
            Choice::Person if pl => "Porozmawiaj z człowiekiem".into(),
            Choice::Person => "Talk to a person".into(),
            Choice::Rate(n) => "★".repeat(n.clamp(1, 5) as usize),
            Choice::VisitConfirm { .. } if pl => "Potwierdzam".into(),
            Choice::VisitConfirm { .. } => "Confirm".into(),
            Choice::VisitAnotherTime { .. } if pl => "Inny termin".into(),
            Choice::VisitAnotherTime { .. } => "Another time".into(),
        }
    }

    pub fn id(self) -> ActionId {
        match self {
            Choice::Solved => ActionId::Solved,
            Choice::StillNeedHelp => ActionId::StillNeedHelp,
            Choice::Yes => ActionId::Yes,
            Choice::No => ActionId::No,
            Choice::SameTicket => ActionId::SameTicket,
            Choice::NewProblem => ActionId::NewProblem,
            Choice::Pick(n) => ActionId::Pick(n),
            Choice::Person => ActionId::Person,
            Choice::Rate(n) => ActionId::Rate(n),
            Choice::VisitConfirm { ticket, proposal } => {
                ActionId::VisitConfirm(format!("T-{ticket}"), proposal)
            }
            Choice::VisitAnotherTime { ticket, proposal } => {
                ActionId::VisitAnother(format!("T-{ticket}"), proposal)
            }
        }
    }
}

/// Agent commands as typed in a terminal or chat: `claim T-1042`, `reply T-1042 text`,
/// A form's activity field: empty is remote.
fn form_activity(s: &str) -> Result<Activity, String> {
    if s.trim().is_empty() {
        return Ok(Activity::Remote);
    }
    Activity::parse(s).ok_or_else(|| {
        format!(
            "`{}` is not an activity: remote, on-site, phone or travel.",
            s.trim()
        )
    })
}

/// Words that make a time entry not billable.
const NOT_BILLABLE: &[&str] = &[
    "no-bill",
    "nobill",
    "unbillable",
    "non-billable",
    "free",
    "gratis",
];

/// `resolve T-1042 15 note`, `escalate T-1042 note`, `transfer T-1042 @bob|queue`, `log T-1042 30`,
/// `unclaim T-1042`, `ask T-1042 text`, `reopen T-1042 reason`, `note T-1042 text` (internal:
/// agents only), `approve T-1042`, `deny T-1042 reason` (the approver), `vendor T-1042 acme note`
/// (to a vendor, L4/L5), `vendor-ref T-1042 CASE-77` and `vendor-reply T-1042 text` (what the
/// vendor said), `visit T-1042 2026-12-01 14:00 [remote | at PLACE] [by TECHNICIAN]`, `visit
/// T-1042 cancel [reason]`.
pub fn parse_agent_command(line: &str) -> Result<AgentCommand, String> {
    let mut parts = line.trim().splitn(3, char::is_whitespace);
    let verb = parts.next().unwrap_or("").to_lowercase();
    let ticket = parts
        .next()
        .ok_or("which ticket? e.g. `claim T-1042`")?
        .to_string();
    let rest = parts.next().unwrap_or("").trim().to_string();
    let need_text = |what: &str| {
        if rest.is_empty() {
            Err(format!("`{verb}` needs {what}"))
        } else {
            Ok(rest.clone())
        }
    };
    Ok(match verb.as_str() {
        "claim" => AgentCommand::Claim { ticket },
        "unclaim" => AgentCommand::Unclaim { ticket },
        "note" => AgentCommand::Note {
            ticket,
            text: need_text("the note")?,
        },
        "reply" => AgentCommand::Reply {
            ticket,
            text: need_text("a message")?,
        },
        "ask" => AgentCommand::Ask {
            ticket,
            text: need_text("a question")?,
        },
        "escalate" => AgentCommand::EscalateL3 {
            ticket,
            note: need_text("a note for L3")?,
        },
        "reopen" => AgentCommand::Reopen {
            ticket,
            reason: if rest.is_empty() {
                "reopened by agent".into()
            } else {
                rest
            },
        },
        "log" => {
            let usage = "`log T-1 MINUTES [remote|on-site|phone|travel] [no-bill]`";
            let mut words = rest.split_whitespace();
            let minutes: u32 = words
                .next()
                .and_then(|m| m.parse().ok())
                .filter(|m| *m > 0)
                .ok_or_else(|| usage.to_string())?;
            let (mut activity, mut billable) = (Activity::default(), true);
            for w in words {
                if let Some(a) = Activity::parse(w) {
                    activity = a;
                } else if NOT_BILLABLE.contains(&w.to_lowercase().as_str()) {
                    billable = false;
                } else {
                    return Err(format!("`{w}` is not an activity: {usage}"));
                }
            }
            AgentCommand::LogTime {
                activity,
                billable,
                ticket,
                minutes,
            }
        }
        "refund" => AgentCommand::RefundTime {
            ticket,
            entry: rest.trim().trim_start_matches('#').parse().map_err(|_| {
                "`refund T-1 ENTRY` (the entry's number, as `log` said)".to_string()
            })?,
        },
        "resolve" => {
            let (m, note) = rest
                .split_once(char::is_whitespace)
                .unwrap_or((rest.as_str(), ""));
            let minutes: u32 = m
                .parse()
                .map_err(|_| "`resolve T-1 MINUTES note`".to_string())?;
            // An activity may come first: `resolve T-1 45 on-site replaced the fan`.
            let note = note.trim();
            let (activity, note) = match note.split_once(char::is_whitespace) {
                Some((a, rest)) if Activity::parse(a).is_some() && !rest.trim().is_empty() => {
                    (Activity::parse(a).unwrap_or_default(), rest.trim())
                }
                _ => (Activity::default(), note),
            };
            if note.is_empty() {
                return Err("`resolve` needs a note: `resolve T-1 MINUTES note`".into());
            }
            AgentCommand::Resolve {
                activity,
                ticket,
                note: note.to_string(),
                minutes,
                outcome: None,
            }
        }
        "change" => AgentCommand::MarkChange {
            ticket,
            window: rest.trim().to_string(),
        },
        "transfer" => transfer(ticket, &rest)?,
        "approve" => AgentCommand::Approve { ticket },
        "deny" => AgentCommand::Deny {
            ticket,
            reason: need_text("a reason for the requester: `deny T-1042 REASON`")?,
        },
        "vendor" => {
            let (vendor, note) = rest
                .split_once(char::is_whitespace)
                .unwrap_or((rest.as_str(), ""));
            if vendor.is_empty() || note.trim().is_empty() {
                return Err(
                    "`vendor T-1042 VENDOR what you ask them` (`escalate` at L3 picks the next tier's vendor)"
                        .into(),
                );
            }
            AgentCommand::EscalateVendor {
                ticket,
                vendor: Some(vendor.to_string()),
                note: note.trim().to_string(),
            }
        }
        "vendor-ref" => AgentCommand::VendorReply {
            ticket,
            reference: Some(need_text("their case number: `vendor-ref T-1042 CASE-77`")?),
            text: String::new(),
        },
        "vendor-reply" => AgentCommand::VendorReply {
            ticket,
            reference: None,
            text: need_text("what they replied: `vendor-reply T-1042 TEXT`")?,
        },
        "visit" => super::visits::parse_visit(ticket, &rest)?,
        other => return Err(format!("unknown command `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_ids_round_trip_and_refuse_forgeries() {
        for id in [
            ActionId::Solved,
            ActionId::Claim("T-1042".into()),
            ActionId::ResolveForm("T-7".into()),
            ActionId::Approve("T-7".into()),
            ActionId::Deny("T-7".into()),
            ActionId::DenyForm("T-7".into()),
            ActionId::VisitConfirm("T-7".into(), 12),
            ActionId::VisitAnother("T-7".into(), 0),
            ActionId::Visit("T-7".into()),
            ActionId::VisitForm("T-7".into()),
            ActionId::TicketForm,
        ] {
            assert_eq!(ActionId::decode(&id.encode()), Some(id));
        }
        for forged in [
            "",
            "fl:",
            "fl:claim",
            "fl:claim:",
            "fl:claim:1042",
            "fl:claim:T-",
            "fl:claim:T-12a",
            "fl:nuke:T-1",
            "xx:claim:T-1",
            "fl:claim:T-1:extra",
            "fl:approve",
            "fl:approve:1000",
            "fl:deny-form:T-x",
            "fl:visit-ok:T-7",
            "fl:visit-ok:T-7:",
            "fl:visit-ok:T-7:x",
            "fl:visit-ok:T-7:07",
            "fl:visit-ok:7:1",
            "fl:visit-other:T-7:1:2",
        ] {
            assert_eq!(ActionId::decode(forged), None, "{forged}");
        }
    }

    #[test]
    fn forms_become_commands_or_say_what_is_wrong() {
        let f = |m: &'static str| {
            move |id: &str| match id {
                "minutes" => m.into(),
                "activity" => String::new(),
                _ => "fixed".into(),
            }
        };
        let id = ActionId::ResolveForm("T-1".into());
        assert!(matches!(
            id.submitted(f("15")),
            Some(Ok(AgentCommand::Resolve { minutes: 15, .. }))
        ));
        assert_eq!(
            id.submitted(f("a while")),
            Some(Err("Minutes must be a whole number.".into()))
        );
        let t = ActionId::TransferForm("T-1".into());
        assert!(matches!(
            t.submitted(|_| " @bob ".into()),
            Some(Ok(AgentCommand::TransferToAgent { agent, .. })) if agent == "bob"
        ));
        assert!(matches!(
            t.submitted(|_| "l2-network".into()),
            Some(Ok(AgentCommand::TransferToQueue { queue, .. })) if queue == "l2-network"
        ));
        assert!(matches!(t.submitted(|_| "  ".into()), Some(Err(_))));
        assert_eq!(ActionId::TicketForm.submitted(|_| String::new()), None);
    }
}
