//! Every deadline and elapsed case of the business-time vectors (`tests/data/business_time.json`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use supportdesk::calendar::BusinessCalendar;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/business_time.json");

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap_or_else(|e| panic!("bad instant {v}: {e}"))
}

fn pauses(case: &Value) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    case.get("pauses")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| (instant(&p[0]), instant(&p[1])))
                .collect()
        })
        .unwrap_or_default()
}

fn calendar(case: &Value) -> BusinessCalendar {
    let cal: BusinessCalendar = serde_json::from_value(case["calendar"].clone())
        .unwrap_or_else(|e| panic!("{}: calendar does not parse: {e}", case["id"]));
    // The serde form round-trips.
    let back: BusinessCalendar =
        serde_json::from_value(serde_json::to_value(&cal).unwrap()).unwrap();
    assert_eq!(back, cal, "{}: serde round trip", case["id"]);
    cal
}

fn load() -> Value {
    let text = std::fs::read_to_string(VECTORS).expect("read the vectors file");
    serde_json::from_str(&text).expect("parse the vectors file")
}

#[test]
fn deadline_cases() {
    let doc = load();
    let cases = doc["deadline_cases"].as_array().expect("deadline_cases");
    assert!(cases.len() >= 36, "only {} deadline cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        let cal = calendar(case);
        let start = instant(&case["start"]);
        let seconds = case["business_seconds"].as_i64().expect("business_seconds");
        let expected_utc = instant(&case["expected_deadline_utc"]);
        let expected_local = instant(&case["expected_deadline"]);
        let ps = pauses(case);
        let got = if ps.is_empty() {
            cal.add(start, seconds)
        } else {
            cal.add_with_pauses(start, seconds, &ps)
        };
        match got {
            Ok(got) if got == expected_utc && got == expected_local => {
                // And back: the deadline is exactly `seconds` away.
                let back = cal.elapsed_with_pauses(start, got, &ps).unwrap();
                if back != seconds {
                    failures.push(format!(
                        "{id}: elapsed(start, deadline) = {back}, expected {seconds}"
                    ));
                }
            }
            Ok(got) => failures.push(format!(
                "{id}: expected {expected_utc} (local {}), got {got}",
                case["expected_deadline"]
            )),
            Err(e) => failures.push(format!("{id}: expected {expected_utc}, got error {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn elapsed_cases() {
    let doc = load();
    let cases = doc["elapsed_cases"].as_array().expect("elapsed_cases");
    assert!(cases.len() >= 15, "only {} elapsed cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap_or("?");
        let cal = calendar(case);
        let start = instant(&case["start"]);
        let end = instant(&case["end"]);
        let expected = case["expected_business_seconds"]
            .as_i64()
            .expect("expected");
        let ps = pauses(case);
        match cal.elapsed_with_pauses(start, end, &ps) {
            Ok(got) if got == expected => {}
            Ok(got) => failures.push(format!("{id}: expected {expected}, got {got}")),
            Err(e) => failures.push(format!("{id}: expected {expected}, got error {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
