//! Format 4's record lines (docs/trace-format.md): a JSON array, the kind's
//! code and then its fields by position in the schema's order (`op.started`
//! skips the fields its operation kind does not have), booleans as 1 and 0,
//! locations in the program's own file without the file (`7:3`), and the
//! trailing fields that hold their type's default (0, false, empty) left
//! out. Read back into the same records as format 3's objects, with every
//! field named and every location whole.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;

use super::read::{Field, Names};
use super::schema::{self, KindSpec, Need, Type};

/// One element of a line.
enum Raw<'a> {
    Int(i64),
    Bool(bool),
    Str(Cow<'a, str>),
}

/// A kind's shared name and field names.
type KindNames = (Arc<str>, Vec<Arc<str>>);

/// What a format-4 reader keeps from line to line.
#[derive(Default)]
pub struct Lines {
    /// `program:`, put back before a location that left it out.
    prefix: String,
    /// Reused for a location being made whole.
    location: String,
    /// The shared kind name and field names, by kind index.
    keys: Vec<Option<KindNames>>,
}

/// The spec of a code.
fn by_code(code: &str) -> Option<(usize, &'static KindSpec)> {
    static CODES: OnceLock<FxHashMap<&'static str, usize>> = OnceLock::new();
    let codes = CODES.get_or_init(|| {
        schema::KINDS
            .iter()
            .enumerate()
            .map(|(i, k)| (k.code, i))
            .collect()
    });
    codes.get(code).map(|&i| (i, &schema::KINDS[i]))
}

impl Lines {
    /// Lines of a trace of the program named `program`.
    pub fn new(program: &str) -> Lines {
        Lines {
            prefix: format!("{program}:"),
            ..Lines::default()
        }
    }

    /// The record kind of `line`, its fields gathered in `fields`.
    pub fn parse(
        &mut self,
        line: &str,
        names: &mut Names,
        fields: &mut Vec<(Arc<str>, Field)>,
    ) -> Result<Arc<str>, String> {
        fields.clear();
        let mut fast = Fast(line.as_bytes(), line);
        if let Some(kind) = self.place(fast.code(), &mut fast, names, fields)? {
            return Ok(kind);
        }
        // Escapes, spacing, or damage: the JSON parser words the errors.
        fields.clear();
        let value = super::read::json_record(line)?;
        let serde_json::Value::Array(items) = value else {
            return Err("a record must be a JSON array (format 4)".into());
        };
        let mut items = items.into_iter();
        let code = match items.next() {
            Some(serde_json::Value::String(c)) => c,
            _ => return Err("a record must start with its kind's code".into()),
        };
        let mut rest = Parsed(items);
        match self.place(Some(&code), &mut rest, names, fields)? {
            Some(kind) => Ok(kind),
            None => Err("corrupt record".into()),
        }
    }

    /// The record of `code` from the elements `source` gives; None when
    /// the fast reading gave up (`source` could not read an element).
    fn place<'a>(
        &mut self,
        code: Option<&str>,
        source: &mut impl Source<'a>,
        names: &mut Names,
        fields: &mut Vec<(Arc<str>, Field)>,
    ) -> Result<Option<Arc<str>>, String> {
        let Some(code) = code else { return Ok(None) };
        let Some((index, spec)) = by_code(code) else {
            return Err(format!("unknown record code \"{code}\""));
        };
        if self.keys.len() <= index {
            self.keys.resize(index + 1, None);
        }
        let (kind, keys) = self.keys[index].get_or_insert_with(|| {
            let keys = if spec.name == "poll.begin" {
                vec![names.get("poll"), names.get("t")]
            } else {
                spec.fields.iter().map(|f| names.get(f.name)).collect()
            };
            (names.get(spec.name), keys)
        });
        let kind = kind.clone();
        if spec.name == "poll.begin" {
            // Its position, not fields (see `read::Position`): both given.
            for key in keys.iter() {
                match source.next() {
                    Err(()) => return Ok(None),
                    Ok(Some(raw)) => fields.push((key.clone(), plain(names, key, raw))),
                    Ok(None) => {}
                }
            }
        } else {
            let mut op_kind: Option<String> = None;
            for (f, key) in spec.fields.iter().zip(keys.iter()) {
                if let Need::ForOpKinds(kinds) = f.need
                    && !op_kind.as_deref().is_some_and(|k| kinds.contains(&k))
                {
                    continue;
                }
                let value = match source.next() {
                    Err(()) => return Ok(None),
                    Ok(Some(raw)) => typed(&mut self.location, &self.prefix, names, key, f.ty, raw),
                    Ok(None) => match default(names, f.ty) {
                        Some(v) => v,
                        // Missing: the schema says so.
                        None => break,
                    },
                };
                if f.name == "op_kind" {
                    op_kind = value.as_str().map(str::to_string);
                }
                fields.push((key.clone(), value));
            }
        }
        match source.next() {
            Err(()) => Ok(None),
            Ok(None) => match source.end() {
                Ok(()) => Ok(Some(kind)),
                Err(()) => Ok(None),
            },
            Ok(Some(_)) => Err(format!("{} has more fields than its kind has", spec.name)),
        }
    }
}

