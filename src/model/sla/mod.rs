//! SLA values: metric definitions, policy data, alerts.

pub(crate) mod alert;
pub(crate) mod metric;
pub(crate) mod policy;

/// "2h 30m", "45m", "3d 4h", "59s": a duration for people.
pub fn human(seconds: i64) -> String {
    let neg = seconds < 0;
    let s = seconds.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d}d"));
    }
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if sec > 0 || parts.is_empty() {
        parts.push(format!("{sec}s"));
    }
    format!("{}{}", if neg { "-" } else { "" }, parts.join(" "))
}
