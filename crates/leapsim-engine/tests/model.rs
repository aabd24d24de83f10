//! Whole-model tests: the foundation's acceptance checks at a scale that fits in CI.

use leapsim_core::{build, step};
use leapsim_engine::history::fit_table;
use leapsim_engine::run::{inputs_for, run, RunResult};
use leapsim_engine::scenario::{load, Scenario};
use leapsim_engine::series::{to_csv, SERIES};
use std::sync::atomic::AtomicBool;

fn scenario(scale: f64, seed: u64, end_year: i32) -> Scenario {
    let mut s = load("historical").unwrap();
    s.apply_override(&format!("run.scale={scale}")).unwrap();
    s.apply_override(&format!("run.seed={seed}")).unwrap();
    s.apply_override(&format!("run.end_year={end_year}")).unwrap();
    s
}

fn simulate(s: &Scenario) -> RunResult {
    run(s, &mut |_, _| {}, &AtomicBool::new(false)).unwrap()
}

#[test]
fn first_five_year_plan_matches_the_record() {
    // The historical scenario at a small scale: every figure of the fit table for 1953-1957
    // (CDR and CBR within 1.5 per mille each year, 1957 population within 2%, industry and
    // agriculture growth, grain, procurement, steel and coal) inside its band.
    let r = simulate(&scenario(0.004, 1, 1958));
    let rows = fit_table(&r.tables);
    assert!(rows.len() >= 17, "fit table has {} rows", rows.len());
    let out: Vec<String> = rows
        .iter()
        .filter(|f| !f.ok)
        .map(|f| format!("{}: {:.2} not in {:.2}-{:.2}", f.figure, f.model, f.low, f.high))
        .collect();
    assert!(out.is_empty(), "outside the record's bands:\n{}", out.join("\n"));
}

#[test]
fn output_does_not_depend_on_thread_count_but_on_seed() {
    let s = scenario(0.001, 7, 1955);
    let run_with = |threads: usize, s: &Scenario| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| simulate(s))
    };
    let one = run_with(1, &s);
    let two = run_with(2, &s);
    let three = run_with(3, &s);
    assert_eq!(to_csv(&one.tables.annual, false), to_csv(&two.tables.annual, false));
    assert_eq!(to_csv(&one.tables.monthly, true), to_csv(&two.tables.monthly, true));
    assert_eq!(to_csv(&one.tables.monthly, true), to_csv(&three.tables.monthly, true));
    let other = run_with(2, &scenario(0.001, 8, 1955));
    assert_ne!(to_csv(&one.tables.annual, false), to_csv(&other.tables.annual, false));
}

#[test]
fn annual_table_holds_every_series_for_every_region_and_year() {
    let r = simulate(&scenario(0.0005, 1, 1956));
    let regions: Vec<String> = std::iter::once("CN".to_string()).chain(r.regions.iter().cloned()).collect();
    assert_eq!(regions.len(), 29);
    for y in 1953..=1956 {
        for region in &regions {
            for s in SERIES {
                assert!(r.tables.annual(y, region, s).is_some(), "{y} {region} {s}");
            }
        }
    }
    assert_eq!(r.tables.annual.len(), 4 * 29 * SERIES.len());
    assert_eq!(r.tables.monthly.len(), 48 * 29 * SERIES.len());
}

#[test]
fn people_and_grain_are_conserved_month_by_month() {
    let s = scenario(0.0005, 3, 1966);
    let inputs = inputs_for(&s).unwrap();
    let mut w = build(&s.params, &inputs).unwrap();
    let persons = |w: &leapsim_core::World| w.family_len.iter().map(|&l| l as i64).sum::<i64>();
    let mut before = persons(&w);
    for _ in 0..(14 * 12) {
        step(&mut w);
        let after = persons(&w);
        let births: i64 = w.teams.flow.iter().map(|f| f.births as i64).sum();
        let deaths: i64 = w.teams.flow.iter().map(|f| f.total_deaths() as i64).sum();
        assert_eq!(after - before, births - deaths, "month {}", w.month);
        assert_eq!(after, w.teams.census.iter().map(|c| c.persons as i64).sum::<i64>());
        before = after;
        assert!(w.centre.granary_t >= 0.0);
        for (t, f) in w.teams.flow.iter().enumerate() {
            let stock = w.teams.grain_kg[t];
            assert!(stock >= -1e-6, "team {t} stock {stock}");
            // Procurement never takes grain that is not there, nor more than the quota.
            assert!(f.procured_kg <= f.quota_kg + 1e-6);
            assert!(f.eaten_kg >= 0.0 && f.harvest_kg >= 0.0);
        }
    }
    assert_eq!(w.teams.flow.iter().map(|f| f.births_unplaced).sum::<u32>(), 0);
}

#[test]
fn communes_are_formed_in_1958_and_split_after_the_retreat() {
    let r = simulate(&scenario(0.002, 1, 1963));
    let c = |y| r.tables.annual(y, "CN", "communes").unwrap();
    assert_eq!(c(1957), 0.0);
    assert!((20_000.0..30_000.0).contains(&c(1958)), "{}", c(1958));
    assert!((c(1963) / c(1958) - 3.0).abs() < 1e-9);
}
