//! `leapsim calibrate`: fit the free parameters of a settings file to its targets by bounded
//! Nelder–Mead, and write the fitted values as a scenario overlay with the loss history and a
//! fit report. Every model run (a parameter vector and a seed) is a work item kept for
//! `--resume`, so a resumed fit replays its finished evaluations from the store and continues
//! on the same path.

use crate::work::{batch_error, open_store, runs_bar, scenario_fingerprint, write_error, ResumeArgs};
use crate::{cancel_flag, resolve, InputError, ModelArgs};
use clap::Args;
use leapsim_analysis::calibrate::{load, nelder_mead, parse, Settings};
use leapsim_analysis::runner::{Runner, Stored};
use leapsim_analysis::store::WorkStore;
use leapsim_engine::history::{render, FitRow};
use leapsim_engine::scenario::Scenario;
use leapsim_engine::{output, series::fmt_value};
use serde_json::json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// The committed settings of the Great Leap fit, used when `--settings` is not given and the
/// file is not in the working directory.
const LEAP_SETTINGS: &str = include_str!("../../../calibration/leap.toml");
const LEAP_SETTINGS_PATH: &str = "calibration/leap.toml";

#[derive(Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Calibration settings: free parameters and targets (default: calibration/leap.toml, the
    /// Great Leap fit; the copy built into the program if the file is not there).
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
    /// Stop after this many evaluations (default: the settings' max_evals).
    #[arg(long)]
    max_evals: Option<usize>,
    /// Runs (seeds) averaged per evaluation (default: the settings' seeds).
    #[arg(long)]
    seeds: Option<u64>,
    /// Output directory (default: out/calibrate). Replaced atomically.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    resume: ResumeArgs,
    /// No progress bar or tables; errors only.
    #[arg(long, short)]
    quiet: bool,
}

/// One evaluation: the parameter values, each target's model value (mean over seeds) and the loss.
#[derive(Clone, Debug)]
struct Evaluation {
    values: Vec<f64>,
    model: Vec<f64>,
    loss: f64,
}

/// A work item's key: a hash of the parameter values' bits and the seed.
fn item_key(values: &[f64], seed: i64) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("x-{h:016x}-seed-{seed}")
}

struct Fit<'a> {
    settings: &'a Settings,
    base: &'a Scenario,
    seeds: u64,
    store: &'a WorkStore,
    cancel: &'a AtomicBool,
    pb: Option<indicatif::ProgressBar>,
    quiet: bool,
    history: Vec<Evaluation>,
    cache: HashMap<String, usize>,
    best: f64,
}

