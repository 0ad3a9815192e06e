//! `stance compare` over the pipeline with a deterministic scorer (stance from keywords): a planted
//! difference is found, a group with too few sentences says so, the same figures come from a run,
//! from its JSON and from its JSONL, and the thread count does not change a byte.

mod common;

use common::KeywordScorer;
use stance::aggregate::compare::{compare, CompareMode, CompareReport, CompareSettings, Gathered, Status, REST_LABEL};
use stance::aggregate::groups::{By, Grouping};
use stance::aggregate::stats::CompareOptions;
use stance::input::{read_corpus, CorpusOptions};
use stance::output::compare::read_analysis;
use stance::output::{JsonSink, JsonlSink, Sink};
use stance::run::analyze::{analyze, AnalyzeOptions, Input};
use stance::text::actors::Lexicon;

/// 24 documents per party. Party D writes "bad" about Russia in 3 sentences of 4, party R in 1 of
/// 4; both write about China the same way; Iran appears in two R documents only.
fn corpus() -> String {
    let mut out = String::new();
    for i in 0..48 {
        let party = if i % 2 == 0 { "D" } else { "R" };
        let mut text = String::new();
        for s in 0..4 {
            let bad = if party == "D" { s < 3 } else { s < 1 };
            // Documents differ in their own lean too, so documents, not sentences, are the units.
            let word = if (bad && i % 5 != 0) || (!bad && i % 7 == 0) { "bad" } else { "good" };
            text.push_str(&format!("Russia is {word} on day {s}. "));
        }
        text.push_str(if i % 3 == 0 { "China is bad. " } else { "China is good. " });
        if party == "R" && i < 4 {
            text.push_str("Iran is bad.");
        }
        out.push_str(&format!(
            "{{\"id\": \"d{i}\", \"party\": \"{party}\", \"date\": \"20{:02}\", \"text\": \"{text}\"}}\n",
            i % 4
        ));
    }
    out
}

fn grouping() -> Grouping {
    Grouping::new(vec![By::Meta("party".into())]).unwrap()
}

fn run_into(path: &str, sink: &mut dyn Sink) {
    let (records, walk) = read_corpus(&[path.to_string()], &CorpusOptions::default());
    let opts = AnalyzeOptions { grouping: grouping(), ..AnalyzeOptions::default() };
    analyze(
        Input { records, skipped_files: walk.skipped_files },
        &Lexicon::default_actors(),
        &KeywordScorer,
        opts,
        sink,
        &mut |_, _| {},
    )
    .unwrap();
}

/// The documents of the corpus file at `path`, scored by the keyword scorer and grouped by `by`.
fn gather(path: &str, by: Grouping) -> Gathered {
    let mut gathered = Gathered::new(by.clone());
    let (records, walk) = read_corpus(&[path.to_string()], &CorpusOptions::default());
    let opts = AnalyzeOptions { grouping: by, ..AnalyzeOptions::default() };
    analyze(
        Input { records, skipped_files: walk.skipped_files },
        &Lexicon::default_actors(),
        &KeywordScorer,
        opts,
        &mut gathered,
        &mut |_, _| {},
    )
    .unwrap();
    gathered
}

fn settings() -> CompareSettings {
    CompareSettings {
        statistics: CompareOptions { resamples: 999, min_sentences: 5, ..CompareOptions::default() },
        groups: Vec::new(),
        max_pairs: 100,
        mode: Default::default(),
    }
}

fn corpus_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.jsonl");
    std::fs::write(&p, corpus()).unwrap();
    let path = p.display().to_string();
    (dir, path)
}

