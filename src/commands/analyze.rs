//! `stance analyze`: documents in, per-actor profiles per document, group and corpus out, in the
//! format asked for (the JSON contract is documented in src/output/mod.rs), on stdout or into a
//! file that appears only when the run completes.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::{resolve, run_pipeline, with_output, InputArgs};
use stance::aggregate::groups::By;
use stance::output::format::OutputFormat;
use stance::output::partial::{PartialHeader, PartialSink};
use stance::output::Sink;
use stance::run::analyze::Start;
use stance::run::Run;

#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// Output format. Default: table on a terminal, json otherwise.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write the output to FILE instead of stdout. It is written to a temporary file beside FILE
    /// and renamed to FILE only when the run completes, so FILE is never half-written.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Group profiles by: `author` (the default), `meta.FIELD` (a field of the record, such as
    /// meta.party) or a time bucket `date:decade|year|quarter|month|week|day` (from `date`).
    /// Repeat to combine (`--by meta.party --by date:decade`). With a time bucket, empty buckets
    /// are listed as empty. Documents lacking a key are counted in `grouping`, not dropped.
    #[arg(long, value_name = "KEY")]
    pub by: Vec<By>,
    /// Evidence sentences kept per actor and side (against / favor), 0 to 1000.
    #[arg(long, default_value_t = 3, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1000))]
    pub evidence: usize,
    /// Save the run's state in DIR every --checkpoint-every documents. Killed and started again
    /// with the same command, the run goes on from the last save: nothing is lost or counted
    /// twice, and the output is the bytes of an uninterrupted run. Needs --output (stdout cannot be
    /// taken back) and named input files (stdin cannot be read twice).
    #[arg(long, value_name = "DIR", requires = "output")]
    pub checkpoint: Option<PathBuf>,
    /// Documents between checkpoints (rounded up to whole chunks).
    #[arg(long, default_value_t = stance::run::checkpoint::DEFAULT_CHECKPOINT_EVERY, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub checkpoint_every: usize,
    /// With `--format partial`: this input's place among the shards of a larger input (0, 1, 2,
    /// ...), which `stance merge` orders them by.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub shard: u64,
    /// With `--format partial`: how many shards the whole input is cut into. It is written into the
    /// partial, so that `stance merge` refuses a set of partials that lacks the last shard (without
    /// it, only gaps before the last partial given can be noticed).
    #[arg(long, value_name = "T", value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..))]
    pub shards: Option<u64>,
    #[command(flatten)]
    pub input: InputArgs,
}

pub fn run(a: AnalyzeArgs) -> Result<ExitCode> {
    if let Some(n) = a.shards {
        anyhow::ensure!(a.shard < n, "--shard {} with --shards {n}: shards run 0 to {}", a.shard, n - 1);
    }
    let run = resolve(a.input.flags(a.by.clone(), a.evidence))?;
    let format = a.format.unwrap_or_else(|| OutputFormat::default_for(a.output.is_some()));
    let inputs: Vec<&std::path::Path> = a.input.inputs.iter().map(std::path::Path::new).collect();
    if let Some(path) = &a.output {
        // Before a checkpointed run spends hours, not after.
        super::refuse_output_onto_input(path, &inputs)?;
    }
    let summary = match &a.checkpoint {
        Some(dir) => {
            let (partial, header, locked) = run_with_checkpoint(&a, &run, dir)?;
            let header = PartialHeader { shard: a.shard, shards: a.shards, ..header };
            let (summary, _) = with_output(a.output.as_ref(), &inputs, |out| {
                let mut sink = run.sink(format, out, false, || Ok(header))?;
                stance::run::partial::merge(std::slice::from_ref(&partial), sink.as_mut())
            })?;
            drop(locked);
            summary
        }
        None => with_output(a.output.as_ref(), &inputs, |out| {
            let mut sink = run.sink(format, out, a.output.is_none(), || run.partial_header(a.shard, a.shards))?;
            run_pipeline(&run, sink.as_mut(), Start::Fresh, a.input.quiet)
        })?,
    };
    Ok(if summary.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Runs (or goes on with) the pipeline into the checkpoint's partial; returns its path and header,
/// and the checkpoint, whose lock on the folder is to be held until the output is written.
fn run_with_checkpoint(
    a: &AnalyzeArgs,
    run: &Run,
    dir: &std::path::Path,
) -> Result<(PathBuf, PartialHeader, stance::run::checkpoint::Checkpoint)> {
    use stance::run::checkpoint::Checkpoint;
    if run.inputs.iter().any(|x| x == "-") {
        anyhow::bail!("--checkpoint cannot resume a run that reads stdin: name the input files");
    }
    let header = run.partial_header(a.shard, a.shards)?;
    let command = run.command_fingerprint(&header);
    let chunk = run.options.chunk_docs;
    let every = a.checkpoint_every.div_ceil(chunk) * chunk;
    let files = stance::input::input_files(&run.inputs);
    let inputs = || stance::run::checkpoint::InputIdentity::of_all(&files);
    let (mut checkpoint, state) = Checkpoint::open(dir, command, inputs, every)?;
    let path = checkpoint.partial_path();
    if state.as_ref().is_some_and(|s| s.complete) {
        return Ok((path, header, checkpoint));
    }
    let file = checkpoint.partial_file(state.as_ref())?;
    let hash = match &state {
        Some(s) => stance::output::partial::LineHash::of_file_prefix(&path, s.bytes)
            .with_context(|| format!("{}: cannot read", path.display()))?,
        None => Default::default(),
    };
    let resumed = match state {
        Some(s) => {
            let snapshot = s.totals.ok_or_else(|| anyhow::anyhow!("{}: a checkpoint without totals", dir.display()))?;
            if !a.input.quiet {
                say!("stance: resuming from {} after {} records", dir.display(), s.records);
            }
            let ids = checkpoint.document_ids()?;
            Some(Box::new(stance::aggregate::totals::Totals::restore(
                snapshot,
                run.grouping().clone(),
                run.options.evidence,
                ids.into_iter(),
            )?))
        }
        None => None,
    };
    let mut partial = PartialSink::continuing(std::io::BufWriter::new(file), header.clone(), hash);
    let summary = {
        let mut after = |t: &stance::aggregate::totals::Totals, s: &mut dyn Sink| checkpoint.after_chunk(t, s);
        let from = Start::Resume { totals: resumed, after_chunk: &mut after };
        run_pipeline(run, &mut partial, from, a.input.quiet)
            .with_context(|| format!("{}: the run writing into this checkpoint stopped", dir.display()))?
    };
    checkpoint.complete(summary.records, &mut partial)?;
    Ok((path, header, checkpoint))
}
