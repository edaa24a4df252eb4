//! Tag taxonomies: what-tags (symptoms, contact reasons) and why-tags
//! (causes), linked so a team can count not only what its customers
//! contact it about but why (docs/domain.md section 4).
//!
//! - [`Taxonomy`]: tags in a hierarchy by `/`, each a what- or a why-tag
//!   with a [`Polarity`] (is a rise good or bad?); causes linked to the
//!   symptoms they explain; [`Group`]s with a [`Cardinality`]; what a
//!   ticket needs before it can be solved ([`Requirement`]); auto-tagging
//!   [`Rule`]s. Loaded from a config file through serde.
//! - With a taxonomy in the [`Context`](crate::ticket::Context) (or on the
//!   [`Desk`](crate::Desk)), tagging commands reject unknown tags and broken
//!   cardinality and solving checks the requirements, with
//!   [`DomainError::Taxonomy`](crate::ticket::DomainError::Taxonomy) naming
//!   the [`Violation`].
//! - [`Taxonomy::lint`]: vague names, unexplained symptoms, unreadable
//!   spikes, near-duplicates, orphan causes, cycles; each [`Finding`] with a
//!   code, a reason and a suggestion.
//! - [`AutoTagger`]: all rules in one `RegexSet` pass, Unicode-aware (CJK
//!   included), bounded, explaining each tag it adds.
//! - [`detect_spikes`]: per-tag counts per day or week in a time zone
//!   against a rolling baseline, read through polarity, and
//!   [`spike_notifications`] for the team.
//!
//! ```
//! use supportdesk::taxonomy::{AutoTagger, Input, Taxonomy};
//! use supportdesk::{Channel, Tag};
//!
//! let tax: Taxonomy = serde_json::from_str(r#"{
//!   "tags": [
//!     {"tag": "shipping/late", "kind": "what", "polarity": "bad"},
//!     {"tag": "cause/carrier-delay", "kind": "why", "polarity": "bad", "explains": ["shipping/late"]}
//!   ],
//!   "rules": [{"name": "late", "pattern": "late|delayed|延迟", "add": ["shipping/late"]}]
//! }"#)?;
//! assert!(tax.lint().is_empty());
//! let out = AutoTagger::new(&tax)?.tag(&Input::new("My parcel is late again", Channel::Email));
//! assert_eq!(out.tags, [Tag::new("shipping/late")?]);
//! println!("{}", out.explanations[0]); // shipping/late by rule "late": matched "late" at 13..17
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod autotag;
mod check;
mod lint;
mod model;
mod rule;
mod spike;

pub use autotag::{AutoTagError, AutoTagger, AutoTags, Explanation, Input, Limits, Skipped, Span};
pub use lint::{Finding, LintCode, Severity, VAGUE_WORDS};
pub use model::{
    Group, MAX_GROUPS, MAX_RULES, MAX_TAGS, Requirement, TagConfig, TagDef, Taxonomy,
    TaxonomyConfig, TaxonomyError,
};
pub use rule::Rule;
pub use spike::{
    MAX_BASELINE_PERIODS, Spike, SpikeConfig, TagCounts, detect_spikes, spike_notifications,
    spikes_in,
};

// The taxonomy's values live in `model`; they stay reachable here.
pub use crate::model::{
    Cardinality, Direction, Polarity, Reading, SpikeNotice, TagKind, Violation,
};

/// The period spikes are counted in (day, ISO week or month): the crate's
/// one period kind, from [`calendar`](crate::calendar).
pub use crate::calendar::PeriodKind;
