//! Placeholder for the short-answer parser (replaced by the `answers` branch).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub score: u8,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Human,
    Cancel,
    CloseTicket,
    NewProblem,
    Reopen,
    Skip,
    Thanks,
    Greeting,
    Status,
}

fn norm(t: &str) -> String {
    crate::triage::normalize::normalize(t).tokens.join(" ")
}

pub fn yes_no(text: &str) -> Option<bool> {
    let t = norm(text);
    if ["yes", "y", "tak", "yep", "yeah"].contains(&t.as_str()) {
        Some(true)
    } else if ["no", "n", "nie", "nope"].contains(&t.as_str()) || t.contains("nie dziala") {
        Some(false)
    } else {
        None
    }
}

pub fn rating(text: &str) -> Option<Rating> {
    let s: u8 = text.trim().parse().ok()?;
    (1..=5).contains(&s).then_some(Rating {
        score: s,
        comment: None,
    })
}

pub fn command(text: &str) -> Option<Command> {
    Some(match norm(text).as_str() {
        "human" | "czlowiek" => Command::Human,
        "cancel" | "stop" | "anuluj" => Command::Cancel,
        "close my ticket" | "zamknij zgloszenie" => Command::CloseTicket,
        "new problem" | "nowy problem" => Command::NewProblem,
        "reopen" => Command::Reopen,
        "skip" | "pomin" => Command::Skip,
        "thanks" | "dzieki" => Command::Thanks,
        "hi" | "hello" | "czesc" => Command::Greeting,
        "status" => Command::Status,
        _ => return None,
    })
}

pub fn ticket_id(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .find_map(|w| {
            let d = w.strip_prefix("T-").or_else(|| w.strip_prefix("t-"))?;
            (!d.is_empty() && d.chars().all(|c| c.is_ascii_digit())).then(|| format!("T-{d}"))
        })
}

pub fn choice_index(text: &str, n: usize) -> Option<usize> {
    let i: usize = text.trim().parse().ok()?;
    (1..=n).contains(&i).then(|| i - 1)
}