#[test]
fn finds_the_planted_difference_and_says_when_evidence_is_short() {
    let (_dir, path) = corpus_file();
    let mut gathered = Gathered::new(grouping());
    run_into(&path, &mut gathered);
    let report = compare(&gathered, &settings()).unwrap();
    assert_eq!(report.by, ["meta.party"]);
    assert_eq!(report.groups.iter().map(|g| g.label.as_str()).collect::<Vec<_>>(), ["D", "R"]);
    assert_eq!(report.comparisons.len(), 4, "one pair x four actors");
    let get = |actor: &str| report.comparisons.iter().find(|c| c.actor == actor).unwrap();
    let russia = get("russia");
    assert_eq!((russia.status, russia.rank), (Status::Ok, Some(1)), "{russia:?}");
    assert!(russia.difference.unwrap() < -0.3, "D is more against Russia: {russia:?}");
    let ci = russia.ci95.unwrap();
    assert!(ci[0] <= russia.difference.unwrap() && russia.difference.unwrap() <= ci[1] && ci[1] < 0.0, "{russia:?}");
    assert!(russia.p_adjusted.unwrap() < 0.01 && russia.significant == Some(true), "{russia:?}");
    assert_eq!((russia.a_documents, russia.b_documents, russia.a_sentences), (24, 24, 96));
    let china = get("china");
    assert_eq!(china.status, Status::Ok);
    assert!(china.p_value.unwrap() > 0.2, "no difference planted on China: {china:?}");
    let iran = get("iran");
    assert_eq!((iran.status, iran.p_value, iran.rank), (Status::NotEnoughEvidence, None, None), "{iran:?}");
    assert_eq!((iran.a_sentences, iran.b_sentences, iran.b_documents), (0, 2, 2));
    assert_eq!(get("west").status, Status::NotEnoughEvidence);
    assert_eq!((report.summary.tested, report.summary.significant, report.summary.documents), (2, 1, 48));
    assert_eq!(report.method.correction, "holm");
}

#[test]
fn a_run_its_json_and_its_jsonl_give_the_same_comparison() {
    let (_dir, path) = corpus_file();
    let mut direct = Gathered::new(grouping());
    run_into(&path, &mut direct);
    let mut json = Vec::new();
    run_into(&path, &mut JsonSink::new(&mut json));
    let mut jsonl = Vec::new();
    run_into(&path, &mut JsonlSink::new(&mut jsonl));
    let mut from_json = Gathered::new(grouping());
    read_analysis(&json[..], "a.json", &mut from_json).unwrap();
    let mut from_jsonl = Gathered::new(grouping());
    read_analysis(&jsonl[..], "a.jsonl", &mut from_jsonl).unwrap();
    let a = compare(&direct, &settings()).unwrap();
    assert_eq!(a, compare(&from_json, &settings()).unwrap());
    assert_eq!(a, compare(&from_jsonl, &settings()).unwrap());
    // The JSON decodes into the documented structs, which refuse unknown fields.
    let text = serde_json::to_string(&a).unwrap();
    let back: CompareReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, a);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!((v["schema_version"].as_u64(), v["kind"].as_str()), (Some(1), Some("stance-compare")));
    assert_eq!(v["comparisons"][0]["status"], "ok");

    // Not an analysis: a clear error naming the file.
    let err = read_analysis(&b"{\"x\": 1}"[..], "other.json", &mut Gathered::new(grouping())).unwrap_err();
    assert!(format!("{err:#}").contains("other.json"), "{err:#}");
}

#[test]
fn the_thread_count_does_not_change_a_byte() {
    let (_dir, path) = corpus_file();
    let mut gathered = Gathered::new(grouping());
    run_into(&path, &mut gathered);
    let by_threads: Vec<String> = [1, 2, 3]
        .iter()
        .map(|&n| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
            pool.install(|| serde_json::to_string(&compare(&gathered, &settings()).unwrap()).unwrap())
        })
        .collect();
    assert!(by_threads.windows(2).all(|w| w[0] == w[1]));
    // Another seed moves the resampled figures but not the estimates.
    let mut other = settings();
    other.statistics.seed = 7;
    let a = compare(&gathered, &settings()).unwrap();
    let b = compare(&gathered, &other).unwrap();
    assert_eq!(a.comparisons[0].difference, b.comparisons[0].difference);
}

#[test]
fn groups_can_be_chosen_and_unknown_ones_are_named() {
    let (_dir, path) = corpus_file();
    let year = Grouping::new(vec![By::Date(stance::aggregate::groups::Granularity::Year)]).unwrap();
    let gathered = gather(&path, year);
    let mut s = settings();
    assert_eq!(compare(&gathered, &s).unwrap().comparisons.len(), 6 * 4, "four years make six pairs");
    s.groups = vec!["2000".into(), "2003".into()];
    assert_eq!(compare(&gathered, &s).unwrap().comparisons.len(), 4);
    s.groups = vec!["2000".into(), "1999".into()];
    let err = format!("{:#}", compare(&gathered, &s).unwrap_err());
    assert!(err.contains("no group '1999'") && err.contains("'2000'"), "{err}");
    s.groups = Vec::new();
    s.max_pairs = 5;
    let err = format!("{:#}", compare(&gathered, &s).unwrap_err());
    assert!(err.contains("--groups"), "{err}");
}

