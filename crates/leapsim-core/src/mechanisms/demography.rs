//! Demography (step 8 of the month): births and deaths by age and sex, driven by the baseline
//! schedules and by hunger; ageing every January.
//!
//! Food enters through hunger `H` (0-1), a team's food deficit `max(0, 1 - kcal / need)`
//! accumulated with time constant `hunger_memory_months`. The death hazard of age group g and sex
//! x is the baseline times `exp(hunger_mortality_slope * w_g * v_x * H)` (w = child, 1, old
//! weights; v = men's and women's weights, in the ratio `hunger_male_ratio` and averaging 1) and
//! fertility is the baseline times `exp(-hunger_fertility_slope * H)`, and after a famine times
//! `1 + fertility_rebound * max(0, M - H)`, where M is a slow memory of hunger (postponed births).

use crate::calendar::Month;
use crate::lifetable::{annual_hazard, fertility_shape, monthly_probability};
use crate::params::Params;
use crate::person::{age, age_group, close_ranks, encode, is_female, AgeGroup, AGES, EMPTY, FAMILY_SLOTS, MAX_AGE};
use crate::rng::{Purpose, Stream};
use crate::state::{Census, Province, TeamFlow, Teams};
use rayon::prelude::*;
use std::sync::OnceLock;

/// Monthly schedules for one calendar year, indexed by the person byte (age and sex), so the
/// hot loop needs no decoding: hazard, birth probability, age group and head-count increments.
#[derive(Clone)]
pub struct Schedules {
    pub hazard: [f32; 256],
    pub fertility: [f32; 256],
    pub group: [u8; 256],
    /// Head-count increments packed in one word: persons (bits 0-20), ages 0-9 (21-41),
    /// ages 60+ (42-62), so a census change costs one add.
    pub count: [u64; 256],
    /// Working-age increments packed in one word: men (bits 0-31), women (32-63).
    pub work: [u64; 256],
    /// Youngest and oldest working age.
    pub working_ages: (u8, u8),
}

const COUNT_BITS: u32 = 21;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;

/// Fertility multiplier after a famine (`fertility_rebound` from the parameters), in fixed
/// point with 16 fractional bits: births postponed are made up as hunger recedes.
#[inline]
fn birth_scale(fertility_rebound: f64, hunger: f32, memory: f32) -> u64 {
    if memory <= hunger {
        return 1 << 16; // no rebound, and no arithmetic for the many teams without one
    }
    let rebound = 1.0 + (fertility_rebound * (memory - hunger) as f64) as f32;
    (rebound * 65536.0) as i64 as u64
}

/// Labour in full-worker units: working women count by their participation.
#[inline]
fn workers(men: u32, women: u32, female_participation: f32) -> f32 {
    men as f32 + female_participation * women as f32
}

/// Hunger levels at which draw thresholds are tabulated each month; a team's hunger is rounded
/// to a neighbouring level at random in proportion to its distance, so the expected hazard
/// interpolates linearly between levels (3% apart at the steepest default response).
pub const HUNGER_LEVELS: usize = 257;

/// Death and birth probabilities of the month as 32-bit thresholds by person byte (an event
/// has probability `threshold / 2^32`), and the bounds the draws thin from.
#[derive(Clone)]
pub struct Thresholds {
    pub death: [u32; 256],
    pub birth: [u32; 256],
    /// Highest death threshold of anyone aged `a` or younger, either sex: with the team's
    /// oldest age it bounds the death probability of every member.
    pub death_bound: [u32; AGES],
    /// Highest birth threshold of any woman.
    pub birth_bound: u32,
    /// The scale of the geometric skips between candidates for an event (death bound plus
    /// birth bound, without a rebound) in a team whose oldest member is `a` ([`per_exp`]).
    pub event_per_exp: [f64; AGES],
    /// The same with the birth bound times a rebound of `1 + i / 64`, made on first use (row
    /// `i`; rebounds are rounded up to these steps for the bound).
    rebound_per_exp: Vec<OnceLock<Box<[f64; AGES]>>>,
}

/// Rebounds (in fixed point, 16 fractional bits) are rounded up to multiples of this for the
/// bound of a team's walk: steps of 1/64.
const REBOUND_STEP: u64 = 1 << 10;
/// Steps of [`REBOUND_STEP`] in a rebound of 1.
const REBOUND_STEPS_PER_UNIT: usize = (65536 / REBOUND_STEP) as usize;

fn threshold(p: f32) -> u32 {
    (p as f64 * 4_294_967_296.0).min(u32::MAX as f64) as u32
}

