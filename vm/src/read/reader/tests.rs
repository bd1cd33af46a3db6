//! The reader's tests.
use super::*;
use crate::display::write_quoted;

/// The quoted form of every form, space-separated: a compact way to
/// state what was read.
fn r(src: &str) -> String {
    let vals = read_all(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
    let mut out = String::new();
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_quoted(&mut out, v);
    }
    out
}

fn one(src: &str) -> Value {
    let mut v = read_all(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
    assert_eq!(v.len(), 1, "{src:?}");
    v.pop().unwrap()
}

fn err(src: &str) -> ParseError {
    match read_all(src) {
        Ok(v) => panic!("{src:?} read as {v:?}"),
        Err(e) => e,
    }
}

fn err_at(src: &str, line: u32, col: u32, needle: &str) {
    let e = err(src);
    assert_eq!(e.span, Span { line, col }, "{src:?}: {e}");
    assert!(e.message.contains(needle), "{src:?}: {e}");
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v:?}"))
}

fn sym_name(v: &Value) -> String {
    match v {
        Value::Symbol(s) => s.name().to_string(),
        _ => panic!("not a symbol: {v:?}"),
    }
}

fn complex(v: &Value) -> Vec<String> {
    match v {
        Value::Complex(p) => p.iter().map(|s| s.name().to_string()).collect(),
        _ => panic!("not a complex symbol: {v:?}"),
    }
}

fn gene(v: &Value) -> Gene {
    match v {
        Value::Gene(g) => g.borrow().clone(),
        _ => panic!("not a gene: {v:?}"),
    }
}

#[test]
fn whitespace_and_commas() {
    assert_eq!(r(" 1,2\t3\r\n4\r5 ,, "), "1 2 3 4 5");
    assert_eq!(r(""), "");
    assert_eq!(r(" , \n"), "");
    assert_eq!(r("[1,2,3]"), "[1 2 3]");
}

#[test]
fn line_comments() {
    assert_eq!(r("1 # comment\n2"), "1 2");
    assert_eq!(r("#!/usr/bin/env gene run\n1"), "1");
    assert_eq!(r("## x\n1 ##"), "1");
    assert_eq!(r("1 #\n2 #\r3 #"), "1 2 3");
    assert_eq!(r("(a # c )\n b)"), "(a b)");
    // `#word` is a symbol, not a comment.
    assert_eq!(sym_name(&one("#comment")), "#comment");
    assert_eq!(r("(println #comment \"x\")"), "(println #comment \"x\")");
    // `#` followed by a delimiter is the symbol `#`.
    assert_eq!(r("(a #)"), "(a #)");
    // `#` does not end a token.
    assert_eq!(r("a# b"), "a# b");
}

#[test]
fn block_comments() {
    assert_eq!(r("1 #< x y\n z >#2"), "1 2");
    assert_eq!(r("#<>#1"), "1");
    assert_eq!(r("(a #< (b) >#c)"), "(a c)");
    // `>>#` does not close; `>#` does.
    assert_eq!(r("#< a >># b >#1"), "1");
    // Not nested.
    assert_eq!(r("#< #< >#1"), "1");
    err_at("1\n  #< abc", 2, 3, "unterminated block comment");
    err_at("#<#", 1, 1, "unterminated block comment");
}

#[test]
fn integers() {
    assert!(matches!(one("42"), Value::Int(42)));
    assert!(matches!(one("-10"), Value::Int(-10)));
    assert!(matches!(one("+3"), Value::Int(3)));
    assert!(matches!(one("0"), Value::Int(0)));
    assert!(matches!(one("007"), Value::Int(7)));
    assert!(matches!(one("9223372036854775807"), Value::Int(i64::MAX)));
    assert!(matches!(one("-9223372036854775808"), Value::Int(i64::MIN)));
    assert!(matches!(
        one("140737488355328"),
        Value::Int(140737488355328)
    ));
    err_at(
        "  9223372036854775808",
        1,
        3,
        "integer literal out of range",
    );
    err_at("-9223372036854775809", 1, 1, "integer literal out of range");
    // A sign is part of the number only when a digit follows immediately.
    assert_eq!(sym_name(&one("-")), "-");
    assert_eq!(sym_name(&one("+")), "+");
    assert_eq!(sym_name(&one("->")), "->");
    assert_eq!(sym_name(&one("-x")), "-x");
    assert_eq!(r("- 1"), "- 1");
    assert_eq!(r("(1)"), "(1)");
    assert_eq!(r("1(2)"), "1 (2)");
    assert_eq!(r("1%x"), "1 (#Unquote x)");
}

