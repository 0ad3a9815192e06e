//! The corpus pipeline with a deterministic scorer (stance from keywords), so the arithmetic of
//! profiles is checked exactly: every input format, every bad-input case, chunking and thread
//! count not changing a byte, and the JSON contract decoded into mirror structs.

mod common;

use std::io::Write;

use anyhow::Result;
use common::KeywordScorer;
use stance::input::{read_corpus, CorpusOptions};
use stance::output::{JsonSink, Summary};
use stance::run::analyze::{analyze, AnalyzeOptions, Input};
use stance::text::actors::Lexicon;

fn run(paths: &[String], opts: AnalyzeOptions, copts: &CorpusOptions) -> (Result<Summary>, serde_json::Value, String) {
    run_with(paths, opts, copts, &KeywordScorer)
}

fn run_with(
    paths: &[String],
    opts: AnalyzeOptions,
    copts: &CorpusOptions,
    scorer: &dyn stance::score::SentenceScorer,
) -> (Result<Summary>, serde_json::Value, String) {
    let (records, walk) = read_corpus(paths, copts);
    let mut out = Vec::new();
    let result = {
        let mut sink = JsonSink::new(&mut out);
        analyze(
            Input { records, skipped_files: walk.skipped_files },
            &Lexicon::default_actors(),
            scorer,
            opts,
            &mut sink,
            &mut |_, _| {},
        )
    };
    let text = String::from_utf8(out).unwrap();
    let json = if result.is_ok() {
        serde_json::from_str(&text).expect("output is one JSON document")
    } else {
        serde_json::Value::Null
    };
    (result, json, text)
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p.display().to_string()
}

#[test]
fn profiles_add_up_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.jsonl",
        concat!(
            r#"{"id": "d1", "author": "Ann", "text": "Russia is bad. Russia and Moscow are good. China spoke."}"#,
            "\n",
            r#"{"id": "d2", "author": "Ann", "text": "The Kremlin is bad."}"#,
            "\n",
            r#"{"id": "d3", "author": "Bob", "text": "Nothing here."}"#,
            "\n",
        )
        .as_bytes(),
    );
    let (res, j, _) = run(&[f], AnalyzeOptions::default(), &CorpusOptions::default());
    let s = res.unwrap();
    assert_eq!((s.records, s.documents, s.failed, s.sentences, s.scored_sentences, s.mentions), (3, 3, 0, 5, 4, 5));
    let d1 = &j["documents"][0];
    assert_eq!(d1["id"], "d1");
    let r = &d1["actors"]["russia"];
    // Sentence 1: -0.75; sentence 2 (two mentions, one observation): +0.6. Mean -0.075.
    assert_eq!(r["mentions"], 3);
    assert_eq!(r["sentences"], 2);
    assert_eq!(r["stance"], -0.075);
    assert_eq!(r["distribution"]["against"], 0.45);
    assert_eq!(r["label"], "against");
    assert_eq!(r["evidence"]["against"][0]["text"], "Russia is bad.");
    assert_eq!(r["evidence"]["favor"][0]["aliases"], serde_json::json!(["Russia", "Moscow"]));
    assert_eq!(r["evidence"]["favor"][0]["start"], 15);
    assert_eq!(d1["actors"]["china"]["label"], "neutral");
    assert!(d1["actors"].get("iran").is_none(), "only mentioned actors appear");
    // Ann: three Russia observations (-0.75, +0.6, -0.75).
    let ann = &j["authors"][0];
    assert_eq!(ann["author"], "Ann");
    assert_eq!(ann["documents"], 2);
    assert_eq!(ann["actors"]["russia"]["stance"], -0.3);
    assert_eq!(j["authors"][1]["author"], "Bob");
    assert_eq!(j["corpus"]["actors"]["russia"]["sentences"], 3);
    assert_eq!(j["corpus"]["mentions"], 5);
}

