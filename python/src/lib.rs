//! `stance._stance`: the `stance` library in-process for Python (PyO3), under the thin Python layer
//! of `python/stance/__init__.py` that turns its results into dicts and data frames. It takes
//! records as the binary's readers take them (JSON Lines bytes, so a data frame row and a JSONL
//! line are read by the same code and fail with the same message), runs the same [`Run`] and sinks
//! as `stance analyze`, `stance score` and `stance compare --analysis`, and hands back their bytes.
//!
//! Invariant: for the same input and settings the JSON is the binary's, byte for byte; the GIL is
//! released while the model runs (`py.allow_threads`), and taken back only to report progress.

use std::io::Cursor;
use std::path::PathBuf;

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use stance::aggregate::compare::{compare, CompareMode, CompareSettings, Gathered, DEFAULT_MAX_PAIRS};
use stance::aggregate::groups::{By, Grouping};
use stance::aggregate::stats::{CompareOptions, Correction};
use stance::input::{CorpusOptions, Format, InputError, Record};
use stance::model::Precision;
use stance::output::tidy::TidyJsonlSink;
use stance::output::{ActorInfo, Closing, DocumentReport, JsonSink, Sink};
use stance::run::analyze::{Input, Start};
use stance::run::{ModelFlags, ModelSetup, Run, RunFlags};
use stance::score::{BatchPolicy, ModelScorer};

create_exception!(
    _stance,
    StanceError,
    PyValueError,
    "A bad record, setting or file: the message names it (`SOURCE:LINE: what is wrong`)."
);

/// An error of the library as a `StanceError`, its causes joined on one line as the binary prints
/// them.
fn err(e: anyhow::Error) -> PyErr {
    StanceError::new_err(format!("{e:#}"))
}

/// A precision by name, as `--precision` takes it.
fn precision(name: &str) -> PyResult<Precision> {
    clap::ValueEnum::from_str(name, true)
        .map_err(|_| StanceError::new_err(format!("precision '{name}': expected auto, fp32, bf16 or int8")))
}

/// The model, loaded once (one copy per worker) and shared by every call on it.
#[pyclass(frozen, module = "stance._stance")]
struct Engine {
    setup: ModelSetup,
    scorer: ModelScorer,
}

/// Both sinks of an analysis, side by side: the JSON document and the tidy rows.
struct Tee<'a> {
    json: JsonSink<&'a mut Vec<u8>>,
    tidy: TidyJsonlSink<&'a mut Vec<u8>>,
    warnings: Vec<String>,
}

impl Sink for Tee<'_> {
    fn begin(&mut self, actors: &[ActorInfo]) -> anyhow::Result<()> {
        self.json.begin(actors)?;
        self.tidy.begin(actors)
    }
    fn document(&mut self, d: &DocumentReport) -> anyhow::Result<()> {
        self.json.document(d)
    }
    fn error(&mut self, e: &InputError) -> anyhow::Result<()> {
        self.json.error(e)
    }
    fn warning(&mut self, message: &str) -> anyhow::Result<()> {
        self.warnings.push(message.to_string());
        Ok(())
    }
    fn finish(&mut self, end: &Closing) -> anyhow::Result<()> {
        self.json.finish(end)?;
        self.tidy.finish(end)
    }
}

/// Calls a Python progress callback (with the GIL taken back for the call); its errors are ignored,
/// since a broken progress bar must not lose an analysis.
fn report(progress: &Option<PyObject>, args: (usize, usize)) {
    if let Some(cb) = progress {
        Python::with_gil(|py| {
            let _ = cb.call1(py, args);
        });
    }
}

#[pymethods]
impl Engine {
    /// Loads the model: `model` a folder (default: `$STANCE_MODEL`, else the shipped
    /// `models/stance-minilm` of the source tree the package was built from), `precision` auto,
    /// fp32, bf16 or int8, `workers` model copies, `threads` libtorch threads per copy.
    #[new]
    #[pyo3(signature = (model=None, precision_name="auto", workers=None, threads=None, batch_size=16, batch_tokens=2048))]
    fn new(
        py: Python<'_>,
        model: Option<PathBuf>,
        precision_name: &str,
        workers: Option<usize>,
        threads: Option<i32>,
        batch_size: usize,
        batch_tokens: usize,
    ) -> PyResult<Self> {
        let flags = ModelFlags {
            dir: model,
            precision: Some(precision(precision_name)?),
            threads,
            workers,
            policy: BatchPolicy { max_sentences: batch_size, max_tokens: batch_tokens, ..BatchPolicy::default() },
        };
        let mut warnings = Vec::new();
        let setup = ModelSetup::resolve(&flags, Precision::Auto, &mut warnings);
        let scorer = py.allow_threads(|| setup.scorer()).map_err(err)?;
        Ok(Engine { setup, scorer })
    }

