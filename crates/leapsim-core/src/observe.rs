//! What a month produced, in real-world units (persons, tonnes), per province. The engine's
//! collectors turn these into the output series; the model never writes anything itself.

use crate::calendar::Month;
use crate::mechanisms::production;
use crate::mechanisms::reporting::{self, ProvinceReport};
use crate::state::{GranaryFlows, TeamFlow, World};
use rayon::prelude::*;

/// A quantity of a [`RegionMonth`]: a number, or numbers by group.
trait Quantity {
    fn scale(&mut self, e: f64);
    fn add(&mut self, other: &Self);
}

impl Quantity for f64 {
    #[inline]
    fn scale(&mut self, e: f64) {
        *self *= e;
    }
    #[inline]
    fn add(&mut self, other: &f64) {
        *self += other;
    }
}

impl<const N: usize> Quantity for [f64; N] {
    #[inline]
    fn scale(&mut self, e: f64) {
        for v in self.iter_mut() {
            *v *= e;
        }
    }
    #[inline]
    fn add(&mut self, other: &[f64; N]) {
        for (v, o) in self.iter_mut().zip(other) {
            *v += o;
        }
    }
}

/// Scale a `sample` field by the expansion factor; a `real` field is already in real units.
macro_rules! scale_field {
    (sample, $v:expr, $e:expr) => {
        Quantity::scale(&mut $v, $e)
    };
    (real, $v:expr, $e:expr) => {};
}

