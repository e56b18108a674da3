//! What the people of a generated history write, in English and Polish: answers to the intents'
//! follow-up questions, agents' replies, questions and notes, requesters' answers.

use super::shape::Rng;

/// One of `texts`.
fn one(rng: &mut Rng, texts: &[&'static str]) -> &'static str {
    texts[rng.below(texts.len())]
}

/// An answer to the follow-up question `id` (the pack's `[[follow_up]] id`).
pub fn follow_up_answer(id: &str, polish: bool, rng: &mut Rng) -> &'static str {
    let (en, pl): (&[&str], &[&str]) = match id {
        "location" => (
            &[
                "from home, the internet works fine",
                "in the office, 2nd floor",
                "from a hotel",
            ],
            &[
                "z domu, internet działa",
                "w biurze, drugie piętro",
                "z hotelu",
            ],
        ),
        "error" | "symptoms" => (
            &[
                "it says the connection timed out",
                "no error, it just hangs",
                "an error about invalid credentials",
            ],
            &[
                "pisze, że przekroczono czas połączenia",
                "bez błędu, po prostu wisi",
                "błąd o nieprawidłowych danych logowania",
            ],
        ),
        "system" | "service" | "software" | "client" => (
            &[
                "Outlook on my laptop",
                "the ERP system",
                "Teams",
                "SharePoint",
            ],
            &["Outlook na laptopie", "system ERP", "Teams", "SharePoint"],
        ),
        "device" | "printer" | "item" => (
            &[
                "my Dell laptop",
                "the printer by the kitchen",
                "a second monitor",
            ],
            &["mój laptop Dell", "drukarka przy kuchni", "drugi monitor"],
        ),
        "since_when" | "when" => (
            &[
                "since this morning",
                "since yesterday afternoon",
                "since the update on Monday",
            ],
            &[
                "od rana",
                "od wczoraj po południu",
                "od poniedziałkowej aktualizacji",
            ],
        ),
        "scope" => (
            &["just me as far as I know", "two people in my team"],
            &["chyba tylko ja", "dwie osoby z mojego zespołu"],
        ),
        "approval" | "approver" => (
            &["my manager agreed", "my team lead approved it by e-mail"],
            &["kierownik się zgodził", "szef zespołu zatwierdził mailem"],
        ),
        "reason" => (
            &[
                "the old one is too slow for my work",
                "I am starting on a new project",
            ],
            &[
                "stary jest za wolny do mojej pracy",
                "zaczynam nowy projekt",
            ],
        ),
        "resource" | "file_location" => (
            &[
                "the Finance shared folder",
                "the projects drive, folder 2024",
            ],
            &["wspólny folder Finanse", "dysk projekty, folder 2024"],
        ),
        "for_whom" => (
            &["for me", "for a new colleague"],
            &["dla mnie", "dla nowej osoby w zespole"],
        ),
        "restart" | "self_service" => (
            &["yes, I restarted and tried that already", "not yet"],
            &["tak, restartowałem i próbowałem", "jeszcze nie"],
        ),
        "mfa" => (
            &["I have a new phone", "the authenticator app shows no codes"],
            &["mam nowy telefon", "aplikacja nie pokazuje kodów"],
        ),
        "connection" => (
            &["wifi", "the cable in the office"],
            &["wifi", "kabel w biurze"],
        ),
        _ => (
            &[
                "not sure, it started this morning",
                "I can send a screenshot if needed",
            ],
            &["nie wiem, zaczęło się rano", "mogę wysłać zrzut ekranu"],
        ),
    };
    one(rng, if polish { pl } else { en })
}

pub fn agent_reply(polish: bool, rng: &mut Rng) -> &'static str {
    const EN: &[&str] = &[
        "I've reset it on our side; please try again now.",
        "I've applied the fix remotely. Could you check if it works for you?",
        "Thanks for the details. I've updated your settings; please restart the application.",
        "I've pushed the configuration to your device; it should work after the next login.",
        "I'm looking into it now and will get back to you shortly.",
    ];
    const PL: &[&str] = &[
        "Zresetowałem to po naszej stronie, spróbuj teraz ponownie.",
        "Wprowadziłem poprawkę zdalnie. Sprawdzisz, czy działa?",
        "Dzięki za szczegóły. Zmieniłem ustawienia, uruchom proszę aplikację ponownie.",
        "Wysłałem konfigurację na Twoje urządzenie, zadziała po następnym logowaniu.",
        "Już się tym zajmuję, wrócę z odpowiedzią wkrótce.",
    ];
    one(rng, if polish { PL } else { EN })
}

pub fn agent_question(polish: bool, rng: &mut Rng) -> &'static str {
    const EN: &[&str] = &[
        "Could you send a screenshot of the error?",
        "Which computer name is it (on the sticker at the bottom)?",
        "When did it last work for you?",
        "Can I connect to your computer remotely at 14:00?",
    ];
    const PL: &[&str] = &[
        "Czy możesz przesłać zrzut ekranu z błędem?",
        "Jaka jest nazwa komputera (naklejka od spodu)?",
        "Kiedy ostatnio działało?",
        "Czy mogę połączyć się zdalnie z Twoim komputerem o 14:00?",
    ];
    one(rng, if polish { PL } else { EN })
}

pub fn user_answer(polish: bool, rng: &mut Rng) -> &'static str {
    const EN: &[&str] = &[
        "here is the screenshot, the error says access denied",
        "it is LAPTOP-0421",
        "it worked fine until Friday",
        "yes, 14:00 works for me",
    ];
    const PL: &[&str] = &[
        "przesyłam zrzut, błąd mówi odmowa dostępu",
        "to LAPTOP-0421",
        "działało do piątku",
        "tak, 14:00 mi pasuje",
    ];
    one(rng, if polish { PL } else { EN })
}

/// What an agent notes on resolving a change.
pub fn change_note(polish: bool) -> &'static str {
    if polish {
        "Zmiana wykonana w zaplanowanym oknie."
    } else {
        "Change carried out in its window."
    }
}

pub fn resolve_note(polish: bool, rng: &mut Rng) -> &'static str {
    const EN: &[&str] = &[
        "Fixed and confirmed with the user.",
        "Configuration corrected; works again.",
        "Replaced the faulty part.",
        "Access granted as requested.",
        "",
    ];
    const PL: &[&str] = &[
        "Naprawione i potwierdzone z użytkownikiem.",
        "Poprawiona konfiguracja, znowu działa.",
        "Wymieniona wadliwa część.",
        "Dostęp nadany zgodnie z prośbą.",
        "",
    ];
    one(rng, if polish { PL } else { EN })
}

pub fn escalation_note(rng: &mut Rng) -> &'static str {
    one(
        rng,
        &[
            "Needs a change on the server side; L2 cannot do it.",
            "Looks like a bug in the last release; logs attached.",
            "Firewall rule needed; please review.",
        ],
    )
}

pub fn reopen_words(polish: bool) -> &'static str {
    if polish { "otwórz ponownie" } else { "reopen" }
}

pub fn close_words(id: &str, polish: bool) -> String {
    if polish {
        format!("już działa, można zamknąć {id}")
    } else {
        format!("problem solved, close {id}")
    }
}
