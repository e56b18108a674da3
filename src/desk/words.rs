//! Understanding a user's short answers (issue 12): yes or no, a rating, a conversational
//! command, a ticket id, a choice among offered options. Pure functions over the text, English
//! and Polish, tolerant of case, punctuation, emoji, missing Polish diacritics and small typos.
//!
//! Every reading here errs towards `None`: the desk then asks again or triages the text as a new
//! message, which costs one turn, whereas a wrong "yes" closes a ticket the user still needs.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::triage::normalize::{MAX_INPUT_BYTES, normalize, truncate};

// ---------------------------------------------------------------------------------------------
// Lexing and typo tolerance, shared by every reader below.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A run of letters and digits (inner apostrophes dropped), folded: "Działa" -> "dziala".
    Word,
    /// A run of ASCII digits (after folding, so full-width digits count).
    Number,
    /// One other visible character: punctuation, a symbol, an emoji.
    Sym,
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    text: String,
    /// Byte span in the (truncated) input.
    start: usize,
    end: usize,
}

impl Tok {
    fn is_sym(&self, c: char) -> bool {
        self.kind == Kind::Sym && self.text.starts_with(c)
    }
    fn is_wordlike(&self) -> bool {
        self.kind != Kind::Sym
    }
}

/// Characters that carry nothing: variation selectors, joiners, skin tones, the keycap mark.
fn ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{fe0e}' | '\u{fe0f}' | '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' | '\u{20e3}'
    ) || ('\u{1f3fb}'..='\u{1f3ff}').contains(&c)
}

fn lex(input: &str) -> Vec<Tok> {
    let (input, _) = truncate(input, MAX_INPUT_BYTES);
    let mut toks = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_alphanumeric() {
            let mut end = start + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                let glued_apostrophe = (d == '\'' || d == '’')
                    && input[j + d.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric);
                if d.is_alphanumeric() || glued_apostrophe {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let text: String = normalize(&input[start..end])
                .text
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect();
            let kind = if text.bytes().all(|b| b.is_ascii_digit()) {
                Kind::Number
            } else {
                Kind::Word
            };
            toks.push(Tok {
                kind,
                text,
                start,
                end,
            });
        } else if !c.is_whitespace() && !c.is_control() && !ignorable(c) {
            let end = start + c.len_utf8();
            toks.push(Tok {
                kind: Kind::Sym,
                text: c.to_string(),
                start,
                end,
            });
        }
    }
    toks
}

/// Real words one edit away from a vocabulary word: never "corrected" ("hope" is not "nope").
#[rustfmt::skip]
const NOT_TYPOS: &[&str] = &[
    "hope", "note", "none", "node", "nose", "rope", "pope", "dope", "year", "years", "word",
    "words",
    "worm", "worms", "fork", "forks", "worker", "mixed", "fixes", "helper", "solves", "solver",
    "treat", "greet", "thinks", "sore", "pure", "cure", "stall", "skill", "spill", "stile", "some",
    "game", "came", "name", "hell", "held", "clone", "chose", "lose", "cloze", "clos", "those",
    "close", "hallo", "jello", "cello", "stats", "statue", "humane", "agency", "parson", "prison",
    "cancer", "candle", "dziale", "dzial", "dzialu", "dalek", "tanks", "dzielo", "dzieli", "pomoge",
    "nadaj", "wciaga", "boot", "calej", "forgot", "haslo", "here", "kolejce", "kolejke",
    "nastepnie",
    "newer", "fever", "lever", "sever", "odtworz", "utworz", "utworzyc", "pelna", "pelny", "pokoj",
    "states", "stratus", "szesc", "think", "were", "whereas", "sso", "off", "www", "starts",
    "stays", "filed", "fired", "fined", "nowe", "nape", "mope", "lope", "cope", "leah", "stuff",
    "stiff", "tissue", "mourning", "corks", "wonks", "woks", "corked", "forked", "salved", "faxed",
    "yelped", "wicket", "halls",
];

/// Squeezes runs of one letter: "yesss" -> "yes", "dzialaaa" -> "dziala".
fn squeeze(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    for c in w.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// Whether `typed` is one edit from `word`: a substitution, a transposition, a letter missing or
/// one too many. Edits of the last letter alone are refused: that is where inflection lives
/// ("stops", "closed", "dzialo"), so such a word is a different word, not a typo.
fn one_edit(typed: &str, word: &str) -> bool {
    let a: Vec<char> = typed.chars().collect();
    let b: Vec<char> = word.chars().collect();
    let first = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    match a.len() as isize - b.len() as isize {
        0 => {
            if first == a.len() {
                return false;
            }
            let rest_equal = |from: usize| a[from..] == b[from..];
            let substitution = first + 1 < a.len() && rest_equal(first + 1);
            let transposition = first + 1 < a.len()
                && a[first] == b[first + 1]
                && a[first + 1] == b[first]
                && rest_equal(first + 2);
            substitution || transposition
        }
        1 => first < b.len() && a[first + 1..] == b[first..],
        -1 => first < a.len() && a[first..] == b[first + 1..],
        _ => false,
    }
}

/// A vocabulary, prepared once: [`Vocab::canon`] runs on every word of every message, several
/// times a turn, so its lookups are hashed rather than scans of the lists.
struct Vocab {
    known: HashSet<&'static str>,
    /// Each known word's squeezed form and the one word it stands for (`None`: several do).
    squeezed: HashMap<String, Option<&'static str>>,
    /// The words (four letters or more) a typo may stand for.
    fuzzy: Vec<&'static str>,
    /// Typed words of fewer letters than this are never read as typos.
    typos_from: usize,
}

static NOT_TYPO: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| NOT_TYPOS.iter().copied().collect());

impl Vocab {
    fn new(known: &[&[&'static str]], fuzzy: &[&[&'static str]], typos_from: usize) -> Self {
        let mut squeezed: HashMap<String, Option<&'static str>> = HashMap::new();
        for &k in known.iter().flat_map(|l| l.iter()) {
            squeezed
                .entry(squeeze(k))
                .and_modify(|hit| {
                    if *hit != Some(k) {
                        *hit = None;
                    }
                })
                .or_insert(Some(k));
        }
        let mut fuzzy: Vec<&'static str> = fuzzy
            .iter()
            .flat_map(|l| l.iter().copied())
            .filter(|k| k.chars().count() >= 4)
            .collect();
        fuzzy.sort_unstable();
        fuzzy.dedup();
        Vocab {
            known: known.iter().flat_map(|l| l.iter().copied()).collect(),
            squeezed,
            fuzzy,
            typos_from: typos_from.max(4),
        }
    }

    /// The vocabulary word a typed word stands for: itself when known, the known word it
    /// stretches ("yesss") or misses a double letter of ("stil"), or the one fuzzy word it is a
    /// typo of. Unknown words stay as they are.
    fn canon(&self, w: &str) -> String {
        if self.known.contains(w) || NOT_TYPO.contains(w) || w.chars().any(|c| c.is_ascii_digit()) {
            return w.to_string();
        }
        // A stretched word ("yesss"), or a missed double letter ("stil", "realy") in 4+ letters.
        let squeezed = squeeze(w);
        let letters = w.chars().count();
        if (squeezed.len() < w.len() || letters >= 4)
            && let Some(Some(hit)) = self.squeezed.get(&squeezed)
        {
            return hit.to_string();
        }
        if letters < self.typos_from {
            return w.to_string();
        }
        let mut found: Option<&str> = None;
        for k in &self.fuzzy {
            if one_edit(w, k) {
                if found.is_some() {
                    return w.to_string();
                }
                found = Some(k);
            }
        }
        found.map_or_else(|| w.to_string(), str::to_string)
    }
}

/// Finds the longest of `phrases` that starts at `words[i]`; returns its length.
fn phrase_at(words: &[String], i: usize, phrases: &[&[&str]]) -> Option<usize> {
    phrases
        .iter()
        .filter(|p| !p.is_empty() && words.len() >= i + p.len())
        .filter(|p| p.iter().zip(&words[i..]).all(|(a, b)| a == b))
        .map(|p| p.len())
        .max()
}

/// Punctuation that ends a clause or separates a rating from its comment.
fn is_separator(t: &Tok) -> bool {
    t.kind == Kind::Sym
        && !matches!(
            t.text.as_str(),
            "#" | "@" | "$" | "%" | "&" | "*" | "+" | "=" | "^" | "_" | "\\" | "<" | ">"
        )
}

// ---------------------------------------------------------------------------------------------
// Yes or no.

#[rustfmt::skip]
const YES: &[&str] = &[
    "yes", "yep", "yeah", "yea", "yup", "yah", "sure", "certainly", "definitely", "absolutely",
    "correct", "affirmative", "indeed", "tak", "jasne", "owszem", "oczywiscie", "dokladnie",
    "zgadza", "+yes",
];
#[rustfmt::skip]
const NO: &[&str] =
    &["no", "nope", "nah", "negative", "niestety", "unfortunately", "sadly", "-no"];
