//! A user's side of the desk: each message moves their conversation along (FAQ offered, follow-up
//! questions, a question the bot asked, an open ticket, a rating) and is recorded in the turn with
//! what the bot said.
//!
//! Every message is read in three steps: the answer to what the bot asked, if it is one (yes/no,
//! a number from a list, "same"/"new"); else a command that works anywhere ("human", "cancel",
//! "close my ticket", "thanks"); else triage, which decides between the conversation's ticket and
//! something new. Nothing a user writes is stored before it is redacted.

use super::action::{Action, TicketLine};
use super::conversation::{Conversation, Step};
use super::event::{Address, Choice, Quoted};
use super::log::BotEvent;
use super::redact::redact;
use super::texts::{Text, fill, status_name, text};
use super::words::{self, Command};
use super::{Cx, DeskError, links};
use crate::pack::Priority;
use crate::tickets::{Actor, Change, Detection, Line, Status, Ticket, Tier, UserRef};
use crate::triage::{Decision, NextAction};

/// Intents that are talk about the desk, not problems: they never ask "this ticket or new?".
const CONVERSATIONAL: &[&str] = &[
    "greeting",
    "thanks",
    "support_hours",
    "ticket_status",
    "human_agent",
    "data_privacy",
    super::stats::MONTHLY,
];

/// The intent of security reports: never attached to another ticket, never out of scope.
const SECURITY: &str = "security_incident";

/// The intent of reports of suspicious messages: a ticket of its own in the security queue
/// (never attached to an unrelated ticket); what follows it that looks like the reported message
/// (pasted or forwarded) is added to it.
pub(super) const PHISHING: &str = "phishing_report";

/// A message that looks like another message pasted or forwarded: several lines, mail headers,
/// or a link.
fn looks_pasted(said: &str) -> bool {
    let folded = crate::triage::normalize::normalize(said).text;
    said.lines().filter(|l| !l.trim().is_empty()).count() >= 3
        || folded.contains("http")
        || folded.contains("www.")
        || ["from:", "subject:", "od:", "temat:", "fw:", "fwd:", "pd:"]
            .iter()
            .any(|h| folded.contains(h))
}

/// One priority step more urgent.
fn raised(p: Priority) -> Priority {
    match p {
        Priority::P4 => Priority::P3,
        Priority::P3 => Priority::P2,
        _ => Priority::P1,
    }
}

/// What triage saw that a person would call impact.
fn has_signal(d: &Detection, name: &str) -> bool {
    d.signals.iter().any(|s| s == name)
}

/// A follow-up question the user's first message already answers: the answer is in it.
fn already_answered(question: &str, original: &str) -> bool {
    use std::sync::LazyLock;
    static PATTERNS: LazyLock<Vec<(&'static str, regex::Regex)>> = LazyLock::new(|| {
        let r = |q: &'static str, p: &str| (q, regex::Regex::new(p).expect("valid"));
        vec![
            r(
                "since_when",
                r"\b(today|yesterday|this morning|since|for (a|an|two|three|\d+) (hour|day|week)s?|last (week|night)|dzis|dzisiaj|wczoraj|od (rana|wczoraj|poniedzialku|wtorku|srody|czwartku|piatku|tygodnia|kilku|\d+)|rano)\b",
            ),
            r(
                "when",
                r"\b(today|yesterday|this morning|since|last (week|night)|dzis|dzisiaj|wczoraj|od (rana|wczoraj)|rano)\b",
            ),
            r(
                "error",
                r#"\b(error|errors|code|says|message|blad\w*|komunikat\w*|kod|pisze|wyskakuje)\b|0x[0-9a-f]{4,}|"[^"]{4,}""#,
            ),
            r(
                "device",
                r"\b(laptop\w*|desktop|pc|computer|komputer\w*|macbook|mac|iphone|android|phone|telefon\w*|tablet\w*|ipad)\b",
            ),
            r(
                "location",
                r"\b(floor|room|building|office|pietro|pietrze|pokoj\w*|sala|sali|budynek|budynku|biuro|biurze)\b|\b\d+(st|nd|rd|th)\b",
            ),
            r(
                "printer",
                r"\b(hp|canon|xerox|ricoh|brother|kyocera|konica|lexmark|epson)\b|\b(printer|drukark\w*)\s+(on|at|in|na|w|przy)\b|\bprn[-_ ]?\w+",
            ),
        ]
    });
    let folded = crate::triage::normalize::normalize(original).text;
    PATTERNS
        .iter()
        .any(|(q, re)| *q == question && re.is_match(&folded))
}

