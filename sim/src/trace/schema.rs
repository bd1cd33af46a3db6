//! The trace's schema, in one place: every record kind, its fields and
//! their types, as docs/trace-format.md lists them. The reader validates
//! each record against it (so `check`, `diff`, `export` and the replay never
//! see a record that contradicts the format), a test holds the recorder to
//! it over the fixture corpus, and another holds the document's kind table
//! to exactly these kinds.
//!
//! Ids are counters of the run (tasks, futures, scopes and operations are
//! numbered from 1 in creation order; task 1, the main task, is never
//! spawned), so the validator keeps one number per counter: a creation must
//! name the next id, and any other mention an id made before. That rejects
//! duplicates and absurd ids alike, with constant memory.

use super::read::{Field, Record};

/// What an id counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    Task,
    Future,
    Scope,
    Op,
}

impl Entity {
    fn name(self) -> &'static str {
        match self {
            Entity::Task => "task",
            Entity::Future => "future",
            Entity::Scope => "scope",
            Entity::Op => "operation",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A field's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// A new entity: exactly the next id of its counter.
    New(Entity),
    /// A new entity, one made earlier, or 0 for none: an operation's
    /// future, which older recorders announced with a `future.created` of
    /// its own first (the committed replay fixtures have such traces).
    NewOrMade(Entity),
    /// An entity made earlier, or 0 for none.
    Ref(Entity),
    /// A non-negative integer.
    Count,
    Bool,
    Text,
    /// 16 lowercase hexadecimal digits (a 64-bit digest).
    Hash,
    /// One of these words.
    Word(&'static [&'static str]),
    /// Comma-separated ids of futures made earlier (may be empty).
    FutureList,
    /// A source location, `file:line:col` (line and column from 1), or
    /// empty when there is none.
    Location,
}

impl Type {
    fn describe(self) -> String {
        match self {
            Type::New(e) | Type::NewOrMade(e) | Type::Ref(e) => {
                format!("a {} id", e.name())
            }
            Type::Count => "a non-negative integer".into(),
            Type::Bool => "true or false".into(),
            Type::Text => "a string".into(),
            Type::Hash => "16 lowercase hexadecimal digits".into(),
            Type::Word(words) => format!("one of {}", words.join(", ")),
            Type::FutureList => "comma-separated future ids".into(),
            Type::Location => "a location (file:line:col) or empty".into(),
        }
    }
}

/// When a field must be there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Always,
    /// Exactly when the record's `op_kind` is one of these (`op.started`).
    ForOpKinds(&'static [&'static str]),
}

#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: Type,
    pub need: Need,
}

#[derive(Clone, Copy, Debug)]
pub struct KindSpec {
    pub name: &'static str,
    /// Its short code, the first element of a format-4 line.
    pub code: &'static str,
    /// In the order the recorder writes them (readers accept any order).
    pub fields: &'static [FieldSpec],
}

const fn f(name: &'static str, ty: Type) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        need: Need::Always,
    }
}

const fn only_for(name: &'static str, ty: Type, kinds: &'static [&'static str]) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        need: Need::ForOpKinds(kinds),
    }
}

use Entity::{Future, Op, Scope, Task};
use Type::{Bool, Count, FutureList, Hash, Location, New, NewOrMade, Ref, Text, Word};

/// `var.written` and `var.read` have the same fields.
const VAR_FIELDS: &[FieldSpec] = &[
    f("task", Ref(Task)),
    f("var", Text),
    f("scope", Ref(Scope)),
    f("value", Text),
    f("at", Location),
];

