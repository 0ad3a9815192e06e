//! Partials and `merge` over the pipeline with a deterministic scorer: three shards merged in every
//! order, and in every grouping (two merged into a partial, then the third), give the bytes of one
//! run over the whole input in every output format; partials of another run are refused, a
//! truncated one is refused, and an id in two shards is counted.

mod common;

use std::path::{Path, PathBuf};

use common::KeywordScorer;
use stance::aggregate::groups::{By, Granularity, Grouping};
use stance::input::{read_corpus, CorpusOptions};
use stance::output::format::{OutputFormat, SinkContext};
use stance::output::partial::{PartialHeader, PartialSink, PARTIAL_VERSION};
use stance::output::{JsonSink, Sink, SCHEMA_VERSION};
use stance::run::analyze::{analyze, AnalyzeOptions, Input};
use stance::run::partial::merge;
use stance::text::actors::Lexicon;

const FORMATS: [&str; 5] = ["json", "jsonl", "csv", "tidy-csv", "table"];

/// The sink each format builds, as `stance analyze --output FILE` and `stance merge` build it.
fn sink<'a>(format: &str, out: &'a mut Vec<u8>) -> Box<dyn Sink + 'a> {
    let format = match format {
        "json" => OutputFormat::Json,
        "jsonl" => OutputFormat::Jsonl,
        "csv" => OutputFormat::Csv,
        "tidy-csv" => OutputFormat::TidyCsv,
        _ => OutputFormat::Table,
    };
    let grouping = grouping();
    let cx = SinkContext { to_stdout: false, grouping: &grouping };
    format.build(out, &cx, || unreachable!("not a partial")).unwrap()
}

fn grouping() -> Grouping {
    Grouping::new(vec![By::Author, By::Date(Granularity::Year)]).unwrap()
}

fn options() -> AnalyzeOptions {
    AnalyzeOptions { grouping: grouping(), chunk_docs: 4, ..AnalyzeOptions::default() }
}

fn run(paths: &[PathBuf], s: &mut dyn Sink) {
    let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let (records, walk) = read_corpus(&paths, &CorpusOptions::default());
    analyze(
        Input { records, skipped_files: walk.skipped_files },
        &Lexicon::default_actors(),
        &KeywordScorer,
        options(),
        s,
        &mut |_, _| {},
    )
    .unwrap();
}

fn header(shard: u64) -> PartialHeader {
    PartialHeader {
        partial_version: PARTIAL_VERSION,
        schema_version: SCHEMA_VERSION,
        shard,
        shards: None,
        model: "keywords".into(),
        lexicon: "default".into(),
        by: grouping().names(),
        evidence: 3,
        actors: Vec::new(),
    }
}

/// 30 records (a bad line among them, an id repeated across shards), in three files of 12, 9 and 9.
fn shards(dir: &Path) -> Vec<PathBuf> {
    let lines: Vec<String> = (0..30)
        .map(|i| {
            if i == 13 {
                return "not json".to_string();
            }
            let id = if i == 20 { "d3".to_string() } else { format!("d{i}") };
            let word = ["bad", "good", "calm"][i % 3];
            format!(
                r#"{{"id": "{id}", "author": "a{}", "date": "20{:02}-0{}-01", "text": "Russia is {word}. Iran and China met, {word} {i}."}}"#,
                i % 4,
                i % 5,
                1 + i % 9
            )
        })
        .collect();
    let write = |name: &str, part: &[String]| {
        let p = dir.join(name);
        std::fs::write(&p, part.join("\n") + "\n").unwrap();
        p
    };
    vec![write("s0.jsonl", &lines[..12]), write("s1.jsonl", &lines[12..21]), write("s2.jsonl", &lines[21..])]
}

fn partial(dir: &Path, input: &Path, shard: u64) -> PathBuf {
    partial_as(dir, input, &format!("p{shard}.jsonl"), header(shard))
}

