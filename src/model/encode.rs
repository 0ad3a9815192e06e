//! Turns a sentence and its target spans (Unicode character offsets, end exclusive) into encoder
//! rows of token ids, and each target into a token span inside one row.
//!
//! Invariant: every target of a sentence lands in exactly one row. A sentence that fits the encoder
//! is one row, so one encoder pass scores all its targets. A sentence longer than `max_tokens` is
//! cut into windows around its targets; targets too far apart for one window get a window each, so
//! no target is ever dropped, at the cost of an extra pass for that rare sentence.
//!
//! With target markers (a model trained with `--target-markers`), each target gets a row of its
//! own in which its tokens sit between two marker tokens (`[unused0]` target `[unused1]`), and the
//! target's token span covers the markers: the encoder then sees which actor is being judged, so
//! two actors of one sentence can be read apart. A sentence with one target is still one row; a
//! sentence with k targets costs k rows. A sentence without targets (sentiment only) is one
//! unmarked row.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use tokenizers::Tokenizer;

pub use crate::text::span::CharSpan;

/// Why a target span could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpanError {
    #[error("target {index}: empty span {start}..{end} (need start < end)")]
    Empty { index: usize, start: usize, end: usize },
    #[error("target {index}: span {start}..{end} is past the end of the text ({len} characters)")]
    OutOfRange { index: usize, start: usize, end: usize, len: usize },
    #[error("target {index}: span {start}..{end} covers no token (only whitespace?)")]
    NoToken { index: usize, start: usize, end: usize },
}

/// One encoder input row: `[CLS] tokens [SEP]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub ids: Vec<i64>,
}

/// Where a target sits: row index within its sentence, and token positions `[start, end)` in that
/// row (positions count the leading `[CLS]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetTokens {
    pub row: usize,
    pub start: usize,
    pub end: usize,
}

/// A sentence ready for the network: its rows (usually one) and its targets in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedSentence {
    pub rows: Vec<Row>,
    pub targets: Vec<TargetTokens>,
}

impl EncodedSentence {
    /// Number of tokens in the longest row: the padding cost of batching this sentence.
    pub fn max_len(&self) -> usize {
        self.rows.iter().map(|r| r.ids.len()).max().unwrap_or(0)
    }
}

/// The tokenizer plus the window policy.
pub struct SentenceEncoder {
    tokenizer: Tokenizer,
    max_tokens: usize,
    cls: i64,
    sep: i64,
    /// The ids of the tokens that open and close a marked target; `None` for models without markers.
    markers: Option<(i64, i64)>,
}

/// The vocabulary entries used as target markers: reserved, never produced by the tokenizer.
pub const MARKER_TOKENS: (&str, &str) = ("[unused0]", "[unused1]");

impl SentenceEncoder {
    /// Loads `tokenizer.json`; `max_tokens` counts `[CLS]` and `[SEP]`.
    pub fn from_file(path: &Path, max_tokens: usize) -> Result<Self> {
        let mut tokenizer = Tokenizer::from_file(path)
            .map_err(anyhow::Error::from_boxed)
            .with_context(|| format!("{}: cannot load tokenizer", path.display()))?;
        tokenizer
            .with_truncation(None)
            .map_err(anyhow::Error::from_boxed)
            .with_context(|| format!("{}: cannot configure the tokenizer", path.display()))?;
        tokenizer.with_padding(None);
        let id = |t: &str| {
            tokenizer
                .token_to_id(t)
                .map(i64::from)
                .with_context(|| format!("{}: tokenizer has no {t} token", path.display()))
        };
        // The tokens the tokenizer's own post-processor puts around a sentence: [CLS] and [SEP] in
        // BERT's, <s> and </s> in MPNet's (whose vocabulary also holds BERT's [CLS], unused).
        let around = tokenizer
            .encode("", true)
            .map_err(anyhow::Error::from_boxed)
            .with_context(|| format!("{}: cannot encode with the tokenizer", path.display()))?;
        let (cls, sep) = match around.get_ids() {
            &[cls, sep] => (i64::from(cls), i64::from(sep)),
            _ => (id("[CLS]")?, id("[SEP]")?),
        };
        if max_tokens < 8 {
            return Err(anyhow!("max_tokens must be at least 8, got {max_tokens}"));
        }
        Ok(Self { tokenizer, max_tokens, cls, sep, markers: None })
    }

