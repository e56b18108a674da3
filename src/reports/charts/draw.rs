//! The seven charts, each drawn by one function generic over plotters' backend (SVG or bitmap),
//! so both formats show the same thing.
//!
//! Categories (periods, priorities, intents, organisations) sit at integer positions on an f64
//! axis with explicit key points, so labels can be thinned by their measured width (a year of
//! days shows one label a week or a month) and bars can be placed anywhere around them.

use std::collections::{BTreeSet, HashMap};

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::{
    ChartBuilder, Circle, Color, DrawingArea, DrawingAreaErrorKind, DrawingBackend, EmptyElement,
    FontDesc, FontFamily, FontStyle, LineSeries, PathElement, RGBColor, Rectangle,
    SeriesLabelPosition, Text, TextStyle, WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::WIDTH;
use super::words::Lang;
use crate::reports::{Period, Report};

/// Which chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Volume,
    Heatmap,
    ResponseTimes,
    Deflection,
    Hours,
    Backlog,
    Csat,
}

impl Kind {
    pub fn of(name: &str) -> Option<Kind> {
        Some(match name {
            "volume" => Kind::Volume,
            "heatmap" => Kind::Heatmap,
            "response_times" => Kind::ResponseTimes,
            "deflection" => Kind::Deflection,
            "hours" => Kind::Hours,
            "backlog" => Kind::Backlog,
            "csat" => Kind::Csat,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Volume => "volume",
            Kind::Heatmap => "heatmap",
            Kind::ResponseTimes => "response_times",
            Kind::Deflection => "deflection",
            Kind::Hours => "hours",
            Kind::Backlog => "backlog",
            Kind::Csat => "csat",
        }
    }
}

/// A drawing error, as text (the backends' error types differ).
pub struct Fail(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for Fail {
    fn from(e: DrawingAreaErrorKind<E>) -> Fail {
        Fail(e.to_string())
    }
}

type Drawn = Result<(), Fail>;

/// An f64 axis with chosen key points (labels and grid lines). plotters' own `WithKeyPoints`
/// over f64 loses the label formatter, and categories need fractional positions for bars.
#[derive(Debug, Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    keys: Vec<f64>,
}

impl Axis {
    fn new(lo: f64, hi: f64, keys: Vec<f64>) -> Axis {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Axis { lo, hi, keys }
    }

    /// Categories `0..n` at integer positions, a label every `step`.
    fn slots(n: usize, step: usize) -> Axis {
        let keys = (0..n).step_by(step.max(1)).map(|i| i as f64).collect();
        Axis::new(-0.5, n as f64 - 0.5, keys)
    }

    /// `0..top` with round steps (1, 2 or 5 times a power of ten), about six of them.
    fn values(top: f64) -> Axis {
        Axis::stepped(top, 0.0)
    }

    /// `0..top` for counts: whole steps.
    fn counts(top: u64) -> Axis {
        Axis::stepped(top as f64, 1.0)
    }

    fn stepped(top: f64, min_step: f64) -> Axis {
        let top = if top.is_finite() && top > 0.0 {
            top
        } else {
            1.0
        };
        let raw = (top / 6.0).max(min_step);
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        let keys = (0..=12)
            .map(|k| k as f64 * step)
            .take_while(|v| *v <= top + 1e-9)
            .collect();
        Axis::new(0.0, top, keys)
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let t = (v - self.lo) / (self.hi - self.lo);
        let t = if t.is_finite() {
            t.clamp(-1.0, 2.0)
        } else {
            0.0
        };
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    /// The chosen points are the bold ones; no light lines between them.
    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            vec![]
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}
type Area<DB> = DrawingArea<DB, Shift>;

pub fn draw<DB: DrawingBackend>(kind: Kind, root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
    match kind {
        Kind::Volume => volume(root, r, lang),
        Kind::Heatmap => heatmap(root, r, lang),
        Kind::ResponseTimes => response_times(root, r, lang),
        Kind::Deflection => deflection(root, r, lang),
        Kind::Hours => hours(root, r, lang),
        Kind::Backlog => backlog(root, r, lang),
        Kind::Csat => csat(root, r, lang),
    }
}

const INK: RGBColor = RGBColor(34, 34, 34);
const GREY: RGBColor = RGBColor(130, 130, 130);
const GRID: RGBColor = RGBColor(226, 226, 226);
const BAR: RGBColor = RGBColor(49, 104, 196);
const SECOND: RGBColor = RGBColor(235, 133, 38);
const SPIKE: RGBColor = RGBColor(205, 39, 44);

/// Rows a horizontal bar chart shows before it sums the rest into one.
const MAX_ROWS: usize = 14;
/// Periods up to which volume is drawn as bars (a line beyond: bars thinner than a few pixels
/// read worse than a line).
const MAX_BARS: usize = 62;
/// Spikes labelled with their period and count (all are marked).
const MAX_SPIKE_LABELS: usize = 8;
/// The y-label area of period charts, and the plot width left for the periods.
const Y_AREA: u32 = 75;
const PLOT_W: f64 = WIDTH as f64 - Y_AREA as f64 - 50.0;

fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal).color(&color)
}

fn centered(size: f64, color: RGBColor) -> TextStyle<'static> {
    text(size, color).pos(Pos::new(HPos::Center, VPos::Center))
}

/// A name from users' data, fit to draw: control characters (which XML cannot carry, even
/// escaped) become spaces, and long names are cut with an ellipsis.
pub fn clean(s: &str, max_chars: usize) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let s = s.trim();
    if s.is_empty() {
        return "–".into();
    }
    if s.chars().count() > max_chars {
        let mut cut: String = s.chars().take(max_chars.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        s.to_string()
    }
}

