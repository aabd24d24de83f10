//! `leapsim attribute`: each cause's Shapley share of the excess deaths of 1959-1961.

use crate::{cancel_flag, progress_bar, resolve, InputError, Interrupted, ModelArgs};
use clap::Args;
use leapsim_engine::attribution::{causes, coalition, shapley, CAUSES};
use leapsim_engine::stats::quantile;
use leapsim_engine::{batch, output, run};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

#[derive(Args)]
pub struct AttributeArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Causes to attribute, comma-separated (default: all of weather, reporting, procurement,
    /// exports, furnaces, mess-halls). Each is switched off as its counterfactual scenario does.
    #[arg(long, value_delimiter = ',')]
    causes: Vec<String>,
    /// Seeds per coalition (seed, seed+1, ...): common random numbers across coalitions.
    #[arg(long, default_value_t = 1)]
    runs: u64,
    /// Output directory for attribution.csv (default: out/attribution).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Excess deaths of 1959-1961, nationally, from a run's annual table.
fn outcome(t: &leapsim_engine::series::Tables) -> f64 {
    (1959..=1961).filter_map(|y| t.annual(y, "CN", "excess_deaths")).sum()
}

pub fn run(a: AttributeArgs) -> anyhow::Result<()> {
    let base = resolve(&a.model)?;
    let names: Vec<String> =
        if a.causes.is_empty() { CAUSES.iter().map(|c| c.name.to_string()).collect() } else { a.causes.clone() };
    let cs = causes(&names).map_err(InputError)?;
    if cs.len() > 10 {
        return Err(InputError("at most 10 causes (2^n runs per seed)".into()).into());
    }
    let n = cs.len();
    let cancel = cancel_flag();
    let total = (a.runs as usize) << n;
    let pb = progress_bar(false);
    if let Some(pb) = &pb {
        pb.set_length(total as u64);
        pb.set_message(format!("{} causes, {} coalitions x {} seeds", n, 1 << n, a.runs));
    }
    // Every coalition for every seed is one work item: seed k's 2^n coalitions are items
    // k * 2^n .. (k + 1) * 2^n, all with seed base + k (common random numbers).
    let items: Vec<_> = (0..a.runs)
        .flat_map(|k| {
            let base = &base;
            let cs = &cs;
            (0..1u32 << n).map(move |mask| {
                let mut s = coalition(base, cs, mask);
                s.params.run.seed = base.params.run.seed + k as i64;
                s
            })
        })
        .collect();
    let progress = |_, _| {
        if let Some(pb) = &pb {
            pb.inc(1);
        }
    };
    let values = batch::run_all(&items, &|_, r| outcome(&r.tables), &progress, &cancel).map_err(|e| match e {
        run::RunError::Interrupted => anyhow::Error::new(Interrupted),
        e => anyhow::Error::new(InputError(e.to_string())),
    })?;
    let (per_seed, totals): (Vec<Vec<f64>>, Vec<f64>) =
        values.chunks(1 << n).map(|v| (shapley(n, v), v[(1 << n) - 1] - v[0])).unzip();
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    // Rows: each cause and the total, with the mean and the 5-95% range over seeds.
    let mut rows: Vec<(String, f64, f64, f64)> = (0..n)
        .map(|i| {
            let mut v: Vec<f64> = per_seed.iter().map(|p| p[i]).collect();
            v.sort_by(f64::total_cmp);
            (cs[i].name.to_string(), v.iter().sum::<f64>() / v.len() as f64, quantile(&v, 0.05), quantile(&v, 0.95))
        })
        .collect();
    rows.sort_by(|x, y| y.1.total_cmp(&x.1));
    let mut t = totals.clone();
    t.sort_by(f64::total_cmp);
    let total = t.iter().sum::<f64>() / t.len() as f64;
    rows.push(("total".into(), total, quantile(&t, 0.05), quantile(&t, 0.95)));

    println!(
        "Excess deaths 1959-1961 explained by each cause (Shapley values, {} seed(s), scale {}):",
        a.runs, base.params.run.scale
    );
    println!("{:<14} {:>12} {:>8} {:>25}", "cause", "million", "share", "90% interval (million)");
    for (name, m, lo, hi) in &rows {
        println!("{:<14} {:>12.2} {:>7.0}% {:>12.2} to {:<10.2}", name, m / 1e6, 100.0 * m / total, lo / 1e6, hi / 1e6);
    }
    if let Some(w) = rows.iter().find(|r| r.0 == "weather") {
        println!(
            "Natural (weather) {:.0}%, man-made (the other causes and their interactions) {:.0}%",
            100.0 * w.1 / total,
            100.0 * (total - w.1) / total
        );
    }
    let mut csv = String::from("outcome,region,cause,value,q05,q95\n");
    for (name, m, lo, hi) in &rows {
        csv.push_str(&format!("excess_deaths_1959_1961,CN,{name},{m:.1},{lo:.1},{hi:.1}\n"));
    }
    let manifest = json!({
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario": base.name,
        "seed": base.params.run.seed,
        "scale": base.params.run.scale,
        "runs": a.runs,
        "causes": cs.iter().map(|c| json!({ "name": c.name, "off": c.off })).collect::<Vec<_>>(),
        "git_revision": env!("LEAPSIM_GIT_REVISION"),
    });
    let out = a.out.unwrap_or_else(|| PathBuf::from("out").join("attribution"));
    let files = vec![
        ("attribution.csv", csv.into_bytes()),
        ("manifest.json", (serde_json::to_string_pretty(&manifest)? + "\n").into_bytes()),
    ];
    output::write_dir(&out, &files, &cancel).map_err(|e| {
        if cancel.load(Ordering::Relaxed) {
            anyhow::Error::new(Interrupted)
        } else {
            anyhow::Error::new(e)
        }
    })?;
    println!("Wrote {}/attribution.csv", out.display());
    Ok(())
}
