#!/usr/bin/env python3
"""The fifth draw for the actor-stance corpus, made for issue 16 (the model reads a sentence's tone and
gives it to every actor in it; outside headlines a stance is often read as neutral). Drawn before any
label, before any training on it, and deterministic:

1. **UN General Debate speeches** (`../shared/data/un-general-debates`), never those of the judges of
   the showcase (USA, RUS, CHN, GBR, FRA, IRN): states speaking of states in diplomatic prose. Speeches
   are sampled across the decades, at most 3 sentences a speech; sentences that name two or more
   actors make up about 60% of those taken, and half of each kind carry an evaluative or cooperation
   cue word. Split by speech (a hash of its id): about 22% test, 10% validation, so the test split
   grows by some 700 UN pairs.
2. **Long BBC sentences** (120-400 characters) not yet drawn, two-actor sentences first.
3. **Reuters headlines that name two actors** and carry a cue word (X accuses Y, X and Y sign ...).
4. **Directed-sentiment sentences** (`../shared/data/directed-sentiment/train.txt`, Park et al. 2021)
   with a directed label (classes 1-4): both entities of 450 of them go to the readers, so the
   crowd's label for the entity blamed or praised can be checked against the guideline, and the one
   who blames or praises (the holder) is judged by it. Training only (their held-out splits are
   elsewhere). The other directed sentences are used by `stance train` through the crowd's label
   mapped to the guideline (see data/actor-stance/README.md), not through this pool.

Cue words and the count of actors only choose what is read; no label comes from them.
Appends ids after the last one in the pool.

Usage: python3 scripts/actor-corpus/sample_fifth.py ../shared/data data/actor-stance/pool.jsonl
"""
import gzip, hashlib, json, random, re, sys
from collections import defaultdict
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sample_pool import ACTORS, CUES, KEYS, SENT_SPLIT, alias_regex, load, split_of  # noqa: E402
from sample_supplement import COOP  # noqa: E402

JUDGES = {"USA", "RUS", "CHN", "GBR", "FRA", "IRN"}
UN_EXTRA = {"russia": ["USSR", "Union of Soviet Socialist Republics"],
            "west": ["United States of America", "North Atlantic Treaty Organization"],
            "iran": ["Islamic Republic of Iran"], "germany": ["Federal Republic of Germany"]}
UN_REGEX = {a: alias_regex(al + UN_EXTRA.get(a, [])) for a, al in ACTORS.items()}
UN_PAIRS, BBC_PAIRS, REUTERS_PAIRS, DS_SENTENCES = 3350, 1250, 600, 450

def un_mentions(text):
    out = []
    for actor, rx in UN_REGEX.items():
        m = rx.search(text)
        if m:
            out.append((actor, m.start(1), m.end(1), m.group(1)))
    return sorted(out, key=lambda m: m[1])

def un_split(unit):
    h = int(hashlib.sha256(("un:" + unit).encode()).hexdigest()[:8], 16) % 100
    return "test" if h < 22 else "validation" if h < 32 else "train"

