#!/usr/bin/env python3
"""Prints the markdown tables of the model card from `stance eval` JSON on the actor-stance corpus:
macro F1 and accuracy per actor group, per source and for sentences with two or more actors, per-class
F1, and the confusion matrices, for one or more
models side by side.

Usage: python3 scripts/actor-corpus/eval_table.py NAME=EVAL.json [NAME=EVAL.json ...]
"""
import json, sys

runs = []
for arg in sys.argv[1:]:
    name, path = arg.split("=", 1)
    res = json.load(open(path))["results"]
    runs.append((name, next(r for r in res if r.get("task", "").startswith("actor stance"))))
rows = [("all", lambda r: r["report"])]
for g in ("russia", "china", "iran", "west", "other states"):
    rows.append((g, lambda r, g=g: r["per_actor_group"].get(g)))
for s in ("reuters-headlines", "bbc-news", "un-general-debate"):
    rows.append((s, lambda r, s=s: r["per_source"].get(s)))
for k in ("two or more actors", "two or more actors, labels differ"):
    rows.append((k, lambda r, k=k: r.get("per_sentence_kind", {}).get(k)))
print("| group | pairs | " + " | ".join(f"{n} macro F1 | {n} accuracy" for n, _ in runs) + " |")
print("|---|---:|" + "---:|---:|" * len(runs))
for label, get in rows:
    cells = []
    n = None
    for _, r in runs:
        x = get(r)
        n = x["n"] if x else n
        cells += [f"{x['macro_f1']:.3f}", f"{x['accuracy']:.3f}"] if x else ["-", "-"]
    print(f"| {label} | {n} | " + " | ".join(cells) + " |")
print()
for name, r in runs:
    pc = r["report"].get("per_class") or {}
    if pc:
        print(f"Per class, {name}: " + ", ".join(f"{k} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}" for k, v in pc.items()))
print()
for name, r in runs:
    print(f"Confusion, {name} (rows gold, columns predicted; against / neutral / favor):")
    print()
    for label, get in rows[:6]:
        x = get(r)
        if x:
            print(f"- {label}: `{x['confusion']}`")
    print()
