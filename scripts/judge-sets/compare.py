#!/usr/bin/env python3
"""Scores the judge sets (target/judge/{news,speeches}.jsonl, written by build.py) with each model
and prints, per set: actor macro F1 with each model's difference from the first and a 95% interval
from a paired bootstrap over sentences (1,000 resamples, seed 1), F1 per class, the share of hostile
and of favourable pairs read as neutral, macro F1 on pairs in sentences with two or more actors and
on sentences whose actors carry different labels, and macro F1 per actor group.

Report only: the judge sets come from the corpora that judge the model (AG News, the State of the
Union addresses); they choose nothing. With --selection it scores the selection set instead
(target/selection/{news,speeches}.jsonl, data/selection-set/README.md), which does choose, and ends
with the measure its rule names: the mean of the two sets' macro F1, each model's difference from the
first with a 95% interval and P(better), resampling each set's sentences on its own.

Usage: python3 scripts/judge-sets/compare.py [--selection] [--precision fp32|bf16|int8] MODEL_DIR [MODEL_DIR ...]
       (the first model is the baseline; default precision fp32, as the model card's figures;
       scores go to target/slice/{judge,selection}-<set>/<model>.<precision>.jsonl)
"""
import json, os, random, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "actor-corpus"))
from compare_on_slice import LABELS, macro_f1, score  # noqa: E402

GROUPS = ("russia", "china", "iran", "west")


def sentences(folder, name):
    sents = {}
    for p in map(json.loads, open(f"{folder}/{name}.jsonl", encoding="utf-8")):
        sents.setdefault((p["unit"], p["position"]), []).append(p)
    return list(sents.values())


def class_f1(pairs, c):
    tp = sum(g == c and p == c for g, p in pairs)
    wrong = sum((g == c) != (p == c) for g, p in pairs)
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def main():
    args = sys.argv[1:]
    kind = "selection" if "--selection" in args else "judge"
    args = [a for a in args if a != "--selection"]
    precision = "fp32"
    if "--precision" in args[:-1]:
        i = args.index("--precision")
        precision, args = args[i + 1], args[:i] + args[i + 2:]
    models = args
    if not models or any(m.startswith("-") for m in models):
        sys.exit(__doc__)
    boot_f1 = {}  # (set, model) -> macro F1 on each bootstrap resample
    whole_f1 = {}  # (set, model) -> macro F1 on the whole set
    for name in ("news", "speeches"):
        sents = sentences(f"target/{kind}", name)
        preds = {m: score(m, sents, f"{kind}-{name}", precision) for m in models}

        def pairs(m, idx, keep=lambda ps, p: True):
            return [(p["label"], y) for i in idx for p, y in zip(sents[i], preds[m][str(i)]) if keep(sents[i], p)]

        every = range(len(sents))
        gold = [p["label"] for ps in sents for p in ps]
        print(f"\n{name}: {len(sents)} sentences, {len(gold)} pairs "
              f"(against {gold.count('against')}, neutral {gold.count('neutral')}, favor {gold.count('favor')}); "
              f"baseline {models[0]}, {precision}")
        rng = random.Random(1)
        boots = [[rng.randrange(len(sents)) for _ in sents] for _ in range(1000)]
        subsets = {"two+ actors": lambda ps, p: len(ps) > 1,
                   "labels differ": lambda ps, p: len({q["label"] for q in ps}) > 1}
        subsets.update({g: (lambda g: lambda ps, p: p["actor"] == g)(g) for g in GROUPS})
        subsets["other states"] = lambda ps, p: p["actor"] not in GROUPS
        for m in models:
            all_pairs = pairs(m, every)
            base = macro_f1(all_pairs)
            boot_f1[name, m] = [macro_f1(pairs(m, b)) for b in boots]
            whole_f1[name, m] = base
            d = sorted(x - y for x, y in zip(boot_f1[name, m], boot_f1[name, models[0]]))
            as_neutral = {c: sum(g == c and y == "neutral" for g, y in all_pairs) / max(1, sum(g == c for g, _ in all_pairs))
                          for c in ("against", "favor")}
            per_class = " ".join(f"{c} {class_f1(all_pairs, c):.2f}" for c in LABELS)
            subs = "  ".join(f"{k} {macro_f1(pairs(m, every, keep)):.3f} ({len(pairs(m, every, keep))})"
                             for k, keep in subsets.items())
            print(f"  {m}: macro F1 {base:.3f}  diff {base - macro_f1(pairs(models[0], every)):+.3f} "
                  f"[{d[25]:+.3f}, {d[975]:+.3f}]  per class: {per_class}  "
                  f"hostile as neutral {as_neutral['against']:.1%}, favourable as neutral {as_neutral['favor']:.1%}\n"
                  f"      {subs}")
    if kind != "selection":
        return
    print(f"\nmean of news and speeches (the selection set's measure); baseline {models[0]}")
    for m in models[1:]:
        mean = (whole_f1["news", m] + whole_f1["speeches", m]) / 2
        base = (whole_f1["news", models[0]] + whole_f1["speeches", models[0]]) / 2
        d = sorted((a + b - c - e) / 2 for a, b, c, e in zip(boot_f1["news", m], boot_f1["speeches", m],
                                                                boot_f1["news", models[0]], boot_f1["speeches", models[0]]))
        print(f"  {m}: {mean:.3f}  diff {mean - base:+.3f} [{d[25]:+.3f}, {d[975]:+.3f}]  "
              f"P(better) {sum(x > 1e-9 for x in d) / len(d):.2f}")


if __name__ == "__main__":
    main()
