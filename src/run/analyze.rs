//! `stance analyze`: documents in, per-actor profiles out. Records are read in chunks of
//! `chunk_docs` on the calling thread; the scorer's workers each take a chunk, segment and match
//! it under rayon, and score every sentence that mentions an actor once (all its mentions are
//! targets of that one pass); back on the calling thread, in input order, the scores become
//! per-document sums that merge into the run's [`Totals`] (authors, groups, corpus) and documents
//! stream to the sink ([`crate::score::pool`]). Memory is bounded by the chunks in flight (at most two
//! per worker), the number of groups and the evidence kept, plus 8 bytes per document for the
//! hashes that find repeated ids.
//!
//! Invariant: which sentences share a model batch depends only on the input and `chunk_docs`, the
//! model's numbers do not depend on the rayon thread count or on which worker scored a chunk (nor,
//! in fp32, on the torch thread count; bf16 kernels split work by thread count), and sums are
//! integers, so the output is byte-identical whatever the rayon threads and workers, and in fp32
//! whatever the torch threads. (A different `chunk_docs` regroups batches, and libtorch's float
//! results move in the 7th digit with the batch shape, which can move a printed 4th decimal; the
//! profiles' arithmetic itself is exact.)

use std::collections::BTreeMap;

use anyhow::{bail, ensure, Context, Result};
use rayon::prelude::*;

use crate::aggregate::groups::Grouping;
use crate::aggregate::sums::{ActorSums, Evidence, Observation};
use crate::aggregate::totals::Totals;
use crate::input::{Document, Record};
use crate::output::{ActorInfo, DocumentReport, Sink, Summary};
use crate::score::{SentenceScorer, SentenceScores};
use crate::text::actors::{ActorMatcher, Lexicon, Mention};
use crate::text::segment::{split_unwrapped, unwrap_soft_breaks};
use crate::text::span::CharSpan;
use crate::text::span::{ByteSpan, CharOffsets};

/// Documents per chunk unless `--chunk` says otherwise. A chunk is the unit a model worker takes,
/// and its sentences are length-sorted into batches together: on AG News (about 0.3 scored
/// sentences per document) analyze took 5.22 s (median) with 1,024 documents against 6.27 s with
/// 256, level with `stance score` on the same sentences (BENCHMARKS.md, "Speed end to end"). At
/// most two chunks per worker are in flight.
pub const DEFAULT_CHUNK_DOCS: usize = 1024;

#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Documents per chunk (the unit of parallel work and of memory).
    pub chunk_docs: usize,
    /// Evidence sentences kept per actor and side.
    pub evidence: usize,
    /// Stop at the first bad record instead of counting it.
    pub strict: bool,
    /// How documents are grouped for the `groups` profiles (`--by`).
    pub grouping: Grouping,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions { chunk_docs: DEFAULT_CHUNK_DOCS, evidence: 3, strict: false, grouping: Grouping::default() }
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
    // Soft line breaks are spaces here, byte for byte, so a two-word alias wrapped across lines
    // ("European\nUnion") matches whole, at the offsets of the original text.
    let unwrapped = unwrap_soft_breaks(&doc.text);
    let spans = split_unwrapped(&unwrapped);
    let hits = spans
        .iter()
        .filter_map(|s| {
            let mentions = matcher.find(s.of(&unwrapped));
            (!mentions.is_empty()).then_some(Hit { span: *s, mentions })
        })
        .collect();
    Prepared { sentences: spans.len(), hits }
}

fn char_spans(sentence: &str, mentions: &[Mention]) -> Vec<CharSpan> {
    // Mentions are sorted, so one forward walk converts all byte offsets.
    let mut offsets = CharOffsets::new(sentence);
    mentions.iter().map(|m| offsets.span(m.span)).collect()
}

/// What `analyze` reads: the records, and how many files a folder walk passed over (for the
/// summary).
pub struct Input<I: Iterator<Item = Record>> {
    pub records: I,
    pub skipped_files: usize,
}