impl Fit<'_> {
    fn scenario(&self, values: &[f64], k: u64) -> Scenario {
        let mut s = self.base.clone();
        for (p, &v) in self.settings.params.iter().zip(values) {
            s.params.set(p.key, v);
        }
        s.params.run.seed = self.base.params.run.seed + k as i64;
        s
    }

    /// Evaluate unit-cube points (all their runs in one parallel batch); returns their losses.
    fn eval(&mut self, points: &[Vec<f64>]) -> anyhow::Result<Vec<f64>> {
        let values: Vec<Vec<f64>> = points.iter().map(|u| self.settings.to_values(u)).collect();
        // New points (not evaluated before in this fit), each once.
        let mut fresh: Vec<&Vec<f64>> = Vec::new();
        for v in &values {
            let id = item_key(v, 0);
            if !self.cache.contains_key(&id) && !fresh.iter().any(|f| item_key(f, 0) == id) {
                fresh.push(v);
            }
        }
        let (mut keys, mut items) = (Vec::new(), Vec::new());
        for v in &fresh {
            for k in 0..self.seeds {
                let s = self.scenario(v, k);
                keys.push(item_key(v, s.params.run.seed));
                items.push(s);
            }
        }
        let settings = self.settings;
        let reduce = |_: usize, r: leapsim_engine::run::RunResult| -> Result<Vec<f64>, String> {
            settings.targets.iter().map(|t| t.value(&settings.file, &r.tables).map_err(|e| e.to_string())).collect()
        };
        let stored = Some(Stored { store: self.store, keys: &keys });
        let results = Runner::silent(self.cancel).run(&items, stored, &reduce).map_err(batch_error)?;
        let results: Vec<Vec<f64>> = results.into_iter().collect::<Result<_, _>>().map_err(InputError)?;
        for (v, runs) in fresh.iter().zip(results.chunks(self.seeds as usize)) {
            let n = runs.len() as f64;
            let targets = &self.settings.targets;
            let model: Vec<f64> = (0..targets.len()).map(|j| runs.iter().map(|r| r[j]).sum::<f64>() / n).collect();
            let loss =
                runs.iter().map(|r| targets.iter().zip(r).map(|(t, &m)| t.loss(m)).sum::<f64>()).sum::<f64>() / n;
            self.cache.insert(item_key(v, 0), self.history.len());
            self.history.push(Evaluation { values: v.to_vec(), model, loss });
            if loss < self.best {
                self.best = loss;
                let line = format!("evaluation {}: loss {loss:.4}", self.history.len());
                match &self.pb {
                    Some(pb) => pb.println(line),
                    None if !self.quiet => eprintln!("{line}"),
                    None => {}
                }
            }
            if let Some(pb) = &self.pb {
                pb.set_position(self.history.len() as u64);
                pb.set_message(format!("best loss {:.4}", self.best));
            }
        }
        Ok(values.iter().map(|v| self.history[self.cache[&item_key(v, 0)]].loss).collect())
    }
}

