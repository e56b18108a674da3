//! Security awareness at the desk: phishing reports made from a platform's message shortcut,
//! and the security tips posted on the `[security]` schedule by the desk's one timer that belongs
//! to no ticket (`Timer::SECURITY_TIP`, kind `security_tip`). A phishing report typed to the bot
//! is an ordinary conversation (`user.rs`, intent `phishing_report`).
//!
//! The tips' timer carries no ticket (`ticket` is empty): its firing is logged in the bot's log
//! (`BotEvent::SecurityTipPosted`) instead of a ticket's, and it is re-armed in the turn of its
//! firing. Which tip comes next is kept on the timer itself (`about = "tip N"`), so rotating
//! through the pack's tips needs no other record.

use super::event::{Address, Quoted};
use super::log::BotEvent;
use super::redact::redact;
use super::texts::{Text, text};
use super::user::{PHISHING, detection_of};
use super::{Action, Cx, DeskError};
use crate::clocks::timer::{Timer, TimerKind, TimerWrite};
use crate::tickets::{Line, UserRef};

/// Who the desk's own log records are about.
const DESK: &str = "desk";

/// The `about` of the tips' timer: the index of the tip it posts.
fn tip_about(index: usize) -> String {
    format!("tip {index}")
}

fn tip_index(about: &str) -> usize {
    about
        .strip_prefix("tip ")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl Cx<'_> {
    /// A message reported as phishing by `user` from a platform (a shortcut on it): a phishing
    /// report of theirs in the security queue, the reported text (redacted) in its transcript
    /// under its author's name, and the safe first answer in their language.
    pub(super) fn phishing_report(
        &mut self,
        user: &UserRef,
        how: &str,
        reported: &[Quoted],
        reply_to: Option<Address>,
    ) -> Result<(), DeskError> {
        let mut c = self.conversation(user, reply_to)?;
        let quoted: Vec<(String, String)> = reported
            .iter()
            .filter(|m| !m.text.trim().is_empty())
            .map(|m| (m.name.clone(), redact(&m.text)))
            .collect();
        if quoted.is_empty() {
            let lang = self.reporter_language(&c.language, "");
            self.notify(user, text(&lang, Text::NothingToTicket));
            return Ok(());
        }
        let all: Vec<&str> = quoted.iter().map(|(_, t)| t.as_str()).collect();
        let d = self.decide(&all.join("\n"));
        // The reporter's language when the bot knows it; else the reported message's.
        c.language = self.reporter_language(&c.language, &d.language);
        for (name, said) in &quoted {
            c.push_line(Line {
                at_ms: self.now,
                from: format!("other:{name}"),
                text: said.clone(),
            });
        }
        let pack = self.desk.triage.pack();
        let mut detection = detection_of(&d);
        detection.intent = PHISHING.to_string();
        detection.language = c.language.clone();
        detection.why = format!("reported as phishing with {how}; the message: {}", d.why);
        if let Some(i) = pack.intent(PHISHING) {
            detection.priority = Some(i.priority);
            detection.priority_reason = format!("a suspicious message reported with {how}");
            detection.signals.clear();
            detection.faq_offered.clear();
            if let Some(reply) = i.reply.get(&c.language) {
                self.reply(user, &c, reply.clone());
            }
        }
        let first = quoted[0].1.lines().next().unwrap_or("").trim().to_string();
        let subject = format!("Reported message from {}: {first}", quoted[0].0);
        self.open_ticket(user, &mut c, detection, &subject, vec![])?;
        self.save(user, c);
        Ok(())
    }

    fn reporter_language(&self, known: &str, guessed: &str) -> String {
        let pack = self.desk.triage.pack();
        [known, guessed]
            .into_iter()
            .find(|l| pack.languages.iter().any(|x| x == l))
            .map(str::to_string)
            .unwrap_or_else(|| pack.default_language.clone())
    }

    /// The tips' timer as the configuration wants it: set for the next slot when tips are on and
    /// none is pending (or the pending one belongs to a schedule since changed: a time further
    /// than one period ahead), removed when they are off.
    pub(super) fn schedule_desk_timers(&mut self) -> Result<(), DeskError> {
        self.schedule_retention()?;
        let pending = self.desk.store.timer(Timer::SECURITY_TIP)?;
        let config = &self.desk.config;
        let Some(tips) = &config.security.tips else {
            if pending.is_some() {
                self.turn
                    .timers
                    .push(TimerWrite::Cancel(Timer::SECURITY_TIP.into()));
            }
            return Ok(());
        };
        let cal = config.tips_calendar();
        let Some(first) = tips.first(&cal, self.now) else {
            return Ok(());
        };
        // A pending tip stands unless the schedule moved past it (fewer days between tips): it
        // may be one period after the next slot (the tip at that slot was fired ahead, by
        // `timers fire --until`), never later. Counted from the slot, not from now: after the
        // day's slot has passed, "a period from now" ends before the tip after tomorrow's.
        let horizon = cal
            .next_at(first, tips.at_minute, tips.every_days)
            .unwrap_or(first);
        if let Some(p) = &pending
            && p.due_ms <= horizon
        {
            return Ok(());
        }
        let about = pending
            .as_ref()
            .map(|p| p.about.clone())
            .unwrap_or_else(|| tip_about(0));
        self.turn.timers.push(TimerWrite::Set(Timer {
            id: Timer::SECURITY_TIP.into(),
            ticket: String::new(),
            kind: TimerKind::SecurityTip,
            about,
            due_ms: first,
        }));
        Ok(())
    }

    /// The tips' timer fired (already removed by the caller's turn): the tip it names is posted
    /// in the configured channel and the timer set for the next one. With tips off nothing is
    /// posted and nothing re-armed.
    pub(super) fn security_tip(&mut self, timer: &Timer) -> Result<(), DeskError> {
        let config = &self.desk.config;
        let Some(tips) = &config.security.tips else {
            return Ok(());
        };
        let pack = self.desk.triage.pack();
        if pack.tips.is_empty() {
            return Ok(());
        }
        let index = tip_index(&timer.about) % pack.tips.len();
        let lang = tips
            .language
            .clone()
            .unwrap_or_else(|| pack.default_language.clone());
        let tip = &pack.tips[index];
        let said = tip
            .get(&lang)
            .or_else(|| tip.get(&pack.default_language))
            .cloned()
            .unwrap_or_default();
        self.turn.say(Action::Post {
            platform: tips.platform,
            channel: tips.channel.clone(),
            text: said,
            attachment: None,
        });
        self.turn.note(
            DESK,
            BotEvent::SecurityTipPosted {
                timer: timer.id.clone(),
                tip: index,
                channel: format!("{}:{}", tips.platform, tips.channel),
            },
        );
        let cal = config.tips_calendar();
        if let Some(next) = tips.after(&cal, timer.due_ms, self.now) {
            self.turn.timers.push(TimerWrite::Set(Timer {
                about: tip_about((index + 1) % pack.tips.len()),
                due_ms: next,
                ..timer.clone()
            }));
        }
        Ok(())
    }
}
