//! Attribution: how much of an outcome each cause explains, as Shapley values over switches.
//!
//! A cause is a switch that takes one mechanism out of the run (honest reports for
//! `reporting`, normal weather for `weather`, ...). For a set S of causes left on, v(S) is the
//! outcome with every other cause switched off. Cause i's Shapley value is the mean, over every
//! order in which causes could be switched on, of the change it makes when it arrives:
//! φ_i = Σ_{S ⊆ N∖{i}} |S|! (n−|S|−1)! / n! · (v(S ∪ {i}) − v(S)). The values add up exactly to
//! v(N) − v(∅), the historical outcome less the outcome with every cause off.

use crate::scenario::Scenario;

/// A cause and the `--set` overrides that switch it off.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    pub name: &'static str,
    pub off: &'static [&'static str],
}

/// The causes `leapsim attribute` knows, each switched off as its counterfactual scenario does.
pub const CAUSES: &[Cause] = &[
    Cause { name: "weather", off: &["production.weather=false"] },
    Cause { name: "reporting", off: &["reporting.honest=true"] },
    Cause { name: "procurement", off: &["procurement.on_true_output=true"] },
    Cause { name: "exports", off: &["trade.exports_mt_per_year=0"] },
    Cause { name: "furnaces", off: &["labour.steel_campaign=0"] },
    Cause { name: "mess-halls", off: &["food.mess_halls=false"] },
];

/// Look up causes by name; the error names the unknown one and the known ones.
pub fn causes(names: &[String]) -> Result<Vec<Cause>, String> {
    names
        .iter()
        .map(|n| {
            CAUSES.iter().find(|c| c.name == n.as_str()).cloned().ok_or_else(|| {
                format!(
                    "unknown cause `{n}`; expected some of {}",
                    CAUSES.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                )
            })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let base = crate::scenario::load("historical").unwrap();
        let cs = causes(&["reporting".into(), "mess-halls".into()]).unwrap();
        let none = coalition(&base, &cs, 0);
        assert!(none.params.reporting.honest && !none.params.food.mess_halls);
        let all = coalition(&base, &cs, 0b11);
        assert!(!all.params.reporting.honest);
        let only_reporting = coalition(&base, &cs, 0b01);
        assert!(!only_reporting.params.reporting.honest && !only_reporting.params.food.mess_halls);
        assert!(only_reporting.overrides.iter().any(|(k, _)| k == "food.mess_halls"));
    }
}
