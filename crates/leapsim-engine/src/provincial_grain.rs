//! The provincial grain path as validation: each province's true grain output in a run beside
//! its official output of 1953-1966 (data/provinces_grain_1953_1966.csv). The model is not fitted
//! to it: the 1955-1957 levels are inputs (each province's yield base), and 1958-1966 is an
//! out-of-sample check of where the harvest fell and by how much.
//!
//! The comparison is by each province's own path relative to 1955-1957, because the model's grain
//! bases are scaled to the national total (`data::provinces`) and the official provincial series
//! do not add up to it exactly.

use crate::csv::records;
use crate::series::Tables;
use serde::Serialize;
use std::sync::OnceLock;

/// The official provincial grain series, as built into the program.
pub const GRAIN_CSV: &str = include_str!("../../../data/provinces_grain_1953_1966.csv");
const GRAIN_FILE: &str = "data/provinces_grain_1953_1966.csv";

/// The years the model's level is anchored to (each province's yield base, data/provinces.csv).
const BASE_YEARS: std::ops::RangeInclusive<i32> = 1955..=1957;
/// The famine years in which each province's lowest harvest is sought.
const LOW_YEARS: std::ops::RangeInclusive<i32> = 1959..=1961;

/// One province-year of the official series.
#[derive(Clone, Debug, PartialEq)]
pub struct Official {
    pub code: String,
    pub year: i32,
    /// Official output, Mt.
    pub grain_mt: f64,
}

/// The official series, without the rows that hold no usable figure (Zhejiang's, a copy of
/// Jiangsu's in the panel), parsed once; the built-in file's validity is a test.
pub fn official() -> &'static [Official] {
    static OFFICIAL: OnceLock<Vec<Official>> = OnceLock::new();
    OFFICIAL.get_or_init(|| official_from(GRAIN_CSV, GRAIN_FILE).unwrap_or_else(|e| panic!("{e}")))
}

fn official_from(csv: &str, file: &str) -> Result<Vec<Official>, String> {
    let mut out: Vec<Official> = Vec::new();
    for (line, r) in records(csv) {
        let bad = |what: &str| format!("{file} line {line}: {what}");
        let code = r.get("code").filter(|c| !c.is_empty()).ok_or_else(|| bad("no code"))?;
        let year: i32 = r.get("year").and_then(|y| y.parse().ok()).ok_or_else(|| bad("year is not a number"))?;
        let value = r.get("grain_output_10k_t").map(String::as_str).unwrap_or("");
        if value.is_empty() {
            if r.get("notes").is_none_or(|n| n.is_empty()) {
                return Err(bad("an empty grain_output_10k_t needs a note saying why"));
            }
            continue;
        }
        let grain: f64 = value.parse().map_err(|_| bad(&format!("grain_output_10k_t `{value}` is not a number")))?;
        if !(grain > 0.0 && grain.is_finite()) {
            return Err(bad("expected a grain output above 0 (10k t)"));
        }
        if out.iter().any(|o| o.code == *code && o.year == year) {
            return Err(bad(&format!("a second figure for {code} in {year}")));
        }
        out.push(Official { code: code.clone(), year, grain_mt: grain / 100.0 });
    }
    Ok(out)
}

/// One province-year: the run's true output beside the official one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathRow {
    pub code: String,
    pub year: i32,
    pub model_mt: f64,
    pub record_mt: f64,
}

/// How one province's harvest moved, in the run and on record, each relative to its own
/// 1955-1957 mean.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProvinceFall {
    pub code: String,
    /// The lowest output of 1959-1961 over the 1955-1957 mean.
    pub model_low: f64,
    pub record_low: f64,
    /// Output of 1962-1966 (the years the run covers) over the 1955-1957 mean.
    pub model_recovery: f64,
    pub record_recovery: f64,
}

/// The validation: every province-year the run and the record both have, each province's fall,
/// and how well the run orders the provinces' falls (Pearson correlation of `model_low` with
/// `record_low`, NaN with fewer than three provinces).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GrainPath {
    pub rows: Vec<PathRow>,
    pub falls: Vec<ProvinceFall>,
    pub fall_correlation: f64,
}

/// Compare a run's provincial grain with the official series.
pub fn grain_path(t: &Tables, official: &[Official]) -> GrainPath {
    let rows: Vec<PathRow> = official
        .iter()
        .filter_map(|o| {
            let model = t.annual(o.year, &o.code, "grain_true_mt")?;
            Some(PathRow { code: o.code.clone(), year: o.year, model_mt: model, record_mt: o.grain_mt })
        })
        .collect();
    let mut codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    codes.dedup();
    let falls: Vec<ProvinceFall> = codes.iter().filter_map(|c| fall(c, &rows)).collect();
    let fall_correlation = pearson(&falls.iter().map(|f| (f.model_low, f.record_low)).collect::<Vec<_>>());
    GrainPath { rows, falls, fall_correlation }
}

