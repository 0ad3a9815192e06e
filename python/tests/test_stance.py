"""The Python package against the binary it shares its engine with: the seed essay's figures and
JSON byte for byte, a data frame (pandas and polars) in and out, `score` and `compare` equal to
theirs, bad records raised as `StanceError` naming the record, progress through tqdm, and the GIL
released while the model runs."""

import json
import math
import threading

import pandas as pd
import polars as pl
import pytest

import stance
from conftest import ROOT

SEED = "seeds/000_204bb2dc5e8ef806.txt"

FRAME = pd.DataFrame(
    {
        "id": ["a1", "a2", "b1", "b2", "c1"],
        "author": ["Ann", "Ann", "Bob", "Bob", "Cy"],
        "date": ["1950-03-14", "1951", "1953-07-01", "1953-12-02", None],
        "party": ["Blue", "Blue", "Red", "Red", None],
        "text": [
            "Moscow threatens its neighbours. China signed a fair trade deal with Europe.",
            "The Kremlin lied again about the invasion. Iran is a trusted friend.",
            "We welcome the agreement with Russia. NATO stands with its allies.",
            "Beijing cracked down on protesters. Russia and the West agreed on grain exports.",
            "Nothing here names an actor at all.",
        ],
    },
    index=["r1", "r2", "r3", "r4", "r5"],
)
BY = ["meta.party", "date:year"]


