#!/usr/bin/env python3
"""The fourteenth draw for the actor-stance corpus (issue 16): speech prose that praises or condemns.

The judge sets (data/judge-sets, report only) showed the shipped model AD13 at 0.600 macro F1 on
State of the Union sentences and 0.622 on AG News prose, with 43% of favourable speech pairs and 23%
of hostile ones read as neutral: a speech praises an ally, thanks a partner, salutes a
people's courage or condemns an occupation in long rhetorical sentences that the corpus (44%
headlines) holds few of. The nearest text the project may read is the UN General Debate (never the
judges' speeches: USA, RUS, CHN, GBR, FRA, IRN). This draw takes UN sentences of 80-400 characters
with a word of speech-like praise or condemnation (below), at most three a speech:

1. **a validation selection slice** (about 500 pairs; only speeches that hash to validation): the
   slices of draws 11-13 have each chosen once, and the next candidate needs pairs no choice has seen;
2. **training pairs** (about 1,800; only speeches that hash to train): 60% from sentences with a word
   of praise, 40% with a word of condemnation; within each, half from sentences naming two or more
   actors.

**The choice this slice makes** (declared before any label): candidates E14 (one epoch from AD13 on
the corpus with this draw, stage 9's D13 command with `--init` AD13 and `--threads 2`) and AE14 (the
weight average of AD13 and E14). A candidate replaces AD13 only if its actor macro F1 (fp32) on this
draw's validation pairs beats AD13's, its macro F1 on the validation slices of draws 11, 12 and 13
together is no more than 0.01 below AD13's, its NewsMTSC validation figure is no more than 0.01
below AD13's, and it passes the shipped model's tests; among those meeting every condition, the
best on this draw's pairs. The judge sets are reported for every candidate and choose nothing.

Words only choose what is read; every label comes from a reader following docs/annotation.md. Drawn
before any label; deterministic. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_fourteenth.py ../shared/data data/actor-stance/annotation/pool-drawn.jsonl
"""
import re
import sys
from collections import defaultdict
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_fifth import open_draw, unit_split  # noqa: E402

SEED = 20261214
PRAISE = re.compile(r"\b(friend\w*|brother\w*|solidarity|gratitude|grateful|thank\w*|commend\w*|congratulat\w*|"
                    r"appreciat\w*|admir\w*|tribute|generous|generosity|all(y|ies)|alliance|partner\w*|"
                    r"cooperat\w*|assistance|support\w*|welcome\w*|prais\w*|salut\w*|achievement\w*|"
                    r"courage\w*|hero\w*|heroic|wisdom|statesman\w*|constructive|contribution\w*)\b", re.I)
CONDEMN = re.compile(r"\b(aggress\w*|occup\w*|imperialis\w*|colonial\w*|threat\w*|condemn\w*|interfer\w*|"
                     r"hegemon\w*|dominat\w*|expansionis\w*|oppress\w*|atrocit\w*|crime\w*|terror\w*|"
                     r"intransigen\w*|defian\w*|violat\w*|annex\w*|invasion|invad\w*|repress\w*|racis\w*|"
                     r"apartheid|genocide|massacre\w*|blockade|provocat\w*)\b", re.I)
VALIDATION_PAIRS, TRAIN_PAIRS, PER_SPEECH = 500, 1800, 3


def capped_taker(draw, per_speech_cap):
    """A `take(sentences, quota)` for `draw`: takes sentences in order, each into its unit's split,
    until `quota` pairs, at most `per_speech_cap` sentences a speech over every call (the whole draw);
    returns the pairs taken."""
    per_speech = defaultdict(int)

    def take(sentences, quota):
        n = 0
        for s in sentences:
            if n >= quota:
                break
            if per_speech[s["unit"]] >= per_speech_cap:
                continue
            k = draw.take(s, unit_split(s))
            per_speech[s["unit"]] += k > 0
            n += k
        return n
    return take


def main():
    draw, rng, un, _news = open_draw(SEED)
    prose = [s for s in un if 80 <= len(s["text"]) <= 400]
    counts, take = {}, capped_taker(draw, PER_SPEECH)

    def fill(split, kind, cue, quota):
        pool = [s for s in prose if unit_split(s) == split and cue.search(s["text"])]
        multi = [s for s in pool if len(s["mentions"]) >= 2]
        counts[f"{split} {kind} multi"] = take(multi, quota // 2)
        counts[f"{split} {kind} any"] = take(pool, quota - counts[f"{split} {kind} multi"])

    fill("validation", "praise", PRAISE, VALIDATION_PAIRS * 6 // 10)
    fill("validation", "condemnation", CONDEMN, VALIDATION_PAIRS - VALIDATION_PAIRS * 6 // 10)
    fill("train", "praise", PRAISE, TRAIN_PAIRS * 6 // 10)
    fill("train", "condemnation", CONDEMN, TRAIN_PAIRS - TRAIN_PAIRS * 6 // 10)
    draw.append(counts)


if __name__ == "__main__":
    main()
