//! What the bot says, in each language it speaks. Intent replies and FAQ answers come from the pack;
//! these are the desk's own sentences, one sentence per meaning. Unknown languages fall back to
//! English.

/// A sentence of the desk's, by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    DidThisSolveIt,
    GladItHelped,
    NotSolvedAsk,
    NotSolvedEscalate,
    AskFirst,
    QuestionsHint,
    TicketOpened,
    NotUnderstood,
    EmptyMessage,
    NoTickets,
    YourTickets,
    TicketOpenedFor,
    NothingToTicket,
    WaitingReminder,
    WaitingReminderNoClose,
    ClosedNoAnswer,
    TicketUnknown,
    AgentJoined,
    TicketResolved,
    TicketResolvedNote,
    AskCsat,
    CsatReminder,
    ThanksForRating,
    ThanksForRatingComment,
    EscalatedToL3,
    EscalatedToVendor,
    /// The desk's on-duty agent has the new ticket (L1 and L2 merged).
    OnDutyHasIt,
    Reopened,
    SentToAgent,
    FaqSuggestions,
    FaqNothing,
    TicketOrNew,
    Welcome,
    StillOpen,
    FollowUpCancelled,
    NothingToCancel,
    Cancelled,
    ConfirmClose,
    /// What the desk keeps about the person, and the offer to erase it (`data_privacy`).
    PrivacyOffer,
    PrivacyErased,
    PrivacyKept,
    ClosedByUser,
    KeptOpen,
    WhichTicket,
    NothingToClose,
    OfferReopen,
    NotReopened,
    HumanWhat,
    HumanAlready,
    Sorry,
    Clarify,
    NewProblemWhat,
    Hours,
    HoursOutside,
    IncidentKnown,
    IncidentResolved,
    AgentSays,
    StaleButton,
    Skipped,
    NoQueue,
    AlreadyRated,
    HowCanIHelp,
    VagueProblem,
    OneUserOutage,
    ApprovalNeeded,
    ApprovalGranted,
    ApprovalDenied,
    VisitProposed,
    VisitConfirmed,
    VisitWillRemind,
    VisitAnotherTimeAsk,
    VisitAnotherTimeNoted,
    VisitCancelled,
    VisitReminder,
    VisitNotYours,
    VisitStale,
    VisitAlreadyConfirmed,
    /// The balance answer's first line (balance.rs).
    BalanceHeader,
    BalanceLineBlock,
    BalanceLinePlan,
    BalanceLineAnnual,
    BalanceUntil,
    /// A block past its expiry whose hours roll over.
    BalanceExpiredRolls,
    BalanceUsed,
    BalanceOverage,
    BalanceBuyMore,
    /// The message named another organisation or its contract.
    BalanceOnlyYours,
    BalanceNoOrganisation,
    BalanceNoContract,
    BalanceContact,
    /// To the organisation's contact and the admins, before a block expires.
    ContractExpiryWarning,
    ExpiryToday,
    ExpiryTomorrow,
    ExpiryInDays,
    ExpiryRollover,
    ExpiryLost,
}

