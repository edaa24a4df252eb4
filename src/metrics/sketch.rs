//! A mergeable sketch of durations: exact counts, sums, extremes, and
//! percentiles with a bounded relative error.

use serde::{Deserialize, Serialize};

use crate::metrics::error::SketchError;

/// While a sketch holds at most this many values it keeps them all and its
/// percentiles are exact.
pub const EXACT_LIMIT: usize = 64;

/// Sub-buckets per power of two: `2^SUB_BITS`.
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Values below this have a bucket each (exact).
const LINEAR: u64 = 2 * SUB;

/// The largest relative error of a percentile read from the buckets
/// (1/128, about 0.78%).
pub const RELATIVE_ERROR: f64 = 1.0 / 128.0;

/// The bucket of a value.
fn bucket_of(v: u64) -> usize {
    if v < LINEAR {
        return v as usize;
    }
    let e = 63 - v.leading_zeros(); // >= SUB_BITS + 1
    let shift = e - SUB_BITS; // >= 1
    let sub = (v >> shift) - SUB; // 0..SUB
    (LINEAR + u64::from(e - SUB_BITS - 1) * SUB + sub) as usize
}

/// The smallest and largest value of a bucket (inclusive).
fn bucket_bounds(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < LINEAR {
        return (i, i);
    }
    let j = i - LINEAR;
    let shift = (j / SUB + 1) as u32;
    let sub = j % SUB;
    let lo = (SUB + sub).checked_shl(shift).unwrap_or(u64::MAX);
    let width = 1u64.checked_shl(shift).unwrap_or(u64::MAX);
    (lo, lo.saturating_add(width - 1))
}

/// A streaming, mergeable summary of non-negative durations in whole
/// seconds.
///
/// - **Exact**: count, sum (so the mean), minimum and maximum, whatever the
///   number of values; and every percentile while at most [`EXACT_LIMIT`]
///   values were added (they are kept).
/// - **Bounded error** beyond that: values fall in fixed log-linear buckets
///   (one per second below 128 s, then 64 buckets per power of two), so a
///   percentile read from them is within [`RELATIVE_ERROR`] (1/128, under
///   0.8%) of the exact one, computed the same way (below).
/// - **Mergeable**: merging the sketches of parts gives exactly the sketch of
///   the whole, in any order and grouping (the buckets are fixed, not
///   adapted to the data).
///
/// Percentiles interpolate linearly between the two nearest ranks (the
/// default of numpy and pandas): the `p` percentile of `n` sorted values
/// `x` is `x[k] + (x[k+1] - x[k]) * f` with `k + f = p * (n - 1)`.
///
/// Memory: one `u64` per bucket up to the largest value seen (about 1,100
/// buckets, 9 KB, for values up to a month).
///
/// Counts and the sum saturate at `u64::MAX` (in [`add`](Self::add) as in
/// [`merge`](Self::merge)); they never wrap.
///
/// Deserialising checks that the parts agree (count, sum, extremes, kept
/// values and buckets) and fails with a [`SketchError`] naming the field
/// and value that do not, so a sketch read from storage is always one that
/// adding values could have made.
///
/// ```
/// use supportdesk::metrics::DurationSketch;
/// let mut a = DurationSketch::new();
/// for s in [60, 120, 180, 240] { a.add(s); }
/// let mut b = DurationSketch::new();
/// b.add(3600);
/// a.merge(&b);
/// assert_eq!(a.count(), 5);
/// assert_eq!(a.mean(), Some(840.0));
/// assert_eq!(a.quantile(0.5), Some(180.0)); // exact: few values
/// assert_eq!(a.max(), Some(3600));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawSketch")]
pub struct DurationSketch {
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
    /// Every value, sorted, while `count <= EXACT_LIMIT`; empty after.
    exact: Vec<u64>,
    /// Counts per bucket, up to the largest bucket used.
    buckets: Vec<u64>,
}

