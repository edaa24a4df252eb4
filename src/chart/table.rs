//! A chart's data as a table: its text alternative (under each HTML
//! chart, and in place of the chart in Markdown).

use serde::{Deserialize, Serialize};

use super::text::value;
use super::{Chart, ChartKind, Emphasis, Quadrant};

/// One cell of a [`Table`]: its text and the emphasis of the mark it
/// describes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cell {
    /// The text.
    pub text: String,
    /// The emphasis of the mark (a small sample, worse than the
    /// reference).
    pub emphasis: Emphasis,
}

impl Cell {
    fn new(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            emphasis: Emphasis::Normal,
        }
    }

    fn tone(mut self, emphasis: Emphasis) -> Self {
        self.emphasis = emphasis;
        self
    }
}

/// A chart's data as a table: a caption (the references or markers), the
/// column heads (from [`Chart::heads`] where the chart has no words of
/// its own), which columns are numeric, the rows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Table {
    /// The references or markers, in words.
    pub caption: Option<String>,
    /// The column heads.
    pub head: Vec<String>,
    /// Per column: numeric.
    pub numeric: Vec<bool>,
    /// One row per mark.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(head: &[&str]) -> Self {
        Table::with_head(head.iter().map(|h| (*h).to_owned()).collect())
    }

    fn with_head(head: Vec<String>) -> Self {
        let n = head.len();
        Table {
            caption: None,
            head,
            numeric: vec![false; n],
            rows: Vec::new(),
        }
    }

    fn numeric(mut self, columns: &[usize]) -> Self {
        for &c in columns {
            if let Some(n) = self.numeric.get_mut(c) {
                *n = true;
            }
        }
        self
    }

    fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }
}

fn tone(e: Emphasis) -> Emphasis {
    e
}

/// The chart's data as a table, from the same values the chart is drawn
/// from.
pub(crate) fn data_table(chart: &Chart) -> Table {
    let mut t = table(chart);
    let mut heads = chart.heads.iter();
    for h in t.head.iter_mut().filter(|h| h.is_empty()) {
        match heads.next() {
            Some(given) => h.clone_from(given),
            None => break,
        }
    }
    t
}

fn table(chart: &Chart) -> Table {
    match &chart.kind {
        ChartKind::Lines(l) => {
            let mut head = vec![String::new()];
            head.extend(l.series.iter().map(|s| s.name.clone()));
            let numeric: Vec<usize> = (1..head.len()).collect();
            let mut t = Table::with_head(head).numeric(&numeric);
            for (i, x) in l.x.iter().enumerate() {
                let mut row = vec![Cell::new(x.as_str())];
                for s in &l.series {
                    let v = s.values.get(i).copied().flatten().filter(|v| v.is_finite());
                    row.push(Cell::new(
                        v.map_or_else(|| "-".to_owned(), |v| value(l.scale, v)),
                    ));
                }
                t.row(row);
            }
            if !l.references.is_empty() {
                let refs: Vec<String> = l.references.iter().map(|r| r.label.clone()).collect();
                t = t.caption(refs.join("; "));
            }
            t
        }
        ChartKind::Bars(b) => {
            let grouped = b.bars.iter().any(|x| x.group.is_some());
            let mut head = Vec::new();
            if grouped {
                head.push("");
            }
            head.extend(["", ""]);
            let mut t = Table::new(&head);
            for x in &b.bars {
                let mut row = Vec::new();
                if grouped {
                    row.push(Cell::new(x.group.clone().unwrap_or_default()));
                }
                row.push(Cell::new(x.label.as_str()));
                row.push(Cell::new(x.text.as_str()).tone(tone(x.emphasis)));
                t.row(row);
            }
            if let Some(r) = &b.reference {
                t = t.caption(r.label.clone());
            }
            t
        }
        ChartKind::Columns(c) => {
            // The count column only when it says more than the value.
            #[allow(clippy::cast_precision_loss)]
            let counts = c
                .columns
                .iter()
                .any(|x| x.value.is_none_or(|v| v != x.n as f64));
            let mut t = if counts {
                Table::new(&["", "", "n"]).numeric(&[1, 2])
            } else {
                Table::new(&["", ""]).numeric(&[1])
            };
            for x in &c.columns {
                let v = x.value.filter(|v| v.is_finite());
                let mut row = vec![
                    Cell::new(x.label.as_str()),
                    Cell::new(v.map_or_else(|| "-".to_owned(), |v| value(c.scale, v)))
                        .tone(tone(x.emphasis)),
                ];
                if counts {
                    #[allow(clippy::cast_precision_loss)]
                    row.push(Cell::new(super::text::thousands(x.n as f64)));
                }
                t.row(row);
            }
            if !c.markers.is_empty() {
                let m: Vec<&str> = c.markers.iter().map(|m| m.label.as_str()).collect();
                t = t.caption(m.join("; "));
            }
            t
        }
        ChartKind::Quadrants(q) => {
            let mut t = Table::new(&["", "", ""]);
            for p in &q.points {
                let name = match p.quadrant {
                    Quadrant::TopLeft => &q.names[0],
                    Quadrant::TopRight => &q.names[1],
                    Quadrant::BottomLeft => &q.names[2],
                    Quadrant::BottomRight => &q.names[3],
                };
                t.row(vec![
                    Cell::new(p.label.as_str()),
                    Cell::new(p.text.as_str()),
                    Cell::new(name.as_str()),
                ]);
            }
            t.caption(format!("{} / {}", q.x_axis, q.y_axis))
        }
        ChartKind::Tiers(tr) => {
            let mut t = Table::new(&["", ""]);
            for b in &tr.bands {
                let steps = if b.from == b.to {
                    b.from.to_string()
                } else {
                    format!("{}–{}", b.from, b.to)
                };
                t.row(vec![Cell::new(b.name.as_str()), Cell::new(steps)]);
            }
            t.row(vec![
                Cell::new(tr.caption.as_str()),
                Cell::new(format!("{} / {}", tr.at, tr.steps)),
            ]);
            t.caption(tr.footer.as_str())
        }
    }
}
