//! A sweep design file: a design whose points lie in the parameters' ranges, or an error.
#![no_main]
use leapsim_core::params::spec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(d) = leapsim_analysis::design::parse(text, "fuzz.toml", 1) {
        for point in &d.points {
            assert_eq!(point.len(), d.params.len());
            for (key, v) in d.params.iter().zip(point) {
                let sp = spec(key).unwrap();
                assert!(*v >= sp.min && *v <= sp.max, "{key} = {v}");
            }
        }
    }
});
