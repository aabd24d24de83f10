//! A job run through the library as the command line runs it, and its result kept as what the
//! page reads: the JSON of `GET /api/jobs/{id}/result` and the job's files, rendered by the same
//! functions as the command line's output (`series::to_csv`, `output::summary`,
//! `leapsim-report`'s CSV writers).

use crate::request::JobSpec;
use leapsim_analysis::attribution::{attribute, AttributeRequest, AttributeResult};
use leapsim_analysis::compare::{compare, CompareRequest, CompareResult, Comparison, Stat};
use leapsim_analysis::ensemble::{ensemble, EnsembleRequest, EnsembleResult};
use leapsim_analysis::runner::{Progress, Runner};
use leapsim_analysis::JobError;
use leapsim_engine::run::{run_with_detail, RunError, RunResult};
use leapsim_engine::scenario::Scenario;
use leapsim_engine::series::{fmt_value, to_csv, Row};
use leapsim_engine::{output, REVISION};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// A finished job: its result as JSON text and its files (name, text).
pub struct Output {
    pub json: String,
    pub files: Vec<(&'static str, String)>,
}

/// Why a job gave no output.
#[derive(Debug)]
pub enum Failure {
    Cancelled,
    Error(String),
}

impl From<JobError> for Failure {
    fn from(e: JobError) -> Failure {
        match e {
            JobError::Interrupted => Failure::Cancelled,
            e => Failure::Error(e.to_string()),
        }
    }
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Failure {
        JobError::from(e).into()
    }
}

/// The command recorded in the manifests of the server's jobs.
const COMMAND: &str = "leapsim serve";

/// Run `spec` (blocking), reporting `progress(done, total)` and stopping when `cancel` is set.
pub fn execute(
    spec: &JobSpec,
    cancel: &AtomicBool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Output, Failure> {
    match spec.kind {
        "run" => {
            let started = Instant::now();
            let s = &spec.resolved[0];
            let r = run_with_detail(s, spec.detail.as_deref(), &mut |d, t| progress(d, t), cancel)?;
            Ok(run_output(s, &r, started.elapsed().as_secs_f64()))
        }
        kind => {
            let report = |p: Progress| progress(p.done + p.reused, p.total + p.reused);
            let runner = Runner::new(cancel, &report);
            let dir = Scratch::new();
            let out = Some(dir.0.join("job"));
            let command = vec![COMMAND.to_string()];
            let model = spec.models[0].clone();
            let (runs, outcomes, resume, posterior) = (spec.runs, Vec::<String>::new(), false, None);
            match kind {
                "ensemble" => {
                    let req =
                        EnsembleRequest { model, runs, outcomes, keep_runs: false, out, resume, posterior, command };
                    let r = ensemble(&req, &runner)?;
                    r.work.clear().map_err(|e| Failure::Error(e.to_string()))?;
                    Ok(ensemble_output(&r))
                }
                "compare" => {
                    let scenarios = spec.models.clone();
                    let req = CompareRequest { scenarios, runs, outcomes, out, resume, posterior, command };
                    let r = compare(&req, &runner)?;
                    r.work.clear().map_err(|e| Failure::Error(e.to_string()))?;
                    Ok(compare_output(&r))
                }
                _ => {
                    let outcomes = spec.region.iter().map(|r| format!("excess_deaths:1959-1961@{r}")).collect();
                    let req = AttributeRequest {
                        model,
                        causes: Vec::new(),
                        runs,
                        outcomes,
                        by_province: false,
                        permutations: None,
                        out,
                        resume,
                        posterior,
                        command,
                    };
                    let r = attribute(&req, &runner)?;
                    r.work.clear().map_err(|e| Failure::Error(e.to_string()))?;
                    Ok(attribute_output(&r))
                }
            }
        }
    }
}

/// A scratch directory for a job's work store, removed when dropped (finished, failed or
/// cancelled alike). Its name is the server's own; nothing of a request is in it.
struct Scratch(PathBuf);

static SCRATCH: AtomicUsize = AtomicUsize::new(0);

impl Scratch {
    fn new() -> Scratch {
        let n = SCRATCH.fetch_add(1, Ordering::Relaxed);
        Scratch(std::env::temp_dir().join(format!("leapsim-web-{}-{n}", std::process::id())))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The years of the rows, in order.
fn years(rows: &[Row]) -> Vec<i32> {
    let mut y: Vec<i32> = rows.iter().map(|r| r.year).collect();
    y.sort_unstable();
    y.dedup();
    y
}

/// `v` as annual.csv writes it (`fmt_value`), so that the page shows the numbers of the
/// command line's file; NaN becomes null.
pub fn as_written(v: f64) -> Option<f64> {
    fmt_value(v).parse::<f64>().ok().filter(|x| x.is_finite())
}

/// `{region: {series: [value by year]}}` of an annual table (values as annual.csv writes them).
fn by_region(rows: &[Row], years: &[i32]) -> Map<String, Value> {
    let first = years.first().copied().unwrap_or(0);
    let mut out: Map<String, Value> = Map::new();
    for r in rows {
        let region = out.entry(r.region.clone()).or_insert_with(|| json!({}));
        let series = region
            .as_object_mut()
            .expect("an object")
            .entry(r.series)
            .or_insert_with(|| Value::Array(vec![Value::Null; years.len()]));
        series[(r.year - first) as usize] = json!(as_written(r.value));
    }
    out
}

fn scenario_json(s: &Scenario) -> Value {
    json!({
        "name": s.name,
        "description": s.description,
        "seed": s.params.run.seed,
        "scale": s.params.run.scale,
        "overrides": s.overrides.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        "hash": leapsim_analysis::manifest::scenario_hash(s),
    })
}

/// A single run: every annual series of the nation and of each province by year, the summary
/// (headline figures and the fit table beside the record) and the run directory's files.
pub fn run_output(s: &Scenario, r: &RunResult, seconds: f64) -> Output {
    let years = years(&r.tables.annual);
    let mut regions = by_region(&r.tables.annual, &years);
    let national = regions.remove("CN").unwrap_or_else(|| json!({}));
    let summary = output::summary(s, r);
    let manifest = output::manifest(s, r, &[COMMAND.to_string()], REVISION, seconds);
    let mut files = vec![
        ("annual.csv", to_csv(&r.tables.annual, false)),
        ("monthly.csv", to_csv(&r.tables.monthly, true)),
        ("summary.json", summary.to_string()),
        ("manifest.json", manifest.to_string()),
        ("provincial_grain.csv", output::provincial_grain_csv(r)),
    ];
    let detail = r.detail.as_deref().map(detail_json);
    if let Some(text) = &r.detail {
        files.push(("detail.csv", text.clone()));
    }
    let json = json!({
        "kind": "run",
        "scenario": scenario_json(s),
        "seconds": seconds,
        "years": years,
        "national": national,
        "provinces": regions,
        "summary": summary,
        "detail": detail,
        "files": files.iter().map(|f| f.0).collect::<Vec<_>>(),
    });
    Output { json: json.to_string(), files }
}

/// detail.csv's commune and brigades as `{months, columns, order, units: {unit: {column: [value
/// by month]}}}` (the teams are in the file).
pub fn detail_json(text: &str) -> Value {
    detail_units(text, &|level, _| level != "team")
}

/// The teams of brigade `brigade` (`b3`) in detail.csv, as [`detail_json`] gives the brigades.
pub fn detail_teams(text: &str, brigade: &str) -> Value {
    let prefix = format!("{brigade}t");
    detail_units(text, &|level, unit| level == "team" && unit.starts_with(&prefix))
}

/// The units of detail.csv that `keep(level, unit)` keeps, by month.
fn detail_units(text: &str, keep: &dyn Fn(&str, &str) -> bool) -> Value {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let columns: Vec<&str> = header.iter().skip(4).copied().collect();
    let mut months: Vec<String> = Vec::new();
    let mut units: Map<String, Value> = Map::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let (Ok(year), Ok(month)) = (f[0].parse::<i32>(), f[1].parse::<usize>()) else { continue };
        if f.len() != header.len() || month == 0 {
            continue;
        }
        // Every month is counted, whichever units are kept.
        let i = (year - leapsim_core::calendar::START_YEAR) as usize * 12 + month - 1;
        while months.len() <= i {
            let k = months.len();
            months.push(format!("{}-{:02}", leapsim_core::calendar::START_YEAR + (k / 12) as i32, k % 12 + 1));
        }
        if !keep(f[2], f[3]) {
            continue;
        }
        // Each value at its month's place, so that a unit seen only in some months lines up.
        let unit = units.entry(f[3].to_string()).or_insert_with(|| json!({ "level": f[2] }));
        for (c, v) in columns.iter().zip(&f[4..]) {
            let col = unit.as_object_mut().expect("an object").entry(*c).or_insert_with(|| json!([]));
            let col = col.as_array_mut().expect("an array");
            if col.len() <= i {
                col.resize(i + 1, Value::Null);
            }
            col[i] = json!(v.parse::<f64>().ok());
        }
    }
    for unit in units.values_mut() {
        for col in unit.as_object_mut().expect("an object").values_mut() {
            if let Some(a) = col.as_array_mut() {
                a.resize(months.len(), Value::Null);
            }
        }
    }
    // The commune first, then its brigades (or teams) in their order (b0, b1, ..., b10).
    let mut order: Vec<&String> = units.keys().collect();
    let number =
        |u: &str| -> Vec<usize> { u.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect() };
    order.sort_by_key(|u| (units[*u]["level"] != "commune", number(u)));
    json!({ "months": months, "columns": columns, "order": order, "units": units })
}

/// An ensemble: each national series' quantiles by year (the bands) and each headline outcome.
pub fn ensemble_output(r: &EnsembleResult) -> Output {
    let mut ys: Vec<i32> = r.annual.iter().map(|x| x.year).collect();
    ys.dedup();
    let first = ys.first().copied().unwrap_or(0);
    let mut national: Map<String, Value> = Map::new();
    for row in r.annual.iter().filter(|x| x.region == "CN") {
        let e = national.entry(row.series).or_insert_with(|| {
            let empty = Value::Array(vec![Value::Null; ys.len()]);
            json!({ "q05": empty, "q25": empty, "q50": empty, "q75": empty, "q95": empty, "mean": empty })
        });
        let s = row.summary;
        let i = (row.year - first) as usize;
        for (k, v) in [("q05", s.q05), ("q25", s.q25), ("q50", s.q50), ("q75", s.q75), ("q95", s.q95), ("mean", s.mean)]
        {
            e[k][i] = json!(as_written(v));
        }
    }
    let outcomes: Vec<Value> = r
        .outcomes
        .iter()
        .map(|(name, s)| json!({ "outcome": name, "mean": s.mean, "q05": s.q05, "q50": s.q50, "q95": s.q95 }))
        .collect();
    let files = vec![
        ("annual_quantiles.csv", leapsim_report::ensemble::annual_quantiles_csv(r)),
        ("headline.csv", leapsim_report::ensemble::headline_csv(r)),
        ("manifest.json", String::from_utf8_lossy(&r.manifest.to_json()).into_owned()),
    ];
    let json = json!({
        "kind": "ensemble",
        "scenario": r.scenario,
        "scale": r.scale,
        "seeds": r.seeds,
        "years": ys,
        "national": national,
        "outcomes": outcomes,
        "files": files.iter().map(|f| f.0).collect::<Vec<_>>(),
    });
    Output { json: json.to_string(), files }
}

fn stat(s: Stat) -> Value {
    json!({ "mean": s.mean, "q05": s.q05, "q95": s.q95 })
}

/// A comparison: each scenario's national series (mean over seeds, and the 90% band with more
/// than one seed), each later scenario's paired difference from the first by year, and each
/// outcome by scenario with its paired difference from the first.
pub fn compare_output(r: &CompareResult) -> Output {
    let c = &r.comparison;
    let rows = leapsim_report::compare::summary_rows(c);
    let mut ys: Vec<i32> = rows.iter().map(|x| x.row.year).collect();
    ys.sort_unstable();
    ys.dedup();
    let first = ys.first().copied().unwrap_or(0);
    let mut national: Map<String, Value> = Map::new();
    for x in rows.iter().filter(|x| x.row.region == "CN") {
        let sc = national.entry(x.scenario.to_string()).or_insert_with(|| json!({}));
        let e = sc.as_object_mut().expect("an object").entry(x.row.series).or_insert_with(|| no_bands(ys.len()));
        let i = (x.row.year - first) as usize;
        e["mean"][i] = json!(as_written(x.mean));
        if let Some(q) = x.quantiles {
            e["q05"][i] = json!(as_written(q[0]));
            e["q95"][i] = json!(as_written(q[4]));
        }
    }
    let difference = annual_differences(c, &ys);
    let outcomes: Vec<Value> = c
        .outcomes
        .iter()
        .enumerate()
        .map(|(o, out)| {
            let by: Vec<Value> = (0..c.names.len())
                .map(|s| json!({ "scenario": c.names[s], "value": stat(c.stat(o, s)), "difference": stat(c.difference(o, s)) }))
                .collect();
            json!({ "outcome": out.name(), "scenarios": by })
        })
        .collect();
    let files = vec![
        ("compare.csv", leapsim_report::compare::compare_csv(c)),
        ("manifest.json", String::from_utf8_lossy(&r.manifest.to_json()).into_owned()),
    ];
    let json = json!({
        "kind": "compare",
        "names": c.names,
        "scale": r.scale,
        "seeds": c.seeds,
        "years": ys,
        "national": national,
        "difference": difference,
        "outcomes": outcomes,
        "files": files.iter().map(|f| f.0).collect::<Vec<_>>(),
    });
    Output { json: json.to_string(), files }
}

/// A series' `{mean, q05, q95}` over `years` years, each value still missing (null).
fn no_bands(years: usize) -> Value {
    let empty = Value::Array(vec![Value::Null; years]);
    json!({ "mean": empty, "q05": empty, "q95": empty })
}

/// `{scenario: {series: {mean, q05, q95}}}` by year for every scenario but the first: its
/// national series less the first scenario's, seed by seed (the paired differences of common
/// random numbers), as mean and 90% interval over seeds (the interval with more than one seed).
fn annual_differences(c: &Comparison, ys: &[i32]) -> Map<String, Value> {
    let first = ys.first().copied().unwrap_or(0);
    let reference: HashMap<(i32, &str), &[f64]> =
        c.annual[0].iter().filter(|r| r.region == "CN").map(|r| ((r.year, r.series), r.values.as_slice())).collect();
    let mut out: Map<String, Value> = Map::new();
    for (name, rows) in c.names.iter().zip(&c.annual).skip(1) {
        let mut sc: Map<String, Value> = Map::new();
        for r in rows.iter().filter(|r| r.region == "CN") {
            let Some(base) = reference.get(&(r.year, r.series)) else { continue };
            let paired: Vec<f64> = r.values.iter().zip(base.iter()).map(|(x, b)| x - b).collect();
            let e = sc.entry(r.series).or_insert_with(|| no_bands(ys.len()));
            let d = Stat::of(&paired);
            let i = (r.year - first) as usize;
            e["mean"][i] = json!(as_written(d.mean));
            if c.runs() > 1 {
                e["q05"][i] = json!(as_written(d.q05));
                e["q95"][i] = json!(as_written(d.q95));
            }
        }
        out.insert(name.clone(), Value::Object(sc));
    }
    out
}

/// An attribution: each cause's Shapley share of each outcome, mean and 90% interval over
/// seeds, and the total (the outcome less the outcome with every cause off).
pub fn attribute_output(r: &AttributeResult) -> Output {
    let at = &r.attribution;
    let targets: Vec<Value> = at
        .targets
        .iter()
        .enumerate()
        .map(|(t, target)| {
            let shares: Vec<Value> = at
                .causes
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let v: Vec<f64> = at.shares[t].iter().map(|k| k[i]).collect();
                    json!({ "cause": c.name, "share": stat(Stat::of(&v)), "mc_se": at.mc_se[t][i] })
                })
                .collect();
            json!({ "outcome": target.name(), "region": target.region, "total": stat(Stat::of(&at.totals[t])), "shares": shares })
        })
        .collect();
    let files = vec![
        ("attribution.csv", leapsim_report::attribution::attribution_csv(at)),
        ("manifest.json", String::from_utf8_lossy(&r.manifest.to_json()).into_owned()),
    ];
    let json = json!({
        "kind": "attribute",
        "scenario": r.scenario,
        "scale": r.scale,
        "seeds": at.seeds,
        "causes": at.causes.iter().map(|c| json!({ "name": c.name, "why": c.why, "off": c.off })).collect::<Vec<_>>(),
        "targets": targets,
        "files": files.iter().map(|f| f.0).collect::<Vec<_>>(),
    });
    Output { json: json.to_string(), files }
}
