//! The seven charts by name, each drawn by one function generic over plotters' backend (SVG or
//! bitmap), so both formats show the same thing.

use plotters::prelude::DrawingBackend;

use super::frame::{Area, Drawn};
use super::words::Lang;
use super::{bars, trends};
use crate::reports::Report;

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

pub fn draw<DB: DrawingBackend>(kind: Kind, root: &Area<DB>, r: &Report, lang: Lang) -> Drawn {
    match kind {
        Kind::Volume => trends::volume(root, r, lang),
        Kind::Heatmap => trends::heatmap(root, r, lang),
        Kind::ResponseTimes => bars::response_times(root, r, lang),
        Kind::Deflection => bars::deflection(root, r, lang),
        Kind::Hours => bars::hours(root, r, lang),
        Kind::Backlog => trends::backlog(root, r, lang),
        Kind::Csat => bars::csat(root, r, lang),
    }
}
