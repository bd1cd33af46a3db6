//! Reading traces: validation, indexing by poll, and the record type that
//! the checkers and the replay work on. A corrupt or truncated file gives an
//! error naming the line, and the records before it stay usable.

use std::io::{BufRead, Read};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;

/// A field value of a record. Sixteen bytes: a big trace holds millions.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Int(i64),
    Bool(bool),
    /// Shared with every equal text of the trace.
    Text(Arc<String>),
}

impl Field {
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Field::Int(i) => u64::try_from(*i).ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Field::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Field::Text(s) => Some(s.as_str()),
            _ => None,
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Int(i) => write!(f, "{i}"),
            Field::Bool(b) => write!(f, "{b}"),
            Field::Text(s) => f.write_str(s),
        }
    }
}

/// One event of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub seq: u64,
    /// Virtual nanoseconds.
    pub t: u64,
    pub poll: u64,
    pub kind: Arc<str>,
    /// In the order the event gave them.
    pub fields: Box<[(Arc<str>, Field)]>,
}

impl Record {
    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v)
    }

    pub fn u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(Field::as_u64)
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Field::as_bool)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Field::as_str)
    }

    /// The fields as `key=value` pairs, for display.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.join(" ")
    }
}

/// Shares the strings that repeat: kinds and field keys, and text values.
#[derive(Default)]
pub struct Names {
    names: FxHashMap<Box<str>, Arc<str>>,
    texts: FxHashMap<Box<str>, Arc<String>>,
}

impl Names {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.names.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.names.insert(Box::from(s), a.clone());
        a
    }

    /// A field's text: locations and names repeat whatever their length
    /// (one per source line or task) and are shared, as short texts are.
    pub fn field_text(&mut self, key: &str, s: &str) -> Arc<String> {
        const LONG_SHARED: usize = 256;
        if s.len() <= LONG_SHARED && matches!(key, "at" | "def" | "name" | "var" | "site") {
            return self.shared(s);
        }
        self.text(s)
    }

    fn shared(&mut self, s: &str) -> Arc<String> {
        const MAX_SHARED: usize = 1 << 16;
        if let Some(a) = self.texts.get(s) {
            return a.clone();
        }
        let a = Arc::new(s.to_string());
        if self.texts.len() < MAX_SHARED {
            self.texts.insert(Box::from(s), a.clone());
        }
        a
    }

    /// Short texts repeat (`nil`, operation and task kinds) and are
    /// shared; long ones are mostly unique and are not worth a lookup.
    pub fn text(&mut self, s: &str) -> Arc<String> {
        const SHORT: usize = 12;
        const MAX_SHARED: usize = 1 << 16;
        if s.len() > SHORT {
            return Arc::new(s.to_string());
        }
        if let Some(a) = self.texts.get(s) {
            return a.clone();
        }
        let a = Arc::new(s.to_string());
        if self.texts.len() < MAX_SHARED {
            self.texts.insert(Box::from(s), a.clone());
        }
        a
    }
}

/// The longest line the reader takes, in bytes (docs/trace-format.md). A
/// longer one is an error naming its line, so that a damaged or hostile file
/// cannot make the reader hold more than this at once.
pub const MAX_LINE_BYTES: usize = 256 << 20;

/// Limits of the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest line, header included, in bytes.
    pub max_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: MAX_LINE_BYTES,
        }
    }
}

/// A problem in a trace file, at a 1-based line; line 0 when the file
/// cannot be opened at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    pub line: usize,
    pub message: String,
}

impl TraceError {
    /// The file could not be opened or is not a file (a usage error for
    /// the tools), as opposed to a file whose content is not a trace.
    pub fn cannot_open(&self) -> bool {
        self.line == 0
    }
}

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// A read trace: header, records, and where each poll's records are.
pub struct Trace {
    pub header: serde_json::Value,
    pub records: Vec<Record>,
    /// Record ranges, by poll index.
    pub polls: Vec<Range<usize>>,
    /// Why reading stopped early; the records before it are valid.
    pub error: Option<TraceError>,
}

impl Trace {
    /// Builds a trace from records collected in memory.
    pub fn from_records(header: serde_json::Value, records: Vec<Record>) -> Trace {
        let polls = index_polls(&records);
        Trace {
            header,
            records,
            polls,
            error: None,
        }
    }

    pub fn seed(&self) -> Option<u64> {
        header::seed(&self.header)
    }

    /// The run's `await` blocked its task instead of suspending it (the
    /// header's `config.await`).
    pub fn blocking_await(&self) -> bool {
        header::blocking_await(&self.header)
    }

    /// The program's file name in the header.
    pub fn program_name(&self) -> Option<&str> {
        header::program_name(&self.header)
    }

    /// Whether the trace holds a whole run: it ends with `run.end`, and no
    /// line after the header is damaged.
    pub fn is_complete(&self) -> bool {
        self.error.is_none() && self.records.last().is_some_and(|r| &*r.kind == "run.end")
    }

    /// The poll's records.
    pub fn poll(&self, index: usize) -> &[Record] {
        self.polls
            .get(index)
            .map_or(&[], |r| &self.records[r.clone()])
    }
}

