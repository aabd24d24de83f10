//! Design files of `leapsim sweep`: which parameter sets to run, with how many seeds, and which
//! outcomes to keep. Every key is checked against the parameter registry, every value against
//! its range; errors name the file, line and key, as scenario files do.
//!
//! ```toml
//! [design]
//! kind = "grid"        # "grid" (every combination of levels), "lhs" (Latin hypercube) or "list"
//! seeds = 2            # runs per point: seeds seed, seed+1, ... (the same for every point)
//! outcomes = ["excess_deaths:1959-1961", "cdr_permille:1958-1962:max"]
//! # points = 16        # lhs only: how many points
//!
//! [parameters]         # grid: the levels of each parameter; lhs: its [min, max]
//! procurement.rate = [0.2, 0.3]
//! reporting.inflation_per_level = [0.1, 0.17, 0.25]
//!
//! # list: one table per point instead of [parameters]
//! # [[point]]
//! # procurement.rate = 0.25
//! ```

use leapsim_core::params::{spec, Kind, ParamSpec, SPECS};
use leapsim_engine::scenario::{check_range, unknown_key_message, ScenarioError, Source};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// How the points of a design are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesignKind {
    Grid,
    Lhs,
    List,
}

/// A checked design: the parameters varied and the value of each at every point.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    pub kind: DesignKind,
    /// Parameters varied, in the order of the file.
    pub params: Vec<&'static str>,
    /// `points[i][j]`: parameter `params[j]` at point `i` (booleans as 0 or 1).
    pub points: Vec<Vec<f64>>,
    /// Runs per point (seeds base, base + 1, ...).
    pub seeds: u64,
    /// Outcome texts (already checked against the outcome grammar); empty = the headline list.
    pub outcomes: Vec<String>,
}

/// Most points a design may have.
pub const MAX_POINTS: usize = 1_000_000;

/// Read and check a design file. `base_seed` seeds the Latin hypercube.
pub fn load(path: &str, base_seed: i64) -> Result<Design, ScenarioError> {
    parse(&leapsim_engine::scenario::read_input(path, "design file")?, path, base_seed)
}

/// Parse a design's TOML text; `file` names it in errors.
pub fn parse(text: &str, file: &str, base_seed: i64) -> Result<Design, ScenarioError> {
    let cx = Source { file, text };
    let doc = DeTable::parse(text).map_err(|e| ScenarioError {
        file: file.to_string(),
        line: e.span().map(|s| cx.line(s)),
        key: None,
        message: format!("not valid TOML: {}", e.message()),
    })?;
    let top = doc.get_ref();
    for (k, _) in top.iter() {
        if !["design", "parameters", "point"].contains(&k.get_ref().as_ref()) {
            return Err(cx.err(k.span(), k.get_ref(), "unknown key; expected [design], [parameters] or [[point]]"));
        }
    }
    let design = match get(top, "design") {
        Some(d) => d,
        None => {
            return Err(ScenarioError {
                file: file.to_string(),
                line: None,
                key: Some("design".into()),
                message: "missing [design] table (kind = \"grid\", \"lhs\" or \"list\")".into(),
            })
        }
    };
    let DeValue::Table(dt) = design.get_ref() else {
        return Err(cx.err(design.span(), "design", "expected a table"));
    };
    for (k, _) in dt.iter() {
        if !["kind", "seeds", "outcomes", "points"].contains(&k.get_ref().as_ref()) {
            return Err(cx.err(
                k.span(),
                &format!("design.{}", k.get_ref()),
                "unknown key; expected kind, seeds, outcomes or points",
            ));
        }
    }
    let kind_v = get(dt, "kind")
        .ok_or_else(|| cx.err(design.span(), "design.kind", "missing; expected \"grid\", \"lhs\" or \"list\""))?;
    let kind = match kind_v.get_ref().as_str() {
        Some("grid") => DesignKind::Grid,
        Some("lhs") => DesignKind::Lhs,
        Some("list") => DesignKind::List,
        _ => return Err(cx.err(kind_v.span(), "design.kind", "expected \"grid\", \"lhs\" or \"list\"")),
    };
    let count = |key: &str, max: f64| -> Result<Option<u64>, ScenarioError> {
        let Some(v) = get(dt, key) else { return Ok(None) };
        match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .filter(|n| *n >= 1 && *n as f64 <= max)
                .map(|n| Some(n as u64))
                .ok_or_else(|| cx.err(v.span(), &format!("design.{key}"), format!("expected an integer 1 to {max}"))),
            _ => Err(cx.err(v.span(), &format!("design.{key}"), format!("expected an integer 1 to {max}"))),
        }
    };
    let seeds = count("seeds", 1e6)?.unwrap_or(1);
    let n_points = count("points", MAX_POINTS as f64)?;
    let outcomes = outcomes(&cx, dt)?;

    let (params, points) = params_and_points(&cx, top, dt, &design, (kind, &kind_v), n_points, base_seed)?;
    if points.len() > MAX_POINTS {
        return Err(cx.err(design.span(), "design", format!("{} points is more than {MAX_POINTS}", points.len())));
    }
    Ok(Design { kind, params, points, seeds, outcomes })
}

