//! The comparison's files, `compare.csv`, `compare.png` and `compare.svg`, and its terminal
//! report.

use crate::chart;
use crate::writer::{File, JobOutput};
use leapsim_analysis::compare::{AnnualRow, CompareResult, Comparison, Stat, CHART_YEARS};
use leapsim_analysis::manifest::Manifest;
use leapsim_analysis::stats::quantile;
use leapsim_analysis::store::WorkStore;
use leapsim_engine::series::fmt_value;

/// One row of compare.csv: a scenario's annual value as the mean over its seeds and, when
/// there is more than one seed, its quantiles q05, q25, q50, q75 and q95 over them.
pub struct SummaryRow<'a> {
    pub scenario: &'a str,
    pub row: &'a AnnualRow,
    pub mean: f64,
    pub quantiles: Option<[f64; 5]>,
}

/// The rows of compare.csv: every annual value of every scenario, scenario by scenario, each in
/// the order of its annual table (what every front end shows of the comparison's tables).
pub fn summary_rows(c: &Comparison) -> Vec<SummaryRow<'_>> {
    let quantiles = c.runs() > 1;
    let mut out = Vec::new();
    for (name, rows) in c.names.iter().zip(&c.annual) {
        for row in rows {
            let mean = row.values.iter().sum::<f64>() / row.values.len() as f64;
            let quantiles = quantiles.then(|| {
                let mut v = row.values.clone();
                v.sort_by(f64::total_cmp);
                [0.05, 0.25, 0.5, 0.75, 0.95].map(|q| quantile(&v, q))
            });
            out.push(SummaryRow { scenario: name, row, mean, quantiles });
        }
    }
    out
}

/// compare.csv: `scenario,year,region,series,value` (the mean over seeds) for every annual
/// value of every scenario, plus `q05,q25,q50,q75,q95` over seeds when there is more than one.
pub fn compare_csv(c: &Comparison) -> String {
    let mut out = String::from("scenario,year,region,series,value");
    if c.runs() > 1 {
        out.push_str(",q05,q25,q50,q75,q95");
    }
    out.push('\n');
    for s in summary_rows(c) {
        let r = s.row;
        out.push_str(&format!("{},{},{},{},{}", s.scenario, r.year, r.region, r.series, fmt_value(s.mean)));
        for q in s.quantiles.iter().flatten() {
            out.push(',');
            out.push_str(&fmt_value(*q));
        }
        out.push('\n');
    }
    out
}

/// A number in a short form: millions with an M, else up to four significant digits.
fn short(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x.abs() >= 1e4 {
        format!("{:.0}", x)
    } else if x.abs() >= 100.0 {
        format!("{:.1}", x)
    } else {
        format!("{:.2}", x)
    }
}

fn cell(s: &Stat, runs: usize, signed: bool) -> String {
    let m = if signed && s.mean >= 0.0 { format!("+{}", short(s.mean)) } else { short(s.mean) };
    if runs > 1 {
        format!("{m} [{}, {}]", short(s.q05), short(s.q95))
    } else {
        m
    }
}

/// The terminal table: an outcome per row, each scenario's mean [90% interval], then each
/// later scenario's paired difference from the first.
pub fn table(c: &Comparison) -> String {
    let runs = c.runs();
    let mut header = vec!["outcome".to_string()];
    header.extend(c.names.iter().cloned());
    header.extend(c.names[1..].iter().map(|n| format!("{n} - {}", c.names[0])));
    let mut rows = vec![header];
    for (o, outcome) in c.outcomes.iter().enumerate() {
        let mut row = vec![outcome.name()];
        row.extend((0..c.names.len()).map(|s| cell(&c.stat(o, s), runs, false)));
        row.extend((1..c.names.len()).map(|s| cell(&c.difference(o, s), runs, true)));
        rows.push(row);
    }
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(j, x)| if j == 0 { format!("{x:<w$}", w = widths[j]) } else { format!("{x:>w$}", w = widths[j]) })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The comparison's report: what ran, then [`table`].
pub fn console(r: &CompareResult) -> String {
    let c = &r.comparison;
    let mut report = format!(
        "{} scenarios, {} seed(s) each ({}..{}, the same for every scenario), scale {}.\n",
        c.names.len(),
        c.runs(),
        c.seeds[0],
        c.seeds[c.runs() - 1],
        r.scale
    );
    if r.items.reused > 0 {
        report += &format!("{} run(s) run now and {} reused.\n", r.items.total - r.items.reused, r.items.reused);
    }
    if c.runs() > 1 {
        report += "Mean [5%, 95%] over seeds; differences are paired seed by seed.\n";
    }
    report += &crate::console::intervals_line(&r.manifest.job, "run k of every scenario draws the same particle");
    report + &format!("\n{}", table(c))
}

/// The chart's title and note.
fn chart_text(r: &CompareResult) -> (String, String) {
    let c = &r.comparison;
    let title = format!("{} (scale {}, {} seed(s))", c.names.join(" vs "), r.scale, c.runs());
    let note = if c.runs() > 1 {
        "Lines: mean over seeds; bands: 5-95% of seeds.\nNational series, ".to_string()
    } else {
        "One seed.\nNational series, ".to_string()
    } + &format!("{}-{}.", CHART_YEARS.0, CHART_YEARS.1);
    (title, note)
}

impl JobOutput for CompareResult {
    fn files(&self) -> Result<Vec<File>, String> {
        let (title, note) = chart_text(self);
        let panels = self.comparison.panels();
        let svg = chart::panels_svg(&title, &panels, &note)?;
        let png = chart::panels_png(&title, &panels, &note)?;
        Ok(vec![
            ("compare.csv".into(), compare_csv(&self.comparison).into_bytes()),
            ("compare.png".into(), png),
            ("compare.svg".into(), svg.into_bytes()),
        ])
    }
    fn manifest(&self) -> &Manifest {
        &self.manifest
    }
    fn work(&self) -> Option<&WorkStore> {
        Some(&self.work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leapsim_analysis::compare::AnnualRow;

    #[test]
    fn the_csv_has_quantiles_with_more_than_one_seed() {
        let row = |values: Vec<f64>| AnnualRow { year: 1953, region: "CN".into(), series: "deaths", values };
        let mut c = Comparison {
            names: vec!["a".into(), "b".into()],
            seeds: vec![1, 2],
            outcomes: vec![],
            values: vec![],
            annual: vec![vec![row(vec![1.0, 3.0])], vec![row(vec![2.0, 2.0])]],
        };
        let csv = compare_csv(&c);
        assert!(csv.starts_with("scenario,year,region,series,value,q05,q25,q50,q75,q95\na,1953,CN,deaths,2,"), "{csv}");
        assert_eq!(csv.lines().count(), 3);
        c.seeds = vec![1];
        c.annual = vec![vec![row(vec![1.0])], vec![row(vec![2.0])]];
        assert_eq!(compare_csv(&c), "scenario,year,region,series,value\na,1953,CN,deaths,1\nb,1953,CN,deaths,2\n");
    }
}
