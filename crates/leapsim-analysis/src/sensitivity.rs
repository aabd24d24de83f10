//! Global sensitivity analysis: Morris elementary effects and Sobol indices.
//!
//! The mathematics, on points of the unit cube `[0, 1]^k`: designs (which points to
//! evaluate) and estimators (what the values at those points say). Running the model at the
//! points is the job's business ([`sensitivity`], at the end), so the mathematics is tested on
//! closed-form functions.
//!
//! Random numbers are counter-based: draw `i` of stream `s` under seed `seed` is a SplitMix64
//! hash of `(seed, s, i)`, so a design depends only on its seed and sizes, never on the order
//! or thread in which its points are evaluated. Sobol designs use these plain uniforms (Monte
//! Carlo, not a low-discrepancy sequence); their bootstrap intervals say how far to trust them.

use crate::ensemble::check_outcomes;
use crate::manifest::{Items, Manifest};
use crate::outcome::Outcome;
use crate::runner::{Runner, Stored};
use crate::store::{scenario_fingerprint, WorkStore};
use crate::{JobError, ModelSpec};
use leapsim_core::params::{spec, Kind};
use leapsim_engine::run::RunResult;
use leapsim_engine::scenario::Scenario;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Counter-based uniform numbers: `u64(stream, i)` depends only on the seed, the stream and `i`.
#[derive(Clone, Copy, Debug)]
pub struct Counter {
    seed: u64,
}

impl Counter {
    pub fn new(seed: u64) -> Counter {
        Counter { seed }
    }
    pub fn u64(&self, stream: u64, i: u64) -> u64 {
        leapsim_core::rng::mix(self.seed, &[stream, i])
    }
    /// Uniform in [0, 1), 53 bits.
    pub fn uniform(&self, stream: u64, i: u64) -> f64 {
        leapsim_core::rng::to_uniform(self.u64(stream, i))
    }
    /// Uniform integer in 0..n (n > 0), by rejection so that it is exactly uniform.
    pub fn below(&self, stream: u64, i: u64, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        let mut j = 0u64;
        loop {
            let x = self.u64(stream, i.wrapping_mul(0x1_0000).wrapping_add(j));
            if x < zone {
                return x % n;
            }
            j += 1;
        }
    }
}

// Streams of the designs (distinct so that no two uses share numbers).
const STREAM_MORRIS_LEVEL: u64 = 1;
const STREAM_MORRIS_DIRECTION: u64 = 2;
const STREAM_MORRIS_ORDER: u64 = 3;
const STREAM_SOBOL_A: u64 = 4;
const STREAM_SOBOL_B: u64 = 5;
const STREAM_BOOTSTRAP: u64 = 6;

/// A Morris design: `trajectories` one-at-a-time paths of `k + 1` points each on a grid of
/// `levels` levels in `[0, 1]^k`. Step `j` of a path moves one parameter by `±delta`.
#[derive(Clone, Debug)]
pub struct MorrisDesign {
    pub k: usize,
    pub trajectories: usize,
    pub levels: usize,
    /// Δ = p / (2 (p − 1)) for p levels.
    pub delta: f64,
    /// `trajectories * (k + 1)` points, path by path.
    pub points: Vec<Vec<f64>>,
}

