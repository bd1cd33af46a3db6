//! Runtime values and what keeps them: symbols, functions, namespaces,
//! their display, the scope arena and its audit, iterative reclamation of
//! deep values, and the rolling state hash.

pub mod audit;
pub mod display;
pub mod function;
pub mod namespace;
pub(crate) mod reclaim;
pub mod scope;
pub(crate) mod statehash;
pub mod symbol;
pub mod value;
