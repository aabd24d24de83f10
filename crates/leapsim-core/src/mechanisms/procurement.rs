//! 6. Procurement: at each harvest the state's quota is `procurement.rate` of what the
//! province reported, shared out to teams in proportion to their own reports. The grain is
//! only taken if it exists, and not below the retention floor that the 1955 "three fixes"
//! guaranteed, except for the share of the floor that `procurement.floor_override` lets
//! anti-concealment drives take.

use crate::state::World;
use rayon::prelude::*;

/// Grain a team is allowed to keep, kg: the floor for the months until the next autumn harvest.
pub fn retention_kg(world: &World, persons: u32) -> f64 {
    let p = &world.params.procurement;
    let months = world.month.months_until(super::production::AUTUMN_HARVEST) as f64;
    p.retention_floor_kg_per_year * persons as f64 * months / 12.0 * (1.0 - p.floor_override)
}

/// Take the quotas; `province_reports` are the (grain, cotton) figures each province sent up,
/// in sample kg. Procured grain goes to the state granary (real tonnes).
pub fn procure(world: &mut World, province_reports: &[(f64, f64)]) {
    let rate = world.params.procurement.rate;
    // Quota per kg of a team's own report, by province.
    let quota_per_reported: Vec<f64> = world
        .provinces
        .iter()
        .zip(province_reports)
        .map(|(p, r)| {
            let own: f64 = world.teams.flow[p.rural_teams.clone()].iter().map(|f| f.reported_kg).sum();
            if own > 0.0 {
                rate * r.0 / own
            } else {
                0.0
            }
        })
        .collect();
    if quota_per_reported.iter().all(|&q| q == 0.0) {
        return;
    }
    let keep_per_person = retention_kg(world, 1);
    let teams = &mut world.teams;
    teams.flow.par_iter_mut().zip(teams.grain_kg.par_iter_mut()).enumerate().for_each(|(t, (flow, stock))| {
        if teams.urban[t] {
            return;
        }
        flow.quota_kg = quota_per_reported[teams.province[t] as usize] * flow.reported_kg;
        let keep = keep_per_person * teams.census[t].persons as f64;
        let take = flow.quota_kg.min((*stock - keep).max(0.0));
        flow.procured_kg = take;
        *stock -= take;
    });
    let procured_t: f64 = world
        .provinces
        .iter()
        .map(|p| {
            world.teams.flow[p.rural_teams.clone()].iter().map(|f| f.procured_kg).sum::<f64>() * p.expand_rural / 1000.0
        })
        .sum();
    world.centre.granary_t += procured_t;
}
