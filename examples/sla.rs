//! SLA scenarios: check a file of them, or explain one.
//!
//! ```text
//! cargo run --example sla -- check examples/data/sla_scenarios.json
//! cargo run --example sla -- explain examples/data/sla_scenarios.json SCENARIO_ID
//! ```
//!
//! `check` prints each failing scenario with what differed, then a final
//! line `N passed, M failed`, and exits non-zero on any failure or on a file
//! it cannot read. The format is documented in `docs/sla-scenarios.md`.

use std::io::Write as _;
use std::process::ExitCode;

use supportdesk::sla::{self, scenario};

const USAGE: &str = "usage: sla check FILE | sla explain FILE SCENARIO_ID";

fn load(path: &str) -> Result<scenario::ScenarioFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path} is not a valid scenario file: {e}"))
}

fn check(path: &str) -> Result<bool, String> {
    let file = load(path)?;
    let outcomes = scenario::run_all(&file);
    let mut failed = 0usize;
    for o in &outcomes {
        if !o.passed() {
            failed += 1;
            println!("FAIL {}", o.id);
            for f in &o.failures {
                println!("  {f}");
            }
        }
    }
    println!("{} passed, {} failed", outcomes.len() - failed, failed);
    Ok(failed == 0)
}

fn explain(path: &str, id: &str) -> Result<bool, String> {
    let file = load(path)?;
    let s = file
        .scenarios
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| format!("no scenario {id:?} in {path}"))?;
    let events = scenario::events_of(&file, s)?;
    let report = sla::evaluate(&events, &file.calendars, s.now, None).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let mut text = format!("{} — {}\nat {}\n\n", s.id, s.description, s.now);
    for t in &report.targets {
        let e = sla::explain(t, &file.calendars).map_err(|e| e.to_string())?;
        text.push_str(&format!("{e}\n"));
    }
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    Ok(true)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [cmd, file] if cmd == "check" => check(file),
        [cmd, file, id] if cmd == "explain" => explain(file, id),
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
