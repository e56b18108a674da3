//! Scheduled backups (`[backup]` in the configuration): `frontline run` writes a backup of the
//! live store every `every` into `dir` (relative to the data directory) and keeps the newest
//! `keep`. The first one is due `every` after the newest backup already there, so restarts do not
//! postpone backups forever nor take one at each start.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::SledStore;
use super::backup::{BackupError, Written, backup, stamp};

/// How long to wait before trying again after a backup failed (a full disk, say).
const RETRY: Duration = Duration::from_secs(15 * 60);

/// `[backup]`: `every = "24h"`, `keep = 7`, `dir = "backups"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// How often: a number and a unit, `s`, `m`, `h` or `d` (`"24h"`, `"90m"`, `"1d12h"`).
    #[serde(deserialize_with = "every")]
    pub every: Duration,
    /// How many backups to keep; older ones are deleted.
    #[serde(default = "default_keep")]
    pub keep: usize,
    /// Where, relative to the data directory unless absolute.
    #[serde(default = "default_dir")]
    pub dir: PathBuf,
}

fn default_keep() -> usize {
    7
}

fn default_dir() -> PathBuf {
    PathBuf::from("backups")
}

fn every<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    use serde::de::{Error, Unexpected};
    // `invalid value` errors, so the configuration reader names the field (`backup.every`).
    let text = String::deserialize(d)?;
    let every = parse_every(&text).map_err(|_| {
        D::Error::invalid_value(
            Unexpected::Str(&text),
            &"a duration like \"24h\", \"90m\" or \"7d\"",
        )
    })?;
    if every < Duration::from_secs(60) {
        return Err(D::Error::invalid_value(
            Unexpected::Str(&text),
            &"a duration of at least \"1m\"",
        ));
    }
    Ok(every)
}

/// `"24h"`, `"90m"`, `"1d12h"`, `"30s"` as a duration.
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration like \"24h\", \"90m\" or \"7d\"");
    let mut total = 0u64;
    let mut digits = String::new();
    let mut parts = 0;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        total = total
            .checked_add(n.checked_mul(unit).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        digits.clear();
        parts += 1;
    }
    if !digits.is_empty() || parts == 0 || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

impl BackupConfig {
    /// The backup directory for the store in `data_dir`.
    pub fn dir_for(&self, data_dir: &Path) -> PathBuf {
        data_dir.join(&self.dir)
    }
}

/// Backups of this kind are named `frontline-<UTC time>.flbackup`; only those are pruned.
fn is_scheduled_backup(name: &str) -> bool {
    name.starts_with("frontline-") && name.ends_with(".flbackup")
}

fn scheduled_backups(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for e in entries {
                let e = e?;
                if is_scheduled_backup(&e.file_name().to_string_lossy()) {
                    found.push(e.path());
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    // The names hold the time, so name order is age order.
    found.sort();
    Ok(found)
}

/// Deletes all but the newest `keep` scheduled backups in `dir`; returns what it deleted.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let found = scheduled_backups(dir)?;
    let excess = found.len().saturating_sub(keep.max(1));
    let mut deleted = Vec::new();
    for path in found.into_iter().take(excess) {
        std::fs::remove_file(&path)?;
        deleted.push(path);
    }
    Ok(deleted)
}

/// One scheduled backup now: written into `dir`, then the oldest pruned down to `keep`.
pub fn backup_now(store: &SledStore, dir: &Path, keep: usize) -> Result<Written, BackupError> {
    std::fs::create_dir_all(dir).map_err(|e| BackupError::Write {
        path: dir.to_path_buf(),
        detail: e.to_string(),
    })?;
    let mut path = dir.join(format!(
        "frontline-{}.flbackup",
        stamp(crate::tickets::now_ms())
    ));
    // Two in one second (a restart right after one): the second gets a suffix.
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!(
            "frontline-{}-{n}.flbackup",
            stamp(crate::tickets::now_ms())
        ));
    }
    let written = backup(store, &path, &mut std::io::sink())?;
    prune(dir, keep).map_err(|e| BackupError::Write {
        path: dir.to_path_buf(),
        detail: format!("pruning old backups: {e}"),
    })?;
    Ok(written)
}

