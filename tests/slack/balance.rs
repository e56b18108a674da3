//! Support hours on Slack, through the real binary: Alice (ACME, a 10-hour block with 2 h 30
//! min used) asks in her DM how many hours are left and reads ACME's figures, never Globex's.
//! The organisations are stored in the data directory before `frontline run` starts, as the CLI
//! writes them (an `AccountWrite` in a committed turn).

use std::collections::BTreeMap;

use crate::bot::{Bot, config};
use crate::mock_slack::{MockSlack, payloads};
use crate::story::{ok, post_with};

use frontline::contracts::{Account, Contract, Kind};
use frontline::desk::Turn;
use frontline::desk::turn::AccountWrite;
use frontline::store::{SledStore, Store};

const ALICE: &str = "U0ALICE";
const GRETA: &str = "U0GRETA";

fn account(id: &str, name: &str, user: &str, contract: &str, hours: i64, used: i64) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        users: vec![format!("slack:{user}")],
        contracts: vec![Contract {
            id: contract.into(),
            kind: Kind::Block,
            minutes: hours * 60,
            price_cents: None,
            start: "2020-01-01".into(),
            expires: None,
            rollover: false,
            monthly_fee_cents: None,
            overage_rate_cents: None,
            past: Default::default(),
            rate_cents: None,
            billing: Default::default(),
            require_time: false,
            topups: vec![],
            closed: None,
            created_ms: 0,
        }],
        used: BTreeMap::from([(
            contract.to_string(),
            BTreeMap::from([("2020-01".to_string(), used)]),
        )]),
        rev: 1,
        ..Account::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_asks_her_hours_in_a_dm_and_reads_only_acmes_figures() {
    let mock = MockSlack::start().await;
    let dir = tempfile::tempdir().expect("temporary directory");
    {
        let store = SledStore::open(&dir.path().join("data")).expect("store opens");
        let accounts = [
            account("acme", "ACME", ALICE, "C-1001", 10, 150),
            account("globex", "Globex", GRETA, "C-1002", 20, 300),
        ];
        store
            .commit(
                &Turn {
                    accounts: accounts
                        .into_iter()
                        .map(|account| AccountWrite {
                            account,
                            expected_rev: None,
                            entries: vec![],
                        })
                        .collect(),
                    ..Turn::default()
                },
                1,
                true,
            )
            .expect("accounts stored");
        store.flush().expect("flushed");
    }
    let bot = Bot::start_in(&config(&mock), dir).await;
    mock.add_user(ALICE, "alice");
    let dm = mock.dm_channel_of(ALICE);
    let ask = payloads::dm_event(
        "EvBal1",
        ALICE,
        &dm,
        "how many hours do we have left?",
        &mock.fresh_ts(),
    );
    ok(bot.client.event(&ask).await).await;
    let answer = post_with(&mock, &dm, "Support hours of ACME", &bot).await;
    let said = answer.text();
    assert!(
        said.contains("C-1001 (block of hours): 7 h 30 min left of 10 h"),
        "{said}"
    );
    assert!(said.contains("Used this month ("), "{said}");
    assert!(
        !said.contains("Globex") && !said.contains("C-1002"),
        "{said}"
    );
    bot.stop().await;
}
