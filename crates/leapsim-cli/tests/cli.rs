//! The `leapsim` binary as a user meets it.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{text, tmp, TINY_SETTINGS};

fn leapsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args).output().unwrap()
}

#[test]
fn help_explains_every_option() {
    let top = text(&leapsim(&["--help"]).stdout);
    for cmd in [
        "run",
        "scenarios",
        "params",
        "fit-baseline",
        "calibrate",
        "sensitivity",
        "attribute",
        "compare",
        "ensemble",
        "sweep",
    ] {
        assert!(top.contains(cmd), "{cmd} missing from --help");
    }
    let run = text(&leapsim(&["run", "--help"]).stdout);
    for opt in ["[SCENARIO]", "--scale", "--seed", "--out", "--set", "--threads", "--quiet"] {
        assert!(run.contains(opt), "{opt} missing from run --help");
    }
}

#[test]
fn run_writes_the_four_files() {
    let d = tmp("run");
    let out = d.join("out");
    let o = leapsim(&[
        "run",
        "--scale",
        "0.0005",
        "--seed",
        "3",
        "--set",
        "run.end_year=1954",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in ["annual.csv", "monthly.csv", "summary.json", "manifest.json", "provincial_grain.csv"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let annual = std::fs::read_to_string(out.join("annual.csv")).unwrap();
    assert!(annual.starts_with("year,region,series,value\n1953,CN,population,"));
    let monthly = std::fs::read_to_string(out.join("monthly.csv")).unwrap();
    assert!(monthly.starts_with("year,month,region,series,value\n1953,1,CN,population,"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 3);
    assert_eq!(manifest["params"]["run.end_year"], 1954.0);
    let stdout = text(&o.stdout);
    assert!(stdout.contains("CDR 1953") && stdout.contains("record"), "{stdout}");
    std::fs::remove_dir_all(&d).unwrap();
}

fn assert_bad_scenario(body: &str, line: usize, key: &str) {
    let d = tmp(&format!("bad-{line}-{}", key.replace('.', "_")));
    let file = d.join("bad.toml");
    std::fs::write(&file, body).unwrap();
    let out = d.join("out");
    let o = leapsim(&["run", file.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("bad.toml:{line}")), "{err}");
    assert!(err.contains(key), "{err}");
    assert!(err.lines().count() <= 5, "more than a screen: {err}");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1, "something was written beside the scenario");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_scenarios_name_line_and_key_and_write_nothing() {
    assert_bad_scenario("name = \"x\"\n[procurement]\nrat = 0.3\n", 3, "procurement.rat");
    assert_bad_scenario("[procurement]\nrate = 7\n", 2, "procurement.rate");
    assert_bad_scenario("[[timeline]]\nevent = \"communize\"\ndate = \"Sept 1958\"\n", 3, "timeline.date");
}

#[test]
fn bad_overrides_exit_2() {
    let o = leapsim(&["run", "--set", "procurement.rate=abc", "--out", "/nonexistent/never"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("procurement.rate"));
    let o = leapsim(&["run", "--scale", "3"]);
    assert_eq!(o.status.code(), Some(2));
    let o = leapsim(&["run", "no-such-scenario"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("historical"));
}

#[test]
fn lists_scenarios_and_params() {
    assert!(text(&leapsim(&["scenarios"]).stdout).starts_with("historical"));
    let p = text(&leapsim(&["params"]).stdout);
    for key in ["procurement.rate", "demography.mortality_level", "hierarchy.team_families"] {
        assert!(p.contains(key), "{key}");
    }
    assert!(p.contains("source:"));
}

#[cfg(unix)]
#[test]
fn interrupted_run_leaves_no_output() {
    let d = tmp("interrupt");
    let out = d.join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leapsim"))
        .args(["run", "--scale", "0.05", "-q", "--out", out.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!out.exists());
    assert_eq!(count_entries(&d), 0, "temporary files left behind");
    std::fs::remove_dir_all(&d).unwrap();
}

fn count_entries(d: &Path) -> usize {
    std::fs::read_dir(d).unwrap().count()
}

/// Start `leapsim args...`, wait until its work store beside `out` holds `n` finished items,
/// then interrupt it (Ctrl-C) and check it stopped cleanly with nothing written.
#[cfg(unix)]
fn interrupt_after_stored_items(args: &[&str], out: &Path, n: usize) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leapsim"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let items = out.with_file_name(format!("{}.work", out.file_name().unwrap().to_string_lossy())).join("items");
    let t0 = std::time::Instant::now();
    // Until the store holds `n` items, or the command has already finished (a fast machine can
    // store the last item and complete between two looks).
    let mut finished = None;
    while std::fs::read_dir(&items).map(|d| d.count()).unwrap_or(0) < n {
        if let Some(status) = child.try_wait().unwrap() {
            finished = Some(status);
            break;
        }
        assert!(t0.elapsed().as_secs() < 120, "no work stored");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let status = match finished {
        Some(status) => status,
        None => {
            let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
            child.wait().unwrap()
        }
    };
    // It may have finished just before the signal; otherwise it stopped cleanly.
    if status.code() == Some(130) {
        assert!(!out.exists(), "an interrupted command wrote its output");
        assert!(items.is_dir(), "the finished work was not kept");
    } else {
        assert!(status.success());
    }
}

#[cfg(unix)]
#[test]
fn calibrate_fits_a_small_problem_writes_its_files_and_resumes() {
    let d = tmp("calibrate");
    let settings = d.join("tiny.toml");
    std::fs::write(&settings, TINY_SETTINGS).unwrap();
    let out = d.join("fit");
    let args = |out: &Path| -> Vec<String> {
        ["calibrate", "--settings", settings.to_str().unwrap(), "--set", "run.end_year=1962", "--out"]
            .iter()
            .map(|s| s.to_string())
            .chain([out.to_str().unwrap().to_string()])
            .collect()
    };
    let a = args(&out);
    let o = leapsim(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in ["fitted.toml", "loss_history.csv", "fit_report.csv", "manifest.json"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    assert!(!d.join("fit.work").exists(), "the work store outlived the command");
    let history = std::fs::read_to_string(out.join("loss_history.csv")).unwrap();
    let rows: Vec<Vec<f64>> =
        history.lines().skip(1).map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect();
    assert!(history.starts_with("evaluation,loss,best_loss,procurement.enforcement,planning.area_cut\n"));
    assert_eq!(rows.len(), 10, "{history}");
    // The fit converges on the targets: from a start far off, the best loss falls tenfold.
    let (start, best) = (rows[0][1], rows[9][2]);
    assert!(best < start / 10.0, "{history}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["job"]["loss"].as_f64(), Some(best));
    let report = std::fs::read_to_string(out.join("fit_report.csv")).unwrap();
    assert!(report.starts_with("target,model,record,low,high,inside,weight,loss,source\nProcurement ratio 1959,"));
    assert_eq!(report.lines().count(), 4, "{report}");
    assert!(text(&o.stdout).contains("Procurement ratio 1959"));
    // fitted.toml is a scenario overlay that runs.
    let fitted = std::fs::read_to_string(out.join("fitted.toml")).unwrap();
    assert!(fitted.contains("extends = \"historical\"") && fitted.contains("[procurement]\nenforcement = "));
    let o = leapsim(&[
        "run",
        out.join("fitted.toml").to_str().unwrap(),
        "--scale",
        "0.0005",
        "--set",
        "run.end_year=1954",
        "-q",
        "--out",
        d.join("run").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    // Interrupted after a few evaluations and resumed, the fit takes the same path.
    let out2 = d.join("fit2");
    let a2 = args(&out2);
    interrupt_after_stored_items(&a2.iter().map(String::as_str).collect::<Vec<_>>(), &out2, 3);
    let mut resumed = a2.clone();
    resumed.push("--resume".into());
    let o = leapsim(&resumed.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(out2.join("loss_history.csv")).unwrap(), history);
    assert_eq!(std::fs::read_to_string(out2.join("fitted.toml")).unwrap(), fitted);
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn calibrate_by_abc_smc_samples_a_posterior_that_narrows_and_resumes_to_the_same_sample() {
    let d = tmp("abc-smc");
    let settings = d.join("tiny.toml");
    std::fs::write(&settings, TINY_SETTINGS).unwrap();
    let args = |out: &Path, extra: &[&str]| -> Vec<String> {
        ["calibrate", "--settings", settings.to_str().unwrap(), "--set", "run.end_year=1960", "--method", "abc-smc"]
            .iter()
            .chain(["--particles", "12", "--generations", "3", "-q", "--out", out.to_str().unwrap()].iter())
            .chain(extra)
            .map(|s| s.to_string())
            .collect()
    };
    let run = |a: Vec<String>| {
        let o = leapsim(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", text(&o.stderr));
    };
    let out = d.join("fit");
    run(args(&out, &[]));
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    let rows = |csv: &str| -> Vec<Vec<String>> {
        csv.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
    };
    // The sample: 12 particles whose weights sum to 1, within the bounds.
    let posterior = read("posterior.csv");
    assert!(posterior.starts_with("particle,weight,loss,procurement.enforcement,planning.area_cut\n"), "{posterior}");
    let particles = rows(&posterior);
    assert_eq!(particles.len(), 12);
    let weights: f64 = particles.iter().map(|r| r[1].parse::<f64>().unwrap()).sum();
    assert!((weights - 1.0).abs() < 1e-9, "{weights}");
    assert!(particles.iter().all(|r| (0.05..=1.0).contains(&r[3].parse::<f64>().unwrap())));
    // The tolerance shrinks from the prior's generation on, and every particle is within the last.
    let generations = rows(&read("generations.csv"));
    assert_eq!(generations.len(), 3);
    assert_eq!(generations[0][1], "", "the first generation is the prior");
    let eps: Vec<f64> = generations[1..].iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(eps[1] < eps[0], "{eps:?}");
    assert!(particles.iter().all(|r| r[2].parse::<f64>().unwrap() <= eps[1]));
    // Each target's posterior-predictive interval beside its record.
    let predictive = rows(&read("predictive.csv"));
    assert_eq!(predictive.len(), 3);
    for r in &predictive {
        let q: Vec<f64> = r[4..7].iter().map(|x| x.parse().unwrap()).collect();
        assert!(q[0] <= q[1] && q[1] <= q[2], "{r:?}");
    }
    assert!(read("posterior.svg").contains("procurement.enforcement"));
    assert!(std::fs::read(out.join("posterior.png")).unwrap().starts_with(b"\x89PNG"));
    let manifest: serde_json::Value = serde_json::from_str(&read("manifest.json")).unwrap();
    assert_eq!(manifest["job"]["method"]["generations"].as_array().map(Vec::len), Some(3), "{manifest}");
    // Interrupted and resumed, the sampler draws the same proposals and gives the same sample.
    let out2 = d.join("fit2");
    interrupt_after_stored_items(&args(&out2, &[]).iter().map(String::as_str).collect::<Vec<_>>(), &out2, 10);
    run(args(&out2, &["--resume"]));
    for f in ["posterior.csv", "generations.csv", "predictive.csv", "fitted.toml"] {
        assert_eq!(std::fs::read_to_string(out2.join(f)).unwrap(), read(f), "{f}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn calibrate_rejects_bad_settings_with_file_line_and_key() {
    let d = tmp("calibrate-bad");
    let settings = d.join("bad.toml");
    std::fs::write(&settings, TINY_SETTINGS.replace("key = \"planning.area_cut\"", "key = \"planning.area_cutt\""))
        .unwrap();
    let out = d.join("fit");
    let o = leapsim(&["calibrate", "--settings", settings.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains(&format!("{}:14: key `planning.area_cutt`: unknown parameter", settings.display())), "{err}");
    assert!(!out.exists());
    let o = leapsim(&["calibrate", "--settings", d.join("none.toml").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // The old name of the command still works.
    assert!(leapsim(&["fit-leap", "--help"]).status.success());
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn sensitivity_ranks_parameters_and_resumes_to_the_same_table() {
    let d = tmp("sensitivity");
    let args = |out: &Path, threads: &str| -> Vec<String> {
        [
            "sensitivity",
            "--scale",
            "0.0005",
            "--set",
            "run.end_year=1958",
            "--param",
            "reporting.inflation_per_level=0.1:0.3",
            "--param",
            "procurement.enforcement=0.1:0.5",
            "--outcome",
            "grain_reported_mt:1958",
            "--trajectories",
            "4",
            "--threads",
            threads,
            "--out",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([out.to_str().unwrap().to_string()])
        .collect()
    };
    let out = d.join("one-thread");
    let a = args(&out, "1");
    let o = leapsim(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert!(csv.starts_with("outcome,parameter,method,low,high,rank,mu_star,mu,sigma\n"), "{csv}");
    // Reports of 1958 grow with inflation and do not depend on enforcement (it acts from 1959).
    assert_eq!(rows[0][..6], ["grain_reported_mt:1958", "reporting.inflation_per_level", "morris", "0.1", "0.3", "1"]);
    assert!(rows[0][6].parse::<f64>().unwrap() > 10.0 && rows[0][7].parse::<f64>().unwrap() > 10.0, "{csv}");
    assert_eq!(rows[1][1..], ["procurement.enforcement", "morris", "0.1", "0.5", "2", "0", "0", "0"]);
    assert_eq!(std::fs::read_to_string(out.join("points.csv")).unwrap().lines().count(), 1 + 4 * 3);

    // On three threads, interrupted and resumed: the same table.
    let out2 = d.join("resumed");
    let a2 = args(&out2, "3");
    interrupt_after_stored_items(&a2.iter().map(String::as_str).collect::<Vec<_>>(), &out2, 2);
    let mut resumed = a2.clone();
    resumed.push("--resume".into());
    let o = leapsim(&resumed.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(out2.join("sensitivity.csv")).unwrap(), csv);

    // Bad parameters and ranges are the user's input: exit 2.
    for bad in ["procurement.enforcment=0.1:0.5", "procurement.enforcement=0.1:9", "food.mess_halls=0:1"] {
        let o = leapsim(&["sensitivity", "--param", bad, "--out", d.join("bad").to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o.stderr));
    }
    let o = leapsim(&["sensitivity", "--out", d.join("bad").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!d.join("bad").exists());
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn attribute_writes_shares_that_add_up_to_the_total_in_every_region() {
    let d = tmp("attribute");
    let out = d.join("a");
    let o = leapsim(&[
        "attribute",
        "--causes",
        "reporting,mess-halls",
        "--runs",
        "2",
        "--scale",
        "0.0005",
        "--set",
        "run.end_year=1961",
        "--by-province",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(out.join("attribution.csv")).unwrap();
    assert!(csv.starts_with("outcome,region,cause,value,q05,q95\n"), "{csv}");
    let rows: Vec<Vec<String>> = csv.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect();
    let mut regions: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    regions.dedup();
    assert_eq!(regions[0], "CN");
    assert!(regions.len() > 25 && regions.contains(&"CN-HA"), "{regions:?}");
    assert_eq!(rows.len(), 3 * regions.len(), "two causes and a total per region: {csv}");
    for region in &regions {
        let value =
            |cause: &str| rows.iter().find(|r| r[1] == *region && r[2] == cause).unwrap()[3].parse::<f64>().unwrap();
        assert!(rows.iter().all(|r| r[0] == "excess_deaths:1959-1961"));
        let sum = value("reporting") + value("mess-halls");
        assert!((sum - value("total")).abs() <= 1.0 + 1e-6 * value("total").abs(), "{region}: {csv}");
    }
    let national =
        |cause: &str| rows.iter().find(|r| r[1] == "CN" && r[2] == cause).unwrap()[3].parse::<f64>().unwrap();
    assert!(national("reporting") > 0.0, "inflated reports kill: {csv}");
    let stdout = text(&o.stdout);
    assert!(!stdout.contains("Natural"), "weather was not among the causes");
    assert!(stdout.contains("by province") && stdout.contains("CN-HA"), "{stdout}");
    assert_eq!(&std::fs::read(out.join("attribution.png")).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    let svg = std::fs::read_to_string(out.join("attribution.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("reporting") && svg.contains("mess-halls"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn attribute_resumes_from_its_finished_runs_to_the_same_table() {
    let d = tmp("attribute-resume");
    let args = |out: &Path| -> Vec<String> {
        ["attribute", "--causes", "reporting,mess-halls", "--runs", "2", "--scale", "0.0005"]
            .iter()
            .map(|s| s.to_string())
            .chain(["--set".into(), "run.end_year=1961".into(), "--out".into(), out.to_str().unwrap().into()])
            .collect()
    };
    let first = d.join("first");
    let a = args(&first);
    let o = leapsim(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(first.join("attribution.csv")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["items"]["total"], 8, "four coalitions, two seeds");
    assert_eq!(manifest["items"]["reused"], 0);

    // Every run finished and stored, the command stopped before its output was written: the
    // resumed command reuses every run and gives the same table.
    let second = d.join("second");
    let a2 = args(&second);
    let work = d.join("second.work");
    for _ in 0..5 {
        interrupt_after_stored_items(&a2.iter().map(String::as_str).collect::<Vec<_>>(), &second, 8);
        if work.is_dir() {
            break;
        }
        // It finished before the signal: try again.
        let _ = std::fs::remove_dir_all(&second);
    }
    assert!(work.is_dir() && !second.exists(), "no interrupted attribute to resume");
    let mut resumed = a2.clone();
    resumed.push("--resume".into());
    let o = leapsim(&resumed.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("resumed: 8 of 8 runs reused"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(second.join("attribution.csv")).unwrap(), csv);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(second.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["items"]["reused"], 8);
    assert!(!work.exists(), "the work store outlived the command");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn compare_shows_fewer_deaths_in_each_counterfactual_and_writes_csv_and_charts() {
    let d = tmp("compare");
    let out = d.join("c");
    let o = leapsim(&[
        "compare",
        "historical",
        "honest-reporting",
        "flexible-procurement",
        "--scale",
        "0.001",
        "--runs",
        "3",
        "--set",
        "run.end_year=1962",
        "--outcome",
        "excess_deaths:1959-1961",
        "--outcome",
        "cdr_permille:1958-1962:max",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // Excess deaths per scenario and seed, from the manifest.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seeds"], serde_json::json!([1, 2, 3]));
    assert_eq!((manifest["items"]["total"].as_u64(), manifest["job"]["runs"].as_u64()), (Some(9), Some(3)));
    let deaths = &manifest["job"]["outcomes"][0];
    assert_eq!(deaths["outcome"], "excess_deaths:1959-1961");
    let values = |s: usize| -> Vec<f64> {
        deaths["by_scenario"][s]["values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
    };
    let history = values(0);
    assert_eq!(history.len(), 3);
    for s in [1, 2] {
        let mut diff: Vec<f64> = values(s).iter().zip(&history).map(|(x, h)| x - h).collect();
        diff.sort_by(f64::total_cmp);
        // With three seeds the 5-95% interval of the paired differences lies inside their
        // range: a range below zero excludes zero.
        assert!(diff[2] < 0.0, "scenario {s} does not save lives in every seed: {diff:?}");
    }
    let stdout = text(&o.stdout);
    assert!(stdout.contains("honest-reporting - historical"), "{stdout}");
    let row = stdout.lines().find(|l| l.starts_with("excess_deaths:1959-1961")).unwrap();
    assert_eq!(row.matches(" [-").count(), 2, "two negative paired intervals: {row}");

    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("scenario,year,region,series,value,q05,q25,q50,q75,q95"));
    for name in ["historical", "honest-reporting", "flexible-procurement"] {
        let prefix = format!("{name},1960,CN,cdr_permille,");
        let row = csv.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("{prefix} missing"));
        let v: Vec<f64> = row.split(',').skip(4).map(|x| x.parse().unwrap()).collect();
        assert_eq!(v.len(), 6);
        assert!(v[1] <= v[2] && v[2] <= v[3] && v[3] <= v[4] && v[4] <= v[5], "{row}");
    }
    assert!(csv.lines().any(|l| l.starts_with("honest-reporting,1962,CN-AH,population,")));

    let png = std::fs::read(out.join("compare.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let svg = std::fs::read_to_string(out.join("compare.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    // The first panel is the crude death rate: one line (2 px wide) per scenario, each in its colour.
    let cdr = svg.split("Crude birth rate").next().unwrap();
    assert!(cdr.contains("Crude death rate"));
    assert_eq!(cdr.matches(r#"stroke-width="2" points"#).count(), 3, "{cdr}");
    for colour in ["#1F77B4", "#FF7F0E", "#2CA02C"] {
        assert!(cdr.contains(&format!(r#"stroke="{colour}" stroke-width="2""#)), "{colour}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn compare_and_attribute_reject_bad_input_with_exit_2_and_write_nothing() {
    let d = tmp("compare-bad");
    let out = d.join("c");
    let o = out.to_str().unwrap();
    for args in [
        vec!["compare", "historical", "no-exports", "--outcome", "excess:1959", "--out", o],
        vec!["compare", "historical", "no-exports", "--outcome", "excess_deaths:1959-1970", "--out", o],
        vec!["compare", "historical", "no-exports", "--outcome", "excess_deaths:1959@CN-XX", "--out", o],
        vec!["compare", "historical", "no-such-scenario", "--out", o],
        vec!["compare", "historical", "--out", o],
        vec!["compare", "historical", "no-exports", "--runs", "0", "--out", o],
        vec!["attribute", "--causes", "weather,nope", "--out", o],
        vec!["attribute", "--outcome", "excess_deaths", "--out", o],
        vec!["attribute", "--outcome", "excess_deaths:1959-1961:median", "--out", o],
    ] {
        let r = leapsim(&args);
        let err = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.is_empty() && err.lines().count() <= 12, "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote output");
    }
    assert_eq!(count_entries(&d), 0);
    std::fs::remove_dir_all(&d).unwrap();
}

#[cfg(unix)]
#[test]
fn output_piped_into_a_reader_that_has_gone_ends_quietly() {
    // As `leapsim params | head -1` once head has exited: every write meets a closed pipe.
    use std::os::unix::process::ExitStatusExt;
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_leapsim")).arg("params").stdout(writer).output().unwrap();
    let err = text(&o.stderr);
    assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{err}");
    const SIGPIPE: i32 = 13; // on Linux and the BSDs
    assert_eq!(o.status.signal(), Some(SIGPIPE), "{:?}", o.status);
}

#[cfg(unix)]
#[test]
fn compare_writes_its_files_before_printing_to_a_reader_that_has_gone() {
    let d = tmp("closed-pipe");
    let out = d.join("cmp");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let args = ["compare", "historical", "honest-reporting", "--scale", "0.0005", "--set", "run.end_year=1962"];
    let o =
        Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args).arg("--out").arg(&out).stdout(writer).output().unwrap();
    assert!(!text(&o.stderr).contains("panicked"), "{}", text(&o.stderr));
    for f in ["compare.csv", "compare.png", "compare.svg", "manifest.json"] {
        assert!(out.join(f).is_file(), "{f} missing: {:?}", o.status);
    }
    std::fs::remove_dir_all(&d).unwrap();
}
