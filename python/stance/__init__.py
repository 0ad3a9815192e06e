"""stance in Python: stance and sentiment toward geopolitical actors, on the same engine as the
``stance`` binary (the Rust library, in-process through PyO3: no subprocess).

    import stance
    a = stance.analyze(df, by=["meta.party", "date:decade"])   # df: id, author, date, text columns
    a.tidy          # one row per group x actor (the rows of --format tidy-csv / tidy-parquet)
    a.documents     # one row per document x mentioned actor (--format csv / parquet)
    a.evidence      # the sentences behind each profile, with character offsets
    a.json          # the full JSON of `stance analyze`, as a dict (a.raw: its exact bytes)
    stance.compare(a, by=["meta.party"], groups=["Democratic", "Republican"])
    stance.score([("Moscow rejected the offer.", [(0, 6)])])

libtorch: the extension is linked against libtorch 2.4.0 (the CPU library of the PyPI ``torch``
2.4.0 wheel, which ``scripts/setup.sh`` unpacks into ``.libtorch/``) and finds it there by an
rpath. Where that folder is gone, it is loaded from ``$STANCE_LIBTORCH`` (a folder holding
``lib/libtorch_cpu.so``) or from an installed ``torch`` 2.4.0 package, before the extension is
imported.

The model: ``model=`` (a folder), else ``$STANCE_MODEL``, else the shipped ``models/stance-minilm``
of the source tree the package was built from, as the binary finds it.

Invariant: ``analyze(...).raw`` is the bytes ``stance analyze --format json`` writes for the same
records and settings.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
import io
import json
import math
import os
import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Sequence

# The libtorch release the extension is built against (the torch wheel setup.sh installs).
TORCH_VERSION = "2.4.0"
# Libraries loaded, in this order, where the rpath finds no libtorch.
_TORCH_LIBS = ("libc10.so", "libtorch_cpu.so", "libtorch.so")


def _libtorch_dirs() -> list[Path]:
    """Folders that may hold libtorch's libraries, in the order they are tried."""
    dirs = []
    env = os.environ.get("STANCE_LIBTORCH")
    if env:
        dirs += [Path(env) / "lib", Path(env)]
    spec = importlib.util.find_spec("torch")  # finds the package without importing it
    if spec and spec.submodule_search_locations:
        try:
            version = importlib.metadata.version("torch").split("+")[0]
        except importlib.metadata.PackageNotFoundError:
            version = None
        if version == TORCH_VERSION:
            dirs.append(Path(list(spec.submodule_search_locations)[0]) / "lib")
    return dirs


def _import_extension():
    try:
        from . import _stance
        return _stance
    except ImportError as first:
        if "libtorch" not in str(first) and "libc10" not in str(first):
            raise
        for d in _libtorch_dirs():
            if all((d / lib).is_file() for lib in _TORCH_LIBS):
                for lib in _TORCH_LIBS:
                    ctypes.CDLL(str(d / lib), mode=ctypes.RTLD_GLOBAL)
                from . import _stance
                return _stance
        raise ImportError(
            f"stance needs libtorch {TORCH_VERSION} ({first}): run scripts/setup.sh in the source tree the "
            f"package was built from, set STANCE_LIBTORCH to a folder holding lib/libtorch_cpu.so, or "
            f"install torch=={TORCH_VERSION}"
        ) from first


_stance = _import_extension()

StanceError = _stance.StanceError
"""A bad record, setting or file; a subclass of ValueError whose message names it."""

__all__ = ["analyze", "score", "compare", "Analysis", "Comparison", "StanceError", "Engine", "engine"]

Engine = _stance.Engine
_engines: dict[tuple, Any] = {}


def engine(model=None, precision="auto", workers=None, threads=None):
    """The loaded model for these settings, loaded once per process and shared by every call."""
    key = (str(model) if model is not None else None, precision, workers, threads)
    if key not in _engines:
        _engines[key] = Engine(model=model, precision_name=precision, workers=workers, threads=threads)
    return _engines[key]


# ---------------------------------------------------------------------------------------------
# Records in: texts, pandas or polars data frames, dicts; all become JSON Lines, read by the
# binary's own JSONL reader (so a row fails with the message a JSONL line would).

_RECORD_FIELDS = ("id", "author", "date", "title", "text")


