//! The local platform adapter: `frontline chat` (a terminal conversation as an end user) and
//! `frontline agent` (a terminal for an agent), both on the embedded store. Each line is one desk
//! turn; of the outbox entries it commits, what is addressed to the terminal's own person is
//! printed and recorded as delivered, local cards need no delivery (the agent terminal lists
//! queues from the store), and everything else waits in the outbox: for another local person
//! until they next open a terminal, for Discord until a `frontline run` serves it. Offline, the
//! store is opened per line, so a chat and an agent terminal can take turns on one data directory;
//! beside a running `frontline run` the terminals run inside it through its control socket
//! ([`super::control`]) and use its store ([`StoreSource::Shared`]).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use super::terminal;
use crate::config::Config;
use crate::desk::action::Outcome;
use crate::desk::card::{CardContext, list_line};
use crate::desk::{Action, Card, Desk, Event, Incoming, OutboxEntry, parse_agent_command};
use crate::store::{Filter, OutboxFilter, SledStore, StoreError};
use crate::tickets::{Platform, UserRef, now_ms};
use crate::triage::Triage;

/// How long a terminal waits for another process to release the store.
pub const STORE_PATIENCE: Duration = Duration::from_secs(30);
/// How often a waiting terminal tries the store again.
const STORE_RETRY: Duration = Duration::from_millis(20);

/// Where a command's store comes from.
#[derive(Clone)]
pub enum StoreSource {
    /// A store this process holds: the running `frontline run`'s, which the commands of its
    /// control socket share, or one a one-shot command opened before it started.
    Shared(Arc<SledStore>),
    /// Opened from the data directory at each use and closed after it, waiting while another
    /// process holds it: the offline terminals, so a chat and an agent terminal take turns.
    PerUse,
}

impl StoreSource {
    /// The store, opened from `data_dir` when it is not held already.
    pub fn get(&self, data_dir: &Path) -> Result<Arc<SledStore>> {
        match self {
            StoreSource::Shared(store) => Ok(store.clone()),
            StoreSource::PerUse => Ok(Arc::new(open_store(data_dir)?)),
        }
    }
}

/// The store stayed held by another process for all of [`STORE_PATIENCE`]: a sentence for the
/// user instead of the operating system's lock error.
#[derive(Debug, thiserror::Error)]
pub struct StoreBusy {
    pub dir: PathBuf,
    /// The process holding the store's lock, when the system says (Linux `/proc/locks`).
    pub pid: Option<u32>,
    /// A `frontline run` answers on the control socket now (it started while we waited).
    pub running: bool,
}

impl std::fmt::Display for StoreBusy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pid = self.pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
        if self.running {
            write!(
                f,
                "the store in {} is now held by a running `frontline run`{pid}; run the command again to go through it",
                self.dir.display()
            )
        } else {
            write!(
                f,
                "the store in {} is in use by another frontline process{pid}; try again when it has finished, or stop it",
                self.dir.display()
            )
        }
    }
}

impl StoreBusy {
    pub fn of(dir: &Path) -> StoreBusy {
        StoreBusy {
            dir: dir.to_path_buf(),
            pid: lock_holder(dir),
            running: super::control::connect(dir).is_some(),
        }
    }
}

/// Whether opening the store failed because another process holds its lock.
pub fn is_locked(e: &StoreError) -> bool {
    matches!(e, StoreError::Locked { .. })
}

/// The process holding the flock sled takes on `DIR/db`, from `/proc/locks` (Linux; `None`
/// elsewhere or when the line is not found).
fn lock_holder(dir: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let ino = std::fs::metadata(dir.join("db")).ok()?.ino();
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    locks.lines().find_map(|l| {
        // `1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF`; a waiter has `->` after the id.
        let fields: Vec<&str> = l.split_whitespace().filter(|f| *f != "->").collect();
        let (kind, pid, file) = (fields.get(1)?, fields.get(4)?, fields.get(5)?);
        let file_ino: u64 = file.rsplit(':').next()?.parse().ok()?;
        (*kind == "FLOCK" && file_ino == ino)
            .then(|| pid.parse().ok())
            .flatten()
    })
}

pub struct Local {
    pub triage: Arc<Triage>,
    pub config: Config,
    pub data_dir: PathBuf,
    pub store: StoreSource,
}

impl Local {
    fn desk(&self) -> Result<Desk> {
        Ok(Desk::new(
            self.triage.clone(),
            self.config.clone(),
            self.store()?,
        ))
    }

    /// The store the terminal works on.
    pub fn store(&self) -> Result<Arc<SledStore>> {
        self.store.get(&self.data_dir)
    }

