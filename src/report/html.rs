//! The HTML renderer: lays a [`Document`] out as one self-contained page
//! (inline styles, inline SVG charts, no JavaScript, a Content Security
//! Policy that forbids loading anything). It adds no figures and no words
//! of its own; every piece of text is HTML-escaped.

use std::fmt::Write as _;

use crate::chart::{self, Chart};
use crate::escape::markup as esc;
use crate::report::model::{Block, Cell, Document, Figure, Table, Tone};

/// The width of a full-width chart and of one of a pair of small
/// multiples, in CSS pixels.
const FULL: f64 = 640.0;
const HALF: f64 = 310.0;

const STYLE: &str = "\
:root{--ink:#1f2933;--muted:#52606d;--line:#e4e7eb;--bad:#b3420b;--good:#00704f;--small:#6b7280}\
*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;color:var(--ink);max-width:980px;margin:2em auto;padding:0 1em;line-height:1.45}\
h1{margin:0 0 .2em}h2{border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:2em}h3{margin-top:1.5em}\
.meta{color:var(--muted);font-size:.9em}\
nav ol{columns:2;padding-left:1.2em;margin:.5em 0}\
table{border-collapse:collapse;margin:.5em 0;max-width:100%}\
th,td{border:1px solid var(--line);padding:.3em .6em;text-align:left;vertical-align:top;overflow-wrap:break-word}\
th{background:#f5f7fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
td ul{margin:.2em 0;padding-left:1.1em}\
.bad{color:var(--bad);font-weight:600}.good{color:var(--good)}.small{color:var(--small);font-style:italic}.muted{color:var(--muted)}\
td ul{color:var(--ink);font-weight:400;font-style:normal}\
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:.6em;margin:.5em 0}\
.figure{border:1px solid var(--line);border-radius:6px;padding:.5em .7em}\
.figure .label{font-size:.85em;color:var(--muted)}.figure .value{font-size:1.45em;font-weight:600}\
.figure .detail{font-size:.85em;color:var(--muted)}\
.figure.small .value{color:var(--small)}\
figure{margin:1em 0}figcaption{font-size:.9em;color:var(--muted);max-width:640px}\
svg.chart{max-width:100%;height:auto;display:block}\
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:.5em 1.5em}.multiples svg.chart{width:100%}\
details{font-size:.9em;margin:.3em 0}\
@page{size:A4;margin:14mm}\
@media print{body{max-width:none;margin:0;padding:0;font-size:10.5pt}nav,details{display:none}\
figure,table,.figure,tr,li{break-inside:avoid}h2,h3{break-after:avoid}.multiples{grid-template-columns:1fr 1fr}}";

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

fn tone_class(t: Tone) -> &'static str {
    match t {
        Tone::Good => "good",
        Tone::Bad => "bad",
        Tone::Small => "small",
        Tone::Muted => "muted",
        _ => "",
    }
}

fn cell(o: &mut String, tag: &str, c: &Cell, numeric: bool) {
    let mut classes = Vec::new();
    if numeric {
        classes.push("n");
    }
    let tone = tone_class(c.tone);
    if !tone.is_empty() {
        classes.push(tone);
    }
    if classes.is_empty() {
        let _ = write!(o, "<{tag}>");
    } else {
        let _ = write!(o, "<{tag} class=\"{}\">", classes.join(" "));
    }
    o.push_str(&esc(&c.text));
    if !c.items.is_empty() {
        o.push_str("<ul>");
        for i in &c.items {
            let _ = write!(o, "<li>{}</li>", esc(i));
        }
        o.push_str("</ul>");
    }
    let _ = write!(o, "</{tag}>");
}

