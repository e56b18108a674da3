//! `frontline triage` over a stream: stdin lines decided on every core and written in input order,
//! one output line per input line, byte for byte what deciding them one after another prints.
//!
//! The calling thread reads stdin in chunks of whole lines (whatever one `read` returns, up to
//! [`CHUNK_BYTES`], so a line typed by hand is decided at once rather than waiting for a full chunk);
//! worker threads decide a chunk and serialise its decisions into one buffer; a writer thread writes
//! the buffers in chunk order. Each chunk carries its own one-shot channel for its output, and the
//! writer receives those channels in input order from a bounded queue, so order needs no reordering
//! table and at most [`IN_FLIGHT_PER_WORKER`] chunks per worker are held in memory.

use std::io::{self, Read, Write};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

use crate::triage::{Decision, Triage};

/// Bytes of input read at most at once; one chunk is a few hundred to a thousand messages.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Chunks read ahead of the writer, per worker: enough to keep every worker busy.
pub const IN_FLIGHT_PER_WORKER: usize = 4;

/// One chunk's output, or the error serialising it.
type ChunkOutput = io::Result<Vec<u8>>;

/// A chunk of input lines with the sender its output goes to.
type Work = (Vec<u8>, SyncSender<ChunkOutput>);

/// Writes one decision as `frontline triage` prints it: the JSON contract on one line, or the
/// two-line human-readable form.
pub fn write_decision(out: &mut impl Write, d: &Decision, json: bool) -> io::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, d)?;
        out.write_all(b"\n")
    } else {
        let faq: Vec<&str> = d.faq.iter().map(|f| f.id.as_str()).collect();
        writeln!(
            out,
            "{} ({:.2}) {} {} [{}] faq: {}\n  why: {}",
            d.intent,
            d.confidence,
            serde_json::to_value(d.action)?.as_str().unwrap_or("?"),
            d.priority
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into()),
            d.language,
            if faq.is_empty() {
                "-".to_string()
            } else {
                faq.join(", ")
            },
            crate::platform::terminal::line(&d.why)
        )
    }
}

/// Decides every line of a chunk (whole lines, the last one possibly without its newline) and
/// returns their output. A line is what `read_until(b'\n')` returns, read as UTF-8 with invalid
/// bytes replaced, without its trailing `\n`/`\r`s.
fn decide_chunk(engine: &Triage, chunk: &[u8], json: bool) -> ChunkOutput {
    let mut out = Vec::with_capacity(chunk.len() * 16);
    for line in chunk.split_inclusive(|&b| b == b'\n') {
        // Invalid UTF-8 is classified as what it can be read as, not refused.
        let text = String::from_utf8_lossy(line);
        let decision = engine.decide(text.trim_end_matches(['\n', '\r']));
        write_decision(&mut out, &decision, json)?;
    }
    Ok(out)
}

