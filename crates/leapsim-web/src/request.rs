//! A job request (`POST /api/runs`), checked field by field before anything runs. Every error
//! names its field. Scenarios are built-in names only: no path from a request reaches the
//! filesystem.

use crate::{ApiError, Options};
use leapsim_analysis::manifest::scenario_hash;
use leapsim_analysis::ModelSpec;
use leapsim_engine::scenario::{Scenario, ScenarioError, BUILTIN};
use serde_json::{Map, Value};

/// The kinds of job.
pub const KINDS: &[&str] = &["run", "ensemble", "compare", "attribute"];

/// The most scenarios a comparison takes (the first is the reference).
pub const MAX_COMPARE: usize = 6;

/// The fields a request may have.
const FIELDS: &[&str] = &["kind", "scenario", "scenarios", "set", "scale", "seed", "runs", "detail", "region"];

/// A checked request: the models to run (one, or several for `compare`), resolved.
#[derive(Clone, Debug)]
pub struct JobSpec {
    pub kind: &'static str,
    pub models: Vec<ModelSpec>,
    pub runs: u64,
    /// The resolved scenarios, in the order of `models`.
    pub resolved: Vec<Scenario>,
    /// For a run: follow the first commune of this province (`--detail`).
    pub detail: Option<String>,
    /// For an attribution: the province whose excess deaths are attributed (default: the nation).
    pub region: Option<String>,
}

impl JobSpec {
    /// The cache key: the kind, the runs and the hash of every resolved scenario (parameters,
    /// timeline, overrides, seed and scale) with its name.
    pub fn key(&self) -> String {
        let parts: Vec<String> = self.resolved.iter().map(|s| format!("{}:{}", s.name, scenario_hash(s))).collect();
        let (detail, region) = (self.detail.as_deref().unwrap_or("-"), self.region.as_deref().unwrap_or("CN"));
        format!("{}/{}/{detail}/{region}/{}", self.kind, self.runs, parts.join("+"))
    }
}

fn builtin(field: &str, v: &Value) -> Result<String, ApiError> {
    let name = v.as_str().ok_or_else(|| ApiError::field(field, "expected a built-in scenario name (a string)"))?;
    if BUILTIN.iter().any(|(n, _)| *n == name) {
        Ok(name.to_string())
    } else {
        let known: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        Err(ApiError::field(field, format!("unknown scenario `{name}`; built-in scenarios: {}", known.join(", "))))
    }
}

fn scenario_names(kind: &str, o: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
    if kind == "compare" {
        let list = o.get("scenarios").and_then(Value::as_array).ok_or_else(|| {
            ApiError::field("scenarios", "compare needs `scenarios`: a list of two or more built-in names")
        })?;
        if list.len() < 2 || list.len() > MAX_COMPARE {
            return Err(ApiError::field("scenarios", format!("compare takes two to {MAX_COMPARE} scenarios")));
        }
        list.iter().enumerate().map(|(i, v)| builtin(&format!("scenarios[{i}]"), v)).collect()
    } else {
        if o.contains_key("scenarios") {
            return Err(ApiError::field(
                "scenarios",
                format!("only compare takes `scenarios`; {kind} takes `scenario`"),
            ));
        }
        Ok(vec![o.get("scenario").map(|v| builtin("scenario", v)).transpose()?.unwrap_or_else(|| "historical".into())])
    }
}

fn overrides(o: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let Some(v) = o.get("set") else { return Ok(Vec::new()) };
    let list = v.as_array().ok_or_else(|| ApiError::field("set", "expected a list of \"key=value\" strings"))?;
    list.iter()
        .enumerate()
        .map(|(i, x)| {
            let s = x.as_str().filter(|s| s.contains('=')).ok_or_else(|| {
                ApiError::field(format!("set[{i}]"), "expected \"key=value\" (see /api/params for the keys)")
            })?;
            if s.trim_start().starts_with("run.") {
                return Err(ApiError::field(format!("set[{i}]"), "run.* is set by the fields scale and seed"));
            }
            Ok(s.to_string())
        })
        .collect()
}

fn number(o: &Map<String, Value>, field: &str) -> Result<Option<f64>, ApiError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| ApiError::field(field, "expected a number")),
    }
}