#[test]
fn chunking_and_threads_do_not_change_a_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..60 {
        let word = ["bad", "good", "plain"][i % 3];
        lines.push_str(&format!("{{\"id\": \"d{i}\", \"author\": \"a{}\", \"text\": \"Iran is {word}. The EU and China met. Tehran is {word} again.\"}}\n", i % 4));
    }
    let f = write(dir.path(), "many.jsonl", lines.as_bytes());
    let mut outputs = Vec::new();
    for (threads, chunk) in [(1, 1), (1, 256), (4, 7), (3, 60)] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let opts = AnalyzeOptions { chunk_docs: chunk, ..AnalyzeOptions::default() };
        let (res, j, text) = pool.install(|| run(std::slice::from_ref(&f), opts, &CorpusOptions::default()));
        let s = res.unwrap_or_else(|e| panic!("{threads} threads, chunk {chunk}: {e:#}"));
        assert_eq!(
            (s.documents, s.failed, s.sentences, s.mentions),
            (60, 0, 180, 240),
            "{threads} threads, chunk {chunk}"
        );
        assert_eq!(j["documents"].as_array().unwrap().len(), 60);
        outputs.push((s, text));
    }
    assert!(
        outputs.windows(2).all(|w| w[0].0 == w[1].0 && w[0].1 == w[1].1),
        "outputs differ across thread counts / chunk sizes"
    );
}

/// The keyword scorer as several workers that finish in a scrambled order: each call sleeps for a
/// time taken from its first sentence, so later chunks often finish first.
struct ScrambledWorkers(usize);

impl stance::score::SentenceScorer for ScrambledWorkers {
    fn score(
        &self,
        items: &[(&str, Vec<stance::model::CharSpan>)],
    ) -> anyhow::Result<Vec<stance::score::SentenceScores>> {
        let salt = items.first().map_or(0, |(t, _)| t.bytes().map(usize::from).sum::<usize>());
        std::thread::sleep(std::time::Duration::from_micros((salt * 7919 % 3000) as u64));
        KeywordScorer.score(items)
    }
    fn workers(&self) -> usize {
        self.0
    }
}

#[test]
fn workers_finishing_out_of_order_do_not_change_a_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..120 {
        let word = ["bad", "good", "plain", "very bad"][i % 4];
        lines.push_str(&format!("{{\"id\": \"d{i}\", \"author\": \"a{}\", \"text\": \"Iran{} is {word}. The EU met. Russia is {word}.\"}}\n", i % 5, "!".repeat(i % 7)));
        if i % 17 == 0 {
            lines.push_str("{not json}\n");
        }
    }
    let f = write(dir.path(), "many.jsonl", lines.as_bytes());
    for chunk in [1, 5, 256] {
        let opts = AnalyzeOptions { chunk_docs: chunk, ..AnalyzeOptions::default() };
        let (one, _, want) = run(std::slice::from_ref(&f), opts.clone(), &CorpusOptions::default());
        for workers in [2, 3, 8] {
            let (many, _, got) =
                run_with(std::slice::from_ref(&f), opts.clone(), &CorpusOptions::default(), &ScrambledWorkers(workers));
            assert_eq!(one.as_ref().unwrap(), many.as_ref().unwrap(), "summary, chunk {chunk}, {workers} workers");
            assert!(got == want, "output differs with chunk {chunk} and {workers} workers");
        }
    }
}

