//! Summary statistics of ensembles.

/// The q-quantile (0-1) of sorted values, interpolating linearly between order statistics
/// (type 7, the default of R and NumPy). Panics on an empty slice.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "quantile of no values");
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Mean, 5% and 95% quantiles of a sample (in any order).
pub fn mean_and_90(values: &[f64]) -> (f64, f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    (v.iter().sum::<f64>() / v.len() as f64, quantile(&v, 0.05), quantile(&v, 0.95))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 1.0), 5.0);
        assert!((quantile(&v, 0.05) - 1.2).abs() < 1e-12);
        assert_eq!(mean_and_90(&[5.0, 1.0, 3.0]), (3.0, 1.2, 4.8));
        assert_eq!(quantile(&[7.0], 0.95), 7.0);
    }
}
