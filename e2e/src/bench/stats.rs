//! The pure half of `cargo xtask bench`: a metric's samples, their median and spread, the
//! table printed and the JSON written. No browser here, so it is unit-tested plainly.
use serde_json::{json, Value};

/// The median, the smallest and the largest of a metric's samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub runs: usize,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// None for no samples (or a NaN among them: a measurement that went wrong must not look
/// like a number). An even count takes the mean of the two middle samples.
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    if samples.is_empty() || samples.iter().any(|s| s.is_nan()) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Some(Summary {
        runs: n,
        median,
        min: sorted[0],
        max: sorted[n - 1],
    })
}

/// One row of the table: what was measured, in what unit, and one sample per run.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// A stable key for the JSON (`first_load_transfer_bytes`, …).
    pub id: &'static str,
    /// The row's words in the table.
    pub name: String,
    /// `B` (printed as whole bytes) or `ms` (printed with one decimal).
    pub unit: &'static str,
    pub samples: Vec<f64>,
}

impl Metric {
    pub fn new(id: &'static str, name: impl Into<String>, unit: &'static str) -> Metric {
        Metric {
            id,
            name: name.into(),
            unit,
            samples: Vec::new(),
        }
    }
}

/// A value as the table shows it: bytes whole, milliseconds to a tenth.
pub fn format_value(value: f64, unit: &str) -> String {
    if unit == "B" {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// The one table `cargo xtask bench` prints, as Markdown (so README can take it as is):
/// rows are the metrics; columns runs, median, min, max, unit.
pub fn table(metrics: &[Metric]) -> String {
    let header = ["metric", "runs", "median", "min", "max", "unit"];
    let rows: Vec<[String; 6]> = metrics
        .iter()
        .map(|m| match summarize(&m.samples) {
            Some(s) => [
                m.name.clone(),
                s.runs.to_string(),
                format_value(s.median, m.unit),
                format_value(s.min, m.unit),
                format_value(s.max, m.unit),
                m.unit.to_string(),
            ],
            None => [
                m.name.clone(),
                "0".into(),
                "–".into(),
                "–".into(),
                "–".into(),
                m.unit.to_string(),
            ],
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [String; 6]| {
        let mut text = String::from("|");
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            // The metric's name and the unit read left to right; the numbers line up right.
            if i == 0 || i == 5 {
                text.push_str(&format!(" {cell}{} |", " ".repeat(pad)));
            } else {
                text.push_str(&format!(" {}{cell} |", " ".repeat(pad)));
            }
        }
        text.push('\n');
        text
    };
    let mut out = line(header.map(String::from));
    let rule = widths.map(|w| "-".repeat(w));
    out.push_str(&line([
        rule[0].clone(),
        format!("{}:", &rule[1][1..]),
        format!("{}:", &rule[2][1..]),
        format!("{}:", &rule[3][1..]),
        format!("{}:", &rule[4][1..]),
        rule[5].clone(),
    ]));
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// What `cargo xtask bench` writes: `meta` (date, machine, conditions), every metric with its
/// summary and raw samples, and `runs` (what each run saw, for a second look).
pub fn report_json(meta: Value, metrics: &[Metric], runs: Vec<Value>) -> Value {
    let metrics: Vec<Value> = metrics
        .iter()
        .map(|m| {
            let summary = summarize(&m.samples);
            json!({
                "id": m.id,
                "name": m.name,
                "unit": m.unit,
                "runs": m.samples.len(),
                "median": summary.map(|s| s.median),
                "min": summary.map(|s| s.min),
                "max": summary.map(|s| s.max),
                "samples": m.samples,
            })
        })
        .collect();
    json!({ "schema": 1, "meta": meta, "metrics": metrics, "runs": runs })
}

/// `2026-12-02 01:41 UTC` for a Unix time (the simulator's civil calendar, `rfc3339`).
pub fn utc_date(unix_secs: u64) -> String {
    let full = ilert_sim::rfc3339(unix_secs * 1000);
    format!("{} {} UTC", &full[..10], &full[11..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_an_odd_count_is_the_middle_sample_whatever_the_order() {
        let s = summarize(&[9.0, 1.0, 5.0, 3.0, 7.0, 2.0, 100.0]).unwrap();
        assert_eq!(
            s,
            Summary {
                runs: 7,
                median: 5.0,
                min: 1.0,
                max: 100.0
            }
        );
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_two_middle_samples() {
        let s = summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert_eq!((s.min, s.max, s.runs), (1.0, 4.0, 4));
        assert_eq!(summarize(&[42.0]).unwrap().median, 42.0);
    }

    #[test]
    fn no_samples_or_a_nan_has_no_summary() {
        assert_eq!(summarize(&[]), None);
        assert_eq!(summarize(&[1.0, f64::NAN, 2.0]), None);
    }

    #[test]
    fn unix_times_read_as_utc_dates() {
        assert_eq!(utc_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_date(1_709_164_799), "2024-02-28 23:59 UTC");
        assert_eq!(utc_date(1_796_175_683), "2026-12-02 01:41 UTC");
        assert_eq!(utc_date(4_102_444_800), "2100-01-01 00:00 UTC");
    }

    #[test]
    fn bytes_print_whole_and_milliseconds_to_a_tenth() {
        assert_eq!(format_value(243_512.0, "B"), "243512");
        assert_eq!(format_value(312.44, "ms"), "312.4");
        assert_eq!(format_value(0.05, "ms"), "0.1");
    }

    fn sample_metrics() -> Vec<Metric> {
        let mut bytes = Metric::new("bytes", "first load", "B");
        bytes.samples = vec![100.0, 102.0, 101.0];
        let mut time = Metric::new("time", "Connect visible, loopback", "ms");
        time.samples = vec![12.25, 10.0, 30.0];
        vec![bytes, time, Metric::new("none", "nothing", "ms")]
    }

    #[test]
    fn the_table_is_markdown_with_one_row_per_metric_and_aligned_columns() {
        let text = table(&sample_metrics());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "| metric                    | runs | median |  min |  max | unit |",
                "| ------------------------- | ---: | -----: | ---: | ---: | ---- |",
                "| first load                |    3 |    101 |  100 |  102 | B    |",
                "| Connect visible, loopback |    3 |   12.2 | 10.0 | 30.0 | ms   |",
                "| nothing                   |    0 |      – |    – |    – | ms   |",
            ]
        );
    }

    #[test]
    fn the_json_holds_each_summary_and_its_samples_beside_meta_and_runs() {
        let value = report_json(
            json!({"runs": 3}),
            &sample_metrics(),
            vec![json!({"run": 1})],
        );
        assert_eq!(value["schema"], 1);
        assert_eq!(value["meta"]["runs"], 3);
        assert_eq!(value["runs"][0]["run"], 1);
        let metrics = value["metrics"].as_array().unwrap();
        assert_eq!(metrics.len(), 3);
        assert_eq!(
            metrics[0],
            json!({
                "id": "bytes", "name": "first load", "unit": "B", "runs": 3,
                "median": 101.0, "min": 100.0, "max": 102.0, "samples": [100.0, 102.0, 101.0],
            })
        );
        assert_eq!(metrics[1]["median"], 12.25);
        assert_eq!(metrics[2]["median"], Value::Null);
        assert_eq!(metrics[2]["runs"], 0);
    }
}
