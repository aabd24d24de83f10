//! `leapsim ensemble`: one scenario run with many seeds; quantiles of every annual series and
//! the headline outcomes with their 90% intervals.

use crate::work::{open_store, run_with_bar, runs_bar, scenario_fingerprint, write_error, ResumeArgs};
use crate::{cancel_flag, resolve, InputError, ModelArgs};
use clap::Args;
use leapsim_analysis::outcome::Outcome;
use leapsim_analysis::runner as batch;
use leapsim_analysis::stats::quantile;
use leapsim_engine::run::RunResult;
use leapsim_engine::series::{fmt_value, SERIES};
use leapsim_engine::{data, output};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct EnsembleArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Number of runs, with seeds seed, seed+1, ..., seed+runs-1.
    #[arg(long, default_value_t = 20)]
    runs: u64,
    /// Outcomes to report (repeatable; SERIES:YEARS[:AGG][@REGION], e.g. excess_deaths:1959-1961;
    /// default: the headline outcomes).
    #[arg(long = "outcome", value_name = "OUTCOME")]
    outcomes: Vec<String>,
    /// Also keep every run's own output directory, run-<seed>/ (annual.csv, monthly.csv,
    /// summary.json, manifest.json).
    #[arg(long)]
    keep_runs: bool,
    /// Output directory (default: out/ensemble-<scenario>), written atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    resume: ResumeArgs,
    /// No progress bar or table; errors only.
    #[arg(long, short)]
    quiet: bool,
}

