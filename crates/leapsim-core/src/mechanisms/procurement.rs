//! Procurement (step 6 of the month): at each harvest the state sets each team's quota and takes
//! it. The quota comes in one of three ways:
//!
//! - a share `procurement.rate` of what the province reported this harvest, shared out to teams
//!   in proportion to their own reports (the default);
//! - with `procurement.fixed_plan`, the grain year's plan, fixed in July before the harvest
//!   ([`fix_plan`]) and shared out to provinces by their last year's reports, then to teams by
//!   this harvest's reports: a bad harvest does not lower it;
//! - with `procurement.on_true_output` (flexible procurement), `rate` of the true harvest; with
//!   a fixed plan too, the plan is sized on last year's true output instead of the centre's
//!   target, and each harvest pays the plan's share of that output out of its true grain, so a
//!   bad harvest lowers it while the sales budgeted with the plan stay.
//!
//! The grain is only taken if it exists, and not below the retention floor that the 1955 "three
//! fixes" guaranteed — except for the share of the floor that anti-concealment drives take:
//! `floor_override + enforcement * climate * zeal`.

use super::reporting::ProvinceReport;
use crate::calendar::{Month, GRAIN_YEAR_FIRST_MONTH};
use crate::params::{Params, Policy, Procurement};
use crate::state::{f32_at_most, Centre, GranaryFlows, Province, Teams};
use rayon::prelude::*;

/// What a province's teams are allowed to keep this month: the floor for the months until the
/// next autumn harvest, per person, and the share of it that enforcement (in force) leaves them.
#[derive(Clone, Copy)]
struct Retention {
    floor_kg_per_person: f64,
    kept_share: f64,
}

impl Retention {
    fn of(params: &Procurement, policy: &Policy, month: Month, zeal: f64) -> Retention {
        let months = month.months_to_autumn_harvest() as f64;
        let overridden =
            (params.floor_override + policy.procurement.enforcement * policy.politics.climate * zeal).clamp(0.0, 1.0);
        Retention {
            floor_kg_per_person: params.retention_floor_kg_per_year * months / 12.0,
            kept_share: 1.0 - overridden,
        }
    }

    /// Grain a team of `persons` keeps, kg, less what it counts on from the summer crop
    /// (`summer_kept_kg`, with `food.counts_summer_harvest`: the floor is a year's grain from
    /// the year's harvests).
    fn keep_kg(self, persons: u32, summer_kept_kg: f64) -> f64 {
        (self.floor_kg_per_person * persons as f64 - summer_kept_kg).max(0.0) * self.kept_share
    }
}

/// Take the quotas, at the rate or plan in force; `reports` are what each province sent up.
/// `replan` is set in a month whose timeline revises the centre's belief about output (a
/// `revise` event): only then is the grain year's plan reopened. Procured grain goes to
/// the state granary (real tonnes).
#[allow(clippy::too_many_arguments)]
pub fn procure(
    params: &Params,
    policy: &Policy,
    month: Month,
    provinces: &mut [Province],
    teams: &mut Teams,
    centre: &mut Centre,
    reports: &[ProvinceReport],
    replan: bool,
) {
    // Procurement opens the granary's month: the ledger starts from what it holds now.
    centre.flows = GranaryFlows::open(centre.granary_t);
    let pr = &params.procurement;
    if pr.fixed_plan {
        keep_reports(month, provinces, reports);
        let opens = month.0 == 0 || month.month_of_year() == GRAIN_YEAR_FIRST_MONTH;
        if opens || replan {
            fix_plan(params, policy, month, provinces, teams, centre, opens);
        }
    }
    let quota_per_reported = match (pr.fixed_plan, pr.on_true_output) {
        (true, false) => quota_per_reported_from_plan(month, provinces, teams),
        // Flexible with a plan: the plan's share of the output it was sized on.
        (true, true) => {
            let (plan_t, output_t) = (centre.procurement_plan_t, centre.plan_output_t);
            quota_per_reported_at_rate(if output_t > 0.0 { plan_t / output_t } else { 0.0 }, provinces, teams, None)
        }
        // Flexible procurement takes no account of reports.
        (false, flexible) => {
            quota_per_reported_at_rate(policy.procurement.rate, provinces, teams, (!flexible).then_some(reports))
        }
    };
    if quota_per_reported.iter().all(|&q| q == 0.0) {
        return;
    }
    let retention: Vec<Retention> = provinces.iter().map(|p| Retention::of(pr, policy, month, p.zeal)).collect();
    let counts_summer = super::consumption::counts_summer_harvest(params, month);
    teams.flow.par_iter_mut().zip(teams.grain_kg.par_iter_mut()).enumerate().for_each(|(t, (flow, stock))| {
        if teams.urban[t] {
            return;
        }
        let pi = teams.province[t] as usize;
        flow.quota_kg = (quota_per_reported[pi] * flow.reported_kg as f64) as f32;
        let summer_kept = if counts_summer { teams.summer_kept_kg[t] as f64 } else { 0.0 };
        let keep = retention[pi].keep_kg(teams.census[t].persons, summer_kept);
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
    centre.flows.procured_t = procured_t;
}

/// Grain the province's teams reported this harvest, sample kg.
fn reported_by_teams(p: &Province, teams: &Teams) -> f64 {
    teams.flow[p.rural_teams.clone()].iter().map(|f| f.reported_kg as f64).sum()
}

/// Quota per kg of a team's own report, by province: `rate` of the province's report, or with
/// no reports (flexible procurement) of its true harvest.
fn quota_per_reported_at_rate(
    rate: f64,
    provinces: &[Province],
    teams: &Teams,
    reports: Option<&[ProvinceReport]>,
) -> Vec<f64> {
    provinces
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let own = reported_by_teams(p, teams);
            let base = match reports {
                Some(r) => r[i].grain_kg,
                None => teams.flow[p.rural_teams.clone()].iter().map(|f| f.harvest_kg as f64).sum(),
            };
            if own > 0.0 {
                rate * base / own
            } else {
                0.0
            }
        })
        .collect()
}

