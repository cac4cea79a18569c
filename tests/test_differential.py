"""embodb against sqlite3 on random tables and random queries: the same rows
written (inserts, updates, deletes, NULLs), the same answers to filters,
projections, order by + limit and group by with every aggregate, whatever
mix of memtable, row blocks and columnar blocks holds them (flushes,
compactions and reopens in between). Half the tables have a composite
primary key (g, id), and filters then also constrain its columns, so the
planner's key ranges are checked too."""

import os
import sqlite3
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import embodb
from embodb.errors import InvalidInputError

sys.path.insert(0, os.path.dirname(__file__))
from test_aggregate import same  # noqa: E402  (None-aware, floats to a tolerance)

# Column kinds: embodb type, SQL type, values (None is NULL).
KINDS = {
    "small": ("int32", "INTEGER", st.one_of(st.none(), st.integers(-4, 4))),
    "big": ("int64", "INTEGER", st.one_of(st.none(), st.integers(-2**62, 2**62))),
    "real": ("float64", "REAL", st.one_of(st.none(), st.integers(-300, 300).map(lambda v: v / 8))),
    "text": ("string", "TEXT", st.one_of(st.none(), st.sampled_from(["", "a", "cup", "mug", "mugs", "Z", "é"]))),
    "time": ("timestamp", "INTEGER", st.one_of(st.none(), st.integers(0, 10).map(lambda v: v * 1_000_000_000))),
}
# The leading column of a composite key (never null; byte order is sqlite3's BINARY order).
GROUPS = ["", "a", "b", "ba", "é"]
KEY_LITERALS = {
    "g": st.sampled_from(["''", "'a'", "'b'", "'ba'", "'c'", "'é'"]),
    "id": st.integers(-1, 3001).map(str),
}
LITERALS = {
    "small": st.integers(-5, 5).map(str),
    "big": st.sampled_from(["0", "-1", str(2**61), str(-2**61)]),
    "real": st.integers(-40, 40).map(lambda v: repr(v / 8)),
    "text": st.sampled_from(["''", "'a'", "'cup'", "'mug'", "'n'", "'é'"]),
    "time": st.integers(0, 10).map(lambda v: str(v * 1_000_000_000)),
}


@st.composite
def schemas(draw):
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=5))
    return [(f"c{i}_{k}", k) for i, k in enumerate(kinds)]


@st.composite
def filters(draw, columns, depth=2):
    """(embodb text, SQL text) of a random predicate over columns."""
    if depth > 0 and draw(st.integers(0, 3)) == 0:
        op = draw(st.sampled_from(["AND", "OR"]))
        a, b = draw(filters(columns, depth - 1)), draw(filters(columns, depth - 1))
        return f"({a} {op} {b})"
    if depth > 0 and draw(st.integers(0, 6)) == 0:
        return f"NOT ({draw(filters(columns, depth - 1))})"
    name, kind = draw(st.sampled_from(columns))
    lit = KEY_LITERALS[name] if kind == "key" else LITERALS[kind]
    form = draw(st.integers(0, 5))
    if form == 0:
        return f"{name} IS {'NOT ' if draw(st.booleans()) else ''}NULL"
    if form == 1:
        return f"{name} {'NOT ' if draw(st.booleans()) else ''}BETWEEN {draw(lit)} AND {draw(lit)}"
    if form == 2:
        items = ", ".join(draw(st.lists(lit, min_size=1, max_size=4)))
        return f"{name} {'NOT ' if draw(st.booleans()) else ''}IN ({items})"
    op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
    return f"{name} {op} {draw(lit)}"


def plain(v):
    """A value as sqlite3 holds it."""
    if v is None:
        return None
    if isinstance(v, np.datetime64):
        return int(v.astype("datetime64[ns]").astype(np.int64))
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def rows_of(result, names):
    return [tuple(plain(r[n]) for n in names) for r in result.to_list()]


class Pair:
    """One embodb table and one sqlite3 table, written alike: keyed by id, or
    by (g, id) when composite."""

    def __init__(self, path, columns, composite):
        self.path = path
        self.columns = columns
        self.key = ["g", "id"] if composite else ["id"]
        self.order = ", ".join(self.key)
        self.names = self.key + [n for n, _ in columns]
        self.db = embodb.connect(path)
        key_types = {"g": "string", "id": "int64"} if composite else {"id": "int64"}
        self.t = self.db.create_table("t", {**key_types, **{n: KINDS[k][0] for n, k in columns}},
                                      primary_key=tuple(self.key) if composite else "id")
        self.lite = sqlite3.connect(":memory:")
        cols = ", ".join(f"{n} {KINDS[k][1]}" for n, k in columns)
        key_cols = "g TEXT NOT NULL, id INTEGER NOT NULL" if composite else "id INTEGER NOT NULL"
        self.lite.execute(f"CREATE TABLE t ({key_cols}, {cols}, PRIMARY KEY ({self.order}))")

    def upsert(self, rows):
        data = [dict(zip(self.names, r)) for r in rows]
        embodb_rows = []
        for d in data:
            e = dict(d)
            for n, k in self.columns:
                if k == "time" and e[n] is not None:
                    e[n] = np.datetime64(e[n], "ns")
            embodb_rows.append(e)
        self.t.upsert(embodb_rows)
        marks = ", ".join("?" for _ in self.names)
        self.lite.executemany(f"INSERT OR REPLACE INTO t VALUES ({marks})", rows)

    def delete(self, keys):
        if len(self.key) == 1:
            keys = [k[-1] for k in keys]
            self.t.delete(keys=keys)
            self.lite.executemany("DELETE FROM t WHERE id = ?", [(k,) for k in keys])
        else:
            self.t.delete(keys=keys)
            self.lite.executemany("DELETE FROM t WHERE g = ? AND id = ?", keys)

    def reopen(self):
        self.db.close()
        self.db = embodb.connect(self.path)
        self.t = self.db["t"]


