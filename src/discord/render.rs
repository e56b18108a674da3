//! Turning the desk's platform-neutral pieces into Discord ones: the escalation card as an embed
//! with agent buttons, the user's buttons, and the custom ids that carry a ticket id so buttons on
//! old cards keep working after a restart.

use serenity::all::{
    ButtonStyle, Colour, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter,
};

use crate::desk::card::fmt_time;
use crate::desk::{Card, Choice};

/// Discord's limits: message content 2,000 characters, embed field values 1,024.
pub const MESSAGE_LIMIT: usize = 2000;
const FIELD_LIMIT: usize = 1024;

/// A button or form the bot made, decoded from its custom id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomId {
    Solved,
    StillNeedHelp,
    Claim(String),
    Unclaim(String),
    Transfer(String),
    Escalate(String),
    Resolve(String),
    TransferForm(String),
    EscalateForm(String),
    ResolveForm(String),
    TicketForm,
}

impl CustomId {
    pub fn encode(&self) -> String {
        match self {
            CustomId::Solved => "fl:solved".into(),
            CustomId::StillNeedHelp => "fl:still".into(),
            CustomId::Claim(t) => format!("fl:claim:{t}"),
            CustomId::Unclaim(t) => format!("fl:unclaim:{t}"),
            CustomId::Transfer(t) => format!("fl:transfer:{t}"),
            CustomId::Escalate(t) => format!("fl:escalate:{t}"),
            CustomId::Resolve(t) => format!("fl:resolve:{t}"),
            CustomId::TransferForm(t) => format!("fl:transfer-form:{t}"),
            CustomId::EscalateForm(t) => format!("fl:escalate-form:{t}"),
            CustomId::ResolveForm(t) => format!("fl:resolve-form:{t}"),
            CustomId::TicketForm => "fl:ticket-form".into(),
        }
    }

    /// Whether this id names a form (modal) rather than a button.
    pub fn is_form(&self) -> bool {
        matches!(
            self,
            CustomId::TicketForm
                | CustomId::ResolveForm(_)
                | CustomId::EscalateForm(_)
                | CustomId::TransferForm(_)
        )
    }

    /// Decodes a custom id; anything not made by this bot (or forged) is `None`.
    pub fn decode(s: &str) -> Option<CustomId> {
        let rest = s.strip_prefix("fl:")?;
        let (verb, ticket) = match rest.split_once(':') {
            Some((v, t)) => (v, Some(t)),
            None => (rest, None),
        };
        let ticket = ticket.filter(|t| is_ticket_id(t)).map(str::to_string);
        Some(match (verb, ticket) {
            ("solved", None) => CustomId::Solved,
            ("still", None) => CustomId::StillNeedHelp,
            ("ticket-form", None) => CustomId::TicketForm,
            ("claim", Some(t)) => CustomId::Claim(t),
            ("unclaim", Some(t)) => CustomId::Unclaim(t),
            ("transfer", Some(t)) => CustomId::Transfer(t),
            ("escalate", Some(t)) => CustomId::Escalate(t),
            ("resolve", Some(t)) => CustomId::Resolve(t),
            ("transfer-form", Some(t)) => CustomId::TransferForm(t),
            ("escalate-form", Some(t)) => CustomId::EscalateForm(t),
            ("resolve-form", Some(t)) => CustomId::ResolveForm(t),
            _ => return None,
        })
    }
}

