//! A posterior sample read back for the multi-run commands: `posterior.csv` as
//! `leapsim calibrate --method abc-smc` writes it (`particle,weight,loss` and one column per
//! parameter). Each run of a job that takes `--posterior` draws a particle by weight, so its
//! interval carries the parameters' uncertainty beside the model's own chance.
//!
//! The draw of run `k` comes from a counter-based stream keyed by (seed, k) alone, so every
//! scenario of a comparison and every coalition of an attribution draws the same particles
//! (common draws), and the result does not depend on the order the runs are made in.

use leapsim_core::params::{spec, Kind};
use leapsim_core::rng::uniform;
use leapsim_engine::scenario::{check_range, Scenario, ScenarioError};
use serde_json::{json, Value};

/// The stream of the particle draws.
const DRAW: u64 = 0x706f_7374;

/// A weighted sample of parameter sets.
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorSample {
    pub file: String,
    /// The parameters, in the file's column order.
    pub keys: Vec<&'static str>,
    /// Each particle's weight, normalised to sum to 1.
    pub weights: Vec<f64>,
    /// Each particle's values, in `keys` order.
    pub values: Vec<Vec<f64>>,
}

/// Read `path`.
pub fn load(path: &str) -> Result<PosteriorSample, ScenarioError> {
    parse(&leapsim_engine::scenario::read_input(path, "posterior sample")?, path)
}

/// Parse a posterior sample; errors name the file, line and column.
pub fn parse(text: &str, file: &str) -> Result<PosteriorSample, ScenarioError> {
    let err = |line: usize, key: Option<&str>, message: String| ScenarioError {
        file: file.into(),
        line: Some(line),
        key: key.map(str::to_string),
        message,
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let (_, header) = lines.next().ok_or_else(|| err(1, None, "empty file: expected a header".into()))?;
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    if columns.len() < 4 || columns[..3] != ["particle", "weight", "loss"] {
        return Err(err(
            1,
            None,
            "expected the header of posterior.csv: particle,weight,loss and then one column per parameter".into(),
        ));
    }
    let mut keys = Vec::new();
    for &c in &columns[3..] {
        let sp = spec(c).ok_or_else(|| err(1, Some(c), "unknown parameter (see `leapsim params`)".into()))?;
        if sp.kind == Kind::Bool || sp.key.starts_with("run.") {
            return Err(err(1, Some(c), "only model parameters with a range can be drawn from a posterior".into()));
        }
        if keys.contains(&sp.key) {
            return Err(err(1, Some(c), "the parameter appears twice".into()));
        }
        keys.push(sp.key);
    }
    let (mut weights, mut values) = (Vec::new(), Vec::new());
    for (n, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != columns.len() {
            return Err(err(n, None, format!("expected {} values, found {}", columns.len(), cells.len())));
        }
        let number = |j: usize| -> Result<f64, ScenarioError> {
            cells[j]
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| err(n, Some(columns[j]), format!("expected a finite number, found `{}`", cells[j])))
        };
        let w = number(1)?;
        if w < 0.0 {
            return Err(err(n, Some("weight"), format!("a weight cannot be negative, found {w}")));
        }
        let row = (3..columns.len())
            .map(|j| {
                let v = number(j)?;
                check_range(spec(columns[j]).expect("checked above"), v).map_err(|e| err(n, Some(columns[j]), e))
            })
            .collect::<Result<Vec<f64>, _>>()?;
        weights.push(w);
        values.push(row);
    }
    let total: f64 = weights.iter().sum();
    if values.is_empty() || total <= 0.0 || !total.is_finite() {
        return Err(err(1, Some("weight"), "the sample has no particle of positive weight".into()));
    }
    let weights = weights.into_iter().map(|w| w / total).collect();
    Ok(PosteriorSample { file: file.into(), keys, weights, values })
}

impl PosteriorSample {
    /// The particle of run `k` of a job with base seed `seed`, drawn by weight.
    pub fn draw(&self, seed: i64, k: u64) -> usize {
        let r = uniform(seed as u64, &[DRAW, k]);
        let mut sum = 0.0;
        for (i, w) in self.weights.iter().enumerate() {
            sum += w;
            if r < sum {
                return i;
            }
        }
        self.weights.len() - 1
    }

    /// `scenario` with particle `i`'s values set.
    pub fn apply(&self, scenario: &mut Scenario, i: usize) {
        for (key, &v) in self.keys.iter().zip(&self.values[i]) {
            scenario.params.set(key, v);
        }
    }

