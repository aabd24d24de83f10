//! The attribution's files, `attribution.csv` (each target's causes ranked, with the total)
//! and its bar chart (`attribution.png`, `attribution.svg`), and its report for the terminal.

use crate::chart;
use crate::writer::{File, JobOutput};
use leapsim_analysis::attribution::{AttributeResult, Attribution, Method};
use leapsim_analysis::manifest::Manifest;
use leapsim_analysis::outcome::Outcome;
use leapsim_analysis::stats::mean_and_90;
use leapsim_analysis::store::WorkStore;
use leapsim_engine::series::fmt_value;
use std::fmt::Write;

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

/// Every target's rows: outcome, region, cause, value and 90% interval.
pub fn attribution_csv(at: &Attribution) -> String {
    let mut csv = String::from("outcome,region,cause,value,q05,q95\n");
    for (t, target) in at.targets.iter().enumerate() {
        let name = target.in_region("CN").name();
        for r in rows(at, t) {
            let _ = writeln!(
                csv,
                "{name},{},{},{},{},{}",
                target.region,
                r.cause,
                fmt_value(r.mean),
                fmt_value(r.q05),
                fmt_value(r.q95)
            );
        }
    }
    csv
}

/// The bars of the first target, its title and axis label.
fn chart_parts(r: &AttributeResult) -> (String, String, Vec<chart::Bar>) {
    let at = &r.attribution;
    let first = &at.targets[0];
    let (div, unit) = unit(first);
    let bars: Vec<chart::Bar> = rows(at, 0)
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
        r.scale,
        at.seeds.len()
    );
    let x_label = format!("share of {} ({unit}); whiskers: 5-95% of seeds", first.series);
    (title, x_label, bars)
}

impl JobOutput for AttributeResult {
    fn files(&self) -> Result<Vec<File>, String> {
        let (title, x_label, bars) = chart_parts(self);
        let svg = chart::bars_svg(&title, &x_label, &bars)?;
        let png = chart::bars_png(&title, &x_label, &bars)?;
        Ok(vec![
            ("attribution.csv".into(), attribution_csv(&self.attribution).into_bytes()),
            ("attribution.png".into(), png),
            ("attribution.svg".into(), svg.into_bytes()),
        ])
    }
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    fn work(&self) -> Option<&WorkStore> {
        Some(&self.work)
    }
}

/// The table of target `t`: each cause's value, share and interval, appended to `report`.
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

/// The full table of each outcome asked for, in its own region.
fn outcome_tables(report: &mut String, r: &AttributeResult) -> std::fmt::Result {
    let at = &r.attribution;
    let how = match &at.method {
        Method::Exact => format!("exact over all {} coalitions", at.coalitions.len()),
        Method::Sampled(o) => {
            format!("{} sampled orders of the causes, {} coalitions run", o.len(), at.coalitions.len())
        }
    };
    // Sampled orders that are not every order: show the Monte Carlo error.
    let sampled = at.mc_se.iter().flatten().any(|s| *s != 0.0);
    for (t, o) in r.outcomes.iter().enumerate() {
        writeln!(
            report,
            "{} explained by each cause (Shapley values, {how}; {} seed(s), scale {}):",
            o.name(),
            at.seeds.len(),
            r.scale
        )?;
        table(report, at, t, sampled)?;
        if t == 0 {
            if let Some(w) = rows(at, 0).iter().find(|r| r.cause == "weather") {
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
    Ok(())
}

/// A compact per-province summary of the first outcome: its total and each cause's share in
/// per cent.
fn province_table(report: &mut String, r: &AttributeResult) -> std::fmt::Result {
    let at = &r.attribution;
    let first = &r.outcomes[0];
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
        for i in 0..at.causes.len() {
            let m = at.shares[t].iter().map(|s| s[i]).sum::<f64>() / at.seeds.len() as f64;
            if total != 0.0 {
                write!(report, " {:>10.0}%", 100.0 * m / total)?;
            } else {
                write!(report, " {:>11}", "-")?;
            }
        }
        writeln!(report)?;
    }
    writeln!(report)
}

/// The report for the terminal: each outcome's table, then (with `by_province`) the provinces.
pub fn console(r: &AttributeResult) -> String {
    let draws = "every coalition of a run draws the same particle";
    let mut report = crate::console::intervals_line(&r.manifest.job, draws);
    let _ = outcome_tables(&mut report, r);
    if r.by_province {
        let _ = province_table(&mut report, r);
    }
    report
}
