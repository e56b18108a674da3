//! Time on tickets charged to organisations' contracts: a time entry (logged, or at resolve) on a
//! ticket of an organisation with an account becomes a ledger entry split over its contracts
//! ([`crate::contracts::Account::charge`]) in the same turn as the ticket's event; the account's
//! new revision goes with it, so two turns built on the same balance cannot both commit. Alerts
//! crossed (80%, 100%, overage) go to the organisation's contact and the admins, once each.

use super::event::AgentCommand;
use super::log::BotEvent;
use super::{Cx, Desk, DeskError};
use crate::config::Role;
use crate::contracts::{self, Account, Activity, Alert, Entry, hours};
use crate::desk::turn::AccountWrite;
use crate::tickets::{Platform, Ticket, UserRef};

impl Desk {
    /// The organisation a person belongs to: the configuration's, else a stored organisation
    /// naming them (by `platform:id`, or by the domain of an e-mail address they go by).
    pub fn organisation_of(&self, user: &UserRef) -> Result<Option<String>, DeskError> {
        if let Some(o) = self.config.organisation_of(user) {
            return Ok(Some(o.id.clone()));
        }
        let key = user.key();
        let domain = crate::config::email_domain(user);
        for a in self.store.accounts()? {
            if a.users.contains(&key)
                || a.departments.values().flatten().any(|u| *u == key)
                || domain
                    .as_ref()
                    .is_some_and(|d| a.domains.iter().any(|x| x.eq_ignore_ascii_case(d)))
            {
                return Ok(Some(a.id));
            }
        }
        Ok(None)
    }

    /// The account of `user`'s own organisation (never one a message names), if they are in
    /// one.
    pub fn account_of(&self, user: &UserRef) -> Result<Option<Account>, DeskError> {
        match self.organisation_of(user)? {
            Some(org) => self.account(&org),
            None => Ok(None),
        }
    }

    /// An organisation's account as stored, or a fresh one for an organisation declared in the
    /// configuration (which has no account until its first contract or time entry).
    pub fn account(&self, org: &str) -> Result<Option<Account>, DeskError> {
        if let Some(a) = self.store.account(org)? {
            return Ok(Some(self.with_file(a)));
        }
        Ok(self.config.organisation(Some(org)).map(|o| {
            self.with_file(Account {
                id: o.id.clone(),
                ..Account::default()
            })
        }))
    }

    /// An account with what the configuration file says of its organisation (its people,
    /// contact, approver, calendar): the file is where those are edited.
    pub fn with_file(&self, mut a: Account) -> Account {
        if let Some(o) = self.config.organisation(Some(&a.id)) {
            a.configured = true;
            a.name = o.name.clone();
            a.users = o.users.clone();
            // The file's, where it says them; else what was stored.
            if !o.domains.is_empty() {
                a.domains = o.domains.clone();
            }
            if let Some(c) = &o.contact {
                a.contact = Some(c.key());
            }
            if let Some(u) = &o.approver {
                a.approver = Some(u.key());
            }
            if o.calendar.is_some() {
                a.calendar = o.calendar.clone();
            }
        }
        a
    }

