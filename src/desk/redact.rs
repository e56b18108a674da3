//! Redaction of secrets and personal data before a transcript leaves the user's conversation:
//! passwords, payment card numbers (Luhn-checked), e-mail addresses, phone numbers, IBANs and
//! tokens. Pure; applied to everything that goes on an escalation card or into a ticket.

use std::sync::LazyLock;

use regex::Regex;

struct Redactor {
    password: Regex,
    email: Regex,
    iban: Regex,
    card: Regex,
    token: Regex,
    phone: Regex,
}

static REDACTOR: LazyLock<Redactor> = LazyLock::new(|| {
    Redactor {
    // "password: x", "pass=x", "hasło to x", "pwd x": the word after the keyword is the secret.
    password: Regex::new(r"(?i)\b(password|passwd|pwd|pass|passcode|pin|has[łl]o|hasla|hasła)(\s*(?:is|to|:|=|-)?\s*)(\S+)").expect("valid"),
    email: Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b").expect("valid"),
    iban: Regex::new(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b").expect("valid"),
    card: Regex::new(r"\b(?:\d[ -]?){12,18}\d\b").expect("valid"),
    // API keys and bearer tokens: known prefixes, or long runs of base64/hex-like characters.
    token: Regex::new(r"(?i)\b(?:bearer\s+\S+|xox[abposr]-[\w-]+|ghp_\w+|gho_\w+|sk-[\w-]{16,}|eyJ[\w-]+\.[\w-]+\.[\w-]+|[a-z0-9_\-+/]{32,}={0,2})").expect("valid"),
    phone: Regex::new(r"(?:\+\d{1,3}[ .-]?)?\(?\d{2,4}\)?(?:[ .-]?\d{2,4}){2,4}\b").expect("valid"),
}
});

fn luhn(digits: &str) -> bool {
    let ds: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&ds.len()) {
        return false;
    }
    let sum: u32 = ds
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The text with secrets and personal data replaced by `[redacted: kind]`.
pub fn redact(text: &str) -> String {
    let r = &*REDACTOR;
    let out = r.password.replace_all(text, "$1$2[redacted: password]");
    let out = r.email.replace_all(&out, "[redacted: e-mail]");
    let out = r.iban.replace_all(&out, "[redacted: IBAN]");
    let out = r.card.replace_all(&out, |c: &regex::Captures| {
        if luhn(&c[0]) {
            "[redacted: card number]".to_string()
        } else {
            c[0].to_string()
        }
    });
    let out = r.token.replace_all(&out, "[redacted: token]");
    // Ticket ids (T-1042) and short numbers are not phone numbers: at least 9 digits are needed.
    let out = r.phone.replace_all(&out, |c: &regex::Captures| {
        if c[0].chars().filter(|c| c.is_ascii_digit()).count() >= 9 {
            "[redacted: phone]".to_string()
        } else {
            c[0].to_string()
        }
    });
    out.into_owned()
}

#[cfg(test)]
mod tests {
    use super::redact;

    fn check(input: &str, expected: &str) {
        assert_eq!(redact(input), expected, "{input}");
    }

    #[test]
    fn redacts_each_kind() {
        check(
            "my password is hunter2",
            "my password is [redacted: password]",
        );
        check("hasło: Zima2024!", "hasło: [redacted: password]");
        check(
            "write to jan.kowalski@acme.pl please",
            "write to [redacted: e-mail] please",
        );
        check(
            "card 4111 1111 1111 1111 was charged",
            "card [redacted: card number] was charged",
        );
        check("call me at +48 601 234 567", "call me at [redacted: phone]");
        check("IBAN PL61109010140000071219812874", "IBAN [redacted: IBAN]");
        check("token xoxb-1234-abcd-efgh", "token [redacted: token]");
        check(
            "Authorization: Bearer abc.def.ghi",
            "Authorization: [redacted: token]",
        );
    }

    #[test]
    fn leaves_ordinary_text_and_ticket_ids() {
        check(
            "any update on T-1042? printer on floor 3",
            "any update on T-1042? printer on floor 3",
        );
        check("order 1234 5678, room 2.14", "order 1234 5678, room 2.14");
    }
}
