//! `stance score`: JSONL sentences with target spans in, JSONL scores out, one output line per
//! input line in the same order. Input lines are read in chunks, so memory stays bounded whatever
//! the file size.
//!
//! Input:  `{"id": "s1", "text": "...", "targets": [{"start": 12, "end": 18}]}` (`id` optional,
//!         `targets` optional; offsets are Unicode characters, `end` exclusive).
//! Output: `{"id": "s1", "sentiment": {"negative": p, "neutral": p, "positive": p},
//!          "sentiment_label": "neutral", "targets": [{"start": 12, "end": 18, "text": "Russia",
//!          "stance": {"against": p, "neutral": p, "favor": p}, "label": "against"}]}`
//! Other fields of an input line pass through to its output line unchanged (exact JSON text), so
//! results join back to their source; a field named like an output field is an error.
//! A bad line (not UTF-8, not JSON, no or empty `text`, a bad span) becomes
//! `{"id": ..., "line": N, "error": "..."}` in place, is reported on stderr as
//! `stance: FILE:N: ...`, and counted; the other lines are still scored. A UTF-8 byte order mark is
//! dropped; UTF-16 input is refused as a whole.

use std::io::{BufRead, Write};

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::input::{json_error, json_message, take_byte_order_mark, utf16_message, Encoding, Meta, RawJson};

use crate::labels::{LabelSet, Sentiment, Stance};
use crate::model::{CharSpan, EncodedSentence, SentenceEncoder};
use crate::score::{score_encoded, ModelScorer, SentenceScorer, SentenceScores};

/// A target span; other fields of a target (an actor name, or a whole target of `stance score`'s
/// own output fed back in) are ignored.
#[derive(Deserialize)]
struct InputTarget {
    start: usize,
    end: usize,
}

/// Fields an output line writes itself: an input field of the same name would be ambiguous.
const OUTPUT_FIELDS: [&str; 4] = ["sentiment", "sentiment_label", "line", "error"];

/// Counts of a scoring run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScoreSummary {
    pub lines: usize,
    pub scored: usize,
    pub failed: usize,
    pub targets: usize,
}

/// One parsed line: ready to score, or an error to report in its place.
enum Parsed {
    Ok { id: Option<RawJson>, spans: Vec<CharSpan>, text: String, extra: Meta, encoded: EncodedSentence },
    Err { id: Option<RawJson>, message: String },
}

fn parse_line(encoder: &SentenceEncoder, line: &[u8]) -> Parsed {
    let line = match std::str::from_utf8(line) {
        Ok(l) => l,
        Err(e) => {
            return Parsed::Err { id: None, message: format!("invalid UTF-8 at byte {} of the line", e.valid_up_to()) }
        }
    };
    let mut fields: Meta = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) if e.is_data() => return Parsed::Err { id: None, message: "expected a JSON object".into() },
        Err(e) => return Parsed::Err { id: None, message: format!("not JSON: {}", json_error(&e)) },
    };
    let id = fields.remove("id");
    let fail = |message: String| Parsed::Err { id: id.clone(), message };
    let text: String = match fields.remove("text").map(|r| serde_json::from_str::<Value>(r.get())) {
        None => return fail("field \"text\": missing".into()),
        Some(Ok(Value::String(t))) if t.trim().is_empty() => {
            return fail("field \"text\": empty (there is nothing to score)".into())
        }
        Some(Ok(Value::String(t))) => t,
        Some(Ok(_)) => return fail("field \"text\": expected a string".into()),
        Some(Err(e)) => return fail(format!("field \"text\": {}", json_message(&e))),
    };
    let targets: Vec<InputTarget> = match fields.remove("targets") {
        None => Vec::new(),
        Some(r) => match serde_json::from_str(r.get()) {
            Ok(t) => t,
            Err(e) => return fail(format!("field \"targets\": {}", json_message(&e))),
        },
    };
    if let Some(name) = OUTPUT_FIELDS.iter().find(|f| fields.contains_key(**f)) {
        return fail(format!("field \"{name}\": the output writes a field of this name; rename it in the input"));
    }
    let spans: Vec<CharSpan> = targets.iter().map(|t| CharSpan { start: t.start, end: t.end }).collect();
    match encoder.encode(&text, &spans) {
        Ok(encoded) => Parsed::Ok { id, spans, text, extra: fields, encoded },
        Err(e) => fail(format!("field \"targets\": {e}")),
    }
}

fn probs_object<L: LabelSet>(p: &[f32; 3]) -> Value {
    let mut m = Map::new();
    for (l, v) in L::ALL.iter().zip(p) {
        m.insert(l.name().to_string(), json!(round6(*v)));
    }
    Value::Object(m)
}

/// Six decimals: plenty for probabilities, and stable text across runs.
fn round6(x: f32) -> f64 {
    (f64::from(x) * 1e6).round() / 1e6
}

fn output_line(
    id: &Option<RawJson>,
    text: &str,
    spans: &[CharSpan],
    extra: &Meta,
    s: &SentenceScores,
) -> Result<Box<RawValue>> {
    let targets: Vec<Value> = spans
        .iter()
        .zip(&s.targets)
        .enumerate()
        .map(|(i, (span, p))| {
            json!({
                "start": span.start,
                "end": span.end,
                // The encoder checked every span against the text.
                "text": span.of(text).expect("a checked span"),
                "stance": probs_object::<Stance>(p),
                "label": s.stance_label(i).name(),
            })
        })
        .collect();
    #[derive(serde::Serialize)]
    struct Out<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: &'a Option<RawJson>,
        #[serde(flatten)]
        extra: &'a Meta,
        sentiment: Value,
        sentiment_label: &'static str,
        targets: Vec<Value>,
    }
    let out = Out {
        id,
        extra,
        sentiment: probs_object::<Sentiment>(&s.sentiment),
        sentiment_label: s.sentiment_label().name(),
        targets,
    };
    Ok(serde_json::value::to_raw_value(&out)?)
}