/// How long until the next backup is due: `every` after the newest one in `dir`.
fn due_in(dir: &Path, every: Duration) -> Duration {
    let newest = scheduled_backups(dir)
        .ok()
        .and_then(|f| f.last().cloned())
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| m.modified().ok());
    match newest.and_then(|t| SystemTime::now().duration_since(t).ok()) {
        Some(age) => every.saturating_sub(age),
        None => Duration::ZERO,
    }
}

/// Writes backups of the live `store` on schedule until `shutdown` completes. A backup runs on
/// a blocking thread (commits wait only while the store is copied in memory); a failure is
/// logged and tried again later.
pub async fn run_scheduled(
    store: Arc<SledStore>,
    cfg: BackupConfig,
    shutdown: impl Future<Output = ()>,
) {
    let dir = cfg.dir_for(store.dir());
    tokio::pin!(shutdown);
    let mut wait = due_in(&dir, cfg.every);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(wait) => {}
        }
        let (s, d, keep) = (store.clone(), dir.clone(), cfg.keep);
        match tokio::task::spawn_blocking(move || backup_now(&s, &d, keep)).await {
            Ok(Ok(w)) => {
                tracing::info!(
                    file = %w.path.display(),
                    tickets = w.tickets,
                    bytes = w.bytes,
                    crc32 = %w.checksum,
                    held_ms = w.held_ms,
                    "scheduled backup written"
                );
                wait = cfg.every;
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "scheduled backup failed; trying again later");
                wait = RETRY.min(cfg.every);
            }
            Err(e) => {
                tracing::warn!(error = %e, "scheduled backup stopped");
                wait = RETRY.min(cfg.every);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        for (text, secs) in [
            ("24h", 86_400),
            ("90m", 5400),
            ("7d", 604_800),
            ("1d12h", 129_600),
            ("45s", 45),
        ] {
            assert_eq!(parse_every(text), Ok(Duration::from_secs(secs)), "{text}");
        }
        for text in ["", "24", "h", "24x", "0h", "1.5h", "-1h"] {
            assert!(parse_every(text).is_err(), "{text:?} is refused");
        }
    }

    #[test]
    fn a_backup_section_reads_with_its_defaults() {
        let c: BackupConfig = toml::from_str("every = \"24h\"").unwrap();
        assert_eq!(c.every, Duration::from_secs(86_400));
        assert_eq!((c.keep, c.dir), (7, PathBuf::from("backups")));
        let e = toml::from_str::<BackupConfig>("every = \"10s\"").unwrap_err();
        assert!(e.to_string().contains("at least"), "{e}");
        let e = toml::from_str::<BackupConfig>("every = \"1h\"\nkept = 3").unwrap_err();
        assert!(e.to_string().contains("kept"), "{e}");
    }

    #[test]
    fn a_backup_section_in_the_configuration_is_checked_with_its_line() {
        let config = |backup: &str| {
            format!(
                "l3_queue = \"l3\"\n\n[[queues]]\nid = \"l3\"\ntier = \"L3\"\n\n[backup]\n{backup}\n"
            )
        };
        let path = Path::new("frontline.toml");
        let c = crate::config::Config::parse(path, &config("every = \"12h\"\nkeep = 3")).unwrap();
        let b = c.backup.expect("a [backup] section");
        assert_eq!((b.every, b.keep), (Duration::from_secs(43_200), 3));
        let e = crate::config::Config::parse(path, &config("every = \"often\"")).unwrap_err();
        assert_eq!(e.problems.len(), 1, "{e}");
        assert_eq!(e.problems[0].line, 8, "{e}");
        assert_eq!(e.problems[0].field, "backup.every", "{e}");
        assert!(e.to_string().contains("expected a duration like"), "{e}");
        assert!(crate::config::Config::parse(path, &config("keep = 3")).is_err());
    }

    #[test]
    fn pruning_keeps_the_newest_and_only_touches_scheduled_backups() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "frontline-2024-01-01T00-00-00Z.flbackup",
            "frontline-2024-01-02T00-00-00Z.flbackup",
            "frontline-2024-01-03T00-00-00Z.flbackup",
            "before-upgrade.flbackup",
        ];
        for n in names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        let deleted = prune(dir.path(), 2).unwrap();
        assert_eq!(deleted, vec![dir.path().join(names[0])]);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec![names[3], names[1], names[2]]);
    }
}
