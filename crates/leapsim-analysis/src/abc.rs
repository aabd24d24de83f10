//! Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC), in the scheme of
//! Del Moral, Doucet & Jasra (2012, *Stat. Comput.* 22: 1009–1020), which keeps the particles'
//! weights even: the first generation is drawn from the prior; each later one takes as its
//! tolerance a quantile of the last one's distances, keeps the particles within it, resamples
//! them back to a full population, and moves each by `moves` Metropolis–Hastings steps that keep
//! the tolerance — a Gaussian random walk in the logit of each coordinate of the cube, with the
//! population's covariance there scaled by 2.38² / d (Roberts, Gelman & Gilks 1997, *Ann. Appl.
//! Probab.* 7: 110–120), accepted when the new point's distance is within the tolerance and by
//! the ratio of the priors times the change of variable's Jacobian, Π x(1 − x). In the logit
//! no move leaves the bounds. (The importance weights of Toni et al. 2009 and
//! Beaumont et al. 2009 degenerated in the model's nineteen dimensions of the time: an effective
//! sample of one or two particles after eight generations.)
//!
//! The algorithm works in the unit cube of the parameters' bounds, under a prior that is
//! uniform, a normal cut to the bounds or a log-uniform in each parameter, and knows nothing of
//! the model: `eval` takes a batch of points and returns their distances from the data. Every
//! random draw comes from a counter-based stream keyed by (seed, generation, particle, purpose),
//! and a generation's moves are evaluated in one batch, so the result does not depend on how
//! the batch is run.

use crate::calibrate::BatchEval;
use leapsim_core::rng::uniform;

/// How the sampler runs.
#[derive(Clone, Debug, PartialEq)]
pub struct AbcOptions {
    /// Particles per generation (and moves per generation).
    pub particles: usize,
    /// Generations at most (the first drawn from the prior).
    pub generations: usize,
    /// Each tolerance is this quantile of the previous generation's distances.
    pub quantile: f64,
    /// Stop when a generation accepts fewer than this share of its moves.
    pub min_acceptance: f64,
    /// Metropolis–Hastings steps per particle and generation: more keep the sample from
    /// collapsing onto the descendants of a few particles when few moves are accepted.
    pub moves: usize,
    /// Stop before evaluating more than this many points in all.
    pub max_evals: usize,
    /// Seed of the sampler's own draws.
    pub seed: u64,
}

/// A parameter's prior on its side of the unit cube.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Prior {
    /// Uniform within the bounds.
    Uniform,
    /// Normal with this mean and standard deviation (in the cube's units), cut to the bounds.
    Normal { mean: f64, sd: f64 },
    /// Log-uniform in the distance from one bound (the upper if `from_upper`, else the lower),
    /// down to `floor` (in the cube's units); distances below it are alike, so uniform there.
    /// For a quantity known only to its order of magnitude, such as a share that may be a
    /// thousandth or a half.
    LogUniform { from_upper: bool, floor: f64 },
}

impl Prior {
    /// The density at `x` in [0, 1], up to a constant factor.
    pub fn density(&self, x: f64) -> f64 {
        match *self {
            Prior::Uniform => 1.0,
            Prior::Normal { mean, sd } => (-0.5 * ((x - mean) / sd).powi(2)).exp(),
            Prior::LogUniform { from_upper, floor } => 1.0 / (if from_upper { 1.0 - x } else { x }).max(floor),
        }
    }

    /// The point of the cube at which the prior's distribution function is `u` (in [0, 1]).
    fn quantile(&self, u: f64) -> Option<f64> {
        match *self {
            Prior::LogUniform { from_upper, floor } => {
                // The density 1 / max(y, floor) has mass 1 below the floor and ln(1 / floor) above.
                let t = u * (1.0 - floor.ln());
                let y = if t < 1.0 { t * floor } else { floor * (t - 1.0).exp() };
                Some(if from_upper { 1.0 - y } else { y }.clamp(0.0, 1.0))
            }
            Prior::Uniform | Prior::Normal { .. } => None,
        }
    }
}

