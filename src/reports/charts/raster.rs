//! The PNG's drawing surface: plotters' RGB bitmap backend, with text drawn here instead.
//!
//! plotters 0.3.7 rasterises ab_glyph text without each glyph's side bearing and with each
//! glyph's top snapped on its own, so letters drift ("Organi sation") and a decimal point floats
//! at mid-height. Here every glyph is placed at its pen position (with kerning, sub-pixel) on
//! one baseline. Widths are measured as plotters measures them (advances and kerning at the
//! style's size), so labels placed from measurements land where the SVG puts them.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// The bundled font, parsed once.
fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(super::FONT).ok())
        .as_ref()
}

/// A bitmap backend that draws text itself (see the module's doc).
pub struct Raster<'a>(pub BitMapBackend<'a>);

type Fallible<E> = Result<(), DrawingErrorKind<E>>;

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Fallible<Self::ErrorType> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Fallible<Self::ErrorType> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Fallible<Self::ErrorType> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Fallible<Self::ErrorType> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Fallible<Self::ErrorType> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Fallible<Self::ErrorType> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Fallible<Self::ErrorType> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Fallible<Self::ErrorType> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Fallible<Self::ErrorType> {
        self.0.blit_bitmap(pos, size, src)
    }

    /// Glyphs on one baseline: `Top` puts the font's ascent at `pos`, `Bottom` its descent,
    /// `Center` the middle between them (about the middle of capitals and digits).
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Fallible<Self::ErrorType> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let Some(font) = font() else {
            return self.0.draw_text(text, style, pos);
        };
        let scale = PxScale::from(style.size() as f32);
        let scaled = font.as_scaled(scale);
        let mut pen = 0f32;
        let mut prev = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            glyphs.push((id, pen));
            pen += scaled.h_advance(id);
            prev = Some(id);
        }
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -pen / 2.0,
            HPos::Right => -pen,
        };
        let (ascent, descent) = (scaled.ascent(), scaled.descent());
        let baseline = match anchor.v_pos {
            VPos::Top => ascent,
            VPos::Center => (ascent + descent) / 2.0,
            VPos::Bottom => descent,
        };
        let trans = style.transform();
        let (w, h) = self.0.get_size();
        let mut failed = None;
        for (id, x) in glyphs {
            let glyph = id.with_scale_and_position(scale, point(x + dx, baseline));
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let b = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                if failed.is_some() || coverage <= 0.0 {
                    return;
                }
                let (tx, ty) =
                    trans.transform(b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && px < w as i32 && py < h as i32 {
                    let c = BackendColor {
                        alpha: color.alpha * f64::from(coverage.min(1.0)),
                        rgb: color.rgb,
                    };
                    if let Err(e) = self.0.draw_pixel((px, py), c) {
                        failed = Some(e);
                    }
                }
            });
        }
        failed.map_or(Ok(()), Err)
    }
}
