//! The VM's state and its driver-facing API. The VM performs no I/O: the
//! driver loads a program, calls `run(budget)` until it reports `Finished`,
//! and takes the printed output with `take_output`.

use std::collections::VecDeque;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::bytecode::{Code, Source};
use crate::compiler::{self, NameTable};
use crate::diagnostic;
use crate::display;
use crate::future::TaskId;
use crate::namespace::Namespace;
use crate::reader::{self, ParseError};
use crate::request::{OpId, Request};
use crate::sched::AfterNative;
use crate::scope::{NO_SCOPE, ScopeArena, ScopeId};
use crate::symbol::{Sym, sym};
use crate::task::{AwaitMode, Batch, Fiber, Hold, Task, TaskKind};
use crate::value::{Span, Value};

/// The last instant of virtual time, in nanoseconds since the run began
/// (about 292 years): traces store times as signed 64-bit numbers. A timer
/// or operation that would end later fails instead.
pub const TIME_END_NANOS: u64 = i64::MAX as u64;

#[derive(Clone, Debug)]
pub struct VmConfig {
    /// Frames beyond this raise a catchable "stack overflow".
    pub max_depth: usize,
    /// Instructions beyond this end the run with an error.
    pub max_instructions: Option<u64>,
    pub await_mode: AwaitMode,
    /// What `gene/time/now` gives at virtual time zero, in seconds.
    pub start_secs: f64,
    /// Building a string longer than this many bytes (append,
    /// interpolation, printing) raises a catchable "value too large".
    pub max_string_bytes: usize,
    /// Building an array, map or gene with more items than this raises a
    /// catchable "value too large".
    pub max_elements: usize,
    /// A deliberate bug, for showing that the tests catch it.
    #[cfg(feature = "mutations")]
    pub mutation: Option<crate::mutation::Mutation>,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            max_depth: 10_000,
            max_instructions: None,
            await_mode: AwaitMode::Suspend,
            start_secs: 0.0,
            max_string_bytes: crate::limits::DEFAULT_MAX_STRING_BYTES,
            max_elements: crate::limits::DEFAULT_MAX_ELEMENTS,
            #[cfg(feature = "mutations")]
            mutation: None,
        }
    }
}

/// What closing a finished run found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Closing {
    /// Scopes kept alive only by reference cycles, now freed.
    pub cycles: usize,
    /// Scopes whose count was not explained by the cycles: refcount bugs.
    pub miscounts: Vec<crate::audit::Miscount>,
    /// Scopes still alive after collecting cycles, besides those the
    /// run's result reaches (should be zero).
    pub live: usize,
}

/// Counts of a run, for `--stats` and the trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub futures: u64,
    pub tasks: u64,
    pub operations: u64,
    /// Tasks still waiting when the run ended.
    pub abandoned_tasks: u64,
}

/// Why `run` returned.
#[derive(Debug)]
pub enum Step {
    /// The budget is spent: poll (deliver what completed), then call `run`.
    Yielded,
    /// Every task waits: perform the requests (a blocking one at once),
    /// advance the clock to the next completion, deliver it, call `run`.
    Blocked,
    /// The program ended with its value, or an uncaught exception.
    Finished(Result<Value, Uncaught>),
}

/// Where something happened in the source.
#[derive(Clone, Debug)]
pub struct Location {
    pub source: Rc<Source>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UncaughtKind {
    /// A `throw` of a user value.
    Thrown,
    /// An error raised by the VM or a built-in.
    Error,
    /// A limit of the run or a VM fault: not catchable.
    Fatal,
}

impl UncaughtKind {
    /// The kind of a value thrown again (a rethrow, an awaited failure):
    /// an exception object is an error, anything else a user's throw.
    pub fn of(v: &Value) -> UncaughtKind {
        if matches!(v, Value::Exception(_)) {
            UncaughtKind::Error
        } else {
            UncaughtKind::Thrown
        }
    }
}

#[derive(Clone, Debug)]
pub struct Uncaught {
    pub value: Value,
    pub kind: UncaughtKind,
    pub location: Option<Location>,
    /// Lines printed after the message (a deadlock's waiting tasks).
    pub notes: Vec<String>,
}

impl Uncaught {
    /// The one-line message.
    pub fn message(&self) -> String {
        match (&self.kind, &self.value) {
            (UncaughtKind::Thrown, v) => {
                let mut s = String::new();
                display::write_quoted(&mut s, v);
                format!("unhandled exception: Gene exception: {s} [Exception]")
            }
            (_, Value::Exception(e)) => e.message.to_string(),
            (_, v) => display::display(v),
        }
    }

