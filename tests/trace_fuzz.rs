//! Corrupted traces never panic or exhaust memory: the reader keeps the
//! valid prefix and names the line, and the checkers run on what it kept.
//! Corruptions: huge or negative numbers in any numeric field, cuts at any
//! byte, duplicated and dropped lines, garbage bytes.

use proptest::prelude::*;

fn sample_trace() -> Vec<u8> {
    use gene_sim::trace::SharedBuf as Buf;
    let text = "(var f (gene/sleep_async 10))\n(var g (new gene/Future))\n\
                (f .on_success (fnx [v] (g .complete 1)))\n\
                (async (do (await g) (println \"woke\")))\n\
                (try (await (async (throw \"x\"))) catch * (println $ex))\n\
                (fn h [n] (if (n > 0) (h (n - 1)) else n))\n(h 50)\n";
    let buf = Buf::default();
    gene_sim::run_traced(
        "fuzz.gene",
        text,
        &gene_sim::RunConfig::default(),
        &mut std::io::sink(),
        Some(Box::new(buf.clone())),
    )
    .expect("loads");
    buf.0.lock().unwrap().clone()
}

#[derive(Clone, Debug)]
enum Corruption {
    /// Replace the k-th number of the trace with this text.
    Number(usize, String),
    /// Cut the file at this fraction of its length.
    Cut(f64),
    /// Duplicate line k.
    Duplicate(usize),
    /// Drop line k.
    Drop(usize),
    /// Overwrite bytes at a fraction of the length.
    Garbage(f64, Vec<u8>),
}

fn corruption() -> impl Strategy<Value = Corruption> {
    let huge = prop_oneof![
        Just("4000000000".to_string()),
        Just("18446744073709551615".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("-1".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("1e300".to_string()),
        (0u64..u64::MAX).prop_map(|n| n.to_string()),
    ];
    prop_oneof![
        (0usize..5000, huge).prop_map(|(k, s)| Corruption::Number(k, s)),
        (0.0f64..1.0).prop_map(Corruption::Cut),
        (0usize..500).prop_map(Corruption::Duplicate),
        (0usize..500).prop_map(Corruption::Drop),
        (0.0f64..1.0, proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, b)| Corruption::Garbage(at, b)),
    ]
}

fn apply(trace: &[u8], cs: &[Corruption]) -> Vec<u8> {
    let mut t = trace.to_vec();
    for c in cs {
        match c {
            Corruption::Number(k, s) => {
                let text = String::from_utf8_lossy(&t).into_owned();
                let mut starts = Vec::new();
                let b = text.as_bytes();
                for i in 0..b.len() {
                    if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
                        starts.push(i);
                    }
                }
                if starts.is_empty() {
                    continue;
                }
                let at = starts[k % starts.len()];
                let end = at + b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
                t = [&b[..at], s.as_bytes(), &b[end..]].concat();
            }
            Corruption::Cut(f) => t.truncate((t.len() as f64 * f) as usize),
            Corruption::Duplicate(k) | Corruption::Drop(k) => {
                let mut lines: Vec<Vec<u8>> = t
                    .split_inclusive(|&b| b == b'\n')
                    .map(<[u8]>::to_vec)
                    .collect();
                if lines.is_empty() {
                    continue;
                }
                let i = k % lines.len();
                if matches!(c, Corruption::Duplicate(_)) {
                    let l = lines[i].clone();
                    lines.insert(i, l);
                } else {
                    lines.remove(i);
                }
                t = lines.concat();
            }
            Corruption::Garbage(at, bytes) => {
                let i = ((t.len() as f64 * at) as usize).min(t.len());
                t.splice(i..i, bytes.iter().copied());
            }
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn corrupted_traces_read_and_check_without_panic(cs in proptest::collection::vec(corruption(), 1..4)) {
        let clean = sample_trace();
        let bad = apply(&clean, &cs);
        if let Ok(trace) = gene_sim::trace::read::read(&bad[..]) {
            let _ = gene_sim::trace::check::check(&trace.records);
            // Indexing by poll is sized by what was read, not by the numbers in it.
            prop_assert!(trace.polls.len() <= trace.records.len() + 1);
        }
    }
}
