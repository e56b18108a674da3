//! Turning the desk's platform-neutral pieces into Slack Block Kit: replies as sections with the
//! user's buttons, the escalation card as a header, fields and sections with the agent buttons,
//! the desk's forms as modals. Slack's limits are kept here, by truncation, so a long transcript
//! never makes Slack refuse a message with `invalid_blocks`: 50 blocks per message, 3,000
//! characters per section text, 2,000 per field (10 per section), 150 per header, 75 per button
//! text, 24 per modal title. Which buttons exist and the ids they carry are the desk's.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::desk::grammar::Form;
use crate::desk::{Card, CardAction, Choice, TicketLine};
use crate::tickets::Line;

pub const MAX_BLOCKS: usize = 50;
pub const SECTION_LIMIT: usize = 3000;
const FIELD_LIMIT: usize = 2000;
const FIELDS_PER_SECTION: usize = 10;
const HEADER_LIMIT: usize = 150;
const BUTTON_LIMIT: usize = 75;
const BUTTONS_PER_ACTIONS: usize = 25;
const MODAL_TITLE_LIMIT: usize = 24;
const INPUT_LABEL_LIMIT: usize = 2000;
/// `text` beside the blocks is what notifications and screen readers show.
const FALLBACK_LIMIT: usize = 3000;

/// At most `max` characters, with `…` at the end when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// At most `max` characters keeping the end (a transcript's latest lines), `…` in front when cut.
fn clip_start(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n - max + 1));
    out
}

/// Text made inert for Slack's mrkdwn: `&`, `<` and `>` escaped (so nobody's `<!channel>` or
/// `<@U…>` pings, and no `<url|label>` masks a link), control characters other than line breaks
/// and tabs replaced by U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Agents and users the desk names by their Slack identity (`slack:U024BE7LH`) read better as
/// mentions; applied after [`escape`], on what the desk wrote.
pub fn mention_ids(text: &str) -> String {
    static ID: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\bslack:([UW][A-Z0-9]{2,30})\b").expect("valid")
    });
    ID.replace_all(text, "<@$1>").into_owned()
}

/// A desk text as mrkdwn: escaped, identities as mentions, the packs' Markdown bold (`**x**`) as
/// Slack's (`*x*`).
pub fn mrkdwn(text: &str) -> String {
    mention_ids(&escape(text)).replace("**", "*")
}

fn section(text: &str) -> Value {
    json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } })
}

/// `text` as sections of at most [`SECTION_LIMIT`] characters, cut at line breaks where possible.
fn sections(text: &str, max_blocks: usize) -> Vec<Value> {
    let mut parts = crate::platform::split_at_lines(text, SECTION_LIMIT);
    if parts.len() > max_blocks {
        parts.truncate(max_blocks);
        let last = parts.last_mut().expect("at least one");
        *last = clip(last, SECTION_LIMIT - 1) + "…";
    }
    parts.iter().map(|p| section(p)).collect()
}

fn button(text: &str, action_id: &str, value: &str, style: Option<&str>) -> Value {
    let mut b = json!({
        "type": "button",
        "text": { "type": "plain_text", "text": clip(text, BUTTON_LIMIT), "emoji": true },
        "action_id": action_id,
        "value": value,
    });
    if let Some(s) = style {
        b["style"] = json!(s);
    }
    b
}

/// A reply: its text as sections, the user's buttons under it.
pub fn reply_blocks(text: &str, buttons: &[Choice], language: &str) -> Vec<Value> {
    let rows = buttons.len().div_ceil(BUTTONS_PER_ACTIONS);
    let mut blocks = sections(&mrkdwn(text), MAX_BLOCKS - rows);
    for chunk in buttons.chunks(BUTTONS_PER_ACTIONS) {
        let elements: Vec<Value> = chunk
            .iter()
            .map(|c| {
                let style = match c {
                    Choice::Solved | Choice::Yes | Choice::SameTicket => Some("primary"),
                    Choice::Person => Some("danger"),
                    _ => None,
                };
                let id = c.id().encode();
                button(&c.label(language), &id, &id, style)
            })
            .collect();
        blocks.push(json!({ "type": "actions", "elements": elements }));
    }
    blocks
}

