#!/usr/bin/env python3
"""The ninth draw for the actor-stance corpus (issue 16), aimed at where one more epoch on the eighth
draw went wrong (model card, "Tried after this version"): draw 8's "X warns / threatens Y" headlines
mostly charge Y with something (rule 1: against Y), and the model learnt "threatened ... Y" as
against Y even where Y is charged with nothing ("Ukraine threatened to cut gas supplies to Russia":
Russia neutral, rule 2). This draw puts that boundary in the data and adds what is still weak:

1. **Threats with an object**: sentences naming two or more actors where one threatens, vows or
   warns of an act (`threaten(s/ed) to`, `threat of`, `vows to`, `warns of`), from Reuters
   headlines, BBC and UN speeches; whether the object is charged is for the reader to judge.
2. **Snubs and refusals** ("snubs", "rebuffs", "spurns", "boycotts", "rejects", "declines an
   invitation"): two or more actors, any source (snub targets were 1 of 4 in the behavioural suite).
3. **News contrast sentences**: BBC, Reuters and NewsMTSC sentences naming two or more actors with a
   contrast word (the UN kind was drawn in draw 8).
4. **Aggressor and victim in UN speeches**: two or more actors and "aggression against",
   "invasion of", "occupation of", "attack on", "annexation", "blockade", "interference in": the
   wronged party (favor, rule 7) beside the wrongdoer (against).
5. **Favour in UN prose**: sentences naming one or two actors with a favourable cue (half of the
   favourable test pairs were read as neutral).

UN speeches never of USA, RUS, CHN, GBR, FRA, IRN (the judges). Cue words and actor counts only
choose what is read; every label comes from a reader following docs/annotation.md. Drawn before any
label and before any training on it; deterministic. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_ninth.py ../shared/data data/actor-stance/annotation/pool-drawn.jsonl
"""
import re, sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_fifth import open_draw  # noqa: E402
from sample_seventh import CONTRAST  # noqa: E402

SEED = 20261203
THREAT_OBJECT, SNUB, NEWS_CONTRAST, UN_VICTIM, UN_FAVOUR = 280, 200, 240, 240, 220
THREAT = re.compile(r"\b(threat(en|ens|ened|ening)? (to|of|against)|vow(s|ed)? to|warn(s|ed|ing)? of|"
                    r"threat(en|ens|ened|ening)\b)", re.I)
SNUBS = re.compile(r"\b(snub\w*|rebuff\w*|spurn\w*|shun\w*|boycott\w*|reject\w*|refus\w*|"
                   r"declin(e|es|ed|ing) (an |the |to )|walk(s|ed)? out|cold[- ]shoulder\w*)", re.I)
VICTIM = re.compile(r"\b(aggression (against|on)|invasion of|invad\w*|occupation of|occupied|attacks? (on|against)|"
                    r"annex\w*|blockade\w*|interference in|intervention in|bombing of|incursions? into)\b", re.I)
FAVOUR = re.compile(r"\b(commend\w*|welcome\w*|grateful|gratitude|thank\w*|prais\w*|tribute|congratulat\w*|"
                    r"solidarity with|admir\w*|generous|generosity|friendly|friendship|partner\w*|"
                    r"appreciat\w*|applaud\w*|salute\w*|constructive)\b", re.I)


def main():
    draw, rng, un, news = open_draw(SEED)
    multi = [s for s in un + news if len(s["mentions"]) >= 2]
    rng.shuffle(multi)
    counts = {}
    # The rarest kinds first, so that the commoner ones do not use them up.
    counts["snub"] = draw.fill([s for s in multi if SNUBS.search(s["text"])], SNUB, per_unit=2)
    counts["threat object"] = draw.fill([s for s in multi if THREAT.search(s["text"])], THREAT_OBJECT, per_unit=2)
    counts["news contrast"] = draw.fill([s for s in multi if s["source"] != "un-general-debate"
                                         and CONTRAST.search(s["text"])], NEWS_CONTRAST)
    counts["un victim"] = draw.fill([s for s in un if len(s["mentions"]) >= 2 and VICTIM.search(s["text"])],
                                    UN_VICTIM, per_unit=2)
    counts["un favour"] = draw.fill([s for s in un if len(s["mentions"]) <= 2 and 60 <= len(s["text"]) <= 400
                                     and FAVOUR.search(s["text"])], UN_FAVOUR, per_unit=1)
    draw.append(counts)


if __name__ == "__main__":
    main()
