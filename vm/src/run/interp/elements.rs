//! Element access: the fast paths for array elements and map members
//! (`a/0`, `a/0 = v`, `m/x = v`), which the fused instructions
//! (`RegGetChild`, `SetChildPop`, `SetMemberPop`) take; everything else
//! goes through `members` as before, which also words the errors.

use crate::members;
use crate::statehash::{self, Site, StateHash};
use crate::symbol::Sym;
use crate::value::Value;
use crate::vm::Vm;

impl Vm {
    /// Sets member `name` of `target` (a map key, gene property or
    /// namespace member) to `v`.
    #[inline]
    pub(super) fn set_member_value(
        &mut self,
        target: &Value,
        name: Sym,
        v: Value,
    ) -> Result<(), Value> {
        if let Value::Namespace(ns) = target {
            self.ns_set(ns, name, v);
            return Ok(());
        }
        let max = self.config.max_elements;
        if let Value::Map(m) = target
            && let Ok(mut m) = m.try_borrow_mut()
            && let Some(slot) = m.get_mut(&name)
        {
            // An existing key: replaced in place, one lookup.
            if self.state.on {
                let logged = v.clone();
                Value::put(slot, v);
                drop(m);
                self.state
                    .write(Site::Member, statehash::name(name), &logged);
            } else {
                Value::put(slot, v);
            }
            return Ok(());
        }
        if self.state.on {
            members::set_member(target, name, v.clone(), max)?;
            self.state.write(Site::Member, statehash::name(name), &v);
        } else {
            members::set_member(target, name, v, max)?;
        }
        Ok(())
    }

    /// Sets child `i` of `target` (an array element or gene child) to `v`.
    #[inline]
    pub(super) fn set_child_value(
        &mut self,
        target: &Value,
        i: i32,
        v: Value,
    ) -> Result<(), Value> {
        set_child(&mut self.state, target, i, v)
    }
}

/// Sets child `i` of `target` to `v`, hashing the write into `state` when
/// it is on. A free function, so that `target` can be borrowed from the
/// operand stack while the state is written (`SetRegChildPop`).
#[inline]
pub(super) fn set_child(
    state: &mut StateHash,
    target: &Value,
    i: i32,
    v: Value,
) -> Result<(), Value> {
    if let Value::Array(a) = target
        && let Ok(mut a) = a.try_borrow_mut()
        && let Some(slot) = usize::try_from(i).ok().and_then(|i| a.get_mut(i))
    {
        if state.on {
            let logged = v.clone();
            Value::put(slot, v);
            drop(a);
            state.write(Site::Child, i as u64, &logged);
        } else {
            Value::put(slot, v);
        }
        return Ok(());
    }
    if state.on {
        members::set_child(target, i as i64, v.clone())?;
        state.write(Site::Child, i as u64, &v);
    } else {
        members::set_child(target, i as i64, v)?;
    }
    Ok(())
}

/// The inline half of `set_child` (`SetRegChildPop`): an array element in
/// range, with the state hash off, is replaced in place. Gives `v` back
/// for everything else, which `set_child` does.
#[inline(always)]
pub(super) fn set_element_inline(
    state_on: bool,
    target: &Value,
    i: i32,
    v: Value,
) -> Option<Value> {
    if !state_on
        && let Value::Array(a) = target
        && let Ok(mut a) = a.try_borrow_mut()
        && let Some(slot) = usize::try_from(i).ok().and_then(|i| a.get_mut(i))
    {
        Value::put(slot, v);
        return None;
    }
    Some(v)
}

/// The inline half of `Vm::set_member_value` (`SetRegMemberPop`): an
/// existing map key, with the state hash off, is replaced in place, the
/// map borrowed where it is (no `Rc` clone). Gives `v` back for everything
/// else.
#[inline(always)]
pub(super) fn set_member_inline(
    state_on: bool,
    target: &Value,
    name: Sym,
    v: Value,
) -> Option<Value> {
    if !state_on
        && let Value::Map(m) = target
        && let Ok(mut m) = m.try_borrow_mut()
        && let Some(slot) = m.get_mut(&name)
    {
        Value::put(slot, v);
        return None;
    }
    Some(v)
}