impl Thresholds {
    /// Thresholds for hazard multipliers `mult` (by sex, male first, then age group) and
    /// fertility multiplier `fert`; teams' fertility rebounds can reach `max_rebound`.
    pub fn new(s: &Schedules, mult: [[f32; 3]; 2], fert: f32, max_rebound: f64) -> Thresholds {
        let rebound_steps = ((max_rebound - 1.0).max(0.0) * REBOUND_STEPS_PER_UNIT as f64).ceil() as usize + 2;
        let mut t = Thresholds {
            death: [0; 256],
            birth: [0; 256],
            death_bound: [0; AGES],
            birth_bound: 0,
            event_per_exp: [0.0; AGES],
            rebound_per_exp: (0..rebound_steps).map(|_| OnceLock::new()).collect(),
        };
        for b in 0..256 {
            if s.hazard[b] > 0.0 {
                let m = mult[is_female(b as u8) as usize][s.group[b] as usize];
                t.death[b] = threshold(monthly_probability(s.hazard[b] * m));
                t.birth[b] = threshold(s.fertility[b] * fert);
                t.birth_bound = t.birth_bound.max(t.birth[b]);
            }
        }
        let mut bound = 0;
        for a in 0..AGES as u8 {
            bound = bound.max(t.death[encode(a, false) as usize]).max(t.death[encode(a, true) as usize]);
            t.death_bound[a as usize] = bound;
            t.event_per_exp[a as usize] = per_exp(event_bound(bound, t.birth_bound));
        }
        t
    }

    /// The bound of a team's walk (the chance, times 2^32, that a member is a candidate) and the
    /// scale of its skips, for a team whose oldest member is `oldest` and whose birth thresholds
    /// are scaled by `birth_scale` (16 fractional bits). With a rebound the birth band is widened
    /// to the next step of [`REBOUND_STEP`], whose skip scales are tabulated: a candidate's own
    /// probabilities do not change, and a team-month needs no logarithm.
    #[inline]
    fn walk_bound(&self, oldest: u8, birth_scale: u64) -> (u64, f64) {
        let death_bound = self.death_bound[oldest as usize];
        if birth_scale == 1 << 16 {
            return (event_bound(death_bound, self.birth_bound), self.event_per_exp[oldest as usize]);
        }
        let step = birth_scale.div_ceil(REBOUND_STEP);
        let birth_band = rebound_scaled(self.birth_bound, step * REBOUND_STEP);
        let bound = event_bound(death_bound, birth_band);
        let row = (step as usize).checked_sub(REBOUND_STEPS_PER_UNIT).and_then(|i| self.rebound_per_exp.get(i));
        match row {
            Some(row) => {
                let row = row.get_or_init(|| {
                    Box::new(std::array::from_fn(|a| per_exp(event_bound(self.death_bound[a], birth_band))))
                });
                (bound, row[oldest as usize])
            }
            None => (bound, per_exp(bound)),
        }
    }
}

impl Schedules {
    pub fn for_year(p: &Params, year: i32) -> Schedules {
        let (wmin, wmax) = (p.labour.working_age_min as u8, p.labour.working_age_max as u8);
        let mut s = Schedules {
            hazard: [0.0; 256],
            fertility: [0.0; 256],
            group: [0; 256],
            count: [0; 256],
            work: [0; 256],
            working_ages: (wmin, wmax),
        };
        let tfr = p.fertility_for_year(year);
        let shape = fertility_shape();
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
                let working = (a >= wmin && a <= wmax) as u64;
                s.work[b] = if female { working << 32 } else { working };
            }
        }
        s
    }

    /// Thresholds at hunger level `i` (hunger `i / (HUNGER_LEVELS - 1)`), for a province whose
    /// death hazards are `baseline` times the schedule's.
    pub fn thresholds_at(&self, p: &Params, i: usize, baseline: f64) -> Thresholds {
        let (mult, fert) = hunger_response(p, i as f32 / (HUNGER_LEVELS - 1) as f32);
        let mult = mult.map(|by_age| by_age.map(|m| m * baseline as f32));
        Thresholds::new(self, mult, fert, 1.0 + p.demography.fertility_rebound)
    }
}

/// Share of the gap to this month's deficit that hunger closes in a month.
pub fn hunger_rate(p: &Params) -> f32 {
    (1.0 - (-1.0 / p.demography.hunger_memory_months).exp()) as f32
}

