//! gene-sim: the world gene-vm runs in. A deterministic simulation (virtual
//! clock, timer queue, overlay file system, seeded latency, faults and
//! scheduling) and the real world, behind one driver.

pub mod clock;
pub mod decide;
pub mod driver;
pub mod faults;
pub mod files;
pub mod fixture;
pub mod latency;
pub mod memory;
pub mod real;
pub mod rng;
pub mod schedule_file;
pub mod shrink;
pub mod strategy;
pub mod timers;
pub mod trace;
pub mod world;

pub use files::{disk, fs, regular_file, resolve};

pub use driver::{
    Report, RunConfig, format_nanos, run, run_collected, run_named, run_records, run_traced,
};
pub use world::Schedule;
