//! Calibration settings: settings or an error naming the file, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(s) = leapsim_analysis::calibrate::parse(text, "fuzz.toml") {
        // The free parameters map the unit cube into their bounds and back.
        let u = vec![0.5; s.params.len()];
        let v = s.to_values(&u);
        assert_eq!(s.to_unit(&v).len(), u.len());
    }
});