    /// Switches target markers on or off (a model's `target_markers` setting). Fails when the
    /// tokenizer's vocabulary lacks the marker tokens.
    pub fn set_target_markers(&mut self, on: bool) -> Result<()> {
        self.markers = if on {
            let id = |t: &str| {
                self.tokenizer.token_to_id(t).map(i64::from).with_context(|| format!("tokenizer has no {t} token"))
            };
            Some((id(MARKER_TOKENS.0)?, id(MARKER_TOKENS.1)?))
        } else {
            None
        };
        Ok(())
    }

    /// Whether targets are marked in the input (one row per target).
    pub fn target_markers(&self) -> bool {
        self.markers.is_some()
    }

    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Checks the spans against `text` (character offsets) without tokenizing.
    pub fn check_spans(text: &str, spans: &[CharSpan]) -> Result<(), SpanError> {
        let len = text.chars().count();
        for (index, s) in spans.iter().enumerate() {
            if s.start >= s.end {
                return Err(SpanError::Empty { index, start: s.start, end: s.end });
            }
            if s.end > len {
                return Err(SpanError::OutOfRange { index, start: s.start, end: s.end, len });
            }
        }
        Ok(())
    }

    /// Tokenizes `text` and places every span. Spans are character offsets, end exclusive.
    pub fn encode(&self, text: &str, spans: &[CharSpan]) -> Result<EncodedSentence, SpanError> {
        Self::check_spans(text, spans)?;
        let enc = match self.tokenizer.encode_char_offsets(text, false) {
            Ok(e) => e,
            // The BERT tokenizer has no failure mode on valid UTF-8; treat one as "no tokens".
            Err(_) => return self.place(&[], &[], spans),
        };
        let ids: Vec<i64> = enc.get_ids().iter().map(|&i| i64::from(i)).collect();
        self.place(&ids, enc.get_offsets(), spans)
    }

    /// Window placement over content tokens `ids` with character `offsets`: each target's token
    /// span, then its row (one row per target with markers, else one row or windows).
    fn place(&self, ids: &[i64], offsets: &[(usize, usize)], spans: &[CharSpan]) -> Result<EncodedSentence, SpanError> {
        let tok_spans = token_spans(offsets, spans)?;
        if let (Some(markers), false) = (self.markers, tok_spans.is_empty()) {
            return Ok(self.place_marked(ids, &tok_spans, markers));
        }
        Ok(self.place_windows(ids, &tok_spans))
    }

    /// `[CLS] tokens [SEP]`: the whole sentence in one row when it fits, else windows of at most
    /// `max_tokens` around groups of targets (in token order), each target in the window of its group.
    fn place_windows(&self, ids: &[i64], tok_spans: &[(usize, usize)]) -> EncodedSentence {
        let budget = self.max_tokens - 2;
        let n = ids.len();
        let make_row = |from: usize, to: usize| {
            let mut row = Vec::with_capacity(to - from + 2);
            row.push(self.cls);
            row.extend_from_slice(&ids[from..to]);
            row.push(self.sep);
            Row { ids: row }
        };
        if n <= budget {
            let targets = tok_spans.iter().map(|&(a, b)| TargetTokens { row: 0, start: a + 1, end: b + 1 }).collect();
            return EncodedSentence { rows: vec![make_row(0, n)], targets };
        }
        // Too long: group targets (in token order) into windows of at most `budget` tokens.
        let mut order: Vec<usize> = (0..tok_spans.len()).collect();
        order.sort_by_key(|&i| (tok_spans[i].0, i));
        let mut rows = Vec::new();
        let mut targets = vec![TargetTokens { row: 0, start: 0, end: 0 }; tok_spans.len()];
        let mut i = 0;
        while i < order.len() {
            let g_start = tok_spans[order[i]].0;
            let mut g_end = tok_spans[order[i]].1;
            let mut j = i + 1;
            while j < order.len() && tok_spans[order[j]].1.max(g_end) - g_start <= budget {
                g_end = g_end.max(tok_spans[order[j]].1);
                j += 1;
            }
            // Centre the window on the group, clamped to the sentence.
            let centre = (g_start + g_end.min(g_start + budget)) / 2;
            let from = centre.saturating_sub(budget / 2).min(n - budget);
            let to = from + budget;
            let row = rows.len();
            rows.push(make_row(from, to));
            for &t in &order[i..j] {
                let (a, b) = tok_spans[t];
                // A single target longer than the window keeps the part that fits.
                let a = a.clamp(from, to - 1);
                let b = b.clamp(a + 1, to);
                targets[t] = TargetTokens { row, start: a - from + 1, end: b - from + 1 };
            }
            i = j;
        }
        if rows.is_empty() {
            rows.push(make_row(0, budget));
        }
        EncodedSentence { rows, targets }
    }

