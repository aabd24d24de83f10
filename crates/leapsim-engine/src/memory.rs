//! How much memory a run will need, and the check before it starts.
//!
//! Under a cgroup memory limit the kernel kills a process that goes over it (SIGKILL: nothing
//! can be printed then), so a run that cannot fit must be refused before its world is built.
//! The estimate is counted from what a run allocates — the sizes of its per-team columns,
//! person slots and output tables times their counts, which [`leapsim_core::build::size`]
//! knows before anything is built — and is meant as an upper bound of the peak resident
//! memory (`crates/leapsim-cli/tests/limits.rs` measures both; `docs/reliability.md`, "Memory limits").

use crate::limits;
use crate::run::RunError;
use crate::scenario::Scenario;
use crate::series::{Row, SERIES};
use leapsim_core::build::Size;
use leapsim_core::calendar::START_YEAR;
use leapsim_core::mechanisms::demography::{Thresholds, HUNGER_LEVELS};
use leapsim_core::state::Teams;
use leapsim_core::{MonthReport, RegionMonth};
use std::mem::size_of;
use std::ops::Range;
use std::sync::OnceLock;

/// Set to `off` to skip the check (a run refused by an estimate above the limit may still fit,
/// since the estimate is an upper bound).
pub const CHECK_VAR: &str = "LEAPSIM_MEMORY_CHECK";

/// Stack reserved by each worker thread (Rust's default for spawned threads, which rayon
/// keeps); counted whole, as the most a thread can touch.
const THREAD_STACK: u64 = 2 << 20;

/// Bytes of one line of annual.csv or monthly.csv held in memory before it is written: year,
/// month, region, series name and value are about 40 on average; 64 bounds them.
const CSV_LINE: u64 = 64;

/// The smallest heap block the allocator gives a `String` (glibc: 32 bytes), e.g. a table
/// row's region code.
const SMALL_BLOCK: u64 = 32;

/// What one run will hold at its peak.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The run's own bytes: its world, a step's temporaries and its output tables.
    pub bytes: u64,
    pub size: Size,
    pub scale: f64,
    pub end_year: i32,
}

/// The memory one run of `scenario` allocates (without what the process holds already).
pub fn estimate(scenario: &Scenario) -> Result<Estimate, RunError> {
    let inputs = crate::run::inputs_for(scenario)?;
    let p = &scenario.params;
    let size = leapsim_core::build::size(p, &inputs);
    let end_year = p.run.end_year as i32;
    let months = ((end_year - START_YEAR + 1) * 12).max(0) as u64;
    let provinces = inputs.provinces.len() as u64;
    let bytes = world_bytes(&size) + step_bytes(&size) + thresholds_bytes(provinces) + output_bytes(provinces, months);
    Ok(Estimate { bytes, size, scale: p.run.scale, end_year })
}

/// The world `build` makes: person slots, family sizes, every per-team column and the
/// brigades' ranges. While the teams are laid out, the columns pushed one by one (province,
/// urban, land) may hold their old block beside the grown one, so they count twice.
fn world_bytes(s: &Size) -> u64 {
    let pushed = size_of::<u16>() + size_of::<bool>() + size_of::<f32>();
    let per_team = Teams::BYTES_PER_TEAM + pushed;
    (s.slots + s.families + s.teams * per_team + s.brigades * size_of::<Range<usize>>()) as u64
}

/// The largest temporaries of a monthly step: reporting's brigade of each team, and each
/// brigade's yield and report.
fn step_bytes(s: &Size) -> u64 {
    let per_brigade = size_of::<f64>() + size_of::<(f64, f64, f64)>();
    (s.teams * size_of::<u32>() + s.brigades * per_brigade) as u64
}

/// Demography's death and birth thresholds, kept for the year for every province and hunger
/// level in use (`YearThresholds`): the same at any scale, and in a famine year most levels are
/// used (about 25 MB for the 28 provinces), so all of them are counted.
fn thresholds_bytes(provinces: u64) -> u64 {
    let level = size_of::<OnceLock<Box<Thresholds>>>() + size_of::<Thresholds>() + SMALL_BLOCK as usize;
    provinces * (HUNGER_LEVELS * level) as u64
}

/// A run's output, the same at any scale: the monthly reports, the annual and monthly tables
/// (each row with its region's string; the per-region value grids they are made from; the
/// annual lookup index, whose hash table may be half empty) and the text of the two CSV files.
fn output_bytes(provinces: u64, months: u64) -> u64 {
    let regions = provinces + 1;
    let years = months / 12;
    let reports = months * (size_of::<MonthReport>() as u64 + provinces * size_of::<RegionMonth>() as u64);
    let series = SERIES.len() as u64;
    let (annual, monthly) = (years * regions * series, months * regions * series);
    let rows = (annual + monthly) * (size_of::<Row>() as u64 + SMALL_BLOCK + size_of::<f64>() as u64);
    let index = annual * 2 * (size_of::<((i32, String, &str), usize)>() as u64 + SMALL_BLOCK);
    reports + rows + index + (annual + monthly) * CSV_LINE
}

/// The process's resident memory now (Linux `VmRSS`), if the system tells it.
pub fn resident_bytes() -> Option<u64> {
    crate::output::status_bytes("VmRSS:")
}

