//! The decision point: every choice the simulated world makes passes
//! through one [`Decider`].
//!
//! # The model
//!
//! A run is a function of the program, the configuration and a list of
//! decisions. There are four kinds of decision point:
//!
//! - `task`: which ready batch runs next, when several may (the VM asks,
//!   see `gene_vm::choice`);
//! - `timer`: which of the remaining same-instant completions is delivered
//!   next (a group of k is ordered by k-1 such picks);
//! - `fail` and `short`: whether an I/O operation fails, whether a read is
//!   cut short (coins, each with its configured probability), and `cut`:
//!   where a short read ends;
//! - `jitter`: the latency jitter drawn for an operation.
//!
//! Each decision point is named by stable keys (docs/schedules.md): a pick
//! by the key of the candidate chosen (a task's name, spawn site and
//! ordinal, `withdraw@race.gene:14#2`; an operation's kind, site and
//! ordinal, `sleep@race.gene:7#2`), a coin or a value by the operation's
//! key.
//!
//! **Where decisions come from.** The seed draws them as it always did:
//! the schedule stream picks under `--schedule random` (FIFO, the first
//! candidate, under `fifo`), the faults stream flips the fault coins and
//! the cut, the latency stream draws the jitter. A schedule file
//! ([`crate::schedule_file`]) overrides them in order: at each decision the
//! seed draws first (so its streams advance exactly as without the file),
//! then the file's next entry, if its point and key match, gives the
//! choice. At the first entry that does not match, or when the file runs
//! out, the run leaves the file and continues with the seed; the decider
//! remembers where ([`Left`]).
//!
//! **What is a decision.** A point where the configuration leaves a
//! choice: a pick among two or more candidates under the random schedule
//! (or a schedule file), a coin whose probability is strictly between 0
//! and 1, a cut of a read of two or more bytes, a jitter with a positive
//! bound. Only those are recorded (a `decision` record each) and only
//! those consume entries of a schedule file; everything else is fixed by
//! the configuration.
//!
//! **Strategies.** An exploration strategy (`explore --strategy`) or the
//! shrinker can take the seed's place: a [`Strategy`] is asked at every
//! decision the file does not make, and its answer wins over the seed's
//! draw (which is still drawn, so the streams stay where they would be).
//! With a strategy, every pick among two or more candidates is a decision,
//! whatever the schedule.
//!
//! Keys cost formatting, so they are made only when something uses them:
//! a schedule file being replayed, a strategy, decisions being logged for
//! `--write-schedule`, or a trace being recorded ([`Decider::keyed`]).

use std::sync::{Arc, Mutex};

use crate::rng::SimRng;
use crate::schedule_file::{Entry, ScheduleFile};

/// A source of decisions that takes the seed's place (see the module docs).
pub trait Strategy {
    /// A pick among `n >= 2` candidates at `point` (`task` or `timer`);
    /// `seeded` is the seed's draw (0 under FIFO); `key(i)` is candidate
    /// `i`'s stable key. Returns an index below `n` (larger ones are taken
    /// as `n - 1`).
    fn pick(
        &mut self,
        point: Point,
        n: usize,
        seeded: usize,
        key: &mut dyn FnMut(usize) -> String,
    ) -> usize;

    /// A value in `0..bound` at a coin (`bound` 2, 1 is yes), cut or
    /// jitter point for the operation `key`; `seeded` is the seed's draw.
    /// Values out of range are taken as `bound - 1`.
    fn value(&mut self, point: Point, key: &str, seeded: u64, bound: u64) -> u64;

    /// Whether the strategy wants each step's footprint ([`Strategy::step`]):
    /// the run then collects them (`gene_vm::footprint`), at a cost.
    fn footprints(&self) -> bool {
        false
    }

    /// Whether the strategy reads candidates' keys (true unless it says
    /// not): without keys, a run need not make them at all.
    fn needs_keys(&self) -> bool {
        true
    }

    /// The footprint of the step that just ended: what the run touched
    /// since the previous decision (or its start). Called before each
    /// decision the strategy makes and once when the run ends.
    fn step(&mut self, footprint: Footprint) {
        let _ = footprint;
    }
}

use gene_vm::footprint::Footprint;

/// The footprint shared by the VM and the decider.
pub type SharedFootprint = std::rc::Rc<std::cell::RefCell<Footprint>>;

