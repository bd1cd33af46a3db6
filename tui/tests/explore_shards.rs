//! `explore --format json --output FILE` per shard and `explore --merge
//! FILE...`: the merged report is the unsharded run's, byte for byte, and
//! a wrong set of shard files is refused with a clear error.

mod common;
use common::{gene_trace, repo_file, scratch, text};

/// Runs the shards of `args` into `dir/shard-i.json`; their paths.
fn shards(dir: &std::path::Path, args: &[&str], n: u64) -> Vec<String> {
    (1..=n)
        .map(|i| {
            let path = dir.join(format!("shard-{i}.json"));
            let shard = format!("{i}/{n}");
            let extra = [
                "--shard",
                &shard,
                "--format",
                "json",
                "--output",
                path.to_str().unwrap(),
            ];
            let out = gene_trace(&[&["explore"][..], args, &extra].concat(), "");
            assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
            assert!(path.exists(), "{}", text(&out.stderr));
            path.display().to_string()
        })
        .collect()
}

#[test]
fn merged_shards_print_the_unsharded_report_byte_for_byte() {
    let dir = scratch("explore-merge");
    let race = repo_file("fixtures/examples/race.gene");
    let ten = repo_file("tui/benches/programs/ten_tasks.gene");
    let cases: [&[&str]; 3] = [
        &[&race, "--seeds", "150"],
        &[
            &race,
            "--seeds",
            "100",
            "--seed",
            "7",
            "--fail-probability",
            "0.3",
        ],
        &[&ten, "--seeds", "60", "--root", dir.to_str().unwrap()],
    ];
    for args in cases {
        let whole = gene_trace(&[&["explore"][..], args].concat(), "");
        let report = text(&whole.stdout);
        assert!(report.matches("  outcome ").count() > 1, "{report}");
        // The race fails: its report shows a shrunk failure, which the
        // merge must show the same.
        if args[0] == race {
            assert!(report.contains("\nshrunk "), "{report}");
        }
        assert!(!report.contains("seeds/s"), "no wall time in the report");
        assert!(
            text(&whole.stderr).contains("seeds/s"),
            "{}",
            text(&whole.stderr)
        );
        let mut files = shards(&dir, args, 3);
        files.rotate_left(1);
        let mut merge = vec!["explore", "--merge"];
        merge.extend(files.iter().map(String::as_str));
        let merged = gene_trace(&merge, "");
        assert_eq!(
            text(&merged.stdout),
            report,
            "{args:?}: {}",
            text(&merged.stderr)
        );
        assert_eq!(merged.status.code(), whole.status.code(), "{args:?}");
        // Each shard ran a third of the seeds, and says so.
        let one: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
        assert_eq!(one["shard"]["index"], 2);
        assert!(one["summary"]["runs"].as_u64().unwrap() < 60);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_shard_file_holds_outcomes_violations_and_failures() {
    let dir = scratch("explore-json");
    let race = repo_file("fixtures/examples/race.gene");
    let out = gene_trace(&["explore", &race, "--seeds", "40", "--format", "json"], "");
    assert_eq!(
        out.status.code(),
        Some(1),
        "race's outcomes break # Expected:"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "gene-trace-explore");
    assert_eq!(v["expected"]["source"], "# Expected:");
    let first = &v["summary"]["outcomes"][0];
    assert_eq!(first["first"]["seed"], 0);
    assert_eq!(first["first"]["result"], "ok");
    assert!(
        first["first"]["output"]
            .as_str()
            .unwrap()
            .contains("withdrew")
    );
    assert!(first["first"]["outcome"].as_str().unwrap().len() == 12);
    assert!(first["count"].as_u64().unwrap() > 0);
    assert!(v["summary"]["violations"].is_array());
    let failing = v["failing"].as_array().unwrap();
    assert!(
        failing.iter().any(|f| f["failure"] == "unexpected output"),
        "{failing:?}"
    );
    // Coverage and the shrunk failures are the summary's.
    assert!(!v["summary"]["prefixes"].as_array().unwrap().is_empty());
    let shrunk = v["summary"]["shrunk"].as_array().unwrap();
    assert!(
        shrunk
            .iter()
            .any(|s| s["file"].as_str().unwrap().contains("mode sparse")),
        "{shrunk:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_refuses_what_is_not_one_exploration() {
    let dir = scratch("explore-merge-bad");
    let race = repo_file("fixtures/examples/race.gene");
    let files = shards(&dir, &[&race, "--seeds", "30"], 3);
    let other_dir = dir.join("other");
    std::fs::create_dir_all(&other_dir).unwrap();
    let other = shards(&other_dir, &[&race, "--seeds", "31"], 3);
    let truncated = dir.join("truncated.json");
    let whole = std::fs::read_to_string(&files[1]).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, whole.replacen("\"count\": ", "\"count\": 1", 1)).unwrap();
    let future = dir.join("future.json");
    std::fs::write(
        &future,
        whole.replacen("\"version\": 1", "\"version\": 9", 1),
    )
    .unwrap();
    let not_json = dir.join("trace.jsonl");
    std::fs::write(&not_json, "{\"format\":\"gene-trace\"}\n").unwrap();
    let (a, b, c) = (files[0].as_str(), files[1].as_str(), files[2].as_str());
    let t = truncated.to_str().unwrap();
    let cases: Vec<(Vec<&str>, u8, &str)> = vec![
        (vec![a, c], 2, "missing shard(s): 2/3"),
        (vec![a, b, b, c], 2, "are both shard 2/3"),
        (vec![a, &other[1], c], 2, "the explore command differs"),
        (vec![a, t, c], 1, "not JSON (truncated?)"),
        (
            vec![a, tampered.to_str().unwrap(), c],
            1,
            "a damaged shard file",
        ),
        (
            vec![a, future.to_str().unwrap(), c],
            1,
            "this tool reads version 1 only",
        ),
        (
            vec![not_json.to_str().unwrap()],
            1,
            "not an explore shard file",
        ),
        (vec![a, "/no/such/shard.json", c], 2, "/no/such/shard.json"),
    ];
    for (list, status, message) in cases {
        let out = gene_trace(&[&["explore", "--merge"][..], &list].concat(), "");
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(i32::from(status)),
            "{list:?}: {err}"
        );
        assert!(
            err.starts_with("error: ") && err.contains(message),
            "{list:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{list:?}");
    }
    // --merge stands alone.
    for extra in [&["--seeds", "3"][..], &["--full"], &["--jobs", "2"]] {
        let out = gene_trace(&[&["explore", "--merge", a, b, c][..], extra].concat(), "");
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
    }
    // --output only with --format json.
    let out = gene_trace(&["explore", &race, "--output", t], "");
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_refuses_shards_of_other_strategies_and_damaged_exhaustive_shards() {
    let dir = scratch("explore-merge-strategies");
    let race = repo_file("fixtures/examples/race.gene");
    let in_dir = |name: &str| {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let random = shards(&in_dir("random"), &[&race, "--seeds", "30"], 3);
    let pct = shards(
        &in_dir("pct"),
        &[&race, "--seeds", "30", "--strategy", "pct"],
        3,
    );
    let deeper = shards(
        &in_dir("deeper"),
        &[&race, "--seeds", "30", "--strategy", "pct", "--depth", "3"],
        3,
    );
    let ex = shards(&in_dir("ex"), &[&race, "--strategy", "exhaustive"], 3);
    let bounded = shards(
        &in_dir("bounded"),
        &[&race, "--strategy", "exhaustive", "--max-schedules", "3"],
        3,
    );
    // Each file records its strategy and parameters.
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&deeper[0]).unwrap()).unwrap();
    assert_eq!(v["strategy"]["name"], "pct");
    assert_eq!(v["strategy"]["depth"], 3);
    assert!(v["strategy"]["steps"].as_u64().unwrap() > 0);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bounded[1]).unwrap()).unwrap();
    assert_eq!(
        v["strategy"],
        serde_json::json!({"name": "exhaustive", "max_schedules": 3, "reduction": true})
    );
    // A shard whose schedules do not add up, or whose program text is not
    // the one its digest names.
    let whole = std::fs::read_to_string(&ex[0]).unwrap();
    let (head, schedules) = whole.split_once("\"schedules\": [").unwrap();
    assert!(
        schedules.contains("\"path\": \""),
        "shard 1/3 ran some: {whole}"
    );
    let tampered = dir.join("tampered.json");
    let moved = schedules.replacen("\"outcome\": \"", "\"outcome\": \"0", 1);
    std::fs::write(&tampered, format!("{head}\"schedules\": [{moved}")).unwrap();
    let recounted = dir.join("recounted.json");
    std::fs::write(&recounted, whole.replacen("\"runs\": ", "\"runs\": 1", 1)).unwrap();
    let textless = dir.join("textless.json");
    let v: serde_json::Value = serde_json::from_str(&whole).unwrap();
    let program = serde_json::to_string(&v["program"]["text"]).unwrap();
    assert!(whole.contains(&program));
    std::fs::write(&textless, whole.replacen(&program, "\"\"", 1)).unwrap();
    let edited = dir.join("edited.json");
    std::fs::write(&edited, whole.replacen("withdrew", "withdraws", 1)).unwrap();
    let t = tampered.to_str().unwrap();
    let e = edited.to_str().unwrap();
    let cases: Vec<(Vec<&str>, u8, &str)> = vec![
        (
            vec![&random[0], &pct[1], &random[2]],
            2,
            "the strategy (random and pct (depth 2, steps ",
        ),
        (vec![&pct[0], &deeper[1], &pct[2]], 2, "(depth 3, steps "),
        (
            vec![&ex[0], &bounded[1], &ex[2]],
            2,
            "the strategy (exhaustive (max-schedules 100000, reduction) and exhaustive (max-schedules 3, reduction)) differs",
        ),
        (vec![&ex[0], &pct[1], &ex[2]], 2, "the strategy (exhaustive"),
        (vec![&ex[0], &ex[2]], 2, "missing shard(s): 2/3"),
        (vec![&pct[1], &pct[0]], 2, "missing shard(s): 3/3"),
        (
            vec![&ex[0], &ex[1], &ex[1], &ex[2]],
            2,
            "are both shard 2/3",
        ),
        (vec![t, &ex[1], &ex[2]], 1, "a damaged shard file: outcome "),
        (
            vec![recounted.to_str().unwrap(), &ex[1], &ex[2]],
            1,
            "a damaged shard file: the summary counts 1",
        ),
        (
            vec![textless.to_str().unwrap(), &ex[1], &ex[2]],
            1,
            "without the program's text (from an older gene-trace?)",
        ),
        (
            vec![e, &ex[1], &ex[2]],
            1,
            "the program's text does not match its SHA-256",
        ),
    ];
    for (list, status, message) in cases {
        let out = gene_trace(&[&["explore", "--merge"][..], &list].concat(), "");
        let err = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(i32::from(status)),
            "{list:?}: {err}"
        );
        assert!(
            err.starts_with("error: ") && err.contains(message),
            "{list:?}: {message} in {err}"
        );
        assert!(out.stdout.is_empty(), "{list:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
