//! The charts' words in English and Polish, and numbers as each language writes them (Polish:
//! a decimal comma, plural forms by the number's last digits).

use crate::reports::Period;

/// The viewer's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Pl,
}

impl Lang {
    /// `pl` (or `pl-PL`, `pl_PL`) is Polish; anything else English, the bot's default.
    pub fn of(code: &str) -> Lang {
        let c = code.trim().to_ascii_lowercase();
        if c == "pl" || c.starts_with("pl-") || c.starts_with("pl_") {
            Lang::Pl
        } else {
            Lang::En
        }
    }

    pub fn t(self, en: &'static str, pl: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Pl => pl,
        }
    }

    /// `v` to `decimals` places.
    pub fn num(self, v: f64, decimals: usize) -> String {
        let s = format!("{v:.decimals$}");
        match self {
            Lang::En => s,
            Lang::Pl => s.replace('.', ","),
        }
    }

    /// A rate (0..=1) as a whole percentage.
    pub fn pct(self, rate: f64) -> String {
        format!("{}%", (rate * 100.0).round() as i64)
    }

    /// "1 ticket", "5 tickets"; "1 zgłoszenie", "3 zgłoszenia", "5 zgłoszeń".
    pub fn count(self, n: u64, en: [&str; 2], pl: [&str; 3]) -> String {
        let word = match self {
            Lang::En => en[usize::from(n != 1)],
            Lang::Pl => pl[polish_form(n)],
        };
        format!("{n} {word}")
    }

    pub fn tickets(self, n: u64) -> String {
        self.count(
            n,
            ["ticket", "tickets"],
            ["zgłoszenie", "zgłoszenia", "zgłoszeń"],
        )
    }

    pub fn ratings(self, n: u64) -> String {
        self.count(n, ["rating", "ratings"], ["ocena", "oceny", "ocen"])
    }

    pub fn no_data(self) -> &'static str {
        self.t("no data", "brak danych")
    }

    /// A date range, `from` to `to` inclusive.
    pub fn range(self, from: &str, to: &str) -> String {
        if from == to {
            from.to_string()
        } else {
            format!("{from} – {to}")
        }
    }

    pub fn weekday(self, i: usize) -> &'static str {
        const EN: [&str; 7] = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        const PL: [&str; 7] = [
            "Poniedziałek",
            "Wtorek",
            "Środa",
            "Czwartek",
            "Piątek",
            "Sobota",
            "Niedziela",
        ];
        match self {
            Lang::En => EN[i % 7],
            Lang::Pl => PL[i % 7],
        }
    }

    pub fn volume_title(self, by: Period) -> &'static str {
        match by {
            Period::Day => self.t("Tickets per day", "Zgłoszenia dziennie"),
            Period::Week => self.t(
                "Tickets per ISO week",
                "Zgłoszenia tygodniowo (tygodnie ISO)",
            ),
            Period::Month => self.t("Tickets per month", "Zgłoszenia miesięcznie"),
        }
    }

    pub fn period_axis(self, by: Period) -> &'static str {
        match by {
            Period::Day => self.t("Day", "Dzień"),
            Period::Week => self.t("ISO week", "Tydzień ISO"),
            Period::Month => self.t("Month", "Miesiąc"),
        }
    }

    pub fn backlog_title(self, by: Period) -> &'static str {
        match by {
            Period::Day => self.t(
                "Open tickets at the end of each day",
                "Otwarte zgłoszenia na koniec każdego dnia",
            ),
            Period::Week => self.t(
                "Open tickets at the end of each week",
                "Otwarte zgłoszenia na koniec każdego tygodnia",
            ),
            Period::Month => self.t(
                "Open tickets at the end of each month",
                "Otwarte zgłoszenia na koniec każdego miesiąca",
            ),
        }
    }
}

/// Polish plural form: 0 for one, 1 for 2-4 (not 12-14), 2 for the rest.
fn polish_form(n: u64) -> usize {
    if n == 1 {
        0
    } else if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polish_plurals_and_decimals() {
        let pl = Lang::of("pl");
        assert_eq!(pl.tickets(1), "1 zgłoszenie");
        assert_eq!(pl.tickets(3), "3 zgłoszenia");
        assert_eq!(pl.tickets(12), "12 zgłoszeń");
        assert_eq!(pl.tickets(22), "22 zgłoszenia");
        assert_eq!(pl.ratings(5), "5 ocen");
        assert_eq!(pl.num(4.25, 2), "4,25");
        assert_eq!(Lang::of("en").tickets(1), "1 ticket");
        assert_eq!(Lang::of("de"), Lang::En);
    }
}
