//! Organisations and contracts as admins manage them (`frontline orgs`, `frontline contracts`,
//! `frontline statements --close`): each change is one turn holding the account's new revision
//! and a log record (`BotEvent::AccountChanged`), committed durably and rebuilt when another turn
//! changed the account meanwhile. Organisations declared in the configuration are the same
//! organisations: their account holds their contracts, their people stay in the file.

use serde::Serialize;

use super::log::BotEvent;
use super::turn::{AccountWrite, Turn};
use super::{Desk, DeskError};
use crate::contracts::{
    self, Account, Balance, Billing, Contract, Kind, Past, Topup, hours, parse_date,
};
use crate::store::StoreError;
use crate::tickets::Platform;

/// What `orgs add` is given.
#[derive(Debug, Clone, Default)]
pub struct OrgSpec {
    pub id: String,
    pub name: String,
    pub users: Vec<String>,
    pub domains: Vec<String>,
    /// `NAME=platform:id` pairs.
    pub departments: Vec<String>,
    pub contact: Option<String>,
    pub approver: Option<String>,
    pub calendar: Option<String>,
    pub timezone: Option<String>,
}

/// What `contracts add` is given (amounts as typed, checked here).
#[derive(Debug, Clone, Default)]
pub struct ContractSpec {
    pub org: String,
    pub kind: String,
    pub hours: String,
    pub price: Option<String>,
    pub start: Option<String>,
    pub expires: Option<String>,
    pub rollover: bool,
    pub monthly_fee: Option<String>,
    pub overage_rate: Option<String>,
    pub past: Option<String>,
    pub rate: Option<String>,
    pub billing: Option<String>,
    pub require_time: bool,
}

/// An organisation as `orgs show` prints it: the file's and the store's, with balances today.
#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    pub id: String,
    pub name: String,
    pub users: Vec<String>,
    pub domains: Vec<String>,
    pub departments: std::collections::BTreeMap<String, Vec<String>>,
    pub contact: Option<String>,
    pub approver: Option<String>,
    pub calendar: Option<String>,
    pub timezone: String,
    /// Declared in the configuration file.
    pub configured: bool,
    pub contracts: Vec<ContractView>,
    pub balances: Vec<Balance>,
    /// Minutes charged this month (contracts and overage).
    pub month_usage_minutes: i64,
    pub ledger_entries: u64,
}

/// A contract with its organisation and balance today.
#[derive(Debug, Clone, Serialize)]
pub struct ContractView {
    pub org: String,
    #[serde(flatten)]
    pub contract: Contract,
    pub hours: f64,
    /// Whether it counts today.
    pub running: bool,
    /// Minutes left today (block: of all its hours; plan: this month; annual: this year).
    pub left_minutes: i64,
    pub used_minutes_by_month: std::collections::BTreeMap<String, i64>,
}

fn bad(s: impl Into<String>) -> Result<Result<Account, String>, DeskError> {
    Ok(Err(s.into()))
}

