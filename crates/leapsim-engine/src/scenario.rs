//! Scenario files: TOML with one table per parameter group and a `[[timeline]]` of dated
//! events, checked key by key against the parameter registry. Errors name the file, line,
//! key and what was expected.

use leapsim_core::calendar::parse_month;
use leapsim_core::params::{spec, Kind, ParamSpec, SPECS};
use leapsim_core::{Action, Event, Params};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Built-in scenarios: (name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    ("historical", include_str!("../../../scenarios/historical.toml")),
    ("honest-reporting", include_str!("../../../scenarios/honest-reporting.toml")),
    ("flexible-procurement", include_str!("../../../scenarios/flexible-procurement.toml")),
    ("no-exports", include_str!("../../../scenarios/no-exports.toml")),
    ("early-imports", include_str!("../../../scenarios/early-imports.toml")),
    ("no-furnaces", include_str!("../../../scenarios/no-furnaces.toml")),
    ("no-mess-halls", include_str!("../../../scenarios/no-mess-halls.toml")),
    ("normal-weather", include_str!("../../../scenarios/normal-weather.toml")),
    ("peng-heeded", include_str!("../../../scenarios/peng-heeded.toml")),
    ("no-leap", include_str!("../../../scenarios/no-leap.toml")),
];

thread_local! {
    /// How many `extends` are being resolved on this thread (guards against cycles).
    static EXTENDS_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A resolved scenario: parameters and timeline ready for a run.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// `built-in` or the file path it was read from.
    pub origin: String,
    pub params: Params,
    pub timeline: Vec<Event>,
    /// Pinned parameters, in order: the file's `[pinned.*]` tables and `--set` overrides.
    /// Timeline `set` events do not change them.
    pub overrides: Vec<(String, f64)>,
}

/// A scenario that could not be read, with where and why.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(k) = &self.key {
            write!(f, ": key `{k}`")?;
        }
        write!(f, ": {}", self.message)
    }
}
impl std::error::Error for ScenarioError {}

/// A TOML text being read, for errors that name its file, line and key (scenarios, sweep
/// designs and calibration settings share it).
pub struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
}

impl Source<'_> {
    /// Line (from 1) where `span` starts.
    pub fn line(&self, span: std::ops::Range<usize>) -> usize {
        self.text[..span.start.min(self.text.len())].matches('\n').count() + 1
    }
    /// An error at `span` (if known) about `key` (if any).
    pub fn error(
        &self,
        span: Option<std::ops::Range<usize>>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            line: span.map(|s| self.line(s)),
            key: key.map(str::to_string),
            message: message.into(),
        }
    }
    /// An error about `key` at `span`.
    pub fn err(&self, span: std::ops::Range<usize>, key: &str, message: impl Into<String>) -> ScenarioError {
        self.error(Some(span), Some(key), message)
    }
    /// A TOML number (integer in any radix, or float; not NaN) at `v`.
    pub fn number(&self, key: &str, v: &Spanned<DeValue>) -> Result<f64, ScenarioError> {
        let x = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok().map(|i| i as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok().filter(|x| !x.is_nan()),
            other => return Err(self.err(v.span(), key, format!("expected a number, found {}", other.type_str()))),
        };
        x.ok_or_else(|| self.err(v.span(), key, "expected a number"))
    }
    /// A finite TOML number at `v`.
    pub fn finite(&self, key: &str, v: &Spanned<DeValue>) -> Result<f64, ScenarioError> {
        let x = self.number(key, v)?;
        if x.is_finite() {
            Ok(x)
        } else {
            Err(self.err(v.span(), key, "expected a finite number"))
        }
    }
    /// A string value of `key`.
    pub fn string(&self, key: &str, v: &Spanned<DeValue>) -> Result<String, ScenarioError> {
        v.get_ref().as_str().map(str::to_string).ok_or_else(|| self.err(v.span(), key, "expected a string"))
    }
}

/// Names of the built-in scenarios with their descriptions.
pub fn builtin_list() -> Vec<(String, String)> {
    BUILTIN
        .iter()
        .map(|(n, t)| (n.to_string(), parse(t, &format!("built-in:{n}")).map(|s| s.description).unwrap_or_default()))
        .collect()
}

