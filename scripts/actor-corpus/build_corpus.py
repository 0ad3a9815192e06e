#!/usr/bin/env python3
"""Builds data/actor-stance/corpus.jsonl from the pool, the reading assignments and the readers'
label files (data/actor-stance/labels/*.tsv), and writes the agreement figures.

- Every pair must have its primary reader's label; a pair without one stops the build.
- Double-read pairs: Cohen's kappa between first and second reader (overall, per wave, per source)
  goes to data/actor-stance/agreement.json. Where the two agree the label stands (`agreed`); where they
  disagree the adjudicator's label from labels/adjudication*.tsv is used (`adjudicated`, with the rule
  in `note`); a disagreement without an adjudication stops the build (use --disagreements to list
  them into annotation/disagreements.md for the adjudicator).

- Source units that share a sentence text (a headline filed twice, a paragraph in two articles) form
  one group, which takes the strictest of its units' splits (test, then validation, then train), so
  no sentence and no unit is in two splits.

Usage: python3 scripts/actor-corpus/build_corpus.py [--disagreements]
"""
import glob, json, os, sys
from collections import Counter, defaultdict
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_batches import DRAWS  # noqa: E402

ROOT = "data/actor-stance"
LABELS = ("against", "neutral", "favor")
# The first id of each draw, newest first (agreement is reported per draw), from make_batches' table:
# its flag names the draw ("" the first, "--supplement" the second, "--third" the third, ...).
WAVES = tuple(sorted(((first, {"": "first", "--supplement": "second"}.get(flag, flag[2:]) + " draw")
                      for flag, (first, *_rest) in DRAWS.items()), reverse=True))

def kappa(pairs):
    n = len(pairs)
    if n == 0:
        return None
    po = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    pe = sum(ca[l] * cb[l] for l in LABELS) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0

def main():
    pool = [json.loads(l) for l in open(f"{ROOT}/pool.jsonl")]
    assign = {"primary": {}, "double": {}}
    for f in (draw[-1] for draw in DRAWS.values()):  # every draw's assignment file, as make_batches dealt it
        a = json.load(open(f"{ROOT}/annotation/{f}"))
        assign["primary"].update(a["primary"]); assign["double"].update(a["double"])
    labels = defaultdict(dict)  # id -> annotator -> (label, note)
    for path in sorted(glob.glob(f"{ROOT}/labels/*.A*.tsv")):
        ann = path.rsplit(".", 2)[1]
        for k, line in enumerate(open(path), 1):
            if not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if cols[1].strip() not in LABELS:
                sys.exit(f"{path}:{k}: label '{cols[1]}' is not one of {LABELS}")
            labels[cols[0].strip()][ann] = cols[1].strip()
    adjud = {}
    for path in sorted(glob.glob(f"{ROOT}/labels/adjudication*.tsv")):
        for line in open(path):
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 2 and cols[1] in LABELS:
                adjud[cols[0]] = (cols[1], cols[2] if len(cols) > 2 else "")
    out, missing, disagree, dbl = [], [], [], defaultdict(list)
    # Units that share a sentence text are one component; a component takes its strictest split.
    parent = {}
    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]; x = parent[x]
        return x
    first_unit = {}
    for p in pool:
        u, t = (p["source"], p["unit"]), p["text"].strip().lower()
        find(u)
        if t in first_unit:
            parent[find(u)] = find(first_unit[t])
        else:
            first_unit[t] = u
    comp_splits = defaultdict(set)
    for p in pool:
        comp_splits[find((p["source"], p["unit"]))].add(p["split"])
    for p in pool:
        s = comp_splits[find((p["source"], p["unit"]))]
        p["split"] = next(x for x in ("test", "validation", "train") if x in s)
    for p in pool:
        pid = p["id"]
        prim = f"A{assign['primary'][pid]}"
        got = labels.get(pid, {})
        if prim not in got:
            missing.append(pid); continue
        ann = {prim: got[prim]}
        rec = dict(p)
        if pid in assign["double"]:
            sec = f"A{assign['double'][pid]}"
            if sec not in got:
                missing.append(pid); continue
            ann[sec] = got[sec]
            wave = next(name for first, name in WAVES if int(pid[2:]) >= first)
            for key in ("all", wave, p["source"], p["split"]):
                dbl[key].append((got[prim], got[sec]))
            if got[prim] == got[sec]:
                rec.update(label=got[prim], resolution="agreed")
            elif pid in adjud:
                rec.update(label=adjud[pid][0], resolution="adjudicated", note=adjud[pid][1])
            else:
                disagree.append((p, got[prim], got[sec])); rec.update(label=None)
        else:
            rec.update(label=got[prim], resolution="single")
        rec["annotations"] = ann
        out.append(rec)
    if missing and "--partial" not in sys.argv:
        sys.exit(f"{len(missing)} pairs lack a label, e.g. {missing[:5]}")
    agreement = {k: {"pairs": len(v), "observed_agreement": sum(a == b for a, b in v) / len(v), "cohen_kappa": kappa(v)}
                 for k, v in sorted(dbl.items())}
    json.dump(agreement, open(f"{ROOT}/agreement.json", "w"), indent=1)
    print(json.dumps(agreement["all"]), f"{len(disagree)} disagreements", file=sys.stderr)
    if "--disagreements" in sys.argv or "--partial" in sys.argv:
        with open(f"{ROOT}/annotation/disagreements.md", "w") as f:
            for p, a, b in disagree:
                t = p["text"]
                f.write(f"{p['id']}\tactor: {p['actor']}\treaders: {a} / {b}\n    {t[:p['start']]}[[{t[p['start']:p['end']]}]]{t[p['end']:]}\n\n")
        print(f"wrote {len(disagree)} to annotation/disagreements.md", file=sys.stderr)
        return
    if disagree:
        sys.exit(f"{len(disagree)} disagreements without adjudication (run with --disagreements)")
    keys = ["id", "source", "unit", "position", "date", "context", "text", "start", "end", "mention", "actor", "split",
            "label", "annotations", "resolution", "note"]
    with open(f"{ROOT}/corpus.jsonl", "w") as f:
        for r in out:
            f.write(json.dumps({k: r[k] for k in keys if k in r}, ensure_ascii=False) + "\n")
    c = Counter((r["split"], r["label"]) for r in out)
    print(len(out), "pairs;", dict(sorted(c.items())), file=sys.stderr)

if __name__ == "__main__":
    main()