/// Hunger after a month with `kcal` per person per day, against a need of `need` (`rate` from
/// [`hunger_rate`]).
#[inline]
pub fn next_hunger(need: f32, rate: f32, hunger: f32, kcal: f32) -> f32 {
    let deficit = (1.0 - kcal / need).clamp(0.0, 1.0);
    hunger + rate * (deficit - hunger)
}

/// Hazard multipliers by sex (male first) and age group, and the fertility multiplier, for
/// hunger `h`.
pub fn hunger_response(p: &Params, h: f32) -> ([[f32; 3]; 2], f32) {
    let d = &p.demography;
    let h = h as f64;
    // Men's and women's weights in the ratio r, averaging 1, so the ratio moves hunger's toll
    // between the sexes and not its size.
    let r = d.hunger_male_ratio;
    let by_age = |sex: f64| {
        let m =
            |w: f64| (d.hunger_mortality_slope * w * sex * (h - d.hunger_mortality_threshold).max(0.0)).exp() as f32;
        [m(d.hunger_child_weight), m(1.0), m(d.hunger_old_weight)]
    };
    ([by_age(2.0 * r / (1.0 + r)), by_age(2.0 / (1.0 + r))], (-d.hunger_fertility_slope * h).exp() as f32)
}

/// Head-counts packed as the sweep keeps them: `count` and `work` words (see [`Schedules`]).
#[derive(Clone, Copy, Default)]
struct Tally {
    count: u64,
    work: u64,
}

impl Tally {
    fn add(&mut self, s: &Schedules, b: u8) {
        self.count += s.count[b as usize];
        self.work += s.work[b as usize];
    }
    fn remove(&mut self, s: &Schedules, b: u8) {
        self.count -= s.count[b as usize];
        self.work -= s.work[b as usize];
    }
    fn of(c: &Census) -> Tally {
        Tally {
            count: c.persons as u64 | (c.age_0_9 as u64) << COUNT_BITS | (c.age_60_plus as u64) << (2 * COUNT_BITS),
            work: c.working_men as u64 | (c.working_women as u64) << 32,
        }
    }
    fn census(&self, female_participation: f32, oldest: u8) -> Census {
        let (men, women) = (self.work as u32, (self.work >> 32) as u32);
        Census {
            persons: (self.count & COUNT_MASK) as u32,
            age_0_9: ((self.count >> COUNT_BITS) & COUNT_MASK) as u32,
            age_60_plus: (self.count >> (2 * COUNT_BITS)) as u32,
            working_men: men,
            working_women: women,
            workers: workers(men, women, female_participation),
            oldest,
        }
    }
}

/// January: everyone in `people` (a team's packed people) turns a year older; returns their
/// head-counts, as [`Schedules`] packs them, and the oldest age. The counts are the same as the
/// sum of each person's increments, but made by comparisons the compiler runs 16 people at a
/// time instead of two table lookups per person.
fn age_a_year(people: &mut [u8], (wmin, wmax): (u8, u8)) -> (Tally, u8) {
    for p in people.iter_mut() {
        *p += (age(*p) < MAX_AGE) as u8;
    }
    let (mut young, mut old, mut men, mut women, mut oldest) = (0u32, 0u32, 0u32, 0u32, 0u8);
    for &p in people.iter() {
        let (a, female) = (age(p), is_female(p) as u32);
        young += (age_group(a) == AgeGroup::Child) as u32;
        old += (age_group(a) == AgeGroup::Old) as u32;
        let working = (a.wrapping_sub(wmin) <= wmax - wmin) as u32;
        men += working & (female ^ 1);
        women += working & female;
        oldest = oldest.max(a);
    }
    let tally = Tally {
        count: people.len() as u64 | (young as u64) << COUNT_BITS | (old as u64) << (2 * COUNT_BITS),
        work: men as u64 | (women as u64) << 32,
    };
    (tally, oldest)
}

/// Census of one team's slots.
pub fn census_of(p: &Params, slots: &[u8]) -> Census {
    count(&Schedules::for_year(p, crate::calendar::START_YEAR), p.labour.female_participation as f32, slots)
}

fn count(sched: &Schedules, female_participation: f32, slots: &[u8]) -> Census {
    let mut tally = Tally::default();
    let mut oldest = 0;
    for &b in slots.iter().filter(|&&b| b != EMPTY) {
        tally.add(sched, b);
        oldest = oldest.max(age(b));
    }
    tally.census(female_participation, oldest)
}

