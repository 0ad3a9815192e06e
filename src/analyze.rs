//! `stance analyze`: documents in, per-actor profiles out. Records are taken in chunks of
//! `chunk_docs`; each chunk is segmented and matched under rayon, every sentence that mentions an
//! actor goes to the scorer once (all its mentions are targets of that one pass), and the scores
//! become per-document sums that merge into per-author and corpus sums. Documents stream to the
//! sink as their chunk finishes, so memory is bounded by the chunk size, the number of authors and
//! the evidence kept, not by the corpus.
//!
//! Invariant: which sentences share a model batch depends only on the input and `chunk_docs`, the
//! model's numbers do not depend on the thread counts, and sums are integers, so the output is
//! byte-identical whatever the torch and rayon thread counts. (A different `chunk_docs` regroups
//! batches, and libtorch's float results move in the 7th digit with the batch shape, which can
//! move a printed 4th decimal; the profiles' arithmetic itself is exact.)

use std::collections::BTreeMap;

use anyhow::{bail, ensure, Context, Result};
use rayon::prelude::*;

use crate::actors::{ActorMatcher, Lexicon, Mention};
use crate::aggregate::{ActorSums, Evidence, Observation};
use crate::corpus::{Document, Record};
use crate::report::{ActorInfo, AuthorReport, CorpusReport, DocumentReport, Sink, Summary};
use crate::score::{SentenceScorer, SentenceScores};
use crate::segment::split_sentences;
use crate::span::CharSpan;
use crate::span::{ByteSpan, CharOffsets};

#[derive(Debug, Clone, Copy)]
pub struct AnalyzeOptions {
    /// Documents per chunk (the unit of parallel work and of memory).
    pub chunk_docs: usize,
    /// Evidence sentences kept per actor and side.
    pub evidence: usize,
    /// Stop at the first bad record instead of counting it.
    pub strict: bool,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions { chunk_docs: 256, evidence: 3, strict: false }
    }
}

/// One sentence of a document that mentions at least one actor.
struct Hit {
    span: ByteSpan,
    mentions: Vec<Mention>,
}

struct Prepared {
    sentences: usize,
    hits: Vec<Hit>,
}

fn prepare(doc: &Document, matcher: &ActorMatcher) -> Prepared {
    let spans = split_sentences(&doc.text);
    let hits = spans
        .iter()
        .filter_map(|s| {
            let mentions = matcher.find(&doc.text[s.start..s.end]);
            (!mentions.is_empty()).then_some(Hit { span: *s, mentions })
        })
        .collect();
    Prepared { sentences: spans.len(), hits }
}

fn char_spans(sentence: &str, mentions: &[Mention]) -> Vec<CharSpan> {
    // Mentions are sorted, so one forward walk converts all byte offsets.
    let mut offsets = CharOffsets::new(sentence);
    mentions.iter().map(|m| offsets.span(m.span())).collect()
}

/// Duplicate-id warnings printed before only the count goes on.
const MAX_DUPLICATE_WARNINGS: usize = 10;

/// A document id as 64 bits: a set of these finds repeated ids in 8 bytes per document.
fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// Running totals for authors and the corpus.
pub struct Totals {
    pub authors: BTreeMap<String, (u64, Vec<ActorSums>)>,
    pub corpus: Vec<ActorSums>,
    pub summary: Summary,
}

