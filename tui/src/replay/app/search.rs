//! Searching the events: text or regex, forward and back, wrapping.

use std::fmt::Write as _;

use super::*;

impl App {
    // ---- search ----

    /// The record as one line of text: what search matches and the events
    /// pane shows.
    pub fn record_line(r: &Record, out: &mut String) {
        out.clear();
        out.push_str(&r.kind);
        for (k, v) in &r.fields {
            let _ = write!(out, " {k}={v}");
        }
    }

    /// The next (or previous) matching record after (before) the selected
    /// event, wrapping around.
    pub(super) fn search_step(&mut self, forward: bool, inclusive: bool) {
        let Some(search) = self.search.clone() else {
            self.complain("no search: press / first");
            return;
        };
        let records = self.replay.records();
        let n = records.len();
        if n == 0 {
            return;
        }
        let here = self
            .selected_event()
            .unwrap_or_else(|| self.replay.poll_start(self.poll()).min(n - 1));
        let mut line = String::new();
        let mut wrapped = false;
        let mut found = None;
        for k in 0..n {
            let off = if inclusive { k } else { k + 1 };
            let i = if forward {
                let i = here + off;
                if i >= n {
                    wrapped = true;
                }
                i % n
            } else {
                if off > here {
                    wrapped = true;
                }
                (here + n - off % n) % n
            };
            let r = &records[i];
            if !self.is_shown(r) {
                continue;
            }
            Self::record_line(r, &mut line);
            if search.regex.is_match(&line) {
                found = Some(i);
                break;
            }
        }
        match found {
            Some(i) => {
                self.select_record(i);
                let msg = format!(
                    "/{}/ ({}): #{} in poll {}",
                    search.text,
                    search_mode_name(search.regex_mode),
                    records_seq(&self.replay, i),
                    self.poll()
                );
                if wrapped {
                    self.say(format!("{msg} (wrapped around)"));
                } else {
                    self.say(msg);
                }
            }
            None => self.complain(format!(
                "/{}/ ({}): no match",
                search.text,
                search_mode_name(search.regex_mode)
            )),
        }
    }

    /// Moves to record `i`'s poll and selects it in the events pane.
    pub fn select_record(&mut self, i: usize) {
        let p = self.replay.poll_of_record(i);
        self.goto(p);
        let shown = self.shown_events();
        if let Some(k) = shown.iter().position(|&x| x == i) {
            self.event_sel = k;
        }
        self.focus = Pane::Events;
    }

    pub(super) fn set_search(&mut self, input: &str) {
        if input.is_empty() {
            self.search = None;
            self.refresh_search_marks();
            self.say("search cleared");
            return;
        }
        let pattern = if self.regex_mode {
            input.to_string()
        } else {
            format!("(?i){}", regex::escape(input))
        };
        match Regex::new(&pattern) {
            Ok(regex) => {
                self.search = Some(Search {
                    text: input.to_string(),
                    regex,
                    regex_mode: self.regex_mode,
                });
                self.refresh_search_marks();
                self.search_step(true, true);
            }
            Err(e) => self.complain(format!(
                "bad regex: {}",
                e.to_string().lines().last().unwrap_or("")
            )),
        }
    }

    /// Whether record `r` matches the current search.
    pub fn matches_search(&self, r: &Record) -> bool {
        let Some(s) = &self.search else { return false };
        let mut line = String::new();
        Self::record_line(r, &mut line);
        s.regex.is_match(&line)
    }
}