/// Count afresh the census of every team that people moved into or out of this month (its
/// flow's `migrants_in` or `migrants_out`), from its person slots (`team_slots` per team). The
/// flows mark the teams, so no list of them is kept (at scale 0.03 one would hold tens of
/// thousands of entries a month).
pub fn recount_moved(p: &Params, teams: &mut Teams, slots: &[u8], team_slots: usize) {
    let mut sched = None;
    for t in 0..teams.len() {
        let f = &teams.flow[t];
        if f.migrants_in > 0 || f.migrants_out > 0 {
            let sched = sched.get_or_insert_with(|| Schedules::for_year(p, crate::calendar::START_YEAR));
            teams.census[t] =
                count(sched, p.labour.female_participation as f32, &slots[t * team_slots..(t + 1) * team_slots]);
        }
    }
}

/// The year's schedules and the thresholds of each province's hunger levels in use, made on
/// first use and kept until the year changes: they depend only on the year, the parameters and
/// the province's baseline, all fixed within a year, and making them every month cost a small
/// run (scale 0.001) a tenth of its time. In a normal month every team is at level 0. Boxed, so
/// the many levels never used cost a pointer each.
#[derive(Clone, Default)]
pub struct YearThresholds {
    /// The year the thresholds are of, and its schedules.
    year: Option<(i32, Schedules)>,
    by_hunger: Vec<Vec<OnceLock<Box<Thresholds>>>>,
}

impl std::fmt::Debug for YearThresholds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let made = self.by_hunger.iter().flatten().filter(|t| t.get().is_some()).count();
        let year = self.year.as_ref().map(|(y, _)| *y);
        f.debug_struct("YearThresholds").field("year", &year).field("levels_made", &made).finish()
    }
}

impl YearThresholds {
    /// The schedules of `year` and the (lazily made) thresholds of `provinces` provinces.
    fn for_year(&mut self, p: &Params, year: i32, provinces: usize) -> (&Schedules, &[Vec<OnceLock<Box<Thresholds>>>]) {
        if self.year.as_ref().map(|(y, _)| *y) != Some(year) || self.by_hunger.len() != provinces {
            self.year = Some((year, Schedules::for_year(p, year)));
            self.by_hunger = (0..provinces).map(|_| (0..HUNGER_LEVELS).map(|_| OnceLock::new()).collect()).collect();
        }
        let (_, sched) = self.year.as_ref().expect("made above");
        (sched, &self.by_hunger)
    }
}

/// Census of every team, from the person slots (`team_slots` per team).
pub fn census_all(p: &Params, slots: &[u8], team_slots: usize) -> Vec<Census> {
    let sched = Schedules::for_year(p, crate::calendar::START_YEAR);
    slots.par_chunks(team_slots).map(|s| count(&sched, p.labour.female_participation as f32, s)).collect()
}

/// The month's hunger, deaths and births of every team, and ageing in January: moves the
/// people in `slots` (team `t` owns `t * team_slots ..`) and `family_len`, and writes each
/// team's hunger, famine memory, census and the deaths and births in its flow. Reads each
/// province's baseline mortality; keeps the year's thresholds in `year_thresholds`.
pub fn update(
    p: &Params,
    month: Month,
    provinces: &[Province],
    teams: &mut Teams,
    slots: &mut [u8],
    family_len: &mut [u8],
    year_thresholds: &mut YearThresholds,
) {
    let january = month.month_of_year() == 1;
    let (sched, by_hunger) = year_thresholds.for_year(p, month.year(), provinces.len());
    let province_of = &teams.province;
    let seed = p.run.seed as u64;
    let girl = (1.0 / (1.0 + p.demography.sex_ratio_at_birth)) as f32;
    let fp = p.labour.female_participation as f32;
    let tf = p.hierarchy.team_families as usize;
    let memory_rate = (1.0 - (-1.0 / p.demography.famine_memory_months).exp()) as f32;
    let hunger_k = hunger_rate(p);
    // Parameters the sweep reads, as locals (the closure would otherwise reload them per team).
    let (need, fertility_rebound) = (p.food.kcal_need_per_day as f32, p.demography.fertility_rebound);
    slots
        .par_chunks_mut(tf * FAMILY_SLOTS)
        .zip(family_len.par_chunks_mut(tf))
        .zip(teams.flow.par_iter_mut())
        .zip(teams.hunger.par_iter_mut())
        .zip(teams.famine_memory.par_iter_mut())
        .zip(teams.census.par_iter_mut())
        .enumerate()
        .for_each(|(t, (((((slots, lens), flow), hunger), memory), census))| {
            *hunger = next_hunger(need, hunger_k, *hunger, flow.kcal_per_day);
            *memory += memory_rate * (*hunger - *memory);
            let birth_scale = birth_scale(fertility_rebound, *hunger, *memory);
            let mut rng = Stream::new(seed, t as u64, month.0, Purpose::Demography);
            let x = hunger.clamp(0.0, 1.0) * (HUNGER_LEVELS - 1) as f32;
            // x - trunc(x), without `fract`, which baseline x86-64 makes a library call (and
            // through i32, which converts in one instruction where usize takes a dozen).
            let whole = x as i32;
            let frac = x - whole as f32;
            let level = whole as usize + (frac > 0.0 && rng.uniform_f32() < frac) as usize;
            let pi = province_of[t] as usize;
            let thresholds = by_hunger[pi][level]
                .get_or_init(|| Box::new(sched.thresholds_at(p, level, provinces[pi].baseline_mortality)));
            let team = TeamPeople { slots, lens };
            *census = team.month(*census, flow, sched, thresholds, birth_scale, girl, fp, january, &mut rng);
        });
}

