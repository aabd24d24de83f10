//! `--detail`: one commune seen from the inside, month by month — each team, each brigade and
//! the commune itself: what was harvested, what was reported, procured and eaten, and who died.
//!
//! The commune is the first one that communization forms in the chosen province: its brigades
//! are advanced cooperatives before 1958, so the same units are followed from 1953 to the end.

use leapsim_core::state::World;
use std::fmt::Write;

/// Collects the detail rows of one commune.
pub struct Detail {
    brigades: std::ops::Range<usize>,
    csv: String,
}

pub const HEADER: &str = "year,month,level,unit,population,births,deaths,grain_true_kg,grain_reported_kg,grain_procured_kg,grain_eaten_kg,grain_stock_kg,kcal_per_day,eats_in_mess_hall\n";

impl Detail {
    /// Follow the first commune of `province` (an ISO code such as `CN-HA`).
    pub fn new(world: &World, province: &str) -> Result<Detail, String> {
        let p = world.provinces.iter().find(|p| p.code == province).ok_or_else(|| {
            format!(
                "--detail: unknown province `{province}`; expected one of {}",
                world.provinces.iter().map(|p| p.code.as_str()).collect::<Vec<_>>().join(", ")
            )
        })?;
        let h = &world.params().hierarchy;
        let per_commune =
            ((h.commune_families as f64 / (h.team_families * h.brigade_teams) as f64).round() as usize).max(1);
        let brigades = p.brigades.start..(p.brigades.start + per_commune).min(p.brigades.end);
        Ok(Detail { brigades, csv: HEADER.to_string() })
    }

    /// Record the month just stepped (call after `step`, before the next one).
    pub fn record(&mut self, world: &World, year: i32, month: u32) {
        let mut commune = Row::default();
        for b in self.brigades.clone() {
            let mut brigade = Row::default();
            for t in world.brigades[b].clone() {
                let row = Row::of_team(world, t);
                self.push(
                    year,
                    month,
                    "team",
                    &format!("b{}t{}", b - self.brigades.start, t - world.brigades[b].start),
                    &row,
                );
                brigade.add(&row);
            }
            self.push(year, month, "brigade", &format!("b{}", b - self.brigades.start), &brigade);
            commune.add(&brigade);
        }
        self.push(year, month, "commune", "c0", &commune);
    }

    fn push(&mut self, year: i32, month: u32, level: &str, unit: &str, r: &Row) {
        let kcal = if r.population > 0.0 { r.kcal_persons / r.population } else { 0.0 };
        writeln!(
            self.csv,
            "{year},{month},{level},{unit},{},{},{},{:.1},{:.1},{:.1},{:.1},{:.1},{:.0},{}",
            r.population, r.births, r.deaths, r.harvest, r.reported, r.procured, r.eaten, r.stock, kcal, r.mess as u8
        )
        .unwrap();
    }

    pub fn into_csv(self) -> String {
        self.csv
    }
}

#[derive(Default)]
struct Row {
    population: f64,
    births: f64,
    deaths: f64,
    harvest: f64,
    reported: f64,
    procured: f64,
    eaten: f64,
    stock: f64,
    kcal_persons: f64,
    mess: bool,
}

impl Row {
    fn of_team(world: &World, t: usize) -> Row {
        let f = &world.teams.flow[t];
        let persons = world.teams.census[t].persons as f64;
        Row {
            population: persons,
            births: f.births as f64,
            deaths: f.total_deaths() as f64,
            harvest: f.harvest_kg as f64,
            reported: f.reported_kg as f64,
            procured: f.procured_kg as f64,
            eaten: f.eaten_kg as f64,
            stock: world.teams.grain_kg[t],
            kcal_persons: f.kcal_per_day as f64 * persons,
            mess: f.eats_in_mess_hall,
        }
    }
    fn add(&mut self, o: &Row) {
        self.population += o.population;
        self.births += o.births;
        self.deaths += o.deaths;
        self.harvest += o.harvest;
        self.reported += o.reported;
        self.procured += o.procured;
        self.eaten += o.eaten;
        self.stock += o.stock;
        self.kcal_persons += o.kcal_persons;
        self.mess |= o.mess;
    }
}
