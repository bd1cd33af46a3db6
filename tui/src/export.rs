//! `gene-trace export --format chrome`: a trace as Chrome trace / Perfetto
//! JSON (the Trace Event Format), for chrome://tracing and ui.perfetto.dev
//! (`--format jsonl`, plain JSON lines, is in [`jsonl`]).
//!
//! - one process; thread 0 is the event loop, thread N is task N, named
//!   by the task's name and number (`deposit (task 2)`, `main (task 1)`;
//!   `gene_sim::trace::names`);
//! - polls are slices on the event loop, task runs (from the moment a task
//!   is on top of the stack until it suspends, finishes, is preempted or
//!   starts a child) are slices on the task's thread, named by the task,
//!   with where the run started and where it stopped in their args
//!   (`from_at`, `at`: the locations of those records, when they have one);
//! - each write of a shared variable (`var.written`) is an instant event
//!   (category `var`) on the writing task's thread, named `balance = 130`,
//!   with `var`, `value`, `scope` and `at` in its args;
//! - flow arrows go from an operation's start to its completion, from a
//!   future's resolution to each task it wakes (`task.resumed`) and to each
//!   callback it starts;
//! - failed operations are instant events (category `fault`); exceptions
//!   that nothing caught (at their first throw, see [`fates`]), failed
//!   callbacks, failures that stay unobserved and scope underflows are
//!   instant events too (category `error`), with the record's `at` in
//!   their args where it has one.
//!
//! `ts` is virtual time in microseconds (`t` / 1000), except that records
//! at one virtual instant are spread a few nanoseconds apart (see
//! [`Ticks`]): so every slice has a width and every flow end lies inside
//! exactly one slice of its track. `args.t` keeps the exact virtual time.
//! `--clock seq` spaces the records one microsecond apart instead, which
//! makes every slice visible at any zoom.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use gene_sim::trace::names::{self, Naming};
use gene_sim::trace::read::{Record, Trace, read_file};
use rustc_hash::FxHashMap;
use serde_json::{Value, json};

mod fates;
mod jsonl;
pub use fates::{Ending, Fates, Uncaught};
pub use jsonl::write_jsonl;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Chrome trace / Perfetto JSON.
    Chrome,
    /// Plain JSON lines, one record a line with its seq, t and poll (for jq).
    Jsonl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Clock {
    /// Virtual time: ts = t / 1000 microseconds (records at one instant a
    /// few nanoseconds apart).
    Virtual,
    /// One microsecond per record (ts = seq): every slice has a width.
    Seq,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Chrome)]
    pub format: Format,
    /// Timestamps from virtual time (the default), or one microsecond per
    /// record (`--format chrome` only).
    #[arg(long, value_enum)]
    pub clock: Option<Clock>,
    /// A trace written by `gene-trace run --trace FILE`.
    pub trace: PathBuf,
    /// The JSON file to write (`-`: standard output).
    pub out: PathBuf,
}

pub fn main(args: &ExportArgs) -> ExitCode {
    if args.format == Format::Jsonl && args.clock.is_some() {
        eprintln!("error: --clock applies to --format chrome only (jsonl records keep their t)");
        return ExitCode::from(2);
    }
    let trace = match read_file(&args.trace) {
        Ok(t) => t,
        Err(e) if e.cannot_open() => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {}: {e}", args.trace.display());
            return ExitCode::from(1);
        }
    };
    // A damaged trace is exported up to the damage, and the status says so.
    let damaged = trace.error.is_some();
    if let Some(e) = &trace.error {
        eprintln!(
            "error: {}: damaged at {e}; exporting the {} records before it",
            args.trace.display(),
            trace.records.len()
        );
    } else if !trace.is_complete() {
        eprintln!(
            "warning: {}: no run.end (a crashed or cut run); exporting its {} records",
            args.trace.display(),
            trace.records.len()
        );
    }
    let result = if args.out == Path::new("-") {
        let mut w = crate::output::writer();
        let r = write_as(args, &trace, &mut w).and_then(|()| w.flush());
        if let Err(e) = &r {
            return crate::output::stdout_failed(e);
        }
        r
    } else {
        std::fs::File::create(&args.out).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            write_as(args, &trace, &mut w).and_then(|()| w.flush())
        })
    };
    match result {
        Ok(()) if damaged => ExitCode::from(1),
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", args.out.display());
            ExitCode::from(1)
        }
    }
}