/// One team's people, packed at the front of its slots family by family (family `f` holds
/// `lens[f]` people, at most `FAMILY_SLOTS`), so a person's position in the team is its slot.
struct TeamPeople<'a> {
    slots: &'a mut [u8],
    lens: &'a mut [u8],
}

/// Finds the family of given positions, in increasing order (0 is the first member of the
/// first family). Only events need it, so the walk itself indexes slots directly.
struct Cursor {
    family: usize,
    /// Position of the family's first member.
    first: u64,
}

impl Cursor {
    /// The family of the person at position `at` (at or after the cursor's family; `at` must
    /// be below the team's head-count).
    #[inline]
    fn family(&mut self, lens: &[u8], at: u64) -> usize {
        while at >= self.first + lens[self.family] as u64 {
            self.first += lens[self.family] as u64;
            self.family += 1;
        }
        self.family
    }
}

/// Visits the positions `0..n` that are candidates when each is one independently with
/// probability `q`: geometric skips between candidates.
struct Candidates {
    next: u64,
    n: u64,
    /// Positions per unit of a standard exponential ([`per_exp`] of q).
    per_exp: f64,
}

impl Candidates {
    fn new(rng: &mut Stream, n: u64, per_exp: f64) -> Candidates {
        let mut c = Candidates { next: 0, n, per_exp };
        c.next = c.skip(rng);
        c
    }
    /// Positions passed over before the next candidate: floor(E / -ln(1 - q)) for E standard
    /// exponential, which is geometric with success probability q.
    #[inline]
    fn skip(&self, rng: &mut Stream) -> u64 {
        // At most n (below 2^53), so the signed conversions are exact and one instruction each.
        let (x, n) = (rng.exp1() * self.per_exp, self.n as i64 as f64);
        (if x < n { x } else { n }) as i64 as u64
    }
    #[inline]
    fn next(&mut self, rng: &mut Stream) -> Option<u64> {
        if self.next >= self.n {
            return None;
        }
        let at = self.next;
        self.next = at + 1 + self.skip(rng);
        Some(at)
    }
}

/// A birth threshold times the rebound, in fixed point with 16 fractional bits.
#[inline]
fn rebound_scaled(threshold: u32, birth_scale: u64) -> u32 {
    ((threshold as u64 * birth_scale) >> 16).min(u32::MAX as u64) as u32
}

/// The scale of geometric skips when each position is a candidate with probability
/// q = bound / 2^32: -1 / ln(1 - q), positions per unit of a standard exponential (0 when q is 1
/// and every position is one).
fn per_exp(bound: u64) -> f64 {
    if bound >= 1 << 32 {
        return 0.0;
    }
    -1.0 / (-(bound as f64) / 4_294_967_296.0).ln_1p()
}

/// The chance (times 2^32) that a person is a candidate for an event: a death band and a birth
/// band side by side, capped at certainty.
fn event_bound(death_bound: u32, birth_bound: u32) -> u64 {
    (death_bound as u64 + birth_bound as u64).min(1 << 32)
}

