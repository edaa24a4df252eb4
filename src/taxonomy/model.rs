//! The taxonomy itself: tag definitions, kinds, polarity, cause links,
//! groups, solve requirements, and its serde form.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{Cardinality, Polarity, Tag, TagKind};
use crate::taxonomy::rule::Rule;

/// The largest number of tags a taxonomy may define.
pub const MAX_TAGS: usize = 5_000;
/// The largest number of auto-tagging rules a taxonomy may hold.
pub const MAX_RULES: usize = 5_000;
/// The largest number of groups a taxonomy may hold.
pub const MAX_GROUPS: usize = 1_000;

/// A named set of tags with a cardinality. A member covers its descendants:
/// a group with `shipping` holds `shipping/late` too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group's name, unique in the taxonomy.
    pub name: String,
    /// How many of its tags a ticket may carry.
    pub cardinality: Cardinality,
    /// Its members (each with everything below it).
    pub tags: Vec<Tag>,
    /// What the group is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Group {
    /// Whether `tag` is a member or below one.
    pub fn contains(&self, tag: &Tag) -> bool {
        self.tags.iter().any(|m| tag.is_under(m))
    }
}

/// A condition a ticket's tags must meet before it can be solved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "require", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Requirement {
    /// At least `min` tags of a kind ("one what-tag and one why-tag").
    Kind {
        /// The kind.
        kind: TagKind,
        /// How many at least (1 when left out).
        #[serde(default = "one")]
        min: u32,
    },
    /// At least one tag of a group.
    Group {
        /// The group's name.
        group: String,
    },
    /// Every what-tag on the ticket is explained by a why-tag on the ticket
    /// (through the taxonomy's cause links, hierarchy included).
    Explained,
}

fn one() -> u32 {
    1
}

/// One tag as written in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagConfig {
    /// The tag (normalised by [`Tag::new`]).
    pub tag: String,
    /// What or why; inherited from the nearest ancestor that sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TagKind>,
    /// How to read a spike; inherited from the nearest ancestor that sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polarity: Option<Polarity>,
    /// For why-tags: the tags this cause explains (symptoms, or other causes
    /// in a chain). Each covers its descendants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explains: Vec<String>,
    /// A human description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl TagConfig {
    /// A tag with nothing set.
    pub fn new(tag: impl Into<String>) -> Self {
        TagConfig {
            tag: tag.into(),
            kind: None,
            polarity: None,
            explains: Vec::new(),
            description: None,
        }
    }

    /// Sets the kind.
    pub fn kind(mut self, kind: TagKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Sets the polarity.
    pub fn polarity(mut self, polarity: Polarity) -> Self {
        self.polarity = Some(polarity);
        self
    }

    /// Adds a tag this cause explains.
    pub fn explains(mut self, tag: impl Into<String>) -> Self {
        self.explains.push(tag.into());
        self
    }
}

/// A taxonomy as written in a configuration file: the unvalidated form of a
/// [`Taxonomy`]. Deserialising a `Taxonomy` goes through it and
/// [`Taxonomy::from_config`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxonomyConfig {
    /// The tags.
    #[serde(default)]
    pub tags: Vec<TagConfig>,
    /// Groups with a cardinality.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    /// What a ticket needs before it can be solved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub solve_requires: Vec<Requirement>,
    /// Auto-tagging rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