/// Every kind of record, in docs/trace-format.md's order (and in
/// `gene_vm::sink::Kind`'s: a kind's spec is `KINDS[kind.index()]`).
pub static KINDS: &[KindSpec] = &[
    KindSpec {
        name: "poll.begin",
        code: "pb",
        fields: &[],
    },
    KindSpec {
        name: "poll.end",
        code: "pe",
        fields: &[f("delivered", Count), f("hash", Hash)],
    },
    KindSpec {
        name: "op.started",
        code: "os",
        fields: &[
            f("op", New(Op)),
            f("op_kind", Word(&["sleep", "read", "write"])),
            only_for("nanos", Count, &["sleep"]),
            only_for("path", Text, &["read", "write"]),
            only_for("bytes", Count, &["write"]),
            f("blocking", Bool),
            f("future", NewOrMade(Future)),
            f("at", Location),
        ],
    },
    KindSpec {
        name: "op.completed",
        code: "oc",
        fields: &[f("op", Ref(Op)), f("ok", Bool)],
    },
    KindSpec {
        name: "future.created",
        code: "fc",
        fields: &[f("future", New(Future)), f("at", Location)],
    },
    KindSpec {
        name: "future.resolved",
        code: "fr",
        fields: &[
            f("future", Ref(Future)),
            f("ok", Bool),
            f("value", Text),
            f("reactions", Count),
        ],
    },
    KindSpec {
        name: "future.observed",
        code: "fo",
        fields: &[f("future", Ref(Future)), f("by", Word(&["await"]))],
    },
    KindSpec {
        name: "future.unobserved",
        code: "fu",
        fields: &[f("future", Ref(Future))],
    },
    KindSpec {
        name: "future.adopted",
        code: "fa",
        fields: &[f("future", Ref(Future)), f("by", Ref(Future))],
    },
    KindSpec {
        name: "callback.registered",
        code: "cr",
        fields: &[
            f("future", Ref(Future)),
            f("on_success", Bool),
            f("pending", Bool),
            f("at", Location),
        ],
    },
    KindSpec {
        name: "callback.native",
        code: "cn",
        fields: &[f("reacts_to", Ref(Future))],
    },
    KindSpec {
        name: "callback.failed",
        code: "cf",
        fields: &[f("value", Text)],
    },
    KindSpec {
        name: "task.spawned",
        code: "ts",
        fields: &[
            f("task", New(Task)),
            f("parent", Ref(Task)),
            f("task_kind", Word(&["async", "callback"])),
            f("future", Ref(Future)),
            f("reacts_to", Ref(Future)),
            f("name", Text),
            f("def", Location),
            f("at", Location),
        ],
    },
    KindSpec {
        name: "task.awaiting",
        code: "ta",
        fields: &[
            f("task", Ref(Task)),
            f("future", Ref(Future)),
            f("late", Bool),
            f("at", Location),
        ],
    },
    KindSpec {
        name: "task.awaiting_all",
        code: "tl",
        fields: &[f("task", Ref(Task)), f("at", Location)],
    },
    KindSpec {
        name: "task.resumed",
        code: "tr",
        fields: &[f("task", Ref(Task)), f("ok", Bool)],
    },
    KindSpec {
        name: "task.preempted",
        code: "tp",
        fields: &[f("task", Ref(Task))],
    },
    KindSpec {
        name: "task.continued",
        code: "tc",
        fields: &[f("task", Ref(Task))],
    },
    KindSpec {
        name: "task.finished",
        code: "tf",
        fields: &[f("task", Ref(Task)), f("ok", Bool), f("at", Location)],
    },
    KindSpec {
        name: "exception.thrown",
        code: "ex",
        fields: &[
            f("task", Ref(Task)),
            f("value", Text),
            f("handled", Bool),
            f("at", Location),
            f("backtrace", Text),
        ],
    },
    KindSpec {
        name: "scope.created",
        code: "sc",
        fields: &[
            f("scope", New(Scope)),
            f("parent", Ref(Scope)),
            f("at", Location),
        ],
    },
    KindSpec {
        name: "scope.retained",
        code: "sr",
        fields: &[f("scope", Ref(Scope)), f("rc", Count)],
    },
    KindSpec {
        name: "scope.released",
        code: "sl",
        fields: &[f("scope", Ref(Scope)), f("rc", Count)],
    },
    KindSpec {
        name: "scope.freed",
        code: "sf",
        fields: &[f("scope", Ref(Scope))],
    },
    KindSpec {
        name: "scope.underflow",
        code: "su",
        fields: &[f("scope", Ref(Scope))],
    },
    KindSpec {
        name: "output",
        code: "o",
        fields: &[f("text", Text), f("newline", Bool), f("at", Location)],
    },
    KindSpec {
        name: "var.written",
        code: "vw",
        fields: VAR_FIELDS,
    },
    KindSpec {
        name: "var.read",
        code: "vr",
        fields: VAR_FIELDS,
    },
    KindSpec {
        name: "source.added",
        code: "sa",
        fields: &[
            f("source", Text),
            f("site", Location),
            f("bytes", Count),
            f("text", Text),
        ],
    },
    KindSpec {
        name: "assertion",
        code: "as",
        fields: &[
            f("assertion", Word(&["always", "sometimes"])),
            f("held", Bool),
            f("message", Text),
            f("at", Location),
        ],
    },
    KindSpec {
        name: "decision",
        code: "d",
        fields: &[
            f(
                "point",
                Word(&["task", "timer", "fail", "short", "cut", "jitter"]),
            ),
            f("key", Text),
            f("value", Count),
            f("alternatives", Count),
            f("among", Text),
        ],
    },
    KindSpec {
        name: "run.end",
        code: "end",
        fields: &[
            f("ok", Bool),
            f("value", Text),
            f("elapsed", Count),
            f("polls", Count),
            f("operations", Count),
            f("futures", Count),
            f("tasks", Count),
            f("abandoned_tasks", Count),
            f("peak_scopes", Count),
            f("cycle_scopes", Count),
            f("miscounts", Count),
            f("unobserved", FutureList),
        ],
    },
];

