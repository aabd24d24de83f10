//! 1. Policy: apply the timeline's events due this month and set the political climate.
//!
//! Events either set a parameter (campaigns, quotas, switches) or restructure the hierarchy:
//! communization merges each province's cooperatives (brigades) into communes, and the retreat
//! of 1960-1961 splits communes into smaller ones.

use crate::inputs::Action;
use crate::state::World;

/// Apply this month's events; returns whether the centre must replan this year's target.
pub fn apply(world: &mut World) -> bool {
    let due: Vec<_> = world.inputs.timeline.iter().filter(|e| e.month == world.month).cloned().collect();
    let mut replan = false;
    for event in due {
        match event.action {
            Action::Set { key, value } => {
                if !world.inputs.pinned.contains(&key) {
                    world.params.set(&key, value);
                }
            }
            Action::Communize => communize(world),
            Action::SplitCommunes { parts } => split_communes(world, parts.max(1) as usize),
            Action::Replan => replan = true,
        }
    }
    world.centre.climate = world.params.politics.climate;
    replan
}

/// Group each province's brigades into communes of about `hierarchy.commune_families` families.
pub fn communize(world: &mut World) {
    let h = &world.params.hierarchy;
    let families_per_brigade = (h.team_families * h.brigade_teams) as f64;
    let per_commune = ((h.commune_families as f64 / families_per_brigade).round() as usize).max(1);
    world.communes.clear();
    for p in &world.provinces {
        let mut b = p.brigades.start;
        while b < p.brigades.end {
            let end = (b + per_commune).min(p.brigades.end);
            world.communes.push(b..end);
            b = end;
        }
    }
    world.centre.commune_size_families = h.commune_families as f64;
}

/// Split every commune into `parts` communes (of whole brigades, as far as it has brigades).
pub fn split_communes(world: &mut World, parts: usize) {
    let old = std::mem::take(&mut world.communes);
    for c in old {
        let n = c.len();
        let k = parts.min(n).max(1);
        let mut start = c.start;
        for i in 0..k {
            let end = c.start + (n * (i + 1)) / k;
            world.communes.push(start..end);
            start = end;
        }
    }
    world.centre.commune_size_families /= parts as f64;
}