/// The value of key `k` of a TOML table.
fn get<'a>(t: &DeTable<'a>, k: &str) -> Option<Spanned<DeValue<'a>>> {
    t.iter().find(|(key, _)| key.get_ref() == k).map(|(_, v)| v.clone())
}

/// `[design] outcomes`, each checked against the outcome grammar.
fn outcomes(cx: &Source, dt: &DeTable) -> Result<Vec<String>, ScenarioError> {
    let mut outcomes = Vec::new();
    if let Some(v) = get(dt, "outcomes") {
        let DeValue::Array(items) = v.get_ref() else {
            return Err(cx.err(
                v.span(),
                "design.outcomes",
                "expected a list of outcomes, e.g. [\"excess_deaths:1959-1961\"]",
            ));
        };
        for item in items.iter() {
            let t = item.get_ref().as_str().ok_or_else(|| {
                cx.err(item.span(), "design.outcomes", "expected a string such as \"excess_deaths:1959-1961\"")
            })?;
            crate::outcome::Outcome::parse(t).map_err(|m| cx.err(item.span(), "design.outcomes", m))?;
            outcomes.push(t.to_string());
        }
    }

    Ok(outcomes)
}

/// The varied parameters and the design's points: from `[parameters]` for a grid or a Latin
/// hypercube, from `[[point]]` tables for a list.
fn params_and_points<'a>(
    cx: &Source,
    top: &DeTable<'a>,
    dt: &DeTable<'a>,
    design: &Spanned<DeValue<'a>>,
    (kind, kind_v): (DesignKind, &Spanned<DeValue<'a>>),
    n_points: Option<u64>,
    base_seed: i64,
) -> Result<(Vec<&'static str>, Vec<Vec<f64>>), ScenarioError> {
    Ok(match kind {
        DesignKind::Grid | DesignKind::Lhs => {
            if let Some(p) = top.iter().find(|(k, _)| k.get_ref() == "point") {
                return Err(cx.err(p.0.span(), "point", "[[point]] tables belong to kind = \"list\""));
            }
            let p = get(top, "parameters").ok_or_else(|| {
                cx.err(design.span(), "parameters", "missing [parameters] table: the parameters to vary")
            })?;
            let mut found = Vec::new();
            collect(cx, &p, "", &mut found)?;
            // TOML tables are not kept in file order: restore it.
            found.sort_by_key(|f| f.2.start);
            if found.is_empty() {
                return Err(cx.err(p.span(), "parameters", "no parameters to vary"));
            }
            if kind == DesignKind::Grid {
                if let Some(n) = get(dt, "points") {
                    return Err(cx.err(
                        n.span(),
                        "design.points",
                        "only a Latin hypercube (kind = \"lhs\") takes points",
                    ));
                }
                grid(cx, &found)?
            } else {
                let n = n_points
                    .ok_or_else(|| cx.err(kind_v.span(), "design.points", "missing: how many points to sample"))?;
                lhs(cx, &found, n as usize, base_seed)?
            }
        }
        DesignKind::List => {
            if let Some(p) = top.iter().find(|(k, _)| k.get_ref() == "parameters") {
                return Err(cx.err(
                    p.0.span(),
                    "parameters",
                    "kind = \"list\" takes [[point]] tables, not [parameters]",
                ));
            }
            if let Some(n) = get(dt, "points") {
                return Err(cx.err(n.span(), "design.points", "only a Latin hypercube (kind = \"lhs\") takes points"));
            }
            list(cx, get(top, "point").as_ref(), design)?
        }
    })
}

