//! The peer of `benches/programs/timers.gene`: 1,000,000 tokio tasks, each
//! sleeping a pseudo-random 1..=1000 ms (the same sequence) on a paused
//! clock, awaited to the end. Run by `benches/peers.rs`.

use std::time::Duration;

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let mut x: u64 = 12345;
        let mut tasks = Vec::with_capacity(1_000_000);
        for _ in 0..1_000_000 {
            x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
            let ms = x % 1000 + 1;
            tasks.push(tokio::spawn(tokio::time::sleep(Duration::from_millis(ms))));
        }
        for t in tasks {
            t.await.expect("a timer task");
        }
    });
    println!("all done");
}
