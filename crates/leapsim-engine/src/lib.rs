//! leapsim-engine: one run of the model — embedded data, scenario files, the run loop, the
//! output series, the run directory and the comparison with the historical record.
//!
//! Depends on `leapsim-core` only; the core never depends on this crate. Multi-run jobs live in
//! `leapsim-analysis`, charts and heavy file formats in `leapsim-report`.

pub mod csv;
pub mod data;
pub mod detail;
pub mod history;
pub mod limits;
pub mod memory;
pub mod outcome;
pub mod output;
pub mod provincial_grain;
pub mod run;
pub mod scenario;
pub mod series;

/// The program's version, as the manifests record it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git revision the library was built from (`-dirty` if the tree had changes), as the
/// manifests record it.
pub const REVISION: &str = env!("LEAPSIM_GIT_REVISION");
