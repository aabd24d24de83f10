//! Planning (step 5 of the month): at the plenum the centre sets next year's grain target from what
//! it believes last year's output was — a ratchet once beliefs run ahead of the truth — shares it
//! out to provinces by their base output, and, believing in a surplus over the nation's need,
//! leaves part of the grain land unsown the next year. A `Replan` event resets the current year's
//! target mid-year (Beidaihe, August 1958).

use crate::calendar::Month;
use crate::params::{Params, Policy};
use crate::state::{Centre, Province, Teams};

/// The centre's plan: at the first month, at the plenum, and when a `Replan` event says so,
/// this year's grain target (at the planned growth in force) and each province's share of it;
/// at the plenum also next year's sown area.
pub fn plan(
    params: &Params,
    policy: &Policy,
    month: Month,
    provinces: &mut [Province],
    teams: &Teams,
    centre: &mut Centre,
    replan: bool,
) {
    let first_month = month.0 == 0;
    let plenum = month.month_of_year() == params.planning.plenum_month as u32;
    if !first_month && !plenum && !replan {
        return;
    }
    let pl = &params.planning;
    let growth = policy.planning.planned_grain_growth;
    let target = if first_month {
        // The first year's plan: what the provinces' land gave in normal years, on trend.
        let trend =
            (1.0 + policy.production.yield_growth).powi(month.year() - params.production.yield_base_year as i32);
        provinces.iter().map(|pr| pr.grain_base_t).sum::<f64>() * trend
    } else if plenum {
        // Harvests are in by the plenum: belief is this year's reports as far as they are trusted.
        centre.believed_grain_t = centre.reported_grain_ytd_t * centre.trust;
        let need = real_population(provinces, teams) * pl.grain_need_kg_per_person / 1000.0;
        let surplus = (centre.believed_grain_t / need - 1.0).max(0.0);
        // No cut without the lever, even on the infinite surplus of a country with nobody left.
        let cut = if pl.area_cut > 0.0 { pl.area_cut * surplus } else { 0.0 };
        centre.sown_factor = (1.0 - cut).clamp(0.5, 1.0);
        centre.believed_grain_t * (1.0 + growth)
    } else if centre.believed_grain_t > 0.0 {
        centre.believed_grain_t * (1.0 + growth)
    } else {
        // A replan before the first plenum has no belief to plan from: keep the target.
        centre.grain_target_t
    };
    centre.grain_target_t = target;
    let base: f64 = provinces.iter().map(|p| p.grain_base_t).sum();
    for pr in provinces.iter_mut() {
        pr.grain_target_t = target * pr.grain_base_t / base;
    }
}

/// The nation's population now, real persons.
fn real_population(provinces: &[Province], teams: &Teams) -> f64 {
    provinces
        .iter()
        .map(|p| {
            let n = |r: std::ops::Range<usize>| teams.census[r].iter().map(|c| c.persons as f64).sum::<f64>();
            n(p.rural_teams.clone()) * p.expand_rural + n(p.urban_teams.clone()) * p.expand_urban
        })
        .sum()
}
