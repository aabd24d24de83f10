//! Policy (step 1 of the month): apply the timeline's events due this month.
//!
//! Events either set a lever of the policy in force (campaigns, quotas, switches, the political
//! climate) or restructure the hierarchy: communization merges each province's cooperatives
//! (brigades) into communes, and the retreat of 1960-1961 splits communes into smaller ones.

use crate::calendar::Month;
use crate::inputs::{Action, Inputs};
use crate::params::{Hierarchy, Policy};
use crate::state::{Centre, Province};
use std::ops::Range;

/// What the month's events ask the centre to plan anew.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Replan {
    /// This year's targets (a planning conference: `replan`, or a revised belief).
    pub targets: bool,
    /// The grain year's procurement plan: only a revised belief about output (`revise`) reopens
    /// it; a conference that raises the targets leaves the quotas already handed down.
    pub quotas: bool,
}

impl Replan {
    /// What either asks for.
    pub fn or(self, other: Replan) -> Replan {
        Replan { targets: self.targets || other.targets, quotas: self.quotas || other.quotas }
    }
}

/// Apply this month's events; returns what the centre must plan anew.
/// A `set` event changes the lever in force unless the scenario pins it.
pub fn apply(
    params: &Hierarchy,
    inputs: &Inputs,
    month: Month,
    provinces: &[Province],
    policy: &mut Policy,
    communes: &mut Vec<Range<usize>>,
    centre: &mut Centre,
) -> Replan {
    let mut replan = Replan::default();
    for event in inputs.timeline.iter().filter(|e| e.month == month) {
        match &event.action {
            Action::Set { key, value } => {
                if !inputs.pinned.contains(key) {
                    // `build` has checked that every key set is a lever.
                    policy.set(key, *value);
                }
            }
            Action::Communize => communize(params, provinces, communes, centre),
            Action::SplitCommunes { parts } => split_communes(communes, centre, (*parts).max(1) as usize),
            Action::Replan => replan.targets = true,
            Action::Revise { grain_mt } => {
                revise(centre, grain_mt * 1e6);
                replan = Replan { targets: true, quotas: true };
            }
        }
    }
    replan
}

/// The centre's revision of last year's output: it now believes `grain_t`, and trusts reports
/// as far as that figure bears out what was reported.
pub fn revise(centre: &mut Centre, grain_t: f64) {
    centre.believed_grain_t = grain_t;
    if centre.reported_last_year_t > 0.0 {
        centre.trust = (grain_t / centre.reported_last_year_t).clamp(0.0, 1.0);
    }
}

/// Group each province's brigades into communes of about `hierarchy.commune_families` families.
pub fn communize(h: &Hierarchy, provinces: &[Province], communes: &mut Vec<Range<usize>>, centre: &mut Centre) {
    let families_per_brigade = (h.team_families * h.brigade_teams) as f64;
    let per_commune = ((h.commune_families as f64 / families_per_brigade).round() as usize).max(1);
    communes.clear();
    for p in provinces {
        let mut b = p.brigades.start;
        while b < p.brigades.end {
            let end = (b + per_commune).min(p.brigades.end);
            communes.push(b..end);
            b = end;
        }
    }
    centre.commune_size_families = h.commune_families as f64;
}

/// Split every commune into `parts` communes (of whole brigades, as far as it has brigades).
pub fn split_communes(communes: &mut Vec<Range<usize>>, centre: &mut Centre, parts: usize) {
    let old = std::mem::take(communes);
    for c in old {
        let n = c.len();
        let k = parts.min(n).max(1);
        let mut start = c.start;
        for i in 0..k {
            let end = c.start + (n * (i + 1)) / k;
            communes.push(start..end);
            start = end;
        }
    }
    centre.commune_size_families /= parts as f64;
}
