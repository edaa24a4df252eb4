//! Linting a taxonomy: findings with a code, a reason and a suggestion.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Tag, TagKind};
use crate::taxonomy::model::{Taxonomy, ancestors};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LintCode {
    /// A name that says nothing (`misc`, `other`, `question`, `其他`).
    VagueName,
    /// A what-tag that no cause explains.
    UnexplainedSymptom,
    /// A tag without a polarity: a spike in it cannot be read as good or
    /// bad.
    UnreadableSpike,
    /// Two tags that differ only by separators, plural or a typo.
    NearDuplicate,
    /// A why-tag that explains nothing.
    OrphanCause,
    /// Causes that explain each other in a loop, directly, through a chain
    /// or through the hierarchy.
    CauseCycle,
    /// A tag whose declared kind differs from its parent's.
    KindMismatch,
}

impl LintCode {
    /// Every code.
    pub const ALL: [LintCode; 7] = [
        LintCode::VagueName,
        LintCode::UnexplainedSymptom,
        LintCode::UnreadableSpike,
        LintCode::NearDuplicate,
        LintCode::OrphanCause,
        LintCode::CauseCycle,
        LintCode::KindMismatch,
    ];

    /// The stable short code (`TX001` ...).
    pub fn id(self) -> &'static str {
        match self {
            LintCode::VagueName => "TX001",
            LintCode::UnexplainedSymptom => "TX002",
            LintCode::UnreadableSpike => "TX003",
            LintCode::NearDuplicate => "TX004",
            LintCode::OrphanCause => "TX005",
            LintCode::CauseCycle => "TX006",
            LintCode::KindMismatch => "TX007",
        }
    }

    /// The kebab-case name (`vague-name` ...).
    pub fn name(self) -> &'static str {
        match self {
            LintCode::VagueName => "vague-name",
            LintCode::UnexplainedSymptom => "unexplained-symptom",
            LintCode::UnreadableSpike => "unreadable-spike",
            LintCode::NearDuplicate => "near-duplicate",
            LintCode::OrphanCause => "orphan-cause",
            LintCode::CauseCycle => "cause-cycle",
            LintCode::KindMismatch => "kind-mismatch",
        }
    }

    /// How serious findings of this code are.
    pub fn severity(self) -> Severity {
        match self {
            LintCode::VagueName
            | LintCode::NearDuplicate
            | LintCode::CauseCycle
            | LintCode::KindMismatch => Severity::Warning,
            LintCode::UnexplainedSymptom | LintCode::UnreadableSpike | LintCode::OrphanCause => {
                Severity::Notice
            }
        }
    }
}

impl fmt::Display for LintCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.id(), self.name())
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Probably a mistake: fix it.
    Warning,
    /// Weakens the taxonomy: worth fixing.
    Notice,
}

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What kind of problem.
    pub code: LintCode,
    /// How serious.
    pub severity: Severity,
    /// The tags involved.
    pub tags: Vec<Tag>,
    /// What is wrong.
    pub reason: String,
    /// What to do about it.
    pub suggestion: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        };
        write!(
            f,
            "{sev}[{}]: {} (suggestion: {})",
            self.code, self.reason, self.suggestion
        )
    }
}

/// Words that name no symptom and no cause, in the languages of the
/// sources. A tag whose last segment is made only of these words (and
/// digits) is vague.
pub const VAGUE_WORDS: &[&str] = &[
    "misc",
    "miscellaneous",
    "other",
    "others",
    "general",
    "generic",
    "cool",
    "interesting",
    "question",
    "questions",
    "query",
    "queries",
    "stuff",
    "various",
    "etc",
    "unknown",
    "none",
    "na",
    "random",
    "issue",
    "issues",
    "problem",
    "problems",
    "help",
    "support",
    "inquiry",
    "inquiries",
    "enquiry",
    "enquiries",
    "info",
    "information",
    "thing",
    "things",
    "todo",
    "temp",
    "tmp",
    "test",
    "weird",
    "good",
    "bad",
    "ok",
    "default",
    "uncategorized",
    "uncategorised",
    "unsorted",
    "feedback",
    "其他",
    "其它",
    "杂项",
    "一般",
    "问题",
    "咨询",
    "综合",
    "未分类",
    "其他问题",
];

