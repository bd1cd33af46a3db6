//! Reading traces: validation, indexing by poll, and the record type that
//! the checkers and the replay work on. A corrupt or truncated file gives an
//! error naming the line, and the records before it stay usable.

use std::io::BufRead;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;

/// A field value of a record.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Int(i64),
    Bool(bool),
    Text(Arc<str>),
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
            Field::Text(s) => Some(s),
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
    pub fields: Vec<(Arc<str>, Field)>,
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

/// Shares the `Arc<str>` of names that repeat (kinds, field keys).
#[derive(Default)]
pub struct Names(FxHashMap<Box<str>, Arc<str>>);

impl Names {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(Box::from(s), a.clone());
        a
    }
}

/// A problem in a trace file, at a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
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
        self.header.get("seed").and_then(|s| s.as_u64())
    }

    /// The program's file name in the header.
    pub fn program_name(&self) -> Option<&str> {
        self.header.get("program")?.get("name")?.as_str()
    }

    /// The poll's records.
    pub fn poll(&self, index: usize) -> &[Record] {
        self.polls
            .get(index)
            .map_or(&[], |r| &self.records[r.clone()])
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
    let file = std::fs::File::open(path).map_err(|e| TraceError {
        line: 0,
        message: format!("cannot open {}: {e}", path.display()),
    })?;
    read(std::io::BufReader::new(file))
}

/// Reads a trace. Fails only when the header is unusable; a bad record
/// ends the reading with `Trace::error` set.
pub fn read(input: impl BufRead) -> Result<Trace, TraceError> {
    let mut lines = input.lines();
    let bad = |line: usize, message: String| TraceError { line, message };
    let header_line = match lines.next() {
        Some(Ok(l)) => l,
        Some(Err(e)) => return Err(bad(1, format!("cannot read: {e}"))),
        None => return Err(bad(1, "empty file: no trace header".into())),
    };
    let header: serde_json::Value = serde_json::from_str(&header_line)
        .map_err(|e| bad(1, format!("the header is not JSON: {e}")))?;
    if header.get("format").and_then(|f| f.as_str()) != Some(super::FORMAT) {
        return Err(bad(
            1,
            "not a gene-trace trace (no \"format\":\"gene-trace\" header)".into(),
        ));
    }
    let version = header.get("version").and_then(|v| v.as_u64());
    if version != Some(super::VERSION) {
        return Err(bad(
            1,
            format!(
                "unsupported trace version {version:?} (this tool reads {})",
                super::VERSION
            ),
        ));
    }
    let mut names = Names::default();
    let mut records = Vec::new();
    let mut error = None;
    for (i, line) in lines.enumerate() {
        let number = i + 2;
        let parsed = line
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|l| parse_record(&l, &mut names));
        match parsed {
            Ok(r) => {
                let expected = records.last().map_or(1, |p: &Record| p.seq + 1);
                if r.seq != expected {
                    error = Some(bad(
                        number,
                        format!("record seq {} where {expected} was expected", r.seq),
                    ));
                    break;
                }
                if records.last().is_some_and(|p: &Record| r.poll < p.poll) {
                    error = Some(bad(number, format!("poll {} goes back", r.poll)));
                    break;
                }
                records.push(r);
            }
            Err(message) => {
                error = Some(bad(number, message));
                break;
            }
        }
    }
    let mut trace = Trace::from_records(header, records);
    trace.error = error;
    Ok(trace)
}

fn parse_record(line: &str, names: &mut Names) -> Result<Record, String> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        if e.is_eof() {
            "truncated record".to_string()
        } else {
            format!("corrupt record: {e}")
        }
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err("a record must be a JSON object".into());
    };
    let num = |k: &str| {
        map.get(k)
            .and_then(|v| v.as_u64())
            .ok_or_else(|| format!("record without a numeric {k:?}"))
    };
    let (seq, t, poll) = (num("seq")?, num("t")?, num("poll")?);
    let kind = match map.get("kind") {
        Some(serde_json::Value::String(k)) => names.get(k),
        _ => return Err("record without a \"kind\"".into()),
    };
    let mut fields = Vec::new();
    for (k, v) in &map {
        if matches!(k.as_str(), "seq" | "t" | "poll" | "kind") {
            continue;
        }
        let f = match v {
            serde_json::Value::Number(n) => Field::Int(
                n.as_i64()
                    .ok_or_else(|| format!("field {k:?} is out of range"))?,
            ),
            serde_json::Value::Bool(b) => Field::Bool(*b),
            serde_json::Value::String(s) => Field::Text(Arc::from(s.as_str())),
            _ => {
                return Err(format!(
                    "field {k:?} must be a number, a boolean or a string"
                ));
            }
        };
        fields.push((names.get(k), f));
    }
    Ok(Record {
        seq,
        t,
        poll,
        kind,
        fields,
    })
}
