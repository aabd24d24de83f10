//! Comparing scenarios with common random numbers.
//!
//! Every scenario runs with the same seeds `base .. base + runs - 1`. A seed fixes every random
//! stream (`rng::Stream` is keyed by seed, unit, month and purpose), so two scenarios run with
//! one seed differ only where their parameters make them differ. The difference between two
//! scenarios is therefore taken seed by seed (paired), and its interval is the spread of those
//! paired differences: far tighter than the spread of either scenario's own values.

use crate::figure::{Line, Panel};
use crate::outcome::Outcome;
use crate::runner;
use crate::stats::{mean_and_90, quantile};
use leapsim_engine::run::RunError;
use leapsim_engine::scenario::Scenario;
use leapsim_engine::series::fmt_value;
use std::sync::atomic::AtomicBool;

/// The national series drawn in the comparison chart: (series, title, unit).
pub const CHART_SERIES: &[(&str, &str, &str)] = &[
    ("cdr_permille", "Crude death rate", "per 1,000 per year"),
    ("cbr_permille", "Crude birth rate", "per 1,000 per year"),
    ("grain_true_mt", "Grain harvested (true)", "Mt"),
    ("grain_procured_mt", "Grain procured", "Mt"),
    ("kcal_per_capita_rural", "Rural food intake", "kcal per person per day"),
];

/// Years the chart shows (within the runs' years).
pub const CHART_YEARS: (i32, i32) = (1955, 1966);

/// One annual value of one scenario: its key and its value for every seed.
#[derive(Clone, Debug)]
pub struct AnnualRow {
    pub year: i32,
    pub region: String,
    pub series: &'static str,
    pub values: Vec<f64>,
}

/// A mean with its 90% interval (5% and 95% quantiles over seeds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub q05: f64,
    pub q95: f64,
}

impl Stat {
    pub fn of(values: &[f64]) -> Stat {
        let (mean, q05, q95) = mean_and_90(values);
        Stat { mean, q05, q95 }
    }

    /// Whether the 90% interval lies wholly on one side of zero.
    pub fn excludes_zero(&self) -> bool {
        self.q05 > 0.0 || self.q95 < 0.0
    }
}

/// The result of running several scenarios with the same seeds.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Scenario names, in the order given; the first is the reference.
    pub names: Vec<String>,
    pub seeds: Vec<i64>,
    pub outcomes: Vec<Outcome>,
    /// `values[o][s][k]`: outcome `o` of scenario `s` run with seed `k`.
    pub values: Vec<Vec<Vec<f64>>>,
    /// Every annual value of every scenario, in the order of its annual table.
    pub annual: Vec<Vec<AnnualRow>>,
}

/// The runs of a comparison, scenario by scenario: scenario `s` with seed `k` is item
/// `s * runs + k`, and every scenario gets the seeds of the first (common random numbers).
pub fn items(scenarios: &[Scenario], runs: u64) -> Vec<Scenario> {
    let base = scenarios.first().map(|s| s.params.run.seed).unwrap_or_default();
    scenarios
        .iter()
        .flat_map(|s| {
            let mut s = s.clone();
            s.params.run.seed = base;
            runner::seeds(&s, runs)
        })
        .collect()
}

/// Run every scenario with `runs` seeds (all in one batch) and keep the outcomes and the annual
/// tables. Outcomes should be checked first ([`Outcome::check`]); one that a run lacks is
/// reported as [`RunError::Inputs`].
pub fn compare(
    scenarios: &[Scenario],
    outcomes: &[Outcome],
    runs: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
    cancel: &AtomicBool,
) -> Result<Comparison, RunError> {
    assert!(runs >= 1 && !scenarios.is_empty());
    let items = items(scenarios, runs);
    let results = runner::run_all(
        &items,
        &|_, r| {
            let values: Result<Vec<f64>, String> = outcomes.iter().map(|o| o.eval(&r.tables)).collect();
            (values, r.tables.annual)
        },
        progress,
        cancel,
    )?;
    let runs = runs as usize;
    let mut values = vec![vec![Vec::with_capacity(runs); scenarios.len()]; outcomes.len()];
    let mut annual = Vec::with_capacity(scenarios.len());
    for (s, chunk) in results.chunks(runs).enumerate() {
        let mut rows: Vec<AnnualRow> = Vec::new();
        for (k, (v, table)) in chunk.iter().enumerate() {
            let v = v.as_ref().map_err(|e| RunError::Inputs(e.clone()))?;
            for (o, x) in v.iter().enumerate() {
                values[o][s].push(*x);
            }
            if k == 0 {
                rows = table
                    .iter()
                    .map(|r| AnnualRow {
                        year: r.year,
                        region: r.region.clone(),
                        series: r.series,
                        values: vec![r.value],
                    })
                    .collect();
            } else {
                // One scenario's runs have the same table layout whatever the seed.
                assert_eq!(rows.len(), table.len(), "annual tables of one scenario differ in length");
                for (row, r) in rows.iter_mut().zip(table) {
                    assert!(row.year == r.year && row.series == r.series && row.region == r.region);
                    row.values.push(r.value);
                }
            }
        }
        annual.push(rows);
    }
    Ok(Comparison {
        names: scenarios.iter().map(|s| s.name.clone()).collect(),
        seeds: items[..runs].iter().map(|s| s.params.run.seed).collect(),
        outcomes: outcomes.to_vec(),
        values,
        annual,
    })
}

