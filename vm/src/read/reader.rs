//! The reader: Gene source text to values (gene-language.md, section 1).
//!
//! A hand-written reader over the source bytes. Every delimiter the grammar
//! cares about is ASCII, so scanning bytes never splits a UTF-8 character.
//! Open collections live on an explicit stack of frames rather than the native
//! stack, and nesting is limited to [`MAX_DEPTH`]; no input makes the reader
//! panic or overflow the stack.
//!
//! Representation choices (the compiler relies on them):
//! * `:x` is the gene `(quote x)` (head [`sym::QUOTE`], one child, kept even
//!   when it is `nil`).
//! * `%x` / `%_x` are the genes `(#Unquote x)` / `(#UnquoteDiscard x)`; a
//!   `%` followed by whitespace, a closing bracket or the end of input is the
//!   symbol `%` (the modulo operator, `(7 % 3)`).
//! * `#"a#{x}b"` is the gene `(#Str "a" x "b")` (empty string parts are left
//!   out), or a plain string when every part is a string.
//! * `a/b` is `Value::Complex([a, b])`; `/` alone is the symbol `/`.
//! * A literal `nil` child of a gene or element of an array is dropped (the
//!   upstream reader quirk, section 1.3); map values, property values and the
//!   head keep it.
//! * `'a'` is an ordinary symbol token (character literals are not supported).
//! * Sets `#[..]`, decorators `#@`, regexes `#/`, and number literals other than
//!   plain integers and floats (units, ratios, dates, times, `0!` `0*` `0#`)
//!   are parse errors rather than upstream's `TODO` aborts.

use std::fmt;
use std::rc::Rc;

use crate::symbol::{Sym, sym};
use crate::value::{Gene, PropMap, Span, Value};

/// How deeply collections, quotes and interpolations may nest.
pub const MAX_DEPTH: usize = 1000;

/// A reader error: what went wrong and where (1-based line and column, the
/// column counted in characters). For unterminated constructs the span is that
/// of the opening delimiter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

