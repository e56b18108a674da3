//! Synthetic packs and messages for benchmarks: deterministic, any size, no files. Words are made of
//! random syllables so every intent has its own vocabulary plus a shared pool of common words.

use std::collections::BTreeMap;

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
