//! The machine-readable reports: `--format json` (one JSON object per test,
//! a line each) and `--format junit` (JUnit XML, with quick-junit).

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Value, json};

use super::Outcome;
use super::report::failure_text;

/// One test as a JSON object (docs/testing.md lists the keys).
pub fn json_line(o: &Outcome) -> String {
    let f = o.verdict.failure.as_ref();
    let saved = o.saved.as_ref();
    let v: Value = json!({
        "name": o.file.display,
        "status": if o.verdict.passed() { "ok" } else { "failed" },
        "elapsed": gene_sim::format_nanos(o.verdict.elapsed_nanos),
        "elapsed_nanos": o.verdict.elapsed_nanos,
        "runs": o.verdict.runs,
        "seed": o.verdict.seed,
        "reason": f.map(|f| f.reason.clone()),
        "expected": f.and_then(|f| f.expected.clone()),
        "actual": f.map(|f| f.actual.clone()),
        "expected_elapsed": f.and_then(|f| f.expected_elapsed.clone()),
        "actual_elapsed": f.and_then(|f| f.actual_elapsed.clone()),
        "trace": saved.and_then(|s| s.trace.as_ref().map(|t| t.to_string_lossy().into_owned())),
        "replay": saved.and_then(|s| s.replay.clone()),
        "run": saved.map(|s| s.run.clone()),
        "blessed": o.blessed.is_some(),
        "warnings": o.warnings,
    });
    format!("{v}\n")
}

/// The whole run as JUnit XML: one suite, one test case per file (its
/// class name is the file's folder; its time the wall time it took; its
/// virtual elapsed time a property).
pub fn junit(outcomes: &[Outcome], wall: std::time::Duration) -> Result<String, String> {
    let mut suite = TestSuite::new("gene-trace test");
    for o in outcomes {
        let status = match &o.verdict.failure {
            None => TestCaseStatus::success(),
            Some(f) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(f.reason.lines().next().unwrap_or("failed"));
                s.set_type("gene-test-failure");
                s.set_description(failure_text(o, false));
                s
            }
        };
        let mut case = TestCase::new(o.file.display.as_str(), status);
        let class = o
            .file
            .display
            .rsplit_once('/')
            .map_or(".", |(dir, _)| dir)
            .to_string();
        case.set_classname(class);
        case.set_time(o.wall);
        case.add_property(Property::new(
            "elapsed",
            gene_sim::format_nanos(o.verdict.elapsed_nanos),
        ));
        if !o.warnings.is_empty() {
            case.set_system_err(o.warnings.join("\n"));
        }
        suite.add_test_case(case);
    }
    suite.set_time(wall);
    let mut report = Report::new("gene-trace test");
    report.add_test_suite(suite);
    report.set_time(wall);
    report
        .to_string()
        .map_err(|e| format!("cannot write JUnit XML: {e}"))
}
