//! The file systems runs read and write: the simulated overlay and the
//! real one (fs), safe host file access for both (regular_file), and path
//! resolution inside the overlay's root (resolve), and the disk lookups
//! runs share (disk).

pub mod disk;
pub mod fs;
pub mod regular_file;
pub mod resolve;
