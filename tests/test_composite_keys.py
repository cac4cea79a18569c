"""Composite primary keys: primary_key=("robot", "ts") stores rows in (robot,
ts) order, reads them by tuple, and turns filters on the leading key columns
into key ranges. (test_differential.py checks answers on random composite
tables against sqlite3.)"""

import datetime as dt

import numpy as np
import pytest

import embodb
from embodb.errors import DuplicateKeyError, InvalidInputError, SchemaError

ROBOTS = ["r0", "r1", "r2"]
N = 3000


@pytest.fixture
def imu(tmp_path):
    db = embodb.connect(str(tmp_path / "db"))
    t = db.create_table("imu", {"robot": "string", "ts": "timestamp", "gx": "float32", "emb": "vector(4)"},
                        primary_key=("robot", "ts"))
    i = np.arange(N)
    # Written out of key order: the table sorts them.
    t.insert({"robot": [ROBOTS[k % 3] for k in i[::-1]], "ts": (i[::-1] * 1000).astype(np.int64),
              "gx": i[::-1].astype(np.float32), "emb": np.random.default_rng(0).random((N, 4), dtype=np.float32)})
    yield db, t
    db.close()


def ts_ns(values):
    return np.asarray(values).astype("datetime64[ns]").astype(np.int64)


def test_schema_names_the_key_columns_in_order(imu):
    _, t = imu
    assert t.schema.primary_key == ("robot", "ts")
    assert t.schema.key_columns == ("robot", "ts")
    assert t.schema.columns["robot"].not_null and t.schema.columns["ts"].not_null  # key columns never hold nulls
    assert "robot string (primary key), ts timestamp (primary key)" in repr(t.schema)


def test_rows_come_in_tuple_order_through_flush_compaction_and_reopen(imu, tmp_path):
    db, t = imu
    for step in ("memtable", "flush", "compact", "reopen"):
        if step == "flush":
            db.flush()
        elif step == "compact":
            db.compact()
        elif step == "reopen":
            db.close()
            db = embodb.connect(str(tmp_path / "db"))
            t = db["imu"]
        got = t.select("robot", "ts").to_numpy()
        pairs = list(zip(got["robot"].tolist(), ts_ns(got["ts"]).tolist()))
        assert pairs == sorted(pairs), step
        assert len(pairs) == N
    db.close()


def test_get_takes_tuples_datetimes_and_dicts_of_key_columns(imu):
    _, t = imu
    row = t.get(("r1", 1000))
    assert row["gx"] == 1.0 and row["robot"] == "r1"
    assert t.get(("r1", np.datetime64(1000, "ns")))["gx"] == 1.0
    assert t.get(("r1", dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))) is None  # ts 0 is robot r0's
    assert t.get(("r0", 0))["gx"] == 0.0
    assert t.get(("r2", 1000)) is None
    many = t.get_many([("r0", 0), ("nobody", 0), ("r1", 4000)]).to_list()
    assert [r["gx"] for r in many] == [0.0, 4.0]
    by_columns = t.get_many({"robot": ["r1", "r1"], "ts": [1000, 4000]}, columns=["gx"]).to_list()
    assert by_columns == [{"gx": 1.0}, {"gx": 4.0}]


def test_bad_keys_are_clear_errors(imu):
    _, t = imu
    with pytest.raises(SchemaError, match=r"1 value for the primary key \(robot, ts\) of 2 columns"):
        t.get("r1")
    with pytest.raises(InvalidInputError, match="tuple of 2 values"):
        t.get_many([("r1", 1000, 5)])
    with pytest.raises(InvalidInputError, match="lacks column 'ts'"):
        t.get_many({"robot": ["r1"]})
    with pytest.raises(SchemaError):
        t.get((5, 1000))  # robot is a string
    with pytest.raises(SchemaError):
        t.insert({"robot": [None], "ts": [1], "gx": [0.0]})  # a key column is never null


def test_duplicates_are_refused_and_upserts_replace(imu):
    _, t = imu
    with pytest.raises(DuplicateKeyError, match=r"\('r1', 4000\)"):
        t.insert({"robot": ["r1"], "ts": [4000], "gx": [9.0]})
    with pytest.raises(DuplicateKeyError, match="in rows 0 and 1"):
        t.insert({"robot": ["new", "new"], "ts": [1, 1], "gx": [1.0, 2.0]})
    assert t.get(("new", 1)) is None  # nothing of the batch was written
    t.insert({"robot": ["r1", "new"], "ts": [1, 1], "gx": [7.0, 8.0]})  # same ts, other robot: another row
    t.upsert({"robot": ["r1"], "ts": [1], "gx": [70.0]})
    assert t.get(("r1", 1))["gx"] == 70.0 and t.get(("new", 1))["gx"] == 8.0
    assert len(t) == N + 2


