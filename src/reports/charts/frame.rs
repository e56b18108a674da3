//! What every chart shares: the frame (white background, title, "no data"), text styles and
//! colours, the category and value axes, labels' thinning, legends, and horizontal bars.
//!
//! Categories (periods, priorities, intents, organisations) sit at integer positions on an f64
//! axis with explicit key points, so labels can be thinned by their measured width (a year of
//! days shows one label every few weeks) and bars can be placed anywhere around them.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::{
    ChartBuilder, Color, DrawingArea, DrawingAreaErrorKind, DrawingBackend, EmptyElement, FontDesc,
    FontFamily, FontStyle, RGBColor, Rectangle, SeriesLabelPosition, Text, TextStyle, WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::WIDTH;
use super::words::Lang;
use crate::reports::Period;

/// A drawing error, as text (the backends' error types differ).
pub struct Fail(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for Fail {
    fn from(e: DrawingAreaErrorKind<E>) -> Fail {
        Fail(e.to_string())
    }
}

pub(super) type Drawn = Result<(), Fail>;

/// An f64 axis with chosen key points (labels and grid lines). plotters' own `WithKeyPoints`
/// over f64 loses the label formatter, and categories need fractional positions for bars.
#[derive(Debug, Clone)]
pub(super) struct Axis {
    lo: f64,
    hi: f64,
    keys: Vec<f64>,
}

impl Axis {
    pub(super) fn new(lo: f64, hi: f64, keys: Vec<f64>) -> Axis {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Axis { lo, hi, keys }
    }

    /// Categories `0..n` at integer positions, a label every `step`.
    pub(super) fn slots(n: usize, step: usize) -> Axis {
        let keys = (0..n).step_by(step.max(1)).map(|i| i as f64).collect();
        Axis::new(-0.5, n as f64 - 0.5, keys)
    }

    /// `0..top` with round steps (1, 2 or 5 times a power of ten), about six of them.
    pub(super) fn values(top: f64) -> Axis {
        Axis::stepped(top, 0.0)
    }

    /// `0..top` for counts: whole steps.
    pub(super) fn counts(top: u64) -> Axis {
        Axis::stepped(top as f64, 1.0)
    }

    pub(super) fn stepped(top: f64, min_step: f64) -> Axis {
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
pub(super) type Area<DB> = DrawingArea<DB, Shift>;

pub(super) const INK: RGBColor = RGBColor(34, 34, 34);
pub(super) const GREY: RGBColor = RGBColor(130, 130, 130);
pub(super) const GRID: RGBColor = RGBColor(226, 226, 226);
pub(super) const BAR: RGBColor = RGBColor(49, 104, 196);
pub(super) const SECOND: RGBColor = RGBColor(235, 133, 38);
pub(super) const SPIKE: RGBColor = RGBColor(205, 39, 44);

/// Rows a horizontal bar chart shows before it sums the rest into one.
pub(super) const MAX_ROWS: usize = 14;
/// Periods up to which volume is drawn as bars (a line beyond: bars thinner than a few pixels
/// read worse than a line).
pub(super) const MAX_BARS: usize = 62;
/// Spikes labelled with their period and count (all are marked).
pub(super) const MAX_SPIKE_LABELS: usize = 8;
/// The y-label area of period charts, and the plot width left for the periods.
pub(super) const Y_AREA: u32 = 75;
pub(super) const PLOT_W: f64 = WIDTH as f64 - Y_AREA as f64 - 50.0;

pub(super) fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal).color(&color)
}

pub(super) fn centered(size: f64, color: RGBColor) -> TextStyle<'static> {
    text(size, color).pos(Pos::new(HPos::Center, VPos::Center))
}

/// A name from users' data, fit to draw: control characters (which XML cannot carry, even
/// escaped) become spaces, and long names are cut with an ellipsis.
pub(super) fn clean(s: &str, max_chars: usize) -> String {
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
pub(super) fn frame<DB: DrawingBackend>(root: &Area<DB>, title: &str) -> Result<Area<DB>, Fail> {
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
pub(super) fn no_data<DB: DrawingBackend>(body: &Area<DB>, lang: Lang) -> Drawn {
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
pub(super) fn label_at(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 0.01 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// An axis value: whole numbers as such, others to two places at most.
pub(super) fn tick(lang: Lang, v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{}", v.round() as i64)
    } else {
        let s = lang.num(v, 2);
        s.trim_end_matches('0').to_string()
    }
}

/// A count axis' top: room above the highest bar for its label.
pub(super) fn headroom(max: u64, factor: f64) -> u64 {
    ((max as f64 * factor).ceil() as u64).max(max + 1).max(1)
}

/// Every how many periods a label fits (days in whole weeks, so labels fall on one weekday).
pub(super) fn period_step<DB: DrawingBackend>(
    area: &Area<DB>,
    labels: &[String],
    by: Period,
) -> usize {
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
pub(super) fn duration(lang: Lang, minutes: f64) -> String {
    if minutes < 120.0 {
        let d = if minutes < 10.0 { 1 } else { 0 };
        format!("{} min", lang.num(minutes, d))
    } else {
        format!("{} h", lang.num(minutes / 60.0, 1))
    }
}

/// The series' legend, on a white box so lines under it do not show through.
pub(super) fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
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

/// One row of a horizontal bar chart.
pub(super) struct HBar {
    pub(super) name: String,
    pub(super) value: f64,
    pub(super) label: String,
}

/// Horizontal bars, the first row on top: for long names (intents, organisations).
pub(super) fn hbars<DB: DrawingBackend>(
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
