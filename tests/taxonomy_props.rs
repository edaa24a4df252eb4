//! Property tests: linting and auto-tagging never panic on arbitrary
//! taxonomies and texts; rule order does not change the tags applied; valid
//! taxonomies round-trip through serde.

use std::collections::BTreeSet;

use proptest::prelude::*;
use supportdesk::Tag;
use supportdesk::taxonomy::{
    AutoTagger, Cardinality, Group, Input, Limits, Polarity, Requirement, Rule, TagConfig, TagKind,
    Taxonomy, TaxonomyConfig,
};
use supportdesk::testing::strategies;
use supportdesk::ticket::AuthorRole;

const SEGMENTS: &[&str] = &[
    "shipping",
    "late",
    "lost",
    "payment",
    "error",
    "errors",
    "payment-error",
    "misc",
    "other",
    "cause",
    "carrier",
    "carier",
    "delay",
    "退款",
    "物流",
    "延迟",
    "a",
    "b",
    "x_y",
    "General",
];

fn tag_text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::collection::vec(proptest::sample::select(SEGMENTS), 1..4).prop_map(|v| v.join("/")),
        1 => "\\PC{0,12}",
    ]
}

fn kind() -> impl Strategy<Value = Option<TagKind>> {
    proptest::option::of(prop_oneof![Just(TagKind::What), Just(TagKind::Why)])
}

fn polarity() -> impl Strategy<Value = Option<Polarity>> {
    proptest::option::of(prop_oneof![
        Just(Polarity::Good),
        Just(Polarity::Bad),
        Just(Polarity::Neutral)
    ])
}

fn pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => proptest::collection::vec(proptest::sample::select(SEGMENTS), 1..4).prop_map(|v| v.join("|")),
        1 => "[a-z退款延迟 |()*+?.\\[\\]{}^$\\\\-]{0,16}",
        1 => "\\PC{0,10}",
    ]
}

fn valid_tag(s: &str) -> Option<Tag> {
    Tag::new(s).ok()
}

/// The effective kind of `tag` among `tags`: its own, else its nearest
/// ancestor's.
fn effective_kind(tags: &[TagConfig], tag: &Tag) -> Option<TagKind> {
    let find = |t: &str| {
        tags.iter()
            .find(|c| Tag::new(&c.tag).ok().is_some_and(|x| x.as_str() == t))
    };
    let mut cur = tag.as_str().to_owned();
    loop {
        if let Some(k) = find(&cur).and_then(|c| c.kind) {
            return Some(k);
        }
        match cur.rsplit_once('/') {
            Some((p, _)) => cur = p.to_owned(),
            None => return None,
        }
    }
}