fn finding(code: LintCode, tags: Vec<Tag>, reason: String, suggestion: String) -> Finding {
    Finding {
        code,
        severity: code.severity(),
        tags,
        reason,
        suggestion,
    }
}

fn tokens(segment: &str) -> impl Iterator<Item = &str> {
    segment
        .split(['-', '_', '.', ':'])
        .filter(|t| !t.is_empty())
}

fn is_vague_segment(segment: &str) -> bool {
    let mut any = false;
    for t in tokens(segment) {
        if t.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if !VAGUE_WORDS.contains(&t) {
            return false;
        }
        any = true;
    }
    any
}

fn singular(token: &str) -> String {
    let n = token.chars().count();
    if !token.is_ascii() || n <= 3 {
        return token.to_owned();
    }
    if let Some(s) = token.strip_suffix("ies") {
        return format!("{s}y");
    }
    for suf in ["sses", "shes", "ches", "xes"] {
        if token.ends_with(suf) {
            return token[..token.len() - 2].to_owned();
        }
    }
    if token.ends_with('s') && !token.ends_with("ss") && !token.ends_with("us") {
        return token[..token.len() - 1].to_owned();
    }
    token.to_owned()
}

/// The tag with separators removed and each word made singular.
fn loose_key(tag: &Tag) -> String {
    tag.as_str()
        .split(['-', '_', '.', ':', '/'])
        .filter(|t| !t.is_empty())
        .map(singular)
        .collect()
}

/// Names longer than this (in characters) are not checked for typos.
const MAX_TYPO_LEN: usize = 32;

/// How many edits a typo may be: 1 from 5 characters, 2 from 10.
fn typo_budget(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=9 => 1,
        _ => 2,
    }
}

