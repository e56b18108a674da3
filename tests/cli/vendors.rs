//! Tiers L4/L5 from the command line: a ticket climbs to engineering in `frontline agent`, an
//! L3 agent sends it to the vendor with `tickets vendor`, and `frontline run` (no chat platform,
//! only `[smtp]`) e-mails the case to an SMTP server on 127.0.0.1 that refuses the first attempt
//! and accepts the second: one message accepted, the same Message-ID both times. The vendor's case
//! number and reply are attached with `tickets vendor-reply` through the running bot.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontline::config::DEFAULT_CONFIG;
use serde_json::Value;

use crate::common::{assert_ok, run_in, stdout, write};

/// One message the SMTP server got to the end of DATA, and whether it accepted it.
#[derive(Debug, Clone)]
struct Mail {
    rcpt: Vec<String>,
    data: String,
    accepted: bool,
}

impl Mail {
    fn header(&self, name: &str) -> String {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        // Unfold continuation lines first.
        let head = head.replace("\r\n ", " ");
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default()
    }

    /// The body with quoted-printable undone.
    fn body(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        let joined = body.replace("=\r\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).replace("\r\n", "\n")
    }
}

/// A plain SMTP server on 127.0.0.1 that answers 451 at the end of the first `refuse` messages'
/// DATA, then 250.
fn smtp_sink(refuse: usize) -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let got: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let log = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let log = log.clone();
            std::thread::spawn(move || {
                let mut w = stream.try_clone().unwrap();
                let mut r = BufReader::new(stream);
                let mut say = |s: &str| {
                    let _ = w.write_all(format!("{s}\r\n").as_bytes());
                };
                say("220 sink.test ESMTP");
                let mut rcpt = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    if cmd.starts_with("EHLO") {
                        say("250-sink.test");
                        say("250 8BITMIME");
                    } else if cmd.starts_with("RCPT TO:") {
                        rcpt.push(line.trim_end()[8..].to_string());
                        say("250 ok");
                    } else if cmd == "DATA" {
                        say("354 end with .");
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if r.read_line(&mut l).unwrap_or(0) == 0 {
                                return;
                            }
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        let mut all = log.lock().unwrap();
                        let accepted = all.len() >= refuse;
                        all.push(Mail {
                            rcpt: std::mem::take(&mut rcpt),
                            data,
                            accepted,
                        });
                        drop(all);
                        say(if accepted {
                            "250 queued"
                        } else {
                            "451 try again later"
                        });
                    } else if cmd == "QUIT" {
                        say("221 bye");
                        return;
                    } else {
                        say("250 ok");
                    }
                }
            });
        }
    });
    (port, got)
}

fn config(port: u16) -> String {
    // Every queue written local: `frontline run` serves no chat platform here.
    let local = DEFAULT_CONFIG.replace("\ntier = ", "\nplatform = \"local\"\ntier = ");
    format!(
        r#"{local}
[[vendors]]
id = "acme-hw"
name = "ACME Hardware"
tier = "L4"
email = "support@acme-hw.example"

[smtp]
host = "127.0.0.1"
port = {port}
tls = "none"
from = "Support desk <help@desk.example>"
"#
    )
}

fn frontline(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--config", "frontline.toml", "--data", "store"]);
    run_in(dir, &all, stdin.as_bytes())
}

const SCREEN: &str = "my laptop screen flickers and shows green lines since this morning";

