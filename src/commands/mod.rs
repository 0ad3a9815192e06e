//! The commands of the `stance` binary, each in its own file, over the library's stages; this file
//! holds what they share: the model flags and the input flags (clap's view of them, turned into the
//! library's plain [`ModelFlags`] and [`RunFlags`], which [`stance::run::Run`] settles once), and
//! [`run_pipeline`], which runs a settled [`Run`] into a sink with progress on stderr.
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

use stance::input::{CorpusOptions, CsvColumns};
use stance::output::{escape_controls, Sink, Summary};
use stance::run::analyze::{Input, Start};
use stance::run::{ModelFlags, Run, RunFlags};
use stance::score::BatchPolicy;

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
    /// Number format of inference: fp32 (what the model was trained in), bf16 (labels equal to
    /// fp32's on 99.9% of targets, macro F1 within 0.001; 1.8x fp32's speed on AMD Zen 4, but 0.6x
    /// on an Intel CPU with AVX-512 BF16 and no AMX), int8 (int8 weights on fbgemm, needs AVX2:
    /// labels equal to fp32's on 97% of targets, macro F1 within 0.003, but a sentence's scores move
    /// with the sentences that share its batch, and on Zen 4 it is slower than bf16), or auto: bf16
    /// where the CPU multiplies bf16 faster than fp32 (AVX-512 BF16 on AMD, or AMX), else fp32.
    /// Default: auto for analyze and score, fp32 for eval (the model card's figures); see
    /// BENCHMARKS.md. Output is deterministic for a given precision and --threads (fp32 for any
    /// --threads, with MKL_CBWR as stance sets it: AUTO,STRICT unless set); pass fp32 to compare
    /// runs across thread counts, or across machines to the last digits.
    #[arg(long, value_enum)]
    pub precision: Option<stance::model::Precision>,
    /// libtorch intra-op threads per model worker, 1 to 1024 (default: the cores divided among the
    /// workers; eval: all cores).
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..=1024))]
    pub threads: Option<i32>,
}

impl ModelArgs {
    /// The flags as the library takes them (`workers`: `--workers`, where the command has it).
    pub fn flags(&self, workers: Option<&WorkerArgs>) -> ModelFlags {
        ModelFlags {
            dir: self.model.clone(),
            precision: self.precision,
            threads: self.threads,
            workers: workers.and_then(|w| w.workers),
            policy: BatchPolicy {
                max_sentences: self.batch_size,
                max_tokens: self.batch_tokens,
                ..BatchPolicy::default()
            },
        }
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
    /// The largest text document, JSONL line or CSV row read, in bytes after decompression (at
    /// least 1; default 16 MiB). A bigger one is reported as an input error naming its file and
    /// line and is never held in memory whole; the next line or file is read as usual (in a CSV
    /// file the rest of that file is not read, since a quoted field may hold newlines and the next
    /// row cannot be found safely). With --max-record-bytes and --chunk, memory is bounded
    /// whatever the input, compressed bombs included (BENCHMARKS.md).
    #[arg(long, value_name = "BYTES", default_value_t = stance::input::DEFAULT_MAX_RECORD_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_record_bytes: usize,
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

impl InputArgs {
    /// The flags as the library takes them, with the command's `--by` and evidence count.
    pub fn flags(&self, by: Vec<stance::aggregate::groups::By>, evidence: usize) -> RunFlags {
        RunFlags {
            model: self.model.flags(Some(&self.workers)),
            inputs: self.inputs.clone(),
            actors: self.actors.clone(),
            corpus: CorpusOptions {
                author: self.author.clone(),
                csv: CsvColumns {
                    id: self.csv_id.clone(),
                    author: self.csv_author.clone(),
                    date: self.csv_date.clone(),
                    title: self.csv_title.clone(),
                    text: self.csv_text.clone(),
                },
                stdin_format: self.stdin_format,
                max_record_bytes: self.max_record_bytes,
            },
            chunk: self.chunk,
            evidence,
            strict: self.strict,
            by,
        }
    }
}

/// Settles the run and prints its warnings (each once) on stderr.
pub fn resolve(flags: RunFlags) -> Result<Run> {
    let run = Run::resolve(flags)?;
    for w in &run.warnings {
        say!("stance: warning: {w}");
    }
    Ok(run)
}

/// A spinner style whose `{rate}` shows a whole number per second.
pub fn rate_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("valid progress template").with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", state.per_sec());
        },
    )
}

