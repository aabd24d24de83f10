//! Comparing scenarios with common random numbers.
//!
//! Every scenario runs with the same seeds `base .. base + runs - 1`. A seed fixes every random
//! stream (`rng::Stream` is keyed by seed, unit, month and purpose), so two scenarios run with
//! one seed differ only where their parameters make them differ. The difference between two
//! scenarios is therefore taken seed by seed (paired), and its interval is the spread of those
//! paired differences: far tighter than the spread of either scenario's own values.

use crate::figure::{Line, Panel};
use crate::manifest::{Items, Manifest};
use crate::outcome::Outcome;
use crate::runner::{self, Runner, Stored};
use crate::sample::PosteriorSample;
use crate::stats::mean_and_90;
use crate::store::{scenario_fingerprint, WorkStore};
use crate::{JobError, ModelSpec};
use leapsim_engine::run::RunResult;
use leapsim_engine::scenario::Scenario;
use leapsim_engine::series::SERIES;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

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

/// As [`items`], with run `k` of every scenario drawing the same particle of `posterior`
/// (common draws). A parameter that a scenario sets away from the first scenario's value is
/// the scenario's own lever and keeps its value; the others are drawn.
pub fn items_drawn(scenarios: &[Scenario], runs: u64, posterior: &PosteriorSample) -> Vec<Scenario> {
    let mut all = items(scenarios, runs);
    let reference = &scenarios[0];
    for (i, item) in all.iter_mut().enumerate() {
        let own = &scenarios[i / runs as usize];
        posterior.apply_drawn(item, own, reference, reference.params.run.seed, i as u64 % runs);
    }
    all
}

/// What to compare: two or more scenarios run with the same seeds; the first is the reference
/// that the others are compared with.
#[derive(Clone, Debug)]
pub struct CompareRequest {
    /// The scenarios, in order. Each has its own options, but every scenario runs with the
    /// seeds of the first (common random numbers).
    pub scenarios: Vec<ModelSpec>,
    /// Seeds per scenario.
    pub runs: u64,
    /// Outcomes (SERIES:YEARS[:AGG][@REGION]); empty: the headline outcomes.
    pub outcomes: Vec<String>,
    /// Output directory (default: `out/compare`); the work store is beside it.
    pub out: Option<PathBuf>,
    /// Reuse the finished runs of an interrupted comparison with the same arguments.
    pub resume: bool,
    /// Draw each run's parameters from this posterior sample, the same particle for run `k` of
    /// every scenario (`--posterior`).
    pub posterior: Option<PosteriorSample>,
    /// The command line, for the manifest.
    pub command: Vec<String>,
}

/// What the comparison gives.
pub struct CompareResult {
    pub out: PathBuf,
    pub comparison: Comparison,
    /// The scale of the first scenario.
    pub scale: f64,
    /// Runs run now, and found finished in the work store.
    pub items: Items,
    pub manifest: Manifest,
    /// The work store, to remove once the outputs are written.
    pub work: WorkStore,
}

/// What is kept of one run: each outcome (or why the run has none), every annual value in the
/// order of its annual table (a missing value as `None`) and, for the first seed of each
/// scenario, the table's keys (year, region, series).
#[derive(Serialize, Deserialize)]
struct Kept {
    outcomes: Result<Vec<Option<f64>>, String>,
    annual: Vec<Option<f64>>,
    labels: Option<Vec<(i32, String, String)>>,
}