/// What is kept of one run: every annual value (in the order of [`labels`]) and each outcome.
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
    for o in outcomes {
        if o.first_year < leapsim_core::calendar::START_YEAR || o.last_year > end_year {
            return Err(format!(
                "outcome `{}`: the runs cover {}-{end_year} (run.end_year)",
                o.name(),
                leapsim_core::calendar::START_YEAR
            ));
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

/// q05, q25, q50, q75, q95 and the mean of the values that are not missing (all NaN if none is).
fn summary(values: &mut Vec<f64>) -> [f64; 6] {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return [f64::NAN; 6];
    }
    values.sort_by(f64::total_cmp);
    let q = |p| quantile(values, p);
    [q(0.05), q(0.25), q(0.5), q(0.75), q(0.95), values.iter().sum::<f64>() / values.len() as f64]
}

pub fn run(a: EnsembleArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let base = resolve(&a.model)?;
    if a.runs == 0 {
        return Err(InputError("--runs must be at least 1".into()).into());
    }
    let end_year = base.params.run.end_year as i32;
    let outcomes = outcomes_for(&a.outcomes, end_year).map_err(InputError)?;
    check_outcomes(&outcomes, end_year).map_err(InputError)?;
    let labels = labels(end_year).map_err(InputError)?;
    let out = a.out.clone().unwrap_or_else(|| PathBuf::from("out").join(format!("ensemble-{}", base.name)));
    let cancel = cancel_flag();

    // The work: one item per seed. `--runs` is not part of the fingerprint: more runs can be
    // added to an interrupted ensemble, the first ones are the same.
    let fingerprint = json!({
        "command": "ensemble",
        "scenario": scenario_fingerprint(&base),
        "outcomes": outcomes.iter().map(Outcome::name).collect::<Vec<_>>(),
    });
    let store = open_store(&out, &fingerprint, a.resume.resume)?;
    let items = batch::seeds(&base, a.runs);
    let seeds: Vec<i64> = items.iter().map(|s| s.params.run.seed).collect();
    let keys: Vec<String> = seeds.iter().map(|s| format!("run-{s}")).collect();
    let run_dir = |k: &str| store.path().join("runs").join(k);
    if a.keep_runs {
        // A run finished without --keep-runs has no directory to keep: run it again.
        for k in &keys {
            if store.get(k).is_some() && !run_dir(k).join("manifest.json").is_file() {
                store.remove(k)?;
            }
        }
    }
    let stored = keys.iter().filter(|k| store.get(k).is_some()).count();
    let to_run = keys.len() - stored;
    let pb = runs_bar(
        a.quiet,
        to_run,
        format!("{} x {} seeds (scale {}), {} reused", base.name, a.runs, base.params.run.scale, stored),
    );
    let command: Vec<String> = std::env::args().collect();
    let keep = |i: usize, r: RunResult| -> Kept {
        if a.keep_runs {
            let s = &items[i];
            let manifest =
                output::manifest(s, &r, &command, leapsim_engine::REVISION, r.build_seconds + r.simulate_seconds);
            let files = output::files(s, &r, &manifest);
            // Written atomically; a failure here only means the run is redone on resume.
            let _ = output::write_dir(&run_dir(&keys[i]), &files, &cancel);
        }
        let t = &r.tables;
        Kept {
            annual: labels.iter().map(|(y, reg, s)| t.annual(*y, reg, s).and_then(opt)).collect(),
            outcomes: outcomes.iter().map(|o| o.eval(t).ok().and_then(opt)).collect(),
        }
    };
    let kept = run_with_bar(pb, &store, &keys, &items, &keep, &cancel)?;

    let value = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let mut csv = String::from("year,region,series,q05,q25,q50,q75,q95,mean\n");
    for (j, (y, reg, s)) in labels.iter().enumerate() {
        let mut v: Vec<f64> = kept.iter().map(|k| value(k.annual[j])).collect();
        let q = summary(&mut v);
        let q: Vec<String> = q.iter().map(|x| fmt_value(*x)).collect();
        csv.push_str(&format!("{y},{reg},{s},{}\n", q.join(",")));
    }
    let mut headline = String::from("outcome,mean,q05,q50,q95\n");
    let mut rows = Vec::new();
    for (j, o) in outcomes.iter().enumerate() {
        let mut v: Vec<f64> = kept.iter().map(|k| value(k.outcomes[j])).collect();
        let [q05, _, q50, _, q95, mean] = summary(&mut v);
        headline.push_str(&format!(
            "{},{},{},{},{}\n",
            o.name(),
            fmt_value(mean),
            fmt_value(q05),
            fmt_value(q50),
            fmt_value(q95)
        ));
        rows.push((o.name(), mean, q05, q50, q95));
    }
    let manifest = json!({
        "leapsim_version": leapsim_engine::VERSION,
        "git_revision": leapsim_engine::REVISION,
        "command": command,
        "scenario": { "name": base.name, "origin": base.origin },
        "seed": base.params.run.seed,
        "seeds": [seeds[0], seeds[seeds.len() - 1]],
        "runs": a.runs,
        "scale": base.params.run.scale,
        "overrides": base.overrides.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        "outcomes": outcomes.iter().map(Outcome::name).collect::<Vec<_>>(),
        "runs_reused": stored,
        "runs_run": to_run,
        "kept_runs": a.keep_runs,
        "threads": rayon::current_num_threads(),
        "seconds": started.elapsed().as_secs_f64(),
        "peak_memory_bytes": output::peak_memory_bytes(),
    });
    let files = vec![
        ("annual_quantiles.csv", csv.into_bytes()),
        ("headline.csv", headline.into_bytes()),
        ("manifest.json", (serde_json::to_string_pretty(&manifest)? + "\n").into_bytes()),
    ];
    let dirs: Vec<(String, PathBuf)> =
        if a.keep_runs { keys.iter().map(|k| (k.clone(), run_dir(k))).collect() } else { Vec::new() };
    output::write_dir_moving(&out, &files, &dirs, &cancel).map_err(|e| write_error(e, &out, &cancel))?;
    store.finish()?;

    if !a.quiet {
        println!(
            "{}: {} runs (seeds {}-{}, scale {}), {} run now and {} reused, in {:.1} s",
            base.name,
            a.runs,
            seeds[0],
            seeds[seeds.len() - 1],
            base.params.run.scale,
            to_run,
            stored,
            started.elapsed().as_secs_f64()
        );
        println!("{:<30} {:>14} {:>14} {:>31}", "outcome", "mean", "median", "90% interval");
        for (name, mean, lo, q50, hi) in &rows {
            let interval = format!("{} to {}", big(*lo), big(*hi));
            println!("{:<30} {:>14} {:>14} {:>31}", name, big(*mean), big(*q50), interval);
        }
        let mut names = vec!["annual_quantiles.csv", "headline.csv", "manifest.json"];
        if a.keep_runs {
            names.push("run-<seed>/");
        }
        println!("Wrote {}/{{{}}}", out.display(), names.join(", "));
    }
    Ok(())
}

/// A number for the terminal: thousands separated, at most 4 significant decimals.
fn big(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.abs() >= 1000.0 {
        let s = format!("{:.0}", x.abs());
        let mut o = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                o.push(',');
            }
            o.push(c);
        }
        if x < 0.0 {
            o.insert(0, '-');
        }
        o
    } else {
        fmt_value((x * 1e4).round() / 1e4)
    }
}
