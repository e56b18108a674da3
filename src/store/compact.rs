//! Rewriting the store's files so that removed values are physically gone: sled keeps what was
//! overwritten or removed in its old log segments until it happens to reuse them, so after an
//! erasure (GDPR / RODO) the live data is copied into a fresh database and the files are
//! swapped, crash-safely, inside the running process if need be.
//!
//! 1. Every tree is copied into `DATA/compact.new/` (a fresh sled database), flushed, closed.
//! 2. The marker `DATA/compact.swap` is written (`delete`): from here the new store is the one.
//! 3. The old database is closed (the store's trees are swapped for a placeholder under the
//!    exclusive lock every operation takes shared), and its files are deleted; the marker
//!    becomes `move`.
//! 4. The new files are moved into `DATA/`, the marker and `compact.new/` removed, and the
//!    database opened again in place.
//!
//! A crash anywhere is finished at the next open ([`recover`], called with the store's lock
//! held): without the marker an unfinished `compact.new/` is deleted (the old store is whole);
//! with it, the steps left are done. The high-water mark (`highwater`) is not a sled file and is
//! never touched; the counters it guards are copied with the `meta` tree.

use std::path::Path;
use std::time::{Duration, Instant};

use super::StoreError;
use super::highwater;
use super::sled_store::{SledStore, Trees, classify, fs_error, sled_config};

/// Where the fresh database is built.
pub const STAGING: &str = "compact.new";
/// The marker: present once the fresh database is complete; says which step is next.
pub const MARKER: &str = "compact.swap";

/// How long to wait for sled to let go of a closed database's files.
const RELEASE_PATIENCE: Duration = Duration::from_secs(30);

/// Whether a file in the data directory is one of sled's.
fn is_sled_file(name: &str) -> bool {
    ["db", "conf", "blobs"].contains(&name) || name.starts_with("snap.")
}

/// Finishes or undoes a rewrite a crash interrupted (see the module's steps).
pub fn recover(dir: &Path) -> Result<(), StoreError> {
    let io = |e: std::io::Error| fs_error(dir, e);
    let staging = dir.join(STAGING);
    let marker = dir.join(MARKER);
    let step = match std::fs::read_to_string(&marker) {
        Ok(s) => s.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if staging.exists() {
                tracing::warn!(dir = %staging.display(), "removing an unfinished rewrite of the store");
                std::fs::remove_dir_all(&staging).map_err(io)?;
            }
            return Ok(());
        }
        Err(e) => return Err(io(e)),
    };
    if step == "delete" {
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_sled_file(&name) {
                continue;
            }
            if entry.path().is_dir() {
                std::fs::remove_dir_all(entry.path()).map_err(io)?;
            } else {
                std::fs::remove_file(entry.path()).map_err(io)?;
            }
        }
        highwater::sync_dir(dir).map_err(io)?;
        highwater::write_atomically(&marker, b"move\n").map_err(io)?;
    }
    if staging.exists() {
        for entry in std::fs::read_dir(&staging).map_err(io)? {
            let entry = entry.map_err(io)?;
            std::fs::rename(entry.path(), dir.join(entry.file_name())).map_err(io)?;
        }
    }
    highwater::sync_dir(dir).map_err(io)?;
    std::fs::remove_file(&marker).map_err(io)?;
    let _ = std::fs::remove_dir_all(&staging);
    highwater::sync_dir(dir).map_err(io)?;
    Ok(())
}

/// Waits until no open database holds sled's lock on `file` any more: sled lets go of its
/// files some time after the last handle is dropped, from its own threads.
fn wait_released(dir: &Path, file: &Path) -> Result<(), StoreError> {
    let f = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(file)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(fs_error(dir, e)),
    };
    let started = Instant::now();
    loop {
        match f.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < RELEASE_PATIENCE => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Storage {
                    dir: dir.to_path_buf(),
                    detail: "the database being rewritten was not released".into(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(fs_error(dir, e)),
        }
    }
}

fn open_sled(dir: &Path, bulk: bool) -> Result<sled::Db, StoreError> {
    let mut attempts = 0;
    loop {
        match sled_config(dir, bulk).open().map_err(|e| classify(dir, e)) {
            Ok(db) => return Ok(db),
            Err(StoreError::Locked { .. }) if attempts < 500 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e),
        }
    }
}

impl SledStore {
    /// Rewrites the store's files with only the live data (see the module). Commits, reads and
    /// flushes wait meanwhile. A temporary store (tests) has no files to rewrite.
    pub fn compact(&self) -> Result<(), StoreError> {
        let dir = self.dir().to_path_buf();
        if !dir.join("db").is_file() {
            return Ok(());
        }
        let io = |e: std::io::Error| fs_error(&dir, e);
        let mut trees = self.trees.write();
        trees.db.flush().map_err(|e| classify(&dir, e))?;
        let staging = dir.join(STAGING);
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io)?;
        }
        {
            let fresh = open_sled(&staging, false)?;
            for name in trees.db.tree_names() {
                let from = trees.db.open_tree(&name).map_err(|e| classify(&dir, e))?;
                let to = fresh.open_tree(&name).map_err(|e| classify(&staging, e))?;
                let mut batch = sled::Batch::default();
                let mut n = 0;
                for item in from.iter() {
                    let (k, v) = item.map_err(|e| classify(&dir, e))?;
                    batch.insert(k, v);
                    n += 1;
                    if n % 10_000 == 0 {
                        to.apply_batch(std::mem::take(&mut batch))
                            .map_err(|e| classify(&staging, e))?;
                    }
                }
                to.apply_batch(batch).map_err(|e| classify(&staging, e))?;
            }
            fresh.flush().map_err(|e| classify(&staging, e))?;
        }
        wait_released(&dir, &staging.join("db"))?;
        highwater::sync_dir(&staging).map_err(io)?;
        highwater::write_atomically(&dir.join(MARKER), b"delete\n").map_err(io)?;
        // The old database closes: the trees are swapped for a placeholder until the new one
        // opens in place.
        let placeholder = sled::Config::new()
            .temporary(true)
            .open()
            .map_err(|e| classify(&dir, e))?;
        let old = std::mem::replace(&mut *trees, Trees::open(placeholder, &dir)?);
        let old_db = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(dir.join("db"))
            .map_err(io)?;
        drop(old);
        let started = Instant::now();
        loop {
            match old_db.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < RELEASE_PATIENCE => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Storage {
                        dir: dir.clone(),
                        detail: "the old database was not released; the rewrite finishes when the store is opened again".into(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        drop(old_db);
        recover(&dir)?;
        *trees = Trees::open(open_sled(&dir, self.bulk)?, &dir)?;
        Ok(())
    }
}
