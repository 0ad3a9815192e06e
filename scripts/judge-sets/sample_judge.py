#!/usr/bin/env python3
"""Draws the judge sets: held-out (sentence, actor) pairs from the two corpora that judge the model and
are never trained on, to be read by the guideline (docs/annotation.md) and used only to report
figures, never to choose a model or train one (issue 16 asks for actor stance on news prose and on
speeches; the corpus's own test split is 48% headlines and holds no presidential speech).

- **news**: AG News items (`../shared/data/agnews/{test,dev}.tsv`, 2004 newswire: news prose, the
  kind of text the issue's news/op-ed set holds). At most one sentence an item.
- **speeches**: the State of the Union addresses 1900-2021 (`data/sotu/sotu.jsonl`, written by
  `scripts/sotu/fetch.sh`): presidential speeches. At most five sentences a speech.

Both: sentences of 40-400 characters that name at least one actor of the corpus's alias lists
(scripts/actor-corpus/sample_pool.py, with the UN draws' extra aliases: "USSR", "Soviet Union", ...),
one pair per actor per sentence (its first mention), up to four actors a sentence. Sentences are taken
actor group by actor group (Russia, China, Iran, the West, the thirteen other states) until each
group's quota of pairs is met, cycling through four kinds so that every kind is present: two or more
actors with a cue word, two or more without, one actor with a cue word, one without. The cue words
(sample_pool.CUES) and the count of actors only choose what is read; every label comes from a reader.
Sentences the actor-stance corpus already holds are skipped (none should be: its draws never read
these corpora).

Deterministic (seed below). Writes the pairs with their text to target/judge/pool.jsonl (the text is
read from the data by path and never committed) and, with --write-pairs, the committed index
data/judge-sets/pairs.tsv (id, set, unit, position, start, end, mention, actor, a hash of the
sentence) that scripts/judge-sets/build.py checks the rebuilt text against.

With --selection it draws the selection set instead (data/selection-set/README.md): the same quotas
and kinds with another seed, from the AG News items and speech sentences the judge set does not hold,
to target/selection/pool.jsonl and data/selection-set/pairs.tsv.

Usage: python3 scripts/judge-sets/sample_judge.py [--selection] [--write-pairs] [DATA (default ../shared/data)]
"""
import hashlib, json, os, random, sys
from collections import defaultdict
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "actor-corpus"))
from sample_pool import CUES, SENT_SPLIT  # noqa: E402
from sample_fifth import un_mentions  # noqa: E402

SEED = 20261203
# Pairs of the named group's actors to reach in each set (a sentence also brings the other actors it
# names, so a set ends up larger than the sum).
QUOTA = {"russia": 120, "china": 120, "iran": 90, "west": 120, "other": 150}
MAX_SENTENCES_A_UNIT = {"news": 1, "speeches": 5}
# Speeches from 1900 on: the century in which Russia, China, Iran and the West are the actors this
# tool is used on (before it, the addresses' actors are mostly Britain, Spain and France).
FIRST_SPEECH_YEAR = 1900
SOTU = "data/sotu/sotu.jsonl"
POOL = "target/judge/pool.jsonl"
PAIRS = "data/judge-sets/pairs.tsv"
CORPUS = "data/actor-stance/corpus.jsonl"


def clean_agnews(text):
    """AG News writes `\\` for a line break and ` #36;` / ` #39;` for `$` / `'`."""
    return " ".join(text.replace("\\", " ").replace(" #36;", " $").replace("#36;", "$")
                    .replace(" #39;", "'").replace("#39;", "'").replace("&lt;", "<").replace("&gt;", ">")
                    .replace("&amp;", "&").split())


