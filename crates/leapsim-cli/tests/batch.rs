//! `leapsim ensemble`, `sweep` and `compare` as a user meets them: outputs, reproducibility,
//! interruption and `--resume`.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;
use common::{json, read, text, tmp};

fn leapsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args).output().unwrap()
}

/// Finished items in a work store.
fn stored_items(work: &Path) -> usize {
    std::fs::read_dir(work.join("items"))
        .map(|d| d.flatten().filter(|e| !e.file_name().to_string_lossy().starts_with('.')).count())
        .unwrap_or(0)
}

const SMALL: &[&str] = &["--scale", "0.001", "--set", "run.end_year=1960"];

#[test]
fn ensemble_quantiles_are_ordered_and_do_not_depend_on_the_thread_count() {
    let d = tmp("ensemble");
    let run = |threads: &str, out: &str| {
        let out = d.join(out);
        let mut args = vec!["ensemble", "historical", "--runs", "3", "--outcome", "excess_deaths:1959-1960"];
        args.extend_from_slice(&["--outcome", "cdr_permille:1958-1960:max", "--threads", threads]);
        args.extend_from_slice(SMALL);
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        let o = leapsim(&args);
        assert!(o.status.success(), "{}", text(&o.stderr));
        (out, text(&o.stdout))
    };
    let (one, stdout) = run("1", "one");
    let (two, _) = run("2", "two");
    assert!(stdout.contains("excess_deaths:1959-1960") && stdout.contains("90% interval"), "{stdout}");
    for f in ["annual_quantiles.csv", "headline.csv"] {
        assert_eq!(read(&one.join(f)), read(&two.join(f)), "{f} differs between 1 and 2 threads");
    }
    let q = read(&one.join("annual_quantiles.csv"));
    let mut lines = q.lines();
    assert_eq!(lines.next(), Some("year,region,series,q05,q25,q50,q75,q95,mean"));
    let mut rows = 0;
    let mut finite = 0;
    for l in lines {
        rows += 1;
        let f: Vec<&str> = l.split(',').collect();
        let v: Vec<f64> = f[3..].iter().map(|x| x.parse::<f64>().unwrap()).collect();
        if v.iter().all(|x| x.is_finite()) {
            finite += 1;
            assert!(v[0] <= v[1] && v[1] <= v[2] && v[2] <= v[3] && v[3] <= v[4], "quantiles out of order: {l}");
        }
    }
    // Every series of every region (the nation and the provinces) for 1953-1960.
    assert!(q.contains("\n1953,CN,population,") && q.contains("\n1960,CN,excess_deaths,"));
    assert_eq!(rows % 8, 0);
    assert!(rows > 8 * 44 * 20 && finite > rows / 2, "{rows} rows, {finite} finite");
    let h = read(&one.join("headline.csv"));
    let mut h = h.lines();
    assert_eq!(h.next(), Some("outcome,mean,q05,q50,q95"));
    let ed: Vec<f64> = h.next().unwrap().split(',').skip(1).map(|x| x.parse().unwrap()).collect::<Vec<f64>>();
    assert!(ed[1] <= ed[2] && ed[2] <= ed[3] && ed[1] > 0.0, "{ed:?}");
    let m = json(&one.join("manifest.json"));
    assert_eq!((m["job"]["runs"].as_u64(), m["items"]["total"].as_u64()), (Some(3), Some(3)));
    assert_eq!(m["items"]["reused"].as_u64(), Some(0));
    assert_eq!(m["seeds"], serde_json::json!([1, 2, 3]));
    assert!(!d.join("one.work").exists(), "the work store is removed once the outputs are written");
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn interrupted_sweep_resumes_without_rerunning_finished_points() {
    let d = tmp("resume");
    let design = d.join("enforcement.toml");
    std::fs::write(
        &design,
        "[design]\nkind = \"grid\"\nseeds = 1\noutcomes = [\"excess_deaths:1959-1960\", \"grain_procured_mt:1959\"]\n\
         [parameters]\nprocurement.enforcement = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]\n",
    )
    .unwrap();
    let args = |out: &Path| small_job(&["sweep", design.to_str().unwrap(), "historical"], out);
    let out = d.join("swept");
    let work = d.join("swept.work");

    let (done, o, m) = interrupt_then_resume(&args(&out), &work, &["--seed", "9"]);
    assert_eq!(m["job"]["design"]["points"].as_u64(), Some(8), "{m}");
    assert!(text(&o.stdout).contains(&format!("{} run now and {done} reused", 8 - done)));

    // The same table as a sweep never interrupted, byte for byte.
    let whole = d.join("whole");
    let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args(&whole)).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let table = read(&out.join("results.csv"));
    assert_eq!(table, read(&whole.join("results.csv")));
    assert_eq!(
        std::fs::read(out.join("results.parquet")).unwrap(),
        std::fs::read(whole.join("results.parquet")).unwrap()
    );
    assert!(
        table.starts_with("point,seed,procurement.enforcement,excess_deaths:1959-1960,grain_procured_mt:1959\n0,1,0,")
    );
    assert_eq!(table.lines().count(), 9);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_design_files_exit_2_naming_file_line_and_key() {
    let d = tmp("bad-design");
    let check = |body: &str, line: usize, key: &str| {
        let design = d.join("bad.toml");
        std::fs::write(&design, body).unwrap();
        let out = d.join("out");
        let o = leapsim(&["sweep", design.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("bad.toml:{line}")) && err.contains(key), "{err}");
        assert!(!out.exists() && !d.join("out.work").exists(), "something was written");
    };
    check("[design]\nkind = \"grid\"\n\n[parameters]\nprocurement.enforcment = [0.1]\n", 5, "procurement.enforcment");
    check(
        "[design]\nkind = \"lhs\"\npoints = 4\n[parameters]\nprocurement.rate = [0.2, 0.95]\n",
        5,
        "procurement.rate",
    );
    check("[design]\nkind = \"grid\"\nseeds = 2\noutcomes = [\"deaths:1959:median\"]\n", 4, "design.outcomes");
    check("[design]\nkinds = \"grid\"\n", 2, "design.kinds");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn multi_run_commands_share_the_grammar_of_run() {
    for cmd in ["ensemble", "sweep", "compare", "attribute", "sensitivity", "calibrate"] {
        let help = text(&leapsim(&[cmd, "--help"]).stdout);
        for opt in ["--scale", "--seed", "--set", "--out", "--threads", "--resume", "--quiet"] {
            assert!(help.contains(opt), "{opt} missing from {cmd} --help");
        }
        if cmd != "calibrate" && cmd != "sensitivity" {
            assert!(help.contains("--outcome") && help.contains("SCENARIO"), "{cmd} --help: {help}");
        }
    }
    assert!(text(&leapsim(&["sweep", "--help"]).stdout).contains("<DESIGN> [SCENARIO]"));
    // Without --outcome, the headline outcomes the runs cover; a named one they do not cover is refused.
    let d = tmp("grammar");
    let one_run = ["ensemble", "--runs", "1", "--scale", "0.0005", "--set"];
    let o = leapsim(&[&one_run[..], &["run.end_year=1954", "--outcome", "deaths:1959"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("the runs cover 1953-1954"), "{}", text(&o.stderr));
    let out = d.join("e");
    let o = leapsim(&[&one_run[..], &["run.end_year=1961", "-q", "--out", out.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let h = read(&out.join("headline.csv"));
    assert!(h.contains("excess_deaths:1959-1961,") && !h.contains("1958-1962"), "{h}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn interrupted_compare_resumes_reusing_finished_runs_and_gives_the_same_csv() {
    let d = tmp("compare-resume");
    let compare = ["compare", "historical", "no-exports", "--runs", "4", "--outcome", "excess_deaths:1959-1960"];
    let args = |out: &Path| small_job(&compare, out);
    let out = d.join("compared");
    let work = d.join("compared.work");

    let (done, o, m) = interrupt_then_resume(&args(&out), &work, &["--set", "procurement.enforcement=0.2"]);
    assert_eq!(m["job"]["scenarios"][1]["name"], "no-exports", "{m}");
    assert_eq!(m["seeds"], serde_json::json!([1, 2, 3, 4]));
    assert!(text(&o.stdout).contains(&format!("{} run(s) run now and {done} reused", 8 - done)));

    // The same files as a comparison never interrupted, byte for byte.
    let whole = d.join("whole");
    let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args(&whole)).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in ["compare.csv", "compare.svg", "compare.png"] {
        assert_eq!(std::fs::read(out.join(f)).unwrap(), std::fs::read(whole.join(f)).unwrap(), "{f} differs");
    }
    assert_eq!(json(&whole.join("manifest.json"))["job"]["outcomes"], m["job"]["outcomes"]);

    // Resuming after a complete run finds no work store: everything runs again, the same.
    let mut resumed = args(&out);
    resumed.push("--resume".into());
    let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).args(&resumed).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(json(&out.join("manifest.json"))["items"]["reused"].as_u64(), Some(0));
    assert_eq!(read(&out.join("compare.csv")), read(&whole.join("compare.csv")));
    std::fs::remove_dir_all(&d).unwrap();
}

/// Start a job of 8 work items (`args`), interrupt it with Ctrl-C once two items are stored in
/// `work`, check that nothing was written and that resuming with `changed` arguments added is
/// refused, then resume it: it reuses those items and removes the work store. Returns the items
/// finished before the interrupt, the resumed command's output and its manifest.
fn interrupt_then_resume(args: &[String], work: &Path, changed: &[&str]) -> (usize, Output, serde_json::Value) {
    let out = Path::new(args.last().unwrap());
    let mut child = Command::new(env!("CARGO_BIN_EXE_leapsim"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while stored_items(work) < 2 {
        assert!(child.try_wait().unwrap().is_none(), "{args:?} ended before it could be interrupted");
        assert!(t0.elapsed() < Duration::from_secs(120), "no item finished in two minutes");
        std::thread::sleep(Duration::from_millis(10));
    }
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "an interrupted job exits with 130");
    assert!(!out.exists(), "no results from an interrupted job");
    let done = stored_items(work);
    assert!((2..8).contains(&done), "{done} of 8 items finished: not interrupted midway");

    // Resuming with other arguments is refused and leaves the finished work alone.
    let mut other = args.to_vec();
    other.push("--resume".into());
    other.extend(changed.iter().map(|s| s.to_string()));
    let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).args(&other).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("cannot resume"), "{}", text(&o.stderr));
    assert_eq!(stored_items(work), done);

    // Resumed: only the unfinished items run.
    let mut resumed = args.to_vec();
    resumed.push("--resume".into());
    let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).args(&resumed).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let m = json(&out.join("manifest.json"));
    assert_eq!(m["items"]["reused"].as_u64(), Some(done as u64), "{m}");
    assert_eq!(m["items"]["total"].as_u64(), Some(8), "{m}");
    assert!(!work.exists(), "the work store is removed once the outputs are written");
    (done, o, m)
}

/// The arguments of a job at the tests' small scale, on 2 threads, writing to `out` (last).
fn small_job(command: &[&str], out: &Path) -> Vec<String> {
    let mut a: Vec<String> = command.iter().chain(SMALL).map(|s| s.to_string()).collect();
    a.extend(["--threads".into(), "2".into(), "--out".into(), out.to_str().unwrap().into()]);
    a
}

#[test]
fn an_ensemble_with_a_posterior_draws_its_parameters_and_its_intervals_widen() {
    let d = tmp("posterior");
    let posterior = d.join("posterior.csv");
    // Two particles far apart in the share of procurement enforced, equally likely.
    std::fs::write(&posterior, "particle,weight,loss,procurement.enforcement\n1,0.5,0.1,0.05\n2,0.5,0.2,1.0\n")
        .unwrap();
    let outcome = ["--outcome", "grain_procured_mt:1959"];
    let ensemble = |out: &Path, extra: &[&str]| -> Output {
        let mut a = small_job(&["ensemble", "--runs", "8"], out);
        a.extend(outcome.iter().chain(extra).map(|s| s.to_string()));
        Command::new(env!("CARGO_BIN_EXE_leapsim")).args(&a).output().unwrap()
    };
    let width = |out: &Path| -> f64 {
        let h = read(&out.join("headline.csv"));
        let row: Vec<f64> = h.lines().nth(1).unwrap().split(',').skip(1).map(|x| x.parse().unwrap()).collect();
        row[3] - row[1]
    };
    let fixed = d.join("fixed");
    let o = ensemble(&fixed, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("the model's own chance only"), "{}", text(&o.stdout));
    let drawn = d.join("drawn");
    let p = posterior.to_str().unwrap();
    let o = ensemble(&drawn, &["--posterior", p]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("parameter uncertainty"), "{}", text(&o.stdout));
    // The runs drew both particles: the interval spans far more than the seeds alone give.
    assert!(width(&drawn) > 5.0 * width(&fixed), "{} vs {}", width(&drawn), width(&fixed));
    let m = json(&drawn.join("manifest.json"));
    assert_eq!(m["job"]["posterior"]["particles"].as_u64(), Some(2), "{m}");
    // The same command draws the same particles.
    let again = d.join("again");
    assert!(ensemble(&again, &["--posterior", p]).status.success());
    assert_eq!(read(&again.join("headline.csv")), read(&drawn.join("headline.csv")));
    // A comparison under the same draws: the drawn runs of a scenario compared with itself
    // differ by nothing, and the report says what its intervals hold.
    let mut a = small_job(&["compare", "historical", "historical", "--runs", "4"], &d.join("compared"));
    a.extend(outcome.iter().chain(&["--posterior", p]).map(|s| s.to_string()));
    let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).args(&a).output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("draws the same particle"), "{}", text(&o.stdout));
    let m = json(&d.join("compared").join("manifest.json"));
    let by = &m["job"]["outcomes"][0]["by_scenario"];
    assert_eq!(by[0]["values"], by[1]["values"], "{m}");
    let v: Vec<f64> = by[0]["values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert!(v.iter().cloned().fold(f64::MIN, f64::max) - v.iter().cloned().fold(f64::MAX, f64::min) > 1.0, "{v:?}");
    // An attribution over the same draws: every coalition of a run draws alike, and the report
    // says so.
    let att = d.join("attributed");
    let o = Command::new(env!("CARGO_BIN_EXE_leapsim"))
        .args(["attribute", "--causes", "reporting,enforcement", "--runs", "2", "--scale", "0.0005"])
        .args(["--set", "run.end_year=1961", "--posterior", p, "--out", att.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("every coalition of a run draws the same particle"), "{}", text(&o.stdout));
    assert_eq!(json(&att.join("manifest.json"))["job"]["posterior"]["particles"].as_u64(), Some(2));
    // A parameter both drawn and fixed, and a bad sample, are refused with exit 2.
    let o = ensemble(&d.join("x"), &["--posterior", p, "--set", "procurement.enforcement=0.3"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("also fixes"), "{}", text(&o.stderr));
    std::fs::write(&posterior, "particle,weight,loss,procurement.enforcement\n1,0.5,0.1,5\n").unwrap();
    let o = ensemble(&d.join("x"), &["--posterior", p]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains(&format!("{p}:2: key `procurement.enforcement`")), "{}", text(&o.stderr));
    assert!(!d.join("x").exists());
    std::fs::remove_dir_all(&d).unwrap();
}
