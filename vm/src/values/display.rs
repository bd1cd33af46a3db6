//! How values print (gene-language.md, section 6).
//!
//! Two forms:
//! * the *display* form, used by `println` / `print`: strings raw, arrays and
//!   maps show their elements in display form;
//! * the *quoted* form, used for everything nested in a gene (head, property
//!   values, children, and recursively whatever those contain): strings in
//!   double quotes with `\"`, `\\`, `\n`, `\t`, `\r` escaped.
//!
//! Printing uses an explicit work stack rather than recursion, so any depth
//! of nesting prints in full; a cyclic array, map or gene prints the cycle as
//! `[...]`, `{...}` or `(...)`.

use std::fmt::{self, Write};
use std::rc::Rc;

use rustc_hash::FxHashSet;

use crate::symbol::Sym;
use crate::value::Value;

/// Nim 2's float to string: the shortest round-trip digits, fixed notation
/// when the decimal point falls in -6..=17 digits (`.0` added when there is no
/// fractional part), scientific otherwise (`1e+17`, `1.5e-8`). `nan`, `inf`,
/// `-inf` for the special values.
pub fn format_float(f: f64) -> String {
    let mut s = String::new();
    write_float(&mut s, f);
    s
}

/// [`format_float`] appending to `out`.
pub fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f < 0.0 { "-inf" } else { "inf" });
        return;
    }
    if f.is_sign_negative() {
        out.push('-');
    }
    // `{:e}` gives the shortest round-trip digits: `d[.ddd]e<x>`.
    let mut sci = String::with_capacity(32);
    let _ = write!(sci, "{:e}", f.abs());
    // When two shortest digit strings are equally near, `{:e}` may take the
    // upper one; upstream (like Python's repr) takes the correctly rounded
    // one, half to even, which `{:.N$e}` computes exactly. Two n-digit
    // strings can only both round-trip when the float spacing reaches the
    // last digit's unit, so short digit strings skip the exact pass.
    if let Some((m, e)) = sci.split_once('e') {
        let n_digits = (m.len() - m.contains('.') as usize) as i32;
        let unit = 10f64.powi(e.parse::<i32>().unwrap_or(0) + 1 - n_digits);
        let a = f.abs();
        if (a.next_up() - a) * 2.0 >= unit {
            let mut exact = String::with_capacity(32);
            let _ = write!(exact, "{:.*e}", (n_digits - 1).max(0) as usize, a);
            if exact != sci && exact.parse::<f64>() == Ok(a) {
                sci = exact;
            }
        }
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let x: i32 = exp.parse().unwrap_or(0);
    let (int_digit, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // value = 0.D * 10^p, D = the n digits.
    let n = (int_digit.len() + frac.len()) as i32;
    let p = x + 1;
    let digit = |i: i32| -> char {
        let i = i as usize;
        if i < int_digit.len() {
            int_digit.as_bytes()[i] as char
        } else {
            frac.as_bytes()[i - int_digit.len()] as char
        }
    };
    if (-6..=17).contains(&p) {
        if p <= 0 {
            out.push_str("0.");
            for _ in 0..-p {
                out.push('0');
            }
            (0..n).for_each(|i| out.push(digit(i)));
        } else if p < n {
            (0..p).for_each(|i| out.push(digit(i)));
            out.push('.');
            (p..n).for_each(|i| out.push(digit(i)));
        } else {
            (0..n).for_each(|i| out.push(digit(i)));
            for _ in n..p {
                out.push('0');
            }
            out.push_str(".0");
        }
    } else {
        out.push_str(int_digit);
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
        out.push('e');
        out.push(if x < 0 { '-' } else { '+' });
        let _ = write!(out, "{}", x.unsigned_abs());
    }
}

/// The display (println) form of `v`.
pub fn display(v: &Value) -> String {
    let mut s = String::new();
    write_display(&mut s, v);
    s
}

/// The display (println) form of `v`, appended to `out`.
pub fn write_display(out: &mut String, v: &Value) {
    write_value(out, v, false);
}

/// The quoted form of `v` (strings in double quotes), appended to `out`: the
/// form of values nested in genes.
pub fn write_quoted(out: &mut String, v: &Value) {
    write_value(out, v, true);
}

/// The quoted form of `v`.
pub fn quoted(v: &Value) -> String {
    let mut s = String::new();
    write_quoted(&mut s, v);
    s
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&display(self))
    }
}

