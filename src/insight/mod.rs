//! Insight: what the metrics mean for the organisation.
//!
//! - [`maturity`]: the CX maturity tiers of the Zendesk/ESG benchmark (the
//!   seven traits, the 2021 and 2020 tier models as data), scored from a
//!   self-assessment with evidence read from the
//!   [`metrics`](crate::metrics), next steps, and a comparison with the
//!   published Champion figures.

pub mod maturity;

pub use maturity::{
    Answer, Baseline, ChampionFigures, Comparison, Evidence, EvidenceInputs, MaturityError,
    MaturityReport, MaturityTrait, SelfAssessment, Signal, Tier, TierModel, TraitLine, assess,
};
