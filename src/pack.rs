//! The intent pack: intents with rules and examples, and FAQ articles, loaded from a directory of
//! TOML files. Every loading error names the file, the line and the field.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::triage::normalize::fold_pattern;

/// What the bot does first when an intent is detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Answer from the FAQ or the intent's reply first.
    Answer,
    /// Ask the intent's follow-up questions, then open a ticket.
    Ask,
    /// Open a ticket and escalate straight away.
    Escalate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Answer => "answer",
            Action::Ask => "ask",
            Action::Escalate => "escalate",
        }
    }
}

/// Ticket priority, P1 (critical) to P4 (low).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        })
    }
}

/// A rule's matcher as written by the pack author (already diacritic-folded).
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    Pattern(String),
    Keywords(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub matcher: Matcher,
    /// In -1..=1; negative rules count against their intent.
    pub weight: f32,
}

impl Rule {
    /// The regex this rule compiles to (keywords become one alternation with word boundaries).
    pub fn regex(&self) -> String {
        match &self.matcher {
            Matcher::Pattern(p) => p.clone(),
            Matcher::Keywords(kws) => {
                let alts: Vec<String> = kws
                    .iter()
                    .map(|k| {
                        let (stem, prefix) = match k.strip_suffix('*') {
                            Some(s) => (s, true),
                            None => (k.as_str(), false),
                        };
                        let words: Vec<String> =
                            stem.split_whitespace().map(regex::escape).collect();
                        let mut r = words.join(r"\s+");
                        if prefix {
                            r.push_str(r"\w*");
                        }
                        r
                    })
                    .collect();
                format!(r"\b(?:{})\b", alts.join("|"))
            }
        }
    }

