//! `gene-trace export --format chrome`: a trace as Chrome trace / Perfetto
//! JSON (the Trace Event Format), for chrome://tracing and ui.perfetto.dev
//! (`--format jsonl`, plain JSON lines, is in [`super::jsonl`]).
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
//!   that nothing caught (at their first throw, see [`super::fates`]), failed
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
//!
//! The export reads a trace file twice: [`Survey`] goes over it first for
//! the names and fates, then [`write_events`] writes the events record by
//! record; neither holds the records.

use std::borrow::Borrow;
use std::io::Write;

use gene_sim::trace::names::{self, Naming};
use gene_sim::trace::read::{Record, Trace, TraceError, header};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Value, json};

use super::Clock;
use super::fates::{Fates, FatesFinder};
use crate::replay::state::State;

const PID: u32 = 1;
/// The event loop's thread.
const LOOP: u32 = 0;

/// Writes a JSON object, its keys in the order given, as `json!` writes
/// it (the workspace's serde_json keeps the order) but without building a
/// `Value`: each value is serialized straight into `out`, a `Vec<u8>`.
/// A value that is `{...}` is a nested object.
macro_rules! object {
    ($out:expr, { $($body:tt)* }) => {{
        let out: &mut Vec<u8> = $out;
        out.push(b'{');
        object!(@fields out, first, $($body)*);
        out.push(b'}');
    }};
    (@fields $out:ident, $at:ident, ) => {};
    (@fields $out:ident, $at:ident, $key:literal : { $($inner:tt)* } $(, $($rest:tt)*)?) => {
        object!(@key $out, $at, $key);
        object!(&mut *$out, { $($inner)* });
        object!(@fields $out, rest, $($($rest)*)?);
    };
    (@fields $out:ident, $at:ident, $key:literal : $value:expr $(, $($rest:tt)*)?) => {
        object!(@key $out, $at, $key);
        serde_json::to_writer(&mut *$out, &$value)?;
        object!(@fields $out, rest, $($($rest)*)?);
    };
    (@key $out:ident, first, $key:literal) => {
        $out.extend_from_slice(concat!("\"", $key, "\":").as_bytes());
    };
    (@key $out:ident, rest, $key:literal) => {
        $out.extend_from_slice(concat!(",\"", $key, "\":").as_bytes());
    };
}

/// Writes one event of the `traceEvents` array (an `object!`).
macro_rules! event {
    ($w:expr, { $($body:tt)* }) => {{
        let w: &mut Writer = &mut $w;
        w.next();
        object!(&mut w.buf, { $($body)* });
        w.spill()?;
    }};
}

/// The events, gathered in a buffer written out in large pieces.
struct Writer<'a> {
    out: &'a mut dyn Write,
    buf: Vec<u8>,
    first: bool,
}

