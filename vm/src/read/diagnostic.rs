//! rustc-like reports of errors at a source location:
//!
//! ```text
//! error: unterminated string
//!  --> prog.gene:3:10
//!   |
//! 3 | (println "abc
//!   |          ^
//! ```
//!
//! The gutter is as wide as the line number. A tab before the column is
//! echoed as a tab under it so that the caret lines up. Lines end at LF,
//! CR LF or a lone CR, as in the reader. A line longer than `WIDE`
//! characters is shown as a window of `CONTEXT` characters either side of
//! the column, with `...` where it is cut. The report has no trailing newline.

use std::borrow::Cow;
use std::fmt::Write;

use crate::value::Span;

/// The report with the `error` kind.
pub fn render(file: &str, src: &str, span: Span, message: &str) -> String {
    render_with_kind("error", file, src, span, message)
}

/// The report with `kind` (`error`, `warning`, ...) before the message. When
/// the span is 0:0 or outside `src`, only the first two lines are produced.
pub fn render_with_kind(kind: &str, file: &str, src: &str, span: Span, message: &str) -> String {
    let mut out = String::new();
    let line_no = span.line.to_string();
    let pad = " ".repeat(line_no.len());
    let _ = write!(
        out,
        "{kind}: {message}\n{pad}--> {file}:{}:{}",
        span.line, span.col
    );
    let Some(text) = source_line(src, span) else {
        return out;
    };
    let (text, before) = window(text, span.col as usize - 1);
    let _ = write!(out, "\n{pad} |\n{line_no} | {text}\n{pad} | ");
    for ch in text.chars().take(before) {
        out.push(if ch == '\t' { '\t' } else { ' ' });
    }
    out.push('^');
    out
}

/// Lines up to this many characters are shown whole.
const WIDE: usize = 160;
/// Characters shown either side of the column of a wider line.
const CONTEXT: usize = 60;

/// The part of `text` to show for a caret after `col` characters, and how
/// many characters of it precede the caret. A giant line (a generated or
/// minified file) must not be printed whole.
fn window(text: &str, col: usize) -> (Cow<'_, str>, usize) {
    let n = text.chars().count();
    if n <= WIDE {
        return (Cow::Borrowed(text), col);
    }
    let from = col.saturating_sub(CONTEXT);
    let to = (col + 1 + CONTEXT).min(n);
    let mut at = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()));
    let start = at.nth(from).unwrap_or(text.len());
    let end = if to == n {
        text.len()
    } else {
        at.nth(to - from - 1).unwrap_or(text.len())
    };
    let mut shown = String::with_capacity(end - start + 6);
    let mut before = col - from;
    if from > 0 {
        shown.push_str("...");
        before += 3;
    }
    shown.push_str(&text[start..end]);
    if to < n {
        shown.push_str("...");
    }
    (Cow::Owned(shown), before)
}

