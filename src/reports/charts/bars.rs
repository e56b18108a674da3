//! The bar charts of figures by group: response and resolution times by priority, FAQ
//! deflection by intent, hours per organisation, and the CSAT distribution.

use std::collections::BTreeSet;

use plotters::prelude::{
    ChartBuilder, Color, DrawingBackend, EmptyElement, RGBColor, Rectangle, SeriesLabelPosition,
    Text,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::*;
use super::words::Lang;
use crate::reports::Report;

pub(super) fn response_times<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
    let title = format!(
        "{}, {}",
        lang.t(
            "Median first response and resolution time by priority",
            "Mediana czasu pierwszej odpowiedzi i rozwiązania wg priorytetu"
        ),
        lang.range(&r.from, &r.to)
    );
    let body = frame(root, &title)?;
    let names: BTreeSet<&str> = r
        .first_response_by
        .priority
        .iter()
        .chain(&r.resolution_by.priority)
        .map(|g| g.name.as_str())
        .collect();
    let median = |groups: &[crate::reports::GroupDurations], name: &str| {
        groups
            .iter()
            .find(|g| g.name == name)
            .and_then(|g| g.durations.median_minutes)
    };
    let rows: Vec<(String, Option<f64>, Option<f64>)> = names
        .iter()
        .map(|&n| {
            (
                clean(n, 20),
                median(&r.first_response_by.priority, n),
                median(&r.resolution_by.priority, n),
            )
        })
        .filter(|row| row.1.is_some() || row.2.is_some())
        .collect();
    if rows.is_empty() {
        return no_data(&body, lang);
    }
    let max = rows
        .iter()
        .flat_map(|r| [r.1, r.2])
        .flatten()
        .fold(0.0f64, f64::max);
    let in_hours = max >= 120.0;
    let per = if in_hours { 60.0 } else { 1.0 };
    let unit = if in_hours {
        lang.t("hours", "godziny")
    } else {
        lang.t("minutes", "minuty")
    };
    let n = rows.len();
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut chart = ChartBuilder::on(&body)
        .margin_left(10)
        .margin_right(40)
        .margin_top(10)
        .margin_bottom(5)
        .x_label_area_size(55)
        .y_label_area_size(Y_AREA)
        .build_cartesian_2d(Axis::slots(n, 1), Axis::values(max / per * 1.25))?;
    let fmt = |x: &f64| label_at(&labels, *x);
    let y_desc = format!(
        "{}, {unit}",
        lang.t("Median (wall-clock)", "Mediana (czas zegarowy)")
    );
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID)
        .x_desc(lang.t("Priority", "Priorytet"))
        .y_desc(y_desc)
        .axis_desc_style(text(16.0, INK))
        .label_style(text(14.0, INK))
        .x_label_formatter(&fmt)
        .y_label_formatter(&|v| tick(lang, *v))
        .draw()?;
    let series = [
        (
            lang.t("first response", "pierwsza odpowiedź"),
            BAR,
            -0.4,
            -0.02,
        ),
        (lang.t("resolution", "rozwiązanie"), SECOND, 0.02, 0.4),
    ];
    for (k, (label, color, from, to)) in series.into_iter().enumerate() {
        let value = |row: &(String, Option<f64>, Option<f64>)| if k == 0 { row.1 } else { row.2 };
        chart
            .draw_series(rows.iter().enumerate().filter_map(|(i, row)| {
                value(row).map(|v| {
                    Rectangle::new(
                        [(i as f64 + from, 0.0), (i as f64 + to, v / per)],
                        color.filled(),
                    )
                })
            }))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
        chart.draw_series(rows.iter().enumerate().map(|(i, row)| {
            let (label, at) = match value(row) {
                Some(v) => (duration(lang, v), v / per),
                None => ("–".to_string(), 0.0),
            };
            EmptyElement::at((i as f64 + (from + to) / 2.0, at))
                + Text::new(
                    label,
                    (0, -6),
                    text(13.0, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
                )
        }))?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

pub(super) fn deflection<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
    let overall = r.deflection_rate.map_or("–".to_string(), |v| lang.pct(v));
    let title = format!(
        "{} ({} {overall}), {}",
        lang.t(
            "FAQ deflection rate by intent",
            "Skuteczność FAQ wg intencji"
        ),
        lang.t("overall", "ogółem"),
        lang.range(&r.from, &r.to)
    );
    let body = frame(root, &title)?;
    let offered: Vec<_> = r
        .deflection
        .by_intent
        .iter()
        .filter(|d| d.offered > 0)
        .collect();
    if offered.is_empty() {
        return no_data(&body, lang);
    }
    let of = lang.t("of", "z");
    let rows: Vec<HBar> = offered
        .iter()
        .take(MAX_ROWS)
        .map(|d| {
            let rate = d.rate.unwrap_or(d.helped as f64 / d.offered as f64);
            HBar {
                name: clean(&d.name, 40),
                value: rate * 100.0,
                label: format!("{} {of} {}", lang.pct(rate), d.offered),
            }
        })
        .collect();
    let mut x_desc = lang
        .t(
            "Solved without a ticket, % of FAQ answers offered",
            "Rozwiązane bez zgłoszenia, % zaproponowanych odpowiedzi FAQ",
        )
        .to_string();
    if offered.len() > MAX_ROWS {
        x_desc = format!(
            "{x_desc} ({} {MAX_ROWS} {} {})",
            lang.t("the", "najczęstsze"),
            lang.t("most offered of", "z"),
            offered.len()
        );
    }
    hbars(
        &body,
        &rows,
        &x_desc,
        Axis::new(0.0, 130.0, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]),
        &|x| format!("{}%", x.round() as i64),
        BAR,
    )
}