/// The spec of one of the VM's kinds.
pub fn of(kind: gene_vm::sink::Kind) -> &'static KindSpec {
    &KINDS[kind.index()]
}

/// The spec of a kind, None for a kind the format does not have.
pub fn kind(name: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.name == name)
}

/// Validates records in order: each against its kind's spec, and the run's
/// counters and poll numbering across records.
#[derive(Clone, Debug)]
pub struct Validator {
    /// The last id made, per entity (task 1, the main task, exists at once).
    made: [u64; 4],
    /// The previous record's seq and poll.
    last: Option<(u64, u64)>,
    ended: bool,
    /// Specs of the kinds seen, by the address of the record's shared kind
    /// text (the reader shares one per kind): most records skip the lookup.
    seen: Vec<(usize, &'static KindSpec)>,
}

impl Default for Validator {
    fn default() -> Self {
        Validator {
            made: [1, 0, 0, 0],
            last: None,
            ended: false,
            seen: Vec::new(),
        }
    }
}

impl Validator {
    /// Checks the next record; an error says what is wrong with it. The
    /// validator is unchanged by a record it rejects.
    pub fn check(&mut self, r: &Record) -> Result<(), String> {
        let (want_seq, polls) = match self.last {
            None => (1, &[0u64][..]),
            Some((seq, poll)) => (seq + 1, &[poll, poll + 1][..]),
        };
        if self.ended {
            return Err("a record after run.end".into());
        }
        if r.seq != want_seq {
            return Err(format!(
                "record seq {} where {want_seq} was expected",
                r.seq
            ));
        }
        if !polls.contains(&r.poll) {
            return Err(match self.last {
                None => format!("the first record is in poll {}, not poll 0", r.poll),
                Some((_, p)) if r.poll < p => format!("poll {} goes back (after poll {p})", r.poll),
                Some((_, p)) => format!(
                    "poll {} follows poll {p} (polls are numbered one after another)",
                    r.poll
                ),
            });
        }
        let at = r.kind.as_ptr() as usize;
        let spec = match self
            .seen
            .iter()
            .find(|(p, s)| *p == at && s.name == &*r.kind)
        {
            Some(&(_, spec)) => spec,
            None => {
                let Some(spec) = kind(&r.kind) else {
                    return Err(format!("unknown record kind \"{}\"", r.kind));
                };
                if self.seen.len() < 64 {
                    self.seen.push((at, spec));
                }
                spec
            }
        };
        // Where each of the spec's fields is among the record's: found in
        // one walk when the record gives them in the spec's order, as every
        // reader and sink does (then none is unknown or given twice, and no
        // field is looked up by name again).
        let mut at_field = [usize::MAX; MAX_FIELDS];
        let in_order = in_spec_order(spec, r, &mut at_field);
        if !in_order {
            if let Some((k, _)) = r.fields.iter().find(|(k, _)| spec.field(k).is_none()) {
                return Err(format!("{} has no field \"{k}\"", spec.name));
            }
            for (i, (k, _)) in r.fields.iter().enumerate() {
                if r.fields[..i].iter().any(|(j, _)| j == k) {
                    return Err(format!("{}: field \"{k}\" appears twice", spec.name));
                }
            }
        }
        // Looked up only for a kind with fields some operations lack.
        let mut op_kind: Option<Option<&str>> = None;
        let mut made = self.made;
        for (j, field) in spec.fields.iter().enumerate() {
            let required = match field.need {
                Need::Always => true,
                Need::ForOpKinds(kinds) => op_kind
                    .get_or_insert_with(|| r.str("op_kind"))
                    .is_some_and(|k| kinds.contains(&k)),
            };
            let given = if in_order {
                r.fields.get(at_field[j]).map(|(_, v)| v)
            } else {
                r.get(field.name)
            };
            let value = match (given, required) {
                (Some(v), true) => v,
                (None, false) => continue,
                (None, true) => {
                    return Err(format!(
                        "{} without its \"{}\" field",
                        spec.name, field.name
                    ));
                }
                (Some(_), false) => {
                    return Err(format!(
                        "{} has a \"{}\" field, which only {} operations have",
                        spec.name,
                        field.name,
                        match field.need {
                            Need::ForOpKinds(k) => k.join(" and "),
                            Need::Always => unreachable!("always required"),
                        }
                    ));
                }
            };
            check_value(spec.name, field, value, &mut made)?;
        }
        self.made = made;
        self.last = Some((r.seq, r.poll));
        self.ended = &*r.kind == "run.end";
        Ok(())
    }

