//! What reports read, kept by the store in the same transaction as the events it is derived
//! from:
//!
//! - `facts`: each ticket's [`FactRecord`], 64 bytes, in chunks of 16 tickets (key: the chunk
//!   number, big-endian), so a report over a million tickets reads 62,500 values and a turn rewrites 1 KB per ticket;
//! - `names`: the small numbers records use for names (`n` ++ name → id, `i` ++ id → name, and
//!   `#` → the next id);
//! - `botcounts`: the bot's FAQ turns counted per UTC hour (`hour u32 BE, kind, platform,
//!   intent u16 BE, article u16 BE` → count u64 LE).

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use crate::desk::log::BotEvent;
use crate::reports::facts::{self, CHUNK, FactRecord, NO_NAME, NameId};
use crate::reports::{BotCount, BotCountKind, Names};
use crate::tickets::Ticket;

use super::StoreError;

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

/// The id of `name`, given one if it has none.
fn name_id(names: &TransactionalTree, name: &str) -> TxResult<NameId> {
    let key = [b"n".as_slice(), name.as_bytes()].concat();
    if let Some(v) = names.get(&key)? {
        return Ok(u16::from_le_bytes([v[0], v.get(1).copied().unwrap_or(0)]));
    }
    let next = match names.get(b"#")? {
        Some(v) => u16::from_le_bytes([v[0], v.get(1).copied().unwrap_or(0)]),
        None => 1,
    };
    // The table is full (65,535 names): later names are reported as "(none)".
    if next == u16::MAX {
        return Ok(NO_NAME);
    }
    names.insert(b"#".as_slice(), &(next + 1).to_le_bytes()[..])?;
    names.insert(key, &next.to_le_bytes()[..])?;
    names.insert(
        [b"i".as_slice(), &next.to_be_bytes()].concat(),
        name.as_bytes(),
    )?;
    Ok(next)
}

/// Writes the records of `tickets` (as they are after the turn).
pub(crate) fn write_facts<'a>(
    tickets: impl Iterator<Item = &'a Ticket>,
    facts_tree: &TransactionalTree,
    names: &TransactionalTree,
) -> TxResult<()> {
    for t in tickets {
        let mut failed = None;
        let r = FactRecord::of(t, |n| match name_id(names, n) {
            Ok(id) => id,
            Err(e) => {
                failed.get_or_insert(e);
                NO_NAME
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        let key = (t.number / CHUNK).to_be_bytes();
        let old = facts_tree.get(key)?;
        facts_tree.insert(&key[..], facts::patch_chunk(old.as_deref(), &r))?;
    }
    Ok(())
}

fn count_key(
    hour: u32,
    kind: BotCountKind,
    platform: u8,
    intent: NameId,
    article: NameId,
) -> [u8; 10] {
    let mut k = [0u8; 10];
    k[..4].copy_from_slice(&hour.to_be_bytes());
    k[4] = kind as u8;
    k[5] = platform;
    k[6..8].copy_from_slice(&intent.to_be_bytes());
    k[8..10].copy_from_slice(&article.to_be_bytes());
    k
}

/// Counts the turn's FAQ events (offered, helped, did not help) in their hour.
pub(crate) fn count_bot_events(
    events: &[(String, BotEvent)],
    now: u64,
    counts: &TransactionalTree,
    names: &TransactionalTree,
) -> TxResult<()> {
    let hour = u32::try_from(now / 3_600_000).unwrap_or(u32::MAX);
    for (user, e) in events {
        let (kind, intent, article) = match e {
            BotEvent::FaqOffered {
                intent, articles, ..
            } => (
                BotCountKind::FaqOffered,
                intent.as_str(),
                articles.first().map(String::as_str).unwrap_or(""),
            ),
            BotEvent::FaqAnswered {
                article,
                helped,
                intent,
            } => (
                if *helped {
                    BotCountKind::FaqHelped
                } else {
                    BotCountKind::FaqNotHelped
                },
                intent.as_str(),
                article.as_str(),
            ),
            _ => continue,
        };
        let platform = user
            .split_once(':')
            .and_then(|(p, _)| crate::tickets::Platform::parse(p))
            .map_or(0, facts::platform_code);
        let id = |n: &str| {
            if n.is_empty() {
                Ok(NO_NAME)
            } else {
                name_id(names, n)
            }
        };
        let key = count_key(hour, kind, platform, id(intent)?, id(article)?);
        let n = counts
            .get(key)?
            .map(|v| u64::from_le_bytes(v[..8].try_into().unwrap_or_default()))
            .unwrap_or(0);
        counts.insert(&key[..], &(n + 1).to_le_bytes()[..])?;
    }
    Ok(())
}

/// Every stored record, in ticket order.
pub(crate) fn scan_facts(
    tree: &sled::Tree,
    f: &mut dyn FnMut(FactRecord),
) -> Result<(), sled::Error> {
    for item in tree.iter() {
        let (k, v) = item?;
        let Ok(chunk) = <[u8; 8]>::try_from(&k[..]) else {
            continue;
        };
        facts::decode_chunk(u64::from_be_bytes(chunk), &v, &mut *f);
    }
    Ok(())
}

/// The bot's counters of hours `from..to`.
pub(crate) fn scan_counts(
    tree: &sled::Tree,
    from_hour: u32,
    to_hour: u32,
    f: &mut dyn FnMut(BotCount),
) -> Result<(), sled::Error> {
    for item in tree.range(from_hour.to_be_bytes()..to_hour.to_be_bytes()) {
        let (k, v) = item?;
        if k.len() != 10 || v.len() < 8 {
            continue;
        }
        let Some(kind) = BotCountKind::from_code(k[4]) else {
            continue;
        };
        f(BotCount {
            hour: u32::from_be_bytes([k[0], k[1], k[2], k[3]]),
            kind,
            platform: k[5],
            intent: u16::from_be_bytes([k[6], k[7]]),
            article: u16::from_be_bytes([k[8], k[9]]),
            n: u64::from_le_bytes(v[..8].try_into().unwrap_or_default()),
        });
    }
    Ok(())
}

/// The names table.
pub(crate) fn names(tree: &sled::Tree) -> Result<Names, sled::Error> {
    let mut out = vec![String::new()];
    for item in tree.scan_prefix(b"i") {
        let (k, v) = item?;
        if k.len() != 3 {
            continue;
        }
        let id = usize::from(u16::from_be_bytes([k[1], k[2]]));
        if out.len() <= id {
            out.resize(id + 1, String::new());
        }
        out[id] = String::from_utf8_lossy(&v).into_owned();
    }
    Ok(Names(out))
}
