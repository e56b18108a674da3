//! The deployment's configuration: queues, routing, agents and roles, organisations, SLA targets,
//! data directory. One TOML file, validated once at start (the file's own checks in `read`, then
//! against the pack and the platforms a process serves); every problem is reported at once, each
//! naming the file, line and field. Secrets (platform tokens) never live here: they come from the
//! environment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::pack::{Pack, PackError, Priority};
use crate::tickets::{Platform, Tier, UserRef};

mod read;
pub mod reports;
pub mod security;
pub mod visits;

/// `[approvals]`: requests of these intents wait for an approver before anyone may claim them.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalSettings {
    /// Intents whose tickets need approval (default `hardware_request`, `access_request`).
    pub intents: Vec<String>,
    /// The agent role that approves when the requester's organisation names no approver
    /// (default admin); admins may always decide.
    pub role: Role,
    /// Business hours (of the ticket's calendar) after which the approver is reminded, and as
    /// often again; 0: no reminders. Default 24.
    pub remind_after_hours: u32,
}

impl Default for ApprovalSettings {
    fn default() -> Self {
        ApprovalSettings {
            intents: vec!["hardware_request".into(), "access_request".into()],
            role: Role::Admin,
            remind_after_hours: 24,
        }
    }
}

use read::{AgentFile, OrganisationFile, PlatformRoleFile, QueueFile, RouteFile, Text};

