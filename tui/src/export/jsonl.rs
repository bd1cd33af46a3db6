//! `gene-trace export --format jsonl`: a trace as plain JSON lines for
//! tools like jq. Each line is one record, self-describing: its `seq`, `t`
//! and `poll` (which a trace's own lines leave to the reader, see
//! docs/trace-format.md), its full `kind`, then its fields as recorded
//! (locations as `file:line:col` text). The header is not repeated: it is
//! line 1 of the trace itself.
//!
//! One pass over the trace, record by record: a pipe is read as it comes.

use std::borrow::Borrow;
use std::io::Write;

use gene_sim::trace::read::{Field, Record, Trace};

/// Writes every record of `trace` as one JSON object a line.
pub fn write_jsonl(trace: &Trace, out: &mut dyn Write) -> std::io::Result<()> {
    write_records(&trace.records, out).map(|_| ())
}

/// Writes `records` as one JSON object a line as they come, one at a time
/// (the export's one pass over a trace file); how many.
pub fn write_records<R: Borrow<Record>>(
    records: impl IntoIterator<Item = R>,
    out: &mut dyn Write,
) -> std::io::Result<usize> {
    let mut line = Vec::with_capacity(256);
    let mut count = 0;
    for r in records {
        line.clear();
        record_line(r.borrow(), &mut line)?;
        out.write_all(&line)?;
        count += 1;
    }
    Ok(count)
}

/// `{"seq":N,"t":N,"poll":N,"kind":"K",...fields}` and a line end.
fn record_line(r: &Record, line: &mut Vec<u8>) -> std::io::Result<()> {
    write!(
        line,
        "{{\"seq\":{},\"t\":{},\"poll\":{},\"kind\":",
        r.seq, r.t, r.poll
    )?;
    serde_json::to_writer(&mut *line, &*r.kind)?;
    for (k, v) in &r.fields {
        line.push(b',');
        serde_json::to_writer(&mut *line, &**k)?;
        line.push(b':');
        match v {
            Field::Int(i) => write!(line, "{i}")?,
            Field::Bool(b) => write!(line, "{b}")?,
            Field::Text(s) => serde_json::to_writer(&mut *line, s.as_str())?,
        }
    }
    line.extend_from_slice(b"}\n");
    Ok(())
}
