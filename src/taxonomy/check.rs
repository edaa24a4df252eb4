//! Checking a ticket's tags against a taxonomy: unknown tags, broken
//! cardinality, solve requirements.

use std::collections::BTreeSet;
use std::fmt;

use crate::model::{Cardinality, Tag, TagKind, Violation};
use crate::taxonomy::model::{Requirement, Taxonomy};
use crate::ticket::{Context, TagRules};

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Kind { kind, min } => write!(f, "at least {min} {kind}-tag(s)"),
            Requirement::Group { group } => write!(f, "a tag of group {group:?}"),
            Requirement::Explained => f.write_str("every what-tag explained by a why-tag"),
        }
    }
}

impl Taxonomy {
    /// Checks adding `new` tags to a ticket that carries `current`: every new
    /// tag must be defined, and no group the new tags touch may go over its
    /// cardinality. Tags already on the ticket are not re-checked (a legacy
    /// tag never blocks adding a good one).
    ///
    /// # Errors
    /// The first [`Violation`]: [`Violation::UnknownTag`] or
    /// [`Violation::TooManyInGroup`].
    ///
    /// # Example
    /// ```
    /// use std::collections::BTreeSet;
    /// use supportdesk::taxonomy::{Taxonomy, Violation};
    /// use supportdesk::Tag;
    ///
    /// let tax: Taxonomy = serde_json::from_str(r#"{
    ///   "tags": [{"tag": "shipping/late", "kind": "what"}, {"tag": "shipping/lost", "kind": "what"}],
    ///   "groups": [{"name": "reason", "cardinality": "at_most_one", "tags": ["shipping/late", "shipping/lost"]}]
    /// }"#)?;
    /// let current: BTreeSet<Tag> = [Tag::new("shipping/late")?].into();
    /// let err = tax.check_add(&current, &[Tag::new("shipping/lost")?]).unwrap_err();
    /// assert!(matches!(err, Violation::TooManyInGroup { .. }));
    /// assert!(matches!(tax.check_add(&current, &[Tag::new("vip")?]), Err(Violation::UnknownTag { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_add(&self, current: &BTreeSet<Tag>, new: &[Tag]) -> Result<(), Violation> {
        for t in new {
            if !self.contains(t) {
                return Err(Violation::UnknownTag { tag: t.clone() });
            }
        }
        for g in &self.groups_touched(new) {
            let group = &self.groups()[*g];
            if group.cardinality == Cardinality::Any {
                continue;
            }
            let members: BTreeSet<&Tag> = current
                .iter()
                .chain(new)
                .filter(|t| group.contains(t))
                .collect();
            if members.len() > 1 {
                return Err(Violation::TooManyInGroup {
                    group: group.name.clone(),
                    cardinality: group.cardinality,
                    tags: members.into_iter().cloned().collect(),
                });
            }
        }
        Ok(())
    }

    fn groups_touched(&self, new: &[Tag]) -> Vec<usize> {
        (0..self.groups().len())
            .filter(|&i| new.iter().any(|t| self.groups()[i].contains(t)))
            .collect()
    }

    /// Everything that stops a ticket carrying `tags` from being solved:
    /// exactly-one groups without exactly one tag, over-full at-most-one
    /// groups, and unmet [`Requirement`]s, in a stable order. Empty when it
    /// can be solved.
    pub fn solve_violations(&self, tags: &BTreeSet<Tag>) -> Vec<Violation> {
        let mut out = Vec::new();
        for g in self.groups() {
            let members: Vec<Tag> = tags.iter().filter(|t| g.contains(t)).cloned().collect();
            match g.cardinality {
                Cardinality::ExactlyOne if members.is_empty() => {
                    out.push(Violation::MissingFromGroup {
                        group: g.name.clone(),
                    });
                }
                Cardinality::ExactlyOne | Cardinality::AtMostOne if members.len() > 1 => {
                    out.push(Violation::TooManyInGroup {
                        group: g.name.clone(),
                        cardinality: g.cardinality,
                        tags: members,
                    });
                }
                _ => {}
            }
        }
        for r in self.requirements() {
            match r {
                Requirement::Kind { kind, min } => {
                    let found = tags
                        .iter()
                        .filter(|t| self.kind_of(t) == Some(*kind))
                        .count();
                    let found = u32::try_from(found).unwrap_or(u32::MAX);
                    if found < *min {
                        out.push(Violation::MissingKind {
                            kind: *kind,
                            min: *min,
                            found,
                        });
                    }
                }
                Requirement::Group { group } => {
                    let has = self
                        .group(group)
                        .is_some_and(|g| tags.iter().any(|t| g.contains(t)));
                    if !has {
                        out.push(Violation::MissingFromGroup {
                            group: group.clone(),
                        });
                    }
                }
                Requirement::Explained => {
                    let causes: Vec<&Tag> = tags
                        .iter()
                        .filter(|t| self.kind_of(t) == Some(TagKind::Why))
                        .collect();
                    for t in tags
                        .iter()
                        .filter(|t| self.kind_of(t) == Some(TagKind::What))
                    {
                        if !causes.iter().any(|c| self.explains(c, t)) {
                            out.push(Violation::Unexplained { tag: t.clone() });
                        }
                    }
                }
            }
        }
        out
    }

    /// Checks a ticket carrying `tags` can be solved.
    ///
    /// # Errors
    /// The first of [`Taxonomy::solve_violations`].
    ///
    /// # Example
    /// ```
    /// use std::collections::BTreeSet;
    /// use supportdesk::taxonomy::{Taxonomy, Violation, TagKind};
    /// use supportdesk::Tag;
    ///
    /// let tax: Taxonomy = serde_json::from_str(r#"{
    ///   "tags": [{"tag": "shipping/late", "kind": "what"},
    ///            {"tag": "cause/carrier-delay", "kind": "why", "explains": ["shipping/late"]}],
    ///   "solve_requires": [{"require": "kind", "kind": "what"}, {"require": "kind", "kind": "why"}]
    /// }"#)?;
    /// let only_what: BTreeSet<Tag> = [Tag::new("shipping/late")?].into();
    /// assert_eq!(tax.check_solve(&only_what), Err(Violation::MissingKind { kind: TagKind::Why, min: 1, found: 0 }));
    /// let both: BTreeSet<Tag> = [Tag::new("shipping/late")?, Tag::new("cause/carrier-delay")?].into();
    /// assert_eq!(tax.check_solve(&both), Ok(()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_solve(&self, tags: &BTreeSet<Tag>) -> Result<(), Violation> {
        match self.solve_violations(tags).into_iter().next() {
            Some(v) => Err(v),
            None => Ok(()),
        }
    }
}