/// The configuration used when none is given: queues for the default pack, four local agents
/// (alice and bob at L2, carol at L3, root as admin) and SLA targets per priority.
pub const DEFAULT_CONFIG: &str = include_str!("../frontline.example.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Role {
    L2,
    L3,
    #[serde(rename = "admin")]
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::L2 => "L2",
            Role::L3 => "L3",
            Role::Admin => "admin",
        }
    }

    fn parse(s: &str) -> Option<Role> {
        [Role::L2, Role::L3, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct Queue {
    pub id: String,
    pub tier: Tier,
    /// Where the queue's channel lives: `local`, `discord`, `slack`.
    pub platform: Platform,
    /// Whether the file says `platform = ...`. A queue without one is local, which `frontline
    /// run` refuses unless written: cards for a platform nobody serves would go nowhere.
    pub platform_written: bool,
    /// The platform channel id; for `local`, a name.
    pub channel: String,
    /// The business-hours calendar its tickets' SLAs count in, unless the organisation names one.
    pub calendar: Option<String>,
    /// The agent on duty: tickets that land in the queue are theirs at once (a small shop that
    /// merges L1 and L2: the bot hands straight to a person, nobody claims).
    pub on_duty: Option<String>,
}

/// Someone outside the desk a ticket can be escalated to (tiers L4 and L5): a vendor, the
/// manufacturer. Reached by e-mail (`[smtp]`) or by a webhook of `[automations.webhooks]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    pub tier: Tier,
    pub reach: VendorReach,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VendorReach {
    Email(String),
    Webhook(String),
}

impl VendorReach {
    /// In words, for the card and the log: `e-mail to support@acme.example`, `webhook acme`.
    pub fn describe(&self) -> String {
        match self {
            VendorReach::Email(to) => format!("e-mail to {to}"),
            VendorReach::Webhook(name) => format!("webhook {name}"),
        }
    }
}

/// How `[smtp]` connects: in clear (a relay on this machine), STARTTLS, or TLS from the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

/// The mail server vendors' e-mail goes through (`[smtp]`); the password comes from the
/// environment, never the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// The sender (`Support desk <help@example.com>`).
    pub from: String,
    pub username: Option<String>,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
}

/// Where escalating a ticket one tier up leads.
#[derive(Debug, Clone)]
pub enum NextTier<'a> {
    Queue(&'a Queue),
    /// The vendors of the next external tier (one or more: the agent picks).
    Vendors(Tier, Vec<&'a Vendor>),
    None,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub category: Option<String>,
    pub intent: Option<String>,
    pub priority: Option<Priority>,
    pub queue: Spanned<String>,
}

#[derive(Debug, Clone)]
pub struct Agent {
    pub name: String,
    pub role: Role,
    pub platform: Platform,
    /// The agent's user id on that platform (the name for `local`).
    pub id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    /// Members as `platform:user-id`.
    pub users: Vec<String>,
    /// The business-hours calendar its tickets' SLAs count in (its contract's hours).
    pub calendar: Option<String>,
    /// Its contract's SLA targets by priority, instead of `[sla]`'s.
    pub sla: BTreeMap<Priority, SlaTarget>,
    /// Who approves its people's requests, instead of `[approvals] role`.
    pub approver: Option<UserRef>,
    /// E-mail domains whose people belong to it.
    pub domains: Vec<String>,
    /// Who is told about its balances, alerts and expiries.
    pub contact: Option<UserRef>,
}

/// A platform role (a Discord role id, a Slack user group id) whose members are agents.
#[derive(Debug, Clone)]
pub struct PlatformRole {
    pub platform: Platform,
    pub id: String,
    pub role: Role,
}

/// The Discord adapter's settings (`[discord]`); the token is `DISCORD_TOKEN` in the environment.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DiscordSettings {
    /// Base URL of the REST API, for an HTTP proxy (twilight-http-proxy) or tests; serenity's
    /// rate limiter is then off, since the proxy does the rate limiting.
    pub api_base: Option<String>,
    /// Channels where users ask for help; the bot answers each conversation in a thread.
    #[serde(default)]
    pub support_channels: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    pub first_response_minutes: u64,
    pub resolution_minutes: u64,
    /// After each message of the requester's (once an agent first answered), until an agent
    /// answers again; no such clock when absent.
    #[serde(default)]
    pub next_response_minutes: Option<u64>,
    /// The share of a clock's business time after which the queue and the assignee are warned
    /// (default 80).
    #[serde(default)]
    pub warn_at_percent: Option<u8>,
}

/// What users are told about the support desk itself (`[support]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportSettings {
    /// When people are at the desk, as users should read it: one string for every language, or
    /// a table by language (`hours = { en = "...", pl = "..." }`).
    pub hours: Hours,
    /// How to reach a person urgently outside those hours, if there is a way.
    #[serde(default)]
    pub urgent: Option<Hours>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Hours {
    Same(String),
    PerLanguage(BTreeMap<String, String>),
}

impl Hours {
    /// The text for `language`, else English, else any.
    pub fn get(&self, language: &str) -> &str {
        match self {
            Hours::Same(s) => s,
            Hours::PerLanguage(m) => m
                .get(language)
                .or_else(|| m.get("en"))
                .or_else(|| m.values().next())
                .map(String::as_str)
                .unwrap_or(""),
        }
    }
}

impl Default for SupportSettings {
    fn default() -> Self {
        SupportSettings {
            hours: Hours::PerLanguage(BTreeMap::from([
                ("en".to_string(), "Monday to Friday, 8:00-17:00".to_string()),
                (
                    "pl".to_string(),
                    "od poniedziałku do piątku, 8:00-17:00".to_string(),
                ),
            ])),
            urgent: None,
        }
    }
}

/// Known incidents (`[incidents]`): reports of the same problem by different people within a
/// window are linked to one incident ticket.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSettings {
    /// How far back a report may be to count as the same problem.
    #[serde(default = "default_window")]
    pub window_minutes: u64,
    /// Intents whose reports can be one incident (services, not personal problems).
    #[serde(default = "default_incident_intents")]
    pub intents: Vec<String>,
    /// How many people reporting make an incident P1.
    #[serde(default = "default_p1_reports")]
    pub p1_reports: usize,
}

/// A webhook automation rules may call: where, and the environment variable holding the secret
/// its requests are signed with (read by `frontline run`, never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: String,
    pub secret_env: String,
}

/// The built-in automations (`[automations]`), each on by default and off with 0: what happens to
/// a ticket nobody touches. Days are calendar days; minutes are business minutes.
#[derive(Debug, Clone, Copy)]
pub struct AutomationSettings {
    /// A ticket waiting on the requester: a reminder to them after this many days.
    pub waiting_reminder_days: u32,
    /// ... and closed, with a message, after this many days.
    pub waiting_close_days: u32,
    /// A resolved ticket is closed after this many days unless the requester reopens it.
    pub resolved_close_days: u32,
    /// A ticket nobody has claimed is re-announced in its queue after this many business
    /// minutes (of its calendar), and again after as many more.
    pub unclaimed_bump_minutes: u32,
    /// After this many re-announcements an L2 ticket goes to the L3 queue (0: never).
    pub unclaimed_escalate_after: u32,
    /// A resolved ticket not rated after this many hours: the requester is asked once more.
    pub csat_reminder_hours: u32,
}

