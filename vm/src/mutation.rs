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
}

impl Mutation {
    pub const ALL: [Mutation; 4] = [
        Mutation::CallbacksReversed,
        Mutation::WaitersReversed,
        Mutation::MissingRetain,
        Mutation::DroppedFailure,
    ];
}
