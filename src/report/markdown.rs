//! The Markdown renderer: lays a [`Document`] out as GitHub-flavoured
//! Markdown. It adds no figures and no words of its own: a chart becomes
//! its title, its text alternative and its data table.

use std::fmt::Write as _;

use crate::chart;
use crate::escape::markdown as md;
use crate::report::model::{Block, Cell, Document, Table};

fn cell(c: &Cell) -> String {
    let mut s = md(&c.text);
    for item in &c.items {
        if !s.is_empty() {
            s.push_str("; ");
        }
        s.push_str(&md(item));
    }
    s
}

fn table(o: &mut String, t: &Table) {
    if t.head.is_empty() {
        return;
    }
    if let Some(c) = &t.caption {
        let _ = writeln!(o, "{}\n", md(c));
    }
    let _ = writeln!(
        o,
        "| {} |",
        t.head.iter().map(|h| md(h)).collect::<Vec<_>>().join(" | ")
    );
    let align: Vec<&str> = (0..t.head.len())
        .map(|i| {
            if t.numeric.get(i).copied().unwrap_or(false) {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    let _ = writeln!(o, "|{}|", align.join("|"));
    for r in &t.rows {
        let mut cells: Vec<String> = r.iter().map(cell).collect();
        cells.resize(t.head.len(), String::new());
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    o.push('\n');
}

/// The colon after a term: full-width in Chinese.
fn colon(d: &Document) -> &'static str {
    if d.lang.starts_with("zh") {
        "："
    } else {
        ": "
    }
}

/// The document as Markdown.
pub(crate) fn render(d: &Document) -> String {
    let mut o = String::with_capacity(16 * 1024);
    let _ = writeln!(o, "# {}\n", md(&d.title));
    if let Some(s) = &d.subtitle {
        let _ = writeln!(o, "{}\n", md(s));
    }
    if !d.meta.is_empty() {
        let meta: Vec<String> = d.meta.iter().map(|m| md(m)).collect();
        let _ = writeln!(o, "_{}_\n", meta.join(" · "));
    }
    for s in &d.sections {
        let _ = writeln!(o, "## {}\n", md(&s.title));
        for b in &s.blocks {
            block(&mut o, b, colon(d));
        }
    }
    o
}

fn block(o: &mut String, b: &Block, colon: &str) {
    match b {
        Block::Figures(f) => {
            for f in f {
                let _ = write!(o, "- **{}**{colon}{}", md(&f.label), md(&f.value));
                if let Some(d) = &f.detail {
                    let _ = write!(o, " — {}", md(d));
                }
                o.push('\n');
            }
            o.push('\n');
        }
        Block::Heading(h) => {
            let _ = writeln!(o, "### {}\n", md(h));
        }
        Block::Paragraph(p) => {
            let _ = writeln!(o, "{}\n", md(p));
        }
        Block::Note(n) => {
            let _ = writeln!(o, "_{}_\n", md(n));
        }
        Block::List { ordered, items } => {
            for (i, item) in items.iter().enumerate() {
                if *ordered {
                    let _ = writeln!(o, "{}. {}", i + 1, md(item));
                } else {
                    let _ = writeln!(o, "- {}", md(item));
                }
            }
            o.push('\n');
        }
        Block::Definitions(defs) => {
            for (term, meaning) in defs {
                let _ = writeln!(o, "- **{}**{colon}{}", md(term), md(meaning));
            }
            o.push('\n');
        }
        Block::Table(t) => table(o, t),
        Block::Charts(charts) => {
            for c in charts {
                let _ = writeln!(o, "**{}**\n", md(&c.title));
                if !c.summary.is_empty() {
                    let _ = writeln!(o, "{}\n", md(&c.summary));
                }
                table(o, &chart::data_table(c).into());
            }
        }
    }
}