fn hash_chars(s: impl Iterator<Item = char>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in s {
        h ^= u64::from(u32::from(c));
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Hashes of every string made by deleting at most `k` (1 or 2)
/// characters of `s`, `s` itself included.
fn deletion_keys(s: &[char], k: usize, out: &mut Vec<u64>) {
    out.push(hash_chars(s.iter().copied()));
    for i in 0..s.len() {
        let one = || {
            s.iter()
                .enumerate()
                .filter(move |&(x, _)| x != i)
                .map(|(_, c)| *c)
        };
        out.push(hash_chars(one()));
        if k >= 2 {
            for j in i + 1..s.len() {
                out.push(hash_chars(
                    s.iter()
                        .enumerate()
                        .filter(|&(x, _)| x != i && x != j)
                        .map(|(_, c)| *c),
                ));
            }
        }
    }
}

/// Levenshtein distance if it is at most `k`, by a banded dynamic program.
#[cfg(test)]
fn bounded_distance(a: &str, b: &str, k: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    bounded_distance_chars(&a, &b, k)
}

/// Levenshtein distance if it is at most `k`, by a banded dynamic program.
fn bounded_distance_chars(a: &[char], b: &[char], k: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > k {
        return None;
    }
    let big = k + 1;
    let mut prev: Vec<usize> = (0..=b.len()).map(|j| j.min(big)).collect();
    let mut cur = vec![big; b.len() + 1];
    for i in 1..=a.len() {
        let lo = i.saturating_sub(k).max(1);
        let hi = (i + k).min(b.len());
        cur.fill(big);
        cur[0] = i.min(big);
        let mut row_min = cur[0];
        for j in lo..=hi {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let v = sub.min(prev[j] + 1).min(cur[j - 1] + 1).min(big);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= k).then_some(d)
}

fn parent(tag: &Tag) -> &str {
    tag.as_str().rsplit_once('/').map_or("", |(p, _)| p)
}

fn last_segment(tag: &Tag) -> &str {
    tag.as_str()
        .rsplit_once('/')
        .map_or(tag.as_str(), |(_, l)| l)
}

impl Taxonomy {
    /// Lints the taxonomy. Findings come sorted by code, then tags; the
    /// same taxonomy always gives the same findings.
    ///
    /// # Example
    /// ```
    /// use supportdesk::taxonomy::{LintCode, Taxonomy};
    ///
    /// let tax: Taxonomy = serde_json::from_str(r#"{"tags": [
    ///   {"tag": "payment", "kind": "what"},
    ///   {"tag": "misc", "kind": "what", "polarity": "neutral"}
    /// ]}"#)?;
    /// let codes: Vec<LintCode> = tax.lint().iter().map(|f| f.code).collect();
    /// assert!(codes.contains(&LintCode::VagueName));
    /// assert!(codes.contains(&LintCode::UnreadableSpike));
    /// assert!(codes.contains(&LintCode::UnexplainedSymptom));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lint(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        self.lint_vague(&mut out);
        self.lint_unexplained(&mut out);
        self.lint_polarity(&mut out);
        self.lint_near_duplicates(&mut out);
        self.lint_orphans(&mut out);
        self.lint_cycles(&mut out);
        self.lint_kinds(&mut out);
        out.sort_by(|a, b| (a.code, &a.tags).cmp(&(b.code, &b.tags)));
        out.dedup();
        out
    }

    fn has_children(&self) -> BTreeSet<&str> {
        self.tags()
            .flat_map(|d| ancestors(d.tag()))
            .collect::<BTreeSet<_>>()
    }

    fn lint_vague(&self, out: &mut Vec<Finding>) {
        for d in self.tags() {
            // The leaf names the tag: `feedback/praise` is specific even if
            // `feedback` alone would not be.
            let seg = last_segment(d.tag());
            if is_vague_segment(seg) {
                let example = match d.kind() {
                    TagKind::What => "a symptom such as shipping/late or payment/declined",
                    TagKind::Why => "a root cause such as cause/carrier-delay",
                };
                out.push(finding(
                    LintCode::VagueName,
                    vec![d.tag().clone()],
                    format!(
                        "tag {} is named {seg:?}, which says nothing about what happened or why",
                        d.tag()
                    ),
                    format!(
                        "rename it to {example}, or split its tickets into specific tags and remove it"
                    ),
                ));
            }
        }
    }

    fn link_targets(&self) -> Vec<&Tag> {
        self.tags().flat_map(|d| d.explains()).collect()
    }

    fn lint_unexplained(&self, out: &mut Vec<Finding>) {
        let parents = self.has_children();
        let targets = self.link_targets();
        for d in self.tags() {
            if d.kind() != TagKind::What || parents.contains(d.tag().as_str()) {
                continue;
            }
            if !targets.iter().any(|t| d.tag().is_under(t)) {
                out.push(finding(
                    LintCode::UnexplainedSymptom,
                    vec![d.tag().clone()],
                    format!(
                        "what-tag {} has no cause: its count says what customers contact you about, not why",
                        d.tag()
                    ),
                    format!(
                        "add why-tags that explain it (e.g. cause/... with \"explains\": [\"{}\"]) so its root causes can be counted and fixed",
                        d.tag()
                    ),
                ));
            }
        }
    }

    fn lint_polarity(&self, out: &mut Vec<Finding>) {
        for d in self.tags() {
            if d.polarity().is_none() {
                out.push(finding(
                    LintCode::UnreadableSpike,
                    vec![d.tag().clone()],
                    format!(
                        "tag {} has no polarity: if its count spikes, nobody can tell whether that is good or bad",
                        d.tag()
                    ),
                    format!(
                        "set \"polarity\" to good, bad or neutral; if it can go either way, split it (\"payment\" into {0}/error, bad, and {0}/question, neutral)",
                        d.tag()
                    ),
                ));
            }
        }
    }

    fn lint_near_duplicates(&self, out: &mut Vec<Finding>) {
        let mut by_key: BTreeMap<String, Vec<&Tag>> = BTreeMap::new();
        for d in self.tags() {
            by_key.entry(loose_key(d.tag())).or_default().push(d.tag());
        }
        let mut pairs: BTreeSet<(Tag, Tag)> = BTreeSet::new();
        for group in by_key.values().filter(|g| g.len() > 1) {
            let mut tags: Vec<Tag> = group.iter().map(|t| (*t).clone()).collect();
            tags.sort();
            for w in tags.windows(2) {
                pairs.insert((w[0].clone(), w[1].clone()));
            }
            out.push(finding(
                LintCode::NearDuplicate,
                tags.clone(),
                format!(
                    "tags {} differ only by separators or plural",
                    tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(", ")
                ),
                format!(
                    "keep one spelling ({}) and merge the others into it",
                    tags[0]
                ),
            ));
        }
        // Typos between siblings (same parent), by bounded edit distance.
        // Candidates come from shared deletion variants (two names within
        // distance k share a string reachable by at most k deletions from
        // each), so large sibling sets are not compared pair by pair.
        let mut siblings: BTreeMap<&str, Vec<&Tag>> = BTreeMap::new();
        for d in self.tags() {
            siblings.entry(parent(d.tag())).or_default().push(d.tag());
        }
        for group in siblings.values() {
            let names: Vec<Vec<char>> = group
                .iter()
                .map(|t| last_segment(t).chars().collect())
                .collect();
            let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
            for (i, n) in names.iter().enumerate() {
                let k = typo_budget(n.len());
                if k == 0 || n.len() > MAX_TYPO_LEN {
                    continue;
                }
                let mut keys = Vec::new();
                deletion_keys(n, k, &mut keys);
                keys.sort_unstable();
                keys.dedup();
                for key in keys {
                    index.entry(key).or_default().push(i);
                }
            }
            let mut candidates: BTreeSet<(usize, usize)> = BTreeSet::new();
            for list in index.values() {
                for (x, &i) in list.iter().enumerate() {
                    for &j in &list[x + 1..] {
                        candidates.insert((i.min(j), i.max(j)));
                    }
                }
            }
            for (i, j) in candidates {
                let (la, lb) = (&names[i], &names[j]);
                let k = typo_budget(la.len().min(lb.len()));
                if k == 0 {
                    continue;
                }
                let digitless =
                    |s: &[char]| s.iter().filter(|c| !c.is_ascii_digit()).collect::<String>();
                if digitless(la) == digitless(lb) {
                    continue; // v1 / v2: numbered, not a typo
                }
                let (a, b) = (group[i], group[j]);
                let (x, y) = if a < b { (a, b) } else { (b, a) };
                if pairs.contains(&(x.clone(), y.clone())) {
                    continue;
                }
                if let Some(dist) = bounded_distance_chars(la, lb, k) {
                    out.push(finding(
                        LintCode::NearDuplicate,
                        vec![x.clone(), y.clone()],
                        format!("tags {x} and {y} differ by {dist} letter(s): probably a typo"),
                        "keep the correct spelling and merge the other into it".to_owned(),
                    ));
                }
            }
        }
    }

    fn lint_orphans(&self, out: &mut Vec<Finding>) {
        let parents = self.has_children();
        let linked: BTreeSet<&Tag> = self
            .tags()
            .filter(|d| !d.explains().is_empty())
            .map(|d| d.tag())
            .collect();
        for d in self.tags() {
            if d.kind() != TagKind::Why || parents.contains(d.tag().as_str()) {
                continue;
            }
            let inherits = ancestors(d.tag())
                .filter_map(|a| Tag::new(a).ok())
                .any(|a| linked.contains(&a));
            if d.explains().is_empty() && !inherits {
                out.push(finding(
                    LintCode::OrphanCause,
                    vec![d.tag().clone()],
                    format!("why-tag {} explains no symptom", d.tag()),
                    "link it to the what-tags it causes with \"explains\", or remove it".to_owned(),
                ));
            }
        }
    }

    fn lint_cycles(&self, out: &mut Vec<Finding>) {
        let causes: Vec<&Tag> = self
            .tags()
            .filter(|d| d.kind() == TagKind::Why)
            .map(|d| d.tag())
            .collect();
        let index: BTreeMap<Tag, usize> = causes
            .iter()
            .enumerate()
            .map(|(i, t)| ((*t).clone(), i))
            .collect();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); causes.len()];
        for (i, c) in causes.iter().enumerate() {
            let Some(d) = self.tag(c) else { continue };
            for e in d.explains() {
                let hierarchy = if e == *c {
                    Some(("itself", "a cause cannot be its own cause"))
                } else if c.is_under(e) {
                    Some(("its own ancestor", "an ancestor's links already cover it"))
                } else if e.is_under(c) {
                    Some((
                        "its own descendant",
                        "a descendant inherits its ancestor's links",
                    ))
                } else {
                    None
                };
                if let Some((rel, why)) = hierarchy {
                    out.push(finding(
                        LintCode::CauseCycle,
                        vec![(*c).clone(), e.clone()],
                        format!("cause {c} explains {rel} ({e}), so it explains itself"),
                        format!(
                            "remove the link ({why}); link causes to symptoms or to deeper causes"
                        ),
                    ));
                }
                // The link covers every cause at or below the target.
                for (t, &j) in index.range(e.clone()..) {
                    if !t.as_str().starts_with(e.as_str()) {
                        break;
                    }
                    if t.is_under(e) {
                        edges[i].push(j);
                    }
                }
            }
        }
        for scc in strongly_connected(&edges) {
            if scc.len() < 2 {
                continue; // self-loops are reported above
            }
            let mut tags: Vec<Tag> = scc.iter().map(|&i| causes[i].clone()).collect();
            tags.sort();
            out.push(finding(
                LintCode::CauseCycle,
                tags.clone(),
                format!(
                    "causes {} explain each other in a loop, so none of them is the root cause",
                    tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(", ")
                ),
                "break the loop: a link should point from the deeper cause to its effect only"
                    .to_owned(),
            ));
        }
    }

    fn lint_kinds(&self, out: &mut Vec<Finding>) {
        for d in self.tags() {
            if !d.kind_is_declared() {
                continue;
            }
            let parent = ancestors(d.tag())
                .filter_map(|a| Tag::new(a).ok())
                .find_map(|a| self.tag(&a));
            if let Some(p) = parent {
                if p.kind() != d.kind() {
                    out.push(finding(
                        LintCode::KindMismatch,
                        vec![p.tag().clone(), d.tag().clone()],
                        format!(
                            "{} is a {}-tag under {}, a {}-tag",
                            d.tag(),
                            d.kind(),
                            p.tag(),
                            p.kind()
                        ),
                        "keep symptoms and causes in separate branches (e.g. causes under cause/)"
                            .to_owned(),
                    ));
                }
            }
        }
    }
}

