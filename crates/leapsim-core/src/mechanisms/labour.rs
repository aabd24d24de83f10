//! 2. Labour: each team splits its workers between farming, backyard steel, water conservancy
//! and other work, as the campaigns demand.

use crate::state::World;
use rayon::prelude::*;

pub fn allocate(world: &mut World) {
    let steel = world.params.labour.steel_campaign;
    let irrigation = world.params.labour.irrigation_campaign;
    let other = world.params.labour.other_work_share;
    let urban = &world.teams.urban;
    world.teams.flow.par_iter_mut().zip(world.teams.census.par_iter()).zip(urban.par_iter()).for_each(
        |((flow, census), &is_urban)| {
            let w = census.workers as f64;
            if is_urban {
                flow.workers_other = w as f32;
                return;
            }
            let s = w * steel;
            let i = w * irrigation;
            let o = w * other;
            flow.workers_steel = s as f32;
            flow.workers_irrigation = i as f32;
            flow.workers_other = o as f32;
            flow.workers_farm = (w - s - i - o).max(0.0) as f32;
        },
    );
}
