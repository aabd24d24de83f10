//! One byte per person: age in bits 0-6, sex in bit 7, 0xFF for an empty slot.
//!
//! A team owns `FAMILY_SLOTS` slots per family, and its people are packed at the front of them,
//! family after family, so a team's people are one contiguous run of bytes and a person's
//! position in the team is its slot.

/// Most people a family holds. Families are larger than this only very rarely; a birth into a
/// full family goes to another family of the same team with room (as households divided).
pub const FAMILY_SLOTS: usize = 12;
pub const EMPTY: u8 = 0xFF;
pub const FEMALE: u8 = 0x80;
/// Oldest age kept; nobody survives past it.
pub const MAX_AGE: u8 = 110;
pub const AGES: usize = MAX_AGE as usize + 1;

#[inline(always)]
pub fn encode(age: u8, female: bool) -> u8 {
    age.min(MAX_AGE) | if female { FEMALE } else { 0 }
}
#[inline(always)]
pub fn age(p: u8) -> u8 {
    p & 0x7F
}
#[inline(always)]
pub fn is_female(p: u8) -> bool {
    p & FEMALE != 0
}

/// Move the people of `slots` to its front, in their order, and empty the rest; returns how
/// many there are.
pub fn close_ranks(slots: &mut [u8]) -> usize {
    let mut kept = 0;
    for i in 0..slots.len() {
        // Written whether kept or not (kept is at most i), so the loop has no branch on who
        // died, which no predictor can learn.
        let p = slots[i];
        slots[kept] = p;
        kept += (p != EMPTY) as usize;
    }
    slots[kept..].fill(EMPTY);
    kept
}

/// The three age groups whose deaths the output reports and whose hunger response differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgeGroup {
    Child = 0,
    Adult = 1,
    Old = 2,
}

#[inline(always)]
pub fn age_group(age: u8) -> AgeGroup {
    if age < 10 {
        AgeGroup::Child
    } else if age < 60 {
        AgeGroup::Adult
    } else {
        AgeGroup::Old
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn encoding() {
        for a in 0..=MAX_AGE {
            for f in [false, true] {
                let p = encode(a, f);
                assert_ne!(p, EMPTY);
                assert_eq!(age(p), a);
                assert_eq!(is_female(p), f);
            }
        }
        assert_eq!(age(encode(200, false)), MAX_AGE);
    }

    #[test]
    fn closing_ranks_keeps_the_living_in_order() {
        let mut slots = [1, EMPTY, 2, EMPTY, EMPTY, 3, EMPTY];
        assert_eq!(close_ranks(&mut slots), 3);
        assert_eq!(slots, [1, 2, 3, EMPTY, EMPTY, EMPTY, EMPTY]);
        let mut none = [EMPTY; 4];
        assert_eq!(close_ranks(&mut none), 0);
        assert_eq!(none, [EMPTY; 4]);
        let mut all = [5, 6, 7];
        assert_eq!(close_ranks(&mut all), 3);
        assert_eq!(all, [5, 6, 7]);
    }
}
