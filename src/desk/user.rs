//! A user's side of the desk: each message moves their conversation along (FAQ offered, follow-up
//! questions, an open ticket, a rating) and is recorded in the turn with what the bot said.

use super::conversation::{Conversation, Step};
use super::event::{Address, Choice};
use super::log::BotEvent;
use super::redact::redact;
use super::texts::{Text, fill, text};
use super::{Cx, DeskError, links};
use crate::pack::Priority;
use crate::tickets::{Actor, Change, Detection, Line, Status, Ticket, Tier, UserRef};
use crate::triage::{Decision, NextAction};

const YES: &[&str] = &[
    "yes",
    "y",
    "yep",
    "yeah",
    "solved",
    "it did",
    "tak",
    "pomoglo",
    "pomogło",
    "dziala",
    "działa",
    "ok thanks",
];
const NO: &[&str] = &[
    "no",
    "n",
    "nope",
    "not really",
    "still need help",
    "nie",
    "nie pomoglo",
    "nie pomogło",
    "dalej nie dziala",
    "dalej nie działa",
];
const REOPEN: &[&str] = &["reopen", "otworz ponownie", "otwórz ponownie"];

fn matches_word(text: &str, words: &[&str]) -> bool {
    let t = text.trim().trim_end_matches(['.', '!', '?']).to_lowercase();
    words.contains(&t.as_str())
}

