//! The deployment's configuration: queues, routing, agents and roles, organisations, SLA targets,
//! data directory. One TOML file, validated once at start; errors name the file, line and field.
//! Secrets (platform tokens) never live here: they come from the environment.

use std::collections::BTreeMap;
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    pub id: String,
    pub tier: Tier,
    /// Where the queue's channel lives: `local`, `discord`, `slack`.
    #[serde(default = "local")]
    pub platform: Platform,
    /// The platform channel id; for `local`, a name.
    #[serde(default)]
    pub channel: String,
}

fn local() -> Platform {
    Platform::Local
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub category: Option<String>,
    pub intent: Option<String>,
    pub priority: Option<Priority>,
    pub queue: Spanned<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    pub name: String,
    pub role: Role,
    #[serde(default = "local")]
    pub platform: Platform,
    /// The agent's user id on that platform (the name for `local`).
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    /// Members as `platform:user-id`.
    #[serde(default)]
    pub users: Vec<String>,
}

/// A platform role (a Discord role id, a Slack user group id) whose members are agents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    data_dir: Option<PathBuf>,
    intents: Option<PathBuf>,
    queues: Vec<Queue>,
    #[serde(default)]
    routing: Vec<Route>,
    /// The queue tickets go to when escalated to L3.
    l3_queue: Spanned<String>,
    #[serde(default)]
    agents: Vec<Agent>,
    #[serde(default)]
    organisations: Vec<Organisation>,
    #[serde(default)]
    sla: BTreeMap<Priority, SlaTarget>,
    #[serde(default)]
    platform_roles: Vec<PlatformRole>,
    discord: Option<DiscordSettings>,
    #[serde(default)]
    support: SupportSettings,
    #[serde(default)]
    incidents: IncidentSettings,
    #[serde(default)]
    observability: crate::platform::observe::ObservabilitySettings,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub source: PathBuf,
    pub data_dir: Option<PathBuf>,
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
    /// `[observability]`: the health and metrics listener of `frontline run`.
    pub observability: crate::platform::observe::ObservabilitySettings,
}

impl Config {
    /// Loads and validates `path`.
    pub fn load(path: &Path) -> Result<Config, PackError> {
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
        Config::parse(Path::new("frontline.example.toml"), DEFAULT_CONFIG)
            .expect("the shipped example config is valid")
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, PackError> {
        let err = |offset: usize, field: &str, message: String| PackError {
            file: path.to_path_buf(),
            line: line_of(text, offset),
            field: field.to_string(),
            message,
        };
        let f: ConfigFile = toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            let at = e.span().map(|s| s.start).unwrap_or(0);
            let field = ["unknown field `", "missing field `"]
                .iter()
                .find_map(|p| {
                    msg.split_once(p)
                        .and_then(|(_, rest)| rest.split('`').next())
                        .map(str::to_string)
                })
                .or_else(|| names_a_value(&msg).then(|| key_at(text, at)).flatten())
                .unwrap_or_else(|| "-".into());
            err(
                e.span().map(|s| s.start).unwrap_or(0),
                &field,
                msg.replace('\n', " "),
            )
        })?;
        let has_queue = |q: &str| f.queues.iter().any(|x| x.id == q);
        for (i, r) in f.routing.iter().enumerate() {
            if !has_queue(r.queue.get_ref()) {
                return Err(err(
                    r.queue.span().start,
                    &format!("routing[{i}].queue"),
                    format!("no queue `{}`", r.queue.get_ref()),
                ));
            }
        }
        if !has_queue(f.l3_queue.get_ref()) {
            return Err(err(
                f.l3_queue.span().start,
                "l3_queue",
                format!("no queue `{}`", f.l3_queue.get_ref()),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for q in &f.queues {
            if !seen.insert(&q.id) {
                return Err(err(0, "queues.id", format!("duplicate queue `{}`", q.id)));
            }
        }
        Ok(Config {
            source: path.to_path_buf(),
            data_dir: f.data_dir,
            intents: f.intents,
            queues: f.queues,
            routing: f.routing,
            l3_queue: f.l3_queue.into_inner(),
            agents: f.agents,
            organisations: f.organisations,
            sla: f.sla,
            platform_roles: f.platform_roles,
            discord: f.discord,
            support: f.support,
            incidents: f.incidents,
            observability: f.observability,
        })
    }

    /// Every queue an intent of `pack` routes to must exist.
    pub fn check_against(&self, pack: &Pack) -> Result<(), PackError> {
        for i in &pack.intents {
            if self
                .route(&i.id, &i.category, i.priority, &i.queue)
                .is_none()
            {
                return Err(PackError {
                    file: self.source.clone(),
                    line: 0,
                    field: "queues".into(),
                    message: format!(
                        "intent `{}` routes to queue `{}`, which is not configured",
                        i.id, i.queue
                    ),
                });
            }
        }
        Ok(())
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
