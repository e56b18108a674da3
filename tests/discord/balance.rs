//! Support hours on Discord, against the mock: Jan (ACME, a 10-hour block with 2 h 30 min used)
//! asks in his DM how many hours are left and reads ACME's figures; Eve (Globex, 20 hours with 5
//! used) asks in Polish and reads only Globex's.

use std::collections::BTreeMap;

use crate::discord_e2e::{
    Bot, EVE, JAN, JAN_DM, config_toml, eve, inject_then, jan, parse_config, post_in, store,
};
use crate::mock_discord::MockDiscord;

use frontline::contracts::{Account, Contract, Kind};
use frontline::desk::Turn;
use frontline::desk::turn::AccountWrite;
use frontline::store::Store;

/// Eve's DM channel with the bot.
const EVE_DM: u64 = 410_000_000_000_000_002;

/// An organisation with one 10- or 20-hour block bought long ago, `used` minutes of it used, as
/// the CLI writes it (an `AccountWrite` in a committed turn).
fn organisation(
    store: &dyn Store,
    id: &str,
    name: &str,
    user: u64,
    contract: &str,
    hours: i64,
    used: i64,
) {
    let account = Account {
        id: id.into(),
        name: name.into(),
        users: vec![format!("discord:{user}")],
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
    };
    store
        .commit(
            &Turn {
                accounts: vec![AccountWrite {
                    account,
                    expected_rev: None,
                    entries: vec![],
                }],
                ..Turn::default()
            },
            1,
            false,
        )
        .expect("account stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jan_asks_his_hours_in_a_dm_and_reads_only_acmes_figures() {
    let mock = MockDiscord::start().await;
    let store = store();
    organisation(store.as_ref(), "acme", "ACME", JAN, "C-1001", 10, 150);
    organisation(store.as_ref(), "globex", "Globex", EVE, "C-1002", 20, 300);
    let bot = Bot::start_with(&mock, store.clone(), 1, parse_config(&config_toml(&mock))).await;

    let answer = inject_then(
        &mock,
        mock.dm_message(JAN_DM, &jan(), "how many hours do we have left?"),
        post_in(JAN_DM),
    )
    .await;
    let said = answer.content();
    assert!(said.contains("Support hours of ACME as of "), "{answer}");
    assert!(
        said.contains("- C-1001 (block of hours): 7 h 30 min left of 10 h"),
        "{answer}"
    );
    assert!(said.contains("Used this month ("), "{answer}");
    assert!(
        !said.contains("Globex") && !said.contains("C-1002"),
        "{answer}"
    );

    let answer = inject_then(
        &mock,
        mock.dm_message(EVE_DM, &eve(), "ile godzin nam zostało?"),
        post_in(EVE_DM),
    )
    .await;
    let said = answer.content();
    assert!(
        said.contains("- C-1002 (pakiet godzin): zostało 15 h z 20 h"),
        "{answer}"
    );
    assert!(
        !said.contains("ACME") && !said.contains("C-1001"),
        "{answer}"
    );
    // Questions, not tickets.
    assert!(store.list(&Default::default()).unwrap().is_empty());
    bot.stop().await;
}
