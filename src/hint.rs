//! Hints to the processor that change no value: asking for memory ahead of
//! its use. Bulk loops over data spread on the heap (a million histories,
//! facts with their tag lists) ask for the next items while they work on
//! the current one, so the wait for memory overlaps the work.

/// Asks the processor to bring the cache line of `x` into every cache
/// level without waiting for it: a prefetch instruction on x86 and x86_64,
/// nothing elsewhere. A hint only: no value the program reads changes, and
/// a reference is always a valid address to prefetch.
#[inline]
pub(crate) fn prefetch<T>(x: &T) {
    mem_prefetch::prefetch_read_data::<T, 3>(x);
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prefetch_changes_nothing() {
        let v = vec![1u64, 2, 3];
        for x in &v {
            super::prefetch(x);
        }
        assert_eq!(v, [1, 2, 3]);
    }
}
