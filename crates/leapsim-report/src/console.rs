//! Tables for the terminal.

use leapsim_analysis::ensemble::EnsembleResult;
use leapsim_engine::series::fmt_value;
use std::fmt::Write;

/// A number for the terminal: thousands separated, at most 4 significant decimals.
pub fn big(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.abs() >= 1000.0 {
        let s = format!("{:.0}", x.abs());
        let mut o = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                o.push(',');
            }
            o.push(c);
        }
        if x < 0.0 {
            o.insert(0, '-');
        }
        o
    } else {
        fmt_value((x * 1e4).round() / 1e4)
    }
}

/// The line that says what a job's intervals hold, from its manifest's `job`: parameter
/// uncertainty (its runs drawing from the posterior as `draws` says) and chance, or chance only.
pub fn intervals_line(job: &serde_json::Value, draws: &str) -> String {
    match job["posterior"]["file"].as_str() {
        Some(file) => format!("Intervals: parameter uncertainty ({draws} of {file}) and the model's chance.\n"),
        None => "Intervals: the model's own chance only (parameters fixed; --posterior adds theirs).\n".into(),
    }
}

/// The ensemble's report: what ran, then each outcome's mean, median and 90% interval.
pub fn ensemble(r: &EnsembleResult, seconds: f64) -> String {
    let (first, last) = (r.seeds[0], r.seeds[r.seeds.len() - 1]);
    let mut o = format!(
        "{}: {} runs (seeds {first}-{last}, scale {}), {} run now and {} reused, in {seconds:.1} s\n",
        r.scenario,
        r.seeds.len(),
        r.scale,
        r.items.total - r.items.reused,
        r.items.reused,
    );
    o += &intervals_line(&r.manifest.job, "each run draws a particle");
    let _ = writeln!(o, "{:<30} {:>14} {:>14} {:>31}", "outcome", "mean", "median", "90% interval");
    for (name, s) in &r.outcomes {
        let interval = format!("{} to {}", big(s.q05), big(s.q95));
        let _ = writeln!(o, "{:<30} {:>14} {:>14} {:>31}", name, big(s.mean), big(s.q50), interval);
    }
    o
}

#[cfg(test)]
mod tests {
    #[test]
    fn big_numbers_are_grouped() {
        assert_eq!(super::big(-1234567.4), "-1,234,567");
        assert_eq!(super::big(0.123456), "0.1235");
        assert_eq!(super::big(f64::NAN), "NaN");
    }
}
