//! What a chart shows, as plain data: the jobs build these, `leapsim-report` draws them.

/// One line of a panel: a scenario's mean by year and, for ensembles, its 5-95% band.
#[derive(Clone, Debug)]
pub struct Line {
    pub label: String,
    pub years: Vec<i32>,
    pub mean: Vec<f64>,
    /// (low, high) per year.
    pub band: Option<(Vec<f64>, Vec<f64>)>,
}

/// A panel: one series over time, one line per scenario.
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub y_label: String,
    pub lines: Vec<Line>,
}

/// A bar: a value with its interval.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}
