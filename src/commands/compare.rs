//! `stance compare`: every pair of groups compared on every actor, from documents (running the
//! pipeline) or from a saved `stance analyze` output, as json, csv or a table.

use std::io::{BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use super::{resolve, run_pipeline, InputArgs};
use stance::aggregate::compare::{compare, CompareMode, CompareSettings, Gathered, DEFAULT_MAX_PAIRS};
use stance::aggregate::groups::{By, Grouping};
use stance::aggregate::stats::{CompareOptions, Correction};
use stance::output::compare::{read_analysis, write_csv, write_table};

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Read the per-document profiles from the output of `stance analyze --format json` or
    /// `--format jsonl` (a file, or `-` for stdin) instead of running the model over INPUTS, so a
    /// corpus is scored once and compared many ways.
    #[arg(long, value_name = "FILE", conflicts_with = "inputs")]
    pub analysis: Option<PathBuf>,
    /// The groups to compare: `author` (default), `meta.FIELD` or `date:decade|year|quarter|month|
    /// week|day`, repeated to combine, as in `stance analyze`.
    #[arg(long, value_name = "KEY")]
    pub by: Vec<By>,
    /// Compare only these groups (labels as in the output, comma-separated, e.g.
    /// `--groups Democratic,Republican`); every pair among them is compared. Default: all groups.
    #[arg(long, value_delimiter = ',', value_name = "LABELS")]
    pub groups: Vec<String>,
    /// One group to compare, its label taken whole, commas and all (`--group "Doe, Jane"`);
    /// repeat for more. Adds to --groups. At least two groups in all.
    #[arg(long = "group", value_name = "LABEL")]
    pub group: Vec<String>,
    /// A group needs at least this many sentences about the actor to be tested; below it the
    /// comparison says "not enough evidence".
    #[arg(long, default_value_t = CompareOptions::default().min_sentences)]
    pub min_sentences: u64,
    /// A group needs at least this many documents that mention the actor (at least 2: the
    /// statistics resample documents; with fewer than 5 the bootstrap interval runs too narrow).
    #[arg(long, default_value_t = CompareOptions::default().min_documents, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..))]
    pub min_documents: usize,
    /// Bootstrap and permutation resamples per comparison, 99 to 1000000.
    #[arg(long, default_value_t = CompareOptions::default().resamples, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(99..=1_000_000))]
    pub resamples: usize,
    /// Seed of the resampling: the same seed gives the same output on any number of threads.
    #[arg(long, default_value_t = CompareOptions::default().seed)]
    pub seed: u64,
    /// Compare each group with all the other documents (the rest of the corpus) instead of every
    /// pair: which groups differ from the rest, and by how much. One test per group and actor,
    /// ranked by the size of the difference; the `b` of each comparison is "(rest)".
    #[arg(long, conflicts_with = "reference")]
    pub vs_rest: bool,
    /// Compare each group with this one (its label as in the output, e.g. a state or a decade)
    /// instead of every pair.
    #[arg(long, value_name = "GROUP")]
    pub reference: Option<String>,
    /// Correction for many comparisons: holm (family-wise error), bh (Benjamini-Hochberg false
    /// discovery rate) or none. Default: holm for pairs, bh with --vs-rest or --reference (one
    /// test per group, where the question is which of many groups stand out).
    #[arg(long)]
    pub correction: Option<Correction>,
    /// Significance level of the adjusted p-values, between 0 and 1.
    #[arg(long, default_value_t = CompareOptions::default().alpha, value_parser = parse_alpha)]
    pub alpha: f64,
    /// Refuse to run more than this many pairs of groups (each pair is compared on every actor).
    #[arg(long, default_value_t = DEFAULT_MAX_PAIRS)]
    pub max_pairs: usize,
    /// Output format. Default: table on a terminal, json otherwise.
    #[arg(long, value_enum)]
    pub format: Option<CompareFormat>,
    #[command(flatten)]
    pub input: InputArgs,
}

fn parse_alpha(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(a) if a > 0.0 && a < 1.0 => Ok(a),
        _ => Err(format!("'{s}' is not a level between 0 and 1")),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    /// One JSON document (schema in src/aggregate/compare.rs and the README).
    Json,
    /// One row per comparison.
    Csv,
    /// A readable table, largest differences first.
    Table,
}

/// Gathers the per-document profiles for `by`, from `--analysis` or by running the pipeline.
pub fn gather(analysis: Option<&PathBuf>, input: &InputArgs, by: Vec<By>) -> Result<Gathered> {
    let grouping = Grouping::new(by.clone())?;
    let Some(p) = analysis else {
        if input.inputs.is_empty() {
            bail!("give the documents to compare, or --analysis FILE (the output of `stance analyze`)");
        }
        // No evidence: a comparison reads only the per-document numbers.
        let run = resolve(input.flags(by, 0))?;
        let mut gathered = Gathered::new(grouping);
        run_pipeline(&run, &mut gathered, stance::run::analyze::Start::Fresh, input.quiet)?;
        return Ok(gathered);
    };
    let mut gathered = Gathered::new(grouping);
    if p.as_os_str() == "-" {
        read_analysis(std::io::stdin().lock(), "<stdin>", &mut gathered)?;
    } else {
        let f = std::fs::File::open(p).with_context(|| format!("{}: cannot open", p.display()))?;
        read_analysis(BufReader::new(f), &p.display().to_string(), &mut gathered)?;
    }
    Ok(gathered)
}

pub fn run(a: CompareArgs) -> Result<ExitCode> {
    let mode = match (&a.reference, a.vs_rest) {
        (Some(r), _) => CompareMode::Reference(r.clone()),
        (None, true) => CompareMode::VsRest,
        (None, false) => CompareMode::Pairs,
    };
    let statistics = CompareOptions {
        resamples: a.resamples,
        seed: a.seed,
        correction: a.correction.unwrap_or_else(|| mode.default_correction()),
        alpha: a.alpha,
        min_sentences: a.min_sentences,
        min_documents: a.min_documents,
    };
    let gathered = gather(a.analysis.as_ref(), &a.input, a.by.clone())?;
    let settings = CompareSettings {
        statistics,
        groups: a.groups.iter().chain(&a.group).cloned().collect(),
        max_pairs: a.max_pairs,
        mode,
    };
    let report = compare(&gathered, &settings)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let format =
        a.format.unwrap_or(if std::io::stdout().is_terminal() { CompareFormat::Table } else { CompareFormat::Json });
    match format {
        CompareFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        CompareFormat::Csv => write_csv(&report, &mut out)?,
        CompareFormat::Table => write_table(&report, &mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
