//! Attribution: how much of an outcome each cause explains, as Shapley values over switches.
//!
//! A cause is a switch that takes one mechanism out of the run (honest reports for
//! `reporting`, normal weather for `weather`, ...). For a set S of causes left on, v(S) is the
//! outcome with every other cause switched off. Cause i's Shapley value is the mean, over every
//! order in which causes could be switched on, of the change it makes when it arrives:
//! φ_i = Σ_{S ⊆ N∖{i}} |S|! (n−|S|−1)! / n! · (v(S ∪ {i}) − v(S)). The values add up exactly to
//! v(N) − v(∅), the historical outcome less the outcome with every cause off.
//!
//! Up to [`MAX_EXACT`] causes the values are exact, from all 2^n coalitions. Beyond that they are
//! estimated from a sample of orders (permutation sampling): each order's marginal
//! contributions add up exactly to v(N) − v(∅), so the estimates are efficient whatever the
//! sample, and the sampling error of each share is reported as a Monte Carlo standard error.

use crate::manifest::{Items, Manifest};
use crate::outcome::Outcome;
use crate::runner::{Runner, Stored};
use crate::sample::PosteriorSample;
use crate::store::{scenario_fingerprint, WorkStore};
use crate::{JobError, ModelSpec};
use leapsim_engine::run::RunResult;
use leapsim_engine::scenario::Scenario;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

/// A cause and the `--set` overrides that switch it off.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    pub name: &'static str,
    pub off: &'static [&'static str],
    /// What the cause is, and why switching it off removes it (one line).
    pub why: &'static str,
    /// Among the causes attributed when none are named.
    pub default: bool,
}

/// The causes `leapsim attribute` knows. The six defaults are switched off as their
/// counterfactual scenarios do; the others each pin one Great Leap parameter to its pre-Leap
/// value for the whole run.
pub const CAUSES: &[Cause] = &[
    Cause {
        name: "weather",
        off: &["production.weather=false"],
        why: "the disasters of 1959-1961 and the good weather of 1958 (normal-weather)",
        default: true,
    },
    Cause {
        name: "reporting",
        off: &["reporting.honest=true"],
        why: "inflated reports from every level of cadres (honest-reporting)",
        default: true,
    },
    Cause {
        name: "procurement",
        off: &["procurement.on_true_output=true"],
        why: "quotas levied on reported rather than true output (flexible-procurement)",
        default: true,
    },
    Cause {
        name: "exports",
        off: &["trade.exports_mt_per_year=0"],
        why: "grain exports from the state granary (no-exports)",
        default: true,
    },
    Cause {
        name: "furnaces",
        off: &["labour.steel_campaign=0"],
        why: "labour and farm tools taken by the backyard steel campaign (no-furnaces)",
        default: true,
    },
    Cause {
        name: "mess-halls",
        off: &["food.mess_halls=false"],
        why: "communal mess halls eating on reports and ending home cooking (no-mess-halls)",
        default: true,
    },
    Cause {
        name: "water-works",
        off: &["labour.irrigation_campaign=0"],
        why: "labour drawn to the winter water-conservancy campaigns from 1957-58 (none before)",
        default: false,
    },
    Cause {
        name: "targets",
        off: &["planning.planned_grain_growth=0.04"],
        why: "the Leap's planned growth (70% for 1958, 40% for 1959) instead of the first Plan's 4%",
        default: false,
    },
    Cause {
        name: "sown-area",
        off: &["planning.area_cut=0"],
        why: "grain land left unsown because the centre believed in a surplus",
        default: false,
    },
    Cause {
        name: "enforcement",
        off: &["procurement.enforcement=0"],
        why: "anti-concealment drives taking grain below the retention floor under the climate",
        default: false,
    },
    Cause {
        name: "relief-denial",
        off: &["food.relief_denial=0"],
        why: "resales to hungry villages withheld under the climate (hunger denied as slander)",
        default: false,
    },
    Cause {
        name: "pooling",
        off: &["labour.accounting_level=1"],
        why: "output and food pooled above the team (commune, then brigade): free riding, and with a free supply grain shared per head",
        default: false,
    },
    Cause {
        name: "zeal",
        off: &["politics.pacesetter_zeal=0", "politics.alternate_member_zeal=0"],
        why: "the extra zeal of the pacesetter province and of career-seeking provincial leaders",
        default: false,
    },
];