impl MorrisDesign {
    /// Build `r` trajectories for `k` parameters on a `p`-level grid (`p` even, at least 2).
    ///
    /// Each path starts from a random grid point whose every coordinate can move by Δ and
    /// stay in [0, 1]: coordinate i starts on its lower or upper level (at random) and steps
    /// once, in a random order of the parameters, to the other.
    pub fn new(k: usize, r: usize, p: usize, seed: u64) -> Result<MorrisDesign, String> {
        if k == 0 {
            return Err("no parameters".into());
        }
        if p < 2 || !p.is_multiple_of(2) {
            return Err(format!("the number of levels must be even and at least 2, found {p}"));
        }
        if r < 2 {
            return Err(format!("at least 2 trajectories are needed for a spread, found {r}"));
        }
        let rng = Counter::new(seed);
        let delta = p as f64 / (2.0 * (p - 1) as f64);
        let half = (p / 2) as u64;
        let mut points = Vec::with_capacity(r * (k + 1));
        for t in 0..r {
            let id = |i: usize| (t * k + i) as u64;
            // Lower level l/(p-1), l in 0..p/2, so that l/(p-1) + delta <= 1.
            let low: Vec<f64> =
                (0..k).map(|i| rng.below(STREAM_MORRIS_LEVEL, id(i), half) as f64 / (p - 1) as f64).collect();
            let up: Vec<bool> = (0..k).map(|i| rng.below(STREAM_MORRIS_DIRECTION, id(i), 2) == 1).collect();
            // Fisher-Yates order of the steps.
            let mut order: Vec<usize> = (0..k).collect();
            for i in (1..k).rev() {
                let j = rng.below(STREAM_MORRIS_ORDER, id(i), i as u64 + 1) as usize;
                order.swap(i, j);
            }
            let mut x: Vec<f64> = (0..k).map(|i| if up[i] { low[i] } else { low[i] + delta }).collect();
            points.push(x.clone());
            for &i in &order {
                x[i] = if up[i] { low[i] + delta } else { low[i] };
                points.push(x.clone());
            }
        }
        Ok(MorrisDesign { k, trajectories: r, levels: p, delta, points })
    }
}

/// Morris statistics of one parameter for one outcome.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MorrisStat {
    /// Mean absolute elementary effect (the ranking measure).
    pub mu_star: f64,
    /// Mean elementary effect (signed: effects of both signs cancel).
    pub mu: f64,
    /// Standard deviation of the elementary effects (nonlinearity and interactions).
    pub sigma: f64,
}

/// Morris statistics from the outcome `y[n]` at each design point. Elementary effects are
/// `(y(x + Δ e_i) − y(x)) / Δ` in unit-cube terms; multiply by the parameter's range to get
/// them per unit of the parameter. σ is the sample standard deviation (r − 1 denominator).
pub fn morris(d: &MorrisDesign, y: &[f64]) -> Vec<MorrisStat> {
    assert_eq!(y.len(), d.points.len(), "one value per design point");
    let k = d.k;
    let mut effects = vec![Vec::with_capacity(d.trajectories); k];
    for t in 0..d.trajectories {
        let base = t * (k + 1);
        for j in 0..k {
            let (a, b) = (&d.points[base + j], &d.points[base + j + 1]);
            let i = (0..k).find(|&i| a[i] != b[i]).expect("each step moves one parameter");
            effects[i].push((y[base + j + 1] - y[base + j]) / (b[i] - a[i]));
        }
    }
    effects
        .iter()
        .map(|e| {
            let n = e.len() as f64;
            let mu = e.iter().sum::<f64>() / n;
            let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / n;
            let var = e.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0);
            MorrisStat { mu_star, mu, sigma: var.sqrt() }
        })
        .collect()
}

/// A Saltelli design for Sobol indices: base matrices A and B (`n` rows each, uniform on
/// `[0, 1]^k`) and, for each parameter i, AB_i (A with column i from B). Points are in the
/// order A, B, AB_1, ..., AB_k, `n` each: `n (k + 2)` in all.
#[derive(Clone, Debug)]
pub struct SaltelliDesign {
    pub k: usize,
    pub n: usize,
    pub points: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    pub fn new(k: usize, n: usize, seed: u64) -> Result<SaltelliDesign, String> {
        if k == 0 {
            return Err("no parameters".into());
        }
        if n < 2 {
            return Err(format!("at least 2 base samples are needed, found {n}"));
        }
        let rng = Counter::new(seed);
        let row =
            |stream: u64, j: usize| -> Vec<f64> { (0..k).map(|i| rng.uniform(stream, (j * k + i) as u64)).collect() };
        let a: Vec<Vec<f64>> = (0..n).map(|j| row(STREAM_SOBOL_A, j)).collect();
        let b: Vec<Vec<f64>> = (0..n).map(|j| row(STREAM_SOBOL_B, j)).collect();
        let mut points = Vec::with_capacity(n * (k + 2));
        points.extend(a.iter().cloned());
        points.extend(b.iter().cloned());
        for i in 0..k {
            for j in 0..n {
                let mut x = a[j].clone();
                x[i] = b[j][i];
                points.push(x);
            }
        }
        Ok(SaltelliDesign { k, n, points })
    }
}

