#!/usr/bin/env python3
"""Draws the (sentence, actor mention) pairs of the actor-stance corpus from the unlabelled pools in
../shared/data, before anyone labels them, and fixes each pair's split (train / validation / test).

Pools: bbc-news (sentences of 2004-2005 BBC articles), reuters-headlines (2007-2016), and NewsMTSC
train.jsonl sentences whose actor mentions are not already NewsMTSC targets. Never agnews, the State
of the Union addresses or the seed essay: they judge the model.

Selection, not labelling: a mention is found with the alias lists below (case-sensitive, on word
boundaries, longest alias first, the first mention of each actor in a sentence). Half of each actor's
sentences are drawn from those that contain an evaluative cue word (threat, sanction, agree, ally, ...)
so that the labels are not almost all neutral; the other half are drawn from the rest. The cue words
choose what is read; they never decide a label. Every label comes from a reader (docs/annotation.md).

Splits are by source unit (a BBC article, a headline, a NewsMTSC sentence), from a hash of its id, so
no article straddles two splits. NewsMTSC-derived pairs are train only (their sentences are trained on
anyway). Deterministic: same inputs, same output.

Usage: python3 scripts/actor-corpus/sample_pool.py ../shared/data data/actor-stance/pool.jsonl
"""
import gzip, hashlib, json, random, re, sys
from collections import defaultdict

ACTORS = {
    # the four defaults (as src/text/actors/default.toml)
    "russia": ["Russia", "Russian", "Russians", "Russian Federation", "Moscow", "Kremlin", "Vladimir Putin", "Putin",
               "Sergei Lavrov", "Lavrov", "Dmitry Medvedev", "Medvedev", "Duma", "Gazprom", "Rosneft", "Soviet Union", "Soviet"],
    "china": ["China", "Chinese", "PRC", "People's Republic of China", "Beijing", "Xi Jinping", "Hu Jintao", "Wen Jiabao",
              "Chinese Communist Party", "Communist Party of China", "Wang Yi", "People's Liberation Army", "PLA"],
    "iran": ["Iran", "Iranian", "Iranians", "Islamic Republic", "Tehran", "Khamenei", "Khomeini", "IRGC",
             "Revolutionary Guards", "Rouhani", "Ahmadinejad", "Zarif"],
    "west": ["the West", "Western", "NATO", "Nato", "EU", "European Union", "Brussels", "European Commission",
             "United States", "US", "U.S.", "USA", "America", "American", "Americans", "Washington", "White House",
             "Pentagon", "State Department", "United Kingdom", "UK", "Britain", "British", "London", "Downing Street",
             "G7", "G-7", "Europe", "European", "Europeans"],
    # other states, so that --actors files for them work too
    "ukraine": ["Ukraine", "Ukrainian", "Ukrainians", "Kiev", "Kyiv", "Yushchenko", "Yanukovich", "Yanukovych", "Poroshenko"],
    "israel": ["Israel", "Israeli", "Israelis", "Netanyahu", "Olmert"],
    "turkey": ["Turkey", "Turkish", "Ankara", "Erdogan"],
    "india": ["India", "Indian", "New Delhi", "Manmohan Singh", "Modi"],
    "pakistan": ["Pakistan", "Pakistani", "Islamabad", "Musharraf", "Zardari"],
    "north_korea": ["North Korea", "North Korean", "Pyongyang", "Kim Jong-il", "Kim Jong-un", "Kim Jong Il", "Kim Jong Un", "DPRK"],
    "saudi_arabia": ["Saudi Arabia", "Saudi", "Saudis", "Riyadh"],
    "syria": ["Syria", "Syrian", "Damascus", "Assad"],
    "iraq": ["Iraq", "Iraqi", "Iraqis", "Baghdad", "Saddam Hussein", "Maliki"],
    "venezuela": ["Venezuela", "Venezuelan", "Caracas", "Chavez", "Maduro"],
    "japan": ["Japan", "Japanese", "Tokyo"],
    "germany": ["Germany", "German", "Berlin", "Merkel"],
    "france": ["France", "French", "Paris", "Sarkozy", "Hollande"],
}
QUOTA = {"russia": 1550, "china": 1550, "iran": 1250, "west": 2150}
OTHER_QUOTA = 1900  # spread over the other states
CUES = re.compile(r"\b(threat\w*|sanction\w*|warn\w*|condemn\w*|accus\w*|attack\w*|invad\w*|invasion|violat\w*|"
                  r"aggress\w*|protest\w*|clash\w*|tension\w*|demand\w*|urg\w*|press(es|ed|ing)?|critici\w*|blame\w*|"
                  r"deal\w*|agree\w*|cooperat\w*|partner\w*|all(y|ies|ied)|welcome\w*|prais\w*|support\w*|aid|help\w*|"
                  r"friend\w*|ties|boost\w*|hail\w*|deter\w*|contain\w*|punish\w*|defy|defies|defian\w*|rebuk\w*|"
                  r"slam\w*|reject\w*|oppos\w*|back(s|ed|ing)?|embrac\w*|thank\w*|success\w*|fail\w*|dispute\w*|"
                  r"row|rift|spy|spies|hack\w*|cyber\w*|nuclear|missile\w*|troops|war|sympath\w*|victim\w*|"
                  r"peace\w*|pact|treaty|summit|trade)\b", re.I)

