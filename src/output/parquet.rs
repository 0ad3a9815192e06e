//! Parquet output, for data frames and dashboards that want typed columns without re-typing a CSV
//! (DuckDB, pandas, polars, Superset): `--format parquet` writes one row per document × mentioned
//! actor (the rows of `--format csv`, [`DOCUMENT_COLUMNS`]), `--format tidy-parquet` one row per
//! group × actor (the rows of `--format tidy-csv`, [`TIDY_COLUMNS`]). Counts are 64-bit integers,
//! figures 64-bit floats (the interval as two of them), a missing figure is null (never a zero
//! stance); the time bucket of a `date:` key is both its label (`bucket`) and its first day as a
//! date (`bucket_start`), and a document's date is the string given plus, where it names a day,
//! a date (`day`).
//!
//! A Parquet file ends with its footer, so it cannot be streamed to stdout: the format asks for
//! `--output` ([`super::format::OutputFormat::needs_file`]) and is written, as every format there,
//! to a temporary file renamed into place when the run completes. Documents are written in row
//! groups of [`ROW_GROUP_ROWS`] rows as they come, so memory stays bounded whatever the corpus.
//!
//! Invariant: every number is the JSON's number for the same run, bit for bit (tested by reading
//! the files back: `tests/parquet_output.rs`, `python/tests/`).

use std::io::Write;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use arrow_array::builder::{Date32Builder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use super::tidy::{rows, TidyRow};
use super::{ActorInfo, Closing, DocumentReport, Sink};
use crate::aggregate::groups::{By, Granularity, Grouping};

/// Rows per Parquet row group (and per batch of document rows held before it is encoded).
pub const ROW_GROUP_ROWS: usize = 65_536;

/// The columns of `--format parquet`, in order, with their types (`true`: may be null).
pub const DOCUMENT_COLUMNS: [(&str, DataType, bool); 22] = [
    ("document", DataType::Utf8, false),
    ("record", DataType::Int64, false),
    ("author", DataType::Utf8, true),
    ("date", DataType::Utf8, true),
    ("day", DataType::Date32, true),
    ("title", DataType::Utf8, true),
    ("actor", DataType::Utf8, false),
    ("actor_name", DataType::Utf8, false),
    ("mentions", DataType::Int64, false),
    ("sentences", DataType::Int64, false),
    ("stance", DataType::Float64, false),
    ("ci95_low", DataType::Float64, false),
    ("ci95_high", DataType::Float64, false),
    ("sd", DataType::Float64, false),
    ("p_against", DataType::Float64, false),
    ("p_neutral", DataType::Float64, false),
    ("p_favor", DataType::Float64, false),
    ("label", DataType::Utf8, false),
    ("sentiment_negative", DataType::Float64, false),
    ("sentiment_neutral", DataType::Float64, false),
    ("sentiment_positive", DataType::Float64, false),
    ("document_sentences", DataType::Int64, false),
];

/// The columns of `--format tidy-parquet`: `tidy-csv`'s ([`super::tidy::TIDY_HEADER`]) with
/// `bucket_start` after `bucket`.
pub const TIDY_COLUMNS: [(&str, DataType, bool); 16] = [
    ("group", DataType::Utf8, false),
    ("bucket", DataType::Utf8, true),
    ("bucket_start", DataType::Date32, true),
    ("actor", DataType::Utf8, false),
    ("actor_name", DataType::Utf8, false),
    ("group_documents", DataType::Int64, false),
    ("documents", DataType::Int64, false),
    ("sentences", DataType::Int64, false),
    ("mentions", DataType::Int64, false),
    ("stance", DataType::Float64, true),
    ("ci95_low", DataType::Float64, true),
    ("ci95_high", DataType::Float64, true),
    ("sd", DataType::Float64, true),
    ("p_against", DataType::Float64, true),
    ("p_neutral", DataType::Float64, true),
    ("p_favor", DataType::Float64, true),
];

fn schema(columns: &[(&str, DataType, bool)]) -> SchemaRef {
    Arc::new(Schema::new(columns.iter().map(|(n, t, null)| Field::new(*n, t.clone(), *null)).collect::<Vec<_>>()))
}

/// Days since 1970-01-01 (Arrow's `Date32`) of a date.
fn date32(d: time::Date) -> i32 {
    d.to_julian_day() - time::Date::from_calendar_date(1970, time::Month::January, 1).map_or(0, |e| e.to_julian_day())
}

/// An integer column's value; counts are far below `i64::MAX`.
fn int(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// The bytes the Parquet writer has produced and the sink has not yet passed on: the writer wants
/// to own a `Send` writer, the sink writes to the run's `&mut dyn Write`, so the writer fills this
/// and the sink drains it into the output after each row group.
#[derive(Clone, Default)]
struct Spool(Arc<Mutex<Vec<u8>>>);

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("parquet spool poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A Parquet writer of `schema` whose bytes go to `out` as row groups are finished.
struct ParquetFile<'a> {
    writer: Option<ArrowWriter<Spool>>,
    spool: Spool,
    out: &'a mut dyn Write,
    schema: SchemaRef,
}

impl<'a> ParquetFile<'a> {
    fn new(out: &'a mut dyn Write, schema: SchemaRef) -> Result<Self> {
        let spool = Spool::default();
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(ROW_GROUP_ROWS)).build();
        let writer = ArrowWriter::try_new(spool.clone(), schema.clone(), Some(props))
            .context("cannot start the Parquet file")?;
        Ok(ParquetFile { writer: Some(writer), spool, out, schema })
    }

    /// Appends one batch of rows (the columns in schema order).
    fn write(&mut self, columns: Vec<ArrayRef>) -> Result<()> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns).context("Parquet rows do not fit the schema")?;
        let writer = self.writer.as_mut().context("Parquet file already closed")?;
        writer.write(&batch).context("cannot encode Parquet rows")?;
        self.drain()
    }

    /// Writes the footer and passes every byte on.
    fn close(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            w.close().context("cannot finish the Parquet file")?;
        }
        self.drain()?;
        self.out.flush()?;
        Ok(())
    }

    fn drain(&mut self) -> Result<()> {
        let bytes = std::mem::take(&mut *self.spool.0.lock().map_err(|_| anyhow::anyhow!("parquet spool poisoned"))?);
        self.out.write_all(&bytes)?;
        Ok(())
    }
}

