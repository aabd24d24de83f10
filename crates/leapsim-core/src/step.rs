//! The monthly step, in order. This file is the spine of the model: each line is one
//! mechanism, in its own module under `mechanisms/`.

use crate::mechanisms::{consumption, demography, labour, planning, policy, procurement, production, reporting, truth};
use crate::observe::{observe, MonthReport};
use crate::state::World;

/// Advance the world by one month and return what happened in it.
pub fn step(world: &mut World) -> MonthReport {
    let replan = policy::apply(world); // 1. timeline events, political climate
    let shares = labour::Shares::allocate(world); // 2. campaigns' shares of labour
    production::produce(world, shares); // 3. each team's new flows and workers; harvests, steel, industry
    let province_reports = reporting::report(world); // 4. reports up the chain
    planning::plan(world, replan); // 5. targets (the ratchet) and sown area
    procurement::procure(world, &province_reports); // 6. quotas on reported output
    consumption::consume(world); // 7. granary, rations, resales, mess halls
    demography::update(world); // 8. hunger, deaths, births, ageing
                               // The centre learns from the month as observed (observation reads nothing truth changes).
    let report = observe(world, &province_reports);
    let national = |f: fn(&crate::observe::RegionMonth) -> f64| report.provinces.iter().map(f).sum::<f64>();
    let (reported_t, true_t, deaths) =
        (national(|r| r.grain_reported_t), national(|r| r.grain_true_t), national(|r| r.deaths));
    truth::update(world, reported_t, true_t, deaths); // 9. what the centre believes

    world.month = world.month.next();
    report
}
