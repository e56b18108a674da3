//! Setting frontline up as an admin does: a binary copied to an empty directory runs on the pack
//! and configuration compiled into it; `frontline init` writes files that `check`, `config check`
//! and `chat` accept as they are; every configuration mistake is reported with the file, line and
//! field a person has to fix; `config check` shows the configuration as frontline reads it; the
//! README's Discord configuration is complete and valid; every `--help` option says what it does.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use frontline::config::{Config, DEFAULT_CONFIG};
use frontline::pack::Pack;
use frontline::tickets::Platform;

use crate::common::{assert_ok, default_pack, stderr, stdout};

/// Runs `bin` in `cwd` with `args` and `stdin`, as a person would: no token, no backtraces, and a
/// data directory default inside the test's own temporary directory.
fn run_bin(bin: &Path, cwd: &Path, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .env("XDG_DATA_HOME", cwd.join("xdg"))
        .env_remove("DISCORD_TOKEN")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run frontline");
    // A process that refuses to start may exit before reading its input.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

/// The built binary, run in `cwd`.
fn frontline(cwd: &Path, args: &[&str], stdin: &[u8]) -> Output {
    run_bin(Path::new(env!("CARGO_BIN_EXE_frontline")), cwd, args, stdin)
}

/// The TOML block of the README's "Discord" section.
fn readme_discord_toml() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = &readme[readme.find("\n## Discord\n").expect("a Discord section")..];
    let start = section
        .find("```toml\n")
        .expect("a TOML block in the Discord section")
        + 8;
    let end = start + section[start..].find("\n```").expect("the block ends");
    section[start..end].to_string()
}

