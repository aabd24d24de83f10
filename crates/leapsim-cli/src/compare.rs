//! `leapsim compare A B [C ...]`: scenarios side by side, run with the same seeds.

use crate::work::Bar;
use crate::{cancel_flag, resolve, InputError, Interrupted, ModelArgs};
use clap::Args;
use leapsim_analysis::compare::{compare, Comparison, Stat, CHART_YEARS};
use leapsim_analysis::outcome::Outcome;
use leapsim_engine::{output, run};
use leapsim_report::chart;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct CompareArgs {
    /// Two or more scenarios (built-in names or TOML files); the first is the reference that
    /// the others are compared with.
    #[arg(required = true, num_args = 2.., value_name = "SCENARIO")]
    scenarios: Vec<String>,
    /// Share of real families simulated (0.00001 to 1).
    #[arg(long)]
    scale: Option<f64>,
    /// Base seed: every scenario runs with seeds seed, seed+1, ... (common random numbers).
    #[arg(long)]
    seed: Option<u64>,
    /// Fix a parameter in every scenario: --set key.path=value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS).
    #[arg(long)]
    threads: Option<usize>,
    /// Seeds per scenario.
    #[arg(long, default_value_t = 5)]
    runs: u64,
    /// Outcome to report, SERIES:YEARS[:AGG][@REGION] (repeatable; default: the headline
    /// outcomes, excess deaths 1959-1961 first).
    #[arg(long = "outcome")]
    outcomes: Vec<String>,
    /// Output directory for compare.csv, compare.png, compare.svg and manifest.json
    /// (default: out/compare).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A number in a short form: millions with an M, else up to four significant digits.
fn short(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x.abs() >= 1e4 {
        format!("{:.0}", x)
    } else if x.abs() >= 100.0 {
        format!("{:.1}", x)
    } else {
        format!("{:.2}", x)
    }
}

fn cell(s: &Stat, runs: usize, signed: bool) -> String {
    let m = if signed && s.mean >= 0.0 { format!("+{}", short(s.mean)) } else { short(s.mean) };
    if runs > 1 {
        format!("{m} [{}, {}]", short(s.q05), short(s.q95))
    } else {
        m
    }
}

/// The terminal table: an outcome per row, each scenario's mean [90% interval], then each
/// later scenario's paired difference from the first.
pub fn table(c: &Comparison) -> String {
    let runs = c.runs();
    let mut header = vec!["outcome".to_string()];
    header.extend(c.names.iter().cloned());
    header.extend(c.names[1..].iter().map(|n| format!("{n} - {}", c.names[0])));
    let mut rows = vec![header];
    for (o, outcome) in c.outcomes.iter().enumerate() {
        let mut row = vec![outcome.name()];
        row.extend((0..c.names.len()).map(|s| cell(&c.stat(o, s), runs, false)));
        row.extend((1..c.names.len()).map(|s| cell(&c.difference(o, s), runs, true)));
        rows.push(row);
    }
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(j, x)| if j == 0 { format!("{x:<w$}", w = widths[j]) } else { format!("{x:>w$}", w = widths[j]) })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub fn run(a: CompareArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    if a.runs == 0 {
        return Err(InputError("--runs: expected at least 1".into()).into());
    }
    let scenarios = a
        .scenarios
        .iter()
        .map(|name| {
            resolve(&ModelArgs {
                scenario: name.clone(),
                scale: a.scale,
                seed: a.seed,
                set: a.set.clone(),
                threads: a.threads,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let outcomes = Outcome::parse_all(&a.outcomes).map_err(InputError)?;
    for o in &outcomes {
        for s in &scenarios {
            o.check(s).map_err(InputError)?;
        }
    }
    let cancel = cancel_flag();
    let total = scenarios.len() as u64 * a.runs;
    let bar = Bar::new(false, total as usize, format!("{} scenarios x {} seeds", scenarios.len(), a.runs));
    let progress = |_, _| bar.inc();
    let c = compare(&scenarios, &outcomes, a.runs, &progress, &cancel);
    bar.finish();
    let c = c.map_err(|e| match e {
        run::RunError::Interrupted => anyhow::Error::new(Interrupted),
        e => anyhow::Error::new(InputError(e.to_string())),
    })?;
    let scale = scenarios[0].params.run.scale;
    // Printed once the files are written, so that a reader who stops early loses nothing.
    let mut report = format!(
        "{} scenarios, {} seed(s) each ({}..{}, the same for every scenario), scale {}.\n",
        c.names.len(),
        c.runs(),
        c.seeds[0],
        c.seeds[c.runs() - 1],
        scale
    );
    if c.runs() > 1 {
        report += "Mean [5%, 95%] over seeds; differences are paired seed by seed.\n";
    }
    report += &format!("\n{}", table(&c));

    let title = format!("{} (scale {scale}, {} seed(s))", c.names.join(" vs "), c.runs());
    let note = if c.runs() > 1 {
        "Lines: mean over seeds; bands: 5-95% of seeds.\nNational series, ".to_string()
    } else {
        "One seed.\nNational series, ".to_string()
    } + &format!("{}-{}.", CHART_YEARS.0, CHART_YEARS.1);
    let panels = c.panels();
    let svg = chart::panels_svg(&title, &panels, &note).map_err(anyhow::Error::msg)?;
    let png = chart::panels_png(&title, &panels, &note).map_err(anyhow::Error::msg)?;
    let manifest = json!({
        "leapsim_version": leapsim_engine::VERSION,
        "git_revision": leapsim_engine::REVISION,
        "command": std::env::args().collect::<Vec<_>>(),
        "scenarios": scenarios.iter().map(|s| json!({
            "name": s.name,
            "origin": s.origin,
            "description": s.description,
            "overrides": s.overrides.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "seeds": c.seeds,
        "runs": c.runs(),
        "scale": scale,
        "threads": rayon::current_num_threads(),
        "outcomes": c.outcomes.iter().enumerate().map(|(o, x)| json!({
            "outcome": x.name(),
            "by_scenario": (0..c.names.len()).map(|s| json!({
                "scenario": c.names[s],
                "values": c.values[o][s],
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "timings_seconds": { "total": started.elapsed().as_secs_f64() },
        "peak_memory_bytes": output::peak_memory_bytes(),
    });
    let out = a.out.unwrap_or_else(|| PathBuf::from("out").join("compare"));
    let files = vec![
        ("compare.csv", c.csv().into_bytes()),
        ("compare.png", png),
        ("compare.svg", svg.into_bytes()),
        ("manifest.json", (serde_json::to_string_pretty(&manifest)? + "\n").into_bytes()),
    ];
    output::write_dir(&out, &files, &cancel).map_err(|e| crate::work::write_error(e, &out, &cancel))?;
    print!("{report}");
    println!("\nWrote {}/{{compare.csv, compare.png, compare.svg, manifest.json}}", out.display());
    Ok(())
}
