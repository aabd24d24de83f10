//! `leapsim sensitivity`: Morris elementary effects or Sobol indices of outcomes over parameter
//! ranges. Every model run (a design point and a seed) is a work item kept for `--resume`.

use crate::work::{open_store, run_with_bar, scenario_fingerprint, write_error, Bar, ResumeArgs};
use crate::{cancel_flag, resolve, InputError, ModelArgs};
use clap::{Args, ValueEnum};
use leapsim_analysis::outcome::Outcome;
use leapsim_analysis::sensitivity::{morris, sobol, MorrisDesign, SaltelliDesign};
use leapsim_core::params::{spec, Kind};
use leapsim_engine::scenario::Scenario;
use leapsim_engine::{output, series::fmt_value};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Method {
    /// Morris elementary effects (screening: r (k + 1) runs).
    Morris,
    /// Sobol first-order and total indices (Saltelli design: N (k + 2) runs).
    Sobol,
}

#[derive(Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Method: morris (screening, cheap) or sobol (variance shares, costly).
    #[arg(long, value_enum, default_value = "morris")]
    method: Method,
    /// A parameter and its range, KEY=LOW:HIGH (repeatable), e.g. procurement.enforcement=0.1:0.4.
    #[arg(long = "param", value_name = "KEY=LOW:HIGH")]
    param: Vec<String>,
    /// A file of parameters and ranges, one KEY=LOW:HIGH a line (`#` starts a comment).
    #[arg(long = "params", value_name = "FILE")]
    params_file: Option<PathBuf>,
    /// An outcome SERIES:YEARS[:AGG][@REGION] (repeatable; default: the headline outcomes).
    #[arg(long = "outcome", value_name = "OUTCOME")]
    outcome: Vec<String>,
    /// Morris: number of trajectories (r).
    #[arg(long, default_value_t = 10)]
    trajectories: usize,
    /// Morris: number of grid levels (p, even).
    #[arg(long, default_value_t = 4)]
    levels: usize,
    /// Sobol: number of base samples (N).
    #[arg(long, default_value_t = 64)]
    samples: usize,
    /// Sobol: bootstrap resamples for the confidence intervals.
    #[arg(long, default_value_t = 200)]
    bootstrap: usize,
    /// Runs per design point (seeds base .. base + runs - 1), averaged.
    #[arg(long, default_value_t = 1)]
    runs: u64,
    /// Give every design point its own seeds instead of the same ones (common random numbers).
    #[arg(long)]
    independent_seeds: bool,
    /// Pin the varied parameters for the whole run, as --set does (timeline events do not
    /// change them); by default a varied value holds until the timeline changes it.
    #[arg(long)]
    pin: bool,
    /// Output directory (default: out/sensitivity). Replaced atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    resume: ResumeArgs,
    /// No progress bar or tables; errors only.
    #[arg(long, short)]
    quiet: bool,
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
pub fn parse_range_file(path: &std::path::Path) -> Result<Vec<Range>, String> {
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
fn value_at(r: &Range, u: f64) -> f64 {
    let x = r.low + u * (r.high - r.low);
    if spec(r.key).map(|s| s.kind) == Some(Kind::Int) {
        x.round()
    } else {
        x
    }
}

pub fn run(a: SensitivityArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let base = resolve(&a.model)?;
    let mut ranges = Vec::new();
    if let Some(f) = &a.params_file {
        ranges.extend(parse_range_file(f).map_err(InputError)?);
    }
    for p in &a.param {
        ranges.push(parse_range(p).map_err(|e| InputError(format!("--param {e}")))?);
    }
    if ranges.is_empty() {
        return Err(InputError(
            "no parameters to vary: give --param KEY=LOW:HIGH (repeatable) or --params FILE".into(),
        )
        .into());
    }
    for (i, r) in ranges.iter().enumerate() {
        if ranges[..i].iter().any(|q| q.key == r.key) {
            return Err(InputError(format!("parameter `{}` is given twice", r.key)).into());
        }
    }
    let outcomes = Outcome::parse_all(&a.outcome).map_err(InputError)?;
    let end = base.params.run.end_year as i32;
    for o in &outcomes {
        if o.first_year < leapsim_core::calendar::START_YEAR || o.last_year > end {
            return Err(InputError(format!(
                "outcome `{}`: the runs cover {}-{end} (run.end_year)",
                o.name(),
                leapsim_core::calendar::START_YEAR
            ))
            .into());
        }
    }
    if a.runs == 0 {
        return Err(InputError("--runs must be at least 1".into()).into());
    }
    let k = ranges.len();
    let seed = base.params.run.seed as u64;
    let design_error = |e: String| InputError(format!("design: {e}"));
    let (morris_design, saltelli_design) = match a.method {
        Method::Morris => (Some(MorrisDesign::new(k, a.trajectories, a.levels, seed).map_err(design_error)?), None),
        Method::Sobol => (None, Some(SaltelliDesign::new(k, a.samples, seed).map_err(design_error)?)),
    };
    let points: &[Vec<f64>] = match (&morris_design, &saltelli_design) {
        (Some(d), _) => &d.points,
        (_, Some(d)) => &d.points,
        _ => unreachable!("one design is built"),
    };

    // Work items: every design point with every seed.
    let runs = a.runs;
    let point_scenario = |n: usize, u: &[f64], run: u64| -> Scenario {
        let mut s = base.clone();
        for (r, &u) in ranges.iter().zip(u) {
            let x = value_at(r, u);
            s.params.set(r.key, x);
            if a.pin {
                s.overrides.push((r.key.to_string(), x));
            }
        }
        let offset = if a.independent_seeds { n as u64 * runs + run } else { run };
        s.params.run.seed = base.params.run.seed + offset as i64;
        s
    };
    let mut items = Vec::with_capacity(points.len() * runs as usize);
    let mut keys = Vec::with_capacity(items.capacity());
    for (n, u) in points.iter().enumerate() {
        for r in 0..runs {
            items.push(point_scenario(n, u, r));
            keys.push(format!("point-{n:06}-run-{r}"));
        }
    }
    let out = a.out.clone().unwrap_or_else(|| PathBuf::from("out").join("sensitivity"));
    let method = format!("{:?}", a.method).to_lowercase();
    let fingerprint = json!({
        "command": "sensitivity",
        "scenario": scenario_fingerprint(&base),
        "method": method,
        "params": ranges.iter().map(|r| json!([r.key, r.low, r.high])).collect::<Vec<_>>(),
        "outcomes": outcomes.iter().map(|o| o.name()).collect::<Vec<_>>(),
        "trajectories": a.trajectories, "levels": a.levels, "samples": a.samples,
        "runs": runs, "independent_seeds": a.independent_seeds, "pin": a.pin,
    });
    let store = open_store(&out, &fingerprint, a.resume.resume)?;
    let reused = store.reused();
    let cancel = cancel_flag();
    let pb = Bar::new(
        a.quiet,
        items.len().saturating_sub(reused),
        format!("{method}: {} points x {runs} run(s), {k} parameters", points.len()),
    );
    if !a.quiet && reused > 0 {
        eprintln!("resuming: {reused} of {} runs already done", items.len());
    }
    let reduce = |_: usize, r: leapsim_engine::run::RunResult| -> Result<Vec<f64>, String> {
        outcomes.iter().map(|o| o.eval(&r.tables)).collect()
    };
    let values = run_with_bar(pb, &store, &keys, &items, &reduce, &cancel)?;
    let values: Vec<Vec<f64>> = values.into_iter().collect::<Result<_, _>>().map_err(InputError)?;
    // Mean over each point's runs, per outcome.
    let per_point: Vec<Vec<f64>> = values
        .chunks(runs as usize)
        .map(|c| (0..outcomes.len()).map(|j| c.iter().map(|v| v[j]).sum::<f64>() / c.len() as f64).collect())
        .collect();

    // One table per outcome, parameters ranked.
    let mut csv = String::from(match a.method {
        Method::Morris => "outcome,parameter,method,low,high,rank,mu_star,mu,sigma\n",
        Method::Sobol => "outcome,parameter,method,low,high,rank,s1,s1_conf,st,st_conf\n",
    });
    let mut report = String::new();
    for (j, o) in outcomes.iter().enumerate() {
        let y: Vec<f64> = per_point.iter().map(|v| v[j]).collect();
        // (parameter index, ranking measure, columns)
        let mut rows: Vec<(usize, f64, Vec<f64>)> = match a.method {
            Method::Morris => morris(morris_design.as_ref().expect("design built above"), &y)
                .into_iter()
                .enumerate()
                .map(|(i, m)| (i, m.mu_star, vec![m.mu_star, m.mu, m.sigma]))
                .collect(),
            Method::Sobol => sobol(saltelli_design.as_ref().expect("design built above"), &y, a.bootstrap, seed)
                .into_iter()
                .enumerate()
                .map(|(i, s)| (i, s.st, vec![s.s1, s.s1_conf, s.st, s.st_conf]))
                .collect(),
        };
        rows.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        report.push_str(&format!("\n{}\n", o.name()));
        report.push_str(&match a.method {
            Method::Morris => {
                format!("{:>4}  {:<42} {:>12} {:>12} {:>12}\n", "rank", "parameter", "mu*", "mu", "sigma")
            }
            Method::Sobol => {
                format!("{:>4}  {:<42} {:>16} {:>16}\n", "rank", "parameter", "S1 (±95%)", "ST (±95%)")
            }
        });
        for (rank, (i, _, cols)) in rows.iter().enumerate() {
            let r = &ranges[*i];
            report.push_str(&match a.method {
                Method::Morris => format!(
                    "{:>4}  {:<42} {:>12} {:>12} {:>12}\n",
                    rank + 1,
                    r.key,
                    short(cols[0]),
                    short(cols[1]),
                    short(cols[2])
                ),
                Method::Sobol => format!(
                    "{:>4}  {:<42} {:>7.3} ±{:<7.3} {:>7.3} ±{:<7.3}\n",
                    rank + 1,
                    r.key,
                    cols[0],
                    cols[1],
                    cols[2],
                    cols[3]
                ),
            });
            let cols: Vec<String> = cols.iter().map(|&v| fmt_value(v)).collect();
            csv.push_str(&format!(
                "{},{},{method},{},{},{},{}\n",
                o.name(),
                r.key,
                fmt_value(r.low),
                fmt_value(r.high),
                rank + 1,
                cols.join(",")
            ));
        }
    }
    // The design and the outcome at each point (mean of its runs), for further analysis.
    let mut points_csv = String::from("point");
    for r in &ranges {
        points_csv.push_str(&format!(",{}", r.key));
    }
    for o in &outcomes {
        points_csv.push_str(&format!(",{}", o.name()));
    }
    points_csv.push('\n');
    for (n, (u, v)) in points.iter().zip(&per_point).enumerate() {
        points_csv.push_str(&n.to_string());
        for (r, &u) in ranges.iter().zip(u) {
            points_csv.push_str(&format!(",{}", fmt_value(value_at(r, u))));
        }
        for &x in v {
            points_csv.push_str(&format!(",{}", fmt_value(x)));
        }
        points_csv.push('\n');
    }
    let manifest = json!({
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario": base.name,
        "seed": base.params.run.seed,
        "scale": base.params.run.scale,
        "method": method,
        "params": ranges.iter().map(|r| json!({ "key": r.key, "low": r.low, "high": r.high })).collect::<Vec<_>>(),
        "outcomes": outcomes.iter().map(|o| o.name()).collect::<Vec<_>>(),
        "design": match a.method {
            Method::Morris => json!({ "trajectories": a.trajectories, "levels": a.levels,
                "delta": morris_design.as_ref().map(|d| d.delta) }),
            Method::Sobol => json!({ "samples": a.samples, "bootstrap": a.bootstrap,
                "sampler": "counter-based uniforms (SplitMix64), Saltelli A, B, AB_i" }),
        },
        "points": points.len(),
        "runs_per_point": runs,
        "seeds": if a.independent_seeds { "independent per point" } else { "common random numbers: every point the same seeds" },
        "pinned": a.pin,
        "model_runs": items.len(),
        "reused_runs": reused,
        "total_seconds": started.elapsed().as_secs_f64(),
        "git_revision": leapsim_engine::REVISION,
    });
    let files = vec![
        ("sensitivity.csv", csv.into_bytes()),
        ("points.csv", points_csv.into_bytes()),
        ("manifest.json", (serde_json::to_string_pretty(&manifest)? + "\n").into_bytes()),
    ];
    output::write_dir(&out, &files, &cancel).map_err(|e| write_error(e, &out, &cancel))?;
    store.finish().ok();
    if !a.quiet {
        let measure = match a.method {
            Method::Morris => "mu* = mean |elementary effect|, per the parameter's whole range, in the outcome's units",
            Method::Sobol => "S1 = first-order index, ST = total index (share of the outcome's variance)",
        };
        println!(
            "{} sensitivity of {} outcome(s) to {k} parameters: {} runs of {} (scale {}, seed {}); {measure}",
            if a.method == Method::Morris { "Morris" } else { "Sobol" },
            outcomes.len(),
            items.len(),
            base.name,
            base.params.run.scale,
            base.params.run.seed
        );
        print!("{report}");
        println!("\nWrote {}/{{sensitivity.csv, points.csv, manifest.json}}", out.display());
    }
    Ok(())
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
    use super::*;

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
        assert_eq!(short(1234.5678), "1235");
        assert_eq!(short(0.012345), "0.01235");
        assert_eq!(short(-2.5e6), "-2.500e6");
    }
}
