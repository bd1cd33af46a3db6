//! Names of upstream's forms and built-ins that this VM does not have: each
//! use is a catchable "`X` is not supported" where it is, not a silent gene.

use crate::symbol::sym;
use crate::value::Value;

/// Special forms upstream's compiler knows and this VM does not: a call of
/// one is a catchable error, never a gene built of its arguments.
pub(super) const UNSUPPORTED_FORMS: [&str; 10] = [
    "macro",
    "class",
    "match",
    "enum",
    "import",
    "$with",
    "$tap",
    "$render",
    "$set",
    "$caller_eval",
];

/// Upstream's built-in functions (in its `gene` namespace) that this VM
/// does not have. Called while nothing defines them, they raise an error; a
/// program's own function of that name still wins.
pub(crate) const UNSUPPORTED_BUILTINS: [&str; 8] = [
    "debug",
    "print_stack",
    "print_instructions",
    "trace_start",
    "trace_end",
    "repl",
    "http_get",
    "http_post",
];

/// Whether the compiler's call check reports a read of `gene/NAME` itself
/// (with the call's whole path): then the member read gives nil, not its
/// own error.
pub(crate) fn reported_at_the_call(name: &str) -> bool {
    name == "vm" || UNSUPPORTED_BUILTINS.contains(&name)
}

/// The name a call head gives an unsupported built-in (`x`, `$x`, `gene/x`
/// or anything under `gene/vm/`), and how many path parts name it.
pub(super) fn unsupported_builtin(head: &Value) -> Option<(String, usize)> {
    match head {
        Value::Symbol(s) => s.with_name(|n| {
            let bare = n.strip_prefix('$').unwrap_or(n);
            UNSUPPORTED_BUILTINS
                .contains(&bare)
                .then(|| (n.to_string(), 1))
        }),
        Value::Complex(parts) if parts.len() >= 2 && parts[0] == sym::GENE => {
            let second = parts[1].name();
            let vm = &*second == "vm" && parts.len() > 2;
            (UNSUPPORTED_BUILTINS.contains(&&*second) || vm).then(|| {
                let name = parts.iter().map(|p| p.name().to_string());
                (name.collect::<Vec<_>>().join("/"), 2)
            })
        }
        _ => None,
    }
}
