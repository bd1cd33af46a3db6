//! Delta debugging (Zeller and Hildebrandt's ddmin) over a list of
//! decisions: the smallest sublist, found by removing chunks, for which a
//! predicate ("this run fails in the same way") still holds.
//!
//! Hand-written: no maintained crate offers ddmin over an arbitrary
//! predicate; the algorithm is a few lines. Deterministic: the same list
//! and predicate give the same result. Bounded by `max_tests` predicate
//! calls; the result says whether the bound cut it short.

/// What shrinking found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shrunk<T> {
    /// The smallest list found that still fails.
    pub items: Vec<T>,
    /// How many times the predicate ran.
    pub tests: usize,
    /// The size after each reduction step, starting with the input's.
    pub steps: Vec<usize>,
    /// True when `max_tests` stopped the search before it was 1-minimal.
    pub cut_short: bool,
}

/// Reduces `items` (which must fail) to a 1-minimal failing sublist:
/// removing any single remaining item makes `fails` false, unless the
/// bound on tests was hit.
pub fn ddmin<T: Clone>(
    items: Vec<T>,
    max_tests: usize,
    fails: &mut dyn FnMut(&[T]) -> bool,
) -> Shrunk<T> {
    let mut current = items;
    let mut steps = vec![current.len()];
    let mut tests = 0;
    let mut n = 2usize;
    while current.len() >= 2 || (current.len() == 1 && n == 2) {
        let len = current.len();
        let chunk = len.div_ceil(n.min(len.max(1)));
        let mut reduced = false;
        // Try each chunk's complement (removing the chunk).
        let mut start = 0;
        while start < len {
            if tests >= max_tests {
                return Shrunk {
                    items: current,
                    tests,
                    steps,
                    cut_short: true,
                };
            }
            let end = (start + chunk).min(len);
            let rest: Vec<T> = current[..start]
                .iter()
                .chain(&current[end..])
                .cloned()
                .collect();
            tests += 1;
            if fails(&rest) {
                current = rest;
                steps.push(current.len());
                n = (n - 1).max(2);
                reduced = true;
                break;
            }
            start = end;
        }
        if reduced {
            continue;
        }
        if chunk <= 1 {
            break;
        }
        n = (n * 2).min(len);
    }
    Shrunk {
        items: current,
        tests,
        steps,
        cut_short: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_two_items_that_matter() {
        let items: Vec<u32> = (0..40).collect();
        let mut fails = |xs: &[u32]| xs.contains(&7) && xs.contains(&31);
        let out = ddmin(items, 10_000, &mut fails);
        assert_eq!(out.items, vec![7, 31]);
        assert!(!out.cut_short);
        assert_eq!(out.steps.first(), Some(&40));
        assert_eq!(out.steps.last(), Some(&2));
    }

    #[test]
    fn the_result_is_one_minimal() {
        // Fails while at least 3 even numbers remain: any 3 evens are
        // minimal, and removing any one must make it pass.
        let items: Vec<u32> = (0..30).collect();
        let mut fails = |xs: &[u32]| xs.iter().filter(|x| *x % 2 == 0).count() >= 3;
        let out = ddmin(items, 10_000, &mut fails);
        assert_eq!(out.items.len(), 3);
        for i in 0..out.items.len() {
            let mut less = out.items.clone();
            less.remove(i);
            assert!(!fails(&less));
        }
    }

    #[test]
    fn an_empty_list_that_fails_shrinks_to_nothing() {
        let out = ddmin(vec![1, 2, 3], 100, &mut |_: &[i32]| true);
        assert!(out.items.is_empty());
    }

    #[test]
    fn the_bound_is_reported() {
        let items: Vec<u32> = (0..64).collect();
        let out = ddmin(items, 3, &mut |xs: &[u32]| xs.contains(&5));
        assert!(out.cut_short);
        assert_eq!(out.tests, 3);
        assert!(out.items.contains(&5));
    }
}
