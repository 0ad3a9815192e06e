#!/usr/bin/env python3
"""The thirteenth draw for the actor-stance corpus (issue 16): directed-sentiment sentences read by
the guideline, both entities, to replace the crowd's mapped label and to measure the holder fault.

Twelve draws in, the shipped model (A12) still gives the one who criticises the stance of the
criticism ("Beijing's crackdown ... drew sharp criticism from the European Union": the EU against
0.55), and every run since stage 4 has trained on 1,500 directed-sentiment sentences an epoch whose
label is the crowd's direction mapped to against / favor (`--directed-per-epoch`), a label the
guideline's readers agreed with in only 58% of the 450 sentences read in the fifth draw (praised →
favor 47%), with the holder left out. This draw reads 1,200 more of those sentences, both entities:

1. **A selection slice** (validation): the first 300 of the unread directed sentences in this draw's
   shuffled order. Each sentence is its own unit, so no unit lands in two splits.
2. **Training** (train): the next 900.

Sentences already in the pool (the fifth draw's 450) are skipped, and so are repeats of a text. The
trainer leaves every directed sentence the corpus holds out of its mapped pool, so none is both read
and mapped. Nothing here comes from AG News, the State of the Union or the seed essay; the scrub
(`scrub_pool.py`) still runs after. Labels come only from readers following docs/annotation.md.
Drawn before any label and before any training on it; deterministic. Appends ids after the last one
in the pool.

Usage: python3 scripts/actor-corpus/sample_thirteenth.py ../shared/data data/actor-stance/annotation/pool-drawn.jsonl
"""
import json, random, sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_fifth import Draw, directed_sentences  # noqa: E402

SEED = 20261213
SLICE, TRAIN = 300, 900


def draw_directed(seed, validation, train):
    """Appends both entities of unread directed sentences, shuffled with `seed`, to the pool named on
    the command line: the first `validation` sentences for validation, the next `train` for training
    (draws 13 and 17)."""
    data, pool_path = sys.argv[1], sys.argv[2]
    draw = Draw([json.loads(l) for l in open(pool_path)], pool_path)
    ds = directed_sentences(data)
    random.Random(seed).shuffle(ds)
    taken = {"validation": 0, "train": 0}
    for s in ds:
        split = "validation" if taken["validation"] < validation else "train"
        if taken["train"] >= train:
            break
        taken[split] += draw.take(s, split) > 0
    draw.append({f"{k} sentences": v for k, v in taken.items()})


def main():
    draw_directed(SEED, SLICE, TRAIN)


if __name__ == "__main__":
    main()
