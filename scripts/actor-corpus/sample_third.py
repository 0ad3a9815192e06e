#!/usr/bin/env python3
"""A third draw for the actor-stance corpus, made after the first model trained on the first two
showed long sentences and the favor class as its weak spots: (1) every NewsMTSC train sentence with
an actor mention not yet drawn (long sentences of US political news, mostly about the United States;
train split only, as before); (2) BBC sentences not yet drawn: all that mention Russia, China, Iran
or a listed state other than France, Germany, India and Japan, up to 120 each of those four, and up
to 450 that mention only the West, cue-word sentences first; (3) 800 more Reuters headlines naming
Russia, China or Iran, half with an evaluative cue and half with a cooperation cue. Cue words choose
what is read, never a label. Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_third.py ../shared/data data/actor-stance/pool.jsonl
"""
import json, random, sys
from collections import defaultdict
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_pool import CUES, append_draw, load  # noqa: E402
from sample_supplement import COOP  # noqa: E402

def main():
    data, pool_path = sys.argv[1], sys.argv[2]
    old = [json.loads(l) for l in open(pool_path)]
    used = {(p["source"], p["unit"], p["position"]) for p in old}
    used_text = {p["text"].strip().lower() for p in old}
    rng = random.Random(20261128)
    sents = [s for s in load(data) if (s["source"], s["unit"], s["position"]) not in used
             and s["text"].strip().lower() not in used_text]
    rng.shuffle(sents)
    # cue-word sentences first within each pool
    sents.sort(key=lambda s: not (CUES.search(s["text"]) or COOP.search(s["text"])))
    chosen, seen_text = [], set()
    def take(s):
        t = s["text"].strip().lower()
        if t in seen_text:
            return False
        seen_text.add(t); chosen.append(s); return True
    for s in sents:
        if s["source"] == "newsmtsc-train":
            take(s)
    capped = {"france": 120, "germany": 120, "india": 120, "japan": 120, "west": 450}
    got = defaultdict(int)
    for s in sents:
        if s["source"] != "bbc-news":
            continue
        actors = [m[0] for m in s["mentions"]]
        key = next((a for a in actors if a not in capped), None) or next(a for a in actors if a in capped)
        if key in capped and got[key] >= capped[key]:
            continue
        if take(s):
            got[key] += 1
    want = {"cue": 400, "coop": 400}
    for s in sents:
        if s["source"] != "reuters-headlines" or not {"russia", "china", "iran"} & {m[0] for m in s["mentions"]}:
            continue
        kind = "coop" if COOP.search(s["text"]) else "cue" if CUES.search(s["text"]) else None
        if kind and want[kind] > 0 and take(s):
            want[kind] -= 1
    pairs = append_draw(pool_path, chosen, len(old))
    c = defaultdict(int)
    for p in pairs:
        c[(p["source"], p["actor"])] += 1
    print(len(pairs), "pairs added", dict(sorted(c.items())), file=sys.stderr)

if __name__ == "__main__":
    main()
