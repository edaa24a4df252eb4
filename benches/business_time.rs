//! Business-time benchmark: our calendar against `workclock` on the shared
//! workload, in the same run.
//!
//! ```text
//! cargo bench --bench business_time
//! ```
//!
//! Groups:
//! - `workload_10k`: the 10,000 deadlines of
//!   `tests/data/business_time_workload.csv` on the "ny_split" calendar,
//!   with each implementation (throughput in deadlines per second);
//! - `latency_by_duration`: one deadline of 1 h, 8 h, 40 h, 400 h and
//!   4,000 h business time (starts cycling through the workload's);
//! - `construction`: building the calendar, and building it plus compiling
//!   one year (our first query of a year pays that), and workclock's build.

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use jiff::civil::time;
use jiff::{SignedDuration, Timestamp};
use supportdesk::calendar::BusinessCalendar;
use workclock::{Holidays, Schedule, Weekdays, WorkDay};

const WORKLOAD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/business_time_workload.csv"
);
const EXPECTED_CHECKSUM: i64 = 17_847_376_514_838;
const HOLIDAYS: [&str; 12] = [
    "2026-01-01",
    "2026-01-19",
    "2026-02-16",
    "2026-05-25",
    "2026-07-03",
    "2026-09-07",
    "2026-11-26",
    "2026-12-25",
    "2027-01-01",
    "2027-05-31",
    "2027-07-05",
    "2027-11-25",
];

fn ours() -> BusinessCalendar {
    BusinessCalendar::builder("America/New_York")
        .weekdays("09:00", "12:00")
        .weekdays("13:00", "17:30")
        .holidays(
            HOLIDAYS
                .iter()
                .map(|h| h.parse::<NaiveDate>().expect("holiday")),
        )
        .build()
        .expect("ny_split")
}

fn peer() -> Schedule {
    Schedule::builder()
        .time_zone("America/New_York")
        .rule(WorkDay::new(
            time(9, 0, 0, 0),
            time(12, 0, 0, 0),
            Weekdays::MON_TO_FRI,
        ))
        .rule(WorkDay::new(
            time(13, 0, 0, 0),
            time(17, 30, 0, 0),
            Weekdays::MON_TO_FRI,
        ))
        .rule(Holidays::new(
            HOLIDAYS
                .iter()
                .map(|h| h.parse::<jiff::civil::Date>().expect("holiday")),
        ))
        .build()
        .expect("workclock ny_split")
}

fn workload() -> Vec<(i64, i64)> {
    std::fs::read_to_string(WORKLOAD)
        .expect("read the workload")
        .lines()
        .filter_map(|l| {
            let (a, b) = l.split_once(',')?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        })
        .collect()
}

fn ours_all(cal: &BusinessCalendar, work: &[(i64, i64)]) -> i64 {
    work.iter()
        .map(|&(s, d)| cal.add_unix(s, d).expect("deadline"))
        .sum()
}

fn peer_one(schedule: &Schedule, start: i64, seconds: i64) -> i64 {
    let t = Timestamp::from_second(start).expect("timestamp");
    schedule
        .add(t, SignedDuration::from_secs(seconds))
        .expect("workclock deadline")
        .as_second()
}

fn peer_all(schedule: &Schedule, work: &[(i64, i64)]) -> i64 {
    work.iter().map(|&(s, d)| peer_one(schedule, s, d)).sum()
}

fn bench(c: &mut Criterion) {
    let work = workload();
    assert_eq!(work.len(), 10_000, "workload lines");
    let cal = ours();
    let schedule = peer();

    // Same results before timing anything.
    let ours_sum = ours_all(&cal, &work);
    let peer_sum = peer_all(&schedule, &work);
    println!("checksum supportdesk: {ours_sum}");
    println!("checksum workclock:   {peer_sum}");
    assert_eq!(ours_sum, EXPECTED_CHECKSUM, "our checksum");
    assert_eq!(peer_sum, ours_sum, "workclock disagrees");
    let mismatches = work
        .iter()
        .filter(|&&(s, d)| cal.add_unix(s, d).ok() != Some(peer_one(&schedule, s, d)))
        .count();
    println!("deadlines that differ: {mismatches}");

    let mut group = c.benchmark_group("workload_10k");
    // One workclock pass takes about 70 ms: flat sampling keeps the group
    // within its measurement time.
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.throughput(Throughput::Elements(work.len() as u64));
    group.bench_function("supportdesk", |b| {
        b.iter(|| ours_all(&cal, black_box(&work)))
    });
    group.bench_function("workclock", |b| {
        b.iter(|| peer_all(&schedule, black_box(&work)))
    });
    group.finish();

    let mut group = c.benchmark_group("latency_by_duration");
    let starts: Vec<i64> = work.iter().take(256).map(|w| w.0).collect();
    for hours in [1i64, 8, 40, 400, 4000] {
        let seconds = hours * 3600;
        group.bench_with_input(BenchmarkId::new("supportdesk", hours), &seconds, |b, &d| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % starts.len();
                cal.add_unix(black_box(starts[i]), black_box(d))
                    .expect("deadline")
            })
        });
        group.bench_with_input(BenchmarkId::new("workclock", hours), &seconds, |b, &d| {
            let mut i = 0usize;
            b.iter(|| {
                i = (i + 1) % starts.len();
                peer_one(&schedule, black_box(starts[i]), black_box(d))
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("construction");
    group.bench_function("supportdesk_build", |b| b.iter(|| black_box(ours())));
    group.bench_function("supportdesk_build_and_compile_2026", |b| {
        b.iter(|| {
            let cal = ours();
            black_box(cal.add_unix(1_767_225_600, 60).expect("deadline"));
            cal
        })
    });
    group.bench_function("workclock_build", |b| b.iter(|| black_box(peer())));
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench
}
criterion_main!(benches);