/// Declares [`RegionMonth`] from one list of its fields: each field's type, and whether it is
/// counted in the `sample` (scaled up by the expansion factor) or set in `real` units after
/// scaling. The list gives the struct, [`RegionMonth::scale`] and [`RegionMonth::merge`].
macro_rules! region_month {
    ($( $(#[$doc:meta])* $field:ident: $ty:ty, $units:ident; )*) => {
        /// One province's month, scaled up from the sample to real-world units.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct RegionMonth { $( $(#[$doc])* pub $field: $ty, )* }

        impl RegionMonth {
            /// Scale the sample's counts up by `e` (real per simulated family).
            fn scale(&mut self, e: f64) {
                $( scale_field!($units, self.$field, e); )*
            }
            /// Add `other` into `self`, field by field.
            pub fn merge(&mut self, other: &RegionMonth) {
                $( Quantity::add(&mut self.$field, &other.$field); )*
            }
        }
    };
}

region_month! {
    population: f64, sample;
    population_rural: f64, sample;
    population_urban: f64, sample;
    births: f64, sample;
    deaths: f64, sample;
    deaths_rural: f64, sample;
    deaths_urban: f64, sample;
    /// People who moved from the province's villages to its cities, and back.
    migrants_to_cities: f64, sample;
    migrants_from_cities: f64, sample;
    /// Deaths at ages 0-9, 10-59, 60+.
    deaths_by_age: [f64; 3], sample;
    /// Deaths of males, females.
    deaths_by_sex: [f64; 2], sample;
    grain_true_t: f64, sample;
    /// As the province reported it to the centre.
    grain_reported_t: f64, real;
    /// The province's share of this year's national target.
    grain_target_t: f64, real;
    /// The province's share of the grain year's procurement plan in force.
    procurement_plan_t: f64, real;
    grain_procured_t: f64, sample;
    grain_resold_t: f64, sample;
    cotton_true_t: f64, sample;
    cotton_reported_t: f64, real;
    /// Sum over rural people of their daily kcal (divide by rural population for a mean).
    kcal_rural_total: f64, sample;
    workers_rural: f64, sample;
    workers_farm: f64, sample;
    workers_steel: f64, sample;
    workers_irrigation: f64, sample;
    persons_in_mess_halls: f64, sample;
    communes: f64, real;
    steel_true_t: f64, real;
    steel_usable_t: f64, real;
    steel_reported_t: f64, real;
    coal_true_t: f64, real;
    coal_reported_t: f64, real;
    /// Modern industrial output in capacity units (1953 average = 1 per year).
    industry_output: f64, real;
    /// The same as claimed (at the reported steel and coal inflation).
    industry_output_claimed: f64, real;
    backyard_steel_t: f64, sample;
    births_unplaced: f64, sample;
}

/// The whole month.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthReport {
    pub month: Month,
    /// Per province, in the order of the inputs.
    pub provinces: Vec<RegionMonth>,
    /// The state granary's ledger for the month (national, real tonnes).
    pub granary: GranaryFlows,
    /// The granary's stock at the month's end, real tonnes.
    pub granary_t: f64,
    /// The centre's trust in reports at the month's end, after it has heard the month (the
    /// truth step sets it; the share of reported output it claims as real).
    pub trust: f64,
}

/// Counts of a range of teams, summed as integers (exact, and cheaper than one float per field).
#[derive(Default)]
struct Counts {
    persons: u64,
    births: u64,
    births_unplaced: u64,
    /// By [age group][0 male, 1 female].
    deaths: [[u64; 2]; 3],
    persons_in_mess_halls: u64,
    migrants_in: u64,
}

impl Counts {
    #[inline]
    fn add(&mut self, f: &TeamFlow, persons: u32) {
        self.persons += persons as u64;
        self.births += f.births as u64;
        self.births_unplaced += f.births_unplaced as u64;
        for (sum, d) in self.deaths.iter_mut().zip(&f.deaths) {
            sum[0] += d[0] as u64;
            sum[1] += d[1] as u64;
        }
        self.persons_in_mess_halls += if f.eats_in_mess_hall { persons as u64 } else { 0 };
        self.migrants_in += f.migrants_in as u64;
    }
    /// Into `r`, as the sample's numbers (before scaling up).
    fn write(&self, r: &mut RegionMonth, urban: bool) {
        let deaths: u64 = self.deaths.iter().flatten().sum();
        r.births = self.births as f64;
        r.deaths = deaths as f64;
        for (g, d) in self.deaths.iter().enumerate() {
            r.deaths_by_age[g] = (d[0] + d[1]) as f64;
        }
        r.deaths_by_sex = [0, 1].map(|s| self.deaths.iter().map(|d| d[s]).sum::<u64>() as f64);
        r.births_unplaced = self.births_unplaced as f64;
        r.population = self.persons as f64;
        if urban {
            (r.population_urban, r.deaths_urban) = (self.persons as f64, deaths as f64);
            r.migrants_to_cities = self.migrants_in as f64;
        } else {
            (r.population_rural, r.deaths_rural) = (self.persons as f64, deaths as f64);
            r.migrants_from_cities = self.migrants_in as f64;
            r.persons_in_mess_halls = self.persons_in_mess_halls as f64;
        }
    }
}

/// The sample's month of a range of rural teams.
fn rural_month(world: &World, teams: std::ops::Range<usize>) -> RegionMonth {
    let mut r = RegionMonth::default();
    let mut counts = Counts::default();
    for t in teams {
        let persons = world.teams.census[t].persons;
        let f = &world.teams.flow[t];
        counts.add(f, persons);
        r.grain_true_t += f.harvest_kg as f64 / 1000.0;
        r.cotton_true_t += f.cotton_kg as f64 / 1000.0;
        r.grain_procured_t += f.procured_kg as f64 / 1000.0;
        r.grain_resold_t += f.resold_kg as f64 / 1000.0;
        r.backyard_steel_t += f.backyard_steel_kg as f64 / 1000.0;
        r.kcal_rural_total += f.kcal_per_day as f64 * persons as f64;
        r.workers_farm += f.workers_farm as f64;
        r.workers_steel += f.workers_steel as f64;
        r.workers_irrigation += f.workers_irrigation as f64;
        r.workers_rural += (f.workers_farm + f.workers_steel + f.workers_irrigation + f.workers_other) as f64;
    }
    counts.write(&mut r, false);
    r
}

/// The sample's month of a range of urban teams.
fn urban_month(world: &World, teams: std::ops::Range<usize>) -> RegionMonth {
    let mut r = RegionMonth::default();
    let mut counts = Counts::default();
    for t in teams {
        counts.add(&world.teams.flow[t], world.teams.census[t].persons);
    }
    counts.write(&mut r, true);
    r
}

/// The month as observed: each province's flows, people and reports in real-world units, and
/// the state's national flows. Reads the world; changes nothing.
pub fn observe(world: &World, province_reports: &[ProvinceReport]) -> MonthReport {
    let params = &world.params;
    let (industry, steel, coal) = production::modern_output(&params.industry, &world.policy, &world.centre);
    let (cadres, climate) = (&params.reporting, world.policy.politics.climate);
    let steel_f = reporting::industry_factor(cadres, climate, cadres.steel_inflation);
    let coal_f = reporting::industry_factor(cadres, climate, cadres.coal_inflation);
    let usable = params.production.backyard_usable_share;
    let provinces = world
        .provinces
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut rural = rural_month(world, p.rural_teams.clone());
            let mut urban = urban_month(world, p.urban_teams.clone());
            rural.scale(p.expand_rural);
            urban.scale(p.expand_urban);
            let mut r = rural;
            r.merge(&urban);
            r.grain_reported_t = province_reports[i].grain_kg * p.expand_rural / 1000.0;
            r.cotton_reported_t = province_reports[i].cotton_kg * p.expand_rural / 1000.0;
            r.grain_target_t = p.grain_target_t;
            r.procurement_plan_t = p.procurement_plan_t;
            r.communes = world.real_communes(r.population_rural);
            r.industry_output = industry * p.industry_share;
            r.industry_output_claimed = r.industry_output * (steel_f + coal_f) / 2.0;
            let modern_steel = steel * p.industry_share;
            r.steel_true_t = modern_steel + r.backyard_steel_t;
            r.steel_usable_t = modern_steel + usable * r.backyard_steel_t;
            r.steel_reported_t = r.steel_true_t * steel_f;
            r.coal_true_t = coal * p.industry_share;
            r.coal_reported_t = r.coal_true_t * coal_f;
            r
        })
        .collect();
    let c = &world.centre;
    MonthReport { month: world.month, provinces, granary: c.flows, granary_t: c.granary_t, trust: c.trust }
}

/// Add `b` into `a`, field by field.
pub fn merge(a: &mut RegionMonth, b: &RegionMonth) {
    a.merge(b);
}
