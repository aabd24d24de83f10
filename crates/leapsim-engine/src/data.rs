//! The project's data (`data/` at the repository root), embedded in the binary: provincial
//! inputs and the national record the runs are compared with.

use crate::csv::records;
use leapsim_core::ProvinceInput;
use std::collections::HashMap;

pub const PROVINCES_CSV: &str = include_str!("../../../data/provinces.csv");
pub const NATIONAL_CSV: &str = include_str!("../../../data/national.csv");
pub const WEATHER_CSV: &str = include_str!("../../../data/weather.csv");
pub const URBAN_CSV: &str = include_str!("../../../data/urban_population.csv");

/// National end-1952 population, the run's starting population (data/national.csv).
const POPULATION_END_1952_VARIABLE: (i32, &str) = (1952, "population_year_end");

/// The national record: `(year, variable) -> value`, from data/national.csv.
#[derive(Clone, Debug, Default)]
pub struct Record {
    values: HashMap<(i32, String), f64>,
}

impl Record {
    pub fn embedded() -> Record {
        let mut values = HashMap::new();
        for (_, r) in records(NATIONAL_CSV) {
            if let (Ok(y), Ok(v)) = (r["year"].parse::<i32>(), r["value"].parse::<f64>()) {
                values.insert((y, r["variable"].clone()), v);
            }
        }
        Record { values }
    }
    pub fn get(&self, year: i32, variable: &str) -> Option<f64> {
        self.values.get(&(year, variable.to_string())).copied()
    }
}

/// Provincial inputs for the model, from data/provinces.csv.
///
/// Two national adjustments, both because the provincial panel does not cover the whole
/// country (Tibet and the army are outside it, and borders differ between sources):
/// populations are scaled so that they sum to the national end-1952 population, and grain
/// bases so that they sum to the national 1955-1957 mean output.
pub fn provinces() -> Result<Vec<ProvinceInput>, String> {
    let mut by_code: Vec<(String, String, HashMap<String, String>)> = Vec::new();
    for (line, r) in records(PROVINCES_CSV) {
        let code = r.get("code").cloned().ok_or(format!("data/provinces.csv line {line}: no code"))?;
        let entry = match by_code.iter().position(|(c, _, _)| *c == code) {
            Some(i) => &mut by_code[i],
            None => {
                by_code.push((code.clone(), r["name"].clone(), HashMap::new()));
                by_code.last_mut().unwrap()
            }
        };
        entry.2.insert(r["variable"].clone(), r["value"].clone());
    }
    let record = Record::embedded();
    let num = |code: &str, vars: &HashMap<String, String>, key: &str| -> Result<f64, String> {
        vars.get(key)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or(format!("data/provinces.csv: {code} has no numeric `{key}`"))
    };
    let mut out = Vec::new();
    for (code, name, v) in &by_code {
        let pop = num(code, v, "population_1953")? * 1e4;
        out.push(ProvinceInput {
            code: code.clone(),
            name: name.clone(),
            population: pop,
            urban_share: num(code, v, "urban_population_1953")? * 1e4 / pop,
            cultivated_ha: num(code, v, "cultivated_area_1957")? * 1e4,
            grain_base_t: num(code, v, "grain_output_1955_1957")? * 1e4,
            summer_share: num(code, v, "summer_grain_share")?,
            cotton_base_t: num(code, v, "cotton_output_1957")? * 1e4,
            pacesetter: num(code, v, "pacesetter")? != 0.0,
            // Full members were established; alternates sought promotion (Kung & Chen 2011).
            leader_alternate: v.get("leader_cc_full_member").and_then(|x| x.parse::<f64>().ok()).map(|x| x == 0.0),
        });
    }
    let (y, var) = POPULATION_END_1952_VARIABLE;
    let national_pop = record.get(y, var).ok_or("data/national.csv: no 1952 population")? * 1e6;
    let national_grain = (1955..=1957)
        .map(|y| record.get(y, "grain_output_official").ok_or(format!("data/national.csv: no {y} grain")))
        .sum::<Result<f64, String>>()?
        / 3.0
        * 1e6;
    let pop_sum: f64 = out.iter().map(|p| p.population).sum();
    let grain_sum: f64 = out.iter().map(|p| p.grain_base_t).sum();
    for p in &mut out {
        p.population *= national_pop / pop_sum;
        p.grain_base_t *= national_grain / grain_sum;
    }
    Ok(out)
}