fn opt(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

fn value(v: &Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// The scenarios of `req`, resolved, and its outcomes, checked against each of them.
fn resolve(req: &CompareRequest) -> Result<(Vec<Scenario>, Vec<Outcome>), JobError> {
    if req.runs == 0 {
        return Err(JobError::Input("--runs: expected at least 1".into()));
    }
    if req.scenarios.len() < 2 {
        return Err(JobError::Input("compare needs two or more scenarios".into()));
    }
    let scenarios = req.scenarios.iter().map(ModelSpec::resolve).collect::<Result<Vec<_>, _>>()?;
    let outcomes = Outcome::parse_all(&req.outcomes).map_err(JobError::Input)?;
    for o in &outcomes {
        for s in &scenarios {
            o.check(s).map_err(JobError::Input)?;
        }
    }
    Ok((scenarios, outcomes))
}

/// Compare the scenarios of `req` through `runner`: scenario `s` with seed `k` is one item,
/// stored in the work store beside the output directory as it finishes.
pub fn compare(req: &CompareRequest, runner: &Runner) -> Result<CompareResult, JobError> {
    let started = Instant::now();
    let (scenarios, outcomes) = resolve(req)?;
    if let Some(p) = &req.posterior {
        for (s, spec) in scenarios.iter().zip(&req.scenarios) {
            p.check_free(s, &spec.set).map_err(JobError::Input)?;
        }
    }
    let runs = req.runs as usize;
    let items = match &req.posterior {
        Some(p) => items_drawn(&scenarios, req.runs, p),
        None => items(&scenarios, req.runs),
    };
    let out = req.out.clone().unwrap_or_else(|| PathBuf::from("out").join("compare"));
    // `runs` is not part of the fingerprint: more seeds can be added on resume.
    let fingerprint = json!({
        "command": "compare",
        "scenarios": items.iter().step_by(runs).map(scenario_fingerprint).collect::<Vec<_>>(),
        "outcomes": outcomes.iter().map(Outcome::name).collect::<Vec<_>>(),
        "posterior": req.posterior.as_ref().map(PosteriorSample::fingerprint),
    });
    let store = WorkStore::open_tagged(&out, &fingerprint, req.resume)?;
    let keys: Vec<String> =
        items.iter().enumerate().map(|(i, s)| format!("scenario-{:02}-seed-{}", i / runs, s.params.run.seed)).collect();
    let reused = Stored { store: &store, keys: &keys }.reusable::<Kept>();
    let keep = |i: usize, r: RunResult| -> Kept {
        let t = &r.tables;
        Kept {
            outcomes: outcomes.iter().map(|o| o.eval(t).map(opt)).collect(),
            annual: t.annual.iter().map(|row| opt(row.value)).collect(),
            labels: i
                .is_multiple_of(runs)
                .then(|| t.annual.iter().map(|row| (row.year, row.region.clone(), row.series.to_string())).collect()),
        }
    };
    let kept = runner.run(&items, Some(Stored { store: &store, keys: &keys }), &keep)?;
    let comparison = Comparison {
        names: scenarios.iter().map(|s| s.name.clone()).collect(),
        seeds: items[..runs].iter().map(|s| s.params.run.seed).collect(),
        values: values(&kept, outcomes.len(), runs)?,
        annual: kept.chunks(runs).map(annual).collect::<Result<_, _>>()?,
        outcomes,
    };
    let items = Items { total: keys.len(), reused };
    let mut job = job(&scenarios, &comparison);
    job["posterior"] = json!(req.posterior.as_ref().map(PosteriorSample::describe));
    job["intervals"] = json!(crate::sample::intervals(req.posterior.as_ref(), "common draws across scenarios"));
    let seconds = started.elapsed().as_secs_f64();
    let manifest = Manifest::new(req.command.clone(), &scenarios[0], comparison.seeds.clone(), items, seconds, job);
    let scale = scenarios[0].params.run.scale;
    Ok(CompareResult { out, comparison, scale, items, manifest, work: store })
}

/// `values[o][s][k]` from the kept runs, scenario by scenario (`runs` items each).
fn values(kept: &[Kept], n_outcomes: usize, runs: usize) -> Result<Vec<Vec<Vec<f64>>>, JobError> {
    let mut values = vec![vec![Vec::with_capacity(runs); kept.len() / runs]; n_outcomes];
    for (i, k) in kept.iter().enumerate() {
        let v = k.outcomes.as_ref().map_err(|e| JobError::Input(e.clone()))?;
        for (o, x) in v.iter().enumerate() {
            values[o][i / runs].push(value(x));
        }
    }
    Ok(values)
}

/// One scenario's annual table, each value over its seeds (`chunk`: its runs, first seed first).
fn annual(chunk: &[Kept]) -> Result<Vec<AnnualRow>, JobError> {
    let broken =
        |what: &str| JobError::Input(format!("the work store holds a run without {what}; run without --resume"));
    let labels = chunk[0].labels.as_ref().ok_or_else(|| broken("its table's keys"))?;
    let mut rows = labels
        .iter()
        .map(|(year, region, name)| {
            let series = SERIES.iter().copied().find(|s| s == name).ok_or_else(|| broken("known series"))?;
            Ok(AnnualRow { year: *year, region: region.clone(), series, values: Vec::with_capacity(chunk.len()) })
        })
        .collect::<Result<Vec<_>, JobError>>()?;
    for k in chunk {
        // One scenario's runs have the same table layout whatever the seed.
        assert_eq!(rows.len(), k.annual.len(), "annual tables of one scenario differ in length");
        for (row, x) in rows.iter_mut().zip(&k.annual) {
            row.values.push(value(x));
        }
    }
    Ok(rows)
}

/// The comparison's own part of the manifest: the scenarios (the first is the reference) and
/// every outcome of every scenario and seed.
fn job(scenarios: &[Scenario], c: &Comparison) -> serde_json::Value {
    json!({
        "runs": c.runs(),
        "scenarios": scenarios.iter().map(|s| json!({
            "name": s.name,
            "origin": s.origin,
            "description": s.description,
            "hash": crate::manifest::scenario_hash(s),
            "overrides": s.overrides.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "outcomes": c.outcomes.iter().enumerate().map(|(o, x)| json!({
            "outcome": x.name(),
            "by_scenario": (0..c.names.len()).map(|s| json!({
                "scenario": c.names[s],
                "values": c.values[o][s],
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
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
    use std::sync::atomic::AtomicBool;

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

    fn spec(name: &str) -> ModelSpec {
        ModelSpec {
            scenario: name.into(),
            set: vec!["run.scale=0.0005".into(), "run.end_year=1956".into()],
            ..ModelSpec::default()
        }
    }

    #[test]
    fn compared_scenarios_draw_the_same_particles_and_keep_their_own_levers() {
        let sample = crate::sample::parse(
            "particle,weight,loss,procurement.enforcement,planning.area_cut\n1,0.5,0,0.1,0.2\n2,0.5,0,0.9,0.4\n",
            "p.csv",
        )
        .unwrap();
        let history = leapsim_engine::scenario::load("historical").unwrap();
        let mut lever = history.clone();
        lever.params.set("procurement.enforcement", 0.55);
        let items = items_drawn(&[history, lever], 6, &sample);
        assert_eq!(items.len(), 12);
        let get = |i: usize, k: &str| items[i].params.get(k).unwrap();
        let particles: Vec<f64> = (0..6).map(|k| get(k, "planning.area_cut")).collect();
        assert!(particles.contains(&0.2) && particles.contains(&0.4), "{particles:?}");
        for k in 0..6 {
            // Run k of both scenarios: the same seed and the same particle ...
            assert_eq!(items[k].params.run.seed, items[6 + k].params.run.seed);
            assert_eq!(get(k, "planning.area_cut"), get(6 + k, "planning.area_cut"));
            // ... except the lever the second scenario sets itself.
            assert_eq!(get(6 + k, "procurement.enforcement"), 0.55);
            let drawn = if get(k, "planning.area_cut") == 0.2 { 0.1 } else { 0.9 };
            assert_eq!(get(k, "procurement.enforcement"), drawn);
        }
    }

    #[test]
    fn a_scenario_compared_with_itself_differs_by_nothing_and_resumes_from_its_store() {
        let d = std::env::temp_dir().join(format!("leapsim-compare-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let mut req = CompareRequest {
            scenarios: vec![spec("historical"), spec("historical")],
            runs: 2,
            outcomes: vec!["deaths:1954-1956".into(), "population:1956@CN-AH".into()],
            out: Some(d.join("out")),
            resume: false,
            posterior: None,
            command: vec![],
        };
        let no = AtomicBool::new(false);
        let CompareResult { comparison, items, manifest, work, .. } = compare(&req, &Runner::silent(&no)).unwrap();
        // The job is over: its store's lock is let go, its items stay for the resume below.
        drop(work);
        let c = &comparison;
        assert_eq!(c.values[0][0].len(), 2);
        assert_ne!(c.values[0][0][0], c.values[0][0][1], "two seeds, two different runs");
        assert_eq!(c.paired_differences(0, 1), vec![0.0, 0.0]);
        assert!(!c.difference(1, 1).excludes_zero());
        assert_eq!(c.annual[0][0].values.len(), 2);
        assert_eq!((items.total, items.reused), (4, 0));
        assert_eq!(manifest.job["scenarios"][1]["name"], "historical");
        let panels = c.panels();
        assert_eq!(panels.len(), CHART_SERIES.len());
        assert_eq!(panels[0].lines[0].years, vec![1955, 1956]);
        assert!(panels[0].lines[0].band.is_some());

        // Everything stored: resumed, nothing runs (even when cancelled) and nothing changes.
        req.resume = true;
        let yes = AtomicBool::new(true);
        let again = compare(&req, &Runner::silent(&yes)).unwrap();
        assert_eq!((again.items.total, again.items.reused), (4, 4));
        assert_eq!(again.comparison.values, c.values);
        let flat = |c: &Comparison| -> Vec<(i32, String, &str, Vec<u64>)> {
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect();
            c.annual.iter().flatten().map(|r| (r.year, r.region.clone(), r.series, bits(&r.values))).collect()
        };
        assert_eq!(flat(&again.comparison), flat(c));
        std::fs::remove_dir_all(&d).unwrap();
    }
}
