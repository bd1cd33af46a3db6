//! Deliberate bugs (feature `mutations`): each breaks one promise of the
//! async semantics, so the tests can show they notice.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// A future's callbacks run in reverse registration order.
    CallbacksReversed,
    /// Tasks awaiting a future resume in reverse order.
    WaitersReversed,
    /// Capturing a scope in a closure takes no reference.
    MissingRetain,
    /// An async task's failure resolves its future with nil instead.
    DroppedFailure,
    /// Every other VM in the process runs callbacks reversed: hidden state
    /// leaks into the run.
    Nondeterministic,
    /// Under a seeded schedule, a future's reactions start in a seeded
    /// order instead of their registration order.
    SeedInBatch,
    /// In blocking-await mode only, callbacks run in reverse order.
    BlockingCallbacksReversed,
    /// Every other VM in the process stores 43 where a program stores the
    /// integer 42 in a register: hidden state that no event shows until
    /// the value is printed, if ever.
    HiddenWrite,
}

impl Mutation {
    pub const ALL: [Mutation; 8] = [
        Mutation::CallbacksReversed,
        Mutation::WaitersReversed,
        Mutation::MissingRetain,
        Mutation::DroppedFailure,
        Mutation::Nondeterministic,
        Mutation::SeedInBatch,
        Mutation::BlockingCallbacksReversed,
        Mutation::HiddenWrite,
    ];
}

/// How many VMs with `Nondeterministic` or `HiddenWrite` were made in
/// this process.
pub(crate) static NONDETERMINISTIC_RUNS: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(0);
