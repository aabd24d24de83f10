//! The model state: flat arrays indexed by id. The hierarchy is index ranges:
//! a province owns a range of rural teams and a range of urban teams, a brigade a range of
//! teams, a commune a range of brigades, a team `team_families` families and a family
//! `FAMILY_SLOTS` person slots.

use crate::calendar::Month;
use crate::inputs::Inputs;
use crate::params::{Params, Policy};
use std::ops::Range;

/// A province: its inputs and the ranges of its units.
#[derive(Clone, Debug)]
pub struct Province {
    pub code: String,
    pub name: String,
    pub rural_teams: Range<usize>,
    pub urban_teams: Range<usize>,
    pub brigades: Range<usize>,
    /// Real families represented by one simulated rural (urban) family.
    pub expand_rural: f64,
    pub expand_urban: f64,
    /// Mean grain output 1955-1957, tonnes per year (what the centre shares targets by).
    pub grain_base_t: f64,
    /// Grain yield in the base year, kg per cultivated hectare.
    pub base_yield_kg_ha: f64,
    pub summer_share: f64,
    pub cotton_base_t: f64,
    pub pacesetter: bool,
    /// Share of the nation's modern industry located here (urban population share).
    pub industry_share: f64,
    /// The province's share of this year's national grain target, tonnes.
    pub grain_target_t: f64,
    /// The province's share of the grain year's procurement plan, real tonnes (with
    /// `procurement.fixed_plan`).
    pub procurement_plan_t: f64,
    /// Grain the province reported this calendar year so far, and in the whole of the last one,
    /// real tonnes (the plan is shared out by the last year's reports).
    pub reported_ytd_t: f64,
    pub reported_last_year_t: f64,
    /// Simulated urban residents at the end of the year before `migration.first_year`: the
    /// base the recorded urban growth applies to.
    pub urban_base_persons: f64,
    /// Zeal of the province's cadres: 1, plus the pacesetter's and a career-seeking leader's.
    pub zeal: f64,
    /// Its death hazards as a multiple of the national schedule's (`ProvinceInput`).
    pub baseline_mortality: f64,
    /// Grain yield the province last reported, kg per ha of its land (for emulation).
    pub last_reported_yield: f64,
    /// Cultivated land of the province's simulated teams, ha.
    pub sample_land_ha: f64,
}

/// Head-counts of a team, kept current by demography: counted afresh each January and moved by
/// every death and birth in between.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Census {
    pub persons: u32,
    pub age_0_9: u32,
    pub age_60_plus: u32,
    /// Men and women of working age.
    pub working_men: u32,
    pub working_women: u32,
    /// Labour in full-worker units (working ages, women weighted by participation).
    pub workers: f32,
    /// Age of the oldest member at the last January count (an upper bound until the next):
    /// it bounds the team's death hazard.
    pub oldest: u8,
}

/// A team's flows during the current month, opened afresh each month. Kilograms are `f32` and
/// counts `u16` (a team's month is far below their limits; sums across teams are `f64`): every
/// per-team pass reads or writes this record, so its size is most of their memory traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TeamFlow {
    pub workers_farm: f32,
    pub workers_steel: f32,
    pub workers_irrigation: f32,
    pub workers_other: f32,
    /// Grain harvested (before seed and feed), kg.
    pub harvest_kg: f32,
    /// Harvest as the team leader reported it, kg.
    pub reported_kg: f32,
    pub cotton_kg: f32,
    pub cotton_reported_kg: f32,
    /// Steel from the team's backyard furnaces, kg.
    pub backyard_steel_kg: f32,
    pub quota_kg: f32,
    pub procured_kg: f32,
    pub resold_kg: f32,
    /// Grain moved into (positive) or out of the team's store by its accounting unit's
    /// free supply this month, kg ([`crate::mechanisms::pooling`]).
    pub pooled_kg: f32,
    /// Grain eaten this month, kg.
    pub eaten_kg: f32,
    /// Food energy per person per day this month.
    pub kcal_per_day: f32,
    pub births: u16,
    /// Deaths by [age group][0 male, 1 female].
    pub deaths: [[u16; 2]; 3],
    /// Births that found no free slot in the whole team (kept as a diagnostic; should stay 0).
    pub births_unplaced: u16,
    /// People who moved into the team this month from the other side (city or village) of its
    /// province, and out of it.
    pub migrants_in: u16,
    pub migrants_out: u16,
    pub eats_in_mess_hall: bool,
}

