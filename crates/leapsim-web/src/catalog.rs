//! What the page offers before any run: the built-in scenarios, the parameter registry grouped
//! by mechanism (with the historical scenario's values) and the national record with sources.

use leapsim_core::params::{Kind, SPECS};
use leapsim_engine::data::NATIONAL_CSV;
use leapsim_engine::scenario;
use serde_json::{json, Value};

/// The mechanisms the levers are grouped by, in the page's order: (group, keys or key
/// prefixes ending in '.'). A key goes to the first group that names it; every other key is in
/// `other` (shown folded on the page).
pub const GROUPS: &[(&str, &[&str])] = &[
    ("reporting", &["reporting."]),
    ("targets", &["planning.", "production.yield_growth", "industry.capacity_growth", "industry.utilisation"]),
    ("procurement", &["procurement."]),
    ("trade", &["trade."]),
    (
        "mess halls",
        &["food.mess_halls", "food.free_eating", "food.mess_hall_other_food_loss", "food.sidelines_restored"],
    ),
    (
        "rations and relief",
        &["food.urban_ration_", "food.ration_", "food.relief_denial", "food.resale", "food.state_stock"],
    ),
    (
        "campaigns",
        &[
            "labour.steel_campaign",
            "labour.irrigation_campaign",
            "labour.accounting_level",
            "production.backyard_",
            "production.irrigation_yield_gain",
        ],
    ),
    ("weather", &["production.weather", "production.normal_loss_share", "production.loss_on_affected_land"]),
    ("politics", &["politics.", "truth."]),
];

/// The group of parameter `key`.
pub fn group_of(key: &str) -> &'static str {
    for (g, keys) in GROUPS {
        if keys.iter().any(|k| if k.ends_with('.') || k.ends_with('_') { key.starts_with(k) } else { key == *k }) {
            return g;
        }
    }
    "other"
}

/// `GET /api/scenarios`: every built-in scenario, its description and what it changes from
/// `historical` (its overrides and timeline length).
pub fn scenarios() -> Value {
    let list: Vec<Value> = scenario::builtin_list()
        .into_iter()
        .map(|(name, description)| {
            let s = scenario::load(&name).ok();
            json!({
                "name": name,
                "description": description,
                "pinned": s.as_ref().map(|s| s.overrides.iter().map(|(k, v)| json!({ "key": k, "value": v })).collect::<Vec<_>>()),
                "scale": s.as_ref().map(|s| s.params.run.scale),
                "seed": s.as_ref().map(|s| s.params.run.seed),
                "timeline": s.as_ref().map(|s| s.timeline.iter().map(event).collect::<Vec<_>>()),
            })
        })
        .collect();
    json!({ "scenarios": list })
}

/// A timeline event as JSON: its month, what it does and its label (what happened, with its
/// source).
fn event(e: &leapsim_core::Event) -> Value {
    use leapsim_core::inputs::Action;
    let (kind, key, value) = match &e.action {
        Action::Set { key, value } => ("set", Some(key.as_str()), Some(*value)),
        Action::Communize => ("communize", None, None),
        Action::SplitCommunes { parts } => ("split_communes", None, Some(f64::from(*parts))),
        Action::Replan => ("replan", None, None),
        Action::Revise { grain_mt } => ("revise", None, Some(*grain_mt)),
    };
    json!({ "date": e.month.to_string(), "event": kind, "key": key, "value": value, "label": e.label })
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Float => "float",
        Kind::Int => "int",
        Kind::Bool => "bool",
    }
}

/// `GET /api/params`: every parameter of the registry with its unit, range, default, the
/// historical scenario's value, meaning and source, grouped by mechanism.
pub fn params() -> Value {
    let hist = scenario::load("historical").map(|s| s.params).unwrap_or_default();
    let mut groups: Vec<(&str, Vec<Value>)> = GROUPS.iter().map(|(g, _)| (*g, Vec::new())).collect();
    groups.push(("other", Vec::new()));
    for s in SPECS {
        let g = group_of(s.key);
        let entry = json!({
            "key": s.key,
            "kind": kind_name(s.kind),
            "unit": s.unit,
            "min": s.min,
            "max": s.max,
            "default": s.default,
            "historical": hist.get(s.key).unwrap_or(s.default),
            "lever": s.lever,
            "meaning": s.meaning,
            "source": s.source,
        });
        if let Some((_, v)) = groups.iter_mut().find(|(n, _)| *n == g) {
            v.push(entry);
        }
    }
    json!({ "groups": groups.into_iter().map(|(g, p)| json!({ "group": g, "params": p })).collect::<Vec<_>>() })
}

/// The model series each recorded variable is set beside, with the factor that turns the
/// record's unit into the series' (million persons to persons, percent to a fraction).
pub const BESIDE: &[(&str, &str, f64)] = &[
    ("grain_output_official", "grain_true_mt", 1.0),
    ("grain_procurement_gross", "grain_procured_mt", 1.0),
    ("grain_procurement_net", "grain_procured_net_mt", 1.0),
    ("procurement_ratio_gross", "procurement_ratio", 0.01),
    ("grain_exports", "grain_exported_mt", 1.0),
    ("grain_imports", "grain_imported_mt", 1.0),
    ("state_grain_stock_before_summer_harvest", "state_granary_low_mt", 1.0),
    ("steel_output_official", "steel_usable_mt", 1.0),
    ("coal_output_official", "coal_true_mt", 1.0),
    ("cotton_output_official", "cotton_true_mt", 1.0),
    ("crude_death_rate", "cdr_permille", 1.0),
    ("crude_birth_rate", "cbr_permille", 1.0),
    ("population_year_end", "population", 1e6),
];

/// `GET /api/history`: the national record (data/national.csv), one entry per variable with
/// its unit, the model series it is set beside (in that series' unit) and each year's value,
/// source and confidence.
pub fn history() -> Value {
    let mut vars: Vec<(String, Value)> = Vec::new();
    for (_, r) in leapsim_engine::csv::records(NATIONAL_CSV) {
        let (Ok(year), Ok(value)) = (r["year"].parse::<i32>(), r["value"].parse::<f64>()) else { continue };
        let var = r["variable"].clone();
        let beside = BESIDE.iter().find(|b| b.0 == var);
        let i = match vars.iter().position(|(v, _)| *v == var) {
            Some(i) => i,
            None => {
                vars.push((
                    var.clone(),
                    json!({
                        "variable": var,
                        "unit": r["unit"],
                        "series": beside.map(|b| b.1),
                        "factor": beside.map(|b| b.2),
                        "points": [],
                    }),
                ));
                vars.len() - 1
            }
        };
        let point = json!({
            "year": year,
            "value": value,
            "model_value": beside.map(|b| value * b.2),
            "source": r["source"],
            "confidence": r.get("confidence"),
            "notes": r.get("notes"),
        });
        vars[i].1["points"].as_array_mut().expect("points").push(point);
    }
    json!({ "file": "data/national.csv", "variables": vars.into_iter().map(|(_, v)| v).collect::<Vec<_>>() })
}

/// The simulated provinces: code to name (`data/provinces.csv`).
pub fn province_names() -> serde_json::Map<String, Value> {
    leapsim_engine::data::provinces()
        .map(|ps| ps.into_iter().map(|p| (p.code, json!(p.name))).collect())
        .unwrap_or_default()
}