/// Words that negate what follows ("doesn't work") and stand for "no" on their own ("not really").
#[rustfmt::skip]
const NEGATORS: &[&str] = &[
    "not", "nie", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant", "cannot",
    "couldnt", "wont", "wouldnt", "hasnt", "havent", "doesn", "didn", "isn", "never", "nothing",
    "nic", "nigdy", "wcale", "neither", "nor",
];
/// Words saying the problem is gone; negated they say it is not.
#[rustfmt::skip]
const POSITIVE: &[&str] = &[
    "works", "work", "worked", "working", "solved", "fixed", "resolved", "helped", "sorted", "good",
    "fine", "great", "perfect", "awesome", "excellent", "brilliant", "amazing", "wonderful", "nice",
    "success", "successful", "dziala", "dzialaja", "dzialalo", "zadzialalo", "pomoglo", "pomogla",
    "pomogl", "pomogles", "pomoglas", "pomogliscie", "pomaga", "rozwiazane", "rozwiazany",
    "rozwiazana", "rozwiazalo", "naprawione", "naprawiony", "naprawilo", "smiga", "super",
    "swietnie", "idealnie", "doskonale", "dobrze",
];
#[rustfmt::skip]
const HEDGES: &[&str] = &[
    "maybe", "perhaps", "probably", "possibly", "think", "guess", "seems", "seem", "apparently",
    "kinda", "partly", "partially", "almost", "mostly", "somewhat", "sometimes", "hopefully",
    "chyba", "moze", "raczej", "prawie", "czesciowo", "troche", "niby", "podobno", "pewnie",
    "chwilowo", "narazie",
];
/// "still", "again": with a trouble word they say the problem stayed ("still broken").
const STILL: &[&str] = &[
    "still", "again", "nadal", "wciaz", "dalej", "ciagle", "znowu", "znow",
];
/// Words that only say "no" after a [`STILL`] word: "my printer is broken" is a new problem.
#[rustfmt::skip]
const TROUBLE: &[&str] = &[
    "broken", "same", "error", "errors", "failing", "fails", "failed", "crashing", "crashes",
    "crashed", "down", "wrong", "issue", "problem", "happening", "jams", "stuck", "zepsute",
    "zepsuty", "zepsuta", "blad", "bledy", "problemy", "wywala", "wyskakuje",
];
const CONTRAST: &[&str] = &[
    "but", "however", "though", "although", "ale", "lecz", "jednak",
];
#[rustfmt::skip]
const YES_NO_FILLERS: &[&str] = &[
    "it", "its", "that", "thats", "this", "now", "already", "all", "everything", "ok", "okay",
    "okej", "oki", "okey", "thanks", "thank", "thx", "you", "u", "so", "much", "very", "a", "lot",
    "did", "does", "do", "is", "was", "has", "have", "i", "im", "am", "me", "for", "my", "the",
    "really", "finally", "at", "last", "well", "oh", "wow", "cool", "help", "your", "please", "pls",
    "cheers", "guys", "lol", "yay", "just", "and", "to", "juz", "teraz", "wszystko", "jest", "sie",
    "mi", "mnie", "dzieki", "dziekuje", "dzieks", "bardzo", "wielkie", "serdecznie", "spoko", "i",
    "ze", "ok", "wreszcie", "nareszcie", "pomoc", "za", "ja", "jestem", "pewien", "pewna", "pewny",
    "naprawde", "faktycznie", "rzeczywiscie", "yet", "jeszcze", "too", "tez", "again",
];
/// Words that may follow a Polish filler "no" ("no i działa", "no to co mam zrobić?").
#[rustfmt::skip]
const PL_AFTER_NO: &[&str] = &[
    "i", "to", "tak", "juz", "dziala", "dzialalo", "zadzialalo", "pomoglo", "jasne", "pewnie",
    "dobra", "dobrze", "super", "ale", "wiec", "nie", "niby", "chyba", "przeciez", "co", "nic",
    "jak", "a", "bo", "wlasnie", "spoko", "rzeczywiscie", "faktycznie", "niestety", "nadal",
    "dalej", "wciaz", "teraz", "swietnie",
];
const PL_QUESTION: &[&str] = &["co", "jak", "dlaczego", "czemu", "gdzie", "kiedy", "czy"];
#[rustfmt::skip]
const YES_NO_FUZZY: &[&str] = &[
    "yeah", "nope", "works", "worked", "working", "solved", "fixed", "resolved", "helped",
    "perfect", "awesome", "excellent", "thanks", "dziala", "dzialalo", "zadzialalo", "pomoglo",
    "pomogla", "rozwiazane", "naprawione", "dzieki", "dziekuje", "nadal", "wciaz", "niestety",
    "doesnt", "didnt", "cannot", "nothing", "definitely", "absolutely", "oczywiscie", "dokladnie",
    "swietnie", "idealnie", "unfortunately", "broken", "happening", "problem", "wszystko",
    "already", "everything", "finally",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sense {
    Yes,
    No,
    Negator,
    Positive,
    /// A phrase meaning "not solved" on its own ("same problem", "co mam zrobić").
    Negative,
    Hedge,
    Still,
    Trouble,
    Contrast,
    Filler,
    Unknown,
}

#[rustfmt::skip]
const YES_NO_PHRASES: &[(&[&str], Sense)] = &[
    (&["not", "sure"], Sense::Hedge),
    (&["not", "certain"], Sense::Hedge),
    (&["no", "idea"], Sense::Hedge),
    (&["dont", "know"], Sense::Hedge),
    (&["do", "not", "know"], Sense::Hedge),
    (&["dunno"], Sense::Hedge),
    (&["idk"], Sense::Hedge),
    (&["nie", "wiem"], Sense::Hedge),
    (&["nie", "mam", "pojecia"], Sense::Hedge),
    (&["nie", "jestem", "pewien"], Sense::Hedge),
    (&["nie", "jestem", "pewna"], Sense::Hedge),
    (&["nie", "jestem", "pewny"], Sense::Hedge),
    (&["sort", "of"], Sense::Hedge),
    (&["kind", "of"], Sense::Hedge),
    (&["for", "now"], Sense::Hedge),
    (&["na", "razie"], Sense::Hedge),
    (&["no", "problem"], Sense::Filler),
    (&["no", "worries"], Sense::Filler),
    (&["nie", "ma", "problemu"], Sense::Filler),
    (&["nie", "ma", "sprawy"], Sense::Filler),
    (&["nie", "ma", "za", "co"], Sense::Filler),
    (&["same", "problem"], Sense::Negative),
    (&["same", "issue"], Sense::Negative),
    (&["same", "error"], Sense::Negative),
    (&["same", "thing"], Sense::Negative),
    (&["the", "same"], Sense::Negative),
    (&["to", "samo"], Sense::Negative),
    (&["tak", "samo"], Sense::Negative),
    (&["ten", "sam"], Sense::Negative),
    (&["ta", "sama"], Sense::Negative),
    (&["what", "now"], Sense::Negative),
    (&["what", "should", "i", "do"], Sense::Negative),
    (&["what", "do", "i", "do"], Sense::Negative),
    (&["what", "can", "i", "do"], Sense::Negative),
    (&["what", "next"], Sense::Negative),
    (&["co", "mam", "zrobic"], Sense::Negative),
    (&["co", "mam", "teraz", "zrobic"], Sense::Negative),
    (&["co", "mam", "robic"], Sense::Negative),
    (&["co", "teraz"], Sense::Negative),
    (&["co", "dalej"], Sense::Negative),
    (&["of", "course"], Sense::Yes),
    (&["all", "good"], Sense::Positive),
    (&["all", "set"], Sense::Positive),
    (&["w", "porzadku"], Sense::Positive),
    (&["wszystko", "gra"], Sense::Positive),
    (&["problem", "solved"], Sense::Positive),
    (&["problem", "fixed"], Sense::Positive),
    (&["problem", "resolved"], Sense::Positive),
    (&["issue", "solved"], Sense::Positive),
    (&["issue", "fixed"], Sense::Positive),
    (&["issue", "resolved"], Sense::Positive),
    (&["problem", "rozwiazany"], Sense::Positive),
    (&["problem", "zniknal"], Sense::Positive),
];

fn sense_of(w: &str) -> Sense {
    if YES.contains(&w) {
        Sense::Yes
    } else if NO.contains(&w) {
        Sense::No
    } else if NEGATORS.contains(&w) {
        Sense::Negator
    } else if POSITIVE.contains(&w) {
        Sense::Positive
    } else if HEDGES.contains(&w) {
        Sense::Hedge
    } else if STILL.contains(&w) {
        Sense::Still
    } else if TROUBLE.contains(&w) {
        Sense::Trouble
    } else if CONTRAST.contains(&w) {
        Sense::Contrast
    } else if YES_NO_FILLERS.contains(&w) {
        Sense::Filler
    } else {
        Sense::Unknown
    }
}

#[derive(Debug, Default)]
struct Signals {
    yes: bool,
    no: bool,
    hedge: bool,
    unknown: usize,
}

/// Reads one stretch of (sense, starts-a-clause) items. A negator or "no" swallows a positive
/// word up to three words later in the same clause: "doesn't really work" is one "no".
fn signals(items: &[(Sense, bool)]) -> Signals {
    let mut s = Signals::default();
    let (mut pending, mut still, mut trouble) = (0u8, false, 0usize);
    for &(sense, clause_start) in items {
        if clause_start {
            pending = 0;
        }
        match sense {
            Sense::No | Sense::Negator => {
                s.no = true;
                pending = 4;
            }
            Sense::Yes | Sense::Positive if pending == 0 => s.yes = true,
            Sense::Yes | Sense::Positive => {}
            Sense::Negative => s.no = true,
            Sense::Hedge => s.hedge = true,
            Sense::Still => still = true,
            Sense::Trouble => trouble += 1,
            Sense::Unknown => s.unknown += 1,
            Sense::Filler | Sense::Contrast => {}
        }
        pending = pending.saturating_sub(1);
    }
    if still && trouble > 0 {
        s.no = true;
    } else {
        s.unknown += trouble;
    }
    s
}

/// Reads an answer to "Did this solve it?" or "Are you sure?".
///
/// - `Some(true)` needs a yes ("yes", "yep", "tak", "jasne", 👍 ✅) or a word saying the problem is
///   gone ("works", "solved", "działa", "pomogło", "perfect") that nothing negates, and every other
///   word must be known filler ("it", "now", "thanks", "już", "dzięki"): "yes, but my mouse broke"
///   is not a yes. A question ("works?"), a hedge ("maybe", "I think", "chyba", "na razie") or a
///   "no" anywhere in the same reading turns a yes into `None`.
/// - `Some(false)` needs a no ("no", "nope", "nie", "niestety", 👎 ❌), a negator ("doesn't", "not",
///   "nie", "nic"), "still"/"nadal"/"wciąż" with a trouble word ("still broken"), or a phrase
///   like "same problem", "nadal to samo", "co mam zrobić". Unknown words around it are allowed:
///   a wrong "no" only keeps a ticket open. A negator swallows the positive word after it
///   ("doesn't work", "nie pomogło"). Hedges do not soften a no ("chyba nie" is no).
/// - With a contrast ("but", "ale", "jednak") the part after the last one decides when it says
///   anything ("didn't work at first but now it works" is yes, "tak, ale nadal nie działa" is no);
///   otherwise a no before it stands and a yes before it becomes `None`.
/// - A yes and a no in the same part ("yes and no", "nie, działa") are `None`.
/// - Polish "no" followed by a Polish word ("no i działa", "no to co mam zrobić?", "no tak") is a
///   filler ("well"), dropped before reading; if the rest says nothing but asks something ("no to
///   jak to naprawić?") it is read as not solved. Alone, or before English ("no it didn't"), "no"
///   is a no. "I don't know", "nie wiem", "not sure" are `None`, not no.
/// - Typos: words of four letters or more one edit from a known word are read as it ("dizała",
///   "wroks"), never when the typed word is a real word ("hope" is not "nope") or only its last
///   letter differs; stretched words are squeezed ("yesss", "nieee").
pub fn yes_no(text: &str) -> Option<bool> {
    let toks = lex(text);
    let question = toks
        .iter()
        .any(|t| t.is_sym('?') || t.is_sym('¿') || t.is_sym('？'));
    static VOCAB: LazyLock<Vocab> = LazyLock::new(|| {
        Vocab::new(
            &[
                YES,
                NO,
                NEGATORS,
                POSITIVE,
                HEDGES,
                STILL,
                TROUBLE,
                CONTRAST,
                YES_NO_FILLERS,
                PL_AFTER_NO,
                PL_QUESTION,
                YES_NO_PHRASE_WORDS,
            ],
            &[YES_NO_FUZZY],
            4,
        )
    });
    let mut words: Vec<String> = Vec::new();
    let mut starts: Vec<bool> = Vec::new();
    let mut clause_start = true;
    for t in &toks {
        match t.kind {
            Kind::Sym => match t.text.as_str() {
                "👍" | "👌" | "✅" | "✔" | "☑" => {
                    words.push("+yes".into());
                    starts.push(clause_start);
                    clause_start = false;
                }
                "👎" | "❌" | "✖" | "🚫" => {
                    words.push("-no".into());
                    starts.push(clause_start);
                    clause_start = false;
                }
                _ if is_separator(t) => clause_start = true,
                _ => {}
            },
            _ => {
                words.push(VOCAB.canon(&t.text));
                starts.push(clause_start);
                clause_start = false;
            }
        }
    }
    if words.is_empty() {
        return None;
    }
    // Polish "no" as a filler: "no i działa", "no to co mam zrobić".
    let polish_no = words.len() > 1 && words[0] == "no" && PL_AFTER_NO.contains(&words[1].as_str());
    let skip = usize::from(polish_no);
    let mut items: Vec<(Sense, bool)> = Vec::new();
    let mut i = skip;
    while i < words.len() {
        let phrase = YES_NO_PHRASES
            .iter()
            .filter_map(|(p, s)| phrase_at(&words, i, &[p]).map(|n| (n, *s)))
            .max_by_key(|(n, _)| *n);
        let (n, sense) = phrase.unwrap_or((1, sense_of(&words[i])));
        items.push((sense, starts[i] || i == skip));
        i += n;
    }
    let hedge = items.iter().any(|(s, _)| *s == Sense::Hedge);
    let decide = |s: &Signals| -> Option<bool> {
        match (s.yes, s.no) {
            (true, true) => None,
            (false, true) => Some(false),
            (true, false) if !(hedge || question || s.unknown > 0) => Some(true),
            _ => None,
        }
    };
    let verdict = match items.iter().rposition(|(s, _)| *s == Sense::Contrast) {
        Some(c) => {
            let after = signals(&items[c + 1..]);
            if after.yes || after.no {
                decide(&after)
            } else {
                let before = signals(&items[..c]);
                (before.no && !before.yes).then_some(false)
            }
        }
        None => decide(&signals(&items)),
    };
    if verdict.is_none() && polish_no {
        let s = signals(&items);
        let asks_how = words[1..].iter().any(|w| PL_QUESTION.contains(&w.as_str()));
        if !s.yes && !s.no && !hedge && (asks_how || (question && s.unknown > 0)) {
            return Some(false);
        }
    }
    verdict
}

/// Every word of [`YES_NO_PHRASES`], so phrase words are known and not "corrected" into others.
#[rustfmt::skip]
const YES_NO_PHRASE_WORDS: &[&str] = &[
    "sure", "certain", "idea", "know", "wiem", "mam", "pojecia", "pewien", "pewna", "pewny",
    "sort", "of", "kind", "na", "razie", "worries", "ma", "problemu", "sprawy", "samo", "sam",
    "sama", "ten", "ta", "what", "should", "can", "next", "zrobic", "robic", "thing", "course",
    "set", "w", "porzadku", "gra", "zniknal", "co", "teraz",
];

// ---------------------------------------------------------------------------------------------
// Ratings.

/// A satisfaction rating: a score on the 1–5 scale and what else the user wrote with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// 1 (worst) to 5 (best).
    pub score: u8,
    /// The rest of the message, trimmed of separators; `None` when nothing is left.
    pub comment: Option<String>,
}