/// An element as a field of type `ty`: 1 and 0 as booleans, a location
/// made whole (in `location`, after `prefix`). Anything else is kept as it
/// is, for the schema to judge.
fn typed(
    location: &mut String,
    prefix: &str,
    names: &mut Names,
    key: &str,
    ty: Type,
    raw: Raw<'_>,
) -> Field {
    match (ty, raw) {
        (Type::Bool, Raw::Int(0)) => Field::Bool(false),
        (Type::Bool, Raw::Int(1)) => Field::Bool(true),
        (Type::Location, Raw::Str(s)) if s.bytes().filter(|&b| b == b':').count() == 1 => {
            location.clear();
            location.push_str(prefix);
            location.push_str(&s);
            Field::Text(names.field_text(key, location))
        }
        (_, raw) => plain(names, key, raw),
    }
}

fn plain(names: &mut Names, key: &str, raw: Raw<'_>) -> Field {
    match raw {
        Raw::Int(i) => Field::Int(i),
        Raw::Bool(b) => Field::Bool(b),
        Raw::Str(s) => Field::Text(names.field_text(key, &s)),
    }
}

/// The value a left-out trailing field has; None for a field that cannot
/// be left out.
fn default(names: &mut Names, ty: Type) -> Option<Field> {
    match ty {
        Type::Count | Type::Ref(_) | Type::NewOrMade(_) => Some(Field::Int(0)),
        Type::Bool => Some(Field::Bool(false)),
        Type::Text | Type::Location | Type::FutureList => Some(Field::Text(names.text(""))),
        Type::New(_) | Type::Hash | Type::Word(_) => None,
    }
}

/// The elements after the code: `Ok(None)` at the array's end, `Err` when
/// the element cannot be read this way.
trait Source<'a> {
    fn next(&mut self) -> Result<Option<Raw<'a>>, ()>;
    /// After the last element: nothing may follow.
    fn end(&mut self) -> Result<(), ()>;
}

/// A line in the exact shape the recorder writes: `["code"`, then
/// `,element` with plain strings and integers, then `]`.
struct Fast<'a>(&'a [u8], &'a str);

impl<'a> Fast<'a> {
    fn code(&mut self) -> Option<&'a str> {
        self.0 = self.0.strip_prefix(b"[")?;
        self.plain_str()
    }

    fn plain_str(&mut self) -> Option<&'a str> {
        let rest = self.0.strip_prefix(b"\"")?;
        let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
        if rest[end] == b'\\' {
            return None;
        }
        let start = self.1.len() - rest.len();
        let s = self.1.get(start..start + end)?;
        self.0 = &rest[end + 1..];
        Some(s)
    }

    fn int(&mut self) -> Option<i64> {
        let (neg, digits) = match self.0.strip_prefix(b"-") {
            Some(d) => (true, d),
            None => (false, self.0),
        };
        let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 18 {
            return None;
        }
        let v = digits[..n]
            .iter()
            .fold(0i64, |v, d| v * 10 + i64::from(d - b'0'));
        self.0 = &digits[n..];
        Some(if neg { -v } else { v })
    }
}

impl<'a> Source<'a> for Fast<'a> {
    fn next(&mut self) -> Result<Option<Raw<'a>>, ()> {
        if self.0.first() == Some(&b']') {
            return Ok(None);
        }
        self.0 = self.0.strip_prefix(b",").ok_or(())?;
        match self.0.first() {
            Some(b'"') => self
                .plain_str()
                .map(|s| Some(Raw::Str(Cow::Borrowed(s))))
                .ok_or(()),
            _ => self.int().map(|i| Some(Raw::Int(i))).ok_or(()),
        }
    }

    fn end(&mut self) -> Result<(), ()> {
        if self.0 == b"]" { Ok(()) } else { Err(()) }
    }
}

/// The elements of a parsed JSON array.
struct Parsed(std::vec::IntoIter<serde_json::Value>);

impl Source<'static> for Parsed {
    fn next(&mut self) -> Result<Option<Raw<'static>>, ()> {
        Ok(self.0.next().map(|v| match v {
            serde_json::Value::Number(n) => n
                .as_i64()
                .map_or_else(|| Raw::Str(Cow::Owned(format!("the number {n}"))), Raw::Int),
            serde_json::Value::Bool(b) => Raw::Bool(b),
            serde_json::Value::String(s) => Raw::Str(Cow::Owned(s)),
            other => Raw::Str(Cow::Owned(other.to_string())),
        }))
    }

    fn end(&mut self) -> Result<(), ()> {
        Ok(())
    }
}