fn whole(o: &Map<String, Value>, field: &str) -> Result<Option<u64>, ApiError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| ApiError::field(field, "expected a whole number, 0 or more")),
    }
}

/// A province code of the simulated provinces (or `CN`) in field `field`, which only a job of
/// kind `only` takes: the province whose commune a run follows (`detail`), or whose deaths an
/// attribution attributes (`region`).
fn province(o: &Map<String, Value>, field: &str, kind: &str, only: &str) -> Result<Option<String>, ApiError> {
    let Some(v) = o.get(field).filter(|v| !v.is_null()) else { return Ok(None) };
    if kind != only {
        return Err(ApiError::field(field, format!("only a job of kind {only} takes `{field}`")));
    }
    if field == "region" && v.as_str() == Some("CN") {
        return Ok(Some("CN".into()));
    }
    let codes: Vec<String> = leapsim_engine::data::provinces()
        .map_err(|e| ApiError::status(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e))?
        .into_iter()
        .map(|p| p.code)
        .collect();
    match v.as_str() {
        Some(c) if codes.iter().any(|x| x == c) => Ok(Some(c.to_string())),
        _ => Err(ApiError::field(field, format!("expected a province code: {}", codes.join(", ")))),
    }
}

/// The request field a scenario error is about: the `set` entry of its key, else the scenario.
fn error_field(e: &ScenarioError, set: &[String]) -> String {
    let Some(key) = &e.key else { return "scenario".into() };
    match set.iter().position(|kv| kv.split('=').next().map(str::trim) == Some(key.as_str())) {
        Some(i) => format!("set[{i}]"),
        None if key == "run.scale" => "scale".into(),
        None if key == "run.seed" => "seed".into(),
        None => "set".into(),
    }
}

/// Check the request body `body` against the server's limits `opts`.
pub fn parse(body: &[u8], opts: &Options) -> Result<JobSpec, ApiError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| ApiError::field("body", format!("not JSON: {e}")))?;
    let o = v.as_object().ok_or_else(|| ApiError::field("body", "expected a JSON object"))?;
    if let Some(k) = o.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::field(k.clone(), format!("unknown field; the fields are {}", FIELDS.join(", "))));
    }
    let kind = match o.get("kind") {
        None => "run",
        Some(k) => {
            let k = k.as_str().unwrap_or("");
            KINDS
                .iter()
                .find(|x| **x == k)
                .copied()
                .ok_or_else(|| ApiError::field("kind", format!("expected one of {}", KINDS.join(", "))))?
        }
    };
    let names = scenario_names(kind, o)?;
    let set = overrides(o)?;
    let scale = number(o, "scale")?;
    if let Some(x) = scale {
        if !(x > 0.0 && x <= opts.max_scale) {
            return Err(ApiError::field(
                "scale",
                format!("{x} is outside this server's range: above 0, at most {}", opts.max_scale),
            ));
        }
    }
    let seed = whole(o, "seed")?;
    let runs = whole(o, "runs")?.unwrap_or(if kind == "run" { 1 } else { 5 });
    if kind == "run" && runs != 1 {
        return Err(ApiError::field("runs", "a run has one seed; ask for an ensemble for more"));
    }
    if runs == 0 || runs > opts.max_runs {
        return Err(ApiError::field("runs", format!("{runs} runs: this server takes 1 to {}", opts.max_runs)));
    }
    let detail = province(o, "detail", kind, "run")?;
    let region = province(o, "region", kind, "attribute")?.filter(|r| r != "CN");
    let mut models = Vec::new();
    let mut resolved = Vec::new();
    for name in names {
        let mut m = ModelSpec { scenario: name, scale, seed, set: set.clone() };
        let probe = m.scenario().map_err(|e| ApiError::field(error_field(&e, &set), e.to_string()))?;
        if scale.is_none() {
            // The scenario's own scale, within the server's limit.
            m.scale = Some(probe.params.run.scale.min(opts.max_scale));
        }
        let s = m.scenario().map_err(|e| ApiError::field("scale", e.to_string()))?;
        models.push(m);
        resolved.push(s);
    }
    Ok(JobSpec { kind, models, runs, resolved, detail, region })
}