/// Each mention gets its own target's scores: in "China is bad, but Russia is good." the test
/// scorer gives China against and Russia favor, so a mention paired with the other target's scores,
/// or the sentence's, would flip a label. Checked with one worker and with several finishing out of
/// order.
#[test]
fn each_mention_gets_its_own_targets_scores() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..24 {
        lines.push_str(&format!(
            "{{\"id\": \"d{i}\", \"text\": \"China is bad, but Russia is good{}. Peace is good for Iran, bad for the West.\"}}\n",
            ["", " today", " now"][i % 3]
        ));
    }
    let f = write(dir.path(), "pairs.jsonl", lines.as_bytes());
    let opts = AnalyzeOptions { chunk_docs: 5, ..AnalyzeOptions::default() };
    let (res, j, want) = run(std::slice::from_ref(&f), opts.clone(), &CorpusOptions::default());
    assert_eq!(res.unwrap().mentions, 96);
    for d in j["documents"].as_array().unwrap() {
        let a = &d["actors"];
        // Against is 0.8 - 0.05 = -0.75; favor is 0.7 - 0.1 = +0.6.
        assert_eq!((&a["china"]["label"], &a["china"]["stance"]), (&"against".into(), &(-0.75).into()), "{d}");
        assert_eq!((&a["russia"]["label"], &a["russia"]["stance"]), (&"favor".into(), &0.6.into()), "{d}");
        assert_eq!(a["iran"]["label"], "against", "\"...Iran, bad for the West\" reads bad from Iran on: {d}");
        assert_eq!(a["west"]["label"], "neutral", "nothing after \"West\": {d}");
        assert_eq!(a["russia"]["evidence"]["favor"][0]["start"], 0);
    }
    for workers in [2, 5] {
        let (_, _, got) =
            run_with(std::slice::from_ref(&f), opts.clone(), &CorpusOptions::default(), &ScrambledWorkers(workers));
        assert!(got == want, "output differs with {workers} workers");
    }
}

#[test]
fn every_input_format() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    write(&root, "a.txt", b"Russia is bad.\n");
    write(&root, "sub/b.md", b"# China\n\nChina is good.");
    write(
        &root,
        "sub/c.jsonl",
        br#"{"id": 5, "text": "Iran spoke.", "date": "2024-03-01", "title": "T", "source": "wire", "tags": ["x"]}"#,
    );
    write(&root, "d.csv", b"id,author,text,outlet\nr1,Zed,\"The West is good, they say.\",Daily\n");
    write(&root, "notes.pdf", b"%PDF");
    let (res, j, _) = run(
        &[root.display().to_string()],
        AnalyzeOptions::default(),
        &CorpusOptions { author: Some("Default".into()), ..Default::default() },
    );
    let s = res.unwrap();
    assert_eq!((s.documents, s.failed, s.skipped_files), (4, 0, 1));
    let docs = j["documents"].as_array().unwrap();
    let ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert!(ids[0].ends_with("a.txt") && ids[1] == "r1" && ids[2].ends_with("b.md") && ids[3] == "5", "{ids:?}");
    assert_eq!(docs[0]["author"], "Default");
    assert_eq!(docs[1]["author"], "Zed");
    assert_eq!(docs[1]["meta"]["outlet"], "Daily");
    assert_eq!(docs[2]["sentences"], 2, "a headline without punctuation is its own sentence");
    assert_eq!(docs[3]["date"], "2024-03-01");
    assert_eq!(docs[3]["meta"]["tags"], serde_json::json!(["x"]));
    assert_eq!(docs[3]["actors"]["iran"]["mentions"], 1);
}

