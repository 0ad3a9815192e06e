#!/usr/bin/env python3
"""The twelfth draw for the actor-stance corpus (issue 16): a second fresh selection slice, all validation.

The eleventh draw chose L11 (target locality) over S3, so it has been used once. L11's locality
rates barely moved from where they started (0.01 and 0.1 a token; in an epoch a rate deep in the
softplus's tail can change at most about twofold), and "China welcomed the deal, while Russia threatened ..." still gave Russia
favor 0.93. The next candidates start their rates local (`stance train --locality-near/--locality-focus`),
and choosing among them needs pairs that no earlier choice has seen. This draw has the eleventh's
shape and rules (`sample_eleventh.py`): only sentences whose speech or headline already hashes to
validation, half of each source's quota from sentences naming two or more actors and half with a
cue word; UN sentences at most two a speech. Earlier draws took every BBC sentence of a validation
article, so it is UN speeches and Reuters headlines.

UN speeches never of USA, RUS, CHN, GBR, FRA, IRN (the judges); no NewsMTSC. Cue words and actor
counts only choose what is read; every label comes from a reader following docs/annotation.md.
Drawn before any label; deterministic. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_twelfth.py ../shared/data data/actor-stance/annotation/pool-drawn.jsonl
"""
import sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_eleventh import draw_validation_slice  # noqa: E402

SEED = 20261203

if __name__ == "__main__":
    draw_validation_slice(SEED)
