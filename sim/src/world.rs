//! The world a run happens in: the simulated one (virtual clock, timer
//! queue, overlay file system, latency and faults, all seeded) and, in
//! `real.rs`, the real one. The driver talks to either through `World`.

use std::cell::RefCell;
use std::rc::Rc;

use gene_vm::{Completion, OpId, Request, RequestKind, Ticket, Value};
use rustc_hash::FxHashMap;

use crate::clock::VirtualClock;
use crate::decide::{Decider, OpDraws, Point};
use crate::faults::FaultPlan;
use crate::fs::{FileSystem, OverlayFs};
use crate::latency::{LatencyModel, OpKind};
use crate::timers::TimerQueue;

pub trait World {
    /// Nanoseconds since the run began.
    fn now(&self) -> u64;
    /// Starts an operation. A blocking one happens at once: the clock moves
    /// by its cost and its completion is returned.
    fn start(&mut self, req: Request) -> Option<(Ticket, Completion)>;
    /// Appends the completions due by now to `out`, in order.
    fn due(&mut self, out: &mut Vec<(Ticket, Completion)>);
    /// Every task waits: moves time to the next completion. False when
    /// nothing is pending.
    fn advance(&mut self) -> bool;
    /// A digest of the world's state (clock, pending timers, the position
    /// of every random stream), mixed into each poll's state hash.
    fn state_hash(&self) -> u64 {
        0
    }
}

/// Same-instant ties and ready tasks: in start order, or a seeded permutation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Schedule {
    #[default]
    Fifo,
    Random,
}

/// The deterministic world: every run is a function of (program, seed, config).
pub struct SimWorld {
    clock: VirtualClock,
    /// Pending operations. Most are sleeps, which complete with nil: a
    /// timer holds only its ticket (16 bytes), and any other completion
    /// waits in `results`.
    timers: TimerQueue<Ticket>,
    /// The completion of each pending operation that is not `Ok(nil)`,
    /// looked up by id, never iterated.
    results: FxHashMap<OpId, Completion>,
    /// The tickets due at a poll (storage kept between polls).
    due: Vec<Ticket>,
    fs: OverlayFs,
    latency: LatencyModel,
    faults: FaultPlan,
    /// Every choice the world makes (`decide`); shared with the VM's
    /// chooser, so that both draw from one schedule stream in one order.
    decider: Rc<RefCell<Decider>>,
    /// Pending operations' keys, while the decider uses keys.
    keys: FxHashMap<OpId, Rc<str>>,
}

/// The VM's chooser: its picks are the decider's `task` decisions.
struct TaskChooser(Rc<RefCell<Decider>>);

impl gene_vm::choice::Chooser for TaskChooser {
    fn choose(&mut self, n: usize, key: &mut dyn FnMut(usize) -> String) -> usize {
        self.0.borrow_mut().pick(Point::Task, n, key)
    }
}

impl SimWorld {
    pub fn new(
        seed: u64,
        schedule: Schedule,
        fs: OverlayFs,
        latency: LatencyModel,
        faults: FaultPlan,
    ) -> SimWorld {
        SimWorld::with_decider(Decider::seeded(seed, schedule), fs, latency, faults)
    }

    /// A world whose choices `decider` makes.
    pub fn with_decider(
        decider: Decider,
        fs: OverlayFs,
        latency: LatencyModel,
        faults: FaultPlan,
    ) -> SimWorld {
        SimWorld {
            clock: VirtualClock::new(),
            timers: TimerQueue::new(),
            results: FxHashMap::default(),
            due: Vec::new(),
            fs,
            latency,
            faults,
            decider: Rc::new(RefCell::new(decider)),
            keys: FxHashMap::default(),
        }
    }

    /// A chooser for the VM's ready batches, when picks are decisions (the
    /// random schedule, or a schedule file).
    pub fn chooser(&self) -> Option<Box<dyn gene_vm::choice::Chooser>> {
        let picks = self.decider.borrow().picks();
        picks.then(|| Box::new(TaskChooser(self.decider.clone())) as Box<_>)
    }

    /// The decider, for what the run reports after it (its log, where it
    /// left a schedule file).
    pub fn decider(&self) -> Rc<RefCell<Decider>> {
        self.decider.clone()
    }

