//! `[automations]`: the built-in automations' settings, the rules (`[[automations.rules]]`) and the
//! webhooks they call (`[automations.webhooks.NAME]`). Every mistake is reported with the line of
//! the key at fault; names of queues, agents and webhooks are checked here, intents, categories
//! and articles against the pack (see `Config::pack_problems`).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::Checker;
use crate::config::{AutomationSettings, Queue, Webhook};
use crate::desk::automation::{Conditions, Rule, RuleAction, Trigger};
use crate::pack::Priority;
use crate::tickets::{Platform, Status, Tier, UserRef};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct AutomationsFile {
    #[serde(default = "d::waiting_reminder_days")]
    waiting_reminder_days: u32,
    #[serde(default = "d::waiting_close_days")]
    waiting_close_days: u32,
    #[serde(default = "d::resolved_close_days")]
    resolved_close_days: u32,
    #[serde(default = "d::unclaimed_bump_minutes")]
    unclaimed_bump_minutes: u32,
    #[serde(default = "d::unclaimed_escalate_after")]
    unclaimed_escalate_after: u32,
    #[serde(default = "d::csat_reminder_hours")]
    csat_reminder_hours: u32,
    #[serde(default)]
    rules: Vec<Spanned<RuleFile>>,
    #[serde(default)]
    webhooks: BTreeMap<String, Spanned<WebhookFile>>,
}

impl Default for AutomationsFile {
    fn default() -> Self {
        let a = AutomationSettings::default();
        AutomationsFile {
            waiting_reminder_days: a.waiting_reminder_days,
            waiting_close_days: a.waiting_close_days,
            resolved_close_days: a.resolved_close_days,
            unclaimed_bump_minutes: a.unclaimed_bump_minutes,
            unclaimed_escalate_after: a.unclaimed_escalate_after,
            csat_reminder_hours: a.csat_reminder_hours,
            rules: vec![],
            webhooks: BTreeMap::new(),
        }
    }
}

mod d {
    use crate::config::AutomationSettings;
    pub fn waiting_reminder_days() -> u32 {
        AutomationSettings::default().waiting_reminder_days
    }
    pub fn waiting_close_days() -> u32 {
        AutomationSettings::default().waiting_close_days
    }
    pub fn resolved_close_days() -> u32 {
        AutomationSettings::default().resolved_close_days
    }
    pub fn unclaimed_bump_minutes() -> u32 {
        AutomationSettings::default().unclaimed_bump_minutes
    }
    pub fn unclaimed_escalate_after() -> u32 {
        AutomationSettings::default().unclaimed_escalate_after
    }
    pub fn csat_reminder_hours() -> u32 {
        AutomationSettings::default().csat_reminder_hours
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    name: Option<Spanned<String>>,
    #[serde(default = "yes")]
    enabled: bool,
    when: Option<OneOrMany>,
    #[serde(rename = "if", default)]
    conditions: Option<Spanned<ConditionsFile>>,
    #[serde(default)]
    then: Vec<ActionFile>,
}

/// A value or a list of them: `intent = "printer"` or `intent = ["printer", "email"]`.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn list(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConditionsFile {
    intent: Option<OneOrMany>,
    category: Option<OneOrMany>,
    priority: Option<OneOrMany>,
    organisation: Option<OneOrMany>,
    queue: Option<OneOrMany>,
    status: Option<OneOrMany>,
    tier: Option<OneOrMany>,
    language: Option<OneOrMany>,
    keywords: Option<OneOrMany>,
    older_than_minutes: Option<u64>,
    business_hours: Option<bool>,
    timer: Option<OneOrMany>,
}

/// One action, written as a table with one key: `{ route = "l2-hardware" }`,
/// `{ notify = { channel = "C0OPS", platform = "slack", text = "..." } }`.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum ActionFile {
    Route(String),
    SetPriority(String),
    SetCategory(String),
    Tag(String),
    Assign(String),
    Notify {
        channel: String,
        #[serde(default)]
        platform: Option<String>,
        text: String,
    },
    Dm {
        to: String,
        text: String,
    },
    Webhook(String),
    Escalate(String),
    RequestApproval(String),
    ReplyArticle(String),
    Close(String),
    /// `{ mark_change = true }`: the ticket is a change (for change intents).
    MarkChange(bool),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::config) struct WebhookFile {
    url: Option<Spanned<String>>,
    /// The environment variable holding the signing secret (secrets never live in the file).
    secret_env: Option<Spanned<String>>,
}

