//! The sweep job: the scenario at every point of a design (grid, Latin hypercube or list), each
//! point run with the design's seeds; one row of outcomes per (point, seed).

use crate::design::{self, Design, DesignKind};
use crate::ensemble::{check_outcomes, outcomes_for};
use crate::manifest::{Items, Manifest};
use crate::outcome::Outcome;
use crate::runner::{Runner, Stored};
use crate::sample::PosteriorSample;
use crate::store::{scenario_fingerprint, WorkStore};
use crate::{JobError, ModelSpec};
use leapsim_engine::run::RunResult;
use leapsim_engine::scenario::Scenario;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to run: the scenario, the design file, which outcomes, where and how.
#[derive(Clone, Debug)]
pub struct SweepRequest {
    pub model: ModelSpec,
    /// Design file (TOML): `[design]` kind, seeds, outcomes, and the parameters to vary.
    pub design: PathBuf,
    /// Outcomes (SERIES:YEARS[:AGG][@REGION]); replace the design's. Empty: the design's, else
    /// the headline outcomes within the runs.
    pub outcomes: Vec<String>,
    /// Output directory (default: `out/sweep-<design file name>`); the work store is beside it.
    pub out: Option<PathBuf>,
    /// Reuse the finished runs of an interrupted sweep with the same arguments.
    pub resume: bool,
    /// Draw the parameters the design does not vary from this posterior sample: run `k` of
    /// every point the same particle (`--posterior`).
    pub posterior: Option<PosteriorSample>,
    /// The command line, for the manifest.
    pub command: Vec<String>,
}

/// What the sweep gives.
pub struct SweepResult {
    pub out: PathBuf,
    pub scenario: String,
    pub scale: f64,
    /// The design as read (its points, parameters and seeds per point).
    pub design: Design,
    /// One per work item, in item order: (point index, seed). Point `i`'s runs are items
    /// `i * seeds .. (i + 1) * seeds`.
    pub rows: Vec<(usize, i64)>,
    /// Outcome names, in the order of the columns.
    pub outcomes: Vec<String>,
    /// `values[item][outcome]`; `None` where the run has no value.
    pub values: Vec<Vec<Option<f64>>>,
    /// Runs run now, and found finished in the work store.
    pub items: Items,
    pub manifest: Manifest,
    /// The work store, to remove once the outputs are written.
    pub work: WorkStore,
}

impl SweepResult {
    /// Outcome `j` at point `i`: the mean over its seeds that have a value (NaN if none has).
    pub fn point_mean(&self, i: usize, j: usize) -> f64 {
        let n = self.design.seeds as usize;
        let v: Vec<f64> = (0..n).filter_map(|k| self.values[i * n + k][j]).collect();
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    }
}

/// The name of a design kind, as in the design file.
pub fn kind_name(kind: DesignKind) -> &'static str {
    match kind {
        DesignKind::Grid => "grid",
        DesignKind::Lhs => "lhs",
        DesignKind::List => "list",
    }
}

/// Every (point, seed) as one work item, with its (point, seed).
fn items(base: &Scenario, d: &Design) -> (Vec<Scenario>, Vec<(usize, i64)>) {
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for (i, p) in d.points.iter().enumerate() {
        let mut s = base.clone();
        for (k, v) in d.params.iter().zip(p) {
            s.params.set(k, *v);
            s.overrides.push((k.to_string(), *v));
        }
        for k in 0..d.seeds {
            let mut r = s.clone();
            r.params.run.seed = base.params.run.seed + k as i64;
            rows.push((i, r.params.run.seed));
            items.push(r);
        }
    }
    (items, rows)
}

/// Draw into `items` (as [`items`] lists them) the particles of `posterior`: run `k` of every
/// point draws the same one, and the design's own parameters keep the point's values.
fn draw_into(items: &mut [Scenario], d: &Design, posterior: &PosteriorSample, base_seed: i64) {
    for (j, item) in items.iter_mut().enumerate() {
        let point = &d.points[j / d.seeds as usize];
        posterior.apply(item, posterior.draw(base_seed, j as u64 % d.seeds));
        for (k, v) in d.params.iter().zip(point) {
            item.params.set(k, *v);
        }
    }
}

/// The default output directory of a sweep of design file `design`.
fn default_out(design: &Path) -> PathBuf {
    let stem = design.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "design".into());
    PathBuf::from("out").join(format!("sweep-{stem}"))
}

