//! `stance score`: JSONL sentences with target spans in, JSONL scores out, one output line per
//! input line in the same order. Input lines are read in chunks, so memory stays bounded whatever
//! the file size.
//!
//! Input:  `{"id": "s1", "text": "...", "targets": [{"start": 12, "end": 18}]}` (`id` optional,
//!         `targets` optional; offsets are Unicode characters, `end` exclusive).
//! Output: `{"id": "s1", "sentiment": {"negative": p, "neutral": p, "positive": p},
//!          "sentiment_label": "neutral", "targets": [{"start": 12, "end": 18, "text": "Russia",
//!          "stance": {"against": p, "neutral": p, "favor": p}, "label": "against"}]}`
//! A bad line becomes `{"id": ..., "line": N, "error": "..."}` in place, is reported on stderr as
//! `stance: FILE:N: ...`, and counted; the other lines are still scored.

use std::io::{BufRead, Write};

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::labels::{LabelSet, Sentiment, Stance};
use crate::model::{CharSpan, EncodedSentence, SentenceEncoder, StanceModel};
use crate::score::{score_encoded, BatchPolicy, SentenceScores};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputLine {
    #[serde(default)]
    id: Option<Value>,
    text: String,
    #[serde(default)]
    targets: Vec<InputTarget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputTarget {
    start: usize,
    end: usize,
}

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
    Ok { id: Option<Value>, text: String, spans: Vec<CharSpan>, encoded: EncodedSentence },
    Err { id: Option<Value>, message: String },
}

fn parse_line(encoder: &SentenceEncoder, line: &str) -> Parsed {
    let input: InputLine = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            let id = serde_json::from_str::<Value>(line).ok().and_then(|v| v.get("id").cloned());
            let message = if e.is_data() && line.trim_start().starts_with('{') {
                format!("bad record: {e}")
            } else {
                format!("not a JSON object: {e}")
            };
            return Parsed::Err { id, message };
        }
    };
    let spans: Vec<CharSpan> = input.targets.iter().map(|t| CharSpan { start: t.start, end: t.end }).collect();
    match encoder.encode(&input.text, &spans) {
        Ok(encoded) => Parsed::Ok { id: input.id, text: input.text, spans, encoded },
        Err(e) => Parsed::Err { id: input.id, message: format!("field \"targets\": {e}") },
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

fn output_line(id: &Option<Value>, text: &str, spans: &[CharSpan], s: &SentenceScores) -> Value {
    let chars: Vec<char> = text.chars().collect();
    let targets: Vec<Value> = spans
        .iter()
        .zip(&s.targets)
        .enumerate()
        .map(|(i, (span, p))| {
            json!({
                "start": span.start,
                "end": span.end,
                "text": chars[span.start..span.end].iter().collect::<String>(),
                "stance": probs_object::<Stance>(p),
                "label": s.stance_label(i).name(),
            })
        })
        .collect();
    let mut m = Map::new();
    if let Some(id) = id {
        m.insert("id".into(), id.clone());
    }
    m.insert("sentiment".into(), probs_object::<Sentiment>(&s.sentiment));
    m.insert("sentiment_label".into(), json!(s.sentiment_label().name()));
    m.insert("targets".into(), Value::Array(targets));
    Value::Object(m)
}

/// Lines read and scored together: enough for well-filled, length-sorted batches, small enough to
/// keep memory flat.
const CHUNK_LINES: usize = 2048;

/// Scores every line of `input` to `output`. `source` names the input in error messages; `errors`
/// receives one line per bad input line.
pub fn score_stream(
    model: &StanceModel,
    input: impl BufRead,
    mut output: impl Write,
    source: &str,
    policy: BatchPolicy,
    errors: &mut dyn FnMut(&str),
    progress: &mut dyn FnMut(usize),
) -> Result<ScoreSummary> {
    let mut summary = ScoreSummary::default();
    let mut lines = input.lines();
    let mut line_no = 0usize;
    loop {
        let mut chunk: Vec<(usize, String)> = Vec::with_capacity(CHUNK_LINES);
        for line in lines.by_ref() {
            line_no += 1;
            let line = line.with_context(|| format!("{source}:{line_no}: cannot read line"))?;
            if line.trim().is_empty() {
                continue;
            }
            chunk.push((line_no, line));
            if chunk.len() >= CHUNK_LINES {
                break;
            }
        }
        if chunk.is_empty() {
            break;
        }
        use rayon::prelude::*;
        let encoder = &model.encoder;
        let parsed: Vec<Parsed> = chunk.par_iter().map(|(_, l)| parse_line(encoder, l)).collect();
        let to_score: Vec<&EncodedSentence> = parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Ok { encoded, .. } => Some(encoded),
                Parsed::Err { .. } => None,
            })
            .collect();
        let mut scores = score_encoded(model, &to_score, policy, &mut *progress)?.into_iter();
        for ((n, _), p) in chunk.iter().zip(&parsed) {
            summary.lines += 1;
            let value = match p {
                Parsed::Ok { id, text, spans, .. } => {
                    let s = scores.next().expect("one score per parsed line");
                    summary.scored += 1;
                    summary.targets += spans.len();
                    output_line(id, text, spans, &s)
                }
                Parsed::Err { id, message } => {
                    summary.failed += 1;
                    errors(&format!("{source}:{n}: {message}"));
                    let mut m = Map::new();
                    if let Some(id) = id {
                        m.insert("id".into(), id.clone());
                    }
                    m.insert("line".into(), json!(n));
                    m.insert("error".into(), json!(message));
                    Value::Object(m)
                }
            };
            serde_json::to_writer(&mut output, &value)?;
            output.write_all(b"\n")?;
        }
        output.flush()?;
    }
    Ok(summary)
}
