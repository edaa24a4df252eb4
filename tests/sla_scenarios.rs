//! The shipped SLA scenario file (`examples/data/sla_scenarios.json`, format
//! documented in `docs/sla-scenarios.md`) passes in full.

use supportdesk::sla::scenario::{self, ScenarioFile};

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/data/sla_scenarios.json"
);

fn load() -> ScenarioFile {
    let text = std::fs::read_to_string(FILE).unwrap_or_else(|e| panic!("cannot read {FILE}: {e}"));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{FILE} is not a valid scenario file: {e}"))
}

#[test]
fn shipped_scenarios_all_pass() {
    let file = load();
    let outcomes = scenario::run_all(&file);
    assert!(
        outcomes.len() >= 40,
        "the shipped file must hold at least 40 scenarios, it has {}",
        outcomes.len()
    );
    let mut report = String::new();
    let mut failed = 0usize;
    for o in outcomes.iter().filter(|o| !o.passed()) {
        failed += 1;
        report.push_str(&format!("FAIL {}\n", o.id));
        for f in &o.failures {
            report.push_str(&format!("  {f}\n"));
        }
    }
    if failed > 0 {
        eprint!("{report}");
    }
    assert_eq!(
        failed,
        0,
        "{failed} of {} scenarios failed:\n{report}",
        outcomes.len()
    );
}

#[test]
fn scenario_ids_are_unique() {
    let file = load();
    let mut ids: Vec<&str> = file.scenarios.iter().map(|s| s.id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "duplicate scenario ids");
}
