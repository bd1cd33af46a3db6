//! Reads a trace and reports how long it took and how many records it has:
//! `cargo run --release -p gene-sim --example read_trace -- TRACE`.

fn main() {
    let path = std::env::args().nth(1).expect("a trace file");
    let start = std::time::Instant::now();
    match gene_sim::trace::read::read_file(std::path::Path::new(&path)) {
        Ok(t) => println!(
            "{} records, {} polls in {:.3} s{}",
            t.records.len(),
            t.polls.len(),
            start.elapsed().as_secs_f64(),
            t.error
                .map(|e| format!(" (stopped: {e})"))
                .unwrap_or_default()
        ),
        Err(e) => println!("error: {e}"),
    }
}
