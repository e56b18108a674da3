//! `frontline backup` and `frontline restore`: a whole store as one file, taken from a live store
//! at one point in commit order, and put back only if it is whole.
//!
//! The file: the line `frontline backup`, a header line of JSON ([`Header`]: backup and store
//! format versions, when, how many tickets and entries, the next ticket number) with a tab and
//! its own CRC-32 in hex (every version keeps these two lines so), then every sled
//! tree (`T`, name, entry count, then length-prefixed keys and values), `E`, and the CRC-32 of
//! everything before it. It is written to a temporary file, synced and renamed, so a backup file
//! is either complete or absent. A restore reads it into a new store beside the data directory's
//! files, checks the checksum and runs `verify` on the result before anything is replaced.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::highwater::{self, Mark};
use super::sled_store::{FORMAT, classify, fs_error, migrate};
use super::{SledStore, StoreError, verify};

/// The file's first line.
pub const MAGIC: &[u8] = b"frontline backup\n";

/// The backup file layout this binary writes and reads.
pub const VERSION: u32 = 1;

/// The longest header line read before a file is called foreign.
const MAX_HEADER: usize = 64 * 1024;

/// Entries written to the new store per batch while restoring.
const BATCH: usize = 10_000;

/// A tree's entries, in key order.
pub type Entries = Vec<(sled::IVec, sled::IVec)>;

/// Every tree of a store at one point in commit order (see [`SledStore::image`]).
pub struct Image {
    /// Tree name and its entries.
    pub trees: Vec<(Vec<u8>, Entries)>,
    /// The next ticket number the store would have handed out.
    pub next_ticket: u64,
    pub format: u32,
    /// How long commits waited while the image was taken.
    pub held_ms: f64,
}

impl Image {
    /// The entries of tree `name` (empty when there is no such tree).
    pub fn tree(&self, name: &str) -> &[(sled::IVec, sled::IVec)] {
        self.trees
            .iter()
            .find(|(n, _)| n == name.as_bytes())
            .map(|(_, e)| e.as_slice())
            .unwrap_or(&[])
    }

    pub fn entries(&self) -> u64 {
        self.trees.iter().map(|(_, e)| e.len() as u64).sum()
    }
}

/// The header line of a backup file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// The backup file layout ([`VERSION`]).
    pub version: u32,
    /// The store format of the content ([`FORMAT`]).
    pub store_format: u32,
    pub created_ms: u64,
    /// The frontline version that wrote it.
    pub frontline: String,
    pub tickets: u64,
    pub entries: u64,
    pub next_ticket: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the backup {}: {detail}", path.display())]
    Write { path: PathBuf, detail: String },
    #[error("cannot read {}: {detail}", path.display())]
    Read { path: PathBuf, detail: String },
    #[error("{} is not a frontline backup (it does not begin with `frontline backup`); nothing was changed", path.display())]
    Foreign { path: PathBuf },
    #[error("{} is damaged ({detail}) and cannot be restored; nothing was changed: use another backup", path.display())]
    Damaged { path: PathBuf, detail: String },
    #[error("{} was written by a newer frontline (backup format {version}, store format {store_format}; this binary reads backup format {VERSION} and store format {FORMAT}): restore it with a newer binary", path.display())]
    TooNew {
        path: PathBuf,
        version: u32,
        store_format: u32,
    },
    #[error("{} already holds a store: pass --force to replace it (the current store is then kept in {}/replaced-<time>/)", dir.display(), dir.display())]
    NotEmpty { dir: PathBuf },
    #[error("the backup {} restores to a store that `frontline verify` rejects ({count} problems; the first: {first}); {} is unchanged", path.display(), dir.display())]
    Rejected {
        path: PathBuf,
        dir: PathBuf,
        count: usize,
        first: String,
    },
}

/// What a backup wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub path: PathBuf,
    pub tickets: u64,
    pub entries: u64,
    pub bytes: u64,
    /// CRC-32 of the file before its last four bytes (which hold it), as 8 hex digits.
    pub checksum: String,
    /// How long commits waited while the store was copied.
    pub held_ms: f64,
}