/// Runs the pipeline over the input, writing to `sink`: records are read in chunks, each chunk is
/// segmented, matched and scored, and its documents are summed, reported and merged into the
/// totals. `progress(docs, sentences)` is called per chunk.
pub fn analyze<I: Iterator<Item = Record>>(
    input: Input<I>,
    lexicon: &Lexicon,
    scorer: &dyn SentenceScorer,
    opts: AnalyzeOptions,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Summary> {
    analyze_from(input, lexicon, scorer, opts, sink, progress, Start::Fresh)
}

/// Where a run starts, and what it does after each chunk.
pub enum Start<'a> {
    /// From the first record.
    Fresh,
    /// From a checkpoint: `totals` covers the first `totals.summary.records` records, which are
    /// skipped (the sink has already had `begin` and their documents). `after_chunk` runs after
    /// every chunk, at a chunk boundary, where a checkpoint can be saved.
    Resume { totals: Option<Box<Totals>>, after_chunk: &'a mut dyn FnMut(&Totals, &mut dyn Sink) -> Result<()> },
}

/// [`analyze`], from a [`Start`].
pub fn analyze_from<I: Iterator<Item = Record>>(
    input: Input<I>,
    lexicon: &Lexicon,
    scorer: &dyn SentenceScorer,
    opts: AnalyzeOptions,
    sink: &mut dyn Sink,
    progress: &mut dyn FnMut(usize, usize),
    start: Start<'_>,
) -> Result<Summary> {
    let matcher = ActorMatcher::new(lexicon)?;
    let infos: Vec<ActorInfo> = lexicon.infos();
    let mut no_op = |_: &Totals, _: &mut dyn Sink| Ok(());
    let (resumed, after_chunk) = match start {
        Start::Fresh => (None, &mut no_op as &mut dyn FnMut(&Totals, &mut dyn Sink) -> Result<()>),
        Start::Resume { totals, after_chunk } => (totals, after_chunk),
    };
    let (totals, skip) = match resumed {
        Some(t) => {
            let done = t.summary.records;
            (*t, done)
        }
        None => {
            sink.begin(&infos)?;
            (Totals::new(lexicon.actors.len(), input.skipped_files, opts.grouping.clone(), opts.evidence), 0)
        }
    };
    let mut records = input.records.skip(skip).peekable();
    let mut consumer = Consumer { totals, sink, infos: &infos, evidence: opts.evidence, progress, after_chunk };
    // Reading and writing run here; segmenting, matching and scoring run on the scorer's workers,
    // a chunk each, so the model never waits on the rest (src/score/pool.rs).
    let workers = scorer.workers();
    crate::score::pool::ordered(
        workers,
        2 * workers,
        |_| scorer.start_worker(),
        || match records.peek() {
            None => Ok(None),
            Some(_) => next_chunk(&mut records, &opts).map(Some),
        },
        |_, chunk: Vec<Record>| {
            let docs: Vec<&Document> = chunk.iter().filter_map(|r| r.as_ref().ok()).collect();
            let (prepared, scores) = score_chunk(&docs, &matcher, scorer)?;
            Ok(ScoredChunk { records: chunk, prepared, scores })
        },
        |scored| consumer.chunk(scored),
    )?;
    let Consumer { totals, sink, .. } = consumer;
    crate::output::close(totals, &infos, sink)
}

/// A chunk of records back from a worker: a preparation per document and the scores of every
/// sentence that mentions an actor, in document, then sentence order.
struct ScoredChunk {
    records: Vec<Record>,
    prepared: Vec<Prepared>,
    scores: Vec<SentenceScores>,
}

/// The calling thread's side of a run: takes scored chunks in input order, hands each record to
/// the sink (a document report or an error) and adds its sums to the totals.
struct Consumer<'a> {
    totals: Totals,
    sink: &'a mut dyn Sink,
    infos: &'a [ActorInfo],
    evidence: usize,
    progress: &'a mut dyn FnMut(usize, usize),
    after_chunk: &'a mut dyn FnMut(&Totals, &mut dyn Sink) -> Result<()>,
}

