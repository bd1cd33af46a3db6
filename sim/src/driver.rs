//! The event loop that drives the VM: run a budget of instructions, hand the
//! started operations to the world, poll, and when every task waits, move
//! time to the next completion.

use std::io::Write;
use std::path::PathBuf;

use gene_vm::{Closing, LoadError, Stats, Step, Uncaught, Value, Vm, VmConfig};

use crate::faults::FaultPlan;
use crate::fs::{OverlayFs, RealFs};
use crate::latency::LatencyModel;
use crate::real::RealWorld;
use crate::trace::namer::Namer;
use crate::trace::read::{Record, Trace};
use crate::trace::record::{Collector, Recorder, Sink};
use crate::world::{Schedule, SimWorld, World};

/// Everything a run depends on besides the program.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub vm: VmConfig,
    /// Instructions between two polls of the event loop.
    pub poll_every: u64,
    pub seed: u64,
    pub schedule: Schedule,
    pub latency: LatencyModel,
    pub faults: FaultPlan,
    /// The directory the simulated file system overlays.
    pub root: PathBuf,
    /// The program's working directory, relative to `root` (`.`: the root
    /// itself): relative paths resolve against it, in both worlds. The
    /// trace header records it, so keep it relative for traces that do not
    /// depend on the machine.
    pub cwd: PathBuf,
    /// The real clock and real files instead of the simulation.
    pub real: bool,
    /// Checking mode: at the polls (every one while the heap is small, see
    /// `Vm::audit_if_due`), recount scope references from the
    /// roots and compare them with the stored counts.
    pub check_refcounts: bool,
    /// The most memory the run may allocate (bytes above what the thread
    /// held when the run began, counted by `gene_sim::memory`); beyond it
    /// the run ends with an error. None: unbounded.
    pub max_memory: Option<u64>,
    /// The longest file a read may return, in bytes (`--max-read-size`);
    /// longer files raise a catchable error. Both worlds apply it.
    pub max_read_size: u64,
    /// Decisions to replay (`--schedule-file`): the simulated world takes
    /// them in order until one does not match (`decide`).
    pub schedule_file: Option<crate::schedule_file::ScheduleFile>,
    /// Keep every decision made (`Report::decisions`, `--write-schedule`).
    pub log_decisions: bool,
    /// A recorded run records its decisions (`decision` records). `explore`
    /// turns this off: it collects records only for the checkers, and
    /// keys and records cost it a third of its time.
    pub record_decisions: bool,
    /// Decides in the seed's place (`explore --strategy`, shrinking): see
    /// `decide::Strategy`.
    pub strategy: Option<crate::decide::StrategyHandle>,
    /// Disk lookups shared by the runs given the same [`Disk`]
    /// (`crate::disk`): many runs of one program under one root look at
    /// the real directory once. None: every run looks again.
    pub disk: Option<crate::disk::Disk>,
}

impl RunConfig {
    /// Whether this configuration leaves the simulated world choices: the
    /// random schedule, a schedule file, fault coins or latency jitter.
    pub fn may_decide(&self) -> bool {
        use crate::latency::OpKind;
        let coin = |p: f64| p > 0.0 && p < 1.0;
        let faults = self.faults.config();
        self.schedule == Schedule::Random
            || self.schedule_file.is_some()
            || self.strategy.is_some()
            || coin(faults.fail_probability)
            || coin(faults.short_read_probability)
            || [OpKind::Sleep, OpKind::Read, OpKind::Write]
                .into_iter()
                .any(|k| self.latency.get(k).jitter_ns > 0)
    }
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            vm: VmConfig::default(),
            poll_every: 100,
            seed: 0,
            schedule: Schedule::Fifo,
            latency: LatencyModel::default(),
            faults: FaultPlan::default(),
            root: PathBuf::from("."),
            cwd: PathBuf::from("."),
            real: false,
            check_refcounts: false,
            max_memory: None,
            max_read_size: crate::fs::DEFAULT_MAX_READ_SIZE,
            schedule_file: None,
            log_decisions: false,
            record_decisions: true,
            strategy: None,
            disk: None,
        }
    }
}

