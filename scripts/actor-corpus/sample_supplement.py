#!/usr/bin/env python3
"""A second draw for the actor-stance corpus, made after the first 8,761 pairs were read: they came
out 75% neutral and only 9% favor, so this draw reads more sentences that may carry a favourable
stance. It takes headlines and BBC sentences not drawn before that contain a cooperation cue
(agree, deal, ties, aid, praise, ally, welcome, support, ...; the cue list chooses what is read, never
a label), spread over the actors like the first draw, and appends them as ids as08761 onwards with
splits from the same hash of the source unit. Labels are still the readers' (docs/annotation.md).

Usage: python3 scripts/actor-corpus/sample_supplement.py ../shared/data data/actor-stance/pool.jsonl N
"""
import json, random, re, sys
from collections import defaultdict
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_pool import ACTORS, append_draw, load  # noqa: E402

COOP = re.compile(r"\b(agree\w*|deal\w*|cooperat\w*|partner\w*|all(y|ies)|welcome\w*|prais\w*|support\w*|aid|"
                  r"help\w*|friend\w*|ties|boost\w*|hail\w*|thank\w*|pact|treaty|accord|pledg\w*|donat\w*|"
                  r"rescue\w*|release\w*|frees?|reconcil\w*|backs?|backed|endors\w*|success\w*|victim\w*|"
                  r"condolen\w*|sympath\w*|mediat\w*|progress|warm\w*|improv\w*|strengthen\w*)\b", re.I)

def main():
    data, pool_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    old = [json.loads(l) for l in open(pool_path)]
    used = {(p["source"], p["unit"], p["position"]) for p in old}
    rng = random.Random(20261127)
    sents = [s for s in load(data) if s["source"] != "newsmtsc-train"
             and (s["source"], s["unit"], s["position"]) not in used and COOP.search(s["text"])]
    rng.shuffle(sents)
    by = defaultdict(list)
    for s in sents:
        by[s["mentions"][0][0]].append(s)
    per_actor = {a: (n // 8 if a in ("russia", "china", "iran", "west") else n // 2 // (len(ACTORS) - 4)) for a in ACTORS}
    chosen, count = [], defaultdict(int)
    for a in ACTORS:
        for s in by[a]:
            if count[a] >= per_actor[a]:
                break
            chosen.append(s)
            for m in s["mentions"][:4]:
                count[m[0]] += 1
    pairs = append_draw(pool_path, chosen, len(old))
    print(len(pairs), "pairs added", dict(count), file=sys.stderr)

if __name__ == "__main__":
    main()
