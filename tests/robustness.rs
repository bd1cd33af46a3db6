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

// ---- Deep values, and recursion the depth limit does not see ----
//
// These programs run in-process: a native stack overflow or an allocation
// abort kills the test binary, so ending at all (normally or with a Gene
// error) is the property.

/// Cases for the heavy properties below: few by default (each builds up to
/// 300,000 levels), `PROPTEST_CASES` for a run at scale.
fn heavy_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12)
}

/// Runs with room for long loops; passes when the run ends normally or in
/// a well-formed Gene error, and gives that error's message.
fn ends_cleanly(src: &str, max_depth: usize) -> Result<Option<String>, TestCaseError> {
    let config = RunConfig {
        vm: VmConfig {
            max_depth,
            max_instructions: Some(100_000_000),
            ..VmConfig::default()
        },
        ..RunConfig::default()
    };
    let report = gene_sim::run("deep.gene", src, &config, &mut std::io::sink());
    let Ok(report) = report else {
        return Err(TestCaseError::fail(format!("did not load:\n{src}")));
    };
    match report.result {
        Ok(_) => Ok(None),
        Err(u) => {
            let msg = u.message();
            prop_assert!(!msg.contains("VM fault"), "internal fault: {msg}\n{src}");
            prop_assert!(u.render().starts_with("Error:"), "bad rendering");
            Ok(Some(msg))
        }
    }
}

/// One level of nesting around `v`.
fn wrapper() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "[v]",
        "[1 v \"s\"]",
        "{^a v}",
        "{^a 1 ^b v}",
        "(_ v)",
        "(_ ^p v 1)",
        "(v)",
        "(new gene/Future v)",
        "(wrap v)",
        "(async v)",
    ])
}

/// What the program does with two equal deep values `x` and `y`.
fn deep_op() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "(x = 0) (y = 0)",
        "(println x)",
        "(println (x == y))",
        "(assert (x == y)) (y = [y]) (assert (x != y))",
        "(try (eval x) catch * (println $ex/.message))",
        "(throw x)",
        "(var z [x... y...])",
        "(println #\"#{x}\")",
        "(var h (new gene/Future)) (h .complete x) (println (await h))",
        "(var h (new gene/Future)) (h .fail x) (try (await h) catch * 1)",
        "",
    ])
}

fn deep_value_program() -> impl Strategy<Value = String> {
    (
        prop_oneof![1usize..2_000, 2_000usize..300_000],
        prop::collection::vec(wrapper(), 1..4),
        prop::collection::vec(deep_op(), 1..3),
    )
        .prop_map(|(depth, wraps, ops)| {
            // Level i uses wrapper i % k.
            let k = wraps.len();
            let pick = |name: &str| {
                let arms: Vec<String> = wraps.iter().map(|w| w.replace('v', name)).collect();
                let mut e = arms[k - 1].clone();
                for (j, arm) in arms.iter().enumerate().take(k - 1).rev() {
                    e = format!("(if ((i % {k}) == {j}) {arm} else {e})");
                }
                e
            };
            let (wx, wy) = (pick("x"), pick("y"));
            format!(
                "(fn wrap [inner] (fnx [] inner))\n(var x 0)\n(var y 0)\n(var i 0)\n\
                 (repeat {depth} (i += 1) (x = {wx}) (y = {wy}))\n{}\n",
                ops.join("\n")
            )
        })
}

