//! Redaction of secrets and personal data in what a requester types, before it is stored or shown:
//! passwords and PINs after a keyword (English and Polish), tokens and keys, private key blocks,
//! credentials in URLs, e-mail addresses, IBANs and Polish account numbers (checksummed), payment
//! cards (Luhn), PESEL numbers (checksummed) and phone numbers. Pure and allocation-light: it runs
//! on every message.
//!
//! Precision matters as much as recall: an IT ticket is useless if "I forgot my password", an IP
//! address, a version number or an asset tag is replaced. So every detector either checks a
//! checksum, a known prefix or an exact shape, or needs a keyword and then a value that looks like
//! a secret rather than an ordinary word ("password reset link expired" stays as it is).
//!
//! Deliberately kept: GUIDs (correlation and request ids in error reports), hex hashes (commit
//! hashes, file checksums) unless they follow a secret keyword, SSH public keys, and bare numbers
//! that have no phone shape. A password typed with no keyword before it cannot be told from text.
//!
//! Detectors run from the most specific to the most general on a working copy in which each span
//! already found is blanked out, so a later detector neither redacts it twice nor matches across
//! it.

use std::sync::LazyLock;

use regex::Regex;

struct Work<'t> {
    text: &'t str,
    /// `text` with each found span's bytes replaced by 0x01 (no detector matches it); same offsets.
    masked: String,
    spans: Vec<(usize, usize, &'static str)>,
}

impl<'t> Work<'t> {
    fn new(text: &'t str) -> Self {
        Work {
            text,
            masked: text.to_string(),
            spans: Vec::new(),
        }
    }

    fn hide(&mut self, start: usize, end: usize, kind: &'static str) {
        let (mut start, mut end) = (start, end.min(self.text.len()));
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        if start >= end {
            return;
        }
        self.masked
            .replace_range(start..end, &"\u{1}".repeat(end - start));
        self.spans.push((start, end, kind));
    }