impl Cx<'_> {
    /// Loads the user's conversation and points it at the address the event came from.
    pub(super) fn conversation(
        &mut self,
        user: &UserRef,
        reply_to: Option<Address>,
    ) -> Result<Conversation, DeskError> {
        let mut c = self.desk.load(user)?;
        if let Some(a) = reply_to {
            if let Some(thread) = &a.thread {
                self.turn.links.push((
                    links::thread(user.platform, thread),
                    format!("user:{}", user.key()),
                ));
            }
            c.address = a;
        }
        // Stores from before conversations kept their ticket apart from their step.
        match std::mem::take(&mut c.step) {
            Step::InTicket { ticket } | Step::Csat { ticket } => c.ticket = Some(ticket),
            other => c.step = other,
        }
        Ok(c)
    }

    pub(super) fn language_or_default(&self, c: &Conversation) -> String {
        if c.language.is_empty() {
            self.desk.triage.pack().default_language.clone()
        } else {
            c.language.clone()
        }
    }

    /// Says `t` (a desk sentence) in the conversation's language.
    fn say(&mut self, user: &UserRef, c: &Conversation, t: Text, vars: &[(&str, &str)]) {
        let lang = self.language_or_default(c);
        self.reply(user, c, fill(text(&lang, t), vars));
    }

    fn bot_line(&mut self, c: &mut Conversation, said: &str) {
        c.push_line(Line {
            at_ms: self.now,
            from: "bot".into(),
            text: said.to_string(),
        });
    }

    pub(super) fn user_message(
        &mut self,
        user: &UserRef,
        reply_to: Option<Address>,
        raw: &str,
    ) -> Result<(), DeskError> {
        let mut c = self.conversation(user, reply_to)?;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            self.say(user, &c, Text::EmptyMessage, &[]);
            self.acknowledged(user, "empty message");
            self.save(user, c);
            return Ok(());
        }
        // Only the start of a huge paste is kept in the conversation; triage cuts it too.
        let (kept, _) =
            crate::triage::normalize::truncate(trimmed, crate::triage::normalize::MAX_INPUT_BYTES);
        // Secrets go no further than this line: everything below reads the redacted text.
        let said = redact(kept);
        // `faq <article-id>` says nothing about the user's language.
        // Nor does a suspicious message pasted after reporting it: its language is its sender's.
        let pasted_report = !c.language.is_empty()
            && looks_pasted(&said)
            && match &c.ticket {
                Some(id) => self
                    .ticket(id)?
                    .is_some_and(|t| t.status.is_open() && t.detection.intent == PHISHING),
                None => false,
            };
        if !said.trim_start().to_lowercase().starts_with("faq") && !pasted_report {
            let language = self.decide(&said);
            adopt_language(&mut c, &language, &said);
        }
        c.push_line(Line {
            at_ms: self.now,
            from: "user".into(),
            text: said.clone(),
        });
        let step = std::mem::take(&mut c.step);
        match step {
            Step::FollowUp {
                detection,
                original,
                answers,
            } => self.follow_up_answer(user, &mut c, detection, original, answers, &said)?,
            Step::Describe { person } => self.described(user, &mut c, person, &said)?,
            step => match read_answer(&step, &said) {
                Some(choice) => {
                    if let Err(step) = self.answered(user, &mut c, step, choice)? {
                        c.step = step;
                    }
                }
                // An answer to a proposed visit (visits.rs); anything else goes on as usual.
                None if self.visit_words(user, &mut c, &said)? => c.step = step,
                None if !matches!(step, Step::Idle) && is_cancel(&said) => {
                    self.say(user, &c, Text::Cancelled, &[]);
                    self.acknowledged(user, "question cancelled");
                }
                None => self.general(user, &mut c, &said)?,
            },
        }
        self.save(user, c);
        Ok(())
    }

    /// A button the bot offered: the choice itself, not words to parse again.
    pub(super) fn user_choice(
        &mut self,
        user: &UserRef,
        reply_to: Option<Address>,
        choice: Choice,
    ) -> Result<(), DeskError> {
        let mut c = self.conversation(user, reply_to)?;
        let lang = self.language_or_default(&c);
        c.push_line(Line {
            at_ms: self.now,
            from: "user".into(),
            text: format!("[{}]", choice.label(&lang)),
        });
        let step = std::mem::take(&mut c.step);
        if let Err(step) = self.answered(user, &mut c, step, choice)? {
            // A button from an earlier answer: nothing is waiting for it any more.
            c.step = step;
            self.say(user, &c, Text::StaleButton, &[]);
            self.acknowledged(user, "stale button");
        }
        self.save(user, c);
        Ok(())
    }

    /// The user's answer to what the bot asked. `Err(step)` gives the step back when the choice
    /// answers nothing that is pending.
    fn answered(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        step: Step,
        choice: Choice,
    ) -> Result<Result<(), Step>, DeskError> {
        match (step, choice) {
            (Step::FaqOffered { detection, .. }, Choice::Solved | Choice::Yes) => {
                self.faq_helped(user, c, &detection)
            }
            (
                Step::FaqOffered {
                    detection,
                    original,
                },
                Choice::StillNeedHelp | Choice::No,
            ) => self.faq_did_not_help(user, c, detection, original)?,
            (
                Step::FaqOffered {
                    mut detection,
                    original,
                },
                Choice::Person,
            ) => {
                self.note_faq(user, &detection, false);
                detection.faq_helped = Some(false);
                self.open_ticket(user, c, detection, &original, vec![])?;
            }
            (
                Step::TicketOrNew {
                    ticket, original, ..
                },
                Choice::SameTicket | Choice::Yes,
            ) => {
                self.add_to_ticket(user, c, &ticket, &original)?;
            }
            (
                Step::TicketOrNew {
                    detection,
                    original,
                    ..
                },
                Choice::NewProblem | Choice::No,
            ) => {
                c.ticket = None;
                self.with_intent(user, c, detection, &original)?;
            }
            (
                Step::Clarify {
                    candidates,
                    mut detection,
                    original,
                },
                Choice::Pick(n),
            ) if (1..=candidates.len()).contains(&(n as usize)) => {
                detection.intent = candidates[n as usize - 1].clone();
                detection.why = format!("{} (the user chose it)", detection.why);
                self.with_intent(user, c, detection, &original)?;
            }
            (Step::ConfirmClose { ticket }, Choice::Yes) => self.close_ticket(user, c, &ticket)?,
            (Step::ConfirmClose { ticket }, Choice::No) => {
                self.say(user, c, Text::KeptOpen, &[("id", &ticket)]);
                self.acknowledged(user, "close declined");
            }
            (Step::ChooseTicket { tickets }, Choice::Pick(n))
                if (1..=tickets.len()).contains(&(n as usize)) =>
            {
                let id = tickets[n as usize - 1].clone();
                self.confirm_close(user, c, &id)?;
            }
            (Step::ConfirmErase, Choice::Yes) => self.erase_me(user, c)?,
            (Step::ConfirmErase, Choice::No) => {
                self.say(user, c, Text::PrivacyKept, &[]);
                self.acknowledged(user, "erasure declined");
            }
            (Step::ConfirmReopen { ticket }, Choice::Yes) => self.reopen(user, c, &ticket)?,
            (Step::ConfirmReopen { .. }, Choice::No) => {
                self.say(user, c, Text::NotReopened, &[]);
                self.acknowledged(user, "reopen declined");
            }
            (Step::FaqListed { articles }, Choice::Pick(n))
                if (1..=articles.len()).contains(&(n as usize)) =>
            {
                let id = articles[n as usize - 1].clone();
                self.show_article(user, c, &id);
            }
            (_, Choice::Person) => self.human(user, c, None)?,
            // Answers to a proposed visit stand apart from what the conversation asked.
            (step, choice @ (Choice::VisitConfirm { .. } | Choice::VisitAnotherTime { .. })) => {
                c.step = step;
                self.visit_choice(user, c, choice)?;
            }
            (step, Choice::Rate(n)) => match self.finished_focus(user, c)? {
                Some(t) if t.status == Status::Resolved && t.rating.is_none() => {
                    c.step = step;
                    let rating = words::Rating {
                        score: n.clamp(1, 5),
                        comment: None,
                    };
                    self.rate(user, c, &t, rating)?;
                }
                Some(t) if t.rating.is_some() => {
                    c.step = step;
                    self.say(user, c, Text::AlreadyRated, &[("id", &t.id)]);
                }
                _ => return Ok(Err(step)),
            },
            (step, _) => return Ok(Err(step)),
        }
        Ok(Ok(()))
    }

    /// A message that answers nothing the bot asked.
    fn general(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        said: &str,
    ) -> Result<(), DeskError> {
        // About the conversation's ticket once it is finished: a rating, or a complaint.
        if let Some(t) = self.finished_focus(user, c)? {
            if t.status == Status::Resolved
                && t.rating.is_none()
                && let Some(r) = words::rating(said)
            {
                return self.rate(user, c, &t, r);
            }
            let complaint = words::command(said).is_none()
                && (words::yes_no(said) == Some(false)
                    || self.decide(said).intent == t.detection.intent);
            if complaint {
                self.bot_line(c, &format!("offered to reopen {}", t.id));
                c.step = Step::ConfirmReopen {
                    ticket: t.id.clone(),
                };
                self.reply_with(
                    user,
                    c,
                    fill(
                        text(&self.language_or_default(c), Text::OfferReopen),
                        &[("id", &t.id)],
                    ),
                    vec![Choice::Yes, Choice::No],
                );
                return Ok(());
            }
        }
        if let Some(cmd) = words::command(said) {
            match cmd {
                Command::Human => return self.human(user, c, Some(said)),
                Command::Cancel => {
                    self.say(user, c, Text::NothingToCancel, &[]);
                    self.acknowledged(user, "nothing to cancel");
                    return Ok(());
                }
                Command::CloseTicket => return self.close_request(user, c, said),
                Command::NewProblem => {
                    c.step = Step::Describe { person: false };
                    self.say(user, c, Text::NewProblemWhat, &[]);
                    self.acknowledged(user, "new problem announced");
                    return Ok(());
                }
                Command::Reopen => return self.reopen_request(user, c),
                Command::Thanks => return self.thanks(user, c),
                Command::Status => {
                    let lang = self.language_or_default(c);
                    return self.ticket_status(user, c, said, &lang);
                }
                Command::Greeting | Command::Skip => {}
            }
        }
        let lower = said.trim().to_lowercase();
        if let Some(rest) = lower
            .strip_prefix("faq")
            .filter(|r| r.starts_with(' ') || r.is_empty())
        {
            return self.faq_command(user, c, rest.trim());
        }
        let d = self.decide(said);
        let language_before = c.language.clone();
        adopt_language(c, &d, said);
        let detection = detection_of(&d);
        // "yes", "ok", "no" with nothing pending: acknowledged, not filed.
        let bare_no = ["no", "nie", "nope", "n"].contains(
            &crate::triage::normalize::normalize(said)
                .text
                .trim_end_matches(['.', '!'])
                .trim(),
        );
        if (words::yes_no(said) == Some(true) && said.split_whitespace().count() <= 3)
            || bare_no
            || is_acknowledgement(said)
        {
            return self.acknowledge_short(user, c);
        }
        let mine = self.my_tickets(user)?;
        // A ticket the user names gets the message (their own, open).
        if let Some(id) = words::ticket_id(said)
            && d.intent != "ticket_status"
            && let Some(t) = mine.iter().find(|t| t.id == id && t.status.is_open())
        {
            let id = t.id.clone();
            return self.add_to_ticket(user, c, &id, said);
        }
        let open: Vec<&Ticket> = mine.iter().filter(|t| t.status.is_open()).collect();
        let current = c
            .ticket
            .as_ref()
            .and_then(|id| open.iter().find(|t| &t.id == id))
            .or(open.first())
            .map(|t| (*t).clone());
        // The message a phishing report is about, pasted after it: part of that report.
        if let Some(t) = &current
            && t.detection.intent == PHISHING
            && d.intent != SECURITY
            && looks_pasted(said)
        {
            // The pasted message's language is its sender's, not the person's.
            if !language_before.is_empty() {
                c.language = language_before;
            }
            let id = t.id.clone();
            return self.add_to_ticket(user, c, &id, said);
        }
        // "I already clicked it" after a phishing report: an incident of its own, which says so.
        let mut detection = detection;
        if d.intent == SECURITY
            && let Some(t) = current.as_ref().filter(|t| t.detection.intent == PHISHING)
        {
            detection.why = format!("after phishing report {}; {}", t.id, detection.why);
        }
        // A security report is never folded into an unrelated ticket; more about an open
        // security ticket ("the sender was ...") may belong to it: the person is asked.
        if let Some(t) = current
            && (d.intent != SECURITY || t.detection.intent == SECURITY)
            && !(d.intent == PHISHING && t.detection.intent != PHISHING)
            && !CONVERSATIONAL.contains(&d.intent.as_str())
            // "How many hours do we have left?" is a question, whatever ticket is open.
            && (d.intent != super::balance::BALANCE || super::balance::wants_person(said))
        {
            if has_signal(&detection, "frustrated") {
                return self.frustrated_on_ticket(user, c, &t, said);
            }
            // An answer to the agent (who asked, or spoke last) belongs to the ticket too.
            let agent_spoke_last = t.status == Status::WaitingOnUser
                || t.transcript
                    .last()
                    .is_some_and(|l| l.from.starts_with("agent:"));
            // Two security reports may be two incidents (a phishing mail, then a stolen
            // laptop): asked, not guessed.
            if d.is_out_of_scope()
                || (d.intent == t.detection.intent && d.intent != SECURITY)
                || t.incident.is_some()
                || agent_spoke_last
            {
                return self.add_to_ticket(user, c, &t.id, said);
            }
            // Something that looks like a different problem: ask rather than guess.
            self.bot_line(c, &format!("asked: {} or something new?", t.id));
            c.step = Step::TicketOrNew {
                ticket: t.id.clone(),
                detection,
                original: said.to_string(),
            };
            let lang = self.language_or_default(c);
            self.reply_with(
                user,
                c,
                fill(
                    text(&lang, Text::TicketOrNew),
                    &[("id", &t.id), ("subject", &t.subject)],
                ),
                vec![Choice::SameTicket, Choice::NewProblem],
            );
            self.acknowledged(user, "asked: this ticket or something new");
            return Ok(());
        }
        if d.intent == "human_agent" && !open.is_empty() {
            // A person is what the open ticket already has coming: they are told so.
            return self.human(user, c, Some(said));
        }
        if d.intent == "human_agent" && !has_signal(&detection, "frustrated") {
            // "I need a person about my laptop": the message says what it is about.
            return self.open_for_person(user, c, detection, said);
        }
        self.decided(user, c, &d, detection, said)
    }

    /// A message triage decided, with no ticket to attach it to.
    fn decided(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        d: &Decision,
        detection: Detection,
        said: &str,
    ) -> Result<(), DeskError> {
        let lang = d.language.clone();
        if has_signal(&detection, "frustrated") {
            let mut detection = detection;
            if d.is_out_of_scope() {
                detection.intent = "human_agent".into();
            }
            self.say(user, c, Text::Sorry, &[]);
            return self.open_ticket(user, c, detection, said, vec![]);
        }
        let candidates = clarify_candidates(d);
        if candidates.len() >= 2 {
            let pack = self.desk.triage.pack();
            let title = |id: &str| intent_title(pack, id, &lang);
            let (a, b) = (title(&candidates[0]), title(&candidates[1]));
            self.bot_line(c, &format!("asked: {a} or {b}?"));
            c.step = Step::Clarify {
                candidates: candidates.clone(),
                detection,
                original: said.to_string(),
            };
            self.reply_with(
                user,
                c,
                fill(text(&lang, Text::Clarify), &[("a", &a), ("b", &b)]),
                vec![Choice::Pick(1), Choice::Pick(2)],
            );
            self.acknowledged(user, "asked which of two intents");
            return Ok(());
        }
        if d.action == NextAction::Fallback {
            if is_vague(said) {
                // "it doesn't work": a problem, just not said which.
                c.step = Step::Describe { person: false };
                self.say(user, c, Text::VagueProblem, &[]);
                self.acknowledged(user, "asked what does not work");
                return Ok(());
            }
            return self.not_understood(user, c, d);
        }
        match d.intent.as_str() {
            "ticket_status" => self.ticket_status(user, c, said, &lang),
            "data_privacy" => self.privacy_offer(user, c),
            "support_hours" => {
                self.hours(user, c, &lang);
                Ok(())
            }
            super::balance::BALANCE if !super::balance::wants_person(said) => {
                self.hours_balance(user, c, said, &lang)
            }
            super::stats::MONTHLY => self.monthly_summary(user, c, said, &lang),
            _ => self.with_intent(user, c, detection, said),
        }
    }

    /// Goes on with a message whose intent is settled (by triage, or by the user's choice).
    fn with_intent(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        detection: Detection,
        said: &str,
    ) -> Result<(), DeskError> {
        let pack = self.desk.triage.pack();
        let lang = self.language_or_default(c);
        let Some(intent) = pack.intent(&detection.intent) else {
            let d = self.decide(said);
            return self.not_understood(user, c, &d);
        };
        let reply_text = intent.reply.get(&lang).cloned().unwrap_or_default();
        if intent.id == "support_hours" {
            self.hours(user, c, &lang);
            return Ok(());
        }
        if intent.id == "human_agent" {
            return self.open_for_person(user, c, detection, said);
        }
        // The balance is answered from the account; buying hours or a report goes on below to
        // a person (the intent's `escalate`).
        if intent.id == super::balance::BALANCE && !super::balance::wants_person(said) {
            return self.hours_balance(user, c, said, &lang);
        }
        if intent.id == "ticket_status" {
            return self.ticket_status(user, c, said, &lang);
        }
        if intent.id == super::stats::MONTHLY {
            return self.monthly_summary(user, c, said, &lang);
        }
        if intent.id == "data_privacy" {
            return self.privacy_offer(user, c);
        }
        if intent.id == "thanks" {
            return self.thanks(user, c);
        }
        match intent.action {
            crate::pack::Action::Escalate
                if intent.id == "outage" && !has_signal(&detection, "many_people") =>
            {
                // One person's "it doesn't work" is not an outage: what is it, then?
                if is_vague(said) {
                    c.step = Step::Describe { person: false };
                    self.say(user, c, Text::VagueProblem, &[]);
                    self.acknowledged(user, "asked what does not work");
                    return Ok(());
                }
                if self.known_incident(&detection, user)?.is_none() {
                    self.say(user, c, Text::OneUserOutage, &[]);
                }
                self.open_ticket(user, c, detection, said, vec![])
            }
            crate::pack::Action::Escalate => {
                // The intent's own words say it is passed on; the ticket line follows.
                if !reply_text.is_empty() && self.known_incident(&detection, user)?.is_none() {
                    self.reply(user, c, reply_text);
                }
                self.open_ticket(user, c, detection, said, vec![])
            }
            crate::pack::Action::Answer if !intent.faq.is_empty() => {
                let best = self.best_article(said, &intent.faq, &lang);
                match best {
                    Some(article) => {
                        self.offer_faq(user, c, reply_text, detection, said, &article);
                        Ok(())
                    }
                    None => self.start_follow_up(user, c, detection, said.to_string(), None),
                }
            }
            crate::pack::Action::Answer if intent.follow_up.is_empty() => {
                // Conversational intents (greeting, thanks): the reply is the answer.
                c.transcript.clear();
                self.turn.note(
                    &user.key(),
                    BotEvent::Answered {
                        intent: intent.id.clone(),
                    },
                );
                self.reply(user, c, reply_text);
                Ok(())
            }
            _ => {
                let intro = (!reply_text.is_empty()).then_some(reply_text);
                self.start_follow_up(user, c, detection, said.to_string(), intro)
            }
        }
    }

    /// The article to offer for a message of an intent: the best FAQ match among the intent's
    /// articles, else the intent's first.
    fn best_article(&self, said: &str, articles: &[String], lang: &str) -> Option<String> {
        let triage = &self.desk.triage;
        let pack = triage.pack();
        let hits = triage.search_faq(said, Some(lang), 10);
        hits.iter()
            .map(|h| &pack.articles[h.article].id)
            .find(|id| articles.contains(id))
            .or(articles.first())
            .filter(|id| pack.article(id, lang).is_some())
            .cloned()
    }

    fn not_understood(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        d: &Decision,
    ) -> Result<(), DeskError> {
        let lang = d.language.clone();
        let mut t = text(&lang, Text::NotUnderstood).to_string();
        let articles: Vec<String> = d.faq.iter().map(|f| f.id.clone()).collect();
        if !d.faq.is_empty() {
            t.push_str("\n\n");
            t.push_str(text(&lang, Text::FaqSuggestions));
            for (i, f) in d.faq.iter().enumerate() {
                t.push_str(&format!("\n{}. {}", i + 1, f.title));
            }
            c.step = Step::FaqListed {
                articles: articles.clone(),
            };
        }
        self.turn.note(
            &user.key(),
            BotEvent::OutOfScope {
                suggested: articles.clone(),
            },
        );
        let buttons = (1..=articles.len() as u8).map(Choice::Pick).collect();
        self.reply_with(user, c, t, buttons);
        Ok(())
    }

    /// The support hours from configuration: at most three sentences.
    fn hours(&mut self, user: &UserRef, c: &mut Conversation, lang: &str) {
        let support = &self.desk.config.support;
        let mut t = fill(
            text(lang, Text::Hours),
            &[("hours", support.hours.get(lang))],
        );
        if let Some(u) = &support.urgent {
            t.push(' ');
            t.push_str(u.get(lang));
        }
        t.push(' ');
        t.push_str(text(lang, Text::HoursOutside));
        c.transcript.clear();
        self.turn.note(
            &user.key(),
            BotEvent::Answered {
                intent: "support_hours".into(),
            },
        );
        let mut c2 = c.clone();
        c2.language = lang.to_string();
        self.reply(user, &c2, t);
    }

    fn note_faq(&mut self, user: &UserRef, detection: &Detection, helped: bool) {
        self.turn.note(
            &user.key(),
            BotEvent::FaqAnswered {
                article: detection.faq_offered.first().cloned().unwrap_or_default(),
                helped,
                intent: detection.intent.clone(),
            },
        );
    }

    fn faq_helped(&mut self, user: &UserRef, c: &mut Conversation, detection: &Detection) {
        self.note_faq(user, detection, true);
        self.say(user, c, Text::GladItHelped, &[]);
        c.transcript.clear();
        c.step = Step::Idle;
    }

    fn faq_did_not_help(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        detection: Detection,
        original: String,
    ) -> Result<(), DeskError> {
        self.note_faq(user, &detection, false);
        let mut d = detection;
        d.faq_helped = Some(false);
        let lang = self.language_or_default(c);
        let has_questions = self.desk.triage.pack().intent(&d.intent).is_some_and(|i| {
            i.follow_up
                .iter()
                .any(|q| !already_answered(&q.id, &original))
        });
        if has_questions {
            let intro = text(&lang, Text::NotSolvedAsk).to_string();
            self.start_follow_up(user, c, d, original, Some(intro))
        } else {
            self.say(user, c, Text::NotSolvedEscalate, &[]);
            self.open_ticket(user, c, d, &original, vec![])
        }
    }

    /// Adds the user's words to one of their open tickets.
    fn add_to_ticket(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        id: &str,
        said: &str,
    ) -> Result<(), DeskError> {
        let Some(t) = self.ticket(id)?.filter(|t| t.status.is_open()) else {
            // Closed in the meantime: the message is something new.
            c.ticket = None;
            let d = self.decide(said);
            let detection = detection_of(&d);
            return self.decided(user, c, &d, detection, said);
        };
        let target = t.incident.clone().unwrap_or_else(|| t.id.clone());
        let t = self.change(
            &t,
            Actor::User(user.key()),
            Change::UserReplied {
                text: said.to_string(),
            },
        )?;
        c.ticket = Some(t.id.clone());
        if target == t.id {
            self.card_update(&t)?;
            self.tell_assignee(&t, &format!("[{}] {}: {said}", t.id, user.name))?;
        } else if let Some(inc) = self.ticket(&target)? {
            // A report linked to an incident: the incident's agent hears it.
            self.tell_assignee(
                &inc,
                &format!("[{} via {}] {}: {said}", inc.id, t.id, user.name),
            )?;
        }
        c.transcript.clear();
        self.say(user, c, Text::SentToAgent, &[("id", &t.id)]);
        Ok(())
    }

    /// "Third time I'm writing and nobody helps" about an open ticket: apologise, add it, and
    /// raise the ticket's priority one step.
    fn frustrated_on_ticket(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        t: &Ticket,
        said: &str,
    ) -> Result<(), DeskError> {
        let mut t = self.change(
            t,
            Actor::User(user.key()),
            Change::UserReplied {
                text: said.to_string(),
            },
        )?;
        if t.priority != Priority::P1 {
            t = self.change(
                &t,
                Actor::Bot,
                Change::PriorityChanged {
                    priority: raised(t.priority),
                    reason: "the requester is frustrated".into(),
                },
            )?;
        }
        c.ticket = Some(t.id.clone());
        self.card_update(&t)?;
        self.tell_assignee(
            &t,
            &format!(
                "[{}] {} (frustrated, now {}): {said}",
                t.id, user.name, t.priority
            ),
        )?;
        let lang = self.language_or_default(c);
        self.reply(
            user,
            c,
            format!(
                "{} {}",
                text(&lang, Text::Sorry),
                fill(text(&lang, Text::SentToAgent), &[("id", &t.id)])
            ),
        );
        Ok(())
    }

    /// Passes something to the ticket's assignee: in the ticket's agent thread when it has one,
    /// else to them directly.
    pub(super) fn tell_assignee(&mut self, t: &Ticket, said: &str) -> Result<(), DeskError> {
        let Some(agent) = self.assignee_ref(t) else {
            return Ok(());
        };
        match self.desk.link(&links::agent_thread(&t.id))? {
            Some(thread) => {
                let interaction = self.interaction_for(&agent);
                self.turn.say(super::Action::Reply {
                    to: agent,
                    address: Address {
                        channel: None,
                        thread: Some(thread),
                    },
                    text: said.to_string(),
                    buttons: vec![],
                    language: String::new(),
                    interaction,
                });
            }
            None => self.notify(&agent, said),
        }
        Ok(())
    }

    /// Where the ticket's assignee is reached: the identity stored on claim, else the configured
    /// agent of that name.
    pub(super) fn assignee_ref(&self, t: &Ticket) -> Option<UserRef> {
        if let Some(u) = &t.assignee_user {
            return Some(u.clone());
        }
        let name = t.assignee.as_ref()?;
        self.desk
            .config
            .agent_named(name)
            .map(super::agent::agent_ref)
    }

    fn follow_up_answer(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        detection: Detection,
        original: String,
        mut answers: Vec<(String, String)>,
        said: &str,
    ) -> Result<(), DeskError> {
        match words::command(said) {
            Some(Command::Cancel) => {
                c.transcript.clear();
                self.say(user, c, Text::FollowUpCancelled, &[]);
                self.acknowledged(user, "follow-up questions cancelled; no ticket");
                return Ok(());
            }
            Some(Command::Human) => {
                return self.open_ticket(user, c, detection, &original, answers);
            }
            Some(Command::Thanks | Command::Greeting) => {
                // Not an answer: the same question again.
                let lang = self.language_or_default(c);
                let intro = text(&lang, Text::Welcome).to_string();
                return self.next_question(user, c, detection, original, answers, Some(intro));
            }
            _ => {}
        }
        let lang = self.language_or_default(c);
        if let Some(q) = self.unanswered(&detection, &original, &answers) {
            let answer = if words::command(said) == Some(Command::Skip) {
                text(&lang, Text::Skipped).to_string()
            } else {
                said.to_string()
            };
            self.turn.note(
                &user.key(),
                BotEvent::FollowUpAnswered {
                    intent: detection.intent.clone(),
                    question: q.id.clone(),
                    answer: answer.clone(),
                },
            );
            answers.push((q.id.clone(), answer));
        }
        self.next_question(user, c, detection, original, answers, None)
    }

    /// The intent's first follow-up question not answered yet, in words or by the first message.
    fn unanswered(
        &self,
        detection: &Detection,
        original: &str,
        answers: &[(String, String)],
    ) -> Option<crate::pack::FollowUp> {
        self.desk
            .triage
            .pack()
            .intent(&detection.intent)?
            .follow_up
            .iter()
            .find(|q| {
                !answers.iter().any(|(id, _)| id == &q.id) && !already_answered(&q.id, original)
            })
            .cloned()
    }

    /// Asks the next question the user has not answered (in words or in their first message),
    /// or opens the ticket once there is none.
    fn next_question(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        detection: Detection,
        original: String,
        answers: Vec<(String, String)>,
        intro: Option<String>,
    ) -> Result<(), DeskError> {
        let lang = self.language_or_default(c);
        let Some(q) = self.unanswered(&detection, &original, &answers) else {
            if let Some(intro) = intro {
                self.reply(user, c, intro);
            }
            return self.open_ticket(user, c, detection, &original, answers);
        };
        let question = q
            .text
            .get(&lang)
            .or_else(|| q.text.values().next())
            .cloned()
            .unwrap_or_default();
        self.turn.note(
            &user.key(),
            BotEvent::FollowUpAsked {
                intent: detection.intent.clone(),
                question: q.id.clone(),
            },
        );
        self.bot_line(c, &question);
        let first = answers.is_empty();
        c.step = Step::FollowUp {
            detection,
            original,
            answers,
        };
        let mut t = String::new();
        if let Some(intro) = intro {
            t.push_str(&intro);
            t.push('\n');
        }
        t.push_str(&question);
        if first {
            t.push(' ');
            t.push_str(text(&lang, Text::QuestionsHint));
        }
        self.reply(user, c, t);
        Ok(())
    }

    fn start_follow_up(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        detection: Detection,
        original: String,
        intro: Option<String>,
    ) -> Result<(), DeskError> {
        let lang = self.language_or_default(c);
        let intro = intro.or_else(|| Some(text(&lang, Text::AskFirst).to_string()));
        self.next_question(user, c, detection, original, vec![], intro)
    }

    fn offer_faq(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        intro: String,
        mut detection: Detection,
        msg: &str,
        article: &str,
    ) {
        let lang = self.language_or_default(c);
        let Some(a) = self.desk.triage.pack().article(article, &lang) else {
            return;
        };
        let (title, body) = (a.title.clone(), a.body.trim().to_string());
        detection.faq_offered = vec![article.to_string()];
        let mut t = String::new();
        if !intro.is_empty() {
            t.push_str(&intro);
            t.push_str("\n\n");
        }
        t.push_str(&format!(
            "**{title}**\n{body}\n\n{}",
            text(&lang, Text::DidThisSolveIt)
        ));
        self.bot_line(c, &format!("FAQ offered: {title} ({article})"));
        self.turn.note(
            &user.key(),
            BotEvent::FaqOffered {
                intent: detection.intent.clone(),
                articles: detection.faq_offered.clone(),
                confidence: detection.confidence,
            },
        );
        c.step = Step::FaqOffered {
            detection,
            original: msg.to_string(),
        };
        self.reply_with(user, c, t, vec![Choice::Solved, Choice::StillNeedHelp]);
    }

    /// `faq`, `faq <words>`, `faq <article id>` or `faq <n>` after a list.
    fn faq_command(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        rest: &str,
    ) -> Result<(), DeskError> {
        let pack = self.desk.triage.pack();
        if pack.articles.iter().any(|a| a.id == rest) {
            self.show_article(user, c, rest);
            return Ok(());
        }
        let lang = if rest.is_empty() {
            self.language_or_default(c)
        } else {
            self.decide(rest).language
        };
        self.faq_search(user, c, rest, &lang);
        Ok(())
    }

    /// A whole article, in the user's language where it is written in it.
    fn show_article(&mut self, user: &UserRef, c: &mut Conversation, id: &str) {
        let lang = self.language_or_default(c);
        let pack = self.desk.triage.pack();
        let Some(a) = pack
            .article(id, &lang)
            .or_else(|| pack.articles.iter().find(|a| a.id == id))
        else {
            self.say(user, c, Text::FaqNothing, &[]);
            return;
        };
        let t = format!("**{}**\n{}", a.title, a.body.trim());
        self.bot_line(c, &format!("FAQ shown: {} ({id})", a.title));
        self.turn.note(
            &user.key(),
            BotEvent::FaqSearched {
                hits: vec![id.to_string()],
            },
        );
        c.step = Step::Idle;
        self.reply(user, c, t);
    }

    fn faq_search(&mut self, user: &UserRef, c: &mut Conversation, query: &str, lang: &str) {
        let hits = self.desk.triage.search_faq(query, Some(lang), 3);
        let pack = self.desk.triage.pack();
        let ids: Vec<String> = hits
            .iter()
            .map(|h| pack.articles[h.article].id.clone())
            .collect();
        c.language = lang.to_string();
        self.turn
            .note(&user.key(), BotEvent::FaqSearched { hits: ids.clone() });
        // The hours are a short answer, not an article list.
        if ids.first().is_some_and(|id| {
            self.desk
                .triage
                .pack()
                .intent("support_hours")
                .is_some_and(|i| i.faq.contains(id))
        }) && self.decide(query).intent == "support_hours"
        {
            self.hours(user, c, lang);
            return;
        }
        if hits.is_empty() {
            self.say(user, c, Text::FaqNothing, &[]);
            return;
        }
        let mut t = String::from(text(lang, Text::FaqSuggestions));
        for (i, h) in hits.iter().enumerate() {
            let a = &pack.articles[h.article];
            t.push_str(&format!("\n{}. {} (faq {})", i + 1, a.title, a.id));
        }
        c.step = Step::FaqListed {
            articles: ids.clone(),
        };
        let buttons = (1..=ids.len() as u8).map(Choice::Pick).collect();
        self.reply_with(user, c, t, buttons);
    }

    pub(super) fn faq_search_request(
        &mut self,
        user: &UserRef,
        reply_to: Option<Address>,
        query: &str,
    ) -> Result<(), DeskError> {
        let mut c = self.conversation(user, reply_to)?;
        let query = redact(query);
        let lang = self.decide(&query).language;
        self.faq_search(user, &mut c, &query, &lang);
        self.save(user, c);
        Ok(())
    }

    pub(super) fn status_request(
        &mut self,
        user: &UserRef,
        reply_to: Option<Address>,
    ) -> Result<(), DeskError> {
        let c = self.conversation(user, reply_to)?;
        let lang = self.language_or_default(&c);
        self.ticket_status(user, &c, "", &lang)
    }

    /// `frontline chat --new`: nothing pending, nothing half-said; the tickets stay.
    pub(super) fn start_fresh(
        &mut self,
        user: &UserRef,
        reply_to: Option<Address>,
    ) -> Result<(), DeskError> {
        let mut c = self.conversation(user, reply_to)?;
        c.step = Step::Idle;
        c.transcript.clear();
        c.ticket = None;
        self.acknowledged(user, "conversation started fresh");
        self.save(user, c);
        Ok(())
    }

    /// The user's tickets, newest first.
    pub(super) fn my_tickets(&self, user: &UserRef) -> Result<Vec<Ticket>, DeskError> {
        let mut mine = self.desk.store.list(&crate::store::Filter {
            requester: Some(user.key()),
            ..Default::default()
        })?;
        // This turn's own writes are newer than the store's.
        for w in &self.turn.tickets {
            if w.ticket.requester.key() == user.key() {
                match mine.iter_mut().find(|t| t.id == w.ticket.id) {
                    Some(t) => *t = w.ticket.clone(),
                    None => mine.push(w.ticket.clone()),
                }
            }
        }
        mine.sort_by_key(|t| std::cmp::Reverse(t.number));
        Ok(mine)
    }

    /// The ticket the conversation is about, as it is now.
    fn focus(&self, c: &Conversation) -> Result<Option<Ticket>, DeskError> {
        match &c.ticket {
            Some(id) => self.ticket(id),
            None => Ok(None),
        }
    }

    /// The finished ticket a rating or a complaint is about: the conversation's ticket once it
    /// is resolved or closed, or, when the conversation is about no ticket, the user's newest
    /// ticket if it finished within the last week.
    fn finished_focus(
        &self,
        user: &UserRef,
        c: &Conversation,
    ) -> Result<Option<Ticket>, DeskError> {
        if c.ticket.is_some() {
            return Ok(self.focus(c)?.filter(|t| !t.status.is_open()));
        }
        const WEEK_MS: u64 = 7 * 24 * 3600 * 1000;
        Ok(self
            .my_tickets(user)?
            .into_iter()
            .next()
            .filter(|t| !t.status.is_open() && t.updated_ms + WEEK_MS >= self.now))
    }

    /// A bare "yes"/"ok"/"no" when nothing is pending.
    fn acknowledge_short(&mut self, user: &UserRef, c: &mut Conversation) -> Result<(), DeskError> {
        match self.focus(c)?.filter(|t| t.status.is_open()) {
            Some(t) => self.say(user, c, Text::StillOpen, &[("id", &t.id)]),
            None => self.say(user, c, Text::HowCanIHelp, &[]),
        }
        self.acknowledged(user, "short answer with nothing pending");
        Ok(())
    }

    /// "human": a person on what the user already said, or a question what it is about.
    fn human(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        said: Option<&str>,
    ) -> Result<(), DeskError> {
        let mine = self.my_tickets(user)?;
        let open = c
            .ticket
            .as_ref()
            .and_then(|id| mine.iter().find(|t| &t.id == id && t.status.is_open()))
            .or_else(|| mine.iter().find(|t| t.status.is_open()))
            .cloned();
        if let Some(t) = open {
            let t = self.change(
                &t,
                Actor::User(user.key()),
                Change::UserReplied {
                    text: said.unwrap_or("(asks for a person)").to_string(),
                },
            )?;
            c.ticket = Some(t.id.clone());
            self.card_update(&t)?;
            self.tell_assignee(
                &t,
                &format!(
                    "[{}] {} asks for a person to reply: {}",
                    t.id,
                    user.name,
                    said.unwrap_or("")
                ),
            )?;
            self.say(user, c, Text::HumanAlready, &[("id", &t.id)]);
            return Ok(());
        }
        // What the user said before asking, in this conversation.
        let earlier: Vec<String> = c
            .transcript
            .iter()
            .rev()
            .skip(1)
            .filter(|l| l.from == "user" && !l.text.starts_with('['))
            .map(|l| l.text.clone())
            .collect();
        match earlier.last() {
            Some(first) => {
                let first = first.clone();
                let d = self.decide(&first);
                let mut detection = detection_of(&d);
                if d.is_out_of_scope() || CONVERSATIONAL.contains(&d.intent.as_str()) {
                    detection.intent = "human_agent".into();
                }
                self.open_ticket(user, c, detection, &first, vec![])
            }
            None => {
                c.step = Step::Describe { person: true };
                self.say(user, c, Text::HumanWhat, &[]);
                self.acknowledged(user, "asked what the request for a person is about");
                Ok(())
            }
        }
    }

    /// The answer to "what is it about?" (after "human" or "new problem").
    fn described(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        person: bool,
        said: &str,
    ) -> Result<(), DeskError> {
        if is_cancel(said) {
            self.say(user, c, Text::Cancelled, &[]);
            self.acknowledged(user, "question cancelled");
            return Ok(());
        }
        let d = self.decide(said);
        adopt_language(c, &d, said);
        let detection = detection_of(&d);
        if person {
            return self.open_for_person(user, c, detection, said);
        }
        c.ticket = None;
        self.decided(user, c, &d, detection, said)
    }

    /// A ticket straight to a person: the message's own intent when it names a problem.
    fn open_for_person(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        mut detection: Detection,
        said: &str,
    ) -> Result<(), DeskError> {
        let pack = self.desk.triage.pack();
        if pack.intent(&detection.intent).is_none()
            || CONVERSATIONAL.contains(&detection.intent.as_str())
        {
            detection.intent = "human_agent".into();
        }
        self.open_ticket(user, c, detection, said, vec![])
    }

    fn close_request(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        said: &str,
    ) -> Result<(), DeskError> {
        let mine = self.my_tickets(user)?;
        let open: Vec<&Ticket> = mine.iter().filter(|t| t.status.is_open()).collect();
        if let Some(id) = words::ticket_id(said) {
            return match open.iter().find(|t| t.id == id) {
                Some(t) => {
                    let id = t.id.clone();
                    self.confirm_close(user, c, &id)
                }
                None => {
                    self.say(user, c, Text::TicketUnknown, &[("id", &id)]);
                    Ok(())
                }
            };
        }
        match open.as_slice() {
            [] => {
                self.say(user, c, Text::NothingToClose, &[]);
                self.acknowledged(user, "nothing to close");
                Ok(())
            }
            [t] => {
                let id = t.id.clone();
                self.confirm_close(user, c, &id)
            }
            many => {
                let lang = self.language_or_default(c);
                let mut t = text(&lang, Text::WhichTicket).to_string();
                for (i, x) in many.iter().enumerate() {
                    t.push_str(&format!("\n{}. {} {}", i + 1, x.id, x.subject));
                }
                let ids: Vec<String> = many.iter().map(|t| t.id.clone()).collect();
                let buttons = (1..=ids.len().min(9) as u8).map(Choice::Pick).collect();
                c.step = Step::ChooseTicket { tickets: ids };
                self.reply_with(user, c, t, buttons);
                self.acknowledged(user, "asked which ticket to close");
                Ok(())
            }
        }
    }

    /// The `data_privacy` intent: what the desk keeps about the person, and the offer to erase
    /// it. Only ever about the person writing: nobody is erased from chat by someone else.
    fn privacy_offer(&mut self, user: &UserRef, c: &mut Conversation) -> Result<(), DeskError> {
        let kept = crate::privacy::summary(self.desk.store.as_ref(), user)?;
        let ids = if kept.tickets.is_empty() {
            String::new()
        } else {
            format!(" ({})", kept.tickets.join(", "))
        };
        c.step = Step::ConfirmErase;
        let lang = self.language_or_default(c);
        self.reply_with(
            user,
            c,
            fill(
                text(&lang, Text::PrivacyOffer),
                &[("tickets", &kept.tickets.len().to_string()), ("ids", &ids)],
            ),
            vec![Choice::Yes, Choice::No],
        );
        self.acknowledged(user, "offered to erase personal data");
        Ok(())
    }

    /// The person confirmed: everything about them is erased in this turn (the store finishes
    /// the erasure once the confirmation is delivered).
    fn erase_me(&mut self, user: &UserRef, c: &mut Conversation) -> Result<(), DeskError> {
        let pseudonym = crate::privacy::pseudonym();
        let done = crate::privacy::erase_into(
            &mut self.turn,
            self.desk.store.as_ref(),
            user,
            &pseudonym,
            &pseudonym,
            &Actor::Bot,
            self.now,
        )?;
        c.transcript.clear();
        c.ticket = None;
        self.say(
            user,
            c,
            Text::PrivacyErased,
            &[("tickets", &done.tickets.len().to_string())],
        );
        Ok(())
    }

    fn confirm_close(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        id: &str,
    ) -> Result<(), DeskError> {
        let subject = self.ticket(id)?.map(|t| t.subject).unwrap_or_default();
        c.step = Step::ConfirmClose {
            ticket: id.to_string(),
        };
        let lang = self.language_or_default(c);
        self.reply_with(
            user,
            c,
            fill(
                text(&lang, Text::ConfirmClose),
                &[("id", id), ("subject", &subject)],
            ),
            vec![Choice::Yes, Choice::No],
        );
        self.acknowledged(user, "asked to confirm closing");
        Ok(())
    }

    fn close_ticket(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        id: &str,
    ) -> Result<(), DeskError> {
        let Some(t) = self.ticket(id)?.filter(|t| t.requester.key() == user.key()) else {
            self.say(user, c, Text::TicketUnknown, &[("id", id)]);
            return Ok(());
        };
        if !t.status.is_open() {
            self.say(user, c, Text::NothingToClose, &[]);
            return Ok(());
        }
        let t = self.change(&t, Actor::User(user.key()), Change::Closed)?;
        c.ticket = Some(t.id.clone());
        c.transcript.clear();
        self.card_update(&t)?;
        self.tell_assignee(&t, &format!("[{}] {} closed the ticket.", t.id, user.name))?;
        self.say(user, c, Text::ClosedByUser, &[("id", &t.id)]);
        Ok(())
    }

    fn reopen_request(&mut self, user: &UserRef, c: &mut Conversation) -> Result<(), DeskError> {
        let mine = self.my_tickets(user)?;
        let target = c
            .ticket
            .as_ref()
            .and_then(|id| mine.iter().find(|t| &t.id == id))
            .or_else(|| mine.first())
            .filter(|t| !t.status.is_open())
            .map(|t| t.id.clone());
        match target {
            Some(id) => self.reopen(user, c, &id),
            None => {
                self.say(user, c, Text::NothingToCancel, &[]);
                self.acknowledged(user, "nothing to reopen");
                Ok(())
            }
        }
    }

    fn reopen(&mut self, user: &UserRef, c: &mut Conversation, id: &str) -> Result<(), DeskError> {
        let Some(t) = self.ticket(id)? else {
            self.say(user, c, Text::TicketUnknown, &[("id", id)]);
            return Ok(());
        };
        match self.change(
            &t,
            Actor::User(user.key()),
            Change::Reopened {
                reason: "the requester says the problem is back".into(),
            },
        ) {
            Ok(t) => {
                c.ticket = Some(t.id.clone());
                // What the user said about it: the complaint, not "yes" or "reopen".
                let said: Vec<String> = c
                    .transcript
                    .iter()
                    .filter(|l| {
                        l.from == "user"
                            && !l.text.starts_with('[')
                            && words::command(&l.text).is_none()
                            && words::yes_no(&l.text) != Some(true)
                    })
                    .map(|l| l.text.clone())
                    .collect();
                let t = if said.is_empty() {
                    t
                } else {
                    self.change(
                        &t,
                        Actor::User(user.key()),
                        Change::UserReplied {
                            text: said.join("\n"),
                        },
                    )?
                };
                c.transcript.clear();
                // Denied once: nobody works on it before a new decision.
                let again = self.approval_again_if_denied(&t);
                let t = again.clone().unwrap_or(t);
                self.say(user, c, Text::Reopened, &[("id", &t.id)]);
                self.card_post(&t);
                if again.is_some() {
                    self.announce_approval(&t, Some(c))?;
                }
                self.tell_assignee(
                    &t,
                    &format!("[{}] {} reopened the ticket.", t.id, user.name),
                )?;
            }
            Err(_) => self.say(user, c, Text::StillOpen, &[("id", &t.id)]),
        }
        Ok(())
    }

    fn thanks(&mut self, user: &UserRef, c: &mut Conversation) -> Result<(), DeskError> {
        let lang = self.language_or_default(c);
        let focus = self.focus(c)?;
        let mut t = text(&lang, Text::Welcome).to_string();
        match focus {
            Some(f) if f.status == Status::Resolved && f.rating.is_none() => {
                t.push(' ');
                t.push_str(text(&lang, Text::AskCsat));
            }
            Some(f) if f.status.is_open() => {
                t.push(' ');
                t.push_str(&fill(text(&lang, Text::StillOpen), &[("id", &f.id)]));
            }
            _ => {
                if let Some(r) = self
                    .desk
                    .triage
                    .pack()
                    .intent("thanks")
                    .and_then(|i| i.reply.get(&lang))
                {
                    t = r.clone();
                }
                c.transcript.clear();
            }
        }
        self.turn.note(
            &user.key(),
            BotEvent::Answered {
                intent: "thanks".into(),
            },
        );
        self.reply(user, c, t);
        Ok(())
    }

    fn rate(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        t: &Ticket,
        r: words::Rating,
    ) -> Result<(), DeskError> {
        // The comment is part of what the user wrote, which is redacted already.
        let comment = r.comment.filter(|s| !s.is_empty());
        match self.change(
            t,
            Actor::User(user.key()),
            Change::Rated {
                score: r.score,
                comment: comment.clone(),
            },
        ) {
            Ok(_) => {
                self.turn.note(
                    &user.key(),
                    BotEvent::CsatAnswered {
                        ticket: t.id.clone(),
                        score: r.score,
                    },
                );
                let key = if comment.is_some() {
                    Text::ThanksForRatingComment
                } else {
                    Text::ThanksForRating
                };
                self.say(user, c, key, &[]);
            }
            Err(_) => self.say(user, c, Text::AlreadyRated, &[("id", &t.id)]),
        }
        c.transcript.clear();
        Ok(())
    }

    /// `/ticket`: a ticket from a form, no FAQ and no questions.
    pub(super) fn open_ticket_form(
        &mut self,
        user: &UserRef,
        reply_to: Option<Address>,
        subject: &str,
        description: &str,
    ) -> Result<(), DeskError> {
        let mut c = self.conversation(user, reply_to)?;
        let (subject, description) = (redact(subject), redact(description));
        let said = format!("{subject}\n{description}");
        let d = self.decide(&said);
        c.language = d.language.clone();
        c.push_line(Line {
            at_ms: self.now,
            from: "user".into(),
            text: said.clone(),
        });
        let mut detection = detection_of(&d);
        if d.is_out_of_scope() || CONVERSATIONAL.contains(&d.intent.as_str()) {
            detection.intent = "human_agent".into();
        }
        detection.why = format!("opened with /ticket; {}", d.why);
        self.open_ticket(user, &mut c, detection, &subject, vec![])?;
        self.save(user, c);
        Ok(())
    }

    /// A message (and its thread) made into a ticket by someone: the author is the requester,
    /// every message is in the transcript (redacted), and whoever asked is told the ticket's id.
    pub(super) fn ticket_from_messages(
        &mut self,
        user: &UserRef,
        by: &UserRef,
        how: &str,
        messages: &[Quoted],
        reply_to: Option<Address>,
    ) -> Result<(), DeskError> {
        let mut c = self.conversation(user, reply_to)?;
        let quoted: Vec<(bool, String, String)> = messages
            .iter()
            .filter(|m| !m.text.trim().is_empty())
            .map(|m| (m.by_requester, m.name.clone(), redact(&m.text)))
            .collect();
        let Some(first) = quoted
            .iter()
            .find(|(mine, ..)| *mine)
            .or_else(|| quoted.first())
        else {
            self.notify(
                by,
                text(&self.language_or_default(&c), Text::NothingToTicket),
            );
            return Ok(());
        };
        let subject = first.2.clone();
        let said: Vec<&str> = quoted
            .iter()
            .filter(|(mine, ..)| *mine)
            .map(|(.., t)| t.as_str())
            .collect();
        let d = self.decide(&if said.is_empty() {
            subject.clone()
        } else {
            said.join("\n")
        });
        c.language = d.language.clone();
        for (mine, name, said) in &quoted {
            c.push_line(Line {
                at_ms: self.now,
                from: if *mine {
                    "user".into()
                } else {
                    format!("other:{name}")
                },
                text: said.clone(),
            });
        }
        let mut detection = detection_of(&d);
        if d.is_out_of_scope() || CONVERSATIONAL.contains(&d.intent.as_str()) {
            detection.intent = "human_agent".into();
        }
        detection.why = if by.key() == user.key() {
            format!("opened from their message with {how}; {}", d.why)
        } else {
            format!(
                "opened from their message by {} with {how}; {}",
                by.name, d.why
            )
        };
        self.open_ticket(user, &mut c, detection, &subject, vec![])?;
        if by.key() != user.key()
            && let Some(id) = c.ticket.clone()
        {
            let lang = self.language_or_default(&c);
            self.notify(
                by,
                fill(
                    text(&lang, Text::TicketOpenedFor),
                    &[("id", &id), ("name", &user.name)],
                ),
            );
        }
        self.save(user, c);
        Ok(())
    }

    /// The person's tickets for the platform's page of the app: open ones, then the last few
    /// finished ones. Nothing changes.
    pub(super) fn home_opened(&mut self, user: &UserRef) -> Result<(), DeskError> {
        let c = self.conversation(user, None)?;
        let lang = self.language_or_default(&c);
        let mine = self.my_tickets(user)?;
        let mut shown: Vec<&Ticket> = mine.iter().filter(|t| t.status.is_open()).collect();
        shown.extend(mine.iter().filter(|t| !t.status.is_open()).take(5));
        let tickets = shown
            .into_iter()
            .map(|t| TicketLine {
                id: t.id.clone(),
                subject: t.subject.clone(),
                status: status_name(&lang, t.status).to_string(),
                open: t.status.is_open(),
                assignee: t
                    .assignee_user
                    .as_ref()
                    .map(|u| u.name.clone())
                    .or_else(|| t.assignee.clone()),
            })
            .collect();
        self.turn.say(Action::ShowTickets {
            to: user.clone(),
            language: lang.clone(),
            title: text(&lang, Text::YourTickets).to_string(),
            empty: text(&lang, Text::NoTickets).to_string(),
            tickets,
        });
        Ok(())
    }

    /// The open incident a report of this detection belongs to: an open ticket of the same intent
    /// from someone else within the incident window (or the incident it is linked to).
    fn known_incident(
        &self,
        detection: &Detection,
        user: &UserRef,
    ) -> Result<Option<Ticket>, DeskError> {
        let cfg = &self.desk.config.incidents;
        if !cfg.intents.contains(&detection.intent) {
            return Ok(None);
        }
        let since = self.now.saturating_sub(cfg.window_minutes * 60_000);
        // The same service problem: the same intent, or an outage report beside a service one
        // (this intent is one of `cfg.intents`).
        let mut related = vec![detection.intent.clone(), "outage".to_string()];
        if detection.intent == "outage" {
            related.extend(cfg.intents.iter().cloned());
        }
        let open = self.desk.store.list(&crate::store::Filter {
            open: true,
            intents: related,
            ..Default::default()
        })?;
        // One person's VPN trouble is theirs; it is an incident when a report says it is
        // widespread (an outage, "for everyone"), or the ticket it joins already does.
        let widespread = |d: &Detection| d.intent == "outage" || has_signal(d, "many_people");
        let this_widespread = widespread(detection);
        let same = open.iter().rev().find(|t| {
            (this_widespread || widespread(&t.detection) || !t.linked.is_empty())
                && t.requester.key() != user.key()
                && (t.created_ms >= since || !t.linked.is_empty())
        });
        Ok(match same {
            Some(t) => match &t.incident {
                Some(inc) => self.ticket(inc)?.filter(|i| i.status.is_open()),
                None => Some(t.clone()),
            },
            None => None,
        })
    }

    pub(super) fn open_ticket(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        detection: Detection,
        original: &str,
        answers: Vec<(String, String)>,
    ) -> Result<(), DeskError> {
        let desk = self.desk;
        let pack = desk.triage.pack();
        let intent = pack
            .intent(&detection.intent)
            .or_else(|| pack.intent("human_agent"));
        let (category, intent_priority, default_queue) = match intent {
            Some(i) => (i.category.clone(), i.priority, i.queue.clone()),
            None => (
                "general".to_string(),
                Priority::P3,
                "l2-general".to_string(),
            ),
        };
        let (mut priority, mut reason) = match detection.priority {
            Some(p) => (p, detection.priority_reason.clone()),
            None => (intent_priority, String::new()),
        };
        if reason.is_empty() {
            reason = format!(
                "usual priority for {}",
                intent
                    .map(|i| intent_title(pack, &i.id, "en"))
                    .unwrap_or_else(|| "a request".into())
            );
        }
        if has_signal(&detection, "frustrated") && priority != Priority::P1 {
            priority = raised(priority);
            reason = format!("{reason}; raised: the requester is frustrated");
        }
        let incident = self.known_incident(&detection, user)?;
        let queue = desk
            .config
            .route(&detection.intent, &category, priority, &default_queue)
            .or_else(|| desk.config.queues.iter().find(|q| q.tier == Tier::L2))
            .cloned();
        let Some(queue) = queue else {
            self.say(user, c, Text::NoQueue, &[]);
            return Ok(());
        };
        let organisation = desk.organisation_of(user)?;
        // Worked out in business hours when the ticket is opened (`Cx::open`).
        let sla = desk.config.sla_for(priority, organisation.as_deref());
        let subject: String = original
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect();
        // The number comes from the store; the user is told it only once the turn is durable.
        let number = desk.store.next_ticket_number()?;
        let now = self.now;
        let t = Ticket {
            id: format!("T-{number}"),
            number,
            requester: user.clone(),
            organisation,
            channel: c.address.label(),
            subject,
            category,
            priority,
            status: Status::Escalated,
            tier: Tier::L2,
            queue: incident
                .as_ref()
                .map(|i| i.queue.clone())
                .unwrap_or(queue.id.clone()),
            assignee: None,
            assignee_user: None,
            detection,
            answers,
            transcript: c.transcript.clone(),
            created_ms: now,
            updated_ms: now,
            first_response_due_ms: sla.map(|s| now + s.first_response_minutes * 60_000),
            resolution_due_ms: sla.map(|s| now + s.resolution_minutes * 60_000),
            first_response_ms: None,
            resolved_ms: None,
            minutes_spent: 0,
            event_count: 0,
            rating: None,
            rating_comment: None,
            priority_reason: reason,
            incident: None,
            linked: vec![],
            l3_note: None,
            notes: vec![],
            clock: Default::default(),
            tags: vec![],
            approval: None,
            vendors: vec![],
            visit: None,
            change: None,
            report: Default::default(),
        };
        let t = self.open(t, Actor::User(user.key()));
        c.ticket = Some(t.id.clone());
        c.transcript.clear();
        let lang = self.language_or_default(c);
        if let Some(inc) = incident {
            return self.link_to_incident(user, c, t, inc, &lang);
        }
        // A request that needs approval waits for it before anyone may claim it (approvals.rs).
        let approval = if self.needs_approval(&t.detection.intent) {
            let why = format!(
                "{} is approved before work starts",
                intent_title(pack, &t.detection.intent, "en")
            );
            self.approval_requested(&t, &why)
        } else {
            None
        };
        let t = approval.clone().unwrap_or(t);
        // L1 and L2 merged: the queue's agent on duty has it at once (not while it awaits approval).
        let on_duty = if approval.is_none() {
            self.hand_to_on_duty(&t)
        } else {
            None
        };
        let t = on_duty.as_ref().map(|(t, _)| t.clone()).unwrap_or(t);
        // The card first: once the user knows the ticket id, anything they add updates that card.
        self.card_post(&t);
        let opened = match &on_duty {
            Some((_, agent)) => {
                let agent_user = desk.config.agent_named(agent).map(super::agent::agent_ref);
                if let Some(to) = agent_user {
                    self.notify(
                        &to,
                        format!(
                            "{} is yours (on duty in {}): {}. `reply {} ...` answers {}.",
                            t.id, t.queue, t.subject, t.id, t.requester.name
                        ),
                    );
                }
                fill(
                    text(&lang, Text::OnDutyHasIt),
                    &[
                        ("id", &t.id),
                        ("priority", &t.priority.to_string()),
                        ("agent", agent),
                    ],
                )
            }
            None => fill(
                text(&lang, Text::TicketOpened),
                &[("id", &t.id), ("priority", &t.priority.to_string())],
            ),
        };
        self.reply(user, c, opened);
        if approval.is_some() {
            let mut said = c.clone();
            said.language = lang.clone();
            self.announce_approval(&t, Some(&said))?;
        }
        Ok(())
    }

    /// A report of a known incident: linked to it instead of waiting in a queue of its own; the
    /// incident's card counts one more person, and enough people make it P1.
    fn link_to_incident(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        report: Ticket,
        incident: Ticket,
        lang: &str,
    ) -> Result<(), DeskError> {
        self.change(
            &report,
            Actor::Bot,
            Change::LinkedToIncident {
                incident: incident.id.clone(),
            },
        )?;
        let mut inc = self.change(
            &incident,
            Actor::Bot,
            Change::ReportLinked {
                report: report.id.clone(),
            },
        )?;
        let people = inc.linked.len() + 1;
        if people >= self.desk.config.incidents.p1_reports && inc.priority != Priority::P1 {
            inc = self.change(
                &inc,
                Actor::Bot,
                Change::PriorityChanged {
                    priority: Priority::P1,
                    reason: format!("{people} people reported it"),
                },
            )?;
        }
        self.card_update(&inc)?;
        self.tell_assignee(
            &inc,
            &format!(
                "[{}] {} reports the same problem ({} people now): {}",
                inc.id, user.name, people, report.subject
            ),
        )?;
        self.reply(
            user,
            c,
            fill(
                text(lang, Text::IncidentKnown),
                &[("id", &inc.id), ("subject", &inc.subject)],
            ),
        );
        Ok(())
    }

    fn ticket_status(
        &mut self,
        user: &UserRef,
        c: &Conversation,
        msg: &str,
        lang: &str,
    ) -> Result<(), DeskError> {
        let mine = self.my_tickets(user)?;
        let asked = words::ticket_id(msg);
        let line = |t: &Ticket| {
            let waiting = t.status.is_open() && t.approval.as_ref().is_some_and(|a| a.is_pending());
            let status = match (waiting, lang) {
                (true, "pl") => "czeka na zatwierdzenie",
                (true, _) => "waiting for approval",
                _ => status_name(lang, t.status),
            };
            let mut s = format!("- {} ({status}) {}", t.id, t.subject);
            if let Some(a) = &t.assignee {
                s.push_str(&format!(" · {a}"));
            }
            if let Some(inc) = &t.incident {
                s.push_str(&format!(" → {inc}"));
            }
            s
        };
        let open = mine.iter().filter(|t| t.status.is_open()).count();
        let reply = match asked {
            Some(id) => match mine.iter().find(|t| t.id == id) {
                Some(t) => line(t),
                // Someone else's ticket gets the same answer as a missing one: ids are guessable.
                None => fill(text(lang, Text::TicketUnknown), &[("id", &id)]),
            },
            None => {
                // Open ones, then the last few finished ones.
                let mut shown: Vec<&Ticket> = mine.iter().filter(|t| t.status.is_open()).collect();
                shown.extend(mine.iter().filter(|t| !t.status.is_open()).take(3));
                if shown.is_empty() {
                    text(lang, Text::NoTickets).to_string()
                } else {
                    let lines: Vec<String> = shown.into_iter().map(line).collect();
                    let mut s = String::new();
                    if open == 0 {
                        s.push_str(text(lang, Text::NoTickets));
                        s.push('\n');
                    }
                    s.push_str(text(lang, Text::YourTickets));
                    s.push('\n');
                    s.push_str(&lines.join("\n"));
                    s
                }
            }
        };
        self.turn
            .note(&user.key(), BotEvent::StatusAnswered { open });
        let mut c = c.clone();
        c.language = lang.to_string();
        self.reply(user, &c, reply);
        Ok(())
    }
}

