//! Counter-based random streams.
//!
//! Every random draw in the model comes from a stream keyed by (seed, unit, month, purpose).
//! A stream's sequence depends only on its key, never on which thread runs it or in what order
//! units are visited, which is what makes runs bit-identical on any number of threads.
//! The key is hashed into the starting state with the SplitMix64 finaliser (Steele, Lea & Flood
//! 2014); the stream then draws with wyrand (Wang Yi's wyhash family: a Weyl sequence and one
//! 64x64->128-bit multiply per draw), which is fast enough for one draw per person per month.

/// What a stream is used for; part of its key so that two uses never share draws. The values
/// are part of every stream's key: a new use takes a new value, and no value changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    BuildPeople = 2,
    TeamLand = 3,
    Demography = 4,
    Migration = 5,
    /// Weather below the record: provinces' shares of hit land by year, teams' harvests.
    Weather = 6,
    /// Team leaders' propensity to exaggerate, once per run.
    Reporting = 7,
}

/// SplitMix64's increment (the golden ratio in 64 bits).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finaliser: a bijective mix of 64 bits.
#[inline(always)]
fn finalise(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64's output for state `z`: the finaliser of `z` plus the increment. A well-mixed,
/// bijective hash of 64 bits.
#[inline]
pub fn splitmix64(z: u64) -> u64 {
    finalise(z.wrapping_add(GOLDEN))
}

/// A counter-based hash of a seed and keys: `splitmix64` of the seed, then of the running hash
/// xor each key in turn. The same seed and keys always give the same number, whatever else is
/// drawn, so a draw depends on what it is for, never on the order of the work.
#[inline]
pub fn mix(seed: u64, keys: &[u64]) -> u64 {
    keys.iter().fold(splitmix64(seed), |h, &k| splitmix64(h ^ k))
}

/// Uniform in [0, 1) from the top 53 of 64 random bits.
#[inline(always)]
pub fn to_uniform(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A counter-based uniform in [0, 1) for a seed and keys ([`mix`]).
#[inline]
pub fn uniform(seed: u64, keys: &[u64]) -> f64 {
    to_uniform(mix(seed, keys))
}

/// The SplitMix64 generator (Steele, Lea & Flood 2014): a sequence from one seed, for the few
/// uses that draw in a fixed order from one place.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        let z = splitmix64(self.0);
        self.0 = self.0.wrapping_add(GOLDEN);
        z
    }
}

/// A random stream for one (seed, unit, month, purpose).
#[derive(Clone, Debug)]
pub struct Stream {
    state: u64,
}

impl Stream {
    pub fn new(seed: u64, unit: u64, month: u32, purpose: Purpose) -> Stream {
        let k = finalise(seed ^ GOLDEN);
        let k = finalise(k ^ unit.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        let k = finalise(k ^ ((month as u64) << 8 | purpose as u64));
        Stream { state: k }
    }
    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0xA076_1D64_78BD_642F);
        let t = (self.state as u128).wrapping_mul((self.state ^ 0xE703_7ED1_A0B4_28DB) as u128);
        (t >> 64) as u64 ^ t as u64
    }
    /// Uniform in [0, 1).
    #[inline(always)]
    pub fn uniform(&mut self) -> f64 {
        to_uniform(self.next_u64())
    }
    /// Uniform in [0, 1) as f32 (24 bits), for the per-person hot loop.
    #[inline(always)]
    pub fn uniform_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
    }
    /// Standard exponential (mean 1) by the ziggurat of Marsaglia & Tsang (2000, J. Stat. Softw.
    /// 5(8)): 256 layers, so 99% of draws are one table lookup and one multiply. The layer comes
    /// from the low 8 bits and the position in it from the top 53, which do not overlap.
    #[inline(always)]
    pub fn exp1(&mut self) -> f64 {
        let z = ziggurat();
        let r = self.next_u64();
        let (i, j) = ((r & 0xFF) as usize, r >> 11);
        if j < z.k[i] {
            // j < 2^53: the signed conversion is exact and one instruction.
            return j as i64 as f64 * z.w[i];
        }
        self.exp1_slow(z, i, j)
    }
    #[cold]
    fn exp1_slow(&mut self, z: &Ziggurat, mut i: usize, mut j: u64) -> f64 {
        loop {
            if i == 0 {
                // The tail beyond r is r plus a fresh exponential (memorylessness).
                return ZIGGURAT_R - (1.0 - self.uniform()).ln();
            }
            let x = j as f64 * z.w[i];
            if z.f[i] + self.uniform() * (z.f[i - 1] - z.f[i]) < (-x).exp() {
                return x;
            }
            let r = self.next_u64();
            (i, j) = ((r & 0xFF) as usize, r >> 11);
            if j < z.k[i] {
                return j as f64 * z.w[i];
            }
        }
    }
    /// Standard normal by Box–Muller (one of the pair is discarded: simple, and rare here).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    /// A lognormal factor with mean 1 and log standard deviation `sd`: `exp(sd z - sd^2 / 2)`;
    /// exactly 1, with no draw, when `sd` is 0.
    pub fn lognormal_mean_one(&mut self, sd: f64) -> f64 {
        if sd == 0.0 {
            return 1.0;
        }
        (sd * self.normal() - sd * sd / 2.0).exp()
    }
    /// Poisson draw by inversion (fine for the small means used when building families).
    pub fn poisson(&mut self, mean: f64) -> u32 {
        let l = (-mean).exp();
        let mut k = 0;
        let mut p = self.uniform();
        while p > l && k < 200 {
            k += 1;
            p *= self.uniform();
        }
        k
    }
    /// Index drawn from a cumulative distribution (last entry = total).
    pub fn pick_cumulative(&mut self, cumulative: &[f64]) -> usize {
        let total = *cumulative.last().expect("non-empty distribution");
        let x = self.uniform() * total;
        cumulative.partition_point(|&c| c <= x).min(cumulative.len() - 1)
    }
}

