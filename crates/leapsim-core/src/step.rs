//! The monthly step, in order. This file is the spine of the model: each line is one
//! mechanism, in its own module under `mechanisms/`, given the parts of the world it reads and
//! writes (`&mut` for what it changes). The scenario's `params` and `inputs` are read-only; the
//! timeline changes the `policy` in force.

use crate::mechanisms::{
    consumption, demography, labour, migration, planning, policy, pooling, procurement, production, reporting, truth,
};
use crate::observe::{observe, MonthReport};
use crate::state::World;

/// Advance the world by one month and return what happened in it.
pub fn step(world: &mut World) -> MonthReport {
    // The parts of the world, each borrowed apart so that a mechanism is given only its own.
    let (p, inputs, pol, m) = (&world.params, &world.inputs, &mut world.policy, world.month);
    let (provinces, teams, centre) = (&mut world.provinces, &mut world.teams, &mut world.centre);
    let (brigades, communes) = (&world.brigades, &mut world.communes);
    let (slots, family_len, year_thresholds) = (&mut world.slots, &mut world.family_len, &mut world.year_thresholds);
    let events = policy::apply(&p.hierarchy, inputs, m, provinces, pol, communes, centre); // 1. timeline events
    let replan = events.or(truth::revision(centre)); // ... or a belief the ledger revised last month
    let shares = labour::Shares::allocate(&p.labour, pol, centre); // 2. campaigns' shares of labour
    production::produce(p, pol, m, inputs, provinces, teams, centre, shares); // 3. harvests, steel, industry
    let seed = p.run.seed as u64;
    let reports = reporting::report(&p.reporting, seed, pol, m, brigades, communes, provinces, teams); // 4. reports up
    planning::plan(p, pol, m, provinces, teams, centre, replan.targets); // 5. targets (the ratchet) and sown area
    procurement::procure(p, pol, m, provinces, teams, centre, &reports, replan.quotas); // 6. quotas, on reports or plan
    pooling::pool(&p.labour, pol, m, brigades, communes, teams); // 6b. free supply within the accounting unit
    consumption::consume(p, pol, m, provinces, teams, centre); // 7. granary, rations, resales, mess halls
    demography::update(p, m, provinces, teams, slots, family_len, year_thresholds); // 8. hunger, deaths, births, ageing
    migration::migrate(p, inputs, m, provinces, teams, slots, family_len, world.team_slots); // 9. hiring, send-down

    // The centre learns from the month as observed (observation reads nothing truth changes).
    let mut report = observe(world, &reports);
    let (truth_params, climate) = (&world.params.truth, world.policy.politics.climate);
    truth::update(truth_params, m, climate, &mut world.centre, &truth::Seen::of(&report)); // 10. what the centre believes
    report.trust = world.centre.trust;
    world.month = m.next();
    report
}
