//! The project's data (`data/` at the repository root), embedded in the binary: provincial
//! inputs and the national record the runs are compared with.

use crate::csv::records;
use leapsim_core::ProvinceInput;
use std::collections::HashMap;

pub const PROVINCES_CSV: &str = include_str!("../../../data/provinces.csv");
pub const NATIONAL_CSV: &str = include_str!("../../../data/national.csv");
pub const WEATHER_CSV: &str = include_str!("../../../data/weather.csv");
pub const URBAN_CSV: &str = include_str!("../../../data/urban_population.csv");
pub const BASELINE_CDR_CSV: &str = include_str!("../../../data/provinces_baseline_cdr_1954_1957.csv");
pub const LEADERS_CSV: &str = include_str!("../../../data/leaders.csv");

/// The month whose first secretary is each province's leader in the model: August 1958, the
/// Beidaihe conference that set the Leap's targets and the communes, `(year, month)`.
const LEADER_MONTH: (i32, u32) = (1958, 8);

/// The pre-Leap years whose provincial death rates set each province's baseline.
const BASELINE_YEARS: std::ops::RangeInclusive<i32> = 1954..=1957;

/// National end-1952 population, the run's starting population (data/national.csv).
const POPULATION_END_1952_VARIABLE: (i32, &str) = (1952, "population_year_end");

/// How far a figure of the record can be trusted: data/national.csv's `confidence` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Confidence {
    High,
    Medium,
    Low,
}

impl Confidence {
    pub fn parse(text: &str) -> Option<Confidence> {
        match text {
            "high" => Some(Confidence::High),
            "medium" => Some(Confidence::Medium),
            "low" => Some(Confidence::Low),
            _ => None,
        }
    }
}

/// The national record: `(year, variable) -> (value, confidence)`, from data/national.csv.
#[derive(Clone, Debug, Default)]
pub struct Record {
    values: HashMap<(i32, String), (f64, Option<Confidence>)>,
}

