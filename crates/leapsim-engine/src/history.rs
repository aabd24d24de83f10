//! The record the historical run is compared with: each figure, its source, and the band in
//! which the model counts as matching it (the acceptance bands of the project's issues).

use crate::data::Record;
use crate::series::Tables;
use serde::Serialize;

/// One line of the model-vs-record table.
#[derive(Clone, Debug, Serialize)]
pub struct FitRow {
    pub figure: String,
    pub model: f64,
    pub record: f64,
    pub low: f64,
    pub high: f64,
    pub ok: bool,
    pub source: String,
}

fn cagr(t: &Tables, series: &str, from: i32, to: i32) -> f64 {
    let (a, b) = (t.annual(from, "CN", series).unwrap_or(f64::NAN), t.annual(to, "CN", series).unwrap_or(f64::NAN));
    ((b / a).powf(1.0 / (to - from) as f64) - 1.0) * 100.0
}

/// The fit table for a run's annual table (rows whose years the run covers).
pub fn fit_table(t: &Tables) -> Vec<FitRow> {
    let rec = Record::embedded();
    let mut rows = Vec::new();
    let mut push = |figure: String, model: f64, record: f64, low: f64, high: f64, source: &str| {
        if model.is_finite() {
            rows.push(FitRow {
                figure,
                model,
                record,
                low,
                high,
                ok: model >= low && model <= high,
                source: source.to_string(),
            });
        }
    };
    let registered = "registered, data/national.csv";
    for y in 1953..=1957 {
        if let (Some(m), Some(r)) = (t.annual(y, "CN", "cdr_permille"), rec.get(y, "crude_death_rate")) {
            push(format!("CDR {y} (per mille)"), m, r, r - 1.5, r + 1.5, registered);
        }
    }
    for y in 1953..=1957 {
        if let (Some(m), Some(r)) = (t.annual(y, "CN", "cbr_permille"), rec.get(y, "crude_birth_rate")) {
            push(format!("CBR {y} (per mille)"), m, r, r - 1.5, r + 1.5, registered);
        }
    }
    if let (Some(m), Some(r)) = (t.annual(1957, "CN", "population"), rec.get(1957, "population_year_end")) {
        push("Population end-1957 (million)".into(), m / 1e6, r, r * 0.98, r * 1.02, "official, data/national.csv");
    }
    if t.annual(1953, "CN", "population").is_some() && t.annual(1957, "CN", "population").is_some() {
        push(
            "Industry growth 1953-57 (% a year)".into(),
            cagr(t, "industry_output_index", 1953, 1957),
            14.0,
            11.0,
            17.0,
            "seed report (Soled 59)",
        );
        push(
            "Agriculture growth 1953-57 (% a year)".into(),
            cagr(t, "agri_output_index", 1953, 1957),
            4.0,
            2.5,
            5.5,
            "seed report (Soled 59)",
        );
    }
    if let (Some(m), Some(r)) = (t.annual(1957, "CN", "grain_true_mt"), rec.get(1957, "grain_output_official")) {
        push("Grain 1957 (Mt)".into(), m, r, r * 0.95, r * 1.05, "official, data/national.csv");
    }
    if let Some(m) = t.annual(1957, "CN", "procurement_ratio") {
        push("Procurement ratio 1957".into(), m, 0.246, 0.20, 0.30, "gross, data/national.csv");
    }
    if let (Some(m), Some(r)) = (t.annual(1957, "CN", "steel_true_mt"), rec.get(1957, "steel_output_official")) {
        push("Steel 1957 (Mt)".into(), m, r, r * 0.9, r * 1.1, "official, data/national.csv");
    }
    if let (Some(m), Some(r)) = (t.annual(1957, "CN", "coal_true_mt"), rec.get(1957, "coal_output_official")) {
        push("Coal 1957 (Mt)".into(), m, r, r * 0.9, r * 1.1, "official, data/national.csv");
    }
    rows
}

/// The table as text for the terminal.
pub fn render(rows: &[FitRow]) -> String {
    let mut s = format!("{:<40} {:>10} {:>10} {:>19}  {}\n", "figure", "model", "record", "accepted band", "");
    for r in rows {
        s.push_str(&format!(
            "{:<40} {:>10.2} {:>10.2} {:>9.2}–{:<9.2}  {}\n",
            r.figure,
            r.model,
            r.record,
            r.low,
            r.high,
            if r.ok { "ok" } else { "OUT" }
        ));
    }
    s
}
