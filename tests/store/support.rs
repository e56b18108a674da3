//! Helpers shared by the store tests that run the real binary: running a command, copying a data
//! directory, and telling when a child process holds the store.

use std::path::Path;
use std::process::{Command, Output, Stdio};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_frontline"))
}

/// Runs `frontline ARGS` to the end with `stdin` as input.
pub fn run(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("frontline starts");
    let mut input = child.stdin.take().expect("stdin piped");
    // A command that fails early closes its stdin: that is its answer, not a test failure.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().expect("frontline runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every `T-<n>` the bot said it opened, in `text`.
pub fn opened_ids(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for part in text.split("opened ticket ").skip(1) {
        let id: String = part
            .chars()
            .take_while(|c| *c == 'T' || *c == '-' || c.is_ascii_digit())
            .collect();
        if id.len() > 2 {
            ids.push(id);
        }
    }
    ids
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Whether process `pid` holds a lock on the file `inode` (Linux: `/proc/locks`). Reading it
/// takes no lock itself, so polling it does not get in the child's way.
pub fn holds_lock(pid: u32, inode: u64) -> bool {
    let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
        return false;
    };
    locks.lines().any(|l| {
        let fields: Vec<&str> = l.split_whitespace().collect();
        // `1: FLOCK  ADVISORY  WRITE 4545 fe:00:5530577 0 EOF`
        fields.len() >= 6
            && fields[4] == pid.to_string()
            && fields[5].rsplit(':').next() == Some(&inode.to_string())
    })
}

pub fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .ino()
}