/// A taxonomy could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaxonomyError {
    /// A tag's text is not a valid [`Tag`].
    #[error("invalid tag {value:?} in the taxonomy: {reason}")]
    InvalidTag {
        /// The text given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The same tag is defined twice (after normalisation: `Shipping` and
    /// `shipping` are the same tag).
    #[error("tag {tag:?} is defined more than once (as {first:?} and {second:?})")]
    DuplicateTag {
        /// The normalised tag.
        tag: String,
        /// How it was first written.
        first: String,
        /// How it was written again.
        second: String,
    },
    /// A tag has no kind, and no ancestor gives one.
    #[error("tag {tag:?} has no kind: set \"what\" or \"why\" on it or on a parent")]
    MissingKind {
        /// The tag.
        tag: String,
    },
    /// A reference names a tag the taxonomy does not define.
    #[error("tag {tag:?} used in {place} is not defined")]
    UnknownTag {
        /// The tag.
        tag: String,
        /// Where it was used (`group "reason"`, `rule "late"`, ...).
        place: String,
    },
    /// A what-tag lists tags it explains; only why-tags explain.
    #[error("tag {tag:?} is a what-tag and cannot explain {explains:?}: only why-tags explain")]
    NotACause {
        /// The what-tag.
        tag: String,
        /// What it claimed to explain.
        explains: String,
    },
    /// A group name is empty or used twice.
    #[error("group name {name:?} is empty or used more than once")]
    BadGroupName {
        /// The name.
        name: String,
    },
    /// A group has no members.
    #[error("group {name:?} has no tags")]
    EmptyGroup {
        /// The name.
        name: String,
    },
    /// A requirement names a group the taxonomy does not define.
    #[error("requirement names group {group:?}, which is not defined")]
    UnknownGroup {
        /// The group.
        group: String,
    },
    /// A rule name is empty or used twice.
    #[error("rule name {name:?} is empty or used more than once")]
    BadRuleName {
        /// The name.
        name: String,
    },
    /// A rule adds no tag.
    #[error("rule {rule:?} adds no tag")]
    RuleWithoutTags {
        /// The rule.
        rule: String,
    },
    /// More tags, rules or groups than the taxonomy allows.
    #[error("the taxonomy has {count} {what}, more than the limit of {max}")]
    TooMany {
        /// `"tags"`, `"rules"` or `"groups"`.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
}

/// A tag as the taxonomy defines it, with its kind and polarity resolved
/// through the hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagDef {
    tag: Tag,
    written: String,
    kind: TagKind,
    declared_kind: Option<TagKind>,
    polarity: Option<Polarity>,
    declared_polarity: Option<Polarity>,
    explains: Vec<Tag>,
    description: Option<String>,
}

