//! The behavioural suite (`tests/behaviour/suite.jsonl`, CheckList-style minimal pairs written for
//! tests and never trained on) run on the shipped model: it must keep the per-capability figures
//! that MODEL_CARD.md reports, within a margin for libtorch rounding. The floors are the shipped
//! model's measured figures less a case or two; the model before target markers scored 0.75 of
//! targets and 0.54 of pairs here (MODEL_CARD.md, "Behavioural suite").

mod common;

use stance::datasets::actor_corpus::Split;
use stance::model::StanceModel;
use stance::score::BatchPolicy;
use tch::Device;

/// The shipped model scores 0.82 of the suite's 100 targets, 0.643 of its 28 pairs (18) and 0.60 of
/// the 20 "contrast in one sentence" targets (MODEL_CARD.md); one case less on each stays above.
const ACCURACY_FLOOR: f64 = 0.80;
const PAIRS_FLOOR: f64 = 0.60;
const CONTRAST_FLOOR: f64 = 0.55;

#[test]
fn the_shipped_model_keeps_its_behavioural_figures() {
    let model = StanceModel::load(&common::shipped_model(), Device::Cpu).expect("shipped model loads");
    let suite = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/behaviour/suite.jsonl");
    let r = stance::eval::evaluate_file(&model, &suite, BatchPolicy::default(), Split::Test).unwrap();
    let accuracy = r["accuracy"].as_f64().unwrap();
    let pairs = r["pairs_both_right"].as_f64().unwrap();
    let contrast = r["per_capability"]["contrast in one sentence"]["accuracy"].as_f64().unwrap();
    eprintln!("behavioural suite: {}", serde_json::to_string_pretty(&r["per_capability"]).unwrap());
    assert_eq!(r["targets"].as_u64(), Some(100), "the suite has 100 targets");
    assert!(accuracy >= ACCURACY_FLOOR, "accuracy {accuracy:.3} < {ACCURACY_FLOOR}: {}", r["failures"]);
    assert!(pairs >= PAIRS_FLOOR, "pairs both right {pairs:.3} < {PAIRS_FLOOR}: {}", r["failures"]);
    assert!(contrast >= CONTRAST_FLOOR, "contrast accuracy {contrast:.3} < {CONTRAST_FLOOR}");
}
