//! Baseline demographic schedules: the Siler mortality hazard, the age pattern of fertility, and
//! the stable population the 1953 ages are drawn from.

use crate::params::Params;
use crate::person::{AGES, MAX_AGE};

/// Baseline annual death hazard at `age` in `year`, for males (females: times the ratio).
pub fn annual_hazard(p: &Params, age: u8, year: i32) -> f64 {
    let d = &p.demography;
    if age >= MAX_AGE {
        return 50.0; // nobody outlives the oldest slot age
    }
    let a = age as f64 + 0.5;
    let siler = d.siler_infant_a * (-d.siler_infant_b * a).exp()
        + d.siler_background
        + d.siler_senescent_a * (d.siler_senescent_b * a).exp();
    let trend_years = (year.min(d.mortality_trend_end_year as i32) - crate::calendar::START_YEAR).max(0);
    d.mortality_level * (1.0 + d.mortality_trend).powi(trend_years) * siler
}

/// Relative fertility by single year of age 15-49, summing to 1: the Coale-Trussell (1974)
/// natural-fertility schedule n(a) by five-year group, with ages 15-19 lowered for a mean age
/// at marriage near 19 (assumption).
pub fn fertility_shape() -> [f64; AGES] {
    const GROUPS: [f64; 7] = [0.20, 0.460, 0.431, 0.396, 0.321, 0.167, 0.024];
    let total: f64 = GROUPS.iter().sum::<f64>() * 5.0;
    let mut s = [0.0; AGES];
    for (g, w) in GROUPS.iter().enumerate() {
        for a in 0..5 {
            s[15 + g * 5 + a] = w / total;
        }
    }
    s
}

/// Probability of death within a month for a monthly hazard `h` (accurate, cheap for small h).
#[inline(always)]
pub fn monthly_probability(h: f32) -> f32 {
    if h < 0.05 {
        h * (1.0 - h * (0.5 - h * (1.0 / 6.0)))
    } else {
        1.0 - (-h).exp()
    }
}

/// Age-sex distribution of a stable population growing at `initial_growth_rate` under the 1953
/// mortality schedule: `[male, female][age]`, summing to 1.
pub fn stable_population(p: &Params) -> [[f64; AGES]; 2] {
    let r = p.demography.initial_growth_rate;
    let srb = p.demography.sex_ratio_at_birth;
    let mut out = [[0.0; AGES]; 2];
    let mut total = 0.0;
    for (sex, births) in [(0usize, srb / (1.0 + srb)), (1usize, 1.0 / (1.0 + srb))] {
        let ratio = if sex == 1 { p.demography.female_mortality_ratio } else { 1.0 };
        let mut survival = 1.0;
        for (a, share) in out[sex].iter_mut().enumerate() {
            let h = annual_hazard(p, a as u8, crate::calendar::START_YEAR) * ratio;
            let mid = survival * (-h / 2.0).exp();
            *share = births * mid * (-r * (a as f64 + 0.5)).exp();
            total += *share;
            survival *= (-h).exp();
        }
    }
    for row in out.iter_mut() {
        for v in row.iter_mut() {
            *v /= total;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn schedules_are_sane() {
        let p = Params::default();
        let s = fertility_shape();
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(s[14], 0.0);
        assert_eq!(s[50], 0.0);
        // U-shaped mortality: infants and the old above young adults.
        let h0 = annual_hazard(&p, 0, 1953);
        let h20 = annual_hazard(&p, 20, 1953);
        let h75 = annual_hazard(&p, 75, 1953);
        assert!(h0 > 5.0 * h20 && h75 > 5.0 * h20);
        // The trend stops at its end year.
        assert_eq!(annual_hazard(&p, 30, 1957), annual_hazard(&p, 30, 1965));
        assert!(annual_hazard(&p, 30, 1957) < annual_hazard(&p, 30, 1953));
        let st = stable_population(&p);
        let total: f64 = st.iter().flatten().sum();
        assert!((total - 1.0).abs() < 1e-9);
        let under15: f64 = st.iter().map(|r| r[..15].iter().sum::<f64>()).sum();
        assert!(under15 > 0.25 && under15 < 0.5, "{under15}");
        for h in [1e-4f32, 0.01, 0.049, 0.2, 3.0] {
            let exact = 1.0 - (-(h as f64)).exp();
            assert!((monthly_probability(h) as f64 - exact).abs() < 1e-6, "{h}");
        }
    }
}
