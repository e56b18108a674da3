//! The desk's stories end to end, through the real binary: an end user in `frontline chat`, agents in
//! `frontline agent` and `frontline tickets`, taking turns on one temporary store. Each story runs in
//! English and in Polish where the user writes something; assertions are on what the people see and
//! on the ticket as `tickets show --json` records it.

use crate::common;

use common::desk::{TestDesk, event_types, id_announced, ticket_ids};
use serde_json::Value;

/// What a user writes and what they must be shown, per language.
struct Lang {
    faq_question: &'static str,
    article_title: &'static str,
    did_this_solve_it: &'static str,
    yes: &'static str,
    no: &'static str,
    glad: &'static str,
    vpn_problem: &'static str,
    vpn_question_location: &'static str,
    vpn_question_error: &'static str,
    /// An answer to the first VPN question that gives away a password.
    answer_with_secret: &'static str,
    answer_error: &'static str,
    opened: &'static str,
    agent_reply: &'static str,
    joined: &'static str,
    user_answer_with_secret: &'static str,
    added: &'static str,
    resolved: &'static str,
    rate: &'static str,
    thanks_for_rating: &'static str,
    cracked: &'static str,
    human: &'static str,
    /// What the bot asks when someone wants a person and has said nothing yet.
    human_what: &'static str,
    /// Status names as the user reads them.
    waiting_status: &'static str,
    resolved_status: &'static str,
    l3: &'static str,
    status_question: &'static str,
    /// `{id}` is replaced by a ticket id.
    status_by_id: &'static str,
    not_found: &'static str,
    no_open_tickets: &'static str,
    /// A sentence only the other language's desk says: must not appear.
    other_language: &'static str,
}

const EN: Lang = Lang {
    faq_question: "how do I reset my password",
    article_title: "Reset a forgotten password",
    did_this_solve_it: "Did this solve it? (yes/no)",
    yes: "yes",
    no: "no",
    glad: "glad that helped",
    vpn_problem: "my VPN keeps disconnecting every few minutes",
    vpn_question_location: "Where are you connecting from",
    vpn_question_error: "What does GlobalProtect show",
    answer_with_secret: "from home, the internet works; my password is hunter2 if you need it",
    answer_error: "endless connecting",
    opened: "I've opened ticket",
    agent_reply: "Please remove and re-add the GlobalProtect portal profile",
    joined: "is now handling ticket",
    user_answer_with_secret: "done, it connects now. my password is hunter2 btw",
    added: "Added to ticket",
    resolved: "has been resolved",
    rate: "1 to 5",
    thanks_for_rating: "Thank you for the rating",
    cracked: "my laptop screen is cracked",
    human: "I want to talk to a human",
    human_what: "What is it about?",
    waiting_status: "waiting for an agent",
    resolved_status: "resolved",
    l3: "has been passed to specialists (L3)",
    status_question: "what's the status of my ticket?",
    status_by_id: "what's the status of ticket {id}?",
    not_found: "couldn't find ticket",
    no_open_tickets: "You have no open tickets",
    other_language: "Czy to rozwiązało problem?",
};

const PL: Lang = Lang {
    faq_question: "jak zresetować hasło",
    article_title: "Jak zresetować zapomniane hasło?",
    did_this_solve_it: "Czy to rozwiązało problem? (tak/nie)",
    yes: "tak",
    no: "nie",
    glad: "cieszę się, że pomogło",
    vpn_problem: "VPN ciągle się rozłącza co kilka minut",
    vpn_question_location: "Skąd się łączysz",
    vpn_question_error: "Co pokazuje GlobalProtect",
    answer_with_secret: "z domu, internet działa; moje hasło to hunter2 gdyby było potrzebne",
    answer_error: "ciągłe connecting",
    opened: "Otworzyłem zgłoszenie",
    agent_reply: "Proszę usunąć i dodać ponownie profil portalu GlobalProtect",
    joined: "zajmuje się teraz zgłoszeniem",
    user_answer_with_secret: "zrobione, teraz się łączy. moje hasło to hunter2 tak przy okazji",
    added: "Dopisałem to do zgłoszenia",
    resolved: "zostało rozwiązane",
    rate: "1–5",
    thanks_for_rating: "Dziękuję za ocenę",
    cracked: "ekran w laptopie jest pęknięty",
    human: "chcę porozmawiać z człowiekiem",
    human_what: "Czego dotyczy sprawa?",
    waiting_status: "czeka na konsultanta",
    resolved_status: "rozwiązane",
    l3: "trafiło do specjalistów (L3)",
    status_question: "jaki jest status mojego zgłoszenia?",
    status_by_id: "jaki jest status zgłoszenia {id}?",
    not_found: "Nie znalazłem zgłoszenia",
    no_open_tickets: "Nie masz otwartych zgłoszeń",
    other_language: "Did this solve it?",
};