impl DurationSketch {
    /// An empty sketch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one duration.
    #[inline]
    pub fn add(&mut self, seconds: u64) {
        if self.count == 0 {
            self.min = seconds;
            self.max = seconds;
        } else {
            self.min = self.min.min(seconds);
            self.max = self.max.max(seconds);
        }
        self.count = self.count.saturating_add(1);
        self.sum = self.sum.saturating_add(seconds);
        let b = bucket_of(seconds);
        if b >= self.buckets.len() {
            self.buckets.resize(b + 1, 0);
        }
        if let Some(c) = self.buckets.get_mut(b) {
            *c = c.saturating_add(1);
        }
        if self.count <= EXACT_LIMIT as u64 {
            let at = self.exact.partition_point(|&x| x <= seconds);
            self.exact.insert(at, seconds);
        } else if !self.exact.is_empty() {
            self.exact = Vec::new();
        }
    }

    /// Adds everything another sketch holds.
    pub fn merge(&mut self, other: &DurationSketch) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            self.min = other.min;
            self.max = other.max;
        } else {
            self.min = self.min.min(other.min);
            self.max = self.max.max(other.max);
        }
        let exact_before = self.count == self.exact.len() as u64;
        let other_exact = other.count == other.exact.len() as u64;
        self.count = self.count.saturating_add(other.count);
        self.sum = self.sum.saturating_add(other.sum);
        if self.buckets.len() < other.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a = a.saturating_add(*b);
        }
        if self.count <= EXACT_LIMIT as u64 && exact_before && other_exact {
            self.exact.extend_from_slice(&other.exact);
            self.exact.sort_unstable();
        } else {
            self.exact = Vec::new();
        }
    }

    /// How many durations were added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Their sum in seconds (saturating at `u64::MAX`).
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// The mean in seconds (exact), `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The smallest duration, `None` when empty.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// The largest duration, `None` when empty.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// Whether percentiles are exact (at most [`EXACT_LIMIT`] values).
    pub fn is_exact(&self) -> bool {
        self.count == self.exact.len() as u64
    }

    /// The `p` percentile (`p` in 0..=1, clamped), interpolated between the
    /// nearest ranks; exact while [`is_exact`](Self::is_exact), otherwise
    /// within [`RELATIVE_ERROR`] of the exact value. `None` when empty.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let p = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
        let pos = p * (self.count - 1) as f64;
        let lo = pos.floor() as u64;
        let hi = pos.ceil() as u64;
        let frac = pos - lo as f64;
        let (a, b) = if self.is_exact() {
            let x = |k: u64| self.exact.get(k as usize).copied().unwrap_or(self.max) as f64;
            (x(lo), x(hi))
        } else {
            (self.ranked(lo), self.ranked(hi))
        };
        Some(a + (b - a) * frac)
    }

    /// The median (the 0.5 percentile).
    pub fn median(&self) -> Option<f64> {
        self.quantile(0.5)
    }

    /// An estimate of the value of 0-based rank `k` from the buckets: the
    /// middle of its bucket, kept within the exact minimum and maximum.
    fn ranked(&self, k: u64) -> f64 {
        let mut seen = 0u64;
        for (i, c) in self.buckets.iter().enumerate() {
            seen = seen.saturating_add(*c);
            if seen > k {
                let (lo, hi) = bucket_bounds(i);
                let mid = (lo as f64 + hi as f64) / 2.0;
                // Not `clamp`: it panics when its bounds are out of order,
                // and this must hold for any state.
                return mid.max(self.min as f64).min(self.max as f64);
            }
        }
        self.max as f64
    }

    /// How many durations are at most `seconds`: exact while the values are
    /// kept, else counted from the buckets (exact when `seconds + 1` starts
    /// a bucket, e.g. any value below 128 or a multiple of a power of two
    /// matching the bucket width).
    pub fn count_at_most(&self, seconds: u64) -> u64 {
        if self.is_exact() {
            return self.exact.partition_point(|&x| x <= seconds) as u64;
        }
        let b = bucket_of(seconds);
        self.buckets
            .iter()
            .take(b + 1)
            .fold(0u64, |a, c| a.saturating_add(*c))
    }
}

