//! A canvas that writes SVG elements and remembers where its text went,
//! so that optional text (a value over a column, a bubble's label) is
//! drawn only where it overlaps nothing and stays inside the picture.

use std::fmt::Write as _;

use super::text::{ASCENT, DESCENT, width};
use crate::escape::markup as esc;

/// Text colour (contrast 14.7:1 on white).
pub(super) const INK: &str = "#1f2933";
/// Secondary text (contrast 6.4:1 on white).
pub(super) const MUTED: &str = "#52606d";
/// Grid lines and axes.
pub(super) const GRID: &str = "#e4e7eb";
/// The series colours, in order (Okabe–Ito).
pub(super) const SERIES: [&str; 6] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
];
/// A mark worse than its reference (vermillion).
pub(super) const WORSE: &str = "#D55E00";
/// A mark better than its reference (bluish green).
pub(super) const BETTER: &str = "#009E73";
/// A plain mark (blue).
pub(super) const NORMAL: &str = "#0072B2";
/// A mark on too few observations (light grey, hatched).
pub(super) const SMALL: &str = "#BBBBBB";
/// How much wider bold text is than regular.
pub(super) const BOLD: f64 = 1.1;
/// The font stack: system fonts, then CJK ones.
const FONTS: &str = "system-ui, -apple-system, &#39;Segoe UI&#39;, Roboto, &#39;Noto Sans&#39;, &#39;Noto Sans CJK SC&#39;, &#39;PingFang SC&#39;, &#39;Microsoft YaHei&#39;, sans-serif";

/// Where a text's x is: its start, middle or end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Anchor {
    /// x is the left end.
    Start,
    /// x is the middle.
    Middle,
    /// x is the right end.
    End,
}

impl Anchor {
    fn attr(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// A four-cornered box (a text's, possibly rotated).
pub(super) type Quad = [(f64, f64); 4];

/// The box of a text: anchor point, anchor, size, rotation (degrees
/// about the anchor point).
pub(super) fn text_quad(
    x: f64,
    y: f64,
    anchor: Anchor,
    size: f64,
    bold: bool,
    s: &str,
    rotate: f64,
) -> Quad {
    let w = width(s, size) * if bold { BOLD } else { 1.0 };
    let l = match anchor {
        Anchor::Start => x,
        Anchor::Middle => x - w / 2.0,
        Anchor::End => x - w,
    };
    let (t, b) = (y - ASCENT * size, y + DESCENT * size);
    let corners = [(l, t), (l + w, t), (l + w, b), (l, b)];
    if rotate == 0.0 {
        return corners;
    }
    let (sin, cos) = rotate.to_radians().sin_cos();
    corners.map(|(px, py)| {
        let (dx, dy) = (px - x, py - y);
        (x + dx * cos - dy * sin, y + dx * sin + dy * cos)
    })
}

/// The upright box around a box (what a browser reports for a rotated
/// text).
pub(super) fn aabb(q: &Quad) -> Quad {
    let (mut l, mut t, mut r, mut b) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in q {
        l = l.min(*x);
        r = r.max(*x);
        t = t.min(*y);
        b = b.max(*y);
    }
    [(l, t), (r, t), (r, b), (l, b)]
}

/// Whether two boxes overlap by more than `slack` px (separating axes).
pub(super) fn overlap(a: &Quad, b: &Quad, slack: f64) -> bool {
    for poly in [a, b] {
        for i in 0..4 {
            let (p, q) = (poly[i], poly[(i + 1) % 4]);
            let (ax, ay) = (-(q.1 - p.1), q.0 - p.0);
            let len = (ax * ax + ay * ay).sqrt();
            if len < 1e-12 {
                continue;
            }
            let proj = |pts: &Quad| {
                pts.iter()
                    .map(|(x, y)| (x * ax + y * ay) / len)
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                        (lo.min(v), hi.max(v))
                    })
            };
            let ((a0, a1), (b0, b1)) = (proj(a), proj(b));
            if a1 <= b0 + slack || b1 <= a0 + slack {
                return false;
            }
        }
    }
    true
}

/// One text to write.
#[derive(Debug, Clone)]
pub(super) struct Text<'a> {
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) anchor: Anchor,
    pub(super) size: f64,
    pub(super) fill: &'a str,
    pub(super) bold: bool,
    /// Drawn with a white outline (over lines and shapes).
    pub(super) halo: bool,
    /// Degrees about (x, y).
    pub(super) rotate: f64,
    pub(super) s: &'a str,
}

impl<'a> Text<'a> {
    /// A plain text.
    pub(super) fn new(
        x: f64,
        y: f64,
        anchor: Anchor,
        size: f64,
        fill: &'a str,
        s: &'a str,
    ) -> Self {
        Text {
            x,
            y,
            anchor,
            size,
            fill,
            bold: false,
            halo: false,
            rotate: 0.0,
            s,
        }
    }

