//! Auto-tagging throughput: 200 rules over a corpus of support messages
//! (random-letter words with Chinese passages, 1 in 100 words a rule's
//! keyword), with the `AutoTagger` (full tagging with explanations, and
//! matching only), a plain `RegexSet::matches` pass, and the same 200
//! regexes run one by one.
//!
//! And the bound on the work per message: 1,000 rules `a*b{i}|a` (i = the
//! rule's index; every rule matches everywhere, and each match makes a
//! rule's own regex read to the end of the text) on 1 MiB of `a`, tagged
//! with explanations, against one `RegexSet::matches` pass of the same
//! patterns over the same text. Before criterion runs, both ratios the
//! goals are about are measured (median of a few runs) and printed.
//!
//! ```text
//! cargo bench --bench autotag
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use regex::{Regex, RegexBuilder, RegexSetBuilder};
use supportdesk::taxonomy::{
    AutoTagger, Input, Rule, TagConfig, TagKind, Taxonomy, TaxonomyConfig,
};
use supportdesk::{Channel, Tag};

const RULES: usize = 200;
const MESSAGES: usize = 2_000;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next()).unwrap_or(0) % n.max(1)
    }
}

const CJK: &[&str] = &[
    "延迟",
    "退款",
    "破损",
    "丢失",
    "发票",
    "优惠券",
    "地址",
    "取消",
    "支付",
    "密码",
    "会员",
    "换货",
    "快递",
    "客服",
    "质量",
    "尺码",
    "颜色",
    "保修",
    "积分",
    "物流",
];

fn word(rng: &mut Lcg, min: usize, max: usize) -> String {
    let len = min + rng.below(max - min + 1);
    (0..len)
        .map(|_| char::from(b'a' + u8::try_from(rng.below(26)).unwrap_or(0)))
        .collect()
}

/// 200 rules of 3 to 6 keywords each (some phrases, some Chinese), and the
/// keywords for the corpus to mention.
fn taxonomy(rng: &mut Lcg) -> (Taxonomy, Vec<String>) {
    let mut tags = Vec::new();
    let mut rules = Vec::new();
    let mut keywords = Vec::new();
    for i in 0..RULES {
        let tag = format!("reason/r{i:03}");
        tags.push(TagConfig::new(tag.clone()).kind(TagKind::What));
        let mut alts: Vec<String> = (0..3 + rng.below(4))
            .map(|k| {
                if k == 0 && rng.below(3) == 0 {
                    format!("{} {}", word(rng, 4, 8), word(rng, 4, 8))
                } else {
                    word(rng, 5, 10)
                }
            })
            .collect();
        if rng.below(4) == 0 {
            alts.push(format!(
                "{}{}",
                CJK[rng.below(CJK.len())],
                CJK[rng.below(CJK.len())]
            ));
        }
        keywords.extend(alts.iter().cloned());
        let mut rule = Rule::new(
            format!("rule-{i:03}"),
            alts.join("|"),
            vec![Tag::new(&tag).unwrap_or_else(|_| unreachable!())],
        );
        if i % 10 == 0 {
            rule.channels = vec![Channel::Email, Channel::LiveChat];
        }
        rules.push(rule);
    }
    let config = TaxonomyConfig {
        tags,
        rules,
        ..TaxonomyConfig::default()
    };
    (
        Taxonomy::from_config(config).unwrap_or_else(|e| panic!("{e}")),
        keywords,
    )
}

/// Messages of 60 to 160 words: filler, Chinese sentences, and now and
/// then a rule's keyword.
fn corpus(rng: &mut Lcg, keywords: &[String]) -> Vec<String> {
    let filler: Vec<String> = (0..3_000).map(|_| word(rng, 2, 9)).collect();
    (0..MESSAGES)
        .map(|_| {
            let mut m = String::new();
            let n = 60 + rng.below(100);
            for k in 0..n {
                if k > 0 {
                    m.push(if rng.below(12) == 0 { '.' } else { ' ' });
                    if m.ends_with('.') {
                        m.push(' ');
                    }
                }
                match rng.below(100) {
                    0 => m.push_str(&keywords[rng.below(keywords.len())]),
                    1..=6 => {
                        for _ in 0..4 {
                            m.push_str(CJK[rng.below(CJK.len())]);
                            m.push('的');
                        }
                    }
                    _ => m.push_str(&filler[rng.below(filler.len())]),
                }
            }
            m
        })
        .collect()
}

