//! The polls the timeline marks besides faults: those with a search hit
//! and those where a breakpoint hits. Worked out when the search or the
//! breakpoints change (one pass over the trace), not at every frame.

use super::*;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// Polls with a record the search matches (among the shown kinds).
    pub search: Vec<usize>,
    /// Polls where a breakpoint hits.
    pub breaks: Vec<usize>,
}

impl App {
    pub(super) fn refresh_search_marks(&mut self) {
        let mut polls = Vec::new();
        if let Some(s) = &self.search {
            let mut line = String::new();
            for r in self.replay.records() {
                let p = r.poll as usize;
                if polls.last() == Some(&p) || !self.is_shown(r) {
                    continue;
                }
                Self::record_line(r, &mut line);
                if s.regex.is_match(&line) {
                    polls.push(p);
                }
            }
        }
        self.marks.search = polls;
    }

    pub(super) fn refresh_break_marks(&mut self) {
        self.marks.breaks = (0..self.replay.polls())
            .filter(|&p| !self.break_hits(p).is_empty())
            .collect();
    }
}