impl Consumer<'_> {
    /// Consumes one chunk, then reports progress and runs `after_chunk` (a checkpoint's save).
    fn chunk(&mut self, chunk: ScoredChunk) -> Result<()> {
        let mut scores = chunk.scores.into_iter();
        let mut prepared = chunk.prepared.iter();
        let (mut chunk_docs, mut chunk_sentences) = (0, 0);
        for record in &chunk.records {
            self.totals.summary.records += 1;
            let ordinal = self.totals.summary.records;
            let doc = match record {
                Ok(d) => d,
                Err(e) => {
                    self.totals.summary.failed += 1;
                    self.sink.error(e)?;
                    continue;
                }
            };
            let prep = prepared.next().context("one preparation per document")?;
            self.document(doc, ordinal, prep, &mut scores)?;
            chunk_docs += 1;
            chunk_sentences += prep.sentences;
        }
        (self.progress)(chunk_docs, chunk_sentences);
        (self.after_chunk)(&self.totals, self.sink)
    }

    /// One document: its sums from its sentences' scores, its report to the sink, and the sums
    /// into the totals (author, group, corpus).
    fn document(
        &mut self,
        doc: &Document,
        ordinal: usize,
        prep: &Prepared,
        scores: &mut impl Iterator<Item = SentenceScores>,
    ) -> Result<()> {
        if let Some(w) = self.totals.check_id(&doc.id, ordinal) {
            self.sink.warning(&w)?;
        }
        let (sums, mentions) = document_sums(doc, ordinal, prep, scores, self.totals.n_actors(), self.evidence)?;
        let report = DocumentReport::new(doc, ordinal, prep.sentences, prep.hits.len(), mentions, &sums, self.infos);
        self.sink.document(&report)?;
        let key = self.totals.grouping().key(doc);
        self.totals.add_document(doc.author.as_deref(), key, prep.sentences, prep.hits.len(), mentions, &sums);
        Ok(())
    }
}

/// The next `chunk_docs` records, in input order (so errors and documents stream out in order);
/// with `strict`, the first bad record is fatal.
fn next_chunk(records: &mut impl Iterator<Item = Record>, opts: &AnalyzeOptions) -> Result<Vec<Record>> {
    let mut chunk = Vec::new();
    while chunk.len() < opts.chunk_docs.max(1) {
        let Some(r) = records.next() else { break };
        if let (Err(e), true) = (&r, opts.strict) {
            bail!("{e} (--strict)");
        }
        chunk.push(r);
    }
    Ok(chunk)
}

/// Segments and matches the documents in parallel, then scores every sentence that mentions an
/// actor in one call; scores come back in document, then sentence order.
fn score_chunk(
    docs: &[&Document],
    matcher: &ActorMatcher,
    scorer: &dyn SentenceScorer,
) -> Result<(Vec<Prepared>, Vec<SentenceScores>)> {
    let prepared: Vec<Prepared> = docs.par_iter().map(|d| prepare(d, matcher)).collect();
    let items: Vec<(&str, Vec<CharSpan>)> = docs
        .iter()
        .zip(&prepared)
        .flat_map(|(d, p)| {
            p.hits.iter().map(move |h| {
                let text = h.span.of(&d.text);
                (text, char_spans(text, &h.mentions))
            })
        })
        .collect();
    let scores = scorer.score(&items)?;
    ensure!(scores.len() == items.len(), "the scorer returned {} results for {} sentences", scores.len(), items.len());
    Ok((prepared, scores))
}

/// One document's per-actor sums from its scored sentences (taken from `scores` in order), and its
/// number of mentions.
fn document_sums(
    doc: &Document,
    ordinal: usize,
    prep: &Prepared,
    scores: &mut impl Iterator<Item = SentenceScores>,
    n_actors: usize,
    evidence: usize,
) -> Result<(Vec<ActorSums>, usize)> {
    let mut sums = vec![ActorSums::default(); n_actors];
    let mut mentions = 0usize;
    let close = |mut sums: Vec<ActorSums>| {
        sums.iter_mut().for_each(ActorSums::close_document);
        sums
    };
    let mut offsets = CharOffsets::new(&doc.text);
    for hit in &prep.hits {
        let s = scores.next().context("the scorer returned too few results")?;
        ensure!(
            s.targets.len() == hit.mentions.len(),
            "the scorer returned {} stances for a sentence with {} mentions",
            s.targets.len(),
            hit.mentions.len()
        );
        mentions += hit.mentions.len();
        observe(doc, ordinal, hit, &s, offsets.span(hit.span), &mut sums, evidence);
    }
    Ok((close(sums), mentions))
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
    let text = hit.span.of(&doc.text);
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