/// Start of the exponential ziggurat's tail, and the area of each of its 256 layers.
const ZIGGURAT_R: f64 = 7.697_117_470_131_05;
const ZIGGURAT_V: f64 = 3.949_659_822_581_572e-3;

/// Tables of the exponential ziggurat, scaled to 53-bit integers: layer i accepts `j < k[i]`
/// at once and returns `j * w[i]`; `f[i]` is the density at the layer's edge.
struct Ziggurat {
    k: [u64; 256],
    w: [f64; 256],
    f: [f64; 256],
}

fn ziggurat() -> &'static Ziggurat {
    static TABLES: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        // Marsaglia & Tsang's construction (their `zigset`), with 2^53 for 2^32.
        let m = (1u64 << 53) as f64;
        let mut z = Ziggurat { k: [0; 256], w: [0.0; 256], f: [0.0; 256] };
        let mut d = ZIGGURAT_R;
        let mut t = d;
        let q = ZIGGURAT_V / (-d).exp();
        z.k[0] = (d / q * m) as u64;
        z.k[1] = 0;
        z.w[0] = q / m;
        z.w[255] = d / m;
        z.f[0] = 1.0;
        z.f[255] = (-d).exp();
        for i in (1..255).rev() {
            d = -(ZIGGURAT_V / d + (-d).exp()).ln();
            z.k[i + 1] = (d / t * m) as u64;
            t = d;
            z.f[i] = (-d).exp();
            z.w[i] = d / m;
        }
        z
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn same_key_same_stream_and_keys_differ() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut s = Stream::new(1, 7, 3, Purpose::Demography);
                move |_| s.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut s = Stream::new(1, 7, 3, Purpose::Demography);
                move |_| s.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        for other in [
            Stream::new(2, 7, 3, Purpose::Demography),
            Stream::new(1, 8, 3, Purpose::Demography),
            Stream::new(1, 7, 4, Purpose::Demography),
            Stream::new(1, 7, 3, Purpose::TeamLand),
        ] {
            let mut o = other;
            assert_ne!(o.next_u64(), a[0]);
        }
    }
    #[test]
    fn exponential_draws_follow_the_exponential_distribution() {
        // The empirical CDF at several points, and the mean and variance, within 4 standard
        // errors of the exact ones (a broken table moves at least one of them).
        let mut s = Stream::new(5, 0, 0, Purpose::Demography);
        let n = 2_000_000usize;
        let xs: Vec<f64> = (0..n).map(|_| s.exp1()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 4.0 / (n as f64).sqrt(), "mean {mean}");
        assert!((var - 1.0).abs() < 4.0 * (8.0 / n as f64).sqrt(), "variance {var}");
        for x in [0.01f64, 0.1, 0.5, 1.0, 2.0, 4.0, 7.0, 7.7, 9.0, 12.0] {
            let p = 1.0 - (-x).exp();
            let got = xs.iter().filter(|&&v| v <= x).count() as f64 / n as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((got - p).abs() < 4.0 * se + 1e-7, "P(X <= {x}) = {got}, want {p}");
        }
        assert!(xs.iter().all(|&x| x >= 0.0 && x.is_finite()));
    }

    #[test]
    fn the_counter_based_helpers_are_splitmix64() {
        // SplitMix64 from seed 1234567 (the reference sequence of its authors' C code).
        let mut g = SplitMix64(1234567);
        let first: Vec<u64> = (0..3).map(|_| g.next_u64()).collect();
        assert_eq!(first, [6457827717110365317, 3203168211198807973, 9817491932198370423]);
        assert_eq!(splitmix64(1234567), first[0]);
        assert_eq!(mix(5, &[]), splitmix64(5));
        assert_eq!(mix(5, &[7, 9]), splitmix64(splitmix64(splitmix64(5) ^ 7) ^ 9));
        assert_ne!(mix(5, &[7, 9]), mix(5, &[9, 7]));
        let u = uniform(5, &[7, 9]);
        assert!((0.0..1.0).contains(&u) && u == to_uniform(mix(5, &[7, 9])));
    }

    #[test]
    fn uniform_mean_is_half() {
        let mut s = Stream::new(42, 0, 0, Purpose::Demography);
        let n = 200_000;
        let m: f64 = (0..n).map(|_| s.uniform()).sum::<f64>() / n as f64;
        assert!((m - 0.5).abs() < 0.005, "{m}");
        let mut s = Stream::new(42, 1, 0, Purpose::Demography);
        let m: f64 = (0..n).map(|_| s.poisson(3.3) as f64).sum::<f64>() / n as f64;
        assert!((m - 3.3).abs() < 0.03, "{m}");
    }
}
