//! The sweep's files, `results.csv` and `results.parquet` (one row per point and seed), and its
//! terminal report.

use crate::table::{Column, Table};
use crate::writer::{File, JobOutput};
use leapsim_analysis::manifest::Manifest;
use leapsim_analysis::store::WorkStore;
use leapsim_analysis::sweep::SweepResult;
use leapsim_engine::series::fmt_value;
use std::fmt::Write;

/// The results table: point, seed, each varied parameter, then each outcome.
pub fn results_table(r: &SweepResult) -> Table {
    let d = &r.design;
    let mut table = Table::default();
    table.push("point", Column::Int(r.rows.iter().map(|row| row.0 as i64).collect()));
    table.push("seed", Column::Int(r.rows.iter().map(|row| row.1).collect()));
    for (j, p) in d.params.iter().enumerate() {
        table.push(*p, Column::Exact(r.rows.iter().map(|row| d.points[row.0][j]).collect()));
    }
    for (j, o) in r.outcomes.iter().enumerate() {
        table.push(o.clone(), Column::Float(r.values.iter().map(|v| v[j].unwrap_or(f64::NAN)).collect()));
    }
    table
}

/// The sweep's report: what ran, then the mean over seeds of each of the first 20 points.
pub fn console(r: &SweepResult, seconds: f64) -> String {
    let d = &r.design;
    let mut o = format!(
        "{}: {} points x {} seeds = {} runs (scale {}), {} run now and {} reused, in {seconds:.1} s\n",
        r.scenario,
        d.points.len(),
        d.seeds,
        r.items.total,
        r.scale,
        r.items.total - r.items.reused,
        r.items.reused,
    );
    let header: Vec<String> = d.params.iter().map(|p| p.to_string()).chain(r.outcomes.iter().cloned()).collect();
    let widths: Vec<usize> = header.iter().map(|h| h.len().max(12)).collect();
    let mut line = |first: String, cells: &[String]| {
        let cells: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect();
        let _ = writeln!(o, "{first:>5}  {}", cells.join("  "));
    };
    line("point".into(), &header);
    let shown = d.points.len().min(20);
    for (i, p) in d.points.iter().enumerate().take(shown) {
        let mut cells: Vec<String> = p.iter().map(|v| format!("{v}")).collect();
        cells.extend((0..r.outcomes.len()).map(|j| fmt_value(r.point_mean(i, j))));
        line(i.to_string(), &cells);
    }
    if shown < d.points.len() {
        let _ = writeln!(o, "  ... {} more points", d.points.len() - shown);
    }
    o
}

impl JobOutput for SweepResult {
    fn files(&self) -> Result<Vec<File>, String> {
        let table = results_table(self);
        let parquet = table.to_parquet().map_err(|e| format!("writing results.parquet: {e}"))?;
        Ok(vec![("results.csv".into(), table.to_csv().into_bytes()), ("results.parquet".into(), parquet)])
    }
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    fn work(&self) -> Option<&WorkStore> {
        Some(&self.work)
    }
}