#[test]
#[allow(clippy::approx_constant)] // 3.14 is the documented example
fn floats() {
    let f = |src: &str| match one(src) {
        Value::Float(f) => f,
        v => panic!("{src}: {v:?}"),
    };
    assert_eq!(f("3.14"), 3.14);
    assert_eq!(f("-2.5"), -2.5);
    assert_eq!(f("+2.5"), 2.5);
    assert_eq!(f("1.5e2"), 150.0);
    assert_eq!(f("2.5e-1"), 0.25);
    assert_eq!(f("1e3"), 1000.0);
    assert_eq!(f("1E3"), 1000.0);
    assert_eq!(f("1e+3"), 1000.0);
    assert_eq!(f("1."), 1.0);
    assert_eq!(f("0.0"), 0.0);
    assert!(f("-0.0").is_sign_negative());
    assert_eq!(f("1e400"), f64::INFINITY);
    // `.5` is a symbol.
    assert_eq!(sym_name(&one(".5")), ".5");
    assert_eq!(sym_name(&one("-.5")), "-.5");
}

#[test]
fn unsupported_numbers() {
    for src in [
        "1m",
        "2s",
        "1m30s",
        "1.5ms",
        "0!101",
        "0*ff",
        "0#abc",
        "1/2",
        "2024-01-01",
        "12:30:00",
        "1e",
        "1e+",
        "1.2.3",
        "1..3",
        "1_000",
        "1a",
        "-1x",
        "1\\a",
        "1'",
        "1#",
    ] {
        let e = err(src);
        assert_eq!(
            e.message,
            format!("unsupported number literal `{src}`"),
            "{src}"
        );
        assert_eq!(e.span, Span { line: 1, col: 1 });
    }
    err_at("(f 1m)", 1, 4, "unsupported number literal `1m`");
}

