//! What a month produced, in real-world units (persons, tonnes), per province. The engine's
//! collectors turn these into the output series; the model never writes anything itself.

use crate::calendar::Month;
use crate::mechanisms::{production, reporting};
use crate::state::{TeamFlow, World};
use rayon::prelude::*;

/// One province's month, scaled up from the sample to real-world units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegionMonth {
    pub population: f64,
    pub population_rural: f64,
    pub population_urban: f64,
    pub births: f64,
    pub deaths: f64,
    pub deaths_rural: f64,
    pub deaths_urban: f64,
    /// Deaths at ages 0-9, 10-59, 60+.
    pub deaths_by_age: [f64; 3],
    /// Deaths of males, females.
    pub deaths_by_sex: [f64; 2],
    pub grain_true_t: f64,
    /// As the province reported it to the centre.
    pub grain_reported_t: f64,
    /// The province's share of this year's national target.
    pub grain_target_t: f64,
    pub grain_procured_t: f64,
    pub grain_resold_t: f64,
    pub cotton_true_t: f64,
    pub cotton_reported_t: f64,
    /// Sum over rural people of their daily kcal (divide by rural population for a mean).
    pub kcal_rural_total: f64,
    pub workers_rural: f64,
    pub workers_farm: f64,
    pub workers_steel: f64,
    pub workers_irrigation: f64,
    pub persons_in_mess_halls: f64,
    pub communes: f64,
    pub steel_true_t: f64,
    pub steel_usable_t: f64,
    pub steel_reported_t: f64,
    pub coal_true_t: f64,
    pub coal_reported_t: f64,
    /// Modern industrial output in capacity units (1953 average = 1 per year).
    pub industry_output: f64,
    /// The same as claimed (at the reported steel and coal inflation).
    pub industry_output_claimed: f64,
    pub backyard_steel_t: f64,
    pub births_unplaced: f64,
}

/// The whole month.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthReport {
    pub month: Month,
    /// Per province, in the order of the inputs.
    pub provinces: Vec<RegionMonth>,
    pub grain_exported_t: f64,
    pub grain_imported_t: f64,
    pub granary_t: f64,
    pub urban_supplied_t: f64,
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
        } else {
            (r.population_rural, r.deaths_rural) = (self.persons as f64, deaths as f64);
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

fn scale(r: &mut RegionMonth, e: f64) {
    for v in [
        &mut r.population,
        &mut r.population_rural,
        &mut r.population_urban,
        &mut r.births,
        &mut r.deaths,
        &mut r.deaths_rural,
        &mut r.deaths_urban,
        &mut r.grain_true_t,
        &mut r.grain_procured_t,
        &mut r.grain_resold_t,
        &mut r.cotton_true_t,
        &mut r.kcal_rural_total,
        &mut r.workers_rural,
        &mut r.workers_farm,
        &mut r.workers_steel,
        &mut r.workers_irrigation,
        &mut r.persons_in_mess_halls,
        &mut r.births_unplaced,
        &mut r.backyard_steel_t,
    ] {
        *v *= e;
    }
    for v in r.deaths_by_age.iter_mut().chain(r.deaths_by_sex.iter_mut()) {
        *v *= e;
    }
}

pub fn observe(world: &World, province_reports: &[(f64, f64)]) -> MonthReport {
    let (industry, steel, coal) = production::modern_output(world);
    let params = &world.params;
    let steel_f = reporting::industry_factor(params, world.centre.climate, params.reporting.steel_inflation);
    let coal_f = reporting::industry_factor(params, world.centre.climate, params.reporting.coal_inflation);
    let usable = params.production.backyard_usable_share;
    let provinces = world
        .provinces
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut rural = rural_month(world, p.rural_teams.clone());
            let mut urban = urban_month(world, p.urban_teams.clone());
            scale(&mut rural, p.expand_rural);
            scale(&mut urban, p.expand_urban);
            let mut r = rural;
            merge(&mut r, &urban);
            r.grain_reported_t = province_reports[i].0 * p.expand_rural / 1000.0;
            r.cotton_reported_t = province_reports[i].1 * p.expand_rural / 1000.0;
            r.grain_target_t = p.grain_target_t;
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
    MonthReport {
        month: world.month,
        provinces,
        grain_exported_t: c.exported_t,
        grain_imported_t: c.imported_t,
        granary_t: c.granary_t,
        urban_supplied_t: c.urban_supplied_t,
    }
}

/// Add `b` into `a`, field by field.
pub fn merge(a: &mut RegionMonth, b: &RegionMonth) {
    macro_rules! add { ($($f:ident),*) => { $( a.$f += b.$f; )* } }
    add!(
        population,
        population_rural,
        population_urban,
        births,
        deaths,
        deaths_rural,
        deaths_urban,
        grain_true_t,
        grain_reported_t,
        grain_target_t,
        grain_procured_t,
        grain_resold_t,
        cotton_true_t,
        cotton_reported_t,
        kcal_rural_total,
        workers_rural,
        workers_farm,
        workers_steel,
        workers_irrigation,
        persons_in_mess_halls,
        communes,
        steel_true_t,
        steel_usable_t,
        steel_reported_t,
        coal_true_t,
        coal_reported_t,
        industry_output,
        industry_output_claimed,
        backyard_steel_t,
        births_unplaced
    );
    for i in 0..3 {
        a.deaths_by_age[i] += b.deaths_by_age[i];
    }
    for i in 0..2 {
        a.deaths_by_sex[i] += b.deaths_by_sex[i];
    }
}
