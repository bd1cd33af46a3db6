//! Seeded randomness: one master seed split into independent streams, one
//! per subsystem (latency, faults, schedule).
//!
//! Each stream is a ChaCha8 generator (`chacha20::ChaCha8Rng`) whose 256-bit
//! key is derived from the master seed with SplitMix64 (our own code, so the
//! derivation cannot change under us) and whose 64-bit stream id (nonce) is
//! the subsystem's [`Stream`] number. Streams are separate keystreams, so
//! drawing from one never shifts another.
//!
//! Only raw `next_u64` is used; range reduction ([`SimRng::below`]),
//! probabilities ([`SimRng::chance`]) and jitter are ours, because library
//! helpers for ranges and shuffles have changed output between versions.
//! Golden-value tests below pin the exact output: if they change, recorded
//! seeds no longer replay.

use chacha20::ChaCha8Rng;
use chacha20::rand_core::{Rng, SeedableRng};

/// The subsystems that draw randomness, each with its own stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stream {
    /// Jitter of operation latencies.
    Latency,
    /// Fault injection decisions.
    Faults,
    /// Scheduling choices (tie order of timers, ready-task order).
    Schedule,
}

impl Stream {
    /// Every stream, in a fixed order.
    pub const ALL: [Stream; 3] = [Stream::Latency, Stream::Faults, Stream::Schedule];

    /// The ChaCha stream id (nonce) of this subsystem. Part of the replay
    /// format: never renumber. 0 is left unused on purpose.
    pub fn id(self) -> u64 {
        match self {
            Stream::Latency => 1,
            Stream::Faults => 2,
            Stream::Schedule => 3,
        }
    }
}

/// One deterministic random stream.
///
/// Draw counts are part of determinism, so every method documents how many
/// `u64` values it consumes.
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl std::fmt::Debug for SimRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimRng")
            .field("stream", &self.inner.get_stream())
            .field("word_pos", &self.inner.get_word_pos())
            .finish()
    }
}

impl Clone for SimRng {
    /// An independent copy at the same position (ChaCha8Rng itself has no
    /// `Clone`, so this goes through its serialized state).
    fn clone(&self) -> Self {
        SimRng {
            inner: ChaCha8Rng::deserialize_state(&self.inner.serialize_state()),
        }
    }
}

impl PartialEq for SimRng {
    /// Same key, same stream id, same position.
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl Eq for SimRng {}

/// SplitMix64 step (Steele, Lea, Flood 2014): used only to expand the
/// master seed into a ChaCha key.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 32-byte ChaCha key for a master seed: four SplitMix64 outputs,
/// little-endian.
fn key_for(seed: u64) -> [u8; 32] {
    let mut state = seed;
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    key
}

impl SimRng {
    /// The stream `stream` of master seed `seed`.
    pub fn new(seed: u64, stream: Stream) -> Self {
        Self::with_stream_id(seed, stream.id())
    }

    /// A stream with an arbitrary id (for extra subsystems or tests).
    pub fn with_stream_id(seed: u64, stream_id: u64) -> Self {
        let mut inner = ChaCha8Rng::from_seed(key_for(seed));
        inner.set_stream(stream_id);
        SimRng { inner }
    }

    /// Position in the stream, in 32-bit words (each `next_u64` is 2 words).
    /// Useful for traces: two runs that drew the same values agree on it.
    pub fn word_pos(&self) -> u128 {
        self.inner.get_word_pos()
    }

    /// The next raw 64-bit value. Consumes one value.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform value in `0..n`, without bias (Lemire's multiply-and-reject
    /// method). For `n <= 1` returns 0 and consumes nothing; otherwise
    /// consumes one value, rarely more (a rejection happens with probability
    /// `(2^64 mod n) / 2^64`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        let mut low = m as u64;
        if low < n {
            // 2^64 mod n: the number of low values that would bias the result.
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
                low = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// A uniform value in `lo..=hi` (`lo` if `hi < lo`). Consumes as
    /// [`below`](Self::below) does for `hi - lo + 1` values; the full `u64`
    /// range consumes exactly one value.
    pub fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        match (hi - lo).checked_add(1) {
            Some(span) => lo + self.below(span),
            None => self.next_u64(),
        }
    }