/// Reads `input` into chunks of whole lines and hands each, with the sender of its output, to the
/// workers and the receiver to the writer, in input order. Stops early when the writer has gone.
fn read_chunks(
    mut input: impl Read,
    work: Sender<Work>,
    order: SyncSender<Receiver<ChunkOutput>>,
) -> io::Result<()> {
    let dispatch = |chunk: Vec<u8>| -> bool {
        let (tx, rx) = mpsc::sync_channel(1);
        // The writer gone (its error is reported by the caller) or the workers gone: stop reading.
        order.send(rx).is_ok() && work.send((chunk, tx)).is_ok()
    };
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let mut chunk = std::mem::take(&mut pending);
        let start = chunk.len();
        chunk.resize(start + CHUNK_BYTES, 0);
        let n = loop {
            match input.read(&mut chunk[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        chunk.truncate(start + n);
        if n == 0 {
            // End of input: a last line without its newline is still a line.
            if !chunk.is_empty() {
                dispatch(chunk);
            }
            return Ok(());
        }
        match chunk[start..].iter().rposition(|&b| b == b'\n') {
            Some(i) => {
                pending = chunk.split_off(start + i + 1);
                if !dispatch(chunk) {
                    return Ok(());
                }
            }
            // No line ends in what was read: keep reading the same line.
            None => pending = chunk,
        }
    }
}

/// Classifies each line of `input` on `workers` threads and writes the decisions to `output` in
/// input order. The first I/O error wins: a write error (a reader that went away) stops the reading.
pub fn run(
    engine: &Triage,
    input: impl Read,
    output: impl Write + Send,
    json: bool,
    workers: usize,
) -> io::Result<()> {
    let workers = workers.max(1);
    let (work_tx, work_rx) = mpsc::channel::<Work>();
    // A std receiver is not shared; the workers take turns at it (held only to take one chunk).
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (order_tx, order_rx) =
        mpsc::sync_channel::<Receiver<ChunkOutput>>(workers * IN_FLIGHT_PER_WORKER);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            scope.spawn(move || {
                loop {
                    let next = work_rx.lock().expect("no worker panics holding it").recv();
                    let Ok((chunk, done)) = next else { break };
                    // The writer may have gone after an error; the output is then dropped.
                    let _ = done.send(decide_chunk(engine, &chunk, json));
                }
            });
        }
        let writer = scope.spawn(move || -> io::Result<()> {
            let mut output = output;
            for chunk in order_rx {
                // A dropped sender means its worker panicked; the scope re-raises that panic.
                let Ok(bytes) = chunk.recv() else { break };
                output.write_all(&bytes?)?;
            }
            output.flush()
        });
        let read = read_chunks(input, work_tx, order_tx);
        let written = writer.join().expect("the writer does not panic");
        written.and(read)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::Pack;

    fn engine() -> Triage {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("intents");
        Triage::new(Pack::load(&dir).expect("default pack")).expect("rules compile")
    }

    /// What deciding the lines one after another prints (the output before streaming).
    fn sequential(engine: &Triage, input: &[u8], json: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |i| i + 1);
            let text = String::from_utf8_lossy(&rest[..end]);
            let d = engine.decide(text.trim_end_matches(['\n', '\r']));
            write_decision(&mut out, &d, json).unwrap();
            rest = &rest[end..];
        }
        out
    }

    /// A reader that returns at most `step` bytes per read, like a pipe written in small pieces.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn check(input: &[u8], workers: usize, step: usize) {
        let e = engine();
        for json in [true, false] {
            let mut out = Vec::new();
            run(&e, Trickle(input, step), &mut out, json, workers).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&sequential(&e, input, json)),
                "workers {workers}, step {step}, json {json}"
            );
        }
    }

    #[test]
    fn streamed_output_is_the_sequential_output_in_input_order() {
        let mut input = Vec::new();
        let lines: [&[u8]; 8] = [
            b"vpn won't connect\n",
            b"\n",
            b"drukarka nie drukuje\r\n",
            b"what's the weather tomorrow\r\r\n",
            b"bad \xff\xfe utf-8 password reset\n",
            b"   \n",
            b"my laptop screen is cracked\n",
            b"hello",
        ];
        for i in 0..3000 {
            input.extend_from_slice(lines[i % lines.len()]);
        }
        // The last line has no newline; chunks split across lines; one and several workers.
        for (workers, step) in [(1, CHUNK_BYTES), (3, CHUNK_BYTES), (2, 7), (4, 100_000)] {
            check(&input, workers, step);
        }
    }

    #[test]
    fn empty_input_prints_nothing_and_one_line_longer_than_a_chunk_is_one_decision() {
        check(b"", 2, CHUNK_BYTES);
        let mut long = b"printer ".repeat(CHUNK_BYTES / 4);
        long.extend_from_slice(b"\nvpn\n");
        check(&long, 2, 4096);
    }

    /// Regression: a reader that went away must stop the stream with the write error (the CLI
    /// exits quietly on a broken pipe), not hang or keep deciding the rest of the input.
    #[test]
    fn a_failing_writer_stops_the_stream_with_its_error() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let input = b"vpn won't connect\n".repeat(20_000);
        let err = run(&engine(), &input[..], Closed, true, 2).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