/// The day a document's date names (`YYYY-MM-DD`, a time after it ignored), if it names one.
fn day_of(date: Option<&str>) -> Option<i32> {
    let n = Granularity::Day.bucket(date?)?;
    Some(date32(time::Date::from_julian_day(i32::try_from(n).ok()?).ok()?))
}

/// Document rows not yet written.
#[derive(Default)]
struct DocumentRows {
    document: StringBuilder,
    record: Int64Builder,
    author: StringBuilder,
    date: StringBuilder,
    day: Date32Builder,
    title: StringBuilder,
    actor: StringBuilder,
    actor_name: StringBuilder,
    mentions: Int64Builder,
    sentences: Int64Builder,
    stance: Float64Builder,
    ci95_low: Float64Builder,
    ci95_high: Float64Builder,
    sd: Float64Builder,
    p_against: Float64Builder,
    p_neutral: Float64Builder,
    p_favor: Float64Builder,
    label: StringBuilder,
    sentiment_negative: Float64Builder,
    sentiment_neutral: Float64Builder,
    sentiment_positive: Float64Builder,
    document_sentences: Int64Builder,
    len: usize,
}

impl DocumentRows {
    fn push(&mut self, d: &DocumentReport, actors: &[ActorInfo]) {
        // Lexicon order, as the other outputs list actors.
        for a in actors {
            let Some(p) = d.actors.get(&a.id) else { continue };
            self.document.append_value(&d.id);
            self.record.append_value(int(d.record));
            self.author.append_option(d.author.as_deref());
            self.date.append_option(d.date.as_deref());
            self.day.append_option(day_of(d.date.as_deref()));
            self.title.append_option(d.title.as_deref());
            self.actor.append_value(&a.id);
            self.actor_name.append_value(&a.name);
            self.mentions.append_value(int(p.mentions));
            self.sentences.append_value(int(p.sentences));
            self.stance.append_value(p.stance);
            self.ci95_low.append_value(p.ci95[0]);
            self.ci95_high.append_value(p.ci95[1]);
            self.sd.append_value(p.sd);
            self.p_against.append_value(p.distribution.against);
            self.p_neutral.append_value(p.distribution.neutral);
            self.p_favor.append_value(p.distribution.favor);
            self.label.append_value(crate::labels::LabelSet::name(p.label));
            self.sentiment_negative.append_value(p.sentiment.negative);
            self.sentiment_neutral.append_value(p.sentiment.neutral);
            self.sentiment_positive.append_value(p.sentiment.positive);
            self.document_sentences.append_value(int(d.sentences));
            self.len += 1;
        }
    }

    /// The columns, in [`DOCUMENT_COLUMNS`] order; the builders start empty again.
    fn take(&mut self) -> Vec<ArrayRef> {
        self.len = 0;
        vec![
            Arc::new(self.document.finish()),
            Arc::new(self.record.finish()),
            Arc::new(self.author.finish()),
            Arc::new(self.date.finish()),
            Arc::new(self.day.finish()),
            Arc::new(self.title.finish()),
            Arc::new(self.actor.finish()),
            Arc::new(self.actor_name.finish()),
            Arc::new(self.mentions.finish()),
            Arc::new(self.sentences.finish()),
            Arc::new(self.stance.finish()),
            Arc::new(self.ci95_low.finish()),
            Arc::new(self.ci95_high.finish()),
            Arc::new(self.sd.finish()),
            Arc::new(self.p_against.finish()),
            Arc::new(self.p_neutral.finish()),
            Arc::new(self.p_favor.finish()),
            Arc::new(self.label.finish()),
            Arc::new(self.sentiment_negative.finish()),
            Arc::new(self.sentiment_neutral.finish()),
            Arc::new(self.sentiment_positive.finish()),
            Arc::new(self.document_sentences.finish()),
        ]
    }
}