/// How a run went.
#[derive(Debug)]
pub struct Report {
    pub result: Result<Value, Uncaught>,
    /// Virtual (or, with `--real`, wall) nanoseconds from start to end.
    pub elapsed_nanos: u64,
    pub polls: u64,
    pub stats: Stats,
    /// Failures nobody awaited or handled.
    pub unobserved: Vec<Value>,
    pub peak_scopes: usize,
    /// The end-of-run scope audit: cycles collected, refcount errors found.
    pub closing: Closing,
    /// The ids of the futures in `unobserved`.
    pub unobserved_ids: Vec<u64>,
    /// Checking mode: scopes whose stored count differed from the recount,
    /// summed over the polls.
    pub poll_miscounts: usize,
    /// Why the trace could not be written (it stops at the first error).
    pub trace_error: Option<String>,
    /// `run_named`: the names of the futures in `unobserved`, as the trace
    /// tools give them (`withdraw (race.gene:6) at race.gene:14 (future 3)`,
    /// `trace::names`); empty from the other runs.
    pub unobserved_names: Vec<String>,
    /// With `RunConfig::log_decisions`: every decision the world made.
    pub decisions: Vec<crate::decide::Decision>,
    /// With a schedule file: where the run left it, if it did.
    pub schedule_left: Option<crate::decide::Left>,
}