/// Number words on the rating scale, Polish school grades included ("piątka", "dwója").
#[rustfmt::skip]
const NUMBER_WORDS: &[(&str, u8)] = &[
    ("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("jeden", 1), ("jedna", 1),
    ("jedynka", 1), ("jedynke", 1), ("dwa", 2), ("dwie", 2), ("dwojka", 2), ("dwojke", 2),
    ("dwoja", 2), ("dwoje", 2), ("trzy", 3), ("trojka", 3), ("trojke", 3), ("cztery", 4),
    ("czworka", 4), ("czworke", 4), ("piec", 5), ("piatka", 5), ("piatke", 5),
];
#[rustfmt::skip]
const STAR_WORDS: &[&str] = &[
    "star", "stars", "gwiazdka", "gwiazdki", "gwiazdek", "gwiazdy", "gwiazdke", "pkt", "points",
    "punkty", "punktow",
];
/// Words that introduce a rating ("rating: 5", "daję 5", "I'd give it a 4").
#[rustfmt::skip]
const INTRO: &[&str] = &[
    "rate", "rating", "rated", "score", "give", "gave", "giving", "ocena", "ocene", "oceniam",
    "daje", "dam", "say",
];
/// Words allowed between an [`INTRO`] word and the number ("give it a 4", "oceniam na 5").
const INTRO_LINK: &[&str] = &["a", "an", "it", "na", "you", "them", "us", "this"];
/// Words that may follow a leading number without punctuation ("5 thanks", "4 bardzo dobrze").
#[rustfmt::skip]
const PRAISE_FOLLOW: &[&str] = &[
    "thanks", "thank", "thx", "dzieki", "dziekuje", "great", "super", "good", "excellent",
    "perfect", "awesome", "swietnie", "dobrze", "bardzo", "very", "fast", "quick", "szybko", "ode",
    "from", "overall", "ogolnie", "but", "ale",
];
/// Words that say nothing as a comment once the rating is taken out ("rating:", "I'd give it a").
#[rustfmt::skip]
const EMPTY_COMMENT: &[&str] =
    &["i", "id", "would", "will", "ill", "is", "to", "jest", "the", "out", "of", "my", "moja"];

#[rustfmt::skip]
const RATING_WORDS: &[(&str, u8)] = &[
    ("excellent", 5), ("perfect", 5), ("amazing", 5), ("awesome", 5), ("fantastic", 5),
    ("outstanding", 5), ("superb", 5), ("brilliant", 5), ("great", 5), ("wonderful", 5),
    ("super", 5), ("swietnie", 5), ("swietna", 5), ("swietny", 5), ("swietne", 5),
    ("rewelacja", 5), ("rewelacyjnie", 5), ("rewelacyjna", 5), ("doskonale", 5), ("doskonala", 5),
    ("idealnie", 5), ("znakomicie", 5), ("wspaniale", 5), ("extra", 5), ("ekstra", 5),
    ("good", 4), ("nice", 4), ("fine", 4), ("helpful", 4), ("solid", 4), ("dobrze", 4),
    ("dobry", 4), ("dobra", 4), ("dobre", 4), ("niezle", 4), ("ok", 3), ("okay", 3), ("okej", 3),
    ("oki", 3), ("average", 3), ("meh", 3), ("alright", 3), ("srednio", 3), ("przecietnie", 3),
    ("bad", 2), ("poor", 2), ("mediocre", 2), ("disappointing", 2), ("slabo", 2), ("slaby", 2),
    ("slaba", 2), ("kiepsko", 2), ("kiepski", 2), ("kiepska", 2), ("zle", 2),
    ("nienajlepiej", 2), ("terrible", 1), ("awful", 1), ("horrible", 1), ("worst", 1),
    ("useless", 1), ("pathetic", 1), ("fatalnie", 1), ("fatalny", 1), ("fatalna", 1),
    ("tragicznie", 1), ("tragedia", 1), ("tragiczny", 1), ("beznadziejnie", 1),
    ("beznadziejny", 1), ("okropnie", 1), ("najgorzej", 1),
];
#[rustfmt::skip]
const RATING_PHRASES: &[(&[&str], u8)] = &[
    (&["good", "job"], 4), (&["great", "job"], 5), (&["well", "done"], 5),
    (&["dobra", "robota"], 4), (&["kawal", "dobrej", "roboty"], 5), (&["so", "so"], 3),
    (&["tak", "sobie"], 3), (&["moze", "byc"], 3), (&["not", "bad"], 4), (&["nie", "najgorzej"], 3),
    (&["could", "be", "better"], 2), (&["nie", "najlepiej"], 2), (&["pretty", "good"], 4),
    (&["quite", "good"], 4), (&["calkiem", "dobrze"], 4), (&["calkiem", "niezle"], 4),
];
#[rustfmt::skip]
const INTENSIFIERS: &[&str] = &[
    "very", "really", "so", "extremely", "totally", "absolutely", "bardzo", "naprawde", "mega",
    "wyjatkowo", "niesamowicie",
];
const RATING_NEGATORS: &[&str] = &["not", "nie"];
/// Words that may open a word rating ("it was great", "obsługa super").
#[rustfmt::skip]
const LEAD_IN: &[&str] = &[
    "it", "was", "its", "that", "thats", "the", "service", "support", "help", "overall", "all",
    "everything", "wszystko", "bylo", "byla", "byl", "jest", "to", "ogolnie", "ogolem", "your",
    "obsluga", "pomoc", "experience", "were", "has", "been",
];
/// Words that may follow a word rating ("good but slow", "super obsługa").
#[rustfmt::skip]
const RATING_FOLLOW: &[&str] = &[
    "but", "ale", "and", "i", "thanks", "thank", "thx", "dzieki", "dziekuje", "service",
    "support", "job", "help", "work", "experience", "obsluga", "pomoc", "robota", "serwis",
    "wsparcie", "kontakt", "response", "odpowiedz", "answer", "overall", "ogolnie", "fast",
    "quick", "szybko", "szybka", "szybki", "jak", "as", "zawsze", "always", "though", "jednak",
];
#[rustfmt::skip]
const RATING_FUZZY: &[&str] = &[
    "excellent", "perfect", "amazing", "awesome", "fantastic", "outstanding", "brilliant",
    "great", "wonderful", "swietnie", "rewelacja", "rewelacyjnie", "doskonale", "idealnie",
    "znakomicie", "wspaniale", "dobrze", "niezle", "average", "srednio", "przecietnie", "kiepsko",
    "terrible", "horrible", "useless", "fatalnie", "tragicznie", "beznadziejnie", "okropnie",
    "najgorzej", "stars", "gwiazdki", "gwiazdek", "piatka", "czworka", "trojka", "dwojka",
    "jedynka", "thanks", "dzieki", "dziekuje", "cztery",
];

/// Emoji read as ratings. 👍 is 4 and 👎 is 2: a thumb approves or disapproves without the
/// emphasis of 😀 (5) or 😡 (1), as "good" is 4 and "bad" is 2.
fn emoji_score(s: &str) -> Option<u8> {
    Some(match s {
        "😀" | "😃" | "😄" | "😁" | "🤩" | "😍" | "🥰" | "❤" | "💯" | "🎉" => 5,
        "🙂" | "☺" | "😊" | "👍" | "👌" => 4,
        "😐" | "😑" | "😶" | "🤷" => 3,
        "🙁" | "☹" | "😕" | "😟" | "😞" | "😢" | "👎" => 2,
        "😡" | "😠" | "🤬" | "😤" | "😭" | "💩" => 1,
        _ => return None,
    })
}

fn round_half_up(x: f64) -> f64 {
    (x + 0.5).floor()
}

/// A number at `toks[i]` (digits, a decimal "4.5"/"4,5", or a number word) and the index after it.
fn number_at(toks: &[Tok], words: &[String], i: usize) -> Option<(f64, usize)> {
    let t = toks.get(i)?;
    match t.kind {
        Kind::Number => {
            let int: f64 = t.text.parse().ok()?;
            let glued = |a: &Tok, b: &Tok| a.end == b.start;
            if let (Some(p), Some(f)) = (toks.get(i + 1), toks.get(i + 2))
                && (p.is_sym('.') || p.is_sym(','))
                && f.kind == Kind::Number
                && glued(t, p)
                && glued(p, f)
            {
                let frac: f64 = format!("0.{}", f.text).parse().ok()?;
                return Some((int + frac, i + 3));
            }
            Some((int, i + 1))
        }
        Kind::Word => NUMBER_WORDS
            .iter()
            .find(|(w, _)| *w == words[i])
            .map(|(_, n)| (f64::from(*n), i + 1)),
        Kind::Sym => None,
    }
}

/// What a search found: nothing, one reading, or readings that disagree.
enum Found<T> {
    Nothing,
    One(T),
    Conflict,
}

/// Scores and byte spans of the numeric ratings in the message ("5", "4/5", "3 out of 5",
/// "5 stars"), placed where a rating goes: the whole message, its start before punctuation or a
/// word of praise, or its end after punctuation or "rating"/"daję"/"give it a".
fn numeric_rating(toks: &[Tok], words: &[String]) -> Found<(u8, Vec<(usize, usize)>)> {
    let ids = ticket_spans(toks, words);
    let mut found: Vec<(u8, (usize, usize))> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if ids.iter().any(|&(a, b, _)| (a..b).contains(&i)) {
            i += 1;
            continue;
        }
        let Some((n, next)) = number_at(toks, words, i) else {
            i += 1;
            continue;
        };
        let word = |k: usize| words.get(k).map(String::as_str).unwrap_or("");
        let scale = if toks.get(next).is_some_and(|t| t.is_sym('/')) {
            number_at(toks, words, next + 1)
        } else if word(next) == "out" && word(next + 1) == "of" {
            number_at(toks, words, next + 2)
        } else if matches!(word(next), "of" | "na") {
            number_at(toks, words, next + 1)
        } else {
            None
        };
        let stars = toks.get(next).is_some_and(|t| {
            STAR_WORDS.contains(&word(next)) || matches!(t.text.as_str(), "★" | "⭐" | "🌟")
        });
        let (score, end) = match scale {
            Some((m, end)) if m.fract() == 0.0 && (2.0..=100.0).contains(&m) && n <= m => {
                (round_half_up(n * 5.0 / m).clamp(1.0, 5.0) as u8, end)
            }
            Some((_, end)) => {
                i = end;
                continue;
            }
            None if (1.0..=5.0).contains(&n) => {
                (round_half_up(n) as u8, if stars { next + 1 } else { next })
            }
            None => {
                i = next;
                continue;
            }
        };
        let explicit = scale.is_some() || stars;
        let at_start = !toks[..i].iter().any(Tok::is_wordlike);
        let at_end = !toks[end..].iter().any(Tok::is_wordlike);
        let prev = i.checked_sub(1).map(|k| &toks[k]);
        let next_tok = toks.get(end);
        let glued_symbol =
            |t: Option<&Tok>| t.is_some_and(|t| t.kind == Kind::Sym && !is_separator(t));
        let clean = |t: Option<&Tok>| t.is_none_or(is_separator);
        let intro_before = words[..i].iter().any(|w| INTRO.contains(&w.as_str()));
        let prev_word = i.checked_sub(1).map(word).unwrap_or("");
        let introduced =
            INTRO.contains(&prev_word) || (INTRO_LINK.contains(&prev_word) && intro_before);
        let accepted = !glued_symbol(prev)
            && !glued_symbol(next_tok)
            && ((at_start && at_end)
                || (introduced && (at_end || clean(next_tok)))
                || (explicit && (at_start || at_end))
                || (at_start && (clean(next_tok) || PRAISE_FOLLOW.contains(&word(end))))
                || (at_end && clean(prev)));
        if accepted {
            // The intro belongs to the rating, not to the comment: "oceniam na 5, szybko".
            let mut from = i;
            while introduced && from > 0 && {
                let w = word(from - 1);
                INTRO.contains(&w) || INTRO_LINK.contains(&w) || toks[from - 1].is_sym(':')
            } {
                from -= 1;
            }
            found.push((score, (toks[from].start, toks[end - 1].end)));
        }
        i = end;
    }
    match found.first() {
        None => Found::Nothing,
        Some(&(score, _)) if found.iter().all(|(s, _)| *s == score) => {
            Found::One((score, found.into_iter().map(|(_, span)| span).collect()))
        }
        Some(_) => Found::Conflict,
    }
}

