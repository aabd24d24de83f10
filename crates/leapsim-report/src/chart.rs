//! Charts of multi-run results, as PNG and SVG: panels of series over time (one line per
//! scenario, with a shaded band for the ensemble interval) and ranked horizontal bars with
//! interval whiskers. Text is set in DejaVu Sans, embedded in the binary, so no system font is
//! needed and the same data always give the same files.

use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/DejaVuSans-LICENSE.txt`).
const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
pub(crate) const FAMILY: &str = "sans-serif";

/// Line colours (the Tableau 10 palette), in scenario order.
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of the `i`-th line.
pub fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_err() {
            panic!("the embedded font is not a valid TrueType font");
        }
    });
}

pub use leapsim_analysis::figure::{Bar, Line, Panel};

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn range_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { 0.06 * (hi - lo) } else { 0.5 * hi.abs().max(1.0) };
    (lo - pad, hi + pad)
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> DrawResult<DB> {
    let years = p.lines.iter().flat_map(|l| l.years.iter().copied());
    let (first, last) = years.fold((i32::MAX, i32::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let (first, last) = if first > last { (0, 1) } else { (first, last.max(first + 1)) };
    let values = p.lines.iter().flat_map(|l| {
        let band = l.band.iter().flat_map(|(lo, hi)| lo.iter().chain(hi.iter()));
        l.mean.iter().chain(band).copied().collect::<Vec<_>>()
    });
    let (lo, hi) = range_of(values);
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, (FAMILY, 20))
        .margin(8)
        .margin_right(24)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(first as f64..last as f64, lo..hi)?;
    chart
        .configure_mesh()
        .x_labels((last - first + 1).min(12) as usize)
        .x_label_formatter(&|x| format!("{:.0}", x))
        .y_desc(p.y_label.as_str())
        .x_desc("year")
        .label_style((FAMILY, 12))
        .axis_desc_style((FAMILY, 13))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (i, l) in p.lines.iter().enumerate() {
        let c = colour(i);
        if let Some((blo, bhi)) = &l.band {
            let mut pts: Vec<(f64, f64)> = l.years.iter().zip(bhi).map(|(y, v)| (*y as f64, *v)).collect();
            pts.extend(l.years.iter().zip(blo).rev().map(|(y, v)| (*y as f64, *v)));
            chart.draw_series(std::iter::once(Polygon::new(pts, c.mix(0.2).filled())))?;
        }
    }
    for (i, l) in p.lines.iter().enumerate() {
        let pts = l.years.iter().zip(&l.mean).map(|(y, v)| (*y as f64, *v));
        chart.draw_series(LineSeries::new(pts, colour(i).stroke_width(2)))?;
    }
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, labels: &[String], note: &str) -> DrawResult<DB> {
    let style = TextStyle::from((FAMILY, 16).into_font()).color(&BLACK);
    for (i, l) in labels.iter().enumerate() {
        let y = 40 + 30 * i as i32;
        area.draw(&PathElement::new(vec![(30, y), (80, y)], colour(i).stroke_width(3)))?;
        area.draw(&Text::new(l.clone(), (92, y - 9), style.clone()))?;
    }
    let grey = BLACK.mix(0.7);
    let small = TextStyle::from((FAMILY, 13).into_font()).color(&grey);
    let y = 50 + 30 * labels.len() as i32;
    for (k, line) in note.lines().enumerate() {
        area.draw(&Text::new(line.to_string(), (30, y + 18 * k as i32), small.clone()))?;
    }
    Ok(())
}

fn draw_panels<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    panels: &[Panel],
    note: &str,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let root = root.titled(title, (FAMILY, 24))?;
    let cells = panels.len() + 1;
    let cols = if cells <= 2 { cells } else { 2 };
    let rows = cells.div_ceil(cols);
    let areas = root.split_evenly((rows, cols));
    for (p, a) in panels.iter().zip(&areas) {
        draw_panel(a, p)?;
    }
    let labels: Vec<String> =
        panels.first().map(|p| p.lines.iter().map(|l| l.label.clone()).collect()).unwrap_or_default();
    draw_legend(&areas[panels.len()], &labels, note)?;
    root.present()
}

/// Panels of series over time, with a legend (and `note` below it) in the last cell.
pub fn panels_svg(title: &str, panels: &[Panel], note: &str) -> Result<String, String> {
    register_font();
    let (w, h) = size(panels.len());
    let mut svg = String::new();
    draw_panels(SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area(), title, panels, note)
        .map_err(|e| format!("drawing the chart: {e}"))?;
    Ok(svg)
}

/// [`panels_svg`] as a PNG image.
pub fn panels_png(title: &str, panels: &[Panel], note: &str) -> Result<Vec<u8>, String> {
    register_font();
    let (w, h) = size(panels.len());
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    draw_panels(BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area(), title, panels, note)
        .map_err(|e| format!("drawing the chart: {e}"))?;
    png(&rgb, w, h)
}

fn size(panels: usize) -> (u32, u32) {
    let rows = (panels + 1).div_ceil(2) as u32;
    (1200, 60 + 330 * rows)
}

pub(crate) fn png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| format!("encoding the PNG: {e}"))?;
    Ok(out)
}

fn draw_bars<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    bars: &[Bar],
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let n = bars.len() as i32;
    let (lo, hi) = range_of(bars.iter().flat_map(|b| [b.value, b.low, b.high, 0.0]));
    let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    // Bar k (largest first) sits in segment n - 1 - k, so the ranking reads from the top.
    let label_of = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) if (0..n).contains(i) => {
            labels[(n - 1 - i) as usize].clone()
        }
        _ => String::new(),
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FAMILY, 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(150)
        // A discrete range a..b has b - a + 1 values: one segment per bar.
        .build_cartesian_2d(lo..hi, (0..n - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(bars.len().max(1))
        .y_label_formatter(&label_of)
        .x_desc(x_label)
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 14))
        .draw()?;
    let c = colour(0);
    chart.draw_series(bars.iter().enumerate().map(|(k, b)| {
        let i = n - 1 - k as i32;
        let mut r = Rectangle::new([(0.0, SegmentValue::Exact(i)), (b.value, SegmentValue::Exact(i + 1))], c.filled());
        r.set_margin(8, 8, 0, 0);
        r
    }))?;
    let whisker = BLACK.stroke_width(2);
    for (k, b) in bars.iter().enumerate() {
        let y = SegmentValue::CenterOf(n - 1 - k as i32);
        chart.draw_series(std::iter::once(PathElement::new(vec![(b.low, y.clone()), (b.high, y.clone())], whisker)))?;
        for x in [b.low, b.high] {
            let cap = EmptyElement::at((x, y.clone())) + PathElement::new(vec![(0, -7), (0, 7)], whisker);
            chart.draw_series(std::iter::once(cap))?;
        }
    }
    root.present()
}

/// Ranked horizontal bars (largest first, at the top) with 90% interval whiskers, as SVG.
pub fn bars_svg(title: &str, x_label: &str, bars: &[Bar]) -> Result<String, String> {
    register_font();
    let (w, h) = bars_size(bars.len());
    let mut svg = String::new();
    draw_bars(SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area(), title, x_label, bars)
        .map_err(|e| format!("drawing the chart: {e}"))?;
    Ok(svg)
}

/// [`bars_svg`] as a PNG image.
pub fn bars_png(title: &str, x_label: &str, bars: &[Bar]) -> Result<Vec<u8>, String> {
    register_font();
    let (w, h) = bars_size(bars.len());
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    draw_bars(BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area(), title, x_label, bars)
        .map_err(|e| format!("drawing the chart: {e}"))?;
    png(&rgb, w, h)
}

fn bars_size(n: usize) -> (u32, u32) {
    (1000, 140 + 48 * n.max(1) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(lines: usize, band: bool) -> Panel {
        Panel {
            title: "Crude death rate".into(),
            y_label: "per 1000".into(),
            lines: (0..lines)
                .map(|i| Line {
                    label: format!("scenario {i}"),
                    years: (1955..=1966).collect(),
                    mean: (0..12).map(|k| 10.0 + (k * (i + 1)) as f64).collect(),
                    band: band.then(|| {
                        ((0..12).map(|k| 9.0 + k as f64).collect(), (0..12).map(|k| 12.0 + k as f64).collect())
                    }),
                })
                .collect(),
        }
    }

    #[test]
    fn panels_draw_one_line_per_scenario_as_png_and_svg() {
        let panels = vec![panel(3, true), panel(3, true)];
        let svg = panels_svg("t", &panels, "note").unwrap();
        assert!(svg.starts_with("<svg"));
        // Two panels of three lines (drawn 2 px wide; legend lines are 3 px, axes 1 px), one
        // band per line and panel.
        assert_eq!(svg.matches(r#"stroke-width="2" points"#).count(), 2 * 3, "{svg}");
        assert_eq!(svg.matches(r#"stroke-width="3" points"#).count(), 3, "{svg}");
        assert_eq!(svg.matches("<polygon").count(), 2 * 3);
        assert!(svg.contains("scenario 2"));
        let png = panels_png("t", &panels, "note").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // Deterministic.
        assert_eq!(panels_svg("t", &panels, "note").unwrap(), svg);
    }

    #[test]
    fn bars_draw_labels_and_whiskers() {
        let bars = vec![
            Bar { label: "reporting".into(), value: 10.0, low: 9.0, high: 11.0 },
            Bar { label: "weather".into(), value: -0.5, low: -1.0, high: 0.2 },
        ];
        let svg = bars_svg("t", "million deaths", &bars).unwrap();
        assert!(svg.contains("reporting") && svg.contains("weather"));
        assert_eq!(&bars_png("t", "x", &bars).unwrap()[..4], b"\x89PNG");
    }
}
