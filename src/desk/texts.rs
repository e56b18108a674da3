//! What the bot says, in each language it speaks. Intent replies and FAQ answers come from the pack;
//! these are the desk's own sentences. Unknown languages fall back to English.

/// A sentence of the desk's, by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    DidThisSolveIt,
    GladItHelped,
    LetsOpenTicket,
    TicketOpened,
    TicketEscalatedNow,
    NotUnderstood,
    EmptyMessage,
    NoTickets,
    YourTickets,
    TicketUnknown,
    AgentJoined,
    TicketResolved,
    AskCsat,
    ThanksForRating,
    EscalatedToL3,
    Reopened,
    SentToAgent,
    FaqSuggestions,
}

pub fn text(language: &str, t: Text) -> &'static str {
    let pl = language == "pl";
    match t {
        Text::DidThisSolveIt => {
            if pl {
                "Czy to rozwiązało problem? (tak/nie)"
            } else {
                "Did this solve it? (yes/no)"
            }
        }
        Text::GladItHelped => {
            if pl {
                "Świetnie, cieszę się, że pomogło! Napisz, jeśli będę mógł pomóc w czymś jeszcze."
            } else {
                "Great, glad that helped! Write again if you need anything else."
            }
        }
        Text::LetsOpenTicket => {
            if pl {
                "Dobrze, przekażę to do zespołu wsparcia. Kilka pytań, żeby przyspieszyć sprawę:"
            } else {
                "OK, I'll pass this to the support team. A few questions first so they can help faster:"
            }
        }
        Text::TicketOpened => {
            if pl {
                "Otworzyłem zgłoszenie {id} (priorytet {priority}). Agent odezwie się tutaj; możesz dopisywać szczegóły w tej rozmowie."
            } else {
                "I've opened ticket {id} (priority {priority}). An agent will reply here; you can add details in this conversation."
            }
        }
        Text::TicketEscalatedNow => {
            if pl {
                "Przekazuję to od razu do zespołu wsparcia."
            } else {
                "I'm passing this to the support team right away."
            }
        }
        Text::NotUnderstood => {
            if pl {
                "Nie jestem pewien, o co chodzi. Opisz problem innymi słowami, napisz „faq <słowa>”, żeby przeszukać bazę wiedzy, albo „człowiek”, żeby porozmawiać z konsultantem."
            } else {
                "I'm not sure I understood. You can describe the problem in other words, type \"faq <words>\" to search the knowledge base, or \"human\" to talk to a person."
            }
        }
        Text::EmptyMessage => {
            if pl {
                "Nie dostałem żadnej treści. Opisz, w czym mogę pomóc."
            } else {
                "I didn't get any text. Tell me what you need help with."
            }
        }
        Text::NoTickets => {
            if pl {
                "Nie masz otwartych zgłoszeń."
            } else {
                "You have no open tickets."
            }
        }
        Text::YourTickets => {
            if pl {
                "Twoje zgłoszenia:"
            } else {
                "Your tickets:"
            }
        }
        Text::TicketUnknown => {
            if pl {
                "Nie znalazłem zgłoszenia {id} wśród Twoich zgłoszeń."
            } else {
                "I couldn't find ticket {id} among your tickets."
            }
        }
        Text::AgentJoined => {
            if pl {
                "{agent} zajmuje się teraz zgłoszeniem {id}."
            } else {
                "{agent} is now handling ticket {id}."
            }
        }
        Text::TicketResolved => {
            if pl {
                "Zgłoszenie {id} zostało rozwiązane: {note}"
            } else {
                "Ticket {id} has been resolved: {note}"
            }
        }
        Text::AskCsat => {
            if pl {
                "Jak oceniasz pomoc w skali 1–5? (albo napisz „otwórz ponownie”, jeśli problem wrócił)"
            } else {
                "How would you rate the help, 1 to 5? (or write \"reopen\" if the problem is back)"
            }
        }
        Text::ThanksForRating => {
            if pl {
                "Dziękuję za ocenę!"
            } else {
                "Thank you for the rating!"
            }
        }
        Text::EscalatedToL3 => {
            if pl {
                "Zgłoszenie {id} trafiło do specjalistów (L3)."
            } else {
                "Ticket {id} has been passed to specialists (L3)."
            }
        }
        Text::Reopened => {
            if pl {
                "Otworzyłem ponownie zgłoszenie {id}."
            } else {
                "I've reopened ticket {id}."
            }
        }
        Text::SentToAgent => {
            if pl {
                "Przekazałem to do zgłoszenia {id}."
            } else {
                "Added to ticket {id}."
            }
        }
        Text::FaqSuggestions => {
            if pl {
                "Może pomoże któryś z tych artykułów:"
            } else {
                "Maybe one of these articles helps:"
            }
        }
    }
}

/// `text` with `{name}` placeholders filled.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut s = template.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}
