//! Text from users, agents and the store made safe to print on a terminal, and the bot's Markdown
//! as plain text for it. Everything the terminal tools (`chat`, `agent`, `tickets`, `events`,
//! `outbox`, the logs of `run`) print that someone else wrote goes through here: a message must
//! not be able to clear the reader's screen, retitle their window, write their clipboard (OSC 52),
//! reorder what they read (bidirectional overrides) or draw a line that looks like the bot's.
//!
//! Every character a terminal could act on is replaced by a visible escape (`\e`, `\r`,
//! `\u{9b}`...). An escape sequence's introducer (ESC or a C1 control) and its terminator (BEL, ST)
//! are such characters, so no sequence can start or end: what is left of one (`[2J`,
//! `]0;title`) is ordinary printable text, shown so the reader sees what was sent. Backslashes
//! are left alone (Windows paths stay readable), so a typed `\e` looks like an escaped ESC; both
//! are harmless. Ordinary Unicode (diacritics, emoji, joiners inside emoji) is kept.

use std::fmt::Write as _;
use std::io;

/// Characters that reorder or hide text without being control characters: the bidirectional
/// embeddings, overrides, isolates and marks, and the Unicode line and paragraph separators
/// (which some terminals and viewers break lines at).
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        | '\u{2028}' | '\u{2029}')
}

/// Whether `c` is printed as an escape: C0 (but tab and newline, which the callers handle), DEL,
/// C1 (U+0080–U+009F, CSI U+009B among them) and the invisible format characters above.
fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` as one terminal line: newlines become `⏎`, tabs a space, and every other character a
/// terminal could act on a visible escape.
pub fn line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push('⏎'),
            '\t' => out.push(' '),
            c if needs_escape(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// `s` as several terminal lines, for messages printed after a prefix (`bot: `): each line as
/// [`line`] makes it, and every line after the first starts with `indent`, so a message cannot
/// begin a line of its own that passes for another speaker's (`agent: ...`). A CR before a
/// newline is part of the newline; trailing newlines are dropped.
pub fn block(s: &str, indent: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, l) in s.trim_end_matches(['\n', '\r']).split('\n').enumerate() {
        let l = l.strip_suffix('\r').unwrap_or(l);
        if i > 0 {
            out.push('\n');
            if !l.is_empty() {
                out.push_str(indent);
            }
        }
        out.push_str(&line(l));
    }
    out
}

/// A message of the bot's for a terminal: its Markdown as plain text ([`plain`]), then as a
/// [`block`] after a prefix as wide as `indent`.
pub fn message(s: &str, indent: &str) -> String {
    block(&plain(s), indent)
}

/// The bot's Markdown as plain text: `**bold**` and `` `code` `` lose their marks, `*`, `+` and
/// `•` bullets become `- `, headings lose their `#`s and code fences are dropped. Numbered lists
/// and `- ` bullets are already plain. Discord gets the Markdown as written.
pub fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut first = true;
    for l in markdown.split('\n') {
        let trimmed = l.trim_start();
        if trimmed.starts_with("```") {
            continue;
        }
        if !first {
            out.push('\n');
        }
        first = false;
        let lead = &l[..l.len() - trimmed.len()];
        out.push_str(lead);
        let rest = if let Some(r) = ["* ", "+ ", "• "]
            .iter()
            .find_map(|b| trimmed.strip_prefix(b))
        {
            out.push_str("- ");
            r
        } else if let Some(r) = heading(trimmed) {
            r
        } else {
            trimmed
        };
        out.push_str(&inline_plain(rest));
    }
    out
}

/// The text of a Markdown heading line (`## Title`), if it is one.
fn heading(l: &str) -> Option<&str> {
    let hashes = l.len() - l.trim_start_matches('#').len();
    (1..=6)
        .contains(&hashes)
        .then(|| l[hashes..].strip_prefix(' '))
        .flatten()
}

/// One line without its `**` marks and without the backticks of its complete code spans.
fn inline_plain(l: &str) -> String {
    let l = l.replace("**", "");
    if l.matches('`').count() < 2 {
        return l;
    }
    let mut out = String::with_capacity(l.len());
    let mut rest = l.as_str();
    while let Some(open) = rest.find('`') {
        let Some(close) = rest[open + 1..].find('`') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..open + 1 + close]);
        rest = &rest[open + 1 + close + 1..];
    }
    out.push_str(rest);
    out
}

/// One JSON value on one line, as `serde_json` writes it but with the characters [`line`]
/// escapes for being invisible or C1 controls also written as `\uXXXX` (serde_json escapes only
/// C0 controls). The same JSON to a parser, so `--json` output keeps its shape; safe to `cat`.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, SafeJson);
    value.serialize(&mut ser)?;
    Ok(String::from_utf8(buf).expect("serde_json writes UTF-8"))
}

