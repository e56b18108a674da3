//! Organisations' accounts and ledgers in sled: the `accounts` tree (organisation id → the
//! account as JSON, with its revision) and the `ledger` tree (organisation `\0` month `\0` seq →
//! a charged entry in a compact binary form, see [`encode_entry`]; entries written as JSON by
//! earlier builds are still read). Both are written inside a turn's transaction (see
//! [`super::sled_store`]): the account's revision is checked there, so of two turns built on the
//! same balance one is refused and rebuilt, and a time entry and the balance it changes are on
//! disk together or not at all.

use sled::Tree;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::StoreError;
use crate::contracts::{Account, Activity, Entry, Split};
use crate::desk::turn::AccountWrite;

/// Contract numbers start here (`C-1001`).
pub const FIRST_CONTRACT: u64 = 1001;

/// The ledger key of an entry: organisation, month, sequence number (big-endian).
pub fn ledger_key(org: &str, month: &str, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(org.len() + 18);
    k.extend_from_slice(org.as_bytes());
    k.push(0);
    k.extend_from_slice(month.as_bytes());
    k.push(0);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn damaged(what: String, e: serde_json::Error) -> sled::Error {
    sled::Error::Unsupported(format!("damaged record {what}: {e}"))
}

/// Writes a turn's accounts and entries, refusing the turn if an account changed since it was
/// read.
pub(super) fn write(
    writes: &[AccountWrite],
    accounts: &TransactionalTree,
    ledger: &TransactionalTree,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    for w in writes {
        let id = w.account.id.as_bytes();
        let stored = match accounts.get(id)? {
            Some(v) => match serde_json::from_slice::<Account>(&v) {
                Ok(a) => Some(a.rev),
                Err(e) => {
                    return Err(ConflictableTransactionError::Abort(StoreError::Corrupt {
                        dir: Default::default(),
                        key: format!("accounts/{}", w.account.id),
                        message: e.to_string(),
                    }));
                }
            },
            None => None,
        };
        if stored != w.expected_rev {
            return Err(ConflictableTransactionError::Abort(StoreError::Conflict(
                format!("account {}", w.account.id),
            )));
        }
        accounts.insert(
            id,
            serde_json::to_vec(&w.account).expect("accounts serialise"),
        )?;
        for e in &w.entries {
            ledger.insert(ledger_key(&e.org, e.month(), e.seq), encode_entry(e))?;
        }
    }
    Ok(())
}

pub(super) fn account(tree: &Tree, org: &str) -> Result<Option<Account>, sled::Error> {
    match tree.get(org.as_bytes())? {
        Some(v) => serde_json::from_slice(&v)
            .map(Some)
            .map_err(|e| damaged(format!("accounts/{org}"), e)),
        None => Ok(None),
    }
}

pub(super) fn accounts(tree: &Tree) -> Result<Vec<Account>, sled::Error> {
    let mut out = vec![];
    for item in tree.iter() {
        let (k, v) = item?;
        out.push(
            serde_json::from_slice(&v)
                .map_err(|e| damaged(format!("accounts/{}", String::from_utf8_lossy(&k)), e))?,
        );
    }
    Ok(out)
}

/// Entries of `org`, of one month or all, in month and sequence order.
pub(super) fn ledger(
    tree: &Tree,
    org: &str,
    month: Option<&str>,
) -> Result<Vec<Entry>, sled::Error> {
    let mut prefix = org.as_bytes().to_vec();
    prefix.push(0);
    if let Some(m) = month {
        prefix.extend_from_slice(m.as_bytes());
        prefix.push(0);
    }
    // The raw records first, so the entries (a month may hold 100,000) are allocated once
    // rather than grown by copying.
    let raw = tree.scan_prefix(prefix).collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(raw.len());
    for (k, v) in raw {
        out.push(decode_entry(&v).map_err(|e| {
            sled::Error::Unsupported(format!(
                "damaged record ledger/{}: {e}",
                String::from_utf8_lossy(&k).replace('\0', "/")
            ))
        })?);
    }
    Ok(out)
}

/// The first byte of an entry in the binary form (an entry as JSON starts with `{`).
const ENTRY_V1: u8 = 1;

/// An entry as stored in the ledger: a version byte, then its fields in order, integers as
/// LEB128 varints (signed ones zigzagged), strings as a length and UTF-8 bytes, options as 0
/// or the value plus one. A month's statement reads every entry of the month, and as JSON
/// (about 210 bytes an entry, a dozen allocations to decode) 100,000 entries took most of the
/// 200 ms a statement may take; this form is about a third of the size and decodes several
/// times faster.
pub fn encode_entry(e: &Entry) -> Vec<u8> {
    let mut b = Vec::with_capacity(64 + e.ticket.len() + e.agent.len() + 16 * e.splits.len());
    b.push(ENTRY_V1);
    put_str(&mut b, &e.org);
    put_u64(&mut b, e.seq);
    put_u64(&mut b, e.at_ms);
    put_str(&mut b, &e.date);
    put_str(&mut b, &e.ticket);
    put_u64(&mut b, e.event.map_or(0, |n| n as u64 + 1));
    put_str(&mut b, &e.agent);
    put_i64(&mut b, e.minutes);
    let activity = Activity::ALL
        .iter()
        .position(|a| *a == e.activity)
        .unwrap_or(0);
    b.push(activity as u8);
    b.push(e.billable as u8);
    put_u64(&mut b, e.refund_of.map_or(0, |n| n.saturating_add(1)));
    put_u64(&mut b, e.splits.len() as u64);
    for s in &e.splits {
        match &s.contract {
            Some(c) => {
                put_u64(&mut b, c.len() as u64 + 1);
                b.extend_from_slice(c.as_bytes());
            }
            None => b.push(0),
        }
        put_i64(&mut b, s.minutes);
    }
    b
}

/// An entry as stored: the binary form of [`encode_entry`], or JSON as earlier builds wrote it.
/// A damaged record is an error, never a panic.
pub fn decode_entry(v: &[u8]) -> Result<Entry, String> {
    match v.first() {
        Some(b'{') => serde_json::from_slice(v).map_err(|e| e.to_string()),
        Some(&ENTRY_V1) => {
            let mut r = Reader { b: v, at: 1 };
            let e = Entry {
                org: r.str()?,
                seq: r.u64()?,
                at_ms: r.u64()?,
                date: r.str()?,
                ticket: r.str()?,
                event: match r.u64()? {
                    0 => None,
                    n => Some(u32::try_from(n - 1).map_err(|_| "event number out of range")?),
                },
                agent: r.str()?,
                minutes: r.i64()?,
                activity: *Activity::ALL
                    .get(r.byte()? as usize)
                    .ok_or("unknown activity")?,
                billable: match r.byte()? {
                    0 => false,
                    1 => true,
                    _ => return Err("billable is neither 0 nor 1".into()),
                },
                refund_of: r.u64()?.checked_sub(1),
                splits: {
                    let n = r.u64()?;
                    // Each split takes at least two bytes: a count past that is damage.
                    if n > (v.len() - r.at) as u64 / 2 {
                        return Err("too many splits".into());
                    }
                    let mut splits = Vec::with_capacity(n as usize);
                    for _ in 0..n {
                        let contract = match r.u64()? {
                            0 => None,
                            len => Some(r.str_of(len - 1)?),
                        };
                        splits.push(Split {
                            contract,
                            minutes: r.i64()?,
                        });
                    }
                    splits
                },
            };
            if r.at != v.len() {
                return Err("bytes after the entry".into());
            }
            Ok(e)
        }
        Some(b) => Err(format!("unknown entry format {b}")),
        None => Err("empty record".into()),
    }
}

fn put_u64(b: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        b.push((n as u8) | 0x80);
        n >>= 7;
    }
    b.push(n as u8);
}

fn put_i64(b: &mut Vec<u8>, n: i64) {
    put_u64(b, ((n << 1) ^ (n >> 63)) as u64);
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_u64(b, s.len() as u64);
    b.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.b.get(self.at).ok_or("truncated")?;
        self.at += 1;
        Ok(b)
    }

    fn u64(&mut self) -> Result<u64, String> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                return Ok(n);
            }
        }
        Err("number too long".into())
    }

    fn i64(&mut self) -> Result<i64, String> {
        let n = self.u64()?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    fn str(&mut self) -> Result<String, String> {
        let len = self.u64()?;
        self.str_of(len)
    }

    fn str_of(&mut self, len: u64) -> Result<String, String> {
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| self.at.checked_add(l))
            .filter(|&e| e <= self.b.len())
            .ok_or("truncated")?;
        let s = std::str::from_utf8(&self.b[self.at..end]).map_err(|_| "not UTF-8")?;
        self.at = end;
        Ok(s.to_string())
    }
}
