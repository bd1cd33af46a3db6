//! Runtime values. A `Value` is two words: a tag and an immediate or a
//! reference-counted pointer. Heap objects that programs can mutate sit in a
//! `RefCell`; the VM is single-threaded by design.

use std::cell::RefCell;
use std::rc::Rc;

use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;

use crate::symbol::Sym;

/// Property and map storage: insertion-ordered so that printing is stable.
pub type PropMap = IndexMap<Sym, Value, FxBuildHasher>;

/// A position in source text, 1-based.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Default)]
pub enum Value {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Immutable text; boxed twice so that `Value` stays two words.
    Str(Rc<Box<str>>),
    Symbol(Sym),
    /// `a/b/c`: the parts, in order. An empty part (leading `/`) is the empty symbol.
    Complex(Rc<Vec<Sym>>),
    Array(Rc<Node<Vec<Value>>>),
    Map(Rc<Node<PropMap>>),
    Gene(Rc<Node<Gene>>),
    Range(Rc<Range>),
    Function(Rc<crate::function::Closure>),
    Native(Rc<crate::native::Native>),
    Namespace(Rc<crate::namespace::Namespace>),
    Exception(Rc<Exception>),
    Future(Rc<crate::future::Future>),
    /// A built-in class: only `gene/Future` so far, for `(new gene/Future)`.
    Class(Rc<Class>),
}

/// A mutable heap payload that holds values: a `RefCell` (it derefs to
/// one) whose drop hands the children it owns alone to the iterative
/// reclaimer (`reclaim.rs`), so dropping a deeply nested value does not
/// recurse.
pub struct Node<T: Holds>(RefCell<T>);

/// What a [`Node`] holds: gives up its values when the node drops.
pub trait Holds {
    fn release(&mut self);
    /// For `Debug`: the quoted form, each nested value printed iteratively.
    fn show(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result;
}

/// `open`, the values in quoted form separated by spaces (each after its
/// key when there is one), `close`.
fn show_values<'a>(
    f: &mut std::fmt::Formatter<'_>,
    open: &str,
    items: impl Iterator<Item = (Option<Sym>, &'a Value)>,
    close: &str,
) -> std::fmt::Result {
    f.write_str(open)?;
    for (i, (k, v)) in items.enumerate() {
        if i > 0 {
            f.write_str(" ")?;
        }
        if let Some(k) = k {
            write!(f, "^{} ", k.name())?;
        }
        f.write_str(&crate::display::quoted(v))?;
    }
    f.write_str(close)
}

impl<T: Holds> Node<T> {
    pub fn new(t: T) -> Node<T> {
        Node(RefCell::new(t))
    }
}

impl<T: Holds> std::ops::Deref for Node<T> {
    type Target = RefCell<T>;
    #[inline(always)]
    fn deref(&self) -> &RefCell<T> {
        &self.0
    }
}

/// Shows the quoted form (`display.rs`, which prints any depth without
/// recursing), not the derived nested `Debug`, which would recurse.
impl<T: Holds> std::fmt::Debug for Node<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.try_borrow() {
            Ok(t) => t.show(f),
            Err(_) => f.write_str("<borrowed>"),
        }
    }
}

impl<T: Holds> Drop for Node<T> {
    fn drop(&mut self) {
        self.0.get_mut().release();
    }
}

impl Holds for Vec<Value> {
    #[inline]
    fn release(&mut self) {
        crate::reclaim::release(self.iter_mut());
    }
    fn show(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        show_values(f, "[", self.iter().map(|v| (None, v)), "]")
    }
}

impl Holds for PropMap {
    #[inline]
    fn release(&mut self) {
        crate::reclaim::release(self.values_mut());
    }
    fn show(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        show_values(f, "{", self.iter().map(|(k, v)| (Some(*k), v)), "}")
    }
}

impl Holds for Gene {
    #[inline]
    fn release(&mut self) {
        let all = std::iter::once(&mut self.head)
            .chain(self.props.values_mut())
            .chain(self.children.iter_mut());
        crate::reclaim::release(all);
    }
    fn show(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let props = self.props.iter().map(|(k, v)| (Some(*k), v));
        let children = self.children.iter().map(|v| (None, v));
        let all = std::iter::once((None, &self.head))
            .chain(props)
            .chain(children);
        show_values(f, "(", all, ")")
    }
}

#[derive(Debug)]
pub struct Class {
    pub name: &'static str,
}