/// The 1-based line of the first line of `text` containing `needle` (after `after`, if given).
fn line_of(text: &str, needle: &str, after: Option<&str>) -> usize {
    let from = after.map_or(0, |a| text.find(a).unwrap_or_else(|| panic!("no {a:?}")));
    let at = from
        + text[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in the configuration"));
    text[..at].matches('\n').count() + 1
}

/// Writes `text` as `bad.toml` in a fresh directory and starts `frontline chat` with it: the start
/// must fail, and stderr (what the admin reads) is returned with the file's path.
fn start_with(text: &str) -> (String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let o = frontline(
        tmp.path(),
        &[
            "chat",
            "--config",
            path.to_str().unwrap(),
            "--data",
            "store",
        ],
        b"hello\n",
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "the start must fail: {err}");
    assert!(stdout(&o).is_empty(), "nothing ran: {}", stdout(&o));
    assert!(
        !tmp.path().join("store").exists(),
        "no store is opened with a bad configuration"
    );
    (err, path.display().to_string())
}

/// The README configuration with `from` replaced by `to` (`from` must be there), started: the
/// error must read `error: invalid configuration:` and contain `FILE:LINE: FIELD: MESSAGE`, the
/// line being that of `at` (the first line containing it after `after`) in the changed file.
fn mistake(from: &str, to: &str, (at, after): (&str, Option<&str>), field: &str, message: &str) {
    let base = readme_discord_toml();
    assert!(base.contains(from), "the README block has no {from:?}");
    let text = base.replacen(from, to, 1);
    let line = line_of(&text, at, after);
    let (err, file) = start_with(&text);
    assert!(
        err.starts_with("error: invalid configuration: "),
        "stderr: {err}"
    );
    let want = format!("{file}:{line}: {field}: {message}");
    assert!(err.contains(&want), "want {want:?} in:\n{err}");
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
}

#[test]
fn a_copied_binary_runs_without_any_file_beside_it() {
    // The binary alone in one directory, run from another: no intents/, no configuration, no
    // source tree to fall back on (the build directory is not where the binary is).
    let tmp = tempfile::tempdir().unwrap();
    let bin_dir = tmp.path().join("bin");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let bin = bin_dir.join("frontline");
    std::fs::copy(env!("CARGO_BIN_EXE_frontline"), &bin).unwrap();
    assert!(!work.join("intents").exists() && !bin_dir.join("intents").exists());

    let o = run_bin(
        &bin,
        &work,
        &["chat", "--as", "jan"],
        b"my vpn keeps disconnecting\nno\n",
    );
    assert_ok(&o, "chat");
    let out = stdout(&o);
    assert!(
        out.contains("bot: Let's get your VPN working"),
        "the VPN answer from the built-in pack:\n{out}"
    );
    assert!(
        out.contains("Sorry that didn't help"),
        "the second turn is understood:\n{out}"
    );
    // The default data directory, under $XDG_DATA_HOME.
    assert!(
        work.join("xdg/frontline").is_dir(),
        "store in XDG_DATA_HOME"
    );

    let o = run_bin(&bin, &work, &["check"], b"");
    assert_ok(&o, "check");
    let out = stdout(&o);
    assert!(
        out.starts_with("pack `it-support` (built in): OK\n"),
        "{out}"
    );
    let pack = Pack::load(&default_pack()).unwrap();
    assert!(
        out.contains(&format!("\nintents: {}\n", pack.intents.len())),
        "{out}"
    );

    let o = run_bin(&bin, &work, &["triage", "zapomniałem hasła do poczty"], b"");
    assert_ok(&o, "triage");
    assert!(stdout(&o).starts_with("password_reset "), "{}", stdout(&o));
}

#[test]
fn the_built_in_pack_is_the_intents_directory() {
    // The compiled-in files are the ones in the source tree (build.rs embeds them all).
    let built_in = Pack::builtin().expect("the built-in pack loads");
    let on_disk = Pack::load(&default_pack()).unwrap();
    assert!(
        built_in == on_disk,
        "the built-in pack differs from intents/"
    );
}

#[test]
fn init_writes_files_that_check_config_check_and_chat_accept() {
    let tmp = tempfile::tempdir().unwrap();
    let o = frontline(tmp.path(), &["init", "site"], b"");
    assert_ok(&o, "init");
    let out = stdout(&o);
    for want in [
        "wrote site/frontline.toml",
        "wrote site/intents",
        "frontline config check --config site/frontline.toml",
        "frontline check site/intents",
        "frontline chat --config site/frontline.toml",
        "frontline run --config site/frontline.toml",
    ] {
        assert!(out.contains(want), "{want:?} in:\n{out}");
    }
    let site = tmp.path().join("site");
    let written = std::fs::read_to_string(site.join("frontline.toml")).unwrap();
    assert!(written.contains("\nintents = \"intents\""), "{written}");
    assert!(site.join("intents/pack.toml").is_file());
    assert!(site.join("intents/faq/pl").is_dir());

    let o = frontline(tmp.path(), &["check", "site/intents"], b"");
    assert_ok(&o, "check");
    assert!(
        stdout(&o).starts_with("pack `it-support` in site/intents: OK"),
        "{}",
        stdout(&o)
    );

    // From another directory: the configuration's `intents` is read from its own directory.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let config = site.join("frontline.toml");
    let config = config.to_str().unwrap();
    let o = frontline(&elsewhere, &["config", "check", "--config", config], b"");
    assert_ok(&o, "config check");
    let out = stdout(&o);
    let pack_line = format!(
        "intent pack: `it-support`, 23 intents, {} (from intents in the configuration)",
        site.join("intents").display()
    );
    assert!(out.contains(&pack_line), "{pack_line:?} in:\n{out}");
    assert!(out.ends_with("problems: none\n"), "{out}");

    // The copy is what the bot uses: change a reply there and chat says it.
    let greeting = site.join("intents/greeting.toml");
    let text = std::fs::read_to_string(&greeting).unwrap();
    let reply = "en = \"Hello! I'm the IT support assistant. How can I help you today?\"";
    assert!(text.contains(reply), "greeting.toml has its English reply");
    std::fs::write(
        &greeting,
        text.replace(reply, "en = \"Hi from the site's own pack.\""),
    )
    .unwrap();
    let o = frontline(
        &elsewhere,
        &["chat", "--config", config, "--data", "store"],
        b"hello\n",
    );
    assert_ok(&o, "chat");
    assert!(
        stdout(&o).contains("bot: Hi from the site's own pack."),
        "{}",
        stdout(&o)
    );
}

#[test]
fn init_refuses_to_overwrite_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    assert_ok(&frontline(tmp.path(), &["init"], b""), "init");
    let config = tmp.path().join("frontline.toml");
    std::fs::write(&config, "# mine\n").unwrap();

    let o = frontline(tmp.path(), &["init", "."], b"");
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: ./frontline.toml already exists (and "),
        "{err}"
    );
    assert!(
        err.contains("nothing was written (--force overwrites)"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n");

    assert_ok(
        &frontline(tmp.path(), &["init", "--force"], b""),
        "init --force",
    );
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("l3_queue")
    );
}

#[test]
fn a_relative_data_dir_is_read_from_the_configuration_file_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let text = format!("data_dir = \"tickets\"\n{DEFAULT_CONFIG}");
    std::fs::write(site.join("frontline.toml"), text).unwrap();
    let o = frontline(
        tmp.path(),
        &["chat", "--config", "site/frontline.toml", "--as", "jan"],
        b"my printer is jammed\n",
    );
    assert_ok(&o, "chat");
    assert!(
        site.join("tickets").is_dir(),
        "the store is beside the file"
    );
    assert!(!tmp.path().join("tickets").exists());
    let o = frontline(
        tmp.path(),
        &["config", "check", "--config", "site/frontline.toml"],
        b"",
    );
    assert!(
        stdout(&o).contains("data directory: site/tickets (data_dir in the configuration)"),
        "{}",
        stdout(&o)
    );
}