impl TagDef {
    /// The tag.
    pub fn tag(&self) -> &Tag {
        &self.tag
    }
    /// The tag as written in the configuration (before normalisation).
    pub fn written(&self) -> &str {
        &self.written
    }
    /// What or why (its own, or inherited).
    pub fn kind(&self) -> TagKind {
        self.kind
    }
    /// Whether the kind was set on this tag rather than inherited.
    pub fn kind_is_declared(&self) -> bool {
        self.declared_kind.is_some()
    }
    /// How to read a spike (its own, or inherited); `None` when neither it
    /// nor an ancestor says.
    pub fn polarity(&self) -> Option<Polarity> {
        self.polarity
    }
    /// The tags this cause explains (empty for what-tags).
    pub fn explains(&self) -> &[Tag] {
        &self.explains
    }
    /// The description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// A validated tag taxonomy: what-tags and why-tags in a hierarchy, cause
/// links, groups with a cardinality, solve requirements and auto-tagging
/// rules. Build it with [`Taxonomy::from_config`] or deserialise it (serde
/// validates through the same function).
///
/// # Example
/// ```
/// use supportdesk::taxonomy::{Taxonomy, TagKind, Polarity};
/// use supportdesk::Tag;
///
/// let tax: Taxonomy = serde_json::from_str(r#"{
///   "tags": [
///     {"tag": "shipping", "kind": "what", "polarity": "bad"},
///     {"tag": "shipping/late"},
///     {"tag": "cause", "kind": "why", "polarity": "bad"},
///     {"tag": "cause/carrier-delay", "explains": ["shipping/late"]}
///   ],
///   "solve_requires": [{"require": "kind", "kind": "what"}, {"require": "kind", "kind": "why"}]
/// }"#)?;
/// let late = Tag::new("shipping/late")?;
/// assert_eq!(tax.kind_of(&late), Some(TagKind::What));
/// assert_eq!(tax.polarity_of(&late), Some(Polarity::Bad));
/// assert_eq!(tax.causes_of(&late), vec![Tag::new("cause/carrier-delay")?]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TaxonomyConfig", into = "TaxonomyConfig")]
pub struct Taxonomy {
    tags: BTreeMap<Tag, TagDef>,
    order: Vec<Tag>,
    groups: Vec<Group>,
    requirements: Vec<Requirement>,
    rules: Vec<Rule>,
}

impl TryFrom<TaxonomyConfig> for Taxonomy {
    type Error = TaxonomyError;
    fn try_from(c: TaxonomyConfig) -> Result<Self, TaxonomyError> {
        Taxonomy::from_config(c)
    }
}

impl From<Taxonomy> for TaxonomyConfig {
    fn from(t: Taxonomy) -> TaxonomyConfig {
        t.to_config()
    }
}

fn parse_tag(text: &str) -> Result<Tag, TaxonomyError> {
    Tag::new(text).map_err(|e| TaxonomyError::InvalidTag {
        value: e.value,
        reason: e.reason,
    })
}

/// Ancestors of a tag from the nearest up (`a/b/c` gives `a/b`, `a`).
pub(crate) fn ancestors(tag: &Tag) -> impl Iterator<Item = &str> {
    let s = tag.as_str();
    s.char_indices()
        .rev()
        .filter(|&(_, c)| c == '/')
        .map(move |(i, _)| &s[..i])
}

impl Taxonomy {
    /// Validates a configuration.
    ///
    /// # Errors
    /// [`TaxonomyError`] naming the bad value: an invalid or duplicate tag,
    /// a tag without a kind, a reference to an undefined tag or group, a
    /// what-tag that claims to explain something, a bad group or rule, or
    /// more than [`MAX_TAGS`] tags, [`MAX_RULES`] rules or [`MAX_GROUPS`]
    /// groups.
    pub fn from_config(config: TaxonomyConfig) -> Result<Taxonomy, TaxonomyError> {
        for (what, count, max) in [
            ("tags", config.tags.len(), MAX_TAGS),
            ("rules", config.rules.len(), MAX_RULES),
            ("groups", config.groups.len(), MAX_GROUPS),
        ] {
            if count > max {
                return Err(TaxonomyError::TooMany { what, count, max });
            }
        }
        let mut written: BTreeMap<Tag, &TagConfig> = BTreeMap::new();
        let mut order = Vec::with_capacity(config.tags.len());
        for tc in &config.tags {
            let tag = parse_tag(&tc.tag)?;
            if let Some(first) = written.get(&tag) {
                return Err(TaxonomyError::DuplicateTag {
                    tag: tag.to_string(),
                    first: first.tag.clone(),
                    second: tc.tag.clone(),
                });
            }
            written.insert(tag.clone(), tc);
            order.push(tag);
        }
        let inherited = |tag: &Tag, get: &dyn Fn(&TagConfig) -> bool| -> Option<Tag> {
            ancestors(tag)
                .filter_map(|a| Tag::new(a).ok())
                .find(|a| written.get(a).is_some_and(|c| get(c)))
        };
        let mut tags = BTreeMap::new();
        for (tag, tc) in &written {
            let kind = match tc.kind {
                Some(k) => k,
                None => inherited(tag, &|c| c.kind.is_some())
                    .and_then(|a| written.get(&a).and_then(|c| c.kind))
                    .ok_or_else(|| TaxonomyError::MissingKind {
                        tag: tag.to_string(),
                    })?,
            };
            let polarity = tc.polarity.or_else(|| {
                inherited(tag, &|c| c.polarity.is_some())
                    .and_then(|a| written.get(&a).and_then(|c| c.polarity))
            });
            let mut explains = Vec::with_capacity(tc.explains.len());
            for e in &tc.explains {
                let t = parse_tag(e)?;
                if kind == TagKind::What {
                    return Err(TaxonomyError::NotACause {
                        tag: tag.to_string(),
                        explains: t.to_string(),
                    });
                }
                if !written.contains_key(&t) {
                    return Err(TaxonomyError::UnknownTag {
                        tag: t.to_string(),
                        place: format!("the causes of tag {:?}", tag.as_str()),
                    });
                }
                if !explains.contains(&t) {
                    explains.push(t);
                }
            }
            tags.insert(
                tag.clone(),
                TagDef {
                    tag: tag.clone(),
                    written: tc.tag.clone(),
                    kind,
                    declared_kind: tc.kind,
                    polarity,
                    declared_polarity: tc.polarity,
                    explains,
                    description: tc.description.clone(),
                },
            );
        }
        let known = |t: &Tag, place: &dyn Fn() -> String| {
            if tags.contains_key(t) {
                Ok(())
            } else {
                Err(TaxonomyError::UnknownTag {
                    tag: t.to_string(),
                    place: place(),
                })
            }
        };
        let mut names = BTreeSet::new();
        for g in &config.groups {
            if g.name.trim().is_empty() || !names.insert(g.name.as_str()) {
                return Err(TaxonomyError::BadGroupName {
                    name: g.name.clone(),
                });
            }
            if g.tags.is_empty() {
                return Err(TaxonomyError::EmptyGroup {
                    name: g.name.clone(),
                });
            }
            for t in &g.tags {
                known(t, &|| format!("group {:?}", g.name))?;
            }
        }
        for r in &config.solve_requires {
            if let Requirement::Group { group } = r {
                if !names.contains(group.as_str()) {
                    return Err(TaxonomyError::UnknownGroup {
                        group: group.clone(),
                    });
                }
            }
        }
        let mut rule_names = BTreeSet::new();
        for r in &config.rules {
            if r.name.trim().is_empty() || !rule_names.insert(r.name.as_str()) {
                return Err(TaxonomyError::BadRuleName {
                    name: r.name.clone(),
                });
            }
            if r.add.is_empty() {
                return Err(TaxonomyError::RuleWithoutTags {
                    rule: r.name.clone(),
                });
            }
            for t in r.add.iter().chain(&r.if_tags).chain(&r.unless_tags) {
                known(t, &|| format!("rule {:?}", r.name))?;
            }
        }
        Ok(Taxonomy {
            tags,
            order,
            groups: config.groups,
            requirements: config.solve_requires,
            rules: config.rules,
        })
    }

