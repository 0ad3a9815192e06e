#!/usr/bin/env python3
"""Cuts data/actor-stance/pool.jsonl into reading batches for the annotators, before any label exists.

Pairs of one sentence stay together (one reader judges every actor of a sentence). Sentences are
shuffled with a fixed seed and dealt into batches of about 125 pairs; batch b goes to annotator b % 8.
About 11% of sentences are also dealt, independently, to a second annotator (the primary's number + 3,
mod 8) for the agreement study; the second reader never sees the first's label.

Writes data/actor-stance/annotation/{batch_NN.md, double_AK.md, assignment.json}.

The second draw (scripts/actor-corpus/sample_supplement.py) is dealt the same way to four further
readers: `make_batches.py --supplement` batches only ids from as08761 on, numbers its batches from 70
and its readers 8 to 11 (second reader: primary + 2 among them), and writes assignment-2.json.
The third draw (sample_third.py): `--third` batches ids from as10115 on, from batch 82, to readers
12 to 19 (second reader: primary + 3 among them), and writes assignment-3.json.
The fourth draw (sample_demands.py): `--fourth` batches ids from as13546 on, from batch 106, to
readers 20 to 25 (second reader: primary + 2 among them), and writes assignment-4.json.
The fifth draw (sample_fifth.py): `--fifth` batches ids from as14684 on, from batch 120, in batches
of about 100 pairs, to readers 26 to 33 (second reader: primary + 3 among them), and writes
assignment-5.json. The sixth draw (sample_sixth.py): `--sixth` batches ids from as20785 on, from batch
190, in batches of about 90, to readers 34 to 39 (second reader: primary + 2), assignment-6.json.
The seventh draw (sample_seventh.py): `--seventh` batches ids from as21835 on, from batch 210, in
batches of about 115, to readers 40 to 45 (second reader: primary + 3), assignment-7.json.
The eighth draw (sample_eighth.py): `--eighth` batches ids from as23213 on, from batch 230, in
batches of about 118, to readers 46 to 51 (second reader: primary + 3), assignment-8.json.
The ninth draw (sample_ninth.py): `--ninth` batches ids from as24637 on, from batch 250, in batches
of about 100, to readers 52 to 57 (second reader: primary + 3), assignment-9.json.
The fifth draw's directed-sentiment items name the marked entity (a person, party, group or
state) instead of a listed actor.
"""
import sys
import json, os, random
from collections import OrderedDict

ROOT = "data/actor-stance"
NAMES = {"russia": "Russia", "china": "China", "iran": "Iran", "west": "the West (US / EU / NATO / UK / Europe)",
         "ukraine": "Ukraine", "israel": "Israel", "turkey": "Turkey", "india": "India", "pakistan": "Pakistan",
         "north_korea": "North Korea", "saudi_arabia": "Saudi Arabia", "syria": "Syria", "iraq": "Iraq",
         "venezuela": "Venezuela", "japan": "Japan", "germany": "Germany", "france": "France"}
N_ANN, BATCH, DOUBLE = 8, 125, 0.11
SUPPLEMENT, THIRD, FOURTH, FIFTH = ("--supplement" in sys.argv, "--third" in sys.argv, "--fourth" in sys.argv,
                                   "--fifth" in sys.argv)
SIXTH = "--sixth" in sys.argv
SEVENTH = "--seventh" in sys.argv
EIGHTH = "--eighth" in sys.argv
NINTH = "--ninth" in sys.argv
FIRST_ID, FIRST_BATCH, ANN0, SHIFT, OUT = (8761, 70, 8, 2, "assignment-2.json") if SUPPLEMENT else \
    (10115, 82, 12, 3, "assignment-3.json") if THIRD else (13546, 106, 20, 2, "assignment-4.json") if FOURTH \
    else (14684, 120, 26, 3, "assignment-5.json") if FIFTH else (20785, 190, 34, 2, "assignment-6.json") if SIXTH \
    else (21835, 210, 40, 3, "assignment-7.json") if SEVENTH else (23213, 230, 46, 3, "assignment-8.json") if EIGHTH else (24637, 250, 52, 3, "assignment-9.json") if NINTH \
    else (0, 0, 0, 3, "assignment.json")
