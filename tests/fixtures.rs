//! Every `fixtures/**/*.gene` is its own test, judged by the library's one
//! implementation of the rules (`gene_sim::fixture::judge`, the same that
//! `gene-trace test` uses): upstream's `# Expected:` rules plus our
//! directives (fixtures/README.md). Each fixture runs as `gene-trace test
//! fixtures/ --strict` runs it: from the `fixtures/` folder inside the
//! repository's root, twice (the two runs must print the same and give
//! byte-identical traces), with every trace invariant and scope count
//! checked; an errors/ fixture must also say where its error is raised.

use std::path::Path;
use std::process::ExitCode;

use gene_sim::RunConfig;
use gene_sim::fixture::gene_files;
use gene_sim::fixture::judge::{self, Checks};
use libtest_mimic::{Arguments, Failed, Trial};

// Counts each thread's allocations, so the memory bound holds here too.
#[global_allocator]
static ALLOCATOR: gene_sim::memory::Counting = gene_sim::memory::Counting;

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = repo.join("fixtures");
    let trials = gene_files(&root)
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let repo = repo.to_path_buf();
            Trial::test(name.clone(), move || check(&path, &name, &repo)).with_kind("gene")
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

fn check(path: &Path, name: &str, repo: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut config = RunConfig {
        root: repo.to_path_buf(),
        cwd: "fixtures".into(),
        check_refcounts: true,
        max_memory: Some(judge::DEFAULT_MAX_MEMORY),
        ..Default::default()
    };
    config.vm.max_instructions = Some(judge::DEFAULT_MAX_INSTRUCTIONS);
    let checks = Checks {
        strict: true,
        error_at_required: path.parent().is_some_and(|d| d.ends_with("errors")),
        seeds: None,
    };
    let verdict = judge::judge(name, &text, &config, checks);
    match verdict.failure {
        None => Ok(()),
        Some(f) => {
            let mut msg = f.reason.clone();
            if let Some(expected) = &f.expected {
                msg.push_str("\n--- expected:\n");
                for l in expected {
                    msg.push_str(l);
                    msg.push('\n');
                }
                msg.push_str("--- actual:\n");
                for l in &f.actual {
                    msg.push_str(l);
                    msg.push('\n');
                }
            }
            Err(msg.into())
        }
    }
}
