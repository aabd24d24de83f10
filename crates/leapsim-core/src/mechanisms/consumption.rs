//! Consumption (step 7 of the month): imports flow into the state granary; it ships the export
//! commitments, feeds the cities, then other state uses and resales to rural teams that look short
//! on paper (their store as their reported harvest makes it look) or, with a grain budget, the
//! month's part of the grain year's sales and then of the other uses budgeted with the plan, both
//! above the cities' reserve. Rural teams eat
//! from their own stock, spreading it over the months to the next autumn harvest, up to
//! satiation. In mess halls eating follows belief: the hall plans on the harvest as reported
//! (`food.free_eating` of the inflation believed), so an inflated report empties the store early;
//! private cooking is gone, and with it part of the non-grain food until sidelines are allowed
//! again. With `food.ration_follows_stock` a shortage in the granary, not a date, cuts the urban
//! ration.

use crate::calendar::Month;
use crate::params::{Params, Policy};
use crate::state::{f32_at_most, Centre, Province, Teams};
use rayon::prelude::*;

const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// Grain one person needs in a month, kg (need less non-grain food).
pub fn grain_need_kg_per_person_month(p: &Params) -> f64 {
    (p.food.kcal_need_per_day - p.food.kcal_other_per_day).max(0.0) * DAYS_PER_MONTH / p.food.kcal_per_kg_grain
}

fn kcal_per_day(p: &Params, eaten_kg: f64, persons: u32, other_kcal: f64) -> f32 {
    if persons == 0 {
        return 0.0;
    }
    (eaten_kg * p.food.kcal_per_kg_grain / (persons as f64 * DAYS_PER_MONTH) + other_kcal) as f32
}

/// Real-world total of `f` over the urban or rural teams. Provinces are summed in parallel and
/// then in order, so the result does not depend on the thread count.
fn real_sum(provinces: &[Province], urban: bool, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    let by_province: Vec<f64> = provinces
        .par_iter()
        .map(|p| {
            let (range, e) =
                if urban { (p.urban_teams.clone(), p.expand_urban) } else { (p.rural_teams.clone(), p.expand_rural) };
            range.map(&f).sum::<f64>() * e
        })
        .collect();
    by_province.iter().sum()
}

/// Between the autumn harvest and the summer one a team that counts on the summer harvest
/// (`food.counts_summer_harvest`) spreads over the months to the autumn its store and what it
/// kept of last summer's crop; the months from June to September have only the store.
pub fn counts_summer_harvest(params: &Params, month: Month) -> bool {
    params.food.counts_summer_harvest && month.months_to_summer_harvest() < month.months_to_autumn_harvest()
}

/// Draw up to `want` tonnes from the granary; returns what was drawn.
fn draw(granary: &mut f64, want: f64) -> f64 {
    let got = want.min(*granary).max(0.0);
    *granary -= got;
    got
}

/// What the state hands out this month: the urban ration and how much of it is filled, and
/// the resale rule and the share of each rural team's resale gap that is filled.
struct Handouts {
    urban_ration_kg_pp: f64,
    urban_fill: f64,
    resale: ResaleRule,
    resale_fill: f64,
    /// With sales fixed on units: kg sold per kg of a team's base-year resales.
    resale_per_fixed_kg: f64,
}

/// How a rural team's resale is reckoned: as a lump for all the months to the next autumn
/// harvest, or month by month through the lean season (`food.resales_by_month`). Under the
/// lump rule a team short again next month is sold a share of its whole remaining shortfall
/// again, so relief withheld (`food.relief_denial`) is withheld from less and less; by month it
/// is withheld from each month's need once.
#[derive(Clone, Copy)]
struct ResaleRule {
    floor_kg_per_year: f64,
    months_left: f64,
    by_month: bool,
    /// From October to May, with `food.counts_summer_harvest`: a team's store is judged, as
    /// it eats, with what it kept of last summer's crop.
    counts_summer: bool,
}

impl ResaleRule {
    /// A team's resale gap, kg, judged on paper (its store as its reported harvest makes it
    /// look): its shortfall below the floor for the months to the next autumn harvest, or by
    /// month what its store, spread over those months, leaves it short this month.
    fn gap(self, persons: u32, stock: f64, summer_kept: f32, report_ratio: f32) -> f64 {
        let store = if self.counts_summer { stock + summer_kept as f64 } else { stock };
        let paper = store * report_ratio.max(1.0) as f64;
        let short = if self.by_month {
            self.floor_kg_per_year / 12.0 * persons as f64 - paper / self.months_left
        } else {
            self.floor_kg_per_year * self.months_left / 12.0 * persons as f64 - paper
        };
        short.max(0.0)
    }
}

