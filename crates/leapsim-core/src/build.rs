//! Building the 1953 world from inputs at a given scale.

use crate::calendar::Month;
use crate::inputs::{Action, Inputs, ProvinceInput};
use crate::lifetable::stable_population;
use crate::params::{Params, Policy};
use crate::person::{close_ranks, encode, AGES, EMPTY, FAMILY_SLOTS};
use crate::rng::{Purpose, Stream};
use crate::state::{Centre, Province, TeamFlow, Teams, World};
use rayon::prelude::*;
use std::ops::Range;

/// Why a world could not be built.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BuildError {}

/// Build the world of January 1953: every province's rural and urban families at
/// `params.run.scale`, their people drawn from the stable age-sex distribution.
pub fn build(params: &Params, inputs: &Inputs) -> Result<World, BuildError> {
    if inputs.provinces.is_empty() {
        return Err(BuildError("no provinces in the inputs".into()));
    }
    check_timeline(inputs)?;
    let Layout { provinces, mut teams, brigades } = lay_out(params, inputs)?;
    let seed = params.run.seed as u64;
    let n = teams.len();
    let sd = params.production.team_yield_sd;
    teams.quality = (0..n)
        .map(|t| {
            let mut s = Stream::new(seed, t as u64, 0, Purpose::TeamLand);
            (sd * s.normal() - sd * sd / 2.0).exp() as f32
        })
        .collect();
    let team_slots = params.hierarchy.team_families as usize * FAMILY_SLOTS;
    let (slots, family_len) = draw_people(params, n, team_slots);
    let mut world = World {
        params: params.clone(),
        inputs: inputs.clone(),
        policy: Policy::new(params),
        month: Month(0),
        provinces,
        teams,
        brigades,
        communes: Vec::new(),
        slots,
        family_len,
        team_slots,
        year_thresholds: Default::default(),
        centre: Centre {
            industry_capacity: crate::mechanisms::production::initial_capacity(params),
            trust: 1.0,
            last_true_ratio: 1.0,
            commune_size_families: params.hierarchy.commune_families as f64,
            sown_factor: 1.0,
            yield_trend: crate::mechanisms::production::initial_yield_trend(params),
            yield_trend_1957: crate::mechanisms::production::yield_trend_1957(params),
            ..Centre::default()
        },
    };
    world.teams.census = crate::mechanisms::demography::census_all(params, &world.slots, team_slots);
    world.teams.hunger = vec![0.0; n];
    world.teams.famine_memory = vec![0.0; n];
    world.teams.fixed_sales_kg = vec![0.0; n];
    world.teams.report_ratio = vec![1.0; n];
    world.teams.capital = vec![1.0; n];
    world.teams.hunger_recalled = vec![0.0; n];
    world.teams.cotton_sown = vec![1.0; n];
    world.teams.summer_kept_kg = vec![0.0; n];
    world.teams.flow = vec![TeamFlow::default(); n];
    // Grain in hand in January: the need of the months until the autumn harvest, less the summer
    // harvest still to come (about nine months of need: January to September).
    let need = crate::mechanisms::consumption::grain_need_kg_per_person_month(params);
    world.teams.grain_kg = (0..n)
        .map(|t| if world.teams.urban[t] { 0.0 } else { world.teams.census[t].persons as f64 * need * 9.0 })
        .collect();
    world.centre.granary_t = params.food.state_stock_initial_mt * 1e6;
    Ok(world)
}

/// The units of the world before its people: provinces, teams (province, urban or rural, land)
/// and brigades.
struct Layout {
    provinces: Vec<Province>,
    teams: Teams,
    brigades: Vec<Range<usize>>,
}

