//! Arbitrary text and arbitrary generated S-expressions go through the
//! reader, compiler and VM under an instruction limit. Gene exceptions and
//! parse errors are fine; a panic or a VM fault fails the property.

use gene_sim::RunConfig;
use gene_vm::VmConfig;
use proptest::prelude::*;

/// Runs a program to its end in the simulated world; fails on anything but
/// a clean outcome.
fn survives(src: &str) -> Result<(), TestCaseError> {
    let config = RunConfig {
        vm: VmConfig {
            max_depth: 200,
            max_instructions: Some(20_000),
            ..VmConfig::default()
        },
        root: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
        ..RunConfig::default()
    };
    let Ok(report) = gene_sim::run("fuzz.gene", src, &config, &mut std::io::sink()) else {
        return Ok(());
    };
    if let Err(u) = report.result {
        let msg = u.message();
        prop_assert!(
            !msg.contains("VM fault"),
            "internal fault: {msg}\nprogram:\n{src}"
        );
        let rendered = u.render();
        prop_assert!(
            rendered.starts_with("Error:"),
            "bad error rendering: {rendered}"
        );
    }
    Ok(())
}

/// Atoms that exercise every part of the language: special forms,
/// operators, keywords, literals and paths.
fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "var",
            "if",
            "then",
            "elif",
            "else",
            "not",
            "do",
            "loop",
            "while",
            "repeat",
            "for",
            "in",
            "break",
            "continue",
            "fn",
            "fnx",
            "fnxx",
            "->",
            "return",
            "try",
            "catch",
            "*",
            "finally",
            "throw",
            "ns",
            "void",
            "eval",
            "$parse",
            "range",
            "..",
            "...",
            "./",
            "=",
            "+=",
            "-=",
            "&&",
            "||",
            "+",
            "-",
            "/",
            "%",
            "**",
            "<",
            "<=",
            ">",
            ">=",
            "==",
            "!=",
            "_",
            "$ex",
            "$ns",
            "self",
            "nil",
            "true",
            "false",
            "x",
            "y",
            "f",
            "a/b",
            "a/0",
            "x/.length",
            "$ns/x",
            "gene/println",
            "println",
            "print",
            "assert",
            "x...",
            ":x",
            "#Str",
            "1.5e3",
            "-0.0",
            "\"s\"",
            "\"\"\"t\"\"\"",
            "[]",
            "{}",
            "{^a 1}",
            "(range 0 3)",
            "async",
            "await",
            "$await_all",
            "new",
            "gene/Future",
            "(new gene/Future)",
            "gene/sleep",
            "gene/sleep_async",
            "(gene/sleep_async 5)",
            "gene/io/read",
            "gene/io/read_async",
            "gene/io/write",
            "\"examples/tour.gene\"",
            ".complete",
            ".fail",
            ".on_success",
            ".on_failure",
            "x/.state",
            "x/.value",
            "complete_future",
            "gene/time/now",
            "^^async",
        ])
        .prop_map(str::to_string),
        any::<i64>().prop_map(|i| i.to_string()),
        (-5i32..20).prop_map(|i| i.to_string()),
    ]
}

fn form() -> impl Strategy<Value = String> {
    atom().prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("({})", v.join(" "))),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(" "))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{^k {a} ^m {b}}}")),
            (inner.clone(), inner.clone()).prop_map(|(h, c)| format!("({h} ^p {c} {c})")),
        ]
    })
}

fn program() -> impl Strategy<Value = String> {
    prop::collection::vec(form(), 1..6).prop_map(|forms| forms.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: Some(Box::new(
        proptest::test_runner::FileFailurePersistence::WithSource("regressions"))), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(src in ".{0,200}") {
        survives(&src)?;
    }

    #[test]
    fn bracket_soup_never_panics(src in "[()\\[\\]{}^:#\"a1 \\n.\\\\/%-]{0,120}") {
        survives(&src)?;
    }

    #[test]
    fn generated_programs_never_fault(src in program()) {
        survives(&src)?;
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    survives(&deep).unwrap();
    let quoted = format!("(eval :{}1{})", "[".repeat(250), "]".repeat(250));
    survives(&quoted).unwrap();
}
