//! The output series of DESIGN §4, computed from the model's monthly reports: one collector
//! turns a run's `MonthReport`s into tidy annual and monthly tables.
//!
//! Every series is declared once, in [`ALL`]: its name (ending with its unit), its unit and how
//! its value is computed stand together, so the CSV header and the values cannot drift apart.

use leapsim_core::observe::merge;
use leapsim_core::state::GranaryFlows;
use leapsim_core::{MonthReport, RegionMonth};

/// What a series is measured in. A series' name ends with one of its unit's
/// [suffixes](Unit::suffixes); counts of persons or communes have none (the name is the
/// thing counted). The few names with a qualifier after the unit word are in [`QUALIFIED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Real-world persons (scaled up from the sample). No suffix: `population`, `deaths_male`.
    Persons,
    /// Real-world communes. No suffix: `communes`.
    Communes,
    /// Per 1,000 persons per year: `_permille`.
    PerMille,
    /// Million tonnes: `_mt`.
    MillionTonnes,
    /// A fraction, 0 to 1: `_ratio` or `_share`.
    Fraction,
    /// Kilocalories per person per day: `_kcal_per_capita`.
    KcalPerCapita,
    /// An index, 1957 = 100: `_index`.
    Index1957,
    /// Kilograms per person per year: `_kg_per_year`.
    KgPerPersonYear,
}

impl Unit {
    /// The endings a name in this unit may have; empty for counts.
    pub const fn suffixes(self) -> &'static [&'static str] {
        match self {
            Unit::Persons | Unit::Communes => &[],
            Unit::PerMille => &["_permille"],
            Unit::MillionTonnes => &["_mt"],
            Unit::Fraction => &["_ratio", "_share"],
            Unit::KcalPerCapita => &["_kcal_per_capita"],
            Unit::Index1957 => &["_index"],
            Unit::KgPerPersonYear => &["_kg_per_year"],
        }
    }

    /// The unit as `docs/odd.md` writes it.
    pub const fn label(self) -> &'static str {
        match self {
            Unit::Persons => "persons",
            Unit::Communes => "units",
            Unit::PerMille => "per 1,000 per year",
            Unit::MillionTonnes => "Mt",
            Unit::Fraction => "fraction",
            Unit::KcalPerCapita => "kcal per person per day",
            Unit::Index1957 => "1957 = 100",
            Unit::KgPerPersonYear => "kg per person per year",
        }
    }
}

/// Names whose unit word is followed by a qualifier (the sector, the population, "as claimed"),
/// so that they do not end with their unit's suffix but contain it.
pub const QUALIFIED: &[&str] = &[
    "kcal_per_capita_rural",
    "labour_share_farm",
    "labour_share_steel",
    "labour_share_irrigation",
    "agri_output_index_claimed",
    "industry_output_index_claimed",
    "national_income_index_claimed",
];

/// One output series: its name, its unit and how its value is computed from a period of a
/// region.
pub struct Series {
    pub name: &'static str,
    pub unit: Unit,
    value: fn(&Ctx) -> f64,
}

const fn series(name: &'static str, unit: Unit, value: fn(&Ctx) -> f64) -> Series {
    Series { name, unit, value }
}

