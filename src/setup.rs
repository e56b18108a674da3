//! Setting a deployment up: where the configuration and the intent pack come from (the files given,
//! else the ones compiled into the binary), `frontline init` (a starting configuration and a copy
//! of the pack to edit), `frontline check` (a pack) and `frontline config check` (the configuration
//! as frontline reads it, with every problem). Commands write to the writer they are given and
//! return their exit code, so they can run in the bot's process as well as in a terminal.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};

use crate::config::{Config, ConfigError, DEFAULT_CONFIG};
use crate::pack::{BUILTIN_FILES, Pack, PackError, PackSource, Priority};
use crate::platform::terminal;
use crate::tickets::Platform;
use crate::triage::Triage;

/// The pack to use: the directory given (`--intents`, or the configuration's `intents`), else
/// `./intents` when the working directory has a pack there, else the built-in pack.
pub fn pack_source(dir: Option<PathBuf>) -> PackSource {
    match dir {
        Some(d) => PackSource::Dir(d),
        None if Path::new("intents/pack.toml").is_file() => PackSource::Dir("intents".into()),
        None => PackSource::BuiltIn,
    }
}

/// Loads a pack and builds its engine; errors name the file, line and field.
pub fn engine(source: &PackSource) -> Result<Triage> {
    let pack = source
        .load()
        .map_err(|e| anyhow!("invalid intent pack: {e}"))?;
    Triage::new(pack).context("compiling the pack's rules")
}

/// Reads a configuration file with every problem in it (none for the built-in one).
fn read_config(path: Option<&Path>) -> Result<(Config, Vec<PackError>), ConfigError> {
    match path {
        None => Ok((Config::default_config(), Vec::new())),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| PackError {
                file: p.to_path_buf(),
                line: 0,
                field: "-".into(),
                message: format!("cannot read: {e}"),
            })?;
            Config::parse_draft(p, &text)
        }
    }
}

/// The configuration (`--config`, else the built-in one) and the engine over its pack (`--intents`,
/// else the configuration's `intents`, else [`pack_source`]), checked against each other. Every
/// problem of the configuration is reported at once, the pack's routes included.
pub fn load(config: Option<&Path>, intents: Option<PathBuf>) -> Result<(Config, Arc<Triage>)> {
    load_with(config, intents, |dir| {
        engine(&pack_source(dir)).map(Arc::new)
    })
}

/// [`load`] with the engine built by `engine` from the pack directory to use (`None`: see
/// [`pack_source`]), so a long-running process can share engines between commands.
pub fn load_with(
    config: Option<&Path>,
    intents: Option<PathBuf>,
    engine: impl FnOnce(Option<PathBuf>) -> Result<Arc<Triage>>,
) -> Result<(Config, Arc<Triage>)> {
    let (config, mut problems) =
        read_config(config).map_err(|e| anyhow!("invalid configuration: {e}"))?;
    let engine = match engine(intents.or_else(|| config.intents.clone())) {
        Ok(e) => e,
        // The configuration's own mistakes come first: one may be why the pack is not found.
        Err(e) if problems.is_empty() => return Err(e),
        Err(_) => bail!("invalid configuration: {}", ConfigError { problems }),
    };
    problems.extend(config.pack_problems(engine.pack()));
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        bail!("invalid configuration: {}", ConfigError { problems });
    }
    Ok((config, engine))
}

