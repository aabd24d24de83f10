//! The sensitivity analysis's files, `sensitivity.csv` (each outcome's parameters ranked) and
//! `points.csv` (the design and the outcomes at each point), and its report for the terminal.

use crate::writer::{File, JobOutput};
use leapsim_analysis::manifest::Manifest;
use leapsim_analysis::sensitivity::{Method, SensitivityResult};
use leapsim_analysis::store::WorkStore;
use leapsim_engine::series::fmt_value;
use std::fmt::Write;

/// One line per outcome and parameter, most influential first: the range, rank and measures.
pub fn sensitivity_csv(r: &SensitivityResult) -> String {
    let mut csv = String::from(match r.method {
        Method::Morris => "outcome,parameter,method,low,high,rank,mu_star,mu,sigma\n",
        Method::Sobol => "outcome,parameter,method,low,high,rank,s1,s1_conf,st,st_conf\n",
    });
    for (name, table) in r.outcomes.iter().zip(&r.tables) {
        for (rank, row) in table.iter().enumerate() {
            let p = &r.ranges[row.param];
            let cols: Vec<String> = row.measures.iter().map(|&v| fmt_value(v)).collect();
            let _ = writeln!(
                csv,
                "{name},{},{},{},{},{},{}",
                p.key,
                r.method.name(),
                fmt_value(p.low),
                fmt_value(p.high),
                rank + 1,
                cols.join(",")
            );
        }
    }
    csv
}

/// The design and the outcome at each point (mean of its runs), for further analysis.
pub fn points_csv(r: &SensitivityResult) -> String {
    let mut csv = String::from("point");
    for p in &r.ranges {
        let _ = write!(csv, ",{}", p.key);
    }
    for o in &r.outcomes {
        let _ = write!(csv, ",{o}");
    }
    csv.push('\n');
    for (n, (x, v)) in r.points.iter().zip(&r.values).enumerate() {
        csv.push_str(&n.to_string());
        for &x in x.iter().chain(v) {
            let _ = write!(csv, ",{}", fmt_value(x));
        }
        csv.push('\n');
    }
    csv
}

impl JobOutput for SensitivityResult {
    fn files(&self) -> Result<Vec<File>, String> {
        Ok(vec![
            ("sensitivity.csv".into(), sensitivity_csv(self).into_bytes()),
            ("points.csv".into(), points_csv(self).into_bytes()),
        ])
    }
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    fn work(&self) -> Option<&WorkStore> {
        Some(&self.work)
    }
}

/// The report for the terminal: what ran, then each outcome's parameters ranked.
pub fn console(r: &SensitivityResult) -> String {
    let measure = match r.method {
        Method::Morris => "mu* = mean |elementary effect|, per the parameter's whole range, in the outcome's units",
        Method::Sobol => "S1 = first-order index, ST = total index (share of the outcome's variance)",
    };
    let mut o = format!(
        "{} sensitivity of {} outcome(s) to {} parameters: {} runs of {} (scale {}, seed {}); {measure}\n",
        if r.method == Method::Morris { "Morris" } else { "Sobol" },
        r.outcomes.len(),
        r.ranges.len(),
        r.items.total,
        r.scenario,
        r.scale,
        r.seed
    );
    for (name, table) in r.outcomes.iter().zip(&r.tables) {
        let _ = write!(o, "\n{name}\n");
        let _ = match r.method {
            Method::Morris => {
                writeln!(o, "{:>4}  {:<42} {:>12} {:>12} {:>12}", "rank", "parameter", "mu*", "mu", "sigma")
            }
            Method::Sobol => writeln!(o, "{:>4}  {:<42} {:>16} {:>16}", "rank", "parameter", "S1 (±95%)", "ST (±95%)"),
        };
        for (rank, row) in table.iter().enumerate() {
            let (key, m) = (r.ranges[row.param].key, &row.measures);
            let _ = match r.method {
                Method::Morris => {
                    writeln!(
                        o,
                        "{:>4}  {key:<42} {:>12} {:>12} {:>12}",
                        rank + 1,
                        short(m[0]),
                        short(m[1]),
                        short(m[2])
                    )
                }
                Method::Sobol => {
                    writeln!(o, "{:>4}  {key:<42} {:>7.3} ±{:<7.3} {:>7.3} ±{:<7.3}", rank + 1, m[0], m[1], m[2], m[3])
                }
            };
        }
    }
    o
}

/// A number in at most 4 significant figures for the terminal.
fn short(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if (0.01..1e5).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.3e}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_numbers_have_four_figures() {
        assert_eq!(super::short(1234.5678), "1235");
        assert_eq!(super::short(0.012345), "0.01235");
        assert_eq!(super::short(-2.5e6), "-2.500e6");
    }
}