#[test]
fn bad_input_is_named_counted_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let jsonl = write(
        p,
        "c.jsonl",
        concat!(
            r#"{"id": "ok", "text": "Iran is good."}"#,
            "\n",
            "{not json\n",
            r#"{"id": "nt"}"#,
            "\n",
            r#"{"id": "nd", "text": "x", "date": "03/01/2024"}"#,
            "\n",
            r#"{"id": "num", "text": 5}"#,
            "\n",
            "\n",
            r#"[1, 2]"#,
            "\n",
        )
        .as_bytes(),
    );
    let mut bad_utf8 = b"{\"id\": \"u\", \"text\": \"caf".to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe]);
    bad_utf8.extend_from_slice(b"\"}\n");
    let utf = write(p, "u.jsonl", &bad_utf8);
    let empty = write(p, "empty.txt", b"  \n");
    let binary = write(p, "bin.txt", b"ELF\0\0\x01\x02");
    let latin = write(p, "latin.txt", b"line one\nIran \xe9t\xe9\n");
    let csv = write(p, "nocol.csv", b"id,body\n1,Iran\n");
    let missing = p.join("missing.txt").display().to_string();
    let inputs =
        vec![jsonl.clone(), utf.clone(), empty.clone(), binary.clone(), latin.clone(), csv.clone(), missing.clone()];
    let (res, j, _) = run(&inputs, AnalyzeOptions::default(), &CorpusOptions::default());
    let s = res.unwrap();
    assert_eq!(s.documents, 1);
    assert_eq!(s.failed, 11, "{:#?}", j["errors"]);
    assert_eq!(s.records, 12);
    let errors: Vec<String> = j["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}: {}", e["source"].as_str().unwrap(), e["line"], e["message"].as_str().unwrap()))
        .collect();
    let has =
        |needle: &str| assert!(errors.iter().any(|e| e.contains(needle)), "no error with {needle:?} in {errors:#?}");
    has(&format!("{jsonl}:2: not JSON"));
    has(&format!("{jsonl}:3: field \"text\": missing"));
    has(&format!("{jsonl}:4: field \"date\""));
    has(&format!("{jsonl}:5: field \"text\": expected a string"));
    has(&format!("{jsonl}:7: expected a JSON object"));
    has(&format!("{utf}:1: invalid UTF-8"));
    has(&format!("{empty}:null: empty file"));
    has(&format!("{binary}:null: binary file"));
    has(&format!("{latin}:2: invalid UTF-8"));
    has(&format!("{csv}:1: CSV header has no text column 'text'"));
    has(&format!("{missing}:null: no such file"));

    // --strict: the first bad record is fatal.
    let (res, _, _) = run(&inputs, AnalyzeOptions { strict: true, ..Default::default() }, &CorpusOptions::default());
    let e = format!("{:#}", res.unwrap_err());
    assert!(e.contains(&format!("{jsonl}:2")) && e.contains("--strict"), "{e}");
}

#[test]
fn json_output_decodes_into_the_documented_schema() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "c.jsonl", concat!(
        r#"{"id": "d1", "author": "Ann", "date": "2024-01-02", "title": "T", "x": 1, "text": "Russia is bad. China is good."}"#, "\n",
        "oops\n",
    ).as_bytes());
    let (res, _, text) = run(&[f], AnalyzeOptions::default(), &CorpusOptions::default());
    let s = res.unwrap();
    assert_eq!((s.records, s.documents, s.failed), (2, 1, 1));
    let out: mirror::Output = serde_json::from_str(&text).expect("decodes with deny_unknown_fields");
    assert_eq!(out.schema_version, 1);
    let ids: Vec<&str> = out.actors.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["russia", "china", "iran", "west"]);
    assert_eq!(out.actors[0].name, "Russia");
    let d = &out.documents[0];
    assert_eq!(
        (d.id.as_str(), d.author.as_deref(), d.date.as_deref(), d.title.as_deref()),
        ("d1", Some("Ann"), Some("2024-01-02"), Some("T"))
    );
    assert_eq!(d.meta["x"], 1);
    assert_eq!((d.sentences, d.actor_sentences, d.mentions), (2, 2, 2));
    let r = &d.actors["russia"];
    assert_eq!((r.mentions, r.sentences, r.label.as_str()), (1, 1, "against"));
    assert!(r.ci95[0] <= r.stance && r.stance <= r.ci95[1]);
    assert!((r.distribution.against + r.distribution.neutral + r.distribution.favor - 1.0).abs() < 1e-3);
    assert!((r.sentiment.negative + r.sentiment.neutral + r.sentiment.positive - 1.0).abs() < 1e-3);
    let e = &r.evidence.against[0];
    assert_eq!(
        (e.document.as_str(), e.start, e.end, e.text.as_str(), e.stance),
        ("d1", 0, 14, "Russia is bad.", -0.75)
    );
    assert_eq!(e.aliases, ["Russia"]);
    assert_eq!((d.record, e.record), (1, 1), "the first record of the input");
    assert!(r.evidence.favor.is_empty());
    assert_eq!(out.authors[0].author, "Ann");
    assert_eq!(out.authors[0].documents, 1);
    assert_eq!(out.authors[0].actors.len(), 2);
    assert_eq!(
        (out.corpus.documents, out.corpus.sentences, out.corpus.actor_sentences, out.corpus.mentions),
        (1, 2, 2, 2)
    );
    assert_eq!(out.corpus.actors.len(), 2);
    assert_eq!((r.documents, r.sd), (1, 0.0));
    assert_eq!(out.grouping.by, ["author"]);
    assert_eq!((out.grouping.documents_without_group, out.grouping.missing["author"]), (0, 0));
    assert_eq!(out.groups.len(), 1);
    assert_eq!(
        (out.groups[0].key.as_slice(), out.groups[0].label.as_str(), out.groups[0].documents),
        (&["Ann".to_string()][..], "Ann", 1)
    );
    assert_eq!(out.groups[0].actors["russia"].stance, r.stance);
    assert_eq!(out.errors.len(), 1);
    assert_eq!((out.errors[0].line, out.errors[0].message.starts_with("not JSON")), (Some(2), true));
    assert!(out.errors[0].source.ends_with("c.jsonl"));
    let s = &out.summary;
    assert_eq!(
        (
            s.records,
            s.documents,
            s.failed,
            s.skipped_files,
            s.sentences,
            s.scored_sentences,
            s.mentions,
            s.documents_without_author,
            s.duplicate_ids
        ),
        (2, 1, 1, 0, 2, 2, 2, 0, 0)
    );
}

