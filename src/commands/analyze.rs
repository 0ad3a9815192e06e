//! `stance analyze`: documents in, per-actor profiles per document, group and corpus out, in the
//! format asked for (the JSON contract is documented in src/report/mod.rs).

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;

use super::{run_pipeline, InputArgs};
use stance::analyze::AnalyzeOptions;
use stance::groups::{By, Grouping};
use stance::report::tidy::{TidyCsvSink, TidyJsonlSink};
use stance::report::{CsvSink, JsonSink, JsonlSink, Sink, TableSink};

#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// Output format. Default: table on a terminal, json otherwise.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Group profiles by: `author` (the default), `meta.FIELD` (a field of the record, such as
    /// meta.party) or a time bucket `date:decade|year|quarter|month|week|day` (from `date`).
    /// Repeat to combine (`--by meta.party --by date:decade`). With a time bucket, empty buckets
    /// are listed as empty. Documents lacking a key are counted in `grouping`, not dropped.
    #[arg(long, value_name = "KEY")]
    pub by: Vec<By>,
    /// Evidence sentences kept per actor and side (against / favor), 0 to 1000.
    #[arg(long, default_value_t = 3, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1000))]
    pub evidence: usize,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// One JSON document (schema in src/report/mod.rs and the README).
    Json,
    /// JSON Lines, `{"type": ..., "data": ...}` per line, streamed.
    Jsonl,
    /// One row per document x mentioned actor.
    Csv,
    /// A readable table.
    Table,
    /// Tidy long format for dashboards: one CSV row per group x actor (src/report/tidy.rs).
    TidyCsv,
    /// The tidy rows as JSON Lines.
    TidyJsonl,
    /// One self-contained HTML page (works offline): groups x actors, stance over time, two groups
    /// compared (with `stance compare`'s test on up to the 20 largest groups), and the evidence.
    Html,
}

pub fn run(a: AnalyzeArgs) -> Result<ExitCode> {
    let grouping = Grouping::new(a.by.clone())?;
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let format =
        a.format.unwrap_or(if std::io::stdout().is_terminal() { OutputFormat::Table } else { OutputFormat::Json });
    let mut sink: Box<dyn Sink> = match format {
        OutputFormat::Json => Box::new(JsonSink::new(stdout)),
        OutputFormat::Jsonl => Box::new(JsonlSink::new(stdout)),
        OutputFormat::Csv => Box::new(CsvSink::new(stdout)),
        OutputFormat::Table => Box::new(TableSink::new(stdout)),
        OutputFormat::TidyCsv => Box::new(TidyCsvSink::new(stdout)),
        OutputFormat::TidyJsonl => Box::new(TidyJsonlSink::new(stdout)),
        OutputFormat::Html => Box::new(super::page::HtmlSink::new(stdout, grouping.clone())),
    };
    let opts = AnalyzeOptions { chunk_docs: a.input.chunk, evidence: a.evidence, strict: a.input.strict, grouping };
    let summary = run_pipeline(&a.input, opts, sink.as_mut())?;
    Ok(if summary.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
