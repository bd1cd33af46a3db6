//! The recorder: turns the VM's typed events (`gene_vm::sink`, routed to
//! it by `route`) into trace records (docs/trace-format.md, format 4): one
//! JSON array a line, the kind's code and then its fields by position, in
//! the schema's order, formatted straight into the batch's bytes. Whole
//! polls are written out once `WRITE_BYTES` have gathered (a system call per
//! poll cost more than formatting the records), at the end of the run, and
//! when the recorder is dropped, as it is when a panic unwinds: a crashed
//! run leaves a readable prefix.

use std::cell::{RefCell, RefMut};
use std::fmt::Write as _;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;

use gene_vm::sink::{Arg, Event, Kind};

use super::read::{Field as FieldValue, Names, Record};
use super::schema::{self, Type};

/// Bytes of whole polls the recorder gathers before it writes them out.
pub const WRITE_BYTES: usize = 64 << 10;

struct Inner {
    out: Box<dyn Write + Send>,
    buf: Vec<u8>,
    /// Reused for fields given as `Display`.
    scratch: String,
    /// `program:`, which locations in the program's own file start with
    /// (format 4 leaves it out).
    prefix: Vec<u8>,
    /// The first write error; recording stops there.
    error: Option<std::io::Error>,
}

/// Records events; clones share one trace. Events reach it only on the
/// thread it records (see `route`), so it needs no lock.
#[derive(Clone)]
pub struct Recorder {
    inner: Rc<RefCell<Inner>>,
}

impl Recorder {
    /// A recorder writing to `out`, starting with the header line, of a
    /// run of the program named `program` (the header's `program.name`).
    pub fn new(mut out: Box<dyn Write + Send>, header: &str, program: &str) -> Recorder {
        let error = out
            .write_all(header.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .err();
        Recorder {
            inner: Rc::new(RefCell::new(Inner {
                out,
                buf: Vec::with_capacity(2 * WRITE_BYTES),
                scratch: String::new(),
                prefix: format!("{program}:").into_bytes(),
                error,
            })),
        }
    }

    fn lock(&self) -> RefMut<'_, Inner> {
        self.inner.borrow_mut()
    }

    /// Starts poll `index` at virtual time `time`.
    pub fn begin_poll(&self, index: u64, time: u64) {
        let mut r = self.lock();
        r.start_record(schema::of(Kind::PollBegin));
        r.buf.push(b',');
        push_u64(&mut r.buf, index);
        r.buf.push(b',');
        push_u64(&mut r.buf, time);
        r.buf.extend_from_slice(b"]\n");
    }

    /// Ends the current poll with the VM's state hash; writes the polls
    /// gathered out once they reach `WRITE_BYTES`.
    pub fn end_poll(&self, state_hash: u64, delivered: usize) {
        let mut r = self.lock();
        r.start_record(schema::of(Kind::PollEnd));
        r.buf.push(b',');
        push_u64(&mut r.buf, delivered as u64);
        r.buf.extend_from_slice(b",\"");
        for i in (0..16).rev() {
            r.buf
                .push(b"0123456789abcdef"[((state_hash >> (i * 4)) & 0xf) as usize]);
        }
        r.buf.extend_from_slice(b"\"]\n");
        if r.buf.len() >= WRITE_BYTES {
            r.flush();
        }
    }

    /// Writes the last record (`fields`: its fields as JSON, each with its
    /// comma) and flushes.
    pub fn end_run(&self, fields: &str) {
        let mut r = self.lock();
        let spec = schema::of(Kind::RunEnd);
        r.start_record(spec);
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&format!("{{{}}}", fields.trim_start_matches(',')))
                .unwrap_or_default();
        let mut keep = r.buf.len();
        for f in spec.fields {
            r.buf.push(b',');
            let default = match map.get(f.name) {
                Some(serde_json::Value::Bool(b)) => {
                    r.buf.push(if *b { b'1' } else { b'0' });
                    !b
                }
                Some(serde_json::Value::String(s)) => {
                    json_bytes(&mut r.buf, s);
                    s.is_empty()
                }
                Some(serde_json::Value::Number(n)) => {
                    let text = n.to_string();
                    r.buf.extend_from_slice(text.as_bytes());
                    text == "0"
                }
                _ => {
                    r.buf.extend_from_slice(b"null");
                    false
                }
            };
            if !default {
                keep = r.buf.len();
            }
        }
        r.buf.truncate(keep);
        r.buf.extend_from_slice(b"]\n");
        r.flush();
    }

    /// The first error writing the trace, if any.
    pub fn take_error(&self) -> Option<std::io::Error> {
        self.lock().error.take()
    }
}