def _plain(v):
    """A value as JSON can hold it (numpy scalars, timestamps, dates), or None for a missing one."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    item = getattr(v, "item", None)
    if callable(item) and type(v).__module__ == "numpy":
        return _plain(item())
    if type(v).__name__ in ("NaTType",):
        return None
    if hasattr(v, "isoformat"):
        # A timestamp at midnight is a day: 1947-03-12, not 1947-03-12T00:00:00.
        if hasattr(v, "hour") and (v.hour, v.minute, v.second, getattr(v, "microsecond", 0)) == (0, 0, 0, 0):
            return v.date().isoformat() if hasattr(v, "date") else v.isoformat()[:10]
        return v.isoformat()
    return v


def _rows(data) -> tuple[list[dict], list]:
    """The records of `data` as dicts, and what names each row for messages (its index)."""
    module = type(data).__module__.split(".")[0]
    if module == "pandas" and hasattr(data, "to_dict"):
        if "text" not in data.columns:
            raise StanceError(f"the data frame has no 'text' column (columns: {', '.join(map(str, data.columns))})")
        rows = data.to_dict(orient="records")
        return rows, list(data.index)
    if module == "polars" and hasattr(data, "iter_rows"):
        if "text" not in data.columns:
            raise StanceError(f"the data frame has no 'text' column (columns: {', '.join(data.columns)})")
        rows = list(data.iter_rows(named=True))
        return rows, list(range(len(rows)))
    if isinstance(data, (str, bytes, os.PathLike)):
        raise StanceError("give texts as a list (or use files=[...] for paths)")
    rows = []
    for i, item in enumerate(data):
        if isinstance(item, str):
            rows.append({"id": str(i), "text": item})
        elif isinstance(item, dict):
            rows.append(item)
        else:
            raise StanceError(f"record {i}: expected a text or a dict with 'text', got {type(item).__name__}")
    return rows, list(range(len(rows)))


def _jsonl(rows: list[dict]) -> bytes:
    out = io.StringIO()
    for r in rows:
        clean = {str(k): _plain(v) for k, v in r.items()}
        clean = {k: v for k, v in clean.items() if v is not None}
        out.write(json.dumps(clean, ensure_ascii=False, default=str))
        out.write("\n")
    return out.getvalue().encode()


_LINE = re.compile(r"^(?P<source>.*?):(?P<line>\d+): (?P<message>.*)$", re.S)


def _name_record(e: Exception, source: str, rows: list[dict], index: list) -> Exception:
    """`e` with the record it names spelled out (row position, index label and id)."""
    m = _LINE.match(str(e))
    if not m or m["source"] != source:
        return e
    n = int(m["line"])
    if not 1 <= n <= len(rows):
        return e
    rid = rows[n - 1].get("id")
    who = f"record {n} (index {index[n - 1]!r}" + (f", id {rid!r})" if rid is not None else ")")
    # (The library says which flag made the error fatal; here that is strict=True.)
    return StanceError(f"{who}: {m['message'].removesuffix(' (--strict)')}")


def _progress_bar(progress, total, unit):
    if not progress:
        return None, None
    try:
        from tqdm.auto import tqdm
    except ImportError as e:
        raise StanceError("progress=True needs tqdm (pip install tqdm)") from e
    bar = tqdm(total=total, unit=unit)
    return bar, (lambda n, _sentences: bar.update(n))


# ---------------------------------------------------------------------------------------------
# Results out.


class Analysis:
    """What `analyze` returns: the full JSON (`json`, and its exact bytes `raw`) and three tables
    (`tidy`, `documents`, `evidence`). The JSON is parsed, and the tables built, on first use and
    once: a call pays for the model and the engine's output, not for tables it never reads."""

    def __init__(self, raw: bytes, tidy_jsonl: bytes, by: list[str], warnings: list[str]):
        self.raw = raw
        self._tidy_jsonl = tidy_jsonl
        self._by = by
        self.warnings = warnings

    @cached_property
    def json(self) -> dict:
        """The JSON of `stance analyze`, as a dict."""
        return json.loads(self.raw)

    @cached_property
    def _built(self):
        return _tables(self.json, self._tidy_jsonl, self._by)

    @property
    def tidy(self):
        """One row per group x actor (the rows of --format tidy-csv / tidy-parquet)."""
        return self._built[0]

    @property
    def documents(self):
        """One row per document x mentioned actor (--format csv / parquet)."""
        return self._built[1]

    @property
    def evidence(self):
        """The sentences behind each profile, with character offsets."""
        return self._built[2]

    @property
    def errors(self) -> list[dict]:
        """The records that failed (the first 1,000), as the JSON lists them."""
        return self.json["errors"]

    @property
    def summary(self) -> dict:
        return self.json["summary"]

    def to_json(self, path) -> None:
        """Writes the JSON as `stance analyze --format json` writes it (for `stance report`)."""
        Path(path).write_bytes(self.raw)