/// Input lines with their 1-based line numbers (blank lines skipped).
type Lines = Vec<(usize, Vec<u8>)>;

/// Lines per job, as `analyze`'s default chunk: enough for well-filled, length-sorted batches, few
/// enough that memory stays flat (at most two chunks per model worker are in flight).
const CHUNK_LINES: usize = 1024;

/// Scores every line of `input` to `output`. `source` names the input in error messages; `errors`
/// receives one line per bad input line; `progress` the number of lines scored, per chunk. Lines
/// are read and written here while the scorer's workers parse, tokenize and score chunks side by
/// side (src/score/pool.rs); output stays in input order.
pub fn score_stream(
    scorer: &ModelScorer,
    mut input: impl BufRead,
    output: impl Write,
    source: &str,
    errors: &mut dyn FnMut(&str),
    progress: &mut dyn FnMut(usize),
) -> Result<ScoreSummary> {
    if let Encoding::Utf16(which) =
        take_byte_order_mark(&mut input).with_context(|| format!("{source}: cannot read"))?
    {
        bail!("{source}: {}", utf16_message(which));
    }
    let mut chunks = LineChunks { input, source, line_no: 0, at_end: false };
    let mut writer = ChunkWriter { output, source, errors, progress, summary: ScoreSummary::default() };
    let workers = scorer.workers();
    crate::score::pool::ordered(
        workers,
        2 * workers,
        |_| scorer.start_worker(),
        || chunks.next_chunk(),
        |_, lines| score_chunk(scorer, lines),
        |scored| writer.write(scored),
    )?;
    Ok(writer.summary)
}

/// Reads the input in chunks of [`CHUNK_LINES`] non-blank lines.
struct LineChunks<'a, R> {
    input: R,
    source: &'a str,
    line_no: usize,
    at_end: bool,
}

impl<R: BufRead> LineChunks<'_, R> {
    /// The next chunk; `None` at the end of the input.
    fn next_chunk(&mut self) -> Result<Option<Lines>> {
        let mut chunk: Lines = Vec::with_capacity(CHUNK_LINES);
        while !self.at_end && chunk.len() < CHUNK_LINES {
            let mut line = Vec::new();
            let n = self
                .input
                .read_until(b'\n', &mut line)
                .with_context(|| format!("{}:{}: cannot read line", self.source, self.line_no + 1))?;
            if n == 0 {
                self.at_end = true;
                break;
            }
            self.line_no += 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            chunk.push((self.line_no, line));
        }
        Ok((!chunk.is_empty()).then_some(chunk))
    }
}

/// A chunk's lines, each parsed (or refused), and the scores of those parsed, in order.
struct ScoredChunk {
    lines: Lines,
    parsed: Vec<Parsed>,
    scores: Vec<SentenceScores>,
}

/// On a worker: parses and tokenizes a chunk's lines under rayon, then scores the good ones.
fn score_chunk(scorer: &ModelScorer, lines: Lines) -> Result<ScoredChunk> {
    scorer.with_model(|model| {
        use rayon::prelude::*;
        let encoder = &model.encoder;
        let parsed: Vec<Parsed> = lines.par_iter().map(|(_, l)| parse_line(encoder, l)).collect();
        let to_score: Vec<&EncodedSentence> = parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Ok { encoded, .. } => Some(encoded),
                Parsed::Err { .. } => None,
            })
            .collect();
        let scores = score_encoded(model, &to_score, scorer.policy(), |_| {})?;
        Ok(ScoredChunk { lines, parsed, scores })
    })?
}

/// Writes scored chunks in input order, counts them, and reports bad lines and progress.
struct ChunkWriter<'a, W> {
    output: W,
    source: &'a str,
    errors: &'a mut dyn FnMut(&str),
    progress: &'a mut dyn FnMut(usize),
    summary: ScoreSummary,
}

impl<W: Write> ChunkWriter<'_, W> {
    /// One output line per input line: its scores, or its error in place.
    fn write(&mut self, chunk: ScoredChunk) -> Result<()> {
        let mut scores = chunk.scores.into_iter();
        let scored_before = self.summary.scored;
        for ((n, _), p) in chunk.lines.iter().zip(&chunk.parsed) {
            self.summary.lines += 1;
            let value = match p {
                Parsed::Ok { id, spans, text, extra, .. } => {
                    let s = scores.next().context("the scorer returned fewer results than lines")?;
                    self.summary.scored += 1;
                    self.summary.targets += spans.len();
                    output_line(id, text, spans, extra, &s)?
                }
                Parsed::Err { id, message } => {
                    self.summary.failed += 1;
                    (self.errors)(&format!("{}:{n}: {message}", self.source));
                    error_line(id, *n, message)?
                }
            };
            self.output.write_all(value.get().as_bytes())?;
            self.output.write_all(b"\n")?;
        }
        self.output.flush()?;
        (self.progress)(self.summary.scored - scored_before);
        Ok(())
    }
}

/// The output line of a bad input line: `{"id"?, "line", "error"}`.
fn error_line(id: &Option<RawJson>, line: usize, error: &str) -> Result<Box<RawValue>> {
    #[derive(serde::Serialize)]
    struct ErrorLine<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: &'a Option<RawJson>,
        line: usize,
        error: &'a str,
    }
    Ok(serde_json::value::to_raw_value(&ErrorLine { id, line, error })?)
}
