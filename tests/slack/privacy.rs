//! Personal data erased from Slack: a person asks the app in a DM to delete their data, is told
//! what is kept, says yes, reads the confirmation, and then no file of the running bot's data
//! directory holds their Slack id, name or what they wrote; the ticket's shell stays.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::bot::{Bot, LIMIT, config};
use crate::mock_slack::{MockSlack, payloads};

const ZOFIA: &str = "U0ZOFIA";

fn holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            out.extend(holding(&entry.path(), needle));
        } else if kind.is_file()
            && let Ok(bytes) = std::fs::read(entry.path())
            && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        {
            out.push(entry.path().display().to_string());
        }
    }
    out
}

/// What surrounds `needle` in a file (for a failure's message).
fn around(file: &Path, needle: &str) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap_or_default();
    bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle.as_bytes())
        .map(|(i, _)| {
            String::from_utf8_lossy(&bytes[i.saturating_sub(200)..(i + 100).min(bytes.len())])
                .into_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slack_user_erases_their_data_from_a_dm() {
    let mock = MockSlack::start().await;
    mock.add_user(ZOFIA, "zofia");
    let bot = Bot::start(&config(&mock)).await;
    let dm = mock.dm_channel_of(ZOFIA);
    let says = |id: &str, text: &str| payloads::dm_event(id, ZOFIA, &dm, text, &mock.fresh_ts());
    bot.client
        .event(&says("Ev801", "my laptop screen is cracked Xqzvbnw"))
        .await;
    mock.wait_post(&dm, "opened ticket T-1000", LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    let data = bot.dir.path().join("data");
    assert!(
        !holding(&data, "Xqzvbnw").is_empty(),
        "the grep finds what is there"
    );

    bot.client
        .event(&says("Ev802", "I want to delete my personal data"))
        .await;
    let offer = mock
        .wait_post(&dm, "Erase everything I keep about you?", LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    assert!(
        offer
            .text()
            .contains("Here is what I keep about you: 1 ticket(s) (T-1000)"),
        "{}",
        offer.text()
    );
    bot.client.event(&says("Ev803", "yes")).await;
    mock.wait_post(&dm, "Done: I erased your messages", LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));

    // The rewrite follows the delivered confirmation.
    let started = Instant::now();
    loop {
        let left: Vec<String> = [ZOFIA, "zofia", "Xqzvbnw"]
            .iter()
            .flat_map(|n| holding(&data, n))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < LIMIT,
            "still on disk: {left:?}: {:?}\n{}",
            around(&data.join("db"), ZOFIA),
            bot.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = bot.cli(&["tickets", "show", "T-1000"]).await;
    assert!(shown.contains("personal data erased"), "{shown}");
    assert!(shown.contains("requester: erased-"), "{shown}");
    let audit = bot.cli(&["privacy", "audit", "--json"]).await;
    assert!(audit.contains("\"action\":\"erase\""), "{audit}");
    assert!(!audit.contains(ZOFIA), "{audit}");
    // The bot goes on, on the rewritten store.
    bot.client
        .event(&says("Ev804", "my vpn keeps disconnecting"))
        .await;
    mock.wait_post(&dm, "GlobalProtect", LIMIT)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", bot.log()));
    bot.stop().await;
}
