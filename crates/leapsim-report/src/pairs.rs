//! The posterior sample as pictures, PNG and SVG: a grid with each parameter's weighted
//! histogram on the diagonal and every pair's particles below it (each dot's shade its
//! weight), every axis spanning the parameter's bounds, so a reader sees at once which
//! parameters the targets pin down and which they leave to the prior.

use crate::chart::{colour, png, register_font, FAMILY};
use plotters::coord::Shift;
use plotters::prelude::*;

/// What a pair plot shows: each parameter's name and bounds, and the weighted particles.
pub struct Sample<'a> {
    pub names: Vec<String>,
    pub bounds: Vec<(f64, f64)>,
    /// `values[particle][parameter]`.
    pub values: &'a [Vec<f64>],
    pub weights: &'a [f64],
}

const BINS: usize = 20;
const CELL: u32 = 220;

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The weighted histogram of parameter `i` over `BINS` equal bins of its bounds.
fn histogram(s: &Sample, i: usize) -> Vec<f64> {
    let (lo, hi) = s.bounds[i];
    let mut h = vec![0.0; BINS];
    for (v, w) in s.values.iter().zip(s.weights) {
        let b = (((v[i] - lo) / (hi - lo)) * BINS as f64).floor().clamp(0.0, (BINS - 1) as f64) as usize;
        h[b] += w;
    }
    h
}

fn draw_cell<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, s: &Sample, row: usize, col: usize) -> DrawResult<DB> {
    let label = (FAMILY, 11);
    let (xlo, xhi) = s.bounds[col];
    if row == col {
        let h = histogram(s, col);
        let top = h.iter().cloned().fold(0.0, f64::max).max(1e-12) * 1.08;
        let mut chart = ChartBuilder::on(area)
            .caption(&s.names[col], (FAMILY, 13))
            .margin(4)
            .x_label_area_size(22)
            .y_label_area_size(8)
            .build_cartesian_2d(xlo..xhi, 0.0..top)?;
        chart.configure_mesh().x_labels(3).y_labels(0).label_style(label).light_line_style(WHITE.mix(0.0)).draw()?;
        let width = (xhi - xlo) / BINS as f64;
        chart.draw_series(h.iter().enumerate().map(|(b, &v)| {
            let x0 = xlo + b as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, v)], colour(0).mix(0.7).filled())
        }))?;
        return Ok(());
    }
    let (ylo, yhi) = s.bounds[row];
    let mut chart = ChartBuilder::on(area)
        .margin(4)
        .x_label_area_size(22)
        .y_label_area_size(36)
        .build_cartesian_2d(xlo..xhi, ylo..yhi)?;
    chart.configure_mesh().x_labels(3).y_labels(3).label_style(label).light_line_style(WHITE.mix(0.0)).draw()?;
    let most = s.weights.iter().cloned().fold(0.0, f64::max).max(1e-12);
    chart.draw_series(
        s.values
            .iter()
            .zip(s.weights)
            .map(|(v, w)| Circle::new((v[col], v[row]), 2, colour(0).mix(0.15 + 0.85 * w / most).filled())),
    )?;
    Ok(())
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, title: &str, s: &Sample) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let root = root.titled(title, (FAMILY, 18))?;
    let k = s.names.len();
    let cells = root.split_evenly((k, k));
    for row in 0..k {
        for col in 0..=row {
            draw_cell(&cells[row * k + col], s, row, col)?;
        }
    }
    root.present()
}

/// Cells of `CELL` pixels, and room for the title even with few parameters.
fn size(k: usize) -> (u32, u32) {
    ((CELL * k as u32).max(760), 40 + CELL * k as u32)
}

/// The pair plot as SVG.
pub fn pairs_svg(title: &str, s: &Sample) -> Result<String, String> {
    register_font();
    let (w, h) = size(s.names.len());
    let mut svg = String::new();
    draw(SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area(), title, s)
        .map_err(|e| format!("drawing the posterior: {e}"))?;
    Ok(svg)
}

/// [`pairs_svg`] as a PNG image.
pub fn pairs_png(title: &str, s: &Sample) -> Result<Vec<u8>, String> {
    register_font();
    let (w, h) = size(s.names.len());
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    draw(BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area(), title, s)
        .map_err(|e| format!("drawing the posterior: {e}"))?;
    png(&rgb, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_hold_the_weights_and_the_pictures_are_drawn() {
        let values = vec![vec![0.1, 5.0], vec![0.15, 6.0], vec![0.9, 10.0]];
        let weights = [0.5, 0.3, 0.2];
        let s = Sample {
            names: vec!["a.x".into(), "b.y".into()],
            bounds: vec![(0.0, 1.0), (5.0, 10.0)],
            values: &values,
            weights: &weights,
        };
        let h = histogram(&s, 0);
        assert!((h.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!((h[2], h[3], h[18]), (0.5, 0.3, 0.2));
        // The bounds fall in the first and last bins.
        let h = histogram(&s, 1);
        assert_eq!((h[0], h[19]), (0.5, 0.2));
        let svg = pairs_svg("posterior", &s).unwrap();
        assert!(svg.contains("a.x") && svg.contains("b.y") && svg.contains("<circle"), "{}", &svg[..200]);
        let png = pairs_png("posterior", &s).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
