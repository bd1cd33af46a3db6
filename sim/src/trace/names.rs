//! What tasks and futures are called (docs/trace-format.md, "Names"), in
//! one place for every tool: the replay's tables, `export`'s tracks, and
//! the messages of `check`, `diff` and `explore`.
//!
//! - A task is named by its `task.spawned` record's `name` (the function of
//!   a `^^async` call, `async@race.gene:12` for an `async` block); the main
//!   task is `main`.
//! - A future is named by its origin: an operation's by what it does and
//!   where (`sleep 10ms @race.gene:7`, `read data.txt @race.gene:3`), an
//!   async task's result future by its task's name, any other
//!   (`new gene/Future`, a callback's failure) `future @race.gene:7`.
//!
//! Feed every record in order to `Naming::note`; ids never seen are named
//! by number (`task 7`, `future 12`).

use std::sync::Arc;

use super::location;
use super::read::{Field, Record};

/// A record's texts are shared (`Arc`): what a name is made of is kept as
/// those, and the name is written out only when asked for, so that noting
/// a million records formats nothing.
type Text = Option<Arc<String>>;

fn text(r: &Record, key: &str) -> Text {
    match r.get(key) {
        Some(Field::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

fn str_of(t: &Text) -> &str {
    t.as_deref().map_or("", String::as_str)
}

#[derive(Clone, Debug, Default)]
struct TaskEntry {
    name: Text,
    def: Text,
    /// Where its last uncaught throw happened.
    thrown_at: Text,
}

/// Where a future comes from.
#[derive(Clone, Debug, Default)]
enum Origin {
    #[default]
    Unknown,
    /// An operation: `op_kind`, `nanos`, `path`, `at` of its `op.started`.
    Op {
        kind: Text,
        nanos: Option<u64>,
        path: Text,
        at: Text,
    },
    /// Made by code (`future.created`).
    Code { at: Text },
}

/// Names of a run's tasks and futures, built from its records.
#[derive(Clone, Debug, Default)]
pub struct Naming {
    /// By id (index 0 unused).
    tasks: Vec<TaskEntry>,
    futures: Vec<Origin>,
    /// The task whose result each future is (0 for none).
    future_task: Vec<u64>,
}

fn put<T: Default + Clone>(v: &mut Vec<T>, id: u64, x: T) {
    // Ids grow by one per record (the schema), so this never jumps far.
    let i = id as usize;
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    v[i] = x;
}

/// `10ms`, `1.5s`, `250us`, `7ns`: a duration in its largest exact unit.
pub fn duration(nanos: u64) -> String {
    let mut s = String::new();
    push_duration(&mut s, nanos);
    s
}

/// Appends `duration(nanos)` to `s` (names are made by the hundred
/// thousand: one string each).
fn push_duration(s: &mut String, nanos: u64) {
    use std::fmt::Write;
    for (unit, size) in [("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)] {
        if nanos >= size && nanos.is_multiple_of(size) {
            let _ = write!(s, "{}{unit}", nanos / size);
            return;
        }
    }
    if nanos >= 1_000_000 {
        let _ = write!(s, "{}ms", nanos as f64 / 1e6);
        return;
    }
    let _ = write!(s, "{nanos}ns");
}

/// `name (kind id)`, or the name alone when it is already `kind id`.
fn numbered(name: String, kind: &str, id: u64) -> String {
    if name.strip_prefix(kind).and_then(|n| n.strip_prefix(' ')) == Some(&id.to_string()) {
        return name;
    }
    format!("{name} ({kind} {id})")
}

fn origin(at: Option<&str>) -> String {
    match at.and_then(location::parse) {
        Some(l) => format!(" @{}", l.short()),
        None => String::new(),
    }
}

/// `sleep 10ms @race.gene:7`: what an `op.started` record's operation
/// does and where (the name of the future it completes; blocking ones too).
pub fn operation(r: &Record) -> String {
    operation_name(r.str("op_kind"), r.u64("nanos"), r.str("path"), r.str("at"))
}

fn operation_name(
    kind: Option<&str>,
    nanos: Option<u64>,
    path: Option<&str>,
    at: Option<&str>,
) -> String {
    let mut s = String::with_capacity(48);
    match (kind, nanos, path) {
        (Some("sleep"), Some(n), _) => {
            s.push_str("sleep ");
            push_duration(&mut s, n);
        }
        (Some(kind), _, Some(path)) => {
            s.push_str(kind);
            s.push(' ');
            s.push_str(path);
        }
        (kind, _, _) => s.push_str(kind.unwrap_or("operation")),
    }
    // `origin(at)`, written in place.
    if let Some(l) = at.and_then(location::parse) {
        use std::fmt::Write;
        let _ = write!(s, " @{}:{}", l.file, l.line);
    }
    s
}

impl Naming {
    pub fn new() -> Naming {
        Naming::default()
    }

    /// The names of a whole run's records.
    pub fn of(records: &[Record]) -> Naming {
        let mut n = Naming::new();
        for r in records {
            n.note(r);
        }
        n
    }

    /// The kinds of record `note` looks at, each with the fields it reads;
    /// it ignores the rest.
    pub const NOTED: &'static [(&'static str, &'static [&'static str])] = &[
        ("task.spawned", &["task", "future", "name", "def"]),
        ("op.started", &["op_kind", "nanos", "path", "future", "at"]),
        ("future.created", &["future", "at"]),
        ("exception.thrown", &["task", "handled", "at"]),
    ];

    /// Takes in one record.
    pub fn note(&mut self, r: &Record) {
        match &*r.kind {
            "task.spawned" => {
                let (Some(id), Some(name)) = (r.u64("task"), r.str("name")) else {
                    return;
                };
                let entry = TaskEntry {
                    name: (!name.is_empty()).then(|| text(r, "name")).flatten(),
                    def: text(r, "def"),
                    thrown_at: None,
                };
                put(&mut self.tasks, id, entry);
                if let Some(f) = r.u64("future").filter(|&f| f > 0) {
                    put(&mut self.future_task, f, id);
                }
            }
            "op.started" => {
                let Some(f) = r.u64("future").filter(|&f| f > 0) else {
                    return;
                };
                let origin = Origin::Op {
                    kind: text(r, "op_kind"),
                    nanos: r.u64("nanos"),
                    path: text(r, "path"),
                    at: text(r, "at"),
                };
                put(&mut self.futures, f, origin);
            }
            "future.created" => {
                if let Some(f) = r.u64("future") {
                    put(&mut self.futures, f, Origin::Code { at: text(r, "at") });
                }
            }
            "exception.thrown" if r.bool("handled") == Some(false) => {
                if let Some(t) = r.u64("task")
                    && let Some(e) = self.tasks.get_mut(t as usize)
                {
                    e.thrown_at = text(r, "at");
                }
            }
            _ => {}
        }
    }

    /// A task's name.
    pub fn task(&self, id: u64) -> String {
        if id == 1 {
            return "main".into();
        }
        match self.tasks.get(id as usize).map(|e| str_of(&e.name)) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => format!("task {id}"),
        }
    }

    /// The task a future is the result of, if any.
    pub fn task_of(&self, future: u64) -> Option<u64> {
        self.future_task
            .get(future as usize)
            .copied()
            .filter(|&t| t > 0)
    }

    /// A future's name.
    pub fn future(&self, id: u64) -> String {
        if let Some(t) = self.task_of(id) {
            return self.task(t);
        }
        fn opt(t: &Text) -> Option<&str> {
            t.as_deref().map(String::as_str)
        }
        match self.futures.get(id as usize) {
            Some(Origin::Op {
                kind,
                nanos,
                path,
                at,
            }) => operation_name(opt(kind), *nanos, opt(path), opt(at)),
            Some(Origin::Code { at }) => format!("future{}", origin(opt(at))),
            _ => format!("future {id}"),
        }
    }

    /// `withdraw (task 3)`: a task's name and its number, for messages
    /// that someone may follow into the trace.
    /// (just `task 7` for a task never seen).
    pub fn task_ref(&self, id: u64) -> String {
        numbered(self.task(id), "task", id)
    }

    /// `sleep 10ms @race.gene:7 (future 4)`: a future's name and number.
    /// (just `future 12` for one never seen).
    pub fn future_ref(&self, id: u64) -> String {
        numbered(self.future(id), "future", id)
    }

    /// `withdraw (race.gene:6) at race.gene:14 (future 3)`: `failure`
    /// with the future's number.
    pub fn failure_ref(&self, future: u64) -> String {
        numbered(self.failure(future), "future", future)
    }

    /// `withdraw (race.gene:6) at race.gene:14`: a failed future, where
    /// the code it ran is defined and where it threw, as far as known.
    pub fn failure(&self, future: u64) -> String {
        let mut s = self.future(future);
        if let Some(e) = self
            .task_of(future)
            .and_then(|t| self.tasks.get(t as usize))
        {
            // `async@race.gene:9` says where it is written already.
            let (def, thrown_at) = (str_of(&e.def), str_of(&e.thrown_at));
            let short = location::short(def);
            if !def.is_empty() && !s.ends_with(&format!("@{short}")) {
                s.push_str(&format!(" ({short})"));
            }
            if !thrown_at.is_empty() {
                s.push_str(&format!(" at {}", location::short(thrown_at)));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn references_carry_the_number_once() {
        let mut n = super::Naming::new();
        let spawned = crate::trace::read::read(
            concat!(
                r#"{"format":"gene-trace","version":3}"#, "\n",
                r#"{"kind":"future.created","future":1,"at":"a.gene:3:1"}"#, "\n",
                r#"{"kind":"task.spawned","task":2,"parent":1,"task_kind":"async","future":1,"reacts_to":0,"name":"deposit","def":"a.gene:2:1","at":"a.gene:3:1"}"#, "\n",
            )
            .as_bytes(),
        )
        .expect("a trace");
        for r in &spawned.records {
            n.note(r);
        }
        assert_eq!(n.task_ref(2), "deposit (task 2)");
        assert_eq!(n.task_ref(1), "main (task 1)");
        assert_eq!(n.task_ref(9), "task 9");
        assert_eq!(n.future_ref(1), "deposit (future 1)");
        assert_eq!(n.future_ref(5), "future 5");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(10_000_000), "10ms");
        assert_eq!(duration(2_000_000_000), "2s");
        assert_eq!(duration(1_500_000_000), "1500ms");
        assert_eq!(duration(250_000), "250us");
        assert_eq!(duration(7), "7ns");
        assert_eq!(duration(1_234_567), "1.234567ms");
        assert_eq!(duration(0), "0ns");
    }
}
