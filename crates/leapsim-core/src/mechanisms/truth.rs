//! 9. Truth: what the centre believes. It receives reported output; inspections show it the
//! truth, and its trust in reports moves toward the ratio of true to reported output:
//! `truth.belief_update` of the gap closes at each harvest report, and visible deaths close
//! more of it every month (`truth.death_signal` per unit of excess mortality).

use crate::state::World;

/// Update the centre's trust with this month's harvest and deaths, and keep the year's running
/// totals (planning reads them at the plenum; they restart after December).
pub fn update(world: &mut World, reported_t: f64, true_t: f64, deaths: f64) {
    let p = &world.params.truth;
    let c = &mut world.centre;
    if reported_t > 0.0 {
        c.last_true_ratio = true_t / reported_t;
        c.trust += p.belief_update * (c.last_true_ratio - c.trust);
    }
    if c.normal_deaths_month > 0.0 {
        let excess = (deaths / c.normal_deaths_month - 1.0).max(0.0);
        c.trust += (p.death_signal * excess).min(1.0) * (c.last_true_ratio - c.trust);
    }
    // The centre's notion of normal mortality: the deaths of the last year before the Leap.
    if world.month.year() == 1957 {
        c.normal_deaths_month += deaths / 12.0;
    }
    c.reported_grain_ytd_t += reported_t;
    if world.month.month_of_year() == 12 {
        c.reported_grain_ytd_t = 0.0;
    }
}
