//! Knowledge-base gaps: contact reasons that a help-center article could
//! answer (high volume, mostly one-touch answers, near-identical
//! questions), ranked, with example questions, the reply most often given
//! and whether the host already has an article for them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::id::TicketId;
use crate::insight::matrix::{InsightError, MatrixConfig};
use crate::insight::repeat::{Question, RepeatConfig, repeated_questions, tokens};
use crate::metrics::{Rate, TicketFacts};
use crate::taxonomy::{TagKind, Taxonomy};
use crate::ticket::Tag;

/// When a reason is a knowledge-base candidate, as data. (Not
/// `non_exhaustive`: build it with `..KbConfig::default()`, as serde fills
/// missing fields with the defaults.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KbConfig {
    /// The fewest tickets a reason needs.
    pub min_volume: u32,
    /// The smallest share of its resolved tickets answered with one public
    /// agent reply ([`TicketFacts::is_one_touch`]), 0 to 1.
    pub min_one_touch_share: f64,
    /// The fewest of its tickets that must ask a near-identical question
    /// (in clusters of the repeated-question detector).
    pub min_near_identical: usize,
    /// How many example questions to show per gap.
    pub examples: usize,
    /// How near-identical questions are found (the detector runs over each
    /// reason's questions separately).
    pub repeats: RepeatConfig,
}

impl Default for KbConfig {
    /// 10 tickets or more, at least half one-touch, at least 3
    /// near-identical questions, 3 examples, the detector's defaults.
    fn default() -> Self {
        KbConfig {
            min_volume: 10,
            min_one_touch_share: 0.5,
            min_near_identical: 3,
            examples: 3,
            repeats: RepeatConfig::default(),
        }
    }
}

/// An article the host already has: its title and the tags it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Article {
    /// The title.
    pub title: String,
    /// The tags it is about: it covers a reason when one of them is the
    /// reason's tag or below it ([`Tag::is_under`]).
    pub tags: Vec<Tag>,
}

impl Article {
    /// An article.
    pub fn new(title: impl Into<String>, tags: Vec<Tag>) -> Self {
        Article {
            title: title.into(),
            tags,
        }
    }

    /// Whether it covers `reason` (one of its tags is `reason` or below it).
    pub fn covers(&self, reason: &Tag) -> bool {
        self.tags.iter().any(|t| t.is_under(reason))
    }
}

/// Which tags are the contact reasons.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum KbReasons<'a> {
    /// The what-tags of a taxonomy (symptoms, the reasons customers write),
    /// in the taxonomy's order.
    Taxonomy(&'a Taxonomy),
    /// The rated reasons of a value-irritant matrix, in its order.
    Matrix(&'a MatrixConfig),
    /// These tags.
    Tags(&'a [Tag]),
}

impl KbReasons<'_> {
    /// The reason tags, without repeats, in the source's order.
    pub fn tags(&self) -> Vec<Tag> {
        let all: Vec<Tag> = match self {
            KbReasons::Taxonomy(t) => t
                .tags()
                .filter(|d| d.kind() == TagKind::What)
                .map(|d| d.tag().clone())
                .collect(),
            KbReasons::Matrix(m) => m.reasons.iter().map(|r| r.tag.clone()).collect(),
            KbReasons::Tags(t) => t.to_vec(),
        };
        let mut seen = BTreeSet::new();
        all.into_iter().filter(|t| seen.insert(t.clone())).collect()
    }
}

/// The reply most often given to a reason's questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommonReply {
    /// The reply as first written (the oldest of the equal ones).
    pub text: String,
    /// How many tickets got it (replies equal once normalised: case,
    /// punctuation, spacing and digits ignored, as the question detector
    /// does).
    pub count: u32,
}

