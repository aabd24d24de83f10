//! The manifest of every multi-run job: one typed schema, written as `manifest.json` beside the
//! job's data files, with the same keys whatever the job. What is particular to a job (its
//! design, outcomes, method, loss ...) goes in `job`.
//!
//! The single-run `manifest.json` of `leapsim run` is the run directory's own contract and is
//! written by `leapsim_engine::output`, not by this module.

use crate::store::scenario_fingerprint;
use leapsim_core::params::SPECS;
use leapsim_engine::scenario::Scenario;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The manifest of a multi-run job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// The command line (or the caller's description of the call).
    pub command: Vec<String>,
    pub leapsim_version: String,
    pub git_revision: String,
    pub scenario: ScenarioId,
    /// Every parameter of the resolved scenario, by key.
    pub params: BTreeMap<String, f64>,
    /// The parameters fixed for the whole job (`--set`, `--scale`, `--seed`), in order given.
    pub overrides: Vec<Override>,
    /// The seeds of the job's runs, in item order, each once.
    pub seeds: Vec<i64>,
    pub scale: f64,
    pub threads: usize,
    pub timings_seconds: Timings,
    pub items: Items,
    /// The process's peak resident memory, where the system reports it.
    pub peak_memory_bytes: Option<u64>,
    /// What is particular to the job.
    pub job: Value,
}

/// The scenario a job ran: its name, where it came from and a hash of everything that decides
/// its runs (every parameter, the timeline, the pinned parameters).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScenarioId {
    pub name: String,
    pub origin: String,
    pub hash: String,
}

/// A parameter fixed for the whole job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Override {
    pub key: String,
    pub value: f64,
}

/// Wall-clock seconds: the whole job, and any named parts of it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Timings {
    pub total: f64,
    #[serde(flatten)]
    pub parts: BTreeMap<String, f64>,
}

/// The job's work items: how many, and how many of them were found finished in the work store.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Items {
    pub total: usize,
    pub reused: usize,
}

impl ScenarioId {
    /// The identity of resolved scenario `s`.
    pub fn of(s: &Scenario) -> ScenarioId {
        ScenarioId { name: s.name.clone(), origin: s.origin.clone(), hash: scenario_hash(s) }
    }
}

/// A stable hash (FNV-1a, 64 bits, hexadecimal) of everything that decides `s`'s runs.
pub fn scenario_hash(s: &Scenario) -> String {
    let text = scenario_fingerprint(s).to_string();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Manifest {
    /// The manifest of a job on `scenario` whose runs used `seeds`; `items` and `total_seconds`
    /// from the run, `job` the job's own part. Version, revision, parameters, overrides, scale,
    /// threads and peak memory are filled in here.
    pub fn new(
        command: Vec<String>,
        scenario: &Scenario,
        seeds: Vec<i64>,
        items: Items,
        total_seconds: f64,
        job: Value,
    ) -> Manifest {
        Manifest {
            command,
            leapsim_version: leapsim_engine::VERSION.to_string(),
            git_revision: leapsim_engine::REVISION.to_string(),
            scenario: ScenarioId::of(scenario),
            params: SPECS.iter().filter_map(|p| Some((p.key.to_string(), scenario.params.get(p.key)?))).collect(),
            overrides: scenario.overrides.iter().map(|(k, v)| Override { key: k.clone(), value: *v }).collect(),
            seeds,
            scale: scenario.params.run.scale,
            threads: rayon::current_num_threads(),
            timings_seconds: Timings { total: total_seconds, parts: BTreeMap::new() },
            items,
            peak_memory_bytes: leapsim_engine::output::peak_memory_bytes(),
            job,
        }
    }

    /// As pretty JSON with a final newline, the bytes of `manifest.json`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec_pretty(self).expect("a manifest serialises");
        b.push(b'\n');
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_has_the_same_top_level_keys() {
        let mut s = leapsim_engine::scenario::load("historical").unwrap();
        s.apply_override("run.scale=0.001").unwrap();
        let m = Manifest::new(vec!["leapsim".into()], &s, vec![1, 2], Items { total: 2, reused: 1 }, 1.5, Value::Null);
        let v: Value = serde_json::from_slice(&m.to_json()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        for k in [
            "command",
            "leapsim_version",
            "git_revision",
            "scenario",
            "params",
            "overrides",
            "seeds",
            "scale",
            "threads",
            "timings_seconds",
            "items",
            "job",
        ] {
            assert!(keys.contains(&k), "{k} missing from {keys:?}");
        }
        assert_eq!(v["timings_seconds"]["total"], 1.5);
        assert_eq!(v["items"]["reused"], 1);
        assert_eq!(v["overrides"][0]["key"], "run.scale");
        assert_eq!(v["scenario"]["hash"].as_str().unwrap().len(), 16);
        // The hash follows the parameters.
        let h = scenario_hash(&s);
        s.apply_override("run.seed=7").unwrap();
        assert_ne!(scenario_hash(&s), h);
    }
}
