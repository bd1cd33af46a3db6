//! The recorder: turns the VM's `gene::*` events (routed to it by the
//! `tracing-subscriber` layer in `route`) into trace records
//! (docs/trace-format.md), one JSON line each, written with no per-event
//! formatting machinery. Whole polls are written out once `WRITE_BYTES`
//! have gathered (a system call per poll cost more than formatting the
//! records), at the end of the run, and when the recorder is dropped, as it
//! is when a panic unwinds: a crashed run leaves a readable prefix.

use std::cell::{RefCell, RefMut};
use std::fmt::Write as _;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;

use tracing::field::{Field, Field as Field_, Visit};

use super::read::{Field as FieldValue, Names, Record};
use tracing::Event;

/// Bytes of whole polls the recorder gathers before it writes them out.
pub const WRITE_BYTES: usize = 64 << 10;

struct Inner {
    out: Box<dyn Write + Send>,
    buf: Vec<u8>,
    /// Reused for fields given as `Display`.
    scratch: String,
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
    /// A recorder writing to `out`, starting with the header line.
    pub fn new(mut out: Box<dyn Write + Send>, header: &str) -> Recorder {
        let error = out
            .write_all(header.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .err();
        Recorder {
            inner: Rc::new(RefCell::new(Inner {
                out,
                buf: Vec::with_capacity(2 * WRITE_BYTES),
                scratch: String::new(),
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
        r.start_record();
        r.buf
            .extend_from_slice(b"\"kind\":\"poll.begin\",\"poll\":");
        push_u64(&mut r.buf, index);
        r.buf.extend_from_slice(b",\"t\":");
        push_u64(&mut r.buf, time);
        r.buf.extend_from_slice(b"}\n");
    }

    /// Ends the current poll with the VM's state hash; writes the polls
    /// gathered out once they reach `WRITE_BYTES`.
    pub fn end_poll(&self, state_hash: u64, delivered: usize) {
        let mut r = self.lock();
        r.start_record();
        r.buf
            .extend_from_slice(b"\"kind\":\"poll.end\",\"delivered\":");
        push_u64(&mut r.buf, delivered as u64);
        r.buf.extend_from_slice(b",\"hash\":\"");
        for i in (0..16).rev() {
            r.buf
                .push(b"0123456789abcdef"[((state_hash >> (i * 4)) & 0xf) as usize]);
        }
        r.buf.extend_from_slice(b"\"}\n");
        if r.buf.len() >= WRITE_BYTES {
            r.flush();
        }
    }

    /// Writes the last record (fields already JSON) and flushes.
    pub fn end_run(&self, fields: &str) {
        let mut r = self.lock();
        r.start_record();
        let line = format!("\"kind\":\"run.end\"{fields}}}\n");
        r.buf.extend_from_slice(line.as_bytes());
        r.flush();
    }

    /// The first error writing the trace, if any.
    pub fn take_error(&self) -> Option<std::io::Error> {
        self.lock().error.take()
    }
}

impl Inner {
    /// Format v3: a record's `seq`, `t` and `poll` are not written (the
    /// reader knows them from the lines before; see `read::Position`).
    fn start_record(&mut self) {
        self.buf.push(b'{');
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

impl Recorder {
    fn record(&self, event: &Event<'_>) {
        let mut r = self.lock();
        r.start_record();
        let r = &mut *r;
        event.record(&mut Fields {
            buf: &mut r.buf,
            scratch: &mut r.scratch,
        });
        r.buf.extend_from_slice(b"}\n");
    }
}

/// Appends `,"name":value` per field, in the order the event declares them.
struct Fields<'a> {
    buf: &'a mut Vec<u8>,
    scratch: &'a mut String,
}

impl Fields<'_> {
    fn key(&mut self, field: &Field) {
        let name = field.name().as_bytes();
        self.buf.reserve(name.len() + 4);
        // The first field (the kind) opens the record without a comma.
        if self.buf.last() != Some(&b'{') {
            self.buf.push(b',');
        }
        self.buf.extend_from_slice(b"\"");
        self.buf.extend_from_slice(name);
        self.buf.extend_from_slice(b"\":");
    }
}

impl Visit for Fields<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field);
        push_u64(self.buf, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field);
        if value < 0 {
            self.buf.push(b'-');
        }
        push_u64(self.buf, value.unsigned_abs());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.key(field);
        json_bytes(self.buf, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.key(field);
        // Formatted in place; escaped afterwards in the rare case it needs.
        let start = self.buf.len();
        self.buf.push(b'"');
        let _ = write!(Bytes(self.buf), "{value:?}");
        if self.buf[start + 1..]
            .iter()
            .any(|&b| NEEDS_ESCAPE[b as usize])
        {
            self.scratch.clear();
            self.scratch
                .push_str(&String::from_utf8_lossy(&self.buf[start + 1..]));
            self.buf.truncate(start);
            json_bytes(self.buf, self.scratch);
        } else {
            self.buf.push(b'"');
        }
    }
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
/// writes several numbers per record).
fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[n as usize * 2..n as usize * 2 + 2]);
    } else {
        i -= 1;
        digits[i] = b'0' + n as u8;
    }
    out.extend_from_slice(&digits[i..]);
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
    /// One `gene::*` event.
    fn event(&self, event: &Event<'_>);
    fn begin_poll(&self, index: u64, time: u64);
    fn end_poll(&self, state_hash: u64, delivered: usize);
    /// `fields`: the `run.end` record's fields as JSON, each with its comma.
    fn end_run(&self, fields: &str);
}

impl Sink for Recorder {
    fn event(&self, event: &Event<'_>) {
        self.record(event);
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
}

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
        c.fields.clear();
        let mut v = Collect {
            names: &mut c.names,
            kind: None,
            fields: &mut c.fields,
            text: &mut c.text,
            only: None,
            keep: &[],
        };
        event.record(&mut v);
        let kind = v.kind.take().unwrap_or_else(|| c.names.get(""));
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

/// An event as a record (seq, t and poll 0) when its kind is one of
/// `kinds`, with only the fields listed for it; nothing else is formatted.
pub(crate) fn record_of(
    names: &mut Names,
    event: &Event<'_>,
    kinds: &[(&str, &[&str])],
) -> Option<Record> {
    let mut fields = Vec::new();
    let mut text = String::new();
    let mut v = Collect {
        names,
        kind: None,
        fields: &mut fields,
        text: &mut text,
        only: Some(kinds),
        keep: &[],
    };
    event.record(&mut v);
    let kind = v.kind?;
    Some(Record {
        seq: 0,
        t: 0,
        poll: 0,
        kind,
        fields: fields.into_boxed_slice(),
    })
}

/// One event's visitor: its kind and fields, with no allocation but the
/// texts it keeps.
struct Collect<'a> {
    names: &'a mut Names,
    kind: Option<Arc<str>>,
    fields: &'a mut Vec<(Arc<str>, FieldValue)>,
    text: &'a mut String,
    /// Only these kinds, and of each the fields listed (the kind comes
    /// first); None: every field of every kind.
    only: Option<&'a [(&'a str, &'a [&'a str])]>,
    /// The fields kept of this event's kind, when `only` is given.
    keep: &'a [&'a str],
}