// Each mistake below starts from the README's valid Discord configuration.

#[test]
fn an_unknown_platform_lists_the_valid_ones() {
    mistake(
        "platform = \"discord\"\nchannel = \"234567890123456782\"",
        "platform = \"dicsord\"\nchannel = \"234567890123456782\"",
        ("dicsord", None),
        "queues[1].platform",
        "unknown platform `dicsord`: one of local, discord, slack, web",
    );
}

#[test]
fn a_queue_channel_on_discord_must_be_a_channel_id() {
    mistake(
        "channel = \"234567890123456783\"",
        "channel = \"#network\"",
        ("#network", None),
        "queues[2].channel",
        "`#network` is not a Discord channel id: Discord ids are numbers like 234567890123456789 (in Discord: User Settings → Advanced → Developer Mode, then right-click the channel → Copy Channel ID)",
    );
}

#[test]
fn a_queue_on_discord_needs_its_channel() {
    mistake(
        "channel = \"234567890123456781\"\n",
        "",
        ("[[queues]]", None),
        "queues[0].channel",
        "missing field: a queue on Discord needs the id of the channel its cards go to",
    );
}

#[test]
fn a_channel_id_written_as_a_number_is_asked_in_quotes() {
    mistake(
        "channel = \"234567890123456784\"",
        "channel = 234567890123456784",
        ("channel = 234567890123456784", None),
        "queues[3].channel",
        "invalid type: integer `234567890123456784`, expected a string: write ids and names in quotes",
    );
}

#[test]
fn a_support_channel_must_be_a_channel_id() {
    mistake(
        "support_channels = [\"123456789012345678\"]",
        "support_channels = [\"123456789012345678\", \"help-desk\"]",
        ("help-desk", None),
        "discord.support_channels[1]",
        "`help-desk` is not a Discord channel id",
    );
}