/// What an agent is told when the desk refuses a command.
const REFUSALS: &[&str] = &[
    "not found",
    "cannot",
    "already claimed",
    "Only support agents",
    "Only the assignee",
    "No queue named",
    "No agent named",
    ", not ",
];

/// The agent terminal confirmed every command: each line after the banner names `id` and none is a
/// refusal.
fn assert_confirmed(agent_out: &str, id: &str) {
    let lines: Vec<&str> = agent_out.lines().skip(1).collect();
    assert!(!lines.is_empty(), "no confirmation:\n{agent_out}");
    for l in lines {
        assert!(l.contains(id), "line without {id}: {l:?}\n{agent_out}");
        assert!(
            !REFUSALS.iter().any(|r| l.contains(r)),
            "refused: {l:?}\n{agent_out}"
        );
    }
}

/// `haystack` contains `needles` in this order.
fn assert_in_order(haystack: &str, needles: &[&str]) {
    let mut from = 0;
    for n in needles {
        match haystack[from..].find(n) {
            Some(i) => from += i + n.len(),
            None => panic!("{n:?} missing (or out of order) in:\n{haystack}"),
        }
    }
}

fn ticket(shown: &Value) -> &Value {
    &shown["ticket"]
}

// --- 1. FAQ deflection -------------------------------------------------------------------------

fn faq_deflection(l: &Lang) {
    let desk = TestDesk::new();
    let out = desk.chat("jan", &[l.faq_question, l.yes]);
    assert_in_order(&out, &[l.article_title, l.did_this_solve_it, l.glad]);
    assert!(!out.contains(l.other_language), "wrong language:\n{out}");
    assert!(
        ticket_ids(&out).is_empty(),
        "a ticket was mentioned:\n{out}"
    );
    assert_eq!(
        desk.list(),
        Vec::<Value>::new(),
        "no ticket after a deflection"
    );
}

#[test]
fn faq_answer_that_solves_it_opens_no_ticket_en() {
    faq_deflection(&EN);
}

#[test]
fn faq_answer_that_solves_it_opens_no_ticket_pl() {
    faq_deflection(&PL);
}

// --- 2. A ticket with follow-ups, from opening to rating --------------------------------------