    /// The time zone an organisation's months and days are counted in: its own, its calendar's,
    /// else UTC.
    pub fn zone_of(&self, account: &Account) -> jiff::tz::TimeZone {
        if let Some(tz) = account
            .timezone
            .as_deref()
            .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        {
            return tz;
        }
        let calendar = account.calendar.clone().or_else(|| {
            self.config
                .organisation(Some(&account.id))
                .and_then(|o| o.calendar.clone())
        });
        calendar
            .and_then(|c| self.config.calendars.get(&c))
            .map(|c| c.timezone.clone())
            .unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

/// A contract's balance for people: `C-1001 (block): 8 h 30 min left of 10 h, expires 2027-03-31`.
pub fn balance_line(b: &contracts::Balance) -> String {
    let period = match b.kind {
        contracts::Kind::Block => "",
        contracts::Kind::Plan => " this month",
        contracts::Kind::Annual => " this contract year",
    };
    let mut s = format!(
        "{} ({}): {} left of {}{period}",
        b.contract,
        b.kind.as_str(),
        hours(b.left),
        hours(b.of)
    );
    if let Some(e) = &b.expires {
        s.push_str(&format!(", until {e}"));
    }
    s
}

impl Cx<'_> {
    /// The account of `org` as this turn sees it, with the revision it was read at.
    fn account_for(&self, org: &str) -> Result<Option<(Account, Option<u64>)>, DeskError> {
        if let Some(w) = self.turn.accounts.iter().find(|w| w.account.id == org) {
            return Ok(Some((w.account.clone(), w.expected_rev)));
        }
        let stored = self.desk.store.account(org)?;
        let rev = stored.as_ref().map(|a| a.rev);
        Ok(match stored {
            Some(a) => Some((self.desk.with_file(a), rev)),
            None => self.desk.account(org)?.map(|a| (a, None)),
        })
    }

    /// Puts an account's new state (and entries) into the turn.
    fn put_account(&mut self, mut account: Account, expected: Option<u64>, entry: Option<Entry>) {
        match self
            .turn
            .accounts
            .iter_mut()
            .find(|w| w.account.id == account.id)
        {
            Some(w) => {
                account.rev = w.account.rev;
                w.account = account;
                w.entries.extend(entry);
            }
            None => {
                account.rev = expected.map_or(1, |r| r + 1);
                self.turn.accounts.push(AccountWrite {
                    account,
                    expected_rev: expected,
                    entries: entry.into_iter().collect(),
                });
            }
        }
    }

    /// Whether `t` may not be resolved yet: its organisation's running contract requires a time
    /// entry and none was logged (nor given with the resolve). The sentence for the agent.
    pub(super) fn time_required(
        &self,
        t: &Ticket,
        minutes: u32,
    ) -> Result<Option<String>, DeskError> {
        if minutes > 0 || t.minutes_spent > 0 {
            return Ok(None);
        }
        let Some(org) = t.organisation.as_deref() else {
            return Ok(None);
        };
        let Some((a, _)) = self.account_for(org)? else {
            return Ok(None);
        };
        let today = contracts::local_date(self.now, &self.desk.zone_of(&a));
        Ok(a.contracts
            .iter()
            .find(|c| c.require_time && c.runs_on(&today))
            .map(|c| {
                format!(
                    "{}'s contract {} needs the time spent before {} is resolved: `resolve {} MINUTES note` (or `log {} MINUTES` first).",
                    a.name, c.id, t.id, t.id, t.id
                )
            }))
    }

    /// Charges a time entry just logged on `t` (its event `event`) to the organisation's
    /// contracts. Returns what the agent is told about it, if the ticket has an organisation.
    pub(super) fn charge_time(
        &mut self,
        t: &Ticket,
        agent: &str,
        minutes: u32,
        activity: Activity,
        billable: bool,
    ) -> Result<Option<String>, DeskError> {
        if minutes == 0 {
            return Ok(None);
        }
        let Some(org) = t.organisation.clone() else {
            return Ok(None);
        };
        let Some((mut a, expected)) = self.account_for(&org)? else {
            return Ok(None);
        };
        let tz = self.desk.zone_of(&a);
        let date = contracts::local_date(self.now, &tz);
        let splits = if billable {
            a.charge(&date, minutes as i64)
        } else {
            vec![]
        };
        let entry = Entry {
            org: org.clone(),
            seq: a.entries + 1,
            at_ms: self.now,
            date: date.clone(),
            ticket: t.id.clone(),
            event: t.event_count.checked_sub(1),
            agent: agent.to_string(),
            minutes: minutes as i64,
            activity,
            billable,
            refund_of: None,
            splits,
        };
        a.apply(&entry);
        let alerts = a.crossed(&entry, &self.desk.config.contracts.thresholds);
        let said = charged_text(&a, &entry, &date);
        self.tell_alerts(&a, &alerts);
        self.put_account(a, expected, Some(entry));
        Ok(Some(said))
    }

    /// Takes back ledger entry `seq` of `t`'s organisation: the ticket's `TimeRefunded` and a
    /// negative entry to the same contracts. Err: why not, for the agent.
    pub(super) fn refund_check(
        &self,
        t: &Ticket,
        seq: u64,
    ) -> Result<Result<Entry, String>, DeskError> {
        let Some(org) = t.organisation.as_deref() else {
            return Ok(Err(format!(
                "{} has no organisation: nothing was charged.",
                t.id
            )));
        };
        let ledger = self.desk.store.ledger(org, None)?;
        let Some(e) = ledger
            .iter()
            .find(|e| e.seq == seq && e.refund_of.is_none())
        else {
            return Ok(Err(format!("{org} has no time entry {seq}.")));
        };
        if e.ticket != t.id {
            return Ok(Err(format!(
                "Entry {seq} was logged on {}, not {}.",
                e.ticket, t.id
            )));
        }
        if ledger.iter().any(|x| x.refund_of == Some(seq)) {
            return Ok(Err(format!("Entry {seq} was already refunded.")));
        }
        Ok(Ok(e.clone()))
    }

    pub(super) fn refund_time(
        &mut self,
        t: &Ticket,
        agent: &str,
        original: &Entry,
    ) -> Result<String, DeskError> {
        let org = original.org.clone();
        let Some((mut a, expected)) = self.account_for(&org)? else {
            return Ok(String::new());
        };
        let date = contracts::local_date(self.now, &self.desk.zone_of(&a));
        let splits = if original.billable {
            a.refund_splits(original, &date)
        } else {
            vec![]
        };
        let entry = Entry {
            org,
            seq: a.entries + 1,
            at_ms: self.now,
            date: date.clone(),
            ticket: t.id.clone(),
            event: t.event_count.checked_sub(1),
            agent: agent.to_string(),
            minutes: -original.minutes,
            activity: original.activity,
            billable: original.billable,
            refund_of: Some(original.seq),
            splits,
        };
        a.apply(&entry);
        let said = format!(
            "{}: entry {} ({}) refunded as entry {}. {}",
            t.id,
            original.seq,
            hours(original.minutes),
            entry.seq,
            balances_text(&a, &date)
        );
        self.put_account(a, expected, Some(entry));
        Ok(said)
    }

    /// Tells the organisation's contact and the admins about the alerts crossed.
    fn tell_alerts(&mut self, a: &Account, alerts: &[Alert]) {
        if alerts.is_empty() {
            return;
        }
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
        for alert in alerts {
            let text = match alert {
                Alert::Threshold {
                    contract,
                    percent,
                    left,
                    of,
                } if *left <= 0 && *percent >= 100 => format!(
                    "{}: contract {contract} is used up ({} of {}); further time is charged to the next contract or as overage.",
                    a.name,
                    hours(of - left),
                    hours(*of)
                ),
                Alert::Threshold {
                    contract,
                    percent,
                    left,
                    of,
                } => format!(
                    "{}: contract {contract} has reached {percent}% ({} left of {}).",
                    a.name,
                    hours(*left),
                    hours(*of)
                ),
                Alert::Overage { month, minutes } => format!(
                    "{}: time past every contract in {month}: {} of overage so far.",
                    a.name,
                    hours(*minutes)
                ),
            };
            for u in &to {
                self.notify(u, text.clone());
            }
            self.turn.note(
                &format!("org:{}", a.id),
                BotEvent::ContractAlert {
                    org: a.id.clone(),
                    alert: text.clone(),
                },
            );
        }
    }
}

/// `platform:id` as a person to write to.
pub fn user_of_key(key: &str) -> Option<UserRef> {
    let (p, id) = key.split_once(':')?;
    let platform = Platform::parse(p)?;
    Some(UserRef {
        platform,
        id: id.to_string(),
        name: id.to_string(),
    })
}

/// Every running contract's balance, in one sentence.
pub fn balances_text(a: &Account, date: &str) -> String {
    let lines: Vec<String> = a.balances(date).iter().map(balance_line).collect();
    if lines.is_empty() {
        format!("{} has no running contract.", a.name)
    } else {
        format!("{}.", lines.join("; "))
    }
}

/// What the agent reads after logging: where the minutes went and what is left.
fn charged_text(a: &Account, e: &Entry, date: &str) -> String {
    if !e.billable {
        return format!("Entry {}: not billable, nothing charged.", e.seq);
    }
    let parts: Vec<String> = e
        .splits
        .iter()
        .map(|s| match &s.contract {
            Some(c) => format!("{} to {c}", hours(s.minutes)),
            None => format!("{} as overage", hours(s.minutes)),
        })
        .collect();
    format!(
        "Entry {}: {} charged to {} ({}). {}",
        e.seq,
        hours(e.minutes),
        a.name,
        parts.join(", "),
        balances_text(a, date)
    )
}

/// Whether a command logs time the organisation may be charged for.
pub(super) fn logged(command: &AgentCommand) -> Option<(u32, Activity, bool)> {
    match command {
        AgentCommand::Resolve {
            minutes, activity, ..
        } => Some((*minutes, *activity, true)),
        AgentCommand::LogTime {
            minutes,
            activity,
            billable,
            ..
        } => Some((*minutes, *activity, *billable)),
        _ => None,
    }
}
