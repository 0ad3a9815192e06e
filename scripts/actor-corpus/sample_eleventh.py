#!/usr/bin/env python3
"""The eleventh draw for the actor-stance corpus (issue 16): a fresh selection slice, all validation.

Ten draws in, the shipped model (S3) was chosen as the best of nine candidates on 2,440 of the
validation pairs, so its validation figure flatters it: after draw 10 every new run was below it on
validation and above it on test (model card, "Tried after this version, not shipped"). A choice
needs pairs no earlier choice has seen. This draw takes only sentences whose unit (speech, article,
headline) already hashes to the validation split, so no unit lands in two splits, and it is labelled
after the candidates it will choose among were fixed.

It is shaped like the text the issue says the model is weak on, half from sentences that name two or
more actors:

1. **UN speeches** (700 pairs): half from sentences naming two or more actors, half from sentences
   with a stance cue (`sample_pool.CUES`), at most two sentences a speech.
2. **BBC sentences** (340 pairs): the same halves, at most two sentences an article. Earlier draws
   left only five such sentences in validation articles, so this quota is short by design.
3. **Reuters headlines** (420 pairs): the same halves.

UN speeches never of USA, RUS, CHN, GBR, FRA, IRN (the judges); no NewsMTSC (its sentences are
training only). Cue words and actor counts only choose what is read; every label comes from a reader
following docs/annotation.md. Drawn before any label; deterministic. Appends ids after the last one
in the pool.

Usage: python3 scripts/actor-corpus/sample_eleventh.py ../shared/data data/actor-stance/annotation/pool-drawn.jsonl
"""
import sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_fifth import open_draw, unit_split  # noqa: E402
from sample_pool import CUES  # noqa: E402

SEED = 20261207
# source: (pairs, sentences at most of one unit); half of each quota from multi-actor sentences
QUOTAS = {"un-general-debate": (700, 2), "bbc-news": (340, 2), "reuters-headlines": (420, None)}


def main():
    draw_validation_slice(SEED)


def draw_validation_slice(seed):
    """Appends a validation-only slice of the shape above to the pool (the twelfth draw reuses it)."""
    draw, rng, un, news = open_draw(seed)
    counts = {}
    for source, (quota, per_unit) in QUOTAS.items():
        pool = [s for s in un + news if s["source"] == source and unit_split(s) == "validation"]
        counts[f"{source} multi"] = draw.fill([s for s in pool if len(s["mentions"]) >= 2], quota // 2, per_unit)
        counts[f"{source} cue"] = draw.fill([s for s in pool if CUES.search(s["text"])], quota - quota // 2, per_unit)
    draw.append(counts)


if __name__ == "__main__":
    main()
