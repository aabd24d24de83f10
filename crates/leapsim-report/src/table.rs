//! Results tables of multi-run commands (one row per run or per design point and seed), written
//! as CSV and as Parquet with the same columns.

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use leapsim_engine::series::fmt_value;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::sync::Arc;

/// One column's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    Int(Vec<i64>),
    /// Model results: written to CSV as the run files write numbers (`series::fmt_value`).
    Float(Vec<f64>),
    /// Inputs such as parameter values: written to CSV in full (shortest text that reads back
    /// to the same number), so a row can be rerun exactly.
    Exact(Vec<f64>),
    Text(Vec<String>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Int(v) => v.len(),
            Column::Float(v) | Column::Exact(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }

    fn csv(&self, row: usize) -> String {
        match self {
            Column::Int(v) => v[row].to_string(),
            Column::Float(v) => fmt_value(v[row]),
            Column::Exact(v) if v[row].is_nan() => "NaN".into(),
            Column::Exact(v) => format!("{}", v[row]),
            Column::Text(v) if v[row].contains([',', '"', '\n']) => format!("\"{}\"", v[row].replace('"', "\"\"")),
            Column::Text(v) => v[row].clone(),
        }
    }
}

/// A table: named columns of equal length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<(String, Column)>,
}

impl Table {
    pub fn push(&mut self, name: impl Into<String>, column: Column) {
        if let Some((_, first)) = self.columns.first() {
            assert_eq!(first.len(), column.len(), "columns of a table have equal length");
        }
        self.columns.push((name.into(), column));
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map(|c| c.1.len()).unwrap_or(0)
    }

    /// CSV text with a header row.
    pub fn to_csv(&self) -> String {
        let mut s = self.columns.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(",");
        s.push('\n');
        for row in 0..self.rows() {
            s.push_str(&self.columns.iter().map(|c| c.1.csv(row)).collect::<Vec<_>>().join(","));
            s.push('\n');
        }
        s
    }

    /// A Parquet file (Snappy-compressed): integers as Int64, numbers as Float64, text as
    /// UTF-8, all non-nullable (a missing number is NaN, as in the CSV).
    pub fn to_parquet(&self) -> Result<Vec<u8>, String> {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|(name, c)| {
                let t = match c {
                    Column::Int(_) => DataType::Int64,
                    Column::Float(_) | Column::Exact(_) => DataType::Float64,
                    Column::Text(_) => DataType::Utf8,
                };
                Field::new(name, t, false)
            })
            .collect();
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter()
            .map(|(_, c)| -> ArrayRef {
                match c {
                    Column::Int(v) => Arc::new(Int64Array::from(v.clone())),
                    Column::Float(v) | Column::Exact(v) => Arc::new(Float64Array::from(v.clone())),
                    Column::Text(v) => Arc::new(StringArray::from(v.clone())),
                }
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
        let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let mut buf = Vec::new();
        let mut w = ArrowWriter::try_new(&mut buf, schema, Some(props)).map_err(|e| e.to_string())?;
        w.write(&batch).map_err(|e| e.to_string())?;
        w.close().map_err(|e| e.to_string())?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    #[test]
    fn csv_and_parquet_hold_the_same_table() {
        let mut t = Table::default();
        t.push("point", Column::Int(vec![0, 1]));
        t.push("procurement.rate", Column::Exact(vec![0.123456789, 0.3]));
        t.push("excess_deaths:1959-1961", Column::Float(vec![12345678.91, f64::NAN]));
        t.push("label", Column::Text(vec!["a,b".into(), "c".into()]));
        assert_eq!(
            t.to_csv(),
            "point,procurement.rate,excess_deaths:1959-1961,label\n0,0.123456789,12345678.9,\"a,b\"\n1,0.3,NaN,c\n"
        );
        let bytes = t.to_parquet().unwrap();
        let path = std::env::temp_dir().join(format!("leapsim-table-test-{}.parquet", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let r = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(r.metadata().file_metadata().num_rows(), 2);
        let schema = r.metadata().file_metadata().schema_descr();
        let names: Vec<&str> = schema.columns().iter().map(|c| c.name()).collect();
        assert_eq!(names, ["point", "procurement.rate", "excess_deaths:1959-1961", "label"]);
        let rows: Vec<String> = r.get_row_iter(None).unwrap().map(|row| row.unwrap().to_string()).collect();
        assert!(rows[0].contains("0.123456789"), "{rows:?}");
        std::fs::remove_file(&path).unwrap();
    }
}
