//! Production (step 3 of the month): grain and cotton harvests from land, yields, weather,
//! irrigation and farm labour (its number and its effort); backyard steel from the labour in the
//! furnaces; and the output of modern industry (steel, coal and the rest) from its capacity.
//!
//! Harvests fall in their months, which the calendar names ([`crate::calendar::SUMMER_HARVEST`],
//! [`crate::calendar::AUTUMN_HARVEST`]).

use super::labour::{effort, Shares};
use crate::calendar::Month;
use crate::inputs::Inputs;
use crate::params::{Industry, Params, Policy};
use crate::rng::{Purpose, Stream};
use crate::state::{Centre, Province, Teams};
use rayon::prelude::*;

/// Harvest multiplier from farm labour: full while the effective farm labour (workers times
/// effort) stays above `labour_slack` of the team's normal farm labour, falling with the
/// shortfall at elasticity `labour_elasticity`. Normal is every worker less other work, so the
/// factor is 1 in normal times whatever the land-labour ratio (which the yields already hold).
pub fn labour_factor(p: &Params, effective_farm_workers: f64, workers: f64) -> f64 {
    let normal = workers * (1.0 - p.labour.other_work_share) * p.production.labour_slack;
    if normal <= 0.0 {
        return 1.0;
    }
    // Most teams have their normal labour or more: a power of 1 is 1, and costs no powf.
    let ratio = (effective_farm_workers / normal).min(1.0);
    if ratio == 1.0 {
        return 1.0;
    }
    ratio.powf(p.production.labour_elasticity)
}

/// Yield multiplier of the weather, by province: land seriously hit by disasters loses
/// `loss_on_affected_land` of its harvest, relative to a normal year's share of such land. With
/// `province_weather_sd` each province's share of hit land is drawn around the record for the
/// run and year, and the draws rescaled so that the provinces' mean share, weighted by their
/// cultivated land, is still the record's: the record pins down the nation, not how the
/// disasters fell on the provinces.
pub fn weather_factors(params: &Params, inputs: &Inputs, year: i32) -> Vec<f64> {
    let p = &params.production;
    let n = inputs.provinces.len();
    if !p.weather {
        return vec![1.0; n];
    }
    let shares: Vec<Option<f64>> = (0..n).map(|i| inputs.disaster_share(i, year)).collect();
    let drawn = province_draws(params, inputs, year, &shares);
    shares
        .iter()
        .zip(drawn)
        .map(|(share, m)| match share {
            Some(share) => 1.0 - p.loss_on_affected_land * ((share * m).min(1.0) - p.normal_loss_share),
            None => 1.0,
        })
        .collect()
}

/// Each province's multiplier of its recorded share of hit land in `year` (1 without
/// `province_weather_sd`), with a mean of 1 over the hit land, weighted by cultivated land.
fn province_draws(params: &Params, inputs: &Inputs, year: i32, shares: &[Option<f64>]) -> Vec<f64> {
    let sd = params.production.province_weather_sd;
    if sd == 0.0 {
        return vec![1.0; shares.len()];
    }
    // Keyed by the year's January (no harvest month, so never a team's harvest draw) and by
    // units counted down from the top, apart from the teams'.
    let month = ((year - crate::calendar::START_YEAR).max(0) * 12) as u32;
    let seed = params.run.seed as u64;
    let raw: Vec<f64> = (0..shares.len())
        .map(|i| Stream::new(seed, u64::MAX - i as u64, month, Purpose::Weather).lognormal_mean_one(sd))
        .collect();
    let hit = |i: usize| inputs.provinces[i].cultivated_ha * shares[i].unwrap_or(0.0);
    let (drawn, recorded) = (0..shares.len()).fold((0.0, 0.0), |a, i| (a.0 + hit(i) * raw[i], a.1 + hit(i)));
    let rescale = if drawn > 0.0 { recorded / drawn } else { 1.0 };
    raw.iter().map(|m| m * rescale).collect()
}