impl Inner {
    /// Opens a record of `spec`'s kind: `["code"`. A record's `seq`, `t`
    /// and `poll` are not written (the reader knows them from the lines
    /// before; see `read::Position`).
    fn start_record(&mut self, spec: &schema::KindSpec) {
        self.buf.extend_from_slice(b"[\"");
        self.buf.extend_from_slice(spec.code.as_bytes());
        self.buf.push(b'"');
    }

    /// One event's line: its fields by position, the trailing ones that
    /// hold their type's default (0, false, empty) left out.
    fn record(&mut self, event: &Event<'_>) {
        let spec = schema::of(event.kind);
        self.start_record(spec);
        let mut keep = self.buf.len();
        let mut at = 0;
        let all = event.fields.len() == spec.fields.len();
        for (name, arg) in event.fields {
            at = spec_field(spec, all, at, name);
            debug_assert!(
                spec.fields.get(at).is_some_and(|f| f.name == *name),
                "{}: field {name} is not in the schema, or out of its order",
                spec.name
            );
            let ty = spec.fields.get(at).map(|f| f.ty);
            at += 1;
            self.buf.push(b',');
            let default = match *arg {
                Arg::U64(n) => {
                    push_u64(&mut self.buf, n);
                    n == 0
                }
                Arg::Bool(b) => {
                    self.buf.push(if b { b'1' } else { b'0' });
                    !b
                }
                Arg::Str(s) => {
                    json_bytes(&mut self.buf, s);
                    s.is_empty()
                }
                Arg::Display(d) => self.display(d, ty == Some(Type::Location)),
                Arg::Location(l) => self.location(l),
                Arg::Value(v) => self.value(v, false),
                Arg::Quoted(v) => self.value(v, true),
            };
            if !default || matches!(ty, Some(Type::New(_) | Type::Word(_) | Type::Hash)) {
                keep = self.buf.len();
            }
        }
        self.buf.truncate(keep);
        self.buf.extend_from_slice(b"]\n");
    }

    /// Writes `d` as a JSON string, in place, escaped afterwards in the
    /// rare case it needs; a location in the program's own file without
    /// the file (`7:3`). Whether it is empty.
    fn display(&mut self, d: &dyn std::fmt::Display, location: bool) -> bool {
        let start = self.buf.len();
        self.buf.push(b'"');
        let _ = write!(Bytes(&mut self.buf), "{d}");
        let text = start + 1;
        if location && self.buf[text..].starts_with(&self.prefix) {
            self.buf.drain(text..text + self.prefix.len());
        }
        if self.buf[text..].iter().any(|&b| NEEDS_ESCAPE[b as usize]) {
            self.scratch.clear();
            self.scratch
                .push_str(&String::from_utf8_lossy(&self.buf[text..]));
            self.buf.truncate(start);
            json_bytes(&mut self.buf, &self.scratch);
        } else {
            self.buf.push(b'"');
        }
        self.buf.len() == start + 2
    }

    /// Writes a place as a JSON string, `line:col` in the program's own
    /// file (format 4), `file:line:col` elsewhere; digits straight into the
    /// batch. Whether it is empty.
    fn location(&mut self, l: gene_vm::sink::Loc<'_>) -> bool {
        if l.file.is_empty() {
            self.buf.extend_from_slice(b"\"\"");
            return true;
        }
        let own =
            self.prefix.len() == l.file.len() + 1 && self.prefix.starts_with(l.file.as_bytes());
        if !own && l.file.bytes().any(|b| NEEDS_ESCAPE[b as usize]) {
            self.scratch.clear();
            let _ = write!(self.scratch, "{l}");
            json_bytes(&mut self.buf, &self.scratch);
            return false;
        }
        self.buf.push(b'"');
        if !own {
            self.buf.extend_from_slice(l.file.as_bytes());
            self.buf.push(b':');
        }
        push_u64(&mut self.buf, u64::from(l.line));
        self.buf.push(b':');
        push_u64(&mut self.buf, u64::from(l.col));
        self.buf.push(b'"');
        false
    }