    fn finish(mut self) -> String {
        if self.spans.is_empty() {
            return self.text.to_string();
        }
        self.spans.sort_unstable();
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for (start, end, kind) in self.spans {
            if start < at {
                continue;
            }
            out.push_str(&self.text[at..start]);
            out.push_str("[redacted: ");
            out.push_str(kind);
            out.push(']');
            at = end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("redaction patterns are valid")
}

struct Patterns {
    private_key: Regex,
    url_credentials: Regex,
    query_secret: Regex,
    tokens: Vec<Regex>,
    aws_secret: Regex,
    env_assignment: Regex,
    keyword: Regex,
    connector: Regex,
    login_slash: Regex,
    login_colon: Regex,
    recovery_key: Regex,
    product_key: Regex,
    email: Regex,
    iban: Regex,
    nrb: Regex,
    card: Regex,
    pesel: Regex,
    random: Regex,
}

static P: LazyLock<Patterns> = LazyLock::new(|| Patterns {
    private_key: re(
        r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\z)",
    ),
    // scheme://user:password@host: the password is the last run before the host's '@'.
    url_credentials: re(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s\x01/?#@:]+:([^\s\x01/]+)@"),
    query_secret: re(
        r"(?i)[?&](access_token|id_token|refresh_token|token|api_?key|key|sig|signature|secret|client_secret|password|passwd|pwd|pass|code|auth)=([^\s\x01&#]+)",
    ),
    tokens: [
        r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{8,}=*)",
        r"(?i)\bauthorization:\s*basic\s+([A-Za-z0-9+/]{8,}=*)",
        r"\bxox[abposre]-[A-Za-z0-9-]{10,}",
        r"\bgh[pousr]_[A-Za-z0-9]{20,}",
        r"\bgithub_pat_[A-Za-z0-9_]{20,}",
        r"\bgl(?:pat|dt|rt|ptt|cbt)-[A-Za-z0-9_-]{20,}",
        r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
        r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}",
        r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}",
        r"\bAIza[0-9A-Za-z_-]{35}",
        r"\bnpm_[A-Za-z0-9]{36}",
        r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
    ]
    .into_iter()
    .map(re)
    .collect(),
    // An AWS secret access key: exactly 40 base64 characters (a hex SHA-1 has no upper case).
    aws_secret: re(r"(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])"),
    // DB_PASSWORD=..., clientSecret: ... (a bare `password:` goes through the keyword rules).
    env_assignment: re(
        r#"(?i)\b([a-z0-9_]*(?:password|passwd|pwd|secret|token|api_?key|access_?key)[a-z0-9_]*)["']?[ \t]*[:=][ \t]*("[^"\n]*"|'[^'\n]*'|[^\s\x01,;]+)"#,
    ),
    keyword: re(
        r"(?i)\b(?:(password|passwd|passphrase|passcode|pwd|pw|pass|has[łl]o|has[łl]a|has[łl]em|ha[sś]le|otp)|(pin|puk)(?:[ -]?(?:code|kod|number|numer|nr))?|(api[ _-]?key|apikey|access[ _-]?key|secret[ _-]?key|client[ _-]?secret|secret|access[ _-]?token|refresh[ _-]?token|token|klucz(?: api)?))\b",
    ),
    // What joins a keyword to its value; longer phrases first (leftmost-first alternation).
    connector: re(
        r#"(?i)^["']?[ \t]*(?:((?:has\s+been|had\s+been|was|is|is\s+now)\s+(?:changed|reset|set)\s+to|(?:changed|reset|set)\s+to|is\s+now|is|was|are|were|jest|brzmi|zmienione\s+na|ustawione\s+na|zmieni[łl]em\s+na|zmieni[łl]am\s+na|to)\b[ \t]*(?:[:=]|->|=>|[-–—](?:\s|$))?|:=|->|=>|[:=])[ \t]*"#,
    ),
    login_slash: re(
        r"(?i)\b(?:login|log-in|user(?:name)?|u[żz]ytkownik|konto|account)(?:[ \t]*[:=][ \t]*|[ \t]+)[^\s\x01/|]+[ \t]*[/|][ \t]*([^\s\x01]+)",
    ),
    login_colon: re(
        r"(?i)\b(?:credentials|creds|dane\s+(?:do\s+)?logowania|login|logowanie)(?:[ \t]*(?:\b(?:are|is|to)\b|:|=)[ \t]*|[ \t]+)+([^\s\x01:/]+):([^\s\x01]+)",
    ),
    recovery_key: re(r"\b\d{6}(?:-\d{6}){7}\b"),
    product_key: re(r"\b[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}\b"),
    email: re(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"),
    iban: re(r"(?i)\b[a-z]{2}\d{2}[ ]?[a-z0-9]"),
    nrb: re(r"\b\d{2}(?:[ ]?\d{4}){6}\b"),
    card: re(r"\b\d(?:[ -]?\d){12,22}\b"),
    pesel: re(r"\b\d{11}\b"),
    random: re(r"[A-Za-z0-9+/_~.=-]{20,}"),
});

/// The text with secrets and personal data replaced by `[redacted: kind]`.
pub fn redact(text: &str) -> String {
    let p = &*P;
    let mut w = Work::new(text);

    for m in p.private_key.find_iter(text).collect::<Vec<_>>() {
        w.hide(m.start(), m.end(), "private key");
    }
    each_group(&mut w, &p.url_credentials, 1, "password");
    let found: Vec<_> = p
        .query_secret
        .captures_iter(&w.masked)
        .map(|c| {
            let name = c[1].to_ascii_lowercase();
            let kind = if name.starts_with("pass") || name == "pwd" {
                "password"
            } else {
                "token"
            };
            let v = c.get(2).expect("group");
            (v.start(), v.end(), kind)
        })
        .collect();
    for (s, e, k) in found {
        w.hide(s, e, k);
    }
    for t in &p.tokens {
        let group = if t.captures_len() > 1 { 1 } else { 0 };
        each_group(&mut w, t, group, "token");
    }
    let found: Vec<_> = p
        .aws_secret
        .captures_iter(&w.masked)
        .filter_map(|c| c.get(1))
        .filter(|m| {
            let s = m.as_str();
            s.bytes().any(|b| b.is_ascii_uppercase())
                && s.bytes().any(|b| b.is_ascii_lowercase())
                && s.bytes()
                    .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+')
        })
        .map(|m| (m.start(), m.end()))
        .collect();
    for (s, e) in found {
        w.hide(s, e, "token");
    }
    env_assignments(&mut w);
    keywords(&mut w);
    logins(&mut w);
    for (r, kind) in [
        (&p.recovery_key, "recovery key"),
        (&p.product_key, "product key"),
    ] {
        each_group(&mut w, r, 0, kind);
    }
    let found: Vec<_> = p
        .email
        .find_iter(&w.masked)
        .filter(|m| !m.as_str().starts_with("git@"))
        .map(|m| (m.start(), m.end()))
        .collect();
    for (s, e) in found {
        w.hide(s, e, "e-mail");
    }
    ibans(&mut w);
    cards(&mut w);
    let found: Vec<_> = p
        .pesel
        .find_iter(&w.masked)
        .filter(|m| starts_clean(&w.masked, m.start()) && pesel_valid(m.as_str()))
        .map(|m| (m.start(), m.end()))
        .collect();
    for (s, e) in found {
        w.hide(s, e, "PESEL");
    }
    random_strings(&mut w);
    phones(&mut w);
    w.finish()
}