#[test]
fn an_agent_on_discord_needs_a_numeric_user_id() {
    let agent =
        "\n[[agents]]\nname = \"dana\"\nrole = \"L3\"\nplatform = \"discord\"\nid = \"@dana\"\n";
    mistake(
        "[[platform_roles]]",
        &format!("{agent}\n[[platform_roles]]"),
        ("id = \"@dana\"", None),
        "agents[0].id",
        "`@dana` is not a Discord user id: Discord ids are numbers like 234567890123456789 (in Discord: User Settings → Advanced → Developer Mode, then right-click the user → Copy User ID)",
    );
    let without_id = "\n[[agents]]\nname = \"dana\"\nrole = \"L3\"\nplatform = \"discord\"\n";
    mistake(
        "[[platform_roles]]",
        &format!("{without_id}\n[[platform_roles]]"),
        ("[[agents]]", None),
        "agents[0].id",
        "missing field: an agent on Discord needs `id`, their Discord user id",
    );
}

#[test]
fn a_discord_role_id_must_be_numeric() {
    mistake(
        "id = \"345678901234567892\"",
        "id = \"Support L3\"",
        ("Support L3", None),
        "platform_roles[1].id",
        "`Support L3` is not a Discord role id: Discord ids are numbers like 234567890123456789 (in Discord: User Settings → Advanced → Developer Mode, then right-click the role → Copy Role ID)",
    );
}

#[test]
fn duplicate_agents_by_name_or_by_identity() {
    let two = "\n[[agents]]\nname = \"dana\"\nrole = \"L2\"\nplatform = \"discord\"\nid = \"456789012345678901\"\n\n[[agents]]\nname = \"dana\"\nrole = \"L3\"\n";
    mistake(
        "[[platform_roles]]",
        &format!("{two}\n[[platform_roles]]"),
        (
            "name = \"dana\"",
            Some("role = \"L2\"\nplatform = \"discord\"\nid = \"456"),
        ),
        "agents[1].name",
        "duplicate agent `dana` (first on line",
    );
    let same_person = "\n[[agents]]\nname = \"dana\"\nrole = \"L2\"\nplatform = \"discord\"\nid = \"456789012345678901\"\n\n[[agents]]\nname = \"dana.admin\"\nrole = \"admin\"\nplatform = \"discord\"\nid = \"456789012345678901\"\n";
    mistake(
        "[[platform_roles]]",
        &format!("{same_person}\n[[platform_roles]]"),
        ("id = \"456789012345678901\"", Some("dana.admin")),
        "agents[1].id",
        "`discord:456789012345678901` is already agent `dana` (line",
    );
}

#[test]
fn duplicate_queues() {
    let first = line_of(&readme_discord_toml(), "id = \"l2-general\"", None);
    mistake(
        "id = \"l2-accounts\"",
        "id = \"l2-general\"",
        (
            "id = \"l2-general\"",
            Some("channel = \"234567890123456781\""),
        ),
        "queues[1].id",
        &format!("duplicate queue `l2-general` (first on line {first})"),
    );
}

#[test]
fn l3_queue_must_be_an_l3_queue() {
    mistake(
        "l3_queue = \"l3-engineering\"",
        "l3_queue = \"l2-general\"",
        ("l3_queue", None),
        "l3_queue",
        "`l2-general` is an L2 queue: escalating to L3 must send tickets to a queue with tier = \"L3\"",
    );
    mistake(
        "l3_queue = \"l3-engineering\"",
        "l3_queue = \"l3-engineeering\"",
        ("l3_queue", None),
        "l3_queue",
        "no queue `l3-engineeering` (queues: l2-general, l2-accounts, l2-network, l2-collaboration, l2-workplace, l2-security, l3-engineering)",
    );
}

#[test]
fn a_queue_tier_is_l2_or_l3() {
    mistake(
        "tier = \"L3\"",
        "tier = \"L1\"",
        ("tier = \"L1\"", None),
        "queues[6].tier",
        "`L1` is not a queue tier: L2 or L3",
    );
}

