//! The timer queue against its oracle (the queue as it was, `oracle.rs`):
//! random sequences of pushes, clock advances and pops (one at a time, all
//! due, all due with a seeded permutation of ties) give the same timers in
//! the same order, and the same length and next deadline after every step.

use proptest::prelude::*;

use super::TimerQueue;
use super::oracle::OracleQueue;

#[derive(Clone, Debug)]
enum Op {
    /// A timer at `now + after` (the world never schedules in the past).
    Push {
        after: u64,
    },
    /// A timer at an absolute deadline, possibly already past.
    PushAt {
        deadline: u64,
    },
    /// The clock moves on.
    Advance {
        by: u64,
    },
    PopNext,
    PopDue,
    PopDueInto,
    /// The chooser answers these values in turn (reduced modulo `n`).
    PopDueWith {
        answers: Vec<usize>,
    },
    PopDueWithInto {
        answers: Vec<usize>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    // Small ranges so that deadlines collide often (groups of ties).
    prop_oneof![
        6 => (0u64..8).prop_map(|after| Op::Push { after }),
        2 => (0u64..40).prop_map(|deadline| Op::PushAt { deadline }),
        3 => (0u64..6).prop_map(|by| Op::Advance { by }),
        2 => Just(Op::PopNext),
        1 => Just(Op::PopDue),
        1 => Just(Op::PopDueInto),
        1 => prop::collection::vec(any::<usize>(), 1..6)
            .prop_map(|answers| Op::PopDueWith { answers }),
        1 => prop::collection::vec(any::<usize>(), 1..6)
            .prop_map(|answers| Op::PopDueWithInto { answers }),
    ]
}

/// A chooser replaying `answers` in a cycle, logging the `n` it was asked.
fn replay(
    answers: &[usize],
) -> (
    impl FnMut(usize) -> usize + '_,
    std::rc::Rc<std::cell::RefCell<Vec<usize>>>,
) {
    let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = log.clone();
    let mut i = 0;
    let f = move |n| {
        seen.borrow_mut().push(n);
        let a = answers[i % answers.len()];
        i += 1;
        a
    };
    (f, log)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn same_order_as_the_oracle(ops in prop::collection::vec(op(), 0..200)) {
        let mut new = TimerQueue::new();
        let mut old = OracleQueue::new();
        let mut now = 0u64;
        let mut next_item = 0u32;
        let mut buf = Vec::new();
        for op in ops {
            match op {
                Op::Push { after } => {
                    prop_assert_eq!(new.push(now + after, next_item), old.push(now + after, next_item));
                    next_item += 1;
                }
                Op::PushAt { deadline } => {
                    prop_assert_eq!(new.push(deadline, next_item), old.push(deadline, next_item));
                    next_item += 1;
                }
                Op::Advance { by } => now += by,
                Op::PopNext => prop_assert_eq!(new.pop_next_due(now), old.pop_next_due(now)),
                Op::PopDue => prop_assert_eq!(new.pop_due(now), old.pop_due(now)),
                Op::PopDueInto => {
                    // Appends after what the buffer holds.
                    buf.clear();
                    buf.push(u32::MAX);
                    let n = new.pop_due_into(now, &mut buf);
                    let want: Vec<u32> = old.pop_due(now).into_iter().map(|(_, x)| x).collect();
                    prop_assert_eq!(n, want.len());
                    prop_assert_eq!(buf[0], u32::MAX);
                    prop_assert_eq!(&buf[1..], &want[..]);
                }
                Op::PopDueWith { answers } => {
                    let (mut a, log_a) = replay(&answers);
                    let (mut b, log_b) = replay(&answers);
                    prop_assert_eq!(new.pop_due_with(now, &mut a), old.pop_due_with(now, &mut b));
                    prop_assert_eq!(&*log_a.borrow(), &*log_b.borrow());
                }
                Op::PopDueWithInto { answers } => {
                    let (mut a, log_a) = replay(&answers);
                    let (mut b, log_b) = replay(&answers);
                    buf.clear();
                    let n = new.pop_due_with_into(now, &mut a, &mut buf);
                    let want: Vec<u32> =
                        old.pop_due_with(now, &mut b).into_iter().map(|(_, x)| x).collect();
                    prop_assert_eq!(n, want.len());
                    prop_assert_eq!(&buf, &want);
                    prop_assert_eq!(&*log_a.borrow(), &*log_b.borrow());
                }
            }
            prop_assert_eq!(new.len(), old.len());
            prop_assert_eq!(new.is_empty(), old.is_empty());
            prop_assert_eq!(new.peek_deadline(), old.peek_deadline());
            prop_assert!(new.spare_buckets() <= super::SPARE_BUCKETS);
        }
        // Everything left comes out in the same order too.
        prop_assert_eq!(new.pop_due(u64::MAX), old.pop_due(u64::MAX));
    }
}
