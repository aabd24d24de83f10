//! Model time: months counted from January of the first simulated year.

/// First calendar year of every run. The initial population is built from end-1952 data.
pub const START_YEAR: i32 = 1953;

/// Month of the summer harvest (winter wheat, barley, early rice).
pub const SUMMER_HARVEST: u32 = 6;
/// Month of the autumn harvest (rice, maize, sorghum, millet, tubers) and of cotton.
pub const AUTUMN_HARVEST: u32 = 10;

/// Month of the spring sowing of cotton (and of the autumn grain sown on cotton land instead).
pub const COTTON_SOWING: u32 = 4;

/// First month of the grain year (July to June), the year the state's grain accounts and
/// procurement plans ran by: the Grain Ministry's "grain year from 1 July 1952 to 30 June 1953",
/// quoted in Liu Shouhua, "20世纪五六十年代的节粮运动" (2020).
pub const GRAIN_YEAR_FIRST_MONTH: u32 = 7;

/// A month of the run: 0 is January 1953.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub u32);

impl Month {
    pub fn from_ym(year: i32, month: u32) -> Option<Month> {
        if year < START_YEAR || !(1..=12).contains(&month) {
            return None;
        }
        Some(Month((year - START_YEAR) as u32 * 12 + month - 1))
    }
    /// Calendar year, e.g. 1958.
    pub fn year(self) -> i32 {
        START_YEAR + (self.0 / 12) as i32
    }
    /// The grain year this month falls in, named by the calendar year of its July.
    pub fn grain_year(self) -> i32 {
        if self.month_of_year() >= GRAIN_YEAR_FIRST_MONTH {
            self.year()
        } else {
            self.year() - 1
        }
    }
    /// Months of the grain year from this one to its end, this one included: 12 in July, 1 in
    /// June.
    pub fn months_left_in_grain_year(self) -> u32 {
        12 - (self.month_of_year() + 12 - GRAIN_YEAR_FIRST_MONTH) % 12
    }
    /// Month of the year, 1 = January.
    pub fn month_of_year(self) -> u32 {
        self.0 % 12 + 1
    }
    pub fn next(self) -> Month {
        Month(self.0 + 1)
    }
    /// A grain harvest falls in this month (summer or autumn).
    pub fn is_harvest(self) -> bool {
        matches!(self.month_of_year(), SUMMER_HARVEST | AUTUMN_HARVEST)
    }
    /// The autumn harvest (and cotton's) falls in this month.
    pub fn is_autumn_harvest(self) -> bool {
        self.month_of_year() == AUTUMN_HARVEST
    }
    /// Share of a year's grain harvested this month, where `summer_share` of it comes in
    /// the summer harvest and the rest in the autumn one.
    pub fn harvest_share(self, summer_share: f64) -> f64 {
        match self.month_of_year() {
            SUMMER_HARVEST => summer_share,
            AUTUMN_HARVEST => 1.0 - summer_share,
            _ => 0.0,
        }
    }
    /// Months from `self` to the next autumn harvest (12 in October): what a store must last.
    pub fn months_to_autumn_harvest(self) -> u32 {
        self.months_until(AUTUMN_HARVEST)
    }
    /// Months from `self` to the next summer harvest (12 in June).
    pub fn months_to_summer_harvest(self) -> u32 {
        self.months_until(SUMMER_HARVEST)
    }
    /// Number of months from `self` forward to the next month whose month-of-year is `target`
    /// (1..=12); 12 when `self` already is that month.
    pub fn months_until(self, target: u32) -> u32 {
        let m = self.month_of_year();
        if target > m {
            target - m
        } else {
            target + 12 - m
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:02}", self.year(), self.month_of_year())
    }
}

/// Parse "YYYY-MM".
pub fn parse_month(s: &str) -> Option<Month> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    Month::from_ym(y.parse().ok()?, m.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trip_and_until() {
        let m = parse_month("1958-08").unwrap();
        assert_eq!(m.year(), 1958);
        assert_eq!(m.month_of_year(), 8);
        assert_eq!(m.to_string(), "1958-08");
        assert_eq!(m.months_until(10), 2);
        assert_eq!(m.months_until(8), 12);
        assert_eq!(m.months_until(6), 10);
        assert!(parse_month("1958-13").is_none());
        assert!(parse_month("1952-01").is_none());
        assert!(parse_month("58-01").is_none());
        assert!(m.months_to_autumn_harvest() == 2 && m.months_to_summer_harvest() == 10);
        assert_eq!(m.months_left_in_grain_year(), 11);
        assert_eq!([1, 6, 7, 12].map(|k| Month(k - 1).months_left_in_grain_year()), [6, 1, 12, 7]);
        let (june, october) = (parse_month("1958-06").unwrap(), parse_month("1958-10").unwrap());
        assert!(june.is_harvest() && october.is_harvest() && !m.is_harvest());
        assert!(october.is_autumn_harvest() && !june.is_autumn_harvest());
        assert_eq!((june.harvest_share(0.3), october.harvest_share(0.3), m.harvest_share(0.3)), (0.3, 0.7, 0.0));
    }
}
