//! The shape of a generated history: a small seeded generator (splitmix64, so a seed gives the
//! same history on every machine without a dependency), when tickets arrive (seasons, weekdays and
//! office hours, holidays, a release's spike) and when people work, all in the desk's time zone.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

pub const MINUTE: u64 = 60_000;
pub const HOUR: u64 = 60 * MINUTE;
pub const DAY: u64 = 24 * HOUR;

/// splitmix64: tiny, fast, and the same sequence everywhere for a seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An independent stream: what one part draws does not shift another's sequence.
    pub fn fork(&mut self, salt: u64) -> Rng {
        Rng(self.next_u64() ^ salt.wrapping_mul(0xA076_1D64_78BD_642F))
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.range(0, n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// An index drawn with the given weights (all zero: uniform).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return self.below(weights.len());
        }
        let mut u = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len() - 1
    }

    /// Log-uniform between `lo` and `hi`: many short waits, a few long ones.
    pub fn spread(&mut self, lo: u64, hi: u64) -> u64 {
        let (lo, hi) = (lo.max(1) as f64, hi.max(lo + 1) as f64);
        (lo * (hi / lo).powf(self.unit())) as u64
    }
}

/// An instant in the zone.
pub fn zoned(ms: u64, tz: &TimeZone) -> jiff::Zoned {
    Timestamp::from_millisecond(ms as i64)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
}

/// The first instant of `date` in the zone.
pub fn day_start(date: Date, tz: &TimeZone) -> u64 {
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond().max(0) as u64)
        .unwrap_or(0)
}

/// Days the office is closed and few people write: Christmas to New Year, and the public
/// holidays a Polish desk keeps (the default time zone is Warsaw's).
fn holiday(d: Date) -> Option<f64> {
    match (d.month(), d.day()) {
        (12, 24..=26) | (1, 1) => Some(0.06),
        (12, 27..=31) => Some(0.18),
        (1, 6) | (5, 1) | (5, 3) | (8, 15) | (11, 1) | (11, 11) => Some(0.12),
        (5, 2) => Some(0.35),
        _ => None,
    }
}

/// Whether agents are at work: Monday to Friday, 8:00-17:00, not on a holiday.
pub fn office(ms: u64, tz: &TimeZone) -> bool {
    let z = zoned(ms, tz);
    let weekend = matches!(z.weekday(), Weekday::Saturday | Weekday::Sunday);
    !weekend && (8..17).contains(&z.hour()) && holiday(z.date()).is_none()
}

/// The first office moment at or after `ms` (a little after the opening when it had to wait:
/// agents start with coffee and the oldest tickets).
pub fn next_office(ms: u64, tz: &TimeZone, rng: &mut Rng) -> u64 {
    if office(ms, tz) {
        return ms;
    }
    let mut t = ms - ms % (15 * MINUTE) + 15 * MINUTE;
    for _ in 0..(4 * 24 * 12) {
        if office(t, tz) {
            return t + rng.range(0, 40 * MINUTE);
        }
        t += 15 * MINUTE;
    }
    ms
}

/// When a person answers: from 7:00 to 22:00, any day.
pub fn awake(ms: u64, tz: &TimeZone, rng: &mut Rng) -> u64 {
    let z = zoned(ms, tz);
    if (7..22).contains(&z.hour()) {
        return ms;
    }
    let morning = if z.hour() >= 22 {
        z.date().tomorrow().unwrap_or(z.date())
    } else {
        z.date()
    };
    let seven = day_start(morning, tz) + 7 * HOUR;
    seven.max(ms) + rng.range(10 * MINUTE, 150 * MINUTE)
}

/// How many tickets arrive, relative to each other, in each hour of the history.
pub struct Arrivals {
    /// UTC hours: the first instant of each.
    hours: Vec<u64>,
    /// Cumulative weights, one per hour.
    cum: Vec<f64>,
}

/// The month's share of the year (summer and the end of December are quiet; September and
/// October, back from holidays with new projects, are busy).
const SEASON: [f64; 12] = [
    1.06, 1.02, 1.05, 0.97, 0.94, 0.88, 0.74, 0.70, 1.10, 1.16, 1.08, 0.86,
];

/// Working days' hours: the morning peak, lunch, a smaller afternoon one.
const WORKDAY: [f64; 24] = [
    0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.25, 0.85, 1.0, 1.0, 0.9, 0.6, 0.75, 0.85, 0.75,
    0.55, 0.3, 0.15, 0.1, 0.08, 0.06, 0.04, 0.03,
];

fn weekday_factor(w: Weekday) -> f64 {
    match w {
        Weekday::Monday => 1.18,
        Weekday::Tuesday => 1.05,
        Weekday::Wednesday => 1.0,
        Weekday::Thursday => 0.97,
        Weekday::Friday => 0.84,
        Weekday::Saturday => 0.08,
        Weekday::Sunday => 0.05,
    }
}

