//! 4. Reporting: each cadre reports the harvest upward — team leader to brigade, brigade to
//! commune (once communes exist), commune to province, province to the centre — and each may
//! inflate the figure it received. Inflation therefore compounds level by level, and the centre
//! sees only the top of the chain.
//!
//! A cadre's inflation is `inflation_per_level * climate`: none in normal times (climate 0) or
//! when the `reporting.honest` switch is on.

use crate::params::Params;
use crate::state::World;
use rayon::prelude::*;

/// Factor by which one cadre multiplies the figure it passes up.
pub fn level_factor(p: &Params, climate: f64) -> f64 {
    if p.reporting.honest {
        1.0
    } else {
        1.0 + p.reporting.inflation_per_level * climate
    }
}

/// Reports of the current month's harvests. Writes each team's own report into its flow and
/// returns, per province, the (grain, cotton) figures the province passes to the centre, kg of
/// the simulated sample.
pub fn report(world: &mut World) -> Vec<(f64, f64)> {
    let f = level_factor(&world.params, world.centre.climate);
    world.teams.flow.par_iter_mut().for_each(|flow| {
        flow.reported_kg = flow.harvest_kg * f;
        flow.cotton_reported_kg = flow.cotton_kg * f;
    });
    let flows = &world.teams.flow;
    let brigade_report = |b: &std::ops::Range<usize>| -> (f64, f64) {
        let (g, c) =
            flows[b.clone()].iter().fold((0.0, 0.0), |a, fl| (a.0 + fl.reported_kg, a.1 + fl.cotton_reported_kg));
        (g * f, c * f)
    };
    let brigade_reports: Vec<(f64, f64)> = world.brigades.iter().map(brigade_report).collect();
    // Between brigade and province sits the commune, once there are communes.
    let mut top = vec![(0.0, 0.0); world.provinces.len()];
    if world.communized() {
        for c in &world.communes {
            let (g, k) = brigade_reports[c.clone()].iter().fold((0.0, 0.0), |a, r| (a.0 + r.0, a.1 + r.1));
            let p = world.brigade_province[c.start] as usize;
            top[p].0 += g * f;
            top[p].1 += k * f;
        }
    } else {
        for (b, r) in brigade_reports.iter().enumerate() {
            let p = world.brigade_province[b] as usize;
            top[p].0 += r.0;
            top[p].1 += r.1;
        }
    }
    top.iter().map(|&(g, c)| (g * f, c * f)).collect()
}
