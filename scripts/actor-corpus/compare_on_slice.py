#!/usr/bin/env python3
"""Compares models on a validation-only selection slice (issue 16: draw 11 or draw 12): scores its
sentences with each model (`stance score --precision fp32`, one line a sentence with every actor as a
target), and prints actor macro F1 on the slice, on its UN and headline pairs and on sentences whose
actors carry different labels, with each model's difference from the first model and a 95% interval
from a paired bootstrap over sentences (1,000 resamples, seed 1).

Usage: python3 scripts/actor-corpus/compare_on_slice.py --draw 11|12 MODEL_DIR [MODEL_DIR ...]
       (the first model is the baseline; scores are written to target/slice/<draw>/<name>.jsonl)
"""
import argparse, json, os, random, subprocess

CORPUS = "data/actor-stance/corpus.jsonl"
# Each selection slice's ids: first, end (exclusive); the same bounds as make_batches.py's draws.
SLICES = {"11": (26858, 27950), "12": (27950, 28950)}
LABELS = ("against", "neutral", "favor")
STANCE = os.environ.get("STANCE", "target/release/stance")


def slice_sentences(draw):
    first, end = SLICES[draw]
    sents = {}
    for line in open(CORPUS):
        p = json.loads(line)
        if first <= int(p["id"][2:]) < end:
            sents.setdefault((p["source"], p["unit"], p["position"]), []).append(p)
    return list(sents.values())


def score(model, sents, draw):
    folder = f"target/slice/{draw}"
    os.makedirs(folder, exist_ok=True)
    inp = f"{folder}/input.jsonl"
    with open(inp, "w") as f:
        for i, ps in enumerate(sents):
            f.write(json.dumps({"id": str(i), "text": ps[0]["text"],
                                "targets": [{"start": p["start"], "end": p["end"]} for p in ps]}) + "\n")
    out = f"{folder}/{os.path.basename(os.path.normpath(model))}.jsonl"
    with open(out, "w") as f:
        subprocess.run([STANCE, "score", "--model", model, "--precision", "fp32", "--quiet", inp], stdout=f, check=True)
    return {r["id"]: [t["label"] for t in r["targets"]] for r in map(json.loads, open(out))}


def macro_f1(pairs):
    f = []
    for c in LABELS:
        tp = sum(g == c and p == c for g, p in pairs)
        wrong = sum((g == c) != (p == c) for g, p in pairs)
        f.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return sum(f) / 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draw", required=True, choices=sorted(SLICES), help="which selection slice")
    parser.add_argument("models", nargs="+", metavar="MODEL_DIR", help="model folders; the first is the baseline")
    ns = parser.parse_args()
    draw, args = ns.draw, ns.models
    sents = slice_sentences(draw)
    preds = {m: score(m, sents, draw) for m in args}
    subsets = {"slice": lambda ps: True, "UN": lambda ps: ps[0]["source"] == "un-general-debate",
               "headlines": lambda ps: ps[0]["source"] == "reuters-headlines",
               "labels differ": lambda ps: len({p["label"] for p in ps}) > 1}

    def f1(m, idx, keep=lambda ps: True):
        return macro_f1([(p["label"], y) for i in idx if keep(sents[i]) for p, y in zip(sents[i], preds[m][str(i)])])

    rng = random.Random(1)
    boots = [[rng.randrange(len(sents)) for _ in sents] for _ in range(1000)]
    every = range(len(sents))
    base = args[0]
    print(f"draw {draw}: {len(sents)} sentences, {sum(map(len, sents))} pairs; baseline {base}")
    for m in args:
        d = sorted(f1(m, b) - f1(base, b) for b in boots)
        figures = "  ".join(f"{k} {f1(m, every, keep):.3f}" for k, keep in subsets.items())
        print(f"{m}: {figures}  diff {f1(m, every) - f1(base, every):+.4f} [{d[25]:+.3f}, {d[975]:+.3f}] "
              f"P(better) {sum(x > 0 for x in d) / len(d):.2f}")


if __name__ == "__main__":
    main()
