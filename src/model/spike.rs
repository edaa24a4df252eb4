//! Tag spike values: the notice agents get about a tag whose count is far
//! from its baseline. Spikes are found by
//! [`taxonomy::detect_spikes`](crate::taxonomy::detect_spikes).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::tag::Tag;

/// Up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More than usual.
    Up,
    /// Fewer than usual.
    Down,
}

/// What a spike means, from its direction and the tag's polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// Bad news: more of a bad tag, or fewer of a good one.
    Bad,
    /// The tag has no polarity: nobody can say.
    Unknown,
    /// Neither good nor bad by itself.
    Neutral,
    /// Good news: more of a good tag, or fewer of a bad one.
    Good,
}

/// What an agent notification about a spike says (integers only, so it
/// compares exactly).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpikeNotice {
    /// The one-line summary.
    pub summary: String,
    /// The tag.
    pub tag: Tag,
    /// The first local day of the period.
    pub period_start: NaiveDate,
    /// The count in the period.
    pub count: u32,
    /// The baseline mean, rounded.
    pub baseline: u32,
    /// The change in whole percent (`None` when the baseline is zero).
    pub change_percent: Option<i64>,
    /// Up or down.
    pub direction: Direction,
    /// What it means.
    pub reading: Reading,
}