/// Harvests and steel of the month; `shares` is labour's split, applied team by team as each
/// team's flows are opened. Writes each team's flows, stock, farm capital, recalled hunger and
/// (in April) the share of its cotton land sown to cotton, and the centre's yield trend and
/// industrial capacity.
#[allow(clippy::too_many_arguments)] // the signature is the list of what production touches
pub fn produce(
    params: &Params,
    policy: &Policy,
    month: Month,
    inputs: &Inputs,
    provinces: &[Province],
    teams: &mut Teams,
    centre: &mut Centre,
    shares: Shares,
) {
    grow_modern_industry(policy, centre);
    // Technique advances month by month at the growth rate in force (events can halt it).
    centre.yield_trend *= (1.0 + policy.production.yield_growth).powf(1.0 / 12.0);
    let per_province = province_yields(params, inputs, month, provinces, centre);
    let p = params;
    let pr_ = &p.production;
    let steel_t = pr_.backyard_t_per_worker_month * 1000.0;
    let grain_month = month.is_harvest();
    let seed_feed = p.food.seed_feed_share;
    let (loss_h, loss_s, recovery) =
        (pr_.capital_loss_hunger as f32, pr_.capital_loss_steel as f32, pr_.capital_recovery as f32);
    let steel_share = policy.labour.steel_campaign as f32;
    let (seed, team_sd) = (p.run.seed as u64, pr_.team_weather_sd);
    let sowing = month.month_of_year() == crate::calendar::COTTON_SOWING;
    let food_first = pr_.food_before_cotton as f32;
    let recall_rate = (1.0 - (-1.0 / pr_.sowing_memory_months).exp()) as f32;
    teams
        .flow
        .par_iter_mut()
        .zip(teams.grain_kg.par_iter_mut())
        .zip(teams.capital.par_iter_mut())
        .zip(teams.hunger_recalled.par_iter_mut())
        .zip(teams.cotton_sown.par_iter_mut())
        .enumerate()
        .for_each(|(t, ((((flow, stock), capital), recalled), cotton_sown))| {
            *flow = shares.open_flow(&teams.census[t], teams.urban[t]);
            if teams.urban[t] {
                return;
            }
            // Farm capital: eaten or neglected in hunger, melted in the furnaces, slowly rebuilt.
            *capital = (*capital + recovery * (1.0 - *capital) - loss_h * teams.hunger[t] - loss_s * steel_share)
                .clamp(0.2, 1.0);
            *recalled += recall_rate * (teams.hunger[t] - *recalled);
            if sowing {
                // A team that recalls hunger sows food on its cotton land: its grain had come
                // from the state's sales, which it no longer trusts to come.
                *cotton_sown = (1.0 - food_first * *recalled).clamp(0.0, 1.0);
            }
            flow.backyard_steel_kg = (flow.workers_steel as f64 * steel_t) as f32;
            if !grain_month {
                return;
            }
            let CropYields { grain_kg_ha: yield_ha, cotton_kg_ha: cotton_ha, cotton_land_share } =
                per_province[teams.province[t] as usize];
            let land = teams.land_ha[t] as f64;
            // Crops are left in the field when hands are away or unwilling at harvest time.
            let workers = teams.census[t].workers as f64;
            let lf = labour_factor(p, flow.workers_farm as f64 * effort(&p.labour, policy, teams.hunger[t]), workers);
            // The team's own luck with the weather (hail, pests, a flooded valley), if drawn.
            let luck = if team_sd > 0.0 {
                Stream::new(seed, t as u64, month.0, Purpose::Weather).lognormal_mean_one(team_sd)
            } else {
                1.0
            };
            // Cotton land sown to grain gives the autumn harvest's grain yield (cotton_land_share
            // is zero at the summer harvest).
            let grain_land = land * (1.0 + cotton_land_share * (1.0 - *cotton_sown as f64));
            let harvest = grain_land * yield_ha * teams.quality[t] as f64 * *capital as f64 * lf * luck;
            flow.harvest_kg = harvest as f32;
            flow.cotton_kg = (land * cotton_ha * *cotton_sown as f64 * *capital as f64 * lf * luck) as f32;
            *stock += flow.harvest_kg as f64 * (1.0 - seed_feed);
        });
}

/// A province's yields at one harvest, per hectare of cultivated land.
#[derive(Clone, Copy, Default)]
struct CropYields {
    grain_kg_ha: f64,
    cotton_kg_ha: f64,
    /// The share of the land in cotton in a normal year, at the autumn harvest (zero at the
    /// summer harvest, whose crops cotton land does not grow).
    cotton_land_share: f64,
}

