//! Labour (step 2 of the month): opens each team's flows for the month (they start at zero), and
//! each team splits its workers between farming, backyard steel, water conservancy and other work,
//! as the campaigns demand; the effort of those who farm falls with hunger and with the size of the
//! unit that pools output (free riding when the commune shares it all).
//!
//! The split is made team by team inside production's sweep ([`Shares::open_flow`]), so the
//! month's flows are written in the same pass that reads them for the harvest.

use crate::params::{Labour, Policy};
use crate::state::{Census, Centre, TeamFlow};

/// Effort of a team's farm workers, 0-1: lost per accounting level above the team (the level
/// in force), and to hunger.
pub fn effort(params: &Labour, policy: &Policy, hunger: f32) -> f64 {
    let pooling = 1.0 - params.effort_loss_per_level * (policy.labour.accounting_level - 1) as f64;
    (pooling * (1.0 - params.hunger_effort * hunger as f64)).max(0.0)
}

/// The month's campaign shares of rural labour.
#[derive(Clone, Copy, Debug)]
pub struct Shares {
    steel: f64,
    irrigation: f64,
    other: f64,
}

impl Shares {
    /// This month's shares (the campaigns in force); the months spent on water works build
    /// lasting irrigation capital.
    pub fn allocate(params: &Labour, policy: &Policy, centre: &mut Centre) -> Shares {
        let l = &policy.labour;
        let shares =
            Shares { steel: l.steel_campaign, irrigation: l.irrigation_campaign, other: params.other_work_share };
        centre.irrigation_capital += shares.irrigation;
        shares
    }

    /// A team's new flows for the month: zero, bar its workers split by the shares (urban
    /// workers all do other work).
    #[inline]
    pub fn open_flow(&self, census: &Census, urban: bool) -> TeamFlow {
        let w = census.workers as f64;
        if urban {
            return TeamFlow { workers_other: w as f32, ..TeamFlow::default() };
        }
        let (s, i, o) = (w * self.steel, w * self.irrigation, w * self.other);
        TeamFlow {
            workers_steel: s as f32,
            workers_irrigation: i as f32,
            workers_other: o as f32,
            workers_farm: (w - s - i - o).max(0.0) as f32,
            ..TeamFlow::default()
        }
    }
}
