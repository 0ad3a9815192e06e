//! The mergeable state of a run: per-author, per-group and corpus sums, the grouping counts and
//! the [`Summary`]. `analyze` adds documents to it; `merge` adds the snapshots of partial runs to it
//! (moving their input positions past the shards before them); both end by handing it to the
//! output stage, which turns it into the profiles a sink writes (`crate::output::close`). It knows
//! nothing of sinks: a duplicate id comes back as a warning to pass on.
//!
//! Invariant: every sum is an integer and every merge is associative and commutative, so a run
//! over the whole input and the merge of its shards (in their input order) give the same profiles.

use std::collections::{BTreeMap, HashSet};

use anyhow::{ensure, Result};
use serde::{Deserialize, Serialize};

use crate::aggregate::groups::{GroupKey, Grouping};
use crate::aggregate::sums::ActorSums;

/// Counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Records read: documents plus failures.
    pub records: usize,
    pub documents: usize,
    pub failed: usize,
    pub skipped_files: usize,
    pub sentences: usize,
    /// Sentences that mention an actor (each went through the model once).
    pub scored_sentences: usize,
    pub mentions: usize,
    pub documents_without_author: usize,
    /// Documents whose id an earlier document already had (their `record` tells them apart).
    #[serde(default)]
    pub duplicate_ids: usize,
}

/// Duplicate-id warnings printed; further duplicates are counted in `summary.duplicate_ids`.
pub const MAX_DUPLICATE_WARNINGS: usize = 10;

/// Running totals, and the ids seen so far (as hashes).
pub struct Totals {
    grouping: Grouping,
    evidence: usize,
    authors: BTreeMap<String, (u64, Vec<ActorSums>)>,
    groups: BTreeMap<GroupKey, (u64, Vec<ActorSums>)>,
    /// Per `--by` key, the documents that lacked it.
    missing: Vec<usize>,
    corpus: Vec<ActorSums>,
    pub summary: Summary,
    seen_ids: HashSet<u64>,
}

/// The serialized form of [`Totals`] (maps as lists, since group keys are not strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalsSnapshot {
    pub authors: Vec<(String, u64, Vec<ActorSums>)>,
    pub groups: Vec<(GroupKey, u64, Vec<ActorSums>)>,
    pub missing: Vec<usize>,
    pub corpus: Vec<ActorSums>,
    pub summary: Summary,
}

