#!/usr/bin/env python3
"""The eighth draw for the actor-stance corpus (issue 16), aimed at what the shipped model still gets
wrong after the seventh: (1) contrast sentences, where two actors that the author judges differently
get one stance (12 of 20 behavioural targets); (2) hostility by the less expected actor and the critic
of a passive sentence ("drew criticism from X"), where the model leans on who the actor usually is;
(3) stance in news prose and speeches read as neutral (BBC test 0.650). Drawn before any label and
before any training on it; deterministic.

1. **UN General Debate speeches** (never USA, RUS, CHN, GBR, FRA, IRN): sentences not yet drawn that
   name two or more actors **and** carry a contrast word, at most 2 a speech.
2. **BBC sentences** (80-400 characters) naming one or two actors with an evaluative cue word (the
   BBC pool is nearly used up: under 100 such sentences are left).
3. **Reuters headlines** naming two actors with a hostile verb, those where the first actor named is
   not Russia, China or Iran first (the less expected one doing the hostile act).
4. **Passive and reported evaluations** in any source: "criticism from", "condemned by", "praised by",
   "backed by", ... with an actor in the sentence.
5. **One-actor UN sentences** (80-400 characters) with a hostile or favourable cue word.

Cue words and actor counts only choose what is read; every label comes from a reader following
docs/annotation.md. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_eighth.py ../shared/data data/actor-stance/pool.jsonl
"""
import re, sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_pool import CUES  # noqa: E402
from sample_fifth import open_draw  # noqa: E402
from sample_seventh import CONTRAST, HOSTILE_OR_FAVOUR  # noqa: E402

SEED = 20261205
UN_CONTRAST, BBC_PROSE, REUTERS_HOSTILE, PASSIVE, UN_SINGLE = 560, 400, 340, 140, 300
HOSTILE = re.compile(r"\b(threat\w*|warn\w*|accus\w*|sanction\w*|attack\w*|strik\w*|condemn\w*|critici\w*|"
                     r"blam\w*|slam\w*|rebuk\w*|denounc\w*|expel\w*|punish\w*|retaliat\w*|ban\w*|seiz\w*)\b", re.I)
PASSIVE_EVAL = re.compile(r"\b(criticism from|condemnation from|protests? from|praise from|support from|"
                          r"(criticised|criticized|condemned|denounced|rebuked|accused|attacked|blamed|"
                          r"praised|welcomed|backed|supported|hailed|applauded|commended|snubbed|ignored) by)\b", re.I)
USUAL = {"russia", "china", "iran"}


def main():
    draw, rng, un, news = open_draw(SEED)
    counts = {}
    # 1. UN two-actor contrast sentences.
    counts["un contrast"] = draw.fill([s for s in un if len(s["mentions"]) >= 2 and CONTRAST.search(s["text"])],
                                      UN_CONTRAST, per_unit=2)
    # 4 before 2 and 3, so that the rarest kind is not used up by the others.
    passive = [s for s in un + news if PASSIVE_EVAL.search(s["text"])]
    counts["passive"] = draw.fill(passive, PASSIVE)
    # 2. BBC prose with an evaluative cue, one or two actors.
    bbc = [s for s in news if s["source"] == "bbc-news" and 80 <= len(s["text"]) <= 400
           and len(s["mentions"]) <= 2 and (HOSTILE_OR_FAVOUR.search(s["text"]) or CUES.search(s["text"]))]
    counts["bbc prose"] = draw.fill(bbc, BBC_PROSE)
    # 3. Reuters two-actor hostile headlines, the less expected actor named first.
    reu = [s for s in news if s["source"] == "reuters-headlines" and len(s["mentions"]) >= 2
           and HOSTILE.search(s["text"])]
    reu.sort(key=lambda s: min(s["mentions"], key=lambda m: m[1])[0] in USUAL)
    counts["reuters hostile"] = draw.fill(reu, REUTERS_HOSTILE)
    # 5. One-actor UN prose with a cue.
    counts["un single"] = draw.fill([s for s in un if len(s["mentions"]) == 1 and 80 <= len(s["text"]) <= 400
                                     and HOSTILE_OR_FAVOUR.search(s["text"])], UN_SINGLE, per_unit=1)
    draw.append(counts)


if __name__ == "__main__":
    main()