impl TeamPeople<'_> {
    /// One month of one team: ageing (January, with a fresh count), deaths, births; returns
    /// the census.
    ///
    /// Deaths and births are drawn by thinning: people are visited as candidates with a bound
    /// probability (the highest any member could have), skipping geometrically distributed
    /// runs, and a candidate's event happens with its own probability over the bound. Each
    /// person's chance of the event is exactly its own, as with one draw per person, but a
    /// month costs a few draws per team instead of one per person.
    #[allow(clippy::too_many_arguments)]
    fn month(
        self,
        census: Census,
        flow: &mut TeamFlow,
        sched: &Schedules,
        thresholds: &Thresholds,
        birth_scale: u64,
        girl: f32,
        female_participation: f32,
        january: bool,
        rng: &mut Stream,
    ) -> Census {
        let TeamPeople { slots, lens } = self;
        let mut n = census.persons as usize;
        let (mut tally, mut oldest) = (Tally::of(&census), census.oldest);
        if january {
            (tally, oldest) = age_a_year(&mut slots[..n], sched.working_ages);
        }

        // Deaths and births in one walk. A candidate draws v uniform below the bound: below its
        // death threshold it dies; in the birth band (from the death bound up) it gives birth
        // with its birth threshold scaled by the rebound (fixed point, 16 fractional bits) and
        // by its chance of surviving the month. The dead are marked empty and the team closed
        // up after the walk, so the walk sees everyone alive at the start once.
        let death_bound = thresholds.death_bound[oldest as usize];
        let (bound, scale) = thresholds.walk_bound(oldest, birth_scale);
        let mut dead = [0u8; 64];
        let mut births = [0u8; 64];
        // Families with a birth are `born_from..born_to`.
        let (mut first_dead, mut born_from, mut born_to) = (usize::MAX, usize::MAX, 0);
        if bound > 0 {
            let mut candidates = Candidates::new(rng, n as u64, scale);
            let mut at = Cursor { family: 0, first: 0 };
            while let Some(k) = candidates.next(rng) {
                let s = slots[k as usize];
                let v = ((rng.next_u64() >> 32) * bound) >> 32;
                let death = thresholds.death[s as usize] as u64;
                let birth =
                    (rebound_scaled(thresholds.birth[s as usize], birth_scale) as u64 * ((1 << 32) - death)) >> 32;
                // Below v's death threshold a death; in the birth band (v from the death bound
                // up) a birth. Both tests come before one branch: a candidate has an event about
                // one time in eight, and a branch per test would be mispredicted more often.
                let (dies, born) = (v < death, v.wrapping_sub(death_bound as u64) < birth);
                if dies | born {
                    let f = at.family(lens, k);
                    if dies {
                        flow.deaths[sched.group[s as usize] as usize][is_female(s) as usize] += 1;
                        tally.remove(sched, s);
                        slots[k as usize] = EMPTY;
                        dead[f] += 1;
                        first_dead = first_dead.min(k as usize);
                    } else {
                        births[f] += 1;
                        born_from = born_from.min(f);
                        born_to = f + 1;
                    }
                }
            }
        }
        if !january && first_dead == usize::MAX && born_to == 0 {
            // No event: the head-counts stand (the workers are counted afresh, as participation
            // may have changed).
            let workers = workers(census.working_men, census.working_women, female_participation);
            return Census { workers, ..census };
        }
        if first_dead < n {
            n = first_dead + close_ranks(&mut slots[first_dead..n]);
            for (len, d) in lens.iter_mut().zip(dead) {
                *len -= d;
            }
        }
        // An index loop: the iterator form (enumerate, take, skip) made the whole demography
        // sweep about 5% more instructions (callgrind, mechanism_bench demography 0.002).
        #[allow(clippy::needless_range_loop)]
        for f in born_from.min(born_to)..born_to {
            for _ in 0..births[f] {
                let baby = encode(0, rng.uniform_f32() < girl);
                if place(slots, lens, n, f, baby) {
                    n += 1;
                    flow.births += 1;
                    tally.add(sched, baby);
                } else {
                    flow.births_unplaced += 1;
                }
            }
        }
        tally.census(female_participation, oldest)
    }
}

