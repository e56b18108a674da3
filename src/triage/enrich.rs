//! Features that see through how people write: a light stemmer (Polish inflection, English plurals
//! and tenses), the pack's lexicon of product and service names as concept features, and typo
//! correction of words the examples never used (one edit away from a word they did).
//!
//! Every extra feature is a word feature appended after [`super::features::extract`]'s, so the
//! classifier, the nearest example and the coverage all see it; nothing here allocates per token.

use super::features::{IdMap, word_hash};

/// Endings stripped by [`stem`], longest first within each group of equal length so the first that
/// fits wins. Folded forms (no diacritics): Polish case endings, verb endings of the past and
/// present tense and infinitives, and the English plural, past and gerund.
const SUFFIXES: &[&str] = &[
    "owaniami", "owaniem", "owania", "owanie", "owaniu", "alismy", "ilismy", "aliscie", "iliscie",
    "ujemy", "ujecie", "owali", "owala", "owany", "owana", "owane", "owac", "ywac", "iwac",
    "acjami", "acja", "acji", "acje", "ujesz", "ujacy", "ujaca", "ujace", "ilem", "ilam", "alem",
    "alam", "elem", "elam", "ales", "ilas", "uje", "uja", "ami", "ach", "ych", "ymi", "imi", "iem",
    "iej", "ego", "emu", "owi", "owy", "owa", "owe", "ing", "ila", "ala", "ela", "eli", "ali",
    "ili", "ilo", "alo", "ac", "ic", "ec", "al", "il", "el", "ow", "om", "em", "ie", "ej", "ym",
    "im", "ia", "iu", "ed", "es", "a", "e", "i", "o", "u", "y", "s",
];

/// A stem keeps at least this many bytes.
const MIN_STEM: usize = 4;

/// The token with its inflectional ending removed ("hasla", "haslo" -> "hasl"; "printers" ->
/// "printer"; "zapomnialem" -> "zapomni"). Words of digits and short words are their own stem.
pub fn stem(token: &str) -> &str {
    if token.len() <= MIN_STEM || !token.is_ascii() || token.as_bytes()[0].is_ascii_digit() {
        return token;
    }
    for s in SUFFIXES {
        if token.len() >= s.len() + MIN_STEM && token.ends_with(s) {
            return &token[..token.len() - s.len()];
        }
    }
    token
}

/// The feature hash of a stem: a word feature apart from the word of the same letters.
#[inline]
pub fn stem_feature(stem: &str) -> u64 {
    // Rotating the word hash keeps the low bit (word feature) and gives a different key.
    word_hash(stem).rotate_left(17) | 1
}

/// The feature hash of a lexicon concept.
pub fn concept_feature(concept: &str) -> u64 {
    word_hash(&format!("#lexicon:{concept}"))
}

/// Hash of a byte string for the typo tables (not a feature).
#[inline]
fn key(bytes: impl Iterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^ (h >> 29)
}

/// Shortest word corrected as a typo; shorter words have too many neighbours.
const MIN_TYPO: usize = 4;
/// Shortest word corrected by a substitution or transposition (both sides lose a letter).
const MIN_SUBSTITUTION: usize = 5;

/// The pack's words, for lexicon concepts and typo correction.
#[derive(Debug, Default)]
pub struct Enricher {
    /// Word hash of a lexicon word (or of its stem) -> its concept's feature.
    lexicon: IdMap<u64>,
    /// Known words (examples and lexicon), ASCII only: the typo candidates.
    words: Vec<Box<str>>,
    /// How many training texts use each word: ties between corrections go to the commoner.
    counts: Vec<u32>,
    /// Key of a word -> its index in `words`.
    exact: IdMap<u32>,
    /// Key of a word with one letter deleted -> the words it comes from (ascending).
    deletes: IdMap<Vec<u32>>,
    pub stems: bool,
    pub typos: bool,
}