fn each_group(w: &mut Work, r: &Regex, group: usize, kind: &'static str) {
    let found: Vec<_> = r
        .captures_iter(&w.masked)
        .filter_map(|c| c.get(group))
        .map(|m| (m.start(), m.end()))
        .collect();
    for (s, e) in found {
        w.hide(s, e, kind);
    }
}

fn env_assignments(w: &mut Work) {
    let found: Vec<_> = P
        .env_assignment
        .captures_iter(&w.masked)
        .filter(|c| {
            // A bare keyword is left to the keyword rules, which look at the value.
            let name = &c[1];
            let compound = name.contains('_')
                || name
                    .as_bytes()
                    .windows(2)
                    .any(|p| p[0].is_ascii_lowercase() && p[1].is_ascii_uppercase());
            let value = c[2].trim_matches(['"', '\'']).to_ascii_lowercase();
            compound && !value.is_empty() && !matches!(value.as_str(), "true" | "false" | "null")
        })
        .map(|c| {
            let v = c.get(2).expect("group");
            let (s, e) = trim_quotes(v.as_str(), v.start());
            let name = c[1].to_ascii_lowercase();
            let password = name.contains("pass") || name.contains("pwd");
            (s, e, if password { "password" } else { "token" })
        })
        .collect();
    for (s, e, kind) in found {
        w.hide(s, e, kind);
    }
}