def alias_regex(aliases):
    alts = sorted(aliases, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(a) for a in alts) + r")(?:'s)?(?![\w])")

REGEX = {a: alias_regex(al) for a, al in ACTORS.items()}

def mentions(text, taken=()):
    """First mention of each actor: (actor, start, end, alias), char offsets, end exclusive."""
    out = []
    for actor, rx in REGEX.items():
        for m in rx.finditer(text):
            s, e = m.start(1), m.end(1)
            if any(s < te and ts < e for ts, te in taken):
                continue
            out.append((actor, s, e, m.group(1)))
            break
    return out

SENT_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’']))\s+(?=[\"“‘A-Z0-9])")

def split_of(unit):
    h = int(hashlib.sha256(unit.encode()).hexdigest()[:8], 16) % 100
    return "test" if h < 16 else "validation" if h < 26 else "train"

KEYS = ["id", "source", "unit", "position", "date", "context", "text", "start", "end", "mention", "actor", "split"]

def append_draw(pool_path, chosen, first_id):
    """Appends every actor pair (up to four a sentence) of the `chosen` sentences to the pool as ids
    from `first_id` on; NewsMTSC sentences are training only, the rest split by source unit."""
    pairs = []
    for s in chosen:
        for (act, st, en, alias) in s["mentions"][:4]:
            pairs.append(dict(source=s["source"], unit=s["unit"], position=s["position"], date=s["date"],
                              context=s["context"], text=s["text"], actor=act, start=st, end=en, mention=alias,
                              split="train" if s["source"] == "newsmtsc-train" else split_of(s["unit"])))
    with open(pool_path, "a") as f:
        for i, p in enumerate(pairs):
            p["id"] = f"as{first_id + i:05d}"
            f.write(json.dumps({k: p[k] for k in KEYS}, ensure_ascii=False) + "\n")
    return pairs

def load(data):
    sents = []  # dict(source, unit, position, text, context, date, mentions)
    with gzip.open(f"{data}/bbc-news/bbc-news.jsonl.gz", "rt") as f:
        for line in f:
            art = json.loads(line)
            prev = art["title"]
            k = 0
            for para in art["text"].split("\n"):
                for s in SENT_SPLIT.split(para.strip()):
                    s = s.strip()
                    if not s:
                        continue
                    k += 1
                    if 25 <= len(s) <= 400:
                        ms = mentions(s)
                        if ms:
                            sents.append(dict(source="bbc-news", unit=art["id"], position=f"sentence {k}", text=s,
                                              context=prev, date=None, mentions=ms))
                    prev = s
    with gzip.open(f"{data}/reuters-headlines/actor-headlines.jsonl.gz", "rt") as f:
        for line in f:
            r = json.loads(line)
            t = r["text"].strip()
            if t.startswith(("PRESS DIGEST", "BRIEF-", "UPDATE", "RPT-")) or len(t) < 25:
                continue
            ms = mentions(t)
            if ms:
                sents.append(dict(source="reuters-headlines", unit=r["id"], position="headline", text=t, context=None,
                                  date=r["date"], mentions=ms))
    with open(f"{data}/newsmtsc/train.jsonl") as f:
        for i, line in enumerate(f, 1):
            r = json.loads(line)
            t = r["sentence_normalized"]
            taken = [(x["from"], x["to"]) for x in r["targets"]]
            ms = mentions(t, taken)
            if ms:
                sents.append(dict(source="newsmtsc-train", unit=f"line {i}", position=f"line {i}", text=t, context=None,
                                  date=None, mentions=ms))
    return sents

