//! Skipping empty polls (`e`): polls with no events besides their
//! `poll.begin` / `poll.end` markers are passed over by stepping and play,
//! and left out of the timeline.

use super::*;

impl App {
    /// Where a step of `delta` polls from `from` lands: counted in polls,
    /// or in polls with events when empty ones are skipped (staying put
    /// when there is none that way).
    pub fn step_target(&self, from: usize, delta: isize) -> usize {
        if !self.skip_empty || delta == 0 {
            return from.saturating_add_signed(delta).min(self.last_poll());
        }
        let ne = &self.derived().nonempty;
        let n = delta.unsigned_abs();
        if delta > 0 {
            let after = ne.partition_point(|&p| p <= from);
            match ne.get(after..) {
                Some(rest) if !rest.is_empty() => rest[(n - 1).min(rest.len() - 1)],
                _ => from,
            }
        } else {
            let before = ne.partition_point(|&p| p < from);
            if before == 0 {
                from
            } else {
                ne[before.saturating_sub(n)]
            }
        }
    }

    pub(super) fn toggle_skip_empty(&mut self) {
        self.skip_empty = !self.skip_empty;
        let polls = self.replay.polls();
        let empty = polls - self.derived().nonempty.len();
        self.say(if self.skip_empty {
            format!("skipping empty polls ({empty} of {polls} have no events): e shows all")
        } else {
            format!("showing all {polls} polls")
        });
    }
}