fn one_by_one(tax: &Taxonomy) -> Vec<Regex> {
    tax.rules()
        .iter()
        .map(|r| {
            RegexBuilder::new(&r.compiled_pattern())
                .case_insensitive(true)
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// The median wall time of `runs` calls of `f`.
fn median(runs: usize, mut f: impl FnMut() -> usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Runs of the printed measurements: a few in the smoke test (a debug
/// build, `cargo test --bench autotag`).
const RUNS: usize = if cfg!(debug_assertions) { 3 } else { 101 };

const PATHOLOGICAL_RULES: usize = 1_000;
const PATHOLOGICAL_TEXT: usize = 1 << 20;

/// 1,000 rules `a*b{i}|a`, as written (no automatic word boundaries).
fn pathological_taxonomy() -> Taxonomy {
    let mut tags = Vec::new();
    let mut rules = Vec::new();
    for i in 0..PATHOLOGICAL_RULES {
        let tag = format!("p/r{i:04}");
        tags.push(TagConfig::new(tag.clone()).kind(TagKind::What));
        let mut rule = Rule::new(
            format!("rule-{i:04}"),
            format!("a*b{{{i}}}|a"),
            vec![Tag::new(&tag).unwrap_or_else(|_| unreachable!())],
        );
        rule.whole_words = false;
        rules.push(rule);
    }
    let config = TaxonomyConfig {
        tags,
        rules,
        ..TaxonomyConfig::default()
    };
    Taxonomy::from_config(config).unwrap_or_else(|e| panic!("{e}"))
}

fn pathological(c: &mut Criterion) {
    let tax = pathological_taxonomy();
    let text = "a".repeat(PATHOLOGICAL_TEXT);
    let built = Instant::now();
    let tagger = AutoTagger::new(&tax).unwrap_or_else(|e| panic!("{e}"));
    let set = RegexSetBuilder::new(tax.rules().iter().map(Rule::compiled_pattern))
        .case_insensitive(true)
        .size_limit(64 << 20)
        .dfa_size_limit(32 << 20)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "pathological: {PATHOLOGICAL_RULES} rules a*b{{i}}|a on {PATHOLOGICAL_TEXT} bytes of 'a' (compiled in {:.1} s)",
        built.elapsed().as_secs_f64()
    );
    let out = tagger.tag(&Input::new(&text, Channel::Email));
    assert_eq!(out.tags.len(), PATHOLOGICAL_RULES);
    assert_eq!(set.matches(&text).iter().count(), PATHOLOGICAL_RULES);
    eprintln!(
        "pathological: {} tags, spans for {} rules, spans truncated: {}",
        out.tags.len(),
        out.explanations
            .iter()
            .filter(|e| !e.spans.is_empty())
            .count(),
        out.spans_truncated
    );
    // Interleaved, so that both see the same load on a shared machine.
    let (mut tag_times, mut set_times) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        black_box(tagger.tag(&Input::new(black_box(&text), Channel::Email)));
        tag_times.push(t.elapsed());
        let t = Instant::now();
        black_box(set.matches(black_box(&text)));
        set_times.push(t.elapsed());
    }
    tag_times.sort();
    set_times.sort();
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    eprintln!(
        "pathological: tag {:.3} ms (fastest {:.3}), one RegexSet pass {:.3} ms (fastest {:.3}); ratio {:.1}x of medians, {:.1}x of fastest (goal: within 20x)",
        tag_times[RUNS / 2].as_secs_f64() * 1e3,
        tag_times[0].as_secs_f64() * 1e3,
        set_times[RUNS / 2].as_secs_f64() * 1e3,
        set_times[0].as_secs_f64() * 1e3,
        ratio(tag_times[RUNS / 2], set_times[RUNS / 2]),
        ratio(tag_times[0], set_times[0]),
    );

    let mut g = c.benchmark_group("autotag_1000_pathological_rules_1mib");
    g.throughput(Throughput::Bytes(PATHOLOGICAL_TEXT as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));
    g.bench_function("tagger_tag_with_explanations", |b| {
        b.iter(|| {
            tagger
                .tag(&Input::new(black_box(&text), Channel::Email))
                .tags
                .len()
        });
    });
    g.bench_function("plain_regexset_matches", |b| {
        b.iter(|| set.matches(black_box(&text)).iter().count());
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let mut rng = Lcg(42);
    let (tax, keywords) = taxonomy(&mut rng);
    let messages = corpus(&mut rng, &keywords);
    let bytes: usize = messages.iter().map(String::len).sum();
    let tagger = AutoTagger::new(&tax).unwrap_or_else(|e| panic!("{e}"));
    let regexes = one_by_one(&tax);

    // Both ways find the same rules.
    let mut tagged = 0;
    for m in &messages {
        let set: Vec<&str> = tagger.matching_rules(m);
        let each: Vec<&str> = regexes
            .iter()
            .zip(tax.rules())
            .filter(|(r, _)| r.is_match(m))
            .map(|(_, rule)| rule.name.as_str())
            .collect();
        assert_eq!(set, each);
        tagged += usize::from(!set.is_empty());
    }
    eprintln!(
        "corpus: {} messages, {bytes} bytes, {tagged} match at least one of {} rules",
        messages.len(),
        tax.rules().len()
    );
    let tag_time = median(RUNS.min(7), || {
        messages
            .iter()
            .map(|m| {
                tagger
                    .tag(&Input::new(black_box(m), Channel::Email))
                    .tags
                    .len()
            })
            .sum()
    });
    eprintln!(
        "200 rules: tag with explanations {:.1} MB/s (goal: at least 100 MB/s)",
        bytes as f64 / tag_time.as_secs_f64() / 1e6
    );

    let mut g = c.benchmark_group("autotag_200_rules");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(20);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));
    g.bench_function("tagger_tag_with_explanations", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in &messages {
                n += tagger
                    .tag(&Input::new(black_box(m), Channel::Email))
                    .tags
                    .len();
            }
            n
        });
    });
    let plain = RegexSetBuilder::new(tax.rules().iter().map(Rule::compiled_pattern))
        .case_insensitive(true)
        .size_limit(64 << 20)
        .dfa_size_limit(32 << 20)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    g.bench_function("plain_regexset_matches", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in &messages {
                n += plain.matches(black_box(m)).iter().count();
            }
            n
        });
    });
    g.bench_function("matching_rules_only", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in &messages {
                n += tagger.matching_rules(black_box(m)).len();
            }
            n
        });
    });
    g.sample_size(10);
    g.bench_function("one_by_one_200_regexes", |b| {
        b.iter(|| {
            let mut n = 0;
            for m in &messages {
                for r in &regexes {
                    n += usize::from(r.is_match(black_box(m)));
                }
            }
            n
        });
    });
    g.finish();
}

criterion_group!(benches, bench, pathological);
criterion_main!(benches);
