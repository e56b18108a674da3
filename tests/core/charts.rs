//! The report charts as a viewer sees them: reports built by the reports `Builder` from
//! hand-made ticket records and FAQ counters, drawn in English and Polish, SVG and PNG. The SVG's
//! words are read back (titles, period labels, a spike's label, counts, an organisation's name
//! with `<` and `&` escaped, not breaking the file); the PNG decodes to the chart's size and has
//! something drawn in its title; an empty report draws every chart saying "no data".

use frontline::reports::charts::{self, Chart};
use frontline::reports::{
    BotCount, BotCountKind, Builder, FactRecord, Filters, NEVER, Names, Params, Period, Report,
    day_start_ms,
};
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;

/// Name ids: 1-3 organisations (one with markup characters, one with a control character),
/// 4-5 intents.
fn names() -> Names {
    Names(vec![
        String::new(),
        "Acme <Tools> & Sons".into(),
        "Globex".into(),
        "Bad\u{1}Name".into(),
        "printer".into(),
        "password_reset".into(),
    ])
}

fn params(from: Date, to: Date, by: Period) -> Params {
    Params {
        from,
        to,
        by,
        tz: TimeZone::get("Europe/Warsaw").expect("zone"),
        tz_name: "Europe/Warsaw".into(),
        filters: Filters::default(),
    }
}

/// Four tickets a day at 09:00-12:00 local time (plus `extra` on `spike_day`), organisations and
/// priorities in turn; P(n) answered after 10·n minutes and resolved after 3·n hours; every
/// other ticket rated.
fn report(from: Date, to: Date, by: Period, spike_day: Option<Date>, extra: u64) -> Report {
    let names = names();
    let p = params(from, to, by);
    let tz = p.tz.clone();
    let mut b = Builder::new(p, &names);
    let mut number = 0u64;
    let mut day = from;
    while day <= to {
        let start = day_start_ms(day, &tz);
        let n = 4 + if Some(day) == spike_day { extra } else { 0 };
        for i in 0..n {
            number += 1;
            let priority = (number % 4) as u8;
            let n1 = u32::from(priority) + 1;
            b.ticket(&FactRecord {
                number,
                created_ms: start + (9 + i % 4) * 3_600_000,
                first_reply_s: 600 * n1,
                first_reply_business_s: 600 * n1,
                next_wait_s: NEVER,
                next_wait_business_s: NEVER,
                resolved_s: 3 * 3600 * n1,
                resolution_business_s: 3 * 3600 * n1,
                minutes: 30,
                intent: 4 + (number % 2) as u16,
                organisation: 1 + (number % 3) as u16,
                priority,
                status: 1,
                rating: if number.is_multiple_of(2) {
                    (1 + number / 2 % 5) as u8
                } else {
                    0
                },
                max_tier: 1,
                flags: 16,
                ..FactRecord::default()
            });
        }
        day = day.tomorrow().expect("a next day");
    }
    // FAQ: printer offered 10 times, helped 6; password_reset offered 5, helped 1.
    let hour = (day_start_ms(from, &tz) / 3_600_000 + 10) as u32;
    for (intent, offered, helped) in [(4u16, 10u64, 6u64), (5, 5, 1)] {
        for (kind, n) in [
            (BotCountKind::FaqOffered, offered),
            (BotCountKind::FaqHelped, helped),
        ] {
            b.bot(&BotCount {
                hour,
                kind,
                platform: 0,
                intent,
                article: intent,
                n,
            });
        }
    }
    b.finish(&names, vec![])
}

/// Eight weeks by day from Monday 2026-03-02, with 40 more tickets on Tuesday 2026-04-14.
fn eight_weeks() -> Report {
    report(
        date(2026, 3, 2),
        date(2026, 4, 26),
        Period::Day,
        Some(date(2026, 4, 14)),
        40,
    )
}

fn empty() -> Report {
    let names = names();
    Builder::new(
        params(date(2026, 3, 1), date(2026, 3, 31), Period::Day),
        &names,
    )
    .finish(&names, vec![])
}