fn ticket_lifecycle(l: &Lang) {
    let desk = TestDesk::new();

    // The user: FAQ first, "no", the follow-up questions, then the ticket id.
    let out = desk.chat(
        "jan",
        &[l.vpn_problem, l.no, l.answer_with_secret, l.answer_error],
    );
    assert_in_order(
        &out,
        &[
            l.did_this_solve_it,
            l.vpn_question_location,
            l.vpn_question_error,
            l.opened,
        ],
    );
    assert!(!out.contains(l.other_language), "wrong language:\n{out}");
    let id = id_announced(&out, l.opened);

    let shown = desk.show(&id);
    let t = ticket(&shown);
    assert_eq!(t["id"], id.as_str());
    assert_eq!(t["detection"]["intent"], "vpn");
    assert_eq!(t["detection"]["faq_helped"], false);
    assert_eq!(t["queue"], "l2-network");
    assert_eq!(t["status"], "escalated");
    assert_eq!(t["tier"], "L2");
    assert_eq!(t["assignee"], Value::Null);
    assert_eq!(t["requester"]["platform"], "local");
    assert_eq!(t["requester"]["id"], "jan");
    assert_eq!(t["organisation"], "acme");
    let answers = t["answers"].as_array().expect("answers");
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0][0], "location");
    assert_eq!(answers[1][0], "error");
    assert_eq!(answers[1][1], l.answer_error);
    let location = answers[0][1].as_str().unwrap();
    assert!(location.contains("[redacted: password]"), "{location}");
    let transcript = serde_json::to_string(&t["transcript"]).unwrap();
    assert!(transcript.contains(l.vpn_problem), "{transcript}");
    assert!(transcript.contains("[redacted: password]"), "{transcript}");
    assert_eq!(event_types(&shown), ["opened"]);
    assert!(
        !desk.show_text(&id).contains("hunter2"),
        "secret on the ticket"
    );

    // alice claims and replies.
    let claim = format!("claim {id}");
    let reply = format!("reply {id} {}", l.agent_reply);
    let agent_out = desk.agent("alice", &[&claim, &reply]);
    assert_confirmed(&agent_out, &id);
    let t = desk.show(&id);
    assert_eq!(ticket(&t)["assignee"], "alice");
    assert_eq!(ticket(&t)["status"], "claimed");

    // The user's next chat: alice joined, her reply, then the user's answer is added.
    let out = desk.chat("jan", &[l.user_answer_with_secret]);
    let joined = format!("alice {} {id}", l.joined);
    let added = format!("{} {id}", l.added);
    assert_in_order(&out, &[&joined, l.agent_reply, &added]);

    // alice sees the answer, redacted, and resolves.
    let resolve = format!("resolve {id} 25 fixed the profile");
    let agent_out = desk.agent("alice", &["inbox", &resolve]);
    assert!(
        agent_out.contains("it connects now") || agent_out.contains("teraz się łączy"),
        "the user's answer did not reach alice:\n{agent_out}"
    );
    assert!(
        !agent_out.contains("hunter2"),
        "secret shown to the agent:\n{agent_out}"
    );
    assert!(
        !REFUSALS.iter().any(|r| agent_out.contains(r)),
        "refused:\n{agent_out}"
    );

    let shown = desk.show(&id);
    let t = ticket(&shown);
    assert_eq!(t["status"], "resolved");
    assert_eq!(t["minutes_spent"], 25);
    assert_eq!(
        event_types(&shown),
        [
            "opened",
            "claimed",
            "agent_replied",
            "user_replied",
            "resolved"
        ]
    );
    let events = shown["events"].as_array().unwrap();
    assert_eq!(events[1]["change"]["agent"], "alice");
    assert_eq!(events[2]["change"]["text"], l.agent_reply);
    assert_eq!(events[4]["change"]["minutes"], 25);
    assert_eq!(events[4]["change"]["note"], "fixed the profile");
    assert!(
        !desk.show_text(&id).contains("hunter2"),
        "secret on the ticket"
    );

    // The user's next chat: the resolution, the rating question; 4 is recorded.
    let out = desk.chat("jan", &["4"]);
    let resolved = format!("{id} {}: fixed the profile", l.resolved);
    assert_in_order(&out, &[&resolved, l.rate, l.thanks_for_rating]);
    let shown = desk.show(&id);
    assert_eq!(ticket(&shown)["rating"], 4);
    assert_eq!(
        event_types(&shown),
        [
            "opened",
            "claimed",
            "agent_replied",
            "user_replied",
            "resolved",
            "rated"
        ]
    );
}

#[test]
fn ticket_with_follow_ups_is_claimed_answered_resolved_and_rated_en() {
    ticket_lifecycle(&EN);
}

#[test]
fn ticket_with_follow_ups_is_claimed_answered_resolved_and_rated_pl() {
    ticket_lifecycle(&PL);
}

// --- 3. Immediate escalation ------------------------------------------------------------------

/// `message` opens a ticket in its first answer, with `intent` in `queue`.
fn escalates_at_once(l: &Lang, message: &str, intent: &str, queue: &str) {
    let desk = TestDesk::new();
    let out = desk.chat("jan", &[message]);
    assert!(
        !out.contains(l.did_this_solve_it),
        "FAQ offered first:\n{out}"
    );
    let id = id_announced(&out, l.opened);
    let shown = desk.show(&id);
    let t = ticket(&shown);
    assert_eq!(t["detection"]["intent"], intent, "{message}");
    assert_eq!(t["queue"], queue);
    assert_eq!(t["status"], "escalated");
    assert_eq!(t["subject"], message);
    assert_eq!(t["requester"]["id"], "jan");
    assert_eq!(desk.list().len(), 1);
}