    /// The configuration this taxonomy was built from (tags in their
    /// original order and spelling).
    pub fn to_config(&self) -> TaxonomyConfig {
        TaxonomyConfig {
            tags: self
                .order
                .iter()
                .filter_map(|t| self.tags.get(t))
                .map(|d| TagConfig {
                    tag: d.written.clone(),
                    kind: d.declared_kind,
                    polarity: d.declared_polarity,
                    explains: d.explains.iter().map(|t| t.to_string()).collect(),
                    description: d.description.clone(),
                })
                .collect(),
            groups: self.groups.clone(),
            solve_requires: self.requirements.clone(),
            rules: self.rules.clone(),
        }
    }

    /// The definition of a tag.
    pub fn tag(&self, tag: &Tag) -> Option<&TagDef> {
        self.tags.get(tag)
    }

    /// Whether the taxonomy defines the tag.
    pub fn contains(&self, tag: &Tag) -> bool {
        self.tags.contains_key(tag)
    }

    /// Every tag, in the order of the configuration.
    pub fn tags(&self) -> impl Iterator<Item = &TagDef> {
        self.order.iter().filter_map(|t| self.tags.get(t))
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// Whether it defines no tag.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The kind of a defined tag.
    pub fn kind_of(&self, tag: &Tag) -> Option<TagKind> {
        self.tags.get(tag).map(TagDef::kind)
    }

    /// The polarity of a defined tag (own or inherited).
    pub fn polarity_of(&self, tag: &Tag) -> Option<Polarity> {
        self.tags.get(tag).and_then(TagDef::polarity)
    }

    /// The groups.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// A group by name.
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// What a ticket needs before it can be solved.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// The auto-tagging rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The why-tags whose links cover `symptom` (a link to `shipping`
    /// covers `shipping/late`), directly, sorted.
    pub fn causes_of(&self, symptom: &Tag) -> Vec<Tag> {
        self.tags
            .values()
            .filter(|d| d.explains.iter().any(|e| symptom.is_under(e)))
            .map(|d| d.tag.clone())
            .collect()
    }

    /// Whether `cause` (or one of its ancestors) explains `symptom` (or one
    /// of its ancestors), directly or through a chain of causes.
    pub fn explains(&self, cause: &Tag, symptom: &Tag) -> bool {
        let mut seen: BTreeSet<&Tag> = BTreeSet::new();
        let mut todo: Vec<&Tag> = self.self_and_ancestors(cause);
        while let Some(c) = todo.pop() {
            if !seen.insert(c) {
                continue;
            }
            let Some(d) = self.tags.get(c) else { continue };
            for e in &d.explains {
                if symptom.is_under(e) {
                    return true;
                }
                if let Some((k, _)) = self.tags.get_key_value(e) {
                    todo.push(k);
                }
            }
        }
        false
    }

    /// `tag` and its defined ancestors, as references into the taxonomy.
    fn self_and_ancestors<'s>(&'s self, tag: &Tag) -> Vec<&'s Tag> {
        let mut out = Vec::new();
        if let Some((k, _)) = self.tags.get_key_value(tag) {
            out.push(k);
        }
        for a in ancestors(tag) {
            if let Some((k, _)) = Tag::new(a).ok().and_then(|t| self.tags.get_key_value(&t)) {
                out.push(k);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(json: &str) -> Result<Taxonomy, TaxonomyError> {
        let c: TaxonomyConfig = serde_json::from_str(json).unwrap();
        Taxonomy::from_config(c)
    }

    fn tag(s: &str) -> Tag {
        Tag::new(s).unwrap()
    }

    #[test]
    fn kind_and_polarity_are_inherited() {
        let t = build(
            r#"{"tags":[{"tag":"cause","kind":"why","polarity":"bad"},
                {"tag":"cause/great-agent","polarity":"good"},{"tag":"cause/carrier/dhl"}]}"#,
        )
        .unwrap();
        assert_eq!(t.kind_of(&tag("cause/carrier/dhl")), Some(TagKind::Why));
        assert_eq!(
            t.polarity_of(&tag("cause/carrier/dhl")),
            Some(Polarity::Bad)
        );
        assert_eq!(
            t.polarity_of(&tag("cause/great-agent")),
            Some(Polarity::Good)
        );
        assert!(!t.tag(&tag("cause/carrier/dhl")).unwrap().kind_is_declared());
    }