    /// How the rule reads in a decision's explanation.
    pub fn describe(&self) -> String {
        match &self.matcher {
            Matcher::Pattern(p) => format!("pattern /{p}/"),
            Matcher::Keywords(k) => format!("keywords [{}]", k.join(", ")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub id: String,
    /// Question text per language.
    pub text: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub language: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    pub id: String,
    pub description: String,
    pub category: String,
    pub action: Action,
    pub priority: Priority,
    pub queue: String,
    pub faq: Vec<String>,
    pub rules: Vec<Rule>,
    pub examples: Vec<Example>,
    pub follow_up: Vec<FollowUp>,
    /// First reply per language.
    pub reply: BTreeMap<String, String>,
    /// A short human title per language, for buttons and cards ("VPN connection").
    pub title: BTreeMap<String, String>,
    /// The intent a message of this intent becomes when several people are affected (a network
    /// problem for everyone is an outage).
    pub if_widespread: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub language: String,
    pub title: String,
    pub questions: Vec<String>,
    pub tags: Vec<String>,
    pub body: String,
}

/// A loaded, validated pack.
#[derive(Debug, Clone, PartialEq)]
pub struct Pack {
    pub name: String,
    pub languages: Vec<String>,
    pub default_language: String,
    /// Confidence below which a message is out of scope.
    pub threshold: f32,
    /// Examples of messages the desk does not handle, per language; trained as their own class.
    pub out_of_scope: Vec<Example>,
    pub intents: Vec<Intent>,
    pub articles: Vec<Article>,
    /// Impact signals: each signal name (one of [`SIGNALS`]) with its patterns (folded regexes).
    pub signals: Vec<(String, Vec<String>)>,
    /// Product and service names: each concept with its words (folded, lower case). A message
    /// naming any of them carries the concept as a feature, so the classifier learns "a VPN
    /// client" from the examples rather than each client's name.
    pub lexicon: Vec<(String, Vec<String>)>,
    /// Security tips (`tips.toml`), each in every pack language, posted in order on the
    /// `[security]` schedule; none when the pack has no `tips.toml`.
    pub tips: Vec<BTreeMap<String, String>>,
}

/// The impact signals a pack may define patterns for, in the order decisions list them.
pub const SIGNALS: &[&str] = &["security", "many_people", "deadline", "frustrated"];

/// The confidence threshold used when the pack does not set one.
pub const DEFAULT_THRESHOLD: f32 = 0.45;

/// A pack that cannot be loaded: where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}: {field}: {message}", file.display())]
pub struct PackError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is the file or directory itself.
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// Whether a TOML error is about a value of the right syntax but the wrong kind (then the key on
/// its line is the field at fault); syntax errors are not about any one field.
pub(crate) fn names_a_value(message: &str) -> bool {
    [
        "invalid type",
        "unknown variant",
        "invalid value",
        "invalid length",
    ]
    .iter()
    .any(|p| message.starts_with(p))
}

/// The key written on the line at `offset` (`tier = "L9"` -> `tier`), for errors whose message names
/// only a value.
pub(crate) fn key_at(src: &str, offset: usize) -> Option<String> {
    let start = src[..offset.min(src.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let line = src[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
    .then(|| key.to_string())
}

pub(crate) fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// One file being read: its path and text, to turn spans into line numbers.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn err(
        &self,
        span: std::ops::Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> PackError {
        PackError {
            file: self.path.to_path_buf(),
            line: line_of(self.text, span.start),
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, PackError> {
        toml::from_str(self.text).map_err(|e| {
            let msg = e.message().to_string();
            // serde names the field in backticks: "unknown field `foo`", "missing field `id`"; other
            // messages quote values, not fields.
            let field = [
                "unknown field `",
                "missing field `",
                "duplicate field `",
                "duplicate key `",
            ]
            .iter()
            .find_map(|p| {
                msg.split_once(p)
                    .and_then(|(_, rest)| rest.split('`').next())
                    .map(str::to_string)
            })
            .or_else(|| {
                e.span()
                    .filter(|_| names_a_value(&msg))
                    .and_then(|s| key_at(self.text, s.start))
            })
            .unwrap_or_else(|| "-".into());
            PackError {
                file: self.path.to_path_buf(),
                line: e.span().map(|s| line_of(self.text, s.start)).unwrap_or(0),
                field,
                message: msg.replace('\n', " "),
            }
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    name: String,
    languages: Spanned<Vec<String>>,
    default_language: Spanned<String>,
    threshold: Option<Spanned<f32>>,
    #[serde(default)]
    out_of_scope: BTreeMap<String, Vec<String>>,
    signals: Option<Spanned<BTreeMap<String, Vec<String>>>>,
    lexicon: Option<Spanned<BTreeMap<String, Vec<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    pattern: Option<Spanned<String>>,
    keywords: Option<Spanned<Vec<String>>>,
    weight: Spanned<f32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntentFile {
    id: Spanned<String>,
    description: String,
    category: String,
    action: Action,
    priority: Priority,
    queue: String,
    #[serde(default)]
    faq: Vec<Spanned<String>>,
    #[serde(default)]
    rules: Vec<RuleFile>,
    examples: Spanned<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    follow_up: Vec<Spanned<BTreeMap<String, String>>>,
    reply: Spanned<BTreeMap<String, String>>,
    title: Option<Spanned<BTreeMap<String, String>>>,
    if_widespread: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TipsFile {
    #[serde(default)]
    tips: Vec<Spanned<BTreeMap<String, String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleFile {
    id: Spanned<String>,
    language: Spanned<String>,
    title: String,
    #[serde(default)]
    questions: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    body: String,
}

/// The default pack's files, compiled in by `build.rs` from `intents/`: each file's path relative to
/// the pack (`vpn.toml`, `faq/en/vpn-help.toml`, `/`-separated) and its text, sorted by path.
pub static BUILTIN_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_pack.rs"));

/// Where a pack's files are read from. Both go through the same loader and validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackSource {
    /// A pack directory on disk.
    Dir(PathBuf),
    /// The default pack compiled into the binary ([`BUILTIN_FILES`]).
    BuiltIn,
}

impl fmt::Display for PackSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackSource::Dir(d) => write!(f, "{}", d.display()),
            PackSource::BuiltIn => f.write_str("the built-in pack"),
        }
    }
}

impl PackSource {
    /// Loads and validates the pack.
    pub fn load(&self) -> Result<Pack, PackError> {
        Pack::load_from(self)
    }

    /// The path errors name for `rel`: on disk, or under `<built-in>/intents/`.
    pub fn path(&self, rel: &str) -> PathBuf {
        let base = match self {
            PackSource::Dir(d) => d.clone(),
            PackSource::BuiltIn => PathBuf::from("<built-in>/intents"),
        };
        if rel.is_empty() {
            base
        } else {
            rel.split('/').fold(base, |p, part| p.join(part))
        }
    }

    fn read(&self, rel: &str) -> Result<String, PackError> {
        let cannot = |message: String| PackError {
            file: self.path(rel),
            line: 0,
            field: "-".into(),
            message,
        };
        match self {
            PackSource::Dir(_) => std::fs::read_to_string(self.path(rel))
                .map_err(|e| cannot(format!("cannot read: {e}"))),
            PackSource::BuiltIn => BUILTIN_FILES
                .iter()
                .find(|(p, _)| *p == rel)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| cannot("cannot read: not in the built-in pack".into())),
        }
    }

    fn is_dir(&self, rel: &str) -> bool {
        match self {
            PackSource::Dir(_) => self.path(rel).is_dir(),
            PackSource::BuiltIn => {
                let prefix = format!("{rel}/");
                BUILTIN_FILES.iter().any(|(p, _)| p.starts_with(&prefix))
            }
        }
    }

    /// The `*.toml` files directly in `rel` (`""` is the pack itself), as paths relative to the
    /// pack, in file-name order.
    fn toml_files(&self, rel: &str) -> Result<Vec<String>, PackError> {
        let prefix = if rel.is_empty() {
            String::new()
        } else {
            format!("{rel}/")
        };
        let mut files: Vec<String> = match self {
            PackSource::Dir(_) => {
                let dir = self.path(rel);
                let entries = std::fs::read_dir(&dir).map_err(|e| PackError {
                    file: dir.clone(),
                    line: 0,
                    field: "-".into(),
                    message: format!("cannot read directory: {e}"),
                })?;
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
                    .filter_map(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .map(|n| format!("{prefix}{n}"))
                    })
                    .collect()
            }
            PackSource::BuiltIn => BUILTIN_FILES
                .iter()
                .filter_map(|(p, _)| p.strip_prefix(prefix.as_str()))
                .filter(|name| !name.contains('/') && name.ends_with(".toml"))
                .map(|name| format!("{prefix}{name}"))
                .collect(),
        };
        files.sort();
        Ok(files)
    }
}

/// The pack's security tips file: not an intent.
pub const TIPS_FILE: &str = "tips.toml";

/// The security tips of `tips.toml`, if the pack has one: every tip in every pack language, none
/// empty.
fn load_tips(
    source: &PackSource,
    languages: &[String],
) -> Result<Vec<BTreeMap<String, String>>, PackError> {
    if !source.toml_files("")?.iter().any(|f| f == TIPS_FILE) {
        return Ok(vec![]);
    }
    let path = source.path(TIPS_FILE);
    let text = source.read(TIPS_FILE)?;
    let src = Source {
        path: &path,
        text: &text,
    };
    let f: TipsFile = src.parse()?;
    let mut tips = Vec::new();
    for (i, t) in f.tips.into_iter().enumerate() {
        for lang in languages {
            if t.get_ref().get(lang).is_none_or(|v| v.trim().is_empty()) {
                return Err(src.err(t.span(), &format!("tips[{i}].{lang}"), "missing language"));
            }
        }
        if let Some(extra) = t.get_ref().keys().find(|k| !languages.contains(k)) {
            return Err(src.err(
                t.span(),
                &format!("tips[{i}].{extra}"),
                "not one of the pack's languages",
            ));
        }
        tips.push(t.into_inner());
    }
    Ok(tips)
}

/// Whether a regex has an upper-case letter outside escapes (`\\W`, `\\p{Lu}` are fine).
fn has_uppercase_literal(pattern: &str) -> bool {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some('p' | 'P') = chars.next() {
                if chars.clone().next() == Some('{') {
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
        } else if c.is_uppercase() {
            return true;
        }
    }
    false
}

fn valid_id(id: &str, extra: char) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == extra)
}

impl Pack {
    /// Loads and validates the pack in `dir`: `pack.toml`, one `*.toml` per intent and
    /// `faq/<language>/*.toml` articles.
    pub fn load(dir: &Path) -> Result<Pack, PackError> {
        Pack::load_from(&PackSource::Dir(dir.to_path_buf()))
    }

    /// The default pack compiled into the binary.
    pub fn builtin() -> Result<Pack, PackError> {
        Pack::load_from(&PackSource::BuiltIn)
    }

    /// Loads and validates a pack from a directory or the built-in files: one loader for both, so
    /// both are held to the same checks and their errors name the file, line and field alike.
    pub fn load_from(source: &PackSource) -> Result<Pack, PackError> {
        let pack_path = source.path("pack.toml");
        let text = source.read("pack.toml")?;
        let src = Source {
            path: &pack_path,
            text: &text,
        };
        let pf: PackFile = src.parse()?;
        let languages = pf.languages.get_ref().clone();
        if languages.is_empty() {
            return Err(src.err(
                pf.languages.span(),
                "languages",
                "a pack needs at least one language",
            ));
        }
        if !languages.contains(pf.default_language.get_ref()) {
            return Err(src.err(
                pf.default_language.span(),
                "default_language",
                format!(
                    "`{}` is not one of languages {:?}",
                    pf.default_language.get_ref(),
                    languages
                ),
            ));
        }
        let threshold = match &pf.threshold {
            Some(t) if !(0.0..=1.0).contains(t.get_ref()) => {
                return Err(src.err(t.span(), "threshold", "must be between 0 and 1"));
            }
            Some(t) => *t.get_ref(),
            None => DEFAULT_THRESHOLD,
        };
        let mut out_of_scope = Vec::new();
        for (lang, texts) in &pf.out_of_scope {
            if !languages.contains(lang) {
                return Err(PackError {
                    file: pack_path.clone(),
                    line: 0,
                    field: format!("out_of_scope.{lang}"),
                    message: format!("`{lang}` is not one of languages {languages:?}"),
                });
            }
            out_of_scope.extend(texts.iter().map(|t| Example {
                language: lang.clone(),
                text: t.clone(),
            }));
        }
        let empty = Spanned::new(0..0, BTreeMap::new());
        let pf_signals = pf.signals.as_ref().unwrap_or(&empty);
        let pf_lexicon = pf.lexicon.as_ref().unwrap_or(&empty);
        let mut signals = Vec::new();
        for (name, patterns) in pf_signals.get_ref() {
            if !SIGNALS.contains(&name.as_str()) {
                return Err(src.err(
                    pf_signals.span(),
                    &format!("signals.{name}"),
                    format!("unknown signal (one of {SIGNALS:?})"),
                ));
            }
            let mut folded = Vec::new();
            for (i, p) in patterns.iter().enumerate() {
                let f = fold_pattern(p);
                if let Err(e) = crate::triage::rules::compile(&f) {
                    return Err(src.err(
                        pf_signals.span(),
                        &format!("signals.{name}[{i}]"),
                        format!("invalid regex: {e}"),
                    ));
                }
                if has_uppercase_literal(&f) {
                    return Err(src.err(
                        pf_signals.span(),
                        &format!("signals.{name}[{i}]"),
                        "write patterns in lower case: messages are matched lower-cased",
                    ));
                }
                folded.push(f);
            }
            signals.push((name.clone(), folded));
        }
        let mut lexicon = Vec::new();
        for (concept, words) in pf_lexicon.get_ref() {
            let folded: Vec<String> = words
                .iter()
                .map(|w| fold_pattern(w).to_lowercase())
                .collect();
            if let Some(bad) = folded
                .iter()
                .find(|w| w.is_empty() || !w.chars().all(char::is_alphanumeric))
            {
                return Err(src.err(
                    pf_lexicon.span(),
                    &format!("lexicon.{concept}"),
                    format!("`{bad}` is not one word of letters and digits"),
                ));
            }
            lexicon.push((concept.clone(), folded));
        }

        let mut articles = Vec::new();
        let mut article_keys = HashSet::new();
        for lang in &languages {
            let faq_dir = format!("faq/{lang}");
            if !source.is_dir(&faq_dir) {
                continue;
            }
            for rel in source.toml_files(&faq_dir)? {
                let path = source.path(&rel);
                let text = source.read(&rel)?;
                let src = Source {
                    path: &path,
                    text: &text,
                };
                let af: ArticleFile = src.parse()?;
                if !valid_id(af.id.get_ref(), '-') {
                    return Err(src.err(af.id.span(), "id", "ids use a-z, 0-9, '-' and '_'"));
                }
                if af.language.get_ref() != lang {
                    return Err(src.err(
                        af.language.span(),
                        "language",
                        format!(
                            "article in faq/{lang}/ says language `{}`",
                            af.language.get_ref()
                        ),
                    ));
                }
                if !article_keys.insert((af.id.get_ref().clone(), lang.clone())) {
                    return Err(src.err(
                        af.id.span(),
                        "id",
                        format!("duplicate article id `{}`", af.id.get_ref()),
                    ));
                }
                articles.push(Article {
                    id: af.id.into_inner(),
                    language: lang.clone(),
                    title: af.title,
                    questions: af.questions,
                    tags: af.tags,
                    body: af.body,
                });
            }
        }

        let mut intents: Vec<Intent> = Vec::new();
        let mut widespread_spans = Vec::new();
        for rel in source.toml_files("")? {
            if rel == "pack.toml" || rel == TIPS_FILE {
                continue;
            }
            let path = source.path(&rel);
            let text = source.read(&rel)?;
            let src = Source {
                path: &path,
                text: &text,
            };
            let f: IntentFile = src.parse()?;
            let id = f.id.get_ref().clone();
            if !valid_id(&id, '_') || id == crate::triage::OUT_OF_SCOPE {
                return Err(src.err(
                    f.id.span(),
                    "id",
                    format!("`{id}` is not a valid intent id"),
                ));
            }
            if let Some(prev) = intents.iter().position(|i| i.id == id) {
                return Err(src.err(
                    f.id.span(),
                    "id",
                    format!("duplicate intent id `{id}` (intent #{})", prev + 1),
                ));
            }
            for r in &f.faq {
                for lang in &languages {
                    if !article_keys.contains(&(r.get_ref().clone(), lang.clone())) {
                        return Err(src.err(
                            r.span(),
                            "faq",
                            format!("no FAQ article `{}` in faq/{lang}/", r.get_ref()),
                        ));
                    }
                }
            }
            let mut rules = Vec::new();
            for (i, r) in f.rules.iter().enumerate() {
                let field = format!("rules[{i}]");
                let w = *r.weight.get_ref();
                if !(-1.0..=1.0).contains(&w) || w == 0.0 {
                    return Err(src.err(
                        r.weight.span(),
                        &format!("{field}.weight"),
                        "must be in -1..1 and not 0",
                    ));
                }
                let matcher = match (&r.pattern, &r.keywords) {
                    (Some(p), None) => Matcher::Pattern(fold_pattern(p.get_ref())),
                    (None, Some(k)) if !k.get_ref().is_empty() => Matcher::Keywords(
                        k.get_ref()
                            .iter()
                            .map(|s| fold_pattern(s).to_lowercase())
                            .collect(),
                    ),
                    _ => {
                        return Err(src.err(
                            r.weight.span(),
                            &field,
                            "a rule has exactly one of `pattern` or `keywords` (non-empty)",
                        ));
                    }
                };
                let rule = Rule { matcher, weight: w };
                let problem = if has_uppercase_literal(&rule.regex()) {
                    Some(
                        "write patterns in lower case: messages are matched lower-cased"
                            .to_string(),
                    )
                } else {
                    crate::triage::rules::compile(&rule.regex()).err().map(|e| {
                        match e.syntax_error() {
                            Some(se) => format!("invalid regex: {se}"),
                            None => format!("invalid regex: {e}"),
                        }
                    })
                };
                if let Some(message) = problem {
                    let span = r
                        .pattern
                        .as_ref()
                        .map(|p| p.span())
                        .unwrap_or_else(|| r.weight.span());
                    let what = if r.pattern.is_some() {
                        "pattern"
                    } else {
                        "keywords"
                    };
                    return Err(src.err(span, &format!("{field}.{what}"), message));
                }
                rules.push(rule);
            }
            let mut examples = Vec::new();
            for (lang, texts) in f.examples.get_ref() {
                if !languages.contains(lang) {
                    return Err(src.err(
                        f.examples.span(),
                        &format!("examples.{lang}"),
                        "not one of the pack's languages",
                    ));
                }
                examples.extend(texts.iter().map(|t| Example {
                    language: lang.clone(),
                    text: t.clone(),
                }));
            }
            for lang in &languages {
                if f.examples.get_ref().get(lang).is_none_or(|v| v.is_empty()) {
                    return Err(src.err(
                        f.examples.span(),
                        &format!("examples.{lang}"),
                        "missing language",
                    ));
                }
                if !f.reply.get_ref().contains_key(lang) {
                    return Err(src.err(
                        f.reply.span(),
                        &format!("reply.{lang}"),
                        "missing language",
                    ));
                }
            }
            let mut title = BTreeMap::new();
            if let Some(t) = &f.title {
                for lang in &languages {
                    match t.get_ref().get(lang) {
                        Some(v) if !v.trim().is_empty() => {
                            title.insert(lang.clone(), v.clone());
                        }
                        _ => {
                            return Err(src.err(
                                t.span(),
                                &format!("title.{lang}"),
                                "missing language",
                            ));
                        }
                    }
                }
                if let Some(extra) = t.get_ref().keys().find(|k| !languages.contains(k)) {
                    return Err(src.err(
                        t.span(),
                        &format!("title.{extra}"),
                        "not one of the pack's languages",
                    ));
                }
            }
            let mut follow_up = Vec::new();
            for (i, q) in f.follow_up.iter().enumerate() {
                let mut text = q.get_ref().clone();
                let Some(qid) = text.remove("id") else {
                    return Err(src.err(q.span(), &format!("follow_up[{i}].id"), "missing field"));
                };
                for lang in &languages {
                    if !text.contains_key(lang) {
                        return Err(src.err(
                            q.span(),
                            &format!("follow_up[{i}].{lang}"),
                            "missing language",
                        ));
                    }
                }
                if let Some(extra) = text.keys().find(|k| !languages.contains(k)) {
                    return Err(src.err(
                        q.span(),
                        &format!("follow_up[{i}].{extra}"),
                        "unknown field",
                    ));
                }
                follow_up.push(FollowUp { id: qid, text });
            }
            intents.push(Intent {
                id,
                description: f.description,
                category: f.category,
                action: f.action,
                priority: f.priority,
                queue: f.queue,
                faq: f.faq.into_iter().map(|s| s.into_inner()).collect(),
                rules,
                examples,
                follow_up,
                reply: f.reply.into_inner(),
                title,
                if_widespread: f.if_widespread.map(|w| {
                    widespread_spans.push((path.clone(), text.clone(), w.span()));
                    w.into_inner()
                }),
            });
        }
        // `if_widespread` may name an intent defined in a later file: checked once all are read.
        let mut spans = widespread_spans.into_iter();
        for intent in &intents {
            let Some(target) = &intent.if_widespread else {
                continue;
            };
            let (file, text, span) = spans.next().expect("one span per if_widespread");
            if !intents.iter().any(|i| &i.id == target) {
                return Err(Source {
                    path: &file,
                    text: &text,
                }
                .err(span, "if_widespread", format!("no intent `{target}`")));
            }
        }
        if intents.is_empty() {
            return Err(PackError {
                file: source.path(""),
                line: 0,
                field: "-".into(),
                message: "no intent files".into(),
            });
        }
        let tips = load_tips(source, &languages)?;
        Ok(Pack {
            name: pf.name,
            languages,
            default_language: pf.default_language.into_inner(),
            threshold,
            out_of_scope,
            intents,
            articles,
            signals,
            lexicon,
            tips,
        })
    }

    /// A pack learned from labelled examples alone (no rules, no FAQ): what `frontline eval` measures.
    pub fn from_examples(examples: &[(String, String)], language: &str) -> Pack {
        let mut intents: Vec<Intent> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for (text, label) in examples {
            let i = *index.entry(label.clone()).or_insert_with(|| {
                intents.push(Intent {
                    id: label.clone(),
                    description: String::new(),
                    category: String::new(),
                    action: Action::Answer,
                    priority: Priority::P4,
                    queue: String::new(),
                    faq: vec![],
                    rules: vec![],
                    examples: vec![],
                    follow_up: vec![],
                    reply: BTreeMap::new(),
                    title: BTreeMap::new(),
                    if_widespread: None,
                });
                intents.len() - 1
            });
            intents[i].examples.push(Example {
                language: language.to_string(),
                text: text.clone(),
            });
        }
        Pack {
            name: "eval".into(),
            languages: vec![language.to_string()],
            default_language: language.to_string(),
            threshold: 0.0,
            out_of_scope: vec![],
            intents,
            articles: vec![],
            signals: vec![],
            lexicon: vec![],
            tips: vec![],
        }
    }

    pub fn intent(&self, id: &str) -> Option<&Intent> {
        self.intents.iter().find(|i| i.id == id)
    }

    /// The intent's short title in `language` (its id when the pack gives none), for buttons.
    pub fn title<'a>(&'a self, intent: &'a str, language: &str) -> &'a str {
        self.intent(intent)
            .and_then(|i| i.title.get(language))
            .map(String::as_str)
            .unwrap_or(intent)
    }

    pub fn article(&self, id: &str, language: &str) -> Option<&Article> {
        self.articles
            .iter()
            .find(|a| a.id == id && a.language == language)
    }
}