/// Load a built-in scenario by name, or a scenario file by path.
pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
    if let Some((n, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
        let mut s = parse(text, &format!("built-in:{n}"))?;
        s.origin = "built-in".into();
        return Ok(s);
    }
    let text = std::fs::read_to_string(name_or_path).map_err(|e| ScenarioError {
        file: name_or_path.to_string(),
        line: None,
        key: None,
        message: format!(
            "cannot read it ({e}); built-in scenarios are: {}",
            BUILTIN.iter().map(|b| b.0).collect::<Vec<_>>().join(", ")
        ),
    })?;
    parse(&text, name_or_path)
}

/// The text of input file `path` (a design, calibration settings, a posterior sample ...),
/// or an error naming the file and saying it could not read `what`.
pub fn read_input(path: &str, what: &str) -> Result<String, ScenarioError> {
    std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.to_string(),
        line: None,
        key: None,
        message: format!("cannot read the {what} ({e})"),
    })
}

/// Parse a scenario's TOML text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let cx = Source { file, text };
    let doc = DeTable::parse(text).map_err(|e| cx.error(e.span(), None, format!("not valid TOML: {}", e.message())))?;
    let mut s = Scenario {
        name: String::new(),
        description: String::new(),
        origin: file.to_string(),
        params: Params::default(),
        timeline: Vec::new(),
        overrides: Vec::new(),
    };
    // `extends` first: the file then changes only what differs from its base.
    if let Some((k, v)) = doc.get_ref().iter().find(|(k, _)| k.get_ref() == "extends") {
        let mut base_name = cx.string("extends", v)?;
        // A path is relative to the file that names it.
        if !BUILTIN.iter().any(|b| b.0 == base_name) && std::path::Path::new(&base_name).is_relative() {
            if let Some(dir) = std::path::Path::new(file).parent().filter(|d| !d.as_os_str().is_empty()) {
                base_name = dir.join(&base_name).to_string_lossy().into_owned();
            }
        }
        if EXTENDS_DEPTH.with(|d| d.get()) >= 8 {
            return Err(cx.error(Some(k.span()), Some("extends"), "scenarios extend each other too deeply (a cycle?)"));
        }
        EXTENDS_DEPTH.with(|d| d.set(d.get() + 1));
        let base = load(&base_name);
        EXTENDS_DEPTH.with(|d| d.set(d.get() - 1));
        let base =
            base.map_err(|e| cx.error(Some(v.span()), Some("extends"), format!("cannot load base scenario: {e}")))?;
        s.params = base.params;
        s.timeline = base.timeline;
        s.description = base.description;
        s.overrides = base.overrides;
    }
    let groups: Vec<&str> = SPECS.iter().map(|s| s.key.split('.').next().unwrap()).collect();
    for (k, v) in doc.get_ref().iter() {
        let key: &str = k.get_ref();
        match key {
            "extends" => {}
            "name" => s.name = cx.string(key, v)?,
            "description" => s.description = cx.string(key, v)?,
            "timeline" => s.timeline.extend(timeline(&cx, v)?),
            g if groups.contains(&g) => {
                for (key, value) in group_values(&cx, g, v)? {
                    s.params.set(key, value);
                }
            }
            "pinned" => {
                // `[pinned.group]` tables set parameters that the timeline may not change.
                let DeValue::Table(t) = v.get_ref() else {
                    return Err(cx.error(Some(v.span()), Some("pinned"), "expected [pinned.<group>] tables"));
                };
                for (gk, gv) in t.iter() {
                    let g: &str = gk.get_ref();
                    if !groups.contains(&g) {
                        return Err(cx.error(Some(gk.span()), Some(&format!("pinned.{g}")), "unknown parameter group"));
                    }
                    for (key, value) in group_values(&cx, g, gv)? {
                        s.params.set(key, value);
                        s.overrides.push((key.to_string(), value));
                    }
                }
            }
            other => {
                return Err(cx.error(
                    Some(k.span()),
                    Some(other),
                    format!(
                        "unknown key; expected name, description, extends, timeline, pinned or a parameter group ({})",
                        dedup(&groups).join(", ")
                    ),
                ))
            }
        }
    }
    if s.name.is_empty() {
        s.name = std::path::Path::new(file).file_stem().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default();
    }
    s.timeline.sort_by_key(|e| e.month);
    Ok(s)
}