/// A strategy shared between a run's decider and whoever set it up (who
/// reads its state after the run). Runs are single-threaded: the lock is
/// never contended.
#[derive(Clone)]
pub struct StrategyHandle(pub Arc<Mutex<dyn Strategy + Send>>);

impl StrategyHandle {
    pub fn new(strategy: impl Strategy + Send + 'static) -> StrategyHandle {
        StrategyHandle(Arc::new(Mutex::new(strategy)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, dyn Strategy + Send + 'static> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the strategy reads keys ([`Strategy::needs_keys`]).
    pub fn needs_keys(&self) -> bool {
        self.lock().needs_keys()
    }

    /// Whether the strategy wants footprints ([`Strategy::footprints`]).
    pub fn wants_footprints(&self) -> bool {
        self.lock().footprints()
    }
}

impl std::fmt::Debug for StrategyHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StrategyHandle")
    }
}

/// The kinds of decision point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Point {
    Task,
    Timer,
    Fail,
    Short,
    Cut,
    Jitter,
}

impl Point {
    pub const ALL: [Point; 6] = [
        Point::Task,
        Point::Timer,
        Point::Fail,
        Point::Short,
        Point::Cut,
        Point::Jitter,
    ];

    /// The word schedule files and `decision` records use.
    pub fn name(self) -> &'static str {
        match self {
            Point::Task => "task",
            Point::Timer => "timer",
            Point::Fail => "fail",
            Point::Short => "short",
            Point::Cut => "cut",
            Point::Jitter => "jitter",
        }
    }

    pub fn from_name(word: &str) -> Option<Point> {
        Point::ALL.into_iter().find(|p| p.name() == word)
    }

    /// Picks name the chosen candidate; the others an operation and a value.
    pub fn is_pick(self) -> bool {
        matches!(self, Point::Task | Point::Timer)
    }

    /// Coins take `yes` or `no`.
    pub fn is_coin(self) -> bool {
        matches!(self, Point::Fail | Point::Short)
    }
}

/// One decision as made: its point, its key (the chosen candidate's for a
/// pick, the operation's otherwise), the value (the candidate's index for
/// a pick, 0 or 1 for a coin, the number otherwise) and how many
/// alternatives there were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub point: Point,
    pub key: String,
    pub value: u64,
    pub alternatives: u64,
    /// A pick's candidates' keys, in order (the first is the default);
    /// empty for the others.
    pub among: Vec<String>,
}

impl Decision {
    /// The schedule-file entry that makes this decision again.
    pub fn entry(&self) -> Entry {
        Entry::new(
            self.point,
            self.key.clone(),
            if self.point.is_pick() { 0 } else { self.value },
        )
    }

    /// Whether this is the decision its point makes when nothing says
    /// otherwise: the first candidate, no fault, a cut at 0, no jitter.
    pub fn is_default(&self) -> bool {
        self.value == 0
    }

    /// Whether a sparse file's `entry` matches this decision (its point,
    /// its key among the candidates or as the operation, and its `before`
    /// as the default).
    pub fn matches(&self, entry: &Entry) -> bool {
        if entry.point != self.point {
            return false;
        }
        if self.point.is_pick() {
            (self.key == entry.key || self.among.contains(&entry.key))
                && entry
                    .before
                    .as_ref()
                    .is_none_or(|b| self.among.first() == Some(b))
        } else {
            self.key == entry.key
        }
    }
}

/// Where a run left its schedule file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Left {
    /// Decisions taken from the file before it was left.
    pub taken: usize,
    /// The file's line of the entry that did not match; None when the file
    /// ran out.
    pub line: Option<usize>,
    /// What the entry expected and what the run offered instead.
    pub why: String,
    /// The run ended with entries left (not a mismatch).
    pub ended: bool,
}

impl std::fmt::Display for Left {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) if self.ended => write!(
                f,
                "the run ended before the schedule file's line {line}, after {} decisions: {}",
                self.taken, self.why
            ),
            Some(line) => write!(
                f,
                "left the schedule file at line {line}, after {} decisions: {}; the seed decides from here",
                self.taken, self.why
            ),
            None => write!(
                f,
                "the schedule file ran out after {} decisions; the seed decides from here",
                self.taken
            ),
        }
    }
}