/// A recursion through tasks that start at once: `^^async` calls, async
/// blocks, callbacks on resolved futures, reactions of `.complete`,
/// adoption chains. `n` bounds it (-1: unbounded), `k` adds plain frames
/// per level, `catch` wraps each level in a `try`.
fn recursion_program() -> impl Strategy<Value = (String, usize)> {
    (
        0usize..6,
        prop_oneof![Just(-1i64), 1i64..30_000],
        0usize..4,
        any::<bool>(),
        prop_oneof![10usize..200, 200usize..20_000],
    )
        .prop_map(|(kind, n, k, catch, max_depth)| {
            let guard = |e: &str| {
                if catch {
                    format!("(try {e} catch * (println $ex/.message) -1)")
                } else {
                    e.to_string()
                }
            };
            let rec = "(fn rec [m] (if (m <= 0) 0 else (1 + (rec (m - 1)))))";
            let body = match kind {
                0 => format!(
                    "(fn ^^async f [n] (rec {k}) {})\n(println (await (f 0)))",
                    guard(&format!("(if (n == {n}) n else (1 + (await (f (n + 1)))))"))
                ),
                1 => format!(
                    "(fn f [n] (rec {k}) {})\n(println (await (f 0)))",
                    guard(&format!("(if (n == {n}) n else (async (f (n + 1))))"))
                ),
                2 => format!(
                    "(var done (new gene/Future 0))\n(var count 0)\n\
                     (fn cb [v] (rec {k}) (count += 1) (if (count != {n}) {}))\n\
                     (done .on_success cb)\n(println count)",
                    guard("(done .on_success cb)")
                ),
                3 => format!(
                    "(var bad (new gene/Future))\n(bad .fail \"no\")\n(var count 0)\n\
                     (fn cb [e] (rec {k}) (count += 1) (if (count != {n}) {}))\n\
                     (bad .on_failure cb)\n(println count)",
                    guard("(bad .on_failure cb)")
                ),
                4 => format!(
                    "(var count 0)\n\
                     (fn cb [v] (rec {k}) (count += 1) (if (count != {n}) {}))\n\
                     (cb 1)\n(println count)",
                    guard("(do (var g (new gene/Future)) (g .on_success cb) (g .complete v))")
                ),
                _ => format!(
                    "(fn ^^async f [n] (await (gene/sleep_async 0)) (rec {k}) {})\n\
                     (println (await (f 0)))",
                    // Sequential, not nested: bound it, or it runs to the
                    // instruction limit.
                    guard(&format!(
                        "(if (n >= {}) n else (f (n + 1)))",
                        n.rem_euclid(5_000)
                    ))
                ),
            };
            (format!("{rec}\n{body}\n"), max_depth)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: heavy_cases(), failure_persistence: Some(Box::new(
        proptest::test_runner::FileFailurePersistence::WithSource("regressions"))), ..ProptestConfig::default() })]

    #[test]
    fn deep_values_never_crash(src in deep_value_program()) {
        ends_cleanly(&src, 10_000)?;
    }

    #[test]
    fn recursion_through_tasks_never_crashes((src, max_depth) in recursion_program()) {
        if let Some(msg) = ends_cleanly(&src, max_depth)? {
            // The only ways such a program may fail.
            prop_assert!(
                msg.contains("stack overflow") || msg.contains("instruction limit"),
                "unexpected error {msg}\n{src}"
            );
        }
    }
}

/// A value that grows without end: doubled strings, spread arrays, strings built by interpolation and `println`,
/// alone or in a loop that also keeps what it built. Under small value
/// limits, each must end with the catchable `value too large` error (or,
/// when the program catches it, normally), never an allocation abort.
fn growth_program() -> impl Strategy<Value = (String, bool)> {
    let grow = prop::sample::select(vec![
        "(s = (s .append s))",
        "(s = #\"#{s}#{s}\")",
        "(s = (s .to_upper)) (s = (s .append s))",
        "(a = [a... a...])",
        "(a = [a... 1])",
        "(keep = [keep... keep... a])",
        "(println s) (s = (s .append s))",
        "(keep = [keep... s a])",
    ]);
    (prop::collection::vec(grow, 1..4), any::<bool>()).prop_map(|(steps, catch)| {
        let body = steps.join(" ");
        let lp = format!("(loop (n += 1) {body})");
        let lp = if catch {
            format!("(try {lp} catch * (println \"caught:\" $ex/.message))")
        } else {
            lp
        };
        (
            format!("(var s \"ab\")\n(var a [1 2])\n(var keep [])\n(var n 0)\n{lp}\n"),
            catch,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: heavy_cases().max(32), ..ProptestConfig::default() })]

    #[test]
    fn growing_values_end_in_a_gene_error((src, caught) in growth_program()) {
        let config = RunConfig {
            vm: VmConfig {
                max_instructions: Some(50_000_000),
                max_string_bytes: 1 << 16,
                max_elements: 1 << 10,
                ..VmConfig::default()
            },
            ..RunConfig::default()
        };
        let report = gene_sim::run("grow.gene", &src, &config, &mut std::io::sink());
        let Ok(report) = report else {
            return Err(TestCaseError::fail(format!("did not load:\n{src}")));
        };
        match report.result {
            Ok(_) => prop_assert!(caught, "an endless loop ended normally:\n{src}"),
            Err(u) => {
                let msg = u.message();
                // The instruction limit is not catchable; anything else is.
                prop_assert!(
                    !caught || msg.contains("instruction limit"),
                    "a caught error escaped: {msg}\n{src}"
                );
                prop_assert!(
                    msg.contains("value too large") || msg.contains("instruction limit"),
                    "unexpected error {msg}\n{src}"
                );
            }
        }
    }
}
