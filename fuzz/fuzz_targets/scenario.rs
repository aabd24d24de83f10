//! A scenario file (TOML, with `extends` and `[pinned.*]`): a scenario or an error naming the
//! file, never a panic. A scenario read back has every parameter in its range.
#![no_main]
use leapsim_core::params::SPECS;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match leapsim_engine::scenario::parse(text, "fuzz.toml") {
        Ok(s) => {
            for sp in SPECS {
                let v = s.params.get(sp.key).unwrap();
                assert!(v >= sp.min && v <= sp.max, "{} = {v} out of range", sp.key);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
