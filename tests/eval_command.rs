//! `stance eval` on small labelled files in each supported format: the figures come back as JSON
//! with the fields the README promises, and they agree with the counts in the files.

mod common;

/// `stance eval ARGS...` (flags and files), run through the tests' one helper.
fn run_eval(args: &[&std::path::Path]) -> std::process::Output {
    let mut all = vec!["eval"];
    all.extend(args.iter().map(|a| a.to_str().expect("UTF-8 test path")));
    common::stance(&all, b"")
}

fn eval(files: &[&std::path::Path]) -> serde_json::Value {
    let out = run_eval(files);
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
    let confusion: u64 = stance["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(confusion, 4);
    assert_eq!(r[1]["n"], 2);
    assert_eq!(r[1]["accuracy"], 1.0, "two plain sentiment phrases");
    assert_eq!(r[2]["report"]["n"], 2);
}

#[test]
fn the_actor_corpus_gives_figures_per_split_and_actor_group() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("actor.jsonl");
    let rec = |id: &str, unit: &str, text: &str, start: usize, mention: &str, actor: &str, split: &str, label: &str| {
        format!(
            r#"{{"id":"{id}","source":"reuters-headlines","unit":"{unit}","position":"headline","date":null,"context":null,"text":"{text}","start":{start},"end":{end},"mention":"{mention}","actor":"{actor}","split":"{split}","label":"{label}","annotations":{{"A0":"{label}"}},"resolution":"single"}}"#,
            end = start + mention.chars().count()
        )
    };
    let lines = [
        rec("a", "u1", "EU imposes new sanctions on Russia over Crimea", 28, "Russia", "russia", "test", "against"),
        rec("b", "u1", "EU imposes new sanctions on Russia over Crimea", 0, "EU", "west", "test", "neutral"),
        rec("c", "u2", "Japan pledges aid to quake-hit Turkey", 0, "Japan", "japan", "test", "favor"),
        rec("d", "u3", "Putin to visit Beijing next month", 0, "Putin", "russia", "validation", "neutral"),
    ];
    std::fs::write(&corpus, lines.join("\n") + "\n").unwrap();
    let j = eval(&[&corpus]);
    let r = &j["results"][0];
    assert_eq!(r["split"], "test");
    assert_eq!(r["sentences"], 2);
    assert_eq!(r["report"]["n"], 3, "the validation pair is not in the test figures");
    assert_eq!(r["per_actor_group"]["russia"]["n"], 1);
    assert_eq!(r["per_actor_group"]["west"]["n"], 1);
    assert_eq!(r["per_actor_group"]["other states"]["n"], 1);
    assert!(r["per_actor_group"].get("china").is_none(), "no China pairs, no China figures");
    assert_eq!(r["per_source"]["reuters-headlines"]["n"], 3);
    let out = run_eval(&["--split".as_ref(), "validation".as_ref(), &corpus]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["results"][0]["report"]["n"], 1);
}

#[test]
fn newsmtsc_validation_is_the_part_training_holds_out() {
    // Twenty records: stance train holds out a tenth (2), and `--split validation` scores those.
    let dir = tempfile::tempdir().unwrap();
    let mtsc = dir.path().join("m.jsonl");
    let line =
        r#"{"sentence_normalized": "Russia agreed to the plan.", "targets": [{"from": 0, "to": 6, "polarity": 4.0}]}"#;
    std::fs::write(&mtsc, format!("{line}\n").repeat(20)).unwrap();
    let out = run_eval(&["--split".as_ref(), "validation".as_ref(), &mtsc]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["results"][0]["sentences"], 2);
    assert_eq!(eval(&[&mtsc])["results"][0]["sentences"], 20, "without --split validation, the whole file");
}

#[test]
fn an_unknown_file_kind_is_refused_by_name() {
    let out = run_eval(&["/tmp/nothing-here.xyz".as_ref()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/tmp/nothing-here.xyz") && err.contains("NewsMTSC"), "{err}");
}
