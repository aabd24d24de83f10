//! Global sensitivity analysis: Morris elementary effects and Sobol indices.
//!
//! The mathematics only, on points of the unit cube `[0, 1]^k`: designs (which points to
//! evaluate) and estimators (what the values at those points say). Running the model at the
//! points is the caller's business, so everything here is tested on closed-form functions.
//!
//! Random numbers are counter-based: draw `i` of stream `s` under seed `seed` is a SplitMix64
//! hash of `(seed, s, i)`, so a design depends only on its seed and sizes, never on the order
//! or thread in which its points are evaluated. Sobol designs use these plain uniforms (Monte
//! Carlo, not a low-discrepancy sequence); their bootstrap intervals say how far to trust them.

/// Counter-based uniform numbers: `u64(stream, i)` depends only on the seed, the stream and `i`.
#[derive(Clone, Copy, Debug)]
pub struct Counter {
    seed: u64,
}

impl Counter {
    pub fn new(seed: u64) -> Counter {
        Counter { seed }
    }
    pub fn u64(&self, stream: u64, i: u64) -> u64 {
        leapsim_core::rng::mix(self.seed, &[stream, i])
    }
    /// Uniform in [0, 1), 53 bits.
    pub fn uniform(&self, stream: u64, i: u64) -> f64 {
        leapsim_core::rng::to_uniform(self.u64(stream, i))
    }
    /// Uniform integer in 0..n (n > 0), by rejection so that it is exactly uniform.
    pub fn below(&self, stream: u64, i: u64, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        let mut j = 0u64;
        loop {
            let x = self.u64(stream, i.wrapping_mul(0x1_0000).wrapping_add(j));
            if x < zone {
                return x % n;
            }
            j += 1;
        }
    }
}

// Streams of the designs (distinct so that no two uses share numbers).
const STREAM_MORRIS_LEVEL: u64 = 1;
const STREAM_MORRIS_DIRECTION: u64 = 2;
const STREAM_MORRIS_ORDER: u64 = 3;
const STREAM_SOBOL_A: u64 = 4;
const STREAM_SOBOL_B: u64 = 5;
const STREAM_BOOTSTRAP: u64 = 6;

/// A Morris design: `trajectories` one-at-a-time paths of `k + 1` points each on a grid of
/// `levels` levels in `[0, 1]^k`. Step `j` of a path moves one parameter by `±delta`.
#[derive(Clone, Debug)]
pub struct MorrisDesign {
    pub k: usize,
    pub trajectories: usize,
    pub levels: usize,
    /// Δ = p / (2 (p − 1)) for p levels.
    pub delta: f64,
    /// `trajectories * (k + 1)` points, path by path.
    pub points: Vec<Vec<f64>>,
}

impl MorrisDesign {
    /// Build `r` trajectories for `k` parameters on a `p`-level grid (`p` even, at least 2).
    ///
    /// Each path starts from a random grid point whose every coordinate can move by Δ and
    /// stay in [0, 1]: coordinate i starts on its lower or upper level (at random) and steps
    /// once, in a random order of the parameters, to the other.
    pub fn new(k: usize, r: usize, p: usize, seed: u64) -> Result<MorrisDesign, String> {
        if k == 0 {
            return Err("no parameters".into());
        }
        if p < 2 || p % 2 != 0 {
            return Err(format!("the number of levels must be even and at least 2, found {p}"));
        }
        if r < 2 {
            return Err(format!("at least 2 trajectories are needed for a spread, found {r}"));
        }
        let rng = Counter::new(seed);
        let delta = p as f64 / (2.0 * (p - 1) as f64);
        let half = (p / 2) as u64;
        let mut points = Vec::with_capacity(r * (k + 1));
        for t in 0..r {
            let id = |i: usize| (t * k + i) as u64;
            // Lower level l/(p-1), l in 0..p/2, so that l/(p-1) + delta <= 1.
            let low: Vec<f64> =
                (0..k).map(|i| rng.below(STREAM_MORRIS_LEVEL, id(i), half) as f64 / (p - 1) as f64).collect();
            let up: Vec<bool> = (0..k).map(|i| rng.below(STREAM_MORRIS_DIRECTION, id(i), 2) == 1).collect();
            // Fisher-Yates order of the steps.
            let mut order: Vec<usize> = (0..k).collect();
            for i in (1..k).rev() {
                let j = rng.below(STREAM_MORRIS_ORDER, id(i), i as u64 + 1) as usize;
                order.swap(i, j);
            }
            let mut x: Vec<f64> = (0..k).map(|i| if up[i] { low[i] } else { low[i] + delta }).collect();
            points.push(x.clone());
            for &i in &order {
                x[i] = if up[i] { low[i] + delta } else { low[i] };
                points.push(x.clone());
            }
        }
        Ok(MorrisDesign { k, trajectories: r, levels: p, delta, points })
    }
}

