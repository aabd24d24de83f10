//! The JSON API through the router, as a client sees it (no socket): listings, a run job whose
//! numbers are the library's, the cache, the errors a bad request gets, the queue's bound.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use leapsim_analysis::ModelSpec;
use leapsim_web::jobs::Jobs;
use leapsim_web::{router, Options};
use serde_json::{json, Value};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn app(opts: Options) -> (axum::Router, Arc<Jobs>) {
    let jobs = Jobs::new(opts);
    (router(jobs.clone()), jobs)
}

async fn call(app: &axum::Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, String) {
    let req = Request::builder().method(method).uri(uri).header("content-type", "application/json");
    let req = req.body(body.map_or(Body::empty(), |b| Body::from(b.to_string()))).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn call_json(app: &axum::Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (s, text) = call(app, method, uri, body).await;
    (s, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{uri}: {e}: {text}")))
}

/// Poll the job until it is finished; its last state.
async fn wait(app: &axum::Router, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let (s, v) = call_json(app, "GET", &format!("/api/jobs/{id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if ["done", "failed", "cancelled"].contains(&v["status"].as_str().unwrap()) {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "job {id} still {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Post a job, wait for it to finish and return its id and result.
async fn finished(app: &axum::Router, body: Value) -> (String, Value) {
    let (s, v) = call_json(app, "POST", "/api/runs", Some(body)).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let state = wait(app, &id).await;
    assert_eq!(state["status"], "done", "{state}");
    let (_, r) = call_json(app, "GET", &format!("/api/jobs/{id}/result"), None).await;
    (id, r)
}

#[tokio::test]
async fn scenarios_params_and_history_are_listed() {
    let (app, _) = app(Options::default());
    let (s, v) = call_json(&app, "GET", "/api/scenarios", None).await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = v["scenarios"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"historical") && names.contains(&"honest-reporting") && names.len() >= 10, "{names:?}");

    let (s, v) = call_json(&app, "GET", "/api/params", None).await;
    assert_eq!(s, StatusCode::OK);
    let groups = v["groups"].as_array().unwrap();
    let group = |g: &str| groups.iter().find(|x| x["group"] == g).unwrap_or_else(|| panic!("no group {g}"));
    for g in ["reporting", "targets", "procurement", "trade", "mess halls", "campaigns", "weather", "politics"] {
        assert!(!group(g)["params"].as_array().unwrap().is_empty(), "group {g} is empty");
    }
    let honest =
        group("reporting")["params"].as_array().unwrap().iter().find(|p| p["key"] == "reporting.honest").unwrap();
    assert_eq!(honest["kind"], "bool");
    assert!(honest["meaning"].as_str().unwrap().len() > 10);
    let total: usize = groups.iter().map(|g| g["params"].as_array().unwrap().len()).sum();
    assert_eq!(total, leapsim_core::params::SPECS.len(), "every parameter in one group");

    let (s, v) = call_json(&app, "GET", "/api/history", None).await;
    assert_eq!(s, StatusCode::OK);
    let cdr = v["variables"].as_array().unwrap().iter().find(|x| x["variable"] == "crude_death_rate").unwrap();
    assert_eq!(cdr["series"], "cdr_permille");
    assert!(cdr["points"].as_array().unwrap().iter().all(|p| !p["source"].as_str().unwrap().is_empty()));

    let (s, text) = call(&app, "GET", "/", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(text.contains("<html") || text.contains("<!doctype"), "{text}");
}

#[tokio::test]
async fn a_run_gives_the_library_numbers_and_a_repeat_is_cached() {
    let (app, _) = app(Options::default());
    let body = json!({ "kind": "run", "scenario": "historical", "scale": 0.002, "seed": 11 });
    let (s, v) = call_json(&app, "POST", "/api/runs", Some(body.clone())).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let state = wait(&app, &id).await;
    assert_eq!(state["status"], "done", "{state}");
    let (s, r) = call_json(&app, "GET", &format!("/api/jobs/{id}/result"), None).await;
    assert_eq!(s, StatusCode::OK);

    let spec = ModelSpec { scenario: "historical".into(), scale: Some(0.002), seed: Some(11), set: vec![] };
    let lib =
        leapsim_engine::run::run_with_detail(&spec.resolve().unwrap(), None, &mut |_, _| {}, &AtomicBool::new(false))
            .unwrap();
    let years: Vec<i64> = r["years"].as_array().unwrap().iter().map(|y| y.as_i64().unwrap()).collect();
    assert_eq!(years.first(), Some(&1953));
    // The numbers are the library's, as annual.csv writes them.
    let written = |y: i64, region: &str, series: &str| {
        let v = lib.tables.annual(y as i32, region, series).unwrap();
        let w = leapsim_engine::series::fmt_value(v).parse::<f64>().unwrap();
        assert!((w - v).abs() <= 0.05 + 1e-6 * v.abs(), "{v} written as {w}");
        w
    };
    for (i, y) in years.iter().enumerate() {
        assert_eq!(r["national"]["deaths"][i].as_f64().unwrap(), written(*y, "CN", "deaths"), "deaths in {y}");
        let grain = r["provinces"]["CN-HA"]["grain_true_mt"][i].as_f64().unwrap();
        assert_eq!(grain, written(*y, "CN-HA", "grain_true_mt"), "Henan's grain in {y}");
    }
    let (s, csv) = call(&app, "GET", &format!("/api/jobs/{id}/annual.csv"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        csv,
        leapsim_engine::series::to_csv(&lib.tables.annual, false),
        "annual.csv as the command line writes it"
    );

    let (s, events) = call(&app, "GET", &format!("/api/jobs/{id}/events"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(events.contains("event: done"), "{events}");

    let t = Instant::now();
    let (s, again) = call_json(&app, "POST", "/api/runs", Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["cached"], true);
    assert_eq!(again["status"], "done");
    let (_, r2) = call_json(&app, "GET", &format!("/api/jobs/{id}/result"), None).await;
    assert_eq!(r2, r);
    assert!(t.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn bad_requests_get_4xx_naming_the_field() {
    let (app, _) = app(Options::default());
    let cases = [
        (json!({ "scenario": "atlantis" }), "scenario"),
        (json!({ "scenario": "../../etc/passwd" }), "scenario"),
        (json!({ "scenario": "scenarios/historical.toml" }), "scenario"),
        (json!({ "set": ["reporting.no_such_key=1"] }), "set[0]"),
        (json!({ "set": ["reporting.honest=true", "procurement.rate=7"] }), "set[1]"),
        (json!({ "set": ["run.scale=1"] }), "set[0]"),
        (json!({ "set": ["reporting.honest"] }), "set[0]"),
        (json!({ "scale": 0.5 }), "scale"),
        (json!({ "scale": -1 }), "scale"),
        (json!({ "kind": "ensemble", "runs": 1000 }), "runs"),
        (json!({ "kind": "dance" }), "kind"),
        (json!({ "kind": "compare", "scenarios": ["historical"] }), "scenarios"),
        (json!({ "seed": "x" }), "seed"),
        (json!({ "colour": "red" }), "colour"),
        (json!({ "detail": "CN-XZ" }), "detail"),
        (json!({ "detail": "../x" }), "detail"),
        (json!({ "kind": "ensemble", "detail": "CN-HA" }), "detail"),
        (json!({ "kind": "attribute", "region": "CN-XX" }), "region"),
        (json!({ "kind": "run", "region": "CN-HA" }), "region"),
        (json!([1, 2]), "body"),
    ];
    for (body, field) in cases {
        let (s, v) = call_json(&app, "POST", "/api/runs", Some(body.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {v}");
        assert_eq!(v["field"], field, "{body}: {v}");
        assert!(!v["error"].as_str().unwrap().is_empty());
    }
    let req = Request::builder().method("POST").uri("/api/runs").body(Body::from("{not json")).unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (s, v) = call_json(&app, "GET", "/api/jobs/j999", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = call_json(&app, "GET", "/api/nothing", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // And the server still serves.
    let (s, _) = call_json(&app, "GET", "/api/scenarios", None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn a_full_queue_gets_429_and_shutdown_cancels() {
    let (app, jobs) = app(Options { max_jobs: 1, max_queue: 1, ..Options::default() });
    let run = |seed: u64| json!({ "scenario": "historical", "scale": 0.002, "seed": seed });
    let (s, a) = call_json(&app, "POST", "/api/runs", Some(run(1))).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{a}");
    let (s, b) = call_json(&app, "POST", "/api/runs", Some(run(2))).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    let (s, c) = call_json(&app, "POST", "/api/runs", Some(run(3))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{c}");
    assert!(c["error"].as_str().unwrap().contains("queued"));
    jobs.shutdown();
    for j in [&a, &b] {
        let state = wait(&app, j["id"].as_str().unwrap()).await;
        assert_eq!(state["status"], "cancelled", "{state}");
    }
    let (s, _) = call_json(&app, "POST", "/api/runs", Some(run(4))).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_comparison_sets_two_scenarios_side_by_side() {
    let (app, _) = app(Options::default());
    let body = json!({ "kind": "compare", "scenarios": ["historical", "no-exports"], "scale": 0.001, "runs": 1 });
    let (id, r) = finished(&app, body).await;
    assert_eq!(r["names"], json!(["historical", "no-exports"]));
    let ex = |s: &str| r["national"][s]["grain_exported_mt"]["mean"][7].as_f64().unwrap();
    assert!(ex("historical") > ex("no-exports"), "1960 exports: {} vs {}", ex("historical"), ex("no-exports"));
    assert!(!r["outcomes"].as_array().unwrap().is_empty());
    let (s, csv) = call(&app, "GET", &format!("/api/jobs/{id}/compare.csv"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(csv.starts_with("scenario,"), "{}", &csv[..80.min(csv.len())]);
}

#[tokio::test]
async fn a_comparison_of_three_gives_each_later_scenarios_paired_difference_by_year() {
    let (app, _) = app(Options::default());
    let names = ["historical", "no-exports", "honest-reporting"];
    let body = json!({ "kind": "compare", "scenarios": names, "scale": 0.001, "runs": 2, "seed": 11 });
    let (_, r) = finished(&app, body).await;
    assert_eq!(r["names"], json!(names));
    let d = r["difference"].as_object().unwrap();
    let mut later: Vec<&String> = d.keys().collect();
    later.sort();
    assert_eq!(later, vec!["honest-reporting", "no-exports"], "every scenario but the first");
    let mean = |s: &str, series: &str, i: usize| r["national"][s][series]["mean"][i].as_f64().unwrap();
    for other in &names[1..] {
        for series in ["grain_exported_mt", "grain_reported_mt", "deaths"] {
            let e = &d[*other][series];
            for i in 0..14 {
                let (m, lo, hi) =
                    (e["mean"][i].as_f64().unwrap(), e["q05"][i].as_f64().unwrap(), e["q95"][i].as_f64().unwrap());
                // The mean of the paired differences is the difference of the means, up to the
                // rounding of the written values (0.1 from 1,000 up, else 1e-6).
                let (a, b) = (mean(other, series, i), mean("historical", series, i));
                let tol = if a.abs().max(b.abs()) >= 1000.0 { 0.2 } else { 1e-5 };
                assert!((m - (a - b)).abs() <= tol, "{other} {series} {i}: {m} vs {a} - {b}");
                assert!(lo <= m && m <= hi, "{other} {series} {i}: {lo} {m} {hi}");
            }
        }
    }
    // Fewer exports in 1960 without them; more grain reported in 1958 with the inflation.
    assert!(d["no-exports"]["grain_exported_mt"]["mean"][7].as_f64().unwrap() < 0.0);
    assert!(d["honest-reporting"]["grain_reported_mt"]["mean"][5].as_f64().unwrap() < 0.0);
    // Each outcome has every scenario with its difference from the first (zero for the first).
    for o in r["outcomes"].as_array().unwrap() {
        let by = o["scenarios"].as_array().unwrap();
        assert_eq!(by.len(), 3, "{o}");
        assert_eq!(by[0]["difference"]["mean"], json!(0.0), "{o}");
    }
}

#[tokio::test]
async fn an_ensemble_gives_bands_of_the_library_job() {
    let (app, _) = app(Options::default());
    let body = json!({ "kind": "ensemble", "scenario": "historical", "scale": 0.001, "runs": 2, "seed": 3 });
    let (s, v) = call_json(&app, "POST", "/api/runs", Some(body)).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_str().unwrap();
    let state = wait(&app, id).await;
    assert_eq!(state["status"], "done", "{state}");
    assert_eq!(state["total"], 2);
    let (_, r) = call_json(&app, "GET", &format!("/api/jobs/{id}/result"), None).await;
    assert_eq!(r["seeds"], json!([3, 4]));
    let band = &r["national"]["cdr_permille"];
    for i in 0..14 {
        let (lo, mid, hi) =
            (band["q05"][i].as_f64().unwrap(), band["q50"][i].as_f64().unwrap(), band["q95"][i].as_f64().unwrap());
        assert!(lo <= mid && mid <= hi, "year {i}: {lo} {mid} {hi}");
    }
    let (s, csv) = call(&app, "GET", &format!("/api/jobs/{id}/annual_quantiles.csv"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(csv.starts_with("year,region,series,q05,q25,q50,q75,q95,mean\n"));
    // The scratch work store is gone.
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("leapsim-web-{}-", std::process::id())))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