pub fn run(a: CalibrateArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let settings = match &a.settings {
        Some(p) => load(&p.to_string_lossy()),
        None if std::path::Path::new(LEAP_SETTINGS_PATH).is_file() => load(LEAP_SETTINGS_PATH),
        None => parse(LEAP_SETTINGS, &format!("built-in:{LEAP_SETTINGS_PATH}")),
    }
    .map_err(|e| InputError(e.to_string()))?;
    let mut model = a.model.clone();
    if model.scale.is_none() {
        model.scale = settings.method.scale;
    }
    let base = resolve(&model)?;
    for p in &settings.params {
        if a.model.set.iter().any(|kv| kv.split('=').next().map(str::trim) == Some(p.key))
            || base.overrides.iter().any(|(k, _)| k == p.key)
        {
            return Err(InputError(format!(
                "{}: free parameter `{}` is pinned (by --set or the scenario), so fitting it would change nothing",
                settings.file, p.key
            ))
            .into());
        }
    }
    let seeds = a.seeds.unwrap_or(settings.method.seeds);
    let max_evals = a.max_evals.unwrap_or(settings.method.max_evals);
    if seeds == 0 || max_evals == 0 {
        return Err(InputError("--seeds and --max-evals must be at least 1".into()).into());
    }
    let start: Vec<f64> = settings
        .params
        .iter()
        .map(|p| p.start.unwrap_or_else(|| base.params.get(p.key).expect("registered")).clamp(p.lower, p.upper))
        .collect();
    let out = a.out.clone().unwrap_or_else(|| PathBuf::from("out").join("calibrate"));
    let fingerprint = json!({
        "command": "calibrate",
        "scenario": scenario_fingerprint(&base),
        "seeds": seeds,
        "params": settings.params.iter().map(|p| json!([p.key, p.lower, p.upper])).collect::<Vec<_>>(),
        "targets": settings.targets.iter().map(|t| t.name()).collect::<Vec<_>>(),
    });
    let store = open_store(&out, &fingerprint, a.resume.resume)?;
    if !a.quiet && store.reused() > 0 {
        eprintln!("resuming: {} finished runs will be replayed from the store", store.reused());
    }
    let cancel = cancel_flag();
    let pb = runs_bar(
        a.quiet,
        max_evals,
        format!("{} parameters, {} targets", settings.params.len(), settings.targets.len()),
    );
    if let Some(pb) = &pb {
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} [{bar:40}] {pos}/{len} evaluations (at most), {elapsed} elapsed, eta {eta}",
            )
            .unwrap()
            .progress_chars("=> "),
        );
    }
    let mut fit = Fit {
        settings: &settings,
        base: &base,
        seeds,
        store: &store,
        cancel: &cancel,
        pb,
        quiet: a.quiet,
        history: Vec::new(),
        cache: HashMap::new(),
        best: f64::INFINITY,
    };
    let m = &settings.method;
    let x0 = settings.to_unit(&start);
    let result = nelder_mead(&x0, m.initial_step, max_evals, m.xtol, m.ftol, &mut |xs| fit.eval(xs))?;
    if let Some(pb) = &fit.pb {
        pb.finish_and_clear();
    }
    let reused = store.reused();
    let best_values = settings.to_values(&result.x);
    let best = fit.history[fit.cache[&item_key(&best_values, 0)]].clone();
    let start_loss = fit.history[0].loss;
    let (history_all, pb) = (std::mem::take(&mut fit.history), fit.pb.take());
    drop(fit);
    drop(pb);
    let seconds = started.elapsed().as_secs_f64();

    // Fit report: every target at the best point.
    let report_rows: Vec<FitRow> = settings.targets.iter().zip(&best.model).map(|(t, &v)| t.report_row(v)).collect();
    let mut report = String::from("target,model,record,low,high,inside,weight,loss,source\n");
    for (t, r) in settings.targets.iter().zip(&report_rows) {
        report.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            csv_field(&r.figure),
            fmt_value(r.model),
            fmt_value(r.record),
            bound(r.low),
            bound(r.high),
            r.ok,
            fmt_value(t.weight),
            fmt_value(t.loss(r.model)),
            csv_field(&r.source)
        ));
    }
    let mut history = String::from("evaluation,loss,best_loss");
    for p in &settings.params {
        history.push_str(&format!(",{}", p.key));
    }
    history.push('\n');
    let mut running = f64::INFINITY;
    for (i, e) in history_all.iter().enumerate() {
        running = running.min(e.loss);
        history.push_str(&format!("{},{},{}", i + 1, e.loss, running));
        for v in &e.values {
            history.push_str(&format!(",{v}"));
        }
        history.push('\n');
    }
    let fitted = overlay(&a, &settings, &base, &best.values, best.loss, start_loss, history_all.len(), seeds);
    let all_in = report_rows.iter().all(|r| r.ok);
    let manifest = json!({
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario": base.name,
        "settings": settings.file,
        "description": settings.description,
        "seed": base.params.run.seed,
        "scale": base.params.run.scale,
        "seeds_per_evaluation": seeds,
        "method": "Nelder-Mead in the unit cube of the bounds (Gao-Han adaptive coefficients), trial points projected onto the bounds",
        "max_evals": max_evals,
        "evaluations": history_all.len(),
        "converged": result.converged,
        "start_loss": start_loss,
        "loss": best.loss,
        "targets_inside": report_rows.iter().filter(|r| r.ok).count(),
        "targets": report_rows.len(),
        "fitted": settings.params.iter().zip(&best.values).map(|(p, v)| (p.key.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "reused_runs": reused,
        "total_seconds": seconds,
        "git_revision": leapsim_engine::REVISION,
    });
    let files = vec![
        ("fitted.toml", fitted.into_bytes()),
        ("loss_history.csv", history.into_bytes()),
        ("fit_report.csv", report.into_bytes()),
        ("manifest.json", (serde_json::to_string_pretty(&manifest)? + "\n").into_bytes()),
    ];
    output::write_dir(&out, &files, &cancel).map_err(|e| write_error(e, &out, &cancel))?;
    store.finish().ok();
    if !a.quiet {
        println!(
            "Calibrated {} parameters to {} targets ({}): loss {:.4} (start {:.4}) after {} evaluations{} in {:.0} s \
             (scale {}, {} seed(s) from {})",
            settings.params.len(),
            settings.targets.len(),
            settings.file,
            best.loss,
            start_loss,
            history_all.len(),
            if result.converged { ", converged" } else { " (evaluation limit)" },
            seconds,
            base.params.run.scale,
            seeds,
            base.params.run.seed
        );
        println!("\nFitted values:");
        for (p, (v, s)) in settings.params.iter().zip(best.values.iter().zip(&start)) {
            println!("  {:<44} {:>12} (start {}, bounds {} to {})", p.key, v, s, p.lower, p.upper);
        }
        println!(
            "\nModel at the fitted values beside the targets ({} of {} inside their bands):\n{}",
            report_rows.iter().filter(|r| r.ok).count(),
            report_rows.len(),
            render(&report_rows)
        );
        if !all_in {
            println!("Some targets are outside their bands.");
        }
        println!("Wrote {}/{{fitted.toml, loss_history.csv, fit_report.csv, manifest.json}}", out.display());
    }
    Ok(())
}

fn bound(x: f64) -> String {
    if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        fmt_value(x)
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The fitted values as a scenario overlay on the scenario that was fitted.
#[allow(clippy::too_many_arguments)]
fn overlay(
    a: &CalibrateArgs,
    settings: &Settings,
    base: &Scenario,
    values: &[f64],
    loss: f64,
    start_loss: f64,
    evals: usize,
    seeds: u64,
) -> String {
    let extends = if leapsim_engine::scenario::BUILTIN.iter().any(|b| b.0 == a.model.scenario) {
        a.model.scenario.clone()
    } else {
        std::fs::canonicalize(&a.model.scenario)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| a.model.scenario.clone())
    };
    let mut s = format!(
        "# Fitted by `leapsim calibrate` with {}: loss {loss:.4} (start {start_loss:.4}) after {evals} \
         evaluations,\n# scale {}, {seeds} seed(s) from {}.\nextends = {}\nname = {}\n",
        settings.file,
        base.params.run.scale,
        base.params.run.seed,
        toml_string(&extends),
        toml_string(&format!("{}-fitted", base.name)),
    );
    let mut groups: Vec<&str> = Vec::new();
    for p in &settings.params {
        let g = p.key.split('.').next().unwrap();
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    for g in groups {
        s.push_str(&format!("\n[{g}]\n"));
        for (p, v) in settings.params.iter().zip(values).filter(|(p, _)| p.key.split('.').next() == Some(g)) {
            s.push_str(&format!("{} = {}\n", &p.key[g.len() + 1..], toml_float(*v)));
        }
    }
    // Parameters fixed with --set on the fitted command line (not run.*) stay fixed.
    let pinned: Vec<(&str, &str)> = a
        .model
        .set
        .iter()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .filter(|(k, _)| !k.starts_with("run."))
        .collect();
    let mut pinned_groups: Vec<&str> = Vec::new();
    for (k, _) in &pinned {
        if let Some((g, _)) = k.split_once('.') {
            if !pinned_groups.contains(&g) {
                pinned_groups.push(g);
            }
        }
    }
    for g in pinned_groups {
        s.push_str(&format!("\n[pinned.{g}]\n"));
        for (k, v) in pinned.iter().filter(|(k, _)| k.split_once('.').map(|x| x.0) == Some(g)) {
            s.push_str(&format!("{} = {v}\n", &k[g.len() + 1..]));
        }
    }
    s
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
    use super::*;

    #[test]
    fn keys_name_the_values_and_the_seed() {
        assert_eq!(item_key(&[0.1, 0.2], 1), item_key(&[0.1, 0.2], 1));
        assert_ne!(item_key(&[0.1, 0.2], 1), item_key(&[0.1, 0.2], 2));
        assert_ne!(item_key(&[0.1, 0.2], 1), item_key(&[0.2, 0.1], 1));
        assert_eq!(toml_float(2.0), "2.0");
        assert_eq!(toml_float(0.1714), "0.1714");
    }
}