/// The decision point of one simulated run.
pub struct Decider {
    /// `--schedule random`: the schedule stream; FIFO without it.
    schedule: Option<SimRng>,
    faults: SimRng,
    latency: SimRng,
    /// The schedule file being replayed, and the next entry's index.
    file: Option<(ScheduleFile, usize)>,
    /// The file is sparse (`schedule_file::Mode::Sparse`): decisions it
    /// does not make take their defaults, to the end of the run.
    sparse: bool,
    /// Matches of the next entry so far (its `(time N)`).
    matched: u64,
    left: Option<Left>,
    /// Every decision made, for `--write-schedule`.
    log: Option<Vec<Decision>>,
    /// Emit a `decision` record for each decision (a trace is recorded).
    record: bool,
    /// Decides in the seed's place.
    strategy: Option<StrategyHandle>,
    /// The strategy reads keys.
    strategy_keys: bool,
    /// Where the VM and the world collect the current step's footprint,
    /// when the strategy wants footprints.
    footprint: Option<SharedFootprint>,
}

/// The most candidates a `decision` record lists by key (`among`); a
/// larger group is given by its count only.
pub const MAX_AMONG: usize = 16;

/// The most candidates a logged decision keeps (`Decision::among`, which
/// sparse files count their matches by): a pick's candidates past these
/// are matched by the chosen key alone.
pub const MAX_LOGGED_AMONG: usize = 64;

impl Decider {
    /// The seed's decider: its streams, and the schedule's.
    pub fn seeded(seed: u64, schedule: crate::world::Schedule) -> Decider {
        use crate::rng::Stream;
        Decider::new(
            (schedule == crate::world::Schedule::Random)
                .then(|| SimRng::new(seed, Stream::Schedule)),
            SimRng::new(seed, Stream::Faults),
            SimRng::new(seed, Stream::Latency),
        )
    }

    pub fn new(schedule: Option<SimRng>, faults: SimRng, latency: SimRng) -> Decider {
        Decider {
            schedule,
            faults,
            latency,
            file: None,
            sparse: false,
            matched: 0,
            left: None,
            log: None,
            record: false,
            strategy: None,
            strategy_keys: false,
            footprint: None,
        }
    }

    /// Hands the strategy each step's footprint, collected in `footprint`.
    pub fn with_footprint(mut self, footprint: Option<SharedFootprint>) -> Decider {
        self.footprint = footprint;
        self
    }

    /// The footprint collector, if the strategy wants footprints.
    pub fn footprint(&self) -> Option<SharedFootprint> {
        self.footprint.clone()
    }

    /// Ends the current step: its footprint goes to the strategy.
    fn end_step(&mut self) {
        if let (Some(f), Some(s)) = (&self.footprint, &self.strategy) {
            let step = f.borrow_mut().take();
            s.lock().step(step);
        }
    }

    /// Lets `strategy` decide in the seed's place.
    pub fn with_strategy(mut self, strategy: Option<StrategyHandle>) -> Decider {
        self.strategy_keys = strategy.as_ref().is_some_and(StrategyHandle::needs_keys);
        self.strategy = strategy;
        self
    }

    /// Replays `file` (see the module docs).
    pub fn with_file(mut self, file: ScheduleFile) -> Decider {
        self.sparse = file.mode == crate::schedule_file::Mode::Sparse;
        self.file = Some((file, 0));
        self
    }

    /// Keeps every decision for [`Decider::take_log`].
    pub fn with_log(mut self) -> Decider {
        self.log = Some(Vec::new());
        self
    }

    /// Emits a `decision` record per decision.
    pub fn with_records(mut self, on: bool) -> Decider {
        self.record = on;
        self
    }

    /// Whether decisions need keys (something replays, logs or records them).
    pub fn keyed(&self) -> bool {
        self.file.is_some() || self.log.is_some() || self.record || self.strategy_keys
    }

    /// Whether picks are decisions at all: under the random schedule, with
    /// a schedule file, or with a strategy.
    pub fn picks(&self) -> bool {
        self.schedule.is_some() || self.file.is_some() || self.strategy.is_some()
    }

    /// The decisions made so far (with a log).
    pub fn take_log(&mut self) -> Vec<Decision> {
        self.log.take().unwrap_or_default()
    }