/// Put a newborn at the end of its mother's family, or if that is full of the first family of
/// the team with room (households divided when they outgrew their homes); `n` is the team's
/// head-count. The people after it move up one slot.
pub(crate) fn place(slots: &mut [u8], lens: &mut [u8], n: usize, family: usize, baby: u8) -> bool {
    let f = if (lens[family] as usize) < FAMILY_SLOTS {
        family
    } else {
        match lens.iter().position(|&l| (l as usize) < FAMILY_SLOTS) {
            Some(f) => f,
            None => return false,
        }
    };
    let at = lens[..=f].iter().map(|&l| l as usize).sum::<usize>();
    slots.copy_within(at..n, at + 1);
    slots[at] = baby;
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
        assert_eq!(m0, [[1.0; 3]; 2]);
        assert_eq!(f0, 1.0);
        let (m, f) = hunger_response(&p, 0.3);
        for by_age in m {
            assert!(by_age[0] > by_age[1] && by_age[2] > by_age[1] && by_age[1] > 1.0);
        }
        assert!(f < 1.0);
        // Hunger weighs more on men (Zarulli et al. 2018), in the parameter's ratio of logs;
        // at a ratio of 1 the sexes are alike.
        let log_ratio = (m[0][1] as f64).ln() / (m[1][1] as f64).ln();
        assert!((log_ratio - p.demography.hunger_male_ratio).abs() < 1e-5, "{log_ratio}");
        let mut even = p.clone();
        even.demography.hunger_male_ratio = 1.0;
        assert_eq!(hunger_response(&even, 0.3).0[0], hunger_response(&even, 0.3).0[1]);
        // Hunger builds while food is short and recovers when it is not.
        let (k, need) = (hunger_rate(&p), p.food.kcal_need_per_day as f32);
        let mut h = 0.0;
        for _ in 0..6 {
            h = next_hunger(need, k, h, 1000.0);
        }
        assert!(h > 0.2, "{h}");
        let fed = next_hunger(need, k, h, 2500.0);
        assert!(fed < h);
        assert_eq!(next_hunger(need, k, 0.0, 2500.0), 0.0);
    }

    #[test]
    fn hunger_the_body_adapts_to_costs_no_lives_but_still_lowers_fertility() {
        let mut p = Params::default();
        p.demography.hunger_mortality_threshold = 0.1;
        let (m, f) = hunger_response(&p, 0.08);
        assert_eq!(m, [[1.0; 3]; 2]);
        assert!(f < 1.0);
        // Above the threshold the hazard is what the excess hunger alone would give without one.
        let mut plain = p.clone();
        plain.demography.hunger_mortality_threshold = 0.0;
        let (above, below) = (hunger_response(&p, 0.3).0, hunger_response(&plain, 0.2).0);
        for (a, b) in above.iter().flatten().zip(below.iter().flatten()) {
            assert!((a - b).abs() < 1e-5 * b, "{a} {b}");
        }
    }

    fn full_team() -> (Vec<u8>, Vec<u8>) {
        let mut slots = vec![EMPTY; 12 * FAMILY_SLOTS];
        let mut lens = vec![0u8; 12];
        for f in 0..12 {
            for i in 0..4 {
                slots[f * 4 + i] = encode(((f * 7 + i * 13) % 70) as u8, (f + i) % 2 == 0);
            }
            lens[f] = 4;
        }
        (slots, lens)
    }

    #[test]
    fn people_are_conserved_by_births_and_deaths() {
        let p = Params::default();
        let sched = Schedules::for_year(&p, 1953);
        let (mut slots, mut lens) = full_team();
        let before = 48i64;
        let mut flow = TeamFlow::default();
        let mut rng = Stream::new(1, 0, 0, Purpose::Demography);
        let mut census = census_of(&p, &slots);
        let fp = p.labour.female_participation as f32;
        for m in 0..120 {
            let th = Thresholds::new(&sched, [[3.0; 3]; 2], 1.0, 1.0);
            let team = TeamPeople { slots: &mut slots, lens: &mut lens };
            census = team.month(census, &mut flow, &sched, &th, 1 << 16, 0.49, fp, m % 12 == 0, &mut rng);
            // The census kept by deaths and births equals a fresh count (bar the oldest age,
            // an upper bound between Januaries).
            assert_eq!(Census { oldest: census.oldest, ..census_of(&p, &slots) }, census);
        }
        let after = slots.iter().filter(|&&s| s != EMPTY).count() as i64;
        // The team stays packed: its people first, then empty slots.
        assert!(slots[..after as usize].iter().all(|&s| s != EMPTY));
        assert_eq!(after - before, flow.births as i64 - flow.total_deaths() as i64);
        assert_eq!(after, census.persons as i64);
        assert_eq!(lens.iter().map(|&l| l as i64).sum::<i64>(), after);
        assert!(flow.births > 0 && flow.total_deaths() > 0);
    }

    #[test]
    fn january_ages_everyone_and_counts_as_the_schedules_do() {
        // Every age and sex, at the working-age limits of the default and of a changed scenario.
        let mut p = Params::default();
        for (wmin, wmax) in [(p.labour.working_age_min, p.labour.working_age_max), (10, 80)] {
            (p.labour.working_age_min, p.labour.working_age_max) = (wmin, wmax);
            let sched = Schedules::for_year(&p, 1953);
            let mut people: Vec<u8> = (0..=MAX_AGE).flat_map(|a| [encode(a, false), encode(a, true)]).collect();
            let older: Vec<u8> = people.iter().map(|&b| encode((age(b) + 1).min(MAX_AGE), is_female(b))).collect();
            let (tally, oldest) = age_a_year(&mut people, sched.working_ages);
            assert_eq!(people, older);
            assert_eq!(oldest, MAX_AGE);
            let fp = p.labour.female_participation as f32;
            assert_eq!(tally.census(fp, oldest), count(&sched, fp, &people));
        }
    }

    #[test]
    fn a_newborn_joins_its_mothers_family_or_the_first_with_room() {
        // Families of 12, 2 and 3 people, packed: a birth to the full first family goes to
        // the end of the second, and the third family moves up a slot.
        let mut lens = vec![12u8, 2, 3];
        let mut slots: Vec<u8> = (0..17).chain(std::iter::repeat_n(EMPTY, 19)).collect();
        assert!(place(&mut slots, &mut lens, 17, 0, 100));
        assert_eq!(lens, [12, 3, 3]);
        assert_eq!(&slots[12..19], &[12, 13, 100, 14, 15, 16, EMPTY]);
        assert!(place(&mut slots, &mut lens, 18, 2, 101));
        assert_eq!(&slots[12..20], &[12, 13, 100, 14, 15, 16, 101, EMPTY]);
        let mut full = vec![12u8; 3];
        let mut slots = vec![1u8; 36];
        assert!(!place(&mut slots, &mut full, 36, 1, 100));
    }

    #[test]
    fn thinned_draws_give_each_person_their_own_probability() {
        // Many independent months of one team: deaths by person byte and births match the
        // thresholds within four standard deviations, at a famine's hazards and in normal times.
        let p = Params::default();
        let sched = Schedules::for_year(&p, 1960);
        let (slots0, lens0) = full_team();
        let census0 = census_of(&p, &slots0);
        // Rebounds of 1, 1.5 (on the bound's grid of 1/64), 1.22 (off it) and 3.05 (beyond
        // the tabulated steps, which the thresholds make for rebounds up to 2).
        for (mult, fert, scale) in [
            ([1.0; 3], 1.0, 1u64 << 16),
            ([6.0, 3.0, 9.0], 0.4, 3 << 15),
            ([2.0, 1.5, 2.5], 0.8, 80_000),
            ([1.0; 3], 1.0, 200_000),
        ] {
            let th = Thresholds::new(&sched, [mult, mult], fert, 2.0);
            let trials = 40_000u64;
            let mut deaths = [[0u64; 2]; 3];
            let mut births = 0u64;
            for k in 0..trials {
                let (mut slots, mut lens) = (slots0.clone(), lens0.clone());
                let mut flow = TeamFlow::default();
                let mut rng = Stream::new(9, k, 0, Purpose::Demography);
                let team = TeamPeople { slots: &mut slots, lens: &mut lens };
                team.month(census0, &mut flow, &sched, &th, scale, 0.49, 0.5, false, &mut rng);
                births += flow.births as u64;
                for (g, d) in flow.deaths.iter().enumerate() {
                    deaths[g][0] += d[0] as u64;
                    deaths[g][1] += d[1] as u64;
                }
            }
            let prob = |t: u32| t as f64 / 4_294_967_296.0;
            let close = |got: u64, mean: f64, var: f64, what: &str| {
                assert!((got as f64 - mean).abs() < 4.0 * var.sqrt() + 1.0, "{what}: {got} drawn, {mean:.1} expected");
            };
            for (g, drawn) in deaths.iter().enumerate() {
                for female in [false, true] {
                    let ps: Vec<f64> = slots0
                        .iter()
                        .filter(|&&b| b != EMPTY && sched.group[b as usize] as usize == g && is_female(b) == female)
                        .map(|&b| prob(th.death[b as usize]))
                        .collect();
                    let mean = trials as f64 * ps.iter().sum::<f64>();
                    let var = trials as f64 * ps.iter().map(|p| p * (1.0 - p)).sum::<f64>();
                    close(drawn[female as usize], mean, var, &format!("deaths of group {g}, female {female}"));
                }
            }
            // A woman gives birth if she survives the month and then draws a birth.
            let pb: Vec<f64> = slots0
                .iter()
                .filter(|&&b| b != EMPTY)
                .map(|&b| (1.0 - prob(th.death[b as usize])) * prob(th.birth[b as usize]) * scale as f64 / 65536.0)
                .collect();
            let mean = trials as f64 * pb.iter().sum::<f64>();
            close(births, mean, trials as f64 * pb.iter().map(|p| p * (1.0 - p)).sum::<f64>(), "births");
            assert!(births > 1000);
        }
    }
}