/// Disaster shares by province and year for the model (`Inputs::disaster`), from
/// data/weather.csv. National rows (`CN`) apply to every province that has no row of its own.
pub fn disaster(provinces: &[ProvinceInput]) -> Result<Vec<Vec<f64>>, String> {
    let years = 60;
    let mut out = vec![vec![f64::NAN; years]; provinces.len()];
    let mut rows = records(WEATHER_CSV);
    // National rows first, so provincial rows override them.
    rows.sort_by_key(|(_, r)| r.get("region").map(|x| x != "CN"));
    for (line, r) in rows {
        let bad = |what: &str| format!("data/weather.csv line {line}: {what}");
        let year: i32 = r.get("year").and_then(|y| y.parse().ok()).ok_or_else(|| bad("year is not a number"))?;
        let value: f64 = r.get("value").and_then(|y| y.parse().ok()).ok_or_else(|| bad("value is not a number"))?;
        let i = (year - leapsim_core::calendar::START_YEAR) as usize;
        if i >= years || !(0.0..=1.0).contains(&value) {
            return Err(bad("year before 1953 or value outside 0-1"));
        }
        match r.get("region").map(String::as_str) {
            Some("CN") => out.iter_mut().for_each(|p| p[i] = value),
            Some(code) => {
                let p = provinces.iter().position(|p| p.code == code).ok_or_else(|| bad("unknown region"))?;
                out[p][i] = value;
            }
            None => return Err(bad("no region")),
        }
    }
    Ok(out)
}

/// Recorded urban population at the end of each year by province, persons, for the model
/// (`Inputs::urban_record`), from data/urban_population.csv. The model uses only the record's
/// growth. The nation's growth is the NBS series (`CN` rows); the provinces' panel gives how it
/// was shared out, so each year the panel is scaled to the NBS total (over the provinces it
/// covers in every year). A year missing from a province's own rows (Beijing's 1953) is carried
/// from its nearest year at the nation's growth; a province without rows takes the nation's.
pub fn urban_record(provinces: &[ProvinceInput]) -> Result<Vec<Vec<f64>>, String> {
    let years = 60;
    let mut national = vec![f64::NAN; years];
    let mut own = vec![vec![f64::NAN; years]; provinces.len()];
    for (line, r) in records(URBAN_CSV) {
        let bad = |what: &str| format!("data/urban_population.csv line {line}: {what}");
        let year: i32 = r.get("year").and_then(|y| y.parse().ok()).ok_or_else(|| bad("year is not a number"))?;
        let value: f64 = r
            .get("urban_population_10k")
            .and_then(|v| v.parse().ok())
            .filter(|v: &f64| *v > 0.0)
            .ok_or_else(|| bad("urban_population_10k is not a positive number"))?;
        let Some(i) = year.checked_sub(leapsim_core::calendar::START_YEAR).map(|i| i as usize).filter(|&i| i < years)
        else {
            continue; // 1952 and earlier: before the run
        };
        match r.get("region").map(String::as_str) {
            Some("CN") => national[i] = value * 1e4,
            Some(code) => {
                let p = provinces.iter().position(|p| p.code == code).ok_or_else(|| bad("unknown region"))?;
                own[p][i] = value * 1e4;
            }
            None => return Err(bad("no region")),
        }
    }
    let years_of = |row: &[f64]| (0..years).filter(|&i| national[i].is_finite() && row[i].is_finite()).count();
    let full = (0..years).filter(|&i| national[i].is_finite()).count();
    let complete: Vec<usize> = (0..own.len()).filter(|&p| years_of(&own[p]) == full).collect();
    for i in (0..years).filter(|&i| national[i].is_finite()) {
        let panel: f64 = complete.iter().map(|&p| own[p][i]).sum();
        if panel > 0.0 {
            own.iter_mut().for_each(|row| row[i] *= national[i] / panel);
        }
    }
    for row in &mut own {
        let known: Vec<usize> = (0..years).filter(|&i| row[i].is_finite() && national[i].is_finite()).collect();
        if known.is_empty() {
            row.clone_from(&national);
            continue;
        }
        let missing: Vec<usize> = (0..years).filter(|&i| !row[i].is_finite() && national[i].is_finite()).collect();
        for i in missing {
            let near = *known.iter().min_by_key(|&&k| k.abs_diff(i)).unwrap();
            row[i] = row[near] * national[i] / national[near];
        }
    }
    Ok(own)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn embedded_data_loads() {
        let p = provinces().unwrap();
        assert_eq!(p.len(), 28);
        let pop: f64 = p.iter().map(|p| p.population).sum();
        assert!((pop / 574.82e6 - 1.0).abs() < 1e-9);
        assert_eq!(p.iter().filter(|p| p.pacesetter).map(|p| p.code.as_str()).collect::<Vec<_>>(), vec!["CN-HA"]);
        for q in &p {
            assert!(q.urban_share > 0.0 && q.urban_share < 1.0, "{}", q.code);
            assert!((0.0..=1.0).contains(&q.summer_share));
        }
        let r = Record::embedded();
        assert_eq!(r.get(1957, "crude_death_rate"), Some(10.8));
    }
}