/// The provinces, their teams and brigades, at the scale.
fn lay_out(params: &Params, inputs: &Inputs) -> Result<Layout, BuildError> {
    let h = &params.hierarchy;
    let tf = h.team_families as usize;
    let mut provinces = Vec::with_capacity(inputs.provinces.len());
    let mut teams = Teams::default();
    let mut brigades = Vec::new();
    let total_urban: f64 = inputs.provinces.iter().map(|p| p.population * p.urban_share).sum();

    for (pi, inp) in inputs.provinces.iter().enumerate() {
        if inp.population <= 0.0 || inp.cultivated_ha <= 0.0 {
            return Err(BuildError(format!("province {}: population and cultivated area must be positive", inp.code)));
        }
        if !(inp.baseline_mortality.is_finite() && inp.baseline_mortality > 0.0) {
            return Err(BuildError(format!(
                "province {}: its baseline mortality must be a positive multiple",
                inp.code
            )));
        }
        let (rural_families, urban_families) = families(params, inp);
        let (n_rural, n_urban) = team_counts(params, inp);
        let start = teams.len();
        let land_per_team = inp.cultivated_ha / rural_families * tf as f64;
        for _ in 0..n_rural {
            teams.province.push(pi as u16);
            teams.urban.push(false);
            teams.land_ha.push(land_per_team as f32);
        }
        let brigade_start = brigades.len();
        for b in (start..start + n_rural).step_by(h.brigade_teams as usize) {
            brigades.push(b..(b + h.brigade_teams as usize).min(start + n_rural));
        }
        for _ in 0..n_urban {
            teams.province.push(pi as u16);
            teams.urban.push(true);
            teams.land_ha.push(0.0);
        }
        provinces.push(Province {
            code: inp.code.clone(),
            name: inp.name.clone(),
            rural_teams: start..start + n_rural,
            urban_teams: start + n_rural..start + n_rural + n_urban,
            brigades: brigade_start..brigades.len(),
            expand_rural: rural_families / (n_rural * tf) as f64,
            expand_urban: urban_families.max(1e-9) / (n_urban * tf) as f64,
            grain_base_t: inp.grain_base_t,
            base_yield_kg_ha: inp.grain_base_t * 1000.0 / inp.cultivated_ha,
            summer_share: inp.summer_share,
            cotton_base_t: inp.cotton_base_t,
            pacesetter: inp.pacesetter,
            industry_share: inp.population * inp.urban_share / total_urban,
            grain_target_t: 0.0,
            procurement_plan_t: 0.0,
            reported_ytd_t: 0.0,
            reported_last_year_t: 0.0,
            urban_base_persons: 0.0,
            zeal: 1.0
                + if inp.pacesetter { params.politics.pacesetter_zeal } else { 0.0 }
                + match inp.leader_alternate {
                    Some(true) => params.politics.alternate_member_zeal,
                    Some(false) => 0.0,
                    None => params.politics.alternate_member_zeal / 2.0,
                },
            baseline_mortality: inp.baseline_mortality,
            last_reported_yield: 0.0,
            sample_land_ha: land_per_team * n_rural as f64,
        });
    }
    Ok(Layout { provinces, teams, brigades })
}

/// Real rural and urban families of a province.
fn families(params: &Params, inp: &ProvinceInput) -> (f64, f64) {
    let size = params.hierarchy.family_size;
    (inp.population * (1.0 - inp.urban_share) / size, inp.population * inp.urban_share / size)
}

/// Simulated rural and urban teams of a province at the scale (at least one of each).
fn team_counts(params: &Params, inp: &ProvinceInput) -> (usize, usize) {
    let (rural, urban) = families(params, inp);
    let (scale, tf) = (params.run.scale, params.hierarchy.team_families as f64);
    (((rural * scale / tf).round() as usize).max(1), ((urban * scale / tf).round() as usize).max(1))
}

/// How many units [`build`] will lay out, without building them: what a run's memory is
/// made of (its per-team columns and person slots) is known before any of it is allocated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    pub teams: usize,
    pub brigades: usize,
    pub families: usize,
    /// Person slots (`FAMILY_SLOTS` per family).
    pub slots: usize,
}

/// The [`Size`] of the world `build(params, inputs)` lays out.
pub fn size(params: &Params, inputs: &Inputs) -> Size {
    let (tf, bt) = (params.hierarchy.team_families as usize, params.hierarchy.brigade_teams as usize);
    let mut s = Size::default();
    for inp in &inputs.provinces {
        let (rural, urban) = team_counts(params, inp);
        s.teams += rural + urban;
        s.brigades += rural.div_ceil(bt);
    }
    s.families = s.teams * tf;
    s.slots = s.families * FAMILY_SLOTS;
    s
}