/// The urban ration standard of the month, kg per person per year: the policy's, or the cut one
/// while the cut is in force. From 1958 the centre cuts when the granary falls below
/// `ration_cut_stock_share` of its stock in the same month a year earlier and below its normal
/// stock, that of the same month of 1957 (month for month, so the fall before every harvest is
/// no shortage), and restores once it is back to `ration_restore_stock_share` of the normal.
/// The record measured the shortage so: at the end of September 1960 the 82 cities' stocks were
/// almost half below the same time a year earlier and under a third of normal (Dangdai Zhongguo
/// de liangshi gongzuo, 1988, quoted by Lin Yunhui, 2013); the model has one national granary,
/// whose stock before the summer harvest had fallen to two thirds of the year before when the
/// cut came (14.31 Mt in 1959, 9.54 Mt in 1960; Yang Jisheng, interview in Dongfang lishi
/// pinglun, c. 2016, in data/national.csv). A shortage, not a date, makes the cut.
fn urban_ration(params: &Params, month: Month, centre: &mut Centre, standard: f64, cut: f64) -> f64 {
    let food = &params.food;
    if !food.ration_follows_stock {
        return standard;
    }
    // Measured when the month's rations are set (after the month's procurement and trade).
    let of_year = month.month_of_year() as usize - 1;
    let stock = centre.granary_t;
    if month.year() == 1957 {
        centre.normal_stock_t[of_year] = stock;
    } else if month.year() > 1957 {
        let normal = centre.normal_stock_t[of_year];
        if stock < food.ration_cut_stock_share * centre.stock_a_year_ago_t[of_year] && stock < normal {
            centre.ration_cut = true;
        } else if stock >= food.ration_restore_stock_share * normal {
            centre.ration_cut = false;
        }
    }
    centre.stock_a_year_ago_t[of_year] = stock;
    if centre.ration_cut {
        cut.min(standard)
    } else {
        standard
    }
}

/// The granary's month: imports in; then exports, which are commitments kept first; cities,
/// other state uses and resales out (with a grain budget the resales before the other uses),
/// with the rations, trade and resale floor in force. Each flow is recorded in `centre.flows`,
/// the month's ledger.
fn granary(
    params: &Params,
    policy: &Policy,
    month: Month,
    provinces: &[Province],
    teams: &Teams,
    centre: &mut Centre,
) -> Handouts {
    let (food, trade) = (&policy.food, &policy.trade);
    let months_left = month.months_to_autumn_harvest() as f64;
    let imported_t = trade.imports_mt_per_year * 1e6 / 12.0;
    centre.granary_t += imported_t;
    centre.flows.imported_t = imported_t;
    // Exports went on through the famine (4.16 Mt in 1959, data/national.csv; Kasahara & Li
    // 2020, J. Dev. Econ. 146): the state kept its contracts first, so they ship first.
    centre.flows.exported_t = draw(&mut centre.granary_t, trade.exports_mt_per_year * 1e6 / 12.0);

    // Cities next: rations pro rata to what the granary holds, at the standard in force.
    let ration_kg_per_year =
        urban_ration(params, month, centre, food.urban_ration_kg_per_year, food.urban_ration_cut_kg_per_year);
    centre.flows.urban_ration_kg_per_year = ration_kg_per_year;
    let urban_ration_kg_pp = ration_kg_per_year / 12.0;
    let urban_demand_t = real_sum(provinces, true, |t| teams.census[t].persons as f64) * urban_ration_kg_pp / 1000.0;
    let supplied_t = draw(&mut centre.granary_t, urban_demand_t);
    let urban_fill = if urban_demand_t > 0.0 { supplied_t / urban_demand_t } else { 1.0 };
    centre.flows.urban_supplied_t = supplied_t;
    let pr = &params.procurement;
    let budget = pr.budget_in_force();
    // Without a budget, other state uses are a share of what came in and go out with it.
    if !budget {
        let other_use = params.trade.other_state_use_share * centre.flows.procured_t;
        centre.flows.other_use_t = draw(&mut centre.granary_t, other_use);
    }

    // Resales: rural teams below the resale floor, judged on paper.
    let resale = ResaleRule {
        floor_kg_per_year: food.resale_floor_kg_per_year,
        months_left,
        by_month: params.food.resales_by_month,
        counts_summer: counts_summer_harvest(params, month),
    };
    let gap = |t: usize| {
        resale.gap(teams.census[t].persons, teams.grain_kg[t], teams.summer_kept_kg[t], teams.report_ratio[t])
    };
    // Under the political climate hunger is denied, and relief withheld with it.
    let relief = (1.0 - params.food.relief_denial * policy.politics.climate).max(0.0);
    let gap_demand_t = real_sum(provinces, false, gap) / 1000.0 * relief;
    // With a grain budget the month sells its part of what is left of the grain year's fixed
    // sales: to the teams short on paper until the sales are fixed, then to the units they
    // were fixed on, whoever is hungry now. Without one, what the teams short on paper are
    // granted.
    let units_t = if budget && month.grain_year() > pr.fixed_sales_base_year as i32 {
        real_sum(provinces, false, |t| teams.fixed_sales_kg[t] as f64) / 1000.0
    } else {
        0.0
    };
    let resale_demand_t = match (budget, units_t > 0.0) {
        (true, true) => centre.sales.due_t(month),
        (true, false) => centre.sales.due_t(month).min(gap_demand_t),
        (false, _) => gap_demand_t,
    };
    // Cities come first: resales never eat into the urban rations due before the next harvest
    // (the 'protect Beijing' priority of December 1959, data/timeline.csv).
    let to_next_harvest = month.months_to_summer_harvest().min(months_left as u32) as f64;
    let reserve = urban_demand_t * to_next_harvest;
    let mut spare = (centre.granary_t - reserve).max(0.0);
    let resold_t = draw(&mut spare, resale_demand_t);
    centre.granary_t -= resold_t;
    centre.flows.resold_t = resold_t;
    if budget {
        centre.sales.spend(resold_t);
        // The budget's other uses (army, industry, seed, losses) give way first: they are paid
        // from what is left above the cities' reserve once the countryside's fixed sales are,
        // so a granary that runs short cuts them before it stops the sales that the 'three
        // fixes' promised the grain-deficit villages. What a month cannot pay stays due.
        let other_t = draw(&mut spare, centre.other_use.due_t(month));
        centre.granary_t -= other_t;
        centre.flows.other_use_t = other_t;
        centre.other_use.spend(other_t);
    }
    let (resale_fill, per_fixed_kg) = if units_t > 0.0 {
        (0.0, resold_t / units_t)
    } else if gap_demand_t > 0.0 {
        (relief * resold_t / gap_demand_t, 0.0)
    } else {
        (0.0, 0.0)
    };
    Handouts { urban_ration_kg_pp, urban_fill, resale, resale_fill, resale_per_fixed_kg: per_fixed_kg }
}

