//! Human-readable bytecode listings (`gene-trace disasm`).

use std::fmt::Write;

use crate::bytecode::{Code, Op};
use crate::display;

/// Lists a unit and, after it, every function it defines.
pub fn listing(code: &Code) -> String {
    let mut out = String::new();
    unit(&mut out, "<top>", code);
    out
}

fn unit(out: &mut String, name: &str, code: &Code) {
    let _ = writeln!(out, "== {name} (registers: {}) ==", code.nregs);
    let mut spans = code.spans.iter().peekable();
    for (pc, op) in code.ops.iter().enumerate() {
        let mut line = String::new();
        while let Some(&&(p, span)) = spans.peek() {
            if p as usize > pc {
                break;
            }
            line = format!("{:>4}:{:<3}", span.line, span.col);
            spans.next();
        }
        let _ = write!(out, "{line:>8} {pc:>4}  ");
        let _ = match op {
            Op::Const(k) => {
                let mut s = String::new();
                display::write_quoted(&mut s, &code.consts[*k as usize]);
                writeln!(out, "Const {s}")
            }
            Op::Fail(k) => writeln!(out, "Fail {}", display::display(&code.consts[*k as usize])),
            Op::MakeClosure(i) => writeln!(out, "MakeClosure {}", code.protos[*i as usize].name),
            other => writeln!(out, "{other:?}"),
        };
    }
    for p in &code.protos {
        out.push('\n');
        let kind = if p.is_block { "block" } else { "fn" };
        let params: Vec<String> = p.params.iter().map(|p| p.name.to_string()).collect();
        let scope = if p.body_scope { ", body scope" } else { "" };
        unit(
            out,
            &format!("{kind} {} [{}]{scope}", p.name, params.join(" ")),
            &p.code,
        );
    }
}