/// Runs the pipeline over `records`, writing to `sink`. `skipped_files` (files a folder walk
/// passed over) goes into the summary. `progress(docs, sentences)` is called per chunk.
pub fn analyze(
    records: impl Iterator<Item = Record>,
    skipped_files: usize,
    lexicon: &Lexicon,
    scorer: &dyn SentenceScorer,
    opts: AnalyzeOptions,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Summary> {
    let matcher = ActorMatcher::new(lexicon)?;
    let n_actors = lexicon.actors.len();
    let infos: Vec<ActorInfo> =
        lexicon.actors.iter().map(|a| ActorInfo { id: a.id.clone(), name: a.name.clone() }).collect();
    sink.begin(&infos)?;
    let mut totals = Totals {
        authors: BTreeMap::new(),
        corpus: vec![ActorSums::default(); n_actors],
        summary: Summary { skipped_files, ..Summary::default() },
    };
    let mut seen_ids = std::collections::HashSet::new();
    let mut records = records.peekable();
    while records.peek().is_some() {
        // The chunk keeps records in input order, so errors and documents stream out in order.
        let mut chunk: Vec<Record> = Vec::with_capacity(opts.chunk_docs);
        while chunk.len() < opts.chunk_docs.max(1) {
            let Some(r) = records.next() else { break };
            if let (Err(e), true) = (&r, opts.strict) {
                bail!("{e} (--strict)");
            }
            chunk.push(r);
        }
        let docs: Vec<&Document> = chunk.iter().filter_map(|r| r.as_ref().ok()).collect();
        let prepared: Vec<Prepared> = docs.par_iter().map(|d| prepare(d, &matcher)).collect();
        let items: Vec<(&str, Vec<CharSpan>)> = docs
            .iter()
            .zip(&prepared)
            .flat_map(|(d, p)| {
                p.hits.iter().map(move |h| {
                    let text = &d.text[h.span.start..h.span.end];
                    (text, char_spans(text, &h.mentions))
                })
            })
            .collect();
        let scores = scorer.score(&items)?;
        ensure!(
            scores.len() == items.len(),
            "the scorer returned {} results for {} sentences",
            scores.len(),
            items.len()
        );
        let mut scores = scores.into_iter();
        let mut chunk_sentences = 0;
        let mut prepared = prepared.iter();
        for record in &chunk {
            totals.summary.records += 1;
            let ordinal = totals.summary.records;
            let doc = match record {
                Ok(d) => d,
                Err(e) => {
                    totals.summary.failed += 1;
                    sink.error(e)?;
                    continue;
                }
            };
            let prep = prepared.next().expect("one preparation per document");
            if !seen_ids.insert(id_hash(&doc.id)) {
                totals.summary.duplicate_ids += 1;
                if totals.summary.duplicate_ids <= MAX_DUPLICATE_WARNINGS {
                    sink.warning(&format!(
                        "duplicate document id '{}' (record {ordinal}); its evidence is told apart by \"record\"{}",
                        doc.id,
                        if totals.summary.duplicate_ids == MAX_DUPLICATE_WARNINGS {
                            "; further duplicates are only counted (summary.duplicate_ids)"
                        } else {
                            ""
                        }
                    ))?;
                }
            }
            let mut sums = vec![ActorSums::default(); n_actors];
            let mut mentions = 0usize;
            let mut offsets = CharOffsets::new(&doc.text);
            for hit in &prep.hits {
                let s = scores.next().context("the scorer returned too few results")?;
                ensure!(
                    s.targets.len() == hit.mentions.len(),
                    "the scorer returned {} stances for a sentence with {} mentions",
                    s.targets.len(),
                    hit.mentions.len()
                );
                let in_doc = offsets.span(hit.span);
                mentions += hit.mentions.len();
                observe(doc, ordinal, hit, &s, in_doc, &mut sums, opts.evidence);
            }
            let report = DocumentReport::new(doc, ordinal, prep.sentences, prep.hits.len(), mentions, &sums, lexicon);
            sink.document(&report)?;
            totals.summary.documents += 1;
            totals.summary.sentences += prep.sentences;
            totals.summary.scored_sentences += prep.hits.len();
            totals.summary.mentions += mentions;
            chunk_sentences += prep.sentences;
            if let Some(a) = &doc.author {
                let entry =
                    totals.authors.entry(a.clone()).or_insert_with(|| (0, vec![ActorSums::default(); n_actors]));
                entry.0 += 1;
                for (acc, s) in entry.1.iter_mut().zip(&sums) {
                    acc.merge(s, opts.evidence);
                }
            } else {
                totals.summary.documents_without_author += 1;
            }
            for (acc, s) in totals.corpus.iter_mut().zip(&sums) {
                acc.merge(s, opts.evidence);
            }
        }
        progress(docs.len(), chunk_sentences);
    }
    let authors: Vec<AuthorReport> =
        totals.authors.iter().map(|(name, (n, sums))| AuthorReport::new(name, *n, sums, lexicon)).collect();
    let corpus = CorpusReport::new(&totals.summary, &totals.corpus, lexicon);
    sink.finish(&authors, &corpus, &totals.summary)?;
    Ok(totals.summary)
}

/// Turns one scored sentence into one observation per actor it mentions.
fn observe(
    doc: &Document,
    record: usize,
    hit: &Hit,
    s: &SentenceScores,
    in_doc: CharSpan,
    sums: &mut [ActorSums],
    k: usize,
) {
    let CharSpan { start, end } = in_doc;
    let text = &doc.text[hit.span.start..hit.span.end];
    let mut by_actor: BTreeMap<usize, (u64, [f64; 3], Vec<String>)> = BTreeMap::new();
    for (m, p) in hit.mentions.iter().zip(&s.targets) {
        let e = by_actor.entry(m.actor).or_insert((0, [0.0; 3], Vec::new()));
        e.0 += 1;
        for (sum, x) in e.1.iter_mut().zip(p) {
            *sum += f64::from(*x);
        }
        if !e.2.contains(&m.alias) {
            e.2.push(m.alias.clone());
        }
    }
    for (actor, (n, sum, aliases)) in by_actor {
        let dist = [sum[0] / n as f64, sum[1] / n as f64, sum[2] / n as f64];
        sums[actor].add(
            Observation {
                mentions: n,
                distribution: dist,
                sentiment: s.sentiment,
                evidence: Evidence {
                    document: doc.id.clone(),
                    record,
                    start,
                    end,
                    text: text.to_string(),
                    aliases,
                    stance_micro: 0,
                    stance: 0.0,
                },
            },
            k,
        );
    }
}