#[test]
fn a_case_is_mailed_to_the_vendor_once_and_their_reply_attached() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (port, got) = smtp_sink(1);
    write(dir, "frontline.toml", &config(port));
    let check = run_in(dir, &["config", "check", "--config", "frontline.toml"], b"");
    assert!(
        stdout(&check).contains(
            "escalation to L4 (vendor acme-hw): ACME Hardware, e-mail to support@acme-hw.example"
        ),
        "{}",
        stdout(&check)
    );

    let o = frontline(dir, &["chat", "--as", "jan"], &format!("{SCREEN}\n"));
    assert_ok(&o, "chat");
    assert!(stdout(&o).contains("T-1000"), "{}", stdout(&o));
    let o = frontline(
        dir,
        &["agent", "--as", "alice"],
        "claim T-1000\nescalate T-1000 GPU artefacts after BIOS update\n",
    );
    assert!(
        stdout(&o).contains("T-1000 escalated to l3-engineering (L3)."),
        "{}",
        stdout(&o)
    );
    // Not yet claimed at L3: refused, nothing queued.
    let o = frontline(
        dir,
        &[
            "tickets", "vendor", "T-1000", "--as", "carol", "--note", "x", "--json",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(
        v["message"],
        "T-1000 is escalated and cannot be handled before it is claimed"
    );
    let o = frontline(dir, &["tickets", "claim", "T-1000", "--as", "carol"], "");
    assert_ok(&o, "claim");
    let o = frontline(
        dir,
        &[
            "tickets",
            "vendor",
            "T-1000",
            "--as",
            "carol",
            "--note",
            "Please replace the panel, serial 5CD123.",
            "--json",
        ],
        "",
    );
    assert_ok(&o, "tickets vendor");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["ticket"]["tier"], "L4");
    assert_eq!(v["ticket"]["vendors"][0]["vendor"], "acme-hw");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("T-1000 sent to ACME Hardware (L4, e-mail to support@acme-hw.example)"),
        "{v}"
    );
    // Nothing is sent without `run`: the case waits in the outbox.
    assert!(got.lock().unwrap().is_empty());
    let outbox = frontline(dir, &["outbox", "list"], "");
    assert!(
        stdout(&outbox).contains("e-mail to support@acme-hw.example (T-1000:vendor:acme-hw:1)"),
        "{}",
        stdout(&outbox)
    );

    let mut bot = Command::new(env!("CARGO_BIN_EXE_frontline"))
        .args(["run", "--config", "frontline.toml", "--data", "store"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !got.lock().unwrap().iter().any(|m| m.accepted) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "not delivered: {:?}",
            got.lock().unwrap()
        );
        assert!(bot.try_wait().unwrap().is_none(), "run stopped");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Time for a wrong extra attempt to show.
    std::thread::sleep(Duration::from_secs(3));
    let all = got.lock().unwrap().clone();
    assert_eq!(
        all.iter().map(|m| m.accepted).collect::<Vec<_>>(),
        [false, true],
        "{all:#?}"
    );
    for m in &all {
        assert_eq!(m.rcpt, ["<support@acme-hw.example>"]);
        assert_eq!(
            m.header("Message-ID"),
            "<T-1000.vendor.acme-hw.1@desk.example>",
            "the same id on every attempt"
        );
        assert_eq!(m.header("Subject"), format!("[T-1000] {SCREEN}"));
        assert_eq!(m.header("From"), "\"Support desk\" <help@desk.example>");
    }
    let body = all[1].body();
    for part in [
        "Hello ACME Hardware,",
        "Please quote T-1000 in every reply.",
        "From carol, who handles it at our desk:\nPlease replace the panel, serial 5CD123.",
        "Engineering's note:\nGPU artefacts after BIOS update",
        &format!("[customer] {SCREEN}"),
    ] {
        assert!(body.contains(part), "{part:?} in\n{body}");
    }

    // Their answer, saved from the e-mail into a file, through the running bot.
    write(
        dir,
        "reply.txt",
        "Hello, a new panel ships Monday. Our case: ACME-4471.\n",
    );
    let o = frontline(
        dir,
        &[
            "tickets",
            "vendor-reply",
            "T-1000",
            "--as",
            "carol",
            "--reference",
            "ACME-4471",
            "--file",
            "reply.txt",
            "--json",
        ],
        "",
    );
    assert_ok(&o, "tickets vendor-reply");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ok"], true);
    let case = &v["ticket"]["vendors"][0];
    assert_eq!(case["reference"], "ACME-4471");
    assert_eq!(
        case["replies"][0]["text"],
        "Hello, a new panel ships Monday. Our case: ACME-4471."
    );
    assert_eq!(case["replies"][0]["from"], "vendor:acme-hw");
    let shown = frontline(dir, &["tickets", "show", "T-1000"], "");
    assert!(
        stdout(&shown).contains(
            "vendor: ACME Hardware (L4, e-mail to support@acme-hw.example), their case ACME-4471; 1 reply, latest: \"Hello, a new panel ships Monday. Our case: ACME-4471.\""
        ),
        "{}",
        stdout(&shown)
    );
    // Jan reads that a vendor has it, not the vendor's reply.
    let o = frontline(dir, &["chat", "--as", "jan"], "");
    let out = stdout(&o);
    assert!(
        out.contains("Ticket T-1000 needs help from ACME Hardware"),
        "{out}"
    );
    assert!(!out.contains("panel ships"), "{out}");

    unsafe { libc::kill(bot.id() as i32, libc::SIGINT) };
    let status = bot.wait().unwrap();
    assert!(status.success(), "run: {status}");
    assert_eq!(got.lock().unwrap().len(), 2, "nothing sent again");
}