/// The choice a typed message makes, for the question pending in `step`.
fn read_answer(step: &Step, said: &str) -> Option<Choice> {
    let yes_no = || words::yes_no(said);
    match step {
        Step::FaqOffered { .. } => match yes_no() {
            Some(true) => Some(Choice::Solved),
            Some(false) => Some(Choice::StillNeedHelp),
            None => (words::command(said) == Some(Command::Human)).then_some(Choice::Person),
        },
        Step::TicketOrNew { ticket, .. } => {
            let folded = crate::triage::normalize::normalize(said).text;
            let folded = folded.trim_end_matches(['.', '!', '?']).trim();
            if words::ticket_id(said).as_ref() == Some(ticket)
                || [
                    "same",
                    "the same",
                    "same one",
                    "same ticket",
                    "to samo",
                    "ten sam",
                    "to samo zgloszenie",
                    "tamto",
                    "1",
                ]
                .contains(&folded)
            {
                Some(Choice::SameTicket)
            } else if words::command(said) == Some(Command::NewProblem)
                || [
                    "new",
                    "new one",
                    "something new",
                    "nowe",
                    "nowa",
                    "nowy",
                    "nowa sprawa",
                    "2",
                ]
                .contains(&folded)
            {
                Some(Choice::NewProblem)
            } else {
                yes_no().map(|y| {
                    if y {
                        Choice::SameTicket
                    } else {
                        Choice::NewProblem
                    }
                })
            }
        }
        Step::Clarify { candidates, .. } => {
            words::choice_index(said, candidates.len()).map(|i| Choice::Pick(i as u8 + 1))
        }
        Step::ChooseTicket { tickets } => words::choice_index(said, tickets.len())
            .or_else(|| {
                let id = words::ticket_id(said)?;
                tickets.iter().position(|t| *t == id)
            })
            .map(|i| Choice::Pick(i as u8 + 1)),
        Step::FaqListed { articles } => {
            words::choice_index(said, articles.len()).map(|i| Choice::Pick(i as u8 + 1))
        }
        Step::ConfirmClose { .. } | Step::ConfirmReopen { .. } | Step::ConfirmErase => {
            yes_no().map(|y| if y { Choice::Yes } else { Choice::No })
        }
        _ => None,
    }
}

