//! leapsim-analysis: every multi-run job and its mathematics.

pub mod attribution;
pub mod calibrate;
pub mod compare;
pub mod design;
pub mod figure;
pub mod outcome;
pub mod runner;
pub mod sensitivity;
pub mod stats;
pub mod store;