/// What the tools read of a trace's header line.
pub mod header {
    use serde_json::Value;

    pub fn seed(header: &Value) -> Option<u64> {
        header.get("seed").and_then(|s| s.as_u64())
    }

    /// The run's `await` blocked its task instead of suspending it
    /// (`config.await`).
    pub fn blocking_await(header: &Value) -> bool {
        header
            .get("config")
            .and_then(|c| c.get("await"))
            .and_then(|a| a.as_str())
            == Some("blocking")
    }

    /// The program's file name.
    pub fn program_name(header: &Value) -> Option<&str> {
        header.get("program")?.get("name")?.as_str()
    }
}

fn index_polls(records: &[Record]) -> Vec<Range<usize>> {
    let mut polls: Vec<Range<usize>> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let p = r.poll as usize;
        while polls.len() <= p {
            polls.push(i..i);
        }
        polls[p].end = i + 1;
    }
    polls
}

pub fn read_file(path: &Path) -> Result<Trace, TraceError> {
    read_file_with(path, &Limits::default())
}

pub fn read_file_with(path: &Path, limits: &Limits) -> Result<Trace, TraceError> {
    let (records, meta) = super::stream::Records::open(path, limits)?;
    // Records are about 100 bytes: reserving up front spares the peak of a
    // growing vector holding both its old and its new buffer. The file's
    // size bounds the reservation; a file of few long lines wastes only
    // address space, which is not touched.
    let hint = (meta.len() / 100).min(1 << 24) as usize;
    Ok(collect(records, hint))
}

/// Reads a trace. Fails only when the header is unusable; a bad record
/// ends the reading with `Trace::error` set.
pub fn read(input: impl BufRead) -> Result<Trace, TraceError> {
    read_with(input, &Limits::default())
}

pub fn read_with(input: impl BufRead, limits: &Limits) -> Result<Trace, TraceError> {
    Ok(collect(super::stream::Records::new(input, limits)?, 0))
}

