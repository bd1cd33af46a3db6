//! `try` / `catch *` / `finally`. The body, handler and finally open no
//! scope (upstream); the finally is compiled once per way out, every copy
//! declaring into the same locations; `$ex` reads a catch marker on the
//! handler stack, so it is dynamic (see docs/language.md).

use super::forms::is_sym;
use super::{Compiler, Unwind, scan};
use crate::bytecode::Op;
use crate::symbol::{Sym, sym};
use crate::value::Value;

impl Compiler<'_> {
    pub(super) fn try_form(&mut self, ch: &[Value]) {
        let mut body = Vec::new();
        let mut handler: Option<Vec<Value>> = None;
        let mut finally: Option<Vec<Value>> = None;
        let mut i = 0;
        while i < ch.len() && !is_sym(ch.get(i), sym::CATCH) && !is_sym(ch.get(i), sym::FINALLY) {
            body.push(ch[i].clone());
            i += 1;
        }
        while i < ch.len() {
            if is_sym(ch.get(i), sym::CATCH) {
                if handler.is_some() {
                    return self.fail("only one `catch *` clause is supported");
                }
                if !is_sym(ch.get(i + 1), sym::MUL) {
                    return self.fail("only `catch *` is supported");
                }
                i += 2;
                let start = i;
                while i < ch.len()
                    && !is_sym(ch.get(i), sym::CATCH)
                    && !is_sym(ch.get(i), sym::FINALLY)
                {
                    i += 1;
                }
                handler = Some(ch[start..i].to_vec());
            } else {
                finally = Some(ch[i + 1..].to_vec());
                break;
            }
        }
        let trackers = self.f().trackers.len();
        // Variables the body or handler declare outlive the try but are set
        // only on the path that ran: they start nil (a register may hold a
        // value from an earlier iteration or region). The nil stores are
        // placed after the try, reached by a jump from here.
        let declared_from = self.f().trackers[trackers - 1].vars.len();
        let init = scan::declares_vars(ch).then(|| {
            let j = self.emit(Op::Jump(0));
            (j, self.label())
        });
        let locs: super::FinallyLocs = Default::default();
        let finally = finally.map(|f| (f, locs));
        // Body, under a handler (and the finally, if any, on the way out).
        if let Some((f, locs)) = &finally {
            self.f().unwind.push(Unwind::Finally {
                forms: f.clone(),
                trackers,
                locs: locs.clone(),
            });
        }
        let catch = self.emit(Op::TryStart(0));
        self.f().unwind.push(Unwind::Handler);
        self.body(&body, false);
        self.f().unwind.pop();
        self.emit(Op::TryEnd);
        if finally.is_some() {
            self.f().unwind.pop();
        }
        // The finally's variables are visible after the `try`, not in the
        // handler (compiled after this copy).
        let finally_vars = self.run_finally(&finally);
        let end = self.emit(Op::Jump(0));
        self.patch(catch);
        // The thrown value is on the stack.
        match &handler {
            Some(h) => {
                let ex = self.alloc_reg();
                self.emit(Op::StoreReg(ex));
                self.emit(Op::Pop);
                // A throw from the handler still runs the finally.
                let rethrow = finally.as_ref().map(|(f, locs)| {
                    self.f().unwind.push(Unwind::Finally {
                        forms: f.clone(),
                        trackers,
                        locs: locs.clone(),
                    });
                    let r = self.emit(Op::TryStart(0));
                    self.f().unwind.push(Unwind::Handler);
                    r
                });
                // `$ex` reads the marker until the handler is left.
                self.emit(Op::LoadReg(ex));
                self.emit(Op::CatchBegin);
                self.f().unwind.push(Unwind::Handler);
                // No scope of its own (upstream): its variables outlive it.
                self.body(h, false);
                self.f().unwind.pop();
                self.emit(Op::TryEnd);
                if let Some(r) = rethrow {
                    self.f().unwind.pop();
                    self.emit(Op::TryEnd);
                    self.f().unwind.pop();
                    self.run_finally(&finally);
                    let done = self.emit(Op::Jump(0));
                    self.patch(r);
                    self.rethrow_after_finally(&finally);
                    self.patch(done);
                }
            }
            None => self.rethrow_after_finally(&finally),
        }
        self.patch(end);
        if let Some((jump, back)) = init {
            let regs: Vec<u32> = self.f().trackers[trackers - 1].vars[declared_from..]
                .iter()
                .filter_map(|&(_, loc)| match loc {
                    super::Loc::Reg(r) => Some(r),
                    // A scope's slots start nil.
                    super::Loc::Slot(_) => None,
                })
                .collect();
            if regs.is_empty() {
                let op = &mut self.f().code.ops[jump];
                *op = super::peephole::retarget(*op, back as u32);
            } else {
                let after = self.emit(Op::Jump(0));
                self.patch(jump);
                for r in regs {
                    self.emit(Op::Nil);
                    self.emit(Op::SetReg(r));
                }
                self.emit(Op::Jump(back as u32));
                self.patch(after);
            }
        }
        let t = self.f().trackers.last_mut().expect("tracker");
        t.vars.extend(finally_vars);
    }

    /// Compiles one copy of a finally (value discarded); returns the
    /// variables it declared into the `try`'s tracker, which it hides again.
    pub(super) fn run_finally(
        &mut self,
        finally: &Option<(Vec<Value>, super::FinallyLocs)>,
    ) -> Vec<(Sym, super::Loc)> {
        let Some((f, locs)) = finally else {
            return Vec::new();
        };
        let trackers = self.f().trackers.len();
        let seen = self.f().trackers.last().expect("tracker").vars.len();
        self.f().replays.push(super::Replay {
            trackers,
            locs: locs.clone(),
            next: 0,
        });
        self.f().temps += 1;
        self.f().unwind.push(Unwind::FinallyBody);
        self.body(f, false);
        self.f().unwind.pop();
        self.emit(Op::Pop);
        self.f().temps -= 1;
        self.f().replays.pop();
        let t = self.f().trackers.last_mut().expect("tracker");
        t.vars.split_off(seen)
    }

    /// With the exception on the stack: run the finally, then throw it again.
    fn rethrow_after_finally(&mut self, finally: &Option<(Vec<Value>, super::FinallyLocs)>) {
        self.run_finally(finally);
        self.emit(Op::Rethrow);
    }
}