    /// Where the run left its schedule file, if it did. A file replayed to
    /// its end is "left" only once a decision found it empty.
    pub fn left(&self) -> Option<&Left> {
        self.left.as_ref()
    }

    /// Positions of the random streams, for the state hash.
    pub fn word_pos(&self) -> (u128, u128, Option<u128>) {
        (
            self.latency.word_pos(),
            self.faults.word_pos(),
            self.schedule.as_ref().map(SimRng::word_pos),
        )
    }

    /// A pick among `n` candidates at `point`; `key(i)` names candidate `i`.
    pub fn pick(&mut self, point: Point, n: usize, key: &mut dyn FnMut(usize) -> String) -> usize {
        if n < 2 || !self.picks() {
            return 0;
        }
        let seeded = match &mut self.schedule {
            Some(rng) => (rng.below(n as u64) as usize).min(n - 1),
            None => 0,
        };
        if !self.keyed() && self.strategy.is_none() {
            return seeded;
        }
        let mut choice = None;
        if let Some(entry) = self.next_entry() {
            let found = if entry.point == point {
                (0..n)
                    .find(|&i| key(i) == entry.key)
                    .filter(|_| entry.before.as_ref().is_none_or(|b| key(0) == *b))
            } else {
                None
            };
            match found {
                Some(i) if !self.sparse || self.matched + 1 == entry.time => {
                    choice = Some(i);
                    self.take_entry();
                }
                Some(_) => self.matched += 1,
                None if self.sparse => {}
                None => {
                    let offered = if n <= MAX_AMONG {
                        (0..n).map(&mut *key).collect::<Vec<_>>().join(", ")
                    } else {
                        format!("{n} candidates")
                    };
                    let why = format!(
                        "it names {} {}, the run offers {} {offered}",
                        entry.point.name(),
                        entry.key,
                        point.name()
                    );
                    self.leave(Some(entry.line), why);
                }
            }
        }
        let choice = match (choice, &self.strategy) {
            (Some(i), _) => i,
            (None, _) if self.sparse => 0,
            (None, Some(_)) => {
                self.end_step();
                let s = self.strategy.as_ref().map(StrategyHandle::lock);
                let i = s.map_or(seeded, |mut s| s.pick(point, n, seeded, key));
                i.min(n - 1)
            }
            (None, None) => seeded,
        };
        if !self.record && self.log.is_none() {
            return choice;
        }
        let chosen = key(choice);
        if self.record {
            let among = if n <= MAX_AMONG {
                (0..n).map(&mut *key).collect::<Vec<_>>().join(", ")
            } else {
                String::new()
            };
            emit(point, &chosen, choice as u64, n as u64, &among);
        }
        if self.log.is_some() {
            // The first candidates only: a log of many picks among many
            // candidates would grow as their product.
            let among = (0..n.min(MAX_LOGGED_AMONG)).map(&mut *key).collect();
            self.log_decision(point, chosen, choice as u64, n as u64, among);
        }
        choice
    }

    /// A coin of probability `p` at `point` (`fail`, `short`) for the
    /// operation `key` (computed only when needed).
    pub fn coin(&mut self, point: Point, key: &dyn Fn() -> String, p: f64) -> bool {
        let seeded = self.faults.chance(p);
        let free = p > 0.0 && p < 1.0;
        if !free || (!self.keyed() && self.strategy.is_none()) {
            return seeded;
        }
        let value = self.decide_value(point, key, seeded as u64, 2);
        value == 1
    }

    /// The cut of a short read of `len` bytes (a length in `0..len`).
    pub fn cut(&mut self, key: &dyn Fn() -> String, len: u64) -> u64 {
        let seeded = self.faults.below(len);
        if len < 2 || (!self.keyed() && self.strategy.is_none()) {
            return seeded;
        }
        self.decide_value(Point::Cut, key, seeded, len)
    }

    /// The latency jitter for an operation, in `0..=max_ns`.
    pub fn jitter(&mut self, key: &dyn Fn() -> String, max_ns: u64) -> u64 {
        let seeded = self.latency.jitter(max_ns);
        if max_ns == 0 || (!self.keyed() && self.strategy.is_none()) {
            return seeded;
        }
        self.decide_value(Point::Jitter, key, seeded, max_ns.saturating_add(1))
    }

