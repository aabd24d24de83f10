//! One module per mechanism of the monthly step, named after it. `crate::step` calls them in
//! order; each takes the parts of the world it reads (shared references) and the parts it writes
//! (`&mut`), and nothing else: the scenario's parameters (often only its group of them), the
//! policy in force for the levers, the month, and the provinces, teams and centre as needed.

pub mod consumption;
pub mod demography;
pub mod labour;
pub mod migration;
pub mod planning;
pub mod policy;
pub mod pooling;
pub mod procurement;
pub mod production;
pub mod reporting;
pub mod truth;
