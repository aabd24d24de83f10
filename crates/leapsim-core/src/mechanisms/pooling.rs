//! Pooling (step 6b of the month, after procurement): when the accounting unit is above the team
//! (the commune from its founding, the brigade from 1959), the unit shares out part of the grain
//! its teams keep after a harvest's procurement per head, whatever each team grew: the
//! free-supply part of distribution, "eating without paying". The rest stays with the team that
//! grew it, as pay for work. So grain moves within the pool, from teams with more grain per head
//! to teams with less; under the team as accounting unit (1957, and again from 1962) nothing
//! moves. Effort's response to the pool's size is labour's ([`super::labour::effort`]).
//!
//! Each team's share is recorded in its flow (`pooled_kg`, signed), so every team's store still
//! moves by its recorded flows.

use crate::calendar::Month;
use crate::params::{Labour, Policy};
use crate::state::{f32_at_most, Teams};
use std::ops::Range;

/// The teams of each pool in force: each commune's (level 3, once there are communes) or each
/// brigade's (level 2); none at level 1, when each team keeps its own.
fn pools(level: i64, brigades: &[Range<usize>], communes: &[Range<usize>]) -> Vec<Range<usize>> {
    match level {
        3 if !communes.is_empty() => communes
            .iter()
            .filter(|c| !c.is_empty())
            .map(|c| brigades[c.start].start..brigades[c.end - 1].end)
            .collect(),
        2 | 3 => brigades.to_vec(),
        _ => Vec::new(),
    }
}

/// Share `labour.free_supply_share` of each pool's stores per head across its teams, in harvest
/// months (after procurement, before anyone eats).
pub fn pool(
    params: &Labour,
    policy: &Policy,
    month: Month,
    brigades: &[Range<usize>],
    communes: &[Range<usize>],
    teams: &mut Teams,
) {
    let share = params.free_supply_share.clamp(0.0, 1.0);
    if share == 0.0 || !month.is_harvest() {
        return;
    }
    for range in pools(policy.labour.accounting_level, brigades, communes) {
        let stores = &mut teams.grain_kg[range.clone()];
        let census = &teams.census[range.clone()];
        let persons: f64 = census.iter().map(|c| c.persons as f64).sum();
        if persons == 0.0 {
            continue;
        }
        let supplied_pp = share * stores.iter().sum::<f64>() / persons;
        for ((store, c), flow) in stores.iter_mut().zip(census).zip(&mut teams.flow[range]) {
            let target = (1.0 - share) * *store + supplied_pp * c.persons as f64;
            // Moved by the flow as recorded (f32), so the store follows its flows exactly; what
            // a team gives is rounded down, so it never gives more than it holds.
            flow.pooled_kg = if target < *store { -f32_at_most(*store - target) } else { (target - *store) as f32 };
            *store += flow.pooled_kg as f64;
        }
    }
}
