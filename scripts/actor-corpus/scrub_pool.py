#!/usr/bin/env python3
"""Removes from a drawn pool every pair whose sentence or context shares a run of 8 words with AG News
or the seed essay, the texts that judge the model (BBC news of 2004 and AG News report the same
events, sometimes in the same words). Their ids stay unused. The draw scripts write the pool as
drawn; this writes the pool the corpus is built from.

Usage: python3 scripts/actor-corpus/scrub_pool.py ../shared/data DRAWN.jsonl data/actor-stance/pool.jsonl
"""
import json, re, sys

N = 8
TOKENIZERS = (lambda t: re.findall(r"[a-z0-9']+", t.lower()), lambda t: re.findall(r"\w+", t.lower()),
              lambda t: t.lower().split())

def runs(text):
    for tok in TOKENIZERS:
        w = tok(text)
        for i in range(len(w) - N + 1):
            yield " ".join(w[i:i + N])

def judge_runs(data, seed="seeds/000_204bb2dc5e8ef806.txt"):
    grams = set()
    for f in ("agnews/test.tsv", "agnews/dev.tsv"):
        for line in open(f"{data}/{f}", encoding="utf-8", errors="replace"):
            grams.update(runs(line))
            grams.update(runs(line.replace("\\", " ").replace("#36;", "$")))
    grams.update(runs(open(seed, encoding="utf-8").read()))
    return grams

def main():
    data, drawn, out = sys.argv[1:4]
    grams = judge_runs(data)
    kept, dropped = [], []
    for line in open(drawn, encoding="utf-8"):
        p = json.loads(line)
        if any(g in grams for t in (p["text"], p.get("context") or "") for g in runs(t)):
            dropped.append(p["id"])
        else:
            kept.append(line)
    with open(out, "w", encoding="utf-8") as f:
        f.writelines(kept)
    print(f"kept {len(kept)}, left out {len(dropped)} sharing text with AG News or the seed: {dropped}", file=sys.stderr)

if __name__ == "__main__":
    main()