/// Per province, the yields of this month's harvest; zero outside the harvests.
fn province_yields(
    params: &Params,
    inputs: &Inputs,
    month: Month,
    provinces: &[Province],
    centre: &Centre,
) -> Vec<CropYields> {
    let pr_ = &params.production;
    let year = month.year();
    let trend = centre.yield_trend;
    // Cotton yields follow the same technique as grain, from their 1957 level.
    let cotton_trend = trend / centre.yield_trend_1957;
    let irrigation = 1.0 + pr_.irrigation_yield_gain * centre.irrigation_capital;
    let sown = centre.sown_factor;
    let weather = if month.is_harvest() { weather_factors(params, inputs, year) } else { Vec::new() };
    provinces
        .iter()
        .enumerate()
        .map(|(i, pr)| {
            if !month.is_harvest() {
                return CropYields::default();
            }
            let w = weather[i];
            let grain_kg_ha =
                pr.base_yield_kg_ha * trend * w * irrigation * sown * month.harvest_share(pr.summer_share);
            if !month.is_autumn_harvest() {
                return CropYields { grain_kg_ha, ..CropYields::default() };
            }
            let cultivated_ha = inputs.provinces[i].cultivated_ha;
            CropYields {
                grain_kg_ha,
                cotton_kg_ha: pr.cotton_base_t * 1000.0 * cotton_trend * w / cultivated_ha,
                cotton_land_share: (pr.cotton_base_t * 1000.0 / pr_.cotton_lint_kg_per_ha / cultivated_ha).min(1.0),
            }
        })
        .collect()
}

/// Modern industrial capacity grows by its yearly rate in force, spread over the months.
fn grow_modern_industry(policy: &Policy, centre: &mut Centre) {
    let g = policy.industry.capacity_growth;
    centre.industry_capacity *= (1.0 + g).powf(1.0 / 12.0);
}

/// The yield trend in the middle of 1957, at the starting growth rate (the cotton base year).
pub fn yield_trend_1957(p: &Params) -> f64 {
    (1.0 + p.production.yield_growth).powi(1957 - p.production.yield_base_year as i32)
}

/// Yield trend at the first month: the base year's mid-point is 1.
pub fn initial_yield_trend(p: &Params) -> f64 {
    let years = crate::calendar::START_YEAR as f64 - p.production.yield_base_year as f64 - 0.5;
    (1.0 + p.production.yield_growth).powf(years - 1.0 / 12.0)
}

/// Capacity at the first month, set so that the average over 1953 is 1.
pub fn initial_capacity(p: &Params) -> f64 {
    (1.0 + p.industry.capacity_growth).powf(-6.5 / 12.0)
}

/// Modern output this month: (industry value index units, steel t, coal t), nationally, at the
/// utilisation in force.
pub fn modern_output(params: &Industry, policy: &Policy, centre: &Centre) -> (f64, f64, f64) {
    let i = params;
    let c = centre.industry_capacity * policy.industry.utilisation;
    (
        c / 12.0,
        i.steel_1953_mt * 1e6 * c.powf(i.steel_elasticity) / 12.0,
        i.coal_1953_mt * 1e6 * c.powf(i.coal_elasticity) / 12.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::ProvinceInput;

    fn inputs(cultivated_ha: &[f64], share_1960: f64) -> Inputs {
        let province = |i: usize, ha: f64| ProvinceInput {
            cultivated_ha: ha,
            ..ProvinceInput::plain(&format!("CN-{i}"), 1e6, 0.1)
        };
        let disaster =
            cultivated_ha.iter().map(|_| vec![f64::NAN; 7].into_iter().chain([share_1960]).collect()).collect();
        Inputs {
            provinces: cultivated_ha.iter().enumerate().map(|(i, &ha)| province(i, ha)).collect(),
            disaster,
            ..Inputs::default()
        }
    }

    #[test]
    fn provinces_weather_spreads_around_the_record_and_keeps_the_nations() {
        let land = [1e6, 3e6, 5e5, 2e6, 8e5];
        let inputs = inputs(&land, 0.166);
        let mut params = Params::default();
        let p = &params.production;
        let record = 1.0 - p.loss_on_affected_land * (0.166 - p.normal_loss_share);
        // Without a spread every province has the record, and a normal year is normal.
        assert!(weather_factors(&params, &inputs, 1960).iter().all(|&w| w == record));
        assert!(weather_factors(&params, &inputs, 1959).iter().all(|&w| w == 1.0));
        params.production.province_weather_sd = 0.5;
        let w = weather_factors(&params, &inputs, 1960);
        assert!(w.iter().any(|&x| (x - record).abs() > 0.005), "the provinces differ: {w:?}");
        // The land-weighted loss is the record's: the provinces' figures add up to the nation's.
        let mean = w.iter().zip(land).map(|(x, ha)| x * ha).sum::<f64>() / land.iter().sum::<f64>();
        assert!((mean - record).abs() < 1e-12, "{mean} against {record}");
        // Another seed, another spread; the same seed, the same.
        assert_eq!(w, weather_factors(&params, &inputs, 1960));
        params.run.seed += 1;
        assert_ne!(w, weather_factors(&params, &inputs, 1960));
    }
}
