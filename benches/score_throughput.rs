//! Throughput of the scoring stage (what `stance score` runs per batch) on real news: the first
//! 1,000 sentences of the AG News test items (`\` line breaks and ` #36;` dollar signs undone,
//! split by `segment`) that mention a default actor, with every mention as a target.
//!
//! Prints, per configuration, sentences/s, targets/s and tokens/s, with model load kept apart, and
//! the process's peak resident memory. Compares libtorch intra-op threads (1 worker x N threads)
//! with rayon-style workers that each own a model and one thread (tch tensors are not `Sync`).
//!
//! Run: `cargo bench --bench score_throughput [-- --precision fp32|bf16|int8]` (needs
//! `../shared/data/agnews`; the precision defaults to `auto`, as in `stance score`).
//!
//! `cargo bench --bench score_throughput -- --write-score-input FILE` instead writes every such
//! sentence of the test items (not only the first 1,000) as `stance score` input lines, with the
//! mentions as targets: the set that `scripts/bench/score-precision.sh` times end to end.

use std::path::Path;
use std::time::Instant;

use stance::model::{resolve_model_dir, CharSpan, EncodedSentence, StanceModel};
use stance::score::{score_encoded, BatchPolicy};
use tch::Device;

mod util;
use util::peak_rss_mib;

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/agnews/test.tsv");
    let Ok(raw) = std::fs::read_to_string(&path) else {
        eprintln!("SKIP: {} is absent", path.display());
        return;
    };
    let lexicon = stance::text::actors::Lexicon::default_actors();
    let matcher = stance::text::actors::ActorMatcher::new(&lexicon).expect("default lexicon");
    let args: Vec<String> = std::env::args().collect();
    let write_to = args.iter().position(|a| a == "--write-score-input").and_then(|i| args.get(i + 1)).cloned();
    let limit = if write_to.is_some() { usize::MAX } else { 1000 };
    let mut inputs: Vec<(String, Vec<CharSpan>)> = Vec::new();
    'items: for line in raw.lines() {
        let item = line.rsplit_once('\t').map_or(line, |(t, _)| t).replace(" #36;", " $").replace('\\', "\n");
        for s in stance::text::segment::split_sentences(&item) {
            let sentence = &item[s.start..s.end];
            let mut offsets = stance::text::span::CharOffsets::new(sentence);
            let spans: Vec<CharSpan> = matcher.find(sentence).iter().map(|m| offsets.span(m.span)).collect();
            if !spans.is_empty() {
                inputs.push((sentence.to_string(), spans));
                if inputs.len() == limit {
                    break 'items;
                }
            }
        }
    }
    if let Some(path) = write_to {
        let lines: String = inputs
            .iter()
            .enumerate()
            .map(|(i, (text, spans))| {
                let targets: Vec<serde_json::Value> =
                    spans.iter().map(|s| serde_json::json!({"start": s.start, "end": s.end})).collect();
                format!("{}\n", serde_json::json!({"id": i + 1, "text": text, "targets": targets}))
            })
            .collect();
        std::fs::write(&path, lines).expect("writable output");
        println!("wrote {} sentences to {path}", inputs.len());
        return;
    }
    let precision = util::precision_arg();
    let t_load = Instant::now();
    let dir = resolve_model_dir(None);
    let model = StanceModel::load_for_inference(&dir, Device::Cpu, precision).expect("model loads");
    println!("model load: {:.2}s ({}, precision {})", t_load.elapsed().as_secs_f64(), dir.display(), precision.name());

    let t_enc = Instant::now();
    let encoded: Vec<EncodedSentence> =
        inputs.iter().map(|(t, s)| model.encoder.encode(t, s).expect("valid spans")).collect();
    let enc_s = t_enc.elapsed().as_secs_f64();
    let n = encoded.len();
    let targets: usize = encoded.iter().map(|e| e.targets.len()).sum();
    let tokens: usize = encoded.iter().flat_map(|e| e.rows.iter().map(|r| r.ids.len())).sum();
    println!(
        "input: {n} AG News sentences, {targets} target mentions, {tokens} tokens; tokenizing took {:.3}s ({:.0} sentences/s, one thread)",
        enc_s,
        n as f64 / enc_s
    );
    let refs: Vec<&EncodedSentence> = encoded.iter().collect();
    let report = |label: &str, secs: f64| {
        println!(
            "{label:<44} {:>7.1} sentences/s {:>7.1} targets/s {:>8.0} tokens/s ({secs:.2}s)",
            n as f64 / secs,
            targets as f64 / secs,
            tokens as f64 / secs
        );
    };

    // Warm-up: the first call pays one-off allocation costs.
    let _ = score_encoded(&model, &refs[..64], BatchPolicy::default(), |_| {});
    for threads in [1, 2] {
        tch::set_num_threads(threads);
        for bs in [8, 16, 32, 64, 128] {
            let policy = BatchPolicy { max_sentences: bs, max_tokens: bs * 128, ..BatchPolicy::default() };
            let t = Instant::now();
            score_encoded(&model, &refs, policy, |_| {}).expect("scores");
            report(&format!("1 worker x {threads} torch threads, batch {bs}"), t.elapsed().as_secs_f64());
        }
    }

    // Two workers, each with its own model and one torch thread, splitting the sentences.
    tch::set_num_threads(1);
    let halves: Vec<Vec<EncodedSentence>> =
        vec![encoded.iter().step_by(2).cloned().collect(), encoded.iter().skip(1).step_by(2).cloned().collect()];
    // Models load first; the clock starts when both workers are ready.
    let ready = std::sync::Barrier::new(halves.len());
    let secs: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = halves
            .iter()
            .map(|half| {
                let (dir, ready) = (dir.clone(), &ready);
                s.spawn(move || {
                    tch::set_num_threads(1);
                    let m = StanceModel::load_for_inference(&dir, Device::Cpu, precision).expect("model loads");
                    let refs: Vec<&EncodedSentence> = half.iter().collect();
                    ready.wait();
                    let t = Instant::now();
                    score_encoded(&m, &refs, BatchPolicy::default(), |_| {}).expect("scores");
                    t.elapsed().as_secs_f64()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker")).collect()
    });
    report("2 workers x 1 torch thread, batch 16", secs.iter().cloned().fold(0.0, f64::max));
    println!("peak resident memory: {:.0} MiB", peak_rss_mib());
}