/// Writes a backup of `store` (live and shared, or just opened) to `to` and prints what it wrote.
pub fn backup(store: &SledStore, to: &Path, out: &mut dyn Write) -> Result<Written, BackupError> {
    let image = store.image()?;
    let header = Header {
        version: VERSION,
        store_format: image.format,
        created_ms: crate::tickets::now_ms(),
        frontline: env!("CARGO_PKG_VERSION").to_string(),
        tickets: image.tree("tickets").len() as u64,
        entries: image.entries(),
        next_ticket: image.next_ticket,
    };
    let (bytes, crc) = write_file(to, &header, &image).map_err(|e| BackupError::Write {
        path: to.to_path_buf(),
        detail: describe(&e),
    })?;
    let w = Written {
        path: to.to_path_buf(),
        tickets: header.tickets,
        entries: header.entries,
        bytes,
        checksum: format!("{crc:08x}"),
        held_ms: image.held_ms,
    };
    writeln!(
        out,
        "backed up {} tickets ({} entries, store format {}) from {} to {}: {} bytes, crc32 {}; commits waited {:.0} ms",
        w.tickets,
        w.entries,
        header.store_format,
        store.dir().display(),
        to.display(),
        w.bytes,
        w.checksum,
        w.held_ms
    )
    .map_err(|e| BackupError::Write {
        path: PathBuf::from("(output)"),
        detail: e.to_string(),
    })?;
    Ok(w)
}

fn describe(e: &std::io::Error) -> String {
    if super::sled_store::is_disk_full(e) {
        "no space left on the disk".into()
    } else {
        e.to_string()
    }
}

/// A writer that keeps the CRC-32 and count of what passes through.
struct Summing<W> {
    inner: W,
    crc: crc32fast::Hasher,
    bytes: u64,
}

impl<W: Write> Write for Summing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn write_file(to: &Path, header: &Header, image: &Image) -> std::io::Result<(u64, u32)> {
    let tmp = highwater::temporary_beside(to);
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = Summing {
            inner: BufWriter::with_capacity(1 << 20, file),
            crc: crc32fast::Hasher::new(),
            bytes: 0,
        };
        w.write_all(MAGIC)?;
        let json = serde_json::to_vec(header).expect("the header serialises");
        w.write_all(&json)?;
        writeln!(w, "\t{:08x}", crc32fast::hash(&json))?;
        for (name, entries) in &image.trees {
            w.write_all(b"T")?;
            w.write_all(&(name.len() as u32).to_le_bytes())?;
            w.write_all(name)?;
            w.write_all(&(entries.len() as u64).to_le_bytes())?;
            for (k, v) in entries {
                w.write_all(&(k.len() as u32).to_le_bytes())?;
                w.write_all(k)?;
                w.write_all(&(v.len() as u32).to_le_bytes())?;
                w.write_all(v)?;
            }
        }
        w.write_all(b"E")?;
        let crc = w.crc.clone().finalize();
        let mut inner = w.inner;
        inner.write_all(&crc.to_le_bytes())?;
        let file = inner.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, to)?;
        highwater::sync_dir(to.parent().unwrap_or(Path::new(".")))?;
        Ok((w.bytes + 4, crc))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A reader that keeps the CRC-32 of what it has read and knows how much is left.
struct Checked<R> {
    inner: R,
    crc: crc32fast::Hasher,
    left: u64,
}

