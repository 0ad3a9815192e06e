//! The commands of the `stance` binary, each in its own file, over the library's stages; this file
//! holds what they share: the model flags, the input flags, and [`run_pipeline`], which reads the
//! input, runs the model over it and hands every result to a sink, with progress on stderr.
//!
//! Invariant: data goes to stdout (or the file named by a flag), progress and errors to stderr.

pub mod analyze;
pub mod compare;
pub mod eval;
pub mod merge;
pub mod report;
pub mod score;

use std::io::IsTerminal;
use std::path::PathBuf;

use std::io::Write;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tch::Device;

use stance::model::{resolve_model_dir, StanceModel};
use stance::output::{escape_controls, Sink, Summary};
use stance::run::analyze::{AnalyzeOptions, Input};
use stance::score::{BatchPolicy, ModelScorer};

/// Options shared by the commands that run the model.
#[derive(clap::Args)]
pub struct ModelArgs {
    /// Model folder (config.json, model.safetensors, tokenizer.json). Default: $STANCE_MODEL, else
    /// the shipped models/stance-minilm.
    #[arg(long, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Sentences per encoder call (batches are length-sorted, so padding stays small; 16 was the
    /// fastest on a 2-core CPU, see BENCHMARKS.md). At least 1.
    #[arg(long, default_value_t = 16, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=65_536))]
    pub batch_size: usize,
    /// Upper bound on padded tokens per encoder call: bounds memory whatever the input, since a
    /// long sentence's windows and a sentence's many targets are scored in groups under it (one
    /// 128-token window always fits). At least 1.
    #[arg(long, default_value_t = 2048, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_048_576))]
    pub batch_tokens: usize,
    /// Number format of inference: fp32 (what the model was trained in), bf16 (on CPUs with
    /// AVX-512 BF16 about 1.8x fp32's speed, labels equal to fp32's on 99.9% of targets, macro F1
    /// within 0.001), int8 (int8 weights on fbgemm, needs AVX2: labels equal to fp32's on 97% of
    /// targets, macro F1 within 0.003, but a sentence's scores move with the sentences that share
    /// its batch, and here it is slower than bf16), or auto: bf16 where the CPU has bf16 units, else
    /// fp32. Default: auto for analyze and score, fp32 for eval (the model card's figures); see
    /// BENCHMARKS.md. Output is deterministic for a given precision and --threads (fp32 for any
    /// --threads); pass fp32 to compare runs across machines or thread counts.
    #[arg(long, value_enum)]
    pub precision: Option<stance::model::Precision>,
    /// libtorch intra-op threads per model worker, 1 to 1024 (default: the cores divided among the
    /// workers; eval: all cores).
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..=1024))]
    pub threads: Option<i32>,
}

impl ModelArgs {
    pub fn load(&self) -> Result<StanceModel> {
        if let Some(t) = self.threads {
            tch::set_num_threads(t);
        }
        let dir = resolve_model_dir(self.model.as_deref());
        StanceModel::load_for_inference(&dir, Device::Cpu, self.precision())
    }
    /// The precision asked for, else `auto`.
    pub fn precision(&self) -> stance::model::Precision {
        self.precision.unwrap_or(stance::model::Precision::Auto)
    }
    pub fn policy(&self) -> BatchPolicy {
        BatchPolicy { max_sentences: self.batch_size, max_tokens: self.batch_tokens, ..BatchPolicy::default() }
    }
}

/// How many copies of the model score side by side.
#[derive(clap::Args)]
pub struct WorkerArgs {
    /// Model workers: each holds its own copy of the model (about 100 MiB) and scores a chunk at a
    /// time with cores / workers libtorch threads (unless --threads says otherwise), while reading
    /// and writing go on beside them. Default: 2 on a machine with 2 or more cores, the fastest
    /// layout measured on 2 cores (BENCHMARKS.md), else 1. Output is the same for any number of
    /// workers at the same --threads. More workers than cores only cost memory, so they are cut to
    /// the number of cores, with a warning.
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    pub workers: Option<usize>,
}