    /// The message with the source line and a caret, as printed on stderr.
    pub fn render(&self) -> String {
        let mut out = match &self.location {
            Some(l) => {
                diagnostic::render_with_kind(
                    "Error",
                    &l.source.name,
                    &l.source.text,
                    l.span,
                    &self.message(),
                ) + "\n"
            }
            None => format!("Error: {}\n", self.message()),
        };
        for n in &self.notes {
            out.push_str("  = ");
            out.push_str(n);
            out.push('\n');
        }
        out
    }
}

/// A program that could not be read.
#[derive(Clone, Debug)]
pub struct LoadError {
    pub error: ParseError,
    pub source: Rc<Source>,
}

impl LoadError {
    pub fn render(&self) -> String {
        diagnostic::render(
            &self.source.name,
            &self.source.text,
            self.error.span,
            &self.error.message,
        ) + "\n"
    }
}

pub(crate) struct Frame {
    pub code: Rc<Code>,
    pub pc: usize,
    /// Stack index of register 0.
    pub base: usize,
    /// Where the frame's result goes (the callee slot for calls).
    pub ret: usize,
    /// The scope the frame was entered with; it holds no reference to it.
    pub entry_scope: ScopeId,
    pub scope: ScopeId,
    pub ns: Rc<Namespace>,
}

pub(crate) struct Handler {
    pub frame: usize,
    pub stack: usize,
    pub scope: ScopeId,
    pub ns: Rc<Namespace>,
    pub pc: usize,
    /// Some: not a handler but a catch marker, holding the value `$ex` gives.
    pub ex: Option<Value>,
}

/// A thrown value on its way to a handler.
pub(crate) struct Thrown {
    pub value: Value,
    pub kind: UncaughtKind,
    /// None: where the current frame stopped.
    pub location: Option<Location>,
}

impl Thrown {
    pub fn error(value: Value) -> Thrown {
        Thrown {
            value,
            kind: UncaughtKind::Error,
            location: None,
        }
    }
}

/// One inline cache entry of `Op::LoadName`.
pub(crate) struct NameSlot {
    pub name: Sym,
    pub epoch: u64,
    pub ns: *const Namespace,
    pub value: Value,
}

#[derive(Default)]
pub(crate) struct Names {
    pub slots: Vec<NameSlot>,
    /// Bumped by every namespace write: a cache entry from an older epoch is stale.
    pub epoch: u64,
}

impl NameTable for Names {
    fn name_slot(&mut self, name: Sym) -> u32 {
        self.slots.push(NameSlot {
            name,
            epoch: u64::MAX,
            ns: std::ptr::null(),
            value: Value::Nil,
        });
        (self.slots.len() - 1) as u32
    }
}

pub struct Vm {
    pub(crate) config: VmConfig,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    /// Reads of shared variables are recorded (see `watch.rs`).
    pub(crate) watch_reads: bool,
    /// (scope serial, slot) read in this activation.
    pub(crate) reads_seen: rustc_hash::FxHashSet<(u64, u16)>,
    /// Where footprints are collected (`footprint.rs`), when they are.
    pub(crate) footprint: Option<Rc<std::cell::RefCell<crate::footprint::Footprint>>>,
    pub(crate) handlers: Vec<Handler>,
    pub(crate) scopes: ScopeArena,
    pub(crate) names: Names,
    pub(crate) module: Rc<Namespace>,
    pub(crate) global: Rc<Namespace>,
    pub(crate) gene: Rc<Namespace>,
    pub(crate) genex: Rc<Namespace>,
    pub(crate) out: String,
    /// Bytes printed in the whole run.
    pub(crate) out_total: u64,
    pub(crate) executed: u64,
    pub(crate) result: Option<Result<Value, Uncaught>>,
    /// Where the exception being handled was first thrown, for rethrows.
    pub(crate) caught_at: Option<Location>,
    /// Where the last task to finish returned (for `task.finished`).
    pub(crate) ended_at: Option<(Rc<crate::bytecode::Code>, usize)>,
    /// `eval` texts made so far (`eval#N`).
    pub(crate) evals: u64,
    // Tasks and scheduling (see sched.rs).
    pub(crate) await_mode: AwaitMode,
    pub(crate) tasks: FxHashMap<TaskId, Task>,
    /// The activation stack: only the top task runs.
    pub(crate) active: Vec<TaskId>,
    /// Whose fiber is in `stack`/`frames`/`handlers`.
    pub(crate) loaded: Option<TaskId>,
    /// What the active tasks under the loaded fiber count towards
    /// `max_depth` (each its frames plus one); `None` after a switch, until
    /// the next call needs it (`interp/call.rs`).
    pub(crate) below: Option<usize>,
    /// How many frames the loaded fiber may hold: `max_depth` less `below`
    /// (0 while `below` is unknown, so the next call works it out).
    pub(crate) frame_limit: usize,
    /// Batches of completions delivered by the world (timers, I/O).
    pub(crate) queue: VecDeque<Batch>,
    /// Batches of reactions to resolutions made by running code; these go first.
    pub(crate) micro: VecDeque<Batch>,
    /// `complete` is resolving a future for the world.
    pub(crate) delivering: bool,
    /// The world delivered something since the last `run`.
    pub(crate) fresh: bool,
    /// Checking mode (see `set_checking`).
    pub(crate) checking: bool,
    /// Checking mode: the last recount's cost, and the polls and the
    /// instruction count since it (see `audit_if_due`).
    pub(crate) audit_cost: u64,
    pub(crate) audit_work: u64,
    pub(crate) audit_executed: u64,
    /// Mutations `Nondeterministic` and `HiddenWrite`: this VM is one of
    /// the odd ones.
    #[cfg(feature = "mutations")]
    pub(crate) odd_run: bool,
    /// Checking mode: the futures of operations, held by the driver's tickets.
    pub(crate) op_futures: crate::unobserved::OpFutures,
    pub(crate) chooser: Option<Box<dyn crate::choice::Chooser>>,
    /// Stable keys on (`choice`): task ordinals and operation keys.
    pub(crate) keyed: bool,
    /// The ordinal last given to each base key.
    pub(crate) ordinals: FxHashMap<String, u32>,
    pub(crate) requests: Vec<Request>,
    /// Operations started and not yet completed.
    pub(crate) outstanding: usize,
    /// Reused for built-ins' arguments.
    pub(crate) args: Vec<Value>,
    pub(crate) blocking_op: Option<OpId>,
    pub(crate) resume_blocked: Option<Result<Value, Value>>,
    pub(crate) after_native: Option<AfterNative>,
    /// The last slice ended on its budget: the next `run` is a poll.
    pub(crate) preempted: bool,
    /// Blocking mode: the task a poll interrupted, for callbacks to run
    /// above it.
    pub(crate) interrupted: Option<TaskId>,
    /// Resolutions by `.complete`/`.fail` whose reactions run first.
    pub(crate) holds: Vec<Hold>,
    /// Set while `.complete`/`.fail` resolves: where the batches go.
    pub(crate) holding: Option<VecDeque<Batch>>,
    /// The batches of the last `.complete`, until the interpreter yields.
    pub(crate) pending_hold: Option<VecDeque<Batch>>,
    pub(crate) all_waiters: Vec<TaskId>,
    pub(crate) main_result: Option<Result<Value, Uncaught>>,
    /// Failed futures that had no reaction when they failed.
    pub(crate) unobserved: crate::unobserved::Unobserved,
    pub(crate) now_nanos: u64,
    pub(crate) stats: Stats,
    /// The rolling hash of every state change (see `statehash`).
    pub(crate) state: crate::statehash::StateHash,
}

impl Vm {
    pub fn new(config: VmConfig) -> Vm {
        let global = Namespace::new("global");
        let gene = Namespace::builtin("gene", "gene");
        let genex = Namespace::builtin("genex", "genex");
        global.set(sym::GENE, Value::Namespace(gene.clone()));
        global.set(sym::GENEX, Value::Namespace(genex.clone()));
        crate::builtins::install(&gene);
        Vm {
            stack: Vec::with_capacity(1024),
            frames: Vec::with_capacity(64),
            watch_reads: false,
            reads_seen: Default::default(),
            footprint: None,
            handlers: Vec::new(),
            scopes: ScopeArena::default(),
            names: Names::default(),
            module: Namespace::new("main"),
            global,
            gene,
            genex,
            out: String::new(),
            out_total: 0,
            executed: 0,
            result: None,
            caught_at: None,
            ended_at: None,
            evals: 0,
            await_mode: config.await_mode,
            tasks: FxHashMap::default(),
            active: Vec::new(),
            loaded: None,
            below: Some(0),
            frame_limit: config.max_depth,
            queue: VecDeque::new(),
            micro: VecDeque::new(),
            delivering: false,
            fresh: false,
            checking: false,
            audit_cost: 0,
            audit_work: 0,
            audit_executed: 0,
            #[cfg(feature = "mutations")]
            odd_run: matches!(
                config.mutation,
                Some(
                    crate::mutation::Mutation::Nondeterministic
                        | crate::mutation::Mutation::HiddenWrite
                )
            ) && crate::mutation::NONDETERMINISTIC_RUNS
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                % 2
                == 1,
            op_futures: Default::default(),
            chooser: None,
            keyed: false,
            ordinals: FxHashMap::default(),
            requests: Vec::new(),
            outstanding: 0,
            args: Vec::new(),
            blocking_op: None,
            resume_blocked: None,
            after_native: None,
            preempted: false,
            interrupted: None,
            holds: Vec::new(),
            holding: None,
            pending_hold: None,
            all_waiters: Vec::new(),
            main_result: None,
            unobserved: Default::default(),
            now_nanos: 0,
            stats: Stats::default(),
            state: Default::default(),
            config,
        }
    }