    /// Writes a value's summary (`Summarized`), or with `full` its whole
    /// quoted form (`Quoted`), as a JSON string: nil, booleans and
    /// integers straight into the batch. Whether it is empty.
    fn value(&mut self, v: &gene_vm::Value, full: bool) -> bool {
        match v {
            gene_vm::Value::Int(i) => {
                self.buf.push(b'"');
                if *i < 0 {
                    self.buf.push(b'-');
                }
                push_u64(&mut self.buf, i.unsigned_abs());
                self.buf.push(b'"');
                false
            }
            gene_vm::Value::Nil => {
                self.buf.extend_from_slice(b"\"nil\"");
                false
            }
            gene_vm::Value::Bool(b) => {
                self.buf
                    .extend_from_slice(if *b { b"\"true\"" } else { b"\"false\"" });
                false
            }
            v if full => self.display(&gene_vm::display::Quoted(v), false),
            v => self.display(&gene_vm::sink::Summarized(v), false),
        }
    }

    fn flush(&mut self) {
        if self.error.is_none() {
            let r = self
                .out
                .write_all(&self.buf)
                .and_then(|()| self.out.flush());
            self.error = r.err();
        }
        self.buf.clear();
    }
}

impl Drop for Inner {
    /// What a run that did not end (a panic unwinding through it) gathered.
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            self.flush();
        }
    }
}

/// Where an event's field `name` is among `spec`'s fields, looking from
/// `at` on. The event gives the spec's fields in order, skipping those its
/// operation kind does not have: when it gives them `all`, its i-th field
/// is the spec's, and no name is compared.
#[inline]
fn spec_field(spec: &schema::KindSpec, all: bool, mut at: usize, name: &str) -> usize {
    while !all
        && spec
            .fields
            .get(at)
            .is_some_and(|f| !same_name(f.name, name))
    {
        at += 1;
    }
    at
}

/// Whether a field of the event is the schema's field: the fields of one
/// kind differ in length, first or last letter (a test holds the schema to
/// that, and a debug assertion the whole names equal), so that no string
/// comparison is made per field.
#[inline]
fn same_name(schema: &str, event: &str) -> bool {
    let (a, b) = (schema.as_bytes(), event.as_bytes());
    a.len() == b.len() && a.first() == b.first() && a.last() == b.last()
}

/// `fmt::Write` into the record's bytes.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The bytes a JSON string cannot hold as they are.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Appends `n` in decimal, without the formatting machinery (the recorder
/// writes several numbers per record): those below 100 (ids, lines,
/// columns, counts) take a push or two, the rest `itoa`'s four digits a
/// step.
fn push_u64(out: &mut Vec<u8>, n: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";
    if n < 10 {
        out.push(b'0' + n as u8);
    } else if n < 100 {
        let pair = n as usize * 2;
        out.extend_from_slice(&[PAIRS[pair], PAIRS[pair + 1]]);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }
}

/// Writes `s` as a JSON string into bytes.
fn json_bytes(out: &mut Vec<u8>, s: &str) {
    if !s.bytes().any(|b| NEEDS_ESCAPE[b as usize]) {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let mut escaped = String::with_capacity(s.len() + 8);
        json_string(&mut escaped, s);
        out.extend_from_slice(escaped.as_bytes());
    }
}

