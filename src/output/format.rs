//! The output formats of `stance analyze` and `stance merge`, each of which builds its own sink
//! (as vector's `SinkConfig::build`): the list of formats and what each writes live here, so a new
//! format is one variant and one arm.
//!
//! Invariant: a format's sink depends only on the format and the [`SinkContext`], so `analyze`,
//! `merge` and a checkpointed run write the same bytes for the same results.

use std::io::{IsTerminal, Write};

use anyhow::Result;

use super::page::HtmlSink;
use super::parquet::{DocumentParquetSink, TidyParquetSink};
use super::partial::{PartialHeader, PartialSink};
use super::tidy::{TidyCsvSink, TidyJsonlSink};
use super::{CsvSink, JsonSink, JsonlSink, Sink, TableSink};
use crate::aggregate::groups::Grouping;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON document (schema in src/output/mod.rs and the README).
    Json,
    /// JSON Lines, `{"type": ..., "data": ...}` per line, streamed.
    Jsonl,
    /// One row per document x mentioned actor.
    Csv,
    /// A readable table.
    Table,
    /// Tidy long format for dashboards: one CSV row per group x actor (src/output/tidy.rs).
    TidyCsv,
    /// The tidy rows as JSON Lines.
    TidyJsonl,
    /// One Parquet row per document x mentioned actor, typed (src/output/parquet.rs); needs
    /// --output.
    Parquet,
    /// The tidy rows (one per group x actor) as typed Parquet, time buckets also as dates
    /// (src/output/parquet.rs); needs --output.
    TidyParquet,
    /// One self-contained HTML page (works offline): groups x actors, stance over time, two groups
    /// compared (with `stance compare`'s test on up to the 20 largest groups), and the evidence.
    Html,
    /// The mergeable state of the run (documents and exact sums, src/output/partial.rs), for `stance
    /// merge`: shards of a corpus analysed apart, on one machine or many, merge into the output of
    /// one run.
    Partial,
}

/// What a format's sink may need of the run besides the writer.
pub struct SinkContext<'a> {
    /// The output is a stream (stdout), not a file that appears only when complete: CSV formats
    /// end it with their completion line ([`super::csv_trailer`]).
    pub to_stdout: bool,
    /// The run's `--by` keys (the tidy rows split off the time key; the page compares groups).
    pub grouping: &'a Grouping,
}

impl OutputFormat {
    /// The default: a table for a person at a terminal, JSON for a program or a file.
    pub fn default_for(to_file: bool) -> OutputFormat {
        if !to_file && std::io::stdout().is_terminal() {
            OutputFormat::Table
        } else {
            OutputFormat::Json
        }
    }

    /// Whether the format is a file that cannot be streamed (Parquet ends with its footer), so
    /// that it needs `--output`.
    pub fn needs_file(self) -> bool {
        matches!(self, OutputFormat::Parquet | OutputFormat::TidyParquet)
    }

    /// The format's name as `--format` takes it.
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self).map_or_else(String::new, |v| v.get_name().to_string())
    }

    /// The sink of this format, writing to `out`. `header` gives the partial header; only
    /// `Partial` calls it (a model fingerprint reads the weights).
    pub fn build<'a>(
        self,
        out: &'a mut dyn Write,
        cx: &SinkContext<'_>,
        header: impl FnOnce() -> Result<PartialHeader>,
    ) -> Result<Box<dyn Sink + 'a>> {
        if cx.to_stdout && self.needs_file() {
            anyhow::bail!(
                "--format {} writes a file, not a stream: give --output FILE (a Parquet file ends with its footer)",
                self.name()
            );
        }
        Ok(match self {
            OutputFormat::Json => Box::new(JsonSink::new(out)),
            OutputFormat::Jsonl => Box::new(JsonlSink::new(out)),
            OutputFormat::Csv if cx.to_stdout => Box::new(CsvSink::with_trailer(out)),
            OutputFormat::Csv => Box::new(CsvSink::new(out)),
            OutputFormat::Table => Box::new(TableSink::new(out)),
            OutputFormat::TidyCsv if cx.to_stdout => Box::new(TidyCsvSink::with_trailer(out, cx.grouping)),
            OutputFormat::TidyCsv => Box::new(TidyCsvSink::new(out, cx.grouping)),
            OutputFormat::TidyJsonl => Box::new(TidyJsonlSink::new(out, cx.grouping)),
            OutputFormat::Parquet => Box::new(DocumentParquetSink::new(out)?),
            OutputFormat::TidyParquet => Box::new(TidyParquetSink::new(out, cx.grouping)?),
            OutputFormat::Html => Box::new(HtmlSink::new(out, cx.grouping.clone())),
            OutputFormat::Partial => Box::new(PartialSink::new(out, header()?)),
        })
    }
}
