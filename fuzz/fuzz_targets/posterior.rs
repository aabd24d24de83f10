//! A posterior sample (`--posterior FILE`): a sample whose weights sum to 1, every value in its
//! parameter's range and every draw a particle of it, or an error.
#![no_main]
use leapsim_analysis::sample::parse;
use leapsim_core::params::spec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(s) = parse(text, "fuzz.csv") else { return };
    assert!((s.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{text}");
    for row in &s.values {
        assert_eq!(row.len(), s.keys.len());
        for (k, v) in s.keys.iter().zip(row) {
            let sp = spec(k).unwrap();
            assert!(*v >= sp.min && *v <= sp.max, "{text}");
        }
    }
    for k in 0..4 {
        assert!(s.draw(1, k) < s.values.len());
    }
});