/// The hash by which ids are remembered (8 bytes per document).
pub fn id_hash(id: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

fn merge_into(acc: &mut [ActorSums], sums: &[ActorSums], k: usize) {
    for (a, s) in acc.iter_mut().zip(sums) {
        a.merge(s, k);
    }
}

impl Totals {
    pub fn new(n_actors: usize, skipped_files: usize, grouping: Grouping, evidence: usize) -> Self {
        Totals {
            missing: vec![0; grouping.by.len()],
            grouping,
            evidence,
            authors: BTreeMap::new(),
            groups: BTreeMap::new(),
            corpus: vec![ActorSums::default(); n_actors],
            summary: Summary { skipped_files, ..Summary::default() },
            seen_ids: HashSet::new(),
        }
    }

    pub fn grouping(&self) -> &Grouping {
        &self.grouping
    }

    pub fn n_actors(&self) -> usize {
        self.corpus.len()
    }

    /// Counts a document id seen before; for the first few, returns the warning to pass on.
    pub fn check_id(&mut self, id: &str, ordinal: usize) -> Option<String> {
        if self.seen_ids.insert(id_hash(id)) {
            return None;
        }
        self.summary.duplicate_ids += 1;
        let n = self.summary.duplicate_ids;
        if n <= MAX_DUPLICATE_WARNINGS {
            let more = if n == MAX_DUPLICATE_WARNINGS {
                "; further duplicates are only counted (summary.duplicate_ids)"
            } else {
                ""
            };
            return Some(format!(
                "duplicate document id '{id}' (record {ordinal}); its evidence is told apart by \"record\"{more}"
            ));
        }
        None
    }

    /// Merges one document's sums into its author's, its group's and the corpus's.
    pub fn add_document(
        &mut self,
        author: Option<&str>,
        key: Result<GroupKey, usize>,
        sentences: usize,
        scored: usize,
        mentions: usize,
        sums: &[ActorSums],
    ) {
        let (n_actors, k) = (self.corpus.len(), self.evidence);
        self.summary.documents += 1;
        self.summary.sentences += sentences;
        self.summary.scored_sentences += scored;
        self.summary.mentions += mentions;
        if let Some(a) = author {
            let entry = self.authors.entry(a.to_string()).or_insert_with(|| (0, vec![ActorSums::default(); n_actors]));
            entry.0 += 1;
            merge_into(&mut entry.1, sums, k);
        } else {
            self.summary.documents_without_author += 1;
        }
        match key {
            Ok(key) => {
                let entry = self.groups.entry(key).or_insert_with(|| (0, vec![ActorSums::default(); n_actors]));
                entry.0 += 1;
                merge_into(&mut entry.1, sums, k);
            }
            Err(lacking) => self.missing[lacking] += 1,
        }
        merge_into(&mut self.corpus, sums, k);
    }

    pub fn snapshot(&self) -> TotalsSnapshot {
        TotalsSnapshot {
            authors: self.authors.iter().map(|(a, (n, s))| (a.clone(), *n, s.clone())).collect(),
            groups: self.groups.iter().map(|(k, (n, s))| (k.clone(), *n, s.clone())).collect(),
            missing: self.missing.clone(),
            corpus: self.corpus.clone(),
            summary: self.summary.clone(),
        }
    }

    /// The totals of a checkpoint: its snapshot, and the ids of the documents it covers (so
    /// duplicates after it are still found).
    pub fn restore(
        snapshot: TotalsSnapshot,
        grouping: Grouping,
        evidence: usize,
        ids: impl Iterator<Item = String>,
    ) -> Result<Self> {
        snapshot.check()?;
        let mut t = Totals::new(snapshot.corpus.len(), 0, grouping, evidence);
        let duplicates = snapshot.summary.duplicate_ids;
        t.absorb(snapshot, 0)?;
        t.summary.duplicate_ids = duplicates;
        t.seen_ids.extend(ids.map(|id| id_hash(&id)));
        Ok(t)
    }

    /// Adds a shard's snapshot whose records come after `record_offset` records of the whole
    /// input. Its documents' ids must have gone through [`Totals::check_id`] already: the duplicate
    /// count is the whole input's, not the shard's; and its sums [`TotalsSnapshot::check`] (merge's
    /// pass before output, [`Totals::restore`]).
    pub fn absorb(&mut self, mut snap: TotalsSnapshot, record_offset: usize) -> Result<()> {
        let n_actors = self.corpus.len();
        ensure!(snap.corpus.len() == n_actors, "{} actors, where the others have {n_actors}", snap.corpus.len());
        ensure!(snap.missing.len() == self.missing.len(), "another number of --by keys");
        let k = self.evidence;
        let shift = |sums: &mut Vec<ActorSums>| sums.iter_mut().for_each(|s| s.shift_records(record_offset));
        for (a, n, mut sums) in snap.authors.drain(..) {
            shift(&mut sums);
            let entry = self.authors.entry(a).or_insert_with(|| (0, vec![ActorSums::default(); n_actors]));
            entry.0 += n;
            merge_into(&mut entry.1, &sums, k);
        }
        for (key, n, mut sums) in snap.groups.drain(..) {
            shift(&mut sums);
            let entry = self.groups.entry(key).or_insert_with(|| (0, vec![ActorSums::default(); n_actors]));
            entry.0 += n;
            merge_into(&mut entry.1, &sums, k);
        }
        for (m, x) in self.missing.iter_mut().zip(&snap.missing) {
            *m += x;
        }
        shift(&mut snap.corpus);
        merge_into(&mut self.corpus, &snap.corpus, k);
        let (s, o) = (&mut self.summary, &snap.summary);
        s.records += o.records;
        s.documents += o.documents;
        s.failed += o.failed;
        s.skipped_files += o.skipped_files;
        s.sentences += o.sentences;
        s.scored_sentences += o.scored_sentences;
        s.mentions += o.mentions;
        s.documents_without_author += o.documents_without_author;
        Ok(())
    }

    /// Per author: documents and sums, by author.
    pub fn authors(&self) -> &BTreeMap<String, (u64, Vec<ActorSums>)> {
        &self.authors
    }

    /// Per group key seen: documents and sums, in key order.
    pub fn groups(&self) -> &BTreeMap<GroupKey, (u64, Vec<ActorSums>)> {
        &self.groups
    }

    /// Per `--by` key, the documents that lacked it.
    pub fn missing(&self) -> &[usize] {
        &self.missing
    }

    /// The corpus sums.
    pub fn corpus(&self) -> &[ActorSums] {
        &self.corpus
    }
}

impl TotalsSnapshot {
    /// Refuses sums that no run can produce ([`ActorSums::check`]), naming where they are.
    /// `merge` calls it in its pass before any output, a checkpoint's restore before going on.
    pub fn check(&self) -> Result<()> {
        let scored = self.summary.scored_sentences as u64;
        let places = std::iter::once(("the corpus".to_string(), &self.corpus))
            .chain(self.authors.iter().map(|(a, _, sums)| (format!("author {a:?}"), sums)))
            .chain(self.groups.iter().map(|(g, _, sums)| (format!("group {g:?}"), sums)));
        for (place, sums) in places {
            for (actor, s) in sums.iter().enumerate() {
                s.check().map_err(|e| anyhow::anyhow!("the totals of {place}, actor {}: {e}", actor + 1))?;
                ensure!(
                    s.sentences <= scored,
                    "the totals of {place}, actor {}: {} sentences, more than the {scored} scored",
                    actor + 1,
                    s.sentences
                );
            }
        }
        Ok(())
    }
}
