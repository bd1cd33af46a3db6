//! Reads a trace and reports how long it took and how many records it has,
//! and what the schema's validation (part of the reading) costs of that:
//! `cargo run --release -p gene-sim --example read_trace -- TRACE`.

fn main() {
    let path = std::env::args().nth(1).expect("a trace file");
    let start = std::time::Instant::now();
    match gene_sim::trace::read::read_file(std::path::Path::new(&path)) {
        Ok(t) => {
            let read = start.elapsed().as_secs_f64();
            let start = std::time::Instant::now();
            let mut v = gene_sim::trace::schema::Validator::default();
            let valid = t.records.iter().all(|r| v.check(r).is_ok());
            let validate = start.elapsed().as_secs_f64();
            println!(
                "{} records, {} polls in {read:.3} s{}; validating them again: {validate:.3} s ({:.0}% of the read{})",
                t.records.len(),
                t.polls.len(),
                t.error
                    .map(|e| format!(" (stopped: {e})"))
                    .unwrap_or_default(),
                100.0 * validate / read,
                if valid { "" } else { ", invalid" }
            )
        }
        Err(e) => println!("error: {e}"),
    }
}