#[test]
fn routing_names_an_unknown_queue() {
    mistake(
        "queue = \"l2-security\"",
        "queue = \"l2-secuirty\"",
        ("l2-secuirty", None),
        "routing[0].queue",
        "no queue `l2-secuirty` (queues: ",
    );
}

#[test]
fn routing_names_an_unknown_intent() {
    mistake(
        "category = \"security\"",
        "category = \"security\"\nintent = \"securty_incident\"",
        ("securty_incident", None),
        "routing[0].intent",
        "no intent `securty_incident` in pack `it-support`",
    );
}

#[test]
fn routing_names_an_unknown_category() {
    mistake(
        "category = \"security\"",
        "category = \"secrity\"",
        ("secrity", None),
        "routing[0].category",
        "no intent in pack `it-support` has category `secrity` (categories: accounts, billing, conversation, email, general, hardware, network, phishing, privacy, security, software, workplace)",
    );
}

#[test]
fn an_empty_routing_rule_is_refused() {
    // Without intent, category or priority, a rule would take every ticket.
    mistake(
        "priority = \"P1\"\ncategory = \"security\"\n",
        "",
        ("[[routing]]", None),
        "routing[0]",
        "a routing rule needs intent, category or priority: without any it would send every ticket to its queue",
    );
    mistake(
        "category = \"security\"",
        "category = \"\"",
        ("category = \"\"", None),
        "routing[0].category",
        "must not be empty",
    );
}

#[test]
fn every_missing_field_and_queue_is_named_at_once() {
    // The README snippet as it was: [discord], one queue, one role. All that is missing is named
    // in one go, not one start-up at a time.
    let text = "[discord]\nsupport_channels = [\"123456789012345678\"]\n\n[[queues]]\nid = \"l2-general\"\ntier = \"L2\"\nplatform = \"discord\"\nchannel = \"234567890123456789\"\n\n[[platform_roles]]\nplatform = \"discord\"\nid = \"345678901234567890\"\nrole = \"L2\"\n";
    let (err, file) = start_with(text);
    assert!(
        err.starts_with("error: invalid configuration: 6 problems: "),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{file}:0: l3_queue: missing field: the queue \"escalate to L3\" sends tickets to"
        )),
        "{err}"
    );
    for queue in [
        "l2-accounts",
        "l2-collaboration",
        "l2-network",
        "l2-security",
        "l2-workplace",
    ] {
        let want = format!("{file}:0: queues: no queue `{queue}`, where pack `it-support` sends ");
        assert!(err.contains(&want), "{want:?} in:\n{err}");
    }
    // Missing fields of a table are named on the table's line.
    let (err, file) = start_with(&format!(
        "l3_queue = \"l2-general\"\n\n[[queues]]\n{}",
        "platform = \"discord\"\n"
    ));
    for want in [
        format!("{file}:3: queues[0].id: missing field"),
        format!("{file}:3: queues[0].tier: missing field: L2 or L3"),
        format!("{file}:3: queues[0].channel: missing field"),
    ] {
        assert!(err.contains(&want), "{want:?} in:\n{err}");
    }
}

