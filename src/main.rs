//! The `frontline` command line: triage tools now; the desk, chat and platforms plug in here.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use frontline::config::Config;
use frontline::desk::{AgentCommand, Desk, Event, Incoming, Processed};
use frontline::pack::{Pack, PackSource};
use frontline::platform::control::{self, Io, Reached};
use frontline::platform::local::{Local, StoreSource};
use frontline::platform::terminal;
use frontline::setup;
use frontline::store::{Filter, OutboxFilter, Store};
use frontline::tickets::{Platform, Status, UserRef, now_ms};
use frontline::tooling::eval::{self, IntentEval, ThresholdGoal};
use frontline::tooling::{synth, triage_stream};
use frontline::triage::{EngineConfig, Triage};

/// `println!` to the command's stdout (`io.out`) that returns the write error instead of
/// panicking (a closed pipe, as in `| head`).
macro_rules! outln {
    ($io:expr, $($t:tt)*) => {
        writeln!($io.out, $($t)*)?
    };
}

mod accounts_cli;
mod report_cli;

#[derive(Parser)]
#[command(
    name = "frontline",
    version,
    about = "L1 IT-support chat-bot: triage, FAQ answers, tickets, escalation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the desk's pieces come from (shared by chat, agent and tickets).
#[derive(clap::Args, Clone, Default)]
struct DeskArgs {
    /// Configuration file (default: the built-in one, see frontline.example.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Data directory of the ticket store (default: the configuration's data_dir, else
    /// $XDG_DATA_HOME/frontline, else ~/.local/share/frontline).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Intent pack directory (default: the configuration's intents, else ./intents if there is
    /// one, else the built-in pack).
    #[arg(long)]
    intents: Option<PathBuf>,
}

/// Where the store is (backup, restore, verify).
#[derive(clap::Args, Clone)]
struct StoreArgs {
    /// Configuration file whose `data_dir` names the data directory.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Data directory of the ticket store (default: the configuration's `data_dir`, else the
    /// default data directory).
    #[arg(long)]
    data: Option<PathBuf>,
}

impl StoreArgs {
    /// As desk arguments, to find the data directory the same way (see [`data_dir_of`]).
    fn desk(&self) -> DeskArgs {
        DeskArgs {
            config: self.config.clone(),
            data: self.data.clone(),
            intents: None,
        }
    }
}

/// The data directory `args` name; relative paths are the user's (see [`Io::path`]).
fn store_dir(args: &StoreArgs, io: &Io) -> Result<PathBuf> {
    let args = args.desk();
    let config = config_of(&args, io.cwd.as_deref())?;
    Ok(data_dir_of(&args, &config, io.cwd.as_deref()))
}