DOCUMENT_COLUMNS = [
    "document", "record", "author", "date", "day", "title", "actor", "actor_name", "mentions", "sentences",
    "stance", "ci95_low", "ci95_high", "sd", "p_against", "p_neutral", "p_favor", "label",
    "sentiment_negative", "sentiment_neutral", "sentiment_positive", "document_sentences",
]
EVIDENCE_COLUMNS = [
    "scope", "owner", "actor", "side", "rank", "document", "record", "start", "end", "text", "aliases", "stance",
]


def _day(date):
    return date[:10] if isinstance(date, str) and re.match(r"^-?\d{4}-\d\d-\d\d", date) else None


def _dates(values):
    """ISO days (or None) as a datetime64[s] column: seconds, not pandas' default nanoseconds, whose
    range (1677-2262) would not hold every date a corpus may have."""
    import numpy as np
    import pandas as pd

    days = [v if isinstance(v, str) else None for v in values]
    return pd.Series(np.array(days, dtype="datetime64[D]").astype("datetime64[s]"), index=values.index)


def _tables(doc: dict, tidy_jsonl: bytes, by: list[str]):
    import pandas as pd

    actors = [(a["id"], a["name"]) for a in doc["actors"]]
    rows = []
    for d in doc["documents"]:
        for aid, name in actors:
            p = d["actors"].get(aid)
            if p is None:
                continue
            rows.append([
                d["id"], d["record"], d.get("author"), d.get("date"), _day(d.get("date")), d.get("title"), aid, name,
                p["mentions"], p["sentences"], p["stance"], p["ci95"][0], p["ci95"][1], p["sd"],
                p["distribution"]["against"], p["distribution"]["neutral"], p["distribution"]["favor"], p["label"],
                p["sentiment"]["negative"], p["sentiment"]["neutral"], p["sentiment"]["positive"], d["sentences"],
            ])
    documents = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)
    documents["day"] = _dates(documents["day"])
    for c in ("record", "mentions", "sentences", "document_sentences"):
        documents[c] = documents[c].astype("int64")

    tidy = pd.DataFrame([json.loads(line) for line in tidy_jsonl.splitlines() if line.strip()])
    if tidy.empty:
        tidy = pd.DataFrame(columns=["group", "bucket", "actor"])
    time_key = next((b for b in (by or []) if b.startswith("date:")), None)
    if time_key:
        starts = {b: _stance.first_day(time_key, b) for b in tidy["bucket"].unique()}
        tidy.insert(2, "bucket_start", _dates(tidy["bucket"].map(starts)))
    else:
        tidy["bucket"] = None
        tidy.insert(2, "bucket_start", _dates(pd.Series([None] * len(tidy), dtype=object)))

    ev = []

    def add(scope, owner, profiles):
        for aid, p in profiles.items():
            for side in ("against", "favor"):
                for rank, e in enumerate(p["evidence"][side], 1):
                    ev.append([scope, owner, aid, side, rank, e["document"], e["record"], e["start"], e["end"],
                               e["text"], list(e["aliases"]), e["stance"]])

    add("corpus", None, doc["corpus"]["actors"])
    for g in doc["groups"]:
        add("group", g["label"], g["actors"])
    for a in doc["authors"]:
        add("author", a["author"], a["actors"])
    for d in doc["documents"]:
        add("document", d["id"], d["actors"])
    evidence = pd.DataFrame(ev, columns=EVIDENCE_COLUMNS)
    return tidy, documents, evidence


# ---------------------------------------------------------------------------------------------
# The calls.


def analyze(
    data=None,
    *,
    files: Sequence[str | os.PathLike] | None = None,
    actors=None,
    by: Sequence[str] | None = None,
    precision: str = "auto",
    evidence: int = 3,
    author: str | None = None,
    strict: bool = True,
    progress: bool = False,
    model=None,
    workers: int | None = None,
    threads: int | None = None,
    chunk: int = 1024,
    source: str = "<data>",
) -> Analysis:
    """Per-actor stance profiles of documents, as `stance analyze`.

    `data`: a list of texts, a list of dicts, or a pandas / polars DataFrame with a `text` column
    and optionally `id`, `author`, `date` (ISO 8601 text, or datetimes), `title`; other columns are
    passed through as `meta` (so `by=["meta.party"]` groups by a `party` column). Or `files`:
    paths as the binary takes them (.jsonl, .csv, .txt, folders). With neither, the seed essay.
    `by`: group keys, as `--by` (`author`, `meta.FIELD`, `date:decade|year|quarter|month|week|day`).
    `strict`: a bad record raises `StanceError` naming it (default); `strict=False` counts it in
    `summary.failed` and lists it in `.errors`, as the binary does.
    """
    by = list(by or [])
    jsonl, rows, index, total = None, [], [], None
    if data is not None:
        if files:
            raise StanceError("give data or files, not both")
        rows, index = _rows(data)
        jsonl, total = _jsonl(rows), len(rows)
    eng = engine(model, precision, workers, threads)
    bar, callback = _progress_bar(progress, total, "doc")
    try:
        raw, tidy, warns = eng.analyze(
            jsonl=jsonl, source=source, files=[str(f) for f in files or []],
            actors=str(actors) if actors is not None else None, by=by, evidence=evidence, chunk=chunk,
            strict=strict, author=author, progress=callback,
        )
    except StanceError as e:
        raise _name_record(e, source, rows, index) from None
    finally:
        if bar is not None:
            bar.close()
    for w in warns:
        warnings.warn(f"stance: {w}", stacklevel=2)
    return Analysis(raw, tidy, by, list(warns))