/// The message without `spans`, trimmed of the separators that joined it to them; `None` when
/// what is left says nothing ("rating:", "I'd give it a", an emoji).
fn comment_without(text: &str, spans: &[(usize, usize)]) -> Option<String> {
    const JOINERS: &[char] = &['-', '–', '—', ':', ',', ';', '/', '|', '(', '[', '=', '~'];
    let lead = |c: char| {
        c.is_whitespace() || JOINERS.contains(&c) || matches!(c, '.' | '!' | '?' | ')' | ']')
    };
    let tail = |c: char| c.is_whitespace() || JOINERS.contains(&c);
    let mut parts = Vec::new();
    let mut from = 0;
    for k in 0..=spans.len() {
        let to = spans.get(k).map_or(text.len(), |&(s, _)| s.max(from));
        let mut seg = &text[from..to];
        if k > 0 {
            seg = seg.trim_start_matches(lead);
        }
        if k < spans.len() {
            seg = seg.trim_end_matches(tail);
        }
        let seg = seg.trim();
        if !seg.is_empty() {
            parts.push(seg);
        }
        from = spans.get(k).map_or(text.len(), |&(_, e)| e.max(from));
    }
    let comment = parts.join(" ");
    let says_something = lex(&comment).iter().any(|t| {
        t.is_wordlike()
            && !INTRO.contains(&t.text.as_str())
            && !INTRO_LINK.contains(&t.text.as_str())
            && !EMPTY_COMMENT.contains(&t.text.as_str())
    });
    says_something.then_some(comment)
}

/// A word rating starting at word position `p`: an optional intensifier or negator, then a rating
/// word or phrase. Returns the score and the word position after it.
fn word_rating_at(words: &[&str], p: usize) -> Option<(u8, usize)> {
    let phrase_at = |q: usize| {
        RATING_PHRASES
            .iter()
            .filter(|(ph, _)| {
                words.len() >= q + ph.len() && ph.iter().zip(&words[q..]).all(|(a, b)| a == b)
            })
            .max_by_key(|(ph, _)| ph.len())
            .map(|(ph, s)| (*s, q + ph.len()))
    };
    if let Some(found) = phrase_at(p) {
        return Some(found);
    }
    let modifier = words.get(p).copied().filter(|w| {
        (INTENSIFIERS.contains(w) || RATING_NEGATORS.contains(w))
            && words
                .get(p + 1)
                .is_some_and(|n| RATING_WORDS.iter().any(|(r, _)| r == n))
    });
    let q = p + usize::from(modifier.is_some());
    let (base, end) = phrase_at(q).or_else(|| {
        RATING_WORDS
            .iter()
            .find(|(r, _)| *r == words.get(q).copied().unwrap_or(""))
            .map(|(_, s)| (*s, q + 1))
    })?;
    let score = match modifier {
        Some(m) if RATING_NEGATORS.contains(&m) => match base {
            4 | 5 => 2,
            3 => 2,
            _ => 3,
        },
        Some(_) => match base {
            4 => 5,
            2 => 1,
            s => s,
        },
        None => base,
    };
    Some((score, end))
}

/// Reads a satisfaction rating, in this order:
///
/// 1. A number on the scale, placed where a rating goes: the whole message ("5", "4!"), its start
///    followed by punctuation or praise ("4 - fast but had to wait", "5 thanks"), or its end after
///    punctuation or an intro ("super, działa, dzięki! 5", "rating: 4", "daję 5", "I'd give it a
///    4"). Bare numbers must be 1..=5 (decimals round half up: "4.5" is 5); "N/M", "N out of M",
///    "N na M" are scaled to 5 ("10/10" is 5, "8/10" is 4); "N stars"/"N gwiazdek"/"N ⭐" take N in
///    1..=5. Number words count ("five", "pięć", "piątka", "czwórka", "trójka", "dwója",
///    "jedynka"). A number inside a sentence ("I have 3 monitors", "error 5 again"), glued to a
///    symbol ("5%", "#5"), part of a ticket id ("T-5"), or out of range ("7", "100") is no rating.
///    Two numbers giving different scores are `None`.
/// 2. Star characters: the count of ★/⭐ ("★★★★☆" is 4; with empty stars the score is scaled to
///    the stars shown; more than five full stars is `None`).
/// 3. Emoji: 😀 5, 🙂 4, 😐 3, 🙁 2, 😡 1 (and their close relatives); 👍 is 4 and 👎 is 2 (see
///    [`emoji_score`]). Different scores in one message are `None`.
/// 4. Words at the start, after a short lead-in ("it was", "obsługa"), or at the end after
///    punctuation: 5 "excellent", "great", "super", "świetnie"; 4 "good", "dobrze", "nieźle";
///    3 "ok", "średnio", "tak sobie"; 2 "bad", "słabo", "kiepsko"; 1 "terrible", "fatalnie".
///    "very"/"bardzo" lift 4 to 5 and 2 to 1; "not"/"nie" turn praise to 2 and blame to 3
///    ("not bad" is 4). The word must end the message or be followed by punctuation or a word such
///    as "but", "thanks", "service", so "good morning" is no rating.
///
/// The comment is the text without the number, stars or emoji, trimmed of the separators between
/// them; for a word rating it is the whole message when it holds more than the rating words.
pub fn rating(text: &str) -> Option<Rating> {
    let (text, _) = truncate(text, MAX_INPUT_BYTES);
    let toks = lex(text);
    static VOCAB: LazyLock<Vocab> = LazyLock::new(|| {
        Vocab::new(
            &[
                STAR_WORDS,
                INTRO,
                INTRO_LINK,
                PRAISE_FOLLOW,
                INTENSIFIERS,
                LEAD_IN,
                RATING_FOLLOW,
                EMPTY_COMMENT,
                &["out", "of", "na"],
            ],
            &[RATING_FUZZY],
            4,
        )
    });
    let words: Vec<String> = toks
        .iter()
        .map(|t| {
            let rated = RATING_WORDS.iter().any(|(w, _)| *w == t.text)
                || NUMBER_WORDS.iter().any(|(w, _)| *w == t.text);
            if t.kind == Kind::Word && !rated {
                VOCAB.canon(&t.text)
            } else {
                t.text.clone()
            }
        })
        .collect();
    let rated = |score: u8, spans: &[(usize, usize)]| {
        Some(Rating {
            score,
            comment: comment_without(text, spans),
        })
    };
    match numeric_rating(&toks, &words) {
        Found::One((score, spans)) => return rated(score, &spans),
        Found::Conflict => return None,
        Found::Nothing => {}
    }
    let star = |t: &&Tok| matches!(t.text.as_str(), "★" | "⭐" | "🌟");
    let empty = |t: &&Tok| matches!(t.text.as_str(), "☆" | "✩");
    let (full, hollow) = (
        toks.iter().filter(star).count(),
        toks.iter().filter(empty).count(),
    );
    if full + hollow > 0 {
        let score = if hollow > 0 {
            round_half_up(full as f64 * 5.0 / (full + hollow) as f64).clamp(1.0, 5.0) as u8
        } else if full <= 5 {
            full as u8
        } else {
            return None;
        };
        let spans: Vec<_> = toks
            .iter()
            .filter(|t| star(t) || empty(t))
            .map(|t| (t.start, t.end))
            .collect();
        return rated(score, &spans);
    }
    let faces: Vec<(u8, (usize, usize))> = toks
        .iter()
        .filter(|t| t.kind == Kind::Sym)
        .filter_map(|t| emoji_score(&t.text).map(|s| (s, (t.start, t.end))))
        .collect();
    if let Some(&(score, _)) = faces.first() {
        if faces.iter().any(|(s, _)| *s != score) {
            return None;
        }
        let spans: Vec<_> = faces.iter().map(|(_, span)| *span).collect();
        return rated(score, &spans);
    }
    // Word ratings.
    let widx: Vec<usize> = (0..toks.len()).filter(|&k| toks[k].is_wordlike()).collect();
    let ws: Vec<&str> = widx.iter().map(|&k| words[k].as_str()).collect();
    let ends_ok = |end: usize| match widx.get(end) {
        None => true,
        Some(&k) => {
            toks[widx[end - 1] + 1..k].iter().any(is_separator) || RATING_FOLLOW.contains(&ws[end])
        }
    };
    let lead = ws
        .iter()
        .take(4)
        .take_while(|w| LEAD_IN.contains(w))
        .count();
    let mut reading = (0..=lead).find_map(|p| {
        word_rating_at(&ws, p)
            .filter(|&(_, end)| ends_ok(end))
            .map(|r| (p, r))
    });
    if reading.is_none() {
        // At the end, after punctuation: "thanks for the quick help, excellent".
        reading = (1..ws.len()).find_map(|p| {
            let after_separator = toks[widx[p - 1] + 1..widx[p]].iter().any(is_separator);
            word_rating_at(&ws, p)
                .filter(|&(_, end)| after_separator && end == ws.len())
                .map(|r| (p, r))
        });
    }
    let (p, (score, end)) = reading?;
    let only_rating = ws
        .iter()
        .enumerate()
        .all(|(k, w)| (p..end).contains(&k) || LEAD_IN.contains(w));
    let comment = (!only_rating)
        .then(|| text.trim().to_string())
        .filter(|c| !c.is_empty());
    Some(Rating { score, comment })
}

