//! Turning the desk's platform-neutral pieces into Discord ones: the escalation card as an embed
//! with the buttons the desk says it has, the user's buttons, long texts split to Discord's limit.
//! Which buttons exist, their labels and the ids they carry are the desk's (`desk::grammar`).

use serenity::all::{
    ButtonStyle, Colour, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter,
};

use crate::desk::card::fmt_time;
use crate::desk::{Card, CardAction, Choice};
use crate::tickets::Platform;

/// Discord's limits: message content 2,000 characters, embed field values 1,024.
pub const MESSAGE_LIMIT: usize = 2000;
const FIELD_LIMIT: usize = 1024;

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
                card.status.as_str(),
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

/// The agent buttons under a card, as the desk listed them (none once it is resolved).
pub fn card_buttons(card: &Card) -> Vec<CreateActionRow> {
    if card.actions.is_empty() {
        return vec![];
    }
    let buttons = card
        .actions
        .iter()
        .map(|a| {
            let style = match a {
                CardAction::Claim => ButtonStyle::Primary,
                CardAction::Unclaim | CardAction::Transfer => ButtonStyle::Secondary,
                CardAction::Escalate => ButtonStyle::Danger,
                CardAction::Resolve => ButtonStyle::Success,
            };
            CreateButton::new(a.id(&card.ticket).encode())
                .label(a.label())
                .style(style)
        })
        .collect();
    vec![CreateActionRow::Buttons(buttons)]
}

pub fn user_buttons(buttons: &[Choice], language: &str) -> Vec<CreateActionRow> {
    if buttons.is_empty() {
        return vec![];
    }
    let b: Vec<CreateButton> = buttons
        .iter()
        .map(|c| {
            let style = match c {
                Choice::Solved | Choice::Yes | Choice::SameTicket => ButtonStyle::Success,
                Choice::Person => ButtonStyle::Danger,
                _ => ButtonStyle::Secondary,
            };
            CreateButton::new(c.id().encode())
                .label(c.label(language))
                .style(style)
        })
        .collect();
    vec![CreateActionRow::Buttons(b)]
}

/// Agents known by their Discord identity are named `discord:<id>` by the desk; on Discord that
/// reads better as a mention.
pub fn mention_ids(text: &str) -> String {
    static ID: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(&format!(r"\b{}:(\d{{5,20}})\b", Platform::Discord)).expect("valid")
    });
    ID.replace_all(text, "<@$1>").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_replies_are_split_within_the_limit() {
        let text = "line\n".repeat(1000);
        let parts = split_message(&text);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= MESSAGE_LIMIT));
        assert_eq!(parts.concat(), text);
    }
}
