//! `stance merge`: partial results (`stance analyze --format partial`, src/output/partial.rs) of
//! shards of a corpus, merged into the output one run over the whole corpus gives (src/run/partial.rs).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::with_output;
use stance::output::format::{OutputFormat, SinkContext};
use stance::output::partial::PartialHeader;
use stance::run::partial::Partials;

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Partials written by `stance analyze --format partial --shard N`, in any order. `-` reads one
    /// from stdin; a pipe (`<(zcat p0.jsonl.gz)`) is read too (each is copied to a temporary file
    /// first, since a merge reads a partial more than once).
    #[arg(required = true)]
    pub partials: Vec<PathBuf>,
    /// Output format, as for `stance analyze` (`partial` merges into a bigger partial). Default:
    /// table on a terminal, json otherwise.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write the output to FILE (renamed into place only when the merge completes).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With `--format partial`: the merged partial's shard number.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub shard: u64,
    /// With `--format partial`: the merged partial's number of shards (as `analyze --shards`).
    #[arg(long, value_name = "T", value_parser = clap::builder::RangedU64ValueParser::<u64>::new().range(1..))]
    pub shards: Option<u64>,
    /// Merge shards that do not run 0, 1, ..., N-1 (a part of the shards, merged in stages).
    /// Without it a missing shard is refused, and a missing last shard too where the partials
    /// carry their number (`analyze --shards T`).
    #[arg(long)]
    pub allow_gaps: bool,
}

pub fn run(a: MergeArgs) -> Result<ExitCode> {
    if let Some(n) = a.shards {
        anyhow::ensure!(a.shard < n, "--shard {} with --shards {n}: shards run 0 to {}", a.shard, n - 1);
    }
    let partials = Partials::open(&a.partials)?;
    if !a.allow_gaps {
        partials.ensure_no_gap()?;
        if !partials.know_their_number() {
            say!(
                "stance: note: the partials do not say how many shards there are (`analyze --shards T`), \
                 so a missing last shard cannot be noticed"
            );
        }
    }
    let format = a.format.unwrap_or_else(|| OutputFormat::default_for(a.output.is_some()));
    let header = PartialHeader { shard: a.shard, shards: a.shards, actors: Vec::new(), ..partials.header().clone() };
    let grouping = partials.grouping().clone();
    let inputs: Vec<&std::path::Path> = a.partials.iter().map(PathBuf::as_path).collect();
    let (summary, across) = with_output(a.output.as_ref(), &inputs, |out| {
        let cx = SinkContext { to_stdout: a.output.is_none(), grouping: &grouping };
        let mut sink = format.build(out, &cx, || Ok(header))?;
        partials.merge(sink.as_mut())
    })?;
    say!(
        "stance: merged {} partials: documents {}, failed {}, ids in more than one shard {across}",
        a.partials.len(),
        summary.documents,
        summary.failed
    );
    Ok(if summary.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