#[test]
fn broken_hardware_opens_a_ticket_at_once_en() {
    escalates_at_once(&EN, EN.cracked, "hardware_fault", "l2-workplace");
}

#[test]
fn broken_hardware_opens_a_ticket_at_once_pl() {
    escalates_at_once(&PL, PL.cracked, "hardware_fault", "l2-workplace");
}

/// "human" with nothing said yet: the bot asks what it is about and opens nothing; the answer
/// opens the ticket at once (no FAQ, no questions), under the answer's own intent.
fn human_asks_then_opens(l: &Lang) {
    let desk = TestDesk::new();
    let out = desk.chat("jan", &[l.human]);
    assert!(
        out.contains(l.human_what),
        "not asked what it is about:\n{out}"
    );
    assert!(
        desk.list().is_empty(),
        "a ticket before the user said what for"
    );
    let out = desk.chat("jan", &[l.cracked]);
    assert!(
        !out.contains(l.did_this_solve_it),
        "FAQ offered to someone who asked for a person:\n{out}"
    );
    let id = id_announced(&out, l.opened);
    let shown = desk.show(&id);
    let t = ticket(&shown);
    assert_eq!(t["detection"]["intent"], "hardware_fault");
    assert_eq!(t["subject"], l.cracked);
    assert_eq!(desk.list().len(), 1);
}

#[test]
fn asking_for_a_human_asks_what_then_opens_a_ticket_en() {
    human_asks_then_opens(&EN);
}

#[test]
fn asking_for_a_human_asks_what_then_opens_a_ticket_pl() {
    human_asks_then_opens(&PL);
}

// --- 4. Escalation to L3 ----------------------------------------------------------------------

