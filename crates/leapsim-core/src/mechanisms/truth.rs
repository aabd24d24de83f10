//! Truth (step 10 of the month): what the centre believes. It receives reported output; inspections
//! show it the truth, and its trust in reports moves toward the ratio of true to reported output:
//! `truth.belief_update` of the gap closes at each harvest report, and visible deaths close more of
//! it every month (`truth.death_signal` per unit of excess mortality). With
//! `truth.ledger_revision` the state's own granary is evidence too: when its shortage first cuts
//! the urban ration, the centre believes what its inspections found, whatever the climate, and
//! makes its targets and the grain year's plan anew the next month.

use crate::calendar::Month;
use crate::mechanisms::policy::Replan;
use crate::observe::{MonthReport, RegionMonth};
use crate::params::Truth;
use crate::state::Centre;

/// What the centre sees of the month, nationally: the grain reported to it, the grain that
/// inspections would find, and the deaths it can see.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Seen {
    pub grain_reported_t: f64,
    pub grain_true_t: f64,
    pub deaths: f64,
}

impl Seen {
    /// The national totals of the month as observed (provinces summed in order).
    pub fn of(report: &MonthReport) -> Seen {
        let national = |f: fn(&RegionMonth) -> f64| report.provinces.iter().map(f).sum::<f64>();
        Seen {
            grain_reported_t: national(|r| r.grain_reported_t),
            grain_true_t: national(|r| r.grain_true_t),
            deaths: national(|r| r.deaths),
        }
    }
}

/// Update the centre's trust with this month's harvest and deaths, and keep the year's running
/// totals (planning reads them at the plenum; they restart after December).
pub fn update(p: &Truth, month: Month, climate: f64, centre: &mut Centre, seen: &Seen) {
    let Seen { grain_reported_t: reported_t, grain_true_t: true_t, deaths } = *seen;
    let c = centre;
    // Under the political climate, what inspectors and local reports of deaths tell the centre
    // is filtered: doubts were "right opportunism" and hunger a slander on the Leap.
    let heard = (1.0 - p.climate_filter * climate).clamp(0.0, 1.0);
    if reported_t > 0.0 {
        c.last_true_ratio = true_t / reported_t;
        c.trust += heard * p.belief_update * (c.last_true_ratio - c.trust);
    }
    if c.normal_deaths_month > 0.0 {
        let excess = (deaths / c.normal_deaths_month - 1.0).max(0.0);
        c.trust += heard * (p.death_signal * excess).min(1.0) * (c.last_true_ratio - c.trust);
    }
    // The state's ledger cannot be filtered: a granary short enough to cut the cities' ration
    // makes the centre take the inspections at their word, once a shortage (the summer of 1960:
    // data/timeline.csv). It trusts this year's reports as far as the last harvest's
    // inspections bear out, and believes what they found of last year's output. (Last year's
    // reports times this year's ratio would mix two years: once reports turn honest again, the
    // inflated claims of the year before would be believed nearly whole.)
    if p.ledger_revision && c.ration_cut && !c.shortage_acknowledged {
        c.trust = c.last_true_ratio;
        c.believed_grain_t = c.true_last_year_t;
        c.shortage_acknowledged = true;
        c.belief_revised = true;
    } else if !c.ration_cut {
        c.shortage_acknowledged = false;
    }
    // The centre's notion of normal mortality: the deaths of the last year before the Leap.
    if month.year() == 1957 {
        c.normal_deaths_month += deaths / 12.0;
    }
    c.reported_grain_ytd_t += reported_t;
    c.true_grain_ytd_t += true_t;
    if month.month_of_year() == 12 {
        c.reported_last_year_t = std::mem::take(&mut c.reported_grain_ytd_t);
        c.true_last_year_t = std::mem::take(&mut c.true_grain_ytd_t);
    }
}

/// What a belief revised last month from the ledger asks of this month's plan: the targets and
/// the grain year's plan made anew (as a `revise` event does). Clears the flag.
pub fn revision(centre: &mut Centre) -> Replan {
    let revised = std::mem::take(&mut centre.belief_revised);
    Replan { targets: revised, quotas: revised }
}