def main():
    data, out = sys.argv[1], sys.argv[2]
    rng = random.Random(20261126)
    sents = load(data)
    # Reuters is huge: sub-sample it to 40k headlines first (deterministically) to keep the draw fast.
    reuters = [s for s in sents if s["source"] == "reuters-headlines"]
    rest = [s for s in sents if s["source"] != "reuters-headlines"]
    rng.shuffle(reuters)
    sents = rest + reuters[:60000]
    rng.shuffle(sents)
    # Source mix per sentence draw: reuters 45%, bbc 30%, newsmtsc 25% (as available).
    by = defaultdict(list)  # (actor, source, cue) -> sentences whose first-listed... any mention of actor
    for s in sents:
        cue = bool(CUES.search(s["text"]))
        for (a, *_r) in s["mentions"]:
            by[(a, s["source"], cue)].append(s)
    others = [a for a in ACTORS if a not in QUOTA]
    quota = dict(QUOTA)
    for a in others:
        quota[a] = OTHER_QUOTA // len(others)
    count = defaultdict(int)
    chosen, seen = [], set()
    mix = [("reuters-headlines", 0.45), ("bbc-news", 0.30), ("newsmtsc-train", 0.25)]
    order = sorted(ACTORS, key=lambda a: (a in QUOTA, a))  # other states first, so the defaults top up
    for a in order:
        for src, frac in mix:
            for cue, cfrac in ((True, 0.5), (False, 0.5)):
                want = int(quota[a] * frac * cfrac)
                pool = [s for s in by[(a, src, cue)] if id(s) not in seen]
                # spread over aliases: no alias more than 35% of one cell
                per_alias = defaultdict(int)
                got = 0
                for s in pool:
                    if got >= want or count[a] >= quota[a]:
                        break
                    alias = next(m[3] for m in s["mentions"] if m[0] == a)
                    if per_alias[alias] >= max(8, int(0.35 * want)):
                        continue
                    per_alias[alias] += 1
                    seen.add(id(s))
                    chosen.append(s)
                    for m in s["mentions"]:
                        count[m[0]] += 1
                    got += 1
        # top up from any source if a cell ran dry
        for s in [s for key, v in by.items() if key[0] == a for s in v]:
            if count[a] >= quota[a]:
                break
            if id(s) in seen:
                continue
            seen.add(id(s))
            chosen.append(s)
            for m in s["mentions"]:
                count[m[0]] += 1
    pairs = []
    for s in chosen:
        for (a, st, en, alias) in s["mentions"][:4]:
            split = "train" if s["source"] == "newsmtsc-train" else split_of(s["unit"])
            pairs.append(dict(source=s["source"], unit=s["unit"], position=s["position"], date=s["date"],
                              context=s["context"], text=s["text"], actor=a, start=len(s["text"][:st]),
                              end=len(s["text"][:en]), mention=alias, split=split))
    pairs.sort(key=lambda p: (p["source"], p["unit"], p["position"], p["start"]))
    for i, p in enumerate(pairs):
        p["id"] = f"as{i:05d}"
    with open(out, "w") as f:
        for p in pairs:
            f.write(json.dumps({k: p[k] for k in ["id", "source", "unit", "position", "date", "context", "text",
                                                  "start", "end", "mention", "actor", "split"]}, ensure_ascii=False) + "\n")
    c = defaultdict(int)
    for p in pairs:
        c[(p["actor"])] += 1
    print(len(pairs), "pairs", dict(c), file=sys.stderr)
    cs = defaultdict(int)
    for p in pairs:
        cs[(p["source"], p["split"])] += 1
    print(dict(cs), file=sys.stderr)

if __name__ == "__main__":
    main()
