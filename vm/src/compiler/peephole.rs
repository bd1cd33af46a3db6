//! Fusing common instruction sequences as they are emitted, and jump
//! threading. Fusion never crosses a jump target (`FnCtx::barrier`).

use super::Compiler;
use crate::bytecode::{Cmp, Op};

fn cmp_of(op: Op) -> Option<Cmp> {
    Some(match op {
        Op::Lt => Cmp::Lt,
        Op::Le => Cmp::Le,
        Op::Gt => Cmp::Gt,
        Op::Ge => Cmp::Ge,
        Op::Eq => Cmp::Eq,
        Op::Ne => Cmp::Ne,
        _ => return None,
    })
}

/// The fused form of `prev` followed by `op`, if there is one.
fn fused(prev: Op, op: Op) -> Option<Op> {
    Some(match (prev, op) {
        (Op::StoreReg(r), Op::Pop) => Op::SetReg(r),
        (Op::StoreScope(h, s), Op::Pop) => Op::SetScope(h, s),
        (Op::Int(k), Op::Add) => Op::AddInt(k),
        (Op::Int(k), Op::Sub) if k != i32::MIN => Op::AddInt(-k),
        (Op::LoadReg(r), Op::AddInt(k)) => Op::RegAddInt(r, k),
        (Op::RegAddInt(r, k), Op::SetReg(t)) if r == t => Op::IncRegBy(r, k),
        (Op::LoadReg(r), Op::Add) => Op::AddReg(r),
        (Op::Int(k), c) if cmp_of(c).is_some() => Op::CmpInt(cmp_of(c)?, k),
        (Op::LoadReg(r), Op::CmpInt(c, k)) => Op::RegCmpInt(r, c, k),
        (c, Op::JumpIfFalse(t)) if cmp_of(c).is_some() => Op::JumpUnless(cmp_of(c)?, t),
        (Op::CmpInt(c, k), Op::JumpIfFalse(t)) => Op::JumpUnlessInt(c, k, t),
        (Op::RegCmpInt(r, c, k), Op::JumpIfFalse(t)) => Op::JumpUnlessRegInt(r, c, k, t),
        (Op::LoadName(s), Op::JumpIfNotCallable(t)) => Op::LoadCallee(s, t),
        (Op::LoadReg(a), Op::AddReg(b)) => Op::RegAddReg(a, b),
        (Op::RegAddReg(a, b), Op::SetReg(t)) if a == t => Op::IncRegByReg(a, b),
        (Op::LoadReg(r), Op::GetChild(i)) => Op::RegGetChild(r, i),
        (Op::LoadReg(r), Op::GetMember(s)) => Op::RegGetMember(r, s),
        (Op::Dup, Op::GetMember(s)) => Op::DupGetMember(s),
        (Op::SetChild(i), Op::Pop) => Op::SetChildPop(i),
        (Op::SetRegChild(r, i), Op::Pop) => Op::SetRegChildPop(r, i),
        (Op::SetRegMember(r, s), Op::Pop) => Op::SetRegMemberPop(r, s),
        (Op::SetMember(s), Op::Pop) => Op::SetMemberPop(s),
        _ => return None,
    })
}

impl Compiler<'_> {
    /// Fuses `op` into the previous instruction when possible; returns the
    /// index of the fused instruction.
    pub(super) fn fuse(&mut self, op: Op) -> Option<usize> {
        let f = self.f();
        let pc = f.code.ops.len();
        if pc == 0 || f.barrier == pc {
            return None;
        }
        let new = fused(f.code.ops[pc - 1], op)?;
        f.code.ops.pop();
        // The fused instruction may fuse with the one before; else it takes
        // the first one's place and keeps its location.
        if let Some(at) = self.fuse(new) {
            return Some(at);
        }
        self.f().code.ops.push(new);
        Some(pc - 1)
    }
}

/// The jump `op` aimed at `target`.
pub(super) fn retarget(op: Op, target: u32) -> Op {
    match op {
        Op::Jump(_) => Op::Jump(target),
        Op::JumpIfFalse(_) => Op::JumpIfFalse(target),
        Op::JumpIfTrue(_) => Op::JumpIfTrue(target),
        Op::JumpIfNotCallable(_) => Op::JumpIfNotCallable(target),
        Op::LoadCallee(s, _) => Op::LoadCallee(s, target),
        Op::TryStart(_) => Op::TryStart(target),
        Op::ForNext(r, _) => Op::ForNext(r, target),
        Op::JumpIfGe(a, b, _) => Op::JumpIfGe(a, b, target),
        Op::JumpUnless(c, _) => Op::JumpUnless(c, target),
        Op::JumpUnlessInt(c, k, _) => Op::JumpUnlessInt(c, k, target),
        Op::JumpUnlessRegInt(r, c, k, _) => Op::JumpUnlessRegInt(r, c, k, target),
        Op::JumpIfRegInt(r, c, k, _) => Op::JumpIfRegInt(r, c, k, target),
        other => other,
    }
}

/// A jump to a `Return` is that `Return`.
pub(super) fn thread_jumps(ops: &mut [Op]) {
    for i in 0..ops.len() {
        if let Op::Jump(t) = ops[i]
            && ops.get(t as usize) == Some(&Op::Return)
        {
            ops[i] = Op::Return;
        }
    }
}