/// Morris statistics of one parameter for one outcome.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MorrisStat {
    /// Mean absolute elementary effect (the ranking measure).
    pub mu_star: f64,
    /// Mean elementary effect (signed: effects of both signs cancel).
    pub mu: f64,
    /// Standard deviation of the elementary effects (nonlinearity and interactions).
    pub sigma: f64,
}

/// Morris statistics from the outcome `y[n]` at each design point. Elementary effects are
/// `(y(x + Δ e_i) − y(x)) / Δ` in unit-cube terms; multiply by the parameter's range to get
/// them per unit of the parameter. σ is the sample standard deviation (r − 1 denominator).
pub fn morris(d: &MorrisDesign, y: &[f64]) -> Vec<MorrisStat> {
    assert_eq!(y.len(), d.points.len(), "one value per design point");
    let k = d.k;
    let mut effects = vec![Vec::with_capacity(d.trajectories); k];
    for t in 0..d.trajectories {
        let base = t * (k + 1);
        for j in 0..k {
            let (a, b) = (&d.points[base + j], &d.points[base + j + 1]);
            let i = (0..k).find(|&i| a[i] != b[i]).expect("each step moves one parameter");
            effects[i].push((y[base + j + 1] - y[base + j]) / (b[i] - a[i]));
        }
    }
    effects
        .iter()
        .map(|e| {
            let n = e.len() as f64;
            let mu = e.iter().sum::<f64>() / n;
            let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / n;
            let var = e.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0);
            MorrisStat { mu_star, mu, sigma: var.sqrt() }
        })
        .collect()
}

/// A Saltelli design for Sobol indices: base matrices A and B (`n` rows each, uniform on
/// `[0, 1]^k`) and, for each parameter i, AB_i (A with column i from B). Points are in the
/// order A, B, AB_1, ..., AB_k, `n` each: `n (k + 2)` in all.
#[derive(Clone, Debug)]
pub struct SaltelliDesign {
    pub k: usize,
    pub n: usize,
    pub points: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    pub fn new(k: usize, n: usize, seed: u64) -> Result<SaltelliDesign, String> {
        if k == 0 {
            return Err("no parameters".into());
        }
        if n < 2 {
            return Err(format!("at least 2 base samples are needed, found {n}"));
        }
        let rng = Counter::new(seed);
        let row =
            |stream: u64, j: usize| -> Vec<f64> { (0..k).map(|i| rng.uniform(stream, (j * k + i) as u64)).collect() };
        let a: Vec<Vec<f64>> = (0..n).map(|j| row(STREAM_SOBOL_A, j)).collect();
        let b: Vec<Vec<f64>> = (0..n).map(|j| row(STREAM_SOBOL_B, j)).collect();
        let mut points = Vec::with_capacity(n * (k + 2));
        points.extend(a.iter().cloned());
        points.extend(b.iter().cloned());
        for i in 0..k {
            for j in 0..n {
                let mut x = a[j].clone();
                x[i] = b[j][i];
                points.push(x);
            }
        }
        Ok(SaltelliDesign { k, n, points })
    }
}

