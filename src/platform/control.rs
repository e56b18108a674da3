//! The control socket of `frontline run`: a Unix socket in the data directory (`control.sock`,
//! owner-only) through which the terminal commands (`tickets`, `chat`, `agent`, `outbox`,
//! `events`, and the admin commands after them) run inside the process that holds the store, as
//! sled lets one process open it at a time. A client sends its argument list and working
//! directory; the server runs the very same command code, on a thread of its own, with the
//! running process's store, sends back what the command writes to stdout and stderr, asks for
//! stdin only when the command reads it (so a command that reads no input consumes none of the
//! client's), and ends with the exit code. Output, exit code and input are the same as offline.
//!
//! The wire, both ways: frames of a one-byte tag, a four-byte big-endian length and that many
//! bytes (at most [`MAX_FRAME`]). The client sends `H` (hello: protocol, argv, cwd) first, then
//! only `I` (input; empty at the end of stdin) in answer to the server's `R` (read, with the most
//! bytes wanted). The server sends `O` (stdout), `E` (stderr), `R`, and `X` (exit code) last.
//! Anything else ends the connection; a command whose client went away stops at its next read or
//! write. Each turn it made is one store transaction, so the store is left as after any turn.
//!
//! Who may connect: the socket is created owner-only inside a private directory and then moved
//! into place, and the server checks that the peer runs as the same user (Linux). A connection
//! can only run the commands that `frontline` offers that user offline, on the store that user
//! can open offline.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{self, BufRead, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use super::local::{self, StoreBusy, StoreSource};
use crate::store::SledStore;

/// The socket's name in the data directory.
pub const SOCKET: &str = "control.sock";
/// Bumped when the frames change; a client and server of different versions refuse each other
/// with a sentence instead of misreading.
pub const PROTOCOL: u32 = 1;
/// The largest frame either side accepts (argument lists, output and input chunks are smaller).
pub const MAX_FRAME: usize = 1 << 20;
/// How much stdin the server asks for at a time.
const INPUT_CHUNK: u32 = 64 * 1024;
/// Output is sent in frames of up to this much (and at every read of input and at the end).
const OUTPUT_CHUNK: usize = 64 * 1024;
/// A connection must say hello within this long.
const HELLO_PATIENCE: Duration = Duration::from_secs(10);
/// Commands the server runs at once; more connections are told to try again.
const MAX_SESSIONS: usize = 64;
/// At shutdown, how long the server waits for commands under way to finish.
const STOP_PATIENCE: Duration = Duration::from_secs(10);
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

/// One frame of the wire (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Client → server, first and once: the protocol, the argument list (with the program name)
    /// and the working directory.
    Hello {
        protocol: u32,
        argv: Vec<OsString>,
        cwd: PathBuf,
    },
    /// Client → server, in answer to [`Frame::Read`]: bytes of stdin; empty at its end.
    Input(Vec<u8>),
    /// Server → client: bytes the command wrote to stdout.
    Stdout(Vec<u8>),
    /// Server → client: bytes the command wrote to stderr.
    Stderr(Vec<u8>),
    /// Server → client: the command reads stdin; send at most this many bytes.
    Read(u32),
    /// Server → client, last: the command's exit code.
    Exit(i32),
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