/// A partial of `input` written as `name` with `header`: that of another run where it differs
/// from [`header`] (the partial is whole, its checksum right).
fn partial_as(dir: &Path, input: &Path, name: &str, header: PartialHeader) -> PathBuf {
    let mut out = Vec::new();
    run(&[input.to_path_buf()], &mut PartialSink::new(&mut out, header));
    let p = dir.join(name);
    std::fs::write(&p, out).unwrap();
    p
}

#[test]
fn shards_merged_in_any_order_and_grouping_equal_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let parts = shards(dir.path());
    let p: Vec<PathBuf> = parts.iter().enumerate().map(|(i, s)| partial(dir.path(), s, i as u64)).collect();
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for format in FORMATS {
        let mut single = Vec::new();
        // One run over the three files, in order.
        run(&parts, sink(format, &mut single).as_mut());
        for order in orders {
            let paths: Vec<PathBuf> = order.iter().map(|&i| p[i].clone()).collect();
            let mut merged = Vec::new();
            let (summary, across) = merge(&paths, sink(format, &mut merged).as_mut()).unwrap();
            assert_eq!(String::from_utf8_lossy(&merged), String::from_utf8_lossy(&single), "{format}, order {order:?}");
            assert_eq!((summary.records, summary.failed, summary.duplicate_ids, across), (30, 1, 1, 1));
        }
    }
    // Shards 1 and 2 merged into a partial first, then merged with shard 0.
    let mut out = Vec::new();
    merge(&p[1..], &mut PartialSink::new(&mut out, header(1))).unwrap();
    let p12 = dir.path().join("p12.jsonl");
    std::fs::write(&p12, out).unwrap();
    let (mut single, mut merged) = (Vec::new(), Vec::new());
    run(&parts, &mut JsonSink::new(&mut single));
    merge(&[p12, p[0].clone()], &mut JsonSink::new(&mut merged)).unwrap();
    assert_eq!(String::from_utf8_lossy(&merged), String::from_utf8_lossy(&single));
}

#[test]
fn partials_of_another_run_or_unfinished_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let parts = shards(dir.path());
    let p0 = partial(dir.path(), &parts[0], 0);
    let p1 = partial(dir.path(), &parts[1], 1);
    let text = std::fs::read_to_string(&p1).unwrap();
    let edit = |name: &str, from: &str, to: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
        p
    };
    let err = |paths: &[PathBuf]| format!("{:#}", merge(paths, &mut JsonSink::new(Vec::new())).unwrap_err());
    // Partials of other runs, whole and with their checksums right, are refused by their headers.
    let other = |name: &str, h: PartialHeader| partial_as(dir.path(), &parts[1], name, h);
    let other_model = other("m.jsonl", PartialHeader { model: "other".into(), ..header(1) });
    assert!(err(&[p0.clone(), other_model]).contains("differ in the model"));
    let other_by = other("b.jsonl", PartialHeader { by: vec!["author".into()], ..header(1) });
    assert!(err(&[p0.clone(), other_by]).contains("differ in --by"));
    let same_shard = other("s.jsonl", header(0));
    assert!(err(&[p0.clone(), same_shard]).contains("both shard 0"));
    // A header edited after the partial was written is refused before it is compared.
    let edited = edit("e.jsonl", "\"model\":\"keywords\"", "\"model\":\"other\"");
    let e = err(&[p0.clone(), edited]);
    assert!(e.contains("e.jsonl:") && e.contains("the checksum does not match"), "{e}");
    let cut: String = text.lines().take(4).map(|l| format!("{l}\n")).collect();
    let truncated = dir.path().join("t.jsonl");
    std::fs::write(&truncated, cut).unwrap();
    let e = err(&[p0.clone(), truncated]);
    assert!(e.contains("t.jsonl") && e.contains("did not finish"), "{e}");
    let not_partial = dir.path().join("n.jsonl");
    std::fs::write(&not_partial, "{\"type\":\"header\",\"data\":{}}\n").unwrap();
    assert!(err(&[not_partial]).contains("not a partial"));
}