impl Report {
    /// The fields of the trace's `run.end` record, as JSON (each with its
    /// leading comma).
    fn end_fields(&self) -> String {
        use crate::trace::record::json_string;
        let mut f = String::new();
        f.push_str(&format!(r#","ok":{}"#, self.result.is_ok()));
        let mut v = String::new();
        match &self.result {
            Ok(value) => json_string(&mut v, &gene_vm::display::quoted(value)),
            Err(u) => json_string(&mut v, &u.message()),
        }
        f.push_str(&format!(r#","value":{v}"#));
        let s = &self.stats;
        f.push_str(&format!(
            r#","elapsed":{},"polls":{},"operations":{},"futures":{},"tasks":{},"abandoned_tasks":{},"peak_scopes":{},"cycle_scopes":{},"miscounts":{}"#,
            self.elapsed_nanos,
            self.polls,
            s.operations,
            s.futures,
            s.tasks,
            s.abandoned_tasks,
            self.peak_scopes,
            self.closing.cycles,
            self.closing.miscounts.len() + self.poll_miscounts
        ));
        let ids: Vec<String> = self.unobserved_ids.iter().map(u64::to_string).collect();
        f.push_str(&format!(r#","unobserved":"{}""#, ids.join(",")));
        f
    }

    /// The `--stats` summary.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        format!(
            "virtual time: {}\npolls: {}\noperations: {}\nfutures: {}\ntasks: {} ({} still waiting at the end)\nunobserved failures: {}\npeak live scopes: {}\nscopes kept alive by cycles: {}\n",
            format_nanos(self.elapsed_nanos),
            self.polls,
            s.operations,
            s.futures,
            s.tasks,
            s.abandoned_tasks,
            self.unobserved.len(),
            self.peak_scopes,
            self.closing.cycles,
        )
    }
}

/// `100ms`, `1.5s`, `250us`: the shortest exact form.
pub fn format_nanos(n: u64) -> String {
    match n {
        0 => "0ms".into(),
        n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{}us", n / 1_000),
        n => format!("{n}ns"),
    }
}

/// Runs a program to its end, writing its output to `out` at every poll.
pub fn run(
    name: &str,
    text: &str,
    config: &RunConfig,
    out: &mut dyn Write,
) -> Result<Report, LoadError> {
    run_traced(name, text, config, out, None)
}

/// Like `run`, also recording the run's trace into `trace` (JSON lines).
pub fn run_traced(
    name: &str,
    text: &str,
    config: &RunConfig,
    out: &mut dyn Write,
    trace: Option<Box<dyn Write + Send>>,
) -> Result<Report, LoadError> {
    let mut vm = Vm::new(config.vm.clone());
    vm.load(name, text)?;
    let Some(trace) = trace else {
        return Ok(start(&mut vm, config, out, None));
    };
    let recorder = Recorder::new(trace, &crate::trace::header(name, text, config), name);
    let mut report = with_sink(recorder.clone(), |sink| {
        start(&mut vm, config, out, Some(sink))
    });
    report.trace_error = recorder.take_error().map(|e| e.to_string());
    Ok(report)
}

/// Like `run_traced`, also naming the unobserved failures
/// (`Report::unobserved_names`), whether or not a trace is recorded. Without
/// a trace the run costs an event dispatch per event, no more: only the
/// records naming looks at are built, and the trace's extras (state hash,
/// watched reads) stay off.
pub fn run_named(
    name: &str,
    text: &str,
    config: &RunConfig,
    out: &mut dyn Write,
    trace: Option<Box<dyn Write + Send>>,
) -> Result<Report, LoadError> {
    let mut vm = Vm::new(config.vm.clone());
    vm.load(name, text)?;
    let recorder = trace.map(|t| Recorder::new(t, &crate::trace::header(name, text, config), name));
    let namer = Namer::new(
        recorder
            .clone()
            .map(|r| std::rc::Rc::new(r) as std::rc::Rc<dyn Sink>),
    );
    let mut report = crate::trace::route::with_sink(std::rc::Rc::new(namer.clone()), || {
        let recording = recorder.is_some().then_some(&namer as &dyn Sink);
        start(&mut vm, config, out, recording)
    });
    if let Some(r) = &recorder {
        report.trace_error = r.take_error().map(|e| e.to_string());
    }
    let naming = namer.naming();
    report.unobserved_names = report
        .unobserved_ids
        .iter()
        .map(|&f| naming.failure_ref(f))
        .collect();
    Ok(report)
}

/// Like `run`, also collecting the run's trace in memory.
pub fn run_collected(
    name: &str,
    text: &str,
    config: &RunConfig,
    out: &mut dyn Write,
) -> Result<(Report, Trace), LoadError> {
    let (report, records) = run_records(name, text, config, out)?;
    let header: serde_json::Value =
        serde_json::from_str(&crate::trace::header(name, text, config)).unwrap_or_default();
    Ok((report, Trace::from_records(header, records)))
}

/// `run_collected` without the trace's header, for callers that look only
/// at the records (`explore` runs thousands of programs, and building the
/// header was a twentieth of each run).
pub fn run_records(
    name: &str,
    text: &str,
    config: &RunConfig,
    out: &mut dyn Write,
) -> Result<(Report, Vec<Record>), LoadError> {
    let mut vm = Vm::new(config.vm.clone());
    vm.load(name, text)?;
    let collector = Collector::default();
    let report = with_sink(collector.clone(), |sink| {
        start(&mut vm, config, out, Some(sink))
    });
    Ok((report, collector.take()))
}

/// Runs `f` with `sink` receiving this thread's `gene::*` events.
fn with_sink<L>(sink: L, f: impl FnOnce(&L) -> Report) -> Report
where
    L: Sink + Clone + 'static,
{
    crate::trace::route::with_sink(std::rc::Rc::new(sink.clone()), || f(&sink))
}

fn start(vm: &mut Vm, config: &RunConfig, out: &mut dyn Write, sink: Option<&dyn Sink>) -> Report {
    if config.real {
        let fs = RealFs::new()
            .with_max_read_size(config.max_read_size)
            .with_cwd(config.root.join(&config.cwd));
        let world = RealWorld::new(fs, config.faults.clone(), config.seed);
        drive(vm, world, config, out, sink)
    } else {
        let mut decider = crate::decide::Decider::seeded(config.seed, config.schedule)
            .with_records(sink.is_some() && config.record_decisions && config.may_decide())
            .with_strategy(config.strategy.clone())
            .with_footprint(
                config
                    .strategy
                    .as_ref()
                    .filter(|s| s.wants_footprints())
                    .map(|_| Default::default()),
            );
        if let Some(file) = &config.schedule_file {
            decider = decider.with_file(file.clone());
        }
        if config.log_decisions {
            decider = decider.with_log();
        }
        vm.set_keyed(decider.keyed());
        vm.set_footprint(decider.footprint());
        let world = SimWorld::with_decider(
            decider,
            OverlayFs::with_disk(config.root.clone(), config.disk.clone())
                .with_cwd(&config.cwd)
                .with_max_read_size(config.max_read_size),
            config.latency,
            config.faults.clone(),
        );
        if let Some(chooser) = world.chooser() {
            vm.set_chooser(chooser);
        }
        let decider = world.decider();
        let mut report = drive(vm, world, config, out, sink);
        let mut decider = decider.borrow_mut();
        report.decisions = decider.take_log();
        decider.finish();
        report.schedule_left = decider.left().cloned();
        report
    }
}

fn drive(
    vm: &mut Vm,
    mut world: impl World,
    config: &RunConfig,
    out: &mut dyn Write,
    recorder: Option<&dyn Sink>,
) -> Report {
    let mut polls = 0;
    let mut miscounts = 0;
    vm.set_checking(config.check_refcounts);
    // Only traces show the state hash: its bookkeeping is on while recording.
    vm.set_state_hashing(recorder.is_some());
    // Footprints see reads through the same watch.
    vm.set_watch_reads(recorder.is_some() || vm.footprinting());
    // What the thread held before the run: the bound is on the difference.
    let memory_base = crate::memory::thread_allocated();
    // The completions of one poll; the storage is kept from poll to poll.
    let mut due = Vec::new();
    loop {
        // A poll: deliver what completed by now, then run a budget.
        if let Some(r) = recorder {
            r.begin_poll(polls, world.now());
        }
        world.due(&mut due);
        let delivered = due.len();
        // Fetch every completed future before the first is resolved: the
        // loads overlap, where one at a time each waits for memory.
        for (ticket, _) in &due {
            ticket.prefetch();
        }
        for (ticket, done) in due.drain(..) {
            vm.complete(ticket, done);
        }
        vm.set_time(world.now());
        let step = vm.run(config.poll_every);
        let printed = vm.take_output();
        if !printed.is_empty() {
            // Output is best effort: a closed pipe must not stop the program.
            let _ = out.write_all(printed.as_bytes());
        }
        let mut blocked_on_op = false;
        for req in vm.take_requests() {
            blocked_on_op |= req.blocking;
            if let Some((ticket, done)) = world.start(req) {
                vm.complete(ticket, done);
            }
        }
        let mut finished = match step {
            Step::Finished(result) => Some(result),
            Step::Yielded => None,
            Step::Blocked => {
                // A blocking operation has already moved the clock by its
                // own cost (and was completed above): the next poll
                // delivers what fell due meanwhile. Only when every task
                // waits does time jump to the next completion (the VM
                // reports a deadlock when there is none).
                if !blocked_on_op && !vm.is_blocking() {
                    world.advance();
                }
                None
            }
        };
        if let Some(max) = config.max_memory
            && finished.is_none()
            && crate::memory::thread_allocated().saturating_sub(memory_base)
                > i64::try_from(max).unwrap_or(i64::MAX)
        {
            finished = Some(vm.abort(&format!("memory limit of {max} bytes exceeded")));
        }
        if config.check_refcounts {
            // As often as its cost allows (see `Vm::audit_if_due`), and at the end.
            miscounts += vm.audit_if_due(finished.is_some()).map_or(0, |m| m.len());
        }
        if let Some(r) = recorder {
            r.end_poll(
                vm.state_hash() ^ world.state_hash().rotate_left(32),
                delivered,
            );
        }
        polls += 1;
        if let Some(result) = finished {
            let _ = out.flush();
            let elapsed_nanos = world.now();
            // Pending operations hold futures (and their callbacks): let go
            // of them before the scope audit.
            drop(world);
            let unobserved = vm.unobserved_failures();
            let unobserved_ids = vm.unobserved_ids();
            let report = Report {
                result,
                elapsed_nanos,
                polls,
                stats: vm.stats().clone(),
                unobserved,
                unobserved_ids,
                peak_scopes: vm.live_scopes().1,
                closing: vm.close(),
                poll_miscounts: miscounts,
                trace_error: None,
                unobserved_names: Vec::new(),
                decisions: Vec::new(),
                schedule_left: None,
            };
            if let Some(r) = recorder {
                r.end_run(&report.end_fields());
            }
            return report;
        }
    }
}
