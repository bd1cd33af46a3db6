//! How long simulated operations take, in virtual nanoseconds.
//!
//! Per operation kind: `base_ns + per_byte_ns * bytes + jitter`, where the
//! jitter is uniform in `0..=jitter_ns`, drawn from the latency stream. The
//! arithmetic saturates at `u64::MAX` instead of overflowing.

use crate::decide::Draws;
#[cfg(test)]
use crate::rng::SimRng;

/// The kinds of operation the world performs for the VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// `gene/sleep` and timers: the duration is the timer itself, so by
    /// default it costs no extra latency.
    Sleep,
    /// Reading a file.
    Read,
    /// Writing a file.
    Write,
}

impl OpKind {
    /// Lower-case name, for messages and traces.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Sleep => "sleep",
            OpKind::Read => "read",
            OpKind::Write => "write",
        }
    }

    /// Whether this is an I/O operation (subject to fault injection).
    pub fn is_io(self) -> bool {
        matches!(self, OpKind::Read | OpKind::Write)
    }
}

/// The latency of one operation kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpLatency {
    /// Fixed cost of every operation.
    pub base_ns: u64,
    /// Added per byte read or written.
    pub per_byte_ns: u64,
    /// Upper bound (inclusive) of the uniform random jitter; 0 = none.
    pub jitter_ns: u64,
}

impl OpLatency {
    /// The cost of one operation on `bytes` bytes. Draws from `rng` only
    /// when `jitter_ns > 0` (see [`SimRng::jitter`]).
    pub fn cost(&self, bytes: u64, rng: &mut dyn Draws) -> u64 {
        self.base_ns
            .saturating_add(self.per_byte_ns.saturating_mul(bytes))
            .saturating_add(rng.jitter(self.jitter_ns))
    }
}

/// Latency of every operation kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatencyModel {
    pub sleep: OpLatency,
    pub read: OpLatency,
    pub write: OpLatency,
}

/// 1 ms, the default base cost of a read or write.
pub const DEFAULT_IO_BASE_NS: u64 = 1_000_000;

impl Default for LatencyModel {
    /// Reads and writes: 1 ms + 1 ns per byte, no jitter. Sleep: nothing.
    fn default() -> Self {
        let io = OpLatency {
            base_ns: DEFAULT_IO_BASE_NS,
            per_byte_ns: 1,
            jitter_ns: 0,
        };
        LatencyModel {
            sleep: OpLatency::default(),
            read: io,
            write: io,
        }
    }
}

impl LatencyModel {
    /// A model where everything is instantaneous.
    pub fn zero() -> Self {
        LatencyModel {
            sleep: OpLatency::default(),
            read: OpLatency::default(),
            write: OpLatency::default(),
        }
    }

    /// The latency parameters of `kind`.
    pub fn get(&self, kind: OpKind) -> &OpLatency {
        match kind {
            OpKind::Sleep => &self.sleep,
            OpKind::Read => &self.read,
            OpKind::Write => &self.write,
        }
    }

    /// Mutable access to the parameters of `kind`.
    pub fn get_mut(&mut self, kind: OpKind) -> &mut OpLatency {
        match kind {
            OpKind::Sleep => &mut self.sleep,
            OpKind::Read => &mut self.read,
            OpKind::Write => &mut self.write,
        }
    }

    /// Virtual ns that an operation of `kind` on `bytes` bytes takes.
    /// Saturates at `u64::MAX`. Draws from `rng` (the latency stream) only
    /// if that kind has jitter.
    pub fn cost(&self, kind: OpKind, bytes: u64, rng: &mut dyn Draws) -> u64 {
        self.get(kind).cost(bytes, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn defaults() {
        let m = LatencyModel::default();
        let mut rng = SimRng::new(0, Stream::Latency);
        let pos = rng.word_pos();
        assert_eq!(m.cost(OpKind::Sleep, 0, &mut rng), 0);
        assert_eq!(m.cost(OpKind::Sleep, 100, &mut rng), 0);
        assert_eq!(m.cost(OpKind::Read, 0, &mut rng), 1_000_000);
        assert_eq!(m.cost(OpKind::Read, 10, &mut rng), 1_000_010);
        assert_eq!(m.cost(OpKind::Write, 5, &mut rng), 1_000_005);
        // No jitter configured: the latency stream is untouched.
        assert_eq!(rng.word_pos(), pos);
        assert_eq!(
            LatencyModel::zero().cost(OpKind::Read, 1 << 20, &mut rng),
            0
        );
    }

    #[test]
    fn jitter_is_bounded_and_seeded() {
        let mut m = LatencyModel::default();
        m.get_mut(OpKind::Read).jitter_ns = 500;
        let mut a = SimRng::new(11, Stream::Latency);
        let mut b = SimRng::new(11, Stream::Latency);
        let xs: Vec<u64> = (0..100).map(|_| m.cost(OpKind::Read, 3, &mut a)).collect();
        let ys: Vec<u64> = (0..100).map(|_| m.cost(OpKind::Read, 3, &mut b)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&x| (1_000_003..=1_000_503).contains(&x)));
        assert!(xs.iter().any(|&x| x != xs[0]));
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        let m = LatencyModel {
            sleep: OpLatency::default(),
            read: OpLatency {
                base_ns: u64::MAX - 1,
                per_byte_ns: u64::MAX,
                jitter_ns: u64::MAX,
            },
            write: OpLatency {
                base_ns: 0,
                per_byte_ns: 1 << 40,
                jitter_ns: 0,
            },
        };
        let mut rng = SimRng::new(0, Stream::Latency);
        assert_eq!(m.cost(OpKind::Read, 7, &mut rng), u64::MAX);
        assert_eq!(m.cost(OpKind::Write, 1 << 30, &mut rng), u64::MAX);
    }

    #[test]
    fn kinds() {
        assert!(!OpKind::Sleep.is_io());
        assert!(OpKind::Read.is_io() && OpKind::Write.is_io());
        assert_eq!(OpKind::Write.name(), "write");
    }
}
