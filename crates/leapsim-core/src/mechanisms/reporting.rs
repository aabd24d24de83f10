//! Reporting (step 4 of the month): each cadre reports the harvest upward — team leader to brigade,
//! brigade to commune (once communes exist), commune to province, province to the centre — and each
//! may inflate the figure it received. Inflation compounds level by level, and the centre sees only
//! the top of the chain.
//!
//! A cadre multiplies what it passes up by `1 + a * C * z * (1 + w_p * target_gap + w_q * peer_gap)`:
//! `a` is `reporting.inflation_per_level`, `C` the political climate, `z` the province's zeal
//! (pacesetter, career-seeking leader); `target_gap` is how far the unit's share of the target
//! exceeds what it has (white flags are punished), `peer_gap` how far its peers' reported yields
//! exceed its own (red flags are praised; for a province, the pacesetter is the peer to
//! emulate). With climate 0, or `reporting.honest`, reports are the truth.

use crate::calendar::Month;
use crate::params::{Policy, Reporting};
use crate::rng::{Purpose, Stream};
use crate::state::{Province, Teams};
use rayon::prelude::*;
use std::ops::Range;

/// What a province reports to the centre of the month's harvests, kg of the simulated sample
/// (zero outside the harvests).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProvinceReport {
    pub grain_kg: f64,
    pub cotton_kg: f64,
}

/// Inflation factor of one cadre.
pub fn level_factor(r: &Reporting, climate: f64, zeal: f64, target_gap: f64, peer_gap: f64) -> f64 {
    if r.honest || climate <= 0.0 {
        return 1.0;
    }
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
pub fn industry_factor(r: &Reporting, climate: f64, per_climate: f64) -> f64 {
    if r.honest {
        1.0
    } else {
        1.0 + per_climate * climate
    }
}

/// Reports of the current month's harvests, at the political climate in force (`seed`: the
/// run's, for the leaders' propensities). Writes each team's own report into its flow (and its
/// report ratio), each province's last reported yield, and returns what each province passes to
/// the centre.
#[allow(clippy::too_many_arguments)] // the signature is the list of what reporting touches
pub fn report(
    params: &Reporting,
    seed: u64,
    policy: &Policy,
    month: Month,
    brigades: &[Range<usize>],
    communes: &[Range<usize>],
    provinces: &mut [Province],
    teams: &mut Teams,
) -> Vec<ProvinceReport> {
    let harvest: Vec<f64> = provinces.iter().map(|pr| month.harvest_share(pr.summer_share)).collect();
    if harvest.iter().all(|&h| h == 0.0) {
        return vec![ProvinceReport::default(); provinces.len()];
    }
    let cadres = Cadres {
        params,
        seed,
        climate: policy.politics.climate,
        // Target of this harvest per ha of each province's simulated land, kg.
        target_per_ha: provinces
            .iter()
            .zip(&harvest)
            .map(|(pr, h)| pr.grain_target_t * 1000.0 * h / (pr.sample_land_ha * pr.expand_rural))
            .collect(),
        zeal: provinces.iter().map(|pr| pr.zeal).collect(),
    };
    cadres.teams_report(brigades, teams);
    let to_province = cadres.collectives_report(brigades, communes, teams, provinces.len());
    cadres.provinces_report(&to_province, &harvest, provinces)
}

/// The month's cadres: how they inflate, and what they are pressed to report.
struct Cadres<'a> {
    params: &'a Reporting,
    /// The run's seed, for team leaders' propensity to exaggerate.
    seed: u64,
    climate: f64,
    target_per_ha: Vec<f64>,
    zeal: Vec<f64>,
}