/// Run the sweep of `req` through `runner`: one item per (point, seed), stored in the work
/// store beside the output directory as it finishes.
pub fn sweep(req: &SweepRequest, runner: &Runner) -> Result<SweepResult, JobError> {
    let started = Instant::now();
    let base = req.model.resolve()?;
    let file = req.design.to_string_lossy().into_owned();
    let d = design::load(&file, base.params.run.seed)?;
    let texts = if !req.outcomes.is_empty() { req.outcomes.clone() } else { d.outcomes.clone() };
    let (mut items, rows) = items(&base, &d);
    if let Some(p) = &req.posterior {
        p.check_free(&base, &req.model.set).map_err(JobError::Input)?;
        draw_into(&mut items, &d, p, base.params.run.seed);
    }
    // A design may vary run.end_year: every point must cover the outcomes' years.
    let shortest = items.iter().map(|s| s.params.run.end_year as i32).min().unwrap_or(1966);
    let outcomes = outcomes_for(&texts, shortest).map_err(JobError::Input)?;
    check_outcomes(&outcomes, shortest).map_err(JobError::Input)?;
    let names: Vec<String> = outcomes.iter().map(Outcome::name).collect();
    let keys: Vec<String> = rows.iter().map(|(i, seed)| format!("point-{i:04}-seed-{seed}")).collect();
    let out = req.out.clone().unwrap_or_else(|| default_out(&req.design));

    // The points' values (not the file's text) identify the work, with the scenario and
    // outcomes; more seeds per point can be added on resume.
    let fingerprint = json!({
        "command": "sweep",
        "scenario": scenario_fingerprint(&base),
        "params": d.params,
        "points": d.points,
        "outcomes": names,
        "posterior": req.posterior.as_ref().map(PosteriorSample::fingerprint),
    });
    let store = WorkStore::open_tagged(&out, &fingerprint, req.resume)?;
    let reused = keys.iter().filter(|k| store.get(k).is_some()).count();
    let keep = |_: usize, r: RunResult| -> Vec<Option<f64>> {
        outcomes.iter().map(|o| o.eval(&r.tables).ok().filter(|v| !v.is_nan())).collect()
    };
    let values = runner.run(&items, Some(Stored { store: &store, keys: &keys }), &keep)?;

    let items = Items { total: keys.len(), reused };
    let seeds: Vec<i64> = rows.iter().take(d.seeds as usize).map(|r| r.1).collect();
    let job = json!({
        "design": {
            "file": file,
            "kind": kind_name(d.kind),
            "points": d.points.len(),
            "seeds": d.seeds,
            "params": d.params,
        },
        "outcomes": names,
        "posterior": req.posterior.as_ref().map(PosteriorSample::describe),
    });
    let manifest = Manifest::new(req.command.clone(), &base, seeds, items, started.elapsed().as_secs_f64(), job);
    Ok(SweepResult {
        out,
        scenario: base.name.clone(),
        scale: base.params.run.scale,
        design: d,
        rows,
        outcomes: names,
        values,
        items,
        manifest,
        work: store,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_draw_alike_and_keep_the_values_the_design_gives_them() {
        let sample = crate::sample::parse(
            "particle,weight,loss,procurement.enforcement,planning.area_cut\n1,0.5,0,0.1,0.2\n2,0.5,0,0.9,0.4\n",
            "p.csv",
        )
        .unwrap();
        let base = leapsim_engine::scenario::load("historical").unwrap();
        let d = Design {
            kind: DesignKind::List,
            params: vec!["procurement.enforcement"],
            points: vec![vec![0.3], vec![0.6]],
            seeds: 8,
            outcomes: vec![],
        };
        let (mut runs, rows) = items(&base, &d);
        draw_into(&mut runs, &d, &sample, base.params.run.seed);
        assert_eq!(runs.len(), 16);
        let get = |j: usize, k: &str| runs[j].params.get(k).unwrap();
        let cuts: Vec<f64> = (0..8).map(|j| get(j, "planning.area_cut")).collect();
        assert!(cuts.contains(&0.2) && cuts.contains(&0.4), "{cuts:?}");
        for j in 0..8 {
            // Run j of both points: the same seed, the same particle, the point's own value.
            assert_eq!(rows[j].1, rows[8 + j].1);
            assert_eq!(get(j, "planning.area_cut"), get(8 + j, "planning.area_cut"));
            assert_eq!((get(j, "procurement.enforcement"), get(8 + j, "procurement.enforcement")), (0.3, 0.6));
        }
    }
}
