//! `stance eval`: figures of a model on labelled files. NewsMTSC-format JSONL gives target stance
//! accuracy, macro F1, per-class figures and ECE; SST-2-style TSV gives binary sentiment accuracy;
//! a TweetEval folder prefix (`DIR/val`) gives three-way sentiment figures; the actor-stance corpus
//! (JSONL whose records carry `actor` and `label`) gives stance figures on one split, overall and per
//! actor group. Output is JSON.

pub mod metrics;

use std::path::Path;

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::datasets::actor_corpus::{self, Split, DEFAULT_ACTOR_GROUPS, OTHER_GROUP};
use crate::datasets::{read_newsmtsc, read_sst2, read_tweeteval};
use crate::eval::metrics::binary_sentiment_accuracy;
use crate::labels::{LabelSet, Sentiment, Stance};
use crate::model::{EncodedSentence, StanceModel};
use crate::score::stance_predictions;
use crate::score::{score_encoded, sentiment_probs, BatchPolicy};

/// Whether a JSONL file is the actor-stance corpus (its first record has `actor` and `label`).
fn is_actor_corpus(path: &Path) -> bool {
    use std::io::BufRead;
    let Ok(f) = std::fs::File::open(path) else { return false };
    let mut first = String::new();
    if std::io::BufReader::new(f).read_line(&mut first).is_err() {
        return false;
    }
    serde_json::from_str::<Value>(&first).is_ok_and(|v| v.get("actor").is_some() && v.get("label").is_some())
}

/// Figures on one split of the actor-stance corpus: overall and per actor group.
fn evaluate_actor_corpus(model: &StanceModel, path: &Path, split: Split) -> Result<Value> {
    let pairs = actor_corpus::read_actor_corpus(path)?;
    let (xs, members) = actor_corpus::sentences(&pairs, split);
    if xs.is_empty() {
        bail!("{}: no pairs in the {split:?} split", path.display());
    }
    let (probs, gold) = stance_predictions(model, &xs)?;
    let targets: Vec<&actor_corpus::ActorStancePair> = members.iter().flatten().map(|&i| &pairs[i]).collect();
    let names: Vec<&str> = Stance::ALL.iter().map(|l| l.name()).collect();
    // Figures over the targets for which `key` gives `value`.
    let subset = |key: &dyn Fn(&actor_corpus::ActorStancePair) -> bool| -> Option<metrics::ClassReport> {
        let (gg, pp): (Vec<usize>, Vec<[f32; 3]>) =
            gold.iter().zip(&probs).zip(&targets).filter(|(_, t)| key(t)).map(|((g, p), _)| (*g, *p)).unzip();
        (!gg.is_empty()).then(|| metrics::class_report(&names, &gg, &pp))
    };
    let mut per_group = serde_json::Map::new();
    for g in DEFAULT_ACTOR_GROUPS.iter().chain([&OTHER_GROUP]) {
        if let Some(r) = subset(&|t| t.group() == *g) {
            per_group.insert(g.to_string(), serde_json::to_value(r)?);
        }
    }
    let mut per_source = serde_json::Map::new();
    for s in ["reuters-headlines", "bbc-news", "newsmtsc-train", "un-general-debate", "directed-sentiment-train"] {
        if let Some(r) = subset(&|t| t.source == s) {
            per_source.insert(s.to_string(), serde_json::to_value(r)?);
        }
    }
    // Pairs whose sentence has two or more marked actors, and among them the sentences where the
    // gold labels differ (the case where one actor's stance can leak into another's).
    let ids_of = |pred: &dyn Fn(&[usize]) -> bool| -> std::collections::HashSet<&str> {
        members.iter().filter(|m| pred(m)).flatten().map(|&i| pairs[i].id.as_str()).collect()
    };
    let multi = ids_of(&|m| m.len() >= 2);
    let differing = ids_of(&|m| m.len() >= 2 && m.iter().any(|&i| pairs[i].label != pairs[m[0]].label));
    let mut per_sentence_kind = serde_json::Map::new();
    for (name, set) in [("two or more actors", &multi), ("two or more actors, labels differ", &differing)] {
        if let Some(r) = subset(&|t| set.contains(t.id.as_str())) {
            per_sentence_kind.insert(name.to_string(), serde_json::to_value(r)?);
        }
    }
    Ok(json!({"file": path.display().to_string(), "task": "actor stance (actor-stance corpus)",
              "split": format!("{split:?}").to_lowercase(), "sentences": xs.len(),
              "report": metrics::class_report(&names, &gold, &probs), "per_actor_group": per_group,
              "per_source": per_source, "per_sentence_kind": per_sentence_kind}))
}

