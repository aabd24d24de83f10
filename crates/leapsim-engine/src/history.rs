//! The record the runs are compared with: the calibration targets of `calibration/targets.toml`
//! (built into the program), each with a stable id, its record, accepted band, weight, kind,
//! source and how the model's value is measured; and the fit table, which measures every target
//! a run has. `leapsim calibrate` reads the same targets (see `crate::calibrate`).

use crate::data::{Confidence, Record};
use crate::outcome::Outcome;
use crate::scenario::ScenarioError;
use crate::series::Tables;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The targets file, as built into the program.
pub const TARGETS_TOML: &str = include_str!("../../../calibration/targets.toml");
/// Where the targets file lives in the repository (how errors and settings name it).
pub const TARGETS_FILE: &str = "calibration/targets.toml";

/// One line of the model-vs-record table.
#[derive(Clone, Debug, Serialize)]
pub struct FitRow {
    /// The target's id (not part of `summary.json`).
    #[serde(skip)]
    pub id: String,
    /// `first-plan` (1953-1957) or `great-leap` (1958 on).
    pub group: &'static str,
    pub figure: String,
    pub model: f64,
    pub record: f64,
    pub low: f64,
    pub high: f64,
    pub ok: bool,
    pub source: String,
    /// `earned` by the model or an `input` check (see [`Kind`]).
    pub kind: &'static str,
}

/// Whether the model earns a target or an input sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The model produces the figure from its mechanisms (fitted or not).
    Earned,
    /// An input check: an input, or a parameter taken from the figure, sets it.
    Input,
}

impl Kind {
    /// The kind as the targets file and `summary.json` write it.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Earned => "earned",
            Kind::Input => "input",
        }
    }
}

/// How a target's model value is measured from a run's annual table.
#[derive(Clone, Debug, PartialEq)]
pub enum Measure {
    /// An outcome of the shared grammar, divided by `divisor`.
    Outcome { outcome: Outcome, divisor: f64 },
    /// An outcome as a share of another (both of the shared grammar).
    Share { part: Outcome, whole: Outcome },
    /// Compound growth of a national series from one year to another, in % a year.
    Growth { series: &'static str, from: i32, to: i32 },
    /// The first year of the outcome's years in which its series is at least its value in
    /// `base_year`; `never` if there is none.
    BackAtBase { outcome: Outcome, base_year: i32, never: f64 },
}

/// A recorded figure with its accepted band, its weight in the calibration loss and its source:
/// what a target of the targets file and a target of a calibration settings file share.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub record: f64,
    pub low: f64,
    pub high: f64,
    /// Weight in the calibration loss (a settings file may override it).
    pub weight: f64,
    pub source: String,
}

impl Band {
    /// Whether a model value lies in the accepted band.
    pub fn inside(&self, model: f64) -> bool {
        model >= self.low && model <= self.high
    }

    /// The fit-table row of a figure at a model value.
    pub fn row(&self, id: String, group: &'static str, figure: String, model: f64) -> FitRow {
        FitRow {
            id,
            group,
            figure,
            model,
            record: self.record,
            low: self.low,
            high: self.high,
            ok: self.inside(model),
            source: self.source.clone(),
            kind: Kind::Earned.name(),
        }
    }
}

/// One calibration target of `calibration/targets.toml`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub id: String,
    /// The figure as the fit table shows it.
    pub label: String,
    /// `first-plan` or `great-leap`.
    pub group: String,
    pub kind: Kind,
    pub measure: Measure,
    pub band: Band,
    /// What the source means, if the file says.
    pub note: Option<String>,
    /// The record's stated confidence, when it is a figure of data/national.csv.
    pub confidence: Option<Confidence>,
    /// Line of the target in the targets file.
    pub line: usize,
}