/// `T-` and 1 to 19 digits.
pub fn is_ticket_id(s: &str) -> bool {
    s.strip_prefix("T-")
        .is_some_and(|n| !n.is_empty() && n.len() < 20 && n.bytes().all(|b| b.is_ascii_digit()))
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Splits a long reply into messages within Discord's limit, at line breaks where possible.
pub fn split_message(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    for line in text.split_inclusive('\n') {
        if cur.chars().count() + line.chars().count() > MESSAGE_LIMIT && !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
        }
        if line.chars().count() > MESSAGE_LIMIT {
            let chars: Vec<char> = line.chars().collect();
            for chunk in chars.chunks(MESSAGE_LIMIT) {
                parts.push(chunk.iter().collect());
            }
        } else {
            cur.push_str(line);
        }
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    if parts.is_empty() {
        parts.push("…".into());
    }
    parts
}

pub fn card_embed(card: &Card) -> CreateEmbed {
    let colour = match card.priority.as_str() {
        "P1" => Colour::RED,
        "P2" => Colour::ORANGE,
        "P3" => Colour::GOLD,
        _ => Colour::BLUE,
    };
    let mut e = CreateEmbed::new()
        .title(clip(&format!("{} · {}", card.ticket, card.subject), 256))
        .colour(colour)
        .field("Requester", clip(&card.requester, FIELD_LIMIT), true)
        .field(
            "Organisation",
            card.organisation.clone().unwrap_or_else(|| "-".into()),
            true,
        )
        .field(
            "Priority",
            format!("{} ({}, {})", card.priority, card.tier, card.queue),
            true,
        )
        .field(
            "Status",
            format!(
                "{}{}",
                card.status,
                card.assignee
                    .as_ref()
                    .map(|a| format!(" · {a}"))
                    .unwrap_or_default()
            ),
            true,
        );
    if let Some(due) = card.first_response_due_ms {
        e = e.field("First response due", fmt_time(due), true);
    }
    e = e.field(
        "Detected",
        clip(
            &format!("{} ({:.2}): {}", card.intent, card.confidence, card.why),
            FIELD_LIMIT,
        ),
        false,
    );
    if !card.faq_offered.is_empty() {
        let helped = match card.faq_helped {
            Some(true) => "helped",
            Some(false) => "did not help",
            None => "no answer",
        };
        e = e.field(
            "FAQ offered",
            clip(
                &format!("{} ({helped})", card.faq_offered.join(", ")),
                FIELD_LIMIT,
            ),
            false,
        );
    }
    if !card.answers.is_empty() {
        let a: Vec<String> = card
            .answers
            .iter()
            .map(|(q, a)| format!("**{q}**: {a}"))
            .collect();
        e = e.field("Answers", clip(&a.join("\n"), FIELD_LIMIT), false);
    }
    if !card.transcript.is_empty() {
        let lines: Vec<String> = card
            .transcript
            .iter()
            .map(|l| format!("{}: {}", l.from, l.text))
            .collect();
        // The latest lines matter most: keep the end.
        let joined = lines.join("\n");
        let tail: String = if joined.chars().count() > FIELD_LIMIT - 1 {
            let skip = joined.chars().count() - (FIELD_LIMIT - 1);
            format!("…{}", joined.chars().skip(skip).collect::<String>())
        } else {
            joined
        };
        e = e.field("Transcript (redacted)", tail, false);
    }
    e.footer(CreateEmbedFooter::new("frontline"))
}

/// The agent buttons under a card; none once the ticket is resolved or closed.
pub fn card_buttons(card: &Card) -> Vec<CreateActionRow> {
    if card.status == "resolved" || card.status == "closed" {
        return vec![];
    }
    let t = &card.ticket;
    let claim = if card.assignee.is_some() {
        CreateButton::new(CustomId::Unclaim(t.clone()).encode())
            .label("Unclaim")
            .style(ButtonStyle::Secondary)
    } else {
        CreateButton::new(CustomId::Claim(t.clone()).encode())
            .label("Claim")
            .style(ButtonStyle::Primary)
    };
    vec![CreateActionRow::Buttons(vec![
        claim,
        CreateButton::new(CustomId::Transfer(t.clone()).encode())
            .label("Transfer")
            .style(ButtonStyle::Secondary),
        CreateButton::new(CustomId::Escalate(t.clone()).encode())
            .label("Escalate to L3")
            .style(ButtonStyle::Danger),
        CreateButton::new(CustomId::Resolve(t.clone()).encode())
            .label("Resolve")
            .style(ButtonStyle::Success),
    ])]
}

pub fn user_buttons(buttons: &[Choice], language: &str) -> Vec<CreateActionRow> {
    if buttons.is_empty() {
        return vec![];
    }
    let pl = language == "pl";
    let b: Vec<CreateButton> = buttons
        .iter()
        .map(|c| match c {
            Choice::Solved => CreateButton::new(CustomId::Solved.encode())
                .label(if pl { "Rozwiązane" } else { "Solved" })
                .style(ButtonStyle::Success),
            Choice::StillNeedHelp => CreateButton::new(CustomId::StillNeedHelp.encode())
                .label(if pl {
                    "Nadal potrzebuję pomocy"
                } else {
                    "Still need help"
                })
                .style(ButtonStyle::Secondary),
        })
        .collect();
    vec![CreateActionRow::Buttons(b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip_and_refuse_forgeries() {
        for id in [
            CustomId::Solved,
            CustomId::Claim("T-1042".into()),
            CustomId::ResolveForm("T-7".into()),
            CustomId::TicketForm,
        ] {
            assert_eq!(CustomId::decode(&id.encode()), Some(id));
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
        ] {
            assert_eq!(CustomId::decode(forged), None, "{forged}");
        }
    }

    #[test]
    fn long_replies_are_split_within_the_limit() {
        let text = "line\n".repeat(1000);
        let parts = split_message(&text);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= MESSAGE_LIMIT));
        assert_eq!(parts.concat(), text);
    }
}