/// The month's eating: the granary's flows ([`granary`]), then every team eats: urban teams
/// their ration, rural teams from their own stock (and resales), in mess halls while they are
/// open (as policy has them).
pub fn consume(
    params: &Params,
    policy: &Policy,
    month: Month,
    provinces: &[Province],
    teams: &mut Teams,
    centre: &mut Centre,
) {
    let h = granary(params, policy, month, provinces, teams, centre);
    let p = params;
    let months_left = month.months_to_autumn_harvest() as f64;
    let need_pp = grain_need_kg_per_person_month(p);
    let mess = policy.food.mess_halls;
    let free_eating = policy.food.free_eating;
    // Mess halls took private cooking, and with it private plots and sidelines, until these
    // were allowed again.
    let rural_other = if mess && !policy.food.sidelines_restored {
        p.food.kcal_other_per_day * (1.0 - p.food.mess_hall_other_food_loss)
    } else {
        p.food.kcal_other_per_day
    };
    let counts_summer = h.resale.counts_summer;
    let summer_harvest = month.month_of_year() == crate::calendar::SUMMER_HARVEST;
    let seed_feed = p.food.seed_feed_share;
    teams
        .flow
        .par_iter_mut()
        .zip(teams.grain_kg.par_iter_mut())
        .zip(teams.summer_kept_kg.par_iter_mut())
        .enumerate()
        .for_each(|(t, ((flow, stock), summer_kept))| {
            let persons = teams.census[t].persons;
            if teams.urban[t] {
                flow.eaten_kg = (persons as f64 * h.urban_ration_kg_pp * h.urban_fill) as f32;
                flow.kcal_per_day = kcal_per_day(p, flow.eaten_kg as f64, persons, p.food.kcal_other_per_day);
            } else {
                // Stocks move by the flows as recorded, so grain is conserved to the last bit.
                flow.resold_kg = (h.resale.gap(persons, *stock, *summer_kept, teams.report_ratio[t]) * h.resale_fill
                    + teams.fixed_sales_kg[t] as f64 * h.resale_per_fixed_kg) as f32;
                let resold = flow.resold_kg as f64;
                // A lump joins the store and is spread with it; a month's resale is eaten in the month.
                let (spread, eaten_now) = if h.resale.by_month { (*stock, resold) } else { (*stock + resold, 0.0) };
                if summer_harvest {
                    *summer_kept = (flow.harvest_kg * (1.0 - seed_feed as f32) - flow.procured_kg).max(0.0);
                }
                let spread = if counts_summer { spread + *summer_kept as f64 } else { spread };
                *stock += resold;
                // A mess hall plans on the harvest its cadres reported, as far as it believes it.
                let believed = if mess {
                    spread * (1.0 + free_eating * (teams.report_ratio[t] as f64 - 1.0).max(0.0))
                } else {
                    spread
                };
                let ration = (believed / months_left + eaten_now)
                    .min(p.food.satiation_ratio * need_pp * persons as f64)
                    .min(*stock);
                // Rounded down to f32 so the store never goes below zero.
                flow.eaten_kg = f32_at_most(ration);
                flow.eats_in_mess_hall = mess;
                *stock -= flow.eaten_kg as f64;
                flow.kcal_per_day = kcal_per_day(p, flow.eaten_kg as f64, persons, rural_other);
            }
        });
    // The base grain year's resales fix each team's share of the sales after it.
    let pr = &p.procurement;
    if pr.budget_in_force() && month.grain_year() == pr.fixed_sales_base_year as i32 {
        teams
            .fixed_sales_kg
            .par_iter_mut()
            .zip(teams.flow.par_iter())
            .for_each(|(fixed, flow)| *fixed += flow.resold_kg);
    }
}