    /// Reads and compiles a program as the main task; `run` executes it.
    pub fn load(&mut self, name: &str, text: &str) -> Result<(), LoadError> {
        let code = self.compile(name, text)?;
        self.stats.tasks += 1;
        let main = self.stats.tasks;
        self.tasks.insert(
            main,
            Task {
                fiber: Fiber::default(),
                future: None,
                kind: TaskKind::Main,
                blocked: false,
                body: None,
                site: None,
                key: None,
            },
        );
        self.active.push(main);
        self.load_fiber(main);
        self.push_unit(code, self.module.clone());
        Ok(())
    }

    /// Reads and compiles a program without running it.
    pub fn compile(&mut self, name: &str, text: &str) -> Result<Rc<Code>, LoadError> {
        let source = Rc::new(Source {
            name: Rc::from(name),
            text: Rc::from(text),
            site: None,
        });
        let read = reader::read_all_located(text).map_err(|error| LoadError {
            error,
            source: source.clone(),
        })?;
        Ok(compiler::compile_unit(
            &mut self.names,
            source,
            &read.forms,
            compiler::UnitSpans::Forms(&read.starts, &read.paths),
        ))
    }

    /// Pushes a frame running a compiled unit; its value lands on the stack.
    pub(crate) fn push_unit(&mut self, code: Rc<Code>, ns: Rc<Namespace>) {
        let base = self.stack.len();
        self.stack.resize(base + code.nregs as usize, Value::Nil);
        self.frames.push(Frame {
            code,
            pc: 0,
            base,
            ret: base,
            entry_scope: NO_SCOPE,
            scope: NO_SCOPE,
            ns,
        });
    }