fn chart<'a>(all: &'a [Chart], name: &str) -> &'a Chart {
    all.iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no {name} chart"))
}

/// The words of an SVG's text elements, unescaped.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = t.split_once('>')?.1;
            let inner = body.split_once("</text>")?.0;
            Some(
                inner
                    .trim()
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

/// Well-formed enough for a viewer: one svg element, text elements closed, every `&` an
/// entity, every `<` a tag, no character XML cannot carry.
fn assert_well_formed(name: &str, svg: &str) {
    assert!(
        svg.starts_with("<svg"),
        "{name}: {}",
        &svg[..svg.len().min(80)]
    );
    assert!(
        svg.trim_end().ends_with("</svg>"),
        "{name} does not end with </svg>"
    );
    assert_eq!(svg.matches("<svg").count(), 1, "{name}");
    assert_eq!(
        svg.matches("<text").count(),
        svg.matches("</text>").count(),
        "{name}: unclosed text"
    );
    for (i, _) in svg.match_indices('&') {
        let rest = &svg[i + 1..];
        assert!(
            ["amp;", "lt;", "gt;", "quot;", "apos;", "#"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "{name}: a bare & at {i}: {}",
            &svg[i..(i + 20).min(svg.len())]
        );
    }
    for (i, _) in svg.match_indices('<') {
        let next = svg[i + 1..].chars().next().unwrap_or(' ');
        assert!(
            next.is_ascii_alphabetic() || next == '/',
            "{name}: a bare < at {i}"
        );
    }
    assert!(
        !svg.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{name}: a control character"
    );
}

/// Decodes a PNG: its size, and whether its title band (the top 50 rows) has dark pixels.
fn decode(png: &[u8]) -> (u32, u32, bool) {
    let decoder = png::Decoder::new(png);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let bytes = info.color_type.samples();
    let title_inked = buf[..(info.line_size * 50)]
        .chunks(bytes)
        .any(|px| px.iter().take(3).all(|&v| v < 100));
    (info.width, info.height, title_inked)
}

fn assert_pngs(all: &[Chart]) {
    for c in all {
        let (w, h, inked) = decode(&c.png);
        assert_eq!((w, h), (charts::WIDTH, charts::HEIGHT), "{}", c.name);
        assert!(inked, "{}: no title drawn in the PNG", c.name);
    }
}

fn has(texts: &[String], want: &str) -> bool {
    texts.iter().any(|t| t.contains(want))
}

#[track_caller]
fn assert_has(name: &str, texts: &[String], want: &str) {
    assert!(has(texts, want), "{name}: {want:?} not among {texts:#?}");
}

#[test]
fn every_chart_in_english_with_the_reports_numbers() {
    let r = eight_weeks();
    assert_eq!(r.tickets, 56 * 4 + 40);
    assert!(
        r.spikes.iter().any(|s| s.period == "2026-04-14"),
        "the extra tickets make a spike: {:?}",
        r.spikes
    );
    let all = charts::render_all(&r, "en").expect("charts");
    let names: Vec<&str> = all.iter().map(|c| c.name).collect();
    assert_eq!(names, charts::NAMES);
    for c in &all {
        assert_well_formed(c.name, &c.svg);
    }
    assert_pngs(&all);

    let t = texts(&chart(&all, "volume").svg);
    assert_has(
        "volume",
        &t,
        "Tickets per day, 2026-03-02 – 2026-04-26 (264 tickets)",
    );
    assert_has("volume", &t, "2026-03-02");
    assert_has("volume", &t, "2026-04-14: 44");
    assert_has("volume", &t, "spike");
    assert_has("volume", &t, "Day");

    let t = texts(&chart(&all, "heatmap").svg);
    assert_has(
        "heatmap",
        &t,
        "Tickets by weekday and hour opened (Europe/Warsaw)",
    );
    for day in ["Monday", "Sunday", "Hour opened"] {
        assert_has("heatmap", &t, day);
    }
    // Every busy hour's count is written in its cell: Tuesdays at 09:00 had one ticket on each
    // of seven Tuesdays and 11 on the spike's.
    assert_eq!(r.heatmap[1][9], 7 + 11);
    for row in &r.heatmap {
        for &c in row.iter().filter(|&&c| c > 0) {
            assert!(t.contains(&c.to_string()), "heatmap: no cell says {c}");
        }
    }

    let t = texts(&chart(&all, "response_times").svg);
    assert_has(
        "response_times",
        &t,
        "Median first response and resolution time by priority",
    );
    for w in ["P1", "P4", "first response", "resolution", "hours"] {
        assert_has("response_times", &t, w);
    }
    // P1: answered in 10 minutes, resolved in 3 hours; P4 in 40 minutes and 12 hours.
    assert_eq!(
        r.first_response_by.priority[0].durations.median_minutes,
        Some(10.0)
    );
    for w in ["10 min", "3.0 h", "40 min", "12.0 h"] {
        assert_has("response_times", &t, w);
    }

    let t = texts(&chart(&all, "deflection").svg);
    assert_has(
        "deflection",
        &t,
        "FAQ deflection rate by intent (overall 47%)",
    );
    assert_has("deflection", &t, "printer");
    assert_has("deflection", &t, "60% of 10");
    assert_has("deflection", &t, "20% of 5");

    let svg = &chart(&all, "hours").svg;
    assert!(
        svg.contains("Acme &lt;Tools&gt; &amp; Sons"),
        "hours: the name escaped"
    );
    assert!(!svg.contains("<Tools>"));
    let t = texts(svg);
    assert_has("hours", &t, "Hours logged per organisation");
    assert_has("hours", &t, "Acme <Tools> & Sons");
    assert_has("hours", &t, "Bad Name");
    let total: u64 = r.hours.iter().map(|h| h.minutes).sum();
    assert_eq!(total, 264 * 30);
    assert_has("hours", &t, "(total 132.0 h)");
    assert_has("hours", &t, "44.0 h");

    let t = texts(&chart(&all, "backlog").svg);
    assert_has("backlog", &t, "Open tickets at the end of each day");
    assert_has("backlog", &t, "Open tickets");

    let t = texts(&chart(&all, "csat").svg);
    let avg = r.csat_average.expect("rated");
    assert_has(
        "csat",
        &t,
        &format!("Customer satisfaction: average {avg:.2} of 5 (132 ratings"),
    );
    let d = r.csat.distribution;
    assert_has("csat", &t, &format!("{} (", d[4]));
}

#[test]
fn every_chart_in_polish() {
    let r = eight_weeks();
    let all = charts::render_all(&r, "pl").expect("charts");
    for c in &all {
        assert_well_formed(c.name, &c.svg);
    }
    assert_pngs(&all);
    let words = |name: &str| texts(&chart(&all, name).svg);
    let t = words("volume");
    assert_has(
        "volume",
        &t,
        "Zgłoszenia dziennie, 2026-03-02 – 2026-04-26 (264 zgłoszenia)",
    );
    assert_has("volume", &t, "2026-04-14: 44");
    assert_has("volume", &t, "skok");
    assert_has("volume", &t, "Dzień");
    assert!(!has(&t, "Tickets"), "volume: English words in Polish");
    let t = words("heatmap");
    for w in [
        "Zgłoszenia wg dnia tygodnia",
        "Poniedziałek",
        "Niedziela",
        "Godzina otwarcia",
    ] {
        assert_has("heatmap", &t, w);
    }
    let t = words("response_times");
    for w in [
        "Mediana czasu",
        "pierwsza odpowiedź",
        "rozwiązanie",
        "godziny",
        "3,0 h",
    ] {
        assert_has("response_times", &t, w);
    }
    let t = words("deflection");
    assert_has("deflection", &t, "Skuteczność FAQ wg intencji (ogółem 47%)");
    assert_has("deflection", &t, "60% z 10");
    let t = words("hours");
    assert_has("hours", &t, "Godziny pracy wg organizacji");
    assert_has("hours", &t, "(razem 132,0 h)");
    let t = words("backlog");
    assert_has("backlog", &t, "Otwarte zgłoszenia na koniec każdego dnia");
    let t = words("csat");
    assert_has("csat", &t, "Zadowolenie klientów: średnia");
    assert_has("csat", &t, "132 oceny");
}

#[test]
fn an_empty_report_draws_every_chart_saying_no_data() {
    let r = empty();
    assert_eq!(r.tickets, 0);
    for (lang, words) in [("en", "no data"), ("pl", "brak danych")] {
        let all = charts::render_all(&r, lang).expect("charts of nothing");
        assert_eq!(all.len(), charts::NAMES.len());
        for c in &all {
            assert_well_formed(c.name, &c.svg);
            assert!(
                has(&texts(&c.svg), words),
                "{lang} {}: no {words:?} in {:?}",
                c.name,
                texts(&c.svg)
            );
        }
        assert_pngs(&all);
    }
    let png = charts::volume_png(&r, "pl").expect("the chat's image");
    assert_eq!(decode(&png).0, charts::WIDTH);
}

#[test]
fn a_year_by_day_thins_its_labels_to_whole_weeks() {
    let r = report(date(2026, 1, 1), date(2026, 12, 31), Period::Day, None, 0);
    assert_eq!(r.volume.len(), 365);
    let all = charts::render_all(&r, "en").expect("charts");
    assert_pngs(&all);
    for name in ["volume", "backlog"] {
        let t = texts(&chart(&all, name).svg);
        let days: Vec<&String> = t
            .iter()
            .filter(|s| s.len() == 10 && s.starts_with("2026-"))
            .collect();
        assert!(
            (5..=16).contains(&days.len()),
            "{name}: {} day labels: {days:?}",
            days.len()
        );
        assert_eq!(days[0], "2026-01-01", "{name}");
        let first = date(2026, 1, 1);
        for d in &days {
            let gap = (d.parse::<Date>().expect("a date") - first).get_days();
            assert_eq!(gap % 7, 0, "{name}: {d} is not a whole number of weeks in");
        }
    }
    // By month, every month is labelled.
    let r = report(date(2026, 1, 1), date(2026, 12, 31), Period::Month, None, 0);
    let png = charts::volume_png(&r, "en").expect("png");
    assert_eq!(decode(&png).1, charts::HEIGHT);
    let all = charts::render_all(&r, "en").expect("charts");
    let t = texts(&chart(&all, "volume").svg);
    for m in ["2026-01", "2026-06", "2026-12"] {
        assert!(t.iter().any(|s| s == m), "volume by month: no {m} label");
    }
}

#[test]
fn hostile_names_and_languages_draw_plain_text() {
    let mut r = eight_weeks();
    let long = format!("<script>alert(1)</script>&{}", "x".repeat(300));
    r.hours[0].organisation = long.clone();
    r.deflection.by_intent[0].name = "\u{0}\u{7}]]><!--".into();
    r.timezone = "Zone\"<&>".into();
    for lang in ["fr", "", "PL-pl"] {
        let all = charts::render_all(&r, lang).expect("charts");
        for c in &all {
            assert_well_formed(c.name, &c.svg);
            assert!(!c.svg.contains("<script"), "{}", c.name);
        }
        let t = texts(&chart(&all, "hours").svg);
        assert!(
            t.iter()
                .any(|s| s.starts_with("<script>alert(1)</script>&x") && s.ends_with('…')),
            "the long name is cut: {t:?}"
        );
        assert_has(
            "deflection",
            &texts(&chart(&all, "deflection").svg),
            "]]><!--",
        );
    }
    let unknown = charts::render(&r, "en", "pie");
    assert!(unknown.is_err());
}
