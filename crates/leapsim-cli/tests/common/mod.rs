//! What the command-line test files share: scratch directories, reading outputs, and a tiny
//! calibration problem. Each test file uses some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fresh scratch directory for test `name` of this process.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("leapsim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Bytes of a command's output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A file's text; a missing file fails the test, naming it.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A JSON file's value.
pub fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&read(p)).unwrap()
}

/// Names in `d`, sorted.
pub fn entries(d: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(d).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Calibration settings of two free parameters and three targets, fitted in seconds at scale
/// 0.0005 with ten evaluations.
pub const TINY_SETTINGS: &str = r#"description = "two parameters, three targets"
[method]
seeds = 1
max_evals = 10
scale = 0.0005

[[param]]
key = "procurement.enforcement"
start = 0.6
lower = 0.05
upper = 1.0

[[param]]
key = "planning.area_cut"
lower = 0.05
upper = 0.5

[[target]]
id = "procurement_ratio_1959"

[[target]]
outcome = "grain_true_mt:1959"
record = 170.0
band = [160.0, 185.0]
source = "data/national.csv"

[[target]]
outcome = "excess_deaths:1959-1960"
record = 19e6
tolerance = 6e6
source = "seed report"
"#;
