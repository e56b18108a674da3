//! The local platform adapter: `frontline chat` (a terminal conversation as an end user) and
//! `frontline agent` (a terminal for an agent), both on the embedded store. It performs the desk's
//! actions: what is addressed to the terminal's own person is printed; what is addressed to someone
//! else waits in their outbox until they next open a terminal. The store is opened per line, so a
//! chat and an agent terminal can take turns on one data directory.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::desk::card::fmt_time;
use crate::desk::{Action, Card, Desk, Event, parse_agent_command};
use crate::store::{Filter, SledStore};
use crate::tickets::{UserRef, now_ms};
use crate::triage::Triage;

/// How long a terminal waits for another process to release the store.
const STORE_PATIENCE: Duration = Duration::from_secs(30);

pub struct Local {
    pub triage: Arc<Triage>,
    pub config: Config,
    pub data_dir: PathBuf,
}

impl Local {
    fn desk(&self) -> Result<Desk> {
        let store = SledStore::open_waiting(&self.data_dir, STORE_PATIENCE)
            .with_context(|| format!("opening the store in {}", self.data_dir.display()))?;
        Ok(Desk::new(
            self.triage.clone(),
            self.config.clone(),
            Arc::new(store),
        ))
    }

    /// Performs actions; returns the lines for the terminal's own person.
    pub fn perform(&self, desk: &Desk, me: &UserRef, actions: Vec<Action>) -> Result<Vec<String>> {
        let mut mine = Vec::new();
        for a in actions {
            match a {
                Action::Reply { to, text, .. } | Action::Notify { to, text } => {
                    if &to == me {
                        mine.push(text);
                    } else if to.platform == "local" {
                        desk.store().push_outbox(&to.key(), &text)?;
                    } else {
                        eprintln!(
                            "note: cannot deliver to {} on {} from the local terminal",
                            to.name, to.platform
                        );
                    }
                }
                // Local queues are the store's index: `frontline agent` lists them.
                Action::PostCard { .. } | Action::UpdateCard { .. } => {}
            }
        }
        Ok(mine)
    }

    /// A scripted or interactive end-user conversation on stdin/stdout.
    pub fn chat(&self, user: &str, input: impl BufRead, mut out: impl Write) -> Result<()> {
        let me = UserRef::local(user);
        writeln!(
            out,
            "frontline chat as {user}: describe your IT problem (Ctrl-D to leave)."
        )?;
        {
            let desk = self.desk()?;
            for m in desk.store().take_outbox(&me.key())? {
                writeln!(out, "bot: {m}")?;
            }
        }
        for line in lossy_lines(input) {
            let line = line?;
            let desk = self.desk()?;
            for m in desk.store().take_outbox(&me.key())? {
                writeln!(out, "bot: {m}")?;
            }
            let actions = desk.handle(
                Event::UserMessage {
                    user: me.clone(),
                    channel: "dm".into(),
                    text: line,
                },
                now_ms(),
            )?;
            for m in self.perform(&desk, &me, actions)? {
                writeln!(out, "bot: {m}")?;
            }
            out.flush()?;
        }
        Ok(())
    }

    /// The agent terminal.
    pub fn agent(&self, name: &str, input: impl BufRead, mut out: impl Write) -> Result<()> {
        let me = UserRef::local(name);
        let role = self.config.agent(&me).map(|a| format!("{:?}", a.role));
        writeln!(
            out,
            "frontline agent as {name} ({}). Commands: queues, list [QUEUE], show ID, inbox, claim ID, unclaim ID, reply ID TEXT, ask ID TEXT, escalate ID NOTE, transfer ID @AGENT|QUEUE, resolve ID MINUTES NOTE, log ID MINUTES, reopen ID, quit",
            role.as_deref()
                .unwrap_or("not an agent: actions will be refused")
        )?;
        for line in lossy_lines(input) {
            let line = line?;
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if line == "quit" || line == "exit" {
                break;
            }
            let desk = self.desk()?;
            let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            match verb {
                "queues" => {
                    for q in &self.config.queues {
                        let open = desk.store().list(&Filter {
                            open: true,
                            queue: Some(q.id.clone()),
                            ..Filter::default()
                        })?;
                        writeln!(out, "{} ({:?}): {} open", q.id, q.tier, open.len())?;
                    }
                }
                "list" => {
                    let queue = (!rest.trim().is_empty()).then(|| rest.trim().to_string());
                    let tickets = desk.store().list(&Filter {
                        open: true,
                        queue,
                        ..Filter::default()
                    })?;
                    if tickets.is_empty() {
                        writeln!(out, "no open tickets")?;
                    }
                    for t in tickets {
                        writeln!(
                            out,
                            "{} {} {} {} {} {}",
                            t.id,
                            t.priority,
                            t.status.as_str(),
                            t.queue,
                            t.assignee.as_deref().unwrap_or("-"),
                            t.subject
                        )?;
                    }
                }
                "show" => match desk.store().ticket(rest.trim())? {
                    Some(t) => {
                        write!(out, "{}", Card::of(&t).render_text())?;
                        for e in desk.store().events(&t.id)? {
                            writeln!(out, "  {} {:?} {:?}", fmt_time(e.at_ms), e.actor, e.change)?;
                        }
                    }
                    None => writeln!(out, "Ticket {} not found.", rest.trim())?,
                },
                "inbox" => {
                    for m in desk.store().take_outbox(&me.key())? {
                        writeln!(out, "{m}")?;
                    }
                }
                "help" => writeln!(out, "see the first line for the commands")?,
                _ => match parse_agent_command(line) {
                    Ok(command) => {
                        let actions = desk.handle(
                            Event::Agent {
                                by: me.clone(),
                                command,
                            },
                            now_ms(),
                        )?;
                        for m in self.perform(&desk, &me, actions)? {
                            writeln!(out, "{m}")?;
                        }
                    }
                    Err(e) => writeln!(out, "{e}")?,
                },
            }
            out.flush()?;
        }
        Ok(())
    }
}

/// Lines of `input`; bytes that are not UTF-8 become U+FFFD instead of ending the session.
fn lossy_lines(mut input: impl BufRead) -> impl Iterator<Item = Result<String>> {
    std::iter::from_fn(move || {
        let mut buf = Vec::new();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => None,
            Ok(_) => {
                while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buf.pop();
                }
                Some(Ok(String::from_utf8_lossy(&buf).into_owned()))
            }
            Err(e) => Some(Err(anyhow::Error::new(e).context("reading stdin"))),
        }
    })
}

/// The default data directory: `$XDG_DATA_HOME/frontline`, else `~/.local/share/frontline`, else
/// `./frontline-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(d).join("frontline");
    }
    if let Some(h) = std::env::var_os("HOME") {
        return PathBuf::from(h).join(".local/share/frontline");
    }
    PathBuf::from("frontline-data")
}

/// Helper for `tickets` commands: the store opened, waiting for other processes.
pub fn open_store(dir: &std::path::Path) -> Result<SledStore> {
    SledStore::open_waiting(dir, STORE_PATIENCE)
        .with_context(|| format!("opening the store in {}", dir.display()))
}