prop_compose! {
    /// Mostly valid taxonomies (tags deduplicated, kinds given where
    /// nothing is inherited, links only from causes), sometimes raw ones.
    fn config()(
        tags in proptest::collection::vec((tag_text(), kind(), polarity(), proptest::collection::vec(any::<usize>(), 0..3)), 1..14),
        groups in proptest::collection::vec((proptest::collection::vec(any::<usize>(), 1..4), 0..3usize), 0..3),
        rules in proptest::collection::vec(
            (pattern(), proptest::collection::vec(any::<usize>(), 1..3), proptest::collection::vec(any::<usize>(), 0..2),
             proptest::collection::vec(strategies::channel(), 0..2), any::<bool>()),
            0..8),
        require in proptest::collection::vec(0..3usize, 0..3),
        raw in proptest::bool::weighted(0.1),
    ) -> TaxonomyConfig {
        let mut seen = BTreeSet::new();
        let mut defs: Vec<(TagConfig, Vec<usize>)> = Vec::new();
        for (t, k, p, e) in tags {
            if !raw {
                match Tag::new(&t) {
                    Ok(tag) if seen.insert(tag.clone()) => {}
                    _ => continue,
                }
            }
            defs.push((TagConfig { tag: t, kind: k, polarity: p, explains: Vec::new(), description: None }, e));
        }
        let names: Vec<String> = defs.iter().map(|(c, _)| c.tag.clone()).collect();
        let n = names.len().max(1);
        let pick = |i: usize| names.get(i % n).cloned().unwrap_or_default();
        let pick_tag = |i: usize| valid_tag(&pick(i));
        let mut tags: Vec<TagConfig> = defs.iter().map(|(c, _)| c.clone()).collect();
        if !raw {
            for i in 0..tags.len() {
                let Some(t) = valid_tag(&tags[i].tag) else { continue };
                if effective_kind(&tags, &t).is_none() {
                    tags[i].kind = Some(if i % 3 == 0 { TagKind::Why } else { TagKind::What });
                }
            }
        }
        for (i, (_, e)) in defs.iter().enumerate() {
            let is_cause = valid_tag(&tags[i].tag)
                .is_some_and(|t| effective_kind(&tags, &t) == Some(TagKind::Why));
            if raw || is_cause {
                tags[i].explains = e.iter().map(|&j| pick(j)).collect();
            }
        }
        let groups: Vec<Group> = groups
            .into_iter()
            .enumerate()
            .map(|(i, (members, c))| Group {
                name: format!("g{i}"),
                cardinality: [Cardinality::ExactlyOne, Cardinality::AtMostOne, Cardinality::Any][c],
                tags: members.iter().filter_map(|&m| pick_tag(m)).collect(),
                description: None,
            })
            .filter(|g| raw || !g.tags.is_empty())
            .collect();
        let rules: Vec<Rule> = rules
            .into_iter()
            .enumerate()
            .map(|(i, (p, add, if_tags, channels, whole))| {
                Rule::new(format!("r{i}"), p, add.iter().filter_map(|&t| pick_tag(t)).collect())
                    .if_tags(if_tags.iter().filter_map(|&t| pick_tag(t)))
                    .on_channels(channels)
                    .whole_words(whole)
            })
            .filter(|r| raw || !r.add.is_empty())
            .collect();
        let solve_requires = require
            .into_iter()
            .map(|r| match r {
                0 => Requirement::Kind { kind: TagKind::What, min: 1 },
                1 => Requirement::Explained,
                _ => Requirement::Kind { kind: TagKind::Why, min: 1 },
            })
            .collect();
        TaxonomyConfig { tags, groups, solve_requires, rules }
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "\\PC{0,80}",
        3 => proptest::collection::vec(
            prop_oneof![proptest::sample::select(SEGMENTS).prop_map(str::to_owned), "[ ,.!?，。]{1,2}", "\\PC{1,3}"],
            0..20,
        ).prop_map(|v| v.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn lint_and_auto_tagging_never_panic(cfg in config(), texts in proptest::collection::vec(text(), 1..4), role in 0..3usize) {
        let Ok(tax) = Taxonomy::from_config(cfg) else { return Ok(()) };
        for f in tax.lint() {
            prop_assert!(!f.reason.is_empty() && !f.suggestion.is_empty() && !f.tags.is_empty());
        }
        let Ok(tagger) = AutoTagger::new(&tax) else { return Ok(()) };
        let current: BTreeSet<Tag> = tax.tags().take(2).map(|d| d.tag().clone()).collect();
        let role = [AuthorRole::Customer, AuthorRole::Agent, AuthorRole::Bot][role];
        for t in &texts {
            for tags in [&BTreeSet::new(), &current] {
                let out = tagger.tag(&Input::new(t, supportdesk::Channel::Email).role(role).tags(tags));
                for x in &out.tags {
                    prop_assert!(tax.contains(x));
                    prop_assert!(!tags.contains(x));
                }
                for e in &out.explanations {
                    for s in &e.spans {
                        prop_assert!(s.start <= s.end && s.end <= t.len());
                        prop_assert_eq!(t.get(s.start..s.end), Some(s.text.as_str()));
                    }
                }
            }
        }
    }

    #[test]
    fn rule_order_does_not_change_the_tags(cfg in config(), texts in proptest::collection::vec(text(), 1..4), seed in any::<u64>()) {
        let Ok(tax) = Taxonomy::from_config(cfg.clone()) else { return Ok(()) };
        let Ok(tagger) = AutoTagger::new(&tax) else { return Ok(()) };
        let mut shuffled = cfg;
        // A deterministic shuffle from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.rules.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = usize::try_from(s >> 33).unwrap_or(0) % (i + 1);
            shuffled.rules.swap(i, j);
        }
        let tax2 = Taxonomy::from_config(shuffled).expect("same rules, other order");
        let tagger2 = AutoTagger::new(&tax2).expect("same patterns compile");
        let current: BTreeSet<Tag> = tax.tags().take(1).map(|d| d.tag().clone()).collect();
        for t in &texts {
            for tags in [&BTreeSet::new(), &current] {
                let a = tagger.tag(&Input::new(t, supportdesk::Channel::Email).tags(tags));
                let b = tagger2.tag(&Input::new(t, supportdesk::Channel::Email).tags(tags));
                prop_assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn valid_taxonomies_round_trip_through_serde(cfg in config()) {
        let Ok(tax) = Taxonomy::from_config(cfg) else { return Ok(()) };
        let json = serde_json::to_string(&tax).expect("serialises");
        let back: Taxonomy = serde_json::from_str(&json).expect("reloads");
        prop_assert_eq!(&tax, &back);
        prop_assert_eq!(tax.lint(), back.lint());
    }

    #[test]
    fn the_screened_set_pass_finds_exactly_the_rules_each_regex_finds(cfg in config(), texts in proptest::collection::vec(text(), 1..4)) {
        let Ok(tax) = Taxonomy::from_config(cfg) else { return Ok(()) };
        let Ok(tagger) = AutoTagger::new(&tax) else { return Ok(()) };
        let each: Vec<regex::Regex> = tax
            .rules()
            .iter()
            .map(|r| {
                let build = |p: &str| regex::RegexBuilder::new(p).case_insensitive(true).build();
                build(&r.compiled_pattern()).or_else(|_| build(&format!("(?:{})", r.pattern)))
            })
            .collect::<Result<_, _>>()
            .expect("patterns the tagger compiled compile");
        for t in &texts {
            let want: Vec<&str> = tax
                .rules()
                .iter()
                .zip(&each)
                .filter(|(_, re)| re.is_match(t))
                .map(|(r, _)| r.name.as_str())
                .collect();
            prop_assert_eq!(tagger.matching_rules(t), want);
        }
    }

    #[test]
    fn dense_matches_agree_with_each_regex(
        pats in proptest::collection::vec(
            (proptest::sample::select(&["a", "ab", "b+", "a|b", "(?m)^a", "\\bab", "a$", "ba*", "退", "a退|退b", "", "x?", "(?s).b"][..]), any::<bool>()),
            1..8),
        texts in proptest::collection::vec("[ab \n.退x]{0,60}", 1..4),
    ) {
        let tags = vec![TagConfig::new("t").kind(TagKind::What)];
        let rules: Vec<Rule> = pats
            .iter()
            .enumerate()
            .map(|(i, (p, w))| Rule::new(format!("r{i}"), *p, vec![Tag::new("t").expect("tag")]).whole_words(*w))
            .filter(|r| !r.pattern.trim().is_empty())
            .collect();
        let tax = Taxonomy::from_config(TaxonomyConfig { tags, rules, ..TaxonomyConfig::default() }).expect("valid");
        let tagger = AutoTagger::new(&tax).expect("compiles");
        let each: Vec<regex::Regex> = tax
            .rules()
            .iter()
            .map(|r| regex::RegexBuilder::new(&r.compiled_pattern()).case_insensitive(true).build().expect("compiles"))
            .collect();
        for t in &texts {
            let want: Vec<&str> = tax.rules().iter().zip(&each).filter(|(_, re)| re.is_match(t)).map(|(r, _)| r.name.as_str()).collect();
            prop_assert_eq!(tagger.matching_rules(t), want);
            let out = tagger.tag(&Input::new(t, supportdesk::Channel::Email));
            for e in &out.explanations {
                let i = tax.rules().iter().position(|r| r.name == e.rule).expect("rule");
                prop_assert!(!e.spans.is_empty());
                let mut last_end = None;
                for sp in &e.spans {
                    let m = each[i].find_at(t, sp.start).expect("a match from the span");
                    prop_assert_eq!((m.start(), m.end()), (sp.start, sp.end));
                    if let Some(le) = last_end {
                        prop_assert!(sp.start >= le);
                    }
                    last_end = Some(sp.end.max(sp.start + 1));
                }
            }
        }
    }

    /// Under any bound on explanations the tags stay exact, spans are
    /// looked for for at most `max_rules_with_spans` rules, every span is
    /// a real match of its rule, and a result without `spans_truncated`
    /// has spans for every explanation.
    #[test]
    fn bounded_explanations_are_true_and_flag_what_they_leave_out(
        pats in proptest::collection::vec(
            proptest::sample::select(&["a+", "ab", "b+a*", "a|b", "a*b{3}|a", "退+", "x?a", "(?s).b", "a{20,}"][..]),
            1..7),
        text in "[ab 退x]{0,300}",
        window in 16usize..64,
        budget in 0usize..2048,
        max_rules in 0usize..4,
    ) {
        let tags: Vec<TagConfig> = (0..pats.len()).map(|i| TagConfig::new(format!("t{i}")).kind(TagKind::What)).collect();
        let rules: Vec<Rule> = pats
            .iter()
            .enumerate()
            .map(|(i, p)| Rule::new(format!("r{i}"), *p, vec![Tag::new(&format!("t{i}")).expect("tag")]).whole_words(false))
            .collect();
        let tax = Taxonomy::from_config(TaxonomyConfig { tags, rules, ..TaxonomyConfig::default() }).expect("valid");
        let limits = Limits { span_window: window, span_budget: budget, max_rules_with_spans: max_rules, ..Limits::DEFAULT };
        let tagger = AutoTagger::with_limits(&tax, limits).expect("compiles");
        let whole: Vec<regex::Regex> = pats
            .iter()
            .map(|p| regex::RegexBuilder::new(&format!("^(?:{p})$")).case_insensitive(true).build().expect("compiles"))
            .collect();
        let each: Vec<regex::Regex> = pats
            .iter()
            .map(|p| regex::RegexBuilder::new(p).case_insensitive(true).build().expect("compiles"))
            .collect();
        let out = tagger.tag(&Input::new(&text, supportdesk::Channel::Email));
        let want: Vec<String> = each.iter().enumerate().filter(|(_, re)| re.is_match(&text)).map(|(i, _)| format!("t{i}")).collect();
        let mut got: Vec<String> = out.tags.iter().map(|t| t.to_string()).collect();
        got.sort();
        let mut want_sorted = want.clone();
        want_sorted.sort();
        prop_assert_eq!(got, want_sorted);
        prop_assert_eq!(out.explanations.len(), want.len());
        let with_spans = out.explanations.iter().filter(|e| !e.spans.is_empty()).count();
        prop_assert!(with_spans <= max_rules);
        for e in &out.explanations {
            let i: usize = e.rule[1..].parse().expect("rule index");
            let mut last_end = 0;
            for sp in &e.spans {
                prop_assert!(sp.start >= last_end);
                prop_assert_eq!(text.get(sp.start..sp.end), Some(sp.text.as_str()));
                prop_assert!(whole[i].is_match(&sp.text), "{:?} is no match of {}", sp, pats[i]);
                last_end = sp.end;
            }
            if !out.spans_truncated {
                prop_assert!(!e.spans.is_empty(), "{} has no span and nothing is truncated", e.rule);
            }
        }
    }
}
