#!/usr/bin/env python3
"""The tenth draw for the actor-stance corpus (issue 16), aimed at the leak that nine draws left:
with two actors in a sentence, a favourable word anywhere gives every actor favor. The shipped model
(S3) reads "China welcomed the deal, while Russia threatened to cut gas supplies to Ukraine." as
favor toward Russia (0.94), and so "China praised the agreement, while Russia attacked Ukraine." and
"China welcomed the deal, while Russia condemned it."; alone, the Russia clause reads against. The
train split holds only 249 sentences where one actor is favor and another against, so the contrast
between praise of one and hostility of another is barely in the data. This draw reads:

1. **Mixed cues**: sentences naming two or more actors with both a favourable cue (praise, thanks,
   welcome, support, partnership, ...) and a hostile cue (threats, attacks, sanctions, condemnation,
   aggression, ...), from UN speeches, Reuters headlines, BBC and NewsMTSC sentences, at most two a
   speech; the UN kind first with a contrast word.
2. **Praise beside another actor in news**: headlines and news sentences naming two or more actors
   with a favourable verb (welcomes, praises, backs, hails, ...): whether the praise reaches each
   actor is for the reader to judge.
3. **Favour beside another actor in UN prose**: sentences naming two or three actors with a
   favourable cue, at most one a speech.

UN speeches never of USA, RUS, CHN, GBR, FRA, IRN (the judges). Cue words and actor counts only
choose what is read; every label comes from a reader following docs/annotation.md. Drawn before any
label and before any training on it; deterministic. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_tenth.py ../shared/data data/actor-stance/annotation/pool-drawn.jsonl
"""
import re, sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_fifth import open_draw  # noqa: E402
from sample_seventh import CONTRAST  # noqa: E402
from sample_ninth import FAVOUR, VICTIM  # noqa: E402

SEED = 20261206
MIXED, NEWS_PRAISE, UN_FAVOUR_MULTI = 560, 260, 220
PRAISE_VERB = re.compile(r"\b(welcom\w*|prais\w*|back(s|ed|ing)?|support\w*|hail\w*|endors\w*|applaud\w*|"
                         r"thank\w*|commend\w*|congratulat\w*|lauds?|lauded|embrac\w*|approv\w*)\b", re.I)
# The eighth draw's hostile cues, and those of aggression and occupation.
HOSTILE_ANY = re.compile(r"\b(threat\w*|warn\w*|accus\w*|sanction\w*|attack\w*|strik\w*|condemn\w*|critici\w*|"
                         r"blam\w*|slam\w*|rebuk\w*|denounc\w*|expel\w*|punish\w*|retaliat\w*|ban\w*|seiz\w*|"
                         r"aggress\w*|invad\w*|invasion|violat\w*|occup\w*|annex\w*|denounc\w*|deplor\w*|"
                         r"oppress\w*|hostil\w*)\b", re.I)


def main():
    draw, rng, un, news = open_draw(SEED)
    multi = [s for s in un + news if len(s["mentions"]) >= 2]
    rng.shuffle(multi)

    def mixed(s):
        return (FAVOUR.search(s["text"]) or PRAISE_VERB.search(s["text"])) and \
            (HOSTILE_ANY.search(s["text"]) or VICTIM.search(s["text"]))

    counts = {}
    mixed_all = [s for s in multi if mixed(s)]
    # Contrast sentences first: the pattern of the leak ("X welcomed ..., while Y threatened ...").
    mixed_all.sort(key=lambda s: not CONTRAST.search(s["text"]))
    counts["mixed"] = draw.fill(mixed_all, MIXED, per_unit=2)
    counts["news praise"] = draw.fill([s for s in multi if s["source"] != "un-general-debate"
                                       and PRAISE_VERB.search(s["text"])], NEWS_PRAISE)
    counts["un favour multi"] = draw.fill([s for s in multi if s["source"] == "un-general-debate"
                                           and len(s["mentions"]) <= 3 and 60 <= len(s["text"]) <= 400
                                           and FAVOUR.search(s["text"])], UN_FAVOUR_MULTI, per_unit=1)
    draw.append(counts)


if __name__ == "__main__":
    main()