/// The people of `n` teams of `team_slots` slots: each family's size is 1 + Poisson(mean - 1),
/// ages and sexes from the stable population; each team's people packed at the front of its
/// slots. Returns the slots and each family's size.
fn draw_people(params: &Params, n: usize, team_slots: usize) -> (Vec<u8>, Vec<u8>) {
    let (h, seed) = (&params.hierarchy, params.run.seed as u64);
    let tf = h.team_families as usize;
    let stable = stable_population(params);
    let mut cumulative = Vec::with_capacity(2 * AGES);
    let mut acc = 0.0;
    for row in stable.iter() {
        for v in row.iter() {
            acc += v;
            cumulative.push(acc);
        }
    }
    let mut slots = vec![EMPTY; n * team_slots];
    let mut family_len = vec![0u8; n * tf];
    slots.par_chunks_mut(FAMILY_SLOTS).zip(family_len.par_iter_mut()).enumerate().for_each(|(family, (fam, len))| {
        let mut s = Stream::new(seed, family as u64, 0, Purpose::BuildPeople);
        let size = (1 + s.poisson(h.family_size - 1.0) as usize).min(FAMILY_SLOTS);
        for slot in fam.iter_mut().take(size) {
            let k = s.pick_cumulative(&cumulative);
            *slot = encode((k % AGES) as u8, k >= AGES);
        }
        *len = size as u8;
    });
    // Pack each team's people at the front of its slots, family after family.
    slots.par_chunks_mut(team_slots).for_each(|team| {
        close_ranks(team);
    });

    (slots, family_len)
}

/// A timeline's `set` events may change only policy levers ([`Policy`]).
fn check_timeline(inputs: &Inputs) -> Result<(), BuildError> {
    let mut policy = Policy::new(&Params::default());
    for e in &inputs.timeline {
        if let Action::Set { key, value } = &e.action {
            if !policy.set(key, *value) {
                return Err(BuildError(format!(
                    "the timeline sets `{key}` ({}), which is not a policy lever",
                    e.month
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::Event;

    fn province(code: &str, population: f64, urban_share: f64) -> ProvinceInput {
        ProvinceInput::plain(code, population, urban_share)
    }

    #[test]
    fn a_timeline_may_set_only_levers() {
        let province = province("CN-XX", 1e6, 0.1);
        let set = |key: &str| Event {
            month: Month(60),
            action: Action::Set { key: key.into(), value: 0.5 },
            label: "".into(),
        };
        let mut inputs =
            Inputs { provinces: vec![province], timeline: vec![set("politics.climate")], ..Inputs::default() };
        let params = Params { run: crate::params::Run { scale: 0.001, ..Params::default().run }, ..Params::default() };
        let world = build(&params, &inputs).unwrap();
        assert_eq!(world.policy, Policy::new(&params));
        inputs.timeline.push(set("truth.belief_update"));
        let e = build(&params, &inputs).unwrap_err();
        assert!(e.0.contains("`truth.belief_update`") && e.0.contains("not a policy lever"), "{e}");
    }

    #[test]
    fn the_size_is_what_build_lays_out() {
        let inputs = Inputs { provinces: vec![province("A", 3e6, 0.1), province("B", 7e5, 0.3)], ..Inputs::default() };
        for scale in [0.0001, 0.003, 0.01] {
            let params = Params { run: crate::params::Run { scale, ..Params::default().run }, ..Params::default() };
            let world = build(&params, &inputs).unwrap();
            let s = size(&params, &inputs);
            assert_eq!(s.teams, world.teams.len(), "scale {scale}");
            assert_eq!(s.brigades, world.brigades.len(), "scale {scale}");
            assert_eq!(s.families, world.family_len.len(), "scale {scale}");
            assert_eq!(s.slots, world.slots.len(), "scale {scale}");
        }
    }
}
