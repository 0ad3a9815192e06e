#!/usr/bin/env python3
"""The seventeenth draw for the actor-stance corpus (issue 16): more directed-sentiment sentences,
read by the guideline, both entities.

The selection set (data/selection-set/, AG News prose and State of the Union sentences read by the
guideline, never trained on) puts the shipped model (AE16) at 0.657 on news prose, with 42% of the
hostile pairs read as neutral. The news prose this project may train on is BBC (every sentence
naming an actor is read: draws 5 and 16), NewsMTSC (165 unread sentences name an actor) and the
directed-sentiment sentences (US political news, one entity blaming or endorsing another): draws 5
and 13 read 1,650 of them and 2,280 lines with a directed label are unread (1,941 distinct texts). Draw 13's gain was on who
blames whom. This draw reads 1,200 more of them, both entities, as draw 13 did:

1. **validation**: the first 200 unread sentences in this draw's shuffled order (the corpus's
   validation split, which calibrates; the selection set chooses);
2. **training**: the next 1,000.

**The choice this draw makes** (declared before any label): the selection set's rule
(data/selection-set/README.md) with AE16 as the baseline. Candidates: E17 (one epoch from AE16 on
the corpus with this draw, the E16 command with `--init` AE16, seed 13) and AE17 (the weight
average of AE16 and E17). A candidate replaces AE16 only if its mean of the selection set's news and
speech macro F1 (fp32) beats AE16's with paired-bootstrap P(better) >= 0.90, neither set falls more
than 0.01, the validation slices of draws 11-17 pooled and NewsMTSC validation fall no more than 0.01,
and the full test suite passes (behavioural floors as they stand). Among those, the higher mean.
The judge sets are reported and choose nothing.

Sentences already in the pool and repeats of a text are skipped; each sentence is its own unit.
Nothing here comes from AG News, the State of the Union or the seed essay; the scrub
(`scrub_pool.py`) still runs after. Labels come only from readers following docs/annotation.md.
Drawn before any label; deterministic. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_seventeenth.py ../shared/data data/actor-stance/annotation/pool-drawn.jsonl
"""
import sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_thirteenth import draw_directed  # noqa: E402

SEED = 20261217
VALIDATION, TRAIN = 200, 1000


def main():
    draw_directed(SEED, VALIDATION, TRAIN)


if __name__ == "__main__":
    main()
