//! Golden bytecode listings: `tests/disasm/NAME.gene` compiles to exactly
//! `tests/disasm/NAME.txt`. Set `UPDATE_GOLDEN=1` to rewrite the listings
//! after an intended compiler change, then review the diff.

use std::path::Path;

#[test]
fn listings_match_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/disasm");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut programs: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/disasm")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "gene"))
        .collect();
    programs.sort();
    assert!(programs.len() >= 4, "golden programs missing");
    let mut failures = Vec::new();
    for p in programs {
        let text = std::fs::read_to_string(&p).expect("program");
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let mut vm = gene_vm::Vm::new(Default::default());
        let code = vm.compile(&name, &text).expect("compiles");
        let listing = gene_vm::disasm::listing(&code);
        let golden = p.with_extension("txt");
        if update {
            std::fs::write(&golden, &listing).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if expected != listing {
            failures.push(format!(
                "{name}:\n--- expected\n{expected}--- actual\n{listing}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "listings differ (UPDATE_GOLDEN=1 rewrites them):\n{}",
        failures.join("\n")
    );
}