fn fall(code: &str, rows: &[PathRow]) -> Option<ProvinceFall> {
    let of = |years: &std::ops::RangeInclusive<i32>| -> Vec<&PathRow> {
        rows.iter().filter(|r| r.code == code && years.contains(&r.year)).collect()
    };
    let mean = |rs: &[&PathRow], f: fn(&PathRow) -> f64| rs.iter().map(|r| f(r)).sum::<f64>() / rs.len() as f64;
    let base = of(&BASE_YEARS);
    let low = of(&LOW_YEARS);
    let recovery = of(&(1962..=1966));
    if base.len() != BASE_YEARS.count() || low.len() != LOW_YEARS.count() {
        return None;
    }
    let (model_base, record_base) = (mean(&base, |r| r.model_mt), mean(&base, |r| r.record_mt));
    let lowest = |f: fn(&PathRow) -> f64| low.iter().map(|r| f(r)).fold(f64::INFINITY, f64::min);
    let (model_recovery, record_recovery) = if recovery.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        (mean(&recovery, |r| r.model_mt) / model_base, mean(&recovery, |r| r.record_mt) / record_base)
    };
    Some(ProvinceFall {
        code: code.to_string(),
        model_low: lowest(|r| r.model_mt) / model_base,
        record_low: lowest(|r| r.record_mt) / record_base,
        model_recovery,
        record_recovery,
    })
}

/// Pearson correlation of the pairs; NaN with fewer than three.
pub fn pearson(xy: &[(f64, f64)]) -> f64 {
    if xy.len() < 3 {
        return f64::NAN;
    }
    let n = xy.len() as f64;
    let (mx, my) = (xy.iter().map(|p| p.0).sum::<f64>() / n, xy.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xy {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// The rows as `provincial_grain.csv`: `code,year,model_mt,record_mt`.
pub fn to_csv(path: &GrainPath) -> String {
    let mut s = String::from("code,year,model_mt,record_mt\n");
    for r in &path.rows {
        s.push_str(&format!("{},{},", r.code, r.year));
        crate::series::write_value(&mut s, r.model_mt);
        s.push(',');
        crate::series::write_value(&mut s, r.record_mt);
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_series_covers_22_provinces_without_zhejiang() {
        let o = official();
        let mut codes: Vec<&str> = o.iter().map(|r| r.code.as_str()).collect();
        codes.dedup();
        assert_eq!(codes.len(), 22, "{codes:?}");
        assert!(!codes.contains(&"CN-ZJ"));
        let anhui_1957 = o.iter().find(|r| r.code == "CN-AH" && r.year == 1957).unwrap();
        assert!((5.0..15.0).contains(&anhui_1957.grain_mt), "{anhui_1957:?}");
    }

    #[test]
    fn bad_rows_are_named_by_file_and_line() {
        let head = "code,province,year,grain_output_10k_t,source,notes\n";
        let err = |body: &str| official_from(&format!("{head}{body}"), "g.csv").unwrap_err();
        assert!(err("CN-AH,Anhui,1957,abc,s,\n").starts_with("g.csv line 2: grain_output_10k_t `abc`"));
        assert!(err("CN-AH,Anhui,1957,,s,\n").contains("needs a note"));
        assert!(err("CN-AH,Anhui,1957,1,s,\nCN-AH,Anhui,1957,2,s,\n").starts_with("g.csv line 3: a second figure"));
    }

    #[test]
    fn a_fall_is_the_lowest_famine_year_over_the_base_and_the_correlation_orders_the_falls() {
        let row = |code: &str, year: i32, model: f64, record: f64| PathRow {
            code: code.into(),
            year,
            model_mt: model,
            record_mt: record,
        };
        let mut rows = Vec::new();
        for (i, code) in ["A", "B", "C"].iter().enumerate() {
            let drop = 0.2 * (i + 1) as f64;
            for y in 1955..=1957 {
                rows.push(row(code, y, 10.0, 20.0));
            }
            for y in 1959..=1961 {
                let k = if y == 1960 { 1.0 - drop } else { 1.0 };
                rows.push(row(code, y, 10.0 * k, 20.0 * k * k));
            }
        }
        let a = fall("A", &rows).unwrap();
        assert!((a.model_low - 0.8).abs() < 1e-12 && (a.record_low - 0.64).abs() < 1e-12, "{a:?}");
        assert!(a.model_recovery.is_nan());
        let xy: Vec<(f64, f64)> =
            ["A", "B", "C"].iter().map(|c| fall(c, &rows).unwrap()).map(|f| (f.model_low, f.record_low)).collect();
        assert!(pearson(&xy) > 0.98);
        assert!(pearson(&xy.iter().map(|&(x, y)| (x, -y)).collect::<Vec<_>>()) < -0.98);
        assert!(fall("A", &rows[..2]).is_none(), "a province without its three base years has no fall");
    }
}