/// `v/i`: an array element in range, inline; the rest (negative indices,
/// genes, errors) through `members::get_child`.
#[inline(always)]
pub(super) fn get_child(v: &Value, i: i32) -> Result<Value, Value> {
    if let Value::Array(a) = v
        && let Ok(a) = a.try_borrow()
        && let Some(x) = usize::try_from(i).ok().and_then(|i| a.get(i))
    {
        return Ok(x.clone());
    }
    members::get_child(v, i as i64)
}

/// `v/name`: a map key that is there, inline; the rest through
/// `members::get_member`.
#[inline(always)]
pub(super) fn get_member(v: &Value, name: Sym) -> Result<Value, Value> {
    if let Value::Map(m) = v
        && let Ok(m) = m.try_borrow()
        && let Some(x) = m.get(&name)
    {
        return Ok(x.clone());
    }
    members::get_member(v, name)
}

#[cfg(test)]
mod tests {
    use super::{set_child, set_element_inline, set_member_inline};
    use crate::display::quoted;
    use crate::statehash::StateHash;
    use crate::symbol::Sym;
    use crate::value::{PropMap, Value};
    use crate::vm::{Vm, VmConfig};

    /// Fresh targets, built anew for each side of a comparison: arrays,
    /// a map with and without the key, and values that are neither.
    fn targets() -> Vec<fn() -> Value> {
        vec![
            || Value::array(vec![Value::Int(1), Value::str("b"), Value::Nil]),
            || Value::array(Vec::new()),
            || {
                let mut m = PropMap::default();
                m.insert(Sym::new("x"), Value::Int(1));
                m.insert(Sym::new("y"), Value::str("s"));
                Value::map(m)
            },
            || Value::map(PropMap::default()),
            || Value::Int(3),
            || Value::str("text"),
        ]
    }

    /// What a write left: the target's quoted form and the error, if any.
    fn outcome(target: &Value, r: Result<(), Value>) -> (String, Option<String>) {
        (quoted(target), r.err().map(|e| quoted(&e)))
    }

    /// The inline half plus `set_child` for what it gives back does what
    /// `set_child` alone does, for every target, index and state, and it
    /// does take the in-range array writes (else this compares nothing).
    #[test]
    fn the_inline_element_write_agrees_with_set_child() {
        let mut inline_hits = 0;
        for make in targets() {
            for i in [-2, -1, 0, 1, 2, 3, 1000] {
                for on in [false, true] {
                    let (a, b) = (make(), make());
                    let (mut sa, mut sb) = (StateHash { on, h: 0 }, StateHash { on, h: 0 });
                    let ra = match set_element_inline(on, &a, i, Value::Int(9)) {
                        None => {
                            inline_hits += 1;
                            Ok(())
                        }
                        Some(v) => set_child(&mut sa, &a, i, v),
                    };
                    let rb = set_child(&mut sb, &b, i, Value::Int(9));
                    assert_eq!(outcome(&a, ra), outcome(&b, rb), "{} / {i}", quoted(&b));
                    assert_eq!(sa.h, sb.h);
                }
            }
        }
        // Arrays [1 "b" nil] at 0, 1 and 2, state off.
        assert_eq!(inline_hits, 3);
    }

    /// The same for member writes against `Vm::set_member_value`.
    #[test]
    fn the_inline_member_write_agrees_with_set_member_value() {
        let mut inline_hits = 0;
        for make in targets() {
            for name in ["x", "y", "z"] {
                for on in [false, true] {
                    let name = Sym::new(name);
                    let (mut va, mut vb) =
                        (Vm::new(VmConfig::default()), Vm::new(VmConfig::default()));
                    va.state.on = on;
                    vb.state.on = on;
                    let (a, b) = (make(), make());
                    let ra = match set_member_inline(on, &a, name, Value::Int(9)) {
                        None => {
                            inline_hits += 1;
                            Ok(())
                        }
                        Some(v) => va.set_member_value(&a, name, v),
                    };
                    let rb = vb.set_member_value(&b, name, Value::Int(9));
                    assert_eq!(outcome(&a, ra), outcome(&b, rb), "{}", quoted(&b));
                    assert_eq!(va.state.h, vb.state.h);
                }
            }
        }
        // The map with `x` and `y`, state off.
        assert_eq!(inline_hits, 2);
    }
}
