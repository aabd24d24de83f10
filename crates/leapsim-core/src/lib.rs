//! leapsim-core: the pure model of the Great Leap Forward's planning system.
//!
//! State ([`state::World`]) is flat arrays indexed by id; the monthly step ([`step::step`])
//! calls one module per mechanism in order. Nothing here reads files, prints or spawns
//! threads beyond rayon's parallel iterators; random draws come from counter-based streams
//! ([`rng`]) so results do not depend on the number of threads.

pub mod build;
pub mod calendar;
pub mod inputs;
pub mod lifetable;
pub mod mechanisms;
pub mod observe;
pub mod params;
pub mod person;
pub mod rng;
pub mod state;
pub mod step;

pub use build::{build, BuildError};
pub use calendar::Month;
pub use inputs::{Action, Event, Inputs, ProvinceInput};
pub use mechanisms::reporting::ProvinceReport;
pub use observe::{MonthReport, RegionMonth};
pub use params::{ParamSpec, Params, Policy, SPECS};
pub use state::World;
pub use step::step;
