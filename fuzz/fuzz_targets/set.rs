//! A `--set KEY=VALUE` override on the historical scenario: applied in range, or an error.
#![no_main]
use leapsim_engine::scenario::{load, Scenario};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static BASE: OnceLock<Scenario> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut s = BASE.get_or_init(|| load("historical").unwrap()).clone();
    if s.apply_override(text).is_ok() {
        let (key, value) = s.overrides.last().unwrap();
        let sp = leapsim_core::params::spec(key).unwrap();
        assert!(*value >= sp.min && *value <= sp.max, "{key} = {value}");
        assert_eq!(s.params.get(key), Some(*value));
    }
});
