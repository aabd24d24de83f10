//! Migration (step 9 of the month, after demography): with `migration.follow_record`, the cities
//! of each province hire people from its villages, or send them back, so that the province's
//! urban population follows its recorded path. The cities grew by 31 million people in 1958-1960
//! as the Leap's industry hired rural workers, and shrank by 14 million in 1961-1963 as the
//! retreat sent people back, more than that net of the cities' own births and deaths
//! (`data/urban_population.csv`). Real people move, with their ages and sexes: working-age
//! persons up to `migration.max_age`, drawn at random from the province's teams on the other
//! side. A city's residents eat from the state granary and a village's from its own store, so a
//! move shifts mouths between the two.
//!
//! The cities follow the record's growth, not its level: the target at the end of a month is the
//! province's simulated urban population at the end of the year before `first_year`, times the
//! recorded urban population then over the record at that base (interpolated linearly through
//! the year). Births and deaths in the cities are part of the record, so the moves make up the
//! difference.

use super::demography;
use crate::calendar::Month;
use crate::inputs::Inputs;
use crate::params::Params;
use crate::person::{age, EMPTY};
use crate::rng::{Purpose, Stream};
use crate::state::{Province, Teams};
use std::ops::Range;

/// The month's moves between each province's villages and cities; keeps the moved teams'
/// census and `migrants_in`/`migrants_out` current.
#[allow(clippy::too_many_arguments)]
pub fn migrate(
    params: &Params,
    inputs: &Inputs,
    month: Month,
    provinces: &mut [Province],
    teams: &mut Teams,
    slots: &mut [u8],
    family_len: &mut [u8],
    team_slots: usize,
) {
    let m = &params.migration;
    if !m.follow_record {
        return;
    }
    let (first, last) = (m.first_year as i32, m.last_year as i32);
    let year = month.year();
    let mut people =
        People { teams, slots, family_len, team_slots, team_families: params.hierarchy.team_families as usize };
    let ages = (params.labour.working_age_min as u8, m.max_age as u8);
    let mut moved = 0;
    for (pi, p) in provinces.iter_mut().enumerate() {
        let urban_now: f64 = people.teams.census[p.urban_teams.clone()].iter().map(|c| c.persons as f64).sum();
        if year == first - 1 && month.month_of_year() == 12 {
            p.urban_base_persons = urban_now;
            continue;
        }
        if year < first || year > last {
            continue;
        }
        let Some(index) = urban_index(inputs, pi, month, first) else { continue };
        let gap = (p.urban_base_persons * index - urban_now).round();
        let mut rng = Stream::new(params.run.seed as u64, pi as u64, month.0, Purpose::Migration);
        let (from, to) = if gap > 0.0 {
            (p.rural_teams.clone(), p.urban_teams.clone())
        } else {
            (p.urban_teams.clone(), p.rural_teams.clone())
        };
        moved += people.moves(from, to, gap.abs() as usize, ages, &mut rng);
    }
    // Months without a move (outside the followed years) need no sweep of the teams.
    if moved > 0 {
        demography::recount_moved(params, people.teams, people.slots, team_slots);
    }
}

/// The recorded urban population at the end of `month` over the record at the end of the year
/// before `first`, interpolated linearly within the year; `None` where the record has no figure.
fn urban_index(inputs: &Inputs, province: usize, month: Month, first: i32) -> Option<f64> {
    let year = month.year();
    let base = inputs.urban_record_of(province, first - 1)?;
    let start = inputs.urban_record_of(province, year - 1)?;
    let end = inputs.urban_record_of(province, year)?;
    let through = month.month_of_year() as f64 / 12.0;
    Some((start + (end - start) * through) / base)
}

/// The person columns that moves change.
struct People<'a> {
    teams: &'a mut Teams,
    slots: &'a mut [u8],
    family_len: &'a mut [u8],
    team_slots: usize,
    team_families: usize,
}

impl People<'_> {
    /// Move up to `count` persons aged `ages` (inclusive) from random teams of `from` to random
    /// families of random teams of `to`; the teams' flows record the moves. Returns how many
    /// moved.
    fn moves(&mut self, from: Range<usize>, to: Range<usize>, count: usize, ages: (u8, u8), rng: &mut Stream) -> usize {
        if from.is_empty() || to.is_empty() {
            return 0;
        }
        let pick = |rng: &mut Stream, n: usize| (rng.next_u64() % n as u64) as usize;
        // Draws that find nobody of the right age are retried; a province whose source side
        // has too few such people moves fewer than asked rather than looping.
        let mut tries = 40 * count + 100;
        let mut moved = 0;
        while moved < count && tries > 0 {
            tries -= 1;
            let t = from.start + pick(rng, from.len());
            let n = self.teams.census[t].persons as usize;
            if n == 0 {
                continue;
            }
            let at = pick(rng, n);
            let person = self.slots[t * self.team_slots + at];
            if !(ages.0..=ages.1).contains(&age(person)) {
                continue;
            }
            let Some(u) = (0..8).map(|_| to.start + pick(rng, to.len())).find(|&u| self.has_room(u)) else {
                continue;
            };
            self.take_out(t, at);
            let family = pick(rng, self.team_families);
            self.put_in(u, family, person);
            self.teams.flow[t].migrants_out += 1;
            self.teams.flow[u].migrants_in += 1;
            moved += 1;
        }
        moved
    }
    fn team_range(&self, t: usize) -> (Range<usize>, Range<usize>) {
        (t * self.team_slots..(t + 1) * self.team_slots, t * self.team_families..(t + 1) * self.team_families)
    }
    /// A team takes a migrant only while a quarter of its slots stay free: a team filled to its
    /// last slot would have no room for its own births in the years after, which would then go
    /// unborn.
    fn has_room(&self, t: usize) -> bool {
        4 * (self.teams.census[t].persons as usize) < 3 * self.team_slots
    }
    /// Remove the person at position `at` of team `t`; the people after it move down one slot.
    fn take_out(&mut self, t: usize, at: usize) {
        let (s, f) = self.team_range(t);
        let n = self.teams.census[t].persons as usize;
        let (slots, lens) = (&mut self.slots[s], &mut self.family_len[f]);
        let mut first = 0;
        let family = lens
            .iter()
            .position(|&l| {
                first += l as usize;
                at < first
            })
            .expect("a position below the head-count lies in a family");
        slots.copy_within(at + 1..n, at);
        slots[n - 1] = EMPTY;
        lens[family] -= 1;
        self.teams.census[t].persons -= 1;
    }
    /// Add `person` to team `t`, in `family` or the first family with room.
    fn put_in(&mut self, t: usize, family: usize, person: u8) {
        let (s, f) = self.team_range(t);
        let n = self.teams.census[t].persons as usize;
        let placed = demography::place(&mut self.slots[s], &mut self.family_len[f], n, family, person);
        debug_assert!(placed, "a team with room has a family with room");
        self.teams.census[t].persons += 1;
    }
}
