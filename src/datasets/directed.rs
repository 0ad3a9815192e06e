//! The directed-sentiment set (`../shared/data/directed-sentiment/train.txt`; Park, Pan & Joo, "Who
//! Blames or Endorses Whom?", ACL 2021): news sentences with two political entities in `[brackets]`
//! and a crowd label for who is positive or negative toward whom. One line, tab-separated: the
//! sentence with both entities bracketed, entity p, entity q, class (`0` neutral, `1` p positive
//! toward q, `2` q positive toward p, `3` p negative toward q, `4` q negative toward p).
//!
//! How it maps to stance (`docs/annotation.md`): the entity praised or endorsed is the target of the
//! sentence's favor, the one blamed or criticised the target of its against (rule 1, reported speech
//! counts). The holder, the one who blames or praises, is not labelled by the set: rule 3 judges it
//! on its own, so only people reading the sentence can label it (the fifth draw of the actor-stance
//! corpus does that for 450 of these sentences). Neutral lines (class 0) say that neither entity is
//! positive or negative toward the other, not that the sentence is neutral toward either, so they
//! are not used.
//!
//! Invariant: spans are Unicode character offsets into the sentence with the brackets removed.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::StanceExample;
use crate::labels::Stance;
use crate::text::span::CharSpan;

/// One sentence with a directed label: the entity blamed or praised and the stance toward it.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectedSentence {
    /// 1-based line of the file.
    pub line: usize,
    pub text: String,
    /// The entity blamed or praised.
    pub target: CharSpan,
    /// The entity that blames or praises.
    pub holder: CharSpan,
    /// `Against` (blamed) or `Favor` (praised).
    pub stance: Stance,
}

impl DirectedSentence {
    /// The sentence as a training example: the target with its mapped stance (the holder is left
    /// out: the set does not label it).
    pub fn target_example(&self) -> StanceExample {
        StanceExample { text: self.text.clone(), spans: vec![self.target], labels: vec![self.stance] }
    }
}

/// The directed sentences that the actor-stance corpus holds, read by the guideline: their reader
/// labels take the place of the mapped ones, so the trainer leaves them out of its mapped pool. A
/// sentence counts as held by its line or by its text, since the file repeats some sentences under
/// other line numbers, and a repeat left in the pool would train on a validation sentence's text.
#[derive(Debug, Default)]
pub struct ReadInCorpus {
    lines: std::collections::HashSet<usize>,
    texts: std::collections::HashSet<String>,
}

impl ReadInCorpus {
    /// From the corpus's directed-sentiment pairs (unit `line N`).
    pub fn new<'a>(pairs: impl IntoIterator<Item = &'a crate::datasets::actor_corpus::ActorStancePair>) -> Self {
        let mut read = ReadInCorpus::default();
        for p in pairs {
            if let Some(line) = p.unit.strip_prefix("line ").and_then(|n| n.parse().ok()) {
                read.lines.insert(line);
            }
            read.texts.insert(normalized(&p.text));
        }
        read
    }

    /// Whether the corpus holds `s`, by line or by text.
    pub fn holds(&self, s: &DirectedSentence) -> bool {
        self.lines.contains(&s.line) || self.texts.contains(&normalized(&s.text))
    }
}

fn normalized(text: &str) -> String {
    text.trim().to_lowercase()
}

/// What reading the file found: the directed sentences, and how many lines were left out and why.
#[derive(Debug, Default)]
pub struct DirectedSet {
    pub sentences: Vec<DirectedSentence>,
    /// Lines of class 0 (no direction between the two entities).
    pub undirected: usize,
    /// Directed lines whose brackets do not give exactly the two named entities (listed by line).
    pub unparsed: Vec<usize>,
}

/// Reads `train.txt`. A line with the wrong number of fields or an unknown class stops the read with
/// its line number; a directed line whose brackets cannot be matched to its two entities is counted
/// in `unparsed` (the caller reports it).
pub fn read_directed(path: &Path) -> Result<DirectedSet> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut set = DirectedSet::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = raw.split('\t').collect();
        if cols.len() != 4 {
            bail!("{}:{line}: expected 4 tab-separated fields, found {}", path.display(), cols.len());
        }
        let (holder_is_p, stance) = match cols[3].trim() {
            "0" => {
                set.undirected += 1;
                continue;
            }
            "1" => (true, Stance::Favor),
            "2" => (false, Stance::Favor),
            "3" => (true, Stance::Against),
            "4" => (false, Stance::Against),
            other => bail!("{}:{line}: field 4 (class): '{other}' is not 0-4", path.display()),
        };
        let Some((plain, spans)) = unbracket(cols[0]) else {
            set.unparsed.push(line);
            continue;
        };
        // unbracket's spans lie in its text.
        let names: Vec<&str> = spans.iter().map(|s| s.of(&plain).unwrap_or_default()).collect();
        if spans.len() != 2 || names[0] != cols[1] || names[1] != cols[2] || spans.iter().any(|s| s.start >= s.end) {
            set.unparsed.push(line);
            continue;
        }
        let (holder, target) = if holder_is_p { (spans[0], spans[1]) } else { (spans[1], spans[0]) };
        set.sentences.push(DirectedSentence { line, text: plain, target, holder, stance });
    }
    Ok(set)
}

