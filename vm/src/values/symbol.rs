//! Interned symbols. Each thread has its own interner; ids are assigned in
//! first-use order after the well-known names below, so they are deterministic
//! for a given program, and never printed (names are).

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use rustc_hash::FxHashMap;

/// An interned name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

struct Interner {
    names: Vec<Rc<str>>,
    ids: FxHashMap<Rc<str>, u32>,
}

impl Interner {
    fn new() -> Self {
        let mut i = Interner {
            names: Vec::new(),
            ids: FxHashMap::default(),
        };
        for name in WELL_KNOWN {
            i.intern(name);
        }
        i
    }

    fn intern(&mut self, name: &str) -> Sym {
        if let Some(&id) = self.ids.get(name) {
            return Sym(id);
        }
        let id = self.names.len() as u32;
        let rc: Rc<str> = Rc::from(name);
        self.names.push(rc.clone());
        self.ids.insert(rc, id);
        Sym(id)
    }
}

thread_local! {
    static INTERNER: RefCell<Interner> = RefCell::new(Interner::new());
}

impl Sym {
    pub fn new(name: &str) -> Sym {
        INTERNER.with(|i| i.borrow_mut().intern(name))
    }

    pub fn name(self) -> Rc<str> {
        INTERNER.with(|i| i.borrow().names[self.0 as usize].clone())
    }

    /// Runs `f` on the name without cloning it.
    pub fn with_name<R>(self, f: impl FnOnce(&str) -> R) -> R {
        INTERNER.with(|i| f(&i.borrow().names[self.0 as usize]))
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_name(|n| write!(f, "{n}"))
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_name(|n| f.write_str(n))
    }
}

macro_rules! well_known {
    ($($id:ident = $name:literal),* $(,)?) => {
        const WELL_KNOWN: &[&str] = &[$($name),*];
        /// Symbols the compiler matches on, at fixed ids.
        pub mod sym {
            use super::Sym;
            well_known!(@consts 0u32, $($id),*);
        }
    };
    (@consts $n:expr, $id:ident $(, $rest:ident)*) => {
        pub const $id: Sym = Sym($n);
        well_known!(@consts $n + 1u32 $(, $rest)*);
    };
    (@consts $n:expr) => {};
}

well_known! {
    NIL = "nil", TRUE = "true", FALSE = "false", UNDERSCORE = "_",
    VAR = "var", IF = "if", THEN = "then", ELIF = "elif", ELSE = "else", NOT = "not",
    DO = "do", LOOP = "loop", WHILE = "while", REPEAT = "repeat", FOR = "for", IN = "in",
    BREAK = "break", CONTINUE = "continue", FN = "fn", FNX = "fnx", FNXX = "fnxx",
    ARROW = "->", RETURN = "return", TRY = "try", CATCH = "catch", FINALLY = "finally",
    THROW = "throw", NS = "ns", QUOTE = "quote", VOID = "void", EVAL = "eval",
    ASYNC = "async", AWAIT = "await", RANGE = "range", DOTDOT = "..", SPREAD = "...",
    SELECTOR = "./", SELF = "self", NEW = "new", MACRO = "macro", CLASS = "class",
    ASSIGN = "=", ADD_ASSIGN = "+=", SUB_ASSIGN = "-=", AND = "&&", OR = "||",
    PLUS = "+", MINUS = "-", MUL = "*", DIV = "/", MOD = "%", POW = "**",
    LT = "<", LE = "<=", GT = ">", GE = ">=", EQ = "==", NE = "!=",
    DOLLAR_NS = "$ns", DOLLAR_EX = "$ex", DOLLAR_PARSE = "$parse", DOLLAR_AWAIT_ALL = "$await_all",
    DOLLAR = "$", DOT = ".", GENE = "gene", GENEX = "genex", GLOBAL = "global",
    HASH_STR = "#Str", UNQUOTE = "#Unquote", UNQUOTE_DISCARD = "#UnquoteDiscard",
    MESSAGE = "message", LENGTH = "length",
}
