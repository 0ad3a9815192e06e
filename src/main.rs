//! The `stance` command line: a thin layer over the library. Data goes to stdout, progress and
//! errors to stderr; errors print their whole chain on one line.

use std::io::{BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tch::Device;

use stance::model::{resolve_model_dir, StanceModel};
use stance::report::escape_controls;
use stance::score::BatchPolicy;

/// Target-aware stance and sentiment toward geopolitical actors.
#[derive(Parser)]
#[command(name = "stance", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by the commands that run the model.
#[derive(clap::Args)]
struct ModelArgs {
    /// Model folder (config.json, model.safetensors, tokenizer.json). Default: $STANCE_MODEL, else
    /// the shipped models/stance-minilm.
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// Sentences per encoder call (batches are length-sorted, so padding stays small; 16 was the
    /// fastest on a 2-core CPU, see BENCHMARKS.md). At least 1.
    #[arg(long, default_value_t = 16, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65_536))]
    batch_size: usize,
    /// Upper bound on padded tokens per encoder call: bounds memory whatever the input, since a
    /// long sentence's windows and a sentence's many targets are scored in groups under it (one
    /// 128-token window always fits). At least 1.
    #[arg(long, default_value_t = 2048, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_048_576))]
    batch_tokens: usize,
    /// Number format of inference: fp32 (what the model was trained in), bf16 (about 1.3x faster
    /// on CPUs with AVX-512 BF16, labels equal to fp32's on 99.8% of targets, macro F1 within
    /// 0.001; see BENCHMARKS.md), or auto: bf16 where the CPU has bf16 units, else fp32. Default:
    /// auto for analyze and score, fp32 for eval (the model card's figures). Output is
    /// deterministic for a given precision; pass fp32 to compare runs across machines.
    #[arg(long, value_enum)]
    precision: Option<stance::model::Precision>,
    /// libtorch intra-op threads, 1 to 1024 (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..=1024))]
    threads: Option<i32>,
}

impl ModelArgs {
    fn load(&self) -> Result<StanceModel> {
        if let Some(t) = self.threads {
            tch::set_num_threads(t);
        }
        let dir = resolve_model_dir(self.model.as_deref());
        StanceModel::load_for_inference(&dir, Device::Cpu, self.precision())
    }
    /// The precision asked for, else `auto`.
    fn precision(&self) -> stance::model::Precision {
        self.precision.unwrap_or(stance::model::Precision::Auto)
    }
    fn policy(&self) -> BatchPolicy {
        BatchPolicy { max_sentences: self.batch_size, max_tokens: self.batch_tokens, ..BatchPolicy::default() }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Analyse documents into per-actor stance profiles (the main job)
    ///
    /// Splits sentences, finds actor mentions, scores each mentioning sentence once, and reports
    /// per-actor stance profiles per document, per author and for the corpus, with the evidence
    /// sentences. With no INPUT, analyses the bundled seed essay. Exit code 0 when every record was
    /// read, 1 when some failed (each is reported and counted), 2 on a fatal error.
    Analyze(AnalyzeArgs),
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
        /// Do not draw a progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Evaluate the model on labelled files (JSON figures)
    ///
    /// `.jsonl` in NewsMTSC format gives target stance accuracy, macro F1, per-class figures and
    /// ECE; the actor-stance corpus (`data/actor-stance/corpus.jsonl`) gives the same figures on the
    /// split chosen by --split, overall and per actor group (Russia, China, Iran, the West, other
    /// states) with confusion matrices; `.tsv` in SST-2 format gives binary sentiment accuracy; a
    /// TweetEval prefix such as `DATA/tweeteval-sentiment/val` gives three-way sentiment figures.
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

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// Files or folders (walked recursively; .txt/.md one document each, .jsonl one record per
    /// line, .csv with a header), or `-` for stdin. Default: the bundled seed essay.
    inputs: Vec<String>,
    /// Output format. Default: table on a terminal, json otherwise.
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    /// Actors file (TOML) that extends the default actors or, with `mode = "replace"`, replaces
    /// them; see src/actors/default.toml for the format.
    #[arg(long, value_name = "FILE")]
    actors: Option<PathBuf>,
    /// Author for documents that name none (plain files, records without `author`).
    #[arg(long)]
    author: Option<String>,
    /// Stop at the first bad record or file instead of reporting and counting it.
    #[arg(long)]
    strict: bool,
    /// Evidence sentences kept per actor and side (against / favor), 0 to 1000.
    #[arg(long, default_value_t = 3, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1000))]
    evidence: usize,
    /// Documents per processing chunk (bounds memory), 1 to 100000. Keep it fixed to compare runs
    /// byte for byte: it decides which sentences share a model batch, which can move a 4th decimal.
    #[arg(long, default_value_t = 256, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    chunk: usize,
    /// Format of stdin; default: JSONL if it starts with `{`, else one text document.
    #[arg(long, value_enum)]
    stdin_format: Option<stance::corpus::Format>,
    /// CSV column holding the text.
    #[arg(long, default_value = "text")]
    csv_text: String,
    /// CSV column holding the document id (default: FILE:LINE).
    #[arg(long, default_value = "id")]
    csv_id: String,
    /// CSV column holding the author.
    #[arg(long, default_value = "author")]
    csv_author: String,
    /// CSV column holding the date (ISO 8601).
    #[arg(long, default_value = "date")]
    csv_date: String,
    /// CSV column holding the title.
    #[arg(long, default_value = "title")]
    csv_title: String,
    /// Model workers: each holds its own copy of the model (about 100 MiB) and scores batches side
    /// by side with one libtorch thread (unless --threads says otherwise). Output is the same for
    /// any number of workers; see BENCHMARKS.md for which is faster. More workers than cores only
    /// cost memory, so they are cut to the number of cores, with a warning.
    #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    workers: usize,
    /// No progress bar and no summary line on stderr (input errors are still printed).
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    model: ModelArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutputFormat {
    /// One JSON document (schema in src/report.rs and the README).
    Json,
    /// JSON Lines, `{"type": ..., "data": ...}` per line, streamed.
    Jsonl,
    /// One row per document x mentioned actor.
    Csv,
    /// A readable table.
    Table,
}

/// A split of the actor-stance corpus, as a flag value.
#[derive(Clone, Copy, clap::ValueEnum)]
enum SplitArg {
    Train,
    Validation,
    Test,
}

impl From<SplitArg> for stance::datasets::actor_corpus::Split {
    fn from(s: SplitArg) -> Self {
        use stance::datasets::actor_corpus::Split;
        match s {
            SplitArg::Train => Split::Train,
            SplitArg::Validation => Split::Validation,
            SplitArg::Test => Split::Test,
        }
    }
}

/// The seed essay the project was created from, analysed when `stance analyze` gets no input.
const SEED_NAME: &str = "seeds/000_204bb2dc5e8ef806.txt";
const SEED_TEXT: &str = include_str!("../seeds/000_204bb2dc5e8ef806.txt");

/// A spinner style whose `{rate}` shows a whole number per second.
fn rate_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("valid progress template").with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", state.per_sec());
        },
    )
}

