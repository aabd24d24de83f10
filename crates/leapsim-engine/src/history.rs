//! The record the historical run is compared with: each figure, its source, and the band in
//! which the model counts as matching it (the acceptance bands of the project's issues).

use crate::data::Record;
use crate::series::Tables;
use serde::Serialize;

/// One line of the model-vs-record table.
#[derive(Clone, Debug, Serialize)]
pub struct FitRow {
    /// `first-plan` (1953-1957) or `great-leap` (1958 on).
    pub group: &'static str,
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

struct Rows(Vec<FitRow>);

impl Rows {
    /// Add a row if the run has the figure.
    fn push(&mut self, group: &'static str, figure: String, model: f64, record: f64, band: (f64, f64), source: &str) {
        if model.is_finite() {
            let (low, high) = band;
            let ok = model >= low && model <= high;
            self.0.push(FitRow { group, figure, model, record, low, high, ok, source: source.to_string() });
        }
    }
}

/// The fit table for a run's annual table (rows whose years the run covers).
pub fn fit_table(t: &Tables) -> Vec<FitRow> {
    let rec = Record::embedded();
    let mut rows = Rows(Vec::new());
    let a = |y: i32, s: &str| t.annual(y, "CN", s).unwrap_or(f64::NAN);
    let r = |y: i32, v: &str| rec.get(y, v).unwrap_or(f64::NAN);
    let fp = "first-plan";
    let registered = "registered, data/national.csv";
    let official = "official, data/national.csv";
    for y in 1953..=1957 {
        let rr = r(y, "crude_death_rate");
        rows.push(fp, format!("CDR {y} (per mille)"), a(y, "cdr_permille"), rr, (rr - 1.5, rr + 1.5), registered);
    }
    for y in 1953..=1957 {
        let rr = r(y, "crude_birth_rate");
        rows.push(fp, format!("CBR {y} (per mille)"), a(y, "cbr_permille"), rr, (rr - 1.5, rr + 1.5), registered);
    }
    let p57 = r(1957, "population_year_end");
    rows.push(
        fp,
        "Population end-1957 (million)".into(),
        a(1957, "population") / 1e6,
        p57,
        (p57 * 0.98, p57 * 1.02),
        official,
    );
    if a(1953, "population").is_finite() && a(1957, "population").is_finite() {
        let seed = "seed report (Soled 59)";
        rows.push(
            fp,
            "Industry growth 1953-57 (% a year)".into(),
            cagr(t, "industry_output_index", 1953, 1957),
            14.0,
            (11.0, 17.0),
            seed,
        );
        rows.push(
            fp,
            "Agriculture growth 1953-57 (% a year)".into(),
            cagr(t, "agri_output_index", 1953, 1957),
            4.0,
            (2.5, 5.5),
            seed,
        );
    }
    let g = r(1957, "grain_output_official");
    rows.push(fp, "Grain 1957 (Mt)".into(), a(1957, "grain_true_mt"), g, (g * 0.95, g * 1.05), official);
    rows.push(
        fp,
        "Procurement ratio 1957".into(),
        a(1957, "procurement_ratio"),
        0.246,
        (0.20, 0.30),
        "gross, data/national.csv",
    );
    let st = r(1957, "steel_output_official");
    rows.push(fp, "Steel 1957 (Mt)".into(), a(1957, "steel_true_mt"), st, (st * 0.9, st * 1.1), official);
    let c = r(1957, "coal_output_official");
    rows.push(fp, "Coal 1957 (Mt)".into(), a(1957, "coal_true_mt"), c, (c * 0.9, c * 1.1), official);

    // The Great Leap: the seed report's figures and the national series, with the acceptance
    // bands of the Great Leap stage.
    let gl = "great-leap";
    let seed = "seed report";
    let national = "data/national.csv";
    let any = f64::NEG_INFINITY;
    rows.push(gl, "Grain true 1958 (Mt)".into(), a(1958, "grain_true_mt"), 205.0, (195.0, 215.0), seed);
    rows.push(gl, "Grain reported 1958 (Mt)".into(), a(1958, "grain_reported_mt"), 375.0, (340.0, 410.0), seed);
    rows.push(gl, "Steel usable 1958 (Mt)".into(), a(1958, "steel_usable_mt"), 5.3, (4.5, 8.0), seed);
    rows.push(gl, "Steel reported 1958 (Mt)".into(), a(1958, "steel_reported_mt"), 11.0, (10.0, 12.5), seed);
    rows.push(gl, "Steel reported 1960 (Mt)".into(), a(1960, "steel_reported_mt"), 18.0, (16.0, 20.0), seed);
    rows.push(gl, "Coal true 1958 (Mt)".into(), a(1958, "coal_true_mt"), 130.0, (115.0, 200.0), seed);
    rows.push(gl, "Coal reported 1958 (Mt)".into(), a(1958, "coal_reported_mt"), 270.0, (245.0, 295.0), seed);
    rows.push(gl, "Cotton true 1958 (Mt)".into(), a(1958, "cotton_true_mt"), 1.6, (1.4, 2.0), seed);
    rows.push(gl, "Cotton reported 1958 (Mt)".into(), a(1958, "cotton_reported_mt"), 3.3, (3.0, 3.6), seed);
    rows.push(gl, "Grain true 1959 (Mt)".into(), a(1959, "grain_true_mt"), 170.0, (160.0, 185.0), national);
    rows.push(gl, "Grain true 1960 (Mt)".into(), a(1960, "grain_true_mt"), 143.5, (130.0, 160.0), national);
    rows.push(gl, "Grain true 1961 (Mt)".into(), a(1961, "grain_true_mt"), 147.5, (135.0, 162.0), national);
    rows.push(gl, "Procurement ratio 1959".into(), a(1959, "procurement_ratio"), 0.397, (0.33, 0.45), national);
    for y in 1958..=1960 {
        rows.push(gl, format!("Grain exports {y} (Mt)"), a(y, "grain_exported_mt"), 4.0, (2.5, 5.0), seed);
    }
    let m = 1e6;
    let e5960 = (a(1959, "excess_deaths") + a(1960, "excess_deaths")) / m;
    rows.push(gl, "Excess deaths 1959+1960 (million)".into(), e5960, 19.0, (15.0, 25.0), seed);
    rows.push(gl, "Excess deaths 1961 (million)".into(), a(1961, "excess_deaths") / m, 4.0, (2.0, 7.0), seed);
    for y in [1956, 1957, 1964, 1965, 1966] {
        rows.push(gl, format!("Excess deaths {y} (million)"), a(y, "excess_deaths") / m, 0.0, (any, 0.5), "none");
    }
    let years: Vec<i32> = (1958..=1966).filter(|&y| a(y, "cdr_permille").is_finite()).collect();
    if years.len() == 9 {
        let peak =
            years.iter().copied().max_by(|&x, &y| a(x, "cdr_permille").total_cmp(&a(y, "cdr_permille"))).unwrap();
        rows.push(gl, "CDR peak year".into(), peak as f64, 1960.0, (1960.0, 1960.0), national);
    }
    rows.push(
        gl,
        "CDR 1960 (per mille)".into(),
        a(1960, "cdr_permille"),
        25.4,
        (22.0, 45.0),
        "registered 25.4, reconstructed 44.6",
    );
    rows.push(gl, "CBR 1961 (per mille)".into(), a(1961, "cbr_permille"), 18.0, (any, 22.0), national);
    rows.push(gl, "CBR 1963 (per mille)".into(), a(1963, "cbr_permille"), 43.4, (35.0, f64::INFINITY), national);
    rows.push(gl, "Communes end-1958".into(), a(1958, "communes"), 26000.0, (23000.0, 29000.0), seed);
    rows.push(
        gl,
        "Communes end-1963".into(),
        a(1963, "communes"),
        78000.0,
        (60000.0, 90000.0),
        "seed report: a third of the size",
    );
    if a(1962, "population").is_finite() {
        rows.push(
            gl,
            "Agriculture 1957-62 (% a year)".into(),
            cagr(t, "agri_output_index", 1957, 1962),
            -4.3,
            (-6.3, -2.3),
            seed,
        );
        rows.push(
            gl,
            "Industry 1957-62 (% a year)".into(),
            cagr(t, "industry_output_index", 1957, 1962),
            3.8,
            (1.8, 5.8),
            seed,
        );
        let ni = cagr(t, "national_income_index", 1957, 1962);
        rows.push(gl, "National income 1957-62 (% a year)".into(), ni, -3.1, (-5.1, -1.1), seed);
    }
    if years.len() == 9 {
        let k57 = a(1957, "kcal_per_capita_rural");
        // 9999 when the run never gets back (so the row shows and fails).
        let back = (1959..=1966).find(|&y| a(y, "kcal_per_capita_rural") >= k57).map(|y| y as f64).unwrap_or(9999.0);
        rows.push(
            gl,
            "Rural kcal back at 1957 level (year)".into(),
            back,
            1965.0,
            (1963.0, 1966.0),
            "seed report: about eight years later",
        );
    }
    rows.0
}

/// The table as text for the terminal.
pub fn render(rows: &[FitRow]) -> String {
    let mut s = format!("{:<40} {:>10} {:>10} {:>19}  {}\n", "figure", "model", "record", "accepted band", "");
    let bound = |x: f64| format!("{x:.2}");
    for r in rows {
        let band = match (r.low.is_finite(), r.high.is_finite()) {
            (true, true) => format!("{:>9}–{:<9}", bound(r.low), bound(r.high)),
            (false, _) => format!("{:>19}", format!("under {}", bound(r.high))),
            (_, false) => format!("{:>19}", format!("over {}", bound(r.low))),
        };
        let verdict = if r.ok { "ok" } else { "OUT" };
        s.push_str(&format!("{:<40} {:>10.2} {:>10.2} {}  {}\n", r.figure, r.model, r.record, band, verdict));
    }
    s
}
