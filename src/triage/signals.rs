//! Impact signals of a message: a security incident, many people affected, a deadline, a frustrated
//! writer. Patterns come from the pack (`[signals]` in `pack.toml`); shouting (`!!!`, capitals) is
//! read from the message as written, before case folding.

use super::rules::RuleSet;

/// One signal, as a bit of [`Signals`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Security = 0,
    ManyPeople = 1,
    Deadline = 2,
    Frustrated = 3,
}

impl Signal {
    pub const ALL: [Signal; 4] = [
        Signal::Security,
        Signal::ManyPeople,
        Signal::Deadline,
        Signal::Frustrated,
    ];

    /// The stable name in a decision's `signals`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Security => "security",
            Signal::ManyPeople => "many_people",
            Signal::Deadline => "deadline",
            Signal::Frustrated => "frustrated",
        }
    }

    fn from_name(name: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A set of signals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals(u8);

impl Signals {
    pub fn has(self, s: Signal) -> bool {
        self.0 & (1 << s as u8) != 0
    }

    pub fn add(&mut self, s: Signal) {
        self.0 |= 1 << s as u8;
    }

    pub fn remove(&mut self, s: Signal) {
        self.0 &= !(1 << s as u8);
    }

    /// Names in [`Signal::ALL`] order.
    pub fn names(self) -> Vec<String> {
        Signal::ALL
            .into_iter()
            .filter(|s| self.has(*s))
            .map(|s| s.name().to_string())
            .collect()
    }
}

/// The pack's signal patterns, compiled into one rule set.
pub struct SignalSet {
    rules: RuleSet,
    /// For each rule: its signal.
    owner: Vec<Signal>,
    /// For each rule: the pattern, for the explanation.
    patterns: Vec<String>,
}

impl SignalSet {
    pub fn new(
        signals: &[(String, Vec<String>)],
    ) -> Result<SignalSet, Box<regex_automata::meta::BuildError>> {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        for (name, list) in signals {
            // The pack loader accepts only known names.
            let Some(s) = Signal::from_name(name) else {
                continue;
            };
            for p in list {
                patterns.push(p.clone());
                owner.push(s);
            }
        }
        Ok(SignalSet {
            rules: RuleSet::new(&patterns)?,
            owner,
            patterns,
        })
    }

    /// The signals of a message: `folded` is its normalised text, `raw` the text as written. The
    /// second value is the first security pattern that matched, for the explanation.
    pub fn detect(&self, folded: &str, raw: &str) -> (Signals, Option<&str>) {
        let mut out = Signals::default();
        let mut security = None;
        if !self.owner.is_empty() {
            for r in self.rules.matches(folded.as_bytes()) {
                out.add(self.owner[r]);
                if self.owner[r] == Signal::Security && security.is_none() {
                    security = Some(self.patterns[r].as_str());
                }
            }
        }
        if shouting(raw) {
            out.add(Signal::Frustrated);
        }
        (out, security)
    }
}

/// Three exclamation marks in a row, or a message of at least a few words written in capitals.
fn shouting(raw: &str) -> bool {
    if raw.contains("!!!") {
        return true;
    }
    let (mut upper, mut lower) = (0usize, 0usize);
    for c in raw.chars() {
        if c.is_uppercase() {
            upper += 1;
        } else if c.is_lowercase() {
            lower += 1;
        }
    }
    upper >= 12 && upper >= 4 * lower
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shouting_needs_several_capital_words_or_three_marks() {
        assert!(shouting("WHY IS NOTHING WORKING"));
        assert!(shouting("help!!!"));
        assert!(!shouting("VPN down"));
        assert!(!shouting("SAP and VPN and MFA"));
        assert!(!shouting("help!"));
    }
}
