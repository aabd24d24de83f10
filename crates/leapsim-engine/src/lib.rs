//! leapsim-engine: everything around the pure model core — embedded data, scenario files,
//! the run loop, the output series and files, and the comparison with the historical record.
//!
//! Depends on `leapsim-core`; the core never depends on this crate.

pub mod attribution;
pub mod batch;
pub mod calibrate;
pub mod chart;
pub mod compare;
pub mod csv;
pub mod data;
pub mod design;
pub mod detail;
pub mod history;
pub mod outcome;
pub mod output;
pub mod resume;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod series;
pub mod stats;
pub mod table;