@st.composite
def scenarios(draw):
    columns = draw(schemas())
    composite = draw(st.booleans())
    row = st.tuples(*[KINDS[k][2] for _, k in columns])
    keys = st.tuples(st.sampled_from(GROUPS) if composite else st.just(""), st.integers(0, 3000))
    steps = []
    for _ in range(draw(st.integers(1, 5))):
        action = draw(st.sampled_from(["write", "write", "delete", "flush", "compact", "reopen"]))
        if action == "write":
            written = draw(st.lists(keys, min_size=1, max_size=400, unique=True))
            steps.append(("write", [(*(k if composite else k[1:]), *draw(row)) for k in written]))
        elif action == "delete":
            steps.append(("delete", draw(st.lists(keys, min_size=1, max_size=200, unique=True))))
        else:
            steps.append((action, None))
    filtered = columns + ([("g", "key"), ("id", "key")] if composite else [])
    queries = draw(st.lists(filters(filtered), min_size=1, max_size=4))
    return columns, composite, steps, queries, draw(st.data())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_embodb_answers_as_sqlite3_does(tmp_path_factory, scenario):
    columns, composite, steps, queries, data = scenario
    pair = Pair(str(tmp_path_factory.mktemp("diff") / "db"), columns, composite)
    try:
        for action, arg in steps:
            if action == "write":
                pair.upsert(arg)
            elif action == "delete":
                pair.delete(arg)
            elif action == "flush":
                pair.db.flush()
            elif action == "compact":
                pair.db.flush()
                pair.db.compact()
            else:
                pair.reopen()
        for where in queries:
            check_query(pair, where, data)
    finally:
        pair.db.close()


def check_query(pair, where, data):
    t, lite, names = pair.t, pair.lite, pair.names
    # Filter and projection (key order).
    proj = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    got = rows_of(t.where(where).select(*proj).execute(), proj)
    want = lite.execute(f"SELECT {', '.join(proj)} FROM t WHERE {where} ORDER BY {pair.order}").fetchall()
    assert len(got) == len(want), where
    assert all(all(same(a, b) for a, b in zip(g, w)) for g, w in zip(got, want)), where
    assert t.where(where).count() == len(want), where

    # Order by + limit: nulls last, ties in key order.
    name, kind = data.draw(st.sampled_from(pair.columns))
    desc = data.draw(st.booleans())
    k = data.draw(st.integers(1, 30))
    got = rows_of(t.where(where).order_by(name, descending=desc).limit(k).select(*pair.key, name).execute(),
                  [*pair.key, name])
    want = lite.execute(f"SELECT {pair.order}, {name} FROM t WHERE {where} ORDER BY {name} IS NULL, {name} "
                        f"{'DESC' if desc else 'ASC'}, {pair.order} LIMIT {k}").fetchall()
    assert len(got) == len(want), (where, name, desc)
    assert all(same(a, b) for g, w in zip(got, want) for a, b in zip(g, w)), (where, name, desc)

    # Group by with every aggregate.
    key, _ = data.draw(st.sampled_from(pair.columns))
    value, vkind = data.draw(st.sampled_from(pair.columns))
    numeric = vkind in ("small", "big", "real", "time")
    aggs = {"n": "count()", "nv": f"count({value})", "lo": f"min({value})", "hi": f"max({value})",
            "first": f"first({value})", "last": f"last({value})"}
    sql = ["count(*)", f"count({value})", f"min({value})", f"max({value})"]
    if numeric and vkind != "time":
        aggs.update(s=f"sum({value})", m=f"mean({value})")
        sql += [f"sum({value})", f"avg({value})"]
    try:
        want = lite.execute(f"SELECT {key}, {', '.join(sql)} FROM t WHERE {where} GROUP BY {key} "
                            f"ORDER BY {key} IS NULL, {key}").fetchall()
    except sqlite3.OperationalError as e:  # a sum past the int64 range: both refuse it
        assert "integer overflow" in str(e)
        with pytest.raises(InvalidInputError, match="the sum leaves the int64 range"):
            t.query().where(where).group_by(key).agg(**aggs).to_list()
        return
    got = t.query().where(where).group_by(key).agg(**aggs).to_list()
    assert len(got) == len(want), (where, key)
    # first and last (no sqlite3 function): the first and last non-null value in key order.
    members = lite.execute(f"SELECT {key}, {value} FROM t WHERE {where} ORDER BY {pair.order}").fetchall()
    for g, w in zip(got, want):
        assert same(plain(g[key]), w[0]), (where, key)
        names_in_order = ["n", "nv", "lo", "hi"] + (["s", "m"] if "s" in aggs else [])
        for n, expected in zip(names_in_order, w[1:]):
            assert same(plain(g[n]), expected), (where, key, n, g[n], expected)
        values = [v for kk, v in members if kk == w[0] and v is not None]
        assert same(plain(g["first"]), values[0] if values else None), (where, key, "first")
        assert same(plain(g["last"]), values[-1] if values else None), (where, key, "last")