/// Appends `s` in double quotes with `"`, `\`, newline, tab and CR escaped.
pub fn write_quoted_str(out: &mut String, s: &str) {
    out.push('"');
    let mut seg = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            _ => continue,
        };
        out.push_str(&s[seg..i]);
        out.push_str(esc);
        seg = i + 1;
    }
    out.push_str(&s[seg..]);
    out.push('"');
}

/// Appends a value that holds no other values.
fn write_atom(out: &mut String, v: &Value, quoted: bool) {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => write_float(out, *f),
        Value::Str(s) => {
            if quoted {
                write_quoted_str(out, s);
            } else {
                out.push_str(s);
            }
        }
        Value::Symbol(s) => s.with_name(|n| out.push_str(n)),
        Value::Complex(parts) => {
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push('/');
                }
                p.with_name(|n| out.push_str(n));
            }
        }
        Value::Range(r) => {
            let _ = write!(out, "{}..{}", r.start, r.end);
            if r.step != 1 {
                let _ = write!(out, " step {}", r.step);
            }
        }
        Value::Exception(e) => {
            if quoted {
                out.push_str("(Exception ");
                write_quoted_str(out, &e.message);
                out.push(')');
            } else {
                out.push_str(&e.message);
            }
        }
        Value::Future(f) => out.push_str(f.display_name()),
        Value::Function(_) | Value::Native(_) | Value::Namespace(_) | Value::Class(_) => {
            out.push_str(v.kind_name());
        }
        // Containers are handled by `write_value`.
        Value::Array(_) | Value::Map(_) | Value::Gene(_) => out.push_str(v.kind_name()),
    }
}

