//! Breakpoint hits: every record of a poll that hits a breakpoint, for
//! the status line, the events pane's marks and the timeline.

use super::*;

/// At most this many hits are named in the status line (the rest are
/// counted).
pub const MAX_NAMED_HITS: usize = 6;

impl App {
    /// The records of poll `p` that hit a breakpoint (record indices, in
    /// order), each with the first breakpoint it hits.
    pub fn break_hits(&self, p: usize) -> Vec<(usize, usize)> {
        if self.breaks.is_empty() || p >= self.replay.polls() {
            return Vec::new();
        }
        let t_before = p.checked_sub(1).map(|q| self.replay.poll_time(q));
        let start = self.replay.poll_start(p);
        self.replay
            .trace
            .poll(p)
            .iter()
            .enumerate()
            .filter_map(|(k, r)| {
                let _ = r;
                let b = self
                    .breaks
                    .iter()
                    .position(|b| self.hits_record(b, start + k, t_before))?;
                Some((start + k, b))
            })
            .collect()
    }

    /// Every hit of poll `p`, by breakpoint: `2 hits: any future fails —
    /// #57 future.resolved, #61 future.resolved`. None without a hit.
    pub(super) fn break_report(&self, p: usize) -> Option<String> {
        let hits = self.break_hits(p);
        if hits.is_empty() {
            return None;
        }
        let records = self.replay.records();
        let mut parts = Vec::new();
        let mut named = 0;
        for (b, brk) in self.breaks.iter().enumerate() {
            let mine: Vec<usize> = hits.iter().filter(|h| h.1 == b).map(|h| h.0).collect();
            if mine.is_empty() {
                continue;
            }
            let list: Vec<String> = mine
                .iter()
                .take(MAX_NAMED_HITS.saturating_sub(named).max(1))
                .map(|&i| format!("#{} {}", records[i].seq, records[i].kind))
                .collect();
            named += list.len();
            let more = mine.len() - list.len();
            let mut s = format!("{} — {}", brk.describe(), list.join(", "));
            if more > 0 {
                s.push_str(&format!(" and {more} more"));
            }
            parts.push(s);
        }
        let n = hits.len();
        Some(format!(
            "{n} hit{}: {}",
            if n == 1 { "" } else { "s" },
            parts.join("; ")
        ))
    }
}