/// Every series in output order (DESIGN §4), then the extras.
#[rustfmt::skip]
pub const ALL: &[Series] = {
    use Unit::*;
    &[
        series("population", Persons, |c| c.p.end.population),
        series("births", Persons, |c| c.s().births),
        series("deaths", Persons, |c| c.s().deaths),
        series("cbr_permille", PerMille, |c| c.per_mille(c.s().births, c.p.mean_pop[0])),
        series("cdr_permille", PerMille, |c| c.per_mille(c.s().deaths, c.p.mean_pop[0])),
        series("excess_deaths", Persons, |c| c.s().deaths - c.base.death_rate * c.p.mean_pop[0] * c.years),
        series("grain_true_mt", MillionTonnes, |c| mt(c.s().grain_true_t)),
        series("grain_reported_mt", MillionTonnes, |c| mt(c.s().grain_reported_t)),
        series("grain_target_mt", MillionTonnes, |c| mt(c.p.first.grain_target_t)),
        series("grain_procured_mt", MillionTonnes, |c| mt(c.s().grain_procured_t)),
        series("procurement_ratio", Fraction, |c| ratio(c.s().grain_procured_t, c.s().grain_true_t)),
        series("grain_exported_mt", MillionTonnes, |c| c.national_only(mt(c.p.granary.exported_t))),
        series("grain_imported_mt", MillionTonnes, |c| c.national_only(mt(c.p.granary.imported_t))),
        series("kcal_per_capita_rural", KcalPerCapita, |c| ratio(c.s().kcal_rural_total, c.s().population_rural)),
        series("steel_true_mt", MillionTonnes, |c| mt(c.s().steel_true_t)),
        series("steel_usable_mt", MillionTonnes, |c| mt(c.s().steel_usable_t)),
        series("steel_reported_mt", MillionTonnes, |c| mt(c.s().steel_reported_t)),
        series("coal_true_mt", MillionTonnes, |c| mt(c.s().coal_true_t)),
        series("coal_reported_mt", MillionTonnes, |c| mt(c.s().coal_reported_t)),
        series("cotton_true_mt", MillionTonnes, |c| mt(c.s().cotton_true_t)),
        series("cotton_reported_mt", MillionTonnes, |c| mt(c.s().cotton_reported_t)),
        series("labour_share_farm", Fraction, |c| ratio(c.s().workers_farm, c.s().workers_rural)),
        series("labour_share_steel", Fraction, |c| ratio(c.s().workers_steel, c.s().workers_rural)),
        series("labour_share_irrigation", Fraction, |c| ratio(c.s().workers_irrigation, c.s().workers_rural)),
        series("mess_hall_share", Fraction, |c| ratio(c.s().persons_in_mess_halls, c.s().population_rural)),
        series("communes", Communes, |c| c.p.end.communes),
        series("agri_output_index", Index1957, |c| c.agri),
        series("industry_output_index", Index1957, |c| c.industry),
        series("national_income_index", Index1957, |c| c.national_income(c.agri, c.industry)),
        series("deaths_age_0_9", Persons, |c| c.s().deaths_by_age[0]),
        series("deaths_age_10_59", Persons, |c| c.s().deaths_by_age[1]),
        series("deaths_age_60_plus", Persons, |c| c.s().deaths_by_age[2]),
        series("deaths_male", Persons, |c| c.s().deaths_by_sex[0]),
        series("deaths_female", Persons, |c| c.s().deaths_by_sex[1]),
        series("cdr_rural_permille", PerMille, |c| c.per_mille(c.s().deaths_rural, c.p.mean_pop[1])),
        series("cdr_urban_permille", PerMille, |c| c.per_mille(c.s().deaths_urban, c.p.mean_pop[2])),
        // extras
        series("population_rural", Persons, |c| c.p.end.population_rural),
        series("population_urban", Persons, |c| c.p.end.population_urban),
        series("migrants_to_cities", Persons, |c| c.s().migrants_to_cities),
        series("migrants_from_cities", Persons, |c| c.s().migrants_from_cities),
        series("grain_resold_mt", MillionTonnes, |c| mt(c.s().grain_resold_t)),
        series("grain_procured_net_mt", MillionTonnes, |c| mt(c.s().grain_procured_t - c.s().grain_resold_t)),
        series("state_granary_mt", MillionTonnes, |c| c.national_only(mt(c.p.granary_end_t))),
        series("state_granary_low_mt", MillionTonnes, |c| c.national_only(mt(c.p.granary_low_t))),
        series("state_urban_supplied_mt", MillionTonnes, |c| c.national_only(mt(c.p.granary.urban_supplied_t))),
        series("state_other_use_mt", MillionTonnes, |c| c.national_only(mt(c.p.granary.other_use_t))),
        series("urban_ration_kg_per_year", KgPerPersonYear, |c| c.national_only(c.p.granary.urban_ration_kg_per_year / c.p.months)),
        series("procurement_plan_mt", MillionTonnes, |c| mt(c.p.end.procurement_plan_t)),
        series("grain_year_procured_mt", MillionTonnes, |c| c.p.grain_year.map_or(f64::NAN, |g| mt(g.procured_t))),
        series("grain_year_procured_net_mt", MillionTonnes, |c| c.p.grain_year.map_or(f64::NAN, |g| mt(g.procured_t - g.resold_t))),
        series("grain_year_procurement_ratio", Fraction, |c| c.p.grain_year.map_or(f64::NAN, |g| ratio(g.procured_t, c.s().grain_true_t))),
        series("grain_claimed_mt", MillionTonnes, |c| c.national_only(mt(c.s().grain_reported_t * c.p.trust_end))),
        series("steel_backyard_mt", MillionTonnes, |c| mt(c.s().backyard_steel_t)),
        series("agri_output_index_claimed", Index1957, |c| c.agri_claimed),
        series("industry_output_index_claimed", Index1957, |c| c.industry_claimed),
        series("national_income_index_claimed", Index1957, |c| c.national_income(c.agri_claimed, c.industry_claimed)),
        // Excess deaths by age and sex: each group's deaths minus its 1956-1957 deaths per
        // person-year of the whole population; the three ages (and the two sexes) add up to
        // excess_deaths.
        series("excess_deaths_age_0_9", Persons, |c| c.s().deaths_by_age[0] - c.base.by_age[0] * c.p.mean_pop[0] * c.years),
        series("excess_deaths_age_10_59", Persons, |c| c.s().deaths_by_age[1] - c.base.by_age[1] * c.p.mean_pop[0] * c.years),
        series("excess_deaths_age_60_plus", Persons, |c| c.s().deaths_by_age[2] - c.base.by_age[2] * c.p.mean_pop[0] * c.years),
        series("excess_deaths_male", Persons, |c| c.s().deaths_by_sex[0] - c.base.by_sex[0] * c.p.mean_pop[0] * c.years),
        series("excess_deaths_female", Persons, |c| c.s().deaths_by_sex[1] - c.base.by_sex[1] * c.p.mean_pop[0] * c.years),
    ]
};