/// Sobol indices of one parameter for one outcome, with 95% bootstrap half-widths.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SobolStat {
    /// First-order index: the share of the variance the parameter explains alone.
    pub s1: f64,
    pub s1_conf: f64,
    /// Total index: the share it explains alone and with every interaction.
    pub st: f64,
    pub st_conf: f64,
}

/// First-order (Saltelli 2010) and total (Jansen 1999) estimates for the base rows `rows`.
fn sobol_estimate(d: &SaltelliDesign, y: &[f64], rows: &[usize]) -> Vec<(f64, f64)> {
    let n = d.n;
    let m = rows.len() as f64;
    let (fa, fb) = (&y[..n], &y[n..2 * n]);
    // Variance of all A and B values of these rows.
    let mean = rows.iter().map(|&j| fa[j] + fb[j]).sum::<f64>() / (2.0 * m);
    let var = rows.iter().map(|&j| (fa[j] - mean).powi(2) + (fb[j] - mean).powi(2)).sum::<f64>() / (2.0 * m - 1.0);
    (0..d.k)
        .map(|i| {
            let fab = &y[(2 + i) * n..(3 + i) * n];
            if var <= 0.0 {
                return (0.0, 0.0);
            }
            let s1 = rows.iter().map(|&j| fb[j] * (fab[j] - fa[j])).sum::<f64>() / m / var;
            let st = rows.iter().map(|&j| (fa[j] - fab[j]).powi(2)).sum::<f64>() / (2.0 * m) / var;
            (s1, st)
        })
        .collect()
}

/// Sobol indices from the outcome `y[n]` at each design point, with `resamples` bootstrap
/// resamples of the base rows (counter-based, seeded) for the 95% half-widths
/// (1.96 × the bootstrap standard deviation); no intervals with `resamples` = 0.
pub fn sobol(d: &SaltelliDesign, y: &[f64], resamples: usize, seed: u64) -> Vec<SobolStat> {
    assert_eq!(y.len(), d.points.len(), "one value per design point");
    let all: Vec<usize> = (0..d.n).collect();
    let point = sobol_estimate(d, y, &all);
    let rng = Counter::new(seed);
    let boot: Vec<Vec<(f64, f64)>> = (0..resamples)
        .map(|b| {
            let rows: Vec<usize> =
                (0..d.n).map(|j| rng.below(STREAM_BOOTSTRAP, (b * d.n + j) as u64, d.n as u64) as usize).collect();
            sobol_estimate(d, y, &rows)
        })
        .collect();
    let sd = |v: &[f64]| {
        if v.len() < 2 {
            return 0.0;
        }
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    };
    point
        .iter()
        .enumerate()
        .map(|(i, &(s1, st))| {
            let b1: Vec<f64> = boot.iter().map(|b| b[i].0).collect();
            let bt: Vec<f64> = boot.iter().map(|b| b[i].1).collect();
            SobolStat { s1, s1_conf: 1.96 * sd(&b1), st, st_conf: 1.96 * sd(&bt) }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The job: the designs above run on the model, one work item per design point and seed.

/// The sensitivity method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Morris elementary effects (screening: r (k + 1) runs).
    Morris,
    /// Sobol first-order and total indices (Saltelli design: N (k + 2) runs).
    Sobol,
}

impl Method {
    /// `morris` or `sobol`, as in the files.
    pub fn name(self) -> &'static str {
        match self {
            Method::Morris => "morris",
            Method::Sobol => "sobol",
        }
    }
}

/// A parameter varied over a range.
#[derive(Clone, Debug, PartialEq)]
pub struct Range {
    pub key: &'static str,
    pub low: f64,
    pub high: f64,
}

/// Parse `KEY=LOW:HIGH`, checked against the registry; the error says what was expected.
pub fn parse_range(text: &str) -> Result<Range, String> {
    let expected = "expected KEY=LOW:HIGH, e.g. procurement.enforcement=0.1:0.4";
    let (k, r) = text.split_once('=').ok_or_else(|| format!("`{text}`: {expected}"))?;
    let k = k.trim();
    let sp = spec(k).ok_or_else(|| format!("`{k}`: unknown parameter (`leapsim params` lists them all)"))?;
    if sp.kind == Kind::Bool {
        return Err(format!("`{k}` is a switch (true or false); only numeric parameters can be varied"));
    }
    let (lo, hi) = r.split_once(':').ok_or_else(|| format!("`{text}`: {expected}"))?;
    let num = |s: &str| {
        s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| format!("`{k}`: `{s}` is not a number"))
    };
    let (low, high) = (num(lo)?, num(hi)?);
    if low >= high {
        return Err(format!("`{k}`: the range {low}:{high} is empty; expected LOW < HIGH"));
    }
    if low < sp.min || high > sp.max {
        return Err(format!(
            "`{k}`: the range {low}:{high} leaves the parameter's range, {} to {} ({})",
            sp.min, sp.max, sp.unit
        ));
    }
    Ok(Range { key: sp.key, low, high })
}