/// `frontline check [DIR]`: validates a pack (the directory given, else [`pack_source`]) and
/// prints a summary. An invalid pack is an error naming the file, line and field.
pub fn check_pack(dir: Option<PathBuf>, out: &mut dyn Write) -> Result<()> {
    let source = pack_source(dir);
    let pack = source.load().map_err(|e| anyhow!("{e}"))?;
    let engine = Triage::new(pack).context("compiling the pack's rules")?;
    let pack = engine.pack();
    match &source {
        PackSource::Dir(d) => writeln!(out, "pack `{}` in {}: OK", pack.name, d.display())?,
        PackSource::BuiltIn => writeln!(out, "pack `{}` (built in): OK", pack.name)?,
    }
    writeln!(out, "intents: {}", pack.intents.len())?;
    for lang in &pack.languages {
        let examples: usize = pack
            .intents
            .iter()
            .map(|i| i.examples.iter().filter(|e| &e.language == lang).count())
            .sum();
        let articles = pack.articles.iter().filter(|a| &a.language == lang).count();
        writeln!(
            out,
            "  {lang}: {examples} examples, {articles} FAQ articles"
        )?;
    }
    let rules: usize = pack.intents.iter().map(|i| i.rules.len()).sum();
    writeln!(out, "rules: {rules}")?;
    writeln!(out, "out-of-scope examples: {}", pack.out_of_scope.len())?;
    writeln!(
        out,
        "features: {}, built in {:.0} ms",
        engine.feature_count(),
        engine.build_ms
    )?;
    Ok(())
}

/// The configuration `frontline init` writes: the commented example, pointing at the pack copied
/// beside it.
pub fn init_config() -> String {
    let from = "# intents = \"intents\"\n";
    assert!(
        DEFAULT_CONFIG.contains(from),
        "frontline.example.toml has the commented intents line"
    );
    DEFAULT_CONFIG.replacen(
        from,
        "intents = \"intents\"   # the pack `frontline init` copied beside this file\n",
        1,
    )
}

/// `frontline init [DIR]`: writes `DIR/frontline.toml` and a copy of the built-in pack in
/// `DIR/intents/`. Refuses to overwrite any existing file unless `force`; then nothing is written.
pub fn init(dir: &Path, force: bool, out: &mut dyn Write) -> Result<()> {
    let config_path = dir.join("frontline.toml");
    let pack_dir = dir.join("intents");
    let mut files: Vec<(PathBuf, &str)> = Vec::new();
    let config_text = init_config();
    files.push((config_path.clone(), config_text.as_str()));
    for (rel, text) in BUILTIN_FILES {
        let path = rel
            .split('/')
            .fold(pack_dir.clone(), |p, part| p.join(part));
        files.push((path, text));
    }
    if !force {
        let existing: Vec<&PathBuf> = files
            .iter()
            .map(|(p, _)| p)
            .filter(|p| p.exists())
            .collect();
        if let Some(first) = existing.first() {
            let more = match existing.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            bail!(
                "{} already exists{more}; nothing was written (--force overwrites)",
                first.display()
            );
        }
    }
    for (path, text) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let data = crate::platform::local::default_data_dir();
    let cfg = config_path.display();
    writeln!(
        out,
        "wrote {cfg}: the configuration (queues, routing, agents, Discord), commented"
    )?;
    writeln!(
        out,
        "wrote {}: the default intent pack to customise, {} files ({} explains the format)",
        pack_dir.display(),
        BUILTIN_FILES.len(),
        pack_dir.join("README.md").display()
    )?;
    writeln!(
        out,
        "tickets will be stored in {} (set data_dir in the configuration to change it)",
        data.display()
    )?;
    writeln!(out, "next:")?;
    writeln!(
        out,
        "  frontline config check --config {cfg}   # the configuration as frontline reads it, and any mistake"
    )?;
    writeln!(
        out,
        "  frontline check {}   # the pack, after editing it",
        pack_dir.display()
    )?;
    writeln!(
        out,
        "  frontline chat --config {cfg}   # talk to the bot in this terminal"
    )?;
    writeln!(
        out,
        "  frontline run --config {cfg}   # on Discord or Slack: first fill in [discord] or [slack], the queues' channel ids and the roles, and export the tokens (README: \"Discord\", \"Slack\")"
    )?;
    Ok(())
}

/// One line of the effective routing table: what tickets of an intent at a priority go to.
struct RouteLine {
    intent: String,
    category: String,
    priority: Priority,
    queue: Option<String>,
    /// The routing rule that decided, if one did (else the intent's own queue).
    rule: Option<usize>,
}

