//! The ensemble's files: `annual_quantiles.csv` and `headline.csv`.

use crate::writer::{File, JobOutput};
use leapsim_analysis::ensemble::EnsembleResult;
use leapsim_analysis::manifest::Manifest;
use leapsim_analysis::store::WorkStore;
use leapsim_engine::series::fmt_value;
use std::path::PathBuf;

/// Every annual series of every region over the runs: year, region, series, quantiles, mean.
pub fn annual_quantiles_csv(r: &EnsembleResult) -> String {
    let mut csv = String::from("year,region,series,q05,q25,q50,q75,q95,mean\n");
    for row in &r.annual {
        let s = row.summary;
        let q: Vec<String> = [s.q05, s.q25, s.q50, s.q75, s.q95, s.mean].iter().map(|x| fmt_value(*x)).collect();
        csv.push_str(&format!("{},{},{},{}\n", row.year, row.region, row.series, q.join(",")));
    }
    csv
}

/// Each outcome's mean and 90% interval with its median.
pub fn headline_csv(r: &EnsembleResult) -> String {
    let mut csv = String::from("outcome,mean,q05,q50,q95\n");
    for (name, s) in &r.outcomes {
        let v = [s.mean, s.q05, s.q50, s.q95].map(fmt_value);
        csv.push_str(&format!("{name},{}\n", v.join(",")));
    }
    csv
}

impl JobOutput for EnsembleResult {
    fn files(&self) -> Result<Vec<File>, String> {
        Ok(vec![
            ("annual_quantiles.csv".into(), annual_quantiles_csv(self).into_bytes()),
            ("headline.csv".into(), headline_csv(self).into_bytes()),
        ])
    }
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    fn dirs(&self) -> Vec<(String, PathBuf)> {
        self.run_dirs.clone()
    }
    fn work(&self) -> Option<&WorkStore> {
        Some(&self.work)
    }
}
