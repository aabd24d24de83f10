//! 3. Production: grain and cotton harvests from land, yields, weather and farm labour, and the
//! output of modern industry (steel, coal and the rest) from its capacity.
//!
//! Harvests fall in their months: the summer harvest (winter wheat, barley, early rice) in June,
//! the autumn harvest (rice, maize, sorghum, millet, tubers) and cotton in October.

use crate::calendar::Month;
use crate::params::Params;
use crate::state::World;
use rayon::prelude::*;

pub const SUMMER_HARVEST: u32 = 6;
pub const AUTUMN_HARVEST: u32 = 10;

/// Share of a province's yearly grain harvested in `month`.
pub fn harvest_share(summer_share: f64, month: Month) -> f64 {
    match month.month_of_year() {
        SUMMER_HARVEST => summer_share,
        AUTUMN_HARVEST => 1.0 - summer_share,
        _ => 0.0,
    }
}

/// Harvest multiplier from farm labour: full when labour meets the land's need, falling with
/// the shortfall at elasticity `labour_elasticity`.
pub fn labour_factor(p: &Params, farm_workers: f64, land_ha: f64) -> f64 {
    let need = land_ha * p.production.farm_labour_need_per_ha;
    if need <= 0.0 {
        return 1.0;
    }
    (farm_workers / need).min(1.0).powf(p.production.labour_elasticity)
}

pub fn produce(world: &mut World) {
    grow_modern_industry(world);
    let month = world.month;
    let year = month.year();
    let p = &world.params;
    let grain_month = matches!(month.month_of_year(), SUMMER_HARVEST | AUTUMN_HARVEST);
    if !grain_month {
        return;
    }
    let trend = (1.0 + p.production.yield_growth).powi(year - p.production.yield_base_year as i32);
    let cotton_trend = (1.0 + p.production.cotton_growth).powi(year - 1957);
    let seed_feed = p.food.seed_feed_share;
    // Per-province yield this harvest, kg per ha, and cotton per ha of the province's land.
    let per_province: Vec<(f64, f64)> = world
        .provinces
        .iter()
        .enumerate()
        .map(|(i, pr)| {
            let weather = world.inputs.weather(i, year);
            let grain = pr.base_yield_kg_ha * trend * weather * harvest_share(pr.summer_share, month);
            let cotton = if month.month_of_year() == AUTUMN_HARVEST {
                pr.cotton_base_t * 1000.0 * cotton_trend * weather / world.inputs.provinces[i].cultivated_ha
            } else {
                0.0
            };
            (grain, cotton)
        })
        .collect();
    let teams = &mut world.teams;
    teams.flow.par_iter_mut().zip(teams.grain_kg.par_iter_mut()).enumerate().for_each(|(t, (flow, stock))| {
        if teams.urban[t] {
            return;
        }
        let (yield_ha, cotton_ha) = per_province[teams.province[t] as usize];
        let land = teams.land_ha[t] as f64;
        let lf = labour_factor(p, flow.workers_farm as f64, land);
        let harvest = land * yield_ha * teams.quality[t] as f64 * lf;
        flow.harvest_kg = harvest;
        flow.cotton_kg = land * cotton_ha * lf;
        *stock += harvest * (1.0 - seed_feed);
    });
}

/// Modern industrial capacity grows by its yearly rate, spread over the months.
fn grow_modern_industry(world: &mut World) {
    let g = world.params.industry.capacity_growth;
    world.centre.industry_capacity *= (1.0 + g).powf(1.0 / 12.0);
}

/// Capacity at the first month, set so that the average over 1953 is 1.
pub fn initial_capacity(p: &Params) -> f64 {
    (1.0 + p.industry.capacity_growth).powf(-6.5 / 12.0)
}

/// Modern output this month: (industry value index units, steel t, coal t), nationally.
pub fn modern_output(world: &World) -> (f64, f64, f64) {
    let i = &world.params.industry;
    let c = world.centre.industry_capacity * world.centre.industry_utilisation;
    (
        c / 12.0,
        i.steel_1953_mt * 1e6 * c.powf(i.steel_elasticity) / 12.0,
        i.coal_1953_mt * 1e6 * c.powf(i.coal_elasticity) / 12.0,
    )
}
