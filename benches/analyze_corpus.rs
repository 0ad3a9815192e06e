//! End-to-end throughput and memory of `stance analyze` on real news: every AG News test item
//! (7,600; `\` line breaks and ` #36;` dollar signs undone), repeated `FACTOR` times (default 1)
//! with distinct ids, streamed through the pipeline into the JSON sink (output discarded).
//!
//! The run is settled as `stance analyze` settles it ([`stance::run::Run`]): the same model folder,
//! precision, worker layout and chunk.
//!
//! Prints documents/s, sentences/s, scored mentions/s (model load, every worker's copy, kept apart), the resident memory
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
use stance::output::JsonSink;
use stance::run::analyze::{Input, Start};
use stance::run::{ModelFlags, Run, RunFlags};

mod util;
use util::peak_rss_mib;

fn main() {
    stance::model::bound_kernel_caches();
    let numbers: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let factor = numbers.first().copied().unwrap_or(1);
    // Two workers unless told otherwise, as `stance analyze` on a machine with two or more cores.
    let workers = numbers.get(1).map(|&w| w.max(1));
    let chunk = numbers.get(2).copied().unwrap_or(RunFlags::default().chunk);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/agnews/test.tsv");
    let Ok(raw) = std::fs::read_to_string(&path) else {
        eprintln!("SKIP: {} is absent", path.display());
        return;
    };
    let texts: Vec<String> = raw
        .lines()
        .map(|l| l.rsplit_once('\t').map_or(l, |(t, _)| t).replace(" #36;", " $").replace('\\', "\n"))
        .collect();
    let flags = RunFlags {
        model: ModelFlags { precision: Some(util::precision_arg()), workers, ..ModelFlags::default() },
        chunk,
        ..RunFlags::default()
    };
    let run = Run::resolve(flags).expect("the run settles");
    for w in &run.warnings {
        eprintln!("warning: {w}");
    }
    let t_load = Instant::now();
    let scorer = run.scorer().expect("model loads");
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
    let mut sink = JsonSink::new(std::io::sink());
    let mut done = 0usize;
    let t = Instant::now();
    let mut progress = |d: usize, _| {
        // Resident memory after each pass over the 7,600 items: flat when memory is bounded.
        done += d;
        if done % n < d {
            println!("after {done} documents: resident memory {:.0} MiB", util::current_rss_mib());
        }
    };
    let input = Input { records, skipped_files: 0 };
    let summary = run.analyze(&scorer, input, &mut sink, &mut progress, Start::Fresh).expect("analysis runs");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "corpus: AG News test x{factor}: {} documents, {} sentences, {} scored sentences, {} mentions",
        summary.documents, summary.sentences, summary.scored_sentences, summary.mentions
    );
    println!("model load ({} copies): {load_s:.2}s (peak RSS after load {rss_after_load:.0} MiB)", run.model.workers);
    println!(
        "analyze: {secs:.1}s = {:.1} documents/s, {:.1} sentences/s, {:.1} scored sentences/s, {:.1} mentions/s (precision {}, workers {}, torch threads {} each, rayon threads {}, chunk {chunk}, batch 16)",
        summary.documents as f64 / secs,
        summary.sentences as f64 / secs,
        summary.scored_sentences as f64 / secs,
        summary.mentions as f64 / secs,
        scorer.precision().name(),
        run.model.workers,
        run.model.torch_threads,
        rayon::current_num_threads()
    );
    println!("peak resident memory: {:.0} MiB", peak_rss_mib());
}