// ---------------------------------------------------------------------------------------------
// Ticket ids.

#[rustfmt::skip]
const TICKET_WORDS: &[&str] = &[
    "ticket", "tickets", "ticketu", "ticketem", "zgloszenie", "zgloszenia", "zgloszeniem",
    "zgloszeniu", "zgloszeniach", "request", "case", "incident", "issue", "sprawa", "sprawy",
    "sprawie", "sprawe",
];
const NUMBER_MARKS: &[&str] = &["nr", "no", "number", "numer", "id", "#", ".", ":", "№"];

/// A ticket number: 1 to 19 digits, not zero (as [`super::grammar::is_ticket_id`] allows).
fn ticket_number(t: &Tok) -> Option<u64> {
    (t.kind == Kind::Number && t.text.len() < 20)
        .then(|| t.text.parse().ok())
        .flatten()
        .filter(|n| *n > 0)
}

/// Token ranges holding ticket ids, with their numbers, in order: "T-1002", "t1002", "#1002",
/// "ticket 1002", "zgłoszenie nr 1002".
fn ticket_spans(toks: &[Tok], words: &[String]) -> Vec<(usize, usize, u64)> {
    let t_form = |i: usize| -> Option<(usize, u64)> {
        let w = words.get(i)?;
        if let Some(digits) = w
            .strip_prefix('t')
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        {
            let tok = Tok {
                kind: Kind::Number,
                text: digits.to_string(),
                start: 0,
                end: 0,
            };
            return ticket_number(&tok).map(|n| (i + 1, n));
        }
        let dash = toks
            .get(i + 1)
            .is_some_and(|d| d.is_sym('-') || d.is_sym('–'));
        if w == "t" && dash {
            return toks.get(i + 2).and_then(ticket_number).map(|n| (i + 3, n));
        }
        None
    };
    let mut spans = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let hash = toks[i].is_sym('#')
            && toks.get(i + 1).is_some_and(|n| n.start == toks[i].end)
            && toks.get(i + 1).and_then(ticket_number).is_some();
        let found = if let Some((end, n)) = t_form(i) {
            Some((end, n))
        } else if hash {
            toks.get(i + 1).and_then(ticket_number).map(|n| (i + 2, n))
        } else if TICKET_WORDS.contains(&words[i].as_str()) {
            let mut j = i + 1;
            while j < i + 3
                && words
                    .get(j)
                    .is_some_and(|w| NUMBER_MARKS.contains(&w.as_str()))
            {
                j += 1;
            }
            t_form(j).or_else(|| toks.get(j).and_then(ticket_number).map(|n| (j + 1, n)))
        } else {
            None
        };
        match found {
            Some((end, n)) => {
                spans.push((i, end, n));
                i = end;
            }
            None => i += 1,
        }
    }
    spans
}

fn words_for(toks: &[Tok], vocab: &Vocab) -> Vec<String> {
    toks.iter()
        .map(|t| {
            if t.kind == Kind::Word {
                vocab.canon(&t.text)
            } else {
                t.text.clone()
            }
        })
        .collect()
}

/// Finds a ticket id and writes it the way the desk does ("T-1002"): "T-1002", "t-1002", "t1002",
/// "#1002", "ticket 1002", "ticket no. 1002", "zgłoszenie 1002", "zgłoszenie nr 1002". Leading
/// zeros are dropped; zero and numbers of 20 digits or more are no ids. A bare number ("1002") is
/// not taken: it could be anything. With several ids, the first one.
pub fn ticket_id(text: &str) -> Option<String> {
    let toks = lex(text);
    static VOCAB: LazyLock<Vocab> =
        LazyLock::new(|| Vocab::new(&[TICKET_WORDS, NUMBER_MARKS], &[TICKET_WORDS], 4));
    let words = words_for(&toks, &VOCAB);
    ticket_spans(&toks, &words)
        .first()
        .map(|&(_, _, n)| format!("T-{n}"))
}

// ---------------------------------------------------------------------------------------------
// Conversational commands.

/// A short conversational command: the whole point of the message, not a word inside a problem
/// description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// Hand me to a person.
    Human,
    /// Stop what we are doing (the current question, form or flow).
    Cancel,
    /// Close my ticket (the ticket id, if given, is read by [`ticket_id`]).
    CloseTicket,
    /// I have another problem.
    NewProblem,
    /// Open my ticket again.
    Reopen,
    /// Skip this question: I don't know.
    Skip,
    Thanks,
    Greeting,
    /// What is happening with my ticket?
    Status,
}

/// One way of saying a command: at least one `cores` phrase, every other word in `allowed` or
/// [`COMMAND_FILLERS`] (or a greeting or thanks), and if `needs` is not empty one of its words.
struct Spec {
    cmd: Command,
    cores: &'static [&'static [&'static str]],
    needs: &'static [&'static str],
    allowed: &'static [&'static str],
}

/// Words that fit around any command. No negator is here: "don't close it" is not a command.
#[rustfmt::skip]
const COMMAND_FILLERS: &[&str] = &[
    "please", "pls", "plz", "prosze", "poprosze", "ok", "okay", "okej", "oki", "well", "so", "just",
    "um", "uh", "hmm", "i", "me", "my", "a", "an", "the", "to", "can", "could", "would", "will",
    "you", "want", "need", "like", "id", "im", "let", "lets", "now", "then", "ja", "mi", "mnie",
    "moje", "moj", "moja", "moim", "czy", "mozesz", "mozecie", "moge", "mozna", "juz", "teraz",
    "chce", "chcialbym", "chcialabym",
];

