//! The invariant checkers' findings name tasks and futures as every tool
//! does (`trace::names`), with their numbers: `check`, `explore` and
//! `run --check` print them.

use gene_sim::RunConfig;
use gene_sim::trace::check;

#[test]
fn a_broken_invariant_names_its_task_and_future() {
    let text = "(fn ^^async add [n]\n  (await (gene/sleep_async 5))\n  n)\n(await (add 2))\n";
    let (_, trace) =
        gene_sim::run_collected("c.gene", text, &RunConfig::default(), &mut std::io::sink())
            .expect("it compiles");
    assert!(check::check(&trace.records).is_empty(), "a sound run");
    // Without the sleep's resolution, add wakes up on a pending future.
    let records: Vec<_> = trace
        .records
        .iter()
        .filter(|r| !(&*r.kind == "future.resolved" && r.u64("future") == Some(2)))
        .cloned()
        .collect();
    assert_eq!(records.len() + 1, trace.records.len());
    let found: Vec<String> = check::check(&records)
        .iter()
        .map(|v| v.message.clone())
        .collect();
    assert!(
        found.contains(
            &"add (task 2) resumes before sleep 5ms @c.gene:2 (future 2) resolved".into()
        ),
        "{found:#?}"
    );
}
