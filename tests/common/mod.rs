//! Helpers shared by the integration tests: where the shipped model, the base encoder and the
//! data sets live, skipping with a clear message when an optional one is absent (and failing
//! instead where `STANCE_REQUIRE_DATA` is set, as CI does, so a missing file cannot pass silently),
//! and the one way to run the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn shipped_model() -> PathBuf {
    root().join(stance::model::DEFAULT_MODEL_DIR)
}

/// Skips (returns `None`) with a message, or panics where `STANCE_REQUIRE_DATA` is set.
fn missing<T>(what: &str) -> Option<T> {
    if std::env::var_os("STANCE_REQUIRE_DATA").is_some() {
        panic!("{what} (STANCE_REQUIRE_DATA is set, so this is a failure, not a skip)");
    }
    eprintln!("SKIP: {what}");
    None
}

/// `../shared/data`, or `None` (and a message) when this checkout has no data beside it.
pub fn data_dir() -> Option<PathBuf> {
    let d = root().join("../shared/data");
    if d.join("newsmtsc/train.jsonl").exists() {
        Some(d)
    } else {
        missing("../shared/data is absent; this test needs the NewsMTSC training file")
    }
}

/// The base encoder fetched by `scripts/setup.sh --base-model`, or `None` with a message.
pub fn base_model() -> Option<PathBuf> {
    let d = root().join(".base-model");
    if d.join("model.safetensors").exists() {
        Some(d)
    } else {
        missing(".base-model is absent; run scripts/setup.sh --base-model")
    }
}

/// The State of the Union corpus written by `scripts/sotu/fetch.sh`, or `None` with a message.
pub fn sotu() -> Option<PathBuf> {
    let p = root().join("data/sotu/sotu.jsonl");
    if p.exists() {
        Some(p)
    } else {
        missing("data/sotu/sotu.jsonl is absent; run scripts/sotu/fetch.sh")
    }
}

/// Runs the `stance` binary with `args`, feeding `stdin` (bytes, so tests can send bad UTF-8), and
/// returns its output. The one way the integration tests start the binary.
pub fn stance(args: &[&str], stdin: &[u8]) -> std::process::Output {
    stance_env(args, stdin, &[])
}

/// As [`stance`], with extra environment variables.
pub fn stance_env(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stance"));
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("stance runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    let stdin = stdin.to_vec();
    // Fed from a thread so a child that writes much before reading all its input cannot deadlock
    // on full pipes; it may exit before reading everything (a fatal error), which the test judges.
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("stance finishes");
    feeder.join().expect("stdin feeder");
    out
}

/// Lossy UTF-8 of an output stream, for messages and searches.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Each stdout line parsed as JSON; panics naming the line that is not.
pub fn json_lines(b: &[u8]) -> Vec<serde_json::Value> {
    text(b).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
}

/// "bad" in the sentence: against; "good": favor; otherwise neutral, for the sentiment. Each
/// target's stance reads the same keywords from the target's start to the end of the sentence, so
/// targets of one sentence can differ ("China is bad, but Russia is good": China against, Russia
/// favor) and a mention paired with another target's scores shows.
pub struct KeywordScorer;

fn keyword_scores(text: &str) -> [f32; 3] {
    if text.contains("bad") {
        [0.8, 0.15, 0.05]
    } else if text.contains("good") {
        [0.1, 0.2, 0.7]
    } else {
        [0.2, 0.6, 0.2]
    }
}

impl stance::score::SentenceScorer for KeywordScorer {
    fn score(
        &self,
        items: &[(&str, Vec<stance::model::CharSpan>)],
    ) -> anyhow::Result<Vec<stance::score::SentenceScores>> {
        Ok(items
            .iter()
            .map(|(text, spans)| {
                let from = |span: &stance::model::CharSpan| {
                    let byte = text.char_indices().nth(span.start).expect("a target inside the sentence").0;
                    keyword_scores(&text[byte..])
                };
                stance::score::SentenceScores {
                    sentiment: keyword_scores(text),
                    targets: spans.iter().map(from).collect(),
                }
            })
            .collect())
    }
}