def frame_as_jsonl(df) -> bytes:
    """The rows as the JSONL file a user would give the binary (missing values left out)."""
    lines = []
    for row in df.to_dict(orient="records"):
        present = {k: v for k, v in row.items() if not (v is None or (isinstance(v, float) and math.isnan(v)))}
        lines.append(json.dumps(present, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def test_the_seed_essay_gives_the_binarys_figures_and_bytes(binary):
    a = stance.analyze()
    assert a.raw == binary("analyze", "--format", "json", "--quiet"), "the JSON is the binary's, byte for byte"
    # The figures of the README's first command (counts do not depend on the precision).
    assert a.json["documents"][0]["id"] == SEED
    corpus = a.json["corpus"]
    assert (corpus["documents"], corpus["sentences"], corpus["actor_sentences"], corpus["mentions"]) == (1, 26, 21, 59)
    russia = corpus["actors"]["russia"]
    assert (russia["mentions"], russia["sentences"]) == (32, 20)
    assert russia["stance"] < 0, "the essay is hostile to Russia's war"
    assert a.json["summary"]["failed"] == 0
    # The tables hold the same numbers.
    row = a.documents[a.documents.actor == "russia"].iloc[0]
    assert (row.document, row.mentions, row.stance) == (SEED, 32, russia["stance"])
    ev = a.evidence[(a.evidence.scope == "corpus") & (a.evidence.actor == "russia") & (a.evidence.side == "against")]
    assert ev.iloc[0].text == russia["evidence"]["against"][0]["text"]


def test_a_data_frame_round_trip_equals_the_binary_on_the_same_rows(binary, tmp_path):
    path = tmp_path / "frame.jsonl"
    path.write_bytes(frame_as_jsonl(FRAME))
    expected = binary("analyze", path, "--by", "meta.party", "--by", "date:year", "--format", "json", "--quiet")
    a = stance.analyze(FRAME, by=BY)
    assert a.raw == expected, "the JSON of a data frame is the binary's on the same rows"
    # Out again: one row per document x mentioned actor, ids, authors and dates as they went in.
    docs = a.documents
    assert list(docs.drop_duplicates("document").document) == ["a1", "a2", "b1", "b2"], "c1 names no actor"
    first = docs.drop_duplicates("document").set_index("document")
    assert first.loc["a1", "author"] == "Ann" and first.loc["a2", "date"] == "1951"
    assert str(first.loc["a1", "day"].date()) == "1950-03-14" and pd.isna(first.loc["a2", "day"])
    assert str(docs["mentions"].dtype) == "int64" and str(docs["stance"].dtype) == "float64"
    assert a.json["documents"][0]["meta"] == {"party": "Blue"}, "other columns pass through as meta"
    # Tidy rows: the binary's tidy-jsonl, with the year also as a date.
    tidy_lines = binary("analyze", path, "--by", "meta.party", "--by", "date:year", "--format", "tidy-jsonl", "--quiet")
    expected_tidy = pd.DataFrame([json.loads(x) for x in tidy_lines.splitlines()])
    pd.testing.assert_frame_equal(a.tidy.drop(columns="bucket_start"), expected_tidy)
    blue_1952 = a.tidy[(a.tidy.group == "Blue") & (a.tidy.bucket == "1952")]
    assert len(blue_1952) == 4 and blue_1952.stance.isna().all(), "an empty year: no data, not a zero stance"
    assert str(blue_1952.bucket_start.iloc[0].date()) == "1952-01-01"
    # A polars frame gives the same analysis.
    assert stance.analyze(pl.from_pandas(FRAME), by=BY).raw == expected


def test_a_list_of_texts_and_datetimes_are_records(binary):
    a = stance.analyze(["Russia is a threat.", "China is a partner."])
    assert [d["id"] for d in a.json["documents"]] == ["0", "1"]
    df = FRAME.assign(date=pd.to_datetime(["1950-03-14", "1951-01-01", "1953-07-01", "1953-12-02", None]))
    b = stance.analyze(df, by=["date:year"])
    assert b.json["documents"][0]["date"] == "1950-03-14", "a timestamp at midnight is a day"


def test_a_bad_record_raises_naming_it():
    bad = FRAME.copy()
    bad.loc["r3", "text"] = None
    with pytest.raises(stance.StanceError) as e:
        stance.analyze(bad)
    message = str(e.value)
    assert "record 3" in message and "'r3'" in message and "'b1'" in message and "text" in message, message
    assert isinstance(e.value, ValueError)
    # strict=False: counted and listed, as the binary does.
    a = stance.analyze(bad, strict=False)
    assert a.summary["failed"] == 1 and a.errors[0]["line"] == 3
    with pytest.raises(stance.StanceError, match="date"):
        stance.analyze(FRAME.assign(date=["not a date"] * 5))
    with pytest.raises(stance.StanceError, match="fortnight"):
        stance.analyze(FRAME, by=["date:fortnight"])


def test_score_gives_the_binarys_lines(binary):
    line = {"id": "s1", "text": "Moscow rejected the offer from Washington.", "targets": [{"start": 0, "end": 6}, {"start": 31, "end": 41}]}
    expected = json.loads(binary("score", "-", "--quiet", stdin=(json.dumps(line) + "\n").encode()))
    assert stance.score([line]) == [expected]
    (pair,) = stance.score([(line["text"], [(0, 6), (31, 41)])])
    assert [t["text"] for t in pair["targets"]] == ["Moscow", "Washington"]
    assert pair["targets"] == expected["targets"]
    with pytest.raises(stance.StanceError, match="record 2"):
        stance.score(["Fine.", ("Short.", [(0, 99)])])


def test_compare_gives_the_binarys_json(binary, tmp_path):
    a = stance.analyze(FRAME, by=BY)
    saved = tmp_path / "a.json"
    a.to_json(saved)
    args = ["--by", "meta.party", "--min-documents", "2", "--min-sentences", "1", "--resamples", "199"]
    expected = json.loads(binary("compare", "--analysis", saved, *args, "--format", "json"))
    c = stance.compare(a, by=["meta.party"], min_documents=2, min_sentences=1, resamples=199)
    assert c.json == expected
    assert len(c.table) == len(expected["comparisons"]) > 0
    assert stance.compare(str(saved), by=["meta.party"], min_documents=2, min_sentences=1, resamples=199).json == expected


def test_progress_goes_through_tqdm(capsys):
    stance.analyze(FRAME, progress=True)
    assert "5/5" in capsys.readouterr().err, "tqdm counted the five documents"


def test_the_gil_is_released_while_the_model_runs():
    texts = [f"Russia and China met in round {i}; NATO warned Iran again." for i in range(400)]
    stance.score(texts[:2])  # the model loaded outside the timing
    done = threading.Event()
    ticks = 0

    def work():
        stance.score(texts)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks += 1
    t.join()
    # With the GIL held for the whole call this loop could not run until the call returned.
    assert ticks > 10_000, ticks


def test_the_model_folder_is_found_as_the_binary_finds_it():
    e = stance.engine()
    assert e.model.endswith("models/stance-minilm") and e.precision in ("fp32", "bf16")
    assert (ROOT / "models/stance-minilm/config.json").is_file()