/// Mirror structs of the documented schema: decoding fails on any field added or renamed without
/// the tests (and the docs) being updated.
mod mirror {
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Output {
        pub schema_version: u32,
        pub actors: Vec<Actor>,
        pub documents: Vec<Document>,
        pub authors: Vec<Author>,
        pub grouping: Grouping,
        pub groups: Vec<Group>,
        pub corpus: Corpus,
        pub errors: Vec<Error>,
        pub summary: Summary,
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
    pub struct Group {
        pub key: Vec<String>,
        pub label: String,
        pub documents: u64,
        pub actors: BTreeMap<String, Profile>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Actor {
        pub id: String,
        pub name: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Document {
        pub id: String,
        pub record: u64,
        pub author: Option<String>,
        pub date: Option<String>,
        pub title: Option<String>,
        pub meta: serde_json::Map<String, serde_json::Value>,
        pub sentences: u64,
        pub actor_sentences: u64,
        pub mentions: u64,
        pub actors: BTreeMap<String, Profile>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Author {
        pub author: String,
        pub documents: u64,
        pub actors: BTreeMap<String, Profile>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Corpus {
        pub documents: u64,
        pub sentences: u64,
        pub actor_sentences: u64,
        pub mentions: u64,
        pub actors: BTreeMap<String, Profile>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Profile {
        pub mentions: u64,
        pub sentences: u64,
        pub documents: u64,
        pub stance: f64,
        pub sd: f64,
        pub ci95: [f64; 2],
        pub distribution: Distribution,
        pub label: String,
        pub sentiment: Sentiment,
        pub evidence: Sides,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Distribution {
        pub against: f64,
        pub neutral: f64,
        pub favor: f64,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Sentiment {
        pub negative: f64,
        pub neutral: f64,
        pub positive: f64,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Sides {
        pub against: Vec<Evidence>,
        pub favor: Vec<Evidence>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Evidence {
        pub document: String,
        pub record: u64,
        pub start: u64,
        pub end: u64,
        pub text: String,
        pub aliases: Vec<String>,
        pub stance: f64,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Error {
        pub source: String,
        pub line: Option<u64>,
        pub message: String,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Summary {
        pub records: u64,
        pub documents: u64,
        pub failed: u64,
        pub skipped_files: u64,
        pub sentences: u64,
        pub scored_sentences: u64,
        pub mentions: u64,
        pub documents_without_author: u64,
        pub duplicate_ids: u64,
    }
}

/// Groups by a meta field and a time bucket: sums add up exactly, empty buckets are listed empty,
/// documents lacking a key are counted, and the tidy rows carry the JSON's numbers.
#[test]
fn groups_and_time_buckets_add_up() {
    use stance::aggregate::groups::{By, Grouping};
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "g.jsonl",
        concat!(
            r#"{"id": "a", "party": "D", "date": "2001-02-03", "text": "Russia is bad. Russia is good."}"#,
            "\n",
            r#"{"id": "b", "party": "D", "date": "2001-11-30", "text": "Moscow is bad. China spoke."}"#,
            "\n",
            r#"{"id": "c", "party": "D", "date": "2003-01-01", "text": "Iran is good."}"#,
            "\n",
            r#"{"id": "d", "party": "R", "date": "2002", "text": "Russia is bad."}"#,
            "\n",
            r#"{"id": "e", "date": "2002-05-05", "text": "Russia is good."}"#,
            "\n",
            r#"{"id": "f", "party": 7, "date": "2002-05-05", "text": "Nothing."}"#,
            "\n",
        )
        .as_bytes(),
    );
    let grouping =
        Grouping::new(vec![By::Meta("party".into()), By::Date(stance::aggregate::groups::Granularity::Year)]).unwrap();
    let opts = AnalyzeOptions { grouping, ..AnalyzeOptions::default() };
    let (res, j, _) = run(std::slice::from_ref(&f), opts.clone(), &CorpusOptions::default());
    res.unwrap();
    assert_eq!(j["grouping"]["by"], serde_json::json!(["meta.party", "date:year"]));
    assert_eq!(j["grouping"]["documents_without_group"], 1, "e has no party");
    assert_eq!(j["grouping"]["missing"]["meta.party"], 1);
    let labels: Vec<&str> = j["groups"].as_array().unwrap().iter().map(|g| g["label"].as_str().unwrap()).collect();
    // Every year from 2001 to 2003 for each party seen, numbers (7) by their JSON text.
    assert_eq!(
        labels,
        ["7 · 2001", "7 · 2002", "7 · 2003", "D · 2001", "D · 2002", "D · 2003", "R · 2001", "R · 2002", "R · 2003"]
    );
    let group = |label: &str| j["groups"].as_array().unwrap().iter().find(|g| g["label"] == label).unwrap().clone();
    let d2001 = group("D · 2001");
    assert_eq!(d2001["key"], serde_json::json!(["D", "2001"]));
    assert_eq!(d2001["documents"], 2);
    let r = &d2001["actors"]["russia"];
    // Sentences: -0.75, +0.6 (a), -0.75 (b): mean -0.3, two documents.
    assert_eq!(
        (r["sentences"].as_u64(), r["documents"].as_u64(), r["stance"].as_f64()),
        (Some(3), Some(2), Some(-0.3))
    );
    let sd = ((0.45f64.powi(2) * 2.0 + 0.9f64.powi(2)) / 2.0).sqrt();
    assert!((r["sd"].as_f64().unwrap() - sd).abs() < 1e-4, "{r}");
    let empty = group("D · 2002");
    assert_eq!((empty["documents"].as_u64(), empty["actors"].as_object().unwrap().len()), (Some(0), 0));
    assert_eq!(group("7 · 2002")["documents"], 1);

    // The tidy rows: every group x actor, the JSON's numbers, empty where there is no data.
    let (records, walk) = read_corpus(&[f], &CorpusOptions::default());
    let mut out = Vec::new();
    {
        let mut sink = stance::output::tidy::TidyJsonlSink::new(&mut out, &opts.grouping);
        analyze(
            Input { records, skipped_files: walk.skipped_files },
            &Lexicon::default_actors(),
            &KeywordScorer,
            opts,
            &mut sink,
            &mut |_, _| {},
        )
        .unwrap();
    }
    let rows: Vec<stance::output::tidy::TidyRow> =
        String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 9 * 4);
    let row = rows.iter().find(|r| r.group == "D" && r.bucket == "2001" && r.actor == "russia").unwrap();
    assert_eq!((row.group_documents, row.documents, row.sentences, row.stance), (2, 2, 3, Some(-0.3)));
    assert_eq!(row.ci95_low, r["ci95"][0].as_f64());
    let none = rows.iter().find(|r| r.group == "D" && r.bucket == "2002" && r.actor == "russia").unwrap();
    assert_eq!((none.sentences, none.stance, none.ci95_low), (0, None, None), "an empty bucket is no data, not 0");
}