    /// Everything printed since the last call.
    pub fn take_output(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    /// Counts of futures, tasks and operations so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Failed futures nobody awaited or handled, as their failure values,
    /// in the order they failed.
    pub fn unobserved_failures(&self) -> Vec<Value> {
        self.unobserved.failures()
    }

    /// The ids of the futures `unobserved_failures` gives.
    pub fn unobserved_ids(&self) -> Vec<u64> {
        self.unobserved.ids()
    }

    /// Failed futures the VM still holds for the end-of-run report
    /// (observed ones not yet released included): bounded by the live
    /// unobserved ones, not by every failure of the run.
    pub fn held_failures(&self) -> usize {
        self.unobserved.len()
    }

    /// Makes every state change feed the state hash (see `statehash`);
    /// off by default, since only traces show it.
    pub fn set_state_hashing(&mut self, on: bool) {
        self.state.on = on;
    }

    /// A digest of the VM's state between polls: two runs that diverge
    /// differ here by the end of the poll where they did. With hashing off
    /// (`set_state_hashing`) it covers counters only.
    pub fn state_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        self.state.h.hash(&mut h);
        (
            self.executed,
            self.out_total,
            self.outstanding,
            self.queue.len(),
            self.micro.len(),
        )
            .hash(&mut h);
        (
            self.active.len(),
            self.tasks.len(),
            self.scopes.live,
            self.scopes.created,
        )
            .hash(&mut h);
        (self.stats.futures, self.stats.tasks, self.stats.operations).hash(&mut h);
        h.finish()
    }