/// An approver's request: its text, then Approve / Deny (Deny opens the reason form).
pub fn approval_blocks(text: &str, ticket: &str) -> Vec<Value> {
    let mut blocks = sections(&mrkdwn(text), MAX_BLOCKS - 1);
    let elements: Vec<Value> = [
        (CardAction::Approve, Some("primary")),
        (CardAction::Deny, Some("danger")),
    ]
    .into_iter()
    .map(|(a, style)| button(a.label(), &a.id(ticket).encode(), ticket, style))
    .collect();
    blocks.push(json!({ "type": "actions", "elements": elements }));
    blocks
}

/// The most blocks an App Home view holds.
const HOME_BLOCKS: usize = 100;

/// The App Home tab: the person's tickets, open ones first, one section each.
pub fn home_view(title: &str, empty: &str, tickets: &[TicketLine]) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": clip(title.trim_end_matches(':'), HEADER_LIMIT), "emoji": true },
    })];
    if tickets.iter().all(|t| !t.open) {
        blocks.push(section(&escape(empty)));
    }
    let room = HOME_BLOCKS - blocks.len() - 1;
    for t in tickets.iter().take(room) {
        let mut line = format!("*{}* · {}", escape(&t.id), escape(&t.status));
        if let Some(a) = &t.assignee {
            line.push_str(&format!(" · {}", escape(a)));
        }
        line.push('\n');
        line.push_str(&escape(&t.subject));
        blocks.push(section(&clip(&line, SECTION_LIMIT)));
    }
    if tickets.len() > room {
        blocks.push(section(&format!("… +{}", tickets.len() - room)));
    }
    json!({ "type": "home", "blocks": blocks })
}

/// The plain `text` sent beside blocks (notifications).
pub fn fallback(text: &str) -> String {
    clip(&mrkdwn(text), FALLBACK_LIMIT)
}

/// A time as Slack shows it in each reader's time zone, with a UTC fallback.
fn date(ms: u64) -> String {
    let secs = ms / 1000;
    format!("<!date^{secs}^{{date_short_pretty}} {{time}}|{secs} (Unix time)>")
}

fn person(user: Option<&crate::tickets::UserRef>, name: &str) -> String {
    match user {
        Some(u) if u.platform == crate::tickets::Platform::Slack => {
            format!("{} (<@{}>)", escape(name), escape(&u.id))
        }
        Some(u) => format!("{} ({})", escape(name), escape(&u.key())),
        None => escape(name),
    }
}

fn speaker(card: &Card, line: &Line) -> String {
    mention_ids(&escape(card.speaker(line)))
}