/// One particle: a point of the unit cube, its distance from the data and its weight.
#[derive(Clone, Debug, PartialEq)]
pub struct Particle {
    pub x: Vec<f64>,
    pub distance: f64,
    pub weight: f64,
}

/// One generation of the sampler and its diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// Its tolerance (infinite for the first, drawn from the prior).
    pub epsilon: f64,
    /// Points proposed: draws from the prior in the first generation, moves after it.
    pub proposed: usize,
    /// Proposals accepted (every draw of the first generation).
    pub accepted: usize,
    pub particles: Vec<Particle>,
}

impl Generation {
    /// Share of the proposals accepted.
    pub fn acceptance(&self) -> f64 {
        self.accepted as f64 / self.proposed.max(1) as f64
    }

    /// Effective sample size of the weights, 1 / Σ w² (weights summing to 1).
    pub fn ess(&self) -> f64 {
        1.0 / self.particles.iter().map(|p| p.weight * p.weight).sum::<f64>()
    }
}

/// Why the sampler stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// It made every generation asked for.
    Generations,
    /// A generation's acceptance rate fell below the minimum.
    Acceptance,
    /// The next generation could not be filled within the evaluation budget; the last whole
    /// generation is the result.
    Budget,
}

/// The sampler's purposes, each its own stream.
const PICK: u64 = 1;
const NORMAL: u64 = 2;
const PRIOR: u64 = 3;

/// The weighted `q`-quantile of `values` (weights summing to 1), the lower one at a tie.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut sum = 0.0;
    for &i in &order {
        sum += weights[i];
        if sum >= q - 1e-12 {
            return values[i];
        }
    }
    values[*order.last().expect("a quantile of something")]
}

/// Lower Cholesky factor of the symmetric positive semi-definite `a` (k × k, row-major), with a
/// small ridge where a direction has no spread (all particles equal in it).
fn cholesky(a: &[f64], k: usize) -> Vec<f64> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|m| l[i * k + m] * l[j * k + m]).sum();
            if i == j {
                l[i * k + i] = (a[i * k + i] - s).max(1e-12).sqrt();
            } else {
                l[i * k + j] = (a[i * k + j] - s) / l[j * k + j];
            }
        }
    }
    l
}

/// The random walk of a population's moves: a Gaussian with its weighted covariance, scaled.
struct Kernel {
    k: usize,
    /// Cholesky factor of the covariance.
    chol: Vec<f64>,
}

impl Kernel {
    fn of(particles: &[Particle], scale: f64) -> Kernel {
        let k = particles[0].x.len();
        let mean: Vec<f64> = (0..k).map(|i| particles.iter().map(|p| p.weight * p.x[i]).sum()).collect();
        let mut cov = vec![0.0; k * k];
        for p in particles {
            for i in 0..k {
                for j in 0..k {
                    cov[i * k + j] += scale * p.weight * (p.x[i] - mean[i]) * (p.x[j] - mean[j]);
                }
            }
        }
        Kernel { k, chol: cholesky(&cov, k) }
    }

    /// `centre` moved by the kernel, with standard normal deviates `z`.
    fn move_by(&self, centre: &[f64], z: &[f64]) -> Vec<f64> {
        let k = self.k;
        (0..k).map(|i| centre[i] + (0..=i).map(|j| self.chol[i * k + j] * z[j]).sum::<f64>()).collect()
    }
}

/// The logit of a coordinate of the cube, where the sampler's random walk runs; the bounds
/// themselves (which a draw may reach) sit a hair inside them.
fn logit(x: f64) -> f64 {
    let x = x.clamp(1e-15, 1.0 - 1e-15);
    (x / (1.0 - x)).ln()
}

/// The inverse of `logit`: a point of the walk back on the cube.
fn logistic(y: f64) -> f64 {
    1.0 / (1.0 + (-y).exp())
}

