//! What the model is built from: per-province inputs and the scenario's timeline.
//! The engine reads these from `data/` and scenario files; the core never touches files.

use crate::calendar::Month;

/// Inputs of one province (1958 borders). Provinces differ only through these.
#[derive(Clone, Debug)]
pub struct ProvinceInput {
    /// ISO 3166-2:CN code, e.g. `CN-AH`.
    pub code: String,
    pub name: String,
    /// Population at the start of the run (end of 1952), persons.
    pub population: f64,
    /// Urban share of that population.
    pub urban_share: f64,
    /// Cultivated area, hectares.
    pub cultivated_ha: f64,
    /// Mean grain output 1955-1957, tonnes per year.
    pub grain_base_t: f64,
    /// Share of the year's grain harvested in summer (the rest in autumn).
    pub summer_share: f64,
    /// Cotton output 1957, tonnes of lint.
    pub cotton_base_t: f64,
    /// The model province that all others are told to emulate (Henan).
    pub pacesetter: bool,
    /// The first secretary (1958-1960) was an alternate, not a full, Central Committee member;
    /// `None` where unknown.
    pub leader_alternate: Option<bool>,
    /// The province's death rate before the Leap (1954-1957) relative to the nation's: every
    /// death hazard of its people is this multiple of the national schedule's. 1 where the
    /// province has no record.
    pub baseline_mortality: f64,
}

#[cfg(test)]
impl ProvinceInput {
    /// A plain province for tests: `population` people, `urban_share` of them in cities, 1e5 ha.
    pub(crate) fn plain(code: &str, population: f64, urban_share: f64) -> ProvinceInput {
        ProvinceInput {
            code: code.into(),
            name: code.into(),
            population,
            urban_share,
            cultivated_ha: 1e5,
            grain_base_t: 2e5,
            summer_share: 0.3,
            cotton_base_t: 0.0,
            pacesetter: false,
            leader_alternate: None,
            baseline_mortality: 1.0,
        }
    }
}

/// A dated change the policy mechanism applies when its month comes.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Set a parameter (dotted key) to a value from this month on.
    Set { key: String, value: f64 },
    /// Merge each province's cooperatives (brigades) into communes of about
    /// `hierarchy.commune_families` families.
    Communize,
    /// Split every commune into `parts` communes of equal brigade count.
    SplitCommunes { parts: u32 },
    /// The centre resets this year's grain target from its current belief and planned growth
    /// (as the Beidaihe conference did in August 1958).
    Replan,
    /// The centre revises its estimate of last year's grain output to `grain_mt` (million
    /// tonnes): its trust in reports becomes that figure over what was reported, and it replans
    /// this year's target and procurement plan from it (as the Lushan plenum did in August 1959,
    /// cutting 1958's claimed 375 Mt to 250 Mt).
    Revise { grain_mt: f64 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub month: Month,
    pub action: Action,
    /// What happened, for people reading outputs.
    pub label: String,
}

/// Everything the model is built from besides parameters.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub provinces: Vec<ProvinceInput>,
    /// Share of sown area seriously hit by natural disasters, per province and year
    /// (`disaster[p][year - 1953]`); NaN or missing years count as normal.
    pub disaster: Vec<Vec<f64>>,
    /// Recorded urban population at the end of each year, persons, per province
    /// (`urban_record[p][year - 1953]`); NaN where the record has no figure. Only its growth is
    /// used (`mechanisms::migration`).
    pub urban_record: Vec<Vec<f64>>,
    pub timeline: Vec<Event>,
    /// Parameters fixed for the whole run (command-line overrides): `set` events skip them, so
    /// any mechanism can be switched off even where the timeline switches it on.
    pub pinned: Vec<String>,
}

impl Inputs {
    /// Recorded urban population of a province at the end of a year, if the data give one.
    pub fn urban_record_of(&self, province: usize, year: i32) -> Option<f64> {
        province_year(&self.urban_record, province, year)
    }
    /// Disaster share of a province-year, if the data give one.
    pub fn disaster_share(&self, province: usize, year: i32) -> Option<f64> {
        province_year(&self.disaster, province, year)
    }
}

/// The value of a province-year in rows indexed `[province][year - 1953]`, if it is a number.
fn province_year(rows: &[Vec<f64>], province: usize, year: i32) -> Option<f64> {
    let i = usize::try_from(year - crate::calendar::START_YEAR).ok()?;
    rows.get(province).and_then(|w| w.get(i)).copied().filter(|v| v.is_finite())
}