    pub(super) fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    pub(super) fn halo(mut self) -> Self {
        self.halo = true;
        self
    }

    pub(super) fn rotate(mut self, deg: f64) -> Self {
        self.rotate = deg;
        self
    }

    fn quad(&self) -> Quad {
        aabb(&text_quad(
            self.x,
            self.y,
            self.anchor,
            self.size,
            self.bold,
            self.s,
            self.rotate,
        ))
    }
}

/// Coordinates are written with one decimal; a non-finite one (which the
/// layout never makes) is written as 0.
pub(super) fn c(v: f64) -> f64 {
    if v.is_finite() {
        (v * 10.0).round() / 10.0
    } else {
        0.0
    }
}

/// The SVG being drawn.
#[derive(Debug)]
pub(super) struct Canvas {
    pub(super) w: f64,
    body: String,
    texts: Vec<Quad>,
    bottom: f64,
}

impl Canvas {
    pub(super) fn new(w: f64) -> Self {
        Canvas {
            w,
            body: String::new(),
            texts: Vec::new(),
            bottom: 0.0,
        }
    }

    /// What was drawn so far (to draw it on another canvas; the text
    /// boxes are not carried over, so draw no text on it).
    pub(super) fn into_body(self) -> String {
        self.body
    }

    /// Raw markup of the canvas's own (never text from outside).
    pub(super) fn raw(&mut self, s: &str) {
        self.body.push_str(s);
    }

    fn write_text(&mut self, t: &Text<'_>, q: Quad) {
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}" fill="{}""#,
            c(t.x),
            c(t.y),
            t.size,
            t.fill
        );
        if t.anchor != Anchor::Start {
            let _ = write!(self.body, r#" text-anchor="{}""#, t.anchor.attr());
        }
        if t.bold {
            self.body.push_str(r#" font-weight="bold""#);
        }
        if t.halo {
            self.body
                .push_str(r##" stroke="#ffffff" stroke-width="3" paint-order="stroke""##);
        }
        if t.rotate != 0.0 {
            let _ = write!(
                self.body,
                r#" transform="rotate({} {} {})""#,
                c(t.rotate),
                c(t.x),
                c(t.y)
            );
        }
        let _ = write!(self.body, ">{}</text>", esc(t.s));
        for (_, y) in q {
            self.bottom = self.bottom.max(y);
        }
        self.texts.push(q);
    }

    /// Writes a text the layout has placed (it still is not written when
    /// empty).
    pub(super) fn text(&mut self, t: &Text<'_>) {
        if t.s.is_empty() {
            return;
        }
        let q = t.quad();
        self.write_text(t, q);
    }

    /// Writes a text when it stays inside the canvas's width (and below
    /// its top) and overlaps no text already written; says whether it did.
    pub(super) fn try_text(&mut self, t: &Text<'_>) -> bool {
        if t.s.is_empty() {
            return false;
        }
        let q = t.quad();
        if !self.fits(&q) {
            return false;
        }
        self.write_text(t, q);
        true
    }

    /// Whether a box is inside the canvas's width, below its top, and
    /// overlaps no text written so far.
    pub(super) fn fits(&self, q: &Quad) -> bool {
        let inside = q
            .iter()
            .all(|(x, y)| *x >= 1.0 && *x <= self.w - 1.0 && *y >= 1.0);
        inside && !self.texts.iter().any(|o| overlap(o, q, -1.0))
    }

    pub(super) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, extra: &str) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"{extra}/>"#,
            c(x),
            c(y),
            c(w.max(0.0)),
            c(h.max(0.0))
        );
    }

    pub(super) fn line(
        &mut self,
        (x1, y1): (f64, f64),
        (x2, y2): (f64, f64),
        stroke: &str,
        dashed: bool,
    ) {
        let dash = if dashed {
            r#" stroke-dasharray="5 3""#
        } else {
            ""
        };
        let _ = write!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="1"{dash}/>"#,
            c(x1),
            c(y1),
            c(x2),
            c(y2)
        );
    }

    /// The whole `<svg>`: at least `height` tall and tall enough for every
    /// text written.
    pub(super) fn finish(
        self,
        id: &str,
        title: &str,
        summary: &str,
        height: f64,
        background: bool,
    ) -> String {
        let h = c(height.max(self.bottom + 4.0).ceil());
        let w = c(self.w);
        let id = esc(id);
        let mut out = String::with_capacity(self.body.len() + 600);
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONTS}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            esc(title),
            esc(summary)
        );
        if background {
            let _ = write!(out, r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##);
        }
        out.push_str(&self.body);
        out.push_str("</svg>");
        out
    }
}
