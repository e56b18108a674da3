//! The deployment's configuration: queues, routing, agents and roles, organisations, SLA targets,
//! data directory. One TOML file, validated once at start; errors name the file, line and field.
//! Secrets (platform tokens) never live here: they come from the environment.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::pack::{Pack, PackError, Priority, key_at, line_of, names_a_value};
use crate::tickets::{Platform, Tier, UserRef};

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

// The file as written. Text fields are read as strings and checked here rather than by serde, so
// that one pass reports every mistake (serde stops at the first) and each names its own line.
type Text = Option<Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueFile {
    id: Text,
    tier: Text,
    platform: Text,
    channel: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteFile {
    category: Text,
    intent: Text,
    priority: Text,
    queue: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentFile {
    name: Text,
    role: Text,
    platform: Text,
    id: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationFile {
    id: Text,
    name: Text,
    #[serde(default)]
    users: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformRoleFile {
    platform: Text,
    id: Text,
    role: Text,
}

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
    #[serde(default)]
    agents: Vec<Spanned<AgentFile>>,
    #[serde(default)]
    organisations: Vec<Spanned<OrganisationFile>>,
    #[serde(default)]
    sla: BTreeMap<Priority, SlaTarget>,
    #[serde(default)]
    platform_roles: Vec<Spanned<PlatformRoleFile>>,
    discord: Option<Spanned<DiscordSettings>>,
    #[serde(default)]
    support: SupportSettings,
    incidents: Option<Spanned<IncidentSettings>>,
    /// Scheduled backups (`[backup]`), owned by the store.
    #[serde(default)]
    backup: Option<crate::store::schedule::BackupConfig>,
    #[serde(default)]
    observability: crate::platform::observe::ObservabilitySettings,
}

/// The top-level settings, for the hint when one is written under a `[section]` by mistake.
const TOP_LEVEL: &[&str] = &["data_dir", "intents", "l3_queue"];

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
    pub agents: Vec<Agent>,
    pub organisations: Vec<Organisation>,
    pub sla: BTreeMap<Priority, SlaTarget>,
    pub platform_roles: Vec<PlatformRole>,
    pub discord: Option<DiscordSettings>,
    pub support: SupportSettings,
    pub incidents: IncidentSettings,
    /// Scheduled backups by `frontline run` (`[backup]`); none when absent.
    pub backup: Option<crate::store::schedule::BackupConfig>,
    /// `[observability]`: the health and metrics listener of `frontline run`.
    pub observability: crate::platform::observe::ObservabilitySettings,
    /// Lines of the fields checked after parsing (against the pack, against the platforms a
    /// process serves): `routing[0].intent`, `incidents.intents[1]`, `queues[2]`.
    lines: BTreeMap<String, usize>,
}

/// Whether `s` is a Discord id (a snowflake: a positive 64-bit number in decimal digits).
pub fn is_snowflake(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_ok_and(|n| n > 0)
}

/// The table a position in the file belongs to, as a field path: `queues[2]`, `discord`, `sla.P1`;
/// empty at the top level.
fn table_at(text: &str, offset: usize) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut current = String::new();
    let end = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    for line in text[..end].lines() {
        let t = line.trim();
        if let Some((name, _)) = t.strip_prefix("[[").and_then(|r| r.split_once("]]")) {
            let name = name.trim().to_string();
            let n = counts.entry(name.clone()).or_insert(0);
            current = format!("{name}[{n}]");
            *n += 1;
        } else if let Some((name, _)) = t.strip_prefix('[').and_then(|r| r.split_once(']')) {
            current = name.trim().to_string();
        }
    }
    current
}

/// A TOML or serde error as a problem with the field's path (`queues[2].platform`).
fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> PackError {
    let msg = e.message().replace('\n', " ");
    let at = e.span().map(|s| s.start).unwrap_or(0);
    let key = ["unknown field `", "missing field `", "duplicate key `"]
        .iter()
        .find_map(|p| {
            msg.split_once(p)
                .and_then(|(_, rest)| rest.split('`').next())
                .map(str::to_string)
        })
        .or_else(|| names_a_value(&msg).then(|| key_at(text, at)).flatten());
    let table = table_at(text, at);
    let field = match &key {
        Some(k) if !table.is_empty() && !k.starts_with(&format!("{table}.")) => {
            format!("{table}.{k}")
        }
        Some(k) => k.clone(),
        None => "-".into(),
    };
    let mut message = msg.clone();
    if msg.starts_with("invalid type: integer") && msg.ends_with("expected a string") {
        message.push_str(": write ids and names in quotes (channel = \"234567890123456789\")");
    }
    if msg.starts_with("unknown field")
        && !table.is_empty()
        && key.as_deref().is_some_and(|k| TOP_LEVEL.contains(&k))
    {
        message.push_str(&format!(
            ": top-level settings go before the first [section] (this line is inside [{table}])"
        ));
    }
    PackError {
        file: path.to_path_buf(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
        field,
        message,
    }
}

/// Collects the problems of one file while it is read.
struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<PackError>,
}

impl Checker<'_> {
    fn line(&self, offset: usize) -> usize {
        line_of(self.text, offset)
    }

    fn at_line(&mut self, line: usize, field: &str, message: impl Into<String>) {
        self.problems.push(PackError {
            file: self.path.to_path_buf(),
            line,
            field: field.to_string(),
            message: message.into(),
        });
    }

    fn at(&mut self, offset: usize, field: &str, message: impl Into<String>) {
        self.at_line(self.line(offset), field, message);
    }

    /// A field that must be there and not blank; `table` is where its table starts (0: the file).
    fn required<'v>(
        &mut self,
        value: &'v Text,
        table: Option<usize>,
        field: &str,
        what: &str,
    ) -> Option<&'v Spanned<String>> {
        match value {
            None => {
                let line = table.map_or(0, |t| self.line(t));
                self.at_line(line, field, format!("missing field: {what}"));
                None
            }
            Some(v) => self.not_blank(v, field).then_some(v),
        }
    }

    fn optional<'v>(&mut self, value: &'v Text, field: &str) -> Option<&'v Spanned<String>> {
        value.as_ref().filter(|v| self.not_blank(v, field))
    }

    fn not_blank(&mut self, v: &Spanned<String>, field: &str) -> bool {
        let ok = !v.get_ref().trim().is_empty();
        if !ok {
            self.at(v.span().start, field, "must not be empty");
        }
        ok
    }

    /// A platform name; `local` when not written. An unknown name is a problem (and reads as
    /// `local` so nothing else is reported about it).
    fn platform(&mut self, value: &Text, field: &str) -> (Platform, bool) {
        let Some(v) = value else {
            return (Platform::Local, false);
        };
        match Platform::parse(v.get_ref()) {
            Some(p) => (p, true),
            None => {
                let valid: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();
                self.at(
                    v.span().start,
                    field,
                    format!(
                        "unknown platform `{}`: one of {}",
                        v.get_ref(),
                        valid.join(", ")
                    ),
                );
                (Platform::Local, true)
            }
        }
    }

    fn role(&mut self, value: Option<&Spanned<String>>, field: &str) -> Option<Role> {
        let v = value?;
        let role = Role::parse(v.get_ref());
        if role.is_none() {
            self.at(
                v.span().start,
                field,
                format!("`{}` is not a role: L2, L3 or admin", v.get_ref()),
            );
        }
        role
    }

    /// A Discord id: `what` is `channel`, `user` or `role`, as Discord's "Copy ... ID" names it.
    fn snowflake(&mut self, v: &Spanned<String>, field: &str, what: &str) {
        let s = v.get_ref();
        if !is_snowflake(s) {
            let menu = match what {
                "channel" => "Channel",
                "user" => "User",
                _ => "Role",
            };
            self.at(
                v.span().start,
                field,
                format!(
                    "`{s}` is not a Discord {what} id: Discord ids are numbers like 234567890123456789 (in Discord: User Settings → Advanced → Developer Mode, then right-click the {what} → Copy {menu} ID)"
                ),
            );
        }
    }

    /// The line where `"value"` is written inside `span` (a table), else the table's first line.
    fn line_in(&self, span: std::ops::Range<usize>, value: &str) -> usize {
        let end = span.end.min(self.text.len());
        let start = span.start.min(end);
        let quoted = format!("\"{value}\"");
        let at = self.text[start..end]
            .find(&quoted)
            .or_else(|| self.text[start..end].find(&format!("'{value}'")))
            .map_or(start, |i| start + i);
        self.line(at)
    }
}

