//! The control socket of `frontline run`: a Unix socket in the data directory (`control.sock`,
//! owner-only) through which the terminal commands (`tickets`, `chat`, `agent`, `outbox`,
//! `events`, and the admin commands after them) run inside the process that holds the store, as
//! sled lets one process open it at a time. A client sends its argument list and working
//! directory; the server runs the very same command code, on a thread of its own, with the
//! running process's store, sends back what the command writes to stdout and stderr, asks for
//! stdin only when the command reads it (so a command that reads no input consumes none of the
//! client's), and ends with the exit code. Output, exit code and input are the same as offline.
//!
//! The wire is in [`frame`], the client in [`client`] (what `frontline tickets ...` does when a
//! bot answers), the server in [`server`] (what `frontline run` does). A command whose client went
//! away stops at its next read or write; each turn it made is one store transaction, so the store
//! is left as after any turn.
//!
//! Who may connect: the socket is created owner-only inside a private directory and then moved
//! into place, and the server checks that the peer runs as the same user (Linux). A connection
//! can only run the commands that `frontline` offers that user offline, on the store that user
//! can open offline.

mod client;
mod frame;
mod server;

pub use client::run_remote;
pub use frame::{Frame, INPUT_CHUNK, MAX_FRAME, PROTOCOL};
pub use server::{Handler, Server};

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};

use super::local::{self, StoreBusy, StoreSource};
use crate::store::SledStore;

/// The socket's name in the data directory.
pub const SOCKET: &str = "control.sock";
/// The longest socket path a Unix socket address holds (`sun_path` less its NUL).
const MAX_SOCKET_PATH: usize = 107;

/// The control socket of a data directory.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET)
}

/// What a command reads and writes and where its store comes from: the process's own stdio and
/// a store opened from the data directory when it runs offline; the client's stdio (as frames)
/// and the running process's store when it runs for a client of the control socket.
pub struct Io<'a> {
    pub out: &'a mut (dyn Write + Send),
    pub err: &'a mut (dyn Write + Send),
    pub input: &'a mut dyn BufRead,
    /// The working directory relative paths in the arguments are meant from: `None` for this
    /// process's own, the client's when the command runs for one (see [`Io::path`]).
    pub cwd: Option<PathBuf>,
    pub store: StoreSource,
}

impl Io<'_> {
    /// A path from the arguments as the user meant it: relative paths are taken from the
    /// client's working directory when the command runs for one. Print the path as the user gave
    /// it; use this one to open files.
    pub fn path(&self, p: &Path) -> PathBuf {
        match &self.cwd {
            Some(cwd) if p.is_relative() => cwd.join(p),
            _ => p.to_path_buf(),
        }
    }
}

/// A connection to the `frontline run` serving `data_dir`, if one answers on its socket. A file
/// left by a process that died refuses the connection: `None`, and the caller opens the store.
pub fn connect(data_dir: &Path) -> Option<UnixStream> {
    let path = socket_path(data_dir);
    if path.as_os_str().len() > MAX_SOCKET_PATH {
        return None;
    }
    UnixStream::connect(path).ok()
}

/// Where a one-shot command runs: in the `frontline run` that holds the store, or here on the
/// store this process opened.
pub enum Reached {
    Running(UnixStream),
    Opened(Arc<SledStore>),
}

/// The running process on `data_dir`'s control socket, else the store opened here. While another
/// process holds the store without answering on the socket (an offline command taking its turn,
/// or a `frontline run` about to open its socket), tries both again until
/// [`local::STORE_PATIENCE`] has passed, then gives up with [`StoreBusy`].
pub fn reach(data_dir: &Path) -> Result<Reached> {
    let started = Instant::now();
    loop {
        if let Some(stream) = connect(data_dir) {
            return Ok(Reached::Running(stream));
        }
        match SledStore::open(data_dir) {
            Ok(store) => return Ok(Reached::Opened(Arc::new(store))),
            Err(e) if local::is_locked(&e) => {
                if started.elapsed() >= local::STORE_PATIENCE {
                    return Err(StoreBusy::of(data_dir).into());
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => {
                return Err(anyhow::Error::new(e))
                    .with_context(|| format!("opening the store in {}", data_dir.display()));
            }
        }
    }
}

/// The triage engine for the pack in `dir`: built once per process and shared while the pack's
/// files are unchanged, so `frontline run` and the commands it serves on its control socket use
/// one engine (one takes ~20 MB and a few hundred ms to build). A pack whose files changed (size
/// or modification time) is built again, as a new process would.
pub fn shared_engine(
    dir: &Path,
    build: impl FnOnce() -> Result<crate::triage::Triage>,
) -> Result<Arc<crate::triage::Triage>> {
    type Engines = HashMap<PathBuf, (u64, Arc<crate::triage::Triage>)>;
    static ENGINES: std::sync::OnceLock<Mutex<Engines>> = std::sync::OnceLock::new();
    let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let print = fingerprint(&key);
    // Held while building: two commands on one pack build it once (a std mutex, no async here).
    let mut engines = ENGINES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some((p, engine)) = engines.get(&key)
        && *p == print
    {
        return Ok(engine.clone());
    }
    let engine = Arc::new(build()?);
    engines.insert(key, (print, engine.clone()));
    Ok(engine)
}

/// The names, sizes and modification times of the files under `dir`, hashed.
fn fingerprint(dir: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    fn walk(dir: &Path, files: &mut Vec<(PathBuf, u64, Option<std::time::SystemTime>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let Ok(meta) = e.metadata() else { continue };
            if meta.is_dir() {
                walk(&e.path(), files);
            } else {
                files.push((e.path(), meta.len(), meta.modified().ok()));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut h);
    h.finish()
}

/// A `frontline run` already serving `data_dir` (its socket answers): the sentence to stop with.
pub fn refuse_second_run(data_dir: &Path) -> Result<()> {
    if connect(data_dir).is_some() {
        return Err(anyhow!(
            "another frontline run is serving {} (its control socket {} answers): stop it first",
            data_dir.display(),
            socket_path(data_dir).display()
        ));
    }
    Ok(())
}
