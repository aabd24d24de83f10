//! `leapsim attribute`: each cause's Shapley share of the excess deaths of 1959-1961 (or of any
//! outcome), nationally and with `--by-province` for every province.

use crate::work::Bar;
use crate::{cancel_flag, resolve, InputError, Interrupted, ModelArgs};
use clap::Args;
use leapsim_analysis::attribution::{attribute, causes, default_causes, Attribution, Method};
use leapsim_analysis::outcome::Outcome;
use leapsim_analysis::stats::mean_and_90;
use leapsim_engine::series::fmt_value;
use leapsim_engine::{data, output, run};
use leapsim_report::chart;
use serde_json::json;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct AttributeArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Causes to attribute, comma-separated (default: weather, reporting, procurement, exports,
    /// furnaces, mess-halls; also known: water-works, targets, sown-area, enforcement,
    /// relief-denial, pooling, zeal). Each is switched off for the whole run.
    #[arg(long, value_delimiter = ',')]
    causes: Vec<String>,
    /// Seeds per coalition (seed, seed+1, ...): common random numbers across coalitions.
    #[arg(long, default_value_t = 1)]
    runs: u64,
    /// Outcome to attribute, SERIES:YEARS[:AGG][@REGION] (repeatable; default
    /// excess_deaths:1959-1961).
    #[arg(long = "outcome")]
    outcomes: Vec<String>,
    /// Also attribute every outcome in every province.
    #[arg(long)]
    by_province: bool,
    /// Sample this many orders of the causes instead of running every coalition (the default,
    /// 32, when there are more than 8 causes); every order is used when there are no more.
    #[arg(long, value_name = "M")]
    permutations: Option<usize>,
    /// Output directory for attribution.csv, attribution.png, attribution.svg and manifest.json
    /// (default: out/attribution).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// One row of a table: a cause (or `total`) with its mean over seeds, 90% interval and Monte
/// Carlo standard error.
struct Row {
    cause: String,
    mean: f64,
    q05: f64,
    q95: f64,
    se: f64,
}

/// The ranked rows of target `t`, largest share first, then the total.
fn rows(a: &Attribution, t: usize) -> Vec<Row> {
    let mut rows: Vec<Row> = a
        .causes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let v: Vec<f64> = a.shares[t].iter().map(|s| s[i]).collect();
            let (mean, q05, q95) = mean_and_90(&v);
            Row { cause: c.name.to_string(), mean, q05, q95, se: a.mc_se[t][i] }
        })
        .collect();
    rows.sort_by(|x, y| y.mean.total_cmp(&x.mean));
    let (mean, q05, q95) = mean_and_90(&a.totals[t]);
    rows.push(Row { cause: "total".into(), mean, q05, q95, se: 0.0 });
    rows
}

/// Counts of people are shown in millions; other outcomes as they are.
fn unit(o: &Outcome) -> (f64, &'static str) {
    let counts = ["population", "births", "deaths", "excess_deaths", "population_rural", "population_urban"];
    if counts.contains(&o.series) || o.series.starts_with("deaths_") {
        (1e6, "million")
    } else {
        (1.0, o.series.rsplit('_').next().unwrap_or(""))
    }
}

/// The table of outcome `t`: each cause's value, share and interval, appended to `report`.
fn table(report: &mut String, a: &Attribution, t: usize, sampled: bool) -> std::fmt::Result {
    let rows = rows(a, t);
    let total = rows.last().map(|r| r.mean).unwrap_or(0.0);
    let (div, unit) = unit(&a.targets[t]);
    let interval = format!("90% interval ({unit})");
    let mut out = format!("{:<14} {:>12} {:>7} {:>27}", "cause", unit, "share", interval);
    if sampled {
        out += &format!(" {:>12}", "MC s.e.");
    }
    writeln!(report, "{out}")?;
    for r in &rows {
        let share = if total != 0.0 { format!("{:.0}%", 100.0 * r.mean / total) } else { "-".into() };
        let mut out = format!(
            "{:<14} {:>12.2} {:>7} {:>12.2} to {:<11.2}",
            r.cause,
            r.mean / div,
            share,
            r.q05 / div,
            r.q95 / div
        );
        if sampled && r.cause != "total" {
            out += &format!(" {:>12.2}", r.se / div);
        }
        writeln!(report, "{}", out.trim_end())?;
    }
    Ok(())
}

