//! The ensemble job: one scenario run with many seeds; quantiles of every annual series and of
//! the outcomes over the runs.

use crate::manifest::{Items, Manifest};
use crate::outcome::Outcome;
use crate::runner::{seeds, Runner, Stored};
use crate::sample::PosteriorSample;
use crate::stats::quantile;
use crate::store::{scenario_fingerprint, WorkStore};
use crate::{JobError, ModelSpec};
use leapsim_engine::run::RunResult;
use leapsim_engine::series::SERIES;
use leapsim_engine::{data, output};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// What to run: the scenario, how many seeds, which outcomes, where and how.
#[derive(Clone, Debug)]
pub struct EnsembleRequest {
    pub model: ModelSpec,
    /// Number of runs, with seeds seed, seed+1, ..., seed+runs-1.
    pub runs: u64,
    /// Outcomes (SERIES:YEARS[:AGG][@REGION]); empty: the headline outcomes within the runs.
    pub outcomes: Vec<String>,
    /// Also keep every run's own output directory, `run-<seed>/`.
    pub keep_runs: bool,
    /// Output directory (default: `out/ensemble-<scenario>`); the work store is beside it.
    pub out: Option<PathBuf>,
    /// Reuse the finished runs of an interrupted ensemble with the same arguments.
    pub resume: bool,
    /// Draw each run's parameters from this posterior sample (`--posterior`).
    pub posterior: Option<PosteriorSample>,
    /// The command line, for the manifests.
    pub command: Vec<String>,
}

/// The quantiles of one value over the runs: q05, q25, q50, q75, q95 and the mean (NaN where no
/// run has a value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub q05: f64,
    pub q25: f64,
    pub q50: f64,
    pub q75: f64,
    pub q95: f64,
    pub mean: f64,
}

/// One row of the annual table: a series of a region in a year, over the runs.
#[derive(Clone, Debug)]
pub struct AnnualRow {
    pub year: i32,
    pub region: String,
    pub series: &'static str,
    pub summary: Summary,
}

/// What the ensemble gives.
pub struct EnsembleResult {
    pub out: PathBuf,
    pub scenario: String,
    pub seeds: Vec<i64>,
    pub scale: f64,
    /// By year, region (CN first), series.
    pub annual: Vec<AnnualRow>,
    /// One per outcome, in the order asked.
    pub outcomes: Vec<(String, Summary)>,
    /// Runs run now, and found finished in the work store.
    pub items: Items,
    /// With `keep_runs`: each run's directory (name in the output, where it is now).
    pub run_dirs: Vec<(String, PathBuf)>,
    pub manifest: Manifest,
    /// The work store, to remove once the outputs are written.
    pub work: WorkStore,
}

/// What is kept of one run: every annual value (in the order of the rows) and each outcome.
/// A missing value (NaN) is kept as `None`, which JSON can hold.
#[derive(Serialize, Deserialize)]
struct Kept {
    annual: Vec<Option<f64>>,
    outcomes: Vec<Option<f64>>,
}

fn opt(v: f64) -> Option<f64> {
    (!v.is_nan()).then_some(v)
}

/// The rows of the annual table: (year, region, series), by year, region (CN first), series.
fn labels(end_year: i32) -> Result<Vec<(i32, String, &'static str)>, String> {
    let regions: Vec<String> =
        std::iter::once("CN".to_string()).chain(data::provinces()?.into_iter().map(|p| p.code)).collect();
    let mut out = Vec::new();
    for y in leapsim_core::calendar::START_YEAR..=end_year {
        for r in &regions {
            for s in SERIES {
                out.push((y, r.clone(), *s));
            }
        }
    }
    Ok(out)
}

/// The outcomes given, or else the headline outcomes that lie within runs ending in `end_year`.
pub fn outcomes_for(texts: &[String], end_year: i32) -> Result<Vec<Outcome>, String> {
    let mut o = Outcome::parse_all(texts)?;
    if texts.is_empty() {
        o.retain(|o| o.last_year <= end_year);
        if o.is_empty() {
            return Err(format!("no headline outcome lies within runs ending in {end_year}; name some with --outcome"));
        }
    }
    Ok(o)
}

/// Check before running that every outcome's years lie in the run and its region exists.
pub fn check_outcomes(outcomes: &[Outcome], end_year: i32) -> Result<(), String> {
    let codes: Vec<String> = data::provinces()?.into_iter().map(|p| p.code).collect();
    let start = leapsim_core::calendar::START_YEAR;
    for o in outcomes {
        if o.first_year < start || o.last_year > end_year {
            return Err(format!("outcome `{}`: the runs cover {start}-{end_year} (run.end_year)", o.name()));
        }
        if o.region != "CN" && !codes.contains(&o.region) {
            return Err(format!(
                "outcome `{}`: unknown region `{}`; expected CN or one of {}",
                o.name(),
                o.region,
                codes.join(", ")
            ));
        }
    }
    Ok(())
}