impl ParseError {
    /// The rustc-like report of this error (see [`crate::diagnostic::render`]).
    pub fn render(&self, file: &str, src: &str) -> String {
        crate::diagnostic::render(file, src, self.span, &self.message)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.span.line, self.span.col, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Reads every top-level form of `src`.
pub fn read_all(src: &str) -> Result<Vec<Value>, ParseError> {
    let mut r = Reader::new(src);
    let mut out = Vec::new();
    loop {
        r.skip_ws()?;
        if r.pos >= r.b.len() {
            return Ok(out);
        }
        out.push(r.read_value()?);
    }
}

/// Where the complex symbols (paths such as `m/zz`) of read forms were,
/// keyed by the address of their parts (`path_key`): a path carries no span
/// of its own, and one can raise (a missing key, an index out of range).
/// Valid while the forms it was read with are alive.
pub type PathSpans = rustc_hash::FxHashMap<usize, Span>;

/// The key of a complex symbol in `PathSpans`.
pub fn path_key(parts: &Rc<Vec<Sym>>) -> usize {
    Rc::as_ptr(parts) as usize
}

/// Forms read with their locations.
pub struct Located {
    pub forms: Vec<Value>,
    /// Where each top-level form starts (so a form that is not a gene,
    /// which carries no span, can still be located).
    pub starts: Vec<Span>,
    pub paths: PathSpans,
}

/// Reads every top-level form of `src` with where each starts and where
/// each path is.
pub fn read_all_located(src: &str) -> Result<Located, ParseError> {
    let mut r = Reader::new(src);
    r.paths = Some(PathSpans::default());
    let mut out = Vec::new();
    let mut spans = Vec::new();
    loop {
        r.skip_ws()?;
        if r.pos >= r.b.len() {
            return Ok(Located {
                forms: out,
                starts: spans,
                paths: r.paths.take().unwrap_or_default(),
            });
        }
        spans.push(r.span_at(r.pos));
        out.push(r.read_value()?);
    }
}

/// Reads the first form of `src` (`None` when there is none); the rest of the
/// text is not looked at.
pub fn read_first(src: &str) -> Result<Option<Value>, ParseError> {
    let mut r = Reader::new(src);
    r.skip_ws()?;
    if r.pos >= r.b.len() {
        return Ok(None);
    }
    r.read_value().map(Some)
}

// Byte classes.
const WS: u8 = 1;
/// Ends a token: whitespace, `,`, `( ) [ ] { } " %`.
const DELIM: u8 = 2;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let ws = b" \t\r\n,";
    let mut i = 0;
    while i < ws.len() {
        t[ws[i] as usize] = WS | DELIM;
        i += 1;
    }
    let d = b"()[]{}\"%";
    let mut i = 0;
    while i < d.len() {
        t[d[i] as usize] = DELIM;
        i += 1;
    }
    t
};

#[inline]
fn is_delim(c: u8) -> bool {
    CLASS[c as usize] & DELIM != 0
}

/// `\s` in PCRE, which upstream's triple-quote rule uses.
#[inline]
fn is_pcre_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Where a string part stopped.
enum StrEnd {
    /// The closing quote(s); `pos` is past them.
    Close,
    /// `#{`, `#(`, `#[` or `#<` inside an interpolated string; `pos` is at `#`.
    Hash(u8),
}

/// A collection or prefix form being read. The reader keeps these on an
/// explicit stack instead of recursing, so deep nesting costs heap, not
/// native stack.
enum Frame {
    Gene(GeneFrame),
    Array(ArrayFrame),
    Map(MapFrame),
    Prefix(PrefixFrame),
    Interp(InterpFrame),
}

struct GeneFrame {
    start: usize,
    span: Span,
    /// None until the head has been read.
    head: Option<Value>,
    props: PropMap,
    children: Vec<Value>,
    props_state: PropsState,
    /// A `^key` whose value is being read.
    pending: Option<PendingKey>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PropsState {
    None,
    /// Inside the one group of properties.
    Open,
    /// The group has ended; another `^key` is an error.
    Closed,
}

struct ArrayFrame {
    start: usize,
    items: Vec<Value>,
}

struct MapFrame {
    /// The `{`.
    start: usize,
    map: PropMap,
    pending: Option<PendingKey>,
}

/// `:x`, `%x`, `%_x`.
struct PrefixFrame {
    start: usize,
    span: Span,
    head: Sym,
    child: Option<Value>,
}

struct InterpFrame {
    /// The `#` of `#"`.
    start: usize,
    span: Span,
    triple: bool,
    /// The next string part is the first.
    first: bool,
    parts: Vec<Value>,
    all_strings: bool,
    /// A `#{expr` was read; its `}` comes next.
    expect_brace: bool,
}

struct PendingKey {
    /// The `^`.
    kpos: usize,
    /// The key token (for messages).
    raw: (usize, usize),
    path: KeyPath,
}

enum KeyPath {
    One(Sym),
    Many(Vec<Sym>),
}

impl KeyPath {
    fn as_slice(&self) -> &[Sym] {
        match self {
            KeyPath::One(s) => std::slice::from_ref(s),
            KeyPath::Many(v) => v,
        }
    }
}

/// What driving the top frame led to.
enum Next {
    /// The frame is complete: its value (the frame is gone).
    Done(Value),
    /// The frame wants a child form, which starts at `pos` (the frame is back
    /// on the stack).
    Child,
}

struct Reader<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    stack: Vec<Frame>,
    /// Scratch space for string and token text.
    buf: String,
    /// Line/column cache: byte offset, line and column at that offset. Spans
    /// are mostly asked for in increasing order, so this keeps them linear.
    cache: (usize, u32, u32),
    /// Where each path was read, when asked (`read_all_located`).
    paths: Option<PathSpans>,
}

impl<'a> Reader<'a> {
    fn new(src: &'a str) -> Self {
        Reader {
            src,
            b: src.as_bytes(),
            pos: 0,
            stack: Vec::new(),
            buf: String::new(),
            cache: (0, 1, 1),
            paths: None,
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// The line and column of byte offset `pos`. A line ends at LF, CR LF or
    /// a lone CR.
    fn span_at(&mut self, pos: usize) -> Span {
        let (mut p, mut line, mut col) = self.cache;
        if pos < p {
            (p, line, col) = (0, 1, 1);
        }
        let b = self.b;
        let pos = pos.min(b.len());
        while p < pos {
            let c = b[p];
            if c == b'\n' || (c == b'\r' && b.get(p + 1) != Some(&b'\n')) {
                line = line.saturating_add(1);
                col = 1;
            } else if c & 0xC0 != 0x80 && c != b'\r' {
                col = col.saturating_add(1);
            }
            p += 1;
        }
        self.cache = (p, line, col);
        Span { line, col }
    }

    #[cold]
    fn error_at(&mut self, pos: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            span: self.span_at(pos),
        }
    }

    /// Skips whitespace (incl. `,`), line comments and block comments.
    fn skip_ws(&mut self) -> Result<(), ParseError> {
        let b = self.b;
        let mut i = self.pos;
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' | b',' => i += 1,
                b'#' => match b.get(i + 1) {
                    None | Some(b' ' | b'!' | b'#' | b'\r' | b'\n') => {
                        i += 1;
                        while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                            i += 1;
                        }
                    }
                    Some(b'<') => i = self.skip_block_comment(i)?,
                    _ => break,
                },
                _ => break,
            }
        }
        self.pos = i;
        Ok(())
    }

    /// `start` is at the `#` of `#<`; returns the offset past the closing
    /// `>#` (a `#` preceded by a `>` that is not itself preceded by `>`).
    fn skip_block_comment(&mut self, start: usize) -> Result<usize, ParseError> {
        let b = self.b;
        let mut i = start + 2;
        while i < b.len() {
            if b[i] == b'#' && b[i - 1] == b'>' && b[i - 2] != b'>' {
                return Ok(i + 1);
            }
            i += 1;
        }
        Err(self.error_at(start, "unterminated block comment (missing `>#`)"))
    }

    /// Reads one form at `self.pos`; whitespace has been skipped and the input
    /// is not exhausted.
    fn read_value(&mut self) -> Result<Value, ParseError> {
        let base = self.stack.len();
        loop {
            // Start a form: an atom, or a frame to drive.
            let mut v = match self.start_form()? {
                Some(v) => v,
                None => match self.step(None)? {
                    Next::Done(v) => v,
                    Next::Child => continue,
                },
            };
            // Hand finished values up until a frame wants another child.
            loop {
                if self.stack.len() <= base {
                    return Ok(v);
                }
                match self.step(Some(v))? {
                    Next::Done(w) => v = w,
                    Next::Child => break,
                }
            }
        }
    }

    fn push_frame(&mut self, frame: Frame, start: usize) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error_at(start, "nesting too deep"));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Reads an atom at `pos` (`Some`), or pushes the frame of the
    /// collection or prefix form that starts there (`None`).
    fn start_form(&mut self) -> Result<Option<Value>, ParseError> {
        let start = self.pos;
        let Some(&c) = self.b.get(start) else {
            return Err(self.error_at(start, "unexpected end of input"));
        };
        let frame = match c {
            b'(' => Frame::Gene(GeneFrame {
                start,
                span: self.span_at(start),
                head: None,
                props: PropMap::default(),
                children: Vec::new(),
                props_state: PropsState::None,
                pending: None,
            }),
            b'[' => Frame::Array(ArrayFrame {
                start,
                items: Vec::new(),
            }),
            b'{' => Frame::Map(MapFrame {
                start,
                map: PropMap::default(),
                pending: None,
            }),
            b')' | b']' | b'}' => {
                return Err(self.error_at(start, format!("unexpected `{}`", c as char)));
            }
            b'"' => return self.read_string(start).map(Some),
            b':' => self.prefix(start, sym::QUOTE),
            b'%' => {
                // `%` alone (before whitespace, a closer or the end) is the
                // symbol `%`, the modulo operator: `(7 % 3)`, `(% 10 4)`.
                if matches!(
                    self.b.get(start + 1),
                    None | Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | b')' | b']' | b'}')
                ) {
                    self.pos = start + 1;
                    return Ok(Some(Value::Symbol(sym::MOD)));
                }
                if self.b.get(start + 1) == Some(&b'_') {
                    self.prefix(start, sym::UNQUOTE_DISCARD)
                } else {
                    self.prefix(start, sym::UNQUOTE)
                }
            }
            b'#' => match self.b.get(start + 1) {
                Some(b'"') => {
                    let q = start + 1;
                    let triple =
                        self.b.get(q + 1) == Some(&b'"') && self.b.get(q + 2) == Some(&b'"');
                    Frame::Interp(InterpFrame {
                        start,
                        span: self.span_at(start),
                        triple,
                        first: true,
                        parts: Vec::new(),
                        all_strings: true,
                        expect_brace: false,
                    })
                }
                Some(b'[') => return Err(self.error_at(start, "sets are not supported")),
                Some(b'@') => return Err(self.error_at(start, "decorators are not supported")),
                Some(b'/') => {
                    return Err(self.error_at(start, "regular expressions are not supported"));
                }
                _ => return Ok(Some(self.read_symbol(start))),
            },
            b'0'..=b'9' => return self.read_number(start).map(Some),
            b'+' | b'-' if matches!(self.b.get(start + 1), Some(b'0'..=b'9')) => {
                return self.read_number(start).map(Some);
            }
            _ => return Ok(Some(self.read_symbol(start))),
        };
        // Past the opening delimiter.
        self.pos = start
            + match &frame {
                Frame::Prefix(p) if p.head == sym::UNQUOTE_DISCARD => 2,
                Frame::Interp(i) if i.triple => 4,
                Frame::Interp(_) => 2,
                _ => 1,
            };
        self.push_frame(frame, start)?;
        Ok(None)
    }

    fn prefix(&mut self, start: usize, head: Sym) -> Frame {
        Frame::Prefix(PrefixFrame {
            start,
            span: self.span_at(start),
            head,
            child: None,
        })
    }

    /// Pops the top frame, gives it `delivered` (its last child's value) and
    /// drives it on.
    fn step(&mut self, delivered: Option<Value>) -> Result<Next, ParseError> {
        let Some(mut frame) = self.stack.pop() else {
            let at = self.pos;
            return Err(self.error_at(at, "internal reader error: no open form"));
        };
        if let Some(v) = delivered {
            self.deliver(&mut frame, v)?;
        }
        match frame {
            Frame::Gene(g) => self.drive_gene(g),
            Frame::Array(a) => self.drive_array(a),
            Frame::Map(m) => self.drive_map(m),
            Frame::Prefix(p) => self.drive_prefix(p),
            Frame::Interp(i) => self.drive_interp(i),
        }
    }

    fn deliver(&mut self, frame: &mut Frame, v: Value) -> Result<(), ParseError> {
        match frame {
            Frame::Gene(g) => {
                if let Some(k) = g.pending.take() {
                    self.insert(&mut g.props, &k, v)?;
                } else if g.head.is_none() {
                    g.head = Some(v);
                } else if !v.is_nil() {
                    // The reader quirk: literal nil children vanish.
                    g.children.push(v);
                }
            }
            Frame::Array(a) => {
                if !v.is_nil() {
                    a.items.push(v);
                }
            }
            Frame::Map(m) => {
                if let Some(k) = m.pending.take() {
                    self.insert(&mut m.map, &k, v)?;
                }
            }
            Frame::Prefix(p) => p.child = Some(v),
            Frame::Interp(i) => {
                i.all_strings &= matches!(v, Value::Str(_));
                i.parts.push(v);
            }
        }
        Ok(())
    }

    /// The end of the token starting at `start` and whether it contains a
    /// `\` escape. A token ends at whitespace, `,` or `( ) [ ] { } " %`; `\`
    /// makes the next character part of the token.
    #[inline]
    fn scan_token(&self, start: usize) -> (usize, bool) {
        let b = self.b;
        let mut i = start;
        let mut esc = false;
        while i < b.len() {
            let c = b[i];
            if c == b'\\' {
                esc = true;
                // The escaped character may be multi-byte: its continuation
                // bytes are never delimiters, so the loop walks over them.
                i = (i + 2).min(b.len());
            } else if is_delim(c) {
                break;
            } else {
                i += 1;
            }
        }
        (i, esc)
    }

    /// Removes the `\` escapes of `raw` into `self.buf`.
    fn unescape_into_buf(&mut self, raw: &str) {
        self.buf.clear();
        let mut chars = raw.chars();
        while let Some(ch) = chars.next() {
            if ch == '\\' {
                self.buf.push(chars.next().unwrap_or('\\'));
            } else {
                self.buf.push(ch);
            }
        }
    }

    /// A symbol, complex symbol or `nil` / `true` / `false`.
    fn read_symbol(&mut self, start: usize) -> Value {
        let (end, esc) = self.scan_token(start);
        self.pos = end;
        let raw = &self.src[start..end];
        if !esc {
            return match raw {
                "nil" => Value::Nil,
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "/" => Value::Symbol(sym::DIV),
                _ if raw.as_bytes().contains(&b'/') => {
                    let parts = Rc::new(raw.split('/').map(Sym::new).collect());
                    self.located_path(&parts, start);
                    Value::Complex(parts)
                }
                _ => Value::Symbol(Sym::new(raw)),
            };
        }
        // With escapes: `\/` does not split.
        self.buf.clear();
        let mut parts: Vec<Sym> = Vec::new();
        let mut chars = raw.chars();
        while let Some(ch) = chars.next() {
            match ch {
                '\\' => self.buf.push(chars.next().unwrap_or('\\')),
                '/' => {
                    parts.push(Sym::new(&self.buf));
                    self.buf.clear();
                }
                _ => self.buf.push(ch),
            }
        }
        let last = Sym::new(&self.buf);
        if parts.is_empty() {
            Value::Symbol(last)
        } else {
            parts.push(last);
            let parts = Rc::new(parts);
            self.located_path(&parts, start);
            Value::Complex(parts)
        }
    }

    fn located_path(&mut self, parts: &Rc<Vec<Sym>>, start: usize) {
        if self.paths.is_some() {
            let at = self.span_at(start);
            if let Some(p) = &mut self.paths {
                p.insert(path_key(parts), at);
            }
        }
    }

    /// An integer or float: `[+-]digits[.digits][(e|E)[+-]digits]`. Anything
    /// else that starts like a number (units, ratios, dates, `0!`...) is an
    /// error.
    fn read_number(&mut self, start: usize) -> Result<Value, ParseError> {
        let (end, esc) = self.scan_token(start);
        let raw = &self.src[start..end];
        let t = raw.as_bytes();
        let digits = |mut i: usize| {
            while i < t.len() && t[i].is_ascii_digit() {
                i += 1;
            }
            i
        };
        let mut i = usize::from(matches!(t[0], b'+' | b'-'));
        i = digits(i);
        let mut float = false;
        if i < t.len() && t[i] == b'.' {
            float = true;
            i = digits(i + 1);
        }
        if i < t.len() && matches!(t[i], b'e' | b'E') {
            float = true;
            let mut j = i + 1;
            if j < t.len() && matches!(t[j], b'+' | b'-') {
                j += 1;
            }
            let k = digits(j);
            i = if k > j { k } else { usize::MAX };
        }
        if esc || i != t.len() {
            return Err(self.error_at(start, format!("unsupported number literal `{raw}`")));
        }
        self.pos = end;
        if float {
            match raw.parse::<f64>() {
                Ok(f) => Ok(Value::Float(f)),
                Err(_) => Err(self.error_at(start, format!("unsupported number literal `{raw}`"))),
            }
        } else {
            match raw.parse::<i64>() {
                Ok(n) => Ok(Value::Int(n)),
                Err(_) => Err(self.error_at(start, "integer literal out of range")),
            }
        }
    }

    /// `"..."` or `"""..."""`.
    fn read_string(&mut self, start: usize) -> Result<Value, ParseError> {
        let triple = self.b.get(start + 1) == Some(&b'"') && self.b.get(start + 2) == Some(&b'"');
        self.pos = start + if triple { 3 } else { 1 };
        self.buf.clear();
        self.scan_string_part(start, triple, false)?;
        if triple {
            collapse_leading_blank_lines(&mut self.buf);
            collapse_trailing_blank_lines(&mut self.buf);
        }
        Ok(Value::str(&self.buf))
    }

    /// Appends the text of a string from `self.pos` to `self.buf`, handling
    /// escapes, up to the closing quote(s) or, in an interpolated string, up
    /// to `#{`, `#(`, `#[` or `#<`. `open` is where the string began.
    fn scan_string_part(
        &mut self,
        open: usize,
        triple: bool,
        interp: bool,
    ) -> Result<StrEnd, ParseError> {
        let b = self.b;
        let mut i = self.pos;
        let mut seg = i;
        loop {
            let Some(&c) = b.get(i) else {
                return Err(self.error_at(open, "unterminated string"));
            };
            match c {
                b'"' => {
                    if !triple {
                        self.buf.push_str(&self.src[seg..i]);
                        self.pos = i + 1;
                        return Ok(StrEnd::Close);
                    }
                    if b.get(i + 1) == Some(&b'"') && b.get(i + 2) == Some(&b'"') {
                        self.buf.push_str(&self.src[seg..i]);
                        self.pos = i + 3;
                        return Ok(StrEnd::Close);
                    }
                    i += 1;
                }
                b'\\' => {
                    self.buf.push_str(&self.src[seg..i]);
                    i = self.escape(open, i)?;
                    seg = i;
                }
                b'#' if interp => match b.get(i + 1) {
                    Some(&k @ (b'{' | b'(' | b'[' | b'<')) => {
                        self.buf.push_str(&self.src[seg..i]);
                        self.pos = i;
                        return Ok(StrEnd::Hash(k));
                    }
                    _ => i += 1,
                },
                _ => i += 1,
            }
        }
    }

    /// The escape at `i` (a `\`): pushes its character to `self.buf` and
    /// returns the offset after it.
    fn escape(&mut self, open: usize, i: usize) -> Result<usize, ParseError> {
        let Some(&c) = self.b.get(i + 1) else {
            return Err(self.error_at(open, "unterminated string"));
        };
        let simple = match c {
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            _ => None,
        };
        if let Some(ch) = simple {
            self.buf.push(ch);
            return Ok(i + 2);
        }
        if c == b'u' {
            let Some(hi) = self.hex4(i + 2) else {
                return Err(self.error_at(
                    i,
                    "invalid unicode escape (expected `\\u` and 4 hex digits)",
                ));
            };
            let (cp, next) = if (0xD800..0xDC00).contains(&hi) {
                let lo = if self.b.get(i + 6) == Some(&b'\\') && self.b.get(i + 7) == Some(&b'u') {
                    self.hex4(i + 8)
                } else {
                    None
                };
                match lo {
                    Some(lo @ 0xDC00..0xE000) => {
                        (0x10000 + (((hi - 0xD800) << 10) | (lo - 0xDC00)), i + 12)
                    }
                    _ => {
                        return Err(self.error_at(
                            i,
                            "invalid unicode escape (high surrogate without a low surrogate)",
                        ));
                    }
                }
            } else {
                (hi, i + 6)
            };
            let Some(ch) = char::from_u32(cp) else {
                return Err(self.error_at(i, "invalid unicode escape (unpaired low surrogate)"));
            };
            self.buf.push(ch);
            return Ok(next);
        }
        // Any other `\c` is `c` (possibly a multi-byte character).
        match self.src[i + 1..].chars().next() {
            Some(ch) => {
                self.buf.push(ch);
                Ok(i + 1 + ch.len_utf8())
            }
            None => Err(self.error_at(open, "unterminated string")),
        }
    }

    fn hex4(&self, i: usize) -> Option<u32> {
        let h = self.b.get(i..i + 4)?;
        let mut v = 0u32;
        for &c in h {
            v = (v << 4) | (c as char).to_digit(16)?;
        }
        Some(v)
    }

    /// `(head ^k v ... child ...)`.
    fn drive_gene(&mut self, mut g: GeneFrame) -> Result<Next, ParseError> {
        loop {
            self.skip_ws()?;
            let Some(c) = self.peek() else {
                return Err(self.unterminated(g.start));
            };
            if g.head.is_none() {
                if c == b')' {
                    self.pos += 1;
                    return Ok(Next::Done(Value::gene(Gene {
                        span: g.span,
                        ..Gene::default()
                    })));
                }
                self.stack.push(Frame::Gene(g));
                return Ok(Next::Child);
            }
            match c {
                b')' => {
                    self.pos += 1;
                    return Ok(Next::Done(Value::gene(Gene {
                        head: g.head.unwrap_or_default(),
                        props: g.props,
                        children: g.children,
                        span: g.span,
                    })));
                }
                b'^' => {
                    if g.props_state == PropsState::Closed {
                        let at = self.pos;
                        return Err(self
                            .error_at(at, "properties must form one contiguous group in a gene"));
                    }
                    g.props_state = PropsState::Open;
                    if let Some(k) = self.read_entry(&mut g.props, g.start, b')')? {
                        g.pending = Some(k);
                        self.stack.push(Frame::Gene(g));
                        return Ok(Next::Child);
                    }
                }
                _ => {
                    if g.props_state == PropsState::Open {
                        g.props_state = PropsState::Closed;
                    }
                    self.stack.push(Frame::Gene(g));
                    return Ok(Next::Child);
                }
            }
        }
    }

    /// `[a b ...]`.
    fn drive_array(&mut self, a: ArrayFrame) -> Result<Next, ParseError> {
        self.skip_ws()?;
        match self.peek() {
            None => Err(self.unterminated(a.start)),
            Some(b']') => {
                self.pos += 1;
                Ok(Next::Done(Value::array(a.items)))
            }
            Some(_) => {
                self.stack.push(Frame::Array(a));
                Ok(Next::Child)
            }
        }
    }

    /// `{^k v ...}`, up to and including the `}`.
    fn drive_map(&mut self, mut m: MapFrame) -> Result<Next, ParseError> {
        loop {
            self.skip_ws()?;
            match self.peek() {
                None => return Err(self.unterminated(m.start)),
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Next::Done(Value::map(m.map)));
                }
                Some(b'^') => {
                    if let Some(k) = self.read_entry(&mut m.map, m.start, b'}')? {
                        m.pending = Some(k);
                        self.stack.push(Frame::Map(m));
                        return Ok(Next::Child);
                    }
                }
                Some(c @ (b')' | b']')) => {
                    let at = self.pos;
                    return Err(self.error_at(at, format!("unexpected `{}`", c as char)));
                }
                Some(_) => {
                    let at = self.pos;
                    let (end, _) = self.scan_token(at);
                    let what = if end > at {
                        format!("`{}`", truncate(&self.src[at..end], 40))
                    } else {
                        "a value".to_string()
                    };
                    return Err(
                        self.error_at(at, format!("map entry without a `^key`: found {what}"))
                    );
                }
            }
        }
    }

    /// `:x`, `%x`, `%_x`: the gene `(head x)`.
    fn drive_prefix(&mut self, mut p: PrefixFrame) -> Result<Next, ParseError> {
        if let Some(child) = p.child.take() {
            return Ok(Next::Done(Value::gene(Gene {
                head: Value::Symbol(p.head),
                props: PropMap::default(),
                children: vec![child],
                span: p.span,
            })));
        }
        self.skip_ws()?;
        if self.pos >= self.b.len() {
            let what = match p.head {
                sym::UNQUOTE => "`%`",
                sym::UNQUOTE_DISCARD => "`%_`",
                _ => "`:`",
            };
            return Err(self.error_at(p.start, format!("expected a form after {what}")));
        }
        self.stack.push(Frame::Prefix(p));
        Ok(Next::Child)
    }

    /// `#"..."` / `#"""..."""` with `#{expr}`, `#{^k v}`, `#(call)`,
    /// `#[array]` parts and `#<comments>#`.
    fn drive_interp(&mut self, mut it: InterpFrame) -> Result<Next, ParseError> {
        if it.expect_brace {
            self.skip_ws()?;
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    it.expect_brace = false;
                }
                None => return Err(self.error_at(it.start, "unterminated string")),
                Some(_) => {
                    let at = self.pos;
                    return Err(self.error_at(at, "expected `}` to close the interpolation `#{`"));
                }
            }
        }
        loop {
            self.buf.clear();
            let end = self.scan_string_part(it.start, it.triple, true)?;
            if it.triple {
                if it.first {
                    collapse_leading_blank_lines(&mut self.buf);
                }
                if matches!(end, StrEnd::Close) {
                    collapse_trailing_blank_lines(&mut self.buf);
                }
            }
            it.first = false;
            if !self.buf.is_empty() {
                it.parts.push(Value::str(&self.buf));
            }
            let StrEnd::Hash(kind) = end else {
                return Ok(Next::Done(finish_interp(it)));
            };
            let hash = self.pos;
            match kind {
                b'<' => self.pos = self.skip_block_comment(hash)?,
                b'{' => {
                    self.pos = hash + 2;
                    self.skip_ws()?;
                    match self.peek() {
                        None => return Err(self.error_at(it.start, "unterminated string")),
                        Some(b'}') => {
                            return Err(self.error_at(hash, "empty interpolation `#{}`"));
                        }
                        Some(b'^') => {
                            // `#{^a 1}`: the map's entries up to its `}`.
                            self.stack.push(Frame::Interp(it));
                            let map = Frame::Map(MapFrame {
                                start: hash + 1,
                                map: PropMap::default(),
                                pending: None,
                            });
                            self.push_frame(map, hash + 1)?;
                            return self.step(None);
                        }
                        Some(_) => {
                            it.expect_brace = true;
                            self.stack.push(Frame::Interp(it));
                            return Ok(Next::Child);
                        }
                    }
                }
                _ => {
                    // `#(` or `#[`: the gene or array after the `#`.
                    self.pos = hash + 1;
                    self.stack.push(Frame::Interp(it));
                    return Ok(Next::Child);
                }
            }
        }
    }

    /// One `^key value`, `^^flag`, `^!flag` or `^a^b value` entry at `^`, in
    /// the collection opened at `open` and closed by `close`. Flags go into
    /// `map` at once; for a key that takes a value, returns the key, with
    /// `pos` at the value.
    fn read_entry(
        &mut self,
        map: &mut PropMap,
        open: usize,
        close: u8,
    ) -> Result<Option<PendingKey>, ParseError> {
        let kpos = self.pos;
        let mut i = kpos + 1;
        let flag = match self.b.get(i) {
            Some(b'^') => Some(Value::Bool(true)),
            Some(b'!') => Some(Value::Nil),
            _ => None,
        };
        if flag.is_some() {
            i += 1;
        }
        let (end, esc) = self.scan_token(i);
        if end == i {
            return Err(self.error_at(kpos, "expected a key name after `^`"));
        }
        self.pos = end;
        let raw = &self.src[i..end];

        if let Some(v) = flag {
            let key = if esc {
                self.unescape_into_buf(raw);
                Sym::new(&self.buf)
            } else {
                Sym::new(raw)
            };
            let k = PendingKey {
                kpos,
                raw: (i, end),
                path: KeyPath::One(key),
            };
            self.insert(map, &k, v)?;
            return Ok(None);
        }

        // A path `a^b^c` (a `^` right after another `^` does not split, so
        // `a^^b` is the path `a`, `^b`, the last part being a flag).
        let (path, flag) = if !esc && !raw.as_bytes().contains(&b'^') {
            (KeyPath::One(Sym::new(raw)), None)
        } else {
            match split_key_path(raw) {
                Some((p, f)) if p.len() == 1 => (KeyPath::One(p[0]), f),
                Some((p, f)) => (KeyPath::Many(p), f),
                None => return Err(self.error_at(kpos, format!("empty key in `^{raw}`"))),
            }
        };
        let k = PendingKey {
            kpos,
            raw: (i, end),
            path,
        };
        if let Some(v) = flag {
            self.insert(map, &k, v)?;
            return Ok(None);
        }
        self.skip_ws()?;
        match self.peek() {
            None => Err(self.unterminated(open)),
            Some(c) if c == b'^' || c == close => Err(self.error_at(
                kpos,
                format!("missing value for key `{}`", &self.src[i..end]),
            )),
            Some(_) => Ok(Some(k)),
        }
    }

    fn insert(
        &mut self,
        map: &mut PropMap,
        k: &PendingKey,
        value: Value,
    ) -> Result<(), ParseError> {
        if insert_path(map, k.path.as_slice(), value) {
            Ok(())
        } else {
            let raw = &self.src[k.raw.0..k.raw.1];
            let msg = format!("duplicate key `{raw}`");
            Err(self.error_at(k.kpos, msg))
        }
    }

    #[cold]
    fn unterminated(&mut self, open: usize) -> ParseError {
        let msg = match self.b.get(open) {
            Some(b'(') => "unterminated gene (missing `)`)",
            Some(b'[') => "unterminated array (missing `]`)",
            Some(b'{') => "unterminated map (missing `}`)",
            _ => "unterminated form",
        };
        self.error_at(open, msg)
    }
}

