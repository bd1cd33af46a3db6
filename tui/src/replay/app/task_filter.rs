//! The events pane's filters together: kinds hidden (`f`) and one task
//! (`t` on an event shows only its task's records; `t` again shows all).

use super::*;

impl App {
    /// Whether the events pane (and search) shows record `r`.
    pub fn is_shown(&self, r: &Record) -> bool {
        if self.hidden.contains(&r.kind) {
            return false;
        }
        match self.task_filter {
            None => true,
            Some(t) => is_marker(r) || self.derived().task_of(r) == Some(t),
        }
    }

    pub(super) fn toggle_task_filter(&mut self) {
        if self.task_filter.take().is_some() {
            self.event_sel = 0;
            self.refresh_search_marks();
            self.say("events of every task");
            return;
        }
        let Some(i) = self.selected_event() else {
            return self.complain("no event selected");
        };
        let r = &self.replay.records()[i];
        match self.derived().task_of(r) {
            Some(t) => {
                let label = Derived::task_label(&self.story.naming, t);
                self.task_filter = Some(t);
                self.event_sel = self
                    .shown_events()
                    .iter()
                    .position(|&x| x == i)
                    .unwrap_or(0);
                self.refresh_search_marks();
                self.say(format!("events of task {label} only: t shows all"));
            }
            None => self.complain(format!(
                "#{} {} belongs to no task: select one that does",
                r.seq, r.kind
            )),
        }
    }
}
