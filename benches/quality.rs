//! Reply-quality checking throughput with the shipped rule sets: one
//! generated reply of 1 MiB per locale (English: random-letter words with
//! mixed case and whitespace runs; Chinese: random Han characters), with
//! one in 50 words or phrases one of the shipped rules' phrases. Before
//! criterion runs, the median MB/s of a few runs per locale is printed
//! (goal, issue 14: at least 50 MB/s), next to the same set without its
//! metric rules, the runs interleaved so that the machine's load weighs on
//! both alike: what the metric rules cost.
//!
//! ```text
//! cargo bench --bench quality
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use supportdesk::quality::{Check, Locale, MAX_TEXT_BYTES, RuleSet};

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

const EN: &[&str] = &[
    "Unfortunately",
    "that's our policy",
    "You must",
    "sorry",
    "I will",
    "thanks",
    "no problem",
    "Best regards",
    "Hi",
];
const ZH_HANS: &[&str] = &[
    "无法",
    "规定",
    "抱歉",
    "我会",
    "谢谢",
    "您好",
    "祝好",
    "我不知道",
];
const ZH_HANT: &[&str] = &[
    "無法",
    "規定",
    "抱歉",
    "我會",
    "謝謝",
    "您好",
    "祝好",
    "我不知道",
];

/// A reply of just under `MAX_TEXT_BYTES`.
fn reply(locale: Locale, rng: &mut Lcg) -> String {
    let phrases = match locale {
        Locale::En => EN,
        Locale::ZhHans => ZH_HANS,
        Locale::ZhHant => ZH_HANT,
    };
    let mut out = String::with_capacity(MAX_TEXT_BYTES);
    loop {
        let piece = if rng.below(50) == 0 {
            phrases[rng.below(phrases.len())].to_string()
        } else if locale == Locale::En {
            let len = 2 + rng.below(8);
            (0..len)
                .map(|i| {
                    let c = char::from(b'a' + u8::try_from(rng.below(26)).unwrap_or(0));
                    if i == 0 && rng.below(4) == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        } else {
            (0..1 + rng.below(3))
                .map(|_| {
                    let code = 0x4E00 + u32::try_from(rng.below(0x5000)).unwrap_or(0);
                    char::from_u32(code).unwrap_or('字')
                })
                .collect()
        };
        let sep = match (locale, rng.below(10)) {
            (Locale::En, 0) => ".  ",
            (Locale::En, _) => " ",
            (_, 0) => "。",
            (_, 1) => "，",
            _ => "",
        };
        if out.len() + piece.len() + sep.len() > MAX_TEXT_BYTES {
            return out;
        }
        out.push_str(&piece);
        out.push_str(sep);
    }
}

fn bench(c: &mut Criterion) {
    let mut rng = Lcg(14);
    let mut group = c.benchmark_group("quality");
    group.measurement_time(Duration::from_secs(5));
    for locale in Locale::ALL {
        let set = match RuleSet::shipped(locale) {
            Ok(set) => set,
            Err(e) => panic!("shipped {locale}: {e}"),
        };
        let without_metrics = RuleSet::new(
            locale,
            set.rules()
                .iter()
                .filter(|r| !matches!(r.check, Check::Metric { .. }))
                .cloned()
                .collect(),
        )
        .unwrap_or_else(|e| panic!("shipped {locale} without metrics: {e}"));
        let text = reply(locale, &mut rng);
        let mut times = Vec::new();
        let mut times_without = Vec::new();
        let mut findings = 0;
        for _ in 0..11 {
            let t = Instant::now();
            let report = set.check(black_box(&text));
            times.push(t.elapsed());
            findings = report.map(|r| r.findings.len()).unwrap_or(0);
            let t = Instant::now();
            let report = without_metrics.check(black_box(&text));
            times_without.push(t.elapsed());
            black_box(report.map(|r| r.findings.len()).unwrap_or(0));
        }
        times.sort();
        times_without.sort();
        let median = times[times.len() / 2].as_secs_f64();
        let median_without = times_without[times_without.len() / 2].as_secs_f64();
        println!(
            "quality {locale}: {} bytes, {findings} findings, median {:.1} MB/s (goal: at least 50 MB/s); \
             without the metric rules {:.1} MB/s",
            text.len(),
            text.len() as f64 / median / 1e6,
            text.len() as f64 / median_without / 1e6
        );
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("check/{locale}/1MiB"), |b| {
            b.iter(|| set.check(black_box(&text)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
