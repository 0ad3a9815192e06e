//! End-to-end throughput and memory of `stance analyze` on real news: every AG News test item
//! (7,600; `\` line breaks and ` #36;` dollar signs undone), repeated `FACTOR` times (default 1)
//! with distinct ids, streamed through the pipeline into the JSON sink (output discarded).
//!
//! Prints documents/s, sentences/s, scored mentions/s (model load kept apart), the resident memory
//! after each pass over the items, and the process's peak resident memory; run with factor 1 and 4
//! to see that memory does not grow with the corpus.
//!
//! Run: `cargo bench --bench analyze_corpus -- 1` and `cargo bench --bench analyze_corpus -- 4`;
//! a second number sets the model workers (default 2 as in `stance analyze`; `-- 1 1`: one worker
//! with every core as torch threads), a
//! third the documents per chunk (`-- 1 2 1024`), and
//! `--precision fp32|bf16|int8` the precision (default `auto`, as in `stance analyze`).

use std::path::Path;
use std::time::Instant;

use stance::input::Document;
use stance::model::{resolve_model_dir, StanceModel};
use stance::output::JsonSink;
use stance::run::analyze::{analyze, AnalyzeOptions, Input};
use stance::score::BatchPolicy;
use stance::score::ModelScorer;
use stance::text::actors::Lexicon;
use tch::Device;

mod util;
use util::peak_rss_mib;

fn main() {
    stance::model::bound_kernel_caches();
    let numbers: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let factor = numbers.first().copied().unwrap_or(1);
    // Two workers unless told otherwise, as `stance analyze` on a machine with two or more cores.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = numbers.get(1).copied().unwrap_or(cores.min(2)).max(1);
    let chunk_docs = numbers.get(2).copied().unwrap_or(AnalyzeOptions::default().chunk_docs);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/agnews/test.tsv");
    let Ok(raw) = std::fs::read_to_string(&path) else {
        eprintln!("SKIP: {} is absent", path.display());
        return;
    };
    let texts: Vec<String> = raw
        .lines()
        .map(|l| l.rsplit_once('\t').map_or(l, |(t, _)| t).replace(" #36;", " $").replace('\\', "\n"))
        .collect();
    let precision = util::precision_arg();
    let dir = resolve_model_dir(None);
    let t_load = Instant::now();
    let model = StanceModel::load_for_inference(&dir, Device::Cpu, precision).expect("model loads");
    let load_s = t_load.elapsed().as_secs_f64();
    let rss_after_load = peak_rss_mib();
    let n = texts.len();
    let records = (0..n * factor).map(|i| {
        Ok(Document {
            id: format!("agnews-{}-{}", i / n, i % n),
            author: Some(format!("source{}", i % 13)),
            date: None,
            title: None,
            text: texts[i % n].clone(),
            meta: Default::default(),
        })
    });
    let mut models = vec![model];
    models.extend(
        (1..workers).map(|_| StanceModel::load_for_inference(&dir, Device::Cpu, precision).expect("model loads")),
    );
    let torch_threads = (cores / workers).max(1);
    let scorer = ModelScorer::new(models, BatchPolicy::default(), torch_threads as i32).expect("a model");
    let mut sink = JsonSink::new(std::io::sink());
    let mut done = 0usize;
    let t = Instant::now();
    let summary = analyze(
        Input { records, skipped_files: 0 },
        &Lexicon::default_actors(),
        &scorer,
        AnalyzeOptions { chunk_docs, ..AnalyzeOptions::default() },
        &mut sink,
        &mut |d, _| {
            // Resident memory after each pass over the 7,600 items: flat when memory is bounded.
            done += d;
            if done % n < d {
                println!("after {done} documents: resident memory {:.0} MiB", util::current_rss_mib());
            }
        },
    )
    .expect("analysis runs");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "corpus: AG News test x{factor}: {} documents, {} sentences, {} scored sentences, {} mentions",
        summary.documents, summary.sentences, summary.scored_sentences, summary.mentions
    );
    println!("model load: {load_s:.2}s (peak RSS after load {rss_after_load:.0} MiB)");
    println!(
        "analyze: {secs:.1}s = {:.1} documents/s, {:.1} sentences/s, {:.1} scored sentences/s, {:.1} mentions/s (precision {}, workers {workers}, torch threads {torch_threads} each, rayon threads {}, chunk {chunk_docs}, batch 16)",
        summary.documents as f64 / secs,
        summary.sentences as f64 / secs,
        summary.scored_sentences as f64 / secs,
        summary.mentions as f64 / secs,
        precision.name(),
        rayon::current_num_threads()
    );
    println!("peak resident memory: {:.0} MiB", peak_rss_mib());
}