/// A gene `(head ^k v child...)`.
#[derive(Clone, Debug, Default)]
pub struct Gene {
    pub head: Value,
    pub props: PropMap,
    pub children: Vec<Value>,
    /// Where the reader found it; zero for genes built at run time.
    pub span: Span,
}

impl Clone for Value {
    /// Immediates are copied inline; the VM's hot loop depends on it.
    #[inline(always)]
    fn clone(&self) -> Self {
        match self {
            Value::Nil => Value::Nil,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Symbol(s) => Value::Symbol(*s),
            other => other.clone_heap(),
        }
    }
}

impl Value {
    #[inline(never)]
    fn clone_heap(&self) -> Value {
        match self {
            Value::Str(s) => Value::Str(s.clone()),
            Value::Complex(p) => Value::Complex(p.clone()),
            Value::Array(a) => Value::Array(a.clone()),
            Value::Map(m) => Value::Map(m.clone()),
            Value::Gene(g) => Value::Gene(g.clone()),
            Value::Range(r) => Value::Range(r.clone()),
            Value::Function(f) => Value::Function(f.clone()),
            Value::Native(n) => Value::Native(n.clone()),
            Value::Namespace(n) => Value::Namespace(n.clone()),
            Value::Exception(e) => Value::Exception(e.clone()),
            Value::Future(f) => Value::Future(f.clone()),
            Value::Class(c) => Value::Class(c.clone()),
            Value::Nil => Value::Nil,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Symbol(s) => Value::Symbol(*s),
        }
    }

    /// Overwrites a slot, skipping the out-of-line drop for immediates.
    #[inline(always)]
    pub fn put(slot: &mut Value, v: Value) {
        std::mem::replace(slot, v).discard();
    }

    /// Drops a value, skipping the out-of-line drop for immediates.
    #[inline(always)]
    pub fn discard(self) {
        if matches!(
            self,
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Symbol(_)
        ) {
            std::mem::forget(self);
        } else {
            drop(self);
        }
    }
}

/// `(a .. b)` or `(range a b step)`: integers, end inclusive when iterated.
#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    pub start: i64,
    pub end: i64,
    pub step: i64,
}

/// An error raised by the VM or a built-in, as a Gene value. It prints as its
/// message; `.message` gives the message.
pub struct Exception {
    pub message: Rc<str>,
    /// What was thrown when this wraps a user value (failure callbacks), else nil.
    pub value: Value,
}

/// The message and the wrapped value's quoted form, which print without
/// recursing (a derived `Debug` would recurse through nested exceptions).
impl std::fmt::Debug for Exception {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Exception({:?}, {})",
            &*self.message,
            crate::display::quoted(&self.value)
        )
    }
}

impl Drop for Exception {
    fn drop(&mut self) {
        crate::reclaim::release(std::iter::once(&mut self.value));
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::new(Box::from(s)))
    }

    pub fn string(s: String) -> Value {
        Value::Str(Rc::new(s.into_boxed_str()))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(Node::new(items)))
    }

    pub fn map(m: PropMap) -> Value {
        Value::Map(Rc::new(Node::new(m)))
    }

    pub fn gene(g: Gene) -> Value {
        Value::Gene(Rc::new(Node::new(g)))
    }

    pub fn exception(message: &str) -> Value {
        Value::Exception(Rc::new(Exception {
            message: Rc::from(message),
            value: Value::Nil,
        }))
    }

    #[inline]
    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    #[inline]
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The kind name upstream prints for values without a literal form.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "VkNil",
            Value::Bool(_) => "VkBool",
            Value::Int(_) => "VkInt",
            Value::Float(_) => "VkFloat",
            Value::Str(_) => "VkString",
            Value::Symbol(_) => "VkSymbol",
            Value::Complex(_) => "VkComplexSymbol",
            Value::Array(_) => "VkArray",
            Value::Map(_) => "VkMap",
            Value::Gene(_) => "VkGene",
            Value::Range(_) => "VkRange",
            Value::Function(f) => {
                if f.proto.is_block {
                    "VkBlock"
                } else {
                    "VkFunction"
                }
            }
            Value::Native(_) => "VkNativeFn",
            Value::Namespace(_) => "VkNamespace",
            Value::Exception(_) => "VkException",
            Value::Future(_) => "VkFuture",
            Value::Class(_) => "VkClass",
        }
    }
}
