//! Insight into why customers contact you: the value-irritant matrix (Bill
//! Price and David Jaffe, "The Best Service is No Service"; docs/domain.md
//! section 5) and repeated questions.
//!
//! Each contact reason is rated by its value to the business and to the
//! customer (in config, moved by data signals: CSAT, effort, recontacts)
//! and lands in one quadrant with its recommended action:
//!
//! | | valuable to the customer | irritating to the customer |
//! |---|---|---|
//! | **valuable to the business** | Leverage: encourage | Simplify: make easy |
//! | **irritating to the business** | Automate: self-service | Eliminate: fix the root cause |
//!
//! [`Matrix::build`] groups per-ticket [`TicketFacts`](crate::metrics::TicketFacts)
//! by reason and adds per reason the volume, share, trend, effort (with the
//! metrics' aggregates and the SLA resolution clock), contact rate (with the
//! host's [`ContactBase`](crate::metrics::ContactBase)), top causes (with a
//! [`Taxonomy`](crate::Taxonomy)) and self-service candidates (with the
//! tickets' [`Question`]s), and ranks what to do first. [`Matrix::to_markdown`] and [`Matrix::to_svg`] render
//! it.
//!
//! [`kb_gaps`] ranks the reasons a knowledge-base article could answer
//! (high volume, mostly one-touch answers, near-identical questions) with
//! example questions, the reply most often given and whether the host's
//! [`Article`]s cover them.
//!
//! [`maturity`] scores the CX maturity tiers of the Zendesk/ESG benchmark
//! (the seven traits, the 2021 and 2020 tier models as data) from a
//! self-assessment with evidence read from the [`metrics`](crate::metrics),
//! with next steps and a comparison with the published Champion figures.

mod kb;
mod matrix;
pub mod maturity;
mod render;
mod repeat;

pub use kb::{Article, CommonReply, KbConfig, KbGap, KbReasons, kb_gaps};
pub use matrix::{
    Effort, InsightError, MAX_RATING, MIN_RATING, Matrix, MatrixConfig, PlanItem, Quadrant,
    ReasonInsight, ReasonRating, SelfService, SignalWeights, Window,
};
pub use repeat::{Question, RepeatCluster, RepeatConfig, repeated_questions, similarity, tokens};

pub use maturity::{
    Answer, Baseline, ChampionFigures, Comparison, Evidence, EvidenceInputs, MaturityError,
    MaturityReport, MaturityTrait, SelfAssessment, Signal, Tier, TierModel, TraitLine, assess,
};