/// An interpolated string's value: a plain string when every part is one.
fn finish_interp(it: InterpFrame) -> Value {
    if it.all_strings {
        let mut s = String::new();
        for p in &it.parts {
            if let Value::Str(t) = p {
                s.push_str(t);
            }
        }
        return Value::string(s);
    }
    Value::gene(Gene {
        head: Value::Symbol(sym::HASH_STR),
        props: PropMap::default(),
        children: it.parts,
        span: it.span,
    })
}

/// Inserts `value` at `path` (nested maps created as needed). False when the
/// key is already present or a path prefix names a non-map.
fn insert_path(map: &mut PropMap, path: &[Sym], value: Value) -> bool {
    let Some((&first, rest)) = path.split_first() else {
        return false;
    };
    if rest.is_empty() {
        if map.contains_key(&first) {
            return false;
        }
        map.insert(first, value);
        return true;
    }
    match map.get(&first) {
        Some(Value::Map(m)) => {
            let m = m.clone();
            let Ok(mut inner) = m.try_borrow_mut() else {
                return false;
            };
            insert_path(&mut inner, rest, value)
        }
        Some(_) => false,
        None => {
            let mut inner = PropMap::default();
            if !insert_path(&mut inner, rest, value) {
                return false;
            }
            map.insert(first, Value::map(inner));
            true
        }
    }
}