/// Writes `trace` in the format `args` asks for.
fn write_as(args: &ExportArgs, trace: &Trace, out: &mut dyn Write) -> std::io::Result<()> {
    match args.format {
        Format::Chrome => write_chrome(trace, args.clock.unwrap_or(Clock::Virtual), out),
        Format::Jsonl => write_jsonl(trace, out),
    }
}

const PID: u32 = 1;
/// The event loop's thread.
const LOOP: u32 = 0;

struct Writer<'a> {
    out: &'a mut dyn Write,
    first: bool,
}

impl Writer<'_> {
    fn event(&mut self, v: Value) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut *self.out, &v)?;
        Ok(())
    }
}

/// A task's run: since when it is on top of the stack.
struct Run {
    task: u32,
    /// Its start, in ticks.
    tick: u64,
    seq: u64,
    how: String,
    /// The location of the record it started with (empty: none).
    at: String,
}

/// A record's `at`, or empty.
fn at_of(r: &Record) -> String {
    r.str("at").unwrap_or_default().to_string()
}

/// Where records go on the time axis, in nanosecond ticks. Each record
/// gets [`SPAN`] points of its own, so that no two things share a
/// timestamp: the runs and polls that start with it start at its first
/// point, its flow ends are at the next, its instants at the one after, and
/// the runs and polls that end with it end at its last point. So every
/// slice has a width, and a flow end lies strictly inside the one slice of
/// its track that it belongs to. Virtual time is kept where it leaves room:
/// a record is at its `t`, or just after the record before it when that is
/// later (records at one instant are spread over a few nanoseconds;
/// `args.t` keeps their exact time).
struct Ticks {
    clock: Clock,
    /// The last record's first tick and its unit.
    last: Option<(u64, u64)>,
}

const SPAN: u64 = 4;
const FLOW: u64 = 1;
const INSTANT: u64 = 2;
const END: u64 = SPAN - 1;

/// The distance between two points of a record at `tick`: one nanosecond,
/// or more where a double (the format's timestamps) cannot tell
/// nanoseconds apart (past 2^50 ns, about 13 days): 8 of its steps there.
fn unit(tick: u64) -> u64 {
    let bits = 64 - tick.leading_zeros();
    if bits <= 50 { 1 } else { 1 << (bits - 50) }
}

impl Ticks {
    /// The next record's first tick, and the distance between its points.
    fn next(&mut self, r: &Record) -> (u64, u64) {
        let at = match self.clock {
            Clock::Virtual => r.t,
            Clock::Seq => r.seq.saturating_mul(1000),
        };
        let tick = match self.last {
            Some((last, u)) => at.max(last.saturating_add(SPAN * u)),
            None => at,
        };
        let next = (tick, unit(tick));
        self.last = Some(next);
        next
    }
}

/// A tick as a Trace Event Format timestamp (microseconds).
fn us(tick: u64) -> f64 {
    tick as f64 / 1000.0
}