/// The text of the span's line (1-based), when the span's column lies within
/// it or just past its end.
fn source_line(src: &str, span: Span) -> Option<&str> {
    if span.line == 0 || span.col == 0 {
        return None;
    }
    let b = src.as_bytes();
    let mut line = 1u32;
    let mut start = 0usize;
    let mut i = 0usize;
    let end = loop {
        if i >= b.len() {
            if line == span.line {
                break b.len();
            }
            return None;
        }
        match b[i] {
            b'\n' | b'\r' => {
                if line == span.line {
                    break i;
                }
                i += if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                line += 1;
                start = i;
            }
            _ => i += 1,
        }
    };
    let text = &src[start..end];
    if span.col as usize > text.chars().count() + 1 {
        return None;
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(line: u32, col: u32) -> Span {
        Span { line, col }
    }

    #[test]
    fn the_documented_layout() {
        let src = "(var x 1)\n\n(println \"abc\n";
        assert_eq!(
            render("prog.gene", src, sp(3, 10), "unterminated string"),
            "error: unterminated string\n --> prog.gene:3:10\n  |\n3 | (println \"abc\n  |          ^"
        );
    }

    #[test]
    fn gutter_grows_with_the_line_number() {
        let src = "x\n".repeat(11) + "abc def";
        assert_eq!(
            render("f.gene", &src, sp(12, 5), "bad"),
            "error: bad\n  --> f.gene:12:5\n   |\n12 | abc def\n   |     ^"
        );
    }

    #[test]
    fn kind_is_configurable() {
        assert_eq!(
            render_with_kind("warning", "a.gene", "x", sp(1, 1), "hm"),
            "warning: hm\n --> a.gene:1:1\n  |\n1 | x\n  | ^"
        );
    }

    #[test]
    fn no_snippet_without_a_location() {
        assert_eq!(
            render("a.gene", "abc", sp(0, 0), "oops"),
            "error: oops\n --> a.gene:0:0"
        );
        assert_eq!(
            render("a.gene", "abc", sp(1, 0), "oops"),
            "error: oops\n --> a.gene:1:0"
        );
        // Past the end of the source.
        assert_eq!(
            render("a.gene", "abc\n", sp(3, 1), "oops"),
            "error: oops\n --> a.gene:3:1"
        );
        assert_eq!(
            render("a.gene", "abc", sp(1, 5), "oops"),
            "error: oops\n --> a.gene:1:5"
        );
        assert_eq!(
            render("a.gene", "", sp(2, 1), "oops"),
            "error: oops\n --> a.gene:2:1"
        );
    }

    #[test]
    fn end_of_line_and_empty_last_line() {
        assert_eq!(
            render("a.gene", "abc", sp(1, 4), "eof"),
            "error: eof\n --> a.gene:1:4\n  |\n1 | abc\n  |    ^"
        );
        assert_eq!(
            render("a.gene", "abc\n", sp(2, 1), "eof"),
            "error: eof\n --> a.gene:2:1\n  |\n2 | \n  | ^"
        );
    }

    #[test]
    fn line_endings_and_characters() {
        let src = "a\r\nb\rc\n  \"日本\" )";
        assert_eq!(
            render("a.gene", src, sp(2, 1), "m"),
            "error: m\n --> a.gene:2:1\n  |\n2 | b\n  | ^"
        );
        assert_eq!(
            render("a.gene", src, sp(3, 1), "m"),
            "error: m\n --> a.gene:3:1\n  |\n3 | c\n  | ^"
        );
        // Columns count characters; the caret is placed by characters too.
        assert_eq!(
            render("a.gene", src, sp(4, 8), "m"),
            "error: m\n --> a.gene:4:8\n  |\n4 |   \"日本\" )\n  |        ^"
        );
        // Tabs are echoed.
        assert_eq!(
            render("a.gene", "\t(x", sp(1, 2), "m"),
            "error: m\n --> a.gene:1:2\n  |\n1 | \t(x\n  | \t^"
        );
    }

    #[test]
    fn giant_lines_show_a_window_around_the_column() {
        // A syntax error far into a 10 MB single-line file.
        let mut src = "a ".repeat(5_000_000);
        src.push_str("日本 )");
        let col = src.chars().count() as u32; // the `)`
        let out = render("big.gene", &src, sp(1, col), "unexpected `)`");
        assert!(out.len() < 400, "{} bytes", out.len());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[3], format!("1 | ...{} 日本 )", " a".repeat(28)));
        assert_eq!(lines[4].find('^'), Some(4 + 3 + 60));
        // Cut on both sides, caret under the right character.
        let src = "x".repeat(300) + "!" + &"y".repeat(300);
        let out = render("w.gene", &src, sp(1, 301), "m");
        let lines: Vec<&str> = out.lines().collect();
        let shown = lines[3].strip_prefix("1 | ").unwrap();
        assert_eq!(
            shown,
            format!("...{}!{}...", "x".repeat(60), "y".repeat(60))
        );
        let caret = lines[4].strip_prefix("  | ").unwrap();
        assert_eq!(caret.len(), 3 + 60 + 1);
        assert_eq!(shown.chars().nth(caret.len() - 1), Some('!'));
        // Near the start: no leading cut.
        let out = render("w.gene", &src, sp(1, 2), "m");
        assert!(out.lines().nth(3).unwrap().starts_with("1 | xx"));
        assert!(out.ends_with("\n  |  ^"));
    }

    #[test]
    fn matches_reader_spans() {
        for src in ["(f\n  (g \"x", "\r\n\r\n  )", "[1 2\n 3", "a\rb\r  }"] {
            let e = crate::reader::read_all(src).unwrap_err();
            let out = render("t.gene", src, e.span, &e.message);
            assert!(out.ends_with('^'), "{src:?}:\n{out}");
        }
    }
}
