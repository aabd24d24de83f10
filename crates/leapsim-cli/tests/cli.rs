//! The `leapsim` binary as a user meets it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn leapsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leapsim")).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("leapsim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_explains_every_option() {
    let top = text(&leapsim(&["--help"]).stdout);
    for cmd in ["run", "scenarios", "params", "fit-baseline", "fit-leap", "attribute", "compare"] {
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
    for f in ["annual.csv", "monthly.csv", "summary.json", "manifest.json"] {
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

#[test]
fn fit_leap_prints_a_scenario_block_of_the_free_parameters() {
    // No rounds: evaluates the loss of the committed parameters and prints them back.
    let o = leapsim(&["fit-leap", "--rounds", "0", "--scale", "0.0005", "--set", "run.end_year=1966"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.starts_with("# leapsim fit-leap: loss "), "{out}");
    for key in ["[reporting]", "inflation_per_level = ", "[demography]", "hunger_mortality_slope = ", "[planning]"] {
        assert!(out.contains(key), "{key} missing: {out}");
    }
    // What it prints is a valid scenario overlay.
    let d = tmp("fitleap");
    let f = d.join("fit.toml");
    std::fs::write(&f, format!("extends = \"historical\"\n{out}")).unwrap();
    let check = leapsim(&["params"]);
    assert!(check.status.success());
    let o = leapsim(&[
        "run",
        f.to_str().unwrap(),
        "--scale",
        "0.0005",
        "--set",
        "run.end_year=1954",
        "-q",
        "--out",
        d.join("o").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
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
    let deaths = &manifest["outcomes"][0];
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
