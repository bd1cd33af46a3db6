//! The per-poll state hash reflects program state, not counters only: runs
//! that differ in a value no event shows differ in the hash of the poll
//! where they part, and the first differing trace line is that poll's end.

use std::path::Path;

use gene_sim::{RunConfig, Schedule};
use gene_vm::VmConfig;
use gene_vm::mutation::Mutation;

use gene_sim::trace::SharedBuf as Buf;

fn trace(text: &str, config: &RunConfig) -> String {
    let buf = Buf::default();
    gene_sim::run_traced(
        "prog.gene",
        text,
        config,
        &mut std::io::sink(),
        Some(Box::new(buf.clone())),
    )
    .expect("loads");
    String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
}

fn hashes(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter(|l| l.starts_with("[\"pe\","))
        .map(|l| {
            // `["pe",delivered,"hash"]`
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v[2].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn race_outcomes_end_with_different_hashes() {
    // Seeds 0 and 1 of the bundled race save different balances (50, 70).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/examples/race.gene");
    let text = std::fs::read_to_string(path).unwrap();
    let at = |seed| RunConfig {
        seed,
        schedule: Schedule::Random,
        ..RunConfig::default()
    };
    let (a, b) = (trace(&text, &at(0)), trace(&text, &at(1)));
    assert_ne!(hashes(&a).last(), hashes(&b).last());
    // And the same seed twice hashes the same.
    assert_eq!(hashes(&a), hashes(&trace(&text, &at(0))));
}

/// A program whose hidden write (42, stored in a register and then
/// overwritten) changes no event: the poll it happens in is the one whose
/// `poll.end` first differs.
#[test]
fn a_hidden_write_changes_the_hash_of_its_poll() {
    let text = "(var x 0)\n(var i 0)\n(while (i < 300) (i += 1))\n(x = 42)\n(x = 0)\n(while (i < 600) (i += 1))\n(println \"done\" x)\n";
    let config = RunConfig {
        vm: VmConfig {
            mutation: Some(Mutation::HiddenWrite),
            ..VmConfig::default()
        },
        ..RunConfig::default()
    };
    // The mutation strikes every other VM of the process: of two runs in a
    // row, exactly one is struck.
    let (a, b) = (trace(text, &config), trace(text, &config));
    assert_ne!(a, b, "the hash misses a write no event shows");
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    assert_eq!(la.len(), lb.len(), "the mutation shows in an event");
    let first = (0..la.len()).find(|&i| la[i] != lb[i]).unwrap();
    let rec: serde_json::Value = serde_json::from_str(la[first]).unwrap();
    assert_eq!(rec[0], "pe", "first difference: {}", la[first]);
    // The write of 42 comes after the first loop's 300 iterations, a few
    // polls in, and before the end: not the first poll, not the last.
    // Its poll: the one the last poll.begin before it opened (format v3).
    let poll = la[..first]
        .iter()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v[0] == "pb")
        .and_then(|v| v[1].as_u64())
        .unwrap();
    let polls = hashes(&a).len() as u64;
    assert!(poll > 0 && poll + 1 < polls, "poll {poll} of {polls}");
    // Without the mutation the two runs are identical.
    let plain = RunConfig::default();
    assert_eq!(trace(text, &plain), trace(text, &plain));
}