/// White background and the title; returns the area below it.
fn frame<DB: DrawingBackend>(root: &Area<DB>, title: &str) -> Result<Area<DB>, Fail> {
    root.fill(&WHITE)?;
    let (top, body) = root.split_vertically(50);
    let title = clean(title, 200);
    let mut size = 22.0;
    while size > 13.0 && top.estimate_text_size(&title, &text(size, INK))?.0 > WIDTH - 60 {
        size -= 1.0;
    }
    top.draw(&Text::new(
        title,
        (WIDTH as i32 / 2, 28),
        centered(size, INK),
    ))?;
    Ok(body)
}

/// An empty chart: its frame and the words "no data" where the data would be.
fn no_data<DB: DrawingBackend>(body: &Area<DB>, lang: Lang) -> Drawn {
    let (w, h) = body.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    body.draw(&Rectangle::new(
        [(Y_AREA as i32, 10), (w - 30, h - 50)],
        GRID.stroke_width(2),
    ))?;
    body.draw(&Text::new(
        lang.no_data(),
        ((Y_AREA as i32 + w - 30) / 2, (h - 40) / 2),
        centered(28.0, GREY),
    ))?;
    Ok(())
}

/// The label of the category at `x`, when `x` is one's position.
fn label_at(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 0.01 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// An axis value: whole numbers as such, others to two places at most.
fn tick(lang: Lang, v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{}", v.round() as i64)
    } else {
        let s = lang.num(v, 2);
        s.trim_end_matches('0').to_string()
    }
}

/// A count axis' top: room above the highest bar for its label.
fn headroom(max: u64, factor: f64) -> u64 {
    ((max as f64 * factor).ceil() as u64).max(max + 1).max(1)
}

/// Every how many periods a label fits (days in whole weeks, so labels fall on one weekday).
fn period_step<DB: DrawingBackend>(area: &Area<DB>, labels: &[String], by: Period) -> usize {
    let widest = labels
        .iter()
        .map(|l| {
            area.estimate_text_size(l, &text(14.0, INK))
                .map_or(80, |s| s.0)
        })
        .max()
        .unwrap_or(80);
    let slot = PLOT_W / labels.len().max(1) as f64;
    let step = ((f64::from(widest) + 16.0) / slot).ceil().max(1.0) as usize;
    if by == Period::Day && step > 1 {
        step.div_ceil(7) * 7
    } else {
        step
    }
}

/// Minutes as people read them: minutes under two hours, hours above.
fn duration(lang: Lang, minutes: f64) -> String {
    if minutes < 120.0 {
        let d = if minutes < 10.0 { 1 } else { 0 };
        format!("{} min", lang.num(minutes, d))
    } else {
        format!("{} h", lang.num(minutes / 60.0, 1))
    }
}

fn volume<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
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

/// The series' legend, on a white box so lines under it do not show through.
fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut plotters::chart::ChartContext<'a, DB, CT>,
    at: SeriesLabelPosition,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(at)
        .margin(12)
        .background_style(WHITE.mix(0.9))
        .border_style(GRID)
        .label_font(text(14.0, INK))
        .draw()?;
    Ok(())
}

/// A heatmap cell's colour: light to dark blue with the count (zero: pale grey, so an empty
/// hour is told from a quiet one).
fn shade(c: u64, max: u64) -> (RGBColor, bool) {
    if c == 0 {
        return (RGBColor(244, 244, 244), false);
    }
    let t = (c as f64 / max.max(1) as f64).clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    (RGBColor(mix(214, 8), mix(230, 48), mix(245, 107)), t > 0.45)
}

fn heatmap<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
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

fn response_times<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
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

/// One row of a horizontal bar chart.
struct HBar {
    name: String,
    value: f64,
    label: String,
}

/// Horizontal bars, the first row on top: for long names (intents, organisations).
fn hbars<DB: DrawingBackend>(
    body: &Area<DB>,
    rows: &[HBar],
    x_desc: &str,
    x: Axis,
    x_fmt: &dyn Fn(&f64) -> String,
    color: RGBColor,
) -> Drawn {
    let n = rows.len();
    let names: Vec<String> = rows.iter().rev().map(|r| r.name.clone()).collect();
    let name_w = rows
        .iter()
        .map(|r| {
            body.estimate_text_size(&r.name, &text(14.0, INK))
                .map_or(100, |s| s.0)
        })
        .max()
        .unwrap_or(100)
        .clamp(60, 330)
        + 16;
    let mut chart = ChartBuilder::on(body)
        .margin_left(10)
        .margin_right(30)
        .margin_top(10)
        .margin_bottom(5)
        .x_label_area_size(55)
        .y_label_area_size(name_w)
        .build_cartesian_2d(x, Axis::slots(n, 1))?;
    let fmt = |y: &f64| label_at(&names, *y);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .max_light_lines(0)
        .bold_line_style(GRID)
        .x_desc(x_desc)
        .axis_desc_style(text(16.0, INK))
        .label_style(text(14.0, INK))
        .x_label_formatter(x_fmt)
        .y_label_formatter(&fmt)
        .draw()?;
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let y = (n - 1 - i) as f64;
        Rectangle::new([(0.0, y - 0.32), (r.value, y + 0.32)], color.filled())
    }))?;
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        EmptyElement::at((r.value, (n - 1 - i) as f64))
            + Text::new(
                r.label.clone(),
                (6, 0),
                text(13.0, INK).pos(Pos::new(HPos::Left, VPos::Center)),
            )
    }))?;
    Ok(())
}

fn deflection<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
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

fn hours<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
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

fn backlog<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
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

fn csat<DB: DrawingBackend>(root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
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
