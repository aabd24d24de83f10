//! 4. Reporting: each cadre reports the harvest upward — team leader to brigade, brigade to
//! commune (once communes exist), commune to province, province to the centre — and each may
//! inflate the figure it received. Inflation compounds level by level, and the centre sees
//! only the top of the chain.
//!
//! A cadre multiplies what it passes up by `1 + a * C * z * (1 + w_p * target_gap + w_q * peer_gap)`:
//! `a` is `reporting.inflation_per_level`, `C` the political climate, `z` the province's zeal
//! (pacesetter, career-seeking leader); `target_gap` is how far the unit's share of the target
//! exceeds what it has (white flags are punished), `peer_gap` how far its peers' reported yields
//! exceed its own (red flags are praised; for a province, the pacesetter is the peer to
//! emulate). With climate 0, or `reporting.honest`, reports are the truth.

use crate::params::Params;
use crate::state::World;
use rayon::prelude::*;

/// Inflation factor of one cadre.
pub fn level_factor(p: &Params, climate: f64, zeal: f64, target_gap: f64, peer_gap: f64) -> f64 {
    if p.reporting.honest || climate <= 0.0 {
        return 1.0;
    }
    let r = &p.reporting;
    let gap = |g: f64| g.clamp(0.0, 3.0);
    1.0 + r.inflation_per_level
        * climate
        * zeal
        * (1.0 + r.pressure_weight * gap(target_gap) + r.peer_weight * gap(peer_gap))
}

/// How far `want` exceeds `have`, as a share of `have`.
fn shortfall(want: f64, have: f64) -> f64 {
    if have > 0.0 {
        (want / have - 1.0).max(0.0)
    } else {
        0.0
    }
}

/// Factor for industrial reports (steel, coal): one inflation per unit of climate.
pub fn industry_factor(p: &Params, climate: f64, per_climate: f64) -> f64 {
    if p.reporting.honest {
        1.0
    } else {
        1.0 + per_climate * climate
    }
}

