//! The server side of the control socket, in `frontline run`: a thread per connection runs the
//! client's command on the shared store with the client's stdio as frames.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{self, BufRead, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::frame::{Frame, INPUT_CHUNK, PROTOCOL, invalid};
use super::{Io, MAX_SOCKET_PATH, SOCKET, socket_path};
use crate::platform::local::StoreSource;
use crate::store::SledStore;

/// Output is sent in frames of up to this much (and at every read of input and at the end).
const OUTPUT_CHUNK: usize = 64 * 1024;
/// A connection must say hello within this long.
const HELLO_PATIENCE: Duration = Duration::from_secs(10);
/// Commands the server runs at once; more connections are told to try again.
const MAX_SESSIONS: usize = 64;
/// At shutdown, how long the server waits for commands under way to finish.
const STOP_PATIENCE: Duration = Duration::from_secs(10);

/// Runs one command for a client: the argument list (program name first) with the client's
/// stdio and the server's store in `io`; returns the exit code. `main` provides it (it knows the
/// commands); the server refuses nothing itself but garbage.
pub type Handler = Arc<dyn Fn(Vec<OsString>, &mut Io<'_>) -> i32 + Send + Sync>;

/// The listening control socket of a running process; removed when stopped or dropped.
pub struct Server {
    path: PathBuf,
    shared: Arc<Shared>,
    accept: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    stopping: AtomicBool,
    sessions: Mutex<Sessions>,
    /// Signalled when a session ends (a std condvar: sessions are threads, nothing async).
    ended: Condvar,
}

#[derive(Default)]
struct Sessions {
    next: u64,
    /// A handle on each connection under way, to end its input at shutdown.
    open: HashMap<u64, UnixStream>,
}

impl Server {
    /// Opens `DATA/control.sock` for `store`, which this process holds (so any socket file there
    /// is a dead process's and is replaced). Commands run on their own threads via `handler`.
    pub fn start(data_dir: &Path, store: Arc<SledStore>, handler: Handler) -> Result<Server> {
        let path = socket_path(data_dir);
        if path.as_os_str().len() > MAX_SOCKET_PATH {
            bail!(
                "the control socket {} would be longer than the {MAX_SOCKET_PATH} bytes a Unix socket path may have: use a shorter data directory (--data)",
                path.display()
            );
        }
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_socket() => std::fs::remove_file(&path)
                .with_context(|| format!("removing the stale control socket {}", path.display()))?,
            Ok(_) => bail!(
                "{} exists and is not a socket: move it away so `frontline run` can open its control socket there",
                path.display()
            ),
            Err(_) => {}
        }
        let listener = bind_private(data_dir, &path)?;
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            sessions: Mutex::new(Sessions::default()),
            ended: Condvar::new(),
        });
        let accept = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("control".into())
                .spawn(move || accept_loop(listener, shared, store, handler))
                .context("starting the control socket's thread")?
        };
        tracing::debug!("control socket at {}", path.display());
        Ok(Server {
            path,
            shared,
            accept: Some(accept),
        })
    }

    /// Where the socket is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops taking connections and removes the socket; commands under way are told the process
    /// is stopping when they next read input, and are waited for (up to 10 s), so the store can
    /// be flushed after them.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop with a connection of our own; it sees `stopping` and returns.
        if UnixStream::connect(&self.path).is_ok() {
            let _ = accept.join();
        }
        let _ = std::fs::remove_file(&self.path);
        let mut sessions = self
            .shared
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for stream in sessions.open.values() {
            let _ = stream.shutdown(std::net::Shutdown::Read);
        }
        let deadline = Instant::now() + STOP_PATIENCE;
        while !sessions.open.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::warn!(
                    "{} control socket command(s) still running at shutdown",
                    sessions.open.len()
                );
                break;
            }
            sessions = self
                .shared
                .ended
                .wait_timeout(sessions, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shut();
    }
}