/// What is left to print, innermost last.
enum Work {
    Value(Value, bool),
    Text(&'static str),
    /// A property or map key: `^name ` (with a leading space when `.1`).
    Key(Sym, bool),
    /// The closing bracket of the container at the address.
    Close(&'static str, usize),
}

/// Prints with an explicit stack, so nesting depth costs heap, not native
/// stack. Containers already open (a cycle) print as `[...]`, `{...}` or
/// `(...)`.
fn write_value(out: &mut String, v: &Value, quoted: bool) {
    write_value_within(out, v, quoted, usize::MAX);
}

/// The display form of `v`, appended to `out` as long as `out` holds at
/// most `limit` bytes: false when it stopped there (the value size limit;
/// a value sharing subvalues can print exponentially larger than it is).
pub fn write_display_within(out: &mut String, v: &Value, limit: usize) -> bool {
    write_value_within(out, v, false, limit)
}

/// The quoted form of `v`, under the same bound as `write_display_within`.
pub fn write_quoted_within(out: &mut String, v: &Value, limit: usize) -> bool {
    write_value_within(out, v, true, limit)
}

fn write_value_within(out: &mut String, v: &Value, quoted: bool, limit: usize) -> bool {
    if !matches!(v, Value::Array(_) | Value::Map(_) | Value::Gene(_)) {
        write_atom(out, v, quoted);
        return out.len() <= limit;
    }
    let mut open: FxHashSet<usize> = FxHashSet::default();
    let mut work = vec![Work::Value(v.clone(), quoted)];
    while let Some(w) = work.pop() {
        if out.len() > limit {
            return false;
        }
        match w {
            Work::Text(t) => out.push_str(t),
            Work::Key(k, space) => {
                out.push_str(if space { " ^" } else { "^" });
                k.with_name(|n| out.push_str(n));
                out.push(' ');
            }
            Work::Close(t, ptr) => {
                out.push_str(t);
                open.remove(&ptr);
            }
            Work::Value(v, quoted) => match &v {
                Value::Array(a) => {
                    let ptr = Rc::as_ptr(a) as *const () as usize;
                    if !open.insert(ptr) {
                        out.push_str("[...]");
                        continue;
                    }
                    out.push('[');
                    work.push(Work::Close("]", ptr));
                    match a.try_borrow() {
                        Ok(items) => {
                            for (i, item) in items.iter().enumerate().rev() {
                                work.push(Work::Value(item.clone(), quoted));
                                if i > 0 {
                                    work.push(Work::Text(" "));
                                }
                            }
                        }
                        Err(_) => out.push_str("..."),
                    }
                }
                Value::Map(m) => {
                    let ptr = Rc::as_ptr(m) as *const () as usize;
                    if !open.insert(ptr) {
                        out.push_str("{...}");
                        continue;
                    }
                    out.push('{');
                    work.push(Work::Close("}", ptr));
                    match m.try_borrow() {
                        Ok(map) => {
                            for (i, (k, v)) in map.iter().enumerate().rev() {
                                work.push(Work::Value(v.clone(), quoted));
                                work.push(Work::Key(*k, false));
                                if i > 0 {
                                    work.push(Work::Text(" "));
                                }
                            }
                        }
                        Err(_) => out.push_str("..."),
                    }
                }
                Value::Gene(g) => {
                    let ptr = Rc::as_ptr(g) as *const () as usize;
                    if !open.insert(ptr) {
                        out.push_str("(...)");
                        continue;
                    }
                    out.push('(');
                    work.push(Work::Close(")", ptr));
                    // Everything inside a gene uses the quoted form.
                    match g.try_borrow() {
                        Ok(g) => {
                            for c in g.children.iter().rev() {
                                work.push(Work::Value(c.clone(), true));
                                work.push(Work::Text(" "));
                            }
                            for (k, v) in g.props.iter().rev() {
                                work.push(Work::Value(v.clone(), true));
                                work.push(Work::Key(*k, true));
                            }
                            work.push(Work::Value(g.head.clone(), true));
                        }
                        Err(_) => out.push_str("..."),
                    }
                }
                _ => write_atom(out, &v, quoted),
            },
        }
    }
    out.len() <= limit
}

/// A value's quoted form, formatted only when written (for trace fields).
pub struct Quoted<'a>(pub &'a Value);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The common atoms without building a string.
        match self.0 {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
            Value::Int(i) => write!(f, "{i}"),
            v => {
                let mut s = String::new();
                write_quoted(&mut s, v);
                f.write_str(&s)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol::{Sym, sym};
    use crate::value::{Gene, PropMap, Range};

    fn sy(n: &str) -> Value {
        Value::Symbol(Sym::new(n))
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        let mut m = PropMap::default();
        for (k, v) in entries {
            m.insert(Sym::new(k), v.clone());
        }
        Value::map(m)
    }

    fn gene(head: Value, props: &[(&str, Value)], children: Vec<Value>) -> Value {
        let mut p = PropMap::default();
        for (k, v) in props {
            p.insert(Sym::new(k), v.clone());
        }
        Value::gene(Gene {
            head,
            props: p,
            children,
            ..Gene::default()
        })
    }

    #[test]
    #[allow(clippy::approx_constant)] // 3.14 is the documented example
    fn floats_required_examples() {
        let cases: &[(f64, &str)] = &[
            (3.14, "3.14"),
            (5.0, "5.0"),
            (150.0, "150.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "10000000000000000.0"),
            (1e17, "1e+17"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e-7, "0.0000001"),
            (0.00000015, "0.00000015"),
            (1e-8, "1e-8"),
            (1.2345e-8, "1.2345e-8"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for &(f, want) in cases {
            assert_eq!(format_float(f), want, "{f:e}");
        }
    }

    #[test]
    fn floats_more() {
        let cases: &[(f64, &str)] = &[
            (-2.5, "-2.5"),
            (0.25, "0.25"),
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (100.0, "100.0"),
            (0.5, "0.5"),
            (1.5e16, "15000000000000000.0"),
            (12345678901234567.0, "12345678901234568.0"),
            (99999999999999999.0, "1e+17"),
            (1.5e17, "1.5e+17"),
            (1e100, "1e+100"),
            (-1e100, "-1e+100"),
            (1e-6, "0.000001"),
            (1.5e-6, "0.0000015"),
            (1.234e-7, "0.0000001234"),
            (9.99e-8, "9.99e-8"),
            (1e-100, "1e-100"),
            (f64::from_bits(3), "1.5e-323"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (123.456, "123.456"),
            (1e15 + 0.5, "1000000000000000.5"),
        ];
        for &(f, want) in cases {
            assert_eq!(format_float(f), want, "{f:e}");
        }
    }

    #[test]
    // The literals are exact binary values (k + 1/4): the point of the test.
    #[allow(clippy::excessive_precision)]
    fn float_ties_round_half_to_even() {
        // Exact ties between two shortest round-trip strings: upstream and
        // Python's repr pick the even last digit.
        let ties = [
            (2134203227501141.25, "2134203227501141.2"),
            (2134203227501141.75, "2134203227501141.8"),
            (1268006475185092.25, "1268006475185092.2"),
            (1268006475185092.75, "1268006475185092.8"),
            (1391428765496380.25, "1391428765496380.2"),
            (2189301380143267.75, "2189301380143267.8"),
            (1980717161434139.25, "1980717161434139.2"),
            (-2134203227501141.25, "-2134203227501141.2"),
            // Not a tie: the one shortest string stays.
            (4503599627370495.5, "4503599627370495.5"),
        ];
        for (f, want) in ties {
            assert_eq!(format_float(f), want, "{f:?}");
        }
    }

    #[test]
    fn scalars() {
        assert_eq!(display(&Value::Nil), "nil");
        assert_eq!(display(&Value::Bool(true)), "true");
        assert_eq!(display(&Value::Bool(false)), "false");
        assert_eq!(display(&Value::Int(-10)), "-10");
        assert_eq!(display(&Value::Int(i64::MIN)), "-9223372036854775808");
        assert_eq!(display(&Value::Float(5.0)), "5.0");
        assert_eq!(display(&Value::str("a \"b\"\n")), "a \"b\"\n");
        assert_eq!(
            quoted(&Value::str("a \"b\"\n\t\\\r")),
            r#""a \"b\"\n\t\\\r""#
        );
        assert_eq!(display(&sy("hello")), "hello");
        assert_eq!(quoted(&sy("hello")), "hello");
        assert_eq!(quoted(&Value::Nil), "nil");
        assert_eq!(quoted(&Value::Float(1e17)), "1e+17");
    }

    #[test]
    fn complex_symbols() {
        let c =
            |parts: &[&str]| Value::Complex(Rc::new(parts.iter().map(|p| Sym::new(p)).collect()));
        assert_eq!(display(&c(&["a", "b"])), "a/b");
        assert_eq!(display(&c(&["gene", "io", "read"])), "gene/io/read");
        assert_eq!(display(&c(&["", "a"])), "/a");
        assert_eq!(display(&c(&[".", ""])), "./");
        assert_eq!(quoted(&c(&["x", ".length"])), "x/.length");
    }

    #[test]
    fn arrays_and_maps() {
        let a = Value::array(vec![Value::Int(1), Value::str("hello"), Value::Bool(true)]);
        assert_eq!(display(&a), "[1 hello true]");
        assert_eq!(quoted(&a), r#"[1 "hello" true]"#);
        assert_eq!(display(&Value::array(vec![])), "[]");
        assert_eq!(display(&Value::array(vec![Value::Nil])), "[nil]");
        let nested = Value::array(vec![a.clone(), Value::array(vec![])]);
        assert_eq!(display(&nested), "[[1 hello true] []]");
        let m = map(&[
            ("str", Value::str("hello")),
            ("n", Value::Int(1)),
            ("a", a.clone()),
        ]);
        assert_eq!(display(&m), "{^str hello ^n 1 ^a [1 hello true]}");
        assert_eq!(quoted(&m), r#"{^str "hello" ^n 1 ^a [1 "hello" true]}"#);
        assert_eq!(display(&map(&[])), "{}");
        // Insertion order.
        let m = map(&[("z", Value::Int(1)), ("a", Value::Int(2))]);
        assert_eq!(display(&m), "{^z 1 ^a 2}");
    }

    #[test]
    fn genes_use_the_quoted_form() {
        let g = gene(sy("_"), &[], vec![Value::str("s"), Value::Int(1)]);
        assert_eq!(display(&g), r#"(_ "s" 1)"#);
        let g = gene(Value::Nil, &[], vec![]);
        assert_eq!(display(&g), "(nil)");
        let g = gene(sy("_"), &[("a", Value::Int(1))], vec![Value::Int(2)]);
        assert_eq!(display(&g), "(_ ^a 1 2)");
        let g = gene(
            Value::str("h"),
            &[("s", Value::str("x")), ("t", Value::Bool(true))],
            vec![
                Value::array(vec![Value::str("in array")]),
                map(&[("k", Value::str("in map"))]),
                gene(sy("f"), &[], vec![Value::str("in gene")]),
                Value::Nil,
            ],
        );
        assert_eq!(
            display(&g),
            r#"("h" ^s "x" ^t true ["in array"] {^k "in map"} (f "in gene") nil)"#
        );
        // A gene nested in an array or map displays its strings quoted too.
        let a = Value::array(vec![
            Value::str("top"),
            gene(sy("f"), &[], vec![Value::str("x")]),
        ]);
        assert_eq!(display(&a), r#"[top (f "x")]"#);
        let q = gene(Value::Symbol(sym::QUOTE), &[], vec![sy("x")]);
        assert_eq!(display(&q), "(quote x)");
    }

    #[test]
    fn ranges() {
        let r = |start, end, step| Value::Range(Rc::new(Range { start, end, step }));
        assert_eq!(display(&r(0, 3, 1)), "0..3");
        assert_eq!(display(&r(-1, 10, 2)), "-1..10 step 2");
    }

    #[test]
    fn exceptions() {
        let e = Value::exception("boom \"x\"");
        assert_eq!(display(&e), "boom \"x\"");
        assert_eq!(quoted(&e), r#"(Exception "boom \"x\"")"#);
        let g = gene(sy("_"), &[], vec![e]);
        assert_eq!(display(&g), r#"(_ (Exception "boom \"x\""))"#);
        let a = Value::array(vec![Value::exception("m")]);
        assert_eq!(display(&a), "[m]");
    }

    #[test]
    fn display_trait() {
        assert_eq!(Value::Float(150.0).to_string(), "150.0");
        assert_eq!(format!("{}", Value::array(vec![Value::str("x")])), "[x]");
    }

    #[test]
    fn cycles_and_depth_are_bounded() {
        let a = Value::array(vec![Value::Int(1)]);
        if let Value::Array(rc) = &a {
            rc.borrow_mut().push(a.clone());
            rc.borrow_mut().push(a.clone());
        }
        assert_eq!(display(&a), "[1 [...] [...]]");
        // The same value twice, not a cycle: printed in full each time.
        let inner = Value::array(vec![Value::Int(2)]);
        let b = Value::array(vec![inner.clone(), inner]);
        assert_eq!(display(&b), "[[2] [2]]");
        let m = map(&[]);
        if let Value::Map(rc) = &m {
            rc.borrow_mut().insert(Sym::new("self"), m.clone());
        }
        assert_eq!(display(&m), "{^self {...}}");
        let g = gene(sy("g"), &[], vec![]);
        if let Value::Gene(rc) = &g {
            rc.borrow_mut().children.push(g.clone());
        }
        assert_eq!(display(&g), "(g (...))");
        // Break the cycles so the test does not leak.
        for v in [&a, &m, &g] {
            match v {
                Value::Array(rc) => rc.borrow_mut().clear(),
                Value::Map(rc) => rc.borrow_mut().clear(),
                Value::Gene(rc) => rc.borrow_mut().children.clear(),
                _ => {}
            }
        }

        // Deep nesting prints in full, on the default test-thread stack.
        let depth = 100_000;
        let mut v = Value::Int(0);
        for _ in 0..depth {
            v = Value::array(vec![v]);
        }
        let s = display(&v);
        assert_eq!(s, "[".repeat(depth) + "0" + &"]".repeat(depth));
        // Take it apart iteratively: dropping it whole would recurse.
        let mut cur = v;
        loop {
            let next = match &cur {
                Value::Array(rc) => rc.borrow_mut().pop(),
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(5000))]

            #[test]
            fn floats_round_trip(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
                let s = format_float(x);
                let y: f64 = s.parse().unwrap();
                prop_assert!(y == x && y.is_sign_negative() == x.is_sign_negative(), "{} -> {}", x, s);
                // Fixed notation always has a fractional part; scientific never a `.0`.
                prop_assert!(s.contains('.') || s.contains('e'), "{}", s);
                prop_assert!(!s.contains(".0e"), "{}", s);
            }

            /// The digits printed are the correctly rounded (half to even)
            /// shortest ones: checked against the exact pass run on every
            /// float, with no shortcut.
            #[test]
            fn float_digits_are_correctly_rounded(bits in any::<u64>()) {
                let x = f64::from_bits(bits).abs();
                if x.is_finite() && x != 0.0 {
                    let digits = |s: &str| -> String {
                        let m = s.split('e').next().unwrap_or("");
                        let d: String = m.chars().filter(char::is_ascii_digit).collect();
                        d.trim_start_matches('0').trim_end_matches('0').to_string()
                    };
                    let sci = format!("{x:e}");
                    let m = sci.split('e').next().unwrap_or("");
                    let n = m.len() - m.contains('.') as usize;
                    let exact = format!("{:.*e}", n - 1, x);
                    let want = if exact.parse::<f64>() == Ok(x) { exact } else { sci };
                    prop_assert_eq!(digits(&format_float(x)), digits(&want), "{:e}", x);
                }
            }

            #[test]
            fn float_bits_round_trip(bits in any::<u64>()) {
                let x = f64::from_bits(bits);
                if x.is_finite() {
                    let y: f64 = format_float(x).parse().unwrap();
                    prop_assert_eq!(y.to_bits(), x.to_bits());
                }
            }
        }
    }
}