impl Cx<'_> {
    /// Loads the user's conversation and points it at the address the event came from.
    fn conversation(
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
        Ok(c)
    }

    fn language_or_default(&self, c: &Conversation) -> String {
        if c.language.is_empty() {
            self.desk.triage.pack().default_language.clone()
        } else {
            c.language.clone()
        }
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
            let lang = self.language_or_default(&c);
            self.reply(user, &c, text(&lang, Text::EmptyMessage));
            self.acknowledged(user, "empty message");
            self.save(user, c);
            return Ok(());
        }
        // Only the start of a huge paste is kept in the conversation; triage cuts it too.
        let (kept, _) =
            crate::triage::normalize::truncate(trimmed, crate::triage::normalize::MAX_INPUT_BYTES);
        c.push_line(Line {
            at_ms: self.now,
            from: "user".into(),
            text: redact(kept),
        });
        let step = std::mem::take(&mut c.step);
        match step {
            Step::InTicket { ticket } | Step::Csat { ticket } => {
                self.in_ticket(user, &mut c, ticket, kept)?
            }
            Step::FaqOffered {
                detection,
                original,
            } => {
                if matches_word(kept, YES) {
                    self.faq_helped(user, &mut c, &detection);
                } else if matches_word(kept, NO) {
                    self.faq_did_not_help(user, &mut c, detection, original)?;
                } else {
                    self.fresh_message(user, &mut c, kept)?;
                }
            }
            Step::FollowUp {
                detection,
                original,
                answers,
            } => self.follow_up_answer(user, &mut c, detection, original, answers, kept)?,
            Step::Idle => self.fresh_message(user, &mut c, kept)?,
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
        match (std::mem::take(&mut c.step), choice) {
            (Step::FaqOffered { detection, .. }, Choice::Solved) => {
                self.faq_helped(user, &mut c, &detection)
            }
            (
                Step::FaqOffered {
                    detection,
                    original,
                },
                Choice::StillNeedHelp,
            ) => self.faq_did_not_help(user, &mut c, detection, original)?,
            (step, _) => {
                // A button from an earlier answer: nothing is waiting for it any more.
                c.step = step;
                self.reply(user, &c, text(&lang, Text::NotUnderstood));
                self.acknowledged(user, "stale button");
            }
        }
        self.save(user, c);
        Ok(())
    }

    fn faq_helped(&mut self, user: &UserRef, c: &mut Conversation, detection: &Detection) {
        self.turn.note(
            &user.key(),
            BotEvent::FaqAnswered {
                article: detection.faq_offered.first().cloned().unwrap_or_default(),
                helped: true,
            },
        );
        let lang = c.language.clone();
        self.reply(user, c, text(&lang, Text::GladItHelped));
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
        self.turn.note(
            &user.key(),
            BotEvent::FaqAnswered {
                article: detection.faq_offered.first().cloned().unwrap_or_default(),
                helped: false,
            },
        );
        let mut d = detection;
        d.faq_helped = Some(false);
        self.start_follow_up(user, c, d, original)
    }

    /// A message while the user has a ticket: to the agent, a question about it, or, once it is
    /// resolved, a rating.
    fn in_ticket(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        ticket: String,
        kept: &str,
    ) -> Result<(), DeskError> {
        let t = self.ticket(&ticket)?;
        if let Some(t) = t.as_ref().filter(|t| t.status == Status::Resolved) {
            // A resolved ticket waits for its rating (once per resolution: reopening clears
            // it) or for "reopen"; anything else starts something new.
            let score: Option<u8> = kept.trim().parse().ok().filter(|s| (1..=5).contains(s));
            if let Some(score) = score.filter(|_| t.rating.is_none()) {
                if self
                    .change(
                        t,
                        Actor::User(user.key()),
                        Change::Rated {
                            score,
                            comment: None,
                        },
                    )
                    .is_ok()
                {
                    self.turn.note(
                        &user.key(),
                        BotEvent::CsatAnswered {
                            ticket: t.id.clone(),
                            score,
                        },
                    );
                }
                let lang = c.language.clone();
                self.reply(user, c, text(&lang, Text::ThanksForRating));
                // Still about this ticket: "reopen" works after a rating too.
                c.step = Step::InTicket { ticket };
                c.transcript.clear();
                return Ok(());
            }
            if matches_word(kept, REOPEN) {
                match self.change(
                    t,
                    Actor::User(user.key()),
                    Change::Reopened {
                        reason: "user".into(),
                    },
                ) {
                    Ok(t) => {
                        let lang = c.language.clone();
                        self.reply(user, c, fill(text(&lang, Text::Reopened), &[("id", &t.id)]));
                        self.card_post(&t);
                        c.step = Step::InTicket { ticket };
                    }
                    Err(e) => self.reply(user, c, e.to_string()),
                }
                return Ok(());
            }
        }
        if let Some(t) = t.filter(|t| t.status.is_open()) {
            if self.desk.triage.decide(kept).intent == "ticket_status" {
                // "Any news on my ticket?" while it is open is a question for the bot, not the agent.
                let lang = c.language.clone();
                self.ticket_status(user, c, kept, &lang)?;
                c.step = Step::InTicket { ticket };
                return Ok(());
            }
            let said = redact(kept);
            let t = self.change(
                &t,
                Actor::User(user.key()),
                Change::UserReplied { text: said.clone() },
            )?;
            self.card_update(&t)?;
            self.tell_assignee(&t, &format!("[{}] {}: {said}", t.id, user.name))?;
            let lang = c.language.clone();
            self.reply(
                user,
                c,
                fill(text(&lang, Text::SentToAgent), &[("id", &t.id)]),
            );
            c.step = Step::InTicket { ticket };
            return Ok(());
        }
        self.fresh_message(user, c, kept)
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
        kept: &str,
    ) -> Result<(), DeskError> {
        let pack = self.desk.triage.pack();
        let questions = pack
            .intent(&detection.intent)
            .map(|i| i.follow_up.as_slice())
            .unwrap_or(&[]);
        if let Some(q) = questions.get(answers.len()) {
            let answer = redact(kept);
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
        if let Some(next) = questions.get(answers.len()) {
            let q = next
                .text
                .get(&c.language)
                .or_else(|| next.text.values().next())
                .cloned()
                .unwrap_or_default();
            self.turn.note(
                &user.key(),
                BotEvent::FollowUpAsked {
                    intent: detection.intent.clone(),
                    question: next.id.clone(),
                },
            );
            self.reply(user, c, q);
            c.step = Step::FollowUp {
                detection,
                original,
                answers,
            };
            Ok(())
        } else {
            self.open_ticket(user, c, detection, &original, answers)
        }
    }

    /// A message outside any pending question: triage decides.
    fn fresh_message(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        msg: &str,
    ) -> Result<(), DeskError> {
        let d = self.desk.triage.decide(msg);
        c.language = d.language.clone();
        c.step = Step::Idle;
        let lang = d.language.clone();
        let detection = Detection {
            intent: d.intent.clone(),
            confidence: d.confidence,
            why: d.why.clone(),
            language: d.language.clone(),
            faq_offered: vec![],
            faq_helped: None,
        };
        if let Some(rest) = msg.trim().strip_prefix("faq ") {
            self.faq_search(user, c, rest, &lang);
            return Ok(());
        }
        let pack = self.desk.triage.pack();
        let intent = pack.intent(&d.intent);
        let reply_text = intent
            .and_then(|i| i.reply.get(&lang).cloned())
            .unwrap_or_default();
        match (d.action, intent) {
            (NextAction::Fallback, _) => {
                let mut t = text(&lang, Text::NotUnderstood).to_string();
                if !d.faq.is_empty() {
                    t.push_str("\n\n");
                    t.push_str(text(&lang, Text::FaqSuggestions));
                    for f in &d.faq {
                        t.push_str(&format!("\n- {} ({})", f.title, f.id));
                    }
                }
                self.turn.note(
                    &user.key(),
                    BotEvent::OutOfScope {
                        suggested: d.faq.iter().map(|f| f.id.clone()).collect(),
                    },
                );
                self.reply(user, c, t);
                Ok(())
            }
            (_, Some(i)) if i.id == "ticket_status" => self.ticket_status(user, c, msg, &lang),
            (NextAction::Escalate, Some(_)) => {
                self.reply(
                    user,
                    c,
                    format!("{reply_text}\n{}", text(&lang, Text::TicketEscalatedNow)),
                );
                self.open_ticket(user, c, detection, msg, vec![])
            }
            (NextAction::Answer, Some(_)) if !d.faq.is_empty() => {
                self.offer_faq(user, c, &d, reply_text, detection, msg);
                Ok(())
            }
            (NextAction::Answer, Some(i)) if i.follow_up.is_empty() || i.faq.is_empty() => {
                // Conversational intents (greeting, thanks, hours): the reply is the answer.
                c.transcript.clear();
                self.turn.note(
                    &user.key(),
                    BotEvent::Answered {
                        intent: i.id.clone(),
                    },
                );
                self.reply(user, c, reply_text);
                Ok(())
            }
            _ => {
                if !reply_text.is_empty() {
                    self.reply(user, c, reply_text);
                }
                self.start_follow_up(user, c, detection, msg.to_string())
            }
        }
    }

    fn offer_faq(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        d: &Decision,
        intro: String,
        mut detection: Detection,
        msg: &str,
    ) {
        let best = &d.faq[0];
        let body = self
            .desk
            .triage
            .pack()
            .article(&best.id, &d.language)
            .map(|a| a.body.trim().to_string())
            .unwrap_or_default();
        detection.faq_offered = d.faq.iter().map(|f| f.id.clone()).collect();
        let mut t = String::new();
        if !intro.is_empty() {
            t.push_str(&intro);
            t.push_str("\n\n");
        }
        t.push_str(&format!(
            "**{}**\n{}\n\n{}",
            best.title,
            body,
            text(&d.language, Text::DidThisSolveIt)
        ));
        c.push_line(Line {
            at_ms: self.now,
            from: "bot".into(),
            text: format!("FAQ offered: {}", best.id),
        });
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

    fn faq_search(&mut self, user: &UserRef, c: &Conversation, query: &str, lang: &str) {
        let hits = self.desk.triage.search_faq(query, Some(lang), 3);
        let pack = self.desk.triage.pack();
        let mut t = String::from(text(lang, Text::FaqSuggestions));
        for h in &hits {
            let a = &pack.articles[h.article];
            t.push_str(&format!("\n- {} ({})", a.title, a.id));
        }
        if hits.is_empty() {
            t = text(lang, Text::NotUnderstood).to_string();
        }
        self.turn.note(
            &user.key(),
            BotEvent::FaqSearched {
                hits: hits
                    .iter()
                    .map(|h| pack.articles[h.article].id.clone())
                    .collect(),
            },
        );
        let mut c = c.clone();
        c.language = lang.to_string();
        self.reply(user, &c, t);
    }

    pub(super) fn faq_search_request(
        &mut self,
        user: &UserRef,
        reply_to: Option<Address>,
        query: &str,
    ) -> Result<(), DeskError> {
        let c = self.conversation(user, reply_to)?;
        let lang = self.desk.triage.decide(query).language;
        self.faq_search(user, &c, query, &lang);
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

    fn start_follow_up(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        detection: Detection,
        original: String,
    ) -> Result<(), DeskError> {
        let questions = self
            .desk
            .triage
            .pack()
            .intent(&detection.intent)
            .map(|i| i.follow_up.clone())
            .unwrap_or_default();
        match questions.first() {
            None => self.open_ticket(user, c, detection, &original, vec![]),
            Some(q) => {
                let lang = c.language.clone();
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
                c.step = Step::FollowUp {
                    detection,
                    original,
                    answers: vec![],
                };
                self.reply(
                    user,
                    c,
                    format!("{}\n{question}", text(&lang, Text::LetsOpenTicket)),
                );
                Ok(())
            }
        }
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
        let text = format!("{subject}\n{description}");
        let d = self.desk.triage.decide(&text);
        c.language = d.language.clone();
        c.push_line(Line {
            at_ms: self.now,
            from: "user".into(),
            text: redact(&text),
        });
        let detection = Detection {
            intent: if d.is_out_of_scope() {
                "human_agent".into()
            } else {
                d.intent.clone()
            },
            confidence: d.confidence,
            why: format!("opened with /ticket; {}", d.why),
            language: d.language.clone(),
            faq_offered: vec![],
            faq_helped: None,
        };
        self.open_ticket(user, &mut c, detection, subject, vec![])?;
        self.save(user, c);
        Ok(())
    }

    fn open_ticket(
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
        let (category, priority, default_queue) = match intent {
            Some(i) => (i.category.clone(), i.priority, i.queue.clone()),
            None => (
                "general".to_string(),
                Priority::P3,
                "l2-general".to_string(),
            ),
        };
        let queue = desk
            .config
            .route(&detection.intent, &category, priority, &default_queue)
            .or_else(|| desk.config.queues.iter().find(|q| q.tier == Tier::L2))
            .cloned();
        let Some(queue) = queue else {
            self.reply(
                user,
                c,
                "No support queue is configured; please contact IT directly.",
            );
            return Ok(());
        };
        let sla = desk.config.sla.get(&priority).copied();
        let organisation = desk.config.organisation_of(user).map(|o| o.id.clone());
        let subject: String = redact(original).chars().take(120).collect();
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
            queue: queue.id.clone(),
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
            priority_reason: String::new(),
            incident: None,
            linked: vec![],
            l3_note: None,
            notes: vec![],
        };
        let t = self.open(t, Actor::User(user.key()));
        c.step = Step::InTicket {
            ticket: t.id.clone(),
        };
        c.transcript.clear();
        let lang = c.language.clone();
        // The card first: once the user knows the ticket id, anything they add updates that card.
        self.card_post(&t);
        self.reply(
            user,
            c,
            fill(
                text(&lang, Text::TicketOpened),
                &[("id", &t.id), ("priority", &t.priority.to_string())],
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
        let mine = self.desk.store.list(&crate::store::Filter {
            requester: Some(user.key()),
            ..Default::default()
        })?;
        let asked: Option<String> = msg
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .find(|w| {
                w.len() > 2
                    && (w.starts_with("T-") || w.starts_with("t-"))
                    && w[2..].chars().all(|c| c.is_ascii_digit())
            })
            .map(|w| w.to_uppercase());
        let line = |t: &Ticket| {
            format!(
                "- {} [{}] {}{}",
                t.id,
                t.status.as_str(),
                t.subject,
                t.assignee
                    .as_ref()
                    .map(|a| format!(" ({a})"))
                    .unwrap_or_default()
            )
        };
        let open = mine.iter().filter(|t| t.status.is_open()).count();
        let reply = match asked {
            Some(id) => match mine.iter().find(|t| t.id == id) {
                Some(t) => line(t),
                // Someone else's ticket gets the same answer as a missing one: ids are guessable.
                None => fill(text(lang, Text::TicketUnknown), &[("id", &id)]),
            },
            None => {
                let lines: Vec<String> = mine
                    .iter()
                    .filter(|t| t.status.is_open())
                    .map(line)
                    .collect();
                if lines.is_empty() {
                    text(lang, Text::NoTickets).to_string()
                } else {
                    format!("{}\n{}", text(lang, Text::YourTickets), lines.join("\n"))
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
