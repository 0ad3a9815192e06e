//! The actor-stance corpus (`data/actor-stance/corpus.jsonl`, made by reading and judging each
//! sentence by `docs/annotation.md`): one JSON object a line per (sentence, actor mention) pair, with
//! its source and position, the mention's character span, the actor, the split fixed before any
//! training (`train`, `validation`, `test`) and the gold label. This reader checks every record and
//! groups the pairs of one sentence into one [`StanceExample`], so one encoder pass scores them all.
//!
//! Invariant: `start`/`end` are Unicode character offsets, end exclusive (as NewsMTSC and `stance
//! score`), and `text[start..end]` is exactly `mention`; a record that breaks this is refused with
//! its file, line and field.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::StanceExample;
use crate::labels::Stance;
use crate::text::span::CharSpan;

/// The corpus shipped with the project, relative to the crate root.
pub const DEFAULT_ACTOR_CORPUS: &str = "data/actor-stance/corpus.jsonl";

/// The four default actors; every other actor id is reported under [`OTHER_GROUP`].
pub const DEFAULT_ACTOR_GROUPS: [&str; 4] = ["russia", "china", "iran", "west"];
pub const OTHER_GROUP: &str = "other states";

/// One labelled pair as stored in the corpus file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorStancePair {
    pub id: String,
    /// `bbc-news`, `reuters-headlines`, `newsmtsc-train`, `un-general-debate` or
    /// `directed-sentiment-train` (the fifth draw).
    pub source: String,
    /// The source unit: a BBC article id, a headline id, a NewsMTSC line. Splits never cut a unit.
    pub unit: String,
    /// Where in the unit the sentence is (`sentence 4`, `headline`, `line 17`).
    pub position: String,
    /// Date of a dated source (Reuters), ISO.
    pub date: Option<String>,
    /// The sentence before (or the article title), for context; not shown to the readers.
    pub context: Option<String>,
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub mention: String,
    /// Actor id (`russia`, `china`, `iran`, `west`, `ukraine`, ...; `named_entity` for the
    /// directed-sentiment sentences, whose marked span is any named entity).
    pub actor: String,
    pub split: Split,
    pub label: Stance,
    /// Every reader's label, by annotator id (`A0`..`A7`).
    pub annotations: BTreeMap<String, Stance>,
    /// `single` (one reader), `agreed` (two readers, same label) or `adjudicated` (two readers
    /// disagreed; settled by the guideline).
    pub resolution: String,
    /// How an adjudicated disagreement was settled (the rule applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ActorStancePair {
    /// The mention's place in `text`, in characters.
    pub fn span(&self) -> CharSpan {
        CharSpan { start: self.start, end: self.end }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Validation,
    Test,
}

impl ActorStancePair {
    /// The report group of this pair's actor: the actor id for the four defaults, else "other states".
    pub fn group(&self) -> &str {
        if DEFAULT_ACTOR_GROUPS.contains(&self.actor.as_str()) {
            &self.actor
        } else {
            OTHER_GROUP
        }
    }
}

/// Reads and checks the corpus: unique ids, spans inside the text that spell the mention.
pub fn read_actor_corpus(path: &Path) -> Result<Vec<ActorStancePair>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut out = Vec::new();
    let mut ids = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), i + 1);
        let p: ActorStancePair =
            serde_json::from_str(line).with_context(|| format!("{}: bad actor-stance record", at()))?;
        let Some(spelled) = p.span().of(&p.text).filter(|_| p.start < p.end) else {
            let n = p.text.chars().count();
            bail!("{}: field \"end\": span {}..{} is not inside the {n}-character text", at(), p.start, p.end);
        };
        if spelled != p.mention {
            bail!("{}: field \"mention\": '{}' but the span spells '{spelled}'", at(), p.mention);
        }
        if !ids.insert(p.id.clone()) {
            bail!("{}: field \"id\": '{}' appears twice", at(), p.id);
        }
        out.push(p);
    }
    Ok(out)
}