impl<R: Read> Checked<R> {
    fn take(&mut self, n: usize) -> Result<Vec<u8>, String> {
        if n as u64 > self.left {
            return Err("it ends early: truncated, or a length was altered".into());
        }
        let mut buf = vec![0; n];
        self.inner
            .read_exact(&mut buf)
            .map_err(|e| format!("reading: {e}"))?;
        self.crc.update(&buf);
        self.left -= n as u64;
        Ok(buf)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}

/// Opens a backup file and reads its header: a foreign file or a newer format is refused here,
/// before anything else is looked at.
fn open_backup(from: &Path) -> Result<(Checked<BufReader<std::fs::File>>, Header), BackupError> {
    let read_err = |e: std::io::Error| BackupError::Read {
        path: from.to_path_buf(),
        detail: e.to_string(),
    };
    let file = std::fs::File::open(from).map_err(read_err)?;
    let len = file.metadata().map_err(read_err)?.len();
    let mut r = Checked {
        inner: BufReader::with_capacity(1 << 20, file),
        crc: crc32fast::Hasher::new(),
        left: len,
    };
    let foreign = || BackupError::Foreign {
        path: from.to_path_buf(),
    };
    let magic = r.take(MAGIC.len()).map_err(|_| foreign())?;
    if magic != MAGIC {
        return Err(foreign());
    }
    let damaged = |detail: String| BackupError::Damaged {
        path: from.to_path_buf(),
        detail,
    };
    let mut line = Vec::new();
    loop {
        let b = r.u8().map_err(damaged)?;
        if b == b'\n' {
            break;
        }
        line.push(b);
        if line.len() > MAX_HEADER {
            return Err(damaged("its header line does not end".into()));
        }
    }
    // The header carries its own checksum, so a damaged header is not read as a newer version.
    let split = line.iter().rposition(|b| *b == b'\t');
    let Some(at) = split else {
        return Err(damaged("its header has no checksum".into()));
    };
    let (json, sum) = (&line[..at], &line[at + 1..]);
    if format!("{:08x}", crc32fast::hash(json)).as_bytes() != sum {
        return Err(damaged("its header's checksum does not match".into()));
    }
    let line = json.to_vec();
    // The version is read on its own first: a newer header may not parse as this one.
    #[derive(Deserialize)]
    struct Versions {
        version: u32,
        #[serde(default)]
        store_format: u32,
    }
    let v: Versions = serde_json::from_slice(&line)
        .map_err(|e| damaged(format!("its header is not readable: {e}")))?;
    if v.version > VERSION || v.store_format > FORMAT {
        return Err(BackupError::TooNew {
            path: from.to_path_buf(),
            version: v.version,
            store_format: v.store_format,
        });
    }
    let header: Header = serde_json::from_slice(&line)
        .map_err(|e| damaged(format!("its header is not readable: {e}")))?;
    Ok((r, header))
}

/// Reads every tree of the backup into `db`, checking the structure, the counts and the checksum.
fn read_into(
    from: &Path,
    r: &mut Checked<BufReader<std::fs::File>>,
    header: &Header,
    db: &sled::Db,
    dir: &Path,
) -> Result<(), BackupError> {
    let damaged = |detail: String| BackupError::Damaged {
        path: from.to_path_buf(),
        detail,
    };
    let mut entries = 0u64;
    loop {
        match r.u8().map_err(damaged)? {
            b'E' => break,
            b'T' => {}
            other => return Err(damaged(format!("unexpected record tag {other:#04x}"))),
        }
        let name_len = r.u32().map_err(damaged)? as usize;
        let name = r.take(name_len).map_err(damaged)?;
        let count = r.u64().map_err(damaged)?;
        let tree = db.open_tree(&name).map_err(|e| classify(dir, e))?;
        let mut batch = sled::Batch::default();
        let mut in_batch = 0;
        for _ in 0..count {
            let k_len = r.u32().map_err(damaged)? as usize;
            let k = r.take(k_len).map_err(damaged)?;
            let v_len = r.u32().map_err(damaged)? as usize;
            let v = r.take(v_len).map_err(damaged)?;
            batch.insert(k, v);
            in_batch += 1;
            if in_batch == BATCH {
                tree.apply_batch(std::mem::take(&mut batch))
                    .map_err(|e| classify(dir, e))?;
                in_batch = 0;
            }
        }
        tree.apply_batch(batch).map_err(|e| classify(dir, e))?;
        entries += count;
    }
    let computed = r.crc.clone().finalize();
    let stored = r.u32().map_err(damaged)?;
    if stored != computed {
        return Err(damaged(format!(
            "its checksum does not match: crc32 {computed:08x}, the file says {stored:08x}"
        )));
    }
    if r.left != 0 {
        return Err(damaged(format!(
            "{} unexpected bytes after its end",
            r.left
        )));
    }
    if entries != header.entries {
        return Err(damaged(format!(
            "it holds {entries} entries, its header says {}",
            header.entries
        )));
    }
    Ok(())
}

/// Files of the store in a data directory: sled's and the high-water mark.
fn store_files(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let mut files = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(fs_error(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| fs_error(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if ["db", "conf", "blobs", highwater::FILE].contains(&name.as_ref())
            || name.starts_with("snap.")
        {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Whether `dir` holds a store worth keeping (an empty `db` left by a failed open is not one).
fn holds_store(files: &[PathBuf]) -> bool {
    files.iter().any(|f| {
        f.file_name().is_some_and(|n| n != "db")
            || std::fs::metadata(f).map(|m| m.len() > 0).unwrap_or(true)
    })
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    pub tickets: u64,
    pub created_ms: u64,
    /// Where the store that was replaced now is.
    pub replaced: Option<PathBuf>,
    /// The next ticket number the restored store hands out.
    pub next_ticket: u64,
}

/// Restores the backup `from` into `dir`; with `force`, replaces a store there (kept aside in
/// `dir/replaced-<time>/`). Nothing in `dir` changes unless the backup is whole and the store it
/// makes passes `verify`. Ticket numbering continues past both the backup's and the replaced
/// store's high-water marks, so no number handed out since the backup is given out again.
pub fn restore(
    from: &Path,
    dir: &Path,
    force: bool,
    out: &mut dyn Write,
) -> Result<Restored, BackupError> {
    let (mut reader, header) = open_backup(from)?;
    let existing = store_files(dir)?;
    if holds_store(&existing) && !force {
        return Err(BackupError::NotEmpty {
            dir: dir.to_path_buf(),
        });
    }
    let created = !dir.exists();
    std::fs::create_dir_all(dir).map_err(|e| fs_error(dir, e))?;
    // Held until the files are swapped: no frontline process opens the old store meanwhile.
    let lock = lock_store(dir)?;
    let staging = dir.join(format!(".restoring-{}", std::process::id()));
    let result = (|| {
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| fs_error(dir, e))?;
        }
        let next = build(from, &mut reader, &header, dir, &staging)?;
        Ok::<u64, BackupError>(next)
    })();
    let next = match result {
        Ok(next) => next,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            if created {
                // Only if empty: nothing but what this restore made.
                let _ = std::fs::remove_dir(dir);
            }
            return Err(e);
        }
    };
    let replaced = if existing.is_empty() {
        None
    } else {
        let aside = dir.join(format!("replaced-{}", stamp(crate::tickets::now_ms())));
        std::fs::create_dir_all(&aside).map_err(|e| fs_error(dir, e))?;
        for f in &existing {
            let to = aside.join(f.file_name().expect("a file name"));
            std::fs::rename(f, &to).map_err(|e| fs_error(dir, e))?;
        }
        Some(aside)
    };
    for f in store_files(&staging)? {
        let to = dir.join(f.file_name().expect("a file name"));
        std::fs::rename(&f, &to).map_err(|e| fs_error(dir, e))?;
    }
    highwater::sync_dir(dir).map_err(|e| fs_error(dir, e))?;
    let _ = std::fs::remove_dir_all(&staging);
    drop(lock);
    let r = Restored {
        tickets: header.tickets,
        created_ms: header.created_ms,
        replaced,
        next_ticket: next,
    };
    let say = |out: &mut dyn Write| -> std::io::Result<()> {
        writeln!(
            out,
            "restored {} tickets from {} (taken {}, store format {}) into {}; verify found no problem",
            r.tickets,
            from.display(),
            crate::desk::card::fmt_time(header.created_ms),
            header.store_format,
            dir.display()
        )?;
        if next > header.next_ticket {
            if next - 1 == header.next_ticket {
                writeln!(
                    out,
                    "number T-{} was handed out after this backup was taken: that ticket is not in the restored store, and the number is not given out again",
                    header.next_ticket
                )?;
            } else {
                writeln!(
                    out,
                    "numbers T-{} to T-{} were handed out after this backup was taken: those tickets are not in the restored store, and the numbers are not given out again",
                    header.next_ticket,
                    next - 1
                )?;
            }
        }
        writeln!(out, "the next ticket is T-{next}")?;
        if let Some(aside) = &r.replaced {
            writeln!(out, "the store it replaced is in {}", aside.display())?;
        }
        Ok(())
    };
    say(out).map_err(|e| BackupError::Write {
        path: PathBuf::from("(output)"),
        detail: e.to_string(),
    })?;
    Ok(r)
}

/// Takes sled's lock on `dir/db` (a store being served cannot be replaced).
fn lock_store(dir: &Path) -> Result<Option<std::fs::File>, StoreError> {
    let db = dir.join("db");
    let file = match std::fs::OpenOptions::new().read(true).write(true).open(&db) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fs_error(dir, e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked {
            dir: dir.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(fs_error(dir, e)),
    }
}

/// Builds the restored store in `staging` and checks it with `verify`; returns its next ticket
/// number.
fn build(
    from: &Path,
    reader: &mut Checked<BufReader<std::fs::File>>,
    header: &Header,
    dir: &Path,
    staging: &Path,
) -> Result<u64, BackupError> {
    let db = sled::Config::new()
        .path(staging)
        .open()
        .map_err(|e| classify(staging, e))?;
    read_into(from, reader, header, &db, staging)?;
    let meta = db.open_tree("meta").map_err(|e| classify(staging, e))?;
    let tickets = db.open_tree("tickets").map_err(|e| classify(staging, e))?;
    let after_last = match tickets.last().map_err(|e| classify(staging, e))? {
        Some((k, _)) => k
            .as_ref()
            .try_into()
            .map(u64::from_be_bytes)
            .map(|n| n + 1)
            .unwrap_or(0),
        None => 0,
    };
    let stored = meta
        .get("next_ticket")
        .map_err(|e| classify(staging, e))?
        .and_then(|b| b.as_ref().try_into().ok().map(u64::from_be_bytes))
        .unwrap_or(0);
    // The replaced store's mark, if readable: numbers it handed out are not given out again.
    let before = highwater::read(dir).ok().flatten().map_or(0, |m| m.ceiling);
    let next = header.next_ticket.max(after_last).max(stored).max(before);
    meta.insert("next_ticket", &next.to_be_bytes()[..])
        .map_err(|e| classify(staging, e))?;
    let index = db.open_tree("index").map_err(|e| classify(staging, e))?;
    migrate(header.store_format, &tickets, &index).map_err(|e| classify(staging, e))?;
    meta.insert("format", &FORMAT.to_be_bytes()[..])
        .map_err(|e| classify(staging, e))?;
    db.flush().map_err(|e| classify(staging, e))?;
    // `verify` on what was written, read back from the new store before it is closed: sled lets
    // go of its files some time after a close, so opening it again here could find it locked.
    let mut trees = Vec::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name).map_err(|e| classify(staging, e))?;
        let entries = tree
            .iter()
            .collect::<Result<Entries, _>>()
            .map_err(|e| classify(staging, e))?;
        trees.push((name.to_vec(), entries));
    }
    let image = Image {
        trees,
        next_ticket: next,
        format: FORMAT,
        held_ms: 0.0,
    };
    let (count, problems) = verify::problems(&image);
    if let Some(first) = problems.first() {
        return Err(BackupError::Rejected {
            path: from.to_path_buf(),
            dir: dir.to_path_buf(),
            count,
            first: first.detail.clone(),
        });
    }
    drop(image);
    drop(meta);
    drop(tickets);
    drop(db);
    highwater::write(staging, &Mark::exact(next)).map_err(|e| fs_error(staging, e))?;
    Ok(next)
}

/// `YYYY-MM-DDTHH-MM-SSZ` (UTC): sorts in time order and is a valid file name everywhere.
pub fn stamp(ms: u64) -> String {
    let date_time = crate::desk::card::fmt_date_time(ms);
    format!(
        "{}-{:02}Z",
        date_time.replace(' ', "T").replace(':', "-"),
        ms / 1000 % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_sort_in_time_order_and_name_files_safely() {
        assert_eq!(stamp(0), "1970-01-01T00-00-00Z");
        assert_eq!(stamp(1_700_000_000_123), "2023-11-14T22-13-20Z");
        assert!(stamp(1_700_000_059_000) < stamp(1_700_000_060_000));
    }
}
