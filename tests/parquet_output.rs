//! `--format parquet` and `--format tidy-parquet` as a user runs them, with the shipped model: a
//! small corpus (authors, parties, full dates and bare years, a failed record) analysed once into
//! a partial, merged into JSON and into both Parquet tables, and the Parquet files read back with
//! the parquet crate: every column has its type, and every row holds the JSON's figures, bit for
//! bit. `analyze` writes the same bytes as `merge`, and refuses Parquet without `--output`.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use common::{stance, text};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

const CORPUS: &str = r#"{"id": "a1", "author": "Ann", "date": "1950-03-14", "party": "Blue", "text": "Moscow threatens its neighbours. China signed a fair trade deal with Europe."}
{"id": "a2", "author": "Ann", "date": "1951", "party": "Blue", "text": "The Kremlin lied again about the invasion. Iran is a trusted friend."}
{"id": "b1", "author": "Bob", "date": "1953-07-01", "party": "Red", "text": "We welcome the agreement with Russia. NATO stands with its allies."}
{"author": "Bob", "date": "1953-11-30", "party": "Red"}
{"id": "b2", "author": "Bob", "date": "1953-12-02T10:00Z", "party": "Red", "text": "Beijing cracked down on protesters. Russia and the West agreed on grain exports."}
{"id": "c1", "author": "Cy", "text": "Nothing here names an actor at all."}
"#;

fn run(args: &[&str]) -> std::process::Output {
    let out = stance(args, b"");
    assert!(matches!(out.status.code(), Some(0 | 1)), "stance {args:?}: {}", text(&out.stderr));
    out
}

fn read(path: &Path) -> RecordBatch {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    // These files are one row group, read as one batch.
    assert_eq!(batches.len(), 1, "{}: one batch of rows", path.display());
    batches.into_iter().next().unwrap()
}

fn types(batch: &RecordBatch) -> Vec<(String, DataType)> {
    batch.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect()
}

fn col<'a>(b: &'a RecordBatch, name: &str) -> &'a Arc<dyn Array> {
    b.column_by_name(name).unwrap_or_else(|| panic!("no column {name}"))
}

fn s(b: &RecordBatch, name: &str, i: usize) -> Option<String> {
    let c = col(b, name).as_string::<i32>();
    (!c.is_null(i)).then(|| c.value(i).to_string())
}

fn int(b: &RecordBatch, name: &str, i: usize) -> i64 {
    col(b, name).as_primitive::<Int64Type>().value(i)
}

fn float(b: &RecordBatch, name: &str, i: usize) -> Option<f64> {
    let c = col(b, name).as_primitive::<Float64Type>();
    (!c.is_null(i)).then(|| c.value(i))
}

fn date(b: &RecordBatch, name: &str, i: usize) -> Option<i32> {
    let c = col(b, name).as_primitive::<Date32Type>();
    (!c.is_null(i)).then(|| c.value(i))
}

