//! Every parameter of the model, with its meaning, unit, range and source.
//!
//! One table declares them all: the `Params` struct the mechanisms read, the defaults, and the
//! registry (`SPECS`) that scenario files are checked against and `leapsim params` prints.
//! A value's source says where it comes from; "calibrated: …" names what it was fitted to.

/// The type of a parameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Float,
    Int,
    Bool,
}

/// Documentation and bounds of one parameter.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// Dotted key as written in a scenario file, e.g. `demography.mortality_level`.
    pub key: &'static str,
    pub kind: Kind,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
    pub meaning: &'static str,
    pub source: &'static str,
    /// A policy lever: timeline `set` events may change it during a run ([`Policy`]).
    pub lever: bool,
}

macro_rules! ty {
    (Float) => {
        f64
    };
    (Int) => {
        i64
    };
    (Bool) => {
        bool
    };
}
macro_rules! from_f64 {
    (Float, $v:expr) => {
        $v
    };
    (Int, $v:expr) => {
        $v as i64
    };
    (Bool, $v:expr) => {
        $v != 0.0
    };
}
macro_rules! to_f64 {
    (Float, $v:expr) => {
        $v
    };
    (Int, $v:expr) => {
        $v as f64
    };
    (Bool, $v:expr) => {
        if $v {
            1.0
        } else {
            0.0
        }
    };
}

/// `true` for a parameter marked `#[lever]` in the table.
macro_rules! is_lever {
    ([lever]) => {
        true
    };
    ([]) => {
        false
    };
}

/// The levers of one parameter group: its fields marked `#[lever]`, gathered one field at a
/// time (`[lever] field Kind;` is kept, `[] field Kind;` skipped), then declared as a struct of
/// the group's name in the `levers` module, made from the group's parameters and set by name.
macro_rules! lever_group {
    ($Group:ident [$( $f:ident: $k:ident, )*]) => {
        /// The group's levers in force.
        #[derive(Clone, Debug, PartialEq)]
        pub struct $Group { $( pub $f: ty!($k), )* }
        #[allow(unused_variables)]
        impl $Group {
            /// The values the scenario starts from.
            pub(super) fn of(p: &super::$Group) -> Self {
                $Group { $( $f: p.$f, )* }
            }
            /// Set a lever by its field name; false if the group has no such lever.
            pub(super) fn set(&mut self, field: &str, value: f64) -> bool {
                match field {
                    $( stringify!($f) => { self.$f = from_f64!($k, value); true } )*
                    _ => false,
                }
            }
        }
    };
    ($Group:ident [$($acc:tt)*] [lever] $f:ident $k:ident; $($rest:tt)*) => {
        lever_group!($Group [$($acc)* $f: $k,] $($rest)*);
    };
    ($Group:ident [$($acc:tt)*] [] $f:ident $k:ident; $($rest:tt)*) => {
        lever_group!($Group [$($acc)*] $($rest)*);
    };
}