/// `--format parquet`: one row per document × mentioned actor, in input order and lexicon order.
pub struct DocumentParquetSink<'a> {
    file: ParquetFile<'a>,
    rows: DocumentRows,
    actors: Vec<ActorInfo>,
}

impl<'a> DocumentParquetSink<'a> {
    pub fn new(out: &'a mut dyn Write) -> Result<Self> {
        Ok(DocumentParquetSink {
            file: ParquetFile::new(out, schema(&DOCUMENT_COLUMNS))?,
            rows: DocumentRows::default(),
            actors: Vec::new(),
        })
    }
}

impl Sink for DocumentParquetSink<'_> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.actors = actors.to_vec();
        Ok(())
    }
    fn document(&mut self, d: &DocumentReport) -> Result<()> {
        self.rows.push(d, &self.actors);
        if self.rows.len >= ROW_GROUP_ROWS {
            self.file.write(self.rows.take())?;
        }
        Ok(())
    }
    fn finish(&mut self, _end: &Closing) -> Result<()> {
        if self.rows.len > 0 {
            self.file.write(self.rows.take())?;
        }
        self.file.close()
    }
}

/// `--format tidy-parquet`: the tidy rows ([`super::tidy`]), typed.
pub struct TidyParquetSink<'a> {
    file: ParquetFile<'a>,
    actors: Vec<ActorInfo>,
    date_position: Option<usize>,
    granularity: Option<Granularity>,
}

impl<'a> TidyParquetSink<'a> {
    pub fn new(out: &'a mut dyn Write, grouping: &Grouping) -> Result<Self> {
        let date_position = grouping.date_position();
        let granularity = date_position.and_then(|t| match grouping.by[t] {
            By::Date(g) => Some(g),
            _ => None,
        });
        Ok(TidyParquetSink {
            file: ParquetFile::new(out, schema(&TIDY_COLUMNS))?,
            actors: Vec::new(),
            date_position,
            granularity,
        })
    }

    fn columns(&self, rows: &[TidyRow]) -> Vec<ArrayRef> {
        let strings = |f: &dyn Fn(&TidyRow) -> Option<&str>| -> ArrayRef {
            let mut b = StringBuilder::new();
            rows.iter().for_each(|r| b.append_option(f(r)));
            Arc::new(b.finish())
        };
        let ints = |f: &dyn Fn(&TidyRow) -> u64| -> ArrayRef {
            let mut b = Int64Builder::new();
            rows.iter().for_each(|r| b.append_value(int(f(r))));
            Arc::new(b.finish())
        };
        let floats = |f: &dyn Fn(&TidyRow) -> Option<f64>| -> ArrayRef {
            let mut b = Float64Builder::new();
            rows.iter().for_each(|r| b.append_option(f(r)));
            Arc::new(b.finish())
        };
        let timed = self.granularity.is_some();
        let mut start = Date32Builder::new();
        for r in rows {
            start.append_option(self.granularity.and_then(|g| g.first_day(&r.bucket)).map(date32));
        }
        vec![
            strings(&|r| Some(&r.group)),
            strings(&|r| timed.then_some(r.bucket.as_str())),
            Arc::new(start.finish()),
            strings(&|r| Some(&r.actor)),
            strings(&|r| Some(&r.actor_name)),
            ints(&|r| r.group_documents),
            ints(&|r| r.documents),
            ints(&|r| r.sentences),
            ints(&|r| r.mentions),
            floats(&|r| r.stance),
            floats(&|r| r.ci95_low),
            floats(&|r| r.ci95_high),
            floats(&|r| r.sd),
            floats(&|r| r.p_against),
            floats(&|r| r.p_neutral),
            floats(&|r| r.p_favor),
        ]
    }
}

impl Sink for TidyParquetSink<'_> {
    fn begin(&mut self, actors: &[ActorInfo]) -> Result<()> {
        self.actors = actors.to_vec();
        Ok(())
    }
    fn document(&mut self, _d: &DocumentReport) -> Result<()> {
        Ok(())
    }
    fn finish(&mut self, end: &Closing) -> Result<()> {
        let all: Vec<TidyRow> = end.groups.iter().flat_map(|g| rows(g, self.date_position, &self.actors)).collect();
        for part in all.chunks(ROW_GROUP_ROWS) {
            let columns = self.columns(part);
            self.file.write(columns)?;
        }
        self.file.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_1970() {
        let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
        assert_eq!(date32(d(1970, 1, 1)), 0);
        assert_eq!(date32(d(1970, 1, 2)), 1);
        assert_eq!(date32(d(1969, 12, 31)), -1);
        assert_eq!(date32(d(2000, 3, 1)), 11_017);
        assert_eq!(day_of(Some("2000-03-01T12:00Z")), Some(11_017));
        assert_eq!(day_of(Some("2000-03")), None, "a month names no day");
        assert_eq!(day_of(None), None);
    }
}