    /// A uniform jitter in `0..=max_ns`. `jitter(0)` is 0 and consumes
    /// nothing.
    pub fn jitter(&mut self, max_ns: u64) -> u64 {
        self.range_inclusive(0, max_ns)
    }

    /// A uniform `f64` in `[0, 1)` with 53 random bits. Consumes one value.
    pub fn unit_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`. `p <= 0` or NaN is always false and
    /// `p >= 1` always true, and both consume nothing; otherwise consumes
    /// exactly one value.
    pub fn chance(&mut self, p: f64) -> bool {
        if p.is_nan() || p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        self.unit_f64() < p
    }

    /// An index in `0..n` for choosers such as
    /// [`TimerQueue::pop_due_with`](crate::timers::TimerQueue::pop_due_with).
    /// Same consumption as [`below`](Self::below).
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Shuffles `items` in place (Fisher–Yates from the front, the same
    /// scheme as `TimerQueue::pop_due_with`). Consumes one `below` per slot
    /// except the last.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        let k = items.len();
        for i in 0..k.saturating_sub(1) {
            let j = i + self.index(k - i);
            items.swap(i, j);
        }
    }
}

/// One run's random streams, all derived from one master seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rngs {
    /// The master seed they were derived from.
    pub seed: u64,
    /// Latency jitter.
    pub latency: SimRng,
    /// Fault injection.
    pub faults: SimRng,
    /// Scheduling choices.
    pub schedule: SimRng,
}

impl Rngs {
    /// Splits `seed` into one stream per subsystem.
    pub fn new(seed: u64) -> Self {
        Rngs {
            seed,
            latency: SimRng::new(seed, Stream::Latency),
            faults: SimRng::new(seed, Stream::Faults),
            schedule: SimRng::new(seed, Stream::Schedule),
        }
    }

    /// The stream of one subsystem.
    pub fn stream(&mut self, which: Stream) -> &mut SimRng {
        match which {
            Stream::Latency => &mut self.latency,
            Stream::Faults => &mut self.faults,
            Stream::Schedule => &mut self.schedule,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(rng: &mut SimRng, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.next_u64()).collect()
    }

    // GOLDEN VALUES. These pin the seed -> stream mapping (SplitMix64 key
    // expansion, ChaCha8, stream ids 1/2/3). If any of them changes, the
    // replay format broke: recorded seeds no longer reproduce their runs.
    // Do not "fix" them by pasting new numbers; find what changed.
    // The stream values were cross-checked against an independent Python
    // implementation of the ChaCha8 block function (RFC 8439 quarter round,
    // 8 rounds, 64-bit counter in words 12-13, stream id in words 14-15,
    // u64 = low word | high word << 32) with the same SplitMix64 key.
    const GOLDEN_SEED_0: [[u64; 4]; 3] = [
        // latency
        [
            292620192089856330,
            11544540324047766403,
            7238887217102712336,
            4620712567204642162,
        ],
        // faults
        [
            17489976343419144678,
            12456542013978800452,
            7012036580297459332,
            15441686383642239708,
        ],
        // schedule
        [
            507187713680146266,
            15311403288196808930,
            137392366542307910,
            11224731215586815112,
        ],
    ];
    const GOLDEN_SEED_42: [[u64; 4]; 3] = [
        // latency
        [
            14589515635352196654,
            2877973030336034368,
            15230479811515263985,
            17024681532047585710,
        ],
        // faults
        [
            15518985085439789598,
            5484932324159845928,
            827201216070852015,
            18236331423105201630,
        ],
        // schedule
        [
            14337368776685914797,
            1364626347485624262,
            16450575446303521233,
            15087558891619392841,
        ],
    ];

    #[test]
    fn golden_streams() {
        for (seed, golden) in [(0u64, GOLDEN_SEED_0), (42, GOLDEN_SEED_42)] {
            let mut r = Rngs::new(seed);
            for (s, want) in Stream::ALL.into_iter().zip(golden) {
                let got = first(r.stream(s), 4);
                assert_eq!(got, want, "seed {seed}, stream {s:?}");
            }
        }
    }

    #[test]
    fn golden_reductions() {
        // below / chance / jitter on the schedule stream of seed 42: pins our
        // own range reduction too.
        let mut r = SimRng::new(42, Stream::Schedule);
        let below: Vec<u64> = (0..6).map(|_| r.below(10)).collect();
        let jitter: Vec<u64> = (0..4).map(|_| r.jitter(1_000_000)).collect();
        let chance: Vec<bool> = (0..6).map(|_| r.chance(0.5)).collect();
        let mut deck = [0u8, 1, 2, 3, 4, 5, 6, 7];
        r.shuffle(&mut deck);
        assert_eq!(below, [7, 0, 8, 8, 7, 7]);
        assert_eq!(jitter, [993567, 974216, 321953, 482804]);
        assert_eq!(chance, [false, true, true, false, false, true]);
        assert_eq!(deck, [1, 6, 2, 7, 4, 5, 0, 3]);
    }

    #[test]
    fn streams_are_independent() {
        let mut a = Rngs::new(7);
        let mut b = Rngs::new(7);
        for _ in 0..1000 {
            a.latency.next_u64();
        }
        assert_ne!(a.latency, b.latency);
        assert_eq!(first(&mut a.faults, 16), first(&mut b.faults, 16));
        assert_eq!(first(&mut a.schedule, 16), first(&mut b.schedule, 16));
    }

    #[test]
    fn streams_and_seeds_differ() {
        let mut r = Rngs::new(0);
        let l = first(&mut r.latency, 4);
        let f = first(&mut r.faults, 4);
        let s = first(&mut r.schedule, 4);
        assert_ne!(l, f);
        assert_ne!(f, s);
        assert_ne!(l, s);
        assert_ne!(first(&mut Rngs::new(1).latency, 4), l);
    }

    #[test]
    fn clone_continues_identically() {
        let mut a = SimRng::new(3, Stream::Faults);
        a.next_u64();
        a.next_u32_for_test();
        let mut b = a.clone();
        assert_eq!(a, b);
        assert_eq!(first(&mut a, 8), first(&mut b, 8));
    }

    impl SimRng {
        /// Leaves the generator mid-u64 to check clone keeps the position.
        fn next_u32_for_test(&mut self) -> u32 {
            self.inner.next_u32()
        }
    }

    #[test]
    fn below_stays_in_range_and_small_n_draws_nothing() {
        let mut r = SimRng::new(1, Stream::Latency);
        let start = r.word_pos();
        assert_eq!(r.below(0), 0);
        assert_eq!(r.below(1), 0);
        assert_eq!(r.jitter(0), 0);
        assert!(!r.chance(0.0));
        assert!(!r.chance(f64::NAN));
        assert!(r.chance(1.0));
        assert_eq!(r.word_pos(), start);
        for n in [2u64, 3, 7, 10, 1 << 40, u64::MAX - 1, u64::MAX] {
            for _ in 0..200 {
                assert!(r.below(n) < n);
            }
        }
        for _ in 0..200 {
            assert!(r.jitter(5) <= 5);
            let x = r.range_inclusive(10, 12);
            assert!((10..=12).contains(&x));
        }
        r.jitter(u64::MAX);
        assert_eq!(r.range_inclusive(5, 3), 5);
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut r = SimRng::new(9, Stream::Schedule);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[r.below(6) as usize] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
        let hits = (0..10_000).filter(|_| r.chance(0.25)).count();
        assert!((2_200..2_800).contains(&hits), "{hits}");
    }

    #[test]
    fn unit_f64_in_range() {
        let mut r = SimRng::new(5, Stream::Latency);
        for _ in 0..1000 {
            let x = r.unit_f64();
            assert!((0.0..1.0).contains(&x));
        }
    }
}