/// What the process will need to run `runs` at most `concurrent` at a time: what it holds now,
/// the worker threads' stacks, and the largest run's bytes once per concurrent run.
pub fn need(runs: &[Estimate], concurrent: usize, threads: usize) -> u64 {
    let largest = runs.iter().map(|e| e.bytes).max().unwrap_or(0);
    let concurrent = concurrent.min(runs.len()) as u64;
    resident_bytes().unwrap_or(0) + threads as u64 * THREAD_STACK + largest * concurrent
}

/// What [`check`] found: the bytes the process will need, and warnings to print.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    pub need_bytes: u64,
    pub warnings: Vec<String>,
}

/// Refuse, before anything is built, runs that cannot fit in the process's cgroup memory limit
/// (`RunError::Memory`, naming the limit's file); warn when only the system's available memory
/// is below the need (page cache and swap may still make room). `concurrent` is how many of
/// `scenarios` run at once. With `LEAPSIM_MEMORY_CHECK=off` the need is still estimated but
/// nothing is refused or warned of.
pub fn check(scenarios: &[&Scenario], concurrent: usize) -> Result<Checked, RunError> {
    if scenarios.is_empty() {
        return Ok(Checked::default());
    }
    let runs = scenarios.iter().map(|s| estimate(s)).collect::<Result<Vec<_>, _>>()?;
    let need_bytes = need(&runs, concurrent, rayon::current_num_threads());
    let mut checked = Checked { need_bytes, warnings: Vec::new() };
    if std::env::var(CHECK_VAR).is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        return Ok(checked);
    }
    let what = describe(&runs, concurrent.min(runs.len()));
    let (need, details) = (gib(need_bytes), details(&runs, concurrent));
    if let Some(limit) = limits::cgroup_limit().filter(|l| need_bytes > l.bytes) {
        return Err(RunError::Memory(format!(
            "{what} about {need} of memory ({details}) but the process is limited to {} (cgroup memory \
             limit, {}); lower --scale or --threads, or raise the limit",
            gib(limit.bytes),
            limit.file.display()
        )));
    }
    if let Some(available) = limits::available().filter(|&a| need_bytes > a) {
        checked.warnings.push(format!(
            "{what} about {need} of memory ({details}) but the system has {} available (MemAvailable \
             in /proc/meminfo); going on, since page cache and swap may make room",
            gib(available)
        ));
    }
    Ok(checked)
}

fn describe(runs: &[Estimate], concurrent: usize) -> String {
    match concurrent {
        0 | 1 if runs.len() <= 1 => "this run needs".to_string(),
        0 | 1 => format!("these {} runs (one at a time) need", runs.len()),
        n => format!("these {} runs ({n} at a time) need", runs.len()),
    }
}

/// Scale, years and the largest world, as the message shows them.
fn details(runs: &[Estimate], concurrent: usize) -> String {
    let largest = runs.iter().max_by_key(|e| e.bytes).expect("at least one run");
    let mut s = format!(
        "scale {}, {START_YEAR}-{}, {} teams, {} families",
        largest.scale,
        largest.end_year,
        count(largest.size.teams),
        count(largest.size.families)
    );
    if concurrent > 1 && runs.len() > 1 {
        s.push_str(&format!(", {} each", gib(largest.bytes)));
    }
    s
}

fn count(n: usize) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1} million", n as f64 / 1e6),
        n => n.to_string(),
    }
}

/// Bytes in GiB (MiB below one GiB), as the messages show them.
pub fn gib(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MiB", b / (1u64 << 20) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(scale: f64) -> Estimate {
        let mut s = crate::scenario::load("historical").unwrap();
        s.params.run.scale = scale;
        estimate(&s).unwrap()
    }

    #[test]
    fn the_estimate_grows_with_the_scale_by_the_world_it_builds() {
        let (small, large) = (at(0.001), at(0.01));
        assert!(large.size.teams > 9 * small.size.teams && large.size.teams < 11 * small.size.teams);
        // The world's part is at least its state; what does not scale is the same.
        let state = |e: &Estimate| (e.size.slots + e.size.families + e.size.teams * Teams::BYTES_PER_TEAM) as u64;
        assert!(large.bytes - small.bytes >= state(&large) - state(&small));
        // Full scale: a few GiB, a world of over ten million teams.
        let full = at(1.0);
        assert!(full.size.teams > 10_000_000, "{:?}", full.size);
        assert!(full.bytes > 3 << 30 && full.bytes < 5 << 30, "{}", gib(full.bytes));
    }

    #[test]
    fn concurrent_runs_multiply_the_largest() {
        let e = [at(0.001), at(0.002), at(0.001)];
        let one = need(&e, 1, 1);
        let two = need(&e, 2, 1);
        // The resident part may move between the two reads by a few pages.
        let diff = two as i64 - one as i64 - e[1].bytes as i64;
        assert!(diff.abs() < 4 << 20, "{diff}");
        // No more at once than there are runs.
        let all = need(&e[..1], 8, 1) as i64 - need(&e[..1], 1, 1) as i64;
        assert!(all.abs() < 4 << 20, "{all}");
    }

    #[test]
    fn messages_show_sizes_and_counts() {
        assert_eq!(gib(3 << 29), "1.5 GiB");
        assert_eq!(gib(200 << 20), "200 MiB");
        assert_eq!(count(11_300_000), "11.3 million");
        assert_eq!(describe(&[at(0.001)], 1), "this run needs");
        assert_eq!(describe(&[at(0.001), at(0.001)], 2), "these 2 runs (2 at a time) need");
    }
}