/// The status of a run stopped by a closed output pipe: 128 + SIGPIPE, what a shell reports for a
/// program killed by the signal, so `set -o pipefail` scripts see what they expect.
const BROKEN_PIPE_STATUS: u8 = 141;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::from(BROKEN_PIPE_STATUS),
        Err(e) => {
            // Our own messages may span lines (a TOML error's excerpt); each line is escaped.
            let message = format!("{e:#}");
            let lines: Vec<String> = message.split('\n').map(|l| escape_controls(l).into_owned()).collect();
            eprintln!("stance: {}", lines.join("\n"));
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

fn analyze(a: AnalyzeArgs) -> Result<ExitCode> {
    use stance::analyze::{AnalyzeOptions, Input};
    use stance::corpus::{CorpusOptions, CsvColumns};
    use stance::report::{CsvSink, JsonSink, JsonlSink, Sink, TableSink};
    use stance::score::ModelScorer;

    let lexicon = match &a.actors {
        Some(p) => {
            let lexicon = stance::actors::Lexicon::with_file(p)?;
            for w in lexicon.shared_aliases() {
                eprintln!("stance: warning: {}: {}", p.display(), escape_controls(&w));
            }
            lexicon
        }
        None => stance::actors::Lexicon::default_actors(),
    };
    let copts = CorpusOptions {
        author: a.author.clone(),
        csv: CsvColumns { id: a.csv_id, author: a.csv_author, date: a.csv_date, title: a.csv_title, text: a.csv_text },
        stdin_format: a.stdin_format,
    };
    let (records, walk) = if a.inputs.is_empty() {
        let r = stance::corpus::read_stream(
            Box::new(SEED_TEXT.as_bytes()),
            SEED_NAME.to_string(),
            Some(stance::corpus::Format::Text),
            &copts,
        );
        (r, Default::default())
    } else {
        stance::corpus::read_corpus(&a.inputs, &copts)
    };
    let model = a.model.load()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = if a.workers > cores {
        eprintln!("stance: warning: --workers {} is more than the {cores} cores here; using {cores} (each worker holds a copy of the model)", a.workers);
        cores
    } else {
        a.workers
    };
    if workers > 1 && a.model.threads.is_none() {
        tch::set_num_threads((cores / workers).max(1) as i32);
    }
    let extra_workers = (1..workers).map(|_| a.model.load().map(std::sync::Mutex::new)).collect::<Result<Vec<_>>>()?;
    let scorer = ModelScorer { model: &model, policy: a.model.policy(), extra_workers };
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let format =
        a.format.unwrap_or(if std::io::stdout().is_terminal() { OutputFormat::Table } else { OutputFormat::Json });
    let mut sink: Box<dyn Sink> = match format {
        OutputFormat::Json => Box::new(JsonSink::new(stdout)),
        OutputFormat::Jsonl => Box::new(JsonlSink::new(stdout)),
        OutputFormat::Csv => Box::new(CsvSink::new(stdout)),
        OutputFormat::Table => Box::new(TableSink::new(stdout)),
    };
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        b.set_style(rate_style("{spinner} {elapsed} {pos} documents ({rate}) {msg}"));
        b
    };
    let quiet = a.quiet;
    let mut error_sink = ErrorEcho { inner: sink.as_mut(), bar: &bar };
    let mut sentences = 0usize;
    let start = std::time::Instant::now();
    let opts = AnalyzeOptions { chunk_docs: a.chunk, evidence: a.evidence, strict: a.strict };
    let mut progress = |docs: usize, sents: usize| {
        sentences += sents;
        bar.inc(docs as u64);
        bar.set_message(format!("{sentences} sentences"));
    };
    let summary = stance::analyze::analyze(
        Input { records, skipped_files: walk.skipped_files },
        &lexicon,
        &scorer,
        opts,
        &mut error_sink,
        &mut progress,
    )?;
    bar.finish_and_clear();
    if !quiet {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "stance: documents {}, sentences {}, scored {} ({} mentions), failed {}, files skipped {}, in {:.1}s ({})",
            summary.documents,
            summary.sentences,
            summary.scored_sentences,
            summary.mentions,
            summary.failed,
            walk.skipped_files,
            secs,
            a.model.precision().name()
        );
    }
    Ok(if summary.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Prints each input error on stderr as it happens, then hands it to the real sink.
struct ErrorEcho<'a> {
    inner: &'a mut dyn stance::report::Sink,
    bar: &'a ProgressBar,
}

