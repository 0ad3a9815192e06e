//! The behavioural suites (`tests/behaviour/suite.jsonl` and the second, blind
//! `tests/behaviour/suite-2.jsonl`: CheckList-style minimal pairs written for tests and never
//! trained on) run on the shipped model: it must keep the per-capability figures that MODEL_CARD.md
//! reports, within a margin for libtorch rounding. The floors are the shipped model's measured
//! figures less a case or two; the model before target markers scored 0.75 of targets and 0.54 of
//! pairs on the first (MODEL_CARD.md, "Behavioural suite").

mod common;

use stance::datasets::actor_corpus::Split;
use stance::model::StanceModel;
use stance::score::BatchPolicy;
use tch::Device;

/// Floors of one suite: the shipped model's measured figures less about one case each
/// (MODEL_CARD.md, "Behavioural suite").
struct Floors {
    file: &'static str,
    targets: u64,
    accuracy: f64,
    pairs: f64,
    contrast: f64,
}

/// The first suite (100 targets, 28 pairs, 20 contrast targets): the shipped model (AE14) scores
/// 0.84, 0.679 (19 pairs) and 0.65 (13).
const FIRST: Floors =
    Floors { file: "tests/behaviour/suite.jsonl", targets: 100, accuracy: 0.82, pairs: 0.64, contrast: 0.60 };

/// The second suite, written blind on 2026-12-03 (184 targets, 46 pairs, 48 contrast targets): the
/// shipped model scores 0.788 (145), 0.543 (25 pairs) and 0.646 (31).
const SECOND: Floors =
    Floors { file: "tests/behaviour/suite-2.jsonl", targets: 184, accuracy: 0.78, pairs: 0.52, contrast: 0.62 };

fn keeps_its_floors(f: &Floors) {
    let model = StanceModel::load(&common::shipped_model(), Device::Cpu).expect("shipped model loads");
    let suite = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(f.file);
    let r = stance::eval::evaluate_file(&model, &suite, BatchPolicy::default(), Split::Test).unwrap();
    let accuracy = r["accuracy"].as_f64().unwrap();
    let pairs = r["pairs_both_right"].as_f64().unwrap();
    let contrast = r["per_capability"]["contrast in one sentence"]["accuracy"].as_f64().unwrap();
    eprintln!("{}: {}", f.file, serde_json::to_string_pretty(&r["per_capability"]).unwrap());
    assert_eq!(r["targets"].as_u64(), Some(f.targets), "{} has {} targets", f.file, f.targets);
    assert!(accuracy >= f.accuracy, "{}: accuracy {accuracy:.3} < {}: {}", f.file, f.accuracy, r["failures"]);
    assert!(pairs >= f.pairs, "{}: pairs both right {pairs:.3} < {}: {}", f.file, f.pairs, r["failures"]);
    assert!(contrast >= f.contrast, "{}: contrast accuracy {contrast:.3} < {}", f.file, f.contrast);
}

#[test]
fn the_shipped_model_keeps_its_behavioural_figures() {
    keeps_its_floors(&FIRST);
}

#[test]
fn the_shipped_model_keeps_its_figures_on_the_blind_second_suite() {
    keeps_its_floors(&SECOND);
}