    /// The parameters that `scenario` pins (by `[pinned]` or a `--set` given as `set`), which a
    /// posterior may not draw: an error naming them.
    pub fn check_free(&self, scenario: &Scenario, set: &[String]) -> Result<(), String> {
        let fixed: Vec<&str> = self
            .keys
            .iter()
            .copied()
            .filter(|k| {
                scenario.overrides.iter().any(|(p, _)| p == k)
                    || set.iter().any(|kv| kv.split('=').next().map(str::trim) == Some(k))
            })
            .collect();
        if fixed.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: the posterior draws {}, which the scenario or --set also fixes; drop one of them",
                self.file,
                fixed.join(", ")
            ))
        }
    }

    /// Set in `item` the particle of run `k` (of a job with base seed `seed`), where `item` is a
    /// run of scenario `own` in a job whose reference scenario is `reference` (a compared
    /// scenario, an attribution's coalition): the parameters that `own` sets away from
    /// `reference` are its own levers and keep their values; the others are drawn.
    pub fn apply_drawn(&self, item: &mut Scenario, own: &Scenario, reference: &Scenario, seed: i64, k: u64) {
        let levers: Vec<(&str, f64)> = self
            .keys
            .iter()
            .filter(|key| own.params.get(key) != reference.params.get(key))
            .map(|key| (*key, own.params.get(key).expect("a registered key")))
            .collect();
        self.apply(item, self.draw(seed, k));
        for (key, v) in levers {
            item.params.set(key, v);
        }
    }

    /// The runs of a job: `scenario` once per seed `seed, seed + 1, ...` (as
    /// [`crate::runner::seeds`]), run `k` with the particle it draws.
    pub fn runs(&self, scenario: &Scenario, runs: u64) -> Vec<Scenario> {
        let mut items = crate::runner::seeds(scenario, runs);
        for (k, s) in items.iter_mut().enumerate() {
            self.apply(s, self.draw(scenario.params.run.seed, k as u64));
        }
        items
    }

    /// What a work store's fingerprint keeps of the sample: all of it.
    pub fn fingerprint(&self) -> Value {
        json!({ "keys": self.keys, "weights": self.weights, "values": self.values })
    }

    /// The sample as a job's manifest records it (`job.posterior`).
    pub fn describe(&self) -> Value {
        json!({ "file": self.file, "particles": self.values.len(), "parameters": self.keys })
    }
}

/// What a job's intervals hold (`job.intervals` of its manifest): with a posterior, parameter
/// uncertainty, its runs drawing particles as `draws` says, and the model's own chance; without
/// one, the chance only.
pub fn intervals(posterior: Option<&PosteriorSample>, draws: &str) -> String {
    match posterior {
        Some(_) => format!("parameter uncertainty ({draws}) and the model's own chance"),
        None => "the model's own chance only (each run its own seed; parameters fixed)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "particle,weight,loss,procurement.enforcement,planning.area_cut\n\
                      1,0.25,0.1,0.2,0.3\n2,0.75,0.2,0.4,0.35\n";

    #[test]
    fn a_sample_parses_and_draws_by_weight() {
        let s = parse(OK, "p.csv").unwrap();
        assert_eq!(s.keys, ["procurement.enforcement", "planning.area_cut"]);
        assert_eq!(s.weights, [0.25, 0.75]);
        let draws: Vec<usize> = (0..4000).map(|k| s.draw(1, k)).collect();
        let second = draws.iter().filter(|&&i| i == 1).count() as f64 / 4000.0;
        assert!((second - 0.75).abs() < 0.03, "{second}");
        // The same (seed, run) always draws the same particle; another seed others.
        assert_eq!(draws, (0..4000).map(|k| s.draw(1, k)).collect::<Vec<_>>());
        assert_ne!(draws, (0..4000).map(|k| s.draw(2, k)).collect::<Vec<_>>());
        let mut sc = leapsim_engine::scenario::load("historical").unwrap();
        s.apply(&mut sc, 1);
        assert_eq!(sc.params.get("procurement.enforcement"), Some(0.4));
        assert_eq!(sc.params.get("planning.area_cut"), Some(0.35));
        assert!(s.check_free(&sc, &[]).is_ok());
        let e = s.check_free(&sc, &["planning.area_cut=0.2".into()]).unwrap_err();
        assert!(e.contains("planning.area_cut") && e.contains("also fixes"), "{e}");
    }

    #[test]
    fn bad_samples_name_file_line_and_column() {
        let bad = |from: &str, to: &str| parse(&OK.replace(from, to), "p.csv").unwrap_err();
        let e = bad("planning.area_cut", "planning.area_cutt");
        assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("planning.area_cutt")));
        let e = bad("particle,weight,loss", "particle,weight");
        assert!(e.message.contains("expected the header"), "{e}");
        let e = bad("2,0.75,0.2,0.4,0.35", "2,0.75,0.2,0.4,7");
        assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("planning.area_cut")));
        assert!(e.message.contains("out of range"), "{e}");
        let e = bad("1,0.25", "1,-0.25");
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("weight")));
        let e = bad("0.4,0.35", "0.4");
        assert!(e.message.contains("expected 5 values, found 4"), "{e}");
        let e = bad("0.1,0.2,0.3", "0.1,NaN,0.3");
        assert_eq!(e.key.as_deref(), Some("procurement.enforcement"));
        let e = bad("1,0.25,0.1,0.2,0.3\n2,0.75", "1,0,0.1,0.2,0.3\n2,0");
        assert!(e.message.contains("no particle of positive weight"), "{e}");
        let e = bad(",planning.area_cut", ",run.scale");
        assert!(e.message.contains("only model parameters"), "{e}");
        let e = parse("", "p.csv").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.to_string().starts_with("p.csv:1"), "{e}");
    }
}