#[test]
fn run_refuses_queues_no_platform_it_serves_would_deliver() {
    // The example configuration with [discord] added: its seven queues have no platform, so
    // their cards would stay in the local outbox. `run` stops before connecting, naming them.
    let tmp = tempfile::tempdir().unwrap();
    let text =
        format!("{DEFAULT_CONFIG}\n[discord]\nsupport_channels = [\"123456789012345678\"]\n");
    let path = tmp.path().join("frontline.toml");
    std::fs::write(&path, &text).unwrap();
    let o = frontline(
        tmp.path(),
        &["run", "--config", "frontline.toml", "--data", "store"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let line = line_of(&text, "[[queues]]", Some("\nl3_queue"));
    let want = format!(
        "error: invalid configuration: frontline.toml:{line}: queues[0].platform: queues l2-general, l2-accounts, l2-network, l2-collaboration, l2-workplace, l2-security, l3-engineering have no platform, so their cards would stay in the local outbox while this process serves discord: set platform = \"discord\" or \"slack\" and the channel id, or write platform = \"local\" to keep a queue for `frontline agent`\n"
    );
    assert_eq!(err, want);
    assert!(!tmp.path().join("store").exists(), "nothing was started");

    // Written local, a queue is an outbox for `frontline agent` and accepted; on a platform this
    // process does not serve, it is refused by name.
    let config = Config::parse(
        &path,
        &text.replacen(
            "id = \"l2-general\"\n",
            "id = \"l2-general\"\nplatform = \"slack\"\nchannel = \"C0GENERAL\"\n",
            1,
        ),
    )
    .unwrap();
    let problems = config.check_served(&[Platform::Discord]).unwrap_err();
    let shown: Vec<String> = problems.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(
        shown[0].contains("queues l2-accounts, l2-network"),
        "{shown:?}"
    );
    assert!(
        shown[1].ends_with(
            "queues[0].platform: queue `l2-general` is on slack, but the configuration has no [slack] section, so its cards would never be posted"
        ),
        "{shown:?}"
    );
    let all_local = text.replace("\ntier = ", "\nplatform = \"local\"\ntier = ");
    let config = Config::parse(&path, &all_local).unwrap();
    assert!(config.check_served(&[Platform::Discord]).is_ok());
}

#[test]
fn the_readme_discord_configuration_is_complete_and_valid() {
    let text = readme_discord_toml();
    let config = Config::parse(Path::new("README.toml"), &text)
        .unwrap_or_else(|e| panic!("the README's Discord configuration: {e}"));
    let pack = Pack::builtin().unwrap();
    config
        .check_against(&pack)
        .unwrap_or_else(|e| panic!("against the default pack: {e}"));
    config
        .check_served(&[Platform::Discord])
        .unwrap_or_else(|e| panic!("frontline run would refuse it: {e}"));
    assert!(config.discord.is_some());
    assert!(
        config
            .queues
            .iter()
            .all(|q| q.platform == Platform::Discord),
        "every queue on Discord"
    );
    let roles: Vec<&str> = config
        .platform_roles
        .iter()
        .map(|r| r.role.as_str())
        .collect();
    assert_eq!(roles, ["L2", "L3", "admin"]);

    // And as an admin checks it.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("frontline.toml"), &text).unwrap();
    let o = frontline(
        tmp.path(),
        &["config", "check", "--config", "frontline.toml"],
        b"",
    );
    assert_ok(&o, "config check");
    let out = stdout(&o);
    assert!(
        out.contains("\n  discord:\n    l2-general        L2  channel 234567890123456781\n"),
        "{out}"
    );
    assert!(!out.contains("  local:"), "{out}");
    assert!(out.ends_with("problems: none\n"), "{out}");
}

/// The first TOML block of the README's "Slack" section.
fn readme_slack_toml() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = &readme[readme.find("\n## Slack\n").expect("a Slack section")..];
    let start = section
        .find("```toml\n")
        .expect("a TOML block in the Slack section")
        + 8;
    let end = start + section[start..].find("\n```").expect("the block ends");
    section[start..end].to_string()
}

#[test]
fn the_readme_slack_configuration_is_valid_and_a_wrong_role_id_is_named() {
    let text = readme_slack_toml();
    let config = Config::parse(Path::new("README.toml"), &text)
        .unwrap_or_else(|e| panic!("the README's Slack configuration: {e}"));
    config
        .check_against(&Pack::builtin().unwrap())
        .unwrap_or_else(|e| panic!("against the default pack: {e}"));
    config
        .check_served(&[Platform::Slack])
        .unwrap_or_else(|e| panic!("frontline run would refuse it: {e}"));
    assert!(config.slack.is_some());
    let ids: Vec<&str> = config
        .platform_roles
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        ids.iter().any(|i| i.starts_with('S')),
        "a user group: {ids:?}"
    );

    // A Discord-style number where a Slack id belongs: the file, line and field are named.
    let group = "id = \"S0614TZR7\"";
    assert!(
        text.contains(group),
        "no user group line in the README block"
    );
    let bad = text.replacen(group, "id = \"123456\"", 1);
    let line = line_of(&bad, "id = \"123456\"", None);
    let (err, file) = start_with(&bad);
    let want =
        format!("{file}:{line}: platform_roles[0].id: `123456` is not a Slack user group id");
    assert!(err.contains(&want), "want {want:?} in:\n{err}");
}