/// `platform:id` checked.
fn user_key(s: &str) -> Result<String, String> {
    let (p, id) = s.trim().split_once(':').ok_or_else(|| {
        format!("`{s}` is not a user: write platform:id (local:anna, discord:123, slack:U123)")
    })?;
    if Platform::parse(p).is_none() || id.trim().is_empty() || id.chars().any(char::is_control) {
        return Err(format!(
            "`{s}` is not a user: write platform:id (local:anna, discord:123, slack:U123)"
        ));
    }
    Ok(format!("{p}:{}", id.trim()))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

impl Desk {
    /// Commits an account change, rebuilding it on a conflict. `build` gets the account as
    /// stored (or as the configuration declares it) and returns the new state or why not.
    pub fn change_account<T>(
        &self,
        org: &str,
        now: u64,
        what: &str,
        build: impl Fn(Option<Account>) -> Result<(Account, T), String>,
    ) -> Result<Result<(Account, T), String>, DeskError> {
        loop {
            let stored = self.store.account(org)?;
            let expected = stored.as_ref().map(|a| a.rev);
            let current = match stored {
                Some(a) => Some(self.with_file(a)),
                None => self.account(org)?,
            };
            let (mut account, out) = match build(current) {
                Ok(x) => x,
                Err(e) => return Ok(Err(e)),
            };
            account.rev = expected.map_or(1, |r| r + 1);
            if account.created_ms == 0 {
                account.created_ms = now;
            }
            let mut turn = Turn {
                accounts: vec![AccountWrite {
                    account: account.clone(),
                    expected_rev: expected,
                    entries: vec![],
                }],
                ..Turn::default()
            };
            turn.note(
                &format!("org:{org}"),
                BotEvent::AccountChanged {
                    org: org.to_string(),
                    change: what.to_string(),
                },
            );
            turn.timers = super::balance_timers(self, &account);
            match self.store.commit(&turn, now, true) {
                Ok(_) => return Ok(Ok((account, out))),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// `orgs add`: a new organisation in the store.
    pub fn add_org(&self, spec: &OrgSpec, now: u64) -> Result<Result<Account, String>, DeskError> {
        let id = spec.id.trim();
        if !valid_id(id) {
            return bad(format!(
                "`{id}` is not an organisation id: up to 40 letters, digits, `-`, `_` or `.`"
            ));
        }
        if self.config.organisation(Some(id)).is_some() {
            let file = if self.config.built_in {
                "the built-in configuration".to_string()
            } else {
                format!("the configuration file {}", self.config.source.display())
            };
            return bad(format!(
                "`{id}` is declared in {file}: its people are edited there; add its contracts with `frontline contracts add --org {id}`"
            ));
        }
        if self.store.account(id)?.is_some() {
            return bad(format!(
                "organisation `{id}` already exists (`frontline orgs show {id}`)"
            ));
        }
        let name = spec.name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return bad("--name must be a name people read (not empty)");
        }
        let mut users = vec![];
        for u in &spec.users {
            match user_key(u) {
                Ok(k) => users.push(k),
                Err(e) => return bad(e),
            }
        }
        let mut domains = vec![];
        for d in &spec.domains {
            let d = d.trim().trim_start_matches('@').to_lowercase();
            if !d.contains('.')
                || !d
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            {
                return bad(format!("`{d}` is not an e-mail domain (like acme.example)"));
            }
            domains.push(d);
        }
        let mut departments = std::collections::BTreeMap::<String, Vec<String>>::new();
        for d in &spec.departments {
            let Some((name, user)) = d.split_once('=') else {
                return bad(format!(
                    "`{d}` is not a department member: write NAME=platform:id"
                ));
            };
            match user_key(user) {
                Ok(k) => departments
                    .entry(name.trim().to_string())
                    .or_default()
                    .push(k),
                Err(e) => return bad(e),
            }
        }
        // One person, one organisation: their balance must never be another's.
        let taken = |k: &str| -> Result<Option<String>, DeskError> {
            if let Some(o) = self
                .config
                .organisations
                .iter()
                .find(|o| o.users.iter().any(|u| u == k))
            {
                return Ok(Some(o.id.clone()));
            }
            Ok(self
                .store
                .accounts()?
                .into_iter()
                .find(|a| a.users.iter().any(|u| u == k))
                .map(|a| a.id))
        };
        for u in &users {
            if let Some(other) = taken(u)? {
                return bad(format!("{u} is already in organisation `{other}`"));
            }
        }
        let contact = match spec.contact.as_deref().map(user_key).transpose() {
            Ok(c) => c,
            Err(e) => return bad(e),
        };
        let approver = match spec.approver.as_deref().map(user_key).transpose() {
            Ok(c) => c,
            Err(e) => return bad(e),
        };
        if let Some(c) = &spec.calendar
            && !self.config.calendars.contains_key(c)
        {
            return bad(format!(
                "no calendar `{c}` in the configuration's [calendars]"
            ));
        }
        if let Some(z) = &spec.timezone
            && jiff::tz::TimeZone::get(z).is_err()
        {
            return bad(format!(
                "`{z}` is not an IANA time zone (like Europe/Warsaw)"
            ));
        }
        let account = Account {
            id: id.to_string(),
            name: name.to_string(),
            users,
            domains,
            departments,
            contact,
            approver,
            calendar: spec.calendar.clone(),
            timezone: spec.timezone.clone(),
            created_ms: now,
            ..Account::default()
        };
        Ok(self
            .change_account(id, now, "organisation added", |stored| match stored {
                Some(_) => Err(format!("organisation `{id}` already exists")),
                None => Ok((account.clone(), ())),
            })?
            .map(|(a, ())| a))
    }

    /// An organisation with its contracts and balances today, if it exists.
    pub fn org_view(&self, id: &str, now: u64) -> Result<Option<OrgView>, DeskError> {
        let Some(a) = self.account(id)? else {
            return Ok(None);
        };
        let configured = self.config.organisation(Some(id));
        let tz = self.zone_of(&a);
        let today = contracts::local_date(now, &tz);
        Ok(Some(OrgView {
            id: a.id.clone(),
            name: configured.map(|o| o.name.clone()).unwrap_or(a.name.clone()),
            users: configured
                .map(|o| o.users.clone())
                .unwrap_or(a.users.clone()),
            domains: a.domains.clone(),
            departments: a.departments.clone(),
            contact: a.contact.clone(),
            approver: configured
                .and_then(|o| o.approver.as_ref().map(|u| u.key()))
                .or(a.approver.clone()),
            calendar: configured
                .and_then(|o| o.calendar.clone())
                .or(a.calendar.clone()),
            timezone: tz.iana_name().unwrap_or("UTC").to_string(),
            configured: configured.is_some(),
            contracts: a
                .contracts
                .iter()
                .map(|c| contract_view(&a, c, &today))
                .collect(),
            balances: a.balances(&today),
            month_usage_minutes: a.month_usage(&today[..7]),
            ledger_entries: a.entries,
        }))
    }

    /// Every organisation: the configuration's, then the store's, by id.
    pub fn org_views(&self, now: u64) -> Result<Vec<OrgView>, DeskError> {
        let mut ids: Vec<String> = self
            .config
            .organisations
            .iter()
            .map(|o| o.id.clone())
            .collect();
        for a in self.store.accounts()? {
            if !ids.contains(&a.id) {
                ids.push(a.id);
            }
        }
        ids.sort();
        let mut out = vec![];
        for id in ids {
            out.extend(self.org_view(&id, now)?);
        }
        Ok(out)
    }

    /// A contract by id, with its organisation's account.
    pub fn find_contract(&self, id: &str) -> Result<Option<(Account, Contract)>, DeskError> {
        for a in self.store.accounts()? {
            if let Some(c) = a.contract(id) {
                let c = c.clone();
                return Ok(Some((a, c)));
            }
        }
        Ok(None)
    }

    pub fn contract_view(&self, id: &str, now: u64) -> Result<Option<ContractView>, DeskError> {
        Ok(self.find_contract(id)?.map(|(a, c)| {
            let today = contracts::local_date(now, &self.zone_of(&a));
            contract_view(&a, &c, &today)
        }))
    }

    /// `contracts add`: a block, plan or annual commitment for an organisation.
    pub fn add_contract(
        &self,
        spec: &ContractSpec,
        now: u64,
    ) -> Result<Result<(Account, Contract), String>, DeskError> {
        let Some(current) = self.account(&spec.org)? else {
            return Ok(Err(format!(
                "no organisation `{}` (`frontline orgs list`; add one with `frontline orgs add`)",
                spec.org
            )));
        };
        let tz = self.zone_of(&current);
        let c = match self.contract_of_spec(spec, &tz, now) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let number = self.store.next_contract_number()?;
        let mut c = c;
        c.id = format!("C-{number}");
        let what = format!("contract {} added", c.id);
        self.change_account(&spec.org, now, &what, |stored| {
            let mut a = stored.ok_or_else(|| format!("no organisation `{}`", spec.org))?;
            a.contracts.push(c.clone());
            Ok((a, c.clone()))
        })
    }

    fn contract_of_spec(
        &self,
        spec: &ContractSpec,
        tz: &jiff::tz::TimeZone,
        now: u64,
    ) -> Result<Contract, String> {
        let kind = Kind::parse(&spec.kind).ok_or_else(|| {
            format!(
                "`{}` is not a kind of contract: block, plan or annual",
                spec.kind
            )
        })?;
        let minutes = parse_hours(&spec.hours)?;
        let amount = |v: &Option<String>, what: &str| -> Result<Option<i64>, String> {
            v.as_deref()
                .map(|s| contracts::parse_amount(s).map_err(|e| format!("--{what}: {e}")))
                .transpose()
        };
        let start = match &spec.start {
            Some(s) => parse_date(s).map_err(|e| format!("--start: {e}"))?,
            None => contracts::local_date(now, tz),
        };
        let expires = spec
            .expires
            .as_deref()
            .map(|s| parse_date(s).map_err(|e| format!("--expires: {e}")))
            .transpose()?;
        if let Some(e) = &expires
            && e < &start
        {
            return Err(format!("--expires {e} is before the start {start}"));
        }
        let mut price_cents = amount(&spec.price, "price")?;
        let monthly_fee_cents = amount(&spec.monthly_fee, "monthly-fee")?;
        let overage_rate_cents = amount(&spec.overage_rate, "overage-rate")?;
        let rate_cents = amount(&spec.rate, "rate")?;
        let past = match spec.past.as_deref() {
            None => Past::Blocks,
            Some("blocks") => Past::Blocks,
            Some("overage") => Past::Overage,
            Some(x) => return Err(format!("--past `{x}`: blocks or overage")),
        };
        let billing = match spec.billing.as_deref() {
            None | Some("monthly") => Billing::Monthly,
            Some("quarterly") => Billing::Quarterly,
            Some(x) => return Err(format!("--billing `{x}`: monthly or quarterly")),
        };
        match kind {
            Kind::Block => {
                if monthly_fee_cents.is_some() || spec.past.is_some() || rate_cents.is_some() {
                    return Err("a block takes --hours, --price, --start, --expires and --rollover (--monthly-fee and --past are for plans, --rate for annual)".into());
                }
                if price_cents.is_none() {
                    price_cents = self.config.pricing.block_price(minutes / 60);
                }
            }
            Kind::Plan => {
                if price_cents.is_some() {
                    return Err("a plan has a --monthly-fee, not a --price".into());
                }
            }
            Kind::Annual => {
                if price_cents.is_some() || monthly_fee_cents.is_some() {
                    return Err("an annual commitment has an hourly --rate (and --billing monthly|quarterly), not a --price or --monthly-fee".into());
                }
            }
        }
        Ok(Contract {
            id: String::new(),
            kind,
            minutes,
            price_cents,
            start,
            expires,
            rollover: spec.rollover,
            monthly_fee_cents,
            overage_rate_cents,
            past,
            rate_cents: if kind == Kind::Annual {
                rate_cents.or(self.config.pricing.hourly_rate_cents)
            } else {
                None
            },
            billing,
            require_time: spec.require_time,
            topups: vec![],
            closed: None,
            created_ms: now,
        })
    }

    /// `contracts topup`: more hours on a block.
    pub fn topup(
        &self,
        id: &str,
        hours_text: &str,
        price: Option<&str>,
        date: Option<&str>,
        now: u64,
    ) -> Result<Result<(Account, Contract), String>, DeskError> {
        let Some((a, c)) = self.find_contract(id)? else {
            return Ok(Err(format!(
                "no contract `{id}` (`frontline contracts list`)"
            )));
        };
        if c.kind != Kind::Block {
            return Ok(Err(format!(
                "{} is a {}: only blocks are topped up (add another contract instead)",
                c.id,
                c.kind.as_str()
            )));
        }
        let minutes = match parse_hours(hours_text) {
            Ok(m) => m,
            Err(e) => return Ok(Err(e)),
        };
        let tz = self.zone_of(&a);
        let date = match date {
            Some(d) => match parse_date(d) {
                Ok(d) => d,
                Err(e) => return Ok(Err(format!("--date: {e}"))),
            },
            None => contracts::local_date(now, &tz),
        };
        if c.closed.is_some()
            || (!c.rollover && c.expires.as_deref().is_some_and(|e| e < date.as_str()))
        {
            return Ok(Err(format!("{} has ended: add a new block instead", c.id)));
        }
        let price_cents = match price.map(contracts::parse_amount).transpose() {
            Ok(p) => p.or_else(|| self.config.pricing.block_price(minutes / 60)),
            Err(e) => return Ok(Err(format!("--price: {e}"))),
        };
        let what = format!("contract {} topped up by {}", c.id, hours(minutes));
        let cid = c.id.clone();
        self.change_account(&a.id, now, &what, |stored| {
            let mut a = stored.ok_or("the organisation is gone")?;
            let c = a
                .contracts
                .iter_mut()
                .find(|x| x.id == cid)
                .ok_or("the contract is gone")?;
            c.topups.push(Topup {
                date: date.clone(),
                minutes,
                price_cents,
            });
            let c = c.clone();
            Ok((a, c))
        })
    }

    /// `contracts close`: a contract stops counting from `date` (default today).
    pub fn close_contract(
        &self,
        id: &str,
        date: Option<&str>,
        now: u64,
    ) -> Result<Result<(Account, Contract), String>, DeskError> {
        let Some((a, c)) = self.find_contract(id)? else {
            return Ok(Err(format!(
                "no contract `{id}` (`frontline contracts list`)"
            )));
        };
        if let Some(d) = &c.closed {
            return Ok(Err(format!("{} was closed on {d}", c.id)));
        }
        let date = match date {
            Some(d) => match parse_date(d) {
                Ok(d) => d,
                Err(e) => return Ok(Err(format!("--date: {e}"))),
            },
            None => contracts::local_date(now, &self.zone_of(&a)),
        };
        let what = format!("contract {} closed from {date}", c.id);
        let cid = c.id.clone();
        self.change_account(&a.id, now, &what, |stored| {
            let mut a = stored.ok_or("the organisation is gone")?;
            let c = a
                .contracts
                .iter_mut()
                .find(|x| x.id == cid)
                .ok_or("the contract is gone")?;
            c.closed = Some(date.clone());
            let c = c.clone();
            Ok((a, c))
        })
    }

    /// Closes a month: its entries are billed. Only a month that has ended where the
    /// organisation is.
    pub fn close_month(
        &self,
        org: &str,
        month: &str,
        now: u64,
    ) -> Result<Result<Account, String>, DeskError> {
        let Some(a) = self.account(org)? else {
            return bad(format!("no organisation `{org}`"));
        };
        let today = contracts::local_date(now, &self.zone_of(&a));
        if month >= &today[..7] {
            return bad(format!(
                "{month} has not ended in {}'s time zone: a month is closed once it is over",
                a.name
            ));
        }
        if a.billed.contains(month) {
            return bad(format!("{month} was already closed for {org}"));
        }
        let what = format!("month {month} closed (entries billed)");
        Ok(self
            .change_account(org, now, &what, |stored| {
                let mut a = stored.ok_or("the organisation is gone")?;
                a.billed.insert(month.to_string());
                Ok((a, ()))
            })?
            .map(|(a, ())| a))
    }

    /// The statement of `month` for `org`.
    pub fn statement(
        &self,
        org: &str,
        month: &str,
    ) -> Result<Result<contracts::Statement, String>, DeskError> {
        let Some(a) = self.account(org)? else {
            return Ok(Err(format!(
                "no organisation `{org}` (`frontline orgs list`)"
            )));
        };
        let entries = self.store.ledger(org, Some(month))?;
        let tz = self.zone_of(&a);
        Ok(Ok(contracts::Statement::build(
            &a,
            month,
            &entries,
            &self.config.pricing,
            &tz,
        )))
    }
}

/// Hours as typed (`10`, `7.5`, `7,5`) in minutes, more than none.
pub fn parse_hours(s: &str) -> Result<i64, String> {
    let t = s.trim().replace(',', ".");
    match t.parse::<f64>() {
        Ok(h) if h > 0.0 && h <= 100_000.0 && (h * 60.0).fract().abs() < 1e-9 => {
            Ok((h * 60.0).round() as i64)
        }
        _ => Err(format!(
            "`{s}` is not a number of hours (like 10, 20, 50, 100 or 7.5)"
        )),
    }
}

fn contract_view(a: &Account, c: &Contract, today: &str) -> ContractView {
    ContractView {
        org: a.id.clone(),
        contract: c.clone(),
        hours: c.minutes as f64 / 60.0,
        running: c.runs_on(today),
        left_minutes: a.remaining(c, today),
        used_minutes_by_month: a.used.get(&c.id).cloned().unwrap_or_default(),
    }
}
