//! Outcomes: single numbers computed from a run's annual table, named in a small grammar that
//! every multi-run command shares (`--outcome`, design files, calibration targets).
//!
//! `SERIES:YEARS[:AGG][@REGION]`, where YEARS is `1958` or `1959-1961`, AGG is `sum` (the
//! default), `mean`, `max`, `min` or `argmax` (the year of the maximum), and REGION is `CN` (the
//! default) or a province code. Examples: `excess_deaths:1959-1961`, `cdr_permille:1958-1962:max`,
//! `grain_reported_mt:1958`, `excess_deaths:1959-1961@CN-AH`.

use leapsim_engine::series::{Tables, SERIES};

/// How the years of an outcome are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    Sum,
    Mean,
    Max,
    Min,
    ArgMax,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub series: &'static str,
    pub first_year: i32,
    pub last_year: i32,
    pub agg: Agg,
    pub region: String,
}

/// The outcomes reported when a command is given none.
pub const HEADLINE: &[&str] = &[
    "excess_deaths:1959-1961",
    "cdr_permille:1958-1962:max",
    "cbr_permille:1958-1962:min",
    "grain_true_mt:1958",
    "grain_reported_mt:1958",
    "grain_procured_mt:1959",
    "population:1961",
];

impl Outcome {
    /// Parse an outcome; the error says what was expected.
    pub fn parse(text: &str) -> Result<Outcome, String> {
        let bad = |why: &str| {
            format!("outcome `{text}`: {why}; expected SERIES:YEARS[:AGG][@REGION], e.g. excess_deaths:1959-1961")
        };
        let (body, region) = match text.split_once('@') {
            Some((b, r)) if !r.is_empty() => (b, r.to_string()),
            Some(_) => return Err(bad("empty region")),
            None => (text, "CN".to_string()),
        };
        let mut parts = body.split(':');
        let name = parts.next().unwrap_or("");
        let series = *SERIES
            .iter()
            .find(|s| **s == name)
            .ok_or_else(|| bad(&format!("unknown series `{name}` (see annual.csv for the names)")))?;
        let years = parts.next().ok_or_else(|| bad("no years"))?;
        let year = |y: &str| y.trim().parse::<i32>().map_err(|_| bad(&format!("bad year `{y}`")));
        let (first_year, last_year) = match years.split_once('-') {
            Some((a, b)) => (year(a)?, year(b)?),
            None => (year(years)?, year(years)?),
        };
        if last_year < first_year {
            return Err(bad("the years run backwards"));
        }
        let agg = match parts.next() {
            None | Some("sum") => Agg::Sum,
            Some("mean") => Agg::Mean,
            Some("max") => Agg::Max,
            Some("min") => Agg::Min,
            Some("argmax") => Agg::ArgMax,
            Some(a) => return Err(bad(&format!("unknown aggregate `{a}` (sum, mean, max, min, argmax)"))),
        };
        if parts.next().is_some() {
            return Err(bad("too many `:` parts"));
        }
        Ok(Outcome { series, first_year, last_year, agg, region })
    }

    /// Parse a list, e.g. from a repeatable `--outcome` option; empty means [`HEADLINE`].
    pub fn parse_all(texts: &[String]) -> Result<Vec<Outcome>, String> {
        if texts.is_empty() {
            return Ok(HEADLINE.iter().map(|t| Outcome::parse(t).expect("headline outcomes parse")).collect());
        }
        texts.iter().map(|t| Outcome::parse(t)).collect()
    }

    /// The same outcome in another region.
    pub fn in_region(&self, region: &str) -> Outcome {
        Outcome { region: region.to_string(), ..self.clone() }
    }

    /// The canonical text of the outcome (parses back to itself).
    pub fn name(&self) -> String {
        let years = if self.first_year == self.last_year {
            self.first_year.to_string()
        } else {
            format!("{}-{}", self.first_year, self.last_year)
        };
        let agg = match self.agg {
            Agg::Sum => "",
            Agg::Mean => ":mean",
            Agg::Max => ":max",
            Agg::Min => ":min",
            Agg::ArgMax => ":argmax",
        };
        let region = if self.region == "CN" { String::new() } else { format!("@{}", self.region) };
        format!("{}:{years}{agg}{region}", self.series)
    }