impl Record {
    pub fn embedded() -> Record {
        let mut values = HashMap::new();
        for (_, r) in records(NATIONAL_CSV) {
            if let (Ok(y), Ok(v)) = (r["year"].parse::<i32>(), r["value"].parse::<f64>()) {
                let confidence = r.get("confidence").and_then(|c| Confidence::parse(c));
                values.insert((y, r["variable"].clone()), (v, confidence));
            }
        }
        Record { values }
    }
    pub fn get(&self, year: i32, variable: &str) -> Option<f64> {
        self.values.get(&(year, variable.to_string())).map(|v| v.0)
    }
    /// The figure's stated confidence.
    pub fn confidence(&self, year: i32, variable: &str) -> Option<Confidence> {
        self.values.get(&(year, variable.to_string())).and_then(|v| v.1)
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
            leader_alternate: None,
            baseline_mortality: 1.0,
        });
    }
    let baseline = baseline_mortality(&out)?;
    for (p, m) in out.iter_mut().zip(baseline) {
        p.baseline_mortality = m.unwrap_or(1.0);
    }
    let leaders = leader_alternate(LEADERS_CSV, "data/leaders.csv", &out)?;
    for (p, a) in out.iter_mut().zip(leaders) {
        p.leader_alternate = a;
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

/// Whether each province's first secretary in August 1958 ([`LEADER_MONTH`]) was an alternate
/// rather than a full member of the 8th Central Committee, from data/leaders.csv; `None` where
/// no source gave his rank (`unknown`) or no secretary was in office. Full members were
/// established; alternates sought promotion (Kung & Chen 2011). When one secretary handed over
/// to another that month, the newcomer counts.
fn leader_alternate(csv: &str, file: &str, provinces: &[ProvinceInput]) -> Result<Vec<Option<bool>>, String> {
    // (start of term, rank) of the secretary in office, by province.
    type Term = ((i32, u32), Option<bool>);
    let mut in_office: Vec<Option<Term>> = vec![None; provinces.len()];
    for (line, r) in records(csv) {
        let bad = |what: &str| format!("{file} line {line}: {what}");
        let code = r.get("code").ok_or_else(|| bad("no code"))?;
        let p =
            provinces.iter().position(|p| p.code == *code).ok_or_else(|| bad(&format!("unknown province `{code}`")))?;
        let month = |key: &str, default_month: u32| -> Result<(i32, u32), String> {
            let v = r.get(key).map(String::as_str).unwrap_or("");
            let mut parts = v.splitn(2, '-');
            let year = parts.next().and_then(|y| y.parse().ok());
            let month = parts.next().map_or(Some(default_month), |m| m.parse().ok().filter(|m| (1..=12).contains(m)));
            year.zip(month).ok_or_else(|| bad(&format!("{key} `{v}`: expected YYYY or YYYY-MM")))
        };
        let (from, to) = (month("from", 1)?, month("to", 12)?);
        let rank = match r.get("cc_status_1958").map(String::as_str) {
            Some("full") => Some(false),
            Some("alternate") => Some(true),
            Some("unknown") => None,
            other => return Err(bad(&format!("cc_status_1958 {other:?}: expected full, alternate or unknown"))),
        };
        if from <= LEADER_MONTH && LEADER_MONTH <= to && in_office[p].is_none_or(|(start, _)| start < from) {
            in_office[p] = Some((from, rank));
        }
    }
    Ok(in_office.into_iter().map(|o| o.and_then(|(_, rank)| rank)).collect())
}

/// Each province's mean death rate of 1954-1957 (of the years on record) over the population-weighted mean of the
/// provinces on record, from data/provinces_baseline_cdr_1954_1957.csv; `None` for a province
/// without a record, which keeps the national schedule. Weighting keeps the nation's baseline
/// where the national calibration put it: the provinces only differ around it.
pub fn baseline_mortality(provinces: &[ProvinceInput]) -> Result<Vec<Option<f64>>, String> {
    baseline_mortality_from(BASELINE_CDR_CSV, "data/provinces_baseline_cdr_1954_1957.csv", provinces)
}

fn baseline_mortality_from(csv: &str, file: &str, provinces: &[ProvinceInput]) -> Result<Vec<Option<f64>>, String> {
    // (year, rate) by province.
    let mut rates: Vec<Vec<(i32, f64)>> = vec![Vec::new(); provinces.len()];
    for (line, r) in records(csv) {
        let bad = |what: &str| format!("{file} line {line}: {what}");
        let code = r.get("code").ok_or_else(|| bad("no code"))?;
        let p =
            provinces.iter().position(|p| p.code == *code).ok_or_else(|| bad(&format!("unknown province `{code}`")))?;
        let year: i32 = r.get("year").and_then(|y| y.parse().ok()).ok_or_else(|| bad("year is not a number"))?;
        let cdr: f64 =
            r.get("cdr_permille").and_then(|y| y.parse().ok()).ok_or_else(|| bad("cdr_permille is not a number"))?;
        if !(BASELINE_YEARS.contains(&year) && cdr > 0.0 && cdr < 100.0) {
            return Err(bad("expected a year of 1954-1957 and a death rate between 0 and 100 per mille"));
        }
        if rates[p].iter().any(|(y, _)| *y == year) {
            return Err(bad(&format!("a second death rate for {code} in {year}")));
        }
        rates[p].push((year, cdr));
    }
    // The mean of the years on record (Beijing's start in 1955).
    let rates: Vec<Vec<f64>> = rates.into_iter().map(|r| r.into_iter().map(|(_, c)| c).collect()).collect();
    let mean: Vec<Option<f64>> =
        rates.iter().map(|r| (!r.is_empty()).then(|| r.iter().sum::<f64>() / r.len() as f64)).collect();
    let (weighted, weight) = provinces
        .iter()
        .zip(&mean)
        .filter_map(|(p, m)| m.map(|m| (p.population * m, p.population)))
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    if weight <= 0.0 {
        return Err(format!("{file}: no province has a record"));
    }
    Ok(mean.into_iter().map(|m| m.map(|m| m / (weighted / weight))).collect())
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
    /// Provinces start from their own pre-Leap death rates, around the nation's: the
    /// population-weighted mean of the multiples is 1, Shanghai's is the lowest and Yunnan's the
    /// highest (data/provinces_baseline_cdr_1954_1957.csv), and the five provinces without a
    /// record keep the national schedule.
    #[test]
    fn baseline_mortality_follows_the_provincial_record() {
        let p = provinces().unwrap();
        let m = baseline_mortality(&p).unwrap();
        let mut missing: Vec<&str> =
            p.iter().zip(&m).filter(|(_, m)| m.is_none()).map(|(p, _)| p.code.as_str()).collect();
        missing.sort_unstable();
        assert_eq!(missing, ["CN-GX", "CN-NM", "CN-NX", "CN-SC", "CN-XJ"]);
        let on_record: Vec<(&ProvinceInput, f64)> = p.iter().zip(&m).filter_map(|(p, m)| m.map(|m| (p, m))).collect();
        let weight: f64 = on_record.iter().map(|(p, _)| p.population).sum();
        let mean = on_record.iter().map(|(p, m)| p.population * m).sum::<f64>() / weight;
        assert!((mean - 1.0).abs() < 1e-12, "{mean}");
        let by = |code: &str| p.iter().find(|q| q.code == code).unwrap().baseline_mortality;
        let (low, high) = on_record.iter().fold((f64::MAX, 0.0f64), |(l, h), (_, m)| (l.min(*m), h.max(*m)));
        assert_eq!((by("CN-SH"), by("CN-YN"), by("CN-SC")), (low, high, 1.0));
    }

    #[test]
    fn a_bad_baseline_row_is_named_by_file_and_line() {
        let p = provinces().unwrap();
        let head = "province,code,year,cdr_permille,source,notes\n";
        let err = |body: &str| baseline_mortality_from(&format!("{head}{body}"), "b.csv", &p).unwrap_err();
        assert_eq!(err("X,CN-XX,1955,10,s,\n"), "b.csv line 2: unknown province `CN-XX`");
        let twice = err("Anhui,CN-AH,1955,10,s,\nAnhui,CN-AH,1955,11,s,\n");
        assert_eq!(twice, "b.csv line 3: a second death rate for CN-AH in 1955");
        assert!(err("Anhui,CN-AH,1958,10,s,\n").starts_with("b.csv line 2: expected a year of 1954-1957"));
    }

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

    #[test]
    fn each_province_has_the_rank_of_its_first_secretary_of_august_1958() {
        let p = provinces().unwrap();
        let rank = |code: &str| p.iter().find(|p| p.code == code).unwrap().leader_alternate;
        // Henan: Wu Zhipu (full) took over from Pan Fusheng (unknown) that month.
        assert_eq!(rank("CN-HA"), Some(false));
        assert_eq!(rank("CN-FJ"), Some(true), "Ye Fei, alternate");
        assert_eq!(rank("CN-LN"), None, "Huang Huoqing from June 1958: rank not found");
        assert_eq!(rank("CN-NX"), None, "Ningxia's first secretary from October 1958");
        let head = "province,code,first_secretary,name_zh,from,to,cc_status_1958,source,confidence,notes\n";
        let err = |body: &str| leader_alternate(&format!("{head}{body}"), "l.csv", &p).unwrap_err();
        assert_eq!(
            err("A,CN-AH,X,X,1958-13,1960,full,s,low,\n"),
            "l.csv line 2: from `1958-13`: expected YYYY or YYYY-MM"
        );
        assert!(err("A,CN-AH,X,X,1958,1960,maybe,s,low,\n").starts_with("l.csv line 2: cc_status_1958 Some(\"maybe\")"));
    }
}
