#!/usr/bin/env python3
"""The seventh draw for the actor-stance corpus (issue 16), aimed at the two faults the shipped model
still shows on real prose: (1) two actors that the author judges differently get the same stance
("contrast" sentences: X welcomed ..., while Y threatened ...; X accused Y of ...), and (2) hostile
or favourable prose read as neutral. Drawn before any label and before any training on it;
deterministic.

1. **UN General Debate speeches** (never USA, RUS, CHN, GBR, FRA, IRN), sentences not yet drawn that
   name two or more actors, at most 2 sentences a speech; sentences carrying a contrast word
   (while, whereas, but, unlike, rather than, instead, however, yet, on the other hand) first, then
   those with an evaluative or cooperation cue word. Split by speech, as in the fifth draw.
2. **BBC sentences** (60-400 characters) naming two or more actors, contrast words first.
3. **Reuters headlines** naming two actors with a cue word, not yet drawn.
4. **One-actor sentences of prose** (UN and BBC, 80-400 characters) with a hostile or favourable cue
   word: where the model reads stance as neutral.

Cue words and the number of actors only choose what is read; every label comes from a reader
following docs/annotation.md. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_seventh.py ../shared/data data/actor-stance/pool.jsonl
"""
import json, random, re, sys
from collections import defaultdict
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_pool import CUES, load, split_of  # noqa: E402
from sample_supplement import COOP  # noqa: E402
from sample_fifth import Draw, append_pairs, un_sentences, un_split  # noqa: E402

SEED = 20261204
UN_MULTI, BBC_MULTI, REUTERS_MULTI, PROSE_SINGLE = 750, 400, 300, 350
CONTRAST = re.compile(r"\b(while|whereas|but|unlike|rather than|instead|however|yet|on the other hand|"
                      r"in contrast|contrary)\b", re.I)
HOSTILE_OR_FAVOUR = re.compile(r"\b(threat\w*|condemn\w*|accus\w*|aggress\w*|invad\w*|invasion|violat\w*|"
                               r"sanction\w*|occup\w*|annex\w*|blam\w*|critici\w*|denounc\w*|deplor\w*|"
                               r"prais\w*|commend\w*|grateful|gratitude|thank\w*|welcome\w*|hail\w*|"
                               r"congratulat\w*|admir\w*|generous|generosity)\b", re.I)


def main():
    data, pool_path = sys.argv[1], sys.argv[2]
    old = [json.loads(l) for l in open(pool_path)]
    draw = Draw(old)
    used, take, chosen = draw.used, draw.take, draw.chosen
    rng = random.Random(SEED)

    def rank(s):
        return (not CONTRAST.search(s["text"]), not (CUES.search(s["text"]) or COOP.search(s["text"])))

    # 1. UN two-actor sentences, at most 2 a speech.
    speeches = un_sentences(data, rng)
    n = 0
    singles_un = []
    for sents in speeches:
        if n >= UN_MULTI:
            break
        rng.shuffle(sents)
        multi = sorted((s for s in sents if len(s["mentions"]) >= 2), key=rank)
        singles_un += [s for s in sents if len(s["mentions"]) == 1]
        taken = 0
        for s in multi:
            if taken >= 2 or n >= UN_MULTI:
                break
            k = take(s, un_split(s["unit"]))
            n += k
            taken += k > 0
    # 2 and 3: BBC and Reuters two-actor sentences.
    news = [s for s in load(data) if (s["source"], s["unit"], s["position"]) not in used]
    rng.shuffle(news)
    bbc = sorted((s for s in news if s["source"] == "bbc-news" and 60 <= len(s["text"]) <= 400
                  and len(s["mentions"]) >= 2), key=rank)
    n = 0
    for s in bbc:
        if n >= BBC_MULTI:
            break
        n += take(s, split_of(s["unit"]))
    reu = [s for s in news if s["source"] == "reuters-headlines" and len(s["mentions"]) >= 2
           and (CUES.search(s["text"]) or COOP.search(s["text"]))]
    reu.sort(key=rank)
    n = 0
    for s in reu:
        if n >= REUTERS_MULTI:
            break
        n += take(s, split_of(s["unit"]))
    # 4. One-actor prose sentences with a hostile or favourable cue, half UN, half BBC.
    prose_un = [s for s in singles_un if 80 <= len(s["text"]) <= 400 and HOSTILE_OR_FAVOUR.search(s["text"])]
    prose_bbc = [s for s in news if s["source"] == "bbc-news" and 80 <= len(s["text"]) <= 400
                 and len(s["mentions"]) == 1 and HOSTILE_OR_FAVOUR.search(s["text"])]
    rng.shuffle(prose_un)
    n = 0
    for s in prose_un:
        if n >= PROSE_SINGLE // 2:
            break
        n += take(s, un_split(s["unit"]))
    for s in prose_bbc:
        if n >= PROSE_SINGLE:
            break
        n += take(s, split_of(s["unit"]))
    pairs, first = append_pairs(pool_path, old, chosen)
    c = defaultdict(int)
    for p in pairs:
        c[(p["source"], p["split"])] += 1
    multi = sum(1 for s, _ in chosen for _ in s["mentions"][:4] if len(s["mentions"]) >= 2)
    contrast = sum(1 for s, _ in chosen if len(s["mentions"]) >= 2 and CONTRAST.search(s["text"]))
    print(len(pairs), "pairs added from", first, dict(sorted(c.items())), "in multi-actor sentences:", multi,
          "multi-actor sentences with a contrast word:", contrast, file=sys.stderr)


if __name__ == "__main__":
    main()