/// Series names in output order, with their units in the name: the names of [`ALL`].
pub const SERIES: &[&str] = &{
    let mut names = [""; ALL.len()];
    let mut i = 0;
    while i < ALL.len() {
        names[i] = ALL[i].name;
        i += 1;
    }
    names
};

/// One row of a tidy table; `month` is `None` in the annual table.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub year: i32,
    pub month: Option<u32>,
    pub region: String,
    pub series: &'static str,
    pub value: f64,
}

/// Annual and monthly tables of a run.
#[derive(Clone, Debug, Default)]
pub struct Tables {
    pub annual: Vec<Row>,
    pub monthly: Vec<Row>,
    /// (year, region, series) -> index in `annual`.
    index: std::collections::HashMap<(i32, String, &'static str), usize>,
}

impl Tables {
    /// Annual value of a series, if present.
    pub fn annual(&self, year: i32, region: &str, series: &str) -> Option<f64> {
        let key = SERIES.iter().find(|s| **s == series)?;
        self.index.get(&(year, region.to_string(), *key)).map(|&i| self.annual[i].value)
    }
}

/// A period (one month or one year) of one region.
struct Period {
    sum: RegionMonth,
    end: RegionMonth,
    first: RegionMonth,
    /// Mean of the month-end populations (total, rural, urban).
    mean_pop: [f64; 3],
    /// The granary's flows summed over the period (opening: the first month's).
    granary: GranaryFlows,
    granary_end_t: f64,
    /// The lowest month-end stock of the period: the trough before a harvest.
    granary_low_t: f64,
    /// The centre's trust in reports at the end of the period.
    trust_end: f64,
    months: f64,
    /// Procurement in the grain year that opens in July of the period's year, as the grain
    /// accounts count it; `None` for a month, and for a year whose grain year the run does not
    /// cover whole.
    grain_year: Option<GrainYear>,
}

/// Procurement and resales of one grain year (July to June), real tonnes.
#[derive(Clone, Copy)]
struct GrainYear {
    procured_t: f64,
    resold_t: f64,
}

impl GrainYear {
    /// The grain year opening in July of `year`, if `months` (one region's, in order) hold all of
    /// its twelve months.
    fn of(months: &[(&RegionMonth, &MonthReport)], year: i32) -> Option<GrainYear> {
        let in_year: Vec<&RegionMonth> =
            months.iter().filter(|(_, m)| m.month.grain_year() == year).map(|(r, _)| *r).collect();
        (in_year.len() == 12).then(|| GrainYear {
            procured_t: in_year.iter().map(|r| r.grain_procured_t).sum(),
            resold_t: in_year.iter().map(|r| r.grain_resold_t).sum(),
        })
    }
}

impl Period {
    fn of(months: &[(&RegionMonth, &MonthReport)]) -> Period {
        let mut sum = RegionMonth::default();
        let mut mean_pop = [0.0; 3];
        let mut granary = GranaryFlows::open(months[0].1.granary.opening_t);
        for (r, m) in months {
            merge(&mut sum, r);
            mean_pop[0] += r.population;
            mean_pop[1] += r.population_rural;
            mean_pop[2] += r.population_urban;
            granary.add_flows(&m.granary);
        }
        let n = months.len() as f64;
        for v in &mut mean_pop {
            *v /= n;
        }
        let (end, last) = *months.last().unwrap();
        Period {
            sum,
            end: end.clone(),
            first: months[0].0.clone(),
            mean_pop,
            granary,
            granary_end_t: last.granary_t,
            granary_low_t: months.iter().map(|(_, m)| m.granary_t).fold(f64::INFINITY, f64::min),
            trust_end: last.trust,
            months: n,
            grain_year: None,
        }
    }
}

/// What indices and excess deaths are measured against, per region.
struct Base {
    /// Deaths per person-year in 1956-1957.
    death_rate: f64,
    /// The same by age group (0-9, 10-59, 60+) and by sex (male, female), per person-year of
    /// the whole population.
    by_age: [f64; 3],
    by_sex: [f64; 2],
    /// 1957 grain, cotton, industry output per month.
    grain: f64,
    cotton: f64,
    industry: f64,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

fn mt(t: f64) -> f64 {
    t / 1e6
}

/// What a series' value is computed from: one period (a month or a year) of one region, with
/// what the region is measured against, and the indices every index series shares.
struct Ctx<'a> {
    p: &'a Period,
    base: &'a Base,
    national: bool,
    agri_weight: f64,
    /// The period's length in years: rates are per person-year.
    years: f64,
    agri: f64,
    industry: f64,
    /// As claimed: reported grain and cotton, modern industry at its reported inflation.
    agri_claimed: f64,
    industry_claimed: f64,
}

impl<'a> Ctx<'a> {
    fn new(p: &'a Period, base: &'a Base, national: bool, cotton_weight: f64, agri_weight: f64) -> Ctx<'a> {
        let s = &p.sum;
        let index = |v: f64, base_per_month: f64| 100.0 * ratio(v, base_per_month * p.months);
        let agri_index = |grain: f64, cotton: f64| {
            100.0
                * ((1.0 - cotton_weight) * ratio(grain, base.grain * p.months)
                    + cotton_weight * ratio(cotton, base.cotton * p.months))
        };
        Ctx {
            p,
            base,
            national,
            agri_weight,
            years: p.months / 12.0,
            agri: agri_index(s.grain_true_t, s.cotton_true_t),
            industry: index(s.industry_output, base.industry),
            agri_claimed: agri_index(s.grain_reported_t, s.cotton_reported_t),
            industry_claimed: index(s.industry_output_claimed, base.industry),
        }
    }

