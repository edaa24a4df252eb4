//! Repeated questions: near-identical inbound texts, found by normalised
//! token shingles and Jaccard similarity. Deterministic.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::id::{CustomerId, TicketId};
use crate::model::{AuthorRole, Message, Visibility};
use crate::ticket::{Event, EventKind, Tag, Ticket};

/// The text a ticket opened with and the answer it got: the input of the
/// repeated-question detector and of the knowledge-base gaps, which
/// [`TicketFacts`](crate::metrics::TicketFacts) do not carry (facts hold no
/// message bodies).
///
/// `text` is the first **public customer** message and `reply` the first
/// **public human-agent** reply: internal notes and bot or automated
/// replies are never read.
///
/// ```
/// use supportdesk::insight::Question;
/// use supportdesk::testing::TicketBuilder;
/// use supportdesk::id::AgentId;
///
/// let b = TicketBuilder::new().body("Where is my order?")
///     .note(AgentId::from_u128(1), "internal: carrier lost it")
///     .agent_reply(AgentId::from_u128(1), "It ships tomorrow.");
/// let q = Question::from_events(&b.events()).ok_or("no question")?;
/// assert_eq!(q.text, "Where is my order?");
/// assert_eq!(q.reply.as_deref(), Some("It ships tomorrow."));
/// assert_eq!(Question::from_ticket(&b.build()), Some(q));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Question {
    /// The ticket.
    pub ticket: TicketId,
    /// The requester.
    pub customer: CustomerId,
    /// When the ticket was opened (Unix seconds): questions are compared
    /// oldest first.
    pub at: i64,
    /// The first public message the customer wrote.
    pub text: String,
    /// The first public reply by a human agent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

fn is_question(m: &Message) -> bool {
    m.visibility == Visibility::Public && m.author.role() == AuthorRole::Customer
}

impl Question {
    /// A question without a reply.
    pub fn new(ticket: TicketId, customer: CustomerId, at: i64, text: impl Into<String>) -> Self {
        Question {
            ticket,
            customer,
            at,
            text: text.into(),
            reply: None,
        }
    }

    /// The same with the reply it got.
    pub fn with_reply(mut self, reply: impl Into<String>) -> Self {
        self.reply = Some(reply.into());
        self
    }

    /// The question of a ticket: `None` when the customer never wrote a
    /// public message on it.
    pub fn from_ticket(t: &Ticket) -> Option<Question> {
        let text = t.messages().iter().find(|m| is_question(m))?;
        Some(Question {
            ticket: t.id(),
            customer: t.customer(),
            at: t.created_at().timestamp(),
            text: text.body.clone(),
            reply: t
                .messages()
                .iter()
                .find(|m| m.is_public_agent_reply())
                .map(|m| m.body.clone()),
        })
    }

    /// The question of a ticket's history (its first event must be the
    /// opening; events of other tickets are skipped): `None` when it does
    /// not open or the customer never wrote a public message.
    pub fn from_events(events: &[Event]) -> Option<Question> {
        let first = events.first()?;
        let EventKind::Opened(opened) = &first.kind else {
            return None;
        };
        let mut text = None;
        let mut reply = None;
        for e in events.iter().filter(|e| e.ticket == first.ticket) {
            match &e.kind {
                EventKind::CustomerReplied { message }
                | EventKind::AgentReplied { message }
                | EventKind::AutomatedReplySent { message } => {
                    if text.is_none() && is_question(message) {
                        text = Some(message.body.clone());
                    } else if reply.is_none() && message.is_public_agent_reply() {
                        reply = Some(message.body.clone());
                    }
                }
                _ => {}
            }
            if text.is_some() && reply.is_some() {
                break;
            }
        }
        Some(Question {
            ticket: first.ticket,
            customer: opened.customer,
            at: first.at.timestamp(),
            text: text?,
            reply,
        })
    }
}

/// How near-identical questions are found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RepeatConfig {
    /// Jaccard similarity of shingle sets from which two texts are the same
    /// question (0 to 1).
    pub similarity: f64,
    /// The fewest tickets that make a cluster worth reporting.
    pub min_cluster: usize,
    /// A reason with at least this many tickets in the window is "asked
    /// again and again" and flagged as a self-service candidate.
    pub min_reason_volume: u32,
    /// Only the first characters of each text are compared.
    pub max_chars: usize,
    /// Only the first tickets (oldest first) are compared.
    pub max_texts: usize,
}

impl Default for RepeatConfig {
    /// Similarity 0.6, clusters of 3 or more, reasons with 20 or more
    /// tickets, the first 2,000 characters of at most 50,000 texts.
    fn default() -> Self {
        RepeatConfig {
            similarity: 0.6,
            min_cluster: 3,
            min_reason_volume: 20,
            max_chars: 2_000,
            max_texts: 50_000,
        }
    }
}

/// A group of tickets asking the same thing in nearly the same words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatCluster {
    /// The contact reason most of them carry, if any.
    pub reason: Option<Tag>,
    /// The tickets, oldest first.
    pub tickets: Vec<TicketId>,
    /// The first customer message of the oldest one.
    pub example: String,
}

impl RepeatCluster {
    /// The number of tickets.
    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    /// Whether it holds no ticket (never, for reported clusters).
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }
}

/// Scripts written without spaces between words: each character is a token.
fn is_unspaced(c: char) -> bool {
    matches!(u32::from(c),
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x3100..=0x312F // Bopomofo
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x3FFFF) // CJK extensions B and later
}