/// What was read: the built-in settings, the rules and the webhooks (rules with a mistake are
/// left out, and reported).
pub(in crate::config) struct Automations {
    pub settings: AutomationSettings,
    pub rules: Vec<Rule>,
    pub webhooks: BTreeMap<String, Webhook>,
}

/// The line of `key = ` at or after `from`, else `from`'s.
fn key_line(c: &Checker, from: usize, key: &str) -> usize {
    let rest = &c.text[from.min(c.text.len())..];
    let mut off = 0;
    for line in rest.split_inclusive('\n') {
        let t = line.trim_start().trim_start_matches('{').trim_start();
        if t.starts_with(key) && t[key.len()..].trim_start().starts_with('=') {
            return c.line(from + off);
        }
        if let Some(i) = line
            .find(&format!("{key} ="))
            .or_else(|| line.find(&format!("{key}=")))
        {
            return c.line(from + off + i);
        }
        off += line.len();
    }
    c.line(from)
}

pub(super) fn automations(
    c: &mut Checker,
    f: &AutomationsFile,
    queues: &[Queue],
    agents: &[crate::config::Agent],
    organisations: &[crate::config::Organisation],
) -> Automations {
    let settings = AutomationSettings {
        waiting_reminder_days: f.waiting_reminder_days,
        waiting_close_days: f.waiting_close_days,
        resolved_close_days: f.resolved_close_days,
        unclaimed_bump_minutes: f.unclaimed_bump_minutes,
        unclaimed_escalate_after: f.unclaimed_escalate_after,
        csat_reminder_hours: f.csat_reminder_hours,
    };
    let mut webhooks = BTreeMap::new();
    for (name, w) in &f.webhooks {
        let at = w.span().start;
        let field = |x: &str| format!("automations.webhooks.{name}.{x}");
        let url = match &w.get_ref().url {
            None => {
                c.at(
                    at,
                    &field("url"),
                    "missing field: the URL to POST to (http:// or https://)",
                );
                None
            }
            Some(u) => match reqwest::Url::parse(u.get_ref().trim()) {
                Ok(p) if matches!(p.scheme(), "http" | "https") && p.host().is_some() => {
                    Some(p.to_string())
                }
                _ => {
                    c.at(
                        u.span().start,
                        &field("url"),
                        format!("`{}` is not an http:// or https:// URL", u.get_ref()),
                    );
                    None
                }
            },
        };
        let secret_env = match &w.get_ref().secret_env {
            None => {
                c.at(
                    at,
                    &field("secret_env"),
                    "missing field: the environment variable holding the signing secret (FRONTLINE_WEBHOOK_OPS, say)",
                );
                None
            }
            Some(s) => {
                let v = s.get_ref().trim();
                let ok = !v.is_empty()
                    && v.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                    && !v.starts_with(|ch: char| ch.is_ascii_digit());
                if ok {
                    Some(v.to_string())
                } else {
                    c.at(
                        s.span().start,
                        &field("secret_env"),
                        format!(
                            "`{}` is not an environment variable name (letters, digits, _)",
                            s.get_ref()
                        ),
                    );
                    None
                }
            }
        };
        if let (Some(url), Some(secret_env)) = (url, secret_env) {
            webhooks.insert(name.clone(), Webhook { url, secret_env });
        }
    }
    let mut rules = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in f.rules.iter().enumerate() {
        let at = r.span().start;
        let f = r.get_ref();
        let base = format!("automations.rules[{i}]");
        let field = |x: &str| format!("{base}.{x}");
        let mut ok = true;
        let name = match &f.name {
            None => {
                c.at(
                    at,
                    &field("name"),
                    "missing field: a name for the rule (shown in the log)",
                );
                ok = false;
                String::new()
            }
            Some(n) => {
                let v = n.get_ref().trim().to_string();
                if v.is_empty() {
                    c.at(n.span().start, &field("name"), "must not be empty");
                    ok = false;
                } else if let Some(first) = names.get(&v) {
                    c.at(
                        n.span().start,
                        &field("name"),
                        format!("`{v}` is already the name of rule {first}; names must differ"),
                    );
                    ok = false;
                }
                names.insert(v.clone(), i);
                c.lines.insert(field("name"), c.line(n.span().start));
                v
            }
        };
        let mut when = Vec::new();
        match &f.when {
            None => {
                c.at(
                    at,
                    &field("when"),
                    "missing field: one or more of opened, updated, message, sla_warning, sla_breach, timer",
                );
                ok = false;
            }
            Some(w) => {
                for s in w.list() {
                    match Trigger::parse(s.trim()) {
                        Some(t) => when.push(t),
                        None => {
                            let line = key_line(c, at, "when");
                            c.at_line(
                                line,
                                &field("when"),
                                format!(
                                    "`{s}` is not a trigger: one of opened, updated, message, sla_warning, sla_breach, timer"
                                ),
                            );
                            ok = false;
                        }
                    }
                }
            }
        }
        let mut conditions = Conditions::default();
        if let Some(cf) = &f.conditions {
            let from = cf.span().start;
            let cf = cf.get_ref();
            let cfield = |x: &str| format!("{base}.if.{x}");
            let bad = |c: &mut Checker, key: &str, msg: String| {
                let line = key_line(c, from, key);
                c.at_line(line, &cfield(key), msg);
            };
            let list = |v: &Option<OneOrMany>| v.as_ref().map(OneOrMany::list).unwrap_or_default();
            conditions.intent = list(&cf.intent);
            conditions.category = list(&cf.category);
            conditions.language = list(&cf.language);
            conditions.keywords = list(&cf.keywords);
            for (key, v) in [
                ("intent", &conditions.intent),
                ("category", &conditions.category),
            ] {
                if !v.is_empty() {
                    c.lines.insert(cfield(key), key_line(c, from, key));
                }
            }
            for p in list(&cf.priority) {
                match parse_priority(&p) {
                    Some(p) => conditions.priority.push(p),
                    None => {
                        bad(
                            c,
                            "priority",
                            format!("`{p}` is not a priority: P1, P2, P3 or P4"),
                        );
                        ok = false;
                    }
                }
            }
            for s in list(&cf.status) {
                match Status::parse(s.trim()) {
                    Some(st) => conditions.status.push(st),
                    None => {
                        bad(
                            c,
                            "status",
                            format!(
                                "`{s}` is not a status: new, escalated, claimed, waiting_on_user, resolved or closed"
                            ),
                        );
                        ok = false;
                    }
                }
            }
            for t in list(&cf.tier) {
                match parse_tier(&t) {
                    Some(t) => conditions.tier.push(t),
                    None => {
                        bad(c, "tier", format!("`{t}` is not a tier: L1, L2 or L3"));
                        ok = false;
                    }
                }
            }
            for q in list(&cf.queue) {
                if queues.iter().any(|x| x.id == q) {
                    conditions.queue.push(q);
                } else {
                    bad(c, "queue", format!("no queue `{q}` in [[queues]]"));
                    ok = false;
                }
            }
            for o in list(&cf.organisation) {
                if organisations.iter().any(|x| x.id == o) {
                    conditions.organisation.push(o);
                } else {
                    bad(
                        c,
                        "organisation",
                        format!("no organisation `{o}` in [[organisations]]"),
                    );
                    ok = false;
                }
            }
            for k in list(&cf.timer) {
                if crate::clocks::timer::TimerKind::parse(k.trim()).is_some() {
                    conditions.timer.push(k.trim().to_string());
                } else {
                    bad(
                        c,
                        "timer",
                        format!(
                            "`{k}` is not a kind of timer: {}",
                            crate::clocks::timer::TimerKind::names()
                        ),
                    );
                    ok = false;
                }
            }
            if conditions.keywords.iter().any(|k| k.trim().is_empty()) {
                bad(c, "keywords", "a keyword must not be empty".into());
                ok = false;
            }
            conditions.older_than_minutes = cf.older_than_minutes;
            conditions.business_hours = cf.business_hours;
        }
        let mut actions = Vec::new();
        if f.then.is_empty() {
            c.at(
                at,
                &field("then"),
                "missing field: what the rule does, e.g. then = [{ route = \"l2-hardware\" }, { tag = \"vip\" }]",
            );
            ok = false;
        }
        let then_line = key_line(c, at, "then");
        for (j, a) in f.then.iter().enumerate() {
            let afield = format!("{base}.then[{j}]");
            let bad = |c: &mut Checker, msg: String| {
                c.at_line(then_line, &afield, msg);
            };
            let action = match a {
                ActionFile::Route(q) => {
                    if queues.iter().any(|x| &x.id == q) {
                        Some(RuleAction::Route(q.clone()))
                    } else {
                        bad(c, format!("route: no queue `{q}` in [[queues]]"));
                        None
                    }
                }
                ActionFile::SetPriority(p) => match parse_priority(p) {
                    Some(p) => Some(RuleAction::SetPriority(p)),
                    None => {
                        bad(c, format!("set_priority: `{p}` is not P1, P2, P3 or P4"));
                        None
                    }
                },
                ActionFile::SetCategory(s) if !s.trim().is_empty() => {
                    c.lines.insert(format!("{afield}.set_category"), then_line);
                    Some(RuleAction::SetCategory(s.trim().to_string()))
                }
                ActionFile::Tag(s) if !s.trim().is_empty() => {
                    Some(RuleAction::Tag(s.trim().to_string()))
                }
                ActionFile::Assign(a) => {
                    if agents.iter().any(|x| &x.name == a) {
                        Some(RuleAction::Assign(a.clone()))
                    } else {
                        bad(c, format!("assign: no agent named `{a}` in [[agents]]"));
                        None
                    }
                }
                ActionFile::Notify {
                    channel,
                    platform,
                    text,
                } => {
                    let p = match platform.as_deref().map(str::trim) {
                        None => Some(Platform::Local),
                        Some(p) => Platform::parse(p).filter(|p| *p != Platform::Web),
                    };
                    match p {
                        Some(_) if channel.trim().is_empty() || text.trim().is_empty() => {
                            bad(c, "notify: channel and text must not be empty".into());
                            None
                        }
                        Some(p) => Some(RuleAction::Notify {
                            platform: p,
                            channel: channel.trim().to_string(),
                            text: text.clone(),
                        }),
                        None => {
                            bad(
                                c,
                                format!(
                                    "notify: unknown platform `{}`: local, discord or slack",
                                    platform.as_deref().unwrap_or("")
                                ),
                            );
                            None
                        }
                    }
                }
                ActionFile::Dm { to, text } => {
                    let who = match to.split_once(':') {
                        Some((p, id)) if !id.trim().is_empty() => Platform::parse(p)
                            .filter(|p| *p != Platform::Web)
                            .map(|p| UserRef {
                                platform: p,
                                id: id.trim().to_string(),
                                name: id.trim().to_string(),
                            }),
                        Some(_) => None,
                        None => agents
                            .iter()
                            .find(|a| &a.name == to)
                            .map(crate::desk::agent_ref),
                    };
                    match who {
                        Some(_) if text.trim().is_empty() => {
                            bad(c, "dm: text must not be empty".into());
                            None
                        }
                        Some(u) => Some(RuleAction::Dm {
                            to: u,
                            text: text.clone(),
                        }),
                        None => {
                            bad(
                                c,
                                format!(
                                    "dm: `{to}` is neither an agent's name nor platform:id (discord:1234, slack:U0123, local:dana)"
                                ),
                            );
                            None
                        }
                    }
                }
                ActionFile::Webhook(h) => {
                    if f.then.is_empty() || webhooks.contains_key(h) {
                        Some(RuleAction::Webhook(h.clone()))
                    } else {
                        let known: Vec<&str> = webhooks.keys().map(String::as_str).collect();
                        bad(
                            c,
                            format!(
                                "webhook: no [automations.webhooks.{h}] ({})",
                                if known.is_empty() {
                                    "none defined".to_string()
                                } else {
                                    format!("defined: {}", known.join(", "))
                                }
                            ),
                        );
                        None
                    }
                }
                ActionFile::Escalate(note) => Some(RuleAction::Escalate(note.clone())),
                ActionFile::RequestApproval(reason) => {
                    Some(RuleAction::RequestApproval(reason.clone()))
                }
                ActionFile::ReplyArticle(a) if !a.trim().is_empty() => {
                    c.lines.insert(format!("{afield}.reply_article"), then_line);
                    Some(RuleAction::ReplyArticle(a.trim().to_string()))
                }
                ActionFile::Close(text) => Some(RuleAction::Close(text.clone())),
                ActionFile::MarkChange(true) => Some(RuleAction::MarkChange),
                ActionFile::MarkChange(false) => {
                    bad(c, "mark_change = true marks the ticket as a change; false does nothing: leave it out".into());
                    None
                }
                ActionFile::SetCategory(_) | ActionFile::Tag(_) | ActionFile::ReplyArticle(_) => {
                    bad(c, "must not be empty".into());
                    None
                }
            };
            match action {
                Some(a) => actions.push(a),
                None => ok = false,
            }
        }
        if ok {
            rules.push(Rule {
                name,
                index: i,
                enabled: f.enabled,
                when,
                conditions,
                actions,
            });
        }
    }
    Automations {
        settings,
        rules,
        webhooks,
    }
}

fn parse_priority(s: &str) -> Option<Priority> {
    match s.trim() {
        "P1" => Some(Priority::P1),
        "P2" => Some(Priority::P2),
        "P3" => Some(Priority::P3),
        "P4" => Some(Priority::P4),
        _ => None,
    }
}

fn parse_tier(s: &str) -> Option<Tier> {
    match s.trim() {
        "L1" => Some(Tier::L1),
        "L2" => Some(Tier::L2),
        "L3" => Some(Tier::L3),
        _ => None,
    }
}