/// Writes `s` as a JSON string.
pub fn json_string(out: &mut String, s: &str) {
    out.push('"');
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Where a thread's events go (see `route`), and what the driver tells it
/// besides the VM's events.
pub trait Sink {
    /// One event of the VM's (or the world's: `decision`).
    fn event(&self, event: &Event<'_>);
    fn begin_poll(&self, index: u64, time: u64);
    fn end_poll(&self, state_hash: u64, delivered: usize);
    /// `fields`: the `run.end` record's fields as JSON, each with its comma.
    fn end_run(&self, fields: &str);
}

impl Sink for Recorder {
    fn event(&self, event: &Event<'_>) {
        self.lock().record(event);
    }

    fn begin_poll(&self, index: u64, time: u64) {
        Recorder::begin_poll(self, index, time)
    }

    fn end_poll(&self, state_hash: u64, delivered: usize) {
        Recorder::end_poll(self, state_hash, delivered)
    }

    fn end_run(&self, fields: &str) {
        Recorder::end_run(self, fields)
    }
}

#[derive(Default)]
struct Collected {
    names: Names,
    records: Vec<Record>,
    time: u64,
    poll: u64,
    /// Reused for each event's fields, and for fields given as `Display`.
    fields: Vec<(Arc<str>, FieldValue)>,
    text: String,
    /// Each kind's name and field keys, interned once, by `Kind::index`:
    /// an event that gives all its kind's fields takes its keys from here
    /// with no lookup.
    keys: Vec<Option<KindKeys>>,
}

/// A kind's name and its fields' keys, in the schema's order.
type KindKeys = (Arc<str>, Box<[Arc<str>]>);

impl Collected {
    fn push(&mut self, kind: &str, fields: Vec<(Arc<str>, FieldValue)>) {
        let kind = self.names.get(kind);
        let seq = self.records.len() as u64 + 1;
        self.records.push(Record {
            seq,
            t: self.time,
            poll: self.poll,
            kind,
            fields: fields.into_boxed_slice(),
        });
    }
}

/// Collects the records in memory, with no JSON: for the checkers and
/// `explore`, which look at every run.
#[derive(Clone, Default)]
pub struct Collector {
    inner: Rc<RefCell<Collected>>,
}

impl Collector {
    fn lock(&self) -> RefMut<'_, Collected> {
        self.inner.borrow_mut()
    }

    /// The records so far.
    pub fn take(&self) -> Vec<Record> {
        std::mem::take(&mut self.lock().records)
    }
}

impl Sink for Collector {
    fn event(&self, event: &Event<'_>) {
        self.collect(event);
    }

    fn begin_poll(&self, index: u64, time: u64) {
        let mut c = self.lock();
        c.poll = index;
        c.time = time;
        c.push("poll.begin", Vec::new());
    }

    fn end_poll(&self, state_hash: u64, delivered: usize) {
        let mut c = self.lock();
        let fields = vec![
            (c.names.get("delivered"), FieldValue::Int(delivered as i64)),
            (
                c.names.get("hash"),
                FieldValue::Text(Arc::new(format!("{state_hash:016x}"))),
            ),
        ];
        c.push("poll.end", fields);
    }

    fn end_run(&self, fields: &str) {
        let mut c = self.lock();
        let json: serde_json::Value =
            serde_json::from_str(&format!("{{{}}}", fields.trim_start_matches(',')))
                .unwrap_or_default();
        let mut out = Vec::new();
        if let serde_json::Value::Object(map) = json {
            for (k, v) in map {
                let f = match v {
                    serde_json::Value::Bool(b) => FieldValue::Bool(b),
                    serde_json::Value::Number(n) => FieldValue::Int(n.as_i64().unwrap_or_default()),
                    other => {
                        FieldValue::Text(Arc::new(other.as_str().unwrap_or_default().to_string()))
                    }
                };
                out.push((c.names.get(&k), f));
            }
        }
        c.push("run.end", out);
    }
}

impl Collector {
    fn collect(&self, event: &Event<'_>) {
        let mut c = self.lock();
        let c = &mut *c;
        let spec = schema::of(event.kind);
        let at = event.kind.index();
        if c.keys.len() <= at {
            c.keys.resize(at + 1, None);
        }
        let (kind, keys) = c.keys[at].get_or_insert_with(|| {
            let keys = spec.fields.iter().map(|f| c.names.get(f.name)).collect();
            (c.names.get(spec.name), keys)
        });
        let kind = kind.clone();
        let all = event.fields.len() == spec.fields.len();
        c.fields.clear();
        let mut at = 0;
        for (name, arg) in event.fields {
            at = spec_field(spec, all, at, name);
            let value = field_value(&mut c.names, &mut c.text, name, arg);
            let key = match keys.get(at) {
                Some(k) => {
                    debug_assert_eq!(&**k, *name);
                    k.clone()
                }
                None => c.names.get(name),
            };
            at += 1;
            c.fields.push((key, value));
        }
        let seq = c.records.len() as u64 + 1;
        c.records.push(Record {
            seq,
            t: c.time,
            poll: c.poll,
            kind,
            // One allocation of exactly the right size per record.
            fields: c.fields.drain(..).collect(),
        });
    }
}

/// An event's field as a record's.
fn field_value(names: &mut Names, text: &mut String, name: &str, arg: &Arg<'_>) -> FieldValue {
    match *arg {
        Arg::U64(n) => FieldValue::Int(n as i64),
        Arg::Bool(b) => FieldValue::Bool(b),
        Arg::Str(s) => FieldValue::Text(names.field_text(name, s)),
        Arg::Display(d) => {
            text.clear();
            let _ = write!(text, "{d}");
            FieldValue::Text(names.field_text(name, text))
        }
        Arg::Location(l) => {
            text.clear();
            if !l.file.is_empty() {
                // As `Loc`'s `Display` writes it, without the formatting
                // machinery (a location or two in most records).
                text.push_str(l.file);
                text.push(':');
                text.push_str(itoa::Buffer::new().format(l.line));
                text.push(':');
                text.push_str(itoa::Buffer::new().format(l.col));
            }
            FieldValue::Text(names.field_text(name, text))
        }
        Arg::Value(v) => {
            text.clear();
            match v {
                // As `Summarized` writes them, without the formatting
                // machinery (the recorder's `value` does the same).
                gene_vm::Value::Int(i) => text.push_str(itoa::Buffer::new().format(*i)),
                gene_vm::Value::Nil => text.push_str("nil"),
                gene_vm::Value::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
                v => {
                    let _ = write!(text, "{}", gene_vm::sink::Summarized(v));
                }
            }
            FieldValue::Text(names.field_text(name, text))
        }
        Arg::Quoted(v) => {
            text.clear();
            let _ = write!(text, "{}", gene_vm::display::Quoted(v));
            FieldValue::Text(names.field_text(name, text))
        }
    }
}

/// An event as a record (seq, t and poll 0) when its kind is one of
/// `kinds`, with only the fields listed for it; nothing else is formatted.
pub(crate) fn record_of(
    names: &mut Names,
    event: &Event<'_>,
    kinds: &[(&str, &[&str])],
) -> Option<Record> {
    let name = schema::of(event.kind).name;
    let (_, keep) = kinds.iter().find(|(k, _)| *k == name)?;
    let mut text = String::new();
    let fields = event
        .fields
        .iter()
        .filter(|(k, _)| keep.contains(k))
        .map(|(k, arg)| (names.get(k), field_value(names, &mut text, k, arg)))
        .collect();
    Some(Record {
        seq: 0,
        t: 0,
        poll: 0,
        kind: names.get(name),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::{Recorder, WRITE_BYTES, push_u64};
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test can look at.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn lines(&self) -> usize {
            self.0
                .lock()
                .unwrap()
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
        }
    }

    #[test]
    fn polls_are_written_out_in_batches_and_when_dropped() {
        let out = Shared::default();
        let r = Recorder::new(Box::new(out.clone()), "{}", "p.gene");
        assert_eq!(out.lines(), 1, "the header at once");
        r.begin_poll(0, 0);
        r.end_poll(7, 0);
        assert_eq!(out.lines(), 1, "one small poll stays gathered");
        // Polls of about 100 bytes each, until a batch is due.
        let mut polls = 1;
        while out.lines() == 1 {
            r.begin_poll(polls, 0);
            r.end_poll(7, 0);
            polls += 1;
            assert!(polls < WRITE_BYTES as u64, "never written out");
        }
        let written = out.0.lock().unwrap().len();
        assert!(written >= WRITE_BYTES, "written at {written} bytes");
        assert_eq!(out.lines() as u64, 1 + 2 * polls, "whole polls");
        r.begin_poll(polls, 0);
        drop(r);
        assert_eq!(out.lines() as u64, 2 + 2 * polls, "the rest when dropped");
    }

    #[test]
    fn locations_are_written_as_the_display_and_the_prefix_rule_say() {
        use super::Inner;
        use gene_vm::sink::Loc;
        let mut r = Inner {
            out: Box::new(Vec::new()),
            buf: Vec::new(),
            scratch: String::new(),
            prefix: b"race.gene:".to_vec(),
            error: None,
        };
        let cases = [
            (
                Loc {
                    file: "race.gene",
                    line: 7,
                    col: 3,
                },
                "\"7:3\"",
                false,
            ),
            (
                Loc {
                    file: "eval#1",
                    line: 1,
                    col: 12,
                },
                "\"eval#1:1:12\"",
                false,
            ),
            (
                Loc {
                    file: "race.gen",
                    line: 7,
                    col: 3,
                },
                "\"race.gen:7:3\"",
                false,
            ),
            (
                Loc {
                    file: "a\"b.gene",
                    line: 2,
                    col: 1,
                },
                r#""a\"b.gene:2:1""#,
                false,
            ),
            (
                Loc {
                    file: "",
                    line: 0,
                    col: 0,
                },
                "\"\"",
                true,
            ),
        ];
        for (loc, want, empty) in cases {
            r.buf.clear();
            assert_eq!(r.location(loc), empty, "{loc}");
            assert_eq!(String::from_utf8(r.buf.clone()).unwrap(), want);
            // The same text as the Display path writes.
            r.buf.clear();
            r.display(&loc, true);
            assert_eq!(String::from_utf8(r.buf.clone()).unwrap(), want);
        }
    }

    #[test]
    fn push_u64_matches_display() {
        let mut cases = vec![0, 7, 10, 99, 100, 101, 12_345, 1_000_000_007, u64::MAX];
        for k in 1..20 {
            let p = 10u64.pow(k);
            cases.extend([p - 1, p, p + 1]);
        }
        for n in cases {
            // After other bytes, as in a record.
            let mut out = b"x".to_vec();
            push_u64(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), format!("x{n}"));
        }
    }
}