    /// The period's sums.
    fn s(&self) -> &RegionMonth {
        &self.p.sum
    }

    /// A count per 1,000 person-years: a month's count times 12 over its population.
    fn per_mille(&self, count: f64, pop: f64) -> f64 {
        ratio(count, pop * self.years) * 1000.0
    }

    /// `v` for the nation, NaN for a province.
    fn national_only(&self, v: f64) -> f64 {
        if self.national {
            v
        } else {
            f64::NAN
        }
    }

    fn national_income(&self, agri: f64, industry: f64) -> f64 {
        self.agri_weight * agri + (1.0 - self.agri_weight) * industry
    }
}

/// The value of every series of [`ALL`], in order.
fn values(p: &Period, base: &Base, national: bool, cotton_weight: f64, agri_weight: f64) -> Vec<f64> {
    let ctx = Ctx::new(p, base, national, cotton_weight, agri_weight);
    ALL.iter().map(|s| (s.value)(&ctx)).collect()
}

/// Build the tables from a run's reports. `regions` are the province codes in report order.
pub fn tables(reports: &[MonthReport], regions: &[String], cotton_weight: f64, agri_weight: f64) -> Tables {
    let mut out = Tables::default();
    if reports.is_empty() {
        return out;
    }
    // Region 0 is the nation: the sum of the provinces.
    let nation: Vec<RegionMonth> = reports
        .iter()
        .map(|m| {
            let mut n = RegionMonth::default();
            for p in &m.provinces {
                merge(&mut n, p);
            }
            n
        })
        .collect();
    let names: Vec<&str> = std::iter::once("CN").chain(regions.iter().map(String::as_str)).collect();
    let first_year = reports[0].month.year();
    let last_year = reports.last().unwrap().month.year();
    // Values per region: annual[region][year][series], monthly[region][month][series].
    let mut annual: Vec<Vec<(i32, Vec<f64>)>> = Vec::new();
    let mut monthly: Vec<Vec<Vec<f64>>> = Vec::new();
    for ri in 0..names.len() {
        let months: Vec<(&RegionMonth, &MonthReport)> = reports
            .iter()
            .enumerate()
            .map(|(i, m)| (if ri == 0 { &nation[i] } else { &m.provinces[ri - 1] }, m))
            .collect();
        let year_months = |y: i32| -> Vec<(&RegionMonth, &MonthReport)> {
            months.iter().filter(|(_, m)| m.month.year() == y).cloned().collect()
        };
        let base = {
            let (mut d, mut py, mut by_age, mut by_sex) = (0.0, 0.0, [0.0; 3], [0.0; 2]);
            for y in [1956, 1957] {
                let ym = year_months(y);
                if !ym.is_empty() {
                    let p = Period::of(&ym);
                    d += p.sum.deaths;
                    py += p.mean_pop[0] * p.months / 12.0;
                    (0..3).for_each(|g| by_age[g] += p.sum.deaths_by_age[g]);
                    (0..2).for_each(|x| by_sex[x] += p.sum.deaths_by_sex[x]);
                }
            }
            let y57 = year_months(1957);
            let p57 = (!y57.is_empty()).then(|| Period::of(&y57));
            let per_month = |f: fn(&RegionMonth) -> f64| p57.as_ref().map(|p| f(&p.sum) / p.months).unwrap_or(f64::NAN);
            Base {
                death_rate: ratio(d, py),
                by_age: by_age.map(|x| ratio(x, py)),
                by_sex: by_sex.map(|x| ratio(x, py)),
                grain: per_month(|r| r.grain_true_t),
                cotton: per_month(|r| r.cotton_true_t),
                industry: per_month(|r| r.industry_output),
            }
        };
        let national = ri == 0;
        annual.push(
            (first_year..=last_year)
                .map(|y| (y, year_months(y)))
                .filter(|(_, ym)| !ym.is_empty())
                .map(|(y, ym)| {
                    let period = Period { grain_year: GrainYear::of(&months, y), ..Period::of(&ym) };
                    (y, values(&period, &base, national, cotton_weight, agri_weight))
                })
                .collect(),
        );
        monthly.push(
            months
                .iter()
                .map(|m| values(&Period::of(std::slice::from_ref(m)), &base, national, cotton_weight, agri_weight))
                .collect(),
        );
    }
    // Rows by year (and month), then region (CN first), then series.
    for yi in 0..annual[0].len() {
        for (name, region) in names.iter().zip(&annual) {
            let (year, v) = &region[yi];
            for (s, value) in SERIES.iter().zip(v) {
                out.annual.push(Row { year: *year, month: None, region: name.to_string(), series: s, value: *value });
            }
        }
    }
    for (mi, m) in reports.iter().enumerate() {
        for (ri, name) in names.iter().enumerate() {
            for (s, value) in SERIES.iter().zip(&monthly[ri][mi]) {
                out.monthly.push(Row {
                    year: m.month.year(),
                    month: Some(m.month.month_of_year()),
                    region: name.to_string(),
                    series: s,
                    value: *value,
                });
            }
        }
    }
    out.index = out.annual.iter().enumerate().map(|(i, r)| ((r.year, r.region.clone(), r.series), i)).collect();
    out
}