impl Frame {
    /// The frame as it goes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let (tag, payload): (u8, std::borrow::Cow<[u8]>) = match self {
            Frame::Hello {
                protocol,
                argv,
                cwd,
            } => {
                let mut p = Vec::new();
                p.extend_from_slice(&protocol.to_be_bytes());
                p.extend_from_slice(&(argv.len() as u32).to_be_bytes());
                for a in argv {
                    put_bytes(&mut p, a.as_bytes());
                }
                put_bytes(&mut p, cwd.as_os_str().as_bytes());
                (b'H', p.into())
            }
            Frame::Input(b) => (b'I', b.as_slice().into()),
            Frame::Stdout(b) => (b'O', b.as_slice().into()),
            Frame::Stderr(b) => (b'E', b.as_slice().into()),
            Frame::Read(n) => (b'R', n.to_be_bytes().to_vec().into()),
            Frame::Exit(c) => (b'X', c.to_be_bytes().to_vec().into()),
        };
        let mut out = Vec::with_capacity(5 + payload.len());
        out.push(tag);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Writes the frame; one that would exceed [`MAX_FRAME`] is refused (callers split output).
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        let bytes = self.encode();
        if bytes.len() - 5 > MAX_FRAME {
            return Err(invalid("frame too large"));
        }
        w.write_all(&bytes)?;
        w.flush()
    }

    /// Reads one frame; `None` when the peer closed the connection between frames. A length
    /// over [`MAX_FRAME`], an unknown tag or a malformed payload is `InvalidData`, read no
    /// further (nothing is allocated for a claimed length before it is checked).
    pub fn read_from(r: &mut impl Read) -> io::Result<Option<Frame>> {
        let mut header = [0u8; 5];
        let mut got = 0;
        while got < header.len() {
            match r.read(&mut header[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        if len > MAX_FRAME {
            return Err(invalid("frame too large"));
        }
        if !b"HIOERX".contains(&header[0]) {
            return Err(invalid("unknown frame"));
        }
        let mut payload = vec![0u8; len];
        r.read_exact(&mut payload)?;
        Frame::decode(header[0], payload).map(Some)
    }

    fn decode(tag: u8, payload: Vec<u8>) -> io::Result<Frame> {
        let four = |p: &[u8]| -> io::Result<[u8; 4]> {
            p.try_into().map_err(|_| invalid("malformed frame"))
        };
        Ok(match tag {
            b'H' => {
                let mut p = payload.as_slice();
                let protocol = take_u32(&mut p)?;
                let argc = take_u32(&mut p)? as usize;
                // Each argument takes at least its four-byte length.
                if argc > p.len() / 4 {
                    return Err(invalid("malformed hello"));
                }
                let mut argv = Vec::with_capacity(argc);
                for _ in 0..argc {
                    argv.push(OsString::from_vec(take_bytes(&mut p)?.to_vec()));
                }
                let cwd = PathBuf::from(OsString::from_vec(take_bytes(&mut p)?.to_vec()));
                if !p.is_empty() {
                    return Err(invalid("malformed hello"));
                }
                Frame::Hello {
                    protocol,
                    argv,
                    cwd,
                }
            }
            b'I' => Frame::Input(payload),
            b'O' => Frame::Stdout(payload),
            b'E' => Frame::Stderr(payload),
            b'R' => Frame::Read(u32::from_be_bytes(four(&payload)?)),
            b'X' => Frame::Exit(i32::from_be_bytes(four(&payload)?)),
            _ => return Err(invalid("unknown frame")),
        })
    }
}

fn put_bytes(p: &mut Vec<u8>, b: &[u8]) {
    p.extend_from_slice(&(b.len() as u32).to_be_bytes());
    p.extend_from_slice(b);
}

fn take_u32(p: &mut &[u8]) -> io::Result<u32> {
    let (head, rest) = p
        .split_first_chunk::<4>()
        .ok_or_else(|| invalid("malformed hello"))?;
    *p = rest;
    Ok(u32::from_be_bytes(*head))
}

fn take_bytes<'a>(p: &mut &'a [u8]) -> io::Result<&'a [u8]> {
    let len = take_u32(p)? as usize;
    if len > p.len() {
        return Err(invalid("malformed hello"));
    }
    let (bytes, rest) = p.split_at(len);
    *p = rest;
    Ok(bytes)
}

// ---------------------------------------------------------------------------------------------
// The client side.

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

/// What the client's two helper threads report to it.
enum Event {
    Frame(Frame),
    /// The server closed the connection (cleanly between frames, or not).
    Closed(Option<io::Error>),
    /// Bytes read from stdin in answer to a `Read`; empty at its end.
    Input(Vec<u8>),
}

/// Runs the command `argv` in the process behind `stream` and relays it: its stdout and stderr
/// to `out` and `err`, `input` to it when (and only when) it reads. Returns its exit code. A
/// connection that ends before the exit code is reported on `err` as one sentence (exit 1).
pub fn run_remote(
    stream: UnixStream,
    argv: &[OsString],
    cwd: &Path,
    input: impl Read + Send + 'static,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    match relay(stream, argv, cwd, input, out, err) {
        Ok(code) => code,
        // Our own reader went away (`frontline tickets list | head`): as offline, not an error.
        Err(Relay::Local(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(Relay::Local(e)) => {
            let _ = writeln!(err, "error: {e}");
            1
        }
        Err(Relay::Server(e)) => {
            tracing::debug!("control socket: {e}");
            let _ = writeln!(
                err,
                "error: the running frontline process ended the command before it finished; see its log, and run the command again"
            );
            1
        }
    }
}

/// Why relaying stopped: writing our own output, or the connection to the server.
enum Relay {
    Local(io::Error),
    Server(io::Error),
}

fn relay(
    stream: UnixStream,
    argv: &[OsString],
    cwd: &Path,
    mut input: impl Read + Send + 'static,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32, Relay> {
    let mut writer = stream.try_clone().map_err(Relay::Server)?;
    Frame::Hello {
        protocol: PROTOCOL,
        argv: argv.to_vec(),
        cwd: cwd.to_path_buf(),
    }
    .write_to(&mut writer)
    .map_err(Relay::Server)?;
    let (tx, events) = std::sync::mpsc::channel::<Event>();
    // Frames are read on a thread of their own so that the server's exit can arrive while stdin
    // is being waited for (the server stopping while a person is typing).
    let frames = tx.clone();
    let mut reader = io::BufReader::new(stream);
    std::thread::spawn(move || {
        loop {
            match Frame::read_from(&mut reader) {
                Ok(Some(f)) => {
                    if frames.send(Event::Frame(f)).is_err() {
                        return;
                    }
                }
                Ok(None) => return drop(frames.send(Event::Closed(None))),
                Err(e) => return drop(frames.send(Event::Closed(Some(e)))),
            }
        }
    });
    // Stdin is read only when the command asks for it, one read at a time: a terminal gives a
    // line as it is typed, and a script's stdin is not consumed by a command that reads none.
    let (want, wanted) = std::sync::mpsc::channel::<usize>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; INPUT_CHUNK as usize];
        while let Ok(n) = wanted.recv() {
            let n = n.clamp(1, buf.len());
            let got = loop {
                match input.read(&mut buf[..n]) {
                    Ok(k) => break buf[..k].to_vec(),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // A stdin that cannot be read ends like one that is over.
                    Err(_) => break Vec::new(),
                }
            };
            if tx.send(Event::Input(got)).is_err() {
                return;
            }
        }
    });
    let mut input_over = false;
    for event in events {
        match event {
            Event::Frame(Frame::Stdout(b)) => {
                out.write_all(&b)
                    .and_then(|()| out.flush())
                    .map_err(Relay::Local)?;
            }
            Event::Frame(Frame::Stderr(b)) => {
                err.write_all(&b)
                    .and_then(|()| err.flush())
                    .map_err(Relay::Local)?;
            }
            Event::Frame(Frame::Read(n)) => {
                if input_over {
                    // The server may have finished meanwhile: its exit is still to be read.
                    let _ = Frame::Input(Vec::new()).write_to(&mut writer);
                } else {
                    let _ = want.send(n as usize);
                }
            }
            Event::Frame(Frame::Exit(code)) => return Ok(code),
            Event::Frame(_) => {
                return Err(Relay::Server(invalid("unexpected frame from the server")));
            }
            Event::Input(bytes) => {
                input_over = bytes.is_empty();
                let _ = Frame::Input(bytes).write_to(&mut writer);
            }
            Event::Closed(None) => return Err(Relay::Server(io::ErrorKind::UnexpectedEof.into())),
            Event::Closed(Some(e)) => return Err(Relay::Server(e)),
        }
    }
    Err(Relay::Server(io::ErrorKind::UnexpectedEof.into()))
}