    #[test]
    fn errors_name_the_bad_value() {
        let cases = [
            (
                r#"{"tags":[{"tag":"a b","kind":"what"}]}"#,
                "invalid tag \"a b\"",
            ),
            (
                r#"{"tags":[{"tag":"Shipping","kind":"what"},{"tag":"shipping","kind":"what"}]}"#,
                "tag \"shipping\" is defined more than once (as \"Shipping\" and \"shipping\")",
            ),
            (r#"{"tags":[{"tag":"x"}]}"#, "tag \"x\" has no kind"),
            (
                r#"{"tags":[{"tag":"x","kind":"why","explains":["y"]}]}"#,
                "tag \"y\" used in the causes of tag \"x\" is not defined",
            ),
            (
                r#"{"tags":[{"tag":"x","kind":"what","explains":["x"]}]}"#,
                "tag \"x\" is a what-tag and cannot explain \"x\"",
            ),
            (
                r#"{"tags":[{"tag":"x","kind":"what"}],"groups":[{"name":"g","cardinality":"any","tags":["z"]}]}"#,
                "tag \"z\" used in group \"g\" is not defined",
            ),
            (
                r#"{"tags":[{"tag":"x","kind":"what"}],"groups":[{"name":"g","cardinality":"any","tags":[]}]}"#,
                "group \"g\" has no tags",
            ),
            (
                r#"{"tags":[{"tag":"x","kind":"what"}],"solve_requires":[{"require":"group","group":"nope"}]}"#,
                "requirement names group \"nope\"",
            ),
            (
                r#"{"tags":[{"tag":"x","kind":"what"}],"rules":[{"name":"r","pattern":"a","add":[]}]}"#,
                "rule \"r\" adds no tag",
            ),
            (
                r#"{"tags":[{"tag":"x","kind":"what"}],"rules":[{"name":"r","pattern":"a","add":["x"]},{"name":"r","pattern":"b","add":["x"]}]}"#,
                "rule name \"r\" is empty or used more than once",
            ),
            (
                r#"{"tags":[{"tag":"x","kind":"what"}],"rules":[{"name":"r","pattern":"a","add":["x"],"if_tags":["q"]}]}"#,
                "tag \"q\" used in rule \"r\" is not defined",
            ),
        ];
        for (json, want) in cases {
            let err = build(json).unwrap_err().to_string();
            assert!(err.contains(want), "{err} does not contain {want}");
        }
    }

    #[test]
    fn too_many_tags_is_an_error() {
        let c = TaxonomyConfig {
            tags: (0..=MAX_TAGS)
                .map(|i| TagConfig::new(format!("t{i}")).kind(TagKind::What))
                .collect(),
            ..TaxonomyConfig::default()
        };
        assert!(matches!(
            Taxonomy::from_config(c),
            Err(TaxonomyError::TooMany { what: "tags", .. })
        ));
    }

    #[test]
    fn causes_cover_descendants_and_chain() {
        let t = build(
            r#"{"tags":[{"tag":"shipping","kind":"what"},{"tag":"shipping/late"},
               {"tag":"cause","kind":"why"},
               {"tag":"cause/carrier","explains":["shipping"]},
               {"tag":"cause/staffing","explains":["cause/carrier"]}]}"#,
        )
        .unwrap();
        assert_eq!(
            t.causes_of(&tag("shipping/late")),
            vec![tag("cause/carrier")]
        );
        assert!(t.explains(&tag("cause/carrier"), &tag("shipping/late")));
        assert!(t.explains(&tag("cause/staffing"), &tag("shipping/late")));
        assert!(!t.explains(&tag("cause"), &tag("shipping/late")));
    }

    #[test]
    fn serde_round_trip_keeps_the_config() {
        let json = r#"{"tags":[{"tag":"Shipping","kind":"what","polarity":"bad"},{"tag":"shipping/late"},
            {"tag":"cause/x","kind":"why","explains":["shipping/late"],"description":"d"}],
            "groups":[{"name":"g","cardinality":"exactly_one","tags":["shipping"]}],
            "solve_requires":[{"require":"explained"},{"require":"kind","kind":"why","min":2}],
            "rules":[{"name":"r","pattern":"late","add":["shipping/late"],"channels":["email"],"whole_words":false}]}"#;
        let t: Taxonomy = serde_json::from_str(json).unwrap();
        let back: Taxonomy = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(t, back);
        assert_eq!(t.to_config().tags[0].tag, "Shipping");
        assert_eq!(
            t.requirements()[1],
            Requirement::Kind {
                kind: TagKind::Why,
                min: 2
            }
        );
        assert!(!t.rules()[0].whole_words);
    }
}