/// Splits a key token containing `^` (or escapes) into its path, and the flag
/// value when the last part is `^name` (true) or `!name` (nil). None when a
/// part is empty.
fn split_key_path(raw: &str) -> Option<(Vec<Sym>, Option<Value>)> {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut last = '\0';
    let mut chars = raw.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => {
                cur.push(chars.next().unwrap_or('\\'));
                last = '\\';
                continue;
            }
            '^' if last != '^' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
        last = ch;
    }
    let mut flag = None;
    if parts.is_empty() {
        // Only escapes, no path.
    } else if let Some(rest) = cur.strip_prefix('^') {
        flag = Some(Value::Bool(true));
        cur = rest.to_string();
    } else if let Some(rest) = cur.strip_prefix('!') {
        flag = Some(Value::Nil);
        cur = rest.to_string();
    }
    parts.push(cur);
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    Some((parts.iter().map(|p| Sym::new(p)).collect(), flag))
}

/// `^\s*\n` -> `\n`: leading blank lines collapse to one newline.
fn collapse_leading_blank_lines(s: &mut String) {
    let b = s.as_bytes();
    let ws_end = b.iter().position(|&c| !is_pcre_space(c)).unwrap_or(b.len());
    if let Some(nl) = b[..ws_end].iter().rposition(|&c| c == b'\n') {
        s.replace_range(..nl, "");
    }
}

/// `\n\s*$` -> `\n`: trailing blank lines collapse to one newline.
fn collapse_trailing_blank_lines(s: &mut String) {
    let b = s.as_bytes();
    let ws_start = b
        .iter()
        .rposition(|&c| !is_pcre_space(c))
        .map_or(0, |p| p + 1);
    if let Some(nl) = b[ws_start..].iter().position(|&c| c == b'\n') {
        s.truncate(ws_start + nl + 1);
    }
}

fn truncate(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests;
