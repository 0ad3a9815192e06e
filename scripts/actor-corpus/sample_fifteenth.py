#!/usr/bin/env python3
"""The fifteenth draw for the actor-stance corpus (issue 16): speech prose in the first person.

After draw 14 the judge sets (data/judge-sets, report only) still give the shipped model AE14 0.602
macro F1 on State of the Union sentences, and the West 0.361 there: a speech speaks for "we" and
"our" country, of its own union, its allies and its rivals, and 45% of its favourable pairs come out
neutral. Draw 14 took UN sentences with a word of praise or condemnation; this draw reads the
speech's own voice instead, with no word of judgement required. It takes UN sentences of 80-400
characters (never the judges' speeches: USA, RUS, CHN, GBR, FRA, IRN) that speak in the first person
plural (*we*, *our*, *us*), at most three a speech, from a fresh sample of speeches (this draw's seed
picks 260 a decade, as every UN draw does):

1. **the West spoken of by its own**: sentences naming the West (the US, the EU, NATO, Europe, the
   West) in speeches of today's EU and NATO members and of the EU itself (Turkey left out: it is an
   actor of its own); in the Cold War some of these spoke from the other bloc, as written;
2. **any actor in first-person speech**: the other first-person sentences that name an actor, whoever
   speaks.

Quotas: **a validation selection slice** of about 400 pairs (only speeches that hash to validation;
half of each kind) and about 2,000 **training pairs** (only speeches that hash to train; half of
each kind); within each kind, half from sentences naming two or more actors.

**The choice this slice makes** (declared before any label): candidates E15 (one epoch from AE14 on
the corpus with this draw, stage 10's E14 command with `--init` AE14) and AE15 (the weight average of
AE14 and E15). A candidate replaces AE14 only if its actor macro F1 (fp32) on this draw's
validation pairs beats AE14's, its macro F1 on the validation slices of draws 11 to 14 together is
no more than 0.01 below AE14's, its NewsMTSC validation figure is no more than 0.01 below AE14's,
and it passes the shipped model's tests; among those meeting every condition, the best on this
draw's pairs. The judge sets are reported for every candidate and choose nothing.

Words only choose what is read; every label comes from a reader following docs/annotation.md. Drawn
before any label; deterministic. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_fifteenth.py ../shared/data data/actor-stance/annotation/pool-drawn.jsonl
"""
import re
import sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_fifth import open_draw, unit_split  # noqa: E402
from sample_fourteenth import capped_taker  # noqa: E402

SEED = 20261215
FIRST_PERSON = re.compile(r"\b([Ww]e|[Oo]urs?|us)\b")
# Today's EU and NATO members (less the judges and Turkey) and the EU itself, as ISO3 authors.
WEST_SPEAKERS = {
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "DEU", "GRC", "HUN", "IRL", "ITA",
    "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE", "EU",
    "CAN", "NOR", "ISL", "ALB", "MNE", "MKD",
}
VALIDATION_PAIRS, TRAIN_PAIRS, PER_SPEECH = 400, 2000, 3


def speaker(s):
    return s["unit"].split("_")[0]


def main():
    draw, _rng, un, _news = open_draw(SEED)
    voiced = [s for s in un if 80 <= len(s["text"]) <= 400 and FIRST_PERSON.search(s["text"])]
    counts, take = {}, capped_taker(draw, PER_SPEECH)

    def fill(split, kind, keep, quota):
        pool = [s for s in voiced if unit_split(s) == split and keep(s)]
        multi = [s for s in pool if len(s["mentions"]) >= 2]
        counts[f"{split} {kind} multi"] = take(multi, quota // 2)
        counts[f"{split} {kind} any"] = take(pool, quota - counts[f"{split} {kind} multi"])

    def own_west(s):
        return speaker(s) in WEST_SPEAKERS and any(m[0] == "west" for m in s["mentions"])

    for split, quota in (("validation", VALIDATION_PAIRS), ("train", TRAIN_PAIRS)):
        fill(split, "west by its own", own_west, quota // 2)
        fill(split, "any actor", lambda s: True, quota - counts[f"{split} west by its own multi"]
             - counts[f"{split} west by its own any"])
    draw.append(counts)


if __name__ == "__main__":
    main()
