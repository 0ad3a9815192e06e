//! Behavioural test suites in the style of CheckList (Ribeiro et al., ACL 2020): short sentences
//! written to probe one capability each (who does what to whom, reported speech, demands, criticism
//! by X of Y, praise, cooperation, plain reports), mostly as minimal pairs that swap which actor does
//! what. They are for tests and for choosing between designs, never for training: a written
//! sentence is not a judgement of real text.
//!
//! One JSON object a line:
//! `{"capability": "...", "pair": "p01", "text": "...", "targets": [{"mention": "Russia", "label": "against"}]}`.
//! `pair` (optional) groups the sentences of one minimal pair. A target names its mention by text;
//! the first occurrence is used unless `occurrence` (1-based) says otherwise. Lines starting with `#`
//! are comments.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use super::StanceExample;
use crate::labels::{LabelSet, Stance};
use crate::text::span::{ByteSpan, CharOffsets};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    capability: String,
    #[serde(default)]
    pair: Option<String>,
    text: String,
    targets: Vec<TargetRecord>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetRecord {
    mention: String,
    label: String,
    #[serde(default)]
    occurrence: Option<usize>,
}

/// One sentence of a suite with its targets and gold labels.
#[derive(Debug, Clone)]
pub struct BehaviourCase {
    pub capability: String,
    pub pair: Option<String>,
    /// The mentions as written, in the order of `example.spans`.
    pub mentions: Vec<String>,
    pub example: StanceExample,
}

/// Whether `path`'s first record is a behavioural case (has `capability`); reads up to that record.
pub fn is_behaviour_suite(path: &Path) -> bool {
    use std::io::BufRead;
    let Ok(f) = std::fs::File::open(path) else { return false };
    std::io::BufReader::new(f)
        .lines()
        .map_while(|l| l.ok())
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .and_then(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
        .is_some_and(|v| v.get("capability").is_some())
}

/// Reads a suite; a bad line stops the read with its file, line and field.
pub fn read_suite(path: &Path) -> Result<Vec<BehaviourCase>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = || format!("{}:{}", path.display(), i + 1);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let r: Record = serde_json::from_str(line).with_context(|| format!("{}: bad behavioural case", at()))?;
        let mut spans = Vec::new();
        let mut labels = Vec::new();
        let mut mentions = Vec::new();
        for (k, t) in r.targets.iter().enumerate() {
            let label =
                Stance::ALL.iter().copied().find(|l| l.name() == t.label).with_context(|| {
                    format!("{}: targets[{k}].label: '{}' is not against/neutral/favor", at(), t.label)
                })?;
            let nth = t.occurrence.unwrap_or(1).max(1);
            let Some((byte, _)) = r.text.match_indices(&t.mention).nth(nth - 1) else {
                bail!("{}: targets[{k}].mention: '{}' (occurrence {nth}) is not in the text", at(), t.mention);
            };
            spans.push(CharOffsets::new(&r.text).span(ByteSpan { start: byte, end: byte + t.mention.len() }));
            labels.push(label);
            mentions.push(t.mention.clone());
        }
        if spans.is_empty() {
            bail!("{}: targets: none given", at());
        }
        cases.push(BehaviourCase {
            capability: r.capability,
            pair: r.pair,
            mentions,
            example: StanceExample { text: r.text, spans, labels },
        });
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::span::CharSpan;

    #[test]
    fn mentions_become_character_spans_and_bad_lines_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("suite.jsonl");
        std::fs::write(
            &p,
            "# comment\n{\"capability\":\"c\",\"pair\":\"p1\",\"text\":\"Ça: Russia and Russia\",\
             \"targets\":[{\"mention\":\"Russia\",\"label\":\"against\",\"occurrence\":2}]}\n",
        )
        .unwrap();
        assert!(is_behaviour_suite(&p));
        let cases = read_suite(&p).unwrap();
        assert_eq!(cases[0].example.spans, vec![CharSpan { start: 15, end: 21 }]);
        assert_eq!(cases[0].example.labels, vec![Stance::Against]);
        std::fs::write(
            &p,
            "{\"capability\":\"c\",\"text\":\"a\",\"targets\":[{\"mention\":\"b\",\"label\":\"favor\"}]}\n",
        )
        .unwrap();
        let e = format!("{:#}", read_suite(&p).unwrap_err());
        assert!(e.contains("suite.jsonl:1") && e.contains("targets[0].mention"), "{e}");
    }
}
