#!/usr/bin/env python3
"""Cuts the judge sets' pairs (target/judge/pool.jsonl, written by sample_judge.py) into reading
batches, before any label exists, in the format the actor-stance corpus's readers use (the mention
marked [[like this]], one block a pair, the pairs of one sentence together so that one reader judges
every actor of a sentence). News and speech sentences are shuffled together with a fixed seed and
dealt into batches of about 105 pairs; batch b goes to reader J(1 + b % 6). About 15% of sentences
are also dealt, independently, to a second reader (the primary's number + 3, mod 6) for the
agreement study; the second reader never sees the first's label.

Writes data/judge-sets/annotation/{batch_NN.md, double_JK.md} (git-ignored: they hold the text) and
data/judge-sets/assignment.json (committed).

With --selection it cuts the selection set's pool (target/selection/pool.jsonl) the same way for
readers S1-S6, into data/selection-set/.

Usage: python3 scripts/judge-sets/make_batches.py [--selection]
"""
import json, os, random, sys
from collections import OrderedDict
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "actor-corpus"))
from make_batches import block  # noqa: E402  (the corpus readers' item format)

READERS, SHIFT, BATCH, DOUBLE = 6, 3, 105, 0.15
# (pool, folder, reader letter, seed) of the judge sets and, with --selection, of the selection set.
KINDS = {"judge": ("target/judge/pool.jsonl", "data/judge-sets", "J", 20261203),
         "selection": ("target/selection/pool.jsonl", "data/selection-set", "S", 20261204)}


def main():
    POOL, OUT, R, SEED = KINDS["selection" if "--selection" in sys.argv else "judge"]
    groups = OrderedDict()
    for line in open(POOL, encoding="utf-8"):
        p = json.loads(line)
        groups.setdefault((p["unit"], p["position"]), []).append(p)
    keys = list(groups)
    rng = random.Random(SEED)
    rng.shuffle(keys)
    batches, cur = [], []
    for k in keys:
        cur.append(k)
        if sum(len(groups[x]) for x in cur) >= BATCH:
            batches.append(cur)
            cur = []
    if cur:
        batches.append(cur)
    os.makedirs(f"{OUT}/annotation", exist_ok=True)
    assign = {"batches": {}, "primary": {}, "double": {}}
    double = {r: [] for r in range(1, READERS + 1)}
    for b, ks in enumerate(batches):
        reader = 1 + b % READERS
        assign["batches"][f"batch_{b:02d}"] = f"{R}{reader}"
        with open(f"{OUT}/annotation/batch_{b:02d}.md", "w", encoding="utf-8") as f:
            f.write(f"# batch {b:02d} ({sum(len(groups[k]) for k in ks)} items)\n\n")
            f.write("\n\n".join(block(groups[k]) for k in ks) + "\n")
        for k in ks:
            for p in groups[k]:
                assign["primary"][p["id"]] = f"{R}{reader}"
            if rng.random() < DOUBLE:
                second = 1 + (reader - 1 + SHIFT) % READERS
                double[second].append(k)
                for p in groups[k]:
                    assign["double"][p["id"]] = f"{R}{second}"
    for r, ks in double.items():
        with open(f"{OUT}/annotation/double_{R}{r}.md", "w", encoding="utf-8") as f:
            f.write(f"# second-reader batch for reader {R}{r} ({sum(len(groups[k]) for k in ks)} items)\n\n")
            f.write("\n\n".join(block(groups[k]) for k in ks) + "\n")
    with open(f"{OUT}/assignment.json", "w") as f:
        json.dump(assign, f, indent=0)
    print(len(batches), "batches;", len(assign["double"]), "double-read pairs of", len(assign["primary"]))
    for r in double:
        mine = [b for b, reader in assign["batches"].items() if reader == f"{R}{r}"]
        print(f"reader {R}{r}: {mine}, second reading {sum(len(groups[k]) for k in double[r])} items")


if __name__ == "__main__":
    main()