/// Sobol indices of one parameter for one outcome, with 95% bootstrap half-widths.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SobolStat {
    /// First-order index: the share of the variance the parameter explains alone.
    pub s1: f64,
    pub s1_conf: f64,
    /// Total index: the share it explains alone and with every interaction.
    pub st: f64,
    pub st_conf: f64,
}

/// First-order (Saltelli 2010) and total (Jansen 1999) estimates for the base rows `rows`.
fn sobol_estimate(d: &SaltelliDesign, y: &[f64], rows: &[usize]) -> Vec<(f64, f64)> {
    let n = d.n;
    let m = rows.len() as f64;
    let (fa, fb) = (&y[..n], &y[n..2 * n]);
    // Variance of all A and B values of these rows.
    let mean = rows.iter().map(|&j| fa[j] + fb[j]).sum::<f64>() / (2.0 * m);
    let var = rows.iter().map(|&j| (fa[j] - mean).powi(2) + (fb[j] - mean).powi(2)).sum::<f64>() / (2.0 * m - 1.0);
    (0..d.k)
        .map(|i| {
            let fab = &y[(2 + i) * n..(3 + i) * n];
            if var <= 0.0 {
                return (0.0, 0.0);
            }
            let s1 = rows.iter().map(|&j| fb[j] * (fab[j] - fa[j])).sum::<f64>() / m / var;
            let st = rows.iter().map(|&j| (fa[j] - fab[j]).powi(2)).sum::<f64>() / (2.0 * m) / var;
            (s1, st)
        })
        .collect()
}