    /// Check, before running, that a run of `scenario` will have the outcome: its years within
    /// the run and its region `CN` or a province of the embedded data.
    pub fn check(&self, scenario: &leapsim_engine::scenario::Scenario) -> Result<(), String> {
        let end = scenario.params.run.end_year as i32;
        let start = leapsim_core::calendar::START_YEAR;
        if self.first_year < start || self.last_year > end {
            return Err(format!(
                "outcome `{}`: years {}-{} are outside the run of `{}` ({start}-{end}; see run.end_year)",
                self.name(),
                self.first_year,
                self.last_year,
                scenario.name
            ));
        }
        if self.region != "CN" {
            let provinces = leapsim_engine::data::provinces()?;
            if !provinces.iter().any(|p| p.code == self.region) {
                return Err(format!(
                    "outcome `{}`: unknown region `{}`; expected CN or a province code ({})",
                    self.name(),
                    self.region,
                    provinces.iter().map(|p| p.code.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The outcome's value in a run, or an error naming what the run does not have (a year
    /// outside the run, an unknown region).
    pub fn eval(&self, t: &Tables) -> Result<f64, String> {
        let values = (self.first_year..=self.last_year)
            .map(|y| {
                t.annual(y, &self.region, self.series).map(|v| (y, v)).ok_or_else(|| {
                    format!("outcome `{}`: the run has no {} for {} in {}", self.name(), self.series, self.region, y)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let n = values.len() as f64;
        let best = |better: fn(f64, f64) -> bool| {
            values.iter().copied().fold(values[0], |b, x| if better(x.1, b.1) { x } else { b })
        };
        Ok(match self.agg {
            Agg::Sum => values.iter().map(|v| v.1).sum(),
            Agg::Mean => values.iter().map(|v| v.1).sum::<f64>() / n,
            Agg::Max => best(|a, b| a > b).1,
            Agg::Min => best(|a, b| a < b).1,
            Agg::ArgMax => best(|a, b| a > b).0 as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_parse_print_and_reject_bad_text() {
        let o = Outcome::parse("cdr_permille:1958-1962:max@CN-AH").unwrap();
        assert_eq!((o.series, o.first_year, o.last_year, o.agg), ("cdr_permille", 1958, 1962, Agg::Max));
        assert_eq!(o.region, "CN-AH");
        assert_eq!(Outcome::parse(&o.name()).unwrap(), o);
        assert_eq!(Outcome::parse("excess_deaths:1959-1961").unwrap().name(), "excess_deaths:1959-1961");
        assert!(Outcome::parse("excess:1959").unwrap_err().contains("unknown series `excess`"));
        assert!(Outcome::parse("excess_deaths").unwrap_err().contains("no years"));
        assert!(Outcome::parse("excess_deaths:1961-1959").unwrap_err().contains("backwards"));
        assert!(Outcome::parse("excess_deaths:1959:median").unwrap_err().contains("unknown aggregate"));
        assert_eq!(Outcome::parse_all(&[]).unwrap().len(), HEADLINE.len());
    }

    #[test]
    fn outcomes_aggregate_a_run() {
        let s = leapsim_engine::scenario::load("historical").unwrap();
        let mut s = s;
        s.apply_override("run.scale=0.0005").unwrap();
        s.apply_override("run.end_year=1955").unwrap();
        let r = leapsim_engine::run::run(&s, &mut |_, _| {}, &Default::default()).unwrap();
        let t = &r.tables;
        let v = |y| t.annual(y, "CN", "deaths").unwrap();
        let o = |x: &str| Outcome::parse(x).unwrap().eval(t).unwrap();
        assert_eq!(o("deaths:1953-1955"), v(1953) + v(1954) + v(1955));
        assert_eq!(o("deaths:1953-1955:mean"), (v(1953) + v(1954) + v(1955)) / 3.0);
        assert_eq!(o("deaths:1953-1955:max"), v(1953).max(v(1954)).max(v(1955)));
        let argmax = o("deaths:1953-1955:argmax") as i32;
        assert_eq!(v(argmax), o("deaths:1953-1955:max"));
        assert!(Outcome::parse("deaths:1953-1956").unwrap().eval(t).unwrap_err().contains("in 1956"));
        assert!(Outcome::parse("deaths:1953@XX").unwrap().eval(t).is_err());
        assert!(Outcome::parse("deaths:1953@XX").unwrap().check(&s).unwrap_err().contains("CN-AH"));
        assert!(Outcome::parse("deaths:1953-1956").unwrap().check(&s).unwrap_err().contains("1953-1955"));
        assert!(Outcome::parse("deaths:1953-1955@CN-AH").unwrap().check(&s).is_ok());
    }
}