/// Exact Shapley values are computed up to this many causes (2^n runs per seed); beyond it,
/// orders are sampled.
pub const MAX_EXACT: usize = 8;

/// Orders sampled when there are more than [`MAX_EXACT`] causes and no number is given.
pub const DEFAULT_PERMUTATIONS: usize = 32;

/// The default causes.
pub fn default_causes() -> Vec<Cause> {
    CAUSES.iter().filter(|c| c.default).cloned().collect()
}

/// Look up causes by name; the error names the unknown one and the known ones.
pub fn causes(names: &[String]) -> Result<Vec<Cause>, String> {
    names
        .iter()
        .map(|n| {
            CAUSES.iter().find(|c| c.name == n.trim()).cloned().ok_or_else(|| {
                format!(
                    "unknown cause `{n}`; expected some of {}",
                    CAUSES.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|cs| {
            for (i, c) in cs.iter().enumerate() {
                if cs[..i].contains(c) {
                    return Err(format!("cause `{}` is named twice", c.name));
                }
            }
            if cs.is_empty() {
                return Err("no causes named".into());
            }
            Ok(cs)
        })
}

/// The scenario with only the causes in `on` (a bit mask over `causes`) left on.
pub fn coalition(base: &Scenario, causes: &[Cause], on: u32) -> Scenario {
    let mut s = base.clone();
    for (i, c) in causes.iter().enumerate() {
        if on & (1 << i) == 0 {
            for kv in c.off {
                s.apply_override(kv).expect("cause switches are valid overrides");
            }
        }
    }
    s
}

/// Exact Shapley values of `n` players (up to 16) from the value of every coalition,
/// `values[mask]` with bit i set when player i is in the coalition.
pub fn shapley(n: usize, values: &[f64]) -> Vec<f64> {
    assert!(n <= 16 && values.len() == 1 << n, "need the value of all 2^n coalitions");
    let fact: Vec<f64> = (0..=n)
        .scan(1.0, |f, k| {
            let out = *f;
            *f *= (k + 1) as f64;
            Some(out)
        })
        .collect();
    let mut phi = vec![0.0; n];
    for (i, p) in phi.iter_mut().enumerate() {
        for s in 0..(1u32 << n) {
            if s & (1 << i) != 0 {
                continue;
            }
            let k = s.count_ones() as usize;
            let w = fact[k] * fact[n - k - 1] / fact[n];
            *p += w * (values[(s | (1 << i)) as usize] - values[s as usize]);
        }
    }
    phi
}

/// SplitMix64: a small, fixed generator for sampling orders (reproducible from a seed).
struct SplitMix(leapsim_core::rng::SplitMix64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in 0..n.
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }
}

fn factorial(n: usize) -> Option<usize> {
    (1..=n).try_fold(1usize, |f, k| f.checked_mul(k))
}

/// Orders of `n` players: all n! of them, in lexicographic order, when there are no more than
/// `m`; otherwise `m` orders drawn uniformly (Fisher-Yates) from a generator seeded by `seed`.
pub fn orders(n: usize, m: usize, seed: u64) -> Vec<Vec<usize>> {
    if factorial(n).is_some_and(|f| f <= m) {
        let mut all = Vec::new();
        let mut p: Vec<usize> = (0..n).collect();
        loop {
            all.push(p.clone());
            // Next permutation in lexicographic order.
            let Some(i) = (1..n).rev().find(|&i| p[i - 1] < p[i]) else { break };
            let j = (i..n).rev().find(|&j| p[j] > p[i - 1]).unwrap();
            p.swap(i - 1, j);
            p[i..].reverse();
        }
        return all;
    }
    let mut g = SplitMix(leapsim_core::rng::SplitMix64(seed ^ 0x5348_4150_4C45_5900));
    (0..m)
        .map(|_| {
            let mut p: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                p.swap(i, g.below(i + 1));
            }
            p
        })
        .collect()
}

/// The coalitions (bit masks) that the orders visit: every prefix of every order, from the
/// empty coalition to the grand one, each once, in ascending order.
pub fn visited(orders: &[Vec<usize>]) -> Vec<u32> {
    let mut masks = std::collections::BTreeSet::new();
    for o in orders {
        let mut s = 0u32;
        masks.insert(s);
        for &i in o {
            s |= 1 << i;
            masks.insert(s);
        }
    }
    masks.into_iter().collect()
}

/// Each order's marginal contributions, `out[order][player]`: what the player adds when it
/// joins the players before it. Each row adds up to v(N) − v(∅) (the sum telescopes); the
/// Shapley estimate is the mean of the rows.
pub fn contributions(n: usize, orders: &[Vec<usize>], value: &dyn Fn(u32) -> f64) -> Vec<Vec<f64>> {
    orders
        .iter()
        .map(|o| {
            let mut row = vec![0.0; n];
            let mut s = 0u32;
            let mut before = value(s);
            for &i in o {
                s |= 1 << i;
                let after = value(s);
                row[i] = after - before;
                before = after;
            }
            row
        })
        .collect()
}

/// Shapley values estimated from sampled orders, with their Monte Carlo standard errors
/// (zero when `orders` holds every permutation, since the estimate is then exact).
pub fn shapley_sampled(n: usize, orders: &[Vec<usize>], value: &dyn Fn(u32) -> f64) -> (Vec<f64>, Vec<f64>) {
    let rows = contributions(n, orders, value);
    let exhaustive = factorial(n) == Some(orders.len());
    let phi: Vec<f64> = (0..n).map(|i| rows.iter().map(|r| r[i]).sum::<f64>() / rows.len() as f64).collect();
    let se = (0..n).map(|i| if exhaustive { 0.0 } else { standard_error(rows.iter().map(|r| r[i]), phi[i]) }).collect();
    (phi, se)
}

fn standard_error(x: impl ExactSizeIterator<Item = f64>, mean: f64) -> f64 {
    let m = x.len() as f64;
    if m < 2.0 {
        return f64::NAN;
    }
    let ss: f64 = x.map(|v| (v - mean) * (v - mean)).sum();
    (ss / (m - 1.0)).sqrt() / m.sqrt()
}

/// How the Shapley values are computed.
#[derive(Clone, Debug, PartialEq)]
pub enum Method {
    /// All 2^n coalitions.
    Exact,
    /// The coalitions these orders visit (the same orders for every seed).
    Sampled(Vec<Vec<usize>>),
}

impl Method {
    /// Exact up to [`MAX_EXACT`] causes unless a number of orders is asked for; sampled orders
    /// otherwise (seeded by `seed`).
    pub fn choose(n: usize, permutations: Option<usize>, seed: u64) -> Method {
        match permutations {
            None if n <= MAX_EXACT => Method::Exact,
            m => Method::Sampled(orders(n, m.unwrap_or(DEFAULT_PERMUTATIONS), seed)),
        }
    }

    /// The coalitions to run for each seed.
    pub fn coalitions(&self, n: usize) -> Vec<u32> {
        match self {
            Method::Exact => (0..1u32 << n).collect(),
            Method::Sampled(o) => visited(o),
        }
    }
}

/// Shapley shares of several outcomes, for every seed.
#[derive(Clone, Debug)]
pub struct Attribution {
    pub causes: Vec<Cause>,
    /// The outcomes attributed, each in its region.
    pub targets: Vec<Outcome>,
    pub seeds: Vec<i64>,
    pub method: Method,
    /// Coalitions run per seed.
    pub coalitions: Vec<u32>,
    /// `shares[t][k][i]`: cause `i`'s share of target `t` with seed `k`.
    pub shares: Vec<Vec<Vec<f64>>>,
    /// `totals[t][k]`: v(N) − v(∅), the historical outcome less the outcome with every cause off.
    pub totals: Vec<Vec<f64>>,
    /// `mc_se[t][i]`: Monte Carlo standard error of cause `i`'s share of target `t`, averaged
    /// over seeds, from the sample of orders (zero when exact).
    pub mc_se: Vec<Vec<f64>>,
}

/// The work items of seeds `seeds` and coalitions `masks`: seed k's coalitions are items
/// `k * masks.len() .. (k + 1) * masks.len()`.
pub fn coalition_items(base: &Scenario, causes: &[Cause], masks: &[u32], seeds: &[i64]) -> Vec<Scenario> {
    seeds
        .iter()
        .flat_map(|&seed| {
            masks.iter().map(move |&mask| {
                let mut s = coalition(base, causes, mask);
                s.params.run.seed = seed;
                s
            })
        })
        .collect()
}

/// Each cause's share of every target from `values[item][target]`, the items as
/// [`coalition_items`] lists them.
pub fn shares_of(
    causes: &[Cause],
    targets: &[Outcome],
    seeds: Vec<i64>,
    method: Method,
    masks: Vec<u32>,
    values: &[Vec<f64>],
) -> Attribution {
    let n = causes.len();
    let index: BTreeMap<u32, usize> = masks.iter().enumerate().map(|(j, &m)| (m, j)).collect();
    let grand = (1u32 << n) - 1;
    let mut shares = vec![Vec::with_capacity(seeds.len()); targets.len()];
    let mut totals = vec![Vec::with_capacity(seeds.len()); targets.len()];
    // Per target: each order's contributions, summed over seeds (for the Monte Carlo error).
    let mut rows_sum: Vec<Vec<Vec<f64>>> = Vec::new();
    for per_seed in values.chunks(masks.len()) {
        for (t, (sh, tot)) in shares.iter_mut().zip(totals.iter_mut()).enumerate() {
            let v = |mask: u32| per_seed[index[&mask]][t];
            tot.push(v(grand) - v(0));
            match &method {
                Method::Exact => sh.push(shapley(n, &(0..=grand).map(v).collect::<Vec<_>>())),
                Method::Sampled(orders) => {
                    let rows = contributions(n, orders, &v);
                    sh.push((0..n).map(|i| rows.iter().map(|r| r[i]).sum::<f64>() / rows.len() as f64).collect());
                    if rows_sum.len() <= t {
                        rows_sum.push(vec![vec![0.0; n]; rows.len()]);
                    }
                    for (acc, r) in rows_sum[t].iter_mut().zip(&rows) {
                        for (a, x) in acc.iter_mut().zip(r) {
                            *a += x;
                        }
                    }
                }
            }
        }
    }
    let mc_se = match &method {
        Method::Sampled(orders) if factorial(n) != Some(orders.len()) => rows_sum
            .iter()
            .map(|rows| {
                let k = seeds.len() as f64;
                (0..n)
                    .map(|i| {
                        let mean = rows.iter().map(|r| r[i] / k).sum::<f64>() / rows.len() as f64;
                        standard_error(rows.iter().map(|r| r[i] / k), mean)
                    })
                    .collect()
            })
            .collect(),
        _ => vec![vec![0.0; n]; targets.len()],
    };
    Attribution {
        causes: causes.to_vec(),
        targets: targets.to_vec(),
        seeds,
        method,
        coalitions: masks,
        shares,
        totals,
        mc_se,
    }
}

// ---------------------------------------------------------------------------------------------
// The job: every coalition with every seed, one stored work item each (`--resume`).

/// What to attribute: the model, the causes, the outcomes, how many seeds.
#[derive(Clone, Debug)]
pub struct AttributeRequest {
    pub model: ModelSpec,
    /// Cause names (empty: [`default_causes`]).
    pub causes: Vec<String>,
    /// Seeds per coalition (seed, seed+1, ...): common random numbers across coalitions.
    pub runs: u64,
    /// Outcomes (SERIES:YEARS[:AGG][@REGION]; empty: `excess_deaths:1959-1961`).
    pub outcomes: Vec<String>,
    /// Also attribute every outcome in every province.
    pub by_province: bool,
    /// Sample this many orders of the causes instead of running every coalition.
    pub permutations: Option<usize>,
    /// Output directory (default: `out/attribution`); the work store is beside it.
    pub out: Option<PathBuf>,
    pub resume: bool,
    /// Draw each seed's parameters from this posterior sample, the same particle for every
    /// coalition of a seed (`--posterior`), so the shares' intervals carry parameter
    /// uncertainty.
    pub posterior: Option<PosteriorSample>,
    /// The command line, for the manifest.
    pub command: Vec<String>,
}

/// What the attribution gives.
pub struct AttributeResult {
    pub out: PathBuf,
    pub scenario: String,
    pub scale: f64,
    /// The outcomes asked for, each in its own region (the first targets of `attribution`).
    pub outcomes: Vec<Outcome>,
    pub by_province: bool,
    pub attribution: Attribution,
    /// Runs made now, and found finished in the work store.
    pub items: Items,
    pub manifest: Manifest,
    pub work: WorkStore,
}

/// The causes, the outcomes asked for and the targets (the outcomes in every region asked).
type CausesAndTargets = (Vec<Cause>, Vec<Outcome>, Vec<Outcome>);

/// The causes and the targets of `req`, checked: each outcome in its own region, then (with
/// `by_province`) in every other one.
fn causes_and_targets(req: &AttributeRequest, base: &Scenario) -> Result<CausesAndTargets, JobError> {
    let cs = if req.causes.is_empty() { default_causes() } else { causes(&req.causes).map_err(JobError::Input)? };
    if cs.len() > 16 {
        return Err(JobError::Input(format!("at most 16 causes (given {})", cs.len())));
    }
    if req.runs == 0 {
        return Err(JobError::Input("--runs: expected at least 1".into()));
    }
    if req.permutations == Some(0) {
        return Err(JobError::Input("--permutations: expected at least 1".into()));
    }
    let texts =
        if req.outcomes.is_empty() { vec!["excess_deaths:1959-1961".to_string()] } else { req.outcomes.clone() };
    let outcomes = Outcome::parse_all(&texts).map_err(JobError::Input)?;
    for o in &outcomes {
        o.check(base).map_err(JobError::Input)?;
    }
    let provinces: Vec<String> = if req.by_province {
        leapsim_engine::data::provinces().map_err(JobError::Input)?.into_iter().map(|p| p.code).collect()
    } else {
        Vec::new()
    };
    let mut targets = outcomes.clone();
    for o in &outcomes {
        for r in std::iter::once("CN").chain(provinces.iter().map(String::as_str)) {
            if r != o.region {
                targets.push(o.in_region(r));
            }
        }
    }
    Ok((cs, outcomes, targets))
}

/// The job's part of the manifest: causes, method, Monte Carlo errors.
fn job_manifest(at: &Attribution, posterior: Option<&PosteriorSample>) -> Value {
    json!({
        "runs": at.seeds.len(),
        "posterior": posterior.map(PosteriorSample::describe),
        "intervals": crate::sample::intervals(posterior, "every coalition of a run draws the same particle"),
        "causes": at.causes.iter().map(|c| json!({ "name": c.name, "off": c.off, "why": c.why })).collect::<Vec<_>>(),
        "method": match &at.method {
            Method::Exact => json!({ "exact": true, "coalitions": at.coalitions.len() }),
            Method::Sampled(o) => json!({
                "exact": false,
                "orders": o.iter().map(|p| p.iter().map(|&i| at.causes[i].name).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "coalitions": at.coalitions.len(),
            }),
        },
        "monte_carlo_se": at.targets.iter().enumerate().map(|(t, target)| json!({
            "outcome": target.name(),
            "se": at.causes.iter().enumerate().map(|(i, c)| (c.name.to_string(), json!(at.mc_se[t][i]))).collect::<serde_json::Map<_, _>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Attribute `req`'s outcomes to its causes through `runner`: every coalition with every seed
/// is a work item, stored in the work store beside the output directory as it finishes.
pub fn attribute(req: &AttributeRequest, runner: &Runner) -> Result<AttributeResult, JobError> {
    let started = Instant::now();
    let base = req.model.resolve()?;
    let (cs, outcomes, targets) = causes_and_targets(req, &base)?;
    let n = cs.len();
    let method = Method::choose(n, req.permutations, base.params.run.seed as u64);
    let masks = method.coalitions(n);
    let seeds: Vec<i64> = (0..req.runs as i64).map(|k| base.params.run.seed + k).collect();
    let mut items = coalition_items(&base, &cs, &masks, &seeds);
    if let Some(p) = &req.posterior {
        p.check_free(&base, &req.model.set).map_err(JobError::Input)?;
        for (i, item) in items.iter_mut().enumerate() {
            let own = coalition(&base, &cs, masks[i % masks.len()]);
            p.apply_drawn(item, &own, &base, base.params.run.seed, (i / masks.len()) as u64);
        }
    }
    let keys: Vec<String> =
        seeds.iter().flat_map(|s| masks.iter().map(move |m| format!("seed-{s}-coalition-{m}"))).collect();
    let out = req.out.clone().unwrap_or_else(|| PathBuf::from("out").join("attribution"));
    // `runs` is not part of the fingerprint: the keys name the seeds.
    let fingerprint = json!({
        "command": "attribute",
        "scenario": scenario_fingerprint(&base),
        "causes": cs.iter().map(|c| c.name).collect::<Vec<_>>(),
        "targets": targets.iter().map(Outcome::name).collect::<Vec<_>>(),
        "orders": match &method { Method::Exact => json!("exact"), Method::Sampled(o) => json!(o) },
        "posterior": req.posterior.as_ref().map(PosteriorSample::fingerprint),
    });
    let store = WorkStore::open_tagged(&out, &fingerprint, req.resume)?;
    let reused = Stored { store: &store, keys: &keys }.reusable::<Result<Vec<f64>, String>>();
    let reduce =
        |_: usize, r: RunResult| -> Result<Vec<f64>, String> { targets.iter().map(|t| t.eval(&r.tables)).collect() };
    let values = runner.run(&items, Some(Stored { store: &store, keys: &keys }), &reduce)?;
    let values: Vec<Vec<f64>> = values.into_iter().collect::<Result<_, _>>().map_err(JobError::Input)?;
    let at = shares_of(&cs, &targets, seeds.clone(), method, masks, &values);
    let items_done = Items { total: keys.len(), reused };
    let manifest = Manifest::new(
        req.command.clone(),
        &base,
        seeds,
        items_done,
        started.elapsed().as_secs_f64(),
        job_manifest(&at, req.posterior.as_ref()),
    );
    Ok(AttributeResult {
        out,
        scenario: base.name.clone(),
        scale: base.params.run.scale,
        outcomes,
        by_province: req.by_province,
        attribution: at,
        items: items_done,
        manifest,
        work: store,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use leapsim_engine::run::RunError;
    use std::sync::atomic::AtomicBool;

    /// Run the coalitions of `causes` for seeds `base.seed .. + runs - 1` in one batch (common random
    /// numbers: every coalition gets the same seeds) and compute each cause's share of every target.
    /// Targets should be checked first ([`Outcome::check`]). The job without a work store.
    pub fn attribute_batch(
        base: &Scenario,
        causes: &[Cause],
        targets: &[Outcome],
        runs: u64,
        method: Method,
        progress: &(dyn Fn(usize, usize) + Sync),
        cancel: &AtomicBool,
    ) -> Result<Attribution, RunError> {
        let n = causes.len();
        assert!((1..=16).contains(&n) && runs >= 1);
        let masks = method.coalitions(n);
        let seeds: Vec<i64> = (0..runs as i64).map(|k| base.params.run.seed + k).collect();
        let items = coalition_items(base, causes, &masks, &seeds);
        let report = |p: crate::runner::Progress| {
            if p.done > 0 {
                progress(p.done, p.total)
            }
        };
        let values = crate::runner::Runner::new(cancel, &report)
            .run_all(&items, &|_, r| targets.iter().map(|t| t.eval(&r.tables)).collect::<Result<Vec<f64>, String>>())?
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(RunError::Inputs)?;
        Ok(shares_of(causes, targets, seeds, method, masks, &values))
    }

    #[test]
    fn additive_plus_one_interaction_is_recovered_exactly() {
        // v(S) = Σ a_i over S, plus b when players 0 and 2 are both in: the interaction is split
        // equally between them.
        let a = [3.0, -1.0, 5.0, 0.5];
        let b = 4.0;
        let values: Vec<f64> = (0..16u32)
            .map(|s| {
                (0..4).filter(|i| s & (1 << i) != 0).map(|i| a[i]).sum::<f64>()
                    + if s & 0b101 == 0b101 { b } else { 0.0 }
            })
            .collect();
        let phi = shapley(4, &values);
        let expect = [a[0] + b / 2.0, a[1], a[2] + b / 2.0, a[3]];
        for (p, e) in phi.iter().zip(expect) {
            assert!((p - e).abs() < 1e-12, "{phi:?}");
        }
    }

    #[test]
    fn shares_add_up_to_the_total_effect() {
        // Any game: efficiency holds to rounding.
        let values: Vec<f64> = (0..64u32).map(|s| (s.wrapping_mul(2_654_435_761) % 1000) as f64 / 7.0).collect();
        let phi = shapley(6, &values);
        assert!((phi.iter().sum::<f64>() - (values[63] - values[0])).abs() < 1e-9);
    }

    #[test]
    fn causes_are_checked_and_switch_their_mechanism_off() {
        assert!(causes(&["weather".into(), "nope".into()]).unwrap_err().contains("weather, reporting"));
        let base = leapsim_engine::scenario::load("historical").unwrap();
        let cs = causes(&["reporting".into(), "mess-halls".into()]).unwrap();
        let none = coalition(&base, &cs, 0);
        assert!(none.params.reporting.honest && !none.params.food.mess_halls);
        let all = coalition(&base, &cs, 0b11);
        assert!(!all.params.reporting.honest);
        let only_reporting = coalition(&base, &cs, 0b01);
        assert!(!only_reporting.params.reporting.honest && !only_reporting.params.food.mess_halls);
        assert!(only_reporting.overrides.iter().any(|(k, _)| k == "food.mess_halls"));
    }

    fn toy(n: usize) -> Vec<f64> {
        // A game with an additive part and every kind of interaction: a pseudo-random value for
        // every coalition.
        (0..1u32 << n).map(|s| (s.wrapping_mul(2_654_435_761) % 1000) as f64 / 7.0 + s.count_ones() as f64).collect()
    }

    #[test]
    fn every_order_recovers_the_exact_values() {
        // Additive plus one pairwise interaction, and a pseudo-random game.
        let a = [3.0, -1.0, 5.0, 0.5];
        let additive: Vec<f64> = (0..16u32)
            .map(|s| {
                (0..4).filter(|i| s & (1 << i) != 0).map(|i| a[i]).sum::<f64>()
                    + if s & 0b101 == 0b101 { 4.0 } else { 0.0 }
            })
            .collect();
        for values in [additive, toy(4)] {
            let all = orders(4, 24, 1);
            assert_eq!(all.len(), 24);
            let distinct: std::collections::BTreeSet<_> = all.iter().collect();
            assert_eq!(distinct.len(), 24);
            let (phi, se) = shapley_sampled(4, &all, &|m| values[m as usize]);
            for (p, e) in phi.iter().zip(shapley(4, &values)) {
                assert!((p - e).abs() < 1e-12, "{phi:?}");
            }
            assert_eq!(se, vec![0.0; 4]);
        }
    }

    #[test]
    fn sampled_orders_are_exactly_efficient_and_converge_to_the_exact_values() {
        let n = 10;
        let values = toy(n);
        let total = values[(1 << n) - 1] - values[0];
        let few = orders(n, 7, 3);
        assert_eq!(few.len(), 7);
        for row in contributions(n, &few, &|m| values[m as usize]) {
            assert!((row.iter().sum::<f64>() - total).abs() < 1e-9);
        }
        let (phi, _) = shapley_sampled(n, &few, &|m| values[m as usize]);
        assert!((phi.iter().sum::<f64>() - total).abs() < 1e-9);
        // Only the visited coalitions are needed: the empty and grand ones and each order's
        // prefixes, each once.
        let masks = visited(&few);
        assert!(masks.len() <= 7 * (n - 1) + 2 && masks.contains(&0) && masks.contains(&((1 << n) - 1)));
        // With many orders the estimates fall within a few standard errors of the exact values.
        let exact = shapley(n, &values);
        let (phi, se) = shapley_sampled(n, &orders(n, 20_000, 5), &|m| values[m as usize]);
        for i in 0..n {
            assert!(
                se[i] > 0.0 && (phi[i] - exact[i]).abs() < 4.0 * se[i],
                "{i}: {} vs {} (se {})",
                phi[i],
                exact[i],
                se[i]
            );
        }
        assert!(se.iter().all(|s| *s < 3.0), "{se:?}");
    }

    #[test]
    fn exact_up_to_eight_causes_unless_orders_are_asked_for() {
        assert_eq!(Method::choose(6, None, 1), Method::Exact);
        assert_eq!(Method::choose(8, None, 1).coalitions(8).len(), 256);
        let Method::Sampled(o) = Method::choose(9, None, 1) else { panic!("nine causes are sampled") };
        assert_eq!(o.len(), DEFAULT_PERMUTATIONS);
        assert_eq!(Method::choose(9, None, 1), Method::choose(9, None, 1), "the same orders for the same seed");
        let Method::Sampled(o) = Method::choose(3, Some(10), 1) else { panic!() };
        assert_eq!(o.len(), 6, "every order of three causes");
    }

    #[test]
    fn every_cause_is_a_valid_switch_that_changes_the_historical_scenario() {
        let base = leapsim_engine::scenario::load("historical").unwrap();
        assert_eq!(default_causes().len(), 6);
        for c in CAUSES {
            let off = coalition(&base, std::slice::from_ref(c), 0);
            let changed = c.off.iter().any(|kv| {
                let key = kv.split('=').next().unwrap();
                off.params.get(key) != base.params.get(key)
                    || base.timeline.iter().any(|e| format!("{:?}", e.action).contains(key))
            });
            assert!(changed, "{} switches nothing off", c.name);
            assert!(!c.why.is_empty());
        }
        assert!(causes(&["weather".into(), "weather".into()]).unwrap_err().contains("twice"));
    }

    #[test]
    fn shares_add_up_to_the_total_for_every_seed_and_region() {
        let mut base = leapsim_engine::scenario::load("historical").unwrap();
        base.apply_override("run.scale=0.0005").unwrap();
        base.apply_override("run.end_year=1961").unwrap();
        let mut targets = vec![Outcome::parse("excess_deaths:1959-1961").unwrap()];
        for p in leapsim_engine::data::provinces().unwrap() {
            targets.push(targets[0].in_region(&p.code));
        }
        let check = |a: &Attribution| {
            for (t, target) in a.targets.iter().enumerate() {
                for k in 0..a.seeds.len() {
                    let sum: f64 = a.shares[t][k].iter().sum();
                    let total = a.totals[t][k];
                    assert!(
                        (sum - total).abs() <= 1e-9 * total.abs().max(1.0),
                        "{} seed {k}: {sum} vs {total}",
                        target.name()
                    );
                }
            }
        };
        let cs = causes(&["reporting".into(), "mess-halls".into()]).unwrap();
        let none = AtomicBool::new(false);
        let exact = attribute_batch(&base, &cs, &targets, 2, Method::Exact, &|_, _| {}, &none).unwrap();
        assert_eq!(exact.seeds.len(), 2);
        assert_eq!(exact.coalitions.len(), 4);
        assert!(exact.totals[0][0] > 0.0 && exact.totals[0][0] != exact.totals[0][1]);
        check(&exact);
        let cs = causes(&["reporting".into(), "mess-halls".into(), "weather".into()]).unwrap();
        let sampled =
            attribute_batch(&base, &cs, &targets, 1, Method::Sampled(orders(3, 2, 9)), &|_, _| {}, &none).unwrap();
        assert!(sampled.coalitions.len() < 8);
        check(&sampled);
    }
}