/// An hour's weight: the month, a growing business, the weekday and the hour, holidays.
fn hour_weight(z: &jiff::Zoned, progress: f64) -> f64 {
    let w = z.weekday();
    let hour = z.hour() as usize;
    let shape = if matches!(w, Weekday::Saturday | Weekday::Sunday) {
        if (9..19).contains(&hour) { 1.0 } else { 0.2 }
    } else {
        WORKDAY[hour]
    };
    let season = SEASON[z.month() as usize - 1];
    let growth = 0.85 + 0.3 * progress;
    let holiday = holiday(z.date()).unwrap_or(1.0);
    shape * weekday_factor(w) * season * growth * holiday
}

impl Arrivals {
    /// The ordinary pattern between `start` and `end`.
    pub fn ordinary(start: u64, end: u64, tz: &TimeZone) -> Arrivals {
        let span = (end - start).max(1) as f64;
        Arrivals::with(start, end, |ms| {
            hour_weight(&zoned(ms, tz), (ms - start) as f64 / span)
        })
    }

    /// A release's aftermath: working hours of the days from `release`, fading day by day.
    pub fn spike(release: u64, days: u64, end: u64, tz: &TimeZone) -> Arrivals {
        let stop = (release + days * DAY).min(end);
        Arrivals::with(release, stop.max(release + HOUR), |ms| {
            let day = (ms - release) / DAY;
            let z = zoned(ms, tz);
            let fade = 1.0 / (1.0 + 0.9 * day as f64);
            let hour = z.hour() as usize;
            let weekend = matches!(z.weekday(), Weekday::Saturday | Weekday::Sunday);
            let shape = if weekend { 0.15 } else { WORKDAY[hour] };
            shape * fade
        })
    }

    fn with(start: u64, end: u64, weight: impl Fn(u64) -> f64) -> Arrivals {
        let mut hours = vec![];
        let mut cum = vec![];
        let mut total = 0.0;
        let mut h = start - start % HOUR;
        while h < end {
            total += weight(h.max(start));
            hours.push(h.max(start));
            cum.push(total);
            h += HOUR;
        }
        Arrivals { hours, cum }
    }

    /// One arrival instant, within `[start, end)`.
    pub fn sample(&self, rng: &mut Rng, end: u64) -> u64 {
        let total = self.cum.last().copied().unwrap_or(0.0);
        let u = rng.unit() * total;
        let i = self
            .cum
            .partition_point(|c| *c <= u)
            .min(self.hours.len() - 1);
        let from = self.hours[i];
        let to = (from - from % HOUR + HOUR).min(end);
        rng.range(from, to.max(from + 1))
    }
}

/// The release the spike follows: a Tuesday about 60% into the history, away from holidays.
pub fn release_day(start: u64, end: u64, tz: &TimeZone) -> u64 {
    let mut d = zoned(start + (end - start) * 6 / 10, tz).date();
    for _ in 0..60 {
        if d.weekday() == Weekday::Tuesday
            && holiday(d).is_none()
            && (0..7).all(|k| {
                d.checked_add(jiff::Span::new().days(k))
                    .map(|x| holiday(x).is_none())
                    .unwrap_or(true)
            })
        {
            break;
        }
        d = d.tomorrow().unwrap_or(d);
    }
    day_start(d, tz) + 9 * HOUR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_one_sequence() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(
            xs,
            (0..5).map(|_| Rng::new(8).next_u64()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn arrivals_keep_office_hours_and_skip_christmas() {
        let tz = TimeZone::get("Europe/Warsaw").unwrap();
        let start = day_start(jiff::civil::date(2024, 12, 1), &tz);
        let end = day_start(jiff::civil::date(2025, 1, 31), &tz);
        let a = Arrivals::ordinary(start, end, &tz);
        let mut rng = Rng::new(1);
        let (mut office_hours, mut christmas, mut n) = (0, 0, 0);
        for _ in 0..20_000 {
            let t = a.sample(&mut rng, end);
            assert!((start..end).contains(&t));
            let z = zoned(t, &tz);
            n += 1;
            if (8..17).contains(&z.hour()) {
                office_hours += 1;
            }
            if z.month() == 12 && (24..=26).contains(&z.day()) {
                christmas += 1;
            }
        }
        assert!(
            office_hours * 10 > n * 8,
            "{office_hours} of {n} in office hours"
        );
        // Three of 61 days would be ~5% on ordinary days; the holiday makes it well under 1%.
        assert!(christmas * 100 < n, "{christmas} of {n} at Christmas");
    }

    #[test]
    fn agents_start_at_the_next_opening() {
        let tz = TimeZone::get("Europe/Warsaw").unwrap();
        let mut rng = Rng::new(3);
        // Saturday 2025-03-15 12:00 → Monday 8:00-8:40.
        let sat = day_start(jiff::civil::date(2025, 3, 15), &tz) + 12 * HOUR;
        let t = next_office(sat, &tz, &mut rng);
        let z = zoned(t, &tz);
        assert_eq!(z.weekday(), Weekday::Monday);
        assert_eq!(z.hour(), 8);
    }
}