/// The tokens of a text, normalised: lower case, every digit `0` (order
/// numbers differ, the question does not), words in spaced scripts, single
/// characters in unspaced ones (Chinese, Japanese, Thai).
///
/// ```
/// use supportdesk::insight::tokens;
/// assert_eq!(tokens("Where is order #12345?"), ["where", "is", "order", "00000"]);
/// assert_eq!(tokens("订单123没到"), ["订", "单", "000", "没", "到"]);
/// ```
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if is_unspaced(c) {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                out.push(c.to_string());
            } else if c.is_numeric() {
                word.push('0');
            } else {
                word.push(c);
            }
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn fnv(s: &str, seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The shingles of a text: hashes of its token bigrams (of its one token
/// when it has only one), sorted and deduplicated.
fn shingles(tokens: &[String]) -> Vec<u64> {
    let mut out: Vec<u64> = if tokens.len() == 1 {
        vec![fnv(&tokens[0], 1)]
    } else {
        tokens
            .windows(2)
            .map(|w| fnv(&w[0], 2) ^ fnv(&w[1], 3).rotate_left(17))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

fn jaccard_sorted(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let r = both as f64 / (a.len() + b.len() - both) as f64;
    r
}

/// The Jaccard similarity (0 to 1) of two texts' normalised shingles.
///
/// ```
/// use supportdesk::insight::similarity;
/// assert!(similarity("Where is my order #123?", "where is my order 456") > 0.99);
/// assert!(similarity("我的订单还没到", "我的订单还没到吗") > 0.8);
/// assert!(similarity("refund please", "where is my parcel") < 0.1);
/// ```
pub fn similarity(a: &str, b: &str) -> f64 {
    jaccard_sorted(&shingles(&tokens(a)), &shingles(&tokens(b)))
}

struct Dsu(Vec<usize>);

impl Dsu {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

/// Finds clusters of near-identical questions (oldest first, by opening
/// time then ticket). `reason_of` names a ticket's contact reason, used to
/// label each cluster with its most common one. Clusters come largest
/// first.
///
/// # Example
/// ```
/// use supportdesk::insight::{repeated_questions, Question, RepeatConfig};
/// use supportdesk::id::{CustomerId, TicketId};
///
/// let texts = ["Where is my order #1001?", "where is my order 1002", "Where is my order? #1003",
///              "Can I change my address?", "我的订单还没到", "我的订单还没到。"];
/// let questions: Vec<_> = texts.iter().enumerate()
///     .map(|(i, t)| Question::new(TicketId::from_u128(i as u128), CustomerId::from_u128(1), 0, *t))
///     .collect();
/// let clusters = repeated_questions(&questions, &RepeatConfig { min_cluster: 2, ..RepeatConfig::default() }, |_| None);
/// assert_eq!(clusters.len(), 2);
/// assert_eq!(clusters[0].len(), 3);
/// assert_eq!(clusters[1].example, "我的订单还没到");
/// ```
pub fn repeated_questions(
    questions: &[Question],
    config: &RepeatConfig,
    reason_of: impl Fn(TicketId) -> Option<Tag>,
) -> Vec<RepeatCluster> {
    let mut order: Vec<&Question> = questions.iter().collect();
    order.sort_by_key(|q| (q.at, q.ticket));
    order.truncate(config.max_texts);
    // Unique normalised texts, with the tickets that wrote each.
    let mut unique: Vec<(Vec<u64>, Vec<usize>)> = Vec::new();
    let mut by_text: HashMap<String, usize> = HashMap::new();
    for (i, q) in order.iter().enumerate() {
        let cut: String = q.text.chars().take(config.max_chars).collect();
        let toks = tokens(&cut);
        if toks.is_empty() {
            continue;
        }
        let key = toks.join(" ");
        match by_text.get(&key) {
            Some(&u) => unique[u].1.push(i),
            None => {
                by_text.insert(key, unique.len());
                unique.push((shingles(&toks), vec![i]));
            }
        }
    }
    let n = unique.len();
    let mut dsu = Dsu((0..n).collect());
    // Candidate pairs share a shingle that is not too common.
    let mut postings: HashMap<u64, Vec<usize>> = HashMap::new();
    for (u, (sh, _)) in unique.iter().enumerate() {
        for &s in sh {
            postings.entry(s).or_default().push(u);
        }
    }
    let cap = 200.max(n / 20);
    let mut shared: HashMap<usize, usize> = HashMap::new();
    for (u, (sh, _)) in unique.iter().enumerate() {
        shared.clear();
        for s in sh {
            let Some(p) = postings.get(s) else { continue };
            if p.len() > cap {
                continue;
            }
            for &v in p.iter().filter(|&&v| v > u) {
                *shared.entry(v).or_default() += 1;
            }
        }
        let mut cands: Vec<usize> = shared.keys().copied().collect();
        cands.sort_unstable();
        for v in cands {
            if jaccard_sorted(sh, &unique[v].0) >= config.similarity {
                dsu.union(u, v);
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (u, (_, members)) in unique.iter().enumerate() {
        let root = dsu.find(u);
        groups.entry(root).or_default().extend(members);
    }
    let mut out: Vec<RepeatCluster> = groups
        .into_values()
        .filter(|members| members.len() >= config.min_cluster.max(2))
        .map(|mut members| {
            members.sort_unstable();
            let mut reasons: BTreeMap<Tag, usize> = BTreeMap::new();
            for &i in &members {
                if let Some(r) = reason_of(order[i].ticket) {
                    *reasons.entry(r).or_default() += 1;
                }
            }
            let reason = reasons
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(t, _)| t);
            let example = order
                .get(members[0])
                .map(|q| q.text.clone())
                .unwrap_or_default();
            RepeatCluster {
                reason,
                tickets: members.iter().map(|&i| order[i].ticket).collect(),
                example,
            }
        })
        .collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.tickets.cmp(&b.tickets)));
    out
}