/// The serialised form of a [`DurationSketch`], checked before it becomes
/// one.
#[derive(Deserialize)]
struct RawSketch {
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
    exact: Vec<u64>,
    buckets: Vec<u64>,
}

/// How many buckets there are: the bucket of `u64::MAX` is the last.
fn bucket_count() -> usize {
    bucket_of(u64::MAX) + 1
}

impl TryFrom<RawSketch> for DurationSketch {
    type Error = SketchError;

    fn try_from(r: RawSketch) -> Result<Self, SketchError> {
        if r.buckets.len() > bucket_count() {
            return Err(SketchError::TooManyBuckets {
                len: r.buckets.len(),
                max: bucket_count(),
            });
        }
        let in_buckets = r.buckets.iter().fold(0u64, |a, c| a.saturating_add(*c));
        if in_buckets != r.count {
            return Err(SketchError::BucketCount {
                count: r.count,
                buckets: in_buckets,
            });
        }
        if r.count == 0 {
            for (field, value) in [("sum", r.sum), ("min", r.min), ("max", r.max)] {
                if value != 0 {
                    return Err(SketchError::NotEmpty { field, value });
                }
            }
            if let Some(v) = r.exact.first() {
                return Err(SketchError::NotEmpty {
                    field: "exact",
                    value: *v,
                });
            }
            return Ok(DurationSketch {
                buckets: Vec::new(),
                ..DurationSketch::default()
            });
        }
        if r.min > r.max {
            return Err(SketchError::MinAboveMax {
                min: r.min,
                max: r.max,
            });
        }
        // The extremes lie in the first and the last bucket used.
        let first = r.buckets.iter().position(|c| *c > 0).unwrap_or(0);
        let last = r.buckets.iter().rposition(|c| *c > 0).unwrap_or(0);
        for (field, value, bucket) in [("min", r.min, first), ("max", r.max, last)] {
            if bucket_of(value) != bucket {
                let (lo, hi) = bucket_bounds(bucket);
                return Err(SketchError::OutsideBuckets {
                    field,
                    value,
                    lo,
                    hi,
                });
            }
        }
        // The mean lies between the extremes (products saturate like the sum).
        if r.sum < r.min.saturating_mul(r.count) || r.sum > r.max.saturating_mul(r.count) {
            return Err(SketchError::Sum {
                sum: r.sum,
                count: r.count,
                min: r.min,
                max: r.max,
            });
        }
        // Every value is kept while there are at most EXACT_LIMIT, none after.
        let expected = if r.count <= EXACT_LIMIT as u64 {
            r.count
        } else {
            0
        };
        if r.exact.len() as u64 != expected {
            return Err(SketchError::ExactLength {
                len: r.exact.len(),
                expected,
            });
        }
        if !r.exact.is_empty() {
            let mut rebuilt = DurationSketch::new();
            for v in &r.exact {
                rebuilt.add(*v);
            }
            let field = if rebuilt.exact != r.exact {
                Some("exact")
            } else if rebuilt.min != r.min {
                Some("min")
            } else if rebuilt.max != r.max {
                Some("max")
            } else if rebuilt.sum != r.sum {
                Some("sum")
            } else if rebuilt.buckets != r.buckets {
                Some("buckets")
            } else {
                None
            };
            if let Some(field) = field {
                return Err(SketchError::ExactMismatch { field });
            }
        }
        Ok(DurationSketch {
            count: r.count,
            sum: r.sum,
            min: r.min,
            max: r.max,
            exact: r.exact,
            buckets: r.buckets,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_tight() {
        let mut prev_hi = None;
        for i in 0..2000usize {
            let (lo, hi) = bucket_bounds(i);
            if let Some(p) = prev_hi {
                assert_eq!(lo, p + 1, "bucket {i}");
            }
            assert_eq!(bucket_of(lo), i);
            assert_eq!(bucket_of(hi), i);
            // Half the width over the lower bound stays under 1/128.
            assert!(((hi - lo) as f64 / 2.0) / (lo.max(1) as f64) < RELATIVE_ERROR);
            prev_hi = Some(hi);
        }
        assert_eq!(bucket_of(u64::MAX), bucket_of(u64::MAX - 1));
    }

    fn from_json(v: serde_json::Value) -> Result<DurationSketch, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn min_above_max_is_refused_on_reading() {
        // Made by hand: quantile used to panic in `f64::clamp`.
        let err = from_json(serde_json::json!({
            "count": 100, "sum": 5000, "min": 90, "max": 10,
            "exact": [], "buckets": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100]
        }))
        .unwrap_err();
        assert!(err.contains("min 90 is above its max 10"), "{err}");
    }

    #[test]
    fn inconsistent_parts_are_refused_with_the_field() {
        let mut s = DurationSketch::new();
        for v in [3, 5, 700] {
            s.add(v);
        }
        let good = serde_json::to_value(&s).unwrap();
        assert_eq!(from_json(good.clone()).unwrap(), s);
        let cases = [
            (
                "count",
                serde_json::json!(4),
                "count is 4 but its buckets hold 3",
            ),
            ("sum", serde_json::json!(1), "sum 1 cannot be"),
            ("min", serde_json::json!(4), "min 4 is not in"),
            (
                "max",
                serde_json::json!(u64::MAX),
                "max 18446744073709551615",
            ),
            (
                "exact",
                serde_json::json!([5, 3, 700]),
                "disagree with its exact",
            ),
            ("exact", serde_json::json!([3, 5]), "keeps 2 exact values"),
        ];
        for (field, value, message) in cases {
            let mut v = good.clone();
            v[field] = value;
            let err = from_json(v).unwrap_err();
            assert!(err.contains(message), "{field}: {err}");
        }
        let empty = serde_json::json!({"count": 0, "sum": 0, "min": 7, "max": 0, "exact": [], "buckets": []});
        assert!(
            from_json(empty)
                .unwrap_err()
                .contains("empty (count 0) but its min is 7")
        );
    }

    #[test]
    fn sketches_made_by_adding_and_merging_read_back() {
        let mut x = 11u64;
        for round in 0..40u64 {
            let mut a = DurationSketch::new();
            let mut b = DurationSketch::new();
            for i in 0..(round * 7) {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let v = (x >> 20) % (1 << (round % 40));
                if i % 3 == 0 { b.add(v) } else { a.add(v) }
            }
            a.merge(&b);
            for s in [&a, &b] {
                let json = serde_json::to_string(s).unwrap();
                let back: DurationSketch = serde_json::from_str(&json).unwrap();
                assert_eq!(&back, s);
            }
        }
    }

    #[test]
    fn adding_to_a_full_sketch_saturates() {
        let mut s = DurationSketch::new();
        s.add(5);
        let mut full = DurationSketch::new();
        full.add(5);
        full.count = u64::MAX;
        full.buckets[5] = u64::MAX;
        full.exact.clear();
        // `count += 1` used to wrap this to an empty sketch.
        full.add(5);
        assert_eq!(full.count(), u64::MAX);
        assert_eq!(full.quantile(0.5), Some(5.0));
        full.merge(&s);
        assert_eq!(full.count(), u64::MAX);
    }

    #[test]
    fn estimates_stay_within_the_bound() {
        let mut s = DurationSketch::new();
        let mut values = Vec::new();
        let mut x = 7u64;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = (x >> 33) % 500_000;
            values.push(v);
            s.add(v);
        }
        values.sort_unstable();
        assert!(!s.is_exact());
        for p in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
            let pos = p * (values.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            let exact =
                values[lo] as f64 + (values[hi] as f64 - values[lo] as f64) * (pos - lo as f64);
            let est = s.quantile(p).unwrap();
            assert!(
                (est - exact).abs() <= exact * RELATIVE_ERROR + 1e-9,
                "p{p}: {est} vs {exact}"
            );
        }
    }
}