LAST_ID = 10115 if SUPPLEMENT else 13546 if THIRD else 14684 if FOURTH else 20785 if FIFTH else 21835 if SIXTH \
    else 23213 if SEVENTH else 24637 if EIGHTH else 10**9 if NINTH else 8761
if SUPPLEMENT:
    N_ANN, BATCH = 4, 114
if THIRD:
    N_ANN, BATCH = 8, 143
if FOURTH:
    N_ANN, BATCH = 6, 95
if FIFTH:
    N_ANN, BATCH = 8, 100
if SIXTH:
    N_ANN, BATCH = 6, 90
if SEVENTH:
    N_ANN, BATCH = 6, 115
if EIGHTH:
    N_ANN, BATCH = 6, 118
if NINTH:
    N_ANN, BATCH = 6, 100

def show(p):
    t = p["text"]
    return t[:p["start"]] + "[[" + t[p["start"]:p["end"]] + "]]" + t[p["end"]:]

def block(group):
    lines = []
    for p in group:
        name = f"the marked entity ({p['mention']})" if p["actor"] == "named_entity" else NAMES[p["actor"]]
        lines.append(f"{p['id']}\tactor: {name}\n    {show(p)}")
    return "\n".join(lines)

pairs = [p for p in map(json.loads, open(f"{ROOT}/pool.jsonl")) if FIRST_ID <= int(p["id"][2:]) < LAST_ID]
groups = OrderedDict()
for p in pairs:
    groups.setdefault((p["source"], p["unit"], p["position"]), []).append(p)
keys = list(groups)
rng = random.Random(8 if SUPPLEMENT else 9 if THIRD else 10 if FOURTH else 11 if FIFTH else 12 if SIXTH else 13 if SEVENTH else 14 if EIGHTH else 15 if NINTH else 7)
rng.shuffle(keys)
os.makedirs(f"{ROOT}/annotation", exist_ok=True)
batches, cur = [], []
for k in keys:
    cur.append(k)
    if sum(len(groups[x]) for x in cur) >= BATCH:
        batches.append(cur); cur = []
if cur:
    batches.append(cur)
assign = {"primary": {}, "double": {}}
double = {ANN0 + a: [] for a in range(N_ANN)}
batches = {FIRST_BATCH + b: ks for b, ks in enumerate(batches)}
for b, ks in batches.items():
    ann = ANN0 + (b - FIRST_BATCH) % N_ANN
    with open(f"{ROOT}/annotation/batch_{b:02d}.md", "w") as f:
        f.write(f"# batch {b:02d} ({sum(len(groups[k]) for k in ks)} items)\n\n")
        f.write("\n\n".join(block(groups[k]) for k in ks) + "\n")
    for k in ks:
        for p in groups[k]:
            assign["primary"][p["id"]] = ann
        if rng.random() < DOUBLE:
            second = ANN0 + (ann - ANN0 + SHIFT) % N_ANN
            double[second].append(k)
            for p in groups[k]:
                assign["double"][p["id"]] = second
for a, ks in double.items():
    with open(f"{ROOT}/annotation/double_A{a}.md", "w") as f:
        f.write(f"# second-reader batch for annotator {a} ({sum(len(groups[k]) for k in ks)} items)\n\n")
        f.write("\n\n".join(block(groups[k]) for k in ks) + "\n")
json.dump({"batches": {f"batch_{b:02d}": ANN0 + (b - FIRST_BATCH) % N_ANN for b in batches}, **assign},
          open(f"{ROOT}/annotation/{OUT}", "w"), indent=0)
print(len(batches), "batches;", len(assign["double"]), "double-labelled pairs of", len(pairs))
for a in double:
    nb = [b for b in batches if ANN0 + (b - FIRST_BATCH) % N_ANN == a]
    print("annotator", a, "batches", nb, "double items", sum(len(groups[k]) for k in double[a]))
