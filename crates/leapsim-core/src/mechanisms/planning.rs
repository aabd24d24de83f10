//! 5. Planning: at the plenum the centre sets next year's grain target from what it believes
//! last year's output was — a ratchet once beliefs run ahead of the truth — shares it out to
//! provinces by their base output, and, believing in a surplus over the nation's need, leaves
//! part of the grain land unsown the next year. A `Replan` event resets the current year's
//! target mid-year (Beidaihe, August 1958).

use crate::state::World;

pub fn plan(world: &mut World, replan: bool) {
    let month = world.month;
    let first_month = month.0 == 0;
    let plenum = month.month_of_year() == world.params.planning.plenum_month as u32;
    if !first_month && !plenum && !replan {
        return;
    }
    let pl = &world.params.planning;
    let growth = pl.planned_grain_growth;
    let target = if first_month {
        // The first year's plan: what the provinces' land gave in normal years, on trend.
        let p = &world.params.production;
        let trend = (1.0 + p.yield_growth).powi(month.year() - p.yield_base_year as i32);
        world.inputs.provinces.iter().map(|pr| pr.grain_base_t).sum::<f64>() * trend
    } else if plenum {
        // Harvests are in by the plenum: belief is this year's reports as far as they are trusted.
        let c = &mut world.centre;
        c.believed_grain_t = c.reported_grain_ytd_t * c.trust;
        let need = real_population(world) * pl.grain_need_kg_per_person / 1000.0;
        let surplus = (world.centre.believed_grain_t / need - 1.0).max(0.0);
        world.centre.sown_factor = (1.0 - pl.area_cut * surplus).clamp(0.5, 1.0);
        world.centre.believed_grain_t * (1.0 + growth)
    } else if world.centre.believed_grain_t > 0.0 {
        world.centre.believed_grain_t * (1.0 + growth)
    } else {
        // A replan before the first plenum has no belief to plan from: keep the target.
        world.centre.grain_target_t
    };
    world.centre.grain_target_t = target;
    let base: f64 = world.inputs.provinces.iter().map(|p| p.grain_base_t).sum();
    for (pr, inp) in world.provinces.iter_mut().zip(&world.inputs.provinces) {
        pr.grain_target_t = target * inp.grain_base_t / base;
    }
}

/// The nation's population now, real persons.
fn real_population(world: &World) -> f64 {
    world
        .provinces
        .iter()
        .map(|p| {
            let n = |r: std::ops::Range<usize>| world.teams.census[r].iter().map(|c| c.persons as f64).sum::<f64>();
            n(p.rural_teams.clone()) * p.expand_rural + n(p.urban_teams.clone()) * p.expand_urban
        })
        .sum()
}