def test_delete_and_update_by_key(imu):
    _, t = imu
    assert t.delete([("r1", 1000), ("r1", 1000), ("r0", 1000)]) == 1  # r0 has no ts 1000
    assert t.get(("r1", 1000)) is None
    assert t.delete({"robot": "r2", "ts": 2000}) == 1
    assert t.update({"gx": -1.0}, where="robot = 'r0' AND ts < 9000") == 3
    assert t.get(("r0", 3000))["gx"] == -1.0
    with pytest.raises(SchemaError, match="cannot update the primary key column 'robot'"):
        t.update({"robot": "r9"})


def test_filters_on_leading_key_columns_read_key_ranges(imu):
    db, t = imu
    db.flush()
    db.compact()
    cases = {
        "robot = 'r1'": "scan the (robot, ts) range robot = 'r1'",
        "robot = 'r1' AND ts >= 30000 AND ts < 60000": "scan the (robot, ts) range robot = 'r1' AND ts >= 30000",
        "robot IN ('r2', 'r0') AND ts < 9000": "(2 ranges)",
        "robot = 'r1' AND ts IN (1000, 4000, 5000)": "look up 3 (robot, ts) values",
        "robot LIKE 'r%' AND gx > 5": "scan the (robot, ts) range robot LIKE 'r%'",
        "ts < 9000": "scan every row",
        "robot = 'r1' AND robot = 'r2'": "no row can match",
    }
    every = t.to_numpy()
    robot, ts, gx = every["robot"], ts_ns(every["ts"]), every["gx"]
    expected = {
        "robot = 'r1'": robot == "r1",
        "robot = 'r1' AND ts >= 30000 AND ts < 60000": (robot == "r1") & (ts >= 30000) & (ts < 60000),
        "robot IN ('r2', 'r0') AND ts < 9000": np.isin(robot, ["r2", "r0"]) & (ts < 9000),
        "robot = 'r1' AND ts IN (1000, 4000, 5000)": (robot == "r1") & np.isin(ts, [1000, 4000, 5000]),
        "robot LIKE 'r%' AND gx > 5": gx > 5,
        "ts < 9000": ts < 9000,
        "robot = 'r1' AND robot = 'r2'": np.zeros(N, bool),
    }
    for where, plan in cases.items():
        q = t.where(where)
        assert plan in q.explain(), (where, q.explain())
        got = q.select("robot", "ts").to_numpy()
        want = sorted(zip(robot[expected[where]].tolist(), ts[expected[where]].tolist()))
        assert list(zip(got["robot"].tolist(), ts_ns(got["ts"]).tolist())) == want, where


def test_a_range_on_the_first_key_column_reads_only_its_rows(imu):
    db, t = imu
    db.flush()
    db.compact()
    # 3,000 rows in columnar blocks of 1,024: robot r0's 1,000 rows are the
    # first block, which is all that its key range reads.
    everything = t.where("gx >= 0").execute()
    assert everything.read_stats["runs_read"] == 3
    r0 = t.where("robot = 'r0'").execute()
    assert len(r0) == N // 3
    assert r0.read_stats["runs_read"] == 1


def test_order_aggregates_and_indexes_work_over_composite_tables(imu):
    db, t = imu
    latest = t.order_by("ts", descending=True).limit(1).to_list()[0]
    assert ts_ns([latest["ts"]])[0] == (N - 1) * 1000
    counts = {r["robot"]: r["n"] for r in t.query().group_by("robot").agg(n="count()").to_list()}
    assert counts == {"r0": 1000, "r1": 1000, "r2": 1000}
    with pytest.raises(SchemaError, match="primary key's first column"):
        t.create_index("robot")
    t.create_index("ts")  # the second key column: an index helps filters on ts alone
    assert "use the index on ts" in t.where("ts = 5000").explain()
    assert t.where("ts = 5000").to_list()[0]["robot"] == "r2"
    t.create_index("emb", "hnsw")
    hits = t.search(np.ones(4, np.float32)).limit(3).select("robot", "ts").to_list()
    assert len(hits) == 3 and all(h["robot"] in ROBOTS for h in hits)
    keys, distances = t.knn(np.ones((2, 4), np.float32), k=2)
    assert keys.shape == (2, 2) and isinstance(keys[0, 0], tuple) and keys[0, 0][0] in ROBOTS
    assert t.get(keys[0, 0]) is not None
    t.delete(keys[0, 0])
    t.update({"gx": 5.0}, where="robot = 'r1' AND ts < 100000")
    t.verify()  # both indexes agree with the rows
    assert keys[0, 0] not in {tuple(k) for k in t.knn(np.ones((1, 4), np.float32), k=5)[0][0]}


def test_snapshots_and_transactions_see_composite_rows(imu):
    db, t = imu
    snap = db.snapshot()
    with db.transaction() as tx:
        tx["imu"].insert({"robot": ["r9"], "ts": [5], "gx": [1.5]})
        assert tx["imu"].get(("r9", 5))["gx"] == 1.5
    assert t.get(("r9", 5))["gx"] == 1.5
    assert snap.table("imu").get(("r9", 5)) is None