/// Quota per kg of a team's own report, by province: the part of the province's plan due at
/// this harvest (its season's share of the grain year), shared by the teams' reports.
fn quota_per_reported_from_plan(month: Month, provinces: &[Province], teams: &Teams) -> Vec<f64> {
    provinces
        .par_iter()
        .map(|p| {
            let due_kg = p.procurement_plan_t * month.harvest_share(p.summer_share) * 1000.0 / p.expand_rural;
            let own = reported_by_teams(p, teams);
            if own > 0.0 {
                due_kg / own
            } else {
                0.0
            }
        })
        .collect()
}

/// Keep each province's reports of this calendar year and of the whole last one (real tonnes):
/// the plan is shared out by the last year's.
fn keep_reports(month: Month, provinces: &mut [Province], reports: &[ProvinceReport]) {
    for (p, r) in provinces.iter_mut().zip(reports) {
        if month.month_of_year() == 1 {
            p.reported_last_year_t = p.reported_ytd_t;
            p.reported_ytd_t = 0.0;
        }
        p.reported_ytd_t += r.grain_kg * p.expand_rural / 1000.0;
    }
}

/// Fix the grain year's procurement plan: in the run's first month and each July (`opens`), and
/// when the centre revises its belief about output. The plan is what the state must supply in
/// the grain year — urban rations for the urban population, export commitments, less planned
/// imports — plus
/// `plan_rate` of the output the centre expects (this year's target, which it believes; under
/// flexible procurement last year's true output), and with `grain_budget` the sales to the
/// countryside and other state uses budgeted with it. A
/// revision within the grain year that would cut the plan is resisted under the political
/// climate: asking for lower quotas was "right opportunism" after Lushan (Bernstein 1984, Theory
/// and Society 13(3)), so only `1 - climate` of the cut is made.
fn fix_plan(
    params: &Params,
    policy: &Policy,
    month: Month,
    provinces: &mut [Province],
    teams: &Teams,
    centre: &mut Centre,
    opens: bool,
) {
    let urban_persons: f64 = provinces
        .iter()
        .map(|p| teams.census[p.urban_teams.clone()].iter().map(|c| c.persons as f64).sum::<f64>() * p.expand_urban)
        .sum();
    let trade = &policy.trade;
    let needs_t = urban_persons * policy.food.urban_ration_kg_per_year / 1000.0
        + (trade.exports_mt_per_year - trade.imports_mt_per_year) * 1e6;
    let pr = &params.procurement;
    // Under flexible procurement the state knows last year's true output; in the run's first
    // year there is none yet, and the first target is the provinces' normal output.
    let expected_t = if pr.on_true_output && centre.true_last_year_t > 0.0 {
        centre.true_last_year_t
    } else {
        centre.grain_target_t
    };
    centre.plan_output_t = expected_t;
    let mut plan_t = (policy.procurement.plan_rate * expected_t + needs_t).max(0.0);
    // With a grain budget the sales fixed with the plan are part of what it must raise: the
    // gross plan is what is kept plus what is sold back, of which the sales are the share
    // `fixed_sales_share`. Other state uses are budgeted out of what is kept.
    let sales_share = if pr.grain_budget { pr.fixed_sales_share.min(0.9) } else { 0.0 };
    plan_t /= 1.0 - sales_share;
    if !opens && centre.plan_year == month.grain_year() {
        plan_t += policy.politics.climate.clamp(0.0, 1.0) * (centre.procurement_plan_t - plan_t).max(0.0);
    }
    if pr.grain_budget {
        centre.sales.fix(sales_share * plan_t, month, opens);
        centre.other_use.fix(params.trade.other_state_use_share * plan_t, month, opens);
    }
    centre.procurement_plan_t = plan_t;
    centre.plan_year = month.grain_year();
    // Shared by last year's reports; before any (the first year) by the provinces' base output.
    let by_reports: f64 = provinces.iter().map(|p| p.reported_last_year_t).sum();
    let base: f64 = provinces.iter().map(|p| p.grain_base_t).sum();
    for p in provinces.iter_mut() {
        let share = if by_reports > 0.0 { p.reported_last_year_t / by_reports } else { p.grain_base_t / base };
        p.procurement_plan_t = plan_t * share;
    }
}
