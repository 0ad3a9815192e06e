//! The hand-labelled actor-stance corpus shipped in `data/actor-stance/`: it loads, it is as large
//! and as varied as the guideline promises, its splits never share a source unit or a sentence, and
//! the double-read subset is there.

mod common;

use std::collections::{HashMap, HashSet};

use stance::datasets::actor_corpus::{read_actor_corpus, sentences, Split, DEFAULT_ACTOR_CORPUS, DEFAULT_ACTOR_GROUPS};
use stance::labels::Stance;

fn corpus() -> Vec<stance::datasets::actor_corpus::ActorStancePair> {
    read_actor_corpus(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_ACTOR_CORPUS))
        .expect("corpus loads")
}

#[test]
fn corpus_is_large_varied_and_not_all_neutral() {
    let c = corpus();
    assert!(c.len() >= 8000, "{} pairs", c.len());
    let others = c.iter().filter(|p| !DEFAULT_ACTOR_GROUPS.contains(&p.actor.as_str())).count();
    assert!(others >= 1500, "{others} pairs for other states");
    for a in DEFAULT_ACTOR_GROUPS {
        assert!(c.iter().filter(|p| p.actor == a).count() >= 1000, "actor {a}");
    }
    let neutral = c.iter().filter(|p| p.label == Stance::Neutral).count() as f64 / c.len() as f64;
    assert!(neutral < 0.8, "neutral share {neutral:.2}");
    for s in ["bbc-news", "reuters-headlines", "newsmtsc-train"] {
        assert!(c.iter().any(|p| p.source == s), "no pair from {s}");
    }
    for p in &c {
        assert!(
            p.annotations.values().any(|l| *l == p.label) || p.resolution == "adjudicated",
            "{}: label from no reader",
            p.id
        );
        assert!(["single", "agreed", "adjudicated"].contains(&p.resolution.as_str()), "{}: {}", p.id, p.resolution);
    }
}

#[test]
fn splits_share_no_unit_and_no_sentence() {
    let c = corpus();
    let mut unit_split: HashMap<(&str, &str), Split> = HashMap::new();
    let mut text_split: HashMap<String, Split> = HashMap::new();
    for p in &c {
        let u = *unit_split.entry((&p.source, &p.unit)).or_insert(p.split);
        assert_eq!(u, p.split, "{}: unit {} is in two splits", p.id, p.unit);
        let t = *text_split.entry(p.text.trim().to_lowercase()).or_insert(p.split);
        assert_eq!(t, p.split, "{}: sentence is in two splits", p.id);
    }
    let test = c.iter().filter(|p| p.split == Split::Test).count();
    assert!(test >= 1000, "test split has {test} pairs");
    assert!(
        c.iter().filter(|p| p.split == Split::Test).all(|p| p.source != "newsmtsc-train"),
        "NewsMTSC sentences are trained on"
    );
    // Grouping by sentence keeps every pair exactly once.
    let n: usize = [Split::Train, Split::Validation, Split::Test]
        .iter()
        .map(|&s| sentences(&c, s).0.iter().map(|x| x.spans.len()).sum::<usize>())
        .sum();
    assert_eq!(n, c.len());
}

#[test]
fn a_tenth_is_double_read_and_disagreements_are_settled() {
    let c = corpus();
    let double: Vec<_> = c.iter().filter(|p| p.annotations.len() == 2).collect();
    assert!(double.len() * 10 >= c.len(), "{} of {} double-read", double.len(), c.len());
    let readers: HashSet<&String> = c.iter().flat_map(|p| p.annotations.keys()).collect();
    assert!(readers.len() >= 8, "readers {readers:?}");
    for p in &double {
        let labels: Vec<&Stance> = p.annotations.values().collect();
        if labels[0] == labels[1] {
            assert_eq!(p.resolution, "agreed", "{}", p.id);
        } else {
            assert_eq!(p.resolution, "adjudicated", "{}", p.id);
            assert!(p.note.as_deref().is_some_and(|n| !n.is_empty()), "{}: adjudication without a note", p.id);
        }
    }
}

/// Runs of eight lowercase words, split on anything that is not a letter, digit or apostrophe.
fn eight_word_runs(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let words: Vec<&str> =
        lower.split(|c: char| !(c.is_alphanumeric() || c == '\'')).filter(|w| !w.is_empty()).collect();
    words.windows(8).map(|w| w.join(" ")).collect()
}

#[test]
fn no_pair_shares_text_with_the_texts_that_judge_the_model() {
    let Some(data) = common::data_dir() else { return };
    let mut judge: HashSet<String> = HashSet::new();
    for f in ["agnews/test.tsv", "agnews/dev.tsv"] {
        let text =
            String::from_utf8_lossy(&std::fs::read(data.join(f)).unwrap()).replace('\\', " ").replace("#36;", "$");
        judge.extend(eight_word_runs(&text));
    }
    judge.extend(eight_word_runs(
        &std::fs::read_to_string(common::root().join("seeds/000_204bb2dc5e8ef806.txt")).unwrap(),
    ));
    for p in corpus() {
        for t in [Some(&p.text), p.context.as_ref()].into_iter().flatten() {
            let shared = eight_word_runs(t).into_iter().find(|r| judge.contains(r));
            assert!(shared.is_none(), "{}: shares '{}' with AG News or the seed", p.id, shared.unwrap());
        }
    }
}