/// The escalation card: header, the facts as fields, the longer parts as sections, the agent
/// buttons the desk lists.
pub fn card_blocks(card: &Card) -> Vec<Value> {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": clip(&format!("{} · {} · {}", card.ticket, card.priority, card.subject), HEADER_LIMIT),
            "emoji": false,
        }
    })];
    let mut requester = person(card.requester_user.as_ref(), card.requester_name());
    if !card.language.is_empty() {
        requester.push_str(&format!("\nlanguage: {}", escape(&card.language)));
    }
    let mut fields = vec![
        ("Requester", requester),
        (
            "Organisation",
            card.organisation
                .as_deref()
                .map(escape)
                .unwrap_or_else(|| "-".into()),
        ),
        (
            "Priority",
            format!(
                "{} ({}, {})\n{}",
                escape(&card.priority),
                escape(&card.tier),
                escape(&card.queue),
                escape(&card.priority_reason)
            ),
        ),
        (
            "Status",
            match card.assignee_name() {
                Some(a) => format!(
                    "{} · {}",
                    card.status.as_str(),
                    person(card.assignee_user.as_ref(), a)
                ),
                None => card.status.as_str().to_string(),
            },
        ),
    ];
    if let Some(due) = card.first_response_due_ms {
        let v = match card.first_response_ms {
            Some(at) => format!("met {}{}", date(at), card.clock_note("first_response")),
            None => format!("{}{}", date(due), card.clock_note("first_response")),
        };
        fields.push(("First response due", v));
    }
    if let Some(c) = card.clock("next_response") {
        fields.push((
            "Next response due",
            format!("{} ({})", date(c.due_ms), c.state),
        ));
    }
    if let Some(due) = card.resolution_due_ms {
        let v = match card.resolved_ms {
            Some(at) => format!("resolved {}", date(at)),
            None => format!("{}{}", date(due), card.clock_note("resolution")),
        };
        fields.push(("SLA due (resolution)", v));
    }
    if card.created_ms > 0 {
        fields.push((
            "Opened",
            format!(
                "{}\ntime spent: {} min",
                date(card.created_ms),
                card.minutes_spent
            ),
        ));
    }
    for chunk in fields.chunks(FIELDS_PER_SECTION) {
        let f: Vec<Value> = chunk
            .iter()
            .map(|(name, value)| {
                json!({ "type": "mrkdwn", "text": clip(&format!("*{name}*\n{value}"), FIELD_LIMIT) })
            })
            .collect();
        blocks.push(json!({ "type": "section", "fields": f }));
    }
    let why = if card.why_words.is_empty() {
        format!("{} ({:.2}): {}", card.intent, card.confidence, card.why)
    } else {
        format!(
            "{} ({:.2}): {}",
            card.intent, card.confidence, card.why_words
        )
    };
    let mut long: Vec<(&str, String, bool)> = vec![("Detected", escape(&why), false)];
    if let Some(f) = &card.faq_seen {
        long.push(("FAQ offered", escape(&f.describe()), false));
    }
    if !card.questions.is_empty() {
        let a: Vec<String> = card
            .questions
            .iter()
            .map(|a| format!("*{}*\n{}", escape(&a.question), escape(&a.answer)))
            .collect();
        long.push(("Follow-up answers", a.join("\n"), false));
    }
    if let Some(a) = &card.approval {
        long.push(("Approval", mrkdwn(a), false));
    }
    if let Some(v) = &card.vendor {
        long.push(("Vendor", escape(v), false));
    }
    if let Some(v) = &card.visit {
        long.push(("Visit", escape(v), false));
    }
    if let Some(k) = &card.contract {
        long.push(("Contract", escape(k), false));
    }
    if let Some(n) = &card.l3_note {
        long.push(("L3 note", escape(n), false));
    }
    if let Some(i) = &card.incident {
        long.push(("Incident", format!("part of {}", escape(i)), false));
    }
    if !card.linked.is_empty() {
        long.push(("Linked reports", escape(&card.linked.join(", ")), false));
    }
    let lines = |l: &[Line]| -> String {
        l.iter()
            .map(|l| format!("*{}*: {}", speaker(card, l), escape(&l.text)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if !card.transcript.is_empty() {
        long.push(("Transcript (redacted)", lines(&card.transcript), true));
    }
    if !card.notes.is_empty() {
        long.push(("Internal notes (agents only)", lines(&card.notes), true));
    }
    if !card.previous.is_empty() {
        let p: Vec<String> = card
            .previous
            .iter()
            .map(|t| {
                format!(
                    "{} · {} · {} · {}",
                    escape(&t.id),
                    t.status.as_str(),
                    escape(&t.subject),
                    date(t.created_ms)
                )
            })
            .collect();
        long.push(("Previous tickets", p.join("\n"), false));
    }
    for (name, text, keep_end) in long {
        let head = format!("*{name}*\n");
        let room = SECTION_LIMIT - head.chars().count();
        let body = if keep_end {
            clip_start(&text, room)
        } else {
            clip(&text, room)
        };
        blocks.push(section(&format!("{head}{body}")));
    }
    if !card.actions.is_empty() {
        let elements: Vec<Value> = card
            .actions
            .iter()
            .map(|a| {
                let style = match a {
                    CardAction::Claim | CardAction::Resolve | CardAction::Approve => {
                        Some("primary")
                    }
                    CardAction::Escalate | CardAction::Deny | CardAction::Vendor => Some("danger"),
                    CardAction::Unclaim
                    | CardAction::Transfer
                    | CardAction::VendorReply
                    | CardAction::LogTime
                    | CardAction::Visit => None,
                };
                button(a.label(), &a.id(&card.ticket).encode(), &card.ticket, style)
            })
            .collect();
        blocks.push(json!({ "type": "actions", "elements": elements }));
    }
    blocks.truncate(MAX_BLOCKS);
    blocks
}

/// The card's notification text.
pub fn card_fallback(card: &Card) -> String {
    clip(
        &format!(
            "{} ({}) {}: {}",
            card.ticket,
            card.priority,
            card.status.as_str(),
            escape(&card.subject)
        ),
        FALLBACK_LIMIT,
    )
}

/// A desk form as a modal; `callback_id` is the form's id, `private_metadata` the channel the
/// form was opened from (where its answer goes).
pub fn form_view(form: &Form, private_metadata: &str) -> Value {
    let blocks: Vec<Value> = form
        .fields
        .iter()
        .map(|f| {
            json!({
                "type": "input",
                "block_id": f.id,
                "label": { "type": "plain_text", "text": clip(f.label, INPUT_LABEL_LIMIT) },
                "optional": f.optional,
                "element": {
                    "type": "plain_text_input",
                    "action_id": f.id,
                    "multiline": f.long,
                },
            })
        })
        .collect();
    json!({
        "type": "modal",
        "callback_id": form.id.encode(),
        "private_metadata": clip(private_metadata, 3000),
        "title": { "type": "plain_text", "text": clip(&form.title, MODAL_TITLE_LIMIT) },
        "submit": { "type": "plain_text", "text": "Send" },
        "close": { "type": "plain_text", "text": "Cancel" },
        "blocks": blocks,
    })
}

/// A submitted view's values by field id (`view.state.values[block][action].value`).
pub fn view_values(view: &Value) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Some(blocks) = view["state"]["values"].as_object() {
        for actions in blocks.values() {
            if let Some(actions) = actions.as_object() {
                for (id, v) in actions {
                    if let Some(text) = v["value"].as_str() {
                        out.insert(id.clone(), text.to_string());
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_len(block: &Value) -> usize {
        block["text"]["text"]
            .as_str()
            .map_or(0, |t| t.chars().count())
    }

    #[test]
    fn user_text_cannot_ping_or_mask_links() {
        let t = mrkdwn("hi <!channel> <@U123> <https://evil|bank> & slack:U024BE7LH\u{1b}[2J");
        assert_eq!(
            t,
            "hi &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|bank&gt; &amp; <@U024BE7LH>\u{FFFD}[2J"
        );
    }

    #[test]
    fn a_long_reply_stays_within_slacks_limits() {
        let text = "a line of the answer\n".repeat(10_000);
        let blocks = reply_blocks(&text, &[Choice::Solved, Choice::StillNeedHelp], "en");
        assert!(blocks.len() <= MAX_BLOCKS, "{}", blocks.len());
        assert!(blocks.iter().all(|b| text_len(b) <= SECTION_LIMIT));
        let last = blocks.last().unwrap();
        assert_eq!(last["type"], "actions");
        assert_eq!(last["elements"][0]["action_id"], "fl:solved");
        let one_line = "x".repeat(7000);
        let blocks = reply_blocks(&one_line, &[], "en");
        assert_eq!(blocks.len(), 3);
        assert!(blocks.iter().all(|b| text_len(b) <= SECTION_LIMIT));
    }

    #[test]
    fn a_form_becomes_a_modal_within_the_title_limit() {
        let form = crate::desk::ActionId::Escalate("T-1000".into())
            .form()
            .unwrap();
        let v = form_view(&form, "C1");
        assert_eq!(v["callback_id"], "fl:escalate-form:T-1000");
        assert!(v["title"]["text"].as_str().unwrap().chars().count() <= 24);
        assert_eq!(v["blocks"][0]["element"]["action_id"], "note");
        let submitted = json!({"state": {"values": {"note": {"note": {"type": "plain_text_input", "value": "disk dead"}}}}});
        assert_eq!(view_values(&submitted)["note"], "disk dead");
    }
}