#[derive(Subcommand)]
enum Command {
    /// Write a backup of the store to a file: a consistent copy with a checksum, taken while the
    /// bot runs if need be; `frontline restore` puts it back.
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup file to write (written whole or not at all).
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into a data directory; a damaged, truncated or foreign file is refused.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
        /// Replace the store already in the data directory (it is kept in DATA/replaced-<time>/).
        #[arg(long)]
        force: bool,
    },
    /// Check the store's invariants (indexes, event logs, counters, high-water mark); prints
    /// each problem and exits 1 if there is any.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        /// One JSON object.
        #[arg(long)]
        json: bool,
        /// For a store that lost tickets and will not start: keep it as it is, and continue
        /// ticket numbers past every number already given out.
        #[arg(long)]
        accept_loss: bool,
    },
    /// Talk to the bot as an end user in the terminal (reads stdin, so it can be scripted).
    Chat {
        #[command(flatten)]
        desk: DeskArgs,
        /// Your user name.
        #[arg(long = "as", default_value = "me")]
        user: String,
        /// Start afresh: drop questions the bot was waiting on (your tickets stay).
        #[arg(long)]
        new: bool,
    },
    /// The agent terminal: queues, claim, reply, escalate, resolve, log time.
    Agent {
        #[command(flatten)]
        desk: DeskArgs,
        /// The agent's name, as configured.
        #[arg(long = "as")]
        agent: String,
    },
    /// Run the bot on the configured platforms until Ctrl-C: Discord (`[discord]` in the config,
    /// DISCORD_TOKEN in the environment), Slack (`[slack]`, SLACK_BOT_TOKEN and
    /// SLACK_SIGNING_SECRET), or both on one desk and one store.
    Run {
        #[command(flatten)]
        desk: DeskArgs,
        /// Discord shards: `auto` (Discord's recommendation) or a number.
        #[arg(long, default_value = "1")]
        shards: String,
        /// Log lines on stderr: `text` (plain unless stderr is a terminal) or `json` (one object
        /// per line, for log shippers).
        #[arg(long, value_enum, default_value = "text")]
        log_format: frontline::platform::observe::logs::LogFormat,
    },
    /// Scriptable ticket administration.
    Tickets {
        #[command(subcommand)]
        what: TicketsCommand,
    },
    /// The outbox: what the desk has asked the platforms to deliver, and whether they have.
    Outbox {
        #[command(subcommand)]
        what: OutboxCommand,
    },
    /// The event log, one record per line with its offset: ticket changes, the bot's own turns
    /// (FAQ offered and whether it helped, questions, ratings) and messages sent.
    Events {
        #[command(flatten)]
        desk: DeskArgs,
        /// Start at this offset (inclusive); a reader resumes at the last offset it saw + 1.
        #[arg(long, default_value_t = 0)]
        since: u64,
        /// At most this many records.
        #[arg(long)]
        limit: Option<usize>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Validate an intent pack and print a summary.
    Check {
        /// Pack directory (default: ./intents if there is one, else the built-in pack).
        dir: Option<PathBuf>,
    },
    /// Write a starting configuration (DIR/frontline.toml, commented) and a copy of the built-in
    /// intent pack to customise (DIR/intents/).
    Init {
        /// Directory to write into (created if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
    /// The configuration: `frontline config check` shows it as frontline reads it.
    Config {
        #[command(subcommand)]
        what: ConfigCommand,
    },
    /// Personal data (GDPR / RODO): export everything stored about a person, erase it, and the
    /// audit log of both.
    Privacy {
        #[command(subcommand)]
        what: PrivacyCommand,
    },
    /// Durable timers (SLA warnings and breaches): what is pending, and firing what is due.
    Timers {
        #[command(subcommand)]
        what: TimersCommand,
    },
    /// Automation rules (`[[automations.rules]]`): `frontline automations test --ticket ID` shows
    /// which would fire on a ticket and why.
    Automations {
        #[command(subcommand)]
        what: AutomationsCommand,
    },
    /// Organisations: their people, contracts and balances (`add`, `show`, `list`).
    Orgs {
        #[command(subcommand)]
        what: accounts_cli::OrgsCommand,
    },
    /// Contracts of organisations: blocks of hours, managed-service plans, annual commitments
    /// (`add`, `show`, `list`, `topup`, `close`).
    Contracts {
        #[command(subcommand)]
        what: accounts_cli::ContractsCommand,
    },
    /// An organisation's statement for a month: every time entry charged, per contract, with
    /// opening and closing balances, overage and the amount due.
    Statements {
        #[command(flatten)]
        desk: DeskArgs,
        /// The organisation's id.
        #[arg(long)]
        org: String,
        /// The month, YYYY-MM (in the organisation's time zone).
        #[arg(long)]
        month: String,
        /// table, csv or json.
        #[arg(long, default_value = "table")]
        format: String,
        /// Close the month (it must be over): its entries are marked billed.
        #[arg(long)]
        close: bool,
    },
    /// Reports from the ticket event log: volume by day, week or month (and by intent,
    /// category, priority, queue, organisation, department, platform, language), spikes,
    /// backlog, the weekday x hour heatmap, first/next response and resolution times (wall-clock
    /// and business hours), SLA attainment, escalations, FAQ deflection, CSAT, changes, hours
    /// per organisation and contract, agents' workload; `--charts DIR` draws them.
    Report(report_cli::ReportArgs),
    /// Security awareness: `frontline security reports` counts phishing reports by month.
    Security {
        #[command(subcommand)]
        what: SecurityCommand,
    },
    /// Business-hours calendars (`[calendars.NAME]`): `frontline calendar due` computes a
    /// deadline the way the SLA clocks do.
    Calendar {
        #[command(subcommand)]
        what: CalendarCommand,
    },
    /// Classify each line of stdin (or each argument) and print the decision.
    Triage {
        /// Intent pack directory (default: ./intents if there is one, else the built-in pack).
        #[arg(long)]
        intents: Option<PathBuf>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// Messages to classify; stdin lines when none.
        messages: Vec<String>,
    },
    /// Measure intent classification on JSON Lines datasets ({"text","intent"}), or with --pack a
    /// whole intent pack on a held-out set ({"text","intent","action","lang"}).
    Eval {
        /// Training files (JSON Lines, {"text","intent"}): a pack is built from their examples.
        #[arg(long, required_unless_present = "pack", num_args = 1..)]
        train: Vec<PathBuf>,
        /// Evaluate this intent pack (rules, examples, FAQ) as the bot uses it, on --test.
        #[arg(long, conflicts_with = "train")]
        pack: Option<PathBuf>,
        /// With --pack: `dev` (first half of the test file's lines), `test` (second half) or `all`.
        #[arg(long, requires = "pack")]
        split: Option<String>,
        /// Test files (JSON Lines; with --pack, {"text","intent","action","lang"}).
        #[arg(long, required = true, num_args = 1..)]
        test: Vec<PathBuf>,
        /// The label that marks out-of-scope messages in the data.
        #[arg(long)]
        oos_label: Option<String>,
        /// Tune the out-of-scope threshold on these validation files.
        #[arg(long, num_args = 1..)]
        threshold_from: Vec<PathBuf>,
        /// With --threshold-from: pick the lowest threshold reaching this out-of-scope recall on the
        /// validation data, instead of maximising in-scope accuracy + out-of-scope recall.
        #[arg(long)]
        target_oos_recall: Option<f64>,
        /// Print each misclassified test message.
        #[arg(long)]
        show_errors: bool,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
        /// Leave out the stem features (to measure what they bring).
        #[arg(long)]
        no_stems: bool,
        /// Leave out typo correction (to measure what it brings).
        #[arg(long)]
        no_typos: bool,
    },
    /// Fill a new, empty store with a generated history (organisations, contracts, a year of
    /// tickets worked by the configured agents, ratings, changes) to try the reports on.
    Demo {
        #[command(flatten)]
        desk: DeskArgs,
        /// How many tickets.
        #[arg(long)]
        tickets: u64,
        /// The same seed gives the same history.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many months the history covers.
        #[arg(long, default_value_t = 12)]
        months: u32,
        /// The history's last day, YYYY-MM-DD (default: today, up to now).
        #[arg(long)]
        until: Option<String>,
    },
    /// Measure speed: `frontline bench triage` (default pack and a generated 500-intent pack).
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Measure FAQ retrieval ({"id","question","answer","paraphrases"} articles, {"text","faq_id","split"} queries).
    EvalFaq {
        /// FAQ articles (JSON Lines, {"id","question","answer","paraphrases"}).
        #[arg(long)]
        faq: PathBuf,
        /// Queries (JSON Lines, {"text","faq_id","split"}).
        #[arg(long)]
        queries: PathBuf,
        /// Only the queries of this split (e.g. `test`); all when not given.
        #[arg(long)]
        split: Option<String>,
        /// Add each article's paraphrases as alternative questions.
        #[arg(long)]
        with_paraphrases: bool,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TicketsCommand {
    /// List tickets, oldest first.
    List {
        #[command(flatten)]
        desk: DeskArgs,
        /// Only tickets in this status: new, escalated, claimed, waiting_on_user, resolved, closed.
        #[arg(long)]
        status: Option<String>,
        /// Only tickets in this queue (a queue id from the configuration).
        #[arg(long)]
        queue: Option<String>,
        /// `platform:id`, e.g. `local:jan`.
        #[arg(long)]
        requester: Option<String>,
        /// Print the tickets as one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// One ticket with its event log.
    Show {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// Print `{"ticket", "events"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Claim a ticket as an agent.
    Claim {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// The agent's name, as configured.
        #[arg(long = "as")]
        agent: String,
        /// Print `{"ok", "message", "ticket"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Mark a ticket as a change, with its planned window (in the configured time zone); its
    /// resolution then says how it went (`tickets resolve --outcome`).
    Change {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// The agent's name, as configured.
        #[arg(long = "as")]
        agent: String,
        /// When the change starts: "YYYY-MM-DD HH:MM".
        #[arg(long)]
        window_start: Option<String>,
        /// When it ends: "YYYY-MM-DD HH:MM".
        #[arg(long)]
        window_end: Option<String>,
        /// Print `{"ok", "message", "ticket"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Approve a request waiting for approval, as its approver (or an admin).
    Approve {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// Who decides: a configured agent's name, or the local person named as approver.
        #[arg(long = "as")]
        agent: String,
        /// Print `{"ok", "message", "ticket"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Deny a request waiting for approval, with the reason the requester is told; the ticket
    /// is closed.
    Deny {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// Who decides: a configured agent's name, or the local person named as approver.
        #[arg(long = "as")]
        agent: String,
        /// Why, in words the requester reads.
        #[arg(long)]
        reason: String,
        /// Print `{"ok", "message", "ticket"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Send a ticket outside the desk, to a vendor or the manufacturer (tiers L4/L5, see
    /// `[[vendors]]`): the case goes by e-mail or webhook from `frontline run`; the ticket stays
    /// with you.
    Vendor {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// The agent's name, as configured (the ticket's assignee).
        #[arg(long = "as")]
        agent: String,
        /// The vendor's id; without it, the next tier's only vendor.
        #[arg(long)]
        vendor: Option<String>,
        /// What you ask them, sent with the case.
        #[arg(long)]
        note: String,
        /// Print `{"ok", "message", "ticket"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Record what the vendor said on a ticket you sent them: their case number, their reply, or
    /// both. The requester is not told (reply to pass it on).
    VendorReply {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// The agent's name, as configured.
        #[arg(long = "as")]
        agent: String,
        /// Their case number for it.
        #[arg(long)]
        reference: Option<String>,
        /// Their reply, as text (secrets are removed before it is stored).
        #[arg(long, conflicts_with = "file")]
        text: Option<String>,
        /// Their reply, from a file (`-` for standard input): an e-mail saved as text, say.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print `{"ok", "message", "ticket"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Propose a visit or remote session to the requester (they confirm or ask for another
    /// time), or cancel the ticket's visit with --cancel. Times are read in the ticket's calendar's
    /// time zone.
    Visit {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// When: RFC 3339 (`2026-12-01T14:00:00+01:00`) or `YYYY-MM-DD HH:MM` in the ticket's
        /// time zone (`tomorrow 9:30` works too).
        #[arg(long, required_unless_present = "cancel")]
        at: Option<String>,
        /// Where (a room, an address); without it and without --remote: on site, place to agree.
        #[arg(long, conflicts_with = "remote")]
        place: Option<String>,
        /// Who comes (or runs the session): a configured agent's name.
        #[arg(long)]
        technician: Option<String>,
        /// A remote session rather than a visit.
        #[arg(long)]
        remote: bool,
        /// Cancel the ticket's visit instead (the requester and technician are told).
        #[arg(long, conflicts_with_all = ["at", "place", "technician", "remote"])]
        cancel: bool,
        /// With --cancel: why, in words the requester reads.
        #[arg(long, requires = "cancel")]
        reason: Option<String>,
        /// The agent proposing, as configured (default: the ticket's assignee).
        #[arg(long = "as")]
        agent: Option<String>,
        /// Print `{"ok", "message", "ticket"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Log time spent on a ticket (charged to its organisation's contracts).
    Log {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// The agent's name, as configured (the ticket's assignee).
        #[arg(long = "as")]
        agent: String,
        /// Minutes spent.
        #[arg(long)]
        minutes: u32,
        /// What the time was spent on: remote, on-site, phone or travel.
        #[arg(long, default_value = "remote")]
        activity: String,
        /// Record the time without charging the organisation.
        #[arg(long = "no-billable")]
        no_billable: bool,
        /// Print `{"ok", "message", "ticket", "entries"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Take back a time entry logged by mistake: its minutes return to the contracts charged.
    Refund {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// The agent's name, as configured (the ticket's assignee).
        #[arg(long = "as")]
        agent: String,
        /// The entry's number in the organisation's ledger (as `tickets log` printed it).
        #[arg(long)]
        entry: u64,
        /// Print `{"ok", "message", "ticket", "entries"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Resolve a ticket, logging the time spent.
    Resolve {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket id, e.g. T-1000.
        id: String,
        /// The agent's name, as configured.
        #[arg(long = "as")]
        agent: String,
        /// Minutes spent, logged on the ticket.
        #[arg(long)]
        minutes: u32,
        /// What the minutes were spent on: remote, on-site, phone or travel.
        #[arg(long, default_value = "remote")]
        activity: String,
        /// The resolution, sent to the requester.
        #[arg(long)]
        note: String,
        /// How a change went: successful, failed or rolled-back (required for a change).
        #[arg(long)]
        outcome: Option<String>,
        /// Print `{"ok", "message", "ticket"}` as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (source, data directory, pack, queues by platform,
    /// routing table, agents and roles) and every problem in it; exit 1 if there is any.
    Check {
        /// Configuration file (default: the built-in one).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Intent pack directory (default: the configuration's `intents`, else ./intents if
        /// there is one, else the built-in pack).
        #[arg(long)]
        intents: Option<PathBuf>,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TimersCommand {
    /// Pending timers, soonest first: id, ticket, kind, due.
    List {
        #[command(flatten)]
        desk: DeskArgs,
        /// Only this ticket's timers.
        #[arg(long)]
        ticket: Option<String>,
        /// One JSON array of `{"id", "ticket", "kind", "due"}`.
        #[arg(long)]
        json: bool,
    },
    /// Fire every timer due up to --until, soonest first, as if the clock read that instant; each
    /// firing is committed before it is printed.
    Fire {
        #[command(flatten)]
        desk: DeskArgs,
        /// RFC 3339 with an offset (2026-11-30T16:00:00+01:00).
        #[arg(long)]
        until: String,
        /// One JSON array of the timers fired, `{"id", "ticket", "kind", "due"}`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AutomationsCommand {
    /// Every rule checked against a ticket as it is now, for each event the rule listens to:
    /// whether it would fire, each condition with what the ticket has, and what it would do.
    Test {
        #[command(flatten)]
        desk: DeskArgs,
        /// The ticket to check the rules against (T-1000).
        #[arg(long)]
        ticket: String,
        /// Only this event (opened, updated, message, sla_warning, sla_breach, timer).
        #[arg(long)]
        when: Option<String>,
        /// With --when message: the requester's message the keywords are read in.
        #[arg(long)]
        message: Option<String>,
        /// One JSON array of `{"rule", "trigger", "enabled", "fires", "checks", "actions"}`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SecurityCommand {
    /// Phishing reports (tickets of intent `phishing_report`) by the month they were made, in
    /// UTC, oldest first.
    Reports {
        #[command(flatten)]
        desk: DeskArgs,
        /// One JSON array of `{"month": "YYYY-MM", "reports": N}`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// The earliest instant at which N business minutes have elapsed since --from, not counting
    /// the pauses, printed in the calendar's UTC offset.
    Due {
        /// Configuration file with the calendars (default: the built-in one).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The calendar's name (`[calendars.NAME]`; `24x7` is UTC around the clock).
        #[arg(long)]
        calendar: String,
        /// The start, RFC 3339 with an offset (2026-11-27T09:00:00+01:00).
        #[arg(long)]
        from: String,
        /// Business minutes to count.
        #[arg(long)]
        minutes: u64,
        /// Time that does not count, FROM..TO (two RFC 3339 instants, half-open); repeatable.
        #[arg(long)]
        pause: Vec<String>,
        /// Print `{"due", "business_minutes"}`.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum PrivacyCommand {
    /// Everything stored about a person as one JSON document: their tickets with every event,
    /// conversation state, log records, outbox entries and timers, and audit entries.
    Export {
        #[command(flatten)]
        desk: DeskArgs,
        /// The person, as PLATFORM:ID (`local:anna`, `discord:123`, `slack:U123`).
        #[arg(long)]
        user: String,
        /// One line of JSON (default: indented).
        #[arg(long)]
        json: bool,
        /// Who asks, for the audit log (default: the login name).
        #[arg(long = "as")]
        by: Option<String>,
    },
    /// Erase a person: every message of their tickets, their identity on them (a pseudonym
    /// instead), conversation, log records, outbox entries; the files are rewritten so nothing
    /// is left on disk. Asks for confirmation on stdin unless --yes.
    Erase {
        #[command(flatten)]
        desk: DeskArgs,
        /// The person, as PLATFORM:ID.
        #[arg(long)]
        user: String,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
        /// Who asks, for the audit log (default: the login name).
        #[arg(long = "as")]
        by: Option<String>,
        /// What was erased, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The audit log: who exported, erased or purged what, and when.
    Audit {
        #[command(flatten)]
        desk: DeskArgs,
        /// One JSON array.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// List outbox entries, oldest first: id, platform, state, attempts, what and for whom.
    List {
        #[command(flatten)]
        desk: DeskArgs,
        /// Only entries still waiting for delivery.
        #[arg(long)]
        pending: bool,
        /// Only entries for this platform (local, discord, slack, web).
        #[arg(long)]
        platform: Option<String>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Pack load time, decisions per second on one thread, peak memory.
    Triage {
        /// Intent pack directory (default: ./intents if there is one, else the built-in pack).
        #[arg(long)]
        intents: Option<PathBuf>,
        /// Runs per figure (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Inputs for timing `frontline triage --json` as a whole process: writes `DIR/default.txt` (a
    /// mix of in-scope and out-of-scope lines for the pack), the generated 500-intent pack as
    /// `DIR/generated-pack/` and `DIR/generated.txt`, the same bytes every time, and prints the
    /// commands that time them (see benches/triage_stream.sh).
    TriageStream {
        /// Intent pack directory (default: ./intents if there is one, else the built-in pack).
        #[arg(long)]
        intents: Option<PathBuf>,
        /// Directory to write into (created).
        #[arg(long)]
        out: PathBuf,
        /// Lines per input file.
        #[arg(long, default_value_t = 200_000)]
        messages: usize,
    },
    /// A month's statement for an organisation with many time entries, read from a sled store
    /// on disk (median of --runs, with a 10,000-entry baseline).
    Statement {
        /// Time entries in the month.
        #[arg(long, default_value_t = 100_000)]
        entries: usize,
        /// Runs to take the median of.
        #[arg(long, default_value_t = 15)]
        runs: usize,
    },
    /// Reports over a large desk (a year of tickets, ten events each, as the desk records them):
    /// each `frontline report` computed and serialised to JSON on one thread, median of --runs.
    Report {
        /// Tickets in the year.
        #[arg(long, default_value_t = 1_000_000)]
        tickets: u64,
        /// Runs to take the median of.
        #[arg(long, default_value_t = 7)]
        runs: usize,
    },
    /// Charts: every chart of a generated year-long report drawn in SVG and PNG (median of
    /// --runs).
    Charts {
        /// Runs to take the median of.
        #[arg(long, default_value_t = 11)]
        runs: usize,
    },
    /// Ticket store: durable openings per second from concurrent requesters; with --prefill,
    /// reopen time, one queue's view and bytes per ticket on a large store.
    Store {
        /// Store directory (default: a fresh temporary one, removed afterwards).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Tickets to open, each confirmed once durable.
        #[arg(long, default_value_t = 20_000)]
        tickets: u64,
        /// Concurrent requesters.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Fill the store to this many tickets first (bulk) and measure it.
        #[arg(long)]
        prefill: Option<u64>,
        /// Print `confirmed T-<n>` as soon as each opening returns.
        #[arg(long)]
        print_confirmed: bool,
    },
}

/// The pack to use: the directory given, else `./intents` when the user's working directory has a
/// pack there, else the built-in one (see [`setup::pack_source`]); relative paths are the user's.
fn pack_source(dir: Option<PathBuf>, io: &Io) -> PackSource {
    match dir {
        Some(d) => PackSource::Dir(io.path(&d)),
        None if io.path(Path::new("intents/pack.toml")).is_file() => {
            PackSource::Dir(io.path(Path::new("intents")))
        }
        None => PackSource::BuiltIn,
    }
}

/// The configuration of the desk commands: the file given, else the built-in one. Relative paths
/// are the user's (see [`Io::path`]); `cwd` as there.
fn config_of(args: &DeskArgs, cwd: Option<&Path>) -> Result<Config> {
    match &args.config {
        Some(p) => Config::load(&resolve(cwd, p))
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}")),
        None => Ok(Config::default_config()),
    }
}

/// The data directory: `--data`, else the configuration's, else the default one.
fn data_dir_of(args: &DeskArgs, config: &Config, cwd: Option<&Path>) -> PathBuf {
    args.data
        .as_ref()
        .or(config.data_dir.as_ref())
        .map(|d| resolve(cwd, d))
        .unwrap_or_else(frontline::platform::local::default_data_dir)
}

/// `p` taken from `cwd` when relative and `cwd` is given (a control-socket client's).
fn resolve(cwd: Option<&Path>, p: &Path) -> PathBuf {
    match cwd {
        Some(cwd) if p.is_relative() => cwd.join(p),
        _ => p.to_path_buf(),
    }
}

/// Loads configuration, pack and engine for the desk commands; bad files stop here with file, line
/// and field. The store comes from `io.store`.
fn local_setup(args: &DeskArgs, io: &Io) -> Result<Local> {
    let config_path = args.config.as_ref().map(|p| io.path(p));
    let (config, engine) = setup::load_with(config_path.as_deref(), args.intents.clone(), |dir| {
        load_engine(dir, io)
    })?;
    let data_dir = data_dir_of(args, &config, io.cwd.as_deref());
    Ok(Local {
        triage: engine,
        config,
        data_dir,
        store: io.store.clone(),
    })
}

/// Runs one agent command from the `tickets` subcommands and prints the outcome; exit 1 when it
/// changed nothing (refused). What it says to the requester goes through the outbox: to a local
/// user's next `frontline chat`, to a Discord user by the `frontline run` that serves Discord.
fn ticket_command(
    args: &DeskArgs,
    agent: &str,
    command: AgentCommand,
    json: bool,
    io: &mut Io,
) -> Result<i32> {
    ticket_command_as(args, Some(agent), command, json, io)
}

/// [`ticket_command`] where the agent may be left out: the ticket's assignee acts.
fn ticket_command_as(
    args: &DeskArgs,
    agent: Option<&str>,
    command: AgentCommand,
    json: bool,
    io: &mut Io,
) -> Result<i32> {
    let setup = local_setup(args, io)?;
    let store = setup.store()?;
    let desk = Desk::new(setup.triage.clone(), setup.config.clone(), store.clone());
    let id = command.ticket();
    let agent = match agent {
        Some(a) => a.to_string(),
        None => match store.ticket(&id)?.and_then(|t| t.assignee) {
            Some(a) => a,
            None => {
                writeln!(
                    io.err,
                    "error: {} has no assignee; say who acts with --as AGENT",
                    terminal::line(&id)
                )?;
                return Ok(2);
            }
        },
    };
    let me = UserRef::local(&agent);
    let processed = desk.process(
        Incoming::plain(Event::Agent {
            by: me.clone(),
            roles: vec![],
            command,
        }),
        now_ms(),
    )?;
    // Whether this command changed the ticket is what its own turn wrote, not a comparison
    // with a read before it: through a running bot's socket another client's command may land
    // in between (two racing claims must not both report success).
    let changed = match &processed {
        Processed::Committed(c) => c.tickets.iter().any(|t| t.id == id),
        Processed::Duplicate => false,
    };
    let after = store.ticket(&id)?;
    let message = setup.deliver(&desk, &me, processed.outbox())?;
    if json {
        // The time entries this command charged (the ticket's last event's), if any.
        let entries: Vec<frontline::contracts::Entry> = match &after {
            Some(t) if changed && t.organisation.is_some() => store
                .ledger(t.organisation.as_deref().unwrap_or_default(), None)?
                .into_iter()
                .filter(|e| e.ticket == t.id && e.event == t.event_count.checked_sub(1))
                .collect(),
            _ => vec![],
        };
        outln!(
            io,
            "{}",
            terminal::json(&serde_json::json!({
                "ok": changed,
                "message": message.join("; "),
                "ticket": after,
                "entries": entries,
            }))?
        );
    } else {
        let said: Vec<String> = message.iter().map(|m| terminal::message(m, "  ")).collect();
        outln!(io, "{}", said.join("\n"));
    }
    Ok(if changed { 0 } else { 1 })
}

/// A timer as `timers list --json` prints it: `{"id", "ticket", "kind", "due"}` (`due` in the
/// ticket's calendar's offset).
fn timer_json(
    config: &Config,
    store: &dyn Store,
    t: &frontline::clocks::timer::Timer,
) -> serde_json::Value {
    let ticket = store.ticket(&t.ticket).ok().flatten();
    let cal = match &ticket {
        Some(k) => config.calendar_for(k.organisation.as_deref(), &k.queue),
        None if t.kind == frontline::clocks::timer::TimerKind::SecurityTip => {
            config.tips_calendar()
        }
        None => std::borrow::Cow::Owned(frontline::clocks::calendar::Calendar::always("24x7")),
    };
    serde_json::json!({
        "id": t.id,
        // The desk's own timers (the security tips) belong to no ticket.
        "ticket": if t.has_ticket() { Some(&t.ticket) } else { None },
        "kind": t.kind.as_str(),
        "about": t.about,
        "due": cal.format(t.due_ms),
    })
}

/// `frontline demo`: refuses a store with tickets (exit 1, one sentence), else generates the
/// history with progress on stderr and prints one summary line.
fn demo_command(
    args: &DeskArgs,
    tickets: u64,
    seed: u64,
    months: u32,
    until: Option<&str>,
    io: &mut Io,
) -> Result<i32> {
    use frontline::tooling::demo::{self, DemoError, Options};
    if tickets == 0 {
        writeln!(io.err, "error: --tickets must be at least 1")?;
        return Ok(2);
    }
    let setup = local_setup(args, io)?;
    let tz = setup.config.timezone.clone();
    let now = now_ms();
    let end_ms = match until {
        None => now,
        Some(d) => {
            let date: jiff::civil::Date = d
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("--until `{d}`: write a date as YYYY-MM-DD"))?;
            let next = date
                .tomorrow()
                .ok()
                .and_then(|n| n.to_zoned(tz.clone()).ok())
                .map(|z| z.timestamp().as_millisecond().max(1) as u64 - 1)
                .ok_or_else(|| anyhow::anyhow!("--until `{d}`: not a day in the time zone"))?;
            next.min(now)
        }
    };
    let store = Arc::new(frontline::platform::local::open_store_bulk(
        &setup.data_dir,
    )?);
    let desk = Desk::new(setup.triage.clone(), setup.config.clone(), store.clone());
    if let Some(why) = demo::refusal(store.as_ref())? {
        writeln!(io.err, "error: {}", terminal::line(&why))?;
        return Ok(1);
    }
    let options = Options {
        tickets,
        seed,
        months,
        end_ms,
    };
    let started = std::time::Instant::now();
    let err = &mut *io.err;
    let mut compact_failed = None;
    let db_file = setup.data_dir.join("db");
    let result = demo::run(&desk, &options, &mut |done, at| {
        let day = frontline::contracts::local_date(at, &tz);
        let _ = writeln!(
            err,
            "demo: {}% ({done} of {tickets} tickets, at {day})",
            done * 100 / tickets
        );
        // sled keeps what a fast writer overwrites in its files until it reuses them: 100,000
        // tickets left 14 GB for 0.6 GB of data. Rewriting the live data at a tenth when the
        // files have passed 1 GiB keeps them near the data's size (and once more at the end,
        // below). Below that the rewrite costs more than it saves: it leaves the cache cold.
        let big = std::fs::metadata(db_file.as_path()).is_ok_and(|m| m.len() > 1 << 30);
        if done < tickets
            && big
            && let Err(e) = store.compact()
        {
            compact_failed.get_or_insert(e);
        }
    });
    if let Some(e) = compact_failed {
        return Err(e.into());
    }
    let s = match result {
        Ok(s) => s,
        Err(DemoError::Refused(why)) => {
            writeln!(io.err, "error: {}", terminal::line(&why))?;
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    store.compact()?;
    outln!(
        io,
        "demo: {} tickets, {} ticket events and {} bot events, {} organisations, {} people, {} to {} ({} FAQ answers that helped, {} tickets still open), in {:.0} s",
        s.tickets,
        s.ticket_events,
        s.bot_events,
        s.organisations,
        s.people,
        s.from,
        s.to,
        s.deflected,
        s.open,
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}

/// `frontline automations test`.
fn automations_command(what: AutomationsCommand, io: &mut Io) -> Result<i32> {
    use frontline::desk::automation::{Facts, Trigger, check};
    let AutomationsCommand::Test {
        desk,
        ticket,
        when,
        message,
        json,
    } = what;
    let setup = local_setup(&desk, io)?;
    let store = setup.store()?;
    let id = ticket.trim().to_uppercase();
    let Some(t) = store.ticket(&id)? else {
        writeln!(io.err, "Ticket {} not found.", terminal::line(&id))?;
        return Ok(1);
    };
    let only = match when.as_deref() {
        None => None,
        Some(w) => match Trigger::parse(w.trim()) {
            Some(t) => Some(t),
            None => {
                writeln!(
                    io.err,
                    "--when: `{}` is not an event: one of {}",
                    terminal::line(w),
                    Trigger::ALL.map(Trigger::as_str).join(", ")
                )?;
                return Ok(2);
            }
        },
    };
    let now = now_ms();
    let cal = setup
        .config
        .calendar_for(t.organisation.as_deref(), &t.queue);
    let mut verdicts = Vec::new();
    for rule in &setup.config.rules {
        let triggers: Vec<Trigger> = match only {
            Some(x) => vec![x],
            None => rule.when.clone(),
        };
        // A message is the one given, else the requester's last line.
        let last_line = t
            .transcript
            .iter()
            .rev()
            .find(|l| l.from == "user")
            .map(|l| l.text.clone());
        for trigger in triggers {
            let said = match trigger {
                Trigger::Message => message.clone().or_else(|| last_line.clone()),
                _ => None,
            };
            let facts = Facts {
                ticket: &t,
                trigger,
                message: said.as_deref(),
                timer: None,
                now,
                in_hours: cal.is_open(now),
            };
            verdicts.push((trigger, check(rule, &facts)));
        }
    }
    if json {
        let shown: Vec<serde_json::Value> = verdicts
            .iter()
            .map(|(trigger, v)| {
                serde_json::json!({
                    "rule": v.rule,
                    "trigger": trigger.as_str(),
                    "enabled": v.enabled,
                    "fires": v.fires,
                    "trigger_matches": v.trigger_matches,
                    "checks": v.checks,
                    "actions": v.actions,
                })
            })
            .collect();
        outln!(io, "{}", terminal::json(&shown)?);
        return Ok(0);
    }
    if setup.config.rules.is_empty() {
        outln!(
            io,
            "no automation rules in {}",
            setup.config.source.display()
        );
        return Ok(0);
    }
    outln!(
        io,
        "{} ({}, {}, {}, queue {}):",
        t.id,
        t.status.as_str(),
        t.priority,
        terminal::line(&t.detection.intent),
        terminal::line(&t.queue)
    );
    for (trigger, v) in &verdicts {
        let verdict = if !v.enabled {
            "disabled: never fires".to_string()
        } else if !v.trigger_matches {
            format!("does not listen to {}", trigger.as_str())
        } else if v.fires {
            "WOULD FIRE".to_string()
        } else {
            "would not fire".to_string()
        };
        outln!(
            io,
            "  {} on {}: {verdict}",
            terminal::line(&v.rule),
            trigger.as_str()
        );
        for c in &v.checks {
            outln!(
                io,
                "    [{}] {} (has: {})",
                if c.passed { "x" } else { " " },
                terminal::line(&c.condition),
                terminal::line(&c.found)
            );
        }
        if v.checks.is_empty() {
            outln!(io, "    (no conditions)");
        }
        if v.fires {
            outln!(io, "    then: {}", terminal::line(&v.actions.join(", ")));
        }
    }
    Ok(0)
}

/// Who runs a privacy command, for the audit log.
fn privacy_actor(by: Option<String>) -> String {
    let name = by
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "unknown".into());
    format!("cli:{name}")
}

/// `frontline privacy export|erase|audit`.
fn privacy_command(what: PrivacyCommand, io: &mut Io) -> Result<i32> {
    use frontline::privacy;
    match what {
        PrivacyCommand::Export {
            desk,
            user,
            json,
            by,
        } => {
            let user = privacy::parse_user(&user).map_err(|e| anyhow::anyhow!("--user: {e}"))?;
            let setup = local_setup(&desk, io)?;
            let store = setup.store()?;
            let doc = privacy::export(store.as_ref(), &user)?;
            store.record_audit(&privacy::export_record(&doc, &privacy_actor(by), now_ms()))?;
            if json {
                outln!(io, "{}", serde_json::to_string(&doc)?);
            } else {
                outln!(io, "{}", serde_json::to_string_pretty(&doc)?);
            }
        }
        PrivacyCommand::Erase {
            desk,
            user,
            yes,
            by,
            json,
        } => {
            let user = privacy::parse_user(&user).map_err(|e| anyhow::anyhow!("--user: {e}"))?;
            let setup = local_setup(&desk, io)?;
            let store = setup.store()?;
            let plan = privacy::summary(store.as_ref(), &user)?;
            if !yes {
                outln!(
                    io,
                    "This erases everything stored about {}: {} ticket(s){}, {} message(s), {}{} outbox entr{} addressed to them. Ticket shells stay, with a pseudonym instead of the person.",
                    terminal::line(&user.key()),
                    plan.tickets.len(),
                    if plan.tickets.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", plan.tickets.join(", "))
                    },
                    plan.messages,
                    if plan.conversation {
                        "their conversation, "
                    } else {
                        ""
                    },
                    plan.outbox,
                    if plan.outbox == 1 { "y" } else { "ies" }
                );
                write!(io.out, "Erase? Type yes to confirm: ")?;
                io.out.flush()?;
                let mut answer = String::new();
                io.input.read_line(&mut answer)?;
                let answer = answer.trim().to_lowercase();
                if !["yes", "y", "tak", "t"].contains(&answer.as_str()) {
                    outln!(io, "Nothing was erased.");
                    return Ok(1);
                }
            }
            let (done, pseudonym) =
                privacy::erase(store.as_ref(), &user, &privacy_actor(by), now_ms())?;
            if json {
                outln!(
                    io,
                    "{}",
                    serde_json::json!({
                        "pseudonym": pseudonym,
                        "tickets": done.tickets,
                        "messages": done.messages,
                        "outbox": done.outbox,
                    })
                );
            } else {
                outln!(
                    io,
                    "Erased {}: {} ticket(s), {} message(s); the tickets now name {pseudonym}, and the store's files were rewritten.",
                    terminal::line(&user.key()),
                    done.tickets.len(),
                    done.messages
                );
            }
        }
        PrivacyCommand::Audit { desk, json } => {
            let setup = local_setup(&desk, io)?;
            let store = setup.store()?;
            let records = store.audit()?;
            if json {
                outln!(io, "{}", terminal::json(&records)?);
            } else if records.is_empty() {
                outln!(io, "no exports, erasures or purges recorded");
            } else {
                for r in &records {
                    outln!(
                        io,
                        "{}  {:<6} by {}  {}  {} ticket(s) {}  {} message(s)",
                        frontline::desk::card::fmt_time(r.at_ms),
                        r.action,
                        terminal::line(&r.by),
                        if r.subject.is_empty() {
                            "-"
                        } else {
                            &r.subject
                        },
                        r.tickets.len(),
                        r.tickets.join(","),
                        r.messages
                    );
                }
            }
        }
    }
    Ok(0)
}

/// `frontline timers list` and `fire`.
fn timers_command(what: TimersCommand, io: &mut Io) -> Result<i32> {
    match what {
        TimersCommand::List { desk, ticket, json } => {
            let setup = local_setup(&desk, io)?;
            let store = setup.store()?;
            // The desk's own timers as the configuration wants them (the security tips).
            Desk::new(setup.triage.clone(), setup.config.clone(), store.clone())
                .process(Incoming::plain(Event::Schedule), now_ms())?;
            let timers = store.timers(u64::MAX, ticket.as_deref(), usize::MAX)?;
            let shown: Vec<serde_json::Value> = timers
                .iter()
                .map(|t| timer_json(&setup.config, store.as_ref(), t))
                .collect();
            if json {
                outln!(io, "{}", terminal::json(&shown)?);
            } else if shown.is_empty() {
                outln!(io, "no pending timers");
            } else {
                for t in &shown {
                    outln!(
                        io,
                        "{}  {}  {}",
                        t["due"].as_str().unwrap_or(""),
                        terminal::line(t["id"].as_str().unwrap_or("")),
                        t["kind"].as_str().unwrap_or("")
                    );
                }
            }
        }
        TimersCommand::Fire { desk, until, json } => {
            let until = frontline::clocks::calendar::parse_instant(&until)
                .map_err(|e| anyhow::anyhow!("--until: {e}"))?;
            let setup = local_setup(&desk, io)?;
            let store = setup.store()?;
            let desk = Desk::new(setup.triage.clone(), setup.config.clone(), store.clone());
            // The desk's own timers as the configuration wants them, from now (the security tips).
            desk.process(Incoming::plain(Event::Schedule), now_ms().min(until))?;
            let mut fired = vec![];
            // A firing may schedule another that is due too (a warning before its breach).
            loop {
                // One at a time: a firing may schedule another due before the rest.
                let due = store.timers(until, None, 1)?;
                if due.is_empty() {
                    break;
                }
                for t in due {
                    let shown = timer_json(&setup.config, store.as_ref(), &t);
                    let processed = desk.process(
                        Incoming::keyed(
                            format!("timer:{}:{}", t.id, t.due_ms),
                            Event::TimerFired {
                                id: t.id.clone(),
                                ticket: t.ticket.clone(),
                                due_ms: t.due_ms,
                            },
                        ),
                        until,
                    )?;
                    if !t.has_ticket() {
                        // The desk's own (a security tip): fired when it is gone or re-armed.
                        if store
                            .timer(&t.id)?
                            .is_some_and(|now| now.due_ms == t.due_ms)
                        {
                            anyhow::bail!("timer {} did not fire", t.id)
                        }
                        if !json {
                            outln!(
                                io,
                                "fired {}  {}",
                                terminal::line(&t.id),
                                shown["due"].as_str().unwrap_or("")
                            );
                        }
                        for posted in setup.posted(&desk, processed.outbox())? {
                            if !json {
                                outln!(io, "  {}", terminal::line(&posted));
                            }
                        }
                        fired.push(shown);
                        continue;
                    }
                    // Fired: its event is on the ticket (a re-announcement schedules the next one).
                    let logged = store.events(&t.ticket)?.iter().rev().any(|e| {
                        matches!(&e.change, frontline::tickets::Change::TimerFired { timer, .. }
                            if *timer == t.id)
                            && e.at_ms == until
                    });
                    match store.timer(&t.id)? {
                        Some(now) if now.due_ms == t.due_ms => {
                            anyhow::bail!("timer {} did not fire", t.id)
                        }
                        // Outside business hours (not P1): moved to the next opening.
                        Some(moved) if !logged => {
                            let later = timer_json(&setup.config, store.as_ref(), &moved);
                            if !json {
                                outln!(
                                    io,
                                    "moved {}  {} (outside business hours)",
                                    terminal::line(&t.id),
                                    later["due"].as_str().unwrap_or("")
                                );
                            }
                            continue;
                        }
                        Some(_) | None => {}
                    }
                    if !json {
                        outln!(
                            io,
                            "fired {}  {}",
                            terminal::line(&t.id),
                            shown["due"].as_str().unwrap_or("")
                        );
                    }
                    fired.push(shown);
                }
            }
            if json {
                outln!(io, "{}", terminal::json(&fired)?);
            } else if fired.is_empty() {
                outln!(io, "nothing due");
            }
        }
    }
    Ok(0)
}

/// The engine for a pack, one per unchanged pack directory in this process: the commands that
/// `frontline run` serves on its control socket share its engine.
fn load_engine(dir: Option<PathBuf>, io: &Io) -> Result<Arc<Triage>> {
    let source = pack_source(dir, io);
    match &source {
        PackSource::Dir(dir) => control::shared_engine(dir, || setup::engine(&source)),
        PackSource::BuiltIn => {
            // Built once per process: the compiled-in pack cannot change under it.
            static BUILT_IN: std::sync::Mutex<Option<Arc<Triage>>> = std::sync::Mutex::new(None);
            let mut built = BUILT_IN.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(e) = built.as_ref() {
                return Ok(e.clone());
            }
            let engine = Arc::new(setup::engine(&source)?);
            *built = Some(engine.clone());
            Ok(engine)
        }
    }
}

/// How a command uses the ticket store, which decides where it runs (see [`dispatch`]).
#[derive(Clone, Copy)]
enum StoreUse {
    /// Opens the store once: in the `frontline run` holding it, else here on the store opened
    /// before the command starts (waiting while another process has it).
    OneShot,
    /// A terminal session, a turn per line: in the `frontline run` holding the store, else here
    /// opening the store for each line, so that two terminals take turns.
    Interactive,
}

/// The store a command works on and how, `None` for commands without one. Every command is
/// listed: a new one must say whether it runs inside a running `frontline run`.
fn store_use(command: &Command) -> Option<(DeskArgs, StoreUse)> {
    match command {
        Command::Chat { desk, .. } | Command::Agent { desk, .. } => {
            Some((desk.clone(), StoreUse::Interactive))
        }
        Command::Tickets {
            what:
                TicketsCommand::List { desk, .. }
                | TicketsCommand::Show { desk, .. }
                | TicketsCommand::Claim { desk, .. }
                | TicketsCommand::Change { desk, .. }
                | TicketsCommand::Approve { desk, .. }
                | TicketsCommand::Deny { desk, .. }
                | TicketsCommand::Vendor { desk, .. }
                | TicketsCommand::VendorReply { desk, .. }
                | TicketsCommand::Visit { desk, .. }
                | TicketsCommand::Log { desk, .. }
                | TicketsCommand::Refund { desk, .. }
                | TicketsCommand::Resolve { desk, .. },
        }
        | Command::Orgs {
            what:
                accounts_cli::OrgsCommand::Add { desk, .. }
                | accounts_cli::OrgsCommand::Show { desk, .. }
                | accounts_cli::OrgsCommand::List { desk, .. },
        }
        | Command::Contracts {
            what:
                accounts_cli::ContractsCommand::Add { desk, .. }
                | accounts_cli::ContractsCommand::Show { desk, .. }
                | accounts_cli::ContractsCommand::List { desk, .. }
                | accounts_cli::ContractsCommand::Topup { desk, .. }
                | accounts_cli::ContractsCommand::Close { desk, .. },
        }
        | Command::Statements { desk, .. }
        | Command::Report(report_cli::ReportArgs { desk, .. })
        | Command::Outbox {
            what: OutboxCommand::List { desk, .. },
        }
        | Command::Events { desk, .. }
        | Command::Privacy {
            what:
                PrivacyCommand::Export { desk, .. }
                | PrivacyCommand::Erase { desk, .. }
                | PrivacyCommand::Audit { desk, .. },
        }
        | Command::Security {
            what: SecurityCommand::Reports { desk, .. },
        }
        | Command::Timers {
            what: TimersCommand::List { desk, .. } | TimersCommand::Fire { desk, .. },
        }
        | Command::Automations {
            what: AutomationsCommand::Test { desk, .. },
        } => Some((desk.clone(), StoreUse::OneShot)),
        Command::Backup { store, .. } => Some((store.desk(), StoreUse::OneShot)),
        // Through a running bot when there is one, else on the store opened to examine it.
        Command::Verify { store, .. } => Some((store.desk(), StoreUse::Interactive)),
        // Never through a running bot: its outbox workers would deliver the made-up people's
        // messages before the demo records them delivered. Here on the store it opens itself.
        Command::Demo { .. } => None,
        Command::Run { .. }
        | Command::Check { .. }
        | Command::Restore { .. }
        | Command::Init { .. }
        | Command::Config { .. }
        | Command::Calendar { .. }
        | Command::Triage { .. }
        | Command::Eval { .. }
        | Command::Bench { .. }
        | Command::EvalFaq { .. } => None,
    }
}

fn main() {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let cli = Cli::parse_from(&argv);
    std::process::exit(dispatch(cli, &argv));
}

/// Runs the command here, or, when a `frontline run` holds its store, in that process through
/// the control socket (the same code, output and exit code). Returns the exit code.
fn dispatch(cli: Cli, argv: &[OsString]) -> i32 {
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    let store = match store_use(&cli.command) {
        None => StoreSource::PerUse,
        Some((args, how)) => match config_of(&args, None) {
            // A configuration that does not load is reported by the command, as always.
            Err(_) => StoreSource::PerUse,
            Ok(config) => {
                let dir = data_dir_of(&args, &config, None);
                match how {
                    StoreUse::Interactive => match control::connect(&dir) {
                        Some(stream) => return remote(stream, argv),
                        None => StoreSource::PerUse,
                    },
                    StoreUse::OneShot => match control::reach(&dir) {
                        Ok(Reached::Running(stream)) => return remote(stream, argv),
                        Ok(Reached::Opened(store)) => StoreSource::Shared(store),
                        Err(e) => {
                            let _ = writeln!(err, "error: {}", terminal::line(&format!("{e:#}")));
                            return 1;
                        }
                    },
                }
            }
        },
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut io = Io {
        out: &mut out,
        err: &mut err,
        input: &mut input,
        cwd: None,
        store,
    };
    run_cli(cli, &mut io)
}

/// The command run by the `frontline run` behind `stream`, with this process's stdio.
fn remote(stream: std::os::unix::net::UnixStream, argv: &[OsString]) -> i32 {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    control::run_remote(
        stream,
        argv,
        &cwd,
        std::io::stdin(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
}

/// A command from a client of the control socket (see `frontline run`): parsed as the client's
/// command line was, and run here on the shared store if it is one that works on the store.
fn serve(argv: Vec<OsString>, io: &mut Io) -> i32 {
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                io.err.write_all(text.as_bytes())
            } else {
                io.out.write_all(text.as_bytes())
            };
            return e.exit_code();
        }
    };
    if store_use(&cli.command).is_none() {
        let _ = writeln!(
            io.err,
            "error: only the commands that work on the ticket store run through the control socket"
        );
        return 1;
    }
    run_cli(cli, io)
}

/// Runs one command and returns its exit code; an error is one line on stderr and exit 1.
fn run_cli(cli: Cli, io: &mut Io) -> i32 {
    let code = match execute(cli, io) {
        Ok(code) => code,
        // A reader that went away (`frontline triage ... | head`) is not an error worth reporting.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            0
        }
        Err(e) => {
            // Errors can quote what someone typed (an id, a payload).
            let _ = writeln!(io.err, "error: {}", terminal::line(&format!("{e:#}")));
            1
        }
    };
    let _ = io.out.flush();
    code
}

/// Runs one command with `io`; returns its exit code (errors: see [`run_cli`]).
fn execute(cli: Cli, io: &mut Io) -> Result<i32> {
    match cli.command {
        Command::Check { dir } => {
            let dir = dir.map(|d| io.path(&d));
            setup::check_pack(dir, &mut *io.out)?;
        }
        Command::Init { dir, force } => setup::init(&io.path(&dir), force, &mut *io.out)?,
        Command::Config {
            what:
                ConfigCommand::Check {
                    config,
                    intents,
                    json,
                },
        } => {
            let config = config.map(|c| io.path(&c));
            let intents = intents.map(|d| io.path(&d));
            return setup::config_check(config.as_deref(), intents, json, &mut *io.out);
        }
        Command::Timers { what } => return timers_command(what, io),
        Command::Demo {
            desk,
            tickets,
            seed,
            months,
            until,
        } => return demo_command(&desk, tickets, seed, months, until.as_deref(), io),
        Command::Privacy { what } => return privacy_command(what, io),
        Command::Automations { what } => return automations_command(what, io),
        Command::Orgs { what } => return accounts_cli::orgs(what, io),
        Command::Contracts { what } => return accounts_cli::contracts(what, io),
        Command::Statements {
            desk,
            org,
            month,
            format,
            close,
        } => return accounts_cli::statements(&desk, &org, &month, &format, close, io),
        Command::Report(args) => return report_cli::report(args, io),
        Command::Security {
            what: SecurityCommand::Reports { desk, json },
        } => {
            let setup = local_setup(&desk, io)?;
            let store = setup.store()?;
            let months = frontline::security::reports_by_month(store.as_ref())?;
            if json {
                let rows: Vec<serde_json::Value> = months
                    .iter()
                    .map(|(m, n)| serde_json::json!({"month": m, "reports": n}))
                    .collect();
                outln!(io, "{}", terminal::json(&rows)?);
            } else if months.is_empty() {
                outln!(io, "no phishing reports");
            } else {
                outln!(io, "month    phishing reports");
                for (m, n) in &months {
                    outln!(io, "{m}  {n}");
                }
            }
        }
        Command::Calendar {
            what:
                CalendarCommand::Due {
                    config,
                    calendar,
                    from,
                    minutes,
                    pause,
                    json,
                },
        } => {
            let args = DeskArgs {
                config,
                ..DeskArgs::default()
            };
            let config = config_of(&args, io.cwd.as_deref())?;
            frontline::tooling::clocks::due(
                &config,
                &calendar,
                &from,
                minutes,
                &pause,
                json,
                &mut *io.out,
            )?;
        }
        Command::Triage {
            intents,
            json,
            messages,
        } => {
            let engine = load_engine(intents, io)?;
            if messages.is_empty() {
                // Every core decides; the output keeps the input's order.
                let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
                triage_stream::run(&engine, &mut *io.input, &mut *io.out, json, workers)?;
            } else {
                let mut out = std::io::BufWriter::new(&mut *io.out);
                for m in &messages {
                    triage_stream::write_decision(&mut out, &engine.decide(m), json)?;
                }
                out.flush()?;
            }
        }
        Command::Eval {
            pack: Some(dir),
            test,
            split,
            show_errors,
            json,
            ..
        } => {
            let engine = load_engine(Some(dir), io)?;
            let [test] = test.as_slice() else {
                anyhow::bail!("--pack takes one --test file");
            };
            let cases = eval::read_pack_cases(test, split.as_deref())?;
            let r = eval::eval_pack(&engine, &cases)?;
            if json {
                outln!(io, "{}", serde_json::to_string(&r)?);
            } else {
                outln!(
                    io,
                    "{} messages: intent accuracy {:.3}, first-action accuracy {:.3}, security recall {:.3} ({} incidents), clarify {:.3}, {:.1} µs/message",
                    r.messages,
                    r.intent_accuracy,
                    r.action_accuracy,
                    r.security_recall,
                    r.security_total,
                    r.clarify_rate,
                    r.us_per_message
                );
                if show_errors {
                    for (text, want, got) in &r.errors {
                        outln!(io, "  error: {want} -> {got}: {text}");
                    }
                }
            }
        }
        Command::Eval {
            train,
            test,
            oos_label,
            threshold_from,
            target_oos_recall,
            show_errors,
            json,
            no_stems,
            no_typos,
            ..
        } => {
            let mut config = EngineConfig::default();
            config.features.stems = !no_stems;
            config.features.typos = !no_typos;
            let train = eval::read_labelled(&train)?;
            let test = eval::read_labelled(&test)?;
            let val = if threshold_from.is_empty() {
                None
            } else {
                Some(eval::read_labelled(&threshold_from)?)
            };
            let report = eval::eval_intents(&IntentEval {
                train: &train,
                test: &test,
                validation: val.as_deref(),
                oos_label: oos_label.as_deref(),
                goal: target_oos_recall
                    .map(ThresholdGoal::OosRecall)
                    .unwrap_or(ThresholdGoal::Balanced),
                config,
            })?;
            if json {
                outln!(io, "{}", terminal::json(&report)?);
            } else {
                outln!(
                    io,
                    "accuracy (micro-F1) {:.4} ({}/{}), macro-F1 {:.4}, {} intents, trained in {:.0} ms, {:.1} µs/message",
                    report.accuracy,
                    report.correct,
                    report.test_examples,
                    report.macro_f1,
                    report.intents,
                    report.train_ms,
                    report.us_per_message
                );
                if let (Some(a), Some(r)) = (report.in_scope_accuracy, report.oos_recall) {
                    outln!(
                        io,
                        "in-scope accuracy {a:.4}, out-of-scope recall {r:.4} at threshold {:.3}",
                        report.threshold
                    );
                }
                if show_errors {
                    for (text, gold, pred) in &report.errors {
                        outln!(
                            io,
                            "  error: {} -> {}: {}",
                            terminal::line(gold),
                            terminal::line(pred),
                            terminal::line(text)
                        );
                    }
                }
                for (label, s) in &report.per_intent {
                    outln!(
                        io,
                        "  {label:<30} P {:.3} R {:.3} F1 {:.3} (n={})",
                        s.precision,
                        s.recall,
                        s.f1,
                        s.support
                    );
                }
            }
        }
        Command::Chat { desk, user, new } => {
            let setup = local_setup(&desk, io)?;
            if new {
                setup.start_fresh(&user)?;
            }
            setup.chat(&user, &mut *io.input, &mut *io.out, &mut *io.err)?;
        }
        Command::Agent { desk, agent } => {
            let setup = local_setup(&desk, io)?;
            setup.agent(&agent, &mut *io.input, &mut *io.out, &mut *io.err)?;
        }
        Command::Run {
            desk,
            shards,
            log_format,
        } => {
            let setup = local_setup(&desk, io)?;
            let discord = setup.config.discord.clone();
            let slack = setup.config.slack.clone();
            if discord.is_none()
                && slack.is_none()
                && setup.config.webhooks.is_empty()
                && setup.config.smtp.is_none()
            {
                anyhow::bail!(
                    "nothing to run: the configuration has no [discord], [slack], [automations.webhooks] or [smtp] section (see README, \"Discord\", \"Slack\", \"Automation rules\" and \"Tiers L1 to L5\"); for the terminal use `frontline chat`"
                );
            }
            let served: Vec<Platform> = [
                discord.as_ref().map(|_| Platform::Discord),
                slack.as_ref().map(|_| Platform::Slack),
            ]
            .into_iter()
            .flatten()
            .collect();
            // A ticket can reach every queue: each must be on a platform served here, or local.
            setup
                .config
                .check_served(&served)
                .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
            let discord_token = match &discord {
                Some(_) => Some(std::env::var("DISCORD_TOKEN").map_err(|_| {
                    anyhow::anyhow!("DISCORD_TOKEN is not set: export the bot token from the Discord developer portal")
                })?),
                None => None,
            };
            let slack_tokens = match &slack {
                Some(settings) => {
                    Some(frontline::platform::slack::SlackTokens::from_env(settings)?)
                }
                None => None,
            };
            // Webhook secrets come from the environment: a missing one is said now.
            let webhooks = if setup.config.webhooks.is_empty() {
                None
            } else {
                Some(Arc::new(
                    frontline::platform::webhook::WebhookDelivery::from_env(
                        &setup.config.webhooks,
                    )?,
                ))
            };
            // So does the mail server's password.
            let email = match &setup.config.smtp {
                Some(smtp) => Some(Arc::new(
                    frontline::platform::email::EmailDelivery::from_env(smtp)?,
                )),
                None => None,
            };
            let shards = match shards.as_str() {
                "auto" => frontline::platform::discord::Shards::Auto,
                n => frontline::platform::discord::Shards::Fixed(
                    n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        anyhow::anyhow!("--shards must be `auto` or a positive number")
                    })?,
                ),
            };
            frontline::platform::observe::logs::init(log_format)?;
            control::refuse_second_run(&setup.data_dir)?;
            // Another `frontline run` may have taken the store while this one started.
            let store = setup.store().or_else(|e| {
                control::refuse_second_run(&setup.data_dir)?;
                Err(e)
            })?;
            // The desk's commits are counted on the way to the store (see platform::observe).
            let observe = frontline::platform::observe::Observe::new(store.clone());
            let desk = Arc::new(Desk::new(
                setup.triage.clone(),
                setup.config.clone(),
                observe.store(),
            ));
            // The terminal commands run in here while the store is ours (see platform/control).
            let control = control::Server::start(&setup.data_dir, store.clone(), Arc::new(serve))?;
            let listen = setup.config.observability.listen;
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            if let Some(backups) = setup.config.backup.clone() {
                let scheduled = frontline::store::schedule::run_scheduled(
                    store.clone(),
                    backups,
                    std::future::pending(),
                );
                runtime.spawn(scheduled);
            }
            let stopped = runtime.block_on(async {
                // A full disk at start is said now, not at the first person's message.
                observe.store_writable().await.map_err(|e| {
                    anyhow::anyhow!("the store in {} is {e}", setup.data_dir.display())
                })?;
                let listener = match listen {
                    Some(addr) => Some(
                        frontline::platform::observe::http::start(observe.clone(), addr).await?,
                    ),
                    None => None,
                };
                // One stop for every platform: Ctrl-C, or a store that refuses writes.
                let (stop, stopping) = tokio::sync::watch::channel(false);
                let stop = Arc::new(stop);
                {
                    let observe = observe.clone();
                    let stop = stop.clone();
                    tokio::spawn(async move {
                        tokio::select! {
                            _ = tokio::signal::ctrl_c() => tracing::info!("shutting down"),
                            _ = observe.store_failure().wait() => {}
                        }
                        let _ = stop.send(true);
                    });
                }
                let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
                    let _ = rx.wait_for(|s| *s).await;
                };
                // Durable timers (SLA warnings and breaches) fire while the bot runs.
                let timers = tokio::spawn(frontline::platform::timers::run(
                    desk.clone(),
                    stopped(stopping.clone()),
                ));
                // Webhooks of automation rules, from the outbox, with retries.
                let webhook_worker = webhooks.map(|w| {
                    let worker = frontline::platform::worker::Outbox::new(desk.clone(), w);
                    tokio::spawn(worker.run(stopping.clone()))
                });
                // E-mail to vendors (tiers L4/L5), from the outbox, with retries.
                let email_worker = email.map(|m| {
                    let worker = frontline::platform::worker::Outbox::new(desk.clone(), m);
                    tokio::spawn(worker.run(stopping.clone()))
                });
                let discord_absent = discord.is_none();
                let discord_run = async {
                    match (discord, discord_token) {
                        (Some(settings), Some(token)) => {
                            frontline::platform::discord::run(
                                desk.clone(),
                                settings,
                                token,
                                shards,
                                observe.clone(),
                                stopped(stopping.clone()),
                            )
                            .await
                        }
                        _ => Ok(()),
                    }
                };
                // With neither platform the process runs its timers and webhooks until stopped.
                let only_background = discord_absent && slack.is_none();
                let slack_run = async {
                    if only_background {
                        stopped(stopping.clone()).await;
                    }
                    match (slack, slack_tokens) {
                        (Some(settings), Some(tokens)) => {
                            frontline::platform::slack::run(
                                desk.clone(),
                                settings,
                                tokens,
                                observe.clone(),
                                stopped(stopping.clone()),
                            )
                            .await
                        }
                        _ => Ok(()),
                    }
                };
                // A platform that fails stops the others: the process exits with its error.
                let (d, s) = tokio::join!(
                    async {
                        let r = discord_run.await;
                        if r.is_err() {
                            let _ = stop.send(true);
                        }
                        r
                    },
                    async {
                        let r = slack_run.await;
                        if r.is_err() {
                            let _ = stop.send(true);
                        }
                        r
                    }
                );
                let ran = d.and(s);
                let _ = stop.send(true);
                let _ = timers.await;
                if let Some(w) = webhook_worker {
                    let _ = w.await;
                }
                if let Some(w) = email_worker {
                    let _ = w.await;
                }
                if let Some(l) = listener {
                    l.stop().await;
                }
                ran
            });
            // No new commands; those under way finish before the last flush.
            control.stop();
            stopped?;
            if let Some(e) = observe.store_failure().get() {
                // This handle refuses writes for good; a new process opens the store afresh.
                anyhow::bail!(
                    "stopped because the store refused a write ({e}); this process cannot write to it again: start frontline once the cause is fixed (the systemd unit restarts it every 30 s)"
                );
            }
            // Everything confirmed is already on disk; this covers conversations and bookkeeping.
            store.flush()?;
        }
        Command::Backup { store, to } => {
            // Beside a running bot this runs in it, on its live store (see `dispatch`).
            let store = io.store.get(&store_dir(&store, io)?)?;
            frontline::store::backup::backup(&store, &io.path(&to), &mut *io.out)?;
        }
        Command::Restore { from, store, force } => {
            let dir = store_dir(&store, io)?;
            if control::connect(&dir).is_some() {
                anyhow::bail!(
                    "a `frontline run` is serving the store in {}: stop it before restoring into it",
                    dir.display()
                );
            }
            frontline::store::backup::restore(&io.path(&from), &dir, force, &mut *io.out)?;
        }
        Command::Verify {
            store,
            json,
            accept_loss,
        } => {
            let dir = store_dir(&store, io)?;
            let ok = match &io.store {
                // The running bot's live store.
                StoreSource::Shared(live) => {
                    frontline::store::verify::run(live, json, accept_loss, &mut *io.out)?
                }
                // Opened to examine even a store that would not start.
                StoreSource::PerUse => {
                    let store = frontline::store::SledStore::open_for_inspection(&dir)?;
                    frontline::store::verify::run(&store, json, accept_loss, &mut *io.out)?
                }
            };
            if !ok {
                return Ok(1);
            }
        }
        Command::Outbox {
            what:
                OutboxCommand::List {
                    desk,
                    pending,
                    platform,
                    json,
                },
        } => {
            let setup = local_setup(&desk, io)?;
            let platform = match platform {
                Some(p) => Some(Platform::parse(&p).ok_or_else(|| {
                    anyhow::anyhow!("unknown platform `{p}` (local, discord, slack, web)")
                })?),
                None => None,
            };
            let store = setup.store()?;
            let entries = store.outbox(&OutboxFilter {
                pending,
                platform,
                ..OutboxFilter::default()
            })?;
            let mut out = std::io::BufWriter::new(&mut *io.out);
            for e in &entries {
                if json {
                    let recipient = e.action.recipient().map(UserRef::key);
                    let mut v = serde_json::to_value(e)?;
                    v["recipient"] = serde_json::json!(recipient);
                    v["summary"] = serde_json::json!(e.action.summary());
                    writeln!(out, "{}", terminal::json(&v)?)?;
                } else {
                    writeln!(
                        out,
                        "{} {} {} attempts={} {} {}{}",
                        e.id,
                        e.platform,
                        e.state.as_str(),
                        e.attempts,
                        frontline::desk::card::fmt_time(e.created_ms),
                        terminal::line(&e.action.summary()),
                        e.last_error
                            .as_ref()
                            .map(|err| format!(" (last error: {})", terminal::line(err)))
                            .unwrap_or_default()
                    )?;
                }
            }
            out.flush()?;
        }
        Command::Events {
            desk,
            since,
            limit,
            json,
        } => {
            let setup = local_setup(&desk, io)?;
            let store = setup.store()?;
            let mut out = std::io::BufWriter::new(&mut *io.out);
            let mut from = since;
            let mut left = limit.unwrap_or(usize::MAX);
            // In pages, so a long log is not held in memory at once.
            while left > 0 {
                let page = store.log(from, left.min(1000))?;
                let Some(last) = page.last().map(|r| r.offset) else {
                    break;
                };
                for r in &page {
                    if json {
                        writeln!(out, "{}", terminal::json(r)?)?;
                    } else {
                        writeln!(out, "{}", terminal::line(&r.line()))?;
                    }
                }
                left = left.saturating_sub(page.len());
                from = last + 1;
            }
            out.flush()?;
        }
        Command::Tickets { what } => match what {
            TicketsCommand::List {
                desk,
                status,
                queue,
                requester,
                json,
            } => {
                let setup = local_setup(&desk, io)?;
                let status = match status {
                    Some(s) => Some(Status::parse(&s).ok_or_else(|| {
                        anyhow::anyhow!("unknown status `{s}` (new, escalated, claimed, waiting_on_user, resolved, closed)")
                    })?),
                    None => None,
                };
                let store = setup.store()?;
                let tickets = store.list(&Filter {
                    status,
                    queue,
                    requester,
                    ..Filter::default()
                })?;
                if json {
                    outln!(io, "{}", terminal::json(&tickets)?);
                } else {
                    // Subjects and names are what users typed: `list_line` lets no escape
                    // sequence reach the admin's terminal.
                    let now = now_ms();
                    for t in &tickets {
                        outln!(io, "{}", frontline::desk::card::list_line(t, now));
                    }
                }
            }
            TicketsCommand::Show { desk, id, json } => {
                let setup = local_setup(&desk, io)?;
                let store = setup.store()?;
                let Some(t) = store.ticket(&id)? else {
                    writeln!(io.err, "error: ticket {} not found", terminal::line(&id))?;
                    return Ok(1);
                };
                let events = store.events(&t.id)?;
                if json {
                    let now = now_ms();
                    let cal = setup
                        .config
                        .calendar_for(t.organisation.as_deref(), &t.queue);
                    let clocks =
                        frontline::clocks::sla::to_json(&setup.config.clocks(&t, now), &cal);
                    outln!(
                        io,
                        "{}",
                        terminal::json(
                            &serde_json::json!({"ticket": t, "events": events, "clocks": clocks, "visit": t.visit})
                        )?
                    );
                } else {
                    let mut cx = frontline::desk::card::CardContext::gather(
                        store.as_ref(),
                        setup.triage.pack(),
                        &t,
                    )?;
                    cx.clocks = setup.config.clocks(&t, now_ms());
                    cx.vendors_next = setup.config.vendors_next(t.tier);
                    cx.contract =
                        Desk::new(setup.triage.clone(), setup.config.clone(), store.clone())
                            .contract_card_line(&t, now_ms());
                    let card = frontline::desk::Card::of(&t, &cx);
                    outln!(io, "{}", card.render_with_events(&events, now_ms()));
                }
            }
            TicketsCommand::Claim {
                desk,
                id,
                agent,
                json,
            } => {
                return ticket_command(&desk, &agent, AgentCommand::Claim { ticket: id }, json, io);
            }
            TicketsCommand::Change {
                desk,
                id,
                agent,
                window_start,
                window_end,
                json,
            } => {
                let window = match (window_start, window_end) {
                    (Some(a), Some(b)) => format!("{a} to {b}"),
                    (None, None) => String::new(),
                    _ => anyhow::bail!("give both --window-start and --window-end, or neither"),
                };
                return ticket_command(
                    &desk,
                    &agent,
                    AgentCommand::MarkChange { ticket: id, window },
                    json,
                    io,
                );
            }
            TicketsCommand::Visit {
                desk,
                id,
                at,
                place,
                technician,
                remote,
                cancel,
                reason,
                agent,
                json,
            } => {
                let command = if cancel {
                    AgentCommand::CancelVisit {
                        ticket: id,
                        reason: reason.unwrap_or_default(),
                    }
                } else {
                    AgentCommand::Visit {
                        ticket: id,
                        when: at.unwrap_or_default(),
                        place,
                        technician,
                        remote,
                    }
                };
                return ticket_command_as(&desk, agent.as_deref(), command, json, io);
            }
            TicketsCommand::Approve {
                desk,
                id,
                agent,
                json,
            } => {
                return ticket_command(
                    &desk,
                    &agent,
                    AgentCommand::Approve { ticket: id },
                    json,
                    io,
                );
            }
            TicketsCommand::Deny {
                desk,
                id,
                agent,
                reason,
                json,
            } => {
                return ticket_command(
                    &desk,
                    &agent,
                    AgentCommand::Deny { ticket: id, reason },
                    json,
                    io,
                );
            }
            TicketsCommand::Vendor {
                desk,
                id,
                agent,
                vendor,
                note,
                json,
            } => {
                return ticket_command(
                    &desk,
                    &agent,
                    AgentCommand::EscalateVendor {
                        ticket: id,
                        vendor,
                        note,
                    },
                    json,
                    io,
                );
            }
            TicketsCommand::VendorReply {
                desk,
                id,
                agent,
                reference,
                text,
                file,
                json,
            } => {
                let text = match (text, file) {
                    (Some(t), _) => t,
                    (None, Some(f)) if f.as_os_str() == "-" => {
                        let mut s = String::new();
                        io.input
                            .read_to_string(&mut s)
                            .context("reading the reply from standard input")?;
                        s
                    }
                    (None, Some(f)) => std::fs::read_to_string(&f)
                        .with_context(|| format!("reading the reply from {}", f.display()))?,
                    (None, None) => String::new(),
                };
                if reference.is_none() && text.trim().is_empty() {
                    anyhow::bail!("say what the vendor said: --reference, --text or --file");
                }
                return ticket_command(
                    &desk,
                    &agent,
                    AgentCommand::VendorReply {
                        ticket: id,
                        reference,
                        text,
                    },
                    json,
                    io,
                );
            }
            TicketsCommand::Log {
                desk,
                id,
                agent,
                minutes,
                activity,
                no_billable,
                json,
            } => {
                let Some(activity) = frontline::contracts::Activity::parse(&activity) else {
                    anyhow::bail!("--activity `{activity}`: remote, on-site, phone or travel");
                };
                if minutes == 0 {
                    anyhow::bail!("--minutes must be more than 0");
                }
                return ticket_command(
                    &desk,
                    &agent,
                    AgentCommand::LogTime {
                        ticket: id,
                        minutes,
                        activity,
                        billable: !no_billable,
                    },
                    json,
                    io,
                );
            }
            TicketsCommand::Refund {
                desk,
                id,
                agent,
                entry,
                json,
            } => {
                return ticket_command(
                    &desk,
                    &agent,
                    AgentCommand::RefundTime { ticket: id, entry },
                    json,
                    io,
                );
            }
            TicketsCommand::Resolve {
                desk,
                id,
                agent,
                minutes,
                activity,
                note,
                outcome,
                json,
            } => {
                let Some(activity) = frontline::contracts::Activity::parse(&activity) else {
                    anyhow::bail!("--activity `{activity}`: remote, on-site, phone or travel");
                };
                let outcome = match outcome
                    .as_deref()
                    .map(frontline::reports::ChangeOutcome::parse)
                {
                    None => None,
                    Some(Some(o)) => Some(o),
                    Some(None) => anyhow::bail!(
                        "--outcome `{}`: successful, failed or rolled-back",
                        outcome.unwrap_or_default()
                    ),
                };
                return ticket_command(
                    &desk,
                    &agent,
                    AgentCommand::Resolve {
                        activity,
                        ticket: id,
                        note,
                        minutes,
                        outcome,
                    },
                    json,
                    io,
                );
            }
        },
        Command::Bench {
            what: BenchCommand::Report { tickets, runs },
        } => {
            let f = frontline::tooling::report_bench::report_figures(tickets, runs.max(1))?;
            outln!(io, "{f}");
        }
        Command::Bench {
            what: BenchCommand::Charts { runs },
        } => {
            outln!(io, "{}", frontline::tooling::chart_bench::run(runs.max(1)));
        }
        Command::Bench {
            what: BenchCommand::Statement { entries, runs },
        } => {
            let f = frontline::tooling::statement_bench::statement_figures(entries, runs.max(1))?;
            outln!(io, "{f}");
        }
        Command::Bench {
            what: BenchCommand::Triage { intents, runs },
        } => {
            let source = pack_source(intents, io);
            let load = || {
                source
                    .load()
                    .expect("the pack loads (run `frontline check`)")
            };
            // Realistic messages for the default pack: its own examples, in both languages.
            let own = |p: &Pack| -> Vec<String> {
                p.intents
                    .iter()
                    .flat_map(|i| i.examples.iter().map(|e| e.text.clone()))
                    .collect()
            };
            let default =
                frontline::tooling::bench::triage_figures("default pack", load, own, runs);
            let large = frontline::tooling::bench::triage_figures(
                "generated pack",
                || frontline::tooling::synth::pack(500, 20, 5000),
                |p| frontline::tooling::synth::messages(p, 2000),
                runs,
            );
            for f in [default, large] {
                outln!(
                    io,
                    "{}: {} intents, {} examples, {} articles: built in {:.1} ms, {:.0} decisions/s on one thread, peak RSS so far {:.1} MiB",
                    f.label,
                    f.intents,
                    f.examples,
                    f.articles,
                    f.build_ms,
                    f.decisions_per_second,
                    f.peak_rss_mib.unwrap_or(f64::NAN)
                );
            }
        }
        Command::Bench {
            what:
                BenchCommand::TriageStream {
                    intents,
                    out,
                    messages,
                },
        } => {
            let source = pack_source(intents, io);
            let default = source
                .load()
                .map_err(|e| anyhow::anyhow!("invalid intent pack: {e}"))?;
            let intents_arg = match &source {
                PackSource::Dir(d) => format!(" --intents {}", d.display()),
                PackSource::BuiltIn => String::new(),
            };
            let generated = synth::pack(500, 20, 5000);
            let generated_dir = out.join("generated-pack");
            // A pack directory left by an earlier run with other files would not load back equal.
            if generated_dir.exists() {
                std::fs::remove_dir_all(&generated_dir)
                    .with_context(|| format!("removing {}", generated_dir.display()))?;
            }
            synth::write_pack(&generated, &generated_dir)
                .with_context(|| format!("writing {}", generated_dir.display()))?;
            let reloaded = Pack::load(&generated_dir)
                .map_err(|e| anyhow::anyhow!("the generated pack does not load: {e}"))?;
            anyhow::ensure!(
                reloaded == generated,
                "the generated pack in {} does not load back as generated",
                generated_dir.display()
            );
            for (name, pack) in [("default.txt", &default), ("generated.txt", &generated)] {
                let mut text = synth::stream_mix(pack, messages).join("\n");
                text.push('\n');
                let path = out.join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            let me = std::env::current_exe().unwrap_or_else(|_| "frontline".into());
            outln!(
                io,
                "wrote {messages} lines each to {0}/default.txt and {0}/generated.txt, and the generated pack to {1}",
                out.display(),
                generated_dir.display()
            );
            outln!(io, "time them with:");
            outln!(
                io,
                "  /usr/bin/time -f '%e s %M KiB' {} triage --json{intents_arg} < {}/default.txt > /dev/null",
                me.display(),
                out.display()
            );
            outln!(
                io,
                "  /usr/bin/time -f '%e s %M KiB' {} triage --json --intents {} < {}/generated.txt > /dev/null",
                me.display(),
                generated_dir.display(),
                out.display()
            );
        }
        Command::Bench {
            what:
                BenchCommand::Store {
                    data,
                    tickets,
                    concurrency,
                    prefill,
                    print_confirmed,
                },
        } => {
            let args = frontline::tooling::store_bench::StoreBench {
                data,
                tickets,
                concurrency,
                prefill,
            };
            // Each line is flushed at once: a reader may kill us right after it and must be able
            // to rely on every id it has seen.
            let out = std::sync::Mutex::new(&mut *io.out);
            let confirmed = |id: &str| {
                if print_confirmed {
                    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = writeln!(out, "confirmed {id}").and_then(|()| out.flush());
                }
            };
            let f = frontline::tooling::store_bench::run(&args, &confirmed)?;
            if let Some(p) = &f.prefill {
                outln!(
                    io,
                    "prefilled to {} tickets in {:.1} s; reopen {:.0} ms (median of 3); {} open in busiest queue {}, its view (open, limit 50) returned {} in {:.2} ms (median of 20); {:.0} bytes on disk per ticket",
                    p.tickets,
                    p.load_s,
                    p.reopen_ms,
                    p.queue_open,
                    p.queue,
                    p.listed,
                    p.list_ms,
                    p.bytes_per_ticket
                );
            }
            if let Some(o) = &f.open {
                outln!(
                    io,
                    "opened {} tickets from {} requesters in {:.2} s: {:.0} durable openings/s, latency median {:.1} ms, p99 {:.1} ms, {} flushes ({:.1} tickets per flush)",
                    o.tickets,
                    o.concurrency,
                    o.seconds,
                    o.per_second,
                    o.median_ms,
                    o.p99_ms,
                    o.flushes,
                    o.tickets as f64 / o.flushes.max(1) as f64
                );
            }
        }
        Command::EvalFaq {
            faq,
            queries,
            split,
            with_paraphrases,
            json,
        } => {
            let r = eval::eval_faq(
                &faq,
                &queries,
                split.as_deref(),
                with_paraphrases,
                EngineConfig::default(),
            )?;
            if json {
                outln!(io, "{}", terminal::json(&r)?);
            } else {
                outln!(
                    io,
                    "MAP {:.4}, MRR {:.4}, P@1 {:.4} over {} queries and {} articles; {:.1} µs/query, indexed in {:.1} ms",
                    r.map,
                    r.mrr,
                    r.p_at_1,
                    r.queries,
                    r.articles,
                    r.us_per_query,
                    r.index_ms
                );
            }
        }
    }
    Ok(0)
}
