#!/usr/bin/env python3
"""The eighteenth draw for the actor-stance corpus (issue 16): the last unread directed-sentiment
sentences, and UN speech sentences that name two or more actors.

After draw 17 the selection set (data/selection-set/, never trained on) still has the shipped model
read two in five hostile news pairs as neutral, and speech prose is its weaker half. Two sources of
the kinds it judges are left to read:

1. **every directed-sentiment sentence no draw has read** (news prose where one entity blames or
   endorses another; 744 distinct texts are unread after draws 5, 13 and 17), both entities, in this
   draw's shuffled order: the first 150 sentences for validation, the rest for training. This
   exhausts the source's directed lines;
2. **UN General Debate sentences of 80-400 characters that name two or more actors** (never the
   judges' speeches: USA, RUS, CHN, GBR, FRA, IRN), from this draw's fresh sample of speeches (260 a
   decade, as every UN draw), at most three a speech: about 150 pairs from speeches that hash to
   validation and 750 from speeches that hash to train. Speeches that hash to test are left alone,
   so the test split does not change. Long diplomatic sentences where a state speaks of several
   others are where one actor's stance leaks into another's.

**The choice this draw makes** (declared before any label): the selection set's rule
(data/selection-set/README.md) with the model shipped after draw 17's choice as the baseline.
Candidates: E18 (one epoch from the baseline on the corpus with this draw, the E16 command with
`--init` the baseline, seed 13) and AE18 (the weight average of the baseline and E18). A candidate
replaces the baseline only if its mean of the selection set's news and speech macro F1 (fp32) beats
the baseline's with paired-bootstrap P(better) >= 0.90, neither set falls more than 0.01, the
validation slices of draws 11-18 pooled and NewsMTSC validation fall no more than 0.01, and the full
test suite passes (behavioural floors as they stand). Among those, the higher mean. The judge sets
are reported and choose nothing.

Sentences already in the pool and repeats of a text are skipped. Nothing here comes from AG News,
the State of the Union or the seed essay; the scrub (`scrub_pool.py`) still runs after. Words and
counts only choose what is read; every label comes from a reader following docs/annotation.md. Drawn
before any label; deterministic. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_eighteenth.py ../shared/data data/actor-stance/annotation/pool-drawn.jsonl
"""
import random
import sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_fifth import directed_sentences, open_draw, unit_split  # noqa: E402
from sample_fourteenth import capped_taker  # noqa: E402

SEED = 20261218
DIRECTED_VALIDATION = 150
UN_VALIDATION_PAIRS, UN_TRAIN_PAIRS, PER_SPEECH = 150, 750, 3


def main():
    draw, _rng, un, _news = open_draw(SEED)
    counts = {"directed validation sentences": 0, "directed train sentences": 0}
    ds = directed_sentences(sys.argv[1])
    random.Random(SEED).shuffle(ds)
    for s in ds:
        split = "validation" if counts["directed validation sentences"] < DIRECTED_VALIDATION else "train"
        counts[f"directed {split} sentences"] += draw.take(s, split) > 0
    take = capped_taker(draw, PER_SPEECH)
    multi = [s for s in un if 80 <= len(s["text"]) <= 400 and len(s["mentions"]) >= 2]
    for split, quota in (("validation", UN_VALIDATION_PAIRS), ("train", UN_TRAIN_PAIRS)):
        counts[f"UN {split} pairs"] = take([s for s in multi if unit_split(s) == split], quota)
    draw.append(counts)


if __name__ == "__main__":
    main()
