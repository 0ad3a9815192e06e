#!/usr/bin/env python3
"""Compares models on validation selection slices (issue 16: draw 11 to 18, or several together):
scores the slices' sentences with each model (`stance score --precision fp32`, one line a sentence
with every actor as a target), and prints actor macro F1 on the slices, on their UN, headline and
directed-sentiment pairs and on sentences whose actors carry different labels, with each model's
difference from the first model and a 95% interval from a paired bootstrap over sentences (1,000
resamples, seed 1). Draws 13 to 18 count only their validation pairs (the rest of each is training).

For directed-sentiment sentences it also prints macro F1 on the entity the crowd marked as blamed
or praised ("target") and on the one who blames or praises ("holder"), and how often the holder's
label equals the target's in the sentence, gold beside predicted (the issue's "the holder takes the
same label").

Usage: python3 scripts/actor-corpus/compare_on_slice.py --draw 11|12|...|18|11,12,13,14,15,16,17,18 MODEL_DIR [MODEL_DIR ...]
       (the first model is the baseline; scores are written to target/slice/<draws>/<name>.fp32.jsonl)
"""
import argparse, json, os, random, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_batches import DRAWS  # noqa: E402

CORPUS = "data/actor-stance/corpus.jsonl"
# Each selection slice's ids: first, end (exclusive), as make_batches.py dealt the draws.
SLICES = {n: DRAWS[flag][:2] for n, flag in
          (("11", "--eleventh"), ("12", "--twelfth"), ("13", "--thirteenth"), ("14", "--fourteenth"),
           ("15", "--fifteenth"), ("16", "--sixteenth"), ("17", "--seventeenth"),
           ("18", "--eighteenth"))}
DIRECTED = "../shared/data/directed-sentiment/train.txt"
LABELS = ("against", "neutral", "favor")
STANCE = os.environ.get("STANCE", "target/release/stance")


def slice_sentences(draws):
    """The validation pairs of the given draws, grouped by sentence, in corpus order."""
    sents = {}
    for line in open(CORPUS):
        p = json.loads(line)
        if p["split"] == "validation" and any(SLICES[d][0] <= int(p["id"][2:]) < SLICES[d][1] for d in draws):
            sents.setdefault((p["source"], p["unit"], p["position"]), []).append(p)
    return list(sents.values())


def directed_roles(sents):
    """For each directed-sentiment pair (by id), "target" if the crowd marked its entity as blamed or
    praised, else "holder" (the file's class: 1 and 3 point from the first entity to the second, 2
    and 4 from the second to the first)."""
    lines = {int(ps[0]["unit"].split()[1]) for ps in sents if ps[0]["source"] == "directed-sentiment-train"}
    if not lines:
        return {}
    klass = {i: l.rstrip("\n").split("\t")[3].strip() for i, l in enumerate(open(DIRECTED), 1) if i in lines}
    roles = {}
    for ps in sents:
        if ps[0]["source"] != "directed-sentiment-train":
            continue
        first = min(p["start"] for p in ps)
        target_first = klass[int(ps[0]["unit"].split()[1])] in ("2", "4")
        for p in ps:
            roles[p["id"]] = "target" if (p["start"] == first) == target_first else "holder"
    return roles


def score(model, sents, draw, precision="fp32"):
    folder = f"target/slice/{draw}"
    os.makedirs(folder, exist_ok=True)
    inp = f"{folder}/input.jsonl"
    with open(inp, "w") as f:
        for i, ps in enumerate(sents):
            f.write(json.dumps({"id": str(i), "text": ps[0]["text"],
                                "targets": [{"start": p["start"], "end": p["end"]} for p in ps]}) + "\n")
    out = f"{folder}/{os.path.basename(os.path.normpath(model))}.{precision}.jsonl"
    with open(out, "w") as f:
        subprocess.run([STANCE, "score", "--model", model, "--precision", precision, "--quiet", inp], stdout=f, check=True)
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
    parser.add_argument("--draw", required=True, type=lambda v: v.split(","),
                        help=f"which selection slice, or several joined by commas (scored together): {', '.join(SLICES)}")
    parser.add_argument("models", nargs="+", metavar="MODEL_DIR", help="model folders; the first is the baseline")
    ns = parser.parse_args()
    args = ns.models
    if not ns.draw or any(d not in SLICES for d in ns.draw):
        parser.error(f"--draw: {','.join(ns.draw)}: each slice must be one of {', '.join(SLICES)}")
    draw = "+".join(ns.draw)
    sents = slice_sentences(ns.draw)
    roles = directed_roles(sents)
    preds = {m: score(m, sents, draw) for m in args}
    subsets = {"slice": lambda ps, p: True, "UN": lambda ps, p: ps[0]["source"] == "un-general-debate",
               "headlines": lambda ps, p: ps[0]["source"] == "reuters-headlines",
               "directed": lambda ps, p: ps[0]["source"] == "directed-sentiment-train",
               "target": lambda ps, p: roles.get(p["id"]) == "target",
               "holder": lambda ps, p: roles.get(p["id"]) == "holder",
               "labels differ": lambda ps, p: len({q["label"] for q in ps}) > 1}
    subsets = {k: keep for k, keep in subsets.items()
               if any(keep(ps, p) for ps in sents for p in ps)}

    def f1(m, idx, keep=lambda ps, p: True):
        return macro_f1([(p["label"], y) for i in idx for p, y in zip(sents[i], preds[m][str(i)]) if keep(sents[i], p)])

    def holder_same(labels_of):
        """The share of directed sentences whose holder's label equals the target's."""
        same = [len(set(labels_of(i))) == 1 for i, ps in enumerate(sents) if ps[0]["id"] in roles]
        return sum(same) / len(same) if same else None

    rng = random.Random(1)
    boots = [[rng.randrange(len(sents)) for _ in sents] for _ in range(1000)]
    every = range(len(sents))
    base = args[0]
    print(f"draw {draw}: {len(sents)} sentences, {sum(map(len, sents))} pairs; baseline {base}")
    for m in args:
        d = sorted(f1(m, b) - f1(base, b) for b in boots)
        figures = "  ".join(f"{k} {f1(m, every, keep):.3f}" for k, keep in subsets.items())
        same = holder_same(lambda i: preds[m][str(i)])
        held = f"  holder takes the target's label {same:.2f}" if same is not None else ""
        print(f"{m}: {figures}  diff {f1(m, every) - f1(base, every):+.4f} [{d[25]:+.3f}, {d[975]:+.3f}] "
              f"P(better) {sum(x > 0 for x in d) / len(d):.2f}{held}")
    gold_same = holder_same(lambda i: [p["label"] for p in sents[i]])
    if gold_same is not None:
        print(f"gold: the holder takes the target's label in {gold_same:.2f} of directed sentences")


if __name__ == "__main__":
    main()