type Found<'a> = Vec<(&'static ParamSpec, Spanned<DeValue<'a>>, std::ops::Range<usize>)>;

/// The parameters of a table, whether written `procurement.rate = ...`, `"procurement.rate" = ...`
/// or as a `[parameters.procurement]` table.
fn collect<'a>(cx: &Source, v: &Spanned<DeValue<'a>>, prefix: &str, out: &mut Found<'a>) -> Result<(), ScenarioError> {
    let DeValue::Table(t) = v.get_ref() else {
        return Err(cx.err(v.span(), prefix.trim_end_matches('.'), "expected a table of parameters"));
    };
    for (k, val) in t.iter() {
        let full = format!("{prefix}{}", k.get_ref());
        if let Some(sp) = spec(&full) {
            if sp.key == "run.seed" {
                return Err(cx.err(k.span(), sp.key, "the seeds are set by design.seeds and --seed, not varied"));
            }
            if out.iter().any(|(s, _, _)| s.key == sp.key) {
                return Err(cx.err(k.span(), sp.key, "given twice"));
            }
            out.push((sp, val.clone(), k.span()));
        } else if matches!(val.get_ref(), DeValue::Table(_))
            && SPECS.iter().any(|s| s.key.starts_with(&format!("{full}.")))
        {
            collect(cx, val, &format!("{full}."), out)?;
        } else {
            return Err(cx.err(k.span(), &full, unknown_key_message(&full)));
        }
    }
    Ok(())
}

/// One value of a parameter, checked against its kind and range.
fn value(cx: &Source, sp: &ParamSpec, v: &Spanned<DeValue>) -> Result<f64, ScenarioError> {
    let x = match (sp.kind, v.get_ref()) {
        (Kind::Bool, DeValue::Boolean(b)) => return Ok(if *b { 1.0 } else { 0.0 }),
        (Kind::Bool, _) => return Err(cx.err(v.span(), sp.key, "expected true or false")),
        (_, DeValue::Integer(i)) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok().map(|i| i as f64),
        (Kind::Float, DeValue::Float(f)) => f.as_str().replace('_', "").parse::<f64>().ok().filter(|x| x.is_finite()),
        (Kind::Int, _) => return Err(cx.err(v.span(), sp.key, format!("expected an integer ({})", sp.unit))),
        (Kind::Float, _) => return Err(cx.err(v.span(), sp.key, format!("expected a number ({})", sp.unit))),
    }
    .ok_or_else(|| cx.err(v.span(), sp.key, "expected a finite number"))?;
    check_range(sp, x).map_err(|m| cx.err(v.span(), sp.key, m))
}

fn array<'a, 'b>(
    cx: &Source,
    sp: &ParamSpec,
    v: &'b Spanned<DeValue<'a>>,
    what: &str,
) -> Result<Vec<&'b Spanned<DeValue<'a>>>, ScenarioError> {
    match v.get_ref() {
        DeValue::Array(a) => Ok(a.iter().collect()),
        _ => Err(cx.err(v.span(), sp.key, format!("expected {what}"))),
    }
}

fn grid(cx: &Source, found: &Found) -> Result<(Vec<&'static str>, Vec<Vec<f64>>), ScenarioError> {
    let mut levels = Vec::new();
    let mut n: usize = 1;
    for (sp, v, _) in found {
        let a = array(cx, sp, v, "a list of levels, e.g. [0.2, 0.3]")?;
        if a.is_empty() {
            return Err(cx.err(v.span(), sp.key, "expected at least one level"));
        }
        let l = a.iter().map(|x| value(cx, sp, x)).collect::<Result<Vec<_>, _>>()?;
        n = n.saturating_mul(l.len());
        if n > MAX_POINTS {
            return Err(cx.err(v.span(), sp.key, format!("the grid has more than {MAX_POINTS} points")));
        }
        levels.push(l);
    }
    // The first parameter varies slowest, as in nested loops written in the file's order.
    let points = (0..n)
        .map(|i| {
            let mut rest = i;
            let mut p = vec![0.0; levels.len()];
            for (j, l) in levels.iter().enumerate().rev() {
                p[j] = l[rest % l.len()];
                rest /= l.len();
            }
            p
        })
        .collect();
    Ok((found.iter().map(|f| f.0.key).collect(), points))
}