    /// A coin or value decision: the file's when its next entry is for this
    /// point and operation and its value is in range (`0..bound`).
    fn decide_value(
        &mut self,
        point: Point,
        key: &dyn Fn() -> String,
        seeded: u64,
        bound: u64,
    ) -> u64 {
        let key = key();
        let mut value = None;
        if let Some(entry) = self.next_entry() {
            let here = entry.point == point && entry.key == key;
            if here && entry.value < bound && (!self.sparse || self.matched + 1 == entry.time) {
                value = Some(entry.value);
                self.take_entry();
            } else if self.sparse {
                if here {
                    self.matched += 1;
                }
            } else {
                let why = if entry.point == point && entry.key == key {
                    format!(
                        "{} {} {} is out of range here (below {bound})",
                        point.name(),
                        key,
                        entry.value
                    )
                } else {
                    format!(
                        "it names {} {}, the run decides {} {key}",
                        entry.point.name(),
                        entry.key,
                        point.name()
                    )
                };
                self.leave(Some(entry.line), why);
            }
        }
        let value = match (value, &self.strategy) {
            (Some(v), _) => v,
            (None, _) if self.sparse => 0,
            (None, Some(_)) => {
                self.end_step();
                let s = self.strategy.as_ref().map(StrategyHandle::lock);
                let v = s.map_or(seeded, |mut s| s.value(point, &key, seeded, bound));
                v.min(bound - 1)
            }
            (None, None) => seeded,
        };
        if self.record {
            emit(point, &key, value, bound, "");
        }
        self.log_decision(point, key, value, bound, Vec::new());
        value
    }

    /// The file's next entry, while the run follows the file. A file that
    /// ran out is left here, at the first decision past its end.
    fn next_entry(&mut self) -> Option<Entry> {
        let (file, next) = self.file.as_ref()?;
        match file.entries.get(*next) {
            Some(e) => Some(e.clone()),
            // A sparse file's decisions are all made: defaults from here.
            None if self.sparse => None,
            None => {
                let taken = *next;
                self.file = None;
                self.left = Some(Left {
                    taken,
                    line: None,
                    why: String::new(),
                    ended: false,
                });
                None
            }
        }
    }

    /// The run ended: a file with entries left over is left at the first.
    pub fn finish(&mut self) {
        self.end_step();
        if let Some((file, next)) = &self.file
            && let Some(e) = file.entries.get(*next)
        {
            let (line, taken, rest) = (e.line, *next, file.entries.len() - *next);
            self.leave(
                Some(line),
                format!("{rest} of its decisions were not reached"),
            );
            if let Some(left) = &mut self.left {
                left.ended = true;
            }
            debug_assert_eq!(self.left.as_ref().map(|l| l.taken), Some(taken));
        }
    }

    fn take_entry(&mut self) {
        self.matched = 0;
        if let Some((_, next)) = &mut self.file {
            *next += 1;
        }
    }

    fn leave(&mut self, line: Option<usize>, why: String) {
        if let Some((_, taken)) = self.file.take() {
            self.left = Some(Left {
                taken,
                line,
                why,
                ended: false,
            });
        }
    }

    fn log_decision(
        &mut self,
        point: Point,
        key: String,
        value: u64,
        alternatives: u64,
        among: Vec<String>,
    ) {
        if let Some(log) = &mut self.log {
            log.push(Decision {
                point,
                key,
                value,
                alternatives,
                among,
            });
        }
    }
}

/// The draws an operation's fault and latency need: from a bare stream
/// (the real world, tests) or through the decider, named by the
/// operation's key.
pub trait Draws {
    /// A coin of probability `p` (`fail`, `short`).
    fn coin(&mut self, point: Point, p: f64) -> bool;
    /// Where a short read of `len` bytes ends, in `0..len`.
    fn cut(&mut self, len: u64) -> u64;
    /// A jitter in `0..=max_ns`.
    fn jitter(&mut self, max_ns: u64) -> u64;
}

impl Draws for SimRng {
    fn coin(&mut self, _point: Point, p: f64) -> bool {
        self.chance(p)
    }
    fn cut(&mut self, len: u64) -> u64 {
        self.below(len)
    }
    fn jitter(&mut self, max_ns: u64) -> u64 {
        SimRng::jitter(self, max_ns)
    }
}