def score(
    sentences,
    *,
    precision: str = "auto",
    strict: bool = True,
    progress: bool = False,
    model=None,
    workers: int | None = None,
    threads: int | None = None,
    source: str = "<data>",
) -> list[dict]:
    """Stance toward given targets and sentence sentiment, as `stance score`, one dict per sentence.

    Each sentence is a text (sentiment only), a `(text, [(start, end), ...])` pair, or a dict
    `{"text", "targets": [{"start", "end"}], "id"?, ...}` (other fields pass through); offsets are
    Unicode characters, `end` exclusive. A bad sentence raises `StanceError` naming it, or with
    `strict=False` comes back as `{"line", "error"}` in its place.
    """
    rows = []
    for i, s in enumerate(sentences):
        if isinstance(s, str):
            rows.append({"text": s})
        elif isinstance(s, dict):
            rows.append(s)
        elif isinstance(s, (tuple, list)) and len(s) == 2:
            rows.append({"text": s[0], "targets": [{"start": a, "end": b} for a, b in s[1]]})
        else:
            raise StanceError(f"sentence {i}: expected a text, (text, spans) or a dict, got {type(s).__name__}")
    eng = engine(model, precision, workers, threads)
    bar, callback = _progress_bar(progress, len(rows), "sentence")
    try:
        out, errors = eng.score(_jsonl(rows), source=source, progress=callback)
    finally:
        if bar is not None:
            bar.close()
    if errors and strict:
        raise _name_record(StanceError(errors[0]), source, rows, list(range(len(rows))))
    return [json.loads(line) for line in out.splitlines()]


@dataclass
class Comparison:
    """What `compare` returns: the JSON of `stance compare` (`json`) and one row per comparison."""

    json: dict
    table: Any


def compare(
    analysis=None,
    *,
    by: Sequence[str],
    groups: Sequence[str] | None = None,
    vs_rest: bool = False,
    reference: str | None = None,
    resamples: int | None = None,
    seed: int | None = None,
    correction: str | None = None,
    alpha: float | None = None,
    min_sentences: int | None = None,
    min_documents: int | None = None,
    **analyze_args,
) -> Comparison:
    """Do groups differ toward each actor? As `stance compare`: a cluster bootstrap interval and a
    permutation test over documents, corrected for many comparisons.

    `analysis`: an `Analysis` (scored once, compared many ways), its JSON as a dict, or the path of
    a saved `stance analyze` output (json or jsonl); anything else (texts, a data frame) is
    analysed first with `analyze_args`.
    """
    import pandas as pd

    if isinstance(analysis, Analysis):
        raw, source = analysis.raw, "<analysis>"
    elif isinstance(analysis, dict):
        raw, source = json.dumps(analysis).encode(), "<analysis>"
    elif isinstance(analysis, (str, os.PathLike)) and Path(analysis).is_file():
        raw, source = Path(analysis).read_bytes(), str(analysis)
    else:
        a = analyze(analysis, by=by, evidence=0, **analyze_args)
        raw, source = a.raw, "<analysis>"
    mode = "reference" if reference is not None else ("vs-rest" if vs_rest else "pairs")
    out = _stance.compare_analysis(
        raw, list(by), source=source, groups=list(groups or []), mode=mode, reference=reference,
        resamples=resamples, seed=seed, correction=correction, alpha=alpha, min_sentences=min_sentences,
        min_documents=min_documents,
    )
    report = json.loads(out)
    rows = report.get("comparisons", [])
    table = pd.json_normalize(rows, sep="_") if rows else pd.DataFrame()
    return Comparison(json=report, table=table)
