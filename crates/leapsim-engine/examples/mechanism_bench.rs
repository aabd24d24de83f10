//! Time one mechanism of the monthly step on a fixed world, on one thread.
//!
//! Whole runs are too noisy to compare two versions of a mechanism on the project's virtual
//! machine (the host's speed drifts by 10-20% from minute to minute). This runs the historical
//! scenario to the February of a year, then times some months of one mechanism alone, each
//! repetition on a fresh copy of that world, and prints the fastest repetition in nanoseconds
//! per team-month. Build it for each version and run the two one after the other, a few times
//! in turn:
//!
//! ```text
//! cargo run --release -p leapsim-engine --example mechanism_bench -- demography 0.01 1957 12
//! ```
//!
//! Arguments, all optional: mechanism (demography, consumption, production, observe), scale
//! (0.01), year (1957), months (12, from February), repetitions (25).
//!
//! Counts that do not depend on the host at all (instructions and simulated mispredicted
//! branches, per source line) come from running it once under callgrind, collecting inside
//! the mechanism only (docs/performance.md, fourth stage):
//!
//! ```text
//! valgrind --tool=callgrind --branch-sim=yes --toggle-collect='*demography*update*' \
//!   target/release/examples/mechanism_bench demography 0.001 1957 12 1
//! ```

use leapsim_core::mechanisms::{consumption, demography, labour, production};
use leapsim_core::{ProvinceReport, World};
use std::time::Instant;

const MECHANISMS: [&str; 4] = ["demography", "consumption", "production", "observe"];

fn main() {
    if let Err(e) = run() {
        eprintln!("mechanism_bench: {e}\nusage: mechanism_bench [MECHANISM] [SCALE] [YEAR] [MONTHS] [REPETITIONS]");
        std::process::exit(2);
    }
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, name: &str, default: T) -> Result<T, String> {
    match args.get(i) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| format!("{name} must be a number, not {s:?}")),
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mechanism = args.first().map(String::as_str).unwrap_or("demography");
    if !MECHANISMS.contains(&mechanism) {
        return Err(format!("unknown mechanism {mechanism:?}; one of {}", MECHANISMS.join(", ")));
    }
    let scale: f64 = arg(&args, 1, "scale", 0.01)?;
    let year: i32 = arg(&args, 2, "year", 1957)?;
    let months: usize = arg(&args, 3, "months", 12)?;
    let repetitions: usize = arg(&args, 4, "repetitions", 25)?;
    let mut scenario = leapsim_engine::scenario::load("historical").map_err(|e| e.to_string())?;
    scenario.apply_override(&format!("run.scale={scale}")).map_err(|e| e.to_string())?;
    let (first, last) = (leapsim_core::calendar::START_YEAR, scenario.params.run.end_year as i32);
    if !(first..=last).contains(&year) {
        return Err(format!("year must be {first}-{last}, not {year}"));
    }
    let inputs = leapsim_engine::run::inputs_for(&scenario).map_err(|e| e.to_string())?;
    let mut world = leapsim_core::build(&scenario.params, &inputs).map_err(|e| e.to_string())?;
    // To the February of the year, so that twelve months hold one January.
    while world.month.year() < year || world.month.month_of_year() < 2 {
        leapsim_core::step(&mut world);
    }

    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().map_err(|e| e.to_string())?;
    let no_reports = vec![ProvinceReport::default(); world.provinces.len()];
    // The scenario's parameters and inputs are fixed for the run: one copy serves every month.
    let (params, inputs) = (world.params().clone(), world.inputs().clone());
    let month_of = |w: &mut World| match mechanism {
        "demography" => {
            let cache = &mut w.year_thresholds;
            demography::update(&params, w.month, &w.provinces, &mut w.teams, &mut w.slots, &mut w.family_len, cache)
        }
        "consumption" => consumption::consume(&params, &w.policy, w.month, &w.provinces, &mut w.teams, &mut w.centre),
        "production" => {
            let shares = labour::Shares::allocate(&params.labour, &w.policy, &mut w.centre);
            production::produce(&params, &w.policy, w.month, &inputs, &w.provinces, &mut w.teams, &mut w.centre, shares)
        }
        _ => {
            std::hint::black_box(leapsim_core::observe::observe(w, &no_reports));
        }
    };
    let mut fastest = f64::INFINITY;
    for _ in 0..repetitions {
        let mut w = world.clone();
        let started = Instant::now();
        pool.install(|| {
            for _ in 0..months {
                month_of(&mut w);
                w.month = w.month.next();
            }
        });
        fastest = fastest.min(started.elapsed().as_secs_f64());
    }
    let team_months = (months * world.teams.len()) as f64;
    println!(
        "{mechanism}: {:.1} ns per team-month (scale {scale}, {months} months from February {year}, fastest of {repetitions}, one thread)",
        fastest * 1e9 / team_months
    );
    Ok(())
}