pub fn text(language: &str, t: Text) -> &'static str {
    let pl = language == "pl";
    let (en, pl_text) = match t {
        Text::DidThisSolveIt => (
            "Did this solve it? (yes/no)",
            "Czy to rozwiązało problem? (tak/nie)",
        ),
        Text::GladItHelped => (
            "Great, glad that helped! Write again if you need anything else.",
            "Świetnie, cieszę się, że pomogło! Napisz, jeśli będę mógł pomóc w czymś jeszcze.",
        ),
        Text::NotSolvedAsk => (
            "Sorry that didn't help. I'll pass this to the support team; first a question so they can help faster:",
            "Przykro mi, że to nie pomogło. Przekażę sprawę do zespołu wsparcia; najpierw pytanie, żeby mogli szybciej pomóc:",
        ),
        Text::NotSolvedEscalate => (
            "Sorry that didn't help; I'm passing this to the support team.",
            "Przykro mi, że to nie pomogło; przekazuję sprawę do zespołu wsparcia.",
        ),
        Text::AskFirst => (
            "I'll pass this to the support team; first a question so they can help faster:",
            "Przekażę sprawę do zespołu wsparcia; najpierw pytanie, żeby mogli szybciej pomóc:",
        ),
        Text::QuestionsHint => (
            "(\"skip\" skips a question, \"cancel\" stops)",
            "(„pomiń” pomija pytanie, „anuluj” przerywa)",
        ),
        Text::TicketOpened => (
            "I've opened ticket {id} (priority {priority}); a technician will reply here, and anything you add here goes to it.",
            "Otworzyłem zgłoszenie {id} (priorytet {priority}); technik odpowie tutaj, a wszystko, co tu dopiszesz, trafi do zgłoszenia.",
        ),
        Text::NotUnderstood => (
            "I'm not sure I understood. I can help with passwords and accounts, VPN and network, e-mail, printers, computers and phones, software and access requests. Describe the problem in other words, type \"faq <words>\" to search the knowledge base, or \"human\" to talk to a person.",
            "Nie jestem pewien, o co chodzi. Pomagam w sprawach haseł i kont, VPN i sieci, poczty, drukarek, komputerów i telefonów, oprogramowania i dostępów. Opisz problem innymi słowami, napisz „faq <słowa>”, żeby przeszukać bazę wiedzy, albo „człowiek”, żeby porozmawiać z konsultantem.",
        ),
        Text::EmptyMessage => (
            "I didn't get any text. Tell me what you need help with.",
            "Nie dostałem żadnej treści. Opisz, w czym mogę pomóc.",
        ),
        Text::NoTickets => ("You have no open tickets.", "Nie masz otwartych zgłoszeń."),
        Text::YourTickets => ("Your tickets:", "Twoje zgłoszenia:"),
        Text::TicketOpenedFor => (
            "Ticket {id} is open for {name}; they are told in the message's thread.",
            "Zgłoszenie {id} otwarte dla: {name}; dostali informację w wątku wiadomości.",
        ),
        Text::WaitingReminder => (
            "A reminder about ticket {id}: the technician is waiting for your answer to the question above. Without an answer the ticket will be closed on {date}; reply here to keep it open.",
            "Przypomnienie o zgłoszeniu {id}: technik czeka na Twoją odpowiedź na pytanie powyżej. Bez odpowiedzi zgłoszenie zostanie zamknięte {date}; odpisz tutaj, żeby pozostało otwarte.",
        ),
        Text::WaitingReminderNoClose => (
            "A reminder about ticket {id}: the technician is waiting for your answer to the question above.",
            "Przypomnienie o zgłoszeniu {id}: technik czeka na Twoją odpowiedź na pytanie powyżej.",
        ),
        Text::ApprovalNeeded => (
            "Your request {id} needs approval by {approver} before an agent can start on it. I'll tell you when it is decided.",
            "Twoje zgłoszenie {id} wymaga zatwierdzenia przez: {approver}, zanim konsultant się nim zajmie. Dam znać, gdy zapadnie decyzja.",
        ),
        Text::ApprovalGranted => (
            "Good news: your request {id} was approved by {by}. It is now waiting for an agent.",
            "Dobra wiadomość: Twoje zgłoszenie {id} zostało zatwierdzone (zatwierdził(a): {by}). Czeka teraz na konsultanta.",
        ),
        Text::ApprovalDenied => (
            "Your request {id} was not approved by {by}: {reason}\nThe ticket is closed; write to me if you have questions.",
            "Twoje zgłoszenie {id} nie zostało zatwierdzone (odmówił(a): {by}): {reason}\nZgłoszenie jest zamknięte; napisz, jeśli masz pytania.",
        ),
        Text::ClosedNoAnswer => (
            "Ticket {id} has been closed because we did not hear back from you. Write here if you still need help.",
            "Zgłoszenie {id} zostało zamknięte, bo nie dostaliśmy odpowiedzi. Napisz tutaj, jeśli nadal potrzebujesz pomocy.",
        ),
        Text::NothingToTicket => (
            "That message has no text to make a ticket of.",
            "Ta wiadomość nie ma treści, z której można zrobić zgłoszenie.",
        ),
        Text::TicketUnknown => (
            "I couldn't find ticket {id} among your tickets.",
            "Nie znalazłem zgłoszenia {id} wśród Twoich zgłoszeń.",
        ),
        Text::AgentJoined => (
            "{agent} is now handling ticket {id}.",
            "{agent} zajmuje się teraz zgłoszeniem {id}.",
        ),
        Text::TicketResolved => (
            "Ticket {id} has been resolved.",
            "Zgłoszenie {id} zostało rozwiązane.",
        ),
        Text::TicketResolvedNote => (
            "Ticket {id} has been resolved: {note} ({agent})",
            "Zgłoszenie {id} zostało rozwiązane: {note} ({agent})",
        ),
        Text::AskCsat => (
            "How would you rate the help, 1 to 5? You can add a comment. If the problem is back, just tell me.",
            "Jak oceniasz pomoc w skali 1–5? Możesz dodać komentarz. Jeśli problem wrócił, po prostu napisz.",
        ),
        Text::CsatReminder => (
            "Ticket {id} was resolved. How would you rate the help, 1 to 5? If the problem is back, just tell me.",
            "Zgłoszenie {id} zostało rozwiązane. Jak oceniasz pomoc w skali 1–5? Jeśli problem wrócił, po prostu napisz.",
        ),
        Text::ThanksForRating => ("Thank you for the rating!", "Dziękuję za ocenę!"),
        Text::ThanksForRatingComment => (
            "Thank you for the rating; I've passed your comment on to the team.",
            "Dziękuję za ocenę; przekazałem Twój komentarz zespołowi.",
        ),
        Text::EscalatedToL3 => (
            "Ticket {id} has been passed to specialists (L3).",
            "Zgłoszenie {id} trafiło do specjalistów (L3).",
        ),
        Text::EscalatedToVendor => (
            "Ticket {id} needs help from {vendor}: we have sent them the case and {agent} stays on it with you. We will let you know what they say.",
            "Zgłoszenie {id} wymaga pomocy {vendor}: przekazaliśmy im sprawę, a {agent} nadal się nią zajmuje. Damy znać, co odpowiedzą.",
        ),
        Text::OnDutyHasIt => (
            "I've opened ticket {id} (priority {priority}) and handed it to {agent}, who is on duty; they will write to you here.",
            "Otworzyłem zgłoszenie {id} (priorytet {priority}) i przekazałem je dyżurującej osobie ({agent}); odezwie się tutaj.",
        ),
        Text::Reopened => (
            "I've reopened ticket {id}; the team will pick it up again.",
            "Otworzyłem ponownie zgłoszenie {id}; zespół znów się nim zajmie.",
        ),
        Text::SentToAgent => ("Added to ticket {id}.", "Dopisałem to do zgłoszenia {id}."),
        Text::FaqSuggestions => (
            "These articles may help (type a number to open one):",
            "Te artykuły mogą pomóc (wpisz numer, żeby otworzyć):",
        ),
        Text::FaqNothing => (
            "I found no article about that. Describe the problem and I'll help, or type \"human\" to talk to a person.",
            "Nie znalazłem artykułu na ten temat. Opisz problem, a pomogę, albo napisz „człowiek”, żeby porozmawiać z konsultantem.",
        ),
        Text::TicketOrNew => (
            "Is this about {id} ({subject}) or something new? (same/new)",
            "Czy to dotyczy zgłoszenia {id} ({subject}), czy to nowa sprawa? (to samo/nowe)",
        ),
        Text::Welcome => ("You're welcome!", "Proszę bardzo!"),
        Text::StillOpen => (
            "{id} is still open; I'll tell you here when there's news.",
            "{id} jest wciąż otwarte; dam znać tutaj, gdy coś się zmieni.",
        ),
        Text::FollowUpCancelled => (
            "OK, I won't open a ticket. Write again whenever you need help.",
            "Dobrze, nie zakładam zgłoszenia. Napisz, kiedy tylko będziesz potrzebować pomocy.",
        ),
        Text::NothingToCancel => ("There's nothing to cancel.", "Nie ma czego anulować."),
        Text::Cancelled => ("OK, cancelled.", "Dobrze, anulowane."),
        Text::ConfirmClose => (
            "Close ticket {id} ({subject})? (yes/no)",
            "Zamknąć zgłoszenie {id} ({subject})? (tak/nie)",
        ),
        Text::ClosedByUser => (
            "Ticket {id} is closed. If the problem comes back, tell me and I'll reopen it.",
            "Zgłoszenie {id} jest zamknięte. Jeśli problem wróci, napisz, a otworzę je ponownie.",
        ),
        Text::KeptOpen => ("OK, {id} stays open.", "Dobrze, {id} pozostaje otwarte."),
        Text::PrivacyOffer => (
            "Here is what I keep about you: {tickets} ticket(s){ids} with your messages and the replies to them, your name and id on them, and this conversation. For a copy of all of it, ask the support team (they export it with `frontline privacy export`). I can erase it now: your messages, the replies and your name go for good, and your tickets stay only as anonymous records. Erase everything I keep about you? (yes/no)",
            "Oto, co o Tobie przechowuję: zgłoszenia w liczbie {tickets}{ids} z Twoimi wiadomościami i odpowiedziami na nie, Twoje imię i identyfikator oraz tę rozmowę. Kopię wszystkiego przygotuje zespół wsparcia (eksportuje ją poleceniem `frontline privacy export`). Mogę to teraz usunąć: Twoje wiadomości, odpowiedzi i imię znikną na zawsze, a zgłoszenia zostaną tylko jako anonimowe wpisy. Usunąć wszystko, co o Tobie przechowuję? (tak/nie)",
        ),
        Text::PrivacyErased => (
            "Done: I erased your messages, the replies and your name from {tickets} ticket(s), and forgot this conversation. If you write again, I start afresh.",
            "Gotowe: usunąłem Twoje wiadomości, odpowiedzi i imię ze zgłoszeń (w liczbie {tickets}) i zapomniałem tę rozmowę. Jeśli napiszesz ponownie, zaczniemy od nowa.",
        ),
        Text::PrivacyKept => ("OK, nothing was erased.", "Dobrze, niczego nie usunąłem."),
        Text::WhichTicket => (
            "Which ticket? Type its number:",
            "Które zgłoszenie? Wpisz numer:",
        ),
        Text::NothingToClose => (
            "You have no open tickets to close.",
            "Nie masz otwartych zgłoszeń do zamknięcia.",
        ),
        Text::OfferReopen => (
            "Sorry it's not fixed. Shall I reopen {id}? (yes/no)",
            "Przykro mi, że problem nie zniknął. Otworzyć ponownie {id}? (tak/nie)",
        ),
        Text::NotReopened => (
            "OK, I won't reopen it. If it's a different problem, describe it and I'll help.",
            "Dobrze, nie otwieram go. Jeśli to inny problem, opisz go, a pomogę.",
        ),
        Text::HumanWhat => (
            "Sure, I'll get you a person. What is it about? One sentence is enough.",
            "Jasne, przekażę Cię do konsultanta. Czego dotyczy sprawa? Wystarczy jedno zdanie.",
        ),
        Text::HumanAlready => (
            "{id} is already with the support team; I've told them you'd like a person to reply.",
            "{id} jest już w zespole wsparcia; przekazałem, że chcesz rozmawiać z człowiekiem.",
        ),
        Text::Sorry => (
            "I'm sorry this has been so frustrating; I'm getting a person on it now.",
            "Przepraszam, że to tyle trwa; od razu przekazuję sprawę konsultantowi.",
        ),
        Text::Clarify => (
            "Is this about {a} or {b}? (1/2)",
            "Czy chodzi o: {a}, czy {b}? (1/2)",
        ),
        Text::NewProblemWhat => (
            "Sure, what's the new problem?",
            "Jasne, jaki jest nowy problem?",
        ),
        Text::Hours => (
            "Support is available {hours}.",
            "Wsparcie jest dostępne {hours}.",
        ),
        Text::HoursOutside => (
            "Outside those hours you can still write here; your ticket waits for the team.",
            "Poza tymi godzinami też możesz tu pisać; zgłoszenie poczeka na zespół.",
        ),
        Text::IncidentKnown => (
            "This looks like a known problem: {id} ({subject}) is already being worked on. I've added your report to it and will tell you here when it's fixed.",
            "To wygląda na znany problem: nad zgłoszeniem {id} ({subject}) już trwają prace. Dołączyłem Twoje zgłoszenie i dam znać tutaj, gdy zostanie naprawione.",
        ),
        Text::IncidentResolved => (
            "The problem you reported is fixed ({id}). {agent} wrote: {note}",
            "Problem, który zgłaszałeś(-aś), został naprawiony ({id}). {agent} napisał(a): {note}",
        ),
        Text::AgentSays => (
            "{agent} (support, {id}): {text}",
            "{agent} (wsparcie, {id}): {text}",
        ),
        Text::StaleButton => (
            "That button belongs to an earlier question; tell me what you need now.",
            "Ten przycisk dotyczy wcześniejszego pytania; napisz, czego teraz potrzebujesz.",
        ),
        Text::Skipped => ("(skipped)", "(pominięte)"),
        Text::NoQueue => (
            "No support queue is configured; please contact IT directly.",
            "Nie skonfigurowano kolejki wsparcia; skontaktuj się bezpośrednio z IT.",
        ),
        Text::AlreadyRated => (
            "You've already rated {id}; thank you.",
            "Zgłoszenie {id} jest już ocenione; dziękuję.",
        ),
        Text::VagueProblem => (
            "What isn't working? Tell me the app or device and what you see.",
            "Co nie działa? Napisz, która aplikacja lub urządzenie i co widzisz.",
        ),
        Text::OneUserOutage => (
            "Sorry it isn't working for you; I'm passing this to a technician.",
            "Przykro mi, że to u Ciebie nie działa; przekazuję sprawę technikowi.",
        ),
        Text::VisitProposed => (
            "{agent} proposes {what} for your ticket {id}:\n- When: {when}\n- Where: {where}\n- Who: {who}\nDoes this time suit you? Confirm, or tell me when would suit you better.",
            "{agent} proponuje {what} w sprawie zgłoszenia {id}:\n- Kiedy: {when}\n- Gdzie: {where}\n- Kto: {who}\nCzy ten termin Ci pasuje? Potwierdź albo napisz, kiedy będzie Ci wygodniej.",
        ),
        Text::VisitConfirmed => (
            "Confirmed: {what} for {id} on {when}.{remind}",
            "Potwierdzone: {what} w sprawie {id}, {when}.{remind}",
        ),
        Text::VisitWillRemind => (
            "I'll remind you before it.",
            "Przypomnę Ci o tym wcześniej.",
        ),
        Text::VisitAnotherTimeAsk => (
            "OK, this time doesn't suit you: {agent} will propose another one. When would suit you? Write it here and I'll pass it on.",
            "Dobrze, ten termin Ci nie pasuje: {agent} zaproponuje inny. Kiedy będzie Ci wygodnie? Napisz tutaj, a przekażę.",
        ),
        Text::VisitAnotherTimeNoted => (
            "OK, I've passed it on (\"{wish}\"): {agent} will propose another time.",
            "Dobrze, przekazuję (\"{wish}\"): {agent} zaproponuje inny termin.",
        ),
        Text::VisitCancelled => (
            "{what} for {id} on {when} is cancelled{reason}.",
            "{what} w sprawie {id}, {when}, jest odwołana{reason}.",
        ),
        Text::VisitReminder => (
            "Reminder about {id}: {what} on {when}.\n- Where: {where}\n- Who: {who}",
            "Przypomnienie o {id}: {what}, {when}.\n- Gdzie: {where}\n- Kto: {who}",
        ),
        Text::VisitNotYours => (
            "That button is for the person the visit is for; nothing changed.",
            "Ten przycisk jest dla osoby, której dotyczy wizyta; nic nie zostało zmienione.",
        ),
        Text::VisitStale => (
            "That proposal for {id} is no longer open (now: {latest}); nothing changed.",
            "Ta propozycja dla {id} jest już nieaktualna (teraz: {latest}); nic nie zostało zmienione.",
        ),
        Text::VisitAlreadyConfirmed => (
            "You've already confirmed {id} for {when}.",
            "Termin dla {id} jest już potwierdzony: {when}.",
        ),
        Text::BalanceHeader => (
            "Support hours of {org} as of {date}:",
            "Godziny wsparcia {org} na dzień {date}:",
        ),
        Text::BalanceLineBlock => (
            "- {id} (block of hours): {left} left of {of}",
            "- {id} (pakiet godzin): zostało {left} z {of}",
        ),
        Text::BalanceLinePlan => (
            "- {id} (monthly plan): {left} left of {of} this month",
            "- {id} (abonament): zostało {left} z {of} w tym miesiącu",
        ),
        Text::BalanceLineAnnual => (
            "- {id} (annual contract): {left} left of {of} this contract year",
            "- {id} (umowa roczna): zostało {left} z {of} w tym roku umowy",
        ),
        Text::BalanceUntil => (", valid until {date}", ", ważny do {date}"),
        Text::BalanceExpiredRolls => (
            ", expired on {date} (its hours still count)",
            ", wygasł {date} (jego godziny nadal się liczą)",
        ),
        Text::BalanceUsed => (
            "Used this month ({month}): {used}{overage}.",
            "Wykorzystane w tym miesiącu ({month}): {used}{overage}.",
        ),
        Text::BalanceOverage => (
            ", of which {overage} past your contracts (billed separately)",
            ", w tym {overage} ponad umowy (rozliczane osobno)",
        ),
        Text::BalanceBuyMore => (
            "To buy more hours, just tell me and I'll pass it to our account team.",
            "Jeśli chcecie dokupić godziny, napisz, a przekażę to opiekunowi klienta.",
        ),
        Text::BalanceOnlyYours => (
            "I can only show your own organisation's hours.",
            "Mogę pokazać tylko godziny Twojej organizacji.",
        ),
        Text::BalanceNoOrganisation => (
            "I can't find your organisation among our customers with a support contract, so I have no hours to show you. If your company has prepaid hours, your company's contact for the contract can check them; or write \"human\" and a person will help.",
            "Nie znajduję Twojej organizacji wśród naszych klientów z umową wsparcia, więc nie mam godzin do pokazania. Jeśli Twoja firma ma wykupione godziny, sprawdzi je osoba kontaktowa Twojej firmy w sprawie umowy; możesz też napisać „człowiek”, a pomoże Ci konsultant.",
        ),
        Text::BalanceNoContract => (
            "{org} has no running support-hours contract right now, so there are no hours to show.{contact} If that looks wrong, or you'd like to buy hours, write \"human\" and a person will help.",
            "{org} nie ma teraz aktywnej umowy na godziny wsparcia, więc nie ma godzin do pokazania.{contact} Jeśli to pomyłka albo chcecie kupić godziny, napisz „człowiek”, a pomoże Ci konsultant.",
        ),
        Text::BalanceContact => (
            " Your organisation's contact for the contract is {contact}.",
            " Osobą kontaktową Twojej organizacji w sprawie umowy jest {contact}.",
        ),
        Text::ContractExpiryWarning => (
            "{org}: contract {id} expires on {date} ({when}) with {left} left of {of}.",
            "{org}: umowa {id} wygasa {date} ({when}); zostało {left} z {of}.",
        ),
        Text::ExpiryToday => ("today", "dzisiaj"),
        Text::ExpiryTomorrow => ("tomorrow", "jutro"),
        Text::ExpiryInDays => ("in {days} days", "za {days} dni"),
        Text::ExpiryRollover => (
            "Its unused hours will carry over.",
            "Niewykorzystane godziny przejdą dalej.",
        ),
        Text::ExpiryLost => (
            "Hours not used by then will be lost; to keep support going, order another block.",
            "Godziny niewykorzystane do tego dnia przepadną; aby zachować ciągłość wsparcia, zamów kolejny pakiet.",
        ),
        Text::HowCanIHelp => (
            "OK. Tell me what you need help with.",
            "Dobrze. Napisz, w czym mogę pomóc.",
        ),
    };
    if pl { pl_text } else { en }
}

/// A ticket status as the requester reads it.
pub fn status_name(language: &str, status: crate::tickets::Status) -> &'static str {
    use crate::tickets::Status::*;
    let pl = language == "pl";
    match status {
        New | Escalated if pl => "czeka na konsultanta",
        New | Escalated => "waiting for an agent",
        Claimed if pl => "w trakcie",
        Claimed => "in progress",
        WaitingOnUser if pl => "czeka na Twoją odpowiedź",
        WaitingOnUser => "waiting for your answer",
        Resolved if pl => "rozwiązane",
        Resolved => "resolved",
        Closed if pl => "zamknięte",
        Closed => "closed",
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
