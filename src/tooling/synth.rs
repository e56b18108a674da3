//! Synthetic packs and messages for benchmarks: deterministic, any size, no files. Words are made of
//! random syllables so every intent has its own vocabulary plus a shared pool of common words.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::pack::{Action, Article, Example, Intent, Matcher, Pack, Priority, Rule};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ro", "sa", "tu", "vi", "de", "po", "za", "re", "li", "mo", "na", "te",
    "ba", "ku", "si", "do",
];

fn word(rng: &mut Rng) -> String {
    let n = 2 + rng.below(2);
    (0..n)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

const COMMON: &[&str] = &[
    "my", "the", "is", "not", "working", "please", "help", "i", "need", "can", "you", "how", "do",
    "to", "with", "a",
];

fn sentence(rng: &mut Rng, own: &[String], len: usize) -> String {
    (0..len)
        .map(|_| {
            if rng.below(3) == 0 {
                COMMON[rng.below(COMMON.len())].to_string()
            } else {
                own[rng.below(own.len())].clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A pack of `intents` intents with `examples` English examples each, two keyword rules per intent,
/// and `articles` FAQ articles.
pub fn pack(intents: usize, examples: usize, articles: usize) -> Pack {
    let mut rng = Rng(42);
    let vocab: Vec<Vec<String>> = (0..intents)
        .map(|_| (0..12).map(|_| word(&mut rng)).collect())
        .collect();
    let mut list = Vec::with_capacity(intents);
    for (i, own) in vocab.iter().enumerate() {
        let examples = (0..examples)
            .map(|_| {
                let len = 4 + rng.below(6);
                Example {
                    language: "en".into(),
                    text: sentence(&mut rng, own, len),
                }
            })
            .collect();
        let rules = vec![
            Rule {
                matcher: Matcher::Keywords(vec![own[0].clone(), own[1].clone()]),
                weight: 0.4,
            },
            Rule {
                matcher: Matcher::Pattern(format!(r"\b{}\b.*\b{}\b", own[2], own[3])),
                weight: 0.6,
            },
        ];
        list.push(Intent {
            id: format!("intent_{i}"),
            description: String::new(),
            category: "synthetic".into(),
            action: Action::Answer,
            priority: Priority::P3,
            queue: "l2".into(),
            faq: vec![format!("article-{}", i % articles.max(1))]
                .into_iter()
                .filter(|_| articles > 0)
                .collect(),
            rules,
            examples,
            follow_up: vec![],
            reply: BTreeMap::from([("en".to_string(), "ok".to_string())]),
            title: BTreeMap::new(),
            if_widespread: None,
        });
    }
    let articles = (0..articles)
        .map(|a| {
            let own = &vocab[a % intents.max(1)];
            Article {
                id: format!("article-{a}"),
                language: "en".into(),
                title: sentence(&mut rng, own, 6),
                questions: (0..3).map(|_| sentence(&mut rng, own, 7)).collect(),
                tags: vec![own[0].clone()],
                body: sentence(&mut rng, own, 120),
            }
        })
        .collect();
    Pack {
        name: "synthetic".into(),
        languages: vec!["en".into()],
        default_language: "en".into(),
        threshold: 0.3,
        out_of_scope: vec![],
        intents: list,
        articles,
        signals: vec![],
        lexicon: vec![],
        tips: vec![],
    }
}

/// `n` messages drawn like the pack's examples (same vocabularies, new sentences).
pub fn messages(pack: &Pack, n: usize) -> Vec<String> {
    let mut rng = Rng(7);
    (0..n)
        .map(|_| {
            let intent = &pack.intents[rng.below(pack.intents.len())];
            let words: Vec<String> = intent
                .examples
                .iter()
                .flat_map(|e| e.text.split(' ').map(str::to_string))
                .collect();
            let len = 5 + rng.below(8);
            sentence(&mut rng, &words, len)
        })
        .collect()
}

/// Writes `pack` as a pack directory that `Pack::load` reads back equal: `pack.toml`, one file per
/// intent and `faq/<language>/` articles, named so that sorted file order is the pack's order.
pub fn write_pack(pack: &Pack, dir: &Path) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct PackFile<'a> {
        name: &'a str,
        languages: &'a [String],
        default_language: &'a str,
        threshold: f32,
        out_of_scope: BTreeMap<&'a str, Vec<&'a str>>,
    }
    #[derive(Serialize)]
    struct RuleFile<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        pattern: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        keywords: Option<&'a [String]>,
        weight: f32,
    }
    #[derive(Serialize)]
    struct IntentFile<'a> {
        id: &'a str,
        description: &'a str,
        category: &'a str,
        action: Action,
        priority: Priority,
        queue: &'a str,
        faq: &'a [String],
        examples: BTreeMap<&'a str, Vec<&'a str>>,
        reply: &'a BTreeMap<String, String>,
        rules: Vec<RuleFile<'a>>,
        follow_up: Vec<BTreeMap<&'a str, &'a str>>,
    }
    #[derive(Serialize)]
    struct ArticleFile<'a> {
        id: &'a str,
        language: &'a str,
        title: &'a str,
        questions: &'a [String],
        tags: &'a [String],
        body: &'a str,
    }
    fn by_language(examples: &[Example]) -> BTreeMap<&str, Vec<&str>> {
        let mut map: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for e in examples {
            map.entry(&e.language).or_default().push(&e.text);
        }
        map
    }
    fn write(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
        let text = toml::to_string(value).map_err(std::io::Error::other)?;
        std::fs::write(path, text)
    }
    std::fs::create_dir_all(dir)?;
    write(
        &dir.join("pack.toml"),
        &PackFile {
            name: &pack.name,
            languages: &pack.languages,
            default_language: &pack.default_language,
            threshold: pack.threshold,
            out_of_scope: by_language(&pack.out_of_scope),
        },
    )?;
    for (i, intent) in pack.intents.iter().enumerate() {
        let rules = intent
            .rules
            .iter()
            .map(|r| RuleFile {
                pattern: match &r.matcher {
                    Matcher::Pattern(p) => Some(p),
                    Matcher::Keywords(_) => None,
                },
                keywords: match &r.matcher {
                    Matcher::Keywords(k) => Some(k),
                    Matcher::Pattern(_) => None,
                },
                weight: r.weight,
            })
            .collect();
        let follow_up = intent
            .follow_up
            .iter()
            .map(|f| {
                let mut q: BTreeMap<&str, &str> = f
                    .text
                    .iter()
                    .map(|(l, t)| (l.as_str(), t.as_str()))
                    .collect();
                q.insert("id", &f.id);
                q
            })
            .collect();
        write(
            &dir.join(format!("intent_{i:05}.toml")),
            &IntentFile {
                id: &intent.id,
                description: &intent.description,
                category: &intent.category,
                action: intent.action,
                priority: intent.priority,
                queue: &intent.queue,
                faq: &intent.faq,
                examples: by_language(&intent.examples),
                reply: &intent.reply,
                rules,
                follow_up,
            },
        )?;
    }
    for lang in &pack.languages {
        std::fs::create_dir_all(dir.join("faq").join(lang))?;
    }
    for (a, article) in pack.articles.iter().enumerate() {
        write(
            &dir.join("faq")
                .join(&article.language)
                .join(format!("article_{a:05}.toml")),
            &ArticleFile {
                id: &article.id,
                language: &article.language,
                title: &article.title,
                questions: &article.questions,
                tags: &article.tags,
                body: &article.body,
            },
        )?;
    }
    Ok(())
}

