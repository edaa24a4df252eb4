//! Business-time vectors checker and throughput benchmark.
//!
//! ```text
//! cargo run --release --example business_time -- check tests/data/business_time.json
//! cargo run --release --example business_time -- bench tests/data/business_time_workload.csv
//! ```
//!
//! `check FILE` evaluates every deadline and elapsed case (with pauses) of a
//! file in the vectors format, prints each failure (id, expected, actual;
//! a malformed case counts as a failure) and a final line
//! `N passed, M failed`, and exits 1 on any failure, 2 on an unreadable or
//! malformed file.
//!
//! `bench FILE` reads lines `start_unix_seconds,business_seconds`, computes
//! every deadline on the "ny_split" calendar and prints deadlines per second
//! and the sum of the deadlines in Unix seconds.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use supportdesk::calendar::BusinessCalendar;

const USAGE: &str = "usage: business_time check VECTORS.json | business_time bench WORKLOAD.csv";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [cmd, file] if cmd == "check" => check(file),
        [cmd, file] if cmd == "bench" => bench(file),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

// ------------------------------------------------------------------ check

fn field<'a>(case: &'a Value, key: &str, id: &str) -> Result<&'a Value, String> {
    case.get(key)
        .ok_or_else(|| format!("case {id}: missing field \"{key}\""))
}

fn instant(v: &Value, what: &str, id: &str) -> Result<DateTime<Utc>, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("case {id}: {what} is not a string"))?;
    s.parse()
        .map_err(|e| format!("case {id}: {what} {s:?} is not an RFC 3339 instant: {e}"))
}

fn integer(v: &Value, what: &str, id: &str) -> Result<i64, String> {
    v.as_i64()
        .ok_or_else(|| format!("case {id}: {what} is not an integer"))
}

/// `[from, to)` instant ranges.
type Ranges = Vec<(DateTime<Utc>, DateTime<Utc>)>;

fn pauses(case: &Value, id: &str) -> Result<Ranges, String> {
    let Some(list) = case.get("pauses") else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| format!("case {id}: pauses is not a list"))?;
    list.iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([from, to]) => Ok((
                instant(from, "pause start", id)?,
                instant(to, "pause end", id)?,
            )),
            _ => Err(format!("case {id}: a pause is not a [from, to] pair")),
        })
        .collect()
}

fn calendar(case: &Value, id: &str) -> Result<BusinessCalendar, String> {
    let raw = field(case, "calendar", id)?;
    serde_json::from_value(raw.clone()).map_err(|e| format!("case {id}: bad calendar: {e}"))
}

/// One deadline case: `Ok(None)` if it passes, `Ok(Some(failure))` if not.
fn deadline_case(case: &Value, id: &str) -> Result<Option<String>, String> {
    let cal = calendar(case, id)?;
    let start = instant(field(case, "start", id)?, "start", id)?;
    let seconds = integer(field(case, "business_seconds", id)?, "business_seconds", id)?;
    let expected_utc = instant(
        field(case, "expected_deadline_utc", id)?,
        "expected_deadline_utc",
        id,
    )?;
    let expected = instant(
        field(case, "expected_deadline", id)?,
        "expected_deadline",
        id,
    )?;
    let ps = pauses(case, id)?;
    Ok(match cal.add_with_pauses(start, seconds, &ps) {
        Ok(got) if got == expected_utc && got == expected => None,
        Ok(got) => Some(format!(
            "{id}: expected {} (utc {}), actual {}",
            expected.with_timezone(&cal.timezone()).to_rfc3339(),
            expected_utc.to_rfc3339(),
            got.with_timezone(&cal.timezone()).to_rfc3339()
        )),
        Err(e) => Some(format!(
            "{id}: expected {}, actual error: {e}",
            expected_utc.to_rfc3339()
        )),
    })
}

fn elapsed_case(case: &Value, id: &str) -> Result<Option<String>, String> {
    let cal = calendar(case, id)?;
    let start = instant(field(case, "start", id)?, "start", id)?;
    let end = instant(field(case, "end", id)?, "end", id)?;
    let expected = integer(
        field(case, "expected_business_seconds", id)?,
        "expected_business_seconds",
        id,
    )?;
    let ps = pauses(case, id)?;
    Ok(match cal.elapsed_with_pauses(start, end, &ps) {
        Ok(got) if got == expected => None,
        Ok(got) => Some(format!("{id}: expected {expected} s, actual {got} s")),
        Err(e) => Some(format!("{id}: expected {expected} s, actual error: {e}")),
    })
}

