//! What drives the stages, and the one place where a command's flags are settled. [`Run`] is built
//! once from [`RunFlags`] (the flags as the user gave them, plain data): it finds the model folder,
//! makes the precision concrete, loads the actors, checks the grouping and lays out the workers,
//! and then hands out what the stages need (the scorer, the records, the partial header, the
//! fingerprints, the sink of an output format), so nothing below it sees the command line and
//! nothing is worked out twice.
//! [`analyze`] runs input -> text -> score -> aggregate -> output over chunks of records, on the
//! scorer's ordered worker pool ([`crate::score::pool`]); [`partial`] merges the partials of
//! shards; [`checkpoint`] saves a run's state so a killed run resumes.
//!
//! Invariant: whatever the workers, shards or restarts, a run's output is the bytes of one
//! uninterrupted run over the same input with the same chunk boundaries.

pub mod analyze;
pub mod checkpoint;
pub mod partial;

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use tch::Device;

use crate::aggregate::groups::{By, Grouping};
use crate::input::{CorpusOptions, Format, Record, WalkReport};
use crate::model::{resolve_model_dir, Precision, StanceModel};
use crate::output::format::{OutputFormat, SinkContext};
use crate::output::partial::{PartialHeader, PARTIAL_VERSION};
use crate::output::{escape_controls, Sink, Summary, SCHEMA_VERSION};
use crate::score::{BatchPolicy, ModelScorer, SentenceScorer};
use crate::text::actors::Lexicon;
use analyze::{AnalyzeOptions, Input, Start};
use partial::{lexicon_fingerprint, model_fingerprint};

/// The model flags as given: folder, precision, threads, workers, batch limits.
#[derive(Debug, Clone, Default)]
pub struct ModelFlags {
    /// Model folder; `None`: `$STANCE_MODEL`, else the shipped model ([`resolve_model_dir`]).
    pub dir: Option<PathBuf>,
    /// Precision asked for; `None`: the command's default.
    pub precision: Option<Precision>,
    /// libtorch threads per model copy; `None`: the cores divided among the workers (one model:
    /// libtorch's own default).
    pub threads: Option<i32>,
    /// Model copies scoring side by side; `None`: [`DEFAULT_WORKERS`] where there are the cores.
    pub workers: Option<usize>,
    pub policy: BatchPolicy,
}

/// Model workers when none are asked for (and the machine has that many cores): the fastest layout
/// measured on 2 cores (BENCHMARKS.md).
pub const DEFAULT_WORKERS: usize = 2;

/// The model of a run, settled: the folder found once, the precision made concrete once (`auto`
/// never survives this), and the worker layout.
#[derive(Debug, Clone)]
pub struct ModelSetup {
    pub dir: PathBuf,
    /// Concrete: never [`Precision::Auto`].
    pub precision: Precision,
    pub policy: BatchPolicy,
    /// Threads asked for (set on each loading thread, as libtorch keeps them per thread).
    threads: Option<i32>,
    /// Model copies.
    pub workers: usize,
    /// libtorch threads per copy while scoring.
    pub torch_threads: i32,
}

impl ModelSetup {
    /// Settles `flags`, with `default_precision` where none was asked for; a warning (more
    /// workers than cores) is pushed onto `warnings`.
    pub fn resolve(flags: &ModelFlags, default_precision: Precision, warnings: &mut Vec<String>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = match flags.workers {
            Some(w) if w > cores => {
                warnings.push(format!(
                    "--workers {w} is more than the {cores} cores here; using {cores} (each worker holds a copy of the model)"
                ));
                cores
            }
            Some(w) => w,
            None => cores.min(DEFAULT_WORKERS),
        };
        ModelSetup {
            dir: resolve_model_dir(flags.dir.as_deref()),
            precision: flags.precision.unwrap_or(default_precision).resolve(),
            policy: flags.policy,
            threads: flags.threads,
            workers,
            torch_threads: flags.threads.unwrap_or((cores / workers).max(1) as i32),
        }
    }