impl Cadres<'_> {
    /// Inflation factor of a cadre of province `pi`.
    fn factor(&self, pi: usize, target_gap: f64, peer_gap: f64) -> f64 {
        level_factor(self.params, self.climate, self.zeal[pi], target_gap, peer_gap)
    }

    /// Team leaders: target gap on their own land; peer gap against their brigade's mean true
    /// yield (a leader sees the neighbours' fields and their reports).
    fn teams_report(&self, brigades: &[Range<usize>], teams: &mut Teams) {
        let mut brigade_of_team = vec![u32::MAX; teams.len()];
        for (b, r) in brigades.iter().enumerate() {
            for t in r.clone() {
                brigade_of_team[t] = b as u32;
            }
        }
        let brigade_yield: Vec<f64> = brigades
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
            let f = self.factor(pi, shortfall(self.target_per_ha[pi], own_yield), shortfall(peer, own_yield));
            // This leader's own propensity, drawn once for the run, scales what he adds.
            let sd = self.params.propensity_sd;
            let f = if sd > 0.0 {
                let mut rng = Stream::new(self.seed, t as u64, 0, Purpose::Reporting);
                1.0 + (f - 1.0) * rng.lognormal_mean_one(sd)
            } else {
                f
            };
            flow.reported_kg = (flow.harvest_kg as f64 * f) as f32;
            flow.cotton_reported_kg = (flow.cotton_kg as f64 * f) as f32;
            *ratio = f as f32;
        });
    }

    /// Brigades and communes: target gap on what they received from below. Returns, per
    /// province, the (grain, cotton, land) that reaches it.
    fn collectives_report(
        &self,
        brigades: &[Range<usize>],
        communes: &[Range<usize>],
        teams: &Teams,
        n_provinces: usize,
    ) -> Vec<(f64, f64, f64)> {
        let (flows, land) = (&teams.flow, &teams.land_ha);
        // A brigade's teams are all of one province.
        let province_of = |b: usize| teams.province[brigades[b].start] as usize;
        let unit = |teams: Range<usize>, pi: usize| -> (f64, f64, f64) {
            let (g, c, l) = teams.fold((0.0, 0.0, 0.0), |a, t| {
                (a.0 + flows[t].reported_kg as f64, a.1 + flows[t].cotton_reported_kg as f64, a.2 + land[t] as f64)
            });
            let f = self.factor(pi, shortfall(self.target_per_ha[pi] * l, g), 0.0);
            (g * f, c * f, l)
        };
        let brigade_reports: Vec<(f64, f64, f64)> =
            brigades.par_iter().enumerate().map(|(b, r)| unit(r.clone(), province_of(b))).collect();
        let mut to_province = vec![(0.0, 0.0, 0.0); n_provinces];
        if !communes.is_empty() {
            for c in communes {
                let pi = province_of(c.start);
                let (g, k, l) =
                    brigade_reports[c.clone()].iter().fold((0.0, 0.0, 0.0), |a, r| (a.0 + r.0, a.1 + r.1, a.2 + r.2));
                let f = self.factor(pi, shortfall(self.target_per_ha[pi] * l, g), 0.0);
                to_province[pi].0 += g * f;
                to_province[pi].1 += k * f;
                to_province[pi].2 += l;
            }
        } else {
            for (b, r) in brigade_reports.iter().enumerate() {
                let pi = province_of(b);
                to_province[pi].0 += r.0;
                to_province[pi].1 += r.1;
                to_province[pi].2 += r.2;
            }
        }
        to_province
    }

    /// Provinces: target gap, and emulation of the pacesetter's last reported yield.
    fn provinces_report(
        &self,
        to_province: &[(f64, f64, f64)],
        harvest: &[f64],
        provinces: &mut [Province],
    ) -> Vec<ProvinceReport> {
        let pacesetter_yield =
            provinces.iter().filter(|p| p.pacesetter).map(|p| p.last_reported_yield).fold(0.0, f64::max);
        let mut out = Vec::with_capacity(provinces.len());
        for (pi, pr) in provinces.iter_mut().enumerate() {
            let (g, c, l) = to_province[pi];
            let own_last = pr.last_reported_yield;
            let emulate = if pr.pacesetter { 0.0 } else { shortfall(pacesetter_yield, own_last) };
            let f = self.factor(pi, shortfall(self.target_per_ha[pi] * l, g), emulate);
            out.push(ProvinceReport { grain_kg: g * f, cotton_kg: c * f });
            if l > 0.0 && harvest[pi] > 0.0 {
                // Yield per ha on a whole-year basis, so summer and autumn reports compare.
                pr.last_reported_yield = g * f / l / harvest[pi];
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn reports_exceed_truth_under_pressure_and_equal_it_without() {
        let mut p = crate::params::Params::default().reporting;
        assert_eq!(level_factor(&p, 0.0, 1.5, 2.0, 1.0), 1.0);
        let calm = level_factor(&p, 0.5, 1.0, 0.0, 0.0);
        let pressed = level_factor(&p, 0.5, 1.0, 1.0, 0.0);
        let behind = level_factor(&p, 0.5, 1.0, 1.0, 0.5);
        let zealous = level_factor(&p, 0.5, 1.5, 1.0, 0.5);
        assert!(1.0 < calm && calm < pressed && pressed < behind && behind < zealous);
        p.honest = true;
        assert_eq!(level_factor(&p, 1.0, 2.0, 2.0, 2.0), 1.0);
        assert_eq!(industry_factor(&p, 1.0, 0.7), 1.0);
    }
}