pub(super) fn hours<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
    let total: u64 = r.hours.iter().map(|h| h.minutes).sum();
    let h = |minutes: u64| format!("{} h", lang.num(minutes as f64 / 60.0, 1));
    let title = format!(
        "{}, {} ({} {})",
        lang.t(
            "Hours logged per organisation",
            "Godziny pracy wg organizacji"
        ),
        lang.range(&r.from, &r.to),
        lang.t("total", "razem"),
        h(total)
    );
    let body = frame(root, &title)?;
    if total == 0 {
        return no_data(&body, lang);
    }
    let mut rows: Vec<HBar> = r
        .hours
        .iter()
        .take(MAX_ROWS)
        .map(|o| HBar {
            name: clean(&o.organisation, 40),
            value: o.minutes as f64 / 60.0,
            label: h(o.minutes),
        })
        .collect();
    if r.hours.len() > MAX_ROWS {
        let rest = &r.hours[MAX_ROWS..];
        let minutes: u64 = rest.iter().map(|o| o.minutes).sum();
        rows.push(HBar {
            name: lang.count(
                rest.len() as u64,
                ["other organisation", "other organisations"],
                ["inna organizacja", "inne organizacje", "innych organizacji"],
            ),
            value: minutes as f64 / 60.0,
            label: h(minutes),
        });
    }
    let max = rows.iter().map(|r| r.value).fold(0.0, f64::max);
    hbars(
        &body,
        &rows,
        lang.t("Hours", "Godziny"),
        Axis::values(max * 1.25),
        &|x| tick(lang, *x),
        SECOND,
    )
}

pub(super) fn csat<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
    let d = r.csat.distribution;
    let total: u64 = d.iter().sum();
    let mut title = lang
        .t("Customer satisfaction", "Zadowolenie klientów")
        .to_string();
    if let Some(avg) = r.csat_average {
        title = format!(
            "{title}: {} {} {} 5 ({}",
            lang.t("average", "średnia"),
            lang.num(avg, 2),
            lang.t("of", "z"),
            lang.ratings(total)
        );
        if let Some(rate) = r.csat.response_rate {
            title = format!(
                "{title}, {} {}",
                lang.t("response rate", "odsetek odpowiedzi"),
                lang.pct(rate)
            );
        }
        title.push(')');
    }
    title = format!("{title}, {}", lang.range(&r.from, &r.to));
    let body = frame(root, &title)?;
    if total == 0 {
        return no_data(&body, lang);
    }
    let max = d.iter().copied().max().unwrap_or(1);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(10)
        .margin_right(40)
        .margin_top(10)
        .margin_bottom(5)
        .x_label_area_size(55)
        .y_label_area_size(Y_AREA)
        .build_cartesian_2d(
            Axis::new(0.5, 5.5, vec![1.0, 2.0, 3.0, 4.0, 5.0]),
            Axis::counts(headroom(max, 1.2)),
        )?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID)
        .x_desc(lang.t(
            "Rating (1 = very dissatisfied, 5 = very satisfied)",
            "Ocena (1 = bardzo niezadowolony, 5 = bardzo zadowolony)",
        ))
        .y_desc(lang.t("Ratings", "Liczba ocen"))
        .axis_desc_style(text(16.0, INK))
        .label_style(text(14.0, INK))
        .x_label_formatter(&|x| format!("{}", x.round() as i64))
        .y_label_formatter(&|v| tick(lang, *v))
        .draw()?;
    const COLOURS: [RGBColor; 5] = [
        RGBColor(205, 39, 44),
        RGBColor(238, 130, 48),
        RGBColor(200, 180, 50),
        RGBColor(120, 180, 80),
        RGBColor(40, 140, 70),
    ];
    chart.draw_series(d.iter().enumerate().map(|(i, &c)| {
        let x = i as f64 + 1.0;
        Rectangle::new([(x - 0.35, 0.0), (x + 0.35, c as f64)], COLOURS[i].filled())
    }))?;
    chart.draw_series(d.iter().enumerate().map(|(i, &c)| {
        let share = lang.pct(c as f64 / total as f64);
        EmptyElement::at((i as f64 + 1.0, c as f64))
            + Text::new(
                format!("{c} ({share})"),
                (0, -6),
                text(14.0, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
            )
    }))?;
    Ok(())
}