fn queue_list(queues: &[Queue]) -> String {
    let ids: Vec<&str> = queues.iter().map(|q| q.id.as_str()).collect();
    if ids.is_empty() {
        "no queues are configured".into()
    } else {
        format!("queues: {}", ids.join(", "))
    }
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
        let f: ConfigFile = toml::from_str(text).map_err(|e| syntax_error(path, text, &e))?;
        let mut c = Checker {
            path,
            text,
            problems: Vec::new(),
        };
        let mut lines = BTreeMap::new();
        let base = path.parent().unwrap_or(Path::new(""));
        let data_dir = c
            .optional(&f.data_dir, "data_dir")
            .map(|d| base.join(d.get_ref()));
        let intents = c
            .optional(&f.intents, "intents")
            .map(|d| base.join(d.get_ref()));

        // Queues. A queue with a mistake still counts as defined, so that rules naming it are
        // not reported too; its tier is known only when valid.
        let mut queues = Vec::new();
        let mut tiers: BTreeMap<String, (Option<Tier>, usize)> = BTreeMap::new();
        for (i, t) in f.queues.iter().enumerate() {
            let at = t.span().start;
            let q = t.get_ref();
            let field = |x: &str| format!("queues[{i}].{x}");
            lines.insert(format!("queues[{i}]"), c.line(at));
            let id = c.required(
                &q.id,
                Some(at),
                &field("id"),
                "the queue's name, used by routing",
            );
            let tier = c
                .required(&q.tier, Some(at), &field("tier"), "L2 or L3")
                .and_then(|v| match v.get_ref().as_str() {
                    "L2" => Some(Tier::L2),
                    "L3" => Some(Tier::L3),
                    other => {
                        c.at(
                            v.span().start,
                            &field("tier"),
                            format!("`{other}` is not a queue tier: L2 or L3"),
                        );
                        None
                    }
                });
            let (platform, written) = c.platform(&q.platform, &field("platform"));
            if let Some(ch) = &q.channel {
                if c.not_blank(ch, &field("channel")) && platform == Platform::Discord {
                    c.snowflake(ch, &field("channel"), "channel");
                }
            } else if platform == Platform::Discord {
                c.at(
                    at,
                    &field("channel"),
                    "missing field: a queue on Discord needs the id of the channel its cards go to (in Discord: User Settings → Advanced → Developer Mode, then right-click the channel → Copy Channel ID)",
                );
            }
            let Some(id) = id else { continue };
            if let Some((_, first)) = tiers.get(id.get_ref()) {
                let first = *first;
                c.at(
                    id.span().start,
                    &field("id"),
                    format!("duplicate queue `{}` (first on line {first})", id.get_ref()),
                );
                continue;
            }
            tiers.insert(id.get_ref().clone(), (tier, c.line(id.span().start)));
            queues.push(Queue {
                id: id.get_ref().clone(),
                tier: tier.unwrap_or(Tier::L2),
                platform,
                platform_written: written,
                channel: q
                    .channel
                    .as_ref()
                    .map(|v| v.get_ref().clone())
                    .unwrap_or_default(),
            });
        }

        let mut routing = Vec::new();
        for (i, t) in f.routing.iter().enumerate() {
            let at = t.span().start;
            let r = t.get_ref();
            let field = |x: &str| format!("routing[{i}].{x}");
            let intent = c.optional(&r.intent, &field("intent"));
            let category = c.optional(&r.category, &field("category"));
            for (name, v) in [("intent", intent), ("category", category)] {
                if let Some(v) = v {
                    lines.insert(field(name), c.line(v.span().start));
                }
            }
            let priority = c.optional(&r.priority, &field("priority")).and_then(|v| {
                let p = match v.get_ref().as_str() {
                    "P1" => Some(Priority::P1),
                    "P2" => Some(Priority::P2),
                    "P3" => Some(Priority::P3),
                    "P4" => Some(Priority::P4),
                    _ => None,
                };
                if p.is_none() {
                    c.at(
                        v.span().start,
                        &field("priority"),
                        format!("`{}` is not a priority: P1, P2, P3 or P4", v.get_ref()),
                    );
                }
                p
            });
            if r.intent.is_none() && r.category.is_none() && r.priority.is_none() {
                c.at(
                    at,
                    &format!("routing[{i}]"),
                    "a routing rule needs intent, category or priority: without any it would send every ticket to its queue",
                );
            }
            let Some(queue) = c.required(
                &r.queue,
                Some(at),
                &field("queue"),
                "the queue it sends tickets to",
            ) else {
                continue;
            };
            if !tiers.contains_key(queue.get_ref()) {
                c.at(
                    queue.span().start,
                    &field("queue"),
                    format!("no queue `{}` ({})", queue.get_ref(), queue_list(&queues)),
                );
            }
            routing.push(Route {
                category: category.map(|v| v.get_ref().clone()),
                intent: intent.map(|v| v.get_ref().clone()),
                priority,
                queue: queue.clone(),
            });
        }

        let l3_queue = c.required(
            &f.l3_queue,
            None,
            "l3_queue",
            "the queue \"escalate to L3\" sends tickets to, one of the [[queues]] with tier = \"L3\"",
        );
        if let Some(l3) = l3_queue {
            match tiers.get(l3.get_ref()) {
                None => c.at(
                    l3.span().start,
                    "l3_queue",
                    format!("no queue `{}` ({})", l3.get_ref(), queue_list(&queues)),
                ),
                Some((Some(tier), _)) if *tier != Tier::L3 => c.at(
                    l3.span().start,
                    "l3_queue",
                    format!(
                        "`{}` is an {tier:?} queue: escalating to L3 must send tickets to a queue with tier = \"L3\"",
                        l3.get_ref()
                    ),
                ),
                Some(_) => {}
            }
        }

        let mut agents = Vec::new();
        let mut agent_names: BTreeMap<String, usize> = BTreeMap::new();
        let mut agent_ids: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for (i, t) in f.agents.iter().enumerate() {
            let at = t.span().start;
            let a = t.get_ref();
            let field = |x: &str| format!("agents[{i}].{x}");
            let name = c.required(&a.name, Some(at), &field("name"), "the agent's name");
            let role = c.required(&a.role, Some(at), &field("role"), "L2, L3 or admin");
            let role = c.role(role, &field("role"));
            let (platform, _) = c.platform(&a.platform, &field("platform"));
            let id = c.optional(&a.id, &field("id"));
            if platform == Platform::Discord {
                match (&a.id, id) {
                    (None, _) => c.at(
                        at,
                        &field("id"),
                        "missing field: an agent on Discord needs `id`, their Discord user id (in Discord: User Settings → Advanced → Developer Mode, then right-click the user → Copy User ID)",
                    ),
                    (_, Some(v)) => c.snowflake(v, &field("id"), "user"),
                    _ => {}
                }
            }
            let Some(name) = name else {
                continue;
            };
            let line = c.line(name.span().start);
            if let Some(first) = agent_names.get(name.get_ref()) {
                let first = *first;
                c.at(
                    name.span().start,
                    &field("name"),
                    format!(
                        "duplicate agent `{}` (first on line {first})",
                        name.get_ref()
                    ),
                );
                continue;
            }
            agent_names.insert(name.get_ref().clone(), line);
            let who = format!(
                "{platform}:{}",
                id.map(|v| v.get_ref()).unwrap_or(name.get_ref())
            );
            if let Some((other, first)) = agent_ids.get(&who) {
                let (other, first) = (other.clone(), *first);
                let at = id.map_or(name.span().start, |v| v.span().start);
                c.at(
                    at,
                    &field(if id.is_some() { "id" } else { "name" }),
                    format!("`{who}` is already agent `{other}` (line {first})"),
                );
                continue;
            }
            agent_ids.insert(who, (name.get_ref().clone(), line));
            agents.push(Agent {
                name: name.get_ref().clone(),
                role: role.unwrap_or(Role::L2),
                platform,
                id: id.map(|v| v.get_ref().clone()),
            });
        }

        let mut organisations = Vec::new();
        let mut org_ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut members: BTreeMap<String, String> = BTreeMap::new();
        for (i, t) in f.organisations.iter().enumerate() {
            let at = t.span().start;
            let o = t.get_ref();
            let field = |x: &str| format!("organisations[{i}].{x}");
            let id = c.required(&o.id, Some(at), &field("id"), "the organisation's id");
            let name = c.required(&o.name, Some(at), &field("name"), "its display name");
            for (j, u) in o.users.iter().enumerate() {
                let ufield = format!("organisations[{i}].users[{j}]");
                let good = match u.get_ref().split_once(':') {
                    Some((p, uid)) if !uid.trim().is_empty() => match Platform::parse(p) {
                        Some(Platform::Discord) if !is_snowflake(uid) => {
                            c.snowflake(&Spanned::new(u.span(), uid.to_string()), &ufield, "user");
                            false
                        }
                        Some(_) => true,
                        None => {
                            c.at(
                                u.span().start,
                                &ufield,
                                format!(
                                    "unknown platform `{p}` in `{}`: one of local, discord, slack, web",
                                    u.get_ref()
                                ),
                            );
                            false
                        }
                    },
                    _ => {
                        c.at(
                            u.span().start,
                            &ufield,
                            format!(
                                "`{}` is not `platform:user-id` (local:jan, discord:234567890123456789)",
                                u.get_ref()
                            ),
                        );
                        false
                    }
                };
                if let (true, Some(id)) = (good, id) {
                    if let Some(other) = members.get(u.get_ref()) {
                        let other = other.clone();
                        c.at(
                            u.span().start,
                            &ufield,
                            format!("`{}` is already in organisation `{other}`", u.get_ref()),
                        );
                    } else {
                        members.insert(u.get_ref().clone(), id.get_ref().clone());
                    }
                }
            }
            let (Some(id), Some(name)) = (id, name) else {
                continue;
            };
            if let Some(first) = org_ids.get(id.get_ref()) {
                let first = *first;
                c.at(
                    id.span().start,
                    &field("id"),
                    format!(
                        "duplicate organisation `{}` (first on line {first})",
                        id.get_ref()
                    ),
                );
                continue;
            }
            org_ids.insert(id.get_ref().clone(), c.line(id.span().start));
            organisations.push(Organisation {
                id: id.get_ref().clone(),
                name: name.get_ref().clone(),
                users: o.users.iter().map(|u| u.get_ref().clone()).collect(),
            });
        }

        let mut platform_roles = Vec::new();
        let mut role_ids: BTreeMap<String, usize> = BTreeMap::new();
        for (i, t) in f.platform_roles.iter().enumerate() {
            let at = t.span().start;
            let r = t.get_ref();
            let field = |x: &str| format!("platform_roles[{i}].{x}");
            let platform = c
                .required(
                    &r.platform,
                    Some(at),
                    &field("platform"),
                    "discord (the platform whose role this is)",
                )
                .map(|_| c.platform(&r.platform, &field("platform")).0);
            let id = c.required(&r.id, Some(at), &field("id"), "the platform's role id");
            let role = c.required(&r.role, Some(at), &field("role"), "L2, L3 or admin");
            let role = c.role(role, &field("role"));
            if let (Some(Platform::Discord), Some(id)) = (platform, id) {
                c.snowflake(id, &field("id"), "role");
            }
            let (Some(platform), Some(id), Some(role)) = (platform, id, role) else {
                continue;
            };
            let key = format!("{platform}:{}", id.get_ref());
            if let Some(first) = role_ids.get(&key) {
                let first = *first;
                c.at(
                    id.span().start,
                    &field("id"),
                    format!("role `{key}` is already mapped (line {first})"),
                );
                continue;
            }
            role_ids.insert(key, c.line(id.span().start));
            platform_roles.push(PlatformRole {
                platform,
                id: id.get_ref().clone(),
                role,
            });
        }

        if let Some(d) = &f.discord {
            for (j, ch) in d.get_ref().support_channels.iter().enumerate() {
                let field = format!("discord.support_channels[{j}]");
                let line = c.line_in(d.span(), ch);
                if !is_snowflake(ch) {
                    let v = Spanned::new(0..0, ch.clone());
                    c.snowflake(&v, &field, "channel");
                    if let Some(p) = c.problems.last_mut() {
                        p.line = line;
                    }
                }
            }
        }

        if let Some(inc) = &f.incidents {
            for (j, intent) in inc.get_ref().intents.iter().enumerate() {
                lines.insert(
                    format!("incidents.intents[{j}]"),
                    c.line_in(inc.span(), intent),
                );
            }
            if inc.get_ref().p1_reports == 0 {
                let line = c.line_in(inc.span(), "p1_reports");
                c.at_line(line, "incidents.p1_reports", "must be at least 1");
            }
        }

        let mut problems = c.problems;
        problems.sort_by_key(|p| p.line);
        let config = Config {
            source: path.to_path_buf(),
            built_in: false,
            data_dir,
            intents,
            queues,
            routing,
            l3_queue: l3_queue.map(|q| q.get_ref().clone()).unwrap_or_default(),
            agents,
            organisations,
            sla: f.sla,
            platform_roles,
            discord: f.discord.map(Spanned::into_inner),
            support: f.support,
            incidents: f.incidents.map(Spanned::into_inner).unwrap_or_default(),
            backup: f.backup,
            observability: f.observability,
            lines,
        };
        Ok((config, problems))
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
        for (j, intent) in self.incidents.intents.iter().enumerate() {
            if pack.intent(intent).is_none() {
                problems.push(self.problem(
                    &format!("incidents.intents[{j}]"),
                    format!("no intent `{intent}` in pack `{}`", pack.name),
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
                    "{queues} {} {have} no platform, so their cards would stay in the local outbox while this process serves {}: set platform = \"discord\" and the channel id, or write platform = \"local\" to keep a queue for `frontline agent`",
                    names.join(", "),
                    serving.join(", ")
                ),
            });
        }
        for (i, q) in self.queues.iter().enumerate() {
            if q.platform == Platform::Local || served.contains(&q.platform) {
                continue;
            }
            let why = if q.platform == Platform::Discord {
                "the configuration has no [discord] section, so its cards would never be posted"
                    .to_string()
            } else {
                format!(
                    "frontline has no {} adapter yet (local or discord)",
                    q.platform
                )
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

    pub fn agent_named(&self, name: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.name == name)
    }

    pub fn organisation_of(&self, user: &UserRef) -> Option<&Organisation> {
        let key = user.key();
        self.organisations.iter().find(|o| o.users.contains(&key))
    }
}