    /// Performs an I/O request against the overlay, with its injected fault.
    fn perform(&mut self, kind: &RequestKind, key: &dyn Fn() -> String) -> (Completion, u64) {
        let mut decider = self.decider.borrow_mut();
        let mut draws = OpDraws {
            decider: &mut decider,
            key,
        };
        match kind {
            RequestKind::Sleep { nanos } => (Ok(Value::Nil), *nanos),
            RequestKind::Read { path } => {
                let read = self.fs.read(path);
                let result = self.faults.apply_to_read(path, read, &mut draws);
                let bytes = result.as_ref().map_or(0, |t| t.len() as u64);
                let cost = self.latency.cost(OpKind::Read, bytes, &mut draws);
                (result.map(Value::string), cost)
            }
            RequestKind::Write { path, data } => {
                let result = match self.faults.write_fault(path, data.len(), &mut draws) {
                    Some(message) => Err(message),
                    None => self.fs.write(path, data),
                };
                // A failed write costs its base latency: nothing was written.
                let bytes = if result.is_ok() { data.len() as u64 } else { 0 };
                let cost = self.latency.cost(OpKind::Write, bytes, &mut draws);
                (result.map(|()| Value::Nil), cost)
            }
        }
    }
}

impl World for SimWorld {
    fn now(&self) -> u64 {
        self.clock.now()
    }

    fn start(&mut self, req: Request) -> Option<(Ticket, Completion)> {
        let id = req.id;
        let key = || match &req.key {
            Some(k) => k.to_string(),
            None => format!("op{id}"),
        };
        let (mut completion, cost) = self.perform(&req.kind, &key);
        // An operation that would complete past the end of representable
        // virtual time fails now, instead of the clock saturating.
        let now = self.clock.now();
        let at = match now.checked_add(cost) {
            Some(at) if at <= gene_vm::vm::TIME_END_NANOS => at,
            _ => {
                completion =
                    Err("the operation would complete past the end of virtual time".into());
                now
            }
        };
        if req.blocking {
            // Time moves on for the whole world; nothing else runs meanwhile.
            let _ = self.clock.advance_to(at);
            Some((req.ticket, completion))
        } else {
            if !matches!(completion, Ok(Value::Nil)) {
                self.results.insert(req.ticket.id, completion);
            }
            if let Some(key) = req.key
                && self.decider.borrow().picks()
            {
                self.keys.insert(req.ticket.id, key);
            }
            self.timers.push(at, req.ticket);
            None
        }
    }

    fn due(&mut self, out: &mut Vec<(Ticket, Completion)>) {
        let now = self.clock.now();
        if self.decider.borrow().picks() {
            let decider = self.decider.clone();
            let keys = &self.keys;
            self.timers.pop_due_keyed_into(
                now,
                &mut |rest: &[Ticket]| {
                    let mut key = |i: usize| match keys.get(&rest[i].id) {
                        Some(k) => k.to_string(),
                        None => format!("op{}", rest[i].id),
                    };
                    decider
                        .borrow_mut()
                        .pick(Point::Timer, rest.len(), &mut key)
                },
                &mut self.due,
            );
            if !self.keys.is_empty() {
                for t in &self.due {
                    self.keys.remove(&t.id);
                }
            }
        } else {
            self.timers.pop_due_into(now, &mut self.due);
        }
        let results = &mut self.results;
        out.extend(self.due.drain(..).map(|ticket| {
            let done = if results.is_empty() {
                None
            } else {
                results.remove(&ticket.id)
            };
            (ticket, done.unwrap_or(Ok(Value::Nil)))
        }));
    }

    fn advance(&mut self) -> bool {
        match self.timers.peek_deadline() {
            Some(t) => {
                let _ = self.clock.advance_to(t.max(self.clock.now()));
                true
            }
            None => false,
        }
    }

    fn state_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        self.clock.now().hash(&mut h);
        self.timers.len().hash(&mut h);
        self.timers.peek_deadline().hash(&mut h);
        let (latency, faults, schedule) = self.decider.borrow().word_pos();
        latency.hash(&mut h);
        faults.hash(&mut h);
        if let Some(schedule) = schedule {
            schedule.hash(&mut h);
        }
        h.finish()
    }
}