#[test]
fn config_check_shows_the_built_in_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let o = frontline(tmp.path(), &["config", "check"], b"");
    assert_ok(&o, "config check");
    let out = stdout(&o);
    let data = tmp.path().join("xdg/frontline");
    let head = format!(
        "configuration: built in (frontline.example.toml; --config FILE gives another)\n\
         data directory: {} (the default: $XDG_DATA_HOME/frontline, else ~/.local/share/frontline)\n\
         intent pack: `it-support`, 23 intents, built in\n\
         queues:\n  local:\n    l2-general        L2  no platform written: local\n",
        data.display()
    );
    assert!(out.starts_with(&head), "want:\n{head}\ngot:\n{out}");
    for line in [
        "  escalation to L3 (l3_queue): l3-engineering",
        "routing (intent/category/priority -> queue):",
        "  security_incident/security/P1 -> l2-security   (routing[0])",
        "  security_incident/security/P2,P3,P4 -> l2-security",
        "  vpn/network/* -> l2-network",
        "  carol  L3     local:carol",
        "platform roles: none",
        "discord: off (no [discord] section)",
        "slack: off (no [slack] section)",
        "`frontline run` needs [discord] or [slack]; `frontline chat` and `agent` work without",
        "problems: none",
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} in:\n{out}");
    }

    let o = frontline(tmp.path(), &["config", "check", "--json"], b"");
    assert_ok(&o, "config check --json");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    let pack = Pack::builtin().unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);
    assert_eq!(v["pack"]["from"], "built in");
    assert_eq!(v["queues"].as_array().unwrap().len(), 7);
    assert_eq!(v["queues"][0]["platform_written"], false);
    assert_eq!(
        v["routing"].as_array().unwrap().len(),
        pack.intents.len() * 4,
        "one line per intent and priority"
    );
    let p1 = v["routing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["intent"] == "security_incident" && r["priority"] == "P1")
        .unwrap();
    assert_eq!(p1["queue"], "l2-security");
    assert_eq!(p1["rule"], 0);
    assert_eq!(v["agents"][3]["role"], "admin");
}

#[test]
fn config_check_lists_every_problem_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let text = readme_discord_toml()
        .replacen(
            "l3_queue = \"l3-engineering\"",
            "l3_queue = \"l2-general\"",
            1,
        )
        .replacen("platform = \"discord\"", "platform = \"dicsord\"", 1)
        .replacen(
            "channel = \"234567890123456783\"",
            "channel = \"network\"",
            1,
        )
        .replacen("category = \"security\"", "intent = \"nope\"", 1);
    std::fs::write(tmp.path().join("bad.toml"), &text).unwrap();
    let o = frontline(
        tmp.path(),
        &["config", "check", "--config", "bad.toml"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    let want = [
        format!(
            "  bad.toml:{}: l3_queue: `l2-general` is an L2 queue",
            line_of(&text, "l3_queue", None)
        ),
        format!(
            "  bad.toml:{}: queues[0].platform: unknown platform `dicsord`",
            line_of(&text, "dicsord", None)
        ),
        format!(
            "  bad.toml:{}: queues[2].channel: `network` is not a Discord channel id",
            line_of(&text, "\"network\"", None)
        ),
        format!(
            "  bad.toml:{}: routing[0].intent: no intent `nope` in pack `it-support`",
            line_of(&text, "nope", None)
        ),
    ];
    assert!(out.contains("\n4 problems:\n"), "{out}");
    for w in &want {
        assert!(
            out.lines().any(|l| l.starts_with(w.as_str())),
            "{w:?} in:\n{out}"
        );
    }
    // The configuration is still shown, as far as it could be read.
    assert!(out.starts_with("configuration: bad.toml\n"), "{out}");
    assert!(
        out.contains("  escalation to L3 (l3_queue): l2-general\n"),
        "{out}"
    );

    let o = frontline(
        tmp.path(),
        &["config", "check", "--config", "bad.toml", "--json"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], false);
    let fields: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "l3_queue",
            "queues[0].platform",
            "queues[2].channel",
            "routing[0].intent"
        ]
    );

    // A file that is not TOML: the problem, and no configuration to show.
    std::fs::write(tmp.path().join("broken.toml"), "l3_queue = \"x\n").unwrap();
    let o = frontline(
        tmp.path(),
        &["config", "check", "--config", "broken.toml"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with("configuration: broken.toml\n1 problem:\n  broken.toml:1: -: "),
        "{out}"
    );
}