impl WorkerArgs {
    /// Loads one model per worker and sets each worker's libtorch threads.
    pub fn scorer(&self, model: &ModelArgs) -> Result<ModelScorer> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = match self.workers {
            Some(w) if w > cores => {
                eprintln!("stance: warning: --workers {w} is more than the {cores} cores here; using {cores} (each worker holds a copy of the model)");
                cores
            }
            Some(w) => w,
            None => cores.min(DEFAULT_WORKERS),
        };
        let torch_threads = model.threads.unwrap_or((cores / workers).max(1) as i32);
        // The copies load side by side, so a second worker adds little to start-up.
        let models = std::thread::scope(|s| {
            let loading: Vec<_> = (0..workers).map(|_| s.spawn(|| model.load())).collect();
            loading
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("loading a model copy panicked"))))
                .collect::<Result<Vec<_>>>()
        })?;
        ModelScorer::new(models, model.policy(), torch_threads)
    }
}

/// Model workers when --workers is not given (and the machine has that many cores).
const DEFAULT_WORKERS: usize = 2;

#[derive(clap::Args)]
pub struct InputArgs {
    /// Files or folders (walked recursively; .txt/.md one document each, .jsonl one record per
    /// line, .csv with a header), or `-` for stdin. `analyze` with none reads the bundled seed essay.
    pub inputs: Vec<String>,
    /// Actors file (TOML) that extends the default actors or, with `mode = "replace"`, replaces
    /// them; see src/text/actors/default.toml for the format.
    #[arg(long, value_name = "FILE")]
    pub actors: Option<PathBuf>,
    /// Author for documents that name none (plain files, records without `author`).
    #[arg(long)]
    pub author: Option<String>,
    /// Stop at the first bad record or file instead of reporting and counting it.
    #[arg(long)]
    pub strict: bool,
    /// Documents per processing chunk, 1 to 100000: the unit a model worker takes (memory holds at
    /// most two chunks per worker). Keep it fixed to compare runs byte for byte: it decides which
    /// sentences share a model batch, which can move a 4th decimal.
    #[arg(long, default_value_t = stance::run::analyze::DEFAULT_CHUNK_DOCS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub chunk: usize,
    /// Format of stdin; default: JSONL if it starts with `{`, else one text document.
    #[arg(long, value_enum)]
    pub stdin_format: Option<stance::input::Format>,
    /// CSV column holding the text.
    #[arg(long, default_value = "text")]
    pub csv_text: String,
    /// CSV column holding the document id (default: FILE:LINE).
    #[arg(long, default_value = "id")]
    pub csv_id: String,
    /// CSV column holding the author.
    #[arg(long, default_value = "author")]
    pub csv_author: String,
    /// CSV column holding the date (ISO 8601).
    #[arg(long, default_value = "date")]
    pub csv_date: String,
    /// CSV column holding the title.
    #[arg(long, default_value = "title")]
    pub csv_title: String,
    #[command(flatten)]
    pub workers: WorkerArgs,
    /// No progress bar and no summary line on stderr (input errors are still printed).
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// The seed essay the project was created from, analysed when `stance analyze` gets no input.
const SEED_NAME: &str = "seeds/000_204bb2dc5e8ef806.txt";
const SEED_TEXT: &str = include_str!("../../seeds/000_204bb2dc5e8ef806.txt");

/// A spinner style whose `{rate}` shows a whole number per second.
pub fn rate_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("valid progress template").with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", state.per_sec());
        },
    )
}

/// The actors of the run: the defaults, or as `--actors` extends or replaces them (warning about
/// an alias claimed by two actors).
pub fn load_lexicon(a: &InputArgs) -> Result<stance::text::actors::Lexicon> {
    Ok(match &a.actors {
        Some(p) => {
            let lexicon = stance::text::actors::Lexicon::with_file(p)?;
            for w in lexicon.shared_aliases() {
                eprintln!("stance: warning: {}: {}", p.display(), escape_controls(&w));
            }
            lexicon
        }
        None => stance::text::actors::Lexicon::default_actors(),
    })
}

