//! SLA policies in their JSON form: what is accepted, and that a misspelt
//! or misplaced key is an error naming it instead of being ignored.

use supportdesk::Priority;
use supportdesk::sla::{MetricDef, SlaPolicy, TimeBasis, WarnAt};

const GOOD: &str = r#"{
    "id": "standard",
    "version": 3,
    "conditions": {"priorities": ["high", "urgent"]},
    "metrics": [
        "first_reply",
        {"name": "callback", "start": "latest_customer_message", "fulfilment": "agent_reply",
         "pause_in": ["pending"], "repeats": true}
    ],
    "targets": [
        {"metric": "first_reply", "priority": "high", "seconds": 3600,
         "basis": "business", "calendar": "ny"},
        {"metric": "callback", "priority": "high", "channel": "phone", "seconds": 900,
         "basis": "calendar"},
        {"metric": "first_reply", "priority": "low", "seconds": 7200, "basis": "calendar"},
        {"metric": "first_reply", "priority": "normal", "seconds": 7200, "basis": "calendar"},
        {"metric": "first_reply", "priority": "urgent", "seconds": 1800, "basis": "calendar"},
        {"metric": "callback", "priority": "low", "seconds": 1800, "basis": "calendar"},
        {"metric": "callback", "priority": "normal", "seconds": 1800, "basis": "calendar"},
        {"metric": "callback", "priority": "urgent", "seconds": 900, "basis": "calendar"}
    ],
    "warnings": [{"at": "share", "share": 0.75}, {"at": "before", "seconds": 600}],
    "escalation": [{"trigger": {"on": "breach"}, "level": 2, "notify": {"notify": "team"}}]
}"#;

fn parse(text: &str) -> Result<SlaPolicy, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// `GOOD` with one substring replaced.
fn with(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn a_full_policy_parses_and_round_trips() {
    let p = parse(GOOD).unwrap();
    assert_eq!(p.version, 3);
    assert_eq!(p.metrics[0], MetricDef::first_reply());
    assert!(p.metrics[1].repeats);
    assert_eq!(
        p.targets[0].basis,
        TimeBasis::Business {
            calendar: "ny".into()
        }
    );
    assert_eq!(p.targets[1].basis, TimeBasis::Calendar);
    assert_eq!(p.targets[0].priority, Priority::High);
    assert_eq!(p.warnings[1], WarnAt::Before { seconds: 600 });
    let again = parse(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(again, p);
}

#[test]
fn misspelt_keys_are_errors_that_name_them() {
    for (from, to, key) in [
        ("\"warnings\"", "\"warnigns\"", "warnigns"),
        ("\"priorities\"", "\"priority\"", "priority"),
        ("\"seconds\": 3600", "\"secs\": 3600", "secs"),
        ("\"channel\": \"phone\"", "\"chanel\": \"phone\"", "chanel"),
        ("\"pause_in\"", "\"paused_in\"", "paused_in"),
        (
            "\"share\": 0.75",
            "\"share\": 0.75, \"minutes\": 5",
            "minutes",
        ),
        ("\"level\": 2", "\"level\": 2, \"to\": 1", "to"),
    ] {
        let err = parse(&with(from, to)).unwrap_err();
        assert!(err.contains(&format!("`{key}`")), "{key}: {err}");
    }
}

#[test]
fn the_basis_and_calendar_must_agree() {
    let err = parse(&with(", \"calendar\": \"ny\"", "")).unwrap_err();
    assert!(
        err.contains("target for metric \"first_reply\": basis \"business\" needs a \"calendar\""),
        "{err}"
    );
    let err = parse(&with(
        "\"basis\": \"calendar\"",
        "\"basis\": \"calendar\", \"calendar\": \"ny\"",
    ))
    .unwrap_err();
    assert!(err.contains("names calendar \"ny\""), "{err}");
    let err = parse(&with("\"basis\": \"calendar\"", "\"basis\": \"weekly\"")).unwrap_err();
    assert!(err.contains("weekly"), "{err}");
}

#[test]
fn unknown_presets_list_the_known_ones() {
    let err = parse(&with("\"first_reply\",", "\"first_replies\",")).unwrap_err();
    assert!(
        err.contains("unknown metric preset \"first_replies\""),
        "{err}"
    );
    assert!(err.contains("next_reply"), "{err}");
}
