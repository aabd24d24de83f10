//! Procurement (step 6 of the month): at each harvest the state's quota is `procurement.rate` of
//! what the province reported (of the true harvest with `procurement.on_true_output`), shared out
//! to teams in proportion to their own reports. The grain is only taken if it exists, and not below
//! the retention floor that the 1955 "three fixes" guaranteed — except for the share of the floor
//! that anti-concealment drives take: `floor_override + enforcement * climate * zeal`.

use super::reporting::ProvinceReport;
use crate::calendar::Month;
use crate::params::{Policy, Procurement};
use crate::state::{f32_at_most, Centre, Province, Teams};
use rayon::prelude::*;

/// Grain per person a team of a province of zeal `zeal` is allowed to keep, kg: the floor for
/// the months until the next autumn harvest, less what enforcement (in force) overrides.
pub fn retention_kg_per_person(params: &Procurement, policy: &Policy, month: Month, zeal: f64) -> f64 {
    let months = month.months_to_autumn_harvest() as f64;
    let overridden =
        (params.floor_override + policy.procurement.enforcement * policy.politics.climate * zeal).clamp(0.0, 1.0);
    params.retention_floor_kg_per_year * months / 12.0 * (1.0 - overridden)
}

/// Take the quotas, at the rate in force; `reports` are what each province sent up. Procured
/// grain goes to the state granary (real tonnes).
pub fn procure(
    params: &Procurement,
    policy: &Policy,
    month: Month,
    provinces: &[Province],
    teams: &mut Teams,
    centre: &mut Centre,
    reports: &[ProvinceReport],
) {
    centre.procured_t = 0.0;
    let rate = policy.procurement.rate;
    let on_truth = params.on_true_output;
    // Quota per kg of a team's own report, by province.
    let quota_per_reported: Vec<f64> = provinces
        .par_iter()
        .zip(reports)
        .map(|(p, r)| {
            let flows = &teams.flow[p.rural_teams.clone()];
            let own: f64 = flows.iter().map(|f| f.reported_kg as f64).sum();
            let base = if on_truth { flows.iter().map(|f| f.harvest_kg as f64).sum() } else { r.grain_kg };
            if own > 0.0 {
                rate * base / own
            } else {
                0.0
            }
        })
        .collect();
    if quota_per_reported.iter().all(|&q| q == 0.0) {
        return;
    }
    let keep_per_person: Vec<f64> =
        provinces.iter().map(|p| retention_kg_per_person(params, policy, month, p.zeal)).collect();
    teams.flow.par_iter_mut().zip(teams.grain_kg.par_iter_mut()).enumerate().for_each(|(t, (flow, stock))| {
        if teams.urban[t] {
            return;
        }
        let pi = teams.province[t] as usize;
        flow.quota_kg = (quota_per_reported[pi] * flow.reported_kg as f64) as f32;
        let keep = keep_per_person[pi] * teams.census[t].persons as f64;
        // Rounded down to f32 so the store never goes below what it keeps.
        let take = f32_at_most((flow.quota_kg as f64).min((*stock - keep).max(0.0)));
        flow.procured_kg = take;
        *stock -= take as f64;
    });
    // Provinces in parallel, then summed in order: the same total on any thread count.
    let by_province: Vec<f64> = provinces
        .par_iter()
        .map(|p| {
            teams.flow[p.rural_teams.clone()].iter().map(|f| f.procured_kg as f64).sum::<f64>() * p.expand_rural
                / 1000.0
        })
        .collect();
    let procured_t: f64 = by_province.iter().sum();
    centre.granary_t += procured_t;
    centre.procured_t = procured_t;
}