    /// One row per target: `[CLS] ... [M0] target [M1] ... [SEP]`, cut to a window centred on the
    /// target when the sentence is too long. The target's token span covers both markers.
    fn place_marked(&self, ids: &[i64], tok_spans: &[(usize, usize)], (open, close): (i64, i64)) -> EncodedSentence {
        let budget = self.max_tokens - 4;
        let n = ids.len();
        let mut rows = Vec::with_capacity(tok_spans.len());
        let mut targets = Vec::with_capacity(tok_spans.len());
        for (row, &(a, b)) in tok_spans.iter().enumerate() {
            // A target longer than the whole window keeps the part that fits.
            let b = b.min(a + budget);
            let (from, to) = if n <= budget {
                (0, n)
            } else {
                let centre = (a + b) / 2;
                let from = centre.saturating_sub(budget / 2).min(n - budget).min(a);
                (from, (from + budget).max(b))
            };
            let mut r = Vec::with_capacity(to - from + 4);
            r.push(self.cls);
            r.extend_from_slice(&ids[from..a]);
            let start = r.len();
            r.push(open);
            r.extend_from_slice(&ids[a..b]);
            r.push(close);
            let end = r.len();
            r.extend_from_slice(&ids[b..to]);
            r.push(self.sep);
            rows.push(Row { ids: r });
            targets.push(TargetTokens { row, start, end });
        }
        EncodedSentence { rows, targets }
    }
}