def un_sentences(data, rng):
    speeches = []
    with gzip.open(f"{data}/un-general-debates/ungdc.jsonl.gz", "rt") as f:
        for line in f:
            r = json.loads(line)
            if r["author"] not in JUDGES:
                speeches.append(r)
    by_decade = defaultdict(list)
    for r in speeches:
        by_decade[int(r["date"]) // 10 * 10].append(r)
    picked = []
    for d in sorted(by_decade):
        rs = by_decade[d]
        rng.shuffle(rs)
        picked += rs[:260]
    rng.shuffle(picked)
    out = []
    for r in picked:
        sents = []
        k = 0
        for para in r["text"].split("\n"):
            for s in SENT_SPLIT.split(para.strip()):
                s = s.strip()
                if not s:
                    continue
                k += 1
                if 40 <= len(s) <= 400:
                    ms = un_mentions(s)
                    if ms:
                        sents.append(dict(source="un-general-debate", unit=r["id"], position=f"sentence {k}",
                                          text=s, context=None, date=r["date"], mentions=ms))
        out.append(sents)
    return out


def directed_sentences(data):
    """The directed-sentiment sentences with a directed label (classes 1-4), in file order, each with
    its two bracketed entities as `named_entity` mentions; lines whose brackets do not give exactly
    the two entities are left out."""
    ds = []
    with open(f"{data}/directed-sentiment/train.txt") as f:
        for i, line in enumerate(f, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or cols[3].strip() not in {"1", "2", "3", "4"}:
                continue
            marked = cols[0]
            spans, text, pos = [], "", 0
            for m in re.finditer(r"\[([^\[\]]*)\]", marked):
                text += marked[pos:m.start()]
                spans.append((len(text), len(text) + len(m.group(1)), m.group(1)))
                text += m.group(1)
                pos = m.end()
            text += marked[pos:]
            if len(spans) != 2 or spans[0][2] != cols[1] or spans[1][2] != cols[2]:
                continue
            ds.append(dict(source="directed-sentiment-train", unit=f"line {i}", position=f"line {i}", text=text,
                           context=None, date=None,
                           mentions=[("named_entity", spans[0][0], spans[0][1], spans[0][2]),
                                     ("named_entity", spans[1][0], spans[1][1], spans[1][2])]))
    return ds

class Draw:
    """The sentences a draw takes, in order, with their splits: none already in the pool `old` (by
    source place or by text) and none twice."""

    def __init__(self, old, pool_path=None):
        self.old, self.pool_path = old, pool_path
        self.used = {(p["source"], p["unit"], p["position"]) for p in old}
        self.seen_text = {p["text"].strip().lower() for p in old}
        self.chosen = []  # (sentence, split)

    def take(self, s, split):
        """Takes sentence `s` into `split` unless the pool or this draw has it; returns the pairs it
        adds (one per actor, at most four)."""
        t = s["text"].strip().lower()
        if t in self.seen_text or (s["source"], s["unit"], s["position"]) in self.used:
            return 0
        self.seen_text.add(t)
        self.chosen.append((s, split))
        return min(4, len(s["mentions"]))

    def fill(self, sentences, quota, per_unit=None):
        """Takes `sentences` in order, each into the split of its unit, until `quota` pairs are taken,
        at most `per_unit` sentences of one unit (a speech, an article) when given; returns the pairs
        taken."""
        n, per = 0, defaultdict(int)
        for s in sentences:
            if n >= quota:
                break
            if per_unit and per[s["unit"]] >= per_unit:
                continue
            k = self.take(s, unit_split(s))
            per[s["unit"]] += k > 0
            n += k
        return n

    def append(self, counts):
        """Appends the taken sentences' pairs to the pool it was opened on (`append_pairs`) and prints
        what was added: per quota, per source and split, and how many sit in sentences with two or
        more actors."""
        pairs, first = append_pairs(self.pool_path, self.old, self.chosen)
        c = defaultdict(int)
        for p in pairs:
            c[(p["source"], p["split"])] += 1
        multi = sum(1 for s, _ in self.chosen for _ in s["mentions"][:4] if len(s["mentions"]) >= 2)
        print(len(pairs), "pairs added from", first, counts, dict(sorted(c.items())), "in multi-actor sentences:",
              multi, file=sys.stderr)


def open_draw(seed):
    """What a draw script starts from: its command line (the data folder, the pool to append to), a
    Draw on that pool, the draw's random generator seeded with `seed`, and the UN and news sentences
    the pool lacks (`unused_sentences`, the generator's first use)."""
    data, pool_path = sys.argv[1], sys.argv[2]
    draw = Draw([json.loads(l) for l in open(pool_path)], pool_path)
    rng = random.Random(seed)
    un, news = unused_sentences(data, rng, draw.used)
    return draw, rng, un, news


def unit_split(s):
    """A sentence's split: by speech for UN sentences, by article or headline for the rest."""
    return un_split(s["unit"]) if s["source"] == "un-general-debate" else split_of(s["unit"])


def unused_sentences(data, rng, used):
    """The UN sentences (the judges' speeches left out, `un_sentences`) and the news sentences that the
    pool does not hold yet, each shuffled by `rng`, in that order (later draws depend on the order)."""
    speeches = un_sentences(data, rng)
    un = [s for sents in speeches for s in sents if (s["source"], s["unit"], s["position"]) not in used]
    rng.shuffle(un)
    news = [s for s in load(data) if (s["source"], s["unit"], s["position"]) not in used]
    rng.shuffle(news)
    return un, news


def append_pairs(pool_path, old, chosen):
    """Appends every actor pair (up to four a sentence) of the `chosen` (sentence, split) to the pool,
    numbered after the last id of `old`; returns the pairs and the first new id's number."""
    pairs = []
    for s, split in chosen:
        for (act, st, en, alias) in s["mentions"][:4]:
            pairs.append(dict(source=s["source"], unit=s["unit"], position=s["position"], date=s["date"],
                              context=s["context"], text=s["text"], actor=act, start=st, end=en, mention=alias,
                              split=split))
    first = max(int(p["id"][2:]) for p in old) + 1
    with open(pool_path, "a") as f:
        for i, p in enumerate(pairs):
            p["id"] = f"as{first + i:05d}"
            f.write(json.dumps({k: p[k] for k in KEYS}, ensure_ascii=False) + "\n")
    return pairs, first

def main(seed=20261202, un_pairs=UN_PAIRS, bbc_pairs=BBC_PAIRS, reuters_pairs=REUTERS_PAIRS, ds_sentences=DS_SENTENCES):
    data, pool_path = sys.argv[1], sys.argv[2]
    old = [json.loads(l) for l in open(pool_path)]
    draw = Draw(old)
    used, take, chosen = draw.used, draw.take, draw.chosen
    rng = random.Random(seed)

    def cue(s):
        return bool(CUES.search(s["text"]) or COOP.search(s["text"]))

    # 1. UN speeches: per speech up to 3 sentences; 60% of pairs from multi-actor sentences.
    speeches = un_sentences(data, rng)
    got = {"multi": 0, "single": 0}
    want = {"multi": int(un_pairs * 0.6), "single": un_pairs - int(un_pairs * 0.6)}
    for sents in speeches:
        if sum(got.values()) >= un_pairs:
            break
        rng.shuffle(sents)
        sents.sort(key=lambda s: (len(s["mentions"]) < 2, not cue(s)))
        taken = 0
        for s in sents:
            kind = "multi" if len(s["mentions"]) >= 2 else "single"
            if taken >= 3 or got[kind] >= want[kind]:
                continue
            n = take(s, un_split(s["unit"]))
            got[kind] += n
            taken += n > 0
    # 2 and 3: BBC long sentences and Reuters two-actor headlines.
    news = [s for s in load(data) if (s["source"], s["unit"], s["position"]) not in used]
    rng.shuffle(news)
    bbc = [s for s in news if s["source"] == "bbc-news" and len(s["text"]) >= 120]
    bbc.sort(key=lambda s: (len(s["mentions"]) < 2, not cue(s)))
    n = 0
    for s in bbc:
        if n >= bbc_pairs:
            break
        n += take(s, split_of(s["unit"]))
    reu = [s for s in news if s["source"] == "reuters-headlines" and len(s["mentions"]) >= 2 and cue(s)]
    n = 0
    for s in reu:
        if n >= reuters_pairs:
            break
        n += take(s, split_of(s["unit"]))
    # 4. Directed-sentiment sentences with a directed label: both entities.
    ds = directed_sentences(data)
    rng.shuffle(ds)
    n = 0
    for s in ds:
        if n >= ds_sentences:
            break
        n += take(s, "train") > 0
    pairs, first = append_pairs(pool_path, old, chosen)
    c = defaultdict(int)
    for p in pairs:
        c[(p["source"], p["split"])] += 1
    multi = sum(1 for s, _ in chosen for _ in s["mentions"][:4] if len(s["mentions"]) >= 2)
    print(len(pairs), "pairs added from", first, dict(sorted(c.items())), "in multi-actor sentences:", multi,
          file=sys.stderr)

if __name__ == "__main__":
    main()
