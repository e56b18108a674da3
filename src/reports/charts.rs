//! Charts of a [`Report`]: drawn in memory (SVG text and PNG bytes), with the font bundled in
//! the binary so no system font library is needed. Writing them to files is the caller's.
//!
//! Each chart is drawn once per format by the same generic code ([`draw`]'s kinds) on plotters'
//! SVG backend and on its RGB bitmap backend; the bitmap is encoded with the `png` crate. Text
//! is laid out and rasterised with ab_glyph from DejaVu Sans (`assets/fonts/`), registered as
//! plotters' `sans-serif` family: the PNG looks the same on every machine, and the SVG names the
//! generic `sans-serif` family so a viewer without DejaVu still shows every word. plotters
//! escapes text in SVG (`<`, `&`, quotes); control characters, which XML cannot carry even
//! escaped, are replaced before any name from users' data is drawn.

mod bars;
mod draw;
mod frame;
mod raster;
mod trends;
mod words;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use plotters::prelude::*;

use super::Report;
pub use words::Lang;

/// Every chart's size in pixels: wide enough for a year of daily labels, and a size chat
/// clients show without scaling down much.
pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 500;

/// The charts, in the order [`render_all`] returns them.
pub const NAMES: [&str; 7] = [
    "volume",
    "heatmap",
    "response_times",
    "deflection",
    "hours",
    "backlog",
    "csat",
];

/// One chart in both formats.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem: `volume`, `heatmap`, `response_times`, `deflection`, `hours`, `backlog`,
    /// `csat`.
    pub name: &'static str,
    pub svg: String,
    pub png: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot draw the {chart} chart: {message}")]
pub struct ChartError {
    pub chart: &'static str,
    pub message: String,
}

/// Every chart of `report`, with words in `lang` (`en` or `pl`; anything else is English).
pub fn render_all(report: &Report, lang: &str) -> Result<Vec<Chart>, ChartError> {
    NAMES
        .iter()
        .map(|&name| render(report, lang, name))
        .collect()
}

/// One chart by its name (one of [`NAMES`]), in both formats.
pub fn render(report: &Report, lang: &str, name: &str) -> Result<Chart, ChartError> {
    let kind = draw::Kind::of(name).ok_or_else(|| ChartError {
        chart: "unknown",
        message: format!("there is no chart called {name:?}"),
    })?;
    let lang = Lang::of(lang);
    Ok(Chart {
        name: kind.name(),
        svg: svg(report, lang, kind)?,
        png: png(report, lang, kind)?,
    })
}

/// The volume trend (spikes marked) as a PNG, for chat.
pub fn volume_png(report: &Report, lang: &str) -> Result<Vec<u8>, ChartError> {
    png(report, Lang::of(lang), draw::Kind::Volume)
}

/// The volume trend as SVG (what a web page would embed).
pub fn volume_svg(report: &Report, lang: &str) -> Result<String, ChartError> {
    svg(report, Lang::of(lang), draw::Kind::Volume)
}

/// DejaVu Sans (its licence is beside it).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font once per process. plotters keeps fonts in a global table, and
/// the bitmap backend finds no glyphs (an error, not a blank) until this has run.
fn font_ready() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
                .map_err(|_| "the bundled font (DejaVu Sans) does not load".to_string())
        })
        .clone()
}

/// Runs one drawing, turning its errors (and, as a last guard, a panic inside the drawing
/// library on input nobody foresaw) into a [`ChartError`] naming the chart.
fn guarded<T>(kind: draw::Kind, f: impl FnOnce() -> Result<T, String>) -> Result<T, ChartError> {
    let fail = |message| ChartError {
        chart: kind.name(),
        message,
    };
    font_ready().map_err(fail)?;
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(fail),
        Err(_) => Err(fail("the drawing library failed".into())),
    }
}

fn svg(report: &Report, lang: Lang, kind: draw::Kind) -> Result<String, ChartError> {
    guarded(kind, || {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
            draw::draw(kind, &root, report, lang).map_err(|e| e.0)?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(out)
    })
}

fn png(report: &Report, lang: Lang, kind: draw::Kind) -> Result<Vec<u8>, ChartError> {
    guarded(kind, || {
        let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
        {
            let root = raster::Raster(BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)))
                .into_drawing_area();
            draw::draw(kind, &root, report, lang).map_err(|e| e.0)?;
            root.present().map_err(|e| e.to_string())?;
        }
        encode_png(&rgb, WIDTH, HEIGHT).map_err(|e| e.to_string())
    })
}

/// An 8-bit RGB PNG. Fast compression: charts are mostly flat colour, which deflates well at
/// any level, and the time goes to chat uploads and `--charts` runs.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::with_capacity(64 * 1024);
    {
        let mut e = png::Encoder::new(&mut out, width, height);
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Eight);
        e.set_compression(png::Compression::Fast);
        let mut w = e.write_header()?;
        w.write_image_data(rgb)?;
        w.finish()?;
    }
    Ok(out)
}
