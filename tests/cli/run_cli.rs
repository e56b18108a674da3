//! `frontline run` start-up errors: what a person setting up the bot sees when something is missing.

use std::process::Command;

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_frontline"));
    cmd.arg("run")
        .args(args)
        .arg("--data")
        .arg(data.path())
        .env_remove("DISCORD_TOKEN")
        .env_remove("RUST_BACKTRACE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn discord_config() -> tempfile::NamedTempFile {
    // Every queue written local: `run` refuses queues left without a platform (tests/cli/setup.rs).
    let text = frontline::config::DEFAULT_CONFIG
        .replace("\ntier = ", "\nplatform = \"local\"\ntier = ")
        + "\n[discord]\nsupport_channels = [\"1\"]\napi_base = \"http://127.0.0.1:9\"\n";
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), text).unwrap();
    f
}

#[test]
fn without_a_platform_section_run_says_what_to_add() {
    let (code, err) = run(&[], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no [discord], [slack], [automations.webhooks] or [smtp] section"),
        "{err}"
    );
}

#[test]
fn without_a_token_run_says_where_it_comes_from() {
    let cfg = discord_config();
    let (code, err) = run(&["--config", cfg.path().to_str().unwrap()], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("DISCORD_TOKEN is not set"), "{err}");
}

#[test]
fn an_empty_token_is_refused_before_connecting() {
    let cfg = discord_config();
    let (code, err) = run(
        &["--config", cfg.path().to_str().unwrap()],
        &[("DISCORD_TOKEN", "  ")],
    );
    assert_eq!(code, 1);
    assert!(err.contains("DISCORD_TOKEN is empty"), "{err}");
}

#[test]
fn a_bad_shard_count_is_refused() {
    let cfg = discord_config();
    let (code, err) = run(
        &["--config", cfg.path().to_str().unwrap(), "--shards", "zero"],
        &[("DISCORD_TOKEN", "x")],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("--shards must be `auto` or a positive number"),
        "{err}"
    );
}
