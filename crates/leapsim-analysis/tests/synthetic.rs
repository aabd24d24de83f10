//! ABC-SMC on the model itself recovers known parameters: data made by a run with five
//! parameters set to known values (at a scale CI can afford, on a seed the sampler never uses),
//! then a sample under uniform priors over the fit's bounds. The 90% intervals must hold the
//! true value for at least four of the five, and be narrower than the priors: the targets
//! must have taught the sample something.

use leapsim_analysis::calibrate::{self, CalibrateRequest, FitMethod};
use leapsim_analysis::runner::Runner;
use leapsim_analysis::ModelSpec;
use leapsim_engine::outcome::Outcome;
use std::sync::atomic::AtomicBool;

const SCALE: &str = "0.001";
const END: &str = "run.end_year=1962";

/// The known parameters: (key, true value, lower, upper), inside the bounds of calibration/leap.toml.
const TRUTH: [(&str, f64, f64, f64); 5] = [
    ("reporting.inflation_per_level", 0.2, 0.08, 0.35),
    ("procurement.enforcement", 0.4, 0.05, 1.0),
    ("planning.area_cut", 0.25, 0.05, 0.5),
    ("demography.hunger_mortality_slope", 5.0, 2.0, 10.0),
    ("demography.hunger_fertility_slope", 6.0, 2.0, 12.0),
];

/// What the synthetic record measures: each moves chiefly with one of the parameters above.
const TARGETS: [&str; 6] = [
    "grain_reported_mt:1958",
    "grain_year_procurement_ratio:1959",
    "grain_true_mt:1959",
    "cdr_permille:1960",
    "cbr_permille:1961",
    "excess_deaths:1959-1961",
];

#[test]
fn abc_smc_recovers_known_parameters_of_the_model_from_synthetic_data() {
    // The synthetic record: one run at the true values.
    let mut set: Vec<String> = TRUTH.iter().map(|(k, v, _, _)| format!("{k}={v}")).collect();
    set.push(END.into());
    let spec =
        ModelSpec { scenario: "historical".into(), scale: Some(SCALE.parse().unwrap()), seed: Some(1_000_003), set };
    let scenario = spec.resolve().unwrap();
    let never = AtomicBool::new(false);
    let truth_run = leapsim_engine::run::run(&scenario, &mut |_, _| {}, &never).unwrap();
    // Two Metropolis-Hastings steps per generation, as calibration/uncertain.toml takes.
    let mut settings = String::from("description = \"synthetic\"\n[method]\nmoves = 2\n\n");
    for (k, _, lo, hi) in TRUTH {
        settings.push_str(&format!("[[param]]\nkey = \"{k}\"\nlower = {lo}\nupper = {hi}\n\n"));
    }
    for t in TARGETS {
        let record = Outcome::parse(t).unwrap().eval(&truth_run.tables).unwrap();
        let (lo, hi) = (record * 0.9, record * 1.1);
        settings.push_str(&format!(
            "[[target]]\noutcome = \"{t}\"\nrecord = {record}\nband = [{}, {}]\nsource = \"synthetic\"\n\n",
            lo.min(hi),
            lo.max(hi)
        ));
    }
    let settings = calibrate::parse(&settings, "synthetic.toml").unwrap();

    // The sample, under uniform priors, each point on its own seed.
    let out = std::env::temp_dir().join(format!("leapsim-synthetic-{}", std::process::id()));
    let req = CalibrateRequest {
        model: ModelSpec {
            scenario: "historical".into(),
            scale: Some(SCALE.parse().unwrap()),
            seed: Some(1),
            set: vec![END.into()],
        },
        settings,
        max_evals: None,
        seeds: Some(1),
        method: FitMethod::AbcSmc,
        particles: Some(40),
        generations: Some(8),
        out: Some(out.clone()),
        resume: false,
        command: vec![],
    };
    let result = calibrate::calibrate(&req, &Runner::silent(&never)).unwrap();
    let posterior = result.posterior.as_ref().unwrap();
    let mut inside = 0;
    let mut narrower = 0;
    for (i, (k, truth, lo, hi)) in TRUTH.iter().enumerate() {
        let q = |p: f64| posterior.quantile(|e| e.values[i], p);
        let (q05, q95) = (q(0.05), q(0.95));
        eprintln!("{k}: true {truth}, 90% interval {q05:.4} to {q95:.4} (prior {lo} to {hi})");
        inside += usize::from(q05 <= *truth && *truth <= q95);
        narrower += usize::from(q95 - q05 < 0.5 * (hi - lo));
    }
    std::fs::remove_dir_all(out.parent().unwrap().join(format!("{}.work", out.file_name().unwrap().to_string_lossy())))
        .ok();
    std::fs::remove_dir_all(&out).ok();
    assert!(inside >= 4, "{inside} of 5 intervals hold the true value");
    assert!(narrower >= 4, "only {narrower} of 5 intervals are narrower than half the prior's range");
}