fn default_unclaimed_bump_minutes() -> u32 {
    60
}

fn default_unclaimed_escalate_after() -> u32 {
    2
}

impl Default for AutomationSettings {
    fn default() -> Self {
        AutomationSettings {
            waiting_reminder_days: default_waiting_reminder_days(),
            waiting_close_days: default_waiting_close_days(),
            resolved_close_days: default_resolved_close_days(),
            unclaimed_bump_minutes: default_unclaimed_bump_minutes(),
            unclaimed_escalate_after: default_unclaimed_escalate_after(),
            csat_reminder_hours: 24,
        }
    }
}

fn default_waiting_reminder_days() -> u32 {
    3
}

fn default_waiting_close_days() -> u32 {
    7
}

fn default_resolved_close_days() -> u32 {
    5
}

fn default_window() -> u64 {
    60
}

fn default_p1_reports() -> usize {
    3
}

fn default_incident_intents() -> Vec<String> {
    ["outage", "network", "vpn", "email"]
        .into_iter()
        .map(String::from)
        .collect()
}

impl Default for IncidentSettings {
    fn default() -> Self {
        IncidentSettings {
            window_minutes: default_window(),
            intents: default_incident_intents(),
            p1_reports: default_p1_reports(),
        }
    }
}

/// Everything wrong with a configuration, in file order; each problem names the file, the line
/// (0: the file as a whole) and the field. Shown as one line: the problems joined by `; `.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub problems: Vec<PackError>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.len() > 1 {
            write!(f, "{} problems: ", self.problems.len())?;
        }
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl From<PackError> for ConfigError {
    fn from(p: PackError) -> Self {
        ConfigError { problems: vec![p] }
    }
}

fn verdict(problems: Vec<PackError>) -> Result<(), ConfigError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ConfigError { problems })
    }
}