#[test]
fn strings() {
    assert_eq!(s(&one(r#""abc""#)), "abc");
    assert_eq!(s(&one(r#""""#)), "");
    assert_eq!(
        s(&one(r#""a\nb\rc\td\be\ff\"g\\h\qi\/""#)),
        "a\nb\rc\td\u{8}e\u{c}f\"g\\hqi/"
    );
    assert_eq!(s(&one(r#""\u0041\u00e9\u4e2d""#)), "Aé中");
    assert_eq!(s(&one(r#""\ud83d\ude00""#)), "😀");
    assert_eq!(s(&one(r#""\é""#)), "é");
    assert_eq!(s(&one("\"line1\nline2\""),), "line1\nline2");
    assert_eq!(s(&one("\"a\r\nb\""),), "a\r\nb");
    assert_eq!(s(&one("\"日本語\"")), "日本語");
    assert_eq!(r(r#""a""b""#), r#""a" "b""#);
    assert_eq!(r(r#"x"a"y"#), r#"x "a" y"#);
    // `#` inside a plain string is text.
    assert_eq!(s(&one(r##""#{x}""##)), "#{x}");
    err_at("(println \"abc", 1, 10, "unterminated string");
    err_at("\n  \"abc\\", 2, 3, "unterminated string");
    err_at(r#""ab\u12""#, 1, 4, "invalid unicode escape");
    err_at(r#""ab\uzzzz""#, 1, 4, "invalid unicode escape");
    err_at(r#""\ud83d""#, 1, 2, "surrogate");
    err_at(r#""\ud83d\u0041""#, 1, 2, "surrogate");
    err_at(r#""\ude00""#, 1, 2, "surrogate");
}

#[test]
fn triple_quoted_strings() {
    assert_eq!(s(&one(r#""""abc""""#)), "abc");
    assert_eq!(
        s(&one(r#""""a "quoted" ""word"" b""""#)),
        r#"a "quoted" ""word"" b"#
    );
    assert_eq!(
        s(&one("\"\"\"\n  hello\n  world\n\"\"\"")),
        "\n  hello\n  world\n"
    );
    assert_eq!(s(&one("\"\"\"\n\n \n  x\n \n\n  \"\"\"")), "\n  x\n");
    assert_eq!(s(&one("\"\"\"  x  \"\"\"")), "  x  ");
    assert_eq!(s(&one("\"\"\"\n\"\"\"")), "\n");
    assert_eq!(s(&one("\"\"\"\n  \n\"\"\"")), "\n");
    assert_eq!(s(&one("\"\"\"x\\n\"\"\"")), "x\n");
    assert_eq!(s(&one("\"\"\"\"\"\"")), "");
    err_at("  \"\"\"abc\"\"", 1, 3, "unterminated string");
}

#[test]
fn interpolated_strings() {
    assert_eq!(r(r##"#"a#{x}b""##), r#"(#Str "a" x "b")"#);
    assert_eq!(r(r##"#"#{x}""##), "(#Str x)");
    assert_eq!(
        r(r##"#"#{ (f 1) } and #(g 2)!""##),
        r#"(#Str (f 1) " and " (g 2) "!")"#
    );
    assert_eq!(r(r##"#"v: #[1 2]""##), r#"(#Str "v: " [1 2])"#);
    assert_eq!(r(r##"#"m: #{^a 1 ^b 2}""##), r#"(#Str "m: " {^a 1 ^b 2})"#);
    assert_eq!(r(r##"#"n: #{nil}""##), r#"(#Str "n: " nil)"#);
    // All parts strings: a plain string.
    assert_eq!(s(&one(r##"#"plain""##)), "plain");
    assert_eq!(s(&one(r##"#"""##)), "");
    assert_eq!(s(&one(r##"#"a#{"b"}c""##)), "abc");
    assert_eq!(s(&one(r##"#"a#b #c""##)), "a#b #c");
    assert_eq!(s(&one(r##"#"a\#{x}""##)), "a#{x}");
    assert_eq!(s(&one(r##"#"a\n\"""##)), "a\n\"");
    assert_eq!(s(&one(r##"#"a#< comment >#b""##)), "ab");
    assert_eq!(s(&one("#\"\"\"\n  x \"y\"\n  \"\"\"")), "\n  x \"y\"\n");
    assert_eq!(r("#\"\"\"\n  #{x}\n  \"\"\""), r#"(#Str "\n  " x "\n")"#);
    let g = gene(&one("\n  #\"a#{x}\""));
    assert_eq!(g.head.as_symbol_name(), "#Str");
    assert_eq!(g.span, Span { line: 2, col: 3 });
    err_at(r##" #"abc"##, 1, 2, "unterminated string");
    err_at(r##"#"a#{x"##, 1, 1, "unterminated string");
    err_at(r##"#"a#{}""##, 1, 4, "empty interpolation");
    err_at(r##"#"a#{x y}""##, 1, 8, "expected `}`");
    err_at(r##"#"a#{x]}""##, 1, 7, "expected `}`");
    err_at(r##"#"#{(x}""##, 1, 7, "unexpected `}`");
}

trait SymName {
    fn as_symbol_name(&self) -> String;
}
impl SymName for Value {
    fn as_symbol_name(&self) -> String {
        sym_name(self)
    }
}

#[test]
fn quote_and_unquote() {
    let g = gene(&one(":x"));
    assert!(matches!(g.head, Value::Symbol(s) if s == sym::QUOTE));
    assert_eq!(g.children.len(), 1);
    assert_eq!(sym_name(&g.children[0]), "x");
    assert_eq!(r(":(+ 1 2)"), "(quote (+ 1 2))");
    assert_eq!(r(": x"), "(quote x)");
    assert_eq!(r(":nil"), "(quote nil)");
    assert_eq!(r("(f :nil)"), "(f (quote nil))");
    assert_eq!(r("::x"), "(quote (quote x))");
    assert_eq!(r("%x"), "(#Unquote x)");
    assert_eq!(r("%_x"), "(#UnquoteDiscard x)");
    assert_eq!(r("%(f)"), "(#Unquote (f))");
    assert_eq!(r("x%y"), "x (#Unquote y)");
    // `%` alone is the modulo symbol.
    assert_eq!(r("(7 % 3)"), "(7 % 3)");
    assert_eq!(r("(% 10 4)"), "(% 10 4)");
    assert_eq!(r("(n %\n2)"), "(n % 2)");
    assert_eq!(r("(n %,2)"), "(n % 2)");
    assert_eq!(r("[%] (%) {^a %} %"), "[%] (%) {^a %} %");
    assert!(matches!(one("%"), Value::Symbol(s) if s == sym::MOD));
    assert_eq!(r("x% y"), "x % y");
    assert_eq!(r("%\"%\""), "(#Unquote \"%\")");
    assert_eq!(r("(a:b c)"), "(a:b c)");
    assert_eq!(gene(&one(" :x")).span, Span { line: 1, col: 2 });
    err_at(" :", 1, 2, "expected a form after `:`");
    err_at("(f %_)", 1, 6, "unexpected `)`");
    err_at("(f :)", 1, 5, "unexpected `)`");
    err_at("%_", 1, 1, "expected a form after `%_`");
}

#[test]
fn symbols() {
    assert_eq!(sym_name(&one("abc")), "abc");
    assert_eq!(sym_name(&one("a:b")), "a:b");
    assert_eq!(sym_name(&one("a#b'c")), "a#b'c");
    assert_eq!(sym_name(&one("'a'")), "'a'");
    assert_eq!(sym_name(&one("$ns")), "$ns");
    assert_eq!(sym_name(&one("...")), "...");
    assert_eq!(sym_name(&one("..")), "..");
    assert_eq!(sym_name(&one("_")), "_");
    assert_eq!(sym_name(&one("^a")), "^a");
    assert_eq!(sym_name(&one("a\\ b")), "a b");
    assert_eq!(sym_name(&one("a\\(b")), "a(b");
    assert_eq!(sym_name(&one("\\é")), "é");
    assert_eq!(sym_name(&one("a\\/b")), "a/b");
    assert_eq!(sym_name(&one("nil\\")), "nil\\");
    assert_eq!(sym_name(&one("ñandú")), "ñandú");
    assert_eq!(sym_name(&one("/")), "/");
    assert!(matches!(one("/"), Value::Symbol(s) if s == sym::DIV));
    assert!(matches!(one("nil"), Value::Nil));
    assert!(matches!(one("true"), Value::Bool(true)));
    assert!(matches!(one("false"), Value::Bool(false)));
    assert_eq!(sym_name(&one("nil?")), "nil?");
    assert_eq!(sym_name(&one("n\\il")), "nil");
    assert_eq!(r("a(b)c[d]e{}f\"g\""), r#"a (b) c [d] e {} f "g""#);
}

#[test]
fn complex_symbols() {
    assert_eq!(complex(&one("a/b")), ["a", "b"]);
    assert_eq!(complex(&one("gene/io/read")), ["gene", "io", "read"]);
    assert_eq!(complex(&one("arr/0")), ["arr", "0"]);
    assert_eq!(complex(&one("x/.length")), ["x", ".length"]);
    assert_eq!(complex(&one("$ns/a")), ["$ns", "a"]);
    assert_eq!(complex(&one("./")), [".", ""]);
    assert_eq!(complex(&one("/a")), ["", "a"]);
    assert_eq!(complex(&one("//")), ["", "", ""]);
    assert_eq!(complex(&one("a\\/b/c")), ["a/b", "c"]);
    assert_eq!(complex(&one("a\\ b/c")), ["a b", "c"]);
    if let Value::Complex(p) = one("/a") {
        assert_eq!(p[0], Sym::new(""));
    }
}

#[test]
fn arrays() {
    assert_eq!(r("[]"), "[]");
    assert_eq!(r("[1 [2 [3]] \"s\"]"), r#"[1 [2 [3]] "s"]"#);
    // Literal nil elements are dropped.
    assert_eq!(r("[1 nil 2]"), "[1 2]");
    assert_eq!(r("[nil]"), "[]");
    // `^` is not special in arrays.
    assert_eq!(r("[^a 1]"), "[^a 1]");
    err_at("[1 2", 1, 1, "unterminated array");
    err_at("[1 2)", 1, 5, "unexpected `)`");
    err_at("\n[1 }", 2, 4, "unexpected `}`");
}

#[test]
fn maps() {
    assert_eq!(r("{}"), "{}");
    assert_eq!(r(r#"{^a 1 ^b "x"}"#), r#"{^a 1 ^b "x"}"#);
    assert_eq!(r("{^^flag ^!off}"), "{^flag true ^off nil}");
    assert_eq!(r("{^a nil}"), "{^a nil}");
    assert_eq!(r("{^a^b 1}"), "{^a {^b 1}}");
    assert_eq!(r("{^a^b 1 ^a^c 2 ^d 3}"), "{^a {^b 1 ^c 2} ^d 3}");
    assert_eq!(r("{^a^b^c 1}"), "{^a {^b {^c 1}}}");
    assert_eq!(r("{^a^^b ^a^!c}"), "{^a {^b true ^c nil}}");
    assert_eq!(r("{^a {^b 1} ^a^c 2}"), "{^a {^b 1 ^c 2}}");
    assert_eq!(r("{^a [1 nil]}"), "{^a [1]}");
    assert_eq!(r("{ ^a 1, ^b 2 }"), "{^a 1 ^b 2}");
    assert_eq!(r("{^a\\ b 1}"), "{^a b 1}");
    assert_eq!(r("{^a:b 1}"), "{^a:b 1}");
    // Insertion order.
    assert_eq!(r("{^z 1 ^a 2 ^m 3}"), "{^z 1 ^a 2 ^m 3}");
    err_at("{^a 1 ^a 2}", 1, 7, "duplicate key `a`");
    err_at("{^^a ^a 2}", 1, 6, "duplicate key `a`");
    err_at("{^a 1 ^a^b 2}", 1, 7, "duplicate key `a^b`");
    err_at("{^a^b 1 ^a^b 2}", 1, 9, "duplicate key `a^b`");
    err_at("{^a 1 b 2}", 1, 7, "map entry without a `^key`");
    err_at("{1}", 1, 2, "map entry without a `^key`");
    err_at("{^a}", 1, 2, "missing value for key `a`");
    err_at("{^a ^b 1}", 1, 2, "missing value for key `a`");
    err_at("{^a 1", 1, 1, "unterminated map");
    err_at("{^a", 1, 1, "unterminated map");
    err_at("{^a 1 ]", 1, 7, "unexpected `]`");
    err_at("{^a 1 )", 1, 7, "unexpected `)`");
    err_at("{^ 1}", 1, 2, "expected a key name");
    err_at("{^^ 1}", 1, 2, "expected a key name");
    err_at("{^a^ 1}", 1, 2, "empty key");
    err_at("{^a^^ 1}", 1, 2, "empty key");
}

#[test]
fn genes() {
    let g = gene(&one("(f 1 2)"));
    assert_eq!(sym_name(&g.head), "f");
    assert_eq!(g.children.len(), 2);
    assert_eq!(g.span, Span { line: 1, col: 1 });
    let g = gene(&one("()"));
    assert!(g.head.is_nil());
    assert!(g.children.is_empty());
    assert_eq!(r("(f ^a 1 ^^b ^!c x y)"), "(f ^a 1 ^b true ^c nil x y)");
    assert_eq!(r("(f x ^a 1 y)"), "(f ^a 1 x y)");
    assert_eq!(r("(f ^a^b 1)"), "(f ^a {^b 1})");
    assert_eq!(r("(f ^a nil)"), "(f ^a nil)");
    assert_eq!(r("(f ^a 1 # c\n ^b 2)"), "(f ^a 1 ^b 2)");
    // The head may be anything, including nil and `^a`.
    assert_eq!(r("(nil == nil)"), "(nil ==)");
    assert_eq!(r("(^a 1)"), "(^a 1)");
    assert_eq!(r("([1] 2)"), "([1] 2)");
    assert_eq!(r("(_ \"s\" 1)"), r#"(_ "s" 1)"#);
    // Literal nil children are dropped.
    assert_eq!(r("(println \"Nil: \" nil)"), r#"(println "Nil: ")"#);
    assert_eq!(r("(f nil nil)"), "(f)");
    err_at(
        "(f ^a 1 x ^b 2)",
        1,
        11,
        "properties must form one contiguous group",
    );
    err_at("(f ^a 1 ^a 2)", 1, 9, "duplicate key `a`");
    err_at("(f ^a)", 1, 4, "missing value for key `a`");
    err_at("(f ^a ^b 1)", 1, 4, "missing value for key `a`");
    err_at("(f ^a", 1, 1, "unterminated gene");
    err_at("(f ^a 1", 1, 1, "unterminated gene");
    err_at("  (", 1, 3, "unterminated gene");
    err_at("(f (g 1)", 1, 1, "unterminated gene");
    err_at("(f\n  (g 1", 2, 3, "unterminated gene");
    err_at("(f ]", 1, 4, "unexpected `]`");
    err_at("(f ^a 1 }", 1, 9, "unexpected `}`");
    err_at("(f ^a }", 1, 7, "unexpected `}`");
}

#[test]
fn gene_spans() {
    let g = gene(&one("# x\n\n  (f\n (g 1)\n\t(h))"));
    assert_eq!(g.span, Span { line: 3, col: 3 });
    assert_eq!(gene(&g.children[0]).span, Span { line: 4, col: 2 });
    assert_eq!(gene(&g.children[1]).span, Span { line: 5, col: 2 });
    // Columns count characters, not bytes.
    let g = gene(&one("(f \"日本\" (g))"));
    assert_eq!(gene(&g.children[1]).span, Span { line: 1, col: 9 });
    // CR LF and lone CR end lines.
    let vals = read_all("(a)\r\n(b)\r(c)\n\n(d)").unwrap();
    let spans: Vec<_> = vals.iter().map(|v| gene(v).span).collect();
    assert_eq!(
        spans,
        [
            Span { line: 1, col: 1 },
            Span { line: 2, col: 1 },
            Span { line: 3, col: 1 },
            Span { line: 5, col: 1 }
        ]
    );
    // A multi-line string advances the line.
    let vals = read_all("\"a\nb\" (x)").unwrap();
    assert_eq!(gene(&vals[1]).span, Span { line: 2, col: 4 });
}

#[test]
fn unexpected_closers() {
    err_at(")", 1, 1, "unexpected `)`");
    err_at("1 ]", 1, 3, "unexpected `]`");
    err_at("\n\n  }", 3, 3, "unexpected `}`");
    err_at("(a))", 1, 4, "unexpected `)`");
}

#[test]
fn unsupported_dispatch() {
    err_at("  #[a b]", 1, 3, "sets are not supported");
    err_at("#@f x", 1, 1, "decorators are not supported");
    err_at("#/ab/", 1, 1, "regular expressions are not supported");
}

#[test]
fn errors_use_char_columns() {
    err_at("\"日本\" )", 1, 6, "unexpected `)`");
}

#[test]
fn nesting_limit() {
    let ok = "(".repeat(MAX_DEPTH) + &")".repeat(MAX_DEPTH);
    assert_eq!(read_all(&ok).unwrap().len(), 1);
    let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    assert_eq!(err(&deep).message, "nesting too deep");
    let deep = ":".repeat(MAX_DEPTH + 1) + "x";
    assert_eq!(err(&deep).message, "nesting too deep");
    let deep = "{^a ".repeat(MAX_DEPTH + 1);
    assert_eq!(err(&deep).message, "nesting too deep");
    let deep = "#\"#{".repeat(MAX_DEPTH + 1);
    assert_eq!(err(&deep).message, "nesting too deep");
    // Unterminated and very deep: an error, not a crash.
    assert!(read_all(&"(".repeat(100_000)).is_err());
    // Deep but within the limit, many times over: fine.
    let wide = "[".repeat(500) + &"]".repeat(500);
    assert_eq!(read_all(&wide.repeat(3)).unwrap().len(), 3);
}

#[test]
fn read_first_reads_one_form() {
    assert!(read_first("").unwrap().is_none());
    assert!(read_first("  # c\n").unwrap().is_none());
    assert!(matches!(read_first("1 2").unwrap(), Some(Value::Int(1))));
    // The rest is not looked at.
    assert!(matches!(read_first("1 )").unwrap(), Some(Value::Int(1))));
    assert!(matches!(read_first("nil").unwrap(), Some(Value::Nil)));
    assert!(read_first("(1").is_err());
}

#[test]
fn top_level_nil_is_kept() {
    let v = read_all("nil 1 nil").unwrap();
    assert_eq!(v.len(), 3);
}

#[test]
fn parse_error_display_and_render() {
    let e = err("(println \"abc");
    assert_eq!(e.to_string(), "1:10: unterminated string");
    assert_eq!(
        e.render("prog.gene", "(println \"abc"),
        "error: unterminated string\n --> prog.gene:1:10\n  |\n1 | (println \"abc\n  |          ^"
    );
}

mod prop {
    use super::super::*;
    use proptest::prelude::*;

    fn soup() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "\"",
            "\"\"\"",
            "#\"",
            "#{",
            "#(",
            "#[",
            "#<",
            ">#",
            "#",
            "##",
            "#!",
            "#@",
            "#/",
            "^",
            "^^",
            "^!",
            "^a",
            "^a^b",
            "%",
            "%_",
            ":",
            "'",
            "\\",
            "\\u",
            "\\ud83d",
            "\\u0041",
            "nil",
            "true",
            "x",
            "a/b",
            "/",
            "./",
            "1",
            "-1",
            "+",
            "1.5",
            "1e",
            "1m",
            "0!",
            ".5",
            "9999999999999999999",
            " ",
            ",",
            "\n",
            "\r",
            "\t",
            "é",
            "日",
            "😀",
            "\0",
        ]);
        prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_strings_never_panic(s in any::<String>()) {
            let _ = read_all(&s);
            let _ = read_first(&s);
        }

        #[test]
        fn bracket_soup_never_panics(s in soup()) {
            let _ = read_all(&s);
            let _ = read_first(&s);
        }

        #[test]
        fn errors_point_inside_the_source(s in soup()) {
            if let Err(e) = read_all(&s) {
                let lines = s.split('\n').count() + s.matches('\r').count();
                prop_assert!(e.span.line >= 1 && e.span.col >= 1);
                prop_assert!((e.span.line as usize) <= lines.max(1));
            }
        }

        #[test]
        fn ints_round_trip(n in any::<i64>()) {
            let v = read_first(&n.to_string()).unwrap();
            prop_assert!(matches!(v, Some(Value::Int(m)) if m == n));
        }

        #[test]
        fn floats_round_trip(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            let src = format!("{x:?}");
            let v = read_first(&src).unwrap();
            prop_assert!(matches!(v, Some(Value::Float(y)) if y == x || (y == 0.0 && x == 0.0)));
        }

        #[test]
        fn strings_round_trip_through_quoted_form(t in any::<String>()) {
            let mut q = String::new();
            crate::display::write_quoted(&mut q, &Value::str(&t));
            let v = read_first(&q).unwrap();
            prop_assert_eq!(v.as_ref().and_then(|v| v.as_str()), Some(t.as_str()));
        }
    }
}
