#!/usr/bin/env python3
"""Builds the judge sets' gold files from the readers' labels and the data, and reports agreement.

Re-draws the pairs (sample_judge.py, deterministic) and checks every pair's text against the hash in
data/judge-sets/pairs.tsv, so the rebuilt text is the text the readers read. The gold label of a pair
is its primary reader's label (data/judge-sets/labels/batch_NN.JK.tsv); where a second reader
(labels/double_JK.JK.tsv) disagreed, the label of data/judge-sets/labels/adjudication.tsv, decided by
reading the sentence by the guideline, replaces it. Cohen's kappa is computed per set on the pairs
read twice, before adjudication.

Writes target/judge/news.jsonl and target/judge/speeches.jsonl in the actor-stance corpus's format
(split "test", so `stance eval FILE --split test` reads them) and data/judge-sets/agreement.json.
Fails, naming the file and line, on a missing, duplicate or unknown id or label.

With --selection it builds the selection set the same way (data/selection-set/ ->
target/selection/{news,speeches}.jsonl).

Usage: python3 scripts/judge-sets/build.py [--selection] [DATA (default ../shared/data)]
"""
import glob, hashlib, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "actor-corpus"))
from build_corpus import kappa  # noqa: E402
LABELS = ("against", "neutral", "favor")


def read_labels(path):
    """{id: (label, line number)} of one `id<TAB>label<TAB>reason` file."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 2 or cols[1] not in LABELS:
                sys.exit(f"{path}:{n}: expected `id<TAB>label<TAB>reason` with label one of {LABELS}: {line!r}")
            if cols[0] in out:
                sys.exit(f"{path}:{n}: id {cols[0]} labelled twice")
            out[cols[0]] = (cols[1], n)
    return out


def main():
    selection = "--selection" in sys.argv
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    data = args[0] if args else "../shared/data"
    ROOT, OUT = ("data/selection-set", "target/selection") if selection else ("data/judge-sets", "target/judge")
    subprocess.run([sys.executable, os.path.join(HERE, "sample_judge.py"), data] + ["--selection"] * selection,
                   check=True)
    pool = {p["id"]: p for p in map(json.loads, open(f"{OUT}/pool.jsonl", encoding="utf-8"))}
    with open(f"{ROOT}/pairs.tsv", encoding="utf-8") as f:
        next(f)
        for n, line in enumerate(f, 2):
            pid, *_, h = line.rstrip("\n").split("\t")
            if pid not in pool or hashlib.sha1(pool[pid]["text"].encode()).hexdigest()[:12] != h:
                sys.exit(f"{ROOT}/pairs.tsv:{n}: {pid}: the re-drawn text does not match the committed hash "
                         f"(is {data} the same data the set was drawn from?)")
    assign = json.load(open(f"{ROOT}/assignment.json"))
    primary, second = {}, {}
    for path in sorted(glob.glob(f"{ROOT}/labels/batch_*.tsv")):
        for pid, (label, n) in read_labels(path).items():
            if pid not in pool:
                sys.exit(f"{path}:{n}: unknown id {pid}")
            if pid in primary:
                sys.exit(f"{path}:{n}: {pid} already has a primary label")
            primary[pid] = label
    for path in sorted(glob.glob(f"{ROOT}/labels/double_*.tsv")):
        for pid, (label, n) in read_labels(path).items():
            if assign["double"].get(pid) is None:
                sys.exit(f"{path}:{n}: {pid} was not dealt for a second reading")
            second[pid] = label
    missing = [pid for pid in pool if pid not in primary]
    if missing:
        sys.exit(f"{ROOT}/labels: {len(missing)} pairs have no primary label (first: {missing[:5]})")
    adjudicated = {}
    adj_path = f"{ROOT}/labels/adjudication.tsv"
    if os.path.exists(adj_path):
        adjudicated = {pid: label for pid, (label, _) in read_labels(adj_path).items()}
    unresolved = [pid for pid, l in second.items() if l != primary[pid] and pid not in adjudicated]
    if unresolved:
        sys.exit(f"{adj_path}: {len(unresolved)} disagreements not adjudicated: {' '.join(unresolved)}")
    agreement = {}
    os.makedirs(OUT, exist_ok=True)
    for name in ("news", "speeches"):
        ids = [pid for pid, p in pool.items() if p["set"] == name]
        twice = [(primary[pid], second[pid]) for pid in ids if pid in second]
        k = kappa(twice)
        agreement[name] = {"pairs": len(ids), "read_twice": len(twice),
                           "agree": sum(a == b for a, b in twice), "kappa": round(k, 3) if k is not None else None}
        with open(f"{OUT}/{name}.jsonl", "w", encoding="utf-8") as f:
            for pid in ids:
                p = {k: v for k, v in pool[pid].items() if k != "set"}
                p["label"] = adjudicated.get(pid, primary[pid])
                p["annotations"] = {assign["primary"][pid]: primary[pid],
                                    **({assign["double"][pid]: second[pid]} if pid in second else {})}
                p["resolution"] = ("adjudicated" if pid in adjudicated else "agreed" if pid in second else "single")
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
        counts = {c: 0 for c in LABELS}
        for pid in ids:
            counts[adjudicated.get(pid, primary[pid])] += 1
        agreement[name]["labels"] = counts
        print(f"{name}: {len(ids)} pairs {counts}; read twice {len(twice)}, kappa {agreement[name]['kappa']}",
              file=sys.stderr)
    with open(f"{ROOT}/agreement.json", "w") as f:
        json.dump(agreement, f, indent=1)
    print(f"wrote {OUT}/{{news,speeches}}.jsonl and {ROOT}/agreement.json", file=sys.stderr)


if __name__ == "__main__":
    main()
