//! The rolling state hash behind every `poll.end` record's `hash`.
//!
//! Two runs that diverge must differ by the end of the poll where they did,
//! even when no recorded event shows it yet (a variable written with another
//! value). Walking the heap at every poll would cost time proportional to
//! the whole state, at every poll; instead every state change feeds a
//! rolling hash as it happens: each register, scope variable, namespace
//! member and container element written (with a shallow digest of the new
//! value), each call's arguments, each future resolved (with its value),
//! each task started, suspended, resumed and ended. The world (timers, the
//! clock, the position of every random stream) is mixed in by the driver.
//!
//! The hash covers history as well as state: two runs that reach the same
//! state by different paths hash differently, which is what naming the
//! first divergent poll needs.
//!
//! It costs a predictable branch per write when off; the driver turns it on
//! only while recording a trace.

use crate::value::Value;

/// The hash and whether writes feed it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StateHash {
    pub on: bool,
    pub h: u64,
}

/// What a change touched, so that writing `v` into a register and into a
/// scope variable hash differently.
#[derive(Clone, Copy)]
#[repr(u64)]
pub(crate) enum Site {
    Register = 1,
    Scope = 2,
    Name = 3,
    Member = 4,
    Child = 5,
    Argument = 6,
    Resolved = 7,
    Task = 8,
}

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline(always)]
fn mix(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(K)
}

impl StateHash {
    /// Feeds one change: where (site and index) and the value written.
    #[inline]
    pub fn write(&mut self, site: Site, index: u64, v: &Value) {
        let h = mix(self.h, site as u64);
        let h = mix(h, index);
        self.h = mix(h, shallow(v));
    }

    /// Feeds a change without a value (a task event).
    #[inline]
    pub fn event(&mut self, site: Site, index: u64, what: u64) {
        if !self.on {
            return;
        }
        let h = mix(self.h, site as u64);
        let h = mix(h, index);
        self.h = mix(h, what);
    }
}

/// The digest of a name, stable across runs (symbol indices are not).
pub(crate) fn name(s: crate::symbol::Sym) -> u64 {
    s.with_name(|n| bytes(0, n.as_bytes()))
}

/// The digest of a text.
pub(crate) fn bytes_of(s: &str) -> u64 {
    bytes(0, s.as_bytes())
}

/// Texts longer than this are hashed by their length and both ends.
const TEXT_PREFIX: usize = 256;

fn bytes(mut h: u64, b: &[u8]) -> u64 {
    h = mix(h, b.len() as u64);
    let ends: [&[u8]; 2] = if b.len() <= 2 * TEXT_PREFIX {
        [b, &[]]
    } else {
        [&b[..TEXT_PREFIX], &b[b.len() - TEXT_PREFIX..]]
    };
    for part in ends {
        for chunk in part.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            h = mix(h, u64::from_le_bytes(w));
        }
    }
    h
}

/// A digest of a value that does not look inside containers (their
/// element writes are hashed when they happen), so it costs O(1) but for
/// texts.
pub(crate) fn shallow(v: &Value) -> u64 {
    match v {
        Value::Nil => 1,
        Value::Bool(b) => 2 + *b as u64,
        Value::Int(i) => mix(4, *i as u64),
        Value::Float(f) => mix(5, f.to_bits()),
        Value::Str(s) => bytes(6, s.as_bytes()),
        Value::Symbol(s) => s.with_name(|n| bytes(7, n.as_bytes())),
        Value::Complex(p) => mix(8, p.len() as u64),
        Value::Array(a) => mix(9, a.borrow().len() as u64),
        Value::Map(m) => mix(10, m.borrow().len() as u64),
        Value::Gene(g) => mix(11, g.borrow().children.len() as u64),
        Value::Range(r) => mix(mix(mix(12, r.start as u64), r.end as u64), r.step as u64),
        Value::Function(f) => bytes(13, f.proto.name.as_bytes()),
        Value::Native(n) => bytes(14, n.name.as_bytes()),
        Value::Namespace(n) => bytes(15, n.name.as_bytes()),
        Value::Exception(e) => bytes(16, e.message.as_bytes()),
        Value::Future(f) => mix(17, f.id),
        Value::Class(c) => bytes(18, c.name.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn different_values_and_sites_hash_differently() {
        let at = |site, i, v: &Value| {
            let mut h = StateHash { on: true, h: 0 };
            h.write(site, i, v);
            h.h
        };
        let one = Value::Int(1);
        assert_ne!(
            at(Site::Register, 0, &one),
            at(Site::Register, 0, &Value::Int(2))
        );
        assert_ne!(at(Site::Register, 0, &one), at(Site::Register, 1, &one));
        assert_ne!(at(Site::Register, 0, &one), at(Site::Scope, 0, &one));
        assert_ne!(
            at(Site::Register, 0, &Value::str("ab")),
            at(Site::Register, 0, &Value::str("ba"))
        );
        // Long texts: both ends and the length count.
        let long = "x".repeat(2000);
        let mut other = long.clone();
        other.push('y');
        assert_ne!(
            at(Site::Register, 0, &Value::string(long.clone())),
            at(Site::Register, 0, &Value::string(other))
        );
        assert_eq!(
            at(Site::Register, 0, &Value::string(long.clone())),
            at(Site::Register, 0, &Value::string(long))
        );
    }
}
