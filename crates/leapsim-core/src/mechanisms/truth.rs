//! 9. Truth: what the centre believes. It receives reported output; inspections (and, in the
//! Great Leap, critics and visible deaths) show it the truth, and its trust in reports moves
//! toward the ratio of true to reported output: `truth.belief_update` of the gap closes at
//! each harvest report.

use crate::state::World;

/// Update the centre's trust in reports with this month's harvest and keep the year's running
/// totals (planning reads them at the plenum; they restart after December).
pub fn update(world: &mut World, reported_t: f64, true_t: f64) {
    let c = &mut world.centre;
    if reported_t > 0.0 {
        let observed = true_t / reported_t;
        let rate = world.params.truth.belief_update;
        c.trust += rate * (observed - c.trust);
    }
    c.reported_grain_ytd_t += reported_t;
    c.true_grain_ytd_t += true_t;
    if world.month.month_of_year() == 12 {
        c.reported_grain_ytd_t = 0.0;
        c.true_grain_ytd_t = 0.0;
    }
}