// ---------------------------------------------------------------------------------------------
// The server side.

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
        tracing::info!("control socket at {}", path.display());
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
        .map(|a| super::terminal::line(&a.to_string_lossy()))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(f: Frame) {
        let bytes = f.encode();
        let back = Frame::read_from(&mut bytes.as_slice()).unwrap();
        assert_eq!(back, Some(f));
    }

    #[test]
    fn every_frame_reads_back_as_written() {
        round_trip(Frame::Hello {
            protocol: PROTOCOL,
            argv: vec![
                "frontline".into(),
                "tickets".into(),
                "list".into(),
                "".into(),
            ],
            cwd: "/home/jan/zażółć".into(),
        });
        round_trip(Frame::Hello {
            protocol: 7,
            argv: vec![OsString::from_vec(vec![0xff, 0xfe, b'x'])],
            cwd: "".into(),
        });
        round_trip(Frame::Input(b"my laptop\n".to_vec()));
        round_trip(Frame::Input(Vec::new()));
        round_trip(Frame::Stdout(vec![0; 70_000]));
        round_trip(Frame::Stderr(b"error: x\n".to_vec()));
        round_trip(Frame::Read(INPUT_CHUNK));
        round_trip(Frame::Exit(-3));
    }

    #[test]
    fn a_closed_connection_between_frames_is_the_end_and_inside_one_an_error() {
        assert_eq!(Frame::read_from(&mut &b""[..]).unwrap(), None);
        let bytes = Frame::Stdout(b"hello".to_vec()).encode();
        for cut in 1..bytes.len() {
            let e = Frame::read_from(&mut &bytes[..cut]).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}");
        }
    }

    #[test]
    fn garbage_is_refused_without_allocating_what_it_claims() {
        let check = |bytes: &[u8]| {
            let e = Frame::read_from(&mut &bytes[..]).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{bytes:?}");
        };
        // A length of 4 GiB, and one just over the limit.
        check(&[b'O', 0xff, 0xff, 0xff, 0xff]);
        check(&[b'O', 0, 0x10, 0, 1]);
        check(b"GET / HTTP/1.1\r\n\r\n");
        check(&[b'X', 0, 0, 0, 3, 1, 2, 3]);
        check(&[b'R', 0, 0, 0, 0]);
        // A hello whose argument count or lengths run past its end.
        check(&[b'H', 0, 0, 0, 8, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
        check(&[b'H', 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9]);
        // Trailing bytes after the working directory.
        let mut hello = Frame::Hello {
            protocol: 1,
            argv: vec![],
            cwd: "/".into(),
        }
        .encode();
        hello.push(0);
        let len = (hello.len() - 5) as u32;
        hello[1..5].copy_from_slice(&len.to_be_bytes());
        check(&hello);
    }

    #[test]
    fn an_oversized_frame_is_not_written() {
        let e = Frame::Stdout(vec![0; MAX_FRAME + 1])
            .write_to(&mut Vec::new())
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}