/// The compare JSON decodes into mirror structs of the documented schema (README, src/aggregate/compare.rs),
/// which refuse unknown fields: a field added or renamed without the docs and tests fails here.
#[test]
fn compare_json_decodes_into_the_documented_schema() {
    let (_dir, path) = corpus_file();
    let mut gathered = Gathered::new(grouping());
    run_into(&path, &mut gathered);
    let text = serde_json::to_string(&compare(&gathered, &settings()).unwrap()).unwrap();
    let out: mirror::Compare = serde_json::from_str(&text).expect("decodes with deny_unknown_fields");
    assert_eq!(
        (out.schema_version, out.kind.as_str(), out.by.as_slice()),
        (1, "stance-compare", &["meta.party".to_string()][..])
    );
    assert_eq!(out.actors.len(), 4);
    assert_eq!(
        (out.grouping.by.len(), out.grouping.documents_without_group, out.grouping.missing["meta.party"]),
        (1, 0, 0)
    );
    assert_eq!((out.method.resamples, out.method.seed, out.method.correction.as_str()), (999, 1, "holm"));
    assert!(out.method.interval.contains("cluster bootstrap") && out.method.test.contains("permutation"));
    assert_eq!(out.groups.iter().map(|g| (g.label.as_str(), g.documents)).collect::<Vec<_>>(), [("D", 24), ("R", 24)]);
    let first = &out.comparisons[0];
    assert_eq!((first.actor.as_str(), first.status.as_str(), first.rank), ("russia", "ok", Some(1)));
    assert!(first.significant == Some(true) && first.effect_size.is_some() && first.ci95.is_some());
    let short = out.comparisons.iter().find(|c| c.status == "not enough evidence").unwrap();
    assert!(
        short.p_value.is_none() && short.p_adjusted.is_none() && short.rank.is_none() && short.difference.is_none()
    );
    assert_eq!((out.summary.documents, out.summary.comparisons, out.summary.tested), (48, 4, 2));
}

