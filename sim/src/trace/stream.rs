//! Reading a trace one record at a time: the header's checks when opened,
//! then each record parsed and validated as it is asked for, so that a
//! tool going over a trace in order holds one record, not the trace.
//! `read::read_file` collects these records; the same parser, version
//! checks, limits and errors serve both.

use std::fs::{File, Metadata};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use super::positional::Lines;
use super::read::{
    Field, Format, Limits, Names, Position, Record, TraceError, parse_record, read_line_bounded,
};
use super::schema::Validator;

/// The records of a trace, in order. The iterator ends at the end of the
/// input or at the first damaged or invalid record; `error` then says why
/// (the records before it are valid).
pub struct Records<R> {
    input: R,
    header: serde_json::Value,
    max_line: usize,
    /// One line buffer for the whole file.
    buf: Vec<u8>,
    format: Format,
    names: Names,
    validator: Validator,
    scratch: Vec<(Arc<str>, Field)>,
    at: Position,
    /// The 1-based line of the next record (the header is line 1).
    line: usize,
    /// Records given so far.
    count: usize,
    error: Option<TraceError>,
    done: bool,
}

/// Opens a trace file: an error of line 0 when it cannot be opened or is
/// a directory (`TraceError::cannot_open`).
pub fn open_file(path: &Path) -> Result<(File, Metadata), TraceError> {
    let cannot = |why: String| TraceError {
        line: 0,
        message: format!("cannot open {}: {why}", path.display()),
    };
    let file = File::open(path).map_err(|e| cannot(e.to_string()))?;
    let meta = file.metadata().map_err(|e| cannot(e.to_string()))?;
    if meta.is_dir() {
        return Err(cannot("it is a directory".into()));
    }
    Ok((file, meta))
}

impl Records<BufReader<File>> {
    /// The records of the trace file at `path`, and what the file is.
    pub fn open(path: &Path, limits: &Limits) -> Result<(Self, Metadata), TraceError> {
        let (file, meta) = open_file(path)?;
        Ok((Records::new(BufReader::new(file), limits)?, meta))
    }
}

impl<R: BufRead> Records<R> {
    /// Reads and checks the header. Fails only when the header is unusable
    /// (not there, not JSON, not a gene-trace trace, another version).
    pub fn new(mut input: R, limits: &Limits) -> Result<Self, TraceError> {
        let bad = |line: usize, message: String| TraceError { line, message };
        let max_line = limits.max_line_bytes;
        let mut buf = Vec::new();
        match read_line_bounded(&mut input, &mut buf, max_line) {
            Ok(false) => return Err(bad(1, "empty file: no trace header".into())),
            Ok(true) => {}
            Err(e) => return Err(bad(1, e)),
        }
        let header: serde_json::Value = serde_json::from_slice(&buf)
            .map_err(|e| bad(1, format!("the header is not JSON: {e}")))?;
        if header.get("format").and_then(|f| f.as_str()) != Some(super::FORMAT) {
            return Err(bad(
                1,
                "not a gene-trace trace (no \"format\":\"gene-trace\" header)".into(),
            ));
        }
        let format = match header.get("version").map(|v| (v, v.as_u64())) {
            Some((_, Some(3))) => Format::Objects,
            Some((_, Some(v))) if v == super::VERSION => Format::Arrays(Lines::new(
                super::read::header::program_name(&header).unwrap_or_default(),
            )),
            Some((v, _)) => {
                return Err(bad(
                    1,
                    format!(
                        "this trace is format version {v}; this tool reads versions 3 and {} only \
                         (record it again with `gene-trace run --trace`)",
                        super::VERSION
                    ),
                ));
            }
            None => {
                return Err(bad(
                    1,
                    format!(
                        "the header has no version; this tool reads versions 3 and {}",
                        super::VERSION
                    ),
                ));
            }
        };
        Ok(Records {
            input,
            header,
            max_line,
            buf,
            format,
            names: Names::default(),
            validator: Validator::default(),
            scratch: Vec::with_capacity(16),
            at: Position::default(),
            line: 2,
            count: 0,
            error: None,
            done: false,
        })
    }

    pub fn header(&self) -> &serde_json::Value {
        &self.header
    }

    /// Why the records stopped before the end of the input, once they did.
    pub fn error(&self) -> Option<&TraceError> {
        self.error.as_ref()
    }

    /// The records given so far.
    pub fn so_far(&self) -> usize {
        self.count
    }

    /// The header and the error, for a reader done with the records.
    pub fn finish(self) -> (serde_json::Value, Option<TraceError>) {
        (self.header, self.error)
    }
}

impl<R: BufRead> Iterator for Records<R> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        if self.done {
            return None;
        }
        let parsed = match read_line_bounded(&mut self.input, &mut self.buf, self.max_line) {
            Ok(false) => {
                self.done = true;
                return None;
            }
            Ok(true) => match std::str::from_utf8(&self.buf) {
                Ok(line) => parse_record(
                    line,
                    &mut self.format,
                    &mut self.names,
                    &mut self.scratch,
                    &mut self.at,
                ),
                Err(e) => Err(format!("the record is not UTF-8 text: {e}")),
            },
            Err(e) => Err(e),
        };
        let number = self.line;
        self.line += 1;
        match parsed.and_then(|r| self.validator.check(&r).map(|()| r)) {
            Ok(r) => {
                self.count += 1;
                Some(r)
            }
            Err(message) => {
                self.error = Some(TraceError {
                    line: number,
                    message,
                });
                self.done = true;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = concat!(
        r#"{"format":"gene-trace","version":3}"#,
        "\n",
        r#"{"kind":"poll.begin","poll":0,"t":0}"#,
        "\n",
        r#"{"kind":"output","text":"hi","newline":true,"at":"a.gene:1:1"}"#,
        "\n",
        r#"{"kind":"output","text":"#,
        "\n",
        r#"{"kind":"output","text":"never read","newline":true,"at":"a.gene:1:1"}"#,
        "\n",
    );

    #[test]
    fn records_come_one_at_a_time_and_stop_at_the_damage() {
        let mut records = Records::new(TRACE.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(records.header()["version"], 3);
        let first = records.next().expect("a record");
        assert_eq!((&*first.kind, first.seq), ("poll.begin", 1));
        assert_eq!(records.so_far(), 1);
        let second = records.next().expect("a record");
        assert_eq!((second.str("text"), second.seq), (Some("hi"), 2));
        assert!(records.error().is_none());
        assert!(records.next().is_none(), "the cut line ends the records");
        assert!(records.next().is_none(), "and they stay ended");
        assert_eq!(records.so_far(), 2);
        let (_, error) = records.finish();
        let e = error.expect("an error");
        assert_eq!((e.line, e.message.as_str()), (4, "truncated record"));
    }
}
