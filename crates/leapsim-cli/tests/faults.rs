//! Faults that must lose nothing: output paths that cannot be written, an existing directory
//! that is not a run, two runs writing the same `--out` at once, `kill -9` at random moments
//! (of `run` and of a resumable job), and a work store whose item files were truncated or
//! edited into something else. Each is detected and reported, or recovered from, and never
//! leaves a partial output directory or mixes a bad item into results.
//!
//! `LEAPSIM_KILL_POINTS` sets how many random kill points each command is tried at (default 4;
//! docs/reliability.md gives the longer run).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TINY: &[&str] = &["--scale", "0.0005", "--set", "run.end_year=1960", "-q"];

fn leapsim(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args).args(TINY).arg("--out").arg(out).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("leapsim-faults-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Names in `d`, sorted.
fn entries(d: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(d).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
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

/// A pseudo-random fraction for kill point `i` of `what` (the same points on every run).
fn fraction(what: u64, i: u64) -> f64 {
    leapsim_core::rng::uniform(19, &[what, i])
}

/// Start `leapsim args`, kill it with SIGKILL after `delay` (if still running); whether it was
/// killed.
#[cfg(unix)]
fn kill_after(args: &[&str], out: &Path, delay: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leapsim"))
        .args(args)
        .args(TINY)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while t0.elapsed() < delay {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{args:?} failed before it was killed");
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    // It may have finished in the instant before the signal.
    !status.success()
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
        kill_after(&["run"], &out, took.mul_f64(1.2 * fraction(1, i)));
        nothing_partial(&d, &out, &files, &reference);
        // Run again, it writes the same output and clears what the killed one left.
        assert!(leapsim(&["run"], &out).status.success());
        nothing_partial(&d, &out, &files, &reference);
        assert!(entries(&d).iter().all(|e| !e.starts_with('.')), "temporary files outlive the next run");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn kill_9_at_random_moments_of_an_ensemble_then_resume_gives_the_same_results() {
    let d = tmp("kill-ensemble");
    let job = ["ensemble", "--runs", "6", "--threads", "1"];
    let reference_dir = d.join("reference");
    let t0 = Instant::now();
    assert!(leapsim(&job, &reference_dir).status.success());
    let took = t0.elapsed();
    let files = ["annual_quantiles.csv", "headline.csv"];
    let reference: Vec<String> = files.iter().map(|f| read(&reference_dir.join(f))).collect();
    let out = d.join("out");
    let resume: Vec<&str> = job.iter().copied().chain(["--resume"]).collect();
    for i in 0..kill_points() {
        let _ = std::fs::remove_dir_all(&out);
        if kill_after(&job, &out, took.mul_f64(1.2 * fraction(2, i))) {
            // A second kill while resuming, then the resume that finishes.
            kill_after(&resume, &out, took.mul_f64(0.6 * fraction(3, i)));
        }
        nothing_partial(&d, &out, &files, &reference);
        let o = leapsim(&resume, &out);
        assert!(o.status.success(), "{}", text(&o.stderr));
        nothing_partial(&d, &out, &files, &reference);
        assert!(!d.join("out.work").exists(), "the work store outlives its job");
    }
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
    // Kill the job once it has finished three items.
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
    while finished(&items) < 3 {
        assert!(child.try_wait().unwrap().is_none(), "the job ended before it could be killed");
        assert!(t0.elapsed() < Duration::from_secs(120), "no item finished in two minutes");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stored: Vec<PathBuf> = std::fs::read_dir(&items).unwrap().flatten().map(|e| e.path()).collect();
    stored.retain(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'));
    stored.sort();
    assert!(stored.len() >= 3);
    // One item cut short, one made into text that is not a result, one emptied.
    let whole = std::fs::read(&stored[0]).unwrap();
    std::fs::write(&stored[0], &whole[..whole.len() / 2]).unwrap();
    std::fs::write(&stored[1], "{\"not\": \"a result\"}").unwrap();
    std::fs::write(&stored[2], "").unwrap();
    let resume: Vec<&str> = job.iter().copied().chain(["--resume"]).collect();
    let o = leapsim(&resume, &out);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["items"]["reused"].as_u64(), Some(stored.len() as u64 - 3), "{manifest}");
    for f in ["annual_quantiles.csv", "headline.csv"] {
        assert_eq!(read(&out.join(f)), read(&reference_dir.join(f)), "{f}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}
