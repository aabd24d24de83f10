//! The monthly step, in order. This file is the spine of the model: each line is one
//! mechanism, in its own module under `mechanisms/`.

use crate::mechanisms::{consumption, demography, labour, planning, policy, procurement, production, reporting, truth};
use crate::observe::{observe, MonthReport};
use crate::state::{TeamFlow, World};
use rayon::prelude::*;

/// Advance the world by one month and return what happened in it.
pub fn step(world: &mut World) -> MonthReport {
    world.teams.flow.par_iter_mut().for_each(|f| *f = TeamFlow::default());

    let replan = policy::apply(world); // 1. timeline events, political climate
    labour::allocate(world); // 2. farm / steel / irrigation / other
    production::produce(world); // 3. harvests, backyard steel, industry
    let province_reports = reporting::report(world); // 4. reports up the chain
    planning::plan(world, replan); // 5. targets (the ratchet) and sown area
    procurement::procure(world, &province_reports); // 6. quotas on reported output
    consumption::consume(world); // 7. granary, rations, resales, mess halls
    demography::update(world); // 8. hunger, deaths, births, ageing
    let (reported_t, true_t) = national_grain_t(world, &province_reports);
    let deaths = national_deaths(world);
    truth::update(world, reported_t, true_t, deaths); // 9. what the centre believes

    let report = observe(world, &province_reports);
    world.month = world.month.next();
    report
}

/// This month's deaths, real persons.
fn national_deaths(world: &World) -> f64 {
    world
        .provinces
        .iter()
        .map(|p| {
            let d =
                |r: std::ops::Range<usize>| world.teams.flow[r].iter().map(|f| f.total_deaths() as f64).sum::<f64>();
            d(p.rural_teams.clone()) * p.expand_rural + d(p.urban_teams.clone()) * p.expand_urban
        })
        .sum()
}

/// This month's reported and true grain, real tonnes.
fn national_grain_t(world: &World, province_reports: &[(f64, f64)]) -> (f64, f64) {
    world.provinces.iter().zip(province_reports).fold((0.0, 0.0), |(r, t), (p, rep)| {
        let harvest: f64 = world.teams.flow[p.rural_teams.clone()].iter().map(|f| f.harvest_kg).sum();
        (r + rep.0 * p.expand_rural / 1000.0, t + harvest * p.expand_rural / 1000.0)
    })
}