/// Deterministic, compact number formatting for the CSV files.
pub fn fmt_value(v: f64) -> String {
    let mut s = String::new();
    write_value(&mut s, v);
    s
}

/// [`fmt_value`] appended to `out`, with no allocation of its own (the monthly file has about
/// 200,000 values).
pub fn write_value(out: &mut String, v: f64) {
    use std::fmt::Write;
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        write!(out, "{}", v as i64).unwrap();
        return;
    }
    let start = out.len();
    if v.abs() >= 1000.0 {
        write!(out, "{v:.1}").unwrap();
    } else {
        write!(out, "{v:.6}").unwrap();
    }
    let kept = out[start..].trim_end_matches('0').trim_end_matches('.').len();
    out.truncate(start + kept);
    if &out[start..] == "-0" {
        out.truncate(start);
        out.push('0');
    }
}

/// CSV text of a table: `year,region,series,value` or `year,month,region,series,value`.
pub fn to_csv(rows: &[Row], monthly: bool) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(rows.len() * 40);
    s.push_str(if monthly { "year,month,region,series,value\n" } else { "year,region,series,value\n" });
    for r in rows {
        match r.month {
            Some(m) if monthly => write!(s, "{},{},{},{},", r.year, m, r.region, r.series),
            _ => write!(s, "{},{},{},", r.year, r.region, r.series),
        }
        .unwrap();
        write_value(&mut s, r.value);
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn formatting() {
        assert_eq!(fmt_value(1.0), "1");
        assert_eq!(fmt_value(0.25), "0.25");
        assert_eq!(fmt_value(1234.5678), "1234.6");
        assert_eq!(fmt_value(f64::NAN), "NaN");
        assert_eq!(fmt_value(-0.0000001), "0");
        assert_eq!(fmt_value(-2.5e-7), "0");
        assert_eq!(fmt_value(-12.0), "-12");
        assert_eq!(fmt_value(1e20), "100000000000000000000");
        // Appended after what the buffer holds, which the trimming leaves alone.
        let mut s = String::from("10,");
        write_value(&mut s, 0.5);
        write_value(&mut s, -0.0000001);
        assert_eq!(s, "10,0.50");
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = SERIES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SERIES.len(), "a series name is declared twice");
        assert_eq!(SERIES.len(), ALL.len());
        assert!(SERIES.iter().zip(ALL).all(|(n, s)| *n == s.name));
    }

    /// Every name ends with its unit's suffix (counts have none), or is in [`QUALIFIED`] and
    /// holds the unit word before its qualifier; no name ends with another unit's suffix.
    #[test]
    fn names_end_with_their_unit() {
        let units = [
            Unit::Persons,
            Unit::Communes,
            Unit::PerMille,
            Unit::MillionTonnes,
            Unit::Fraction,
            Unit::KcalPerCapita,
            Unit::Index1957,
        ];
        for s in ALL {
            let own = s.unit.suffixes();
            if QUALIFIED.contains(&s.name) {
                let inside = own.iter().any(|x| s.name.contains(&format!("{}_", x.trim_start_matches('_'))));
                assert!(inside, "{} ({:?}) does not hold its unit word", s.name, s.unit);
            } else if !own.is_empty() {
                assert!(own.iter().any(|x| s.name.ends_with(x)), "{} does not end with {own:?}", s.name);
            }
            for u in units.iter().filter(|u| **u != s.unit) {
                assert!(!u.suffixes().iter().any(|x| s.name.ends_with(x)), "{} ends like a series in {u:?}", s.name);
            }
        }
        assert!(QUALIFIED.iter().all(|q| SERIES.contains(q)), "QUALIFIED names a series that does not exist");
    }

    /// `docs/odd.md` documents every series with its unit, in its table of series.
    #[test]
    fn every_series_documented_with_its_unit() {
        let odd = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/odd.md")).unwrap();
        for s in ALL {
            let quoted = format!("`{}`", s.name);
            let row = odd.lines().find(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                cells.len() > 3 && cells[1].split(", ").any(|c| c == quoted)
            });
            let row = row.unwrap_or_else(|| panic!("docs/odd.md has no row for {}", s.name));
            let unit = row.split('|').nth(2).unwrap().trim();
            assert!(
                unit.starts_with(s.unit.label()),
                "docs/odd.md gives {} the unit `{unit}`, the code {:?}",
                s.name,
                s.unit
            );
        }
    }
}