/// The checked (key, value) pairs of one parameter group's table.
fn group_values(cx: &Source, g: &str, v: &Spanned<DeValue>) -> Result<Vec<(&'static str, f64)>, ScenarioError> {
    let DeValue::Table(t) = v.get_ref() else {
        return Err(cx.error(Some(v.span()), Some(g), "expected a table of parameters"));
    };
    let mut out = Vec::new();
    for (pk, pv) in t.iter() {
        let full = format!("{g}.{}", pk.get_ref());
        let Some(sp) = spec(&full) else {
            return Err(cx.error(Some(pk.span()), Some(&full), unknown_key_message(&full)));
        };
        out.push((sp.key, value_for(cx, sp, pv)?));
    }
    Ok(out)
}

fn dedup<'a>(v: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x);
        }
    }
    out
}

/// The message for an unknown parameter key, with the nearest known keys as suggestions.
pub fn unknown_key_message(key: &str) -> String {
    let best = SPECS.iter().min_by_key(|s| edit_distance(s.key, key)).map(|s| s.key).unwrap_or("");
    if edit_distance(best, key) <= 4 {
        format!("unknown parameter; did you mean `{best}`? (`leapsim params` lists them all)")
    } else {
        "unknown parameter (`leapsim params` lists them all)".into()
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + (ca != *cb) as usize).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Check a TOML value against a parameter's kind and range.
fn value_for(cx: &Source, sp: &ParamSpec, v: &Spanned<DeValue>) -> Result<f64, ScenarioError> {
    let span = Some(v.span());
    let number = match (sp.kind, v.get_ref()) {
        (Kind::Bool, DeValue::Boolean(b)) => return Ok(if *b { 1.0 } else { 0.0 }),
        (Kind::Bool, other) => {
            return Err(cx.error(span, Some(sp.key), format!("expected true or false, found {}", other.type_str())))
        }
        (Kind::Int, DeValue::Integer(i)) => parse_int(i.as_str(), i.radix()),
        (Kind::Float, DeValue::Integer(i)) => parse_int(i.as_str(), i.radix()),
        (Kind::Float, DeValue::Float(f)) => f.as_str().replace('_', "").parse::<f64>().ok().filter(|x| x.is_finite()),
        (Kind::Int, other) => {
            return Err(cx.error(
                span,
                Some(sp.key),
                format!("expected an integer ({}), found {}", sp.unit, other.type_str()),
            ))
        }
        (Kind::Float, other) => {
            return Err(cx.error(
                span,
                Some(sp.key),
                format!("expected a number ({}), found {}", sp.unit, other.type_str()),
            ))
        }
    };
    let x = number.ok_or_else(|| cx.error(span.clone(), Some(sp.key), "expected a finite number"))?;
    check_range(sp, x).map_err(|m| cx.error(span, Some(sp.key), m))
}

fn parse_int(s: &str, radix: u32) -> Option<f64> {
    i64::from_str_radix(&s.replace('_', ""), radix).ok().map(|i| i as f64)
}

/// The value if it lies in the parameter's range, else the message saying what was expected.
pub fn check_range(sp: &ParamSpec, x: f64) -> Result<f64, String> {
    if x < sp.min || x > sp.max {
        return Err(format!("value {x} is out of range: expected {} to {} ({})", sp.min, sp.max, sp.unit));
    }
    if sp.kind == Kind::Int && x.fract() != 0.0 {
        return Err(format!("expected an integer, found {x}"));
    }
    Ok(x)
}

const EVENTS: &str = "set, communize, split_communes, replan, revise";

/// Why a timeline `set` of a parameter that is not a policy lever is refused.
fn not_a_lever_message() -> String {
    let levers: Vec<&str> = SPECS.iter().filter(|s| s.lever).map(|s| s.key).collect();
    format!(
        "not a policy lever: a timeline `set` event may change only {} (other parameters are fixed for the run)",
        levers.join(", ")
    )
}

fn timeline(cx: &Source, v: &Spanned<DeValue>) -> Result<Vec<Event>, ScenarioError> {
    let DeValue::Array(items) = v.get_ref() else {
        return Err(cx.error(Some(v.span()), Some("timeline"), "expected [[timeline]] entries"));
    };
    let mut events = Vec::new();
    for item in items.iter() {
        let DeValue::Table(t) = item.get_ref() else {
            return Err(cx.error(Some(item.span()), Some("timeline"), "expected a table"));
        };
        let get = |k: &str| t.iter().find(|(key, _)| key.get_ref() == k).map(|(_, v)| v);
        for (k, _) in t.iter() {
            if !["date", "event", "label", "source", "key", "value", "parts"].contains(&k.get_ref().as_ref()) {
                return Err(cx.error(
                    Some(k.span()),
                    Some(&format!("timeline.{}", k.get_ref())),
                    "unknown field; expected date, event, label, source, key, value or parts",
                ));
            }
        }
        let date_v = get("date")
            .ok_or_else(|| cx.error(Some(item.span()), Some("timeline.date"), "missing; expected \"YYYY-MM\""))?;
        let date = cx.string("timeline.date", date_v)?;
        let month = parse_month(&date).ok_or_else(|| {
            cx.error(
                Some(date_v.span()),
                Some("timeline.date"),
                format!("malformed date \"{date}\": expected \"YYYY-MM\" from 1953-01 on"),
            )
        })?;
        let event_v = get("event").ok_or_else(|| {
            cx.error(Some(item.span()), Some("timeline.event"), format!("missing; expected one of {EVENTS}"))
        })?;
        let label = match get("label") {
            Some(l) => cx.string("timeline.label", l)?,
            None => String::new(),
        };
        let action = match cx.string("timeline.event", event_v)?.as_str() {
            "set" => {
                let kv = get("key").ok_or_else(|| {
                    cx.error(Some(item.span()), Some("timeline.key"), "missing: a `set` event needs key and value")
                })?;
                let key = cx.string("timeline.key", kv)?;
                let sp = spec(&key).ok_or_else(|| cx.error(Some(kv.span()), Some(&key), unknown_key_message(&key)))?;
                if !sp.lever {
                    return Err(cx.err(kv.span(), sp.key, not_a_lever_message()));
                }
                let vv = get("value").ok_or_else(|| {
                    cx.error(Some(item.span()), Some("timeline.value"), "missing: a `set` event needs key and value")
                })?;
                Action::Set { key: sp.key.to_string(), value: value_for(cx, sp, vv)? }
            }
            "communize" => Action::Communize,
            "replan" => Action::Replan,
            "revise" => {
                let vv = get("value").ok_or_else(|| {
                    cx.error(Some(item.span()), Some("timeline.value"), "missing: a `revise` event needs value (Mt)")
                })?;
                let grain_mt = cx.finite("timeline.value", vv)?;
                if !(1.0..=2000.0).contains(&grain_mt) {
                    return Err(cx.err(vv.span(), "timeline.value", "expected last year's grain in Mt, 1 to 2000"));
                }
                Action::Revise { grain_mt }
            }
            "split_communes" => {
                let pv = get("parts").ok_or_else(|| {
                    cx.error(Some(item.span()), Some("timeline.parts"), "missing: expected an integer 2 to 10")
                })?;
                let parts = match pv.get_ref() {
                    DeValue::Integer(i) => parse_int(i.as_str(), i.radix()).filter(|p| (2.0..=10.0).contains(p)),
                    _ => None,
                }
                .ok_or_else(|| cx.error(Some(pv.span()), Some("timeline.parts"), "expected an integer 2 to 10"))?;
                Action::SplitCommunes { parts: parts as u32 }
            }
            other => {
                return Err(cx.error(
                    Some(event_v.span()),
                    Some("timeline.event"),
                    format!("unknown event \"{other}\": expected one of {EVENTS}"),
                ))
            }
        };
        events.push(Event { month, action, label });
    }
    Ok(events)
}

impl Scenario {
    /// Apply a `--set key.path=value` override.
    pub fn apply_override(&mut self, kv: &str) -> Result<(), ScenarioError> {
        let err = |key: Option<&str>, m: String| ScenarioError {
            file: "--set".into(),
            line: None,
            key: key.map(str::to_string),
            message: m,
        };
        let (k, v) = kv.split_once('=').ok_or_else(|| err(None, format!("\"{kv}\": expected key.path=value")))?;
        let (k, v) = (k.trim(), v.trim());
        let sp = spec(k).ok_or_else(|| err(Some(k), unknown_key_message(k)))?;
        let x = match sp.kind {
            Kind::Bool => match v {
                "true" => 1.0,
                "false" => 0.0,
                _ => return Err(err(Some(k), format!("expected true or false, found \"{v}\""))),
            },
            _ => v
                .replace('_', "")
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| err(Some(k), format!("expected a number, found \"{v}\"")))?,
        };
        let x = check_range(sp, x).map_err(|m| err(Some(k), m))?;
        self.params.set(sp.key, x);
        self.overrides.push((sp.key.to_string(), x));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_historical_parses() {
        let s = load("historical").unwrap();
        assert_eq!(s.name, "historical");
        assert!(!s.description.is_empty());
        assert!(s.timeline.iter().any(|e| e.action == Action::Communize));
    }

    #[test]
    fn errors_name_line_key_and_expectation() {
        let e = parse("name = \"x\"\n[demography]\nmortality_levle = 1.0\n", "f.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("demography.mortality_levle")));
        assert!(e.message.contains("did you mean `demography.mortality_level`"), "{e}");

        let e = parse("[procurement]\n\nrate = 1.5\n", "f.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("procurement.rate")));
        assert!(e.message.contains("out of range") && e.message.contains("0 to 0.9"), "{e}");

        let e = parse("[[timeline]]\ndate = \"1958-8\"\nevent = \"communize\"\n", "f.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("timeline.date")));
        assert!(e.message.contains("YYYY-MM"));

        // The timeline changes policy levers only; other parameters are fixed for the run.
        let set =
            "[[timeline]]\ndate = \"1958-08\"\nevent = \"set\"\nkey = \"demography.mortality_level\"\nvalue = 1.0\n";
        let e = parse(set, "f.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("demography.mortality_level")));
        assert!(e.message.contains("not a policy lever") && e.message.contains("labour.steel_campaign"), "{e}");
        assert!(parse(&set.replace("demography.mortality_level", "politics.climate"), "f.toml").is_ok());

        // A revision of last year's grain needs a figure in Mt.
        let revise = "[[timeline]]\ndate = \"1959-08\"\nevent = \"revise\"\nvalue = 250.0\n";
        let s = parse(revise, "f.toml").unwrap();
        assert_eq!(s.timeline[0].action, Action::Revise { grain_mt: 250.0 });
        let e = parse(&revise.replace("250.0", "-3"), "f.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("timeline.value")));
        assert!(e.message.contains("Mt"), "{e}");
        let e = parse(&revise.replace("value = 250.0\n", ""), "f.toml").unwrap_err();
        assert!(e.message.contains("needs value"), "{e}");

        let e = parse("[hierarchy]\nteam_families = 12.5\n", "f.toml").unwrap_err();
        assert!(e.message.contains("integer"), "{e}");
        let e = parse("[reporting]\nhonest = 1\n", "f.toml").unwrap_err();
        assert!(e.message.contains("true or false"), "{e}");
        let e = parse("colour = 1\n", "f.toml").unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = parse("[run\n", "f.toml").unwrap_err();
        assert!(e.message.contains("not valid TOML") && e.line == Some(1), "{e}");
    }

    #[test]
    fn extends_changes_only_what_differs() {
        let base = load("historical").unwrap();
        let s =
            parse("extends = \"historical\"\nname = \"strict\"\n[procurement]\nrate = 0.4\n", "strict.toml").unwrap();
        assert_eq!(s.name, "strict");
        assert_eq!(s.params.procurement.rate, 0.4);
        assert_eq!(s.params.demography, base.params.demography);
        assert_eq!(s.timeline, base.timeline);
        let e = parse("extends = \"nope\"\n", "x.toml").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("extends")));
    }

    #[test]
    fn pinned_tables_set_and_pin() {
        let s = parse("extends = \"historical\"\n[pinned.food]\nmess_halls = false\n", "p.toml").unwrap();
        assert!(!s.params.food.mess_halls);
        assert!(s.overrides.iter().any(|(k, v)| k == "food.mess_halls" && *v == 0.0));
        let e = parse("[pinned.nope]\nx = 1\n", "p.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("pinned.nope"));
        let e = parse("[pinned.food]\nmess_hall = false\n", "p.toml").unwrap_err();
        assert!(e.message.contains("did you mean"), "{e}");
        // Every built-in scenario parses and names itself.
        for (name, _) in BUILTIN {
            assert_eq!(load(name).unwrap().name, *name);
        }
    }

    #[test]
    fn overrides() {
        let mut s = load("historical").unwrap();
        s.apply_override("procurement.rate=0.3").unwrap();
        assert_eq!(s.params.procurement.rate, 0.3);
        s.apply_override("reporting.honest=true").unwrap();
        assert!(s.params.reporting.honest);
        assert!(s.apply_override("procurement.rate=2").is_err());
        assert!(s.apply_override("procurement.rat=0.2").unwrap_err().message.contains("did you mean"));
        assert!(s.apply_override("procurement.rate").is_err());
    }
}