/// Off-topic requests built from parts, so out-of-scope lines are not only the pack's own examples.
const OFF_TOPIC_EN: [&[&str]; 3] = [
    &[
        "what's the",
        "tell me the",
        "do you know the",
        "any idea about the",
        "can you look up the",
    ],
    &[
        "weather",
        "football score",
        "best pizza place",
        "train times",
        "cinema programme",
        "price of bitcoin",
        "recipe for pancakes",
        "capital of peru",
        "next bank holiday",
        "opening hours of the gym",
    ],
    &[
        "",
        " today",
        " tomorrow",
        " in krakow",
        " this weekend",
        " for my trip",
        " near the office",
    ],
];

const OFF_TOPIC_PL: [&[&str]; 3] = [
    &[
        "jaka jest",
        "powiedz mi jaka jest",
        "czy wiesz jaka jest",
        "sprawdź",
    ],
    &[
        "pogoda",
        "cena biletu do gdańska",
        "najlepsza pizzeria",
        "stolica peru",
        "godzina odjazdu pociągu",
        "cena bitcoina",
    ],
    &[
        "",
        " dzisiaj",
        " jutro",
        " w krakowie",
        " w weekend",
        " koło biura",
    ],
];

const OPENINGS: &[&str] = &["", "", "", "hi, ", "hello ", "hey, ", "please help: "];
const CLOSINGS: &[&str] = &["", "", "", " thanks", " asap", "!", "?"];

/// `n` lines for the whole-process triage benchmark (`frontline bench triage-stream`), the same for
/// the same pack every time: 70% the pack's examples (sometimes with a greeting or a thanks around
/// them), 30% out of scope (the pack's out-of-scope examples and generated off-topic requests in its
/// languages), one empty line in 200.
pub fn stream_mix(pack: &Pack, n: usize) -> Vec<String> {
    let mut rng = Rng(12);
    let examples: Vec<&str> = pack
        .intents
        .iter()
        .flat_map(|i| i.examples.iter().map(|e| e.text.as_str()))
        .collect();
    let mut off_topic = vec![&OFF_TOPIC_EN];
    if pack.languages.iter().any(|l| l == "pl") {
        off_topic.push(&OFF_TOPIC_PL);
    }
    (0..n)
        .map(|_| {
            let roll = rng.below(200);
            if roll == 0 {
                String::new()
            } else if roll < 140 {
                let open = OPENINGS[rng.below(OPENINGS.len())];
                let text = examples[rng.below(examples.len())];
                let close = CLOSINGS[rng.below(CLOSINGS.len())];
                format!("{open}{text}{close}")
            } else if roll < 170 && !pack.out_of_scope.is_empty() {
                pack.out_of_scope[rng.below(pack.out_of_scope.len())]
                    .text
                    .clone()
            } else {
                let [ask, what, tail] = off_topic[rng.below(off_topic.len())];
                let ask = ask[rng.below(ask.len())];
                let what = what[rng.below(what.len())];
                format!("{ask} {what}{}", tail[rng.below(tail.len())])
            }
        })
        .collect()
}