macro_rules! define_params {
    ($( $group:ident : $Group:ident { $(
        $( #[$mark:ident] )? $field:ident : $kind:ident = $default:expr, [$min:expr, $max:expr], $unit:expr, $meaning:expr, $source:expr;
    )* } )*) => {
        /// All parameters, grouped by mechanism: the scenario, fixed for the whole run.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Params { $( pub $group: $Group, )* }
        $(
            #[derive(Clone, Debug, PartialEq)]
            pub struct $Group { $( pub $field: ty!($kind), )* }
        )*
        impl Default for Params {
            fn default() -> Self {
                Params { $( $group: $Group { $( $field: from_f64!($kind, ($default) as f64), )* }, )* }
            }
        }
        /// The registry of every parameter, in declaration order.
        pub const SPECS: &[ParamSpec] = &[ $( $( ParamSpec {
            key: concat!(stringify!($group), ".", stringify!($field)),
            kind: Kind::$kind,
            default: ($default) as f64,
            min: ($min) as f64,
            max: ($max) as f64,
            unit: $unit,
            meaning: $meaning,
            source: $source,
            lever: is_lever!([$($mark)?]),
        }, )* )* ];
        impl Params {
            /// Value of a parameter by key (bools as 0/1).
            pub fn get(&self, key: &str) -> Option<f64> {
                match key {
                    $( $( concat!(stringify!($group), ".", stringify!($field)) => Some(to_f64!($kind, self.$group.$field)), )* )*
                    _ => None,
                }
            }
            /// Set a parameter by key; the value must already be checked against its spec.
            /// Scenarios and overrides do this before the world is built; the world never does.
            pub fn set(&mut self, key: &str, value: f64) -> bool {
                match key {
                    $( $( concat!(stringify!($group), ".", stringify!($field)) => { self.$group.$field = from_f64!($kind, value); true } )* )*
                    _ => false,
                }
            }
        }
        /// The levers of each group, a struct per group named as the group's parameters.
        pub mod levers {
            $( lever_group!($Group [] $( [$($mark)?] $field $kind; )*); )*
        }
        /// The policy in force: the value of every lever (a parameter marked `#[lever]` in the
        /// table) as the timeline has set it so far, by group as in `Params`, e.g.
        /// `policy.labour.steel_campaign`.
        ///
        /// Why a separate state: `Params` is the scenario and stays as the scenario wrote it for
        /// the whole run (a run's manifest and any rerun read it), while the timeline's `set`
        /// events change policy month by month. So the values the timeline can change live in
        /// the world's state, beside the other state the mechanisms update, and a mechanism
        /// reads a lever from here, never from `Params` (which holds only its starting value).
        /// Which parameters are levers is part of the table, so one place shows what history
        /// can change; a `set` event on any other key is an error in the scenario, and
        /// [`crate::build`] refuses a timeline that has one.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Policy { $( pub $group: levers::$Group, )* }
        impl Policy {
            /// The policy at the start of the run: each lever at the scenario's value.
            pub fn new(p: &Params) -> Policy {
                Policy { $( $group: levers::$Group::of(&p.$group), )* }
            }
            /// Set a lever by key (checked against its spec); false if the key is not a lever.
            pub fn set(&mut self, key: &str, value: f64) -> bool {
                match key.split_once('.') {
                    $( Some((stringify!($group), field)) => self.$group.set(field, value), )*
                    _ => false,
                }
            }
        }
    };
}

const FALSE: f64 = 0.0;
const TRUE: f64 = 1.0;

define_params! {
    run: Run {
        end_year: Int = 1966, [1954, 1990], "year",
            "Last calendar year simulated (runs always start in January 1953).",
            "DESIGN: 1953-1966 covers the first Five-Year Plan and the recovery";
        seed: Int = 1, [0, 9_007_199_254_740_991i64], "-",
            "Base seed of every random stream.", "user choice";
        scale: Float = 0.01, [1e-5, 1.0], "share of families",
            "Share of real families simulated; 1.0 is every family of China.", "user choice";
    }
    hierarchy: Hierarchy {
        team_families: Int = 12, [4, 40], "families",
            "Families per production team (and per urban household group).",
            "seed report: 'Team units consisted of 12 families' (Soled 1995)";
        brigade_teams: Int = 12, [2, 40], "teams",
            "Teams per brigade; before 1958 a brigade is an advanced cooperative (APC).",
            "seed report: '12 team units formed a brigade'";
        commune_families: Int = 5000, [500, 20000], "families",
            "Families per commune when communes are formed.",
            "seed report: 'approx. 5000 families' (Soled 1995)";
        family_size: Float = 4.33, [2.0, 8.0], "persons",
            "Mean persons per family when the population is built.",
            "1953 census mean household size 4.33 (low: not checked against a printed table)";
    }
    demography: Demography {
        mortality_level: Float = 0.62, [0.05, 5.0], "x",
            "Multiplier of the Siler baseline hazard in 1953.",
            "calibrated: registered CDR 1953-1957 (data/national.csv), by leapsim fit-baseline";
        mortality_trend: Float = -0.06, [-0.3, 0.3], "per year",
            "Proportional yearly change of baseline mortality until mortality_trend_end_year.",
            "calibrated: registered CDR 1953-1957, by leapsim fit-baseline";
        mortality_trend_end_year: Int = 1957, [1953, 1990], "year",
            "Last year of the secular mortality decline; baseline mortality is held after it.",
            "assumption: the pre-Leap trend is not extrapolated into the years the model explains";
        siler_infant_a: Float = 0.25, [0.0, 2.0], "per year",
            "Siler infant-hazard scale a1 in a1*exp(-b1*age).",
            "Siler (1979) competing-risk form; shape chosen for a high-mortality population (assumption)";
        siler_infant_b: Float = 1.0, [0.01, 10.0], "per year of age",
            "Siler infant-hazard decay b1.", "as siler_infant_a";
        siler_background: Float = 0.006, [0.0, 0.1], "per year",
            "Siler age-independent hazard a2.", "as siler_infant_a";
        siler_senescent_a: Float = 0.00008, [0.0, 0.01], "per year",
            "Siler senescent-hazard scale a3 in a3*exp(b3*age).", "as siler_infant_a";
        siler_senescent_b: Float = 0.09, [0.01, 0.2], "per year of age",
            "Siler senescent-hazard growth b3.", "as siler_infant_a";
        female_mortality_ratio: Float = 0.95, [0.5, 1.5], "x",
            "Female to male baseline hazard ratio at every age.",
            "assumption: usual female advantage in model life tables (Coale-Demeny West)";
        fertility_1953: Float = 5.5, [0.5, 10.0], "births per woman",
            "Baseline total fertility rate in 1953.",
            "calibrated: registered CBR 1953 (data/national.csv), by leapsim fit-baseline";
        fertility_1954: Float = 5.6, [0.5, 10.0], "births per woman",
            "Baseline total fertility rate in 1954.", "calibrated: registered CBR 1954";
        fertility_1955: Float = 4.9, [0.5, 10.0], "births per woman",
            "Baseline total fertility rate in 1955.", "calibrated: registered CBR 1955";
        fertility_1956: Float = 4.8, [0.5, 10.0], "births per woman",
            "Baseline total fertility rate in 1956.", "calibrated: registered CBR 1956";
        fertility_1957: Float = 5.1, [0.5, 10.0], "births per woman",
            "Baseline total fertility rate in 1957 and every later year.",
            "calibrated: registered CBR 1957; held after 1957 (assumption)";
        sex_ratio_at_birth: Float = 1.06, [0.9, 1.3], "boys per girl",
            "Sex ratio at birth.", "biological norm of about 105-107 boys per 100 girls (UN World Population Prospects)";
        initial_growth_rate: Float = 0.023, [0.0, 0.05], "per year",
            "Growth rate of the stable population from which the 1953 ages are drawn.",
            "registered CBR - CDR 1953 = 37.0 - 14.0 per mille (data/national.csv)";
        hunger_mortality_slope: Float = 6.0, [0.0, 40.0], "per unit hunger",
            "Death hazard is multiplied by exp(slope * weight * hunger), or of the hunger above demography.hunger_mortality_threshold.",
            "calibrated (with the Great Leap: national excess deaths); no effect at normal diets";
        hunger_mortality_threshold: Float = 0.0, [0.0, 0.5], "hunger",
            "Hunger the body adapts to without a higher death hazard; above it the hazard is multiplied by exp(slope * weight * (hunger - threshold)).",
            "calibrated (with the Great Leap; 0 is no adaptation): adult mortality is flat over a wide range of body mass and rises steeply only below it (Waaler 1984, Height, Weight and Mortality: the Norwegian Experience, Acta Med Scand Suppl 679: 1.7 million adults)";
        hunger_child_weight: Float = 1.5, [0.0, 5.0], "x",
            "Weight of hunger on the hazard of ages 0-9 (adults 10-59 have weight 1).",
            "calibrated (with the Great Leap: 41% of excess deaths 1958-61 under age 10, Ashton et al. 1984, PDR 10: 613)";
        hunger_old_weight: Float = 1.5, [0.0, 5.0], "x",
            "Weight of hunger on the hazard of ages 60 and over.",
            "assumption: the very young and the old die first in famines (Speakman 2013, J. Biosoc. Sci. 45: 823); no national figure for China found";
        hunger_male_ratio: Float = 1.25, [0.5, 2.0], "x",
            "Ratio of men's to women's weight of hunger on the death hazard; the two weights average 1 (men 2r/(1+r), women 2/(1+r)).",
            "assumption (low): women outlive men in every famine measured (Zarulli et al. 2018, PNAS 115: E832); in Ireland 1845-49 men lost about 1.26 times the life expectancy women lost (same study); China 1959-61: higher male excess mortality (Mu & Zhang 2011, Econ. Hum. Biol. 9: 92), size not found";
        hunger_fertility_slope: Float = 4.0, [0.0, 40.0], "per unit hunger",
            "Fertility is multiplied by exp(-slope * hunger).",
            "calibrated (with the Great Leap: the CBR collapse of 1959-1961)";
        hunger_memory_months: Float = 6.0, [0.5, 60.0], "months",
            "Time constant over which a food deficit accumulates into hunger and recovers.",
            "assumption: body reserves of a few months";
        famine_memory_months: Float = 24.0, [1.0, 120.0], "months",
            "Time constant of a team's memory of past hunger (postponed births).",
            "assumption: births postponed in the famine are made up within a few years";
        fertility_rebound: Float = 1.0, [0.0, 20.0], "per unit hunger",
            "Fertility is multiplied by 1 + rebound * (remembered hunger - current hunger), when positive.",
            "calibrated (with the Great Leap: CBR rebound of 1962-1963, data/national.csv)";
    }
    food: Food {
        kcal_per_kg_grain: Float = 2800.0, [1500.0, 3600.0], "kcal per kg",
            "Food energy of a kilogram of unhusked grain as the statistics count it, after milling.",
            "FAO food composition tables: milled rice and wheat about 3,500-3,600 kcal/kg at 70-85% extraction";
        kcal_other_per_day: Float = 300.0, [0.0, 1500.0], "kcal per person per day",
            "Food energy from non-grain food (vegetables, oil, meat).",
            "assumption (low): grain gave over 80% of calories in 1950s rural China";
        kcal_need_per_day: Float = 1750.0, [1000.0, 3000.0], "kcal per person per day",
            "Food energy below which people go hungry (a deficit); a population-average threshold.",
            "assumption: below the 1,900-2,100 kcal FAO/WHO requirement, since rural diets of about 1,900-2,000 kcal (1957) caused no excess mortality";
        seed_feed_share: Float = 0.2, [0.0, 0.5], "share of harvest",
            "Share of every harvest set aside for seed, feed and losses.",
            "calibrated: rural consumption of about 204.5 kg per person in 1957 (data/national.csv)";
        #[lever] mess_halls: Bool = FALSE, [0, 1], "switch",
            "Rural families eat in communal mess halls (timeline events open and close them).",
            "historical: autumn 1958 to mid-1961 (data/timeline.csv)";
        #[lever] free_eating: Float = 1.0, [0.0, 1.0], "0-1",
            "How far mess halls plan eating on the reported harvest rather than the grain in store.",
            "seed report: 'they can eat five times a day' (Lu 90); events lower it when rationing starts";
        #[lever] sidelines_restored: Bool = FALSE, [0, 1], "switch",
            "Private plots and household sidelines are allowed again while the mess halls stay open, so the non-grain food lost with private cooking returns.",
            "the Urgent Directive ('Twelve Articles') of 3 November 1960 allowed members small private plots and household sidelines again; private plots fully restored by the directive of 11 June 1961 (Zhang Baojun, 'Rural household sideline policy 1958-1961', Hong Guangjiao 2021(6)); the historical scenario allows them with the Urgent Directive";
        mess_hall_other_food_loss: Float = 0.5, [0.0, 1.0], "share",
            "Share of non-grain food lost when private cooking ends (pots melted, private plots gone).",
            "assumption (low)";
        satiation_ratio: Float = 1.15, [1.0, 3.0], "x need",
            "Most a team eats in a month, as a multiple of its grain need.", "assumption";
        #[lever] urban_ration_kg_per_year: Float = 227.0, [50.0, 400.0], "kg per person per year",
            "Grain the state sells per urban resident (rations and the food trades), drawn from the state granary.",
            "130 M urban residents bought 59.0 bn jin (29.5 Mt) in the 1959/60 grain year: Li Xiannian, telephone conference of 10 September 1960, in Yang Jisheng, Tombstone, ch. 14 (data/national.csv)";
        ration_follows_stock: Bool = FALSE, [0, 1], "switch",
            "The centre cuts the urban ration when the granary runs short and restores it when it recovers (instead of by timeline events).",
            "the cut of autumn 1960 followed city stocks below a third of normal (data/timeline.csv); on in the historical scenario";
        ration_cut_stock_share: Float = 0.667, [0.0, 1.0], "share of the stock a year earlier",
            "From 1958 the centre cuts the urban ration when the granary falls below this share of its stock in the same month a year earlier and below its normal stock (the same month of 1957).",
            "the national stock before the summer harvest was 14.31 Mt in 1959 and 9.54 Mt in 1960, two thirds, when urban rations were cut in September 1960 (Yang Jisheng, interview in Dongfang lishi pinglun, c. 2016, low confidence; data/national.csv); the 82 cities' stocks were then almost half below a year earlier and under a third of normal (Dangdai Zhongguo de liangshi gongzuo, 1988, quoted by Lin Yunhui, 2013; data/timeline.csv)";
        ration_restore_stock_share: Float = 1.0, [0.0, 5.0], "share of normal stock",
            "The cut ration is restored once the granary is back to this share of its normal stock.",
            "assumption: rations were restored only with the recovery";
        #[lever] urban_ration_cut_kg_per_year: Float = 208.0, [50.0, 400.0], "kg per person per year",
            "Urban ration while the cut is in force.",
            "urban sales cut to 54.0 bn jin for 1960/61 from 59.0 (227 x 54/59): Li Xiannian, 10 September 1960, in Yang Jisheng, Tombstone, ch. 14 (data/national.csv)";
        state_stock_initial_mt: Float = 20.0, [0.0, 200.0], "Mt",
            "State granary at the start of 1953.",
            "assumption (low): enough for rations, exports and resales until the 1953 summer procurement";
        relief_denial: Float = 0.8, [0.0, 1.0], "per unit climate",
            "Share of resales withheld per unit of political climate (hunger denied as a slander on the Leap).",
            "assumption: after Lushan reporting hunger was dangerous (seed report); no effect once the grain budget fixes the sales (procurement.grain_budget, as in the historical scenario)";
        resales_by_month: Bool = FALSE, [0, 1], "switch",
            "Resales are sold month by month through the lean season and eaten as bought, instead of as one lump at each month a team is short for all the months to the next autumn harvest.",
            "the spring famine (chunhuang) was met by resales in the lean months; under the lump rule relief withheld is withheld again from each month's remaining shortfall; off in the historical scenario";
        counts_summer_harvest: Bool = FALSE, [0, 1], "switch",
            "From October to May a rural team counts on what it kept of last June's harvest: when it spreads its store to the next autumn harvest, when the state judges its shortfall for resales and when procurement leaves it its floor; instead of as if no grain came before the autumn.",
            "the lean months were the spring before the summer wheat harvest (chunhuang, 'green and yellow do not meet'), not the winter after the autumn harvest; the model's January store already counts on the summer harvest (build.rs)";
        #[lever] resale_floor_kg_per_year: Float = 195.0, [0.0, 400.0], "kg per person per year",
            "The state resells grain to rural teams whose stock falls below this yearly rate.",
            "calibrated: 1957 gross 48.04 vs net 33.87 Mt procurement, i.e. about 14 Mt resold (data/national.csv)";
    }
    procurement: Procurement {
        #[lever] rate: Float = 0.32, [0.0, 0.9], "share of reported harvest",
            "State procurement quota as a share of each team's reported harvest, when the grain year's plan is not fixed (procurement.fixed_plan off; the historical scenario fixes it, so it does not read this).",
            "calibrated: 1957 gross procurement ratio 24.6% of output (data/national.csv), given the retention floor";
        retention_floor_kg_per_year: Float = 170.0, [0.0, 400.0], "kg per person per year",
            "Grain a team keeps whatever its quota (the 1955 'three fixes' guarantee).",
            "assumption (low): retention norms of about 360 jin of unhusked grain per person";
        floor_override: Float = 0.0, [0.0, 1.0], "share",
            "Share of the retention floor that procurement may take anyway in normal times.",
            "pre-Leap: 0";
        #[lever] enforcement: Float = 1.0, [0.0, 3.0], "per unit climate",
            "Extra share of the floor taken per unit of political climate times the leader's zeal (anti-concealment drives).",
            "calibrated (with the Great Leap: procurement ratio 1959, data/national.csv)";
        on_true_output: Bool = FALSE, [0, 1], "switch",
            "Quotas follow true output instead of reports (flexible procurement). With a fixed plan, the plan is sized on last year's true output and each harvest pays the plan's share of its true grain; the sales and other uses stay budgeted with it.", "counterfactual switch";
        fixed_plan: Bool = FALSE, [0, 1], "switch",
            "Quotas come from a grain-year plan fixed in July, before the harvest, instead of a share of each harvest's reports.",
            "the state's practice: plans set at the planning conferences and taken against the harvest (Meng, Qian & Yared 2015, Rev. Econ. Stud. 82(4)); on in the historical scenario";
        grain_budget: Bool = FALSE, [0, 1], "switch",
            "With a fixed plan, the grain year's outflows besides rations and exports are budgeted with it: sales to the countryside fixed at `fixed_sales_share` of the plan (to the teams short on paper until `fixed_sales_base_year`, then to the same teams in the same proportions, whoever is hungry now) and other state uses at `trade.other_state_use_share` of it, each paid month by month; a harvest that falls short of the plan draws down the stock.",
            "the 'three fixes' of 1955 fixed each unit's procurement and sales, and the State Council's Supplementary Regulations on the Unified Purchase and Sale of Grain (11 October 1957) held them: the fixed procurement not to be reduced nor the fixed sales increased, the state's grain to be allotted by an overall plan; on in the historical scenario";
        fixed_sales_share: Float = 0.295, [0.0, 0.9], "share of the plan",
            "Share of the grain year's procurement plan that is sold back to the countryside (with `grain_budget`).",
            "1957: 14.17 of 48.04 Mt gross procurement resold (48.04 less 33.87 Mt net; data/national.csv)";
        fixed_sales_base_year: Int = 1956, [1953, 1966], "grain year",
            "With a grain budget, the grain year whose resales to each team fix the team's share of the sales in every grain year after it (the deficit units of the three fixes); until then sales go to the teams short on paper.",
            "1956/57: the last grain year before the Supplementary Regulations of 11 October 1957 froze the fixed sales";
        #[lever] plan_rate: Float = 0.12, [0.0, 0.9], "share of believed output",
            "Share of the output the centre expects that the grain-year plan takes beyond the state's needs (urban rations and exports less imports): what pays for resales, other state uses and stock.",
            "1957: (48.04 Mt gross procurement - about 22.4 Mt of urban sales - 2.09 Mt exports) / 195 Mt output (data/national.csv; rations: food.urban_ration_kg_per_year x the 98.8 M urban residents of data/provinces.csv). With procurement.grain_budget the resales come on top of the plan, and the same accounts give (33.87 Mt net procurement - 22.4 - 2.09) / 195 = 0.048";
    }
    trade: Trade {
        #[lever] exports_mt_per_year: Float = 2.0, [0.0, 20.0], "Mt per year",
            "Planned grain exports from the state granary.", "1957 grain exports 2.09 Mt (data/national.csv)";
        #[lever] imports_mt_per_year: Float = 0.0, [0.0, 20.0], "Mt per year",
            "Grain imports into the state granary.", "1957 imports 0.17 Mt (data/national.csv), taken as nil";
        other_state_use_share: Float = 0.29, [0.0, 1.0], "share of procurement",
            "Share of procured grain the state uses outside rations, exports and resales (army, industry, urban growth, stock).",
            "calibrated: keeps state stocks level in 1953-1957 (about 14 of 48.5 Mt in 1957)";
    }
    production: Production {
        #[lever] yield_growth: Float = 0.037, [-0.2, 0.3], "per year",
            "Yearly growth of grain yields from technique and fertiliser, while in force (events can halt it).",
            "calibrated: official grain output 1953-1957 (data/national.csv)";
        yield_base_year: Int = 1956, [1953, 1990], "year",
            "Year whose middle has the 1955-1957 mean yield of each province.",
            "mid-point of the 1955-1957 provincial grain data (data/provinces.csv)";
        team_yield_sd: Float = 0.2, [0.0, 1.0], "log sd",
            "Spread of land quality between teams (lognormal, mean 1).", "assumption";
        labour_slack: Float = 0.85, [0.1, 1.0], "share of normal farm labour",
            "Farm labour, relative to a team's normal (all workers less other work), below which the harvest falls.",
            "assumption: the labour surplus of 1950s Chinese farming (about 1.7 workers per cultivated ha in 1957)";
        labour_elasticity: Float = 0.6, [0.0, 1.0], "-",
            "Elasticity of the harvest to farm labour (in effort units) below the slack.", "assumption";
        capital_loss_hunger: Float = 0.02, [0.0, 1.0], "per unit hunger per month",
            "Farm capital (draught animals, seed, tools) lost each month per unit of hunger: eaten or neglected.",
            "calibrated (with the Great Leap: grain 1960-1962, data/national.csv)";
        capital_loss_steel: Float = 0.05, [0.0, 1.0], "per unit steel-campaign share per month",
            "Farm capital lost each month per unit share of labour in backyard furnaces (tools melted, fuel felled).",
            "assumption: seed report, 'all forms of metal were melted down' (Lawrance 58)";
        capital_recovery: Float = 0.03, [0.0, 1.0], "per month",
            "Share of lost farm capital rebuilt each month.",
            "calibrated (with the Great Leap: living standards back at 1957 about eight years later, seed report)";
        food_before_cotton: Float = 0.0, [0.0, 20.0], "per unit remembered hunger",
            "Share of a team's cotton land it sows to grain instead, per unit of the hunger it recalls at the spring sowing (production.sowing_memory_months); 0: cotton land always sown to cotton.",
            "calibrated (with the Great Leap: cotton output 1960-1962, data/national.csv); cause: cotton districts lived on grain the state sold them (Donnithorne 1967, China's Economic System), and hungry cotton teams planned to sow grain instead (People's Daily, 23 Jan 1962, p. 1)";
        sowing_memory_months: Float = 12.0, [1.0, 60.0], "months",
            "Time constant of the hunger a team recalls when it decides what to sow.",
            "assumption: a team plans its sowing on the last year's experience";
        cotton_lint_kg_per_ha: Float = 284.0, [50.0, 2000.0], "kg lint per ha",
            "Cotton lint per hectare of cotton land in 1957: sets how much of a province's land its cotton took.",
            "assumption (low): no printed cotton area for 1957 was found; at 284 kg/ha the 1957 output (1.64 Mt, data/national.csv) took about 5% of the cultivated land";
        weather: Bool = TRUE, [0, 1], "switch",
            "Weather moves yields (off: every year normal).", "counterfactual switch";
        normal_loss_share: Float = 0.06, [0.0, 0.5], "share of sown area",
            "Share of sown area seriously hit by disasters in a normal year.",
            "assumption (low): years outside data/weather.csv count as normal";
        loss_on_affected_land: Float = 0.5, [0.0, 1.0], "share",
            "Harvest lost on seriously hit land (defined as a loss of 30% or more).",
            "assumption: mid-point of losses of 30-70% (China Disaster Report 1949-1995 definition)";
        province_weather_sd: Float = 0.0, [0.0, 1.0], "log sd",
            "Spread of each province's share of seriously hit land around the recorded figure, drawn per run and year (lognormal, rescaled so that the provinces' sown-area-weighted mean is the record); 0: every province has the record.",
            "assumption: data/weather.csv has national figures only, so how they fell on the provinces is not pinned down (an uncertainty, sampled by calibration/uncertain.toml)";
        team_weather_sd: Float = 0.0, [0.0, 1.0], "log sd",
            "Spread of each team's harvest around its province's, drawn per harvest (lognormal with mean 1: hail, pests and floods of a few villages); 0: none.",
            "assumption: no record gives harvests below the province (an uncertainty, sampled by calibration/uncertain.toml)";
        irrigation_yield_gain: Float = 0.005, [0.0, 0.1], "per share-month",
            "Lasting yield gain per month of rural labour share spent on water works.",
            "assumption (low): the lasting irrigation gains of the seed report";
        backyard_t_per_worker_month: Float = 0.01, [0.0, 1.0], "t per worker-month",
            "Backyard steel per worker-month in the furnaces.",
            "calibrated (with the Great Leap: 11 Mt reported steel 1958, seed report)";
        backyard_usable_share: Float = 0.1, [0.0, 1.0], "share",
            "Usable share of backyard steel.", "seed report: 'virtually useless steel' (Lawrance 58)";
    }
    labour: Labour {
        working_age_min: Int = 15, [10, 20], "years", "Youngest age that works.", "convention";
        working_age_max: Int = 59, [50, 80], "years", "Oldest age that works.", "convention";
        female_participation: Float = 0.7, [0.0, 1.0], "workers per woman",
            "Working women counted as a share of a full worker.", "assumption";
        other_work_share: Float = 0.1, [0.0, 0.5], "share of labour",
            "Labour in sidelines and other work outside farming.", "assumption";
        #[lever] steel_campaign: Float = 0.0, [0.0, 0.8], "share of labour",
            "Rural labour drawn to backyard steel furnaces (timeline events set it).", "pre-Leap: none";
        #[lever] irrigation_campaign: Float = 0.0, [0.0, 0.8], "share of labour",
            "Rural labour drawn to water-conservancy works (timeline events set it).", "pre-Leap: none";
        #[lever] accounting_level: Int = 1, [1, 3], "1 team, 2 brigade, 3 commune",
            "Unit that pools output and food (timeline events move it).",
            "level 1 is the 1957 cooperative; the commune pooled in 1958, the brigade from 1959, the team from 1961-62 (seed report)";
        free_supply_share: Float = 0.0, [0.0, 1.0], "share of the kept grain",
            "Share of the grain its teams keep after a harvest's procurement that an accounting unit above the team (commune or brigade) shares out per head, whatever each team grew: the free-supply part of distribution ('eating without paying'); the rest stays with the team that grew it, as pay for work.",
            "the supply part was generally 60% or 70% of distribution against 40% or 30% paid as wages (a Xinhua Neibu cankao report on Xinhui county, Guangdong, that Mao circulated on 25 January 1959; Mao had favoured half and half on 24 October 1958; as quoted from Mao's papers of those dates in public summaries, pltyw.com and studyofnet.com, not checked against the printed volumes); 0 keeps each team's grain its own, as the historical scenario does until its calibration carries the pools (calibration/pooled.toml, at 0.65, the middle of Xinhui's, docs/calibration.md)";
        effort_loss_per_level: Float = 0.1, [0.0, 0.5], "share",
            "Effort lost per level the accounting unit moves above the team (free riding).",
            "assumption: a small free-riding loss; the historical scenario uses 0.05";
        hunger_effort: Float = 1.0, [0.0, 5.0], "per unit hunger",
            "Effort lost per unit of hunger.", "assumption";
    }
    migration: Migration {
        follow_record: Bool = FALSE, [0, 1], "switch",
            "Cities hire from and send people back to the villages of their province so that each province's urban population follows its recorded path from first_year to last_year.",
            "urban hiring of the Leap and the 1961-1963 send-down (data/urban_population.csv); on in the historical scenario";
        first_year: Int = 1954, [1954, 1966], "year",
            "First year whose urban population the cities follow; the end of the year before is the base the record's growth applies to.",
            "the provincial record begins at the end of 1953, the base; from there the cities reach the NBS urban population of 1957 (99.5 M) within 2% (data/urban_population.csv)";
        last_year: Int = 1963, [1954, 1966], "year",
            "Last year whose urban population the cities follow.",
            "the urban series breaks in 1964, when the census redefined towns (data/urban_population.csv, notes)";
        max_age: Int = 39, [15, 59], "years",
            "Oldest age of those hired or sent down (from working age up).",
            "assumption: the Leap hired young rural workers, and the send-down returned mostly the recently hired";
    }
    industry: Industry {
        #[lever] capacity_growth: Float = 0.14, [-0.5, 1.0], "per year",
            "Yearly growth of modern industrial capacity from investment.",
            "calibrated: first Five-Year Plan industrial growth of 14% a year (seed report, Soled 1995)";
        steel_1953_mt: Float = 1.77, [0.0, 100.0], "Mt", "Steel output in 1953.", "official series (data/national.csv)";
        coal_1953_mt: Float = 69.68, [0.0, 1000.0], "Mt", "Coal output in 1953.", "official series (data/national.csv)";
        #[lever] utilisation: Float = 1.0, [0.0, 2.0], "share",
            "Use of modern industrial capacity (timeline events lower it in the 1961 readjustment).",
            "normal: 1";
        steel_elasticity: Float = 2.1, [0.0, 5.0], "-",
            "Elasticity of modern steel output to industrial capacity.",
            "calibrated: official steel 1953-1957 (1.77 to 5.35 Mt, data/national.csv)";
        coal_elasticity: Float = 1.2, [0.0, 5.0], "-",
            "Elasticity of coal output to industrial capacity.",
            "calibrated: official coal 1953-1957 (69.7 to 130.7 Mt, data/national.csv)";
    }
    income: Income {
        agriculture_weight: Float = 0.47, [0.0, 1.0], "share",
            "Share of national income (1957 prices) that moves with agriculture; the rest moves with industry.",
            "assumption (low): agriculture about 47% and commerce, which moved with farm goods, about 16% of 1957 national income (official compilations, not checked against a printed table); the historical scenario uses 0.872, the weight at which the seed's rates for 1958-1962 (agriculture -4.3, industry +3.8, national income -3.1% a year, MacFarquhar 330) agree";
        cotton_weight: Float = 0.1, [0.0, 1.0], "share",
            "Cotton's share of agricultural output value; the rest moves with grain.", "assumption (low)";
    }
    planning: Planning {
        plenum_month: Int = 12, [1, 12], "month",
            "Month in which the centre sets next year's targets.",
            "the 6th plenum met in December 1958 (seed report)";
        #[lever] planned_grain_growth: Float = 0.04, [-0.5, 2.0], "per year",
            "Growth the centre plans over what it believes last year's grain was.",
            "seed report: agriculture rose 4% a year in the first Five-Year Plan";
        grain_need_kg_per_person: Float = 300.0, [100.0, 600.0], "kg per person per year",
            "Grain the planners count the nation as needing; belief above it is a surplus.",
            "1957 output per head about 300 kg (data/national.csv)";
        area_cut: Float = 0.1, [0.0, 1.0], "per unit surplus",
            "Share of grain land left unsown per unit of believed surplus over need.",
            "calibrated (with the Great Leap: grain 1959; sown area fell about a tenth)";
    }
    reporting: Reporting {
        honest: Bool = FALSE, [0, 1], "switch",
            "Cadres report the truth whatever the pressure.", "counterfactual switch";
        inflation_per_level: Float = 0.15, [0.0, 2.0], "share",
            "Share by which each cadre inflates a report at full political climate, before pressure and peers.",
            "calibrated (with the Great Leap: 375 Mt reported grain in 1958, seed report)";
        pressure_weight: Float = 0.5, [0.0, 5.0], "per unit gap",
            "Extra inflation per unit by which the target exceeds what the cadre has.",
            "assumption: cadres below target are 'white flags' (seed report, Lu 92)";
        peer_weight: Float = 0.5, [0.0, 5.0], "per unit gap",
            "Extra inflation per unit by which peers' reported yields exceed the cadre's own (and, for provinces, the pacesetter's).",
            "assumption: competition for red flags and emulation of Henan (seed report)";
        propensity_sd: Float = 0.0, [0.0, 1.0], "log sd",
            "Spread of team leaders' propensity to exaggerate, drawn once per run (lognormal with mean 1, multiplying a leader's inflation); 0: every leader inflates alike.",
            "assumption: cadres differed (seed report: 'white flags' and 'red flags'), by how much no record says (an uncertainty, sampled by calibration/uncertain.toml)";
        steel_inflation: Float = 0.3, [0.0, 5.0], "per unit climate",
            "Inflation of steel reports per unit of climate.", "calibrated (with the Great Leap: 11 Mt reported 1958, 18 Mt 1960, seed report)";
        coal_inflation: Float = 0.7, [0.0, 5.0], "per unit climate",
            "Inflation of coal reports per unit of climate.", "calibrated (with the Great Leap: 270 Mt reported 1958, seed report)";
    }
    politics: Politics {
        #[lever] climate: Float = 0.0, [0.0, 1.0], "0-1",
            "Political climate: pressure on cadres to exaggerate and to extract (timeline events set it).",
            "pre-Leap: none";
        pacesetter_zeal: Float = 0.5, [0.0, 3.0], "x",
            "Extra zeal of the pacesetter province's cadres.",
            "assumption: seed report, Henan 'encouraging corruption and overestimation' (Chang 81)";
        alternate_member_zeal: Float = 0.3, [0.0, 3.0], "x",
            "Extra zeal of a province whose first secretary was an alternate Central Committee member.",
            "assumption: Kung & Chen (2011, APSR) find such career-seeking leaders procured about 3% more; ranks in data/leaders.csv";
    }
    truth: Truth {
        belief_update: Float = 0.2, [0.0, 1.0], "share per harvest",
            "Share of the gap between the centre's trust in reports and the truth closed at each harvest by inspections.",
            "assumption: the centre discounted the 1958 claim by about a third by April 1959 (data/reported_vs_actual_1958.csv)";
        death_signal: Float = 1.0, [0.0, 20.0], "per unit excess mortality",
            "Extra monthly closing of that gap per unit of national excess mortality (visible deaths).",
            "assumption";
        climate_filter: Float = 0.0, [0.0, 1.0], "per unit climate",
            "Share of the evidence (inspections, visible deaths) that does not reach the centre per unit of political climate.",
            "doubt was punished as right opportunism and hunger denied as slander (Bernstein 1984; seed report); calibrated (with the Great Leap: the 1959 target and claim)";
        ledger_revision: Bool = FALSE, [0, 1], "switch",
            "When a shortage in the state granary first cuts the urban ration (food.ration_follows_stock), the centre believes what its inspections found, whatever the climate, and reopens the year's targets and the grain year's plan the next month.",
            "the state's own stocks were evidence no local report could filter: when the cities' stocks ran down in the summer of 1960 the Ministry of Grain put 1960's output at just over 140 Mt, against 143.5 Mt in the final count (Wu Yuenong, on Zhou Enlai and the grain of the hard years), and the centre cut rations in town and country on 7 September 1960 (CCP Central Committee directive on lowering rural and urban ration standards)";
    }
}

impl Procurement {
    /// The grain year's sales and other state uses are budgeted with the plan fixed before the
    /// harvest (under flexible procurement too: its plan is sized on the true output).
    pub fn budget_in_force(&self) -> bool {
        self.grain_budget && self.fixed_plan
    }
}

impl Params {
    /// Baseline total fertility rate for a calendar year.
    pub fn fertility_for_year(&self, year: i32) -> f64 {
        let d = &self.demography;
        match year {
            ..=1953 => d.fertility_1953,
            1954 => d.fertility_1954,
            1955 => d.fertility_1955,
            1956 => d.fertility_1956,
            _ => d.fertility_1957,
        }
    }
}

/// Look up a parameter's spec.
pub fn spec(key: &str) -> Option<&'static ParamSpec> {
    SPECS.iter().find(|s| s.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn registry_matches_struct_and_defaults_in_range() {
        let p = Params::default();
        for s in SPECS {
            let v = p.get(s.key).unwrap_or_else(|| panic!("{} not gettable", s.key));
            assert_eq!(v, s.default, "{}", s.key);
            assert!(v >= s.min && v <= s.max, "{} default {} outside [{}, {}]", s.key, v, s.min, s.max);
            assert!(!s.meaning.is_empty() && !s.source.is_empty() && !s.unit.is_empty(), "{}", s.key);
        }
        let mut q = p.clone();
        assert!(q.set("procurement.rate", 0.4));
        assert_eq!(q.procurement.rate, 0.4);
        assert!(q.set("reporting.honest", 1.0));
        assert!(q.reporting.honest);
        assert!(!q.set("procurement.nope", 1.0));
    }

    #[test]
    fn policy_holds_exactly_the_levers_and_starts_at_the_scenario() {
        let mut p = Params::default();
        p.labour.steel_campaign = 0.3;
        p.food.mess_halls = false;
        let mut policy = Policy::new(&p);
        assert_eq!(policy.labour.steel_campaign, 0.3);
        assert!(!policy.food.mess_halls);
        for s in SPECS {
            // Every lever can be set, to a value distinct from its default; nothing else can.
            let value = if s.kind == Kind::Bool { 1.0 - s.default } else { s.max };
            assert_eq!(policy.set(s.key, value), s.lever, "{}", s.key);
        }
        assert_eq!(policy.politics.climate, 1.0);
        assert_eq!(policy.labour.accounting_level, 3);
        // The policy changed; the parameters it started from did not.
        assert!(policy.food.mess_halls && !p.food.mess_halls);
        assert!(!policy.set("politics", 1.0) && !policy.set("politics.nope", 1.0));
        assert_eq!(SPECS.iter().filter(|s| s.lever).count(), 19);
    }
}