/// Figures on a behavioural suite ([`crate::datasets::behaviour`]): accuracy per capability, and
/// per capability the share of minimal pairs whose every target is right in both sentences.
fn evaluate_behaviour(model: &StanceModel, path: &Path) -> Result<Value> {
    use std::collections::BTreeMap;
    let cases = crate::datasets::behaviour::read_suite(path)?;
    let xs: Vec<crate::datasets::StanceExample> = cases.iter().map(|c| c.example.clone()).collect();
    let (probs, gold) = stance_predictions(model, &xs)?;
    // Per case: how many targets, how many right.
    let mut k = 0;
    let mut per_cap: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut pairs: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in &cases {
        let mut all_right = true;
        for (j, label) in c.example.labels.iter().enumerate() {
            let p = probs[k];
            let predicted = crate::labels::argmax(&p);
            let right = predicted == gold[k];
            let e = per_cap.entry(&c.capability).or_default();
            e.0 += 1;
            e.1 += usize::from(right);
            if !right {
                all_right = false;
                failures.push(json!({"capability": c.capability, "text": c.example.text, "target": c.mentions[j],
                                     "gold": label.name(), "got": Stance::ALL[predicted].name()}));
            }
            k += 1;
        }
        if let Some(pair) = &c.pair {
            *pairs.entry((&c.capability, pair)).or_insert(true) &= all_right;
        }
    }
    let (mut total, mut right) = (0, 0);
    let mut capabilities = serde_json::Map::new();
    for (cap, (n, r)) in &per_cap {
        total += n;
        right += r;
        let ps: Vec<bool> = pairs.iter().filter(|((c, _), _)| c == cap).map(|(_, &ok)| ok).collect();
        let pair_rate = (!ps.is_empty()).then(|| ps.iter().filter(|&&ok| ok).count() as f64 / ps.len() as f64);
        capabilities.insert(
            cap.to_string(),
            json!({"targets": n, "accuracy": *r as f64 / *n as f64,
                                                    "pairs": ps.len(), "pairs_both_right": pair_rate}),
        );
    }
    let all_pairs = pairs.values().filter(|&&ok| ok).count();
    Ok(json!({"file": path.display().to_string(), "task": "behavioural suite (minimal pairs)",
              "cases": cases.len(), "targets": total, "accuracy": right as f64 / total.max(1) as f64,
              "pairs": pairs.len(), "pairs_both_right": all_pairs as f64 / pairs.len().max(1) as f64,
              "per_capability": capabilities, "failures": failures}))
}

/// Evaluates one file, choosing the reader by its extension and content (`.jsonl` NewsMTSC or the
/// actor-stance corpus, `.tsv` SST-2) or, for a path `DIR/PREFIX` with `DIR/PREFIX_text.txt` beside
/// it, TweetEval. `split` picks the actor-stance corpus split.
pub fn evaluate_file(model: &StanceModel, path: &Path, policy: BatchPolicy, split: Split) -> Result<Value> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "jsonl" if is_actor_corpus(path) => evaluate_actor_corpus(model, path, split),
        "jsonl" if crate::datasets::behaviour::is_behaviour_suite(path) => evaluate_behaviour(model, path),
        "jsonl" => {
            let mut xs = read_newsmtsc(path)?;
            if split == Split::Validation {
                // The part `stance train` holds out of this file for validation (default seed).
                let o = crate::train::TrainOptions::default();
                xs = crate::datasets::split(&xs, o.val_fraction, o.split_seed).1;
            }
            let mut encoded = Vec::with_capacity(xs.len());
            for (i, x) in xs.iter().enumerate() {
                match model.encoder.encode(&x.text, &x.spans) {
                    Ok(e) => encoded.push(e),
                    Err(e) => bail!("{}: record {}: {e}", path.display(), i + 1),
                }
            }
            let refs: Vec<&EncodedSentence> = encoded.iter().collect();
            let scores = score_encoded(model, &refs, policy, |_| {})?;
            let probs: Vec<[f32; 3]> = scores.iter().flat_map(|s| s.targets.iter().copied()).collect();
            let gold: Vec<usize> = xs.iter().flat_map(|x| x.labels.iter().map(|l| l.index())).collect();
            let names: Vec<&str> = Stance::ALL.iter().map(|l| l.name()).collect();
            let r = metrics::class_report(&names, &gold, &probs);
            let part = if split == Split::Validation { "validation (as stance train holds it out)" } else { "all" };
            Ok(json!({"file": path.display().to_string(), "task": "target stance (NewsMTSC format)",
                      "part": part, "sentences": xs.len(), "report": r}))
        }
        "tsv" => {
            let xs = read_sst2(path)?;
            let scores = sentiment_probs(model, &xs.iter().map(|x| x.text.clone()).collect::<Vec<_>>(), policy)?;
            let acc = binary_sentiment_accuracy(&xs, scores.into_iter());
            Ok(json!({"file": path.display().to_string(), "task": "binary sentiment (SST-2 format)",
                      "n": xs.len(), "accuracy": acc}))
        }
        _ => {
            let (dir, prefix) =
                (path.parent().unwrap_or(Path::new(".")), path.file_name().and_then(|f| f.to_str()).unwrap_or(""));
            if !dir.join(format!("{prefix}_text.txt")).exists() {
                bail!("{}: not a .jsonl (NewsMTSC) or .tsv (SST-2) file, nor a TweetEval prefix", path.display());
            }
            let xs = read_tweeteval(dir, prefix)?;
            let probs = sentiment_probs(model, &xs.iter().map(|x| x.text.clone()).collect::<Vec<_>>(), policy)?;
            let gold: Vec<usize> = xs.iter().map(|x| x.label.index()).collect();
            let names: Vec<&str> = Sentiment::ALL.iter().map(|l| l.name()).collect();
            Ok(json!({"file": path.display().to_string(), "task": "three-way sentiment (TweetEval format)",
                      "report": metrics::class_report(&names, &gold, &probs)}))
        }
    }
}
