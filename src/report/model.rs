//! The report model: a [`Document`] of [`Section`]s, each a list of
//! [`Block`]s (key figures, paragraphs, tables, charts, lists, notes).
//!
//! [`Report::document`](crate::report::Report::document) builds it from the
//! figures, once, in the report's language and time zone; the Markdown and
//! HTML renderers only lay it out. Every number and word a reader sees is
//! in the document, so the two renderers cannot disagree, and a host can
//! render the document its own way (it serialises).

use serde::{Deserialize, Serialize};

use crate::chart::{Chart, DataTable, Emphasis};

/// How a figure or cell reads. A tone is always said in words too (a
/// renderer may colour it, never only colour it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Tone {
    /// Nothing to flag.
    #[default]
    Plain,
    /// Meets its target or compares well.
    Good,
    /// Misses its target or compares badly.
    Bad,
    /// Rests on too few observations to judge: shown greyed with its count.
    Small,
    /// Secondary information (counts, context).
    Muted,
}

/// One key figure: a label, its value in words and an optional detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Figure {
    /// "First response (median)".
    pub label: String,
    /// "2h 10m".
    pub value: String,
    /// "p90 9h; 1,452 tickets".
    pub detail: Option<String>,
    /// How it reads.
    pub tone: Tone,
}

impl Figure {
    /// A figure.
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Figure {
            label: label.into(),
            value: value.into(),
            detail: None,
            tone: Tone::Plain,
        }
    }

    /// With a detail line.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// With a tone.
    pub fn tone(mut self, tone: Tone) -> Self {
        self.tone = tone;
        self
    }
}

/// One table cell: its text, optional list items under it, its tone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cell {
    /// The text.
    pub text: String,
    /// Items listed under the text (evidence lines, reasons).
    pub items: Vec<String>,
    /// How it reads.
    pub tone: Tone,
}

impl Cell {
    /// A plain cell.
    pub fn new(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            items: Vec::new(),
            tone: Tone::Plain,
        }
    }

    /// With a tone.
    pub fn tone(mut self, tone: Tone) -> Self {
        self.tone = tone;
        self
    }

    /// With items listed under the text.
    pub fn items(mut self, items: Vec<String>) -> Self {
        self.items = items;
        self
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::new(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::new(text)
    }
}

/// A table: a caption, the column heads (which columns are numeric, right
/// aligned), the rows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Table {
    /// A caption above the table.
    pub caption: Option<String>,
    /// The column heads.
    pub head: Vec<String>,
    /// Per column: numeric (right aligned).
    pub numeric: Vec<bool>,
    /// The rows, each as many cells as heads.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these heads; columns whose head is in `numeric` are
    /// right aligned.
    pub fn new(head: &[&str]) -> Self {
        Table {
            caption: None,
            head: head.iter().map(|h| (*h).to_owned()).collect(),
            numeric: vec![false; head.len()],
            rows: Vec::new(),
        }
    }

    /// A table with owned heads.
    pub fn with_head(head: Vec<String>) -> Self {
        let n = head.len();
        Table {
            caption: None,
            head,
            numeric: vec![false; n],
            rows: Vec::new(),
        }
    }

    /// Marks columns (by index) as numeric.
    pub fn numeric(mut self, columns: &[usize]) -> Self {
        for &c in columns {
            if let Some(n) = self.numeric.get_mut(c) {
                *n = true;
            }
        }
        self
    }

    /// With a caption.
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }
}

/// One block of a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Block {
    /// Key figures, shown as tiles (HTML) or a two-column table
    /// (Markdown).
    Figures(Vec<Figure>),
    /// A sub-heading.
    Heading(String),
    /// A paragraph.
    Paragraph(String),
    /// A note in small grey type (how a figure is measured, a caveat).
    Note(String),
    /// A list.
    List {
        /// Numbered.
        ordered: bool,
        /// The items.
        items: Vec<String>,
    },
    /// Terms and their meanings.
    Definitions(Vec<(String, String)>),
    /// A table.
    Table(Table),
    /// One chart, or several drawn side by side (small multiples).
    Charts(Vec<Chart>),
}

/// A section: an id (the HTML anchor), a title and its blocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Section {
    /// The id ("summary", "first-response").
    pub id: String,
    /// The title.
    pub title: String,
    /// The blocks, in order.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An empty section.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Section {
            id: id.into(),
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Adds a block.
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// The charts of the section, in order.
    pub fn charts(&self) -> impl Iterator<Item = &Chart> {
        self.blocks.iter().flat_map(|b| match b {
            Block::Charts(c) => c.as_slice(),
            _ => &[],
        })
    }
}

/// A whole report: title, the lines under it, the sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Document {
    /// The language tag of its words ("en", "zh-Hans", "zh-Hant").
    pub lang: String,
    /// The title.
    pub title: String,
    /// The line under the title.
    pub subtitle: Option<String>,
    /// Small lines under it (as of, the time zone, when generated).
    pub meta: Vec<String>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// The label of the table of contents ("Contents").
    pub contents_label: String,
    /// The label of a chart's data table ("Data").
    pub data_label: String,
}

impl Document {
    /// The charts of the whole document, in page order.
    pub fn charts(&self) -> impl Iterator<Item = &Chart> {
        self.sections.iter().flat_map(Section::charts)
    }
}

impl From<DataTable> for Table {
    /// A chart's data table as a report table; a mark's emphasis becomes
    /// the cell's tone.
    fn from(t: DataTable) -> Self {
        Table {
            caption: t.caption,
            head: t.head,
            numeric: t.numeric,
            rows: t
                .rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|c| {
                            Cell::new(c.text).tone(match c.emphasis {
                                Emphasis::Worse => Tone::Bad,
                                Emphasis::Better => Tone::Good,
                                Emphasis::SmallSample => Tone::Small,
                                _ => Tone::Plain,
                            })
                        })
                        .collect()
                })
                .collect(),
        }
    }
}
