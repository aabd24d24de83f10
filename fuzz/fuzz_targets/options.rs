//! The smaller options of the multi-run commands: sensitivity ranges (`KEY=LOW:HIGH`, one a
//! line in a range file) and attribution causes (a comma-separated list).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for line in text.lines() {
        if let Ok(r) = leapsim_analysis::sensitivity::parse_range(line) {
            assert!(r.low < r.high);
            for u in [0.0, 0.5, 1.0] {
                let v = leapsim_analysis::sensitivity::value_at(&r, u);
                assert!(v.is_finite());
            }
        }
    }
    let names: Vec<String> = text.split(',').map(str::to_string).collect();
    let _ = leapsim_analysis::attribution::causes(&names);
});
