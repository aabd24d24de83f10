//! The run loop: build the world, step it month by month, collect what each month reports.

use crate::detail::Detail;
use crate::scenario::Scenario;
use crate::series::{tables, Tables};
use leapsim_core::{build, step, Inputs, MonthReport};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Why a run stopped without results.
#[derive(Debug)]
pub enum RunError {
    /// Bad inputs (data or scenario) found while building the world.
    Inputs(String),
    /// The user interrupted the run.
    Interrupted,
    /// Keeping a finished run's result failed (a full disk, a store that cannot be written):
    /// the machine's fault, not the input's.
    Io(std::io::Error),
    /// The run would need more memory than the process may use (`memory::check`).
    Memory(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Inputs(m) | RunError::Memory(m) => write!(f, "{m}"),
            RunError::Interrupted => write!(f, "interrupted"),
            RunError::Io(e) => write!(f, "{e}"),
        }
    }
}
impl std::error::Error for RunError {}

/// A finished run: its reports and tables, and how long it took.
pub struct RunResult {
    pub reports: Vec<MonthReport>,
    pub tables: Tables,
    pub regions: Vec<String>,
    pub build_seconds: f64,
    pub simulate_seconds: f64,
    /// Simulated persons summed over months (the work done).
    pub person_months: f64,
    /// Bytes of model state a monthly step touches (at the end of the run).
    pub state_bytes: usize,
    /// detail.csv text when a commune was followed.
    pub detail: Option<String>,
    /// What the memory check estimated the process would need (`memory::check`), when it ran.
    pub memory_estimate_bytes: Option<u64>,
}

/// Inputs of a scenario: the embedded provincial data and the scenario's timeline.
pub fn inputs_for(scenario: &Scenario) -> Result<Inputs, RunError> {
    let provinces = crate::data::provinces().map_err(RunError::Inputs)?;
    let disaster = crate::data::disaster(&provinces).map_err(RunError::Inputs)?;
    let urban_record = crate::data::urban_record(&provinces).map_err(RunError::Inputs)?;
    let pinned = scenario.overrides.iter().map(|(k, _)| k.clone()).collect();
    Ok(Inputs { provinces, disaster, urban_record, timeline: scenario.timeline.clone(), pinned })
}

/// Run a scenario. `progress(done, total)` is called after every month; setting `cancel`
/// stops the run at the next month with `RunError::Interrupted`.
pub fn run(
    scenario: &Scenario,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<RunResult, RunError> {
    run_with_detail(scenario, None, progress, cancel)
}

/// As [`run`], and with `detail = Some(province)` also follow that province's first commune
/// team by team (`RunResult::detail`, the text of detail.csv). Refuses first, with
/// `RunError::Memory`, a run that cannot fit in the process's memory limit (`memory::check`;
/// its warnings are printed to stderr, before the run, which has no other channel then).
pub fn run_with_detail(
    scenario: &Scenario,
    detail: Option<&str>,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<RunResult, RunError> {
    let checked = crate::memory::check(&[scenario], 1)?;
    for w in &checked.warnings {
        eprintln!("warning: {w}");
    }
    let mut r = simulate(scenario, detail, progress, cancel)?;
    r.memory_estimate_bytes = Some(checked.need_bytes);
    Ok(r)
}

/// [`run_with_detail`] without the memory check: for callers that checked already (the batch
/// runner checks all its runs at once, as many at a time as it runs).
pub fn simulate(
    scenario: &Scenario,
    detail: Option<&str>,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<RunResult, RunError> {
    let t0 = Instant::now();
    let inputs = inputs_for(scenario)?;
    let mut world = build(&scenario.params, &inputs).map_err(|e| RunError::Inputs(e.to_string()))?;
    let mut detail = detail.map(|p| Detail::new(&world, p)).transpose().map_err(RunError::Inputs)?;
    let build_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let total = ((scenario.params.run.end_year as i32 - leapsim_core::calendar::START_YEAR + 1) * 12) as usize;
    let mut reports = Vec::with_capacity(total);
    let mut person_months = 0.0;
    for i in 0..total {
        if cancel.load(Ordering::Relaxed) {
            return Err(RunError::Interrupted);
        }
        // An integer sum: exact, so the same on any thread count.
        person_months += world.teams.census.par_iter().map(|c| c.persons as u64).sum::<u64>() as f64;
        let report = step(&mut world);
        if let Some(d) = detail.as_mut() {
            d.record(&world, report.month.year(), report.month.month_of_year());
        }
        reports.push(report);
        progress(i + 1, total);
    }
    let simulate_seconds = t1.elapsed().as_secs_f64();
    let regions: Vec<String> = world.provinces.iter().map(|p| p.code.clone()).collect();
    let p = &scenario.params;
    let tables = tables(&reports, &regions, p.income.cotton_weight, p.income.agriculture_weight);
    let detail = detail.map(Detail::into_csv);
    let state_bytes = world.state_bytes();
    Ok(RunResult {
        reports,
        tables,
        regions,
        build_seconds,
        simulate_seconds,
        person_months,
        state_bytes,
        detail,
        memory_estimate_bytes: None,
    })
}
