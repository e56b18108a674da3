//! Turning the desk's platform-neutral pieces into Discord ones: the escalation card as an embed
//! with the buttons the desk says it has, the user's buttons, long texts split to Discord's limit.
//! Which buttons exist, their labels and the ids they carry are the desk's (`desk::grammar`).

use serenity::all::{
    ButtonStyle, Colour, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter,
};

use crate::desk::{Card, CardAction, Choice};
use crate::tickets::{Platform, UserRef};

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
    crate::platform::split_at_lines(text, MESSAGE_LIMIT)
}

/// Discord's embed limits: 25 fields, 256 characters per title and field name, 6,000 in all.
const FIELDS_MAX: usize = 25;
const TITLE_LIMIT: usize = 256;
const EMBED_TOTAL: usize = 6000;
const FOOTER: &str = "frontline";

/// User text made inert for Discord Markdown: formatting characters are escaped, and `@` gets a
/// zero-width space after it, so neither `@everyone`, `@here` nor `<@id>`, `<@&role>`, `<#channel>`
/// typed by someone pings or renders as a mention, and `[text](url)` is no masked link. Control
/// characters other than line breaks become U+FFFD.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '#' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200B}"),
            '\n' => out.push('\n'),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A mention of a Discord user (whose id is all digits), else the name escaped.
fn person(user: Option<&UserRef>, name: &str) -> String {
    match user {
        Some(u)
            if u.platform == Platform::Discord
                && !u.id.is_empty()
                && u.id.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("<@{}>", u.id)
        }
        _ => escape_markdown(name),
    }
}

/// `<t:1700000000:R> (<t:1700000000:f>)`: Discord shows each reader the time left and the time in
/// their own zone.
fn when(ms: u64) -> String {
    let s = ms / 1000;
    format!("<t:{s}:R> (<t:{s}:f>)")
}

/// One embed field before it is fitted to Discord's limits.
struct Field {
    name: &'static str,
    value: String,
    inline: bool,
    /// Keep the end when it must be cut (a transcript's latest lines matter most).
    keep_end: bool,
}

impl Field {
    fn new(name: &'static str, value: String, inline: bool) -> Field {
        Field {
            name,
            value,
            inline,
            keep_end: false,
        }
    }
}

fn clip_end(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    format!(
        "…{}",
        s.chars()
            .skip(n - max.saturating_sub(1))
            .collect::<String>()
    )
}

/// Cuts fields to Discord's limits: at most 25, each value within 1,024 characters and never
/// empty, and the whole embed within 6,000 (the longest values give way first).
fn fit(fields: &mut Vec<Field>, fixed: usize) {
    fields.truncate(FIELDS_MAX);
    for f in fields.iter_mut() {
        if f.value.trim().is_empty() {
            f.value = "-".into();
        }
        let max = FIELD_LIMIT;
        f.value = if f.keep_end {
            clip_end(&f.value, max)
        } else {
            clip(&f.value, max)
        };
    }
    let total = |fs: &Vec<Field>| {
        fixed
            + fs.iter()
                .map(|f| f.name.chars().count() + f.value.chars().count())
                .sum::<usize>()
    };
    loop {
        let over = total(fields).saturating_sub(EMBED_TOTAL);
        if over == 0 {
            break;
        }
        let Some(longest) = fields.iter_mut().max_by_key(|f| f.value.chars().count()) else {
            break;
        };
        let len = longest.value.chars().count();
        if len <= 64 {
            // Nothing long is left to cut; drop the last field instead.
            fields.pop();
            continue;
        }
        let max = len.saturating_sub(over).max(64);
        longest.value = if longest.keep_end {
            clip_end(&longest.value, max)
        } else {
            clip(&longest.value, max)
        };
    }
}