/// One operation's draws through the decider.
pub struct OpDraws<'a> {
    pub decider: &'a mut Decider,
    /// The operation's key (made only when a decision needs it).
    pub key: &'a dyn Fn() -> String,
}

impl Draws for OpDraws<'_> {
    fn coin(&mut self, point: Point, p: f64) -> bool {
        self.decider.coin(point, self.key, p)
    }
    fn cut(&mut self, len: u64) -> u64 {
        self.decider.cut(self.key, len)
    }
    fn jitter(&mut self, max_ns: u64) -> u64 {
        self.decider.jitter(self.key, max_ns)
    }
}

/// The `decision` record (docs/trace-format.md).
fn emit(point: Point, key: &str, value: u64, alternatives: u64, among: &str) {
    use gene_vm::sink::{Arg, Kind, emit, recording};
    if recording() {
        emit(
            Kind::Decision,
            &[
                ("point", Arg::Str(point.name())),
                ("key", Arg::Str(key)),
                ("value", Arg::U64(value)),
                ("alternatives", Arg::U64(alternatives)),
                ("among", Arg::Str(among)),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    fn decider(random: bool) -> Decider {
        Decider::new(
            random.then(|| SimRng::new(3, Stream::Schedule)),
            SimRng::new(3, Stream::Faults),
            SimRng::new(3, Stream::Latency),
        )
    }

    fn keys(i: usize) -> String {
        format!("t{i}")
    }

    #[test]
    fn without_keys_the_seed_decides_as_the_rng_draws() {
        let mut d = decider(true);
        let mut rng = SimRng::new(3, Stream::Schedule);
        for n in 2..40 {
            assert_eq!(
                d.pick(Point::Task, n, &mut keys),
                rng.below(n as u64) as usize
            );
        }
        let mut fifo = decider(false);
        assert_eq!(fifo.pick(Point::Task, 5, &mut keys), 0);
    }

    #[test]
    fn a_file_overrides_in_order_and_the_run_leaves_it_at_a_mismatch() {
        let file = ScheduleFile::parse("s", "task t3\ntask t1\ntask t9\n").unwrap();
        let mut d = decider(false).with_file(file).with_log();
        assert_eq!(d.pick(Point::Task, 4, &mut keys), 3);
        assert_eq!(d.pick(Point::Task, 4, &mut keys), 1);
        assert!(d.left().is_none());
        // t9 is not among 4 candidates: the file is left, FIFO decides.
        assert_eq!(d.pick(Point::Task, 4, &mut keys), 0);
        let left = d.left().unwrap().clone();
        assert_eq!((left.taken, left.line), (2, Some(3)));
        assert!(left.why.contains("task t9"), "{}", left.why);
        // Past the file, FIFO picks are no decisions: none is logged.
        assert_eq!(d.pick(Point::Task, 4, &mut keys), 0);
        let log = d.take_log();
        assert_eq!(
            log.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(),
            ["t3", "t1", "t0"]
        );
    }

    #[test]
    fn a_file_that_runs_out_is_left_at_the_next_decision() {
        let file = ScheduleFile::parse("s", "task t1\n").unwrap();
        let mut d = decider(false).with_file(file);
        assert_eq!(d.pick(Point::Task, 2, &mut keys), 1);
        assert!(d.left().is_none());
        // One candidate: not a decision, the file stays.
        assert_eq!(d.pick(Point::Task, 1, &mut keys), 0);
        assert!(d.left().is_none());
        d.pick(Point::Task, 2, &mut keys);
        assert_eq!(d.left().unwrap().line, None);
        assert!(d.left().unwrap().to_string().contains("ran out after 1"));
    }

    #[test]
    fn coins_follow_the_file_only_for_their_operation() {
        let file =
            ScheduleFile::parse("s", "fail read@a.gene:1 yes\ncut read@a.gene:1 3\n").unwrap();
        let mut d = decider(false).with_file(file);
        let op = || "read@a.gene:1".to_string();
        assert!(d.coin(Point::Fail, &op, 0.5));
        assert_eq!(d.cut(&op, 10), 3);
        assert!(d.left().is_none());
        // A value out of range leaves the file.
        let file = ScheduleFile::parse("s", "cut read@a.gene:1 30\n").unwrap();
        let mut d = decider(false).with_file(file);
        let v = d.cut(&op, 10);
        assert!(v < 10);
        assert!(d.left().unwrap().why.contains("out of range"));
    }

    #[test]
    fn a_file_does_not_change_the_streams_positions() {
        let file = ScheduleFile::parse("s", "task t1\ntask t0\n").unwrap();
        let mut with = decider(true).with_file(file);
        let mut without = decider(true);
        for _ in 0..3 {
            with.pick(Point::Task, 3, &mut keys);
            without.pick(Point::Task, 3, &mut keys);
        }
        assert_eq!(with.word_pos(), without.word_pos());
    }

    /// Picks the last candidate and the largest value; counts its calls.
    struct Last(Arc<std::sync::atomic::AtomicUsize>);

    impl Strategy for Last {
        fn pick(
            &mut self,
            _: Point,
            n: usize,
            _: usize,
            _: &mut dyn FnMut(usize) -> String,
        ) -> usize {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            n + 7
        }
        fn value(&mut self, _: Point, _: &str, _: u64, bound: u64) -> u64 {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            bound - 1
        }
    }

    #[test]
    fn a_strategy_decides_where_the_file_does_not_and_leaves_the_streams_alone() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let strategy = StrategyHandle::new(Last(calls.clone()));
        let file = ScheduleFile::parse("s", "task t1\n").unwrap();
        let mut d = decider(false)
            .with_file(file)
            .with_strategy(Some(strategy.clone()));
        let mut plain = decider(false);
        assert!(d.picks() && d.keyed());
        // The file's entry wins; then the strategy (its answer clamped).
        assert_eq!(d.pick(Point::Task, 4, &mut keys), 1);
        assert_eq!(d.pick(Point::Task, 4, &mut keys), 3);
        let op = || "read@a.gene:1".to_string();
        assert!(d.coin(Point::Fail, &op, 0.5));
        assert_eq!(d.cut(&op, 10), 9);
        assert_eq!(d.jitter(&op, 100), 100);
        // A coin fixed by the configuration is no decision.
        assert!(!d.coin(Point::Fail, &op, 0.0));
        for _ in 0..2 {
            plain.pick(Point::Task, 4, &mut keys);
        }
        plain.coin(Point::Fail, &op, 0.5);
        plain.cut(&op, 10);
        plain.jitter(&op, 100);
        plain.coin(Point::Fail, &op, 0.0);
        assert_eq!(d.word_pos(), plain.word_pos());
        // Asked for the second pick, the coin, the cut and the jitter.
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 4);
    }

    #[test]
    fn a_sparse_file_waits_for_its_matches_and_defaults_elsewhere() {
        let file = ScheduleFile::parse(
            "s",
            "mode sparse\ntask t2 before t0 (time 2)\nfail op yes\n",
        )
        .unwrap();
        let mut d = decider(true).with_file(file).with_log();
        // t2 with t0 first: the first match waits (default), the second is taken.
        assert_eq!(d.pick(Point::Task, 3, &mut keys), 0);
        // t0 is not first here (keys shifted): no match, default.
        let mut shifted = |i: usize| format!("t{}", i + 1);
        assert_eq!(d.pick(Point::Task, 3, &mut shifted), 0);
        assert_eq!(d.pick(Point::Task, 3, &mut keys), 2);
        let op = || "op".to_string();
        let other = || "other".to_string();
        assert!(!d.coin(Point::Fail, &other, 0.5));
        assert_eq!(d.jitter(&op, 100), 0);
        assert!(d.coin(Point::Fail, &op, 0.5));
        // The file is done: defaults, and nothing "left".
        assert_eq!(d.pick(Point::Task, 3, &mut keys), 0);
        assert!(!d.coin(Point::Fail, &op, 0.5));
        d.finish();
        assert!(d.left().is_none());
        let log = d.take_log();
        assert_eq!(log.len(), 8);
        assert_eq!(log[0].among, ["t0", "t1", "t2"]);
        // A file with entries not reached says so at the end.
        let file = ScheduleFile::parse("s", "mode sparse\nfail op yes\n").unwrap();
        let mut d = decider(true).with_file(file);
        assert_eq!(d.pick(Point::Task, 3, &mut keys), 0);
        d.finish();
        assert!(d.left().unwrap().why.contains("not reached"));
    }
}