impl stance::report::Sink for ErrorEcho<'_> {
    fn begin(&mut self, actors: &[stance::report::ActorInfo]) -> Result<()> {
        self.inner.begin(actors)
    }
    fn document(&mut self, d: &stance::report::DocumentReport) -> Result<()> {
        self.inner.document(d)
    }
    fn error(&mut self, e: &stance::corpus::InputError) -> Result<()> {
        self.bar.suspend(|| eprintln!("stance: {}", escape_controls(&e.to_string())));
        self.inner.error(e)
    }
    fn warning(&mut self, message: &str) -> Result<()> {
        self.bar.suspend(|| eprintln!("stance: warning: {}", escape_controls(message)));
        self.inner.warning(message)
    }
    fn finish(
        &mut self,
        a: &[stance::report::AuthorReport],
        c: &stance::report::CorpusReport,
        s: &stance::report::Summary,
    ) -> Result<()> {
        self.inner.finish(a, c, s)
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Analyze(a) => analyze(a),
        Command::Score { input, model, quiet } => {
            let m = model.load()?;
            let stdout = std::io::stdout().lock();
            let bar = if quiet || !std::io::stderr().is_terminal() {
                ProgressBar::hidden()
            } else {
                let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                b.set_style(rate_style("{spinner} {pos} sentences scored ({rate})"));
                b
            };
            let mut errors = |msg: &str| bar.suspend(|| eprintln!("stance: {}", escape_controls(msg)));
            let mut progress = |n: usize| bar.inc(n as u64);
            let summary = if input == "-" {
                let stdin = std::io::stdin().lock();
                stance::score_jsonl::score_stream(
                    &m,
                    stdin,
                    stdout,
                    "<stdin>",
                    model.policy(),
                    &mut errors,
                    &mut progress,
                )?
            } else {
                let f = std::fs::File::open(&input).with_context(|| format!("{input}: cannot open"))?;
                stance::score_jsonl::score_stream(
                    &m,
                    BufReader::new(f),
                    stdout,
                    &input,
                    model.policy(),
                    &mut errors,
                    &mut progress,
                )?
            };
            bar.finish_and_clear();
            if !quiet {
                eprintln!(
                    "stance: {} lines, {} scored ({} targets), {} failed ({})",
                    summary.lines,
                    summary.scored,
                    summary.targets,
                    summary.failed,
                    model.precision().name()
                );
            }
            Ok(if summary.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Eval { files, split, mut model } => {
            model.precision.get_or_insert(stance::model::Precision::Fp32);
            let m = model.load()?;
            let mut out = Vec::new();
            for f in &files {
                out.push(stance::eval::evaluate_file(&m, f, model.policy(), split.into())?);
            }
            let mut stdout = std::io::stdout().lock();
            let report = serde_json::json!({"model": resolve_model_dir(model.model.as_deref()).display().to_string(), "results": out});
            writeln!(stdout, "{}", serde_json::to_string_pretty(&report)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Train(a) => {
            stance::train::run_command(&a, &mut |line: &str| eprintln!("stance train: {line}"))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
