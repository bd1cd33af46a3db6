//! Traces: the recorder, the reader and the invariant checkers. The format
//! is written down in docs/trace-format.md.

pub mod check;
pub mod location;
pub mod namer;
pub mod names;
pub mod positional;
pub mod read;
pub mod record;
pub mod route;
pub mod shared;
pub mod stream;

pub use shared::SharedBuf;
pub mod schema;

use sha2::{Digest, Sha256};

use crate::driver::RunConfig;
use crate::world::Schedule;

/// The format's name and version, in every header.
pub const FORMAT: &str = "gene-trace";
pub const VERSION: u64 = 4;

/// The largest program text the header holds (`program.text`); a longer
/// program is recorded by its digest and length only.
pub const MAX_EMBEDDED_SOURCE: usize = 1 << 20;

/// The header line: format, tool, seed, the full configuration, program digest.
pub fn header(name: &str, text: &str, config: &RunConfig) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let vm = &config.vm;
    let latency = |k: crate::latency::OpKind| {
        let l = config.latency.get(k);
        serde_json::json!({"base_ns": l.base_ns, "per_byte_ns": l.per_byte_ns, "jitter_ns": l.jitter_ns})
    };
    serde_json::json!({
        "format": FORMAT,
        "version": VERSION,
        "tool": concat!("gene-trace ", env!("CARGO_PKG_VERSION")),
        "seed": config.seed,
        "config": {
            "poll_every": config.poll_every,
            "schedule": match config.schedule { Schedule::Fifo => "fifo", Schedule::Random => "random" },
            "await": match vm.await_mode {
                gene_vm::AwaitMode::Suspend => "suspend",
                gene_vm::AwaitMode::Blocking => "blocking",
            },
            "max_depth": vm.max_depth,
            "max_instructions": vm.max_instructions,
            "max_string_bytes": vm.max_string_bytes,
            "max_elements": vm.max_elements,
            "max_memory": config.max_memory,
            "max_read_size": config.max_read_size,
            "start_time": vm.start_secs,
            "real": config.real,
            "cwd": cwd_text(&config.cwd),
            "latency": {
                "read": latency(crate::latency::OpKind::Read),
                "write": latency(crate::latency::OpKind::Write),
            },
            "faults": config.faults.config().to_toml(),
            "schedule_file": config.schedule_file.as_ref().map(|f| serde_json::json!({"entries": f.entries.len()})),
        },
        "program": {
            "name": name,
            "sha256": hex,
            "bytes": text.len(),
            "text": (text.len() <= MAX_EMBEDDED_SOURCE).then_some(text),
        },
    })
    .to_string()
}

/// The working directory as the header records it: `/`-separated, `.` and
/// `..` applied where they can be (`a/./b/..` is `a`), `.` for the root.
fn cwd_text(cwd: &std::path::Path) -> String {
    use std::path::Component;
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for c in cwd.components() {
        match c {
            Component::RootDir | Component::Prefix(_) => absolute = true,
            Component::CurDir => {}
            Component::ParentDir => match parts.last().map(String::as_str) {
                Some(p) if p != ".." => {
                    parts.pop();
                }
                _ if absolute => {}
                _ => parts.push("..".into()),
            },
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
        }
    }
    match (absolute, parts.is_empty()) {
        (true, _) => format!("/{}", parts.join("/")),
        (false, true) => ".".into(),
        (false, false) => parts.join("/"),
    }
}