impl Writer<'_> {
    const SPILL: usize = 1 << 16;

    /// Starts the next event.
    fn next(&mut self) {
        if !self.first {
            self.buf.extend_from_slice(b",\n");
        }
        self.first = false;
    }

    /// Writes the buffer out once it is large.
    fn spill(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= Self::SPILL {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
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

/// Writes the trace as Chrome trace JSON, from its records in memory.
pub fn write_chrome(trace: &Trace, clock: Clock, out: &mut dyn Write) -> std::io::Result<()> {
    let survey = Survey::of(&trace.records, trace.blocking_await());
    let written = write_events(
        &trace.records,
        &trace.header,
        &survey,
        trace.error.as_ref(),
        clock,
        out,
    )?;
    debug_assert_eq!(written, survey.records);
    Ok(())
}

/// What the events need to know of the whole trace before the first is
/// written (a failure's name says where it threw, an exception's first
/// throw is marked by how it ends): the first of the export's two passes.
/// It holds a few entries per task and future, not the records.
pub struct Survey {
    fates: Fates,
    names: Naming,
    blocking: bool,
    /// The futures callbacks react to: where they resolve is kept for the
    /// callbacks' flow arrows, and only theirs.
    reacted: FxHashSet<u64>,
    /// Records taken in.
    pub records: usize,
    /// Polls: one more than the last record's.
    pub polls: usize,
    /// The last record is `run.end`.
    pub ended: bool,
}

impl Survey {
    /// Goes over `records` in order, holding one at a time.
    pub fn of<R: Borrow<Record>>(records: impl IntoIterator<Item = R>, blocking: bool) -> Survey {
        let mut fates = FatesFinder::new(blocking);
        let mut names = Naming::new();
        let (mut count, mut polls, mut ended) = (0, 0, false);
        let mut reacted = FxHashSet::default();
        for r in records {
            let r = r.borrow();
            fates.note(r);
            names.note(r);
            if &*r.kind == "task.spawned"
                && let Some(f) = r.u64("reacts_to").filter(|&f| f != 0)
            {
                reacted.insert(f);
            }
            count += 1;
            polls = polls.max(
                usize::try_from(r.poll)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1),
            );
            ended = &*r.kind == "run.end";
        }
        Survey {
            fates: fates.finish(),
            names,
            blocking,
            reacted,
            records: count,
            polls,
            ended,
        }
    }
}

/// Writes the events of `records`, the same records `survey` went over (at
/// most `survey.records` of them are read), streaming one at a time; the
/// number of records written. `header` is the trace's, `error` why its
/// records stopped early.
pub fn write_events<R: Borrow<Record>>(
    records: impl IntoIterator<Item = R>,
    header: &Value,
    survey: &Survey,
    error: Option<&TraceError>,
    clock: Clock,
    out: &mut dyn Write,
) -> std::io::Result<usize> {
    let (fates, names) = (&survey.fates, &survey.names);
    // The task running before and after each record, rebuilt as the
    // records go by.
    let mut state = State::new(survey.blocking);
    let program = header::program_name(header).unwrap_or("?").to_string();
    let seed = header::seed(header);
    out.write_all(b"{\"traceEvents\":[\n")?;
    let mut w = Writer {
        out,
        buf: Vec::with_capacity(Writer::SPILL * 2),
        first: true,
    };
    event!(w, {"name": "process_name", "ph": "M", "pid": PID, "tid": LOOP,
        "args": {"name": format!("{program} (seed {})", seed.map_or("?".into(), |s| s.to_string()))}});
    event!(w, {"name": "thread_name", "ph": "M", "pid": PID, "tid": LOOP, "args": {"name": "event loop"}});
    event!(w, {"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": LOOP, "args": {"sort_index": 0}});
    event!(w, {"name": "thread_name", "ph": "M", "pid": PID, "tid": 1, "args": {"name": names.task_ref(1)}});
    event!(w, {"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": 1, "args": {"sort_index": 1}});

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
    let mut last_seq = None;
    let mut written = 0;

    for (i, r) in records.into_iter().take(survey.records).enumerate() {
        let r = r.borrow();
        written += 1;
        last_seq = Some(r.seq);
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
        let running = state.running();
        let here = if running == 0 { LOOP } else { running };
        let kind = &*r.kind;
        match kind {
            "poll.begin" => poll_begin = Some((tick, r.poll, i)),
            "poll.end" => {
                let (start, poll, first) = poll_begin.take().unwrap_or((tick, r.poll, i));
                let events = (i - first).saturating_sub(1);
                event!(w, {"name": format!("poll {poll}"), "cat": "poll", "ph": "X", "ts": us(start),
                    "dur": us(end.saturating_sub(start)), "pid": PID, "tid": LOOP,
                    "args": {"poll": poll, "t": r.t, "events": events, "delivered": r.u64("delivered"),
                             "hash": r.str("hash")}});
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
                event!(w, {"name": name, "cat": "io", "ph": "s", "id": flow_id, "ts": us(start), "pid": PID, "tid": tid});
                event!(w, {"name": name, "cat": "io", "ph": "f", "bp": "e", "id": flow_id, "ts": us(flow), "pid": PID, "tid": LOOP});
                if r.bool("ok") == Some(false) {
                    event!(w, {"name": format!("fault: {what} failed"), "cat": "fault", "ph": "i", "s": "t",
                        "ts": instant, "pid": PID, "tid": LOOP, "args": {"op": op, "seq": r.seq, "poll": r.poll, "t": r.t}});
                }
            }
            "task.awaiting" => {
                if let (Some(t), Some(f)) = (r.u64("task"), r.u64("future")) {
                    waiters.entry(f).or_default().push(t);
                }
            }
            "future.resolved" => {
                let f = r.u64("future").unwrap_or(0);
                if survey.reacted.contains(&f) {
                    resolved_at.insert(f, (flow, here));
                }
                for t in waiters.remove(&f).unwrap_or_default() {
                    wake.insert(t, (f, flow, here));
                }
            }
            "task.resumed" => {
                let t = r.u64("task").unwrap_or(0);
                if let Some((f, start, tid)) = wake.remove(&t) {
                    flow_id += 1;
                    let name = format!("{} wakes {}", names.future_ref(f), names.task_ref(t));
                    event!(w, {"name": name, "cat": "wake", "ph": "s", "id": flow_id, "ts": us(start), "pid": PID, "tid": tid});
                    event!(w, {"name": name, "cat": "wake", "ph": "f", "bp": "e", "id": flow_id, "ts": us(flow), "pid": PID, "tid": t});
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
                event!(w, {"name": "thread_name", "ph": "M", "pid": PID, "tid": t, "args": {"name": label}});
                event!(w, {"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": t, "args": {"sort_index": t}});
                if reacts != 0
                    && let Some(&(start, tid)) = resolved_at.get(&reacts)
                {
                    flow_id += 1;
                    let name = format!("{} starts {}", names.future_ref(reacts), names.task_ref(t));
                    event!(w, {"name": name, "cat": "callback", "ph": "s", "id": flow_id, "ts": us(start), "pid": PID, "tid": tid});
                    event!(w, {"name": name, "cat": "callback", "ph": "f", "bp": "e", "id": flow_id, "ts": us(flow), "pid": PID, "tid": t});
                }
            }
            "exception.thrown" => {
                if let Some(u) = fates.uncaught.get(&i) {
                    let through: Vec<String> =
                        u.through.iter().map(|&t| names.task_ref(t)).collect();
                    event!(w, {"name": format!("uncaught: {}", r.str("value").unwrap_or("")), "cat": "error",
                        "ph": "i", "s": "t", "ts": instant, "pid": PID, "tid": here,
                        "args": {"seq": r.seq, "t": r.t, "at": at_of(r), "ended": u.ending.text(names),
                                 "through": through.join(" → ")}});
                }
            }
            "future.unobserved" if !fates.unobserved.contains(&r.u64("future").unwrap_or(0)) => {
                // Observed later after all (an await or a failure callback).
            }
            "future.unobserved" => {
                let f = r.u64("future").unwrap_or(0);
                event!(w, {"name": format!("unobserved failure of {}", names.failure_ref(f)), "cat": "error",
                    "ph": "i", "s": "t", "ts": instant, "pid": PID, "tid": here,
                    "args": {"seq": r.seq, "t": r.t, "future": f}});
            }
            "var.written" => {
                // On the writing task's thread (the one running).
                let (var, value) = (r.str("var").unwrap_or("?"), r.str("value").unwrap_or(""));
                event!(w, {"name": format!("{var} = {value}"), "cat": "var",
                    "ph": "i", "s": "t", "ts": instant, "pid": PID, "tid": r.u64("task").unwrap_or(here as u64),
                    "args": {"seq": r.seq, "t": r.t, "var": var, "value": value,
                             "scope": r.u64("scope"), "at": at_of(r)}});
            }
            "callback.failed" | "scope.underflow" => {
                event!(w, {"name": format!("{kind} {}", crate::replay::ui::field_text(r)), "cat": "error",
                    "ph": "i", "s": "t", "ts": instant, "pid": PID, "tid": here, "args": {"seq": r.seq, "t": r.t}});
            }
            _ => {}
        }
        state.apply(i, r);
        let after = state.running();
        if after != running {
            if let Some(open) = run.take() {
                event!(w, {"name": names.task(open.task.into()), "cat": "task", "ph": "X", "ts": us(open.tick),
                    "dur": us(end.saturating_sub(open.tick)), "pid": PID, "tid": open.task,
                    "args": {"task": open.task, "from": open.how, "from_at": open.at, "to": format!("#{} {kind}", r.seq),
                             "at": at_of(r), "first_seq": open.seq, "last_seq": r.seq}});
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
    if let (Some(open), Some(last_seq)) = (run.take(), last_seq) {
        event!(w, {"name": names.task(open.task.into()), "cat": "task", "ph": "X", "ts": us(open.tick),
            "dur": us(last_end.saturating_sub(open.tick)), "pid": PID, "tid": open.task,
            "args": {"task": open.task, "from": open.how, "from_at": open.at, "to": "end of trace", "at": "",
                     "first_seq": open.seq, "last_seq": last_seq}});
    }
    w.flush()?;
    let w = w.out;
    let other = json!({"program": program, "seed": seed, "clock": match clock {
        Clock::Virtual => "virtual time (ts = t / 1000; records at one instant a few ns apart)", Clock::Seq => "record sequence (ts = seq)" },
        "records": written, "polls": survey.polls,
        "truncated": error.map(|e| e.to_string())});
    write!(
        w,
        "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{other}}}\n"
    )?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use std::borrow::Borrow;
    use std::cell::Cell;
    use std::rc::Rc;

    use gene_sim::trace::read::{Record, read};

    use super::{Clock, Survey, write_events};

    /// Records alive now, and the most alive at once.
    type Live = Rc<Cell<(usize, usize)>>;

    /// A record that counts how many of its kind are alive.
    struct Counted(Record, Live);

    impl Borrow<Record> for Counted {
        fn borrow(&self) -> &Record {
            &self.0
        }
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            let (now, most) = self.1.get();
            self.1.set((now - 1, most));
        }
    }

    fn counted<'a>(records: &'a [Record], live: &'a Live) -> impl Iterator<Item = Counted> + 'a {
        records.iter().map(move |r| {
            let (now, most) = live.get();
            live.set((now + 1, most.max(now + 1)));
            Counted(r.clone(), live.clone())
        })
    }

    /// Both passes of the export hold one record at a time, whatever the
    /// trace's length: a run with every kind of event the export draws
    /// (operations, wakes, callbacks, caught and uncaught exceptions, a
    /// failed callback, shared writes), many times over.
    #[test]
    fn the_export_holds_one_record_at_a_time() {
        let program = "(var n 0)
(fn ^^async nap [ms] (await (gene/sleep_async ms)) (n = (n + ms)) ms)
(var i 0)
(while (i < 200)
  (var a (nap ((i % 7) + 1)))
  (var g (gene/sleep_async 2))
  (g .on_success (-> (throw \"in a callback\")))
  (try (await (async (throw \"x\"))) catch * nil)
  (await a)
  (i += 1))
(async (throw \"lost\"))
(println n)
";
        let buf = gene_sim::trace::SharedBuf::default();
        let config = gene_sim::RunConfig {
            root: std::env::temp_dir(),
            ..gene_sim::RunConfig::default()
        };
        let _ = gene_sim::run_traced(
            "p.gene",
            program,
            &config,
            &mut std::io::sink(),
            Some(Box::new(buf.clone())),
        );
        let bytes = buf.0.lock().expect("the trace").clone();
        let trace = read(&bytes[..]).expect("a trace");
        assert!(trace.error.is_none() && trace.records.len() > 5_000);
        let live: Live = Rc::default();
        let survey = Survey::of(counted(&trace.records, &live), trace.blocking_await());
        assert_eq!(live.get(), (0, 1), "the first pass");
        assert!(!survey.fates.uncaught.is_empty(), "an uncaught exception");
        let mut out = Vec::new();
        let written = write_events(
            counted(&trace.records, &live),
            &trace.header,
            &survey,
            None,
            Clock::Virtual,
            &mut out,
        )
        .expect("written to memory");
        assert_eq!(live.get(), (0, 1), "the second pass");
        assert_eq!(written, trace.records.len());
    }
}
