//! Organisations' accounts and ledgers in sled: the `accounts` tree (organisation id → the
//! account as JSON, with its revision) and the `ledger` tree (organisation `\0` month `\0` seq →
//! a charged entry as JSON). Both are written inside a turn's transaction (see
//! [`super::sled_store`]): the account's revision is checked there, so of two turns built on the
//! same balance one is refused and rebuilt, and a time entry and the balance it changes are on
//! disk together or not at all.

use sled::Tree;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::StoreError;
use crate::contracts::{Account, Entry};
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
            ledger.insert(
                ledger_key(&e.org, e.month(), e.seq),
                serde_json::to_vec(e).expect("entries serialise"),
            )?;
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
    let mut out = vec![];
    for item in tree.scan_prefix(prefix) {
        let (k, v) = item?;
        out.push(serde_json::from_slice(&v).map_err(|e| {
            damaged(
                format!("ledger/{}", String::from_utf8_lossy(&k).replace('\0', "/")),
                e,
            )
        })?);
    }
    Ok(out)
}