impl Enricher {
    /// Builds the tables from the examples' tokens and the lexicon `(concept, words)`.
    pub fn new<'a>(
        texts: impl Iterator<Item = &'a [String]>,
        lexicon: &[(String, Vec<String>)],
        stems: bool,
        typos: bool,
    ) -> Enricher {
        let mut e = Enricher {
            stems,
            typos,
            ..Enricher::default()
        };
        for (concept, words) in lexicon {
            let f = concept_feature(concept);
            for w in words {
                e.lexicon.entry(word_hash(w)).or_insert(f);
                e.lexicon.entry(word_hash(stem(w))).or_insert(f);
            }
        }
        if !typos {
            return e;
        }
        let add = |e: &mut Enricher, w: &str| {
            if w.len() < MIN_TYPO || !w.is_ascii() || w.bytes().any(|b| b.is_ascii_digit()) {
                return;
            }
            let k = key(w.bytes());
            let i = *e.exact.entry(k).or_insert_with(|| {
                e.words.push(w.into());
                e.counts.push(0);
                (e.words.len() - 1) as u32
            });
            e.counts[i as usize] += 1;
        };
        for tokens in texts {
            for t in tokens {
                add(&mut e, t);
            }
        }
        for (_, words) in lexicon {
            for w in words {
                add(&mut e, w);
            }
        }
        for (i, w) in e.words.iter().enumerate() {
            let b = w.as_bytes();
            for d in 0..b.len() {
                let k = key(b[..d].iter().chain(&b[d + 1..]).copied());
                let list = e.deletes.entry(k).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
        e
    }

    /// The known word one edit from `token` (insertion, deletion, substitution or transposition),
    /// the commonest when several are; `None` for short or non-ASCII tokens.
    pub fn correct(&self, token: &str) -> Option<&str> {
        let b = token.as_bytes();
        if !self.typos || b.len() < MIN_TYPO || !token.is_ascii() {
            return None;
        }
        let mut best: Option<u32> = None;
        let mut consider = |i: u32| {
            let better = match best {
                None => true,
                Some(j) => {
                    (self.counts[i as usize], std::cmp::Reverse(i))
                        > (self.counts[j as usize], std::cmp::Reverse(j))
                }
            };
            if better {
                best = Some(i);
            }
        };
        // The token is a known word with one letter deleted (the user dropped a letter).
        if let Some(list) = self.deletes.get(&key(b.iter().copied())) {
            list.iter().copied().for_each(&mut consider);
        }
        for d in 0..b.len() {
            let k = key(b[..d].iter().chain(&b[d + 1..]).copied());
            // The token has one letter too many.
            if let Some(&i) = self.exact.get(&k) {
                consider(i);
            }
            // A letter replaced or two swapped: both lose one letter to the same string.
            if b.len() >= MIN_SUBSTITUTION
                && let Some(list) = self.deletes.get(&k)
            {
                for &i in list {
                    if self.words[i as usize].len() == b.len() {
                        consider(i);
                    }
                }
            }
        }
        best.map(|i| &*self.words[i as usize])
    }

    /// Appends the extra features of `tokens` to `out`: each token's stem and lexicon concept,
    /// and for a token `known` says is unknown, those of its typo correction. Returns how many
    /// unknown tokens were recognised (by concept or correction), for the coverage.
    pub fn extend(
        &self,
        tokens: &[String],
        known: impl Fn(u64) -> bool,
        out: &mut Vec<u64>,
    ) -> usize {
        let mut recognised = 0;
        for t in tokens {
            let h = word_hash(t);
            let st = stem(t);
            if self.stems {
                out.push(stem_feature(st));
            }
            let mut concept = self.concept(h, st);
            if let Some(f) = concept {
                out.push(f);
            }
            if self.typos && !known(h) {
                if let Some(c) = self.correct(t) {
                    out.push(word_hash(c));
                    let cs = stem(c);
                    if self.stems {
                        out.push(stem_feature(cs));
                    }
                    if concept.is_none() {
                        concept = self.concept(word_hash(c), cs);
                        if let Some(f) = concept {
                            out.push(f);
                        }
                    }
                    recognised += 1;
                } else if concept.is_some() {
                    recognised += 1;
                }
            }
        }
        recognised
    }

    fn concept(&self, word: u64, stem: &str) -> Option<u64> {
        if self.lexicon.is_empty() {
            return None;
        }
        self.lexicon
            .get(&word)
            .or_else(|| self.lexicon.get(&word_hash(stem)))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_see_through_endings() {
        for (w, s) in [
            ("hasla", "hasl"),
            ("haslo", "hasl"),
            ("hasel", "hasel"),
            ("drukuje", "druk"),
            ("drukowac", "druk"),
            ("zapomnialem", "zapomni"),
            ("zapomnialam", "zapomni"),
            ("printers", "printer"),
            ("files", "file"),
            ("email", "email"),
            ("vpn", "vpn"),
            ("2024", "2024"),
        ] {
            assert_eq!(stem(w), s, "{w}");
        }
    }

    #[test]
    fn corrects_one_edit_to_a_known_word() {
        let texts: Vec<Vec<String>> = [
            "zapomnialem haslo do outlook",
            "haslo wygaslo",
            "printer jammed",
        ]
        .iter()
        .map(|t| t.split(' ').map(String::from).collect())
        .collect();
        let e = Enricher::new(texts.iter().map(|t| t.as_slice()), &[], true, true);
        assert_eq!(e.correct("hsalo"), Some("haslo"));
        assert_eq!(e.correct("chaslo"), Some("haslo"));
        assert_eq!(e.correct("outlok"), Some("outlook"));
        assert_eq!(e.correct("outloook"), Some("outlook"));
        assert_eq!(e.correct("pritner"), Some("printer"));
        assert_eq!(e.correct("xyzzy"), None);
        assert_eq!(e.correct("hsl"), None);
    }
}