/// Reports of the current month's harvests. Writes each team's own report into its flow and
/// returns, per province, the (grain, cotton) figures the province passes to the centre, kg of
/// the simulated sample.
pub fn report(world: &mut World) -> Vec<(f64, f64)> {
    let p = &world.params;
    let climate = world.centre.climate;
    let month = world.month;
    let harvest: Vec<f64> =
        world.provinces.iter().map(|pr| super::production::harvest_share(pr.summer_share, month)).collect();
    if harvest.iter().all(|&h| h == 0.0) {
        return vec![(0.0, 0.0); world.provinces.len()];
    }
    // Target of this harvest per ha of each province's simulated land, kg.
    let target_per_ha: Vec<f64> = world
        .provinces
        .iter()
        .zip(&harvest)
        .map(|(pr, h)| pr.grain_target_t * 1000.0 * h / (pr.sample_land_ha * pr.expand_rural))
        .collect();
    let zeal: Vec<f64> = world.provinces.iter().map(|pr| pr.zeal).collect();

    // Teams: target gap on their own land; peer gap against their brigade's mean true yield
    // (a leader sees the neighbours' fields and their reports).
    let teams = &mut world.teams;
    let mut brigade_of_team = vec![u32::MAX; teams.len()];
    for (b, r) in world.brigades.iter().enumerate() {
        for t in r.clone() {
            brigade_of_team[t] = b as u32;
        }
    }
    let brigade_yield: Vec<f64> = world
        .brigades
        .par_iter()
        .map(|r| {
            let (h, l) = r
                .clone()
                .fold((0.0, 0.0), |a, t| (a.0 + teams.flow[t].harvest_kg as f64, a.1 + teams.land_ha[t] as f64));
            if l > 0.0 {
                h / l
            } else {
                0.0
            }
        })
        .collect();
    teams.flow.par_iter_mut().zip(teams.report_ratio.par_iter_mut()).enumerate().for_each(|(t, (flow, ratio))| {
        if teams.urban[t] || flow.harvest_kg <= 0.0 {
            flow.reported_kg = 0.0;
            flow.cotton_reported_kg = 0.0;
            return;
        }
        let pi = teams.province[t] as usize;
        let land = teams.land_ha[t] as f64;
        let own_yield = flow.harvest_kg as f64 / land;
        let peer = brigade_yield[brigade_of_team[t] as usize];
        let f = level_factor(p, climate, zeal[pi], shortfall(target_per_ha[pi], own_yield), shortfall(peer, own_yield));
        flow.reported_kg = (flow.harvest_kg as f64 * f) as f32;
        flow.cotton_reported_kg = (flow.cotton_kg as f64 * f) as f32;
        *ratio = f as f32;
    });

    // Brigades and communes: target gap on what they received from below.
    let flows = &world.teams.flow;
    let land = &world.teams.land_ha;
    let unit = |teams: std::ops::Range<usize>, pi: usize| -> (f64, f64, f64) {
        let (g, c, l) = teams.fold((0.0, 0.0, 0.0), |a, t| {
            (a.0 + flows[t].reported_kg as f64, a.1 + flows[t].cotton_reported_kg as f64, a.2 + land[t] as f64)
        });
        let f = level_factor(p, climate, zeal[pi], shortfall(target_per_ha[pi] * l, g), 0.0);
        (g * f, c * f, l)
    };
    let brigade_reports: Vec<(f64, f64, f64)> = world
        .brigades
        .par_iter()
        .enumerate()
        .map(|(b, r)| unit(r.clone(), world.brigade_province[b] as usize))
        .collect();
    let mut to_province = vec![(0.0, 0.0, 0.0); world.provinces.len()];
    if world.communized() {
        for c in &world.communes {
            let pi = world.brigade_province[c.start] as usize;
            let (g, k, l) =
                brigade_reports[c.clone()].iter().fold((0.0, 0.0, 0.0), |a, r| (a.0 + r.0, a.1 + r.1, a.2 + r.2));
            let f = level_factor(p, climate, zeal[pi], shortfall(target_per_ha[pi] * l, g), 0.0);
            to_province[pi].0 += g * f;
            to_province[pi].1 += k * f;
            to_province[pi].2 += l;
        }
    } else {
        for (b, r) in brigade_reports.iter().enumerate() {
            let pi = world.brigade_province[b] as usize;
            to_province[pi].0 += r.0;
            to_province[pi].1 += r.1;
            to_province[pi].2 += r.2;
        }
    }
    // Provinces: target gap, and emulation of the pacesetter's last reported yield.
    let pacesetter_yield =
        world.provinces.iter().filter(|p| p.pacesetter).map(|p| p.last_reported_yield).fold(0.0, f64::max);
    let mut out = Vec::with_capacity(world.provinces.len());
    for (pi, pr) in world.provinces.iter_mut().enumerate() {
        let (g, c, l) = to_province[pi];
        let own_last = pr.last_reported_yield;
        let emulate = if pr.pacesetter { 0.0 } else { shortfall(pacesetter_yield, own_last) };
        let f = level_factor(p, climate, zeal[pi], shortfall(target_per_ha[pi] * l, g), emulate);
        out.push((g * f, c * f));
        if l > 0.0 && harvest[pi] > 0.0 {
            // Yield per ha on a whole-year basis, so summer and autumn reports compare.
            pr.last_reported_yield = g * f / l / harvest[pi];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn reports_exceed_truth_under_pressure_and_equal_it_without() {
        let mut p = Params::default();
        assert_eq!(level_factor(&p, 0.0, 1.5, 2.0, 1.0), 1.0);
        let calm = level_factor(&p, 0.5, 1.0, 0.0, 0.0);
        let pressed = level_factor(&p, 0.5, 1.0, 1.0, 0.0);
        let behind = level_factor(&p, 0.5, 1.0, 1.0, 0.5);
        let zealous = level_factor(&p, 0.5, 1.5, 1.0, 0.5);
        assert!(1.0 < calm && calm < pressed && pressed < behind && behind < zealous);
        p.reporting.honest = true;
        assert_eq!(level_factor(&p, 1.0, 2.0, 2.0, 2.0), 1.0);
        assert_eq!(industry_factor(&p, 1.0, 0.7), 1.0);
    }
}
