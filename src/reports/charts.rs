//! Charts of a [`Report`]: drawn in memory (SVG text and PNG bytes), with the font bundled in
//! the binary so no system font library is needed. Writing them to files is the caller's.

use super::Report;

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

/// Every chart of `report`, with words in `lang` (`en` or `pl`).
pub fn render_all(report: &Report, lang: &str) -> Result<Vec<Chart>, ChartError> {
    let _ = (report, lang);
    Err(ChartError {
        chart: "volume",
        message: "charts are not drawn yet".into(),
    })
}

/// The volume trend (spikes marked) as a PNG, for chat.
pub fn volume_png(report: &Report, lang: &str) -> Result<Vec<u8>, ChartError> {
    let _ = (report, lang);
    Err(ChartError {
        chart: "volume",
        message: "charts are not drawn yet".into(),
    })
}
