//! 8. Demography: births and deaths by age and sex, driven by the baseline schedules and by
//! hunger; ageing every January.
//!
//! Food enters through hunger `H` (0-1), a team's food deficit `max(0, 1 - kcal / need)`
//! accumulated with time constant `hunger_memory_months`. The death hazard of age group g is the
//! baseline times `exp(hunger_mortality_slope * w_g * H)` (w = child, 1, old weights) and
//! fertility is the baseline times `exp(-hunger_fertility_slope * H)`, and after a famine times
//! `1 + fertility_rebound * max(0, M - H)`, where M is a slow memory of hunger (postponed births).

use crate::lifetable::{annual_hazard, fertility_shape, monthly_probability};
use crate::params::Params;
use crate::person::{age, age_group, encode, is_female, AgeGroup, AGES, EMPTY, FAMILY_SLOTS, MAX_AGE};
use crate::rng::{Purpose, Stream};
use crate::state::{Census, TeamFlow, World};
use rayon::prelude::*;

/// Monthly schedules for one calendar year, indexed by the person byte (age and sex), so the
/// hot loop needs no decoding: hazard, birth probability, age group and labour weight.
pub struct Schedules {
    pub hazard: [f32; 256],
    pub fertility: [f32; 256],
    pub group: [u8; 256],
    pub worker: [f32; 256],
    /// Head-count increments packed in one word: persons (bits 0-20), ages 0-9 (21-41),
    /// ages 60+ (42-62), so the census costs one add per person.
    pub count: [u64; 256],
}

/// Ages with a non-zero fertility in `lifetable::fertility_shape`.
const FERTILE_AGES: std::ops::RangeInclusive<u8> = 15..=49;

const COUNT_BITS: u32 = 21;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;

/// Fertility multiplier after a famine: births postponed are made up as hunger recedes.
pub fn rebound(p: &Params, hunger: f32, memory: f32) -> f32 {
    1.0 + (p.demography.fertility_rebound * (memory - hunger).max(0.0) as f64) as f32
}

/// Hunger levels at which draw thresholds are tabulated each month; a team's hunger is rounded
/// to a neighbouring level at random in proportion to its distance, so the expected hazard
/// interpolates linearly between levels (3% apart at the steepest default response).
pub const HUNGER_LEVELS: usize = 257;

/// Death and birth probabilities of the month as 32-bit thresholds by person byte: a person
/// dies if a uniform u32 falls below `death[byte]`.
#[derive(Clone)]
pub struct Thresholds {
    pub death: [u32; 256],
    pub birth: [u32; 256],
}

fn threshold(p: f32) -> u32 {
    (p as f64 * 4_294_967_296.0).min(u32::MAX as f64) as u32
}

impl Thresholds {
    pub fn new(s: &Schedules, mult: [f32; 3], fert: f32) -> Thresholds {
        let mut t = Thresholds { death: [0; 256], birth: [0; 256] };
        for b in 0..256 {
            if s.hazard[b] > 0.0 {
                t.death[b] = threshold(monthly_probability(s.hazard[b] * mult[s.group[b] as usize]));
                t.birth[b] = threshold(s.fertility[b] * fert);
            }
        }
        t
    }
}

impl Schedules {
    pub fn for_year(p: &Params, year: i32) -> Schedules {
        let mut s = Schedules {
            hazard: [0.0; 256],
            fertility: [0.0; 256],
            group: [0; 256],
            worker: [0.0; 256],
            count: [0; 256],
        };
        let tfr = p.fertility_for_year(year);
        let shape = fertility_shape();
        let (wmin, wmax) = (p.labour.working_age_min as u8, p.labour.working_age_max as u8);
        for a in 0..AGES as u8 {
            let h = annual_hazard(p, a, year) / 12.0;
            for female in [false, true] {
                let b = encode(a, female) as usize;
                s.hazard[b] = if female { h * p.demography.female_mortality_ratio } else { h } as f32;
                s.fertility[b] = if female { (tfr * shape[a as usize] / 12.0) as f32 } else { 0.0 };
                s.group[b] = age_group(a) as u8;
                s.count[b] = 1
                    | ((age_group(a) == AgeGroup::Child) as u64) << COUNT_BITS
                    | ((age_group(a) == AgeGroup::Old) as u64) << (2 * COUNT_BITS);
                s.worker[b] = if a >= wmin && a <= wmax {
                    if female {
                        p.labour.female_participation as f32
                    } else {
                        1.0
                    }
                } else {
                    0.0
                };
            }
        }
        s
    }

    /// Thresholds at every hunger level (index `i` is hunger `i / (HUNGER_LEVELS - 1)`).
    pub fn thresholds_by_hunger(&self, p: &Params) -> Vec<Thresholds> {
        (0..HUNGER_LEVELS)
            .into_par_iter()
            .map(|i| {
                let (mult, fert) = hunger_response(p, i as f32 / (HUNGER_LEVELS - 1) as f32);
                Thresholds::new(self, mult, fert)
            })
            .collect()
    }
}

