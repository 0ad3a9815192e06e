//! The judge sets in `data/judge-sets/` (held-out pairs from AG News and the State of the Union
//! addresses, read by the guideline, for reporting only) and the selection set in
//! `data/selection-set/` (more of the same kinds of text, for choosing models): every drawn pair has
//! exactly one primary label, every disagreement between two readers is adjudicated, `agreement.json`
//! says what the labels say, no selection sentence is a judge sentence, and neither can reach training
//! (the actor corpus holds no pair from either source).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use stance::datasets::actor_corpus::{read_actor_corpus, DEFAULT_ACTOR_CORPUS};

const LABELS: [&str; 3] = ["against", "neutral", "favor"];

const JUDGE: &str = "data/judge-sets";
const SELECTION: &str = "data/selection-set";

fn root(set: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(set)
}

/// `pairs.tsv` of a set: (id, columns), checked for its nine columns.
fn pairs_index(set: &str) -> Vec<(String, Vec<String>)> {
    let path = root(set).join("pairs.tsv");
    let index = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    index
        .lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<String> = l.split('\t').map(str::to_string).collect();
            assert_eq!(cols.len(), 9, "{}: {l}", path.display());
            (cols[0].clone(), cols)
        })
        .collect()
}

/// `id<TAB>label<TAB>reason` lines of one label file, checked: a known label, no id twice.
fn read_labels(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut cols = line.split('\t');
        let (id, label) = (cols.next().unwrap_or(""), cols.next().unwrap_or(""));
        assert!(LABELS.contains(&label), "{}:{}: label {label:?}", path.display(), n + 1);
        assert!(seen.insert(id.to_string()), "{}:{}: {id} labelled twice", path.display(), n + 1);
        out.push((id.to_string(), label.to_string()));
    }
    out
}

fn label_files(set: &str, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root(set).join("labels"))
        .expect("labels folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix) && n.ends_with(".tsv"))
        })
        .collect();
    files.sort();
    files
}

fn kappa(pairs: &[(&str, &str)]) -> f64 {
    let n = pairs.len() as f64;
    let po = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let pe: f64 = LABELS
        .iter()
        .map(|c| {
            let a = pairs.iter().filter(|(x, _)| x == c).count() as f64 / n;
            let b = pairs.iter().filter(|(_, y)| y == c).count() as f64 / n;
            a * b
        })
        .sum();
    (po - pe) / (1.0 - pe)
}

#[test]
fn every_judge_pair_is_labelled_and_agreement_json_matches_the_labels() {
    check_labels_and_agreement(JUDGE, 1200);
}

#[test]
fn every_selection_pair_is_labelled_and_agreement_json_matches_the_labels() {
    check_labels_and_agreement(SELECTION, 1000);
}

#[test]
fn no_selection_sentence_is_a_judge_sentence() {
    let judge = pairs_index(JUDGE);
    let selection = pairs_index(SELECTION);
    let judge_news_items: HashSet<&str> =
        judge.iter().filter(|(_, c)| c[1] == "news").map(|(_, c)| c[2].as_str()).collect();
    let judge_sentences: HashSet<(&str, &str)> = judge.iter().map(|(_, c)| (c[2].as_str(), c[3].as_str())).collect();
    let judge_texts: HashSet<&str> = judge.iter().map(|(_, c)| c[8].as_str()).collect();
    for (id, c) in &selection {
        assert!(!judge_news_items.contains(c[2].as_str()), "{id}: AG News item {} is a judge item", c[2]);
        assert!(
            !judge_sentences.contains(&(c[2].as_str(), c[3].as_str())),
            "{id}: {} {} is a judge sentence",
            c[2],
            c[3]
        );
        assert!(!judge_texts.contains(c[8].as_str()), "{id}: its text (hash {}) is a judge sentence's", c[8]);
    }
}

/// Every pair of `set` has one primary label, every disagreement is settled, and its
/// `agreement.json` (pairs, double reads, kappa, label counts) says what the label files say.
fn check_labels_and_agreement(set: &str, at_least: usize) {
    let set_of: BTreeMap<String, String> = pairs_index(set).into_iter().map(|(id, c)| (id, c[1].clone())).collect();
    assert!(set_of.len() >= at_least, "{set}: {} pairs", set_of.len());

    let mut primary = HashMap::new();
    for f in label_files(set, "batch_") {
        for (id, label) in read_labels(&f) {
            assert!(set_of.contains_key(&id), "{}: unknown id {id}", f.display());
            assert!(primary.insert(id.clone(), label).is_none(), "{}: {id} has a second primary label", f.display());
        }
    }
    let unlabelled: Vec<&String> = set_of.keys().filter(|id| !primary.contains_key(*id)).collect();
    assert!(unlabelled.is_empty(), "no primary label: {unlabelled:?}");
    let mut second = HashMap::new();
    for f in label_files(set, "double_") {
        for (id, label) in read_labels(&f) {
            assert!(primary.contains_key(&id), "{}: {id} has a second reading but no primary label", f.display());
            second.insert(id, label);
        }
    }
    let adjudication = root(set).join("labels/adjudication.tsv");
    let adjudicated: HashMap<String, String> = read_labels(&adjudication).into_iter().collect();
    for (id, label) in &second {
        if primary[id] != *label {
            assert!(adjudicated.contains_key(id), "{id}: the two readers differ and nobody adjudicated");
        }
    }
    for id in adjudicated.keys() {
        assert!(
            second.get(id).is_some_and(|s| *s != primary[id]),
            "{}: {id} is adjudicated but its two readers did not disagree",
            adjudication.display()
        );
    }

    let agreement: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root(set).join("agreement.json")).expect("agreement.json"))
            .expect("agreement.json parses");
    for part in ["news", "speeches"] {
        let ids: Vec<&String> = set_of.iter().filter(|(_, s)| *s == part).map(|(id, _)| id).collect();
        let twice: Vec<(&str, &str)> =
            ids.iter().filter_map(|id| second.get(*id).map(|s| (primary[*id].as_str(), s.as_str()))).collect();
        // The guideline's bar for a second reading: at least a tenth of each set.
        assert!(twice.len() * 10 >= ids.len(), "{set} {part}: {} of {} read twice", twice.len(), ids.len());
        let a = &agreement[part];
        assert_eq!(a["pairs"].as_u64(), Some(ids.len() as u64), "{set} {part}: pairs");
        assert_eq!(a["read_twice"].as_u64(), Some(twice.len() as u64), "{set} {part}: read_twice");
        let k = a["kappa"].as_f64().expect("kappa");
        assert!((k - kappa(&twice)).abs() < 0.001, "{set} {part}: kappa {k} vs {}", kappa(&twice));
        for c in LABELS {
            let n = ids.iter().filter(|id| adjudicated.get(**id).unwrap_or(&primary[**id]) == c).count();
            assert_eq!(a["labels"][c].as_u64(), Some(n as u64), "{set} {part}: {c}");
        }
    }
}

#[test]
fn no_judge_source_reaches_the_training_corpus() {
    let corpus = read_actor_corpus(&Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_ACTOR_CORPUS)).expect("corpus");
    for p in &corpus {
        assert!(
            !p.source.contains("agnews") && !p.source.contains("sotu") && !p.unit.starts_with("agnews-"),
            "{}: a pair from a judging corpus ({}, {})",
            p.id,
            p.source,
            p.unit
        );
    }
}
