//! The desk's figures in chat (issue 17, part 4):
//!
//! - `/stats [period]` on Discord and Slack, `stats [period]` in `frontline agent`
//!   ([`super::Event::Stats`]): agents and admins get a short summary and the volume chart as a
//!   PNG, only they see it; anyone else is refused.
//! - The weekly digest (`[reports] digest_channel`): a durable timer that belongs to no ticket
//!   (`reports:digest`), set by [`super::Event::Schedule`], posts last ISO week's summary and
//!   chart in the channel and sets itself for the next week.
//! - An organisation's contact asks the bot for the monthly summary (intent `monthly_report`):
//!   their own organisation's figures for this month (or the last), never another's; anyone
//!   else is told who can ask.
//!
//! The report is `crate::reports::compute` over the store's report records, in the
//! configuration's `timezone`; the words are `crate::reports::chat`'s.

use jiff::civil::Date;

use super::conversation::Conversation;
use super::log::BotEvent;
use super::{Action, Attachment, Cx, DeskError};
use crate::clocks::timer::{Timer, TimerKind, TimerWrite};
use crate::reports::charts::{self, Lang};
use crate::reports::chat::{self, Range};
use crate::reports::{Filters, Params, Report};
use crate::tickets::UserRef;
use crate::triage::normalize::normalize;

/// The intent of an organisation contact's "send me our monthly report".
pub(super) const MONTHLY: &str = "monthly_report";

/// Who the desk's own log records are about when no person is.
const DESK: &str = "desk";

/// Words only a Polish `/stats` period has (folded, as `normalize` leaves them).
const POLISH: &[&str] = &[
    "dzis",
    "dzisiaj",
    "wczoraj",
    "tydzien",
    "tygodnie",
    "tygodni",
    "miesiac",
    "miesiace",
    "miesiecy",
    "mies",
    "rok",
    "dni",
    "dzien",
    "ostatnie",
    "ostatnich",
    "ostatni",
    "zeszly",
    "poprzedni",
    "ubiegly",
    "biezacy",
    "obecny",
    "ten",
    "ta",
    "do",
];

/// The language of a `/stats` answer: Polish when the period is written in Polish, English
/// when in English words, else `default`.
fn language_of(typed: &str, default: &str) -> String {
    let folded = normalize(typed).text;
    let words: Vec<&str> = folded.split_whitespace().collect();
    if words.iter().any(|w| POLISH.contains(w)) {
        "pl".into()
    } else if words
        .iter()
        .any(|w| w.chars().any(|c| c.is_ascii_alphabetic()) && w.len() > 2)
    {
        "en".into()
    } else {
        default.to_string()
    }
}

/// The chart file's name: `volume-2026-11-16-2026-11-22.png`.
fn chart_name(r: &Report) -> String {
    format!("volume-{}-{}.png", r.from, r.to)
}