    /// The precision the model runs in (never auto).
    #[getter]
    fn precision(&self) -> &'static str {
        self.setup.precision.name()
    }

    /// The model folder.
    #[getter]
    fn model(&self) -> String {
        self.setup.dir.display().to_string()
    }

    /// Runs `stance analyze` over `jsonl` (JSON Lines bytes, read as a file named `source`), or
    /// over `files` (paths, as the binary takes them), or, with neither, the seed essay. Returns
    /// the JSON document, the tidy rows (JSON Lines) and the warnings. `progress(documents,
    /// sentences)` is called per chunk.
    #[pyo3(signature = (jsonl=None, source="<data>".to_string(), files=Vec::new(), actors=None, by=Vec::new(), evidence=3, chunk=1024, strict=false, author=None, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn analyze<'py>(
        &self,
        py: Python<'py>,
        jsonl: Option<Vec<u8>>,
        source: String,
        files: Vec<String>,
        actors: Option<PathBuf>,
        by: Vec<String>,
        evidence: usize,
        chunk: usize,
        strict: bool,
        author: Option<String>,
        progress: Option<PyObject>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, Vec<String>)> {
        let by = by.iter().map(|b| b.parse::<By>().map_err(StanceError::new_err)).collect::<PyResult<Vec<_>>>()?;
        if !(1..=100_000).contains(&chunk) {
            return Err(StanceError::new_err(format!("chunk {chunk}: expected 1 to 100000 documents")));
        }
        let flags = RunFlags {
            model: ModelFlags { dir: Some(self.setup.dir.clone()), ..ModelFlags::default() },
            inputs: files,
            actors,
            corpus: CorpusOptions { author, ..CorpusOptions::default() },
            chunk,
            evidence,
            strict,
            by,
        };
        let run = Run::resolve(flags).map_err(err)?;
        let mut warnings = run.warnings.clone();
        let (mut json, mut tidy) = (Vec::new(), Vec::new());
        let scorer = &self.scorer;
        let result = py.allow_threads(|| -> anyhow::Result<Vec<String>> {
            let (records, skipped_files): (Box<dyn Iterator<Item = Record>>, usize) = match jsonl {
                Some(bytes) => (
                    stance::input::read_stream(Box::new(Cursor::new(bytes)), source, Some(Format::Jsonl), &run.corpus),
                    0,
                ),
                None => {
                    let (records, walk) = run.records();
                    (records, walk.skipped_files)
                }
            };
            let mut sink = Tee {
                json: JsonSink::new(&mut json),
                tidy: TidyJsonlSink::new(&mut tidy, run.grouping()),
                warnings: Vec::new(),
            };
            let mut on_chunk = |docs: usize, sentences: usize| report(&progress, (docs, sentences));
            run.analyze(scorer, Input { records, skipped_files }, &mut sink, &mut on_chunk, Start::Fresh)?;
            Ok(sink.warnings)
        });
        warnings.extend(result.map_err(err)?);
        Ok((PyBytes::new(py, &json), PyBytes::new(py, &tidy), warnings))
    }

    /// Runs `stance score` over `jsonl` (one sentence per line: `text`, optional `id` and
    /// `targets` with character `start`/`end`). Returns the output lines (JSON Lines, one per
    /// input line, a bad line as `{"line", "error"}` in place) and the error messages.
    #[pyo3(signature = (jsonl, source="<data>".to_string(), progress=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        jsonl: Vec<u8>,
        source: String,
        progress: Option<PyObject>,
    ) -> PyResult<(Bound<'py, PyBytes>, Vec<String>)> {
        let mut out = Vec::new();
        let scorer = &self.scorer;
        let errors = py
            .allow_threads(|| -> anyhow::Result<Vec<String>> {
                let mut errors = Vec::new();
                let mut on_error = |m: &str| errors.push(m.to_string());
                let mut on_chunk = |n: usize| report(&progress, (n, n));
                stance::score::lines::score_stream(
                    scorer,
                    Cursor::new(jsonl),
                    &mut out,
                    &source,
                    &mut on_error,
                    &mut on_chunk,
                )?;
                Ok(errors)
            })
            .map_err(err)?;
        Ok((PyBytes::new(py, &out), errors))
    }
}