fn trim_quotes(v: &str, start: usize) -> (usize, usize) {
    if v.len() >= 2 && (v.starts_with('"') || v.starts_with('\'')) {
        (start + 1, start + v.len() - 1)
    } else {
        (start, start + v.len())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Class {
    Password,
    Pin,
    Token,
}

/// Function words and words that say something about a password rather than being one: a run of
/// them after "password is" is a sentence, not a passphrase.
#[rustfmt::skip]
const FUNCTION: &[&str] = &[
    "a", "about", "after", "again", "ago", "all", "already", "also", "always", "am", "an", "and",
    "any", "anymore", "are", "as", "ask", "at", "be", "because", "been", "before", "being", "but",
    "btw", "by", "can", "can't", "cannot", "check", "could", "day", "days", "did", "didn't", "do",
    "does", "doesn't", "don't", "each", "even", "ever", "every", "for", "from", "fyi", "had", "has",
    "have", "he", "her", "here", "his", "how", "i", "i'm", "if", "in", "into", "is", "isn't", "it",
    "it's", "its", "just", "last", "like", "may", "me", "might", "month", "must", "my", "never",
    "next", "no", "not", "now", "of", "on", "once", "one", "only", "or", "our", "please", "pls",
    "same", "see", "she", "should", "since", "so", "some", "still", "than", "thanks", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "those", "to", "today", "tomorrow",
    "too", "twice", "until", "very", "was", "wasn't", "we", "week", "were", "what", "when", "where",
    "which", "while", "who", "why", "will", "with", "won't", "would", "yesterday", "yet", "you",
    "your",
    // Polish
    "ale", "albo", "bardzo", "bo", "był", "była", "było", "chyba", "ciagle", "ciągle", "czy", "dla",
    "gdyby", "jeśli", "jesli", "dzieki", "dzięki", "dzis", "dziś", "dzisiaj", "gdy", "jak",
    "jeszcze", "jest", "jutro", "juz", "już", "kiedy", "lub", "ma", "mam", "mi", "mimo", "mnie",
    "moja", "moje", "mojego", "może", "moze", "mój", "na", "nad", "nie", "o", "od", "po", "pod",
    "prosze", "proszę", "przez", "przy", "sa", "samo", "się", "sie", "są", "tak", "teraz", "też",
    "tez", "tylko", "u", "w", "we", "wciaz", "wciąż", "wczoraj", "z", "za", "ze", "że", "żeby",
    "zeby", "znowu", "znów",
];

/// Words that can follow "password is" / "hasło to" as a description: one of them alone is no
/// secret.
#[rustfmt::skip]
const ORDINARY: &[&str] = &[
    "accepted", "blank", "blocked", "broken", "case", "change", "changed", "compromised", "correct",
    "different", "disabled", "empty", "encrypted", "expired", "expires", "expiring", "fine",
    "forgotten", "hidden", "incorrect", "invalid", "known", "leaked", "locked", "long", "lost",
    "missing", "needed", "new", "ok", "okay", "old", "policy", "ready", "rejected", "required",
    "reset", "saved", "sensitive", "set", "short", "stolen", "stored", "strong", "temporary",
    "unknown", "valid", "weak", "working", "wrong",
    // Polish
    "błędne", "bledne", "dobre", "inne", "nieaktualne", "niepoprawne", "nieprawidłowe",
    "nieprawidlowe", "nowe", "poprawne", "prawidłowe", "prawidlowe", "puste", "słabe", "slabe",
    "stare", "tymczasowe", "wygasło", "wygaslo", "wymagane", "zablokowane", "zle", "złe",
    "zmienione", "zresetowane",
];

/// Words that may stand between a keyword and "is"/":" ("password for the VPN is ...", "hasło
/// tymczasowe: ...").
#[rustfmt::skip]
const LEAD_IN: &[&str] = &[
    "for", "to", "of", "on", "do", "na", "dla", "od", "w", "we", "tymczasowe", "nowe",
    "jednorazowe", "startowe", "początkowe", "poczatkowe", "domyślne", "domyslne", "administratora",
    "admina",
];

fn in_list(list: &[&str], word: &str) -> bool {
    let lower = word.to_lowercase();
    list.contains(&lower.as_str())
}

fn is_delim(c: char) -> bool {
    c.is_whitespace() || c == '\u{1}'
}

/// Letters only (an apostrophe or hyphen inside a word allowed): an ordinary-looking word.
fn is_word(s: &str) -> bool {
    s.chars().any(char::is_alphabetic)
        && s.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-'))
}

/// Looks like a secret even without "is"/":" before it: letters with digits or symbols, or a run
/// of at least four digits.
fn is_strong(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    let symbols = s
        .chars()
        .filter(|c| !c.is_alphanumeric() && !matches!(c, '\'' | '’' | '-' | '/'))
        .count();
    (digits > 0 && letters > 0)
        || (digits >= 4 && digits == s.chars().count())
        || (letters > 0 && symbols > 0 && s.chars().count() >= 4)
}

/// One whitespace-delimited token from `at`: its span without trailing punctuation, and whether
/// punctuation ended it (which ends a passphrase too).
fn token(masked: &str, at: usize) -> Option<(usize, usize, bool)> {
    let rest = &masked[at..];
    let len = rest.find(is_delim).unwrap_or(rest.len());
    if len == 0 {
        return None;
    }
    let raw = &rest[..len];
    let mut core = raw.trim_end_matches(['.', ',', ';', ':', ')', ']', '}', '>', '"', '\'']);
    let stripped = core.trim_end_matches(['!', '?']);
    if is_word(stripped) {
        core = stripped;
    }
    if core.is_empty() {
        return None;
    }
    Some((at, at + core.len(), core.len() < raw.len()))
}

fn skip_blanks(masked: &str, at: usize, newlines: bool) -> usize {
    let rest = &masked[at..];
    at + rest
        .find(|c: char| !(c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))))
        .unwrap_or(rest.len())
}