/// Ranges from a file, one `KEY=LOW:HIGH` a line; errors name the file and line.
pub fn parse_range_file(path: &Path) -> Result<Vec<Range>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read it ({e})", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        out.push(parse_range(&line.replace(' ', "")).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?);
    }
    Ok(out)
}

/// The value of a parameter at unit-cube coordinate `u` (integers rounded).
pub fn value_at(r: &Range, u: f64) -> f64 {
    let x = r.low + u * (r.high - r.low);
    if spec(r.key).map(|s| s.kind) == Some(Kind::Int) {
        x.round()
    } else {
        x
    }
}

/// What to run: the model, the parameters and their ranges, the outcomes, the design.
#[derive(Clone, Debug)]
pub struct SensitivityRequest {
    pub model: ModelSpec,
    pub method: Method,
    /// The parameters varied, each once.
    pub ranges: Vec<Range>,
    /// Outcomes (SERIES:YEARS[:AGG][@REGION]); empty: the headline outcomes.
    pub outcomes: Vec<String>,
    /// Morris: number of trajectories (r).
    pub trajectories: usize,
    /// Morris: number of grid levels (p, even).
    pub levels: usize,
    /// Sobol: number of base samples (N).
    pub samples: usize,
    /// Sobol: bootstrap resamples for the confidence intervals.
    pub bootstrap: usize,
    /// Runs per design point (seeds base .. base + runs - 1), averaged.
    pub runs: u64,
    /// Every design point its own seeds instead of the same ones (common random numbers).
    pub independent_seeds: bool,
    /// Pin the varied parameters for the whole run, as `--set` does.
    pub pin: bool,
    /// Output directory (default: `out/sensitivity`); the work store is beside it.
    pub out: Option<PathBuf>,
    pub resume: bool,
    /// The command line, for the manifest.
    pub command: Vec<String>,
}

/// One parameter's line of an outcome's table: its index in the ranges and its measures
/// (Morris: mu*, mu, sigma; Sobol: S1, S1 half-width, ST, ST half-width).
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    pub param: usize,
    pub measures: Vec<f64>,
}

/// What the sensitivity analysis gives.
pub struct SensitivityResult {
    pub out: PathBuf,
    pub method: Method,
    pub scenario: String,
    pub scale: f64,
    pub seed: i64,
    pub ranges: Vec<Range>,
    /// Outcome names, in the order asked.
    pub outcomes: Vec<String>,
    /// By outcome: the parameters ranked, most influential first.
    pub tables: Vec<Vec<Ranked>>,
    /// Each design point's parameter values.
    pub points: Vec<Vec<f64>>,
    /// Each design point's outcomes, the mean of its runs.
    pub values: Vec<Vec<f64>>,
    pub items: Items,
    pub manifest: Manifest,
    pub work: WorkStore,
}

enum Design {
    Morris(MorrisDesign),
    Sobol(SaltelliDesign),
}