    /// The desk for one line, or `None` when the store stayed busy: the person is told their
    /// line was not sent, so they can type it again (nothing they typed is lost silently).
    fn desk_for_line(&self, err: &mut impl Write) -> Result<Option<Desk>> {
        match self.desk() {
            Ok(desk) => Ok(Some(desk)),
            Err(e) => match e.downcast_ref::<StoreBusy>() {
                Some(busy) => {
                    writeln!(err, "{busy}. Your line was not sent: type it again.")?;
                    err.flush()?;
                    Ok(None)
                }
                None => Err(e),
            },
        }
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
                Action::Reply { to, text, .. }
                | Action::Notify { to, text, .. }
                | Action::AskApproval { to, text, .. }
                    if to.same_person(me) =>
                {
                    mine.push(text.clone());
                    // A terminal shows no image: it says what it was and how to make it.
                    if let Some(a) = e.action.attachment() {
                        mine.push(format!(
                            "(with a chart, {}: {} KB; frontline report --charts DIR draws it as a file)",
                            a.title,
                            a.bytes.len().div_ceil(1024)
                        ));
                    }
                    true
                }
                // Terminals have no page of the app: `status` says the same.
                Action::ShowTickets { to, .. } => to.same_person(me),
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

    /// What a turn posted in channels (security tips), as `platform:channel: text` lines; posts
    /// in local channels are printed here and recorded delivered, the rest wait for the
    /// `frontline run` that serves their platform.
    pub fn posted(&self, desk: &Desk, entries: &[OutboxEntry]) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        let mut recorded = false;
        for e in entries {
            if let Action::Post {
                platform,
                channel,
                text,
                ..
            } = &e.action
            {
                if *platform == Platform::Local {
                    desk.store()
                        .record_delivery(e.id, &Outcome::Delivered, now_ms())?;
                    recorded = true;
                    lines.push(format!("posted in {platform}:{channel}: {text}"));
                } else {
                    lines.push(format!(
                        "to post in {platform}:{channel} (by frontline run): {text}"
                    ));
                }
            }
        }
        if recorded {
            desk.store().flush()?;
        }
        Ok(lines)
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

    /// Takes what automation rules posted in local channels (`notify` with `platform = "local"`):
    /// an agent's `inbox` shows them, once.
    pub fn channel_posts(&self, desk: &Desk) -> Result<Vec<(String, String)>> {
        let waiting = desk.store().outbox(&OutboxFilter {
            pending: true,
            platform: Some(Platform::Local),
            recipient: None,
            limit: None,
        })?;
        let mut posts = Vec::new();
        for e in waiting {
            if let Action::Post { channel, text, .. } = &e.action {
                desk.store()
                    .record_delivery(e.id, &Outcome::Delivered, now_ms())?;
                posts.push((channel.clone(), text.clone()));
            }
        }
        if !posts.is_empty() {
            desk.store().flush()?;
        }
        Ok(posts)
    }

    /// One turn from this terminal: commits it and returns what is for the terminal's person.
    fn turn(&self, desk: &Desk, me: &UserRef, event: Event) -> Result<Vec<String>> {
        let processed = desk.process(Incoming::plain(event), now_ms())?;
        let said = self.deliver(desk, me, processed.outbox())?;
        // An erasure the person asked for: finished once its confirmation was shown.
        if let crate::desk::Processed::Committed(c) = &processed {
            for key in &c.erased {
                desk.store().finish_erasure(key)?;
            }
        }
        Ok(said)
    }

    /// A scripted or interactive end-user conversation on stdin/stdout.
    /// Drops what the bot was waiting on in `user`'s conversation (`chat --new`).
    pub fn start_fresh(&self, user: &str) -> Result<()> {
        let me = UserRef::local(user);
        let desk = self.desk()?;
        self.turn(&desk, &me, Event::StartFresh { user: me.clone() })?;
        Ok(())
    }

    pub fn chat(
        &self,
        user: &str,
        input: impl BufRead,
        mut out: impl Write,
        mut err: impl Write,
    ) -> Result<()> {
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
            let Some(desk) = self.desk_for_line(&mut err)? else {
                continue;
            };
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
    pub fn agent(
        &self,
        name: &str,
        input: impl BufRead,
        mut out: impl Write,
        mut err: impl Write,
    ) -> Result<()> {
        let me = UserRef::local(name);
        let role = self.config.agent(&me).map(|a| format!("{:?}", a.role));
        writeln!(
            out,
            "frontline agent as {} ({}). Commands: queues, list [QUEUE], show ID, inbox, claim ID, unclaim ID, reply ID TEXT, ask ID TEXT, escalate ID NOTE, transfer ID @AGENT|QUEUE, resolve ID MINUTES NOTE, log ID MINUTES, reopen ID, note ID TEXT (internal), approve ID, deny ID REASON, vendor ID VENDOR NOTE, vendor-ref ID CASE, vendor-reply ID TEXT, visit ID WHEN [remote | at PLACE] [by TECHNICIAN], visit ID cancel [REASON], stats [PERIOD], quit",
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
            let Some(desk) = self.desk_for_line(&mut err)? else {
                continue;
            };
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
                        let mut cx =
                            CardContext::gather(desk.store().as_ref(), desk.triage().pack(), &t)?;
                        cx.clocks = desk.config().clocks(&t, now_ms());
                        cx.vendors_next = desk.config().vendors_next(t.tier);
                        cx.contract = desk.contract_card_line(&t, now_ms());
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
                    for (channel, m) in self.channel_posts(&desk)? {
                        writeln!(
                            out,
                            "[#{}] {}",
                            terminal::line(&channel),
                            terminal::message(&m, AGENT_INDENT)
                        )?;
                    }
                }
                "stats" => {
                    let said = self.turn(
                        &desk,
                        &me,
                        Event::Stats {
                            by: me.clone(),
                            roles: vec![],
                            period: rest.trim().to_string(),
                        },
                    )?;
                    for m in said {
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

/// The most of one input line a terminal keeps; the rest of a longer line is skipped. Far above
/// what the desk reads of a message (it cuts at 4,096 bytes), so only the memory a line can take
/// changes: a terminal running inside `frontline run` must not let one endless line exhaust it.
pub const MAX_LINE: usize = 1 << 20;

/// Lines of `input`; bytes that are not UTF-8 become U+FFFD instead of ending the session.
fn lossy_lines(mut input: impl BufRead) -> impl Iterator<Item = Result<String>> {
    std::iter::from_fn(move || match read_line_capped(&mut input, MAX_LINE) {
        Ok(None) => None,
        Ok(Some(mut buf)) => {
            while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buf.pop();
            }
            Some(Ok(String::from_utf8_lossy(&buf).into_owned()))
        }
        Err(e) => Some(Err(anyhow::Error::new(e).context("reading stdin"))),
    })
}

/// One line with its newline, at most `cap` bytes of it kept; `None` at the end of input.
fn read_line_capped(input: &mut impl BufRead, cap: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let mut any = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(any.then_some(line));
        }
        any = true;
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let keep = chunk.len().min(cap.saturating_sub(line.len()));
        line.extend_from_slice(&chunk[..keep]);
        let used = chunk.len();
        input.consume(used);
        if done {
            return Ok(Some(line));
        }
    }
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

/// The store opened, waiting up to [`STORE_PATIENCE`] while another process holds it; then
/// [`StoreBusy`], a sentence naming the directory and what to do.
pub fn open_store(dir: &Path) -> Result<SledStore> {
    open_store_with(dir, SledStore::open)
}

/// [`open_store`] for filling the store in one go ([`SledStore::open_bulk`]: `frontline demo`).
pub fn open_store_bulk(dir: &Path) -> Result<SledStore> {
    open_store_with(dir, SledStore::open_bulk)
}

fn open_store_with(
    dir: &Path,
    open: fn(&Path) -> Result<SledStore, StoreError>,
) -> Result<SledStore> {
    let started = Instant::now();
    loop {
        match open(dir) {
            Ok(store) => return Ok(store),
            Err(e) if is_locked(&e) => {
                if started.elapsed() >= STORE_PATIENCE {
                    return Err(StoreBusy::of(dir).into());
                }
                std::thread::sleep(STORE_RETRY);
            }
            Err(e) => {
                return Err(anyhow::Error::new(e))
                    .with_context(|| format!("opening the store in {}", dir.display()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], cap: usize) -> Vec<Vec<u8>> {
        let mut r = std::io::BufReader::with_capacity(4, input);
        std::iter::from_fn(|| read_line_capped(&mut r, cap).unwrap()).collect()
    }

    #[test]
    fn lines_keep_their_newline_and_the_last_may_lack_one() {
        assert_eq!(
            lines(b"ab\ncd\n\nef", 100),
            [&b"ab\n"[..], b"cd\n", b"\n", b"ef"]
        );
        assert!(lines(b"", 100).is_empty());
    }

    #[test]
    fn a_line_longer_than_the_cap_keeps_its_start_and_the_next_line_is_whole() {
        assert_eq!(lines(b"0123456789\nnext\n", 6), [&b"012345"[..], b"next\n"]);
    }

    #[test]
    fn a_busy_store_is_one_sentence_naming_the_directory() {
        let busy = StoreBusy {
            dir: PathBuf::from("/srv/frontline"),
            pid: Some(4242),
            running: false,
        };
        assert_eq!(
            busy.to_string(),
            "the store in /srv/frontline is in use by another frontline process (pid 4242); try again when it has finished, or stop it"
        );
    }
}
