//! The calibration's files: `fitted.toml` (the fitted values as a scenario overlay),
//! `loss_history.csv` (every evaluation) and `fit_report.csv` (every target at the best point),
//! with an ABC-SMC fit's own files (`posterior.rs`), and its report for the terminal.

use crate::writer::{File, JobOutput};
use leapsim_analysis::calibrate::CalibrateResult;
use leapsim_analysis::manifest::Manifest;
use leapsim_analysis::store::WorkStore;
use leapsim_engine::history::render;
use leapsim_engine::series::fmt_value;
use std::fmt::Write;

/// Every target at the best point: the model beside the record and band, the loss, the source.
pub fn fit_report_csv(r: &CalibrateResult) -> String {
    let mut csv = String::from("target,model,record,low,high,inside,weight,loss,source\n");
    for (t, row) in r.settings.targets.iter().zip(&r.report) {
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{},{}",
            csv_field(&row.figure),
            fmt_value(row.model),
            fmt_value(row.record),
            bound(row.low),
            bound(row.high),
            row.ok,
            fmt_value(t.band.weight),
            fmt_value(t.loss(row.model)),
            csv_field(&row.source)
        );
    }
    csv
}

/// Every evaluation in order: its loss, the best loss so far and the parameter values.
pub fn loss_history_csv(r: &CalibrateResult) -> String {
    let mut csv = String::from("evaluation,loss,best_loss");
    for p in &r.settings.params {
        let _ = write!(csv, ",{}", p.key);
    }
    csv.push('\n');
    let mut running = f64::INFINITY;
    for (i, e) in r.history.iter().enumerate() {
        running = running.min(e.loss);
        let _ = write!(csv, "{},{},{}", i + 1, e.loss, running);
        for v in &e.values {
            let _ = write!(csv, ",{v}");
        }
        csv.push('\n');
    }
    csv
}

/// The fitted values as a scenario overlay on the scenario that was fitted; parameters fixed
/// with `--set` (not `run.*`) stay fixed under `[pinned.*]`.
pub fn fitted_toml(r: &CalibrateResult) -> String {
    let (settings, best) = (&r.settings, &r.best);
    let mut s = format!(
        "# Fitted by `leapsim calibrate` with {}: loss {:.4} (start {:.4}) after {} \
         evaluations,\n# scale {}, {} seed(s) from {}.\nextends = {}\nname = {}\n",
        settings.file,
        best.loss,
        r.history[0].loss,
        r.history.len(),
        r.scale,
        r.seeds,
        r.seed,
        toml_string(&r.extends),
        toml_string(&format!("{}-fitted", r.scenario)),
    );
    let keys: Vec<&str> = settings.params.iter().map(|p| p.key).collect();
    for (g, members) in groups(keys.iter().copied().zip(&best.values)) {
        let _ = write!(s, "\n[{g}]\n");
        for (k, v) in members {
            let _ = writeln!(s, "{} = {}", &k[g.len() + 1..], toml_float(*v));
        }
    }
    let pinned = r.pinned.iter().filter(|(k, _)| k.contains('.')).map(|(k, v)| (k.as_str(), v));
    for (g, members) in groups(pinned) {
        let _ = write!(s, "\n[pinned.{g}]\n");
        for (k, v) in members {
            let _ = writeln!(s, "{} = {v}", &k[g.len() + 1..]);
        }
    }
    s
}

/// `(key, value)` pairs by their key's group (before the first dot), groups in order of first
/// appearance.
fn groups<'k, V>(pairs: impl Iterator<Item = (&'k str, V)>) -> Vec<(&'k str, Vec<(&'k str, V)>)> {
    let mut out: Vec<(&str, Vec<(&str, V)>)> = Vec::new();
    for (k, v) in pairs {
        let g = k.split('.').next().unwrap_or(k);
        match out.iter_mut().find(|(h, _)| *h == g) {
            Some((_, members)) => members.push((k, v)),
            None => out.push((g, vec![(k, v)])),
        }
    }
    out
}

impl JobOutput for CalibrateResult {
    fn files(&self) -> Result<Vec<File>, String> {
        let mut files: Vec<File> = vec![
            ("fitted.toml".into(), fitted_toml(self).into_bytes()),
            ("loss_history.csv".into(), loss_history_csv(self).into_bytes()),
            ("fit_report.csv".into(), fit_report_csv(self).into_bytes()),
        ];
        if let Some(p) = &self.posterior {
            files.push(("posterior.csv".into(), crate::posterior::posterior_csv(self, p).into_bytes()));
            files.push(("generations.csv".into(), crate::posterior::generations_csv(p).into_bytes()));
            files.push(("predictive.csv".into(), crate::posterior::predictive_csv(self, p).into_bytes()));
            let (svg, png) = crate::posterior::pictures(self, p)?;
            files.push(("posterior.svg".into(), svg.into_bytes()));
            files.push(("posterior.png".into(), png));
        }
        Ok(files)
    }
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    fn work(&self) -> Option<&WorkStore> {
        Some(&self.work)
    }
}

/// The report for the terminal: the loss, the fitted values and the targets at them.
pub fn console(r: &CalibrateResult) -> String {
    let (settings, best) = (&r.settings, &r.best);
    let mut o = format!(
        "Calibrated {} parameters to {} targets ({}): loss {:.4} (start {:.4}) after {} evaluations{} in {:.0} s \
         (scale {}, {} seed(s) from {})\n",
        settings.params.len(),
        settings.targets.len(),
        settings.file,
        best.loss,
        r.history[0].loss,
        r.history.len(),
        if r.converged { ", converged" } else { " (evaluation limit)" },
        r.manifest.timings_seconds.total,
        r.scale,
        r.seeds,
        r.seed
    );
    o.push_str("\nFitted values:\n");
    for (p, (v, s)) in settings.params.iter().zip(best.values.iter().zip(&r.start)) {
        let _ = writeln!(o, "  {:<44} {:>12} (start {}, bounds {} to {})", p.key, v, s, p.lower, p.upper);
    }
    let inside = r.report.iter().filter(|row| row.ok).count();
    let _ = writeln!(
        o,
        "\nModel at the fitted values beside the targets ({inside} of {} inside their bands):\n{}",
        r.report.len(),
        render(&r.report)
    );
    if inside < r.report.len() {
        o.push_str("Some targets are outside their bands.\n");
    }
    if let Some(p) = &r.posterior {
        o.push_str(&crate::posterior::console(r, p));
    }
    o
}

fn bound(x: f64) -> String {
    if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        fmt_value(x)
    }
}

pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn toml_float(v: f64) -> String {
    let s = format!("{v}");
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn floats_stay_floats_in_toml() {
        assert_eq!(super::toml_float(2.0), "2.0");
        assert_eq!(super::toml_float(0.1714), "0.1714");
        let g = super::groups([("a.x", 1), ("b.y", 2), ("a.z", 3)].into_iter());
        assert_eq!(g, vec![("a", vec![("a.x", 1), ("a.z", 3)]), ("b", vec![("b.y", 2)])]);
    }
}
