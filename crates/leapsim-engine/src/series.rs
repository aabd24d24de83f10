//! The output series of DESIGN §4, computed from the model's monthly reports: one collector
//! turns a run's `MonthReport`s into tidy annual and monthly tables.

use leapsim_core::observe::merge;
use leapsim_core::{MonthReport, RegionMonth};

/// Series names in output order, with their units in the name (DESIGN §4), then extras.
pub const SERIES: &[&str] = &[
    "population",
    "births",
    "deaths",
    "cbr_permille",
    "cdr_permille",
    "excess_deaths",
    "grain_true_mt",
    "grain_reported_mt",
    "grain_target_mt",
    "grain_procured_mt",
    "procurement_ratio",
    "grain_exported_mt",
    "grain_imported_mt",
    "kcal_per_capita_rural",
    "steel_true_mt",
    "steel_usable_mt",
    "steel_reported_mt",
    "coal_true_mt",
    "coal_reported_mt",
    "cotton_true_mt",
    "cotton_reported_mt",
    "labour_share_farm",
    "labour_share_steel",
    "labour_share_irrigation",
    "mess_hall_share",
    "communes",
    "agri_output_index",
    "industry_output_index",
    "national_income_index",
    "deaths_age_0_9",
    "deaths_age_10_59",
    "deaths_age_60_plus",
    "deaths_male",
    "deaths_female",
    "cdr_rural_permille",
    "cdr_urban_permille",
    // extras
    "population_rural",
    "population_urban",
    "grain_resold_mt",
    "state_granary_mt",
    "steel_backyard_mt",
    "agri_output_index_claimed",
    "industry_output_index_claimed",
    "national_income_index_claimed",
];

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
    exported_t: f64,
    imported_t: f64,
    granary_end_t: f64,
    months: f64,
}

impl Period {
    fn of(months: &[(&RegionMonth, &MonthReport)]) -> Period {
        let mut sum = RegionMonth::default();
        let mut mean_pop = [0.0; 3];
        let (mut ex, mut im) = (0.0, 0.0);
        for (r, m) in months {
            merge(&mut sum, r);
            mean_pop[0] += r.population;
            mean_pop[1] += r.population_rural;
            mean_pop[2] += r.population_urban;
            ex += m.grain_exported_t;
            im += m.grain_imported_t;
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
            exported_t: ex,
            imported_t: im,
            granary_end_t: last.granary_t,
            months: n,
        }
    }
}

/// What indices and excess deaths are measured against, per region.
struct Base {
    /// Deaths per person-year in 1956-1957.
    death_rate: f64,
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

fn values(p: &Period, base: &Base, national: bool, cotton_weight: f64, agri_weight: f64) -> Vec<f64> {
    let s = &p.sum;
    // Rates are per person-year: a month's count times 12 over its population.
    let years = p.months / 12.0;
    let per_mille = |count: f64, pop: f64| ratio(count, pop * years) * 1000.0;
    let mt = |t: f64| t / 1e6;
    let agri = 100.0
        * ((1.0 - cotton_weight) * ratio(s.grain_true_t, base.grain * p.months)
            + cotton_weight * ratio(s.cotton_true_t, base.cotton * p.months));
    let industry = 100.0 * ratio(s.industry_output, base.industry * p.months);
    // As claimed: reported grain and cotton, modern industry at its reported inflation.
    let agri_claimed = 100.0
        * ((1.0 - cotton_weight) * ratio(s.grain_reported_t, base.grain * p.months)
            + cotton_weight * ratio(s.cotton_reported_t, base.cotton * p.months));
    let industry_claimed = 100.0 * ratio(s.industry_output_claimed, base.industry * p.months);
    let national_only = |v: f64| if national { v } else { f64::NAN };
    vec![
        p.end.population,
        s.births,
        s.deaths,
        per_mille(s.births, p.mean_pop[0]),
        per_mille(s.deaths, p.mean_pop[0]),
        s.deaths - base.death_rate * p.mean_pop[0] * years,
        mt(s.grain_true_t),
        mt(s.grain_reported_t),
        mt(p.first.grain_target_t),
        mt(s.grain_procured_t),
        ratio(s.grain_procured_t, s.grain_true_t),
        national_only(mt(p.exported_t)),
        national_only(mt(p.imported_t)),
        ratio(s.kcal_rural_total, s.population_rural),
        mt(s.steel_true_t),
        mt(s.steel_usable_t),
        mt(s.steel_reported_t),
        mt(s.coal_true_t),
        mt(s.coal_reported_t),
        mt(s.cotton_true_t),
        mt(s.cotton_reported_t),
        ratio(s.workers_farm, s.workers_rural),
        ratio(s.workers_steel, s.workers_rural),
        ratio(s.workers_irrigation, s.workers_rural),
        ratio(s.persons_in_mess_halls, s.population_rural),
        p.end.communes,
        agri,
        industry,
        agri_weight * agri + (1.0 - agri_weight) * industry,
        s.deaths_by_age[0],
        s.deaths_by_age[1],
        s.deaths_by_age[2],
        s.deaths_by_sex[0],
        s.deaths_by_sex[1],
        per_mille(s.deaths_rural, p.mean_pop[1]),
        per_mille(s.deaths_urban, p.mean_pop[2]),
        p.end.population_rural,
        p.end.population_urban,
        mt(s.grain_resold_t),
        national_only(mt(p.granary_end_t)),
        mt(s.backyard_steel_t),
        agri_claimed,
        industry_claimed,
        agri_weight * agri_claimed + (1.0 - agri_weight) * industry_claimed,
    ]
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
            let (mut d, mut py) = (0.0, 0.0);
            for y in [1956, 1957] {
                let ym = year_months(y);
                if !ym.is_empty() {
                    let p = Period::of(&ym);
                    d += p.sum.deaths;
                    py += p.mean_pop[0] * p.months / 12.0;
                }
            }
            let y57 = year_months(1957);
            let p57 = (!y57.is_empty()).then(|| Period::of(&y57));
            let per_month = |f: fn(&RegionMonth) -> f64| p57.as_ref().map(|p| f(&p.sum) / p.months).unwrap_or(f64::NAN);
            Base {
                death_rate: ratio(d, py),
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
                .map(|(y, ym)| (y, values(&Period::of(&ym), &base, national, cotton_weight, agri_weight)))
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
        for (ri, name) in names.iter().enumerate() {
            let (year, v) = &annual[ri][yi];
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
}