type CaseFn = fn(&Value, &str) -> Result<Option<String>, String>;

fn check(file: &str) -> Result<bool, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("{file} is not valid JSON: {e}"))?;
    let (mut passed, mut failed) = (0usize, 0usize);
    let kinds: [(&str, CaseFn); 2] = [
        ("deadline_cases", deadline_case),
        ("elapsed_cases", elapsed_case),
    ];
    let mut seen_any = false;
    for (key, run) in kinds {
        let Some(cases) = doc.get(key) else {
            continue;
        };
        seen_any = true;
        let cases = cases
            .as_array()
            .ok_or_else(|| format!("{file}: \"{key}\" is not a list"))?;
        for (i, case) in cases.iter().enumerate() {
            let fallback = format!("{key}[{i}]");
            let id = case.get("id").and_then(Value::as_str).unwrap_or(&fallback);
            match run(case, id) {
                Ok(None) => passed += 1,
                Ok(Some(failure)) => {
                    println!("FAIL {failure}");
                    failed += 1;
                }
                // A malformed case fails on its own; the others still run.
                Err(problem) => {
                    println!("FAIL {problem}");
                    failed += 1;
                }
            }
        }
    }
    if !seen_any {
        return Err(format!(
            "{file} has neither \"deadline_cases\" nor \"elapsed_cases\""
        ));
    }
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0)
}

// ------------------------------------------------------------------ bench

/// The "ny_split" calendar of the vectors and the bench README.
fn ny_split() -> Result<BusinessCalendar, String> {
    let holidays = [
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
    let dates = holidays
        .iter()
        .map(|h| {
            h.parse::<NaiveDate>()
                .map_err(|e| format!("holiday {h}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    BusinessCalendar::builder("America/New_York")
        .weekdays("09:00", "12:00")
        .weekdays("13:00", "17:30")
        .holidays(dates)
        .build()
        .map_err(|e| e.to_string())
}

fn workload(file: &str) -> Result<Vec<(i64, i64)>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line.split_once(',').and_then(|(a, b)| {
            Some((a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?))
        });
        match parsed {
            Some(pair) => out.push(pair),
            // A header line is allowed.
            None if n == 0 => {}
            None => {
                return Err(format!(
                    "{file}:{}: expected start_unix_seconds,business_seconds, got {line:?}",
                    n + 1
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(format!("{file} has no workload lines"));
    }
    Ok(out)
}

fn run_all(cal: &BusinessCalendar, work: &[(i64, i64)]) -> Result<i64, String> {
    let mut sum = 0i64;
    for &(start, seconds) in work {
        let due = cal
            .add_unix(start, seconds)
            .map_err(|e| format!("deadline of ({start}, {seconds}): {e}"))?;
        sum = sum.wrapping_add(due);
    }
    Ok(sum)
}

fn bench(file: &str) -> Result<bool, String> {
    let work = workload(file)?;
    let n = work.len();

    // Cold: a fresh calendar, years compiled on first use.
    let t0 = Instant::now();
    let cal = ny_split()?;
    let checksum = run_all(&cal, &work)?;
    let cold = t0.elapsed();

    // Warm: repeat until at least a second has passed.
    let mut rounds = 0u32;
    let t1 = Instant::now();
    while t1.elapsed() < Duration::from_secs(1) || rounds < 3 {
        let again = run_all(&cal, std::hint::black_box(&work))?;
        if again != checksum {
            return Err("results differ between rounds".to_owned());
        }
        rounds += 1;
    }
    let warm = t1.elapsed();
    let per_second = f64::from(rounds) * n as f64 / warm.as_secs_f64();
    let stats = cal.cache_stats();

    println!(
        "calendar: ny_split (America/New_York, Mon-Fri 09:00-12:00 + 13:00-17:30, 12 holidays)"
    );
    println!("deadlines: {n}");
    println!(
        "cold (build + compile {} years + {n} deadlines): {:.3} ms",
        stats.years,
        cold.as_secs_f64() * 1e3
    );
    println!(
        "warm: {per_second:.0} deadlines per second ({:.1} ns per deadline, {rounds} rounds)",
        1e9 / per_second
    );
    println!(
        "compiled cache: {} years, {} intervals, {} bytes",
        stats.years, stats.intervals, stats.bytes
    );
    println!("checksum (sum of deadlines, unix seconds): {checksum}");
    Ok(true)
}