/// `stance compare --analysis`: the groups of a saved analysis (`analysis`, the JSON or JSON
/// Lines of `stance analyze`, named `source` in messages) compared on every actor. Returns the
/// comparison's JSON. `mode` is `pairs`, `vs-rest` or `reference` (with `reference` the label).
#[pyfunction]
#[pyo3(signature = (analysis, by, source="<analysis>".to_string(), groups=Vec::new(), mode="pairs", reference=None, resamples=None, seed=None, correction=None, alpha=None, min_sentences=None, min_documents=None, max_pairs=DEFAULT_MAX_PAIRS))]
#[allow(clippy::too_many_arguments)]
fn compare_analysis(
    py: Python<'_>,
    analysis: Vec<u8>,
    by: Vec<String>,
    source: String,
    groups: Vec<String>,
    mode: &str,
    reference: Option<String>,
    resamples: Option<usize>,
    seed: Option<u64>,
    correction: Option<String>,
    alpha: Option<f64>,
    min_sentences: Option<u64>,
    min_documents: Option<usize>,
    max_pairs: usize,
) -> PyResult<String> {
    let by = by.iter().map(|b| b.parse::<By>().map_err(StanceError::new_err)).collect::<PyResult<Vec<_>>>()?;
    let mode = match (mode, reference) {
        ("pairs", None) => CompareMode::Pairs,
        ("vs-rest", None) => CompareMode::VsRest,
        ("reference", Some(r)) => CompareMode::Reference(r),
        (m, r) => {
            return Err(StanceError::new_err(format!(
                "mode '{m}' with reference {r:?}: expected pairs, vs-rest, or reference with a group label"
            )))
        }
    };
    let d = CompareOptions::default();
    let correction = match correction {
        Some(c) => c.parse::<Correction>().map_err(|e| StanceError::new_err(format!("correction '{c}': {e}")))?,
        None => mode.default_correction(),
    };
    let statistics = CompareOptions {
        resamples: resamples.unwrap_or(d.resamples),
        seed: seed.unwrap_or(d.seed),
        correction,
        alpha: alpha.unwrap_or(d.alpha),
        min_sentences: min_sentences.unwrap_or(d.min_sentences),
        min_documents: min_documents.unwrap_or(d.min_documents),
    };
    let settings = CompareSettings { statistics, groups, max_pairs, mode };
    py.allow_threads(|| -> anyhow::Result<String> {
        let mut gathered = Gathered::new(Grouping::new(by)?);
        stance::output::compare::read_analysis(Cursor::new(analysis), &source, &mut gathered)?;
        let report = compare(&gathered, &settings)?;
        Ok(serde_json::to_string_pretty(&report)? + "\n")
    })
    .map_err(err)
}

/// The first day (ISO `YYYY-MM-DD`) of the time bucket labelled `label` under the `--by` key `key`
/// (`date:decade` and `1940s` give `1940-01-01`), as `--format tidy-parquet` writes `bucket_start`.
#[pyfunction]
fn first_day(key: &str, label: &str) -> PyResult<Option<String>> {
    match key.parse::<By>().map_err(StanceError::new_err)? {
        By::Date(g) => Ok(g.first_day(label).map(|d| d.to_string())),
        _ => Err(StanceError::new_err(format!("--by {key} is not a time key"))),
    }
}

/// The JSON contract's version (`schema_version` of every analysis).
#[pyfunction]
fn schema_version() -> u32 {
    stance::output::SCHEMA_VERSION
}

#[pymodule]
fn _stance(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Before any model loads, as the binary's main does: fp32 scores equal for any thread count.
    stance::model::pin_matrix_reproducibility();
    m.add_class::<Engine>()?;
    m.add_function(wrap_pyfunction!(compare_analysis, m)?)?;
    m.add_function(wrap_pyfunction!(schema_version, m)?)?;
    m.add_function(wrap_pyfunction!(first_day, m)?)?;
    m.add("StanceError", m.py().get_type::<StanceError>())?;
    Ok(())
}
