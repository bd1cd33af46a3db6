//! Runs recorded on many threads at once record the same trace: no thread's
//! recording can disturb another's (see gene_sim::trace::route).

use gene_sim::RunConfig;

#[test]
fn concurrent_recordings_are_identical() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/examples/race.gene");
    let text = std::fs::read_to_string(path).expect("race.gene");
    let config = RunConfig {
        root: std::env::temp_dir(),
        ..RunConfig::default()
    };
    let record = || {
        let (_, trace) = gene_sim::run_collected("race.gene", &text, &config, &mut std::io::sink())
            .expect("runs");
        trace.records
    };
    let reference = record();
    assert!(reference.len() > 20);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..25 {
                        // Plain runs on the same threads, between recordings.
                        gene_sim::run("plain.gene", &text, &config, &mut std::io::sink())
                            .expect("runs");
                        assert_eq!(record(), reference);
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("a worker");
        }
    });
}