impl Cx<'_> {
    /// The local date of this turn in the configuration's time zone.
    fn today(&self) -> Date {
        jiff::Timestamp::from_millisecond(i64::try_from(self.now).unwrap_or(0))
            .map(|t| t.to_zoned(self.desk.config.timezone.clone()).date())
            .unwrap_or_else(|_| jiff::civil::date(1970, 1, 1))
    }

    /// The report over `range`, filtered by `filters`.
    fn report(&self, range: Range, filters: Filters) -> Result<Report, DeskError> {
        let config = &self.desk.config;
        let params = Params {
            from: range.from,
            to: range.to,
            by: range.by,
            tz: config.timezone.clone(),
            tz_name: config.timezone_name.clone(),
            filters,
        };
        Ok(crate::reports::compute(
            self.desk.store.as_ref(),
            params,
            &mut |_| {},
        )?)
    }

    /// The volume chart of `r` as an attachment; a chart that cannot be drawn is left out (the
    /// figures still go) and logged.
    fn chart(&self, r: &Report, lang: &str) -> Option<Attachment> {
        match charts::volume_png(r, lang) {
            Ok(png) => Some(Attachment::png(
                &chart_name(r),
                Lang::of(lang).volume_title(r.by),
                png,
            )),
            Err(e) => {
                tracing::warn!("the /stats chart was left out: {e}");
                None
            }
        }
    }

    /// `/stats [period]`: the desk's figures and the volume chart for an agent or admin.
    pub(super) fn stats(
        &mut self,
        by: &UserRef,
        roles: &[String],
        period: &str,
    ) -> Result<(), DeskError> {
        let config = &self.desk.config;
        let default = config
            .reports
            .digest
            .as_ref()
            .and_then(|d| d.language.clone())
            .unwrap_or_else(|| self.desk.triage.pack().default_language.clone());
        let lang = language_of(period, &default);
        let l = Lang::of(&lang);
        let agent = config.agent(by).is_some() || config.role_for(by.platform, roles).is_some();
        if !agent {
            self.notify(
                by,
                l.t(
                    "Only support agents and admins can see the desk's figures. An organisation's contact can ask me for their own monthly summary.",
                    "Wyniki helpdesku widzą tylko konsultanci i administratorzy. Osoba kontaktowa organizacji może poprosić mnie o miesięczne podsumowanie swojej organizacji.",
                ),
            );
            self.acknowledged(by, "stats refused: not an agent");
            return Ok(());
        }
        let Some(range) = chat::parse_period(period, self.today()) else {
            let typed: String = period
                .chars()
                .filter(|c| !c.is_control())
                .take(60)
                .collect();
            self.notify(
                by,
                format!(
                    "{} \"{typed}\". {}",
                    l.t("I don't know the period", "Nie znam okresu"),
                    chat::period_help(&lang)
                ),
            );
            self.acknowledged(by, "stats refused: unknown period");
            return Ok(());
        };
        let report = self.report(range, Filters::default())?;
        let attachment = self.chart(&report, &lang);
        let interaction = self.interaction_for(by);
        self.turn.say(Action::Notify {
            to: by.clone(),
            text: chat::summary(&report, &lang),
            interaction,
            attachment,
        });
        self.turn.note(
            &by.key(),
            BotEvent::ReportSent {
                what: "stats".into(),
                from: report.from.clone(),
                to: report.to.clone(),
                tickets: report.tickets,
                organisation: None,
            },
        );
        Ok(())
    }

    /// The digest's timer as the configuration wants it (run with the desk's own timers): set
    /// for the next digest instant when none is pending or the pending one is not at a digest
    /// instant any more (the day or time changed); removed when the digest is off.
    pub(super) fn schedule_digest(&mut self) -> Result<(), DeskError> {
        let pending = self.desk.store.timer(Timer::REPORT_DIGEST)?;
        let config = &self.desk.config;
        let Some(digest) = &config.reports.digest else {
            if pending.is_some() {
                self.turn
                    .timers
                    .push(TimerWrite::Cancel(Timer::REPORT_DIGEST.into()));
            }
            return Ok(());
        };
        let Some(next) = digest.next_after(self.now, &config.timezone) else {
            return Ok(());
        };
        // A pending digest stands while it is on the schedule: due at one of its instants (a
        // week's own, even one a stopped bot missed, which then fires on start).
        if let Some(p) = &pending
            && p.due_ms
                .checked_sub(1)
                .and_then(|b| digest.next_after(b, &config.timezone))
                == Some(p.due_ms)
        {
            return Ok(());
        }
        self.turn.timers.push(TimerWrite::Set(Timer {
            id: Timer::REPORT_DIGEST.into(),
            ticket: String::new(),
            kind: TimerKind::ReportDigest,
            about: String::new(),
            due_ms: next,
        }));
        Ok(())
    }

    /// The digest's timer fired (removed by the caller's turn): last ISO week's figures and
    /// chart are posted in the channel, and the timer is set for the next digest. A catch-up
    /// after downtime posts one digest, about the week before the instant it fires.
    pub(super) fn report_digest(&mut self, timer: &Timer) -> Result<(), DeskError> {
        let config = &self.desk.config;
        let Some(digest) = config.reports.digest.clone() else {
            return Ok(());
        };
        let lang = digest
            .language
            .clone()
            .unwrap_or_else(|| self.desk.triage.pack().default_language.clone());
        let today = self.today();
        let monday = today
            .checked_sub(
                jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset()) + 7),
            )
            .unwrap_or(today);
        let sunday = monday
            .checked_add(jiff::Span::new().days(6))
            .unwrap_or(monday);
        let range = Range {
            from: monday,
            to: sunday,
            by: crate::reports::Period::Day,
        };
        let report = self.report(range, Filters::default())?;
        let l = Lang::of(&lang);
        let text = format!(
            "{}\n{}",
            l.t(
                "Weekly support digest.",
                "Tygodniowe podsumowanie helpdesku."
            ),
            chat::summary(&report, &lang)
        );
        let attachment = self.chart(&report, &lang);
        self.turn.say(Action::Post {
            platform: digest.platform,
            channel: digest.channel.clone(),
            text,
            attachment,
        });
        self.turn.note(
            DESK,
            BotEvent::ReportSent {
                what: "digest".into(),
                from: report.from.clone(),
                to: report.to.clone(),
                tickets: report.tickets,
                organisation: None,
            },
        );
        let after = timer.due_ms.max(self.now);
        if let Some(next) = digest.next_after(after, &config.timezone) {
            self.turn.timers.push(TimerWrite::Set(Timer {
                due_ms: next,
                ..timer.clone()
            }));
        }
        Ok(())
    }

    /// "Send me our monthly report": an organisation's contact gets their own organisation's
    /// summary for the month asked (this one so far, the last, or `2026-10`); anyone else is told
    /// who can ask. Nothing is stored but the conversation and the bot's log record.
    pub(super) fn monthly_summary(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        said: &str,
        lang: &str,
    ) -> Result<(), DeskError> {
        let l = Lang::of(lang);
        let account = self.desk.account_of(user)?;
        let mut t = String::new();
        if self.desk.names_another(said, account.as_ref())? {
            t.push_str(l.t(
                "I can only show your own organisation's figures.",
                "Mogę pokazać tylko dane Twojej organizacji.",
            ));
            t.push(' ');
        }
        let key = user.key();
        let outcome = match &account {
            None => {
                t.push_str(l.t(
                    "I don't know which organisation you are with, so I have no summary for you. Our admins can add you to it.",
                    "Nie wiem, z jakiej organizacji jesteś, więc nie mam dla Ciebie podsumowania. Nasi administratorzy mogą Cię do niej dodać.",
                ));
                "no organisation"
            }
            Some(a) if a.contact.as_deref() != Some(key.as_str()) => {
                let contact = a
                    .contact
                    .as_deref()
                    .and_then(|k| super::balance::contact_words(k, user));
                t.push_str(&match contact {
                    Some(who) => format!(
                        "{} {who} {}",
                        l.t(
                            "The monthly summary goes to your organisation's contact only:",
                            "Miesięczne podsumowanie dostaje tylko osoba kontaktowa Twojej organizacji:",
                        ),
                        l.t("can ask me for it.", "może mnie o nie poprosić."),
                    ),
                    None => l
                        .t(
                            "The monthly summary goes to your organisation's contact only; ask them for it.",
                            "Miesięczne podsumowanie dostaje tylko osoba kontaktowa Twojej organizacji; poproś ją o nie.",
                        )
                        .to_string(),
                });
                "not the contact"
            }
            Some(a) => {
                let range = chat::asked_month(said, self.today());
                let filters = Filters {
                    organisation: Some(a.id.clone()),
                    ..Filters::default()
                };
                let report = self.report(range, filters)?;
                let name = if a.name.is_empty() { &a.id } else { &a.name };
                t.push_str(&chat::organisation_summary(&report, name, lang));
                self.turn.note(
                    &key,
                    BotEvent::ReportSent {
                        what: "summary".into(),
                        from: report.from.clone(),
                        to: report.to.clone(),
                        tickets: report.tickets,
                        organisation: Some(a.id.clone()),
                    },
                );
                "summary"
            }
        };
        c.transcript.clear();
        c.language = lang.to_string();
        self.turn.note(
            &key,
            BotEvent::Answered {
                intent: MONTHLY.into(),
            },
        );
        if outcome != "summary" {
            self.acknowledged(user, &format!("monthly summary asked: {outcome}"));
        }
        self.reply(user, c, t);
        Ok(())
    }
}
