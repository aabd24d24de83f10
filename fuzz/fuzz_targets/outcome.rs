//! The outcome grammar `SERIES:YEARS[:AGG][@REGION]`: an outcome whose name parses back to
//! itself and that evaluates (or says what the run lacks) on a small run, or an error.
#![no_main]
use leapsim_engine::outcome::Outcome;
use leapsim_engine::run::{run, RunResult};
use leapsim_engine::scenario::{load, Scenario};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static RUN: OnceLock<(Scenario, RunResult)> = OnceLock::new();

fn small_run() -> &'static (Scenario, RunResult) {
    RUN.get_or_init(|| {
        let mut s = load("historical").unwrap();
        s.apply_override("run.scale=0.00002").unwrap();
        s.apply_override("run.end_year=1958").unwrap();
        let r = run(&s, &mut |_, _| {}, &Default::default()).unwrap();
        (s, r)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(o) = Outcome::parse(text) else { return };
    assert_eq!(Outcome::parse(&o.name()).as_ref(), Ok(&o), "{text}");
    let (s, r) = small_run();
    let checked = o.check(s);
    let value = o.eval(&r.tables);
    // What the check accepts, the run has.
    assert!(checked.is_err() || value.is_ok(), "{text}: {value:?}");
});