pub fn run(a: AttributeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let base = resolve(&a.model)?;
    let cs = if a.causes.is_empty() { default_causes() } else { causes(&a.causes).map_err(InputError)? };
    let n = cs.len();
    if n > 16 {
        return Err(InputError(format!("at most 16 causes (given {n})")).into());
    }
    if a.runs == 0 {
        return Err(InputError("--runs: expected at least 1".into()).into());
    }
    if a.permutations == Some(0) {
        return Err(InputError("--permutations: expected at least 1".into()).into());
    }
    let texts = if a.outcomes.is_empty() { vec!["excess_deaths:1959-1961".to_string()] } else { a.outcomes.clone() };
    let outcomes = Outcome::parse_all(&texts).map_err(InputError)?;
    for o in &outcomes {
        o.check(&base).map_err(InputError)?;
    }
    // Targets: each outcome in its own region, then (with --by-province) in every other one.
    let provinces: Vec<String> = if a.by_province {
        data::provinces().map_err(anyhow::Error::msg)?.into_iter().map(|p| p.code).collect()
    } else {
        Vec::new()
    };
    let mut targets = outcomes.clone();
    for o in &outcomes {
        for r in std::iter::once("CN").chain(provinces.iter().map(String::as_str)) {
            if r != o.region {
                targets.push(o.in_region(r));
            }
        }
    }
    let method = Method::choose(n, a.permutations, base.params.run.seed as u64);
    let per_seed = method.coalitions(n).len();
    let cancel = cancel_flag();
    let bar = Bar::new(
        false,
        (a.runs * per_seed as u64) as usize,
        format!("{n} causes, {per_seed} coalitions x {} seeds", a.runs),
    );
    let progress = |_, _| bar.inc();
    let result = attribute(&base, &cs, &targets, a.runs, method, &progress, &cancel);
    bar.finish();
    let at = result.map_err(|e| match e {
        run::RunError::Interrupted => anyhow::Error::new(Interrupted),
        e => anyhow::Error::new(InputError(e.to_string())),
    })?;
    let how = match &at.method {
        Method::Exact => format!("exact over all {} coalitions", at.coalitions.len()),
        Method::Sampled(o) => {
            format!("{} sampled orders of the causes, {} coalitions run", o.len(), at.coalitions.len())
        }
    };
    // Sampled orders that are not every order: show the Monte Carlo error.
    let sampled = at.mc_se.iter().flatten().any(|s| *s != 0.0);

    // Printed once the files are written, so that a reader who stops early loses nothing.
    let mut report = String::new();
    // National (or the outcomes' own regions) first: the full tables.
    for (t, o) in outcomes.iter().enumerate() {
        writeln!(
            report,
            "{} explained by each cause (Shapley values, {how}; {} seed(s), scale {}):",
            o.name(),
            at.seeds.len(),
            base.params.run.scale
        )?;
        table(&mut report, &at, t, sampled)?;
        if t == 0 {
            if let Some(w) = rows(&at, 0).iter().find(|r| r.cause == "weather") {
                let total = mean_and_90(&at.totals[0]).0;
                writeln!(
                    report,
                    "Natural (weather) {:.0}%, man-made (the other causes and their interactions) {:.0}%",
                    100.0 * w.mean / total,
                    100.0 * (total - w.mean) / total
                )?;
            }
        }
        writeln!(report)?;
    }
    if a.by_province {
        // A compact per-province summary of the first outcome: its total and each cause's
        // share in per cent.
        let first = &outcomes[0];
        let (div, unit) = unit(first);
        writeln!(report, "{} by province: total ({unit}) and each cause's share of it:", first.in_region("CN").name())?;
        write!(report, "{:<7} {:>9}", "region", "total")?;
        for c in &at.causes {
            write!(report, " {:>11}", c.name)?;
        }
        writeln!(report)?;
        for (t, target) in at.targets.iter().enumerate() {
            if target.in_region("CN") != first.in_region("CN") {
                continue;
            }
            let total = mean_and_90(&at.totals[t]).0;
            write!(report, "{:<7} {:>9.3}", target.region, total / div)?;
            for i in 0..n {
                let m = at.shares[t].iter().map(|s| s[i]).sum::<f64>() / at.seeds.len() as f64;
                if total != 0.0 {
                    write!(report, " {:>10.0}%", 100.0 * m / total)?;
                } else {
                    write!(report, " {:>11}", "-")?;
                }
            }
            writeln!(report)?;
        }
        writeln!(report)?;
    }

    let mut csv = String::from("outcome,region,cause,value,q05,q95\n");
    for (t, target) in at.targets.iter().enumerate() {
        let name = target.in_region("CN").name();
        for r in rows(&at, t) {
            csv.push_str(&format!(
                "{name},{},{},{},{},{}\n",
                target.region,
                r.cause,
                fmt_value(r.mean),
                fmt_value(r.q05),
                fmt_value(r.q95)
            ));
        }
    }
    let first = &at.targets[0];
    let (div, unit) = unit(first);
    let bars: Vec<chart::Bar> = rows(&at, 0)
        .into_iter()
        .filter(|r| r.cause != "total")
        .map(|r| chart::Bar { label: r.cause, value: r.mean / div, low: r.q05 / div, high: r.q95 / div })
        .collect();
    let total = mean_and_90(&at.totals[0]).0 / div;
    let title = format!(
        "{}{}: Shapley shares (total {:.2} {unit}; scale {}, {} seed(s))",
        first.name(),
        if first.region == "CN" { " in China" } else { "" },
        total,
        base.params.run.scale,
        at.seeds.len()
    );
    let x_label = format!("share of {} ({unit}); whiskers: 5-95% of seeds", first.series);
    let svg = chart::bars_svg(&title, &x_label, &bars).map_err(anyhow::Error::msg)?;
    let png = chart::bars_png(&title, &x_label, &bars).map_err(anyhow::Error::msg)?;
    let manifest = json!({
        "leapsim_version": leapsim_engine::VERSION,
        "git_revision": leapsim_engine::REVISION,
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario": { "name": base.name, "origin": base.origin },
        "overrides": base.overrides.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>(),
        "seeds": at.seeds,
        "scale": base.params.run.scale,
        "runs": at.seeds.len(),
        "threads": rayon::current_num_threads(),
        "causes": at.causes.iter().map(|c| json!({ "name": c.name, "off": c.off, "why": c.why })).collect::<Vec<_>>(),
        "method": match &at.method {
            Method::Exact => json!({ "exact": true, "coalitions": at.coalitions.len() }),
            Method::Sampled(o) => json!({
                "exact": false,
                "orders": o.iter().map(|p| p.iter().map(|&i| at.causes[i].name).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "coalitions": at.coalitions.len(),
            }),
        },
        "monte_carlo_se": at.targets.iter().enumerate().map(|(t, target)| json!({
            "outcome": target.name(),
            "se": at.causes.iter().enumerate().map(|(i, c)| (c.name.to_string(), json!(at.mc_se[t][i]))).collect::<serde_json::Map<_, _>>(),
        })).collect::<Vec<_>>(),
        "timings_seconds": { "total": started.elapsed().as_secs_f64() },
        "peak_memory_bytes": output::peak_memory_bytes(),
    });
    let out = a.out.unwrap_or_else(|| PathBuf::from("out").join("attribution"));
    let files = vec![
        ("attribution.csv", csv.into_bytes()),
        ("attribution.png", png),
        ("attribution.svg", svg.into_bytes()),
        ("manifest.json", (serde_json::to_string_pretty(&manifest)? + "\n").into_bytes()),
    ];
    output::write_dir(&out, &files, &cancel).map_err(|e| crate::work::write_error(e, &out, &cancel))?;
    print!("{report}");
    println!("Wrote {}/{{attribution.csv, attribution.png, attribution.svg, manifest.json}}", out.display());
    Ok(())
}
