//! Support-hours balances in chat, on cards and ahead of a block's expiry.
//!
//! - An end user asks ("how many hours do we have left?", "ile godzin nam zostało?", intent
//!   `support_hours_balance`): the bot answers with *their own* organisation's running contracts
//!   (what is left of how much, until when) and this month's usage, from
//!   [`Desk::organisation_of`] and the organisation's account. The organisation is never taken
//!   from the message: naming another company or another company's contract changes nothing but
//!   a sentence saying only their own is shown. Buying more hours or asking for a report is work
//!   for the account team: that still opens a ticket (the intent's `escalate`).
//! - An agent's card carries the requester's organisation's contracts in one line
//!   ([`card_line`]), so whoever works the ticket sees whether time goes to a block or overage.
//! - A block's expiry is warned `[contracts] expiry_warning_days` before it, at 09:00 in the
//!   organisation's time zone, once: a durable timer that belongs to no ticket
//!   ([`contract_timers`], id `contract:C-1001:expiry`, `about` = the organisation), whose
//!   firing tells the organisation's contact and the admins and marks the alert
//!   `C-1001:expiry` in the account in the same turn.

use super::conversation::Conversation;
use super::log::BotEvent;
use super::texts::{Text, fill, text};
use super::time::user_of_key;
use super::{Cx, Desk, DeskError};
use crate::clocks::timer::{Timer, TimerKind, TimerWrite};
use crate::config::{Config, Role};
use crate::contracts::{self, Account, Balance, Kind, hours};
use crate::desk::turn::AccountWrite;
use crate::tickets::{Platform, Ticket, UserRef};
use crate::triage::normalize::normalize;

/// The intent of questions about prepaid hours.
pub(super) const BALANCE: &str = "support_hours_balance";

/// Who the desk's own log records are about when no person is.
fn org_log_key(org: &str) -> String {
    format!("org:{org}")
}

/// The id of a contract's expiry warning timer.
pub fn expiry_timer_id(contract: &str) -> String {
    format!("contract:{contract}:expiry")
}

/// The key of a contract's expiry alert in [`Account::alerts`].
fn expiry_alert_key(contract: &str) -> String {
    format!("{contract}:expiry")
}

/// Whether a message about support hours asks for something only a person does: buying or
/// renewing hours, an offer, a report or an invoice. Those still open a ticket; a question about
/// what is left is answered by the bot.
pub(super) fn wants_person(said: &str) -> bool {
    const WORDS: &[&str] = &[
        // English: buying, renewing, paperwork.
        "buy",
        "buying",
        "purchase",
        "order",
        "ordering",
        "top up",
        "top-up",
        "topup",
        "renew",
        "renewal",
        "extend",
        "extension",
        "offer",
        "quote",
        "price",
        "pricing",
        "cost",
        "invoice",
        "report",
        "statement",
        "upgrade",
        // Polish (folded): dokupić, kupić, zamówić, doładować, odnowić, przedłużyć, oferta, cena,
        // faktura, raport, zestawienie.
        "dokup*",
        "kupi*",
        "kupno",
        "zamow*",
        "zamawia*",
        "doladow*",
        "odnow*",
        "przedluz*",
        "ofert*",
        "cen*",
        "cennik*",
        "faktur*",
        "raport*",
        "zestawieni*",
    ];
    let folded = normalize(said).text;
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    let joined = format!(" {} ", words.join(" "));
    WORDS.iter().any(|w| match w.strip_suffix('*') {
        Some(stem) => words
            .iter()
            .any(|x| x.starts_with(stem) && x.len() > stem.len()),
        None if w.contains(' ') => joined.contains(&format!(" {w} ")),
        None => words.contains(w),
    })
}