    /// The virtual time `gene/time/now` reports, in seconds.
    pub(crate) fn now_secs(&self) -> f64 {
        self.config.start_secs + self.now_nanos as f64 / 1e9
    }

    /// Ends the run from outside, for a limit the driver enforces (the
    /// memory bound): a fatal, uncatchable error, like the instruction
    /// limit. Every task's frames and scopes are released.
    pub fn abort(&mut self, message: &str) -> Result<Value, Uncaught> {
        let u = Uncaught {
            value: Value::exception(message),
            kind: UncaughtKind::Fatal,
            location: self.location(),
            notes: Vec::new(),
        };
        match self.finish(Err(u)) {
            Step::Finished(r) => r,
            _ => unreachable!("finish always finishes"),
        }
    }

    /// Instructions executed so far.
    pub fn executed(&self) -> u64 {
        self.executed
    }

    /// After the run: drops every root (namespaces, inline caches), checks
    /// that the scopes still alive are held only by each other (cycles),
    /// then frees them.
    pub fn close(&mut self) -> Closing {
        for ns in [&self.module, &self.global, &self.gene, &self.genex] {
            ns.members.borrow_mut().clear();
        }
        self.names.slots.clear();
        self.unobserved.clear();
        self.main_result = None;
        self.scopes.drain_pending();
        // The result may hold closures: what it reaches stays alive.
        let roots: Vec<Value> = match &self.result {
            Some(Ok(v)) => vec![v.clone()],
            Some(Err(u)) => vec![u.value.clone()],
            None => Vec::new(),
        };
        let miscounts = self.scopes.audit_garbage(&roots);
        let kept = self.scopes.reachable(&roots);
        let cycles = self.scopes.collect_cycles(&kept);
        Closing {
            cycles,
            miscounts,
            live: self.scopes.live - kept.len(),
        }
    }

    /// Scopes currently alive in the arena, and the most ever alive at once.
    pub fn live_scopes(&self) -> (usize, usize) {
        (self.scopes.live, self.scopes.peak)
    }

    pub(crate) fn print(&mut self, s: &str) {
        self.touch_write(crate::footprint::Resource::Output);
        self.out_total += s.len() as u64;
        self.out.push_str(s);
    }

    /// Resolves a name that is not a lexical variable: the current
    /// namespace, then global, gene, genex; nil when absent.
    pub(crate) fn lookup(&self, ns: &Namespace, name: Sym) -> Value {
        ns.get(name)
            .or_else(|| self.global.get(name))
            .or_else(|| self.gene.get(name))
            .or_else(|| self.genex.get(name))
            .unwrap_or(Value::Nil)
    }

    pub(crate) fn ns_set(&mut self, ns: &Namespace, name: Sym, v: Value) {
        if self.state.on {
            let at = crate::statehash::name(name) ^ crate::statehash::bytes_of(&ns.name);
            self.state.write(crate::statehash::Site::Name, at, &v);
        }
        self.note_member_write(ns, name, &v);
        self.touch_write(crate::footprint::Resource::Member(&ns.name, &name.name()));
        ns.set(name, v);
        self.names.epoch += 1;
    }

    pub(crate) fn location(&self) -> Option<Location> {
        // Code that `eval` compiled from a value built at run time has no
        // source positions: the innermost frame with one (the `eval`) is
        // the place to show.
        let mut first = None;
        for f in self.frames.iter().rev() {
            let Some(source) = f.code.source.clone() else {
                continue;
            };
            let mut span = f.code.span_at(f.pc.saturating_sub(1));
            // Evaluated text reports its `eval`'s site.
            let mut source = source;
            while let Some((outer, at)) = source.site.clone() {
                (source, span) = (outer, at);
            }
            let here = Location { source, span };
            if span != Span::default() {
                return Some(here);
            }
            first.get_or_insert(here);
        }
        first
    }
}
