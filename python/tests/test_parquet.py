"""The binary's Parquet tables (`--format parquet`, `--format tidy-parquet`) as a dashboard or a
notebook reads them: pyarrow and DuckDB see the right types (integers, doubles, dates, strings),
and every value equals the JSON figures of the same run. Also the README's dashboard query."""

import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT

CORPUS = "\n".join(
    json.dumps(r)
    for r in [
        {"id": "a1", "author": "Ann", "date": "1950-03-14", "party": "Blue", "text": "Moscow threatens its neighbours. China signed a fair trade deal with Europe."},
        {"id": "a2", "author": "Ann", "date": "1951", "party": "Blue", "text": "The Kremlin lied again about the invasion. Iran is a trusted friend."},
        {"id": "b1", "author": "Bob", "date": "1953-07-01", "party": "Red", "text": "We welcome the agreement with Russia. NATO stands with its allies."},
        {"id": "b2", "author": "Bob", "date": "1953-12-02", "party": "Red", "text": "Beijing cracked down on protesters. Russia and the West agreed on grain exports."},
    ]
) + "\n"


@pytest.fixture(scope="module")
def tables(binary, tmp_path_factory):
    d = tmp_path_factory.mktemp("parquet")
    corpus = d / "c.jsonl"
    corpus.write_text(CORPUS)
    partial = d / "p.jsonl"
    binary("analyze", corpus, "--by", "meta.party", "--by", "date:year", "--format", "partial", "--output", partial, "--quiet")
    out = {}
    for fmt, name in [("json", "all.json"), ("parquet", "docs.parquet"), ("tidy-parquet", "tidy.parquet")]:
        binary("merge", partial, "--format", fmt, "--output", d / name)
        out[fmt] = d / name
    return json.loads(out["json"].read_text()), out["parquet"], out["tidy-parquet"]


def test_pyarrow_reads_typed_columns_equal_to_the_json(tables):
    doc, docs_path, tidy_path = tables
    docs = pq.read_table(docs_path)
    types = {f.name: f.type for f in docs.schema}
    assert types["record"] == pa.int64() and types["mentions"] == pa.int64()
    assert types["stance"] == pa.float64() and types["ci95_low"] == pa.float64()
    assert types["day"] == pa.date32() and types["date"] == pa.string()
    rows = docs.to_pylist()
    expected = [
        (d["id"], a["id"], d["actors"][a["id"]])
        for d in doc["documents"]
        for a in doc["actors"]
        if a["id"] in d["actors"]
    ]
    assert [(r["document"], r["actor"]) for r in rows] == [(i, a) for i, a, _ in expected]
    for r, (_, _, p) in zip(rows, expected):
        assert (r["mentions"], r["sentences"]) == (p["mentions"], p["sentences"])
        assert (r["stance"], r["ci95_low"], r["ci95_high"], r["sd"]) == (p["stance"], p["ci95"][0], p["ci95"][1], p["sd"])
        assert r["p_favor"] == p["distribution"]["favor"] and r["label"] == p["label"]
    assert str(rows[0]["day"]) == "1950-03-14" and [r["day"] for r in rows if r["document"] == "a2"][0] is None

    tidy = pq.read_table(tidy_path)
    types = {f.name: f.type for f in tidy.schema}
    assert types["bucket_start"] == pa.date32() and types["group_documents"] == pa.int64()
    assert types["stance"] == pa.float64() and types["bucket"] == pa.string()
    rows = tidy.to_pylist()
    expected = [(g, a["id"]) for g in doc["groups"] for a in doc["actors"]]
    assert len(rows) == len(expected)
    for r, (g, actor) in zip(rows, expected):
        assert (r["group"], r["bucket"], r["actor"]) == (g["key"][0], g["key"][1], actor)
        assert str(r["bucket_start"]) == f"{g['key'][1]}-01-01"
        p = g["actors"].get(actor)
        assert r["stance"] == (p["stance"] if p else None), "null, not zero, where no sentence names the actor"
        assert r["ci95_high"] == (p["ci95"][1] if p else None)
        assert r["sentences"] == (p["sentences"] if p else 0)


def test_duckdb_reads_the_same_types_and_figures(tables):
    doc, docs_path, tidy_path = tables
    con = duckdb.connect()
    described = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{tidy_path}')").fetchall())
    assert described["bucket_start"] == "DATE" and described["documents"] == "BIGINT"
    assert described["stance"] == "DOUBLE" and described["group"] == "VARCHAR"
    got = con.execute(
        f"SELECT \"group\", bucket, actor, stance, sentences FROM '{tidy_path}' WHERE stance IS NOT NULL ORDER BY ALL"
    ).fetchall()
    expected = sorted(
        (g["key"][0], g["key"][1], a, p["stance"], p["sentences"]) for g in doc["groups"] for a, p in g["actors"].items()
    )
    assert got == expected
    described = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{docs_path}')").fetchall())
    assert described["day"] == "DATE" and described["record"] == "BIGINT" and described["p_against"] == "DOUBLE"
    (n,) = con.execute(f"SELECT count(*) FROM '{docs_path}'").fetchone()
    assert n == sum(len(d["actors"]) for d in doc["documents"])


def test_the_readme_dashboard_query_runs(tables):
    """The README's DuckDB query (State of the Union by decade), on this corpus's years."""
    _, _, tidy_path = tables
    readme = (ROOT / "README.md").read_text()
    assert 'duckdb.sql("""' in readme, "the README shows a DuckDB query"
    sql = readme.split('duckdb.sql("""', 1)[1].split('""")', 1)[0]
    assert "'decades.parquet'" in sql and "DATE '1940-01-01'" in sql, sql
    sql = sql.replace("decades.parquet", str(tidy_path)).replace("DATE '1940-01-01'", "DATE '1951-01-01'")
    rows = duckdb.connect().execute(sql).fetchall()
    assert [r[0] for r in rows] == ["1951", "1952", "1953"], rows
