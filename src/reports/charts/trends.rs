//! The charts over time and the week: volume (spikes marked), backlog, and the weekday x hour
//! heatmap.

use std::collections::HashMap;

use plotters::prelude::{
    ChartBuilder, Circle, Color, DrawingBackend, EmptyElement, LineSeries, PathElement, RGBColor,
    Rectangle, SeriesLabelPosition, Text, WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::WIDTH;
use super::frame::*;
use super::words::Lang;
use crate::reports::Report;

pub(super) fn volume<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
    let title = format!(
        "{}, {} ({})",
        lang.volume_title(r.by),
        lang.range(&r.from, &r.to),
        lang.tickets(r.tickets)
    );
    let body = frame(root, &title)?;
    let counts: Vec<u64> = r.volume.iter().map(|p| p.tickets).collect();
    if counts.iter().all(|&c| c == 0) {
        return no_data(&body, lang);
    }
    let labels: Vec<String> = r.volume.iter().map(|p| clean(&p.period, 16)).collect();
    let n = counts.len();
    let at: HashMap<&str, usize> = r
        .volume
        .iter()
        .enumerate()
        .map(|(i, p)| (p.period.as_str(), i))
        .collect();
    let spikes: Vec<(usize, u64, &str)> = r
        .spikes
        .iter()
        .filter_map(|s| {
            at.get(s.period.as_str())
                .map(|&i| (i, counts[i], &*s.period))
        })
        .collect();
    let is_spike: Vec<bool> = (0..n).map(|i| spikes.iter().any(|s| s.0 == i)).collect();
    let max = counts.iter().copied().max().unwrap_or(1);
    let step = period_step(&body, &labels, r.by);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(10)
        .margin_right(40)
        .margin_top(10)
        .margin_bottom(5)
        .x_label_area_size(55)
        .y_label_area_size(Y_AREA)
        .build_cartesian_2d(Axis::slots(n, step), Axis::counts(headroom(max, 1.3)))?;
    let fmt = |x: &f64| label_at(&labels, *x);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID)
        .x_desc(lang.period_axis(r.by))
        .y_desc(lang.t("Tickets", "Zgłoszenia"))
        .axis_desc_style(text(16.0, INK))
        .label_style(text(14.0, INK))
        .x_label_formatter(&fmt)
        .y_label_formatter(&|v| tick(lang, *v))
        .draw()?;
    let tickets = lang.t("tickets", "zgłoszenia");
    let spike_word = lang.t(
        "spike (well above the trailing baseline)",
        "skok (znacznie powyżej średniej z poprzednich okresów)",
    );
    if n <= MAX_BARS {
        let bar = |i: usize, c: u64, color: RGBColor| {
            Rectangle::new(
                [(i as f64 - 0.4, 0.0), (i as f64 + 0.4, c as f64)],
                color.filled(),
            )
        };
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| !is_spike[i])
                    .map(|(i, &c)| bar(i, c, BAR)),
            )?
            .label(tickets)
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], BAR.filled()));
        if !spikes.is_empty() {
            chart
                .draw_series(spikes.iter().map(|&(i, c, _)| bar(i, c, SPIKE)))?
                .label(spike_word)
                .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], SPIKE.filled()));
        }
    } else {
        chart
            .draw_series(LineSeries::new(
                counts
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| (i as f64, c as f64)),
                BAR.stroke_width(2),
            ))?
            .label(tickets)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BAR.stroke_width(2)));
        if !spikes.is_empty() {
            chart
                .draw_series(
                    spikes
                        .iter()
                        .map(|&(i, c, _)| Circle::new((i as f64, c as f64), 5, SPIKE.filled())),
                )?
                .label(spike_word)
                .legend(|(x, y)| Circle::new((x + 7, y), 5, SPIKE.filled()));
        }
    }
    // The highest spikes get their period and count, staggered upwards where labels would
    // overlap, and kept inside the plot.
    let mut labelled = spikes.clone();
    labelled.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    labelled.truncate(MAX_SPIKE_LABELS);
    labelled.sort_by_key(|s| s.0);
    let (xr, _) = chart.plotting_area().get_pixel_range();
    let mut placed: Vec<(i32, i32, i32)> = vec![];
    for (i, c, period) in labelled {
        let label = format!("{}: {c}", clean(period, 16));
        let style = text(13.0, SPIKE).pos(Pos::new(HPos::Center, VPos::Bottom));
        let w = body.estimate_text_size(&label, &style).map_or(90, |s| s.0) as i32;
        let (px, _) = chart.backend_coord(&(i as f64, c as f64));
        let left = (px - w / 2).clamp(xr.start + 2, (xr.end - w - 2).max(xr.start + 2));
        let level = (0..4)
            .find(|l| {
                !placed
                    .iter()
                    .any(|p| p.2 == *l && p.0 < left + w + 6 && left < p.1 + 6)
            })
            .unwrap_or(3);
        placed.push((left, left + w, level));
        // On a white box, so the line or bars under it do not cross the words.
        let (cx, by) = (left + w / 2 - px, -8 - 16 * level);
        chart.draw_series(std::iter::once(
            EmptyElement::at((i as f64, c as f64))
                + Rectangle::new(
                    [(cx - w / 2 - 3, by - 15), (cx + w / 2 + 3, by + 2)],
                    WHITE.mix(0.9).filled(),
                )
                + Text::new(label, (cx, by), style),
        ))?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

/// A heatmap cell's colour: light to dark blue with the count (zero: pale grey, so an empty
/// hour is told from a quiet one).
pub(super) fn shade(c: u64, max: u64) -> (RGBColor, bool) {
    if c == 0 {
        return (RGBColor(244, 244, 244), false);
    }
    let t = (c as f64 / max.max(1) as f64).clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    (RGBColor(mix(214, 8), mix(230, 48), mix(245, 107)), t > 0.45)
}

pub(super) fn heatmap<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
    let title = format!(
        "{} ({}), {}",
        lang.t(
            "Tickets by weekday and hour opened",
            "Zgłoszenia wg dnia tygodnia i godziny otwarcia"
        ),
        clean(&r.timezone, 40),
        lang.range(&r.from, &r.to)
    );
    let body = frame(root, &title)?;
    let max = r.heatmap.iter().flatten().copied().max().unwrap_or(0);
    if max == 0 {
        return no_data(&body, lang);
    }
    let (plot, scale) = body.split_horizontally(WIDTH - 100);
    let hours: Vec<f64> = (0..24).map(|h| h as f64 + 0.5).collect();
    let days: Vec<f64> = (0..7).map(|d| d as f64 + 0.5).collect();
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(10)
        .margin_right(10)
        .margin_top(10)
        .margin_bottom(5)
        .x_label_area_size(55)
        .y_label_area_size(115)
        .build_cartesian_2d(Axis::new(0.0, 24.0, hours), Axis::new(0.0, 7.0, days))?;
    let weekday = |y: &f64| lang.weekday(6usize.saturating_sub(y.floor().max(0.0) as usize));
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .x_desc(lang.t("Hour opened", "Godzina otwarcia"))
        .axis_desc_style(text(16.0, INK))
        .label_style(text(14.0, INK))
        .x_label_formatter(&|x| format!("{}", x.floor() as i64))
        .y_label_formatter(&|y| weekday(y).to_string())
        .draw()?;
    let cells: Vec<(f64, f64, u64)> = r
        .heatmap
        .iter()
        .take(7)
        .enumerate()
        .flat_map(|(d, row)| {
            row.iter()
                .enumerate()
                .map(move |(h, &c)| (h as f64, 6.0 - d as f64, c))
        })
        .collect();
    chart.draw_series(cells.iter().map(|&(x, y, c)| {
        Rectangle::new([(x, y), (x + 1.0, y + 1.0)], shade(c, max).0.filled())
    }))?;
    chart.draw_series(
        cells
            .iter()
            .map(|&(x, y, _)| Rectangle::new([(x, y), (x + 1.0, y + 1.0)], WHITE.stroke_width(1))),
    )?;
    // Counts in the cells when the largest fits (else the colour scale alone tells them).
    let cell_w = chart.backend_coord(&(1.0, 0.0)).0 - chart.backend_coord(&(0.0, 0.0)).0;
    let widest = max.to_string();
    let mut size = None;
    for s in [13.0, 11.0, 9.0] {
        if (plot.estimate_text_size(&widest, &text(s, INK))?.0 as i32) < cell_w - 3 {
            size = Some(s);
            break;
        }
    }
    if let Some(s) = size {
        chart.draw_series(cells.iter().filter(|c| c.2 > 0).map(|&(x, y, c)| {
            let ink = if shade(c, max).1 { WHITE } else { INK };
            Text::new(c.to_string(), (x + 0.5, y + 0.5), centered(s, ink))
        }))?;
    }
    // The colour scale, top (the busiest hour's count) to bottom (one ticket).
    let (_, yr) = chart.plotting_area().get_pixel_range();
    let (top, bottom) = (yr.start - 50, yr.end - 50);
    scale.draw(&Text::new(
        lang.t("tickets", "zgłoszenia"),
        (30, top - 18),
        centered(13.0, INK),
    ))?;
    let steps = 40;
    for k in 0..steps {
        let t = 1.0 - k as f64 / steps as f64;
        let c = ((t * max as f64).round() as u64).max(1);
        let y0 = top + (bottom - top) * k / steps;
        let y1 = top + (bottom - top) * (k + 1) / steps;
        scale.draw(&Rectangle::new(
            [(20, y0), (40, y1 + 1)],
            shade(c, max).0.filled(),
        ))?;
    }
    scale.draw(&Rectangle::new(
        [(20, top), (40, bottom)],
        GRID.stroke_width(1),
    ))?;
    for (label, y) in [
        (max, top),
        (max.div_ceil(2), (top + bottom) / 2),
        (1, bottom),
    ] {
        scale.draw(&Text::new(
            label.to_string(),
            (46, y),
            text(13.0, INK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

pub(super) fn backlog<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
    let title = format!(
        "{}, {}",
        lang.backlog_title(r.by),
        lang.range(&r.from, &r.to)
    );
    let body = frame(root, &title)?;
    let open: Vec<u64> = r.backlog.iter().map(|b| b.open).collect();
    if open.is_empty() || (r.tickets == 0 && open.iter().all(|&o| o == 0)) {
        return no_data(&body, lang);
    }
    let labels: Vec<String> = r.backlog.iter().map(|b| clean(&b.period, 16)).collect();
    let n = open.len();
    let max = open.iter().copied().max().unwrap_or(0);
    let step = period_step(&body, &labels, r.by);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(10)
        .margin_right(40)
        .margin_top(10)
        .margin_bottom(5)
        .x_label_area_size(55)
        .y_label_area_size(Y_AREA)
        .build_cartesian_2d(Axis::slots(n, step), Axis::counts(headroom(max, 1.2)))?;
    let fmt = |x: &f64| label_at(&labels, *x);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID)
        .x_desc(lang.period_axis(r.by))
        .y_desc(lang.t("Open tickets", "Otwarte zgłoszenia"))
        .axis_desc_style(text(16.0, INK))
        .label_style(text(14.0, INK))
        .x_label_formatter(&fmt)
        .y_label_formatter(&|v| tick(lang, *v))
        .draw()?;
    chart.draw_series(LineSeries::new(
        open.iter().enumerate().map(|(i, &o)| (i as f64, o as f64)),
        BAR.stroke_width(2),
    ))?;
    if n <= MAX_BARS {
        chart.draw_series(
            open.iter()
                .enumerate()
                .map(|(i, &o)| Circle::new((i as f64, o as f64), 3, BAR.filled())),
        )?;
    }
    // The last period's figure, the one people ask for.
    let last = n - 1;
    chart.draw_series(std::iter::once(
        EmptyElement::at((last as f64, open[last] as f64))
            + Circle::new((0, 0), 4, BAR.filled())
            + Text::new(
                open[last].to_string(),
                (0, -10),
                text(14.0, INK).pos(Pos::new(HPos::Right, VPos::Bottom)),
            ),
    ))?;
    Ok(())
}
