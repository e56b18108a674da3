//! Reading a configuration file: the file as written (text fields as strings, checked here
//! rather than by serde, so that one pass reports every mistake and each names its own line), and
//! the checks that need only the file itself. Checks against a pack or the platforms a process
//! serves are in the parent module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::*;
use crate::pack::{key_at, line_of, names_a_value};

pub(super) mod approvals;
pub(super) mod automations;
pub(super) mod calendars;
pub(super) mod contracts;
pub(super) mod privacy;
pub(super) mod reports;
pub(super) mod security;
pub(super) mod vendors;
pub(super) mod visits;

// The file as written. Text fields are read as strings and checked here rather than by serde, so
// that one pass reports every mistake (serde stops at the first) and each names its own line.
pub(super) type Text = Option<Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct QueueFile {
    id: Text,
    tier: Text,
    platform: Text,
    channel: Text,
    /// The business-hours calendar its SLAs count in (`[calendars.NAME]`).
    calendar: Text,
    /// The agent every ticket in it goes to at once (L1 and L2 merged).
    on_duty: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RouteFile {
    category: Text,
    intent: Text,
    priority: Text,
    queue: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AgentFile {
    name: Text,
    role: Text,
    platform: Text,
    id: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OrganisationFile {
    id: Text,
    name: Text,
    #[serde(default)]
    users: Vec<Spanned<String>>,
    /// The business-hours calendar its SLAs count in (`[calendars.NAME]`).
    calendar: Text,
    /// Its contract's SLA targets by priority (`sla.P1 = { ... }`).
    #[serde(default)]
    sla: BTreeMap<Priority, SlaTarget>,
    /// Who approves its people's requests (`platform:user-id`), instead of `[approvals] role`.
    approver: Text,
    /// E-mail domains whose people belong to it (`acme.example`).
    #[serde(default)]
    domains: Vec<Spanned<String>>,
    /// Who is told about its balances, alerts and expiries (`platform:user-id`).
    contact: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PlatformRoleFile {
    platform: Text,
    id: Text,
    role: Text,
}

/// The top-level settings, for the hint when one is written under a `[section]` by mistake.
const TOP_LEVEL: &[&str] = &["data_dir", "intents", "l3_queue", "timezone"];

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
pub(super) fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> PackError {
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
        // A value in a table header (`[sla.P5]`): the header names the field.
        None => {
            let start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
            let line = text[start..].lines().next().unwrap_or("").trim();
            match line.strip_prefix('[').and_then(|l| l.split(']').next()) {
                Some(header) if names_a_value(&msg) => {
                    header.trim_start_matches('[').trim().to_string()
                }
                _ => "-".into(),
            }
        }
    };
    let mut message = msg.clone();
    if msg.starts_with("invalid type: integer") && msg.ends_with("expected a string") {
        message.push_str(": write ids and names in quotes (channel = \"234567890123456789\")");
    }
    let header = match table.split_once('[') {
        Some((name, _)) => format!("[[{name}]]"),
        None => format!("[{table}]"),
    };
    if msg.starts_with("unknown field")
        && !table.is_empty()
        && key.as_deref().is_some_and(|k| TOP_LEVEL.contains(&k))
    {
        message.push_str(&format!(
            ": top-level settings go before the first [section] (this line is inside {header})"
        ));
    }
    PackError {
        file: path.to_path_buf(),
        line: e.span().map(|s| line_of(text, s.start)).unwrap_or(0),
        field,
        message,
    }
}

/// Collects the problems of one file while it is read, and the lines of the fields checked later.
struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<PackError>,
    lines: BTreeMap<String, usize>,
}

/// Every queue id defined: its tier when valid, and the line of its id.
type Tiers = BTreeMap<String, (Option<Tier>, usize)>;

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

/// What the file's own checks make of it: the parts that could be read, the lines of the fields
/// checked later, and every problem found, in file order.
pub(super) struct Read {
    pub data_dir: Option<PathBuf>,
    pub intents: Option<PathBuf>,
    pub queues: Vec<Queue>,
    pub routing: Vec<Route>,
    /// Empty when missing (a problem then).
    pub l3_queue: String,
    /// The reports' zone and its name (UTC when not given).
    pub timezone: (String, jiff::tz::TimeZone),
    pub agents: Vec<Agent>,
    pub organisations: Vec<Organisation>,
    pub platform_roles: Vec<PlatformRole>,
    pub calendars: BTreeMap<String, crate::clocks::calendar::Calendar>,
    pub automations: automations::Automations,
    pub approvals: ApprovalSettings,
    pub visits: crate::config::visits::VisitSettings,
    pub pricing: crate::contracts::Pricing,
    pub contracts: crate::contracts::Settings,
    pub security: crate::config::security::SecuritySettings,
    pub reports: crate::config::reports::ReportSettings,
    pub privacy: crate::privacy::PrivacySettings,
    pub vendors: Vec<Vendor>,
    pub smtp: Option<SmtpSettings>,
    pub lines: BTreeMap<String, usize>,
    pub problems: Vec<PackError>,
}

/// Checks `f`, read from `text` in the file `path`.
pub(super) fn check(path: &Path, text: &str, f: &ConfigFile) -> Read {
    let mut c = Checker {
        path,
        text,
        problems: Vec::new(),
        lines: BTreeMap::new(),
    };
    // Relative directories are the file's neighbours.
    let base = path.parent().unwrap_or(Path::new(""));
    let data_dir = c
        .optional(&f.data_dir, "data_dir")
        .map(|d| base.join(d.get_ref()));
    let intents = c
        .optional(&f.intents, "intents")
        .map(|d| base.join(d.get_ref()));
    let timezone = match &f.timezone {
        None => ("UTC".to_string(), jiff::tz::TimeZone::UTC),
        Some(tz) => match jiff::tz::TimeZone::get(tz.get_ref().trim()) {
            Ok(z) => (tz.get_ref().trim().to_string(), z),
            Err(_) => {
                c.at(
                    tz.span().start,
                    "timezone",
                    format!(
                        "`{}` is not an IANA time zone (such as \"Europe/Warsaw\", \"America/New_York\", \"UTC\")",
                        tz.get_ref()
                    ),
                );
                ("UTC".to_string(), jiff::tz::TimeZone::UTC)
            }
        },
    };
    let calendars = calendars::calendars(&mut c, &f.calendars, base);
    let (queues, tiers) = queues(&mut c, &f.queues);
    let routing = routing(&mut c, &f.routing, &queues, &tiers);
    let l3_queue = l3_queue(&mut c, &f.l3_queue, &queues, &tiers);
    let agents = agents(&mut c, &f.agents);
    let organisations = organisations(&mut c, &f.organisations);
    let platform_roles = platform_roles(&mut c, &f.platform_roles);
    let approvals = approvals::approvals(&mut c, f.approvals.as_ref());
    let visits = visits::visits(&mut c, f.visits.as_ref());
    let pricing = contracts::pricing(&mut c, f.pricing.as_ref());
    let contract_settings = contracts::settings(&mut c, f.contracts.as_ref());
    // Every calendar named by a queue or an organisation is defined.
    let named = f
        .queues
        .iter()
        .enumerate()
        .map(|(i, q)| (format!("queues[{i}].calendar"), &q.get_ref().calendar))
        .chain(f.organisations.iter().enumerate().map(|(i, o)| {
            (
                format!("organisations[{i}].calendar"),
                &o.get_ref().calendar,
            )
        }));
    for (field, name) in named {
        if let Some(n) = name
            && !f.calendars.contains_key(n.get_ref())
        {
            let known: Vec<&str> = f.calendars.keys().map(String::as_str).collect();
            c.at(
                n.span().start,
                &field,
                if known.is_empty() {
                    format!(
                        "no calendar `{}`: define it as [calendars.{}]",
                        n.get_ref(),
                        n.get_ref()
                    )
                } else {
                    format!(
                        "no calendar `{}` (calendars: {})",
                        n.get_ref(),
                        known.join(", ")
                    )
                },
            );
        }
    }
    if let Some(d) = &f.discord {
        support_channels(&mut c, d);
    }
    if let Some(s) = &f.slack {
        slack(&mut c, s);
    }
    if let Some(inc) = &f.incidents {
        incidents(&mut c, inc);
    }
    let automations =
        automations::automations(&mut c, &f.automations, &queues, &agents, &organisations);
    let names: Vec<&str> = f.calendars.keys().map(String::as_str).collect();
    let security = f
        .security
        .as_ref()
        .map(|s| security::security(&mut c, s, &names))
        .unwrap_or_default();
    let reports = f
        .reports
        .as_ref()
        .map(|r| reports::reports(&mut c, r))
        .unwrap_or_default();
    let privacy = f
        .privacy
        .as_ref()
        .map(|p| privacy::privacy(&mut c, p))
        .unwrap_or_default();
    vendors::on_duty(&mut c, &f.queues, &agents);
    let (vendors, smtp) =
        vendors::vendors(&mut c, &f.vendors, f.smtp.as_ref(), &automations.webhooks);
    let mut problems = c.problems;
    problems.sort_by_key(|p| p.line);
    Read {
        data_dir,
        intents,
        queues,
        routing,
        l3_queue,
        timezone,
        agents,
        organisations,
        platform_roles,
        calendars,
        automations,
        approvals,
        visits,
        pricing,
        contracts: contract_settings,
        security,
        reports,
        privacy,
        vendors,
        smtp,
        lines: c.lines,
        problems,
    }
}

/// The `[[queues]]`: the queues read, and every id defined with its tier (when valid) and line.
fn queues(c: &mut Checker, raw: &[Spanned<QueueFile>]) -> (Vec<Queue>, Tiers) {
    // Queues. A queue with a mistake still counts as defined, so that rules naming it are
    // not reported too; its tier is known only when valid.
    let mut queues = Vec::new();
    let mut tiers: BTreeMap<String, (Option<Tier>, usize)> = BTreeMap::new();
    for (i, t) in raw.iter().enumerate() {
        let at = t.span().start;
        let q = t.get_ref();
        let field = |x: &str| format!("queues[{i}].{x}");
        c.lines.insert(format!("queues[{i}]"), c.line(at));
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
            if platform == Platform::Slack && !is_slack_id(ch.get_ref(), "CG") {
                c.at(
                    ch.span().start,
                    &field("channel"),
                    slack_channel_problem(ch.get_ref()),
                );
            }
        } else if platform == Platform::Slack {
            c.at(
                at,
                &field("channel"),
                "missing field: a queue on Slack needs the id of the channel its cards go to (in Slack: open the channel, click its name, the id is at the bottom of the About tab)",
            );
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
            calendar: q.calendar.as_ref().map(|v| v.get_ref().clone()),
            on_duty: c
                .optional(&q.on_duty, &field("on_duty"))
                .map(|v| v.get_ref().trim().to_string()),
        });
    }
    (queues, tiers)
}