/// A counter-based uniform number in [0, 1) for (seed, parameter, point, purpose).
fn uniform(seed: i64, dim: usize, point: usize, purpose: u64) -> f64 {
    leapsim_core::rng::uniform(seed as u64, &[dim as u64, point as u64, purpose])
}

/// `x` to 6 significant digits, so the values in results.csv are the values that were run.
fn round6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.5e}").parse().unwrap()
}

/// A Latin hypercube: each parameter's range is cut into `n` equal strata and each stratum is
/// used by exactly one point, at a uniform position within it. The strata's order and the
/// positions are counter-based hashes of (base seed, parameter, point), so a design is the
/// same on every machine and does not depend on anything else drawn.
fn lhs(cx: &Source, found: &Found, n: usize, seed: i64) -> Result<(Vec<&'static str>, Vec<Vec<f64>>), ScenarioError> {
    let mut points = vec![vec![0.0; found.len()]; n];
    for (d, (sp, v, _)) in found.iter().enumerate() {
        if sp.kind == Kind::Bool {
            return Err(cx.err(v.span(), sp.key, "a true/false parameter cannot be sampled; use a grid or a list"));
        }
        let a = array(cx, sp, v, "a range [min, max], e.g. [0.2, 0.4]")?;
        if a.len() != 2 {
            return Err(cx.err(v.span(), sp.key, "expected a range [min, max] of two numbers"));
        }
        let (lo, hi) = (value(cx, sp, a[0])?, value(cx, sp, a[1])?);
        if lo >= hi {
            return Err(cx.err(v.span(), sp.key, format!("the range [{lo}, {hi}] is empty: expected min < max")));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| leapsim_core::rng::splitmix64(uniform(seed, d, i, 0).to_bits()));
        for (i, stratum) in order.into_iter().enumerate() {
            let u = (stratum as f64 + uniform(seed, d, i, 1)) / n as f64;
            points[i][d] = match sp.kind {
                // Integers: strata of [lo, hi + 1), rounded down.
                Kind::Int => (lo + u * (hi + 1.0 - lo)).floor().min(hi),
                _ => round6(lo + u * (hi - lo)).clamp(lo, hi),
            };
        }
    }
    Ok((found.iter().map(|f| f.0.key).collect(), points))
}