/// The content-token span `[first, last)` of each target (character spans over tokens with
/// character `offsets`): the tokens that overlap it. Offsets need not be monotone (some tokens are
/// empty), so a running maximum of ends and a suffix minimum of starts bound the search: a binary
/// search finds the first token that may overlap the target, and the scan stops where no later
/// token can. Placing every target costs about O(targets x log tokens).
fn token_spans(offsets: &[(usize, usize)], spans: &[CharSpan]) -> Result<Vec<(usize, usize)>, SpanError> {
    let max_end: Vec<usize> = offsets
        .iter()
        .scan(0, |m, &(_, b)| {
            *m = (*m).max(b);
            Some(*m)
        })
        .collect();
    let mut min_start = vec![usize::MAX; offsets.len() + 1];
    for t in (0..offsets.len()).rev() {
        min_start[t] = min_start[t + 1].min(offsets[t].0);
    }
    let mut tok_spans = Vec::with_capacity(spans.len());
    for (index, s) in spans.iter().enumerate() {
        let mut first = None;
        let mut last = 0;
        let from = max_end.partition_point(|&b| b <= s.start);
        for (t, &(a, b)) in offsets.iter().enumerate().skip(from) {
            if min_start[t] >= s.end {
                break;
            }
            if a >= s.end {
                continue;
            }
            if b > s.start && b > a {
                first.get_or_insert(t);
                last = t + 1;
            }
        }
        match first {
            Some(f) => tok_spans.push((f, last)),
            None => return Err(SpanError::NoToken { index, start: s.start, end: s.end }),
        }
    }
    Ok(tok_spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An encoder over a fake tokenization: one token per character position given.
    fn fake(max_tokens: usize) -> SentenceEncoder {
        let tok = Tokenizer::from_file(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/stance-minilm/tokenizer.json"),
        );
        let tokenizer = tok.expect("shipped tokenizer.json");
        SentenceEncoder { tokenizer, max_tokens, cls: 101, sep: 102, markers: None }
    }

    fn one_char_tokens(n: usize) -> (Vec<i64>, Vec<(usize, usize)>) {
        ((0..n as i64).map(|i| 1000 + i).collect(), (0..n).map(|i| (i, i + 1)).collect())
    }

    #[test]
    fn short_sentence_is_one_row() {
        let e = fake(16);
        let (ids, offs) = one_char_tokens(5);
        let s = e.place(&ids, &offs, &[CharSpan { start: 1, end: 3 }]).unwrap();
        assert_eq!(s.rows.len(), 1);
        assert_eq!(s.rows[0].ids, vec![101, 1000, 1001, 1002, 1003, 1004, 102]);
        assert_eq!(s.targets, vec![TargetTokens { row: 0, start: 2, end: 4 }]);
    }

    #[test]
    fn long_sentence_windows_keep_every_target() {
        let e = fake(12); // budget 10 content tokens
        let (ids, offs) = one_char_tokens(100);
        let spans = [CharSpan { start: 95, end: 97 }, CharSpan { start: 2, end: 3 }, CharSpan { start: 5, end: 7 }];
        let s = e.place(&ids, &offs, &spans).unwrap();
        assert_eq!(s.rows.len(), 2, "targets 2 and 5 share a window, 95 gets its own");
        for (t, span) in s.targets.iter().zip(spans) {
            let row = &s.rows[t.row].ids;
            assert!(row.len() <= 12);
            let got: Vec<i64> = row[t.start..t.end].to_vec();
            let want: Vec<i64> = (span.start..span.end).map(|i| 1000 + i as i64).collect();
            assert_eq!(got, want, "target {span:?} maps back to its own tokens");
        }
    }

    #[test]
    fn marked_targets_get_a_row_each_with_markers_around_them() {
        let mut e = fake(16);
        e.set_target_markers(true).unwrap();
        let (m0, m1) = e.markers.unwrap();
        let (ids, offs) = one_char_tokens(5);
        let s = e.place(&ids, &offs, &[CharSpan { start: 3, end: 4 }, CharSpan { start: 1, end: 2 }]).unwrap();
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].ids, vec![101, 1000, 1001, 1002, m0, 1003, m1, 1004, 102]);
        assert_eq!(s.rows[1].ids, vec![101, 1000, m0, 1001, m1, 1002, 1003, 1004, 102]);
        assert_eq!(
            s.targets,
            vec![TargetTokens { row: 0, start: 4, end: 7 }, TargetTokens { row: 1, start: 2, end: 5 }]
        );
        // Without targets (sentiment) the row is unmarked.
        assert_eq!(e.place(&ids, &offs, &[]).unwrap().rows[0].ids, vec![101, 1000, 1001, 1002, 1003, 1004, 102]);
    }

    #[test]
    fn marked_long_sentence_windows_centre_on_each_target() {
        let mut e = fake(12); // 8 content tokens a row
        e.set_target_markers(true).unwrap();
        let (m0, m1) = e.markers.unwrap();
        let (ids, offs) = one_char_tokens(100);
        for span in [CharSpan { start: 0, end: 1 }, CharSpan { start: 50, end: 52 }, CharSpan { start: 98, end: 100 }] {
            let s = e.place(&ids, &offs, &[span]).unwrap();
            let t = s.targets[0];
            let row = &s.rows[0].ids;
            assert!(row.len() <= 12, "{row:?}");
            assert_eq!(row[t.start], m0);
            assert_eq!(row[t.end - 1], m1);
            let inside: Vec<i64> = row[t.start + 1..t.end - 1].to_vec();
            assert_eq!(inside, (span.start..span.end).map(|i| 1000 + i as i64).collect::<Vec<_>>());
        }
        // A target longer than the window is cut to it, markers kept.
        let s = e.place(&ids, &offs, &[CharSpan { start: 10, end: 40 }]).unwrap();
        assert!(s.rows[0].ids.len() <= 12);
        assert_eq!(s.rows[0].ids[s.targets[0].end - 1], m1);
    }

    #[test]
    fn bad_spans_are_reported() {
        assert_eq!(
            SentenceEncoder::check_spans("abc", &[CharSpan { start: 1, end: 9 }]),
            Err(SpanError::OutOfRange { index: 0, start: 1, end: 9, len: 3 })
        );
        assert!(matches!(
            SentenceEncoder::check_spans("abc", &[CharSpan { start: 2, end: 2 }]),
            Err(SpanError::Empty { .. })
        ));
        let e = fake(16);
        let err = e.encode("a  b", &[CharSpan { start: 1, end: 3 }]).unwrap_err();
        assert!(matches!(err, SpanError::NoToken { index: 0, .. }));
    }

    #[test]
    fn real_tokenizer_offsets_are_characters() {
        let e = fake(64);
        // "Россия" is 6 characters but 12 bytes: offsets must be in characters.
        let text = "Россия and Russia";
        let s = e.encode(text, &[CharSpan { start: 11, end: 17 }]).unwrap();
        let t = s.targets[0];
        assert!(t.end > t.start);
        let ids = &s.rows[0].ids[t.start..t.end];
        let russia = e.tokenizer.token_to_id("russia").unwrap() as i64;
        assert_eq!(ids, &[russia]);
    }

    #[test]
    fn the_shipped_tokenizer_brackets_rows_with_cls_and_sep() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/stance-minilm/tokenizer.json");
        let e = SentenceEncoder::from_file(&path, 64).unwrap();
        assert_eq!((e.cls, e.sep), (101, 102), "[CLS] and [SEP] of the BERT vocabulary");
    }
}