/// The time zone of an organisation's dates, as [`Desk::zone_of`] reads it, for callers that
/// have the configuration but no desk (the CLI turn that adds a contract).
fn zone(config: &Config, account: &Account) -> jiff::tz::TimeZone {
    if let Some(tz) = account
        .timezone
        .as_deref()
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
    {
        return tz;
    }
    account
        .calendar
        .clone()
        .or_else(|| {
            config
                .organisation(Some(&account.id))
                .and_then(|o| o.calendar.clone())
        })
        .and_then(|c| config.calendars.get(&c))
        .map(|c| c.timezone.clone())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The timers an account's contracts need: for each block with an expiry, not closed and not
/// warned yet, its warning `[contracts] expiry_warning_days` before the expiry at 09:00 in the
/// organisation's time zone; a cancellation for every other contract (closed, warned, no
/// expiry, warnings off), so writing the result after any change to the account leaves exactly
/// the timers it needs. A warning whose day has passed is due at once (it fires on the next
/// timer run and says how many days are left, if the block has not expired by then).
pub fn contract_timers(config: &Config, account: &Account) -> Vec<TimerWrite> {
    let days = config.contracts.expiry_warning_days;
    let tz = zone(config, account);
    account
        .contracts
        .iter()
        .map(|c| {
            let id = expiry_timer_id(&c.id);
            let due = c
                .expires
                .as_deref()
                .filter(|_| {
                    days > 0
                        && c.kind == Kind::Block
                        && c.closed.is_none()
                        && !account.alerts.contains(&expiry_alert_key(&c.id))
                })
                .and_then(|e| warning_instant(e, days, &tz));
            match due {
                Some(due_ms) => TimerWrite::Set(Timer {
                    id,
                    ticket: String::new(),
                    kind: TimerKind::ContractExpiry,
                    about: account.id.clone(),
                    due_ms,
                }),
                None => TimerWrite::Cancel(id),
            }
        })
        .collect()
}

/// 09:00 local, `days` before the local date `expires`, as ms since the epoch.
fn warning_instant(expires: &str, days: u32, tz: &jiff::tz::TimeZone) -> Option<u64> {
    let date: jiff::civil::Date = expires.parse().ok()?;
    let day = date
        .checked_sub(jiff::Span::new().days(i64::from(days)))
        .ok()?;
    let at = day.at(9, 0, 0, 0).to_zoned(tz.clone()).ok()?;
    u64::try_from(at.timestamp().as_millisecond()).ok()
}

/// Days from the local date `from` to `to` (negative when `to` is earlier).
fn days_between(from: &str, to: &str) -> Option<i64> {
    let a: jiff::civil::Date = from.parse().ok()?;
    let b: jiff::civil::Date = to.parse().ok()?;
    Some(i64::from(a.until(b).ok()?.get_days()))
}

/// One contract for people, in `lang`: `- C-1001 (block): 7 h 30 min left of 10 h, valid until
/// 2027-03-31`.
fn person_line(b: &Balance, date: &str, lang: &str) -> String {
    let key = match b.kind {
        Kind::Block => Text::BalanceLineBlock,
        Kind::Plan => Text::BalanceLinePlan,
        Kind::Annual => Text::BalanceLineAnnual,
    };
    let mut s = fill(
        text(lang, key),
        &[
            ("id", &b.contract),
            ("left", &hours(b.left.max(0))),
            ("of", &hours(b.of)),
        ],
    );
    if let Some(e) = &b.expires {
        let until = if e.as_str() < date {
            Text::BalanceExpiredRolls
        } else {
            Text::BalanceUntil
        };
        s.push_str(&fill(text(lang, until), &[("date", e)]));
    }
    s
}

/// The answer to "how many hours do we have left?" for an organisation with running contracts.
pub fn balance_answer(a: &Account, date: &str, lang: &str) -> Option<String> {
    let balances = a.balances(date);
    if balances.is_empty() {
        return None;
    }
    let month = &date[..7];
    let mut s = fill(
        text(lang, Text::BalanceHeader),
        &[("org", &a.name), ("date", date)],
    );
    for b in &balances {
        s.push('\n');
        s.push_str(&person_line(b, date, lang));
    }
    let overage = a.overage.get(month).copied().unwrap_or(0);
    let over = if overage > 0 {
        fill(
            text(lang, Text::BalanceOverage),
            &[("overage", &hours(overage))],
        )
    } else {
        String::new()
    };
    s.push('\n');
    s.push_str(&fill(
        text(lang, Text::BalanceUsed),
        &[
            ("month", month),
            ("used", &hours(a.month_usage(month))),
            ("overage", &over),
        ],
    ));
    s.push(' ');
    s.push_str(text(lang, Text::BalanceBuyMore));
    Some(s)
}

/// The requester's organisation's contracts on an agent's card: `C-1001 block, 7 h 30 min left
/// of 10 h, until 2027-03-31; this month 2 h 30 min`.
pub fn card_line(a: &Account, date: &str) -> String {
    let month = &date[..7];
    let balances = a.balances(date);
    if balances.is_empty() {
        let used = a.month_usage(month);
        return if used > 0 {
            format!(
                "no running contract (this month {} as overage)",
                hours(used)
            )
        } else {
            "no running contract".to_string()
        };
    }
    let mut parts: Vec<String> = balances
        .iter()
        .map(|b| {
            let period = match b.kind {
                Kind::Block => "",
                Kind::Plan => " this month",
                Kind::Annual => " this contract year",
            };
            let mut s = format!(
                "{} {}, {} left of {}{period}",
                b.contract,
                b.kind.as_str(),
                hours(b.left),
                hours(b.of)
            );
            if let Some(e) = &b.expires {
                if e.as_str() < date {
                    s.push_str(&format!(", expired {e} (hours roll over)"));
                } else {
                    s.push_str(&format!(", until {e}"));
                }
            }
            s
        })
        .collect();
    let mut month_part = format!("this month {}", hours(a.month_usage(month)));
    if let Some(o) = a.overage.get(month).filter(|o| **o > 0) {
        month_part.push_str(&format!(" ({} overage)", hours(*o)));
    }
    parts.push(month_part);
    parts.join("; ")
}

/// How an end user reads the name of their organisation's contact: a mention on the platform
/// they share, the plain id for local users; nothing across platforms (an id from another
/// platform means nothing to them).
pub(super) fn contact_words(contact: &str, asker: &UserRef) -> Option<String> {
    let u = user_of_key(contact)?;
    if u.same_person(asker) || u.platform != asker.platform {
        return None;
    }
    Some(match u.platform {
        Platform::Discord | Platform::Slack => format!("<@{}>", u.id),
        _ => u.id,
    })
}

impl Desk {
    /// The card line of a ticket's organisation's contracts at `now`, if it has an organisation
    /// with an account. A courtesy on the card: a store error leaves it out.
    pub fn contract_card_line(&self, t: &Ticket, now: u64) -> Option<String> {
        let org = t.organisation.as_deref()?;
        let a = self.account(org).ok().flatten()?;
        let date = contracts::local_date(now, &self.zone_of(&a));
        Some(card_line(&a, &date))
    }

    /// Whether `said` names an organisation other than `own` (its id, name or a contract of
    /// its), so the answer can say only the asker's own is shown.
    pub(super) fn names_another(
        &self,
        said: &str,
        own: Option<&Account>,
    ) -> Result<bool, DeskError> {
        let folded = normalize(said).text;
        let words: Vec<&str> = folded
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty())
            .collect();
        let own_id = own.map(|a| a.id.as_str());
        let own_contract = |id: &str| {
            own.is_some_and(|a| a.contracts.iter().any(|c| c.id.eq_ignore_ascii_case(id)))
        };
        // A contract number not theirs ("C-1002").
        if words.iter().any(|w| {
            w.strip_prefix("c-")
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                && !own_contract(w)
        }) {
            return Ok(true);
        }
        let mut others: Vec<(String, String)> = self
            .config
            .organisations
            .iter()
            .map(|o| (o.id.clone(), o.name.clone()))
            .collect();
        others.extend(self.store.accounts()?.into_iter().map(|a| (a.id, a.name)));
        Ok(others
            .iter()
            .filter(|(id, _)| Some(id.as_str()) != own_id)
            .any(|(id, name)| {
                let id = normalize(id).text;
                let name = normalize(name).text;
                let first = name
                    .split(|c: char| !c.is_alphanumeric())
                    .next()
                    .unwrap_or("");
                // The asker's own name may share a first word ("ACME" and "ACME Labs").
                let own_name = own.map(|a| normalize(&a.name).text).unwrap_or_default();
                words.contains(&id.as_str())
                    || (!name.is_empty() && folded.contains(&name))
                    || (first.chars().count() >= 4
                        && words.contains(&first)
                        && !own_name.split_whitespace().any(|w| w == first))
            }))
    }
}