fn l3_escalation(l: &Lang) {
    let desk = TestDesk::new();
    let id = id_announced(&desk.chat("jan", &[l.cracked]), l.opened);

    let claim = format!("claim {id}");
    let escalate = format!("escalate {id} needs a specialist");
    assert_confirmed(&desk.agent("alice", &[&claim, &escalate]), &id);
    let shown = desk.show(&id);
    let t = ticket(&shown);
    assert_eq!(t["tier"], "L3");
    assert_eq!(t["queue"], "l3-engineering");
    assert_eq!(t["assignee"], Value::Null);
    assert_eq!(t["status"], "escalated");
    let last = shown["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["change"]["type"], "escalated");
    assert_eq!(last["change"]["note"], "needs a specialist");

    // bob (L2) is refused, in the terminal and on the command line; nothing changes.
    let before = desk.show_text(&id);
    let bob = desk.agent("bob", &[&claim]);
    assert!(
        bob.lines()
            .skip(1)
            .any(|l| l.contains(&id) && l.contains("L3")),
        "bob not told it is an L3 ticket:\n{bob}"
    );
    let o = desk.run(&["tickets", "claim", &id, "--as", "bob", "--json"], b"");
    assert!(!o.status.success(), "bob's claim succeeded");
    let answer: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(answer["ok"], false);
    assert!(
        answer["message"].as_str().unwrap().contains("L3"),
        "{answer}"
    );
    assert_eq!(
        desk.show_text(&id),
        before,
        "bob's refused claims changed the ticket"
    );

    // carol (L3) claims it.
    assert_confirmed(&desk.agent("carol", &[&claim]), &id);
    let t = desk.show(&id);
    assert_eq!(ticket(&t)["assignee"], "carol");
    assert_eq!(ticket(&t)["status"], "claimed");
    assert_eq!(ticket(&t)["tier"], "L3");

    // The user hears about each step, in order, in their language.
    let out = desk.chat("jan", &[]);
    let l3 = format!("{id} {}", l.l3);
    assert_in_order(
        &out,
        &[
            &format!("alice {}", l.joined),
            &l3,
            &format!("carol {}", l.joined),
        ],
    );
}

#[test]
fn escalated_to_l3_only_l3_agents_can_claim_en() {
    l3_escalation(&EN);
}

#[test]
fn escalated_to_l3_only_l3_agents_can_claim_pl() {
    l3_escalation(&PL);
}

// --- 5. Two agents racing for one ticket ------------------------------------------------------

#[test]
fn two_agents_claiming_at_once_exactly_one_wins() {
    let desk = TestDesk::new();
    for round in 0..4 {
        let id = desk.open_ticket(&format!("user{round}"));
        let alice = desk.start(&["tickets", "claim", &id, "--as", "alice", "--json"]);
        let bob = desk.start(&["tickets", "claim", &id, "--as", "bob", "--json"]);
        let results: Vec<(&str, std::process::Output)> = vec![
            ("alice", alice.wait_with_output().unwrap()),
            ("bob", bob.wait_with_output().unwrap()),
        ];
        let mut winners = Vec::new();
        for (who, o) in &results {
            let answer: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
                panic!(
                    "round {round}, {who}: no JSON ({e}): {}\nstderr: {}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                )
            });
            assert_eq!(
                o.status.success(),
                answer["ok"] == true,
                "round {round}, {who}: exit status and ok disagree: {answer}"
            );
            if o.status.success() {
                winners.push(*who);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let winner = winners[0];
        let (loser, lost) = results.iter().find(|(w, _)| *w != winner).unwrap();
        let answer: Value = serde_json::from_slice(&lost.stdout).unwrap();
        assert_eq!(answer["ok"], false);
        let msg = answer["message"].as_str().unwrap();
        assert!(
            msg.contains(&format!("already claimed by {winner}")),
            "round {round}: {loser} told {msg:?}"
        );
        let t = desk.show(&id);
        assert_eq!(ticket(&t)["assignee"], winner, "round {round}");
        assert_eq!(event_types(&t), ["opened", "claimed"], "round {round}");
    }
}

// --- 6. Ticket status -------------------------------------------------------------------------

fn status_of_open_ticket(l: &Lang) {
    let desk = TestDesk::new();
    let id = id_announced(&desk.chat("jan", &[l.cracked]), l.opened);
    let out = desk.chat("jan", &[l.status_question]);
    let reply = out.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert!(reply.contains(&id), "id not told:\n{out}");
    assert!(reply.contains(l.waiting_status), "status not told:\n{out}");
}

#[test]
fn status_question_with_a_ticket_open_tells_its_id_and_status_en() {
    status_of_open_ticket(&EN);
}

#[test]
fn status_question_with_a_ticket_open_tells_its_id_and_status_pl() {
    status_of_open_ticket(&PL);
}

/// After a ticket is resolved and rated, asking by number tells its status; with nothing open the
/// user is told so.
fn status_after_resolution(l: &Lang) {
    let desk = TestDesk::new();
    let id = id_announced(&desk.chat("jan", &[l.cracked]), l.opened);
    let claim = format!("claim {id}");
    let resolve = format!("resolve {id} 10 replaced the screen");
    assert_confirmed(&desk.agent("alice", &[&claim, &resolve]), &id);
    let by_id = l.status_by_id.replace("{id}", &id);
    let out = desk.chat("jan", &["5", &by_id, l.status_question]);
    assert_in_order(
        &out,
        &[
            l.thanks_for_rating,
            &format!("{id} ({})", l.resolved_status),
            l.no_open_tickets,
        ],
    );
}

#[test]
fn status_by_number_after_resolution_en() {
    status_after_resolution(&EN);
}

#[test]
fn status_by_number_after_resolution_pl() {
    status_after_resolution(&PL);
}

fn status_of_someone_elses_ticket(l: &Lang) {
    let desk = TestDesk::new();
    let id = id_announced(&desk.chat("jan", &[l.cracked]), l.opened);
    let out = desk.chat("anna", &[&l.status_by_id.replace("{id}", &id)]);
    assert!(
        out.contains(&format!("{} {id}", l.not_found)),
        "anna not told it cannot be found:\n{out}"
    );
    assert!(
        !out.contains(l.cracked),
        "jan's subject leaked to anna:\n{out}"
    );
    assert!(
        !out.contains("escalated"),
        "jan's status leaked to anna:\n{out}"
    );
    assert!(!out.contains("jan"), "jan leaked to anna:\n{out}");
    // Asking did not touch jan's ticket.
    assert_eq!(event_types(&desk.show(&id)), ["opened"]);
}

#[test]
fn another_users_ticket_cannot_be_found_by_number_en() {
    status_of_someone_elses_ticket(&EN);
}

#[test]
fn another_users_ticket_cannot_be_found_by_number_pl() {
    status_of_someone_elses_ticket(&PL);
}