impl Target {
    /// The model's value in a run; NaN if the run does not have it (years outside the run).
    pub fn model(&self, t: &Tables) -> f64 {
        let a = |y: i32, s: &str| t.annual(y, "CN", s).unwrap_or(f64::NAN);
        match &self.measure {
            Measure::Outcome { outcome, divisor } => outcome.eval(t).map(|v| v / divisor).unwrap_or(f64::NAN),
            Measure::Share { part, whole } => match (part.eval(t).ok(), whole.eval(t).ok()) {
                (Some(p), Some(w)) if w != 0.0 => p / w,
                _ => f64::NAN,
            },
            Measure::Growth { series, from, to } => {
                ((a(*to, series) / a(*from, series)).powf(1.0 / (to - from) as f64) - 1.0) * 100.0
            }
            Measure::BackAtBase { outcome, base_year, never } => {
                let covered = (*base_year..=outcome.last_year).all(|y| a(y, outcome.series).is_finite());
                if !covered {
                    return f64::NAN;
                }
                let base = a(*base_year, outcome.series);
                (outcome.first_year..=outcome.last_year)
                    .find(|&y| a(y, outcome.series) >= base)
                    .map(|y| y as f64)
                    .unwrap_or(*never)
            }
        }
    }

    /// The source with its note, if any (`source: note`).
    pub fn source_with_note(&self) -> String {
        match &self.note {
            Some(n) => format!("{}: {n}", self.band.source),
            None => self.band.source.clone(),
        }
    }

    /// The target's fit-table row at a model value.
    pub fn row(&'static self, model: f64) -> FitRow {
        FitRow { kind: self.kind.name(), ..self.band.row(self.id.clone(), &self.group, self.label.clone(), model) }
    }
}

/// Every target of the built-in targets file, in its order.
pub fn targets() -> &'static [Target] {
    static TARGETS: OnceLock<Vec<Target>> = OnceLock::new();
    TARGETS.get_or_init(|| parse_targets(TARGETS_TOML, TARGETS_FILE).unwrap_or_else(|e| panic!("{e}")))
}

/// The target with this id.
pub fn target(id: &str) -> Option<&'static Target> {
    targets().iter().find(|t| t.id == id)
}

/// The id most like `text` (an id or a label), for "did you mean" messages: a label's target,
/// else the id sharing the most `_`-separated words, then the longest common start.
pub fn closest_id(text: &str) -> Option<&'static str> {
    if let Some(t) = targets().iter().find(|t| t.label == text) {
        return Some(t.id.as_str());
    }
    let words: Vec<String> = text.to_lowercase().split(|c: char| !c.is_alphanumeric()).map(String::from).collect();
    let score = |id: &str| {
        let shared = id.split('_').filter(|w| words.iter().any(|x| x == w)).count();
        let start = id.chars().zip(text.chars()).take_while(|(a, b)| a == b).count();
        (shared, start)
    };
    targets().iter().map(|t| t.id.as_str()).filter(|&id| score(id) != (0, 0)).max_by_key(|&id| score(id))
}