/// A contact reason a knowledge-base article could answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KbGap {
    /// The reason.
    pub tag: Tag,
    /// Its tickets.
    pub volume: u32,
    /// One-touch tickets out of its resolved tickets.
    pub one_touch: Rate,
    /// How many of its tickets ask a near-identical question.
    pub near_identical: usize,
    /// Up to [`KbConfig::examples`] questions in the customers' words (the
    /// first public customer message: never an internal note), one per
    /// cluster of near-identical questions, largest first.
    pub examples: Vec<String>,
    /// The reply most often given (the first public human-agent reply of
    /// each ticket).
    pub reply: Option<CommonReply>,
    /// Titles of the host's articles that cover it; empty for a gap with no
    /// article.
    pub articles: Vec<String>,
    /// The ranking score: near-identical questions x one-touch share, the
    /// tickets one article could have answered.
    pub score: f64,
}

impl KbGap {
    /// Whether the host has no article for it.
    pub fn lacks_article(&self) -> bool {
        self.articles.is_empty()
    }
}

fn check(name: &'static str, v: f64) -> Result<(), InsightError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(InsightError::BadSetting {
            name,
            value: v.to_string(),
        })
    }
}

/// Self-service candidates among the reasons: reasons with at least
/// [`min_volume`](KbConfig::min_volume) tickets, a one-touch share of at
/// least [`min_one_touch_share`](KbConfig::min_one_touch_share) and at
/// least [`min_near_identical`](KbConfig::min_near_identical) tickets in
/// clusters of near-identical questions.
///
/// A ticket counts for every reason whose tag it carries or is under (as in
/// the matrix); pass the facts and questions of the period to look at.
/// Questions of tickets without facts are ignored.
///
/// **Ranking:** by score (near-identical questions x one-touch share)
/// highest first, then volume, then tag. Reasons with an article are kept
/// and flagged ([`KbGap::articles`]), so the host sees what its articles
/// should already answer.
///
/// # Errors
/// [`InsightError::BadSetting`] when the one-touch share or the similarity
/// is not a finite number in 0..=1.
///
/// # Example
/// ```
/// use supportdesk::insight::{kb_gaps, Article, KbConfig, KbReasons, Question};
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::{id::{AgentId, TicketId}, Status, Tag};
///
/// let bob = AgentId::from_u128(1);
/// let builders: Vec<_> = (0..4u128)
///     .map(|i| TicketBuilder::new().id(TicketId::from_u128(i)).tag("order-status")
///         .body(&format!("Where is my order #{i}?"))
///         .agent_reply(bob, "Track it at example.com/track").status(Status::Solved))
///     .collect();
/// let as_of = "2026-02-01T00:00:00Z".parse()?;
/// let facts: Vec<_> = builders.iter().map(|b| b.facts_at(as_of)).collect();
/// let questions: Vec<Question> = builders.iter().filter_map(TicketBuilder::question).collect();
/// let reasons = [Tag::new("order-status")?];
/// let config = KbConfig { min_volume: 3, ..KbConfig::default() };
/// let gaps = kb_gaps(&facts, &questions, KbReasons::Tags(&reasons), &[], &config)?;
/// assert_eq!(gaps[0].near_identical, 4);
/// assert_eq!(gaps[0].one_touch.value(), Some(1.0));
/// assert_eq!(gaps[0].examples, ["Where is my order #0?"]);
/// assert_eq!(gaps[0].reply.as_ref().map(|r| r.count), Some(4));
/// assert!(gaps[0].lacks_article());
///
/// let faq = [Article::new("Tracking your parcel", vec![Tag::new("order-status/tracking")?])];
/// let gaps = kb_gaps(&facts, &questions, KbReasons::Tags(&reasons), &faq, &config)?;
/// assert_eq!(gaps[0].articles, ["Tracking your parcel"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn kb_gaps(
    facts: &[TicketFacts],
    questions: &[Question],
    reasons: KbReasons<'_>,
    articles: &[Article],
    config: &KbConfig,
) -> Result<Vec<KbGap>, InsightError> {
    check("min_one_touch_share", config.min_one_touch_share)?;
    check("repeats.similarity", config.repeats.similarity)?;
    let by_ticket: HashMap<TicketId, &Question> = questions.iter().map(|q| (q.ticket, q)).collect();
    let mut out = Vec::new();
    for tag in reasons.tags() {
        let mine: Vec<&TicketFacts> = facts
            .iter()
            .filter(|f| f.tags.iter().any(|t| t.is_under(&tag)))
            .collect();
        let volume = u32::try_from(mine.len()).unwrap_or(u32::MAX);
        if volume == 0 || volume < config.min_volume {
            continue;
        }
        let one_touch = Rate {
            count: mine.iter().filter(|f| f.is_one_touch()).count() as u64,
            of: mine.iter().filter(|f| f.resolution.is_some()).count() as u64,
        };
        let share = one_touch.value().unwrap_or(0.0);
        if share < config.min_one_touch_share {
            continue;
        }
        let mut asked: Vec<Question> = mine
            .iter()
            .filter_map(|f| by_ticket.get(&f.ticket).map(|q| (*q).clone()))
            .collect();
        asked.sort_by_key(|q| (q.at, q.ticket));
        let clusters = repeated_questions(&asked, &config.repeats, |_| None);
        let near_identical: usize = clusters.iter().map(|c| c.len()).sum();
        if near_identical == 0 || near_identical < config.min_near_identical {
            continue;
        }
        let examples = clusters
            .iter()
            .take(config.examples)
            .map(|c| c.example.clone())
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let score = near_identical as f64 * share;
        out.push(KbGap {
            articles: articles
                .iter()
                .filter(|a| a.covers(&tag))
                .map(|a| a.title.clone())
                .collect(),
            reply: common_reply(&asked),
            tag,
            volume,
            one_touch,
            near_identical,
            examples,
            score,
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.volume.cmp(&a.volume))
            .then(a.tag.cmp(&b.tag))
    });
    Ok(out)
}