/// Runs `write` on stdout, or on a temporary file beside `path` that is renamed to `path` only when
/// `write` succeeds: a run that fails or is killed never leaves a file that looks complete (a
/// killed run leaves the temporary `.NAME.*.partial` beside it). A `path` that exists and is not
/// a regular file (a device, a FIFO) is written directly.
pub fn with_output<T>(path: Option<&PathBuf>, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    let Some(path) = path else {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let value = write(&mut out)?;
        out.flush()?;
        return Ok(value);
    };
    // A device or a FIFO (`--output /dev/null`) is written as it is: renaming over it would
    // replace it with a file.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("{}: cannot open", path.display()))?;
        let mut out = std::io::BufWriter::new(f);
        let value = write(&mut out)?;
        out.flush().with_context(|| format!("{}: cannot write", path.display()))?;
        return Ok(value);
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".partial")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(&dir)
        .with_context(|| format!("{}: cannot create a temporary file in {}", path.display(), dir.display()))?;
    let mut out = std::io::BufWriter::new(tmp);
    let value = write(&mut out)?;
    let tmp =
        out.into_inner().map_err(|e| e.into_error()).with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.as_file().sync_all().with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.persist(path).with_context(|| format!("{}: cannot move the finished output into place", path.display()))?;
    Ok(value)
}

/// Reads the input named by `a` (the seed essay when none), runs the pipeline over it into `sink`
/// with a progress spinner, and prints a summary line on stderr unless `--quiet`.
pub fn run_pipeline(a: &InputArgs, opts: AnalyzeOptions, sink: &mut dyn Sink) -> Result<Summary> {
    run_pipeline_from(a, opts, sink, stance::run::analyze::Start::Fresh)
}

/// [`run_pipeline`] from a checkpoint ([`stance::run::analyze::Start`]).
pub fn run_pipeline_from(
    a: &InputArgs,
    opts: AnalyzeOptions,
    sink: &mut dyn Sink,
    from: stance::run::analyze::Start<'_>,
) -> Result<Summary> {
    use stance::input::{CorpusOptions, CsvColumns};

    let lexicon = load_lexicon(a)?;
    let copts = CorpusOptions {
        author: a.author.clone(),
        csv: CsvColumns {
            id: a.csv_id.clone(),
            author: a.csv_author.clone(),
            date: a.csv_date.clone(),
            title: a.csv_title.clone(),
            text: a.csv_text.clone(),
        },
        stdin_format: a.stdin_format,
    };
    let (records, walk) = if a.inputs.is_empty() {
        let r = stance::input::read_stream(
            Box::new(SEED_TEXT.as_bytes()),
            SEED_NAME.to_string(),
            Some(stance::input::Format::Text),
            &copts,
        );
        (r, Default::default())
    } else {
        stance::input::read_corpus(&a.inputs, &copts)
    };
    let scorer = a.workers.scorer(&a.model)?;
    let bar = if a.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        b.set_style(rate_style("{spinner} {elapsed} {pos} documents ({rate}) {msg}"));
        b
    };
    let mut error_sink = ErrorEcho { inner: sink, bar: &bar };
    let mut sentences = 0usize;
    let start = std::time::Instant::now();
    let mut progress = |docs: usize, sents: usize| {
        sentences += sents;
        bar.inc(docs as u64);
        bar.set_message(format!("{sentences} sentences"));
    };
    let summary = stance::run::analyze::analyze_from(
        Input { records, skipped_files: walk.skipped_files },
        &lexicon,
        &scorer,
        opts,
        &mut error_sink,
        &mut progress,
        from,
    )?;
    bar.finish_and_clear();
    if !a.quiet {
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
    Ok(summary)
}

/// Prints each input error on stderr as it happens, then hands it to the real sink.
pub struct ErrorEcho<'a> {
    pub inner: &'a mut dyn stance::output::Sink,
    pub bar: &'a ProgressBar,
}

impl stance::output::Sink for ErrorEcho<'_> {
    fn begin(&mut self, actors: &[stance::output::ActorInfo]) -> Result<()> {
        self.inner.begin(actors)
    }
    fn document(&mut self, d: &stance::output::DocumentReport) -> Result<()> {
        self.inner.document(d)
    }
    fn error(&mut self, e: &stance::input::InputError) -> Result<()> {
        self.bar.suspend(|| eprintln!("stance: {}", escape_controls(&e.to_string())));
        self.inner.error(e)
    }
    fn warning(&mut self, message: &str) -> Result<()> {
        self.bar.suspend(|| eprintln!("stance: warning: {}", escape_controls(message)));
        self.inner.warning(message)
    }
    fn flush(&mut self) -> Result<()> {
        self.inner.flush()
    }
    fn totals(&mut self, totals: &stance::aggregate::totals::TotalsSnapshot) -> Result<()> {
        self.inner.totals(totals)
    }
    fn finish(&mut self, end: &stance::output::Closing) -> Result<()> {
        self.inner.finish(end)
    }
}
