//! `:`: jumping to a poll, a time or a record.

use super::*;

impl App {
    // ---- jump ----

    pub(super) fn jump(&mut self, input: &str) {
        let input = input.trim();
        if let Some(seq) = input.strip_prefix('#') {
            match seq.trim().parse::<u64>() {
                Ok(seq) if seq >= 1 && (seq as usize) <= self.replay.records().len() => {
                    self.select_record(seq as usize - 1);
                    self.say(format!("record #{seq}, poll {}", self.poll()));
                }
                _ => self.complain(format!("no record {input}")),
            }
            return;
        }
        if let Ok(p) = input.parse::<usize>() {
            if p > self.last_poll() {
                self.complain(format!("no poll {p}: the last is {}", self.last_poll()));
            } else {
                self.goto(p);
            }
            return;
        }
        let t = input.strip_prefix("t=").unwrap_or(input);
        match parse_time(t) {
            Some(t) => {
                let p = self.replay.poll_at_time(t);
                self.goto(p);
                self.say(format!(
                    "time {} → poll {p} (t={})",
                    crate::replay::ui::format_nanos(t),
                    crate::replay::ui::format_nanos(self.replay.poll_time(p))
                ));
            }
            None => self.complain(format!(
                "cannot jump to \"{input}\": give a poll (120), a time (150ms, 1.5s, t=2us) or a record (#42)"
            )),
        }
    }
}