/// The largest `f32` not above `x` (for `x` at least 0): a flow recorded in a [`TeamFlow`] that
/// must not exceed the `f64` store it is taken from.
pub fn f32_at_most(x: f64) -> f32 {
    let y = x as f32;
    // One step down when rounding went up (y is then above 0). Without a branch: rounding goes
    // either way at random, which no predictor can learn.
    f32::from_bits(y.to_bits() - (y as f64 > x) as u32)
}

impl TeamFlow {
    pub fn total_deaths(&self) -> u32 {
        self.deaths.iter().flatten().map(|&d| d as u32).sum()
    }
}

/// Per-team columns.
#[derive(Clone, Debug, Default)]
pub struct Teams {
    pub province: Vec<u16>,
    pub urban: Vec<bool>,
    pub land_ha: Vec<f32>,
    /// Land quality multiplier (lognormal, mean 1).
    pub quality: Vec<f32>,
    /// Grain the team holds, kg (rural teams only).
    pub grain_kg: Vec<f64>,
    pub census: Vec<Census>,
    /// Accumulated hunger, 0 (none) to 1.
    pub hunger: Vec<f32>,
    /// Slow memory of past hunger (drives the birth rebound after a famine).
    pub famine_memory: Vec<f32>,
    /// Reported over true grain at the team's last harvest (what its mess hall believes).
    pub report_ratio: Vec<f32>,
    /// With a grain budget: the team's resales in `procurement.fixed_sales_base_year`, kg,
    /// which fix its share of the state's sales in every grain year after it.
    pub fixed_sales_kg: Vec<f32>,
    /// Grain the team kept from its last summer harvest (harvest less seed, feed and the
    /// summer procurement), kg: what it counts on from the next one.
    pub summer_kept_kg: Vec<f32>,
    /// Farm capital (draught animals, seed, tools), 1 = normal; multiplies the harvest.
    pub capital: Vec<f32>,
    /// The hunger the team recalls when it plans its sowing: a slow average of its hunger.
    pub hunger_recalled: Vec<f32>,
    /// Share of the team's cotton land sown to cotton this year (the rest is sown to grain),
    /// decided at the spring sowing.
    pub cotton_sown: Vec<f32>,
    pub flow: Vec<TeamFlow>,
}

impl Teams {
    /// Bytes of per-team state, one element of every column.
    pub const BYTES_PER_TEAM: usize = std::mem::size_of::<u16>()
        + std::mem::size_of::<bool>()
        + 10 * std::mem::size_of::<f32>()
        + std::mem::size_of::<f64>()
        + std::mem::size_of::<Census>()
        + std::mem::size_of::<TeamFlow>();
    pub fn len(&self) -> usize {
        self.province.len()
    }
    pub fn is_empty(&self) -> bool {
        self.province.is_empty()
    }
}