pub fn card_embed(card: &Card) -> CreateEmbed {
    let colour = match card.priority.as_str() {
        "P1" => Colour::RED,
        "P2" => Colour::ORANGE,
        "P3" => Colour::GOLD,
        _ => Colour::BLUE,
    };
    let e = escape_markdown;
    let title = clip(
        &format!("{} · {}", card.ticket, e(&card.subject)),
        TITLE_LIMIT,
    );
    let mut fields = Vec::new();

    let mut requester = person(card.requester_user.as_ref(), card.requester_name());
    if card.requester_user.is_some() {
        requester = format!("{} ({})", e(card.requester_name()), requester);
    }
    if !card.language.is_empty() {
        requester.push_str(&format!("\nlanguage: {}", e(&card.language)));
    }
    fields.push(Field::new("Requester", requester, true));
    if let Some(a) = &card.approval {
        // A named approver (`discord:…`) reads as a mention.
        fields.push(Field::new("Approval", mention_ids(&e(a)), false));
    }
    if let Some(v) = &card.vendor {
        fields.push(Field::new("Vendor", e(v), false));
    }
    if let Some(v) = &card.visit {
        fields.push(Field::new("Visit", e(v), false));
    }
    if let Some(k) = &card.contract {
        fields.push(Field::new("Contract", e(k), false));
    }
    fields.push(Field::new(
        "Organisation",
        card.organisation
            .as_deref()
            .map(e)
            .unwrap_or_else(|| "-".into()),
        true,
    ));
    fields.push(Field::new(
        "Priority",
        format!(
            "{} ({}, {})\n{}",
            card.priority,
            card.tier,
            e(&card.queue),
            e(&card.priority_reason)
        ),
        true,
    ));
    let assignee = card
        .assignee_name()
        .map(|a| format!(" · {}", person(card.assignee_user.as_ref(), a)))
        .unwrap_or_default();
    fields.push(Field::new(
        "Status",
        format!("{}{assignee}", card.status.as_str()),
        true,
    ));
    let next = card.next_due().map(|(_, due)| due);
    if let Some(due) = card.first_response_due_ms {
        let v = match card.first_response_ms {
            Some(at) => format!("met <t:{}:f>", at / 1000),
            None if next == Some(due) => when(due),
            None => format!("<t:{}:f>", due / 1000),
        };
        fields.push(Field::new("First response due", v, true));
    }
    if let Some(c) = card.clock("next_response") {
        let v = match c.state.as_str() {
            "running" => when(c.due_ms),
            state => format!("<t:{}:f> ({state})", c.due_ms / 1000),
        };
        fields.push(Field::new("Next response due", v, true));
    }
    if let Some(due) = card.resolution_due_ms {
        let v = match card.resolved_ms {
            Some(at) => format!("resolved <t:{}:f>", at / 1000),
            None if card.status.is_open() => {
                format!("{}{}", when(due), card.clock_note("resolution"))
            }
            None => format!("<t:{}:f>", due / 1000),
        };
        fields.push(Field::new("Resolution due", v, true));
    }
    if card.created_ms > 0 {
        fields.push(Field::new(
            "Opened",
            format!(
                "<t:{}:R>\ntime spent: {} min",
                card.created_ms / 1000,
                card.minutes_spent
            ),
            true,
        ));
    }
    let why = if card.why_words.is_empty() {
        format!("{} ({:.2}): {}", card.intent, card.confidence, card.why)
    } else {
        card.why_words.clone()
    };
    fields.push(Field::new("Detected", e(&why), false));
    if let Some(f) = &card.faq_seen {
        fields.push(Field::new("FAQ offered", e(&f.describe()), false));
    }
    if !card.questions.is_empty() {
        let a: Vec<String> = card
            .questions
            .iter()
            .map(|a| format!("**{}**\n{}", e(&a.question), e(&a.answer)))
            .collect();
        fields.push(Field::new("Answers", a.join("\n"), false));
    }
    if let Some(n) = &card.l3_note {
        fields.push(Field::new("L3 note", e(n), false));
    }
    if let Some(i) = &card.incident {
        fields.push(Field::new("Incident", format!("part of {}", e(i)), true));
    }
    if !card.linked.is_empty() {
        fields.push(Field::new(
            "Linked reports",
            e(&card.linked.join(", ")),
            true,
        ));
    }
    if !card.transcript.is_empty() {
        let lines: Vec<String> = card
            .transcript
            .iter()
            .map(|l| format!("**{}**: {}", speaker(card, l), e(&l.text)))
            .collect();
        let mut f = Field::new("Transcript (redacted)", lines.join("\n"), false);
        f.keep_end = true;
        fields.push(f);
    }
    if !card.notes.is_empty() {
        let lines: Vec<String> = card
            .notes
            .iter()
            .map(|l| format!("**{}**: {}", speaker(card, l), e(&l.text)))
            .collect();
        let mut f = Field::new("Internal notes (agents only)", lines.join("\n"), false);
        f.keep_end = true;
        fields.push(f);
    }
    if !card.previous.is_empty() {
        let lines: Vec<String> = card
            .previous
            .iter()
            .map(|t| {
                format!(
                    "{} · {} · {} · <t:{}:d>",
                    e(&t.id),
                    t.status.as_str(),
                    e(&t.subject),
                    t.created_ms / 1000
                )
            })
            .collect();
        fields.push(Field::new("Previous tickets", lines.join("\n"), false));
    }
    fit(&mut fields, title.chars().count() + FOOTER.chars().count());
    let mut embed = CreateEmbed::new().title(title).colour(colour);
    for f in fields {
        embed = embed.field(f.name, f.value, f.inline);
    }
    embed.footer(CreateEmbedFooter::new(FOOTER))
}

