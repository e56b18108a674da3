//! The platform adapters. Each translates its payloads into desk [`crate::desk::Incoming`]
//! events and performs its platform's outbox entries; none holds a business rule. They change the
//! store only through [`crate::desk::Desk::process`] and the delivery records of [`worker`] (the
//! local terminals also read it for their listings: queues, tickets, a person's waiting messages).

pub mod control;
pub mod discord;
pub mod email;
pub mod local;
pub mod observe;
pub mod slack;
pub mod terminal;
pub mod timers;
pub mod webhook;
pub mod worker;

/// `text` in parts of at most `limit` characters for a platform's message size, cut at line breaks
/// where possible (a longer line is cut where the limit falls); never empty.
pub fn split_at_lines(text: &str, limit: usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    for line in text.split_inclusive('\n') {
        if cur.chars().count() + line.chars().count() > limit && !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
        }
        if line.chars().count() > limit {
            let chars: Vec<char> = line.chars().collect();
            for chunk in chars.chunks(limit) {
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
