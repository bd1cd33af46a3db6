//! The real world (`--real`): the wall clock and real files, under the same
//! VM and driver. Not deterministic, by definition; the parity tests show it
//! prints what the simulation prints for programs that do not depend on timing.

use std::time::{Duration, Instant};

use gene_vm::{Completion, Request, RequestKind, Ticket, Value};

use crate::fs::{FileSystem, RealFs};
use crate::timers::TimerQueue;
use crate::world::World;

pub struct RealWorld {
    start: Instant,
    timers: TimerQueue<(Ticket, Completion)>,
    fs: RealFs,
}

impl Default for RealWorld {
    fn default() -> Self {
        RealWorld {
            start: Instant::now(),
            timers: TimerQueue::new(),
            fs: RealFs::new(),
        }
    }
}

impl RealWorld {
    fn perform(&mut self, kind: &RequestKind) -> (Completion, u64) {
        match kind {
            RequestKind::Sleep { nanos } => (Ok(Value::Nil), *nanos),
            RequestKind::Read { path } => (self.fs.read(path).map(Value::string), 0),
            RequestKind::Write { path, data } => {
                (self.fs.write(path, data).map(|()| Value::Nil), 0)
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

    fn due(&mut self) -> Vec<(Ticket, Completion)> {
        let now = self.now();
        self.timers
            .pop_due(now)
            .into_iter()
            .map(|(_, c)| c)
            .collect()
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
