//! `leapsim fit-leap`: fit the Great Leap's free parameters to the great-leap rows of the fit
//! table (the seed report's figures and the national series), and print them for the scenario.
//!
//! Loss: for each row, the squared distance of the model from the record (kept inside the
//! row's band) in units of the band's width, plus a hundredfold penalty for any distance
//! outside the band. Method: coordinate descent, a golden-section search of each parameter in
//! turn over ±`--span` of its current value, for `--rounds` rounds, each evaluation the mean of
//! `--seeds` runs. It starts from the scenario's values, so a run from the committed historical
//! scenario reproduces its parameters. The first-plan rows do not depend on these parameters.

use crate::{cancel_flag, resolve, InputError, ModelArgs};
use clap::Args;
use leapsim_core::params::spec;
use leapsim_engine::history::{fit_table, FitRow};
use leapsim_engine::run;
use leapsim_engine::scenario::Scenario;

/// The free parameters of the Great Leap calibration (docs/calibration.md), in fitting order.
pub const FREE: &[&str] = &[
    "reporting.inflation_per_level",
    "reporting.coal_inflation",
    "reporting.steel_inflation",
    "production.backyard_t_per_worker_month",
    "procurement.enforcement",
    "planning.area_cut",
    "production.capital_loss_hunger",
    "production.capital_recovery",
    "demography.hunger_mortality_slope",
    "demography.hunger_fertility_slope",
    "demography.fertility_rebound",
];

#[derive(Args)]
pub struct FitArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Seeds averaged per evaluation (seed, seed+1, ...).
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// Rounds of coordinate descent over all parameters.
    #[arg(long, default_value_t = 2)]
    rounds: usize,
    /// Evaluations of the golden-section search per parameter.
    #[arg(long, default_value_t = 8)]
    steps: usize,
    /// Search each parameter over this share either side of its current value.
    #[arg(long, default_value_t = 0.3)]
    span: f64,
}

/// Loss of one row: distance from the record inside the band, heavily penalised outside it.
pub fn row_loss(r: &FitRow) -> f64 {
    let width = if r.low.is_finite() && r.high.is_finite() && r.high > r.low {
        r.high - r.low
    } else {
        let b = if r.low.is_finite() { r.low } else { r.high };
        (b.abs() * 0.2).max(1.0)
    };
    let target = r.record.clamp(r.low, r.high);
    let outside = if r.model < r.low {
        r.low - r.model
    } else if r.model > r.high {
        r.model - r.high
    } else {
        0.0
    };
    ((r.model - target) / width).powi(2) + 100.0 * (outside / width).powi(2)
}

fn loss(s: &Scenario, seeds: u64) -> anyhow::Result<f64> {
    let cancel = cancel_flag();
    let mut total = 0.0;
    for k in 0..seeds {
        let mut sk = s.clone();
        sk.params.run.seed += k as i64;
        let r = run::run(&sk, &mut |_, _| {}, &cancel).map_err(|e| InputError(e.to_string()))?;
        let rows = fit_table(&r.tables);
        total += rows.iter().filter(|f| f.group == "great-leap").map(row_loss).sum::<f64>();
    }
    Ok(total / seeds as f64)
}

pub fn run(a: FitArgs) -> anyhow::Result<()> {
    let mut model = a.model.clone();
    if model.scale.is_none() {
        model.scale = Some(0.002);
    }
    let mut s = resolve(&model)?;
    let mut best = loss(&s, a.seeds)?;
    eprintln!("start: loss {best:.4}");
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    for round in 0..a.rounds {
        for key in FREE {
            let sp = spec(key).expect("free parameters are registered");
            let v = s.params.get(key).unwrap();
            let (mut lo, mut hi) = ((v * (1.0 - a.span)).max(sp.min), (v * (1.0 + a.span)).min(sp.max));
            let eval = |x: f64| -> anyhow::Result<f64> {
                let mut t = s.clone();
                t.params.set(key, x);
                loss(&t, a.seeds)
            };
            let (mut x1, mut x2) = (hi - phi * (hi - lo), lo + phi * (hi - lo));
            let (mut f1, mut f2) = (eval(x1)?, eval(x2)?);
            for _ in 2..a.steps {
                if f1 <= f2 {
                    hi = x2;
                    (x2, f2) = (x1, f1);
                    x1 = hi - phi * (hi - lo);
                    f1 = eval(x1)?;
                } else {
                    lo = x1;
                    (x1, f1) = (x2, f2);
                    x2 = lo + phi * (hi - lo);
                    f2 = eval(x2)?;
                }
            }
            let (x, f) = if f1 <= f2 { (x1, f1) } else { (x2, f2) };
            // Keep the current value unless the search found a strictly better one.
            if f < best {
                s.params.set(key, x);
                best = f;
            }
            eprintln!("round {} {key} = {:.4} (loss {best:.4})", round + 1, s.params.get(key).unwrap());
        }
    }
    println!("# leapsim fit-leap: loss {best:.4}");
    let mut groups: Vec<&str> = FREE.iter().map(|k| k.split('.').next().unwrap()).collect();
    groups.dedup();
    groups.sort_unstable();
    groups.dedup();
    for g in groups {
        println!("[{g}]");
        for key in FREE.iter().filter(|k| k.starts_with(&format!("{g}."))) {
            println!("{} = {:.4}", &key[g.len() + 1..], s.params.get(key).unwrap());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    fn row(model: f64, record: f64, low: f64, high: f64) -> FitRow {
        FitRow { group: "great-leap", figure: String::new(), model, record, low, high, ok: true, source: String::new() }
    }
    #[test]
    fn loss_is_zero_at_the_record_and_steep_outside_the_band() {
        assert_eq!(row_loss(&row(375.0, 375.0, 340.0, 410.0)), 0.0);
        let inside = row_loss(&row(400.0, 375.0, 340.0, 410.0));
        assert!((inside - (25.0f64 / 70.0).powi(2)).abs() < 1e-12);
        // 10 Mt outside the band costs a hundredfold on top of the distance from the record.
        let outside = row_loss(&row(420.0, 375.0, 340.0, 410.0));
        assert!((outside - (45.0f64 / 70.0).powi(2) - 100.0 * (10.0f64 / 70.0).powi(2)).abs() < 1e-12);
        // One-sided bands are measured in a fifth of their bound.
        assert_eq!(row_loss(&row(43.4, 43.4, 35.0, f64::INFINITY)), 0.0);
        assert!(row_loss(&row(30.0, 43.4, 35.0, f64::INFINITY)) > 100.0 * (5.0f64 / 7.0).powi(2));
        // A record outside the band is pulled to the band's edge.
        assert_eq!(row_loss(&row(0.5, 0.9, f64::NEG_INFINITY, 0.5)), 0.0);
    }
}