/// The secret after a keyword's connector, if what follows looks like one.
fn value(masked: &str, at: usize, class: Class, strong_connector: bool) -> Option<(usize, usize)> {
    let at = skip_blanks(masked, at, strong_connector);
    let first = masked[at..].chars().next()?;
    let close = match first {
        '"' => Some(&['"', '”'][..]),
        '\'' => Some(&['\'', '’'][..]),
        '“' | '„' => Some(&['”', '"', '“'][..]),
        '‘' => Some(&['’', '\''][..]),
        '«' => Some(&['»'][..]),
        _ => None,
    };
    if let Some(close) = close {
        let inner = at + first.len_utf8();
        let line_end = masked[inner..]
            .find('\n')
            .map_or(masked.len(), |n| inner + n);
        let end = masked[inner..line_end].find(close).map(|n| inner + n)?;
        return (end > inner && end - inner <= 120).then_some((inner, end));
    }
    let (s, e, punct) = token(masked, at)?;
    let word = &masked[s..e];
    match class {
        Class::Pin if word.bytes().all(|b| b.is_ascii_digit()) && !punct => {
            // "48 21", "1 2 3 4": a PIN typed in groups.
            let (mut end, mut digits) = (e, word.len());
            while let Some((s2, e2, p2)) = token(masked, skip_blanks(masked, end, false)) {
                let part = &masked[s2..e2];
                if s2 == end || !part.bytes().all(|b| b.is_ascii_digit()) || digits + part.len() > 8
                {
                    break;
                }
                (end, digits) = (e2, digits + part.len());
                if p2 {
                    break;
                }
            }
            return (digits >= 4).then_some((s, end));
        }
        Class::Pin => {
            return (word.chars().any(|c| c.is_ascii_digit()) && is_strong(word)).then_some((s, e));
        }
        Class::Token => return (is_strong(word) && word.len() >= 6).then_some((s, e)),
        Class::Password => {}
    }
    if !strong_connector {
        return is_strong(word).then_some((s, e));
    }
    // After "is" or ":": a run of words up to punctuation or a function word is the passphrase.
    if in_list(FUNCTION, word) || !(is_strong(word) || is_word(word)) {
        return None;
    }
    let (mut end, mut count, mut any_strong) = (e, 1, is_strong(word));
    let first_ordinary = in_list(ORDINARY, word);
    let mut ended = punct;
    while !ended && count < 8 {
        let next = skip_blanks(masked, end, false);
        if next == end {
            break;
        }
        let Some((s2, e2, p2)) = token(masked, next) else {
            break;
        };
        let w2 = &masked[s2..e2];
        if w2.starts_with(['(', '[', '{', '<'])
            || in_list(FUNCTION, w2)
            || !(is_strong(w2) || is_word(w2))
        {
            break;
        }
        any_strong |= is_strong(w2);
        end = e2;
        count += 1;
        ended = p2;
    }
    if !ended && !is_strong(word) && !first_ordinary && count < 4 {
        // "Ala ma kota 2024": a few more words up to one that looks like a secret belong to it.
        let mut at = end;
        for _ in count..4 {
            let next = skip_blanks(masked, at, false);
            let Some((s2, e2, p2)) = token(masked, next).filter(|_| next > at) else {
                break;
            };
            if is_strong(&masked[s2..e2]) {
                end = e2;
                break;
            }
            if p2 {
                break;
            }
            at = e2;
        }
    }
    (any_strong || !first_ordinary || count >= 3).then_some((s, end))
}

fn keywords(w: &mut Work) {
    let mut found = Vec::new();
    for c in P.keyword.captures_iter(&w.masked) {
        let m = c.get(0).expect("match");
        let class = if c.get(1).is_some() {
            Class::Password
        } else if c.get(2).is_some() {
            Class::Pin
        } else {
            Class::Token
        };
        let polish = {
            let k = m.as_str().to_lowercase();
            k.starts_with("has") || k.starts_with("kl") || class == Class::Pin
        };
        // Inside a URL query the value ends at '&'; the query rule has taken those.
        if w.masked[..m.start()].ends_with(['?', '&']) {
            continue;
        }
        if let Some((s, e)) = after_keyword(&w.masked, m.end(), class, polish) {
            found.push((s, e, class));
        }
    }
    for (s, e, class) in found {
        let kind = match class {
            Class::Password => "password",
            Class::Pin => "PIN",
            Class::Token => "token",
        };
        w.hide(s, e, kind);
    }
}