    /// Whether the last record checked is `run.end`.
    pub fn ended(&self) -> bool {
        self.ended
    }
}

/// The most fields a kind has, for [`in_spec_order`]'s table (a test holds
/// the schema to it).
const MAX_FIELDS: usize = 16;

/// Whether `r`'s fields are some of `spec`'s, each once, in the spec's
/// order; if so, `at[j]` is where the spec's j-th field is in the record
/// (`usize::MAX`: not given).
fn in_spec_order(spec: &KindSpec, r: &Record, at: &mut [usize; MAX_FIELDS]) -> bool {
    if spec.fields.len() > MAX_FIELDS {
        return false;
    }
    let mut j = 0;
    for (i, (k, _)) in r.fields.iter().enumerate() {
        while j < spec.fields.len() && spec.fields[j].name != &**k {
            j += 1;
        }
        if j == spec.fields.len() {
            return false;
        }
        at[j] = i;
        j += 1;
    }
    true
}

impl KindSpec {
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
}

fn check_value(
    kind: &str,
    field: &FieldSpec,
    value: &Field,
    made: &mut [u64; 4],
) -> Result<(), String> {
    let wrong = || {
        format!(
            "{kind}: \"{}\" is {value_text}, not {}",
            field.name,
            field.ty.describe(),
            value_text = describe_value(value)
        )
    };
    match field.ty {
        Type::Bool => value.as_bool().map(|_| ()).ok_or_else(wrong),
        Type::Text => value.as_str().map(|_| ()).ok_or_else(wrong),
        Type::Count => value.as_u64().map(|_| ()).ok_or_else(wrong),
        Type::Hash => match value.as_str() {
            Some(h)
                if h.len() == 16 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
            {
                Ok(())
            }
            _ => Err(wrong()),
        },
        Type::Word(words) => match value.as_str() {
            Some(w) if words.contains(&w) => Ok(()),
            _ => Err(wrong()),
        },
        Type::FutureList => {
            let list = value.as_str().ok_or_else(wrong)?;
            for part in list.split(',').filter(|p| !p.is_empty()) {
                let id: u64 = part.parse().map_err(|_| wrong())?;
                refer(kind, field.name, Entity::Future, id, made)?;
            }
            Ok(())
        }
        Type::Location => match value.as_str() {
            Some(s) if s.is_empty() || super::location::parse(s).is_some() => Ok(()),
            _ => Err(wrong()),
        },
        Type::Ref(e) => refer(kind, field.name, e, value.as_u64().ok_or_else(wrong)?, made),
        Type::New(e) | Type::NewOrMade(e) => {
            let id = value.as_u64().ok_or_else(wrong)?;
            if id == 0 && field.ty != Type::New(e) {
                return Ok(());
            }
            if field.ty == Type::NewOrMade(e) && id <= made[e.index()] {
                return Ok(());
            }
            let next = made[e.index()] + 1;
            if id == next {
                made[e.index()] = id;
                Ok(())
            } else if id > 0 && id < next {
                Err(format!("{kind}: {} {id} is made a second time", e.name()))
            } else {
                Err(format!(
                    "{kind}: \"{}\" is {id}, where the next {} id is {next}",
                    field.name,
                    e.name()
                ))
            }
        }
    }
}

/// A mention of an entity: 0 (none) or one made before.
fn refer(kind: &str, field: &str, e: Entity, id: u64, made: &[u64; 4]) -> Result<(), String> {
    if id <= made[e.index()] {
        Ok(())
    } else {
        Err(format!(
            "{kind}: \"{field}\" names {} {id}, which no earlier record made",
            e.name()
        ))
    }
}

fn describe_value(v: &Field) -> String {
    match v {
        Field::Int(i) => format!("the number {i}"),
        Field::Bool(b) => format!("{b}"),
        Field::Text(s) if s.len() <= 40 => format!("\"{s}\""),
        Field::Text(_) => "a long string".into(),
    }
}

#[cfg(test)]
mod tests;
