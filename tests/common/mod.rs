//! Helpers shared by the integration tests: the default-pack engine and running the built binary.
#![allow(dead_code)] // each test crate uses its own subset

pub mod desk;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use frontline::pack::Pack;
use frontline::triage::Triage;

pub fn default_pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("intents")
}

/// The engine over the default pack, built once per test binary.
pub fn engine() -> &'static Triage {
    static ENGINE: OnceLock<Triage> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let pack = Pack::load(&default_pack()).unwrap_or_else(|e| panic!("default pack: {e}"));
        Triage::new(pack).expect("default pack compiles")
    })
}

/// Starts the built binary in `cwd` with `args`, stdin piped, backtraces off as a user runs it.
pub fn spawn(cwd: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run frontline")
}

/// Runs the built binary in `cwd` with `args` and `stdin`.
pub fn run_in(cwd: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = spawn(cwd, args);
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

pub fn run(args: &[&str], stdin: &[u8]) -> Output {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, stdin)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn assert_ok(o: &Output, what: &str) {
    let (status, err) = (o.status, stderr(o));
    assert!(status.success(), "{what}: {status}\nstderr: {err}");
}

/// Writes `text` to `name` in `dir` and returns the path as a string, for arguments.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}
