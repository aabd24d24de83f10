//! Faults that must lose nothing: output paths that cannot be written, an existing directory
//! that is not a run, two runs (or two multi-run jobs) writing the same `--out` at once,
//! `kill -9` at random moments (of `run` and of every resumable job), and a work store whose
//! item files were truncated or edited into something else. Each is detected and reported, or recovered from, and never
//! leaves a partial output directory or mixes a bad item into results.
//!
//! `LEAPSIM_KILL_POINTS` sets how many random kill points each command is tried at (default 4;
//! docs/reliability.md gives the longer run).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{entries, read, text, tmp, TINY_SETTINGS};

const TINY: &[&str] = &["--scale", "0.0005", "--set", "run.end_year=1960", "-q"];

fn leapsim(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args).args(TINY).arg("--out").arg(out).output().unwrap()
}

/// The kill points to try per command.
fn kill_points() -> u64 {
    std::env::var("LEAPSIM_KILL_POINTS").ok().and_then(|v| v.parse().ok()).unwrap_or(4)
}

#[test]
fn an_output_path_under_a_file_fails_clearly_and_writes_nothing() {
    let d = tmp("under-file");
    std::fs::write(d.join("notes.txt"), "mine").unwrap();
    let o = leapsim(&["run"], &d.join("notes.txt").join("run"));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).starts_with("error: ") && text(&o.stderr).contains("notes.txt"), "{}", text(&o.stderr));
    assert_eq!(entries(&d), ["notes.txt"]);
    assert_eq!(read(&d.join("notes.txt")), "mine");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn an_existing_directory_that_is_not_a_run_is_left_alone() {
    let d = tmp("not-a-run");
    let mine = d.join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();
    // Refused before any work is done, with the user's input exit code.
    for command in [&["run"][..], &["ensemble", "--runs", "2"][..]] {
        let o = leapsim(command, &mine);
        assert_eq!(o.status.code(), Some(2), "{command:?}");
        assert!(text(&o.stderr).contains("is not a leapsim output directory"), "{command:?}: {}", text(&o.stderr));
        assert_eq!(entries(&mine), ["notes.txt"], "{command:?}");
        assert_eq!(entries(&d), ["mine"], "{command:?}: something left beside it");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// A finished run's files that do not change from one run of the same arguments to the next.
fn run_files(out: &Path) -> [String; 2] {
    [read(&out.join("annual.csv")), read(&out.join("monthly.csv"))]
}

#[test]
fn two_runs_writing_the_same_out_at_once_leave_one_of_them_whole() {
    let d = tmp("same-out");
    let reference: Vec<[String; 2]> = (1..=2)
        .map(|seed| {
            let out = d.join(format!("seed-{seed}"));
            assert!(leapsim(&["run", "--seed", &seed.to_string()], &out).status.success());
            run_files(&out)
        })
        .collect();
    let out = d.join("both");
    for round in 0..4 {
        let children: Vec<_> = (1..=2)
            .map(|seed| {
                Command::new(env!("CARGO_BIN_EXE_leapsim"))
                    .args(["run", "--seed", &seed.to_string()])
                    .args(TINY)
                    .arg("--out")
                    .arg(&out)
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        // Each finishes, or fails saying so; the directory is then one run, whole.
        assert!(outputs.iter().any(|o| o.status.success()), "round {round}: neither run finished");
        for o in outputs.iter().filter(|o| !o.status.success()) {
            assert!(text(&o.stderr).starts_with("error: "), "round {round}: {}", text(&o.stderr));
        }
        assert!(reference.contains(&run_files(&out)), "round {round}: the output is no single run");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_second_job_writing_the_same_out_is_refused_while_the_first_runs() {
    let d = tmp("same-out-jobs");
    let job = tiny(&["ensemble", "--runs", "40", "--threads", "1"]);
    let files = ["annual_quantiles.csv", "headline.csv"];
    let reference_dir = d.join("reference");
    let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).args(&job).arg("--out").arg(&reference_dir).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = d.join("out");
    let mut first = Command::new(env!("CARGO_BIN_EXE_leapsim"))
        .args(&job)
        .arg("--out")
        .arg(&out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Once the first has opened its work store, every other job given the same --out is
    // refused, resuming or not, whatever the command, and touches nothing.
    let t0 = Instant::now();
    while !d.join("out.work").join("fingerprint.json").exists() {
        assert!(first.try_wait().unwrap().is_none(), "the first job ended before its store was seen");
        assert!(t0.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(1));
    }
    let resume: Vec<String> = job.iter().cloned().chain(["--resume".to_string()]).collect();
    let sweep_design = d.join("design.toml");
    std::fs::write(
        &sweep_design,
        "[design]\nkind = \"grid\"\nseeds = 1\noutcomes = [\"deaths:1958\"]\n[parameters]\nprocurement.enforcement = [0.1]\n",
    )
    .unwrap();
    let sweep = tiny(&["sweep", sweep_design.to_str().unwrap()]);
    for second in [&job, &resume, &sweep] {
        let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).args(second).arg("--out").arg(&out).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{second:?}: {}", text(&o.stderr));
        let e = text(&o.stderr);
        assert!(e.starts_with("error: another leapsim job is writing to") && e.contains("out.work"), "{e}");
    }
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first job ended before the others tried: the test proves nothing"
    );
    assert!(first.wait().unwrap().success());
    for f in files {
        assert_eq!(read(&out.join(f)), read(&reference_dir.join(f)), "{f}");
    }
    assert!(!d.join("out.work").exists());
    std::fs::remove_dir_all(&d).unwrap();
}

/// A pseudo-random fraction for kill point `i` of `what` (the same points on every run).
fn fraction(what: u64, i: u64) -> f64 {
    leapsim_core::rng::uniform(19, &[what, i])
}

/// Start `leapsim args --out out`, kill it with SIGKILL after `delay` (if still running);
/// whether it was killed.
#[cfg(unix)]
fn kill_after(args: &[String], out: &Path, delay: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leapsim"))
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while t0.elapsed() < delay {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            assert!(status.success(), "{args:?} failed before it was killed: {stderr}");
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    // It may have finished in the instant before the signal.
    !status.success()
}

/// `args` as owned strings, the tiny world's arguments after them.
fn tiny(args: &[&str]) -> Vec<String> {
    args.iter().chain(TINY).map(|s| s.to_string()).collect()
}

/// After a kill, `out` is absent or a whole run, whatever is left beside it is only hidden
/// temporary work, and `files` of the resumed (or repeated) command equal the uninterrupted
/// `reference`.
#[cfg(unix)]
fn nothing_partial(d: &Path, out: &Path, files: &[&str], reference: &[String]) {
    if out.exists() {
        let got: Vec<String> = files.iter().map(|f| read(&out.join(f))).collect();
        assert_eq!(got, reference, "a killed command left an incomplete or different output");
    }
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    for e in entries(d) {
        let ours = e == name || e == format!("{name}.work") || e.starts_with(&format!(".{name}."));
        assert!(ours || e == "reference", "{e} left behind");
    }
}

#[cfg(unix)]
#[test]
fn kill_9_at_random_moments_of_a_run_leaves_it_whole_or_absent() {
    let d = tmp("kill-run");
    let reference_dir = d.join("reference");
    let t0 = Instant::now();
    assert!(leapsim(&["run"], &reference_dir).status.success());
    let took = t0.elapsed();
    let files = ["annual.csv", "monthly.csv"];
    let reference: Vec<String> = files.iter().map(|f| read(&reference_dir.join(f))).collect();
    let out = d.join("out");
    for i in 0..kill_points() {
        let _ = std::fs::remove_dir_all(&out);
        kill_after(&tiny(&["run"]), &out, took.mul_f64(1.2 * fraction(1, i)));
        nothing_partial(&d, &out, &files, &reference);
        // Run again, it writes the same output and clears what the killed one left.
        assert!(leapsim(&["run"], &out).status.success());
        nothing_partial(&d, &out, &files, &reference);
        assert!(entries(&d).iter().all(|e| !e.starts_with('.')), "temporary files outlive the next run");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// Kill the resumable job `args` at random moments (kill points drawn from stream `what`),
/// and again while it resumes; then resume it to the end. Never a partial output; the resumed
/// job's `files` equal the uninterrupted job's, and its work store is removed.
#[cfg(unix)]
fn kill_9_then_resume(name: &str, what: u64, args: &[String], files: &[&str]) {
    let d = tmp(name);
    let run = |args: &[String], out: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args).arg("--out").arg(out).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    };
    let reference_dir = d.join("reference");
    let t0 = Instant::now();
    run(args, &reference_dir);
    let took = t0.elapsed();
    let reference: Vec<String> = files.iter().map(|f| read(&reference_dir.join(f))).collect();
    let out = d.join("out");
    let resume: Vec<String> = args.iter().cloned().chain(["--resume".to_string()]).collect();
    for i in 0..kill_points() {
        let _ = std::fs::remove_dir_all(&out);
        if kill_after(args, &out, took.mul_f64(1.2 * fraction(what, i))) {
            // A second kill while resuming, then the resume that finishes.
            kill_after(&resume, &out, took.mul_f64(0.6 * fraction(what + 1, i)));
        }
        nothing_partial(&d, &out, files, &reference);
        run(&resume, &out);
        nothing_partial(&d, &out, files, &reference);
        assert!(!d.join("out.work").exists(), "the work store outlives its job");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn kill_9_at_random_moments_of_an_ensemble_then_resume_gives_the_same_results() {
    let job = tiny(&["ensemble", "--runs", "6", "--threads", "1"]);
    kill_9_then_resume("kill-ensemble", 2, &job, &["annual_quantiles.csv", "headline.csv"]);
}

#[cfg(unix)]
#[test]
fn kill_9_at_random_moments_of_a_sweep_then_resume_gives_the_same_results() {
    let d = tmp("kill-sweep-design");
    let design = d.join("enforcement.toml");
    std::fs::write(
        &design,
        "[design]\nkind = \"grid\"\nseeds = 1\noutcomes = [\"excess_deaths:1958-1960\"]\n\
         [parameters]\nprocurement.enforcement = [0.0, 0.15, 0.3, 0.45, 0.6, 0.75]\n",
    )
    .unwrap();
    let job = tiny(&["sweep", design.to_str().unwrap(), "historical", "--threads", "1"]);
    kill_9_then_resume("kill-sweep", 4, &job, &["results.csv"]);
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn kill_9_at_random_moments_of_an_attribution_then_resume_gives_the_same_results() {
    let job: Vec<String> = ["attribute", "--causes", "reporting,mess-halls", "--runs", "2", "--threads", "1"]
        .iter()
        .chain(&["--scale", "0.0005", "--set", "run.end_year=1961", "-q"])
        .map(|s| s.to_string())
        .collect();
    kill_9_then_resume("kill-attribute", 6, &job, &["attribution.csv"]);
}

#[cfg(unix)]
#[test]
fn kill_9_at_random_moments_of_a_calibration_then_resume_gives_the_same_results() {
    let d = tmp("kill-calibrate-settings");
    let settings = d.join("tiny.toml");
    std::fs::write(&settings, TINY_SETTINGS).unwrap();
    let job: Vec<String> = ["calibrate", "--settings", settings.to_str().unwrap(), "--set", "run.end_year=1960", "-q"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    kill_9_then_resume("kill-calibrate", 8, &job, &["fitted.toml", "loss_history.csv", "fit_report.csv"]);
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn truncated_or_edited_work_items_are_run_again_never_read() {
    let d = tmp("corrupt-store");
    let job = ["ensemble", "--runs", "6", "--threads", "1"];
    let reference_dir = d.join("reference");
    assert!(leapsim(&job, &reference_dir).status.success());
    let out = d.join("out");
    let items = d.join("out.work").join("items");
    // Kill the job once it has finished four items.
    let mut child = Command::new(env!("CARGO_BIN_EXE_leapsim"))
        .args(job)
        .args(TINY)
        .arg("--out")
        .arg(&out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let finished = |items: &Path| {
        std::fs::read_dir(items)
            .map(|d| d.flatten().filter(|e| !e.file_name().to_string_lossy().starts_with('.')).count())
            .unwrap_or(0)
    };
    while finished(&items) < 4 {
        assert!(child.try_wait().unwrap().is_none(), "the job ended before it could be killed");
        assert!(t0.elapsed() < Duration::from_secs(120), "no item finished in two minutes");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stored: Vec<PathBuf> = std::fs::read_dir(&items).unwrap().flatten().map(|e| e.path()).collect();
    stored.retain(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'));
    stored.sort();
    assert!(stored.len() >= 4);
    // One item cut short, one made into text that is not a result, one emptied, and one
    // edited into another valid result: a digit of its first number changed.
    let whole = std::fs::read(&stored[0]).unwrap();
    std::fs::write(&stored[0], &whole[..whole.len() / 2]).unwrap();
    std::fs::write(&stored[1], "{\"not\": \"a result\"}").unwrap();
    std::fs::write(&stored[2], "").unwrap();
    let mut edited = std::fs::read(&stored[3]).unwrap();
    let body = edited.iter().position(|&b| b == b'\n').unwrap();
    let digit = body + edited[body..].iter().position(|b| b.is_ascii_digit()).unwrap();
    edited[digit] = if edited[digit] == b'7' { b'8' } else { b'7' };
    std::fs::write(&stored[3], &edited).unwrap();
    let resume: Vec<&str> = job.iter().copied().chain(["--resume"]).collect();
    let o = leapsim(&resume, &out);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["items"]["reused"].as_u64(), Some(stored.len() as u64 - 4), "{manifest}");
    for f in ["annual_quantiles.csv", "headline.csv"] {
        assert_eq!(read(&out.join(f)), read(&reference_dir.join(f)), "{f}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}
