//! The `stance` command line: a thin layer over the library. The commands live in
//! src/commands/, one file each; this file parses the flags, dispatches, and turns errors into
//! one line on stderr and an exit code (0 ok, 1 some records failed, 2 fatal, 141 closed pipe).

/// `eprintln!` that does not panic when stderr is closed (`stance ... 2>&1 | true`): a message
/// nobody can read is dropped, and the run ends as it would have.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use commands::analyze::AnalyzeArgs;
use commands::compare::CompareArgs;
use commands::eval::SplitArg;
use commands::report::ReportArgs;
use commands::ModelArgs;
use stance::output::escape_controls;

/// Target-aware stance and sentiment toward geopolitical actors.
#[derive(Parser)]
#[command(name = "stance", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse documents into per-actor stance profiles (the main job)
    ///
    /// Splits sentences, finds actor mentions, scores each mentioning sentence once, and reports
    /// per-actor stance profiles per document, per group (--by: author, a meta field, a time
    /// bucket) and for the corpus, with the evidence sentences. With no INPUT, analyses the bundled
    /// seed essay. Exit code 0 when every record was read, 1 when some failed (each is reported and
    /// counted), 2 on a fatal error.
    Analyze(AnalyzeArgs),
    /// Compare groups' stance on each actor, with intervals and tests that resample documents
    ///
    /// Groups documents by --by and compares every pair of groups on every actor: the difference
    /// in mean stance with a 95% cluster-bootstrap interval, a document-level permutation p-value
    /// corrected for the number of comparisons, and Cohen's d. Reads documents (running the model)
    /// or the saved output of `stance analyze` (--analysis). Deterministic for a given --seed.
    Compare(CompareArgs),
    /// Write the dashboard page (one self-contained HTML file) from a saved analysis
    Report(ReportArgs),
    /// Merge partial results of shards (`analyze --format partial --shard N`) into one output
    ///
    /// Gives the output that one run over the shards' inputs in shard order gives, byte for byte
    /// (with the same chunk boundaries). Refuses partials of another model, actors file, --by or
    /// --evidence, and reports document ids found in more than one shard.
    Merge(commands::merge::MergeArgs),
    /// Score sentences with given target spans (JSONL in, JSONL out)
    ///
    /// Input lines: `{"id","text","targets":[{"start","end"}]}` with Unicode character offsets, end
    /// exclusive. One output line per input line, in order. Bad lines are reported on stderr with
    /// their line number and get an `error` object in place; the exit code is 1 if any line failed.
    Score {
        /// Input JSONL file, or `-` for stdin.
        #[arg(default_value = "-")]
        input: String,
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        workers: commands::WorkerArgs,
        /// Do not draw a progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Evaluate the model on labelled files (JSON figures)
    ///
    /// `.jsonl` in NewsMTSC format gives target stance accuracy, macro F1, per-class figures and
    /// ECE; the actor-stance corpus (`data/actor-stance/corpus.jsonl`) gives the same figures on the
    /// split chosen by --split, overall, per actor group (Russia, China, Iran, the West, other
    /// states), per source and for sentences with two or more actors, with confusion matrices; a
    /// behavioural suite (`tests/behaviour/suite.jsonl`: minimal pairs, one capability each) gives
    /// accuracy per capability and the share of pairs right in both sentences; `.tsv` in SST-2
    /// format gives binary sentiment accuracy; a TweetEval prefix such as
    /// `DATA/tweeteval-sentiment/val` gives three-way sentiment figures.
    Eval {
        /// Files to evaluate.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Split of the actor-stance corpus to evaluate: test (the held-out figures), validation or
        /// train. For a NewsMTSC file, `validation` evaluates the part that `stance train` holds
        /// out of it (the default split seed), and other values the whole file. SST-2 and TweetEval
        /// files are evaluated whole.
        #[arg(long, value_enum, default_value = "test")]
        split: SplitArg,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Train the stance model from the base encoder (see models/stance-minilm/MODEL_CARD.md)
    ///
    /// Resumes from --work if a run is there, then calibrates the best checkpoint on the
    /// validation split and writes it (fp16) to --out.
    Train(stance::train::TrainCommand),
}

/// The status of a run stopped by a closed output pipe: 128 + SIGPIPE, what a shell reports for a
/// program killed by the signal, so `set -o pipefail` scripts see what they expect.
const BROKEN_PIPE_STATUS: u8 = 141;

fn main() -> ExitCode {
    stance::model::bound_kernel_caches();
    let cli = Cli::parse();
    // Training keeps MKL's default kernels (its speed was measured with them); inference pins them.
    if !matches!(cli.command, Command::Train(_)) {
        stance::model::pin_matrix_reproducibility();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::from(BROKEN_PIPE_STATUS),
        Err(e) => {
            // Our own messages may span lines (a TOML error's excerpt); each line is escaped.
            let message = format!("{e:#}");
            let lines: Vec<String> = message.split('\n').map(|l| escape_controls(l).into_owned()).collect();
            say!("stance: {}", lines.join("\n"));
            ExitCode::from(2)
        }
    }
}

/// Whether the error is a write to a closed pipe (`stance ... | head`): the reader has all it
/// wanted, so this is a quiet stop, not a failure to report.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>().and_then(|j| j.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(
                |c| matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe),
            )
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Analyze(a) => commands::analyze::run(a),
        Command::Compare(a) => commands::compare::run(a),
        Command::Report(a) => commands::report::run(a),
        Command::Merge(a) => commands::merge::run(a),
        Command::Score { input, model, workers, quiet } => commands::score::run(input, model, workers, quiet),
        Command::Eval { files, split, model } => commands::eval::run(files, split, model),
        Command::Train(a) => {
            stance::train::run_command(&a, &mut |line: &str| say!("stance train: {line}"))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