/// Every subcommand, found from `frontline help` down (so commands added later are covered).
fn subcommands(path: &[String], found: &mut Vec<Vec<String>>) {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let o = frontline(Path::new(env!("CARGO_MANIFEST_DIR")), &args, b"");
    assert_ok(&o, &args.join(" "));
    let out = stdout(&o);
    found.push(path.to_vec());
    let Some(commands) = out.split("\nCommands:\n").nth(1) else {
        return;
    };
    for line in commands.lines().take_while(|l| l.starts_with("  ")) {
        let name = line.split_whitespace().next().unwrap();
        if name != "help" {
            let mut p = path.to_vec();
            p.push(name.to_string());
            subcommands(&p, found);
        }
    }
}

#[test]
fn every_help_option_has_a_description() {
    let mut commands = Vec::new();
    subcommands(&[], &mut commands);
    assert!(commands.len() > 15, "{commands:?}");
    let mut undescribed = Vec::new();
    for path in &commands {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = stdout(&frontline(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &args,
            b"",
        ));
        let lines: Vec<&str> = out.lines().collect();
        let mut in_section = false;
        for (i, line) in lines.iter().enumerate() {
            if !line.is_empty() && !line.starts_with(' ') {
                in_section = *line == "Options:" || *line == "Arguments:";
                continue;
            }
            let t = line.trim_start();
            let indent = line.len() - t.len();
            let is_entry = in_section && indent <= 6 && t.starts_with(['-', '<', '[']);
            if !is_entry {
                continue;
            }
            // `--flag <V>  description`, or the description on the next, deeper line.
            let same_line = t
                .split_once("  ")
                .is_some_and(|(_, d)| !d.trim().is_empty());
            let next_line = lines.get(i + 1).is_some_and(|n| {
                let nt = n.trim_start();
                !nt.is_empty() && n.len() - nt.len() > indent
            });
            if !same_line && !next_line {
                undescribed.push(format!("frontline {}: {t}", path.join(" ")));
            }
        }
    }
    assert!(
        undescribed.is_empty(),
        "without a description:\n{}",
        undescribed.join("\n")
    );
}

#[test]
fn a_top_level_setting_under_a_section_is_pointed_out() {
    // TOML reads `l3_queue` after `[[queues]]` as the queue's field; the admin meant the file's.
    let text =
        "[[queues]]\nid = \"l3-engineering\"\ntier = \"L3\"\nl3_queue = \"l3-engineering\"\n";
    let (err, file) = start_with(text);
    let want = format!(
        "error: invalid configuration: {file}:4: queues[0].l3_queue: unknown field `l3_queue`, expected one of `id`, `tier`, `platform`, `channel`, `calendar`, `on_duty`: top-level settings go before the first [section] (this line is inside [[queues]])\n"
    );
    assert_eq!(err, want);
}
