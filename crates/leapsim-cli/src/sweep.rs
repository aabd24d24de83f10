//! `leapsim sweep DESIGN [SCENARIO]`: the scenario at every point of a design (grid, Latin
//! hypercube or list), each with the design's seeds; one results row per (point, seed).

use crate::work::{open_store, run_with_bar, scenario_fingerprint, write_error, Bar, ResumeArgs};
use crate::{cancel_flag, resolve, InputError, ModelArgs};
use clap::Args;
use leapsim_analysis::design::{self, DesignKind};
use leapsim_analysis::ensemble::{check_outcomes, outcomes_for};
use leapsim_analysis::outcome::Outcome;
use leapsim_engine::output;
use leapsim_engine::run::RunResult;
use leapsim_engine::series::fmt_value;
use leapsim_report::table::{Column, Table};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct SweepArgs {
    /// Design file (TOML): [design] kind = "grid" | "lhs" | "list", seeds, outcomes, and the
    /// parameters to vary (see docs/sweep.md and designs/).
    #[arg(value_name = "DESIGN")]
    design: PathBuf,
    #[command(flatten)]
    model: ModelArgs,
    /// Outcomes to keep (repeatable; SERIES:YEARS[:AGG][@REGION]); replaces the design's
    /// `outcomes`. Default: the design's, else the headline outcomes.
    #[arg(long = "outcome", value_name = "OUTCOME")]
    outcomes: Vec<String>,
    /// Output directory (default: out/sweep-<design file name>), written atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    resume: ResumeArgs,
    /// No progress bar or table; errors only.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(a: SweepArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let base = resolve(&a.model)?;
    let file = a.design.to_string_lossy().into_owned();
    let d = design::load(&file, base.params.run.seed).map_err(|e| InputError(e.to_string()))?;
    let texts = if !a.outcomes.is_empty() { a.outcomes.clone() } else { d.outcomes.clone() };

    // Every (point, seed) is one work item: point i's runs are items i * seeds .. (i + 1) * seeds.
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
    // A design may vary run.end_year: every point must cover the outcomes' years.
    let shortest = items.iter().map(|s| s.params.run.end_year as i32).min().unwrap_or(1966);
    let outcomes = outcomes_for(&texts, shortest).map_err(InputError)?;
    check_outcomes(&outcomes, shortest).map_err(InputError)?;
    let keys: Vec<String> = rows.iter().map(|(i, seed)| format!("point-{i:04}-seed-{seed}")).collect();
    let stem = a.design.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "design".into());
    let out = a.out.clone().unwrap_or_else(|| PathBuf::from("out").join(format!("sweep-{stem}")));
    let cancel = cancel_flag();

    // The points' values (not the file's text) identify the work, with the scenario and
    // outcomes; more seeds per point can be added on resume.
    let fingerprint = json!({
        "command": "sweep",
        "scenario": scenario_fingerprint(&base),
        "params": d.params,
        "points": d.points,
        "outcomes": outcomes.iter().map(Outcome::name).collect::<Vec<_>>(),
    });
    let store = open_store(&out, &fingerprint, a.resume.resume)?;
    let stored = keys.iter().filter(|k| store.get(k).is_some()).count();
    let to_run = keys.len() - stored;
    let pb = Bar::new(
        a.quiet,
        to_run,
        format!("{} points x {} seeds (scale {})", d.points.len(), d.seeds, base.params.run.scale),
    );
    let keep = |_: usize, r: RunResult| -> Vec<Option<f64>> {
        outcomes.iter().map(|o| o.eval(&r.tables).ok().filter(|v| !v.is_nan())).collect()
    };
    let values = run_with_bar(pb, &store, &keys, &items, &keep, &cancel)?;

    let mut table = Table::default();
    table.push("point", Column::Int(rows.iter().map(|r| r.0 as i64).collect()));
    table.push("seed", Column::Int(rows.iter().map(|r| r.1).collect()));
    for (j, p) in d.params.iter().enumerate() {
        table.push(*p, Column::Exact(rows.iter().map(|r| d.points[r.0][j]).collect()));
    }
    for (j, o) in outcomes.iter().enumerate() {
        table.push(o.name(), Column::Float(values.iter().map(|v| v[j].unwrap_or(f64::NAN)).collect()));
    }
    let parquet = table.to_parquet().map_err(|e| anyhow::anyhow!("writing results.parquet: {e}"))?;
    let kind = match d.kind {
        DesignKind::Grid => "grid",
        DesignKind::Lhs => "lhs",
        DesignKind::List => "list",
    };
    let manifest = json!({
        "leapsim_version": leapsim_engine::VERSION,
        "git_revision": leapsim_engine::REVISION,
        "command": std::env::args().collect::<Vec<_>>(),
        "design": { "file": file, "kind": kind, "points": d.points.len(), "seeds": d.seeds, "params": d.params },
        "scenario": { "name": base.name, "origin": base.origin },
        "seed": base.params.run.seed,
        "scale": base.params.run.scale,
        "overrides": base.overrides.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        "outcomes": outcomes.iter().map(Outcome::name).collect::<Vec<_>>(),
        "runs": keys.len(),
        "runs_reused": stored,
        "runs_run": to_run,
        "threads": rayon::current_num_threads(),
        "seconds": started.elapsed().as_secs_f64(),
        "peak_memory_bytes": output::peak_memory_bytes(),
    });
    let files = vec![
        ("results.csv", table.to_csv().into_bytes()),
        ("results.parquet", parquet),
        ("manifest.json", (serde_json::to_string_pretty(&manifest)? + "\n").into_bytes()),
    ];
    output::write_dir(&out, &files, &cancel).map_err(|e| write_error(e, &out, &cancel))?;
    store.finish()?;

    if !a.quiet {
        println!(
            "{}: {} points x {} seeds = {} runs (scale {}), {} run now and {} reused, in {:.1} s",
            base.name,
            d.points.len(),
            d.seeds,
            keys.len(),
            base.params.run.scale,
            to_run,
            stored,
            started.elapsed().as_secs_f64()
        );
        // The mean over seeds of each point, for the first points.
        let header: Vec<String> =
            d.params.iter().map(|p| p.to_string()).chain(outcomes.iter().map(Outcome::name)).collect();
        let widths: Vec<usize> = header.iter().map(|h| h.len().max(12)).collect();
        let line = |first: String, cells: &[String]| {
            let cells: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}")).collect();
            println!("{first:>5}  {}", cells.join("  "));
        };
        line("point".into(), &header);
        let shown = d.points.len().min(20);
        for (i, p) in d.points.iter().enumerate().take(shown) {
            let mut cells: Vec<String> = p.iter().map(|v| format!("{v}")).collect();
            for j in 0..outcomes.len() {
                let v: Vec<f64> = (0..d.seeds as usize).filter_map(|k| values[i * d.seeds as usize + k][j]).collect();
                let mean = if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
                cells.push(fmt_value(mean));
            }
            line(i.to_string(), &cells);
        }
        if shown < d.points.len() {
            println!("  ... {} more points", d.points.len() - shown);
        }
        println!("Wrote {}/{{results.csv, results.parquet, manifest.json}}", out.display());
    }
    Ok(())
}