/// Share of the gap to this month's deficit that hunger closes in a month.
pub fn hunger_rate(p: &Params) -> f32 {
    (1.0 - (-1.0 / p.demography.hunger_memory_months).exp()) as f32
}

/// Hunger after a month with `kcal` per person per day (`rate` from [`hunger_rate`]).
pub fn next_hunger(p: &Params, rate: f32, hunger: f32, kcal: f32) -> f32 {
    let deficit = (1.0 - kcal / p.food.kcal_need_per_day as f32).clamp(0.0, 1.0);
    hunger + rate * (deficit - hunger)
}

/// Hazard multipliers by age group, and the fertility multiplier, for hunger `h`.
pub fn hunger_response(p: &Params, h: f32) -> ([f32; 3], f32) {
    let d = &p.demography;
    let h = h as f64;
    let m = |w: f64| (d.hunger_mortality_slope * w * h).exp() as f32;
    ([m(d.hunger_child_weight), m(1.0), m(d.hunger_old_weight)], (-d.hunger_fertility_slope * h).exp() as f32)
}

/// Census of one team's slots.
pub fn census_of(p: &Params, slots: &[u8]) -> Census {
    let (wmin, wmax) = (p.labour.working_age_min as u8, p.labour.working_age_max as u8);
    let fp = p.labour.female_participation as f32;
    let mut c = Census::default();
    for &s in slots {
        if s == EMPTY {
            continue;
        }
        let a = age(s);
        c.persons += 1;
        c.age_0_9 += (a < 10) as u32;
        c.age_60_plus += (a >= 60) as u32;
        if a >= wmin && a <= wmax {
            c.workers += if is_female(s) { fp } else { 1.0 };
        }
    }
    c
}

pub fn census_all(world: &World) -> Vec<Census> {
    world.slots.par_chunks(world.team_slots).map(|s| census_of(&world.params, s)).collect()
}

pub fn update(world: &mut World) {
    let p = &world.params;
    let month = world.month;
    let january = month.month_of_year() == 1;
    let sched = Schedules::for_year(p, month.year());
    let by_hunger = sched.thresholds_by_hunger(p);
    let seed = p.run.seed as u64;
    let girl = (1.0 / (1.0 + p.demography.sex_ratio_at_birth)) as f32;
    let tf = world.team_families();
    let memory_rate = (1.0 - (-1.0 / p.demography.famine_memory_months).exp()) as f32;
    let hunger_k = hunger_rate(p);
    let teams = &mut world.teams;
    world
        .slots
        .par_chunks_mut(world.team_slots)
        .zip(world.family_len.par_chunks_mut(tf))
        .zip(teams.flow.par_iter_mut())
        .zip(teams.hunger.par_iter_mut())
        .zip(teams.famine_memory.par_iter_mut())
        .zip(teams.census.par_iter_mut())
        .enumerate()
        .for_each(|(t, (((((slots, lens), flow), hunger), memory), census))| {
            *hunger = next_hunger(p, hunger_k, *hunger, flow.kcal_per_day);
            *memory += memory_rate * (*hunger - *memory);
            let birth_scale = (rebound(p, *hunger, *memory) * 65536.0) as u64;
            let mut rng = Stream::new(seed, t as u64, month.0, Purpose::Demography);
            let x = hunger.clamp(0.0, 1.0) * (HUNGER_LEVELS - 1) as f32;
            let level = x as usize + (x.fract() > 0.0 && rng.uniform_f32() < x.fract()) as usize;
            *census = sweep_team(slots, lens, flow, &sched, &by_hunger[level], birth_scale, girl, january, &mut rng);
        });
}

