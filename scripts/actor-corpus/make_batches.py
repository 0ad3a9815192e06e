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
The tenth draw (sample_tenth.py): `--tenth` batches ids from as25817 on, from batch 262, in batches
of about 90, to readers 58 to 63 (second reader: primary + 3), assignment-10.json.
The eleventh draw (sample_eleventh.py, a validation-only selection slice): `--eleventh` batches ids
from as26858 on, from batch 274, in batches of about 100, to readers 64 to 69 (second reader:
primary + 3), assignment-11.json.
The twelfth draw (sample_twelfth.py, a second validation-only selection slice): `--twelfth` batches
ids from as27950 on, from batch 285, in batches of about 100, to readers 70 to 75 (second reader:
primary + 3), assignment-12.json.
The thirteenth draw (sample_thirteenth.py, directed-sentiment sentences: a validation slice and
training pairs): `--thirteenth` batches ids from as28950 on, from batch 295, in batches of about 100,
to readers 76 to 81 (second reader: primary + 3), assignment-13.json.
The fourteenth draw (sample_fourteenth.py, UN speech prose that praises or condemns: a validation
slice and training pairs): `--fourteenth` batches ids from as31350 on, from batch 319, in batches of
about 100, to readers 82 to 87 (second reader: primary + 3), assignment-14.json.
The fifteenth draw (sample_fifteenth.py, first-person UN speech prose: a validation slice and
training pairs): `--fifteenth` batches ids from as33453 on, from batch 340, in batches of about 100,
to readers 88 to 93 (second reader: primary + 3), assignment-15.json.
The sixteenth draw (sample_sixteenth.py, the BBC prose that was left: a validation slice and
training pairs): `--sixteenth` batches ids from as35798 on, from batch 364, in batches of about 100,
to readers 94 to 99 (second reader: primary + 3), assignment-16.json.
The seventeenth draw (sample_seventeenth.py, directed-sentiment sentences, both entities: validation
and training pairs): `--seventeenth` batches ids from as37640 on, from batch 383, in batches of about
100, to readers 100 to 105 (second reader: primary + 3), assignment-17.json.
The eighteenth draw (sample_eighteenth.py, the last unread directed-sentiment sentences and UN
sentences naming two or more actors): `--eighteenth` batches ids from as40040 on, from batch 407, in
batches of about 100, to readers 106 to 111 (second reader: primary + 3), assignment-18.json.
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
DOUBLE = 0.11
# flag: (first id, last id (exclusive), first batch, first reader, readers, second reader's shift,
#        pairs a batch, shuffle seed, assignment file)
DRAWS = {
    "": (0, 8761, 0, 0, 8, 3, 125, 7, "assignment.json"),
    "--supplement": (8761, 10115, 70, 8, 4, 2, 114, 8, "assignment-2.json"),
    "--third": (10115, 13546, 82, 12, 8, 3, 143, 9, "assignment-3.json"),
    "--fourth": (13546, 14684, 106, 20, 6, 2, 95, 10, "assignment-4.json"),
    "--fifth": (14684, 20785, 120, 26, 8, 3, 100, 11, "assignment-5.json"),
    "--sixth": (20785, 21835, 190, 34, 6, 2, 90, 12, "assignment-6.json"),
    "--seventh": (21835, 23213, 210, 40, 6, 3, 115, 13, "assignment-7.json"),
    "--eighth": (23213, 24637, 230, 46, 6, 3, 118, 14, "assignment-8.json"),
    "--ninth": (24637, 25817, 250, 52, 6, 3, 100, 15, "assignment-9.json"),
    "--tenth": (25817, 26858, 262, 58, 6, 3, 90, 16, "assignment-10.json"),
    "--eleventh": (26858, 27950, 274, 64, 6, 3, 100, 17, "assignment-11.json"),
    "--twelfth": (27950, 28950, 285, 70, 6, 3, 100, 18, "assignment-12.json"),
    "--thirteenth": (28950, 31350, 295, 76, 6, 3, 100, 19, "assignment-13.json"),
    "--fourteenth": (31350, 33453, 319, 82, 6, 3, 100, 20, "assignment-14.json"),
    "--fifteenth": (33453, 35798, 340, 88, 6, 3, 100, 21, "assignment-15.json"),
    "--sixteenth": (35798, 37640, 364, 94, 6, 3, 100, 22, "assignment-16.json"),
    "--seventeenth": (37640, 40040, 383, 100, 6, 3, 100, 23, "assignment-17.json"),
    "--eighteenth": (40040, 42429, 407, 106, 6, 3, 100, 24, "assignment-18.json"),
}


def show(p):
    t = p["text"]
    return t[:p["start"]] + "[[" + t[p["start"]:p["end"]] + "]]" + t[p["end"]:]

def block(group):
    lines = []
    for p in group:
        name = f"the marked entity ({p['mention']})" if p["actor"] == "named_entity" else NAMES[p["actor"]]
        lines.append(f"{p['id']}\tactor: {name}\n    {show(p)}")
    return "\n".join(lines)


def main():
    flags = [a for a in sys.argv[1:] if a in DRAWS]
    FIRST_ID, LAST_ID, FIRST_BATCH, ANN0, N_ANN, SHIFT, BATCH, SEED, OUT = DRAWS[flags[0] if flags else ""]
    pairs = [p for p in map(json.loads, open(f"{ROOT}/pool.jsonl")) if FIRST_ID <= int(p["id"][2:]) < LAST_ID]
    groups = OrderedDict()
    for p in pairs:
        groups.setdefault((p["source"], p["unit"], p["position"]), []).append(p)
    keys = list(groups)
    rng = random.Random(SEED)
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


if __name__ == "__main__":
    main()
