//! `leapsim fit-baseline`: fit baseline demography to the registered CBR and CDR of 1953-1957.
//!
//! Fixed-point iteration: each year's fertility is scaled by record/model CBR, and the
//! mortality level and trend by a log-linear fit of record/model CDR over the five years.
//! Runs end in 1957, so nothing after it (and no Great Leap mechanism) enters the fit.

use crate::{cancel_flag, resolve, InputError, ModelArgs};
use clap::Args;
use leapsim_engine::data::Record;
use leapsim_engine::run;

#[derive(Args)]
pub struct FitArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Seeds averaged per evaluation (seed, seed+1, ...).
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// Fixed-point iterations.
    #[arg(long, default_value_t = 8)]
    iterations: usize,
}

const YEARS: std::ops::RangeInclusive<i32> = 1953..=1957;

pub fn run(a: FitArgs) -> anyhow::Result<()> {
    let mut model = a.model.clone();
    if model.scale.is_none() {
        model.scale = Some(0.002);
    }
    let mut s = resolve(&model)?;
    s.params.run.end_year = 1957;
    let rec = Record::embedded();
    let target = |v: &str| -> Vec<f64> { YEARS.map(|y| rec.get(y, v).expect("record has 1953-1957")).collect() };
    let (cbr_t, cdr_t) = (target("crude_birth_rate"), target("crude_death_rate"));
    let cancel = cancel_flag();
    let base_seed = s.params.run.seed;
    for it in 0..a.iterations {
        let (mut cbr, mut cdr) = (vec![0.0; 5], vec![0.0; 5]);
        for k in 0..a.seeds {
            let mut sk = s.clone();
            sk.params.run.seed = base_seed + k as i64;
            let r = run::run(&sk, &mut |_, _| {}, &cancel).map_err(|e| match e {
                run::RunError::Memory(m) => anyhow::anyhow!(m),
                e => anyhow::Error::new(InputError(e.to_string())),
            })?;
            for (i, y) in YEARS.enumerate() {
                cbr[i] += r.tables.annual(y, "CN", "cbr_permille").unwrap() / a.seeds as f64;
                cdr[i] += r.tables.annual(y, "CN", "cdr_permille").unwrap() / a.seeds as f64;
            }
        }
        let worst = (0..5).map(|i| (cbr[i] - cbr_t[i]).abs().max((cdr[i] - cdr_t[i]).abs())).fold(0.0, f64::max);
        eprintln!("iteration {}: largest CBR/CDR error {:.2} per mille", it + 1, worst);
        let d = &mut s.params.demography;
        let fert = [
            &mut d.fertility_1953,
            &mut d.fertility_1954,
            &mut d.fertility_1955,
            &mut d.fertility_1956,
            &mut d.fertility_1957,
        ];
        for (i, f) in fert.into_iter().enumerate() {
            *f *= cbr_t[i] / cbr[i];
        }
        // Least squares of ln(record/model) on years since 1953.
        let r: Vec<f64> = (0..5).map(|i| (cdr_t[i] / cdr[i]).ln()).collect();
        let xm = 2.0;
        let rm = r.iter().sum::<f64>() / 5.0;
        let slope = (0..5).map(|i| (i as f64 - xm) * (r[i] - rm)).sum::<f64>()
            / (0..5).map(|i| (i as f64 - xm).powi(2)).sum::<f64>();
        let intercept = rm - slope * xm;
        d.mortality_level *= intercept.exp();
        d.mortality_trend = (1.0 + d.mortality_trend) * slope.exp() - 1.0;
    }
    let d = &s.params.demography;
    println!("[demography]");
    println!("mortality_level = {:.4}", d.mortality_level);
    println!("mortality_trend = {:.4}", d.mortality_trend);
    for (y, f) in YEARS.zip([d.fertility_1953, d.fertility_1954, d.fertility_1955, d.fertility_1956, d.fertility_1957])
    {
        println!("fertility_{y} = {f:.4}");
    }
    Ok(())
}