/// Fields not read by the test are still decoded: an unknown or missing field fails.
#[allow(dead_code)]
mod mirror {
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Compare {
        pub schema_version: u32,
        pub kind: String,
        pub by: Vec<String>,
        pub actors: Vec<Actor>,
        pub grouping: Grouping,
        pub method: Method,
        pub mode: String,
        pub reference: Option<String>,
        pub groups: Vec<Group>,
        pub comparisons: Vec<Comparison>,
        pub summary: Summary,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Actor {
        pub id: String,
        pub name: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Grouping {
        pub by: Vec<String>,
        pub documents_without_group: u64,
        pub missing: BTreeMap<String, u64>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Method {
        pub estimate: String,
        pub interval: String,
        pub test: String,
        pub effect_size: String,
        pub resamples: u64,
        pub seed: u64,
        pub correction: String,
        pub alpha: f64,
        pub min_sentences: u64,
        pub min_documents: u64,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Group {
        pub key: Vec<String>,
        pub label: String,
        pub documents: u64,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Comparison {
        pub actor: String,
        pub a: String,
        pub b: String,
        pub status: String,
        pub a_stance: Option<f64>,
        pub b_stance: Option<f64>,
        pub a_sentences: u64,
        pub b_sentences: u64,
        pub a_documents: u64,
        pub b_documents: u64,
        pub difference: Option<f64>,
        pub ci95: Option<[f64; 2]>,
        pub p_value: Option<f64>,
        pub p_adjusted: Option<f64>,
        pub significant: Option<bool>,
        pub effect_size: Option<f64>,
        pub rank: Option<u64>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Summary {
        pub documents: u64,
        pub comparisons: u64,
        pub tested: u64,
        pub significant: u64,
    }
}

/// Issue 18, item 2: `compare --analysis` refuses a JSONL analysis cut short (no `summary` line),
/// as `merge` refuses an unfinished partial, and one of an unknown `schema_version`, as the JSON
/// form does; each error names the file (and the line where there is one).
#[test]
fn a_truncated_or_unknown_version_jsonl_analysis_is_refused() {
    let (_dir, path) = corpus_file();
    let mut jsonl = Vec::new();
    run_into(&path, &mut JsonlSink::new(&mut jsonl));
    let text = String::from_utf8(jsonl).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.last().unwrap().contains("\"type\":\"summary\""));
    // The whole file reads.
    read_analysis(text.as_bytes(), "a.jsonl", &mut Gathered::new(grouping())).unwrap();

    // Cut before the summary, or mid-documents: refused, naming the file.
    for keep in [lines.len() - 1, lines.len() / 2] {
        let cut = lines[..keep].join("\n") + "\n";
        let err = read_analysis(cut.as_bytes(), "t.jsonl", &mut Gathered::new(grouping())).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("t.jsonl") && msg.contains("no summary line"), "{msg}");
    }

    // An unknown schema version in the header line: refused, naming the file, line and field.
    let v99 = text.replacen("\"schema_version\":1", "\"schema_version\":99", 1);
    assert_ne!(v99, text);
    let err = read_analysis(v99.as_bytes(), "v.jsonl", &mut Gathered::new(grouping())).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("v.jsonl:1") && msg.contains("schema_version") && msg.contains("99"), "{msg}");

    // A line after the summary: refused.
    let extra = text.clone() + lines[1] + "\n";
    let err = read_analysis(extra.as_bytes(), "x.jsonl", &mut Gathered::new(grouping())).unwrap_err();
    assert!(format!("{err:#}").contains("after the summary"), "{err:#}");
}

/// Issue 18, item 9: an analysis whose numbers no run writes (an edited or foreign file) is
/// refused, naming the file, line, actor and field, instead of feeding every test.
#[test]
fn values_out_of_their_range_in_an_analysis_are_refused() {
    let (_dir, path) = corpus_file();
    let mut jsonl = Vec::new();
    run_into(&path, &mut JsonlSink::new(&mut jsonl));
    let text = String::from_utf8(jsonl).unwrap();
    let (at, line) = text.lines().enumerate().find(|(_, l)| l.contains("\"stance\":")).unwrap();
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let actor = v["data"]["actors"].as_object().unwrap().keys().next().unwrap().clone();
    for (field, value, says) in [
        ("stance", serde_json::json!(7.5), "outside [-1, 1]"),
        ("sd", serde_json::json!(-0.5), "outside [0, 2]"),
        ("sentences", serde_json::json!(0), "outside [1,"),
    ] {
        let mut edited = v.clone();
        edited["data"]["actors"][&actor][field] = value;
        let bad: String = text
            .lines()
            .enumerate()
            .map(|(i, l)| if i == at { edited.to_string() } else { l.to_string() } + "\n")
            .collect();
        let err = read_analysis(bad.as_bytes(), "e.jsonl", &mut Gathered::new(grouping())).unwrap_err();
        let msg = format!("{err:#}");
        let want = format!("e.jsonl:{}: actor '{actor}': field \"{field}\"", at + 1);
        assert!(msg.contains(&want) && msg.contains(says), "{field}: {msg}");
    }
}

/// Issue 18, items 13 and 14: groups whose labels collide are refused by name; choosing one group
/// is refused rather than reported as "1 groups, 0 comparisons".
#[test]
fn colliding_labels_and_a_single_chosen_group_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.jsonl");
    let mut lines = String::new();
    for (author, party) in [("x · y", "z"), ("x", "y · z")] {
        for i in 0..6 {
            lines += &serde_json::json!({"id": format!("{author}{party}{i}"), "author": author,
                "party": party, "text": "Russia threatened its neighbours."})
            .to_string();
            lines.push('\n');
        }
    }
    std::fs::write(&path, lines).unwrap();
    let by = Grouping::new(vec![By::Author, By::Meta("party".into())]).unwrap();
    let gathered = gather(&path.display().to_string(), by);
    let err = format!("{:#}", compare(&gathered, &settings()).unwrap_err());
    assert!(err.contains("share the label 'x · y · z'"), "{err}");

    let (_dir, path) = corpus_file();
    let year = Grouping::new(vec![By::Date(stance::aggregate::groups::Granularity::Year)]).unwrap();
    let gathered = gather(&path, year);
    let mut s = settings();
    s.groups = vec!["2000".into(), "2000".into()];
    let err = format!("{:#}", compare(&gathered, &s).unwrap_err());
    assert!(err.contains("at least two different groups") && err.contains("'2000'"), "{err}");
}

/// Twelve states (meta "state"), 20 documents each; state "P" writes "bad" about Russia in every
/// sentence (one document in eleven excepted), every other state in one of four, with each
/// document's own lean; China the same
/// everywhere. Returns the gathered documents by state.
fn many_groups() -> Gathered {
    let mut lines = String::new();
    for g in 0..12 {
        let state = if g == 0 { "P".to_string() } else { format!("S{g:02}") };
        for d in 0..20 {
            let i = g * 20 + d;
            let mut text = String::new();
            for s in 0..4 {
                let bad = if g == 0 { s < 4 } else { s < 1 };
                let exception = if g == 0 { i % 11 == 0 } else { i % 5 == 0 };
                let word = if (bad && !exception) || (!bad && i % 7 == 0) { "bad" } else { "good" };
                text.push_str(&format!("Russia is {word} on day {s}. "));
            }
            text.push_str(if i % 3 == 0 { "China is bad. " } else { "China is good. " });
            lines += &serde_json::json!({"id": format!("d{i}"), "state": state, "text": text}).to_string();
            lines.push('\n');
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.jsonl");
    std::fs::write(&path, lines).unwrap();
    let by = Grouping::new(vec![By::Meta("state".into())]).unwrap();
    let gathered = gather(&path.display().to_string(), by);
    gathered
}

/// Issue 19: `--vs-rest` finds the one state planted against Russia, and none of the eleven null
/// states nor anything on China, with Benjamini-Hochberg by default; the planted comparison ranks
/// first with an interval below zero.
#[test]
fn vs_rest_finds_the_planted_group_and_not_the_null_ones() {
    let gathered = many_groups();
    let mut s = settings();
    s.mode = CompareMode::VsRest;
    s.statistics.correction = s.mode.default_correction();
    let report = compare(&gathered, &s).unwrap();
    assert_eq!((report.mode.as_str(), report.method.correction.as_str()), ("vs-rest", "benjamini-hochberg"));
    assert_eq!(report.groups.len(), 12);
    assert_eq!(report.comparisons.len(), 12 * 4, "one test per state and actor");
    let significant: Vec<(&str, &str)> = report
        .comparisons
        .iter()
        .filter(|c| c.significant == Some(true))
        .map(|c| (c.a.as_str(), c.actor.as_str()))
        .collect();
    assert_eq!(significant, [("P", "russia")], "only the planted state differs from the rest");
    let top = &report.comparisons[0];
    assert_eq!((top.a.as_str(), top.b.as_str(), top.rank), ("P", REST_LABEL, Some(1)), "{top:?}");
    assert!(top.ci95.unwrap()[1] < 0.0 && top.difference.unwrap() < -0.3, "{top:?}");
    assert_eq!((top.a_documents, top.b_documents), (20, 220), "the rest is every other state's documents");
}

/// Issue 19: `--reference` compares each state with one; the planted state differs from the
/// reference, the null ones do not; the reference is listed among the groups but not compared
/// with itself.
#[test]
fn reference_compares_each_group_with_one() {
    let gathered = many_groups();
    let mut s = settings();
    s.mode = CompareMode::Reference("S01".into());
    s.statistics.correction = s.mode.default_correction();
    let report = compare(&gathered, &s).unwrap();
    assert_eq!((report.mode.as_str(), report.reference.as_deref()), ("reference", Some("S01")));
    assert_eq!(report.comparisons.len(), 11 * 4);
    assert!(report.comparisons.iter().all(|c| c.b == "S01" && c.a != "S01"));
    let significant: Vec<&str> =
        report.comparisons.iter().filter(|c| c.significant == Some(true)).map(|c| c.a.as_str()).collect();
    assert_eq!(
        significant,
        ["P"],
        "{:?}",
        report.comparisons.iter().map(|c| (&c.a, &c.actor, c.p_adjusted)).collect::<Vec<_>>()
    );
    s.mode = CompareMode::Reference("nowhere".into());
    let err = format!("{:#}", compare(&gathered, &s).unwrap_err());
    assert!(err.contains("--reference: no group 'nowhere'"), "{err}");
}