    /// One copy of the model, in the run's precision.
    pub fn load(&self) -> Result<StanceModel> {
        if let Some(t) = self.threads {
            tch::set_num_threads(t);
        }
        StanceModel::load_for_inference(&self.dir, Device::Cpu, self.precision)
    }

    /// One copy per worker (loaded side by side, so a second adds little to start-up), behind a
    /// scorer that sets each worker's libtorch threads.
    pub fn scorer(&self) -> Result<ModelScorer> {
        let models = std::thread::scope(|s| {
            let loading: Vec<_> = (0..self.workers).map(|_| s.spawn(|| self.load())).collect();
            loading
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("loading a model copy panicked"))))
                .collect::<Result<Vec<_>>>()
        })?;
        ModelScorer::new(models, self.policy, self.torch_threads)
    }

    /// The model's fingerprint (its files and the precision), as partials and checkpoints keep it.
    pub fn fingerprint(&self) -> Result<String> {
        model_fingerprint(&self.dir, self.precision.name())
    }
}

/// The flags of `analyze` (and of `compare` over documents) as given.
#[derive(Debug, Clone)]
pub struct RunFlags {
    pub model: ModelFlags,
    /// Files, folders or `-`; none: the bundled seed essay.
    pub inputs: Vec<String>,
    /// Actors file extending or replacing the defaults.
    pub actors: Option<PathBuf>,
    pub corpus: CorpusOptions,
    /// Documents per chunk.
    pub chunk: usize,
    /// Evidence sentences kept per actor and side.
    pub evidence: usize,
    /// Stop at the first bad record.
    pub strict: bool,
    /// `--by` keys (none: author).
    pub by: Vec<By>,
}

impl Default for RunFlags {
    fn default() -> Self {
        let o = AnalyzeOptions::default();
        RunFlags {
            model: ModelFlags::default(),
            inputs: Vec::new(),
            actors: None,
            corpus: CorpusOptions::default(),
            chunk: o.chunk_docs,
            evidence: o.evidence,
            strict: o.strict,
            by: Vec::new(),
        }
    }
}

/// The seed essay the project was created from, analysed when a run names no input.
const SEED_NAME: &str = "seeds/000_204bb2dc5e8ef806.txt";
const SEED_TEXT: &str = include_str!("../../seeds/000_204bb2dc5e8ef806.txt");

/// One run, settled from its flags once (ripgrep's `HiArgs`): the model, the actors (loaded once),
/// the grouping, how to read the inputs, and the options of the analysis.
pub struct Run {
    pub model: ModelSetup,
    pub lexicon: Lexicon,
    /// Where the actors came from (for messages), if not the defaults.
    pub actors_file: Option<PathBuf>,
    pub inputs: Vec<String>,
    pub corpus: CorpusOptions,
    /// Chunk, evidence, strictness and the grouping.
    pub options: AnalyzeOptions,
    /// What a person should know about the settings (an alias two actors claim, more workers than
    /// cores), each once and ready to print (control characters of the actors file escaped).
    pub warnings: Vec<String>,
}

impl Run {
    /// Settles `flags`: the `--by` keys, the actors file (read once), the model folder and
    /// precision (`auto` unless given) and the worker layout.
    pub fn resolve(flags: RunFlags) -> Result<Run> {
        let grouping = Grouping::new(flags.by)?;
        let mut warnings = Vec::new();
        let lexicon = match &flags.actors {
            Some(p) => {
                let lexicon = Lexicon::with_file(p)?;
                warnings.extend(
                    lexicon.shared_aliases().iter().map(|w| format!("{}: {}", p.display(), escape_controls(w))),
                );
                lexicon
            }
            None => Lexicon::default_actors(),
        };
        let model = ModelSetup::resolve(&flags.model, Precision::Auto, &mut warnings);
        Ok(Run {
            model,
            lexicon,
            actors_file: flags.actors,
            inputs: flags.inputs,
            corpus: flags.corpus,
            options: AnalyzeOptions {
                chunk_docs: flags.chunk,
                evidence: flags.evidence,
                strict: flags.strict,
                grouping,
            },
            warnings,
        })
    }