// The file as written: text fields are strings here, checked in `read` so that one pass reports
// every mistake (serde stops at the first) and each names its own line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    data_dir: Text,
    intents: Text,
    #[serde(default)]
    queues: Vec<Spanned<QueueFile>>,
    #[serde(default)]
    routing: Vec<Spanned<RouteFile>>,
    /// The queue tickets go to when escalated to L3.
    l3_queue: Text,
    /// The time zone reports count days, weeks and hours in (default UTC).
    timezone: Text,
    #[serde(default)]
    agents: Vec<Spanned<AgentFile>>,
    #[serde(default)]
    organisations: Vec<Spanned<OrganisationFile>>,
    #[serde(default)]
    sla: BTreeMap<Priority, SlaTarget>,
    #[serde(default)]
    platform_roles: Vec<Spanned<PlatformRoleFile>>,
    #[serde(default)]
    calendars: BTreeMap<String, Spanned<read::calendars::CalendarFile>>,
    #[serde(default)]
    automations: read::automations::AutomationsFile,
    approvals: Option<Spanned<read::approvals::ApprovalsFile>>,
    visits: Option<Spanned<read::visits::VisitsFile>>,
    pricing: Option<Spanned<read::contracts::PricingFile>>,
    contracts: Option<Spanned<read::contracts::ContractsFile>>,
    discord: Option<Spanned<DiscordSettings>>,
    slack: Option<Spanned<SlackSettings>>,
    #[serde(default)]
    support: SupportSettings,
    incidents: Option<Spanned<IncidentSettings>>,
    /// Scheduled backups (`[backup]`), owned by the store.
    #[serde(default)]
    backup: Option<crate::store::schedule::BackupConfig>,
    #[serde(default)]
    observability: crate::platform::observe::ObservabilitySettings,
    /// Security awareness (`[security]`): the tips' schedule.
    security: Option<Spanned<read::security::SecurityFile>>,
    /// The weekly digest (`[reports]`).
    reports: Option<Spanned<read::reports::ReportsFile>>,
    /// Personal data (`[privacy]`): the retention of closed tickets' transcripts.
    privacy: Option<Spanned<read::privacy::PrivacyFile>>,
    /// Tiers L4 and L5: vendors and manufacturers.
    #[serde(default)]
    vendors: Vec<Spanned<read::vendors::VendorFile>>,
    smtp: Option<Spanned<read::vendors::SmtpFile>>,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub source: PathBuf,
    /// Whether this is the configuration compiled into the binary (no `--config` given).
    pub built_in: bool,
    /// The data directory the file names, resolved against the file's directory.
    pub data_dir: Option<PathBuf>,
    /// The pack directory the file names, resolved against the file's directory.
    pub intents: Option<PathBuf>,
    pub queues: Vec<Queue>,
    pub routing: Vec<Route>,
    pub l3_queue: String,
    /// The zone reports and the weekly digest count in (`timezone = "Europe/Warsaw"`; UTC
    /// when absent), and its name.
    pub timezone: jiff::tz::TimeZone,
    pub timezone_name: String,
    pub agents: Vec<Agent>,
    pub organisations: Vec<Organisation>,
    pub sla: BTreeMap<Priority, SlaTarget>,
    pub platform_roles: Vec<PlatformRole>,
    /// Business-hours calendars by name (`[calendars.NAME]`).
    pub calendars: BTreeMap<String, crate::clocks::calendar::Calendar>,
    /// The built-in automations (`[automations]`).
    pub automations: AutomationSettings,
    /// The automation rules (`[[automations.rules]]`), in file order.
    pub rules: Vec<crate::desk::automation::Rule>,
    /// The webhooks rules may call (`[automations.webhooks.NAME]`).
    pub webhooks: BTreeMap<String, Webhook>,
    /// Tiers L4 and L5 (`[[vendors]]`), in file order.
    pub vendors: Vec<Vendor>,
    /// The mail server for vendors reached by e-mail (`[smtp]`).
    pub smtp: Option<SmtpSettings>,
    /// Which requests need an approver's yes, and who gives it (`[approvals]`).
    pub approvals: ApprovalSettings,
    /// When confirmed visits are reminded (`[visits]`).
    pub visits: visits::VisitSettings,
    /// The price list (`[pricing]`).
    pub pricing: crate::contracts::Pricing,
    /// Balance alerts and expiry warnings (`[contracts]`).
    pub contracts: crate::contracts::Settings,
    pub discord: Option<DiscordSettings>,
    pub slack: Option<SlackSettings>,
    pub support: SupportSettings,
    pub incidents: IncidentSettings,
    /// Scheduled backups by `frontline run` (`[backup]`); none when absent.
    pub backup: Option<crate::store::schedule::BackupConfig>,
    /// `[observability]`: the health and metrics listener of `frontline run`.
    pub observability: crate::platform::observe::ObservabilitySettings,
    /// `[security]`: security tips on a schedule; none when absent or off.
    pub security: security::SecuritySettings,
    /// `[reports]`: the weekly digest; none when absent or off.
    pub reports: reports::ReportSettings,
    /// `[privacy]`: how long closed tickets keep their transcripts; forever when absent.
    pub privacy: crate::privacy::PrivacySettings,
    /// Lines of the fields checked after parsing (against the pack, against the platforms a
    /// process serves): `routing[0].intent`, `incidents.intents[1]`, `queues[2]`.
    lines: BTreeMap<String, usize>,
}

/// The Slack adapter's settings (`[slack]`); tokens come from the environment: `SLACK_BOT_TOKEN`,
/// `SLACK_SIGNING_SECRET` (HTTP Events API) and `SLACK_APP_TOKEN` (Socket Mode).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SlackSettings {
    /// Where the Events API endpoints listen (`/slack/events`, `/slack/interactive`,
    /// `/slack/commands`); a reverse proxy with TLS goes in front.
    pub listen: Option<std::net::SocketAddr>,
    /// Take events over a WebSocket the app opens (no public URL needed) instead of HTTP.
    #[serde(default)]
    pub socket_mode: bool,
    /// Base URL of the Web API, ending in `/api/` (default `https://slack.com/api/`): tests and
    /// proxies.
    pub api_base: Option<String>,
    /// Channel ids (`C0123ABCD`) where people ask for help by mentioning the app; each
    /// conversation is answered in a thread.
    #[serde(default)]
    pub support_channels: Vec<String>,
}