/// The summary of the values that are not missing (all NaN if none is).
pub fn summary(mut values: Vec<f64>) -> Summary {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        let n = f64::NAN;
        return Summary { q05: n, q25: n, q50: n, q75: n, q95: n, mean: n };
    }
    values.sort_by(f64::total_cmp);
    let q = |p| quantile(&values, p);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    Summary { q05: q(0.05), q25: q(0.25), q50: q(0.5), q75: q(0.75), q95: q(0.95), mean }
}

/// Run the ensemble of `req` through `runner`: one item per seed, stored in the work store
/// beside the output directory as it finishes.
pub fn ensemble(req: &EnsembleRequest, runner: &Runner) -> Result<EnsembleResult, JobError> {
    let started = Instant::now();
    let base = req.model.resolve()?;
    if let Some(p) = &req.posterior {
        p.check_free(&base, &req.model.set).map_err(JobError::Input)?;
    }
    if req.runs == 0 {
        return Err(JobError::Input("--runs must be at least 1".into()));
    }
    let end_year = base.params.run.end_year as i32;
    let outcomes = outcomes_for(&req.outcomes, end_year).map_err(JobError::Input)?;
    check_outcomes(&outcomes, end_year).map_err(JobError::Input)?;
    let labels = labels(end_year).map_err(JobError::Input)?;
    let out = req.out.clone().unwrap_or_else(|| PathBuf::from("out").join(format!("ensemble-{}", base.name)));

    // `runs` is not part of the fingerprint: more runs can be added to an interrupted
    // ensemble, the first ones are the same.
    let fingerprint = json!({
        "command": "ensemble",
        "scenario": scenario_fingerprint(&base),
        "outcomes": outcomes.iter().map(Outcome::name).collect::<Vec<_>>(),
        "posterior": req.posterior.as_ref().map(PosteriorSample::fingerprint),
    });
    let store = WorkStore::open_tagged(&out, &fingerprint, req.resume)?;
    let items = match &req.posterior {
        Some(p) => p.runs(&base, req.runs),
        None => seeds(&base, req.runs),
    };
    let seeds: Vec<i64> = items.iter().map(|s| s.params.run.seed).collect();
    let keys: Vec<String> = seeds.iter().map(|s| format!("run-{s}")).collect();
    let run_dir = |k: &str| store.path().join("runs").join(k);
    if req.keep_runs {
        // A run finished without keep_runs has no directory to keep: run it again.
        for k in &keys {
            if store.get(k).is_some() && !run_dir(k).join("manifest.json").is_file() {
                store.remove(k)?;
            }
        }
    }
    let reused = Stored { store: &store, keys: &keys }.reusable::<Kept>();
    let keep = |i: usize, r: RunResult| -> Kept {
        if req.keep_runs {
            let s = &items[i];
            let seconds = r.build_seconds + r.simulate_seconds;
            let manifest = output::manifest(s, &r, &req.command, leapsim_engine::REVISION, seconds);
            // Written atomically; a failure here only means the run is redone on resume.
            let _ = output::write_dir(&run_dir(&keys[i]), &output::files(s, &r, &manifest), runner.cancel());
        }
        let t = &r.tables;
        Kept {
            annual: labels.iter().map(|(y, reg, s)| t.annual(*y, reg, s).and_then(opt)).collect(),
            outcomes: outcomes.iter().map(|o| o.eval(t).ok().and_then(opt)).collect(),
        }
    };
    let kept = runner.run(&items, Some(Stored { store: &store, keys: &keys }), &keep)?;

    let value = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let annual = labels
        .into_iter()
        .enumerate()
        .map(|(j, (year, region, series))| {
            let summary = summary(kept.iter().map(|k| value(k.annual[j])).collect());
            AnnualRow { year, region, series, summary }
        })
        .collect();
    let outcomes: Vec<(String, Summary)> = outcomes
        .iter()
        .enumerate()
        .map(|(j, o)| (o.name(), summary(kept.iter().map(|k| value(k.outcomes[j])).collect())))
        .collect();
    let items = Items { total: keys.len(), reused };
    let job = json!({
        "runs": req.runs,
        "outcomes": outcomes.iter().map(|o| &o.0).collect::<Vec<_>>(),
        "keep_runs": req.keep_runs,
        "posterior": req.posterior.as_ref().map(PosteriorSample::describe),
        "intervals": crate::sample::intervals(req.posterior.as_ref(), "each run draws a particle by weight"),
    });
    let manifest =
        Manifest::new(req.command.clone(), &base, seeds.clone(), items, started.elapsed().as_secs_f64(), job);
    let run_dirs = if req.keep_runs { keys.iter().map(|k| (k.clone(), run_dir(k))).collect() } else { Vec::new() };
    Ok(EnsembleResult {
        out,
        scenario: base.name.clone(),
        seeds,
        scale: base.params.run.scale,
        annual,
        outcomes,
        items,
        run_dirs,
        manifest,
        work: store,
    })
}