/// Binds the socket in a fresh owner-only directory, makes it owner-only and moves it into
/// place: no other user can connect in the moment between binding and `chmod`, whatever the
/// umask. The listener stays bound to the socket across the rename.
fn bind_private(data_dir: &Path, path: &Path) -> Result<UnixListener> {
    use std::os::unix::fs::DirBuilderExt;
    let private = data_dir.join(format!(".control.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&private);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&private)
        .with_context(|| format!("creating {}", private.display()))?;
    let bound = (|| -> Result<UnixListener> {
        let temp = private.join(SOCKET);
        let listener = UnixListener::bind(&temp)
            .with_context(|| format!("opening the control socket {}", temp.display()))?;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("making {} owner-only", temp.display()))?;
        std::fs::rename(&temp, path)
            .with_context(|| format!("moving the control socket to {}", path.display()))?;
        Ok(listener)
    })();
    let _ = std::fs::remove_dir_all(&private);
    bound
}

fn accept_loop(
    listener: UnixListener,
    shared: Arc<Shared>,
    store: Arc<SledStore>,
    handler: Handler,
) {
    for conn in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let stream = match conn {
            Ok(s) => s,
            Err(e) => {
                // Out of file descriptors, most likely: wait a little rather than spin.
                tracing::warn!("control socket: {e}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let id = {
            let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
            if sessions.open.len() >= MAX_SESSIONS {
                drop(sessions);
                refuse(
                    stream,
                    "error: too many commands are running in the frontline process; try again in a moment",
                );
                continue;
            }
            let Ok(handle) = stream.try_clone() else {
                continue;
            };
            sessions.next += 1;
            let id = sessions.next;
            sessions.open.insert(id, handle);
            id
        };
        let (mine, store, handler) = (shared.clone(), store.clone(), handler.clone());
        let spawned = std::thread::Builder::new()
            .name("control-session".into())
            .spawn(move || {
                session(stream, &mine, store, &handler);
                let mut sessions = mine.sessions.lock().unwrap_or_else(|p| p.into_inner());
                sessions.open.remove(&id);
                mine.ended.notify_all();
            });
        if spawned.is_err() {
            let mut sessions = shared.sessions.lock().unwrap_or_else(|p| p.into_inner());
            sessions.open.remove(&id);
        }
    }
}

/// Tells a client why it is not served, and hangs up.
fn refuse(mut stream: UnixStream, sentence: &str) {
    let _ = stream.set_write_timeout(Some(HELLO_PATIENCE));
    let _ = Frame::Stderr(format!("{sentence}\n").into_bytes()).write_to(&mut stream);
    let _ = Frame::Exit(1).write_to(&mut stream);
}

/// One connection: hello, the command, its exit code.
fn session(stream: UnixStream, shared: &Arc<Shared>, store: Arc<SledStore>, handler: &Handler) {
    if !same_user(&stream) {
        tracing::warn!("control socket: a connection from another user was refused");
        return refuse(
            stream,
            "error: this frontline process belongs to another user",
        );
    }
    let _ = stream.set_read_timeout(Some(HELLO_PATIENCE));
    let mut reader = match stream.try_clone() {
        Ok(s) => io::BufReader::new(s),
        Err(_) => return,
    };
    let (argv, cwd) = match Frame::read_from(&mut reader) {
        Ok(Some(Frame::Hello {
            protocol: PROTOCOL,
            argv,
            cwd,
        })) => (argv, cwd),
        Ok(Some(Frame::Hello { protocol, .. })) => {
            return refuse(
                stream,
                &format!(
                    "error: the running frontline process speaks control protocol {PROTOCOL}, this command {protocol}: use the same frontline version, or stop the running process"
                ),
            );
        }
        // A probe (`frontline run` checking for a live process) or a client that gave up.
        Ok(None) => return,
        Ok(Some(_)) | Err(_) => {
            tracing::warn!("control socket: a connection sent no valid hello");
            return refuse(stream, "error: malformed control request");
        }
    };
    let _ = stream.set_read_timeout(None);
    let what = argv
        .iter()
        .skip(1)
        .take(2)
        .map(|a| crate::platform::terminal::line(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ");
    let wire = Arc::new(Mutex::new(Wire {
        stream,
        pending: Vec::new(),
        broken: false,
    }));
    let mut out = SessionOut(wire.clone());
    let mut err = SessionErr(wire.clone());
    let mut input = SessionIn {
        wire: wire.clone(),
        reader,
        buf: Vec::new(),
        pos: 0,
        over: false,
        shared: shared.clone(),
    };
    let mut io = Io {
        out: &mut out,
        err: &mut err,
        input: &mut input,
        cwd: Some(cwd),
        store: StoreSource::Shared(store),
    };
    let started = Instant::now();
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(argv, &mut io)));
    let code = ran.unwrap_or_else(|_| {
        let _ = writeln!(
            io.err,
            "error: the command failed inside the running frontline process (see its log)"
        );
        101
    });
    tracing::info!(
        "control socket: `{what}` exited {code} after {} ms",
        started.elapsed().as_millis()
    );
    let mut wire = wire.lock().unwrap_or_else(|p| p.into_inner());
    let _ = wire
        .flush_out()
        .and_then(|()| wire.send(&Frame::Exit(code)));
}

/// Whether the peer runs as this process's user (Linux `SO_PEERCRED`; elsewhere the socket's
/// owner-only permissions are the check).
#[cfg(target_os = "linux")]
fn same_user(stream: &UnixStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes of the sizes given, and the descriptor is
    // the open socket `stream` owns for the duration of the call.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    // SAFETY: geteuid has no preconditions.
    rc == 0 && cred.uid == unsafe { libc::geteuid() }
}

#[cfg(not(target_os = "linux"))]
fn same_user(_stream: &UnixStream) -> bool {
    true
}

/// The connection's write side, shared by the command's stdout, stderr and input (which flushes
/// output before it asks for more); a std mutex held only for one frame's write.
struct Wire {
    stream: UnixStream,
    /// Stdout not yet sent.
    pending: Vec<u8>,
    /// A write failed: the client is gone, later writes fail at once.
    broken: bool,
}

impl Wire {
    fn send(&mut self, frame: &Frame) -> io::Result<()> {
        if self.broken {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let sent = frame.write_to(&mut self.stream);
        if sent.is_err() {
            self.broken = true;
        }
        sent
    }

    fn flush_out(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.pending);
        for chunk in bytes.chunks(OUTPUT_CHUNK) {
            self.send(&Frame::Stdout(chunk.to_vec()))?;
        }
        Ok(())
    }
}

fn lock(wire: &Mutex<Wire>) -> std::sync::MutexGuard<'_, Wire> {
    wire.lock().unwrap_or_else(|p| p.into_inner())
}

/// The command's stdout: buffered, sent at every 64 KiB, at flush, before stderr and input.
struct SessionOut(Arc<Mutex<Wire>>);

impl Write for SessionOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut wire = lock(&self.0);
        if wire.broken {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        wire.pending.extend_from_slice(buf);
        if wire.pending.len() >= OUTPUT_CHUNK {
            wire.flush_out()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        lock(&self.0).flush_out()
    }
}

/// The command's stderr: unbuffered, after the stdout written before it.
struct SessionErr(Arc<Mutex<Wire>>);

impl Write for SessionErr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut wire = lock(&self.0);
        wire.flush_out()?;
        let buf = &buf[..buf.len().min(OUTPUT_CHUNK)];
        wire.send(&Frame::Stderr(buf.to_vec()))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The command's stdin: asks the client for a chunk whenever what it sent is used up.
struct SessionIn {
    wire: Arc<Mutex<Wire>>,
    reader: io::BufReader<UnixStream>,
    buf: Vec<u8>,
    pos: usize,
    over: bool,
    shared: Arc<Shared>,
}

impl SessionIn {
    fn gone(&self) -> io::Error {
        if self.shared.stopping.load(Ordering::SeqCst) {
            io::Error::other(
                "frontline run is stopping; run the command again when it has stopped or restarted",
            )
        } else {
            io::Error::new(io::ErrorKind::ConnectionAborted, "the client went away")
        }
    }
}

impl Read for SessionIn {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for SessionIn {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos < self.buf.len() || self.over {
            return Ok(&self.buf[self.pos..]);
        }
        if self.shared.stopping.load(Ordering::SeqCst) {
            return Err(self.gone());
        }
        {
            let mut wire = lock(&self.wire);
            wire.flush_out()?;
            wire.send(&Frame::Read(INPUT_CHUNK))?;
        }
        match Frame::read_from(&mut self.reader) {
            Ok(Some(Frame::Input(bytes))) if bytes.len() <= INPUT_CHUNK as usize => {
                self.over = bytes.is_empty();
                self.buf = bytes;
                self.pos = 0;
                Ok(&self.buf)
            }
            Ok(None) => Err(self.gone()),
            Err(e) if e.kind() != io::ErrorKind::InvalidData => Err(self.gone()),
            Ok(Some(_)) | Err(_) => Err(invalid("malformed input from the client")),
        }
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}