/// One month for one team's people: ageing (January), deaths, births; returns the census.
/// Families stay packed: after a death the survivors close ranks.
#[allow(clippy::too_many_arguments)]
fn sweep_team(
    slots: &mut [u8],
    lens: &mut [u8],
    flow: &mut TeamFlow,
    sched: &Schedules,
    thresholds: &Thresholds,
    birth_scale: u64,
    girl: f32,
    january: bool,
    rng: &mut Stream,
) -> Census {
    let mut census = Census::default();
    let mut births = [0u8; 64];
    // Counters live in locals so the loop carries no memory dependency.
    let (mut counts, mut workers) = (0u64, 0f32);
    // The rebound scales birth thresholds (fixed point, 16 fractional bits); most teams have none.
    let scaled;
    let birth: &[u32; 256] = if birth_scale == 1 << 16 {
        &thresholds.birth
    } else {
        // Only women of childbearing age have a threshold to scale.
        let mut t = thresholds.birth;
        for a in FERTILE_AGES {
            let b = &mut t[encode(a, true) as usize];
            *b = ((*b as u64 * birth_scale) >> 16).min(u32::MAX as u64) as u32;
        }
        scaled = t;
        &scaled
    };
    if january {
        for (fam, &len) in slots.chunks_exact_mut(FAMILY_SLOTS).zip(lens.iter()) {
            for s in &mut fam[..len as usize] {
                *s = encode((age(*s) + 1).min(MAX_AGE), is_female(*s));
            }
        }
    }
    for (f, fam) in slots.chunks_exact_mut(FAMILY_SLOTS).enumerate() {
        let len = lens[f] as usize;
        let mut fam_births = 0u32;
        let mut died = false;
        for slot in &mut fam[..len] {
            let s = *slot;
            // One 64-bit draw gives the death and the birth uniforms.
            let r = rng.next_u64();
            if (r as u32) < thresholds.death[s as usize] {
                flow.deaths[sched.group[s as usize] as usize][is_female(s) as usize] += 1;
                *slot = EMPTY;
                died = true;
                continue;
            }
            fam_births += (((r >> 32) as u32) < birth[s as usize]) as u32;
            counts += sched.count[s as usize];
            workers += sched.worker[s as usize];
        }
        if died {
            // Keep the family packed: survivors first, in order.
            let mut k = 0;
            for i in 0..len {
                if fam[i] != EMPTY {
                    fam[k] = fam[i];
                    k += 1;
                }
            }
            fam[k..len].fill(EMPTY);
            lens[f] = k as u8;
        }
        births[f] = fam_births as u8;
    }
    census.persons = (counts & COUNT_MASK) as u32;
    census.age_0_9 = ((counts >> COUNT_BITS) & COUNT_MASK) as u32;
    census.age_60_plus = (counts >> (2 * COUNT_BITS)) as u32;
    census.workers = workers;
    // Most team-months have no birth: skip the placing pass then.
    let any_birth = births.iter().any(|&b| b != 0);
    for f in 0..if any_birth { lens.len() } else { 0 } {
        for _ in 0..births[f] {
            let baby = encode(0, rng.uniform_f32() < girl);
            if place(slots, lens, f, baby) {
                flow.births += 1;
                census.persons += 1;
                census.age_0_9 += 1;
            } else {
                flow.births_unplaced += 1;
            }
        }
    }
    census
}

/// Put a newborn in its mother's family, or if that is full in the first family of the team
/// with room (households divided when they outgrew their homes).
fn place(slots: &mut [u8], lens: &mut [u8], family: usize, baby: u8) -> bool {
    let f = if (lens[family] as usize) < FAMILY_SLOTS {
        family
    } else {
        match lens.iter().position(|&l| (l as usize) < FAMILY_SLOTS) {
            Some(f) => f,
            None => return false,
        }
    };
    slots[f * FAMILY_SLOTS + lens[f] as usize] = baby;
    lens[f] += 1;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn hunger_raises_mortality_and_lowers_fertility() {
        let p = Params::default();
        let (m0, f0) = hunger_response(&p, 0.0);
        assert_eq!(m0, [1.0; 3]);
        assert_eq!(f0, 1.0);
        let (m, f) = hunger_response(&p, 0.3);
        assert!(m[0] > m[1] && m[2] > m[1] && m[1] > 1.0);
        assert!(f < 1.0);
        // Hunger builds while food is short and recovers when it is not.
        let k = hunger_rate(&p);
        let mut h = 0.0;
        for _ in 0..6 {
            h = next_hunger(&p, k, h, 1000.0);
        }
        assert!(h > 0.2, "{h}");
        let fed = next_hunger(&p, k, h, 2500.0);
        assert!(fed < h);
        assert_eq!(next_hunger(&p, k, 0.0, 2500.0), 0.0);
    }

    #[test]
    fn people_are_conserved_by_births_and_deaths() {
        let p = Params::default();
        let sched = Schedules::for_year(&p, 1953);
        let mut slots = vec![EMPTY; 12 * FAMILY_SLOTS];
        let mut lens = vec![0u8; 12];
        for f in 0..12 {
            for i in 0..4 {
                slots[f * FAMILY_SLOTS + i] = encode(((f * 7 + i * 13) % 70) as u8, (f + i) % 2 == 0);
            }
            lens[f] = 4;
        }
        let before = 48i64;
        let mut flow = TeamFlow::default();
        let mut rng = Stream::new(1, 0, 0, Purpose::Demography);
        let mut census = Census::default();
        for m in 0..120 {
            let th = Thresholds::new(&sched, [3.0; 3], 1.0);
            census = sweep_team(&mut slots, &mut lens, &mut flow, &sched, &th, 1 << 16, 0.49, m % 12 == 0, &mut rng);
        }
        let after = slots.iter().filter(|&&s| s != EMPTY).count() as i64;
        assert_eq!(after - before, flow.births as i64 - flow.total_deaths() as i64);
        assert_eq!(after, census.persons as i64);
        assert_eq!(lens.iter().map(|&l| l as i64).sum::<i64>(), after);
        assert_eq!(census, census_of(&p, &slots));
        assert!(flow.births > 0 && flow.total_deaths() > 0);
    }
}