/// The centre: what it believes, plans and holds.
#[derive(Clone, Debug, Default)]
pub struct Centre {
    /// Modern industrial capacity, 1953 = 1.
    pub industry_capacity: f64,
    /// State granary, real tonnes.
    pub granary_t: f64,
    /// What the centre believes last year's grain output was, tonnes.
    pub believed_grain_t: f64,
    /// This year's national grain target, tonnes.
    pub grain_target_t: f64,
    /// The grain year's procurement plan, real tonnes, and the calendar year whose July opened
    /// that grain year (with `procurement.fixed_plan`).
    pub procurement_plan_t: f64,
    pub plan_year: i32,
    /// With `procurement.grain_budget`: the grain year's sales to the countryside and other
    /// state uses, budgeted with the plan.
    pub sales: BudgetLine,
    pub other_use: BudgetLine,
    /// Reported grain received so far this year, and in the whole of last year, tonnes.
    pub reported_grain_ytd_t: f64,
    pub reported_last_year_t: f64,
    /// True grain harvested so far this year, and in the whole of last year, tonnes (what a
    /// plan under flexible procurement is sized on).
    pub true_grain_ytd_t: f64,
    pub true_last_year_t: f64,
    /// Under flexible procurement with a plan: the output the grain year's plan was sized on,
    /// tonnes; quotas take the plan's share of it from each true harvest.
    pub plan_output_t: f64,
    /// Share of a report the centre believes (1 = takes reports at face value).
    pub trust: f64,
    /// Families per commune now (changes when communes are split).
    pub commune_size_families: f64,
    /// Share of grain land sown this year (below 1 when the centre believes in a surplus).
    pub sown_factor: f64,
    /// Yield level from technique, 1 in the base year; grows by `production.yield_growth`.
    pub yield_trend: f64,
    /// The yield trend in mid-1957, where cotton yields equal the 1957 provincial figures.
    pub yield_trend_1957: f64,
    /// Lasting irrigation capital: rural labour share times months spent on water works.
    pub irrigation_capital: f64,
    /// Mean monthly deaths of the last pre-Leap year, real persons (what the centre takes as
    /// normal when it sees deaths).
    pub normal_deaths_month: f64,
    /// True over reported grain at the last harvest (what inspections would show).
    pub last_true_ratio: f64,
    /// The granary's normal stock for each month of the year (January first), real tonnes: its
    /// stock when that month's rations were set in 1957, the last year before the Leap (what the
    /// ration rule measures shortage against, month for month, since the stock rises at each
    /// harvest and falls between them).
    pub normal_stock_t: [f64; 12],
    /// The granary's stock when each month's rations were set a year ago (January first), real
    /// tonnes: what the ration rule measures a fall against.
    pub stock_a_year_ago_t: [f64; 12],
    /// The urban ration is cut (the granary fell below its threshold and has not recovered).
    pub ration_cut: bool,
    /// With `truth.ledger_revision`: the centre has revised its belief for the shortage in force
    /// (once a shortage; cleared when the ration is restored).
    pub shortage_acknowledged: bool,
    /// The centre revised its belief this month from its own ledger: next month's targets and
    /// grain-year plan are made anew (read and cleared by [`crate::mechanisms::truth::revision`]).
    pub belief_revised: bool,
    /// This month's flows through the granary, real tonnes (procurement opens them).
    pub flows: GranaryFlows,
}

/// One line of the grain year's budget (with `procurement.grain_budget`): what the plan set
/// aside for the grain year and what of it is still to go out, real tonnes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BudgetLine {
    pub year_t: f64,
    pub left_t: f64,
}

impl BudgetLine {
    /// Set the line to `year_t` for the grain year of `month`. A grain year that `opens` has it
    /// all still to go out (the run's first month, inside a grain year, only its months left);
    /// a revision within the grain year moves what is left by the difference.
    pub fn fix(&mut self, year_t: f64, month: Month, opens: bool) {
        self.left_t = if opens {
            year_t * month.months_left_in_grain_year() as f64 / 12.0
        } else {
            (self.left_t + year_t - self.year_t).max(0.0)
        };
        self.year_t = year_t;
    }
    /// This month's part of what is left: spread evenly over the grain year's months to come,
    /// so a month that could not pay leaves more to the months after.
    pub fn due_t(&self, month: Month) -> f64 {
        self.left_t / month.months_left_in_grain_year() as f64
    }
    pub fn spend(&mut self, t: f64) {
        self.left_t = (self.left_t - t).max(0.0);
    }
}

/// The state granary's ledger for one month, real tonnes: what it held when the month opened,
/// what came in and what went out. Every tonne that enters or leaves the granary passes
/// through one of these fields, so the month's closing stock is the opening plus inflows less
/// outflows ([`GranaryFlows::closing_t`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GranaryFlows {
    pub opening_t: f64,
    /// Inflows: procurement from rural teams and imports.
    pub procured_t: f64,
    pub imported_t: f64,
    /// Outflows: exports, urban rations, other state uses (army, industry, seed, losses) and
    /// resales to rural teams.
    pub exported_t: f64,
    pub urban_supplied_t: f64,
    pub other_use_t: f64,
    pub resold_t: f64,
    /// The urban ration in force this month, kg per person per year (not a flow).
    pub urban_ration_kg_per_year: f64,
}