def sentences(data):
    """Every candidate sentence of both sets, in file order: dict(set, unit, position, context, text)."""
    out = []
    for name in ("test", "dev"):
        with open(f"{data}/agnews/{name}.tsv", encoding="utf-8") as f:
            for i, line in enumerate(f):
                text = clean_agnews(line.rstrip("\n").rsplit("\t", 1)[0])
                prev = None
                for k, s in enumerate(SENT_SPLIT.split(text)):
                    out.append(dict(set="news", unit=f"agnews-{name}:{i + 1}", position=f"sentence {k + 1}",
                                    date="2004", context=prev, text=s))
                    prev = s
    with open(SOTU, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if int(r["date"]) < FIRST_SPEECH_YEAR:
                continue
            k = 0
            for para in r["text"].split("\n"):
                prev = None
                for s in SENT_SPLIT.split(" ".join(para.split())):
                    k += 1
                    out.append(dict(set="speeches", unit=r["id"], position=f"sentence {k}", date=r["date"],
                                    context=prev, text=s))
                    prev = s
    return out


def group(actor):
    return actor if actor in ("russia", "china", "iran", "west") else "other"


def draw(cands, rng):
    """Takes sentences group by group until each group's quota of pairs is met."""
    taken, per_unit, counts = [], defaultdict(int), defaultdict(int)
    for g in QUOTA:
        kinds = defaultdict(list)
        for s in cands:
            if any(group(m[0]) == g for m in s["mentions"]):
                kinds[(len(s["mentions"]) > 1, bool(CUES.search(s["text"])))].append(s)
        order = [kinds[k] for k in ((True, True), (True, False), (False, True), (False, False))]
        for lst in order:
            rng.shuffle(lst)
        cursor = [0, 0, 0, 0]
        while counts[g] < QUOTA[g] and any(cursor[i] < len(order[i]) for i in range(4)):
            for i in range(4):
                if counts[g] >= QUOTA[g]:
                    break
                while cursor[i] < len(order[i]):
                    s = order[i][cursor[i]]
                    cursor[i] += 1
                    if s.get("taken") or per_unit[s["unit"]] >= MAX_SENTENCES_A_UNIT[s["set"]]:
                        continue
                    s["taken"] = True
                    per_unit[s["unit"]] += 1
                    taken.append(s)
                    for m in s["mentions"]:
                        counts[group(m[0])] += 1
                    break
    return taken, counts


# The two kinds of set this script draws (the same corpora, quotas and kinds of sentence):
# - judge: report only (data/judge-sets/README.md);
# - selection: chooses between candidate models on the judged kinds of text; drawn after the judge
#   set, from the AG News items and State of the Union sentences the judge set does not hold
#   (data/selection-set/README.md). Neither is ever trained on.
KINDS = {
    "judge": dict(seed=SEED, pool=POOL, pairs=PAIRS, prefix="j"),
    "selection": dict(seed=SEED + 1, pool="target/selection/pool.jsonl", pairs="data/selection-set/pairs.tsv",
                      prefix="s"),
}


def draw_pairs(all_sentences, known, seed, prefix, leave_out=lambda s: False):
    """The pairs of both sets drawn with `seed`, skipping sentences for which `leave_out` is true."""
    rng = random.Random(seed)
    pairs = []
    for name in ("news", "speeches"):
        cands = []
        for s in all_sentences:
            s = dict(s)
            if s["set"] != name or not 40 <= len(s["text"]) <= 400 or s["text"] in known or leave_out(s):
                continue
            ms = un_mentions(s["text"])[:4]
            if ms:
                s["mentions"] = ms
                cands.append(s)
        taken, counts = draw(cands, rng)
        taken.sort(key=lambda s: (s["unit"], int(s["position"].split()[1])))
        start = len(pairs)
        for s in taken:
            for (actor, st, en, alias) in s["mentions"]:
                pairs.append(dict(id=f"{prefix}{'n' if name == 'news' else 's'}{len(pairs) - start:04d}", set=name,
                                  source="agnews" if name == "news" else "sotu", unit=s["unit"],
                                  position=s["position"], date=s["date"], context=s["context"], text=s["text"],
                                  start=st, end=en, mention=alias, actor=actor, split="test"))
        multi = sum(len(s["mentions"]) > 1 for s in taken)
        print(f"{prefix}/{name}: {len(cands)} candidate sentences, {len(taken)} taken ({multi} with two or more "
              f"actors), {len(pairs) - start} pairs; pairs a group: {dict(counts)}", file=sys.stderr)
    return pairs


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    data = args[0] if args else "../shared/data"
    kind = KINDS["selection" if "--selection" in sys.argv else "judge"]
    known = {json.loads(line)["text"] for line in open(CORPUS, encoding="utf-8")}
    all_sentences = sentences(data)
    judge = KINDS["judge"]
    pairs = draw_pairs(all_sentences, known, judge["seed"], judge["prefix"])
    if kind is KINDS["selection"]:
        # Nothing the judge set holds: not its AG News items (a news item is one unit of text), not
        # its speech sentences, not a sentence with the same text.
        judge_units = {p["unit"] for p in pairs if p["set"] == "news"}
        judge_sentences = {(p["unit"], p["position"]) for p in pairs} | {p["text"] for p in pairs}
        pairs = draw_pairs(all_sentences, known, kind["seed"], kind["prefix"],
                           lambda s: s["unit"] in judge_units or (s["unit"], s["position"]) in judge_sentences
                           or s["text"] in judge_sentences)
    os.makedirs(os.path.dirname(kind["pool"]), exist_ok=True)
    with open(kind["pool"], "w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"wrote {kind['pool']}", file=sys.stderr)
    if "--write-pairs" in sys.argv:
        os.makedirs(os.path.dirname(kind["pairs"]), exist_ok=True)
        with open(kind["pairs"], "w", encoding="utf-8") as f:
            f.write("id\tset\tunit\tposition\tstart\tend\tmention\tactor\ttext_sha1\n")
            for p in pairs:
                h = hashlib.sha1(p["text"].encode()).hexdigest()[:12]
                f.write(f"{p['id']}\t{p['set']}\t{p['unit']}\t{p['position']}\t{p['start']}\t{p['end']}\t"
                        f"{p['mention']}\t{p['actor']}\t{h}\n")
        print(f"wrote {kind['pairs']}", file=sys.stderr)


if __name__ == "__main__":
    main()