/// The pairs of one split grouped by sentence (same source, unit, position): one example each, its
/// spans and labels in span order. Returns the examples and, per example, the index in `pairs` of
/// each target's pair.
pub fn sentences(pairs: &[ActorStancePair], split: Split) -> (Vec<StanceExample>, Vec<Vec<usize>>) {
    let mut by: BTreeMap<(&str, &str, &str), Vec<usize>> = BTreeMap::new();
    for (i, p) in pairs.iter().enumerate().filter(|(_, p)| p.split == split) {
        by.entry((&p.source, &p.unit, &p.position)).or_default().push(i);
    }
    let mut examples = Vec::with_capacity(by.len());
    let mut members = Vec::with_capacity(by.len());
    for (_, mut ix) in by {
        ix.sort_by_key(|&i| (pairs[i].start, pairs[i].end));
        examples.push(StanceExample {
            text: pairs[ix[0]].text.clone(),
            spans: ix.iter().map(|&i| pairs[i].span()).collect(),
            labels: ix.iter().map(|&i| pairs[i].label).collect(),
        });
        members.push(ix);
    }
    (examples, members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::too_many_arguments)]
    fn rec(
        id: &str,
        unit: &str,
        text: &str,
        start: usize,
        end: usize,
        mention: &str,
        actor: &str,
        label: &str,
    ) -> String {
        format!(
            "{{\"id\":\"{id}\",\"source\":\"reuters-headlines\",\"unit\":\"{unit}\",\"position\":\"headline\",\"date\":null,\
             \"context\":null,\"text\":\"{text}\",\"start\":{start},\"end\":{end},\"mention\":\"{mention}\",\"actor\":\"{actor}\",\
             \"split\":\"test\",\"label\":\"{label}\",\"annotations\":{{\"A0\":\"{label}\"}},\"resolution\":\"single\"}}"
        )
    }

    #[test]
    fn pairs_of_one_sentence_become_one_example() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.jsonl");
        let t = "EU sanctions Russia";
        let lines = [
            rec("a", "u1", t, 13, 19, "Russia", "russia", "against"),
            rec("b", "u1", t, 0, 2, "EU", "west", "neutral"),
            rec("c", "u2", "Ankara hails deal", 0, 6, "Ankara", "turkey", "favor"),
        ];
        std::fs::write(&p, lines.join("\n")).unwrap();
        let pairs = read_actor_corpus(&p).unwrap();
        let (ex, members) = sentences(&pairs, Split::Test);
        let groups: Vec<Vec<&str>> = members.iter().map(|m| m.iter().map(|&i| pairs[i].group()).collect()).collect();
        assert_eq!(ex.len(), 2);
        let eu = ex.iter().position(|e| e.text == t).unwrap();
        assert_eq!(ex[eu].spans, vec![CharSpan { start: 0, end: 2 }, CharSpan { start: 13, end: 19 }]);
        assert_eq!(ex[eu].labels, vec![Stance::Neutral, Stance::Against]);
        assert_eq!(groups[eu], vec!["west", "russia"]);
        assert!(groups.iter().any(|g| g == &vec![OTHER_GROUP]));
        assert!(sentences(&pairs, Split::Train).0.is_empty());
    }

    #[test]
    fn a_span_that_misspells_the_mention_names_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.jsonl");
        std::fs::write(
            &p,
            [
                rec("a", "u", "Iran talks", 0, 4, "Iran", "iran", "neutral"),
                rec("b", "u", "Iran talks", 0, 3, "Iran", "iran", "neutral"),
            ]
            .join("\n"),
        )
        .unwrap();
        let e = format!("{:#}", read_actor_corpus(&p).unwrap_err());
        assert!(e.contains("bad.jsonl:2") && e.contains("\"mention\""), "{e}");
        std::fs::write(
            &p,
            [
                rec("a", "u", "Iran talks", 0, 4, "Iran", "iran", "neutral"),
                rec("a", "v", "Iran talks", 0, 4, "Iran", "iran", "neutral"),
            ]
            .join("\n"),
        )
        .unwrap();
        let e = format!("{:#}", read_actor_corpus(&p).unwrap_err());
        assert!(e.contains("bad.jsonl:2") && e.contains("twice"), "{e}");
    }
}