impl Comparison {
    pub fn runs(&self) -> usize {
        self.seeds.len()
    }

    /// Outcome `o` of scenario `s`: mean and 90% interval over seeds.
    pub fn stat(&self, o: usize, s: usize) -> Stat {
        Stat::of(&self.values[o][s])
    }

    /// Scenario `s` less the first scenario, seed by seed: the paired differences.
    pub fn paired_differences(&self, o: usize, s: usize) -> Vec<f64> {
        self.values[o][s].iter().zip(&self.values[o][0]).map(|(x, r)| x - r).collect()
    }

    /// Mean and 90% interval of the paired differences from the first scenario.
    pub fn difference(&self, o: usize, s: usize) -> Stat {
        Stat::of(&self.paired_differences(o, s))
    }

    /// compare.csv: `scenario,year,region,series,value` (the mean over seeds) for every annual
    /// value of every scenario, plus `q05,q25,q50,q75,q95` over seeds when there is more than one.
    pub fn csv(&self) -> String {
        let quantiles = self.runs() > 1;
        let mut out = String::from("scenario,year,region,series,value");
        if quantiles {
            out.push_str(",q05,q25,q50,q75,q95");
        }
        out.push('\n');
        for (name, rows) in self.names.iter().zip(&self.annual) {
            for r in rows {
                let mean = r.values.iter().sum::<f64>() / r.values.len() as f64;
                out.push_str(&format!("{name},{},{},{},{}", r.year, r.region, r.series, fmt_value(mean)));
                if quantiles {
                    let mut v = r.values.clone();
                    v.sort_by(f64::total_cmp);
                    for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
                        out.push(',');
                        out.push_str(&fmt_value(quantile(&v, q)));
                    }
                }
                out.push('\n');
            }
        }
        out
    }

    /// The chart's panels: each of [`CHART_SERIES`] nationally over [`CHART_YEARS`], one line
    /// per scenario, with its 5-95% band when there is more than one seed.
    pub fn panels(&self) -> Vec<Panel> {
        CHART_SERIES
            .iter()
            .map(|(series, title, unit)| Panel {
                title: title.to_string(),
                y_label: unit.to_string(),
                lines: self
                    .names
                    .iter()
                    .zip(&self.annual)
                    .map(|(name, rows)| {
                        let rows: Vec<&AnnualRow> = rows
                            .iter()
                            .filter(|r| {
                                r.region == "CN"
                                    && r.series == *series
                                    && (CHART_YEARS.0..=CHART_YEARS.1).contains(&r.year)
                            })
                            .collect();
                        let stats: Vec<Stat> = rows.iter().map(|r| Stat::of(&r.values)).collect();
                        Line {
                            label: name.clone(),
                            years: rows.iter().map(|r| r.year).collect(),
                            mean: stats.iter().map(|s| s.mean).collect(),
                            band: (self.runs() > 1).then(|| {
                                (stats.iter().map(|s| s.q05).collect(), stats.iter().map(|s| s.q95).collect())
                            }),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: &str) -> Scenario {
        let mut s = leapsim_engine::scenario::load(name).unwrap();
        s.apply_override("run.scale=0.0005").unwrap();
        s.apply_override("run.end_year=1956").unwrap();
        s
    }

    #[test]
    fn every_scenario_gets_the_same_seeds() {
        let mut b = scenario("no-exports");
        b.params.run.seed = 99;
        let a = scenario("historical");
        let it = items(&[a.clone(), b], 3);
        let seeds: Vec<i64> = it.iter().map(|s| s.params.run.seed).collect();
        let base = a.params.run.seed;
        assert_eq!(seeds, vec![base, base + 1, base + 2, base, base + 1, base + 2]);
        assert_eq!(it[3].name, "no-exports");
    }

    #[test]
    fn a_scenario_compared_with_itself_differs_by_nothing_and_the_csv_has_quantiles() {
        let outcomes = Outcome::parse_all(&["deaths:1954-1956".into(), "population:1956@CN-AH".into()]).unwrap();
        let s = scenario("historical");
        let c = compare(&[s.clone(), s], &outcomes, 2, &|_, _| {}, &AtomicBool::new(false)).unwrap();
        assert_eq!(c.values[0][0].len(), 2);
        assert_ne!(c.values[0][0][0], c.values[0][0][1], "two seeds, two different runs");
        assert_eq!(c.paired_differences(0, 1), vec![0.0, 0.0]);
        assert!(!c.difference(1, 1).excludes_zero());
        let csv = c.csv();
        assert!(
            csv.starts_with("scenario,year,region,series,value,q05,q25,q50,q75,q95\nhistorical,1953,CN,population,")
        );
        assert_eq!(csv.lines().count(), 1 + 2 * c.annual[0].len());
        let panels = c.panels();
        assert_eq!(panels.len(), CHART_SERIES.len());
        assert_eq!(panels[0].lines[0].years, vec![1955, 1956]);
        assert!(panels[0].lines[0].band.is_some());
    }
}
