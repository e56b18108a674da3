//! The control socket's wire, both ways: frames of a one-byte tag, a four-byte big-endian length
//! and that many bytes (at most [`MAX_FRAME`]). The client sends `H` (hello: protocol, argv, cwd)
//! first, then only `I` (input; empty at the end of stdin) in answer to the server's `R` (read,
//! with the most bytes wanted). The server sends `O` (stdout), `E` (stderr), `R`, and `X` (exit
//! code) last. Anything else is refused.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// Bumped when the frames change; a client and server of different versions refuse each other
/// with a sentence instead of misreading.
pub const PROTOCOL: u32 = 1;
/// The largest frame either side accepts (argument lists, output and input chunks are smaller).
pub const MAX_FRAME: usize = 1 << 20;
/// How much stdin the server asks for at a time.
pub const INPUT_CHUNK: u32 = 64 * 1024;

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

pub(super) fn invalid(what: &str) -> io::Error {
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