/// The value after a keyword: directly ("pw=abc123", "password Hunter2!", "hasło to ..."), or
/// after a short lead-in ("password for the VPN is ...", "hasło do wifi: ...").
fn after_keyword(masked: &str, at: usize, class: Class, polish: bool) -> Option<(usize, usize)> {
    let connect = |from: usize| -> Option<(usize, bool)> {
        let c = P.connector.captures(&masked[from..])?;
        let end = from + c.get(0).expect("match").end();
        let word = c.get(1).map(|m| m.as_str().to_lowercase());
        let after = &masked[from..end];
        let english_to = word.as_deref() == Some("to") && !polish && !after.contains(':');
        Some((end, !english_to))
    };
    let rest = &masked[at..];
    if rest.starts_with(|c: char| c.is_alphanumeric()) {
        return None;
    }
    if let Some((end, strong)) = connect(at) {
        if let Some(v) = value(masked, end, class, strong) {
            return Some(v);
        }
    } else if rest.starts_with([' ', '\t', '-', '–']) {
        let next = skip_blanks(masked, at, false);
        if let Some(v) = value(masked, next, class, false) {
            return Some(v);
        }
    }
    // Lead-in: the first word must be one of LEAD_IN, then at most three more before "is"/":".
    let (s, e, _) = token(masked, skip_blanks(masked, at, false))?;
    if !in_list(LEAD_IN, &masked[s..e]) {
        return None;
    }
    let mut pos = e;
    for _ in 0..4 {
        if let Some((end, true)) = connect(pos) {
            return value(masked, end, class, true);
        }
        // Punctuation that joins nothing ends the sentence, and the lead-in with it.
        if !masked[pos..].starts_with([' ', '\t']) {
            return None;
        }
        let (_, e, _) = token(masked, skip_blanks(masked, pos, false))?;
        pos = e;
    }
    None
}

fn logins(w: &mut Work) {
    let mut found = Vec::new();
    for c in P.login_slash.captures_iter(&w.masked) {
        let v = c.get(1).expect("group");
        if let Some((s, e, _)) = token(&w.masked, v.start())
            && is_strong(&w.masked[s..e])
        {
            found.push((s, e));
        }
    }
    for c in P.login_colon.captures_iter(&w.masked) {
        let (user, v) = (&c[1], c.get(2).expect("group"));
        if user.chars().all(|c| c.is_ascii_digit()) || v.as_str().starts_with(['/', '\\']) {
            continue;
        }
        if let Some((s, e, _)) = token(&w.masked, v.start()) {
            found.push((s, e));
        }
    }
    for (s, e) in found {
        w.hide(s, e, "password");
    }
}

/// No letter, digit, or joiner after a letter or digit right before: "PC-04211", "T-1000" and
/// "S/N 1234" hold no number of their own.
fn starts_clean(masked: &str, at: usize) -> bool {
    let before = masked[..at].chars().rev().take(2).collect::<Vec<_>>();
    match before.as_slice() {
        [] => true,
        [c, ..] if c.is_alphanumeric() || *c == '_' || *c == '+' => false,
        [j, p, ..] if matches!(j, '-' | '/' | '_' | '#') && p.is_alphanumeric() => false,
        [j, p, ..] if matches!(j, '.' | ':' | ',') && p.is_ascii_digit() => false,
        _ => true,
    }
}

/// Nothing after that would make the number part of something longer (a letter, "10:30", "1.2.3").
fn ends_clean(masked: &str, at: usize) -> bool {
    let mut after = masked[at..].chars();
    match (after.next(), after.next()) {
        (None, _) => true,
        (Some(c), _) if c.is_alphanumeric() || c == '_' => false,
        (Some('-' | '.' | ':' | '/' | ','), Some(d)) if d.is_alphanumeric() => false,
        _ => true,
    }
}

fn mod97(s: &str) -> bool {
    let mut rem: u32 = 0;
    for c in s[4..].chars().chain(s[..4].chars()) {
        let v = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        rem = if v < 10 {
            (rem * 10 + v) % 97
        } else {
            (rem * 100 + v) % 97
        };
    }
    rem == 1
}

fn ibans(w: &mut Work) {
    let mut found = Vec::new();
    for m in P.iban.find_iter(&w.masked) {
        if !starts_clean(&w.masked, m.start()) {
            continue;
        }
        // Alphanumeric groups joined by single spaces: the longest prefix with a valid checksum.
        let bytes = w.masked.as_bytes();
        let (mut i, mut compact, mut ends) = (m.start(), String::new(), Vec::new());
        while i < bytes.len() && compact.len() < 34 {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                compact.push(b.to_ascii_uppercase() as char);
                i += 1;
                if i == bytes.len() || !bytes[i].is_ascii_alphanumeric() {
                    ends.push((i, compact.clone()));
                }
            } else if b == b' ' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_alphanumeric() {
                i += 1;
            } else {
                break;
            }
        }
        if let Some((end, _)) = ends.iter().rev().find(|(end, s)| {
            (15..=34).contains(&s.len()) && ends_clean(&w.masked, *end) && mod97(s)
        }) {
            found.push((m.start(), *end));
        }
    }
    for (s, e) in found {
        w.hide(s, e, "IBAN");
    }
    let found: Vec<_> = P
        .nrb
        .find_iter(&w.masked)
        .filter(|m| {
            let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
            starts_clean(&w.masked, m.start())
                && ends_clean(&w.masked, m.end())
                && mod97(&format!("PL{digits}"))
        })
        .map(|m| (m.start(), m.end()))
        .collect();
    for (s, e) in found {
        w.hide(s, e, "IBAN");
    }
}

