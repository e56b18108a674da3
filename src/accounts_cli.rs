//! `frontline orgs`, `frontline contracts` and `frontline statements`: organisations, their
//! contracts and monthly statements, from the command line (and through a running bot's control
//! socket, like every store command). The work is the desk's (`desk/accounts.rs`); this is the
//! arguments and the printing.

use anyhow::Result;
use clap::Subcommand;

use crate::{DeskArgs, local_setup};
use frontline::contracts::{self, hours, money};
use frontline::desk::Desk;
use frontline::desk::accounts::{ContractSpec, ContractView, OrgSpec, OrgView};
use frontline::desk::time::balance_line;
use frontline::platform::control::Io;
use frontline::platform::terminal;
use frontline::tickets::now_ms;

#[derive(Subcommand)]
pub enum OrgsCommand {
    /// Add an organisation: its people by platform id and by e-mail domain.
    Add {
        #[command(flatten)]
        desk: DeskArgs,
        /// Its id (letters, digits, `-`, `_`, `.`), e.g. acme.
        id: String,
        /// Its name as people read it.
        #[arg(long)]
        name: String,
        /// A member as platform:id (local:anna, discord:123, slack:U123); repeat for more.
        #[arg(long = "user")]
        users: Vec<String>,
        /// An e-mail domain whose people belong to it (acme.example); repeat for more.
        #[arg(long = "domain")]
        domains: Vec<String>,
        /// A department member as NAME=platform:id; repeat for more.
        #[arg(long = "department")]
        departments: Vec<String>,
        /// Who is told about balances, alerts and expiries (platform:id).
        #[arg(long)]
        contact: Option<String>,
        /// Who approves its people's requests (platform:id).
        #[arg(long)]
        approver: Option<String>,
        /// The business-hours calendar its SLAs count in (`[calendars.NAME]`).
        #[arg(long)]
        calendar: Option<String>,
        /// Its IANA time zone (months and days of its statements), e.g. Europe/Warsaw.
        #[arg(long)]
        timezone: Option<String>,
        /// Print the organisation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// One organisation: people, contracts, balances today.
    Show {
        #[command(flatten)]
        desk: DeskArgs,
        /// The organisation's id.
        id: String,
        /// Print the organisation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every organisation (the configuration's and the store's).
    List {
        #[command(flatten)]
        desk: DeskArgs,
        /// Print them as a JSON array.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ContractsCommand {
    /// Add a contract: a block of hours, a managed-service plan or an annual commitment.
    Add {
        #[command(flatten)]
        desk: DeskArgs,
        /// The organisation's id.
        #[arg(long)]
        org: String,
        /// block, plan or annual.
        #[arg(long)]
        kind: String,
        /// Block: hours bought (10, 20, 50, 100 or any); plan: per month; annual: per year.
        #[arg(long)]
        hours: String,
        /// A block's price (default: from `[pricing]`).
        #[arg(long)]
        price: Option<String>,
        /// First day it counts, YYYY-MM-DD (default: today in the organisation's zone).
        #[arg(long)]
        start: Option<String>,
        /// Last day it counts, YYYY-MM-DD.
        #[arg(long)]
        expires: Option<String>,
        /// Unused hours roll over (block: usable after expiry; plan: into the next month;
        /// annual: into the next year).
        #[arg(long)]
        rollover: bool,
        /// A plan's monthly fee.
        #[arg(long = "monthly-fee")]
        monthly_fee: Option<String>,
        /// A plan's rate per hour past its hours.
        #[arg(long = "overage-rate")]
        overage_rate: Option<String>,
        /// A plan's time past its hours: blocks (draw down blocks, then overage) or overage.
        #[arg(long)]
        past: Option<String>,
        /// An annual commitment's agreed rate per hour.
        #[arg(long)]
        rate: Option<String>,
        /// An annual commitment's billing: monthly or quarterly.
        #[arg(long)]
        billing: Option<String>,
        /// Tickets of the organisation are resolved only with time logged.
        #[arg(long = "require-time")]
        require_time: bool,
        /// Print the new contract (with its `id`) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// One contract with its balance and use per month.
    Show {
        #[command(flatten)]
        desk: DeskArgs,
        /// The contract's id, e.g. C-1001.
        id: String,
        /// Print the contract as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Contracts of every organisation, or of one.
    List {
        #[command(flatten)]
        desk: DeskArgs,
        /// Only this organisation's.
        #[arg(long)]
        org: Option<String>,
        /// Print them as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Add hours to a block.
    Topup {
        #[command(flatten)]
        desk: DeskArgs,
        /// The block's id, e.g. C-1001.
        id: String,
        /// Hours to add.
        #[arg(long)]
        hours: String,
        /// Its price (default: from `[pricing]`).
        #[arg(long)]
        price: Option<String>,
        /// From which day the hours count, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
        /// Print the contract as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Close a contract: it stops counting from --date (default today); hours left are lost.
    Close {
        #[command(flatten)]
        desk: DeskArgs,
        /// The contract's id, e.g. C-1001.
        id: String,
        /// The first day it no longer counts, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
        /// Print the contract as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn desk_of(args: &DeskArgs, io: &Io) -> Result<Desk> {
    let setup = local_setup(args, io)?;
    let store = setup.store()?;
    Ok(Desk::new(setup.triage.clone(), setup.config.clone(), store))
}

fn refused(io: &mut Io, why: &str) -> Result<i32> {
    writeln!(io.err, "error: {}", terminal::line(why))?;
    Ok(1)
}

fn org_text(o: &OrgView) -> String {
    let p = terminal::line;
    let mut s = format!(
        "{} ({}){}\n",
        p(&o.name),
        p(&o.id),
        if o.configured {
            ", from the configuration file"
        } else {
            ""
        }
    );
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter().map(|x| p(x)).collect::<Vec<_>>().join(", ")
        }
    };
    s.push_str(&format!("  people: {}\n", list(&o.users)));
    if !o.domains.is_empty() {
        s.push_str(&format!("  e-mail domains: {}\n", list(&o.domains)));
    }
    for (d, members) in &o.departments {
        s.push_str(&format!("  department {}: {}\n", p(d), list(members)));
    }
    if let Some(c) = &o.contact {
        s.push_str(&format!("  contact: {}\n", p(c)));
    }
    if let Some(a) = &o.approver {
        s.push_str(&format!("  approver: {}\n", p(a)));
    }
    s.push_str(&format!(
        "  time zone: {}{}\n",
        o.timezone,
        o.calendar
            .as_deref()
            .map(|c| format!(" (calendar {c})"))
            .unwrap_or_default()
    ));
    if o.contracts.is_empty() {
        s.push_str("  contracts: none\n");
    }
    for c in &o.contracts {
        s.push_str(&format!("  {}\n", contract_summary(c)));
    }
    for b in &o.balances {
        s.push_str(&format!("  balance {}\n", balance_line(b)));
    }
    s.push_str(&format!(
        "  used this month: {}; {} time entries in all",
        hours(o.month_usage_minutes),
        o.ledger_entries
    ));
    s
}

fn contract_summary(v: &ContractView) -> String {
    let c = &v.contract;
    let mut s = format!("{} {} of {}", c.id, c.kind.as_str(), hours(c.minutes));
    match c.kind {
        contracts::Kind::Block => {
            if let Some(p) = c.price_cents {
                s.push_str(&format!(", price {}", money(p)));
            }
        }
        contracts::Kind::Plan => {
            s.push_str(" a month");
            if let Some(f) = c.monthly_fee_cents {
                s.push_str(&format!(", fee {} a month", money(f)));
            }
            if let Some(r) = c.overage_rate_cents {
                s.push_str(&format!(", overage {}/h", money(r)));
            }
            if c.past == contracts::Past::Overage {
                s.push_str(", past its hours straight to overage");
            }
        }
        contracts::Kind::Annual => {
            s.push_str(" a year");
            if let Some(r) = c.rate_cents {
                s.push_str(&format!(
                    " at {}/h, billed {}",
                    money(r),
                    if c.billing == contracts::Billing::Quarterly {
                        "quarterly"
                    } else {
                        "monthly"
                    }
                ));
            }
        }
    }
    s.push_str(&format!(", from {}", c.start));
    if let Some(e) = &c.expires {
        s.push_str(&format!(" until {e}"));
    }
    if c.rollover {
        s.push_str(", rollover");
    }
    if c.require_time {
        s.push_str(", time entry required to resolve");
    }
    for t in &c.topups {
        s.push_str(&format!(", +{} on {}", hours(t.minutes), t.date));
    }
    if let Some(d) = &c.closed {
        s.push_str(&format!(", closed from {d}"));
    }
    s.push_str(&format!(
        "; {} left{}",
        hours(v.left_minutes),
        if v.running {
            ""
        } else {
            " (not running today)"
        }
    ));
    s
}

pub fn orgs(what: OrgsCommand, io: &mut Io) -> Result<i32> {
    match what {
        OrgsCommand::Add {
            desk,
            id,
            name,
            users,
            domains,
            departments,
            contact,
            approver,
            calendar,
            timezone,
            json,
        } => {
            let d = desk_of(&desk, io)?;
            let spec = OrgSpec {
                id,
                name,
                users,
                domains,
                departments,
                contact,
                approver,
                calendar,
                timezone,
            };
            let now = now_ms();
            match d.add_org(&spec, now)? {
                Err(why) => refused(io, &why),
                Ok(a) => {
                    let view = d.org_view(&a.id, now)?.expect("just added");
                    if json {
                        outln!(io, "{}", terminal::json(&view)?);
                    } else {
                        outln!(io, "Added {}.\n{}", terminal::line(&a.id), org_text(&view));
                    }
                    Ok(0)
                }
            }
        }
        OrgsCommand::Show { desk, id, json } => {
            let d = desk_of(&desk, io)?;
            match d.org_view(&id, now_ms())? {
                None => refused(
                    io,
                    &format!("no organisation `{id}` (`frontline orgs list`)"),
                ),
                Some(v) if json => {
                    outln!(io, "{}", terminal::json(&v)?);
                    Ok(0)
                }
                Some(v) => {
                    outln!(io, "{}", org_text(&v));
                    Ok(0)
                }
            }
        }
        OrgsCommand::List { desk, json } => {
            let d = desk_of(&desk, io)?;
            let all = d.org_views(now_ms())?;
            if json {
                outln!(io, "{}", terminal::json(&all)?);
            } else if all.is_empty() {
                outln!(
                    io,
                    "no organisations (add one with `frontline orgs add ID --name NAME`)"
                );
            } else {
                for o in &all {
                    let left: i64 = o.balances.iter().map(|b| b.left).sum();
                    outln!(
                        io,
                        "{:<16} {:<30} {} people, {} contracts, {} left, {} used this month",
                        terminal::line(&o.id),
                        terminal::line(&o.name),
                        o.users.len(),
                        o.contracts.len(),
                        hours(left),
                        hours(o.month_usage_minutes)
                    );
                }
            }
            Ok(0)
        }
    }
}

fn print_contract(io: &mut Io, d: &Desk, id: &str, json: bool, said: &str) -> Result<i32> {
    let Some(v) = d.contract_view(id, now_ms())? else {
        return refused(io, &format!("no contract `{id}`"));
    };
    if json {
        outln!(io, "{}", terminal::json(&v)?);
    } else {
        if !said.is_empty() {
            outln!(io, "{said}");
        }
        outln!(io, "{} ({})", contract_summary(&v), terminal::line(&v.org));
        for (m, used) in &v.used_minutes_by_month {
            outln!(io, "  {m}: {} used", hours(*used));
        }
    }
    Ok(0)
}

pub fn contracts(what: ContractsCommand, io: &mut Io) -> Result<i32> {
    match what {
        ContractsCommand::Add {
            desk,
            org,
            kind,
            hours,
            price,
            start,
            expires,
            rollover,
            monthly_fee,
            overage_rate,
            past,
            rate,
            billing,
            require_time,
            json,
        } => {
            let d = desk_of(&desk, io)?;
            let spec = ContractSpec {
                org,
                kind,
                hours,
                price,
                start,
                expires,
                rollover,
                monthly_fee,
                overage_rate,
                past,
                rate,
                billing,
                require_time,
            };
            match d.add_contract(&spec, now_ms())? {
                Err(why) => refused(io, &why),
                Ok((a, c)) => print_contract(
                    io,
                    &d,
                    &c.id,
                    json,
                    &format!("Added {} to {}:", c.id, terminal::line(&a.id)),
                ),
            }
        }
        ContractsCommand::Show { desk, id, json } => {
            let d = desk_of(&desk, io)?;
            print_contract(io, &d, &id, json, "")
        }
        ContractsCommand::List { desk, org, json } => {
            let d = desk_of(&desk, io)?;
            let now = now_ms();
            let mut all: Vec<ContractView> = vec![];
            for o in d.org_views(now)? {
                if org.as_ref().is_none_or(|x| *x == o.id) {
                    all.extend(o.contracts);
                }
            }
            if json {
                outln!(io, "{}", terminal::json(&all)?);
            } else if all.is_empty() {
                outln!(io, "no contracts");
            } else {
                for v in &all {
                    outln!(io, "{:<12} {}", terminal::line(&v.org), contract_summary(v));
                }
            }
            Ok(0)
        }
        ContractsCommand::Topup {
            desk,
            id,
            hours,
            price,
            date,
            json,
        } => {
            let d = desk_of(&desk, io)?;
            match d.topup(&id, &hours, price.as_deref(), date.as_deref(), now_ms())? {
                Err(why) => refused(io, &why),
                Ok((_, c)) => print_contract(io, &d, &c.id, json, &format!("Topped up {}.", c.id)),
            }
        }
        ContractsCommand::Close {
            desk,
            id,
            date,
            json,
        } => {
            let d = desk_of(&desk, io)?;
            match d.close_contract(&id, date.as_deref(), now_ms())? {
                Err(why) => refused(io, &why),
                Ok((_, c)) => print_contract(io, &d, &c.id, json, &format!("Closed {}.", c.id)),
            }
        }
    }
}

/// `frontline statements --org ID --month YYYY-MM [--format table|csv|json] [--close]`.
pub fn statements(
    desk: &DeskArgs,
    org: &str,
    month: &str,
    format: &str,
    close: bool,
    io: &mut Io,
) -> Result<i32> {
    let month = match contracts::parse_month(month) {
        Ok(m) => m,
        Err(e) => return refused(io, &format!("--month: {e}")),
    };
    if !["table", "csv", "json"].contains(&format) {
        return refused(io, &format!("--format `{format}`: table, csv or json"));
    }
    let d = desk_of(desk, io)?;
    if close && let Err(why) = d.close_month(org, &month, now_ms())? {
        return refused(io, &why);
    }
    let s = match d.statement(org, &month)? {
        Ok(s) => s,
        Err(why) => return refused(io, &why),
    };
    match format {
        // The safe formatter: names are escaped as in every `--json`.
        "json" => outln!(io, "{}", terminal::json(&s)?),
        "csv" => write!(io.out, "{}", s.csv())?,
        _ => {
            // Names and agents come from people: shown safe.
            for line in s.table().lines() {
                outln!(io, "{}", terminal::line(line));
            }
            if close {
                outln!(io, "{month} is closed: its entries are billed.");
            }
        }
    }
    Ok(0)
}
