//! The real world (`--real`): the wall clock and real files, under the same
//! VM and driver. Not deterministic, by definition; the parity tests show it
//! prints what the simulation prints for programs that do not depend on timing.

use std::time::{Duration, Instant};

use gene_vm::{Completion, Request, RequestKind, Ticket, Value};

use crate::faults::FaultPlan;
use crate::fs::{FileSystem, RealFs};
use crate::rng::{SimRng, Stream};
use crate::timers::TimerQueue;
use crate::world::World;

pub struct RealWorld {
    start: Instant,
    timers: TimerQueue<(Ticket, Completion)>,
    fs: RealFs,
    /// The same fault plan as the simulation's, drawn from the same seeded
    /// stream: which operation fails depends on the operation's kind, path
    /// and length only, never on timing.
    faults: FaultPlan,
    faults_rng: SimRng,
}

impl Default for RealWorld {
    fn default() -> Self {
        RealWorld::new(RealFs::new(), FaultPlan::none(), 0)
    }
}

impl RealWorld {
    /// The real clock from now, real files through `fs`, and `faults`
    /// injected with randomness from `seed`.
    pub fn new(fs: RealFs, faults: FaultPlan, seed: u64) -> Self {
        RealWorld {
            start: Instant::now(),
            timers: TimerQueue::new(),
            fs,
            faults,
            faults_rng: SimRng::new(seed, Stream::Faults),
        }
    }

    fn perform(&mut self, kind: &RequestKind) -> (Completion, u64) {
        match kind {
            RequestKind::Sleep { nanos } => (Ok(Value::Nil), *nanos),
            RequestKind::Read { path } => {
                let read = self.fs.read(path);
                let result = self.faults.apply_to_read(path, read, &mut self.faults_rng);
                (result.map(Value::string), 0)
            }
            RequestKind::Write { path, data } => {
                let result = match self
                    .faults
                    .write_fault(path, data.len(), &mut self.faults_rng)
                {
                    Some(message) => Err(message),
                    None => self.fs.write(path, data),
                };
                (result.map(|()| Value::Nil), 0)
            }
        }
    }
}

impl World for RealWorld {
    fn now(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    fn start(&mut self, req: Request) -> Option<(Ticket, Completion)> {
        let (completion, delay) = self.perform(&req.kind);
        if req.blocking {
            std::thread::sleep(Duration::from_nanos(delay));
            Some((req.ticket, completion))
        } else {
            let at = self.now().saturating_add(delay);
            self.timers.push(at, (req.ticket, completion));
            None
        }
    }

    fn due(&mut self, out: &mut Vec<(Ticket, Completion)>) {
        let now = self.now();
        self.timers.pop_due_into(now, out);
    }

    fn advance(&mut self) -> bool {
        match self.timers.peek_deadline() {
            Some(t) => {
                let now = self.now();
                if t > now {
                    std::thread::sleep(Duration::from_nanos(t - now));
                }
                true
            }
            None => false,
        }
    }
}