fn luhn(ds: &[u32]) -> bool {
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

/// Card numbers: 13–19 digits starting 2–6, written whole or in the printed groups, Luhn-valid.
fn cards(w: &mut Work) {
    let mut found = Vec::new();
    for m in P.card.find_iter(&w.masked) {
        if !starts_clean(&w.masked, m.start()) || !ends_clean(&w.masked, m.end()) {
            continue;
        }
        // Groups with their byte spans; any contiguous run of groups may be the card.
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let s = m.as_str();
        let mut start = None;
        for (i, c) in s.char_indices() {
            match (c.is_ascii_digit(), start) {
                (true, None) => start = Some(i),
                (false, Some(st)) => {
                    groups.push((st, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(st) = start {
            groups.push((st, s.len()));
        }
        let mut a = 0;
        'outer: while a < groups.len() {
            for b in (a..groups.len()).rev() {
                let lens: Vec<usize> = groups[a..=b].iter().map(|(x, y)| y - x).collect();
                let shaped = lens.len() == 1
                    || (lens[0] == 4
                        && (lens[1..].iter().all(|&l| l == 4)
                            || lens[1..lens.len() - 1].iter().all(|&l| l == 4)
                            || matches!(lens[1..], [6, 4] | [6, 5])));
                let ds: Vec<u32> = s[groups[a].0..groups[b].1]
                    .chars()
                    .filter_map(|c| c.to_digit(10))
                    .collect();
                if shaped && (13..=19).contains(&ds.len()) && (2..=6).contains(&ds[0]) && luhn(&ds)
                {
                    found.push((m.start() + groups[a].0, m.start() + groups[b].1));
                    a = b + 1;
                    continue 'outer;
                }
            }
            a += 1;
        }
    }
    for (s, e) in found {
        w.hide(s, e, "card number");
    }
}

fn pesel_valid(s: &str) -> bool {
    let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 11 {
        return false;
    }
    let weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    let sum: u32 = d.iter().zip(weights).map(|(a, b)| a * b).sum();
    let month = (d[2] * 10 + d[3]) % 20;
    let day = d[4] * 10 + d[5];
    (10 - sum % 10) % 10 == d[10] && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Long strings that mix upper case, lower case and digits the way generated keys do. Words,
/// CamelCase names, file names and host names switch character class rarely; a random string
/// switches at almost every other character.
fn random_strings(w: &mut Work) {
    let found: Vec<_> = P
        .random
        .find_iter(&w.masked)
        .filter_map(|m| {
            let (mut start, mut s) = (m.start(), m.as_str().trim_end_matches(['.', '-', '_']));
            // "/s/Finance/EbXk3...": leading and trailing path segments that are plain words stay.
            let plain = |seg: &str| seg.len() <= 3 || seg.chars().all(|c| c.is_ascii_alphabetic());
            while let Some((seg, rest)) = s.split_once('/').filter(|(seg, _)| plain(seg)) {
                start += seg.len() + 1;
                s = rest;
            }
            while let Some((rest, _)) = s.rsplit_once('/').filter(|(_, seg)| plain(seg)) {
                s = rest;
            }
            let before = w.masked[..start].trim_end();
            if s.len() < 20
                || ["ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256"]
                    .iter()
                    .any(|k| before.ends_with(k))
            {
                return None;
            }
            let class = |b: u8| match b {
                b'A'..=b'Z' => 1,
                b'a'..=b'z' => 2,
                b'0'..=b'9' => 3,
                _ => 0,
            };
            let alnum: Vec<u8> = s
                .bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(class)
                .collect();
            if ![1, 2, 3].iter().all(|k| alnum.contains(k)) {
                return None;
            }
            // Upper followed by lower is how words start; every other change of class counts.
            let switches = alnum
                .windows(2)
                .filter(|p| p[0] != p[1] && !(p[0] == 1 && p[1] == 2))
                .count();
            (switches * 10 >= alnum.len() * 3).then_some((start, start + s.len()))
        })
        .collect();
    for (s, e) in found {
        w.hide(s, e, "token");
    }
}

#[rustfmt::skip]
const PHONE_CONTEXT: &[&str] = &[
    "tel", "tel.", "tel:", "phone", "telefon", "telefonu", "mobile", "cell", "komórka", "komorka",
    "komórki", "komorki", "kom.", "call", "zadzwoń", "zadzwon", "sms", "whatsapp", "numer", "nr",
    "number",
];

/// Phone numbers: an international number (+48 600 123 456, +1 (555) 123-4567, 0048...) or one of
/// the national shapes (600 123 456, 600-123-456, (22) 123 45 67, 22 123 45 67, 555-123-4567);
/// a number without a shape counts only right after "tel", "phone", "numer" and the like. Dates,
/// times, IP addresses, versions, ports and tags never have these shapes.
fn phones(w: &mut Work) {
    let bytes = w.masked.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b == b'+' || b == b'(' || b.is_ascii_digit()) {
            i += 1;
            continue;
        }
        if !starts_clean(&w.masked, i) {
            // The rest of a tag or code ("PC-04211"), not the start of a number.
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            continue;
        }
        let start = i;
        let plus = b == b'+';
        if plus {
            i += 1;
        }
        let (mut groups, mut seps, mut parens) = (Vec::new(), Vec::new(), false);
        let mut end = i;
        loop {
            let mut j = i;
            let open = j < bytes.len() && bytes[j] == b'(';
            if open {
                j += 1;
            }
            let d0 = j;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            if j == d0 || (open && (j >= bytes.len() || bytes[j] != b')')) {
                break;
            }
            groups.push(j - d0);
            if open {
                j += 1;
                parens = true;
            }
            end = j;
            let mut k = j;
            let sep = if k < bytes.len() && matches!(bytes[k], b' ' | b'-' | b'.') {
                k += 1;
                bytes[k - 1]
            } else {
                0
            };
            if k < bytes.len()
                && (bytes[k].is_ascii_digit() || (bytes[k] == b'(' && groups.len() == 1))
                && (sep != 0 || bytes[k] == b'(' || open)
            {
                seps.push(sep);
                i = k;
            } else {
                break;
            }
        }
        i = end.max(start + 1);
        if groups.is_empty() || !ends_clean(&w.masked, end) {
            continue;
        }
        let total: usize = groups.iter().sum();
        let no_dots = !seps.contains(&b'.');
        let digits_first = &w.masked[start..end].trim_start_matches(['+', '(']);
        let shaped = if plus {
            (8..=15).contains(&total) && no_dots
        } else if digits_first.starts_with("00") && groups[0] <= 5 && groups.len() >= 2 {
            (11..=15).contains(&total) && no_dots
        } else {
            match groups.as_slice() {
                [3, 3, 3] | [2, 3, 2, 2] | [2, 3, 3, 3] | [1, 3, 3, 4] => no_dots,
                [3, 3, 4] => true,
                _ if parens => (9..=11).contains(&total) && no_dots,
                _ => {
                    let before = w.masked[..start].trim_end();
                    let last = before
                        .rsplit(|c: char| c.is_whitespace())
                        .next()
                        .unwrap_or("");
                    let last = last.trim_end_matches([':', '.']);
                    let lower = before.to_lowercase();
                    (9..=12).contains(&total)
                        && no_dots
                        && (in_list(PHONE_CONTEXT, last)
                            || lower.ends_with("nr tel")
                            || lower.ends_with("nr. tel"))
                }
            }
        };
        if shaped {
            found.push((start, end));
        }
    }
    for (s, e) in found {
        w.hide(s, e, "phone");
    }
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
            "Authorization: Bearer [redacted: token]",
        );
    }

    #[test]
    fn leaves_ordinary_text_and_ticket_ids() {
        check(
            "any update on T-1042? printer on floor 3",
            "any update on T-1042? printer on floor 3",
        );
        check("order 1234 5678, room 2.14", "order 1234 5678, room 2.14");
        check("I forgot my password", "I forgot my password");
    }
}