/// Tarjan's strongly connected components, iteratively (no recursion depth
/// to overflow on large graphs).
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0usize;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut ei)) = call.last_mut() {
            if let Some(&w) = edges[v].get(*ei) {
                *ei += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(u, _)) = call.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    out.push(comp);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_bounded() {
        assert_eq!(bounded_distance("delayed", "delayd", 1), Some(1));
        assert_eq!(bounded_distance("delayed", "delayed", 1), Some(0));
        assert_eq!(bounded_distance("kitten", "sitting", 2), None);
        assert_eq!(bounded_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(bounded_distance("延迟", "延误", 1), Some(1));
        assert_eq!(bounded_distance("", "ab", 1), None);
    }

    #[test]
    fn loose_keys() {
        let k = |s: &str| loose_key(&Tag::new(s).unwrap());
        assert_eq!(k("payment-errors"), k("payment_error"));
        assert_eq!(k("payment/error"), k("payment.error"));
        assert_eq!(k("deliveries"), k("delivery"));
        assert_ne!(k("address"), k("addres"));
    }

    #[test]
    fn vague_segments() {
        assert!(is_vague_segment("misc"));
        assert!(is_vague_segment("general-question"));
        assert!(is_vague_segment("其他"));
        assert!(!is_vague_segment("payment-question"));
        assert!(!is_vague_segment("2024"));
    }

    #[test]
    fn tarjan_finds_loops() {
        let edges = vec![vec![1], vec![2], vec![0], vec![3], vec![]];
        let mut sccs: Vec<Vec<usize>> = strongly_connected(&edges)
            .into_iter()
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        sccs.sort();
        assert_eq!(sccs, vec![vec![0, 1, 2], vec![3], vec![4]]);
    }

    fn codes(json: &str) -> Vec<(LintCode, Vec<String>)> {
        let t: Taxonomy = serde_json::from_str(json).unwrap();
        t.lint()
            .into_iter()
            .map(|f| (f.code, f.tags.iter().map(|t| t.to_string()).collect()))
            .collect()
    }

    fn has(found: &[(LintCode, Vec<String>)], code: LintCode, tags: &[&str]) -> bool {
        found.iter().any(|(c, t)| *c == code && t == tags)
    }

    #[test]
    fn each_code_fires_on_its_case() {
        let f = codes(
            r#"{"tags":[
              {"tag":"shipping","kind":"what","polarity":"bad"},
              {"tag":"shipping/late"},{"tag":"shipping/delayed"},{"tag":"shipping/delayd"},
              {"tag":"shipping/other"},
              {"tag":"payment-error","kind":"what","polarity":"bad"},{"tag":"payment_errors","kind":"what","polarity":"bad"},
              {"tag":"payment","kind":"what"},
              {"tag":"cause","kind":"why","polarity":"bad"},
              {"tag":"cause/carrier","explains":["shipping/late","cause/staffing"]},
              {"tag":"cause/staffing","explains":["cause/carrier"]},
              {"tag":"cause/self","explains":["cause/self"]},
              {"tag":"cause/parent","explains":["cause"]},
              {"tag":"cause/lonely"},
              {"tag":"cause/carrier-delays","explains":["shipping/late"]},{"tag":"cause/carier-delay","explains":["shipping/late"]},
              {"tag":"cause/oops","kind":"what"}
            ]}"#,
        );
        assert!(has(&f, LintCode::VagueName, &["shipping/other"]));
        assert!(has(&f, LintCode::UnexplainedSymptom, &["shipping/delayed"]));
        assert!(
            !f.iter()
                .any(|(c, t)| *c == LintCode::UnexplainedSymptom && t == &["shipping/late"])
        );
        assert!(has(&f, LintCode::UnreadableSpike, &["payment"]));
        assert!(has(
            &f,
            LintCode::NearDuplicate,
            &["payment-error", "payment_errors"]
        ));
        assert!(has(
            &f,
            LintCode::NearDuplicate,
            &["shipping/delayd", "shipping/delayed"]
        ));
        assert!(has(&f, LintCode::OrphanCause, &["cause/lonely"]));
        assert!(has(
            &f,
            LintCode::NearDuplicate,
            &["cause/carier-delay", "cause/carrier-delays"]
        ));
        assert!(has(
            &f,
            LintCode::CauseCycle,
            &["cause/carrier", "cause/staffing"]
        ));
        assert!(has(&f, LintCode::CauseCycle, &["cause/self", "cause/self"]));
        assert!(has(&f, LintCode::CauseCycle, &["cause/parent", "cause"]));
        assert!(has(&f, LintCode::KindMismatch, &["cause", "cause/oops"]));
        // Numbered siblings are not typos.
        let f = codes(
            r#"{"tags":[{"tag":"plan","kind":"what","polarity":"good"},{"tag":"plan/tier1"},{"tag":"plan/tier2"}]}"#,
        );
        assert!(!f.iter().any(|(c, _)| *c == LintCode::NearDuplicate));
    }

    #[test]
    fn findings_display_code_reason_and_suggestion() {
        let t: Taxonomy =
            serde_json::from_str(r#"{"tags":[{"tag":"misc","kind":"what","polarity":"neutral"}]}"#)
                .unwrap();
        let f = t.lint();
        assert_eq!(f[0].code.id(), "TX001");
        let s = f[0].to_string();
        assert!(
            s.starts_with("warning[TX001 vague-name]: tag misc is named \"misc\""),
            "{s}"
        );
        assert!(s.contains("suggestion: rename it"));
    }
}