impl Collect<'_> {
    /// Whether this field is kept.
    fn keeps(&self, field: &Field_) -> bool {
        self.only.is_none() || self.keep.contains(&field.name())
    }

    fn field(&mut self, field: &Field_, value: FieldValue) {
        if !self.keeps(field) {
            return;
        }
        let key = self.names.get(field.name());
        self.fields.push((key, value));
    }
}

impl Visit for Collect<'_> {
    fn record_u64(&mut self, field: &Field_, value: u64) {
        self.field(field, FieldValue::Int(value as i64));
    }

    fn record_i64(&mut self, field: &Field_, value: i64) {
        self.field(field, FieldValue::Int(value));
    }

    fn record_bool(&mut self, field: &Field_, value: bool) {
        self.field(field, FieldValue::Bool(value));
    }

    fn record_str(&mut self, field: &Field_, value: &str) {
        if field.name() == "kind" {
            match self.only {
                None => self.kind = Some(self.names.get(value)),
                Some(only) => {
                    if let Some((k, fields)) = only.iter().find(|(k, _)| *k == value) {
                        self.kind = Some(self.names.get(k));
                        self.keep = fields;
                    }
                }
            }
        } else if self.keeps(field) {
            let text = self.names.field_text(field.name(), value);
            self.field(field, FieldValue::Text(text));
        }
    }

    fn record_debug(&mut self, field: &Field_, value: &dyn std::fmt::Debug) {
        if !self.keeps(field) {
            return;
        }
        self.text.clear();
        let _ = write!(self.text, "{value:?}");
        let text = self.names.field_text(field.name(), self.text);
        self.field(field, FieldValue::Text(text));
    }
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
        let r = Recorder::new(Box::new(out.clone()), "{}");
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