    pub fn grouping(&self) -> &Grouping {
        &self.options.grouping
    }

    /// The records of the inputs, lazily, in order (the seed essay when none are named), and
    /// what the folder walk passed over.
    pub fn records(&self) -> (Box<dyn Iterator<Item = Record>>, WalkReport) {
        if self.inputs.is_empty() {
            let r = crate::input::read_stream(
                Box::new(SEED_TEXT.as_bytes()),
                SEED_NAME.to_string(),
                Some(Format::Text),
                &self.corpus,
            );
            (r, WalkReport::default())
        } else {
            crate::input::read_corpus(&self.inputs, &self.corpus)
        }
    }

    /// The scorer: one model copy per worker.
    pub fn scorer(&self) -> Result<ModelScorer> {
        self.model.scorer()
    }

    /// The header of this run's partial (`--format partial`, checkpoints) as shard `shard`.
    pub fn partial_header(&self, shard: u64, shards: Option<u64>) -> Result<PartialHeader> {
        Ok(PartialHeader {
            partial_version: PARTIAL_VERSION,
            schema_version: SCHEMA_VERSION,
            shard,
            shards,
            model: self.model.fingerprint()?,
            lexicon: lexicon_fingerprint(&self.lexicon),
            by: self.grouping().names(),
            evidence: self.options.evidence,
            actors: Vec::new(),
        })
    }

    /// The fingerprint of the command a checkpoint belongs to: the inputs (by path, size and
    /// modification time: a changed file is another command), the options, the model and actors.
    pub fn command_fingerprint(&self, header: &PartialHeader) -> String {
        let inputs: Vec<serde_json::Value> = self
            .inputs
            .iter()
            .map(|p| {
                let m = std::fs::metadata(p).ok();
                let modified = m
                    .as_ref()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                serde_json::json!([p, m.map(|m| m.len()), modified.map(|d| d.as_nanos().to_string())])
            })
            .collect();
        let c = &self.corpus.csv;
        let command = serde_json::json!({
            "inputs": inputs, "by": header.by, "evidence": header.evidence, "chunk": self.options.chunk_docs,
            "strict": self.options.strict, "author": self.corpus.author,
            "csv": [&c.id, &c.author, &c.date, &c.title, &c.text], "max_record_bytes": self.corpus.max_record_bytes,
            "model": header.model, "lexicon": header.lexicon,
        });
        partial::fingerprint(&[command.to_string().as_bytes()])
    }

    /// The sink of `format` for this run, writing to `out` (`to_stdout`: a stream, not a file that
    /// appears only when complete). `header` gives the partial header, if the format needs one.
    pub fn sink<'a>(
        &self,
        format: OutputFormat,
        out: &'a mut dyn Write,
        to_stdout: bool,
        header: impl FnOnce() -> Result<PartialHeader>,
    ) -> Result<Box<dyn Sink + 'a>> {
        format.build(out, &SinkContext { to_stdout, grouping: self.grouping() }, header)
    }

    /// Runs the analysis of `input` with `scorer` into `sink`, from `start`.
    /// `progress(documents, sentences)` is called per chunk.
    pub fn analyze<I: Iterator<Item = Record>>(
        &self,
        scorer: &dyn SentenceScorer,
        input: Input<I>,
        sink: &mut dyn Sink,
        progress: &mut dyn FnMut(usize, usize),
        start: Start<'_>,
    ) -> Result<Summary> {
        analyze::analyze_from(input, &self.lexicon, scorer, self.options.clone(), sink, progress, start)
    }
}