/// A standard normal deviate from the counter-based stream at `keys` (Box–Muller).
pub(crate) fn standard_normal(seed: u64, keys: [u64; 4]) -> f64 {
    let u1 = uniform(seed, &[keys[0], keys[1], keys[2], keys[3], 0]);
    let u2 = uniform(seed, &[keys[0], keys[1], keys[2], keys[3], 1]);
    (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A draw from `prior` for dimension `d` of proposal `i` (of the first generation): uniform, or
/// a normal redrawn until it falls inside the cube, a log-uniform by its quantile.
fn from_prior(opts: &AbcOptions, prior: &Prior, i: usize, d: usize) -> f64 {
    match *prior {
        Prior::Uniform => uniform(opts.seed, &[0, i as u64, PRIOR, d as u64]),
        Prior::LogUniform { .. } => {
            prior.quantile(uniform(opts.seed, &[0, i as u64, PRIOR, d as u64])).expect("a log-uniform's quantile")
        }
        Prior::Normal { mean, sd } => (0..)
            .map(|attempt| mean + sd * standard_normal(opts.seed, [0, i as u64, PRIOR, attempt * 64 + d as u64]))
            .find(|x| (0.0..=1.0).contains(x))
            .expect("an endless search returns"),
    }
}

/// Resample `n` particles from those within `epsilon`, by weight (multinomial, one uniform per
/// new particle): a full population of even weights.
fn resample(opts: &AbcOptions, g: usize, particles: &[Particle], epsilon: f64, n: usize) -> Vec<Particle> {
    let alive: Vec<&Particle> = particles.iter().filter(|p| p.distance <= epsilon).collect();
    let total: f64 = alive.iter().map(|p| p.weight).sum();
    (0..n)
        .map(|i| {
            let r = uniform(opts.seed, &[g as u64, i as u64, PICK, 0]) * total;
            let mut sum = 0.0;
            let p = alive
                .iter()
                .find(|p| {
                    sum += p.weight;
                    r < sum
                })
                .unwrap_or_else(|| alive.last().expect("the tolerance keeps the closest particle"));
            Particle { weight: 1.0 / n as f64, ..(*p).clone() }
        })
        .collect()
}

/// Run ABC-SMC under `priors` (one per dimension): generations of `opts.particles` particles,
/// each generation's tolerance the `opts.quantile` quantile of the previous generation's
/// distances. Returns every generation (the last is the posterior sample) and why it stopped.
pub fn abc_smc<E>(
    priors: &[Prior],
    opts: &AbcOptions,
    eval: &mut BatchEval<'_, E>,
) -> Result<(Vec<Generation>, Stop), E> {
    let n = opts.particles;
    assert!(n >= 2 && !priors.is_empty(), "ABC-SMC needs two particles and a parameter");
    // The prior's density in the random walk's logit coordinates: the prior's on the cube
    // times the Jacobian of the change of variable, Π x(1 − x).
    // (In logs: forty small factors could underflow.)
    let ln_walk_target =
        |x: &[f64]| x.iter().zip(priors).map(|(v, p)| (p.density(*v) * v * (1.0 - v)).ln()).sum::<f64>();
    if n > opts.max_evals || opts.generations == 0 {
        return Ok((Vec::new(), Stop::Budget));
    }
    let first: Vec<Vec<f64>> =
        (0..n).map(|i| priors.iter().enumerate().map(|(d, p)| from_prior(opts, p, i, d)).collect()).collect();
    let distances = eval(&first)?;
    let mut evals = n;
    let particles = first
        .into_iter()
        .zip(distances)
        .map(|(x, distance)| Particle { x, distance, weight: 1.0 / n as f64 })
        .collect();
    let mut generations = vec![Generation { epsilon: f64::INFINITY, proposed: n, accepted: n, particles }];
    for g in 1..opts.generations {
        if evals + n > opts.max_evals {
            return Ok((generations, Stop::Budget));
        }
        let last = generations.last().expect("the first generation");
        let d: Vec<f64> = last.particles.iter().map(|p| p.distance).collect();
        let w: Vec<f64> = last.particles.iter().map(|p| p.weight).collect();
        let epsilon = weighted_quantile(&d, &w, opts.quantile);
        let mut particles = resample(opts, g, &last.particles, epsilon, n);
        // The random walk's covariance: the population's, times 2.38² / d (Roberts, Gelman &
        // Gilks 1997, Ann. Appl. Probab. 7: 110-120), the scale at which a random walk in d
        // dimensions mixes best; twice it, as for importance proposals, moves too far in many.
        // The walk runs in the logit of each coordinate, so that no move leaves the cube: a walk on
        // the cube itself lost most of its moves at the bounds (88% in forty dimensions, where most
        // particles sit near some bound).
        let walkers: Vec<Particle> =
            particles.iter().map(|p| Particle { x: p.x.iter().map(|&v| logit(v)).collect(), ..p.clone() }).collect();
        let kernel = Kernel::of(&walkers, 2.38 * 2.38 / priors.len() as f64);
        let (mut accepted, mut proposed) = (0, 0);
        for step in 0..opts.moves.max(1) {
            if step > 0 && evals + n > opts.max_evals {
                break;
            }
            // Step 0's draws keep the keys of the one-step scheme; later steps add the step.
            let key = |i: usize| ((step as u64) << 32) | i as u64;
            // Each particle's move by the random walk in the logit coordinates. A move so far that
            // a coordinate rounds to a bound has a Jacobian of zero, so it is refused without a run.
            let moves: Vec<Vec<f64>> = particles
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let z: Vec<f64> = (0..priors.len())
                        .map(|k| standard_normal(opts.seed, [g as u64, key(i), NORMAL, k as u64]))
                        .collect();
                    let y: Vec<f64> = p.x.iter().map(|&v| logit(v)).collect();
                    kernel.move_by(&y, &z).into_iter().map(logistic).collect()
                })
                .collect();
            let inside: Vec<usize> = (0..n).filter(|&i| moves[i].iter().all(|&v| v > 0.0 && v < 1.0)).collect();
            let batch: Vec<Vec<f64>> = inside.iter().map(|&i| moves[i].clone()).collect();
            let distances = eval(&batch)?;
            evals += n;
            proposed += n;
            for (&i, (x, distance)) in inside.iter().zip(batch.into_iter().zip(distances)) {
                let ln_ratio = ln_walk_target(&x) - ln_walk_target(&particles[i].x);
                // The acceptance draw, on the prior's stream (attempt 1, which from_prior's keys
                // of generation 0 never reach here).
                let u = uniform(opts.seed, &[g as u64, key(i), PRIOR, 1]);
                if distance <= epsilon && distance.is_finite() && u.ln() < ln_ratio {
                    particles[i] = Particle { x, distance, weight: particles[i].weight };
                    accepted += 1;
                }
            }
        }
        let generation = Generation { epsilon, proposed, accepted, particles };
        let low = generation.acceptance() < opts.min_acceptance;
        generations.push(generation);
        if low {
            return Ok((generations, Stop::Acceptance));
        }
    }
    Ok((generations, Stop::Generations))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(particles: usize, generations: usize) -> AbcOptions {
        AbcOptions {
            particles,
            generations,
            quantile: 0.5,
            min_acceptance: 0.0,
            max_evals: 1_000_000,
            seed: 7,
            moves: 1,
        }
    }

    #[test]
    fn the_posterior_of_a_normal_mean_is_recovered() {
        // Data: 20 draws with mean 0.6 and sd 0.1 → the posterior of the mean under a flat prior
        // is N(0.6, 0.1/sqrt(20) = 0.022). The distance is |sample mean − 0.6| of a simulated
        // sample, so the ABC posterior tends to that as the tolerance shrinks; seven generations
        // take the tolerance to about 0.007, where it is within 2% (sd² + ε²/3). Four samples
        // of independent seeds are pooled, so that the check is of the sampler, not of one seed.
        let mut pooled: Vec<f64> = Vec::new();
        for seed in 7..11 {
            let o = AbcOptions { moves: 3, seed, ..opts(1000, 7) };
            let mut calls = 0u64;
            let (gens, stop) = abc_smc::<()>(&[Prior::Uniform], &o, &mut |xs| {
                calls += 1;
                Ok(xs
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        let mean: f64 =
                            (0..20).map(|j| x[0] + 0.1 * standard_normal(seed, [calls, i as u64, j, 0])).sum::<f64>()
                                / 20.0;
                        (mean - 0.6).abs()
                    })
                    .collect())
            })
            .unwrap();
            assert_eq!(stop, Stop::Generations);
            assert_eq!(gens.len(), o.generations);
            // Tolerances shrink; the first generation is the prior.
            assert!(gens[0].epsilon.is_infinite());
            assert!(
                gens.windows(2).skip(1).all(|w| w[1].epsilon < w[0].epsilon),
                "{:?}",
                gens.iter().map(|g| g.epsilon).collect::<Vec<_>>()
            );
            let last = gens.last().unwrap();
            assert!(last.epsilon < 0.01, "tolerance {}", last.epsilon);
            assert!((last.particles.iter().map(|p| p.weight).sum::<f64>() - 1.0).abs() < 1e-9);
            assert!((last.ess() - o.particles as f64).abs() < 1e-6, "even weights");
            assert!(last.particles.iter().all(|p| p.distance <= last.epsilon));
            pooled.extend(last.particles.iter().map(|p| p.x[0]));
        }
        let n = pooled.len() as f64;
        let mean = pooled.iter().sum::<f64>() / n;
        let sd = (pooled.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        // Both within 10% of the exact posterior's (the mean within 2%).
        let exact_sd = 0.1 / 20f64.sqrt();
        assert!((mean - 0.6).abs() < 0.01, "posterior mean {mean} (exact 0.6)");
        assert!((sd - exact_sd).abs() < 0.1 * exact_sd, "posterior sd {sd} (exact {exact_sd})");
    }

    #[test]
    fn it_stops_on_the_budget_or_a_low_acceptance_and_is_a_function_of_its_seed() {
        // A noisy distance (keyed by the point, so the same point always gets the same): once
        // the tolerance reaches the noise, acceptance falls.
        let d = |x: &[f64]| {
            let key = [x[0].to_bits(), x[1].to_bits(), 0, 0];
            (x[0] - 0.3).hypot(x[1] - 0.8) + 0.05 * standard_normal(5, key).abs()
        };
        let run = |o: &AbcOptions| {
            abc_smc::<()>(&[Prior::Uniform; 2], o, &mut |xs| Ok(xs.iter().map(|x| d(x)).collect())).unwrap()
        };
        let (gens, stop) = run(&AbcOptions { min_acceptance: 0.2, ..opts(50, 30) });
        assert_eq!(stop, Stop::Acceptance);
        assert!(gens.last().unwrap().acceptance() < 0.2);
        // A generation costs a batch of 50: a budget of 149 holds two, and 150 three.
        for (budget, whole) in [(149, 2), (150, 3)] {
            let (gens, stop) = run(&AbcOptions { max_evals: budget, ..opts(50, 30) });
            assert_eq!((stop, gens.len()), (Stop::Budget, whole), "budget {budget}");
        }
        // The same options give the same particles (a pure function of the seed).
        let (a, _) = run(&opts(50, 4));
        let (b, _) = run(&opts(50, 4));
        assert_eq!(a, b);
        // Another seed, other particles.
        let (c, _) = run(&AbcOptions { seed: 8, ..opts(50, 4) });
        assert_ne!(a, c);
    }

    #[test]
    fn in_many_dimensions_the_sample_keeps_its_size_and_variety() {
        // Twelve parameters and a distance from a point: the weights stay even (the effective
        // sample is the whole population), the particles stay many and distinct, and they close
        // in on the point.
        let c: Vec<f64> = (0..12).map(|i| 0.2 + 0.05 * i as f64).collect();
        let d = |x: &[f64]| x.iter().zip(&c).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
        let (gens, _) =
            abc_smc::<()>(&[Prior::Uniform; 12], &opts(200, 12), &mut |xs| Ok(xs.iter().map(|x| d(x)).collect()))
                .unwrap();
        let last = gens.last().unwrap();
        assert!((last.ess() - 200.0).abs() < 1e-6, "ess {}", last.ess());
        let mut distinct: Vec<&Vec<f64>> = last.particles.iter().map(|p| &p.x).collect();
        distinct.sort_by(|a, b| a.partial_cmp(b).unwrap());
        distinct.dedup();
        assert!(distinct.len() > 50, "{} distinct particles of 200", distinct.len());
        assert!(gens.windows(2).skip(1).all(|w| w[1].epsilon <= w[0].epsilon));
        assert!(last.epsilon < 0.5 * gens[1].epsilon, "{} from {}", last.epsilon, gens[1].epsilon);
        assert!(gens.iter().skip(1).all(|g| g.acceptance() > 0.05), "moves accepted");
    }

    #[test]
    fn with_data_that_say_nothing_the_sample_is_the_prior() {
        // A distance that ignores the parameter: every proposal is accepted, and the weighted
        // sample keeps the prior N(0.3, 0.1) (cut to [0, 1]) generation after generation.
        let priors = [Prior::Normal { mean: 0.3, sd: 0.1 }];
        let mut calls = 0u64;
        let (gens, _) = abc_smc::<()>(&priors, &opts(2000, 3), &mut |xs| {
            calls += 1;
            Ok(xs.iter().enumerate().map(|(i, _)| uniform(3, &[calls, i as u64])).collect())
        })
        .unwrap();
        for g in &gens {
            let mean: f64 = g.particles.iter().map(|p| p.weight * p.x[0]).sum();
            let sd = g.particles.iter().map(|p| p.weight * (p.x[0] - mean).powi(2)).sum::<f64>().sqrt();
            assert!((mean - 0.3).abs() < 0.01 && (sd - 0.1).abs() < 0.01, "mean {mean}, sd {sd}");
        }
        assert!(gens[0].particles.iter().all(|p| (0.0..=1.0).contains(&p.x[0])));
    }

    #[test]
    fn a_log_uniform_dimension_closes_in_on_a_point_near_its_bound() {
        // The data put the parameter 0.002 from its upper bound, in the log of the distance: the
        // moves keep being accepted, the sample closes in on it, and the particles stay inside
        // the bounds.
        let priors = [Prior::LogUniform { from_upper: true, floor: 0.0001 }];
        let d = |x: &[f64]| ((1.0 - x[0]).max(1e-12).ln() - 0.002f64.ln()).abs();
        let (gens, _) =
            abc_smc::<()>(&priors, &opts(200, 10), &mut |xs| Ok(xs.iter().map(|x| d(x)).collect())).unwrap();
        assert!(gens.iter().skip(1).all(|g| g.acceptance() > 0.1), "moves accepted");
        let last = gens.last().unwrap();
        assert!(last.epsilon < 0.1, "tolerance {}", last.epsilon);
        assert!(last.particles.iter().all(|p| (0.0015..0.0027).contains(&(1.0 - p.x[0]))));
    }

    #[test]
    fn a_log_uniform_prior_is_kept_by_the_moves() {
        // Log-uniform in the distance from the upper bound down to a thousandth: the share of the
        // sample within 0.01 of it is (1 + ln 10) / (1 + ln 1000) = 0.418 and within 0.1 of it
        // (1 + ln 100) / (1 + ln 1000) = 0.709, in the draws and after the moves.
        let priors = [Prior::LogUniform { from_upper: true, floor: 0.001 }];
        assert!((priors[0].density(0.9995) - 1000.0).abs() < 1e-9 && (priors[0].density(0.5) - 2.0).abs() < 1e-9);
        let mut calls = 0u64;
        let (gens, _) = abc_smc::<()>(&priors, &opts(2000, 3), &mut |xs| {
            calls += 1;
            Ok(xs.iter().enumerate().map(|(i, _)| uniform(5, &[calls, i as u64])).collect())
        })
        .unwrap();
        for g in &gens {
            let within = |d: f64| g.particles.iter().filter(|p| 1.0 - p.x[0] < d).map(|p| p.weight).sum::<f64>();
            let (a, b) = (within(0.01), within(0.1));
            assert!((a - 0.418).abs() < 0.04 && (b - 0.709).abs() < 0.04, "{a} {b}");
            assert!(g.particles.iter().all(|p| (0.0..=1.0).contains(&p.x[0])));
        }
    }

    #[test]
    fn in_forty_dimensions_near_the_bounds_every_move_is_run() {
        // The data sit a hundredth from a bound in each of forty dimensions, where a walk on the
        // cube itself lost most of its moves out of the bounds (190 of the second generation's
        // 200). In the logit coordinates every move is run, and the sample closes in on the data.
        let target = |k: usize| if k.is_multiple_of(2) { 0.01 } else { 0.99 };
        let d = |x: &[f64]| x.iter().enumerate().map(|(k, v)| (v - target(k)).powi(2)).sum::<f64>().sqrt();
        let mut batches = Vec::new();
        let (gens, _) = abc_smc::<()>(&[Prior::Uniform; 40], &opts(200, 12), &mut |xs| {
            batches.push(xs.len());
            Ok(xs.iter().map(|x| d(x)).collect())
        })
        .unwrap();
        assert!(batches.iter().all(|&b| b == 200), "{batches:?}");
        let last = gens.last().unwrap();
        assert!(last.epsilon < 0.75 * gens[1].epsilon, "tolerance {} from {}", last.epsilon, gens[1].epsilon);
        assert!(last.particles.iter().all(|p| p.x.iter().all(|v| *v > 0.0 && *v < 1.0)));
    }

    #[test]
    fn weighted_quantiles_and_kernel_moves() {
        assert_eq!(weighted_quantile(&[3.0, 1.0, 2.0], &[0.2, 0.5, 0.3], 0.5), 1.0);
        assert_eq!(weighted_quantile(&[3.0, 1.0, 2.0], &[0.2, 0.5, 0.3], 0.6), 2.0);
        assert_eq!(weighted_quantile(&[3.0, 1.0, 2.0], &[0.2, 0.5, 0.3], 1.0), 3.0);
        let ps: Vec<Particle> = [[0.2, 0.4], [0.4, 0.4], [0.3, 0.6]]
            .iter()
            .map(|x| Particle { x: x.to_vec(), distance: 0.0, weight: 1.0 / 3.0 })
            .collect();
        let kernel = Kernel::of(&ps, 2.0);
        // A move is symmetric: +z and -z go equally far either way.
        let c = [0.3, 0.5];
        let (up, down) = (kernel.move_by(&c, &[0.5, -0.2]), kernel.move_by(&c, &[-0.5, 0.2]));
        assert!(up.iter().zip(&down).zip(&c).all(|((u, d), c)| (u + d - 2.0 * c).abs() < 1e-12));
        assert_eq!(kernel.move_by(&c, &[0.0, 0.0]), c);
        // A population with no spread in one direction still gives a usable kernel.
        let flat: Vec<Particle> = ps.iter().map(|p| Particle { x: vec![p.x[0], 0.5], ..p.clone() }).collect();
        let z = Kernel::of(&flat, 2.0).move_by(&[0.3, 0.5], &[1.0, 1.0]);
        assert!(z.iter().all(|v| v.is_finite()));
    }
}