/// Writes the trace as Chrome trace JSON, streaming one event at a time.
pub fn write_chrome(trace: &Trace, clock: Clock, out: &mut dyn Write) -> std::io::Result<()> {
    let blocking = trace.blocking_await();
    let fates = Fates::of(trace, blocking);
    // Over the whole trace first: a failure's name says where it threw.
    let names = Naming::of(&trace.records);
    let program = trace.program_name().unwrap_or("?").to_string();
    out.write_all(b"{\"traceEvents\":[\n")?;
    let mut w = Writer { out, first: true };
    w.event(json!({"name": "process_name", "ph": "M", "pid": PID, "tid": LOOP,
        "args": {"name": format!("{program} (seed {})", trace.seed().map_or("?".into(), |s| s.to_string()))}}))?;
    w.event(json!({"name": "thread_name", "ph": "M", "pid": PID, "tid": LOOP, "args": {"name": "event loop"}}))?;
    w.event(json!({"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": LOOP, "args": {"sort_index": 0}}))?;
    w.event(json!({"name": "thread_name", "ph": "M", "pid": PID, "tid": 1, "args": {"name": names.task_ref(1)}}))?;
    w.event(json!({"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": 1, "args": {"sort_index": 1}}))?;

    let mut ticks = Ticks { clock, last: None };
    let mut flow_id: u64 = 0;
    // Tasks waiting on each future, and where each future resolved.
    let mut waiters: FxHashMap<u64, Vec<u64>> = FxHashMap::default();
    let mut resolved_at: FxHashMap<u64, (u64, u32)> = FxHashMap::default();
    // Where the tasks woken by a resolution were woken from.
    let mut wake: FxHashMap<u64, (u64, u64, u32)> = FxHashMap::default();
    // Where each operation started.
    let mut op_start: FxHashMap<u64, (u64, u32, String)> = FxHashMap::default();
    let mut run: Option<Run> = None;
    let mut poll_begin: Option<(u64, u64, usize)> = None;
    let mut last_end = 0;

    for (i, r) in trace.records.iter().enumerate() {
        let (tick, u) = ticks.next(r);
        let end = tick.saturating_add(END * u);
        last_end = end;
        if i == 0 {
            // The main task runs from the start.
            run = Some(Run {
                task: 1,
                tick,
                seq: r.seq,
                how: "start".into(),
                at: String::new(),
            });
        }
        let flow = tick.saturating_add(FLOW * u);
        let instant = us(tick.saturating_add(INSTANT * u));
        // The main task runs from the start.
        let running = if i == 0 { 1 } else { fates.running[i - 1] };
        let here = if running == 0 { LOOP } else { running };
        let kind = &*r.kind;
        match kind {
            "poll.begin" => poll_begin = Some((tick, r.poll, i)),
            "poll.end" => {
                let (start, poll, first) = poll_begin.take().unwrap_or((tick, r.poll, i));
                let events = (i - first).saturating_sub(1);
                w.event(
                    json!({"name": format!("poll {poll}"), "cat": "poll", "ph": "X", "ts": us(start),
                    "dur": us(end.saturating_sub(start)), "pid": PID, "tid": LOOP,
                    "args": {"poll": poll, "t": r.t, "events": events, "delivered": r.u64("delivered"),
                             "hash": r.str("hash")}}),
                )?;
            }
            "op.started" => {
                if let Some(op) = r.u64("op") {
                    op_start.insert(op, (flow, here, names::operation(r)));
                }
            }
            "op.completed" => {
                let op = r.u64("op").unwrap_or(0);
                let (start, tid, what) = op_start.remove(&op).unwrap_or((flow, LOOP, "op".into()));
                flow_id += 1;
                let name = format!("op {op}: {what}");
                w.event(json!({"name": name, "cat": "io", "ph": "s", "id": flow_id, "ts": us(start), "pid": PID, "tid": tid}))?;
                w.event(json!({"name": name, "cat": "io", "ph": "f", "bp": "e", "id": flow_id, "ts": us(flow), "pid": PID, "tid": LOOP}))?;
                if r.bool("ok") == Some(false) {
                    w.event(json!({"name": format!("fault: {what} failed"), "cat": "fault", "ph": "i", "s": "t",
                        "ts": instant, "pid": PID, "tid": LOOP, "args": {"op": op, "seq": r.seq, "poll": r.poll, "t": r.t}}))?;
                }
            }
            "task.awaiting" => {
                if let (Some(t), Some(f)) = (r.u64("task"), r.u64("future")) {
                    waiters.entry(f).or_default().push(t);
                }
            }
            "future.resolved" => {
                let f = r.u64("future").unwrap_or(0);
                resolved_at.insert(f, (flow, here));
                for t in waiters.remove(&f).unwrap_or_default() {
                    wake.insert(t, (f, flow, here));
                }
            }
            "task.resumed" => {
                let t = r.u64("task").unwrap_or(0);
                if let Some((f, start, tid)) = wake.remove(&t) {
                    flow_id += 1;
                    let name = format!("{} wakes {}", names.future_ref(f), names.task_ref(t));
                    w.event(json!({"name": name, "cat": "wake", "ph": "s", "id": flow_id, "ts": us(start), "pid": PID, "tid": tid}))?;
                    w.event(json!({"name": name, "cat": "wake", "ph": "f", "bp": "e", "id": flow_id, "ts": us(flow), "pid": PID, "tid": t}))?;
                }
            }
            "task.spawned" => {
                let t = r.u64("task").unwrap_or(0);
                let reacts = r.u64("reacts_to").unwrap_or(0);
                let label = if reacts != 0 {
                    format!("{} on {}", names.task_ref(t), names.future_ref(reacts))
                } else {
                    names.task_ref(t)
                };
                w.event(json!({"name": "thread_name", "ph": "M", "pid": PID, "tid": t, "args": {"name": label}}))?;
                w.event(json!({"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": t, "args": {"sort_index": t}}))?;
                if reacts != 0
                    && let Some(&(start, tid)) = resolved_at.get(&reacts)
                {
                    flow_id += 1;
                    let name = format!("{} starts {}", names.future_ref(reacts), names.task_ref(t));
                    w.event(json!({"name": name, "cat": "callback", "ph": "s", "id": flow_id, "ts": us(start), "pid": PID, "tid": tid}))?;
                    w.event(json!({"name": name, "cat": "callback", "ph": "f", "bp": "e", "id": flow_id, "ts": us(flow), "pid": PID, "tid": t}))?;
                }
            }
            "exception.thrown" => {
                if let Some(u) = fates.uncaught.get(&i) {
                    let through: Vec<String> =
                        u.through.iter().map(|&t| names.task_ref(t)).collect();
                    w.event(json!({"name": format!("uncaught: {}", r.str("value").unwrap_or("")), "cat": "error",
                        "ph": "i", "s": "t", "ts": instant, "pid": PID, "tid": here,
                        "args": {"seq": r.seq, "t": r.t, "at": at_of(r), "ended": u.ending.text(&names),
                                 "through": through.join(" → ")}}))?;
                }
            }
            "future.unobserved" if !fates.unobserved.contains(&r.u64("future").unwrap_or(0)) => {
                // Observed later after all (an await or a failure callback).
            }
            "future.unobserved" => {
                let f = r.u64("future").unwrap_or(0);
                w.event(json!({"name": format!("unobserved failure of {}", names.failure_ref(f)), "cat": "error",
                    "ph": "i", "s": "t", "ts": instant, "pid": PID, "tid": here,
                    "args": {"seq": r.seq, "t": r.t, "future": f}}))?;
            }
            "var.written" => {
                // On the writing task's thread (the one running).
                let (var, value) = (r.str("var").unwrap_or("?"), r.str("value").unwrap_or(""));
                w.event(json!({"name": format!("{var} = {value}"), "cat": "var",
                    "ph": "i", "s": "t", "ts": instant, "pid": PID, "tid": r.u64("task").unwrap_or(here as u64),
                    "args": {"seq": r.seq, "t": r.t, "var": var, "value": value,
                             "scope": r.u64("scope"), "at": at_of(r)}}))?;
            }
            "callback.failed" | "scope.underflow" => {
                w.event(json!({"name": format!("{kind} {}", crate::replay::ui::field_text(r)), "cat": "error",
                    "ph": "i", "s": "t", "ts": instant, "pid": PID, "tid": here, "args": {"seq": r.seq, "t": r.t}}))?;
            }
            _ => {}
        }
        let after = fates.running[i];
        if after != running {
            if let Some(open) = run.take() {
                w.event(json!({"name": names.task(open.task.into()), "cat": "task", "ph": "X", "ts": us(open.tick),
                    "dur": us(end.saturating_sub(open.tick)), "pid": PID, "tid": open.task,
                    "args": {"task": open.task, "from": open.how, "from_at": open.at, "to": format!("#{} {kind}", r.seq),
                             "at": at_of(r), "first_seq": open.seq, "last_seq": r.seq}}))?;
            }
            if after != 0 {
                run = Some(Run {
                    task: after,
                    tick,
                    seq: r.seq,
                    how: format!("#{} {kind}", r.seq),
                    at: at_of(r),
                });
            }
        }
    }
    if let (Some(open), Some(last)) = (run.take(), trace.records.last()) {
        w.event(json!({"name": names.task(open.task.into()), "cat": "task", "ph": "X", "ts": us(open.tick),
            "dur": us(last_end.saturating_sub(open.tick)), "pid": PID, "tid": open.task,
            "args": {"task": open.task, "from": open.how, "from_at": open.at, "to": "end of trace", "at": "",
                     "first_seq": open.seq, "last_seq": last.seq}}))?;
    }
    let w = w.out;
    let other = json!({"program": program, "seed": trace.seed(), "clock": match clock {
        Clock::Virtual => "virtual time (ts = t / 1000; records at one instant a few ns apart)", Clock::Seq => "record sequence (ts = seq)" },
        "records": trace.records.len(), "polls": trace.polls.len(),
        "truncated": trace.error.as_ref().map(|e| e.to_string())});
    write!(
        w,
        "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{other}}}\n"
    )?;
    Ok(())
}
