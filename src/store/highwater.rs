//! The high-water mark: a small file beside sled's own (`DATA/highwater`) recording which ticket
//! numbers the store has handed out. sled keeps its counter in its own files, so when those lose
//! data (a `snap.*` file deleted, the files rolled back to an older copy) the counter goes back
//! with the tickets and the next person would be given a number someone already has. The mark
//! is written on its own, atomically (temporary file, fsync, rename, fsync of the directory),
//! and checked when the store opens.
//!
//! Two numbers: every ticket number confirmed to anyone is below `floor`, so a store whose
//! counter is lower has lost tickets; no number at or above `ceiling` was ever handed out.
//! Numbers are reserved in blocks (the ceiling is raised before any number in the block is
//! used), so the file is not written per ticket; a clean close writes the exact figure
//! (`floor == ceiling`). After a crash the unused rest of the block is skipped.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file's name in the data directory.
pub const FILE: &str = "highwater";

/// How many ticket numbers one write of the mark reserves.
pub const BLOCK: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Every ticket number confirmed to anyone is below this.
    pub floor: u64,
    /// No ticket number at or above this was handed out.
    pub ceiling: u64,
}

impl Mark {
    /// The mark of a store closed cleanly whose next number is `next`.
    pub fn exact(next: u64) -> Mark {
        Mark {
            floor: next,
            ceiling: next,
        }
    }
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// The mark in `dir`, `None` when there is none yet (a new store, or one from before marks).
pub fn read(dir: &Path) -> Result<Option<Mark>, String> {
    let text = match std::fs::read_to_string(path(dir)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    parse(&text).map(Some)
}

fn parse(text: &str) -> Result<Mark, String> {
    let (mut floor, mut ceiling) = (None, None);
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once(' ')
            .ok_or_else(|| format!("unexpected line `{line}`"))?;
        let n: u64 = value
            .trim()
            .parse()
            .map_err(|_| format!("`{key}` is not a number"))?;
        match key {
            "floor" => floor = Some(n),
            "ceiling" => ceiling = Some(n),
            _ => return Err(format!("unknown key `{key}`")),
        }
    }
    match (floor, ceiling) {
        (Some(floor), Some(ceiling)) if floor <= ceiling => Ok(Mark { floor, ceiling }),
        (Some(_), Some(_)) => Err("floor above ceiling".into()),
        _ => Err("floor or ceiling missing".into()),
    }
}

/// Replaces the mark in `dir` atomically and durably.
pub fn write(dir: &Path, mark: &Mark) -> std::io::Result<()> {
    let text = format!(
        "# frontline high-water mark: ticket numbers this store has handed out (see `frontline verify`). Do not edit.\nfloor {}\nceiling {}\n",
        mark.floor, mark.ceiling
    );
    write_atomically(&path(dir), text.as_bytes())
}

/// Writes `bytes` to `target` through a temporary file beside it: fsync, rename, fsync of the
/// directory, so `target` holds either the old or the new content, whatever happens.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary_beside(target);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, target)?;
        sync_dir(target.parent().unwrap_or(Path::new(".")))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `target` with `.tmp-<pid>` appended: two processes never write the same temporary file.
pub fn temporary_beside(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    target.with_file_name(name)
}

/// Makes a rename or a new file in `dir` durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        let m = Mark {
            floor: 1042,
            ceiling: 1100,
        };
        write(dir.path(), &m).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(m));
        write(dir.path(), &Mark::exact(1043)).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(Mark::exact(1043)));
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from(FILE)],
            "no temporary file left"
        );
    }

    #[test]
    fn a_damaged_mark_is_an_error_not_a_default() {
        for text in [
            "",
            "floor 12\n",
            "floor x\nceiling 3\n",
            "floor 9\nceiling 3\n",
        ] {
            assert!(parse(text).is_err(), "{text:?} is refused");
        }
    }
}