#[rustfmt::skip]
const SPECS: &[Spec] = &[
    Spec {
        cmd: Command::Human,
        cores: &[
            &["human"], &["humans"], &["agent"], &["person"], &["operator"], &["consultant"],
            &["technician"], &["someone"], &["somebody"], &["staff"], &["helpdesk"], &["escalate"],
            &["czlowiek"], &["czlowiekiem"], &["czlowieka"], &["konsultant"], &["konsultanta"],
            &["konsultantem"], &["konsultantka"], &["konsultantki"], &["agenta"], &["agentem"],
            &["operatora"], &["operatorem"], &["technik"], &["technika"], &["technikiem"],
            &["osoba"], &["osoby"], &["pracownik"], &["pracownikiem"], &["kims"], &["kogos"],
        ],
        needs: &[],
        allowed: &[
            "talk", "speak", "chat", "connect", "transfer", "get", "give", "with", "real", "live",
            "actual", "from", "support", "it", "desk", "service", "team", "z", "ze", "rozmawiac",
            "porozmawiac", "pogadac", "polacz", "polaczyc", "przelacz", "przelaczyc",
            "prawdziwy", "prawdziwym", "prawdziwa", "zywy", "zywym", "zywa", "do", "being",
        ],
    },
    Spec {
        cmd: Command::Cancel,
        cores: &[
            &["cancel"], &["stop"], &["never", "mind"], &["nevermind"], &["nvm"], &["forget", "it"],
            &["forget", "about", "it"], &["abort"], &["quit"], &["exit"], &["end"], &["anuluj"],
            &["anulowac"], &["anuluje"], &["niewazne"], &["nie", "wazne"], &["koniec"],
            &["zapomnij"], &["daj", "spokoj"], &["rezygnuje"],
        ],
        needs: &[],
        allowed: &[
            "it", "that", "this", "all", "everything", "wszystko", "to", "rozmowy", "rozmowe",
            "conversation", "chat", "tym", "o",
        ],
    },
    Spec {
        cmd: Command::CloseTicket,
        cores: &[
            &["close"], &["zamknij"], &["zamknac"], &["zamknijcie"], &["zamykaj"], &["zamykamy"],
        ],
        needs: &[],
        allowed: &[
            "ticket", "tickets", "it", "this", "that", "zgloszenie", "zgloszenia", "je", "to",
            "problem", "issue", "solved", "resolved", "fixed", "sorted", "rozwiazany",
            "rozwiazane", "rozwiazana", "naprawione", "dziala", "works", "working", "already",
            "go", "ahead", "request", "sprawe", "sprawa", "#id", "yes", "tak", "all", "good",
            "is", "jest", "out",
        ],
    },
    Spec {
        cmd: Command::NewProblem,
        cores: &[
            &["new", "problem"], &["new", "issue"], &["new", "question"], &["new", "ticket"],
            &["new", "request"], &["another", "problem"], &["another", "issue"],
            &["another", "question"], &["another", "one"], &["another", "thing"],
            &["something", "else"], &["different", "problem"], &["different", "issue"],
            &["different", "question"], &["other", "problem"], &["other", "issue"],
            &["one", "more", "thing"], &["one", "more", "question"], &["nowy", "problem"],
            &["nowe", "pytanie"], &["nowe", "zgloszenie"], &["nowa", "sprawa"],
            &["inny", "problem"],
            &["inna", "sprawa"], &["inne", "pytanie"], &["cos", "innego"], &["jeszcze", "jedno"],
            &["kolejny", "problem"], &["kolejne", "pytanie"], &["jeszcze", "jeden", "problem"],
        ],
        needs: &[],
        allowed: &[
            "have", "got", "ive", "mam", "jeszcze", "also", "tez", "there", "is", "its", "question",
            "pytanie", "sprawe", "i",
        ],
    },
    Spec {
        cmd: Command::Reopen,
        cores: &[&["reopen"], &["re", "open"], &["odnow"]],
        needs: &[],
        allowed: &[
            "it", "the", "ticket", "this", "that", "zgloszenie", "je", "#id", "please", "again",
            "still", "broken", "nadal", "wciaz", "problem", "issue", "is", "back", "came",
            "wrocil", "jest",
        ],
    },
    Spec {
        cmd: Command::Reopen,
        cores: &[&["open"], &["otworz"], &["otworzyc"], &["otworzcie"]],
        needs: &["again", "ponownie", "znowu", "znow", "raz"],
        allowed: &[
            "it", "ticket", "this", "that", "zgloszenie", "je", "#id", "again", "ponownie", "znowu",
            "znow", "jeszcze", "raz",
        ],
    },
    Spec {
        cmd: Command::Skip,
        cores: &[
            &["skip"], &["dont", "know"], &["do", "not", "know"], &["idk"], &["dunno"],
            &["no", "idea"], &["no", "clue"], &["not", "sure"], &["pomin"], &["pomijam"],
            &["nie", "wiem"], &["nie", "mam", "pojecia"], &["nie", "jestem", "pewien"],
            &["nie", "jestem", "pewna"], &["nie", "jestem", "pewny"], &["next"], &["nastepne"],
            &["nastepny"], &["dalej"],
        ],
        needs: &[],
        allowed: &[
            "this", "that", "it", "question", "pytanie", "to", "ten", "te", "sorry", "przepraszam",
            "niestety", "unfortunately", "really", "honestly", "naprawde", "one",
        ],
    },
    Spec {
        cmd: Command::Thanks,
        cores: &[
            &["thanks"], &["thank", "you"], &["thank", "u"], &["thankyou"], &["thx"], &["thanx"],
            &["tnx"], &["thks"], &["cheers"], &["appreciate", "it"], &["appreciated"],
            &["dzieki"], &["dziekuje"], &["dziekujemy"], &["dzieks"], &["dziex"],
        ],
        needs: &[],
        allowed: &[
            "so", "very", "much", "lot", "again", "many", "bardzo", "wielkie", "serdeczne",
            "serdecznie", "pieknie", "ogromne", "for", "your", "help", "pomoc", "za", "all",
            "everything", "wszystko", "bye", "goodbye", "pa", "papa", "narazie", "have", "nice",
            "day", "milego", "dnia", "great", "super", "perfect", "awesome", "much", "appreciated",
        ],
    },
    Spec {
        cmd: Command::Greeting,
        cores: &[
            &["hi"], &["hello"], &["hey"], &["hiya"], &["howdy"], &["heya"], &["hallo"], &["halo"],
            &["good", "morning"], &["good", "afternoon"], &["good", "evening"], &["good", "day"],
            &["morning"], &["czesc"], &["hej"], &["hejka"], &["siema"], &["siemka"], &["witam"],
            &["witaj"], &["witajcie"], &["dzien", "dobry"], &["dobry", "wieczor"], &["elo"],
        ],
        needs: &[],
        allowed: &[
            "there", "all", "everyone", "team", "guys", "folks", "bot", "wszystkim", "panstwu",
            "how", "are", "jak", "sie", "masz",
        ],
    },
    Spec {
        cmd: Command::Status,
        cores: &[
            &["status"], &["any", "news"], &["any", "update"], &["any", "updates"],
            &["any", "progress"], &["news"], &["cos", "wiadomo"], &["jakies", "wiesci"],
            &["jakies", "nowosci"], &["jakies", "informacje"],
        ],
        needs: &[],
        allowed: &[
            "of", "on", "ticket", "tickets", "request", "whats", "what", "is", "there", "about",
            "with", "z", "moim", "mojego", "mojej", "zgloszeniem", "zgloszenie", "zgloszenia",
            "sprawa", "sprawy", "jest", "jaki", "o", "#id", "it", "yet", "already",
        ],
    },
    Spec {
        cmd: Command::Status,
        cores: &[&["co", "z"], &["how", "is"], &["hows"], &["where", "is"], &["wheres"]],
        needs: &["zgloszeniem", "zgloszenie", "ticketem", "ticket", "request", "sprawa", "#id"],
        allowed: &[
            "my", "the", "moim", "moja", "moje", "zgloszeniem", "zgloszenie", "ticketem", "ticket",
            "request", "sprawa", "#id", "going", "doing", "coming", "along", "with",
        ],
    },
];

fn is_courtesy(c: Command) -> bool {
    matches!(c, Command::Greeting | Command::Thanks)
}

fn covers(spec: &Spec, words: &[String]) -> bool {
    let courtesy: Vec<&Spec> = SPECS
        .iter()
        .filter(|s| is_courtesy(s.cmd) && !is_courtesy(spec.cmd))
        .collect();
    let (mut i, mut core) = (0, false);
    while i < words.len() {
        if let Some(n) = phrase_at(words, i, spec.cores) {
            core = true;
            i += n;
        } else if let Some(n) = courtesy
            .iter()
            .filter_map(|s| phrase_at(words, i, s.cores))
            .max()
        {
            i += n;
        } else {
            let w = words[i].as_str();
            let allowed = spec.allowed.contains(&w)
                || COMMAND_FILLERS.contains(&w)
                // "thanks a lot, close it"; a greeting's "how are you" stays with greetings.
                || courtesy.iter().any(|s| s.cmd == Command::Thanks && s.allowed.contains(&w));
            if !allowed {
                return false;
            }
            i += 1;
        }
    }
    core && (spec.needs.is_empty() || words.iter().any(|w| spec.needs.contains(&w.as_str())))
}

/// Recognises a short conversational command in English or Polish when it is the whole message:
/// every word must belong to one command's phrases ("talk to a person", "chcę rozmawiać z
/// człowiekiem", "you can close it", "zamknij zgłoszenie", "any news?", "co z moim zgłoszeniem"),
/// its allowed words, or fillers ("please", "can you", "proszę", "już"). A greeting or thanks may
/// accompany another command, which wins ("hi, any news?" is Status). So a message that carries a
/// problem ("thanks but my printer still jams", "hi, my vpn is broken", "close outlook") is
/// `None`, and so is a negated command ("don't close it", "nie zamykaj"), since no negator is a
/// filler. Two different commands ("cancel, new problem") are `None`.
///
/// "cancel my ticket" is `None` rather than CloseTicket or Cancel: the desk should ask. Reopening
/// needs "reopen" or "open"/"otwórz" with "again"/"ponownie"/"znowu". Emoji 👋 greet and 🙏 thank.
/// Typos of command words of five letters or more are read as them ("cancle", "konsutlant").
pub fn command(text: &str) -> Option<Command> {
    let mut toks = lex(text);
    for t in &mut toks {
        let word = match t.text.as_str() {
            "👋" => "hi",
            "🙏" => "thanks",
            _ => continue,
        };
        t.kind = Kind::Word;
        t.text = word.to_string();
    }
    // Typos only for command words of five letters or more: "stop"/"close" sit among real words.
    static VOCAB: LazyLock<Vocab> = LazyLock::new(|| {
        let known: Vec<&[&str]> = SPECS
            .iter()
            .flat_map(|s| s.cores.iter().copied().chain([s.allowed, s.needs]))
            .chain([COMMAND_FILLERS, TICKET_WORDS, NUMBER_MARKS, NEGATORS])
            .collect();
        let five: Vec<&str> = SPECS
            .iter()
            .flat_map(|s| s.cores.iter().copied())
            .flat_map(|l| l.iter().copied())
            .filter(|c| c.len() >= 5)
            .collect();
        Vocab::new(&known, &[&five], 5)
    });
    let words = words_for(&toks, &VOCAB);
    let ids = ticket_spans(&toks, &words);
    let mut kept: Vec<String> = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        if let Some(&(a, _, _)) = ids.iter().find(|&&(a, b, _)| (a..b).contains(&k)) {
            if a == k {
                kept.push("#id".into());
            }
        } else if t.is_wordlike() {
            kept.push(words[k].clone());
        }
    }
    if kept.is_empty() || kept.len() > 12 {
        return None;
    }
    let mut found: Vec<Command> = SPECS
        .iter()
        .filter(|s| covers(s, &kept))
        .map(|s| s.cmd)
        .collect();
    found.dedup();
    let main: Vec<Command> = found.iter().copied().filter(|c| !is_courtesy(*c)).collect();
    match (main.as_slice(), found.as_slice()) {
        ([one], _) => Some(*one),
        ([], [one]) => Some(*one),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Choices.

#[rustfmt::skip]
const ORDINALS: &[(&str, usize)] = &[
    ("first", 0), ("second", 1), ("third", 2), ("fourth", 3), ("fifth", 4), ("sixth", 5),
    ("seventh", 6), ("eighth", 7), ("ninth", 8), ("tenth", 9), ("two", 1), ("three", 2),
    ("four", 3), ("five", 4), ("six", 5), ("seven", 6), ("eight", 7), ("nine", 8), ("ten", 9),
    ("dwa", 1), ("dwie", 1), ("trzy", 2), ("cztery", 3), ("piec", 4), ("szesc", 5),
    ("siedem", 6), ("osiem", 7), ("dziewiec", 8), ("dziesiec", 9), ("jedynka", 0), ("jedynke", 0),
    ("dwojka", 1), ("dwojke", 1), ("trojka", 2), ("trojke", 2), ("czworka", 3), ("czworke", 3),
    ("piatka", 4), ("piatke", 4),
];
/// Polish ordinal stems; any of [`PL_ENDINGS`] completes them ("pierwszy", "drugie", "trzeciej").
#[rustfmt::skip]
const PL_ORDINALS: &[(&str, usize)] = &[
    ("pierwsz", 0), ("drug", 1), ("trzec", 2), ("czwart", 3), ("piat", 4), ("szost", 5),
    ("siodm", 6), ("osm", 7), ("dziewiat", 8), ("dziesiat", 9),
];
#[rustfmt::skip]
const PL_ENDINGS: &[&str] = &[
    "y", "a", "e", "ej", "ego", "ym", "i", "ia", "ie", "iej", "iego", "im",
];
#[rustfmt::skip]
const CHOICE_FILLERS: &[&str] = &[
    "the", "option", "opcja", "opcje", "opcji", "choice", "wybor", "wybieram", "choose", "pick",
    "take", "want", "chce", "please", "prosze", "poprosze", "ok", "okay", "lets", "go", "with",
    "ill", "id", "i", "its", "it", "that", "ten", "ta", "to", "te", "answer", "odpowiedz",
    "wariant", "number", "numer", "nr", "biore", "wezme", "is", "my", "one",
];
/// Words after which a single letter is an option ("option b").
#[rustfmt::skip]
const LETTER_MARKS: &[&str] = &[
    "option", "opcja", "choice", "letter", "litera", "wariant", "answer", "odpowiedz",
];

/// The index a word stands for, and whether it is weak ("one" is a filler in "the first one").
fn choice_word(w: &str, n: usize) -> Option<(usize, bool)> {
    if let Ok(k) = w.parse::<usize>() {
        return Some((k.checked_sub(1)?, false));
    }
    if let Some(digits) = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| w.strip_suffix(s))
        && let Ok(k) = digits.parse::<usize>()
    {
        return Some((k.checked_sub(1)?, false));
    }
    if matches!(w, "one" | "jeden" | "jedna" | "jedno") {
        return Some((0, true));
    }
    if matches!(
        w,
        "last" | "ostatni" | "ostatnia" | "ostatnie" | "ostatniej" | "ostatniego"
    ) {
        return Some((n.checked_sub(1)?, false));
    }
    if let Some(&(_, k)) = ORDINALS.iter().find(|(o, _)| *o == w) {
        return Some((k, false));
    }
    PL_ORDINALS
        .iter()
        .find(|(stem, _)| {
            w.strip_prefix(stem)
                .is_some_and(|end| PL_ENDINGS.contains(&end))
        })
        .map(|&(_, k)| (k, false))
}