/// Who wrote a line, for the embed: the requester's name, `bot`, or the agent (a mention for
/// agents the desk names by their Discord identity).
fn speaker(card: &Card, line: &crate::tickets::Line) -> String {
    let who = card.speaker(line);
    match who.strip_prefix("discord:") {
        Some(id) if line.from.starts_with("agent:") && !id.is_empty() => person(
            Some(&UserRef {
                platform: Platform::Discord,
                id: id.into(),
                name: who.into(),
            }),
            who,
        ),
        _ => escape_markdown(who),
    }
}

/// The agent buttons under a card, as the desk listed them (none once it is resolved).
pub fn card_buttons(card: &Card) -> Vec<CreateActionRow> {
    if card.actions.is_empty() {
        return vec![];
    }
    let buttons: Vec<CreateButton> = card
        .actions
        .iter()
        .map(|a| {
            let style = match a {
                CardAction::Claim => ButtonStyle::Primary,
                CardAction::Unclaim
                | CardAction::Transfer
                | CardAction::VendorReply
                | CardAction::LogTime
                | CardAction::Visit => ButtonStyle::Secondary,
                CardAction::Escalate | CardAction::Deny | CardAction::Vendor => ButtonStyle::Danger,
                CardAction::Resolve | CardAction::Approve => ButtonStyle::Success,
            };
            CreateButton::new(a.id(&card.ticket).encode())
                .label(a.label())
                .style(style)
        })
        .collect();
    // Discord takes five buttons to a row (a card at L4 with a visit has six).
    buttons
        .chunks(5)
        .map(|row| CreateActionRow::Buttons(row.to_vec()))
        .collect()
}

/// Approve / Deny under an approver's request (Deny opens the reason form).
pub fn approval_buttons(ticket: &str) -> Vec<CreateActionRow> {
    let b = [
        (CardAction::Approve, ButtonStyle::Success),
        (CardAction::Deny, ButtonStyle::Danger),
    ]
    .into_iter()
    .map(|(a, style)| {
        CreateButton::new(a.id(ticket).encode())
            .label(a.label())
            .style(style)
    })
    .collect();
    vec![CreateActionRow::Buttons(b)]
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
