//! The local platform adapter: `frontline chat` (a terminal conversation as an end user) and
//! `frontline agent` (a terminal for an agent), both on the embedded store. Each line is one desk
//! turn; of the outbox entries it commits, what is addressed to the terminal's own person is
//! printed and recorded as delivered, local cards need no delivery (the agent terminal lists
//! queues from the store), and everything else waits in the outbox: for another local person
//! until they next open a terminal, for Discord until a `frontline run` serves it. The store is
//! opened per line, so a chat and an agent terminal can take turns on one data directory.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use super::terminal;
use crate::config::Config;
use crate::desk::action::Outcome;
use crate::desk::card::{CardContext, list_line};
use crate::desk::{Action, Card, Desk, Event, Incoming, OutboxEntry, parse_agent_command};
use crate::store::{Filter, OutboxFilter, SledStore};
use crate::tickets::{Platform, UserRef, now_ms};
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

    /// Delivers a turn's local entries: returns the texts for the terminal's own person (recorded
    /// as delivered); local cards are done; the rest stays pending for whoever serves it.
    pub fn deliver(
        &self,
        desk: &Desk,
        me: &UserRef,
        entries: &[OutboxEntry],
    ) -> Result<Vec<String>> {
        let mut mine = Vec::new();
        let mut recorded = false;
        for e in entries {
            let done = match &e.action {
                Action::Reply { to, text, .. } | Action::Notify { to, text, .. }
                    if to.same_person(me) =>
                {
                    mine.push(text.clone());
                    true
                }
                // Local queues are the store's index: `frontline agent` lists them.
                Action::PostCard { platform, .. }
                | Action::UpdateCard { platform, .. }
                | Action::OpenAgentThread { platform, .. } => *platform == Platform::Local,
                _ => false,
            };
            if done {
                desk.store()
                    .record_delivery(e.id, &Outcome::Delivered, now_ms())?;
                recorded = true;
            }
        }
        if recorded {
            desk.store().flush()?;
        }
        Ok(mine)
    }

    /// Takes what waits in the outbox for `me` (replies given while their terminal was closed).
    pub fn inbox(&self, desk: &Desk, me: &UserRef) -> Result<Vec<String>> {
        let waiting = desk.store().outbox(&OutboxFilter {
            pending: true,
            platform: Some(me.platform),
            recipient: Some(me.key()),
            limit: None,
        })?;
        self.deliver(desk, me, &waiting)
    }

    /// One turn from this terminal: commits it and returns what is for the terminal's person.
    fn turn(&self, desk: &Desk, me: &UserRef, event: Event) -> Result<Vec<String>> {
        let processed = desk.process(Incoming::plain(event), now_ms())?;
        self.deliver(desk, me, processed.outbox())
    }

    /// A scripted or interactive end-user conversation on stdin/stdout.
    /// Drops what the bot was waiting on in `user`'s conversation (`chat --new`).
    pub fn start_fresh(&self, user: &str) -> Result<()> {
        let me = UserRef::local(user);
        let desk = self.desk()?;
        self.turn(&desk, &me, Event::StartFresh { user: me.clone() })?;
        Ok(())
    }

    pub fn chat(&self, user: &str, input: impl BufRead, mut out: impl Write) -> Result<()> {
        let me = UserRef::local(user);
        writeln!(
            out,
            "frontline chat as {}: describe your IT problem (Ctrl-D to leave).",
            terminal::line(user)
        )?;
        {
            let desk = self.desk()?;
            for m in self.inbox(&desk, &me)? {
                writeln!(out, "bot: {}", terminal::message(&m, BOT_INDENT))?;
            }
        }
        for line in lossy_lines(input) {
            let line = line?;
            let desk = self.desk()?;
            for m in self.inbox(&desk, &me)? {
                writeln!(out, "bot: {}", terminal::message(&m, BOT_INDENT))?;
            }
            let said = self.turn(
                &desk,
                &me,
                Event::UserMessage {
                    user: me.clone(),
                    text: line,
                },
            )?;
            for m in said {
                writeln!(out, "bot: {}", terminal::message(&m, BOT_INDENT))?;
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
            "frontline agent as {} ({}). Commands: queues, list [QUEUE], show ID, inbox, claim ID, unclaim ID, reply ID TEXT, ask ID TEXT, escalate ID NOTE, transfer ID @AGENT|QUEUE, resolve ID MINUTES NOTE, log ID MINUTES, reopen ID, note ID TEXT (internal), quit",
            terminal::line(name),
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
                    let now = now_ms();
                    for t in tickets {
                        writeln!(out, "{}", list_line(&t, now))?;
                    }
                }
                "show" => match desk.store().ticket(rest.trim())? {
                    Some(t) => {
                        let cx =
                            CardContext::gather(desk.store().as_ref(), desk.triage().pack(), &t)?;
                        let events = desk.store().events(&t.id)?;
                        write!(
                            out,
                            "{}",
                            Card::of(&t, &cx).render_with_events(&events, now_ms())
                        )?;
                    }
                    None => writeln!(out, "Ticket {} not found.", terminal::line(rest.trim()))?,
                },
                "inbox" => {
                    for m in self.inbox(&desk, &me)? {
                        writeln!(out, "{}", terminal::message(&m, AGENT_INDENT))?;
                    }
                }
                "help" => writeln!(out, "see the first line for the commands")?,
                _ => match parse_agent_command(line) {
                    Ok(command) => {
                        let said = self.turn(
                            &desk,
                            &me,
                            Event::Agent {
                                by: me.clone(),
                                roles: vec![],
                                command,
                            },
                        )?;
                        for m in said {
                            writeln!(out, "{}", terminal::message(&m, AGENT_INDENT))?;
                        }
                    }
                    Err(e) => writeln!(out, "{}", terminal::line(&e))?,
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

/// The chat terminal's bot messages continue under their text, as wide as `bot: `.
const BOT_INDENT: &str = "     ";
/// The agent terminal prints messages without a prefix; continuation lines are indented.
const AGENT_INDENT: &str = "  ";

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
