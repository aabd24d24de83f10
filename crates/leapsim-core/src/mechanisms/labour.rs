//! 2. Labour: opens each team's flows for the month (they start at zero), and each team splits its workers between farming, backyard steel, water conservancy
//! and other work, as the campaigns demand; the effort of those who farm falls with hunger and
//! with the size of the unit that pools output (free riding when the commune shares it all).

use crate::params::Params;
use crate::state::{TeamFlow, World};
use rayon::prelude::*;

/// Effort of a team's farm workers, 0-1: lost per accounting level above the team, and to hunger.
pub fn effort(p: &Params, hunger: f32) -> f64 {
    let l = &p.labour;
    let pooling = 1.0 - l.effort_loss_per_level * (l.accounting_level - 1) as f64;
    (pooling * (1.0 - l.hunger_effort * hunger as f64)).max(0.0)
}

pub fn allocate(world: &mut World) {
    let steel = world.params.labour.steel_campaign;
    let irrigation = world.params.labour.irrigation_campaign;
    let other = world.params.labour.other_work_share;
    let urban = &world.teams.urban;
    world.teams.flow.par_iter_mut().zip(world.teams.census.par_iter()).zip(urban.par_iter()).for_each(
        |((flow, census), &is_urban)| {
            let w = census.workers as f64;
            *flow = if is_urban {
                TeamFlow { workers_other: w as f32, ..TeamFlow::default() }
            } else {
                let (s, i, o) = (w * steel, w * irrigation, w * other);
                TeamFlow {
                    workers_steel: s as f32,
                    workers_irrigation: i as f32,
                    workers_other: o as f32,
                    workers_farm: (w - s - i - o).max(0.0) as f32,
                    ..TeamFlow::default()
                }
            };
        },
    );
    world.centre.irrigation_capital += irrigation;
}