/// Removes the brackets and returns the text with the character spans they enclosed; `None` for
/// nested or unbalanced brackets.
fn unbracket(marked: &str) -> Option<(String, Vec<CharSpan>)> {
    let mut plain = String::with_capacity(marked.len());
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    let mut n = 0usize;
    for c in marked.chars() {
        match c {
            '[' if open.is_none() => open = Some(n),
            ']' => spans.push(CharSpan { start: open.take()?, end: n }),
            '[' => return None,
            c => {
                plain.push(c);
                n += 1;
            }
        }
    }
    open.is_none().then_some((plain, spans))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(lines: &str) -> Result<DirectedSet> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("train.txt");
        std::fs::write(&p, lines).unwrap();
        read_directed(&p)
    }

    #[test]
    fn classes_map_to_the_blamed_or_praised_entity() {
        let set = read(
            "[Tokyo] protested to [Beijing].\tTokyo\tBeijing\t3\n\
             [Paris] was hailed by [Rome].\tParis\tRome\t2\n\
             [A] met [B].\tA\tB\t0\n\
             [Наталья] thanked [Bob].\tНаталья\tBob\t1\n",
        )
        .unwrap();
        assert_eq!(set.undirected, 1);
        assert!(set.unparsed.is_empty());
        let s = &set.sentences;
        assert_eq!(
            (s[0].text.as_str(), s[0].target, s[0].stance),
            ("Tokyo protested to Beijing.", CharSpan { start: 19, end: 26 }, Stance::Against)
        );
        assert_eq!(s[0].holder, CharSpan { start: 0, end: 5 });
        assert_eq!((s[1].target, s[1].stance), (CharSpan { start: 0, end: 5 }, Stance::Favor));
        // Character offsets, not bytes.
        assert_eq!((s[2].holder, s[2].target), (CharSpan { start: 0, end: 7 }, CharSpan { start: 16, end: 19 }));
        assert_eq!(s[2].target_example().labels, vec![Stance::Favor]);
    }

    #[test]
    fn bad_lines_are_named_or_counted() {
        let e = format!("{:#}", read("a\tb\n").unwrap_err());
        assert!(e.contains("train.txt:1") && e.contains("4 tab-separated"), "{e}");
        let e = format!("{:#}", read("[a] [b]\ta\tb\t7\n").unwrap_err());
        assert!(e.contains(":1") && e.contains("class"), "{e}");
        let set = read("[a] [b] [c]\ta\tb\t1\n[a [b]]\ta\tb\t3\n[x] y\tx\ty\t1\n").unwrap();
        assert_eq!(set.unparsed, vec![1, 2, 3]);
    }

    #[test]
    fn a_sentence_the_corpus_read_is_held_by_its_line_or_by_its_repeated_text() {
        let set = read(
            "[Tokyo] protested to [Beijing].\tTokyo\tBeijing\t3\n\
             [Paris] was hailed by [Rome].\tParis\tRome\t2\n\
             [Tokyo] protested to [Beijing].\tTokyo\tBeijing\t3\n\
             [Oslo] thanked [Bern].\tOslo\tBern\t1\n",
        )
        .unwrap();
        let pair = |line: usize, text: &str| -> crate::datasets::actor_corpus::ActorStancePair {
            serde_json::from_value(serde_json::json!({
                "id": "as1", "source": "directed-sentiment-train", "unit": format!("line {line}"),
                "position": format!("line {line}"), "date": null, "context": null, "text": text,
                "start": 0, "end": 5, "mention": "Tokyo", "actor": "named_entity", "split": "validation",
                "label": "against", "annotations": {"A1": "against"}, "resolution": "single"
            }))
            .unwrap()
        };
        // The corpus read line 1 and line 2; line 3 repeats line 1's text under another number.
        let corpus = [pair(1, "Tokyo protested to Beijing."), pair(2, "Paris was hailed by Rome.")];
        let read_in = ReadInCorpus::new(corpus.iter());
        let held: Vec<usize> = set.sentences.iter().filter(|s| read_in.holds(s)).map(|s| s.line).collect();
        assert_eq!(held, vec![1, 2, 3]);
        // With nothing read, nothing is held.
        assert!(set.sentences.iter().all(|s| !ReadInCorpus::new([].iter()).holds(s)));
    }
}