/// Reads which of `n` offered options the user picked, as a 0-based index: "2", "2.", "#2",
/// "option 2", "the first", "first one", "2nd", "last", "pierwszy", "drugie", "ostatnia",
/// "numer dwa", and a single letter ("a", "b)", "c please", "option c") for lettered options
/// ("a" and "i" only alone or after "option"). Every other word must be a filler ("I'll take",
/// "the", "poproszę", "opcja"), so "I have 3 monitors" is `None`; so are two different picks
/// ("1 and 2"), zero and picks beyond `n`.
pub fn choice_index(text: &str, n: usize) -> Option<usize> {
    let toks = lex(text);
    static VOCAB: LazyLock<Vocab> = LazyLock::new(|| {
        let ords: Vec<&str> = ORDINALS.iter().map(|(w, _)| *w).collect();
        Vocab::new(
            &[
                CHOICE_FILLERS,
                LETTER_MARKS,
                &ords,
                &["last", "ostatni", "ostatnia", "ostatnie"],
            ],
            &[
                &ords,
                &[
                    "option", "opcja", "first", "second", "third", "pierwszy", "pierwsza",
                    "pierwsze",
                ],
            ],
            4,
        )
    });
    let words: Vec<String> = toks
        .iter()
        .filter(|t| t.is_wordlike())
        .map(|t| VOCAB.canon(&t.text))
        .collect();
    let (mut strong, mut weak) = (Vec::new(), Vec::new());
    for (k, w) in words.iter().enumerate() {
        let single_letter = w.len() == 1 && w.as_bytes()[0].is_ascii_lowercase();
        let marked = k > 0 && LETTER_MARKS.contains(&words[k - 1].as_str());
        // "c please": the other words are fillers. "a" and "i" are words too, so they need to be
        // alone or marked ("option a").
        let among_fillers = words.iter().enumerate().all(|(j, o)| {
            j == k || CHOICE_FILLERS.contains(&o.as_str()) || LETTER_MARKS.contains(&o.as_str())
        });
        let letter =
            words.len() == 1 || marked || (among_fillers && !matches!(w.as_str(), "a" | "i"));
        if single_letter && letter {
            strong.push(usize::from(w.as_bytes()[0] - b'a'));
            continue;
        }
        match choice_word(w, n) {
            Some((i, false)) => strong.push(i),
            Some((i, true)) => weak.push(i),
            None if CHOICE_FILLERS.contains(&w.as_str()) || LETTER_MARKS.contains(&w.as_str()) => {}
            None => return None,
        }
    }
    if words.iter().any(|w| w == "0") {
        return None;
    }
    strong.dedup();
    let pick = match (strong.as_slice(), weak.first()) {
        ([one], _) => *one,
        ([], Some(w)) => *w,
        _ => return None,
    };
    (pick < n).then_some(pick)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Debug;

    /// Runs `f` over a table and reports every row that differs, not only the first.
    fn table<I: Debug, T: PartialEq + Debug>(name: &str, f: impl Fn(&I) -> T, cases: &[(I, T)]) {
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|(input, expected)| {
                let got = f(input);
                (got != *expected)
                    .then(|| format!("{name}({input:?}) = {got:?}, expected {expected:?}"))
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "{} of {} rows wrong:\n{}",
            wrong.len(),
            cases.len(),
            wrong.join("\n")
        );
    }

    fn check_yes_no(cases: &[(&str, Option<bool>)]) {
        table("yes_no", |t| yes_no(t), cases);
    }

    #[test]
    fn yes_no_reads_yes() {
        check_yes_no(&[
            ("yes", Some(true)),
            ("Yes!", Some(true)),
            ("YES", Some(true)),
            ("yes it did", Some(true)),
            ("yep thanks", Some(true)),
            ("yeah that worked", Some(true)),
            ("it works now", Some(true)),
            ("It's working now, thank you!", Some(true)),
            (
                "Yes, that fixed it. Thank you so much for your help!",
                Some(true),
            ),
            ("solved", Some(true)),
            ("Solved, thank you very much", Some(true)),
            ("perfect, thanks", Some(true)),
            ("problem solved", Some(true)),
            ("all good now", Some(true)),
            ("works for me", Some(true)),
            ("yes I'm sure", Some(true)),
            ("of course", Some(true)),
            ("👍", Some(true)),
            ("yes 🎉", Some(true)),
            ("yesss", Some(true)),
            ("it didn't work at first but now it works", Some(true)),
            ("tak", Some(true)),
            ("Tak.", Some(true)),
            ("tak, dzięki", Some(true)),
            ("tak pomogło", Some(true)),
            ("pomogło", Some(true)),
            ("działa!", Some(true)),
            ("dziala juz", Some(true)),
            ("ok dziala", Some(true)),
            ("TAK DZIAŁA", Some(true)),
            ("już wszystko działa, dziękuję bardzo", Some(true)),
            ("wszystko w porządku", Some(true)),
            ("jasne", Some(true)),
            ("tak, jestem pewien", Some(true)),
            ("no i działa", Some(true)),
            ("no tak", Some(true)),
            ("no worries, it works", Some(true)),
            ("ok 👍", Some(true)),
            ("no działa już", Some(true)),
        ]);
    }

    #[test]
    fn yes_no_reads_no() {
        check_yes_no(&[
            ("no", Some(false)),
            ("No.", Some(false)),
            ("nope", Some(false)),
            ("no it didn't", Some(false)),
            ("still doesnt work", Some(false)),
            ("still doesn’t work", Some(false)),
            ("still not working", Some(false)),
            ("didn't help", Some(false)),
            ("not really", Some(false)),
            ("same problem", Some(false)),
            ("not solved", Some(false)),
            ("doesn't work", Some(false)),
            ("no, still broken", Some(false)),
            ("not yet", Some(false)),
            ("nope, the printer still jams", Some(false)),
            ("👎", Some(false)),
            ("yes but it still doesn't work", Some(false)),
            ("nie", Some(false)),
            ("NIE!", Some(false)),
            ("nie pomogło", Some(false)),
            ("nie dziala", Some(false)),
            ("dalej nie działa", Some(false)),
            ("wciąż nie działa", Some(false)),
            ("nadal to samo", Some(false)),
            ("nadal tak samo", Some(false)),
            ("no to co mam zrobic??", Some(false)),
            ("no to jak to naprawić?", Some(false)),
            ("niestety nie", Some(false)),
            ("dzięki, ale nie pomogło", Some(false)),
            ("tak, ale nadal nie działa", Some(false)),
            ("chyba nie", Some(false)),
            ("nic nie pomogło", Some(false)),
            ("jeszcze nie", Some(false)),
            ("no nie działa", Some(false)),
            ("unfortunately not", Some(false)),
            ("nope, now outlook crashes too", Some(false)),
            ("nie, ale dzięki", Some(false)),
        ]);
    }

    #[test]
    fn yes_no_leaves_other_messages_alone() {
        check_yes_no(&[
            ("my printer is broken", None),
            ("maybe", None),
            ("what?", None),
            ("", None),
            ("   ", None),
            ("ok", None),
            ("thanks", None),
            ("works?", None),
            ("is it solved?", None),
            ("I think it works", None),
            ("chyba działa", None),
            ("działa na razie", None),
            ("works for now", None),
            ("yes and no", None),
            ("nie, działa", None),
            ("yes, but now outlook crashes", None),
            ("działa, ale wolno", None),
            ("yes my printer is broken", None),
            ("I don't know", None),
            ("nie wiem", None),
            ("not sure", None),
            ("nie jestem pewien", None),
            ("no problem", None),
            ("hope so", None),
            ("pewnie", None),
            ("hi, my vpn is broken", None),
            ("yse", None),
            ("help!", None),
            ("no i?", None),
            ("no, it works now", None),
            ("yes? what do you mean", None),
            ("oh my god", None),
            ("god", None),
        ]);
    }

    #[test]
    fn yes_no_forgives_typos_without_inventing_words() {
        check_yes_no(&[
            ("it wroks now", Some(true)),
            ("dzaiła", Some(true)),
            ("dizała już", Some(true)),
            ("pomgło", Some(true)),
            ("yeah tahnks", Some(true)),
            ("sovled", Some(true)),
            ("doesnt wrok", Some(false)),
            ("stil broken", Some(false)),
            ("noooo", Some(false)),
            ("nieee", Some(false)),
            // A real word is not a typo, and an edit at the last letter is inflection, not a typo.
            ("hope", None),
            ("note", None),
            ("dzialo", None),
            ("nei dziala", None),
        ]);
    }

    fn r(score: u8, comment: Option<&str>) -> Option<Rating> {
        Some(Rating {
            score,
            comment: comment.map(str::to_string),
        })
    }

    fn check_rating(cases: &[(&str, Option<Rating>)]) {
        table("rating", |t| rating(t), cases);
    }

    #[test]
    fn rating_reads_numbers_and_scales() {
        check_rating(&[
            ("5", r(5, None)),
            ("1", r(1, None)),
            ("4!", r(4, None)),
            ("5/5", r(5, None)),
            ("4 / 5", r(4, None)),
            ("5 stars", r(5, None)),
            ("3 out of 5", r(3, None)),
            ("10/10", r(5, None)),
            ("8/10", r(4, None)),
            ("2 na 5", r(2, None)),
            ("4.5", r(5, None)),
            ("4,5/5", r(5, None)),
            ("5 gwiazdek", r(5, None)),
            ("5 ⭐", r(5, None)),
            ("5️⃣", r(5, None)),
            (
                "super, działa, dzięki! 5",
                r(5, Some("super, działa, dzięki!")),
            ),
            (
                "4 - fast but had to wait",
                r(4, Some("fast but had to wait")),
            ),
            ("5 thanks", r(5, Some("thanks"))),
            ("rating: 4", r(4, None)),
            ("I'd say 4", r(4, None)),
            ("I'd give it a 4", r(4, None)),
            ("daję 5", r(5, None)),
            ("oceniam na 5, szybko poszło", r(5, Some("szybko poszło"))),
            ("5/5 would recommend", r(5, Some("would recommend"))),
            ("3. Slow, but fixed", r(3, Some("Slow, but fixed"))),
            ("five stars", r(5, None)),
            ("piątka", r(5, None)),
            ("pięć", r(5, None)),
            ("czwórka", r(4, None)),
            ("trójka", r(3, None)),
            ("dwója", r(2, None)),
            ("dwójka", r(2, None)),
            ("jedynka", r(1, None)),
            ("piatka!", r(5, None)),
        ]);
    }

    #[test]
    fn rating_reads_stars_emoji_and_words() {
        check_rating(&[
            ("★★★★☆", r(4, None)),
            ("⭐⭐⭐⭐⭐", r(5, None)),
            ("⭐⭐⭐ ok", r(3, Some("ok"))),
            ("👍", r(4, None)),
            ("👎", r(2, None)),
            ("😀", r(5, None)),
            ("🙂", r(4, None)),
            ("😐", r(3, None)),
            ("🙁", r(2, None)),
            ("😡", r(1, None)),
            ("thanks 🙂", r(4, Some("thanks"))),
            ("excellent", r(5, None)),
            ("Great!", r(5, None)),
            ("good", r(4, None)),
            ("ok", r(3, None)),
            ("bad", r(2, None)),
            ("terrible", r(1, None)),
            ("very good", r(5, None)),
            ("not bad", r(4, None)),
            ("not good", r(2, None)),
            ("it was great", r(5, None)),
            ("good but slow", r(4, Some("good but slow"))),
            (
                "thanks for the quick help, excellent",
                r(5, Some("thanks for the quick help, excellent")),
            ),
            ("super", r(5, None)),
            ("świetnie", r(5, None)),
            ("swietnie", r(5, None)),
            ("dobrze", r(4, None)),
            ("bardzo dobrze", r(5, None)),
            ("słabo", r(2, None)),
            ("fatalnie", r(1, None)),
            ("tak sobie", r(3, None)),
            ("obsługa super", r(5, None)),
            ("super obsługa", r(5, None)),
            ("excelent", r(5, None)),
            ("terible", r(1, None)),
        ]);
    }

    #[test]
    fn rating_refuses_numbers_that_are_not_ratings() {
        check_rating(&[
            ("7", None),
            ("100", None),
            ("0", None),
            ("6/5", None),
            ("I have 3 monitors", None),
            ("error 5 again", None),
            ("error 5", None),
            ("3 monitors", None),
            ("5%", None),
            ("#5", None),
            ("T-5", None),
            ("4 - 5", None),
            ("⭐⭐⭐⭐⭐⭐", None),
            ("😀 😡", None),
            ("good morning", None),
            ("my printer is broken", None),
            ("thanks", None),
            ("", None),
        ]);
    }

    #[test]
    fn ticket_ids_in_every_spelling() {
        table(
            "ticket_id",
            |t| ticket_id(t),
            &[
                ("T-1002", Some("T-1002".to_string())),
                ("t-1002", Some("T-1002".to_string())),
                ("t1002", Some("T-1002".to_string())),
                ("T1002", Some("T-1002".to_string())),
                ("ticket 1002", Some("T-1002".to_string())),
                ("Ticket no. 1002", Some("T-1002".to_string())),
                ("#1002", Some("T-1002".to_string())),
                ("zgłoszenie 1002", Some("T-1002".to_string())),
                ("zgloszenie nr 1002", Some("T-1002".to_string())),
                ("what about my ticket #1002?", Some("T-1002".to_string())),
                ("close T-1002 please", Some("T-1002".to_string())),
                ("co z zgłoszeniem T-0042", Some("T-42".to_string())),
                ("tikcet 1002", Some("T-1002".to_string())),
                ("T-7 and T-8", Some("T-7".to_string())),
                ("1002", None),
                ("error 1002", None),
                ("T-0", None),
                ("T-", None),
                ("# 1002", None),
                ("T-123456789012345678901", None),
                ("no ticket here", None),
            ],
        );
    }

    fn check_command(cases: &[(&str, Option<Command>)]) {
        table("command", |t| command(t), cases);
    }

    #[test]
    fn commands_in_english_and_polish() {
        use Command::*;
        check_command(&[
            ("human", Some(Human)),
            ("agent please", Some(Human)),
            ("talk to a person", Some(Human)),
            ("I want a real person", Some(Human)),
            ("człowiek", Some(Human)),
            ("czlowiek", Some(Human)),
            ("konsultant", Some(Human)),
            ("chcę rozmawiać z człowiekiem", Some(Human)),
            ("konsutlant", Some(Human)),
            ("cancel", Some(Cancel)),
            ("stop", Some(Cancel)),
            ("never mind", Some(Cancel)),
            ("nevermind", Some(Cancel)),
            ("forget it", Some(Cancel)),
            ("anuluj", Some(Cancel)),
            ("nieważne", Some(Cancel)),
            ("koniec", Some(Cancel)),
            ("cancle", Some(Cancel)),
            ("close my ticket", Some(CloseTicket)),
            ("close T-1002", Some(CloseTicket)),
            ("you can close it", Some(CloseTicket)),
            ("problem solved, close the ticket", Some(CloseTicket)),
            ("zamknij zgłoszenie", Some(CloseTicket)),
            ("można zamknąć", Some(CloseTicket)),
            ("thanks, you can close ticket 1002", Some(CloseTicket)),
            ("new problem", Some(NewProblem)),
            ("something else", Some(NewProblem)),
            ("another issue", Some(NewProblem)),
            ("I have another issue", Some(NewProblem)),
            ("nowy problem", Some(NewProblem)),
            ("inna sprawa", Some(NewProblem)),
            ("coś innego", Some(NewProblem)),
            ("reopen", Some(Reopen)),
            ("open it again", Some(Reopen)),
            ("otwórz ponownie", Some(Reopen)),
            ("otwórz znowu", Some(Reopen)),
            ("reopen T-1002", Some(Reopen)),
            ("skip", Some(Skip)),
            ("don't know", Some(Skip)),
            ("idk", Some(Skip)),
            ("no idea", Some(Skip)),
            ("pomiń", Some(Skip)),
            ("nie wiem", Some(Skip)),
            ("thanks", Some(Thanks)),
            ("thank you!", Some(Thanks)),
            ("thx", Some(Thanks)),
            ("dzięki", Some(Thanks)),
            ("dziękuję bardzo", Some(Thanks)),
            ("thanks a lot for your help", Some(Thanks)),
            ("🙏", Some(Thanks)),
            ("hi", Some(Greeting)),
            ("hello", Some(Greeting)),
            ("hey there", Some(Greeting)),
            ("good morning", Some(Greeting)),
            ("cześć", Some(Greeting)),
            ("dzień dobry", Some(Greeting)),
            ("hej", Some(Greeting)),
            ("👋", Some(Greeting)),
            ("any news?", Some(Status)),
            ("status", Some(Status)),
            ("what's the status of my ticket", Some(Status)),
            ("co z moim zgłoszeniem", Some(Status)),
            ("hi, any news?", Some(Status)),
            ("how is ticket T-1002 going?", Some(Status)),
        ]);
    }

    #[test]
    fn commands_are_not_read_into_problems() {
        check_command(&[
            ("thanks but my printer still jams", None),
            ("hi, my vpn is broken", None),
            ("close outlook", None),
            ("don't close it", None),
            ("do not close the ticket", None),
            ("nie zamykaj", None),
            ("stop sending me emails", None),
            ("the agent told me to restart", None),
            ("I need help with excel", None),
            ("open outlook", None),
            ("open", None),
            ("it stops", None),
            ("lose it", None),
            ("clone it", None),
            ("cancel, new problem", None),
            ("cancel my ticket", None),
            ("hi thanks", None),
            ("are you a human?", None),
            ("co z drukarką", None),
            ("", None),
            ("🙂", None),
        ]);
    }

    #[test]
    fn choices_by_number_ordinal_and_letter() {
        table(
            "choice_index",
            |(t, n)| choice_index(t, *n),
            &[
                (("1", 3), Some(0)),
                (("2", 3), Some(1)),
                (("2.", 3), Some(1)),
                (("#3", 3), Some(2)),
                (("option 2", 3), Some(1)),
                (("the first", 3), Some(0)),
                (("first one", 3), Some(0)),
                (("the second one please", 3), Some(1)),
                (("2nd", 3), Some(1)),
                (("last", 3), Some(2)),
                (("one", 3), Some(0)),
                (("pierwszy", 3), Some(0)),
                (("drugie", 3), Some(1)),
                (("trzecia opcja", 3), Some(2)),
                (("ostatnia", 4), Some(3)),
                (("numer dwa", 3), Some(1)),
                (("poproszę pierwszą", 3), Some(0)),
                (("a", 3), Some(0)),
                (("b)", 3), Some(1)),
                (("option c", 3), Some(2)),
                (("B", 2), Some(1)),
                (("c please", 3), Some(2)),
                (("a please", 3), None),
                (("frist", 3), Some(0)),
                (("3", 2), None),
                (("0", 3), None),
                (("d", 3), None),
                (("1 and 2", 3), None),
                (("1 2", 3), None),
                (("I have 3 monitors", 5), None),
                (("yes", 3), None),
                (("1", 0), None),
                (("", 3), None),
            ],
        );
    }

    #[test]
    fn one_edit_refuses_inflection_at_the_end() {
        assert!(one_edit("wroks", "works"));
        assert!(one_edit("dzila", "dziala"));
        assert!(one_edit("cancle", "cancel"));
        assert!(!one_edit("stops", "stop"));
        assert!(!one_edit("dzialo", "dziala"));
        assert!(!one_edit("work", "works"));
        assert!(!one_edit("works", "works"));
    }
}