/// serde_json's compact format, escaping what [`needs_escape`] finds inside strings.
struct SafeJson;

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if needs_escape(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // All of them are in the Basic Multilingual Plane: one `\uXXXX` each.
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Log fields as the default format writes them (`message` bare, others `name=value`), each
/// made one safe [`line`]: what users typed can reach the logs of `frontline run` (an unknown
/// button id, an error quoting a payload) and must not act on the terminal reading them.
pub fn log_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + 'static {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
        let v = line(&format!("{value:?}"));
        if field.name() == "message" {
            write!(w, "{v}")
        } else {
            write!(w, "{}={v}", field.name())
        }
    })
    .delimited(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No byte a terminal would act on: C0 (but `\n` where allowed), DEL, C1, bidi controls.
    fn assert_inert(s: &str, newlines: bool) {
        for c in s.chars() {
            assert!(
                !(needs_escape(c) && !(newlines && c == '\n')),
                "{c:?} left in {s:?}"
            );
        }
    }

    fn check_line(input: &str, expected: &str) {
        let got = line(input);
        assert_eq!(got, expected, "line({input:?})");
        assert_inert(&got, false);
    }

    #[test]
    fn escape_sequences_become_visible_text() {
        check_line("\u{1b}[2J\u{1b}[H", "\\e[2J\\e[H");
        check_line("\u{1b}]0;pwned\u{7}", "\\e]0;pwned\\a");
        check_line(
            "\u{1b}]52;c;Y3VybCBldmlsIHwgc2g=\u{1b}\\",
            "\\e]52;c;Y3VybCBldmlsIHwgc2g=\\e\\",
        );
        check_line("\u{1b}P1$qm\u{1b}\\", "\\eP1$qm\\e\\");
        check_line("\u{9b}31mred\u{9b}0m", "\\u{9b}31mred\\u{9b}0m");
        check_line("\u{9d}0;t\u{9c}", "\\u{9d}0;t\\u{9c}");
        check_line("\u{85}next line", "\\u{85}next line");
    }

    #[test]
    fn line_drawing_characters_become_visible() {
        check_line("ok\rbot: fake", "ok\\rbot: fake");
        check_line("secret\u{8}\u{8}\u{8}xxx", "secret\\b\\b\\bxxx");
        check_line("a\u{7f}b\u{0}c\u{c}", "a\\x7fb\\x00c\\x0c");
        check_line("one\ntwo\tthree", "one⏎two three");
    }

    #[test]
    fn bidirectional_controls_become_visible() {
        check_line("invoice\u{202e}fdp.exe", "invoice\\u{202e}fdp.exe");
        check_line(
            "\u{2066}a\u{2069}\u{2067}b\u{2068}\u{200e}\u{200f}\u{61c}\u{202a}",
            "\\u{2066}a\\u{2069}\\u{2067}b\\u{2068}\\u{200e}\\u{200f}\\u{61c}\\u{202a}",
        );
        check_line("a\u{2028}b\u{2029}", "a\\u{2028}b\\u{2029}");
    }

    #[test]
    fn ordinary_unicode_is_kept() {
        for s in [
            "Zażółć gęślą jaźń, ZAŻÓŁĆ GĘŚLĄ JAŹŃ",
            "drukarka nie działa 🖨️😡",
            "rodzina 👨‍👩‍👧 i flaga 🇵🇱",
            "C:\\Users\\jan\\Desktop",
            "日本語 العربية עברית",
        ] {
            check_line(s, s);
        }
    }

    #[test]
    fn blocks_indent_continuations() {
        let check = |input: &str, expected: &str| {
            let got = block(input, "     ");
            assert_eq!(got, expected, "block({input:?})");
            assert_inert(&got, true);
        };
        check("one line", "one line");
        check("hi\nagent: fake", "hi\n     agent: fake");
        check("a\r\n\r\nb\r\n", "a\n\n     b");
        check("x\u{1b}[1A\ragent: y", "x\\e[1A\\ragent: y");
        check("\nbot: starts with one", "\n     bot: starts with one");
    }

    #[test]
    fn markdown_becomes_plain_text() {
        let check = |input: &str, expected: &str| assert_eq!(plain(input), expected, "{input:?}");
        check("**Reset a password**", "Reset a password");
        check(
            "1. Open **https://aka.ms/sspr**\n2. Click **Next**",
            "1. Open https://aka.ms/sspr\n2. Click Next",
        );
        check(
            "**Statuses:**\n- **New** – waiting\n* one\n  + two\n• three",
            "Statuses:\n- New – waiting\n- one\n  - two\n- three",
        );
        check("run `ipconfig /flushdns` now", "run ipconfig /flushdns now");
        check("a lone ` stays", "a lone ` stays");
        check("## Title\n```\ncode\n```", "Title\ncode");
        check("#hashtag and 5 * 3", "#hashtag and 5 * 3");
    }

    #[test]
    fn messages_are_plain_and_safe() {
        assert_eq!(
            message("**Title**\n- step\u{1b}[2J\n**bot:** fake", "     "),
            "Title\n     - step\\e[2J\n     bot: fake"
        );
    }

    #[test]
    fn log_fields_are_safe_lines() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(log_fields())
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let id = "x\u{1b}]0;pwned\u{7}\nWARN fake";
            tracing::warn!(from = "a\u{9b}2J", "unknown button `{id}`");
        });
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(
            out.ends_with("unknown button `x\\e]0;pwned\\a⏎WARN fake` from=\"a\\u{9b}2J\"\n"),
            "{out:?}"
        );
        assert_inert(out.trim_end_matches('\n'), false);
    }

    #[test]
    fn json_escapes_what_a_terminal_would_act_on_and_parses_back() {
        let hostile = "a\u{1b}[2J\u{9b}1m\u{202e}x\u{2028}\u{7f}\r\nż 😀\"\\";
        let v = serde_json::json!({"text": hostile, hostile: [1, "ł"]});
        let s = json(&v).unwrap();
        assert_inert(&s, false);
        assert!(s.contains("\\u009b") && s.contains("\\u202e") && s.contains("ż 😀"));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
        // Otherwise byte for byte what serde_json writes.
        let plain = serde_json::json!({"a": "ż", "b": [1, 2.5, null, true]});
        assert_eq!(
            json(&plain).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
    }
}