/// "nie działa", "it's broken": a problem with nothing to say what is broken.
fn is_vague(said: &str) -> bool {
    const GENERIC: &[&str] = &[
        "it", "its", "it's", "is", "not", "doesnt", "doesn't", "does", "dont", "don't", "work",
        "working", "works", "broken", "down", "again", "still", "nothing", "help", "please", "pls",
        "nie", "dziala", "dzialaja", "znowu", "nadal", "dalej", "juz", "mi", "cos", "pomocy",
        "prosze", "zepsute", "zepsuty", "padlo", "padl", "the", "my", "a", "i", "me", "to", "no",
    ];
    let n = crate::triage::normalize::normalize(said);
    n.tokens.iter().all(|t| GENERIC.contains(&t.as_str()))
}

/// "ok", "got it", "dobra": nothing to act on.
fn is_acknowledgement(said: &str) -> bool {
    const ACK: &[&str] = &[
        "ok",
        "okay",
        "okey",
        "k",
        "kk",
        "got it",
        "understood",
        "alright",
        "all right",
        "fine",
        "sure",
        "cool",
        "noted",
        "dobrze",
        "dobra",
        "spoko",
        "jasne",
        "rozumiem",
        "okej",
        "oki",
        "w porzadku",
        "przyjalem",
        "przyjelam",
        "👍",
        "👌",
    ];
    let folded = crate::triage::normalize::normalize(said).text;
    let folded = folded.trim().trim_end_matches(['.', '!', ',']).trim();
    ACK.contains(&folded)
}

