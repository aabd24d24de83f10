//! leapsim-report: what the jobs show and write — charts (PNG, SVG), tables (CSV, Parquet)
//! and the job output directory. The only crate that depends on plotters, arrow and parquet.

pub mod attribution;
pub mod calibrate;
pub mod chart;
pub mod compare;
pub mod console;
pub mod ensemble;
pub mod pairs;
pub mod posterior;
pub mod sensitivity;
pub mod sweep;
pub mod table;
pub mod writer;
