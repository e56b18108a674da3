//! `frontline run` as a child process of a test: its own configuration and data directory, its
//! stdout and stderr collected line by line while it runs, killed if the test drops it.

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// How long a bot may take to do what a test waits for (exit, a log line); past it the test
/// fails with what the bot printed.
pub(crate) const LIMIT: Duration = Duration::from_secs(60);

pub(crate) struct BotProcess {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    readers: Vec<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

fn collect(
    pipe: impl AsyncRead + Unpin + Send + 'static,
) -> (Arc<Mutex<Vec<String>>>, tokio::task::JoinHandle<()>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let into = lines.clone();
    let task = tokio::spawn(async move {
        let mut reader = BufReader::new(pipe).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            into.lock().unwrap().push(line);
        }
    });
    (lines, task)
}

impl BotProcess {
    /// Starts `frontline run` with `config` (TOML text) and `DISCORD_TOKEN=token`, `RUST_LOG`
    /// unset so the defaults apply, stdin closed and both outputs piped (not terminals).
    pub(crate) fn start(config: &str, token: &str, args: &[&str]) -> BotProcess {
        let dir = tempfile::tempdir().expect("temporary directory");
        let config_path = dir.path().join("frontline.toml");
        std::fs::write(&config_path, config).expect("write the configuration");
        let mut command = Command::new(env!("CARGO_BIN_EXE_frontline"));
        command
            .arg("run")
            .arg("--config")
            .arg(&config_path)
            .arg("--data")
            .arg(dir.path().join("data"))
            .args(args)
            .env("DISCORD_TOKEN", token);
        BotProcess::spawn(command, dir)
    }

    /// Starts `command` (which runs the bot; `dir` is its temporary directory, removed with this)
    /// as [`BotProcess::start`] does: `RUST_LOG` unset, stdin closed, both outputs collected.
    pub(crate) fn spawn(mut command: Command, dir: tempfile::TempDir) -> BotProcess {
        let mut child = command
            .env_remove("RUST_LOG")
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("frontline run starts");
        let (stdout, out_task) = collect(child.stdout.take().expect("piped stdout"));
        let (stderr, err_task) = collect(child.stderr.take().expect("piped stderr"));
        BotProcess {
            child,
            stdout,
            stderr,
            readers: vec![out_task, err_task],
            _dir: dir,
        }
    }

    pub(crate) fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    pub(crate) fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// Everything printed so far, for failure messages.
    pub(crate) fn output(&self) -> String {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            self.stdout().join("\n"),
            self.stderr().join("\n")
        )
    }

    /// Waits for the process to exit (killing it and failing after [`LIMIT`]), then for its
    /// output to be read to the end.
    pub(crate) async fn exit(&mut self) -> ExitStatus {
        let status = match tokio::time::timeout(LIMIT, self.child.wait()).await {
            Ok(status) => status.expect("wait for frontline run"),
            Err(_) => {
                let _ = self.child.kill().await;
                panic!(
                    "frontline run did not exit within {LIMIT:?}; it printed:\n{}",
                    self.output()
                );
            }
        };
        for r in self.readers.drain(..) {
            let _ = r.await;
        }
        status
    }

    /// Waits for a stderr line that satisfies `what`.
    pub(crate) async fn line(&mut self, what: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            if let Some(l) = self.stderr().into_iter().find(|l| what(l)) {
                return l;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "frontline run exited ({status}) before the line the test waits for:\n{}",
                    self.output()
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "frontline run did not print the line the test waits for within {LIMIT:?}:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the bot as Ctrl-C does and waits for it to exit.
    pub(crate) async fn interrupt(&mut self) -> ExitStatus {
        let pid = self.child.id().expect("a running bot has a pid");
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .expect("kill -INT runs");
        assert!(sent.success(), "SIGINT to the bot");
        self.exit().await
    }
}

/// Whether `s` holds an ANSI escape sequence (a colour code, for one).
pub(crate) fn has_escape(s: &str) -> bool {
    s.contains('\u{1b}') || s.contains('\u{9b}')
}