fn list(
    cx: &Source,
    points: Option<&Spanned<DeValue>>,
    design: &Spanned<DeValue>,
) -> Result<(Vec<&'static str>, Vec<Vec<f64>>), ScenarioError> {
    let Some(points) = points else {
        return Err(cx.err(design.span(), "point", "missing: a list design has one [[point]] table per point"));
    };
    let DeValue::Array(items) = points.get_ref() else {
        return Err(cx.err(points.span(), "point", "expected [[point]] tables"));
    };
    let mut sets = Vec::new();
    let mut params: Vec<&'static str> = Vec::new();
    for item in items.iter() {
        let mut found = Vec::new();
        collect(cx, item, "", &mut found)?;
        found.sort_by_key(|f| f.2.start);
        let set = found.iter().map(|(sp, v, _)| Ok((sp.key, value(cx, sp, v)?))).collect::<Result<Vec<_>, _>>()?;
        for (k, _) in &set {
            if !params.contains(k) {
                params.push(k);
            }
        }
        sets.push((item.span(), set));
    }
    if sets.is_empty() {
        return Err(cx.err(points.span(), "point", "no points"));
    }
    // Every point sets every parameter of the design, so each row of the results is complete.
    let rows = sets
        .into_iter()
        .map(|(span, set)| {
            params
                .iter()
                .map(|p| {
                    set.iter().find(|(k, _)| k == p).map(|x| x.1).ok_or_else(|| {
                        cx.err(span.clone(), p, "this point does not set it; every point sets the same parameters")
                    })
                })
                .collect()
        })
        .collect::<Result<Vec<Vec<f64>>, _>>()?;
    Ok((params, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_varies_the_first_parameter_slowest() {
        let d = parse(
            "[design]\nkind = \"grid\"\nseeds = 2\noutcomes = [\"excess_deaths:1959-1961\"]\n[parameters]\n\
             procurement.rate = [0.2, 0.3]\n\"reporting.honest\" = [false, true]\n[parameters.run]\nend_year = [1962]\n",
            "g.toml",
            1,
        )
        .unwrap();
        assert_eq!(d.params, ["procurement.rate", "reporting.honest", "run.end_year"]);
        assert_eq!(
            d.points,
            vec![vec![0.2, 0.0, 1962.0], vec![0.2, 1.0, 1962.0], vec![0.3, 0.0, 1962.0], vec![0.3, 1.0, 1962.0]]
        );
        assert_eq!((d.seeds, d.outcomes.len()), (2, 1));
    }

    #[test]
    fn latin_hypercube_uses_every_stratum_once_and_is_reproducible() {
        let text = "[design]\nkind = \"lhs\"\npoints = 10\n[parameters]\nprocurement.rate = [0.2, 0.4]\nhierarchy.team_families = [8, 17]\n";
        let d = parse(text, "l.toml", 7).unwrap();
        assert_eq!(d.points.len(), 10);
        let mut strata: Vec<usize> = d.points.iter().map(|p| ((p[0] - 0.2) / 0.02).floor() as usize).collect();
        strata.sort();
        assert_eq!(strata, (0..10).collect::<Vec<_>>());
        let mut ints: Vec<f64> = d.points.iter().map(|p| p[1]).collect();
        ints.sort_by(f64::total_cmp);
        assert_eq!(ints, (8..=17).map(|i| i as f64).collect::<Vec<_>>());
        assert_eq!(parse(text, "l.toml", 7).unwrap(), d);
        assert_ne!(parse(text, "l.toml", 8).unwrap().points, d.points);
    }

    #[test]
    fn list_points_and_errors_name_line_and_key() {
        let d = parse(
            "[design]\nkind = \"list\"\n[[point]]\nprocurement.rate = 0.25\n[[point]]\nprocurement.rate = 0.35\n",
            "x.toml",
            1,
        )
        .unwrap();
        assert_eq!(d.points, vec![vec![0.25], vec![0.35]]);
        let err = |text: &str| parse(text, "d.toml", 1).unwrap_err();
        let e = err("[design]\nkind = \"grid\"\n[parameters]\nprocurement.rat = [0.2]\n");
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("procurement.rat")));
        assert!(e.message.contains("did you mean `procurement.rate`"), "{e}");
        let e = err("[design]\nkind = \"grid\"\n[parameters]\n\nprocurement.rate = [0.2, 1.5]\n");
        assert_eq!((e.line, e.key.as_deref()), (Some(5), Some("procurement.rate")));
        assert!(e.message.contains("out of range"), "{e}");
        let e = err("[design]\nkind = \"cube\"\n");
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("design.kind")));
        let e = err("[design]\nkind = \"lhs\"\npoints = 4\n[parameters]\nprocurement.rate = [0.4, 0.2]\n");
        assert!(e.message.contains("min < max"), "{e}");
        let e =
            err("[design]\nkind = \"grid\"\noutcomes = [\"excess:1959\"]\n[parameters]\nprocurement.rate = [0.2]\n");
        assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("design.outcomes")));
        let e =
            err("[design]\nkind = \"list\"\n[[point]]\nprocurement.rate = 0.2\n[[point]]\nfood.mess_halls = false\n");
        assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("food.mess_halls")), "{e}");
        let e = err("[design]\nkind = \"grid\"\n[parameters]\nrun.seed = [1, 2]\n");
        assert_eq!(e.key.as_deref(), Some("run.seed"));
        let e = err("[design]\nkind = \"grid\"\nseeds = 0\n[parameters]\nprocurement.rate = [0.2]\n");
        assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("design.seeds")));
    }
}