/// Sobol indices from the outcome `y[n]` at each design point, with `resamples` bootstrap
/// resamples of the base rows (counter-based, seeded) for the 95% half-widths
/// (1.96 × the bootstrap standard deviation); no intervals with `resamples` = 0.
pub fn sobol(d: &SaltelliDesign, y: &[f64], resamples: usize, seed: u64) -> Vec<SobolStat> {
    assert_eq!(y.len(), d.points.len(), "one value per design point");
    let all: Vec<usize> = (0..d.n).collect();
    let point = sobol_estimate(d, y, &all);
    let rng = Counter::new(seed);
    let boot: Vec<Vec<(f64, f64)>> = (0..resamples)
        .map(|b| {
            let rows: Vec<usize> =
                (0..d.n).map(|j| rng.below(STREAM_BOOTSTRAP, (b * d.n + j) as u64, d.n as u64) as usize).collect();
            sobol_estimate(d, y, &rows)
        })
        .collect();
    let sd = |v: &[f64]| {
        if v.len() < 2 {
            return 0.0;
        }
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    };
    point
        .iter()
        .enumerate()
        .map(|(i, &(s1, st))| {
            let b1: Vec<f64> = boot.iter().map(|b| b[i].0).collect();
            let bt: Vec<f64> = boot.iter().map(|b| b[i].1).collect();
            SobolStat { s1, s1_conf: 1.96 * sd(&b1), st, st_conf: 1.96 * sd(&bt) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// The Ishigami function on [-π, π]^3 from the unit cube.
    fn ishigami(u: &[f64]) -> f64 {
        let x: Vec<f64> = u.iter().map(|v| -PI + 2.0 * PI * v).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn counter_uniforms_are_uniform_and_keyed() {
        let c = Counter::new(7);
        assert_eq!(c.uniform(1, 5), Counter::new(7).uniform(1, 5));
        assert_ne!(c.uniform(1, 5), c.uniform(2, 5));
        assert_ne!(c.uniform(1, 5), Counter::new(8).uniform(1, 5));
        let n = 100_000;
        let mean = (0..n).map(|i| c.uniform(0, i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        let mut counts = [0usize; 6];
        for i in 0..60_000 {
            counts[c.below(3, i, 6) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (9_500..10_500).contains(&c)), "{counts:?}");
    }

    #[test]
    fn sobol_indices_of_ishigami_match_the_analytical_values() {
        // a = 7, b = 0.1: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
        let d = SaltelliDesign::new(3, 1 << 14, 42).unwrap();
        assert_eq!(d.points.len(), (1 << 14) * 5);
        let y: Vec<f64> = d.points.iter().map(|p| ishigami(p)).collect();
        let s = sobol(&d, &y, 50, 1);
        let (s1, st) = ([0.3139, 0.4424, 0.0], [0.5576, 0.4424, 0.2437]);
        for i in 0..3 {
            assert!((s[i].s1 - s1[i]).abs() < 0.05, "S1[{i}] = {} (analytical {})", s[i].s1, s1[i]);
            assert!((s[i].st - st[i]).abs() < 0.05, "ST[{i}] = {} (analytical {})", s[i].st, st[i]);
            assert!(s[i].s1_conf > 0.0 && s[i].s1_conf < 0.1 && s[i].st_conf < 0.1, "{:?}", s[i]);
        }
        // The same seed gives the same design; another seed another one.
        assert_eq!(SaltelliDesign::new(3, 8, 42).unwrap().points, SaltelliDesign::new(3, 8, 42).unwrap().points);
        assert_ne!(SaltelliDesign::new(3, 8, 42).unwrap().points, SaltelliDesign::new(3, 8, 43).unwrap().points);
    }

    #[test]
    fn morris_ranks_a_dummy_parameter_last() {
        // y = 10 x0 + x1^2 * 5 + x0 x2 * 3 + 0 x3: x3 is a dummy.
        let f = |x: &[f64]| 10.0 * x[0] + 5.0 * x[1] * x[1] + 3.0 * x[0] * x[2];
        let d = MorrisDesign::new(4, 20, 4, 9).unwrap();
        assert_eq!(d.points.len(), 20 * 5);
        assert!((d.delta - 2.0 / 3.0).abs() < 1e-12);
        // Every point lies in the cube on the grid, and each step moves one coordinate by delta.
        for t in 0..20 {
            for j in 0..4 {
                let (a, b) = (&d.points[t * 5 + j], &d.points[t * 5 + j + 1]);
                let moved: Vec<usize> = (0..4).filter(|&i| a[i] != b[i]).collect();
                assert_eq!(moved.len(), 1);
                assert!(((a[moved[0]] - b[moved[0]]).abs() - d.delta).abs() < 1e-12);
            }
        }
        assert!(d
            .points
            .iter()
            .flatten()
            .all(|&v| (0.0..=1.0).contains(&v) && (v * 3.0 - (v * 3.0).round()).abs() < 1e-9));
        let y: Vec<f64> = d.points.iter().map(|p| f(p)).collect();
        let m = morris(&d, &y);
        let mut rank: Vec<usize> = (0..4).collect();
        rank.sort_by(|&a, &b| m[b].mu_star.total_cmp(&m[a].mu_star));
        assert_eq!(rank[3], 3, "{m:?}");
        assert_eq!(m[3], MorrisStat { mu_star: 0.0, mu: 0.0, sigma: 0.0 });
        assert_eq!(rank[0], 0, "{m:?}");
        // x0's effect is 10 + 3 x2 (never negative), so mu = mu_star; x2's is 3 x0.
        assert!((m[0].mu - m[0].mu_star).abs() < 1e-12 && m[0].mu_star >= 10.0 && m[0].mu_star <= 13.0);
        assert!(m[2].mu_star > 0.0 && m[2].mu_star <= 3.0);
        // A linear function has constant effects: sigma 0, mu* the slope.
        let lin: Vec<f64> = d.points.iter().map(|p| 2.0 * p[1] - p[3]).collect();
        let m = morris(&d, &lin);
        assert!((m[1].mu_star - 2.0).abs() < 1e-9 && m[1].sigma < 1e-9);
        assert!((m[3].mu + 1.0).abs() < 1e-9 && (m[3].mu_star - 1.0).abs() < 1e-9);
        assert!(MorrisDesign::new(3, 10, 3, 1).is_err());
    }
}