impl Design {
    fn new(req: &SensitivityRequest, seed: u64) -> Result<Design, JobError> {
        let k = req.ranges.len();
        let built = match req.method {
            Method::Morris => MorrisDesign::new(k, req.trajectories, req.levels, seed).map(Design::Morris),
            Method::Sobol => SaltelliDesign::new(k, req.samples, seed).map(Design::Sobol),
        };
        built.map_err(|e| JobError::Input(format!("design: {e}")))
    }
    fn points(&self) -> &[Vec<f64>] {
        match self {
            Design::Morris(d) => &d.points,
            Design::Sobol(d) => &d.points,
        }
    }
    /// The parameters ranked for outcome values `y` at the points.
    fn rank(&self, y: &[f64], bootstrap: usize, seed: u64) -> Vec<Ranked> {
        let mut rows: Vec<(f64, Ranked)> = match self {
            Design::Morris(d) => morris(d, y)
                .into_iter()
                .enumerate()
                .map(|(i, m)| (m.mu_star, Ranked { param: i, measures: vec![m.mu_star, m.mu, m.sigma] }))
                .collect(),
            Design::Sobol(d) => sobol(d, y, bootstrap, seed)
                .into_iter()
                .enumerate()
                .map(|(i, s)| (s.st, Ranked { param: i, measures: vec![s.s1, s.s1_conf, s.st, s.st_conf] }))
                .collect(),
        };
        rows.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.param.cmp(&y.1.param)));
        rows.into_iter().map(|r| r.1).collect()
    }
    fn manifest(&self, req: &SensitivityRequest) -> Value {
        match self {
            Design::Morris(d) => json!({ "trajectories": req.trajectories, "levels": req.levels, "delta": d.delta }),
            Design::Sobol(_) => json!({ "samples": req.samples, "bootstrap": req.bootstrap,
                "sampler": "counter-based uniforms (SplitMix64), Saltelli A, B, AB_i" }),
        }
    }
}

/// Check the request's ranges (at least one, each parameter once) and outcomes.
fn checked(req: &SensitivityRequest, base: &Scenario) -> Result<Vec<Outcome>, JobError> {
    if req.ranges.is_empty() {
        return Err(JobError::Input(
            "no parameters to vary: give --param KEY=LOW:HIGH (repeatable) or --params FILE".into(),
        ));
    }
    for (i, r) in req.ranges.iter().enumerate() {
        if req.ranges[..i].iter().any(|q| q.key == r.key) {
            return Err(JobError::Input(format!("parameter `{}` is given twice", r.key)));
        }
    }
    let outcomes = Outcome::parse_all(&req.outcomes).map_err(JobError::Input)?;
    check_outcomes(&outcomes, base.params.run.end_year as i32).map_err(JobError::Input)?;
    if req.runs == 0 {
        return Err(JobError::Input("--runs must be at least 1".into()));
    }
    Ok(outcomes)
}

/// The work items: every design point with every seed, and their keys.
fn work_items(req: &SensitivityRequest, base: &Scenario, points: &[Vec<f64>]) -> (Vec<Scenario>, Vec<String>) {
    let mut items = Vec::with_capacity(points.len() * req.runs as usize);
    let mut keys = Vec::with_capacity(items.capacity());
    for (n, u) in points.iter().enumerate() {
        for run in 0..req.runs {
            let mut s = base.clone();
            for (r, &u) in req.ranges.iter().zip(u) {
                let x = value_at(r, u);
                s.params.set(r.key, x);
                if req.pin {
                    s.overrides.push((r.key.to_string(), x));
                }
            }
            let offset = if req.independent_seeds { n as u64 * req.runs + run } else { run };
            s.params.run.seed = base.params.run.seed + offset as i64;
            items.push(s);
            keys.push(format!("point-{n:06}-run-{run}"));
        }
    }
    (items, keys)
}