/// Runs `write` on stdout, or on a temporary file beside `path` that is renamed to `path` only when
/// `write` succeeds: a run that fails or is killed never leaves a file that looks complete (a
/// killed run leaves the temporary `.NAME.*.partial` beside it). A `path` that exists and is not
/// a regular file (a device, a FIFO) is written directly. A `path` that names one of the command's
/// `inputs` is refused before anything runs (the input would be replaced by its own analysis), and
/// an existing file keeps its permissions.
pub fn with_output<T>(
    path: Option<&PathBuf>,
    inputs: &[&std::path::Path],
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
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
    refuse_output_onto_input(path, inputs)?;
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
    if let Ok(old) = std::fs::metadata(path) {
        std::fs::set_permissions(tmp.path(), old.permissions())
            .with_context(|| format!("{}: cannot give the new file the old one's permissions", path.display()))?;
    }
    let mut out = std::io::BufWriter::new(tmp);
    let value = write(&mut out)?;
    let tmp =
        out.into_inner().map_err(|e| e.into_error()).with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.as_file().sync_all().with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.persist(path).with_context(|| format!("{}: cannot move the finished output into place", path.display()))?;
    Ok(value)
}

/// Refuses an output path that is one of the inputs (the same file by any name: a hard link, a
/// symlink, `./x`); `-` (stdin) and inputs that do not exist are not compared.
pub fn refuse_output_onto_input(path: &std::path::Path, inputs: &[&std::path::Path]) -> Result<()> {
    let Ok(out) = std::fs::metadata(path) else { return Ok(()) };
    use std::os::unix::fs::MetadataExt;
    for input in inputs.iter().filter(|i| i.as_os_str() != "-") {
        if std::fs::metadata(input).is_ok_and(|m| m.dev() == out.dev() && m.ino() == out.ino()) {
            anyhow::bail!(
                "{}: --output names the input {}; it would be replaced by its own output (write to another file)",
                path.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// Runs `run` over its input into `sink` with a progress spinner (from a checkpoint if `from`
/// says so), and prints a summary line on stderr unless `quiet`.
pub fn run_pipeline(run: &Run, sink: &mut dyn Sink, from: Start<'_>, quiet: bool) -> Result<Summary> {
    let (records, walk) = run.records();
    let scorer = run.scorer()?;
    let bar = if quiet || !std::io::stderr().is_terminal() {
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
    let input = Input { records, skipped_files: walk.skipped_files };
    let summary = run.analyze(&scorer, input, &mut error_sink, &mut progress, from)?;
    bar.finish_and_clear();
    if !quiet {
        let secs = start.elapsed().as_secs_f64();
        say!(
            "stance: documents {}, sentences {}, scored {} ({} mentions), failed {}, files skipped {}, in {:.1}s ({})",
            summary.documents,
            summary.sentences,
            summary.scored_sentences,
            summary.mentions,
            summary.failed,
            walk.skipped_files,
            secs,
            scorer.precision().name()
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
        self.bar.suspend(|| say!("stance: {}", escape_controls(&e.to_string())));
        self.inner.error(e)
    }
    fn warning(&mut self, message: &str) -> Result<()> {
        self.bar.suspend(|| say!("stance: warning: {}", escape_controls(message)));
        self.inner.warning(message)
    }
    fn flush(&mut self) -> Result<()> {
        self.inner.flush()
    }
    fn finish(&mut self, end: &stance::output::Closing) -> Result<()> {
        self.inner.finish(end)
    }
}