fn days_since_1970(iso: &str) -> i32 {
    let (y, rest) = iso.split_at(4);
    let (m, d) = (&rest[1..3], &rest[4..6]);
    let date = time::Date::from_calendar_date(
        y.parse().unwrap(),
        time::Month::try_from(m.parse::<u8>().unwrap()).unwrap(),
        d.parse().unwrap(),
    )
    .unwrap();
    date.to_julian_day() - 2_440_588
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn parquet_tables_hold_the_json_figures_with_their_types() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).display().to_string();
    let corpus = p("corpus.jsonl");
    std::fs::write(&corpus, CORPUS).unwrap();
    let by = ["--by", "meta.party", "--by", "date:year"];
    let common = ["--quiet", "--precision", "fp32", "--chunk", "4"];

    let partial = p("p0.jsonl");
    let mut args = vec!["analyze", corpus.as_str(), "--format", "partial", "--output", &partial];
    args.extend(by);
    args.extend(common);
    assert_eq!(run(&args).status.code(), Some(1), "one record has no text");
    let merge = |format: &str, out: &str| {
        run(&["merge", &partial, "--format", format, "--output", out]);
    };
    let (json_path, docs_path, tidy_path) = (p("all.json"), p("docs.parquet"), p("tidy.parquet"));
    merge("json", &json_path);
    merge("parquet", &docs_path);
    merge("tidy-parquet", &tidy_path);
    let json: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let actors: Vec<(String, String)> = json["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_str().unwrap().to_string(), a["name"].as_str().unwrap().to_string()))
        .collect();

    // Documents: one row per document x mentioned actor, in input order, then lexicon order.
    let docs = read(Path::new(&docs_path));
    let t = |n: &str, ty: DataType| (n.to_string(), ty);
    use DataType::{Date32, Float64, Int64, Utf8};
    assert_eq!(
        types(&docs),
        vec![
            t("document", Utf8),
            t("record", Int64),
            t("author", Utf8),
            t("date", Utf8),
            t("day", Date32),
            t("title", Utf8),
            t("actor", Utf8),
            t("actor_name", Utf8),
            t("mentions", Int64),
            t("sentences", Int64),
            t("stance", Float64),
            t("ci95_low", Float64),
            t("ci95_high", Float64),
            t("sd", Float64),
            t("p_against", Float64),
            t("p_neutral", Float64),
            t("p_favor", Float64),
            t("label", Utf8),
            t("sentiment_negative", Float64),
            t("sentiment_neutral", Float64),
            t("sentiment_positive", Float64),
            t("document_sentences", Int64),
        ]
    );
    let mut i = 0;
    for d in json["documents"].as_array().unwrap() {
        for (id, name) in &actors {
            let Some(pr) = d["actors"].get(id) else { continue };
            let at = format!("row {i} ({} x {id})", d["id"]);
            assert_eq!(s(&docs, "document", i).as_deref(), d["id"].as_str(), "{at}");
            assert_eq!(int(&docs, "record", i), d["record"].as_i64().unwrap(), "{at}");
            assert_eq!(s(&docs, "author", i).as_deref(), d["author"].as_str(), "{at}");
            assert_eq!(s(&docs, "date", i).as_deref(), d["date"].as_str(), "{at}");
            let day = d["date"].as_str().filter(|x| x.len() >= 10).map(days_since_1970);
            assert_eq!(date(&docs, "day", i), day, "{at}: a day where the date names one");
            assert_eq!(s(&docs, "title", i), None, "{at}");
            assert_eq!((s(&docs, "actor", i).unwrap(), s(&docs, "actor_name", i).unwrap()), (id.clone(), name.clone()));
            assert_eq!(int(&docs, "mentions", i), pr["mentions"].as_i64().unwrap(), "{at}");
            assert_eq!(int(&docs, "sentences", i), pr["sentences"].as_i64().unwrap(), "{at}");
            assert_eq!(float(&docs, "stance", i), Some(f(&pr["stance"])), "{at}");
            assert_eq!(float(&docs, "ci95_low", i), Some(f(&pr["ci95"][0])), "{at}");
            assert_eq!(float(&docs, "ci95_high", i), Some(f(&pr["ci95"][1])), "{at}");
            assert_eq!(float(&docs, "sd", i), Some(f(&pr["sd"])), "{at}");
            for (c, k) in [("p_against", "against"), ("p_neutral", "neutral"), ("p_favor", "favor")] {
                assert_eq!(float(&docs, c, i), Some(f(&pr["distribution"][k])), "{at}: {c}");
            }
            for k in ["negative", "neutral", "positive"] {
                assert_eq!(float(&docs, &format!("sentiment_{k}"), i), Some(f(&pr["sentiment"][k])), "{at}: {k}");
            }
            assert_eq!(s(&docs, "label", i).as_deref(), pr["label"].as_str(), "{at}");
            assert_eq!(int(&docs, "document_sentences", i), d["sentences"].as_i64().unwrap(), "{at}");
            i += 1;
        }
    }
    assert!(i >= 8, "the corpus mentions actors in several documents ({i} rows)");
    assert_eq!(docs.num_rows(), i, "no row beyond the JSON's");

    // Tidy rows: one per group x actor, in the JSON's group order; the year as label and date.
    let tidy = read(Path::new(&tidy_path));
    assert_eq!(
        types(&tidy),
        vec![
            t("group", Utf8),
            t("bucket", Utf8),
            t("bucket_start", Date32),
            t("actor", Utf8),
            t("actor_name", Utf8),
            t("group_documents", Int64),
            t("documents", Int64),
            t("sentences", Int64),
            t("mentions", Int64),
            t("stance", Float64),
            t("ci95_low", Float64),
            t("ci95_high", Float64),
            t("sd", Float64),
            t("p_against", Float64),
            t("p_neutral", Float64),
            t("p_favor", Float64),
        ]
    );
    let groups = json["groups"].as_array().unwrap();
    assert!(groups.iter().any(|g| g["documents"] == 0), "an empty year is listed (1952)");
    let mut i = 0;
    for g in groups {
        let key: Vec<&str> = g["key"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
        for (id, _) in &actors {
            let at = format!("row {i} ({} x {id})", g["label"]);
            assert_eq!(s(&tidy, "group", i).as_deref(), Some(key[0]), "{at}");
            assert_eq!(s(&tidy, "bucket", i).as_deref(), Some(key[1]), "{at}");
            assert_eq!(date(&tidy, "bucket_start", i), Some(days_since_1970(&format!("{}-01-01", key[1]))), "{at}");
            assert_eq!(int(&tidy, "group_documents", i), g["documents"].as_i64().unwrap(), "{at}");
            match g["actors"].get(id) {
                Some(pr) => {
                    assert_eq!(int(&tidy, "documents", i), pr["documents"].as_i64().unwrap(), "{at}");
                    assert_eq!(int(&tidy, "sentences", i), pr["sentences"].as_i64().unwrap(), "{at}");
                    assert_eq!(int(&tidy, "mentions", i), pr["mentions"].as_i64().unwrap(), "{at}");
                    assert_eq!(float(&tidy, "stance", i), Some(f(&pr["stance"])), "{at}");
                    assert_eq!(float(&tidy, "ci95_low", i), Some(f(&pr["ci95"][0])), "{at}");
                    assert_eq!(float(&tidy, "ci95_high", i), Some(f(&pr["ci95"][1])), "{at}");
                    assert_eq!(float(&tidy, "sd", i), Some(f(&pr["sd"])), "{at}");
                    assert_eq!(float(&tidy, "p_favor", i), Some(f(&pr["distribution"]["favor"])), "{at}");
                }
                None => {
                    assert_eq!((int(&tidy, "documents", i), int(&tidy, "sentences", i)), (0, 0), "{at}");
                    for c in ["stance", "ci95_low", "ci95_high", "sd", "p_against", "p_neutral", "p_favor"] {
                        assert_eq!(float(&tidy, c, i), None, "{at}: {c} is null where there is no sentence");
                    }
                }
            }
            i += 1;
        }
    }
    assert_eq!(tidy.num_rows(), i);

    // `analyze` writes the bytes `merge` wrote, and only into a file.
    let direct = p("direct.parquet");
    let mut args = vec!["analyze", corpus.as_str(), "--format", "tidy-parquet", "--output", &direct];
    args.extend(by);
    args.extend(common);
    run(&args);
    assert_eq!(std::fs::read(&direct).unwrap(), std::fs::read(&tidy_path).unwrap(), "analyze and merge agree");
    for format in ["parquet", "tidy-parquet"] {
        let out = stance(&["analyze", &corpus, "--format", format, "--quiet"], b"");
        assert_eq!(out.status.code(), Some(2), "--format {format} without --output");
        assert!(out.stdout.is_empty(), "nothing on stdout");
        let err = text(&out.stderr);
        assert!(err.contains(&format!("--format {format}")) && err.contains("--output FILE"), "{err}");
        let out = stance(&["merge", &partial, "--format", format], b"");
        assert_eq!(out.status.code(), Some(2), "merge --format {format} without --output");
        assert!(text(&out.stderr).contains("--output FILE"), "{}", text(&out.stderr));
    }
}

/// Without a `date:` key the tidy table has no bucket: `bucket` and `bucket_start` are null.
#[test]
fn tidy_parquet_without_a_time_key_has_null_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c.jsonl");
    std::fs::write(&corpus, CORPUS).unwrap();
    let out = dir.path().join("t.parquet");
    let (c, o) = (corpus.display().to_string(), out.display().to_string());
    run(&["analyze", &c, "--format", "tidy-parquet", "--output", &o, "--quiet", "--workers", "1"]);
    let tidy = read(&out);
    let groups: Vec<String> = (0..tidy.num_rows()).map(|i| s(&tidy, "group", i).unwrap()).collect();
    assert_eq!(groups.iter().filter(|g| *g == "Ann").count(), 4, "one row per actor of the lexicon: {groups:?}");
    assert!((0..tidy.num_rows()).all(|i| s(&tidy, "bucket", i).is_none() && date(&tidy, "bucket_start", i).is_none()));
}
