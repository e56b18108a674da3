//! The client side of the control socket: a command run in the `frontline run` that holds the
//! store, relayed to this process's stdio.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use super::frame::{Frame, INPUT_CHUNK, PROTOCOL, invalid};

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