impl GranaryFlows {
    /// A month that opens with `opening_t` in store and no flows yet.
    pub fn open(opening_t: f64) -> GranaryFlows {
        GranaryFlows { opening_t, ..GranaryFlows::default() }
    }
    pub fn inflows_t(&self) -> f64 {
        self.procured_t + self.imported_t
    }
    pub fn outflows_t(&self) -> f64 {
        self.exported_t + self.urban_supplied_t + self.other_use_t + self.resold_t
    }
    /// Add a later month's flows to these (its opening stock is not a flow).
    pub fn add_flows(&mut self, later: &GranaryFlows) {
        self.procured_t += later.procured_t;
        self.imported_t += later.imported_t;
        self.exported_t += later.exported_t;
        self.urban_supplied_t += later.urban_supplied_t;
        self.other_use_t += later.other_use_t;
        self.resold_t += later.resold_t;
        self.urban_ration_kg_per_year += later.urban_ration_kg_per_year;
    }
    /// The stock the ledger says the granary holds at the month's end.
    pub fn closing_t(&self) -> f64 {
        self.opening_t + self.inflows_t() - self.outflows_t()
    }
}

/// The whole model state.
///
/// The scenario's parameters and inputs are read-only once the world is built ([`World::params`],
/// [`World::inputs`]); what the timeline changes during a run is the [`Policy`] in force.
#[derive(Clone, Debug)]
pub struct World {
    pub(crate) params: Params,
    pub(crate) inputs: Inputs,
    /// The levers in force (the timeline sets them; mechanisms read them).
    pub policy: Policy,
    pub month: Month,
    pub provinces: Vec<Province>,
    pub teams: Teams,
    /// Teams of each brigade (before 1958 a brigade is an advanced cooperative, APC).
    pub brigades: Vec<Range<usize>>,
    /// Brigades of each commune; empty before communization.
    pub communes: Vec<Range<usize>>,
    /// Person slots: team t owns `t * team_slots .. (t + 1) * team_slots`. A family's people
    /// are packed at the front of its slots; the rest are `EMPTY`.
    pub slots: Vec<u8>,
    /// People in each family (team t owns families `t * team_families ..`).
    pub family_len: Vec<u8>,
    pub team_slots: usize,
    pub centre: Centre,
    /// Demography's death and birth thresholds of the year, made on first use (a cache: the
    /// same run with or without it gives the same result).
    pub year_thresholds: crate::mechanisms::demography::YearThresholds,
}

impl World {
    /// The scenario's parameters, as the world was built with them (fixed for the run).
    pub fn params(&self) -> &Params {
        &self.params
    }
    /// What the world was built from: provinces, weather and the timeline.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }
    /// Bytes of state a monthly step reads or writes: every person slot, family length and
    /// per-team column (the hierarchy's ranges and the provinces are negligible beside them).
    pub fn state_bytes(&self) -> usize {
        self.slots.len() + self.family_len.len() + self.teams.len() * Teams::BYTES_PER_TEAM
    }
    pub fn communized(&self) -> bool {
        !self.communes.is_empty()
    }
    pub fn team_families(&self) -> usize {
        self.params.hierarchy.team_families as usize
    }
    /// Expansion factor (real per simulated) of a team.
    pub fn expand(&self, team: usize) -> f64 {
        let p = &self.provinces[self.teams.province[team] as usize];
        if self.teams.urban[team] {
            p.expand_urban
        } else {
            p.expand_rural
        }
    }
    /// Real-world number of communes for a real rural population: its families (at the
    /// mean family size) over the families per commune.
    pub fn real_communes(&self, rural_persons: f64) -> f64 {
        if !self.communized() {
            return 0.0;
        }
        rural_persons / self.params.hierarchy.family_size / self.centre.commune_size_families
    }
}

#[cfg(test)]
mod tests {
    use super::f32_at_most;

    #[test]
    fn a_recorded_flow_never_exceeds_its_store() {
        // The largest f32 not above x: at most x, and the next f32 up is above it.
        for x in [0.0, 1e-46, 0.1, 1.0 / 3.0, 2.0 / 3.0, 1.0, 16_777_217.0, 123_456.789_012_345, 3.4e38] {
            let y = f32_at_most(x);
            assert!(y as f64 <= x, "{x}: {y} is above it");
            assert!(f32::from_bits(y.to_bits() + 1) as f64 > x, "{x}: {y} is not the largest");
        }
    }
}
