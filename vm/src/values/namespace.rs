//! Namespaces: named member tables. Function definitions, `ns` and `$ns/x`
//! store here; symbols that are not lexical variables resolve here.

use std::cell::RefCell;
use std::rc::Rc;

use crate::symbol::Sym;
use crate::value::{PropMap, Value};

#[derive(Debug)]
pub struct Namespace {
    pub name: Rc<str>,
    pub members: RefCell<PropMap>,
    /// For the VM's own namespaces (`gene`, `genex`, `gene/io`, ...): their
    /// path. Reading a member they lack is a "not supported" error, not nil.
    pub builtin: Option<&'static str>,
}

impl Namespace {
    pub fn new(name: &str) -> Rc<Namespace> {
        Rc::new(Namespace {
            name: Rc::from(name),
            members: RefCell::new(PropMap::default()),
            builtin: None,
        })
    }

    /// One of the VM's own namespaces, named `name`, at `path`.
    pub fn builtin(name: &str, path: &'static str) -> Rc<Namespace> {
        Rc::new(Namespace {
            name: Rc::from(name),
            members: RefCell::new(PropMap::default()),
            builtin: Some(path),
        })
    }

    pub fn get(&self, key: Sym) -> Option<Value> {
        self.members.borrow().get(&key).cloned()
    }

    pub fn set(&self, key: Sym, v: Value) {
        self.members.borrow_mut().insert(key, v);
    }
}