fn routing(
    c: &mut Checker,
    raw: &[Spanned<RouteFile>],
    queues: &[Queue],
    tiers: &Tiers,
) -> Vec<Route> {
    let mut routing = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let at = t.span().start;
        let r = t.get_ref();
        let field = |x: &str| format!("routing[{i}].{x}");
        let intent = c.optional(&r.intent, &field("intent"));
        let category = c.optional(&r.category, &field("category"));
        for (name, v) in [("intent", intent), ("category", category)] {
            if let Some(v) = v {
                c.lines.insert(field(name), c.line(v.span().start));
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
                format!("no queue `{}` ({})", queue.get_ref(), queue_list(queues)),
            );
        }
        routing.push(Route {
            category: category.map(|v| v.get_ref().clone()),
            intent: intent.map(|v| v.get_ref().clone()),
            priority,
            queue: queue.clone(),
        });
    }
    routing
}

/// `l3_queue`: it must name an L3 queue. Empty when missing (a problem then).
fn l3_queue(c: &mut Checker, raw: &Text, queues: &[Queue], tiers: &Tiers) -> String {
    let l3_queue = c.required(
        raw,
        None,
        "l3_queue",
        "the queue \"escalate to L3\" sends tickets to, one of the [[queues]] with tier = \"L3\"",
    );
    if let Some(l3) = l3_queue {
        match tiers.get(l3.get_ref()) {
            None => c.at(
                l3.span().start,
                "l3_queue",
                format!("no queue `{}` ({})", l3.get_ref(), queue_list(queues)),
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
    l3_queue.map(|q| q.get_ref().clone()).unwrap_or_default()
}

/// `[[agents]]`: unique by name and by platform identity; on Discord, with a user id.
fn agents(c: &mut Checker, raw: &[Spanned<AgentFile>]) -> Vec<Agent> {
    let mut agents = Vec::new();
    let mut agent_names: BTreeMap<String, usize> = BTreeMap::new();
    let mut agent_ids: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (i, t) in raw.iter().enumerate() {
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
    agents
}

/// `[[organisations]]`: unique ids; members as `platform:user-id`, each in one organisation.
fn organisations(c: &mut Checker, raw: &[Spanned<OrganisationFile>]) -> Vec<Organisation> {
    let mut organisations = Vec::new();
    let mut org_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut members: BTreeMap<String, String> = BTreeMap::new();
    for (i, t) in raw.iter().enumerate() {
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
        let contact = c
            .optional(&o.contact, &field("contact"))
            .cloned()
            .and_then(|a| approver(c, &a, &field("contact")));
        let approver = c
            .optional(&o.approver, &field("approver"))
            .cloned()
            .and_then(|a| approver(c, &a, &field("approver")));
        let mut domains = vec![];
        for (j, d) in o.domains.iter().enumerate() {
            let v = d.get_ref().trim().trim_start_matches('@').to_lowercase();
            if v.contains('.')
                && v.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-')
            {
                domains.push(v);
            } else {
                c.at(
                    d.span().start,
                    &format!("organisations[{i}].domains[{j}]"),
                    format!(
                        "`{}` is not an e-mail domain (like acme.example)",
                        d.get_ref()
                    ),
                );
            }
        }
        organisations.push(Organisation {
            id: id.get_ref().clone(),
            name: name.get_ref().clone(),
            users: o.users.iter().map(|u| u.get_ref().clone()).collect(),
            calendar: o.calendar.as_ref().map(|v| v.get_ref().clone()),
            sla: o.sla.clone(),
            approver,
            domains,
            contact,
        });
    }
    organisations
}

/// An organisation's approver: a person as `platform:user-id` (`discord:234567890123456789`,
/// `slack:U024BE7LH`, `local:dana`); they need not be an agent.
fn approver(c: &mut Checker, v: &Spanned<String>, field: &str) -> Option<UserRef> {
    let s = v.get_ref().trim();
    let person = s.split_once(':').and_then(|(p, id)| {
        let id = id.trim();
        let platform = Platform::parse(p)?;
        let ok = match platform {
            Platform::Discord => is_snowflake(id),
            Platform::Slack => is_slack_id(id, "UW"),
            _ => !id.is_empty(),
        };
        ok.then(|| UserRef {
            platform,
            id: id.to_string(),
            name: id.to_string(),
        })
    });
    if person.is_none() {
        c.at(
            v.span().start,
            field,
            format!(
                "`{s}` is not a person as `platform:user-id` (discord:234567890123456789, slack:U024BE7LH, local:dana)"
            ),
        );
    }
    person
}

/// `[[platform_roles]]`: on Discord, numeric role ids; on Slack, user group ids (S…) or user ids;
/// each role mapped once.
fn platform_roles(c: &mut Checker, raw: &[Spanned<PlatformRoleFile>]) -> Vec<PlatformRole> {
    let mut platform_roles = Vec::new();
    let mut role_ids: BTreeMap<String, usize> = BTreeMap::new();
    for (i, t) in raw.iter().enumerate() {
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
        if let (Some(Platform::Slack), Some(id)) = (platform, id)
            && !crate::config::is_slack_id(id.get_ref(), "SUW")
        {
            c.at(
                id.span().start,
                &field("id"),
                format!(
                    "`{}` is not a Slack user group id (S…) or user id (U…/W…)",
                    id.get_ref()
                ),
            );
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
    platform_roles
}

fn slack_channel_problem(s: &str) -> String {
    format!(
        "`{s}` is not a Slack channel id: ids look like C0123ABCD (in Slack: open the channel, click its name, the id is at the bottom of the About tab); invite the app to the channel too"
    )
}

/// `[slack]`: support channels are channel ids; `api_base` ends in `/api/`.
fn slack(c: &mut Checker, s: &Spanned<SlackSettings>) {
    let settings = s.get_ref();
    for (j, ch) in settings.support_channels.iter().enumerate() {
        if !is_slack_id(ch, "CG") {
            let line = c.line_in(s.span(), ch);
            c.problems.push(PackError {
                file: c.path.to_path_buf(),
                line,
                field: format!("slack.support_channels[{j}]"),
                message: slack_channel_problem(ch),
            });
        }
    }
    if let Some(base) = &settings.api_base
        && !(base.starts_with("http://") || base.starts_with("https://"))
    {
        let line = c.line_in(s.span(), base);
        c.problems.push(PackError {
            file: c.path.to_path_buf(),
            line,
            field: "slack.api_base".into(),
            message: format!("`{base}` is not an http(s) URL like https://slack.com/api/"),
        });
    }
    if settings.listen.is_none() && !settings.socket_mode {
        let line = c.line_in(s.span(), "[slack]");
        c.problems.push(PackError {
            file: c.path.to_path_buf(),
            line,
            field: "slack.listen".into(),
            message: "missing field: Slack reaches the app either at an address it listens on (listen = \"127.0.0.1:3000\", behind a TLS proxy for the public Request URL) or over Socket Mode (socket_mode = true)".into(),
        });
    }
}

/// `[discord] support_channels`: channel ids.
fn support_channels(c: &mut Checker, d: &Spanned<DiscordSettings>) {
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

/// `[incidents]`: where its intents are written (checked against the pack later).
fn incidents(c: &mut Checker, inc: &Spanned<IncidentSettings>) {
    for (j, intent) in inc.get_ref().intents.iter().enumerate() {
        c.lines.insert(
            format!("incidents.intents[{j}]"),
            c.line_in(inc.span(), intent),
        );
    }
    if inc.get_ref().p1_reports == 0 {
        let line = c.line_in(inc.span(), "p1_reports");
        c.at_line(line, "incidents.p1_reports", "must be at least 1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_at_names_the_array_entry() {
        let text =
            "l3_queue = \"x\"\n[[queues]]\nid = \"a\"\n\n[[queues]]\nid = \"b\"\n[sla.P1]\nz = 1\n";
        let at = |needle: &str| table_at(text, text.find(needle).unwrap());
        assert_eq!(at("l3_queue"), "");
        assert_eq!(at("id = \"a\""), "queues[0]");
        assert_eq!(at("id = \"b\""), "queues[1]");
        assert_eq!(at("z = 1"), "sla.P1");
    }

    #[test]
    fn snowflakes_are_positive_u64_digits() {
        for good in ["1", "234567890123456789", "18446744073709551615"] {
            assert!(is_snowflake(good), "{good}");
        }
        for bad in [
            "",
            "0",
            "-1",
            "+5",
            "12a",
            " 12",
            "#general",
            "18446744073709551616",
        ] {
            assert!(!is_snowflake(bad), "{bad}");
        }
    }
}
