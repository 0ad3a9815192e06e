#!/usr/bin/env python3
"""A fourth draw for the actor-stance corpus, made after the model trained on the first three still
read a demand on a state as praise ("the Soviet Union must show by deeds ... a sincere commitment to
respect the rights ...") and "Soviet" as hostile by itself: headlines and BBC sentences not drawn
before that contain a demand or pressure construction (urges, calls on, presses, demands, must,
should, tells ... to, asks ... to) and name a state, spread over the actors, plus every not-yet-drawn
sentence that says "Soviet". Cue patterns choose what is read, never a label. Appends ids.

Usage: python3 scripts/actor-corpus/sample_demands.py ../shared/data data/actor-stance/pool.jsonl N
"""
import json, random, re, sys
from collections import defaultdict
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_pool import ACTORS, append_draw, load  # noqa: E402

DEMAND = re.compile(r"\b(urg(e|es|ed|ing)|calls? on|called on|press(es|ed|ing)? \w+ (to|on|over)|demand\w*|must|"
                    r"should|tells? \w+ to|told \w+ to|asks? \w+ to|asked \w+ to|insists?|needs? to)\b", re.I)

def main():
    data, pool_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    old = [json.loads(l) for l in open(pool_path)]
    used = {(p["source"], p["unit"], p["position"]) for p in old}
    used_text = {p["text"].strip().lower() for p in old}
    rng = random.Random(20261129)
    sents = [s for s in load(data) if s["source"] != "newsmtsc-train" and (s["source"], s["unit"], s["position"]) not in used
             and s["text"].strip().lower() not in used_text]
    rng.shuffle(sents)
    chosen, seen = [], set()
    def take(s):
        t = s["text"].strip().lower()
        if t in seen:
            return False
        seen.add(t); chosen.append(s); return True
    for s in sents:
        if any(m[3].startswith("Soviet") for m in s["mentions"]):
            take(s)
    per = {a: (n // 6 if a in ("russia", "china", "iran", "west") else n // 3 // (len(ACTORS) - 4)) for a in ACTORS}
    got = defaultdict(int)
    for s in sents:
        if not DEMAND.search(s["text"]):
            continue
        a = s["mentions"][0][0]
        if got[a] < per[a] and take(s):
            got[a] += 1
    pairs = append_draw(pool_path, chosen, len(old))
    c = defaultdict(int)
    for p in pairs:
        c[p["actor"]] += 1
    print(len(pairs), "pairs added;", sum(1 for p in pairs if p["mention"].startswith("Soviet")), "Soviet;", dict(c), file=sys.stderr)

if __name__ == "__main__":
    main()
