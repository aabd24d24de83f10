//! One module per mechanism of the monthly step, named after it. `crate::step` calls them in
//! order; each reads and writes the world's columns and nothing else.

pub mod consumption;
pub mod demography;
pub mod labour;
pub mod planning;
pub mod policy;
pub mod procurement;
pub mod production;
pub mod reporting;
pub mod truth;