/// Whether `s` is a Slack id of the kind `prefixes` allows (`C0123ABCD`, `U024BE7LH`): a capital
/// letter and then capitals and digits.
pub fn is_slack_id(s: &str, prefixes: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| prefixes.contains(c))
        && s.len() >= 3
        && s.len() <= 32
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Whether `s` is a Discord id (a snowflake: a positive 64-bit number in decimal digits).
pub fn is_snowflake(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok_and(|n| n > 0)
}
impl Config {
    /// Loads and validates `path`. Relative `data_dir` and `intents` are read from the file's
    /// directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| PackError {
            file: path.to_path_buf(),
            line: 0,
            field: "-".into(),
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(path, &text)
    }

    /// The built-in default configuration.
    pub fn default_config() -> Config {
        let mut c = Config::parse(
            Path::new("<built-in>/frontline.example.toml"),
            DEFAULT_CONFIG,
        )
        .expect("the shipped example config is valid");
        c.built_in = true;
        c
    }

    /// Parses and validates `text` as the file `path`; relative directories in it are read from
    /// `path`'s directory.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let (config, problems) = Config::parse_draft(path, text)?;
        verdict(problems).map(|()| config)
    }

    /// Parses `text` and reports every problem in it rather than the first. The configuration
    /// returned is made of the parts that could be read (a missing `l3_queue` is empty, a queue
    /// with a bad tier reads as L2), so that it can still be checked against a pack and shown:
    /// when there are problems it is for reporting, never for running. Only a file that is not
    /// TOML, or has an unknown field or a value of the wrong type, is an error here.
    pub fn parse_draft(path: &Path, text: &str) -> Result<(Config, Vec<PackError>), ConfigError> {
        let f: ConfigFile = toml::from_str(text).map_err(|e| read::syntax_error(path, text, &e))?;
        let r = read::check(path, text, &f);
        let config = Config {
            source: path.to_path_buf(),
            built_in: false,
            data_dir: r.data_dir,
            intents: r.intents,
            queues: r.queues,
            routing: r.routing,
            l3_queue: r.l3_queue,
            timezone: r.timezone.1,
            timezone_name: r.timezone.0,
            agents: r.agents,
            organisations: r.organisations,
            sla: f.sla,
            platform_roles: r.platform_roles,
            calendars: r.calendars,
            automations: r.automations.settings,
            rules: r.automations.rules,
            webhooks: r.automations.webhooks,
            vendors: r.vendors,
            smtp: r.smtp,
            approvals: r.approvals,
            visits: r.visits,
            pricing: r.pricing,
            contracts: r.contracts,
            discord: f.discord.map(Spanned::into_inner),
            slack: f.slack.map(Spanned::into_inner),
            support: f.support,
            incidents: f.incidents.map(Spanned::into_inner).unwrap_or_default(),
            backup: f.backup,
            observability: f.observability,
            security: r.security,
            reports: r.reports,
            privacy: r.privacy,
            lines: r.lines,
        };
        Ok((config, r.problems))
    }

    fn problem(&self, field: &str, message: String) -> PackError {
        PackError {
            file: self.source.clone(),
            line: self.lines.get(field).copied().unwrap_or(0),
            field: field.to_string(),
            message,
        }
    }

    /// Every queue an intent of `pack` routes to must exist; routing rules and incident intents
    /// must name intents and categories the pack has.
    pub fn check_against(&self, pack: &Pack) -> Result<(), ConfigError> {
        verdict(self.pack_problems(pack))
    }

    /// What [`Config::check_against`] finds, every problem.
    pub fn pack_problems(&self, pack: &Pack) -> Vec<PackError> {
        let mut problems = Vec::new();
        let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for i in &pack.intents {
            for p in [Priority::P1, Priority::P2, Priority::P3, Priority::P4] {
                if self.route(&i.id, &i.category, p, &i.queue).is_none() {
                    let intents = missing.entry(i.queue.as_str()).or_default();
                    if !intents.contains(&i.id.as_str()) {
                        intents.push(&i.id);
                    }
                }
            }
        }
        for (queue, intents) in missing {
            problems.push(self.problem(
                "queues",
                format!(
                    "no queue `{queue}`, where pack `{}` sends {} (add a [[queues]] with id = \"{queue}\")",
                    pack.name,
                    intents.join(", ")
                ),
            ));
        }
        let categories: Vec<&str> = {
            let mut c: Vec<&str> = pack.intents.iter().map(|i| i.category.as_str()).collect();
            c.sort();
            c.dedup();
            c
        };
        for (i, r) in self.routing.iter().enumerate() {
            if let Some(intent) = &r.intent
                && pack.intent(intent).is_none()
            {
                problems.push(self.problem(
                    &format!("routing[{i}].intent"),
                    format!("no intent `{intent}` in pack `{}`", pack.name),
                ));
            }
            if let Some(category) = &r.category
                && !categories.contains(&category.as_str())
            {
                problems.push(self.problem(
                    &format!("routing[{i}].category"),
                    format!(
                        "no intent in pack `{}` has category `{category}` (categories: {})",
                        pack.name,
                        categories.join(", ")
                    ),
                ));
            }
        }
        for r in &self.rules {
            let base = format!("automations.rules[{}]", r.index);
            for intent in &r.conditions.intent {
                if pack.intent(intent).is_none() {
                    problems.push(self.problem(
                        &format!("{base}.if.intent"),
                        format!("no intent `{intent}` in pack `{}`", pack.name),
                    ));
                }
            }
            for category in &r.conditions.category {
                if !categories.contains(&category.as_str()) {
                    problems.push(self.problem(
                        &format!("{base}.if.category"),
                        format!(
                            "no intent in pack `{}` has category `{category}` (categories: {})",
                            pack.name,
                            categories.join(", ")
                        ),
                    ));
                }
            }
            for (j, a) in r.actions.iter().enumerate() {
                if let crate::desk::automation::RuleAction::ReplyArticle(id) = a
                    && !pack.articles.iter().any(|x| &x.id == id)
                {
                    problems.push(self.problem(
                        &format!("{base}.then[{j}].reply_article"),
                        format!("no FAQ article `{id}` in pack `{}`", pack.name),
                    ));
                }
            }
        }
        for (j, intent) in self.approvals.intents.iter().enumerate() {
            if pack.intent(intent).is_none() {
                problems.push(self.problem(
                    &format!("approvals.intents[{j}]"),
                    format!("no intent `{intent}` in pack `{}`", pack.name),
                ));
            }
        }
        for (j, intent) in self.incidents.intents.iter().enumerate() {
            if pack.intent(intent).is_none() {
                problems.push(self.problem(
                    &format!("incidents.intents[{j}]"),
                    format!("no intent `{intent}` in pack `{}`", pack.name),
                ));
            }
        }
        if self.security.tips.is_some() && pack.tips.is_empty() {
            problems.push(self.problem(
                "security.tips_channel",
                format!(
                    "pack `{}` has no security tips: add tips.toml to it, or write tips = false",
                    pack.name
                ),
            ));
        }
        // Languages things are posted in (tips, the digest) must be the pack's.
        let languages = [
            (
                "security.language",
                self.security
                    .tips
                    .as_ref()
                    .and_then(|t| t.language.as_ref()),
            ),
            (
                "reports.language",
                self.reports
                    .digest
                    .as_ref()
                    .and_then(|d| d.language.as_ref()),
            ),
        ];
        for (field, language) in languages {
            if let Some(l) = language
                && !pack.languages.contains(l)
            {
                problems.push(self.problem(
                    field,
                    format!(
                        "pack `{}` is not written in `{l}` (languages: {})",
                        pack.name,
                        pack.languages.join(", ")
                    ),
                ));
            }
        }
        problems.sort_by_key(|p| p.line);
        problems
    }

    /// Every queue must be on a platform this process serves, or be written `platform =
    /// "local"` (an outbox read by `frontline agent`): a ticket can reach any queue (routing,
    /// escalation, transfer), and a card for a platform nobody serves would go nowhere. `served`
    /// are the platforms besides the local terminals; with none (the terminals alone), a queue
    /// left without a platform is the terminals' and only queues on other platforms are refused.
    pub fn check_served(&self, served: &[Platform]) -> Result<(), ConfigError> {
        verdict(self.served_problems(served))
    }

    /// What [`Config::check_served`] finds, every problem.
    pub fn served_problems(&self, served: &[Platform]) -> Vec<PackError> {
        let queue_line = |i: usize| {
            self.lines
                .get(&format!("queues[{i}]"))
                .copied()
                .unwrap_or(0)
        };
        let mut problems = Vec::new();
        let implicit: Vec<(usize, &Queue)> = self
            .queues
            .iter()
            .enumerate()
            .filter(|(_, q)| {
                !served.is_empty() && !q.platform_written && !served.contains(&q.platform)
            })
            .collect();
        if let Some((first, _)) = implicit.first() {
            let names: Vec<&str> = implicit.iter().map(|(_, q)| q.id.as_str()).collect();
            let serving: Vec<&str> = served.iter().map(|p| p.as_str()).collect();
            let (queues, have) = if names.len() == 1 {
                ("queue", "has")
            } else {
                ("queues", "have")
            };
            problems.push(PackError {
                file: self.source.clone(),
                line: queue_line(*first),
                field: format!("queues[{first}].platform"),
                message: format!(
                    "{queues} {} {have} no platform, so their cards would stay in the local outbox while this process serves {}: set platform = \"discord\" or \"slack\" and the channel id, or write platform = \"local\" to keep a queue for `frontline agent`",
                    names.join(", "),
                    serving.join(", ")
                ),
            });
        }
        for (i, q) in self.queues.iter().enumerate() {
            if q.platform == Platform::Local || served.contains(&q.platform) {
                continue;
            }
            let why = match q.platform {
                Platform::Discord | Platform::Slack => format!(
                    "the configuration has no [{}] section, so its cards would never be posted",
                    q.platform
                ),
                _ => format!(
                    "frontline has no {} adapter yet (local, discord or slack)",
                    q.platform
                ),
            };
            problems.push(PackError {
                file: self.source.clone(),
                line: queue_line(i),
                field: format!("queues[{i}].platform"),
                message: format!("queue `{}` is on {}, but {why}", q.id, q.platform),
            });
        }
        problems
    }

    /// The queue for a ticket: the first routing rule that matches, else the intent's own queue if
    /// configured.
    pub fn route(
        &self,
        intent: &str,
        category: &str,
        priority: Priority,
        default_queue: &str,
    ) -> Option<&Queue> {
        let id = self
            .routing
            .iter()
            .find(|r| {
                r.intent.as_deref().is_none_or(|x| x == intent)
                    && r.category.as_deref().is_none_or(|x| x == category)
                    && r.priority.is_none_or(|p| p == priority)
            })
            .map(|r| r.queue.get_ref().as_str())
            .unwrap_or(default_queue);
        self.queue(id)
    }

    pub fn queue(&self, id: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.id == id)
    }

    /// The agent a platform user is, if any.
    pub fn agent(&self, user: &UserRef) -> Option<&Agent> {
        self.agents
            .iter()
            .find(|a| a.platform == user.platform && a.id.as_deref().unwrap_or(&a.name) == user.id)
    }

    /// The strongest agent role among a platform user's roles, if any is mapped.
    pub fn role_for(&self, platform: Platform, roles: &[String]) -> Option<Role> {
        let rank = |r: Role| match r {
            Role::L2 => 0,
            Role::L3 => 1,
            Role::Admin => 2,
        };
        self.platform_roles
            .iter()
            .filter(|p| p.platform == platform && roles.contains(&p.id))
            .map(|p| p.role)
            .max_by_key(|r| rank(*r))
    }

    /// Where a ticket at `tier` goes when escalated one tier up inside the desk: L1 to the
    /// first L2 queue, L2 to `l3_queue`; none from L3 up (vendors are [`Config::next_tier`]).
    pub fn next_tier_queue(&self, tier: Tier) -> Option<&Queue> {
        match tier {
            Tier::L1 => self.queues.iter().find(|q| q.tier == Tier::L2),
            Tier::L2 => self.queue(&self.l3_queue),
            Tier::L3 | Tier::L4 | Tier::L5 => None,
        }
    }

    /// The whole chain: the next queue, else the vendors of the lowest external tier above
    /// `tier` (L3 to L4, or straight to L5 when no L4 is configured).
    pub fn next_tier(&self, tier: Tier) -> NextTier<'_> {
        if let Some(q) = self.next_tier_queue(tier) {
            return NextTier::Queue(q);
        }
        let next = self
            .vendors
            .iter()
            .filter(|v| v.tier > tier)
            .map(|v| v.tier)
            .min();
        match next {
            Some(t) => NextTier::Vendors(t, self.vendors.iter().filter(|v| v.tier == t).collect()),
            None => NextTier::None,
        }
    }

    /// Whether escalating from `tier` leaves the desk (to a vendor).
    pub fn vendors_next(&self, tier: Tier) -> bool {
        matches!(self.next_tier(tier), NextTier::Vendors(..))
    }

    pub fn vendor(&self, id: &str) -> Option<&Vendor> {
        self.vendors.iter().find(|v| v.id == id)
    }

    pub fn agent_named(&self, name: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.name == name)
    }

    /// A person's organisation: by `platform:id`, else by the domain of an e-mail address they
    /// go by (their id or name).
    pub fn organisation_of(&self, user: &UserRef) -> Option<&Organisation> {
        let key = user.key();
        if let Some(o) = self.organisations.iter().find(|o| o.users.contains(&key)) {
            return Some(o);
        }
        let domain = email_domain(user)?;
        self.organisations
            .iter()
            .find(|o| o.domains.contains(&domain))
    }

    pub fn organisation(&self, id: Option<&str>) -> Option<&Organisation> {
        id.and_then(|id| self.organisations.iter().find(|o| o.id == id))
    }

    /// The SLA targets for a ticket of `priority` of `organisation`: its contract's, else
    /// `[sla]`'s.
    pub fn sla_for(&self, priority: Priority, organisation: Option<&str>) -> Option<SlaTarget> {
        self.organisation(organisation)
            .and_then(|o| o.sla.get(&priority))
            .or_else(|| self.sla.get(&priority))
            .copied()
    }

    /// The calendar a ticket's clocks count in: its organisation's, else its queue's, else
    /// around the clock in UTC.
    pub fn calendar_for(
        &self,
        organisation: Option<&str>,
        queue: &str,
    ) -> std::borrow::Cow<'_, crate::clocks::calendar::Calendar> {
        let named = self
            .organisation(organisation)
            .and_then(|o| o.calendar.as_deref())
            .or_else(|| self.queue(queue).and_then(|q| q.calendar.as_deref()))
            .and_then(|n| self.calendars.get(n));
        match named {
            Some(c) => std::borrow::Cow::Borrowed(c),
            None => std::borrow::Cow::Owned(crate::clocks::calendar::Calendar::always("24x7")),
        }
    }

    /// The calendar the security tips' schedule follows (`[security] calendar`), else UTC every
    /// day.
    pub fn tips_calendar(&self) -> std::borrow::Cow<'_, crate::clocks::calendar::Calendar> {
        match self
            .security
            .tips
            .as_ref()
            .and_then(|t| t.calendar.as_deref())
            .and_then(|n| self.calendars.get(n))
        {
            Some(c) => std::borrow::Cow::Borrowed(c),
            None => std::borrow::Cow::Owned(crate::clocks::calendar::Calendar::always("UTC")),
        }
    }

    /// A ticket's SLA clocks at `now` (none when its priority has no targets).
    pub fn clocks(&self, t: &crate::tickets::Ticket, now: u64) -> Vec<crate::clocks::sla::Clock> {
        match self.sla_for(t.priority, t.organisation.as_deref()) {
            Some(target) => crate::clocks::sla::clocks(
                t,
                &target,
                &self.calendar_for(t.organisation.as_deref(), &t.queue),
                now,
            ),
            None => vec![],
        }
    }
}

/// The domain of the e-mail address a person goes by (their id or display name), lower case.
pub fn email_domain(user: &UserRef) -> Option<String> {
    [&user.id, &user.name]
        .into_iter()
        .find_map(|s| {
            s.trim()
                .rsplit_once('@')
                .map(|(_, d)| d.trim().to_lowercase())
        })
        .filter(|d| d.contains('.') && !d.contains(char::is_whitespace))
}