impl Cx<'_> {
    /// The card line of a ticket's organisation's contracts as this turn leaves them (a time
    /// entry logged in the turn included).
    pub(super) fn contract_card_line(&self, t: &Ticket) -> Option<String> {
        let org = t.organisation.as_deref()?;
        let a = match self.turn.accounts.iter().find(|w| w.account.id == org) {
            Some(w) => w.account.clone(),
            None => self.desk.account(org).ok().flatten()?,
        };
        let date = contracts::local_date(self.now, &self.desk.zone_of(&a));
        Some(card_line(&a, &date))
    }

    /// "How many hours do we have left?": the asker's own organisation's balance and this
    /// month's usage, or why there is none and who to ask. Nothing is stored but the
    /// conversation and the bot's log record.
    pub(super) fn hours_balance(
        &mut self,
        user: &UserRef,
        c: &mut Conversation,
        said: &str,
        lang: &str,
    ) -> Result<(), DeskError> {
        let account = self.desk.account_of(user)?;
        let mut t = String::new();
        if self.desk.names_another(said, account.as_ref())? {
            t.push_str(text(lang, Text::BalanceOnlyYours));
            t.push(' ');
        }
        let answered = match &account {
            None => {
                t.push_str(text(lang, Text::BalanceNoOrganisation));
                "no organisation"
            }
            Some(a) => {
                let date = contracts::local_date(self.now, &self.desk.zone_of(a));
                match balance_answer(a, &date, lang) {
                    Some(answer) => {
                        t.push_str(&answer);
                        "balance"
                    }
                    None => {
                        let contact = a
                            .contact
                            .as_deref()
                            .and_then(|k| contact_words(k, user))
                            .map(|who| fill(text(lang, Text::BalanceContact), &[("contact", &who)]))
                            .unwrap_or_default();
                        t.push_str(&fill(
                            text(lang, Text::BalanceNoContract),
                            &[("org", &a.name), ("contact", &contact)],
                        ));
                        "no contract"
                    }
                }
            }
        };
        // Answered: nothing left to pass on. Not answered: the question stays in the
        // conversation, so "human" next opens a ticket about it for a person.
        if answered == "balance" {
            c.transcript.clear();
        }
        c.language = lang.to_string();
        self.turn.note(
            &user.key(),
            BotEvent::Answered {
                intent: BALANCE.into(),
            },
        );
        if answered != "balance" {
            self.turn.note(
                &user.key(),
                BotEvent::Acknowledged {
                    why: format!("support hours asked: {answered}"),
                },
            );
        }
        self.reply(user, c, t);
        Ok(())
    }

    /// The expiry warnings' timers of every stored account as the configuration wants them
    /// (run with the desk's own timers, [`super::Event::Schedule`]): what is missing or moved is
    /// set, what is no longer needed is removed, what stands is left alone.
    pub(super) fn schedule_contract_timers(&mut self) -> Result<(), DeskError> {
        for a in self.desk.store.accounts()? {
            for w in contract_timers(&self.desk.config, &a) {
                match &w {
                    TimerWrite::Set(t) => {
                        if self
                            .desk
                            .store
                            .timer(&t.id)?
                            .is_some_and(|s| s.due_ms == t.due_ms)
                        {
                            continue;
                        }
                    }
                    TimerWrite::Cancel(id) => {
                        if self.desk.store.timer(id)?.is_none() {
                            continue;
                        }
                    }
                }
                self.turn.timers.push(w);
            }
        }
        Ok(())
    }

    /// A contract's expiry warning fired (the timer is already removed by the caller's turn):
    /// the organisation's contact and the admins are told once, and the account marks it sent.
    /// A block closed, expired or already warned is told nothing; one whose warning moved later
    /// (the setting changed) gets its timer back at the new instant.
    pub(super) fn contract_expiry(&mut self, timer: &Timer) -> Result<(), DeskError> {
        let org = timer.about.clone();
        let (mut a, expected) = match self.turn.accounts.iter().find(|w| w.account.id == org) {
            Some(w) => (w.account.clone(), w.expected_rev),
            None => match self.desk.store.account(&org)? {
                Some(a) => {
                    let rev = a.rev;
                    (a, Some(rev))
                }
                None => return Ok(()),
            },
        };
        let Some(contract) = a
            .contracts
            .iter()
            .find(|c| expiry_timer_id(&c.id) == timer.id)
            .cloned()
        else {
            return Ok(());
        };
        let wanted = contract_timers(&self.desk.config, &a)
            .into_iter()
            .find_map(|w| match w {
                TimerWrite::Set(t) if t.id == timer.id => Some(t),
                _ => None,
            });
        let Some(wanted) = wanted else {
            return Ok(());
        };
        if wanted.due_ms > timer.due_ms && wanted.due_ms > self.now {
            self.turn.timers.push(TimerWrite::Set(wanted));
            return Ok(());
        }
        let Some(expires) = contract.expires.clone() else {
            return Ok(());
        };
        let today = contracts::local_date(self.now, &self.desk.zone_of(&a));
        let Some(days) = days_between(&today, &expires).filter(|d| *d >= 0) else {
            return Ok(());
        };
        a.alerts.insert(expiry_alert_key(&contract.id));
        let left = a.remaining(&contract, &today).max(0);
        let of = contract.total_on(&today);
        let mut to: Vec<UserRef> = self
            .desk
            .config
            .agents
            .iter()
            .filter(|g| g.role == Role::Admin)
            .map(super::agent::agent_ref)
            .collect();
        if let Some(contact) = a.contact.as_deref().and_then(user_of_key)
            && !to.iter().any(|u| u.same_person(&contact))
        {
            to.push(contact);
        }
        let mut logged = None;
        for u in &to {
            // Each in the language the bot last spoke with them, else English.
            let lang = self
                .desk
                .load(u)
                .map(|c| c.language)
                .ok()
                .filter(|l| l == "pl")
                .unwrap_or_else(|| "en".to_string());
            let when = match days {
                0 => text(&lang, Text::ExpiryToday).to_string(),
                1 => text(&lang, Text::ExpiryTomorrow).to_string(),
                n => fill(text(&lang, Text::ExpiryInDays), &[("days", &n.to_string())]),
            };
            let after = if contract.rollover {
                Text::ExpiryRollover
            } else {
                Text::ExpiryLost
            };
            let said = format!(
                "{} {}",
                fill(
                    text(&lang, Text::ContractExpiryWarning),
                    &[
                        ("org", &a.name),
                        ("id", &contract.id),
                        ("date", &expires),
                        ("when", &when),
                        ("left", &hours(left)),
                        ("of", &hours(of)),
                    ],
                ),
                text(&lang, after)
            );
            if lang == "en" || logged.is_none() {
                logged = Some(said.clone());
            }
            self.notify(u, said);
        }
        let alert = logged.unwrap_or_else(|| {
            format!(
                "{}: contract {} expires on {expires} ({} left of {}); nobody to tell.",
                a.name,
                contract.id,
                hours(left),
                hours(of)
            )
        });
        self.turn.note(
            &org_log_key(&a.id),
            BotEvent::ContractAlert {
                org: a.id.clone(),
                alert,
            },
        );
        match self.turn.accounts.iter_mut().find(|w| w.account.id == a.id) {
            Some(w) => {
                a.rev = w.account.rev;
                w.account = a;
            }
            None => {
                a.rev = expected.map_or(1, |r| r + 1);
                self.turn.accounts.push(AccountWrite {
                    account: a,
                    expected_rev: expected,
                    entries: vec![],
                });
            }
        }
        Ok(())
    }
}