/// Reads one line into `buf` (without its line end), holding at most
/// `max` bytes of it: `Ok(false)` at the end of the input.
pub fn read_line_bounded(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> Result<bool, String> {
    buf.clear();
    // Room for the line end, `\r\n`, which does not count.
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(2);
    let n = input
        .by_ref()
        .take(limit)
        .read_until(b'\n', buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    if buf.len() > max {
        return Err(format!(
            "the line is longer than {max} bytes, the longest a trace line may be"
        ));
    }
    Ok(true)
}

/// Every record of `records`, with the error that ended them.
fn collect(mut records: super::stream::Records<impl BufRead>, expected: usize) -> Trace {
    let mut all = Vec::with_capacity(expected.min(50_000_000));
    all.extend(records.by_ref());
    let (header, error) = records.finish();
    let mut trace = Trace::from_records(header, all);
    trace.error = error;
    trace
}

/// How a trace's record lines are written.
pub(super) enum Format {
    /// Format 3: a JSON object a record.
    Objects,
    /// Format 4: a JSON array a record (`positional`).
    Arrays(super::positional::Lines),
    /// Either, told apart by the first character (`LineParser`).
    Either(super::positional::Lines),
}

/// What a record's line leaves out (formats 3 and 4), known from the lines
/// before it: its `seq` is its position (the header is line 1, record 1 is
/// line 2), and its `poll` and `t` are those of the last `poll.begin`
/// (0 before the first).
#[derive(Clone, Debug, Default)]
pub struct Position {
    seq: u64,
    t: u64,
    poll: u64,
}

impl Position {
    /// The record of the next line, of `kind` with `fields`: a `poll.begin`
    /// gives its `poll` and `t` fields to the position (they are not
    /// fields of the record).
    fn place(
        &mut self,
        kind: Arc<str>,
        mut fields: Vec<(Arc<str>, Field)>,
    ) -> Result<Record, String> {
        if &*kind == "poll.begin" {
            let mut take = |key: &str| {
                let i = fields
                    .iter()
                    .position(|(k, _)| &**k == key)
                    .ok_or_else(|| format!("poll.begin without its \"{key}\" field"))?;
                let (_, v) = fields.remove(i);
                v.as_u64().ok_or_else(|| {
                    format!("poll.begin: \"{key}\" must be a non-negative integer, not {v}")
                })
            };
            let (poll, t) = (take("poll")?, take("t")?);
            self.poll = poll;
            self.t = t;
        }
        self.seq += 1;
        Ok(Record {
            seq: self.seq,
            t: self.t,
            poll: self.poll,
            kind,
            // Exactly one allocation of exactly the right size: a shrunk
            // vector would leave a hole per record that later allocations
            // mostly cannot fill (a tenth of a big trace's memory).
            fields: fields.drain(..).collect(),
        })
    }
}

/// Parses record lines in order, without the schema's checks (for tests
/// and tools that look at lines one by one): each line's record is placed
/// after the lines given before it. Lines may be of format 3 (objects) or
/// 4 (arrays; locations that leave out the file are of a program named
/// `prog.gene`).
pub struct LineParser {
    names: Names,
    scratch: Vec<(Arc<str>, Field)>,
    at: Position,
    format: Format,
}

impl Default for LineParser {
    fn default() -> Self {
        LineParser {
            names: Names::default(),
            scratch: Vec::new(),
            at: Position::default(),
            format: Format::Either(super::positional::Lines::new("prog.gene")),
        }
    }
}

impl LineParser {
    /// The record of the next line.
    pub fn parse(&mut self, line: &str) -> Result<Record, String> {
        parse_record(
            line,
            &mut self.format,
            &mut self.names,
            &mut self.scratch,
            &mut self.at,
        )
    }
}

/// Parses a record; its fields are gathered in `scratch`, one vector for a
/// whole file.
pub(super) fn parse_record(
    line: &str,
    format: &mut Format,
    names: &mut Names,
    scratch: &mut Vec<(Arc<str>, Field)>,
    at: &mut Position,
) -> Result<Record, String> {
    let kind = match format {
        Format::Arrays(lines) => lines.parse(line, names, scratch)?,
        Format::Either(lines) if line.starts_with('[') => lines.parse(line, names, scratch)?,
        Format::Objects | Format::Either(_) => match parse_fast(line, names, scratch) {
            Some(kind) => kind,
            None => parse_json(line, names, scratch)?,
        },
    };
    at.place(kind, std::mem::take(scratch))
}

/// Reads a record in the exact shape the recorder writes, without a JSON
/// tree: `{"kind":"K"` then `,"key":value` fields, gathered in `fields`;
/// the record's kind. Anything else (escapes, other spacing, a damaged
/// line) is left to the full JSON parser, which also words the errors.
fn parse_fast(
    line: &str,
    names: &mut Names,
    fields: &mut Vec<(Arc<str>, Field)>,
) -> Option<Arc<str>> {
    fields.clear();
    let mut p = Cursor(line.as_bytes(), line);
    p.lit(b"{\"kind\":")?;
    let kind = names.get(p.plain_str()?);
    while p.lit(b",").is_some() {
        let key = names.get(p.plain_str()?);
        p.lit(b":")?;
        let value = match p.0.first()? {
            b'"' => Field::Text(names.field_text(&key, p.plain_str()?)),
            b't' => p.lit(b"true").map(|()| Field::Bool(true))?,
            b'f' => p.lit(b"false").map(|()| Field::Bool(false))?,
            b'-' => {
                p.lit(b"-")?;
                Field::Int(-i64::try_from(p.uint()?).ok()?)
            }
            _ => Field::Int(i64::try_from(p.uint()?).ok()?),
        };
        fields.push((key, value));
    }
    p.lit(b"}")?;
    p.0.is_empty().then_some(kind)
}

/// A record line as JSON, its error worded for the reader's message
/// (both formats' lines are JSON).
pub(crate) fn json_record(line: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(line).map_err(|e| {
        if e.is_eof() {
            "truncated record".to_string()
        } else {
            format!("corrupt record: {e}")
        }
    })
}

/// The rest of a line, and the whole line (as text: the line was checked
/// as UTF-8 once, so its strings are sliced from it, not checked again).
struct Cursor<'a>(&'a [u8], &'a str);

impl<'a> Cursor<'a> {
    fn lit(&mut self, s: &[u8]) -> Option<()> {
        self.0 = self.0.strip_prefix(s)?;
        Some(())
    }

    fn uint(&mut self) -> Option<u64> {
        let n = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 19 {
            return None;
        }
        let v = self.0[..n]
            .iter()
            .fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        self.0 = &self.0[n..];
        Some(v)
    }

    /// A string without escapes.
    fn plain_str(&mut self) -> Option<&'a str> {
        let rest = self.0.strip_prefix(b"\"")?;
        let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
        if rest[end] == b'\\' {
            return None;
        }
        // `"` is ASCII: both ends are character boundaries of the line.
        let start = self.1.len() - rest.len();
        let s = self.1.get(start..start + end)?;
        self.0 = &rest[end + 1..];
        Some(s)
    }
}

fn parse_json(
    line: &str,
    names: &mut Names,
    fields: &mut Vec<(Arc<str>, Field)>,
) -> Result<Arc<str>, String> {
    fields.clear();
    let value = json_record(line)?;
    let serde_json::Value::Object(map) = value else {
        return Err("a record must be a JSON object".into());
    };
    let kind = match map.get("kind") {
        Some(serde_json::Value::String(k)) => names.get(k),
        _ => return Err("record without a \"kind\"".into()),
    };
    for (k, v) in &map {
        if k == "kind" {
            continue;
        }
        let f = match v {
            serde_json::Value::Number(n) => Field::Int(
                n.as_i64()
                    .ok_or_else(|| format!("field \"{k}\" is out of range"))?,
            ),
            serde_json::Value::Bool(b) => Field::Bool(*b),
            serde_json::Value::String(s) => Field::Text(names.field_text(k, s)),
            _ => {
                return Err(format!(
                    "field \"{k}\" must be a number, a boolean or a string"
                ));
            }
        };
        fields.push((names.get(k), f));
    }
    Ok(kind)
}
