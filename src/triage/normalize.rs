//! Text normalisation shared by rules, the classifier and FAQ search: Unicode NFKC, case folding,
//! diacritic folding (Polish and other Latin letters), control characters removed, whitespace collapsed.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Messages longer than this many bytes are cut (at a character boundary) before triage. A chat
/// message worth classifying is far shorter (Discord caps messages at 2,000 characters); the cut keeps
/// the cost of one decision bounded whatever a user pastes.
pub const MAX_INPUT_BYTES: usize = 4096;

/// A message made ready for matching.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Normalized {
    /// Folded text: lower case, no diacritics, control characters as spaces, single spaces.
    pub text: String,
    /// Word tokens: maximal runs of letters and digits in `text` (apostrophes dropped: "can't" -> "cant").
    pub tokens: Vec<String>,
    /// Whether the input was cut at [`MAX_INPUT_BYTES`].
    pub truncated: bool,
    /// Whether the original carried Polish-specific letters (a strong language hint lost by folding).
    pub polish_letters: bool,
}

/// Cuts `s` to at most `max` bytes without splitting a character.
pub fn truncate(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], true)
}

fn is_polish_letter(c: char) -> bool {
    matches!(
        c,
        'ą' | 'ć'
            | 'ę'
            | 'ł'
            | 'ń'
            | 'ś'
            | 'ź'
            | 'ż'
            | 'Ą'
            | 'Ć'
            | 'Ę'
            | 'Ł'
            | 'Ń'
            | 'Ś'
            | 'Ź'
            | 'Ż'
    )
}

/// Folds one lower-case character to its base letter where it has one (`ł` -> `l`, `é` -> `e`).
fn fold_char(c: char, out: &mut String) {
    match c {
        'ł' => out.push('l'),
        'ß' => out.push_str("ss"),
        'ø' => out.push('o'),
        'đ' => out.push('d'),
        _ => {
            let mut base = None;
            let mut only_marks = true;
            decompose_canonical(c, |d| {
                if base.is_none() {
                    base = Some(d);
                } else if !is_combining_mark(d) {
                    only_marks = false;
                }
            });
            match base {
                Some(b) if only_marks => out.push(b),
                _ => out.push(c),
            }
        }
    }
}

/// Removes terminal escape sequences (colours pasted from a terminal: `ESC [ 31 m`), which would
/// otherwise glue their letters to the words around them.
fn strip_ansi(input: &str) -> std::borrow::Cow<'_, str> {
    if !input.contains('\u{1b}') {
        return std::borrow::Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        out.push(' ');
        match chars.next() {
            // CSI: parameters and intermediates, then one final byte in @..~.
            Some('[') => {
                while let Some(&n) = chars.peek() {
                    chars.next();
                    if ('@'..='~').contains(&n) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ST.
            Some(']') => {
                while let Some(n) = chars.next() {
                    if n == '\u{7}' || (n == '\u{1b}' && chars.peek() == Some(&'\\')) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Folds diacritics in a pattern or keyword written by a pack author, leaving case and regex syntax alone.
pub fn fold_pattern(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for c in p.nfkc() {
        if c.is_ascii() {
            out.push(c);
        } else if c.is_uppercase() {
            for l in c.to_lowercase() {
                fold_char(l, &mut out);
            }
        } else {
            fold_char(c, &mut out);
        }
    }
    out
}

/// Normalises a message (truncating it first at [`MAX_INPUT_BYTES`]).
pub fn normalize(input: &str) -> Normalized {
    normalize_with_limit(input, MAX_INPUT_BYTES)
}

/// Normalises text cut at `limit` bytes (articles are indexed whole).
pub fn normalize_with_limit(input: &str, limit: usize) -> Normalized {
    let (input, truncated) = truncate(input, limit);
    let stripped = strip_ansi(input);
    let input: &str = &stripped;
    let mut text = String::with_capacity(input.len() + 1);
    let mut polish_letters = false;
    let mut last_space = true;
    let mut push = |c: char, text: &mut String| {
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                text.push(' ');
                last_space = true;
            }
        } else {
            text.push(c);
            last_space = false;
        }
    };
    if input.is_ascii() {
        for b in input.bytes() {
            push(b.to_ascii_lowercase() as char, &mut text);
        }
    } else {
        let mut folded = String::with_capacity(4);
        for c in input.nfkc() {
            if is_polish_letter(c) {
                polish_letters = true;
            }
            if c.is_ascii() {
                push(c.to_ascii_lowercase(), &mut text);
                continue;
            }
            // Zero-width and format characters (joiners, bidi marks) carry nothing to match.
            if matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
            {
                continue;
            }
            folded.clear();
            for l in c.to_lowercase() {
                fold_char(l, &mut folded);
            }
            for f in folded.chars() {
                if !is_combining_mark(f) {
                    push(f, &mut text);
                }
            }
        }
    }
    if text.ends_with(' ') {
        text.pop();
    }
    let tokens = tokenize(&text);
    Normalized {
        text,
        tokens,
        truncated,
        polish_letters,
    }
}

/// Splits folded text into word tokens. Apostrophes inside words are dropped so "can't" is "cant".
pub fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            cur.push(c);
        } else if (c == '\'' || c == '’')
            && !cur.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric())
        {
            continue;
        } else if !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, text: &str, tokens: &[&str]) {
        let n = normalize(input);
        assert_eq!(n.text, text, "text of {input:?}");
        assert_eq!(n.tokens, tokens, "tokens of {input:?}");
    }

    #[test]
    fn folds_case_diacritics_and_space() {
        check(
            "Zapomniałem HASŁA!",
            "zapomnialem hasla!",
            &["zapomnialem", "hasla"],
        );
        check(
            "  Can't   log\tin\n",
            "can't log in",
            &["cant", "log", "in"],
        );
        check(
            "ＦＵＬＬ width Ｔ-１０４２",
            "full width t-1042",
            &["full", "width", "t", "1042"],
        );
        check("Café żółć", "cafe zolc", &["cafe", "zolc"]);
        check("a\u{0}b\u{7}c", "a b c", &["a", "b", "c"]);
        check(
            "\u{1b}[31mthe printer\u{1b}[0m is offline",
            "the printer is offline",
            &["the", "printer", "is", "offline"],
        );
        check("", "", &[]);
        check(" \t\n ", "", &[]);
    }

    #[test]
    fn truncates_at_char_boundary() {
        let long = "ż".repeat(MAX_INPUT_BYTES);
        let n = normalize(&long);
        assert!(n.truncated);
        assert!(n.text.len() <= MAX_INPUT_BYTES);
        assert!(n.polish_letters);
    }

    #[test]
    fn folds_patterns_without_touching_escapes() {
        assert_eq!(fold_pattern(r"hasło\W"), r"haslo\W");
    }
}
