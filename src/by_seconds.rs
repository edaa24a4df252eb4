//! Sorting values whose order starts with an instant: a radix sort of the
//! instants' seconds, then each run of one second by the whole order.
//!
//! Low scores (a summary's follow-up list) and repeat pairs (a repeat
//! report's) are ordered by instant first and come in no useful order; a
//! comparison sort of 100,000 of them mispredicted a branch at most of its
//! comparisons. Counting their seconds since the earliest, up to 12 bits at
//! a time, does not branch on the data.

/// `items` in their `Ord` order, given `seconds`, a key the order starts
/// with (`seconds(a) < seconds(b)` implies `a < b`): a stable radix sort of
/// the seconds since the earliest, then each run of one second sorted by
/// `Ord`. When the seconds span 2^32 or more, or there are 2^32 items or
/// more, a comparison sort.
///
/// Items equal under `Ord` may come in any order among themselves, as with
/// `sort_unstable`.
pub(crate) fn sorted_by_seconds<T: Ord + Clone>(
    items: &[T],
    seconds: impl Fn(&T) -> i64,
) -> Vec<T> {
    let (Some(min), Some(max)) = (
        items.iter().map(&seconds).min(),
        items.iter().map(&seconds).max(),
    ) else {
        return Vec::new();
    };
    let span = u32::try_from(max.saturating_sub(min)).ok();
    let (Some(span), Ok(_)) = (span, u32::try_from(items.len())) else {
        let mut v = items.to_vec();
        v.sort_unstable();
        return v;
    };
    // (offset, index) pairs, sorted by offset a digit at a time: as few
    // passes of at most 12 bits as the span needs (two for a few months).
    let bits = u32::BITS - span.leading_zeros();
    let passes = bits.div_ceil(12);
    let digit = bits.div_ceil(passes.max(1)).max(1);
    let mask = (1usize << digit) - 1;
    let offset = |x: &T| u32::try_from(seconds(x).saturating_sub(min)).unwrap_or(u32::MAX);
    let mut keys: Vec<(u32, u32)> = items
        .iter()
        .zip(0u32..)
        .map(|(x, i)| (offset(x), i))
        .collect();
    let mut spare = keys.clone();
    let mut starts = vec![0usize; mask + 1];
    for pass in 0..passes {
        let shift = pass * digit;
        starts.fill(0);
        for &(k, _) in &keys {
            if let Some(c) = starts.get_mut((k >> shift) as usize & mask) {
                *c += 1;
            }
        }
        let mut at = 0;
        for c in &mut starts {
            let n = *c;
            *c = at;
            at += n;
        }
        for &(k, i) in &keys {
            if let Some(c) = starts.get_mut((k >> shift) as usize & mask) {
                if let Some(slot) = spare.get_mut(*c) {
                    *slot = (k, i);
                }
                *c += 1;
            }
        }
        std::mem::swap(&mut keys, &mut spare);
    }
    let mut v: Vec<T> = keys
        .iter()
        .filter_map(|&(_, i)| items.get(i as usize).cloned())
        .collect();
    // Within one second, by the whole order.
    let mut start = 0;
    for k in 1..=keys.len() {
        let next = keys.get(k).map(|p| p.0);
        if next == keys.get(start).map(|p| p.0) {
            continue;
        }
        if k - start > 1 {
            if let Some(run) = v.get_mut(start..k) {
                run.sort_unstable();
            }
        }
        start = k;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// Equal to a comparison sort, over values whose seconds span a few
    /// seconds (long runs of one second), a day, two months (two passes of
    /// 12 bits), nearly 2^32 seconds (three of 11), and 300 years (past
    /// 2^32 seconds: the comparison sort's path), with negative instants.
    #[test]
    fn equals_a_comparison_sort() {
        let mut runner = TestRunner::new(Config::with_cases(128));
        let cases = prop_oneof![
            Just(4i64),
            Just(86_400),
            Just(2_600_000),
            Just(2_147_000_000),
            Just(300 * 31_557_600)
        ]
        .prop_flat_map(|span| {
            prop::collection::vec(
                (-span..span, 0u8..4, "[ab]{0,2}").prop_map(|(s, n, t)| (s, n, t)),
                0..1500,
            )
        });
        let result = runner.run(&cases, |v| {
            let mut want = v.clone();
            want.sort();
            prop_assert_eq!(sorted_by_seconds(&v, |x| x.0), want);
            Ok(())
        });
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn by_hand() {
        let v = [(5i64, 'b'), (-3, 'z'), (5, 'a'), (i64::MIN, 'x'), (0, 'q')];
        let got = sorted_by_seconds(&v, |x| x.0);
        assert_eq!(
            got,
            [(i64::MIN, 'x'), (-3, 'z'), (0, 'q'), (5, 'a'), (5, 'b')]
        );
        let w = [(5i64, 'b'), (-3, 'z'), (5, 'a'), (0, 'q')];
        assert_eq!(
            sorted_by_seconds(&w, |x| x.0),
            [(-3, 'z'), (0, 'q'), (5, 'a'), (5, 'b')]
        );
        assert!(sorted_by_seconds::<(i64, char)>(&[], |x| x.0).is_empty());
        // One second: no pass, the run sorted.
        assert_eq!(
            sorted_by_seconds(&[(7i64, 'b'), (7, 'a')], |x| x.0),
            [(7, 'a'), (7, 'b')]
        );
    }
}
