//! `stance eval` on small labelled files in each supported format: the figures come back as JSON
//! with the fields the README promises, and they agree with the counts in the files.

use std::process::Command;

fn eval(files: &[&std::path::Path]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_stance")).arg("eval").args(files).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("eval prints JSON")
}

#[test]
fn each_format_gives_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let mtsc = dir.path().join("m.jsonl");
    std::fs::write(
        &mtsc,
        concat!(
            r#"{"sentence_normalized": "Russia's brutal invasion has murdered thousands of innocent civilians.", "targets": [{"from": 0, "to": 6, "polarity": 2.0}]}"#, "\n",
            r#"{"sentence_normalized": "The minister praised China for its generous, life-saving help.", "targets": [{"from": 21, "to": 26, "polarity": 6.0}]}"#, "\n",
            r#"{"sentence_normalized": "Iran's delegation arrived in Geneva on Tuesday, and Moscow sent a note.", "targets": [{"from": 0, "to": 4, "polarity": 4.0}, {"from": 51, "to": 57, "polarity": 4.0}]}"#, "\n",
        ),
    )
    .unwrap();
    let sst = dir.path().join("s.tsv");
    std::fs::write(&sst, "sentence\tlabel\na wonderful , moving film\t1\na dull , tedious mess\t0\n").unwrap();
    std::fs::write(dir.path().join("t_text.txt"), "I love this!\nThis is awful.\n").unwrap();
    std::fs::write(dir.path().join("t_labels.txt"), "2\n0\n").unwrap();
    let j = eval(&[&mtsc, &sst, &dir.path().join("t")]);
    let r = &j["results"];
    let stance = &r[0]["report"];
    assert_eq!(r[0]["sentences"], 3);
    assert_eq!(stance["n"], 4);
    for key in ["accuracy", "macro_f1", "ece"] {
        let v = stance[key].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    }
    assert_eq!(stance["per_class"]["against"]["support"], 1);
    assert_eq!(stance["per_class"]["neutral"]["support"], 2);
    let confusion: u64 = stance["confusion"].as_array().unwrap().iter().flat_map(|row| row.as_array().unwrap()).map(|x| x.as_u64().unwrap()).sum();
    assert_eq!(confusion, 4);
    assert_eq!(r[1]["n"], 2);
    assert_eq!(r[1]["accuracy"], 1.0, "two plain sentiment phrases");
    assert_eq!(r[2]["report"]["n"], 2);
}

#[test]
fn an_unknown_file_kind_is_refused_by_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_stance")).args(["eval", "/tmp/nothing-here.xyz"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/tmp/nothing-here.xyz") && err.contains("NewsMTSC"), "{err}");
}