fn table(o: &mut String, t: &Table) {
    o.push_str("<table>");
    if let Some(c) = &t.caption {
        let _ = write!(o, "<caption>{}</caption>", esc(c));
    }
    o.push_str("<thead><tr>");
    for (i, h) in t.head.iter().enumerate() {
        let numeric = t.numeric.get(i).copied().unwrap_or(false);
        let _ = write!(
            o,
            "<th scope=\"col\"{}>{}</th>",
            if numeric { " class=\"n\"" } else { "" },
            esc(h)
        );
    }
    o.push_str("</tr></thead><tbody>");
    for r in &t.rows {
        o.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            cell(o, "td", c, t.numeric.get(i).copied().unwrap_or(false));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
}

fn figure(o: &mut String, f: &Figure) {
    let tone = tone_class(f.tone);
    let _ = write!(
        o,
        "<div class=\"figure{}{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div>",
        if tone.is_empty() { "" } else { " " },
        tone,
        esc(&f.label),
        esc(&f.value)
    );
    if let Some(d) = &f.detail {
        let _ = write!(o, "<div class=\"detail\">{}</div>", esc(d));
    }
    o.push_str("</div>");
}

fn chart_figure(o: &mut String, c: &Chart, width: f64, data_label: &str) {
    o.push_str("<figure>");
    o.push_str(chart::svg(c, width).trim_end());
    if !c.summary.is_empty() {
        let _ = write!(o, "<figcaption>{}</figcaption>", esc(&c.summary));
    }
    let _ = write!(o, "<details><summary>{}</summary>", esc(data_label));
    table(o, &chart::data_table(c).into());
    o.push_str("</details></figure>");
}

/// The document as one HTML page.
pub(crate) fn render(d: &Document) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\"><title>{}</title><style>{STYLE}</style></head><body><header>",
        esc(&d.lang),
        esc(&d.title)
    );
    let _ = write!(o, "<h1>{}</h1>", esc(&d.title));
    if let Some(s) = &d.subtitle {
        let _ = write!(o, "<p>{}</p>", esc(s));
    }
    if !d.meta.is_empty() {
        let meta: Vec<String> = d.meta.iter().map(|m| esc(m)).collect();
        let _ = write!(o, "<p class=\"meta\">{}</p>", meta.join(" &middot; "));
    }
    let _ = write!(
        o,
        "</header><nav aria-label=\"{}\"><ol>",
        esc(&d.contents_label)
    );
    for s in &d.sections {
        let _ = write!(
            o,
            "<li><a href=\"#{}\">{}</a></li>",
            esc(&s.id),
            esc(&s.title)
        );
    }
    o.push_str("</ol></nav><main>");
    for s in &d.sections {
        let _ = write!(
            o,
            "<section id=\"{}\"><h2>{}</h2>",
            esc(&s.id),
            esc(&s.title)
        );
        for b in &s.blocks {
            match b {
                Block::Figures(f) => {
                    o.push_str("<div class=\"figures\">");
                    for f in f {
                        figure(&mut o, f);
                    }
                    o.push_str("</div>");
                }
                Block::Heading(h) => {
                    let _ = write!(o, "<h3>{}</h3>", esc(h));
                }
                Block::Paragraph(p) => {
                    let _ = write!(o, "<p>{}</p>", esc(p));
                }
                Block::Note(n) => {
                    let _ = write!(o, "<p class=\"meta\">{}</p>", esc(n));
                }
                Block::List { ordered, items } => {
                    let tag = if *ordered { "ol" } else { "ul" };
                    let _ = write!(o, "<{tag}>");
                    for i in items {
                        let _ = write!(o, "<li>{}</li>", esc(i));
                    }
                    let _ = write!(o, "</{tag}>");
                }
                Block::Definitions(defs) => {
                    o.push_str("<dl>");
                    for (t, m) in defs {
                        let _ =
                            write!(o, "<dt><strong>{}</strong></dt><dd>{}</dd>", esc(t), esc(m));
                    }
                    o.push_str("</dl>");
                }
                Block::Table(t) => table(&mut o, t),
                Block::Charts(charts) if charts.len() > 1 => {
                    o.push_str("<div class=\"multiples\">");
                    for c in charts {
                        chart_figure(&mut o, c, HALF, &d.data_label);
                    }
                    o.push_str("</div>");
                }
                Block::Charts(charts) => {
                    for c in charts {
                        chart_figure(&mut o, c, FULL, &d.data_label);
                    }
                }
            }
        }
        o.push_str("</section>");
    }
    o.push_str("</main></body></html>\n");
    o
}
