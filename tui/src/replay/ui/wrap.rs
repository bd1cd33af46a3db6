//! Wrapping styled lines to a width, the continuation lines indented
//! (under a details popup's values, a help line's text), so that a long
//! value is read whole instead of cut at the popup's edge.

use ratatui::text::{Line, Span};

/// Values longer than this get their length shown in the details popup.
pub const LONG_VALUE: usize = 40;

/// `line` cut into lines of at most `width` columns (one column a char);
/// every line after the first starts with `indent` spaces.
pub fn wrap_line(line: Line<'static>, width: usize, indent: usize) -> Vec<Line<'static>> {
    let indent = indent.min(width.saturating_sub(1) / 2);
    let total: usize = line.spans.iter().map(|s| s.content.chars().count()).sum();
    if width == 0 || total <= width {
        return vec![line];
    }
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut cur: Vec<Span<'static>> = Vec::new();
    let mut col = 0;
    for span in line.spans {
        let mut piece = String::new();
        for ch in span.content.chars() {
            if col == width {
                if !piece.is_empty() {
                    cur.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                out.push(Line::from(std::mem::take(&mut cur)).style(line.style));
                cur.push(Span::raw(" ".repeat(indent)));
                col = indent;
            }
            piece.push(ch);
            col += 1;
        }
        if !piece.is_empty() {
            cur.push(Span::styled(piece, span.style));
        }
    }
    if !cur.is_empty() {
        out.push(Line::from(cur).style(line.style));
    }
    out
}

/// `text` broken at spaces into lines of at most `width` chars (a word
/// longer than that is cut).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        let n = cur.chars().count();
        if n > 0 && n + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// Every line wrapped by `wrap_line`.
pub fn wrap_lines(lines: Vec<Line<'static>>, width: usize, indent: usize) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .flat_map(|l| wrap_line(l, width, indent))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn wraps_with_an_indent() {
        let l = Line::from(vec![Span::raw("key  "), Span::raw("abcdefghij")]);
        assert_eq!(text(&wrap_line(l, 8, 3)), ["key  abc", "   defgh", "   ij"]);
        let short = Line::from("short");
        assert_eq!(text(&wrap_line(short, 8, 3)), ["short"]);
        // An indent as wide as the line would never progress: it shrinks.
        assert_eq!(
            wrap_words("one two three fourfivesix", 7),
            ["one two", "three", "fourfiv", "esix"]
        );
        assert_eq!(wrap_words("", 5), [""]);
        let l = Line::from("abcdefgh");
        assert_eq!(text(&wrap_line(l, 4, 10)), ["abcd", " efg", " h"]);
    }
}