fn routing_table(config: &Config, pack: &Pack) -> Vec<RouteLine> {
    let mut lines = Vec::new();
    for i in &pack.intents {
        for p in [Priority::P1, Priority::P2, Priority::P3, Priority::P4] {
            let rule = config.routing.iter().position(|r| {
                r.intent.as_deref().is_none_or(|x| x == i.id)
                    && r.category.as_deref().is_none_or(|x| x == i.category)
                    && r.priority.is_none_or(|x| x == p)
            });
            lines.push(RouteLine {
                intent: i.id.clone(),
                category: i.category.clone(),
                priority: p,
                queue: config
                    .route(&i.id, &i.category, p, &i.queue)
                    .map(|q| q.id.clone()),
                rule,
            });
        }
    }
    lines
}

/// `frontline config check`: prints the effective configuration (source, data directory, pack,
/// queues by platform, the routing table, agents and roles) and every problem; returns the exit
/// code, 1 when there is any problem.
pub fn config_check(
    config_path: Option<&Path>,
    intents: Option<PathBuf>,
    json: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let (config, mut problems) = match read_config(config_path) {
        Ok(c) => (Some(c.0), c.1),
        Err(e) => (None, e.problems),
    };
    let mut pack_from = "";
    let mut source = None;
    let mut pack = None;
    if let Some(c) = &config {
        let (dir, from) = match (&intents, &c.intents) {
            (Some(d), _) => (Some(d.clone()), "--intents"),
            (None, Some(d)) => (Some(d.clone()), "intents in the configuration"),
            (None, None) => (None, ""),
        };
        let s = pack_source(dir);
        pack_from = match (&s, from) {
            (PackSource::BuiltIn, _) => "built in",
            (PackSource::Dir(_), "") => "the working directory's intents/",
            (_, "--intents") => "from --intents",
            (_, _) => "from intents in the configuration",
        };
        match s.load() {
            Ok(p) => {
                if let Err(e) = Triage::new(p.clone()) {
                    problems.push(PackError {
                        file: s.path(""),
                        line: 0,
                        field: "rules".into(),
                        message: format!("the pack's rules do not compile: {e}"),
                    });
                }
                problems.extend(c.pack_problems(&p));
                pack = Some(p);
            }
            Err(e) => problems.push(e),
        }
        let served: Vec<Platform> = [
            c.discord.as_ref().map(|_| Platform::Discord),
            c.slack.as_ref().map(|_| Platform::Slack),
        ]
        .into_iter()
        .flatten()
        .collect();
        problems.extend(c.served_problems(&served));
        source = Some(s);
    }
    problems.sort_by_key(|p| p.line);
    let data_dir = config.as_ref().map(|c| match &c.data_dir {
        Some(d) => (d.clone(), "data_dir in the configuration"),
        None => (
            crate::platform::local::default_data_dir(),
            "the default: $XDG_DATA_HOME/frontline, else ~/.local/share/frontline",
        ),
    });
    let config_shown = match (&config, config_path) {
        (_, Some(p)) => p.display().to_string(),
        _ => "built in (frontline.example.toml; --config FILE gives another)".into(),
    };
    let table = match (&config, &pack) {
        (Some(c), Some(p)) => routing_table(c, p),
        _ => Vec::new(),
    };

    if json {
        let problems_json: Vec<_> = problems
            .iter()
            .map(|p| {
                serde_json::json!({"file": p.file.display().to_string(), "line": p.line,
                    "field": p.field, "message": p.message})
            })
            .collect();
        let mut v = serde_json::json!({
            "config": config_path.map(|p| p.display().to_string()),
            "built_in": config_path.is_none(),
            "ok": problems.is_empty(),
            "problems": problems_json,
        });
        if let Some(c) = &config {
            let (dir, from) = data_dir.as_ref().expect("with a configuration");
            v["data_dir"] = serde_json::json!({"path": dir.display().to_string(), "from": from});
            v["pack"] = serde_json::json!({
                "source": source.as_ref().map(|s| s.to_string()),
                "from": pack_from,
                "name": pack.as_ref().map(|p| p.name.clone()),
                "intents": pack.as_ref().map(|p| p.intents.len()),
            });
            v["queues"] = c
                .queues
                .iter()
                .map(|q| {
                    serde_json::json!({"id": q.id, "tier": format!("{:?}", q.tier),
                        "platform": q.platform.as_str(), "platform_written": q.platform_written,
                        "channel": q.channel, "on_duty": q.on_duty})
                })
                .collect();
            v["vendors"] = c
                .vendors
                .iter()
                .map(|x| {
                    let (how, to) = match &x.reach {
                        crate::config::VendorReach::Email(to) => ("email", to),
                        crate::config::VendorReach::Webhook(h) => ("webhook", h),
                    };
                    serde_json::json!({"id": x.id, "name": x.name, "tier": x.tier.as_str(), how: to})
                })
                .collect();
            v["l3_queue"] = serde_json::json!(c.l3_queue);
            v["routing"] = table
                .iter()
                .map(|r| {
                    serde_json::json!({"intent": r.intent, "category": r.category,
                        "priority": r.priority.to_string(), "queue": r.queue, "rule": r.rule})
                })
                .collect();
            v["agents"] = c
                .agents
                .iter()
                .map(|a| {
                    serde_json::json!({"name": a.name, "role": a.role.as_str(),
                        "platform": a.platform.as_str(),
                        "id": a.id.clone().unwrap_or_else(|| a.name.clone())})
                })
                .collect();
            v["platform_roles"] = c
                .platform_roles
                .iter()
                .map(|r| {
                    serde_json::json!({"platform": r.platform.as_str(), "id": r.id,
                        "role": r.role.as_str()})
                })
                .collect();
            v["calendars"] = c
                .calendars
                .values()
                .map(|cal| {
                    serde_json::json!({"name": cal.name, "timezone": cal.timezone_name(),
                        "always": cal.hours == crate::clocks::calendar::Hours::Always,
                        "holidays": cal.holidays.len()})
                })
                .collect();
            v["discord"] = match &c.discord {
                Some(d) => serde_json::json!({"support_channels": d.support_channels}),
                None => serde_json::Value::Null,
            };
            v["slack"] = match &c.slack {
                Some(s) => serde_json::json!({
                    "support_channels": s.support_channels,
                    "socket_mode": s.socket_mode,
                    "listen": s.listen.map(|a| a.to_string()),
                }),
                None => serde_json::Value::Null,
            };
        }
        writeln!(out, "{}", terminal::json(&v)?)?;
        return Ok(i32::from(!problems.is_empty()));
    }

    // What people wrote in the file is shown through `terminal::line`: nothing in it can act on
    // the reader's terminal.
    let safe = |s: &str| terminal::line(s);
    writeln!(out, "configuration: {}", safe(&config_shown))?;
    if let Some(c) = &config {
        let (dir, from) = data_dir.as_ref().expect("with a configuration");
        writeln!(
            out,
            "data directory: {} ({from})",
            safe(&dir.display().to_string())
        )?;
        let place = match &source {
            Some(PackSource::Dir(d)) => format!("{} ({pack_from})", safe(&d.display().to_string())),
            _ => "built in".to_string(),
        };
        match &pack {
            Some(p) => writeln!(
                out,
                "intent pack: `{}`, {} intents, {place}",
                safe(&p.name),
                p.intents.len(),
            )?,
            None => writeln!(out, "intent pack: {place}: does not load, see the problems")?,
        }
        writeln!(out, "queues:")?;
        let mut by_platform: BTreeMap<&str, Vec<&crate::config::Queue>> = BTreeMap::new();
        for q in &c.queues {
            by_platform.entry(q.platform.as_str()).or_default().push(q);
        }
        let width = c.queues.iter().map(|q| q.id.len()).max().unwrap_or(0);
        for (platform, queues) in &by_platform {
            writeln!(out, "  {platform}:")?;
            for q in queues {
                let place = match (q.platform, q.platform_written) {
                    (Platform::Local, false) => "no platform written: local".to_string(),
                    (Platform::Local, true) if q.channel.is_empty() => String::new(),
                    _ if q.channel.is_empty() => "no channel".to_string(),
                    _ => format!("channel {}", q.channel),
                };
                writeln!(
                    out,
                    "    {:<width$}  {:?}  {}",
                    safe(&q.id),
                    q.tier,
                    safe(&place)
                )?;
                if let Some(a) = &q.on_duty {
                    writeln!(
                        out,
                        "    {:<width$}      on duty: {} (tickets are theirs at once)",
                        "",
                        safe(a)
                    )?;
                }
            }
        }
        let l3 = if c.l3_queue.is_empty() {
            "(missing)"
        } else {
            &c.l3_queue
        };
        writeln!(out, "  escalation to L3 (l3_queue): {}", safe(l3))?;
        for v in &c.vendors {
            writeln!(
                out,
                "  escalation to {} (vendor {}): {}, {}",
                v.tier.as_str(),
                safe(&v.id),
                safe(&v.name),
                safe(&v.reach.describe())
            )?;
        }
        if let Some(m) = &c.smtp {
            let tls = match m.tls {
                crate::config::SmtpTls::None => "no TLS",
                crate::config::SmtpTls::StartTls => "STARTTLS",
                crate::config::SmtpTls::Tls => "TLS",
            };
            writeln!(
                out,
                "  e-mail: {}:{} ({tls}) from {}{}",
                safe(&m.host),
                m.port,
                safe(&m.from),
                match (&m.username, &m.password_env) {
                    (Some(u), Some(p)) =>
                        format!(", as {} with the password in ${}", safe(u), safe(p)),
                    _ => String::new(),
                }
            )?;
        }
        for o in &c.organisations {
            let mut about = vec![format!("{} people", o.users.len())];
            if !o.domains.is_empty() {
                about.push(format!("e-mail domains {}", safe(&o.domains.join(", "))));
            }
            if let Some(u) = &o.contact {
                about.push(format!("contact {}", safe(&u.key())));
            }
            writeln!(
                out,
                "  organisation {} ({}): {}",
                safe(&o.id),
                safe(&o.name),
                about.join(", ")
            )?;
        }
        let p = &c.pricing;
        if let Some(rate) = p.hourly_rate_cents {
            let discounts: Vec<String> = p
                .discounts
                .iter()
                .map(|(h, d)| format!("{h} h -{d}%"))
                .collect();
            writeln!(
                out,
                "  price list: {}/h{}{}{}",
                crate::contracts::money(rate),
                if p.currency.is_empty() {
                    String::new()
                } else {
                    format!(" {}", p.currency)
                },
                p.overage_rate_cents
                    .map(|o| format!(", overage {}/h", crate::contracts::money(o)))
                    .unwrap_or_default(),
                if discounts.is_empty() {
                    String::new()
                } else {
                    format!(", blocks {}", discounts.join(", "))
                }
            )?;
        }
        writeln!(
            out,
            "  contract alerts at {}% used and on overage; expiry warnings {} days before",
            c.contracts
                .thresholds
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join("%, "),
            c.contracts.expiry_warning_days
        )?;
        if !table.is_empty() {
            writeln!(out, "routing (intent/category/priority -> queue):")?;
            for group in table
                .chunk_by(|a, b| a.intent == b.intent && a.queue == b.queue && a.rule == b.rule)
            {
                let r = &group[0];
                let priorities = if group.len() == 4 {
                    "*".to_string()
                } else {
                    let ps: Vec<String> = group.iter().map(|g| g.priority.to_string()).collect();
                    ps.join(",")
                };
                let queue = r.queue.as_deref().unwrap_or("(no queue)");
                let why = r
                    .rule
                    .map(|i| format!("   (routing[{i}])"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {}/{}/{priorities} -> {}{why}",
                    safe(&r.intent),
                    safe(&r.category),
                    safe(queue)
                )?;
            }
        }
        if c.agents.is_empty() {
            writeln!(out, "agents: none named")?;
        } else {
            writeln!(out, "agents:")?;
            let width = c.agents.iter().map(|a| a.name.len()).max().unwrap_or(0);
            for a in &c.agents {
                let id = a.id.as_deref().unwrap_or(&a.name);
                writeln!(
                    out,
                    "  {:<width$}  {:<5}  {}:{}",
                    safe(&a.name),
                    a.role.as_str(),
                    a.platform,
                    safe(id)
                )?;
            }
        }
        if c.platform_roles.is_empty() {
            writeln!(out, "platform roles: none")?;
        } else {
            writeln!(out, "platform roles (members are agents):")?;
            for r in &c.platform_roles {
                writeln!(
                    out,
                    "  {} role {} -> {}",
                    r.platform,
                    safe(&r.id),
                    r.role.as_str()
                )?;
            }
        }
        if c.calendars.is_empty() {
            writeln!(
                out,
                "calendars: none (SLA clocks count around the clock in UTC)"
            )?;
        } else {
            writeln!(out, "calendars:")?;
            for cal in c.calendars.values() {
                let hours = match &cal.hours {
                    crate::clocks::calendar::Hours::Always => "24x7".to_string(),
                    crate::clocks::calendar::Hours::Weekly(week) => {
                        let days = week.iter().filter(|d| !d.is_empty()).count();
                        format!("{days} working day(s) a week")
                    }
                };
                writeln!(
                    out,
                    "  {}  {}, {hours}, {} holiday(s)",
                    safe(&cal.name),
                    cal.timezone_name(),
                    cal.holidays.len()
                )?;
            }
        }
        match &c.discord {
            Some(d) if d.support_channels.is_empty() => writeln!(
                out,
                "discord: on (direct messages only: no support_channels)"
            )?,
            Some(d) => writeln!(
                out,
                "discord: on, support channels {}",
                safe(&d.support_channels.join(", "))
            )?,
            None => writeln!(out, "discord: off (no [discord] section)")?,
        }
        match &c.slack {
            Some(s) => {
                let how = match (s.socket_mode, s.listen) {
                    (true, _) => "Socket Mode".to_string(),
                    (false, Some(addr)) => format!("Events API on {addr}"),
                    (false, None) => "no transport".to_string(),
                };
                let channels = if s.support_channels.is_empty() {
                    "direct messages only: no support_channels".to_string()
                } else {
                    format!("support channels {}", safe(&s.support_channels.join(", ")))
                };
                writeln!(out, "slack: on ({how}), {channels}")?;
            }
            None => writeln!(out, "slack: off (no [slack] section)")?,
        }
        if !c.rules.is_empty() || !c.webhooks.is_empty() {
            let hooks: Vec<&str> = c.webhooks.keys().map(String::as_str).collect();
            let on = c.rules.iter().filter(|r| r.enabled).count();
            writeln!(
                out,
                "automations: {} rule(s) ({on} enabled), webhooks: {}",
                c.rules.len(),
                if hooks.is_empty() {
                    "none".to_string()
                } else {
                    safe(&hooks.join(", "))
                }
            )?;
        }
        if c.discord.is_none() && c.slack.is_none() && c.webhooks.is_empty() && c.smtp.is_none() {
            writeln!(
                out,
                "`frontline run` needs [discord] or [slack]; `frontline chat` and `agent` work without"
            )?;
        }
    }
    if problems.is_empty() {
        writeln!(out, "problems: none")?;
    } else {
        let n = problems.len();
        writeln!(out, "{n} problem{}:", if n == 1 { "" } else { "s" })?;
        for p in &problems {
            writeln!(out, "  {}", safe(&p.to_string()))?;
        }
    }
    Ok(i32::from(!problems.is_empty()))
}
