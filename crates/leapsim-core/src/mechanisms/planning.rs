//! 5. Planning: at the plenum the centre sets next year's grain target from what it believes
//! last year's output was (a ratchet once beliefs run ahead of the truth), and shares it out to
//! provinces by their base output.

use crate::state::World;

pub fn plan(world: &mut World) {
    let month = world.month;
    let first_month = month.0 == 0;
    if !first_month && month.month_of_year() != world.params.planning.plenum_month as u32 {
        return;
    }
    let growth = world.params.planning.planned_grain_growth;
    let target = if first_month {
        // The first year's plan: what the provinces' land gave in normal years, on trend.
        let p = &world.params.production;
        let trend = (1.0 + p.yield_growth).powi(month.year() - p.yield_base_year as i32);
        world.inputs.provinces.iter().map(|pr| pr.grain_base_t).sum::<f64>() * trend
    } else {
        // Harvests are in by the plenum: belief is this year's reports as far as they are trusted.
        let c = &mut world.centre;
        c.believed_grain_t = c.reported_grain_ytd_t * c.trust;
        c.believed_grain_t * (1.0 + growth)
    };
    world.centre.grain_target_t = target;
    let base: f64 = world.inputs.provinces.iter().map(|p| p.grain_base_t).sum();
    for (pr, inp) in world.provinces.iter_mut().zip(&world.inputs.provinces) {
        pr.grain_target_t = target * inp.grain_base_t / base;
    }
}