/// The most common reply among `asked` (oldest first), normalised-equal
/// replies counted together; a tie goes to the reply given first.
fn common_reply(asked: &[Question]) -> Option<CommonReply> {
    // Normalised text -> (count, first position, first text).
    let mut counts: BTreeMap<String, (u32, usize, &str)> = BTreeMap::new();
    for (i, q) in asked.iter().enumerate() {
        let Some(r) = q.reply.as_deref() else {
            continue;
        };
        let toks = tokens(r);
        if toks.is_empty() {
            continue;
        }
        let e = counts.entry(toks.join(" ")).or_insert((0, i, r));
        e.0 = e.0.saturating_add(1);
    }
    counts
        .into_values()
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .map(|(count, _, text)| CommonReply {
            text: text.to_owned(),
            count,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::CustomerId;

    fn q(n: u128, at: i64, text: &str, reply: Option<&str>) -> Question {
        let q = Question::new(TicketId::from_u128(n), CustomerId::from_u128(n), at, text);
        match reply {
            Some(r) => q.with_reply(r),
            None => q,
        }
    }

    #[test]
    fn the_most_common_reply_counts_normalised_equals_and_ties_go_to_the_first() {
        let asked = [
            q(1, 1, "a", Some("Track it here.")),
            q(2, 2, "a", Some("Refunded #123")),
            q(3, 3, "a", Some("track it HERE")),
            q(4, 4, "a", Some("refunded 456!")),
            q(5, 5, "a", None),
            q(6, 6, "a", Some("...")),
        ];
        // Two each: the tracking reply was given first.
        assert_eq!(
            common_reply(&asked),
            Some(CommonReply {
                text: "Track it here.".into(),
                count: 2
            })
        );
        assert_eq!(
            common_reply(&asked[1..]),
            Some(CommonReply {
                text: "Refunded #123".into(),
                count: 2
            })
        );
        assert_eq!(common_reply(&asked[4..]), None);
    }

    #[test]
    fn articles_cover_their_tag_and_tags_below_it() -> Result<(), crate::ticket::TagError> {
        let a = Article::new("Parcels", vec![Tag::new("shipping/late")?]);
        assert!(a.covers(&Tag::new("shipping/late")?));
        assert!(a.covers(&Tag::new("shipping")?));
        assert!(!a.covers(&Tag::new("shipping/late/abroad")?));
        assert!(!a.covers(&Tag::new("refund")?));
        Ok(())
    }
}
