//! An ABC-SMC fit's own files: `posterior.csv` (the last generation's particles: weight, loss
//! and parameter values), `generations.csv` (each generation's tolerance, acceptance rate and
//! effective sample size) and `predictive.csv` (each target's posterior-predictive 90% interval
//! beside its record), the pair plot of the sample (`posterior.png`, `posterior.svg`), and
//! their summary for the terminal.

use crate::calibrate::csv_field;
use leapsim_analysis::calibrate::{CalibrateResult, Posterior};
use leapsim_engine::series::fmt_value;
use std::fmt::Write;

/// The posterior sample: one row per particle of the last generation.
pub fn posterior_csv(r: &CalibrateResult, p: &Posterior) -> String {
    let mut csv = String::from("particle,weight,loss");
    for fp in &r.settings.params {
        let _ = write!(csv, ",{}", fp.key);
    }
    csv.push('\n');
    for (i, (particle, e)) in p.last().particles.iter().zip(&p.sample).enumerate() {
        let _ = write!(csv, "{},{},{}", i + 1, particle.weight, e.loss);
        for v in &e.values {
            let _ = write!(csv, ",{v}");
        }
        csv.push('\n');
    }
    csv
}

/// The sampler's diagnostics, a row per generation (the first's tolerance is empty: it is the
/// prior).
pub fn generations_csv(p: &Posterior) -> String {
    let mut csv = String::from("generation,epsilon,proposed,accepted,acceptance_rate,ess\n");
    for (g, gen) in p.generations.iter().enumerate() {
        let eps = if gen.epsilon.is_finite() { gen.epsilon.to_string() } else { String::new() };
        let _ = writeln!(csv, "{},{eps},{},{},{},{}", g + 1, gen.proposed, gen.accepted, gen.acceptance(), gen.ess());
    }
    csv
}

/// Each target's posterior-predictive 5%, 50% and 95% quantiles (of the model's value over the
/// weighted sample) beside its record and band, and the posterior share inside the band.
pub fn predictive_csv(r: &CalibrateResult, p: &Posterior) -> String {
    let mut csv = String::from("target,record,low,high,q05,q50,q95,share_inside,source\n");
    for (j, (t, row)) in r.settings.targets.iter().zip(&r.report).enumerate() {
        let q = |q: f64| fmt_value(p.quantile(|e| e.model[j], q));
        let inside: f64 = p
            .last()
            .particles
            .iter()
            .zip(&p.sample)
            .filter(|(_, e)| e.model[j] >= t.band.low && e.model[j] <= t.band.high)
            .map(|(particle, _)| particle.weight)
            .sum();
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            csv_field(&row.figure),
            fmt_value(row.record),
            fmt_value(t.band.low),
            fmt_value(t.band.high),
            q(0.05),
            q(0.5),
            q(0.95),
            fmt_value(inside),
            csv_field(&row.source)
        );
    }
    csv
}

/// The pair plot of the posterior sample: SVG and PNG.
pub fn pictures(r: &CalibrateResult, p: &Posterior) -> Result<(String, Vec<u8>), String> {
    let values: Vec<Vec<f64>> = p.sample.iter().map(|e| e.values.clone()).collect();
    let weights: Vec<f64> = p.last().particles.iter().map(|x| x.weight).collect();
    let sample = crate::pairs::Sample {
        names: r.settings.params.iter().map(|fp| fp.key.to_string()).collect(),
        bounds: r.settings.params.iter().map(|fp| (fp.lower, fp.upper)).collect(),
        values: &values,
        weights: &weights,
    };
    let title = format!(
        "Posterior of {} ({} particles, generation {}, tolerance {:.4})",
        r.settings.file,
        weights.len(),
        p.generations.len(),
        p.last().epsilon
    );
    Ok((crate::pairs::pairs_svg(&title, &sample)?, crate::pairs::pairs_png(&title, &sample)?))
}

/// For the terminal: the generations, and each parameter's posterior median and 90% interval.
pub fn console(r: &CalibrateResult, p: &Posterior) -> String {
    let mut o = format!(
        "\nABC-SMC: {} generation(s) of {} particles, stopped: {}\n  generation   tolerance   accepted  ESS\n",
        p.generations.len(),
        p.last().particles.len(),
        match p.stop {
            leapsim_analysis::abc::Stop::Generations => "every generation made",
            leapsim_analysis::abc::Stop::Acceptance => "acceptance rate below the minimum",
            leapsim_analysis::abc::Stop::Budget => "evaluation budget (the last whole generation is the sample)",
        }
    );
    for (g, gen) in p.generations.iter().enumerate() {
        let eps = if gen.epsilon.is_finite() { format!("{:.4}", gen.epsilon) } else { "prior".into() };
        let _ = writeln!(o, "  {:>10} {:>11} {:>9.1}% {:>5.0}", g + 1, eps, 100.0 * gen.acceptance(), gen.ess());
    }
    o.push_str("\nPosterior (weighted median and 90% interval):\n");
    for (i, fp) in r.settings.params.iter().enumerate() {
        let q = |q: f64| p.quantile(|e| e.values[i], q);
        let _ = writeln!(o, "  {:<44} {:>10.4} ({:.4} to {:.4})", fp.key, q(0.5), q(0.05), q(0.95));
    }
    o
}