/// The fit table for a run's annual table: every target the run has, in the file's order.
pub fn fit_table(t: &Tables) -> Vec<FitRow> {
    targets()
        .iter()
        .filter_map(|target| {
            let model = target.model(t);
            model.is_finite().then(|| target.row(model))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    target: Vec<toml::Spanned<RawTarget>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    id: String,
    label: String,
    group: String,
    kind: String,
    outcome: Option<String>,
    divisor: Option<f64>,
    share_of: Option<String>,
    growth: Option<String>,
    back_at_base: Option<RawBack>,
    record: RawRecord,
    band: Option<[f64; 2]>,
    tolerance: Option<f64>,
    band_factors: Option<[f64; 2]>,
    weight: Option<f64>,
    confidence: Option<String>,
    source: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBack {
    outcome: String,
    base_year: i32,
    never: f64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRecord {
    Value(f64),
    National { national: String, year: i32 },
}

/// Parse a targets file; `file` names it in errors (with the target's line and id).
pub fn parse_targets(text: &str, file: &str) -> Result<Vec<Target>, ScenarioError> {
    let line_of = |pos: usize| text[..pos.min(text.len())].matches('\n').count() + 1;
    let raw: RawFile = toml::from_str(text).map_err(|e| ScenarioError {
        file: file.into(),
        line: e.span().map(|s| line_of(s.start)),
        key: None,
        message: e.message().to_string(),
    })?;
    let record = Record::embedded();
    let mut out: Vec<Target> = Vec::new();
    for spanned in raw.target {
        let line = line_of(spanned.span().start);
        let r = spanned.into_inner();
        let err = |key: &str, m: String| ScenarioError {
            file: file.into(),
            line: Some(line),
            key: Some(format!("{}.{key}", r.id)),
            message: m,
        };
        if out.iter().any(|t| t.id == r.id) {
            return Err(err("id", "this id is used twice".into()));
        }
        let kind = match r.kind.as_str() {
            "earned" => Kind::Earned,
            "input" => Kind::Input,
            k => return Err(err("kind", format!("unknown kind `{k}`; expected earned or input"))),
        };
        let measure = measure(&r).map_err(|m| err("measure", m))?;
        let stated = r
            .confidence
            .as_deref()
            .map(|c| {
                Confidence::parse(c)
                    .ok_or_else(|| err("confidence", format!("unknown confidence `{c}`; expected high, medium or low")))
            })
            .transpose()?;
        let (value, confidence) = match &r.record {
            RawRecord::Value(v) => (*v, stated),
            RawRecord::National { .. } if stated.is_some() => {
                return Err(err(
                    "confidence",
                    "a record of data/national.csv has the file's confidence; drop this".into(),
                ))
            }
            RawRecord::National { national, year } => (
                record
                    .get(*year, national)
                    .ok_or_else(|| err("record", format!("data/national.csv has no {national} for {year}")))?,
                record.confidence(*year, national),
            ),
        };
        let (low, high) = match (r.band, r.tolerance, r.band_factors) {
            (Some([l, h]), None, None) => (l, h),
            (None, Some(tol), None) => (value - tol, value + tol),
            (None, None, Some([a, b])) => (value * a, value * b),
            _ => return Err(err("band", "expected exactly one of band, tolerance or band_factors".into())),
        };
        if low > high || low.is_nan() || high.is_nan() || (low.is_infinite() && high.is_infinite()) {
            return Err(err("band", format!("expected low <= high, one of them finite; found {low} to {high}")));
        }
        let weight = r.weight.unwrap_or(1.0);
        if !(weight >= 0.0 && weight.is_finite()) {
            return Err(err("weight", "expected a weight of 0 or more".into()));
        }
        out.push(Target {
            id: r.id,
            label: r.label,
            group: r.group,
            kind,
            measure,
            band: Band { record: value, low, high, weight, source: r.source },
            note: r.note,
            confidence,
            line,
        });
    }
    Ok(out)
}

/// A raw target's measure: exactly one of outcome, growth and back_at_base.
fn measure(r: &RawTarget) -> Result<Measure, String> {
    let national = |o: &Outcome| {
        if o.region == "CN" {
            Ok(())
        } else {
            Err(format!("`{}`: only national (CN) series can be measured this way", o.name()))
        }
    };
    match (&r.outcome, &r.growth, &r.back_at_base) {
        (Some(o), None, None) if let Some(whole) = &r.share_of => {
            if r.divisor.is_some() {
                return Err("a share has no divisor".into());
            }
            Ok(Measure::Share { part: Outcome::parse(o)?, whole: Outcome::parse(whole)? })
        }
        (Some(o), None, None) => {
            let divisor = r.divisor.unwrap_or(1.0);
            if !(divisor.is_finite() && divisor != 0.0) {
                return Err(format!("divisor {divisor}: expected a finite number other than 0"));
            }
            Ok(Measure::Outcome { outcome: Outcome::parse(o)?, divisor })
        }
        (None, Some(g), None) if r.divisor.is_none() => {
            let o = Outcome::parse(g)?;
            national(&o)?;
            if o.first_year == o.last_year || g.matches(':').count() != 1 {
                return Err(format!("growth `{g}`: expected SERIES:FROM-TO with FROM before TO"));
            }
            Ok(Measure::Growth { series: o.series, from: o.first_year, to: o.last_year })
        }
        (None, None, Some(b)) if r.divisor.is_none() => {
            let o = Outcome::parse(&b.outcome)?;
            national(&o)?;
            if b.base_year > o.first_year || b.outcome.matches(':').count() != 1 {
                return Err(format!("back_at_base `{}`: expected SERIES:FROM-TO after base_year", b.outcome));
            }
            Ok(Measure::BackAtBase { outcome: o, base_year: b.base_year, never: b.never })
        }
        _ => {
            Err("expected exactly one of outcome (with an optional divisor or share_of), growth or back_at_base".into())
        }
    }
}

/// The table as text for the terminal.
pub fn render(rows: &[FitRow]) -> String {
    let (earned, input): (Vec<&FitRow>, Vec<&FitRow>) = rows.iter().partition(|r| r.kind != Kind::Input.name());
    let mut s = format!("{:<40} {:>10} {:>10} {:>19}  {}\n", "figure", "model", "record", "accepted band", "");
    render_rows(&mut s, &earned);
    if !input.is_empty() {
        s.push_str("\nInput checks (the scenario sets these figures; they test its inputs, not the model):\n");
        render_rows(&mut s, &input);
    }
    s
}

fn render_rows(s: &mut String, rows: &[&FitRow]) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(end_year: i32, seed: u64) -> Tables {
        let mut s = crate::scenario::load("historical").unwrap();
        for o in ["run.scale=0.0005".to_string(), format!("run.seed={seed}"), format!("run.end_year={end_year}")] {
            s.apply_override(&o).unwrap();
        }
        crate::run::run(&s, &mut |_, _| {}, &Default::default()).unwrap().tables
    }

    /// A reader sees which rows the model earns and which only check an input, apart.
    #[test]
    fn input_checks_are_shown_apart_from_the_rows_the_model_earns() {
        let rows = fit_table(&run(1962, 1));
        let text = render(&rows);
        let (earned, checks) = text.split_once("Input checks").expect("an input-check section");
        for r in &rows {
            let section = if r.kind == "input" { checks } else { earned };
            assert!(section.contains(&r.figure), "{} ({}) is not in its section", r.figure, r.kind);
        }
        for id in ["grain_exports_1959", "grain_imports_1961", "communes_end_1958", "steel_true_1957"] {
            assert_eq!(rows.iter().find(|r| r.id == id).unwrap().kind, "input", "{id}");
        }
        assert_eq!(rows.iter().find(|r| r.id == "cdr_1960").unwrap().kind, "earned");
    }

    #[test]
    fn the_targets_file_parses_with_unique_ids_and_labels() {
        let ts = targets();
        assert_eq!(ts.len(), 53);
        for (i, t) in ts.iter().enumerate() {
            assert!(ts[..i].iter().all(|u| u.id != t.id && u.label != t.label), "{} repeats", t.id);
            assert!(t.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{}", t.id);
            assert!(["first-plan", "great-leap"].contains(&t.group.as_str()), "{}", t.id);
            assert!(t.band.low <= t.band.high && t.band.weight == 1.0 && !t.band.source.is_empty(), "{}", t.id);
        }
        assert_eq!(ts.iter().filter(|t| t.group == "great-leap").count(), 36);
        let t = target("cdr_1953").unwrap();
        assert_eq!((t.band.record, t.band.low, t.band.high, t.kind), (14.0, 14.0 - 1.5, 14.0 + 1.5, Kind::Earned));
        assert_eq!(target("grain_exports_1959").unwrap().kind, Kind::Input);
        // A record's stated confidence: data/national.csv's, or the file's for a computed figure.
        assert_eq!(t.confidence, Some(Confidence::Medium));
        assert_eq!(target("procurement_ratio_1959").unwrap().confidence, Some(Confidence::Low));
        assert_eq!(target("grain_true_1958").unwrap().confidence, None, "a figure of the seed report");
        assert_eq!(closest_id("grain_reported_1985"), Some("grain_reported_1958"));
        assert_eq!(closest_id("Procurement ratio 1959"), Some("procurement_ratio_1959"));
    }

    #[test]
    fn errors_in_a_targets_file_name_its_line_and_the_target() {
        let one = "[[target]]\nid = \"a\"\nlabel = \"A\"\ngroup = \"great-leap\"\nkind = \"earned\"\noutcome = \"cbr_permille:1961\"\nrecord = 18.0\nband = [-inf, 22.0]\nsource = \"x\"\n";
        let ok = parse_targets(one, "t.toml").unwrap();
        assert_eq!((ok[0].band.low, ok[0].band.high, ok[0].line), (f64::NEG_INFINITY, 22.0, 1));
        let twice = format!("{one}\n{}", one.replace("\"A\"", "\"B\""));
        let e = parse_targets(&twice, "t.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(11), Some("a.id")));
        let e = parse_targets(&one.replace("kind = \"earned\"", "kind = \"made\""), "t.toml").unwrap_err();
        assert!(e.to_string().starts_with("t.toml:1: key `a.kind`: unknown kind"), "{e}");
        let e = parse_targets(&format!("{one}confidence = \"fair\"\n"), "t.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("a.confidence"), "{e}");
        let national = one.replace("record = 18.0", "record = { national = \"crude_birth_rate\", year = 1961 }");
        assert_eq!(parse_targets(&national, "t.toml").unwrap()[0].confidence, Some(Confidence::Medium));
        let e = parse_targets(&format!("{national}confidence = \"high\"\n"), "t.toml").unwrap_err();
        assert!(e.message.contains("the file's confidence"), "{e}");
        let e = parse_targets(&format!("{one}tolerance = 1\n"), "t.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("a.band"));
        let e = parse_targets(&format!("{one}growth = \"agri_output_index:1957-1962\"\n"), "t.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("a.measure"));
        let e = parse_targets(&one.replace("cbr_permille", "cbr"), "t.toml").unwrap_err();
        assert!(e.message.contains("unknown series"), "{e}");
        let e = parse_targets(&format!("{one}wieght = 2\n"), "t.toml").unwrap_err();
        assert!(e.message.contains("wieght") && e.line.is_some(), "{e}");
        // A share: one outcome over another, without a divisor.
        let share = one
            .replace("cbr_permille:1961", "deaths_male:1961")
            .replace("record = 18.0", "share_of = \"deaths:1961\"\nrecord = 0.5");
        let t = &parse_targets(&share, "t.toml").unwrap()[0];
        let part = Outcome::parse("deaths_male:1961").unwrap();
        assert_eq!(t.measure, Measure::Share { part, whole: Outcome::parse("deaths:1961").unwrap() });
        let e = parse_targets(&format!("{share}divisor = 1e6\n"), "t.toml").unwrap_err();
        assert_eq!((e.key.as_deref(), e.message.as_str()), (Some("a.measure"), "a share has no divisor"));
        let e = parse_targets(&share.replace("\"deaths:1961\"", "\"dead:1961\""), "t.toml").unwrap_err();
        assert!(e.message.contains("unknown series"), "{e}");
    }

    #[test]
    fn the_fit_table_shows_every_target_the_run_covers_in_file_order() {
        // A whole run has every target; one that stops in 1957 only the first Plan's.
        let ids = |rows: &[FitRow]| rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        let t = run(1966, 1);
        let rows = fit_table(&t);
        assert_eq!(ids(&rows), targets().iter().map(|t| t.id.to_string()).collect::<Vec<_>>());
        for (r, target) in rows.iter().zip(targets()) {
            assert_eq!(
                (r.model.to_bits(), r.record, r.low, r.high),
                (target.model(&t).to_bits(), target.band.record, target.band.low, target.band.high)
            );
            assert_eq!(r.ok, target.band.inside(r.model), "{}", r.id);
        }
        // A run that stops in 1957: every first-Plan target, nothing of the Leap's years, in file order.
        let short = ids(&fit_table(&run(1957, 2)));
        let in_order: Vec<String> =
            targets().iter().map(|t| t.id.to_string()).filter(|id| short.contains(id)).collect();
        assert_eq!(short, in_order);
        // Every first-Plan target but the 1957 procurement ratio, whose grain year runs to June 1958.
        let first_plan = targets().iter().filter(|t| t.group == "first-plan");
        assert!(first_plan.clone().all(|t| short.contains(&t.id) == (t.id != "procurement_ratio_1957")), "{short:?}");
        assert!(short.iter().all(|id| !(1958..=1966).any(|y| id.contains(&y.to_string()))), "{short:?}");
    }
}