fn is_cancel(said: &str) -> bool {
    words::command(said) == Some(Command::Cancel)
}

/// Takes the language triage detected when the message has enough words to tell ("5", "ok" and
/// "T-1000" do not).
fn adopt_language(c: &mut Conversation, d: &Decision, said: &str) {
    let words = said
        .split_whitespace()
        .filter(|w| w.chars().filter(|ch| ch.is_alphabetic()).count() >= 2)
        .count();
    if c.language.is_empty() || words >= 2 {
        c.language = d.language.clone();
    }
}

/// What a ticket records of a triage decision.
pub(super) fn detection_of(d: &Decision) -> Detection {
    Detection {
        intent: d.intent.clone(),
        confidence: d.confidence,
        why: d.why.clone(),
        language: d.language.clone(),
        faq_offered: vec![],
        faq_helped: None,
        signals: d.signals.clone(),
        priority: d.priority,
        priority_reason: d.priority_reason.clone(),
    }
}

/// The two intents triage could not choose between, when it asks.
fn clarify_candidates(d: &Decision) -> Vec<String> {
    if d.action != NextAction::Clarify {
        return vec![];
    }
    d.candidates.iter().map(|c| c.intent.clone()).collect()
}

/// An intent's name as a user reads it.
fn intent_title(pack: &crate::pack::Pack, id: &str, lang: &str) -> String {
    pack.title(id, lang).replace('_', " ")
}