/// Run the sensitivity analysis of `req` through `runner`: one item per design point and seed,
/// stored in the work store beside the output directory as it finishes.
pub fn sensitivity(req: &SensitivityRequest, runner: &Runner) -> Result<SensitivityResult, JobError> {
    let started = Instant::now();
    let base = req.model.resolve()?;
    let outcomes = checked(req, &base)?;
    let seed = base.params.run.seed as u64;
    let design = Design::new(req, seed)?;
    let (items, keys) = work_items(req, &base, design.points());
    let out = req.out.clone().unwrap_or_else(|| PathBuf::from("out").join("sensitivity"));
    let fingerprint = json!({
        "command": "sensitivity",
        "scenario": scenario_fingerprint(&base),
        "method": req.method.name(),
        "params": req.ranges.iter().map(|r| json!([r.key, r.low, r.high])).collect::<Vec<_>>(),
        "outcomes": outcomes.iter().map(|o| o.name()).collect::<Vec<_>>(),
        "trajectories": req.trajectories, "levels": req.levels, "samples": req.samples,
        "runs": req.runs, "independent_seeds": req.independent_seeds, "pin": req.pin,
    });
    let store = WorkStore::open_tagged(&out, &fingerprint, req.resume)?;
    let reused = Stored { store: &store, keys: &keys }.reusable::<Result<Vec<f64>, String>>();
    let reduce =
        |_: usize, r: RunResult| -> Result<Vec<f64>, String> { outcomes.iter().map(|o| o.eval(&r.tables)).collect() };
    let values = runner.run(&items, Some(Stored { store: &store, keys: &keys }), &reduce)?;
    let values: Vec<Vec<f64>> = values.into_iter().collect::<Result<_, _>>().map_err(JobError::Input)?;
    // Mean over each point's runs, per outcome.
    let per_point: Vec<Vec<f64>> = values
        .chunks(req.runs as usize)
        .map(|c| (0..outcomes.len()).map(|j| c.iter().map(|v| v[j]).sum::<f64>() / c.len() as f64).collect())
        .collect();
    let tables = (0..outcomes.len())
        .map(|j| design.rank(&per_point.iter().map(|v| v[j]).collect::<Vec<_>>(), req.bootstrap, seed))
        .collect();
    let points: Vec<Vec<f64>> =
        design.points().iter().map(|u| req.ranges.iter().zip(u).map(|(r, &u)| value_at(r, u)).collect()).collect();
    let items_done = Items { total: items.len(), reused };
    let mut seeds: Vec<i64> = Vec::new();
    for s in &items {
        if !seeds.contains(&s.params.run.seed) {
            seeds.push(s.params.run.seed);
        }
    }
    let job = json!({
        "method": req.method.name(),
        "params": req.ranges.iter().map(|r| json!({ "key": r.key, "low": r.low, "high": r.high })).collect::<Vec<_>>(),
        "outcomes": outcomes.iter().map(|o| o.name()).collect::<Vec<_>>(),
        "design": design.manifest(req),
        "points": points.len(),
        "runs_per_point": req.runs,
        "seeding": if req.independent_seeds { "independent per point" } else { "common random numbers: every point the same seeds" },
        "pinned": req.pin,
    });
    let manifest = Manifest::new(req.command.clone(), &base, seeds, items_done, started.elapsed().as_secs_f64(), job);
    Ok(SensitivityResult {
        out,
        method: req.method,
        scenario: base.name.clone(),
        scale: base.params.run.scale,
        seed: base.params.run.seed,
        ranges: req.ranges.clone(),
        outcomes: outcomes.iter().map(Outcome::name).collect(),
        tables,
        points,
        values: per_point,
        items: items_done,
        manifest,
        work: store,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// The Ishigami function on [-π, π]^3 from the unit cube.
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn counter_uniforms_are_uniform_and_keyed() {
        let c = Counter::new(7);
        assert_eq!(c.uniform(1, 5), Counter::new(7).uniform(1, 5));
        assert_ne!(c.uniform(1, 5), c.uniform(2, 5));
        assert_ne!(c.uniform(1, 5), Counter::new(8).uniform(1, 5));
        let n = 100_000;
        let mean = (0..n).map(|i| c.uniform(0, i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        let mut counts = [0usize; 6];
        for i in 0..60_000 {
            counts[c.below(3, i, 6) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (9_500..10_500).contains(&c)), "{counts:?}");
    }

    #[test]
    fn sobol_indices_of_ishigami_match_the_analytical_values() {
        // a = 7, b = 0.1: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
        let d = SaltelliDesign::new(3, 1 << 14, 42).unwrap();
        assert_eq!(d.points.len(), (1 << 14) * 5);
        let y: Vec<f64> = d.points.iter().map(|p| ishigami(p)).collect();
        let s = sobol(&d, &y, 50, 1);
        let (s1, st) = ([0.3139, 0.4424, 0.0], [0.5576, 0.4424, 0.2437]);
        for i in 0..3 {
            assert!((s[i].s1 - s1[i]).abs() < 0.05, "S1[{i}] = {} (analytical {})", s[i].s1, s1[i]);
            assert!((s[i].st - st[i]).abs() < 0.05, "ST[{i}] = {} (analytical {})", s[i].st, st[i]);
            assert!(s[i].s1_conf > 0.0 && s[i].s1_conf < 0.1 && s[i].st_conf < 0.1, "{:?}", s[i]);
        }
        // The same seed gives the same design; another seed another one.
        assert_eq!(SaltelliDesign::new(3, 8, 42).unwrap().points, SaltelliDesign::new(3, 8, 42).unwrap().points);
        assert_ne!(SaltelliDesign::new(3, 8, 42).unwrap().points, SaltelliDesign::new(3, 8, 43).unwrap().points);
    }

    #[test]
    fn morris_ranks_a_dummy_parameter_last() {
        // y = 10 x0 + x1^2 * 5 + x0 x2 * 3 + 0 x3: x3 is a dummy.
        let f = |x: &[f64]| 10.0 * x[0] + 5.0 * x[1] * x[1] + 3.0 * x[0] * x[2];
        let d = MorrisDesign::new(4, 20, 4, 9).unwrap();
        assert_eq!(d.points.len(), 20 * 5);
        assert!((d.delta - 2.0 / 3.0).abs() < 1e-12);
        // Every point lies in the cube on the grid, and each step moves one coordinate by delta.
        for t in 0..20 {
            for j in 0..4 {
                let (a, b) = (&d.points[t * 5 + j], &d.points[t * 5 + j + 1]);
                let moved: Vec<usize> = (0..4).filter(|&i| a[i] != b[i]).collect();
                assert_eq!(moved.len(), 1);
                assert!(((a[moved[0]] - b[moved[0]]).abs() - d.delta).abs() < 1e-12);
            }
        }
        assert!(d
            .points
            .iter()
            .flatten()
            .all(|&v| (0.0..=1.0).contains(&v) && (v * 3.0 - (v * 3.0).round()).abs() < 1e-9));
        let y: Vec<f64> = d.points.iter().map(|p| f(p)).collect();
        let m = morris(&d, &y);
        let mut rank: Vec<usize> = (0..4).collect();
        rank.sort_by(|&a, &b| m[b].mu_star.total_cmp(&m[a].mu_star));
        assert_eq!(rank[3], 3, "{m:?}");
        assert_eq!(m[3], MorrisStat { mu_star: 0.0, mu: 0.0, sigma: 0.0 });
        assert_eq!(rank[0], 0, "{m:?}");
        // x0's effect is 10 + 3 x2 (never negative), so mu = mu_star; x2's is 3 x0.
        assert!((m[0].mu - m[0].mu_star).abs() < 1e-12 && m[0].mu_star >= 10.0 && m[0].mu_star <= 13.0);
        assert!(m[2].mu_star > 0.0 && m[2].mu_star <= 3.0);
        // A linear function has constant effects: sigma 0, mu* the slope.
        let lin: Vec<f64> = d.points.iter().map(|p| 2.0 * p[1] - p[3]).collect();
        let m = morris(&d, &lin);
        assert!((m[1].mu_star - 2.0).abs() < 1e-9 && m[1].sigma < 1e-9);
        assert!((m[3].mu + 1.0).abs() < 1e-9 && (m[3].mu_star - 1.0).abs() < 1e-9);
        assert!(MorrisDesign::new(3, 10, 3, 1).is_err());
    }

    #[test]
    fn ranges_are_checked_against_the_registry() {
        assert_eq!(
            parse_range("procurement.enforcement=0.1:0.4").unwrap(),
            Range { key: "procurement.enforcement", low: 0.1, high: 0.4 }
        );
        assert!(parse_range("procurement.enforcment=0.1:0.4").unwrap_err().contains("unknown parameter"));
        assert!(parse_range("procurement.enforcement=0.4:0.1").unwrap_err().contains("empty"));
        assert!(parse_range("procurement.enforcement=0.1:4").unwrap_err().contains("0 to 3"));
        assert!(parse_range("procurement.enforcement=0.1").unwrap_err().contains("KEY=LOW:HIGH"));
        assert!(parse_range("food.mess_halls=0:1").unwrap_err().contains("switch"));
    }
}