impl TagRules for Taxonomy {
    fn check_add(&self, current: &BTreeSet<Tag>, new: &[Tag]) -> Result<(), Violation> {
        Taxonomy::check_add(self, current, new)
    }

    fn check_solve(&self, tags: &BTreeSet<Tag>) -> Result<(), Violation> {
        Taxonomy::check_solve(self, tags)
    }
}

impl<'a> Context<'a> {
    /// The same context with a tag taxonomy to enforce: tagging commands
    /// reject unknown tags and broken cardinality, and solving checks the
    /// requirements ([`with_tag_rules`](Context::with_tag_rules) with the
    /// taxonomy as the [`TagRules`]).
    ///
    /// # Example
    /// ```
    /// use supportdesk::taxonomy::{Taxonomy, Violation};
    /// use supportdesk::testing::{SequentialIds, TicketBuilder};
    /// use supportdesk::ticket::{decide, Command, Context, DomainError};
    /// use supportdesk::Tag;
    ///
    /// let tax: Taxonomy = serde_json::from_str(r#"{"tags": [{"tag": "shipping/late", "kind": "what"}]}"#)?;
    /// let ids = SequentialIds::new();
    /// let ctx = Context::new("2026-03-02T09:00:00Z".parse()?, &ids).with_taxonomy(&tax);
    /// let err = decide(&TicketBuilder::new().build(), &Command::AddTags { tags: vec![Tag::new("vip")?] }, &ctx).unwrap_err();
    /// assert!(matches!(err, DomainError::Taxonomy { violation: Violation::UnknownTag { .. }, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_taxonomy(self, taxonomy: &'a Taxonomy) -> Self {
        self.with_tag_rules(taxonomy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(s: &str) -> Tag {
        Tag::new(s).unwrap()
    }

    fn tags(v: &[&str]) -> BTreeSet<Tag> {
        v.iter().map(|s| tag(s)).collect()
    }

    fn tax() -> Taxonomy {
        serde_json::from_str(
            r#"{"tags":[{"tag":"shipping","kind":"what"},{"tag":"shipping/late"},{"tag":"shipping/lost"},
               {"tag":"order-status","kind":"what"},{"tag":"vip","kind":"what"},
               {"tag":"cause/carrier","kind":"why","explains":["shipping"]},
               {"tag":"cause/bug","kind":"why"}],
               "groups":[{"name":"reason","cardinality":"exactly_one","tags":["shipping","order-status"]},
                         {"name":"labels","cardinality":"any","tags":["vip"]}],
               "solve_requires":[{"require":"kind","kind":"why"},{"require":"explained"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn adding_checks_only_new_tags_and_touched_groups() {
        let t = tax();
        assert_eq!(t.check_add(&tags(&["legacy"]), &[tag("vip")]), Ok(()));
        assert_eq!(
            t.check_add(&tags(&[]), &[tag("nope")]),
            Err(Violation::UnknownTag { tag: tag("nope") })
        );
        let err = t
            .check_add(&tags(&["shipping/late"]), &[tag("order-status")])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "group \"reason\" allows exactly one tag but the ticket would carry order-status, shipping/late"
        );
        // A parent and its child are two tags of the group.
        assert!(
            t.check_add(&tags(&["shipping"]), &[tag("shipping/lost")])
                .is_err()
        );
    }

    #[test]
    fn solving_lists_every_violation() {
        let t = tax();
        let v = t.solve_violations(&tags(&["vip"]));
        assert_eq!(
            v,
            vec![
                Violation::MissingFromGroup {
                    group: "reason".into()
                },
                Violation::MissingKind {
                    kind: TagKind::Why,
                    min: 1,
                    found: 0
                },
                Violation::Unexplained { tag: tag("vip") },
            ]
        );
        let v = t.solve_violations(&tags(&["order-status", "cause/carrier"]));
        assert_eq!(
            v,
            vec![Violation::Unexplained {
                tag: tag("order-status")
            }]
        );
        assert!(
            t.solve_violations(&tags(&["shipping/late", "cause/carrier"]))
                .is_empty()
        );
        assert_eq!(
            Violation::MissingKind {
                kind: TagKind::Why,
                min: 1,
                found: 0
            }
            .to_string(),
            "solving needs at least 1 why-tag(s), the ticket has 0"
        );
    }
}
